#!/usr/bin/env bash
# golden.sh - the compiler's golden cases (tests/unit/compile/golden) in a real kernel:
# each emitted ruleset loads with `nft -f` in a fresh network namespace, and each
# element-level difference ("next" cases) applies on top of the ruleset of the state it
# was computed from, as the agent applies it.  The text is compared by the unit test; this
# proves the kernel takes it.  Exit 0 only if all load; 77 when it cannot run.
set -u -o pipefail

BUILD=${IPP_BUILD_DIR:?IPP_BUILD_DIR is not set}
GOLDEN=$BUILD/tests/test_compile_golden
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: needs root (network namespaces)"
	exit 77
fi
command -v nft >/dev/null || { echo "SKIP: nft is not installed"; exit 77; }
[ -x "$GOLDEN" ] || { echo "SKIP: $GOLDEN is not built"; exit 77; }

WORK=$(mktemp -d /tmp/ipp-golden.XXXXXX)
NS="ipg$$"
NPASS=0 NFAIL=0
cleanup() {
	ip netns del "$NS" 2>/dev/null
	if [ "${KEEP:-0}" = 1 ]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ! IPP_GOLDEN_KERNEL_DIR=$WORK IPP_SOURCE_DIR=${IPP_SOURCE_DIR:?} "$GOLDEN" >"$WORK/golden.log" 2>&1; then
	echo "FAIL: the golden unit test failed"; cat "$WORK/golden.log"; exit 1
fi

# a namespace of its own for each case (a name used again right after its deletion can
# meet the old one still being torn down)
NSN=0
fresh() {
	ip netns del "$NS" 2>/dev/null
	NSN=$((NSN + 1))
	NS="ipg$$n$NSN"
	ip netns add "$NS" || { echo "FAIL: cannot create namespace $NS"; exit 1; }
}
load() { ip netns exec "$NS" nft -f "$1" >"$WORK/nft.err" 2>&1; }

for new in "$WORK"/*.new.nft; do
	name=$(basename "$new" .new.nft)
	fresh
	if load "$new"; then
		echo "PASS $name: the ruleset loads"; NPASS=$((NPASS + 1))
	else
		echo "FAIL $name: the ruleset does not load"; sed 's/^/  | /' "$WORK/nft.err" | head -n 8
		NFAIL=$((NFAIL + 1))
	fi
	[ -f "$WORK/$name.diff.nft" ] || continue
	fresh
	if load "$WORK/$name.old.nft" && load "$WORK/$name.diff.nft"; then
		echo "PASS $name: the difference applies to the old state"; NPASS=$((NPASS + 1))
	else
		echo "FAIL $name: the difference does not apply"; sed 's/^/  | /' "$WORK/nft.err" | head -n 8
		NFAIL=$((NFAIL + 1))
	fi
done
# the in-place patches of random single-filter changes (tests/unit/compile/order.c)
ORDER=$BUILD/tests/test_compile_order
if [ -x "$ORDER" ]; then
	mkdir -p "$WORK/patch"
	IPP_PATCH_KERNEL_DIR=$WORK/patch IPP_ORDER_CASES=${IPP_PATCH_CASES:-120} "$ORDER" \
		>"$WORK/order.log" 2>&1 || { echo "FAIL: the order unit test failed"; NFAIL=$((NFAIL + 1)); }
	np=0 nbad=0
	for patch in "$WORK"/patch/*.patch.nft; do
		[ -f "$patch" ] || continue
		name=$(basename "$patch" .patch.nft)
		fresh
		np=$((np + 1))
		if ! load "$WORK/patch/$name.old.nft" || ! load "$patch"; then
			nbad=$((nbad + 1))
			echo "FAIL $name: the patch does not apply"; sed 's/^/  | /' "$WORK/nft.err" | head -n 8
		fi
	done
	if [ "$np" -gt 0 ] && [ "$nbad" -eq 0 ]; then
		echo "PASS in-place patches: $np of them apply to the ruleset they were made for"
		NPASS=$((NPASS + 1))
	else
		echo "FAIL in-place patches: $nbad of $np do not apply"; NFAIL=$((NFAIL + 1))
	fi
fi
echo "golden in the kernel: $NPASS passed, $NFAIL failed"
[ "$NFAIL" -eq 0 ] && [ "$NPASS" -gt 0 ]
