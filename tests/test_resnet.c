/* test_resnet.c - residual blocks, whole networks and augmentation: every
   gradient against central finite differences, parameter counts against
   the paper's Table 2, the crop and flip against a direct construction. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Finite differences in float32 through a dozen layers. The losses are
   piecewise smooth: a ReLU kink inside the step (more likely after a batch
   norm over few values) spoils that one difference, whatever the step.
   So each entry is judged alone, relative to the largest gradient of its
   set, and a set passes when at most 1 in 20 entries miss (a wrong
   gradient misses nearly all of them). A step of 1e-3 keeps the float32
   rounding of the loss near 1e-3 of the gradients' scale. */
#define FD_EPS 1e-3f
/* The mean cross-entropy of a whole network is ~1 while its gradients are
   ~1e-2: a larger step keeps the loss's rounding (~1e-6 relative after a
   dozen layers) below the tolerance. A generator's weights move every
   kernel at once and so cross many kinks: whole networks may miss 1 in 8
   (measured here: 6 of 48), blocks 1 in 20. */
#define FD_EPS_NET 2e-3f
#define FD_TOL 2e-2

typedef struct {
    double maxdiff, maxabs;
    int n, bad;
    double an[256], nu[256];
} fd_stat;

static void fd_add(fd_stat *st, double analytic, double numeric)
{
    if (st->n < 256) {
        st->an[st->n] = analytic;
        st->nu[st->n] = numeric;
        st->n++;
    }
    if (fabs(analytic) > st->maxabs) st->maxabs = fabs(analytic);
}

/* Judge the entries once all are in; returns 1 when at most 1 in
   `one_in` entries miss. */
static int fd_ok_frac(fd_stat *st, int one_in)
{
    int i;
    st->bad = 0;
    st->maxdiff = 0.0;
    for (i = 0; i < st->n; i++) {
        double d = fabs(st->an[i] - st->nu[i]);
        if (d > FD_TOL * st->maxabs + 1e-4) st->bad++;
        else if (d > st->maxdiff) st->maxdiff = d;
    }
    return st->n > 0 && st->bad * one_in <= st->n;
}

static int fd_ok(fd_stat *st)
{
    return fd_ok_frac(st, 20);
}

/* ---- one block: L = sum r * y ---- */

typedef struct {
    hn_resblock b;
    hn_params ps, state;
    hn_hyper hyper;
    hn_resscratch s;
    int n;
    float *x, *y, *r, *dx;
} block_case;

static double block_loss(block_case *t)
{
    size_t ny = (size_t)t->n * t->b.c_out * t->b.h_out * t->b.w_out, j;
    double l = 0.0;
    hn_resblock_forward(&t->b, &t->ps, &t->state, t->n, t->x, t->y, 1, &t->s);
    for (j = 0; j < ny; j++) l += (double)t->r[j] * t->y[j];
    return l;
}

static int block_setup(block_case *t, int kind, int c_in, int c_mid, int c_out, int h,
                       int stride, int hyper)
{
    size_t act = 0, ws = 0, nx, ny;
    hn_rng rng;
    memset(t, 0, sizeof *t);
    t->n = 3;
    hn_params_init(&t->ps);
    hn_params_init(&t->state);
    if (hyper && hn_hyper_declare(&t->hyper, &t->ps, "hyper", 4, 4, 8, 8, 3, 0) != HN_OK)
        return 0;
    if (hn_resblock_declare(&t->b, &t->ps, &t->state, "blk", kind, c_in, c_mid, c_out, h,
                            h, stride, hyper ? &t->hyper : NULL, t->n) != HN_OK ||
        hn_params_alloc(&t->ps) != HN_OK || hn_params_alloc(&t->state) != HN_OK)
        return 0;
    hn_rng_seed(&rng, 7);
    if (hyper) hn_hyper_init_weights(&t->hyper, &t->ps, &rng);
    hn_resblock_init_weights(&t->b, &t->ps, &t->state, &rng);
    /* Move BN off its identity start so that its gradients are generic. */
    {
        int i;
        for (i = 0; i < t->b.nunits; i++) {
            hn_rng_fill_uniform(&rng, hn_params_data(&t->ps, t->b.unit[i].gamma),
                                (size_t)t->b.unit[i].c, 0.5f, 1.5f);
            hn_rng_fill_uniform(&rng, hn_params_data(&t->ps, t->b.unit[i].beta),
                                (size_t)t->b.unit[i].c, -0.3f, 0.3f);
        }
    }
    hn_resblock_scratch_need(&t->b, t->n, &act, &ws);
    if (hn_resscratch_alloc(&t->s, act, ws) != HN_OK) return 0;
    nx = (size_t)t->n * c_in * h * h;
    ny = (size_t)t->n * t->b.c_out * t->b.h_out * t->b.w_out;
    t->x = (float *)malloc(nx * sizeof(float));
    t->dx = (float *)calloc(nx, sizeof(float));
    t->y = (float *)malloc(ny * sizeof(float));
    t->r = (float *)malloc(ny * sizeof(float));
    if (!t->x || !t->dx || !t->y || !t->r) return 0;
    hn_rng_fill_normal(&rng, t->x, nx, 0.0f, 1.0f);
    hn_rng_fill_normal(&rng, t->r, ny, 0.0f, 1.0f);
    return 1;
}

