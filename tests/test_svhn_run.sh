#!/bin/sh
# cifar_hyper --dataset svhn end to end on the Octave-written fixture in
# SVHN's layout (X uint8 32x32x3x100, y with 10 for digit 0): both .mat
# files read, one short epoch of the hyper WRN-40-2 trained and scored, the
# run folder written. Then what a user gets wrong: a missing file and a
# truncated one must end in exit 1 with a reason, not a crash.
bin=${BUILD:-build}/cifar_hyper
mat=$(cd "${SHARED:-../shared}/fixtures/mat" && pwd)
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
fail=0
checks=0

check() {   # check CONDITION-STATUS MESSAGE
    checks=$((checks + 1))
    if [ "$1" -ne 0 ]; then
        echo "FAIL $2"
        fail=$((fail + 1))
    fi
}

mkdir "$dir/svhn" "$dir/missing" "$dir/short"
ln -s "$mat/octave_svhnlike_v7_compressed.mat" "$dir/svhn/train_32x32.mat"
ln -s "$mat/octave_svhnlike_v6_uncompressed.mat" "$dir/svhn/test_32x32.mat"
OMP_NUM_THREADS=1 "$bin" --dataset svhn --data "$dir/svhn" --max-train 32 --batch 16 \
    --epochs 1 --seed 3 --out "$dir/run" > "$dir/log" 2>&1
check $? "cifar_hyper --dataset svhn exited $?: $(tail -n 3 "$dir/log")"
grep -q "^svhn: 32 training, 100 test images" "$dir/log"
check $? "image counts: $(head -n 1 "$dir/log")"
grep -q '"params_total": 155626' "$dir/run/summary.json" 2>/dev/null
check $? "summary.json: $(cat "$dir/run/summary.json" 2>&1)"
err=$(sed -n 's/.*"test_error": \([0-9.]*\).*/\1/p' "$dir/run/summary.json" 2>/dev/null)
awk -v e="$err" 'BEGIN { exit !(e != "" && e >= 0 && e <= 1) }'
check $? "test_error '$err' not in [0, 1]"
for f in config.json history.jsonl model.ckpt; do
    [ -s "$dir/run/$f" ]
    check $? "run folder lacks $f"
done

# No test file: a reason naming it.
ln -s "$mat/octave_svhnlike_v7_compressed.mat" "$dir/missing/train_32x32.mat"
"$bin" --dataset svhn --data "$dir/missing" --epochs 1 --out "$dir/run2" > "$dir/log2" 2>&1
rc=$?
[ $rc -eq 1 ] && grep -q "test_32x32.mat" "$dir/log2"
check $? "missing test file: exit $rc, $(cat "$dir/log2")"

# A training file cut in the middle of its compressed variable.
head -c 150000 "$mat/octave_svhnlike_v7_compressed.mat" > "$dir/short/train_32x32.mat"
ln -s "$mat/octave_svhnlike_v6_uncompressed.mat" "$dir/short/test_32x32.mat"
"$bin" --dataset svhn --data "$dir/short" --epochs 1 --out "$dir/run3" > "$dir/log3" 2>&1
rc=$?
[ $rc -eq 1 ] && [ -s "$dir/log3" ]
check $? "truncated training file: exit $rc, $(cat "$dir/log3")"

echo "test_svhn_run: $checks checks, $fail failed"
[ $fail -eq 0 ]
