#!/usr/bin/env bash
# The read path at scale (issue 22): the questions of a BI user and an
# auditor on histories of 1M and 10M jobs of the same density, each beside a
# full scan of jobs in the same run and beside the same question at 1M.
# Figures, not a test (docs/performance.md, "Reading at scale").
#
# How the histories are built (the fastest honest way): the emulator
# generates 1M jobs of all 25 tags over 4 queues, 7 s apart (81 days), and
# `jobsync-bench copy` loads them through the worker's own COPY path
# (copy_lines and the worker's table shapes: the rows a first sync writes,
# with every trigger and index of the schema). The larger history is that
# database cloned (CREATE DATABASE ... TEMPLATE) and grown by SQL copies of
# its jobs and their children, each copy shifted back by the history's span
# (same jobs per day), with its own job ids, input objects, output objects
# and MD5s (the same duplicates and changed MD5s per copy). An emulator
# cannot hold 10M jobs on this machine's memory. For speed the copies run
# with session_replication_role = replica (no foreign-key checks: the rows
# are copies of checked ones; no marking triggers: the grown database's
# daily_job_stats is then recomputed whole) and the tables' secondary
# indexes are dropped before and built again after: the same end state as
# loading the rows through the worker, reached in less time.
#
# Cold: the first run after a server restart (empty shared buffers; the OS
# page cache is kept, it is shared with other users of the machine). Warm:
# the median of the next three runs.
#   scripts/bench_bi.sh [--scales "1 10"] [--keep] [--no-detail]
#   scripts/bench_bi.sh --queries-only [--scales "1 10" | --db NAME]
#     --scales   history sizes in millions of jobs, the first is the base
#                (default "1 10"; "1 3" takes ~3x less time and disk)
#     --keep     leave the server's folder and its databases bi_<scale>m
#                (default: deleted); the server is stopped
#     --no-detail  skip the measurement of detail's storage variants
#     --queries-only  build nothing: start the server kept by --keep and time
#                the questions on its databases bi_<scale>m, or on NAME only
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh
source scripts/lib_postgres.sh
source scripts/lib_bench.sh

scales="1 10"
keep=false
detail=true
queries_only=false
only_db=
usage='usage: scripts/bench_bi.sh [--scales "1 10"] [--keep] [--no-detail] | --queries-only [--scales "1 10" | --db NAME]'
while [ $# -gt 0 ]; do
  case $1 in
    --scales) scales=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --no-detail) detail=false; shift ;;
    --queries-only) queries_only=true; keep=true; shift ;;
    --db) only_db=$2; shift 2 ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
base=${scales%% *}
[ "$base" = 1 ] || [ -n "$only_db" ] || { echo "the first scale must be 1 (the emulator's million)" >&2; exit 2; }
[ -z "$only_db" ] || [ "$queries_only" = true ] || { echo "--db goes with --queries-only" >&2; exit 2; }
# db_of SCALE: the database of a history (--db names the only one).
db_of() { if [ -n "$only_db" ]; then echo "$only_db"; else echo "bi_${1}m"; fi; }
[ -z "$only_db" ] || scales=db

ensure_packages curl
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench -j "$(nproc)" --target ci-jobsync ci-emulator jobsync-bench >/dev/null
bin=build-bench
bench_tool=$(find "$bin" -name jobsync-bench -type f | head -1)

dir=${BENCH_DIR:-/tmp/ci-jobsync-bench-bi}
pg_port=${BENCH_PG_PORT:-55499}
if [ "$queries_only" = true ]; then
  [ -f "$dir/pg/data/PG_VERSION" ] || { echo "no kept server in $dir/pg (run with --keep first)" >&2; exit 2; }
else
  rm -rf "$dir" && mkdir -p "$dir"
fi
emulator_pid=
stop_emulator() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    emulator_pid=
  fi
}
cleanup() {
  stop_emulator
  if [ "$keep" = true ]; then
    pg_as_owner "$(pg_bindir)/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  else
    pg_temp_stop "$dir/pg"
    rm -rf "$dir"
  fi
}
trap cleanup EXIT

# A server sized for reading, as a BI database would be; durable defaults.
# jit=off, as docs/operations.md advises for BI roles: a compile of 0.2-1 s
# once a plan's estimate passes jit_above_cost, whatever the window holds.
pg_settings=(shared_buffers=2GB work_mem=64MB max_wal_size=8GB effective_cache_size=12GB jit=off)
pg_temp_start "$dir/pg" "$pg_port" "${pg_settings[@]}"
q() { psql -X -Atq -d "${2:-postgres}" -c "$1"; }
bindir=$(pg_bindir)
restart_pg() {
  pg_as_owner "$bindir/pg_ctl" -D "$dir/pg/data" -m fast -w restart >/dev/null
}
echo "PostgreSQL $(q 'SHOW server_version') on 127.0.0.1:$pg_port: ${pg_settings[*]}"
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB; other processes on it add noise"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+local changes')"
df -h "$dir" | tail -1 | awk '{ print "disk free before: " $4 }'
db1=$(db_of 1)
if [ "$queries_only" = false ]; then

