/* Static hypernetworks: the generated kernel against the paper's formula
   tile by tile, finite-difference gradients of every hypernetwork weight
   and embedding (linear, ReLU, per-layer embedding, 1x1 centre tap),
   parameter counts and the initial kernel's variance. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <math.h>
#include <string.h>

/* A small model: one hypernetwork, one generated layer. */
typedef struct model {
    hn_params ps;
    hn_hyper h;
    hn_hyperconv l;
} model;

static int model_make(model *m, int n_z, int d, int bi, int bo, int f, int hflags,
                      int n_in, int n_out, int lf, int lflags, uint64_t seed)
{
    hn_rng r;
    hn_params_init(&m->ps);
    if (hn_hyper_declare(&m->h, &m->ps, "hyper", n_z, d, bi, bo, f, hflags) != HN_OK ||
        hn_hyperconv_declare(&m->l, &m->h, &m->ps, "conv", n_in, n_out, lf, lflags) !=
            HN_OK ||
        hn_params_alloc(&m->ps) != HN_OK) {
        fprintf(stderr, "setup: %s\n", hn_error());
        return 0;
    }
    hn_rng_seed(&r, seed);
    hn_hyper_init_weights(&m->h, &m->ps, &r);
    hn_hyperconv_init_weights(&m->l, &m->ps, &r);
    /* Non-zero biases and per-layer embedding, so that their paths count. */
    hn_rng_fill_normal(&r, hn_params_data(&m->ps, m->h.b_in),
                       (size_t)bi * d, 0.0f, 0.3f);
    hn_rng_fill_normal(&r, hn_params_data(&m->ps, m->h.b_out),
                       (size_t)bo * f * f, 0.0f, 0.1f);
    if (m->l.e >= 0)
        hn_rng_fill_normal(&r, hn_params_data(&m->ps, m->l.e), (size_t)n_z, 0.0f, 0.3f);
    return 1;
}

static void model_free(model *m)
{
    hn_hyperconv_free(&m->l);
    hn_params_free(&m->ps);
}

/* The paper's formula for one kernel entry, straight from the store:
   K[o][c][y][x] = sum_k W_out[(oo*f+y')*f+x'][k] act_k + B_out[...]. */
static double direct_entry(const model *m, int o, int c, int y, int x)
{
    const hn_hyper *h = &m->h;
    const hn_hyperconv *l = &m->l;
    int i = o / h->blk_out, oo = o % h->blk_out;
    int j = c / h->blk_in, cc = c % h->blk_in;
    int t = i * l->tiles_in + j, k, q, row;
    const float *z = hn_params_data(&m->ps, l->z) + (size_t)t * h->n_z;
    const float *e = l->e >= 0 ? hn_params_data(&m->ps, l->e) : NULL;
    const float *w_in = hn_params_data(&m->ps, h->w_in);
    const float *b_in = hn_params_data(&m->ps, h->b_in);
    const float *w_out = hn_params_data(&m->ps, h->w_out);
    const float *b_out = hn_params_data(&m->ps, h->b_out);
    double sum;
    if (l->f == 1) y = x = h->f / 2;
    row = (oo * h->f + y) * h->f + x;
    sum = b_out[row];
    for (k = 0; k < h->d; k++) {
        double a = b_in[cc * h->d + k];
        for (q = 0; q < h->n_z; q++)
            a += (double)w_in[(size_t)(cc * h->d + k) * h->n_z + q] *
                 (z[q] + (e ? e[q] : 0.0f));
        if ((h->flags & HN_HYPER_RELU) && a < 0.0) a = 0.0;
        sum += (double)w_out[(size_t)row * h->d + k] * a;
    }
    return sum;
}

static void check_layout(model *m, const char *what)
{
    const hn_hyperconv *l = &m->l;
    size_t n = hn_hyperconv_plain_count(l);
    float *kernel = (float *)malloc(n * sizeof(float));
    double worst = 0.0;
    int o, c, y, x, p = l->f;
    hn_hyperconv_generate(&m->l, &m->ps, kernel);
    for (o = 0; o < l->n_out; o++)
        for (c = 0; c < l->n_in; c++)
            for (y = 0; y < p; y++)
                for (x = 0; x < p; x++) {
                    double want = direct_entry(m, o, c, y, x);
                    double got = kernel[(((size_t)o * l->n_in + c) * p + y) * p + x];
                    double diff = fabs(got - want);
                    if (diff > worst) worst = diff;
                }
    CHECK(worst < 1e-5, "%s: kernel vs direct formula, max |diff| = %.2e", what, worst);
    printf("%s: kernel (%d x %d x %d x %d) vs direct formula, max |diff| = %.2e\n",
           what, l->n_out, l->n_in, p, p, worst);
    free(kernel);
}

