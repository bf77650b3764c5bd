#!/usr/bin/env bash
# What syncing workflow runs and batch jobs costs in requests (issue 23): a
# first sync of a bucket with W workflows (`workflows = "discover"`,
# `batch_jobs = true`), a no-op run, then a run after N runs finished and M
# new runs arrived. For the two later runs it prints, per endpoint, the
# requests the emulator answered against what the design predicts, and their
# ratio, in the same run:
#   no-op:  ceil(W / 100) discovery pages + 1 page per workflow + 1 batch-job
#           page + 1 detail per run stored unfinished
#   after:  the same, with each workflow's pages max(1, ceil(new runs / 100)),
#           + 1 detail per new run
# The emulator answers every request after --latency-ms (loopback). Its own
# Release build, PostgreSQL and emulator. Figures, not a test.
#   scripts/bench_workflows.sh [--jobs N] [--workflows W] [--latency-ms MS]
#                              [--finish N] [--new-runs M]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_postgres.sh
source scripts/lib_bench.sh

jobs=20000 workflows=150 latency_ms=20 finish=50 new_runs=300
usage() {
  echo "usage: scripts/bench_workflows.sh [--jobs N] [--workflows W] [--latency-ms MS] [--finish N] [--new-runs M]" >&2
  exit 2
}
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || usage
  case $1 in
    --jobs) jobs=$2 ;;
    --workflows) workflows=$2 ;;
    --latency-ms) latency_ms=$2 ;;
    --finish) finish=$2 ;;
    --new-runs) new_runs=$2 ;;
    *) usage ;;
  esac
  shift 2
done
page=100 # sync.page_size and the GET /workflow page size the sync asks for

bench_release_build "${BENCH_WORKFLOWS_BUILD_DIR:-build-bench-workflows}"
dir=${BENCH_DIR:-/tmp/ci-jobsync-bench-workflows}
bench_start_postgres "${BENCH_PG_PORT:-55493}"
bench_admin_token

# Jobs 30 s apart, the newest a day old; 5% of the older ones paused, so their
# runs stay Running (the runs a no-op sync refreshes by detail).
start=$(date -u -d "@$(($(date +%s) - jobs * 30 - 86400))" +%Y-%m-%dT%H:%M:%S+0000)
"$emulator_bin" --jobs "$jobs" --seed 23 --start "$start" --spacing-seconds 30 --tags Transcode \
  --workflows "$workflows" --old-unfinished-rate 0.05 --latency-ms "$latency_ms" --threads 16 \
  --admin-token-file "$dir/admin_token" --port-file "$dir/api.port" >"$dir/emulator.log" 2>&1 &
emulator_pid=$!
bench_wait_emulator

