#!/usr/bin/env bash
# npm run local:up / local:down — the local stack on this machine's control plane.
#
# up:   builds or reuses the toolchain (Kubernetes, etcd, kwok), starts the control plane,
#       renders the local stack from the real program (mocks) and applies it with server-side
#       apply, waits for every workload, then prints the objects and the capacity summary.
# down: deletes the stack's namespace and stops the control plane.
#
# The Pulumi engine itself cannot run here: the Go module proxy refuses the Node.js language
# host and the Kubernetes provider (scripts/toolchain/TIMINGS.md), so kubectl applies what
# `pulumi up` would send.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
STATE="${SSCAN_STATE_DIR:-$ROOT/.state}"
NS=scanning-local
log() { printf '[local] %s\n' "$*" >&2; }

case "${1:-}" in
up)
  bash "$ROOT/scripts/toolchain.sh" kubernetes etcd kwok
  # shellcheck source=/dev/null
  source "$CACHE/env.sh"
  bash "$ROOT/scripts/local-cluster.sh" up
  export KUBECONFIG="$STATE/kubeconfig"
  out="$STATE/rendered/local"
  rm -rf "$out"
  (cd "$ROOT" && npx ts-node --transpile-only tools/render.ts --stack local --out "$out")
  kubectl apply --server-side --field-manager=scanning-local -f "$out"/namespace-*.yaml
  kubectl apply --server-side --field-manager=scanning-local --force-conflicts -f "$out"
  for kind in deployment statefulset; do
    for name in $(kubectl -n "$NS" get "$kind" -o name); do kubectl -n "$NS" rollout status "$name" --timeout=300s; done
  done
  kubectl -n "$NS" get deployments,statefulsets,services,routes,cronjobs,pvc
  (cd "$ROOT" && npx ts-node --transpile-only tools/capacity.ts --stack local)
  log "up: export KUBECONFIG=$STATE/kubeconfig (namespace $NS)"
  ;;
down)
  if [[ -f "$CACHE/env.sh" && -f "$STATE/kubeconfig" ]]; then
    # shellcheck source=/dev/null
    source "$CACHE/env.sh"
    if bash "$ROOT/scripts/local-cluster.sh" status >/dev/null 2>&1; then
      KUBECONFIG="$STATE/kubeconfig" kubectl delete namespace "$NS" --ignore-not-found --wait=false
    fi
    bash "$ROOT/scripts/local-cluster.sh" down
  fi
  log "down"
  ;;
*)
  echo "usage: scripts/local.sh up|down" >&2
  exit 2
  ;;
esac
