# Thin wrapper over CMake. The two commands of the quick start:
#   make run    install missing packages, build, migrate, serve on :5000
#   make test   install what tests need, build, run every test
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build run test test-asan bench bench-scaleout bench-memory fuzz screenshots fmt clean

all: build

deps:
	@scripts/deps.sh build

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/maang migrate
	./$(BUILD)/maang serve

test:
	@scripts/deps.sh test
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer.
test-asan:
	@$(MAKE) test BUILD=build-asan CMAKE_FLAGS="-DCMAKE_BUILD_TYPE=Debug -DMAANG_ASAN=ON -DMAANG_UBSAN=ON"

bench:
	@scripts/deps.sh bench
	@$(MAKE) build
	@bench/run.sh

# SQLite, PostgreSQL + Redis, and two instances behind nginx, in one run.
bench-scaleout:
	@scripts/deps.sh bench
	@$(MAKE) build
	@bench/run-scaleout.sh

# Memory: embedding speed, retrieval quality, search latency at 1k/10k/100k memories.
bench-memory:
	@$(MAKE) build
	@$(BUILD)/maang bench embed
	@$(BUILD)/maang bench retrieval
	@$(BUILD)/maang bench memory --sizes 1000,10000,100000

# libFuzzer on the MCP message handler for FUZZ_SECONDS (default 60), with
# ASan and UBSan; new inputs go to build-fuzz/corpus-mcp (the seeds stay).
FUZZ_SECONDS ?= 60
fuzz:
	@scripts/deps.sh test
	@CC=clang cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=Debug -DMAANG_FUZZ=ON >/dev/null
	@cmake --build build-fuzz -j $(JOBS) --target fuzz_mcp
	@mkdir -p build-fuzz/corpus-mcp
	@build-fuzz/tests/fuzz_mcp -max_total_time=$(FUZZ_SECONDS) -max_len=65536 \
		build-fuzz/corpus-mcp tests/fuzz/corpus/mcp

# The README's screenshots of the dashboard (docs/screenshots/), from the real pages.
screenshots: build
	@scripts/deps.sh test
	@MAANG_BIN=$(BUILD)/maang node tests/e2e/screenshots.mjs

fmt:
	@clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-asan build-fuzz
