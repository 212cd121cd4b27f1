#!/usr/bin/env bash
# npm run local:up / local:down: the local stack, deployed by the Pulumi engine to this
# machine's control plane.
#
# up:   builds or reuses the toolchain (control plane, Pulumi CLI, Node.js language host,
#       Kubernetes and random providers: scripts/toolchain.sh; a `pulumi` on PATH or in
#       SSCAN_PULUMI is used instead of building one), starts the control plane, then
#       `pulumi up --stack local` with the policy pack, and prints the outputs and capacity.
# down: `pulumi destroy --stack local` (the namespace and Malwar's claim are kept, see the
#       README), then stops the control plane.
# The engine's backend, passphrase and stack-file copy live in .state/pulumi (scripts/engine.sh).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="${SSCAN_STATE_DIR:-$ROOT/.state}"
log() { printf '[local %3ss] %s\n' "$SECONDS" "$*" >&2; }
engine() { bash "$ROOT/scripts/engine.sh" pulumi "$@"; }

case "${1:-}" in
up)
  [[ -d "$ROOT/node_modules" ]] || (cd "$ROOT" && npm ci --no-audit --no-fund)
  [[ -d "$ROOT/policy/node_modules" ]] || (cd "$ROOT" && npm ci --no-audit --no-fund --prefix policy)
  eval "$(bash "$ROOT/scripts/engine.sh" env)"
  log "engine: $SSCAN_PULUMI_BIN ($("$SSCAN_PULUMI_BIN" version))"
  bash "$ROOT/scripts/local-cluster.sh" up
  # Volumes released by an earlier destroy come back empty (no dynamic provisioner here).
  bash "$ROOT/scripts/local-cluster.sh" recycle
  # --refresh: the control plane may have been reset since the last up; refresh drops what
  # the state remembers but the cluster no longer has.
  engine up --yes --refresh --skip-preview \
    --policy-pack "$ROOT/policy" --policy-pack-config "$ROOT/policy/config.local.json"
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
