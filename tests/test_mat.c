/* MATLAB level-5 reader: the fixtures written by Octave and MATLAB, files
   crafted here in both byte orders, the SVHN helper against the CIFAR-10
   records it was made from, and hostile input: every truncation, flipped
   bytes, lengths and dimensions that overflow. An allocator that records
   the largest request proves no hostile file gets a huge allocation. */
#include "track_alloc.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <math.h>
#include <string.h>

#define MAT_DIR TEST_SHARED_DIR "/fixtures/mat/"
#define MAX_FILE ((size_t)1 << 26)
#define MAX_INFLATE ((size_t)1 << 26)

/* Read variable name of file m as doubles into out (at most cap). */
static size_t read_doubles(hn_mat *m, const char *name, double *out, size_t cap,
                           hn_mat_array *keep)
{
    hn_mat_array a;
    size_t i;
    if (hn_mat_read(m, name, &a) != HN_OK) {
        CHECK(0, "read '%s': %s", name, hn_error());
        return 0;
    }
    for (i = 0; i < a.numel && i < cap; i++) out[i] = hn_mat_get(&a, i);
    i = a.numel;
    if (keep) *keep = a;
    else hn_mat_array_free(&a);
    return i;
}

static void test_types(const char *file)
{
    static const char *names[] = {"a_int32", "a_double", "a_single", "a_uint8", "a_logical",
                                  "a_char", "a_cell", "a_struct", "a_complex"};
    static const char *classes[] = {"int32", "double", "single", "uint8", "logical",
                                    "char", "cell", "struct", "double"};
    static const size_t dims[][2] = {{2, 3}, {3, 1}, {1, 2}, {1, 10}, {1, 3},
                                     {1, 9}, {1, 3}, {1, 1}, {1, 2}};
    hn_mat m;
    hn_mat_var v;
    hn_mat_array a;
    double d[16];
    int k = 0, r, i;
    char path[512];
    sprintf(path, "%s%s", MAT_DIR, file);
    if (hn_mat_open_file(&m, path, MAX_FILE, MAX_INFLATE) != HN_OK) {
        CHECK(0, "open %s: %s", file, hn_error());
        return;
    }
    while ((r = hn_mat_next(&m, &v)) == 1 && k < 9) {
        CHECK(strcmp(v.name, names[k]) == 0, "%s: variable %d is '%s', expected '%s'",
              file, k, v.name, names[k]);
        CHECK(strcmp(hn_mat_class_name(v.cls, v.flags), classes[k]) == 0,
              "%s: '%s' class %s, expected %s", file, v.name,
              hn_mat_class_name(v.cls, v.flags), classes[k]);
        CHECK(v.ndim == 2 && v.dims[0] == dims[k][0] && v.dims[1] == dims[k][1],
              "%s: '%s' dims %zux%zu", file, v.name, v.dims[0], v.dims[1]);
        k++;
    }
    CHECK(r == 0 && k == 9, "%s: walked %d variables, end %d (%s)", file, k, r, hn_error());
    CHECK(hn_mat_find(&m, "a_complex", &v) == HN_OK && (v.flags & HN_MAT_COMPLEX),
          "a_complex flagged complex");

    /* Values, in column-major order. */
    {
        static const double want[6] = {1, 2147483647.0, -2, -2147483648.0, 3, 0};
        int ok = read_doubles(&m, "a_int32", d, 16, &a) == 6;
        for (i = 0; ok && i < 6; i++) ok = d[i] == want[i];
        CHECK(ok && a.cls == HN_MAT_INT32 && ((int32_t *)a.data)[1] == INT32_MAX &&
              ((int32_t *)a.data)[3] == INT32_MIN, "%s: a_int32 extremes", file);
        hn_mat_array_free(&a);
    }
    CHECK(read_doubles(&m, "a_double", d, 16, NULL) == 3 && d[0] == 3.14159265358979311600
          && d[1] == -0.5 && d[2] == 1e300, "%s: a_double = %.17g %g %g", file, d[0], d[1],
          d[2]);
    CHECK(read_doubles(&m, "a_single", d, 16, &a) == 2 && d[0] == 1.5 && d[1] == 2.5
          && a.elem_size == 4, "%s: a_single = %g %g", file, d[0], d[1]);
    hn_mat_array_free(&a);
    {
        int ok = read_doubles(&m, "a_uint8", d, 16, NULL) == 10;
        for (i = 0; ok && i < 10; i++) ok = d[i] == i;
        CHECK(ok, "%s: a_uint8 = 0..9", file);
    }
    CHECK(read_doubles(&m, "a_logical", d, 16, &a) == 3 && d[0] == 1 && d[1] == 0
          && d[2] == 1 && (a.flags & HN_MAT_LOGICAL), "%s: a_logical = 1 0 1", file);
    hn_mat_array_free(&a);
    if (hn_mat_read(&m, "a_char", &a) == HN_OK) {
        char s[10];
        for (i = 0; i < 9 && (size_t)i < a.numel; i++) s[i] = (char)((uint16_t *)a.data)[i];
        s[i] = '\0';
        CHECK(a.numel == 9 && strcmp(s, "hello mat") == 0, "%s: a_char = '%s'", file, s);
        hn_mat_array_free(&a);
    } else {
        CHECK(0, "%s: a_char: %s", file, hn_error());
    }
    CHECK(hn_mat_read(&m, "a_cell", &a) == HN_ERR_UNSUPPORTED, "cell not read: %s",
          hn_error());
    CHECK(hn_mat_read(&m, "a_complex", &a) == HN_ERR_UNSUPPORTED, "complex not read: %s",
          hn_error());
    CHECK(hn_mat_read(&m, "nope", &a) == HN_ERR_NOT_FOUND, "missing: %s", hn_error());
    hn_mat_close(&m);
    printf("%s: 9 variables, values checked\n", file);
}

