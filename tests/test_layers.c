/* Layers: every backward pass against central finite differences of its
   forward pass, and the forward passes against naive direct versions.

   The gradient checks project each output on a fixed random direction r,
   L = sum_i r_i y_i (accumulated in double), so dL/dy = r; for the loss
   layers L is the loss itself. Each input and parameter element x_j is
   moved by +-h and the slope (L(x+h) - L(x-h)) / 2h compared with the
   analytic gradient. h = 1e-2 suits float: the rounding error of L
   (~1e-6) over 2h stays near 1e-4, and the curvature error is h^2-small.
   Gradient buffers start at 0.25, not 0, so the checks also prove that the
   backward passes accumulate. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <math.h>
#include <string.h>

#define GRAD_FILL 0.25f
#define FD_STEP 1e-2f
#define FD_TOL 2e-2
#define CONV_FD_STEP 0.25f

typedef double (*loss_fn)(void *ctx);

static double project(const float *y, const float *r, size_t n)
{
    double s = 0.0;
    size_t i;
    for (i = 0; i < n; i++) s += (double)y[i] * r[i];
    return s;
}

static float *grad_buffer(size_t n)
{
    float *g = (float *)malloc(n * sizeof(float));
    size_t i;
    for (i = 0; i < n; i++) g[i] = GRAD_FILL;
    return g;
}

static float *random_buffer(hn_rng *r, size_t n, float scale)
{
    float *x = (float *)malloc(n * sizeof(float));
    hn_rng_fill_uniform(r, x, n, -scale, scale);
    return x;
}

/* Compare grad (which started at GRAD_FILL) with the central difference of
   f (steps of +-step) over every element of x; print and return the largest
   relative error, |a - d| / max(|a|, |d|, floor): relative for large slopes,
   absolute near zero where a relative error means nothing. The floor is
   1e-2, or 1e-3 of the largest slope when that is larger: a gradient
   summed from many terms carries rounding on the scale of its largest
   components, in its small ones too. */
static double fd_check_step(const char *what, float *x, size_t n, const float *grad,
                            loss_fn f, void *ctx, float step)
{
    double worst = 0.0, floor = 1e-2;
    size_t i, at = 0;
    for (i = 0; i < n; i++) floor = fmax(floor, 1e-3 * fabs((double)grad[i] - GRAD_FILL));
    for (i = 0; i < n; i++) {
        float v = x[i], xp = v + step, xm = v - step;
        double lp, lm, num, ana, rel;
        x[i] = xp;
        lp = f(ctx);
        x[i] = xm;
        lm = f(ctx);
        x[i] = v;
        /* The step actually taken, after float rounding of v +- h. */
        num = (lp - lm) / ((double)xp - (double)xm);
        ana = (double)grad[i] - GRAD_FILL;
        rel = fabs(ana - num) / fmax(fmax(fabs(ana), fabs(num)), floor);
        if (rel > worst) {
            worst = rel;
            at = i;
        }
    }
    printf("  %-40s max rel err %.2e (element %zu of %zu)\n", what, worst, at, n);
    CHECK(worst < FD_TOL, "%s: max rel err %.3e at %zu", what, worst, at);
    return worst;
}

static double fd_check(const char *what, float *x, size_t n, const float *grad,
                       loss_fn f, void *ctx)
{
    return fd_check_step(what, x, n, grad, f, ctx, FD_STEP);
}

/* ---- linear ---- */

typedef struct {
    int n, in, out;
    float *x, *w, *b, *y, *r;
} linear_case;

static double linear_loss(void *p)
{
    linear_case *c = (linear_case *)p;
    hn_linear_forward(c->n, c->in, c->out, c->x, c->w, c->b, c->y);
    return project(c->y, c->r, (size_t)c->n * c->out);
}

static void test_linear(hn_rng *rng, int with_bias)
{
    linear_case c;
    float *dx, *dw, *db;
    size_t nx, nw, ny;
    double worst = 0.0;
    int i, o, k;
    c.n = 3;
    c.in = 7;
    c.out = 5;
    nx = (size_t)c.n * c.in;
    nw = (size_t)c.out * c.in;
    ny = (size_t)c.n * c.out;
    c.x = random_buffer(rng, nx, 1.0f);
    c.w = random_buffer(rng, nw, 1.0f);
    c.b = with_bias ? random_buffer(rng, (size_t)c.out, 1.0f) : NULL;
    c.y = (float *)malloc(ny * sizeof(float));
    c.r = random_buffer(rng, ny, 1.0f);

    /* Forward against the definition. */
    linear_loss(&c);
    for (i = 0; i < c.n; i++)
        for (o = 0; o < c.out; o++) {
            double s = c.b ? c.b[o] : 0.0;
            for (k = 0; k < c.in; k++) s += (double)c.x[i * c.in + k] * c.w[o * c.in + k];
            worst = fmax(worst, fabs(s - c.y[i * c.out + o]));
        }
    printf("linear%s forward: max |diff| vs direct = %.2e\n", with_bias ? "" : " (no bias)",
           worst);
    CHECK(worst < 1e-5, "linear forward max |diff| %.3e", worst);

    dx = grad_buffer(nx);
    dw = grad_buffer(nw);
    db = grad_buffer((size_t)c.out);
    hn_linear_backward(c.n, c.in, c.out, c.x, c.w, c.r, dx, dw, c.b ? db : NULL);
    fd_check("linear dx", c.x, nx, dx, linear_loss, &c);
    fd_check("linear dw", c.w, nw, dw, linear_loss, &c);
    if (c.b) fd_check("linear db", c.b, (size_t)c.out, db, linear_loss, &c);
    free(c.x); free(c.w); free(c.b); free(c.y); free(c.r);
    free(dx); free(dw); free(db);
}

/* ---- ReLU ---- */

typedef struct {
    size_t n;
    float *x, *y, *r;
} unary_case;

static double relu_loss(void *p)
{
    unary_case *c = (unary_case *)p;
    hn_relu_forward(c->n, c->x, c->y);
    return project(c->y, c->r, c->n);
}

