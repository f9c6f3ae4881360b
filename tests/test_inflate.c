/* Inflate: checksums, deflate blocks of every kind, the zlib and gzip
   wrappers, hostile streams, and the real data files decoded and hashed.

   The small compressed vectors below were made once with Python's zlib
   (level 9; level 0 for the stored block; Z_FIXED for the fixed one) from
   inputs this file regenerates, so the test needs no zlib. */
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <stdio.h>
#include <string.h>

/* ---- reference implementations: slow, obviously right ---- */

static uint32_t crc32_bitwise(uint32_t crc, const unsigned char *p, size_t n)
{
    int k;
    crc = ~crc;
    while (n--) {
        crc ^= *p++;
        for (k = 0; k < 8; k++) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return ~crc;
}

static uint32_t adler32_naive(uint32_t adler, const unsigned char *p, size_t n)
{
    uint32_t a = adler & 0xffff, b = adler >> 16;
    while (n--) {
        a = (a + *p++) % 65521u;
        b = (b + a) % 65521u;
    }
    return b << 16 | a;
}

/* SHA-256 (FIPS 180-4), to compare decoded files with the hashes the data
   mirror lists. */
typedef struct {
    uint32_t h[8];
    unsigned char block[64];
    size_t fill;
    uint64_t total;
} sha256_ctx;

static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
    0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
    0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
    0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
    0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
    0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
    0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
    0xc67178f2};

#define ROTR(x, n) ((x) >> (n) | (x) << (32 - (n)))

