#!/usr/bin/env bash
# Malwar 0.4.0 itself, to run as the image runs it (test/real/apps/malwar.ts): a venv under
# Python 3.13 (what the release requires and its image ships) holding the packages pinned, with
# their sha256, in scripts/malwar-app.txt and Malwar's own wheel (the sha256-checked file
# scripts/python-tools.sh pins). Installed once and printed as a path on stdout:
#   <dir>/venv          bin/uvicorn, bin/python3 (the image's entry point and interpreter)
# <dir> is ${SSCAN_TOOLCHAIN_DIR:-~/.cache/sscan-toolchain}/malwar-app-<key>, <key> hashing the
# pins, the wheel's sha256 and the interpreter (a venv is bound to its interpreter's path).
#
# Python 3.13, first found: $MALWAR_PYTHON; python3.13 on PATH; $(pyenv root)/versions/3.13*/.
# None: exit 3 with a message naming what is missing (the tests skip on 3 outside CI).
#
# The venv and its interpreter usually live under root's home (mode 0700), which an arbitrary
# UID cannot enter: the sandbox (test/real/pod-sandbox.ts, imagePaths) shows them to it read-only
# at the same paths, as an image's files, so nothing is copied or relocated.
#
#   scripts/malwar-app.sh            install if needed, print <dir>
#   scripts/malwar-app.sh --freeze   rewrite scripts/malwar-app.txt: Malwar's wheel installed into a
#                                    scratch 3.13 venv (pip resolves its dependencies), pip freeze,
#                                    each pinned file's sha256 (pip download + pip hash; the hashes
#                                    are those of the files pip picks on this platform)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
requirements="$here/malwar-app.txt"
log() { printf '[malwar-app] %s\n' "$*" >&2; }
die() { printf '[malwar-app] ERROR: %s\n' "$1" >&2; exit "${2:-1}"; }