# ---- the 1M history, through the worker's COPY path --------------------------
# BENCH_BI_JOBS: a smaller base, to try the script (the figures need the million).
jobs=${BENCH_BI_JOBS:-1000000}
gap=$((7000000 / jobs))
queues=p2242ab62c7c94486915508540933a2c6,p8f1c1c1f6a2e4b6c9d0e1f2a3b4c5d6e
queues=$queues,p0a1b2c3d4e5f60718293a4b5c6d7e8f9,p9f8e7d6c5b4a39281706f5e4d3c2b1a0
bench_admin_token
start=$(date -u -d "@$(($(date +%s) - jobs * gap - 3600))" +%Y-%m-%dT%H:%M:%S+0000)
t0=$(date +%s)
"$bin/ci-emulator" --jobs "$jobs" --seed 22 --start "$start" --spacing-seconds "$gap" \
  --tags all --queues "$queues" --admin-token-file "$dir/admin_token" \
  --port-file "$dir/api.port" >"$dir/emulator.log" 2>&1 &
emulator_pid=$!
bench_wait_generated "$emulator_pid"
admin_curl -X POST "$api/_emulator/finish" >/dev/null
echo "emulator: $jobs jobs ready in $(($(date +%s) - t0)) s"
createdb "$db1"
cat >"$dir/$db1.toml" <<TOML
[database]
url = "postgresql://postgres@127.0.0.1:$pg_port/$db1"
[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "$api"
queues = [$(echo "$queues" | sed 's/[^,]*/"&"/g')]
[sync]
page_size = 100
TOML
"$bin/ci-jobsync" -q --config "$dir/$db1.toml" migrate
t0=$(date +%s)
"$bench_tool" copy --config "$dir/$db1.toml" >"$dir/load.out" 2>"$dir/load.log" ||
  { tail -20 "$dir/load.log" >&2; exit 1; }
stop_emulator
echo "1M loaded through the COPY path in $(($(date +%s) - t0)) s: $(cat "$dir/load.out" | head -1)"
# What a sync does at its end (the COPY tool does not): v_daily_job_stats'
# stored rows for the days the load touched.
refresh_stats() {
  local t0 days
  t0=$(date +%s.%N)
  days=$(q 'SELECT ci.refresh_daily_job_stats()' "$1")
  echo "  v_daily_job_stats: $days days refreshed in $(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.1f", a - b }') s"
}
refresh_stats "$db1"
q 'VACUUM ANALYZE' "$db1"

# ---- larger histories: the 1M cloned and shifted back ------------------------
# grow_copy DB K SHIFT: copy K of the base jobs and their children, every
# column as it is but the key, the times (SHIFT earlier), the input and output
# objects and the MD5s (one SQL statement per table, in one transaction).
grow_copy() {
  psql -X -q -v ON_ERROR_STOP=1 -d "$1" -v k="$2" -v shift="$3" <<'SQL'
SET search_path = ci;
SET session_replication_role = replica;
SET bench.k = :'k';
SET bench.shift = :'shift';
BEGIN;
DO $$
DECLARE
    t text;
    cols text;
    exprs text;
BEGIN
    FOREACH t IN ARRAY ARRAY['jobs', 'job_outputs', 'job_watermark_templates', 'media_info',
                             'media_streams', 'output_files', 'job_input_cos_headers'] LOOP
        SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum),
               string_agg(CASE
                   WHEN attname = 'job_id' THEN 'job_id || ''~'' || current_setting(''bench.k'')'
                   WHEN t = 'jobs' AND attname IN ('creation_time', 'start_time', 'end_time')
                       THEN attname || ' - current_setting(''bench.shift'')::interval'
                   WHEN t = 'jobs' AND attname = 'input_object'
                       THEN '''c'' || current_setting(''bench.k'') || ''/'' || input_object'
                   WHEN t = 'job_outputs' AND attname = 'object'
                       THEN '''c'' || current_setting(''bench.k'') || ''/'' || object'
                   WHEN t = 'output_files' AND attname = 'object_name'
                       THEN '''c'' || current_setting(''bench.k'') || ''/'' || object_name'
                   WHEN t = 'output_files' AND attname = 'md5'
                       THEN 'CASE WHEN md5 <> '''' THEN md5(lower(md5) || current_setting(''bench.k'')) ELSE md5 END'
                   ELSE quote_ident(attname) END, ', ' ORDER BY attnum)
        INTO cols, exprs
        FROM pg_attribute
        WHERE attrelid = t::regclass AND attnum > 0 AND NOT attisdropped;
        EXECUTE format('INSERT INTO %I (%s) SELECT %s FROM %I WHERE job_id NOT LIKE ''%%~%%''',
                       t, cols, exprs, t);
    END LOOP;
