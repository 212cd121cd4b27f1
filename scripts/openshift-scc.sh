#!/usr/bin/env bash
# Provides tools/openshift-scc (OpenShift's own SCC admission code, sccmatching, over pod
# templates; also the end-to-end lane's admission webhook) and prints two lines on stdout:
#   <path of the openshift-scc binary>
#   <folder of the default SCC manifests>
# Where the binary comes from, first match wins:
#   1. OPENSHIFT_SCC_BIN (taken as given);
#   2. an openshift-scc on PATH that reports the pinned library (`openshift-scc version`);
#   3. the cache ${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}/openshift-scc-<key>/, <key>
#      hashing scripts/openshift-scc.env and tools/openshift-scc/*.go (an edit rebuilds it alone);
#   4. a build: the module proxy does not serve github.com/openshift/apiserver-library-go, so the
#      archive in ${SSCAN_UPSTREAM_SRC:-<repo>/../shared/upstream-src} is checked against its
#      sha256 (scripts/openshift-scc.env and that folder's README.md), unpacked, our command copied
#      into its cmd/ and built with its vendor/ folder, offline (`go build -mod=vendor`).
# An altered archive is an error naming it. A missing archive or SCC manifest folder is one too,
# with exit status 3 outside CI (scripts/upstream-src.sh); in CI the archive is verified on every
# run, whichever step provides the binary. Progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=openshift-scc.env
source "$ROOT/scripts/openshift-scc.env"
CACHE="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
# shellcheck source=upstream-src.sh
source "$ROOT/scripts/upstream-src.sh"
MANIFESTS="$UPSTREAM_SRC/$OPENSHIFT_SCC_MANIFESTS"

log() { printf '[openshift-scc] %s\n' "$*" >&2; }
die() { printf '[openshift-scc] ERROR: %s\n' "$*" >&2; exit 1; }
# Outside CI a missing upstream file means the tool cannot be had here, not that something broke.
unavailable() { printf '[openshift-scc] ERROR: %s\n' "$*" >&2; in_ci && exit 1; exit "$UNAVAILABLE_STATUS"; }
# shellcheck source=progress.sh
source "$ROOT/scripts/progress.sh"
trap progress_stop EXIT

[[ -d "$MANIFESTS" ]] || unavailable "the default SCC manifests are missing: $MANIFESTS; they are openshift/cluster-kube-apiserver-operator's bindata/bootkube/scc-manifests: set SSCAN_UPSTREAM_SRC to a folder holding them as $OPENSHIFT_SCC_MANIFESTS"

