#!/usr/bin/env bash
# Do the threads of finished partitions help with the rest? Five partitions
# (five tags) of equal density on one worker with the default
# sync.concurrency (4), the emulator answering every /jobs after a latency:
# the fifth partition is planned while four threads are busy. Prints the first
# sync's wall time against the pool's floor (pages x latency / concurrency):
# near 1 when every thread walks slices until none is left. Its own Release
# build (or --bin DIR, e.g. an older build to compare), PostgreSQL and
# emulator. Figures, not a test.
#   scripts/bench_pool.sh [--jobs N] [--latency-ms MS] [--bin DIR] [--runs K]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_postgres.sh
source scripts/lib_bench.sh
source scripts/lib_bench_run.sh

jobs=40000 latency_ms=100 bin= runs=2
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --latency-ms) latency_ms=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: scripts/bench_pool.sh [--jobs N] [--latency-ms MS] [--bin DIR] [--runs K]" >&2; exit 2 ;;
  esac
done
bench_release_build "${BENCH_POOL_BUILD_DIR:-build-bench-pool}"
[ -z "$bin" ] || worker_bin=$bin/ci-jobsync
bin=$(dirname "$worker_bin") # write_config migrates with it
dir=${BENCH_DIR:-/tmp/ci-jobsync-bench-pool}
bench_start_postgres "${BENCH_PG_PORT:-55494}"

tags=Transcode,Snapshot,Animation,Concat,VideoEnhance queues= # five partitions, every queue
start=$(date -u -d "@$(($(date +%s) - jobs * 30 - 86400))" +%Y-%m-%dT%H:%M:%S+0000)
"$emulator_bin" --jobs "$jobs" --seed 11 --start "$start" --spacing-seconds 30 --tags "$tags" \
  --latency-ms "$latency_ms" --threads 16 --port-file "$dir/api.port" >"$dir/emulator.log" 2>&1 &
emulator_pid=$!
bench_wait_emulator

echo "$jobs jobs in 5 partitions, pages of 100, $latency_ms ms per /jobs request, sync.concurrency 4; $(nproc) cores"
for run in $(seq "$runs"); do
  db=pool_$run
  write_config "$db" # sync.concurrency: its default, 4
  "$worker_bin" --config "$dir/$db.toml" sync >"$dir/$db.log" 2>&1 ||
    { echo "sync failed:" >&2; tail -20 "$dir/$db.log" >&2; exit 1; }
  line=$(grep 'sync finished' "$dir/$db.log" | tail -1)
  field() { echo "$line" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
  stored=$(psql -X -Atq -d "$db" -c 'SELECT count(*) FROM ci.jobs')
  [ "$stored" = "$jobs" ] || { echo "$db holds $stored jobs, not $jobs" >&2; exit 1; }
  floor=$(awk -v p="$(field pages)" -v l="$latency_ms" 'BEGIN { printf("%.1f", p * l / 1000 / 4) }')
  echo "run $run: $(field duration_s) s, $(field pages) pages, $(field requests) requests, $(field slices) slices; floor $floor s; RATIO wall / floor: $(awk -v a="$(field duration_s)" -v b="$floor" 'BEGIN { printf("%.2f", a / b) }')x"
done
