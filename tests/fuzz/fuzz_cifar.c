/* libFuzzer harness for the CIFAR-10 batch reader, plain and gzipped.

   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_cifar.c -lm
   Seeds: two records of the shared test batch (tests/fuzz/run.sh cuts them)
   and tests/fuzz/seeds/cifar/ (the same two records gzipped). */
#define HYPERNET_IMPLEMENTATION
#include "hypernet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    float *images;
    int *labels, n, i;
    if (hn_cifar10_parse(data, size, (size_t)1 << 22, 1.0f / 255, &images, &labels, &n)
        != HN_OK) return 0;
    /* Touch every output so that a short allocation shows. */
    for (i = 0; i < n; i++)
        if (labels[i] < 0 || labels[i] > 9 || images[(size_t)i * 3072 + 3071] > 1.0f)
            __builtin_trap();
    hn_free(images);
    hn_free(labels);
    return 0;
}
