/* mnist_hyper.c - the MNIST network of the HyperNetworks paper (Ha, Dai
   and Le 2016, section 4.1), its second convolution written by a static
   hypernetwork:

      conv 7x7, 1 -> 16, same padding -> ReLU -> max pool 2
      conv 7x7, 16 -> 16, same padding -> ReLU -> max pool 2   (generated)
      fully connected 784 -> 10 -> softmax

   The second kernel (16 x 16 x 7 x 7 = 12,544 floats) comes from a
   hypernetwork with N_z = d = 4: 4,240 shared weights and a 4-float
   embedding. --plain trains the same network with an ordinary kernel.

      ./data_fetch.sh mnist && ./build/mnist_hyper --data data/mnist

   Training uses the first 55,000 training images (the last 5,000 are the
   validation set), each padded to 30 x 30 and cropped back to 28 x 28 at a
   random offset, as in the paper. The test set is scored once, at the end,
   with the weights of the epoch that had the best validation error.

   build/mnist_hyper --help lists the options. */
#include "util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define IMG 28
#define PIXELS (IMG * IMG)
#define CLASSES 10
#define CH 16        /* channels of both convolutions */
#define KS 7         /* kernel size */
#define N_Z 4        /* embedding size of the hypernetwork (d = N_z) */
#define N_VALID 5000

typedef struct config {
    const char *data, *out, *schedule, *eval;
    int epochs, batch, threads, plain, bench, log_every, relu, limit;
    float lr, lr_min, decay, clip, wd;
    uint64_t seed;
} config;

/* ---- data ---------------------------------------------------------------- */

typedef struct dataset {
    float *images;   /* n x 28 x 28, in [0, 1] */
    int *labels;
    int n;
} dataset;

/* Read an IDX file "<path>", or "<path>.gz" when that is what is there. */
static int read_idx(const char *path, hn_idx *x)
{
    char gz[1040];
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    snprintf(gz, sizeof gz, "%s.gz", path);
    if (hn_idx_read_file(f ? path : gz, 0, x) == HN_OK) return 1;
    fprintf(stderr, "mnist_hyper: %s\n", hn_error());
    return 0;
}

/* Read "<dir>/<prefix>-images-idx3-ubyte[.gz]" and the labels beside it. */
static int load_split(const char *dir, const char *prefix, dataset *d)
{
    char ipath[1024], lpath[1024];
    hn_idx im, lb;
    size_t i, n = 0;
    int ok = 0;
    memset(d, 0, sizeof *d);
    memset(&im, 0, sizeof im);
    memset(&lb, 0, sizeof lb);
    snprintf(ipath, sizeof ipath, "%s/%s-images-idx3-ubyte", dir, prefix);
    snprintf(lpath, sizeof lpath, "%s/%s-labels-idx1-ubyte", dir, prefix);
    if (!read_idx(ipath, &im) || !read_idx(lpath, &lb)) goto done;
    if (im.ndim != 3 || im.dims[1] != IMG || im.dims[2] != IMG || lb.ndim != 1 ||
        lb.dims[0] != im.dims[0] || im.dims[0] > INT_MAX) {
        fprintf(stderr, "mnist_hyper: %s and %s are not 28x28 images and their "
                        "labels\n", ipath, lpath);
        goto done;
    }
    n = im.dims[0];
    d->images = malloc(n * PIXELS * sizeof(float));
    d->labels = malloc(n * sizeof(int));
    if (!d->images || !d->labels ||
        hn_idx_to_float(&im, 0, n * PIXELS, 1.0f / 255.0f, d->images) != HN_OK ||
        hn_idx_to_int(&lb, 0, n, d->labels) != HN_OK) {
        fprintf(stderr, "mnist_hyper: %s\n", hn_error());
        goto done;
    }
    for (i = 0; i < n; i++)
        if (d->labels[i] < 0 || d->labels[i] >= CLASSES) {
            fprintf(stderr, "mnist_hyper: label %d in %s\n", d->labels[i], lpath);
            goto done;
        }
    d->n = (int)n;
    ok = 1;
done:
    hn_idx_free(&im);
    hn_idx_free(&lb);
    if (!ok) {
        free(d->images);
        free(d->labels);
        memset(d, 0, sizeof *d);
    }
    return ok;
}

/* ---- the network --------------------------------------------------------- */

