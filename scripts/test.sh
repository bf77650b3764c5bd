#!/usr/bin/env bash
# The whole test suite from a fresh machine: installs the Debian packages it
# needs, builds a debug build with AddressSanitizer and UBSan, starts a
# throwaway PostgreSQL, runs every test with ctest, then scans every test's
# output for secrets (scripts/scan_secrets.sh): a hit fails the run.
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh
source scripts/lib_postgres.sh

ensure_packages "${JOBSYNC_TEST_PACKAGES[@]}"

build_dir=${BUILD_DIR:-build-test}
# -DJOBSYNC_BUILD_TESTS=ON: the configure fails when Catch2 or clang-format is missing,
# rather than quietly building no tests.
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=Debug -DJOBSYNC_SANITIZERS=ON -DJOBSYNC_WERROR=ON \
  -DJOBSYNC_BUILD_TESTS=ON >/dev/null
cmake --build "$build_dir" -j "$(nproc)"

pg_dir=$(mktemp -d /tmp/ci-jobsync-test-pg.XXXXXX)
trap 'pg_temp_stop "$pg_dir"' EXIT
port=${TEST_PG_PORT:-$((20000 + RANDOM % 20000))}
pg_temp_start "$pg_dir" "$port" fsync=off synchronous_commit=off full_page_writes=off max_connections=200

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
# The child logs of an earlier run would be scanned with this one's.
rm -rf "$build_dir/Testing/Temporary/test-logs"
status=0
(cd "$build_dir" && ctest --output-on-failure -j 2 "$@") || status=$?
scripts/scan_secrets.sh "$build_dir" || status=1
exit "$status"
