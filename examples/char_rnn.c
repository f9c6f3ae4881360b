/* char_rnn.c - character language models: LSTM, LN-LSTM, HyperLSTM and
   LN-HyperLSTM (Ha, Dai and Le 2016, section 4.2), trained with truncated
   backpropagation through time.

   Train on one text file split 90/5/5, or on Penn Treebank's character
   files (plain or gzipped; their symbols are separated by spaces, which
   are dropped, '_' marks a word boundary, a newline ends a sentence):

      build/char_rnn train --data input.txt --model ln-hyperlstm --out runs/a
      build/char_rnn train --train ptb.char.train.txt.gz \
                           --valid ptb.char.valid.txt.gz --test ... --out runs/p
      build/char_rnn train --resume runs/a/last.ckpt --out runs/a --steps 4000
      build/char_rnn train --data input.txt --bench 10 --out runs/bench
      build/char_rnn generate --checkpoint runs/a/best.ckpt --prime "ROMEO:" \
                              --length 500 --temperature 0.8 --seed 1

   The run folder gets config.json, history.jsonl (one line per
   evaluation), best.ckpt and last.ckpt, samples/sample_step_N.txt at every
   evaluation and summary.json at the end. Losses are printed in nats per
   character and in bits per character (bpc = nats / ln 2).

   --dropout is the probability of DROPPING a unit (recurrent dropout on the
   cell input tanh(g)); 0 turns it off.

   A resumed run continues exactly as if it had not stopped: the checkpoint
   holds the weights, Adam's moments and step, the dropout generator, the
   carried hidden state and the position in the data. */
#include "util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_DATA_BYTES ((size_t)1 << 30)
#define LN2 0.69314718055994530942

typedef struct options {
    const char *cmd;
    const char *data, *train, *valid, *test, *out, *resume;
    const char *checkpoint, *prime;
    char model[32];
    int steps, batch, seq, embed, hidden, hyper_hidden, hyper_embed;
    int eval_every, log_every, bench, length, sample_length;
    float dropout, lr, lr_decay, min_lr, clip, forget_bias, temperature;
    uint64_t seed;
} options;

typedef struct corpus {
    int vocab;
    unsigned char symbols[256];   /* token id -> byte */
    int id[256];                  /* byte -> token id, -1 if absent */
    int *split[3];                /* train, valid, test as token ids */
    size_t len[3];
} corpus;

static void defaults(options *o)
{
    memset(o, 0, sizeof *o);
    strcpy(o->model, "ln-hyperlstm");
    o->steps = 1000;
    o->batch = 32;
    o->seq = 100;
    o->embed = 64;
    o->hidden = 256;
    o->hyper_hidden = 64;
    o->hyper_embed = 4;
    o->eval_every = 200;
    o->log_every = 20;
    o->dropout = 0.0f;
    o->lr = 0.002f;
    o->lr_decay = 1.0f;
    o->min_lr = 0.0f;
    o->clip = 1.0f;
    o->forget_bias = 1.0f;
    o->temperature = 1.0f;
    o->length = 500;
    o->sample_length = 300;
    o->seed = 1;
    o->prime = "\n";
}

static void usage(FILE *f)
{
    fputs("usage: char_rnn train [options] | char_rnn generate [options]\n"
          "train:\n"
          "  --data FILE           one text file, split 90/5/5 into train/valid/test\n"
          "  --train/--valid/--test FILE   Penn Treebank character files (.gz ok)\n"
          "  --model NAME          lstm | ln-lstm | hyperlstm | ln-hyperlstm"
          " (ln-hyperlstm)\n"
          "  --steps N             training steps (1000)\n"
          "  --batch N --seq N     streams per batch (32), BPTT length (100)\n"
          "  --embed N --hidden N  embedding (64) and hidden (256) widths\n"
          "  --hyper-hidden N      hyper cell units (64)\n"
          "  --hyper-embed N       N_z, the hyper embedding width (4)\n"
          "  --dropout P           recurrent dropout: probability of DROPPING a unit"
          " (0)\n"
          "  --lr X --lr-decay F --min-lr X   Adam rate, per-step decay factor, floor\n"
          "  --clip X              clip the global gradient norm to X (1; 0 = off)\n"
          "  --eval-every N        validate, sample and checkpoint every N steps (200)\n"
          "  --log-every N         progress line every N steps (20)\n"
          "  --seed S              seed of every initialisation and of dropout (1)\n"
          "  --out DIR             run folder (required)\n"
          "  --resume CKPT         continue a run from its checkpoint\n"
          "  --bench N             time N steps after 2 warm-up steps; no evaluation\n"
          "generate:\n"
          "  --checkpoint CKPT --prime TEXT --length N --temperature T --seed S\n",
          f);
}

