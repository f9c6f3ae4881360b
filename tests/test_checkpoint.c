/* Checkpoints: a round trip of a parameter store with its optimizer
   counter and RNG, the exact little-endian bytes of a tiny file (its CRC
   from Python's zlib.crc32), a crash simulated by a stray .tmp, every
   truncation and every flipped byte refused, shape mismatches named, and
   forged headers that cannot make the reader allocate or read past the
   end. */
#include "track_alloc.h"
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

/* The checkpoint file goes beside the test program (build/ or the
   sanitizer build's folder), named from argv[0] in main. */
static char ckpt_path[1024] = "test_checkpoint.ckpt";
static char tmp_path[1100];
static char bad_path[1100];
#define CKPT_PATH ckpt_path

static void make_store(hn_params *ps, int w_cols, int seed)
{
    hn_rng r;
    hn_params_init(ps);
    hn_params_add(ps, "fc1.w", 2, (int[]){8, w_cols});
    hn_params_add(ps, "fc1.b", 1, (int[]){8});
    hn_params_add(ps, "hyper.z", 3, (int[]){2, 3, 4});
    if (hn_params_alloc(ps) != HN_OK) return;
    hn_rng_seed(&r, (uint64_t)seed);
    hn_rng_fill_normal(&r, ps->data, ps->total, 0.0f, 1.0f);
}

/* Bitwise comparison of the parameters (padding excluded). */
static int same_params(const hn_params *a, const hn_params *b)
{
    int i;
    for (i = 0; i < a->count; i++)
        if (memcmp(hn_params_data(a, i), hn_params_data(b, i),
                   a->info[i].size * sizeof(float)) != 0) return 0;
    return 1;
}

static void test_known_bytes(void)
{
    static const unsigned char want[57] = {
        0x89, 0x48, 0x4e, 0x43, 0x4b, 0x0d, 0x0a, 0x1a, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00,
        0x00, 0x00, 0x39, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
        0x63, 0x01, 0x01, 0x77, 0x01, 0x02, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0xc0, 0x56, 0xb8, 0x24,
        0xc9
    };
    static const float w[2] = {1.0f, -2.0f};
    hn_ckpt_writer wr;
    hn_ckpt c;
    unsigned char *buf;
    size_t len, i, first = 0;
    int shape[1] = {2};
    float back[2];
    hn_ckpt_begin(&wr, "c");
    hn_ckpt_add_tensor(&wr, "w", 1, shape, w);
    if (hn_ckpt_finish(&wr, &buf, &len) != HN_OK) {
        CHECK(0, "finish: %s", hn_error());
        return;
    }
    for (i = 0; i < len && i < 57; i++)
        if (buf[i] != want[i] && !first) first = i + 1;
    CHECK(len == 57 && first == 0, "tiny checkpoint: %zu bytes, first difference at %zu "
          "(little-endian on disk, CRC 0xc924b856 from zlib.crc32)", len, first);
    CHECK(hn_ckpt_open_mem(&c, want, 57) == HN_OK && strcmp(c.config, "c") == 0
          && hn_ckpt_read_tensor(&c, "w", 1, shape, back) == HN_OK && back[0] == 1.0f
          && back[1] == -2.0f, "the reference bytes read back: %s", hn_error());
    hn_ckpt_close(&c);
    hn_free(buf);
}

static void test_round_trip(void)
{
    hn_params a, b;
    hn_ckpt_writer w;
    hn_ckpt c;
    hn_rng r1, r2;
    uint64_t step = 0;
    char *config = NULL;
    float x1, x2;
    int k;

    make_store(&a, 5, 1);
    make_store(&b, 5, 2);
    remove(CKPT_PATH);
    CHECK(hn_checkpoint_save_params(CKPT_PATH, &a, "{\"hidden\": 8}") == HN_OK,
          "save: %s", hn_error());
    CHECK(!same_params(&a, &b), "stores differ before loading");
    CHECK(hn_checkpoint_load_params(CKPT_PATH, &b, &config) == HN_OK, "load: %s",
          hn_error());
    CHECK(same_params(&a, &b), "parameters identical after the round trip");
    CHECK(config && strcmp(config, "{\"hidden\": 8}") == 0, "config '%s'",
          config ? config : "(null)");
    hn_free(config);

    /* Optimizer state, a counter and an RNG in the middle of a normal pair:
       the resumed stream must continue exactly. */
    hn_rng_seed(&r1, 99);
    hn_rng_normal(&r1);
    hn_ckpt_begin(&w, "run");
    hn_ckpt_add_params(&w, &a, a.data, "");
    hn_ckpt_add_params(&w, &a, a.grad, "adam.m.");
    hn_ckpt_add_u64(&w, "step", UINT64_C(123456789012));
    hn_ckpt_add_rng(&w, "rng", &r1);
    CHECK(hn_ckpt_finish_file(&w, CKPT_PATH) == HN_OK, "finish_file: %s", hn_error());
    CHECK(hn_ckpt_open_file(&c, CKPT_PATH, 1 << 20) == HN_OK, "open: %s", hn_error());
    CHECK(c.count == 8 && hn_ckpt_find(&c, "adam.m.fc1.w") != NULL, "%d entries", c.count);
    CHECK(hn_ckpt_read_params(&c, &b, b.grad, "adam.m.") == HN_OK
          && memcmp(a.grad, b.grad, a.total * sizeof(float)) == 0, "moments restored");
    CHECK(hn_ckpt_read_u64(&c, "step", &step) == HN_OK && step == UINT64_C(123456789012),
          "step counter %llu", (unsigned long long)step);
    CHECK(hn_ckpt_read_rng(&c, "rng", &r2) == HN_OK, "rng: %s", hn_error());
    for (k = 0; k < 5; k++) {
        x1 = hn_rng_normal(&r1);
        x2 = hn_rng_normal(&r2);
        CHECK(x1 == x2, "resumed RNG draw %d: %g vs %g", k, x1, x2);
    }
    CHECK(hn_ckpt_read_blob(&c, "fc1.b", &step, 8) == HN_ERR_FORMAT, "tensor read as blob");
    CHECK(hn_ckpt_read_u64(&c, "nope", &step) == HN_ERR_NOT_FOUND, "missing: %s",
          hn_error());
    hn_ckpt_close(&c);
    hn_params_free(&a);
    hn_params_free(&b);
}

