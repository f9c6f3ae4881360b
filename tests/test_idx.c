/* IDX reader: the MNIST (and, when installed, Fashion-MNIST) files, every
   element type, gzip detection, and the files it must refuse. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

static void put_be(unsigned char *p, uint64_t v, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) p[i] = (unsigned char)(v >> (8 * (n - 1 - i)));
}

/* An IDX header for `ndim` dimensions into buf; returns its length. */
static size_t idx_header(unsigned char *buf, int type, int ndim, const uint32_t *dims)
{
    int d;
    buf[0] = buf[1] = 0;
    buf[2] = (unsigned char)type;
    buf[3] = (unsigned char)ndim;
    for (d = 0; d < ndim; d++) put_be(buf + 4 + 4 * d, dims[d], 4);
    return 4 + 4 * (size_t)ndim;
}

/* A gzip member holding src[0..n) in one stored block (n < 65536). */
static size_t gzip_stored(unsigned char *g, const unsigned char *src, size_t n)
{
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    uint32_t crc = hn_crc32(0, src, n);
    memcpy(g, head, 10);
    g[10] = 1;
    g[11] = (unsigned char)n;
    g[12] = (unsigned char)(n >> 8);
    g[13] = (unsigned char)~n;
    g[14] = (unsigned char)(~n >> 8);
    memcpy(g + 15, src, n);
    g[15 + n] = (unsigned char)crc;
    g[16 + n] = (unsigned char)(crc >> 8);
    g[17 + n] = (unsigned char)(crc >> 16);
    g[18 + n] = (unsigned char)(crc >> 24);
    g[19 + n] = (unsigned char)n;
    g[20 + n] = (unsigned char)(n >> 8);
    g[21 + n] = g[22 + n] = 0;
    return 23 + n;
}

static hn_status read_status(const unsigned char *buf, size_t len, size_t max)
{
    hn_idx x;
    hn_status st = hn_idx_read_mem(buf, len, max, &x);
    if (st == HN_OK) hn_idx_free(&x);
    return st;
}

