#!/usr/bin/env bash
# Benchmarks: GitHub cost per strategy, freshness per schedule, reconcile throughput, read latency at scale, fidelity under churn,
# cycle wall time for 1, 2 and 4 pollers.
# Prints tables and writes bench-results/bench.json (and bench.txt). Same as ./test.sh --bench.
set -uo pipefail
cd "$(dirname "$0")"

# The concurrency benchmark drives the app with wrk (Debian's package); install it once.
if ! command -v wrk >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null || { echo "bench.sh: could not install wrk"; exit 1; }
fi

# PostgreSQL as a server runs it: a buffer cache that holds the 1M-row data set (1 GB) in huge pages. Without them
# every new backend takes a page fault on each 4 kB of the cache it first touches, and pgbench's fresh connections
# spend their run faulting. The kernel's reserve is raised for the run when this user may (root), and put back after.
hugepages=/proc/sys/vm/nr_hugepages
hugepages_before=$(cat "$hugepages" 2>/dev/null || echo "")
if [ -w "$hugepages" ] && [ "${hugepages_before:-0}" -lt 600 ]; then
  echo 600 > "$hugepages" 2>/dev/null || true
fi
echo "bench.sh: PostgreSQL shared_buffers 1GB, huge pages reserved: $(cat "$hugepages" 2>/dev/null || echo unknown)"

# The circuits benchmark has the app collect its garbage before it reads the live heap, through dotnet-trace.
if ! command -v dotnet-trace >/dev/null 2>&1 && [ ! -x "$HOME/.dotnet/tools/dotnet-trace" ]; then
  dotnet tool install --global dotnet-trace >/dev/null || { echo "bench.sh: could not install dotnet-trace"; exit 1; }
fi

pgdir=$(mktemp -d /tmp/fd-bench-pg.XXXXXX)
port=$(( 20000 + RANDOM % 20000 ))
cleanup() {
  db/dev-postgres.sh stop --dir "$pgdir"; rm -rf "$pgdir"
  if [ -n "$hugepages_before" ] && [ -w "$hugepages" ]; then echo "$hugepages_before" > "$hugepages" 2>/dev/null || true; fi
}
trap cleanup EXIT
eval "$(db/dev-postgres.sh start --dir "$pgdir" --port "$port" --db postgres --fast --shared-buffers 1GB)" \
  || { echo "bench.sh: PostgreSQL did not start"; exit 1; }
export FD_TEST_DATABASE_URL="Host=127.0.0.1;Port=$port;Username=postgres;Database=postgres"
export BENCH_OUT="$PWD/bench-results"
# A full run starts afresh; a filtered one (./bench.sh -class …) adds to the figures already there.
[ $# -eq 0 ] && rm -rf "$BENCH_OUT"
mkdir -p "$BENCH_OUT"

dotnet build FeedbackDashboard.sln -c Release -v quiet -nologo || exit 1
# Benchmarks are explicit tests: they never run in ./test.sh. One at a time, so figures do not disturb each other.
FeedbackDashboard.Tests/bin/Release/net10.0/FeedbackDashboard.Tests -noColor -explicit only -trait Category=Benchmark \
  -parallel none -result-xml "$BENCH_OUT/results.xml" "$@" > "$BENCH_OUT/run.log" 2>&1
status=$?
cat "$BENCH_OUT/bench.txt" 2>/dev/null
# The benchmarks README's plot of freshness (lag p95 against comments per installation, both schedules).
python3 FeedbackDashboard.Tests/Benchmarks/plot_freshness.py "$BENCH_OUT/bench.json" "$BENCH_OUT/freshness-lag.svg" 2>/dev/null \
  && echo "plot: $BENCH_OUT/freshness-lag.svg (the benchmarks README shows a copy: FeedbackDashboard.Tests/Benchmarks/freshness-lag.svg)"
grep -E "\[FAIL\]|Total:" "$BENCH_OUT/run.log"
echo "figures: $BENCH_OUT/bench.json"
exit $status
