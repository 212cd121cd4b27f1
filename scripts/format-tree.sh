#!/usr/bin/env bash
# Formats the whole tree with Prettier (.prettierrc.json, .prettierignore): run it after a change to
# the Prettier settings or its version, and commit the result on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
# Prettier's output is not always stable after one pass (seen: a long chained call in
# config/malwar.ts changed again on the second run), so write until the check passes.
for pass in 1 2 3; do
  npx prettier --write . >/dev/null
  if npx prettier --check . >/dev/null 2>&1; then break; fi
  if ((pass == 3)); then echo "format-tree: Prettier still changes files after 3 passes" >&2; exit 1; fi
done
git diff --shortstat
