# ipsecpol - top-level entry points.  Each target installs what it needs first.
#   make            build the programs into build/bin
#   make test       unit, shell and namespace tests, the sanitizer build, the fuzz corpus replay
#   make demo       the tour: Block80 and a second policy, then real traffic in namespaces
#   make bench      benchmarks (figures printed as ratios, nothing asserted)
#   make install    install under $(PREFIX) (default /usr/local)

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX     ?= /usr/local
JOBS       ?= 2
CMAKE_ARGS ?=

.PHONY: all deps build test test-unit test-asan test-fuzz demo bench install clean

all: build

deps:
	@sh scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIPP_WERROR=ON \
		-DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_ARGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	@bash scripts/run-tests.sh "$(BUILD)" "$(ASAN_BUILD)" "$(FUZZ_BUILD)" "$(JOBS)"

test-unit: build
	@cd $(BUILD) && ctest --output-on-failure -L unit

demo: build
	@bash scripts/demo.sh "$(BUILD)"

bench: build
	@bash bench/run.sh "$(BUILD)"

install: build
	@cmake --install $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
