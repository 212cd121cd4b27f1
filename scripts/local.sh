#!/usr/bin/env bash
# npm run local:up / local:down: the local stack, deployed by the Pulumi engine to this
# machine's control plane.
#
# up:   builds or reuses the toolchain (control plane, Pulumi CLI, Node.js language host,
#       Kubernetes and random providers: scripts/toolchain.sh; a `pulumi` on PATH or in
#       SSCAN_PULUMI is used instead of building one), starts the control plane, then
#       `pulumi up --stack local` with the policy pack, and prints the outputs and capacity.
#       A stale lock left by a killed update stops it; `up --recover` clears it, deals with the
#       killed update's pending operations and updates (scripts/ci/deploy local --recover).
# down: `pulumi destroy --stack local` (the namespace and Malwar's claim are kept, see
#       CONTRIBUTING.md: What pulumi destroy keeps), then stops the control plane.
# The engine's backend, passphrase and stack-file copy live in .state/pulumi (scripts/engine.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${SSCAN_STATE_DIR:-$ROOT/.state}"
log() { printf '[local %3ss] %s\n' "$SECONDS" "$*" >&2; }
engine() { bash "$ROOT/scripts/engine.sh" pulumi "$@"; }

case "${1:-}" in
up)
  recover=0
  case "${2:-}" in
    "") ;;
    --recover) recover=1 ;;
    *) echo "usage: scripts/local.sh up [--recover]" >&2; exit 2 ;;
  esac
  [[ -d "$ROOT/node_modules" ]] || (cd "$ROOT" && npm ci --no-audit --no-fund)
  [[ -d "$ROOT/policy/node_modules" ]] || (cd "$ROOT" && npm ci --no-audit --no-fund --prefix policy)
  eval "$(bash "$ROOT/scripts/engine.sh" env)"
  log "engine: $SSCAN_PULUMI_BIN ($("$SSCAN_PULUMI_BIN" version))"
  bash "$ROOT/scripts/local-cluster.sh" up
  # Volumes released by an earlier destroy come back empty (no dynamic provisioner here).
  bash "$ROOT/scripts/local-cluster.sh" recycle
  # A killed earlier update leaves its lock (docs/operations.md: Interrupted deploys): say so, and with
  # --recover take the same path as scripts/ci/deploy --recover.
  lock=0
  (cd "$ROOT" && node -r ./tools/fast-load.js tools/stack-lock.ts --stack local --action status) || lock=$?
  if ((lock == 3)); then
    log "the local stack is locked by an update that is still running (above): wait for it"; exit 3
  elif ((lock == 4 && !recover)); then
    log "the local stack holds a stale lock (above): an earlier update was killed. Run: npm run local:up -- --recover"; exit 4
  elif ((lock != 0 && lock != 4)); then
    log "could not read the local stack's locks (exit $lock)"; exit "$lock"
  fi
  if ((recover)); then
    bash "$ROOT/scripts/ci/deploy" local --recover
  else
    # --refresh: the control plane may have been reset since the last up; refresh drops what
    # the state remembers but the cluster no longer has.
    engine up --yes --refresh --skip-preview \
      --policy-pack "$ROOT/policy" --policy-pack-config "$ROOT/policy/config.local.json"
  fi
  engine stack output --json
  (cd "$ROOT" && npx ts-node --transpile-only tools/capacity.ts --stack local)
  log "up: export KUBECONFIG=$STATE/kubeconfig; the engine: eval \"\$(bash scripts/engine.sh env)\""
  ;;
down)
  eval "$(bash "$ROOT/scripts/engine.sh" env)"
  if bash "$ROOT/scripts/local-cluster.sh" status >/dev/null 2>&1; then
    engine destroy --yes --skip-preview
  else
    log "the control plane is not running: nothing to destroy"
  fi
  bash "$ROOT/scripts/local-cluster.sh" down
  log "down"
  ;;
*)
  echo "usage: scripts/local.sh up|down" >&2
  exit 2
  ;;
esac
