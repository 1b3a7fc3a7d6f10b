#!/usr/bin/env bash
# Starts FeedbackDashboard at http://127.0.0.1:5000 (ASPNETCORE_URLS overrides).
# Without DATABASE_URL it starts a local PostgreSQL (data kept in .data/pg, port 5433).
#   ./run.sh          serve
#   ./run.sh --demo   serve, and fill an empty database with clearly-labelled demo data
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${DATABASE_URL:-}" ]; then
  eval "$(db/dev-postgres.sh start --dir "$PWD/.data/pg" --port 5433)"
  export DATABASE_URL
  echo "Using the local PostgreSQL at $DATABASE_URL (data in .data/pg)"
fi

dotnet build FeedbackDashboard/FeedbackDashboard.csproj -c Release -v quiet -nologo
echo "FeedbackDashboard on ${ASPNETCORE_URLS:-http://127.0.0.1:5000}"
# The build folder is the content root: appsettings.json and the static web assets manifest live there.
cd FeedbackDashboard/bin/Release/net10.0
exec dotnet FeedbackDashboard.dll "$@"