static void test_matlab_files(void)
{
    hn_mat m;
    double d[32];
    int i, ok;
    if (hn_mat_open_file(&m, MAT_DIR "testdouble_7.4_GLNX86.mat", MAX_FILE, MAX_INFLATE)
        == HN_OK) {
        double maxd = 0;
        ok = read_doubles(&m, "testdouble", d, 32, NULL) == 9;
        for (i = 0; ok && i < 9; i++) maxd = fmax(maxd, fabs(d[i] - i * atan(1.0)));
        CHECK(ok && maxd < 1e-15, "testdouble = k pi/4: max |diff| = %g", maxd);
        hn_mat_close(&m);
    } else {
        CHECK(0, "testdouble: %s", hn_error());
    }
    if (hn_mat_open_file(&m, MAT_DIR "testmatrix_7.4_GLNX86.mat", MAX_FILE, MAX_INFLATE)
        == HN_OK) {
        static const double want[15] = {1, 2, 3, 2, 0, 0, 3, 0, 0, 4, 0, 0, 5, 0, 0};
        hn_mat_array a;
        ok = read_doubles(&m, "testmatrix", d, 32, &a) == 15 && a.cls == HN_MAT_DOUBLE
             && a.dims[0] == 3 && a.dims[1] == 5;
        for (i = 0; ok && i < 15; i++) ok = d[i] == want[i];
        CHECK(ok, "testmatrix: double 3x5 from uint8 storage");
        hn_mat_array_free(&a);
        hn_mat_close(&m);
    } else {
        CHECK(0, "testmatrix: %s", hn_error());
    }
    if (hn_mat_open_file(&m, MAT_DIR "test3dmatrix_7.4_GLNX86.mat", MAX_FILE, MAX_INFLATE)
        == HN_OK) {
        hn_mat_array a;
        ok = read_doubles(&m, "test3dmatrix", d, 32, &a) == 24 && a.ndim == 3
             && a.dims[0] == 2 && a.dims[1] == 3 && a.dims[2] == 4;
        for (i = 0; ok && i < 24; i++) ok = d[i] == i + 1;
        CHECK(ok, "test3dmatrix: 2x3x4 = 1..24");
        hn_mat_array_free(&a);
        hn_mat_close(&m);
    } else {
        CHECK(0, "test3dmatrix: %s", hn_error());
    }
}

