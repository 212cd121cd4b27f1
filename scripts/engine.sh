#!/usr/bin/env bash
# The Pulumi engine for the local stack, offline: which `pulumi` to run, its plugins, a file
# backend and a passphrase in the git-ignored state directory, and a copy of the stack file so
# the CLI never rewrites the committed Pulumi.local.yaml.
#
# Usage:
#   scripts/engine.sh env                 print `export` lines (eval them) for the engine
#   scripts/engine.sh pulumi ARGS...      run pulumi ARGS against the local stack
#
# Which pulumi: $SSCAN_PULUMI if set, else a `pulumi` already on PATH (used as it is, with its
# own PULUMI_HOME and plugins: nothing is built), else the CLI, the Node.js language host and the
# Kubernetes and random providers built by scripts/toolchain.sh (built on first use).
#
# State (under ${SSCAN_STATE_DIR:-<repo>/.state}/pulumi):
#   backend/     the file backend (PULUMI_BACKEND_URL; `pulumi login` is never called, so a
#                user's own login is untouched)
#   passphrase   generated once (mode 600): encrypts the stack's secrets in the state
#   Pulumi.local.yaml   the repo's Pulumi.local.yaml plus the stack's encryption salt and any
#                key set on the copy (committed keys win), rebuilt on every call; passed as
#                --config-file
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
STATE="${SSCAN_STATE_DIR:-$ROOT/.state}"
ENGINE="$STATE/pulumi"
STACK=local
PROJECT=$(sed -n 's/^name: *//p' "$ROOT/Pulumi.yaml")

log() { printf '[engine] %s\n' "$*" >&2; }
die() { printf '[engine] ERROR: %s\n' "$*" >&2; exit 1; }

# Resolves the pulumi binary and the environment it runs in; exports them.
setup() {
  local own_toolchain=0 cli=""
  if [[ -n "${SSCAN_PULUMI:-}" ]]; then
    [[ -x "$SSCAN_PULUMI" ]] || die "SSCAN_PULUMI=$SSCAN_PULUMI is not an executable file"
    cli=$SSCAN_PULUMI
  elif cli=$(command -v pulumi 2>/dev/null) && [[ "$cli" != "$CACHE"/* ]]; then
    :
  else
    own_toolchain=1
    bash "$ROOT/scripts/toolchain.sh" kubernetes etcd kwok pulumi pulumi-language-nodejs \
      pulumi-resource-kubernetes pulumi-resource-random >&2
    cli="$CACHE/pulumi-$(<"$CACHE/pulumi-cli.version")/bin/pulumi"
  fi
  # The control plane's binaries (kubectl among them) always come from the toolchain.
  [[ -f "$CACHE/env.sh" ]] || bash "$ROOT/scripts/toolchain.sh" kubernetes etcd kwok >&2
  if ((own_toolchain)); then
    # shellcheck source=/dev/null
    source "$CACHE/env.sh"
  else
    local keep_home=${PULUMI_HOME:-}
    # shellcheck source=/dev/null
    source "$CACHE/env.sh"
    # A user's own CLI keeps its own plugins and may fetch missing ones.
    if [[ -n "$keep_home" ]]; then export PULUMI_HOME=$keep_home; else unset PULUMI_HOME; fi
    unset PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION
    PATH="$(dirname "$cli"):$PATH"
  fi
  export SSCAN_PULUMI_BIN=$cli
  mkdir -p "$ENGINE/backend"
  export PULUMI_BACKEND_URL="file://$ENGINE/backend"
  if [[ ! -s "$ENGINE/passphrase" ]]; then
    (umask 077; openssl rand -base64 32 >"$ENGINE/passphrase")
  fi
  export PULUMI_CONFIG_PASSPHRASE_FILE="$ENGINE/passphrase"
  unset PULUMI_CONFIG_PASSPHRASE
  export PULUMI_SKIP_UPDATE_CHECK=true
  # ts-node transpiles the program and the policy pack without type-checking them: that saves
  # about 15 s per engine run here, and `npm run build` (run by CI) type-checks both.
  export PULUMI_NODEJS_TRANSPILE_ONLY=true
  export KUBECONFIG="$STATE/kubeconfig"
}

# Creates the stack in the file backend when it is missing, from a scratch project folder so
# the committed stack file is not touched, and rebuilds the config copy with its salt.
ensure_stack() {
  local init="$ENGINE/init" salt
  # The file backend keeps a stack at .pulumi/stacks/<project>/<stack>.json.
  if [[ ! -f "$ENGINE/backend/.pulumi/stacks/$PROJECT/$STACK.json" ]]; then
    rm -rf "$init"; mkdir -p "$init"
    printf 'name: %s\nruntime: nodejs\n' "$PROJECT" >"$init/Pulumi.yaml"
    "$SSCAN_PULUMI_BIN" stack init "$STACK" --secrets-provider passphrase --non-interactive --cwd "$init" >&2
    log "created stack $STACK in $PULUMI_BACKEND_URL"
  fi
  salt=$(sed -n 's/^encryptionsalt: *//p' "$init/Pulumi.$STACK.yaml" 2>/dev/null || true)
  [[ -n "$salt" ]] || die "the stack $STACK exists in $PULUMI_BACKEND_URL but $init/Pulumi.$STACK.yaml holds no encryption salt: remove $ENGINE and run again"
  # Committed keys win; keys set on the copy (`pulumi config set` through this script) are kept.
  node -e '
    const fs = require("fs");
    const YAML = require(require.resolve("yaml", { paths: [process.argv[1]] }));
    const [, root, committedFile, copyFile, salt] = process.argv;
    const committed = YAML.parse(fs.readFileSync(committedFile, "utf8")) ?? {};
    const copy = fs.existsSync(copyFile) ? YAML.parse(fs.readFileSync(copyFile, "utf8")) ?? {} : {};
    const config = { ...(copy.config ?? {}), ...(committed.config ?? {}) };
    fs.writeFileSync(copyFile, YAML.stringify({ ...committed, config, encryptionsalt: salt }));
  ' "$ROOT" "$ROOT/Pulumi.$STACK.yaml" "$ENGINE/Pulumi.$STACK.yaml" "$salt"
}

case "${1:-}" in
env)
  setup
  ensure_stack
  for v in PATH PULUMI_HOME PULUMI_BACKEND_URL PULUMI_CONFIG_PASSPHRASE_FILE PULUMI_SKIP_UPDATE_CHECK \
           PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION PULUMI_NODEJS_TRANSPILE_ONLY KUBECONFIG SSCAN_PULUMI_BIN SSCAN_KWOK_STAGES SSCAN_TOOLCHAIN_DIR; do
    if [[ -n "${!v:-}" ]]; then printf 'export %s=%q\n' "$v" "${!v}"; fi
  done
  printf 'export SSCAN_PULUMI_CONFIG_FILE=%q\n' "$ENGINE/Pulumi.$STACK.yaml"
  ;;
pulumi)
  shift
  setup
  ensure_stack
  cmd=${1:-}
  extra=(--stack "$STACK" --non-interactive)
  case "$cmd" in
    up | preview | destroy | refresh | import | config) extra+=(--config-file "$ENGINE/Pulumi.$STACK.yaml") ;;
  esac
  cd "$ROOT"
  exec "$SSCAN_PULUMI_BIN" "$@" "${extra[@]}"
  ;;
*)
  echo "usage: scripts/engine.sh env | pulumi ARGS..." >&2
  exit 2
  ;;
esac
