# shellcheck shell=bash
# Progress for long steps of the shell scripts (scripts/toolchain.sh, scripts/checkers.sh), on
# stderr, the same way tools/progress.ts does it for the TypeScript tools. Source it, then:
#   progress_start "<prefix>" "<what is running>" "<log file>"   before a long step
#   progress_stop                                             after it (the caller prints the result)
# and `trap progress_stop EXIT` so a failing step never leaves the ticker behind.
#   - stderr is a terminal (and neither CI nor SSCAN_PROGRESS=lines is set): one status line,
#     rewritten every second: elapsed time and the last line of the step's log;
#   - otherwise (CI, a log file): a line every SSCAN_PROGRESS_SECONDS (60) while the step lasts;
#     the caller's own start and end lines stay the only others;
#   - SSCAN_PROGRESS=0: nothing.

PROGRESS_PID=""
PROGRESS_LIVE=0

progress_mode() {
  if [[ "${SSCAN_PROGRESS:-}" == 0 ]]; then echo off
  elif [[ "${SSCAN_PROGRESS:-}" == lines || -n "${CI:-}" || ! -t 2 ]]; then echo lines
  else echo live
  fi
}

progress_clock() { # seconds -> 42s | 3m05s
  if (($1 >= 60)); then printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); else printf '%ds' "$1"; fi
}

progress_start() { # prefix label logfile
  progress_stop
  local prefix=$1 label=$2 logf=$3 mode
  mode=$(progress_mode)
  [[ $mode != off ]] || return 0
  local started interval=${SSCAN_PROGRESS_SECONDS:-60}
  started=$(date +%s)
  if [[ $mode == live ]]; then
    PROGRESS_LIVE=1
    (
      trap 'exit 0' TERM
      cols=$(tput cols 2>/dev/null || echo 100)
      while sleep 1; do
        now=$(date +%s)
        last=$(tail -n 1 "$logf" 2>/dev/null | tr -d '\r\t' || true)
        line="[$prefix] $label: $(progress_clock $((now - started)))  ${last}"
        printf '\r\033[K%s' "${line:0:$((cols - 1))}" >&2
      done
    ) &
  else
    PROGRESS_LIVE=0
    (
      trap 'exit 0' TERM
      next=$interval
      while sleep 1; do
        elapsed=$(($(date +%s) - started))
        if ((elapsed >= next)); then
          printf '[%s] ... %s: still running, %s so far (log: %s)\n' "$prefix" "$label" "$(progress_clock "$elapsed")" "$logf" >&2
          next=$((next + interval))
        fi
      done
    ) &
  fi
  PROGRESS_PID=$!
}

progress_stop() {
  [[ -n "$PROGRESS_PID" ]] || return 0
  kill "$PROGRESS_PID" 2>/dev/null || true
  wait "$PROGRESS_PID" 2>/dev/null || true
  PROGRESS_PID=""
  if ((PROGRESS_LIVE)); then printf '\r\033[K' >&2; fi
  PROGRESS_LIVE=0
}
