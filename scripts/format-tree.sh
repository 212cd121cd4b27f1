#!/usr/bin/env bash
# Formats the whole tree with Prettier (.prettierrc.json, .prettierignore): run it after a change to
# the Prettier settings or its version, and commit the result on its own.
set -euo pipefail
cd "$(dirname "$0")/.."
npx prettier --write . >/dev/null
git diff --shortstat
