#!/bin/sh
# Parse+validate benchmark of a 10,000 virtual-server configuration (10 real
# servers each, every one with a TCP_CHECK: about 360,000 lines).
#
# Prints "parse+validate 10k VS: X ms, peak heap Y MB" from one parse in a
# process of its own, the maximum resident set size of that process when
# /usr/bin/time is there, then BenchmarkLoad10kVirtualServers (lines/s,
# MB allocated per parse). Target on the build machine: < 1 s, < 200 MB.
#
# Usage: bench/config/run.sh [benchtime]   (default 5x)
set -eu
cd "$(dirname "$0")/../.."
go=${GO:-go}
command -v "$go" >/dev/null 2>&1 || go=/usr/local/go/bin/go
benchtime=${1:-5x}
bin=$(mktemp -d)/config.test
trap 'rm -rf "$(dirname "$bin")"' EXIT
"$go" test -c -o "$bin" ./internal/config

if [ -x /usr/bin/time ]; then
	KEEPALIVED_BENCH_PEAK=1 /usr/bin/time -f "max RSS of that process: %M KB" \
		"$bin" -test.run '^TestLoad10kPeak$' -test.count 1 2>&1 | grep -E '^(parse\+validate|max RSS)'
else
	KEEPALIVED_BENCH_PEAK=1 "$bin" -test.run '^TestLoad10kPeak$' -test.count 1 | grep '^parse+validate'
fi
"$bin" -test.run '^$' -test.bench '^BenchmarkLoad10kVirtualServers$' -test.benchtime "$benchtime" | grep -E '^Benchmark'