END $$;
COMMIT;
SQL
}
# The secondary indexes (not a constraint's) of the copied tables: their
# definitions kept in public.bench_index_defs, dropped before the copies and
# built again after them.
copied_tables="'jobs', 'job_outputs', 'job_watermark_templates', 'media_info', 'media_streams', 'output_files', 'job_input_cos_headers'"
drop_secondary_indexes() {
  q "CREATE TABLE public.bench_index_defs AS
       SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
       FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
       WHERE c.relnamespace = 'ci'::regnamespace AND c.relname IN ($copied_tables)
         AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)" "$1"
  q "DO \$\$ DECLARE r record; BEGIN
       FOR r IN SELECT name FROM public.bench_index_defs LOOP EXECUTE 'DROP INDEX ' || r.name; END LOOP;
     END \$\$" "$1"
}
build_secondary_indexes() {
  q "SET maintenance_work_mem = '1GB'; DO \$\$ DECLARE r record; BEGIN
       FOR r IN SELECT def FROM public.bench_index_defs LOOP EXECUTE r.def; END LOOP;
     END \$\$; DROP TABLE public.bench_index_defs" "$1"
}
for scale in ${scales#"$base"}; do
  db=$(db_of "$scale")
  t0=$(date +%s)
  createdb -T "$db1" "$db"
  # The span of the base history: copy k lies k spans before it.
  span=$(q "SELECT ceil(extract(epoch FROM max(creation_time) - min(creation_time)))::bigint + $gap FROM ci.jobs" "$db")
  drop_secondary_indexes "$db"
  for k in $(seq 1 $((scale - 1))); do
    grow_copy "$db" "$k" "$((span * k)) seconds"
    echo "  copy $k of $((scale - 1)) done at $(($(date +%s) - t0)) s; $(df -h "$dir" | tail -1 | awk '{ print $4 }') free"
  done
  t1=$(date +%s)
  build_secondary_indexes "$db"
  echo "${scale}M built from the 1M in $(($(date +%s) - t0)) s, its secondary indexes in $(($(date +%s) - t1)) s ($(q 'SELECT count(*) FROM ci.jobs' "$db") jobs)"
  # The copies fired no marking trigger: a zone that no longer matches makes
  # the refresh recompute every day, in one pass.
  q 'DELETE FROM ci.daily_job_stats_zone' "$db"
  refresh_stats "$db"
  q 'VACUUM ANALYZE' "$db"
done

# ---- sizes ----------------------------------------------------------------------
echo
echo "== database size per job"
for scale in $scales; do
  db=$(db_of "$scale")
  q "SELECT '${scale}M: database ' || pg_size_pretty(pg_database_size(current_database()))
       || ' = ' || round(pg_database_size(current_database()) / count(*)::numeric) || ' B/job; jobs heap '
       || pg_size_pretty(pg_relation_size('ci.jobs')) || ' ('
       || round(pg_relation_size('ci.jobs') / count(*)::numeric) || ' B/job), its TOAST (detail) '
       || pg_size_pretty(pg_total_relation_size(c.reltoastrelid)) || ', its indexes '
       || pg_size_pretty(pg_indexes_size('ci.jobs')) || ' (creation_time '
       || pg_size_pretty(pg_relation_size('ci.jobs_creation_time_idx')) || '), output_files '
       || pg_size_pretty(pg_total_relation_size('ci.output_files')) || ', daily_job_stats '
       || pg_size_pretty(pg_total_relation_size('ci.daily_job_stats'))
     FROM ci.jobs, pg_class c WHERE c.oid = 'ci.jobs'::regclass GROUP BY c.reltoastrelid" "$db"
done

fi # queries_only

# run_ms DB SQL: milliseconds of one run (client side, rows discarded), or
# "timeout" past BENCH_BI_TIMEOUT (default 60 s: 0002's MD5 audit count
# ran for 14 minutes at 1M without finishing).
timeout_s=${BENCH_BI_TIMEOUT:-60}
run_ms() {
  local out
  out=$(psql -X -d "$1" -o /dev/null -c "SET search_path = ci" -c "SET statement_timeout = '${timeout_s}s'" \
    -c '\timing on' -c "$2" </dev/null 2>&1) || true
  if grep -q 'canceling statement due to statement timeout' <<<"$out"; then
    echo timeout
  else
    sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' <<<"$out" | awk '{ s += $1 } END { printf "%.1f", s }'
  fi
}
# detail's storage, read side (the write side: scripts/bench.sh --schema-sql):
# the same 100,000 jobs (::text::xml, so each value is compressed anew) in
# four tables: pglz or lz4, inline (the default) or out of line
# (toast_tuple_target = 128). Size per job, a scan that skips detail (a
# dashboard's filter) and one that reads it (xpath), warm, median of three.
detail_variant() {
  q "CREATE TABLE ci.detail_$1 (LIKE ci.jobs) WITH (toast_tuple_target = $3);
     ALTER TABLE ci.detail_$1 ALTER COLUMN detail SET COMPRESSION $2;
     INSERT INTO ci.detail_$1 SELECT * FROM ci.jobs ORDER BY job_id LIMIT 100000;
     UPDATE ci.detail_$1 SET detail = detail::text::xml" "$db1"
  q "VACUUM FULL ci.detail_$1" "$db1"
  q "ANALYZE ci.detail_$1" "$db1"
  local skip read size
  skip=$(median3 "$(run_ms "$db1" "SELECT count(*) FROM detail_$1 WHERE state = 'Failed'")" \
    "$(run_ms "$db1" "SELECT count(*) FROM detail_$1 WHERE state = 'Failed'")" \
    "$(run_ms "$db1" "SELECT count(*) FROM detail_$1 WHERE state = 'Failed'")")
  read=$(median3 "$(run_ms "$db1" "SELECT count(*) FROM detail_$1 WHERE (xpath('/JobsDetail/JobId/text()', detail))[1]::text = job_id")" \
    "$(run_ms "$db1" "SELECT count(*) FROM detail_$1 WHERE (xpath('/JobsDetail/JobId/text()', detail))[1]::text = job_id")" \
    "$(run_ms "$db1" "SELECT count(*) FROM detail_$1 WHERE (xpath('/JobsDetail/JobId/text()', detail))[1]::text = job_id")")
  size=$(q "SELECT round(pg_relation_size('ci.detail_$1') / 100000.0) || ' B heap + '
    || round((pg_total_relation_size('ci.detail_$1') - pg_relation_size('ci.detail_$1')) / 100000.0)
    || ' B TOAST and indexes' " "$db1")
  printf '%-28s %s\n' "detail $2, ${4}:" "$size per job; scan without detail $skip ms, xpath over every detail $read ms"
  q "DROP TABLE ci.detail_$1" "$db1"
}
median3() { printf '%s\n' "$@" | sort -n | sed -n 2p; }

if [ "$detail" = true ] && [ "$queries_only" = false ]; then
  echo
  echo "== detail's storage (100,000 jobs of the 1M; warm)"
  detail_variant pglz_inline pglz 2032 inline
  detail_variant lz4_inline lz4 2032 inline
  detail_variant pglz_toast pglz 128 "out of line"
  detail_variant lz4_toast lz4 128 "out of line"
fi

# ---- the questions ----------------------------------------------------------------
# One recent input file and one recent output object (the same in every
# history: the copies go back in time under other names), named plainly
# enough to paste into SQL.
IFS='|' read -r in_bucket in_object <<<"$(q "SELECT input_bucket, input_object FROM ci.jobs
  WHERE input_object ~ '^[A-Za-z0-9/._-]+$' ORDER BY creation_time DESC, job_id LIMIT 1" "$db1")"
IFS='|' read -r out_bucket out_object <<<"$(q "SELECT f.bucket, f.object_name FROM ci.output_files f
  JOIN ci.jobs j USING (job_id) WHERE f.object_name ~ '^[A-Za-z0-9/._-]+$'
  ORDER BY j.creation_time DESC, f.job_id LIMIT 1" "$db1")"
names=() sqls=() kinds=()
add() { names+=("$1"); kinds+=("$2"); sqls+=("$3"); }
add scan_jobs_count scan "SELECT count(*) FROM jobs"
add scan_jobs_heap scan "SET enable_indexonlyscan = off; SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT count(*) FROM jobs"
add daily_stats_30d window "SELECT * FROM v_daily_job_stats WHERE day >= current_date - 30"
add daily_stats_1d_tag window "SELECT * FROM v_daily_job_stats WHERE day = current_date - 1 AND tag = 'Transcode'"
add p95_run_per_tag_7d window "SELECT tag, percentile_cont(0.95) WITHIN GROUP (ORDER BY run_seconds) FROM v_jobs WHERE creation_time >= now() - interval '7 days' GROUP BY tag"
add audit_one_object window "SELECT * FROM v_output_md5_audit WHERE bucket = '$out_bucket' AND object_name = '$out_object'"
add jobs_of_one_input window "SELECT * FROM v_jobs WHERE input_bucket = '$in_bucket' AND input_object = '$in_object'"
add audit_flagged_count whole "SELECT count(*) FROM v_output_md5_audit WHERE flagged"
add failed_jobs_top20 whole "SELECT * FROM v_failed_jobs ORDER BY failures DESC, tag, code LIMIT 20"
# Every query of docs/queries.md, on the bench's objects.
while IFS= read -r -d '' block; do
  name=$(printf '%s' "$block" | sed -n 's/^-- name: //p')
  sql=$(printf '%s' "$block" | grep -v '^-- name:' |
    sed -e "s|'media-1250000000'|'$in_bucket'|g" -e "s|'in/a.mp4'|'$in_object'|g" \
        -e "s|bucket = '$in_bucket' AND object_name = 'out/a.mp4'|bucket = '$out_bucket' AND object_name = '$out_object'|")
  case $name in
    inputs_transcoded_twice | flagged_outputs | failures_by_tag | outputs_whose_md5_changed | stuck_jobs | partition_freshness | \
      mismatches_by_tag | unverifiable_share_by_bucket) kind=whole ;;
    *) kind=window ;;
  esac
  add "doc:$name" "$kind" "$sql"