static void test_refusals(void)
{
    hn_mat m;
    hn_mat_var v;
    int r, k = 0;
    hn_status s = hn_mat_open_file(&m, MAT_DIR "testdouble_4.2c_SOL2.mat", MAX_FILE,
                                   MAX_INFLATE);
    CHECK(s == HN_ERR_UNSUPPORTED && strstr(hn_error(), "v4"), "v4 refused: %s",
          hn_error());
    s = hn_mat_open_file(&m, MAT_DIR "testhdf5_7.4_GLNX86.mat", MAX_FILE, MAX_INFLATE);
    CHECK(s == HN_ERR_UNSUPPORTED && strstr(hn_error(), "v7.3")
          && strstr(hn_error(), "HDF5"), "v7.3 refused: %s", hn_error());

    /* corrupted_zlib_data: two empty cells, then a truncated stream. */
    if (hn_mat_open_file(&m, MAT_DIR "corrupted_zlib_data.mat", MAX_FILE, MAX_INFLATE)
        == HN_OK) {
        const char *want[2] = {"dates", "dscodes"};
        while ((r = hn_mat_next(&m, &v)) == 1) {
            CHECK(k < 2 && strcmp(v.name, want[k]) == 0 && v.cls == HN_MAT_CELL,
                  "corrupted_zlib_data: variable %d '%s'", k, v.name);
            k++;
        }
        CHECK(k == 2 && r == -1 && strstr(hn_error(), "inflate"),
              "corrupted_zlib_data: %d read, then: %s", k, hn_error());
        CHECK(hn_mat_next(&m, &v) == 0, "the walk stops after an error");
        hn_mat_close(&m);
    } else {
        CHECK(0, "corrupted_zlib_data: %s", hn_error());
    }

    largest_alloc = 0;
    if (hn_mat_open_file(&m, MAT_DIR "malformed1.mat", MAX_FILE, MAX_INFLATE) == HN_OK) {
        while ((r = hn_mat_next(&m, &v)) == 1) k++;
        CHECK(r == -1 && strstr(hn_error(), "claims"), "malformed1: %s", hn_error());
        hn_mat_close(&m);
    }
    CHECK(largest_alloc < 4096, "malformed1: largest allocation %zu bytes (the file)",
          largest_alloc);
    printf("refusals: v4, v7.3, corrupted zlib, malformed1 (largest allocation %zu)\n",
           largest_alloc);

    /* A small cap on inflation refuses a variable that needs more. */
    if (hn_mat_open_file(&m, MAT_DIR "octave_svhnlike_v7_compressed.mat", MAX_FILE, 4096)
        == HN_OK) {
        r = hn_mat_next(&m, &v);
        CHECK(r == -1 && hn_error_status() == HN_ERR_LIMIT, "inflate cap: %s", hn_error());
        hn_mat_close(&m);
    }
}