typedef struct net {
    int plain, batch;
    hn_params ps;
    int w1, b1, w2, b2, wf, bf;      /* handles; w2 only when plain */
    hn_hyper hyper;
    hn_hyperconv gen;
    hn_conv2d conv1, conv2;
    hn_pool2d pool1, pool2;
    float *kernel2, *dkernel2;       /* the generated kernel and its gradient */
    float *ws1, *ws2;                /* convolution workspaces */
    /* Activations (batch first) and their gradients. */
    float *x, *y1, *p1, *y2, *p2, *logits, *probs;
    float *dy1, *dp1, *dy2, *dp2, *dlogits;
    int *arg1, *arg2, *labels;
} net;

static float *fbuf(size_t n) { return calloc(n ? n : 1, sizeof(float)); }

static int net_make(net *m, int plain, int batch, int relu, uint64_t seed)
{
    hn_rng rng;
    size_t a1 = (size_t)batch * CH * PIXELS, a2 = a1 / 4, a3 = a2 / 4;
    int s_w1[4] = {CH, 1, KS, KS}, s_w2[4] = {CH, CH, KS, KS};
    int s_b[1] = {CH}, s_wf[2] = {CLASSES, CH * 7 * 7}, s_bf[1] = {CLASSES};
    memset(m, 0, sizeof *m);
    m->plain = plain;
    m->batch = batch;
    hn_params_init(&m->ps);
    m->w1 = hn_params_add(&m->ps, "conv1.w", 4, s_w1);
    m->b1 = hn_params_add(&m->ps, "conv1.b", 1, s_b);
    if (plain) {
        m->w2 = hn_params_add(&m->ps, "conv2.w", 4, s_w2);
    } else if (hn_hyper_declare(&m->hyper, &m->ps, "hyper", N_Z, N_Z, CH, CH, KS,
                                relu ? HN_HYPER_RELU : 0) != HN_OK ||
               hn_hyperconv_declare(&m->gen, &m->hyper, &m->ps, "conv2", CH, CH, KS,
                                    0) != HN_OK) {
        return 0;
    }
    m->b2 = hn_params_add(&m->ps, "conv2.b", 1, s_b);
    m->wf = hn_params_add(&m->ps, "fc.w", 2, s_wf);
    m->bf = hn_params_add(&m->ps, "fc.b", 1, s_bf);
    if (m->w1 < 0 || m->b1 < 0 || (plain && m->w2 < 0) || m->b2 < 0 || m->wf < 0 ||
        m->bf < 0 || hn_params_alloc(&m->ps) != HN_OK)
        return 0;
    if (hn_conv2d_init(&m->conv1, 1, IMG, IMG, CH, KS, KS, 1, KS / 2) != HN_OK ||
        hn_conv2d_init(&m->conv2, CH, IMG / 2, IMG / 2, CH, KS, KS, 1, KS / 2) != HN_OK ||
        hn_pool2d_init(&m->pool1, CH, IMG, IMG, 2, 2, 2, 2) != HN_OK ||
        hn_pool2d_init(&m->pool2, CH, IMG / 2, IMG / 2, 2, 2, 2, 2) != HN_OK)
        return 0;

    /* He initialisation for the plain layers (they feed ReLUs), 1/fan_in
       for the classifier; the generator has its own (hn_hyper_init_weights). */
    hn_rng_seed(&rng, seed);
    hn_rng_fill_normal(&rng, hn_params_data(&m->ps, m->w1), CH * KS * KS, 0.0f,
                       sqrtf(2.0f / (KS * KS)));
    if (plain) {
        hn_rng_fill_normal(&rng, hn_params_data(&m->ps, m->w2), CH * CH * KS * KS, 0.0f,
                           sqrtf(2.0f / (CH * KS * KS)));
    } else {
        hn_hyper_init_weights(&m->hyper, &m->ps, &rng);
        hn_hyperconv_init_weights(&m->gen, &m->ps, &rng);
    }
    hn_rng_fill_normal(&rng, hn_params_data(&m->ps, m->wf), CLASSES * CH * 49, 0.0f,
                       sqrtf(1.0f / (CH * 49)));

    m->kernel2 = fbuf(CH * CH * KS * KS);
    m->dkernel2 = fbuf(CH * CH * KS * KS);
    m->ws1 = fbuf(hn_conv2d_workspace_size(&m->conv1));
    m->ws2 = fbuf(hn_conv2d_workspace_size(&m->conv2));
    m->x = fbuf((size_t)batch * PIXELS);
    m->y1 = fbuf(a1);
    m->dy1 = fbuf(a1);
    m->p1 = fbuf(a2);
    m->dp1 = fbuf(a2);
    m->y2 = fbuf(a2);
    m->dy2 = fbuf(a2);
    m->p2 = fbuf(a3);
    m->dp2 = fbuf(a3);
    m->logits = fbuf((size_t)batch * CLASSES);
    m->probs = fbuf((size_t)batch * CLASSES);
    m->dlogits = fbuf((size_t)batch * CLASSES);
    m->arg1 = malloc(a2 * sizeof(int));
    m->arg2 = malloc(a3 * sizeof(int));
    m->labels = malloc((size_t)batch * sizeof(int));
    return m->kernel2 && m->dkernel2 && m->ws1 && m->ws2 && m->x && m->y1 && m->dy1 &&
           m->p1 && m->dp1 && m->y2 && m->dy2 && m->p2 && m->dp2 &&
           m->logits && m->probs && m->dlogits && m->arg1 && m->arg2 && m->labels;
}