# Malwar's version and wheel sha256: one source of truth, scripts/python-tools.sh.
eval "$(grep -E '^MALWAR_(VERSION|WHEEL_SHA256)="[^"]*"$' "$here/python-tools.sh")"
[[ -n "${MALWAR_VERSION:-}" && -n "${MALWAR_WHEEL_SHA256:-}" ]] || die "cannot read MALWAR_VERSION and MALWAR_WHEEL_SHA256 from scripts/python-tools.sh"
WHEEL="malwar-$MALWAR_VERSION-py3-none-any.whl"
root="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"

# The real interpreter (not a pyenv shim) of a Python 3.13 that runs, or nothing.
real_313() {
  "$1" -c 'import sys; assert sys.version_info[:2] == (3, 13); print(sys.executable)' 2>/dev/null
}
find_python() {
  local found candidate
  if [[ -n "${MALWAR_PYTHON:-}" ]]; then
    found="$(real_313 "$MALWAR_PYTHON")" || die "MALWAR_PYTHON=$MALWAR_PYTHON is not a Python 3.13 that runs" 3
    echo "$found"; return
  fi
  if command -v python3.13 >/dev/null && found="$(real_313 python3.13)"; then echo "$found"; return; fi
  if command -v pyenv >/dev/null; then
    for candidate in $(ls -d "$(pyenv root)"/versions/3.13*/bin/python3.13 2>/dev/null | sort -V -r); do
      if found="$(real_313 "$candidate")"; then echo "$found"; return; fi
    done
  fi
  die "Python 3.13 not found (Malwar $MALWAR_VERSION requires it): set MALWAR_PYTHON to a python3.13, put python3.13 on PATH, or install it with pyenv (pyenv install 3.13)" 3
}

# Malwar's wheel, sha256-checked, into $1: scripts/python-tools.sh's download when one is cached, else PyPI.
fetch_wheel() { # dest-dir pip
  local dest=$1 pip=$2 cached actual
  mkdir -p "$dest"
  for cached in "$root"/python-tools-*/wheel/"$WHEEL"; do
    [[ -f "$cached" ]] || continue
    if [[ "$(sha256sum "$cached" | cut -d' ' -f1)" == "$MALWAR_WHEEL_SHA256" ]]; then cp "$cached" "$dest/"; break; fi
  done
  if [[ ! -f "$dest/$WHEEL" ]]; then
    "$pip" download --disable-pip-version-check --no-input --no-deps --only-binary=:all: -d "$dest" "malwar==$MALWAR_VERSION"
  fi
  actual="$(sha256sum "$dest/$WHEEL" | cut -d' ' -f1)"
  [[ "$actual" == "$MALWAR_WHEEL_SHA256" ]] || die "$dest/$WHEEL has sha256 $actual, expected $MALWAR_WHEEL_SHA256 (scripts/python-tools.sh)"
}

python="$(find_python)"

if [[ "${1:-}" == "--freeze" ]]; then
  scratch="$(mktemp -d)"
  trap 'rm -rf "$scratch"' EXIT
  log "resolving Malwar $MALWAR_VERSION's dependencies with $python into a scratch venv ..."
  "$python" -m venv "$scratch/venv"
  fetch_wheel "$scratch/wheel" "$scratch/venv/bin/pip" >&2
  nice "$scratch/venv/bin/pip" install --disable-pip-version-check --no-input "$scratch/wheel/$WHEEL" >&2
  "$scratch/venv/bin/pip" freeze --exclude malwar >"$scratch/pins"
  nice "$scratch/venv/bin/pip" download --disable-pip-version-check --no-input --no-deps -d "$scratch/files" -r "$scratch/pins" >&2
  {
    echo "# Malwar $MALWAR_VERSION's dependencies as pip resolved them for its wheel under Python 3.13 ($("$python" -c 'import platform; print(platform.python_version(), platform.machine())'))"
    echo "# on $(date -u +%F), with the sha256 of the file pip picked on this platform. Written by"
    echo "# 'bash scripts/malwar-app.sh --freeze'; scripts/malwar-app.sh installs them with --require-hashes,"
    echo "# then Malwar's own wheel. Changing this file changes the venv's cache key."
    while read -r pin; do
      name="${pin%%==*}"
      norm="$(tr 'A-Z-.' 'a-z__' <<<"$name")"
      file="$(cd "$scratch/files" && for f in *; do n="$(tr 'A-Z-.' 'a-z__' <<<"${f%%-[0-9]*}")"; if [[ "$n" == "$norm" ]]; then echo "$f"; fi; done | head -n 1)"
      [[ -n "$file" ]] || die "no downloaded file for $pin"
      echo "$pin --hash=sha256:$(sha256sum "$scratch/files/$file" | cut -d' ' -f1)"
    done <"$scratch/pins"
  } >"$requirements.new"
  mv "$requirements.new" "$requirements"
  log "wrote $requirements ($(grep -vc '^#' "$requirements") pins)"
  exit 0
fi

[[ -f "$requirements" ]] || die "$requirements is missing (bash scripts/malwar-app.sh --freeze writes it)"
key="$({ cat "$requirements"; echo "$MALWAR_VERSION $MALWAR_WHEEL_SHA256 $python"; "$python" -c 'import sys; print(sys.version)'; } | sha256sum | cut -c1-12)"
dir="$root/malwar-app-$key"
mkdir -p "$root"
exec 9>"$root/.malwar-app.lock"
flock 9
if [[ ! -f "$dir/.complete" ]]; then
  rm -rf "$dir" && mkdir -p "$dir"
  logf="$dir/install.log"
  started=$SECONDS
  log "installing Malwar $MALWAR_VERSION and $(grep -cv '^#' "$requirements") pinned packages into a venv of $python: $dir (log: $logf) ..."
  if ! { nice "$python" -m venv "$dir/venv" &&
         fetch_wheel "$dir/wheel" "$dir/venv/bin/pip" &&
         nice "$dir/venv/bin/pip" install --disable-pip-version-check --no-input --no-deps --require-hashes -r "$requirements" &&
         nice "$dir/venv/bin/pip" install --disable-pip-version-check --no-input --no-deps "$dir/wheel/$WHEEL" &&
         "$dir/venv/bin/pip" check &&
         "$dir/venv/bin/python" -c 'import malwar.api.app, uvicorn'; } >"$logf" 2>&1; then
    tail -n 20 "$logf" >&2
    die "install failed after $((SECONDS - started)) s; log: $logf"
  fi
  echo "installed in $((SECONDS - started)) s $(date -u +%FT%TZ)" >"$dir/.complete"
  log "installed in $((SECONDS - started)) s"
fi
echo "$dir"
