#!/usr/bin/env bash
# Formats the whole tree with Prettier (.prettierrc.json, .prettierignore), the one-off commit of
# issue 26: run once after all other work is merged, then commit the result on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
npx prettier --write . >/dev/null
git diff --shortstat
