/* test_lstm.c - the four recurrent cells against finite differences.

   Each cell runs several steps on tiny sizes from a random starting state,
   with every parameter nudged off its initial value (so no gradient is
   zero by construction). The loss L = sum_t,b,j r[t][b][j] * h[t][b][j]
   with fixed random r is summed in double; central differences of L with
   respect to every parameter, every input and every entry of the carried
   starting state are compared with the backward pass. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { E = 3, H = 5, HH = 4, Z = 2, B = 2, T = 4 };

typedef struct fixture {
    hn_lstm m;
    hn_params ps;
    float x[T * B * E], r[T * B * H], h[T * B * H];
    float *state0;
    uint64_t drop_seed;
} fixture;

static double loss_of(void *ctx)
{
    fixture *f = (fixture *)ctx;
    hn_rng rng;
    double l = 0.0;
    int i;
    memcpy(f->m.state, f->state0, f->m.state_size * sizeof(float));
    hn_rng_seed(&rng, f->drop_seed);
    hn_lstm_forward(&f->m, &f->ps, T, f->x, f->h, &rng);
    for (i = 0; i < T * B * H; i++) l += (double)f->r[i] * f->h[i];
    return l;
}

/* Numeric dL/dv[i]: central differences at steps eps and eps / 2
   combined by Richardson extrapolation, which cancels the eps^2 term and
   lets eps stay large enough for the float forward pass's rounding noise
   to stay small. */
typedef double (*loss_fn)(void *ctx);

static double numeric_grad(loss_fn loss, void *f, float *v, size_t i)
{
    const float eps = 1e-2f;
    float keep = v[i];
    double d1, d2, lp, lm;
    v[i] = keep + eps;
    lp = loss(f);
    v[i] = keep - eps;
    lm = loss(f);
    d1 = (lp - lm) / (2.0 * eps);
    v[i] = keep + eps / 2;
    lp = loss(f);
    v[i] = keep - eps / 2;
    lm = loss(f);
    d2 = (lp - lm) / eps;
    v[i] = keep;
    return (4.0 * d2 - d1) / 3.0;
}

/* Relative error of a whole tensor's gradient: max |analytic - numeric|
   over max |numeric| (entry by entry ratios would let a gradient that is
   nearly zero, and so all rounding noise, decide). */
static double check_tensor(loss_fn loss, void *f, float *v, const float *analytic,
                           size_t n)
{
    double maxdiff = 0.0, maxnum = 1e-6;
    size_t i;
    for (i = 0; i < n; i++) {
        double num = numeric_grad(loss, f, v, i);
        maxdiff = fmax(maxdiff, fabs(num - analytic[i]));
        maxnum = fmax(maxnum, fabs(num));
    }
    return maxdiff / maxnum;
}

