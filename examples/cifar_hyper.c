/* cifar_hyper.c - the paper's compression result for image classifiers
   (Ha, Dai and Le 2016, section 4.2, Table 2): WRN-40-2 on CIFAR-10 with
   every 3x3 kernel of its residual branches written by one shared static
   hypernetwork (N_z = 64, 16x16 channel tiles): 2.24M parameters become
   0.156M. Also a bottleneck ResNet-50 adapted to 32x32 inputs.

      ./build/cifar_hyper --data data/cifar-10 --model wrn-40-2 --hyper
      ./build/cifar_hyper --data ../shared/data/cifar-10-subset --epochs 2
      ./build/cifar_hyper --bench 10 --batch 64        (synthetic batches)

   Training augments each batch (reflect-pad 4, random 32x32 crop, and for
   CIFAR-10 a random left-right flip), normalizes each channel with the
   training set's mean and deviation, and scores the test set after every
   epoch. Files under --out: config.json, history.jsonl (one line per
   epoch), model.ckpt (weights, batch-norm statistics, optimizer state; after
   every epoch), summary.json. --dataset svhn reads train_32x32.mat and
   test_32x32.mat from --data and does not flip.

   build/cifar_hyper --help lists the options. */
#include "util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>

#define IMG 32
#define PLANE (IMG * IMG)
#define PIXELS (3 * PLANE)

typedef struct config {
    const char *model, *dataset, *data, *out, *optimizer;
    int hyper, epochs, batch, max_train, bench, threads;
    float wd;
    uint64_t seed;
} config;

typedef struct dataset {
    float *images;   /* n x 3 x 32 x 32, normalized */
    int *labels;
    int n;
} dataset;

/* ---- data ---------------------------------------------------------------- */

/* Append n images and labels (from a reader, freed here) to d, keeping at
   most limit in all (0: no limit). */
static int append(dataset *d, float *images, int *labels, int n, int limit)
{
    if (limit > 0 && d->n + n > limit) n = limit - d->n;
    d->images = (float *)realloc(d->images, ((size_t)d->n + n) * PIXELS * sizeof(float));
    d->labels = (int *)realloc(d->labels, ((size_t)d->n + n) * sizeof(int));
    if (d->images && d->labels) {
        memcpy(d->images + (size_t)d->n * PIXELS, images, (size_t)n * PIXELS * sizeof(float));
        memcpy(d->labels + d->n, labels, (size_t)n * sizeof(int));
        d->n += n;
    }
    hn_free(images);
    hn_free(labels);
    return d->images && d->labels ? 0 : -1;
}

/* One CIFAR-10 batch file, plain or gzipped, through the library's reader. */
static int append_cifar(dataset *d, const char *dir, const char *name, int limit)
{
    char path[1200];
    float *images = NULL;
    int *labels = NULL, n = 0;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (hn_cifar10_load(path, 1u << 28, 1.0f / 255.0f, &images, &labels, &n) != HN_OK) {
        fprintf(stderr, "%s: %s\n", path, hn_error());
        return -1;
    }
    return append(d, images, labels, n, limit);
}

/* SVHN's dir/name (train_32x32.mat, test_32x32.mat). */
static int load_svhn(dataset *d, const char *dir, const char *name, int limit)
{
    char path[1200];
    hn_mat mat;
    float *images = NULL;
    int *labels = NULL, n = 0;
    memset(d, 0, sizeof *d);
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (hn_mat_open_file(&mat, path, (size_t)1 << 30, (size_t)1 << 30) != HN_OK) {
        fprintf(stderr, "%s: %s\n", path, hn_error());
        return -1;
    }
    if (hn_svhn_load(&mat, 1.0f / 255.0f, &images, &labels, &n) != HN_OK) {
        fprintf(stderr, "%s: %s\n", path, hn_error());
        hn_mat_close(&mat);
        return -1;
    }
    hn_mat_close(&mat);
    return append(d, images, labels, n, limit);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every file in dir whose name starts with prefix and ends in .bin or
   .bin.gz, in name order (data_batch_1..5.bin, or the mirror's
   data_batch_1_first4000.bin.gz). */
static int load_cifar(dataset *d, const char *dir, const char *prefix, int limit)
{
    DIR *dp = opendir(dir);
    struct dirent *e;
    char *names[64];
    int n = 0, i, rc = 0;
    memset(d, 0, sizeof *d);
    if (!dp) return -1;
    while ((e = readdir(dp)) && n < 64) {
        size_t l = strlen(e->d_name);
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0) continue;
        if ((l > 4 && strcmp(e->d_name + l - 4, ".bin") == 0) ||
            (l > 7 && strcmp(e->d_name + l - 7, ".bin.gz") == 0))
            names[n++] = strdup(e->d_name);
    }
    closedir(dp);
    qsort(names, (size_t)n, sizeof *names, name_cmp);
    for (i = 0; i < n; i++) {
        if (!rc && (limit <= 0 || d->n < limit)) rc = append_cifar(d, dir, names[i], limit);
        free(names[i]);
    }
    return rc || d->n == 0 ? -1 : 0;
}

