/* hypernet.h - v0.1 - hypernetworks in one C99 header - MIT licence

   A small network that writes the weights of a larger one: the static and
   dynamic hypernetworks of Ha, Dai and Le, "HyperNetworks" (2016,
   arXiv:1609.09106), with everything they stand on: tensors, layers with
   hand-written backward passes, optimizers, a blocked SIMD GEMM and readers
   for the data sets the paper uses.

   Do this:
      #define HYPERNET_IMPLEMENTATION
   before you include this file in *one* C or C++ file to create the
   implementation. Every other file includes it without the define.

      // in exactly one file
      #include ...
      #define HYPERNET_IMPLEMENTATION
      #include "hypernet.h"

QUICK START

   Multiply two matrices (row-major, BLAS semantics):

      hn_sgemm(0, 0, m, n, k, 1.0f, a, k, b, n, 0.0f, c, n);

   Draw reproducible random numbers, the same on every platform:

      hn_rng r;
      hn_rng_seed(&r, 42);
      float u = hn_rng_uniform(&r);      // [0, 1)
      float g = hn_rng_normal(&r);       // N(0, 1)

   Keep all of a model's weights in one buffer, gradients beside them:

      hn_params ps;
      hn_params_init(&ps);
      int w = hn_params_add(&ps, "fc.w", 2, (int[]){10, 784});
      int b = hn_params_add(&ps, "fc.b", 1, (int[]){10});
      if (hn_params_alloc(&ps) != HN_OK) puts(hn_error());
      float *wd = hn_params_data(&ps, w), *wg = hn_params_grad(&ps, w);
      ...
      hn_params_free(&ps);

   The examples/ folder holds whole programs: training the paper's MNIST
   network with a generated convolution, and character language models.

CONFIGURATION

   Define any of these before including the implementation:

      HYPERNET_STATIC      make every function static (private to one file)
      HN_ASSERT(x)         assertion for programmer errors (default: assert)
      HN_MALLOC(n)         allocator; define all three or none:
      HN_REALLOC(p, n)
      HN_FREE(p)
      HN_NO_STDIO          compile out everything that touches FILE*; the
                           readers that take memory buffers stay
      HN_NO_SIMD           use the portable scalar kernels only
      HN_NO_THREAD_LOCAL   keep the error reason in a plain global (for
                           targets without thread-local storage)
      HN_EXPF HN_LOGF HN_SQRTF HN_TANHF HN_FABSF HN_POWF HN_COSF HN_SQRT
                           math functions, for targets whose libm is slow or
                           missing; default to <math.h>'s

MEMORY

   Everything the library allocates goes through HN_MALLOC / HN_REALLOC /
   HN_FREE, and every allocation has a matching *_free function. No static
   buffers, no variable-length arrays: the library is safe to call from
   several threads on separate objects, and it keeps stack use small for
   microcontrollers. Readers of untrusted files check every size against
   the bytes that are there before they allocate.

ERRORS AND LOGGING

   A function that can fail returns an hn_status (HN_OK is 0) or NULL, and
   leaves a human-readable reason that hn_error() returns; hn_error_status()
   gives the code of the last failure. The reason is thread-local where the
   compiler supports it. The library never prints, never exits and never
   aborts on bad input; HN_ASSERT guards only against programmer errors
   (a null pointer, a negative size).

   The library is silent. To hear what it does (file readers say what they
   read, for instance), install a callback:

      void my_log(void *user, int level, const char *msg) { puts(msg); }
      hn_set_log(my_log, NULL);

SIMD

   hn_sgemm picks its micro-kernel at compile time from the compiler's own
   macros: __AVX512F__, then __AVX2__ with __FMA__, then __SSE2__ (x86), or
   __ARM_NEON (ARM). Compile with -march=native (or -mavx2 -mfma ...) to use
   them. The portable scalar kernel always compiles, is what HN_NO_SIMD
   selects, and is the reference the tests hold the others to. With OpenMP
   (-fopenmp) large products run on several threads; the result is
   bit-identical whatever the number of threads.

FILE FORMATS

   (Listed here as they land: IDX, CIFAR-10 binary, MATLAB level 5 .mat,
   zlib/gzip inflate, checkpoints.)

LIMITATIONS

   - float32 only; tensors have at most 4 dimensions.
   - hn_rng_normal is bit-identical across platforms where floating point
     follows IEEE 754 without excess precision (FLT_EVAL_METHOD 0, true of
     x86-64, AArch64 and ARM with an FPU); the x87 unit of 32-bit x86 builds
     without SSE can round its last bit differently. The uniform stream is
     exact everywhere.
*/

#ifndef HYPERNET_H
#define HYPERNET_H

#include <stddef.h>
#include <stdint.h>

#ifdef HYPERNET_STATIC
#if defined(__GNUC__) || defined(__clang__)
/* A static function the program never calls is not worth a warning. */
#define HNDEF static __attribute__((unused))
#else
#define HNDEF static
#endif
#else
#ifdef __cplusplus
#define HNDEF extern "C"
#else
#define HNDEF extern
#endif
#endif

#define HN_VERSION_MAJOR 0
#define HN_VERSION_MINOR 1

/* ========================================================================
   Core: status, errors, logging
   ======================================================================== */

/* Every fallible call returns one of these; the values are stable. */
typedef enum hn_status {
    HN_OK = 0,
    HN_ERR_ARG = 1,          /* an argument is out of range */
    HN_ERR_NOMEM = 2,        /* an allocation failed */
    HN_ERR_IO = 3,           /* a file could not be opened, read or written */
    HN_ERR_FORMAT = 4,       /* the data is not in the expected format */
    HN_ERR_TRUNCATED = 5,    /* the data ends before it should */
    HN_ERR_CHECKSUM = 6,     /* a checksum does not match */
    HN_ERR_LIMIT = 7,        /* a size exceeds what the caller allowed */
    HN_ERR_UNSUPPORTED = 8,  /* valid, but not something this library reads */
    HN_ERR_SHAPE = 9,        /* shapes do not agree */
    HN_ERR_NOT_FOUND = 10    /* no such variable or tensor */
} hn_status;

/* The reason for the most recent failure on this thread ("" if none). */
HNDEF const char *hn_error(void);
/* The status of the most recent failure on this thread (HN_OK if none). */
HNDEF hn_status hn_error_status(void);
/* Forget the last failure. */
HNDEF void hn_error_clear(void);
/* A fixed English name for a status ("out of memory", ...). */
HNDEF const char *hn_status_name(hn_status s);

/* Free memory that the library allocated and handed to the caller (the
   buffers of hn_read_file, hn_inflate and the readers). */
HNDEF void hn_free(void *p);

#ifndef HN_NO_STDIO
/* Read a whole file into a new buffer (free it with hn_free). Files larger
   than max_bytes are refused with HN_ERR_LIMIT before anything is
   allocated. */
HNDEF hn_status hn_read_file(const char *path, size_t max_bytes,
                             unsigned char **data, size_t *len);
#endif

enum { HN_LOG_DEBUG = 0, HN_LOG_INFO = 1, HN_LOG_WARN = 2, HN_LOG_ERROR = 3 };
typedef void (*hn_log_fn)(void *user, int level, const char *msg);
/* Install a log callback (NULL to silence the library again). */
HNDEF void hn_set_log(hn_log_fn fn, void *user);

/* ========================================================================
   Core: random numbers
   ======================================================================== */

/* PCG32 (O'Neill 2014): 64-bit state, 32-bit output. Integer arithmetic
   only, so the stream is the same on every platform and word size. */
typedef struct hn_rng {
    uint64_t state;
    uint64_t inc;
    /* Second value of the last polar-method pair, kept for the next call. */
    float spare;
    int has_spare;
} hn_rng;

HNDEF void hn_rng_seed(hn_rng *r, uint64_t seed);
HNDEF uint32_t hn_rng_u32(hn_rng *r);
/* Uniform integer in [0, n), without modulo bias. n > 0. */
HNDEF uint32_t hn_rng_below(hn_rng *r, uint32_t n);
/* Uniform float in [0, 1), a multiple of 2^-24. */
HNDEF float hn_rng_uniform(hn_rng *r);
/* Standard normal draw. */
HNDEF float hn_rng_normal(hn_rng *r);
/* Fill x[0..n) with N(mean, std^2) draws or U[lo, hi) draws. */
HNDEF void hn_rng_fill_normal(hn_rng *r, float *x, size_t n, float mean, float std);
HNDEF void hn_rng_fill_uniform(hn_rng *r, float *x, size_t n, float lo, float hi);
/* Fisher-Yates shuffle of an index array. */
HNDEF void hn_rng_shuffle(hn_rng *r, int *idx, int n);

/* ========================================================================
   Core: tensors
   ======================================================================== */

#define HN_MAX_DIMS 4

/* A dense float32 array of up to four dimensions, row-major. It either owns
   its data (hn_tensor_alloc, freed by hn_tensor_free) or views someone
   else's (hn_tensor_view, freeing it is a no-op). */
typedef struct hn_tensor {
    float *data;
    int ndim;
    int shape[HN_MAX_DIMS];
    size_t size;       /* product of the shape */
    int owns;
} hn_tensor;

/* Allocate a zero-filled tensor. Fails on a non-positive dimension, a size
   that overflows, or an allocation failure. */
