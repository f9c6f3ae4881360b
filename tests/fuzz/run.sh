#!/bin/sh
# Build every libFuzzer harness tests/fuzz/fuzz_NAME.c with AddressSanitizer
# and UndefinedBehaviorSanitizer, seed it, and run it for FUZZ_SECONDS each
# (default 60). Prints "PASS fuzz_NAME" or "FAIL fuzz_NAME" per harness and
# ends with "N passed, N failed". A crash, a leak, a timeout (a hang) or an
# out-of-memory report is a failure; the reproducer is kept in build/fuzz/.
#
#   sh tests/fuzz/run.sh [NAME...]      (default: every harness)
cd "$(dirname "$0")/../.." || exit 1
seconds=${FUZZ_SECONDS:-60}
shared=${SHARED:-../shared}
out=build/fuzz
mkdir -p "$out"
passed=0
failed=0

if ! command -v clang >/dev/null 2>&1; then
    echo "FAIL fuzz: clang is not installed"
    echo "0 passed, 1 failed"
    exit 1
fi

# seed NAME DIR: fill DIR with small valid inputs for the harness NAME.
seed() {
    name=$1 dir=$2
    mkdir -p "$dir"
    [ -d "tests/fuzz/seeds/$name" ] && cp "tests/fuzz/seeds/$name"/* "$dir"/ 2>/dev/null
    case $name in
    inflate)
        printf 'hypernetworks generate weights, weights generate hypernetworks\n' |
            gzip -9 >"$dir/text.gz"
        head -c 3000 "$shared/data/tinyshakespeare/input.txt" 2>/dev/null |
            gzip -6 >"$dir/shakespeare.gz"
        ;;
    idx)
        # a 2x3 uint8 IDX file, plain and gzipped
        printf '\000\000\010\002\000\000\000\002\000\000\000\003\001\002\003\004\005\006' \
            >"$dir/small.idx"
        gzip -c "$dir/small.idx" >"$dir/small.idx.gz"
        ;;
    mat)
        for f in "$shared"/fixtures/mat/*.mat; do
            [ "$(wc -c <"$f")" -le 20000 ] && cp "$f" "$dir"/
        done
        ;;
    cifar)
        gzip -dc "$shared/data/cifar-10-subset/test_batch_first1000.bin.gz" 2>/dev/null |
            head -c 6146 >"$dir/two_records.bin"
        ;;
    esac
}

names=$*
if [ -z "$names" ]; then
    for f in tests/fuzz/fuzz_*.c; do
        [ -e "$f" ] || continue
        n=${f#tests/fuzz/fuzz_}
        names="$names ${n%.c}"
    done
fi

for name in $names; do
    bin=$out/fuzz_$name
    if ! clang -g -O1 -fsanitize=fuzzer,address,undefined \
            -fno-sanitize-recover=undefined -I. \
            "tests/fuzz/fuzz_$name.c" -o "$bin" -lm >"$out/$name.build.log" 2>&1; then
        echo "FAIL fuzz_$name: does not build"
        sed 's/^/    /' "$out/$name.build.log" | head -n 20
        failed=$((failed + 1))
        continue
    fi
    corpus=$out/corpus_$name
    seed "$name" "$corpus"
    if "$bin" "$corpus" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
            -max_len=65536 -artifact_prefix="$out/$name-" -print_final_stats=0 \
            >"$out/$name.log" 2>&1; then
        echo "PASS fuzz_$name: $(grep -o 'Done [0-9]* runs' "$out/$name.log" | tail -n 1)"
        passed=$((passed + 1))
    else
        echo "FAIL fuzz_$name"
        grep -E 'ERROR|SUMMARY|Test unit written' "$out/$name.log" | head -n 10 |
            sed 's/^/    /'
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
