#!/usr/bin/env bash
# The output audits at scale (issues 22 and 24): about 1,000,000 output files
# synced by the worker from the emulator, `VACUUM ANALYZE`, then the
# auditor's questions, each beside a full scan of output_files and a heap
# scan of jobs in the same run, asked of this tree's views and of main's
# (0002/0013's definitions, created in a schema `main_views` over the same
# tables): a per-verdict count of v_output_audit, the flagged count of
# v_output_md5_audit, one object of each, docs/queries.md's
# output_object_writers.
# Checks are recorded in SQL, as `audit` would record them (a HEAD per object
# would take hours at the default rate): most newest writers checked, in
# every status, some checks stale.
# Each time is the median of three runs after one warm-up run; a question
# still running after --timeout seconds is cancelled and shown as such.
# Sessions as a BI role would have them: jit off, work_mem the server's
# default (4MB) unless --work-mem says otherwise.
# Its own Release build, PostgreSQL (durable defaults) and emulator, in
# $BENCH_DIR (default /tmp/ci-jobsync-bench-outputs, about 3 GB at the
# default size). Figures, not a test.
#   scripts/bench_outputs.sh [--jobs N] [--work-mem SIZE] [--timeout S] [--keep]
#   scripts/bench_outputs.sh --queries-only [--work-mem SIZE] [--timeout S]
#     --jobs N        jobs to sync (default 570000: about 1,000,000 output files)
#     --work-mem SIZE work_mem of the timed sessions (default: the server's)
#     --timeout S     cancel a question after S seconds (default 120)
#     --keep          leave the server's folder for --queries-only
#     --queries-only  time the questions again on the server kept by --keep
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_postgres.sh
source scripts/lib_bench.sh

jobs=570000 work_mem= timeout=120 keep=false queries_only=false
usage='usage: scripts/bench_outputs.sh [--jobs N] [--work-mem SIZE] [--timeout S] [--keep] | --queries-only [--work-mem SIZE] [--timeout S]'
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --work-mem) work_mem=$2; shift 2 ;;
    --timeout) timeout=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --queries-only) queries_only=true; keep=true; shift ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done

dir=${BENCH_DIR:-/tmp/ci-jobsync-bench-outputs}
pg_port=${BENCH_PG_PORT:-55495}
db=outputs
emulator_pid=
cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  if [ "$keep" = true ]; then
    pg_as_owner "$(pg_bindir)/pg_ctl" -D "$dir/pg/data" -m fast -w stop >/dev/null 2>&1 || true
    echo "kept: $dir (scripts/bench_outputs.sh --queries-only; rm -rf it when done)"
  else
    pg_temp_stop "$dir/pg"
    rm -rf "$dir"
  fi
}
q() { psql -X -Atq -d "$db" -c "SET search_path = ci" -c "$1"; }

if [ "$queries_only" = true ]; then
  [ -f "$dir/pg/data/PG_VERSION" ] || { echo "no kept server in $dir/pg (run with --keep first)" >&2; exit 2; }
  trap cleanup EXIT
  pg_temp_start "$dir/pg" "$pg_port"
else
  bench_release_build "${BENCH_OUTPUTS_BUILD_DIR:-build-bench-outputs}"
  rm -rf "$dir" && mkdir -p "$dir"
  trap cleanup EXIT
  pg_temp_start "$dir/pg" "$pg_port"

  tags=Transcode,Animation,Snapshot,Concat,VideoEnhance
  spacing=7
  start=$(date -u -d "@$(($(date +%s) - jobs * spacing - 86400))" +%Y-%m-%dT%H:%M:%S+0000)
  bench_admin_token
  t0=$(date +%s)
  "$emulator_bin" --jobs "$jobs" --seed 24 --start "$start" --spacing-seconds "$spacing" \
    --tags "$tags" --admin-token-file "$dir/admin_token" \
    --port-file "$dir/api.port" >"$dir/emulator.log" 2>&1 &
  emulator_pid=$!
  bench_wait_generated "$emulator_pid"
  admin_curl -X POST "$api/_emulator/finish" >/dev/null
  echo "emulator: $jobs jobs of $tags ready in $(($(date +%s) - t0)) s"

  createdb "$db"
  cat >"$dir/$db.toml" <<TOML
