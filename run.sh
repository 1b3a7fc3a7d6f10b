#!/usr/bin/env bash
# Starts FeedbackDashboard at http://127.0.0.1:5000 (ASPNETCORE_URLS overrides).
# Without DATABASE_URL it starts a local PostgreSQL on port 5433 (FD_PG_PORT overrides) that survives restarts:
# data in .data/pg, or for root in /var/lib/feedback-dashboard/pg (FD_PG_DIR overrides), because the cluster runs as
# the postgres account, which cannot enter root's private home folder.
#   ./run.sh          serve
#   ./run.sh --demo   serve, and fill an empty database with clearly-labelled demo data
# Any failure ends with one line "run.sh: what failed: how to fix it".
set -euo pipefail
cd "$(dirname "$0")"

fail() { echo "run.sh: $*" >&2; exit 1; }

command -v dotnet >/dev/null 2>&1 \
  || fail "the .NET SDK is not installed: install dotnet-sdk-10.0 (https://dot.net/install), then run ./run.sh again"

if [ -z "${DATABASE_URL:-}" ]; then
  pg_port=${FD_PG_PORT:-5433}
  if [ "$(id -u)" = 0 ]; then
    pg_dir=${FD_PG_DIR:-/var/lib/feedback-dashboard/pg}
    # Let the postgres account through the parent, whatever root's umask is.
    if [ -z "${FD_PG_DIR:-}" ]; then
      mkdir -p /var/lib/feedback-dashboard && chmod 755 /var/lib/feedback-dashboard \
        || fail "cannot create /var/lib/feedback-dashboard: set FD_PG_DIR to a folder the postgres account can reach"
    fi
  else
    pg_dir=${FD_PG_DIR:-$PWD/.data/pg}
  fi
  pg_err=$(mktemp)
  trap 'rm -f "$pg_err"' EXIT
  if ! pg_env=$(db/dev-postgres.sh start --dir "$pg_dir" --port "$pg_port" 2>"$pg_err"); then
    reason=$(grep -v '^\s*$' "$pg_err" | tail -n 1)
    fail "the local PostgreSQL did not start (${reason:-no message}): fix that, or set DATABASE_URL to a database you can use"
  fi
  eval "$pg_env"
  [ -n "${DATABASE_URL:-}" ] || fail "db/dev-postgres.sh printed no DATABASE_URL: set DATABASE_URL to a database you can use"
  export DATABASE_URL
  echo "Using the local PostgreSQL at $DATABASE_URL (data in $pg_dir)"
fi

dotnet build FeedbackDashboard/FeedbackDashboard.csproj -c Release -v quiet -nologo \
  || fail "the build failed (errors above): fix them, or check that the .NET 10 SDK (global.json) is installed"
echo "FeedbackDashboard on ${ASPNETCORE_URLS:-http://127.0.0.1:5000}"
# The build folder is the content root: appsettings.json and the static web assets manifest live there.
cd FeedbackDashboard/bin/Release/net10.0
exec dotnet FeedbackDashboard.dll "$@"