static void net_free(net *m)
{
    void *bufs[] = {m->kernel2, m->dkernel2, m->ws1, m->ws2, m->x, m->y1, m->dy1,
                    m->p1, m->dp1, m->y2, m->dy2, m->p2, m->dp2, m->logits,
                    m->probs, m->dlogits, m->arg1, m->arg2, m->labels};
    size_t i;
    for (i = 0; i < sizeof bufs / sizeof bufs[0]; i++) free(bufs[i]);
    if (!m->plain) hn_hyperconv_free(&m->gen);
    hn_params_free(&m->ps);
}

/* Floats of the second convolution's kernel: what the network stores for
   it (the hypernetwork and z, or the plain kernel). */
static size_t layer2_params(const net *m)
{
    if (m->plain) return CH * CH * KS * KS;
    return hn_hyper_param_count(&m->hyper) + hn_hyperconv_param_count(&m->gen);
}

/* The second kernel: the generated one, or the stored one. */
static const float *kernel2(net *m)
{
    if (m->plain) return hn_params_data(&m->ps, m->w2);
    hn_hyperconv_generate(&m->gen, &m->ps, m->kernel2);
    return m->kernel2;
}

/* Forward pass of n <= batch images in m->x; returns the mean loss and
   counts the correct answers into *ncorrect. */
static float net_forward(net *m, int n, const float *w2, int *ncorrect)
{
    hn_params *ps = &m->ps;
    size_t a1 = (size_t)n * CH * PIXELS, a2 = a1 / 4;
    /* ReLU then max pooling, computed as pooling then ReLU: max is
       monotone, so max(relu(x)) = relu(max(x)), and the ReLU runs on a
       quarter of the values. The gradients are the same too: a window
       whose maximum is not positive passes none either way. */
    hn_conv2d_forward(&m->conv1, n, m->x, hn_params_data(ps, m->w1),
                      hn_params_data(ps, m->b1), m->y1, m->ws1);
    hn_maxpool2d_forward(&m->pool1, n, m->y1, m->p1, m->arg1);
    hn_relu_forward(a1 / 4, m->p1, m->p1);
    hn_conv2d_forward(&m->conv2, n, m->p1, w2, hn_params_data(ps, m->b2), m->y2,
                      m->ws2);
    hn_maxpool2d_forward(&m->pool2, n, m->y2, m->p2, m->arg2);
    hn_relu_forward(a2 / 4, m->p2, m->p2);
    hn_linear_forward(n, CH * 49, CLASSES, m->p2, hn_params_data(ps, m->wf),
                      hn_params_data(ps, m->bf), m->logits);
    return hn_softmax_xent_forward(n, CLASSES, m->logits, m->labels, m->probs, ncorrect);
}

/* The ReLU's backward pass in place: d = 0 where the output y is not
   positive. */
static void relu_mask(size_t count, const float *y, float *d)
{
    long long i, na = (long long)count;
#ifdef _OPENMP
    #pragma omp parallel for simd schedule(static) if (na > 100000)
#endif
    for (i = 0; i < na; i++) d[i] = y[i] > 0.0f ? d[i] : 0.0f;
}

/* Backward pass after net_forward over the same n images: gradients of
   every parameter into m->ps.grad (zeroed here first). */
