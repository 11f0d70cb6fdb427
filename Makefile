# sipsnare - one make-driven build.
#
#   make              the sipsnare program and libsipsnare.a (build/)
#   make test         unit, corpus, fuzz-replay and integration tests, plain and
#                     under AddressSanitizer + UndefinedBehaviorSanitizer
#   make bench        benchmarks (ratios against baselines run in the same command)
#   make bench-year   a simulated year of honeynet traffic through ingest and report
#   make fuzz         libFuzzer targets, each run FUZZ_SECONDS (clang)
#   make run          build and start the honeypot with etc/sipsnare.conf
#
# Knobs are plain make variables: CC=clang, SAN=1 (sanitizers), BUILD=dir,
# FUZZ_SECONDS=600, PGO=0 (no profile-guided optimisation, see below).

CC      ?= cc
CXX     ?= c++
BUILD   ?= build
PKG_CONFIG ?= pkg-config

PKGS      := libcrypto libseccomp sqlite3 libpq zlib libzstd jansson libmaxminddb libpcap
TEST_PKGS := libosip2 jansson

OPT       ?= -O2
CFLAGS    ?= $(OPT) -g
WARNFLAGS := -std=c11 -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wvla \
             -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
CPPFLAGS  += -D_GNU_SOURCE -Isrc -MMD -MP
LDLIBS    := $(shell $(PKG_CONFIG) --libs $(PKGS)) -lm -pthread
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS))

ifeq ($(SAN),1)
SANFLAGS  := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
SANCXXFLAGS := -fno-sanitize=vptr $(shell $(CXX) -fno-sanitize=function -x c++ -c /dev/null -o /dev/null 2>/dev/null && echo -fno-sanitize=function)
endif

# C++ sources (src/**/*.cc: the libphonenumber adapter) go into the same
# library; programs link with libphonenumber and the C++ runtime. The vptr
# and function checks (C++ runtime of UBSan) are off so that C drivers
# ($(CC)) can link the sanitized objects.
CXX_SRC   := $(shell find src -name '*.cc' | sort)
CXXWARNFLAGS := -std=c++17 -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wvla -Wformat=2
ALL_CXXFLAGS = $(CXXWARNFLAGS) $(CFLAGS) $(PGO_FLAGS) $(SANFLAGS) $(SANCXXFLAGS)
LDLIBS    += -lphonenumber -lstdc++

