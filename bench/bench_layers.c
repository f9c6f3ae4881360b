/* bench_layers - time conv2d forward and backward on the shapes of the
   paper's MNIST network (28x28 images, 7x7 kernels, 16 channels) and the
   3x3 convolutions of WRN-40-2 (each of those by the direct path and by
   Winograd's), and the other layers of the MNIST network for scale.
   Prints medians; compare with bench/bench_layers.py (PyTorch, same
   shapes) run on the same machine at the same time.

      build/bench_layers [reps]                                            */
#include "../examples/util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


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

/* CPU seconds of the whole process (all threads): on a loaded machine the
   work done, where wall time also counts waiting for a core. */
static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
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

/* winograd: 1 keeps the path hn_conv2d_init chose for the shape, 0 forces
   the direct one. */
static void bench_conv(hn_rng *r, int reps, int batch, int c_in, int hw, int c_out, int k,
                       int slots, int winograd)
{
    hn_conv2d cv;
    float *x, *w, *b, *y, *dx, *dw, *db, *ws;
    double tf[64], tb[64], cf[64], cb[64], flops;
    size_t nx, ny, nw;
    int i;
    if (hn_conv2d_init(&cv, c_in, hw, hw, c_out, k, k, 1, k / 2) != HN_OK) {
        fprintf(stderr, "%s\n", hn_error());
        exit(1);
    }
    cv.slots = slots;
    cv.winograd = cv.winograd && winograd;
    nx = (size_t)batch * c_in * hw * hw;
    ny = (size_t)batch * c_out * cv.h_out * cv.w_out;
    nw = (size_t)c_out * c_in * k * k;
    x = buffer(r, nx); y = buffer(r, ny); dx = buffer(r, nx);
    w = buffer(r, nw); dw = buffer(r, nw); b = buffer(r, (size_t)c_out);
    db = buffer(r, (size_t)c_out);
    ws = buffer(r, hn_conv2d_workspace_size(&cv));
    for (i = 0; i < reps; i++) {
        double t0 = now_seconds(), c0 = cpu_seconds();
        hn_conv2d_forward(&cv, batch, x, w, b, y, ws);
        tf[i] = now_seconds() - t0;
        cf[i] = cpu_seconds() - c0;
        t0 = now_seconds();
        c0 = cpu_seconds();
        hn_conv2d_backward(&cv, batch, x, w, y, dx, dw, db, ws);
        tb[i] = now_seconds() - t0;
        cb[i] = cpu_seconds() - c0;
    }
    flops = 2.0 * batch * c_out * cv.h_out * cv.w_out * (double)c_in * k * k;
    printf("conv2d (%d,%d,%d,%d) k%dx%d -> %d ch%s: forward %7.2f ms (cpu %7.2f, "
           "%5.1f GFLOP/s), backward %7.2f ms (cpu %7.2f, %5.1f GFLOP/s)\n", batch, c_in,
           hw, hw, k, k, c_out,
           cv.winograd ? ", Winograd" : hn__conv2d_ft(&cv, batch) ? ", Fourier" : "",
           1e3 * median(tf, reps), 1e3 * median(cf, reps),
           flops / median(cf, reps) * 1e-9, 1e3 * median(tb, reps),
           1e3 * median(cb, reps), 2 * flops / median(cb, reps) * 1e-9);
    free(x); free(y); free(dx); free(w); free(dw); free(b); free(db); free(ws);
}

/* One training step's forward and backward of the paper's MNIST network
   (no optimizer): conv 7x7 1->16 "same", ReLU, max pool 2, conv 7x7
   16->16 "same", ReLU, max pool 2, linear 784->10, softmax cross-entropy.
   The first layer's input gradient is not computed. */