static int parse_args(options *o, int argc, char **argv)
{
    int i;
    if (argc < 2) return -1;
    o->cmd = argv[1];
    if (strcmp(o->cmd, "train") && strcmp(o->cmd, "generate")) return -1;
    for (i = 2; i < argc; i++) {
        const char *k = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(k, "--help")) return -1;
        if (!v) {
            fprintf(stderr, "char_rnn: %s needs a value\n", k);
            return -1;
        }
        i++;
        if (!strcmp(k, "--data")) o->data = v;
        else if (!strcmp(k, "--train")) o->train = v;
        else if (!strcmp(k, "--valid")) o->valid = v;
        else if (!strcmp(k, "--test")) o->test = v;
        else if (!strcmp(k, "--out")) o->out = v;
        else if (!strcmp(k, "--resume")) o->resume = v;
        else if (!strcmp(k, "--checkpoint")) o->checkpoint = v;
        else if (!strcmp(k, "--prime")) o->prime = v;
        else if (!strcmp(k, "--model")) {
            if (hn_lstm_kind_parse(v) < 0) {
                fprintf(stderr, "char_rnn: unknown model '%s'\n", v);
                return -1;
            }
            strcpy(o->model, v);
        }
        else if (!strcmp(k, "--steps")) o->steps = atoi(v);
        else if (!strcmp(k, "--batch")) o->batch = atoi(v);
        else if (!strcmp(k, "--seq")) o->seq = atoi(v);
        else if (!strcmp(k, "--embed")) o->embed = atoi(v);
        else if (!strcmp(k, "--hidden")) o->hidden = atoi(v);
        else if (!strcmp(k, "--hyper-hidden")) o->hyper_hidden = atoi(v);
        else if (!strcmp(k, "--hyper-embed")) o->hyper_embed = atoi(v);
        else if (!strcmp(k, "--eval-every")) o->eval_every = atoi(v);
        else if (!strcmp(k, "--log-every")) o->log_every = atoi(v);
        else if (!strcmp(k, "--bench")) o->bench = atoi(v);
        else if (!strcmp(k, "--length")) o->length = atoi(v);
        else if (!strcmp(k, "--dropout")) o->dropout = (float)atof(v);
        else if (!strcmp(k, "--lr")) o->lr = (float)atof(v);
        else if (!strcmp(k, "--lr-decay")) o->lr_decay = (float)atof(v);
        else if (!strcmp(k, "--min-lr")) o->min_lr = (float)atof(v);
        else if (!strcmp(k, "--clip")) o->clip = (float)atof(v);
        else if (!strcmp(k, "--temperature")) o->temperature = (float)atof(v);
        else if (!strcmp(k, "--seed")) o->seed = strtoull(v, NULL, 10);
        else {
            fprintf(stderr, "char_rnn: unknown option %s\n", k);
            return -1;
        }
    }
    if (o->steps < 1 || o->batch < 1 || o->seq < 1 || o->eval_every < 1 ||
        o->log_every < 1 || o->length < 0 || o->bench < 0) {
        fprintf(stderr, "char_rnn: sizes and counts must be positive\n");
        return -1;
    }
    if (!(o->dropout >= 0.0f && o->dropout < 1.0f)) {
        fprintf(stderr, "char_rnn: --dropout is a drop probability in [0, 1)\n");
        return -1;
    }
    if (!(o->temperature > 0.0f)) {
        fprintf(stderr, "char_rnn: --temperature must be positive\n");
        return -1;
    }
    return 0;
}

/* ---- data ---- */

/* A whole file, gunzipped when it starts with the gzip magic. */
static int load_bytes(const char *path, unsigned char **out, size_t *len)
{
    unsigned char *raw;
    size_t n;
    if (hn_read_file(path, MAX_DATA_BYTES, &raw, &n) != HN_OK) {
        fprintf(stderr, "char_rnn: %s\n", hn_error());
        return -1;
    }
    if (hn_is_gzip(raw, n)) {
        unsigned char *plain;
        size_t plen;
        hn_status st = hn_gunzip(raw, n, MAX_DATA_BYTES, &plain, &plen);
        hn_free(raw);
        if (st != HN_OK) {
            fprintf(stderr, "char_rnn: %s: %s\n", path, hn_error());
            return -1;
        }
        raw = plain;
        n = plen;
    }
    *out = raw;
    *len = n;
    return 0;
}

/* Penn Treebank's character files separate symbols by spaces: keep every
   other byte, and the newlines. Returns the new length. */
static size_t ptb_symbols(unsigned char *b, size_t n)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++)
        if (b[i] != ' ' && b[i] != '\r') b[k++] = b[i];
    return k;
}

/* The vocabulary is every byte that occurs in any split, in byte order, so
   that the token ids do not depend on which split a symbol first shows up
   in. */
static void build_vocab(corpus *c, unsigned char *const *bytes, const size_t *lens)
{
    int seen[256] = {0}, b, s;
    size_t i;
    for (s = 0; s < 3; s++)
        for (i = 0; i < lens[s]; i++) seen[bytes[s][i]] = 1;
    c->vocab = 0;
    for (b = 0; b < 256; b++) {
        c->id[b] = -1;
        if (seen[b]) {
            c->symbols[c->vocab] = (unsigned char)b;
            c->id[b] = c->vocab++;
        }
    }
}

static int to_tokens(corpus *c, int s, const unsigned char *b, size_t n)
{
    size_t i;
    c->split[s] = (int *)malloc((n ? n : 1) * sizeof(int));
    if (!c->split[s]) return -1;
    for (i = 0; i < n; i++) c->split[s][i] = c->id[b[i]];
    c->len[s] = n;
    return 0;
}

static int load_corpus(const options *o, corpus *c)
{
    unsigned char *bytes[3] = {NULL, NULL, NULL};
    size_t lens[3] = {0, 0, 0};
    int s, rc = -1;
    memset(c, 0, sizeof *c);
    if (o->data) {
        unsigned char *all;
        size_t n, a, b;
        if (load_bytes(o->data, &all, &n)) return -1;
        a = n / 10 * 9;
        b = a + n / 20;
        bytes[0] = all;
        bytes[1] = all + a;
        bytes[2] = all + b;
        lens[0] = a;
        lens[1] = b - a;
        lens[2] = n - b;
        build_vocab(c, bytes, lens);
        rc = 0;
        for (s = 0; s < 3 && rc == 0; s++) rc = to_tokens(c, s, bytes[s], lens[s]);
        hn_free(all);
    } else if (o->train && o->valid && o->test) {
        const char *paths[3];
        paths[0] = o->train;
        paths[1] = o->valid;
        paths[2] = o->test;
        for (s = 0; s < 3; s++) {
            if (load_bytes(paths[s], &bytes[s], &lens[s])) goto done;
            lens[s] = ptb_symbols(bytes[s], lens[s]);
        }
        build_vocab(c, bytes, lens);
        rc = 0;
        for (s = 0; s < 3 && rc == 0; s++) rc = to_tokens(c, s, bytes[s], lens[s]);
    done:
        for (s = 0; s < 3; s++) hn_free(bytes[s]);
    } else {
        fprintf(stderr, "char_rnn: give --data FILE or all of --train/--valid/--test\n");
        return -1;
    }
    if (rc == 0 && (c->len[0] < (size_t)o->batch * (o->seq + 1) ||
                    c->len[1] < (size_t)o->batch * 2 || c->len[2] < (size_t)o->batch * 2)) {
        fprintf(stderr, "char_rnn: the data is too short for batch %d x seq %d\n",
                o->batch, o->seq);
        rc = -1;
    }
    return rc;
}

static void free_corpus(corpus *c)
{
    int s;
    for (s = 0; s < 3; s++) free(c->split[s]);
}

/* Batch b reads stream b, the b-th of `batch` equal slices of the split:
   tokens[t][b] = data[b * L + pos + t], targets one further. */
static void fill_batch(const int *data, size_t L, int batch, int seq, size_t pos,
                       int *tokens, int *targets)
{
    int t, b;
    for (t = 0; t < seq; t++)
        for (b = 0; b < batch; b++) {
            size_t i = (size_t)b * L + pos + (size_t)t;
            tokens[t * batch + b] = data[i];
            targets[t * batch + b] = data[i + 1];
        }
}

/* ---- the model and its checkpoint ---- */

typedef struct run {
    options o;
    corpus c;
    hn_params ps;
    hn_charlm lm, eval, gen;
    hn_optim opt;
    hn_schedule sched;
    hn_rng drop_rng;
    int64_t step;
    uint64_t pos;              /* offset of the next batch inside each stream */
    double best_val;           /* nats, or HUGE_VAL */
    int64_t best_step;
    double train_seconds;      /* training only, evaluation excluded */
    int64_t train_chars;
} run;

static hn_lstm_config cell_config(const options *o)
{
    hn_lstm_config cfg = hn_lstm_config_default((hn_lstm_kind)hn_lstm_kind_parse(o->model),
                                                o->embed, o->hidden);
    cfg.hyper_hidden = o->hyper_hidden;
    cfg.hyper_embed = o->hyper_embed;
    cfg.drop = o->dropout;
    cfg.forget_bias = o->forget_bias;
    return cfg;
}

static int build_model(run *r, int with_optimizer)
{
    hn_lstm_config cfg = cell_config(&r->o);
    hn_params_init(&r->ps);
    if (hn_charlm_declare(&r->lm, &r->ps, r->c.vocab, &cfg) != HN_OK ||
        hn_params_alloc(&r->ps) != HN_OK || hn_charlm_init(&r->lm, &r->ps, r->o.seed) != HN_OK)
        goto fail;
    if (with_optimizer) {
        if (hn_charlm_setup(&r->lm, r->o.batch, r->o.seq) != HN_OK) goto fail;
        hn_charlm_twin(&r->eval, &r->lm);
        if (hn_charlm_setup(&r->eval, r->o.batch, r->o.seq) != HN_OK) goto fail;
        if (hn_optim_init_adam(&r->opt, &r->ps, 0.9f, 0.999f, 1e-8f) != HN_OK) goto fail;
        r->sched = hn_schedule_exponential(r->o.lr, r->o.lr_decay, r->o.min_lr);
    }
    hn_charlm_twin(&r->gen, &r->lm);
    if (hn_charlm_setup(&r->gen, 1, 1) != HN_OK) goto fail;
    return 0;
fail:
    fprintf(stderr, "char_rnn: %s\n", hn_error());
    return -1;
}

static void free_run(run *r)
{
    hn_charlm_free(&r->gen);
    hn_charlm_free(&r->eval);
    hn_charlm_free(&r->lm);
    hn_optim_free(&r->opt);
    hn_params_free(&r->ps);
    free_corpus(&r->c);
}

/* The configuration line a checkpoint carries: enough to rebuild the model
   and continue the run. */
static void config_line(const options *o, char *buf, size_t cap)
{
    snprintf(buf, cap,
             "char_rnn 1 model=%s embed=%d hidden=%d hyper_hidden=%d hyper_embed=%d "
             "dropout=%.9g forget_bias=%.9g batch=%d seq=%d lr=%.9g lr_decay=%.9g "
             "min_lr=%.9g clip=%.9g seed=%llu",
             o->model, o->embed, o->hidden, o->hyper_hidden, o->hyper_embed,
             (double)o->dropout, (double)o->forget_bias, o->batch, o->seq, (double)o->lr,
             (double)o->lr_decay, (double)o->min_lr, (double)o->clip,
             (unsigned long long)o->seed);
}

/* Read back what config_line wrote; the model's shape and training
   settings come from the checkpoint, not from the command line. */
