/* libFuzzer harness for the MAT-file reader: open, walk every variable,
   read each one, convert it to float, and try the SVHN helper. Any crash,
   leak, hang or sanitizer report is a bug; refusals are fine.

   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_mat.c -lm
   Seeds: the fixtures in ../shared/fixtures/mat/ up to 20 kB (tests/fuzz/run.sh
   copies them) and tests/fuzz/seeds/mat/ (a big-endian file). */
#define HYPERNET_IMPLEMENTATION
#include "hypernet.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    hn_mat m;
    hn_mat_var v;
    hn_mat_array a;
    float *images;
    int *labels, n;
    /* A 1 MiB cap on inflation keeps a compression bomb small. */
    if (hn_mat_open_mem(&m, data, size, (size_t)1 << 20) != HN_OK) return 0;
    while (hn_mat_next(&m, &v) == 1) {
        if (hn_mat_read_var(&m, &v, &a) != HN_OK) continue;
        if (a.numel) {
            float *f = (float *)malloc(a.numel * sizeof *f);
            if (f) hn_mat_to_float(&a, 0.5f, f);
            (void)hn_mat_get(&a, a.numel - 1);
            free(f);
        }
        hn_mat_array_free(&a);
    }
    if (hn_svhn_load(&m, 1.0f / 255, &images, &labels, &n) == HN_OK) {
        hn_free(images);
        hn_free(labels);
    }
    hn_mat_close(&m);
    return 0;
}