static void test_shapes(void)
{
    hn_params a, b;
    hn_ckpt_writer w;
    float keep;
    make_store(&a, 5, 1);
    CHECK(hn_checkpoint_save_params(CKPT_PATH, &a, NULL) == HN_OK, "save: %s", hn_error());

    /* fc1.w is 8x5 in the file, 8x6 in the model: named with both shapes,
       and the model left untouched. */
    make_store(&b, 6, 2);
    keep = b.data[b.info[1].offset];
    CHECK(hn_checkpoint_load_params(CKPT_PATH, &b, NULL) == HN_ERR_SHAPE
          && strstr(hn_error(), "'fc1.w'") && strstr(hn_error(), "8x5")
          && strstr(hn_error(), "8x6"), "shape mismatch: %s", hn_error());
    CHECK(b.data[b.info[1].offset] == keep, "store untouched after a refused load");
    hn_params_free(&b);

    /* A model with a tensor the file lacks, and one without a tensor the
       file has. */
    hn_params_init(&b);
    hn_params_add(&b, "fc1.w", 2, (int[]){8, 5});
    hn_params_add(&b, "fc1.b", 1, (int[]){8});
    hn_params_add(&b, "hyper.z", 3, (int[]){2, 3, 4});
    hn_params_add(&b, "fc2.w", 1, (int[]){3});
    hn_params_alloc(&b);
    CHECK(hn_checkpoint_load_params(CKPT_PATH, &b, NULL) == HN_ERR_NOT_FOUND
          && strstr(hn_error(), "'fc2.w'"), "missing tensor: %s", hn_error());
    hn_params_free(&b);
    hn_params_init(&b);
    hn_params_add(&b, "fc1.w", 2, (int[]){8, 5});
    hn_params_add(&b, "fc1.b", 1, (int[]){8});
    hn_params_alloc(&b);
    CHECK(hn_checkpoint_load_params(CKPT_PATH, &b, NULL) == HN_ERR_SHAPE
          && strstr(hn_error(), "'hyper.z'"), "extra tensor: %s", hn_error());
    hn_params_free(&b);

    /* Writer errors are sticky; duplicate names refused. */
    hn_ckpt_begin(&w, "");
    CHECK(hn_ckpt_add_u64(&w, "x", 1) == HN_OK && hn_ckpt_add_u64(&w, "x", 2) == HN_ERR_ARG,
          "duplicate name: %s", hn_error());
    CHECK(hn_ckpt_add_u64(&w, "y", 1) == HN_ERR_ARG && hn_ckpt_finish_file(&w, CKPT_PATH)
          == HN_ERR_ARG, "error sticks until finish");
    CHECK(hn_checkpoint_load_params(CKPT_PATH, &a, NULL) == HN_OK,
          "a failed finish left the old file: %s", hn_error());
    hn_params_free(&a);
}

static void test_crash(void)
{
    hn_params a, b;
    FILE *f;
    make_store(&a, 5, 1);
    make_store(&b, 5, 2);
    CHECK(hn_checkpoint_save_params(CKPT_PATH, &a, "a") == HN_OK, "save: %s", hn_error());
    /* A crash during the next save leaves a half-written .tmp behind. */
    f = fopen(tmp_path, "wb");
    if (f) {
        fputs("\211HNCK half a checkpoint", f);
        fclose(f);
    }
    CHECK(hn_checkpoint_load_params(CKPT_PATH, &b, NULL) == HN_OK && same_params(&a, &b),
          "the previous checkpoint survives a stray .tmp: %s", hn_error());
    hn_params_free(&b);
    make_store(&b, 5, 3);
    CHECK(hn_checkpoint_save_params(CKPT_PATH, &b, "b") == HN_OK, "save over it: %s",
          hn_error());
    f = fopen(tmp_path, "rb");
    CHECK(f == NULL, "no .tmp left after a save");
    if (f) fclose(f);
    CHECK(hn_checkpoint_load_params(CKPT_PATH, &a, NULL) == HN_OK && same_params(&a, &b),
          "the new checkpoint replaced the old one");
    CHECK(hn_checkpoint_save_params(bad_path, &a, "") == HN_ERR_IO,
          "unwritable path: %s", hn_error());
    hn_params_free(&a);
    hn_params_free(&b);
}

