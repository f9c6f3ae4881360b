/* bench_inflate - decode MNIST's train-images-idx3-ubyte.gz (47,040,016
   bytes out) with hn_gunzip and, when built with HN_BENCH_ZLIB, with zlib
   on the same input in the same run, interleaved; print the median output
   MB/s of each and their ratio.

       build/bench_inflate [path/to/train-images-idx3-ubyte.gz] [runs]

   The default path is $SHARED/data/mnist (../shared/data/mnist from the
   repository root, where `make bench` runs). */
#include "../examples/util.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HN_BENCH_ZLIB
#include <zlib.h>

/* zlib's gunzip of the whole buffer: 16 + MAX_WBITS asks for the gzip
   wrapper. Like hn_gunzip it makes a new output buffer each time, sized
   from ISIZE, so both pay for fresh pages. Returns the bytes produced, 0
   on error. */
static size_t zlib_gunzip(const unsigned char *in, size_t in_len)
{
    z_stream s;
    size_t n, cap = (size_t)in[in_len - 4] | (size_t)in[in_len - 3] << 8 |
                    (size_t)in[in_len - 2] << 16 | (size_t)in[in_len - 1] << 24;
    unsigned char *out = (unsigned char *)malloc(cap);
    memset(&s, 0, sizeof s);
    if (!out || inflateInit2(&s, 16 + MAX_WBITS) != Z_OK) return 0;
    s.next_in = (unsigned char *)in;
    s.avail_in = (uInt)in_len;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    n = inflate(&s, Z_FINISH) == Z_STREAM_END ? (size_t)s.total_out : 0;
    inflateEnd(&s);
    free(out);
    return n;
}
#endif

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

#define MAX_RUNS 51

int main(int argc, char **argv)
{
    char path[1024];
    unsigned char *gz = NULL;
    size_t gz_len = 0, out_len = 0;
    double hn_t[MAX_RUNS], mb;
    int runs = argc > 2 ? atoi(argv[2]) : 7, r;
#ifdef HN_BENCH_ZLIB
    double z_t[MAX_RUNS];
#endif

    if (runs < 1) runs = 1;
    if (runs > MAX_RUNS) runs = MAX_RUNS;
    if (argc > 1) {
        snprintf(path, sizeof path, "%s", argv[1]);
    } else {
        const char *shared = getenv("SHARED");
        snprintf(path, sizeof path, "%s/data/mnist/train-images-idx3-ubyte.gz",
                 shared ? shared : "../shared");
    }
    if (hn_read_file(path, (size_t)1 << 30, &gz, &gz_len) != HN_OK) {
        fprintf(stderr, "bench_inflate: %s\n", hn_error());
        return 1;
    }

    for (r = 0; r < runs; r++) {
        unsigned char *out = NULL;
        double t0 = now_seconds();
        if (hn_gunzip(gz, gz_len, (size_t)1 << 30, &out, &out_len) != HN_OK) {
            fprintf(stderr, "bench_inflate: %s\n", hn_error());
            return 1;
        }
        hn_t[r] = now_seconds() - t0;
        hn_free(out);
#ifdef HN_BENCH_ZLIB
        t0 = now_seconds();
        if (zlib_gunzip(gz, gz_len) != out_len) {
            fprintf(stderr, "bench_inflate: zlib disagrees on the size\n");
            return 1;
        }
        z_t[r] = now_seconds() - t0;
#endif
    }

    mb = (double)out_len / 1e6;
    printf("%s: %zu -> %zu bytes, median of %d runs\n", path, gz_len, out_len, runs);
    printf("hn_gunzip  %8.1f MB/s out (%.1f ms)\n", mb / median(hn_t, runs),
           1e3 * median(hn_t, runs));
#ifdef HN_BENCH_ZLIB
    printf("zlib       %8.1f MB/s out (%.1f ms), zlib %s\n", mb / median(z_t, runs),
           1e3 * median(z_t, runs), zlibVersion());
    printf("ratio hn/zlib %.2f\n", median(z_t, runs) / median(hn_t, runs));
#endif
    hn_free(gz);
    return 0;
}
