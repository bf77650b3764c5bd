#!/usr/bin/env bash
# The listener's figures (issue 12), on this machine, in one run: how many
# TaskFinish callbacks a second `ci-jobsync listen` turns into final rows,
# and the latency from a job finishing at the source to its row being final.
# Figures, not a test. Own Release build (build-bench-listen/), own durable
# PostgreSQL and emulator; the emulator calls the listener back over loopback.
#   scripts/bench_listen.sh [--jobs N] [--rates "50 200 0"]
#     --jobs N    jobs in the dataset, half of them unfinished (default 6000)
#     --rates R   finish rates to try, jobs/s; 0 = all at once (a burst)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh
source scripts/lib_postgres.sh
source scripts/lib_bench.sh

jobs=6000
rates="50 200 0"
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --rates) rates=$2; shift 2 ;;
    *) echo "usage: scripts/bench_listen.sh [--jobs N] [--rates \"50 200 0\"]" >&2; exit 2 ;;
  esac
done

ensure_packages curl
cmake -S . -B build-bench-listen -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench-listen -j "$(nproc)" --target ci-jobsync ci-emulator >/dev/null
bin=build-bench-listen

dir=${BENCH_DIR:-/tmp/ci-jobsync-bench-listen}
pg_port=${BENCH_PG_PORT:-55496}
rm -rf "$dir" && mkdir -p "$dir"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  pg_temp_stop "$dir/pg"
}
trap cleanup EXIT

pg_temp_start "$dir/pg" "$pg_port"
q() { psql -X -Atq -d bench -c "$1"; }
createdb bench

