#!/usr/bin/env bash
# Provides the apps' own binaries for the real lane and prints one line per tool on stdout:
#   clair=<path>  clairctl=<path>  clamav_exporter=<path>
# Where each comes from, first match wins:
#   1. CLAIR_BIN / CLAIRCTL_BIN / CLAMAV_EXPORTER_BIN (taken as given);
#   2. the tools on PATH when they report the pinned version (clairctl --version, clamav_exporter
#      --version; clair has no version flag, so it goes with the clairctl beside it);
#   3. the cache ${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}/<tool>-<version>-<key>/,
#      <key> hashing that tool's pins in scripts/app-tools.env (a change to one pin rebuilds one tool);
#   4. a build from the archives in ${SSCAN_UPSTREAM_SRC:-<repo>/../shared/upstream-src}, each
#      checked against its sha256: Clair with claircore and zlog replaced by their unpacked
#      archives (the module proxy refuses all three), everything else from the module proxy.
# None of these: exit status 3 and a message naming what to install (scripts/upstream-src.sh).
# In CI the archives are verified on every run, whichever step provides the tool.
# Usage: scripts/app-tools.sh [clair|clamav_exporter]...   (default: both). Progress goes to stderr.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=app-tools.env
source "$ROOT/scripts/app-tools.env"
CACHE="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
# shellcheck source=upstream-src.sh
source "$ROOT/scripts/upstream-src.sh"
NICE=(nice -n 19)

log() { printf '[app-tools] %s\n' "$*" >&2; }
die() { progress_stop; printf '[app-tools] ERROR: %s\n' "$*" >&2; exit 1; }
unavailable() { progress_stop; printf '[app-tools] ERROR: %s\n' "$*" >&2; exit "$UNAVAILABLE_STATUS"; }
# shellcheck source=progress.sh
source "$ROOT/scripts/progress.sh"
trap progress_stop EXIT

# What to install instead of building each tool, for the message when its archive is missing.
declare -A INSTEAD=(
  [clair]="install Clair $CLAIR_VERSION's clair and clairctl on PATH, or set CLAIR_BIN and CLAIRCTL_BIN to them"
  [clamav_exporter]="install clamav_exporter $CLAMAV_EXPORTER_VERSION on PATH, or set CLAMAV_EXPORTER_BIN to it"
)

