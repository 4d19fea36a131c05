#!/bin/sh
# Runs every fuzz target of BUILD_DIR for FUZZ_SECONDS each (or exactly
# FUZZ_RUNS executions when FUZZ_RUNS > 0), one after another (FUZZ_TARGETS
# picks some, e.g. "tcp_host host"; FUZZ_ARGS adds libFuzzer flags such as
# -max_len=512), and prints
# a table of executions per target. New corpus entries stay in
# BUILD_DIR/fuzz-work/<target>; crashes land in BUILD_DIR/fuzz-crashes/.
set -eu
build=${1:-build-asan}
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-0}
here=$(cd "$(dirname "$0")" && pwd)
crashes="$build/fuzz-crashes"
mkdir -p "$crashes"
summary=""
status=0
for bin in "$build"/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" | sed 's/^fuzz_//')
  if [ -n "${FUZZ_TARGETS:-}" ] && ! echo " $FUZZ_TARGETS " | grep -q " $name "; then continue; fi
  work="$build/fuzz-work/$name"
  mkdir -p "$work"
  log="$build/fuzz-work/$name.log"
  if [ "$runs" -gt 0 ]; then limit="-runs=$runs"; else limit="-max_total_time=$seconds"; fi
  echo "== fuzz_$name ($limit)"
  # shellcheck disable=SC2086
  if "$bin" "$limit" ${FUZZ_ARGS:-} -print_final_stats=1 -artifact_prefix="$crashes/$name-" "$work" "$here/corpus/$name" >"$log" 2>&1; then
    result=ok
  else
    result=CRASH
    status=1
    tail -30 "$log"
  fi
  execs=$(grep 'stat::number_of_executed_units' "$log" | awk '{print $2}')
  rate=$(grep 'stat::average_exec_per_sec' "$log" | awk '{print $2}')
  corpus=$(ls "$work" | wc -l)
  summary="$summary$(printf '%-10s %-6s %12s execs %8s/s  corpus %s' "$name" "$result" "${execs:-?}" "${rate:-?}" "$corpus")
"
done
echo
echo "target     result      executions      rate  new corpus entries"
printf '%s' "$summary"
exit $status
