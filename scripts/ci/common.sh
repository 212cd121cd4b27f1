#!/usr/bin/env bash
# What scripts/ci/preview, deploy and drift share: the stack's engine, its policy pack arguments,
# the lock check, and the summary file. Sourced, not run.
#
# The engine: for the `local` stack, scripts/engine.sh's (this machine's file backend, passphrase
# and control plane); for any other stack, the `pulumi` on PATH (or $SSCAN_PULUMI) with the
# backend it is logged in to or PULUMI_BACKEND_URL, the secrets provider the stack was created
# with (docs/first-deploy.md), AWS credentials from the environment and KUBECONFIG for the cluster.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

ci_log() { printf '[ci %4ss] %s\n' "$SECONDS" "$*" >&2; }
ci_die() { printf '[ci] ERROR: %s\n' "$1" >&2; exit "${2:-1}"; }

# ci_setup STACK [CONFIG_FILE]: sets PULUMI, STACK_ARGS, CONFIG_ARGS, POLICY_ARGS and OUT.
ci_setup() {
  STACK=$1
  local config_file=${2:-} base=${1##*/}
  [[ "$STACK" =~ ^[A-Za-z0-9_./-]+$ ]] || ci_die "stack '$STACK': expected a stack name such as stage or prod (or org/stage on Pulumi Cloud)" 2
  [[ -f "$ROOT/Pulumi.$base.yaml" ]] || ci_die "no stack file Pulumi.$base.yaml for stack '$STACK' (stacks: $(cd "$ROOT" && ls Pulumi.*.yaml | sed 's/^Pulumi\.\(.*\)\.yaml$/\1/' | tr '\n' ' '))" 2
  [[ -f "$ROOT/policy/config.$base.json" ]] || ci_die "no policy pack config policy/config.$base.json for stack '$STACK': every preview and deploy runs the pack with its stack's config" 2
  [[ -d "$ROOT/node_modules" ]] || (cd "$ROOT" && npm ci --no-audit --no-fund >&2)
  [[ -d "$ROOT/policy/node_modules" ]] || (cd "$ROOT" && npm ci --no-audit --no-fund --prefix policy >&2)
  CONFIG_ARGS=()
  if [[ "$base" == local ]]; then
    eval "$(bash "$ROOT/scripts/engine.sh" env)"
    PULUMI=$SSCAN_PULUMI_BIN
    CONFIG_ARGS=(--config-file "${config_file:-$SSCAN_PULUMI_CONFIG_FILE}")
  else
    PULUMI=${SSCAN_PULUMI:-$(command -v pulumi || true)}
    [[ -n "$PULUMI" && -x "$PULUMI" ]] || ci_die "no pulumi CLI: install it (https://www.pulumi.com/docs/install/) or set SSCAN_PULUMI" 2
    [[ -z "$config_file" ]] || CONFIG_ARGS=(--config-file "$config_file")
    export PULUMI_SKIP_UPDATE_CHECK=true
  fi
  export SSCAN_CI_PULUMI=$PULUMI
  STACK_ARGS=(--stack "$STACK" --non-interactive)
  [[ "$base" == local ]] || ci_secrets_provider_check
  POLICY_ARGS=(--policy-pack "$ROOT/policy" --policy-pack-config "$ROOT/policy/config.$base.json")
  OUT=${OUT:-$ROOT/ci-out/$base}
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  cd "$ROOT"
}

# ci_secrets_provider_check: a shared stack whose secrets a passphrase encrypts is refused: the
# passphrase would have to be handed to every runner (docs/first-deploy.md: Secrets provider and backend).
# A stack not created yet passes (its preview says so); SSCAN_ALLOW_PASSPHRASE=1 lets it through.
ci_secrets_provider_check() {
  local provider
  provider=$("$PULUMI" stack export --stack "$STACK" --non-interactive 2>/dev/null \
    | node -e 'let t = ""; process.stdin.on("data", (d) => (t += d)).on("end", () => {
        try { const p = JSON.parse(t).deployment?.secrets_providers; console.log(p?.type === "cloud" ? p.state?.url ?? "cloud" : p?.type ?? ""); } catch { console.log(""); }
      })') || provider=""
  if [[ "$provider" == passphrase && "${SSCAN_ALLOW_PASSPHRASE:-}" != 1 ]]; then
    ci_die "stack $STACK encrypts its secrets with a passphrase; on a shared backend use its KMS key: pulumi stack change-secrets-provider --stack $STACK \"awskms://alias/scanning-platform-${STACK##*/}?region=us-east-1\" (docs/first-deploy.md: Secrets provider and backend; SSCAN_ALLOW_PASSPHRASE=1 to go on anyway)" 2
  fi
  [[ -z "$provider" ]] || ci_log "secrets provider of $STACK: ${provider%%\?*}"
}

