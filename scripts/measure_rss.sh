#!/usr/bin/env bash
# Peak RSS of `ci-jobsync sync` (Release, sync.concurrency and
# max_response_bytes at their defaults) against a throwaway PostgreSQL:
#   1. a first sync of N jobs (default 100,000) from the emulator, 20 partitions;
#   2. 5 partitions (sync.concurrency 4, then 1) served an attribute-flooded page as large as
#      max_response_bytes allows: one over the XML node limit (refused before
#      RapidXML allocates) and one just under it (parsed and stored), each
#      page answered with a NextToken that repeats, so a worker holds two.
# Prints each peak RSS next to the 64 MiB target (docs/performance.md,
# "Memory bounds"). Figures, not a test.
#   scripts/measure_rss.sh [--jobs N] [BUILD_DIR]   (BUILD_DIR default build-release)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_postgres.sh

jobs=100000
build=build-release
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    -*) echo "usage: scripts/measure_rss.sh [--jobs N] [BUILD_DIR]" >&2; exit 2 ;;
    *) build=$1; shift ;;
  esac
done
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DJOBSYNC_BUILD_TESTS=OFF >/dev/null
nice cmake --build "$build" -j2 --target ci-jobsync ci-emulator >/dev/null
worker=$(find "$build" -name ci-jobsync -type f -perm -u+x | head -1)
emulator=$(find "$build" -name ci-emulator -type f -perm -u+x | head -1)

dir=$(mktemp -d /tmp/ci-jobsync-rss.XXXXXX)
chmod 755 "$dir" # PostgreSQL runs as postgres: it must reach $dir/pg
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  pg_temp_stop "$dir/pg"
  rm -rf "$dir"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
pg_temp_start "$dir/pg" "$port" fsync=off synchronous_commit=off
echo "commit $(git rev-parse --short HEAD)$(git diff --quiet || echo '+local changes')," \
  "$(nproc) cores, $(date -u +%Y-%m-%d), PostgreSQL on 127.0.0.1:$port"

export TENCENTCLOUD_SECRET_ID=AKIDrss0123456789abcdef
export TENCENTCLOUD_SECRET_KEY=rss-secret-key-$RANDOM$RANDOM
tags=Transcode,Animation,Snapshot,Concat,VideoEnhance
quoted_tags=$(echo "$tags" | sed 's/[^,]*/"&"/g')

# wait_port FILE: the port a server wrote to FILE.
wait_port() {
  for _ in $(seq 600); do [ -s "$1" ] && break; sleep 0.1; done
  [ -s "$1" ] || { echo "no server port in $1" >&2; exit 1; }
  cat "$1"
}
# peak_rss NAME ENDPOINT [QUEUES] [SYNC_KEYS]: a fresh database, one sync
# under /usr/bin/time -v; prints the sync's exit status and peak RSS.
peak_rss() {
  local name=$1 endpoint=$2 status=0 kb
  createdb "$name"
  cat >"$dir/$name.toml" <<TOML
[database]
url = "postgresql://postgres@127.0.0.1:$port/$name"
[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "$endpoint"
tags = [$quoted_tags]
${3:+queues = [$3]}
[sync]
${4:-}
TOML
  /usr/bin/time -v "$worker" -q --config "$dir/$name.toml" sync >"$dir/$name.log" 2>&1 || status=$?
  kb=$(sed -n 's/^\s*Maximum resident set size (kbytes): //p' "$dir/$name.log")
  awk -v name="$name:" -v status="$status" -v kb="$kb" 'BEGIN {
    printf "%-44s exit %d, peak RSS %6.1f MiB = %.2fx the 64 MiB target\n", name, status, kb / 1024, kb / 65536 }'
}

queues=p2242ab62c7c94486915508540933a2c6,p8f1c1c1f6a2e4b6c9d0e1f2a3b4c5d6e
queues=$queues,p0a1b2c3d4e5f60718293a4b5c6d7e8f9,p9f8e7d6c5b4a39281706f5e4d3c2b1a0
start=$(date -u -d "@$(($(date +%s) - jobs * 30 - 86400))" +%Y-%m-%dT%H:%M:%S+0000)
"$emulator" --jobs "$jobs" --seed 7 --start "$start" --spacing-seconds 30 --tags "$tags" \
  --queues "$queues" --port-file "$dir/emulator.port" >"$dir/emulator.log" 2>&1 &
pids+=($!)
peak_rss "first_sync_${jobs}_jobs" "http://127.0.0.1:$(wait_port "$dir/emulator.port")" \
  "$(echo "$queues" | sed 's/[^,]*/"&"/g')"
kill "${pids[0]}" # the emulator holds ~1 GB for its 100,000 jobs

# An attribute-flooded page of about max_response_bytes (8 MiB), served to
# every request by a bare HTTP server (it checks no signature).
python3 - "$dir" <<'PY'
import sys
limit = 8 * 1024 * 1024 - 4096  # sync.max_response_bytes' default, less headroom
head = ("<Response><JobsDetail><Code>Success</Code><JobId>j-flood</JobId><Tag>Transcode</Tag>"
        "<State>Success</State><CreationTime>2024-01-01T00:00:00+0800</CreationTime><Flood")
tail = "/></JobsDetail><NextToken>again</NextToken></Response>"
room = limit - len(head) - len(tail)
# Refused: 1.7 million attributes of 5 bytes, far over the 200,000-node limit.
open(f"{sys.argv[1]}/over_limit.xml", "w").write(head + " b=''" * (room // 5) + tail)
# Parsed and stored: 1,980 elements of 99 distinct attributes each (198,000
# nodes), padded to fill the body. Not all on one element: PostgreSQL's xml
# check takes minutes over 199,000 attributes of one element.
elements, per_element = 1_980, 99
width = (room - elements * len("/><Flood")) // (elements * per_element)
element = "".join(f" a{i}='".ljust(width - 1, "x") + "'" for i in range(per_element))
open(f"{sys.argv[1]}/under_limit.xml", "w").write(head + "/><Flood".join([element] * elements) + tail)
PY
for body in over_limit under_limit; do
  python3 - "$dir/$body.xml" "$dir/$body.port" <<'PY' &
import http.server, sys
body = open(sys.argv[1], "rb").read()
class Flood(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def log_message(self, *args):
        pass
server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flood)
open(sys.argv[2], "w").write(str(server.server_address[1]))
server.serve_forever()
PY
  pids+=($!)
  endpoint="http://127.0.0.1:$(wait_port "$dir/$body.port")"
  peak_rss "flooded_8MiB_page_${body}" "$endpoint"
  peak_rss "flooded_8MiB_page_${body}_concurrency_1" "$endpoint" "" "concurrency = 1"
done