static void check_kind(hn_lstm_kind kind, float drop)
{
    fixture f;
    hn_lstm_config cfg = hn_lstm_config_default(kind, E, H);
    hn_rng rng;
    float dx[T * B * E], *grad, *dstate;
    int i;
    const char *name = hn_lstm_kind_name(kind);
    double worst;

    memset(&f, 0, sizeof f);
    cfg.hyper_hidden = HH;
    cfg.hyper_embed = Z;
    cfg.drop = drop;
    hn_params_init(&f.ps);
    CHECK(hn_lstm_declare(&f.m, &cfg, &f.ps, "rnn") == HN_OK, "%s declare: %s", name,
          hn_error());
    CHECK(hn_params_alloc(&f.ps) == HN_OK, "alloc: %s", hn_error());
    hn_lstm_init(&f.m, &f.ps, 7);
    CHECK(hn_lstm_setup(&f.m, B, T) == HN_OK, "setup: %s", hn_error());

    /* nudge every parameter, draw inputs, weights of the loss, state */
    hn_rng_seed(&rng, 1234 + (uint64_t)kind);
    for (i = 0; i < f.ps.count; i++) {
        float *p = hn_params_data(&f.ps, i);
        size_t j;
        for (j = 0; j < f.ps.info[i].size; j++) p[j] += 0.3f * hn_rng_normal(&rng);
    }
    hn_rng_fill_normal(&rng, f.x, T * B * E, 0.0f, 1.0f);
    hn_rng_fill_normal(&rng, f.r, T * B * H, 0.0f, 1.0f);
    f.state0 = (float *)malloc(f.m.state_size * sizeof(float));
    hn_rng_fill_normal(&rng, f.state0, f.m.state_size, 0.0f, 0.5f);
    f.drop_seed = 99;

    /* analytic */
    hn_params_zero_grad(&f.ps);
    memset(dx, 0, sizeof dx);
    loss_of(&f);
    hn_lstm_backward(&f.m, &f.ps, f.r, dx);
    dstate = (float *)malloc(f.m.state_size * sizeof(float));
    memcpy(dstate, f.m.dstate, f.m.state_size * sizeof(float));
    grad = (float *)malloc(f.ps.total * sizeof(float));
    memcpy(grad, f.ps.grad, f.ps.total * sizeof(float));

    /* numeric, tensor by tensor */
    for (i = 0; i < f.ps.count; i++) {
        const hn_param_info *pi = &f.ps.info[i];
        worst = check_tensor(loss_of, &f, f.ps.data + pi->offset, grad + pi->offset, pi->size);
        printf("%-13s drop %.1f %-16s max rel err %.2e\n", name, drop, pi->name, worst);
        CHECK(worst < 1e-2, "%s %s: max relative error %.3e", name, pi->name, worst);
    }
    worst = check_tensor(loss_of, &f, f.x, dx, T * B * E);
    printf("%-13s drop %.1f %-16s max rel err %.2e\n", name, drop, "input x", worst);
    CHECK(worst < 1e-2, "%s input: max relative error %.3e", name, worst);
    worst = check_tensor(loss_of, &f, f.state0, dstate, f.m.state_size);
    printf("%-13s drop %.1f %-16s max rel err %.2e\n", name, drop, "start state", worst);
    CHECK(worst < 1e-2, "%s start state: max relative error %.3e", name, worst);

    free(dstate);
    free(grad);
    free(f.state0);
    hn_lstm_free(&f.m);
    hn_params_free(&f.ps);
}

/* The language model: embedding, cell, linear, softmax cross-entropy. */
typedef struct lm_fixture {
    hn_charlm lm;
    hn_params ps;
    int tokens[T * B], targets[T * B];
    float *state0;
} lm_fixture;

static double lm_loss(void *ctx)
{
    lm_fixture *f = (lm_fixture *)ctx;
    hn_rng rng;
    memcpy(f->lm.rnn.state, f->state0, f->lm.rnn.state_size * sizeof(float));
    hn_rng_seed(&rng, 17);
    return hn_charlm_forward(&f->lm, &f->ps, f->tokens, f->targets, T, &rng, NULL);
}

static void check_charlm(hn_lstm_kind kind)
{
    enum { V = 6 };
    lm_fixture f;
    hn_lstm_config cfg = hn_lstm_config_default(kind, E, H);
    hn_rng rng;
    float *grad;
    int i, nc = 0;
    double worst, loss;
    memset(&f, 0, sizeof f);
    cfg.hyper_hidden = HH;
    cfg.hyper_embed = Z;
    cfg.drop = 0.2f;
    hn_params_init(&f.ps);
    CHECK(hn_charlm_declare(&f.lm, &f.ps, V, &cfg) == HN_OK, "declare: %s", hn_error());
    CHECK(hn_params_alloc(&f.ps) == HN_OK, "alloc");
    hn_charlm_init(&f.lm, &f.ps, 21);
    CHECK(hn_charlm_setup(&f.lm, B, T) == HN_OK, "setup: %s", hn_error());
    /* off the initial values, where the hyper cell's gradients vanish */
    hn_rng_seed(&rng, 8);
    for (i = 0; i < (int)f.ps.total; i++) f.ps.data[i] += 0.2f * hn_rng_normal(&rng);
    for (i = 0; i < T * B; i++) {
        f.tokens[i] = (int)hn_rng_below(&rng, V);
        f.targets[i] = (int)hn_rng_below(&rng, V);
    }
    f.state0 = (float *)malloc(f.lm.rnn.state_size * sizeof(float));
    hn_rng_fill_normal(&rng, f.state0, f.lm.rnn.state_size, 0.0f, 0.5f);

    /* the loss of a barely trained model is near log V */
    memcpy(f.lm.rnn.state, f.state0, f.lm.rnn.state_size * sizeof(float));
    loss = hn_charlm_forward(&f.lm, &f.ps, f.tokens, f.targets, T, NULL, &nc);
    printf("%-13s lm loss %.4f nats (log V = %.4f), %d correct\n",
           hn_lstm_kind_name(kind), loss, log((double)V), nc);
    CHECK(fabs(loss - log((double)V)) < 1.0, "initial loss %.4f", loss);

    hn_params_zero_grad(&f.ps);
    lm_loss(&f);
    hn_charlm_backward(&f.lm, &f.ps);
    grad = (float *)malloc(f.ps.total * sizeof(float));
    memcpy(grad, f.ps.grad, f.ps.total * sizeof(float));
    for (i = 0; i < f.ps.count; i++) {
        const hn_param_info *pi = &f.ps.info[i];
        worst = check_tensor(lm_loss, &f, f.ps.data + pi->offset, grad + pi->offset,
                             pi->size);
        printf("%-13s lm %-18s max rel err %.2e\n", hn_lstm_kind_name(kind), pi->name,
               worst);
        CHECK(worst < 1e-2, "lm %s: max relative error %.3e", pi->name, worst);
    }
    free(grad);
    free(f.state0);
    hn_charlm_free(&f.lm);
    hn_params_free(&f.ps);
}