/* L = sum G * K for a fixed random G, in double. */
static double loss(model *m, float *kernel, const float *g, size_t n)
{
    double s = 0.0;
    size_t q;
    hn_hyperconv_generate(&m->l, &m->ps, kernel);
    for (q = 0; q < n; q++) s += (double)g[q] * kernel[q];
    return s;
}

/* Central differences for every float of every tensor in the store, against
   the analytic gradient of generate_backward. */
static void check_gradients(model *m, const char *what)
{
    size_t n = hn_hyperconv_plain_count(&m->l), q;
    float *kernel = (float *)malloc(n * sizeof(float));
    float *g = (float *)malloc(n * sizeof(float));
    hn_rng r;
    int t;
    hn_rng_seed(&r, 7);
    hn_rng_fill_normal(&r, g, n, 0.0f, 1.0f);
    hn_params_zero_grad(&m->ps);
    hn_hyperconv_generate(&m->l, &m->ps, kernel);
    hn_hyperconv_generate_backward(&m->l, &m->ps, g);
    for (t = 0; t < m->ps.count; t++) {
        const hn_param_info *pi = &m->ps.info[t];
        float *w = hn_params_data(&m->ps, t), *dw = hn_params_grad(&m->ps, t);
        double worst = 0.0, scale = 1e-3;
        size_t k;
        for (k = 0; k < pi->size; k++) {
            /* Small enough that no ReLU input crosses 0 within +-eps (1e-2
               did, once), large enough for float rounding. */
            const float eps = 1e-3f;
            float keep = w[k];
            double lp, lm, num;
            w[k] = keep + eps;
            lp = loss(m, kernel, g, n);
            w[k] = keep - eps;
            lm = loss(m, kernel, g, n);
            w[k] = keep;
            num = (lp - lm) / (2.0 * eps);
            if (fabs(num - dw[k]) > worst) worst = fabs(num - dw[k]);
            if (fabs(num) > scale) scale = fabs(num);
        }
        CHECK(worst / scale < 2e-3,
              "%s: d%s max |analytic - numeric| = %.2e (scale %.2e)", what,
              pi->name, worst, scale);
        printf("%s: d%-12s %5zu floats, max |analytic - numeric| = %.2e "
               "(max |g| %.2e)\n", what, pi->name, pi->size, worst, scale);
    }

    /* A second backward accumulates: every gradient doubles. */
    {
        size_t total = m->ps.total;
        float *before = (float *)malloc(total * sizeof(float));
        double worst = 0.0;
        memcpy(before, m->ps.grad, total * sizeof(float));
        hn_hyperconv_generate(&m->l, &m->ps, kernel);
        hn_hyperconv_generate_backward(&m->l, &m->ps, g);
        for (q = 0; q < total; q++) {
            double diff = fabs(m->ps.grad[q] - 2.0 * before[q]);
            if (diff > worst) worst = diff;
        }
        CHECK(worst < 1e-4, "%s: second backward adds, max |diff| = %.2e", what, worst);
        free(before);
    }
    free(kernel);
    free(g);
}

static void test_generator(void)
{
    static const struct {
        const char *what;
        int hflags, lf, lflags;
    } cases[] = {
        {"linear 3x3", 0, 3, 0},
        {"relu 3x3", HN_HYPER_RELU, 3, 0},
        {"linear 3x3 + layer embedding", 0, 3, HN_HYPERCONV_EMBED},
        {"relu 1x1 centre", HN_HYPER_RELU, 1, 0},
        {"linear 1x1 centre + embedding", 0, 1, HN_HYPERCONV_EMBED},
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        model m;
        /* n_z 3, d 4, tiles of 2 in x 3 out, 3x3; a 4 -> 6 layer has 2 x 2
           tiles, so the layout test sees every tile position kind. */
        if (!model_make(&m, 3, 4, 2, 3, 3, cases[i].hflags, 4, 6, cases[i].lf,
                        cases[i].lflags, 100 + i)) {
            CHECK(0, "%s: setup failed", cases[i].what);
            continue;
        }
        check_layout(&m, cases[i].what);
        check_gradients(&m, cases[i].what);
        model_free(&m);
    }
}

