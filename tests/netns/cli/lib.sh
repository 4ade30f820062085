# Shared helpers of the cli tests: a scratch installation root, the programs,
# assertions.  Sourced by every test; IPP_BIN_DIR comes from ctest.
set -u
BIN=${IPP_BIN_DIR:?IPP_BIN_DIR is not set}
SRC=${IPP_SOURCE_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)}
TMP=$(mktemp -d /tmp/ipp-cli.XXXXXX)
trap 'rm -rf "$TMP"' EXIT
ROOT=$TMP/root
mkdir -p "$ROOT"
# DNS: a name that does not resolve must fail fast, network or not
export RES_OPTIONS="timeout:1 attempts:1"

IPSECPOL="$BIN/ipsecpol --root $ROOT"
NETSH="$BIN/netsh --root $ROOT"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# run_ok CMD...: must succeed; its stdout in $OUT, stderr in $ERR.  Standard input
# (what a batch file's prompts read): $STDIN, /dev/null when not set.
run_ok() {
	OUT=$("$@" <"${STDIN:-/dev/null}" 2>"$TMP/stderr") || fail "exit $? from: $* -- $(cat "$TMP/stderr")"
	ERR=$(cat "$TMP/stderr")
}

# run_fail PATTERN CMD...: must fail with exit 1 and PATTERN (grep -F) in
# stderr, or for netsh (whose failures go to standard output, as Windows'
# netsh prints them) in stdout.
run_fail() {
	local pat=$1 rc where
	shift
	OUT=$("$@" <"${STDIN:-/dev/null}" 2>"$TMP/stderr")
	rc=$?
	ERR=$(cat "$TMP/stderr")
	[ "$rc" -eq 1 ] || fail "exit $rc (expected 1) from: $* -- $ERR"
	where=$ERR
	case $1 in */netsh) where=$OUT ;; esac
	grep -qF -- "$pat" <<<"$where" || fail "the failure of: $*
  $where
lacks: $pat"
}

# contains TEXT PATTERN [what]
contains() {
	grep -qF -- "$2" <<<"$1" || fail "${3:-output} lacks \"$2\":
$1"
}

lacks() {
	! grep -qF -- "$2" <<<"$1" || fail "${3:-output} has \"$2\":
$1"
}

# dump of store $1 (default local) of root $2 (default $ROOT)
dump_store() {
	printf 'set store location=%s\ndump\n' "${1:-local}" | "$BIN/ipsecpol" --root "${2:-$ROOT}" -f -
}
