#!/usr/bin/env bash
# `audit` against COS with a real round trip: the emulator answers every HEAD
# after a fixed latency (--latency-ms). Syncs N jobs, then audits their output
# objects twice: with the default [audit] (max_requests_per_second = 50,
# concurrency = 8: the rate limit binds) and with the rate lifted (the
# concurrency binds: at most concurrency / latency HEADs/s). Prints HEADs/s of
# each beside its bound, and checks that a second audit sends no request.
# Its own Release build, PostgreSQL and emulator. Figures, not a test.
#   scripts/bench_audit.sh [--jobs N] [--latency-ms MS]
#     --jobs N         Transcode jobs, about one output object each (default 1500)
#     --latency-ms MS  latency of every answer (default 50)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_postgres.sh
source scripts/lib_bench.sh

bench_jobs_latency_args bench_audit.sh 1500 50 "$@"

bench_release_build "${BENCH_AUDIT_BUILD_DIR:-build-bench-audit}"

dir=${BENCH_DIR:-/tmp/ci-jobsync-bench-audit}
bench_start_postgres "${BENCH_PG_PORT:-55496}"

bench_start_latency_emulator 12 32

# config DB [AUDIT LINES]: a new database and its config.
config() {
  local db=$1 extra=${2:-}
  bench_transcode_config "$db" "[audit]
endpoint = \"$api\"
$extra"
  "$worker_bin" -q --config "$dir/$db.toml" sync
}

# audit DB: one audit; sets requests, seconds and rate from its summary line.
audit() {
  local db=$1 line status=0
  "$worker_bin" -q --config "$dir/$db.toml" audit >"$dir/$db.audit.log" 2>&1 || status=$?
  [ "$status" -le 1 ] || { echo "audit of $db failed ($status):" >&2; tail -20 "$dir/$db.audit.log" >&2; exit 1; }
  line=$(grep '^audit: ' "$dir/$db.audit.log" | tail -1)
  requests=$(echo "$line" | sed -n 's/.*; \([0-9]*\) requests.*/\1/p')
  seconds=$(echo "$line" | sed -n 's/.* retries, \([0-9.]*\) s.*/\1/p')
  checked=$(echo "$line" | sed -n 's/^audit: \([0-9]*\) of.*/\1/p')
  rate=$(awk -v r="$requests" -v s="$seconds" 'BEGIN { printf("%.1f", (s > 0 ? r / s : 0)) }')
}

echo "$jobs Transcode jobs, ${latency_ms} ms per answer; $(nproc) cores, shared"
echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet 2>/dev/null || echo '+local changes')"

config defaults
audit defaults
echo "default [audit] (50/s, concurrency 8): $checked objects, $requests HEADs in ${seconds} s: ${rate} HEADs/s (limit 50/s)"
audit defaults
[ "$requests" = 0 ] || { echo "a second audit sent $requests requests" >&2; exit 1; }
echo "second audit, nothing new: $requests requests"

config unbounded "max_requests_per_second = 100000"
audit unbounded
bound=$(awk -v c=8 -v l="$latency_ms" 'BEGIN { printf("%.0f", c * 1000 / l) }')
echo "rate lifted (concurrency 8): $checked objects, $requests HEADs in ${seconds} s: ${rate} HEADs/s (bound 8 / ${latency_ms} ms = ${bound}/s)"
