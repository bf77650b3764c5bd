# Shared set-up of the benchmark scripts (bench.sh, bench_latency.sh, bench_audit.sh,
# bench_listen.sh): the signing credentials, the emulator's admin token,
# waiting for a started emulator, and what the two latency benchmarks share
# (options, emulator, config). Source it; $dir is the script's work folder.

# Throwaway credentials: the emulator checks signatures made with them.
export TENCENTCLOUD_SECRET_ID=AKIDbench0123456789abcdef
export TENCENTCLOUD_SECRET_KEY=bench-secret-key-$RANDOM$RANDOM

# bench_admin_token: a random admin token for the emulator in $dir/admin_token
# (files keep it off command lines) and admin_curl, which sends it.
bench_admin_token() {
  (umask 077 && od -An -tx1 -N16 /dev/urandom | tr -d ' \n' >"$dir/admin_token" &&
    printf 'Authorization: Bearer %s\n' "$(cat "$dir/admin_token")" >"$dir/admin_header")
}
admin_curl() { curl -sf -H "@$dir/admin_header" "$@"; }

# bench_wait_emulator: waits up to two minutes for the emulator started with
# --port-file "$dir/api.port" and sets api to its base URL; prints its log
# and fails when it never listens.
bench_wait_emulator() {
  for _ in $(seq 1200); do [ -s "$dir/api.port" ] && break; sleep 0.1; done
  [ -s "$dir/api.port" ] || { cat "$dir/emulator.log" >&2; return 1; }
  api="http://127.0.0.1:$(cat "$dir/api.port")"
}

# bench_wait_generated PID: waits for the emulator PID to generate a large
# dataset and listen (minutes for a million jobs on a busy machine: up to 20),
# then as bench_wait_emulator.
bench_wait_generated() {
  for _ in $(seq 1200); do
    [ -s "$dir/api.port" ] || ! kill -0 "$1" 2>/dev/null && break
    sleep 1
  done
  bench_wait_emulator
}

# bench_release_build BUILD_DIR: a Release build of the worker and the
# emulator only; sets worker_bin and emulator_bin.
bench_release_build() {
  cmake -S . -B "$1" -DCMAKE_BUILD_TYPE=Release -DJOBSYNC_BUILD_TESTS=OFF >/dev/null
  cmake --build "$1" -j "$(nproc)" --target ci-jobsync ci-emulator >/dev/null
  worker_bin=$(find "$1" -name ci-jobsync -type f | head -1)
  emulator_bin=$(find "$1" -name ci-emulator -type f | head -1)
}

# bench_start_postgres PORT: an empty $dir and a throwaway PostgreSQL in
# $dir/pg on PORT; on exit the emulator ($emulator_pid, once started) and
# PostgreSQL are stopped.
bench_start_postgres() {
  pg_port=$1
  rm -rf "$dir" && mkdir -p "$dir"
  emulator_pid=
  trap bench_cleanup EXIT
  pg_temp_start "$dir/pg" "$pg_port"
}
bench_cleanup() {
  if [ -n "$emulator_pid" ]; then kill "$emulator_pid" 2>/dev/null || true; wait "$emulator_pid" 2>/dev/null || true; fi
  pg_temp_stop "$dir/pg"
}

# bench_jobs_latency_args SCRIPT JOBS LATENCY_MS "$@": sets jobs and
# latency_ms from --jobs N and --latency-ms MS (else the defaults given);
# anything else prints SCRIPT's usage and exits 2.
bench_jobs_latency_args() {
  local script=$1
  jobs=$2 latency_ms=$3
  shift 3
  while [ $# -gt 0 ]; do
    case $1 in
      --jobs) jobs=$2; shift 2 ;;
      --latency-ms) latency_ms=$2; shift 2 ;;
      *) echo "usage: scripts/$script [--jobs N] [--latency-ms MS]" >&2; exit 2 ;;
    esac
  done
}

# bench_start_latency_emulator SEED THREADS: $jobs Transcode jobs 30 s apart,
# the newest a day old (all inside a first window), every answer after
# $latency_ms; waits for it (sets api).
bench_start_latency_emulator() {
  local spacing=30 start
  start=$(date -u -d "@$(($(date +%s) - jobs * spacing - 86400))" +%Y-%m-%dT%H:%M:%S+0000)
  "$emulator_bin" --jobs "$jobs" --seed "$1" --start "$start" --spacing-seconds "$spacing" \
    --tags Transcode --latency-ms "$latency_ms" --threads "$2" \
    --port-file "$dir/api.port" >"$dir/emulator.log" 2>&1 &
  emulator_pid=$!
  bench_wait_emulator
}

# bench_transcode_config DB [LINES]: a new database DB and $dir/DB.toml with
# one Transcode source against $api, then LINES.
bench_transcode_config() {
  createdb "$1"
  cat >"$dir/$1.toml" <<TOML
[database]
url = "postgresql://postgres@127.0.0.1:$pg_port/$1"
[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "$api"
tags = ["Transcode"]
${2:-}
TOML
}
