#!/usr/bin/env bash
# The main job on a fresh machine: installs the Debian packages it needs,
# builds, starts a throwaway PostgreSQL and the bundled CI API emulator with a
# few thousand jobs, runs `migrate` and `sync`, and prints what landed.
#   scripts/demo.sh [--jobs N] [--keep]     --keep leaves PostgreSQL and the emulator running
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh
source scripts/lib_postgres.sh

jobs=5000
keep=false
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --keep) keep=true; shift ;;
    *) echo "usage: scripts/demo.sh [--jobs N] [--keep]" >&2; exit 2 ;;
  esac
done

ensure_packages
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j "$(nproc)" >/dev/null
echo "built build/ci-jobsync and build/ci-emulator"

demo_dir=${DEMO_DIR:-/tmp/ci-jobsync-demo}
pg_port=${DEMO_PG_PORT:-55499}
api_port=${DEMO_API_PORT:-18080}
rm -rf "$demo_dir" && mkdir -p "$demo_dir"
emulator_pid=
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null && wait "$emulator_pid" 2>/dev/null
  pg_temp_stop "$demo_dir/pg"
}
if [ "$keep" = false ]; then trap cleanup EXIT; fi

pg_temp_start "$demo_dir/pg" "$pg_port"
createdb cijobsync
echo "PostgreSQL 15 on 127.0.0.1:$pg_port, database cijobsync"

# Demo credentials: the emulator verifies every request's signature with them.
export TENCENTCLOUD_SECRET_ID=AKIDdemo0123456789abcdef
export TENCENTCLOUD_SECRET_KEY=demo-secret-key-$RANDOM$RANDOM
# Jobs created over the last two days; the newest are still running.
start=$(date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%S+0000)
build/ci-emulator --port "$api_port" --jobs "$jobs" --seed 42 --start "$start" \
  --tags Transcode,Snapshot,Animation,MediaInfo --port-file "$demo_dir/api.port" \
  >"$demo_dir/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 100); do [ -s "$demo_dir/api.port" ] && break; sleep 0.1; done
[ -s "$demo_dir/api.port" ] || { cat "$demo_dir/emulator.log" >&2; exit 1; }
cat "$demo_dir/emulator.log"

cat >"$demo_dir/config.toml" <<TOML
[database]
url = "postgresql://postgres@127.0.0.1:$pg_port/cijobsync"
schema = "ci"

# secret_id / secret_key come from TENCENTCLOUD_SECRET_ID / TENCENTCLOUD_SECRET_KEY.

[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "http://127.0.0.1:$(cat "$demo_dir/api.port")"
tags = ["Transcode", "Snapshot", "Animation", "MediaInfo"]

[sync]
page_size = 100
lookback = "15m"
TOML

build/ci-jobsync --config "$demo_dir/config.toml" migrate
build/ci-jobsync --config "$demo_dir/config.toml" sync
echo
echo "== a second run: only the window since the oldest unfinished job is re-read, unchanged jobs skipped"
build/ci-jobsync --config "$demo_dir/config.toml" sync

export PGDATABASE=cijobsync
echo
echo "== jobs per tag and state"
psql -X -q -P pager=off -c "SELECT tag, state, count(*) AS jobs FROM ci.jobs GROUP BY 1, 2 ORDER BY 1, 2"
echo "== rows per table"
psql -X -q -P pager=off -c "
  SELECT 'jobs' AS table_name, count(*) FROM ci.jobs UNION ALL
  SELECT 'job_outputs', count(*) FROM ci.job_outputs UNION ALL
  SELECT 'job_watermark_templates', count(*) FROM ci.job_watermark_templates UNION ALL
  SELECT 'media_info', count(*) FROM ci.media_info UNION ALL
  SELECT 'media_streams', count(*) FROM ci.media_streams UNION ALL
  SELECT 'output_files', count(*) FROM ci.output_files"
echo "== MD5 audit sample: successful transcodes, their outputs and MD5s"
psql -X -q -P pager=off -c "
  SELECT j.job_id, j.end_time, f.bucket, f.object_name, f.md5
  FROM ci.jobs j JOIN ci.output_files f USING (job_id)
  WHERE j.tag = 'Transcode' AND j.state = 'Success'
  ORDER BY j.end_time DESC LIMIT 5"
echo "== Success jobs with an output but no MD5 (should be none)"
psql -X -q -P pager=off -c "
  SELECT count(*) AS success_without_md5 FROM ci.jobs j
  WHERE j.state = 'Success' AND EXISTS (SELECT 1 FROM ci.output_files f WHERE f.job_id = j.job_id AND f.md5 IS NULL)"
echo "== status"
build/ci-jobsync --config "$demo_dir/config.toml" status
if [ "$keep" = true ]; then
  echo
  echo "left running: PostgreSQL (PGHOST=127.0.0.1 PGPORT=$pg_port PGUSER=postgres PGDATABASE=cijobsync),"
  echo "emulator pid $emulator_pid; config in $demo_dir/config.toml"
fi