static void sha256_block(sha256_ctx *c, const unsigned char *p)
{
    uint32_t w[64], s[8], t1, t2;
    int i;
    for (i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | p[4 * i + 3];
    for (i = 16; i < 64; i++)
        w[i] = w[i - 16] + (ROTR(w[i - 15], 7) ^ ROTR(w[i - 15], 18) ^ (w[i - 15] >> 3)) +
               w[i - 7] + (ROTR(w[i - 2], 17) ^ ROTR(w[i - 2], 19) ^ (w[i - 2] >> 10));
    memcpy(s, c->h, sizeof s);
    for (i = 0; i < 64; i++) {
        t1 = s[7] + (ROTR(s[4], 6) ^ ROTR(s[4], 11) ^ ROTR(s[4], 25)) +
             ((s[4] & s[5]) ^ (~s[4] & s[6])) + sha256_k[i] + w[i];
        t2 = (ROTR(s[0], 2) ^ ROTR(s[0], 13) ^ ROTR(s[0], 22)) +
             ((s[0] & s[1]) ^ (s[0] & s[2]) ^ (s[1] & s[2]));
        memmove(s + 1, s, 7 * sizeof s[0]);
        s[4] += t1;
        s[0] = t1 + t2;
    }
    for (i = 0; i < 8; i++) c->h[i] += s[i];
}

/* Hex of the SHA-256 of p[0..n) into hex[65]. */
static void sha256_hex(const unsigned char *p, size_t n, char *hex)
{
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    sha256_ctx c;
    unsigned char tail[128];
    size_t i, rest = n % 64, pad;
    memcpy(c.h, h0, sizeof h0);
    for (i = 0; i + 64 <= n; i += 64) sha256_block(&c, p + i);
    memset(tail, 0, sizeof tail);
    memcpy(tail, p + i, rest);
    tail[rest] = 0x80;
    pad = rest < 56 ? 64 : 128;
    for (i = 0; i < 8; i++) tail[pad - 1 - i] = (unsigned char)((uint64_t)n * 8 >> (8 * i));
    for (i = 0; i < pad; i += 64) sha256_block(&c, tail + i);
    for (i = 0; i < 32; i++)
        sprintf(hex + 2 * i, "%02x", (unsigned)(c.h[i / 4] >> (24 - 8 * (i % 4))) & 0xff);
}

/* ---- the inputs the vectors were made from ---- */

static size_t make_text(unsigned char *buf)
{
    const char *s = "Hypernetworks: a small network generates the weights of a "
                    "larger one. ";
    size_t n = strlen(s), i;
    for (i = 0; i < 3; i++) memcpy(buf + i * n, s, n);
    return 3 * n;
}

static size_t make_dyn(unsigned char *buf)
{
    static const char *const kind[3] = {"conv", "dense", "lstm"};
    size_t n = 0;
    int i;
    for (i = 0; i < 24; i++)
        n += (size_t)sprintf((char *)buf + n, "layer %d: %s weights from embedding "
                             "z_%d; ", i, kind[i % 3], i * 7 % 13);
    return n;
}

/* Bytes with geometric frequencies, so the Huffman code gets codes longer
   than the 10-bit root table and the sub-tables are exercised. */
static size_t make_skewed(unsigned char *buf)
{
    uint32_t s = 2463534242u, r;
    size_t i;
    for (i = 0; i < 4000; i++) {
        int k = 0;
        s ^= s << 13;
        s ^= s >> 17;
        s ^= s << 5;
        r = s | 0x80000000u;
        while (!(r & 1u)) {
            r >>= 1;
            k++;
        }
        buf[i] = (unsigned char)((k * 37 + 11) & 255);
    }
    return 4000;
}

static const unsigned char stored_raw[25] = {
    0x01, 0x14, 0x00, 0xeb, 0xff, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x64, 0x20, 0x62, 0x6c,
    0x6f, 0x63, 0x6b, 0x2c, 0x20, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x21};

static const unsigned char fixed_raw[69] = {
    0xf3, 0xa8, 0x2c, 0x48, 0x2d, 0xca, 0x4b, 0x2d, 0x29, 0xcf, 0x2f, 0xca, 0x2e, 0xb6,
    0x52, 0x48, 0x54, 0x28, 0xce, 0x4d, 0xcc, 0xc9, 0x51, 0x80, 0x8a, 0x28, 0xa4, 0xa7,
    0xe6, 0xa5, 0x16, 0x25, 0x96, 0xa4, 0x16, 0x2b, 0x94, 0x64, 0xa4, 0x2a, 0x94, 0xa7,
    0x66, 0xa6, 0x67, 0x94, 0x14, 0x2b, 0xe4, 0xa7, 0x01, 0x15, 0xe6, 0x24, 0x16, 0xa5,
    0xa7, 0x16, 0x29, 0xe4, 0xe7, 0xa5, 0xea, 0x29, 0x78, 0x0c, 0x22, 0x53, 0x00};

static const unsigned char dynamic_raw[179] = {
    0x85, 0x92, 0x5b, 0x0a, 0xc2, 0x50, 0x10, 0x43, 0xb7, 0x32, 0x4b, 0xb8, 0x33, 0xb7,
    0x6f, 0x17, 0x23, 0x6a, 0xaf, 0xb5, 0xd0, 0x07, 0xb4, 0x45, 0xd1, 0xd5, 0x2b, 0xc2,
    0xa4, 0x5f, 0x25, 0xff, 0x07, 0x72, 0x48, 0x32, 0x5c, 0xde, 0x69, 0x91, 0xd0, 0xc8,
    0x6d, 0x9e, 0x9e, 0xf2, 0x4a, 0x7d, 0xf7, 0xd8, 0x56, 0xb9, 0x2f, 0xf3, 0x28, 0x69,
    0xbc, 0xa6, 0xb6, 0xed, 0xa7, 0x4e, 0x3e, 0xe7, 0x70, 0x92, 0xe1, 0x4f, 0x6a, 0x23,
    0x6d, 0x9a, 0xd6, 0x74, 0x8c, 0x96, 0x8e, 0x5a, 0x23, 0xc3, 0xba, 0x8d, 0xc7, 0xa4,
    0x3a, 0x19, 0x59, 0x7c, 0xe5, 0x64, 0x46, 0xe3, 0xcd, 0xd1, 0x9c, 0xc5, 0xd7, 0x4e,
    0x16, 0x2c, 0x3e, 0x3a, 0x59, 0xd2, 0x78, 0x45, 0x53, 0x15, 0xcb, 0xcf, 0x9c, 0xac,
    0x59, 0xbe, 0xa2, 0x29, 0x0d, 0xd4, 0x20, 0x07, 0xab, 0x74, 0x00, 0x94, 0xa5, 0xc6,
    0x1c, 0x0a, 0xa0, 0x91, 0x2a, 0xec, 0x6f, 0xc9, 0x98, 0x02, 0xde, 0xa2, 0x39, 0x6d,
    0x01, 0x68, 0x41, 0x0d, 0x70, 0x18, 0x2d, 0x99, 0xc1, 0xde, 0x41, 0xc5, 0x0c, 0xf0,
    0x18, 0xad, 0xa9, 0x01, 0x3e, 0x63, 0x81, 0xce, 0x80, 0xbe, 0x4c, 0x99, 0x02, 0x4e,
    0x63, 0xc6, 0xbf, 0x88, 0xc6, 0x2c, 0x32, 0x87, 0xdf, 0x6b, 0xbe};

static const unsigned char skewed_raw[1382] = {
    0x55, 0x57, 0x81, 0x8d, 0x2c, 0x3b, 0x08, 0x2b, 0x20, 0xd2, 0xd4, 0x82, 0xb4, 0xb5,
    0x20, 0x6d, 0x2d, 0x48, 0x57, 0x0b, 0xd2, 0xab, 0x25, 0xcd, 0xa4, 0x8b, 0x8f, 0x6d,
    0xc8, 0xec, 0x7f, 0x77, 0xb7, 0x6f, 0x66, 0x96, 0x10, 0x62, 0x8c, 0x61, 0x96, 0x6d,
    0x5b, 0x66, 0x0b, 0xff, 0x2c, 0xec, 0xc1, 0x75, 0xfd, 0x86, 0xe7, 0xfa, 0xd6, 0x03,
    0x3e, 0xae, 0xeb, 0x05, 0x8b, 0xb6, 0xf2, 0xbe, 0x58, 0xcb, 0x57, 0x7d, 0xb3, 0x22,
    0x3d, 0x56, 0xfa, 0xc2, 0x73, 0xae, 0x30, 0xb7, 0xb4, 0xac, 0x2b, 0xab, 0xa7, 0xb4,
    0xab, 0x2f, 0x56, 0x70, 0xa9, 0xf3, 0x13, 0x96, 0xb6, 0x97, 0xbb, 0xd5, 0x5e, 0xfe,
    0x7a, 0x2f, 0x17, 0x5b, 0xf7, 0xc1, 0x20, 0xb0, 0xbc, 0x9c, 0x97, 0xbf, 0xb5, 0x76,
    0x6f, 0x8f, 0x8f, 0xbd, 0x8e, 0x2e, 0xc3, 0x19, 0xcf, 0xa7, 0xfe, 0x12, 0xf7, 0xfc,
    0xad, 0x8f, 0x27, 0x74, 0x8d, 0xbd, 0xd6, 0x71, 0x78, 0x86, 0x4b, 0x44, 0x51, 0x8f,
    0x61, 0x5a, 0x21, 0xc2, 0xa4, 0x9e, 0x67, 0xb8, 0xd5, 0x26, 0x87, 0xde, 0xe0, 0x4f,
    0x4e, 0x02, 0x4b, 0xcd, 0xb8, 0xa0, 0x40, 0xb2, 0x86, 0x89, 0x4b, 0xfa, 0xf4, 0xba,
    0x37, 0x85, 0x95, 0x30, 0x91, 0x8d, 0x2c, 0x76, 0xb9, 0xf2, 0x94, 0x7d, 0x62, 0x35,
    0x3e, 0x6e, 0x90, 0x15, 0x56, 0x45, 0x74, 0x9d, 0xd1, 0xc4, 0x09, 0x4d, 0xd0, 0xac,
    0x31, 0x2e, 0x17, 0x78, 0x96, 0x02, 0x31, 0x93, 0x07, 0x00, 0x76, 0xe5, 0xbe, 0x23,
    0x58, 0xc8, 0x4f, 0x41, 0x59, 0x48, 0x55, 0x0c, 0x1e, 0x8a, 0xe7, 0x10, 0xf0, 0x32,
    0x89, 0x76, 0x54, 0x3f, 0x9b, 0xc8, 0x76, 0x10, 0x69, 0xd6, 0x90, 0x30, 0x0a, 0xd7,
    0x01, 0x3d, 0xee, 0xe9, 0x62, 0xf2, 0xbc, 0x75, 0xa2, 0x02, 0x46, 0x09, 0x14, 0x30,
    0x15, 0xbf, 0x11, 0xa4, 0xba, 0xcc, 0xd5, 0x0e, 0x78, 0x57, 0x27, 0xf0, 0x8b, 0x45,
    0xb9, 0xe9, 0x33, 0x06, 0x77, 0x86, 0xdf, 0x14, 0x92, 0x85, 0xad, 0xfb, 0x00, 0x86,
    0xb3, 0x6f, 0x79, 0xc3, 0x8f, 0xdb, 0x8d, 0x00, 0x18, 0xd6, 0x65, 0x58, 0x1c, 0x82,
    0xd0, 0x64, 0xb1, 0x22, 0xa8, 0x80, 0x2b, 0x37, 0xcc, 0xdc, 0x7a, 0x4f, 0xca, 0x75,
    0xe4, 0x12, 0xe1, 0xeb, 0x65, 0x4e, 0xe0, 0x6a, 0x7b, 0xc7, 0xc1, 0x99, 0x13, 0x07,
    0xbe, 0xd8, 0x4b, 0xc1, 0x92, 0xcf, 0x97, 0x66, 0x8c, 0x05, 0x7e, 0x85, 0x29, 0xac,
    0x10, 0x87, 0xdf, 0x8d, 0x60, 0xf2, 0x60, 0x7d, 0xae, 0xb6, 0x5f, 0x0f, 0xeb, 0xc3,
    0x96, 0xca, 0x0a, 0xa9, 0x41, 0x0e, 0xa3, 0x97, 0x17, 0x60, 0x71, 0x39, 0x14, 0xcc,
    0x1f, 0x0f, 0xb9, 0x99, 0xdf, 0xae, 0x12, 0x42, 0x19, 0x88, 0x31, 0x26, 0x07, 0xac,
    0x00, 0x78, 0x0a, 0xd5, 0x4e, 0x10, 0x5e, 0xbb, 0x91, 0xd6, 0xbf, 0x4f, 0x5b, 0x86,
    0xd0, 0x23, 0xf0, 0xc6, 0xb2, 0xa9, 0x20, 0x7c, 0x75, 0x88, 0xcd, 0x87, 0x3a, 0xf4,
    0x1e, 0x66, 0xf4, 0x57, 0xe1, 0x4d, 0x11, 0xfe, 0x6f, 0x40, 0xe8, 0xdb, 0x4b, 0x74,
    0xd2, 0x34, 0xe6, 0xde, 0xed, 0x87, 0xb7, 0xcc, 0xa1, 0x30, 0xc6, 0x56, 0xf4, 0x8e,
    0xa5, 0xcb, 0x0f, 0x41, 0x57, 0x6a, 0x0f, 0xaa, 0xa3, 0x8f, 0xcd, 0x8c, 0x07, 0xb1,
    0xb1, 0x51, 0x14, 0x6e, 0x71, 0x18, 0x46, 0x67, 0xc1, 0x58, 0xd0, 0x6f, 0x84, 0xca,
    0xaa, 0x52, 0x59, 0x3c, 0x30, 0x82, 0x9a, 0xc4, 0x88, 0x68, 0x7d, 0xd6, 0xad, 0x98,
    0x0f, 0xcb, 0x1b, 0x39, 0xab, 0x80, 0x5d, 0x5b, 0x89, 0x7d, 0xac, 0x6f, 0xeb, 0x3c,
    0x5d, 0x22, 0xe9, 0x2c, 0x76, 0x35, 0xa9, 0x52, 0x08, 0xb4, 0x60, 0x78, 0x10, 0x69,
    0x92, 0x1b, 0x3c, 0xa4, 0x4d, 0x16, 0x90, 0xf0, 0x3a, 0xf9, 0x67, 0x4d, 0xea, 0xad,
    0xf9, 0xf7, 0x15, 0x6d, 0xb1, 0x6f, 0xc5, 0x76, 0x55, 0xa3, 0x84, 0x52, 0x75, 0xcc,
    0x50, 0xbe, 0x77, 0x3b, 0x17, 0x2b, 0x17, 0x75, 0x13, 0x9c, 0x01, 0xea, 0xaa, 0x00,
    0x3c, 0xf1, 0x1f, 0x9d, 0xe1, 0x1a, 0xf7, 0xab, 0xd5, 0x02, 0xa7, 0x3c, 0xc4, 0x63,
    0x31, 0x9c, 0xbf, 0xa6, 0xa3, 0x54, 0xe2, 0x22, 0x12, 0x66, 0x94, 0xa3, 0x75, 0x35,
    0x0b, 0x32, 0x98, 0x36, 0xb5, 0x82, 0xf3, 0x34, 0x9d, 0x4c, 0x70, 0x8c, 0xde, 0x9d,
    0xcb, 0x31, 0xc6, 0x4f, 0x55, 0xa4, 0x84, 0xe7, 0x85, 0x72, 0x5f, 0xc9, 0xe8, 0xe6,
    0x40, 0x9e, 0xf0, 0xf2, 0x3c, 0x68, 0x02, 0x6a, 0x20, 0x16, 0x89, 0x9a, 0x6c, 0x99,
    0x50, 0x8e, 0x20, 0x92, 0x54, 0x08, 0xcf, 0xa3, 0xb2, 0x71, 0x91, 0xf8, 0xad, 0xf3,
    0xe9, 0x3e, 0x52, 0x41, 0xed, 0x2b, 0xa9, 0x4c, 0xe6, 0x73, 0x3b, 0x35, 0xd2, 0x5d,
    0x30, 0xb7, 0xd6, 0xd8, 0x2b, 0xce, 0xaa, 0x32, 0x9f, 0x12, 0x56, 0x51, 0xb0, 0x30,
    0xf5, 0x15, 0x8c, 0x72, 0xae, 0xa0, 0x0a, 0xa3, 0x98, 0xf4, 0xf5, 0x1c, 0x21, 0x78,
    0x62, 0x75, 0xc0, 0xab, 0x7b, 0x0b, 0xeb, 0x79, 0x33, 0x79, 0xaa, 0x09, 0x75, 0x99,
    0x83, 0x68, 0x8a, 0x7a, 0x2f, 0x25, 0x89, 0x16, 0xab, 0xdd, 0x26, 0x43, 0xd6, 0x3a,
    0x8a, 0xac, 0xf0, 0xaf, 0x21, 0x2c, 0xa3, 0x27, 0x36, 0x62, 0xc8, 0xae, 0xd5, 0x98,
    0xa4, 0x45, 0x63, 0xcf, 0xba, 0xa9, 0xb4, 0x9f, 0x2a, 0xe0, 0xcd, 0xae, 0x2d, 0xaa,
    0x4b, 0x48, 0x1c, 0xb7, 0x5a, 0xb7, 0x9b, 0x93, 0xca, 0xf2, 0x1e, 0x14, 0x45, 0x63,
    0xeb, 0x7c, 0xb3, 0x1b, 0x4a, 0x97, 0x8d, 0x7c, 0xac, 0xef, 0x52, 0xd9, 0xbf, 0x8d,
    0x6c, 0xe4, 0xaf, 0x1b, 0x87, 0xe5, 0xba, 0x3d, 0x8c, 0x94, 0xa4, 0xba, 0x5d, 0x13,
    0x6f, 0x9f, 0xc3, 0x33, 0xbf, 0xc5, 0xe6, 0x2d, 0xf4, 0x30, 0x72, 0x89, 0x6f, 0x37,
    0x02, 0x31, 0x9e, 0x37, 0xf9, 0x2a, 0x9a, 0x75, 0xcf, 0x6e, 0x4d, 0x66, 0xfb, 0xb9,
    0xc8, 0x35, 0x53, 0x99, 0x56, 0x3f, 0xff, 0xeb, 0x73, 0x4f, 0xeb, 0xb9, 0x8d, 0x10,
    0x87, 0x7c, 0xf7, 0xa8, 0xa1, 0xd8, 0xc6, 0x7c, 0xb3, 0x63, 0x7a, 0xe7, 0xbf, 0xbb,
    0xf8, 0xca, 0x3f, 0xe3, 0x2c, 0x52, 0xb2, 0x04, 0xae, 0x3d, 0x3a, 0x4b, 0x18, 0xe3,
    0xf6, 0xbb, 0x5c, 0x4a, 0x06, 0x55, 0x4e, 0xe2, 0x5e, 0x74, 0x51, 0x44, 0x3c, 0x6f,
    0x74, 0x45, 0x6c, 0xf3, 0x57, 0xa9, 0x83, 0x87, 0x52, 0x47, 0xbf, 0x75, 0x6c, 0x36,
    0xdc, 0x1e, 0x01, 0x96, 0xb0, 0x6a, 0x82, 0x8a, 0x4a, 0xfd, 0xca, 0x3d, 0x15, 0x3d,
    0x13, 0x98, 0x9c, 0xfa, 0x7e, 0x55, 0x9d, 0xad, 0xad, 0xf1, 0x44, 0x4b, 0x8c, 0x97,
    0xe0, 0x94, 0x0a, 0x9f, 0x7e, 0x3d, 0xdc, 0x57, 0xb3, 0xde, 0x2d, 0x46, 0xdd, 0xea,
    0xdd, 0x5a, 0x5c, 0x50, 0x64, 0x9f, 0xe7, 0x0e, 0x36, 0x4c, 0x2b, 0xc1, 0x9a, 0x2e,
    0x95, 0x93, 0x63, 0x0a, 0x05, 0x41, 0x66, 0xb3, 0x7e, 0x6a, 0xe4, 0xfa, 0xfe, 0x70,
    0x04, 0x0c, 0x74, 0xff, 0xe1, 0x5c, 0x20, 0xf7, 0xaa, 0x51, 0xb5, 0x89, 0x5b, 0xae,
    0x3d, 0x42, 0x4a, 0x41, 0xef, 0x38, 0xd0, 0x8d, 0xd2, 0x87, 0x48, 0x90, 0x5b, 0x2c,
    0x0c, 0xcd, 0x6b, 0xf1, 0xea, 0x38, 0x6a, 0x01, 0xca, 0x36, 0xde, 0x4e, 0x4d, 0xa7,
    0x7e, 0xe9, 0x27, 0x4e, 0x87, 0xe0, 0xf6, 0x19, 0x66, 0xac, 0x47, 0xd6, 0xd1, 0x76,
    0x75, 0xd7, 0x96, 0x0a, 0x68, 0x83, 0x84, 0x92, 0xc3, 0xc2, 0x59, 0x7f, 0x3f, 0x25,
    0x51, 0xea, 0x33, 0xfd, 0xc5, 0x6d, 0x58, 0xd9, 0x5c, 0xae, 0x89, 0x32, 0xba, 0xef,
    0xe6, 0x8c, 0x2c, 0x3d, 0xe3, 0x4a, 0x91, 0xc1, 0x0b, 0x5f, 0xaf, 0xcc, 0xa2, 0xe4,
    0xd7, 0x5b, 0x5b, 0x63, 0x55, 0xfb, 0x6f, 0xc5, 0xc5, 0x23, 0xed, 0x69, 0x84, 0x43,
    0x1f, 0x1d, 0x2a, 0xd6, 0x9d, 0xcc, 0x50, 0x0e, 0xe6, 0x67, 0x26, 0x1c, 0xc9, 0xb3,
    0xf9, 0x3e, 0x9a, 0xbf, 0xec, 0xa3, 0xec, 0xb9, 0xc6, 0x4d, 0xf5, 0x78, 0xfb, 0x63,
    0x7d, 0xcd, 0x30, 0x7e, 0x24, 0x18, 0xa2, 0x1b, 0x61, 0x94, 0x4e, 0x6d, 0xef, 0xfa,
    0x74, 0x91, 0x26, 0x5b, 0xfc, 0x6d, 0x28, 0xc3, 0xf6, 0x5f, 0x1c, 0xb0, 0xe3, 0x94,
    0x21, 0x9b, 0xa1, 0x10, 0x22, 0x2d, 0xe8, 0xb2, 0x07, 0x94, 0x1e, 0x51, 0xf6, 0x70,
    0x84, 0xf3, 0x47, 0x68, 0x04, 0xc2, 0x4a, 0x95, 0x24, 0x93, 0x97, 0xaa, 0x5b, 0x35,
    0x31, 0xa2, 0xfb, 0xfc, 0x74, 0xb9, 0x44, 0x6f, 0xf7, 0xd6, 0xf7, 0x29, 0x23, 0x32,
    0x24, 0xd7, 0x45, 0x33, 0x7f, 0x26, 0x43, 0x7b, 0xf5, 0xa8, 0xdd, 0xc4, 0x2d, 0x59,
    0x1f, 0x9e, 0xf7, 0x20, 0x75, 0xe7, 0x9f, 0x72, 0xb6, 0x73, 0x26, 0x1d, 0x69, 0xa8,
    0x13, 0xc5, 0xc6, 0x21, 0xde, 0x96, 0x85, 0x37, 0x96, 0x8f, 0xdd, 0x2e, 0x92, 0xd6,
    0xc0, 0xf8, 0xcf, 0x1c, 0xe9, 0xda, 0xbf, 0x8d, 0x5c, 0xed, 0x57, 0x2f, 0x1b, 0x31,
    0x69, 0x4d, 0x4e, 0x15, 0x28, 0x7e, 0x96, 0xed, 0x97, 0xd9, 0x43, 0x09, 0x86, 0x3f,
    0x9a, 0x2d, 0x55, 0x30, 0x44, 0x2a, 0x1b, 0x68, 0x1d, 0x8c, 0xb1, 0x47, 0x13, 0x0c,
    0x33, 0x4c, 0x4a, 0xe0, 0xdf, 0x41, 0x61, 0xd9, 0x3f, 0x9b, 0x02, 0xf5, 0xa1, 0xb0,
    0xe6, 0x95, 0x96, 0xc1, 0x9c, 0xc9, 0xc6, 0xd8, 0x69, 0xcc, 0xa7, 0x2b, 0xf0, 0x3c,
    0x9c, 0xce, 0x28, 0x1a, 0x7b, 0xb5, 0x26, 0x62, 0xd9, 0xfe, 0x69, 0x1b, 0xae, 0xb1,
    0x9d, 0x82, 0x27, 0x9d, 0x16, 0x96, 0x82, 0xcd, 0xe2, 0x1d, 0x17, 0x4e, 0x6b, 0x57,
    0x0a, 0x0f, 0x68, 0xf2, 0x30, 0xd0, 0xa6, 0xfc, 0xfb, 0xe5, 0xa4, 0x64, 0x83, 0x13,
    0x81, 0x4f, 0x4d, 0xa0, 0xc8, 0x62, 0x66, 0x76, 0xbb, 0x9d, 0x54, 0xaf, 0x51, 0x87,
    0x6c, 0x70, 0x7b, 0x4b, 0x5f, 0x15, 0xea, 0x3d, 0x11, 0xda, 0xfa, 0x99, 0xe5, 0xa3,
    0xed, 0x52, 0x2f, 0xb3, 0xd3, 0x5e, 0xfa, 0xcd, 0xd2, 0xdd, 0xdf, 0x71, 0xc9, 0x90,
    0xef, 0xdb, 0xb4, 0x9b, 0xbc, 0xb7, 0xb3, 0x53, 0x40, 0xea, 0xea, 0xe1, 0x97, 0xe2,
    0x3b, 0x7b, 0xe4, 0x96, 0x3e, 0x8f, 0x46, 0x47, 0xbf, 0x2e, 0x79, 0xe8, 0x25, 0xe9,
    0xf0, 0xad, 0x81, 0x7d, 0x07, 0x3e, 0x31, 0xd2, 0xff, 0x07};

static const unsigned char text_zlib[75] = {
    0x78, 0xda, 0xf3, 0xa8, 0x2c, 0x48, 0x2d, 0xca, 0x4b, 0x2d, 0x29, 0xcf, 0x2f, 0xca,
    0x2e, 0xb6, 0x52, 0x48, 0x54, 0x28, 0xce, 0x4d, 0xcc, 0xc9, 0x51, 0x80, 0x8a, 0x28,
    0xa4, 0xa7, 0xe6, 0xa5, 0x16, 0x25, 0x96, 0xa4, 0x16, 0x2b, 0x94, 0x64, 0xa4, 0x2a,
    0x94, 0xa7, 0x66, 0xa6, 0x67, 0x94, 0x14, 0x2b, 0xe4, 0xa7, 0x01, 0x15, 0xe6, 0x24,
    0x16, 0xa5, 0xa7, 0x16, 0x29, 0xe4, 0xe7, 0xa5, 0xea, 0x29, 0x78, 0x0c, 0x22, 0x53,
    0x00, 0x34, 0x18, 0x4d, 0x41};


/* ---- a bit writer for crafting streams ---- */

typedef struct {
    unsigned char buf[1024];
    size_t n;
    unsigned bit;
} bitw;

static void put_bits(bitw *w, unsigned v, unsigned nbits)
{
    unsigned i;
    for (i = 0; i < nbits; i++) {
        if (w->bit == 0) w->buf[w->n++] = 0;
        w->buf[w->n - 1] |= (unsigned char)(((v >> i) & 1u) << w->bit);
        w->bit = (w->bit + 1) & 7;
    }
}

/* Huffman codes go most significant bit first. */
static void put_code(bitw *w, unsigned code, unsigned len)
{
    while (len--) put_bits(w, (code >> len) & 1u, 1);
}

/* Canonical codes from lengths (RFC 1951 section 3.2.2). */
static void canonical(const unsigned char *lens, int n, unsigned *codes)
{
    unsigned count[16] = {0}, next[16], code = 0;
    int i;
    for (i = 0; i < n; i++) count[lens[i]]++;
    count[0] = 0;
    for (i = 1; i < 16; i++) {
        code = (code + count[i - 1]) << 1;
        next[i] = code;
    }
    for (i = 0; i < n; i++) codes[i] = lens[i] ? next[lens[i]]++ : 0;
}

/* A complete code-length code: 0..13 and 16 get 4 bits, 17 and 18 get 5. */
static const unsigned char clen_lens[19] = {4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
                                            4, 4, 4, 4, 0, 0, 4, 5, 5};
static const unsigned char clen_order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                             11, 4,  12, 3, 13, 2, 14, 1, 15};

