/* CIFAR-10 binary batches: the shared test batch (gzipped) against figures
   computed by Python's gzip module, records crafted here for the layout,
   and the refusals: a partial record, a label out of range, an empty or
   oversized input, a cut gzip stream. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <stdlib.h>
#include <string.h>

#define CIFAR_GZ TEST_SHARED_DIR "/data/cifar-10-subset/test_batch_first1000.bin.gz"

static void test_real_batch(void)
{
    static const int want[10] = {3, 8, 8, 0, 6, 6, 1, 6, 3, 1};
    float *img;
    int *lab, n, i, diff = 0;
    double sum_l = 0, sum_x = 0;
    size_t k;
    hn_status s = hn_cifar10_load(CIFAR_GZ, (size_t)1 << 24, 1.0f, &img, &lab, &n);
    CHECK(s == HN_OK && n == 1000, "gzipped test batch: %d records (%s)", n, hn_error());
    if (s != HN_OK) return;
    for (i = 0; i < 10; i++) diff += lab[i] != want[i];
    for (i = 0; i < n; i++) sum_l += lab[i];
    for (k = 0; k < (size_t)n * 3072; k++) sum_x += img[k];
    CHECK(diff == 0, "labels 0..9 = 3 8 8 0 6 6 1 6 3 1 (%d differ)", diff);
    /* Sums and pixels from Python: gzip.open(...).read(). */
    CHECK(sum_l == 4603 && sum_x == 374560331.0, "label sum %.0f (4603), pixel sum %.0f "
          "(374560331)", sum_l, sum_x);
    CHECK(img[0] == 158 && img[1024] == 112 && img[2048] == 49,
          "record 0 pixel (0,0) RGB = %g %g %g", img[0], img[1024], img[2048]);
    CHECK(img[3072 + 1024 + 5 * 32 + 7] == 235, "record 1, green, row 5, column 7 = %g",
          img[3072 + 1024 + 5 * 32 + 7]);
    printf("test batch: %d records, label sum %.0f, pixel sum %.0f\n", n, sum_l, sum_x);
    hn_free(img);
    hn_free(lab);

    /* The plain-file path, with a limit under the inflated size. */
    s = hn_cifar10_load(CIFAR_GZ, 3073 * 999, 1.0f, &img, &lab, &n);
    CHECK(s == HN_ERR_LIMIT && img == NULL && n == 0, "inflated size over the limit: %s",
          hn_error());
}

static void test_crafted(void)
{
    unsigned char *buf = (unsigned char *)malloc(3 * 3073);
    float *img;
    int *lab, n, bad = 0;
    size_t i;
    hn_status s;
    if (!buf) return;
    for (i = 0; i < 3 * 3073; i++) buf[i] = (unsigned char)(i * 7 + 3);
    buf[0] = 7;
    buf[3073] = 2;
    s = hn_cifar10_parse(buf, 2 * 3073, 1 << 20, 0.5f, &img, &lab, &n);
    CHECK(s == HN_OK && n == 2 && lab[0] == 7 && lab[1] == 2, "two records: %s",
          hn_error());
    if (s == HN_OK) {
        /* images[r][c][y][x] = byte 1 + 3073 r + 1024 c + 32 y + x, halved. */
        size_t r, c, y, x;
        for (r = 0; r < 2; r++)
            for (c = 0; c < 3; c++)
                for (y = 0; y < 32; y++)
                    for (x = 0; x < 32; x++)
                        bad += img[((r * 3 + c) * 32 + y) * 32 + x]
                               != buf[1 + 3073 * r + 1024 * c + 32 * y + x] * 0.5f;
        CHECK(bad == 0, "layout (n, 3, 32, 32) and scale: %d values wrong", bad);
        hn_free(img);
        hn_free(lab);
    }

    s = hn_cifar10_parse(buf, 2 * 3073 + 5, 1 << 20, 1.0f, &img, &lab, &n);
    CHECK(s == HN_ERR_FORMAT && strstr(hn_error(), "whole number") && !img && !lab,
          "partial record: %s", hn_error());
    s = hn_cifar10_parse(buf, 3072, 1 << 20, 1.0f, &img, &lab, &n);
    CHECK(s == HN_ERR_FORMAT, "less than a record: %s", hn_error());
    s = hn_cifar10_parse(buf, 0, 1 << 20, 1.0f, &img, &lab, &n);
    CHECK(s == HN_ERR_FORMAT && n == 0, "empty: %s", hn_error());
    s = hn_cifar10_parse(buf, 3 * 3073, 3073, 1.0f, &img, &lab, &n);
    CHECK(s == HN_ERR_LIMIT, "over max_bytes: %s", hn_error());
    buf[2 * 3073] = 10;
    s = hn_cifar10_parse(buf, 3 * 3073, 1 << 20, 1.0f, &img, &lab, &n);
    CHECK(s == HN_ERR_FORMAT && strstr(hn_error(), "record 2 has label 10"),
          "label 10: %s", hn_error());
    free(buf);
}

static void test_cut_gzip(void)
{
    unsigned char *gz;
    size_t len, cut;
    float *img;
    int *lab, n, refused = 0, tries = 0;
    if (hn_read_file(CIFAR_GZ, (size_t)1 << 24, &gz, &len) != HN_OK) {
        CHECK(0, "read %s: %s", CIFAR_GZ, hn_error());
        return;
    }
    /* Cut the stream at a spread of places: every one must be refused. */
    for (cut = 0; cut < len; cut += len / 37 + 1) {
        tries++;
        if (hn_cifar10_parse(gz, cut, (size_t)1 << 24, 1.0f, &img, &lab, &n) != HN_OK)
            refused++;
        else {
            hn_free(img);
            hn_free(lab);
        }
    }
    CHECK(refused == tries, "cut gzip streams: %d of %d refused (last: %s)", refused,
          tries, hn_error());
    hn_free(gz);
}

int main(void)
{
    test_real_batch();
    test_crafted();
    test_cut_gzip();
    return test_exit("test_cifar");
}
