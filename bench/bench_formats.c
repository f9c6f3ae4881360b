/* bench_formats.c - how fast the file formats go, each against the
   plainest thing that moves the same bytes:

   - checkpoint save and load of a 10M-parameter store (40 MB) against a
     bare fwrite / fread of the same floats (the checkpoint adds the
     little-endian conversion, the CRC-32 and the rename);
   - CIFAR-10: parsing 1,000 records held in memory (bytes to floats);
   - MAT-file: reading the svhnlike fixture's X, uncompressed (-v6) and
     compressed (-v7, inflate-bound), and converting it with the SVHN
     helper.

   build/bench_formats [REPS]    medians of REPS runs (default 7) */
#include "../examples/util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <stdio.h>
#include <stdlib.h>

#ifndef TEST_SHARED_DIR
#define TEST_SHARED_DIR "../shared"
#endif
#define PATH "build/bench_formats.ckpt"

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp);
    return t[n / 2];
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 7, r;
    double t_save[64], t_load[64], t_fw[64], t_fr[64], t_cifar[64], t_v6[64], t_v7[64];
    double t_crc[64];
    double t0, mb;
    hn_params ps;
    hn_rng rng;
    unsigned char *cifar_gz, *cifar = NULL, *v6 = NULL, *v7 = NULL;
    size_t gz_len, cifar_len, v6_len, v7_len;
    if (reps < 1 || reps > 64) reps = 7;

    hn_params_init(&ps);
    hn_params_add(&ps, "w1", 2, (int[]){2500, 2000});
    hn_params_add(&ps, "w2", 2, (int[]){2000, 2500});
    if (hn_params_alloc(&ps) != HN_OK) return 1;
    hn_rng_seed(&rng, 1);
    hn_rng_fill_normal(&rng, ps.data, ps.total, 0.0f, 1.0f);
    mb = (double)ps.nparams * 4 / 1e6;

    if (hn_read_file(TEST_SHARED_DIR "/data/cifar-10-subset/test_batch_first1000.bin.gz",
                     (size_t)1 << 26, &cifar_gz, &gz_len) != HN_OK
        || hn_gunzip(cifar_gz, gz_len, (size_t)1 << 26, &cifar, &cifar_len) != HN_OK
        || hn_read_file(TEST_SHARED_DIR "/fixtures/mat/octave_svhnlike_v6_uncompressed.mat",
                        (size_t)1 << 26, &v6, &v6_len) != HN_OK
        || hn_read_file(TEST_SHARED_DIR "/fixtures/mat/octave_svhnlike_v7_compressed.mat",
                        (size_t)1 << 26, &v7, &v7_len) != HN_OK) {
        fprintf(stderr, "bench_formats: %s\n", hn_error());
        return 1;
    }

    for (r = 0; r < reps; r++) {
        FILE *f;
        float *img;
        int *lab, n, k;
        hn_mat m;

        t0 = now_seconds();
        if (hn_checkpoint_save_params(PATH, &ps, "bench") != HN_OK) return 1;
        t_save[r] = now_seconds() - t0;
        t0 = now_seconds();
        if (hn_checkpoint_load_params(PATH, &ps, NULL) != HN_OK) return 1;
        t_load[r] = now_seconds() - t0;

        t0 = now_seconds();
        f = fopen(PATH ".raw", "wb");
        if (!f || fwrite(ps.data, 4, ps.total, f) != ps.total || fclose(f) != 0) return 1;
        t_fw[r] = now_seconds() - t0;
        t0 = now_seconds();
        f = fopen(PATH ".raw", "rb");
        if (!f || fread(ps.grad, 4, ps.total, f) != ps.total) return 1;
        fclose(f);
        t_fr[r] = now_seconds() - t0;

        /* The part of a load that is the checksum. */
        t0 = now_seconds();
        if (hn_crc32(0, ps.data, ps.total * 4) == 1) printf(" ");
        t_crc[r] = now_seconds() - t0;

        t0 = now_seconds();
        if (hn_cifar10_parse(cifar, cifar_len, cifar_len, 1.0f / 255, &img, &lab, &n)
            != HN_OK) return 1;
        t_cifar[r] = now_seconds() - t0;
        hn_free(img);
        hn_free(lab);

        for (k = 0; k < 2; k++) {
            t0 = now_seconds();
            if (hn_mat_open_mem(&m, k ? v7 : v6, k ? v7_len : v6_len, (size_t)1 << 26)
                != HN_OK || hn_svhn_load(&m, 1.0f / 255, &img, &lab, &n) != HN_OK)
                return 1;
            (k ? t_v7 : t_v6)[r] = now_seconds() - t0;
            hn_free(img);
            hn_free(lab);
            hn_mat_close(&m);
        }
    }
    remove(PATH);
    remove(PATH ".raw");
    printf("checkpoint save %.1f MB: %.1f ms (%.0f MB/s); bare fwrite %.1f ms; ratio %.2f\n",
           mb, 1e3 * median(t_save, reps), mb / median(t_save, reps),
           1e3 * median(t_fw, reps), median(t_save, reps) / median(t_fw, reps));
    printf("checkpoint load %.1f MB: %.1f ms (%.0f MB/s); bare fread %.1f ms; ratio %.2f\n",
           mb, 1e3 * median(t_load, reps), mb / median(t_load, reps),
           1e3 * median(t_fr, reps), median(t_load, reps) / median(t_fr, reps));
    printf("of which CRC-32 of %.1f MB: %.1f ms\n", mb, 1e3 * median(t_crc, reps));
    printf("CIFAR-10 parse, 1000 records (3.07 MB): %.2f ms (%.0f MB/s)\n",
           1e3 * median(t_cifar, reps), cifar_len / 1e6 / median(t_cifar, reps));
    printf("SVHN helper on svhnlike X+y, 100 images: -v6 %.2f ms, -v7 (inflate) %.2f ms\n",
           1e3 * median(t_v6, reps), 1e3 * median(t_v7, reps));
    hn_params_free(&ps);
    hn_free(cifar_gz);
    hn_free(cifar);
    hn_free(v6);
    hn_free(v7);
    return 0;
}
