/* bench_layers - time conv2d forward and backward on the shapes of the
   paper's MNIST network (28x28 images, 7x7 kernels, 16 channels), with one
   workspace slot and with the default number, and the other layers of that
   network for scale. Prints medians; compare with bench/bench_layers.py
   (PyTorch, same shapes) run on the same machine at the same time.

      build/bench_layers [reps]                                            */
#include "../examples/util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <stdio.h>
#include <stdlib.h>

#define BATCH 128

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_double);
    return t[n / 2];
}

static float *buffer(hn_rng *r, size_t n)
{
    float *p = (float *)malloc(n * sizeof(float));
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    hn_rng_fill_uniform(r, p, n, -1.0f, 1.0f);
    return p;
}

static void bench_conv(hn_rng *r, int reps, int c_in, int hw, int c_out, int k, int slots)
{
    hn_conv2d cv;
    float *x, *w, *b, *y, *dx, *dw, *db, *ws;
    double tf[64], tb[64], flops;
    size_t nx, ny, nw;
    int i;
    if (hn_conv2d_init(&cv, c_in, hw, hw, c_out, k, k, 1, k / 2) != HN_OK) {
        fprintf(stderr, "%s\n", hn_error());
        exit(1);
    }
    cv.slots = slots;
    nx = (size_t)BATCH * c_in * hw * hw;
    ny = (size_t)BATCH * c_out * cv.h_out * cv.w_out;
    nw = (size_t)c_out * c_in * k * k;
    x = buffer(r, nx); y = buffer(r, ny); dx = buffer(r, nx);
    w = buffer(r, nw); dw = buffer(r, nw); b = buffer(r, (size_t)c_out);
    db = buffer(r, (size_t)c_out);
    ws = buffer(r, hn_conv2d_workspace_size(&cv));
    for (i = 0; i < reps; i++) {
        double t0 = now_seconds();
        hn_conv2d_forward(&cv, BATCH, x, w, b, y, ws);
        tf[i] = now_seconds() - t0;
        t0 = now_seconds();
        hn_conv2d_backward(&cv, BATCH, x, w, y, dx, dw, db, ws);
        tb[i] = now_seconds() - t0;
    }
    flops = 2.0 * BATCH * c_out * cv.h_out * cv.w_out * (double)c_in * k * k;
    printf("conv2d (%d,%d,%d,%d) k%dx%d -> %d ch, slots %d: forward %7.2f ms "
           "(%5.1f GFLOP/s), backward %7.2f ms (%5.1f GFLOP/s)\n", BATCH, c_in, hw, hw,
           k, k, c_out, slots, 1e3 * median(tf, reps), flops / median(tf, reps) * 1e-9,
           1e3 * median(tb, reps), 2 * flops / median(tb, reps) * 1e-9);
    free(x); free(y); free(dx); free(w); free(dw); free(b); free(db); free(ws);
}

int main(int argc, char **argv)
{
    hn_rng r;
    int reps = argc > 1 ? atoi(argv[1]) : 9;
    if (reps < 1 || reps > 64) reps = 9;
    hn_rng_seed(&r, 1);
#ifdef _OPENMP
    printf("OpenMP, %d threads\n", omp_get_max_threads());
#endif
    bench_conv(&r, reps, 1, 28, 16, 7, 1);
    bench_conv(&r, reps, 1, 28, 16, 7, HN_CONV2D_SLOTS);
    bench_conv(&r, reps, 16, 14, 16, 7, 1);
    bench_conv(&r, reps, 16, 14, 16, 7, HN_CONV2D_SLOTS);
    return 0;
}
