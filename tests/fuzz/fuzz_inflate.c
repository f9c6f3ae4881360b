/* libFuzzer harness for the inflater: the same bytes go to the raw deflate,
   zlib and gzip decoders (with a 1 MiB output limit) and to the decoder
   into a fixed buffer. A decoder may refuse anything; it must not crash,
   hang, leak or read outside the input, and what it reports must be
   consistent. */
#define HYPERNET_IMPLEMENTATION
#include "../../hypernet.h"

#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned char fixed[4096];
    unsigned char *out = NULL, *out2 = NULL;
    size_t n = 0, n2 = 0, used = 0, used2 = 0;
    hn_status st, st2;

    st = hn_inflate(data, size, (size_t)1 << 20, &out, &n, &used);
    if (st == HN_OK && (used > size || n > ((size_t)1 << 20))) abort();

    /* Into a small buffer: the same answer when the output fits. */
    st2 = hn_inflate_into(data, size, fixed, sizeof fixed, &n2, &used2);
    if (st == HN_OK && n <= sizeof fixed &&
        (st2 != HN_OK || n2 != n || used2 != used || memcmp(fixed, out, n) != 0))
        abort();
    if (st2 == HN_OK && st != HN_OK) abort();
    hn_free(out);

    if (hn_zlib_uncompress(data, size, (size_t)1 << 20, &out2, &n2) == HN_OK) hn_free(out2);
    if (hn_gunzip(data, size, (size_t)1 << 20, &out2, &n2) == HN_OK) hn_free(out2);
    return 0;
}
