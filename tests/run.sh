#!/bin/sh
# Run every test program given as an argument, then the compile checks, and
# end with one line "N passed, N failed" (", N skipped" when a compiler that
# a check needs is not installed). Exit non-zero when anything failed.
passed=0
failed=0
skipped=0
log=${BUILD:-build}/test-logs
mkdir -p "$log"

for t in "$@"; do
    name=$(basename "$t")
    if "$t" >"$log/$name.log" 2>&1; then
        passed=$((passed + 1))
        echo "PASS $name: $(tail -n 1 "$log/$name.log")"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/    /' "$log/$name.log" | tail -n 30
    fi
done

# Shell tests of the example programs.
for t in tests/test_*.sh; do
    [ -e "$t" ] || continue
    name=$(basename "$t" .sh)
    if sh "$t" >"$log/$name.log" 2>&1; then
        passed=$((passed + 1))
        echo "PASS $name: $(tail -n 1 "$log/$name.log")"
    else
        failed=$((failed + 1))
        echo "FAIL $name"
        sed 's/^/    /' "$log/$name.log" | tail -n 30
    fi
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
