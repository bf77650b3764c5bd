#!/usr/bin/env bash
# Did a change make the worker slower? Two builds, A (a git revision) and B
# (this tree), against one emulator and one PostgreSQL, each on its own
# database, in interleaved rounds (A then B, then B then A, ...): per round a
# first sync into an empty database, a re-walk of the unchanged window (the
# cursors forgotten) and a no-op run. Prints, per phase, the median and range
# of each side's rate, worker CPU, PostgreSQL CPU and WAL, and B / A of the
# medians. One bench.sh run is one sample of a few seconds; on a shared
# machine a single re-walk moved by 30% between identical runs, which medians
# of interleaved rounds do not. Figures, not a test.
#   scripts/bench_ab.sh [--jobs N] [--rounds K] REV_A
#     REV_A      the baseline, any git revision (built in a worktree of its own)
#     --jobs N   jobs in the dataset (default 100000)
#     --rounds K rounds (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib_packages.sh
source scripts/lib_postgres.sh
source scripts/lib_bench.sh
source scripts/lib_bench_run.sh

jobs=100000 rounds=5 rev_a=
while [ $# -gt 0 ]; do
  case $1 in
    --jobs) jobs=$2; shift 2 ;;
    --rounds) rounds=$2; shift 2 ;;
    -*) echo "usage: scripts/bench_ab.sh [--jobs N] [--rounds K] REV_A" >&2; exit 2 ;;
    *) rev_a=$1; shift ;;
  esac
done
[ -n "$rev_a" ] || { echo "usage: scripts/bench_ab.sh [--jobs N] [--rounds K] REV_A" >&2; exit 2; }
git rev-parse --verify -q "$rev_a^{commit}" >/dev/null || { echo "bench_ab: no such revision: $rev_a" >&2; exit 2; }

ensure_packages time curl
dir=${BENCH_DIR:-/tmp/ci-jobsync-bench-ab}
pg_port=${BENCH_PG_PORT:-55497}
# The baseline's source: a detached worktree, kept between runs for its build.
src_a=${BENCH_AB_SRC:-/tmp/ci-jobsync-bench-ab-src}
[ -d "$src_a/.git" ] || [ -f "$src_a/.git" ] || git worktree add -q --detach "$src_a" "$rev_a"
git -C "$src_a" checkout -q --detach "$rev_a"
echo "building A ($(git rev-parse --short "$rev_a")) and B ($(git rev-parse --short HEAD)$(git diff --quiet || echo '+local changes'))"
(cd "$src_a" && bench_release_build build-bench-ab)
bin_a=$src_a/build-bench-ab
bench_release_build build-bench-ab
bin_b=build-bench-ab
bin=$bin_b # the emulator: one service for both sides

bench_start_postgres "$pg_port"
postmaster=$(head -1 "$dir/pg/data/postmaster.pid")
bench_admin_token
echo "machine: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg) at the start"
start_emulator "$jobs" "$spacing" "$paused_share"

# One sample: appends "phase side rate worker_cpu pg_cpu wal wall" to $dir/samples.
sample() {
  local phase=$1 side=$2 n=$3
  shift 3
  timed "$phase-$side" "$@"
  echo "$phase $side $(rate "$n" "$wall") $cpu $pg_cpu $wal $wall" >>"$dir/samples"
}
# One round of one side: a fresh database, first sync, re-walk, no-op.
round() {
  local side=$1 with
  [ "$side" = A ] && with=$bin_a || with=$bin_b
  PGOPTIONS=--client-min-messages=warning dropdb --if-exists "ab_$side"
  write_config "ab_$side" "$with"
  settle
  sample first "$side" "$jobs" "$with/ci-jobsync" --config "$dir/ab_$side.toml" sync
  q 'UPDATE ci.sync_checkpoints SET cursor = NULL' "ab_$side"
  settle
  sample rewalk "$side" "$jobs" "$with/ci-jobsync" --config "$dir/ab_$side.toml" sync
  settle
  sample noop "$side" "$jobs" "$with/ci-jobsync" --config "$dir/ab_$side.toml" sync
}
: >"$dir/samples"
for r in $(seq "$rounds"); do
  if [ $((r % 2)) = 1 ]; then round A; round B; else round B; round A; fi
  echo "round $r of $rounds done"
done

# median and range of column C of PHASE SIDE's samples
stat() {
  awk -v p="$1" -v s="$2" -v c="$3" '$1 == p && $2 == s { print $c }' "$dir/samples" | sort -g |
    awk '{ v[NR] = $1 } END { m = (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2);
      printf "%s %s %s\n", m, v[1], v[NR] }'
}
echo
echo "== $jobs jobs, $rounds interleaved rounds; median (min-max); B / A of the medians"
printf '%-8s %-12s %-28s %-28s %s\n' phase figure "A $(git rev-parse --short "$rev_a")" "B $(git rev-parse --short HEAD)" "B / A"
for phase in first rewalk noop; do
  cols="3:jobs/s 4:worker_cpu_s 5:pg_cpu_s 6:wal_bytes"
  [ "$phase" = noop ] && cols="7:wall_s 4:worker_cpu_s 5:pg_cpu_s 6:wal_bytes"
  for col in $cols; do
    c=${col%%:*} name=${col#*:}
    read -r ma la ha <<<"$(stat "$phase" A "$c")"
    read -r mb lb hb <<<"$(stat "$phase" B "$c")"
    printf '%-8s %-12s %-28s %-28s %s\n' "$phase" "$name" "$ma ($la-$ha)" "$mb ($lb-$hb)" "$(ratio "$mb" "$ma")"
  done
done
echo "load average $(cut -d' ' -f1-3 /proc/loadavg) at the end"
