#!/usr/bin/env bash
# Plays a newcomer on a fresh Debian 12 and fails loudly where the README's
# demo does not behave as it says. In a booted systemd-nspawn container with a
# clone of this repository's committed HEAD, as root in ~/ci-jobsync, on a
# terminal (script(1)): `scripts/demo.sh --keep`; then only the lines it
# printed (the psql line with a query from docs/queries.md pasted in); a second
# `scripts/demo.sh`, which must refuse and delete nothing; `scripts/demo.sh
# --stop`, which must leave nothing running; the plain `scripts/demo.sh`, which
# must end with its "next" paragraph. Writes what the user saw, step by step
# with timings, to the transcript and prints a summary. As root, with Debian's
# mirror reachable; about 10 minutes. Not part of the test suite.
#
#   scripts/check_newcomer.sh [--keep] [--transcript FILE]
#     --keep leaves the container running; the transcript defaults to
#     /tmp/ci-jobsync-newcomer-transcript.txt
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh
source scripts/lib_container.sh

keep=false
transcript=/tmp/ci-jobsync-newcomer-transcript.txt
while [ $# -gt 0 ]; do
  case $1 in
    --keep) keep=true; shift ;;
    --transcript) transcript=$2; shift 2 ;;
    *) echo "usage: scripts/check_newcomer.sh [--keep] [--transcript FILE]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
ensure_packages debootstrap systemd-container
# The container shares the host's network: the postgresql package's own
# cluster, the demo's PostgreSQL and its emulator need these.
for port in 5432 55499 18080; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    echo "port $port is in use on this host; the container's services need it" >&2
    exit 1
  fi
done

root=/var/lib/machines/ci-jobsync-newcomer
work=$(mktemp -d)
cleanup() {
  [ "$keep" = true ] || { container_stop; rm -rf "$root"; }
  rm -rf "$work"
}
trap cleanup EXIT
container_create "$root"
# What a newcomer clones: the committed HEAD, nothing of the work tree.
git clone -q --bare . "$root/srv/ci-jobsync.git"
container_boot "$root" ci-jobsync-newcomer

: >"$transcript"
summary=()
fail() {
  echo "FAILED at step $step_no ($step_title): $*" | tee -a "$transcript" >&2
  echo "transcript: $transcript" >&2
  exit 1
}
# What a terminal shows: the last rewrite of each line (progress lines end in \r).
render() { sed -e 's/\r$//' -e 's/.*\r//' -e 's/\x1b\[K//g'; }

# run_step TITLE EXPECT COMMAND [INPUT]: runs COMMAND as typed at root's prompt
# in ~/ci-jobsync, on a terminal, or with INPUT pasted into it (no terminal).
# EXPECT is ok or refused (a non-zero exit). Sets step_out (the rendered output).
step_no=0
run_step() {
  local expect=$2 command=$3 input=${4-} quoted started rc
  step_title=$1
  step_no=$((step_no + 1))
  step_out=$work/step$step_no
  printf -v quoted '%q' "$command"
  started=$SECONDS
  set +e
  if [ -n "$input" ]; then
    printf '%s\n' "$input" | container_sh "cd ~/ci-jobsync && $command" >"$step_out.raw" 2>&1
  else
    container_sh "cd ~/ci-jobsync && script -qefc $quoted /dev/null" >"$step_out.raw" 2>&1 </dev/null
  fi
  rc=$?
  set -e
  render <"$step_out.raw" >"$step_out"
  {
    printf '\n### step %d: %s (%d s, exit %d)\n$ %s\n' "$step_no" "$step_title" \
      $((SECONDS - started)) "$rc" "$command"
    if [ -n "$input" ]; then printf '%s\n' "$input"; fi
    cat "$step_out"
  } >>"$transcript"
  summary+=("$(printf '%2d. %-44s %4d s  exit %d' "$step_no" "$step_title" $((SECONDS - started)) "$rc")")
  case $expect in
    ok) [ "$rc" = 0 ] || fail "exit status $rc" ;;
    refused) [ "$rc" != 0 ] || fail "exit status 0; it should have refused" ;;
  esac
  # Spurious errors a newcomer would take for real ones.
  if grep -En 'could not change directory|Permission denied|command not found|No such file|^Extracting templates|level=(warn|error)' \
    "$step_out" >&2; then
    fail "an error-looking line (above)"
  fi
}
expect_output() { grep -Eq "$1" "$step_out" || fail "no line matching /$1/ in its output"; }
in_container() { container_sh "$1" >/dev/null 2>&1; }