# Profile-guided optimisation (gcc): an optimised build compiles the
# library twice. First instrumented and linked into bench/pgo_train, which
# answers the requests real attack tools sent (tests/data/attack-tools/:
# SIPVicious, nmap, sipsak), then again with the counts that run left next
# to each object (.gcda), so that gcc lays out and inlines the code for the
# paths attack traffic takes: about 15% less time per request, measured in
# docs/PERFORMANCE.md. The training is not the benchmarks' request mix.
# PGO=0 turns it off (a faster edit-build cycle); sanitizer builds, clang
# and the fuzz targets never use it.
IS_GCC := $(shell $(CC) -v 2>&1 | grep -q '^gcc version' && echo 1)
ifeq ($(SAN),1)
override PGO := 0
endif
PGO ?= $(if $(IS_GCC),1,0)
PGO_STAMP  := $(BUILD)/pgo.stamp
# (bench_parse's two samples are left out: it does not time what trained it)
PGO_DATA   := $(filter-out tests/data/attack-tools/svwar_register.txt \
                tests/data/attack-tools/svcrack_register_auth.txt, \
                $(sort $(wildcard tests/data/attack-tools/*.txt tests/data/attack-tools/*.bin \
                tests/data/attack-tools/flows/*.txt tests/data/attack-tools/flows/client/*_req.txt)))
PGO_ROUNDS := 1000
ifeq ($(PGO),1)
PGO_FLAGS := -fprofile-use -fprofile-partial-training -Wno-missing-profile
else ifeq ($(PGO),gen)
PGO_FLAGS := -fprofile-generate -fprofile-update=single
endif

ALL_CFLAGS = $(WARNFLAGS) $(CFLAGS) $(PGO_FLAGS) $(PKG_CFLAGS) $(SANFLAGS)

LIB_SRC   := $(shell find src -name '*.c' ! -path 'src/cli/*' | sort)
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
TEST_SRC  := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))
TOOL_SRC  := bench/sipload.c bench/minresp.c
FUZZ_SRC  := $(sort $(wildcard fuzz/fuzz_*.c))

LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o) $(CXX_SRC:%.cc=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
LIB       := $(BUILD)/libsipsnare.a
PROG      := $(BUILD)/sipsnare
TESTS     := $(TEST_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BENCHES   := $(BENCH_SRC:bench/%.c=$(BUILD)/bench/%)
REPLAYS   := $(FUZZ_SRC:fuzz/fuzz_%.c=$(BUILD)/fuzz/replay_%)
TOOLS     := $(TOOL_SRC:bench/%.c=$(BUILD)/bench/%)

.PHONY: all test test-build bench fuzz fuzz-build run clean deps deps-runtime
all: $(PROG) sipsnare

# `make run` and `make test` work on a fresh machine: they install the Debian
# packages first when some are missing (as root; otherwise they print the
# apt-get command).
deps:
	@scripts/install-deps.sh --if-missing

# `make run` on a sensor host needs only the build and runtime packages.
deps-runtime:
	@scripts/install-deps.sh --runtime --if-missing

# A convenience link at the top so the README's commands stay short.
sipsnare: $(PROG)
	@[ "$(BUILD)" != build ] || ln -sf $(PROG) $@

# What the objects of $(BUILD) were compiled with. make compares only file
# times, so without this a change of compiler or flags in an existing build
# directory (CC=clang, OPT=-O0, PGO=0 after a PGO build) would keep the old
# objects. The file is rewritten only when the flags differ, and every
# object depends on it. (The PGO training's instrumented pass is the
# training's own business: it does not count.)
FLAGS_FILE  := $(BUILD)/flags
BUILD_FLAGS := $(CC) $(CXX) $(CPPFLAGS) $(ALL_CFLAGS) | $(ALL_CXXFLAGS) | $(LDLIBS)
ifneq ($(PGO),gen)
ifneq ($(BUILD_FLAGS),$(file <$(FLAGS_FILE)))
$(shell mkdir -p $(BUILD))
$(file >$(FLAGS_FILE),$(BUILD_FLAGS))
endif
$(LIB_OBJ) $(CLI_OBJ): $(FLAGS_FILE)
endif

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.cc
	@mkdir -p $(dir $@)
	$(CXX) $(CPPFLAGS) $(ALL_CXXFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(PROG): $(CLI_OBJ) $(LIB)
	$(CC) $(ALL_CFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

# The profile run (PGO above): the library's objects built instrumented in
# their own places (a static function's profile is keyed by its object's
# path), the workload run, and the objects removed again, so that they are
# built with its counts. Any change to a source or to the workload runs it
# again: a stale profile would not match the code.
ifeq ($(PGO),1)
$(LIB_OBJ): $(PGO_STAMP)
endif
$(PGO_STAMP): $(LIB_SRC) $(CXX_SRC) $(shell find src -name '*.h') bench/pgo_train.c $(PGO_DATA) Makefile \
              $(FLAGS_FILE)
	@echo "pgo: the library instrumented, then trained on $(words $(PGO_DATA)) attack-tool requests"
	@rm -f $(LIB_OBJ) $(LIB) $(BUILD)/bench/pgo_train
	@mkdir -p $(BUILD)/src && find $(BUILD)/src -name '*.gcda' -delete
	$(MAKE) --no-print-directory BUILD=$(BUILD) PGO=gen $(BUILD)/bench/pgo_train
	@$(BUILD)/bench/pgo_train $(PGO_ROUNDS) $(PGO_DATA)
	@rm -f $(LIB_OBJ) $(LIB) $(BUILD)/bench/pgo_train
	@touch $@

$(BUILD)/bench/pgo_train: bench/pgo_train.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LIB) $(LDLIBS)

TEST_LDLIBS = $(LDLIBS) $(shell $(PKG_CONFIG) --libs $(TEST_PKGS))
TEST_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(TEST_PKGS)) -Itests

$(BUILD)/tests/%: tests/unit/%.c $(LIB) tests/check.h
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS)

# Fuzz targets built as plain programs that replay a corpus (any compiler).
$(BUILD)/fuzz/replay_%: fuzz/fuzz_%.c fuzz/replay_main.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< fuzz/replay_main.c $(LIB) $(LDLIBS)

$(BUILD)/bench/%: bench/%.c $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) $(TEST_CFLAGS) -o $@ $< $(LIB) $(TEST_LDLIBS)

# bench_parse too: test_bench_parse runs its checks (no timing).
test-build: $(PROG) $(TESTS) $(REPLAYS) $(TOOLS) $(BUILD)/bench/bench_parse

# The tests run twice: an optimised build, then the same sources under
# ASan+UBSan in build/san. tests/run.sh prints the closing "N passed, N failed".
test: deps
	$(MAKE) --no-print-directory BUILD=$(BUILD) test-build sipsnare
	$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN=1 OPT=-O1 test-build
	SIPSNARE_PLAIN=$(CURDIR)/$(BUILD)/sipsnare SIPLOAD=$(CURDIR)/$(BUILD)/bench/sipload \
	  tests/run.sh $(BUILD) $(BUILD)/san

bench: deps
	$(MAKE) --no-print-directory BUILD=build $(PROG) $(BENCHES) $(TOOLS)
	bench/run.sh build

# A year of honeynet traffic (sipsnare simulate) from JSON lines to the HTML
# report, against the sqlite3 shell; BENCH_YEAR_SCALE=0.02 for a short run
# (docs/SIMULATE.md, docs/PERFORMANCE.md).
.PHONY: bench-year
bench-year: deps
	$(MAKE) --no-print-directory BUILD=build $(PROG)
	bench/bench_year.sh

# libFuzzer needs clang; each target runs FUZZ_SECONDS from the seeds in
# fuzz/corpus/<target>/ (committed, replayed by make test); new inputs go to
# build/fuzz-corpus/<target>/, crashes to fuzz/crashes/ (copy each fixed one
# into fuzz/corpus/<target>/ as a permanent regression input).
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build/fuzz-clang
FUZZ_FLAGS := -fsanitize=fuzzer,address,undefined -fno-omit-frame-pointer -g -O1
FUZZ_LIB_SRC := $(LIB_SRC)
FUZZ_CXX_OBJ := $(CXX_SRC:src/%.cc=$(FUZZ_BUILD)/cxx/%.o)
fuzz-build:
	@mkdir -p $(FUZZ_BUILD)
	@for c in $(CXX_SRC); do o=$(FUZZ_BUILD)/cxx/$${c#src/}; o=$${o%.cc}.o; mkdir -p $$(dirname $$o); \
	  clang++ $(CPPFLAGS) $(CXXWARNFLAGS) $(FUZZ_FLAGS) -fno-sanitize=vptr,function -c $$c -o $$o || exit 1; \
	done
	@for f in $(FUZZ_SRC); do t=$$(basename $$f .c); \
	  echo "clang $$t"; \
	  clang $(CPPFLAGS) $(WARNFLAGS) $(PKG_CFLAGS) $(FUZZ_FLAGS) -o $(FUZZ_BUILD)/$$t $$f $(FUZZ_LIB_SRC) $(FUZZ_CXX_OBJ) $(LDLIBS) || exit 1; \
	done

fuzz: fuzz-build
	@mkdir -p fuzz/crashes
	@for f in $(FUZZ_SRC); do t=$$(basename $$f .c); n=$${t#fuzz_}; \
	  mkdir -p fuzz/corpus/$$n build/fuzz-corpus/$$n; \
	  echo "== $$t for $(FUZZ_SECONDS)s"; \
	  $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -max_len=65535 \
	    -artifact_prefix=fuzz/crashes/$$n- -print_final_stats=1 \
	    build/fuzz-corpus/$$n fuzz/corpus/$$n || exit 1; \
	done

# Regenerates the IP snapshot data/ipdb/ from the ip-location-db npm
# packages (needs npm and the registry; docs/ENRICHMENT.md).
.PHONY: ipdb
ipdb:
	python3 scripts/gen-ipdb.py

run: deps-runtime
	$(MAKE) --no-print-directory $(PROG) sipsnare
	./sipsnare run -c etc/sipsnare.conf

clean:
	rm -rf build sipsnare

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
