#!/usr/bin/env bash
# `add filter` latency on a store holding 100k filters, as a ratio against the
# same insert into an empty store, measured in the same run.  Prints figures,
# asserts nothing.   usage: bench/store/run.sh [BUILD_DIR]
set -eu
BUILD=${1:-build}
BIN=${IPP_BIN_DIR:-$BUILD/bin}
dir=$(mktemp -d "${TMPDIR:-/tmp}/ipp-bench-store.XXXXXX")
trap 'rm -rf "$dir"' EXIT
"$BIN/ipp-bench-store" -n "${IPP_BENCH_FILTERS:-100000}" -s "${IPP_BENCH_SAMPLES:-300}" "$dir"

# A 100k-line netsh script in batch mode (goal: under 10 s), against the same
# script at 1k lines measured in the same run: the ratio of the per-line costs
# shows whether a line gets dearer as the store grows.
gen_script() { # N FILE
	awk -v n="$1" 'BEGIN {
		print "set store location=local"
		print "set batch mode=enable"
		print "add filteraction name=Block action=block"
		print "add policy name=Bench"
		for (i = 0; i < n; i++)
			printf "add filter filterlist=Big srcaddr=10.%d.%d.%d dstaddr=me protocol=TCP dstport=%d\n",
				int(i / 65536) % 256, int(i / 256) % 256, i % 256, 1 + i % 1000
		print "add rule name=R policy=Bench filterlist=Big filteraction=Block"
		print "set batch mode=disable"
	}' >"$2"
}
run_script() { # N -> seconds
	local n=$1 root="$dir/script-$1" t0 t1
	gen_script "$n" "$dir/s$n.netsh"
	mkdir -p "$root"
	t0=$(date +%s.%N)
	SSH_CONNECTION= "$BIN/ipsecpol" --root "$root" -f "$dir/s$n.netsh" >/dev/null
	t1=$(date +%s.%N)
	echo "$t1 - $t0" | bc -l
}
small=$(run_script 1000)
big=$(run_script "${IPP_BENCH_SCRIPT_LINES:-100000}")
n=${IPP_BENCH_SCRIPT_LINES:-100000}
printf 'netsh script in batch mode: %d lines %.2f s (goal < 10 s); 1000 lines %.3f s\n' "$n" "$big" "$small"
printf 'per-line cost, %d lines against 1000 lines: ratio %.2f\n' "$n" \
	"$(echo "($big / $n) / ($small / 1000)" | bc -l)"
