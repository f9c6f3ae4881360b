/* compare_models.c - train the four recurrent cells on the same data with
   the same budget and seed, and tabulate the results.

      build/compare_models --out runs/cmp --data input.txt --steps 2000 \
                           [--models lstm,ln-lstm,hyperlstm,ln-hyperlstm] \
                           [any other char_rnn train option]

   Every option other than --out, --models and --reuse goes unchanged to
   each run of char_rnn's training (which this program links as a
   function), with --model and --out DIR/<model> added. Writes
   DIR/comparison.json and DIR/comparison.md: parameters, validation and
   test bits per character, training speed and the run folder of each
   model.

   --reuse tabulates a model whose folder DIR/<model> already holds a
   finished run (its summary.json) instead of training it again: a
   comparison cut short goes on with the models it had not finished, and
   models trained one at a time (--models X each, for instance side by
   side) are gathered into one table. Whether those runs had the same
   options is for the caller to know: each folder's config.json says. */
#define CHAR_RNN_NO_MAIN
#include "char_rnn.c"

#define MAX_MODELS 4
#define MAX_ARGS 96

typedef struct result {
    char model[32];
    char dir[1024];
    int ok;
    double params, val_bpc, val_nats, test_bpc, chars_per_sec, train_seconds, best_step;
} result;

/* The number after "key": in a one-line JSON object, or NaN. */
static double json_number(const char *text, const char *key)
{
    char pat[64];
    const char *p;
    snprintf(pat, sizeof pat, "\"%s\":", key);
    p = strstr(text, pat);
    return p ? strtod(p + strlen(pat), NULL) : NAN;
}

static int read_summary(result *res)
{
    char path[1200], text[4096];
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "%s/summary.json", res->dir);
    f = fopen(path, "r");
    if (!f) return -1;
    n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = '\0';
    res->params = json_number(text, "params");
    res->val_bpc = json_number(text, "val_bpc");
    res->val_nats = json_number(text, "val_loss_nats");
    res->test_bpc = json_number(text, "test_bpc");
    res->chars_per_sec = json_number(text, "chars_per_sec");
    res->train_seconds = json_number(text, "train_seconds");
    res->best_step = json_number(text, "best_step");
    return 0;
}

static void write_tables(const char *out, const result *res, int n, int argc, char **argv)
{
    char path[1200];
    FILE *j, *m;
    int i, best = -1;
    for (i = 0; i < n; i++)
        if (res[i].ok && (best < 0 || res[i].val_bpc < res[best].val_bpc)) best = i;
    snprintf(path, sizeof path, "%s/comparison.json", out);
    j = fopen(path, "w");
    snprintf(path, sizeof path, "%s/comparison.md", out);
    m = fopen(path, "w");
    if (!j || !m) {
        fprintf(stderr, "compare_models: cannot write the comparison files in %s\n", out);
        if (j) fclose(j);
        if (m) fclose(m);
        return;
    }
    fputs("# Character language models: comparison\n\nCommand:", m);
    for (i = 0; i < argc; i++) fprintf(m, " %s", argv[i]);
    fputs("\n\n| model | parameters | best step | validation bpc | validation nats "
          "| test bpc | train chars/s | run folder |\n"
          "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n", m);
    fputs("{\"runs\": [", j);
    for (i = 0; i < n; i++) {
        const result *r = &res[i];
        if (!r->ok) {
            fprintf(m, "| %s | failed | | | | | | %s |\n", r->model, r->dir);
            fprintf(j, "%s\n  {\"model\": \"%s\", \"ok\": false, \"dir\": \"%s\"}",
                    i ? "," : "", r->model, r->dir);
            continue;
        }
        fprintf(m, "| %s%s | %.0f | %.0f | %.4f | %.4f | %.4f | %.0f | %s |\n", r->model,
                i == best ? " (best)" : "", r->params, r->best_step, r->val_bpc,
                r->val_nats, r->test_bpc, r->chars_per_sec, r->dir);
        fprintf(j, "%s\n  {\"model\": \"%s\", \"ok\": true, \"params\": %.0f, "
                "\"best_step\": %.0f, \"val_bpc\": %.6f, \"val_loss_nats\": %.6f, "
                "\"test_bpc\": %.6f, \"chars_per_sec\": %.1f, \"train_seconds\": %.1f, "
                "\"dir\": \"%s\"}", i ? "," : "", r->model, r->params, r->best_step,
                r->val_bpc, r->val_nats, r->test_bpc, r->chars_per_sec,
                r->train_seconds, r->dir);
    }
    fprintf(j, "\n], \"best\": \"%s\"}\n", best >= 0 ? res[best].model : "");
    fclose(j);
    fclose(m);
}

int main(int argc, char **argv)
{
    const char *out = NULL, *models = "lstm,ln-lstm,hyperlstm,ln-hyperlstm";
    char *pass[MAX_ARGS];
    char list[256], *tok;
    result res[MAX_MODELS];
    int npass = 0, n = 0, i, reuse = 0;

    for (i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help")) {
            puts("usage: compare_models --out DIR [--models a,b,...] [--reuse] "
                 "[char_rnn train options]\n"
                 "  --reuse   tabulate finished runs found in DIR/<model> instead of "
                 "training again");
            return 0;
        }
        if (!strcmp(argv[i], "--reuse")) reuse = 1;
        else if (i + 1 < argc && !strcmp(argv[i], "--out")) out = argv[++i];
        else if (i + 1 < argc && !strcmp(argv[i], "--models")) models = argv[++i];
        else if (npass < MAX_ARGS - 8) pass[npass++] = argv[i];
    }
    if (!out) {
        fprintf(stderr, "compare_models: --out DIR is required\n");
        return 2;
    }
    if (make_dir(out)) return 1;
    snprintf(list, sizeof list, "%s", models);
    memset(res, 0, sizeof res);
    for (tok = strtok(list, ","); tok && n < MAX_MODELS; tok = strtok(NULL, ",")) {
        char *args[MAX_ARGS + 8];
        int k = 0, a;
        result *r = &res[n++];
        snprintf(r->model, sizeof r->model, "%s", tok);
        snprintf(r->dir, sizeof r->dir, "%s/%s", out, tok);
        args[k++] = (char *)"char_rnn";
        args[k++] = (char *)"train";
        for (a = 0; a < npass; a++) args[k++] = pass[a];
        args[k++] = (char *)"--model";
        args[k++] = r->model;
        args[k++] = (char *)"--out";
        args[k++] = r->dir;
        args[k] = NULL;
        if (reuse && read_summary(r) == 0) {
            printf("== %s: finished run in %s, not trained again\n", r->model, r->dir);
            r->ok = 1;
            continue;
        }
        printf("== %s\n", r->model);
        fflush(stdout);
        r->ok = char_rnn_main(k, args) == 0 && read_summary(r) == 0;
    }
    write_tables(out, res, n, argc, argv);
    printf("wrote %s/comparison.json and %s/comparison.md\n", out, out);
    for (i = 0; i < n; i++)
        if (res[i].ok)
            printf("%-13s params %8.0f  val %.4f bpc  test %.4f bpc  %8.0f chars/s\n",
                   res[i].model, res[i].params, res[i].val_bpc, res[i].test_bpc,
                   res[i].chars_per_sec);
    return 0;
}
