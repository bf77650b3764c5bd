#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz with clang (ASan + UBSan) in
# build-fuzz/ and runs each for SECONDS (default 60), starting from the seed
# corpus in tests/fuzz/corpus/<target>. New inputs go to build-fuzz/corpus/,
# crashes to build-fuzz/crashes/<target>/. Prints each target's executions,
# coverage and crashes; exits 1 when any target crashed.
# Usage: scripts/fuzz.sh [SECONDS] [TARGET...]   (default: every target)
set -euo pipefail

seconds="${1:-60}"
shift $(($# > 0 ? 1 : 0))
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build-fuzz"
targets=(jobs_page error_body config callback workflow_pages)
[ $# -eq 0 ] || targets=("$@")

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DJOBSYNC_FUZZ=ON -DJOBSYNC_WERROR=OFF >/dev/null
nice cmake --build "$build" -j2 --target "${targets[@]/#/fuzz_}"

failed=0
for target in "${targets[@]}"; do
  corpus="$build/corpus/$target"
  crashes="$build/crashes/$target"
  mkdir -p "$corpus" "$crashes"
  log="$build/fuzz_$target.log"
  status=0
  nice "$build/tests/fuzz/fuzz_$target" -max_total_time="$seconds" -print_final_stats=1 \
    -max_len=65536 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$crashes/" \
    "$corpus" "$root/tests/fuzz/corpus/$target" >"$log" 2>&1 || status=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)"
  coverage="$(grep -Eo 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n1)"
  found="$(find "$crashes" -type f | wc -l)"
  echo "$target: ${runs:-?} executions in ${seconds}s, ${coverage:-no coverage line}, $found crash(es) (log: $log)"
  if [[ $status -ne 0 || $found -ne 0 ]]; then
    failed=1
  fi
done
exit "$failed"
