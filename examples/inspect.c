/* inspect.c - say what a data file holds, one line per variable or tensor:

      NAME CLASS DIMS sum=VALUE

   build/inspect FILE

   FILE is an IDX file (MNIST; gzipped or not), a MATLAB level-5 .mat file,
   a CIFAR-10 binary batch (.bin or .bin.gz) or a hypernet.h checkpoint.
   CLASS is MATLAB's name for the element type (an IDX file's ubyte is
   uint8, a checkpoint tensor is single, a CIFAR batch is uint8); DIMS are
   the file's own dimensions in its own order joined by 'x'; VALUE is the
   sum of every element in double, printed with %.17g (for char arrays the
   sum of the UTF-16 code units). Arrays this reader lists but does not
   read (cell, struct, object, sparse, and complex arrays, whose class is
   printed as that of their real part) print "skipped" in place of the sum.
   A checkpoint's blobs print as "NAME blob BYTES skipped".

   Exit status: 0 when the whole file was read, 1 (after the reason on
   stderr) when it was not. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Generous caps: a file, or what it inflates to, bigger than this is
   refused rather than allocated. */
#define MAX_FILE ((size_t)1 << 31)
#define MAX_INFLATE ((size_t)1 << 31)

static void print_dims(int ndim, const size_t *dims)
{
    int i;
    for (i = 0; i < ndim; i++) printf(i ? "x%lu" : "%lu", (unsigned long)dims[i]);
    if (ndim == 0) printf("0");
}

static int fail(const char *path)
{
    fprintf(stderr, "inspect: %s: %s\n", path, hn_error());
    return 1;
}

static int inspect_mat(const char *path, const unsigned char *data, size_t len)
{
    hn_mat m;
    hn_mat_var v;
    int r;
    if (hn_mat_open_mem(&m, data, len, MAX_INFLATE) != HN_OK) return fail(path);
    while ((r = hn_mat_next(&m, &v)) == 1) {
        hn_mat_array a;
        size_t i;
        double sum = 0.0;
        printf("%s %s ", v.name, hn_mat_class_name(v.cls, v.flags));
        print_dims(v.ndim, v.dims);
        if ((v.flags & HN_MAT_COMPLEX) || v.cls < HN_MAT_CHAR || v.cls == HN_MAT_SPARSE
            || v.cls > HN_MAT_UINT64) {
            printf(" skipped\n");
            continue;
        }
        if (hn_mat_read_var(&m, &v, &a) != HN_OK) {
            printf("\n");
            hn_mat_close(&m);
            return fail(path);
        }
        for (i = 0; i < a.numel; i++) sum += hn_mat_get(&a, i);
        printf(" sum=%.17g\n", sum);
        hn_mat_array_free(&a);
    }
    hn_mat_close(&m);
    return r < 0 ? fail(path) : 0;
}

static int inspect_idx(const char *path, const unsigned char *data, size_t len)
{
    hn_idx x;
    static const char *const classes[6] = {"uint8", "int8", "int16", "int32", "single",
                                           "double"};
    int t;
    double sum = 0.0;
    size_t i;
    if (hn_idx_read_mem(data, len, MAX_INFLATE, &x) != HN_OK) return fail(path);
    t = x.type == HN_IDX_U8 ? 0 : x.type == HN_IDX_I8 ? 1 : x.type - HN_IDX_I16 + 2;
    for (i = 0; i < x.count; i++) {
        switch (x.type) {
        case HN_IDX_U8: sum += ((const uint8_t *)x.data)[i]; break;
        case HN_IDX_I8: sum += ((const int8_t *)x.data)[i]; break;
        case HN_IDX_I16: sum += ((const int16_t *)x.data)[i]; break;
        case HN_IDX_I32: sum += ((const int32_t *)x.data)[i]; break;
        case HN_IDX_F32: sum += ((const float *)x.data)[i]; break;
        default: sum += ((const double *)x.data)[i]; break;
        }
    }
    printf("idx %s ", classes[t]);
    print_dims(x.ndim, x.dims);
    printf(" sum=%.17g\n", sum);
    hn_idx_free(&x);
    return 0;
}


