#!/usr/bin/env bash
# Audits the pages as a first-time visitor sees them: starts the app with demo data (./run.sh --demo on a throwaway
# PostgreSQL and a free port), runs Lighthouse 12.2.3 (mobile and desktop presets) on Overview and Runs and axe-core on
# every page in both themes with Debian's Chromium, prints a table per page, and stops what it started.
#   FeedbackDashboard.Tests/Browser/lighthouse.sh               the build, as ./run.sh serves it
#   FeedbackDashboard.Tests/Browser/lighthouse.sh --published   the dotnet publish output, as the image serves it
#   FeedbackDashboard.Tests/Browser/lighthouse.sh --trim-css    rewrites wwwroot/mudblazor.used.css (after a MudBlazor
#                                                               upgrade or new markup) instead of auditing
# LIGHTHOUSE_PAGES=/,/runs,/rules picks the Lighthouse pages, LIGHTHOUSE_RUNS=5 the runs per page and preset (median
# reported; 3 unless set). Exits non-zero when axe finds a serious or critical issue.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
tools="$root/.tools/audit"
fail() { echo "lighthouse.sh: $*" >&2; exit 1; }

[ -x /usr/bin/chromium ] || fail "Debian's chromium is missing: apt-get install chromium"
command -v npm >/dev/null || fail "npm is missing: apt-get install npm"
# Lighthouse and axe-core at the versions locked beside audit.mjs, outside git; redone only when the lock changes.
if ! cmp -s "$here/audit/package-lock.json" "$tools/installed-lock.json"; then
  echo "installing Lighthouse and axe-core (npm) into $tools…" >&2
  mkdir -p "$tools" && rm -f "$tools/installed-lock.json"
  cp "$here/audit/package.json" "$here/audit/package-lock.json" "$tools/"
  (cd "$tools" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error >/dev/null) || fail "npm ci failed in $tools"
  cp "$here/audit/package-lock.json" "$tools/installed-lock.json"
fi
cp "$here/audit/audit.mjs" "$here/audit/trim-css.mjs" "$tools/"

work=$(mktemp -d /tmp/fd-audit.XXXXXX)
pg_port=$(( 20000 + RANDOM % 20000 ))
app_port=$(( 40000 + RANDOM % 20000 ))
app_pid=""
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null && wait "$app_pid" 2>/dev/null
  "$root/db/dev-postgres.sh" stop --dir "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/pg" && chmod 755 "$work"

url="http://127.0.0.1:$app_port"
if [ "${1:-}" = "--published" ]; then
  eval "$("$root/db/dev-postgres.sh" start --dir "$work/pg" --port "$pg_port")"
  dotnet publish "$root/FeedbackDashboard/FeedbackDashboard.csproj" -c Release -nologo -v quiet -o "$work/app" >/dev/null || fail "dotnet publish failed"
  (cd "$work/app" && DATABASE_URL=$DATABASE_URL ASPNETCORE_URLS=$url exec dotnet FeedbackDashboard.dll --demo) >"$work/app.log" 2>&1 &
else
  FD_PG_DIR="$work/pg" FD_PG_PORT=$pg_port ASPNETCORE_URLS=$url "$root/run.sh" --demo >"$work/app.log" 2>&1 &
fi
app_pid=$!
for _ in $(seq 1 300); do
  curl -fs "$url/readyz" >/dev/null 2>&1 && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$work/app.log" >&2; fail "the app exited before it was ready"; }
  sleep 1
done
curl -fs "$url/readyz" >/dev/null || fail "the app was not ready within 5 minutes (log: $work/app.log)"
# Once, untimed: the first request of each page pays for the app's own start-up (JIT), which no visitor sees twice.
for p in / /runs; do curl -fs "$url$p" >/dev/null; done

if [ "${1:-}" = "--trim-css" ]; then
  CHROME_PATH=/usr/bin/chromium node "$tools/trim-css.mjs" "$url" "$root"
else
  CHROME_PATH=/usr/bin/chromium node "$tools/audit.mjs" "$url"
fi
