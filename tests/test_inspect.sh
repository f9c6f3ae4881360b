#!/bin/sh
# build/inspect on the shared fixtures: each expected line was worked out
# from what the fixtures' README says the files hold (for example
# testdouble = 0, pi/4, ..., 2*pi sums to 9*pi; 'hello mat' has character
# codes summing to 886), and each refused file must exit 1 with a reason on
# stderr and nothing else.
inspect=${BUILD:-build}/inspect
mat=${SHARED:-../shared}/fixtures/mat
fail=0
checks=0

# expect FILE LINE: inspect FILE exits 0 and prints LINE.
expect() {
    checks=$((checks + 1))
    out=$("$inspect" "$1" 2>&1)
    rc=$?
    if [ $rc -ne 0 ] || ! printf '%s\n' "$out" | grep -qxF "$2"; then
        echo "FAIL inspect $1: exit $rc, wanted line '$2', got:"
        printf '%s\n' "$out" | sed 's/^/    /'
        fail=$((fail + 1))
    fi
}

# refuse FILE WORD: inspect FILE exits exactly 1, its reason names WORD.
refuse() {
    checks=$((checks + 1))
    err=$("$inspect" "$1" 2>&1 >/dev/null)
    rc=$?
    if [ $rc -ne 1 ] || ! printf '%s\n' "$err" | grep -qi "$2"; then
        echo "FAIL inspect $1: exit $rc (wanted 1), reason '$err' (wanted '$2')"
        fail=$((fail + 1))
    fi
}

expect "$mat/octave_svhnlike_v7_compressed.mat" "X uint8 32x32x3x100 sum=36949839"
expect "$mat/octave_svhnlike_v6_uncompressed.mat" "X uint8 32x32x3x100 sum=36949839"
expect "$mat/octave_types_v7_compressed.mat" "a_int32 int32 2x3 sum=1"
expect "$mat/octave_types_v7_compressed.mat" "a_double double 3x1 sum=1.0000000000000001e+300"
expect "$mat/octave_types_v6_uncompressed.mat" "a_single single 1x2 sum=4"
expect "$mat/octave_types_v6_uncompressed.mat" "a_uint8 uint8 1x10 sum=45"
expect "$mat/octave_types_v7_compressed.mat" "a_logical logical 1x3 sum=2"
expect "$mat/octave_types_v7_compressed.mat" "a_char char 1x9 sum=886"
expect "$mat/octave_types_v7_compressed.mat" "a_cell cell 1x3 skipped"
expect "$mat/octave_types_v7_compressed.mat" "a_struct struct 1x1 skipped"
expect "$mat/testdouble_7.4_GLNX86.mat" "testdouble double 1x9 sum=28.274333882308138"
expect "$mat/testmatrix_7.4_GLNX86.mat" "testmatrix double 3x5 sum=20"
expect "$mat/test3dmatrix_7.4_GLNX86.mat" "test3dmatrix double 2x3x4 sum=300"
refuse "$mat/testdouble_4.2c_SOL2.mat" "v4"
refuse "$mat/testhdf5_7.4_GLNX86.mat" "HDF5"
refuse "$mat/malformed1.mat" "claims"
refuse "$mat/corrupted_zlib_data.mat" "inflate"
refuse /dev/null "."
refuse tests/test_inspect.sh "."

echo "test_inspect: $checks checks, $fail failed"
[ $fail -eq 0 ]