done < <(awk '/^```sql$/ { inside = 1; block = ""; next }
              /^```$/ && inside { inside = 0; printf "%s%c", block, 0; next }
              inside { block = block $0 "\n" }' docs/queries.md)

declare -A cold warm
for scale in $scales; do
  db=$(db_of "$scale")
  for i in "${!names[@]}"; do
    restart_pg
    cold[$scale,$i]=$(run_ms "$db" "${sqls[$i]}")
    if [ "${cold[$scale,$i]}" = timeout ]; then
      warm[$scale,$i]=timeout
    else
      warm[$scale,$i]=$(median3 "$(run_ms "$db" "${sqls[$i]}")" "$(run_ms "$db" "${sqls[$i]}")" \
        "$(run_ms "$db" "${sqls[$i]}")")
    fi
    echo "measured ${scale}M ${names[$i]}: cold ${cold[$scale,$i]} ms, warm ${warm[$scale,$i]} ms"
  done
done

echo
echo "== times in ms (cold | warm; timeout: over ${timeout_s} s); windowed: ratio to the 1M warm (target <= 1.5);"
echo "   whole history: ratio to the same history's warm heap scan of jobs (target <= 4)"
header=$(printf '%-36s %-6s' question kind)
for scale in $scales; do header+=$(printf ' %20s' "${scale}M cold|warm"); done
echo "$header   ratios"
heap_index=1
for i in "${!names[@]}"; do
  line=$(printf '%-36s %-6s' "${names[$i]}" "${kinds[$i]}")
  ratios=
  for scale in $scales; do
    line+=$(printf ' %20s' "${cold[$scale,$i]}|${warm[$scale,$i]}")
    [ "$scale" = 1 ] && continue
    if [ "${warm[$scale,$i]}" = timeout ]; then ratios+=" ${scale}M: timeout"; continue; fi
    case ${kinds[$i]} in
      window) [ -n "${warm[1,$i]:-}" ] && ratios+=" ${scale}M/1M=$(awk -v a="${warm[$scale,$i]}" -v b="${warm[1,$i]}" 'BEGIN { printf("%.2f", (b > 0 ? a / b : 0)) }')" ;;
      whole) ratios+=" ${scale}M/scan=$(awk -v a="${warm[$scale,$i]}" -v b="${warm[$scale,$heap_index]}" 'BEGIN { printf("%.2f", (b > 0 ? a / b : 0)) }')" ;;
    esac
  done
  echo "$line  $ratios"
done

if [ "$keep" = true ]; then
  echo "kept: the server's folder $dir/pg, databases: $(for scale in $scales; do printf '%s ' "$(db_of "$scale")"; done)"
  echo "  time the questions again: BENCH_DIR=$dir BENCH_PG_PORT=$pg_port scripts/bench_bi.sh --queries-only $([ -n "$only_db" ] && echo "--db $only_db" || echo "--scales \"$scales\"")"
fi
df -h "$dir" | tail -1 | awk '{ print "disk free after: " $4 }'
