#!/usr/bin/env bash
# Scans what a test run left behind for secrets: CTest's LastTest*.log and
# every child process's output that the tests keep in
# Testing/Temporary/test-logs (JOBSYNC_TEST_LOG_DIR, tests/CMakeLists.txt).
# It looks for the secret keys, tokens and passwords the tests use (the
# k...SecretKey/Token/Password constants of tests/ and the literals listed
# below) and for any Authorization header, q-signature, Bearer token or
# password in a database URL. A hit names the file, the line and what was
# found, never the value itself (this output lands in a log too).
#   scripts/scan_secrets.sh BUILD_DIR
# Exits 0 when nothing is found, 1 on a hit, 2 when BUILD_DIR has no test log.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: scripts/scan_secrets.sh BUILD_DIR" >&2
  exit 2
fi
build=$1
root="$(cd "$(dirname "$0")/.." && pwd)"
temporary="$build/Testing/Temporary"

# Secret values written as literals in test bodies (at least 8 characters:
# shorter ones such as "pw" would match ordinary text). Keep in step with tests/.
literal_secrets=(
  emulator-secret-key
  a-wrong-secret-key-0000
  not-the-right-key
  not-the-key
  a-token-the-service-refuses
  credential-token-0123456789
  env-token-0123456789
  file-token-0123456789
  token-from-file
  token-without-newline
  key-from-a-file-3b9
  key-from-credential-file
  key-from-env-51c
  minimal-secret
  s3cret+token/0123456789
  sts-token-1234567890
  tok-27182818
  s-16180339
  y-57721566
)
# Named constants of the test helpers, found wherever they are defined.
mapfile -t constant_secrets < <(
  grep -rhoE 'const std::string k[A-Za-z]*(SecretKey|Token|Password)[A-Za-z]* = "[^"]{8,}"' \
    "$root/tests" | sed -E 's/.*= "([^"]*)"$/\1/' | sort -u)

# Values of these shapes are secrets whatever the test: signed requests
# (q-signature is hex SHA-1), bearer tokens, and database URLs with a password.
# A placeholder such as "Authorization: Bearer <token>" (the emulator's --help) is
# not a value.
patterns=(
  'Authorization: *(Bearer +)?[^<[:space:]B]'
  'q-signature=[0-9a-fA-F]{8}'
  'Bearer +[A-Za-z0-9._~+/=-]{8}'
  'postgres(ql)?://[^:/@[:space:]]+:[^@/[:space:]]+@'
)

shopt -s nullglob
files=("$temporary"/LastTest*.log)
if [[ ${#files[@]} -eq 0 ]]; then
  echo "scan_secrets: no $temporary/LastTest*.log: run ctest in $build first" >&2
  exit 2
fi
files+=("$temporary"/test-logs/*.log)

hits=0
report() { # file, line number, what was found
  echo "scan_secrets: $1:$2: $3" >&2
  hits=$((hits + 1))
}
for secret in "${literal_secrets[@]}" "${constant_secrets[@]}"; do
  while IFS=: read -r file line _; do
    report "$file" "$line" "a test secret (${#secret} characters, starting '${secret:0:3}')"
  done < <(grep -FnH -- "$secret" "${files[@]}" || true)
done
for pattern in "${patterns[@]}"; do
  while IFS=: read -r file line _; do
    report "$file" "$line" "text matching /${pattern}/"
  done < <(grep -EnHi -- "$pattern" "${files[@]}" || true)
done

secrets=$((${#literal_secrets[@]} + ${#constant_secrets[@]}))
if [[ $hits -ne 0 ]]; then
  echo "scan_secrets: $hits hit(s) in ${#files[@]} log file(s)" >&2
  exit 1
fi
echo "scan_secrets: ${#files[@]} log file(s), $secrets secrets and ${#patterns[@]} patterns: nothing found"
