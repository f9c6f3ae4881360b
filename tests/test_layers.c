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
   f over every element of x; print and return the largest relative error,
   |a - d| / max(|a|, |d|, 1e-2): relative for large slopes, absolute near
   zero where a relative error means nothing. */
static double fd_check(const char *what, float *x, size_t n, const float *grad,
                       loss_fn f, void *ctx)
{
    double worst = 0.0;
    size_t i, at = 0;
    for (i = 0; i < n; i++) {
        float v = x[i], xp = v + FD_STEP, xm = v - FD_STEP;
        double lp, lm, num, ana, rel;
        x[i] = xp;
        lp = f(ctx);
        x[i] = xm;
        lm = f(ctx);
        x[i] = v;
        /* The step actually taken, after float rounding of v +- h. */
        num = (lp - lm) / ((double)xp - (double)xm);
        ana = (double)grad[i] - GRAD_FILL;
        rel = fabs(ana - num) / fmax(fmax(fabs(ana), fabs(num)), 1e-2);
        if (rel > worst) {
            worst = rel;
            at = i;
        }
    }
    printf("  %-40s max rel err %.2e (element %zu of %zu)\n", what, worst, at, n);
    CHECK(worst < FD_TOL, "%s: max rel err %.3e at %zu", what, worst, at);
    return worst;
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

int main(void)
{
    hn_rng rng;
    hn_rng_seed(&rng, 2016);
    test_linear(&rng, 1);
    test_linear(&rng, 0);
    test_relu(&rng);
    test_softmax_xent(&rng);
    test_mlp(&rng);
    return test_exit("test_layers");
}