static void block_teardown(block_case *t)
{
    hn_resblock_free(&t->b);
    hn_resscratch_free(&t->s);
    hn_params_free(&t->ps);
    hn_params_free(&t->state);
    free(t->x);
    free(t->dx);
    free(t->y);
    free(t->r);
}

/* Central difference of f at *p with step h. */
#define CENTRAL(t, p, f, h, out)               \
    do {                                       \
        float keep_ = *(p);                    \
        double lp_, lm_;                       \
        *(p) = keep_ + (h);                    \
        lp_ = f(t);                            \
        *(p) = keep_ - (h);                    \
        lm_ = f(t);                            \
        *(p) = keep_;                          \
        (out) = (lp_ - lm_) / (2.0 * (h));     \
    } while (0)

/* Check dx at a spread of inputs and every parameter tensor at a few
   entries each. */
static void check_block(const char *what, int kind, int c_in, int c_mid, int c_out,
                        int h, int stride, int hyper)
{
    block_case t;
    static fd_stat sx, sp;
    memset(&sx, 0, sizeof sx);
    memset(&sp, 0, sizeof sp);
    size_t nx, j;
    int i, k;
    if (!block_setup(&t, kind, c_in, c_mid, c_out, h, stride, hyper)) {
        CHECK(0, "%s: setup failed: %s", what, hn_error());
        block_teardown(&t);
        return;
    }
    block_loss(&t);
    hn_params_zero_grad(&t.ps);
    hn_resblock_backward(&t.b, &t.ps, t.n, t.x, t.r, t.dx, &t.s);
    nx = (size_t)t.n * c_in * h * h;
    for (j = 0; j < nx; j += nx / 23 + 1) {
        double num;
        CENTRAL(&t, &t.x[j], block_loss, FD_EPS, num);
        fd_add(&sx, t.dx[j], num);
    }
    for (i = 0; i < t.ps.count; i++) {
        float *d = hn_params_data(&t.ps, i), *g = hn_params_grad(&t.ps, i);
        size_t sz = t.ps.info[i].size;
        for (k = 0; k < 4; k++) {
            size_t at = (size_t)k * 7919u % sz;
            double num;
            CENTRAL(&t, &d[at], block_loss, FD_EPS, num);
            fd_add(&sp, g[at], num);
            if (getenv("FD_VERBOSE"))
                printf("  %s[%zu]: %g vs %g\n", t.ps.info[i].name, at, g[at], num);
        }
    }
    CHECK(fd_ok(&sx), "%s: dx: %d of %d entries off (max |dx| %.3g)", what, sx.bad,
          sx.n, sx.maxabs);
    CHECK(fd_ok(&sp), "%s: parameters: %d of %d entries off (max |g| %.3g)", what,
          sp.bad, sp.n, sp.maxabs);
    printf("%s: dx max |diff| = %.2e of %.2e (%d/%d off); %d tensors max |diff| = "
           "%.2e of %.2e (%d/%d off)\n", what, sx.maxdiff, sx.maxabs, sx.bad, sx.n,
           t.ps.count, sp.maxdiff, sp.maxabs, sp.bad, sp.n);
    block_teardown(&t);
}