static void test_damage(void)
{
    hn_params a;
    hn_ckpt_writer w;
    hn_ckpt c;
    unsigned char *buf, *copy;
    size_t len, i, accepted = 0, crc_named = 0;
    int bit;
    make_store(&a, 5, 1);
    hn_ckpt_begin(&w, "cfg");
    hn_ckpt_add_params(&w, &a, a.data, "");
    hn_ckpt_add_u64(&w, "step", 7);
    if (hn_ckpt_finish(&w, &buf, &len) != HN_OK) return;
    copy = (unsigned char *)malloc(len);
    if (!copy) return;

    /* Every truncation. */
    for (i = 0; i < len; i++) {
        memcpy(copy, buf, i);
        if (hn_ckpt_open_mem(&c, copy, i) == HN_OK) {
            accepted++;
            hn_ckpt_close(&c);
        }
    }
    CHECK(accepted == 0, "%zu of %zu truncations accepted", accepted, len);
    CHECK(hn_ckpt_open_mem(&c, buf, len - 1) == HN_ERR_TRUNCATED
          && strstr(hn_error(), "truncated"), "one byte short: %s", hn_error());

    /* Every single-bit flip, in every byte. */
    accepted = 0;
    for (i = 0; i < len; i++)
        for (bit = 0; bit < 8; bit++) {
            memcpy(copy, buf, len);
            copy[i] ^= (unsigned char)(1u << bit);
            if (hn_ckpt_open_mem(&c, copy, len) == HN_OK) {
                accepted++;
                hn_ckpt_close(&c);
            } else if (hn_error_status() == HN_ERR_CHECKSUM) {
                crc_named++;
            }
        }
    CHECK(accepted == 0, "%zu of %zu bit flips accepted", accepted, 8 * len);
    memcpy(copy, buf, len);
    copy[len / 2] ^= 0x10;
    CHECK(hn_ckpt_open_mem(&c, copy, len) == HN_ERR_CHECKSUM && strstr(hn_error(), "CRC"),
          "flipped payload byte: %s", hn_error());
    memcpy(copy, buf, len);
    copy[0] = 'X';
    CHECK(hn_ckpt_open_mem(&c, copy, len) == HN_ERR_FORMAT && strstr(hn_error(), "magic"),
          "bad magic: %s", hn_error());
    memcpy(copy, buf, len);
    copy[8] = 2;
    CHECK(hn_ckpt_open_mem(&c, copy, len) == HN_ERR_UNSUPPORTED
          && strstr(hn_error(), "version 2"), "unknown version: %s", hn_error());
    printf("%zu-byte checkpoint: %zu truncations and %zu bit flips refused (%zu by the "
           "CRC)\n", len, len, 8 * len, crc_named);

    /* Forged headers with a valid CRC: an absurd entry count, a payload
       length past the end. Refused without a large allocation. */
    largest_alloc = 0;
    memcpy(copy, buf, len);
    hn__store_u32le(copy + 12, 0xffffffffu);
    hn__store_u32le(copy + len - 4, hn_crc32(0, copy, len - 4));
    CHECK(hn_ckpt_open_mem(&c, copy, len) == HN_ERR_FORMAT && largest_alloc < 1024,
          "forged entry count: %s (largest allocation %zu)", hn_error(), largest_alloc);
    memcpy(copy, buf, len);
    /* The first entry's payload length: after the header, 3 bytes ("cfg"),
       kind, name length, "fc1.w", ndim, two dims. */
    hn__store_u32le(copy + 28 + 3 + 3 + 5 + 8 + 4, 0x7fffffffu);
    hn__store_u32le(copy + len - 4, hn_crc32(0, copy, len - 4));
    CHECK(hn_ckpt_open_mem(&c, copy, len) != HN_OK, "forged payload length: %s",
          hn_error());
    free(copy);
    hn_free(buf);
    hn_params_free(&a);
}

int main(int argc, char **argv)
{
    const char *slash = argc > 0 ? strrchr(argv[0], '/') : NULL;
    if (slash && (size_t)(slash - argv[0]) < sizeof ckpt_path - 32)
        sprintf(ckpt_path, "%.*s/test_checkpoint.ckpt", (int)(slash - argv[0]), argv[0]);
    sprintf(tmp_path, "%s.tmp", ckpt_path);
    sprintf(bad_path, "%s.no/such/dir/x.ckpt", ckpt_path);
    test_known_bytes();
    test_round_trip();
    test_shapes();
    test_crash();
    test_damage();
    remove(CKPT_PATH);
    return test_exit("test_checkpoint");
}
