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
