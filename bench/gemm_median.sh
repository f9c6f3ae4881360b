#!/bin/sh
# gemm_median.sh RUNS [filter] - runs build/bench_gemm RUNS times (single
# thread, OpenBLAS's SkylakeX kernel unless OPENBLAS_CORETYPE says
# otherwise) and prints, for each case, the median over the runs of hn's
# GFLOP/s, its share of that run's FMA peak and hn/ob. One run of
# bench_gemm already takes the median of up to 15 interleaved samples; on
# a shared machine whole runs still differ by several percent, as the
# neighbour's load comes and goes.
set -e
runs=${1:-5}
shift || true
cd "$(dirname "$0")/.."
[ -x build/bench_gemm ] || make build/bench_gemm >/dev/null
export OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-SkylakeX}
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
i=0
while [ "$i" -lt "$runs" ]; do
    build/bench_gemm "$@" >>"$tmp"
    i=$((i + 1))
done
grep -m1 '^matrices' "$tmp"
grep -m1 '^hn_sgemm kernel' "$tmp"
awk -v runs="$runs" '
function med(s,   n, a, i, j, t) {
    n = split(s, a, " ")
    for (i = 1; i <= n; i++)
        for (j = i + 1; j <= n; j++)
            if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
/^FMA peak of one core/ { peak[++np] = $6 + 0 }
/^micro-kernel/ { kern[++nk] = $5 + 0 }
/^[a-z0-9]+ [0-9]+x[0-9]+x[0-9]+ [NT][NT] +hn / {
    name = $1 " " $2 " " $3
    if (!(name in hn)) order[++nc] = name
    for (f = 1; f <= NF; f++) {
        if ($f == "hn") { r = $(f + 1) + 0 }
        if ($f == "hn/ob") { q = $(f + 1) + 0; ratio[name] = ratio[name] " " q }
    }
    hn[name] = hn[name] " " r
    pct[name] = pct[name] " " 100 * r / peak[np]
}
END {
    ps = ""; ks = ""
    for (i = 1; i <= np; i++) ps = ps " " peak[i]
    for (i = 1; i <= nk; i++) ks = ks " " 100 * kern[i] / peak[i]
    printf "%d runs; FMA peak median %.1f GFLOP/s (%s ); micro-kernel median %.0f%% of peak\n", runs, med(ps), ps, med(ks)
    printf "%-32s %10s %8s %8s   %s\n", "case", "hn GF/s", "% peak", "hn/ob", "hn/ob per run"
    for (i = 1; i <= nc; i++) {
        n = order[i]
        printf "%-32s %10.1f %7.0f%% %8.2f  %s\n", n, med(hn[n]), med(pct[n]), med(ratio[n]), ratio[n]
    }
}' "$tmp"