static void test_relu(hn_rng *rng)
{
    unary_case c;
    float *dx;
    size_t i;
    int bad = 0;
    c.n = 40;
    c.x = random_buffer(rng, c.n, 1.0f);
    /* Keep every input clear of the kink at 0 by more than the step. */
    for (i = 0; i < c.n; i++)
        if (fabsf(c.x[i]) < 0.05f) c.x[i] = c.x[i] < 0 ? -0.05f : 0.05f;
    c.y = (float *)malloc(c.n * sizeof(float));
    c.r = random_buffer(rng, c.n, 1.0f);
    relu_loss(&c);
    for (i = 0; i < c.n; i++) bad += c.y[i] != (c.x[i] > 0 ? c.x[i] : 0.0f);
    CHECK(bad == 0, "relu forward: %d wrong", bad);
    dx = grad_buffer(c.n);
    hn_relu_backward(c.n, c.y, c.r, dx);
    printf("relu\n");
    fd_check("relu dx", c.x, c.n, dx, relu_loss, &c);

    /* In place: x and y the same array. */
    memcpy(c.y, c.x, c.n * sizeof(float));
    hn_relu_forward(c.n, c.y, c.y);
    for (i = 0, bad = 0; i < c.n; i++) bad += c.y[i] != (c.x[i] > 0 ? c.x[i] : 0.0f);
    CHECK(bad == 0, "relu in place: %d wrong", bad);
    free(c.x); free(c.y); free(c.r); free(dx);
}

/* ---- softmax cross-entropy ---- */

typedef struct {
    int n, c;
    float *z, *p;
    int *labels;
} xent_case;

static double xent_loss(void *p)
{
    xent_case *c = (xent_case *)p;
    return hn_softmax_xent_forward(c->n, c->c, c->z, c->labels, c->p, NULL);
}

static void test_softmax_xent(hn_rng *rng)
{
    xent_case c;
    float *dz, z2[6] = {1000.0f, -1000.0f, 0.0f, 3.0f, 3.0f, -1.0f}, p2[6];
    int labels2[2] = {1, 0}, i, j, hits, want_hits = 0;
    double want = 0.0, worst = 0.0, loss;
    c.n = 4;
    c.c = 6;
    c.z = random_buffer(rng, 24, 3.0f);
    c.p = (float *)malloc(24 * sizeof(float));
    c.labels = (int *)malloc(4 * sizeof(int));
    for (i = 0; i < c.n; i++) c.labels[i] = (int)hn_rng_below(rng, (uint32_t)c.c);

    /* Forward against -log of a softmax taken in double. */
    loss = hn_softmax_xent_forward(c.n, c.c, c.z, c.labels, c.p, &hits);
    for (i = 0; i < c.n; i++) {
        double s = 0.0;
        int best = 0;
        for (j = 0; j < c.c; j++) {
            s += exp(c.z[i * c.c + j]);
            if (c.z[i * c.c + j] > c.z[i * c.c + best]) best = j;
        }
        for (j = 0; j < c.c; j++)
            worst = fmax(worst, fabs(exp(c.z[i * c.c + j]) / s - c.p[i * c.c + j]));
        want -= log(exp(c.z[i * c.c + c.labels[i]]) / s) / c.n;
        want_hits += best == c.labels[i];
    }
    printf("softmax xent forward: loss %.6f vs %.6f, max |diff| probs = %.2e\n", loss,
           want, worst);
    CHECK(fabs(loss - want) < 1e-5 && worst < 1e-6, "xent forward %.3e %.3e",
          fabs(loss - want), worst);
    CHECK(hits == want_hits, "ncorrect %d, want %d", hits, want_hits);

    /* Huge logits: no overflow, and the loss of an all-but-impossible label
       is the finite 2000, not inf. A tie goes to the lower class. */
    loss = hn_softmax_xent_forward(2, 3, z2, labels2, p2, &hits);
    printf("softmax xent, logits +-1000: loss %.3f, probs %g %g %g\n", loss, p2[0], p2[1],
           p2[2]);
    want = (2000.0 + log(2.0 * exp(3.0) + exp(-1.0)) - 3.0) / 2.0;
    CHECK(fabs(loss - want) < 1e-3, "xent with large logits: %f, want %f", loss, want);
    CHECK(p2[0] == 1.0f && p2[1] == 0.0f && hits == 1, "large logits probs/hits %d", hits);

    dz = grad_buffer(24);
    hn_softmax_xent_forward(c.n, c.c, c.z, c.labels, c.p, NULL);
    hn_softmax_xent_backward(c.n, c.c, c.p, c.labels, 1.0f, dz);
    printf("softmax xent\n");
    fd_check("softmax xent dlogits", c.z, 24, dz, xent_loss, &c);

    /* scale multiplies the gradient. */
    for (i = 0; i < 24; i++) dz[i] = 0.0f;
    hn_softmax_xent_backward(c.n, c.c, c.p, c.labels, 3.0f, dz);
    worst = 0.0;
    for (i = 0; i < c.n; i++)
        for (j = 0; j < c.c; j++)
            worst = fmax(worst, fabs(dz[i * c.c + j] - 3.0 * (c.p[i * c.c + j] -
                                     (j == c.labels[i])) / c.n));
    CHECK(worst < 1e-6, "xent backward scale 3: max |diff| %.3e", worst);
    free(c.z); free(c.p); free(c.labels); free(dz);
}

/* ---- a small network end to end: linear, ReLU, linear, softmax xent ---- */

typedef struct {
    int n, in, hid, c;
    float *x, *w1, *b1, *h, *w2, *b2, *z, *p;
    int *labels;
} mlp_case;

static double mlp_loss(void *p)
{
    mlp_case *m = (mlp_case *)p;
    hn_linear_forward(m->n, m->in, m->hid, m->x, m->w1, m->b1, m->h);
    hn_relu_forward((size_t)m->n * m->hid, m->h, m->h);
    hn_linear_forward(m->n, m->hid, m->c, m->h, m->w2, m->b2, m->z);
    return hn_softmax_xent_forward(m->n, m->c, m->z, m->labels, m->p, NULL);
}