/* Two calls of T/2 steps carry the state exactly like one call of T. */
static void check_carry(hn_lstm_kind kind)
{
    hn_lstm m1, m2;
    hn_params ps;
    hn_lstm_config cfg = hn_lstm_config_default(kind, E, H);
    float x[T * B * E], h1[T * B * H], h2[T * B * H];
    double maxd = 0.0;
    hn_rng rng;
    cfg.hyper_hidden = HH;
    cfg.hyper_embed = Z;
    hn_params_init(&ps);
    hn_lstm_declare(&m1, &cfg, &ps, "a");
    CHECK(hn_params_alloc(&ps) == HN_OK, "alloc");
    hn_lstm_init(&m1, &ps, 3);
    m2 = m1;
    m1.w = m2.w = NULL;
    CHECK(hn_lstm_setup(&m1, B, T) == HN_OK && hn_lstm_setup(&m2, B, T / 2) == HN_OK,
          "setup");
    hn_rng_seed(&rng, 5);
    hn_rng_fill_normal(&rng, x, T * B * E, 0.0f, 1.0f);
    hn_lstm_forward(&m1, &ps, T, x, h1, NULL);
    hn_lstm_forward(&m2, &ps, T / 2, x, h2, NULL);
    hn_lstm_forward(&m2, &ps, T / 2, x + T / 2 * B * E, h2 + T / 2 * B * H, NULL);
    maxd = max_abs_diff(h1, h2, (size_t)T * B * H);
    printf("%-13s carried state: max |diff| = %.2e\n", hn_lstm_kind_name(kind), maxd);
    CHECK(maxd == 0.0, "%s: split run differs by %.3e", hn_lstm_kind_name(kind), maxd);
    hn_lstm_free(&m1);
    hn_lstm_free(&m2);
    hn_params_free(&ps);
}

/* One thread or two: the same bits (the passes split whole batch rows;
   the products are thread-independent by their own contract). Sizes big
   enough that the parallel paths are taken. */
