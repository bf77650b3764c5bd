#!/usr/bin/env bash
# The performance figures of issue 5, on this machine, in one run (as root on
# a fresh machine: it installs what it needs). Starts its own PostgreSQL
# (durable default settings) and emulator, then prints first-sync, re-walk and
# no-op rates, CPU, WAL and RSS, next to the naive reference loader, the bare
# COPY ceiling and the emulator's own serving rate. Figures, not a test.
# Then what a no-op run costs when older jobs are still unfinished (issue 10):
# its requests beside partitions + sum ceil(U_p / ids_per_request) and beside
# a re-walk from each partition's oldest unfinished job, for the main dataset
# and a dense one.
#   scripts/bench.sh [--jobs N] [--no-million] [--only-refresh]
#     --jobs N     jobs for the main figures (default 200000)
#     --no-million skip the 1,000,000-job first sync for the peak-RSS figure
#                  (it takes ~6 more minutes and a few GB for the emulator)
#     --malloc-tuned  run the worker with glibc's mmap/trim thresholds raised (what a
#                  mallopt() in main would do; see docs/performance.md)
#     --only-refresh  just the no-op refresh figures: first sync and no-op run
#                  of both datasets, no references, re-walk or 1M run
#     --pg-cost    instead: where PostgreSQL's CPU goes in a first sync of N
#                  jobs, one experiment per database (scripts/bench_pg_cost.sh)
#     --schema-sql FILE  SQL run on every database after its migrations: a
#                  schema variant measured with the same binary (issue 22 compared
#                  indexes and detail's storage this way)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh
source scripts/lib_postgres.sh
source scripts/lib_bench.sh
source scripts/lib_bench_run.sh

jobs=200000
million=true
only_refresh=false
worker=()
pg_cost=false
schema_sql=
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --million) million=true; shift ;; # the default; kept for old command lines
    --no-million) million=false; shift ;;
    --pg-cost) pg_cost=true; shift ;;
    --schema-sql) schema_sql=$(realpath "$2"); shift 2 ;;
    --only-refresh) only_refresh=true; million=false; shift ;;
    --malloc-tuned)
      worker=(env GLIBC_TUNABLES=glibc.malloc.mmap_threshold=33554432:glibc.malloc.trim_threshold=67108864)
      shift ;;
    *) echo "usage: scripts/bench.sh [--jobs N] [--no-million] [--malloc-tuned] [--only-refresh] [--pg-cost] [--schema-sql FILE]" >&2; exit 2 ;;
  esac
done

ensure_packages time curl
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j "$(nproc)" --target ci-jobsync ci-emulator jobsync-bench >/dev/null
bin=build-bench
bench_tool=$(find "$bin" -name jobsync-bench -type f | head -1)

dir=${BENCH_DIR:-/tmp/ci-jobsync-bench}
pg_port=${BENCH_PG_PORT:-55498}
rm -rf "$dir" && mkdir -p "$dir"
emulator_pid=
cleanup() { stop_emulator; pg_temp_stop "$dir/pg"; }
trap cleanup EXIT

pg_settings=()
[ "$pg_cost" = false ] || pg_settings=(shared_preload_libraries=pg_stat_statements)
pg_temp_start "$dir/pg" "$pg_port" "${pg_settings[@]}"
postmaster=$(head -1 "$dir/pg/data/postmaster.pid")
echo "PostgreSQL $(q 'SHOW server_version') on 127.0.0.1:$pg_port: durable defaults" \
  "(fsync=$(q 'SHOW fsync'), synchronous_commit=$(q 'SHOW synchronous_commit')," \
  "shared_buffers=$(q 'SHOW shared_buffers'))"