static void test_mlp(hn_rng *rng)
{
    mlp_case m;
    float *dh, *dpre, *dz, *dw1, *db1, *dw2, *db2, *dx;
    int i;
    m.n = 5; m.in = 6; m.hid = 8; m.c = 4;
    m.x = random_buffer(rng, 30, 1.0f);
    m.w1 = random_buffer(rng, 48, 1.0f);
    m.b1 = random_buffer(rng, 8, 0.5f);
    m.w2 = random_buffer(rng, 32, 1.0f);
    m.b2 = random_buffer(rng, 4, 0.5f);
    m.h = (float *)malloc(40 * sizeof(float));
    m.z = (float *)malloc(20 * sizeof(float));
    m.p = (float *)malloc(20 * sizeof(float));
    m.labels = (int *)malloc(5 * sizeof(int));
    for (i = 0; i < m.n; i++) m.labels[i] = i % m.c;
    dh = (float *)calloc(40, sizeof(float));
    dpre = (float *)calloc(40, sizeof(float));
    dz = (float *)calloc(20, sizeof(float));
    dx = grad_buffer(30);
    dw1 = grad_buffer(48);
    db1 = grad_buffer(8);
    dw2 = grad_buffer(32);
    db2 = grad_buffer(4);
    mlp_loss(&m);
    hn_softmax_xent_backward(m.n, m.c, m.p, m.labels, 1.0f, dz);
    hn_linear_backward(m.n, m.hid, m.c, m.h, m.w2, dz, dh, dw2, db2);
    hn_relu_backward(40, m.h, dh, dpre);
    hn_linear_backward(m.n, m.in, m.hid, m.x, m.w1, dpre, dx, dw1, db1);
    printf("mlp: linear, relu, linear, softmax xent\n");
    fd_check("mlp dx", m.x, 30, dx, mlp_loss, &m);
    fd_check("mlp dw1", m.w1, 48, dw1, mlp_loss, &m);
    fd_check("mlp db1", m.b1, 8, db1, mlp_loss, &m);
    fd_check("mlp dw2", m.w2, 32, dw2, mlp_loss, &m);
    fd_check("mlp db2", m.b2, 4, db2, mlp_loss, &m);
    free(m.x); free(m.w1); free(m.b1); free(m.w2); free(m.b2); free(m.h); free(m.z);
    free(m.p); free(m.labels); free(dh); free(dpre); free(dz); free(dx); free(dw1); free(db1);
    free(dw2); free(db2);
}

/* ---- conv2d ---- */

typedef struct {
    hn_conv2d cv;
    int n;
    float *x, *w, *b, *y, *r, *ws;
} conv_case;

static size_t conv_in_size(const conv_case *c)
{
    return (size_t)c->n * c->cv.c_in * c->cv.h_in * c->cv.w_in;
}

static size_t conv_out_size(const conv_case *c)
{
    return (size_t)c->n * c->cv.c_out * c->cv.h_out * c->cv.w_out;
}

static double conv_loss(void *p)
{
    conv_case *c = (conv_case *)p;
    hn_conv2d_forward(&c->cv, c->n, c->x, c->w, c->b, c->y, c->ws);
    return project(c->y, c->r, conv_out_size(c));
}

/* The definition, seven loops deep, in double: the largest |difference|
   from y, and in *mag the largest sum of |w x| over one output's terms
   (the scale of its rounding error). */
static double conv_direct_diff(const conv_case *c, double *mag)
{
    const hn_conv2d *cv = &c->cv;
    double worst = 0.0;
    int i, o, r, s, ch, u, v;
    for (i = 0; i < c->n; i++)
        for (o = 0; o < cv->c_out; o++)
            for (r = 0; r < cv->h_out; r++)
                for (s = 0; s < cv->w_out; s++) {
                    double acc = c->b ? c->b[o] : 0.0, sum = fabs(acc);
                    for (ch = 0; ch < cv->c_in; ch++)
                        for (u = 0; u < cv->kh; u++)
                            for (v = 0; v < cv->kw; v++) {
                                int ih = r * cv->stride - cv->pad + u;
                                int iw = s * cv->stride - cv->pad + v;
                                if (ih < 0 || ih >= cv->h_in || iw < 0 || iw >= cv->w_in)
                                    continue;
                                double t = (double)c->w[((o * cv->c_in + ch) * cv->kh +
                                                         u) * cv->kw + v] *
                                           c->x[((i * cv->c_in + ch) * cv->h_in + ih) *
                                                cv->w_in + iw];
                                acc += t;
                                sum += fabs(t);
                            }
                    *mag = fmax(*mag, sum);
                    worst = fmax(worst, fabs(acc - c->y[((i * cv->c_out + o) * cv->h_out +
                                                          r) * cv->w_out + s]));
                }
    return worst;
}

/* fft: the cv->fft setting (1 as hn_conv2d_init leaves it, 2 to take the
   Fourier path wherever it fits). */
static void test_conv2d_path(hn_rng *rng, const char *name, int n, int c_in, int h, int w,
                             int c_out, int kh, int kw, int stride, int pad, int bias,
                             int fft)
{
    conv_case c;
    char what[64];
    float *dx, *dw, *db, *y1;
    size_t nx, nw, ny, i;
    double diff, mag = 0.0;
    int bits_differ = 0, ft;
    CHECK(hn_conv2d_init(&c.cv, c_in, h, w, c_out, kh, kw, stride, pad) == HN_OK,
          "conv2d init: %s", hn_error());
    c.cv.fft = fft;
    ft = hn__conv2d_ft(&c.cv, n);
    c.n = n;
    nx = conv_in_size(&c);
    nw = (size_t)c_out * c_in * kh * kw;
    ny = conv_out_size(&c);
    c.x = random_buffer(rng, nx, 1.0f);
    c.w = random_buffer(rng, nw, 1.0f);
    c.b = bias ? random_buffer(rng, (size_t)c_out, 1.0f) : NULL;
    c.y = (float *)malloc(ny * sizeof(float));
    c.r = random_buffer(rng, ny, 1.0f);
    c.ws = (float *)malloc(hn_conv2d_workspace_size(&c.cv) * sizeof(float));

    conv_loss(&c);
    diff = conv_direct_diff(&c, &mag);
    printf("conv2d %s: (%d,%d,%d,%d) k %dx%d stride %d pad %d -> %dx%d%s, "
           "forward max |diff| vs direct = %.2e (%.1e of sum |w x|)\n", name, n, c_in, h, w,
           kh, kw, stride, pad, c.cv.h_out, c.cv.w_out,
           c.cv.winograd ? " Winograd" : ft ? " Fourier" : "", diff, diff / mag);
    CHECK(diff < 1e-5 || ((c.cv.winograd || ft) && diff < 4e-6 * mag),
          "conv2d %s forward max |diff| %.3e", name, diff);
    CHECK(fft != 2 || ft, "conv2d %s does not take the Fourier path", name);

    /* A different number of slots spreads the images differently; the
       forward result must not change at all. */
    y1 = (float *)malloc(ny * sizeof(float));
    memcpy(y1, c.y, ny * sizeof(float));
    c.cv.slots = 1;
    conv_loss(&c);
    for (i = 0; i < ny; i++) bits_differ += c.y[i] != y1[i];
    CHECK(bits_differ == 0, "conv2d %s: 1 slot changes %d outputs", name, bits_differ);
    free(y1);

    dx = grad_buffer(nx);
    dw = grad_buffer(nw);
    db = grad_buffer((size_t)c_out);
    c.cv.slots = 3;
    free(c.ws);
    c.ws = (float *)malloc(hn_conv2d_workspace_size(&c.cv) * sizeof(float));
    hn_conv2d_backward(&c.cv, n, c.x, c.w, c.r, dx, dw, bias ? db : NULL, c.ws);
    /* The loss is linear in each weight and input, so a central difference
       is exact for any step but for rounding: a large step keeps that
       rounding far below the gradients it checks. The differences step
       the direct forward pass, whose rounding is a tenth of Winograd's
       (which matched it above): the gradients are checked against the
       function itself, not against the noise of one way to compute it. */
    c.cv.winograd = 0;
    c.cv.fft = 0;
    sprintf(what, "conv2d %s dx", name);
    fd_check_step(what, c.x, nx, dx, conv_loss, &c, CONV_FD_STEP);
    sprintf(what, "conv2d %s dw", name);
    fd_check_step(what, c.w, nw, dw, conv_loss, &c, CONV_FD_STEP);
    if (bias) {
        sprintf(what, "conv2d %s db", name);
        fd_check_step(what, c.b, (size_t)c_out, db, conv_loss, &c, CONV_FD_STEP);
    }
    free(c.x); free(c.w); free(c.b); free(c.y); free(c.r); free(c.ws);
    free(dx); free(dw); free(db);
}