/* Dynamic block header: HLIT, HDIST, all 19 code-length code lengths; the
   caller then writes the code lengths themselves. */
static void put_dyn_header(bitw *w, int final, unsigned hlit, unsigned hdist)
{
    int i;
    put_bits(w, (unsigned)final, 1);
    put_bits(w, 2, 2);
    put_bits(w, hlit - 257, 5);
    put_bits(w, hdist - 1, 5);
    put_bits(w, 15, 4);
    for (i = 0; i < 19; i++) put_bits(w, clen_lens[clen_order[i]], 3);
}

static void put_clen(bitw *w, unsigned sym, unsigned extra, unsigned nextra)
{
    unsigned codes[19];
    canonical(clen_lens, 19, codes);
    put_code(w, codes[sym], clen_lens[sym]);
    if (nextra) put_bits(w, extra, nextra);
}

/* Code lengths lens[0..n), zero runs as 17/18. */
static void put_lens(bitw *w, const unsigned char *lens, int n)
{
    int i = 0;
    while (i < n) {
        int run = 0;
        while (i + run < n && lens[i + run] == 0 && run < 138) run++;
        if (run >= 11) {
            put_clen(w, 18, (unsigned)run - 11, 7);
            i += run;
        } else if (run >= 3) {
            put_clen(w, 17, (unsigned)run - 3, 3);
            i += run;
        } else {
            put_clen(w, lens[i], 0, 0);
            i++;
        }
    }
}