/* Per-channel mean and deviation of the training images, applied to both
   sets. */
static void normalize(dataset *train, dataset *test)
{
    double sum[3] = {0, 0, 0}, sq[3] = {0, 0, 0};
    float mean[3], inv[3];
    int i, c, j;
    for (i = 0; i < train->n; i++)
        for (c = 0; c < 3; c++)
            for (j = 0; j < PLANE; j++) {
                double v = train->images[(size_t)i * PIXELS + c * PLANE + j];
                sum[c] += v;
                sq[c] += v * v;
            }
    for (c = 0; c < 3; c++) {
        double m = sum[c] / ((double)train->n * PLANE);
        double var = sq[c] / ((double)train->n * PLANE) - m * m;
        mean[c] = (float)m;
        inv[c] = (float)(1.0 / sqrt(var > 1e-12 ? var : 1e-12));
    }
    for (i = 0; i < train->n + test->n; i++) {
        float *img = i < train->n ? train->images + (size_t)i * PIXELS
                                  : test->images + (size_t)(i - train->n) * PIXELS;
        for (c = 0; c < 3; c++)
            for (j = 0; j < PLANE; j++)
                img[c * PLANE + j] = (img[c * PLANE + j] - mean[c]) * inv[c];
    }
}

static void dataset_free(dataset *d)
{
    free(d->images);
    free(d->labels);
}

/* ---- helpers ------------------------------------------------------------- */

static double peak_rss_mib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_maxrss / 1024.0;   /* Linux reports KiB */
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static FILE *open_out(const config *c, const char *name, const char *mode)
{
    char path[1200];
    if (!c->out) return NULL;
    snprintf(path, sizeof path, "%s/%s", c->out, name);
    return fopen(path, mode);
}

/* The paper's schedules as fractions of the run: Adam 0.002 stepping down
   to 0.00005, SGD with Nesterov momentum 0.1 divided by 5 three times (the
   WRN paper's 60/120/160 of 200 epochs). */
static hn_schedule make_schedule(const config *c, int64_t total)
{
    int64_t b[3];
    /* Boundaries must increase even for runs of a few steps. */
    b[0] = total * 3 / 10 > 1 ? total * 3 / 10 : 1;
    b[1] = total * 6 / 10 > b[0] ? total * 6 / 10 : b[0] + 1;
    b[2] = total * 8 / 10 > b[1] ? total * 8 / 10 : b[1] + 1;
    if (strcmp(c->optimizer, "adam") == 0) {
        static const float v[4] = {0.002f, 0.0005f, 0.0002f, 0.00005f};
        return hn_schedule_piecewise(4, b, v);
    } else {
        static const float v[4] = {0.1f, 0.02f, 0.004f, 0.0008f};
        return hn_schedule_piecewise(4, b, v);
    }
}

/* Weights, running statistics, optimizer state, step and generator: what a
   resumed run needs (resuming is not wired into this example yet). */
static void save_checkpoint(const config *c, const hn_resnet *m, const hn_optim *opt,
                            const hn_rng *rng, int epoch)
{
    char path[1200], cfg[256];
    hn_ckpt_writer w;
    if (!c->out) return;
    snprintf(path, sizeof path, "%s/model.ckpt", c->out);
    snprintf(cfg, sizeof cfg, "{\"model\": \"%s\", \"hyper\": %d, \"epoch\": %d}",
             c->model, c->hyper, epoch);
    hn_ckpt_begin(&w, cfg);
    hn_ckpt_add_params(&w, &m->ps, m->ps.data, "");
    hn_ckpt_add_params(&w, &m->state, m->state.data, "state/");
    if (opt->m) hn_ckpt_add_params(&w, &m->ps, opt->m, "opt.m/");
    if (opt->v) hn_ckpt_add_params(&w, &m->ps, opt->v, "opt.v/");
    hn_ckpt_add_u64(&w, "opt.step", (uint64_t)opt->step);
    hn_ckpt_add_rng(&w, "rng", rng);
    if (hn_ckpt_finish_file(&w, path) != HN_OK)
        fprintf(stderr, "%s: %s\n", path, hn_error());
}