static void test_conv2d(hn_rng *rng, const char *name, int n, int c_in, int h, int w,
                        int c_out, int kh, int kw, int stride, int pad, int bias)
{
    test_conv2d_path(rng, name, n, c_in, h, w, c_out, kh, kw, stride, pad, bias, 1);
}

/* The same forward and backward with 1 thread and, twice each, with 2
   and 3 threads: every output and gradient bit-identical (a race in a
   reduction, or a sum whose grouping follows the threads, shows up
   here). */
static void test_conv2d_threads(hn_rng *rng, int ci, int co, int stride, int k)
{
#ifdef _OPENMP
    enum { N = 13, HW = 81 };
    hn_conv2d cv;
    float *x, *w, *b, *dy, *ws, *g[2], *y[2];
    size_t nx = (size_t)N * ci * HW, nw = (size_t)co * ci * k * k, ny, i;
    size_t ng = nx + nw + (size_t)co;
    int t, differ = 0;
    hn_conv2d_init(&cv, ci, 9, 9, co, k, k, stride, k / 2);
    if (k >= 5) cv.fft = 2;   /* the Fourier path, which would stay direct at 13 images */
    ny = (size_t)N * co * cv.h_out * cv.w_out;
    x = random_buffer(rng, nx, 1.0f);
    w = random_buffer(rng, nw, 1.0f);
    b = random_buffer(rng, (size_t)co, 1.0f);
    dy = random_buffer(rng, ny, 1.0f);
    ws = (float *)malloc(hn_conv2d_workspace_size(&cv) * sizeof(float));
    g[0] = (float *)calloc(ng, sizeof(float));
    g[1] = (float *)malloc(ng * sizeof(float));
    y[0] = (float *)malloc(ny * sizeof(float));
    y[1] = (float *)malloc(ny * sizeof(float));
    omp_set_num_threads(1);
    hn_conv2d_forward(&cv, N, x, w, b, y[0], ws);
    hn_conv2d_backward(&cv, N, x, w, dy, g[0], g[0] + nx, g[0] + nx + nw, ws);
    for (t = 0; t < 4; t++) {
        omp_set_num_threads(2 + t % 2);
        memset(g[1], 0, ng * sizeof(float));
        hn_conv2d_forward(&cv, N, x, w, b, y[1], ws);
        hn_conv2d_backward(&cv, N, x, w, dy, g[1], g[1] + nx, g[1] + nx + nw, ws);
        for (i = 0; i < ng; i++) differ += g[0][i] != g[1][i];
        for (i = 0; i < ny; i++) differ += y[0][i] != y[1][i];
    }
    omp_set_num_threads(2);
    printf("conv2d %d -> %d %dx%d stride %d%s, 1 vs 2 and 3 threads (4 runs): %d of %zu "
           "values differ\n", ci, co, k, k, stride,
           hn__conv2d_wino(&cv) ? " (Winograd)" : hn__conv2d_ft(&cv, N) ? " (Fourier)" : "",
           differ, 4 * (ng + ny));
    CHECK(differ == 0, "thread count changes %d values", differ);
    free(x); free(w); free(b); free(dy); free(ws); free(g[0]); free(g[1]); free(y[0]);
    free(y[1]);
#else
    (void)rng;
    (void)ci;
    (void)co;
    (void)stride;
    (void)k;
    printf("conv2d thread check skipped (built without OpenMP)\n");
#endif
}

/* A kernel prepared once gives the forward pass the same bits as y (the
   unprepared result), and is used in place of w, which is zeroed. */
static void check_prepared(hn_conv2d *cv, int n, const float *x, float *w, size_t nw,
                           const float *b, float *ws, const float *y, size_t ny,
                           const char *path)
{
    float *u, *y2 = (float *)malloc(ny * sizeof(float));
    size_t i;
    int same = 1;
    u = (float *)malloc(hn_conv2d_prepared_size(cv) * sizeof(float));
    hn_conv2d_prepare(cv, w, u);
    for (i = 0; i < nw; i++) w[i] = 0.0f;
    hn_conv2d_forward(cv, n, x, w, b, y2, ws);
    for (i = 0; i < ny; i++) same &= y2[i] == y[i];
    printf("conv2d prepared %s kernel: %s\n", path, same ? "the same bits" : "DIFFERENT");
    CHECK(same, "a prepared %s kernel changes the forward result", path);
    cv->prepared = NULL;
    free(u);
    free(y2);
}

/* Winograd against the direct path on a batch whose 63 tiles fill three
   panels (on AVX2), with images that start in the middle of a panel:
   forward (with bias), input gradient (adding onto what dx held) and
   weight gradient (adding onto dw), within 4e-6 of the largest sum of
   terms' magnitudes (9 CI for an output or an input's gradient, 100 N
   for a weight's). */