static void test_svhn(void)
{
    static const char *files[2] = {"octave_svhnlike_v7_compressed.mat",
                                   "octave_svhnlike_v6_uncompressed.mat"};
    static const int want_y[10] = {3, 8, 8, 10, 6, 6, 1, 6, 3, 1};
    float *cimg = NULL, *simg = NULL;
    int *clab = NULL, *slab = NULL, cn = 0, sn = 0, f;
    hn_status s = hn_cifar10_load(TEST_SHARED_DIR "/data/cifar-10-subset/"
                                  "test_batch_first1000.bin.gz", MAX_FILE, 1.0f / 255,
                                  &cimg, &clab, &cn);
    CHECK(s == HN_OK && cn == 1000, "CIFAR test batch: %d records (%s)", cn, hn_error());
    for (f = 0; f < 2; f++) {
        hn_mat m;
        hn_mat_array x, y;
        double sum = 0;
        size_t i, diff = 0;
        char path[512];
        sprintf(path, "%s%s", MAT_DIR, files[f]);
        if (hn_mat_open_file(&m, path, MAX_FILE, MAX_INFLATE) != HN_OK) {
            CHECK(0, "%s: %s", files[f], hn_error());
            continue;
        }
        if (hn_mat_read(&m, "X", &x) == HN_OK) {
            const uint8_t *px = (const uint8_t *)x.data;
            for (i = 0; i < x.numel; i++) sum += px[i];
            CHECK(x.cls == HN_MAT_UINT8 && x.ndim == 4 && x.dims[3] == 100 && sum == 36949839,
                  "%s: X uint8 32x32x3x%zu, sum %.0f", files[f], x.dims[3], sum);
            CHECK(px[0] == 158 && px[1024] == 112 && px[2048] == 49,
                  "%s: X(1,1,:,1) = %d %d %d", files[f], px[0], px[1024], px[2048]);
            hn_mat_array_free(&x);
        } else {
            CHECK(0, "%s: X: %s", files[f], hn_error());
        }
        if (hn_mat_read(&m, "y", &y) == HN_OK) {
            for (i = 0; i < 10; i++) diff += hn_mat_get(&y, i) != want_y[i];
            CHECK(y.cls == HN_MAT_DOUBLE && y.numel == 100 && diff == 0,
                  "%s: y(1:10) = 3 8 8 10 6 6 1 6 3 1 (%zu differ)", files[f], diff);
            hn_mat_array_free(&y);
        }

        /* The SVHN helper must give back the CIFAR records exactly. */
        s = hn_svhn_load(&m, 1.0f / 255, &simg, &slab, &sn);
        CHECK(s == HN_OK && sn == 100, "%s: SVHN helper: %d images (%s)", files[f], sn,
              hn_error());
        if (s == HN_OK && cimg) {
            diff = 0;
            for (i = 0; i < 100 * 3072; i++) diff += simg[i] != cimg[i];
            for (i = 0; i < 100; i++) diff += slab[i] != clab[i];
            CHECK(diff == 0, "%s: SVHN helper vs CIFAR records: %zu values differ",
                  files[f], diff);
            printf("%s: X, y and the SVHN helper agree with the CIFAR records\n", files[f]);
        }
        hn_free(simg);
        hn_free(slab);
        hn_mat_close(&m);
    }
    hn_free(cimg);
    hn_free(clab);

    /* A file without X and y. */
    {
        hn_mat m;
        if (hn_mat_open_file(&m, MAT_DIR "testdouble_7.4_GLNX86.mat", MAX_FILE,
                             MAX_INFLATE) == HN_OK) {
            s = hn_svhn_load(&m, 1.0f, &simg, &slab, &sn);
            CHECK(s == HN_ERR_NOT_FOUND && simg == NULL && sn == 0,
                  "SVHN helper without X: %s", hn_error());
            hn_mat_close(&m);
        }
    }
}

/* ---- files crafted here, in either byte order ---- */

typedef struct mbuf {
    unsigned char b[2048];
    size_t n;
    int be;
} mbuf;

static void put(mbuf *m, uint64_t v, size_t size)
{
    size_t k;
    for (k = 0; k < size; k++)
        m->b[m->n + k] = (unsigned char)(v >> (8 * (m->be ? size - 1 - k : k)));
    m->n += size;
}

static void pad8(mbuf *m)
{
    while (m->n % 8) m->b[m->n++] = 0;
}

static void header(mbuf *m, int be)
{
    memset(m, 0, sizeof *m);
    m->be = be;
    memset(m->b, ' ', 116);
    memcpy(m->b, "MATLAB 5.0 MAT-file, crafted by test_mat", 40);
    m->n = 124;
    put(m, 0x0100, 2);
    put(m, ('M' << 8) | 'I', 2);
}

/* A variable: class, flags, a 1 x count shape, and count values of size
   bytes each, stored as type (raw bit patterns). Returns the offset of the
   miMATRIX tag. */
static size_t add_var(mbuf *m, int cls, int flags, const char *name, uint32_t type,
                      size_t size, const uint64_t *raw, size_t count, size_t data_len)
{
    size_t start = m->n, nlen = strlen(name), i;
    put(m, 14, 4);
    put(m, 0, 4);
    put(m, 6, 4);
    put(m, 8, 4);
    put(m, (uint32_t)cls | (uint32_t)flags << 8, 4);
    put(m, 0, 4);
    put(m, 5, 4);
    put(m, 8, 4);
    put(m, 1, 4);
    put(m, count, 4);
    if (nlen <= 4) {        /* the small element form */
        put(m, (uint32_t)nlen << 16 | 1u, 4);
        memcpy(m->b + m->n, name, nlen);
        m->n += 4;
    } else {
        put(m, 1, 4);
        put(m, nlen, 4);
        memcpy(m->b + m->n, name, nlen);
        m->n += nlen;
        pad8(m);
    }
    put(m, type, 4);
    put(m, data_len, 4);
    for (i = 0; i * size < data_len; i++) put(m, raw[i], size);
    pad8(m);
    /* Patch the miMATRIX length. */
    {
        size_t end = m->n;
        m->n = start + 4;
        put(m, end - start - 8, 4);
        m->n = end;
    }
    return start;
}