/* The lengths of a small dynamic code: 'a' 1 bit, end 2 bits, length 3
   (symbol 257) 2 bits; one distance code of 1 bit, the incomplete code the
   RFC allows. */
static void small_lens(unsigned char *lens)
{
    memset(lens, 0, 258 + 1);
    lens['a'] = 1;
    lens[256] = 2;
    lens[257] = 2;
    lens[258] = 1; /* distance code 0 */
}

/* "aaaa": 'a', then a 3-byte match at distance 1, then the end. */
static void put_small_data(bitw *w, const unsigned char *lens)
{
    unsigned codes[258], dcode[1];
    canonical(lens, 258, codes);
    canonical(lens + 258, 1, dcode);
    put_code(w, codes['a'], lens['a']);
    put_code(w, codes[257], lens[257]);
    put_code(w, dcode[0], lens[258]);
    put_code(w, codes[256], lens[256]);
}

/* Decode raw deflate; 1 when the output equals want[0..want_len). */
static int inflates_to(const unsigned char *in, size_t n, const unsigned char *want,
                       size_t want_len, size_t *consumed)
{
    unsigned char *out = NULL;
    size_t out_len = 0;
    hn_status st = hn_inflate(in, n, 1u << 20, &out, &out_len, consumed);
    int ok = st == HN_OK && out_len == want_len && memcmp(out, want, want_len) == 0;
    if (st != HN_OK) printf("  (inflate: %s)\n", hn_error());
    hn_free(out);
    return ok;
}

