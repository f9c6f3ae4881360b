#!/bin/sh
# compare_models on a tiny text: two cells, a few steps each, both tables
# written; then --reuse: finished runs are tabulated again without being
# retrained (same numbers), and a run whose summary is gone is retrained.
bin=${BUILD:-build}/compare_models
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
checks=0

check() {   # check STATUS MESSAGE
    checks=$((checks + 1))
    if [ "$1" -ne 0 ]; then
        echo "FAIL $2"
        fail=$((fail + 1))
    fi
}

i=0
while [ $i -lt 120 ]; do
    echo "To be, or not to be, that is the question $i:"
    i=$((i + 1))
done > "$dir/text.txt"
opts="--data $dir/text.txt --steps 4 --batch 2 --seq 16 --embed 8 --hidden 16
      --hyper-hidden 8 --hyper-embed 2 --eval-every 2 --seed 5"
run() {   # run LOG [extra options]: compare lstm and ln-hyperlstm into $dir/cmp
    log=$1
    shift
    OMP_NUM_THREADS=1 "$bin" --out "$dir/cmp" --models lstm,ln-hyperlstm $opts "$@" \
        > "$dir/$log" 2>&1
}

run first.log
check $? "first comparison exited $?: $(tail -n 3 "$dir/first.log")"
for m in lstm ln-hyperlstm; do
    grep -q "\"model\": \"$m\", \"ok\": true" "$dir/cmp/comparison.json"
    check $? "comparison.json lacks a finished $m"
    grep -q "^| $m" "$dir/cmp/comparison.md"
    check $? "comparison.md lacks $m"
done
cp "$dir/cmp/comparison.json" "$dir/first.json"

run second.log --reuse
check $? "reuse exited $?"
n=$(grep -c "not trained again" "$dir/second.log")
[ "$n" -eq 2 ] && ! grep -q "^step " "$dir/second.log"
check $? "reuse trained again ($n runs reused): $(head -n 4 "$dir/second.log")"
cmp -s "$dir/first.json" "$dir/cmp/comparison.json"
check $? "reused table differs from the first"

rm "$dir/cmp/lstm/summary.json"
run third.log --reuse
grep -q "^== lstm$" "$dir/third.log" && grep -q "ln-hyperlstm: finished run" "$dir/third.log"
check $? "after losing lstm's summary: $(grep '^==' "$dir/third.log")"
grep -q '"model": "lstm", "ok": true' "$dir/cmp/comparison.json"
check $? "lstm not retrained into the table"

echo "test_compare_models: $checks checks, $fail failed"
[ $fail -eq 0 ]
