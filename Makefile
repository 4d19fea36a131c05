# wirestack — top-level entry points. `make demo` and `make test` each work
# on a fresh Debian 12 machine as root: they install what is missing, build,
# then run.
.PHONY: all deps build demo test test-unit asan fuzz-build fuzz-smoke fuzz soak bench bench-tap bench-loss format clean help

BUILD        ?= build
ASAN_BUILD   ?= build-asan
FUZZ_BUILD   ?= build-fuzz
JOBS         ?= $(shell nproc)
FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= 0
FUZZ_TARGETS ?=
FUZZ_ARGS    ?=
SMOKE_RUNS   ?= 200000
CMAKE_FLAGS  ?=

# Debian packages the build, the tests and the tools need.
PACKAGES := cmake ninja-build g++ clang libclang-rt-14-dev ccache pkg-config \
            libgtest-dev libgmock-dev libbenchmark-dev libfmt-dev libcli11-dev libpcap-dev \
            tshark tcpdump iproute2 iputils-ping ethtool python3 \
            curl wrk socat netcat-openbsd \
            chromium fonts-dejavu-core fonts-wqy-microhei

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

help:
	@echo "make demo        install deps, build, run 'wirestack demo' (seed 000's TCP conversation, live; diagram, page, PNGs)"
	@echo "make test        install deps, build, run every test (unit, tshark, sanitizers, fuzz smoke)"
	@echo "make build       Release build in $(BUILD)/"
	@echo "make asan        clang ASan+UBSan build in $(ASAN_BUILD)/ and its tests"
	@echo "make fuzz        libFuzzer campaign: FUZZ_SECONDS=N per target (or FUZZ_RUNS=N); FUZZ_TARGETS, FUZZ_ARGS"
	@echo "make soak        SOAK_CASES (10000) random TCP transfers under faults, all checked by SHA-256"
	@echo "make bench       benchmarks next to their references"
	@echo "make bench-tap   TCP throughput wirestack <-> Linux over a TAP vs Linux <-> Linux over veth (root)"
	@echo "make bench-loss  sim transfer on smoltcp's 72-cell loss grid, goodput next to smoltcp's, then the bbr block (SEED=1, CC=reno|cubic|bbr)"
	@echo "make format      clang-format every source file"

deps:
	@missing=""; for p in $(PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  echo "wireshark-common wireshark-common/install-setuid boolean false" | $(SUDO) debconf-set-selections; \
	  $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(BUILD)/build.ninja: | deps
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# The main job, then the diagram of each variant and a PNG of every diagram
# (headless Chromium renders them as a browser shows them).
demo: build
	cd $(BUILD) && ./tools/wirestack demo --pcap demo.pcap --svg demo.svg --html demo.html
	cd $(BUILD) && ./tools/wirestack demo --loss 0.2 --seed 3 --svg demo-loss.svg >/dev/null && \
	  ./tools/wirestack demo --across-router --svg demo-router.svg >/dev/null && \
	  ./tools/wirestack demo --half-close --svg demo-half-close.svg >/dev/null
	cd $(BUILD) && for d in demo demo-loss demo-router demo-half-close; do \
	  $(CURDIR)/tests/scripts/browser.sh shot $$d.svg $$d.png || exit 1; done
	@echo "written: $(abspath $(BUILD))/demo.pcap (tshark -r it), demo.svg (the sequence diagram), demo.html (step through it, offline)"
	@echo "         and demo.png, demo-loss.png, demo-router.png, demo-half-close.png (the diagrams rendered by Chromium)"
	@echo "more: $(BUILD)/tools/wirestack demo --help   (--loss P --seed S, --across-router, --half-close, --random-isn)"

test-unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

$(ASAN_BUILD)/build.ninja: | deps
	CC=clang CXX=clang++ cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-g -O1" \
	  -DWS_SANITIZE=ON -DWS_FUZZ=ON -DWS_BENCH=OFF $(CMAKE_FLAGS)

# Unit tests under ASan+UBSan (clang), plus every fuzz target for a short
# bounded run over its seed corpus.
asan: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -j $(JOBS)

# The Release build and all its tests, then the sanitizer build and its
# tests (CI: .ci/run, 25 min on 2 cores). What runs in which stage, the
# smaller sizes ctest gives the long interop scripts and why, and how CTest
# schedules them: tests/README.md.
test: test-unit asan

fuzz-build: deps $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)

# A real campaign: each target for FUZZ_SECONDS (or exactly FUZZ_RUNS runs).
fuzz: fuzz-build
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_TARGETS="$(FUZZ_TARGETS)" FUZZ_ARGS="$(FUZZ_ARGS)" \
	  ./fuzz/run_campaign.sh $(ASAN_BUILD)

# The long robustness run: WS_SOAK_CASES random transfers under faults.
SOAK_CASES ?= 10000
soak: build
	WS_SOAK_CASES=$(SOAK_CASES) ./$(BUILD)/tests/net_tests --gtest_filter=Soak.*

bench: build
	./$(BUILD)/bench/wirestack_bench
	./$(BUILD)/bench/wirestack_tcp_bench
	./$(BUILD)/bench/wirestack_checksum_bench

# wirestack <-> Linux over a TAP next to Linux <-> Linux over veth (root).
bench-tap: build
	WIRESTACK=$(BUILD)/tools/wirestack bench/tap_bench.sh

# wirestack's goodput on smoltcp's loss grid (bench/smoltcp_loss_grid.csv),
# two cells at a time; the report also goes to $(BUILD)/bench-loss.txt.
# SEED (default 1) and CC (the congestion control, once sim transfer has
# --cc) are read from the environment or the command line.
bench-loss: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target wirestack
	WIRESTACK=$(BUILD)/tools/wirestack OUT=$(BUILD)/bench-loss.txt JOBS=2 \
	  CC="$(if $(filter command line environment,$(origin CC)),$(CC),)" python3 bench/loss_grid.py
	@echo; echo "--- bbr ---"
	WIRESTACK=$(BUILD)/tools/wirestack OUT=$(BUILD)/bench-loss-bbr.txt JOBS=2 CC=bbr python3 bench/loss_grid.py

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
