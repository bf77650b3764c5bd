#!/usr/bin/env bash
# scripts/scan_secrets.sh finds a secret planted in a test's log, in the
# CTest log or in a kept child log, and an Authorization header; it passes a
# clean run; and it never repeats the secret it found.
#   tests/scripts/test_scan_secrets.sh
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
scan="$root/scripts/scan_secrets.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
logs="$work/Testing/Temporary"
mkdir -p "$logs/test-logs"
# The fixture's secret key, read where the tests define it.
secret=$(sed -nE 's/.*kTestSecretKey = "([^"]+)".*/\1/p' "$root/tests/support/sync_fixture.hpp")
[[ -n $secret ]] || { echo "FAIL: no kTestSecretKey in tests/support/sync_fixture.hpp"; exit 1; }

fail() { echo "FAIL: $*"; exit 1; }
expect() { # expected status, description
  local status=0
  "$scan" "$work" >"$work/out" 2>&1 || status=$?
  [[ $status -eq $1 ]] || { cat "$work/out"; fail "$2: exit $status, expected $1"; }
  if grep -qF -- "$secret" "$work/out"; then fail "$2: the scan printed the secret"; fi
}

expect 2 "no LastTest.log"

printf 'Start testing\nAll tests passed (12 assertions in 3 test cases)\n' >"$logs/LastTest.log"
printf 'ts=... level=info msg="sync finished" inserted=3\n' >"$logs/test-logs/child-a.log"
expect 0 "a clean run"

printf 'level=error msg="request failed" error="signed with %s"\n' "$secret" \
  >"$logs/test-logs/child-b.log"
expect 1 "a secret in a child log"
grep -q "child-b.log:1: a test secret" "$work/out" || fail "the hit does not name the file and line"
rm "$logs/test-logs/child-b.log"

printf 'GET /jobs HTTP/1.1\nAuthorization: q-sign-algorithm=sha1&q-signature=%s\n' \
  "0123456789abcdef0123456789abcdef01234567" >>"$logs/LastTest.log"
expect 1 "an Authorization header in the CTest log"
grep -q "LastTest.log:4: text matching /Authorization" "$work/out" || fail "the header is not named"
grep -q "LastTest.log:4: text matching /q-signature" "$work/out" || fail "the signature is not named"

echo "scan_secrets.sh: finds planted secrets and headers, passes clean logs"
