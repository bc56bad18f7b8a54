#!/usr/bin/env bash
# Runs a command while every core is kept busy by another process (one `yes` per core, stopped afterwards), the
# way a laptop on battery or a shared CI runner runs the tests: `bash scripts/busy.sh npm run test:all`.
# BUSY_PROCS sets how many busy processes (default: one per core). Exits with the command's status.
set -uo pipefail
if [ "$#" -eq 0 ]; then
  echo "usage: bash scripts/busy.sh COMMAND [ARGS...]" >&2
  exit 2
fi
procs="${BUSY_PROCS:-$(nproc 2>/dev/null || echo 2)}"
pids=()
stop() { [ "${#pids[@]}" -gt 0 ] && kill "${pids[@]}" 2>/dev/null; }
trap stop EXIT INT TERM
for _ in $(seq 1 "${procs}"); do
  yes >/dev/null &
  pids+=("$!")
done
echo "busy.sh: ${procs} busy process(es) beside: $*" >&2
"$@"