static hn_status inflate_status(const unsigned char *in, size_t n)
{
    unsigned char *out = NULL;
    size_t out_len;
    hn_status st = hn_inflate(in, n, 1u << 20, &out, &out_len, NULL);
    hn_free(out);
    return st;
}

/* 1 when decoding fails with status st and a reason containing `why`. */
static int refused(const unsigned char *in, size_t n, hn_status st, const char *why)
{
    hn_status got = inflate_status(in, n);
    printf("  refused: %s\n", hn_error());
    return got == st && strstr(hn_error(), why) != NULL;
}

/* The small code with lens[sym] = len instead: 1 when it is refused as a
   bad format with a reason containing `why`. */
static int small_variant_refused(unsigned sym, unsigned char len, const char *why)
{
    unsigned char lens[320];
    bitw w;
    memset(&w, 0, sizeof w);
    small_lens(lens);
    lens[sym] = len;
    put_dyn_header(&w, 1, 258, 1);
    put_lens(&w, lens, 259);
    return refused(w.buf, w.n, HN_ERR_FORMAT, why);
}

/* ---- the tests ---- */

static void test_checksums(void)
{
    unsigned char buf[20000];
    uint32_t s = 1;
    size_t i;
    int bad = 0;
    for (i = 0; i < sizeof buf; i++) {
        s = s * 1103515245u + 12345u;
        buf[i] = (unsigned char)(s >> 16);
    }
    CHECK(hn_crc32(0, "123456789", 9) == 0xcbf43926u, "CRC-32 check value %x",
          hn_crc32(0, "123456789", 9));
    CHECK(hn_adler32(1, "Wikipedia", 9) == 0x11e60398u, "Adler-32 of 'Wikipedia' %x",
          hn_adler32(1, "Wikipedia", 9));
    /* Every table row through lengths 0..64 at every start alignment. */
    for (i = 0; i < 64 * 8; i++) {
        size_t off = i % 8, len = i / 8;
        if (hn_crc32(0x12345678u, buf + off, len) !=
            crc32_bitwise(0x12345678u, buf + off, len))
            bad++;
    }
    CHECK(bad == 0, "CRC-32 against bit-at-a-time: %d of 512 lengths differ", bad);
    /* Around the three-block interleaved path (3 x 2048 bytes). */
    for (bad = 0, i = 0; i < 8; i++) {
        static const size_t lens[8] = {6143, 6144, 6145, 12287, 12288, 12296, 19999, 20000};
        size_t off = i % 3, len = lens[i] - off;
        if (hn_crc32(7, buf + off, len) != crc32_bitwise(7, buf + off, len)) bad++;
    }
    CHECK(bad == 0, "CRC-32 of 6143..20000 bytes: %d of 8 lengths differ", bad);
    CHECK(hn_crc32(hn_crc32(0, buf, 777), buf + 777, sizeof buf - 777) ==
              hn_crc32(0, buf, sizeof buf),
          "CRC-32 in two pieces");
    CHECK(hn_adler32(1, buf, sizeof buf) == adler32_naive(1, buf, sizeof buf),
          "Adler-32 of 20000 bytes (crosses the 5552-byte reduction)");
    memset(buf, 255, sizeof buf);
    CHECK(hn_adler32(1, buf, sizeof buf) == adler32_naive(1, buf, sizeof buf),
          "Adler-32 of 20000 0xff bytes (largest sums)");
    CHECK(hn_adler32(hn_adler32(1, buf, 6000), buf + 6000, 14000) ==
              hn_adler32(1, buf, sizeof buf),
          "Adler-32 in two pieces");
    printf("checksums: CRC-32 and Adler-32 against bitwise/naive references\n");
}

