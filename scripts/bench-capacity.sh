#!/usr/bin/env bash
# Side-by-side timing of the capacity command: `npm run -s capacity` (tools/fast-load.js) against
# the same command through ts-node (how npm started it before tools/fast-load.js), alternating runs so both see
# the same machine, then the median and spread of each. A benchmark, not a test: nothing fails on
# a slow machine. Usage: bash scripts/bench-capacity.sh [RUNS] [STACK]   (defaults: 20, prod)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-20}"
STACK="${2:-prod}"

time_one() {
  local start end
  start=$(date +%s%N)
  "$@" >/dev/null 2>&1
  end=$(date +%s%N)
  echo $(((end - start) / 1000000))
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
fast=() slow=()
for ((i = 0; i < RUNS; i++)); do
  fast+=("$(time_one npm run -s capacity -- --stack "$STACK")")
  slow+=("$(time_one node -r ts-node/register tools/capacity.ts --stack "$STACK")")
done

summary() {
  sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "median %.2f s  (min %.2f, max %.2f, %d runs)\n", m / 1000, v[1] / 1000, v[NR] / 1000, NR }'
}
printf 'npm run -s capacity -- --stack %s     ' "$STACK"; printf '%s\n' "${fast[@]}" | summary
printf 'node -r ts-node/register tools/capacity.ts  '; printf '%s\n' "${slow[@]}" | summary
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
