/* libFuzzer harness for the IDX reader (plain and gzipped) and its
   conversions, with a 4 MiB size limit. */
#define HYPERNET_IMPLEMENTATION
#include "../../hypernet.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float f[64];
    int v[64];
    hn_idx x;
    if (hn_idx_read_mem(data, size, (size_t)4 << 20, &x) == HN_OK) {
        size_t n = x.count < 64 ? x.count : 64;
        if (x.count * x.elem_size > ((size_t)4 << 20)) abort();
        hn_idx_to_float(&x, x.count - n, n, 1.0f / 255.0f, f);
        hn_idx_to_int(&x, 0, n, v);
        hn_idx_free(&x);
    }
    return 0;
}