/* Test error of the model on a data set, in batches, evaluation mode. */
static double evaluate(hn_resnet *m, const dataset *d, int batch, double *loss)
{
    int i, correct = 0;
    double l = 0.0;
    hn_resnet_fix_kernels(m);   /* generated once for all the batches */
    for (i = 0; i < d->n; i += batch) {
        int n = d->n - i < batch ? d->n - i : batch, hit = 0;
        hn_resnet_forward(m, n, d->images + (size_t)i * PIXELS, 0);
        l += (double)hn_resnet_loss(m, n, d->labels + i, &hit) * n;
        correct += hit;
    }
    *loss = l / d->n;
    return 1.0 - (double)correct / d->n;
}

/* The hypernetwork's share of a training step: both of its passes over
   all generated layers, as hn_resnet_forward and hn_resnet_backward run
   them (the gradients it adds are not used afterwards). */
static double time_generator(hn_resnet *m)
{
    double t0 = now_seconds();
    hn_resnet_generate(m);
    hn_resnet_generate_backward(m);
    return now_seconds() - t0;
}

static void usage(void)
{
    printf(
        "usage: cifar_hyper [options]\n"
        "  --model M         wrn-40-2 (default) or resnet-50\n"
        "  --plain | --hyper plain kernels, or generated ones (default --hyper)\n"
        "  --dataset D       cifar10 (default) or svhn\n"
        "  --data DIR        CIFAR-10 binary batches (data_batch_*.bin[.gz],\n"
        "                    test_batch*.bin[.gz]), or SVHN's train_32x32.mat and\n"
        "                    test_32x32.mat\n"
        "  --epochs N        passes over the training set (default 1)\n"
        "  --batch N         batch size (default 64)\n"
        "  --optimizer O     adam (default, 0.002 -> 0.00005) or sgd (Nesterov 0.1)\n"
        "  --weight-decay W  L2 decay (default 0 for adam, 5e-4 for sgd)\n"
        "  --max-train N     use only the first N training images\n"
        "  --seed S          initialization, shuffling and augmentation (default 1)\n"
        "  --threads N       OpenMP threads (default: OMP_NUM_THREADS)\n"
        "  --out DIR         write config.json, history.jsonl, summary.json and\n"
        "                    model.ckpt (after each epoch)\n"
        "  --bench N         time N training steps after 2 warm-up steps (real\n"
        "                    batches with --data, else synthetic), plus inference\n"
        "  --help            this text\n");
}

