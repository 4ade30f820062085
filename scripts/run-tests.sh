#!/usr/bin/env bash
# The whole test suite, as `make test` and CI run it.
#   1. the main build's tests (unit, cli; netns when root)
#   2. the unit tests again under AddressSanitizer + UBSan
#   3. the libFuzzer targets built with clang, replaying their seed corpora
set -u
BUILD=${1:-build} ASAN_BUILD=${2:-build-asan} FUZZ_BUILD=${3:-build-fuzz} JOBS=${4:-2}
cd "$(dirname "$0")/.." || exit 1
# the tests are no SSH session of their own, whatever runs them (the session checks of
# the shell are tested with sessions the tests describe)
unset SSH_CONNECTION SSH_CLIENT
status=0
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT
labels="unit|cli|fuzz"
if [ "$(id -u)" -eq 0 ] && ip netns add ipp-probe-$$ 2>/dev/null; then
	ip netns del ipp-probe-$$
	labels="unit|cli|fuzz|netns"
else
	echo "run-tests: not root or no network namespaces here: namespace tests skipped" >&2
fi

echo "== main build: tests labelled $labels"
(cd "$BUILD" && ctest --output-on-failure -j"$JOBS" -L "$labels") 2>&1 | tee -a "$LOG"
[ "${PIPESTATUS[0]}" -eq 0 ] || status=1

echo "== sanitizer build (ASan + UBSan): unit tests"
if cmake -S . -B "$ASAN_BUILD" -DCMAKE_BUILD_TYPE=Debug -DIPP_WERROR=ON -DIPP_SANITIZE=ON \
	-DIPP_UNIT_ONLY=ON >/dev/null && cmake --build "$ASAN_BUILD" -j"$JOBS" >/dev/null; then
	(cd "$ASAN_BUILD" && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j"$JOBS" -L unit) 2>&1 |
		tee -a "$LOG"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
	echo "sanitizer build failed" >&2; status=1
fi

echo "== fuzz build (clang libFuzzer): corpus replay"
if CC=clang cmake -S . -B "$FUZZ_BUILD" -DCMAKE_BUILD_TYPE=Debug -DIPP_FUZZ=ON \
	-DIPP_UNIT_ONLY=ON >/dev/null && cmake --build "$FUZZ_BUILD" -j"$JOBS" >/dev/null; then
	(cd "$FUZZ_BUILD" && ctest --output-on-failure -L fuzz) 2>&1 | tee -a "$LOG"
	[ "${PIPESTATUS[0]}" -eq 0 ] || status=1
else
	echo "fuzz build failed" >&2; status=1
fi
# one closing line over the three runs: "N passed, M failed"
read -r total failed < <(sed -n 's/.*tests passed, \([0-9]*\) tests\{0,1\} failed out of \([0-9]*\).*/\2 \1/p' "$LOG" |
	awk '{t += $1; f += $2} END {print t + 0, f + 0}')
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
	failed=1 # a build failed: count it
fi
echo
echo "tests: $((total - failed)) passed, $failed failed"
exit $status
