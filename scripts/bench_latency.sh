#!/usr/bin/env bash
# A first sync under a real service's round trip: the emulator answers every
# GET /jobs after a fixed latency (--latency-ms), one partition (one tag, all
# queues) holds all the jobs. Prints the first sync's wall time with the
# default sync.concurrency (time slices walked in parallel) against the serial
# floor (pages x latency: what one NextToken chain cannot beat) and against a
# measured serial sync (concurrency = 1); then two and three workers started
# together on one database (one round: the slices shared out) against one.
# Its own Release build, PostgreSQL and emulator. Figures, not a test.
#   scripts/bench_latency.sh [--jobs N] [--latency-ms MS]
#     --jobs N         jobs in the partition (default 40000)
#     --latency-ms MS  latency of every /jobs answer (default 100)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_postgres.sh
source scripts/lib_bench.sh

bench_jobs_latency_args bench_latency.sh 40000 100 "$@"

bench_release_build "${BENCH_LATENCY_BUILD_DIR:-build-bench-latency}"

dir=${BENCH_DIR:-/tmp/ci-jobsync-bench-latency}
bench_start_postgres "${BENCH_PG_PORT:-55497}"

bench_start_latency_emulator 11 16

# new_database DB [SYNC LINES]: a new, migrated database and its config.
new_database() {
  local db=$1 extra=${2:-}
  bench_transcode_config "$db" "[sync]
page_size = 100
$extra"
  "$worker_bin" -q --config "$dir/$db.toml" migrate
}

# first_sync DB [SYNC LINES]: a first sync into a new database; sets wall,
# pages, requests and slices from its summary line.
first_sync() {
  local db=$1 line
  new_database "$@"
  "$worker_bin" --config "$dir/$db.toml" sync >"$dir/$db.log" 2>&1 ||
    { echo "sync into $db failed:" >&2; tail -20 "$dir/$db.log" >&2; exit 1; }
  line=$(grep 'sync finished' "$dir/$db.log" | tail -1)
  field() { echo "$line" | sed -n "s/.* $1=\([0-9.]*\).*/\1/p"; }
  wall=$(field duration_s)
  pages=$(field pages)
  requests=$(field requests)
  slices=$(field slices)
  require_stored_once "$db"
}

require_stored_once() {
  local stored
  stored=$(psql -X -Atq -d "$1" -c 'SELECT count(*) FROM ci.jobs')
  [ "$stored" = "$jobs" ] || { echo "$1 holds $stored jobs, not $jobs" >&2; exit 1; }
}

# fleet_sync DB N: N syncs started together on one new database; sets wall
# (until the last exits), requests (all runs'), slices and rounds.
fleet_sync() {
  local db=$1 n=$2 i pids=() started
  new_database "$db"
  started=$(date +%s.%N)
  for ((i = 1; i <= n; i++)); do
    "$worker_bin" --config "$dir/$db.toml" sync >"$dir/$db.$i.log" 2>&1 &
    pids+=($!)
  done
  for ((i = 0; i < n; i++)); do
    wait "${pids[$i]}" || { echo "worker $((i + 1)) of $n failed:" >&2; tail -20 "$dir/$db.$((i + 1)).log" >&2; exit 1; }
  done
  wall=$(awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf("%.3f", b - a) }')
  read -r requests slices rounds walkers < <(psql -X -Atq -F ' ' -d "$db" -c \
    "SELECT sum(requests), sum(slices), count(DISTINCT round_id),
            (SELECT count(DISTINCT claimed_by) FROM ci.sync_claims WHERE slice > 0)
     FROM ci.sync_runs")
  require_stored_once "$db"
  [ "$rounds" = 1 ] || { echo "$n workers ran $rounds rounds, not one" >&2; exit 1; }
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf("%.2f", (b > 0 ? a / b : 0)) }'; }

echo "one partition of $jobs jobs, pages of 100, ${latency_ms} ms per /jobs request;" \
  "$(nproc) cores, shared: compare ratios, not absolutes"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+local changes')"

first_sync sliced
sliced_wall=$wall sliced_pages=$pages sliced_requests=$requests sliced_slices=$slices
floor=$(awk -v p="$sliced_pages" -v l="$latency_ms" 'BEGIN { printf("%.1f", p * l / 1000) }')
echo "first sync, default concurrency: ${sliced_wall} s, $sliced_slices slices," \
  "$sliced_pages pages, $sliced_requests requests"
echo "serial floor (pages x latency): ${floor} s"

first_sync serial "concurrency = 1"
echo "first sync, concurrency = 1 (one chain): ${wall} s, $pages pages, $requests requests"
echo "RATIO serial floor / sliced first sync: $(ratio "$floor" "$sliced_wall")x (target >= 3x)"
echo "RATIO serial sync / sliced first sync: $(ratio "$wall" "$sliced_wall")x"

# The one-worker figure again, measured the same way as the fleets' (process
# start to exit, requests from sync_runs).
fleet_sync fleet1 1
one_wall=$wall one_requests=$requests
echo "one worker (process start to exit): ${one_wall} s, $one_requests requests"
for n in 2 3; do
  fleet_sync "fleet$n" "$n"
  echo "$n workers started together: ${wall} s, $requests requests, $slices slices" \
    "walked by $walkers workers, one round"
  echo "RATIO $n workers / one, wall: $(ratio "$wall" "$one_wall")x;" \
    "requests: $(ratio "$requests" "$one_requests")x (target <= 1.10x)"
done