static uint64_t dbits(double d)
{
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}

static void build_sample(mbuf *m, int be)
{
    static const uint64_t u8[4] = {1, 2, 3, 250};
    static const uint64_t i16[3] = {0xffff, 300, 0x8000};
    static const uint64_t c8[4] = {'h', 0xc3, 0xa9, 'x'};
    uint64_t f32[2], d64[2] = {0, 0}, u64[1] = {UINT64_C(0x0123456789abcdef)};
    float f[2] = {1.5f, -2.25f};
    uint32_t b;
    memcpy(&b, &f[0], 4);
    f32[0] = b;
    memcpy(&b, &f[1], 4);
    f32[1] = b;
    d64[0] = dbits(-0.125);
    d64[1] = dbits(1e-300);
    header(m, be);
    add_var(m, HN_MAT_DOUBLE, 0, "d", 2, 1, u8, 4, 4);
    add_var(m, HN_MAT_INT16, 0, "i16", 3, 2, i16, 3, 6);
    add_var(m, HN_MAT_SINGLE, 0, "single_v", 7, 4, f32, 2, 8);
    add_var(m, HN_MAT_CHAR, 0, "c", 16, 1, c8, 3, 4);   /* 3 chars in 4 UTF-8 bytes */
    add_var(m, HN_MAT_UINT64, 4, "u64", 13, 8, u64, 1, 8);
    add_var(m, HN_MAT_DOUBLE, 0, "dd", 9, 8, d64, 2, 16);
    add_var(m, HN_MAT_UINT8, 0, "empty", 2, 1, u8, 0, 0);
}

/* A byte that starts no UTF-8 sequence reads as U+FFFD. */
static void test_bad_utf8(void)
{
    static const uint64_t bytes[3] = {0x80, 'a', 0xe2};
    mbuf mb;
    hn_mat m;
    hn_mat_array a;
    header(&mb, 0);
    add_var(&mb, HN_MAT_CHAR, 0, "bad", 16, 1, bytes, 3, 3);
    if (hn_mat_open_mem(&m, mb.b, mb.n, MAX_INFLATE) == HN_OK
        && hn_mat_read(&m, "bad", &a) == HN_OK) {
        const uint16_t *c = (const uint16_t *)a.data;
        CHECK(c[0] == 0xfffd && c[1] == 'a' && c[2] == 0xfffd,
              "invalid UTF-8 replaced: %x %x %x", c[0], c[1], c[2]);
        hn_mat_array_free(&a);
    } else {
        CHECK(0, "bad UTF-8: %s", hn_error());
    }
}