HNDEF hn_status hn_tensor_alloc(hn_tensor *t, int ndim, const int *shape);
HNDEF hn_tensor hn_tensor_view(float *data, int ndim, const int *shape);
HNDEF void hn_tensor_free(hn_tensor *t);
/* 1 when both have the same number of dimensions and the same extents. */
HNDEF int hn_tensor_same_shape(const hn_tensor *a, const hn_tensor *b);

/* ========================================================================
   Core: the parameter store
   ======================================================================== */

/* Every trainable tensor of a model lives in one contiguous float buffer,
   with a gradient buffer of the same layout. An optimizer step, gradient
   clipping, a checkpoint or an all-reduce is then one loop over one array.

   Use it in two phases: hn_params_add each tensor (it returns a handle),
   then hn_params_alloc once; after that, hn_params_data / hn_params_grad
   give the pointers. Each tensor starts on a 64-byte boundary. */

#define HN_PARAM_NAME_MAX 48

typedef struct hn_param_info {
    char name[HN_PARAM_NAME_MAX];
    int ndim;
    int shape[HN_MAX_DIMS];
    size_t size;       /* number of floats */
    size_t offset;     /* index of the first float in data and grad */
} hn_param_info;

typedef struct hn_params {
    hn_param_info *info;
    int count, cap;
    size_t total;      /* floats in use, padding included */
    size_t nparams;    /* floats that are parameters, padding excluded */
    float *data;       /* total floats, or NULL before hn_params_alloc */
    float *grad;
    void *block;       /* the allocation data and grad live in */
} hn_params;

HNDEF void hn_params_init(hn_params *ps);
/* Declare a tensor; returns its handle (>= 0), or -1 with hn_error() set
   (bad shape, name too long, duplicate name, store already allocated). */
HNDEF int hn_params_add(hn_params *ps, const char *name, int ndim, const int *shape);
/* Allocate data and grad, both zero-filled. */
HNDEF hn_status hn_params_alloc(hn_params *ps);
HNDEF void hn_params_free(hn_params *ps);
HNDEF float *hn_params_data(const hn_params *ps, int handle);
HNDEF float *hn_params_grad(const hn_params *ps, int handle);
HNDEF hn_tensor hn_params_tensor(const hn_params *ps, int handle);
/* Handle of the tensor with this name, or -1. */
HNDEF int hn_params_find(const hn_params *ps, const char *name);
HNDEF void hn_params_zero_grad(hn_params *ps);

/* ========================================================================
   GEMM
   ======================================================================== */

/* The product runs as blocked, packed SIMD code (see the implementation),
   on OpenMP threads when compiled with -fopenmp and the product has at
   least HN_GEMM_OMP_MIN multiply-adds (default 1e6). Every element is
   computed the same way whatever the thread count: results are
   bit-identical. Cache blocks HN_GEMM_MC, HN_GEMM_KC, HN_GEMM_NC (default
   128, 256, 4080, rounded to the kernel's tile) may be defined before the
   implementation.

   C = alpha * op(A) * op(B) + beta * C, row-major, BLAS semantics.
   op(A) is m x k (A is m x k, or k x m when trans_a), op(B) is k x n.
   lda, ldb, ldc are the row strides of the matrices as stored. When beta
   is 0, C is only written, never read: NaN in C does not leak through.
   When alpha is 0 or k is 0, A and B are not read and C = beta * C.
   Packs A and B into a buffer from HN_MALLOC once per call; if that
   allocation fails it still computes the product, by a slower loop. */
HNDEF void hn_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb,
                    float beta, float *c, int ldc);

/* Bytes of workspace hn_sgemm_ws needs for an m x n x k product, for as
   many threads as OpenMP would use now (query it again if that changes). */
HNDEF size_t hn_sgemm_workspace_size(int m, int n, int k);

/* hn_sgemm without allocating: the pack buffers are carved out of work
   (any alignment). It runs on as many threads as work_bytes has room for.
   Returns HN_ERR_ARG, computing nothing, when work_bytes is less than one
   thread needs (hn_sgemm_workspace_size says how much suffices). */
HNDEF hn_status hn_sgemm_ws(int trans_a, int trans_b, int m, int n, int k,
                            float alpha, const float *a, int lda, const float *b,
                            int ldb, float beta, float *c, int ldc, void *work,
                            size_t work_bytes);

/* The same product by the textbook triple loop, accumulating in double. For
   tests; slow. */
HNDEF void hn_sgemm_ref(int trans_a, int trans_b, int m, int n, int k, float alpha,
                        const float *a, int lda, const float *b, int ldb,
                        float beta, float *c, int ldc);

/* ---- end of GEMM API ---- */

/* ========================================================================
   Layers
   ======================================================================== */

/* ---- end of layers API ---- */

/* ========================================================================
   Optimizers, schedules and clipping
   ======================================================================== */

/* ---- end of optimizers API ---- */

/* ========================================================================
   Static hypernetworks (HyperConv2D)
   ======================================================================== */

/* ---- end of static hypernetwork API ---- */

/* ========================================================================
   Recurrent networks: LSTM, layer norm LSTM, HyperLSTM
   ======================================================================== */

/* ---- end of recurrent API ---- */

/* ========================================================================
   Inflate (RFC 1950 zlib, 1951 deflate, 1952 gzip)
   ======================================================================== */

/* ---- end of inflate API ---- */

/* ========================================================================
   Data files: IDX, CIFAR-10 binary, MATLAB .mat
   ======================================================================== */

/* ---- end of data file API ---- */

/* ========================================================================
   Checkpoints
   ======================================================================== */

/* ---- end of checkpoint API ---- */

#endif /* HYPERNET_H */

/* ######################################################################## */
/*                              IMPLEMENTATION                              */
/* ######################################################################## */

#ifdef HYPERNET_IMPLEMENTATION
#ifndef HYPERNET_IMPLEMENTATION_DONE
#define HYPERNET_IMPLEMENTATION_DONE

#include <float.h>
#include <limits.h>
#include <stdarg.h>
#include <string.h>

#ifndef HN_NO_STDIO
#include <stdio.h>
#endif

#ifndef HN_ASSERT
#include <assert.h>
#define HN_ASSERT(x) assert(x)
#endif

#if defined(HN_MALLOC) && defined(HN_FREE) && defined(HN_REALLOC)
/* all three supplied */
#elif !defined(HN_MALLOC) && !defined(HN_FREE) && !defined(HN_REALLOC)
#include <stdlib.h>
#define HN_MALLOC(n) malloc(n)
#define HN_REALLOC(p, n) realloc(p, n)
#define HN_FREE(p) free(p)
#else
#error "hypernet.h: define all of HN_MALLOC, HN_REALLOC and HN_FREE, or none"
#endif

#include <math.h>
#ifndef HN_EXPF
#define HN_EXPF(x) expf(x)
#endif
#ifndef HN_LOGF
#define HN_LOGF(x) logf(x)
#endif
#ifndef HN_SQRTF
#define HN_SQRTF(x) sqrtf(x)
#endif
#ifndef HN_SQRT
#define HN_SQRT(x) sqrt(x)
#endif
#ifndef HN_TANHF
#define HN_TANHF(x) tanhf(x)
#endif
#ifndef HN_FABSF
#define HN_FABSF(x) fabsf(x)
#endif
#ifndef HN_POWF
#define HN_POWF(x, y) powf(x, y)
#endif
#ifndef HN_COSF
#define HN_COSF(x) cosf(x)
#endif

/* SIMD selection, once, for every kernel in the file. */
#ifndef HN_NO_SIMD
#if defined(__AVX512F__)
#define HN__AVX512 1
#elif defined(__AVX2__) && defined(__FMA__)
#define HN__AVX2 1
#elif defined(__SSE2__) || defined(_M_X64)
#define HN__SSE2 1
#elif defined(__ARM_NEON) || defined(__ARM_NEON__)
#define HN__NEON 1
#endif
#endif
#if defined(HN__AVX512) || defined(HN__AVX2)
#include <immintrin.h>
#elif defined(HN__SSE2)
#include <emmintrin.h>
#elif defined(HN__NEON)
#include <arm_neon.h>
#endif

#ifdef _OPENMP
#include <omp.h>
#endif

/* Thread-local storage for the error reason, where there is such a thing. */
#if defined(HN_NO_THREAD_LOCAL) || defined(__TINYC__)
#define HN__TLS
#elif defined(__cplusplus) && __cplusplus >= 201103L
#define HN__TLS thread_local
#elif defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && \
    !defined(__STDC_NO_THREADS__)
#define HN__TLS _Thread_local
#elif defined(__GNUC__) || defined(__clang__)
#define HN__TLS __thread
#elif defined(_MSC_VER)
#define HN__TLS __declspec(thread)
#else
#define HN__TLS
#endif

/* For private helpers that a configuration may leave without a caller. */
#if defined(__GNUC__) || defined(__clang__)
#define HN__UNUSED __attribute__((unused))
#else
#define HN__UNUSED
#endif

#define HN__MIN(a, b) ((a) < (b) ? (a) : (b))
#define HN__MAX(a, b) ((a) > (b) ? (a) : (b))

/* ========================================================================
   Core implementation
   ======================================================================== */

#define HN__ERR_MAX 256
static HN__TLS char hn__err_msg[HN__ERR_MAX];
static HN__TLS hn_status hn__err_status = HN_OK;
static hn_log_fn hn__log_fn = NULL;
static void *hn__log_user = NULL;