[database]
url = "postgresql://postgres@127.0.0.1:$pg_port/$db"
[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "$api"
tags = [$(echo "$tags" | sed 's/[^,]*/"&"/g')]
TOML
  t0=$(date +%s)
  "$worker_bin" -q --config "$dir/$db.toml" sync
  echo "synced by the worker in $(($(date +%s) - t0)) s"
  kill "$emulator_pid" 2>/dev/null || true
  wait "$emulator_pid" 2>/dev/null || true
  emulator_pid=

  # Checks as `audit` records them: nine objects in ten, statuses and ETags
  # mixed, one check in seven made before the newest writer (stale).
  q "INSERT INTO output_checks (bucket, object_name, region, checked_at, http_status, \"exists\",
                              etag, writer_job_id, reported_md5)
     SELECT bucket, object_name, 'ap-guangzhou', now(),
            (ARRAY[200, 200, 200, 200, 200, 200, 404, 403, 503])[1 + n % 9], n % 9 < 6,
            CASE n % 4 WHEN 0 THEN md5 WHEN 1 THEN upper(md5)
                       WHEN 2 THEN 'ffffffffffffffffffffffffffffffff' ELSE md5 || '-3' END,
            CASE WHEN n % 7 = 0 THEN 'an-older-writer' ELSE job_id END, md5
     FROM (SELECT DISTINCT ON (f.bucket, f.object_name) f.bucket, f.object_name, f.job_id, f.md5,
                  row_number() OVER () AS n
           FROM output_files f JOIN jobs j ON j.job_id = f.job_id
           WHERE j.state = 'Success' AND f.bucket IS NOT NULL AND f.object_name IS NOT NULL
           ORDER BY f.bucket, f.object_name, j.creation_time DESC, f.job_id DESC) w
     WHERE n % 10 <> 0"
  # main's definitions over the same tables, for the same questions.
  psql -X -Atq -d "$db" -c "CREATE SCHEMA main_views" -c "SET search_path = main_views, ci" \
    -c "$(sed -n '/^CREATE VIEW v_output_writers/,$p' migrations/0013_output_checks.sql)" \
    -c "$(sed -n '/^CREATE VIEW v_output_md5_audit/,/^LEFT JOIN per_md5/p' migrations/0002_views.sql)"
  q "VACUUM ANALYZE"
fi

echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+local changes')"
settings=(-c "SET jit = off")
[ -z "$work_mem" ] || settings+=(-c "SET work_mem = '$work_mem'")
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); PostgreSQL $(q 'SHOW server_version')," \
  "work_mem $(psql -X -Atq -d "$db" "${settings[@]}" -c 'SHOW work_mem'), shared_buffers $(q 'SHOW shared_buffers'), jit off"
echo "$(q 'SELECT count(*) FROM jobs') jobs, $(q 'SELECT count(*) FROM output_files') output files," \
  "$(q "SELECT count(*) FROM output_files WHERE job_state = 'Success'") of Success jobs," \
  "$(q 'SELECT count(*) FROM (SELECT DISTINCT bucket, object_name FROM output_files) o') objects," \
  "$(q 'SELECT count(*) FROM output_checks') checks"
echo "database $(q "SELECT pg_size_pretty(pg_database_size('$db'))"); jobs heap" \
  "$(q "SELECT pg_size_pretty(pg_relation_size('jobs'))"); output_files" \
  "$(q "SELECT pg_size_pretty(pg_relation_size('output_files'))"), its object index" \
  "$(q "SELECT pg_size_pretty(pg_relation_size('output_files_object_idx'))"), its MD5 index" \
  "$(q "SELECT pg_size_pretty(pg_relation_size('output_files_md5_idx'))")"