/* Every element type: values chosen to show sign and byte order. */
static void test_types(void)
{
    unsigned char buf[256];
    uint32_t dims[2] = {2, 3};
    float f[6];
    int v[6], i;
    hn_idx x;
    size_t h;
    static const int ints[6] = {1, -2, 300, -40000, 127, 0};

    /* u8 2x3, from memory and gzipped. */
    h = idx_header(buf, HN_IDX_U8, 2, dims);
    for (i = 0; i < 6; i++) buf[h + i] = (unsigned char)(250 + i);
    CHECK(hn_idx_read_mem(buf, h + 6, 0, &x) == HN_OK && x.type == HN_IDX_U8 &&
              x.ndim == 2 && x.dims[0] == 2 && x.dims[1] == 3 && x.count == 6 &&
              x.elem_size == 1 && ((unsigned char *)x.data)[5] == 255,
          "u8 2x3: %s", hn_error());
    CHECK(hn_idx_to_float(&x, 1, 2, 0.5f, f) == HN_OK && f[0] == 125.5f && f[1] == 126.0f,
          "u8 to float, scale 0.5: %g %g", f[0], f[1]);
    CHECK(hn_idx_to_float(&x, 5, 2, 1.0f, f) == HN_ERR_ARG, "range 5..7 of 6 refused");
    CHECK(hn_idx_to_int(&x, 0, 6, v) == HN_OK && v[0] == 250 && v[5] == 255, "u8 ints");
    hn_idx_free(&x);
    {
        unsigned char g[300];
        size_t glen = gzip_stored(g, buf, h + 6);
        CHECK(hn_idx_read_mem(g, glen, 0, &x) == HN_OK && x.count == 6 &&
                  ((unsigned char *)x.data)[0] == 250,
              "gzipped u8 2x3: %s", hn_error());
        hn_idx_free(&x);
        CHECK(read_status(g, glen, h + 5) == HN_ERR_LIMIT, "gzipped, limit one short: %s",
              hn_error());
        CHECK(read_status(buf, h + 6, h + 5) == HN_ERR_LIMIT, "plain, limit one short: %s",
              hn_error());
    }

    /* i8, i16, i32: the same values, each in its width. */
    {
        static const int types[3] = {HN_IDX_I8, HN_IDX_I16, HN_IDX_I32};
        static const size_t sizes[3] = {1, 2, 4};
        int t;
        for (t = 0; t < 3; t++) {
            int ok;
            dims[1] = 6;
            h = idx_header(buf, types[t], 1, dims + 1);
            for (i = 0; i < 6; i++) {
                int val = sizes[t] == 1 ? (signed char)ints[i]
                        : sizes[t] == 2 ? (short)ints[i] : ints[i];
                put_be(buf + h + sizes[t] * (size_t)i, (uint64_t)(uint32_t)val, sizes[t]);
            }
            ok = hn_idx_read_mem(buf, h + 6 * sizes[t], 0, &x) == HN_OK &&
                 hn_idx_to_int(&x, 0, 6, v) == HN_OK && hn_idx_to_float(&x, 0, 6, 1, f) == 0;
            for (i = 0; ok && i < 6; i++) {
                int want = sizes[t] == 1 ? (signed char)ints[i]
                         : sizes[t] == 2 ? (short)ints[i] : ints[i];
                ok = v[i] == want && f[i] == (float)want;
            }
            CHECK(ok, "%s: [%d %d %d %d %d %d] (%s)", hn_idx_type_name(types[t]), v[0], v[1],
                  v[2], v[3], v[4], v[5], hn_error());
            hn_idx_free(&x);
        }
    }

    /* f32 and f64: IEEE bit patterns, big-endian. Compared with the stored
       constants, not literals: x87 evaluates 3e38f in long double. */
    {
        static const float fv[3] = {1.5f, -0.25f, 3e38f};
        static const double dv[3] = {1.5, -0.25, 1e300};
        uint32_t u;
        uint64_t u64;
        dims[0] = 3;
        h = idx_header(buf, HN_IDX_F32, 1, dims);
        for (i = 0; i < 3; i++) {
            memcpy(&u, &fv[i], 4);
            put_be(buf + h + 4 * i, u, 4);
        }
        CHECK(hn_idx_read_mem(buf, h + 12, 0, &x) == HN_OK &&
                  ((float *)x.data)[2] == fv[2] &&
                  hn_idx_to_float(&x, 0, 3, 2.0f, f) == HN_OK && f[0] == 3.0f &&
                  f[1] == -0.5f,
              "f32: %g %g", f[0], f[1]);
        CHECK(hn_idx_to_int(&x, 0, 3, v) == HN_ERR_FORMAT, "1.5 is not an int label: %s",
              hn_error());
        hn_idx_free(&x);
        h = idx_header(buf, HN_IDX_F64, 1, dims);
        for (i = 0; i < 3; i++) {
            memcpy(&u64, &dv[i], 8);
            put_be(buf + h + 8 * i, u64, 8);
        }
        CHECK(hn_idx_read_mem(buf, h + 24, 0, &x) == HN_OK &&
                  ((double *)x.data)[2] == dv[2] && ((double *)x.data)[1] == -0.25,
              "f64: %s", hn_error());
        hn_idx_free(&x);
    }
    printf("types: u8 i8 i16 i32 f32 f64 read big-endian into host order\n");
}

