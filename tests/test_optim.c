/* Optimizers: updates against values computed here in double from the
   published update rules, weight decay and its exemptions, and small
   problems that Adam and SGD must solve. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <math.h>
#include <string.h>

/* A store with a 3-float weight "w" and a 2-float bias "b" exempt from
   decay; the bias starts 16 floats in, after the weight's padding. */
static void make_store(hn_params *ps)
{
    int s3 = 3, s2 = 2;
    static const float init[5] = {0.5f, -1.0f, 2.0f, 0.25f, -0.75f};
    int w, b, i;
    hn_params_init(ps);
    w = hn_params_add(ps, "w", 1, &s3);
    b = hn_params_add(ps, "b", 1, &s2);
    CHECK(hn_params_alloc(ps) == HN_OK, "alloc: %s", hn_error());
    hn_params_set_no_decay(ps, b, 1);
    for (i = 0; i < 3; i++) hn_params_data(ps, w)[i] = init[i];
    for (i = 0; i < 2; i++) hn_params_data(ps, b)[i] = init[3 + i];
}

/* Float k of the model (0..4) in the store, and the gradient the tests feed
   at step t: it changes with t so that the moments matter. */
static float *param_at(hn_params *ps, int k, int grad)
{
    float *base = grad ? ps->grad : ps->data;
    return k < 3 ? base + ps->info[0].offset + k : base + ps->info[1].offset + k - 3;
}

static double grad_at(int k, int t) { return 0.3 * (k + 1) - 0.2 * t + 0.05 * k * t; }

enum { RULE_SGD, RULE_MOMENTUM, RULE_NESTEROV, RULE_ADAM };

/* Run `steps` updates of the optimizer and of a double-precision replay of
   the rule; return the largest |difference| of the parameters. */
static double replay(hn_optim *o, hn_params *ps, int rule, float lr, int steps)
{
    double p[5], m[5] = {0}, v[5] = {0}, worst = 0.0;
    double wd = o->weight_decay, mu = o->momentum;
    int k, t, decoupled = o->decay_mode == HN_DECAY_DECOUPLED;
    for (k = 0; k < 5; k++) p[k] = *param_at(ps, k, 0);
    for (t = 1; t <= steps; t++) {
        for (k = 0; k < 5; k++) *param_at(ps, k, 1) = (float)grad_at(k, t);
        hn_optim_step(o, ps, lr);
        for (k = 0; k < 5; k++) {
            double kwd = k < 3 ? wd : 0.0;   /* the bias is exempt */
            double g = grad_at(k, t) + (decoupled ? 0.0 : kwd * p[k]);
            double upd;
            if (rule == RULE_ADAM) {
                double mh, vh;
                m[k] = o->beta1 * m[k] + (1 - o->beta1) * g;
                v[k] = o->beta2 * v[k] + (1 - o->beta2) * g * g;
                mh = m[k] / (1 - pow(o->beta1, t));
                vh = v[k] / (1 - pow(o->beta2, t));
                upd = mh / (sqrt(vh) + o->eps);
            } else if (rule == RULE_SGD) {
                upd = g;
            } else {
                m[k] = mu * m[k] + g;
                upd = rule == RULE_NESTEROV ? g + mu * m[k] : m[k];
            }
            p[k] -= (decoupled ? lr * kwd * p[k] : 0.0) + lr * upd;
        }
    }
    for (k = 0; k < 5; k++) worst = fmax(worst, fabs(p[k] - *param_at(ps, k, 0)));
    return worst;
}