static void test_vectors(void)
{
    unsigned char want[4096];
    size_t n, used = 0;

    CHECK(inflates_to(stored_raw, sizeof stored_raw,
                      (const unsigned char *)"stored block, hello!", 20, &used) &&
              used == sizeof stored_raw,
          "stored block (consumed %zu of %zu)", used, sizeof stored_raw);
    n = make_text(want);
    CHECK(inflates_to(fixed_raw, sizeof fixed_raw, want, n, &used) &&
              used == sizeof fixed_raw,
          "fixed Huffman block, %zu bytes out", n);
    n = make_dyn(want);
    CHECK(inflates_to(dynamic_raw, sizeof dynamic_raw, want, n, &used) &&
              used == sizeof dynamic_raw,
          "dynamic Huffman block, %zu bytes out", n);
    n = make_skewed(want);
    CHECK(inflates_to(skewed_raw, sizeof skewed_raw, want, n, &used) &&
              used == sizeof skewed_raw,
          "dynamic block with codes past the root table, %zu bytes out", n);
    CHECK(crc32_bitwise(0, want, n) == 0x033e357cu, "skewed input as generated");
    {
        unsigned char *out;
        size_t out_len;
        hn_status st;
        n = make_text(want);
        st = hn_zlib_uncompress(text_zlib, sizeof text_zlib, 1024, &out, &out_len);
        CHECK(st == HN_OK && out_len == n && memcmp(out, want, n) == 0,
              "zlib stream, %zu bytes (%s)", n, hn_error());
        hn_free(out);
    }
    {
        /* Bytes after the stream are left alone and reported. */
        unsigned char buf[sizeof fixed_raw + 3];
        memcpy(buf, fixed_raw, sizeof fixed_raw);
        memcpy(buf + sizeof fixed_raw, "xyz", 3);
        n = make_text(want);
        CHECK(inflates_to(buf, sizeof buf, want, n, &used) && used == sizeof fixed_raw,
              "consumed %zu with 3 bytes after the stream", used);
    }
    {
        /* Into a caller buffer: exact size works, one byte less is refused. */
        unsigned char dst[4096];
        size_t out_len = 0;
        n = make_dyn(want);
        CHECK(hn_inflate_into(dynamic_raw, sizeof dynamic_raw, dst, n, &out_len, NULL) ==
                      HN_OK &&
                  out_len == n && memcmp(dst, want, n) == 0,
              "hn_inflate_into exact buffer of %zu", n);
        CHECK(hn_inflate_into(dynamic_raw, sizeof dynamic_raw, dst, n - 1, &out_len,
                              NULL) == HN_ERR_LIMIT,
              "hn_inflate_into one byte short: %s", hn_error());
    }
    printf("vectors: stored, fixed, dynamic, long codes, zlib\n");
}

static void test_limits(void)
{
    unsigned char want[4096], *out = NULL;
    size_t n = make_skewed(want), out_len = 0;
    hn_status st;
    st = hn_inflate(skewed_raw, sizeof skewed_raw, n, &out, &out_len, NULL);
    CHECK(st == HN_OK && out_len == n, "max_out = output size accepted");
    hn_free(out);
    st = hn_inflate(skewed_raw, sizeof skewed_raw, n - 1, &out, &out_len, NULL);
    CHECK(st == HN_ERR_LIMIT && out == NULL && out_len == 0,
          "max_out one short refused: %s", hn_error());
    st = hn_inflate(skewed_raw, sizeof skewed_raw, 0, &out, &out_len, NULL);
    CHECK(st == HN_ERR_LIMIT, "max_out 0 refused: %s", hn_error());
    {
        /* 155 KB of zeros from under 1 KB: the limit stops it early. */
        bitw w;
        int i;
        memset(&w, 0, sizeof w);
        put_bits(&w, 1, 1);
        put_bits(&w, 1, 2);
        put_code(&w, 0x30, 8); /* literal 0 */
        for (i = 0; i < 600; i++) {
            put_code(&w, 0xc5, 8); /* length 258 (symbol 285) */
            put_code(&w, 0, 5);    /* distance 1 */
        }
        put_code(&w, 0, 7); /* end of block */
        st = hn_inflate(w.buf, w.n, 100000, &out, &out_len, NULL);
        CHECK(st == HN_ERR_LIMIT, "%zu-byte bomb (154801 bytes) against a 100000 limit: %s", w.n,
              hn_error());
        st = hn_inflate(w.buf, w.n, 2000000, &out, &out_len, NULL);
        CHECK(st == HN_OK && out_len == 1 + 600 * 258, "the same bomb, limit 2 MB: %zu",
              out_len);
        hn_free(out);
    }
}