createdb workflows
cat >"$dir/workflows.toml" <<TOML
[database]
url = "postgresql://postgres@127.0.0.1:$pg_port/workflows"
[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "$api"
tags = ["Transcode"]
workflows = "discover"
batch_jobs = true
[sync]
page_size = $page
TOML

q() { psql -X -Atq -d workflows -c "$1"; }
# stat NAME: the counter NAME of /_emulator/stats.
stats=
stat() { echo "$stats" | sed -n "s/.* $1=\([0-9]*\).*/\1/p"; }
kinds="workflow_list_requests run_list_requests batch_list_requests run_detail_requests batch_detail_requests"
# run LABEL: one sync; sets the per-kind request counts it caused and wall (s).
run() {
  local label=$1 kind before_stats started
  before_stats=$(admin_curl "$api/_emulator/stats")
  started=$(date +%s.%N)
  "$worker_bin" --config "$dir/workflows.toml" sync >"$dir/$label.log" 2>&1 ||
    { echo "$label sync failed:" >&2; tail -20 "$dir/$label.log" >&2; exit 1; }
  wall=$(awk -v a="$(date +%s.%N)" -v b="$started" 'BEGIN { printf("%.1f", a - b) }')
  stats=$(admin_curl "$api/_emulator/stats")
  for kind in $kinds; do
    printf -v "got_$kind" '%s' \
      "$(($(stat "$kind") - $(echo "$before_stats" | sed -n "s/.* $kind=\([0-9]*\).*/\1/p")))"
  done
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf("%.2f", (b > 0 ? a / b : (a == 0 ? 1 : 0))) }'; }
# report LABEL, then expected counts as exp_<kind>: one line per kind and the total.
report() {
  local label=$1 kind got exp total_got=0 total_exp=0
  echo "$label: $wall s"
  for kind in $kinds; do
    got=$(eval echo "\$got_$kind")
    exp=$(eval echo "\$exp_$kind")
    total_got=$((total_got + got)) total_exp=$((total_exp + exp))
    printf '  %-22s measured %6d  expected %6d  RATIO %s\n' "$kind" "$got" "$exp" "$(ratio "$got" "$exp")"
  done
  printf '  %-22s measured %6d  expected %6d  RATIO %s\n' total "$total_got" "$total_exp" "$(ratio "$total_got" "$total_exp")"
}
ceil_div() { echo $((($1 + $2 - 1) / $2)); }

echo "$jobs Transcode jobs, $workflows workflows, ${latency_ms} ms per request, pages of $page; $(nproc) cores"
run first
runs=$(q 'SELECT count(*) FROM ci.workflow_runs')
batches=$(q 'SELECT count(*) FROM ci.batch_jobs')
echo "first sync: $wall s, $runs runs, $(q 'SELECT count(*) FROM ci.workflow_run_tasks') tasks, $batches batch jobs;" \
  "requests: $got_workflow_list_requests discovery, $got_run_list_requests run pages, $got_run_detail_requests run details, $got_batch_list_requests batch-job pages"

# A no-op run.
unfinished=$(q "SELECT count(*) FROM ci.workflow_runs WHERE state NOT IN ('Success', 'Failed', 'Cancel')")
exp_workflow_list_requests=$(ceil_div "$workflows" "$page")
exp_run_list_requests=$workflows
exp_batch_list_requests=1
exp_run_detail_requests=$unfinished
exp_batch_detail_requests=0
run noop
report "no-op run ($unfinished runs unfinished)"

# N runs finish, M new ones arrive (two minutes old: inside the next window),
# spread over the workflows that have runs.
unfinished=$(q "SELECT count(*) FROM ci.workflow_runs WHERE state NOT IN ('Success', 'Failed', 'Cancel')")
finishing=$(q "SELECT string_agg(run_id, ',') FROM (SELECT run_id FROM ci.workflow_runs WHERE state NOT IN ('Success', 'Failed', 'Cancel') ORDER BY run_id LIMIT $finish) r")
finished=$(admin_curl -X POST "$api/_emulator/finish?runs=$finishing")
mapfile -t with_runs < <(q 'SELECT DISTINCT workflow_id FROM ci.workflow_runs ORDER BY 1')
created=$(date -u -d "@$(($(date +%s) - 120))" +%Y-%m-%dT%H:%M:%SZ) # no '+': a query's '+' is a space
exp_run_list_requests=$workflows
for i in "${!with_runs[@]}"; do
  share=$((new_runs / ${#with_runs[@]} + (i < new_runs % ${#with_runs[@]} ? 1 : 0)))
  admin_curl -X POST "$api/_emulator/jobs?count=$share&tag=Transcode&workflow=${with_runs[$i]}&creation_time=$created" >/dev/null
  pages=$(ceil_div "$share" "$page")
  exp_run_list_requests=$((exp_run_list_requests + (pages > 1 ? pages - 1 : 0)))
done
exp_run_detail_requests=$((unfinished + new_runs))
run after
report "after $finished runs finished and $new_runs new ($unfinished unfinished before)"
stored=$(q 'SELECT count(*) FROM ci.workflow_runs')
[ "$stored" = $((runs + new_runs)) ] || { echo "stored $stored runs, not $((runs + new_runs))" >&2; exit 1; }
