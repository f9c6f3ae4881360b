# hypernet.h - build the tests, examples and benchmarks into build/.
#
#   make              everything, -O2 -march=native, OpenMP when the compiler
#                     has it
#   make test         build and run every test; ends with "N passed, N failed"
#   make bench        build and run the benchmarks
#   make PORTABLE=1   no -march=native (binaries that run on any x86-64/ARM)
#   make OMP=0        no OpenMP
#   make SANITIZE=1   AddressSanitizer and UndefinedBehaviorSanitizer
#   make SHARED=DIR   where the shared fixtures and data mirror live

CC       ?= cc
BUILD    ?= build
PORTABLE ?= 0
OMP      ?= 1
SANITIZE ?= 0
SHARED   ?= $(abspath ../shared)
CFLAGS   ?= -O2 -g

ifeq ($(PORTABLE),1)
ARCH :=
else
ARCH := -march=native
endif

# Probe the compiler once: OpenMP, OpenBLAS and zlib (the last two only for
# the benchmarks' comparisons, never for the library).
probe = $(shell printf '$(2)\nint main(void){return 0;}\n' | \
          $(CC) $(1) -x c - -o /dev/null >/dev/null 2>&1 && echo 1)
ifeq ($(OMP),1)
ifeq ($(call probe,-fopenmp,),1)
OMPFLAGS := -fopenmp
endif
endif
HASH          := \#
HAVE_OPENBLAS := $(call probe,-lopenblas,$(HASH)include <cblas.h>)
HAVE_ZLIB     := $(call probe,-lz,$(HASH)include <zlib.h>)

ifeq ($(SANITIZE),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
            -fno-sanitize-recover=undefined
endif

WARN     := -std=c99 -pedantic -Wall -Wextra
ALL_CFLAGS = $(WARN) $(CFLAGS) $(ARCH) $(OMPFLAGS) $(SANFLAGS) \
             -DTEST_SHARED_DIR='"$(SHARED)"'
LDLIBS   := -lm

BENCH_DEFS :=
BENCH_LIBS :=
ifeq ($(HAVE_OPENBLAS),1)
BENCH_DEFS += -DHN_BENCH_OPENBLAS
BENCH_LIBS += -lopenblas
endif
ifeq ($(HAVE_ZLIB),1)
BENCH_DEFS += -DHN_BENCH_ZLIB
BENCH_LIBS += -lz
endif

TESTS    := $(patsubst tests/%.c,$(BUILD)/%,$(wildcard tests/test_*.c))
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/%,$(wildcard examples/*.c))
BENCHES  := $(patsubst bench/%.c,$(BUILD)/%,$(wildcard bench/bench_*.c))

.PHONY: all test bench clean
all: $(TESTS) $(EXAMPLES) $(BENCHES)

$(BUILD):
	mkdir -p $@

$(BUILD)/test_%: tests/test_%.c hypernet.h tests/test.h tests/track_alloc.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/bench_%: bench/bench_%.c hypernet.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) $(BENCH_DEFS) -o $@ $< $(BENCH_LIBS) $(LDLIBS)

$(BUILD)/%: examples/%.c hypernet.h | $(BUILD)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LDLIBS)

test: $(TESTS) $(BUILD)/inspect $(BUILD)/cifar_hyper $(BUILD)/compare_models
	@CC="$(CC)" SHARED="$(SHARED)" BUILD="$(BUILD)" sh tests/run.sh $(TESTS)

bench: $(BENCHES)
	@for b in $(BENCHES); do echo "== $$b"; $$b || exit 1; done

clean:
	rm -rf $(BUILD)