static void test_conv2d_winograd(hn_rng *rng)
{
    enum { N = 7, CI = 24, CO = 20, HW = 10 };
    hn_conv2d cv;
    float *x, *w, *b, *dy, *ws, *y[2], *dx[2], *dw[2];
    size_t nx = (size_t)N * CI * HW * HW, nw = (size_t)CO * CI * 9;
    size_t ny = (size_t)N * CO * HW * HW;
    double fdiff = 0.0, bdiff = 0.0, wdiff = 0.0, scale = 9.0 * CI;  /* |w|, |x| <= 1 */
    int t;
    hn_conv2d_init(&cv, CI, HW, HW, CO, 3, 3, 1, 1);
    CHECK(cv.winograd, "a %dx%d conv of %d -> %d channels does not take Winograd", HW,
          HW, CI, CO);
    x = random_buffer(rng, nx, 1.0f);
    w = random_buffer(rng, nw, 1.0f);
    b = random_buffer(rng, CO, 1.0f);
    dy = random_buffer(rng, ny, 1.0f);
    ws = (float *)malloc(hn_conv2d_workspace_size(&cv) * sizeof(float));
    for (t = 0; t < 2; t++) {
        cv.winograd = !t;
        y[t] = (float *)malloc(ny * sizeof(float));
        dx[t] = grad_buffer(nx);
        dw[t] = grad_buffer(nw);
        hn_conv2d_forward(&cv, N, x, w, b, y[t], ws);
        hn_conv2d_backward(&cv, N, x, w, dy, dx[t], dw[t], NULL, ws);
    }
    fdiff = max_abs_diff(y[0], y[1], ny);
    bdiff = max_abs_diff(dx[0], dx[1], nx);
    wdiff = max_abs_diff(dw[0], dw[1], nw);
    printf("conv2d Winograd vs direct, %d images of %dx%d, %d -> %d: forward max |diff| "
           "%.2e, dx %.2e (bound %.2e), dw %.2e (bound %.2e)\n", N, HW, HW, CI, CO, fdiff,
           bdiff, 4e-6 * scale, wdiff, 4e-6 * 100.0 * N);
    CHECK(fdiff < 4e-6 * scale, "Winograd forward differs by %.3e", fdiff);
    CHECK(bdiff < 4e-6 * scale, "Winograd dx differs by %.3e", bdiff);
    CHECK(wdiff < 4e-6 * 100.0 * N, "Winograd dw differs by %.3e", wdiff);
    cv.winograd = 1;
    check_prepared(&cv, N, x, w, nw, b, ws, y[0], ny, "Winograd");
    free(x); free(w); free(b); free(dy); free(ws);
    for (t = 0; t < 2; t++) {
        free(y[t]);
        free(dx[t]);
        free(dw[t]);
    }
}

/* The Fourier path against the direct one, on channel counts of two and
   three lane blocks with padded lanes, a 7x5 kernel, and 29 images over
   3 slots (chunks of images, and the last one short): forward with bias,
   dx and dw adding onto what they held, db. Within 4e-6 of the largest
   sum of terms' magnitudes, as Winograd. Then which layers take the path
   when left to choose, and a prepared kernel. */
static void test_conv2d_fft(hn_rng *rng)
{
    enum { N = 29, CI = 20, CO = 33, H = 11, W = 13, KH = 7, KW = 5, PAD = 2 };
    hn_conv2d cv, mnist1, mnist2;
    float *x, *w, *b, *dy, *ws, *y[2], *dx[2], *dw[2], *db[2];
    size_t nx = (size_t)N * CI * H * W, nw = (size_t)CO * CI * KH * KW, ny;
    double fdiff = 0.0, bdiff = 0.0, wdiff = 0.0, ddiff = 0.0;
    double scale = (double)CI * KH * KW, dscale = (double)CO * KH * KW;
    double wscale = (double)N * H * W;
    int t;
    hn_conv2d_init(&cv, CI, H, W, CO, KH, KW, 1, PAD);
    cv.slots = 3;
    cv.fft = 2;
    CHECK(hn__conv2d_ft(&cv, N), "a %dx%d conv with a %dx%d kernel does not fit the "
          "Fourier path", H, W, KH, KW);
    ny = (size_t)N * CO * cv.h_out * cv.w_out;
    x = random_buffer(rng, nx, 1.0f);
    w = random_buffer(rng, nw, 1.0f);
    b = random_buffer(rng, CO, 1.0f);
    dy = random_buffer(rng, ny, 1.0f);
    ws = (float *)malloc(hn_conv2d_workspace_size(&cv) * sizeof(float));
    for (t = 0; t < 2; t++) {
        cv.fft = t ? 0 : 2;
        y[t] = (float *)malloc(ny * sizeof(float));
        dx[t] = grad_buffer(nx);
        dw[t] = grad_buffer(nw);
        db[t] = grad_buffer(CO);
        hn_conv2d_forward(&cv, N, x, w, b, y[t], ws);
        hn_conv2d_backward(&cv, N, x, w, dy, dx[t], dw[t], db[t], ws);
    }
    fdiff = max_abs_diff(y[0], y[1], ny);
    bdiff = max_abs_diff(dx[0], dx[1], nx);
    wdiff = max_abs_diff(dw[0], dw[1], nw);
    ddiff = max_abs_diff(db[0], db[1], CO);
    printf("conv2d Fourier vs direct, %d images of %dx%d, %d -> %d, %dx%d pad %d: forward "
           "max |diff| %.2e, dx %.2e (bound %.2e), dw %.2e (bound %.2e), db %.2e\n", N, H, W,
           CI, CO, KH, KW, PAD, fdiff, bdiff, 4e-6 * dscale, wdiff, 4e-6 * wscale, ddiff);
    CHECK(fdiff < 4e-6 * scale, "Fourier forward differs by %.3e", fdiff);
    CHECK(bdiff < 4e-6 * dscale, "Fourier dx differs by %.3e", bdiff);
    CHECK(wdiff < 4e-6 * wscale, "Fourier dw differs by %.3e", wdiff);
    CHECK(ddiff < 1e-6 * wscale, "Fourier db differs by %.3e", ddiff);

    cv.fft = 2;
    check_prepared(&cv, N, x, w, nw, b, ws, y[0], ny, "Fourier");

    /* Left to choose: the MNIST net's second layer (16 -> 16, 7x7 on
       14x14) takes the path for a batch, not for one image; its first
       layer (one input channel) never does. */
    hn_conv2d_init(&mnist1, 1, 28, 28, 16, 7, 7, 1, 3);
    hn_conv2d_init(&mnist2, 16, 14, 14, 16, 7, 7, 1, 3);
    printf("conv2d Fourier chosen: MNIST conv2 batch 128 %d, batch 1 %d; conv1 batch 128 "
           "%d\n", hn__conv2d_ft(&mnist2, 128), hn__conv2d_ft(&mnist2, 1),
           hn__conv2d_ft(&mnist1, 128));
    CHECK(hn__conv2d_ft(&mnist2, 128) && !hn__conv2d_ft(&mnist2, 1) &&
          !hn__conv2d_ft(&mnist1, 128), "the Fourier path's choice of layers changed");
    free(x); free(w); free(b); free(dy); free(ws);
    for (t = 0; t < 2; t++) {
        free(y[t]);
        free(dx[t]);
        free(dw[t]);
        free(db[t]);
    }
}

