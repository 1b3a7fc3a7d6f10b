#!/usr/bin/env bash
# Starts (or stops) a local PostgreSQL cluster for development and tests, loopback only.
#   db/dev-postgres.sh start [--dir DIR] [--port PORT] [--db NAME] [--fast] [--shared-buffers SIZE]
#                                                                 prints: export DATABASE_URL=...
#   db/dev-postgres.sh stop  [--dir DIR]
# Installs Debian's postgresql with apt when pg_ctl is missing. As root, the cluster runs as user postgres.
set -euo pipefail

cmd=${1:-start}; shift || true
# The folder run.sh uses unless told otherwise (FD_PG_DIR; for root a folder the postgres account can reach), so
# `stop` without --dir stops the cluster run.sh started.
if [ -n "${FD_PG_DIR:-}" ]; then dir=$FD_PG_DIR
elif [ "$(id -u)" = 0 ]; then dir=/var/lib/feedback-dashboard/pg
else dir="$(cd "$(dirname "$0")/.." && pwd)/.data/pg"
fi
port=5433
db=feedback
fast=0
shared_buffers=""
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --db) db=$2; shift 2 ;;
    --fast) fast=1; shift ;;
    --shared-buffers) shared_buffers=$2; shift 2 ;;
    *) echo "dev-postgres.sh: unknown option $1" >&2; exit 2 ;;
  esac
done

find_bin() {
  if command -v pg_ctl >/dev/null 2>&1; then dirname "$(readlink -f "$(command -v pg_ctl)")"; return; fi
  ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1
}
fail() { echo "dev-postgres.sh: $*" >&2; exit 1; }

bin=$(find_bin)
if [ -z "$bin" ] || [ ! -x "$bin/pg_ctl" ]; then
  [ "$(id -u)" = 0 ] || fail "PostgreSQL is not installed: run 'sudo apt-get install postgresql' (or set DATABASE_URL)"
  echo "dev-postgres.sh: installing PostgreSQL (apt-get install postgresql)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq postgresql; } >/dev/null 2>&1 \
    || fail "could not install PostgreSQL with apt-get: run 'apt-get install postgresql' and look at its error"
  bin=$(find_bin)
  [ -n "$bin" ] && [ -x "$bin/pg_ctl" ] || fail "apt-get installed postgresql but pg_ctl is not under /usr/lib/postgresql/*/bin"
fi

# initdb refuses to run as root: use the postgres account the Debian package creates.
as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    mkdir -p "$dir" || fail "cannot create $dir: choose a writable folder with --dir"
    if [ "$(id -u)" = 0 ]; then
      chown postgres:postgres "$dir"
      # The cluster runs as postgres: every parent folder must let it through (root's home is usually mode 700).
      as_pg test -w "$dir" \
        || fail "the postgres account cannot reach $dir (a parent folder is private): use a folder outside it, e.g. --dir /var/lib/feedback-dashboard/pg"
    fi
    if [ ! -f "$dir/PG_VERSION" ]; then
      as_pg "$bin/initdb" -D "$dir" -A trust -U postgres --no-locale -E UTF8 >/dev/null 2>"$dir.initdb.log" \
        || fail "initdb failed for $dir (see $dir.initdb.log): remove the folder or choose another with --dir"
      rm -f "$dir.initdb.log"
    fi
    if as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      # Already running (a previous run): connect where it listens, whatever port was asked for.
      port=$(sed -n 4p "$dir/postmaster.pid" 2>/dev/null || echo "$port")
    else
      opts="-p $port -k /tmp -c listen_addresses=127.0.0.1 -c max_connections=200"
      # Throwaway test clusters trade durability for speed.
      [ "$fast" = 1 ] && opts="$opts -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
      # A server-sized buffer cache (huge_pages=try uses the kernel's reserved huge pages when there are enough).
      [ -n "$shared_buffers" ] && opts="$opts -c shared_buffers=$shared_buffers -c huge_pages=try"
      as_pg "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -o "$opts" -w -t 30 start >/dev/null \
        || fail "PostgreSQL did not start on port $port ($(tail -n 1 "$dir/server.log" 2>/dev/null)): free the port or pick another"
    fi
    if ! as_pg "$bin/psql" -h /tmp -p "$port" -U postgres -tAc "select 1 from pg_database where datname='$db'" postgres | grep -q 1; then
      as_pg "$bin/psql" -h /tmp -p "$port" -U postgres -qc "create database \"$db\"" postgres \
        || fail "could not create database $db on port $port"
    fi
    echo "export DATABASE_URL=postgres://postgres@127.0.0.1:$port/$db"
    ;;
  stop)
    [ -f "$dir/PG_VERSION" ] || fail "no PostgreSQL cluster in $dir: name the one to stop with --dir (run.sh uses FD_PG_DIR, else /var/lib/feedback-dashboard/pg as root, .data/pg otherwise)"
    if as_pg "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
      as_pg "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || fail "pg_ctl could not stop the cluster in $dir (see $dir/server.log)"
    fi
    ;;
  *) echo "usage: $0 start|stop [--dir DIR] [--port PORT] [--db NAME] [--fast] [--shared-buffers SIZE]" >&2; exit 2 ;;
esac
