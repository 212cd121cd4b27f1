#!/usr/bin/env bash
# Installs the pinned manifest checkers (scripts/checkers.env) and kubeconform's schemas into
#   ${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}/checkers-<key>/
#     bin/kube-score bin/kubeconform bin/kube-linter bin/polaris   (go install module@version)
#     checkov/                                                     (python3 -m venv + pip)
#     schemas-<key2>/v1.33.13-standalone{,-strict}/*.json         (scripts/kubeconform-schemas.js)
#     checkers.json                                                (what npm run check:manifests reads)
#     install-times.txt                                            (cold install time per tool)
# <key> hashes scripts/checkers.env; <key2> the schema generator, the CRDs and the K8s version.
#
# Usage: scripts/checkers.sh [--quiet]
#   Prints the checkers directory on stdout; progress goes to stderr (--quiet: only work done).
# Idempotent: a tool whose .complete-<tool> marker exists is skipped.
# A Go module that the module proxy refuses (HTTP 403/404/410) is recorded as UNAVAILABLE in
# checkers.json and skipped (exit 0); set SSCAN_CHECKERS_STRICT=1 to make that an error.
# A refusal is remembered (.unavailable-<tool>); SSCAN_CHECKERS_RETRY=1 asks the proxy again.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=checkers.env
source "$ROOT/scripts/checkers.env"
CACHE="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
QUIET=0
[[ "${1:-}" == "--quiet" ]] && QUIET=1

log() { printf '[checkers] %s\n' "$*" >&2; }
info() { [[ $QUIET == 1 ]] || log "$@"; }
die() { printf '[checkers] ERROR [%s]: %s\n' "$1" "$2" >&2; exit 1; }

command -v go >/dev/null || die go "go is not on PATH (needed for kube-score, kube-linter, polaris, kubeconform)"
command -v python3 >/dev/null || die checkov "python3 is not on PATH (needed for checkov)"
command -v node >/dev/null || die schemas "node is not on PATH (needed to generate kubeconform schemas)"

sha() { sha256sum | cut -c1-12; }
KEY="$(sha <"$ROOT/scripts/checkers.env")"
DIR="$CACHE/checkers-$KEY"
SCHEMA_KEY="$( (cat "$ROOT/scripts/kubeconform-schemas.js" "$ROOT"/scripts/crds/*.yaml; echo "$SCHEMA_K8S_VERSION") | sha)"
SCHEMAS="$DIR/schemas-$SCHEMA_KEY"
mkdir -p "$DIR/bin" "$DIR/logs"

export CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
NICE=(nice -n 10)

record_time() { # tool seconds
  local f="$DIR/install-times.txt"
  grep -v "^$1 " "$f" 2>/dev/null >"$f.tmp" || true
  echo "$1 $2s cold install $(date -u +%FT%TZ)" >>"$f.tmp"
  mv "$f.tmp" "$f"
}

# go_tool NAME MODULE VERSION PACKAGE-SUFFIX
go_tool() {
  local name=$1 module=$2 version=$3 pkg=$4
  local marker="$DIR/.complete-$name" refused="$DIR/.unavailable-$name" logf="$DIR/logs/$name.log"
  if [[ -f "$marker" && -x "$DIR/bin/$name" ]]; then info "$name $version: cached"; return 0; fi
  if [[ -f "$refused" && "${SSCAN_CHECKERS_RETRY:-0}" != 1 ]]; then
    [[ "${SSCAN_CHECKERS_STRICT:-0}" == 1 ]] && die "$name" "$(cat "$refused")"
    info "UNAVAILABLE $name: $(cat "$refused") (cached; SSCAN_CHECKERS_RETRY=1 to ask again)"
    return 0
  fi
  log "installing $name $version (go install $module$pkg@$version; log: $logf) ..."
  local t=$SECONDS
  if ! GOBIN="$DIR/bin" "${NICE[@]}" go install "$module$pkg@$version" >"$logf" 2>&1; then
    if grep -qE '(403 Forbidden|404 Not Found|410 Gone|not available|invalid version)' "$logf"; then
      echo "the Go module proxy refuses $module@$version ($(grep -oE '(403 Forbidden|404 Not Found|410 Gone)' "$logf" | head -1))" >"$refused"
      [[ "${SSCAN_CHECKERS_STRICT:-0}" == 1 ]] && die "$name" "$(cat "$refused")"
      log "UNAVAILABLE $name: $(cat "$refused")"
      return 0
    fi
    tail -n 20 "$logf" >&2 || true
    die "$name" "go install $module$pkg@$version failed after $((SECONDS - t))s; full log: $logf"
  fi
  rm -f "$refused"
  record_time "$name" $((SECONDS - t))
  echo "$name $version" >"$marker"
  log "installed $name $version in $((SECONDS - t))s"
}

