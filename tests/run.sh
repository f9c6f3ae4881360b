#!/bin/sh
# Run every test program given as an argument, then the compile checks, and
# end with one line "N passed, N failed" (", N skipped" when a compiler that
# a check needs is not installed). Exit non-zero when anything failed.
passed=0
failed=0
skipped=0
log=${BUILD:-build}/test-logs
mkdir -p "$log"

# run_test NAME COMMAND...: run one test, log its output, count it.
run_test() {
    name=$1
    shift
    if "$@" >"$log/$name.log" 2>&1; then
        passed=$((passed + 1))
        echo "PASS $name: $(tail -n 1 "$log/$name.log")"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/    /' "$log/$name.log" | tail -n 30
    fi
}

for t in "$@"; do
    run_test "$(basename "$t")" "$t"
done

# Shell tests of the example programs.
for t in tests/test_*.sh; do
    [ -e "$t" ] && run_test "$(basename "$t" .sh)" sh "$t"
done

# The compile checks report one line each: "PASS name", "FAIL name" or
# "SKIP name (reason)".
# COMPILE_CHECKS=0 leaves them out (the sanitizer phase of CI has no use
# for them).
if [ "${COMPILE_CHECKS:-1}" = 1 ]; then
    out=$(sh tests/compile_checks.sh 2>&1)
else
    out=""
fi
[ -n "$out" ] && echo "$out"
passed=$((passed + $(echo "$out" | grep -c '^PASS')))
failed=$((failed + $(echo "$out" | grep -c '^FAIL')))
skipped=$((skipped + $(echo "$out" | grep -c '^SKIP')))

if [ "$skipped" -gt 0 ]; then
    echo "$passed passed, $failed failed, $skipped skipped"
else
    echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