static int parse(int argc, char **argv, config *c)
{
    int i, wd_set = 0;
    memset(c, 0, sizeof *c);
    c->model = "wrn-40-2";
    c->dataset = "cifar10";
    c->optimizer = "adam";
    c->hyper = 1;
    c->epochs = 1;
    c->batch = 64;
    c->seed = 1;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--help") == 0) {
            usage();
            exit(0);
        } else if (strcmp(a, "--plain") == 0) {
            c->hyper = 0;
            continue;
        } else if (strcmp(a, "--hyper") == 0) {
            c->hyper = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "%s needs a value (--help)\n", a);
            return -1;
        }
        i++;
        if (strcmp(a, "--model") == 0) c->model = v;
        else if (strcmp(a, "--dataset") == 0) c->dataset = v;
        else if (strcmp(a, "--data") == 0) c->data = v;
        else if (strcmp(a, "--out") == 0) c->out = v;
        else if (strcmp(a, "--optimizer") == 0) c->optimizer = v;
        else if (strcmp(a, "--epochs") == 0) c->epochs = atoi(v);
        else if (strcmp(a, "--batch") == 0) c->batch = atoi(v);
        else if (strcmp(a, "--max-train") == 0) c->max_train = atoi(v);
        else if (strcmp(a, "--bench") == 0) c->bench = atoi(v);
        else if (strcmp(a, "--threads") == 0) c->threads = atoi(v);
        else if (strcmp(a, "--seed") == 0) c->seed = strtoull(v, NULL, 10);
        else if (strcmp(a, "--weight-decay") == 0) {
            c->wd = (float)atof(v);
            wd_set = 1;
        } else {
            fprintf(stderr, "unknown option %s (--help)\n", a);
            return -1;
        }
    }
    if (strcmp(c->model, "wrn-40-2") && strcmp(c->model, "resnet-50")) {
        fprintf(stderr, "--model: wrn-40-2 or resnet-50\n");
        return -1;
    }
    if (strcmp(c->optimizer, "adam") && strcmp(c->optimizer, "sgd")) {
        fprintf(stderr, "--optimizer: adam or sgd\n");
        return -1;
    }
    if (strcmp(c->dataset, "cifar10") && strcmp(c->dataset, "svhn")) {
        fprintf(stderr, "--dataset: cifar10 or svhn\n");
        return -1;
    }
    if (c->batch <= 0 || c->epochs < 0 || c->bench < 0) {
        fprintf(stderr, "--batch must be positive, --epochs and --bench not negative\n");
        return -1;
    }
    if (!wd_set) c->wd = strcmp(c->optimizer, "sgd") == 0 ? 5e-4f : 0.0f;
    return 0;
}

/* ---- bench --------------------------------------------------------------- */

static int bench(const config *c, hn_resnet *m, hn_optim *opt, const dataset *train)
{
    int n = c->batch, steps = c->bench, s, i;
    size_t px = (size_t)n * PIXELS;
    float *x = (float *)malloc(px * sizeof(float)), *xa = (float *)malloc(px * sizeof(float));
    int *y = (int *)malloc((size_t)n * sizeof(int));
    double *t = (double *)malloc(((size_t)steps + 8) * sizeof(double));
    double *tg = (double *)malloc(((size_t)steps + 8) * sizeof(double));
    double step_s, infer_s, gen_s = 0.0;
    hn_rng rng;
    FILE *f;
    if (!x || !xa || !y || !t || !tg) return 1;
    hn_rng_seed(&rng, c->seed);
    if (train && train->n >= n) {
        memcpy(x, train->images, px * sizeof(float));
        memcpy(y, train->labels, (size_t)n * sizeof(int));
    } else {
        hn_rng_fill_normal(&rng, x, px, 0.0f, 1.0f);
        for (i = 0; i < n; i++) y[i] = (int)hn_rng_below(&rng, 10);
    }
    for (s = -2; s < steps; s++) {
        double t0 = now_seconds();
        hn_augment_crop_flip(n, 3, IMG, IMG, 4, 1, x, xa, &rng);
        hn_params_zero_grad(&m->ps);
        hn_resnet_forward(m, n, xa, 1);
        hn_resnet_loss(m, n, y, NULL);
        hn_resnet_backward(m, n, y);
        hn_optim_step(opt, &m->ps, 1e-4f);
        if (s >= 0) t[s] = now_seconds() - t0;
    }
    step_s = median(t, steps);
    if (c->hyper) {
        for (s = 0; s < 5; s++) tg[s] = time_generator(m);
        gen_s = median(tg, 5);
    }
    /* Inference as deployed: kernels generated once, before the batches. */
    hn_resnet_fix_kernels(m);
    for (s = -1; s < 5; s++) {
        double t0 = now_seconds();
        hn_resnet_forward(m, n, x, 0);
        if (s >= 0) t[s] = now_seconds() - t0;
    }
    infer_s = median(t, 5);
    printf("bench %s %s batch %d: train %.1f ms/step, %.1f images/s; inference "
           "%.1f images/s; peak RSS %.0f MiB\n", c->model, c->hyper ? "hyper" : "plain",
           n, 1e3 * step_s, n / step_s, n / infer_s, peak_rss_mib());
    if (c->hyper)
        printf("hypernetwork (generate + backward, all layers): %.2f ms = %.1f%% of "
               "a step\n", 1e3 * gen_s, 100.0 * gen_s / step_s);
    if ((f = open_out(c, "summary.json", "w"))) {
        fprintf(f, "{\"mode\": \"bench\", \"model\": \"%s\", \"hyper\": %d, \"batch\": "
                "%d, \"steps\": %d, \"step_ms\": %.3f, \"images_per_sec\": %.2f, "
                "\"inference_images_per_sec\": %.2f, \"hyper_share\": %.4f, "
                "\"params_total\": %zu, \"peak_rss_mib\": %.1f}\n", c->model, c->hyper,
                n, steps, 1e3 * step_s, n / step_s, n / infer_s,
                c->hyper ? gen_s / step_s : 0.0, m->ps.nparams, peak_rss_mib());
        fclose(f);
    }
    free(x);
    free(xa);
    free(y);
    free(t);
    free(tg);
    return 0;
}

