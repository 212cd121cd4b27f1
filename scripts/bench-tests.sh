#!/usr/bin/env bash
# Wall time of each test lane, side by side with the machine's load average: `npm test` (fast:
# Node only), `npm run test:real` (real software) and, when asked for, `npm run test:e2e` (the
# real engine and a control plane). Lanes alternate run by run so each sees the same machine; the
# median and spread of each follow, with mocha's passing/failing/pending counts of its last run.
# Beside the wall time, each lane's CPU time (user + sys of mocha and every process it started):
# the fast lane runs its files on two mocha workers (.mocharc.json, --parallel), so its wall time
# depends on how many cores are free, and its CPU time is the figure to compare across machines
# and loads.
# A benchmark, not a test: nothing fails on a slow machine (a lane's own failures are counted).
# Usage: bash scripts/bench-tests.sh [RUNS] [LANE...]   (defaults: 1, fast real; lanes: fast real e2e)
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${1:-1}"
shift || true
LANES=("$@")
[ "${#LANES[@]}" -gt 0 ] || LANES=(fast real)

command_of() {
  case "$1" in
    fast) echo "npm test" ;;
    real) echo "npm run test:real" ;;
    e2e) echo "npm run test:e2e" ;;
    *) echo "unknown lane '$1' (fast, real, e2e)" >&2; exit 2 ;;
  esac
}
for lane in "${LANES[@]}"; do command_of "$lane" >/dev/null; done

load() { cut -d' ' -f1-3 /proc/loadavg; }
# mocha's "N passing" (failing, pending) in a log, 0 when it has no such line.
count() {
  local n
  n=$(grep -Eo "^ *[0-9]+ $2" "$1" | grep -Eo '[0-9]+' | tail -n 1 || true)
  echo "${n:-0}"
}
logs=$(mktemp -d -t bench-tests.XXXXXX)
declare -A times cpus counts loads
# bash's own `time`: wall, user and sys seconds of the lane and every process it waited for.
TIMEFORMAT='%3R %3U %3S'

echo "load average before: $(load)  ($(nproc) cores)"
for ((i = 1; i <= RUNS; i++)); do
  for lane in "${LANES[@]}"; do
    log="$logs/$lane.log"
    before=$(load)
    status=0
    timing=$({ time $(command_of "$lane") >"$log" 2>&1; } 2>&1) || status=$?
    timing=$(echo "$timing" | tail -n 1)
    ms=$(echo "$timing" | awk '{ printf "%d", $1 * 1000 }')
    cpu_ms=$(echo "$timing" | awk '{ printf "%d", ($2 + $3) * 1000 }')
    times[$lane]="${times[$lane]:-} $ms"
    cpus[$lane]="${cpus[$lane]:-} $cpu_ms"
    counts[$lane]="$(count "$log" passing) passing, $(count "$log" failing) failing, $(count "$log" pending) pending, exit $status"
    loads[$lane]="$before -> $(load)"
    printf 'run %d  %-18s %7.1f s wall %7.1f s cpu   load %s\n' "$i" "$(command_of "$lane")" "$(echo "$ms" | awk '{ print $1 / 1000 }')" "$(echo "$cpu_ms" | awk '{ print $1 / 1000 }')" "${loads[$lane]}"
  done
done

summary() {
  tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "median %6.1f s  (min %.1f, max %.1f, %d runs)", m / 1000, v[1] / 1000, v[NR] / 1000, NR }'
}
echo
printf '%-18s  %-42s  %-42s  %-48s  %s\n' "lane" "wall time" "cpu time (user + sys)" "mocha (last run)" "load average (last run: before -> after)"
for lane in "${LANES[@]}"; do
  printf '%-18s  %-42s  %-42s  %-48s  %s\n' "$(command_of "$lane")" "$(echo "${times[$lane]}" | summary)" "$(echo "${cpus[$lane]}" | summary)" "${counts[$lane]}" "${loads[$lane]}"
done
echo "load average after: $(load)"
echo "each lane's last output: $logs/<lane>.log"
