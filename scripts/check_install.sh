#!/usr/bin/env bash
# Checks the README's "Running it under systemd" on a fresh Debian 12 with a
# real systemd: debootstraps one (kept as a tarball for the next check), boots
# it with systemd-nspawn, clones this repository's committed HEAD into it, runs
# the README's three commands, waits for the timer's first run, then checks the
# journal, `status --max-lag` and the synced rows. As root, with Debian's mirror
# reachable; takes about 10 minutes. Not part of the test suite (it needs
# debootstrap's downloads and a booted container).
#
#   scripts/check_install.sh [--keep]     --keep leaves the container running
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh
source scripts/lib_container.sh

keep=false
[ "${1:-}" = --keep ] && keep=true
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
ensure_packages debootstrap systemd-container
# The container shares the host's network: its PostgreSQL and emulator need these.
for port in 5432 18080; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use on this host; the container's services need it" >&2
    exit 1
  fi
done

root=/var/lib/machines/ci-jobsync-check
pkill -f "systemd-nspawn -D $root " 2>/dev/null && sleep 3
container_create "$root"
cleanup() { [ "$keep" = true ] || container_stop; }
trap cleanup EXIT
container_boot "$root" ci-jobsync-check --bind-ro="$PWD:/src"
inside() { container_sh "$1"; }

echo "== the README's commands, in the container"
inside 'cd /root && git clone -q /src ci-jobsync && cd ci-jobsync &&
        scripts/install.sh --emulator && systemctl enable --now ci-jobsync.timer'

echo "== waiting for the timer's first run (up to 6 minutes)"
for _ in $(seq 72); do
  inside 'journalctl -u ci-jobsync -o cat' | grep -q 'msg="sync finished"' && break
  sleep 5
done

fail() { echo "FAILED: $*" >&2; inside 'journalctl -u ci-jobsync --no-pager' >&2; exit 1; }
summary=$(inside 'journalctl -u ci-jobsync -o cat' | grep 'msg="sync finished"' | head -n 1)
echo "$summary"
[[ $summary == *"status=ok"* && $summary == *"jobs=5000"* ]] || fail "no clean 5000-job run"
warnings=$(inside 'journalctl -u ci-jobsync -p warning -o cat' | grep -v '^-- No entries --$' || true)
[ -z "$warnings" ] || fail "warnings in the journal: $warnings"
inside 'cd / && runuser -u postgres -- ci-jobsync --config /etc/ci-jobsync/config.toml status --max-lag 15m' ||
  fail "status --max-lag 15m"
rows=$(inside "cd / && runuser -u postgres -- psql -d cijobsync -Atc 'SELECT count(*) FROM ci.v_jobs'")
[ "$rows" = 5000 ] || fail "v_jobs has $rows rows, not 5000"
inside 'systemctl list-timers ci-jobsync.timer --no-pager --no-legend'
echo "OK: fresh Debian 12 to a timer-driven sync with the README's three commands"