static void net_backward(net *m, int n, const float *w2)
{
    hn_params *ps = &m->ps;
    size_t a1 = (size_t)n * CH * PIXELS, a2 = a1 / 4, a3 = a2 / 4;
    hn_params_zero_grad(ps);
    memset(m->dlogits, 0, (size_t)n * CLASSES * sizeof(float));
    hn_softmax_xent_backward(n, CLASSES, m->probs, m->labels, 1.0f, m->dlogits);

    memset(m->dp2, 0, a3 * sizeof(float));
    hn_linear_backward(n, CH * 49, CLASSES, m->p2, hn_params_data(ps, m->wf),
                       m->dlogits, m->dp2, hn_params_grad(ps, m->wf),
                       hn_params_grad(ps, m->bf));
    relu_mask(a3, m->p2, m->dp2);
    memset(m->dy2, 0, a2 * sizeof(float));
    hn_maxpool2d_backward(&m->pool2, n, m->arg2, m->dp2, m->dy2);

    /* The second convolution: its kernel gradient goes to the stored
       kernel, or through the hypernetwork to its weights and z. */
    memset(m->dp1, 0, a2 * sizeof(float));
    if (m->plain) {
        hn_conv2d_backward(&m->conv2, n, m->p1, w2, m->dy2, m->dp1,
                           hn_params_grad(ps, m->w2), hn_params_grad(ps, m->b2), m->ws2);
    } else {
        memset(m->dkernel2, 0, CH * CH * KS * KS * sizeof(float));
        hn_conv2d_backward(&m->conv2, n, m->p1, w2, m->dy2, m->dp1, m->dkernel2,
                           hn_params_grad(ps, m->b2), m->ws2);
        hn_hyperconv_generate_backward(&m->gen, ps, m->dkernel2);
    }

    /* The first convolution; its input needs no gradient. */
    relu_mask(a2, m->p1, m->dp1);
    memset(m->dy1, 0, a1 * sizeof(float));
    hn_maxpool2d_backward(&m->pool1, n, m->arg1, m->dp1, m->dy1);
    hn_conv2d_backward(&m->conv1, n, m->x, hn_params_data(ps, m->w1), m->dy1, NULL,
                       hn_params_grad(ps, m->w1), hn_params_grad(ps, m->b1), m->ws1);
}

/* Copy images idx[0..n) into m->x, each shifted by a random offset in
   [-1, 1] x [-1, 1] (padding to 30 x 30 and cropping 28 x 28) when rng is
   not NULL. The offsets are drawn in order first, so the batch is the same
   whatever the number of threads. */
static void load_batch(net *m, const dataset *d, const int *idx, int n, hn_rng *rng)
{
    int i, shift[2 * 1024];
    HN_ASSERT(n <= 1024);
    for (i = 0; i < n; i++) {
        shift[2 * i] = rng ? (int)hn_rng_below(rng, 3) - 1 : 0;
        shift[2 * i + 1] = rng ? (int)hn_rng_below(rng, 3) - 1 : 0;
        m->labels[i] = d->labels[idx[i]];
    }
    #pragma omp parallel for schedule(static)
    for (i = 0; i < n; i++) {
        const float *src = d->images + (size_t)idx[i] * PIXELS;
        float *dst = m->x + (size_t)i * PIXELS;
        int dy = shift[2 * i], dx = shift[2 * i + 1], r, c;
        for (r = 0; r < IMG; r++)
            for (c = 0; c < IMG; c++) {
                int sr = r + dy, sc = c + dx;
                dst[r * IMG + c] = (sr >= 0 && sr < IMG && sc >= 0 && sc < IMG)
                                       ? src[sr * IMG + sc] : 0.0f;
            }
    }
}

/* Error rate (and mean loss) over images [from, to) of d, no augmentation. */
static double evaluate(net *m, const dataset *d, int from, int to, double *loss)
{
    const float *w2 = kernel2(m);
    int at, wrong = 0, idx[1024];
    double sum = 0.0;
    for (at = from; at < to; at += m->batch) {
        int n = HN__MIN(m->batch, to - at), i, ok = 0;
        for (i = 0; i < n; i++) idx[i] = at + i;
        load_batch(m, d, idx, n, NULL);
        sum += (double)net_forward(m, n, w2, &ok) * n;
        wrong += n - ok;
    }
    *loss = sum / (to - from);
    return (double)wrong / (to - from);
}

