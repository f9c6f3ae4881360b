/* test_char_rnn.c - char_rnn's training resumes exactly.

   Trains a small model for 2N steps in one run, and for N steps then N
   more from the checkpoint, with recurrent dropout on; the two must end
   with bit-identical weights, Adam moments and validation loss. Also
   checks that generation from the checkpoint runs. Uses the example's own
   code (examples/char_rnn.c without its main). */
#define CHAR_RNN_NO_MAIN
#include "../examples/char_rnn.c"
#include "test.h"

#define DIR "build/test_char_rnn.tmp"

static void write_text(const char *path)
{
    static const char *words[] = {"the", "king", "shall", "not", "speak", "of", "love",
                                  "and", "war", "tonight", "my", "lord", "\n"};
    hn_rng rng;
    FILE *f = fopen(path, "w");
    int i;
    if (!f) return;
    hn_rng_seed(&rng, 4);
    for (i = 0; i < 6000; i++) {
        fputs(words[hn_rng_below(&rng, 13)], f);
        fputc(' ', f);
    }
    fclose(f);
}

static int run_cli(const char *const *args, int n)
{
    char *argv[40];
    int i;
    for (i = 0; i < n; i++) argv[i] = (char *)args[i];
    argv[n] = NULL;
    return char_rnn_main(n, argv);
}

/* Largest |a - b| over a checkpoint's tensors with the given prefix. */
static double compare_ckpts(const char *pa, const char *pb, const char *prefix,
                            const hn_params *layout)
{
    hn_ckpt a, b;
    float *x = (float *)calloc(layout->total, sizeof(float));
    float *y = (float *)calloc(layout->total, sizeof(float));
    double worst = -1.0;
    if (hn_ckpt_open_file(&a, pa, 1 << 28) == HN_OK) {
        if (hn_ckpt_open_file(&b, pb, 1 << 28) == HN_OK) {
            if (hn_ckpt_read_params(&a, layout, x, prefix) == HN_OK &&
                hn_ckpt_read_params(&b, layout, y, prefix) == HN_OK) {
                worst = max_abs_diff(x, y, layout->total);
            }
            hn_ckpt_close(&b);
        }
        hn_ckpt_close(&a);
    }
    free(x);
    free(y);
    return worst;
}

static void check_resume(const char *model)
{
    const char *common[] = {"char_rnn", "train", "--data", DIR "/text.txt", "--model",
                            model, "--embed", "8", "--hidden", "16", "--hyper-hidden",
                            "8", "--hyper-embed", "3", "--batch", "4", "--seq", "12",
                            "--eval-every", "10", "--log-every", "10", "--dropout",
                            "0.2", "--lr-decay", "0.99"};
    const char *args[40];
    int n = (int)(sizeof common / sizeof common[0]), i, rc;
    char a[256], b[256], la[300], lb[300];
    options o;
    run r;
    double dw, dm, dv;
    corpus keep;
    hn_ckpt ck;

    snprintf(a, sizeof a, DIR "/%s-straight", model);
    snprintf(b, sizeof b, DIR "/%s-resumed", model);
    for (i = 0; i < n; i++) args[i] = common[i];

    /* 40 steps straight */
    args[n] = "--steps"; args[n + 1] = "40"; args[n + 2] = "--out"; args[n + 3] = a;
    rc = run_cli(args, n + 4);
    CHECK(rc == 0, "%s: straight run failed", model);
    /* 20, then 20 more from last.ckpt */
    args[n + 1] = "20"; args[n + 3] = b;
    rc = run_cli(args, n + 4);
    CHECK(rc == 0, "%s: first half failed", model);
    snprintf(lb, sizeof lb, "%s/last.ckpt", b);
    {
        const char *res[] = {"char_rnn", "train", "--data", DIR "/text.txt", "--resume",
                             lb, "--steps", "40", "--eval-every", "10", "--log-every",
                             "10", "--out", b};
        rc = run_cli(res, 14);
        CHECK(rc == 0, "%s: resumed half failed", model);
    }

    /* the layout, rebuilt from the checkpoint */
    snprintf(la, sizeof la, "%s/last.ckpt", a);
    memset(&r, 0, sizeof r);
    defaults(&o);
    if (open_checkpoint(&ck, la, &o, &keep) != 0) {
        CHECK(0, "%s: cannot open %s", model, la);
        return;
    }
    r.o = o;
    r.c = keep;
    memset(r.c.split, 0, sizeof r.c.split);
    CHECK(build_model(&r, 0) == 0, "%s: rebuild", model);
    dw = compare_ckpts(la, lb, "", &r.ps);
    dm = compare_ckpts(la, lb, "adam.m/", &r.ps);
    dv = compare_ckpts(la, lb, "adam.v/", &r.ps);
    printf("%s: straight vs resumed: max |diff| weights %.3g, adam m %.3g, v %.3g\n",
           model, dw, dm, dv);
    CHECK(dw == 0.0 && dm == 0.0 && dv == 0.0, "%s: resumed run differs (%g %g %g)", model,
          dw, dm, dv);
    hn_ckpt_close(&ck);
    free_run(&r);

    /* generation from the best checkpoint */
    {
        char best[300];
        const char *gen[] = {"char_rnn", "generate", "--checkpoint", best, "--prime", "the ",
                             "--length", "40", "--seed", "2"};
        snprintf(best, sizeof best, "%s/best.ckpt", a);
        CHECK(run_cli(gen, 10) == 0, "%s: generate failed", model);
    }
}

int main(void)
{
    if (make_dir("build") || make_dir(DIR)) return 1;
    write_text(DIR "/text.txt");
    check_resume("ln-hyperlstm");
    check_resume("lstm");
    return test_exit("test_char_rnn");
}