static void test_crafted(void)
{
    int be;
    for (be = 0; be < 2; be++) {
        mbuf mb;
        hn_mat m;
        hn_mat_array a;
        double d[8];
        int k = 0, r;
        hn_mat_var v;
        build_sample(&mb, be);
        if (hn_mat_open_mem(&m, mb.b, mb.n, MAX_INFLATE) != HN_OK) {
            CHECK(0, "crafted %s: %s", be ? "BE" : "LE", hn_error());
            continue;
        }
        CHECK(m.big_endian == be, "byte order %d detected", be);
        while ((r = hn_mat_next(&m, &v)) == 1) k++;
        CHECK(r == 0 && k == 7, "crafted %s: %d variables (%s)", be ? "BE" : "LE", k,
              hn_error());
        CHECK(read_doubles(&m, "d", d, 8, NULL) == 4 && d[0] == 1 && d[3] == 250,
              "double stored as uint8");
        CHECK(read_doubles(&m, "i16", d, 8, NULL) == 3 && d[0] == -1 && d[1] == 300
              && d[2] == -32768, "int16 = %g %g %g", d[0], d[1], d[2]);
        CHECK(read_doubles(&m, "single_v", d, 8, NULL) == 2 && d[0] == 1.5 && d[1] == -2.25,
              "single = %g %g", d[0], d[1]);
        if (hn_mat_read(&m, "c", &a) == HN_OK) {
            const uint16_t *c = (const uint16_t *)a.data;
            CHECK(a.numel == 3 && c[0] == 'h' && c[1] == 0xe9 && c[2] == 'x',
                  "UTF-8 char decoded: %zu units %x %x %x", a.numel, c[0], c[1], c[2]);
            hn_mat_array_free(&a);
        } else {
            CHECK(0, "char: %s", hn_error());
        }
        if (hn_mat_read(&m, "u64", &a) == HN_OK) {
            CHECK(((uint64_t *)a.data)[0] == UINT64_C(0x0123456789abcdef)
                  && (a.flags & HN_MAT_GLOBAL), "uint64 exact, global flag");
            hn_mat_array_free(&a);
        }
        CHECK(read_doubles(&m, "dd", d, 8, NULL) == 2 && d[0] == -0.125 && d[1] == 1e-300,
              "double = %g %g", d[0], d[1]);
        CHECK(hn_mat_read(&m, "empty", &a) == HN_OK && a.numel == 0, "empty array: %s",
              hn_error());
        hn_mat_array_free(&a);
        if (hn_mat_read(&m, "i16", &a) == HN_OK) {
            float f[3];
            hn_mat_to_float(&a, 0.5f, f);
            CHECK(f[0] == -0.5f && f[1] == 150.0f && f[2] == -16384.0f,
                  "to_float x 0.5 = %g %g %g", f[0], f[1], f[2]);
            hn_mat_array_free(&a);
        }
        hn_mat_close(&m);

        /* The subsystem data MATLAB appends is not a variable: pointing the
           header's subsystem offset at the last element hides it. */
        {
            size_t last = 0, n = mb.n, k;
            hn_mat_open_mem(&m, mb.b, mb.n, MAX_INFLATE);
            while (hn_mat_next(&m, &v) == 1) last = v.offset;
            hn_mat_close(&m);
            mb.n = 116;
            put(&mb, last, 8);
            mb.n = n;
            hn_mat_open_mem(&m, mb.b, mb.n, MAX_INFLATE);
            for (k = 0; hn_mat_next(&m, &v) == 1; k++) continue;
            CHECK(k == 6, "subsystem element skipped: %zu variables listed", k);
            hn_mat_close(&m);
        }
    }
    printf("crafted files read alike in both byte orders\n");
}

/* Walk a file image and read every variable; the number read, or -1 when
   the reader reported an error. Must never crash. */
static int walk_all(const unsigned char *p, size_t n, size_t max_inflate)
{
    hn_mat m;
    hn_mat_var v;
    hn_mat_array a;
    int r, count = 0, bad = 0;
    if (hn_mat_open_mem(&m, p, n, max_inflate) != HN_OK) return -1;
    while ((r = hn_mat_next(&m, &v)) == 1) {
        hn_status s = hn_mat_read_var(&m, &v, &a);
        if (s == HN_OK) {
            float f[4];
            if (a.numel <= 4) hn_mat_to_float(&a, 1.0f, f);
            hn_mat_array_free(&a);
        } else if (s != HN_ERR_UNSUPPORTED) {
            bad = 1;
        }
        count++;
    }
    hn_mat_close(&m);
    return r < 0 || bad ? -1 : count;
}