/* ---- a whole network: L = mean cross-entropy ---- */

typedef struct {
    hn_resnet m;
    int n;
    float *x;
    int *labels;
} net_case;

static double net_loss(net_case *t)
{
    hn_resnet_forward(&t->m, t->n, t->x, 1);
    return hn_resnet_loss(&t->m, t->n, t->labels, NULL);
}

static void check_net(const char *what, hn_resnet_config cfg, const char *const *names,
                      int nnames)
{
    net_case t;
    hn_rng rng;
    static fd_stat st;
    size_t nx;
    int i, k;
    memset(&t, 0, sizeof t);
    memset(&st, 0, sizeof st);
    t.n = cfg.max_batch;
    if (hn_resnet_init(&t.m, &cfg) != HN_OK) {
        CHECK(0, "%s: init failed: %s", what, hn_error());
        return;
    }
    hn_rng_seed(&rng, 11);
    hn_resnet_init_weights(&t.m, &rng);
    nx = (size_t)t.n * cfg.channels * cfg.height * cfg.width;
    t.x = (float *)malloc(nx * sizeof(float));
    t.labels = (int *)malloc((size_t)t.n * sizeof(int));
    hn_rng_fill_normal(&rng, t.x, nx, 0.0f, 1.0f);
    for (i = 0; i < t.n; i++) t.labels[i] = (int)hn_rng_below(&rng, (uint32_t)cfg.classes);
    net_loss(&t);
    hn_params_zero_grad(&t.m.ps);
    hn_resnet_backward(&t.m, t.n, t.labels);
    for (i = 0; i < nnames; i++) {
        int hd = hn_params_find(&t.m.ps, names[i]);
        float *d, *g;
        CHECK(hd >= 0, "%s: no tensor %s", what, names[i]);
        if (hd < 0) continue;
        d = hn_params_data(&t.m.ps, hd);
        g = hn_params_grad(&t.m.ps, hd);
        for (k = 0; k < 6; k++) {
            size_t at = (size_t)k * 104729u % t.m.ps.info[hd].size;
            double num;
            CENTRAL(&t, &d[at], net_loss, FD_EPS_NET, num);
            fd_add(&st, g[at], num);
            if (getenv("FD_VERBOSE"))
                printf("  %s[%zu]: %g vs %g\n", names[i], at, g[at], num);
        }
    }
    CHECK(fd_ok_frac(&st, 8), "%s: %d of %d entries off (max |g| %.3g)", what, st.bad, st.n,
          st.maxabs);
    printf("%s: %d tensors, max |diff| = %.2e of %.2e (%d/%d off)\n", what, nnames,
           st.maxdiff, st.maxabs, st.bad, st.n);
    free(t.x);
    free(t.labels);
    hn_resnet_free(&t.m);
}

/* ---- kernels held for evaluation ---- */

/* hn_resnet_fix_kernels: evaluation with the held kernels gives the same
   logits bit for bit; after a change to the hypernetwork it still uses
   the held ones (the logits stay), a training forward drops the hold, and
   evaluation then sees the change. */
static void check_fixed_kernels(hn_resnet_config cfg)
{
    hn_resnet m;
    hn_rng rng;
    float *x, *before, *w;
    size_t nx, nl = (size_t)cfg.max_batch * cfg.classes, i;
    int n = cfg.max_batch, same = 1, held = 1, moved = 0, hd;
    if (hn_resnet_init(&m, &cfg) != HN_OK) {
        CHECK(0, "fixed kernels: init failed: %s", hn_error());
        return;
    }
    hn_rng_seed(&rng, 5);
    hn_resnet_init_weights(&m, &rng);
    nx = (size_t)n * cfg.channels * cfg.height * cfg.width;
    x = (float *)malloc(nx * sizeof(float));
    before = (float *)malloc(nl * sizeof(float));
    hn_rng_fill_normal(&rng, x, nx, 0.0f, 1.0f);
    memcpy(before, hn_resnet_forward(&m, n, x, 0), nl * sizeof(float));
    hn_resnet_fix_kernels(&m);
    for (i = 0; i < nl; i++) same &= hn_resnet_forward(&m, n, x, 0)[i] == before[i];
    hd = hn_params_find(&m.ps, "hyper.w_out");
    w = hn_params_data(&m.ps, hd);
    for (i = 0; i < m.ps.info[hd].size; i++) w[i] *= 1.5f;
    for (i = 0; i < nl; i++) held &= hn_resnet_forward(&m, n, x, 0)[i] == before[i];
    hn_resnet_forward(&m, n, x, 1);
    for (i = 0; i < nl; i++) moved |= hn_resnet_forward(&m, n, x, 0)[i] != before[i];
    CHECK(same, "held kernels change the evaluation's logits");
    CHECK(held, "held kernels were regenerated by an evaluation forward");
    CHECK(moved, "a training forward did not drop the held kernels");
    printf("fixed kernels: same logits %s, held through a change %s, dropped by training "
           "%s\n", same ? "yes" : "no", held ? "yes" : "no", moved ? "yes" : "no");
    free(x);
    free(before);
    hn_resnet_free(&m);
}

/* ---- parameter counts ---- */

static size_t count_of(hn_resnet_config cfg, size_t *part)
{
    hn_resnet m;
    size_t total = 0;
    int p;
    cfg.max_batch = 1;
    if (hn_resnet_init(&m, &cfg) != HN_OK) {
        CHECK(0, "init failed: %s", hn_error());
        return 0;
    }
    for (p = 0; p < HN_RESNET_NPARTS; p++) {
        if (part) part[p] = m.part[p];
        total += m.part[p];
    }
    CHECK(total == m.ps.nparams, "parts add up to %zu, the store holds %zu", total,
          m.ps.nparams);
    hn_resnet_free(&m);
    return total;
}

static void check_counts(void)
{
    size_t part[HN_RESNET_NPARTS], plain, hyper;
    /* WRN-40-2 by hand: 3x3 branch kernels of 3 groups of 6 blocks,
       widths 32, 64, 128 after a 16-wide stem. */
    size_t branch = 9u * (16 * 32 + 11 * 32 * 32) + 9u * (32 * 64 + 11 * 64 * 64) +
                    9u * (64 * 128 + 11 * 128 * 128);
    size_t rest = 3 * 16 * 9 + (16 * 32 + 32 * 64 + 64 * 128) + 5408 + 1290;
    /* Tiles of 16x16: 46 + 184 + 736 of them, 64 floats each; the
       generator: W_c (16*64 x 64), B_c, W_out (144 x 64), B_out. */
    size_t embed = 966u * 64, gen = 16 * 64 * 65 + 144 * 65;
    double rel;

    plain = count_of(hn_resnet_config_wrn(40, 2, 0), part);
    CHECK(plain == branch + rest, "WRN-40-2 plain: %zu, by hand %zu", plain,
          branch + rest);
    rel = fabs((double)plain / 2.236e6 - 1.0);
    CHECK(rel < 0.02, "WRN-40-2 plain: %zu vs the paper's 2.236M (%.2f%%)", plain,
          100 * rel);
    printf("WRN-40-2 plain: %zu parameters (paper 2.236M, %+.2f%%)\n", plain,
           100 * ((double)plain / 2.236e6 - 1.0));

    hyper = count_of(hn_resnet_config_wrn(40, 2, 1), part);
    CHECK(part[HN_RESNET_PART_EMBED] == embed, "embeddings %zu, by hand %zu",
          part[HN_RESNET_PART_EMBED], embed);
    CHECK(part[HN_RESNET_PART_HYPER] == gen, "hypernetwork %zu, by hand %zu",
          part[HN_RESNET_PART_HYPER], gen);
    CHECK(hyper == embed + gen + rest, "WRN-40-2 hyper: %zu, by hand %zu", hyper,
          embed + gen + rest);
    rel = fabs((double)hyper / 0.148e6 - 1.0);
    CHECK(rel < 0.06, "WRN-40-2 hyper: %zu vs the paper's 0.148M (%.2f%%)", hyper,
          100 * rel);
    printf("WRN-40-2 hyper: %zu parameters (paper 0.148M, %+.2f%%)\n", hyper,
           100 * ((double)hyper / 0.148e6 - 1.0));

    /* ResNet-50 for 32x32 inputs: 23.5M, as torchvision's with a 3x3 stem
       and 10 classes (23,520,842 less the 7x7 stem's difference). */
    plain = count_of(hn_resnet_config_bottleneck(50, 0), NULL);
    CHECK(plain == 23513162, "ResNet-50 plain: %zu parameters", plain);
    hyper = count_of(hn_resnet_config_bottleneck(50, 1), part);
    CHECK(hyper < plain / 5, "ResNet-50 hyper: %zu parameters", hyper);
    printf("ResNet-50: plain %zu, hyper (64x64 tiles) %zu\n", plain, hyper);
}

/* ---- augmentation ---- */

static void check_augment(void)
{
    enum { N = 3, C = 2, H = 5, W = 6, P = 2 };
    float x[N * C * H * W], y[N * C * H * W], padded[(H + 2 * P) * (W + 2 * P)];
    hn_rng r1, r2;
    int i, c, a, b, bad = 0, flips = 0, t;
    for (i = 0; i < N * C * H * W; i++) x[i] = (float)i;
    for (t = 0; t < 8; t++) {
        hn_rng_seed(&r1, 100 + t);
        hn_rng_seed(&r2, 100 + t);
        hn_augment_crop_flip(N, C, H, W, P, 1, x, y, &r1);
        for (i = 0; i < N; i++) {
            int dy = (int)hn_rng_below(&r2, 2 * P + 1), dx = (int)hn_rng_below(&r2, 2 * P + 1);
            int mirror = (int)(hn_rng_u32(&r2) >> 31);
            flips += mirror;
            for (c = 0; c < C; c++) {
                const float *src = x + (i * C + c) * H * W;
                /* Build the reflect-padded image explicitly. */
                for (a = 0; a < H + 2 * P; a++)
                    for (b = 0; b < W + 2 * P; b++) {
                        int sr = a - P, sc = b - P;
                        if (sr < 0) sr = -sr;
                        if (sr >= H) sr = 2 * (H - 1) - sr;
                        if (sc < 0) sc = -sc;
                        if (sc >= W) sc = 2 * (W - 1) - sc;
                        padded[a * (W + 2 * P) + b] = src[sr * W + sc];
                    }
                for (a = 0; a < H; a++)
                    for (b = 0; b < W; b++) {
                        float want = padded[(a + dy) * (W + 2 * P) + b + dx];
                        int col = mirror ? W - 1 - b : b;
                        (void)want;
                        want = padded[(a + dy) * (W + 2 * P) + col + dx];
                        if (y[((i * C + c) * H + a) * W + b] != want) bad++;
                    }
            }
        }
    }
    CHECK(bad == 0, "augment: %d pixels differ from the padded-and-cropped image", bad);
    CHECK(flips > 0 && flips < 8 * N, "augment: %d of %d images flipped", flips, 8 * N);
    hn_rng_seed(&r1, 5);
    hn_augment_crop_flip(N, C, H, W, 0, 0, x, y, &r1);
    CHECK(memcmp(x, y, sizeof x) == 0, "augment: pad 0 without flip is the identity");
    printf("augment: %d mismatches, %d of %d flipped\n", bad, flips, 8 * N);
}

/* One training step's logits and gradients with 1 thread, then with 2 and
   3: bit-identical (the hypernetwork's backward runs layers side by side,
   the convolutions share images out: neither may change a sum). */
static void check_net_threads(const char *what, hn_resnet_config cfg)
{
#ifdef _OPENMP
    hn_resnet m;
    hn_rng rng;
    float *x, *ref, *refl;
    int *labels, i, t, n = cfg.max_batch, differ = 0;
    size_t nx = (size_t)n * cfg.channels * cfg.height * cfg.width, ng, nl, k;
    if (hn_resnet_init(&m, &cfg) != HN_OK) {
        CHECK(0, "%s: init failed: %s", what, hn_error());
        return;
    }
    hn_rng_seed(&rng, 5);
    hn_resnet_init_weights(&m, &rng);
    ng = m.ps.total;
    nl = (size_t)n * cfg.classes;
    x = (float *)malloc(nx * sizeof(float));
    labels = (int *)malloc((size_t)n * sizeof(int));
    ref = (float *)malloc(ng * sizeof(float));
    refl = (float *)malloc(nl * sizeof(float));
    hn_rng_fill_normal(&rng, x, nx, 0.0f, 1.0f);
    for (i = 0; i < n; i++) labels[i] = (int)hn_rng_below(&rng, (uint32_t)cfg.classes);
    for (t = 0; t < 3; t++) {
        const float *logits;
        omp_set_num_threads(t + 1);
        hn_params_zero_grad(&m.ps);
        logits = hn_resnet_forward(&m, n, x, 1);
        hn_resnet_loss(&m, n, labels, NULL);
        hn_resnet_backward(&m, n, labels);
        if (t == 0) {
            memcpy(ref, m.ps.grad, ng * sizeof(float));
            memcpy(refl, logits, nl * sizeof(float));
            continue;
        }
        for (k = 0; k < ng; k++) differ += ref[k] != m.ps.grad[k];
        for (k = 0; k < nl; k++) differ += refl[k] != logits[k];
    }
    omp_set_num_threads(2);
    printf("%s, 1 vs 2 and 3 threads: %d of %zu logits and gradients differ\n", what,
           differ, 2 * (ng + nl));
    CHECK(differ == 0, "%s: the thread count changes %d values", what, differ);
    free(x); free(labels); free(ref); free(refl);
    hn_resnet_free(&m);
#else
    (void)cfg;
    printf("%s: thread check skipped (built without OpenMP)\n", what);
#endif
}

int main(void)
{
    static const char *const plain_names[] = {"stem.w", "b0.u0.bn.g", "b0.u0.conv.w",
                                              "b1.sc.w", "b1.u1.bn.b", "b2.u1.conv.w",
                                              "final.bn.g", "fc.w", "fc.b"};
    static const char *const hyper_names[] = {"hyper.w_in", "hyper.b_in", "hyper.w_out",
                                              "hyper.b_out", "b0.u0.conv.z",
                                              "b2.u1.conv.z", "b1.sc.w", "stem.w"};
    static const char *const bott_names[] = {"stem.w", "b0.u0.conv.w", "b0.u2.conv.w",
                                             "b0.sc.w", "b3.u1.conv.w", "fc.w"};
    hn_resnet_config cfg;

    check_block("basic block, identity", HN_RESBLOCK_BASIC, 8, 0, 8, 6, 1, 0);
    check_block("basic block, projection", HN_RESBLOCK_BASIC, 8, 0, 16, 6, 2, 0);
    check_block("bottleneck block", HN_RESBLOCK_BOTTLENECK, 8, 4, 16, 6, 2, 0);
    check_block("basic block, generated", HN_RESBLOCK_BASIC, 8, 0, 16, 5, 2, 1);
    check_block("bottleneck block, generated", HN_RESBLOCK_BOTTLENECK, 16, 8, 16, 4, 1, 1);

    /* WRN-10-1 on 3x12x12 images: one block per group, widths 16, 32, 64. */
    cfg = hn_resnet_config_wrn(10, 1, 0);
    cfg.height = cfg.width = 12;
    cfg.classes = 4;
    cfg.max_batch = 4;
    check_net("WRN-10-1 plain", cfg, plain_names, 9);
    cfg.hyper = 1;
    cfg.n_z = 4;
    check_net("WRN-10-1 hyper", cfg, hyper_names, 8);
    check_fixed_kernels(cfg);
    cfg.max_batch = 9;
    check_net_threads("WRN-10-1 hyper", cfg);
    /* A bottleneck ResNet-14 of base width 4 on 16x16 images (the last
       stage's batch norm then sees 4 x 2 x 2 values). */
    cfg = hn_resnet_config_bottleneck(14, 0);
    cfg.base = 4;
    cfg.height = cfg.width = 16;
    cfg.classes = 3;
    cfg.max_batch = 4;
    check_net("ResNet-14 plain", cfg, bott_names, 6);

    check_counts();
    check_augment();
    return test_exit("test_resnet");
}
