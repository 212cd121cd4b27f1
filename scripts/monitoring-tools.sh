#!/usr/bin/env bash
# The monitoring tools, pinned in scripts/monitoring.env, in the toolchain cache:
#   scripts/monitoring-tools.sh promtool   prints the path of promtool, building it on first use
#       ${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}/promtool-<version>/bin/promtool
#       (go install from the module proxy, about 90 s on 2 cores with the modules downloaded;
#       PROMTOOL_BIN names a binary to use instead)
#   scripts/monitoring-tools.sh crds       prints a folder holding the Prometheus Operator CRDs
#       (ServiceMonitor, PodMonitor, PrometheusRule) from the module zip, each checked against
#       its pinned sha256:  .../prometheus-operator-crds-<version>/
# Progress and errors go to stderr; stdout carries only the path.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=monitoring.env
source "$ROOT/scripts/monitoring.env"
CACHE="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
# shellcheck source=progress.sh
source "$ROOT/scripts/progress.sh"
trap progress_stop EXIT
log() { printf '[monitoring-tools] %s\n' "$*" >&2; }
die() { printf '[monitoring-tools] ERROR: %s\n' "$*" >&2; exit 1; }
NICE=(nice -n 19)

promtool() {
  if [[ -n "${PROMTOOL_BIN:-}" ]]; then
    [[ -x "$PROMTOOL_BIN" ]] || die "PROMTOOL_BIN=$PROMTOOL_BIN is not an executable file"
    echo "$PROMTOOL_BIN"; return 0
  fi
  local dir="$CACHE/promtool-$PROMTOOL_VERSION"
  local bin="$dir/bin/promtool"
  if [[ -x "$bin" && -f "$dir/.complete" ]]; then echo "$bin"; return 0; fi
  command -v go >/dev/null || die "Go is needed to build promtool ($PROMTOOL_MODULE@$PROMTOOL_VERSION)"
  mkdir -p "$dir/logs"
  local logf="$dir/logs/build.log" t=$SECONDS
  log "building promtool $PROMTOOL_VERSION (go install -tags $PROMTOOL_TAGS $PROMTOOL_MODULE@$PROMTOOL_VERSION; log: $logf) ..."
  progress_start monitoring-tools "building promtool" "$logf"
  if ! GOBIN="$dir/bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 "${NICE[@]}" \
      go install -trimpath -tags "$PROMTOOL_TAGS" "$PROMTOOL_MODULE@$PROMTOOL_VERSION" >"$logf" 2>&1; then
    progress_stop
    tail -n 5 "$logf" >&2
    die "go install of promtool failed after $((SECONDS - t))s; full log: $logf"
  fi
  progress_stop
  "$bin" --version >/dev/null 2>&1 || die "the built promtool does not run: $bin"
  echo "go install -tags $PROMTOOL_TAGS $PROMTOOL_MODULE@$PROMTOOL_VERSION in $((SECONDS - t))s $(date -u +%FT%TZ)" >"$dir/.complete"
  log "built promtool in $((SECONDS - t))s: $bin"
  echo "$bin"
}

crds() {
  local dir="$CACHE/prometheus-operator-crds-$PROMETHEUS_OPERATOR_VERSION"
  if [[ -f "$dir/.complete" ]]; then echo "$dir"; return 0; fi
  command -v go >/dev/null || die "Go is needed to download $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION"
  local json module_dir sum
  json="$(cd /tmp && "${NICE[@]}" go mod download -json "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION")" \
    || die "go mod download $PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION failed"
  module_dir="$(node -e 'console.log(JSON.parse(process.argv[1]).Dir || "")' "$json")"
  sum="$(node -e 'console.log(JSON.parse(process.argv[1]).Sum || "")' "$json")"
  [[ "$sum" == "$PROMETHEUS_OPERATOR_SUM" ]] \
    || die "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION has hash $sum, scripts/monitoring.env pins $PROMETHEUS_OPERATOR_SUM"
  rm -rf "$dir.partial"; mkdir -p "$dir.partial"
  local entry file want got
  for entry in $PROMETHEUS_OPERATOR_CRDS; do
    file="${entry%%:*}"; want="${entry##*:}"
    [[ -f "$module_dir/example/prometheus-operator-crd/$file" ]] || die "no $file in $module_dir/example/prometheus-operator-crd"
    got="$(sha256sum "$module_dir/example/prometheus-operator-crd/$file" | cut -d' ' -f1)"
    [[ "$got" == "$want" ]] || die "$file has sha256 $got, scripts/monitoring.env pins $want"
    cp "$module_dir/example/prometheus-operator-crd/$file" "$dir.partial/$file"
  done
  echo "$PROMETHEUS_OPERATOR_MODULE@$PROMETHEUS_OPERATOR_VERSION $sum" >"$dir.partial/.complete"
  rm -rf "$dir"; mv "$dir.partial" "$dir"
  log "Prometheus Operator CRDs $PROMETHEUS_OPERATOR_VERSION: $dir"
  echo "$dir"
}

case "${1:-}" in
  promtool) promtool ;;
  crds) crds ;;
  *) printf 'usage: scripts/monitoring-tools.sh promtool|crds\n' >&2; exit 2 ;;
esac
