# The timed-run toolkit of scripts/bench.sh and scripts/bench_ab.sh: the
# datasets' shape, the emulator, a worker config per database, commands run
# under /usr/bin/time with the cluster's CPU and WAL counted, and the ratio
# arithmetic. Source it after lib_bench.sh; the functions use $dir, $bin,
# $pg_port and $postmaster.
stop_emulator() {
  if [ -n "$emulator_pid" ]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
    emulator_pid=
  fi
}

q() { psql -X -Atq -d "${2:-postgres}" -c "$1"; }

tags=Transcode,Animation,Snapshot,Concat,VideoEnhance
queues=p2242ab62c7c94486915508540933a2c6,p8f1c1c1f6a2e4b6c9d0e1f2a3b4c5d6e
queues=$queues,p0a1b2c3d4e5f60718293a4b5c6d7e8f9,p9f8e7d6c5b4a39281706f5e4d3c2b1a0
spacing=30
paused_share=0.01 # older jobs in Pause, as the issue measured real queues
# The config of every run; the refresh figures count with the same values.
page_size=100 ids_per_request=10 lookback_minutes=15 horizon_days=7
clk_tck=$(getconf CLK_TCK)

# start_emulator N [SPACING PAUSED AGE]: N jobs, SPACING s apart (default
# $spacing), the newest AGE s old (default a day). Without PAUSED all are
# finished; with it, that share of the older jobs sits in Pause and the
# newest 3% keep their generated states (some Submitted or Running), as on a
# real account: what a no-op run refreshes.
start_emulator() {
  local n=$1 gap=${2:-$spacing} paused=${3:-} age=${4:-86400} start
  start=$(date -u -d "@$(($(date +%s) - n * gap - age))" +%Y-%m-%dT%H:%M:%S+0000)
  rm -f "$dir/api.port"
  "$bin/ci-emulator" --jobs "$n" --seed 7 --start "$start" --spacing-seconds "$gap" \
    --tags "$tags" --queues "$queues" --admin-token-file "$dir/admin_token" \
    ${paused:+--old-unfinished-rate "$paused"} \
    --port-file "$dir/api.port" >"$dir/emulator.log" 2>&1 &
  emulator_pid=$!
  bench_wait_emulator
  [ -n "$paused" ] || admin_curl -X POST "$api/_emulator/finish" >/dev/null
}

# write_config DB [BIN]: a config for database DB against the running
# emulator ($tags; $queues, or every queue when empty), migrated by BIN's
# worker (default $bin).
write_config() {
  local db=$1 with=${2:-$bin}
  createdb "$db"
  cat >"$dir/$db.toml" <<TOML
[database]
url = "postgresql://postgres@127.0.0.1:$pg_port/$db"
[[source]]
bucket = "examplebucket-1250000000"
region = "ap-guangzhou"
endpoint = "$api"
tags = [$(echo "$tags" | sed 's/[^,]*/"&"/g')]
${queues:+queues = [$(echo "$queues" | sed 's/[^,]*/"&"/g')]}
[sync]
page_size = $page_size
lookback = "${lookback_minutes}m"
refresh_horizon = "${horizon_days}d"
ids_per_request = $ids_per_request
TOML
  "$with/ci-jobsync" -q --config "$dir/$db.toml" migrate
  [ -z "${schema_sql:-}" ] || psql -X -q -v ON_ERROR_STOP=1 -d "$db" -f "$schema_sql" >/dev/null
}

requests() { admin_curl "$api/_emulator/stats" | sed 's/.*jobs_requests=\([0-9]*\).*/\1/'; }
wal_lsn() { q 'SELECT pg_current_wal_lsn()'; }
wal_bytes() { q "SELECT pg_wal_lsn_diff('$2', '$1')"; }
# CPU ticks of our cluster: the postmaster, its exited children (cutime,
# cstime) and its live ones.
pg_ticks() {
  local total=0 pid stat
  for pid in $postmaster $(pgrep -P "$postmaster"); do
    stat=$(cat "/proc/$pid/stat" 2>/dev/null) || continue
    stat=${stat##*) }
    set -- $stat
    total=$((total + ${12} + ${13} + ${14} + ${15}))
  done
  echo "$total"
}
# timed LABEL CMD...: runs CMD under /usr/bin/time; sets wall, cpu (user+sys
# seconds), rss_kb, pg_cpu (seconds) and wal (bytes).
# settle [DB]: drops DB (a reference load, measured), waits for autovacuum to
# go idle and checkpoints, so the next timed load starts from the same state
# and is not charged for the one before: the COPY ceiling's insert-triggered
# autovacuum and checkpoint otherwise ran during the first sync, counted in
# its PostgreSQL CPU and taking its cores.
settle() {
  if [ -n "${1:-}" ]; then dropdb "$1"; fi
  for _ in $(seq 600); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'autovacuum worker'")" = 0 ] && break
    sleep 0.1
  done
  q 'CHECKPOINT' >/dev/null
}

# CPU ticks of the running emulator (the service's side: remote in production).
emulator_ticks() {
  local stat
  stat=$(cat "/proc/$emulator_pid/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  set -- $stat
  echo $((${12} + ${13}))
}

timed() {
  local label=$1 before_ticks before_lsn after_lsn before_emulator
  shift
  before_ticks=$(pg_ticks)
  before_emulator=$(emulator_ticks)
  before_lsn=$(wal_lsn)
  /usr/bin/time -f '%e %U %S %M' -o "$dir/$label.time" "$@" >"$dir/$label.out" 2>"$dir/$label.log" ||
    { echo "$label failed:" >&2; tail -20 "$dir/$label.log" >&2; exit 1; }
  after_lsn=$(wal_lsn)
  read -r wall user sys rss_kb <"$dir/$label.time"
  cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')
  pg_cpu=$(awk -v a="$(pg_ticks)" -v b="$before_ticks" -v t="$clk_tck" 'BEGIN { print (a - b) / t }')
  emulator_cpu=$(awk -v a="$(emulator_ticks)" -v b="$before_emulator" -v t="$clk_tck" 'BEGIN { print (a - b) / t }')
  wal=$(wal_bytes "$before_lsn" "$after_lsn")
}
# (Parenthesised: a bare '>' after printf is an output redirection in awk.)
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf("%.0f", (s > 0 ? n / s : 0)) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf("%.2f", (b > 0 ? a / b : 0)) }'; }
per100k() { awk -v c="$1" -v n="$2" 'BEGIN { printf("%.1f", (n > 0 ? c * 100000 / n : 0)) }'; }
tool_rate() { sed -n "s/^$1 .*jobs_per_s=\([0-9]*\).*/\1/p" "$dir/$1.out"; }
tool_jobs() { sed -n "s/^$1 jobs=\([0-9]*\) .*/\1/p" "$dir/$1.out"; }
mib() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }
