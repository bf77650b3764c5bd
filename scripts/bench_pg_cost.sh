# Where PostgreSQL's CPU goes in a first sync (issue 14.5): sourced by
# scripts/bench.sh --pg-cost, which has started the cluster (with
# pg_stat_statements) and defined start_emulator, write_config and timed.
# Each variant is a fresh database, migrated, altered by one experiment's SQL,
# then loaded by a first sync of the same jobs; ratios are to the schema as
# migrated, in the same run. Experiments that change a column type are
# measurements only: the contract's types stay.
#   BENCH_OTHER_BIN=DIR adds a row for the binaries in DIR on the migrated
#   schema (e.g. a build of another commit: the upsert path against COPY).

# SQL for each experiment, by label.
pg_cost_variants=(
  "as migrated|"
  "detail lz4|ALTER TABLE ci.jobs ALTER COLUMN detail SET COMPRESSION lz4"
  "detail text, no xml check|DO \$\$ DECLARE v record; BEGIN FOR v IN SELECT viewname FROM pg_views WHERE schemaname = 'ci' LOOP EXECUTE format('DROP VIEW IF EXISTS ci.%I CASCADE', v.viewname); END LOOP; END \$\$; ALTER TABLE ci.jobs ALTER COLUMN detail TYPE text"
  "no foreign keys|DO \$\$ DECLARE c record; BEGIN FOR c IN SELECT conrelid::regclass AS t, conname FROM pg_constraint WHERE contype = 'f' AND connamespace = 'ci'::regnamespace AND confrelid = 'ci.jobs'::regclass LOOP EXECUTE format('ALTER TABLE %s DROP CONSTRAINT %I', c.t, c.conname); END LOOP; END \$\$"
  "no secondary indexes on jobs|DROP INDEX ci.jobs_partition_creation_idx, ci.jobs_unfinished_idx, ci.jobs_refresh_idx"
)

# pg_cost_row LABEL BIN SQL: one variant; prints its figures.
pg_cost_row() {
  local label=$1 tool_bin=$2 sql=$3 db
  db=cost$((++pg_cost_n))
  write_config "$db"
  [ -z "$sql" ] || q "$sql" "$db"
  q 'SELECT pg_stat_statements_reset()' >/dev/null
  timed "$db" "$tool_bin/ci-jobsync" --config "$dir/$db.toml" sync
  local size stored
  size=$(q "SELECT pg_total_relation_size('ci.jobs')" "$db")
  stored=$(q 'SELECT count(*) FROM ci.jobs' "$db")
  [ -n "$pg_cost_base" ] || pg_cost_base=$pg_cpu
  printf '%-34s %6s s/100k %5sx  WAL %5s MiB  jobs table %5s MiB  %s jobs  %s s wall\n' \
    "$label" "$(per100k "$pg_cpu" "$jobs")" "$(ratio "$pg_cpu" "$pg_cost_base")" \
    "$(mib $((wal / 1024)))" "$(mib $((size / 1024)))" "$stored" "$wall"
  # Statements by server time: what the first variant's PostgreSQL did.
  if [ "$pg_cost_n" = 1 ] || [ "$tool_bin" != "$bin" ]; then
    q "SELECT format('    %8s ms %7s calls  %s', round(sum(total_exec_time)), sum(calls),
                     left(regexp_replace(query, '\\s+', ' ', 'g'), 70))
       FROM pg_stat_statements GROUP BY query ORDER BY sum(total_exec_time) DESC LIMIT 8"
  fi
}

run_pg_cost() {
  q 'CREATE EXTENSION IF NOT EXISTS pg_stat_statements' >/dev/null
  echo
  echo "== PostgreSQL CPU of a first sync of $jobs jobs, by experiment (ratio to 'as migrated')"
  start_emulator "$jobs"
  pg_cost_n=0 pg_cost_base=
  local variant
  for variant in "${pg_cost_variants[@]}"; do
    pg_cost_row "${variant%%|*}" "$bin" "${variant#*|}"
  done
  if [ -n "${BENCH_OTHER_BIN:-}" ]; then
    pg_cost_row "as migrated, $BENCH_OTHER_BIN" "$BENCH_OTHER_BIN" ""
  fi
  stop_emulator
}
