/* demo.c - a first look at hypernet.h: multiply two matrices with the
   library's GEMM and with a naive loop, and say how fast each was.

   build/demo [N]     (N: matrix size, default 512) */
#include "util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 512;
    size_t nn = (size_t)n * n;
    float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
    float *c = malloc(nn * sizeof *c), *r = malloc(nn * sizeof *r);
    double t0, t_fast, t_ref, flops = 2.0 * n * n * n, maxdiff = 0;
    hn_rng rng;
    size_t i;

    if (n < 1 || n > 4096 || !a || !b || !c || !r) {
        fprintf(stderr, "usage: demo [N], 1 <= N <= 4096\n");
        return 1;
    }
    hn_rng_seed(&rng, 1);
    hn_rng_fill_normal(&rng, a, nn, 0.0f, 1.0f);
    hn_rng_fill_normal(&rng, b, nn, 0.0f, 1.0f);

    t0 = now_seconds();
    hn_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
    t_fast = now_seconds() - t0;
    t0 = now_seconds();
    hn_sgemm_ref(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, r, n);
    t_ref = now_seconds() - t0;
    for (i = 0; i < nn; i++) {
        double d = c[i] > r[i] ? c[i] - r[i] : r[i] - c[i];
        if (d > maxdiff) maxdiff = d;
    }
    printf("%d x %d x %d product\n", n, n, n);
    printf("  hn_sgemm      %8.2f ms  %7.2f GFLOP/s\n", t_fast * 1e3, flops / t_fast * 1e-9);
    printf("  naive loop    %8.2f ms  %7.2f GFLOP/s\n", t_ref * 1e3, flops / t_ref * 1e-9);
    printf("  max |diff| = %.3g\n", maxdiff);
    free(a); free(b); free(c); free(r);
    return 0;
}