/* Files the reader must refuse, each for its own reason. */
static void test_refused(void)
{
    unsigned char buf[256], g[300];
    uint32_t dims[8] = {2, 3, 1, 1, 1, 1, 1, 1};
    size_t h, i, glen;
    int bad;

    h = idx_header(buf, HN_IDX_U8, 2, dims);
    memset(buf + h, 7, 6);
    buf[0] = 1;
    CHECK(read_status(buf, h + 6, 0) == HN_ERR_FORMAT, "magic: %s", hn_error());
    buf[0] = 0;
    buf[2] = 0x0a;
    CHECK(read_status(buf, h + 6, 0) == HN_ERR_FORMAT, "type 0x0a: %s", hn_error());
    buf[2] = HN_IDX_U8;
    buf[3] = 0;
    CHECK(read_status(buf, h + 6, 0) == HN_ERR_FORMAT, "zero dimensions: %s", hn_error());
    buf[3] = 9;
    CHECK(read_status(buf, 200, 0) == HN_ERR_UNSUPPORTED, "9 dimensions: %s", hn_error());
    buf[3] = 2;
    CHECK(read_status(buf, h + 7, 0) == HN_ERR_FORMAT, "trailing byte: %s", hn_error());
    CHECK(read_status(buf, h + 5, 0) == HN_ERR_TRUNCATED, "one byte short: %s",
          hn_error());
    for (bad = 0, i = 0; i < h + 6; i++)
        if (read_status(buf, i, 0) != HN_ERR_TRUNCATED) bad++;
    CHECK(bad == 0, "%d of %zu truncations not refused as truncated", bad, h + 6);

    /* Every truncation and bit flip of the gzipped file: no crash, and no
       flip read back as different data. */
    glen = gzip_stored(g, buf, h + 6);
    for (bad = 0, i = 0; i < glen; i++)
        if (read_status(g, i, 0) == HN_OK) bad++;
    CHECK(bad == 0, "%d of %zu gzip truncations read", bad, glen);
    for (bad = 0, i = 0; i < glen * 8; i++) {
        hn_idx x;
        g[i / 8] ^= (unsigned char)(1u << (i % 8));
        if (hn_idx_read_mem(g, glen, 0, &x) == HN_OK) {
            if (x.count != 6 || memcmp(x.data, buf + h, 6) != 0) bad++;
            hn_idx_free(&x);
        }
        g[i / 8] ^= (unsigned char)(1u << (i % 8));
    }
    CHECK(bad == 0, "%d of %zu gzip bit flips read as other data", bad, glen * 8);

    /* A zero dimension; dimensions whose product overflows; a product that
       fits but times the element size does not; a huge claim with a few
       bytes (refused as truncated: nothing allocated for it). */
    dims[1] = 0;
    h = idx_header(buf, HN_IDX_U8, 2, dims);
    CHECK(read_status(buf, h, 0) == HN_ERR_FORMAT, "dimension of 0: %s", hn_error());
    for (i = 0; i < 8; i++) dims[i] = 0xffffffffu;
    h = idx_header(buf, HN_IDX_U8, 8, dims);
    CHECK(read_status(buf, h + 16, 0) == HN_ERR_FORMAT, "8 x 2^32-1 overflows: %s",
          hn_error());
    dims[0] = 0x80000000u;
    dims[1] = sizeof(size_t) > 4 ? 0x80000000u : 1;
    h = idx_header(buf, HN_IDX_F64, 2, dims);
    CHECK(read_status(buf, h + 16, 0) == HN_ERR_FORMAT, "count x 8 bytes overflows: %s",
          hn_error());
    dims[0] = 0x7fffffffu;
    h = idx_header(buf, HN_IDX_U8, 1, dims);
    CHECK(read_status(buf, h + 16, 0) == HN_ERR_TRUNCATED, "2^31-1 bytes claimed, 16 "
          "present: %s", hn_error());
    printf("refused: magic, type, dimensions, overflow, truncation, trailing data\n");
}

/* The real files: shapes, first labels, pixel sums. */
static void check_labels(const char *dir, const char *name, size_t n, const int *first,
                         long sum)
{
    char path[512];
    hn_idx x;
    int lab[10];
    long s = 0;
    size_t i;
    hn_status st;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    st = hn_idx_read_file(path, 0, &x);
    CHECK(st == HN_OK, "read %s: %s", path, hn_error());
    if (st != HN_OK) return;
    CHECK(x.type == HN_IDX_U8 && x.ndim == 1 && x.dims[0] == n, "%s: %s, %d dims, %zu",
          name, hn_idx_type_name(x.type), x.ndim, x.dims[0]);
    CHECK(hn_idx_to_int(&x, 0, 10, lab) == HN_OK && memcmp(lab, first, sizeof lab) == 0,
          "%s first labels %d %d %d ... %d", name, lab[0], lab[1], lab[2], lab[9]);
    for (i = 0; i < x.count; i++) s += ((unsigned char *)x.data)[i];
    CHECK(s == sum, "%s label sum %ld, want %ld", name, s, sum);
    printf("%s: %zu labels, first %d %d %d %d, sum %ld\n", path, x.dims[0], lab[0],
           lab[1], lab[2], lab[3], s);
    hn_idx_free(&x);
}