/* ---- main ---------------------------------------------------------------- */

int main(int argc, char **argv)
{
    config c;
    hn_resnet_config rc;
    hn_resnet m;
    hn_optim opt;
    hn_schedule sched;
    hn_rng rng;
    dataset train, test;
    int have_data = 0, p, epoch, i, *order = NULL, flip;
    float *xb = NULL, *xg = NULL;
    int *yb = NULL;
    double t_train = 0.0, err = 1.0, loss = 0.0;
    long images = 0;
    FILE *f, *hist = NULL;

    if (parse(argc, argv, &c)) return 2;
#ifdef _OPENMP
    if (c.threads > 0) omp_set_num_threads(c.threads);
#endif
    memset(&train, 0, sizeof train);
    memset(&test, 0, sizeof test);
    /* SVHN's digits must not be mirrored; CIFAR-10's objects may be. */
    flip = strcmp(c.dataset, "cifar10") == 0;
    if (c.data) {
        int bad = flip ? load_cifar(&train, c.data, "data_batch", c.max_train) ||
                             load_cifar(&test, c.data, "test_batch", 0)
                       : load_svhn(&train, c.data, "train_32x32.mat", c.max_train) ||
                             load_svhn(&test, c.data, "test_32x32.mat", 0);
        if (bad) {
            fprintf(stderr, "%s: no %s data readable\n", c.data, c.dataset);
            return 1;
        }
        normalize(&train, &test);
        have_data = 1;
        printf("%s: %d training, %d test images from %s\n", c.dataset, train.n, test.n,
               c.data);
    } else if (!c.bench) {
        fprintf(stderr, "--data DIR is needed to train (or --bench N)\n");
        return 2;
    }

    rc = strcmp(c.model, "wrn-40-2") == 0 ? hn_resnet_config_wrn(40, 2, c.hyper)
                                           : hn_resnet_config_bottleneck(50, c.hyper);
    rc.max_batch = c.batch;
    if (hn_resnet_init(&m, &rc) != HN_OK) {
        fprintf(stderr, "model: %s\n", hn_error());
        return 1;
    }
    hn_rng_seed(&rng, c.seed);
    hn_resnet_init_weights(&m, &rng);
    printf("%s %s:", c.model, c.hyper ? "hyper" : "plain");
    for (p = 0; p < HN_RESNET_NPARTS; p++)
        if (m.part[p]) printf(" %s %zu,", hn_resnet_part_name(p), m.part[p]);
    printf(" total %zu parameters\n", m.ps.nparams);

    if (strcmp(c.optimizer, "adam") == 0) hn_optim_init_adam(&opt, &m.ps, 0.9f, 0.999f, 1e-8f);
    else hn_optim_init_sgd(&opt, &m.ps, 0.9f, 1);
    hn_optim_set_weight_decay(&opt, c.wd, HN_DECAY_L2);
    if (c.out && make_dirs(c.out) != 0) {
        fprintf(stderr, "%s: %s\n", c.out, strerror(errno));
        return 1;
    }
    if ((f = open_out(&c, "config.json", "w"))) {
        fprintf(f, "{\"model\": \"%s\", \"hyper\": %d, \"dataset\": \"%s\", \"data\": "
                "\"%s\", \"epochs\": %d, \"batch\": %d, \"optimizer\": \"%s\", "
                "\"weight_decay\": %g, \"max_train\": %d, \"seed\": %llu, \"n_z\": %d, "
                "\"tile\": %d, \"bench\": %d}\n", c.model, c.hyper, c.dataset,
                c.data ? c.data : "", c.epochs, c.batch, c.optimizer, c.wd, c.max_train,
                (unsigned long long)c.seed, rc.n_z, rc.tile, c.bench);
        fclose(f);
    }
    if (c.bench) {
        int r = bench(&c, &m, &opt, have_data ? &train : NULL);
        hn_optim_free(&opt);
        hn_resnet_free(&m);
        dataset_free(&train);
        dataset_free(&test);
        return r;
    }

    order = (int *)malloc((size_t)train.n * sizeof(int));
    xb = (float *)malloc((size_t)c.batch * PIXELS * sizeof(float));
    xg = (float *)malloc((size_t)c.batch * PIXELS * sizeof(float));
    yb = (int *)malloc((size_t)c.batch * sizeof(int));
    if (!order || !xb || !xg || !yb) return 1;
    for (i = 0; i < train.n; i++) order[i] = i;
    sched = make_schedule(&c, (int64_t)c.epochs * ((train.n + c.batch - 1) / c.batch));
    hist = open_out(&c, "history.jsonl", "w");

    for (epoch = 1; epoch <= c.epochs; epoch++) {
        double t0 = now_seconds(), sum = 0.0, et;
        int correct = 0, seen = 0, b;
        hn_rng_shuffle(&rng, order, train.n);
        for (b = 0; b < train.n; b += c.batch) {
            int n = train.n - b < c.batch ? train.n - b : c.batch, hit = 0, k;
            float l;
            /* Gather the shuffled batch, then augment it into xb. */
            for (k = 0; k < n; k++) {
                memcpy(xg + (size_t)k * PIXELS,
                       train.images + (size_t)order[b + k] * PIXELS, PIXELS * sizeof(float));
                yb[k] = train.labels[order[b + k]];
            }
            hn_augment_crop_flip(n, 3, IMG, IMG, 4, flip, xg, xb, &rng);
            hn_params_zero_grad(&m.ps);
            hn_resnet_forward(&m, n, xb, 1);
            l = hn_resnet_loss(&m, n, yb, &hit);
            hn_resnet_backward(&m, n, yb);
            hn_optim_step(&opt, &m.ps, hn_schedule_lr(&sched, opt.step));
            sum += (double)l * n;
            correct += hit;
            seen += n;
            if ((b / c.batch) % 10 == 0)
                printf("epoch %d step %d: loss %.3f (%.0f ms/step)\n", epoch, b / c.batch,
                       l, 1e3 * (now_seconds() - t0) / (b / c.batch + 1));
            fflush(stdout);
        }
        et = now_seconds() - t0;
        t_train += et;
        images += seen;
        err = evaluate(&m, &test, c.batch, &loss);
        printf("epoch %d: train loss %.4f, train error %.4f, test loss %.4f, test error "
               "%.4f (%.0f s, %.1f images/s)\n", epoch, sum / seen,
               1.0 - (double)correct / seen, loss, err, et, seen / et);
        if (hist) {
            fprintf(hist, "{\"epoch\": %d, \"train_loss\": %.5f, \"train_error\": %.5f, "
                    "\"test_loss\": %.5f, \"test_error\": %.5f, \"seconds\": %.2f, "
                    "\"lr\": %g}\n", epoch, sum / seen, 1.0 - (double)correct / seen, loss,
                    err, et, hn_schedule_lr(&sched, opt.step));
            fflush(hist);
        }
        save_checkpoint(&c, &m, &opt, &rng, epoch);
    }
    if (hist) fclose(hist);
    printf("test error %.4f, %zu parameters, %.1f images/s, peak RSS %.0f MiB\n", err,
           m.ps.nparams, images / (t_train > 0 ? t_train : 1), peak_rss_mib());
    if ((f = open_out(&c, "summary.json", "w"))) {
        fprintf(f, "{\"model\": \"%s\", \"hyper\": %d, \"test_error\": %.5f, "
                "\"test_loss\": %.5f, \"params_total\": %zu, \"epochs\": %d, "
                "\"train_seconds\": %.1f, \"images_per_sec\": %.2f, \"peak_rss_mib\": "
                "%.1f}\n", c.model, c.hyper, err, loss, m.ps.nparams, c.epochs, t_train,
                images / (t_train > 0 ? t_train : 1), peak_rss_mib());
        fclose(f);
    }
    free(order);
    free(xg);
    free(xb);
    free(yb);
    hn_optim_free(&opt);
    hn_resnet_free(&m);
    dataset_free(&train);
    dataset_free(&test);
    return 0;
}