/* Two layers that share one hypernetwork: its gradient is the sum of the
   layers'. */
static void test_shared(void)
{
    hn_params ps;
    hn_hyper h;
    hn_hyperconv a, b;
    hn_rng r;
    float ka[4 * 2 * 9], kb[2 * 4 * 9], ga[4 * 2 * 9], gb[2 * 4 * 9];
    float *sum_a, *sum_b;
    size_t nw, q;
    double worst = 0.0;
    int w_out;
    hn_params_init(&ps);
    hn_hyper_declare(&h, &ps, "h", 2, 3, 2, 2, 3, HN_HYPER_RELU);
    hn_hyperconv_declare(&a, &h, &ps, "a", 2, 4, 3, 0);
    hn_hyperconv_declare(&b, &h, &ps, "b", 4, 2, 3, 0);
    CHECK(hn_params_alloc(&ps) == HN_OK, "alloc: %s", hn_error());
    hn_rng_seed(&r, 3);
    hn_hyper_init_weights(&h, &ps, &r);
    hn_hyperconv_init_weights(&a, &ps, &r);
    hn_hyperconv_init_weights(&b, &ps, &r);
    hn_rng_fill_normal(&r, ga, 72, 0.0f, 1.0f);
    hn_rng_fill_normal(&r, gb, 72, 0.0f, 1.0f);
    w_out = h.w_out;
    nw = ps.info[w_out].size;
    sum_a = (float *)malloc(nw * sizeof(float));
    sum_b = (float *)malloc(nw * sizeof(float));

    hn_params_zero_grad(&ps);
    hn_hyperconv_generate(&a, &ps, ka);
    hn_hyperconv_generate_backward(&a, &ps, ga);
    memcpy(sum_a, hn_params_grad(&ps, w_out), nw * sizeof(float));
    hn_params_zero_grad(&ps);
    hn_hyperconv_generate(&b, &ps, kb);
    hn_hyperconv_generate_backward(&b, &ps, gb);
    memcpy(sum_b, hn_params_grad(&ps, w_out), nw * sizeof(float));

    hn_params_zero_grad(&ps);
    hn_hyperconv_generate(&a, &ps, ka);
    hn_hyperconv_generate(&b, &ps, kb);
    hn_hyperconv_generate_backward(&a, &ps, ga);
    hn_hyperconv_generate_backward(&b, &ps, gb);
    for (q = 0; q < nw; q++) {
        double diff = fabs(hn_params_grad(&ps, w_out)[q] - (sum_a[q] + sum_b[q]));
        if (diff > worst) worst = diff;
    }
    CHECK(worst < 1e-5, "shared hypernetwork: dW_out = sum of layers', "
          "max |diff| = %.2e", worst);
    printf("shared hypernetwork: dW_out = sum of two layers', max |diff| = %.2e\n",
           worst);
    free(sum_a);
    free(sum_b);
    hn_hyperconv_free(&a);
    hn_hyperconv_free(&b);
    hn_params_free(&ps);
}

