# Shared set-up of the benchmark scripts (bench.sh, bench_latency.sh,
# bench_listen.sh): the signing credentials, the emulator's admin token, and
# waiting for a started emulator. Source it; $dir is the script's work folder.

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
