#!/usr/bin/env bash
# The main job on a fresh machine: installs the Debian packages it needs,
# builds, starts a throwaway PostgreSQL and the bundled CI API emulator with a
# few thousand jobs, runs `migrate` and `sync`, and prints what landed.
#   scripts/demo.sh [--jobs N] [--keep]   --keep leaves PostgreSQL and the emulator running,
#                                         with a ready config, to go on by hand
#   scripts/demo.sh --stop                stops a kept demo and removes its files
# DEMO_DIR (default /tmp/ci-jobsync-demo), DEMO_PG_PORT (55499), DEMO_API_PORT (18080)
# and BUILD_DIR (build) say where. One demo at a time per DEMO_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
source scripts/lib_packages.sh
source scripts/lib_postgres.sh

jobs=5000
mode=run
keep=false
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    --stop) mode=stop; shift ;;
    *) echo "usage: scripts/demo.sh [--jobs N] [--keep] | --stop" >&2; exit 2 ;;
  esac
done

demo_dir=${DEMO_DIR:-/tmp/ci-jobsync-demo}
build_dir=$repo/${BUILD_DIR:-build}
state=$demo_dir/demo.state
pg_port=${DEMO_PG_PORT:-55499}
api_port=${DEMO_API_PORT:-18080}
# How to stop this demo: with its DEMO_DIR, when that is not the default.
stop_command="${DEMO_DIR:+DEMO_DIR=$demo_dir }scripts/demo.sh --stop"

# The state file claims demo_dir (created with noclobber, so two demos cannot both
# claim it) and records who runs the demo (the script, the emulator) and where.
alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }
is_emulator() { alive "$1" && tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -q ci-emulator; }
read_state() {
  script_pid='' emulator_pid='' state_pg_port='' state_api_port=''
  # shellcheck source=/dev/null
  if [ -f "$state" ]; then source "$state"; fi
}
claim_demo_dir() {
  mkdir -p "$demo_dir"
  (set -o noclobber && umask 077 &&
    printf 'script_pid=%s\nstate_pg_port=%s\nstate_api_port=%s\n' $$ "$pg_port" "$api_port" \
      >"$state") 2>/dev/null
}
demo_running() {
  read_state
  alive "$script_pid" || is_emulator "$emulator_pid" || [ -f "$demo_dir/pg/data/postmaster.pid" ]
}
stop_demo() {
  read_state
  if is_emulator "$emulator_pid"; then
    kill "$emulator_pid"
    for _ in $(seq 50); do is_emulator "$emulator_pid" || break; sleep 0.1; done
  fi
  pg_temp_stop "$demo_dir/pg"
  rm -rf "$demo_dir"
}
refuse_second_demo() {
  if alive "$script_pid"; then
    echo "a demo is being set up in $demo_dir by pid $script_pid; wait for it, then" \
      "$stop_command if it was started with --keep" >&2
  else
    echo "a demo is already running in $demo_dir (PostgreSQL on 127.0.0.1:${state_pg_port:-?}," \
      "emulator on 127.0.0.1:${state_api_port:-?}); stop it first: $stop_command" >&2
  fi
  exit 1
}

if [ "$mode" = stop ]; then
  if [ ! -d "$demo_dir" ]; then
    echo "no demo in $demo_dir: nothing to stop"
    exit 0
  fi
  read_state
  if alive "$script_pid"; then refuse_second_demo; fi
  cd /
  stop_demo
  echo "stopped the demo (emulator and PostgreSQL on 127.0.0.1:${state_pg_port:-?}) and removed $demo_dir"
  exit 0
fi

if demo_running; then refuse_second_demo; fi
if ! claim_demo_dir; then
  # What is left there belongs to a demo that died: nothing of it runs (checked above).
  stop_demo
  claim_demo_dir || { read_state; refuse_second_demo; }
fi
build_pid=
finish() {
  local status=$?
  if alive "$build_pid"; then kill "$build_pid"; fi
  if [ "$keep" = true ] && [ "$status" -eq 0 ]; then
    sed -i '/^script_pid=/d' "$state"
  else
    stop_demo
  fi
}
trap finish EXIT
trap 'exit 130' INT TERM
trap 'echo "scripts/demo.sh: line $LINENO failed: $BASH_COMMAND" >&2' ERR

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
for port_setting in "$pg_port DEMO_PG_PORT" "$api_port DEMO_API_PORT"; do
  read -r port variable <<<"$port_setting"
  if port_in_use "$port"; then
    echo "port $port on 127.0.0.1 is in use; choose another with $variable=N" >&2
    exit 1
  fi
done

ensure_packages

# A Release build of the two binaries only (not the tests). On a terminal, each
# one's progress (make's percentages count per target) on one line; then a
# line per binary, terminal or not.
build_log=$build_dir/demo-build.log
mkdir -p "$build_dir"
echo "building $build_dir/ci-jobsync and ci-emulator (log: $build_log)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Release >"$build_log" 2>&1 ||
  { cat "$build_log" >&2; exit 1; }
for target in ci-emulator ci-jobsync; do
  build_started=$SECONDS
  log_start=$(($(wc -l <"$build_log") + 1))
  nice cmake --build "$build_dir" -j "$(nproc)" --target "$target" >>"$build_log" 2>&1 &
  build_pid=$!
  while [ -t 1 ] && alive "$build_pid"; do
    percent=$(tail -n "+$log_start" "$build_log" | grep -o '^\[ *[0-9]*%\]' | tail -n 1 |
      tr -dc '0-9' || true)
    printf '\r  %s %s%%, %ss' "$target" "${percent:-0}" "$((SECONDS - build_started))"
    sleep 1
  done
  if [ -t 1 ]; then printf '\r\033[K'; fi
  if ! wait "$build_pid"; then
    tail -n 30 "$build_log" >&2
    echo "the build failed; the whole log is $build_log" >&2
    exit 1
  fi
  echo "  built $target in $((SECONDS - build_started)) s"
done
jobsync=$build_dir/ci-jobsync

# The cluster runs as postgres, who cannot enter root's checkout.
cd "$demo_dir"

pg_temp_start "$demo_dir/pg" "$pg_port"
createdb cijobsync
echo "PostgreSQL 15 on 127.0.0.1:$pg_port, database cijobsync"

# Demo credentials: the emulator verifies every request's signature with them.
# They go to the emulator by its environment, to the worker by the config below.
secret_id=AKIDdemo0123456789abcdef
secret_key=demo-secret-key-$RANDOM$RANDOM
# Jobs created over the last two days; the newest are still running.
start=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%S+0000)
# setsid: a kept emulator outlives the terminal that started it.
TENCENTCLOUD_SECRET_ID=$secret_id TENCENTCLOUD_SECRET_KEY=$secret_key setsid \
  "$build_dir/ci-emulator" --port "$api_port" --jobs "$jobs" --seed 42 --start "$start" \
  --tags Transcode,Snapshot,Animation,MediaInfo --port-file "$demo_dir/api.port" \
  >"$demo_dir/emulator.log" 2>&1 </dev/null &
echo "emulator_pid=$!" >>"$state"
read_state
for _ in $(seq 100); do [ -s "$demo_dir/api.port" ] && break; sleep 0.1; done
[ -s "$demo_dir/api.port" ] || { cat "$demo_dir/emulator.log" >&2; exit 1; }
echo "CI API emulator on 127.0.0.1:$api_port: $jobs jobs over the last two days (log: $demo_dir/emulator.log)"

config=$demo_dir/config.toml
(umask 077 && cat >"$config") <<TOML
# The demo's config: its PostgreSQL and emulator, and the keys the emulator checks.
[database]
url = "postgresql://postgres@127.0.0.1:$pg_port/cijobsync"
schema = "ci"

[credentials]
secret_id = "$secret_id"
secret_key = "$secret_key"

[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "http://127.0.0.1:$api_port"
tags = ["Transcode", "Snapshot", "Animation", "MediaInfo"]

[sync]
page_size = 100
lookback = "15m"
TOML

"$jobsync" --config "$config" -q migrate
echo "migrated the database (schema ci)"
echo
echo "== sync: the first run loads every job"
"$jobsync" --config "$config" sync
echo
echo "== a second run: only the window since the oldest unfinished job is re-read, unchanged jobs skipped"
"$jobsync" --config "$config" sync

export PGDATABASE=cijobsync
query() { psql -X -q -P pager=off -c "$1"; }
echo
echo "== jobs per tag and state"
query "SELECT tag, state, count(*) AS jobs FROM ci.jobs GROUP BY 1, 2 ORDER BY 1, 2"
echo "== rows per table"
query "
  SELECT 'jobs' AS table_name, count(*) FROM ci.jobs UNION ALL
  SELECT 'job_outputs', count(*) FROM ci.job_outputs UNION ALL
  SELECT 'job_watermark_templates', count(*) FROM ci.job_watermark_templates UNION ALL
  SELECT 'media_info', count(*) FROM ci.media_info UNION ALL
  SELECT 'media_streams', count(*) FROM ci.media_streams UNION ALL
  SELECT 'output_files', count(*) FROM ci.output_files"
echo "== MD5 audit sample: successful transcodes, their outputs and MD5s"
query "
  SELECT j.job_id, j.end_time, f.bucket, f.object_name, f.md5
  FROM ci.jobs j JOIN ci.output_files f USING (job_id)
  WHERE j.tag = 'Transcode' AND j.state = 'Success'
  ORDER BY j.end_time DESC LIMIT 5"
echo "== Success jobs with an output but no MD5 (should be none)"
query "
  SELECT count(*) AS success_without_md5 FROM ci.jobs j
  WHERE j.state = 'Success' AND EXISTS (SELECT 1 FROM ci.output_files f WHERE f.job_id = j.job_id AND f.md5 IS NULL)"
echo "== status"
"$jobsync" --config "$config" status

echo
if [ "$keep" = true ]; then
  cat <<KEPT
The demo keeps running. Its config, with the emulator's keys (mode 0600): $config
  $jobsync --config $config sync
  $jobsync --config $config verify
  $jobsync --config $config status
  $jobsync --config $config backfill --from 3d
Query the tables (the queries in docs/queries.md run as they are):
  PGOPTIONS='-c search_path=ci' psql -h 127.0.0.1 -p $pg_port -U postgres cijobsync
Stop it and remove its files: $stop_command
KEPT
else
  cat <<NEXT
next: scripts/demo.sh --keep leaves PostgreSQL and the emulator running and prints a ready
config, the sync/verify/status lines and a psql line; docs/queries.md has queries to try;
scripts/demo.sh --stop ends it. This demo stops now and removes $demo_dir.
NEXT
fi