static void test_conv2d_refusals(void)
{
    hn_conv2d cv;
    CHECK(hn_conv2d_init(&cv, 1, 3, 3, 1, 5, 5, 1, 0) == HN_ERR_SHAPE,
          "kernel larger than input accepted");
    CHECK(hn_conv2d_init(&cv, 1, 3, 3, 1, 3, 3, 0, 0) == HN_ERR_ARG, "stride 0 accepted");
    CHECK(hn_conv2d_init(&cv, 1 << 20, 1 << 12, 1 << 12, 1, 3, 3, 1, 1) == HN_ERR_LIMIT,
          "overflowing conv accepted: %s", hn_error());
    {
        hn_pool2d p;
        CHECK(hn_pool2d_init(&p, 1, 3, 3, 4, 2, 1, 1) == HN_ERR_SHAPE,
              "pool window larger than input accepted");
        CHECK(hn_pool2d_init(&p, 1, 3, 3, 2, 2, 0, 1) == HN_ERR_ARG, "pool stride 0 accepted");
    }
}

/* ---- pooling ---- */

typedef struct {
    hn_pool2d pool;
    int n, max;
    float *x, *y, *r;
    int *argmax;
} pool_case;

static double pool_loss(void *p)
{
    pool_case *c = (pool_case *)p;
    size_t ny = (size_t)c->n * c->pool.c * c->pool.h_out * c->pool.w_out;
    if (c->max) hn_maxpool2d_forward(&c->pool, c->n, c->x, c->y, c->argmax);
    else hn_avgpool2d_forward(&c->pool, c->n, c->x, c->y);
    return project(c->y, c->r, ny);
}

static void test_pool(hn_rng *rng, int max, int h, int w, int kh, int kw, int sh, int sw)
{
    pool_case c;
    char what[64];
    size_t nx, ny, i;
    float *dx;
    double worst = 0.0;
    int pl, r, s, u, v;
    c.n = 2;
    c.max = max;
    CHECK(hn_pool2d_init(&c.pool, 3, h, w, kh, kw, sh, sw) == HN_OK, "%s", hn_error());
    nx = (size_t)c.n * 3 * h * w;
    ny = (size_t)c.n * 3 * c.pool.h_out * c.pool.w_out;
    /* Max: distinct values 0.1 apart, so a step of 0.01 never changes a
       winner. Average: any values. */
    c.x = max ? (float *)malloc(nx * sizeof(float)) : random_buffer(rng, nx, 1.0f);
    if (max) {
        int *perm = (int *)malloc(nx * sizeof(int));
        for (i = 0; i < nx; i++) perm[i] = (int)i;
        hn_rng_shuffle(rng, perm, (int)nx);
        for (i = 0; i < nx; i++) c.x[i] = 0.1f * (float)perm[i] - 5.0f;
        free(perm);
    }
    c.y = (float *)malloc(ny * sizeof(float));
    c.r = random_buffer(rng, ny, 1.0f);
    c.argmax = (int *)malloc(ny * sizeof(int));
    pool_loss(&c);

    /* Forward against the definition. */
    for (pl = 0; pl < c.n * 3; pl++)
        for (r = 0; r < c.pool.h_out; r++)
            for (s = 0; s < c.pool.w_out; s++) {
                double best = -1e30, sum = 0.0;
                for (u = 0; u < kh; u++)
                    for (v = 0; v < kw; v++) {
                        double xv = c.x[(size_t)pl * h * w + (r * sh + u) * w + s * sw + v];
                        best = fmax(best, xv);
                        sum += xv;
                    }
                worst = fmax(worst, fabs((max ? best : sum / (kh * kw)) -
                                         c.y[((size_t)pl * c.pool.h_out + r) *
                                             c.pool.w_out + s]));
            }
    printf("%s %dx%d window %dx%d stride %d,%d -> %dx%d: forward max |diff| = %.2e\n",
           max ? "maxpool" : "avgpool", h, w, kh, kw, sh, sw, c.pool.h_out, c.pool.w_out,
           worst);
    CHECK(worst < 1e-6, "pool forward %.3e", worst);

    dx = grad_buffer(nx);
    if (max) hn_maxpool2d_backward(&c.pool, c.n, c.argmax, c.r, dx);
    else hn_avgpool2d_backward(&c.pool, c.n, c.r, dx);
    sprintf(what, "%s %dx%d/%d dx", max ? "maxpool" : "avgpool", kh, kw, sh);
    fd_check(what, c.x, nx, dx, pool_loss, &c);
    free(c.x); free(c.y); free(c.r); free(c.argmax); free(dx);
}

/* Equal values: every 2x2 window's winner is its first in row order (the
   top left), on the vector path and its scalar rest alike; a NaN never
   wins over the value before it either. */
static void test_maxpool_ties(void)
{
    enum { H = 4, W = 38 };
    hn_pool2d p;
    float x[H * W], y[(H / 2) * (W / 2)];
    int arg[(H / 2) * (W / 2)], r, s, bad = 0;
    hn_pool2d_init(&p, 1, H, W, 2, 2, 2, 2);
    for (r = 0; r < H * W; r++) x[r] = 1.5f;
    x[W + 7] = NAN;   /* bottom right of window (0, 3) */
    hn_maxpool2d_forward(&p, 1, x, y, arg);
    for (r = 0; r < H / 2; r++)
        for (s = 0; s < W / 2; s++)
            bad += arg[r * (W / 2) + s] != 2 * r * W + 2 * s || y[r * (W / 2) + s] != 1.5f;
    printf("maxpool 2x2 ties: %d of %d windows not won by their first value\n", bad,
           (H / 2) * (W / 2));
    CHECK(bad == 0, "maxpool ties: %d windows", bad);
}

typedef struct {
    int n, c, hw;
    float *x, *y, *r;
} gap_case;

static double gap_loss(void *p)
{
    gap_case *c = (gap_case *)p;
    hn_global_avgpool_forward(c->n, c->c, c->hw, c->x, c->y);
    return project(c->y, c->r, (size_t)c->n * c->c);
}

