#!/usr/bin/env bash
# Runs every test against a throwaway PostgreSQL cluster and real Chromium, then stops what it started.
# Last line: "N passed, N failed".   ./test.sh --bench runs the benchmarks instead.
set -uo pipefail
cd "$(dirname "$0")"

if [ "${1:-}" = "--bench" ]; then shift; exec ./bench.sh "$@"; fi

# Browser tests drive Debian's Chromium (and need an emoji font for 👍/👎 in screenshots); install them once.
if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/truetype/noto ]; then
  echo "test.sh: installing chromium and fonts…"
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq chromium fonts-noto-color-emoji) >/dev/null \
    || { echo "test.sh: could not install chromium"; echo "0 passed, 1 failed"; exit 1; }
fi

# The deploy tests render the Kustomize overlays offline with kubectl.
if ! command -v kubectl >/dev/null 2>&1; then
  echo "test.sh: installing kubectl (kubernetes-client)…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq kubernetes-client) >/dev/null \
    || { echo "test.sh: could not install kubectl"; echo "0 passed, 1 failed"; exit 1; }
fi

# The GitHub schema tests read GitHub's published API descriptions from npm packages (pinned in
# FeedbackDashboard.Tests/GitHubSchema/package-lock.json), installed outside git once.
if ! FeedbackDashboard.Tests/GitHubSchema/install.sh .tools/npm; then
  echo "test.sh: could not install GitHub's API descriptions (npm)"; echo "0 passed, 1 failed"; exit 1
fi
export FD_NPM_TOOLS="$PWD/.tools/npm"
# The OpenAPI tests read the API's own document with tools nobody here wrote (Redocly's linter, openapi-typescript,
# openapi-fetch, tsc), pinned in FeedbackDashboard.Tests/ApiDocument/package-lock.json.
if ! FeedbackDashboard.Tests/ApiDocument/install.sh .tools/npm-api; then
  echo "test.sh: could not install the OpenAPI tools (npm)"; echo "0 passed, 1 failed"; exit 1
fi
export FD_NPM_API_TOOLS="$PWD/.tools/npm-api"

pgdir=$(mktemp -d /tmp/fd-test-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
results=$(mktemp -d /tmp/fd-test-results.XXXXXX)
cleanup() { db/dev-postgres.sh stop --dir "$pgdir"; rm -rf "$pgdir"; }
trap cleanup EXIT

if ! eval "$(db/dev-postgres.sh start --dir "$pgdir" --port "$port" --db postgres --fast)"; then
  echo "test.sh: PostgreSQL did not start"; echo "0 passed, 1 failed"; exit 1
fi
export FD_TEST_DATABASE_URL="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"

if ! dotnet build FeedbackDashboard.sln -c Release -v quiet -nologo; then
  echo "test.sh: build failed"; echo "0 passed, 1 failed"; exit 1
fi

# The xunit.v3 test project is an executable: run it directly for its XML report.
FeedbackDashboard.Tests/bin/Release/net10.0/FeedbackDashboard.Tests -noColor -result-xml "$results/results.xml" "$@"
status=$?

xml="$results/results.xml"
if [ -f "$xml" ]; then
  attr() { grep -o "<assembly [^>]*" "$xml" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*' | awk '{s+=$1} END {print s+0}'; }
  passed=$(attr passed); failed=$(attr failed); skipped=$(attr skipped); errors=$(attr errors)
  failed=$((failed + errors))
  [ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
  [ "$skipped" -gt 0 ] && echo "test.sh: $skipped skipped"
  # The failures' names last, beside the count, where a log's tail shows them.
  grep -o '<test [^>]*result="Fail"' "$xml" | grep -o ' name="[^"]*"' | sed 's/^ name="/test.sh: FAILED /; s/"$//'
  echo "$passed passed, $failed failed"
else
  echo "test.sh: the test run wrote no results"
  echo "0 passed, 1 failed"
  exit 1
fi
[ "$failed" -eq 0 ] && [ "$status" -eq 0 ]