verified_archive() { # archive-file expected-sha256 env-var-name tool
  local archive="$UPSTREAM_SRC/$1" actual listed
  if [[ ! -f "$archive" ]]; then
    in_ci && die "the source archive $archive is missing: CI builds $4 from it and checks it on every run; set SSCAN_UPSTREAM_SRC to the folder holding $1"
    unavailable "$4 is not installed and its source archive $archive is missing: ${INSTEAD[$4]}; or set SSCAN_UPSTREAM_SRC to the folder holding $1"
  fi
  actual="$(sha256sum "$archive" | cut -d' ' -f1)"
  [[ "$actual" == "$2" ]] || die "source archive $archive is altered: sha256 $actual, expected $2 ($3 in scripts/app-tools.env)"
  if [[ -f "$UPSTREAM_SRC/README.md" ]]; then
    listed="$(grep -F "\`$1\`" "$UPSTREAM_SRC/README.md" | grep -oE '\b[0-9a-f]{64}\b' | tail -n 1 || true)"
    [[ -z "$listed" || "$listed" == "$2" ]] || die "$UPSTREAM_SRC/README.md lists sha256 $listed for $1, scripts/app-tools.env pins $2"
  fi
  printf '%s\n' "$archive"
}

unpack() { # archive work-dir -> prints the archive's one top folder
  local into
  into="$2/$(basename "$1" .tar.gz)"
  mkdir -p "$into"
  tar -xzf "$1" -C "$into" || die "cannot unpack $1"
  local tops=("$into"/*/)
  ((${#tops[@]} == 1)) || die "$1 holds ${#tops[@]} top folders, expected one"
  printf '%s\n' "${tops[0]%/}"
}

BUILT_DIR=""
build_tool() { # name version key build-function check-archives-function; sets BUILT_DIR
  local name=$1 version=$2 key=$3 fn=$4
  local dest="$CACHE/$name-$version-$key"
  BUILT_DIR="$dest"
  if [[ -f "$dest/.complete" ]]; then return; fi
  # Checked before go: without the archives there is nothing to build.
  "$5" >/dev/null
  command -v go >/dev/null || die "go is not on PATH (needed to build $name $version)"
  mkdir -p "$CACHE/logs" "$CACHE/work"
  exec 8>"$CACHE/$name.lock"
  flock 8
  if [[ -f "$dest/.complete" ]]; then exec 8>&-; return; fi
  local src="$CACHE/work/$name-$key" logf="$CACHE/logs/$name-$version-$key.log" t=$SECONDS
  rm -rf "$src" "$dest.partial"
  mkdir -p "$src" "$dest.partial"
  log "building $name $version from $UPSTREAM_SRC (sha256 verified; log: $logf) ..."
  progress_start app-tools "building $name $version" "$logf"
  if ! ("$fn" "$src" "$dest.partial") >"$logf" 2>&1; then
    progress_stop
    tail -n 20 "$logf" >&2 || true
    die "building $name $version failed after $((SECONDS - t))s; full log: $logf"
  fi
  progress_stop
  echo "built $name $version in $((SECONDS - t))s" >"$dest.partial/.complete"
  rm -rf "$dest" "$src"
  mv "$dest.partial" "$dest"
  exec 8>&-
  log "built $name $version in $((SECONDS - t))s: $dest"
}

clair_archives() {
  verified_archive "$CLAIR_SRC_ARCHIVE" "$CLAIR_SRC_SHA256" CLAIR_SRC_SHA256 clair
  verified_archive "$CLAIRCORE_SRC_ARCHIVE" "$CLAIRCORE_SRC_SHA256" CLAIRCORE_SRC_SHA256 clair
  verified_archive "$ZLOG_SRC_ARCHIVE" "$ZLOG_SRC_SHA256" ZLOG_SRC_SHA256 clair
}
exporter_archives() { verified_archive "$CLAMAV_EXPORTER_SRC_ARCHIVE" "$CLAMAV_EXPORTER_SRC_SHA256" CLAMAV_EXPORTER_SRC_SHA256 clamav_exporter; }

# The tool on PATH when it reports the pinned version (type -P: executables only).
on_path() { # tool version-command-output-pattern
  local found
  found="$(type -P "$1")" || return 1
  "$found" --version 2>&1 | head -n 1 | grep -qF -- "$2" || { log "$1 on PATH ($found) is not the pinned version ($2): not used"; return 1; }
  printf '%s\n' "$found"
}

build_clair() { # work-dir out-dir
  local clair claircore zlog
  clair="$(unpack "$(verified_archive "$CLAIR_SRC_ARCHIVE" "$CLAIR_SRC_SHA256" CLAIR_SRC_SHA256 clair)" "$1")"
  claircore="$(unpack "$(verified_archive "$CLAIRCORE_SRC_ARCHIVE" "$CLAIRCORE_SRC_SHA256" CLAIRCORE_SRC_SHA256 clair)" "$1")"
  zlog="$(unpack "$(verified_archive "$ZLOG_SRC_ARCHIVE" "$ZLOG_SRC_SHA256" ZLOG_SRC_SHA256 clair)" "$1")"
  [[ -f "$clair/go.mod" && -f "$claircore/go.mod" && -f "$zlog/go.mod" ]] || die "the Clair archives do not hold the three Go modules expected"
  cd "$clair"
  go mod edit -replace "github.com/quay/claircore=$claircore" -replace "github.com/quay/zlog=$zlog"
  # Clair's own version string, as its Makefile stamps it.
  CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=mod" "${NICE[@]}" go build -trimpath \
    -ldflags "-s -w -X github.com/quay/clair/v4/cmd.Version=$CLAIR_VERSION" -o "$2/" ./cmd/clair ./cmd/clairctl
}

build_exporter() { # work-dir out-dir
  local top
  top="$(unpack "$(verified_archive "$CLAMAV_EXPORTER_SRC_ARCHIVE" "$CLAMAV_EXPORTER_SRC_SHA256" CLAMAV_EXPORTER_SRC_SHA256 clamav_exporter)" "$1")"
  [[ -f "$top/go.mod" ]] || die "$CLAMAV_EXPORTER_SRC_ARCHIVE does not hold a Go module"
  cd "$top"
  CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-buildvcs=false -mod=readonly" "${NICE[@]}" go build -trimpath \
    -ldflags "-s -w" -o "$2/" ./cmd/clamav_exporter
}

want=("$@")
((${#want[@]})) || want=(clair clamav_exporter)
for tool in "${want[@]}"; do
  case "$tool" in
    clair) ;;
    clamav_exporter) ;;
    *) die "unknown tool '$tool' (allowed: clair, clamav_exporter)" ;;
  esac
  if in_ci; then
    if [[ $tool == clair ]]; then clair_archives >/dev/null; else exporter_archives >/dev/null; fi
  fi
  case "$tool" in
    clair)
      if [[ -n "${CLAIR_BIN:-}" && -n "${CLAIRCTL_BIN:-}" ]]; then
        [[ -x "$CLAIR_BIN" && -x "$CLAIRCTL_BIN" ]] || die "CLAIR_BIN=$CLAIR_BIN / CLAIRCTL_BIN=$CLAIRCTL_BIN: not executable files"
        printf 'clair=%s\nclairctl=%s\n' "$CLAIR_BIN" "$CLAIRCTL_BIN"
        continue
      fi
      if clairctl="$(on_path clairctl "clairctl version $CLAIR_VERSION ")" && clair="$(type -P clair)"; then
        log "clair and clairctl $CLAIR_VERSION: on PATH ($clair, $clairctl)"
        printf 'clair=%s\nclairctl=%s\n' "$clair" "$clairctl"
        continue
      fi
      key="$(printf '%s\n' "$CLAIR_VERSION" "$CLAIR_SRC_SHA256" "$CLAIRCORE_SRC_SHA256" "$ZLOG_SRC_SHA256" | sha256sum | cut -c1-12)"
      build_tool clair "$CLAIR_VERSION" "$key" build_clair clair_archives
      printf 'clair=%s\nclairctl=%s\n' "$BUILT_DIR/clair" "$BUILT_DIR/clairctl"
      ;;
    clamav_exporter)
      if [[ -n "${CLAMAV_EXPORTER_BIN:-}" ]]; then
        [[ -x "$CLAMAV_EXPORTER_BIN" ]] || die "CLAMAV_EXPORTER_BIN=$CLAMAV_EXPORTER_BIN is not an executable file"
        printf 'clamav_exporter=%s\n' "$CLAMAV_EXPORTER_BIN"
        continue
      fi
      if exporter="$(on_path clamav_exporter "version ${CLAMAV_EXPORTER_VERSION#v} ")"; then
        log "clamav_exporter $CLAMAV_EXPORTER_VERSION: on PATH ($exporter)"
        printf 'clamav_exporter=%s\n' "$exporter"
        continue
      fi
      key="$(printf '%s\n' "$CLAMAV_EXPORTER_VERSION" "$CLAMAV_EXPORTER_SRC_SHA256" | sha256sum | cut -c1-12)"
      build_tool clamav_exporter "$CLAMAV_EXPORTER_VERSION" "$key" build_exporter exporter_archives
      printf 'clamav_exporter=%s\n' "$BUILT_DIR/clamav_exporter"
      ;;
  esac
done