/* A tiny formatter (%s %c %d %u %ld %lu %lld %llu %zu %x %%), so that
   error reasons can name sizes and names without pulling in stdio. */
static void hn__putc(char *buf, size_t cap, size_t *pos, char ch)
{
    if (*pos + 1 < cap) buf[*pos] = ch;
    (*pos)++;
}

static void hn__putu(char *buf, size_t cap, size_t *pos, unsigned long long v,
                     unsigned base)
{
    char tmp[24];
    int n = 0;
    do {
        unsigned d = (unsigned)(v % base);
        tmp[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
        v /= base;
    } while (v && n < (int)sizeof tmp);
    while (n) hn__putc(buf, cap, pos, tmp[--n]);
}

static void hn__vformat(char *buf, size_t cap, const char *fmt, va_list ap)
{
    size_t pos = 0;
    for (; *fmt; fmt++) {
        int lng = 0, sz = 0;
        long long sv;
        if (*fmt != '%') {
            hn__putc(buf, cap, &pos, *fmt);
            continue;
        }
        fmt++;
        while (*fmt == 'l') { lng++; fmt++; }
        if (*fmt == 'z') { sz = 1; fmt++; }
        switch (*fmt) {
        case 's': {
            const char *s = va_arg(ap, const char *);
            if (!s) s = "(null)";
            while (*s) hn__putc(buf, cap, &pos, *s++);
            break;
        }
        case 'c': hn__putc(buf, cap, &pos, (char)va_arg(ap, int)); break;
        case 'd':
            sv = lng >= 2 ? va_arg(ap, long long)
               : lng == 1 ? (long long)va_arg(ap, long) : va_arg(ap, int);
            if (sv < 0) {
                hn__putc(buf, cap, &pos, '-');
                hn__putu(buf, cap, &pos, (unsigned long long)(-(sv + 1)) + 1u, 10);
            } else {
                hn__putu(buf, cap, &pos, (unsigned long long)sv, 10);
            }
            break;
        case 'u': case 'x': {
            unsigned long long v = sz ? va_arg(ap, size_t)
                : lng >= 2 ? va_arg(ap, unsigned long long)
                : lng == 1 ? va_arg(ap, unsigned long) : va_arg(ap, unsigned);
            hn__putu(buf, cap, &pos, v, *fmt == 'x' ? 16u : 10u);
            break;
        }
        case '%': hn__putc(buf, cap, &pos, '%'); break;
        case '\0': fmt--; break;
        default: hn__putc(buf, cap, &pos, '?'); break;
        }
    }
    if (cap) buf[pos < cap ? pos : cap - 1] = '\0';
}

/* Record a failure and return its status, so callers can write
   `return hn__fail(HN_ERR_FORMAT, "bad magic %x", m);`. */
static hn_status hn__fail(hn_status s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    hn__vformat(hn__err_msg, sizeof hn__err_msg, fmt, ap);
    va_end(ap);
    hn__err_status = s;
    if (hn__log_fn) hn__log_fn(hn__log_user, HN_LOG_ERROR, hn__err_msg);
    return s;
}

HN__UNUSED static void hn__log(int level, const char *fmt, ...)
{
    char msg[HN__ERR_MAX];
    va_list ap;
    if (!hn__log_fn) return;
    va_start(ap, fmt);
    hn__vformat(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hn__log_fn(hn__log_user, level, msg);
}

HNDEF const char *hn_error(void) { return hn__err_msg; }
HNDEF hn_status hn_error_status(void) { return hn__err_status; }

HNDEF void hn_error_clear(void)
{
    hn__err_msg[0] = '\0';
    hn__err_status = HN_OK;
}

HNDEF const char *hn_status_name(hn_status s)
{
    switch (s) {
    case HN_OK: return "ok";
    case HN_ERR_ARG: return "invalid argument";
    case HN_ERR_NOMEM: return "out of memory";
    case HN_ERR_IO: return "i/o error";
    case HN_ERR_FORMAT: return "bad format";
    case HN_ERR_TRUNCATED: return "truncated data";
    case HN_ERR_CHECKSUM: return "checksum mismatch";
    case HN_ERR_LIMIT: return "size limit exceeded";
    case HN_ERR_UNSUPPORTED: return "unsupported";
    case HN_ERR_SHAPE: return "shape mismatch";
    case HN_ERR_NOT_FOUND: return "not found";
    }
    return "unknown status";
}

HNDEF void hn_set_log(hn_log_fn fn, void *user)
{
    hn__log_fn = fn;
    hn__log_user = user;
}

/* a * b into *out, or 0 when it would overflow a size_t. */
static int hn__mul_size(size_t a, size_t b, size_t *out)
{
    if (a && b > (size_t)-1 / a) return 0;
    *out = a * b;
    return 1;
}

/* Allocation that records the reason when it fails. */
static void *hn__alloc(size_t bytes)
{
    void *p = HN_MALLOC(bytes ? bytes : 1);
    if (!p) hn__fail(HN_ERR_NOMEM, "out of memory allocating %zu bytes", bytes);
    return p;
}

static void *hn__calloc(size_t count, size_t elem)
{
    size_t bytes;
    void *p;
    if (!hn__mul_size(count, elem, &bytes)) {
        hn__fail(HN_ERR_LIMIT, "allocation of %zu x %zu bytes overflows", count, elem);
        return NULL;
    }
    p = hn__alloc(bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

HNDEF void hn_free(void *p) { HN_FREE(p); }

#ifndef HN_NO_STDIO
HNDEF hn_status hn_read_file(const char *path, size_t max_bytes,
                             unsigned char **data, size_t *len)
{
    FILE *f;
    long size;
    unsigned char *buf;
    *data = NULL;
    *len = 0;
    f = fopen(path, "rb");
    if (!f) return hn__fail(HN_ERR_IO, "cannot open '%s'", path);
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return hn__fail(HN_ERR_IO, "cannot size '%s' (not a regular file?)", path);
    }
    if ((unsigned long)size > max_bytes) {
        fclose(f);
        return hn__fail(HN_ERR_LIMIT, "'%s' is %lu bytes, more than the %zu allowed",
                        path, (unsigned long)size, max_bytes);
    }
    buf = (unsigned char *)hn__alloc((size_t)size);
    if (!buf) {
        fclose(f);
        return HN_ERR_NOMEM;
    }
    if (fread(buf, 1, (size_t)size, f) != (size_t)size) {
        HN_FREE(buf);
        fclose(f);
        return hn__fail(HN_ERR_IO, "short read from '%s'", path);
    }
    fclose(f);
    *data = buf;
    *len = (size_t)size;
    return HN_OK;
}
#endif

/* Big- and little-endian loads from byte buffers: file formats fix their
   byte order, the host's does not matter. */
HN__UNUSED static uint32_t hn__load_u32be(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

HN__UNUSED static uint32_t hn__load_u32le(const unsigned char *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

HN__UNUSED static void hn__store_u32le(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* ---- random numbers ---- */

HNDEF void hn_rng_seed(hn_rng *r, uint64_t seed)
{
    /* PCG's recommended seeding: the stream constant is fixed, the state
       advanced twice around the seed so nearby seeds diverge at once. */
    r->state = 0u;
    r->inc = (UINT64_C(0xda3e39cb94b95bdb) << 1u) | 1u;
    hn_rng_u32(r);
    r->state += seed;
    hn_rng_u32(r);
    r->has_spare = 0;
    r->spare = 0.0f;
}

HNDEF uint32_t hn_rng_u32(hn_rng *r)
{
    uint64_t old = r->state;
    uint32_t xorshifted, rot;
    r->state = old * UINT64_C(6364136223846793005) + r->inc;
    xorshifted = (uint32_t)(((old >> 18u) ^ old) >> 27u);
    rot = (uint32_t)(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

HNDEF uint32_t hn_rng_below(hn_rng *r, uint32_t n)
{
    /* Reject the low values that would make some residues more likely. */
    uint32_t threshold, x;
    HN_ASSERT(n > 0);
    threshold = (uint32_t)(0u - n) % n;
    do x = hn_rng_u32(r); while (x < threshold);
    return x % n;
}

HNDEF float hn_rng_uniform(hn_rng *r)
{
    /* 24 random bits scaled by 2^-24: exact in any float arithmetic. */
    return (float)(hn_rng_u32(r) >> 8) * (1.0f / 16777216.0f);
}

/* Natural logarithm from +, *, / only, so that the normal stream does not
   depend on the platform's libm. x in (0, 1]. x = m * 2^e with m in
   [sqrt(1/2), sqrt(2)); log m = 2 atanh(s), s = (m - 1) / (m + 1), |s| <=
   0.172, and the odd series to s^19 is accurate to about 1e-16. */
static double hn__log_portable(double x)
{
    static const double ln2 = 0.69314718055994530942;
    double m = x, s, s2, sum, term;
    int e = 0, i;
    while (m < 0.70710678118654752440) { m *= 2.0; e--; }
    s = (m - 1.0) / (m + 1.0);
    s2 = s * s;
    sum = 0.0;
    term = s;
    for (i = 1; i <= 19; i += 2) {
        sum += term / i;
        term *= s2;
    }
    return 2.0 * sum + e * ln2;
}

HNDEF float hn_rng_normal(hn_rng *r)
{
    /* Marsaglia's polar method: two normals per accepted pair; sqrt is
       correctly rounded by IEEE 754, the logarithm is our own. */
    double u, v, s, f;
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    do {
        u = 2.0 * ((double)(hn_rng_u32(r) >> 8) / 16777216.0) - 1.0;
        v = 2.0 * ((double)(hn_rng_u32(r) >> 8) / 16777216.0) - 1.0;
        s = u * u + v * v;
    } while (s >= 1.0 || s == 0.0);
    f = -2.0 * hn__log_portable(s) / s;
    /* sqrt in double: correctly rounded everywhere, like the rest. */
    f = HN_SQRT(f);
    r->spare = (float)(v * f);
    r->has_spare = 1;
    return (float)(u * f);
}

HNDEF void hn_rng_fill_normal(hn_rng *r, float *x, size_t n, float mean, float std)
{
    size_t i;
    for (i = 0; i < n; i++) x[i] = mean + std * hn_rng_normal(r);
}

HNDEF void hn_rng_fill_uniform(hn_rng *r, float *x, size_t n, float lo, float hi)
{
    size_t i;
    for (i = 0; i < n; i++) x[i] = lo + (hi - lo) * hn_rng_uniform(r);
}

HNDEF void hn_rng_shuffle(hn_rng *r, int *idx, int n)
{
    int i;
    for (i = n - 1; i > 0; i--) {
        int j = (int)hn_rng_below(r, (uint32_t)i + 1u);
        int t = idx[i];
        idx[i] = idx[j];
        idx[j] = t;
    }
}

/* ---- tensors ---- */

/* Product of a shape, or 0 with the reason set when a dimension is not
   positive or the product overflows. */
static size_t hn__shape_size(int ndim, const int *shape)
{
    size_t n = 1;
    int i;
    if (ndim < 1 || ndim > HN_MAX_DIMS) {
        hn__fail(HN_ERR_SHAPE, "tensor needs 1 to %d dimensions, got %d",
                 HN_MAX_DIMS, ndim);
        return 0;
    }
    for (i = 0; i < ndim; i++) {
        if (shape[i] <= 0) {
            hn__fail(HN_ERR_SHAPE, "dimension %d is %d, must be positive", i, shape[i]);
            return 0;
        }
        if (!hn__mul_size(n, (size_t)shape[i], &n) || n > (size_t)-1 / sizeof(float)) {
            hn__fail(HN_ERR_LIMIT, "tensor size overflows");
            return 0;
        }
    }
    return n;
}

HNDEF hn_status hn_tensor_alloc(hn_tensor *t, int ndim, const int *shape)
{
    size_t n;
    int i;
    memset(t, 0, sizeof *t);
    n = hn__shape_size(ndim, shape);
    if (!n) return hn__err_status;
    t->data = (float *)hn__calloc(n, sizeof(float));
    if (!t->data) return HN_ERR_NOMEM;
    t->ndim = ndim;
    for (i = 0; i < ndim; i++) t->shape[i] = shape[i];
    t->size = n;
    t->owns = 1;
    return HN_OK;
}

HNDEF hn_tensor hn_tensor_view(float *data, int ndim, const int *shape)
{
    hn_tensor t;
    int i;
    HN_ASSERT(ndim >= 1 && ndim <= HN_MAX_DIMS);
    memset(&t, 0, sizeof t);
    t.data = data;
    t.ndim = ndim;
    t.size = 1;
    for (i = 0; i < ndim; i++) {
        t.shape[i] = shape[i];
        t.size *= (size_t)shape[i];
    }
    return t;
}

HNDEF void hn_tensor_free(hn_tensor *t)
{
    if (t->owns) HN_FREE(t->data);
    memset(t, 0, sizeof *t);
}

HNDEF int hn_tensor_same_shape(const hn_tensor *a, const hn_tensor *b)
{
    int i;
    if (a->ndim != b->ndim) return 0;
    for (i = 0; i < a->ndim; i++)
        if (a->shape[i] != b->shape[i]) return 0;
    return 1;
}

/* ---- parameter store ---- */

/* 16 floats = 64 bytes: each tensor starts on a cache line, so SIMD loads
   of its first elements are aligned and two tensors never share a line. */
#define HN__PARAM_ALIGN 16

HNDEF void hn_params_init(hn_params *ps)
{
    memset(ps, 0, sizeof *ps);
}

HNDEF int hn_params_add(hn_params *ps, const char *name, int ndim, const int *shape)
{
    hn_param_info *pi;
    size_t n, padded;
    int i;
    if (ps->data) {
        hn__fail(HN_ERR_ARG, "parameter '%s' added after hn_params_alloc", name);
        return -1;
    }
    if (strlen(name) >= HN_PARAM_NAME_MAX) {
        hn__fail(HN_ERR_ARG, "parameter name '%s' is longer than %d bytes",
                 name, HN_PARAM_NAME_MAX - 1);
        return -1;
    }
    if (hn_params_find(ps, name) >= 0) {
        hn__fail(HN_ERR_ARG, "parameter '%s' declared twice", name);
        return -1;
    }
    n = hn__shape_size(ndim, shape);
    if (!n) return -1;
    padded = (n + HN__PARAM_ALIGN - 1) / HN__PARAM_ALIGN * HN__PARAM_ALIGN;
    if (padded > (size_t)-1 / (2 * sizeof(float)) - ps->total) {
        hn__fail(HN_ERR_LIMIT, "parameter store overflows at '%s'", name);
        return -1;
    }
    if (ps->count == ps->cap) {
        int cap = ps->cap ? 2 * ps->cap : 16;
        void *p = HN_REALLOC(ps->info, (size_t)cap * sizeof *ps->info);
        if (!p) {
            hn__fail(HN_ERR_NOMEM, "out of memory adding parameter '%s'", name);
            return -1;
        }
        ps->info = (hn_param_info *)p;
        ps->cap = cap;
    }
    pi = &ps->info[ps->count];
    memset(pi, 0, sizeof *pi);
    memcpy(pi->name, name, strlen(name) + 1);
    pi->ndim = ndim;
    for (i = 0; i < ndim; i++) pi->shape[i] = shape[i];
    pi->size = n;
    pi->offset = ps->total;
    ps->total += padded;
    ps->nparams += n;
    return ps->count++;
}

HNDEF hn_status hn_params_alloc(hn_params *ps)
{
    size_t total = ps->total ? ps->total : HN__PARAM_ALIGN;
    unsigned char *raw;
    uintptr_t addr;
    if (ps->data) return hn__fail(HN_ERR_ARG, "parameter store allocated twice");
    /* One block for data and grad, plus slack to align the start to 64. */
    raw = (unsigned char *)hn__calloc(2 * total + HN__PARAM_ALIGN, sizeof(float));
    if (!raw) return HN_ERR_NOMEM;
    ps->block = raw;
    addr = (uintptr_t)raw;
    addr = (addr + 63u) & ~(uintptr_t)63u;
    ps->data = (float *)(void *)(raw + (addr - (uintptr_t)raw));
    ps->grad = ps->data + total;
    return HN_OK;
}

HNDEF void hn_params_free(hn_params *ps)
{
    HN_FREE(ps->block);
    HN_FREE(ps->info);
    memset(ps, 0, sizeof *ps);
}

HNDEF float *hn_params_data(const hn_params *ps, int handle)
{
    HN_ASSERT(ps->data && handle >= 0 && handle < ps->count);
    return ps->data + ps->info[handle].offset;
}

HNDEF float *hn_params_grad(const hn_params *ps, int handle)
{
    HN_ASSERT(ps->grad && handle >= 0 && handle < ps->count);
    return ps->grad + ps->info[handle].offset;
}

HNDEF hn_tensor hn_params_tensor(const hn_params *ps, int handle)
{
    const hn_param_info *pi = &ps->info[handle];
    return hn_tensor_view(hn_params_data(ps, handle), pi->ndim, pi->shape);
}

HNDEF int hn_params_find(const hn_params *ps, const char *name)
{
    int i;
    for (i = 0; i < ps->count; i++)
        if (strcmp(ps->info[i].name, name) == 0) return i;
    return -1;
}

HNDEF void hn_params_zero_grad(hn_params *ps)
{
    if (ps->grad) memset(ps->grad, 0, ps->total * sizeof(float));
}

/* ========================================================================
   GEMM implementation
   ======================================================================== */

/* hn_sgemm is the five-loop GEMM of Goto and van de Geijn ("Anatomy of
   High-Performance Matrix Multiplication", 2008) as BLIS arranges it:

      for jc in 0..n step NC          B block, KC x NC, stays in L3
        for pc in 0..k step KC          (k split: C is updated once per block)
          pack op(B)[pc:+KC, jc:+NC]
          for ic in 0..m step MC        A block, MC x KC, stays in L2
            pack op(A)[ic:+MC, pc:+KC]
            for jr in 0..NC step NR     one B micro-panel, KC x NR, in L1
              for ir in 0..MC step MR   one A micro-panel, MR x KC
                C[ir:+MR, jr:+NR] = Apanel * Bpanel (+ beta C)

   Packing copies each block into the order the micro-kernel reads it (A:
   the MR values of one column after another; B: the NR values of one row
   after another), zero-padded to whole panels. The kernel then streams two
   contiguous arrays with no edge cases; the partial tiles at the bottom and
   right edges go through a small tile on the stack, so nothing outside C's
   m x n window is read or written. Packing also handles the transposes and
   multiplies by alpha.

   Three departures from the textbook. When all of A fits one MC block,
   each B micro-panel is packed just before its one use, while it is still
   in L1. A C narrower than the tile (n < NR) is computed as C^T = op(B)^T
   op(A)^T, written back through strides, so that the kernel's long side
   runs along m. And M, N and K are cut into equal blocks of at most MC,
   NC, KC rather than full blocks and a sliver.

   Threads (OpenMP) each take a slice of whole micro-tiles along M or N and
   run the five loops on it with their own pack buffers. The k sum is never
   split, and every element of C goes through the same instructions in the
   same order whichever thread computes it, so the result is bit-identical
   for any thread count. */

/* Micro-kernel: C[0:MR, 0:NR] = sum over p < kc of pa[p*MR + i] * pb[p*NR + j],
   plus beta * C unless beta is 0 (then C is not read). ldc in floats. */
typedef void (*hn__gemm_kernel_fn)(int kc, const float *pa, const float *pb,
                                   float *c, size_t ldc, float beta);

typedef struct hn__gemm_kernel {
    hn__gemm_kernel_fn fn;
    int mr, nr;
} hn__gemm_kernel;

/* A kernel with its cache blocks (multiples of mr and nr) and where alpha
   goes, fixed for the whole product before any thread starts. */
typedef struct hn__gemm_plan {
    hn__gemm_kernel_fn fn;
    int mr, nr, mc, kc, nc;
    int alpha_in_a;
} hn__gemm_plan;

/* Products of fewer multiply-adds than this run on one thread: below it,
   waking threads costs more than it saves. */
#ifndef HN_GEMM_OMP_MIN
#define HN_GEMM_OMP_MIN 1000000.0
#endif

/* Scalar kernel, 4 x 4: sixteen accumulators that fit the registers of
   most targets (x86-64 has 16, AArch64 32; smaller cores spill a few). */
static void hn__gemm_out4(float *c, float beta, float x0, float x1, float x2,
                          float x3)
{
    if (beta != 0.0f) {
        x0 += beta * c[0];
        x1 += beta * c[1];
        x2 += beta * c[2];
        x3 += beta * c[3];
    }
    c[0] = x0;
    c[1] = x1;
    c[2] = x2;
    c[3] = x3;
}

static void hn__gemm_kernel_scalar(int kc, const float *pa, const float *pb,
                                   float *c, size_t ldc, float beta)
{
    float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
    float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
    int p;
    for (p = 0; p < kc; p++, pa += 4, pb += 4) {
        float a0 = pa[0], a1 = pa[1], a2 = pa[2], a3 = pa[3];
        float b0 = pb[0], b1 = pb[1], b2 = pb[2], b3 = pb[3];
        c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
        c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
        c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
        c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    }
    hn__gemm_out4(c, beta, c00, c01, c02, c03);
    hn__gemm_out4(c + ldc, beta, c10, c11, c12, c13);
    hn__gemm_out4(c + 2 * ldc, beta, c20, c21, c22, c23);
    hn__gemm_out4(c + 3 * ldc, beta, c30, c31, c32, c33);
}

HN__UNUSED static const hn__gemm_kernel hn__gemm_scalar = {
    hn__gemm_kernel_scalar, 4, 4
};

/* The vector kernels share one body: MR rows of three vectors each (NR =
   3W for vectors of W floats), written out row by row with macros rather
   than loops, so that every accumulator is a named register. MR is as many
   rows as the register file holds: 3*MR accumulators + 3 B vectors + 1
   broadcast, so 4 x 24 for AVX2 (16 ymm registers), 8 x 48 for AVX-512 and
   8 x 12 for NEON (32 registers), 4 x 12 for SSE2. Each step loads 3 B
   vectors and MR broadcasts for 3*MR multiply-adds. (On Zen 3, 4 x 24 was
   faster than the 6 x 16 tile of BLIS's Haswell kernel on most of
   bench_gemm's shapes, and 4 divides the common m = 16, 32, 64.) The KC x NR B micro-panel (24 KiB
   for AVX2) stays in a 32 KiB L1 while the MC x KC A block streams from
   L2. */
#if defined(HN__AVX512)
typedef __m512 hn__vf;
#define HN__VW 16
#define HN__GEMM_MR 8
#define HN__VZERO() _mm512_setzero_ps()
#define HN__VLOAD(p) _mm512_loadu_ps(p)
#define HN__VSTORE(p, v) _mm512_storeu_ps(p, v)
#define HN__VSET1(x) _mm512_set1_ps(x)
#define HN__VFMA(a, b, acc) _mm512_fmadd_ps(a, b, acc)
#define HN__VMUL(a, b) _mm512_mul_ps(a, b)
#elif defined(HN__AVX2)
typedef __m256 hn__vf;
#define HN__VW 8
#define HN__GEMM_MR 4
#define HN__VZERO() _mm256_setzero_ps()
#define HN__VLOAD(p) _mm256_loadu_ps(p)
#define HN__VSTORE(p, v) _mm256_storeu_ps(p, v)
#define HN__VSET1(x) _mm256_set1_ps(x)
#define HN__VFMA(a, b, acc) _mm256_fmadd_ps(a, b, acc)
#define HN__VMUL(a, b) _mm256_mul_ps(a, b)
#elif defined(HN__SSE2)
typedef __m128 hn__vf;
#define HN__VW 4
#define HN__GEMM_MR 4
#define HN__VZERO() _mm_setzero_ps()
#define HN__VLOAD(p) _mm_loadu_ps(p)
#define HN__VSTORE(p, v) _mm_storeu_ps(p, v)
#define HN__VSET1(x) _mm_set1_ps(x)
#define HN__VFMA(a, b, acc) _mm_add_ps(acc, _mm_mul_ps(a, b))
#define HN__VMUL(a, b) _mm_mul_ps(a, b)
#elif defined(HN__NEON)
typedef float32x4_t hn__vf;
#define HN__VW 4
#define HN__GEMM_MR 8
#define HN__VZERO() vdupq_n_f32(0.0f)
#define HN__VLOAD(p) vld1q_f32(p)
#define HN__VSTORE(p, v) vst1q_f32(p, v)
#define HN__VSET1(x) vdupq_n_f32(x)
#define HN__VMUL(a, b) vmulq_f32(a, b)
#if defined(__aarch64__)
#define HN__VFMA(a, b, acc) vfmaq_f32(acc, a, b)
#else
#define HN__VFMA(a, b, acc) vmlaq_f32(acc, a, b) /* ARMv7 NEON: no fused form */
#endif
#endif

#ifndef HN_GEMM_MC
#define HN_GEMM_MC 128
#endif
#ifndef HN_GEMM_KC
#define HN_GEMM_KC 256
#endif
#ifndef HN_GEMM_NC
#define HN_GEMM_NC 4080
#endif

/* GCC likes to fold each use of a B vector into its FMA as a memory
   operand: twelve loads per step instead of three, more than the load ports
   take. An empty asm that claims to change the register keeps it loaded. */
#if defined(__GNUC__) && !defined(__clang__) && (defined(HN__AVX2) || defined(HN__AVX512))
#define HN__VKEEP(v) __asm__("" : "+v"(v))
#else
#define HN__VKEEP(v) ((void)0)
#endif

/* Hints to start loading a cache line that will be needed soon, into L1
   or only as far as L2. */
#if defined(HN__AVX2) || defined(HN__AVX512) || defined(HN__SSE2)
#define HN__PREFETCH(p) _mm_prefetch((const char *)(p), _MM_HINT_T0)
#define HN__PREFETCH_L2(p) _mm_prefetch((const char *)(p), _MM_HINT_T1)
#elif defined(__GNUC__) || defined(__clang__)
#define HN__PREFETCH(p) __builtin_prefetch(p)
#define HN__PREFETCH_L2(p) __builtin_prefetch(p, 0, 2)
#else
#define HN__PREFETCH(p) ((void)(p))
#define HN__PREFETCH_L2(p) ((void)(p))
#endif

#ifdef HN__VW
#define HN__GEMM_NR (3 * HN__VW)
#define HN__GEMM_TILE (HN__GEMM_MR * HN__GEMM_NR)

/* Row i of the tile: accumulators ci0, ci1, ci2. */
#define HN__KDECL(i) \
    hn__vf c##i##0 = HN__VZERO(), c##i##1 = HN__VZERO(), c##i##2 = HN__VZERO()
#define HN__KSTEP(i)                        \
    av = HN__VSET1(pa[i]);                  \
    c##i##0 = HN__VFMA(av, b0, c##i##0);    \
    c##i##1 = HN__VFMA(av, b1, c##i##1);    \
    c##i##2 = HN__VFMA(av, b2, c##i##2)
#define HN__KOUT(i)                                                     \
    do {                                                                \
        float *ci = c + (size_t)(i) * ldc;                              \
        if (beta != 0.0f) {                                             \
            c##i##0 = HN__VFMA(bv, HN__VLOAD(ci), c##i##0);             \
            c##i##1 = HN__VFMA(bv, HN__VLOAD(ci + HN__VW), c##i##1);    \
            c##i##2 = HN__VFMA(bv, HN__VLOAD(ci + 2 * HN__VW), c##i##2); \
        }                                                               \
        HN__VSTORE(ci, c##i##0);                                        \
        HN__VSTORE(ci + HN__VW, c##i##1);                               \
        HN__VSTORE(ci + 2 * HN__VW, c##i##2);                           \
    } while (0)

static void hn__gemm_kernel_simd(int kc, const float *pa, const float *pb,
                                 float *c, size_t ldc, float beta)
{
    hn__vf av, b0, b1, b2, bv = HN__VSET1(beta);
    int p, i;
    HN__KDECL(0); HN__KDECL(1); HN__KDECL(2); HN__KDECL(3);
#if HN__GEMM_MR >= 6
    HN__KDECL(4); HN__KDECL(5);
#endif
#if HN__GEMM_MR == 8
    HN__KDECL(6); HN__KDECL(7);
#endif
    /* The C tile is read (beta != 0) or written after the k loop: ask for
       it now so that it is in L1 by then. */
    for (i = 0; i < HN__GEMM_MR; i++) {
        HN__PREFETCH(c + (size_t)i * ldc);
        HN__PREFETCH(c + (size_t)i * ldc + HN__GEMM_NR - 1);
    }
    for (p = 0; p < kc; p++, pa += HN__GEMM_MR, pb += HN__GEMM_NR) {
        b0 = HN__VLOAD(pb);
        b1 = HN__VLOAD(pb + HN__VW);
        b2 = HN__VLOAD(pb + 2 * HN__VW);
        HN__VKEEP(b0); HN__VKEEP(b1); HN__VKEEP(b2);
        HN__KSTEP(0); HN__KSTEP(1); HN__KSTEP(2); HN__KSTEP(3);
#if HN__GEMM_MR >= 6
        HN__KSTEP(4); HN__KSTEP(5);
#endif
#if HN__GEMM_MR == 8
        HN__KSTEP(6); HN__KSTEP(7);
#endif
    }
    HN__KOUT(0); HN__KOUT(1); HN__KOUT(2); HN__KOUT(3);
#if HN__GEMM_MR >= 6
    HN__KOUT(4); HN__KOUT(5);
#endif
#if HN__GEMM_MR == 8
    HN__KOUT(6); HN__KOUT(7);
#endif
}

static const hn__gemm_kernel hn__gemm_native = {
    hn__gemm_kernel_simd, HN__GEMM_MR, HN__GEMM_NR
};
#else
#define HN__GEMM_TILE 16
static const hn__gemm_kernel hn__gemm_native = { hn__gemm_kernel_scalar, 4, 4 };
#endif

/* The common case of packing, a whole panel of op(B) as stored (or of A
   transposed), in vector registers: for small m the packing of B costs as
   much as the product. Returns 0 when it does not apply. */
static int hn__gemm_pack_rows(int rows, int w, int kb, const float *src, size_t ld,
                              float scale, float *dst)
{
#ifdef HN__VW
    hn__vf sv = HN__VSET1(scale);
    int p, q;
    if (rows != w) return 0;
    if (w % HN__VW == 0) {
        for (p = 0; p < kb; p++, src += ld, dst += w)
            for (q = 0; q < w; q += HN__VW)
                HN__VSTORE(dst + q, HN__VMUL(sv, HN__VLOAD(src + q)));
        return 1;
    }
#if defined(HN__AVX2) || defined(HN__AVX512)
    if (w == 4) { /* AVX2's MR */
        __m128 sv4 = _mm_set1_ps(scale);
        for (p = 0; p < kb; p++, src += ld, dst += 4)
            _mm_storeu_ps(dst, _mm_mul_ps(sv4, _mm_loadu_ps(src)));
        return 1;
    }
#endif
    return 0;
#else
    (void)rows; (void)w; (void)kb; (void)src; (void)ld; (void)scale; (void)dst;
    return 0;
#endif
}

/* The other common case, a panel whose columns are stored as rows (op(B)
   transposed, A as stored), by 4 x 4 transposes in SSE registers instead
   of one strided store per value. Packs the first rows, a multiple of 4,
   and returns how many; the caller does the rest. */
static int hn__gemm_pack_cols(int rows, int w, int kb, const float *src, size_t ld,
                              float scale, float *dst)
{
#if defined(HN__SSE2) || defined(HN__AVX2) || defined(HN__AVX512)
    __m128 sv = _mm_set1_ps(scale);
    int i, p;
    if (w % 4 != 0) return 0;
    for (i = 0; i + 4 <= rows; i += 4) {
        const float *s0 = src + (size_t)i * ld, *s1 = s0 + ld, *s2 = s1 + ld;
        const float *s3 = s2 + ld;
        float *d = dst + i;
        for (p = 0; p + 4 <= kb; p += 4, d += (size_t)4 * w) {
            __m128 r0 = _mm_loadu_ps(s0 + p), r1 = _mm_loadu_ps(s1 + p);
            __m128 r2 = _mm_loadu_ps(s2 + p), r3 = _mm_loadu_ps(s3 + p);
            _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
            _mm_storeu_ps(d, _mm_mul_ps(sv, r0));
            _mm_storeu_ps(d + w, _mm_mul_ps(sv, r1));
            _mm_storeu_ps(d + 2 * w, _mm_mul_ps(sv, r2));
            _mm_storeu_ps(d + 3 * w, _mm_mul_ps(sv, r3));
        }
        for (; p < kb; p++, d += w) {
            d[0] = scale * s0[p];
            d[1] = scale * s1[p];
            d[2] = scale * s2[p];
            d[3] = scale * s3[p];
        }
    }
    return i;
#else
    (void)rows; (void)w; (void)kb; (void)src; (void)ld; (void)scale; (void)dst;
    return 0;
#endif
}

/* Pack an x by kb block (of op(A), or of op(B) transposed) into panels of
   w: panel r holds element (r*w + i, p) times scale at p*w + i, and zeros
   past x. Element (i, p) is src[i*ld + p] when the stored rows run along k
   (A as stored, B transposed), else src[p*ld + i]. */
static void hn__gemm_pack(int along_k, int x, int kb, const float *src, size_t ld,
                          float scale, int w, float *dst)
{
    int r, i, p;
    for (r = 0; r < x; r += w, dst += (size_t)w * kb) {
        int rows = HN__MIN(w, x - r);
        if (along_k) {
            i = hn__gemm_pack_cols(rows, w, kb, src + (size_t)r * ld, ld, scale, dst);
            for (; i < rows; i++) {
                const float *s = src + (size_t)(r + i) * ld;
                for (p = 0; p < kb; p++) dst[(size_t)p * w + i] = scale * s[p];
            }
            for (; i < w; i++)
                for (p = 0; p < kb; p++) dst[(size_t)p * w + i] = 0.0f;
        } else if (!hn__gemm_pack_rows(rows, w, kb, src + r, ld, scale, dst)) {
            for (p = 0; p < kb; p++) {
                const float *s = src + (size_t)p * ld + r;
                float *d = dst + (size_t)p * w;
                for (i = 0; i < rows; i++) d[i] = scale * s[i];
                for (; i < w; i++) d[i] = 0.0f;
            }
        }
    }
}

/* One product as the driver sees it: C = alpha op(A) op(B) + beta C with
   op(A) m x k, op(B) k x n, and C's element (i, j) at c[i*rsc + j*csc].
   csc is 1 except when a product too narrow for the kernel runs transposed
   (hn__gemm_job_init): then this C is the caller's C^T, csc its ldc. */
typedef struct hn__gemm_job {
    int ta, tb, m, n, k;
    float alpha, beta;
    const float *a, *b;
    size_t lda, ldb;
    float *c;
    size_t rsc, csc;
} hn__gemm_job;

/* How many B micro-panels ahead hn__gemm_macro prefetches. */
#define HN__PF_AHEAD 2

/* Where a B block comes from, for packing it one micro-panel at a time. */
typedef struct hn__gemm_bsrc {
    const float *b; /* op(B)[0, 0] of the block */
    size_t ldb;
    int trans;
    float scale;
} hn__gemm_bsrc;

/* The two inner loops over one packed mb x kb block of A and kb x nb block
   of B: every mr x nr tile of C. With src, B is not packed yet: each
   micro-panel is packed into pb just before its column of tiles uses it,
   while it is still in L1. Partial tiles (and every tile of a transposed
   C) are computed into a tile on the stack and only their part inside C is
   copied out. */
static void hn__gemm_macro(const hn__gemm_plan *pl, int mb, int nb, int kb,
                           const float *pa, float *pb, const hn__gemm_bsrc *src,
                           float beta, float *c, size_t rsc, size_t csc)
{
    float tile[HN__GEMM_TILE];
    int ir, jr, i, j, mr = pl->mr, nr = pl->nr;
    /* Rows of the prefetch (below) issued before each tile of a column. */
    int chunk = (kb + (mb + mr - 1) / mr - 1) / ((mb + mr - 1) / mr);
    for (jr = 0; jr < nb; jr += nr) {
        int cols = HN__MIN(nr, nb - jr);
        const float *bp = pb + (size_t)jr * kb, *ahead = NULL;
        if (src) {
            const float *sb = src->trans ? src->b + (size_t)jr * src->ldb : src->b + jr;
            /* Untransposed, the panel is kb short pieces of kb rows far
               apart: more streams than the hardware prefetcher follows, so
               ask for the pieces of the panel after next, into L2 (a whole
               panel or two would crowd L1), a few rows per tile so that the
               requests do not queue up all at once. */
            if (!src->trans && jr + HN__PF_AHEAD * nr + nr <= nb)
                ahead = sb + HN__PF_AHEAD * nr;
            hn__gemm_pack(src->trans, cols, kb, sb, src->ldb, src->scale, nr, pb);
            bp = pb;
        }
        for (ir = 0; ir < mb; ir += mr) {
            int rows = HN__MIN(mr, mb - ir);
            const float *ap = pa + (size_t)ir * kb;
            float *cij = c + (size_t)ir * rsc + (size_t)jr * csc;
            if (ahead) {
                int p0 = ir / mr * chunk, p1 = HN__MIN(kb, p0 + chunk);
                for (i = p0; i < p1; i++) {
                    HN__PREFETCH_L2(ahead + (size_t)i * src->ldb);
                    HN__PREFETCH_L2(ahead + (size_t)i * src->ldb + nr - 1);
                }
            }
            if (rows == mr && cols == nr && csc == 1) {
                pl->fn(kb, ap, bp, cij, rsc, beta);
                continue;
            }
            pl->fn(kb, ap, bp, tile, (size_t)nr, 0.0f);
            for (i = 0; i < rows; i++) {
                float *ci = cij + (size_t)i * rsc;
                const float *ti = tile + (size_t)i * nr;
                if (beta == 0.0f)
                    for (j = 0; j < cols; j++) ci[j * csc] = ti[j];
                else
                    for (j = 0; j < cols; j++) ci[j * csc] = ti[j] + beta * ci[j * csc];
            }
        }
    }
}

/* The three outer loops, for one thread's part of the product. When all
   of A fits one MC block, each B micro-panel is used by one column of
   tiles only, so it is packed right before (hn__gemm_macro) rather than a
   whole block ahead: the same work, but the packed panel is still in L1
   when read. */
static void hn__gemm_blocked(const hn__gemm_plan *pl, const hn__gemm_job *jb,
                             float *pa, float *pb)
{
    float sa = pl->alpha_in_a ? jb->alpha : 1.0f, sb = pl->alpha_in_a ? 1.0f : jb->alpha;
    int jc, pc, ic, m = jb->m, n = jb->n, k = jb->k, one_block = m <= pl->mc;
    size_t lda = jb->lda, ldb = jb->ldb;
    for (jc = 0; jc < n; jc += pl->nc) {
        int nb = HN__MIN(pl->nc, n - jc);
        for (pc = 0; pc < k; pc += pl->kc) {
            int kb = HN__MIN(pl->kc, k - pc);
            /* Only the first k block applies beta; the others add to it. */
            float bk = pc == 0 ? jb->beta : 1.0f;
            hn__gemm_bsrc src;
            src.b = jb->tb ? jb->b + (size_t)jc * ldb + pc : jb->b + (size_t)pc * ldb + jc;
            src.ldb = ldb;
            src.trans = jb->tb;
            src.scale = sb;
            if (!one_block) hn__gemm_pack(jb->tb, nb, kb, src.b, ldb, sb, pl->nr, pb);
            for (ic = 0; ic < m; ic += pl->mc) {
                int mb = HN__MIN(pl->mc, m - ic);
                const float *ab = jb->ta ? jb->a + (size_t)pc * lda + ic
                                         : jb->a + (size_t)ic * lda + pc;
                hn__gemm_pack(!jb->ta, mb, kb, ab, lda, sa, pl->mr, pa);
                hn__gemm_macro(pl, mb, nb, kb, pa, pb, one_block ? &src : NULL, bk,
                               jb->c + (size_t)ic * jb->rsc + (size_t)jc * jb->csc,
                               jb->rsc, jb->csc);
            }
        }
    }
}

static int hn__gemm_round(int x, int to)
{
    x -= x % to;
    return x < to ? to : x;
}

/* Block size for x in blocks of at most max (a multiple of unit), as equal
   as whole units allow: k = 784 goes as 4 x 196 rather than 3 x 256 + 16,
   whose short last block would cost a pass over C (or over B, for m) for
   little work. */
static int hn__gemm_even(int x, int max, int unit)
{
    int blocks = (x + max - 1) / max, size = (x + blocks - 1) / blocks;
    return (size + unit - 1) / unit * unit;
}

/* Share of the kernel's work that is real, not zero padding. */
static double hn__gemm_fill(int m, int n, int mr, int nr)
{
    return (double)m / ((m + mr - 1) / mr * mr) * n / ((n + nr - 1) / nr * nr);
}

/* The job for C = alpha op(A) op(B) + beta C, and its plan. A C narrower
   than the kernel's tile (n = 10 against NR = 24, say) wastes most of each
   tile on padding; then the driver computes C^T = op(B)^T op(A)^T, the same
   numbers with the roles of m and n swapped, writing C through strides. */
static void hn__gemm_job_init(hn__gemm_job *jb, hn__gemm_plan *pl,
                              const hn__gemm_kernel *kr, int ta, int tb, int m,
                              int n, int k, float alpha, const float *a, int lda,
                              const float *b, int ldb, float beta, float *c, int ldc)
{
    int nc;
    jb->k = k;
    jb->alpha = alpha;
    jb->beta = beta;
    jb->c = c;
    if (hn__gemm_fill(n, m, kr->mr, kr->nr) > 1.25 * hn__gemm_fill(m, n, kr->mr, kr->nr)) {
        jb->ta = !tb; jb->tb = !ta; jb->m = n; jb->n = m;
        jb->a = b; jb->lda = (size_t)ldb; jb->b = a; jb->ldb = (size_t)lda;
        jb->rsc = 1; jb->csc = (size_t)ldc;
    } else {
        jb->ta = ta; jb->tb = tb; jb->m = m; jb->n = n;
        jb->a = a; jb->lda = (size_t)lda; jb->b = b; jb->ldb = (size_t)ldb;
        jb->rsc = (size_t)ldc; jb->csc = 1;
    }
    pl->fn = kr->fn;
    pl->mr = kr->mr;
    pl->nr = kr->nr;
    pl->mc = hn__gemm_even(jb->m, hn__gemm_round(HN_GEMM_MC, kr->mr), kr->mr);
    pl->kc = hn__gemm_even(k, HN__MAX(HN_GEMM_KC, 1), 1);
    pl->nc = nc = hn__gemm_even(jb->n, hn__gemm_round(HN_GEMM_NC, kr->nr), kr->nr);
    /* A is packed once per NC block of columns, B once: multiply alpha
       into whichever is packed fewer times in all. */
    pl->alpha_in_a = (double)jb->m * ((jb->n + nc - 1) / nc) <= (double)jb->n;
}

/* Bytes of the A block a thread packs, rounded to whole cache lines. */
static size_t hn__gemm_a_bytes(const hn__gemm_plan *pl, int m, int k)
{
    size_t kb = (size_t)HN__MIN(k, pl->kc), mb = (size_t)HN__MIN(m, pl->mc);
    return ((mb + pl->mr - 1) / pl->mr * pl->mr * kb * sizeof(float) + 63) / 64 * 64;
}

/* Bytes of pack buffers one thread needs: an A block and a B block (one
   B micro-panel when A fits one MC block), each starting on a 64-byte
   boundary wherever the buffer starts. */
static size_t hn__gemm_thread_bytes(const hn__gemm_plan *pl, const hn__gemm_job *jb)
{
    size_t kb = (size_t)HN__MIN(jb->k, pl->kc);
    size_t nb = jb->m <= pl->mc ? (size_t)pl->nr : (size_t)HN__MIN(jb->n, pl->nc);
    size_t bbytes = (nb + pl->nr - 1) / pl->nr * pl->nr * kb * sizeof(float);
    return hn__gemm_a_bytes(pl, jb->m, jb->k) + bbytes + 64;
}

/* Slices along N when it is the longer side, else along M. */
static int hn__gemm_split_n(const hn__gemm_job *jb) { return jb->n >= jb->m; }

/* How many threads the product deserves (1 without OpenMP). */
static int hn__gemm_threads(const hn__gemm_plan *pl, const hn__gemm_job *jb)
{
#ifdef _OPENMP
    int nt = omp_get_max_threads();
    int tiles = hn__gemm_split_n(jb) ? (jb->n + pl->nr - 1) / pl->nr
                                     : (jb->m + pl->mr - 1) / pl->mr;
    if ((double)jb->m * jb->n * jb->k < HN_GEMM_OMP_MIN) return 1;
    return HN__MAX(1, HN__MIN(nt, tiles));
#else
    (void)pl; (void)jb;
    return 1;
#endif
}

static float *hn__gemm_align64(unsigned char *p)
{
    return (float *)(void *)(p + (64 - (uintptr_t)p % 64) % 64);
}

/* Run the job on nt threads, each with per bytes of work: thread t takes
   the t-th slice of whole micro-tiles along N (or M). */
static void hn__gemm_run(const hn__gemm_plan *pl, const hn__gemm_job *jb, int nt,
                         unsigned char *work, size_t per)
{
    int split_n = hn__gemm_split_n(jb);
    int unit = split_n ? pl->nr : pl->mr, total = split_n ? jb->n : jb->m, t;
    size_t units, slice, abytes = hn__gemm_a_bytes(pl, jb->m, jb->k);
    /* Slices along N are whole 64-byte lines wide (when C's rows start on
       one), so that no line of C is written by two threads. */
    while (split_n && unit % 16 != 0) unit += pl->nr;
    units = ((size_t)total + unit - 1) / unit;
    slice = (units + nt - 1) / nt * unit;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (t = 0; t < nt; t++) {
        size_t lo = (size_t)t * slice;
        size_t hi = HN__MIN((size_t)total, lo + slice);
        float *pa = hn__gemm_align64(work + (size_t)t * per);
        float *pb = pa + abytes / sizeof(float);
        hn__gemm_job part = *jb;
        if (lo >= hi) continue;
        if (split_n) {
            part.n = (int)(hi - lo);
            part.b += jb->tb ? lo * jb->ldb : lo;
            part.c += lo * jb->csc;
        } else {
            part.m = (int)(hi - lo);
            part.a += jb->ta ? lo : lo * jb->lda;
            part.c += lo * jb->rsc;
        }
        hn__gemm_blocked(pl, &part, pa, pb);
    }
}

/* c[0:n] *= beta, where beta 0 writes zeros without reading c. */
static void hn__gemm_scale_row(float *c, int n, float beta)
{
    int j;
    if (beta == 0.0f)
        for (j = 0; j < n; j++) c[j] = 0.0f;
    else if (beta != 1.0f)
        for (j = 0; j < n; j++) c[j] *= beta;
}

/* The cases BLAS defines without a product: nothing to do for an empty C,
   and C = beta * C (C not read when beta is 0) when alpha or k is 0.
   Returns 1 when it handled the call. */
static int hn__gemm_trivial(int m, int n, int k, float alpha, float beta, float *c,
                            int ldc)
{
    int i;
    if (m == 0 || n == 0) return 1;
    if (k != 0 && alpha != 0.0f) return 0;
    for (i = 0; i < m; i++) hn__gemm_scale_row(c + (size_t)i * ldc, n, beta);
    return 1;
}

/* Programmer errors: negative sizes, strides shorter than rows. */
static void hn__gemm_check_args(int ta, int tb, int m, int n, int k, int lda,
                                int ldb, int ldc)
{
    HN_ASSERT(m >= 0 && n >= 0 && k >= 0);
    HN_ASSERT(ldc >= n);
    HN_ASSERT(k == 0 || lda >= (ta ? m : k));
    HN_ASSERT(k == 0 || ldb >= (tb ? k : n));
    (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)lda; (void)ldb; (void)ldc;
}

/* Without pack buffers (their allocation failed): the right answer by a
   plain loop, row of C by row, that vectorises well enough. */
static void hn__gemm_unpacked(int ta, int tb, int m, int n, int k, float alpha,
                              const float *a, int lda, const float *b, int ldb,
                              float beta, float *c, int ldc)
{
    int i, j, p;
    for (i = 0; i < m; i++) {
        float *ci = c + (size_t)i * ldc;
        hn__gemm_scale_row(ci, n, beta);
        for (p = 0; p < k; p++) {
            float av = alpha * (ta ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p]);
            if (tb)
                for (j = 0; j < n; j++) ci[j] += av * b[(size_t)j * ldb + p];
            else
                for (j = 0; j < n; j++) ci[j] += av * b[(size_t)p * ldb + j];
        }
    }
}

/* hn_sgemm with a given micro-kernel: the tests run the scalar kernel
   through the same driver as the vector one. */
static void hn__sgemm_with(const hn__gemm_kernel *kr, int ta, int tb, int m, int n,
                           int k, float alpha, const float *a, int lda,
                           const float *b, int ldb, float beta, float *c, int ldc)
{
    hn__gemm_plan pl;
    hn__gemm_job jb;
    size_t per, bytes;
    unsigned char *work = NULL;
    int nt;
    hn__gemm_check_args(ta, tb, m, n, k, lda, ldb, ldc);
    if (hn__gemm_trivial(m, n, k, alpha, beta, c, ldc)) return;
    hn__gemm_job_init(&jb, &pl, kr, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c,
                      ldc);
    nt = hn__gemm_threads(&pl, &jb);
    per = hn__gemm_thread_bytes(&pl, &jb);
    if (hn__mul_size(per, (size_t)nt, &bytes)) work = (unsigned char *)HN_MALLOC(bytes);
    if (!work && nt > 1) {
        nt = 1;
        work = (unsigned char *)HN_MALLOC(per);
    }
    if (!work) {
        hn__gemm_unpacked(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    hn__gemm_run(&pl, &jb, nt, work, per);
    HN_FREE(work);
}

HNDEF void hn_sgemm(int trans_a, int trans_b, int m, int n, int k, float alpha,
                    const float *a, int lda, const float *b, int ldb,
                    float beta, float *c, int ldc)
{
    hn__sgemm_with(&hn__gemm_native, trans_a, trans_b, m, n, k, alpha, a, lda, b,
                   ldb, beta, c, ldc);
}

HNDEF size_t hn_sgemm_workspace_size(int m, int n, int k)
{
    hn__gemm_plan pl;
    hn__gemm_job jb;
    size_t bytes;
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    hn__gemm_job_init(&jb, &pl, &hn__gemm_native, 0, 0, m, n, k, 1.0f, NULL, k, NULL,
                      n, 0.0f, NULL, n);
    if (!hn__mul_size(hn__gemm_thread_bytes(&pl, &jb), (size_t)hn__gemm_threads(&pl, &jb),
                      &bytes))
        return (size_t)-1;
    return bytes;
}

HNDEF hn_status hn_sgemm_ws(int trans_a, int trans_b, int m, int n, int k,
                            float alpha, const float *a, int lda, const float *b,
                            int ldb, float beta, float *c, int ldc, void *work,
                            size_t work_bytes)
{
    hn__gemm_plan pl;
    hn__gemm_job jb;
    size_t per;
    int nt;
    hn__gemm_check_args(trans_a, trans_b, m, n, k, lda, ldb, ldc);
    if (hn__gemm_trivial(m, n, k, alpha, beta, c, ldc)) return HN_OK;
    hn__gemm_job_init(&jb, &pl, &hn__gemm_native, trans_a, trans_b, m, n, k, alpha, a,
                      lda, b, ldb, beta, c, ldc);
    per = hn__gemm_thread_bytes(&pl, &jb);
    if (!work || work_bytes < per)
        return hn__fail(HN_ERR_ARG, "hn_sgemm_ws: %zu bytes of workspace, needs %zu",
                        work_bytes, per);
    nt = hn__gemm_threads(&pl, &jb);
    if ((size_t)nt > work_bytes / per) nt = (int)(work_bytes / per);
    hn__gemm_run(&pl, &jb, nt, (unsigned char *)work, per);
    return HN_OK;
}

HNDEF void hn_sgemm_ref(int trans_a, int trans_b, int m, int n, int k, float alpha,
                        const float *a, int lda, const float *b, int ldb,
                        float beta, float *c, int ldc)
{
    int i, j, p;
    for (i = 0; i < m; i++) {
        for (j = 0; j < n; j++) {
            double acc = 0.0;
            for (p = 0; p < k; p++) {
                float av = trans_a ? a[(size_t)p * lda + i] : a[(size_t)i * lda + p];
                float bv = trans_b ? b[(size_t)j * ldb + p] : b[(size_t)p * ldb + j];
                acc += (double)av * bv;
            }
            acc *= alpha;
            if (beta != 0.0f) acc += (double)beta * c[(size_t)i * ldc + j];
            c[(size_t)i * ldc + j] = (float)acc;
        }
    }
}

/* ---- end of GEMM implementation ---- */

/* ========================================================================
   Layers implementation
   ======================================================================== */

/* ---- end of layers implementation ---- */

/* ========================================================================
   Optimizers implementation
   ======================================================================== */

/* ---- end of optimizers implementation ---- */

/* ========================================================================
   Static hypernetwork implementation
   ======================================================================== */

/* ---- end of static hypernetwork implementation ---- */

/* ========================================================================
   Recurrent implementation
   ======================================================================== */

/* ---- end of recurrent implementation ---- */

/* ========================================================================
   Inflate implementation
   ======================================================================== */

/* ---- end of inflate implementation ---- */

/* ========================================================================
   Data file implementation
   ======================================================================== */

/* ---- end of data file implementation ---- */

/* ========================================================================
   Checkpoint implementation
   ======================================================================== */

/* ---- end of checkpoint implementation ---- */

#endif /* HYPERNET_IMPLEMENTATION_DONE */
#endif /* HYPERNET_IMPLEMENTATION */

/*
VERSION HISTORY

   0.1  (2026-12-03)  first release: core, parameter store, GEMM

LICENSE

   MIT License. Copyright (c) 2026 the hypernet.h authors.

   Permission is hereby granted, free of charge, to any person obtaining a
   copy of this software and associated documentation files (the
   "Software"), to deal in the Software without restriction, including
   without limitation the rights to use, copy, modify, merge, publish,
   distribute, sublicense, and/or sell copies of the Software, and to permit
   persons to whom the Software is furnished to do so, subject to the
   following conditions: the above copyright notice and this permission
   notice shall be included in all copies or substantial portions of the
   Software. THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY
   KIND, EXPRESS OR IMPLIED. See the LICENSE file for the full text.
*/