static void bench_mnist_net(hn_rng *r, int reps)
{
    enum { N = 128 };
    hn_conv2d c1, c2;
    hn_pool2d p1, p2;
    float *x, *w1, *b1, *w2, *b2, *w3, *b3, *h1, *q1, *h2, *q2, *z, *pr, *ws;
    float *dw1, *db1, *dw2, *db2, *dw3, *db3, *dq1, *dh1, *dq2, *dh2, *dz;
    int *a1, *a2, labels[N], i;
    double t[64], c[64];
    size_t s1 = (size_t)N * 16 * 28 * 28, s2 = (size_t)N * 16 * 14 * 14;
    size_t s3 = (size_t)N * 16 * 7 * 7;
    hn_conv2d_init(&c1, 1, 28, 28, 16, 7, 7, 1, 3);
    hn_conv2d_init(&c2, 16, 14, 14, 16, 7, 7, 1, 3);
    hn_pool2d_init(&p1, 16, 28, 28, 2, 2, 2, 2);
    hn_pool2d_init(&p2, 16, 14, 14, 2, 2, 2, 2);
    x = buffer(r, (size_t)N * 784);
    w1 = buffer(r, 784); b1 = buffer(r, 16); w2 = buffer(r, 16 * 784); b2 = buffer(r, 16);
    w3 = buffer(r, 7840); b3 = buffer(r, 10);
    dw1 = buffer(r, 784); db1 = buffer(r, 16); dw2 = buffer(r, 16 * 784);
    db2 = buffer(r, 16); dw3 = buffer(r, 7840); db3 = buffer(r, 10);
    h1 = buffer(r, s1); dh1 = buffer(r, s1); q1 = buffer(r, s2); dq1 = buffer(r, s2);
    h2 = buffer(r, s2); dh2 = buffer(r, s2); q2 = buffer(r, s3); dq2 = buffer(r, s3);
    z = buffer(r, N * 10); pr = buffer(r, N * 10); dz = buffer(r, N * 10);
    a1 = (int *)malloc(s2 * sizeof(int));
    a2 = (int *)malloc(s3 * sizeof(int));
    ws = buffer(r, HN__MAX(hn_conv2d_workspace_size(&c1), hn_conv2d_workspace_size(&c2)));
    for (i = 0; i < N; i++) labels[i] = i % 10;
    for (i = 0; i < reps; i++) {
        double t0 = now_seconds(), c0 = cpu_seconds();
        hn_conv2d_forward(&c1, N, x, w1, b1, h1, ws);
        hn_relu_forward(s1, h1, h1);
        hn_maxpool2d_forward(&p1, N, h1, q1, a1);
        hn_conv2d_forward(&c2, N, q1, w2, b2, h2, ws);
        hn_relu_forward(s2, h2, h2);
        hn_maxpool2d_forward(&p2, N, h2, q2, a2);
        hn_linear_forward(N, 784, 10, q2, w3, b3, z);
        hn_softmax_xent_forward(N, 10, z, labels, pr, NULL);
        memset(dz, 0, N * 10 * sizeof(float));
        hn_softmax_xent_backward(N, 10, pr, labels, 1.0f, dz);
        memset(dq2, 0, s3 * sizeof(float));
        hn_linear_backward(N, 784, 10, q2, w3, dz, dq2, dw3, db3);
        memset(dh2, 0, s2 * sizeof(float));
        hn_maxpool2d_backward(&p2, N, a2, dq2, dh2);
        memset(dq1, 0, s2 * sizeof(float));
        hn_relu_backward(s2, h2, dh2, dh2);
        hn_conv2d_backward(&c2, N, q1, w2, dh2, dq1, dw2, db2, ws);
        memset(dh1, 0, s1 * sizeof(float));
        hn_maxpool2d_backward(&p1, N, a1, dq1, dh1);
        hn_relu_backward(s1, h1, dh1, dh1);
        hn_conv2d_backward(&c1, N, x, w1, dh1, NULL, dw1, db1, ws);
        t[i] = now_seconds() - t0;
        c[i] = cpu_seconds() - c0;
    }
    printf("MNIST net (batch %d) forward + backward: %7.2f ms (cpu %7.2f)\n", N,
           1e3 * median(t, reps), 1e3 * median(c, reps));
    free(x); free(w1); free(b1); free(w2); free(b2); free(w3); free(b3); free(dw1);
    free(db1); free(dw2); free(db2); free(dw3); free(db3); free(h1); free(dh1);
    free(q1); free(dq1); free(h2); free(dh2); free(q2); free(dq2); free(z); free(pr);
    free(dz); free(a1); free(a2); free(ws);
}