# ci_lock_check [--recover]: a live update of the stack stops this one (exit 3, naming the
# holder); a stale lock (its engine is gone) stops it too, unless --recover, which clears it.
ci_lock_check() {
  local recover=${1:-} status=0
  node -r "$ROOT/tools/fast-load.js" "$ROOT/tools/stack-lock.ts" --stack "${STACK##*/}" --action status || status=$?
  case $status in
    0) ;;
    3) ci_die "stack $STACK is locked by an update that is still running (above): wait for it; this script never breaks a live lock" 3 ;;
    4)
      if [[ "$recover" == --recover ]]; then
        node -r "$ROOT/tools/fast-load.js" "$ROOT/tools/stack-lock.ts" --stack "${STACK##*/}" --action clear-stale
      else
        ci_die "stack $STACK holds a stale lock (above): an earlier update was killed. Recover with: scripts/ci/deploy $STACK --recover (docs/operations.md: Interrupted deploys)" 4
      fi
      ;;
    *) ci_die "could not read the locks of stack $STACK (exit $status)" "$status" ;;
  esac
}

# ci_recover_pending: brings the state back in step with what the killed update did: the objects
# it made but the state does not record are deleted (tools/stack-lock.ts, recover), its pending
# creates cleared, and one refresh reads what its other pending operations did.
ci_recover_pending() {
  local decisions clears=0 line
  decisions=$(node -r "$ROOT/tools/fast-load.js" "$ROOT/tools/stack-lock.ts" --stack "$STACK" --action recover)
  while IFS= read -r line; do
    [[ -n "$line" ]] || continue
    ci_log "pending operation: $line"
    [[ $line != clear\ * ]] || clears=1
  done <<<"$decisions"
  local refresh=("$PULUMI" refresh --yes --skip-preview "${STACK_ARGS[@]}" "${CONFIG_ARGS[@]}")
  if ((clears)); then refresh+=(--clear-pending-creates); fi
  "${refresh[@]}" >&2
}

# ci_events FILE CMD...: runs the engine with its event stream (one JSON event per line, less the
# debug diagnostics, which carry secrets in plaintext: events-filter.js) into FILE and the
# engine's own stderr passed through; returns the engine's exit status.
ci_events() {
  local file=$1 status=0
  shift
  set +e
  PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true "$@" --json | node "$ROOT/scripts/ci/events-filter.js" >"$file"
  local statuses=("${PIPESTATUS[@]}")
  set -e
  status=${statuses[0]}
  ((statuses[1] == 0)) || { ci_log "the event filter failed (exit ${statuses[1]}); $file is incomplete"; ((status != 0)) || status=1; }
  return "$status"
}

# ci_report KIND STATUS [ARGS...]: writes $OUT/summary.md from $OUT/events.jsonl and prints it.
ci_report() {
  local kind=$1 status=$2
  shift 2
  node -r "$ROOT/tools/fast-load.js" "$ROOT/tools/ci-report.ts" --kind "$kind" --stack "$STACK" --events "$OUT/events.jsonl" \
    --status "$status" --out "$OUT/summary.md" ${CONFIG_ARGS[1]:+--config-file "${CONFIG_ARGS[1]}"} "$@"
}