/* ---- options and output files -------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
        "usage: mnist_hyper --data DIR [options]\n"
        "  --data DIR        folder with the four MNIST or Fashion-MNIST IDX files\n"
        "                    (train-images-idx3-ubyte ..., gzipped or not)\n"
        "  --epochs N        epochs (default 1)\n"
        "  --batch N         images per step (default 128, at most 1024)\n"
        "  --lr X            Adam learning rate (default 0.002)\n"
        "  --schedule S      cosine (default), exp or constant\n"
        "  --lr-min X        cosine: final rate; exp: floor (default 1e-5)\n"
        "  --decay X         exp: factor per step (default 0.9999)\n"
        "  --clip X          clip the gradient's global norm to X (default off)\n"
        "  --wd X            decoupled weight decay (default 0)\n"
        "  --seed N          seed of initialisation, shuffling and cropping (1)\n"
        "  --plain           a stored second kernel instead of a generated one\n"
        "  --relu            a ReLU inside the hypernetwork (the paper's is linear)\n"
        "  --threads N       OpenMP threads (default 2)\n"
        "  --log-every N     progress line every N steps (default 100)\n"
        "  --limit N         train on only the first N of the 55,000 images (a\n"
        "                    quick check; validation and test stay whole)\n"
        "  --out DIR         write config.json, history.jsonl, summary.json and\n"
        "                    the best and last checkpoints there\n"
        "  --eval FILE       score a checkpoint of this program on the validation\n"
        "                    and test sets instead of training (with --plain if it\n"
        "                    was trained with it)\n"
        "  --bench N         time N training steps (after 2 warm-up steps) on one\n"
        "                    batch of random images; no data needed, no evaluation\n"
        "  --help\n");
}

static int parse_args(int argc, char **argv, config *c)
{
    int i;
    memset(c, 0, sizeof *c);
    c->schedule = "cosine";
    c->epochs = 1;
    c->batch = 128;
    c->threads = 2;
    c->log_every = 100;
    c->lr = 0.002f;
    c->lr_min = 1e-5f;
    c->decay = 0.9999f;
    c->seed = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) { usage(stdout); exit(0); }
        else if (!strcmp(a, "--plain")) { c->plain = 1; takes = 0; }
        else if (!strcmp(a, "--relu")) { c->relu = 1; takes = 0; }
        else if (!v) { fprintf(stderr, "mnist_hyper: %s needs a value\n", a); return 0; }
        else if (!strcmp(a, "--data")) c->data = v;
        else if (!strcmp(a, "--out")) c->out = v;
        else if (!strcmp(a, "--eval")) c->eval = v;
        else if (!strcmp(a, "--schedule")) c->schedule = v;
        else if (!strcmp(a, "--epochs")) c->epochs = atoi(v);
        else if (!strcmp(a, "--batch")) c->batch = atoi(v);
        else if (!strcmp(a, "--threads")) c->threads = atoi(v);
        else if (!strcmp(a, "--log-every")) c->log_every = atoi(v);
        else if (!strcmp(a, "--bench")) c->bench = atoi(v);
        else if (!strcmp(a, "--limit")) c->limit = atoi(v);
        else if (!strcmp(a, "--lr")) c->lr = (float)atof(v);
        else if (!strcmp(a, "--lr-min")) c->lr_min = (float)atof(v);
        else if (!strcmp(a, "--decay")) c->decay = (float)atof(v);
        else if (!strcmp(a, "--clip")) c->clip = (float)atof(v);
        else if (!strcmp(a, "--wd")) c->wd = (float)atof(v);
        else if (!strcmp(a, "--seed")) c->seed = strtoull(v, NULL, 10);
        else { fprintf(stderr, "mnist_hyper: unknown option %s\n", a); return 0; }
        i += takes;
    }
    if (c->batch < 1 || c->batch > 1024 || c->epochs < 0 || c->threads < 1 ||
        c->log_every < 1 || c->lr <= 0.0f || c->bench < 0 || c->limit < 0) {
        fprintf(stderr, "mnist_hyper: an option is out of range (see --help)\n");
        return 0;
    }
    if (strcmp(c->schedule, "cosine") && strcmp(c->schedule, "exp") &&
        strcmp(c->schedule, "constant")) {
        fprintf(stderr, "mnist_hyper: --schedule is cosine, exp or constant\n");
        return 0;
    }
    if (!c->bench && !c->data) {
        fprintf(stderr, "mnist_hyper: --data DIR is needed (./data_fetch.sh mnist "
                        "puts MNIST in data/mnist)\n");
        return 0;
    }
    return 1;
}

static FILE *open_out(const config *c, const char *name, const char *mode)
{
    char path[1024];
    FILE *f;
    if (!c->out) return NULL;
    snprintf(path, sizeof path, "%s/%s", c->out, name);
    f = fopen(path, mode);
    if (!f) fprintf(stderr, "mnist_hyper: cannot write %s: %s\n", path, strerror(errno));
    return f;
}

/* The run's settings as one JSON object. */
static void config_json(const config *c, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "{\"data\": \"%s\", \"epochs\": %d, \"batch\": %d, \"lr\": %g, "
             "\"schedule\": \"%s\", \"lr_min\": %g, \"decay\": %g, \"clip\": %g, "
             "\"wd\": %g, \"seed\": %llu, \"plain\": %s, \"relu\": %s, "
             "\"threads\": %d, \"bench\": %d, \"optimizer\": \"adam\", "
             "\"valid\": %d, \"limit\": %d}",
             c->data ? c->data : "", c->epochs, c->batch, c->lr, c->schedule, c->lr_min,
             c->decay, c->clip, c->wd, (unsigned long long)c->seed,
             c->plain ? "true" : "false", c->relu ? "true" : "false", c->threads,
             c->bench, N_VALID, c->limit);
}