static void test_counts_and_errors(void)
{
    hn_params ps;
    hn_hyper h;
    hn_hyperconv l, bad;
    /* The paper's MNIST layer: 16 -> 16 channels, 7x7, N_z = d = 4. */
    hn_params_init(&ps);
    CHECK(hn_hyper_declare(&h, &ps, "hyper", 4, 4, 16, 16, 7, 0) == HN_OK, "%s",
          hn_error());
    CHECK(hn_hyperconv_declare(&l, &h, &ps, "conv2", 16, 16, 7, 0) == HN_OK, "%s",
          hn_error());
    CHECK(hn_hyper_param_count(&h) == 4240, "hypernetwork weights %zu, want 4240",
          hn_hyper_param_count(&h));
    CHECK(hn_hyperconv_param_count(&l) == 4, "layer z %zu, want 4",
          hn_hyperconv_param_count(&l));
    CHECK(hn_hyper_param_count(&h) + hn_hyperconv_param_count(&l) == 4244,
          "generated layer total %zu, want 4244",
          hn_hyper_param_count(&h) + hn_hyperconv_param_count(&l));
    CHECK(hn_hyperconv_plain_count(&l) == 12544, "plain kernel %zu, want 12544",
          hn_hyperconv_plain_count(&l));
    CHECK(ps.nparams == 4244, "store holds %zu floats, want 4244", ps.nparams);
    printf("MNIST layer: hypernetwork %zu + z %zu = %zu floats, plain kernel %zu\n",
           hn_hyper_param_count(&h), hn_hyperconv_param_count(&l), ps.nparams,
           hn_hyperconv_plain_count(&l));

    /* A 32 -> 64 layer is 4 x 2 tiles; with a layer embedding, 9 z's. */
    CHECK(hn_hyperconv_declare(&bad, &h, &ps, "conv3", 32, 64, 7,
                               HN_HYPERCONV_EMBED) == HN_OK, "%s", hn_error());
    CHECK(bad.tiles_out == 4 && bad.tiles_in == 2 &&
          hn_hyperconv_param_count(&bad) == 9 * 4,
          "32 -> 64: %d x %d tiles, %zu floats", bad.tiles_out, bad.tiles_in,
          hn_hyperconv_param_count(&bad));
    hn_hyperconv_free(&bad);

    /* Refusals. */
    CHECK(hn_hyperconv_declare(&bad, &h, &ps, "c", 24, 16, 7, 0) == HN_ERR_SHAPE,
          "24 input channels with 16-channel tiles refused");
    CHECK(strstr(hn_error(), "multiples") != NULL, "reason: %s", hn_error());
    CHECK(hn_hyperconv_declare(&bad, &h, &ps, "c", 16, 16, 3, 0) == HN_ERR_SHAPE,
          "3x3 from a 7x7 generator refused");
    CHECK(hn_hyperconv_declare(&bad, &h, &ps, "c", 16, 16, 1, 0) == HN_OK,
          "1x1 from a 7x7 generator accepted: %s", hn_error());
    hn_hyperconv_free(&bad);
    CHECK(hn_hyper_declare(&h, &ps, "h2", 0, 4, 16, 16, 7, 0) == HN_ERR_ARG,
          "n_z = 0 refused");
    {
        hn_hyper even;
        CHECK(hn_hyper_declare(&even, &ps, "h4", 2, 2, 2, 2, 4, 0) == HN_OK, "%s",
              hn_error());
        CHECK(hn_hyperconv_declare(&bad, &even, &ps, "c4", 2, 2, 1, 0) == HN_ERR_SHAPE,
              "1x1 from an even-sized generator refused (no centre tap)");
    }
    hn_hyperconv_free(&l);
    hn_params_free(&ps);
}

/* The initial kernel has the variance of He et al.'s initialisation,
   2 / (n_in f f), for a layer of several tiles and for a 1x1 layer. */
static void test_init_variance(void)
{
    static const struct { int hflags, n_in, lf; } cases[] = {
        {0, 64, 3}, {HN_HYPER_RELU, 64, 3}, {0, 32, 1}, {HN_HYPER_RELU, 32, 1}
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hn_params ps;
        hn_hyper h;
        hn_hyperconv l;
        hn_rng r;
        float *k;
        size_t n, q;
        double s2 = 0.0, want;
        hn_params_init(&ps);
        hn_hyper_declare(&h, &ps, "h", 64, 64, 16, 16, 3, cases[i].hflags);
        hn_hyperconv_declare(&l, &h, &ps, "l", cases[i].n_in, 64, cases[i].lf, 0);
        hn_params_alloc(&ps);
        hn_rng_seed(&r, 11 + i);
        hn_hyper_init_weights(&h, &ps, &r);
        hn_hyperconv_init_weights(&l, &ps, &r);
        n = hn_hyperconv_plain_count(&l);
        k = (float *)malloc(n * sizeof(float));
        hn_hyperconv_generate(&l, &ps, k);
        for (q = 0; q < n; q++) s2 += (double)k[q] * k[q];
        s2 /= (double)n;
        want = 2.0 / (cases[i].n_in * cases[i].lf * cases[i].lf);
        CHECK(fabs(s2 / want - 1.0) < 0.35, "init variance %.3e, want %.3e", s2, want);
        printf("init %s %d in, %dx%d: kernel variance %.3e, He %.3e (ratio %.2f)\n",
               cases[i].hflags ? "relu  " : "linear", cases[i].n_in, cases[i].lf,
               cases[i].lf, s2, want, s2 / want);
        free(k);
        hn_hyperconv_free(&l);
        hn_params_free(&ps);
    }
}

int main(void)
{
    test_counts_and_errors();
    test_generator();
    test_shared();
    test_init_variance();
    return test_exit("test_hyper");
}