[ ${#worker[@]} -eq 0 ] || echo "worker runs with ${worker[*]}"
[ -z "$schema_sql" ] || echo "schema variant: $schema_sql ($(tr '\n' ' ' <"$schema_sql"))"
echo "machine: $(nproc) cores; other processes on it add noise (compare ratios, not absolutes)"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+local changes')"

bench_admin_token


# refresh_costs DB: what the next run of DB must refresh, from the database
# as that run sees it (older than each partition's cursor minus the lookback,
# inside the horizon, not vanished). Sets partitions, unfinished (sum of U_p),
# by_id_cost (partitions + sum ceil(U_p / ids_per_request)) and rewalk_cost
# (partitions + sum ceil(jobs since the partition's oldest unfinished / page_size)),
# and cheaper_cost: per partition the cheaper of the two (a re-walk that fits
# in the window's one page costs nothing extra), what the worker should pick.
refresh_costs() {
  local row
  row=$(q "WITH p AS (
      SELECT bucket, tag, queue_id, cursor - interval '$lookback_minutes minutes' AS until
      FROM ci.sync_checkpoints),
    u AS (
      SELECT p.bucket, p.tag, p.queue_id, count(j.job_id) AS unfinished,
             min(j.creation_time) AS oldest
      FROM p LEFT JOIN ci.jobs j ON j.bucket = p.bucket AND j.tag = p.tag
        AND j.queue_id = p.queue_id AND j.state NOT IN ('Success', 'Failed', 'Cancel')
        AND j.vanished_at IS NULL AND j.creation_time <= p.until
        AND j.creation_time >= now() - interval '$horizon_days days'
      GROUP BY p.bucket, p.tag, p.queue_id),
    c AS (
      SELECT unfinished, ceil(unfinished / $ids_per_request.0) AS by_id,
        ceil((SELECT count(*) FROM ci.jobs j WHERE j.bucket = u.bucket AND j.tag = u.tag
          AND j.queue_id = u.queue_id AND j.creation_time >= u.oldest) / $page_size.0) AS pages
      FROM u)
    SELECT count(*), sum(unfinished), count(*) + sum(by_id)::bigint,
      count(*) + sum(pages)::bigint,
      sum(CASE WHEN unfinished = 0 THEN 1 ELSE least(greatest(pages, 1), 1 + by_id) END)::bigint
    FROM c" "$1")
  IFS='|' read -r partitions unfinished by_id_cost rewalk_cost cheaper_cost <<<"$row"
}
# noop_run LABEL DB: an incremental sync of DB with nothing new; sets
# noop_wall, noop_requests (the emulator's count) and, from the run's
# sync_runs row, noop_by_id (jobs refreshed by id) and noop_by_id_requests.
noop_run() {
  local r0
  r0=$(requests)
  timed "$1" "${worker[@]}" "$bin/ci-jobsync" --config "$dir/$2.toml" sync
  noop_wall=$wall
  noop_requests=$(($(requests) - r0))
  IFS='|' read -r noop_by_id noop_by_id_requests <<<"$(q 'SELECT jobs_refreshed_by_id,
    requests_by_id FROM ci.sync_runs ORDER BY run_id DESC LIMIT 1' "$2")"
}
# refresh_lines NAME: the figures of the last refresh_costs and noop_run.
refresh_lines() {
  local within
  within=$(awk -v a="$noop_requests" -v b="$by_id_cost" 'BEGIN { d = a - b; if (d < 0) d = -d;
    print (b > 0 && d <= 0.1 * b ? "yes" : "NO") }')
  printf '%-44s %s\n' \
    "$1: no-op run" "$noop_requests requests in $noop_wall s ($noop_by_id jobs refreshed by id in $noop_by_id_requests requests)" \
    "  partitions + sum ceil(U_p / $ids_per_request)" "$by_id_cost ($partitions partitions, $unfinished unfinished older jobs): no-op / this = $(ratio "$noop_requests" "$by_id_cost")x, within 10%: $within" \
    "  re-walk from the oldest unfinished" "$rewalk_cost requests = $(ratio "$rewalk_cost" "$noop_requests")x the no-op run" \
    "  the cheaper of the two per partition" "$cheaper_cost requests (a no-op below the by-id figure took the walk where it was cheaper)"
}
if [ "$pg_cost" = true ]; then
  source scripts/bench_pg_cost.sh
  run_pg_cost
  exit 0
fi

echo
echo "== $jobs jobs over 20 partitions (5 tags x 4 queues), pages of 100"
t0=$(date +%s)
start_emulator "$jobs" "$spacing" "$paused_share"
echo "emulator ready in $(($(date +%s) - t0)) s"

# The references first, each on its own database. The naive loader runs on
# the first ref_jobs jobs only (a rate; the partitions are alike) to keep the
# run short. The COPY ceiling writes every job, as the first sync does: the
# same rows into tables of the same size, through the same checkpoints (a
# 40,000-job ceiling never reached one, and its indexes stayed small).
if [ "$only_refresh" = false ]; then
ref_jobs=$((jobs < 40000 ? jobs : 40000))
write_config fetch
timed fetch "$bench_tool" fetch --config "$dir/fetch.toml"
serve_rate=$(tool_rate fetch)
write_config naive
settle
timed naive "$bench_tool" naive --config "$dir/naive.toml" --limit "$ref_jobs"
naive_rate=$(tool_rate naive)
naive_jobs=$(tool_jobs naive)
naive_pg_cpu=$pg_cpu
settle naive
write_config copy
timed copy "$bench_tool" copy --config "$dir/copy.toml" --limit "$jobs"
copy_rate=$(tool_rate copy)
copy_jobs=$(tool_jobs copy)
copy_pg_cpu=$pg_cpu
copy_connections=$(sed -n 's/^copy connections=\([0-9]*\).*/\1/p' "$dir/copy.out")
settle copy
fi

# The worker.
write_config bench
settle
r0=$(requests)
timed first "${worker[@]}" "$bin/ci-jobsync" --config "$dir/bench.toml" sync
first_rate=$(rate "$jobs" "$wall")
first_wal=$wal first_cpu=$cpu first_pg_cpu=$pg_cpu first_rss=$rss_kb first_wall=$wall
first_emulator_cpu=$emulator_cpu
first_requests=$(($(requests) - r0))
stored=$(q 'SELECT count(*) FROM ci.jobs' bench)

# Re-walk the same, unchanged window: forget the cursors, sync again.
if [ "$only_refresh" = false ]; then
q 'UPDATE ci.sync_checkpoints SET cursor = NULL' bench
timed rewalk "${worker[@]}" "$bin/ci-jobsync" --config "$dir/bench.toml" sync
rewalk_rate=$(rate "$jobs" "$wall")
rewalk_wal=$wal rewalk_cpu=$cpu rewalk_pg_cpu=$pg_cpu
fi

# A no-op incremental run: only the older unfinished jobs cost requests.
refresh_costs bench
noop_run noop bench
main_refresh=$(refresh_lines "$jobs jobs, $spacing s apart")
stop_emulator

if [ "$only_refresh" = false ]; then
echo
printf '%-44s %s\n' \
  "emulator serving rate (fetch+parse, no DB)" "$serve_rate jobs/s" \
  "naive loader (INSERT per row, txn per page)" "$naive_rate jobs/s on $naive_jobs jobs (PostgreSQL CPU $(per100k "$naive_pg_cpu" "$naive_jobs") s/100k jobs)" \
  "bare COPY ceiling (no HTTP, no parsing)" "$copy_rate jobs/s on $copy_jobs jobs, txn per page on $copy_connections connections (PostgreSQL CPU $(per100k "$copy_pg_cpu" "$copy_jobs") s/100k jobs)" \
  "first sync" "$first_rate jobs/s in $first_wall s, $first_requests requests, $stored jobs stored" \
  "  vs naive" "$(ratio "$first_rate" "$naive_rate")x   (target >= 2x)" \
  "  vs COPY ceiling" "$(ratio "$first_rate" "$copy_rate")x   (target >= 0.8x)" \
  "  PostgreSQL CPU per job vs COPY ceiling" "$(ratio "$(per100k "$first_pg_cpu" "$jobs")" "$(per100k "$copy_pg_cpu" "$copy_jobs")")x   (target <= 1.2x)" \
  "  vs emulator serving rate" "$(ratio "$first_rate" "$serve_rate")x   (near 1 => emulator-bound)" \
  "  WAL" "$first_wal bytes" \
  "re-walk of the unchanged window" "$rewalk_rate jobs/s" \
  "  vs first sync" "$(ratio "$rewalk_rate" "$first_rate")x   (target >= 3x)" \
  "  vs naive" "$(ratio "$rewalk_rate" "$naive_rate")x" \
  "  WAL" "$rewalk_wal bytes = $(ratio "$((rewalk_wal * 100))" "$first_wal")% of first sync (target < 10%)" \
  "no-op incremental run" "$noop_wall s wall, $noop_requests requests (target: $by_id_cost = partitions + sum ceil(U_p / $ids_per_request), below)" \
  "worker CPU (user+sys), first sync" "$(per100k "$first_cpu" "$jobs") s/100k jobs" \
  "PostgreSQL CPU, first sync" "$(per100k "$first_pg_cpu" "$jobs") s/100k jobs" \
  "  worker / PostgreSQL CPU" "$(ratio "$first_cpu" "$first_pg_cpu")x   (target <= 0.15)" \
  "emulator CPU, first sync" "$(per100k "$first_emulator_cpu" "$jobs") s/100k jobs (the service's share of these cores)" \
  "  all CPU per job vs COPY ceiling's" "$(ratio "$(per100k "$(awk -v a="$first_cpu" -v b="$first_pg_cpu" -v c="$first_emulator_cpu" 'BEGIN { print a + b + c }')" "$jobs")" "$(per100k "$copy_pg_cpu" "$copy_jobs")")x   (worker + PostgreSQL + emulator vs the ceiling's PostgreSQL: what 2 shared cores must run per job)" \
  "worker CPU, re-walk" "$(per100k "$rewalk_cpu" "$jobs") s/100k jobs; PostgreSQL $(per100k "$rewalk_pg_cpu" "$jobs") s/100k" \
  "peak RSS, first sync of $jobs" "$(mib "$first_rss") MiB"
fi

# The same no-op on a dense dataset: 60,000 jobs over 8 days, the newest an
# hour old, where a re-walk from the oldest unfinished job covers most of it.
echo
echo "== no-op runs with older jobs unfinished ($paused_share of them in Pause), refreshed by id"
echo "   or by re-walk, whichever the database says is cheaper (ids_per_request=$ids_per_request, page_size=$page_size)"
start_emulator 60000 12 "$paused_share" 3600
write_config dense
timed dense_first "${worker[@]}" "$bin/ci-jobsync" --config "$dir/dense.toml" sync
refresh_costs dense
noop_run dense_noop dense
dense_refresh=$(refresh_lines "60000 jobs over 8 days")
stop_emulator
printf '%s\n' "$main_refresh" "$dense_refresh"

if [ "$million" = true ]; then
  echo
  echo "== 1,000,000 jobs: peak RSS (the emulator alone needs a few GB and a few minutes)"
  t0=$(date +%s)
  start_emulator 1000000
  write_config million
  timed million "${worker[@]}" "$bin/ci-jobsync" --config "$dir/million.toml" sync
  stop_emulator
  printf '%-44s %s\n' \
    "first sync of 1M" "$(rate 1000000 "$wall") jobs/s in $wall s ($(($(date +%s) - t0)) s with the emulator)" \
    "peak RSS at 1M" "$(mib "$rss_kb") MiB = $(ratio "$rss_kb" "$first_rss")x the $jobs-job figure (target <= 64 MiB, within 10%)"
fi