bench_admin_token
(umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$dir/listen_token")
export CI_JOBSYNC_LISTEN_TOKEN=$(cat "$dir/listen_token")
listen_port=$((20000 + RANDOM % 20000))

# Half the jobs paused, so the sync stores them unfinished and each later
# finish is one callback. The newest job is an hour old: all of them settled.
start=$(date -u -d "@$(($(date +%s) - jobs * 10 - 3600))" +%Y-%m-%dT%H:%M:%S+0000)
"$bin/ci-emulator" --jobs "$jobs" --seed 11 --start "$start" --spacing-seconds 10 \
  --tags Transcode --old-unfinished-rate 0.5 --admin-token-file "$dir/admin_token" \
  --callback-url "http://127.0.0.1:$listen_port/ci/notify?token=$CI_JOBSYNC_LISTEN_TOKEN" \
  --callback-concurrency 4 --port-file "$dir/api.port" >"$dir/emulator.log" 2>&1 &
pids+=($!)
bench_wait_emulator

cat >"$dir/config.toml" <<TOML
[database]
url = "postgresql://postgres@127.0.0.1:$pg_port/bench"
[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "$api"
tags = ["Transcode"]
[listen]
address = "127.0.0.1:$listen_port"
path = "/ci/notify"
TOML
"$bin/ci-jobsync" -q --config "$dir/config.toml" migrate
"$bin/ci-jobsync" -q --config "$dir/config.toml" sync
unfinished_sql="SELECT job_id FROM ci.jobs WHERE state NOT IN ('Success', 'Failed', 'Cancel') ORDER BY job_id"
q "$unfinished_sql" >"$dir/unfinished.txt"
total=$(wc -l <"$dir/unfinished.txt")
echo "PostgreSQL $(q 'SHOW server_version') (durable defaults); $jobs jobs, $total unfinished after the first sync"
echo "machine: $(nproc) cores; other processes on it add noise"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

"$bin/ci-jobsync" --config "$dir/config.toml" listen >"$dir/listen.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$listen_port/healthz" >/dev/null && break; sleep 0.1; done
q "CREATE TABLE finished_at (job_id text PRIMARY KEY, at timestamptz NOT NULL)"

# finish_paced RATE IDS_FILE: finishes the jobs of IDS_FILE at the source at
# RATE a second (ten calls a second), or all in one call for 0, recording
# when each was finished.
finish_paced() {
  local rate=$1 file=$2 per_call ids now
  if [ "$rate" = 0 ]; then
    # Back to back, 400 ids a call: a longer URL overflows the emulator's
    # request memory (libmicrohttpd's default 32 KiB).
    now=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
    while read -r ids; do
      admin_curl -X POST "$api/_emulator/finish?ids=$ids" >/dev/null
    done < <(paste -d, $(printf -- '- %.0s' $(seq 400)) <"$file" | sed 's/,*$//')
    sed "s/\$/\t$now/" "$file" >>"$dir/finished.tsv"
    return
  fi
  per_call=$(((rate + 9) / 10))
  local t0 i=0
  t0=$(date +%s.%N)
  while read -r ids; do
    now=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
    admin_curl -X POST "$api/_emulator/finish?ids=$ids" >/dev/null
    tr ',' '\n' <<<"$ids" | sed "s/\$/\t$now/" >>"$dir/finished.tsv"
    i=$((i + 1))
    sleep "$(awk -v t0="$t0" -v i="$i" -v now="$(date +%s.%N)" 'BEGIN { d = t0 + i / 10 - now; print (d > 0 ? d : 0) }')"
  done < <(paste -d, $(printf -- '- %.0s' $(seq "$per_call")) <"$file" | sed 's/,*$//')
}

printf '\n%-22s %8s %10s %12s %9s %9s %9s\n' "finish rate" "jobs" "rows/s" "by-id reqs" "p50" "p95" "max"
offset=0
step=$(( total / $(wc -w <<<"$rates") ))
for rate in $rates; do
  sed -n "$((offset + 1)),$((offset + step))p" "$dir/unfinished.txt" >"$dir/batch.txt"
  offset=$((offset + step))
  n=$(wc -l <"$dir/batch.txt")
  : >"$dir/finished.tsv"
  requests0=$(admin_curl "$api/_emulator/stats" | sed 's/.*jobs_requests=\([0-9]*\).*/\1/')
  finish_paced "$rate" "$dir/batch.txt"
  # Until every job of the step has its final row (or 120 s).
  for _ in $(seq 1200); do
    left=$(q "SELECT count(*) FROM ci.jobs WHERE job_id IN ($(sed "s/.*/'&'/" "$dir/batch.txt" | paste -sd,)) AND state NOT IN ('Success', 'Failed', 'Cancel')")
    [ "$left" = 0 ] && break
    sleep 0.1
  done
  requests=$(($(admin_curl "$api/_emulator/stats" | sed 's/.*jobs_requests=\([0-9]*\).*/\1/') - requests0))
  q "TRUNCATE finished_at"
  psql -X -q -d bench -c "\\copy finished_at FROM '$dir/finished.tsv'"
  IFS='|' read -r rows_per_s p50 p95 pmax <<<"$(q "
    SELECT round(count(*) / greatest(extract(epoch FROM max(j.last_synced_at) - min(f.at)), 0.001))::bigint,
      round(percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM j.last_synced_at - f.at))::numeric, 3),
      round(percentile_cont(0.95) WITHIN GROUP (ORDER BY extract(epoch FROM j.last_synced_at - f.at))::numeric, 3),
      round(max(extract(epoch FROM j.last_synced_at - f.at))::numeric, 3)
    FROM finished_at f JOIN ci.jobs j USING (job_id)
    WHERE j.state IN ('Success', 'Failed', 'Cancel')")"
  label=$([ "$rate" = 0 ] && echo "burst (all at once)" || echo "$rate jobs/s")
  printf '%-22s %8s %10s %12s %8ss %8ss %8ss%s\n' "$label" "$n" "$rows_per_s" "$requests" "$p50" "$p95" "$pmax" \
    "$([ "$left" = 0 ] || echo "   ($left never final)")"
done
stats=$(admin_curl "$api/_emulator/stats")
echo
echo "emulator: $(grep -o 'callbacks_[a-z]*=[0-9]*' <<<"$stats" | paste -sd' ')"
echo "latency: from the source finishing the job to its row's last_synced_at (the fetch's transaction)"