static void test_crafted(void)
{
    unsigned char lens[320], want[4] = {'a', 'a', 'a', 'a'};
    bitw w;
    size_t used;

    /* The small dynamic block: single 1-bit distance code is legal. */
    memset(&w, 0, sizeof w);
    small_lens(lens);
    put_dyn_header(&w, 1, 258, 1);
    put_lens(&w, lens, 259);
    put_small_data(&w, lens);
    CHECK(inflates_to(w.buf, w.n, want, 4, &used), "lone 1-bit distance code accepted");

    /* An empty block whose only literal/length code is the end code. */
    memset(&w, 0, sizeof w);
    memset(lens, 0, 259);
    lens[256] = 1;
    put_dyn_header(&w, 1, 258, 1);
    put_lens(&w, lens, 259);
    put_bits(&w, 0, 1);
    CHECK(inflates_to(w.buf, w.n, want, 0, &used), "lone end code accepted");

    /* The small code with one length changed: over-subscribed (a third
       1-bit code), incomplete (no 'a'), an incomplete distance code other
       than the allowed lone 1-bit one, no end-of-block code. */
    CHECK(small_variant_refused('b', 1, "over-subscribed literal"), "over-subscribed");
    CHECK(small_variant_refused('a', 0, "incomplete literal"), "incomplete");
    CHECK(small_variant_refused(258, 2, "incomplete distance"), "incomplete distances");
    CHECK(small_variant_refused(256, 0, "no end-of-block"), "no end code");

    /* Repeat (16) with no previous length. */
    memset(&w, 0, sizeof w);
    put_dyn_header(&w, 1, 257, 1);
    put_clen(&w, 16, 0, 2);
    CHECK(refused(w.buf, w.n, HN_ERR_FORMAT, "no previous length"), "16 first");

    /* A zero run past the end of the 258 lengths. */
    memset(&w, 0, sizeof w);
    put_dyn_header(&w, 1, 257, 1);
    put_clen(&w, 18, 127, 7);
    put_clen(&w, 18, 127, 7);
    CHECK(refused(w.buf, w.n, HN_ERR_FORMAT, "past the end"), "run past the end");

    /* HLIT 287 and HDIST 31 are beyond the format. */
    memset(&w, 0, sizeof w);
    put_dyn_header(&w, 1, 287, 1);
    CHECK(refused(w.buf, w.n, HN_ERR_FORMAT, "287 length"), "HLIT 287");
    memset(&w, 0, sizeof w);
    put_dyn_header(&w, 1, 257, 31);
    CHECK(refused(w.buf, w.n, HN_ERR_FORMAT, "31 distance"), "HDIST 31");

    /* Over-subscribed code-length code: all 19 lengths 1. */
    {
        int i;
        memset(&w, 0, sizeof w);
        put_bits(&w, 1, 1);
        put_bits(&w, 2, 2);
        put_bits(&w, 0, 5);
        put_bits(&w, 0, 5);
        put_bits(&w, 15, 4);
        for (i = 0; i < 19; i++) put_bits(&w, 1, 3);
        CHECK(refused(w.buf, w.n, HN_ERR_FORMAT, "over-subscribed code length"),
              "code-length code");
    }

    /* Fixed block: length symbol 286 (8 bits 11000110), distance 30. */
    memset(&w, 0, sizeof w);
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    put_code(&w, 0xc6, 8);
    put_bits(&w, 0, 16);
    CHECK(refused(w.buf, w.n, HN_ERR_FORMAT, "invalid literal/length"), "code 286");
    memset(&w, 0, sizeof w);
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    put_code(&w, 0x30 + 'a', 8);
    put_code(&w, 1, 7); /* length 3 */
    put_code(&w, 30, 5);
    put_bits(&w, 0, 16);
    CHECK(refused(w.buf, w.n, HN_ERR_FORMAT, "invalid distance code"), "code 30");

    /* A distance further back than the output: 'a' then distance 2. */
    memset(&w, 0, sizeof w);
    put_bits(&w, 1, 1);
    put_bits(&w, 1, 2);
    put_code(&w, 0x30 + 'a', 8);
    put_code(&w, 1, 7);
    put_code(&w, 1, 5);
    put_code(&w, 0, 7);
    CHECK(refused(w.buf, w.n, HN_ERR_FORMAT, "further back"), "distance 2 after 1 byte");

    /* Block type 3, and a stored block whose NLEN is wrong. */
    {
        static const unsigned char type3[] = {0x07, 0x00};
        static const unsigned char nlen[] = {0x01, 0x02, 0x00, 0xfd, 0xfe, 'h', 'i'};
        static const unsigned char ok[] = {0x01, 0x02, 0x00, 0xfd, 0xff, 'h', 'i'};
        static const unsigned char longer[] = {0x01, 0x05, 0x00, 0xfa, 0xff, 'h', 'i'};
        CHECK(refused(type3, sizeof type3, HN_ERR_FORMAT, "type 3"), "type 3");
        CHECK(refused(nlen, sizeof nlen, HN_ERR_FORMAT, "complement"), "NLEN");
        CHECK(inflates_to(ok, sizeof ok, (const unsigned char *)"hi", 2, &used),
              "stored 'hi'");
        CHECK(inflate_status(longer, sizeof longer) == HN_ERR_TRUNCATED,
              "stored LEN past the input: %s", hn_error());
        CHECK(inflate_status(ok, 0) == HN_ERR_TRUNCATED, "empty input: %s", hn_error());
    }

    /* Empty stored blocks, none of them final, until the input runs out. */
    {
        unsigned char empty[60];
        int i;
        for (i = 0; i < 60; i += 5) memcpy(empty + i, "\0\0\0\377\377", 5);
        CHECK(inflate_status(empty, sizeof empty) == HN_ERR_TRUNCATED,
              "12 empty stored blocks, no final one: %s", hn_error());
    }
    printf("crafted: table and header errors refused\n");
}

/* A gzip member around a raw deflate stream, with optional header fields. */
static size_t make_gzip(unsigned char *g, const unsigned char *raw, size_t raw_len,
                        const unsigned char *data, size_t data_len, unsigned flags)
{
    size_t n = 10;
    uint32_t crc = hn_crc32(0, data, data_len);
    static const unsigned char head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 3};
    memcpy(g, head, 10);
    g[3] = (unsigned char)flags;
    if (flags & 4) {
        memcpy(g + n, "\x05\x00" "ab\x01\x02z", 7);
        n += 7;
    }
    if (flags & 8) {
        memcpy(g + n, "name.bin", 9);
        n += 9;
    }
    if (flags & 16) {
        memcpy(g + n, "a comment", 10);
        n += 10;
    }
    if (flags & 2) {
        uint32_t h = hn_crc32(0, g, n);
        g[n++] = (unsigned char)h;
        g[n++] = (unsigned char)(h >> 8);
    }
    memcpy(g + n, raw, raw_len);
    n += raw_len;
    hn__store_u32le(g + n, crc);
    hn__store_u32le(g + n + 4, (uint32_t)data_len);
    return n + 8;
}

static void test_gzip(void)
{
    unsigned char want[4096], g[2048], *out = NULL;
    size_t n = make_dyn(want), len, len1, out_len;
    hn_status st;
    unsigned flags;

    for (flags = 0; flags < 32; flags += 2) {
        len = make_gzip(g, dynamic_raw, sizeof dynamic_raw, want, n, flags);
        st = hn_gunzip(g, len, 1 << 20, &out, &out_len);
        CHECK(st == HN_OK && out_len == n && memcmp(out, want, n) == 0,
              "gzip with flags %x: %s", flags, hn_error());
        hn_free(out);
    }

    /* Two members, then zero padding; then garbage. */
    len1 = make_gzip(g, dynamic_raw, sizeof dynamic_raw, want, n, 8);
    len = len1 + make_gzip(g + len1, fixed_raw, sizeof fixed_raw, want + n,
                           make_text(want + n), 0);
    st = hn_gunzip(g, len, 1 << 20, &out, &out_len);
    CHECK(st == HN_OK && out_len == n + 210 && memcmp(out, want, n + 210) == 0,
          "two gzip members: %zu bytes (%s)", out_len, hn_error());
    hn_free(out);
    memset(g + len, 0, 5);
    st = hn_gunzip(g, len + 5, 1 << 20, &out, &out_len);
    CHECK(st == HN_OK && out_len == n + 210, "zero padding after the last member");
    hn_free(out);
    g[len + 2] = 'x';
    st = hn_gunzip(g, len + 5, 1 << 20, &out, &out_len);
    CHECK(st == HN_ERR_FORMAT && out == NULL, "trailing garbage: %s", hn_error());

    /* Checksums: CRC, ISIZE, header CRC, reserved flags, method. */
    len = make_gzip(g, dynamic_raw, sizeof dynamic_raw, want, n, 2);
    g[len - 8] ^= 1;
    CHECK(hn_gunzip(g, len, 1 << 20, &out, &out_len) == HN_ERR_CHECKSUM,
          "wrong CRC-32: %s", hn_error());
    g[len - 8] ^= 1;
    g[len - 4] ^= 1;
    CHECK(hn_gunzip(g, len, 1 << 20, &out, &out_len) == HN_ERR_CHECKSUM,
          "wrong ISIZE: %s", hn_error());
    g[len - 4] ^= 1;
    g[4] ^= 1;
    CHECK(hn_gunzip(g, len, 1 << 20, &out, &out_len) == HN_ERR_CHECKSUM,
          "wrong header CRC: %s", hn_error());
    g[4] ^= 1;
    g[3] |= 0x20;
    CHECK(hn_gunzip(g, len, 1 << 20, &out, &out_len) == HN_ERR_FORMAT,
          "reserved flag: %s", hn_error());
    g[3] &= 0x1f;
    g[2] = 7;
    CHECK(hn_gunzip(g, len, 1 << 20, &out, &out_len) == HN_ERR_UNSUPPORTED,
          "method 7: %s", hn_error());
    g[2] = 8;
    CHECK(hn_gunzip(g, len, n - 1, &out, &out_len) == HN_ERR_LIMIT,
          "gzip max_out: %s", hn_error());
    CHECK(hn_gunzip(g, len, 1 << 20, &out, &out_len) == HN_OK, "restored member");
    hn_free(out);
    CHECK(hn_is_gzip(g, len) && !hn_is_gzip(g, 1) && !hn_is_gzip(text_zlib, 75),
          "hn_is_gzip");

    /* An extra field claiming 65535 bytes, and a name never terminated. */
    {
        static const unsigned char xlen[16] = {0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 3,
                                               0xff, 0xff, 1, 2, 3, 4};
        static const unsigned char name[16] = {0x1f, 0x8b, 8, 8, 0, 0, 0, 0, 0, 3,
                                               'a', 'b', 'c', 'd', 'e', 'f'};
        CHECK(hn_gunzip(xlen, 16, 1 << 20, &out, &out_len) == HN_ERR_TRUNCATED,
              "XLEN 65535 in 16 bytes: %s", hn_error());
        CHECK(hn_gunzip(name, 16, 1 << 20, &out, &out_len) == HN_ERR_TRUNCATED,
              "unterminated FNAME: %s", hn_error());
    }

    /* zlib: wrong Adler-32, bad header check, preset dictionary. */
    {
        unsigned char z[sizeof text_zlib + 1];
        memcpy(z, text_zlib, sizeof text_zlib);
        z[sizeof text_zlib - 1] ^= 0x10;
        CHECK(hn_zlib_uncompress(z, sizeof text_zlib, 1024, &out, &out_len) ==
                  HN_ERR_CHECKSUM,
              "wrong Adler-32: %s", hn_error());
        z[sizeof text_zlib - 1] ^= 0x10;
        z[sizeof text_zlib] = 0;
        CHECK(hn_zlib_uncompress(z, sizeof z, 1024, &out, &out_len) == HN_ERR_FORMAT,
              "byte after the zlib stream: %s", hn_error());
        z[1] ^= 1;
        CHECK(hn_zlib_uncompress(z, sizeof text_zlib, 1024, &out, &out_len) ==
                  HN_ERR_FORMAT,
              "zlib FCHECK: %s", hn_error());
        z[0] = 0x78;
        z[1] = 0x20;
        z[1] = (unsigned char)(z[1] + (31 - (0x7820 % 31)));
        CHECK(hn_zlib_uncompress(z, sizeof text_zlib, 1024, &out, &out_len) ==
                  HN_ERR_UNSUPPORTED,
              "FDICT: %s", hn_error());
    }
    printf("gzip: flags, members, padding, checksums\n");
}