static void test_global_avgpool(hn_rng *rng)
{
    gap_case c;
    float *dx;
    c.n = 2; c.c = 3; c.hw = 10;
    c.x = random_buffer(rng, 60, 1.0f);
    c.y = (float *)malloc(6 * sizeof(float));
    c.r = random_buffer(rng, 6, 1.0f);
    gap_loss(&c);
    {
        double want = 0.0;
        int j;
        for (j = 0; j < 10; j++) want += c.x[40 + j] / 10.0;
        CHECK(fabs(want - c.y[4]) < 1e-6, "global avgpool mean %f vs %f", c.y[4], want);
    }
    dx = grad_buffer(60);
    hn_global_avgpool_backward(2, 3, 10, c.r, dx);
    printf("global avgpool\n");
    fd_check("global avgpool dx", c.x, 60, dx, gap_loss, &c);
    free(c.x); free(c.y); free(c.r); free(dx);
}

/* ---- dropout ---- */

typedef struct {
    size_t n;
    float p;
    float *x, *y, *r;
    unsigned char *keep;
} dropout_case;

static double dropout_loss(void *p)
{
    dropout_case *c = (dropout_case *)p;
    hn_rng rng;
    hn_rng_seed(&rng, 99);   /* the same mask at every evaluation */
    hn_dropout_forward(c->n, c->p, c->x, c->y, c->keep, &rng);
    return project(c->y, c->r, c->n);
}

static void test_dropout(hn_rng *rng)
{
    dropout_case c;
    float *dx;
    size_t i, kept = 0, big = 100000;
    int bad = 0;
    c.n = big;
    c.p = 0.3f;
    c.x = random_buffer(rng, big, 1.0f);
    c.y = (float *)malloc(big * sizeof(float));
    c.r = random_buffer(rng, big, 1.0f);
    c.keep = (unsigned char *)malloc(big);
    dropout_loss(&c);
    for (i = 0; i < big; i++) {
        kept += c.keep[i];
        bad += c.y[i] != (c.keep[i] ? c.x[i] / 0.7f : 0.0f) &&
               fabsf(c.y[i] - (c.keep[i] ? c.x[i] / 0.7f : 0.0f)) > 1e-6f;
    }
    printf("dropout p_drop 0.3: kept %.4f of %zu (want 0.7), %d wrong values\n",
           (double)kept / big, big, bad);
    CHECK(fabs((double)kept / big - 0.7) < 0.01, "dropout kept %zu", kept);
    CHECK(bad == 0, "dropout values: %d wrong", bad);

    c.n = 50;
    dx = grad_buffer(50);
    dropout_loss(&c);
    hn_dropout_backward(50, c.p, c.keep, c.r, dx);
    fd_check("dropout dx", c.x, 50, dx, dropout_loss, &c);
    free(c.x); free(c.y); free(c.r); free(c.keep); free(dx);
}

/* ---- batch norm ---- */

typedef struct {
    int n, c, hw;
    float *x, *gamma, *beta, *mean, *rstd, *y, *r;
} bn_case;

static double bn_loss(void *p)
{
    bn_case *b = (bn_case *)p;
    hn_batchnorm2d_forward_train(b->n, b->c, b->hw, b->x, b->gamma, b->beta, 1e-5f, 0.1f,
                                 NULL, NULL, b->mean, b->rstd, b->y);
    return project(b->y, b->r, (size_t)b->n * b->c * b->hw);
}

static void test_batchnorm(hn_rng *rng)
{
    bn_case b;
    float rm[3] = {0, 0, 0}, rv[3] = {1, 1, 1}, *dx, *dg, *dbt, *ye;
    size_t nx;
    double worst = 0.0;
    int ch, i, j;
    b.n = 3; b.c = 3; b.hw = 6;
    nx = (size_t)b.n * b.c * b.hw;
    b.x = random_buffer(rng, nx, 2.0f);
    b.gamma = random_buffer(rng, 3, 1.0f);
    b.beta = random_buffer(rng, 3, 1.0f);
    b.mean = (float *)malloc(3 * sizeof(float));
    b.rstd = (float *)malloc(3 * sizeof(float));
    b.y = (float *)malloc(nx * sizeof(float));
    ye = (float *)malloc(nx * sizeof(float));
    b.r = random_buffer(rng, nx, 1.0f);

    /* Forward and running statistics against a direct computation. */
    hn_batchnorm2d_forward_train(b.n, b.c, b.hw, b.x, b.gamma, b.beta, 1e-5f, 0.1f, rm, rv,
                                 b.mean, b.rstd, b.y);
    for (ch = 0; ch < 3; ch++) {
        double mu = 0.0, var = 0.0, m = b.n * b.hw;
        for (i = 0; i < b.n; i++)
            for (j = 0; j < b.hw; j++) mu += b.x[(i * 3 + ch) * b.hw + j] / m;
        for (i = 0; i < b.n; i++)
            for (j = 0; j < b.hw; j++)
                var += pow(b.x[(i * 3 + ch) * b.hw + j] - mu, 2) / m;
        for (i = 0; i < b.n; i++)
            for (j = 0; j < b.hw; j++) {
                size_t at = ((size_t)i * 3 + ch) * b.hw + j;
                double want = b.gamma[ch] * (b.x[at] - mu) / sqrt(var + 1e-5) + b.beta[ch];
                worst = fmax(worst, fabs(want - b.y[at]));
            }
        worst = fmax(worst, fabs(rm[ch] - 0.1 * mu));
        worst = fmax(worst, fabs(rv[ch] - (0.9 + 0.1 * var * m / (m - 1))));
    }
    printf("batchnorm train forward and running stats: max |diff| = %.2e\n", worst);
    CHECK(worst < 1e-5, "batchnorm forward %.3e", worst);

    /* Eval with running statistics equal to the batch's biased ones gives
       the training output. */
    for (ch = 0; ch < 3; ch++) {
        rm[ch] = b.mean[ch];
        rv[ch] = 1.0f / (b.rstd[ch] * b.rstd[ch]) - 1e-5f;
    }
    hn_batchnorm2d_forward_eval(b.n, b.c, b.hw, b.x, b.gamma, b.beta, 1e-5f, rm, rv, ye);
    for (i = 0, worst = 0.0; i < (int)nx; i++) worst = fmax(worst, fabs(ye[i] - b.y[i]));
    printf("batchnorm eval with the batch's statistics: max |diff| = %.2e\n", worst);
    CHECK(worst < 1e-4, "batchnorm eval %.3e", worst);

    dx = grad_buffer(nx);
    dg = grad_buffer(3);
    dbt = grad_buffer(3);
    bn_loss(&b);
    hn_batchnorm2d_backward(b.n, b.c, b.hw, b.x, b.gamma, b.mean, b.rstd, b.r, dx, dg, dbt);
    fd_check("batchnorm (train) dx", b.x, nx, dx, bn_loss, &b);
    fd_check("batchnorm (train) dgamma", b.gamma, 3, dg, bn_loss, &b);
    fd_check("batchnorm (train) dbeta", b.beta, 3, dbt, bn_loss, &b);
    free(b.x); free(b.gamma); free(b.beta); free(b.mean); free(b.rstd); free(b.y);
    free(b.r); free(ye); free(dx); free(dg); free(dbt);
}