static void check_threads(void)
{
#ifdef _OPENMP
    enum { E2 = 16, H2 = 64, B2 = 32, T2 = 3 };
    hn_lstm m;
    hn_params ps;
    hn_lstm_config cfg = hn_lstm_config_default(HN_LN_HYPERLSTM, E2, H2);
    static float x[T2 * B2 * E2], h1[T2 * B2 * H2], h2[T2 * B2 * H2];
    static float dx1[T2 * B2 * E2], dx2[T2 * B2 * E2];
    float *g1;
    double maxd = 0.0;
    hn_rng rng;
    size_t i;
    int pass;
    cfg.hyper_hidden = 32;
    hn_params_init(&ps);
    hn_lstm_declare(&m, &cfg, &ps, "t");
    CHECK(hn_params_alloc(&ps) == HN_OK, "alloc");
    hn_lstm_init(&m, &ps, 9);
    CHECK(hn_lstm_setup(&m, B2, T2) == HN_OK, "setup");
    hn_rng_seed(&rng, 6);
    hn_rng_fill_normal(&rng, x, T2 * B2 * E2, 0.0f, 1.0f);
    g1 = (float *)malloc(ps.total * sizeof(float));
    for (pass = 0; pass < 2; pass++) {
        omp_set_num_threads(pass ? 2 : 1);
        hn_lstm_reset_state(&m);
        hn_params_zero_grad(&ps);
        memset(pass ? dx2 : dx1, 0, sizeof dx1);
        hn_lstm_forward(&m, &ps, T2, x, pass ? h2 : h1, NULL);
        hn_lstm_backward(&m, &ps, pass ? h2 : h1, pass ? dx2 : dx1);
        if (!pass) memcpy(g1, ps.grad, ps.total * sizeof(float));
    }
    for (i = 0; i < (size_t)T2 * B2 * H2; i++) maxd = fmax(maxd, fabs(h1[i] - h2[i]));
    for (i = 0; i < (size_t)T2 * B2 * E2; i++) maxd = fmax(maxd, fabs(dx1[i] - dx2[i]));
    for (i = 0; i < ps.total; i++) maxd = fmax(maxd, fabs(g1[i] - ps.grad[i]));
    printf("1 vs 2 threads: max |diff| of outputs and gradients = %.2e\n", maxd);
    CHECK(maxd == 0.0, "thread count changes results by %.3e", maxd);
    free(g1);
    hn_lstm_free(&m);
    hn_params_free(&ps);
#endif
}

/* Bad configurations are refused with a reason. */
static void check_refusals(void)
{
    hn_lstm m;
    hn_params ps;
    hn_lstm_config cfg = hn_lstm_config_default(HN_HYPERLSTM, 4, 8);
    hn_params_init(&ps);
    cfg.drop = 1.0f;
    CHECK(hn_lstm_declare(&m, &cfg, &ps, "r") == HN_ERR_ARG, "drop 1 accepted");
    cfg.drop = 0.0f;
    cfg.hyper_embed = 0;
    CHECK(hn_lstm_declare(&m, &cfg, &ps, "r") == HN_ERR_ARG, "Z = 0 accepted");
    CHECK(hn_lstm_kind_parse("ln-hyperlstm") == HN_LN_HYPERLSTM, "kind parse");
    CHECK(hn_lstm_kind_parse("gru") == -1, "unknown kind parsed");
    hn_params_free(&ps);
}

/* The orthogonal initialisation gives W_h^T W_h = I per gate block. */
static void check_orthogonal(void)
{
    hn_lstm m;
    hn_params ps;
    hn_lstm_config cfg = hn_lstm_config_default(HN_LSTM, 4, 16);
    const float *w;
    double worst = 0.0;
    int y, i, j, k;
    hn_params_init(&ps);
    hn_lstm_declare(&m, &cfg, &ps, "r");
    CHECK(hn_params_alloc(&ps) == HN_OK, "alloc");
    hn_lstm_init(&m, &ps, 11);
    w = hn_params_data(&ps, m.wh);
    for (y = 0; y < 4; y++)
        for (i = 0; i < 16; i++)
            for (j = 0; j < 16; j++) {
                double d = 0.0;
                for (k = 0; k < 16; k++)
                    d += (double)w[k * 64 + y * 16 + i] * w[k * 64 + y * 16 + j];
                worst = fmax(worst, fabs(d - (i == j)));
            }
    printf("orthogonal W_h: max |W^T W - I| = %.2e\n", worst);
    CHECK(worst < 1e-5, "W_h not orthogonal: %.3e", worst);
    hn_params_free(&ps);
}

int main(void)
{
    int k;
    for (k = 0; k < 4; k++) check_kind((hn_lstm_kind)k, 0.0f);
    check_kind(HN_LN_HYPERLSTM, 0.3f);
    check_kind(HN_LSTM, 0.3f);
    check_charlm(HN_LSTM);
    check_charlm(HN_LN_HYPERLSTM);
    for (k = 0; k < 4; k++) check_carry((hn_lstm_kind)k);
    check_refusals();
    check_orthogonal();
    check_threads();
    return test_exit("test_lstm");
}