/* Save the parameters, with the configuration inside, as out/name. */
static void save_checkpoint(const config *c, const net *m, const char *name)
{
    char path[1024], cfg[1024];
    if (!c->out) return;
    snprintf(path, sizeof path, "%s/%s", c->out, name);
    config_json(c, cfg, sizeof cfg);
    if (hn_checkpoint_save_params(path, &m->ps, cfg) != HN_OK)
        fprintf(stderr, "mnist_hyper: %s\n", hn_error());
}

static void print_savings(const net *m)
{
    if (m->plain) {
        printf("layer 2: plain kernel, %d floats; network %zu floats\n",
               CH * CH * KS * KS, m->ps.nparams);
    } else {
        size_t gen = layer2_params(m);
        printf("layer 2: generated kernel, %zu floats (hypernetwork %zu + z %zu) "
               "instead of %d: %.2fx fewer; network %zu floats instead of %zu\n",
               gen, hn_hyper_param_count(&m->hyper), hn_hyperconv_param_count(&m->gen),
               CH * CH * KS * KS, (double)(CH * CH * KS * KS) / gen, m->ps.nparams,
               m->ps.nparams - gen + CH * CH * KS * KS);
    }
}

/* ---- training ------------------------------------------------------------- */

static double train_step(net *m, hn_optim *opt, const config *c, float lr, int n,
                         int *ncorrect)
{
    const float *w2 = kernel2(m);
    float loss = net_forward(m, n, w2, ncorrect);
    net_backward(m, n, w2);
    if (c->clip > 0.0f) hn_clip_grad_norm(&m->ps, c->clip);
    hn_optim_step(opt, &m->ps, lr);
    return loss;
}

static int run_bench(const config *c, net *m, hn_optim *opt)
{
    hn_rng rng;
    double t0, secs, ips;
    int i, ok;
    FILE *f;
    hn_rng_seed(&rng, c->seed);
    hn_rng_fill_uniform(&rng, m->x, (size_t)c->batch * PIXELS, 0.0f, 1.0f);
    for (i = 0; i < c->batch; i++) m->labels[i] = (int)hn_rng_below(&rng, CLASSES);
    for (i = 0; i < 2; i++) train_step(m, opt, c, c->lr, c->batch, &ok);
    t0 = now_seconds();
    for (i = 0; i < c->bench; i++) train_step(m, opt, c, c->lr, c->batch, &ok);
    secs = now_seconds() - t0;
    ips = c->bench ? c->bench * (double)c->batch / secs : 0.0;
    printf("bench: %d steps of %d images in %.3f s: %.1f img/s (%s, %d threads)\n",
           c->bench, c->batch, secs, ips, c->plain ? "plain" : "hyper", c->threads);
    if ((f = open_out(c, "summary.json", "w"))) {
        fprintf(f, "{\"mode\": \"bench\", \"net\": \"%s\", \"steps\": %d, \"batch\": %d, "
                   "\"threads\": %d, \"seconds\": %.4f, \"images_per_sec\": %.2f, "
                   "\"params_total\": %zu, \"params_layer2\": %zu}\n",
                c->plain ? "plain" : "hyper", c->bench, c->batch, c->threads, secs, ips,
                m->ps.nparams, layer2_params(m));
        fclose(f);
    }
    return 0;
}

