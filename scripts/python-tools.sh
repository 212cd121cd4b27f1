#!/usr/bin/env bash
# The Python side of the tests, installed once into the toolchain cache and printed as a path:
#   <dir>/venv                 python3 -m venv + pip install -r scripts/python-tools.txt
#   <dir>/malwar-0.4.0/        Malwar 0.4.0's wheel from PyPI (sha256 checked), unpacked: the tests
#                              read its settings class (malwar/core/config.py)
# <dir> is ${SSCAN_TOOLCHAIN_DIR:-~/.cache/sscan-toolchain}/python-tools-<hash of the pins>.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
requirements="$here/python-tools.txt"
# Malwar 0.4.0 declares Requires-Python >=3.13; only its pure-Python wheel is fetched (no install),
# so pip is told that version to pick it. sha256 of malwar-0.4.0-py3-none-any.whl as PyPI served it.
MALWAR_VERSION="0.4.0"
MALWAR_WHEEL_SHA256="9ba77f7282ad175c1485a37bfc58cbba71abc9d8c73d526108db81d00e909624"
key="$({ cat "$requirements"; echo "$MALWAR_VERSION $MALWAR_WHEEL_SHA256"; } | sha256sum | cut -c1-12)"
root="${SSCAN_TOOLCHAIN_DIR:-$HOME/.cache/sscan-toolchain}"
dir="$root/python-tools-$key"
mkdir -p "$root"
exec 9>"$root/.python-tools.lock"
flock 9
if [[ ! -f "$dir/.complete" ]]; then
  command -v python3 >/dev/null || { echo "python-tools: python3 is not on PATH" >&2; exit 1; }
  rm -rf "$dir" && mkdir -p "$dir"
  log="$dir/install.log"
  started=$SECONDS
  echo "python-tools: installing $(grep -cv '^#' "$requirements") pinned packages and Malwar $MALWAR_VERSION's wheel into $dir (log: $log) ..." >&2
  if ! { nice python3 -m venv "$dir/venv" &&
         nice "$dir/venv/bin/pip" install --disable-pip-version-check --no-input -r "$requirements" &&
         "$dir/venv/bin/pip" download --disable-pip-version-check --no-input --no-deps --only-binary=:all: \
           --python-version 3.13 -d "$dir/wheel" "malwar==$MALWAR_VERSION"; } >"$log" 2>&1; then
    echo "python-tools: install failed after $((SECONDS - started)) s; log: $log" >&2
    tail -n 20 "$log" >&2
    exit 1
  fi
  wheel="$dir/wheel/malwar-$MALWAR_VERSION-py3-none-any.whl"
  actual="$(sha256sum "$wheel" | cut -d' ' -f1)"
  if [[ "$actual" != "$MALWAR_WHEEL_SHA256" ]]; then
    echo "python-tools: $wheel has sha256 $actual, expected $MALWAR_WHEEL_SHA256 (scripts/python-tools.sh)" >&2
    exit 1
  fi
  "$dir/venv/bin/python" -m zipfile -e "$wheel" "$dir/malwar-$MALWAR_VERSION"
  echo "python-tools: installed in $((SECONDS - started)) s" >&2
  touch "$dir/.complete"
fi
echo "$dir"