{
  echo "ci-jobsync newcomer check, $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD)"
  echo "A fresh Debian 12 (debootstrap, systemd-nspawn); as root: git clone ... ~/ci-jobsync; cd ~/ci-jobsync"
} >>"$transcript"
container_sh 'git clone -q /srv/ci-jobsync.git ~/ci-jobsync'

run_step "demo --keep (packages, build, load)" ok 'scripts/demo.sh --keep'
grep -Eq '%, [0-9]+s' "$step_out.raw" || fail "no build progress on the terminal"
expect_output '^installed them in [0-9]+ s$'
expect_output '^  built ci-jobsync in [0-9]+ s$'
expect_output '^The demo keeps running'
# The lines it printed to go on: indented, between that line and the --stop line.
mapfile -t printed < <(sed -n '/^The demo keeps running/,/scripts\/demo.sh --stop/p' "$step_out" |
  sed -n 's/^  //p')
config=$(grep -Eo '/[^ ]*config\.toml' "$step_out" | head -n 1)
[ -n "$config" ] || fail "it printed no config path"
[ "$(container_sh "stat -c %a $config")" = 600 ] || fail "$config is not mode 0600"
demo_dir=$(dirname "$config")
# Its processes name it (postgres -D DIR/pg/data); the bracket keeps pgrep from matching its own shell.
demo_processes="pgrep -f '[${demo_dir:0:1}]${demo_dir:1}/'"
psql_line=
for verb in sync verify status; do
  printf '%s\n' "${printed[@]}" | grep -Eq "ci-jobsync .* $verb( |$)" || fail "no printed '$verb' line"
done

# An export line printed by the demo holds for the lines after it, as in one shell.
exports=
for line in "${printed[@]}"; do
  case $line in
    export\ *) exports+="$line && " ;;
    *psql*) psql_line=$line ;;
    *) run_step "printed: ${line#*--config * }" ok "$exports$line" ;;
  esac
done
[ -n "$psql_line" ] || fail "it printed no psql line"
query=$(container_sh 'cat ~/ci-jobsync/docs/queries.md' |
  sed -n '/^-- name: top_failure_reasons_7d$/,/^```$/p' | sed '$d')
[ -n "$query" ] || fail "docs/queries.md has no top_failure_reasons_7d query"
run_step "printed psql line, a query from docs/queries.md" ok "$exports$psql_line" "$query"
grep -q ERROR "$step_out" && fail "the query failed"
expect_output '^\([1-9][0-9]* rows?\)$'

run_step "a second demo while the first runs" refused 'scripts/demo.sh'
expect_output 'already running'
expect_output 'scripts/demo.sh --stop'
in_container "test -f $demo_dir/pg/data/PG_VERSION" || fail "the second demo deleted $demo_dir/pg/data"
container_sh "$exports$psql_line -Atc 'SELECT 42'" | grep -qx 42 ||
  fail "the first demo's PostgreSQL no longer answers"
in_container 'pgrep -x ci-emulator' || fail "the first demo's emulator is gone"
summary+=("    (data directory kept, PostgreSQL answers, emulator runs)")

run_step "demo --stop" ok 'scripts/demo.sh --stop'
in_container "$demo_processes" && fail "a process of the demo still runs"
in_container 'pgrep -x ci-emulator' && fail "the emulator still runs"
in_container "test -e $demo_dir" && fail "$demo_dir is still there"
summary+=("    (no postmaster, no emulator, $demo_dir removed)")

run_step "the plain demo" ok 'scripts/demo.sh'
awk 'NF { paragraph = (blank ? $0 : paragraph "\n" $0); blank = 0; next } { blank = 1 }
     END { print paragraph }' "$step_out" | head -n 1 | grep -q '^next:' ||
  fail "it does not end with the 'next' paragraph"
in_container "$demo_processes" && fail "the plain demo left a process running"
in_container 'pgrep -x ci-emulator' && fail "the plain demo left the emulator running"

{
  echo
  echo "### summary"
  printf '%s\n' "${summary[@]}"
} >>"$transcript"
printf '%s\n' "${summary[@]}"
echo "OK: every step behaved as printed; transcript: $transcript"