static void test_rules(void)
{
    static const char *names[4] = {"sgd", "sgd momentum", "sgd nesterov", "adam"};
    int rule, mode;
    for (rule = 0; rule < 4; rule++)
        for (mode = 0; mode < 3; mode++) {
            hn_params ps;
            hn_optim o;
            double diff;
            hn_status st;
            size_t i;
            int pad_ok = 1;
            make_store(&ps);
            if (rule == RULE_ADAM) st = hn_optim_init_adam(&o, &ps, 0.9f, 0.999f, 1e-8f);
            else st = hn_optim_init_sgd(&o, &ps, rule == RULE_SGD ? 0.0f : 0.9f,
                                        rule == RULE_NESTEROV);
            CHECK(st == HN_OK, "init: %s", hn_error());
            /* mode 0: no decay, 1: L2, 2: decoupled. */
            if (mode) hn_optim_set_weight_decay(&o, 0.1f, mode == 1 ? HN_DECAY_L2
                                                                    : HN_DECAY_DECOUPLED);
            diff = replay(&o, &ps, rule, 0.05f, 7);
            printf("%-13s decay %-9s 7 steps: max |diff| vs double replay = %.2e\n",
                   names[rule], mode == 0 ? "none" : mode == 1 ? "L2" : "decoupled", diff);
            CHECK(diff < 2e-6, "%s mode %d: max |diff| %.3e", names[rule], mode, diff);
            CHECK(o.step == 7, "step counter %lld", (long long)o.step);
            /* Padding stays zero in data and state. */
            for (i = 0; i < ps.total; i++) {
                int in_w = i < 3, in_b = i >= ps.info[1].offset && i < ps.info[1].offset + 2;
                if (in_w || in_b) continue;
                if (ps.data[i] != 0.0f || (o.m && o.m[i] != 0.0f) || (o.v && o.v[i] != 0.0f))
                    pad_ok = 0;
            }
            CHECK(pad_ok, "%s: padding touched", names[rule]);
            hn_optim_free(&o);
            hn_params_free(&ps);
        }
}

/* The first Adam step moves every parameter by lr against the gradient's
   sign (m_hat / sqrt(v_hat) = g / |g|): a fixed point worth pinning. */
static void test_adam_first_step(void)
{
    hn_params ps;
    hn_optim o;
    float before[5];
    double worst = 0.0;
    int k;
    make_store(&ps);
    hn_optim_init_adam(&o, &ps, 0.9f, 0.999f, 1e-8f);
    for (k = 0; k < 5; k++) {
        before[k] = *param_at(&ps, k, 0);
        *param_at(&ps, k, 1) = (k % 2 ? -1.0f : 1.0f) * (float)(k + 1) * 1e-3f;
    }
    hn_optim_step(&o, &ps, 0.01f);
    for (k = 0; k < 5; k++) {
        double want = before[k] - (k % 2 ? -0.01 : 0.01);
        worst = fmax(worst, fabs(*param_at(&ps, k, 0) - want));
    }
    printf("adam first step = -lr * sign(g): max |diff| = %.2e\n", worst);
    CHECK(worst < 1e-6, "adam first step %.3e", worst);
    hn_optim_free(&o);
    hn_params_free(&ps);
}

/* State saved after 5 steps and loaded into a fresh optimizer continues
   exactly as the original does. */
static void test_resume(void)
{
    hn_params a, b;
    hn_optim oa, ob;
    int k, t, same = 1;
    make_store(&a);
    make_store(&b);
    hn_optim_init_adam(&oa, &a, 0.9f, 0.99f, 1e-8f);
    hn_optim_init_adam(&ob, &b, 0.9f, 0.99f, 1e-8f);
    for (t = 1; t <= 10; t++) {
        if (t == 6) {
            /* What a checkpoint would hold: data, m, v and the step. */
            memcpy(b.data, a.data, a.total * sizeof(float));
            memcpy(ob.m, oa.m, oa.n * sizeof(float));
            memcpy(ob.v, oa.v, oa.n * sizeof(float));
            ob.step = oa.step;
        }
        for (k = 0; k < 5; k++) *param_at(&a, k, 1) = *param_at(&b, k, 1) =
                                   (float)grad_at(k, t);
        hn_optim_step(&oa, &a, 0.01f);
        if (t >= 6) hn_optim_step(&ob, &b, 0.01f);
    }
    for (k = 0; k < 5; k++) same &= *param_at(&a, k, 0) == *param_at(&b, k, 0);
    printf("adam resumed from saved state after 5 steps: %s\n", same ? "bit-identical"
                                                                   : "differs");
    CHECK(same, "resume is not bit-identical");
    hn_optim_free(&oa);
    hn_optim_free(&ob);
    hn_params_free(&a);
    hn_params_free(&b);
}

/* Logistic regression on two separable Gaussian blobs in 4-D, trained
   full-batch through the library's own layers. Returns the final loss. */
