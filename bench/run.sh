#!/usr/bin/env bash
# Runs every benchmark and prints its figures.  Figures are ratios against a
# baseline measured in the same run; nothing is asserted.
set -u
BUILD=${1:-build}
cd "$(dirname "$0")/.." || exit 1
export IPP_BIN_DIR=$PWD/$BUILD/bin
status=0
for b in bench/store/run.sh bench/datapath/run.sh bench/agent/run.sh; do
	[ -x "$b" ] || [ -f "$b" ] || continue
	echo "== $b"
	bash "$b" "$BUILD" || status=1
done
exit $status