static int parse_config_line(options *o, const char *line)
{
    char model[32];
    unsigned long long seed;
    if (sscanf(line,
               "char_rnn 1 model=%31s embed=%d hidden=%d hyper_hidden=%d hyper_embed=%d "
               "dropout=%f forget_bias=%f batch=%d seq=%d lr=%f lr_decay=%f min_lr=%f "
               "clip=%f seed=%llu",
               model, &o->embed, &o->hidden, &o->hyper_hidden, &o->hyper_embed, &o->dropout,
               &o->forget_bias, &o->batch, &o->seq, &o->lr, &o->lr_decay, &o->min_lr,
               &o->clip, &seed) != 14 || hn_lstm_kind_parse(model) < 0) {
        fprintf(stderr, "char_rnn: the checkpoint's configuration is not char_rnn's\n");
        return -1;
    }
    strcpy(o->model, model);
    o->seed = seed;
    return 0;
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static double bits_double(uint64_t u)
{
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

static int save_checkpoint(run *r, const char *path, int training_state)
{
    hn_ckpt_writer w;
    char cfg[512];
    int shape[1];
    config_line(&r->o, cfg, sizeof cfg);
    hn_ckpt_begin(&w, cfg);
    hn_ckpt_add_blob(&w, "vocab", r->c.symbols, (size_t)r->c.vocab);
    hn_ckpt_add_params(&w, &r->ps, r->ps.data, "");
    if (training_state) {
        shape[0] = (int)r->lm.rnn.state_size;
        hn_ckpt_add_params(&w, &r->ps, r->opt.m, "adam.m/");
        hn_ckpt_add_params(&w, &r->ps, r->opt.v, "adam.v/");
        hn_ckpt_add_u64(&w, "adam.step", (uint64_t)r->opt.step);
        hn_ckpt_add_u64(&w, "step", (uint64_t)r->step);
        hn_ckpt_add_u64(&w, "pos", r->pos);
        hn_ckpt_add_u64(&w, "best_val", double_bits(r->best_val));
        hn_ckpt_add_u64(&w, "best_step", (uint64_t)r->best_step);
        hn_ckpt_add_u64(&w, "train_chars", (uint64_t)r->train_chars);
        hn_ckpt_add_u64(&w, "train_ms", (uint64_t)(r->train_seconds * 1000.0));
        hn_ckpt_add_rng(&w, "drop_rng", &r->drop_rng);
        hn_ckpt_add_tensor(&w, "carried_state", 1, shape, r->lm.rnn.state);
    }
    if (hn_ckpt_finish_file(&w, path) != HN_OK) {
        fprintf(stderr, "char_rnn: saving %s: %s\n", path, hn_error());
        return -1;
    }
    return 0;
}

/* Open a checkpoint, take its configuration and vocabulary into r (the
   model is not built yet). */
static int open_checkpoint(hn_ckpt *ck, const char *path, options *o, corpus *c)
{
    const hn_ckpt_entry *e;
    int i;
    if (hn_ckpt_open_file(ck, path, MAX_DATA_BYTES) != HN_OK) {
        fprintf(stderr, "char_rnn: %s\n", hn_error());
        return -1;
    }
    if (parse_config_line(o, ck->config)) return -1;
    e = hn_ckpt_find(ck, "vocab");
    if (!e || e->size < 2 || e->size > 256 ||
        hn_ckpt_read_blob(ck, "vocab", c->symbols, e->size) != HN_OK) {
        fprintf(stderr, "char_rnn: %s has no usable vocabulary\n", path);
        return -1;
    }
    c->vocab = (int)e->size;
    for (i = 0; i < 256; i++) c->id[i] = -1;
    for (i = 0; i < c->vocab; i++) c->id[c->symbols[i]] = i;
    return 0;
}

static int restore_training_state(run *r, const hn_ckpt *ck)
{
    uint64_t v[7];
    int shape[1];
    shape[0] = (int)r->lm.rnn.state_size;
    if (hn_ckpt_read_params(ck, &r->ps, r->ps.data, "") != HN_OK ||
        hn_ckpt_read_params(ck, &r->ps, r->opt.m, "adam.m/") != HN_OK ||
        hn_ckpt_read_params(ck, &r->ps, r->opt.v, "adam.v/") != HN_OK ||
        hn_ckpt_read_u64(ck, "adam.step", &v[0]) != HN_OK ||
        hn_ckpt_read_u64(ck, "step", &v[1]) != HN_OK ||
        hn_ckpt_read_u64(ck, "pos", &v[2]) != HN_OK ||
        hn_ckpt_read_u64(ck, "best_val", &v[3]) != HN_OK ||
        hn_ckpt_read_u64(ck, "best_step", &v[4]) != HN_OK ||
        hn_ckpt_read_u64(ck, "train_chars", &v[5]) != HN_OK ||
        hn_ckpt_read_u64(ck, "train_ms", &v[6]) != HN_OK ||
        hn_ckpt_read_rng(ck, "drop_rng", &r->drop_rng) != HN_OK ||
        hn_ckpt_read_tensor(ck, "carried_state", 1, shape, r->lm.rnn.state) != HN_OK) {
        fprintf(stderr, "char_rnn: cannot resume: %s\n", hn_error());
        return -1;
    }
    r->opt.step = (int64_t)v[0];
    r->step = (int64_t)v[1];
    r->pos = v[2];
    r->best_val = bits_double(v[3]);
    r->best_step = (int64_t)v[4];
    r->train_chars = (int64_t)v[5];
    r->train_seconds = (double)v[6] / 1000.0;
    return 0;
}

/* ---- evaluation and sampling ---- */

/* Mean loss in nats per character over a whole split, read as `batch`
   parallel streams from a zero state, without dropout. */
static double evaluate(run *r, int split)
{
    const int B = r->o.batch, T = r->o.seq;
    size_t L = (r->c.len[split] - 1) / (size_t)B, pos = 0;
    int *tok = (int *)malloc(sizeof(int) * 2 * (size_t)B * T);
    double sum = 0.0;
    size_t count = 0;
    if (!tok) return HUGE_VAL;
    hn_lstm_reset_state(&r->eval.rnn);
    while (pos + 1 < L) {
        int steps = (int)(L - 1 - pos < (size_t)T ? L - 1 - pos : (size_t)T);
        float loss;
        fill_batch(r->c.split[split], L, B, steps, pos, tok, tok + B * T);
        loss = hn_charlm_forward(&r->eval, &r->ps, tok, tok + B * T, steps, NULL, NULL);
        sum += (double)loss * steps * B;
        count += (size_t)steps * B;
        pos += (size_t)steps;
    }
    free(tok);
    return count ? sum / (double)count : HUGE_VAL;
}

/* One token from softmax(logits / temperature). */
static int sample_token(const float *logits, int V, float temperature, hn_rng *rng)
{
    double mx = -HUGE_VAL, total = 0.0, u;
    double p[256];
    int i;
    for (i = 0; i < V; i++) mx = logits[i] > mx ? logits[i] : mx;
    for (i = 0; i < V; i++) total += p[i] = exp(((double)logits[i] - mx) / temperature);
    u = hn_rng_uniform(rng) * total;
    for (i = 0; i < V - 1; i++) {
        if (u < p[i]) return i;
        u -= p[i];
    }
    return V - 1;
}

/* Feed the prime, then draw n characters into out (n + 1 bytes). */
static void generate(run *r, const char *prime, int n, float temperature, uint64_t seed,
                     FILE *out)
{
    hn_rng rng;
    int tok = 0, i, fed = 0;
    const char *p;
    hn_rng_seed(&rng, seed);
    hn_lstm_reset_state(&r->gen.rnn);
    for (p = prime; *p; p++) {
        int id = r->c.id[(unsigned char)*p];
        if (id < 0) continue;   /* a symbol the model never saw */
        tok = id;
        hn_charlm_forward(&r->gen, &r->ps, &tok, NULL, 1, NULL, NULL);
        fed = 1;
    }
    if (!fed) hn_charlm_forward(&r->gen, &r->ps, &tok, NULL, 1, NULL, NULL);
    for (i = 0; i < n; i++) {
        tok = sample_token(r->gen.logits, r->c.vocab, temperature, &rng);
        fputc(r->c.symbols[tok], out);
        hn_charlm_forward(&r->gen, &r->ps, &tok, NULL, 1, NULL, NULL);
    }
}

/* ---- training ---- */

static void path_join(char *buf, size_t cap, const char *dir, const char *name)
{
    snprintf(buf, cap, "%s/%s", dir, name);
}

static int make_dir(const char *path)
{
    if (make_dirs(path) != 0) {
        fprintf(stderr, "char_rnn: cannot create %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void write_config_json(const run *r, const char *path)
{
    const options *o = &r->o;
    FILE *f = fopen(path, "w");
    if (!f) return;
    fprintf(f,
            "{\"model\": \"%s\", \"vocab\": %d, \"params\": %zu, \"embed\": %d, "
            "\"hidden\": %d, \"hyper_hidden\": %d, \"hyper_embed\": %d, "
            "\"dropout_drop_probability\": %g, \"forget_bias\": %g, \"batch\": %d, "
            "\"seq\": %d, \"steps\": %d, \"lr\": %g, \"lr_decay\": %g, \"min_lr\": %g, "
            "\"clip\": %g, \"eval_every\": %d, \"seed\": %llu, \"data\": \"%s\", "
            "\"train\": \"%s\", \"valid\": \"%s\", \"test\": \"%s\", "
            "\"train_chars\": %zu, \"valid_chars\": %zu, \"test_chars\": %zu}\n",
            o->model, r->c.vocab, r->ps.nparams, o->embed, o->hidden,
            o->hyper_hidden, o->hyper_embed, (double)o->dropout, (double)o->forget_bias,
            o->batch, o->seq, o->steps, (double)o->lr, (double)o->lr_decay,
            (double)o->min_lr, (double)o->clip, o->eval_every,
            (unsigned long long)o->seed, o->data ? o->data : "",
            o->train ? o->train : "", o->valid ? o->valid : "", o->test ? o->test : "",
            r->c.len[0], r->c.len[1], r->c.len[2]);
    fclose(f);
}

static void format_duration(double s, char *buf, size_t cap)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
}

/* One training step on the next batch; returns the mean loss in nats. */
static float train_step(run *r, int *tok)
{
    const int B = r->o.batch, T = r->o.seq;
    size_t L = (r->c.len[0] - 1) / (size_t)B;
    float loss, lr;
    /* at the end of the streams, wrap around and start from a zero state */
    if (r->pos + (size_t)T >= L) {
        r->pos = 0;
        hn_lstm_reset_state(&r->lm.rnn);
    }
    fill_batch(r->c.split[0], L, B, T, (size_t)r->pos, tok, tok + B * T);
    hn_params_zero_grad(&r->ps);
    loss = hn_charlm_forward(&r->lm, &r->ps, tok, tok + B * T, T,
                             r->o.dropout > 0.0f ? &r->drop_rng : NULL, NULL);
    hn_charlm_backward(&r->lm, &r->ps);
    if (r->o.clip > 0.0f) hn_clip_grad_norm(&r->ps, r->o.clip);
    lr = hn_schedule_lr(&r->sched, r->opt.step);
    hn_optim_step(&r->opt, &r->ps, lr);
    r->pos += (uint64_t)T;
    r->step++;
    return loss;
}

static int cmd_train(options *o)
{
    run r;
    char path[4096], cfg_path[4096];
    int *tok = NULL, rc = 1;
    FILE *hist = NULL;
    float *best = NULL;
    double t_start, run_loss = 0.0;
    int run_n = 0;
    hn_ckpt ck;
    int have_ck = 0;
    int64_t chars_per_step;

    memset(&r, 0, sizeof r);
    memset(&ck, 0, sizeof ck);
    if (!o->out) {
        fprintf(stderr, "char_rnn: --out DIR is required\n");
        return 2;
    }
    r.o = *o;
    if (o->resume) {
        /* the model and its training settings come from the checkpoint */
        corpus keep;
        if (open_checkpoint(&ck, o->resume, &r.o, &keep)) return 1;
        have_ck = 1;
        r.o.steps = o->steps;
        r.o.eval_every = o->eval_every;
        r.o.log_every = o->log_every;
        if (load_corpus(&r.o, &r.c)) goto done;
        if (r.c.vocab != keep.vocab || memcmp(r.c.symbols, keep.symbols, (size_t)keep.vocab)) {
            fprintf(stderr, "char_rnn: the data's vocabulary is not the checkpoint's\n");
            goto done;
        }
    } else if (load_corpus(&r.o, &r.c)) {
        return 1;
    }
    chars_per_step = (int64_t)r.o.batch * r.o.seq;
    if (build_model(&r, 1)) goto done;
    hn_rng_seed(&r.drop_rng, r.o.seed + 1);
    r.best_val = HUGE_VAL;
    r.best_step = -1;
    if (have_ck && restore_training_state(&r, &ck)) goto done;
    if (make_dir(o->out)) goto done;
    path_join(path, sizeof path, o->out, "samples");
    if (!o->bench && make_dir(path)) goto done;
    path_join(cfg_path, sizeof cfg_path, o->out, "config.json");
    write_config_json(&r, cfg_path);
    tok = (int *)malloc(sizeof(int) * 2 * (size_t)chars_per_step);
    best = (float *)malloc(sizeof(float) * r.ps.total);
    if (!tok || !best) goto done;
    memcpy(best, r.ps.data, sizeof(float) * r.ps.total);
    if (have_ck && r.best_step >= 0) {
        /* the best weights so far are in best.ckpt beside the run */
        hn_ckpt bk;
        path_join(path, sizeof path, o->out, "best.ckpt");
        if (hn_ckpt_open_file(&bk, path, MAX_DATA_BYTES) == HN_OK) {
            hn_ckpt_read_params(&bk, &r.ps, best, "");
            hn_ckpt_close(&bk);
        }
    }
    printf("char_rnn: %s, %zu parameters, vocabulary %d, train/valid/test %zu/%zu/%zu"
           " chars%s\n", r.o.model, r.ps.nparams, r.c.vocab, r.c.len[0], r.c.len[1],
           r.c.len[2], have_ck ? ", resumed" : "");

    if (o->bench) {
        /* two warm-up steps, then N timed ones; no evaluation */
        double t0, dt;
        FILE *f;
        int i;
        for (i = 0; i < 2; i++) train_step(&r, tok);
        t0 = now_seconds();
        for (i = 0; i < o->bench; i++) train_step(&r, tok);
        dt = now_seconds() - t0;
        printf("bench: %d steps in %.2f s, %.0f chars/s\n", o->bench, dt,
               (double)o->bench * chars_per_step / dt);
        path_join(path, sizeof path, o->out, "summary.json");
        f = fopen(path, "w");
        if (f) {
            fprintf(f, "{\"model\": \"%s\", \"params\": %zu, \"bench_steps\": %d, "
                    "\"seconds\": %.3f, \"chars_per_sec\": %.1f}\n", r.o.model,
                    r.ps.nparams, o->bench, dt, (double)o->bench * chars_per_step / dt);
            fclose(f);
        }
        rc = 0;
        goto done;
    }

    path_join(path, sizeof path, o->out, "history.jsonl");
    hist = fopen(path, have_ck ? "a" : "w");
    if (!hist) {
        fprintf(stderr, "char_rnn: cannot write %s\n", path);
        goto done;
    }
    t_start = now_seconds();
    while (r.step < r.o.steps) {
        double t0 = now_seconds();
        float loss = train_step(&r, tok);
        r.train_seconds += now_seconds() - t0;
        r.train_chars += chars_per_step;
        run_loss += loss;
        run_n++;
        if (!(loss == loss)) {
            fprintf(stderr, "char_rnn: the loss is NaN at step %lld\n", (long long)r.step);
            goto done;
        }
        if (r.step % r.o.log_every == 0 || r.step == r.o.steps) {
            double cps = r.train_chars / r.train_seconds;
            double left = (double)(r.o.steps - r.step) * chars_per_step / cps;
            char eta[32];
            format_duration(left, eta, sizeof eta);
            printf("step %lld/%d: loss %.4f nats (%.4f bpc), lr %.2e, %.0f chars/s, "
                   "%s left\n", (long long)r.step, r.o.steps, run_loss / run_n,
                   run_loss / run_n / LN2, (double)hn_schedule_lr(&r.sched, r.opt.step), cps,
                   eta);
            fflush(stdout);
            run_loss = 0.0;
            run_n = 0;
        }
        if (r.step % r.o.eval_every == 0 || r.step == r.o.steps) {
            double val = evaluate(&r, 1);
            FILE *sf;
            char name[64];
            if (val < r.best_val) {
                r.best_val = val;
                r.best_step = r.step;
                memcpy(best, r.ps.data, sizeof(float) * r.ps.total);
                path_join(path, sizeof path, o->out, "best.ckpt");
                save_checkpoint(&r, path, 0);
            }
            path_join(path, sizeof path, o->out, "last.ckpt");
            save_checkpoint(&r, path, 1);
            printf("step %lld: validation %.4f nats (%.4f bpc), best %.4f bpc at step %lld\n",
                   (long long)r.step, val, val / LN2, r.best_val / LN2,
                   (long long)r.best_step);
            fprintf(hist, "{\"step\": %lld, \"val_loss_nats\": %.6f, \"val_bpc\": %.6f, "
                    "\"lr\": %.6g, \"train_chars_per_sec\": %.1f, \"elapsed_sec\": %.1f}\n",
                    (long long)r.step, val, val / LN2,
                    (double)hn_schedule_lr(&r.sched, r.opt.step),
                    r.train_chars / r.train_seconds, now_seconds() - t_start);
            fflush(hist);
            snprintf(name, sizeof name, "samples/sample_step_%lld.txt", (long long)r.step);
            path_join(path, sizeof path, o->out, name);
            sf = fopen(path, "w");
            if (sf) {
                generate(&r, "\n", o->sample_length, 1.0f, r.o.seed + (uint64_t)r.step, sf);
                fclose(sf);
            }
        }
    }

    /* the test split, with the best weights */
    {
        double test, val;
        FILE *f;
        memcpy(r.ps.data, best, sizeof(float) * r.ps.total);
        test = evaluate(&r, 2);
        val = r.best_val;
        printf("best validation %.4f bpc (%.4f nats) at step %lld; test %.4f bpc\n",
               val / LN2, val, (long long)r.best_step, test / LN2);
        path_join(path, sizeof path, o->out, "summary.json");
        f = fopen(path, "w");
        if (f) {
            fprintf(f, "{\"model\": \"%s\", \"params\": %zu, \"steps\": %lld, "
                    "\"best_step\": %lld, \"val_loss_nats\": %.6f, \"val_bpc\": %.6f, "
                    "\"test_loss_nats\": %.6f, \"test_bpc\": %.6f, \"chars_per_sec\": %.1f, "
                    "\"train_seconds\": %.1f}\n", r.o.model, r.ps.nparams,
                    (long long)r.step, (long long)r.best_step, val, val / LN2, test,
                    test / LN2, r.train_chars / r.train_seconds, r.train_seconds);
            fclose(f);
        }
    }
    rc = 0;
done:
    if (hist) fclose(hist);
    if (have_ck) hn_ckpt_close(&ck);
    free(best);
    free(tok);
    free_run(&r);
    return rc;
}

static int cmd_generate(options *o)
{
    run r;
    hn_ckpt ck;
    int rc = 1;
    memset(&r, 0, sizeof r);
    if (!o->checkpoint) {
        fprintf(stderr, "char_rnn: generate needs --checkpoint\n");
        return 2;
    }
    r.o = *o;
    if (open_checkpoint(&ck, o->checkpoint, &r.o, &r.c)) return 1;
    if (build_model(&r, 0) == 0) {
        if (hn_ckpt_read_params(&ck, &r.ps, r.ps.data, "") != HN_OK) {
            fprintf(stderr, "char_rnn: %s\n", hn_error());
        } else {
            fputs(o->prime, stdout);
            generate(&r, o->prime, o->length, o->temperature, o->seed, stdout);
            fputc('\n', stdout);
            rc = 0;
        }
    }
    hn_ckpt_close(&ck);
    free_run(&r);
    return rc;
}

static int char_rnn_main(int argc, char **argv)
{
    options o;
    defaults(&o);
    if (parse_args(&o, argc, argv)) {
        usage(argc > 1 && !strcmp(argv[argc - 1], "--help") ? stdout : stderr);
        return argc > 1 && !strcmp(argv[argc - 1], "--help") ? 0 : 2;
    }
    return !strcmp(o.cmd, "train") ? cmd_train(&o) : cmd_generate(&o);
}

#ifndef CHAR_RNN_NO_MAIN
int main(int argc, char **argv) { return char_rnn_main(argc, argv); }
#endif