/* Every truncation must fail cleanly; every single-bit flip must either
   fail or (when it lands where the format has slack) still pass its
   checksum with the right output. */
static void damage(const char *what, const unsigned char *good, size_t len, int kind,
                   const unsigned char *want, size_t want_len)
{
    unsigned char buf[2048], *out;
    size_t i, out_len;
    int bad_trunc = 0, bad_flip = 0, caught = 0, flips = 0;
    hn_status st;
    for (i = 0; i < len; i++) {
        st = kind == 0 ? hn_zlib_uncompress(good, i, 1 << 20, &out, &out_len)
                       : hn_gunzip(good, i, 1 << 20, &out, &out_len);
        if (st == HN_OK) {
            bad_trunc++;
            hn_free(out);
        }
    }
    /* Eight single-bit flips per byte, then the byte inverted and zeroed. */
    for (i = 0; i < len * 10; i++) {
        size_t at = i / 10;
        unsigned k = (unsigned)(i % 10);
        memcpy(buf, good, len);
        if (k < 8)
            buf[at] ^= (unsigned char)(1u << k);
        else
            buf[at] = k == 8 ? (unsigned char)~buf[at] : 0;
        if (buf[at] == good[at]) continue;
        st = kind == 0 ? hn_zlib_uncompress(buf, len, 1 << 20, &out, &out_len)
                       : hn_gunzip(buf, len, 1 << 20, &out, &out_len);
        flips++;
        if (st != HN_OK) {
            caught++;
        } else {
            if (out_len != want_len || memcmp(out, want, want_len) != 0) bad_flip++;
            hn_free(out);
        }
    }
    CHECK(bad_trunc == 0, "%s: %d of %zu truncations decoded", what, bad_trunc, len);
    CHECK(bad_flip == 0, "%s: %d damaged bytes decoded to wrong data unnoticed", what,
          bad_flip);
    printf("%s: %zu truncations refused, %d of %d damaged copies (bit flips, inverted "
           "and zeroed bytes) refused, the rest decode correctly\n", what, len, caught,
           flips);
}

static void test_damage(void)
{
    unsigned char want[4096], g[2048];
    size_t n = make_text(want), len;
    damage("zlib", text_zlib, sizeof text_zlib, 0, want, n);
    n = make_dyn(want);
    len = make_gzip(g, dynamic_raw, sizeof dynamic_raw, want, n, 2 | 8);
    damage("gzip", g, len, 1, want, n);
}

/* Every gzip file of the data mirror decodes to the SHA-256 its README
   lists (first 16 hex digits). */
static void test_files(void)
{
    static const struct {
        const char *path, *sha;
        size_t size;
    } files[] = {
        {"mnist/train-images-idx3-ubyte.gz", "ba891046e6505d7a", 47040016},
        {"mnist/train-labels-idx1-ubyte.gz", "65a50cbbf4e906d7", 60008},
        {"mnist/t10k-images-idx3-ubyte.gz", "0fa7898d509279e4", 7840016},
        {"mnist/t10k-labels-idx1-ubyte.gz", "ff7bcfd416de3373", 10008},
        {"ptb/ptb.char.train.txt.gz", "e313d91425e06c4f", 10034964},
        {"ptb/ptb.char.valid.txt.gz", "21661f63ec355085", 786084},
        {"ptb/ptb.char.test.txt.gz", "1ef5607ac3c463b1", 884846},
        {"cifar-10-subset/data_batch_1_first4000.bin.gz", "0993cf8b8e43bc20", 12292000},
        {"cifar-10-subset/test_batch_first1000.bin.gz", "8314c96d7cd65618", 3073000},
    };
    size_t i;
    for (i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[512], hex[65];
        unsigned char *gz = NULL, *out = NULL;
        size_t gz_len = 0, out_len = 0;
        hn_status st;
        snprintf(path, sizeof path, "%s/data/%s", TEST_SHARED_DIR, files[i].path);
        st = hn_read_file(path, 1u << 26, &gz, &gz_len);
        CHECK(st == HN_OK, "read %s: %s", path, hn_error());
        if (st != HN_OK) continue;
        st = hn_gunzip(gz, gz_len, (size_t)1 << 27, &out, &out_len);
        CHECK(st == HN_OK && out_len == files[i].size, "gunzip %s: %zu bytes (%s)",
              files[i].path, out_len, hn_error());
        if (st == HN_OK) {
            sha256_hex(out, out_len, hex);
            CHECK(strncmp(hex, files[i].sha, 16) == 0, "%s sha256 %.16s, README %s",
                  files[i].path, hex, files[i].sha);
            printf("%s: %zu -> %zu bytes, sha256 %.16s (README %s)\n", files[i].path,
                   gz_len, out_len, hex, files[i].sha);
        }
        hn_free(out);
        hn_free(gz);
    }
}

int main(void)
{
    char hex[65];
    sha256_hex((const unsigned char *)"abc", 3, hex);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") ==
              0,
          "the test's own SHA-256 of 'abc': %s", hex);
    test_checksums();
    test_vectors();
    test_limits();
    test_crafted();
    test_gzip();
    test_damage();
    test_files();
    return test_exit("test_inflate");
}