int main(int argc, char **argv)
{
    config c;
    net m;
    hn_optim opt;
    hn_schedule sched;
    dataset train, test;
    hn_rng rng;
    FILE *hist = NULL, *f;
    int *order = NULL, n_train, steps_per_epoch, epoch, best_epoch = 0;
    int64_t step = 0, total_steps;
    double best_val = 2.0, val_err = 1.0, val_loss = 0.0, test_err, test_loss;
    double t_start, t_log, ips_sum = 0.0, train_secs = 0.0;
    float *best = NULL;

    if (!parse_args(argc, argv, &c)) return 2;
#ifdef _OPENMP
    omp_set_num_threads(c.threads);
#endif
    if (c.out && make_dirs(c.out) != 0) {
        fprintf(stderr, "mnist_hyper: cannot create %s: %s\n", c.out, strerror(errno));
        return 1;
    }
    if (!net_make(&m, c.plain, c.batch, c.relu, c.seed) ||
        hn_optim_init_adam(&opt, &m.ps, 0.9f, 0.999f, 1e-8f) != HN_OK) {
        fprintf(stderr, "mnist_hyper: setting up the network: %s\n", hn_error());
        return 1;
    }
    if (c.wd > 0.0f) hn_optim_set_weight_decay(&opt, c.wd, HN_DECAY_DECOUPLED);
    if ((f = open_out(&c, "config.json", "w"))) {
        char cfg[1024];
        config_json(&c, cfg, sizeof cfg);
        fprintf(f, "%s\n", cfg);
        fclose(f);
    }
    if (c.bench) {
        int rc = run_bench(&c, &m, &opt);
        hn_optim_free(&opt);
        net_free(&m);
        return rc;
    }

    /* Data: 55,000 to train on, the last 5,000 training images to validate. */
    if (!load_split(c.data, "train", &train) || !load_split(c.data, "t10k", &test))
        return 1;
    if (train.n <= N_VALID) {
        fprintf(stderr, "mnist_hyper: only %d training images\n", train.n);
        return 1;
    }
    n_train = train.n - N_VALID;
    if (c.eval) {
        char *cfg = NULL;
        int rc = 1;
        if (hn_checkpoint_load_params(c.eval, &m.ps, &cfg) != HN_OK) {
            fprintf(stderr, "mnist_hyper: %s\n", hn_error());
        } else {
            val_err = evaluate(&m, &train, n_train, train.n, &val_loss);
            test_err = evaluate(&m, &test, 0, test.n, &test_loss);
            printf("%s (%s): validation error %.2f%%, test error %.2f%% (loss %.4f)\n",
                   c.eval, cfg ? cfg : "", 100.0 * val_err, 100.0 * test_err, test_loss);
            rc = 0;
        }
        hn_free(cfg);
        return rc;
    }
    if (c.limit > 0 && c.limit < n_train) n_train = HN__MAX(c.limit, c.batch);
    steps_per_epoch = n_train / c.batch;
    total_steps = (int64_t)steps_per_epoch * c.epochs;
    if (!strcmp(c.schedule, "cosine"))
        sched = hn_schedule_cosine(c.lr, c.lr_min, total_steps > 0 ? total_steps : 1);
    else if (!strcmp(c.schedule, "exp"))
        sched = hn_schedule_exponential(c.lr, c.decay, c.lr_min);
    else
        sched = hn_schedule_constant(c.lr);
    order = malloc((size_t)n_train * sizeof(int));
    best = malloc(m.ps.total * sizeof(float));
    if (!order || !best) return 1;
    hist = open_out(&c, "history.jsonl", "w");
    hn_rng_seed(&rng, c.seed + 1000);

    printf("mnist_hyper: %s, %d train / %d validation / %d test images, %d epoch%s of "
           "%d steps, batch %d, Adam lr %g (%s), %d threads\n",
           c.data, n_train, N_VALID, test.n, c.epochs, c.epochs == 1 ? "" : "s",
           steps_per_epoch, c.batch, c.lr,
           c.schedule, c.threads);
    print_savings(&m);

    t_start = t_log = now_seconds();
    for (epoch = 1; epoch <= c.epochs; epoch++) {
        int i, s;
        double t_epoch = now_seconds();
        for (i = 0; i < n_train; i++) order[i] = i;
        hn_rng_shuffle(&rng, order, n_train);
        for (s = 0; s < steps_per_epoch; s++) {
            int ok;
            float lr = hn_schedule_lr(&sched, step);
            double loss;
            load_batch(&m, &train, order + (size_t)s * c.batch, c.batch, &rng);
            loss = train_step(&m, &opt, &c, lr, c.batch, &ok);
            step++;
            if (step % c.log_every == 0) {
                double now = now_seconds(), ips = c.log_every * c.batch / (now - t_log);
                t_log = now;
                printf("step %lld: loss %.3f lr %.4f %.0f img/s\n", (long long)step,
                       loss, lr, ips);
                if (hist)
                    fprintf(hist, "{\"step\": %lld, \"epoch\": %d, \"loss\": %.5f, "
                                  "\"lr\": %.6g, \"images_per_sec\": %.1f}\n",
                            (long long)step, epoch, loss, lr, ips);
                fflush(stdout);
            }
        }
        train_secs += now_seconds() - t_epoch;
        ips_sum += steps_per_epoch * (double)c.batch;

        /* Validation; keep the weights of the best epoch. */
        val_err = evaluate(&m, &train, train.n - N_VALID, train.n, &val_loss);
        if (val_err < best_val) {
            best_val = val_err;
            best_epoch = epoch;
            memcpy(best, m.ps.data, m.ps.total * sizeof(float));
            save_checkpoint(&c, &m, "best.ckpt");
        }
        printf("epoch %d: validation error %.2f%% (loss %.4f), best %.2f%% (epoch %d), "
               "%.1f s\n", epoch, 100.0 * val_err, val_loss, 100.0 * best_val,
               best_epoch, now_seconds() - t_epoch);
        if (hist) {
            fprintf(hist, "{\"step\": %lld, \"epoch\": %d, \"val_error\": %.5f, "
                          "\"val_loss\": %.5f, \"seconds\": %.1f}\n",
                    (long long)step, epoch, val_err, val_loss, now_seconds() - t_start);
            fflush(hist);
        }
        t_log = now_seconds();
    }
    save_checkpoint(&c, &m, "last.ckpt");

    /* The test set, once, with the best validation epoch's weights. */
    if (best_epoch > 0) memcpy(m.ps.data, best, m.ps.total * sizeof(float));
    test_err = evaluate(&m, &test, 0, test.n, &test_loss);
    printf("test error %.2f%% (loss %.4f) with the weights of epoch %d (best "
           "validation error %.2f%%); %.0f s in all, %.0f img/s training\n",
           100.0 * test_err, test_loss, best_epoch, 100.0 * best_val,
           now_seconds() - t_start, train_secs > 0 ? ips_sum / train_secs : 0.0);
    print_savings(&m);
    if ((f = open_out(&c, "summary.json", "w"))) {
        fprintf(f, "{\"mode\": \"train\", \"net\": \"%s\", \"data\": \"%s\", "
                   "\"epochs\": %d, \"best_epoch\": %d, \"test_error\": %.5f, "
                   "\"test_loss\": %.5f, \"val_error\": %.5f, \"last_val_error\": %.5f, "
                   "\"params_total\": %zu, \"params_layer2\": %zu, "
                   "\"params_layer2_plain\": %d, \"images_per_sec\": %.1f, "
                   "\"seconds\": %.1f}\n",
                c.plain ? "plain" : "hyper", c.data, c.epochs, best_epoch, test_err,
                test_loss, best_val, val_err, m.ps.nparams, layer2_params(&m),
                CH * CH * KS * KS, train_secs > 0 ? ips_sum / train_secs : 0.0,
                now_seconds() - t_start);
        fclose(f);
    }
    if (hist) fclose(hist);
    free(order);
    free(best);
    free(train.images);
    free(train.labels);
    free(test.images);
    free(test.labels);
    hn_optim_free(&opt);
    net_free(&m);
    return 0;
}
