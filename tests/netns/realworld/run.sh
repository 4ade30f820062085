#!/usr/bin/env bash
# run.sh - published real-world netsh ipsec scripts, run unchanged through
# ipsecpol: every corpus/NN-name.netsh (and published batch file,
# corpus/NN-name.bat or .cmd, run as cmd.exe runs it) against an empty
# installation, the facts of corpus/NN-name.expect checked, and the dump round
# trip (runner.py does the work; README.md describes the corpus and the .expect
# format).
#
#   run.sh [NN|NN-name.netsh|NN-name.bat ...]   only these scripts
set -u -o pipefail

: "${IPP_BIN_DIR:?IPP_BIN_DIR not set (the bin directory of the build)}"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! command -v python3 >/dev/null; then
	echo "FAIL: python3 is needed to run the corpus"
	exit 1
fi
exec python3 "$HERE/runner.py" "$HERE/corpus" "$@"
