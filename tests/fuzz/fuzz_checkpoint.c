/* libFuzzer harness for the checkpoint reader. Every file the reader
   accepts is read entry by entry and written again with the writer: the
   bytes must come out identical (when the configuration holds no NUL,
   which the writer's C string cannot carry), so reader and writer agree
   on the format.

   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. tests/fuzz/fuzz_checkpoint.c -lm
   Seeds: tests/fuzz/seeds/checkpoint/ (small files from the writer). A
   random mutation almost never keeps the CRC right; -use_value_profile=1
   helps, and the harness also tries each input with its length and CRC
   recomputed, so the parser behind the CRC is fuzzed too. */
#define HYPERNET_IMPLEMENTATION
#include "hypernet.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const unsigned char *data, size_t size)
{
    hn_ckpt c;
    hn_ckpt_writer w;
    unsigned char *out;
    size_t out_len;
    int i;
    if (hn_ckpt_open_mem(&c, data, size) != HN_OK) return;
    hn_ckpt_begin(&w, c.config);
    for (i = 0; i < c.count; i++) {
        const hn_ckpt_entry *e = &c.entries[i];
        void *buf = malloc(e->kind == HN_CKPT_TENSOR ? e->size * 4 + 1 : e->size + 1);
        if (!buf) break;
        if (e->kind == HN_CKPT_TENSOR) {
            if (hn_ckpt_read_tensor(&c, e->name, e->ndim, e->shape, (float *)buf) != HN_OK)
                __builtin_trap();
            hn_ckpt_add_tensor(&w, e->name, e->ndim, e->shape, (const float *)buf);
        } else {
            if (hn_ckpt_read_blob(&c, e->name, buf, e->size) != HN_OK) __builtin_trap();
            hn_ckpt_add_blob(&w, e->name, buf, e->size);
        }
        free(buf);
    }
    if (hn_ckpt_finish(&w, &out, &out_len) == HN_OK) {
        if (strlen(c.config) == hn__load_u32le(data + 24)
            && (out_len != size || memcmp(out, data, size) != 0))
            __builtin_trap();
        hn_free(out);
    }
    hn_ckpt_close(&c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned char *copy;
    check(data, size);
    if (size < 32) return 0;
    copy = (unsigned char *)malloc(size);
    if (!copy) return 0;
    memcpy(copy, data, size);
    hn__store_u32le(copy + 16, (uint32_t)size);
    hn__store_u32le(copy + 20, 0);
    hn__store_u32le(copy + size - 4, hn_crc32(0, copy, size - 4));
    check(copy, size);
    free(copy);
    return 0;
}