/* Batch norm (training forward and backward) then ReLU on a WRN-40-2
   activation, batch 64. */
static void bench_batchnorm(hn_rng *r, int reps, int n, int c, int hw)
{
    size_t sz = (size_t)n * c * hw;
    float *x = buffer(r, sz), *y = buffer(r, sz), *dy = buffer(r, sz), *dx = buffer(r, sz);
    float *g = buffer(r, (size_t)c), *be = buffer(r, (size_t)c), *rm = buffer(r, (size_t)c);
    float *rv = buffer(r, (size_t)c), *mu = buffer(r, (size_t)c), *rs = buffer(r, (size_t)c);
    float *dg = buffer(r, (size_t)c), *db = buffer(r, (size_t)c);
    double t[64], cp[64];
    int i;
    for (i = 0; i < c; i++) rv[i] = 1.0f;
    for (i = 0; i < reps; i++) {
        double t0 = now_seconds(), c0 = cpu_seconds();
        hn_batchnorm2d_forward_train(n, c, hw, x, g, be, 1e-5f, 0.1f, rm, rv, mu, rs, y);
        hn_relu_forward(sz, y, y);
        hn_relu_backward(sz, y, dy, dy);
        hn_batchnorm2d_backward(n, c, hw, x, g, mu, rs, dy, dx, dg, db);
        t[i] = now_seconds() - t0;
        cp[i] = cpu_seconds() - c0;
    }
    printf("batchnorm + relu (%d,%d,%d) forward + backward: %7.2f ms (cpu %7.2f)\n", n, c,
           hw, 1e3 * median(t, reps), 1e3 * median(cp, reps));
    free(x); free(y); free(dy); free(dx); free(g); free(be); free(rm); free(rv);
    free(mu); free(rs); free(dg); free(db);
}

int main(int argc, char **argv)
{
    hn_rng r;
    int i, reps = argc > 1 ? atoi(argv[1]) : 9;
    if (reps < 1 || reps > 64) reps = 9;
    hn_rng_seed(&r, 1);
#ifdef _OPENMP
    printf("OpenMP, %d threads\n", omp_get_max_threads());
#endif
    /* The paper's MNIST network at batch 128, then the 3x3 convolutions
       of WRN-40-2 (one of each width) at batch 64. */
    bench_mnist_net(&r, reps);
    bench_conv(&r, reps, 128, 1, 28, 16, 7, HN_CONV2D_SLOTS, 1);
    bench_conv(&r, reps, 128, 16, 14, 16, 7, HN_CONV2D_SLOTS, 1);
    /* Each 3x3 shape direct, then by Winograd (where init takes it), one
       after the other; GFLOP/s count the direct method's operations. */
    bench_conv(&r, reps, 64, 3, 32, 16, 3, HN_CONV2D_SLOTS, 1);
    for (i = 0; i < 4; i++) {
        static const int wrn[4][3] = {{16, 32, 16}, {32, 32, 32}, {64, 16, 64},
                                      {128, 8, 128}};
        bench_conv(&r, reps, 64, wrn[i][0], wrn[i][1], wrn[i][2], 3, HN_CONV2D_SLOTS, 0);
        bench_conv(&r, reps, 64, wrn[i][0], wrn[i][1], wrn[i][2], 3, HN_CONV2D_SLOTS, 1);
    }
    bench_batchnorm(&r, reps, 64, 32, 32 * 32);
    return 0;
}
