/* bench_lstm.c - training speed of the character language models.

   Times full training steps (forward, backward, Adam update) on random
   tokens, so it needs no data set:

      build/bench_lstm [--model ln-hyperlstm] [--batch 32] [--seq 100]
                       [--embed 64] [--hidden 256] [--hyper-hidden 64]
                       [--hyper-embed 4] [--vocab 65] [--steps 10]
                       [--repeats 5]

   Prints one line per repeat and a last line
      model=... chars_per_sec=<median> ...
   that bench/bench_rnn.py reads. Threads: OMP_NUM_THREADS. */
#include "../examples/util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    const char *model = "ln-hyperlstm";
    int batch = 32, seq = 100, embed = 64, hidden = 256, hh = 64, nz = 4, vocab = 65;
    int steps = 10, repeats = 5, i, r, kind;
    hn_lstm_config cfg;
    hn_charlm lm;
    hn_params ps;
    hn_optim opt;
    hn_rng rng;
    int *tokens;
    double times[64], t0;

    for (i = 1; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        if (!strcmp(k, "--model")) model = v;
        else if (!strcmp(k, "--batch")) batch = atoi(v);
        else if (!strcmp(k, "--seq")) seq = atoi(v);
        else if (!strcmp(k, "--embed")) embed = atoi(v);
        else if (!strcmp(k, "--hidden")) hidden = atoi(v);
        else if (!strcmp(k, "--hyper-hidden")) hh = atoi(v);
        else if (!strcmp(k, "--hyper-embed")) nz = atoi(v);
        else if (!strcmp(k, "--vocab")) vocab = atoi(v);
        else if (!strcmp(k, "--steps")) steps = atoi(v);
        else if (!strcmp(k, "--repeats")) repeats = atoi(v);
        else {
            fprintf(stderr, "unknown option %s\n", k);
            return 2;
        }
    }
    if (repeats < 1 || repeats > 64 || steps < 1) {
        fprintf(stderr, "repeats must be 1..64 and steps positive\n");
        return 2;
    }
    kind = hn_lstm_kind_parse(model);
    if (kind < 0) {
        fprintf(stderr, "unknown model %s\n", model);
        return 2;
    }
    cfg = hn_lstm_config_default((hn_lstm_kind)kind, embed, hidden);
    cfg.hyper_hidden = hh;
    cfg.hyper_embed = nz;
    hn_params_init(&ps);
    if (hn_charlm_declare(&lm, &ps, vocab, &cfg) != HN_OK || hn_params_alloc(&ps) != HN_OK) {
        fprintf(stderr, "%s\n", hn_error());
        return 1;
    }
    hn_charlm_init(&lm, &ps, 1);
    if (hn_charlm_setup(&lm, batch, seq) != HN_OK ||
        hn_optim_init_adam(&opt, &ps, 0.9f, 0.999f, 1e-8f) != HN_OK) {
        fprintf(stderr, "%s\n", hn_error());
        return 1;
    }
    tokens = (int *)malloc(sizeof(int) * (size_t)(seq + 1) * batch);
    hn_rng_seed(&rng, 2);
    for (i = 0; i < (seq + 1) * batch; i++) tokens[i] = (int)hn_rng_below(&rng, (uint32_t)vocab);

    /* two warm-up steps, then the timed repeats */
    for (r = -2; r < repeats; r++) {
        int n = r < 0 ? 1 : steps, s;
        t0 = now_seconds();
        for (s = 0; s < n; s++) {
            hn_params_zero_grad(&ps);
            hn_charlm_forward(&lm, &ps, tokens, tokens + batch, seq, NULL, NULL);
            hn_charlm_backward(&lm, &ps);
            hn_optim_step(&opt, &ps, 1e-3f);
        }
        if (r >= 0) {
            times[r] = now_seconds() - t0;
            printf("repeat %d: %.0f chars/s\n", r,
                   (double)steps * seq * batch / times[r]);
        }
    }
    qsort(times, (size_t)repeats, sizeof times[0], cmp_double);
    printf("model=%s params=%zu batch=%d seq=%d chars_per_sec=%.1f\n", model, ps.nparams,
           batch, seq, (double)steps * seq * batch / times[repeats / 2]);
    free(tokens);
    hn_optim_free(&opt);
    hn_charlm_free(&lm);
    hn_params_free(&ps);
    return 0;
}