ARCHIVE="$UPSTREAM_SRC/$OPENSHIFT_SCC_SRC_ARCHIVE"
verify_archive() {
  [[ -f "$ARCHIVE" ]] || unavailable "tools/openshift-scc is not built here and its source archive $ARCHIVE is missing: set OPENSHIFT_SCC_BIN to an openshift-scc built from tools/openshift-scc (or put it on PATH), or set SSCAN_UPSTREAM_SRC to the folder holding $OPENSHIFT_SCC_SRC_ARCHIVE"
  local actual listed
  actual="$(sha256sum "$ARCHIVE" | cut -d' ' -f1)"
  [[ "$actual" == "$OPENSHIFT_SCC_SRC_SHA256" ]] || die "source archive $ARCHIVE is altered: sha256 $actual, expected $OPENSHIFT_SCC_SRC_SHA256 (scripts/openshift-scc.env)"
  if [[ -f "$UPSTREAM_SRC/README.md" ]]; then
    listed="$(grep -F "\`$OPENSHIFT_SCC_SRC_ARCHIVE\`" "$UPSTREAM_SRC/README.md" | grep -oE '\b[0-9a-f]{64}\b' | tail -n 1 || true)"
    [[ -z "$listed" || "$listed" == "$OPENSHIFT_SCC_SRC_SHA256" ]] || die "$UPSTREAM_SRC/README.md lists sha256 $listed for $OPENSHIFT_SCC_SRC_ARCHIVE, scripts/openshift-scc.env pins $OPENSHIFT_SCC_SRC_SHA256"
  fi
}
if in_ci; then verify_archive; fi

if [[ -n "${OPENSHIFT_SCC_BIN:-}" ]]; then
  [[ -x "$OPENSHIFT_SCC_BIN" ]] || die "OPENSHIFT_SCC_BIN=$OPENSHIFT_SCC_BIN is not an executable file"
  printf '%s\n%s\n' "$OPENSHIFT_SCC_BIN" "$MANIFESTS"
  exit 0
fi
if found="$(type -P openshift-scc)" && [[ "$("$found" version 2>/dev/null)" == "$OPENSHIFT_SCC_REPORTS" ]]; then
  printf '%s\n%s\n' "$found" "$MANIFESTS"
  exit 0
fi

KEY="$(cat "$ROOT/scripts/openshift-scc.env" "$ROOT"/tools/openshift-scc/*.go | sha256sum | cut -c1-12)"
DEST="$CACHE/openshift-scc-$KEY"
if [[ -f "$DEST/.complete" && -x "$DEST/openshift-scc" ]]; then
  printf '%s\n%s\n' "$DEST/openshift-scc" "$MANIFESTS"
  exit 0
fi

verify_archive
command -v go >/dev/null || die "go is not on PATH (needed to build tools/openshift-scc)"

mkdir -p "$CACHE"
# Two callers at once (check:manifests of two stacks, a test) build once.
exec 9>"$CACHE/openshift-scc.lock"
flock 9
if [[ -f "$DEST/.complete" && -x "$DEST/openshift-scc" ]]; then
  printf '%s\n%s\n' "$DEST/openshift-scc" "$MANIFESTS"
  exit 0
fi
SRC="$CACHE/work/openshift-scc-$KEY"
LOGF="$CACHE/logs/openshift-scc-$KEY.log"
mkdir -p "$CACHE/logs"
rm -rf "$SRC" "$DEST.partial"
mkdir -p "$SRC" "$DEST.partial"
t=$SECONDS
log "building tools/openshift-scc in $OPENSHIFT_SCC_SRC_ARCHIVE (sha256 verified; go build -mod=vendor; log: $LOGF) ..."
tar -xzf "$ARCHIVE" -C "$SRC" || die "cannot unpack $ARCHIVE"
TOP="$(find "$SRC" -mindepth 1 -maxdepth 1 -type d)"
[[ -n "$TOP" && -f "$TOP/go.mod" && -d "$TOP/vendor" ]] || die "$OPENSHIFT_SCC_SRC_ARCHIVE does not hold one Go module with its vendor/ folder"
mkdir -p "$TOP/cmd/sscan-openshift-scc"
cp "$ROOT"/tools/openshift-scc/*.go "$TOP/cmd/sscan-openshift-scc/"
progress_start openshift-scc "building tools/openshift-scc" "$LOGF"
if ! (cd "$TOP" && CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=vendor" nice -n 19 go build -trimpath \
        -ldflags "-s -w -X main.libraryVersion=$OPENSHIFT_SCC_REPORTS" -o "$DEST.partial/openshift-scc" ./cmd/sscan-openshift-scc) >"$LOGF" 2>&1; then
  progress_stop
  tail -n 20 "$LOGF" >&2 || true
  die "go build of tools/openshift-scc failed after $((SECONDS - t))s; full log: $LOGF"
fi
progress_stop
echo "built in $OPENSHIFT_SCC_SRC_ARCHIVE in $((SECONDS - t))s" >"$DEST.partial/.complete"
rm -rf "$DEST" "$SRC"
mv "$DEST.partial" "$DEST"
log "built tools/openshift-scc in $((SECONDS - t))s: $DEST/openshift-scc"
printf '%s\n%s\n' "$DEST/openshift-scc" "$MANIFESTS"