static float train_logreg(int use_adam)
{
    enum { N = 64, D = 4, C = 2 };
    hn_params ps;
    hn_optim o;
    hn_rng rng;
    float x[N * D], z[N * C], p[N * C], dz[N * C], loss = 0.0f;
    int labels[N], shw[2] = {C, D}, shb = C, w, b, i, t;
    hn_rng_seed(&rng, 11);
    for (i = 0; i < N; i++) {
        int d;
        labels[i] = i % 2;
        for (d = 0; d < D; d++)
            x[i * D + d] = hn_rng_normal(&rng) * 0.5f + (labels[i] ? 1.0f : -1.0f);
    }
    hn_params_init(&ps);
    w = hn_params_add(&ps, "w", 2, shw);
    b = hn_params_add(&ps, "b", 1, &shb);
    hn_params_alloc(&ps);
    if (use_adam) hn_optim_init_adam(&o, &ps, 0.9f, 0.999f, 1e-8f);
    else hn_optim_init_sgd(&o, &ps, 0.9f, 1);
    for (t = 0; t < 200; t++) {
        hn_params_zero_grad(&ps);
        memset(dz, 0, sizeof dz);
        hn_linear_forward(N, D, C, x, hn_params_data(&ps, w), hn_params_data(&ps, b), z);
        loss = hn_softmax_xent_forward(N, C, z, labels, p, NULL);
        hn_softmax_xent_backward(N, C, p, labels, 1.0f, dz);
        hn_linear_backward(N, D, C, x, hn_params_data(&ps, w), dz, NULL,
                           hn_params_grad(&ps, w), hn_params_grad(&ps, b));
        hn_optim_step(&o, &ps, use_adam ? 0.05f : 0.1f);
    }
    hn_optim_free(&o);
    hn_params_free(&ps);
    return loss;
}

static void test_training(void)
{
    float la = train_logreg(1), ls = train_logreg(0);
    printf("logistic regression, 200 full-batch steps: adam loss %.4f, sgd+nesterov "
           "loss %.4f (start 0.6931)\n", la, ls);
    CHECK(la < 0.02f, "adam did not fit: loss %f", la);
    CHECK(ls < 0.02f, "sgd did not fit: loss %f", ls);
}

static void test_refusals(void)
{
    hn_params ps;
    hn_optim o;
    int one = 1;
    hn_params_init(&ps);
    hn_params_add(&ps, "w", 1, &one);
    CHECK(hn_optim_init_adam(&o, &ps, 0.9f, 0.999f, 1e-8f) == HN_ERR_ARG,
          "optimizer over an unallocated store accepted");
    CHECK(o.m == NULL && o.v == NULL, "state allocated after a refusal");
    hn_optim_free(&o);
    hn_params_free(&ps);
}

static void test_schedules(void)
{
    static const int64_t bounds[2] = {100, 250};
    static const float vals[3] = {0.1f, 0.01f, 0.001f};
    hn_schedule c = hn_schedule_constant(0.3f);
    hn_schedule e = hn_schedule_exponential(0.005f, 0.99995, 1e-4f);
    hn_schedule p = hn_schedule_piecewise(3, bounds, vals);
    hn_schedule cs = hn_schedule_cosine(1.0f, 0.1f, 1000);
    double worst = 0.0;
    /* step, schedule, value worked out by hand */
    struct { int64_t step; const hn_schedule *s; double want; } cases[] = {
        {0, &c, 0.3}, {123456, &c, 0.3},
        {0, &e, 0.005}, {1, &e, 0.005 * 0.99995},
        /* 0.99995^10000 = exp(10000 ln 0.99995) = exp(-0.50001250) */
        {10000, &e, 0.005 * 0.60652308},
        {200000, &e, 1e-4},              /* 0.005 * 4.5e-5 is below the floor */
        {0, &p, 0.1}, {99, &p, 0.1}, {100, &p, 0.01}, {249, &p, 0.01}, {250, &p, 0.001},
        {1000000, &p, 0.001},
        {0, &cs, 1.0}, {250, &cs, 0.1 + 0.9 * 0.5 * (1 + 0.70710678)},
        {500, &cs, 0.55}, {1000, &cs, 0.1}, {5000, &cs, 0.1}
    };
    size_t i;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double got = hn_schedule_lr(cases[i].s, cases[i].step);
        double rel = fabs(got - cases[i].want) / cases[i].want;
        worst = fmax(worst, rel);
        CHECK(rel < 1e-5, "schedule case %zu step %lld: %.8g, want %.8g", i,
              (long long)cases[i].step, got, cases[i].want);
    }
    printf("schedules: %zu values at chosen steps, max rel err %.2e\n",
           sizeof cases / sizeof cases[0], worst);
}