int main(void)
{
    hn_rng rng;
    hn_rng_seed(&rng, 2016);
    test_linear(&rng, 1);
    test_linear(&rng, 0);
    test_relu(&rng);
    test_softmax_xent(&rng);
    test_mlp(&rng);
    test_conv2d(&rng, "3x3 pad 1", 2, 3, 7, 5, 4, 3, 3, 1, 1, 1);
    test_conv2d(&rng, "stride 2", 3, 2, 7, 6, 3, 3, 3, 2, 1, 0);
    test_conv2d(&rng, "1x1", 2, 5, 4, 3, 3, 1, 1, 1, 0, 1);
    test_conv2d(&rng, "1x1 stride 2", 2, 3, 5, 5, 2, 1, 1, 2, 0, 1);
    test_conv2d(&rng, "2x4 pad 2", 2, 2, 5, 8, 3, 2, 4, 2, 2, 1);
    test_conv2d(&rng, "7x7 same", 1, 1, 9, 9, 2, 7, 7, 1, 3, 1);
    /* Stride 1 runs the wide-row path: unpadded, a kernel that is not
       square (different flipped paddings for dx), more rows than one
       micro-tile and a depth past one KC block (11*5*5 = 275 > 256); a
       padding of kh or more falls back to im2col. */
    test_conv2d(&rng, "3x3 valid", 2, 3, 6, 7, 5, 3, 3, 1, 0, 1);
    test_conv2d(&rng, "2x3 pad 1", 2, 2, 5, 6, 3, 2, 3, 1, 1, 0);
    test_conv2d(&rng, "5x5 deep", 1, 11, 3, 9, 2, 5, 5, 1, 2, 1);
    test_conv2d(&rng, "3x3 pad 3 (im2col)", 2, 2, 4, 5, 3, 3, 3, 1, 3, 1);
    /* Output widths that are multiples of 8 compute only real pixels,
       in runs of 8 (forward and dx here; forward only in the second). */
    test_conv2d(&rng, "3x3 pad 1, 16 wide", 2, 3, 4, 16, 5, 3, 3, 1, 1, 1);
    test_conv2d(&rng, "5x5 valid, 8 wide", 2, 2, 6, 12, 3, 5, 5, 1, 0, 1);
    /* Without bias, and with channel counts that fill whole micro-panels,
       the micro-kernel writes into the output planes themselves (forward,
       and dx adding into them), over several column panels, one of them
       partial; the second case is deeper than one KC block. */
    test_conv2d(&rng, "3x3 pad 1, 16 wide, no bias", 2, 4, 4, 16, 8, 3, 3, 1, 1, 0);
    test_conv2d(&rng, "3x3 pad 1, 32 deep, no bias", 1, 32, 3, 8, 4, 3, 3, 1, 1, 0);
    /* With a bias, which then goes into the output before the kernel adds
       onto it. */
    test_conv2d(&rng, "3x3 pad 1, 16 wide, bias", 2, 2, 3, 16, 4, 3, 3, 1, 1, 1);
    /* Rows rounded up to whole runs: 14 pixels take 16 columns, not the
       padded 20 (the MNIST net's second layer), the last panel partial. */
    test_conv2d(&rng, "7x7 same, 14 wide", 1, 2, 5, 14, 3, 7, 7, 1, 3, 1);
    test_conv2d(&rng, "7x7 valid, 14 wide", 2, 1, 8, 20, 4, 7, 7, 1, 0, 0);
    /* Winograd F(4x4, 3x3): maps that are not whole tiles, every border
       it takes (0, 1, 2: the input gradient's is 2 - pad), several
       images to a panel and a panel shared by two images, bias or not. */
    test_conv2d(&rng, "3x3 pad 1, Winograd", 3, 16, 7, 6, 17, 3, 3, 1, 1, 1);
    test_conv2d(&rng, "3x3 valid, Winograd", 2, 17, 9, 10, 16, 3, 3, 1, 0, 0);
    test_conv2d(&rng, "3x3 pad 2, Winograd", 2, 16, 5, 5, 16, 3, 3, 1, 2, 1);
    test_conv2d(&rng, "3x3 pad 1, 8x8 Winograd", 3, 16, 8, 8, 16, 3, 3, 1, 1, 0);
    test_conv2d_winograd(&rng);
    /* The Fourier path: kernels larger than the plane's border, 5x3 with
       its own borders, one lane block of channels padded. */
    test_conv2d_path(&rng, "7x7 same, Fourier", 2, 3, 8, 8, 4, 7, 7, 1, 3, 1, 2);
    test_conv2d_path(&rng, "5x3 pad 1, Fourier", 2, 2, 6, 9, 3, 5, 3, 1, 1, 0, 2);
    test_conv2d_path(&rng, "7x7 over 4x5, Fourier", 1, 2, 4, 5, 2, 7, 7, 1, 3, 1, 2);
    test_conv2d_path(&rng, "7x7 valid, Fourier", 2, 3, 9, 10, 2, 7, 7, 1, 0, 0, 2);
    test_conv2d_fft(&rng);
    test_conv2d_threads(&rng, 4, 8, 1, 3);     /* wide rows */
    test_conv2d_threads(&rng, 4, 8, 2, 3);     /* im2col */
    test_conv2d_threads(&rng, 16, 24, 1, 3);   /* Winograd */
    test_conv2d_threads(&rng, 20, 17, 1, 7);   /* Fourier */
    test_conv2d_refusals();
    test_pool(&rng, 1, 6, 6, 2, 2, 2, 2);
    /* The 2x2 window's vector rows: 16 outputs and a masked rest, an odd
       width, the MNIST net's 28 -> 14. */
    test_pool(&rng, 1, 5, 37, 2, 2, 2, 2);
    test_pool(&rng, 1, 28, 28, 2, 2, 2, 2);
    test_maxpool_ties();
    test_pool(&rng, 1, 7, 6, 3, 3, 2, 2);
    test_pool(&rng, 1, 5, 7, 2, 3, 1, 2);
    test_pool(&rng, 0, 6, 6, 2, 2, 2, 2);
    test_pool(&rng, 0, 7, 6, 3, 2, 2, 1);
    test_global_avgpool(&rng);
    test_dropout(&rng);
    test_batchnorm(&rng);
    return test_exit("test_layers");
}