checkov() {
  local marker="$DIR/.complete-checkov" venv="$DIR/checkov" logf="$DIR/logs/checkov.log"
  if [[ -f "$marker" && -x "$venv/bin/checkov" ]]; then info "checkov $CHECKOV_VERSION: cached"; return 0; fi
  log "installing checkov $CHECKOV_VERSION (venv + pip; log: $logf) ..."
  local t=$SECONDS
  rm -rf "$venv"
  if ! { "${NICE[@]}" python3 -m venv "$venv" &&
         "${NICE[@]}" "$venv/bin/pip" install --disable-pip-version-check --no-input \
           "checkov==$CHECKOV_VERSION"; } >"$logf" 2>&1; then
    tail -n 20 "$logf" >&2 || true
    die checkov "pip install checkov==$CHECKOV_VERSION failed after $((SECONDS - t))s; full log: $logf"
  fi
  "$venv/bin/checkov" --version >>"$logf" 2>&1 || die checkov "the installed checkov does not run; log: $logf"
  record_time checkov $((SECONDS - t))
  echo "checkov $CHECKOV_VERSION" >"$marker"
  log "installed checkov $CHECKOV_VERSION in $((SECONDS - t))s"
}

schemas() {
  local logf="$DIR/logs/schemas.log"
  if [[ -f "$SCHEMAS/.complete" ]]; then info "kubeconform schemas $SCHEMA_K8S_VERSION: cached"; return 0; fi
  log "generating kubeconform schemas for Kubernetes $SCHEMA_K8S_VERSION (log: $logf) ..."
  local t=$SECONDS json dir swagger
  json="$("${NICE[@]}" go mod download -json "k8s.io/kubernetes@$SCHEMA_K8S_VERSION" 2>"$logf")" \
    || die schemas "go mod download k8s.io/kubernetes@$SCHEMA_K8S_VERSION failed; log: $logf"
  dir="$(node -e 'console.log(JSON.parse(process.argv[1]).Dir || "")' "$json")"
  swagger="$dir/api/openapi-spec/swagger.json"
  [[ -f "$swagger" ]] || die schemas "no OpenAPI document at $swagger"
  rm -rf "$SCHEMAS.partial"
  local crd_args=()
  for f in "$ROOT"/scripts/crds/*.yaml; do crd_args+=(--crd "$f"); done
  "${NICE[@]}" node "$ROOT/scripts/kubeconform-schemas.js" --swagger "$swagger" \
      --version "$SCHEMA_K8S_VERSION" --out "$SCHEMAS.partial" "${crd_args[@]}" >>"$logf" 2>&1 \
    || { tail -n 5 "$logf" >&2; die schemas "schema generation failed; log: $logf"; }
  echo "from $swagger" >"$SCHEMAS.partial/.complete"
  rm -rf "$SCHEMAS"; mv "$SCHEMAS.partial" "$SCHEMAS"
  record_time schemas $((SECONDS - t))
  log "generated $(find "$SCHEMAS/$SCHEMA_K8S_VERSION-standalone-strict" -name '*.json' | wc -l) schemas (+ non-strict variants) in $((SECONDS - t))s: $SCHEMAS"
}

go_tool kube-score "$KUBE_SCORE_MODULE" "$KUBE_SCORE_VERSION" /cmd/kube-score
go_tool kubeconform "$KUBECONFORM_MODULE" "$KUBECONFORM_VERSION" /cmd/kubeconform
go_tool kube-linter "$KUBE_LINTER_MODULE" "$KUBE_LINTER_VERSION" /cmd/kube-linter
go_tool polaris "$POLARIS_MODULE" "$POLARIS_VERSION" ""
checkov
schemas

# checkers.json: where each checker is (null + reason when unavailable).
entry() { # name version path
  if [[ -x "$3" && ( -f "$DIR/.complete-$1" ) ]]; then
    printf '"%s":{"version":"%s","path":"%s"}' "$1" "$2" "$3"
  else
    local why="not installed"
    [[ -f "$DIR/.unavailable-$1" ]] && why="$(sed 's/"/\\"/g' "$DIR/.unavailable-$1")"
    printf '"%s":{"version":"%s","path":null,"unavailable":"%s"}' "$1" "$2" "$why"
  fi
}
{
  printf '{"dir":"%s","kubernetesVersion":"%s","schemas":"%s",' "$DIR" "$SCHEMA_K8S_VERSION" "$SCHEMAS"
  entry kube-score "$KUBE_SCORE_VERSION" "$DIR/bin/kube-score"; printf ','
  entry kube-linter "$KUBE_LINTER_VERSION" "$DIR/bin/kube-linter"; printf ','
  entry polaris "$POLARIS_VERSION" "$DIR/bin/polaris"; printf ','
  entry kubeconform "$KUBECONFORM_VERSION" "$DIR/bin/kubeconform"; printf ','
  entry checkov "$CHECKOV_VERSION" "$DIR/checkov/bin/checkov"
  printf '}\n'
} >"$DIR/checkers.json.tmp"
mv "$DIR/checkers.json.tmp" "$DIR/checkers.json"
info "checkers ready in $DIR"
echo "$DIR"