static void test_clipping(void)
{
    hn_params ps;
    float norm;
    int k, same = 1;
    make_store(&ps);
    /* Gradients (3, 4, 0 | 0, 12): norm 13. */
    *param_at(&ps, 0, 1) = 3.0f;
    *param_at(&ps, 1, 1) = 4.0f;
    *param_at(&ps, 4, 1) = 12.0f;
    CHECK(hn_grad_norm(&ps) == 13.0f, "grad norm %f", hn_grad_norm(&ps));
    norm = hn_clip_grad_norm(&ps, 26.0f);
    CHECK(norm == 13.0f && *param_at(&ps, 4, 1) == 12.0f, "no clip below the limit");
    norm = hn_clip_grad_norm(&ps, 6.5f);
    printf("clip by norm: norm before %.4f, after %.6f (limit 6.5), g = %g %g %g\n",
           norm, hn_grad_norm(&ps), *param_at(&ps, 0, 1), *param_at(&ps, 1, 1),
           *param_at(&ps, 4, 1));
    CHECK(norm == 13.0f, "returned %f, want 13", norm);
    CHECK(fabs(hn_grad_norm(&ps) - 6.5) < 1e-6 && *param_at(&ps, 0, 1) == 1.5f &&
          *param_at(&ps, 4, 1) == 6.0f, "clipped gradients wrong");

    /* A non-finite norm is reported, the gradients left alone. */
    *param_at(&ps, 2, 1) = (float)HUGE_VAL;
    norm = hn_clip_grad_norm(&ps, 1.0f);
    CHECK(norm > 1e30f && *param_at(&ps, 0, 1) == 1.5f, "inf norm %f", norm);

    /* By value. */
    *param_at(&ps, 2, 1) = -9.0f;
    hn_clip_grad_value(&ps, 2.0f);
    CHECK(*param_at(&ps, 0, 1) == 1.5f && *param_at(&ps, 1, 1) == 2.0f &&
          *param_at(&ps, 2, 1) == -2.0f && *param_at(&ps, 4, 1) == 2.0f,
          "clip by value: %g %g %g %g", *param_at(&ps, 0, 1), *param_at(&ps, 1, 1),
          *param_at(&ps, 2, 1), *param_at(&ps, 4, 1));
    for (k = 0; k < (int)ps.total; k++)
        if (k >= 3 && k < (int)ps.info[1].offset) same &= ps.grad[k] == 0.0f;
    CHECK(same, "clipping touched padding");
    hn_params_free(&ps);
}

/* With zero gradients only decay moves the weights: the exempt bias must
   stay exactly where it is, the weight must shrink by the expected factor. */
static void test_exemption(void)
{
    int mode;
    for (mode = 0; mode < 2; mode++) {
        hn_params ps;
        hn_optim o;
        float w0, b0;
        make_store(&ps);
        hn_optim_init_sgd(&o, &ps, 0.0f, 0);
        hn_optim_set_weight_decay(&o, 0.5f, mode ? HN_DECAY_DECOUPLED : HN_DECAY_L2);
        w0 = *param_at(&ps, 0, 0);
        b0 = *param_at(&ps, 3, 0);
        hn_optim_step(&o, &ps, 0.1f);
        printf("decay %s, zero gradient: w %g -> %g (want %g), exempt b %g -> %g\n",
               mode ? "decoupled" : "L2", w0, *param_at(&ps, 0, 0), w0 * 0.95,
               b0, *param_at(&ps, 3, 0));
        CHECK(fabs(*param_at(&ps, 0, 0) - w0 * 0.95) < 1e-7, "weight not decayed");
        CHECK(*param_at(&ps, 3, 0) == b0, "exempt bias moved");
        hn_optim_free(&o);
        hn_params_free(&ps);
    }
}

int main(void)
{
    test_rules();
    test_adam_first_step();
    test_resume();
    test_training();
    test_schedules();
    test_clipping();
    test_exemption();
    test_refusals();
    return test_exit("test_optim");
}
