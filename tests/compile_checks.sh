#!/bin/sh
# The header must build without a warning under every compiler and
# configuration below. Each check prints "PASS name", "FAIL name" (with the
# compiler's words) or "SKIP name (why)" when its compiler is not installed.
# Checks that produce a program for this machine also run it.
cd "$(dirname "$0")/.." || exit 1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
src=tests/compile_main.c
strict="-std=c99 -pedantic -Wall -Wextra -Werror"

# check NAME RUN COMPILER [FLAGS...]: compile $src; RUN=1 runs the result,
# RUN=0 does not, any other RUN is the emulator to run it under.
check() {
    name=$1 run=$2 cc=$3
    shift 3
    if ! command -v "$cc" >/dev/null 2>&1; then
        echo "SKIP $name ($cc not installed)"
        return
    fi
    if ! "$cc" "$@" >"$tmp/$name.log" 2>&1; then
        echo "FAIL $name: $cc $*"
        sed 's/^/    /' "$tmp/$name.log" | head -n 20
        return
    fi
    if [ "$run" != 0 ] && [ "$run" != 1 ] && ! command -v "$run" >/dev/null 2>&1; then
        echo "SKIP $name ($run not installed)"
        return
    fi
    if [ "$run" = 1 ] && ! "$tmp/$name" >>"$tmp/$name.log" 2>&1; then
        echo "FAIL $name: the program it built failed"
        sed 's/^/    /' "$tmp/$name.log" | head -n 20
        return
    fi
    if [ "$run" != 0 ] && [ "$run" != 1 ] && ! "$run" "$tmp/$name" >>"$tmp/$name.log" 2>&1; then
        echo "FAIL $name: the program it built failed"
        sed 's/^/    /' "$tmp/$name.log" | head -n 20
        return
    fi
    echo "PASS $name"
}

# check_fails NAME COMPILER [FLAGS...]: the compile must be refused.
check_fails() {
    name=$1 cc=$2
    shift 2
    if "$cc" "$@" >"$tmp/$name.log" 2>&1; then
        echo "FAIL $name: compiled, but should have been refused"
    else
        echo "PASS $name"
    fi
}

o() { echo "-o $tmp/$1"; }

# Cross builds use clang with --target and Debian's cross sysroot packages
# (libc6-dev-ARCH-cross, libgcc-12-dev-ARCH-cross, binutils-TRIPLE): unlike
# Debian's gcc cross compilers, those can be installed beside gcc-multilib.
# cross ARCH prints the compiler to use, or a name that check reports as not
# installed when the sysroot is missing.
cross() {
    if [ -d "/usr/$1-linux-gnu/include" ] && [ -d "/usr/lib/gcc-cross/$1-linux-gnu" ] &&
        command -v "$1-linux-gnu-ld" >/dev/null 2>&1; then
        echo clang
    else
        echo "$1-linux-gnu-sysroot"
    fi
}

check gcc-c99 1 gcc $strict $src $(o gcc-c99) -lm
check gcc-c99-native 1 gcc $strict -O2 -march=native $src $(o gcc-c99-native) -lm
check clang-c99 1 clang $strict -O2 $src $(o clang-c99) -lm
check gxx 1 g++ -x c++ -Wall -Wextra -Werror -O2 $src $(o gxx)
check clangxx 1 clang++ -x c++ -Wall -Wextra -Werror -O2 $src $(o clangxx)
check gxx-native 1 g++ -x c++ -Wall -Wextra -Werror -O2 -march=native $src $(o gxx-native)
check gcc-no-simd 1 gcc $strict -O2 -march=native -DHN_NO_SIMD $src $(o gcc-no-simd) -lm
check gcc-no-stdio 1 gcc $strict -O2 -DHN_NO_STDIO $src $(o gcc-no-stdio) -lm
check gcc-static 1 gcc $strict -O2 -DHYPERNET_STATIC $src $(o gcc-static) -lm
check gcc-openmp 1 gcc $strict -O2 -fopenmp $src $(o gcc-openmp) -lm
check gcc-allocator 1 gcc $strict -DCUSTOM_ALLOCATOR $src $(o gcc-allocator) -lm
check gcc-avx512-compile 0 gcc $strict -O2 -mavx512f -mavx512dq -mfma -c $src \
    $(o gcc-avx512-compile.o)
check_fails gcc-allocator-partial gcc $strict -DHN_MALLOC=malloc -c $src \
    $(o partial.o)