static void check_images(const char *dir, const char *name, size_t n, float first_sum)
{
    char path[512];
    hn_idx x;
    hn_tensor t;
    hn_status st;
    double s = 0;
    int i;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    st = hn_idx_read_file(path, 0, &x);
    CHECK(st == HN_OK, "read %s: %s", path, hn_error());
    if (st != HN_OK) return;
    CHECK(x.ndim == 3 && x.dims[0] == n && x.dims[1] == 28 && x.dims[2] == 28,
          "%s: %d dims, %zux%zux%zu", name, x.ndim, x.dims[0], x.dims[1], x.dims[2]);
    st = hn_idx_to_tensor(&x, 1.0f / 255.0f, &t);
    CHECK(st == HN_OK && t.ndim == 3 && t.shape[0] == (int)n && t.shape[2] == 28,
          "%s as a tensor", name);
    if (st == HN_OK) {
        for (i = 0; i < 784; i++) s += t.data[i] * 255.0;
        CHECK(s > first_sum - 0.5 && s < first_sum + 0.5,
              "%s first image pixel sum %.1f, want %.0f", name, s, first_sum);
        printf("%s: %zux%zux%zu, first image pixel sum %.1f\n", path, x.dims[0],
               x.dims[1], x.dims[2], s);
        hn_tensor_free(&t);
    }
    hn_idx_free(&x);
}

int main(void)
{
    static const int train[10] = {5, 0, 4, 1, 9, 2, 1, 3, 1, 4};
    static const int test[10] = {7, 2, 1, 0, 4, 1, 4, 9, 5, 9};
    static const int ftrain[10] = {9, 0, 0, 3, 0, 2, 7, 2, 5, 5};
    static const int ftest[10] = {9, 2, 1, 1, 6, 1, 4, 6, 5, 7};
    const char *fashion = "/usr/share/datasets/fashion-mnist";
    char dir[512];
    FILE *f;

    test_types();
    test_refused();

    /* From a plain (not gzipped) file, and from no file at all. */
    {
        static const unsigned char small[14] = {0, 0, 8, 1, 0, 0, 0, 6, 1, 2, 3, 4, 5, 6};
        const char *tmp = "test_idx_plain.tmp";
        hn_idx x;
        if ((f = fopen(tmp, "wb")) != NULL) {
            fwrite(small, 1, sizeof small, f);
            fclose(f);
            CHECK(hn_idx_read_file(tmp, 0, &x) == HN_OK && x.count == 6 &&
                      ((unsigned char *)x.data)[5] == 6,
                  "plain file: %s", hn_error());
            hn_idx_free(&x);
            remove(tmp);
        }
        CHECK(hn_idx_read_file("no/such/file.idx", 0, &x) == HN_ERR_IO && x.data == NULL,
              "missing file: %s", hn_error());
    }

    snprintf(dir, sizeof dir, "%s/data/mnist", TEST_SHARED_DIR);
    check_labels(dir, "train-labels-idx1-ubyte.gz", 60000, train, 267236);
    check_labels(dir, "t10k-labels-idx1-ubyte.gz", 10000, test, 44434);
    check_images(dir, "train-images-idx3-ubyte.gz", 60000, 27525.0f);
    check_images(dir, "t10k-images-idx3-ubyte.gz", 10000, 18454.0f);

    /* Fashion-MNIST comes from a Debian package that may not be there. */
    snprintf(dir, sizeof dir, "%s/train-labels-idx1-ubyte.gz", fashion);
    if ((f = fopen(dir, "rb")) != NULL) {
        fclose(f);
        check_labels(fashion, "train-labels-idx1-ubyte.gz", 60000, ftrain, 270000);
        check_labels(fashion, "t10k-labels-idx1-ubyte.gz", 10000, ftest, 45000);
        check_images(fashion, "t10k-images-idx3-ubyte.gz", 10000, 33456.0f);
    } else {
        printf("Fashion-MNIST not installed (dataset-fashion-mnist): skipped\n");
    }
    return test_exit("test_idx");
}
