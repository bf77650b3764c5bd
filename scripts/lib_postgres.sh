# Throwaway PostgreSQL cluster helpers, sourced by test.sh, demo.sh and bench.sh.
# The cluster runs as the 'postgres' account when we are root (PostgreSQL
# refuses to run as root), on 127.0.0.1 only, with trust auth for local use.
#
#   pg_temp_start DIR PORT [extra postgres -c settings...]  -> exports PGHOST PGPORT PGUSER
#   pg_temp_stop DIR

pg_bindir() {
  local dir
  for dir in /usr/lib/postgresql/15/bin /usr/lib/postgresql/*/bin; do
    if [ -x "$dir/initdb" ]; then echo "$dir"; return 0; fi
  done
  echo "PostgreSQL server binaries (initdb) not found; install postgresql-15" >&2
  return 1
}

pg_as_owner() {
  if [ "$(id -u)" = 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

pg_temp_start() {
  local dir=$1 port=$2
  shift 2
  local bindir settings=() s
  bindir=$(pg_bindir) || return 1
  mkdir -p "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    pg_as_owner "$bindir/initdb" -D "$dir/data" -A trust -U postgres -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; return 1; }
  fi
  for s in "$@"; do settings+=(-c "$s"); done
  pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 ${settings[*]}" start >/dev/null ||
    { cat "$dir/server.log" >&2; return 1; }
  export PGHOST=127.0.0.1 PGPORT=$port PGUSER=postgres
  unset PGPASSWORD PGDATABASE
}

pg_temp_stop() {
  local dir=$1 bindir
  bindir=$(pg_bindir) || return 0
  if [ -f "$dir/data/postmaster.pid" ]; then
    pg_as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
}
