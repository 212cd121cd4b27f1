#!/usr/bin/env bash
# actionlint (the GitHub Actions workflow checker), pinned below, in the toolchain cache:
#   scripts/actionlint.sh   prints the path of actionlint, building it on first use
#       ${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}/actionlint-<version>/bin/actionlint
#       (go install from the module proxy; ACTIONLINT_BIN names a binary to use instead)
# actionlint runs shellcheck on the workflows' run: blocks only when shellcheck is on PATH
# (.ci/run installs Debian's). Progress and errors go to stderr; stdout carries only the path.
set -euo pipefail

# The newest version the module proxy lists (go list -m -versions github.com/rhysd/actionlint).
# Changing it changes the cache folder.
ACTIONLINT_MODULE="github.com/rhysd/actionlint/cmd/actionlint"
ACTIONLINT_VERSION="v1.7.12"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
# shellcheck source=progress.sh
source "$ROOT/scripts/progress.sh"
trap progress_stop EXIT
log() { printf '[actionlint] %s\n' "$*" >&2; }
die() { printf '[actionlint] ERROR: %s\n' "$*" >&2; exit 1; }
NICE=(nice -n 19)

[[ $# -eq 0 ]] || { printf 'usage: scripts/actionlint.sh\n' >&2; exit 2; }

if [[ -n "${ACTIONLINT_BIN:-}" ]]; then
  [[ -x "$ACTIONLINT_BIN" ]] || die "ACTIONLINT_BIN=$ACTIONLINT_BIN is not an executable file"
  echo "$ACTIONLINT_BIN"; exit 0
fi

dir="$CACHE/actionlint-$ACTIONLINT_VERSION"
bin="$dir/bin/actionlint"
if [[ -x "$bin" && -f "$dir/.complete" ]]; then echo "$bin"; exit 0; fi
command -v go >/dev/null || die "Go is needed to build actionlint ($ACTIONLINT_MODULE@$ACTIONLINT_VERSION)"
mkdir -p "$dir/logs"
logf="$dir/logs/build.log"
t=$SECONDS
# Built into a folder of its own and moved into place, so a second build running at the same time
# never finds a half-written binary.
partial="$(mktemp -d "$dir/bin.partial.XXXXXX")"
log "building actionlint $ACTIONLINT_VERSION (go install $ACTIONLINT_MODULE@$ACTIONLINT_VERSION; log: $logf) ..."
progress_start actionlint "building actionlint" "$logf"
if ! GOBIN="$partial" GOFLAGS=-buildvcs=false CGO_ENABLED=0 "${NICE[@]}" \
    go install -trimpath "$ACTIONLINT_MODULE@$ACTIONLINT_VERSION" >"$logf" 2>&1; then
  progress_stop
  rm -rf "$partial"
  tail -n 5 "$logf" >&2
  die "go install of actionlint failed after $((SECONDS - t))s; full log: $logf"
fi
progress_stop
# The build info carries the module version, which `actionlint -version` prints on its first line.
reported="$("$partial/actionlint" -version 2>/dev/null | head -n 1)" || true
[[ "$reported" == "$ACTIONLINT_VERSION" ]] || { rm -rf "$partial"; die "the built actionlint reports '$reported', not $ACTIONLINT_VERSION"; }
mkdir -p "$dir/bin"
mv -f "$partial/actionlint" "$bin"
rm -rf "$partial"
echo "go install $ACTIONLINT_MODULE@$ACTIONLINT_VERSION in $((SECONDS - t))s $(date -u +%FT%TZ)" >"$dir/.complete"
log "built actionlint in $((SECONDS - t))s: $bin"
echo "$bin"