/* IDX: two zero bytes, a known element type, 1 to 8 dimensions. */
static int looks_like_idx(const unsigned char *p, size_t len)
{
    return len >= 4 && p[0] == 0 && p[1] == 0 && strchr("\010\011\013\014\015\016", p[2])
           && p[2] != 0 && p[3] >= 1 && p[3] <= HN_IDX_MAX_DIMS;
}

static int inspect_cifar(const char *path, const unsigned char *data, size_t len)
{
    float *images;
    int *labels, n, i;
    double sum_l = 0.0, sum_x = 0.0;
    size_t k;
    if (hn_cifar10_parse(data, len, MAX_INFLATE, 1.0f, &images, &labels, &n) != HN_OK)
        return fail(path);
    for (i = 0; i < n; i++) sum_l += labels[i];
    for (k = 0; k < (size_t)n * 3072; k++) sum_x += images[k];
    printf("labels uint8 %d sum=%.17g\n", n, sum_l);
    printf("images uint8 %dx3x32x32 sum=%.17g\n", n, sum_x);
    hn_free(images);
    hn_free(labels);
    return 0;
}

static int inspect_ckpt(const char *path, const unsigned char *data, size_t len)
{
    hn_ckpt c;
    int i;
    if (hn_ckpt_open_mem(&c, data, len) != HN_OK) return fail(path);
    for (i = 0; i < c.count; i++) {
        const hn_ckpt_entry *e = &c.entries[i];
        size_t dims[HN_MAX_DIMS], k;
        float *buf;
        double sum = 0.0;
        int d;
        if (e->kind == HN_CKPT_BLOB) {
            printf("%s blob %lu skipped\n", e->name, (unsigned long)e->size);
            continue;
        }
        for (d = 0; d < e->ndim; d++) dims[d] = (size_t)e->shape[d];
        buf = (float *)malloc(e->size * sizeof *buf + 1);
        if (!buf || hn_ckpt_read_tensor(&c, e->name, e->ndim, e->shape, buf) != HN_OK) {
            free(buf);
            hn_ckpt_close(&c);
            return fail(path);
        }
        for (k = 0; k < e->size; k++) sum += buf[k];
        printf("%s single ", e->name);
        print_dims(e->ndim, dims);
        printf(" sum=%.17g\n", sum);
        free(buf);
    }
    hn_ckpt_close(&c);
    return 0;
}

int main(int argc, char **argv)
{
    unsigned char *file, *plain = NULL;
    const unsigned char *p;
    size_t len, plen;
    int rc;
    if (argc != 2) {
        fprintf(stderr, "usage: inspect FILE\n");
        return 1;
    }
    if (hn_read_file(argv[1], MAX_FILE, &file, &len) != HN_OK) return fail(argv[1]);
    p = file;
    plen = len;

    /* A gzip stream is looked inside; the formats are told apart by what
       they start with, CIFAR-10 (which has no header) last, by its size. */
    if (hn_is_gzip(file, len)) {
        if (hn_gunzip(file, len, MAX_INFLATE, &plain, &plen) != HN_OK) {
            hn_free(file);
            return fail(argv[1]);
        }
        p = plain;
    }
    if (plen >= 8 && memcmp(p, "\211HNCK\r\n\032", 8) == 0)
        rc = inspect_ckpt(argv[1], p, plen);
    else if (looks_like_idx(p, plen))
        rc = inspect_idx(argv[1], p, plen);
    else if ((plen >= 128 && (memcmp(p + 126, "IM", 2) == 0 || memcmp(p + 126, "MI", 2) == 0))
             || (plen >= 6 && memcmp(p, "MATLAB", 6) == 0)
             || (plen >= 8 && memcmp(p, "\211HDF\r\n\032\n", 8) == 0))
        rc = inspect_mat(argv[1], p, plen);
    else if (plen > 0 && plen % HN_CIFAR_RECORD_BYTES == 0)
        rc = inspect_cifar(argv[1], p, plen);
    else if (plen >= 4 && (!p[0] || !p[1] || !p[2] || !p[3]))
        rc = inspect_mat(argv[1], p, plen); /* says whether it is a level-4 file */
    else {
        fprintf(stderr, "inspect: %s: not an IDX, MAT-file, CIFAR-10 batch or "
                "checkpoint\n", argv[1]);
        rc = 1;
    }
    hn_free(plain);
    hn_free(file);
    return rc;
}
