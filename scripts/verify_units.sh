#!/bin/sh
# Checks the systemd units (sync service and timer, listener, audit service and timer) with `systemd-analyze verify`, failing on any
# diagnostic: it exits 0 on unknown keys and unparsable values, which are
# exactly the mistakes worth catching.
#   scripts/verify_units.sh [BINARY]
# BINARY (default /usr/bin/ci-jobsync) replaces ExecStart's path, since verify
# requires it to exist: the test suite passes the binary it just built.
# Exits 77 (CTest's SKIP_RETURN_CODE for this test) when systemd-analyze is missing.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
binary=${1:-/usr/bin/ci-jobsync}
if ! command -v systemd-analyze >/dev/null; then
  echo "systemd-analyze not found (apt-get install systemd): units not checked, skipped" >&2
  exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for unit in ci-jobsync.service ci-jobsync-listen.service ci-jobsync-audit.service; do
  sed "s#/usr/bin/ci-jobsync#$binary#g" "$here/config/$unit" > "$work/$unit"
done
cp "$here/config/ci-jobsync.timer" "$here/config/ci-jobsync-audit.timer" "$work/"

# verify finds the timer's service in the same directory.
status=0
output=$(cd "$work" && SYSTEMD_LOG_COLOR=0 systemd-analyze verify ./ci-jobsync.service ./ci-jobsync.timer ./ci-jobsync-listen.service \
  ./ci-jobsync-audit.service ./ci-jobsync-audit.timer 2>&1) || status=$?
if [ "$status" -ne 0 ] || [ -n "$output" ]; then
  printf '%s\n' "$output" >&2
  echo "systemd-analyze verify: the units have problems (exit status $status)" >&2
  exit 1
fi
echo "ci-jobsync.service, ci-jobsync.timer, ci-jobsync-listen.service, ci-jobsync-audit.service and ci-jobsync-audit.timer verified"

# The exposure score of each service (0 best, 10 worst; docs/operations.md
# records it). --offline needs systemd 250 or later: older ones are skipped.
for unit in ci-jobsync.service ci-jobsync-listen.service ci-jobsync-audit.service; do
  if report=$(cd "$work" && SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=yes --no-pager "./$unit" 2>&1); then
    score=$(printf '%s\n' "$report" | sed -n 's/^.*Overall exposure level for [^:]*: \([0-9.]* [A-Z]*\).*/\1/p')
    echo "systemd-analyze security: $unit: exposure ${score:-not reported} (0 best, 10 worst)"
  else
    echo "systemd-analyze security --offline=yes failed here (systemd 250 or later needed): $unit not scored"
  fi
done
