#!/usr/bin/env bash
# Compares the rendered manifests of the working tree with those of a commit, for every stack:
# a refactor that keeps behaviour must render the same objects byte for byte.
#
# Usage: scripts/render-diff.sh [REF] (default: HEAD)
# Generated secrets differ between any two mock runs, so both sides render with the same
# fixed "random" values (SSCAN_MOCK_RANDOM_SEED); everything else is compared as written.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
REF="${1:-HEAD}"
WORK=$(mktemp -d)
trap 'git -C "$ROOT" worktree remove --force "$WORK/ref" >/dev/null 2>&1 || true; rm -rf "$WORK"' EXIT

git -C "$ROOT" worktree add --detach "$WORK/ref" "$REF" >/dev/null 2>&1
ln -s "$ROOT/node_modules" "$WORK/ref/node_modules"
status=0
for stack in stage prod local; do
  for side in ref tree; do
    dir=$([[ $side == ref ]] && echo "$WORK/ref" || echo "$ROOT")
    (cd "$dir" && SSCAN_MOCK_RANDOM_SEED=render-diff npx ts-node --transpile-only tools/render.ts --stack "$stack" --out "$WORK/$side-$stack" >/dev/null)
    # Every resource, AWS ones included, with its options: names are URNs, so a renamed
    # resource (a replacement on a deployed stack) shows here too.
    (cd "$dir" && SSCAN_MOCK_RANDOM_SEED=render-diff npx ts-node --transpile-only -e '
      const { runProgram, unwrapSecrets } = require("./tools/mock-run");
      runProgram(process.argv[1]).then((run) => {
        const rows = run.resources.filter((r) => r.custom).map((r) => ({ type: r.type, name: r.name, protect: r.protect, retainOnDelete: r.retainOnDelete, inputs: unwrapSecrets(r.inputs) }));
        rows.sort((a, b) => (a.type + a.name).localeCompare(b.type + b.name));
        require("fs").writeFileSync(process.argv[2], JSON.stringify(rows, null, 1));
      });' "$stack" "$WORK/$side-$stack/resources.json" 2>/dev/null)
  done
  if diff -r "$WORK/ref-$stack" "$WORK/tree-$stack" >"$WORK/$stack.diff"; then
    echo "$stack: $(ls "$WORK/tree-$stack" | wc -l) objects, identical to $REF"
  else
    echo "$stack: differs from $REF:"; cat "$WORK/$stack.diff"; status=1
  fi
done
exit $status