# 32-bit x86 (gcc-multilib): the RNG test pins the stream, so running it
# proves a 32-bit build draws the same numbers as a 64-bit one.
check gcc-m32 1 gcc $strict -m32 -O2 $src $(o gcc-m32) -lm
check gcc-m32-test-core 1 gcc -m32 -std=c99 -O2 tests/test_core.c \
    $(o gcc-m32-test-core) -lm

# tcc: a small compiler without GCC's extensions.
check tcc 1 tcc -Wall -Werror $src $(o tcc) -lm
check tcc-test-core 1 tcc tests/test_core.c $(o tcc-test-core) -lm

# A Cortex-M4 microcontroller, compile only.
check cortex-m4 0 arm-none-eabi-gcc $strict -O2 -mcpu=cortex-m4 -mthumb \
    -mfloat-abi=hard -mfpu=fpv4-sp-d16 -DHN_NO_STDIO -c $src $(o cortex-m4.o)

# The GEMM test on every micro-kernel this machine can run: scalar, SSE2,
# AVX2+FMA (gcc with OpenMP, clang without), 32-bit x86; AVX-512 compiles
# only (no AVX-512 here); AArch64 NEON runs under QEMU user mode (clang with
# the cross sysroot, see cross() above; qemu-user). The full sweep
# runs in `make test`; these take the thinned one.
gemm="tests/test_gemm.c -DTEST_GEMM_QUICK"
check test-gemm-scalar 1 gcc $strict -O2 -march=native -DHN_NO_SIMD $gemm \
    $(o test-gemm-scalar) -lm
check test-gemm-sse2 1 gcc $strict -O2 -march=x86-64 $gemm $(o test-gemm-sse2) -lm
check test-gemm-avx2-openmp 1 gcc $strict -O2 -mavx2 -mfma -fopenmp $gemm \
    $(o test-gemm-avx2-openmp) -lm
check test-gemm-avx2-clang 1 clang $strict -O2 -mavx2 -mfma $gemm \
    $(o test-gemm-avx2-clang) -lm
check test-gemm-m32 1 gcc $strict -m32 -O2 $gemm $(o test-gemm-m32) -lm
check test-gemm-m32-sse2 1 gcc $strict -m32 -msse2 -O2 $gemm $(o test-gemm-m32-sse2) -lm
check test-gemm-avx512-compile 0 gcc $strict -O2 -mavx512f -mavx512dq -mfma -c \
    $gemm $(o test-gemm-avx512-compile.o)
check test-gemm-aarch64-neon qemu-aarch64 $(cross aarch64) $strict -O2 -static \
    --target=aarch64-linux-gnu $gemm $(o test-gemm-aarch64-neon) -lm
# The layers (convolutions with their Winograd and wide-row kernels, whose
# vector code differs per ISA) on the scalar, SSE2 and AArch64 NEON paths.
check test-layers-scalar 1 gcc $strict -O2 -march=native -DHN_NO_SIMD tests/test_layers.c \
    $(o test-layers-scalar) -lm
check test-layers-sse2 1 gcc $strict -O2 -march=x86-64 tests/test_layers.c \
    $(o test-layers-sse2) -lm
check test-layers-aarch64-neon qemu-aarch64 $(cross aarch64) $strict -O2 -static \
    --target=aarch64-linux-gnu tests/test_layers.c $(o test-layers-aarch64-neon) -lm
# 32-bit ARM NEON (no fused multiply-add there), compile only.
check armv7-neon-compile 0 arm-none-eabi-gcc $strict -O2 -mcpu=cortex-a9 -mfpu=neon \
    -mfloat-abi=hard -DHN_NO_STDIO -c $src $(o armv7-neon-compile.o)

# A big-endian host (s390x under QEMU user mode; packages
# libc6-dev-s390x-cross, libgcc-12-dev-s390x-cross, binutils-s390x-linux-gnu,
# qemu-user): the readers' tests prove that every file
# format is read, and every checkpoint written, the same whatever the host's
# byte order, and the core test that the RNG stream is the same there.
shared=${SHARED:-$(cd .. && pwd)/shared}
for t in core inflate idx mat cifar checkpoint; do
    check "s390x-test-$t" qemu-s390x $(cross s390x) -std=c99 -O2 -static \
        --target=s390x-linux-gnu \
        -DTEST_SHARED_DIR="\"$shared\"" "tests/test_$t.c" $(o "s390x-test-$t") -lm
done