# median_ms SCHEMA SQL: the median of three timed runs after a warm-up, in
# ms, with SCHEMA's views first on the search path; "" when cancelled.
median_ms() {
  local path=$1 sql=$2 times=() out
  for _ in 1 2 3 4; do
    out=$(psql -X -Atq -d "$db" -c "SET search_path = $path" "${settings[@]}" \
      -c "SET statement_timeout = '${timeout}s'" -c '\timing on' -c "$sql" 2>/dev/null) || return 0
    times+=("$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1)")
  done
  printf '%s\n' "${times[@]:1}" | sort -n | sed -n 2p
}
object=$(q "SELECT bucket || '/' || object_name FROM output_files GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1")
single=$(q "SELECT bucket || '/' || object_name FROM output_files GROUP BY 1 HAVING count(*) = 1 ORDER BY 1 LIMIT 1")
jobs_heap=$(median_ms ci "SET enable_indexonlyscan = off; SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT count(*) FROM jobs")
files_scan=$(median_ms ci "SELECT count(*), max(md5) FROM output_files")
printf '%-52s %10s %8s %8s %10s %8s\n' question "ms" "/ jobs" "/ files" "main ms" "/ jobs"
ratio() { if [ -n "$1" ]; then printf '%8.1fx' "$(echo "$1 / $2" | bc -l)"; else printf '%9s' '-'; fi; }
ms() { if [ -n "$1" ]; then printf '%10.1f' "$1"; else printf '%10s' "> ${timeout} s"; fi; }
# row LABEL SQL [main]: this tree's views, and main's when asked.
row() {
  local label=$1 sql=$2 mine main=
  mine=$(median_ms ci "$sql")
  printf '%-52s %s %s %s' "$label" "$(ms "$mine")" "$(ratio "$mine" "$jobs_heap")" "$(ratio "$mine" "$files_scan")"
  if [ "${3:-}" = main ]; then
    main=$(median_ms main_views,ci "$sql")
    printf ' %s %s' "$(ms "$main")" "$(ratio "$main" "$jobs_heap")"
  fi
  echo
}
one() { echo "bucket = '${1%%/*}' AND object_name = '${1#*/}'"; }
row "heap scan of jobs" "SET enable_indexonlyscan = off; SET enable_indexscan = off; SET enable_bitmapscan = off; SELECT count(*) FROM jobs"
row "full scan of output_files" "SELECT count(*), max(md5) FROM output_files"
row "v_output_audit, a count per verdict" "SELECT verdict, count(*) FROM v_output_audit GROUP BY verdict" main
row "v_output_md5_audit WHERE flagged, a count" "SELECT count(*) FROM v_output_md5_audit WHERE flagged" main
writers=$(q "SELECT count(DISTINCT job_id) FROM output_files WHERE $(one "$object")")
row "v_output_audit, one object ($writers writers)" "SELECT * FROM v_output_audit WHERE $(one "$object")" main
row "v_output_md5_audit, one object ($writers writers)" "SELECT * FROM v_output_md5_audit WHERE $(one "$object")" main
row "output_object_writers ($writers writers)" "SELECT job_id, tag, state, md5, writer_jobs, distinct_md5s
  FROM v_output_md5_audit WHERE $(one "$object") ORDER BY end_time, job_id" main
row "v_output_audit, one object (1 writer)" "SELECT * FROM v_output_audit WHERE $(one "$single")" main
row "v_output_md5_audit, one object (1 writer)" "SELECT * FROM v_output_md5_audit WHERE $(one "$single")" main
row "output_object_writers (1 writer)" "SELECT job_id, tag, state, md5, writer_jobs, distinct_md5s
  FROM v_output_md5_audit WHERE $(one "$single") ORDER BY end_time, job_id" main
q "SELECT verdict, count(*) FROM v_output_audit GROUP BY verdict ORDER BY 1" | tr '\n' ' ' | sed 's/^/verdicts: /'
echo