static void test_hostile(void)
{
    static const char *files[2] = {"octave_types_v6_uncompressed.mat",
                                   "octave_types_v7_compressed.mat"};
    int f;
    mbuf mb;
    hn_mat m;
    hn_mat_var v;
    hn_mat_array a;

    for (f = 0; f < 2; f++) {
        unsigned char *data, *copy;
        size_t len, cut, i, bounds[16], nb = 0, wrong = 0;
        int full;
        char path[512];
        sprintf(path, "%s%s", MAT_DIR, files[f]);
        if (hn_read_file(path, MAX_FILE, &data, &len) != HN_OK) {
            CHECK(0, "%s: %s", files[f], hn_error());
            continue;
        }
        /* Element boundaries: cutting exactly there leaves a valid file
           with fewer variables. Cutting anywhere else must be an error. */
        hn_mat_open_mem(&m, data, len, MAX_INFLATE);
        bounds[nb++] = 128;
        while (hn_mat_next(&m, &v) == 1 && nb < 16) bounds[nb++] = m.pos;
        hn_mat_close(&m);
        full = walk_all(data, len, MAX_INFLATE);
        largest_alloc = 0;
        for (cut = 0; cut < len; cut++) {
            int r = walk_all(data, cut, MAX_INFLATE), at_bound = 0;
            for (i = 0; i < nb; i++) at_bound |= bounds[i] == cut;
            if (at_bound ? r < 0 || r >= full : r >= 0) wrong++;
        }
        CHECK(wrong == 0, "%s: %zu of %zu truncations not refused", files[f], wrong, len);
        /* The file itself, or the inflater's first output buffer. */
        CHECK(largest_alloc <= len + (1 << 16), "truncations: largest allocation %zu",
              largest_alloc);

        /* Every byte flipped: anything may happen but a crash or a large
           allocation. */
        copy = (unsigned char *)malloc(len);
        largest_alloc = 0;
        for (i = 0; copy && i < len; i++) {
            memcpy(copy, data, len);
            copy[i] ^= 0xff;
            walk_all(copy, len, 1 << 16);
            copy[i] ^= 0x7e;
            walk_all(copy, len, 1 << 16);
        }
        CHECK(largest_alloc <= (1 << 16) + len, "flips: largest allocation %zu",
              largest_alloc);
        printf("%s: %zu truncations and %zu flipped files, largest allocation %zu\n",
               files[f], len, 2 * len, largest_alloc);
        free(copy);
        hn_free(data);
    }

    /* A tag length that would wrap an offset. */
    header(&mb, 0);
    put(&mb, 14, 4);
    put(&mb, 0xfffffff8u, 4);
    CHECK(hn_mat_open_mem(&m, mb.b, mb.n, MAX_INFLATE) == HN_OK && hn_mat_next(&m, &v) < 0
          && hn_error_status() == HN_ERR_TRUNCATED, "huge tag length: %s", hn_error());

    /* Dimensions whose product overflows size_t (four of 2^31-1 ~ 2^124). */
    header(&mb, 1);
    put(&mb, 14, 4);
    put(&mb, 48, 4);
    put(&mb, 6, 4);
    put(&mb, 8, 4);
    put(&mb, HN_MAT_DOUBLE, 4);
    put(&mb, 0, 4);
    put(&mb, 5, 4);
    put(&mb, 16, 4);
    put(&mb, 0x7fffffff, 4);
    put(&mb, 0x7fffffff, 4);
    put(&mb, 0x7fffffff, 4);
    put(&mb, 0x7fffffff, 4);
    put(&mb, 1u << 16 | 1u, 4);
    put(&mb, 'x', 4);
    CHECK(hn_mat_open_mem(&m, mb.b, mb.n, MAX_INFLATE) == HN_OK && hn_mat_next(&m, &v) < 0
          && strstr(hn_error(), "overflow"), "dims overflow: %s", hn_error());

    /* A variable that claims more elements than its data holds. */
    {
        static const uint64_t one[1] = {1};
        header(&mb, 0);
        add_var(&mb, HN_MAT_DOUBLE, 0, "big", 9, 8, one, 1, 8);
        mb.b[128 + 8 + 16 + 12] = 0xff;     /* 1 x 0x7fff00ff ... */
        mb.b[128 + 8 + 16 + 13] = 0x00;
        mb.b[128 + 8 + 16 + 14] = 0xff;
        mb.b[128 + 8 + 16 + 15] = 0x7f;
        largest_alloc = 0;
        CHECK(hn_mat_open_mem(&m, mb.b, mb.n, MAX_INFLATE) == HN_OK
              && hn_mat_read(&m, "big", &a) == HN_ERR_FORMAT && largest_alloc == 0,
              "data shorter than the dims: %s (largest allocation %zu)", hn_error(),
              largest_alloc);
    }

    /* Small and odd things. */
    CHECK(hn_mat_open_mem(&m, "MATLAB", 6, MAX_INFLATE) == HN_ERR_TRUNCATED,
          "6 bytes: %s", hn_error());
    header(&mb, 0);
    mb.b[126] = 'X';
    CHECK(hn_mat_open_mem(&m, mb.b, mb.n, MAX_INFLATE) == HN_ERR_FORMAT,
          "no endian mark: %s", hn_error());
}

int main(void)
{
    test_types("octave_types_v6_uncompressed.mat");
    test_types("octave_types_v7_compressed.mat");
    test_matlab_files();
    test_refusals();
    test_svhn();
    test_crafted();
    test_bad_utf8();
    test_hostile();
    return test_exit("test_mat");
}
