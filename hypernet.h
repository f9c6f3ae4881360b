/* hypernet.h - v0.3 - hypernetworks in one C99 header - MIT licence

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
      HN_EXPF HN_LOGF HN_SQRTF HN_TANHF HN_FABSF HN_POWF HN_COSF HN_SINF
      HN_SQRT              math functions, for targets whose libm is slow or
                           missing; default to <math.h>'s
      HN_GEMM_MC HN_GEMM_KC HN_GEMM_NC
                           GEMM cache blocks in floats (128 or 256 with
                           AVX-512, 256, 4080; rounded to the micro-tile)
      HN_GEMM_OMP_MIN      fewest multiply-adds for which hn_sgemm uses
                           threads (1e6)
      HN_CONV2D_SLOTS      per-image workspace slots hn_conv2d_init sets
                           (4); the last bits of dw/db depend on it, never
                           on the thread count. Use 1 on small targets
      HN_CONV2D_FFT        what hn_conv2d_init sets cv->fft to (1: Fourier
                           transforms where they halve the work). Use 0 on
                           small targets: the path's workspace is larger
      HN_IDX_DEFAULT_MAX   largest uncompressed IDX image read when the
                           caller passes max_bytes = 0 (1 GiB)

MEMORY

   Everything the library allocates goes through HN_MALLOC / HN_REALLOC /
   HN_FREE, and every allocation has a matching *_free function. No static
   buffers, no variable-length arrays: the library is safe to call from
   several threads on separate objects, and it keeps stack use small for
   microcontrollers. Readers of untrusted files check every size against
   the bytes that are there before they allocate.

   Layers take their scratch space from the caller (hn_conv2d_workspace_size,
   hn_lstm_setup sizes everything once), so a training step allocates
   nothing. The Fourier path trades memory for speed: the MNIST net's second
   convolution needs 6.1 MB of workspace with it (4 slots; 2.2 MB with
   one) against 0.6 MB without (cv->fft = 0, or HN_CONV2D_FFT 0). hn_sgemm
   allocates its pack buffers once per call (at most about 4.3 MB per
   thread: MC x KC + KC x NC floats); hn_sgemm_ws takes them from
   the caller and allocates nothing. If that allocation fails, hn_sgemm
   falls back to an unpacked loop: correct, slower. Products up to
   64 x 64 x 64 with op(B) = B (n a multiple of 8), and NT products with a
   narrow C and a long k, run without packing and allocate nothing.

ERRORS AND LOGGING

   A function that can fail returns an hn_status (HN_OK is 0) or NULL, and
   leaves a human-readable reason that hn_error() returns; hn_error_status()
   gives the code of the last failure. The reason is thread-local where the
   compiler supports it. The library never prints, never exits and never
   aborts on bad input; HN_ASSERT guards only against programmer errors
   (a null pointer, a negative size, a label out of range that the program
   itself produced).

   The library is silent. To hear what it does (file readers say what they
   read, for instance), install a callback:

      void my_log(void *user, int level, const char *msg) { puts(msg); }
      hn_set_log(my_log, NULL);

SIMD AND THREADS

   hn_sgemm picks its micro-kernel at compile time from the compiler's own
   macros. Compile with -march=native (or -mavx2 -mfma ...) to use them.

      ISA              tile    compiled   run by the tests   timed
      AVX-512F         8x48    YES        YES  (Zen 5)        YES (Zen 5)
      AVX2 + FMA       4x24    YES        YES                 YES (Zen 3)
      SSE2             4x12    YES        YES                 ---
      NEON (AArch64)   8x12    YES        YES  (QEMU)         ---
      NEON (ARMv7)     8x12    YES        ---                 ---
      scalar           4x4     YES        YES                 ---

   Convolutions run on the same micro-kernels: 3x3 stride-1 layers of 16
   or more channels in and out by Winograd's F(4x4, 3x3) (forward, input
   and weight gradients; see that section for its rounding, and clear
   cv->winograd after hn_conv2d_init to keep the direct paths), large
   kernels on small planes by discrete Fourier transforms where that
   halves the multiply-adds (cv->fft; the paper's 7x7 kernels on 14x14
   planes), other stride-1 layers by an indirect GEMM over the padded
   image, strided ones by im2col + hn_sgemm. The Fourier path runs one
   small kernel of its own, vectors of 16 channels times scalars.

   The scalar kernel always compiles, is what HN_NO_SIMD selects, and is
   what the tests hold the others to. With -fopenmp, products of at least
   HN_GEMM_OMP_MIN multiply-adds run on several threads, each on whole
   micro-tiles along M or N, never splitting the k sum; layers spread
   images, planes, channels or batch rows over threads and reduce in a fixed
   order. Every result is bit-identical whatever the number of threads.
   The layers' elementwise loops (batch norm, ReLU, residual sums, layer
   norm rows) carry `omp simd`, which OpenMP builds honour:
   GCC at -O2 would leave them scalar, and batch norm's backward pass was
   13% of a WRN training step that way. Without OpenMP they stay plain C.
   On a machine with more runnable threads than cores, set
   OMP_WAIT_POLICY=passive: libgomp's default spinning at the end of each
   parallel region doubled step times in our measurements.

FILE FORMATS

   Inflate (no zlib needed): hn_inflate / hn_inflate_into (raw deflate,
   RFC 1951), hn_zlib_uncompress (RFC 1950, Adler-32 checked), hn_gunzip
   (RFC 1952: FEXTRA, FNAME, FCOMMENT, FHCRC, CRC-32 and ISIZE checked,
   concatenated members). Every decoder takes max_out and refuses a stream
   that would produce more (HN_ERR_LIMIT); malformed streams (bad Huffman
   tables, distances before the output, NLEN mismatches, truncation) are
   refused, never read past. hn_crc32 / hn_adler32 are public.

   IDX (MNIST, Fashion-MNIST): hn_idx_read_file / hn_idx_read_mem read the
   file plain or gzipped (magic 1f 8b), element types u8 i8 i16 i32 f32
   f64, big-endian data converted to host order; max_bytes bounds the
   uncompressed image. hn_idx_to_float (with a scale), hn_idx_to_int
   (labels), hn_idx_to_tensor.

   MATLAB level-5 MAT-files, saved with -v6 or -v7 (hn_mat_*): both byte
   orders, compressed or not (each miCOMPRESSED variable is inflated under
   a cap the caller gives). double, single, int8..uint64, logical and char
   arrays are read into the C type of their class, column-major as MATLAB
   stores them, whatever element type the file used on disk. Cell, struct,
   object, function handle, sparse and complex variables are listed with
   their class and dims but not read. Level-4 and v7.3 (HDF5) files are
   refused with a message naming the version. hn_svhn_load turns SVHN's
   X (32x32x3xN uint8) and y (1..10) into (N, 3, 32, 32) floats and labels
   0..9.

   CIFAR-10 binary batches (hn_cifar10_*): any whole number of 3,073-byte
   records, plain or gzipped; images (N, 3, 32, 32) as byte * scale,
   labels 0..9.

   Checkpoints (hn_ckpt_*, hn_checkpoint_*): this library's own format,
   version 1, specified in the checkpoint implementation section: magic,
   version, entry count, total length, a configuration string, named
   float32 tensors (1 to 4 dims) and raw blobs, and a CRC-32 over all of
   it. Little-endian on disk on every host. A save writes <path>.tmp and
   renames it over <path>, so a crash while saving leaves the previous
   checkpoint in place. Optimizer moments, step counters and RNG states go
   in as tensors and blobs, so a training run resumes exactly.

LIMITATIONS

   - float32 only; tensors have at most 4 dimensions.
   - hn_rng_normal is bit-identical across platforms where floating point
     follows IEEE 754 without excess precision (FLT_EVAL_METHOD 0, true of
     x86-64, AArch64 and ARM with an FPU); the x87 unit of 32-bit x86 builds
     without SSE can round its last bit differently (the tests saw none).
     The uniform stream is exact everywhere.
   - GEMM accumulates in float in KC-sized blocks: results match a double
     reference to about 1e-7 of the k-scaled magnitude and differ slightly
     between SIMD and scalar builds. The AVX-512 and AVX2 kernels have been
     timed (on AMD Zen 5 and Zen 3); the others only tested.
   - Winograd convolutions round a few times more than direct ones (about
     1e-6 of the sum of the terms' magnitudes, against 1e-7).
   - A generated convolution needs N_in and N_out to be multiples of the
     hypernetwork's tile sizes (no partial tiles), and a kernel size equal
     to the generator's f, or 1x1 from an odd f (the centre tap is taken).
     hn_hyperconv_generate_backward uses what the last generate left in the
     layer's workspace: call them in pairs, one thread per layer object.
   - hn_resnet: pre-activation WideResNet and bottleneck ResNet for small
     (CIFAR-sized) inputs only (3x3 stem, no max pool); the stem, shortcuts
     and classifier stay plain; generated kernels are regenerated on every
     forward, evaluation included, unless hn_resnet_fix_kernels holds them
     for evaluation. Batch-norm running statistics live in
     m->state, a second store that checkpoints must save too.
   - conv2d: the same stride and padding on both axes, no dilation or
     groups. Pooling has no padding; partial windows are dropped. Batch-norm
     backward covers training mode only.
   - The recurrent cells' gate and layer-norm passes are scalar C; an inline
     exp replaces libm there (tanh and sigmoid absolute error <= 2e-7).
     Recurrent dropout is a DROP probability (hn_lstm_config.drop).
     hn_lstm_backward overwrites forward buffers: call it once per forward.
   - Inflate works on whole buffers (no streaming): input and output are in
     memory at once (47 MB for MNIST's training images). zlib streams with
     a preset dictionary are refused; bytes after a zlib stream are
     refused; after the last gzip member, zero padding is ignored and
     anything else is refused.
   - IDX: at most 8 dimensions, none of them 0; trailing bytes after the
     data are refused; f32/f64 assume the host uses IEEE 754.
   - MAT-files: cell, struct, object, sparse and complex arrays are listed,
     not read; at most 8 dimensions and 63-byte names. Looking a variable
     up by name in a -v7 file inflates every variable before it, and a
     compressed variable is held twice in memory while it is read.
   - Checkpoints are assembled in memory (one copy of the model) and read
     whole. Without fsync in standard C, a save survives a program crash,
     not a power cut; on Windows the replace is remove-then-rename.
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
#define HN_VERSION_MINOR 3

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
    int no_decay;      /* 1: the optimizers' weight decay skips this tensor */
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
/* Exempt a tensor from weight decay (flag 1) or not (0): biases, batch-norm
   scales and shifts are usually exempt. Tensors are decayed by default. */
HNDEF void hn_params_set_no_decay(hn_params *ps, int handle, int flag);

/* ========================================================================
   GEMM
   ======================================================================== */

/* The product runs as blocked, packed SIMD code (see the implementation),
   on OpenMP threads when compiled with -fopenmp and the product has at
   least HN_GEMM_OMP_MIN multiply-adds (default 1e6). Every element is
   computed the same way whatever the thread count: results are
   bit-identical. Cache blocks HN_GEMM_MC, HN_GEMM_KC, HN_GEMM_NC (default
   128 (256 with AVX-512), 256, 4080, rounded to the kernel's tile) may be
   defined before the implementation.

   C = alpha * op(A) * op(B) + beta * C, row-major, BLAS semantics.
   op(A) is m x k (A is m x k, or k x m when trans_a), op(B) is k x n.
   lda, ldb, ldc are the row strides of the matrices as stored. When beta
   is 0, C is only written, never read: NaN in C does not leak through.
   When alpha is 0 or k is 0, A and B are not read and C = beta * C.
   Packs A and B into a buffer from HN_MALLOC once per call (products up
   to 64 x 64 x 64 with op(B) = B, and NT products with n <= 16 and a
   long k, run unpacked and allocate nothing); if that allocation fails
   it still computes the product, by a slower loop. */
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

/* Plain functions in the style of a textbook: each layer has a forward and a
   backward pass side by side, sizes and pointers passed explicitly, and
   nothing allocated per call. Conventions shared by all of them:

   - Layout is row-major, batch first; images are NCHW: (n, c, h, w).
   - The backward pass ACCUMULATES: dx += ..., dw += ..., so that branches
     and time steps can share one gradient buffer. Zero the buffers first
     (hn_params_zero_grad does it for parameters).
   - A gradient pointer may be NULL when that gradient is not wanted (the
     input of the first layer, say). A gradient buffer must not alias the
     incoming dy, and an output must not alias its input unless the layer
     says so (ReLU and dropout may run in place).
   - What the backward pass needs from the forward pass (the input, the
     output, indices, statistics) is passed back in by the caller.
   - Results do not depend on the number of OpenMP threads.

   Flatten: an NCHW tensor (n, c, h, w) is already laid out as (n, c*h*w),
   so flattening before a linear layer is a no-op: pass the same pointer
   with in = c*h*w, and its gradient likewise. */

/* Linear (fully connected). x is (n, in), w is (out, in), b is (out) or
   NULL, y is (n, out).   y = x w^T + b */
HNDEF void hn_linear_forward(int n, int in, int out, const float *x, const float *w,
                             const float *b, float *y);
/* dy is (n, out).   dx += dy w,  dw += dy^T x,  db += sum_n dy */
HNDEF void hn_linear_backward(int n, int in, int out, const float *x, const float *w,
                              const float *dy, float *dx, float *dw, float *db);

/* ReLU, elementwise over n floats; x and y may be the same array.
   y = max(x, 0) */
HNDEF void hn_relu_forward(size_t n, const float *x, float *y);
/* y is the forward output (or its input: y > 0 exactly where x > 0).
   dx += dy * [y > 0] */
HNDEF void hn_relu_backward(size_t n, const float *y, const float *dy, float *dx);

/* Softmax cross-entropy. logits (n, c), labels (n) in [0, c). probs (n, c)
   gets the softmax. Returns the mean cross-entropy in nats; *ncorrect (may
   be NULL) gets the number of argmax hits (ties go to the lower class).
   loss = mean_n (logsumexp(logits_n) - logits_n[label_n]) */
HNDEF float hn_softmax_xent_forward(int n, int c, const float *logits, const int *labels,
                                    float *probs, int *ncorrect);
/* dlogits += scale * (probs - onehot(labels)) / n   (scale 1 for the mean loss) */
HNDEF void hn_softmax_xent_backward(int n, int c, const float *probs, const int *labels,
                                    float scale, float *dlogits);

/* Geometry of a 2-D convolution (cross-correlation, as in every deep
   learning library), zero padding, the same stride and padding on both
   axes, any kernel height and width:

      x is (n, c_in, h_in, w_in), w is (c_out, c_in, kh, kw), b is (c_out)
      y is (n, c_out, h_out, w_out), h_out = (h_in + 2 pad - kh) / stride + 1
      y[i,o,r,s] = b[o] + sum_{c,u,v} w[o,c,u,v] x[i,c, r*stride-pad+u, s*stride-pad+v]

   Stride 1 with pad < kh and pad < kw (the usual "same" and "valid"
   convolutions) runs the GEMM's micro-kernel on panels copied straight
   from a zero-padded image, never unfolding it (see the implementation);
   its input gradient is the convolution of dy with the flipped kernel.
   3x3 kernels between 16 or more channels go by Winograd's transforms,
   large kernels on small planes by discrete Fourier transforms where that
   needs at most half the multiply-adds (the paper's 7x7 kernels on 14x14
   planes: 4.5 times fewer).
   Other strides unfold each image into a matrix (c_in*kh*kw, h_out*w_out)
   ("im2col") multiplied by the weight seen as (c_out, c_in*kh*kw); a 1x1
   unpadded convolution multiplies the image itself, no unfolding.

   Images are handed to `slots` workers, run by at most as many OpenMP
   threads (when enabled): each slot sums its images' partial weight and
   bias gradients in its own part of the workspace, and the slots are
   added in slot order at the end; a thread's slots share its scratch
   (unfolding and padding buffers). The result therefore depends on slots
   (in the last bits of dw and db) but never on the number of threads.
   hn_conv2d_init sets slots to HN_CONV2D_SLOTS (default 4); set it to 1
   on a small target before sizing the workspace. */
typedef struct hn_conv2d {
    int c_in, h_in, w_in;
    int c_out, kh, kw;
    int stride, pad;
    int h_out, w_out;      /* set by hn_conv2d_init */
    int slots;             /* workers; may be changed before sizing ws */
    int winograd;          /* 3x3 stride 1 by F(4x4, 3x3); may be cleared
                              before sizing ws */
    int fft;               /* by Fourier transforms: 1 where that saves half
                              the work (7x7 on 14x14 planes), 2 wherever it
                              fits, 0 never; set before sizing ws */
    const float *prepared; /* NULL, or the kernel transformed once by
                              hn_conv2d_prepare, which forwards then use */
} hn_conv2d;

/* Check and record the geometry. Fails (HN_ERR_ARG / HN_ERR_SHAPE /
   HN_ERR_LIMIT) on a non-positive size, a kernel larger than the padded
   input, or sizes whose products overflow an int. */
HNDEF hn_status hn_conv2d_init(hn_conv2d *cv, int c_in, int h_in, int w_in, int c_out,
                               int kh, int kw, int stride, int pad);
/* Floats of workspace that forward and backward need (the same for both,
   independent of the batch size). */
HNDEF size_t hn_conv2d_workspace_size(const hn_conv2d *cv);
/* b may be NULL (no bias). ws holds hn_conv2d_workspace_size floats. */
HNDEF void hn_conv2d_forward(const hn_conv2d *cv, int n, const float *x, const float *w,
                             const float *b, float *y, float *ws);
/* A kernel that stays fixed (inference) can be transformed once, into
   hn_conv2d_prepared_size floats at u (0: this geometry has nothing to
   prepare, and prepare does nothing): forwards then read cv->prepared
   and ignore their w, until the caller sets cv->prepared back to NULL
   (as it must when w changes). The backward pass never uses it. */
HNDEF size_t hn_conv2d_prepared_size(const hn_conv2d *cv);
HNDEF void hn_conv2d_prepare(hn_conv2d *cv, const float *w, float *u);
/* dy is (n, c_out, h_out, w_out).
   dx += conv_transpose(dy, w),  dw[o,c,u,v] += sum dy[i,o,r,s] x[i,c,..],
   db[o] += sum dy[i,o,:,:] */
HNDEF void hn_conv2d_backward(const hn_conv2d *cv, int n, const float *x, const float *w,
                              const float *dy, float *dx, float *dw, float *db,
                              float *ws);

/* Geometry of max and average pooling: no padding, windows that do not
   fit at the bottom or right edge are dropped (floor), as in most
   libraries. x is (n, c, h_in, w_in), y is (n, c, h_out, w_out),
   h_out = (h_in - kh) / stride_h + 1. */
typedef struct hn_pool2d {
    int c, h_in, w_in;
    int kh, kw, stride_h, stride_w;
    int h_out, w_out;      /* set by hn_pool2d_init */
} hn_pool2d;

HNDEF hn_status hn_pool2d_init(hn_pool2d *p, int c, int h_in, int w_in, int kh, int kw,
                               int stride_h, int stride_w);

/* Max pooling. argmax (same shape as y) gets the index of the winner in
   its input plane (row * w_in + col); ties go to the first in row order.
   y[i,c,r,s] = max over the window of x */
HNDEF void hn_maxpool2d_forward(const hn_pool2d *p, int n, const float *x, float *y,
                                int *argmax);
/* dx[winner] += dy */
HNDEF void hn_maxpool2d_backward(const hn_pool2d *p, int n, const int *argmax,
                                 const float *dy, float *dx);

/* Average pooling.  y[i,c,r,s] = mean over the window of x */
HNDEF void hn_avgpool2d_forward(const hn_pool2d *p, int n, const float *x, float *y);
/* dx[window] += dy / (kh kw) */
HNDEF void hn_avgpool2d_backward(const hn_pool2d *p, int n, const float *dy, float *dx);

/* Global average pooling. x is (n, c, hw) with hw = h * w, y is (n, c).
   y[i,c] = mean_j x[i,c,j] */
HNDEF void hn_global_avgpool_forward(int n, int c, int hw, const float *x, float *y);
/* dx[i,c,j] += dy[i,c] / hw */
HNDEF void hn_global_avgpool_backward(int n, int c, int hw, const float *dy, float *dx);

/* Inverted dropout over n floats (Srivastava et al. 2014). p_drop is the
   probability of DROPPING an element; survivors are scaled by 1/(1-p_drop)
   during training, so at evaluation the layer is the identity (just skip
   it). keep (n bytes) records which elements survived; draws come from
   rng, one hn_rng_uniform per element, in order. 0 <= p_drop < 1; x and y
   may be the same array.
   y = x * keep / (1 - p_drop) */
HNDEF void hn_dropout_forward(size_t n, float p_drop, const float *x, float *y,
                              unsigned char *keep, hn_rng *rng);
/* dx += dy * keep / (1 - p_drop) */
HNDEF void hn_dropout_backward(size_t n, float p_drop, const unsigned char *keep,
                               const float *dy, float *dx);

/* Batch normalization over (N, H, W) for each channel (Ioffe and Szegedy
   2015, Algorithm 1). x and y are (n, c, hw) with hw = h * w; gamma, beta,
   running_mean and running_var are (c). hw = 1 normalizes the features of
   a fully connected layer's output (n, c).

   Training uses the batch's statistics and updates the running ones:
      y = gamma (x - mean) / sqrt(var + eps) + beta   (var is biased, 1/M)
      running = (1 - momentum) running + momentum * batch_stat
   with the unbiased variance M/(M-1) var for running_var (M = n hw), the
   convention of PyTorch, whose usual values are momentum 0.1, eps 1e-5.
   mean and rstd = 1/sqrt(var + eps), (c) each, are saved for the backward
   pass. running_mean / running_var may be NULL (no update). */
HNDEF void hn_batchnorm2d_forward_train(int n, int c, int hw, const float *x,
                                        const float *gamma, const float *beta, float eps,
                                        float momentum, float *running_mean,
                                        float *running_var, float *mean, float *rstd,
                                        float *y);
/* Evaluation: y = gamma (x - running_mean) / sqrt(running_var + eps) + beta */
HNDEF void hn_batchnorm2d_forward_eval(int n, int c, int hw, const float *x,
                                       const float *gamma, const float *beta, float eps,
                                       const float *running_mean,
                                       const float *running_var, float *y);
/* Backward of the training forward, with xh = (x - mean) rstd, M = n hw:
   dbeta += sum dy,  dgamma += sum dy xh,
   dx += gamma rstd (dy - sum(dy) / M - xh sum(dy xh) / M) */
HNDEF void hn_batchnorm2d_backward(int n, int c, int hw, const float *x,
                                   const float *gamma, const float *mean,
                                   const float *rstd, const float *dy, float *dx,
                                   float *dgamma, float *dbeta);

/* ---- end of layers API ---- */

/* ========================================================================
   Optimizers, schedules and clipping
   ======================================================================== */

/* The optimizers update a whole parameter store at once: one loop over the
   store's flat data and grad buffers, tensor by tensor (the padding between
   tensors is never touched, so it stays zero). Their state is plain float
   arrays of ps->total floats, laid out like the store (tensor t's moments
   start at o->m + ps->info[t].offset), plus a step counter. A checkpoint
   saves m, v and step; to resume, copy them back into a freshly
   initialised optimizer and the run continues bit for bit.

   Typical step:

      hn_params_zero_grad(&ps);
      ... forward, loss, backward ...
      hn_clip_grad_norm(&ps, 1.0f);
      hn_optim_step(&opt, &ps, hn_schedule_lr(&sched, opt.step));

   Weight decay comes in two kinds. L2 adds wd * p to the gradient before
   the update, so Adam rescales it like any other gradient. Decoupled decay
   (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019,
   the "W" in AdamW) shrinks the weights directly: p -= lr * wd * p, with
   the scheduled lr as in PyTorch's AdamW. Tensors flagged with
   hn_params_set_no_decay are skipped by both. */

enum { HN_OPTIM_SGD = 0, HN_OPTIM_ADAM = 1 };
enum { HN_DECAY_L2 = 0, HN_DECAY_DECOUPLED = 1 };

typedef struct hn_optim {
    int kind;              /* HN_OPTIM_SGD or HN_OPTIM_ADAM */
    /* SGD: buf = momentum * buf + g;  p -= lr * buf, or with Nesterov
       p -= lr * (g + momentum * buf). */
    float momentum;
    int nesterov;
    /* Adam (Kingma and Ba 2015, Algorithm 1, bias-corrected). */
    float beta1, beta2, eps;
    float weight_decay;    /* 0 by default */
    int decay_mode;        /* HN_DECAY_L2 (default) or HN_DECAY_DECOUPLED */
    /* State, ps->total floats each, zero at the start. m is SGD's momentum
       buffer (NULL when momentum is 0) or Adam's first moment; v is Adam's
       second moment (NULL for SGD). */
    size_t n;
    float *m;
    float *v;
    int64_t step;          /* steps taken so far */
} hn_optim;

/* SGD with optional (Nesterov) momentum over the store ps (allocated). */
HNDEF hn_status hn_optim_init_sgd(hn_optim *o, const hn_params *ps, float momentum,
                                  int nesterov);
/* Adam; the usual values are beta1 0.9, beta2 0.999, eps 1e-8. */
HNDEF hn_status hn_optim_init_adam(hn_optim *o, const hn_params *ps, float beta1,
                                   float beta2, float eps);
/* Set the weight decay and its kind (see above). */
HNDEF void hn_optim_set_weight_decay(hn_optim *o, float weight_decay, int decay_mode);
HNDEF void hn_optim_free(hn_optim *o);
/* One update of ps->data from ps->grad with learning rate lr; step += 1.
   The gradient buffer is left as it was (L2 decay is not written into it). */
HNDEF void hn_optim_step(hn_optim *o, hn_params *ps, float lr);

/* Learning-rate schedules: hn_schedule_lr(s, t) is the rate for step t,
   counted from 0 (pass hn_optim.step before the update). */
enum {
    HN_SCHED_CONSTANT = 0,
    HN_SCHED_EXPONENTIAL = 1,   /* max(lr * decay^t, min_lr) */
    HN_SCHED_PIECEWISE = 2,     /* values[j] for boundaries[j-1] <= t < boundaries[j] */
    HN_SCHED_COSINE = 3         /* min_lr + (lr - min_lr) (1 + cos(pi t / total)) / 2,
                                   then min_lr from t = total on */
};

#define HN_SCHED_MAX_PIECES 8

typedef struct hn_schedule {
    int kind;
    float lr;              /* the starting rate */
    double decay;          /* EXPONENTIAL: factor per step (double: a float
                              holds 0.99995 only to 8e-9, an error that
                              compounds to 1e-4 over 10^4 steps) */
    float min_lr;          /* EXPONENTIAL: floor; COSINE: final rate */
    int64_t total_steps;   /* COSINE: steps from lr to min_lr */
    int npieces;           /* PIECEWISE: npieces values, npieces - 1 boundaries */
    int64_t boundaries[HN_SCHED_MAX_PIECES - 1];
    float values[HN_SCHED_MAX_PIECES];
} hn_schedule;

HNDEF hn_schedule hn_schedule_constant(float lr);
/* The paper's MNIST and language-model runs decay the rate by a constant
   factor every step down to a floor, e.g. lr 0.005, decay 0.99995. */
HNDEF hn_schedule hn_schedule_exponential(float lr, double decay, float min_lr);
/* npieces (1 to HN_SCHED_MAX_PIECES) values; boundaries (npieces - 1,
   increasing) are the steps at which the next value takes over. */
HNDEF hn_schedule hn_schedule_piecewise(int npieces, const int64_t *boundaries,
                                        const float *values);
HNDEF hn_schedule hn_schedule_cosine(float lr, float min_lr, int64_t total_steps);
HNDEF float hn_schedule_lr(const hn_schedule *s, int64_t step);

/* Gradient clipping over the whole store (Pascanu, Mikolov and Bengio 2013,
   "On the difficulty of training recurrent neural networks", section 3.2).
   hn_grad_norm is the global L2 norm of every gradient, summed in double in
   a fixed order. hn_clip_grad_norm scales every gradient by
   max_norm / norm when norm > max_norm and returns the norm before
   clipping; a NaN or infinite norm leaves the gradients as they are, so
   the caller can see it and skip the step. */
HNDEF float hn_grad_norm(const hn_params *ps);
HNDEF float hn_clip_grad_norm(hn_params *ps, float max_norm);
/* Clamp every gradient into [-limit, limit]. */
HNDEF void hn_clip_grad_value(hn_params *ps, float limit);

/* ---- end of optimizers API ---- */

/* ========================================================================
   Static hypernetworks (HyperConv2D)
   ======================================================================== */

/* A static hypernetwork (paper section 3.1, appendix A.1) writes the
   kernel of a convolution instead of storing it. The kernel of a layer,
   N_out x N_in x f x f, is cut into tiles of blk_out x blk_in channels;
   tile (i, j) has its own embedding z_ij (n_z floats) and one hypernetwork,
   shared by every layer that uses it, turns each embedding into a tile:

      a_c = W_c z + B_c             c = 0 .. blk_in-1, W_c is d x n_z
      K_c = W_out a_c + B_out       K_c: the blk_out x f x f slice of input
                                    channel c, W_out is (blk_out*f*f) x d

   The paper's hypernetwork is linear (d = n_z); HN_HYPER_RELU puts a ReLU
   on a_c. A layer stores only its embeddings: the paper's MNIST layer of
   16 x 16 x 7 x 7 = 12,544 weights becomes 4 floats of z plus a shared
   hypernetwork of 4,240 (n_z = d = 4).

   Layouts in the parameter store (row-major):
      <name>.w_in   (blk_in*d) x n_z     row c*d + k is row k of W_c
      <name>.b_in   blk_in*d
      <name>.w_out  (blk_out*f*f) x d    row (o*f + y)*f + x
      <name>.b_out  blk_out*f*f
      <layer>.z     (tiles_out*tiles_in) x n_z, tile (i, j) at row
                    i*tiles_in + j
      <layer>.e     n_z (only with HN_HYPERCONV_EMBED)

   A 1 x 1 layer can share a hypernetwork that writes f x f tiles (f odd):
   it takes the centre tap of each generated kernel (and only computes
   that one), so 1x1 and 3x3 layers of a ResNet share one generator.

   Use:
      hn_hyper hyper;
      hn_hyperconv conv2;
      hn_hyper_declare(&hyper, &ps, "hyper", 4, 4, 16, 16, 7, 0);
      hn_hyperconv_declare(&conv2, &hyper, &ps, "conv2", 16, 16, 7, 0);
      hn_params_alloc(&ps);
      hn_hyper_init_weights(&hyper, &ps, &rng);
      hn_hyperconv_init_weights(&conv2, &ps, &rng);
      each step:
         hn_hyperconv_generate(&conv2, &ps, kernel);        kernel -> conv
         ... conv forward and backward give dkernel ...
         hn_hyperconv_generate_backward(&conv2, &ps, dkernel);
*/

enum {
    HN_HYPER_RELU = 1        /* hn_hyper_declare: a_c = relu(W_c z + B_c) */
};
enum {
    HN_HYPERCONV_EMBED = 1   /* hn_hyperconv_declare: a learned per-layer
                                embedding e is added to every z_ij of the
                                layer (z_ij + e), so tiles of one layer
                                can share what they have in common */
};

typedef struct hn_hyper {
    int n_z, d, blk_in, blk_out, f, flags;
    int w_in, b_in, w_out, b_out;  /* handles in the parameter store */
} hn_hyper;

/* Declare the hypernetwork's four tensors in ps (before hn_params_alloc).
   HN_ERR_ARG on a non-positive size or a store that is already
   allocated. */
HNDEF hn_status hn_hyper_declare(hn_hyper *h, hn_params *ps, const char *name,
                                 int n_z, int d, int blk_in, int blk_out, int f,
                                 int flags);
/* Draw W_c and W_out (see the implementation for the scale), zero the
   biases. Call after hn_params_alloc. */
HNDEF void hn_hyper_init_weights(const hn_hyper *h, hn_params *ps, hn_rng *rng);
/* Floats the hypernetwork holds: W_c, B_c, W_out and B_out. */
HNDEF size_t hn_hyper_param_count(const hn_hyper *h);

typedef struct hn_hyperconv {
    hn_hyper h;              /* a copy of the generator's sizes and handles */
    int n_in, n_out, f;      /* the kernel written: n_out x n_in x f x f */
    int tiles_out, tiles_in;
    int flags;
    int z, e;                /* handles of the embeddings (e: -1 if none) */
    float *work;             /* workspace, allocated once by declare */
    float *ze, *dze, *pre, *act, *da, *kt;
} hn_hyperconv;

/* Declare a generated n_out x n_in x f x f kernel: its embeddings go into
   ps under "<name>.z" (and "<name>.e"), its workspace is allocated here.
   n_in and n_out must be multiples of the hypernetwork's blk_in and
   blk_out; f is the hypernetwork's f, or 1 when that is odd (centre tap).
   HN_ERR_SHAPE otherwise. */
HNDEF hn_status hn_hyperconv_declare(hn_hyperconv *l, const hn_hyper *h,
                                     hn_params *ps, const char *name, int n_in,
                                     int n_out, int f, int flags);
/* Draw the embeddings (the per-layer embedding starts at 0). */
HNDEF void hn_hyperconv_init_weights(const hn_hyperconv *l, hn_params *ps,
                                     hn_rng *rng);
/* Write the layer's kernel, n_out x n_in x f x f, into kernel. Keeps what
   generate_backward needs in the workspace. */
HNDEF void hn_hyperconv_generate(hn_hyperconv *l, const hn_params *ps, float *kernel);
/* Given dL/dkernel (same layout), add the gradients of W_c, B_c, W_out,
   B_out, every z_ij (and e) into ps->grad. Uses the values of the last
   generate, which must have been called with the same parameters. */
HNDEF void hn_hyperconv_generate_backward(hn_hyperconv *l, hn_params *ps,
                                          const float *dkernel);
/* Floats the layer itself stores (its embeddings), and what a plain
   kernel of the same shape would store (n_out*n_in*f*f). */
HNDEF size_t hn_hyperconv_param_count(const hn_hyperconv *l);
HNDEF size_t hn_hyperconv_plain_count(const hn_hyperconv *l);
HNDEF void hn_hyperconv_free(hn_hyperconv *l);

/* ---- end of static hypernetwork API ---- */

/* ========================================================================
   Residual networks: WideResNet and ResNet, plain or with generated kernels
   ======================================================================== */

/* Pre-activation residual networks (He, Zhang, Ren and Sun 2016, "Identity
   Mappings in Deep Residual Networks"): WideResNet (Zagoruyko and
   Komodakis 2016) and the bottleneck ResNet, with plain kernels or with the
   kernels of the residual branches written by one shared static
   hypernetwork (the paper's section 4.2, Table 2: WRN-40-2 on CIFAR-10).

   A block is a chain of units, each BN -> ReLU -> conv, plus a shortcut:

      basic (WideResNet):  a0 = relu(bn(x)), conv3x3 stride s,
                           a1 = relu(bn(.)), conv3x3              -> + sc
      bottleneck:          a0, conv1x1; a1, conv3x3 stride s; a2, conv1x1 -> + sc
      sc = x (identity) when shape is kept, else conv1x1 stride s of a0

   A network is a 3x3 stem conv, groups of blocks (the first of each group
   strides, except in the first group), then BN -> ReLU -> global average
   pool -> linear. Everything is sized once for a largest batch: a step
   allocates nothing.

   Memory: for the backward pass a block keeps the input x of each unit
   (BN's input) and its batch statistics, and recomputes relu(bn(x)) when it
   needs it, which halves the stored activations for the price of one
   elementwise pass.

   Two parameter stores: ps holds what is trained (named "stem.w",
   "b3.u1.bn.g", "b3.u1.conv.w" or "b3.u1.conv.z", "b3.sc.w", "hyper.w_in",
   "fc.w" ...), state holds the batch-norm running statistics ("...bn.mean",
   "...bn.var"), which a checkpoint must save too. Batch-norm scales and
   shifts and every bias are exempt from weight decay. */

enum { HN_RESBLOCK_BASIC = 0, HN_RESBLOCK_BOTTLENECK = 1 };

#define HN_RESBLOCK_MAX_UNITS 3
#define HN_RESNET_BN_EPS 1e-5f
#define HN_RESNET_BN_MOMENTUM 0.1f

/* One BN -> ReLU -> conv unit of a block. */
typedef struct hn_resunit {
    int c, hw;                 /* channels and plane (h*w) of its input x */
    int gamma, beta;           /* handles in ps */
    int run_mean, run_var;     /* handles in the state store */
    hn_conv2d cv;
    int w;                     /* handle of a plain kernel, or -1 */
    hn_hyperconv *gen;         /* the generated kernel's embeddings, or NULL */
    float *x;                  /* stored input (units 1.. of a block) */
    float *mean, *rstd;        /* statistics of the last training forward */
    float *kernel, *dkernel;   /* generated kernel and its gradient */
} hn_resunit;

typedef struct hn_resblock {
    int kind, nunits, max_batch;
    int c_in, c_out, stride;
    int h_in, w_in, h_out, w_out;
    hn_resunit unit[HN_RESBLOCK_MAX_UNITS];
    hn_hyperconv gen[HN_RESBLOCK_MAX_UNITS];
    hn_conv2d sc;              /* projection shortcut geometry */
    int sc_w;                  /* its kernel's handle, or -1: identity */
    int fixed;                 /* 1: evaluation keeps the kernels it has */
    int fresh;                 /* 1: the network generated them for this forward */
    float *mem;                /* everything the block allocated */
} hn_resblock;

/* Buffers the blocks of one network share while they run one after the
   other: six activation-sized arrays and a convolution workspace. */
typedef struct hn_resscratch {
    float *a, *da, *g0, *g1, *gx0, *gx1;
    float *ws;
    size_t act, ws_floats;
    float *mem;
} hn_resscratch;

/* Declare a block's tensors in ps (and its running statistics in state)
   under "<name>.", and allocate its buffers for batches up to max_batch.
   c_mid is the bottleneck width (ignored by a basic block, whose inner
   width is c_out). With hyper not NULL the kernels of the units come from
   it (n_in and n_out must then be multiples of its tiles); the shortcut
   stays plain. Call before hn_params_alloc on both stores. */
HNDEF hn_status hn_resblock_declare(hn_resblock *b, hn_params *ps, hn_params *state,
                                    const char *name, int kind, int c_in, int c_mid,
                                    int c_out, int h_in, int w_in, int stride,
                                    const hn_hyper *hyper, int max_batch);
/* He-normal plain kernels, BN gamma 1 and beta 0, running mean 0 and var 1,
   embeddings drawn by hn_hyperconv_init_weights. */
HNDEF void hn_resblock_init_weights(hn_resblock *b, hn_params *ps, hn_params *state,
                                    hn_rng *rng);
/* Grow *act and *ws_floats to what this block needs at batch n. */
HNDEF void hn_resblock_scratch_need(const hn_resblock *b, int n, size_t *act,
                                    size_t *ws_floats);
HNDEF void hn_resblock_free(hn_resblock *b);

HNDEF hn_status hn_resscratch_alloc(hn_resscratch *s, size_t act, size_t ws_floats);
HNDEF void hn_resscratch_free(hn_resscratch *s);

/* x (n, c_in, h_in, w_in) -> y (n, c_out, h_out, w_out); n <= max_batch.
   train 1: batch statistics (running ones updated), kernels generated and
   everything the backward pass needs kept; 0: running statistics.
   y = branch(x) + sc(x). x must stay unchanged until the backward pass. */
HNDEF void hn_resblock_forward(hn_resblock *b, const hn_params *ps, hn_params *state,
                               int n, const float *x, float *y, int train,
                               hn_resscratch *s);
/* After a training forward with the same x: dx += dL/dx (dx may be NULL),
   parameter gradients added into ps->grad (the generated kernels' through
   the hypernetwork into the embeddings and its weights). */
HNDEF void hn_resblock_backward(hn_resblock *b, hn_params *ps, int n, const float *x,
                                const float *dy, float *dx, hn_resscratch *s);

/* A whole network from a few numbers. */
typedef struct hn_resnet_config {
    int block;        /* HN_RESBLOCK_BASIC (WideResNet) or _BOTTLENECK */
    int depth;        /* WRN: 6n + 4 (n blocks per group, 3 groups);
                         bottleneck: 14, 26, 38, 50, 101 or 152 (4 stages) */
    int widen;        /* WRN's widening factor k (bottleneck: 1) */
    int base;         /* stem width and first group width before widening:
                         16 for WRN, 64 for ResNet-50 */
    int hyper;        /* 1: residual-branch kernels generated */
    int n_z;          /* embedding size (and the generator's inner width) */
    int tile;         /* channel tile of the generated kernels */
    int classes, channels, height, width;
    int max_batch;
} hn_resnet_config;

/* Parameter groups, as the paper's tables count them. */
enum {
    HN_RESNET_PART_EMBED = 0,   /* the layers' embeddings z */
    HN_RESNET_PART_HYPER = 1,   /* the shared hypernetwork */
    HN_RESNET_PART_CONV = 2,    /* plain kernels: stem, shortcuts, branches */
    HN_RESNET_PART_BN = 3,      /* batch-norm scales and shifts */
    HN_RESNET_PART_FC = 4,      /* classifier weight and bias */
    HN_RESNET_NPARTS = 5
};

typedef struct hn_resnet {
    hn_resnet_config cfg;
    hn_params ps, state;
    hn_hyper hyper;
    hn_conv2d stem;
    int stem_w;
    int nblocks;
    hn_resblock *blocks;
    int c_last, hw_last;       /* channels and plane of the last block */
    int gamma, beta, run_mean, run_var;   /* the final BN */
    int fc_w, fc_b;
    float **xs;                /* nblocks + 1 block boundaries */
    float *mean, *rstd, *pooled, *dpooled, *logits, *probs, *dlogits;
    const float *input;        /* the images of the last forward */
    hn_resscratch scratch;
    size_t part[HN_RESNET_NPARTS];
    float *prep;               /* transformed kernels (hn_resnet_fix_kernels) */
    float *hgrad;              /* hypernetwork gradients, one copy per group */
    float *mem;
} hn_resnet;

/* WideResNet-depth-widen on 3x32x32 images, 10 classes: n_z 64, 16x16
   tiles, max_batch 128. Change fields before hn_resnet_init. */
HNDEF hn_resnet_config hn_resnet_config_wrn(int depth, int widen, int hyper);
/* Bottleneck ResNet-depth for 3x32x32 images (3x3 stem, no max pool),
   64x64 tiles (see the implementation for why). */
HNDEF hn_resnet_config hn_resnet_config_bottleneck(int depth, int hyper);
/* Build: declare, allocate both stores and every buffer. */
HNDEF hn_status hn_resnet_init(hn_resnet *m, const hn_resnet_config *cfg);
HNDEF void hn_resnet_init_weights(hn_resnet *m, hn_rng *rng);
HNDEF void hn_resnet_free(hn_resnet *m);
/* x (n, channels, height, width) -> logits (n, classes), returned. x must
   stay unchanged until hn_resnet_backward. */
HNDEF const float *hn_resnet_forward(hn_resnet *m, int n, const float *x, int train);
/* Generate every generated kernel now and keep them, with the Winograd
   transforms of all 3x3 kernels (hn_conv2d_prepare; plain ones too):
   evaluation forwards (train 0) then skip the hypernetwork and those
   transforms, as a deployed model that builds its kernels from z once at
   load time. A training forward drops the hold; call again after
   changing the parameters any other way (loading a checkpoint, say). */
HNDEF void hn_resnet_fix_kernels(hn_resnet *m);
/* Mean softmax cross-entropy of the last forward's logits; *ncorrect (may
   be NULL) gets the argmax hits. */
HNDEF float hn_resnet_loss(hn_resnet *m, int n, const int *labels, int *ncorrect);
/* After hn_resnet_forward(train 1) and hn_resnet_loss: add dL/dtheta of the
   mean loss into m->ps.grad (zero it first). */
HNDEF void hn_resnet_backward(hn_resnet *m, int n, const int *labels);
/* The hypernetwork's two passes as training runs them, all generated
   layers side by side (each forward begins with the first, each backward
   ends with the second): every generated kernel from its embeddings, and
   the kernels' gradients that hn_resnet_backward left in the units'
   dkernel buffers through the hypernetwork, added into m->ps.grad. Alone
   they are for timing the generator; no-ops without one. */
HNDEF void hn_resnet_generate(hn_resnet *m);
HNDEF void hn_resnet_generate_backward(hn_resnet *m);
/* "embeddings", "hypernetwork", "plain convs", "batch norm", "classifier". */
HNDEF const char *hn_resnet_part_name(int part);

/* Data augmentation, per image with draws from rng in order: pad by `pad`
   pixels, mirroring the image at its edges (reflect, edge not repeated;
   pad < h and pad < w), take a random h x w crop, and with flip set mirror
   it left-right with probability 1/2 (CIFAR-10; SVHN's digits must not be
   flipped). x and y are (n, c, h, w) and must not overlap.
   y[i,c,r,s] = x[i,c, refl(r + dy - pad), refl(s' + dx - pad)] */
HNDEF void hn_augment_crop_flip(int n, int c, int h, int w, int pad, int flip,
                                const float *x, float *y, hn_rng *rng);

/* ---- end of residual network API ---- */

/* ========================================================================
   Recurrent networks: LSTM, layer norm LSTM, HyperLSTM
   ======================================================================== */

/* Character-level language models of the paper's section 4.2 (appendix
   A.2.2): an embedding, one recurrent cell run through time, a softmax over
   the vocabulary. Four cells share one implementation:

      HN_LSTM           plain LSTM
      HN_LN_LSTM        layer norm on each gate and on the cell (Ba et al.)
      HN_HYPERLSTM      a small LSTM (the hyper cell) rescales, row by row,
                        the main cell's weight matrices at every step
      HN_LN_HYPERLSTM   both

   Shapes: B batch, T steps, E input (embedding) width, H hidden units,
   Hh hyper hidden units, Z = N_z (the hyper embedding width). Sequences are
   time-major: x[t][b][...]. Gates are stored in the order i, g, f, o.

   The main cell at step t (LN() is the identity in the plain variants):
      y_t  = LN(d_h(y) * (W_h h_{t-1}) + d_x(y) * (W_x x_t) + b(y)), y in i,g,f,o
      c_t  = sigmoid(f + forget_bias) * c_{t-1} + sigmoid(i) * drop(tanh(g))
      h_t  = sigmoid(o) * tanh(LN(c_t))
   For the LSTMs d_x = d_h = 1. For the HyperLSTMs the hyper cell, an LSTM
   of Hh units reading [x_t; h_{t-1}], gives h^_t, and per gate
      z_x = W h^_t + b, z_h = W h^_t + b, z_b = W h^_t        (Z values each)
      d_x = W_xz z_x,   d_h = W_hz z_h,   b(y) = W_bz z_b + b0  (H values each)
   drop() is recurrent dropout (Semeniuta et al. 2016): during training each
   unit of tanh(g) is zeroed with probability `drop` (the DROP probability,
   not the keep probability) and the survivors are scaled by 1 / (1 - drop).

   Truncated backpropagation through time: the state (h, c and the hyper
   cell's) at the end of one forward call is where the next one starts;
   gradients stop at that boundary, and the backward pass reports the
   gradient of the loss with respect to the starting state. */

typedef enum hn_lstm_kind {
    HN_LSTM = 0,
    HN_LN_LSTM = 1,
    HN_HYPERLSTM = 2,
    HN_LN_HYPERLSTM = 3
} hn_lstm_kind;

typedef struct hn_lstm_config {
    hn_lstm_kind kind;
    int input;          /* E */
    int hidden;         /* H */
    int hyper_hidden;   /* Hh (HyperLSTMs only) */
    int hyper_embed;    /* Z = N_z (HyperLSTMs only) */
    float forget_bias;  /* added to f before its sigmoid; 1 by default */
    float drop;         /* recurrent dropout: probability of DROPPING a unit */
} hn_lstm_config;

/* The workspace is private to the implementation. */
struct hn__lstm_work;

/* One recurrent layer. Its parameters live in an hn_params store under
   names that start with the prefix given to hn_lstm_declare; the handles
   below are -1 for tensors a variant does not have. */
typedef struct hn_lstm {
    hn_lstm_config cfg;
    int batch, max_steps;   /* the workspace fits these (hn_lstm_setup) */
    int steps;              /* steps of the last forward call */
    /* main cell */
    int wx, wh, b;              /* [E,4H] [H,4H] [4H] */
    int ln_g, ln_b;             /* [4H] gate layer norm gain and bias */
    int lnc_g, lnc_b;           /* [H] cell layer norm */
    /* hyper cell and the weight scalings it drives */
    int hwx, hwh, hwhh, hb;     /* [E,4Hh] [H,4Hh] [Hh,4Hh] [4Hh] */
    int hln_g, hln_b, hlnc_g, hlnc_b;
    int wz, bz;                 /* [Hh,12Z] (z_x, z_h, z_b)  [8Z] */
    int wxz, whz, wbz;          /* [4,Z,H] each */
    /* Carried state, [B x (2H + 2Hh)] laid out as h, c, h^, c^ blocks of
       B rows each; dstate, of the same layout, is the gradient of the loss
       with respect to the state the last forward call started from. */
    float *state, *dstate;
    size_t state_size;
    struct hn__lstm_work *w;
} hn_lstm;

/* A configuration with defaults: forget bias 1, no dropout, Hh = 128,
   Z = 4 (the hyper sizes matter only for the HyperLSTMs). */
HNDEF hn_lstm_config hn_lstm_config_default(hn_lstm_kind kind, int input, int hidden);
/* Name of a kind: "lstm", "ln-lstm", "hyperlstm", "ln-hyperlstm"; and the
   inverse (-1 for an unknown name). */
HNDEF const char *hn_lstm_kind_name(hn_lstm_kind kind);
HNDEF int hn_lstm_kind_parse(const char *name);

/* Check the configuration and declare the tensors in ps (before
   hn_params_alloc). Names are prefix + ".wx" and so on. */
HNDEF hn_status hn_lstm_declare(hn_lstm *m, const hn_lstm_config *cfg,
                                hn_params *ps, const char *prefix);
/* Initial values (after hn_params_alloc), reproducible from the seed:
   orthogonal recurrent blocks, N(0, 1/E) input weights, the hyper scalings
   as the paper sets them. */
HNDEF hn_status hn_lstm_init(hn_lstm *m, hn_params *ps, uint64_t seed);
/* Size the workspace for batch rows and up to max_steps steps per call,
   and zero the carried state. May be called again to resize. */
HNDEF hn_status hn_lstm_setup(hn_lstm *m, int batch, int max_steps);
HNDEF void hn_lstm_free(hn_lstm *m);
/* Zero the carried state (the start of a new document). */
HNDEF void hn_lstm_reset_state(hn_lstm *m);

/* Run steps <= max_steps steps. x is [T,B,E], h_out [T,B,H]. rng non-NULL
   means training: recurrent dropout (when cfg.drop > 0) draws its masks
   from it. Advances the carried state. */
HNDEF void hn_lstm_forward(hn_lstm *m, const hn_params *ps, int steps,
                           const float *x, float *h_out, hn_rng *rng);
/* Backward through the last forward call. dh_out [T,B,H] is the gradient
   of the loss with respect to h_out; parameter gradients are added into
   ps->grad, input gradients added into dx [T,B,E] (may be NULL), and
   m->dstate is overwritten. Call once per forward. */
HNDEF void hn_lstm_backward(hn_lstm *m, hn_params *ps, const float *dh_out, float *dx);

/* A character language model: embedding [V,E] -> cell -> linear [H,V] ->
   softmax, with the mean cross-entropy in nats as the loss. */
typedef struct hn_charlm {
    hn_lstm rnn;
    int vocab, embed;
    int emb, out_w, out_b;      /* [V,E] [H,V] [V] */
    int batch, max_steps, steps;
    int *tokens, *targets;      /* copies of the last call's, [T*B] */
    float *x, *dx;              /* [T,B,E] embedded inputs and their gradient */
    float *h, *dh;              /* [T,B,H] cell outputs and their gradient */
    float *logits, *probs;      /* [T,B,V] */
} hn_charlm;

HNDEF hn_status hn_charlm_declare(hn_charlm *m, hn_params *ps, int vocab,
                                  const hn_lstm_config *cell);
HNDEF hn_status hn_charlm_init(hn_charlm *m, hn_params *ps, uint64_t seed);
HNDEF hn_status hn_charlm_setup(hn_charlm *m, int batch, int max_steps);
/* A second model on the same parameters (same configuration and handles)
   without a workspace yet: give it one with hn_charlm_setup. For sampling
   one character at a time beside a model that trains on batches. */
HNDEF void hn_charlm_twin(hn_charlm *dst, const hn_charlm *src);
HNDEF void hn_charlm_free(hn_charlm *m);
/* tokens and targets are [T,B] time-major (targets may be NULL: logits
   only, returns 0). Returns the mean loss in nats per character and adds
   the number of correct argmax predictions to *ncorrect (may be NULL).
   rng non-NULL means training (dropout on). */
HNDEF float hn_charlm_forward(hn_charlm *m, const hn_params *ps, const int *tokens,
                              const int *targets, int steps, hn_rng *rng,
                              int *ncorrect);
/* Gradients of the last forward's mean loss, added into ps->grad. */
HNDEF void hn_charlm_backward(hn_charlm *m, hn_params *ps);

/* ---- end of recurrent API ---- */

/* ========================================================================
   Inflate (RFC 1950 zlib, 1951 deflate, 1952 gzip)
   ======================================================================== */

/* Decompression of the formats data sets ship in: raw deflate (RFC 1951),
   the zlib wrapper (RFC 1950, MATLAB's compressed .mat elements) and gzip
   (RFC 1952, the MNIST and CIFAR files). Every decoder takes a max_out:
   a stream that would produce more is refused with HN_ERR_LIMIT, so a
   small hostile file cannot make the library allocate gigabytes. Nothing
   here depends on zlib. */

/* CRC-32 (IEEE, as in gzip/PNG); start with crc = 0, feed pieces in order. */
HNDEF uint32_t hn_crc32(uint32_t crc, const void *data, size_t len);
/* Adler-32 (zlib); start with adler = 1. */
HNDEF uint32_t hn_adler32(uint32_t adler, const void *data, size_t len);

/* Raw deflate (RFC 1951). Output in a new buffer (*out, free with hn_free),
   at most max_out bytes: a stream that would produce more is refused with
   HN_ERR_LIMIT. *consumed (may be NULL) gets the number of input bytes the
   stream used. */
HNDEF hn_status hn_inflate(const unsigned char *in, size_t in_len, size_t max_out,
                           unsigned char **out, size_t *out_len, size_t *consumed);
/* Raw deflate into the caller's buffer dst[0..dst_cap): for sizes known in
   advance. A stream that would produce more than dst_cap bytes is refused
   with HN_ERR_LIMIT. *out_len and *consumed may be NULL. */
HNDEF hn_status hn_inflate_into(const unsigned char *in, size_t in_len,
                                unsigned char *dst, size_t dst_cap,
                                size_t *out_len, size_t *consumed);
/* zlib wrapper (RFC 1950), Adler-32 checked. The stream must fill in_len
   exactly; a preset dictionary (FDICT) is refused as unsupported. */
HNDEF hn_status hn_zlib_uncompress(const unsigned char *in, size_t in_len, size_t max_out,
                                   unsigned char **out, size_t *out_len);
/* gzip (RFC 1952): header flags (FEXTRA, FNAME, FCOMMENT, FHCRC), CRC-32
   and ISIZE checked, concatenated members decoded in sequence. Zero bytes
   after the last member are ignored (tape padding); anything else there is
   refused. */
HNDEF hn_status hn_gunzip(const unsigned char *in, size_t in_len, size_t max_out,
                          unsigned char **out, size_t *out_len);
/* 1 when the buffer starts with the gzip magic bytes 1f 8b. */
HNDEF int hn_is_gzip(const unsigned char *in, size_t in_len);

/* ---- end of inflate API ---- */

/* ========================================================================
   Data files: IDX, CIFAR-10 binary, MATLAB .mat
   ======================================================================== */

/* ---- IDX (MNIST, Fashion-MNIST) ---- */

/* IDX, the format of LeCun's MNIST files: two zero bytes, an element type,
   the number of dimensions, each dimension as a big-endian uint32, then
   the elements row-major, big-endian. Readers take the file plain or
   gzip-compressed (recognised by its magic 1f 8b) and refuse, with a
   reason: a bad magic or element type, zero or more than HN_IDX_MAX_DIMS
   dimensions, a dimension of 0, dimensions whose product (in bytes)
   overflows, data shorter than the dimensions claim (before allocating
   anything), and any bytes after the data (trailing garbage is refused,
   not ignored: a file that is longer than it says is not what it says). */
enum {
    HN_IDX_U8 = 0x08,
    HN_IDX_I8 = 0x09,
    HN_IDX_I16 = 0x0B,
    HN_IDX_I32 = 0x0C,
    HN_IDX_F32 = 0x0D,
    HN_IDX_F64 = 0x0E
};

#define HN_IDX_MAX_DIMS 8

/* Largest uncompressed IDX image a reader accepts when the caller passes
   max_bytes = 0: 1 GiB, twenty times MNIST's training images. */
#ifndef HN_IDX_DEFAULT_MAX
#define HN_IDX_DEFAULT_MAX ((size_t)1 << 30)
#endif

typedef struct hn_idx {
    int type;                     /* HN_IDX_U8 ... HN_IDX_F64 */
    int ndim;                     /* 1 .. HN_IDX_MAX_DIMS */
    size_t dims[HN_IDX_MAX_DIMS]; /* extents, outermost first */
    size_t count;                 /* number of elements: product of dims */
    size_t elem_size;             /* bytes per element: 1, 2, 4 or 8 */
    void *data;                   /* count elements in host byte order:
                                     uint8_t, int8_t, int16_t, int32_t,
                                     float or double */
} hn_idx;

/* Read an IDX image from memory, plain or gzipped. max_bytes bounds the
   uncompressed image, header included (0 = HN_IDX_DEFAULT_MAX); larger
   ones are refused with HN_ERR_LIMIT. Free with hn_idx_free. */
HNDEF hn_status hn_idx_read_mem(const unsigned char *bytes, size_t len, size_t max_bytes,
                                hn_idx *x);
#ifndef HN_NO_STDIO
/* The same from a file. */
HNDEF hn_status hn_idx_read_file(const char *path, size_t max_bytes, hn_idx *x);
#endif
HNDEF void hn_idx_free(hn_idx *x);
/* Elements [first, first + n) as floats times scale: scale = 1/255 maps
   MNIST's pixels to [0, 1]. */
HNDEF hn_status hn_idx_to_float(const hn_idx *x, size_t first, size_t n, float scale,
                                float *dst);
/* Elements [first, first + n) as ints (class labels). Refused for values
   that are not integers or do not fit an int. */
HNDEF hn_status hn_idx_to_int(const hn_idx *x, size_t first, size_t n, int *dst);
/* The whole image as a new float tensor of the same shape, times scale
   (at most HN_MAX_DIMS dimensions, each at most INT_MAX). */
HNDEF hn_status hn_idx_to_tensor(const hn_idx *x, float scale, hn_tensor *t);
/* "u8", "i8", "i16", "i32", "f32", "f64", or "?" */
HNDEF const char *hn_idx_type_name(int type);

/* ---- end of IDX API ---- */

/* ---- CIFAR-10 binary batches ----

   A batch file is a run of 3,073-byte records: one label byte (0..9), then
   a 32x32 image as 1,024 red, 1,024 green and 1,024 blue bytes, each plane
   row-major. The readers accept any whole number of records, plain or
   gzip-compressed (detected by the 1f 8b magic), and return
   images (n, 3, 32, 32) as floats, byte * scale, and labels (n). */

#define HN_CIFAR_RECORD_BYTES 3073

/* Parse a batch held in memory. A gzip stream may inflate to at most
   max_bytes (a plain one may not be longer either). Allocates *images
   (n * 3072 floats) and *labels (n ints); free both with hn_free. */
HNDEF hn_status hn_cifar10_parse(const void *data, size_t len, size_t max_bytes,
                                 float scale, float **images, int **labels, int *n);
#ifndef HN_NO_STDIO
HNDEF hn_status hn_cifar10_load(const char *path, size_t max_bytes, float scale,
                                float **images, int **labels, int *n);
#endif

/* ---- MATLAB level-5 MAT-files (saved with -v6 or -v7) ----

   A reader that walks the file one variable at a time, so a damaged
   variable late in a file does not hide the good ones before it:

      hn_mat m;
      hn_mat_var v;
      hn_mat_array a;
      int r;
      if (hn_mat_open_file(&m, "train_32x32.mat", 1u << 30, 1u << 30)) ...
      while ((r = hn_mat_next(&m, &v)) == 1)
          printf("%s %s\n", v.name, hn_mat_class_name(&v));
      if (r < 0) puts(hn_error());
      if (hn_mat_read(&m, "y", &a) == HN_OK) ... a.data, a.dims ...
      hn_mat_array_free(&a);
      hn_mat_close(&m);

   Arrays come back as MATLAB stores them: column-major, in the C type of
   their class whatever element type the file used on disk (MATLAB writes
   integer-valued doubles as uint8, for instance). Cell, struct, object,
   sparse and complex variables are listed with their class and dims but
   not read (HN_ERR_UNSUPPORTED). Level-4 files and v7.3 (HDF5) files are
   refused with a message that names the version. */

#define HN_MAT_NAME_MAX 64
#define HN_MAT_MAX_DIMS 8

/* The mxClass numbers of the file format. Logical arrays are HN_MAT_UINT8
   with the HN_MAT_LOGICAL flag. */
typedef enum hn_mat_class {
    HN_MAT_UNKNOWN = 0,
    HN_MAT_CELL = 1, HN_MAT_STRUCT = 2, HN_MAT_OBJECT = 3, HN_MAT_CHAR = 4,
    HN_MAT_SPARSE = 5, HN_MAT_DOUBLE = 6, HN_MAT_SINGLE = 7,
    HN_MAT_INT8 = 8, HN_MAT_UINT8 = 9, HN_MAT_INT16 = 10, HN_MAT_UINT16 = 11,
    HN_MAT_INT32 = 12, HN_MAT_UINT32 = 13, HN_MAT_INT64 = 14, HN_MAT_UINT64 = 15,
    HN_MAT_FUNCTION = 16, HN_MAT_OPAQUE = 17
} hn_mat_class;

enum { HN_MAT_COMPLEX = 8, HN_MAT_GLOBAL = 4, HN_MAT_LOGICAL = 2 };

typedef struct hn_mat_var {
    char name[HN_MAT_NAME_MAX];
    hn_mat_class cls;
    int flags;                      /* HN_MAT_COMPLEX | GLOBAL | LOGICAL */
    int ndim;                       /* 0 for opaque objects */
    size_t dims[HN_MAT_MAX_DIMS];
    size_t numel;                   /* product of dims */
    /* Where the reader finds the variable again (private). */
    size_t offset;
    int compressed;
} hn_mat_var;

typedef struct hn_mat_array {
    hn_mat_class cls;
    int flags;
    int ndim;
    size_t dims[HN_MAT_MAX_DIMS];
    size_t numel;
    size_t elem_size;   /* bytes of one element of data */
    /* numel elements, column-major: double, float, int8_t ... uint64_t by
       class; uint8_t 0/1 for logical; uint16_t UTF-16 code units for char */
    void *data;
} hn_mat_array;

typedef struct hn_mat {
    const unsigned char *data;
    size_t len;
    unsigned char *owned;       /* the bytes of a file opened by name */
    int big_endian;
    size_t pos;                 /* offset of the next element to walk */
    size_t subsys;              /* offset of the subsystem data, 0 if none */
    size_t max_inflate;         /* cap on one decompressed variable */
    unsigned char *cur;         /* the last decompressed variable ... */
    size_t cur_len, cur_offset; /* ... its size and the file offset it came from */
    char text[117];             /* the header's descriptive text */
} hn_mat;

/* Open a file image in memory (kept by reference: it must outlive m).
   max_inflate caps the decompressed size of any one variable of a -v7
   file; a variable that would inflate to more is refused (HN_ERR_LIMIT). */
HNDEF hn_status hn_mat_open_mem(hn_mat *m, const void *data, size_t len,
                                size_t max_inflate);
#ifndef HN_NO_STDIO
/* Open a file of at most max_file bytes. */
HNDEF hn_status hn_mat_open_file(hn_mat *m, const char *path, size_t max_file,
                                 size_t max_inflate);
#endif
HNDEF void hn_mat_close(hn_mat *m);
/* The next variable of the walk: 1 and *v filled, 0 at the end of the
   file, -1 on bad data (hn_error() says why; the walk cannot go on). */
HNDEF int hn_mat_next(hn_mat *m, hn_mat_var *v);
/* Start the walk again from the first variable. */
HNDEF void hn_mat_rewind(hn_mat *m);
/* Walk from the start to the variable called name (HN_ERR_NOT_FOUND when
   there is none). In a -v7 file the walk inflates every variable before
   it; to read several, read each as hn_mat_next lists it. */
HNDEF hn_status hn_mat_find(hn_mat *m, const char *name, hn_mat_var *v);
/* Read a listed variable, or find one by name and read it. Free the array
   with hn_mat_array_free. */
HNDEF hn_status hn_mat_read_var(hn_mat *m, const hn_mat_var *v, hn_mat_array *a);
HNDEF hn_status hn_mat_read(hn_mat *m, const char *name, hn_mat_array *a);
HNDEF void hn_mat_array_free(hn_mat_array *a);
/* Element i of an array, converted to double. */
HNDEF double hn_mat_get(const hn_mat_array *a, size_t i);
/* All numel elements as float, times scale, in the stored (column-major)
   order. */
HNDEF void hn_mat_to_float(const hn_mat_array *a, float scale, float *out);
/* MATLAB's name of the class: "double", "uint8", "logical", "cell", ... */
HNDEF const char *hn_mat_class_name(hn_mat_class cls, int flags);

/* SVHN's cropped-digit files (train_32x32.mat ...): X is uint8
   32x32x3xN, column-major; y is N labels 1..10 where 10 means the digit 0.
   hn_svhn_convert turns them into n images (3, 32, 32), row-major CHW as
   the rest of the library wants, byte * scale, and labels 0..9; images
   holds N * 3072 floats and labels N ints. hn_svhn_load reads X and y
   from an open file and allocates both (free with hn_free). */
HNDEF hn_status hn_svhn_convert(const hn_mat_array *x, const hn_mat_array *y,
                                float scale, float *images, int *labels);
HNDEF hn_status hn_svhn_load(hn_mat *m, float scale, float **images, int **labels,
                             int *n);

/* ---- end of data file API ---- */

/* ========================================================================
   Checkpoints
   ======================================================================== */

/* A checkpoint holds a model's tensors by name, a configuration string of
   the program's choosing (a JSON or key=value line that says how to
   rebuild the model) and raw blobs (optimizer step counters, RNG states),
   so that training resumes exactly where it stopped. The format is
   specified in the implementation section (FILE FORMAT: checkpoint); it is
   little-endian on disk whatever the host, and ends in a CRC-32.

   Write:
      hn_ckpt_writer w;
      hn_ckpt_begin(&w, "{\"hidden\": 128}");
      hn_ckpt_add_params(&w, &ps, ps.data, "");
      hn_ckpt_add_u64(&w, "step", step);
      hn_ckpt_add_rng(&w, "rng", &rng);
      if (hn_ckpt_finish_file(&w, "model.ckpt") != HN_OK) puts(hn_error());

   The file is written to "model.ckpt.tmp" and renamed over "model.ckpt"
   only when complete, so a crash while saving leaves the last good
   checkpoint in place. Errors are sticky: after a failed add, finish fails
   with the first reason and writes nothing. */

#define HN_CKPT_NAME_MAX 64

enum { HN_CKPT_TENSOR = 1, HN_CKPT_BLOB = 2 };

typedef struct hn_ckpt_writer {
    unsigned char *buf;
    size_t len, cap;
    uint32_t count;
    hn_status err;      /* first failure, HN_OK while all is well */
} hn_ckpt_writer;

HNDEF hn_status hn_ckpt_begin(hn_ckpt_writer *w, const char *config);
/* A float32 tensor of 1 to HN_MAX_DIMS dimensions. */
HNDEF hn_status hn_ckpt_add_tensor(hn_ckpt_writer *w, const char *name, int ndim,
                                   const int *shape, const float *data);
HNDEF hn_status hn_ckpt_add_blob(hn_ckpt_writer *w, const char *name,
                                 const void *data, size_t len);
/* Every tensor of the store's layout, read from base (ps->data for the
   weights, or an optimizer's moment buffer of the same layout), under the
   name prefix + tensor name. */
HNDEF hn_status hn_ckpt_add_params(hn_ckpt_writer *w, const hn_params *ps,
                                   const float *base, const char *prefix);
/* A counter, and a generator's whole state, as portable blobs. */
HNDEF hn_status hn_ckpt_add_u64(hn_ckpt_writer *w, const char *name, uint64_t v);
HNDEF hn_status hn_ckpt_add_rng(hn_ckpt_writer *w, const char *name, const hn_rng *r);
/* Finish into a new buffer (free with hn_free), or into a file by the
   write-then-rename dance. Both free the writer, success or not. */
HNDEF hn_status hn_ckpt_finish(hn_ckpt_writer *w, unsigned char **out, size_t *len);
#ifndef HN_NO_STDIO
HNDEF hn_status hn_ckpt_finish_file(hn_ckpt_writer *w, const char *path);
#endif
/* Abandon a checkpoint being written. */
HNDEF void hn_ckpt_writer_free(hn_ckpt_writer *w);

typedef struct hn_ckpt_entry {
    char name[HN_CKPT_NAME_MAX];
    int kind;                   /* HN_CKPT_TENSOR or HN_CKPT_BLOB */
    int ndim;                   /* 0 for a blob */
    int shape[HN_MAX_DIMS];
    size_t size;                /* floats of a tensor, bytes of a blob */
    size_t offset;              /* of the payload in the file image */
} hn_ckpt_entry;

typedef struct hn_ckpt {
    const unsigned char *data;
    size_t len;
    unsigned char *owned;       /* the bytes of a file opened by name */
    char *config;               /* NUL-terminated copy of the configuration */
    hn_ckpt_entry *entries;
    int count;
} hn_ckpt;

/* Check and index a checkpoint image held in memory (kept by reference).
   Refused with a reason: bad magic, unknown version, truncation, a CRC
   mismatch, a length past the end, a duplicate name. */
HNDEF hn_status hn_ckpt_open_mem(hn_ckpt *c, const void *data, size_t len);
#ifndef HN_NO_STDIO
HNDEF hn_status hn_ckpt_open_file(hn_ckpt *c, const char *path, size_t max_bytes);
#endif
HNDEF void hn_ckpt_close(hn_ckpt *c);
/* The entry called name, or NULL. */
HNDEF const hn_ckpt_entry *hn_ckpt_find(const hn_ckpt *c, const char *name);
/* Copy a tensor whose shape must be exactly (ndim, shape) into out;
   HN_ERR_SHAPE names the tensor and both shapes when it differs. */
HNDEF hn_status hn_ckpt_read_tensor(const hn_ckpt *c, const char *name, int ndim,
                                    const int *shape, float *out);
/* Copy a blob of exactly len bytes. */
HNDEF hn_status hn_ckpt_read_blob(const hn_ckpt *c, const char *name, void *out,
                                  size_t len);
HNDEF hn_status hn_ckpt_read_u64(const hn_ckpt *c, const char *name, uint64_t *v);
HNDEF hn_status hn_ckpt_read_rng(const hn_ckpt *c, const char *name, hn_rng *r);
/* Every tensor of the store's layout into base (see hn_ckpt_add_params).
   Fails on the first tensor missing or of another shape, naming it; the
   checkpoint may hold other entries too. */
HNDEF hn_status hn_ckpt_read_params(const hn_ckpt *c, const hn_params *ps, float *base,
                                    const char *prefix);

#ifndef HN_NO_STDIO
/* Save every tensor of ps (its data) and the configuration string. */
HNDEF hn_status hn_checkpoint_save_params(const char *path, const hn_params *ps,
                                          const char *config);
/* Load a checkpoint saved by hn_checkpoint_save_params into ps (allocated,
   same layout). The file's tensors and the store's must match one for one:
   the first that is missing, extra or of another shape is named. When
   config is not NULL it receives a copy of the configuration string (free
   with hn_free). */
HNDEF hn_status hn_checkpoint_load_params(const char *path, hn_params *ps,
                                          char **config);
#endif

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
#ifndef HN_SINF
#define HN_SINF(x) sinf(x)
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
/* GCC 12's AVX-512 headers, compiled as C++, warn that the "undefined"
   vectors they start some casts and extracts from may be used
   uninitialized (GCC bug 105593): quiet that for their lines and ours. */
#if defined(HN__AVX512) && defined(__cplusplus) && defined(__GNUC__) && !defined(__clang__)
#define HN__QUIET_AVX512 1
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
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

/* For the small helpers of the inner loops, which GCC otherwise leaves
   as calls that pass vectors through memory. */
#if defined(__GNUC__) || defined(__clang__)
#define HN__INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#define HN__INLINE __forceinline
#else
#define HN__INLINE inline
#endif

/* Loops of a few steps over arrays of vectors (the Winograd transforms),
   unrolled so that their arrays live in registers: GCC at -O2 keeps such
   a loop and the arrays on the stack (the input transform ran 2.9 times
   slower). Clang unrolls them by itself, within a few percent of its
   speed with its own pragma, which only made every file that includes
   the implementation take 25 s instead of 9 s to compile with the
   sanitizers; other compilers get the loops as written. */
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ >= 8
#define HN__UNROLL _Pragma("GCC unroll 16")
#else
#define HN__UNROLL
#endif

#define HN__MIN(a, b) ((a) < (b) ? (a) : (b))
#define HN__MAX(a, b) ((a) > (b) ? (a) : (b))

/* Elementwise loops marked HN__SIMD run in vector lanes, sums included
   (HN__SIMD_SUM1/2 name the accumulators): GCC at -O2 leaves such loops
   scalar, and never reorders a float sum on its own. A lane order depends
   on the vector width, never on the thread count. The pragma exists only
   for OpenMP builds; elsewhere the loops stay plain C. */
#ifdef _OPENMP
#define HN__PRAGMA(x) _Pragma(#x)
#define HN__SIMD HN__PRAGMA(omp simd)
#define HN__SIMD_SUM1(a) HN__PRAGMA(omp simd reduction(+ : a))
#define HN__SIMD_SUM2(a, b) HN__PRAGMA(omp simd reduction(+ : a, b))
#define HN__SIMD_SUM3(a, b, c) HN__PRAGMA(omp simd reduction(+ : a, b, c))
#else
#define HN__SIMD
#define HN__SIMD_SUM1(a)
#define HN__SIMD_SUM2(a, b)
#define HN__SIMD_SUM3(a, b, c)
#endif

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
    /* A directory opens on some systems and then reports a size of
       LONG_MAX: refuse it as not being a regular file. */
    if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || size == LONG_MAX ||
        fseek(f, 0, SEEK_SET) != 0) {
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

HN__UNUSED static unsigned hn__load_u16le(const unsigned char *p)
{
    return (unsigned)p[0] | (unsigned)p[1] << 8;
}

HN__UNUSED static uint64_t hn__load_u64le(const unsigned char *p)
{
    return (uint64_t)hn__load_u32le(p) | (uint64_t)hn__load_u32le(p + 4) << 32;
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

HNDEF void hn_params_set_no_decay(hn_params *ps, int handle, int flag)
{
    HN_ASSERT(handle >= 0 && handle < ps->count);
    ps->info[handle].no_decay = flag != 0;
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

   Departures from the textbook. When all of A fits one MC block, each B
   micro-panel is packed just before its one use, while it is still in L1;
   if that A is small enough to keep whole in L2, it is packed for all of
   k at once and the k blocks run inside the loop over B's panels, so that
   each column of C stays in L1 (hn__gemm_a_whole). A C narrower than the
   tile (n < NR) is computed as C^T = op(B)^T op(A)^T, written back
   through strides, so that the kernel's long side runs along m. M, N and
   K are cut into equal blocks of at most MC, NC, KC rather than full
   blocks and a sliver. And two kinds of small product skip packing
   altogether (hn__gemm_direct): up to 64 x 64 x 64 with B as stored, and
   narrow NT products with a long k, by dot products.

   Threads (OpenMP) each take a slice of whole micro-tiles along M or N and
   run the five loops on it with their own pack buffers. The k sum is never
   split, and every element of C goes through the same instructions in the
   same order whichever thread computes it, so the result is bit-identical
   for any thread count. */

/* Micro-kernel: C[0:MR, 0:NR] = sum over p < kc of pa[p*MR + i] * pb[p*NR + j],
   plus beta * C unless beta is 0 (then C is not read). ldc in floats. */
typedef void (*hn__gemm_kernel_fn)(int kc, const float *pa, const float *pb,
                                   float *c, size_t ldc, float beta);
/* The same over only the first nv vectors of the panels' columns (a last
   panel narrower than NR), or NULL where a kernel has no such variant. */
typedef void (*hn__gemm_narrow_fn)(int kc, int nv, const float *pa, const float *pb,
                                   float *c, size_t ldc, float beta);

typedef struct hn__gemm_kernel {
    hn__gemm_kernel_fn fn;
    int mr, nr;
    hn__gemm_narrow_fn narrow;
} hn__gemm_kernel;

/* A kernel with its cache blocks (multiples of mr and nr) and where alpha
   goes, fixed for the whole product before any thread starts. */
typedef struct hn__gemm_plan {
    hn__gemm_kernel_fn fn;
    hn__gemm_narrow_fn narrow;
    int mr, nr, mc, kc, nc;
    int alpha_in_a;
    int a_whole; /* A packed for all of k at once (hn__gemm_blocked) */
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
    hn__gemm_kernel_scalar, 4, 4, NULL
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
#define HN__VADD(a, b) _mm512_add_ps(a, b)
#define HN__VSUB(a, b) _mm512_sub_ps(a, b)
/* The lower and upper eight floats. The zero-masked extracts compile to
   what the casts and plain extract do (nothing, and one instruction);
   those, inlined into the dot tiles, make g++ 12 warn that the undefined
   placeholder in its own headers is used uninitialized. */
#define HN__HALF256(v, h) \
    _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(v), h))
#define HN__LO256(v) HN__HALF256(v, 0)
#define HN__HI256(v) HN__HALF256(v, 1)
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
#define HN__VADD(a, b) _mm256_add_ps(a, b)
#define HN__VSUB(a, b) _mm256_sub_ps(a, b)
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
#define HN__VADD(a, b) _mm_add_ps(a, b)
#define HN__VSUB(a, b) _mm_sub_ps(a, b)
#elif defined(HN__NEON)
typedef float32x4_t hn__vf;
#define HN__VW 4
#define HN__GEMM_MR 8
#define HN__VZERO() vdupq_n_f32(0.0f)
#define HN__VLOAD(p) vld1q_f32(p)
#define HN__VSTORE(p, v) vst1q_f32(p, v)
#define HN__VSET1(x) vdupq_n_f32(x)
#define HN__VMUL(a, b) vmulq_f32(a, b)
#define HN__VADD(a, b) vaddq_f32(a, b)
#define HN__VSUB(a, b) vsubq_f32(a, b)
#if defined(__aarch64__)
#define HN__VFMA(a, b, acc) vfmaq_f32(acc, a, b)
#else
#define HN__VFMA(a, b, acc) vmlaq_f32(acc, a, b) /* ARMv7 NEON: no fused form */
#endif
#endif

/* MC rows of A, packed (MC x KC), stay in L2 while B micro-panels pass
   through L1. 128 suits Zen 3's 512 KiB L2; every core with AVX-512 has 1
   MiB or more (2 MiB on Sapphire Rapids), where 256 halves how often each
   B panel is read again from L3: 2048^3 ran 1-6% faster, the smaller
   squares, 128x4096x1024 and 64x50000x576 within 4% either way. */
#ifndef HN_GEMM_MC
#if defined(HN__AVX512)
#define HN_GEMM_MC 256
#else
#define HN_GEMM_MC 128
#endif
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

/* The kernels and the packing loops start on a 64-byte line, so that
   their loops sit in the same lines of code whatever comes before them:
   on Zen 3 the kernel's k loop ran 5-10% slower at 1024^3 when a change
   elsewhere in the header moved it across three lines, and on Zen 4 a
   change to the dot path cost 1024^3 TT 3% until the packing was aligned
   too. */
#if defined(__GNUC__) || defined(__clang__)
#define HN__ALIGN_CODE __attribute__((aligned(64)))
#else
#define HN__ALIGN_CODE
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

/* All MR rows of the tile, declared, stepped and written out. */
#if HN__GEMM_MR == 8
#define HN__KROWS(X) X(0); X(1); X(2); X(3); X(4); X(5); X(6); X(7)
#elif HN__GEMM_MR == 6
#define HN__KROWS(X) X(0); X(1); X(2); X(3); X(4); X(5)
#else
#define HN__KROWS(X) X(0); X(1); X(2); X(3)
#endif

/* The C tile is read (beta != 0) or written after the k loop: ask for it
   now so that it is in L1 by then. */
#define HN__KPREFETCH_C()                                       \
    for (i = 0; i < HN__GEMM_MR; i++) {                         \
        HN__PREFETCH(c + (size_t)i * ldc);                      \
        HN__PREFETCH(c + (size_t)i * ldc + HN__GEMM_NR - 1);    \
    }

static HN__ALIGN_CODE void hn__gemm_kernel_simd(int kc, const float *pa, const float *pb,
                                                float *c, size_t ldc, float beta)
{
    hn__vf av, b0, b1, b2, bv = HN__VSET1(beta);
    int p, i;
    HN__KROWS(HN__KDECL);
    HN__KPREFETCH_C()
    for (p = 0; p < kc; p++, pa += HN__GEMM_MR, pb += HN__GEMM_NR) {
        b0 = HN__VLOAD(pb);
        b1 = HN__VLOAD(pb + HN__VW);
        b2 = HN__VLOAD(pb + 2 * HN__VW);
        HN__VKEEP(b0); HN__VKEEP(b1); HN__VKEEP(b2);
        HN__KROWS(HN__KSTEP);
    }
    HN__KROWS(HN__KOUT);
}

/* The tile's first nv (1 or 2) vectors of columns only, from the same
   packed panels: the last panel of a product whose n is not a multiple of
   NR (256 = 5 x 48 + 16 on AVX-512) then costs a third or two of a full
   one, not all of it. */
#define HN__NDECL(i) hn__vf c##i##0 = HN__VZERO(), c##i##1 = HN__VZERO()
#define HN__NSTEP1(i)                     \
    av = HN__VSET1(pa[i]);                \
    c##i##0 = HN__VFMA(av, b0, c##i##0)
#define HN__NSTEP2(i)                     \
    HN__NSTEP1(i);                        \
    c##i##1 = HN__VFMA(av, b1, c##i##1)
#define HN__NOUT(i)                                                     \
    do {                                                                \
        float *ci = c + (size_t)(i) * ldc;                              \
        if (beta != 0.0f) c##i##0 = HN__VFMA(bv, HN__VLOAD(ci), c##i##0); \
        HN__VSTORE(ci, c##i##0);                                        \
        if (nv == 2) {                                                  \
            if (beta != 0.0f)                                           \
                c##i##1 = HN__VFMA(bv, HN__VLOAD(ci + HN__VW), c##i##1); \
            HN__VSTORE(ci + HN__VW, c##i##1);                           \
        }                                                               \
    } while (0)

static HN__ALIGN_CODE void hn__gemm_kernel_narrow(int kc, int nv, const float *pa,
                                                  const float *pb, float *c, size_t ldc,
                                                  float beta)
{
    hn__vf av, b0, b1, bv = HN__VSET1(beta);
    int p;
    HN__KROWS(HN__NDECL);
    if (nv == 1) {
        for (p = 0; p < kc; p++, pa += HN__GEMM_MR, pb += HN__GEMM_NR) {
            b0 = HN__VLOAD(pb);
            HN__VKEEP(b0);
            HN__KROWS(HN__NSTEP1);
        }
    } else {
        for (p = 0; p < kc; p++, pa += HN__GEMM_MR, pb += HN__GEMM_NR) {
            b0 = HN__VLOAD(pb);
            b1 = HN__VLOAD(pb + HN__VW);
            HN__VKEEP(b0); HN__VKEEP(b1);
            HN__KROWS(HN__NSTEP2);
        }
    }
    HN__KROWS(HN__NOUT);
}

/* The same tile with B read in place instead of from a packed panel
   (an indirect GEMM): step p takes its three vectors from x + off[p] +
   col[e], e = 0, 1, 2. The stride-1 convolution passes the padded image
   as x, each kernel tap's offset in it as off and where the tile's
   columns start as col, and so packs nothing. */
static HN__ALIGN_CODE void hn__gemm_kernel_ind(int kc, const float *pa, const float *x,
                                               const size_t *off, const size_t *col,
                                               float *c, size_t ldc, float beta)
{
    hn__vf av, b0, b1, b2, bv = HN__VSET1(beta);
    const float *x0 = x + col[0], *x1 = x + col[1], *x2 = x + col[2];
    int p, i;
    HN__KROWS(HN__KDECL);
    HN__KPREFETCH_C()
    for (p = 0; p < kc; p++, pa += HN__GEMM_MR) {
        size_t o = off[p];
        b0 = HN__VLOAD(x0 + o);
        b1 = HN__VLOAD(x1 + o);
        b2 = HN__VLOAD(x2 + o);
        HN__VKEEP(b0); HN__VKEEP(b1); HN__VKEEP(b2);
        HN__KROWS(HN__KSTEP);
    }
    HN__KROWS(HN__KOUT);
}
#define HN__GEMM_IND 1

static const hn__gemm_kernel hn__gemm_native = {
    hn__gemm_kernel_simd, HN__GEMM_MR, HN__GEMM_NR, hn__gemm_kernel_narrow
};
#define HN__GEMM_NATIVE_NR HN__GEMM_NR   /* the same, for array sizes */
#else
#define HN__GEMM_TILE 16
static const hn__gemm_kernel hn__gemm_native = { hn__gemm_kernel_scalar, 4, 4, NULL };
#define HN__GEMM_NATIVE_NR 4

#endif

/* The common case of packing, a whole panel of op(B) as stored (or of A
   transposed), in vector registers: for small m the packing of B costs as
   much as the product. Returns 0 when it does not apply. */
static HN__ALIGN_CODE int hn__gemm_pack_rows(int rows, int w, int kb, const float *src,
                                             size_t ld, float scale, float *dst)
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

#if defined(HN__AVX2) || defined(HN__AVX512)
/* r[0..7], eight rows of eight floats, transposed in registers: r[j]
   then holds element j of every row. */
static HN__INLINE void hn__tr8(__m256 *r)
{
    /* Pairs of rows interleaved, then pairs of pairs: u0 holds column 0 of
       rows 0-3 and column 4 of the same rows in its upper half. */
    __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
    __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
    __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
    __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);
    r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
    r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
    r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
    r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
    r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
    r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
    r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
    r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}
#endif

/* The other common case, a panel whose columns are stored as rows (op(B)
   transposed, A as stored), by transposes in registers instead of one
   strided store per value: 8 x 8 in AVX registers where the panel width
   allows, 4 x 4 in SSE ones otherwise. (On the AVX-512 machine the 8 x 8
   blocks made 128x4096x1024 TT 6% faster, 256^3 and 1024^3 2-4%; at 1024^3
   packing stays 7% of the time, bound by reading A from memory.) Packs
   the first rows, a multiple of 4, and returns how many; the caller does
   the rest. */
static HN__ALIGN_CODE int hn__gemm_pack_cols(int rows, int w, int kb, const float *src,
                                             size_t ld, float scale, float *dst)
{
#if defined(HN__SSE2) || defined(HN__AVX2) || defined(HN__AVX512)
    __m128 sv = _mm_set1_ps(scale);
    int i = 0, p;
    if (w % 4 != 0) return 0;
#if defined(HN__AVX2) || defined(HN__AVX512)
    /* Eight rows at a time where the panel is a whole number of eights
       wide: one 8 x 8 transpose gives eight steps of k, 32 bytes each. */
    if (w % 8 == 0) {
        __m256 sv8 = _mm256_set1_ps(scale), r[8];
        int q;
        for (; i + 8 <= rows; i += 8) {
            const float *s0 = src + (size_t)i * ld;
            float *d = dst + i;
            for (p = 0; p + 8 <= kb; p += 8, d += (size_t)8 * w) {
                HN__UNROLL
                for (q = 0; q < 8; q++) r[q] = _mm256_loadu_ps(s0 + (size_t)q * ld + p);
                hn__tr8(r);
                HN__UNROLL
                for (q = 0; q < 8; q++)
                    _mm256_storeu_ps(d + (size_t)q * w, _mm256_mul_ps(sv8, r[q]));
            }
            for (; p < kb; p++, d += w)
                for (q = 0; q < 8; q++) d[q] = scale * s0[(size_t)q * ld + p];
        }
    }
#endif
    for (; i + 4 <= rows; i += 4) {
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
static HN__ALIGN_CODE void hn__gemm_pack(int along_k, int x, int kb, const float *src,
                                         size_t ld, float scale, int w, float *dst)
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

/* Most bytes of packed A that hn__gemm_a_whole keeps (in L2, 512 KiB on
   Zen 3, beside B panels and C). */
#ifndef HN__GEMM_A_WHOLE
#define HN__GEMM_A_WHOLE (256 * 1024)
#endif

/* Depth blocks of an a_whole plan when k takes more than one: a B
   micro-panel (KC x NR) meets every tile of its column of C (m x NR), both
   in L1. At KC 196 for k = 784 the two took 49 KiB, more than Zen 5's 48
   KiB L1d: blocks of at most 128 ran 64x3136x784 4% and 64x50000x576 3%
   faster (one block, k <= KC, stays as it is: 32x12544x144 gains nothing
   from two). */
#ifndef HN__GEMM_KC_WHOLE
#define HN__GEMM_KC_WHOLE 128
#endif

/* How many B micro-panels ahead hn__gemm_macro prefetches. */
#ifndef HN__PF_AHEAD
#define HN__PF_AHEAD 2
#endif
#ifndef HN__PF_AHEAD_WHOLE
#define HN__PF_AHEAD_WHOLE 1
#endif

/* Where a B block comes from, for packing it one micro-panel at a time. */
typedef struct hn__gemm_bsrc {
    const float *b; /* op(B)[0, 0] of the block */
    size_t ldb;
    int trans;
    float scale;
    int avail; /* columns of op(B) from b on, for prefetching ahead */
    int ahead; /* how many panels ahead to prefetch */
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
        int cols = HN__MIN(nr, nb - jr), nv = 0, nw = 0;
        const float *bp = pb + (size_t)jr * kb, *ahead = NULL;
#ifdef HN__VW
        /* A last panel of one or two vectors' width, where the kernel has
           a narrow variant (the scalar one, which the tests also drive
           through here, has none). */
        if (pl->narrow && cols <= 2 * HN__VW) {
            nv = (cols + HN__VW - 1) / HN__VW;
            nw = nv * HN__VW;
        }
#endif
        if (src) {
            const float *sb = src->trans ? src->b + (size_t)jr * src->ldb : src->b + jr;
            /* Untransposed, the panel is kb short pieces of kb rows far
               apart: more streams than the hardware prefetcher follows, so
               ask for the pieces of the panel after next, into L2 (a whole
               panel or two would crowd L1), a few rows per tile so that the
               requests do not queue up all at once. */
            if (!src->trans && jr + src->ahead * nr + nr <= src->avail)
                ahead = sb + src->ahead * nr;
            hn__gemm_pack(src->trans, cols, kb, sb, src->ldb, src->scale, nr, pb);
            bp = pb;
        }
        for (ir = 0; ir < mb; ir += mr) {
            int rows = HN__MIN(mr, mb - ir);
            const float *ap = pa + (size_t)ir * kb;
            float *cij = c + (size_t)ir * rsc + (size_t)jr * csc;
            if (ahead) {
                int p0 = ir / mr * chunk, p1 = HN__MIN(kb, p0 + chunk);
                /* Every line of each piece: one per 16 floats and the
                   last, since a piece need not start on a line. */
                for (i = p0; i < p1; i++) {
                    const float *row = ahead + (size_t)i * src->ldb;
                    for (j = 0; j < nr; j += 16) HN__PREFETCH_L2(row + j);
                    HN__PREFETCH_L2(row + nr - 1);
                }
            }
            if (rows == mr && cols == nr && csc == 1) {
                pl->fn(kb, ap, bp, cij, rsc, beta);
                continue;
            }
            if (nv) {
                if (rows == mr && cols == nw && csc == 1) {
                    pl->narrow(kb, nv, ap, bp, cij, rsc, beta);
                    continue;
                }
                pl->narrow(kb, nv, ap, bp, tile, (size_t)nr, 0.0f);
            } else {
                pl->fn(kb, ap, bp, tile, (size_t)nr, 0.0f);
            }
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

/* The loops for an A that fits L2 whole (plan a_whole: m <= MC and the
   packed mb x k block small enough). A is packed once, all of k; then for
   each NR-wide column of C, the k blocks run one after another, each
   packing its B micro-panel just before use:

      pack op(A)[0:m, 0:k]                   stays in L2
      for jr in 0..n step NR
        for pc in 0..k step KC
          pack op(B)[pc:+KC, jr:+NR]           in L1
          for ir in 0..m step MR
            C[ir:+MR, jr:+NR] (+)= Apanel * Bpanel

   The m x NR column of C stays in L1 across the k blocks, instead of
   going out to L3 and back once per k block (for m = 64, n = 50000, k =
   576 that traffic was half as much as reading B). Each element still
   sums its k blocks in the same order. */
static void hn__gemm_a_whole(const hn__gemm_plan *pl, const hn__gemm_job *jb,
                             float *pa, float *pb, float sa, float sb)
{
    int jr, pc, m = jb->m, n = jb->n, k = jb->k, nr = pl->nr;
    size_t mpad = (size_t)((m + pl->mr - 1) / pl->mr * pl->mr);
    for (pc = 0; pc < k; pc += pl->kc) {
        int kb = HN__MIN(pl->kc, k - pc);
        const float *ab = jb->ta ? jb->a + (size_t)pc * jb->lda : jb->a + pc;
        hn__gemm_pack(!jb->ta, m, kb, ab, jb->lda, sa, pl->mr, pa + mpad * pc);
    }
    for (jr = 0; jr < n; jr += nr) {
        for (pc = 0; pc < k; pc += pl->kc) {
            hn__gemm_bsrc src;
            src.b = jb->tb ? jb->b + (size_t)jr * jb->ldb + pc
                           : jb->b + (size_t)pc * jb->ldb + jr;
            src.ldb = jb->ldb;
            src.trans = jb->tb;
            src.scale = sb;
            src.avail = n - jr;
            /* With several k blocks the next strip is far enough ahead;
               with one, look as far ahead as the other order does. */
            src.ahead = k > pl->kc ? HN__PF_AHEAD_WHOLE : HN__PF_AHEAD;
            hn__gemm_macro(pl, m, HN__MIN(nr, n - jr), HN__MIN(pl->kc, k - pc),
                           pa + mpad * pc, pb, &src, pc == 0 ? jb->beta : 1.0f,
                           jb->c + (size_t)jr * jb->csc, jb->rsc, jb->csc);
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
    if (pl->a_whole) {
        hn__gemm_a_whole(pl, jb, pa, pb, sa, sb);
        return;
    }
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
            src.avail = nb;
            src.ahead = HN__PF_AHEAD;
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
    pl->narrow = kr->narrow;
    pl->mr = kr->mr;
    pl->nr = kr->nr;
    pl->mc = hn__gemm_even(jb->m, hn__gemm_round(HN_GEMM_MC, kr->mr), kr->mr);
    pl->kc = hn__gemm_even(k, HN__MAX(HN_GEMM_KC, 1), 1);
    pl->nc = nc = hn__gemm_even(jb->n, hn__gemm_round(HN_GEMM_NC, kr->nr), kr->nr);
    /* A is packed once per NC block of columns, B once: multiply alpha
       into whichever is packed fewer times in all. */
    pl->alpha_in_a = (double)jb->m * ((jb->n + nc - 1) / nc) <= (double)jb->n;
    pl->a_whole = jb->m <= pl->mc && (double)((jb->m + kr->mr - 1) / kr->mr * kr->mr)
                  * k * sizeof(float) <= HN__GEMM_A_WHOLE;
    if (pl->a_whole) pl->alpha_in_a = 1;
    if (pl->a_whole && k > pl->kc)
        pl->kc = hn__gemm_even(k, HN__MIN(HN__GEMM_KC_WHOLE, HN__MAX(HN_GEMM_KC, 1)), 1);
}

/* Bytes of the A block a thread packs, rounded to whole cache lines. */
static size_t hn__gemm_a_bytes(const hn__gemm_plan *pl, int m, int k)
{
    size_t kb = (size_t)(pl->a_whole ? k : HN__MIN(k, pl->kc));
    size_t mb = (size_t)HN__MIN(m, pl->mc);
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
    /* One thread inside a parallel region (products of several layers at
       once): no nested team, and pack buffers for one. */
    if ((double)jb->m * jb->n * jb->k < HN_GEMM_OMP_MIN || omp_in_parallel()) return 1;
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

/* Thread t's part of the product: the t-th slice (slice columns of C, or
   rows) along N or M, packed into its own per bytes of work. */
static void hn__gemm_slice(const hn__gemm_plan *pl, const hn__gemm_job *jb, int t,
                           size_t slice, unsigned char *work, size_t per)
{
    int split_n = hn__gemm_split_n(jb);
    size_t total = (size_t)(split_n ? jb->n : jb->m), lo = (size_t)t * slice;
    size_t hi = HN__MIN(total, lo + slice), abytes = hn__gemm_a_bytes(pl, jb->m, jb->k);
    float *pa = hn__gemm_align64(work + (size_t)t * per);
    float *pb = pa + abytes / sizeof(float);
    hn__gemm_job part = *jb;
    if (lo >= hi) return;
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

/* Run the job on nt threads, each with per bytes of work: thread t takes
   the t-th slice of whole micro-tiles along N (or M). One thread calls no
   OpenMP region (see hn__gemm_dot). */
static void hn__gemm_run(const hn__gemm_plan *pl, const hn__gemm_job *jb, int nt,
                         unsigned char *work, size_t per)
{
    int split_n = hn__gemm_split_n(jb);
    int unit = split_n ? pl->nr : pl->mr, total = split_n ? jb->n : jb->m;
    size_t units, slice;
    /* Slices along N are whole 64-byte lines wide (when C's rows start on
       one), so that no line of C is written by two threads. */
    while (split_n && unit % 16 != 0) unit += pl->nr;
    units = ((size_t)total + unit - 1) / unit;
    slice = (units + nt - 1) / nt * unit;
#ifdef _OPENMP
    if (nt > 1) {
        int t;
#pragma omp parallel for num_threads(nt) schedule(static)
        for (t = 0; t < nt; t++) hn__gemm_slice(pl, jb, t, slice, work, per);
        return;
    }
#endif
    hn__gemm_slice(pl, jb, 0, slice, work, per);
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

#ifdef HN__VW
/* Two paths without packing, for products where packing costs as much as
   it saves. Both run only with the native vector kernel's ISA, compute
   each element the same way whatever the thread count, and read nothing
   outside A, B and C. */

/* Small products (m, n, k <= HN__GEMM_SMALL) with op(B) as stored: B is at
   most 16 KiB, already in L1, so the kernel reads its rows in place and
   broadcasts A's values through strides, skipping the pack buffers and
   their allocation. A tile of SR rows x nv vectors, nv = 1..3; n must be a
   whole number of vectors. */
#define HN__GEMM_SMALL 64
/* Rows of a tile: the main kernel's MR, as many as the registers hold
   (on AVX-512 eight rows keep eight sums going even with one vector). */
#define HN__SR HN__GEMM_MR

#define HN__SDECL(i) \
    hn__vf s##i##0 = HN__VZERO(), s##i##1 = HN__VZERO(), s##i##2 = HN__VZERO()
#define HN__SSTEP(i, nv)                                         \
    av = HN__VSET1(a[o##i]);                                     \
    s##i##0 = HN__VFMA(av, b0, s##i##0);                         \
    if ((nv) >= 2) s##i##1 = HN__VFMA(av, b1, s##i##1);          \
    if ((nv) >= 3) s##i##2 = HN__VFMA(av, b2, s##i##2)
#define HN__SLOOP(nv)                                            \
    for (p = 0; p < kc; p++, a += csa, b += ldb) {               \
        b0 = HN__VLOAD(b);                                       \
        if ((nv) >= 2) b1 = HN__VLOAD(b + HN__VW);               \
        if ((nv) >= 3) b2 = HN__VLOAD(b + 2 * HN__VW);           \
        HN__VKEEP(b0); HN__VKEEP(b1); HN__VKEEP(b2);             \
        HN__SSTEP(0, nv); HN__SSTEP(1, nv);                      \
        HN__SSTEP(2, nv); HN__SSTEP(3, nv);                      \
        HN__SSTEP_HI(nv)                                         \
    }
#if HN__SR == 8
#define HN__SSTEP_HI(nv) \
    HN__SSTEP(4, nv); HN__SSTEP(5, nv); HN__SSTEP(6, nv); HN__SSTEP(7, nv);
#else
#define HN__SSTEP_HI(nv)
#endif
/* Row i of C = acc (+ beta * C), its first nv vectors: straight code, the
   sums kept in registers. The sums are scaled by alpha before, and only
   when alpha is not 1: with k = 9 a multiply per vector is one FMA-pipe
   slot in ten, and skipping it took 16x784x9 from 0.89x to 0.98x
   OpenBLAS on Zen 4. */
#define HN__SPUT(i, q)                                                      \
    do {                                                                    \
        float *cq = c + (size_t)(i) * ldc + (q) * HN__VW;                   \
        hn__vf r = s##i##q;                                                 \
        if (beta != 0.0f) r = HN__VFMA(bv, HN__VLOAD(cq), r);               \
        HN__VSTORE(cq, r);                                                  \
    } while (0)
#define HN__SSCALE(i)                  \
    s##i##0 = HN__VMUL(al, s##i##0);   \
    s##i##1 = HN__VMUL(al, s##i##1);   \
    s##i##2 = HN__VMUL(al, s##i##2)
#define HN__SOUT(i)                    \
    do {                               \
        HN__SPUT(i, 0);                \
        if (nv >= 2) HN__SPUT(i, 1);   \
        if (nv >= 3) HN__SPUT(i, 2);   \
    } while (0)

/* C[0:SR, 0:nv*VW] = alpha * A[0:SR, 0:kc] B[0:kc, 0:nv*VW] (+ beta C), where
   A's (i, p) is a[off[i] + p*csa] and B's (p, j) is b[p*ldb + j]. */
static HN__ALIGN_CODE void hn__gemm_small_kernel(int kc, int nv, const float *a,
                                                 const size_t *off, size_t csa,
                                                 const float *b, size_t ldb, float alpha,
                                                 float beta, float *c, size_t ldc)
{
    hn__vf av, b0 = HN__VZERO(), b1 = HN__VZERO(), b2 = HN__VZERO();
    size_t o0 = off[0], o1 = off[1], o2 = off[2], o3 = off[3];
#if HN__SR == 8
    size_t o4 = off[4], o5 = off[5], o6 = off[6], o7 = off[7];
    HN__SDECL(4); HN__SDECL(5); HN__SDECL(6); HN__SDECL(7);
#endif
    hn__vf al = HN__VSET1(alpha), bv = HN__VSET1(beta);
    int p;
    HN__SDECL(0); HN__SDECL(1); HN__SDECL(2); HN__SDECL(3);
    if (nv == 3) {
        HN__SLOOP(3)
    } else if (nv == 2) {
        HN__SLOOP(2)
    } else {
        HN__SLOOP(1)
    }
    if (alpha != 1.0f) {
        HN__SSCALE(0); HN__SSCALE(1); HN__SSCALE(2); HN__SSCALE(3);
#if HN__SR == 8
        HN__SSCALE(4); HN__SSCALE(5); HN__SSCALE(6); HN__SSCALE(7);
#endif
    }
    HN__SOUT(0); HN__SOUT(1); HN__SOUT(2); HN__SOUT(3);
#if HN__SR == 8
    HN__SOUT(4); HN__SOUT(5); HN__SOUT(6); HN__SOUT(7);
#endif
}

/* Also a short k (up to 16) with a wide B, on one thread: packing then
   copies all of B (and A) for a handful of multiply-adds per element. */
static int hn__gemm_small_fits(int tb, int m, int n, int k)
{
    if (tb || n % HN__VW != 0 || m > HN__GEMM_SMALL || k > HN__GEMM_SMALL) return 0;
    return n <= HN__GEMM_SMALL || (k <= 16 && (double)m * n * k < HN_GEMM_OMP_MIN);
}

/* The small path: tiles of SR rows; a partial one at the bottom reads A's
   last row again for its missing rows and keeps only the real rows. */
static void hn__gemm_small(int ta, int m, int n, int k, float alpha, const float *a,
                           size_t lda, const float *b, size_t ldb, float beta,
                           float *c, size_t ldc)
{
    float tile[HN__SR * 3 * HN__VW];
    size_t rsa = ta ? 1 : lda, csa = ta ? lda : 1, off[HN__SR];
    int i, j, r, q;
    for (i = 0; i < m; i += HN__SR) {
        int rows = HN__MIN(HN__SR, m - i);
        for (r = 0; r < HN__SR; r++) off[r] = (size_t)HN__MIN(r, rows - 1) * rsa;
        for (j = 0; j < n; j += 3 * HN__VW) {
            int nv = HN__MIN(3, (n - j) / HN__VW), w = nv * HN__VW;
            float *cij = c + (size_t)i * ldc + j;
            if (rows == HN__SR) {
                hn__gemm_small_kernel(k, nv, a + (size_t)i * rsa, off, csa, b + j, ldb,
                                      alpha, beta, cij, ldc);
                continue;
            }
            hn__gemm_small_kernel(k, nv, a + (size_t)i * rsa, off, csa, b + j, ldb, 1.0f,
                                  0.0f, tile, (size_t)w);
            for (r = 0; r < rows; r++) {
                float *ci = cij + (size_t)r * ldc;
                const float *ti = tile + (size_t)r * w;
                for (q = 0; q < w; q++)
                    ci[q] = alpha * ti[q] + (beta != 0.0f ? beta * ci[q] : 0.0f);
            }
        }
    }
}

/* op(A) op(B)^T-shaped products (A as stored, B transposed) with a narrow
   C and a long k: a linear layer with few outputs (n <= 16, k >= 512; on
   a small batch, m <= 64 and n <= 12, from k = 256), where packing pads n
   up to NR and costs as much as the product. Each element of C is the
   dot product of a row of A and a row of B, both contiguous: a tile of 4
   rows of A by DC rows of B keeps 4 DC vector sums along k, and adds each
   one's lanes at the end. Adding the lanes costs about as much as 16 steps
   along k, so shorter k loses to the packed kernel on Zen 3. DC is 3 where
   there are 16 vector registers; AVX-512's 32 hold a 4 x 5 tile, which
   loads 9 vectors for 20 multiply-adds instead of 7 for 12, and covers a
   10-class layer's outputs in two tiles with none repeated. */
#ifdef HN__AVX512
#define HN__DC 5
#else
#define HN__DC 3
#endif

#define HN__DSTEP(i)                                 \
    av = HN__VLOAD(a + ao[i] + p);                   \
    HN__VKEEP(av);                                   \
    d##i##0 = HN__VFMA(av, b0, d##i##0);             \
    d##i##1 = HN__VFMA(av, b1, d##i##1);             \
    d##i##2 = HN__VFMA(av, b2, d##i##2)
#define HN__DDECL(i) \
    hn__vf d##i##0 = HN__VZERO(), d##i##1 = HN__VZERO(), d##i##2 = HN__VZERO()
/* Column j of the tile's sums into out[4j .. 4j + 3]. */
#define HN__DSUM(j) hn__gemm_lanes4(d0##j, d1##j, d2##j, d3##j, out + 4 * (j))
#if HN__DC == 5
/* Columns 3 and 4 of the 4 x 5 tile. */
#define HN__DSTEP_HI(i)                              \
    d##i##3 = HN__VFMA(av, b3, d##i##3);             \
    d##i##4 = HN__VFMA(av, b4, d##i##4)
#define HN__DDECL_HI(i) hn__vf d##i##3 = HN__VZERO(), d##i##4 = HN__VZERO()
#endif

/* The whole 4 x DC tile, for the two dot kernels below: its sums
   declared (with av and b0..), one step at p (rows ao[i] of a against
   rows bo[j] of b, the names the kernels use), and its lane sums into
   out[4j + i]. */
#if HN__DC == 5
#define HN__DTILE_DECL()                                              \
    hn__vf av, b0, b1, b2, b3, b4;                                    \
    HN__DDECL(0); HN__DDECL(1); HN__DDECL(2); HN__DDECL(3);           \
    HN__DDECL_HI(0); HN__DDECL_HI(1); HN__DDECL_HI(2); HN__DDECL_HI(3)
#define HN__DTILE_STEP()                                              \
    do {                                                              \
        b0 = HN__VLOAD(b + bo[0] + p);                            \
        b1 = HN__VLOAD(b + bo[1] + p);                            \
        b2 = HN__VLOAD(b + bo[2] + p);                            \
        b3 = HN__VLOAD(b + bo[3] + p);                            \
        b4 = HN__VLOAD(b + bo[4] + p);                            \
        HN__VKEEP(b0); HN__VKEEP(b1); HN__VKEEP(b2);                  \
        HN__VKEEP(b3); HN__VKEEP(b4);                                 \
        HN__DSTEP(0); HN__DSTEP_HI(0); HN__DSTEP(1); HN__DSTEP_HI(1); \
        HN__DSTEP(2); HN__DSTEP_HI(2); HN__DSTEP(3); HN__DSTEP_HI(3); \
    } while (0)
#define HN__DTILE_SUMS() \
    HN__DSUM(0); HN__DSUM(1); HN__DSUM(2); HN__DSUM(3); HN__DSUM(4)
/* The sums into o[i ld + j] instead, row by row: each row's first four
   in one lane sum and one store, the fifth column's four in another. */
#define HN__DTILE_ROWS(o, ld)                                     \
    do {                                                          \
        float c4_[4];                                             \
        hn__gemm_lanes4(d00, d01, d02, d03, (o));                 \
        hn__gemm_lanes4(d10, d11, d12, d13, (o) + (ld));          \
        hn__gemm_lanes4(d20, d21, d22, d23, (o) + 2 * (ld));      \
        hn__gemm_lanes4(d30, d31, d32, d33, (o) + 3 * (ld));      \
        hn__gemm_lanes4(d04, d14, d24, d34, c4_);                 \
        for (i = 0; i < 4; i++) (o)[i * (ld) + 4] = c4_[i];       \
    } while (0)
#else
#define HN__DTILE_DECL()                                              \
    hn__vf av, b0, b1, b2;                                            \
    HN__DDECL(0); HN__DDECL(1); HN__DDECL(2); HN__DDECL(3)
#define HN__DTILE_STEP()                                              \
    do {                                                              \
        b0 = HN__VLOAD(b + bo[0] + p);                            \
        b1 = HN__VLOAD(b + bo[1] + p);                            \
        b2 = HN__VLOAD(b + bo[2] + p);                            \
        HN__VKEEP(b0); HN__VKEEP(b1); HN__VKEEP(b2);                  \
        HN__DSTEP(0); HN__DSTEP(1); HN__DSTEP(2); HN__DSTEP(3);       \
    } while (0)
#define HN__DTILE_SUMS() HN__DSUM(0); HN__DSUM(1); HN__DSUM(2)
#define HN__DTILE_ROWS(o, ld)                                     \
    do {                                                          \
        float out[4 * HN__DC];                                    \
        HN__DTILE_SUMS();                                         \
        for (i = 0; i < 4; i++)                                   \
            for (j = 0; j < HN__DC; j++)                          \
                (o)[i * (ld) + j] = out[4 * j + i];               \
    } while (0)
#endif

#if !defined(HN__AVX512) && !defined(HN__AVX2)
/* The sum of a vector's four lanes, for hn__gemm_lanes4 below where it
   has no AVX registers. */
static float hn__gemm_lanes(hn__vf v)
{
    float lanes[HN__VW], s = 0.0f;
    int q;
    HN__VSTORE(lanes, v);
    for (q = 0; q < HN__VW; q++) s += lanes[q];
    return s;
}
#endif

/* out[0..3] = the lane sums of v0..v3, four at a time, in registers (a
   loop over stored lanes cost as much as the dot product itself for k
   near 500 with 16 lanes): halves folded onto each other, then pairs of
   vectors added across (a quarter of the work of four separate sums). */
static void hn__gemm_lanes4(hn__vf v0, hn__vf v1, hn__vf v2, hn__vf v3, float *out)
{
#if defined(HN__AVX512) || defined(HN__AVX2)
    __m256 w0, w1, w2, w3;
    __m128 h;
#if defined(HN__AVX512)
#define HN__FOLD512(v) _mm256_add_ps(HN__LO256(v), HN__HI256(v))
    w0 = HN__FOLD512(v0); w1 = HN__FOLD512(v1); w2 = HN__FOLD512(v2); w3 = HN__FOLD512(v3);
#undef HN__FOLD512
#else
    w0 = v0; w1 = v1; w2 = v2; w3 = v3;
#endif
    /* hadd(w0, w1) holds pair sums of w0 and w1, lane-interleaved per
       128-bit half; a second hadd leaves each half with the four
       partial sums, in order. */
    w0 = _mm256_hadd_ps(_mm256_hadd_ps(w0, w1), _mm256_hadd_ps(w2, w3));
    h = _mm_add_ps(_mm256_castps256_ps128(w0), _mm256_extractf128_ps(w0, 1));
    _mm_storeu_ps(out, h);
#else
    out[0] = hn__gemm_lanes(v0); out[1] = hn__gemm_lanes(v1);
    out[2] = hn__gemm_lanes(v2); out[3] = hn__gemm_lanes(v3);
#endif
}

/* o[i ld + j] = sum over p < k of a[ao[i] + p] * b[bo[j] + p], i < 4,
   j < DC. o is C itself for a whole tile when alpha is 1 and beta 0 (the
   rule in a network's forward pass): on Zen 4, writing the rows straight
   into C instead of sums by columns into a buffer, copied with alpha and
   beta, took 64x10x784 NT from 0.86x to 0.92x OpenBLAS. */
static HN__ALIGN_CODE void hn__gemm_dot_tile(int k, const float *a, const size_t *ao,
                                             const float *b, const size_t *bo, float *o,
                                             size_t ld)
{
    int p, i, j, kv = k - k % HN__VW;
    HN__DTILE_DECL();
    for (p = 0; p < kv; p += HN__VW) HN__DTILE_STEP();
    HN__DTILE_ROWS(o, ld);
    if (kv == k) return;
    for (i = 0; i < 4; i++)
        for (j = 0; j < HN__DC; j++)
            for (p = kv; p < k; p++) o[i * ld + j] += a[ao[i] + p] * b[bo[j] + p];
}

/* The dot path also takes a matrix-vector product (m < 4, any n), which
   packing would turn into a transposed copy of all of B for one use.
   out[j] = sum over p < k of a[p] * b[bo[j] + p], j < 8: one row of A
   against eight of B, where a 4-row tile would repeat the row. The eight
   lane sums go four at a time (1x1000x784 0.95x -> 0.97x OpenBLAS on Zen
   4, against eight single sums). */
static HN__ALIGN_CODE void hn__gemm_dot_row(int k, const float *a, const float *b,
                                            const size_t *bo, float *out)
{
    hn__vf av, s0 = HN__VZERO(), s1 = HN__VZERO(), s2 = HN__VZERO(), s3 = HN__VZERO();
    hn__vf s4 = HN__VZERO(), s5 = HN__VZERO(), s6 = HN__VZERO(), s7 = HN__VZERO();
    int p, j, kv = k - k % HN__VW;
    for (p = 0; p < kv; p += HN__VW) {
        av = HN__VLOAD(a + p);
        HN__VKEEP(av);
        s0 = HN__VFMA(av, HN__VLOAD(b + bo[0] + p), s0);
        s1 = HN__VFMA(av, HN__VLOAD(b + bo[1] + p), s1);
        s2 = HN__VFMA(av, HN__VLOAD(b + bo[2] + p), s2);
        s3 = HN__VFMA(av, HN__VLOAD(b + bo[3] + p), s3);
        s4 = HN__VFMA(av, HN__VLOAD(b + bo[4] + p), s4);
        s5 = HN__VFMA(av, HN__VLOAD(b + bo[5] + p), s5);
        s6 = HN__VFMA(av, HN__VLOAD(b + bo[6] + p), s6);
        s7 = HN__VFMA(av, HN__VLOAD(b + bo[7] + p), s7);
    }
    hn__gemm_lanes4(s0, s1, s2, s3, out);
    hn__gemm_lanes4(s4, s5, s6, s7, out + 4);
    for (j = 0; j < 8; j++)
        for (p = kv; p < k; p++) out[j] += a[p] * b[bo[j] + p];
}

static int hn__gemm_dot_fits(int ta, int tb, int m, int n, int k)
{
    if (ta || !tb) return 0;
    if (m < 4) return k >= 64;
    return n <= 16 && (k >= 512 || (m <= 64 && n <= 12 && k >= 256));
}

/* The dot path's tiles: 4 x DC elements (1 x 8 for a matrix-vector
   product, m < 4), numbered along the rows of C, this many to a row. */
static int hn__gemm_dot_across(int m, int n)
{
    return m < 4 ? (n + 7) / 8 : (n + HN__DC - 1) / HN__DC;
}

/* Tiles t0 to t1 - 1 of the dot path; partial ones at the edges read the
   last row of A or B again for their missing rows. */
static void hn__gemm_dot_tiles(long long t0, long long t1, int m, int n, int k,
                               float alpha, const float *a, size_t lda, const float *b,
                               size_t ldb, float beta, float *c, size_t ldc)
{
    int vec = m < 4, across = hn__gemm_dot_across(m, n);
    long long t;
    for (t = t0; t < t1; t++) {
        float out[4 * HN__DC];
        size_t ao[4], bo[8];
        int i, j, r, q, rows, cols;
        if (vec) {
            i = (int)(t / across);
            j = (int)(t % across) * 8;
            cols = HN__MIN(8, n - j);
            for (q = 0; q < 8; q++) bo[q] = (size_t)(j + HN__MIN(q, cols - 1)) * ldb;
            hn__gemm_dot_row(k, a + (size_t)i * lda, b, bo, out);
            for (q = 0; q < cols; q++) {
                float *cq = c + (size_t)i * ldc + j + q;
                *cq = alpha * out[q] + (beta != 0.0f ? beta * *cq : 0.0f);
            }
            continue;
        }
        i = (int)(t / across) * 4;
        j = (int)(t % across) * HN__DC;
        rows = HN__MIN(4, m - i);
        cols = HN__MIN(HN__DC, n - j);
        for (r = 0; r < 4; r++) ao[r] = (size_t)(i + HN__MIN(r, rows - 1)) * lda;
        for (q = 0; q < HN__DC; q++) bo[q] = (size_t)(j + HN__MIN(q, cols - 1)) * ldb;
        if (rows == 4 && cols == HN__DC && alpha == 1.0f && beta == 0.0f) {
            hn__gemm_dot_tile(k, a, ao, b, bo, c + (size_t)i * ldc + j, ldc);
            continue;
        }
        hn__gemm_dot_tile(k, a, ao, b, bo, out, HN__DC);
        for (r = 0; r < rows; r++) {
            float *ci = c + (size_t)(i + r) * ldc + j;
            for (q = 0; q < cols; q++)
                ci[q] = alpha * out[HN__DC * r + q] + (beta != 0.0f ? beta * ci[q] : 0.0f);
        }
    }
}

/* All the tiles, in nt runs of consecutive ones when the product is big
   enough for threads. One thread calls no OpenMP region at all: entering
   one, even with if (0), cost 64x10x784 NT 4% on Zen 4. */
static void hn__gemm_dot(int m, int n, int k, float alpha, const float *a, size_t lda,
                         const float *b, size_t ldb, float beta, float *c, size_t ldc)
{
    int groups = m < 4 ? m : (m + 3) / 4;
    long long tiles = (long long)groups * hn__gemm_dot_across(m, n);
#ifdef _OPENMP
    int nt = 1, s;
    if ((double)m * n * k >= HN_GEMM_OMP_MIN && !omp_in_parallel())
        nt = (int)HN__MAX(1, HN__MIN((long long)omp_get_max_threads(), tiles));
    if (nt > 1) {
#pragma omp parallel for num_threads(nt) schedule(static)
        for (s = 0; s < nt; s++)
            hn__gemm_dot_tiles(tiles * s / nt, tiles * (s + 1) / nt, m, n, k, alpha, a,
                               lda, b, ldb, beta, c, ldc);
        return;
    }
#endif
    hn__gemm_dot_tiles(0, tiles, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* Runs the product by one of the paths above when it fits one: returns 1
   when it did. */
static int hn__gemm_direct(int ta, int tb, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb,
                           float beta, float *c, int ldc)
{
    if (hn__gemm_small_fits(tb, m, n, k)) {
        hn__gemm_small(ta, m, n, k, alpha, a, (size_t)lda, b, (size_t)ldb, beta, c,
                       (size_t)ldc);
        return 1;
    }
    if (hn__gemm_dot_fits(ta, tb, m, n, k)) {
        hn__gemm_dot(m, n, k, alpha, a, (size_t)lda, b, (size_t)ldb, beta, c,
                     (size_t)ldc);
        return 1;
    }
    return 0;
}
#else
static int hn__gemm_direct(int ta, int tb, int m, int n, int k, float alpha,
                           const float *a, int lda, const float *b, int ldb,
                           float beta, float *c, int ldc)
{
    (void)ta; (void)tb; (void)m; (void)n; (void)k; (void)alpha; (void)a; (void)lda;
    (void)b; (void)ldb; (void)beta; (void)c; (void)ldc;
    return 0;
}
#endif

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
    hn__gemm_check_args(trans_a, trans_b, m, n, k, lda, ldb, ldc);
    if (hn__gemm_trivial(m, n, k, alpha, beta, c, ldc)) return;
    if (hn__gemm_direct(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return;
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
    if (hn__gemm_direct(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc))
        return HN_OK;
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

/* Loops over fewer elements than this stay on one thread: a parallel
   region costs microseconds, and on a machine with more runnable threads
   than cores, OpenMP threads spinning at its end take cores from others. */
#ifndef HN__LAYER_OMP_MIN
#define HN__LAYER_OMP_MIN 65536
#endif

HNDEF void hn_linear_forward(int n, int in, int out, const float *x, const float *w,
                             const float *b, float *y)
{
    int i, o;
    HN_ASSERT(n >= 0 && in > 0 && out > 0);
    hn_sgemm(0, 1, n, out, in, 1.0f, x, in, w, in, 0.0f, y, out);
    if (!b) return;
    for (i = 0; i < n; i++) {
        float *yi = y + (size_t)i * out;
        for (o = 0; o < out; o++) yi[o] += b[o];
    }
}

HNDEF void hn_linear_backward(int n, int in, int out, const float *x, const float *w,
                              const float *dy, float *dx, float *dw, float *db)
{
    int i, o;
    HN_ASSERT(n >= 0 && in > 0 && out > 0);
    if (n == 0) return;
    if (dx) hn_sgemm(0, 0, n, in, out, 1.0f, dy, out, w, in, 1.0f, dx, in);
    /* The sum over the batch runs inside the GEMM's k loop, whose order
       does not depend on the thread count. */
    if (dw) hn_sgemm(1, 0, out, in, n, 1.0f, dy, out, x, in, 1.0f, dw, in);
    if (db)
        for (i = 0; i < n; i++) {
            const float *dyi = dy + (size_t)i * out;
            for (o = 0; o < out; o++) db[o] += dyi[o];
        }
}

HNDEF void hn_relu_forward(size_t n, const float *x, float *y)
{
    long long i, m = (long long)n;
#ifdef _OPENMP
    #pragma omp parallel for simd schedule(static) if (m > HN__LAYER_OMP_MIN)
#endif
    for (i = 0; i < m; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

HNDEF void hn_relu_backward(size_t n, const float *y, const float *dy, float *dx)
{
    long long i, m = (long long)n;
    /* A select rather than a branch: it vectorizes, and signs are as
       unpredictable as coin flips. */
#ifdef _OPENMP
    #pragma omp parallel for simd schedule(static) if (m > HN__LAYER_OMP_MIN)
#endif
    for (i = 0; i < m; i++) dx[i] += y[i] > 0.0f ? dy[i] : 0.0f;
}

HNDEF float hn_softmax_xent_forward(int n, int c, const float *logits, const int *labels,
                                    float *probs, int *ncorrect)
{
    double loss = 0.0;
    int i, j, hits = 0;
    HN_ASSERT(n >= 0 && c > 0);
    for (i = 0; i < n; i++) {
        const float *z = logits + (size_t)i * c;
        float *p = probs + (size_t)i * c;
        float zmax = z[0];
        double sum = 0.0;
        int best = 0, label = labels[i];
        HN_ASSERT(label >= 0 && label < c);

        /* Subtracting the maximum keeps exp from overflowing; the loss is
           taken as logsumexp - z[label] rather than -log p[label], which
           stays finite even when p[label] underflows to 0. */
        for (j = 1; j < c; j++)
            if (z[j] > zmax) {
                zmax = z[j];
                best = j;
            }
        for (j = 0; j < c; j++) {
            p[j] = HN_EXPF(z[j] - zmax);
            sum += p[j];
        }
        for (j = 0; j < c; j++) p[j] = (float)(p[j] / sum);
        loss += HN_LOGF((float)sum) + (double)zmax - (double)z[label];
        hits += best == label;
    }
    if (ncorrect) *ncorrect = hits;
    return n > 0 ? (float)(loss / n) : 0.0f;
}

HNDEF void hn_softmax_xent_backward(int n, int c, const float *probs, const int *labels,
                                    float scale, float *dlogits)
{
    float s;
    int i, j;
    HN_ASSERT(n >= 0 && c > 0);
    if (n == 0) return;
    s = scale / (float)n;
    for (i = 0; i < n; i++) {
        const float *p = probs + (size_t)i * c;
        float *d = dlogits + (size_t)i * c;
        for (j = 0; j < c; j++) d[j] += s * p[j];
        d[labels[i]] -= s;
    }
}

/* ---- convolution ---- */


#ifndef HN_CONV2D_SLOTS
#define HN_CONV2D_SLOTS 4
#endif
#ifndef HN_CONV2D_FFT
#define HN_CONV2D_FFT 1
#endif

/* Both channel counts at least this for the Winograd path (below). */
#ifndef HN_WINOGRAD_MIN_CHANNELS
#define HN_WINOGRAD_MIN_CHANNELS 16
#endif

/* Whether the convolution runs the wide-row path (described below). */
static int hn__conv2d_wide(const hn_conv2d *cv)
{
    return cv->stride == 1 && cv->pad < cv->kh && cv->pad < cv->kw;
}

static int hn__wino_fits(const hn_conv2d *cv);

HNDEF hn_status hn_conv2d_init(hn_conv2d *cv, int c_in, int h_in, int w_in, int c_out,
                               int kh, int kw, int stride, int pad)
{
    size_t k, hw, cols, wsize;
    memset(cv, 0, sizeof *cv);
    if (c_in <= 0 || h_in <= 0 || w_in <= 0 || c_out <= 0 || kh <= 0 || kw <= 0 ||
        stride <= 0 || pad < 0)
        return hn__fail(HN_ERR_ARG, "conv2d: sizes %d %d %d %d %d %d %d %d out of range",
                        c_in, h_in, w_in, c_out, kh, kw, stride, pad);
    if (pad > INT_MAX / 4 || h_in > INT_MAX / 2 || w_in > INT_MAX / 2 ||
        h_in + 2 * pad < kh || w_in + 2 * pad < kw)
        return hn__fail(HN_ERR_SHAPE, "conv2d: kernel %dx%d larger than the padded "
                        "input %dx%d + 2*%d", kh, kw, h_in, w_in, pad);
    cv->c_in = c_in; cv->h_in = h_in; cv->w_in = w_in;
    cv->c_out = c_out; cv->kh = kh; cv->kw = kw;
    cv->stride = stride; cv->pad = pad;
    cv->h_out = (h_in + 2 * pad - kh) / stride + 1;
    cv->w_out = (w_in + 2 * pad - kw) / stride + 1;
    cv->slots = HN_CONV2D_SLOTS;
    cv->winograd = c_in >= HN_WINOGRAD_MIN_CHANNELS && c_out >= HN_WINOGRAD_MIN_CHANNELS &&
                   hn__wino_fits(cv);
    cv->fft = HN_CONV2D_FFT;

    /* The GEMM takes int sizes and strides: every matrix dimension and
       every per-image plane must fit, and the workspace must fit size_t. */
    if (!hn__mul_size((size_t)c_in * kh, (size_t)kw, &k) || k > INT_MAX ||
        !hn__mul_size((size_t)cv->h_out, (size_t)cv->w_out, &hw) || hw > INT_MAX ||
        !hn__mul_size(k, hw, &cols) || !hn__mul_size(k, (size_t)c_out, &wsize) ||
        wsize > INT_MAX || (size_t)h_in * w_in > (size_t)(INT_MAX / c_in) ||
        hw > (size_t)(INT_MAX / c_out) || cols > (size_t)-1 / 64 / sizeof(float))
        return hn__fail(HN_ERR_LIMIT, "conv2d: sizes overflow (c_in %d, %dx%d, "
                        "kernel %dx%d, c_out %d)", c_in, h_in, w_in, kh, kw, c_out);
    /* The wide-row path's buffers, generously: padded images of either
       pass, dy packed over wide rows, packed weights and partial sums. */
    if (hn__conv2d_wide(cv)) {
        double hp = (double)h_in + kh, wp = (double)w_in + kw, ch = (double)c_in + c_out;
        double need = ch * hp * wp + ((double)c_out + 64) * (hp * wp + (double)k + 64) +
                      ((double)c_in + 64) * (double)c_out * kh * kw;
        if (need > (double)((size_t)-1 / 64 / sizeof(float)))
            return hn__fail(HN_ERR_LIMIT, "conv2d: workspace for c_in %d, %dx%d, "
                            "c_out %d too large", c_in, h_in, w_in, c_out);
    }
    return HN_OK;
}

/* A 1x1 stride-1 unpadded convolution is a plain matrix product with the
   image, which needs no unfolding. */
static int hn__conv2d_pointwise(const hn_conv2d *cv)
{
    return cv->kh == 1 && cv->kw == 1 && cv->stride == 1 && cv->pad == 0;
}

/* Floats of one slot: the unfolding buffer, then the partial dw and db. */
static size_t hn__conv2d_slot_size(const hn_conv2d *cv)
{
    size_t k = (size_t)cv->c_in * cv->kh * cv->kw, hw = (size_t)cv->h_out * cv->w_out;
    size_t col = hn__conv2d_pointwise(cv) ? 0 : k * hw;
    /* Round up to 16 floats so each slot starts on its own cache line. */
    return (col + k * cv->c_out + cv->c_out + 15) / 16 * 16;
}


/* Output columns s whose input column s*stride - pad + v lies inside
   [0, w_in): the half-open range [*lo, *hi). */
static void hn__conv2d_valid(int w_in, int w_out, int stride, int pad, int v, int *lo,
                             int *hi)
{
    int off = v - pad;   /* input column of output column 0 */
    *lo = off >= 0 ? 0 : (-off + stride - 1) / stride;
    *hi = w_in - 1 - off < 0 ? 0 : (w_in - 1 - off) / stride + 1;
    if (*hi > w_out) *hi = w_out;
    if (*lo > *hi) *lo = *hi;
}

/* p[0..n) = 0 for the short runs of the padding: with AVX-512 by masked
   stores. GCC turns a plain loop into a call to memset; for the two or
   more runs of every padded plane, those calls had cost WRN-40-2 training
   6% of its speed (249 -> 264 images/s without them). */
static HN__INLINE void hn__zero_run(float *p, size_t n)
{
#ifdef HN__AVX512
    /* (Every store masked: a loop of whole ones is turned into memset.) */
    for (; n > 0; n -= HN__MIN(n, 16), p += 16) {
        __mmask16 m = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1u);
        _mm512_mask_storeu_ps(p, m, _mm512_setzero_ps());
    }
#else
    size_t j;
    for (j = 0; j < n; j++) p[j] = 0.0f;
#endif
}

/* dst[0..n) = src[0..n), for short rows: a vector loop, not a call to
   memcpy for each. (Masked AVX-512 loads and stores, as in hn__zero_run,
   made a WRN-40-2 training step 4% slower.) */
static HN__INLINE void hn__copy_run(float *dst, const float *src, size_t n)
{
    size_t j;
    HN__SIMD
    for (j = 0; j < n; j++) dst[j] = src[j];
}

/* y[0..n) = max(x sc + sh, 0): a row through batch norm and ReLU. */
static HN__INLINE void hn__bnrelu_row(const float *x, size_t n, float sc, float sh, float *y)
{
    size_t j;
    HN__SIMD
    for (j = 0; j < n; j++) {
        float v = x[j] * sc + sh;
        y[j] = v > 0.0f ? v : 0.0f;
    }
}

/* One plane of hi x wi from x into a plane of `plane` floats, rows of wp,
   its top left at row top, column left, zeros around; with bn set, x goes
   through y = max(x sc + sh, 0) first. The zeros lie in runs: the top rows
   with the first row's left border, between rows the right border of one
   with the left of the next, then the bottom rows. */
static void hn__pad_plane(const float *x, int hi, int wi, size_t wp, size_t top,
                          size_t left, size_t plane, int bn, float sc, float sh, float *xp)
{
    size_t head = top * wp + left, w = (size_t)wi;
    size_t tail = plane - head - (size_t)(hi - 1) * wp - w;
    float *row = xp + head;
    int r;
    hn__zero_run(xp, head);
    for (r = 0; r < hi; r++, row += wp, x += wi) {
        if (bn) hn__bnrelu_row(x, w, sc, sh, row);
        else hn__copy_run(row, x, w);
        hn__zero_run(row + w, r + 1 < hi ? wp - w : tail);
    }
}

/* Unfold one image img (c_in, h_in, w_in) into col (c_in*kh*kw,
   h_out*w_out); or, when dimg is not NULL, fold col back, adding into dimg
   (the adjoint, for the input gradient; img is then unused). Row
   (c*kh + u)*kw + v of col holds the input pixels that kernel tap (c, u, v)
   meets, zeros where it falls in the padding. */
static void hn__im2col(const hn_conv2d *cv, const float *img, float *col, float *dimg)
{
    int c, u, v, r, s, lo, hi, st = cv->stride;
    for (c = 0; c < cv->c_in; c++)
        for (u = 0; u < cv->kh; u++)
            for (v = 0; v < cv->kw; v++) {
                float *row = col + ((size_t)(c * cv->kh + u) * cv->kw + v) *
                                   cv->h_out * cv->w_out;
                hn__conv2d_valid(cv->w_in, cv->w_out, st, cv->pad, v, &lo, &hi);
                for (r = 0; r < cv->h_out; r++) {
                    float *dst = row + (size_t)r * cv->w_out;
                    int ih = r * st - cv->pad + u;
                    /* Offset of the input pixel of output column 0: the
                       pixel of column s is at at + s * st. */
                    ptrdiff_t at = ((ptrdiff_t)c * cv->h_in + ih) * cv->w_in + v - cv->pad;
                    if (ih < 0 || ih >= cv->h_in) {
                        if (!dimg) hn__zero_run(dst, (size_t)cv->w_out);
                        continue;
                    }
                    /* Stride 1 (the common case) gets contiguous loops
                       that the compiler vectorizes. */
                    if (dimg && st == 1) {
                        float *d = dimg + (at + lo);
                        for (s = 0; s < hi - lo; s++) d[s] += dst[lo + s];
                    } else if (dimg) {
                        for (s = lo; s < hi; s++) dimg[at + s * st] += dst[s];
                    } else {
                        hn__zero_run(dst, (size_t)lo);
                        if (st == 1)
                            hn__copy_run(dst + lo, img + (at + lo), (size_t)(hi - lo));
                        else
                            for (s = lo; s < hi; s++) dst[s] = img[at + s * st];
                        hn__zero_run(dst + hi, (size_t)(cv->w_out - hi));
                    }
                }
            }
}

/* db[o] += the sum of plane o of one image's dy (co planes of hw). */
static void hn__conv_db_add(const float *dy, int co, size_t hw, float *db)
{
    int o;
    size_t q;
    for (o = 0; o < co; o++) {
        const float *d = dy + (size_t)o * hw;
        float sum = 0.0f;
        HN__SIMD_SUM1(sum)
        for (q = 0; q < hw; q++) sum += d[q];
        db[o] += sum;
    }
}

/* First image of slot s when n images are spread over `slots`. */
static int hn__slot_begin(int s, int n, int slots)
{
    return (int)((long long)s * n / slots);
}

/* The slots fix which images are summed together (the same bits whatever
   the number of threads). Their scratch buffers (padded images, panels)
   may be the thread's instead: thread t runs its slots one after another
   in the scratch of slot t, still in its cache from the slot before (the
   Winograd weight gradient of 128 channels ran 12% faster so). The team
   is capped at the slot count (hn__slot_team), so t < slots. */
static int hn__slot_team(int slots)
{
#ifdef _OPENMP
    return HN__MAX(1, HN__MIN(slots, omp_get_max_threads()));
#else
    (void)slots;
    return 1;
#endif
}

static int hn__slot_thread(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* ---- stride-1 convolution: wide rows straight into the GEMM kernel ----

   A stride-1 convolution does not need im2col. Each image is first copied
   into a zero-padded plane per channel, hp = h_in + 2 pad_h rows of
   wp = w_in + 2 pad_w. Output pixel (r, s) is computed as the "wide"
   column j = r wp + s, and kernel tap (c, u, v) then meets padded pixel
   c hp wp + u wp + v + j: for NR consecutive columns, NR consecutive
   floats. Packing a KC x NR panel of the unfolded matrix for the GEMM's
   micro-kernel is thus KC short copies from the image, with no unfolded
   matrix in memory and no bounds tests. The price is the wp - w_out
   columns per row that are computed and thrown away (6% for 3x3 on 32x32,
   43% for 7x7 on 14x14), far less than what im2col cost. Where NR is a
   whole number of 8-float runs, a row is cut shorter, to w_out rounded up
   to 8 columns (16 for 7x7 on 14x14: 14% thrown away), and a panel row is
   copied run by run; when w_out is itself a multiple of 8 nothing is
   thrown away and the kernel writes straight into the output.

   The input gradient of a stride-1 convolution is itself such a
   convolution: of dy, padded by kh-1-pad, with the kernel flipped and its
   channel axes swapped. The weight gradient runs the micro-kernel on the
   same panels with the roles turned: A is dy (rows c_out, depth the wide
   columns), B the padded image, one column per tap. */

#ifndef HN__CONV_KC
#define HN__CONV_KC 256
#endif

/* When NR is a multiple of this, an output row takes w_out rounded up to
   a multiple of it columns (if no more than wp) and a panel row is NR/SEG
   runs of SEG floats, each within one image row; when w_out is a multiple
   of it, there are no junk columns (the 8x8, 16x16 and 32x32 maps of
   WRNs). */
#define HN__CONV_SEG 8

typedef struct hn__convw {
    int ci, co, kh, kw;      /* the convolution as the kernel sees it */
    int hi, wi, ph, pw;      /* input and padding */
    int hp, wp, ho, wo;      /* padded input, output */
    size_t plane, jw;        /* hp*wp, wide columns ho*wp */
    int cw;                  /* columns per output row: wp, or wo when exact */
    size_t ncol;             /* columns computed: ho*cw */
    size_t xp_size;          /* floats of a padded image, tail included */
} hn__convw;

static void hn__convw_init(hn__convw *g, int ci, int hi, int wi, int co, int kh,
                           int kw, int ph, int pw)
{
    int cw;
    g->ci = ci; g->co = co; g->kh = kh; g->kw = kw;
    g->hi = hi; g->wi = wi; g->ph = ph; g->pw = pw;
    g->hp = hi + 2 * ph; g->wp = wi + 2 * pw;
    g->ho = g->hp - kh + 1; g->wo = g->wp - kw + 1;
    g->plane = (size_t)g->hp * g->wp;
    g->jw = (size_t)g->ho * g->wp;
    /* Rows of w_out rounded up to whole runs, when that is narrower than
       the padded row: 16 columns for 14 pixels instead of 20 (7x7). */
    cw = (g->wo + HN__CONV_SEG - 1) / HN__CONV_SEG * HN__CONV_SEG;
    g->cw = hn__gemm_native.nr % HN__CONV_SEG == 0 && cw <= g->wp ? cw : g->wp;
    g->ncol = (size_t)g->ho * g->cw;
    /* The last panel reads up to kw + NR floats past the last plane. */
    g->xp_size = (size_t)ci * g->plane + (size_t)kw + (size_t)hn__gemm_native.nr;
}

/* Geometry of the forward pass (dx = 0) or of the input gradient (dx = 1). */
static void hn__convw_of(const hn_conv2d *cv, int dx, hn__convw *g)
{
    if (dx)
        hn__convw_init(g, cv->c_out, cv->h_out, cv->w_out, cv->c_in, cv->kh, cv->kw,
                       cv->kh - 1 - cv->pad, cv->kw - 1 - cv->pad);
    else
        hn__convw_init(g, cv->c_in, cv->h_in, cv->w_in, cv->c_out, cv->kh, cv->kw,
                       cv->pad, cv->pad);
}

static size_t hn__round16(size_t n) { return (n + 15) / 16 * 16; }

/* Rows of A panels for m rows: m rounded up to the kernel's MR. */
static size_t hn__convw_rows(int m)
{
    size_t mr = (size_t)hn__gemm_native.mr;
    return ((size_t)m + mr - 1) / mr * mr;
}

/* Copy image x (ci, hi, wi) into xp with its zero border and tail. */
static void hn__convw_pad(const hn__convw *g, const float *x, float *xp)
{
    size_t c;
    for (c = 0; c < (size_t)g->ci; c++)
        hn__pad_plane(x + c * g->hi * g->wi, g->hi, g->wi, (size_t)g->wp, (size_t)g->ph,
                      (size_t)g->pw, g->plane, 0, 1.0f, 0.0f, xp + c * g->plane);
    xp += (size_t)g->ci * g->plane;
    memset(xp, 0, (g->xp_size - (size_t)g->ci * g->plane) * sizeof(float));
}

/* The weights as the kernel's A panels for the forward pass (flip = 0:
   rows are output channels, depth (c, u, v)) or for the input gradient
   (flip = 1: rows are input channels, depth (o, u', v') holding
   w[o, c, kh-1-u', kw-1-v']). Panel q holds rows q MR ..., row i of depth
   p at [q][p][i]; rows past the last are zero. */
static void hn__convw_pack_w(const hn_conv2d *cv, int flip, const float *w, float *pa)
{
    int mr = hn__gemm_native.mr, khw = cv->kh * cv->kw;
    int m = flip ? cv->c_in : cv->c_out, k = (flip ? cv->c_out : cv->c_in) * khw;
    int rows = (int)hn__convw_rows(m), row, p;
    for (row = 0; row < rows; row++)
        for (p = 0; p < k; p++) {
            float v = 0.0f;
            if (row < m && !flip) {
                v = w[(size_t)row * k + p];
            } else if (row < m) {
                int o = p / khw, u = p % khw / cv->kw, t = p % cv->kw;
                v = w[(((size_t)o * cv->c_in + row) * cv->kh + cv->kh - 1 - u) * cv->kw +
                      cv->kw - 1 - t];
            }
            pa[((size_t)(row / mr) * k + p) * mr + row % mr] = v;
        }
}

/* Offset in the padded image of tap p = (c u + u) kw + v. */
static size_t hn__convw_tap(const hn__convw *g, int p)
{
    int khw = g->kh * g->kw;
    return (size_t)(p / khw) * g->plane + (size_t)(p % khw / g->kw) * g->wp + p % g->kw;
}

/* Offset in a padded plane of the pixel of column c. */
static size_t hn__convw_col(const hn__convw *g, size_t c)
{
    return g->cw == g->wp ? c : c / g->cw * g->wp + c % g->cw;
}

/* Tile rows (co of them, nr columns, columns j0.. of the unfolded matrix)
   into the output planes y (co, ho, wo): y = tile + b, or y += tile when
   add. The tile's columns fall into runs that are contiguous in a row of
   y; junk columns (s >= wo) are skipped. */
static void hn__convw_scatter(const hn__convw *g, const float *tile, int nr, size_t j0,
                              const float *b, int add, float *y)
{
    size_t hw = (size_t)g->ho * g->wo, r = j0 / (size_t)g->cw, s = j0 % (size_t)g->cw;
    int j = 0, i, t;
    while (j < nr && j0 + (size_t)j < g->ncol) {
        int run = (int)HN__MIN((size_t)(nr - j), (size_t)g->cw - s);
        run = (int)HN__MIN((size_t)run, g->ncol - j0 - (size_t)j);
        if (s < (size_t)g->wo) {
            int len = (int)HN__MIN((size_t)run, (size_t)g->wo - s);
            for (i = 0; i < g->co; i++) {
                const float *src = tile + (size_t)i * nr + j;
                float *dst = y + (size_t)i * hw + r * g->wo + s, bias = b ? b[i] : 0.0f;
                if (add) {
                    HN__SIMD
                    for (t = 0; t < len; t++) dst[t] += src[t];
                } else {
                    HN__SIMD
                    for (t = 0; t < len; t++) dst[t] = src[t] + bias;
                }
            }
        }
        j += run;
        s += (size_t)run;
        if (s == (size_t)g->cw) {
            s = 0;
            r++;
        }
    }
}

#ifdef HN__GEMM_IND
/* hn__convw_product without packing: each vector of a tile's columns lies
   within one row of the padded image (wide rows, or rows a whole number
   of vectors long), so the indirect kernel reads it there. Depth blocks
   are whole numbers of kh x kw taps, so that one table of tap offsets
   serves every block, moved on by whole planes. */
static void hn__convw_product_ind(const hn__convw *g, const float *pa, const float *xp,
                                  const float *b, int add, int direct_ok, float *y,
                                  float *tile)
{
    enum { NR = HN__GEMM_NATIVE_NR };
    size_t off[HN__CONV_KC], col[3], hw = (size_t)g->ho * g->wo, j0;
    int mr = hn__gemm_native.mr, khw = g->kh * g->kw;
    int k = g->ci * khw, np = (g->co + mr - 1) / mr, kb = HN__CONV_KC / khw * khw, p, e;
    for (p = 0; p < kb; p++) off[p] = hn__convw_tap(g, p);
    for (j0 = 0; j0 < g->ncol; j0 += (size_t)NR) {
        int pc, q, direct = direct_ok && j0 + NR <= g->ncol;
        for (e = 0; e < 3; e++) {
            size_t c = j0 + (size_t)e * HN__VW;
            col[e] = c < g->ncol ? hn__convw_col(g, c) : 0;
        }
        for (pc = 0; pc < k; pc += kb) {
            int kc = HN__MIN(kb, k - pc);
            const float *x = xp + (size_t)(pc / khw) * g->plane;
            for (q = 0; q < np; q++) {
                const float *aq = pa + ((size_t)q * k + pc) * mr;
                if (direct)
                    hn__gemm_kernel_ind(kc, aq, x, off, col, y + (size_t)q * mr * hw + j0,
                                        hw, pc || add || b ? 1.0f : 0.0f);
                else
                    hn__gemm_kernel_ind(kc, aq, x, off, col, tile + (size_t)q * mr * NR,
                                        (size_t)NR, pc ? 1.0f : 0.0f);
            }
        }
        if (!direct) hn__convw_scatter(g, tile, NR, j0, b, add, y);
    }
}
#endif

/* One image: y (co, ho, wo) = A unfold(xp) + b, or y += ... when add.
   pb holds KC x NR floats, tile rows(co) x NR. Where the columns are the
   output pixels themselves (exact rows, whole panels of rows), the kernel
   writes into y directly, onto the bias; otherwise through the tile. */
static void hn__convw_product(const hn__convw *g, const float *pa, const float *xp,
                              const float *b, int add, float *y, float *pb, float *tile)
{
    hn__gemm_kernel_fn fn = hn__gemm_native.fn;
    enum { NR = HN__GEMM_NATIVE_NR };
    int mr = hn__gemm_native.mr;
    int k = g->ci * g->kh * g->kw, np = (g->co + mr - 1) / mr;
    int wide = g->cw == g->wp, ns = wide ? 1 : NR / HN__CONV_SEG, e;
    int direct_ok = g->cw == g->wo && g->co % mr == 0;
    size_t hw = (size_t)g->ho * g->wo, j0, off[NR / HN__CONV_SEG + 1];
    HN_ASSERT(NR == hn__gemm_native.nr && ns >= 1);
    off[0] = 0;   /* (ns >= 1 always; said for the compiler's flow analysis) */
    /* A bias goes into y first, for the kernel to add onto. */
    if (direct_ok && b && !add)
        for (e = 0; e < g->co; e++) {
            float *ye = y + (size_t)e * hw, be = b[e];
            size_t t;
            for (t = 0; t < hw; t++) ye[t] = be;
        }
#ifdef HN__GEMM_IND
    if ((wide || g->cw % HN__VW == 0) && g->kh * g->kw <= HN__CONV_KC) {
        hn__convw_product_ind(g, pa, xp, b, add, direct_ok, y, tile);
        return;
    }
#endif
    for (j0 = 0; j0 < g->ncol; j0 += (size_t)NR) {
        int pc, q, direct = direct_ok && j0 + NR <= g->ncol;
        /* Where each run of the panel row starts; past the end, anywhere. */
        for (e = 0; e < ns; e++) {
            size_t c = j0 + (size_t)e * HN__CONV_SEG;
            off[e] = c < g->ncol ? hn__convw_col(g, c) : 0;
        }
        for (pc = 0; pc < k; pc += HN__CONV_KC) {
            int kc = HN__MIN(HN__CONV_KC, k - pc), p, v = pc % g->kw;
            const float *src = xp + hn__convw_tap(g, pc);
            float *dst = pb;
            for (p = 0; p < kc; p++, dst += NR) {
                /* Fixed sizes, so that the copies compile to vector moves. */
                if (wide)
                    memcpy(dst, src + off[0], NR * sizeof(float));
                else
                    for (e = 0; e < ns; e++)
                        memcpy(dst + e * HN__CONV_SEG, src + off[e],
                               HN__CONV_SEG * sizeof(float));
                /* The next tap: one column right, else the next kernel row
                   (which also steps from the last row into the next plane). */
                if (++v < g->kw) {
                    src++;
                } else {
                    v = 0;
                    src += g->wp - g->kw + 1;
                    if ((pc + p + 1) % (g->kh * g->kw) == 0)
                        src += g->plane - (size_t)g->kh * g->wp;
                }
            }
            for (q = 0; q < np; q++) {
                const float *aq = pa + ((size_t)q * k + pc) * mr;
                if (direct)
                    fn(kc, aq, pb, y + (size_t)q * mr * hw + j0, hw,
                       pc || add || b ? 1.0f : 0.0f);
                else
                    fn(kc, aq, pb, tile + (size_t)q * mr * NR, (size_t)NR,
                       pc ? 1.0f : 0.0f);
            }
        }
        if (!direct) hn__convw_scatter(g, tile, NR, j0, b, add, y);
    }
}

#if defined(HN__AVX2) || defined(HN__AVX512)
/* d[i * ld + j] = s[j][off + i] for i, j < 8 (the packing of the weight
   gradient's B). */
static void hn__transpose8(const float *const *s, size_t off, float *d, size_t ld)
{
    __m256 r[8];
    int i;
    HN__UNROLL
    for (i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(s[i] + off);
    hn__tr8(r);
    HN__UNROLL
    for (i = 0; i < 8; i++) _mm256_storeu_ps(d + (size_t)i * ld, r[i]);
}
#endif

/* One image: acc (rows(co), ldk) += dy (co, wide columns) unfold(xp)^T,
   the weight gradient transposed to the kernel's liking: A is dy, packed
   here into pa (zero in the junk columns), B the image, NR taps a panel. */
#ifdef HN__VW
/* out[4j + i] = sum over r < rows, p < segs VW of a[ao[i] + r astep + p]
   b[bo[j] + r bstep + p]: the dot tile of hn__gemm_dot over rows that lie
   at different strides in A and B, for nimg images (see below). */
static HN__ALIGN_CODE void hn__convw_dw_tile(int nimg, int rows, int segs, size_t astep,
                                             size_t bstep, size_t aimg, size_t bimg,
                                             const float *abase, const size_t *ao,
                                             const float *bbase, const size_t *bo,
                                             float *out)
{
    int im, r, p, len = segs * HN__VW;
    HN__DTILE_DECL();
    /* Image im's rows from abase + im aimg and bbase + im bimg, all into
       the same sums: one lane sum for the images together. */
    for (im = 0; im < nimg; im++) {
        const float *a = abase + (size_t)im * aimg, *b = bbase + (size_t)im * bimg;
        for (r = 0; r < rows; r++, a += astep, b += bstep)
            for (p = 0; p < len; p += HN__VW) HN__DTILE_STEP();
    }
    HN__DTILE_SUMS();
}

/* hn__convw_dw by dot products, where each vector of columns lies within
   one row of the padded image: dy is copied once into rows of cw floats
   (zero in the junk columns) and every weight is a dot product of one of
   them with the image shifted by its tap, both read in place: no B
   panels of image values, and no tap columns computed in vain when the
   taps are few. */
static void hn__convw_dw_dot(const hn__convw *g, int nimg, const float *dy,
                             const float *xp, size_t xstep, float *da, float *acc,
                             size_t ldk)
{
    int wide = g->cw == g->wp, k = g->ci * g->kh * g->kw, o, r, t, i, q, im;
    size_t hw = (size_t)g->ho * g->wo, vw = (size_t)HN__VW;
    size_t lda = (g->ncol + vw - 1) / vw * vw, dstep = (size_t)g->co * lda;
    int rows = wide ? 1 : g->ho, segs = (int)((wide ? lda : (size_t)g->cw) / vw);
    size_t astep = (size_t)g->cw, bstep = (size_t)g->wp;
    /* (Rows of 14 floats: vector loops, not a call to memcpy a row.) */
    for (im = 0; im < nimg; im++)
        for (o = 0; o < g->co; o++) {
            float *d = da + (size_t)im * dstep + (size_t)o * lda;
            const float *src = dy + ((size_t)im * g->co + (size_t)o) * hw;
            for (r = 0; r < g->ho; r++, d += g->cw, src += g->wo) {
                hn__copy_run(d, src, (size_t)g->wo);
                hn__zero_run(d + g->wo, (size_t)(g->cw - g->wo));
            }
            hn__zero_run(d, lda - g->ncol);
        }
    /* DC taps against every group of four channels, while the DC shifted
       images are in L1. */
    for (t = 0; t < k; t += HN__DC) {
        size_t ao[4], bo[HN__DC];
        float out[4 * HN__DC];
        int nt = HN__MIN(HN__DC, k - t);
        for (q = 0; q < HN__DC; q++) bo[q] = hn__convw_tap(g, t + HN__MIN(q, nt - 1));
        for (o = 0; o < g->co; o += 4) {
            int nro = HN__MIN(4, g->co - o);
            for (i = 0; i < 4; i++) ao[i] = (size_t)(o + HN__MIN(i, nro - 1)) * lda;
            hn__convw_dw_tile(nimg, rows, segs, astep, bstep, dstep, xstep, da, ao, xp, bo,
                              out);
            for (i = 0; i < nro; i++)
                for (q = 0; q < nt; q++) acc[(size_t)(o + i) * ldk + t + q] += out[4 * q + i];
        }
    }
}
#endif

/* Images a dot-product weight gradient takes at once, into the same sums:
   two halve the lane sums (the MNIST net's weight gradients 12% faster);
   four and eight measured slower than two (their shifted rows no longer
   stay in L1). */
#ifndef HN__CONV_DW_IMAGES
#define HN__CONV_DW_IMAGES 2
#endif

/* Whether hn__convw_dw takes the dot products. They pay a lane sum for
   every weight and group of HN__CONV_DW_IMAGES images; the packing, a
   copy of the image for every tap, shared by all output channels. The
   dots win where the taps fill NR-wide panels badly (49 taps: the MNIST
   net's first layer, 1.8x faster), and with AVX-512 (measured on Zen 5)
   also wherever the output channels are few, 32 or fewer: 1.4x on 16 ->
   16 channels of 7x7 at 14x14 and of 3x3 at 32x32, 1.15x on 32 -> 32 at
   32x32, but 0.9x on 64 -> 64. The AVX2 build gained 1.16x on the MNIST
   net's step on Zen 5 too, but lost 20-45% on 784 and 288 taps on Zen 3,
   so it keeps the first rule. */
static int hn__convw_dw_dots(const hn__convw *g)
{
#ifdef HN__VW
    int k = g->ci * g->kh * g->kw, nr = hn__gemm_native.nr;
#ifdef HN__AVX512
    int few = g->co <= 32;
#else
    int few = 0;
#endif
    return (g->cw == g->wp || g->cw % HN__VW == 0) &&
           (few || (k + nr - 1) / nr * nr * 4 > 5 * k);
#else
    (void)g;
    return 0;
#endif
}

/* acc += the weight gradient of nimg images (more than one only on the
   dot products), dy theirs in a row, their padded planes xstep floats
   apart from xp. */
static void hn__convw_dw(const hn__convw *g, int nimg, const float *dy, const float *xp,
                         size_t xstep, float *pa, float *pb, float *acc, size_t ldk)
{
    hn__gemm_kernel_fn fn = hn__gemm_native.fn;
    int mr = hn__gemm_native.mr, nr = hn__gemm_native.nr;
    int k = g->ci * g->kh * g->kw, np = (g->co + mr - 1) / mr;
    size_t hw = (size_t)g->ho * g->wo, jw = g->ncol, pc;
    int i, t0, t, q, r, s;
#ifdef HN__VW
    if (hn__convw_dw_dots(g)) {
        hn__convw_dw_dot(g, nimg, dy, xp, xstep, pa, acc, ldk);
        return;
    }
#endif
    HN_ASSERT(nimg == 1);
    (void)xstep;
    /* dy as A panels: MR rows interleaved, column by column; zero in the
       junk columns and in the rows past the last channel. */
    for (q = 0; q < np; q++) {
        float *a = pa + (size_t)q * jw * mr;
        int valid = HN__MIN(mr, g->co - q * mr);
        const float *d = dy + (size_t)q * mr * hw;
        for (r = 0; r < g->ho; r++) {
            for (s = 0; s < g->wo; s++, a += mr) {
                for (i = 0; i < valid; i++) a[i] = d[(size_t)i * hw + (size_t)r * g->wo + s];
                hn__zero_run(a + valid, (size_t)(mr - valid));
            }
            hn__zero_run(a, (size_t)(g->cw - g->wo) * mr);
            a += (size_t)(g->cw - g->wo) * mr;
        }
    }
    for (t0 = 0; t0 < k; t0 += nr) {
        int nt = HN__MIN(nr, k - t0);   /* real taps in this block */
        for (pc = 0; pc < jw; pc += HN__CONV_KC) {
            int kc = (int)HN__MIN((size_t)HN__CONV_KC, jw - pc), p = 0, tv = 0, e;
#if defined(HN__AVX2) || defined(HN__AVX512)
            if (nr % 8 == 0 && nr <= 64) {
                const float *src[64];
                /* Whole groups of eight real taps go through registers:
                   eight columns from a multiple of 8 are contiguous in
                   both layouts (KC is a multiple of 8). */
                tv = nt / 8 * 8;
                for (t = 0; t < tv; t++) src[t] = xp + hn__convw_tap(g, t0 + t);
                for (; p + 8 <= kc; p += 8)
                    for (t = 0; t < tv; t += 8)
                        hn__transpose8(src + t, hn__convw_col(g, pc + p),
                                       pb + (size_t)p * nr + t, (size_t)nr);
            }
#endif
            /* The rest one float at a time: the rows below p of those taps,
               every row of the other real taps. The columns past the last
               tap are zero; nothing else writes them within this block, so
               the first depth block (the deepest) sets them once. */
            for (t = 0; t < nt; t++) {
                const float *src = xp + hn__convw_tap(g, t0 + t);
                for (e = t < tv ? p : 0; e < kc; e++)
                    pb[(size_t)e * nr + t] = src[hn__convw_col(g, pc + (size_t)e)];
            }
            if (pc == 0)
                for (e = 0; e < kc; e++)
                    hn__zero_run(pb + (size_t)e * nr + nt, (size_t)(nr - nt));
            for (q = 0; q < np; q++)
                fn(kc, pa + ((size_t)q * jw + pc) * mr, pb, acc + (size_t)q * mr * ldk + t0,
                   ldk, 1.0f);
        }
    }
}

/* Workspace of the wide path: shared packed weights, then per slot a
   padded image, a B panel, a tile, dy packed as A, the partial weight
   gradient (rows(co) x ldk, ldk = k rounded up to NR) and bias gradient. */
typedef struct hn__convw_ws {
    size_t shared, xp, xp1, pb, tile, pa, acc, slot, ldk;
} hn__convw_ws;

static void hn__convw_layout(const hn_conv2d *cv, hn__convw_ws *L)
{
    hn__convw f, d;
    size_t nr = (size_t)hn__gemm_native.nr, khw = (size_t)cv->kh * cv->kw;
    size_t rco = hn__convw_rows(cv->c_out), rci = hn__convw_rows(cv->c_in);
    size_t k = (size_t)cv->c_in * khw;
    hn__convw_of(cv, 0, &f);
    hn__convw_of(cv, 1, &d);
    L->ldk = (k + nr - 1) / nr * nr;
    L->shared = hn__round16(HN__MAX(rco * k, rci * cv->c_out * khw));
    /* (HN__CONV_DW_IMAGES padded images, and as many images' dy rows, for
       the dot products) */
    L->xp1 = hn__round16(f.xp_size);
    L->xp = hn__round16(HN__MAX(HN__CONV_DW_IMAGES * L->xp1, d.xp_size));
    L->pb = hn__round16((size_t)HN__CONV_KC * nr);
    L->tile = hn__round16(HN__MAX(rco, rci) * nr);
    /* (dy as A panels, or as rows for the dot products: up to a vector
       more a channel) */
    L->pa = hn__round16(HN__MAX(rco * f.jw, HN__CONV_DW_IMAGES * (size_t)cv->c_out *
                                            (f.ncol + 16)));
    L->acc = hn__round16(rco * L->ldk + cv->c_out);
    L->slot = L->xp + L->pb + L->tile + L->pa + L->acc;
}

static void hn__convw_forward(const hn_conv2d *cv, int n, const float *x, const float *w,
                              const float *b, int add, float *y, float *ws)
{
    hn__convw g;
    hn__convw_ws L;
    size_t in_size = (size_t)cv->c_in * cv->h_in * cv->w_in;
    size_t out_size = (size_t)cv->c_out * cv->h_out * cv->w_out;
    int slots = cv->slots, s;
    hn__convw_of(cv, 0, &g);
    hn__convw_layout(cv, &L);
    hn__convw_pack_w(cv, 0, w, ws);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++) {
        float *xp = ws + L.shared + (size_t)hn__slot_thread() * L.slot, *pb = xp + L.xp;
        float *tile = pb + L.pb;
        int i;
        for (i = hn__slot_begin(s, n, slots); i < hn__slot_begin(s + 1, n, slots); i++) {
            hn__convw_pad(&g, x + (size_t)i * in_size, xp);
            hn__convw_product(&g, ws, xp, b, add, y + (size_t)i * out_size, pb, tile);
        }
    }
}

static void hn__convw_backward(const hn_conv2d *cv, int n, const float *x, const float *w,
                               const float *dy, float *dx, float *dw, float *db,
                               float *ws)
{
    hn__convw f, d;
    hn__convw_ws L;
    size_t in_size = (size_t)cv->c_in * cv->h_in * cv->w_in, hw;
    size_t out_size = (size_t)cv->c_out * cv->h_out * cv->w_out;
    int slots = cv->slots, co = cv->c_out, k = cv->c_in * cv->kh * cv->kw, s, dots;
    long long j, nw = (long long)co * k;
    hn__convw_of(cv, 0, &f);
    hn__convw_of(cv, 1, &d);
    hn__convw_layout(cv, &L);
    dots = hn__convw_dw_dots(&f);
    hw = (size_t)cv->h_out * cv->w_out;
    if (dx) hn__convw_pack_w(cv, 1, w, ws);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++) {
        /* (The slot's own scratch here: the thread's measured 7% slower
           on the MNIST weight gradients.) */
        float *xp = ws + L.shared + (size_t)s * L.slot, *pb = xp + L.xp;
        float *tile = pb + L.pb, *pa = tile + L.tile, *acc = pa + L.pa;
        float *pdb = acc + L.acc - co;
        int i, im, step, end = hn__slot_begin(s + 1, n, slots);
        /* (Only the bias gradient's end of it when dw is not wanted.) */
        if (dw) memset(acc, 0, L.acc * sizeof(float));
        else memset(pdb, 0, (size_t)co * sizeof(float));
        /* Images HN__CONV_DW_IMAGES at a time where the weight gradient
           is by dot products, else one. */
        for (i = hn__slot_begin(s, n, slots); i < end; i += step) {
            step = dw && dots ? HN__MIN(HN__CONV_DW_IMAGES, end - i) : 1;
            if (dw) {
                for (im = 0; im < step; im++)
                    hn__convw_pad(&f, x + (size_t)(i + im) * in_size,
                                  xp + (size_t)im * L.xp1);
                hn__convw_dw(&f, step, dy + (size_t)i * out_size, xp, L.xp1, pa, pb, acc,
                             L.ldk);
            }
            for (im = 0; im < step; im++) {
                const float *dyi = dy + (size_t)(i + im) * out_size;
                if (db) hn__conv_db_add(dyi, co, hw, pdb);
                if (dx) {
                    hn__convw_pad(&d, dyi, xp);
                    hn__convw_product(&d, ws, xp, NULL, 1,
                                      dx + (size_t)(i + im) * in_size, pb, tile);
                }
            }
        }
    }

    /* The slots' partial gradients, summed in slot order whatever the
       number of threads. */
    if (dw) {
#ifdef _OPENMP
        #pragma omp parallel for schedule(static) if (nw * slots > HN__LAYER_OMP_MIN)
#endif
        for (j = 0; j < nw; j++) {
            const float *part = ws + L.shared + L.xp + L.pb + L.tile + L.pa +
                                (size_t)(j / k) * L.ldk + (size_t)(j % k);
            int t;
            for (t = 0; t < slots; t++) dw[j] += part[(size_t)t * L.slot];
        }
    }
    if (db)
        for (j = 0; j < co; j++)
            for (s = 0; s < slots; s++)
                db[j] += ws[L.shared + (size_t)s * L.slot + L.xp + L.pb + L.tile + L.pa +
                            L.acc - co + (size_t)j];
}

/* ---- 3x3 stride-1 convolution by Winograd's minimal filtering ----

   F(4x4, 3x3) (Lavin and Gray, "Fast Algorithms for Convolutional Neural
   Networks", 2016). A 4x4 block of outputs (a "tile") of one pair of
   channels is, for the 3x3 kernel g and the 6x6 input patch d under it,

      Y = A^T [ (G g G^T) .* (B^T d B) ] A        (.* elementwise)

   Summed over the input channels, the 36 elementwise products become 36
   independent matrix products, one per position p of the 6x6 domain:

      M[p] (c_out x tiles) = U[p] (c_out x c_in) V[p] (c_in x tiles)

   with U[p] = (G g G^T)[p] for every pair of channels and V[p] =
   (B^T d B)[p] for every channel and tile: 36 multiply-adds per channel
   pair and tile instead of 144 for its 16 outputs directly. The
   transforms cost additions in proportion to channels x tiles, not to
   their product, so they pay off once both channel counts are more than
   a handful (HN_WINOGRAD_MIN_CHANNELS, 16 unless defined).

   The products run on the GEMM's micro-kernel: U is packed once per call
   as A panels, and the input transform writes V straight in the B-panel
   layout, NR tiles to a panel, one tile per vector lane. A worker copies
   a few images at a time (a "chunk") into planes padded to whole tiles,
   so that every patch row is read as one vector, with no bounds to test;
   the chunk is as many images as make whole panels where that is few (3
   images of 16 tiles for NR = 24), so that the 8x8 maps of deep layers
   (4 tiles each) still fill them. A tile's result does not depend on the
   other tiles of its panel, so the output does not depend on the number
   of workers either.

   The matrices use the interpolation points 0, +-1, +-2 and infinity:

      B^T = [4  0 -5  0 1 0]   G = [ 1/4     0    0 ]   A^T = [1 1  1 1  1 0]
            [0 -4 -4  1 1 0]       [-1/6 -1/6 -1/6 ]         [0 1 -1 2 -2 0]
            [0  4 -4 -1 1 0]       [-1/6  1/6 -1/6 ]         [0 1  1 4  4 0]
            [0 -2 -1  2 1 0]       [1/24 1/12  1/6 ]         [0 1 -1 8 -8 1]
            [0  2 -1 -2 1 0]       [1/24 -1/12 1/6 ]
            [0  4  0 -5 0 1]       [ 0     0    1  ]

   In float32 an output then differs from the exact sum by up to about
   1e-6 of the sum of its terms' magnitudes, some ten times the direct
   paths' rounding. Clear cv->winograd before sizing the workspace to
   keep the direct paths. */

/* The transforms work on a vector of tiles at once (one tile without
   SIMD). */
#ifdef HN__VW
typedef hn__vf hn__wv;
#define HN__WW HN__VW
#define HN__WLOAD(p) HN__VLOAD(p)
#define HN__WSTORE(p, v) HN__VSTORE(p, v)
#define HN__WADD(a, b) HN__VADD(a, b)
#define HN__WSUB(a, b) HN__VSUB(a, b)
#define HN__WMAC(a, k, b) HN__VFMA(a, HN__VSET1(k), b)   /* a k + b */
#define HN__WZERO() HN__VZERO()
#define HN__WMUL(a, k) HN__VMUL(a, HN__VSET1(k))         /* a k */
#else
typedef float hn__wv;
#define HN__WW 1
#define HN__WLOAD(p) (*(p))
#define HN__WSTORE(p, v) (*(p) = (v))
#define HN__WADD(a, b) ((a) + (b))
#define HN__WSUB(a, b) ((a) - (b))
#define HN__WMAC(a, k, b) ((a) * (k) + (b))
#define HN__WZERO() 0.0f
#define HN__WMUL(a, k) ((a) * (k))
#endif

/* Whether a convolution can take this path at all: a 3x3 kernel, stride
   1 and a border of at most 2 (the input gradient's is 2 - pad). */
static int hn__wino_fits(const hn_conv2d *cv)
{
    return cv->kh == 3 && cv->kw == 3 && cv->stride == 1 && cv->pad <= 2;
}

static int hn__conv2d_wino(const hn_conv2d *cv)
{
    return cv->winograd && hn__wino_fits(cv);
}

/* One Winograd product: ci input planes of hi x wi with a zero border of
   pad, co output planes of ho x wo in th x tw tiles; the input copied into
   planes of hp x wp, chunk images at a time. */
typedef struct hn__wino {
    int ci, co, hi, wi, pad;
    int ho, wo, th, tw, hp, wp, chunk;
    size_t in_plane, out_plane, pad_plane;
} hn__wino;

static int hn__gcd(int a, int b)
{
    while (b) {
        int t = a % b;
        a = b;
        b = t;
    }
    return a;
}

static void hn__wino_init(hn__wino *g, int ci, int hi, int wi, int co, int pad)
{
    int nr = hn__gemm_native.nr, tiles;
    g->ci = ci; g->co = co; g->hi = hi; g->wi = wi; g->pad = pad;
    g->ho = hi + 2 * pad - 2;
    g->wo = wi + 2 * pad - 2;
    g->th = (g->ho + 3) / 4;
    g->tw = (g->wo + 3) / 4;
    g->hp = 4 * g->th + 2;
    g->wp = 4 * g->tw + 2;
    g->in_plane = (size_t)hi * wi;
    g->out_plane = (size_t)g->ho * g->wo;
    g->pad_plane = (size_t)g->hp * g->wp;
    /* Enough images for whole panels, unless that takes more than four
       panels' worth: then one image, or as many as fill four panels. */
    tiles = g->th * g->tw;
    g->chunk = tiles < 4 * nr ? nr / hn__gcd(nr, tiles) : 1;
    if (g->chunk > 1 && g->chunk * tiles > 4 * nr) g->chunk = (4 * nr + tiles - 1) / tiles;
}

/* The forward product (dx = 0), or the input gradient's (dx = 1): dy
   with a border of 2 - pad, convolved with the kernel turned by 180
   degrees and its channel axes swapped. */
static void hn__wino_of(const hn_conv2d *cv, int dx, hn__wino *g)
{
    if (dx)
        hn__wino_init(g, cv->c_out, cv->h_out, cv->w_out, cv->c_in, 2 - cv->pad);
    else
        hn__wino_init(g, cv->c_in, cv->h_in, cv->w_in, cv->c_out, cv->pad);
}

/* Floats of a padded chunk: a patch row is read as 8 floats from its
   start (6 used), up to 2 past the last plane. */
static size_t hn__wino_xp_size(const hn__wino *g)
{
    return (size_t)g->chunk * g->ci * g->pad_plane + 8;
}

/* Batch norm and ReLU as a convolution reads its input: a = max(x sc +
   sh, 0) per channel, sc = gamma rstd and sh = beta - mean sc, the values
   hn__bnrelu_apply writes (a training step then never stores a). */
typedef struct hn__bnrelu {
    const float *gamma, *beta, *mean, *rstd;
} hn__bnrelu;

static hn__bnrelu hn__bnrelu_of(const float *gamma, const float *beta, const float *mean,
                                const float *rstd)
{
    hn__bnrelu bn;
    bn.gamma = gamma;
    bn.beta = beta;
    bn.mean = mean;
    bn.rstd = rstd;
    return bn;
}

static void hn__bnrelu_coef(const hn__bnrelu *bn, int ch, float *sc, float *sh)
{
    *sc = bn->gamma[ch] * bn->rstd[ch];
    *sh = bn->beta[ch] - bn->mean[ch] * *sc;
}

/* Images x (nimg of them, ci planes of hi x wi each) into xp, each plane
   in the top left of hp x wp zeros, pad rows and columns in; through
   batch norm and ReLU first unless bn is NULL. */
static void hn__wino_pad(const hn__wino *g, const float *x, int nimg, const hn__bnrelu *bn,
                         float *xp)
{
    size_t c, planes = (size_t)nimg * g->ci;
    int j;
    for (c = 0; c < planes; c++) {
        float sc = 1.0f, sh = 0.0f;
        if (bn) hn__bnrelu_coef(bn, (int)(c % (size_t)g->ci), &sc, &sh);
        hn__pad_plane(x + c * g->in_plane, g->hi, g->wi, (size_t)g->wp, (size_t)g->pad,
                      (size_t)g->pad, g->pad_plane, bn != NULL, sc, sh,
                      xp + c * g->pad_plane);
    }
    xp += planes * g->pad_plane;
    for (j = 0; j < 8; j++) xp[j] = 0.0f;
}

/* The tiles of one panel, n of them: where each one's patch starts in the
   padded chunk (empty lanes repeat the last tile, so that their loads stay
   inside), where its corner lies in the output from the chunk's first
   image, and how many of its rows and columns fall inside the plane (0
   in empty lanes). */
typedef struct hn__wino_panel {
    int n;
    size_t src[HN__GEMM_NATIVE_NR], dst[HN__GEMM_NATIVE_NR];
    int rows[HN__GEMM_NATIVE_NR], cols[HN__GEMM_NATIVE_NR];
    /* Per vector of lanes (AVX-512): whether its two halves are each
       eight whole tiles side by side in one row of tiles. */
    int run[HN__GEMM_NATIVE_NR];
} hn__wino_panel;

static void hn__wino_panel_init(const hn__wino *g, int t0, int n, hn__wino_panel *P)
{
    int tiles = g->th * g->tw, l;
    P->n = n;
    for (l = 0; l < HN__GEMM_NATIVE_NR; l++) {
        int t = t0 + HN__MIN(l, n - 1), img = t / tiles, r = t % tiles / g->tw * 4;
        int c = t % tiles % g->tw * 4;
        P->src[l] = ((size_t)img * g->ci * g->hp + (size_t)r) * g->wp + (size_t)c;
        P->dst[l] = ((size_t)img * g->co * g->ho + (size_t)r) * g->wo + (size_t)c;
        P->rows[l] = l < n ? HN__MIN(4, g->ho - r) : 0;
        P->cols[l] = l < n ? HN__MIN(4, g->wo - c) : 0;
    }
    for (l = 0; l < HN__GEMM_NATIVE_NR; l += HN__WW) {
        int run = HN__WW == 16, i;
        for (i = 0; run && i < HN__WW; i++) {
            int h = l + i / 8 * 8;
            run = P->rows[l + i] == 4 && P->cols[l + i] == 4 &&
                  P->src[l + i] == P->src[h] + (size_t)(4 * (i % 8)) &&
                  P->dst[l + i] == P->dst[h] + (size_t)(4 * (i % 8));
        }
        P->run[l] = run;
    }
}

/* d[j], j < 6: lane l holds x[src[l] + j], one patch row per lane. */
static HN__INLINE void hn__wino_row(const float *x, const size_t *src, hn__wv *d)
{
#if defined(HN__AVX2)
    __m256 r[8];
    int l;
    HN__UNROLL
    for (l = 0; l < 8; l++) r[l] = _mm256_loadu_ps(x + src[l]);
    hn__tr8(r);
    HN__UNROLL
    for (l = 0; l < 6; l++) d[l] = r[l];
#elif defined(HN__AVX512)
    /* Two halves of eight lanes, joined. */
    __m256 lo[8], hi[8];
    int l;
    HN__UNROLL
    for (l = 0; l < 8; l++) {
        lo[l] = _mm256_loadu_ps(x + src[l]);
        hi[l] = _mm256_loadu_ps(x + src[8 + l]);
    }
    hn__tr8(lo);
    hn__tr8(hi);
    HN__UNROLL
    for (l = 0; l < 6; l++)
        d[l] = _mm512_castpd_ps(_mm512_insertf64x4(
            _mm512_castpd256_pd512(_mm256_castps_pd(lo[l])), _mm256_castps_pd(hi[l]), 1));
#else
    float lane[6][HN__WW];
    int l, j;
    for (l = 0; l < HN__WW; l++)
        for (j = 0; j < 6; j++) lane[j][l] = x[src[l] + (size_t)j];
    for (j = 0; j < 6; j++) d[j] = HN__WLOAD(lane[j]);
#endif
}

#ifdef HN__AVX512
/* hn__wino_row for a vector whose halves are runs of eight tiles side by
   side (src[8] and src[0] their starts): lane l of d[j] is x[s + 4l + j]
   of its run, picked by two-source permutes from four loads per run
   (34 floats, read as 36) instead of a transpose of sixteen loads. */
static HN__INLINE void hn__wino_row_run(const float *x, const size_t *src, hn__wv *d)
{
    const __m512i i0 = _mm512_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28, 0, 4, 8, 12, 16, 20,
                                         24, 28);
    const __m512i one = _mm512_set1_epi32(1);
    __m512 h[2][6];
    int r, j;
    HN__UNROLL
    for (r = 0; r < 2; r++) {
        const float *p = x + src[8 * r];
        __m512 a = _mm512_loadu_ps(p), b = _mm512_loadu_ps(p + 16);
        __m512 a4 = _mm512_loadu_ps(p + 4), b4 = _mm512_loadu_ps(p + 20);
        __m512i idx = i0;
        HN__UNROLL
        for (j = 0; j < 4; j++, idx = _mm512_add_epi32(idx, one))
            h[r][j] = _mm512_permutex2var_ps(a, idx, b);
        h[r][4] = _mm512_permutex2var_ps(a4, i0, b4);
        h[r][5] = _mm512_permutex2var_ps(a4, _mm512_add_epi32(i0, one), b4);
    }
    HN__UNROLL
    for (j = 0; j < 6; j++) d[j] = _mm512_mask_blend_ps(0xff00, h[0][j], h[1][j]);
}

/* Row i of the tiles of a run vector (o[j] its column j, lane l tile l):
   the four rows of eight tiles' four columns, written as 32 floats at
   y + dst[0] and at y + dst[8] (y = Y + bias, or y += Y). */
static HN__INLINE void hn__wino_put_run(const __m512 *o, float *y, const float *r,
                                        const size_t *dst, float bias)
{
    /* a: columns 0 and 1 interleaved, tile by tile; b: columns 2 and 3. */
    const __m512i lo = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22,
                                         7, 23);
    const __m512i hi = _mm512_add_epi32(lo, _mm512_set1_epi32(8));
    const __m512i q0 = _mm512_setr_epi32(0, 1, 16, 17, 2, 3, 18, 19, 4, 5, 20, 21, 6, 7,
                                         22, 23);
    const __m512i q1 = _mm512_add_epi32(q0, _mm512_set1_epi32(8));
    __m512 a[2], b[2], v[4];
    int h, q;
    a[0] = _mm512_permutex2var_ps(o[0], lo, o[1]);
    a[1] = _mm512_permutex2var_ps(o[0], hi, o[1]);
    b[0] = _mm512_permutex2var_ps(o[2], lo, o[3]);
    b[1] = _mm512_permutex2var_ps(o[2], hi, o[3]);
    HN__UNROLL
    for (h = 0; h < 2; h++) {
        v[2 * h] = _mm512_permutex2var_ps(a[h], q0, b[h]);
        v[2 * h + 1] = _mm512_permutex2var_ps(a[h], q1, b[h]);
    }
    HN__UNROLL
    for (q = 0; q < 4; q++) {
        size_t at = dst[q / 2 * 8] + (size_t)(q % 2) * 16;
        __m512 base = r ? _mm512_loadu_ps(r + at) : _mm512_set1_ps(bias);
        _mm512_storeu_ps(y + at, _mm512_add_ps(v[q], base));
    }
}
#endif

/* o = A t: four values to six (A = (A^T)^T, the output transform's). */
static HN__INLINE void hn__wino_a(const hn__wv *t, hn__wv *o)
{
    hn__wv a = HN__WADD(t[0], t[2]), b = HN__WADD(t[1], t[3]);
    hn__wv e = HN__WMAC(t[2], 4.0f, t[0]), f = HN__WMAC(t[3], 4.0f, t[1]);
    o[0] = t[0];
    o[1] = HN__WADD(a, b);
    o[2] = HN__WSUB(a, b);
    o[3] = HN__WMAC(f, 2.0f, e);
    o[4] = HN__WMAC(f, -2.0f, e);
    o[5] = t[3];
}

/* o = B^T d for six values. */
static HN__INLINE void hn__wino_bt(const hn__wv *d, hn__wv *o)
{
    hn__wv s12 = HN__WADD(d[1], d[2]), s34 = HN__WADD(d[3], d[4]);
    hn__wv m12 = HN__WSUB(d[1], d[2]), m43 = HN__WSUB(d[4], d[3]);
    hn__wv a = HN__WSUB(d[4], d[2]), b = HN__WSUB(d[3], d[1]);
    o[0] = HN__WMAC(d[0], 4.0f, HN__WMAC(d[2], -5.0f, d[4]));
    o[1] = HN__WMAC(s12, -4.0f, s34);
    o[2] = HN__WMAC(m12, 4.0f, m43);
    o[3] = HN__WMAC(b, 2.0f, a);
    o[4] = HN__WMAC(b, -2.0f, a);
    o[5] = HN__WMAC(d[1], 4.0f, HN__WMAC(d[3], -5.0f, d[5]));
}

/* o = A^T m: six values to four. */
static HN__INLINE void hn__wino_at(const hn__wv *m, hn__wv *o)
{
    hn__wv s12 = HN__WADD(m[1], m[2]), d12 = HN__WSUB(m[1], m[2]);
    hn__wv s34 = HN__WADD(m[3], m[4]), d34 = HN__WSUB(m[3], m[4]);
    o[0] = HN__WADD(HN__WADD(m[0], s12), s34);
    o[1] = HN__WMAC(d34, 2.0f, d12);
    o[2] = HN__WMAC(s34, 4.0f, s12);
    o[3] = HN__WADD(HN__WMAC(d34, 8.0f, d12), m[5]);
}

/* e[0], e[s], ..., e[5s] = G (a[0], a[as], a[2as])^T. */
static HN__INLINE void hn__wino_g(const float *a, int as, float *e, int s)
{
    float a0 = a[0], a1 = a[as], a2 = a[2 * as];
    e[0] = a0 * 0.25f;
    e[s] = (a0 + a1 + a2) * (-1.0f / 6.0f);
    e[2 * s] = (a0 - a1 + a2) * (-1.0f / 6.0f);
    e[3 * s] = a0 * (1.0f / 24.0f) + a1 * (1.0f / 12.0f) + a2 * (1.0f / 6.0f);
    e[4 * s] = a0 * (1.0f / 24.0f) - a1 * (1.0f / 12.0f) + a2 * (1.0f / 6.0f);
    e[5 * s] = a2;
}

/* The distance between the blocks of two positions, for a block of n
   floats: whole cache lines, an odd number of them. The 36 blocks are
   written (or read) a value each in turn; at a distance of a multiple of
   4 KiB (128 x 128 channels of U, 64 KiB) all 36 lines fall in one set of
   an L1 with 64 sets and 12 ways, and evict each other (the packing of U
   for 128 x 128 channels ran 7.6 times slower). */
static size_t hn__wino_stride(size_t n)
{
    size_t lines = (n + 15) / 16;
    return (lines | 1) * 16;
}

/* U = G g G^T for every pair of channels, as the micro-kernel's A panels:
   position p (blocks hn__wino_stride apart), then panels of MR rows (the
   product's output channels), depth its input channels, row i of depth d
   at [p][q][d][i]; rows past the last are zero. flip = 1 for the input
   gradient (rows c_in, depth c_out, the kernel turned by 180 degrees). */
static void hn__wino_pack_u(const hn_conv2d *cv, int flip, const float *w, float *u)
{
    int mr = hn__gemm_native.mr;
    int m = flip ? cv->c_in : cv->c_out, k = flip ? cv->c_out : cv->c_in;
    size_t rows = hn__convw_rows(m), ps = hn__wino_stride(rows * (size_t)k);
    long long r;
    /* Rows shared out between threads (each row's values are the same
       whoever computes them). */
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if (rows * (size_t)k > 4096)
#endif
    for (r = 0; r < (long long)rows; r++) {
        int d, i, p;
        for (d = 0; d < k; d++) {
            float g[9], t[18], e[36];
            size_t ro = (size_t)r;
            float *dst = u + ((ro / (size_t)mr) * k + (size_t)d) * mr + ro % (size_t)mr;
            for (i = 0; i < 9; i++)
                g[i] = ro >= (size_t)m ? 0.0f
                       : flip ? w[((size_t)d * cv->c_in + ro) * 9 + (size_t)(8 - i)]
                              : w[(ro * (size_t)cv->c_in + (size_t)d) * 9 + (size_t)i];
            /* G g, column by column into t (6 x 3); then (G g) G^T, row by
               row, is G applied to each row of t. */
            HN__UNROLL
            for (i = 0; i < 3; i++) hn__wino_g(g + i, 3, t + i, 3);
            HN__UNROLL
            for (i = 0; i < 6; i++) hn__wino_g(t + 3 * i, 1, e + 6 * i, 1);
            for (p = 0; p < 36; p++) dst[(size_t)p * ps] = e[p];
        }
    }
}

/* The transform of every channel and tile of the panel, for k input rows
   of each tile's patch: V = B^T d B (k = 6, the 6x6 patch of x) or, for
   the weight gradient, dM = A dY A^T (k = 4, the 4x4 tile of dy). Position
   p at v + p ps, channel c at + c ld, NR lanes (the B-panel layout when
   ld is NR). xp is the padded chunk. Inlined with k known, so that each
   transform's loops unroll. */
static HN__INLINE void hn__wino_transform(const hn__wino *g, const float *xp,
                                          const hn__wino_panel *P, int k, float *v,
                                          size_t ps, size_t ld)
{
    enum { NR = HN__GEMM_NATIVE_NR };
    int c, e, i, p;
    for (c = 0; c < g->ci; c++) {
        const float *xc = xp + (size_t)c * g->pad_plane;
        for (e = 0; e < NR; e += HN__WW) {
            hn__wv h[36], d[6], o[6];
            /* Rows of the patch first (d B), then its columns. */
            HN__UNROLL
            for (i = 0; i < k; i++) {
#ifdef HN__AVX512
                if (P->run[e])
                    hn__wino_row_run(xc + (size_t)i * g->wp, P->src + e, d);
                else
#endif
                    hn__wino_row(xc + (size_t)i * g->wp, P->src + e, d);
                if (k == 6) hn__wino_bt(d, h + 6 * i);
                else hn__wino_a(d, h + 6 * i);
            }
            HN__UNROLL
            for (p = 0; p < 6; p++) {
                HN__UNROLL
                for (i = 0; i < k; i++) d[i] = h[6 * i + p];
                if (k == 6) hn__wino_bt(d, o);
                else hn__wino_a(d, o);
                HN__UNROLL
                for (i = 0; i < 6; i++)
                    HN__WSTORE(v + (size_t)(6 * i + p) * ps + (size_t)c * ld + e, o[i]);
            }
        }
    }
}

static void hn__wino_input(const hn__wino *g, const float *xp, const hn__wino_panel *P,
                           float *v, size_t ps, size_t ld)
{
    hn__wino_transform(g, xp, P, 6, v, ps, ld);
}

/* M[p] (rows(co) x NR) = U[p] V[p] for the 36 positions; the B panel of a
   position stays in L1 while the A panels stream past it. */
static void hn__wino_multiply(const hn__wino *g, const float *u, const float *v, float *m)
{
    enum { NR = HN__GEMM_NATIVE_NR };
    hn__gemm_kernel_fn fn = hn__gemm_native.fn;
    int mr = hn__gemm_native.mr, np = (g->co + mr - 1) / mr, p, q, pc;
    size_t rows = (size_t)np * mr, us = hn__wino_stride(rows * g->ci);
    size_t vs = hn__wino_stride((size_t)g->ci * NR), ms = hn__wino_stride(rows * NR);
    for (p = 0; p < 36; p++) {
        const float *up = u + (size_t)p * us, *vp = v + (size_t)p * vs;
        float *mp = m + (size_t)p * ms;
        for (q = 0; q < np; q++)
            for (pc = 0; pc < g->ci; pc += HN__CONV_KC)
                fn(HN__MIN(HN__CONV_KC, g->ci - pc), up + ((size_t)q * g->ci + pc) * mr,
                   vp + (size_t)pc * NR, mp + (size_t)q * mr * NR, (size_t)NR,
                   pc ? 1.0f : 0.0f);
    }
}

#if defined(HN__AVX2) || defined(HN__AVX512)
/* Row i of eight whole tiles: o[j] holds column j of the row in lane l
   for tile l, written as four floats at y + dst[l] (y = Y + bias, or
   y += Y). */
static HN__INLINE void hn__wino_put8(const __m256 *o, float *y, const float *r,
                                     const size_t *dst, float bias)
{
    __m256 a0 = _mm256_unpacklo_ps(o[0], o[1]), a1 = _mm256_unpackhi_ps(o[0], o[1]);
    __m256 a2 = _mm256_unpacklo_ps(o[2], o[3]), a3 = _mm256_unpackhi_ps(o[2], o[3]);
    __m256 b[4];
    int l;
    /* b[k] holds tile k in its lower half and tile k + 4 in its upper. */
    b[0] = _mm256_shuffle_ps(a0, a2, 0x44);
    b[1] = _mm256_shuffle_ps(a0, a2, 0xee);
    b[2] = _mm256_shuffle_ps(a1, a3, 0x44);
    b[3] = _mm256_shuffle_ps(a1, a3, 0xee);
    HN__UNROLL
    for (l = 0; l < 8; l++) {
        __m128 v = l < 4 ? _mm256_castps256_ps128(b[l]) : _mm256_extractf128_ps(b[l - 4], 1);
        v = _mm_add_ps(v, r ? _mm_loadu_ps(r + dst[l]) : _mm_set1_ps(bias));
        _mm_storeu_ps(y + dst[l], v);
    }
}
#endif

/* Y = A^T M A for every output channel and tile of the panel, into y
   (channel 0 of the chunk's first image): y = Y + b, or y = Y + r, r laid
   out as y (r = y adds into y; then b is NULL). Only the parts of the
   tiles inside the planes are written. */
static void hn__wino_output(const hn__wino *g, const float *m, const hn__wino_panel *P,
                            const float *b, const float *r, float *y)
{
    enum { NR = HN__GEMM_NATIVE_NR };
    size_t ld = hn__wino_stride(hn__convw_rows(g->co) * NR);
    float buf[16 * HN__WW];
    int o, e, i, j, l;
    for (o = 0; o < g->co; o++) {
        float bias = b ? b[o] : 0.0f, *yo = y + (size_t)o * g->out_plane;
        const float *ro = r ? r + (size_t)o * g->out_plane : NULL;
        const float *mo = m + (size_t)o * NR;
        for (e = 0; e < P->n; e += HN__WW) {
            hn__wv s[24], c6[6], r4[16];
            int whole = e + HN__WW <= P->n;
            HN__UNROLL
            for (j = 0; j < 6; j++) {
                HN__UNROLL
                for (i = 0; i < 6; i++) c6[i] = HN__WLOAD(mo + (size_t)(6 * i + j) * ld + e);
                hn__wino_at(c6, r4);
                HN__UNROLL
                for (i = 0; i < 4; i++) s[6 * i + j] = r4[i];
            }
            HN__UNROLL
            for (i = 0; i < 4; i++) hn__wino_at(s + 6 * i, r4 + 4 * i);
            for (l = e; whole && l < e + HN__WW; l++)
                whole = P->rows[l] == 4 && P->cols[l] == 4;
#if defined(HN__AVX2)
            if (whole) {
                HN__UNROLL
                for (i = 0; i < 4; i++)
                    hn__wino_put8(r4 + 4 * i, yo + (size_t)i * g->wo,
                                  ro ? ro + (size_t)i * g->wo : NULL, P->dst + e, bias);
                continue;
            }
#elif defined(HN__AVX512)
            if (P->run[e]) {
                HN__UNROLL
                for (i = 0; i < 4; i++)
                    hn__wino_put_run(r4 + 4 * i, yo + (size_t)i * g->wo,
                                     ro ? ro + (size_t)i * g->wo : NULL, P->dst + e, bias);
                continue;
            }
            if (whole) {
                HN__UNROLL
                for (i = 0; i < 4; i++) {
                    __m256 lo[4], hi[4];
                    const float *ri = ro ? ro + (size_t)i * g->wo : NULL;
                    HN__UNROLL
                    for (j = 0; j < 4; j++) {
                        lo[j] = HN__LO256(r4[4 * i + j]);
                        hi[j] = HN__HI256(r4[4 * i + j]);
                    }
                    hn__wino_put8(lo, yo + (size_t)i * g->wo, ri, P->dst + e, bias);
                    hn__wino_put8(hi, yo + (size_t)i * g->wo, ri, P->dst + e + 8, bias);
                }
                continue;
            }
#endif
            /* Tiles cut by the plane's edge (or no vectors): one float at
               a time, through a buffer. */
            for (i = 0; i < 16; i++) HN__WSTORE(buf + i * HN__WW, r4[i]);
            for (l = e; l < HN__MIN(e + HN__WW, P->n); l++) {
                const float *src = buf + (l - e);
                for (i = 0; i < P->rows[l]; i++) {
                    size_t at = P->dst[l] + (size_t)i * g->wo;
                    for (j = 0; j < P->cols[l]; j++) {
                        float val = src[(4 * i + j) * HN__WW];
                        yo[at + j] = val + (ro ? ro[at + j] : bias);
                    }
                }
            }
        }
    }
}

/* Workspace of the Winograd path: U shared by all threads, then for each
   slot (used by thread s) a padded chunk, and a V and an M for one panel;
   each the larger of the two products'. */
typedef struct hn__wino_ws {
    size_t shared, xp, v, m, slot;
} hn__wino_ws;

static void hn__wino_layout(const hn_conv2d *cv, hn__wino_ws *L)
{
    hn__wino f, d;
    size_t nr = (size_t)hn__gemm_native.nr, ci = (size_t)cv->c_in, co = (size_t)cv->c_out;
    size_t rows = HN__MAX(hn__convw_rows(cv->c_out), hn__convw_rows(cv->c_in));
    hn__wino_of(cv, 0, &f);
    hn__wino_of(cv, 1, &d);
    L->shared = 36 * HN__MAX(hn__wino_stride(hn__convw_rows(cv->c_out) * ci),
                             hn__wino_stride(hn__convw_rows(cv->c_in) * co));
    L->xp = hn__round16(HN__MAX(hn__wino_xp_size(&f), hn__wino_xp_size(&d)));
    L->v = 36 * hn__wino_stride(HN__MAX(ci, co) * nr);
    L->m = 36 * hn__wino_stride(rows * nr);
    L->slot = L->xp + L->v + L->m;
}

/* y = conv(x) + b, or y = conv(x) + r (r laid out as y, r = y to add
   into y, b then NULL), for the forward product (dx = 0, x the input) or
   the input gradient's (dx = 1, x = dy, y = dx), w the layer's kernel. */
static void hn__wino_run(const hn_conv2d *cv, int dx, int n, const float *x,
                         const hn__bnrelu *bn, const float *w, const float *b,
                         const float *r, float *y, float *ws)
{
    enum { NR = HN__GEMM_NATIVE_NR };
    hn__wino g;
    hn__wino_ws L;
    /* No sums run across images here: each output's arithmetic is the
       same in any panel, so the images are cut into one run a thread (not
       into slots, whose short last chunks left panels of 48 tiles a third
       full: 128-channel layers on 8x8 planes took 1.2x as long). */
    int parts = hn__slot_team(cv->slots), s;
    const float *u = ws;
    hn__wino_of(cv, dx, &g);
    hn__wino_layout(cv, &L);
    if (!dx && cv->prepared)
        u = cv->prepared;
    else
        hn__wino_pack_u(cv, dx, w, ws);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(parts) if (n > 1 && parts > 1)
#endif
    for (s = 0; s < parts; s++) {
        float *xp = ws + L.shared + (size_t)s * L.slot, *v = xp + L.xp, *m = v + L.v;
        int i, end = hn__slot_begin(s + 1, n, parts);
        hn__wino_panel P;
        for (i = hn__slot_begin(s, n, parts); i < end; i += g.chunk) {
            int nimg = HN__MIN(g.chunk, end - i), tiles = nimg * g.th * g.tw, t0;
            size_t at = (size_t)i * g.co * g.out_plane;
            hn__wino_pad(&g, x + (size_t)i * g.ci * g.in_plane, nimg, bn, xp);
            for (t0 = 0; t0 < tiles; t0 += NR) {
                hn__wino_panel_init(&g, t0, HN__MIN(NR, tiles - t0), &P);
                hn__wino_input(&g, xp, &P, v, hn__wino_stride((size_t)g.ci * NR), NR);
                hn__wino_multiply(&g, u, v, m);
                hn__wino_output(&g, m, &P, b, r ? r + at : NULL, y + at);
            }
        }
    }
}

/* The weight gradient by the same transforms. Y = A^T (U .* V) A is
   linear in U, so with dY a tile's output gradient,

      dU[p] (c_out x c_in) = sum over tiles t of  dM[p] (c_out x t) V[p]^T
      dg = G^T dU G                                for each pair of channels

   where dM = A dY A^T (6 x 6 from 4 x 4) and V = B^T d B as in the forward
   product: again 36 products, now with the tiles as their depth, as NT
   GEMMs over a chunk of images at a time (hn_sgemm_ws, one thread, its
   pack buffers in the workspace). Each slot sums its images' dU, the slots
   are added in order, then G^T . G turns 36 values into 9: the same bits
   whatever the number of threads. */

/* dM = A dY A^T for every output channel and tile of the panel, laid out
   as hn__wino_input lays out V. g is the dy geometry (hn__wino_dy_of),
   dyp its padded chunk. */
static void hn__wino_dy_input(const hn__wino *g, const float *dyp, const hn__wino_panel *P,
                              float *m, size_t ps, size_t ld)
{
    hn__wino_transform(g, dyp, P, 4, m, ps, ld);
}

/* The forward product's tiles over dy (c_out planes of h_out x w_out,
   copied into the same padded planes, no border in front). */
static void hn__wino_dy_of(const hn__wino *f, hn__wino *g)
{
    *g = *f;
    g->ci = f->co;
    g->hi = f->ho;
    g->wi = f->wo;
    g->pad = 0;
    g->in_plane = f->out_plane;
}

/* o[0], o[os], o[2 os] = G^T (v[0], v[vs], ..., v[5 vs]), by products
   with the reciprocals (divisions do not pipeline). */
static HN__INLINE void hn__wino_gt(const double *v, int vs, double *o, int os)
{
    const double r6 = 1.0 / 6.0, r12 = 1.0 / 12.0, r24 = 1.0 / 24.0;
    double v1 = v[vs], v2 = v[2 * vs], v3 = v[3 * vs], v4 = v[4 * vs];
    o[0] = v[0] * 0.25 - (v1 + v2) * r6 + (v3 + v4) * r24;
    o[os] = (v2 - v1) * r6 + (v3 - v4) * r12;
    o[2 * os] = (v3 + v4 - v1 - v2) * r6 + v[5 * vs];
}

/* The columns of a chunk's V and dM, whole panels; the bytes of one
   thread's pack buffers for its 36 products. */
static int hn__wino_dw_cols(const hn__wino *f)
{
    int nr = hn__gemm_native.nr, tiles = f->chunk * f->th * f->tw;
    return (tiles + nr - 1) / nr * nr;
}

static size_t hn__wino_dw_gemm_bytes(const hn__wino *f)
{
    hn__gemm_plan pl;
    hn__gemm_job jb;
    int cols = hn__wino_dw_cols(f);
    hn__gemm_job_init(&jb, &pl, &hn__gemm_native, 0, 1, f->co, f->ci, cols, 1.0f, NULL,
                      cols, NULL, cols, 1.0f, NULL, f->ci);
    return hn__gemm_thread_bytes(&pl, &jb);
}

/* Workspace of the weight gradient, per slot: the padded x and dy chunks,
   V and dM of a chunk, pack buffers, and the slot's dU. */
typedef struct hn__wino_dw_ws {
    size_t xp, dyp, v, m, gemm, u, slot;
    size_t vs, ms, us;   /* position strides of V, dM and dU */
} hn__wino_dw_ws;

static void hn__wino_dw_layout(const hn_conv2d *cv, hn__wino_dw_ws *L)
{
    hn__wino f, d;
    size_t cols;
    hn__wino_of(cv, 0, &f);
    hn__wino_dy_of(&f, &d);
    cols = (size_t)hn__wino_dw_cols(&f);
    L->xp = hn__round16(hn__wino_xp_size(&f));
    L->dyp = hn__round16(hn__wino_xp_size(&d));
    L->vs = hn__wino_stride((size_t)f.ci * cols);
    L->ms = hn__wino_stride((size_t)f.co * cols);
    L->us = hn__wino_stride((size_t)f.co * f.ci);
    L->v = 36 * L->vs;
    L->m = 36 * L->ms;
    L->gemm = hn__round16((hn__wino_dw_gemm_bytes(&f) + sizeof(float) - 1) / sizeof(float));
    L->u = 36 * L->us;
    L->slot = L->xp + L->dyp + L->v + L->m + L->gemm + L->u;
}

/* dw += dL/dw for the images x with output gradient dy. */
static void hn__wino_dw(const hn_conv2d *cv, int n, const float *x, const hn__bnrelu *bn,
                        const float *dy, float *dw, float *ws)
{
    enum { NR = HN__GEMM_NATIVE_NR };
    hn__wino f, d;
    hn__wino_dw_ws L;
    int slots = cv->slots, ci = cv->c_in, co = cv->c_out, s, cols;
    long long o;
    hn__wino_of(cv, 0, &f);
    hn__wino_dy_of(&f, &d);
    hn__wino_dw_layout(cv, &L);
    cols = hn__wino_dw_cols(&f);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++) {
        float *xp = ws + (size_t)hn__slot_thread() * L.slot, *dyp = xp + L.xp;
        float *v = dyp + L.dyp, *m = v + L.v, *gw = m + L.m;
        float *u = ws + (size_t)s * L.slot + L.xp + L.dyp + L.v + L.m + L.gemm;
        int i, p, end = hn__slot_begin(s + 1, n, slots);
        hn__wino_panel P, Q;
        if (end == hn__slot_begin(s, n, slots)) memset(u, 0, L.u * sizeof(float));
        for (i = hn__slot_begin(s, n, slots); i < end; i += f.chunk) {
            int nimg = HN__MIN(f.chunk, end - i), tiles = nimg * f.th * f.tw, t0;
            hn__wino_pad(&f, x + (size_t)i * f.ci * f.in_plane, nimg, bn, xp);
            hn__wino_pad(&d, dy + (size_t)i * d.ci * d.in_plane, nimg, NULL, dyp);
            for (t0 = 0; t0 < tiles; t0 += NR) {
                hn__wino_panel_init(&f, t0, HN__MIN(NR, tiles - t0), &P);
                hn__wino_panel_init(&d, t0, HN__MIN(NR, tiles - t0), &Q);
                hn__wino_input(&f, xp, &P, v + t0, L.vs, (size_t)cols);
                hn__wino_dy_input(&d, dyp, &Q, m + t0, L.ms, (size_t)cols);
            }
            /* Columns past the chunk's tiles repeat its last tile: the
               products stop at the real ones. The first chunk sets dU. */
            for (p = 0; p < 36; p++) {
                hn_status st = hn_sgemm_ws(0, 1, co, ci, tiles, 1.0f, m + (size_t)p * L.ms,
                                           cols, v + (size_t)p * L.vs, cols,
                                           i == hn__slot_begin(s, n, slots) ? 0.0f : 1.0f,
                                           u + (size_t)p * L.us, ci, gw,
                                           L.gemm * sizeof(float));
                HN_ASSERT(st == HN_OK);   /* the pack buffers are sized for cols */
                (void)st;
            }
        }
    }
    /* The slots' dU added onto the first one's in slot order, then
       G^T dU G for each pair of channels, in double. */
    if (slots > 1) {
        size_t total = 36 * L.us;
        long long q;
#ifdef _OPENMP
        #pragma omp parallel for schedule(static) if (total > 65536)
#endif
        for (q = 0; q < (long long)total; q++) {
            int t2;
            for (t2 = 1; t2 < slots; t2++)
                ws[L.xp + L.dyp + L.v + L.m + L.gemm + (size_t)q] +=
                    ws[(size_t)t2 * L.slot + L.xp + L.dyp + L.v + L.m + L.gemm + (size_t)q];
        }
    }
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if ((long long)co * ci > 1024)
#endif
    for (o = 0; o < co; o++) {
        const float *u = ws + L.xp + L.dyp + L.v + L.m + L.gemm + (size_t)o * ci;
        float *dwo = dw + (size_t)o * ci * 9;
        int c;
        for (c = 0; c < ci; c++) {
            double e[36], t[18], g[9];
            int p, a;
            for (p = 0; p < 36; p++) e[p] = u[(size_t)p * L.us + (size_t)c];
            /* G^T dU: each column of the 6 x 6 to three values (t, 3 x 6),
               then each row of that times G. */
            for (a = 0; a < 6; a++) hn__wino_gt(e + a, 6, t + a, 6);
            for (a = 0; a < 3; a++) hn__wino_gt(t + 6 * a, 1, g + 3 * a, 1);
            for (a = 0; a < 9; a++) dwo[(size_t)c * 9 + (size_t)a] += (float)g[a];
        }
    }
}

/* ---- stride-1 convolution by discrete Fourier transforms ----

   A kernel of 7x7 taps costs 49 multiply-adds per output and channel pair
   done directly. In the frequency domain a convolution is a product bin
   by bin: with X, W and Y the 2-D discrete Fourier transforms of an input
   plane, the kernel and the output plane, on an nh x nw grid,

      Y[f] = sum_c X_c[f] conj(W_oc[f])                 (forward)
      DX_c[f] = sum_o DY_o[f] W_oc[f]                   (input gradient)
      DW_oc[f] = sum_images X_c[f] conj(DY_o[f])        (weight gradient)

   one complex multiply-add per bin and channel pair, whatever the kernel
   size. The grid must be large enough that the circular products equal
   the linear ones on the pixels that are kept: with the kernel's tap
   (u, v) placed at (u - pad, v - pad) modulo the grid, nh >= h_in + pad
   and nh >= kh (likewise nw) leaves every wrapped term on a zero. The
   grid is the smallest such: 17 x 17 for the paper's 7x7 kernels on
   14x14 planes, not a power of two, so the transforms are plain DFTs by
   matrix products (no FFT), separable: along each row first (a real row
   gives nw/2 + 1 complex bins, the rest are their conjugates), then down
   each column. On the MNIST net's second layer this is 4.5 times fewer
   multiply-adds than the direct convolution, transforms included; a
   convolution takes this path when it saves at least half of them
   (hn__conv2d_ft), which rules out the 3x3 kernels (Winograd's) and one
   input channel (the first layer of the MNIST net).

   Everything runs on vectors of sixteen channels ("lanes") of one pixel
   or one bin: a transform multiplies those by scalar DFT coefficients,
   and the products bin by bin multiply them by one channel's value.
   Both are one small kernel (hn__ft_mm). An image's planes are first
   turned to this layout (hn__ft_to_lanes), results turned back
   (hn__ft_from_lanes). An image's spectrum is its bins one after
   another, each [16 real parts, 16 imaginary parts] per lane block; a
   bin's products over a chunk of images are one real matrix product, its
   rows the images' bins, with the complex kernel written as 2 x 2 real
   blocks ([re im] [[a b] [-b a]] = the product by a + ib).

   Every coefficient has magnitude at most one, so rounding stays on the
   scale of the values summed: in the tests an output differs from the
   direct sum by 5e-8 to 1e-7 of the sum of its terms' magnitudes (a
   tenth of Winograd's). Set cv->fft to 0 before sizing the workspace to
   keep the direct paths, or to 2 to take this one wherever it fits. */

#define HN__FT_L 16        /* channels per lane block */
#ifndef HN__FT_NMAX
#define HN__FT_NMAX 64     /* largest transform grid side */
#endif
#ifndef HN__FT_CHUNK
#define HN__FT_CHUNK 12    /* images transformed together */
#endif

typedef struct hn__ft {
    int ci, co, hi, wi, ho, wo, kh, kw, pad;
    int nh, nw, fw, bins;  /* grid, half-spectrum columns, bins nh*fw */
    int qi, qo;            /* lane blocks of the input and output channels */
    size_t si, so;         /* floats per image and bin: 2 L qi, 2 L qo */
} hn__ft;

static void hn__ft_init(hn__ft *g, const hn_conv2d *cv)
{
    g->ci = cv->c_in; g->co = cv->c_out;
    g->hi = cv->h_in; g->wi = cv->w_in;
    g->ho = cv->h_out; g->wo = cv->w_out;
    g->kh = cv->kh; g->kw = cv->kw; g->pad = cv->pad;
    g->nh = HN__MAX(cv->h_in + cv->pad, cv->kh);
    g->nw = HN__MAX(cv->w_in + cv->pad, cv->kw);
    g->fw = g->nw / 2 + 1;
    g->bins = g->nh * g->fw;
    g->qi = (g->ci + HN__FT_L - 1) / HN__FT_L;
    g->qo = (g->co + HN__FT_L - 1) / HN__FT_L;
    g->si = (size_t)2 * HN__FT_L * g->qi;
    g->so = (size_t)2 * HN__FT_L * g->qo;
}

/* Multiply-adds of one image's convolution this way: the input planes'
   transforms, the output planes' inverse transforms, and the products
   (padded lanes included). */
static double hn__ft_cost(const hn__ft *g)
{
    double l = HN__FT_L, f2 = 2.0 * g->fw;
    double fwd = l * (f2 * g->wi * g->hi + 2.0 * g->nh * g->hi * f2);
    double inv = l * (4.0 * g->ho * g->nh * g->fw + (double)g->wo * f2 * g->ho);
    return g->qi * fwd + g->qo * inv + (double)g->bins * g->si * g->so;
}

/* Floats of the workspace's parts. */
typedef struct hn__ft_ws {
    size_t tab;      /* DFT coefficient tables of the three plane sizes */
    size_t mat;      /* the kernel's spectrum as a bin's product matrix */
    size_t kspec;    /* the kernel's spectrum (or dW's) before that */
    size_t shared;   /* tab + mat + kspec */
    size_t plane, s1, fa, fb, fc, thread;      /* one thread's scratch */
    size_t pq, sums;                           /* one slot's sums */
    size_t slot;     /* thread + sums: slot s holds thread s's scratch and
                        its own sums (a team has at most `slots` threads) */
} hn__ft_ws;

static size_t hn__ft_tab_size(const hn__ft *g, int rows, int cols)
{
    return hn__round16((size_t)4 * g->fw * cols + (size_t)7 * g->nh * rows);
}

static void hn__ft_layout(const hn__ft *g, hn__ft_ws *L)
{
    size_t l = HN__FT_L, f2 = (size_t)2 * g->fw, bins = (size_t)g->bins;
    size_t rows = (size_t)HN__MAX(HN__MAX(g->hi, g->ho), g->kh);
    size_t cols = (size_t)HN__MAX(HN__MAX(g->wi, g->wo), g->kw);
    L->tab = hn__ft_tab_size(g, g->hi, g->wi) + hn__ft_tab_size(g, g->ho, g->wo) +
             hn__ft_tab_size(g, g->kh, g->kw);
    L->mat = hn__round16(bins * g->si * g->so);
    L->kspec = hn__round16(bins * (size_t)HN__MAX(g->ci, g->co) * HN__MAX(g->si, g->so));
    L->shared = L->tab + L->mat + L->kspec;
    L->plane = hn__round16(rows * cols * l);
    L->s1 = hn__round16(rows * f2 * l);
    L->fa = hn__round16(bins * HN__FT_CHUNK * g->si);
    L->fb = hn__round16(bins * HN__FT_CHUNK * g->so);
    L->fc = HN__MAX(L->fa, L->fb);
    L->thread = L->plane + L->s1 + L->fa + L->fb + L->fc;
    L->pq = hn__round16((size_t)2 * bins * HN__FT_L * g->qo * g->si);
    L->sums = L->pq + hn__round16((size_t)g->co);
    L->slot = L->thread + L->sums;
}

/* Whether a convolution can take this path: stride 1, a border narrower
   than the kernel (as the wide-row path), a grid of at most
   HN__FT_NMAX a side and a workspace of at most 2^24 floats. */
static int hn__ft_fits(const hn_conv2d *cv)
{
    hn__ft g;
    hn__ft_ws L;
    if (cv->stride != 1 || cv->pad >= cv->kh || cv->pad >= cv->kw) return 0;
    if (cv->h_in + cv->pad > HN__FT_NMAX || cv->w_in + cv->pad > HN__FT_NMAX ||
        cv->kh > HN__FT_NMAX || cv->kw > HN__FT_NMAX || cv->c_in > 4096 ||
        cv->c_out > 4096)
        return 0;
    hn__ft_init(&g, cv);
    hn__ft_layout(&g, &L);
    return (double)L.shared + (double)L.slot * cv->slots < (double)(1 << 24);
}

/* Multiply-adds of what a call does once, whatever its batch: the
   kernel's transforms (one per input channel and output lane block, of a
   kh x kw plane) and its product matrices. */
static double hn__ft_fixed(const hn__ft *g)
{
    double l = HN__FT_L, f2 = 2.0 * g->fw;
    double plane = l * (f2 * g->kw * g->kh + 2.0 * g->nh * g->kh * f2);
    return (double)g->ci * g->qo * plane + (double)g->bins * g->si * g->so;
}

/* Whether a call on n images takes this path (n = 0: a forward pass with
   a prepared kernel, which has no per-call part, or whether any call may,
   which sizes the workspace and decides what hn_conv2d_prepare makes).
   cv->fft = 1: when it needs at most half the direct path's multiply-adds,
   the fixed part counted twice over (it runs at a lower rate: small planes,
   one thread) and shared by the n images; a few images with a large
   kernel spectrum stay direct. cv->fft = 2: whenever it fits (tests). */
static int hn__conv2d_ft(const hn_conv2d *cv, int n)
{
    hn__ft g;
    double direct, fixed;
    if (!cv->fft || hn__conv2d_wino(cv) || !hn__ft_fits(cv)) return 0;
    if (cv->fft == 2) return 1;
    hn__ft_init(&g, cv);
    direct = (double)cv->h_out * cv->w_out * cv->c_out * cv->c_in * cv->kh * cv->kw;
    fixed = n > 0 ? 2.0 * hn__ft_fixed(&g) / n : 0.0;
    return 2.0 * (hn__ft_cost(&g) + fixed) <= direct;
}

/* DFT coefficients for planes of rows x cols on the grid, position t of a
   row or column taken as t - shift (the kernel's tap u sits at u - pad).
   With c(f, t) = cos(2 pi f t / nw), s(f, t) = sin(...) along a row and
   C(k, t), S(k, t) likewise down a column (over nh):

      t1 (2 fw x cols)       row f: c(f, t); row fw + f: -s(f, t)
      t2 (2 nh x 2 rows)     row k: C(k, t), S(k, t) for each t in turn;
                             row nh + k: -S(k, t), C(k, t)
      u1 (3 rows x nh)       C(k, t), S(k, t), -S(k, t): row t of each
      u2 (cols x 2 fw)       row t: e c(f, t) for each f, then -e s(f, t),
                             e = 1 for f = 0 and f = nw/2, else 2

   t1 and t2 take a plane's transform (hn__ft_forward), u1 and u2 give back
   its pixels times nh nw (hn__ft_inverse). Every angle is 2 pi m / n for
   an integer m reduced modulo n, so the tables hold exactly the symmetry
   the transforms rely on. */
typedef struct hn__ftab {
    int rows, cols;
    const float *t1, *t2, *u1, *u2;
} hn__ftab;

/* cos and sin of 2 pi m / n for m < n (n <= HN__FT_NMAX): every entry
   of a table is one of these, at m = (f t) mod n. */
static void hn__ft_roots(int n, float *c, float *s)
{
    int m;
    for (m = 0; m < n; m++) {
        float a = (float)(6.283185307179586 * (double)m / n);
        c[m] = HN_COSF(a);
        s[m] = HN_SINF(a);
    }
}

static size_t hn__ft_mod(long long m, int n)
{
    m %= n;
    return (size_t)(m < 0 ? m + n : m);
}

static hn__ftab hn__ft_tables(const hn__ft *g, int rows, int cols, int shift, float *tab)
{
    hn__ftab t;
    size_t fw = (size_t)g->fw, nh = (size_t)g->nh, r2 = (size_t)2 * rows;
    float *t1 = tab, *t2 = t1 + 2 * fw * cols, *u1 = t2 + 2 * nh * r2;
    float *u2 = u1 + (size_t)3 * rows * nh;
    size_t f, k, p, rc = (size_t)rows * nh;
    float cosn[HN__FT_NMAX], sinn[HN__FT_NMAX];
    hn__ft_roots(g->nw, cosn, sinn);
    for (f = 0; f < fw; f++) {
        float e = f == 0 || 2 * f == (size_t)g->nw ? 1.0f : 2.0f;
        for (p = 0; p < (size_t)cols; p++) {
            size_t m = hn__ft_mod((long long)f * ((long long)p - shift), g->nw);
            float cs = cosn[m], sn = sinn[m];
            t1[f * cols + p] = cs;
            t1[(fw + f) * cols + p] = -sn;
            u2[p * 2 * fw + f] = e * cs;
            u2[p * 2 * fw + fw + f] = -e * sn;
        }
    }
    hn__ft_roots(g->nh, cosn, sinn);
    for (k = 0; k < nh; k++)
        for (p = 0; p < (size_t)rows; p++) {
            size_t m = hn__ft_mod((long long)k * ((long long)p - shift), g->nh);
            float cs = cosn[m], sn = sinn[m];
            t2[k * r2 + 2 * p] = cs;
            t2[k * r2 + 2 * p + 1] = sn;
            t2[(nh + k) * r2 + 2 * p] = -sn;
            t2[(nh + k) * r2 + 2 * p + 1] = cs;
            u1[p * nh + k] = cs;
            u1[rc + p * nh + k] = sn;
            u1[2 * rc + p * nh + k] = -sn;
        }
    t.rows = rows; t.cols = cols;
    t.t1 = t1; t.t2 = t2; t.u1 = u1; t.u2 = u2;
    return t;
}

/* The one kernel of this path:

      z[i zi + v zv] (+)= sum_k a[i ai + k ak] b[k bk + v bv]

   for i < m, v < nv, k < kk, where z[.] and b[.] are vectors of HN__WW
   floats and a[.] scalars: a block of R rows of A times one or two
   vectors of B at a time, R x V sums in registers. Tiles are functions of
   their own (HN__FT_TILE), so that every sum stays a register. */
#define HN__FT_TILE(NAME, R, V)                                                     \
static void NAME(int kk, const float *a, size_t ai, size_t ak, const float *b,     \
                 size_t bk, size_t bv, float *z, size_t zi, size_t zv, int add)    \
{                                                                                  \
    hn__wv acc[R][V], bb[V];                                                       \
    int k, r, v;                                                                   \
    HN__UNROLL                                                                     \
    for (r = 0; r < R; r++) {                                                      \
        HN__UNROLL                                                                 \
        for (v = 0; v < V; v++) acc[r][v] = HN__WZERO();                           \
    }                                                                              \
    for (k = 0; k < kk; k++, a += ak, b += bk) {                                   \
        HN__UNROLL                                                                 \
        for (v = 0; v < V; v++) bb[v] = HN__WLOAD(b + v * bv);                     \
        HN__UNROLL                                                                 \
        for (r = 0; r < R; r++) {                                                  \
            float s = a[r * ai];                                                   \
            HN__UNROLL                                                             \
            for (v = 0; v < V; v++) acc[r][v] = HN__WMAC(bb[v], s, acc[r][v]);     \
        }                                                                          \
    }                                                                              \
    HN__UNROLL                                                                     \
    for (r = 0; r < R; r++) {                                                      \
        HN__UNROLL                                                                 \
        for (v = 0; v < V; v++) {                                                  \
            float *zp = z + r * zi + v * zv;                                       \
            HN__WSTORE(zp, add ? HN__WADD(acc[r][v], HN__WLOAD(zp)) : acc[r][v]);  \
        }                                                                          \
    }                                                                              \
}

HN__FT_TILE(hn__ft_t1x1, 1, 1)
HN__FT_TILE(hn__ft_t2x1, 2, 1)
HN__FT_TILE(hn__ft_t3x1, 3, 1)
HN__FT_TILE(hn__ft_t4x1, 4, 1)
HN__FT_TILE(hn__ft_t5x1, 5, 1)
HN__FT_TILE(hn__ft_t6x1, 6, 1)
HN__FT_TILE(hn__ft_t1x2, 1, 2)
HN__FT_TILE(hn__ft_t2x2, 2, 2)
HN__FT_TILE(hn__ft_t3x2, 3, 2)
HN__FT_TILE(hn__ft_t4x2, 4, 2)
HN__FT_TILE(hn__ft_t5x2, 5, 2)
HN__FT_TILE(hn__ft_t6x2, 6, 2)

typedef void (*hn__ft_tile_fn)(int, const float *, size_t, size_t, const float *, size_t,
                               size_t, float *, size_t, size_t, int);

/* Rows a tile takes: 6 x 2 is twelve sums, within the 32 registers of
   AVX-512 and AArch64 beside the B vectors; 3 x 2 for 16 registers. */
#if defined(HN__AVX512) || (defined(HN__NEON) && defined(__aarch64__))
#define HN__FT_R 6
#else
#define HN__FT_R 3
#endif

static void hn__ft_mm(int m, int nv, int kk, const float *a, size_t ai, size_t ak,
                      const float *b, size_t bk, size_t bv, float *z, size_t zi, size_t zv,
                      int add)
{
    static const hn__ft_tile_fn one[6] = {hn__ft_t1x1, hn__ft_t2x1, hn__ft_t3x1,
                                          hn__ft_t4x1, hn__ft_t5x1, hn__ft_t6x1};
    static const hn__ft_tile_fn two[6] = {hn__ft_t1x2, hn__ft_t2x2, hn__ft_t3x2,
                                          hn__ft_t4x2, hn__ft_t5x2, hn__ft_t6x2};
    int i, v;
    for (i = 0; i < m; i += HN__FT_R) {
        int r = HN__MIN(HN__FT_R, m - i);
        const float *ar = a + (size_t)i * ai;
        float *zr = z + (size_t)i * zi;
        for (v = 0; v + 2 <= nv; v += 2)
            two[r - 1](kk, ar, ai, ak, b + (size_t)v * bv, bk, bv, zr + (size_t)v * zv, zi,
                       zv, add);
        if (v < nv)
            one[r - 1](kk, ar, ai, ak, b + (size_t)v * bv, bk, bv, zr + (size_t)v * zv, zi,
                       zv, add);
    }
}

/* d[p L + l] = x[l plane + p] for p < npix: up to L planes (nch of them;
   the other lanes zero) to vectors of L channels per pixel. */
static void hn__ft_to_lanes(const float *x, size_t plane, int nch, int npix, float *d)
{
    int p = 0, l;
#if defined(HN__AVX2) || defined(HN__AVX512)
    for (; p + 8 <= npix; p += 8) {
        int h;
        for (h = 0; h < HN__FT_L; h += 8) {
            __m256 r[8];
            int i;
            for (i = 0; i < 8; i++)
                r[i] = h + i < nch ? _mm256_loadu_ps(x + (size_t)(h + i) * plane + p)
                                   : _mm256_setzero_ps();
            hn__tr8(r);
            for (i = 0; i < 8; i++) _mm256_storeu_ps(d + (size_t)(p + i) * HN__FT_L + h, r[i]);
        }
    }
#endif
    for (; p < npix; p++)
        for (l = 0; l < HN__FT_L; l++)
            d[(size_t)p * HN__FT_L + l] = l < nch ? x[(size_t)l * plane + p] : 0.0f;
}

/* y[l plane + p] = d[p L + l] (+ bias[l]), or += when add, for l < nch. */
static void hn__ft_from_lanes(const float *d, int nch, int npix, const float *bias, int add,
                              float *y, size_t plane)
{
    int p = 0, l;
#if defined(HN__AVX2) || defined(HN__AVX512)
    for (; p + 8 <= npix; p += 8) {
        int h;
        for (h = 0; h < nch; h += 8) {
            __m256 r[8];
            int i;
            for (i = 0; i < 8; i++) r[i] = _mm256_loadu_ps(d + (size_t)(p + i) * HN__FT_L + h);
            hn__tr8(r);
            for (i = 0; i < 8 && h + i < nch; i++) {
                float *yp = y + (size_t)(h + i) * plane + p;
                __m256 v = r[i];
                if (bias) v = _mm256_add_ps(v, _mm256_set1_ps(bias[h + i]));
                if (add) v = _mm256_add_ps(v, _mm256_loadu_ps(yp));
                _mm256_storeu_ps(yp, v);
            }
        }
    }
#endif
    for (; p < npix; p++)
        for (l = 0; l < nch; l++) {
            float v = d[(size_t)p * HN__FT_L + l] + (bias ? bias[l] : 0.0f);
            float *yp = y + (size_t)l * plane + p;
            *yp = add ? *yp + v : v;
        }
}

/* The spectrum of a plane of rows x cols lane vectors (x, row by row):
   bin (k, f) to out + (k fw + f) ostride as [L real parts][L imaginary].
   Along the rows, s1[t][re/im][f] = sum_p t1[re/im f][p] x[t][p]; down
   the columns, with the rows' real and imaginary parts interleaved as
   the depth of one product, X_re[k][f] = sum_t C s1[t][re][f] +
   S s1[t][im][f] and X_im[k][f] = sum_t -S s1[t][re][f] + C s1[t][im][f],
   written straight to the bins. */
static void hn__ft_forward(const hn__ft *g, const hn__ftab *t, const float *x, float *out,
                           size_t ostride, float *s1)
{
    size_t l = HN__FT_L, fw = (size_t)g->fw, r2 = (size_t)2 * t->rows;
    int sv, part;
    for (sv = 0; sv < HN__FT_L; sv += HN__WW) {
        hn__ft_mm((int)(2 * fw), t->rows, t->cols, t->t1, (size_t)t->cols, 1, x + sv, l,
                  (size_t)t->cols * l, s1 + sv, l, 2 * fw * l, 0);
        for (part = 0; part < 2; part++)
            hn__ft_mm(g->nh, (int)fw, (int)r2, t->t2 + (size_t)part * g->nh * r2, r2, 1,
                      s1 + sv, fw * l, l, out + (size_t)part * l + sv, fw * ostride,
                      ostride, 0);
    }
}

/* The plane of rows x cols lane vectors (into y) whose spectrum, times
   nh nw, is at in (as hn__ft_forward writes it, bin stride istride).
   Down the columns, P[t][f] = sum_k (C + i S)[t][k] Y[k][f] into s1 as
   [t][re/im][f] (P_re = C Y_re - S Y_im, P_im = S Y_re + C Y_im); then
   along the rows y[t][p] = sum u2[p][.] s1[t][.]. */
static void hn__ft_inverse(const hn__ft *g, const hn__ftab *t, const float *in,
                           size_t istride, float *y, float *s1)
{
    size_t l = HN__FT_L, fw = (size_t)g->fw, nh = (size_t)g->nh;
    size_t rc = (size_t)t->rows * nh, bk = fw * istride;
    /* (output part, input part, u1 block) of the four products */
    static const int plan[4][3] = {{0, 0, 0}, {0, 1, 2}, {1, 0, 1}, {1, 1, 0}};
    int sv, j;
    for (sv = 0; sv < HN__FT_L; sv += HN__WW) {
        for (j = 0; j < 4; j++)
            hn__ft_mm(t->rows, g->fw, g->nh, t->u1 + (size_t)plan[j][2] * rc, nh, 1,
                      in + (size_t)plan[j][1] * l + sv, bk, istride,
                      s1 + (size_t)plan[j][0] * fw * l + sv, 2 * fw * l, l, j % 2);
        hn__ft_mm(t->cols, t->rows, (int)(2 * fw), t->u2, 2 * fw, 1, s1 + sv, l,
                  2 * fw * l, y + sv, l, (size_t)t->cols * l, 0);
    }
}

/* The kernel's spectrum as the product matrix of each bin, times
   1/(nh nw). Forward (dx = 0): Y = X conj(W), rows (c, re/im) and columns
   (o, re/im), so that a row [x_re x_im] of a bin times it gives y's:
   row (c, re) = [W_re, -W_im], row (c, im) = [W_im, W_re]. Input gradient
   (dx = 1): DX = DY W, rows (o, .) and columns (c, .): row (o, re) =
   [W_re, W_im], row (o, im) = [-W_im, W_re]. Rows of padded channels
   are zero. */
static void hn__ft_kernel(const hn__ft *g, int dx, const float *w, const hn__ftab *tk,
                          float *kspec, float *mat, float *plane, float *s1)
{
    int rows = dx ? g->co : g->ci, lanes = dx ? g->ci : g->co;
    int qr = dx ? g->qo : g->qi, ql = dx ? g->qi : g->qo;
    size_t khw = (size_t)g->kh * g->kw, sr = (size_t)2 * HN__FT_L * qr;
    size_t sl = (size_t)2 * HN__FT_L * ql, l = HN__FT_L;
    float scale = 1.0f / ((float)g->nh * g->nw);
    int r, q;
    /* Each row channel's kernels, its lane channels side by side. */
    for (r = 0; r < rows; r++)
        for (q = 0; q < ql; q++) {
            int nch = HN__MIN(HN__FT_L, lanes - q * HN__FT_L);
            const float *src = dx ? w + ((size_t)r * g->ci + (size_t)q * l) * khw
                                  : w + ((size_t)q * l * g->ci + r) * khw;
            hn__ft_to_lanes(src, dx ? khw : (size_t)g->ci * khw, nch, (int)khw, plane);
            hn__ft_forward(g, tk, plane, kspec + (size_t)r * g->bins * sl + (size_t)q * 2 * l,
                           sl, s1);
        }
    {
        long long bin;
#ifdef _OPENMP
        #pragma omp parallel for schedule(static) if ((double)g->bins * sr * sl > 65536)
#endif
        for (bin = 0; bin < g->bins; bin++) {
            float *m = mat + (size_t)bin * sr * sl;
            int i;
            for (i = 0; i < qr * HN__FT_L; i++) {
                float *re = m + ((size_t)(i / HN__FT_L) * 2 * l + (size_t)(i % HN__FT_L)) * sl;
                float *im = re + l * sl;
                const float *k;
                size_t j, c;
                if (i >= rows) {   /* a padded channel: zeros */
                    memset(re, 0, sl * sizeof(float));
                    memset(im, 0, sl * sizeof(float));
                    continue;
                }
                k = kspec + ((size_t)i * g->bins + bin) * sl;
                for (c = 0; c < sl; c += 2 * l)
                    for (j = 0; j < l; j += HN__WW) {
                        hn__wv wr = HN__WMUL(HN__WLOAD(k + c + j), scale);
                        hn__wv wi = HN__WMUL(HN__WLOAD(k + c + l + j), scale);
                        hn__wv nwi = HN__WSUB(HN__WZERO(), wi);
                        HN__WSTORE(re + c + j, wr);
                        HN__WSTORE(re + c + l + j, dx ? wi : nwi);
                        HN__WSTORE(im + c + j, dx ? nwi : wi);
                        HN__WSTORE(im + c + l + j, wr);
                    }
            }
        }
    }
}

/* The images of one slot in chunks: forward (y = conv(x) + b, or +=
   when add) or, with dy, the input and weight gradients. */
typedef struct hn__ft_job {
    const hn__ft *g;
    const hn__ftab *tx, *ty;
    const float *x, *dy, *mat, *b;
    float *y, *dx, *pq, *pdb;
    int add;
} hn__ft_job;

/* Transform `nimg` images of `nch` channels (planes of rows x cols) to
   spectra: image im's bins from f + im bins si, si floats apart. */
static void hn__ft_images(const hn__ft *g, const hn__ftab *t, const float *x, int nimg,
                          int nch, float *f, size_t si, float *plane, float *s1)
{
    size_t hw = (size_t)t->rows * t->cols;
    int im, q, nq = (nch + HN__FT_L - 1) / HN__FT_L;
    for (im = 0; im < nimg; im++)
        for (q = 0; q < nq; q++) {
            hn__ft_to_lanes(x + ((size_t)im * nch + (size_t)q * HN__FT_L) * hw, hw,
                            HN__MIN(HN__FT_L, nch - q * HN__FT_L), (int)hw, plane);
            hn__ft_forward(g, t, plane,
                           f + (size_t)im * g->bins * si + (size_t)q * 2 * HN__FT_L, si, s1);
        }
}

/* The inverse of hn__ft_images: planes out of spectra f, bias and add as
   hn__ft_from_lanes. */
static void hn__ft_planes(const hn__ft *g, const hn__ftab *t, const float *f, size_t si,
                          int nimg, int nch, const float *bias, int add, float *y,
                          float *plane, float *s1)
{
    size_t hw = (size_t)t->rows * t->cols;
    int im, q, nq = (nch + HN__FT_L - 1) / HN__FT_L;
    for (im = 0; im < nimg; im++)
        for (q = 0; q < nq; q++) {
            hn__ft_inverse(g, t, f + (size_t)im * g->bins * si + (size_t)q * 2 * HN__FT_L,
                           si, plane, s1);
            hn__ft_from_lanes(plane, HN__MIN(HN__FT_L, nch - q * HN__FT_L), (int)hw,
                              bias ? bias + q * HN__FT_L : NULL, add,
                              y + ((size_t)im * nch + (size_t)q * HN__FT_L) * hw, hw);
        }
}

/* Images [i0, i1) of the job, in chunks, with one thread's scratch. A
   bin's products over a chunk: rows of images (bins si floats apart)
   times the bin's matrix. */
static void hn__ft_slot(const hn__ft_job *jb, int i0, int i1, float *scratch,
                        const hn__ft_ws *L)
{
    const hn__ft *g = jb->g;
    float *plane = scratch, *s1 = plane + L->plane;
    float *fa = s1 + L->s1, *fb = fa + L->fa, *fc = fb + L->fb;
    size_t in_size = (size_t)g->ci * g->hi * g->wi, out_size = (size_t)g->co * g->ho * g->wo;
    size_t hw = (size_t)g->ho * g->wo, bins = (size_t)g->bins, mm = g->si * g->so;
    int i, bin, q, part;
    for (i = i0; i < i1; i += HN__FT_CHUNK) {
        int nimg = HN__MIN(HN__FT_CHUNK, i1 - i);
        const float *xi = jb->x ? jb->x + (size_t)i * in_size : NULL;
        if (!jb->dy) {
            /* Forward: X, then Y = X M bin by bin, then y. */
            hn__ft_images(g, jb->tx, xi, nimg, g->ci, fa, g->si, plane, s1);
            for (bin = 0; bin < g->bins; bin++)
                hn__ft_mm(nimg, (int)(g->so / HN__WW), (int)g->si, fa + bin * g->si,
                          bins * g->si, 1, jb->mat + bin * mm, g->so, HN__WW,
                          fc + bin * g->so, bins * g->so, HN__WW, 0);
            hn__ft_planes(g, jb->ty, fc, g->so, nimg, g->co, jb->b, jb->add,
                          jb->y + (size_t)i * out_size, plane, s1);
            continue;
        }
        /* Backward: DY, then DX = DY M and dx; P += DY_re^T X and
           Q += DY_im^T X for the weight gradient. */
        hn__ft_images(g, jb->ty, jb->dy + (size_t)i * out_size, nimg, g->co, fb, g->so,
                      plane, s1);
        if (jb->pdb)
            for (q = 0; q < nimg; q++)
                hn__conv_db_add(jb->dy + (size_t)(i + q) * out_size, g->co, hw, jb->pdb);
        if (jb->dx) {
            for (bin = 0; bin < g->bins; bin++)
                hn__ft_mm(nimg, (int)(g->si / HN__WW), (int)g->so, fb + bin * g->so,
                          bins * g->so, 1, jb->mat + bin * mm, g->si, HN__WW,
                          fc + bin * g->si, bins * g->si, HN__WW, 0);
            hn__ft_planes(g, jb->tx, fc, g->si, nimg, g->ci, NULL, jb->add,
                          jb->dx + (size_t)i * in_size, plane, s1);
        }
        if (jb->pq) {
            hn__ft_images(g, jb->tx, xi, nimg, g->ci, fa, g->si, plane, s1);
            for (bin = 0; bin < g->bins; bin++)
                for (q = 0; q < g->qo; q++)
                    for (part = 0; part < 2; part++)
                        hn__ft_mm(HN__FT_L, (int)(g->si / HN__WW), nimg,
                                  fb + bin * g->so + (size_t)q * 2 * HN__FT_L +
                                      (size_t)part * HN__FT_L,
                                  1, bins * g->so, fa + bin * g->si, bins * g->si, HN__WW,
                                  jb->pq + (((size_t)part * g->bins + bin) * g->qo + q) *
                                               HN__FT_L * g->si,
                                  g->si, HN__WW, i > i0);
        }
    }
}

/* Tables of the three plane sizes into the workspace. */
static void hn__ft_setup(const hn__ft *g, float *ws, hn__ftab *tx, hn__ftab *ty,
                         hn__ftab *tk)
{
    float *t = ws;
    *tx = hn__ft_tables(g, g->hi, g->wi, 0, t);
    t += hn__ft_tab_size(g, g->hi, g->wi);
    *ty = hn__ft_tables(g, g->ho, g->wo, 0, t);
    t += hn__ft_tab_size(g, g->ho, g->wo);
    *tk = hn__ft_tables(g, g->kh, g->kw, g->pad, t);
}

static void hn__ft_forward_conv(const hn_conv2d *cv, int n, const float *x, const float *w,
                                const float *b, int add, float *y, float *ws)
{
    hn__ft g;
    hn__ft_ws L;
    hn__ftab tx, ty, tk;
    hn__ft_job jb;
    int slots = cv->slots, s;
    float *mat, *scratch;
    hn__ft_init(&g, cv);
    hn__ft_layout(&g, &L);
    hn__ft_setup(&g, ws, &tx, &ty, &tk);
    mat = ws + L.tab;
    scratch = ws + L.shared;
    if (cv->prepared) mat = (float *)cv->prepared;
    else hn__ft_kernel(&g, 0, w, &tk, mat + L.mat, mat, scratch, scratch + L.plane);
    memset(&jb, 0, sizeof jb);
    jb.g = &g; jb.tx = &tx; jb.ty = &ty;
    jb.x = x; jb.mat = mat; jb.b = b; jb.y = y; jb.add = add;
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++)
        hn__ft_slot(&jb, hn__slot_begin(s, n, slots), hn__slot_begin(s + 1, n, slots),
                    scratch + (size_t)hn__slot_thread() * L.slot, &L);
}

/* dx (= when set, else +=), dw and db (+=), any of them NULL. */
static void hn__ft_backward_conv(const hn_conv2d *cv, int n, const float *x, const float *w,
                                 const float *dy, float *dx, int set, float *dw, float *db,
                                 float *ws)
{
    hn__ft g;
    hn__ft_ws L;
    hn__ftab tx, ty, tk;
    hn__ft_job jb;
    int slots = cv->slots, s;
    float *mat, *kspec, *scratch;
    long long e, total;
    hn__ft_init(&g, cv);
    hn__ft_layout(&g, &L);
    hn__ft_setup(&g, ws, &tx, &ty, &tk);
    mat = ws + L.tab;
    kspec = mat + L.mat;
    scratch = ws + L.shared;
    if (dx)
        hn__ft_kernel(&g, 1, w, &tk, kspec, mat, scratch, scratch + L.plane);
    memset(&jb, 0, sizeof jb);
    jb.g = &g; jb.tx = &tx; jb.ty = &ty;
    jb.x = x; jb.dy = dy; jb.mat = mat; jb.dx = dx; jb.add = !set;
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++) {
        hn__ft_job mine = jb;
        float *sum = scratch + (size_t)s * L.slot + L.thread;
        if (dw) {
            /* (The first chunk sets the sums; an empty slot has none.) */
            mine.pq = sum;
            if (hn__slot_begin(s, n, slots) == hn__slot_begin(s + 1, n, slots))
                memset(sum, 0, L.pq * sizeof(float));
        }
        if (db) {
            mine.pdb = sum + L.pq;
            memset(mine.pdb, 0, (size_t)g.co * sizeof(float));
        }
        hn__ft_slot(&mine, hn__slot_begin(s, n, slots), hn__slot_begin(s + 1, n, slots),
                    scratch + (size_t)hn__slot_thread() * L.slot, &L);
    }
    if (db)
        for (s = 0; s < slots; s++) {
            int o;
            for (o = 0; o < g.co; o++)
                db[o] += scratch[(size_t)s * L.slot + L.thread + L.pq + (size_t)o];
        }
    if (!dw) return;

    /* The slots' P and Q in slot order, then DW = P_re + Q_im +
       i (P_im - Q_re), scaled, as spectra of "images" o with lanes c. */
    total = (long long)g.bins * g.co;
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (total > 64)
#endif
    for (e = 0; e < total; e++) {
        int bin = (int)(e / g.co), o = (int)(e % g.co), q, t;
        size_t row = ((size_t)bin * g.qo + (size_t)(o / HN__FT_L)) * HN__FT_L * g.si +
                     (size_t)(o % HN__FT_L) * g.si;
        size_t qoff = (size_t)g.bins * g.qo * HN__FT_L * g.si, l = HN__FT_L, j;
        float scale = 1.0f / ((float)g.nh * g.nw);
        float *out = kspec + ((size_t)o * g.bins + bin) * g.si;
        for (q = 0; q < g.qi; q++)
            for (j = 0; j < l; j += HN__WW) {
                size_t re = (size_t)q * 2 * l + j, im = re + l;
                hn__wv sr = HN__WZERO(), si = HN__WZERO();
                for (t = 0; t < slots; t++) {
                    const float *p = scratch + (size_t)t * L.slot + L.thread + row;
                    sr = HN__WADD(sr, HN__WADD(HN__WLOAD(p + re), HN__WLOAD(p + qoff + im)));
                    si = HN__WADD(si, HN__WSUB(HN__WLOAD(p + im), HN__WLOAD(p + qoff + re)));
                }
                HN__WSTORE(out + re, HN__WMUL(sr, scale));
                HN__WSTORE(out + im, HN__WMUL(si, scale));
            }
    }

    /* Each kernel row o back to kh x kw taps, added onto dw. */
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (g.co > 1)
#endif
    for (e = 0; e < g.co; e++) {
        float *sc = scratch + (size_t)hn__slot_thread() * L.slot;
        size_t khw = (size_t)g.kh * g.kw;
        int q;
        for (q = 0; q < g.qi; q++) {
            hn__ft_inverse(&g, &tk,
                           kspec + (size_t)e * g.bins * g.si + (size_t)q * 2 * HN__FT_L,
                           g.si, sc, sc + L.plane);
            hn__ft_from_lanes(sc, HN__MIN(HN__FT_L, g.ci - q * HN__FT_L), (int)khw, NULL, 1,
                              dw + ((size_t)e * g.ci + (size_t)q * HN__FT_L) * khw, khw);
        }
    }
}

/* The Winograd path runs all three products; the bias gradient stays on
   the wide-row path, so the workspace must hold either's. */
HNDEF size_t hn_conv2d_workspace_size(const hn_conv2d *cv)
{
    HN_ASSERT(cv->slots >= 1);
    if (hn__conv2d_wide(cv)) {
        hn__convw_ws L;
        size_t need;
        hn__convw_layout(cv, &L);
        need = L.shared + L.slot * (size_t)cv->slots;
        if (hn__conv2d_wino(cv)) {
            hn__wino_ws W;
            hn__wino_dw_ws D;
            hn__wino_layout(cv, &W);
            hn__wino_dw_layout(cv, &D);
            need = HN__MAX(need, W.shared + W.slot * (size_t)cv->slots);
            need = HN__MAX(need, D.slot * (size_t)cv->slots);
        }
        if (hn__conv2d_ft(cv, 0)) {
            hn__ft g;
            hn__ft_ws F;
            hn__ft_init(&g, cv);
            hn__ft_layout(&g, &F);
            need = HN__MAX(need, F.shared + F.slot * (size_t)cv->slots);
        }
        return need;
    }
    return hn__conv2d_slot_size(cv) * (size_t)cv->slots;
}

/* The forward product's U: 36 blocks of the packed kernel. */
HNDEF size_t hn_conv2d_prepared_size(const hn_conv2d *cv)
{
    if (hn__conv2d_ft(cv, 0)) {
        /* The product matrices, then room to compute them in. */
        hn__ft g;
        hn__ft_ws L;
        hn__ft_init(&g, cv);
        hn__ft_layout(&g, &L);
        return L.mat + L.tab + L.kspec + L.plane + L.s1;
    }
    if (!hn__conv2d_wino(cv)) return 0;
    return 36 * hn__wino_stride(hn__convw_rows(cv->c_out) * (size_t)cv->c_in);
}

HNDEF void hn_conv2d_prepare(hn_conv2d *cv, const float *w, float *u)
{
    if (hn__conv2d_ft(cv, 0)) {
        hn__ft g;
        hn__ft_ws L;
        hn__ftab tx, ty, tk;
        float *t, *sc;
        hn__ft_init(&g, cv);
        hn__ft_layout(&g, &L);
        t = u + L.mat;
        hn__ft_setup(&g, t, &tx, &ty, &tk);
        sc = t + L.tab + L.kspec;
        hn__ft_kernel(&g, 0, w, &tk, t + L.tab, u, sc, sc + L.plane);
        cv->prepared = u;
        return;
    }
    if (!hn__conv2d_wino(cv)) return;
    hn__wino_pack_u(cv, 0, w, u);
    cv->prepared = u;
}

/* y = conv(x) + b, or y += conv(x) when add (b then NULL). */
static void hn__conv2d_forward(const hn_conv2d *cv, int n, const float *x, const float *w,
                               const float *b, int add, float *y, float *ws)
{
    if (hn__conv2d_wino(cv)) {
        hn__wino_run(cv, 0, n, x, NULL, w, b, add ? y : NULL, y, ws);
        return;
    }
    if (hn__conv2d_ft(cv, cv->prepared ? 0 : n)) {
        hn__ft_forward_conv(cv, n, x, w, b, add, y, ws);
        return;
    }
    if (hn__conv2d_wide(cv)) {
        hn__convw_forward(cv, n, x, w, b, add, y, ws);
        return;
    }
    int k = cv->c_in * cv->kh * cv->kw, hw = cv->h_out * cv->w_out;
    int slots = cv->slots, s;
    size_t in_size = (size_t)cv->c_in * cv->h_in * cv->w_in;
    size_t out_size = (size_t)cv->c_out * hw, slot_size = hn__conv2d_slot_size(cv);
    HN_ASSERT(n >= 0 && slots >= 1);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++) {
        float *col = ws + (size_t)hn__slot_thread() * slot_size;
        int i, o, j;
        for (i = hn__slot_begin(s, n, slots); i < hn__slot_begin(s + 1, n, slots); i++) {
            const float *xi = x + (size_t)i * in_size, *src = xi;
            float *yi = y + (size_t)i * out_size;
            if (!hn__conv2d_pointwise(cv)) {
                hn__im2col(cv, xi, col, NULL);
                src = col;
            }
            /* y_i (c_out, hw) (+)= w (c_out, k) col (k, hw) */
            hn_sgemm(0, 0, cv->c_out, hw, k, 1.0f, w, k, src, hw, add ? 1.0f : 0.0f, yi, hw);
            if (b)
                for (o = 0; o < cv->c_out; o++)
                    for (j = 0; j < hw; j++) yi[(size_t)o * hw + j] += b[o];
        }
    }
}

HNDEF void hn_conv2d_forward(const hn_conv2d *cv, int n, const float *x, const float *w,
                             const float *b, float *y, float *ws)
{
    hn__conv2d_forward(cv, n, x, w, b, 0, y, ws);
}

/* y = conv(bnrelu(x)) + r (no bias) for the residual blocks: bn NULL for
   x itself (else the Winograd path only, which applies it as it pads),
   r a residual laid out as y (r may be y), or NULL for none. On the
   Winograd path r is added in the output transform's pass over y. */
static void hn__conv2d_forward_bn(const hn_conv2d *cv, int n, const float *x,
                                  const hn__bnrelu *bn, const float *w, const float *r,
                                  float *y, float *ws)
{
    if (hn__conv2d_wino(cv)) {
        hn__wino_run(cv, 0, n, x, bn, w, NULL, r, y, ws);
        return;
    }
    HN_ASSERT(!bn);
    if (r && r != y)
        memcpy(y, r, (size_t)n * cv->c_out * cv->h_out * cv->w_out * sizeof(float));
    hn__conv2d_forward(cv, n, x, w, NULL, r != NULL, y, ws);
}

/* hn_conv2d_backward, where set makes it dx = dL/dx rather than +=, and
   bn (Winograd path only) puts x through batch norm and ReLU, as
   hn__conv2d_forward_bn. */
static void hn__conv2d_backward(const hn_conv2d *cv, int n, const float *x,
                                const hn__bnrelu *bn, const float *w, const float *dy,
                                float *dx, int set, float *dw, float *db, float *ws)
{
    int k = cv->c_in * cv->kh * cv->kw, hw = cv->h_out * cv->w_out, co = cv->c_out;
    int slots = cv->slots, pw = hn__conv2d_pointwise(cv), s;
    long long j, nw = (long long)co * k;
    size_t in_size = (size_t)cv->c_in * cv->h_in * cv->w_in;
    size_t out_size = (size_t)co * hw, slot_size = hn__conv2d_slot_size(cv);
    size_t col_size = pw ? 0 : (size_t)k * hw;
    HN_ASSERT(n >= 0 && slots >= 1);
    if (hn__conv2d_wino(cv)) {
        /* One product after another, each with all of the workspace. */
        if (db) hn__convw_backward(cv, n, x, w, dy, NULL, NULL, db, ws);
        if (dw) hn__wino_dw(cv, n, x, bn, dy, dw, ws);
        if (dx) hn__wino_run(cv, 1, n, dy, NULL, w, NULL, set ? NULL : dx, dx, ws);
        return;
    }
    HN_ASSERT(!bn);
    if (hn__conv2d_ft(cv, n)) {
        hn__ft_backward_conv(cv, n, x, w, dy, dx, set, dw, db, ws);
        return;
    }
    if (dx && set) memset(dx, 0, (size_t)n * in_size * sizeof(float));
    if (hn__conv2d_wide(cv)) {
        hn__convw_backward(cv, n, x, w, dy, dx, dw, db, ws);
        return;
    }
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) num_threads(hn__slot_team(slots)) \
        if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++) {
        float *col = ws + (size_t)hn__slot_thread() * slot_size;
        float *pdw = ws + (size_t)s * slot_size + col_size, *pdb = pdw + (size_t)co * k;
        int i;
        memset(pdw, 0, ((size_t)co * k + co) * sizeof(float));
        for (i = hn__slot_begin(s, n, slots); i < hn__slot_begin(s + 1, n, slots); i++) {
            const float *xi = x + (size_t)i * in_size, *dyi = dy + (size_t)i * out_size;
            float *dxi = dx ? dx + (size_t)i * in_size : NULL;

            /* Weight gradient: pdw (c_out, k) += dy_i (c_out, hw) col^T. */
            if (dw) {
                const float *src = xi;
                if (!pw) {
                    hn__im2col(cv, xi, col, NULL);
                    src = col;
                }
                hn_sgemm(0, 1, co, k, hw, 1.0f, dyi, hw, src, hw, 1.0f, pdw, k);
            }
            if (db) hn__conv_db_add(dyi, (int)co, (size_t)hw, pdb);

            /* Input gradient: dcol (k, hw) = w^T dy_i, folded back onto
               the image; pointwise, the product adds into dx directly. */
            if (dxi && pw) {
                hn_sgemm(1, 0, k, hw, co, 1.0f, w, k, dyi, hw, 1.0f, dxi, hw);
            } else if (dxi) {
                hn_sgemm(1, 0, k, hw, co, 1.0f, w, k, dyi, hw, 0.0f, col, hw);
                hn__im2col(cv, NULL, col, dxi);
            }
        }
    }

    /* Sum the slots' partial gradients in slot order: the same additions
       in the same order whatever the number of threads. */
    if (dw) {
#ifdef _OPENMP
        #pragma omp parallel for schedule(static) if (nw * slots > HN__LAYER_OMP_MIN)
#endif
        for (j = 0; j < nw; j++) {
            int t;   /* private to the thread, unlike s */
            for (t = 0; t < slots; t++) dw[j] += ws[(size_t)t * slot_size + col_size + j];
        }
    }
    if (db)
        for (j = 0; j < co; j++)
            for (s = 0; s < slots; s++)
                db[j] += ws[(size_t)s * slot_size + col_size + (size_t)nw + j];
}

HNDEF void hn_conv2d_backward(const hn_conv2d *cv, int n, const float *x, const float *w,
                              const float *dy, float *dx, float *dw, float *db,
                              float *ws)
{
    hn__conv2d_backward(cv, n, x, NULL, w, dy, dx, 0, dw, db, ws);
}

/* ---- pooling ---- */

HNDEF hn_status hn_pool2d_init(hn_pool2d *p, int c, int h_in, int w_in, int kh, int kw,
                               int stride_h, int stride_w)
{
    memset(p, 0, sizeof *p);
    if (c <= 0 || h_in <= 0 || w_in <= 0 || kh <= 0 || kw <= 0 || stride_h <= 0 ||
        stride_w <= 0)
        return hn__fail(HN_ERR_ARG, "pool2d: sizes %d %d %d %d %d %d %d out of range",
                        c, h_in, w_in, kh, kw, stride_h, stride_w);
    if (kh > h_in || kw > w_in)
        return hn__fail(HN_ERR_SHAPE, "pool2d: window %dx%d larger than the input %dx%d",
                        kh, kw, h_in, w_in);
    if ((size_t)h_in * w_in > (size_t)INT_MAX)
        return hn__fail(HN_ERR_LIMIT, "pool2d: plane %dx%d too large", h_in, w_in);
    p->c = c; p->h_in = h_in; p->w_in = w_in;
    p->kh = kh; p->kw = kw; p->stride_h = stride_h; p->stride_w = stride_w;
    p->h_out = (h_in - kh) / stride_h + 1;
    p->w_out = (w_in - kw) / stride_w + 1;
    return HN_OK;
}

#ifdef HN__AVX512
/* One output row of the 2x2 / stride-2 window, sixteen outputs a step:
   the even and odd columns of both input rows picked apart by two-source
   permutes, the winners chosen by compares, ties to the first in row
   order as below; the last step masked. top is the row pair's first row
   (w_in floats, the second follows), base its offset in the plane.
   Returns the outputs written (all of them). */
static int hn__maxpool2_row(const float *top, int w_in, int w_out, int base, float *y,
                            int *arg)
{
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24,
                                           26, 28, 30);
    const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
    const __m512i one = _mm512_set1_epi32(1), down = _mm512_set1_epi32(w_in);
    const __m512i lane2 = _mm512_slli_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9,
                                                               10, 11, 12, 13, 14, 15), 1);
    int s;
    for (s = 0; s < w_out; s += 16) {
        int n = HN__MIN(16, w_out - s), in = 2 * n;
        __mmask16 m0 = (__mmask16)(in >= 16 ? 0xffff : (1u << in) - 1);
        __mmask16 m1 = (__mmask16)(in <= 16 ? 0 : (1u << (in - 16)) - 1);
        __mmask16 mo = (__mmask16)(n == 16 ? 0xffff : (1u << n) - 1);
        const float *t = top + 2 * s, *b = t + w_in;
        __m512 t0 = _mm512_maskz_loadu_ps(m0, t), t1 = _mm512_maskz_loadu_ps(m1, t + 16);
        __m512 b0 = _mm512_maskz_loadu_ps(m0, b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
        __m512 ta = _mm512_permutex2var_ps(t0, even, t1), tb = _mm512_permutex2var_ps(t0, odd, t1);
        __m512 ba = _mm512_permutex2var_ps(b0, even, b1), bb = _mm512_permutex2var_ps(b0, odd, b1);
        __mmask16 kt = _mm512_cmp_ps_mask(tb, ta, _CMP_GT_OQ);
        __mmask16 kb = _mm512_cmp_ps_mask(bb, ba, _CMP_GT_OQ);
        __m512 vt = _mm512_mask_blend_ps(kt, ta, tb), vb = _mm512_mask_blend_ps(kb, ba, bb);
        __mmask16 kd = _mm512_cmp_ps_mask(vb, vt, _CMP_GT_OQ);
        __m512i col = _mm512_add_epi32(_mm512_set1_epi32(base + 2 * s), lane2);
        __m512i it = _mm512_maskz_mov_epi32(kt, one);
        __m512i ib = _mm512_add_epi32(down, _mm512_maskz_mov_epi32(kb, one));
        _mm512_mask_storeu_ps(y + s, mo, _mm512_mask_blend_ps(kd, vt, vb));
        _mm512_mask_storeu_epi32(arg + s, mo,
                                 _mm512_add_epi32(col, _mm512_mask_blend_epi32(kd, it, ib)));
    }
    return w_out;
}
#endif

HNDEF void hn_maxpool2d_forward(const hn_pool2d *p, int n, const float *x, float *y,
                                int *argmax)
{
    long long planes = (long long)n * p->c, pl;
    size_t in_plane = (size_t)p->h_in * p->w_in, out_plane = (size_t)p->h_out * p->w_out;
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if (planes * in_plane > HN__LAYER_OMP_MIN)
#endif
    for (pl = 0; pl < planes; pl++) {
        const float *xp = x + (size_t)pl * in_plane;
        float *yp = y + (size_t)pl * out_plane;
        int *ap = argmax + (size_t)pl * out_plane;
        int r, s, u, v;
        if (p->kh == 2 && p->kw == 2 && p->stride_h == 2 && p->stride_w == 2) {
            /* The common 2x2 window, without branches the data decide
               (they mispredict half the time): the winner's index by
               arithmetic on comparisons, its value by a load. The same
               winners as below, ties to the first in row order. */
            for (r = 0; r < p->h_out; r++) {
                int *ar = ap + (size_t)r * p->w_out;
                float *yr = yp + (size_t)r * p->w_out;
                s = 0;
#ifdef HN__AVX512
                s = hn__maxpool2_row(xp + (size_t)2 * r * p->w_in, p->w_in, p->w_out,
                                     2 * r * p->w_in, yr, ar);
#endif
                for (; s < p->w_out; s++) {
                    int ia = 2 * r * p->w_in + 2 * s, ic = ia + p->w_in;
                    int itop = ia + (xp[ia + 1] > xp[ia]), ibot = ic + (xp[ic + 1] > xp[ic]);
                    int best = itop + (ibot - itop) * (xp[ibot] > xp[itop]);
                    ar[s] = best;
                    yr[s] = xp[best];
                }
            }
            continue;
        }
        for (r = 0; r < p->h_out; r++)
            for (s = 0; s < p->w_out; s++) {
                int top = r * p->stride_h, left = s * p->stride_w;
                int best = top * p->w_in + left;
                for (u = 0; u < p->kh; u++)
                    for (v = 0; v < p->kw; v++) {
                        int at = (top + u) * p->w_in + left + v;
                        if (xp[at] > xp[best]) best = at;
                    }
                yp[r * p->w_out + s] = xp[best];
                ap[r * p->w_out + s] = best;
            }
    }
}

HNDEF void hn_maxpool2d_backward(const hn_pool2d *p, int n, const int *argmax,
                                 const float *dy, float *dx)
{
    long long planes = (long long)n * p->c, pl;
    size_t in_plane = (size_t)p->h_in * p->w_in, out_plane = (size_t)p->h_out * p->w_out;
    /* Overlapping windows may share a winner: each plane is one thread's. */
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if (planes * in_plane > HN__LAYER_OMP_MIN)
#endif
    for (pl = 0; pl < planes; pl++) {
        size_t q;
        for (q = 0; q < out_plane; q++)
            dx[(size_t)pl * in_plane + argmax[(size_t)pl * out_plane + q]] +=
                dy[(size_t)pl * out_plane + q];
    }
}

/* Average pooling forward (x to y: window means) and backward (dy to dx:
   every element of a window gets dy / area; x and y are NULL then), which
   visit the same windows. */
static void hn__avgpool2d(const hn_pool2d *p, int n, const float *x, float *y,
                          const float *dy, float *dx)
{
    long long planes = (long long)n * p->c, pl;
    size_t in_plane = (size_t)p->h_in * p->w_in, out_plane = (size_t)p->h_out * p->w_out;
    float inv = 1.0f / (float)(p->kh * p->kw);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if (planes * in_plane > HN__LAYER_OMP_MIN)
#endif
    for (pl = 0; pl < planes; pl++) {
        size_t xo = (size_t)pl * in_plane, yo = (size_t)pl * out_plane;
        int r, s, u, v;
        for (r = 0; r < p->h_out; r++)
            for (s = 0; s < p->w_out; s++) {
                size_t win = xo + (size_t)r * p->stride_h * p->w_in + s * p->stride_w;
                size_t out = yo + (size_t)r * p->w_out + s;
                float sum = 0.0f, g = dx ? dy[out] * inv : 0.0f;
                for (u = 0; u < p->kh; u++)
                    for (v = 0; v < p->kw; v++) {
                        if (dx) dx[win + (size_t)u * p->w_in + v] += g;
                        else sum += x[win + (size_t)u * p->w_in + v];
                    }
                if (!dx) y[out] = sum * inv;
            }
    }
}

HNDEF void hn_avgpool2d_forward(const hn_pool2d *p, int n, const float *x, float *y)
{
    hn__avgpool2d(p, n, x, y, NULL, NULL);
}

HNDEF void hn_avgpool2d_backward(const hn_pool2d *p, int n, const float *dy, float *dx)
{
    hn__avgpool2d(p, n, NULL, NULL, dy, dx);
}

HNDEF void hn_global_avgpool_forward(int n, int c, int hw, const float *x, float *y)
{
    size_t pl, planes = (size_t)n * c;
    int j;
    for (pl = 0; pl < planes; pl++) {
        const float *xp = x + pl * hw;
        float sum = 0.0f;
        for (j = 0; j < hw; j++) sum += xp[j];
        y[pl] = sum / (float)hw;
    }
}

HNDEF void hn_global_avgpool_backward(int n, int c, int hw, const float *dy, float *dx)
{
    size_t pl, planes = (size_t)n * c;
    int j;
    for (pl = 0; pl < planes; pl++) {
        float g = dy[pl] / (float)hw, *dp = dx + pl * hw;
        for (j = 0; j < hw; j++) dp[j] += g;
    }
}

/* ---- dropout ---- */

HNDEF void hn_dropout_forward(size_t n, float p_drop, const float *x, float *y,
                              unsigned char *keep, hn_rng *rng)
{
    float scale;
    size_t i;
    HN_ASSERT(p_drop >= 0.0f && p_drop < 1.0f);
    scale = 1.0f / (1.0f - p_drop);
    for (i = 0; i < n; i++) {
        keep[i] = hn_rng_uniform(rng) >= p_drop;
        y[i] = keep[i] ? x[i] * scale : 0.0f;
    }
}

HNDEF void hn_dropout_backward(size_t n, float p_drop, const unsigned char *keep,
                               const float *dy, float *dx)
{
    float scale = 1.0f / (1.0f - p_drop);
    size_t i;
    for (i = 0; i < n; i++)
        if (keep[i]) dx[i] += dy[i] * scale;
}

/* ---- batch normalization ---- */

/* Sums over one plane of a channel, for the statistics: in float lanes
   over at most one plane, then added up in double across planes, in a
   fixed order. With a = NULL the sum of (x - mu)^2, else of a (x - mu). */
static double hn__bn_sum(const float *x, const float *a, float mu, int hw)
{
    float acc = 0.0f;
    int j;
    if (a) {
        HN__SIMD_SUM1(acc)
        for (j = 0; j < hw; j++) acc += a[j] * (x[j] - mu);
    } else {
        HN__SIMD_SUM1(acc)
        for (j = 0; j < hw; j++) acc += (x[j] - mu) * (x[j] - mu);
    }
    return acc;
}

/* Plain sum of one plane, the same way. */
static double hn__bn_plain_sum(const float *x, int hw)
{
    float acc = 0.0f;
    int j;
    HN__SIMD_SUM1(acc)
    for (j = 0; j < hw; j++) acc += x[j];
    return acc;
}

/* y = x g + sh over one channel of every image, then max(y, 0) when relu
   (batch norm followed by a ReLU, in one pass): x and y point at the
   channel's first plane, planes are `plane` floats apart. */
static void hn__channel_affine(int n, size_t plane, int hw, const float *x, float g,
                               float sh, int relu, float *y)
{
    int i, j;
    for (i = 0; i < n; i++) {
        const float *xi = x + i * plane;
        float *yi = y + i * plane;
        if (relu) {
            hn__bnrelu_row(xi, (size_t)hw, g, sh, yi);
        } else {
            HN__SIMD
            for (j = 0; j < hw; j++) yi[j] = xi[j] * g + sh;
        }
    }
}

static void hn__bn_train(int n, int c, int hw, const float *x, const float *gamma,
                         const float *beta, float eps, float momentum,
                         float *running_mean, float *running_var, float *mean,
                         float *rstd, int relu, float *y)
{
    size_t plane = (size_t)c * hw;
    double m = (double)n * hw;
    hn__bnrelu bn = hn__bnrelu_of(gamma, beta, mean, rstd);
    int ch;
    HN_ASSERT(n > 0 && c > 0 && hw > 0);
    /* Channels are independent; each sums its own values in a fixed order. */
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if (n * plane > HN__LAYER_OMP_MIN)
#endif
    for (ch = 0; ch < c; ch++) {
        double sum = 0.0, sq = 0.0, mu, var;
        float g, sh;
        int i;
        for (i = 0; i < n; i++) sum += hn__bn_plain_sum(x + i * plane + (size_t)ch * hw, hw);
        mu = sum / m;
        /* Two passes: the variance from centred values does not cancel. */
        for (i = 0; i < n; i++)
            sq += hn__bn_sum(x + i * plane + (size_t)ch * hw, NULL, (float)mu, hw);
        var = sq / m;
        mean[ch] = (float)mu;
        rstd[ch] = (float)(1.0 / HN_SQRT(var + eps));
        if (running_mean) running_mean[ch] = (float)((1.0 - momentum) * running_mean[ch] +
                                                     momentum * mu);
        if (running_var)
            running_var[ch] = (float)((1.0 - momentum) * running_var[ch] +
                                      momentum * (m > 1 ? sq / (m - 1) : var));
        hn__bnrelu_coef(&bn, ch, &g, &sh);
        if (y)
            hn__channel_affine(n, plane, hw, x + (size_t)ch * hw, g, sh, relu,
                               y + (size_t)ch * hw);
    }
}

HNDEF void hn_batchnorm2d_forward_train(int n, int c, int hw, const float *x,
                                        const float *gamma, const float *beta, float eps,
                                        float momentum, float *running_mean,
                                        float *running_var, float *mean, float *rstd,
                                        float *y)
{
    hn__bn_train(n, c, hw, x, gamma, beta, eps, momentum, running_mean, running_var,
                 mean, rstd, 0, y);
}

static void hn__bn_eval(int n, int c, int hw, const float *x, const float *gamma,
                        const float *beta, float eps, const float *running_mean,
                        const float *running_var, int relu, float *y)
{
    int ch;
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if ((size_t)n * c * hw > HN__LAYER_OMP_MIN)
#endif
    for (ch = 0; ch < c; ch++) {
        float g = gamma[ch] / HN_SQRTF(running_var[ch] + eps);
        float sh = beta[ch] - running_mean[ch] * g;
        hn__channel_affine(n, (size_t)c * hw, hw, x + (size_t)ch * hw, g, sh, relu,
                           y + (size_t)ch * hw);
    }
}

HNDEF void hn_batchnorm2d_forward_eval(int n, int c, int hw, const float *x,
                                       const float *gamma, const float *beta, float eps,
                                       const float *running_mean,
                                       const float *running_var, float *y)
{
    hn__bn_eval(n, c, hw, x, gamma, beta, eps, running_mean, running_var, 0, y);
}

HNDEF void hn_batchnorm2d_backward(int n, int c, int hw, const float *x,
                                   const float *gamma, const float *mean,
                                   const float *rstd, const float *dy, float *dx,
                                   float *dgamma, float *dbeta)
{
    size_t plane = (size_t)c * hw;
    double m = (double)n * hw;
    int ch;
    HN_ASSERT(n > 0 && c > 0 && hw > 0);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if (n * plane > HN__LAYER_OMP_MIN)
#endif
    for (ch = 0; ch < c; ch++) {
        double sdy = 0.0, sdyx = 0.0;
        float mu = mean[ch], rs = rstd[ch], a, bb, cc;
        int i, j;
        for (i = 0; i < n; i++) {
            const float *xp = x + i * plane + (size_t)ch * hw;
            const float *dp = dy + i * plane + (size_t)ch * hw;
            sdy += hn__bn_plain_sum(dp, hw);
            sdyx += hn__bn_sum(xp, dp, mu, hw);
        }
        sdyx *= rs;
        if (dbeta) dbeta[ch] += (float)sdy;
        if (dgamma) dgamma[ch] += (float)sdyx;
        if (!dx) continue;
        /* dx = a dy + bb xh + cc, with xh = (x - mu) rs. */
        a = gamma[ch] * rs;
        bb = (float)(-a * sdyx / m);
        cc = (float)(-a * sdy / m);
        for (i = 0; i < n; i++) {
            const float *xp = x + i * plane + (size_t)ch * hw;
            const float *dp = dy + i * plane + (size_t)ch * hw;
            float *gp = dx + i * plane + (size_t)ch * hw;
            HN__SIMD
            for (j = 0; j < hw; j++) gp[j] += a * dp[j] + bb * ((xp[j] - mu) * rs) + cc;
        }
    }
}

/* ---- end of layers implementation ---- */

/* ========================================================================
   Optimizers implementation
   ======================================================================== */

/* b^e for an integer e >= 0 by repeated squaring, in double: Adam's bias
   corrections need beta^t to many digits for t in the millions, without
   depending on the platform's pow. */
static double hn__powi(double b, int64_t e)
{
    double r = 1.0;
    while (e > 0) {
        if (e & 1) r *= b;
        b *= b;
        e >>= 1;
    }
    return r;
}

static hn_status hn__optim_init(hn_optim *o, const hn_params *ps, int kind, int moments)
{
    memset(o, 0, sizeof *o);
    if (!ps->data) return hn__fail(HN_ERR_ARG, "optimizer over an unallocated store");
    o->kind = kind;
    o->n = ps->total;
    if (moments >= 1 && !(o->m = (float *)hn__calloc(o->n, sizeof(float))))
        return HN_ERR_NOMEM;
    if (moments >= 2 && !(o->v = (float *)hn__calloc(o->n, sizeof(float)))) {
        HN_FREE(o->m);
        o->m = NULL;
        return HN_ERR_NOMEM;
    }
    return HN_OK;
}

HNDEF hn_status hn_optim_init_sgd(hn_optim *o, const hn_params *ps, float momentum,
                                  int nesterov)
{
    hn_status st;
    HN_ASSERT(momentum >= 0.0f && momentum < 1.0f);
    st = hn__optim_init(o, ps, HN_OPTIM_SGD, momentum > 0.0f ? 1 : 0);
    o->momentum = momentum;
    o->nesterov = nesterov != 0;
    return st;
}

HNDEF hn_status hn_optim_init_adam(hn_optim *o, const hn_params *ps, float beta1,
                                   float beta2, float eps)
{
    hn_status st;
    HN_ASSERT(beta1 >= 0.0f && beta1 < 1.0f && beta2 >= 0.0f && beta2 < 1.0f);
    st = hn__optim_init(o, ps, HN_OPTIM_ADAM, 2);
    o->beta1 = beta1;
    o->beta2 = beta2;
    o->eps = eps;
    return st;
}

HNDEF void hn_optim_set_weight_decay(hn_optim *o, float weight_decay, int decay_mode)
{
    HN_ASSERT(decay_mode == HN_DECAY_L2 || decay_mode == HN_DECAY_DECOUPLED);
    o->weight_decay = weight_decay;
    o->decay_mode = decay_mode;
}

HNDEF void hn_optim_free(hn_optim *o)
{
    HN_FREE(o->m);
    HN_FREE(o->v);
    memset(o, 0, sizeof *o);
}

HNDEF void hn_optim_step(hn_optim *o, hn_params *ps, float lr)
{
    int t;
    size_t i;
    /* Adam's bias corrections: m_hat = m / (1 - beta1^t), sqrt(v_hat) =
       sqrt(v) / sqrt(1 - beta2^t), folded into two per-step constants. */
    float step_size = lr, rsqrt_bc2 = 1.0f;
    HN_ASSERT(ps->total == o->n);
    o->step++;
    if (o->kind == HN_OPTIM_ADAM) {
        step_size = (float)(lr / (1.0 - hn__powi(o->beta1, o->step)));
        rsqrt_bc2 = (float)(1.0 / HN_SQRT(1.0 - hn__powi(o->beta2, o->step)));
    }
    for (t = 0; t < ps->count; t++) {
        const hn_param_info *pi = &ps->info[t];
        float *p = ps->data + pi->offset, *g = ps->grad + pi->offset;
        float *m = o->m ? o->m + pi->offset : NULL;
        float *v = o->v ? o->v + pi->offset : NULL;
        float wd = pi->no_decay ? 0.0f : o->weight_decay;
        float l2 = o->decay_mode == HN_DECAY_L2 ? wd : 0.0f;
        /* Decoupled decay as a factor on p, computed before the update. */
        float shrink = o->decay_mode == HN_DECAY_DECOUPLED ? 1.0f - lr * wd : 1.0f;
        size_t n = pi->size;

        if (o->kind == HN_OPTIM_ADAM) {
            float b1 = o->beta1, b2 = o->beta2, eps = o->eps;
            for (i = 0; i < n; i++) {
                float gi = g[i] + l2 * p[i];
                m[i] = b1 * m[i] + (1.0f - b1) * gi;
                v[i] = b2 * v[i] + (1.0f - b2) * gi * gi;
                p[i] = shrink * p[i] - step_size * m[i] / (HN_SQRTF(v[i]) * rsqrt_bc2 + eps);
            }
        } else if (m) {
            float mu = o->momentum;
            for (i = 0; i < n; i++) {
                float gi = g[i] + l2 * p[i];
                m[i] = mu * m[i] + gi;
                p[i] = shrink * p[i] - lr * (o->nesterov ? gi + mu * m[i] : m[i]);
            }
        } else {
            for (i = 0; i < n; i++) p[i] = shrink * p[i] - lr * (g[i] + l2 * p[i]);
        }
    }
}

/* ---- schedules ---- */

HNDEF hn_schedule hn_schedule_constant(float lr)
{
    hn_schedule s;
    memset(&s, 0, sizeof s);
    s.kind = HN_SCHED_CONSTANT;
    s.lr = lr;
    return s;
}

HNDEF hn_schedule hn_schedule_exponential(float lr, double decay, float min_lr)
{
    hn_schedule s = hn_schedule_constant(lr);
    s.kind = HN_SCHED_EXPONENTIAL;
    s.decay = decay;
    s.min_lr = min_lr;
    return s;
}

HNDEF hn_schedule hn_schedule_piecewise(int npieces, const int64_t *boundaries,
                                        const float *values)
{
    hn_schedule s;
    int i;
    HN_ASSERT(npieces >= 1 && npieces <= HN_SCHED_MAX_PIECES);
    s = hn_schedule_constant(values[0]);
    s.kind = HN_SCHED_PIECEWISE;
    s.npieces = npieces;
    for (i = 0; i < npieces; i++) s.values[i] = values[i];
    for (i = 0; i + 1 < npieces; i++) {
        HN_ASSERT(i == 0 || boundaries[i] > boundaries[i - 1]);
        s.boundaries[i] = boundaries[i];
    }
    return s;
}

HNDEF hn_schedule hn_schedule_cosine(float lr, float min_lr, int64_t total_steps)
{
    hn_schedule s = hn_schedule_constant(lr);
    HN_ASSERT(total_steps > 0);
    s.kind = HN_SCHED_COSINE;
    s.min_lr = min_lr;
    s.total_steps = total_steps;
    return s;
}

HNDEF float hn_schedule_lr(const hn_schedule *s, int64_t step)
{
    int j;
    if (step < 0) step = 0;
    switch (s->kind) {
    case HN_SCHED_EXPONENTIAL: {
        double lr = s->lr * hn__powi(s->decay, step);
        return (float)(lr > s->min_lr ? lr : s->min_lr);
    }
    case HN_SCHED_PIECEWISE:
        for (j = 0; j + 1 < s->npieces && step >= s->boundaries[j]; j++) {}
        return s->values[j];
    case HN_SCHED_COSINE: {
        float frac;
        if (step >= s->total_steps) return s->min_lr;
        frac = (float)((double)step / (double)s->total_steps);
        return s->min_lr + (s->lr - s->min_lr) * 0.5f *
                           (1.0f + HN_COSF(3.14159265358979f * frac));
    }
    default:
        return s->lr;
    }
}

/* ---- clipping ---- */

HNDEF float hn_grad_norm(const hn_params *ps)
{
    double sq = 0.0;
    size_t i;
    /* Padding gradients are zero and add nothing. */
    for (i = 0; i < ps->total; i++) sq += (double)ps->grad[i] * ps->grad[i];
    return (float)HN_SQRT(sq);
}

HNDEF float hn_clip_grad_norm(hn_params *ps, float max_norm)
{
    float norm = hn_grad_norm(ps), scale;
    size_t i;
    HN_ASSERT(max_norm > 0.0f);
    /* norm - norm is 0 only for a finite norm. */
    if (!(norm > max_norm) || norm - norm != 0.0f) return norm;
    scale = max_norm / norm;
    for (i = 0; i < ps->total; i++) ps->grad[i] *= scale;
    return norm;
}

HNDEF void hn_clip_grad_value(hn_params *ps, float limit)
{
    size_t i;
    HN_ASSERT(limit >= 0.0f);
    for (i = 0; i < ps->total; i++) {
        if (ps->grad[i] > limit) ps->grad[i] = limit;
        else if (ps->grad[i] < -limit) ps->grad[i] = -limit;
    }
}

/* ---- end of optimizers implementation ---- */

/* ========================================================================
   Static hypernetwork implementation
   ======================================================================== */

/* Shapes, for one layer with T = tiles_out * tiles_in tiles, B = blk_in,
   P = the taps written per output channel (f*f, or 1 for the centre tap):
      ze   T x n_z           the embeddings (z_ij + e when embedded)
      pre  T x (B*d) = (T*B) x d     W_c z + B_c for every tile and c
      act  (T*B) x d         relu(pre), or pre itself when linear
      kt   (T*B) x (blk_out*P)       one row per (tile, input channel)
   Each stage is one GEMM over all tiles of the layer. */

HNDEF hn_status hn_hyper_declare(hn_hyper *h, hn_params *ps, const char *name,
                                 int n_z, int d, int blk_in, int blk_out, int f,
                                 int flags)
{
    char buf[HN_PARAM_NAME_MAX + 8];
    int shape[2];
    size_t len = strlen(name);
    memset(h, 0, sizeof *h);
    if (n_z <= 0 || d <= 0 || blk_in <= 0 || blk_out <= 0 || f <= 0)
        return hn__fail(HN_ERR_ARG, "hypernetwork '%s': sizes must be positive "
                        "(n_z %d, d %d, blocks %d x %d, f %d)", name, n_z, d,
                        blk_out, blk_in, f);
    if (len + 7 > HN_PARAM_NAME_MAX)
        return hn__fail(HN_ERR_ARG, "hypernetwork name '%s' is too long", name);
    if ((size_t)blk_out * (size_t)f * (size_t)f > (size_t)INT_MAX / (size_t)d ||
        (size_t)blk_in * (size_t)d > (size_t)INT_MAX / (size_t)n_z)
        return hn__fail(HN_ERR_LIMIT, "hypernetwork '%s' is too large", name);
    h->n_z = n_z;
    h->d = d;
    h->blk_in = blk_in;
    h->blk_out = blk_out;
    h->f = f;
    h->flags = flags;
    memcpy(buf, name, len);

    memcpy(buf + len, ".w_in", 6);
    shape[0] = blk_in * d;
    shape[1] = n_z;
    if ((h->w_in = hn_params_add(ps, buf, 2, shape)) < 0) return hn__err_status;
    memcpy(buf + len, ".b_in", 6);
    if ((h->b_in = hn_params_add(ps, buf, 1, shape)) < 0) return hn__err_status;
    memcpy(buf + len, ".w_out", 7);
    shape[0] = blk_out * f * f;
    shape[1] = d;
    if ((h->w_out = hn_params_add(ps, buf, 2, shape)) < 0) return hn__err_status;
    memcpy(buf + len, ".b_out", 7);
    if ((h->b_out = hn_params_add(ps, buf, 1, shape)) < 0) return hn__err_status;
    return HN_OK;
}

/* Initialisation. The paper's code draws every hypernetwork weight from
   N(0, 0.01^2); with three small factors in a row (z, W_c, W_out) the
   first kernels are then ~1e-6 and the first steps are spent growing them.
   Instead each factor keeps the variance of what it passes on:
      z ~ N(0, 1) (scaled per layer, see hn_hyperconv_init_weights),
      W_c ~ N(0, 1/n_z)               so a_c has unit variance,
      W_out ~ N(0, 2 / (d * blk_in * f * f) * g)
   which makes Var(K) = 2 / fan_in, He et al.'s variance for a ReLU network,
   with fan_in = blk_in * f * f for a one-tile layer; g = 2 when a ReLU on
   a_c halves E[a^2], else 1. Biases start at 0. */
HNDEF void hn_hyper_init_weights(const hn_hyper *h, hn_params *ps, hn_rng *rng)
{
    size_t n_in = (size_t)h->blk_in * (size_t)h->d * (size_t)h->n_z;
    size_t n_out = (size_t)h->blk_out * (size_t)h->f * (size_t)h->f * (size_t)h->d;
    float g = (h->flags & HN_HYPER_RELU) ? 2.0f : 1.0f;
    float var_out = 2.0f * g / ((float)h->d * (float)h->blk_in * (float)(h->f * h->f));
    hn_rng_fill_normal(rng, hn_params_data(ps, h->w_in), n_in, 0.0f,
                       HN_SQRTF(1.0f / (float)h->n_z));
    hn_rng_fill_normal(rng, hn_params_data(ps, h->w_out), n_out, 0.0f,
                       HN_SQRTF(var_out));
    memset(hn_params_data(ps, h->b_in), 0,
           (size_t)h->blk_in * (size_t)h->d * sizeof(float));
    memset(hn_params_data(ps, h->b_out), 0,
           (size_t)h->blk_out * (size_t)(h->f * h->f) * sizeof(float));
}

HNDEF size_t hn_hyper_param_count(const hn_hyper *h)
{
    size_t ff = (size_t)h->f * (size_t)h->f;
    return (size_t)h->blk_in * h->d * ((size_t)h->n_z + 1) +
           (size_t)h->blk_out * ff * ((size_t)h->d + 1);
}

HNDEF hn_status hn_hyperconv_declare(hn_hyperconv *l, const hn_hyper *h,
                                     hn_params *ps, const char *name, int n_in,
                                     int n_out, int f, int flags)
{
    char buf[HN_PARAM_NAME_MAX + 8];
    size_t len = strlen(name), t, rows, cols, total, sz[6];
    int shape[2], i;
    memset(l, 0, sizeof *l);
    l->z = l->e = -1;
    if (h->blk_in <= 0 || h->blk_out <= 0 || h->n_z <= 0 || h->d <= 0 || h->f <= 0)
        return hn__fail(HN_ERR_ARG, "generated conv '%s': its hypernetwork was not "
                        "declared", name);
    if (n_in <= 0 || n_out <= 0 || n_in % h->blk_in || n_out % h->blk_out)
        return hn__fail(HN_ERR_SHAPE, "generated conv '%s': %d -> %d channels are "
                        "not multiples of the %d x %d tiles", name, n_in, n_out,
                        h->blk_in, h->blk_out);
    if (f != h->f && !(f == 1 && h->f % 2 == 1))
        return hn__fail(HN_ERR_SHAPE, "generated conv '%s': a %dx%d kernel from a "
                        "hypernetwork of %dx%d tiles (only the same size, or 1x1 "
                        "from an odd size)", name, f, f, h->f, h->f);
    if (len + 3 > HN_PARAM_NAME_MAX)
        return hn__fail(HN_ERR_ARG, "generated conv name '%s' is too long", name);
    l->h = *h;
    l->n_in = n_in;
    l->n_out = n_out;
    l->f = f;
    l->flags = flags;
    l->tiles_in = n_in / h->blk_in;
    l->tiles_out = n_out / h->blk_out;

    /* Workspace: ze, dze, pre, act, da, kt (sizes in floats); a linear
       generator has no separate act. */
    t = (size_t)l->tiles_in * (size_t)l->tiles_out;
    rows = t * (size_t)h->blk_in;
    cols = (size_t)h->blk_out * (size_t)f * (size_t)f;
    if (t > (size_t)INT_MAX / (size_t)h->blk_in ||
        !hn__mul_size(rows, cols + 3u * (size_t)h->d, &total) ||
        rows * cols > (size_t)INT_MAX)
        return hn__fail(HN_ERR_LIMIT, "generated conv '%s' is too large", name);
    sz[0] = sz[1] = (flags & HN_HYPERCONV_EMBED) ? t * (size_t)h->n_z : 0;
    sz[2] = sz[4] = rows * (size_t)h->d;
    sz[3] = (h->flags & HN_HYPER_RELU) ? sz[2] : 0;
    sz[5] = rows * cols;
    l->work = (float *)hn__calloc(sz[0] + sz[1] + sz[2] + sz[3] + sz[4] + sz[5],
                                  sizeof(float));
    if (!l->work) return HN_ERR_NOMEM;
    {
        float **ptr[6];
        float *p = l->work;
        ptr[0] = &l->ze; ptr[1] = &l->dze; ptr[2] = &l->pre;
        ptr[3] = &l->act; ptr[4] = &l->da; ptr[5] = &l->kt;
        for (i = 0; i < 6; i++) {
            *ptr[i] = p;
            p += sz[i];
        }
        if (!sz[3]) l->act = l->pre;
    }

    memcpy(buf, name, len);
    memcpy(buf + len, ".z", 3);
    shape[0] = (int)t;
    shape[1] = h->n_z;
    if ((l->z = hn_params_add(ps, buf, 2, shape)) < 0) goto fail;
    if (flags & HN_HYPERCONV_EMBED) {
        memcpy(buf + len, ".e", 3);
        if ((l->e = hn_params_add(ps, buf, 1, &h->n_z)) < 0) goto fail;
    }
    return HN_OK;
fail:
    HN_FREE(l->work);
    l->work = NULL;
    return hn__err_status;
}

/* z ~ N(0, s^2) with s^2 = (blk_in * f_h^2) / (n_in * f^2): the generator
   is homogeneous of degree 1 in z while its biases are 0, so this scales
   the kernel's variance from one tile's fan-in (what hn_hyper_init_weights
   aims at) to this layer's, 2 / (n_in * f * f). */
HNDEF void hn_hyperconv_init_weights(const hn_hyperconv *l, hn_params *ps,
                                     hn_rng *rng)
{
    const hn_hyper *h = &l->h;
    size_t t = (size_t)l->tiles_in * (size_t)l->tiles_out;
    float s2 = (float)(h->blk_in * h->f * h->f) / (float)(l->n_in * l->f * l->f);
    hn_rng_fill_normal(rng, hn_params_data(ps, l->z), t * (size_t)h->n_z, 0.0f,
                       HN_SQRTF(s2));
    if (l->e >= 0) memset(hn_params_data(ps, l->e), 0, (size_t)h->n_z * sizeof(float));
}

HNDEF size_t hn_hyperconv_param_count(const hn_hyperconv *l)
{
    size_t t = (size_t)l->tiles_in * (size_t)l->tiles_out;
    return (t + (l->e >= 0 ? 1u : 0u)) * (size_t)l->h.n_z;
}

HNDEF size_t hn_hyperconv_plain_count(const hn_hyperconv *l)
{
    return (size_t)l->n_out * (size_t)l->n_in * (size_t)l->f * (size_t)l->f;
}

HNDEF void hn_hyperconv_free(hn_hyperconv *l)
{
    HN_FREE(l->work);
    memset(l, 0, sizeof *l);
    l->z = l->e = -1;
}

/* The rows of W_out (and entries of B_out) that produce the taps a layer
   keeps: all of them, or for a 1x1 layer only the centre tap of each
   output channel, which are rows ctr, ctr + f*f, ... : a strided view, so
   no work is spent on taps that are thrown away. */
static void hn__hyper_out_view(const hn_hyperconv *l, int *offset, int *stride,
                               int *ncols)
{
    const hn_hyper *h = &l->h;
    int ff = h->f * h->f;
    if (l->f == h->f) {
        *offset = 0;
        *stride = 1;
        *ncols = h->blk_out * ff;
    } else {
        *offset = ff / 2;
        *stride = ff;
        *ncols = h->blk_out;
    }
}

/* Row r of kt, for tile t = i*tiles_in + j and input channel c (r = t*B + c),
   holds blk_out runs of P taps: run o belongs to the kernel's channel pair
   (i*blk_out + o, j*blk_in + c). With out set, kt is copied into the
   kernel out; otherwise the kernel in (a gradient) is gathered into kt. */
static void hn__hyper_scatter(const hn_hyperconv *l, float *out, const float *in)
{
    const hn_hyper *h = &l->h;
    int p = l->f * l->f, ncols = h->blk_out * p;
    int ntiles = l->tiles_out * l->tiles_in, t;
    size_t bytes = (size_t)p * sizeof(float);
    for (t = 0; t < ntiles; t++) {
        int i = t / l->tiles_in, j = t % l->tiles_in, c, o;
        for (c = 0; c < h->blk_in; c++) {
            float *row = l->kt + ((size_t)t * h->blk_in + c) * ncols;
            for (o = 0; o < h->blk_out; o++) {
                size_t at = ((size_t)(i * h->blk_out + o) * l->n_in +
                             (size_t)(j * h->blk_in + c)) * p;
                if (out) memcpy(out + at, row + o * p, bytes);
                else memcpy(row + o * p, in + at, bytes);
            }
        }
    }
}

/* kernel = scatter(W_out act + B_out), act = [relu](W_c ze + B_c). */
HNDEF void hn_hyperconv_generate(hn_hyperconv *l, const hn_params *ps, float *kernel)
{
    const hn_hyper *h = &l->h;
    const float *z = hn_params_data(ps, l->z);
    const float *w_in = hn_params_data(ps, h->w_in);
    const float *b_in = hn_params_data(ps, h->b_in);
    const float *w_out = hn_params_data(ps, h->w_out);
    const float *b_out = hn_params_data(ps, h->b_out);
    const float *ze = z;
    int ntiles = l->tiles_out * l->tiles_in, rows = ntiles * h->blk_in;
    int bd = h->blk_in * h->d, off, stride, ncols, r, k;

    /* The embeddings, with the layer's own added when it has one. */
    if (l->e >= 0) {
        const float *e = hn_params_data(ps, l->e);
        for (r = 0; r < ntiles; r++)
            for (k = 0; k < h->n_z; k++)
                l->ze[(size_t)r * h->n_z + k] = z[(size_t)r * h->n_z + k] + e[k];
        ze = l->ze;
    }

    /* pre (T x B*d) = ze (T x n_z) W_in^T + B_in: every a_c of every tile
       in one product. */
    hn_sgemm(0, 1, ntiles, bd, h->n_z, 1.0f, ze, h->n_z, w_in, h->n_z, 0.0f,
             l->pre, bd);
    for (r = 0; r < ntiles; r++) {
        float *row = l->pre + (size_t)r * bd;
        for (k = 0; k < bd; k++) row[k] += b_in[k];
    }
    if (h->flags & HN_HYPER_RELU) {
        size_t n = (size_t)rows * h->d, q;
        for (q = 0; q < n; q++) l->act[q] = l->pre[q] > 0.0f ? l->pre[q] : 0.0f;
    }

    /* kt ((T*B) x ncols) = act ((T*B) x d) W_out'^T + B_out', where W_out'
       and B_out' are the rows for the taps kept. */
    hn__hyper_out_view(l, &off, &stride, &ncols);
    hn_sgemm(0, 1, rows, ncols, h->d, 1.0f, l->act, h->d, w_out + (size_t)off * h->d,
             stride * h->d, 0.0f, l->kt, ncols);
    for (r = 0; r < rows; r++) {
        float *row = l->kt + (size_t)r * ncols;
        for (k = 0; k < ncols; k++) row[k] += b_out[off + (size_t)k * stride];
    }
    hn__hyper_scatter(l, kernel, NULL);
}

/* Backward of generate, accumulating (+=) into ps->grad:
      dB_out += colsum(dkt)          dW_out += dkt^T act
      da = (dkt W_out') * [pre > 0]  dB_in += colsum(da as T x B*d)
      dW_in += da^T ze               dz += da W_in   (de += colsum of that)
   with the shared hypernetwork's gradients added into g[0..3] (W_c, B_c,
   W_out, B_out: ps->grad's, or a private copy when several layers run at
   once, hn_resnet_backward), dz and de into ps->grad. */
static void hn__hyperconv_backward(hn_hyperconv *l, hn_params *ps, const float *dkernel,
                                   float *const *g)
{
    const hn_hyper *h = &l->h;
    const float *w_in = hn_params_data(ps, h->w_in);
    const float *w_out = hn_params_data(ps, h->w_out);
    const float *ze = l->e >= 0 ? l->ze : hn_params_data(ps, l->z);
    float *dw_in = g[0], *db_in = g[1], *dw_out = g[2], *db_out = g[3];
    float *dz = hn_params_grad(ps, l->z);
    int ntiles = l->tiles_out * l->tiles_in, rows = ntiles * h->blk_in;
    int bd = h->blk_in * h->d, off, stride, ncols, r, k;

    /* The output layer of the generator: gather dK into the rows of kt
       (the forward's values there are not needed any more). */
    hn__hyper_scatter(l, NULL, dkernel);
    hn__hyper_out_view(l, &off, &stride, &ncols);
    for (r = 0; r < rows; r++) {
        const float *row = l->kt + (size_t)r * ncols;
        for (k = 0; k < ncols; k++) db_out[off + (size_t)k * stride] += row[k];
    }
    hn_sgemm(1, 0, ncols, h->d, rows, 1.0f, l->kt, ncols, l->act, h->d, 1.0f,
             dw_out + (size_t)off * h->d, stride * h->d);
    hn_sgemm(0, 0, rows, h->d, ncols, 1.0f, l->kt, ncols, w_out + (size_t)off * h->d,
             stride * h->d, 0.0f, l->da, h->d);
    if (h->flags & HN_HYPER_RELU) {
        size_t n = (size_t)rows * h->d, q;
        for (q = 0; q < n; q++)
            if (l->pre[q] <= 0.0f) l->da[q] = 0.0f;
    }

    /* The input layer: da seen as T x (B*d), one row per tile. */
    for (r = 0; r < ntiles; r++) {
        const float *row = l->da + (size_t)r * bd;
        for (k = 0; k < bd; k++) db_in[k] += row[k];
    }
    hn_sgemm(1, 0, bd, h->n_z, ntiles, 1.0f, l->da, bd, ze, h->n_z, 1.0f, dw_in,
             h->n_z);
    if (l->e < 0) {
        hn_sgemm(0, 0, ntiles, h->n_z, bd, 1.0f, l->da, bd, w_in, h->n_z, 1.0f, dz,
                 h->n_z);
    } else {
        /* dL/dze goes to both z_ij and e. */
        float *de = hn_params_grad(ps, l->e);
        hn_sgemm(0, 0, ntiles, h->n_z, bd, 1.0f, l->da, bd, w_in, h->n_z, 0.0f, l->dze,
                 h->n_z);
        for (r = 0; r < ntiles; r++)
            for (k = 0; k < h->n_z; k++) {
                float g = l->dze[(size_t)r * h->n_z + k];
                dz[(size_t)r * h->n_z + k] += g;
                de[k] += g;
            }
    }
}

HNDEF void hn_hyperconv_generate_backward(hn_hyperconv *l, hn_params *ps,
                                          const float *dkernel)
{
    const hn_hyper *h = &l->h;
    float *g[4];
    g[0] = hn_params_grad(ps, h->w_in);
    g[1] = hn_params_grad(ps, h->b_in);
    g[2] = hn_params_grad(ps, h->w_out);
    g[3] = hn_params_grad(ps, h->b_out);
    hn__hyperconv_backward(l, ps, dkernel, g);
}

/* ---- end of static hypernetwork implementation ---- */

/* ========================================================================
   Residual network implementation
   ======================================================================== */

/* ---- fused batch norm + ReLU ---- */

/* a = relu(gamma (x - mean) rstd + beta) with given statistics: the
   backward pass recomputes the unit's activation from its stored input
   instead of keeping it. x, a are (n, c, hw). */
static void hn__bnrelu_apply(int n, int c, int hw, const float *x, const hn__bnrelu *bn,
                             float *a)
{
    int ch;
#ifdef _OPENMP
    #pragma omp parallel for schedule(static)
#endif
    for (ch = 0; ch < c; ch++) {
        float sc, sh;
        hn__bnrelu_coef(bn, ch, &sc, &sh);
        hn__channel_affine(n, (size_t)c * hw, hw, x + (size_t)ch * hw, sc, sh, 1,
                           a + (size_t)ch * hw);
    }
}

/* Training forward of BN -> ReLU: statistics of the batch, running ones
   updated, the ReLU applied in the same pass. */
static void hn__bnrelu_train(int n, int c, int hw, const float *x, const float *gamma,
                             const float *beta, float *run_mean, float *run_var,
                             float *mean, float *rstd, float *a)
{
    hn__bn_train(n, c, hw, x, gamma, beta, HN_RESNET_BN_EPS, HN_RESNET_BN_MOMENTUM,
                 run_mean, run_var, mean, rstd, 1, a);
}

static void hn__bnrelu_eval(int n, int c, int hw, const float *x, const float *gamma,
                            const float *beta, const float *run_mean,
                            const float *run_var, float *a)
{
    hn__bn_eval(n, c, hw, x, gamma, beta, HN_RESNET_BN_EPS, run_mean, run_var, 1, a);
}

/* y = a + b elementwise (y may be a or b): the residual sums. */
static void hn__res_sum(size_t n, const float *a, const float *b, float *y)
{
    long long i, m = (long long)n;
#ifdef _OPENMP
    #pragma omp parallel for simd schedule(static) if (m > HN__LAYER_OMP_MIN)
#endif
    for (i = 0; i < m; i++) y[i] = a[i] + b[i];
}

/* Backward of a = relu(bn(x)) in one pass per channel, with the ReLU's
   mask m = [a > 0] (recomputed from x: a is not kept) folded into batch
   norm's formula (xh = (x - mean) rstd,
   M = n hw, g = m da):
      dbeta += sum g,  dgamma += sum g xh,
      dx = r + gamma rstd (g - sum(g) / M - xh sum(g xh) / M)
   r laid out as dx (r = dx adds into it), or NULL for none. The sums run
   in double, in a fixed order per channel. */
static void hn__bnrelu_backward(int n, int c, int hw, const float *x, const hn__bnrelu *bn,
                                const float *da, const float *r, float *dx,
                                float *dgamma, float *dbeta)
{
    double m = (double)n * hw;
    int ch;
#ifdef _OPENMP
    #pragma omp parallel for schedule(static)
#endif
    for (ch = 0; ch < c; ch++) {
        double sg = 0.0, sgx = 0.0;
        float mu = bn->mean[ch], rs = bn->rstd[ch], k, k1, k2, sc, sh;
        int i, j;
        hn__bnrelu_coef(bn, ch, &sc, &sh);
        for (i = 0; i < n; i++) {
            size_t off = ((size_t)i * c + ch) * hw;
            float s1 = 0.0f, s2 = 0.0f;
            HN__SIMD_SUM2(s1, s2)
            for (j = 0; j < hw; j++) {
                float g = x[off + j] * sc + sh > 0.0f ? da[off + j] : 0.0f;
                s1 += g;
                s2 += g * (x[off + j] - mu);
            }
            sg += s1;
            sgx += s2;
        }
        sgx *= rs;   /* sum g xh */
        dbeta[ch] += (float)sg;
        dgamma[ch] += (float)sgx;
        k = bn->gamma[ch] * rs;
        k1 = (float)(sg / m);
        k2 = (float)(sgx / m) * rs;   /* times (x - mu) gives xh sum(g xh) / M */
        for (i = 0; i < n; i++) {
            size_t off = ((size_t)i * c + ch) * hw;
            if (r) {
                HN__SIMD
                for (j = 0; j < hw; j++) {
                    float g = x[off + j] * sc + sh > 0.0f ? da[off + j] : 0.0f;
                    dx[off + j] = r[off + j] + k * (g - k1 - (x[off + j] - mu) * k2);
                }
            } else {
                HN__SIMD
                for (j = 0; j < hw; j++) {
                    float g = x[off + j] * sc + sh > 0.0f ? da[off + j] : 0.0f;
                    dx[off + j] = k * (g - k1 - (x[off + j] - mu) * k2);
                }
            }
        }
    }
}

/* ---- blocks ---- */

/* Declare "<prefix><suffix>" in a store; -1 with hn_error() set. */
static int hn__res_add(hn_params *ps, const char *prefix, const char *suffix, int ndim,
                       const int *shape)
{
    char buf[HN_PARAM_NAME_MAX];
    size_t lp = strlen(prefix), ls = strlen(suffix);
    if (lp + ls + 1 > sizeof buf) {
        hn__fail(HN_ERR_ARG, "parameter name '%s%s' is too long", prefix, suffix);
        return -1;
    }
    memcpy(buf, prefix, lp);
    memcpy(buf + lp, suffix, ls + 1);
    return hn_params_add(ps, buf, ndim, shape);
}

/* out = a + mid + decimal(num) + b (num >= 0): names without stdio's
   sprintf, which HN_NO_STDIO builds lack. The caller has checked the
   length. */
static void hn__res_name(char *out, const char *a, const char *mid, int num,
                         const char *b)
{
    char digits[12];
    int nd = 0;
    size_t la = strlen(a), lm = strlen(mid), lb = strlen(b);
    memcpy(out, a, la);
    memcpy(out + la, mid, lm);
    la += lm;
    do {
        digits[nd++] = (char)('0' + num % 10);
        num /= 10;
    } while (num > 0);
    while (nd > 0) out[la++] = digits[--nd];
    memcpy(out + la, b, lb + 1);
}

/* BN scale and shift in ps (exempt from decay), running statistics in
   state, for c channels under "<prefix>bn.". */
static hn_status hn__res_declare_bn(hn_params *ps, hn_params *state, const char *prefix,
                                    int c, int *gamma, int *beta, int *rmean,
                                    int *rvar)
{
    if ((*gamma = hn__res_add(ps, prefix, "bn.g", 1, &c)) < 0 ||
        (*beta = hn__res_add(ps, prefix, "bn.b", 1, &c)) < 0 ||
        (*rmean = hn__res_add(state, prefix, "bn.mean", 1, &c)) < 0 ||
        (*rvar = hn__res_add(state, prefix, "bn.var", 1, &c)) < 0)
        return hn__err_status;
    hn_params_set_no_decay(ps, *gamma, 1);
    hn_params_set_no_decay(ps, *beta, 1);
    return HN_OK;
}

static void hn__res_init_bn(hn_params *ps, hn_params *state, int c, int gamma, int beta,
                            int rmean, int rvar)
{
    float *g = hn_params_data(ps, gamma), *b = hn_params_data(ps, beta);
    float *m = hn_params_data(state, rmean), *v = hn_params_data(state, rvar);
    int i;
    for (i = 0; i < c; i++) {
        g[i] = 1.0f;
        b[i] = 0.0f;
        m[i] = 0.0f;
        v[i] = 1.0f;
    }
}

/* He et al. 2015: N(0, 2 / fan_in) keeps a ReLU network's activations at
   a steady scale from layer to layer. */
static void hn__res_init_he(hn_params *ps, int handle, const hn_conv2d *cv, hn_rng *rng)
{
    size_t fan_in = (size_t)cv->c_in * cv->kh * cv->kw;
    hn_rng_fill_normal(rng, hn_params_data(ps, handle), fan_in * (size_t)cv->c_out, 0.0f,
                       HN_SQRTF(2.0f / (float)fan_in));
}

HNDEF hn_status hn_resblock_declare(hn_resblock *b, hn_params *ps, hn_params *state,
                                    const char *name, int kind, int c_in, int c_mid,
                                    int c_out, int h_in, int w_in, int stride,
                                    const hn_hyper *hyper, int max_batch)
{
    char pre[HN_PARAM_NAME_MAX];
    int cin[HN_RESBLOCK_MAX_UNITS], cout[HN_RESBLOCK_MAX_UNITS];
    int ks[HN_RESBLOCK_MAX_UNITS], st[HN_RESBLOCK_MAX_UNITS];
    int u, h = h_in, w = w_in, shape[4];
    size_t total = 0, sz;
    hn_status rc;
    memset(b, 0, sizeof *b);
    b->sc_w = -1;
    if (kind != HN_RESBLOCK_BASIC && kind != HN_RESBLOCK_BOTTLENECK)
        return hn__fail(HN_ERR_ARG, "residual block '%s': unknown kind %d", name, kind);
    if (max_batch <= 0 || c_in <= 0 || c_out <= 0 || stride <= 0 ||
        (kind == HN_RESBLOCK_BOTTLENECK && c_mid <= 0))
        return hn__fail(HN_ERR_ARG, "residual block '%s': sizes must be positive", name);
    if (strlen(name) + 12 > HN_PARAM_NAME_MAX)
        return hn__fail(HN_ERR_ARG, "residual block name '%s' is too long", name);
    b->kind = kind;
    b->max_batch = max_batch;
    b->c_in = c_in;
    b->c_out = c_out;
    b->stride = stride;
    b->h_in = h_in;
    b->w_in = w_in;

    /* The units' channels, kernel sizes and strides: the stride sits in the
       first 3x3 conv (for the bottleneck, its middle one, as in torchvision's
       "ResNet v1.5"). */
    if (kind == HN_RESBLOCK_BASIC) {
        b->nunits = 2;
        cin[0] = c_in;  cout[0] = c_out; ks[0] = 3; st[0] = stride;
        cin[1] = c_out; cout[1] = c_out; ks[1] = 3; st[1] = 1;
    } else {
        b->nunits = 3;
        cin[0] = c_in;  cout[0] = c_mid; ks[0] = 1; st[0] = 1;
        cin[1] = c_mid; cout[1] = c_mid; ks[1] = 3; st[1] = stride;
        cin[2] = c_mid; cout[2] = c_out; ks[2] = 1; st[2] = 1;
    }

    for (u = 0; u < b->nunits; u++) {
        hn_resunit *un = &b->unit[u];
        hn__res_name(pre, name, ".u", u, ".");
        un->c = cin[u];
        un->w = -1;
        if ((rc = hn_conv2d_init(&un->cv, cin[u], h, w, cout[u], ks[u], ks[u], st[u],
                                 ks[u] / 2)) != HN_OK)
            goto fail;
        un->hw = h * w;
        if ((rc = hn__res_declare_bn(ps, state, pre, cin[u], &un->gamma, &un->beta,
                                     &un->run_mean, &un->run_var)) != HN_OK)
            goto fail;
        if (hyper) {
            hn__res_name(pre, name, ".u", u, ".conv");
            if ((rc = hn_hyperconv_declare(&b->gen[u], hyper, ps, pre, cin[u], cout[u],
                                           ks[u], 0)) != HN_OK)
                goto fail;
            un->gen = &b->gen[u];
        } else {
            shape[0] = cout[u]; shape[1] = cin[u]; shape[2] = shape[3] = ks[u];
            if ((un->w = hn__res_add(ps, pre, "conv.w", 4, shape)) < 0) {
                rc = hn__err_status;
                goto fail;
            }
        }
        h = un->cv.h_out;
        w = un->cv.w_out;
    }
    b->h_out = h;
    b->w_out = w;
    if (stride != 1 || c_in != c_out) {
        memcpy(pre, name, strlen(name));
        memcpy(pre + strlen(name), ".", 2);
        if ((rc = hn_conv2d_init(&b->sc, c_in, h_in, w_in, c_out, 1, 1, stride, 0)) !=
            HN_OK)
            goto fail;
        if (b->sc.h_out != h || b->sc.w_out != w) {
            rc = hn__fail(HN_ERR_SHAPE, "residual block '%s': shortcut %dx%d, branch "
                          "%dx%d", name, b->sc.h_out, b->sc.w_out, h, w);
            goto fail;
        }
        shape[0] = c_out; shape[1] = c_in; shape[2] = shape[3] = 1;
        if ((b->sc_w = hn__res_add(ps, pre, "sc.w", 4, shape)) < 0) {
            rc = hn__err_status;
            goto fail;
        }
    }

    /* One allocation: the stored inputs of units 1.., the statistics of
       every unit, and the generated kernels with their gradients. */
    for (u = 0; u < b->nunits; u++) {
        const hn_resunit *un = &b->unit[u];
        size_t kn = (size_t)un->cv.c_out * un->cv.c_in * un->cv.kh * un->cv.kw;
        if (u > 0) total += (size_t)max_batch * un->c * un->hw;
        total += 2u * (size_t)un->c + (un->gen ? 2u * kn : 0u);
    }
    if (!hn__mul_size(total, sizeof(float), &sz)) {
        rc = hn__fail(HN_ERR_LIMIT, "residual block '%s' is too large", name);
        goto fail;
    }
    b->mem = (float *)hn__alloc(sz);
    if (!b->mem) {
        rc = HN_ERR_NOMEM;
        goto fail;
    }
    {
        float *p = b->mem;
        for (u = 0; u < b->nunits; u++) {
            hn_resunit *un = &b->unit[u];
            size_t kn = (size_t)un->cv.c_out * un->cv.c_in * un->cv.kh * un->cv.kw;
            if (u > 0) {
                un->x = p;
                p += (size_t)max_batch * un->c * un->hw;
            }
            un->mean = p;
            un->rstd = p + un->c;
            p += 2u * (size_t)un->c;
            if (un->gen) {
                un->kernel = p;
                un->dkernel = p + kn;
                p += 2u * kn;
            }
        }
    }
    return HN_OK;
fail:
    hn_resblock_free(b);
    return rc;
}

HNDEF void hn_resblock_init_weights(hn_resblock *b, hn_params *ps, hn_params *state,
                                    hn_rng *rng)
{
    int u;
    for (u = 0; u < b->nunits; u++) {
        hn_resunit *un = &b->unit[u];
        hn__res_init_bn(ps, state, un->c, un->gamma, un->beta, un->run_mean,
                        un->run_var);
        if (un->gen) hn_hyperconv_init_weights(un->gen, ps, rng);
        else hn__res_init_he(ps, un->w, &un->cv, rng);
    }
    if (b->sc_w >= 0) hn__res_init_he(ps, b->sc_w, &b->sc, rng);
}

HNDEF void hn_resblock_scratch_need(const hn_resblock *b, int n, size_t *act,
                                    size_t *ws_floats)
{
    int u;
    for (u = 0; u < b->nunits; u++) {
        const hn_conv2d *cv = &b->unit[u].cv;
        size_t in = (size_t)n * cv->c_in * cv->h_in * cv->w_in;
        size_t out = (size_t)n * cv->c_out * cv->h_out * cv->w_out;
        size_t ws = hn_conv2d_workspace_size(cv);
        if (in > *act) *act = in;
        if (out > *act) *act = out;
        if (ws > *ws_floats) *ws_floats = ws;
    }
    if (b->sc_w >= 0 && hn_conv2d_workspace_size(&b->sc) > *ws_floats)
        *ws_floats = hn_conv2d_workspace_size(&b->sc);
}

HNDEF void hn_resblock_free(hn_resblock *b)
{
    int u;
    for (u = 0; u < HN_RESBLOCK_MAX_UNITS; u++) hn_hyperconv_free(&b->gen[u]);
    HN_FREE(b->mem);
    b->mem = NULL;
}

HNDEF hn_status hn_resscratch_alloc(hn_resscratch *s, size_t act, size_t ws_floats)
{
    size_t total, sz;
    memset(s, 0, sizeof *s);
    /* Round each array to 16 floats so that each starts on a cache line. */
    act = (act + 15) / 16 * 16;
    if (!hn__mul_size(act, 6, &total) || total > (size_t)-1 - ws_floats ||
        !hn__mul_size(total + ws_floats, sizeof(float), &sz))
        return hn__fail(HN_ERR_LIMIT, "residual scratch of %zu + %zu floats is too "
                        "large", act, ws_floats);
    s->mem = (float *)hn__alloc(sz);
    if (!s->mem) return HN_ERR_NOMEM;
    s->act = act;
    s->ws_floats = ws_floats;
    s->a = s->mem;
    s->da = s->a + act;
    s->g0 = s->da + act;
    s->g1 = s->g0 + act;
    s->gx0 = s->g1 + act;
    s->gx1 = s->gx0 + act;
    s->ws = s->gx1 + act;
    return HN_OK;
}

HNDEF void hn_resscratch_free(hn_resscratch *s)
{
    HN_FREE(s->mem);
    memset(s, 0, sizeof *s);
}

/* Whether unit u's convolution applies its batch norm and ReLU as it
   reads x in a training step (the Winograd path), so that a = relu(bn(x))
   is never stored; the projection shortcut of unit 0 still reads a. */
static int hn__resunit_fused(const hn_resblock *b, int u)
{
    return hn__conv2d_wino(&b->unit[u].cv) && !(u == 0 && b->sc_w >= 0);
}

/* The kernel a unit convolves with: its plain tensor or its generated
   buffer. */
static const float *hn__res_kernel(const hn_resunit *un, const hn_params *ps)
{
    return un->gen ? un->kernel : hn_params_data(ps, un->w);
}

HNDEF void hn_resblock_forward(hn_resblock *b, const hn_params *ps, hn_params *state,
                               int n, const float *x, float *y, int train,
                               hn_resscratch *s)
{
    int u, last = b->nunits - 1;
    HN_ASSERT(n > 0 && n <= b->max_batch);
    if (train) {
        b->fixed = 0;
        for (u = 0; u < b->nunits; u++) b->unit[u].cv.prepared = NULL;
    }
    for (u = 0; u < b->nunits; u++) {
        hn_resunit *un = &b->unit[u];
        const float *xu = u == 0 ? x : un->x;
        const float *g = hn_params_data(ps, un->gamma), *be = hn_params_data(ps, un->beta);
        float *rm = hn_params_data(state, un->run_mean);
        float *rv = hn_params_data(state, un->run_var);
        hn__bnrelu bn = hn__bnrelu_of(g, be, un->mean, un->rstd);
        int fused = train && hn__resunit_fused(b, u);
        if (train) hn__bnrelu_train(n, un->c, un->hw, xu, g, be, rm, rv, un->mean,
                                    un->rstd, fused ? NULL : s->a);
        else hn__bnrelu_eval(n, un->c, un->hw, xu, g, be, rm, rv, s->a);
        if (un->gen && !b->fresh && (train || !b->fixed))
            hn_hyperconv_generate(un->gen, ps, un->kernel);

        /* The projection shortcut reads a0 = relu(bn(x)), which the next
           unit overwrites: run it first, straight into y. */
        if (u == 0 && b->sc_w >= 0)
            hn_conv2d_forward(&b->sc, n, s->a, hn_params_data(ps, b->sc_w), NULL, y,
                              s->ws);
        /* The last unit adds the shortcut (x, or the projection already
           in y) as it writes y. */
        hn__conv2d_forward_bn(&un->cv, n, fused ? xu : s->a, fused ? &bn : NULL,
                              hn__res_kernel(un, ps),
                              u < last ? NULL : b->sc_w >= 0 ? y : x,
                              u < last ? b->unit[u + 1].x : y, s->ws);
    }
    b->fresh = 0;
}

/* hn_resblock_backward, where flags HN__RB_SET makes it dx = dL/dx
   rather than +=, and HN__RB_DEFER leaves the generated kernels' gradients
   in their dkernel buffers for the caller to take through the
   hypernetwork. */
#define HN__RB_SET 1
#define HN__RB_DEFER 2
static void hn__resblock_backward(hn_resblock *b, hn_params *ps, int n, const float *x,
                                  const float *dy, float *dx, int flags, hn_resscratch *s)
{
    int set = flags & HN__RB_SET;
    int u;
    const float *gout = dy;     /* dL/d(output of unit u's conv) */
    size_t nx = (size_t)n * b->c_in * b->h_in * b->w_in;
    HN_ASSERT(n > 0 && n <= b->max_batch);
    for (u = b->nunits - 1; u >= 0; u--) {
        hn_resunit *un = &b->unit[u];
        const float *xu = u == 0 ? x : un->x, *r = NULL;
        float *gin = (u & 1) ? s->g0 : s->g1;   /* never the same as gout */
        float *dk = un->gen ? un->dkernel : hn_params_grad(ps, un->w);

        hn__bnrelu bn = hn__bnrelu_of(hn_params_data(ps, un->gamma),
                                      hn_params_data(ps, un->beta), un->mean, un->rstd);
        int fused = hn__resunit_fused(b, u);

        /* Recompute a = relu(bn(x)) from the stored input, unless the
           convolution does as it reads x. */
        if (!fused) hn__bnrelu_apply(n, un->c, un->hw, xu, &bn, s->a);
        if (un->gen)
            memset(dk, 0, (size_t)un->cv.c_out * un->cv.c_in * un->cv.kh * un->cv.kw *
                              sizeof(float));
        /* da = dL/da is set by the unit's conv, the shortcut's adds. */
        hn__conv2d_backward(&un->cv, n, fused ? xu : s->a, fused ? &bn : NULL,
                            hn__res_kernel(un, ps), gout, s->da, 1, dk, NULL, s->ws);
        if (un->gen && !(flags & HN__RB_DEFER))
            hn_hyperconv_generate_backward(un->gen, ps, dk);
        if (u == 0 && b->sc_w >= 0)
            hn_conv2d_backward(&b->sc, n, s->a, hn_params_data(ps, b->sc_w), dy, s->da,
                               hn_params_grad(ps, b->sc_w), NULL, s->ws);

        /* Through BN -> ReLU: into the caller's dx for the first unit, with
           the identity shortcut's dy (and dx itself unless set), else into
           a scratch gradient. (Without dx the first unit still owes BN its
           gradients.) */
        if (u == 0 && dx) {
            if (!set && b->sc_w < 0) hn__res_sum(nx, dx, dy, dx);
            r = !set ? dx : b->sc_w < 0 ? dy : NULL;
            gin = dx;
        }
        hn__bnrelu_backward(n, un->c, un->hw, xu, &bn, s->da, r, gin,
                            hn_params_grad(ps, un->gamma), hn_params_grad(ps, un->beta));
        gout = gin;
    }
}

HNDEF void hn_resblock_backward(hn_resblock *b, hn_params *ps, int n, const float *x,
                                const float *dy, float *dx, hn_resscratch *s)
{
    hn__resblock_backward(b, ps, n, x, dy, dx, 0, s);
}

/* ---- whole networks ---- */

/* Runs of layers for the hypernetwork's backward (hn__resnet_generate_backward). */
#define HN__RES_GEN_GROUPS 8

HNDEF hn_resnet_config hn_resnet_config_wrn(int depth, int widen, int hyper)
{
    hn_resnet_config c;
    memset(&c, 0, sizeof c);
    c.block = HN_RESBLOCK_BASIC;
    c.depth = depth;
    c.widen = widen;
    c.base = 16;
    c.hyper = hyper;
    c.n_z = 64;
    c.tile = 16;
    c.classes = 10;
    c.channels = 3;
    c.height = c.width = 32;
    c.max_batch = 128;
    return c;
}

HNDEF hn_resnet_config hn_resnet_config_bottleneck(int depth, int hyper)
{
    hn_resnet_config c = hn_resnet_config_wrn(depth, 1, hyper);
    c.block = HN_RESBLOCK_BOTTLENECK;
    c.base = 64;
    /* Every bottleneck width is a multiple of 64, and the embeddings, one
       per tile, grow as 1/tile^2 while the generator grows as tile: 64x64
       tiles make ResNet-50's generated part 0.47M floats, 16x16 ones 2.73M
       (2.65M of embeddings). */
    c.tile = 64;
    return c;
}

/* Blocks per group: WRN-d has n = (d - 4) / 6 in each of its 3 groups
   (the WRN paper's count: 6n convs in the branches, plus the stem, the
   shortcuts of groups 2 and 3 and the classifier); bottleneck ResNets
   follow He et al.'s table. Returns the number of groups, 0 for a depth
   that has no such network. */
static int hn__res_groups(const hn_resnet_config *c, int *per_group)
{
    static const int depths[6] = {14, 26, 38, 50, 101, 152};
    static const int table[6][4] = {{1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3},
                                    {3, 4, 6, 3}, {3, 4, 23, 3}, {3, 8, 36, 3}};
    int i;
    if (c->block == HN_RESBLOCK_BASIC) {
        if (c->depth < 10 || (c->depth - 4) % 6) return 0;
        per_group[0] = per_group[1] = per_group[2] = (c->depth - 4) / 6;
        return 3;
    }
    for (i = 0; i < 6; i++)
        if (c->depth == depths[i]) {
            memcpy(per_group, table[i], sizeof table[i]);
            return 4;
        }
    return 0;
}

/* Which part of the paper's count a tensor belongs to, from its name. */
static int hn__res_part(const char *name)
{
    size_t len = strlen(name);
    if (strncmp(name, "hyper.", 6) == 0) return HN_RESNET_PART_HYPER;
    if (strncmp(name, "fc.", 3) == 0) return HN_RESNET_PART_FC;
    if (len > 2 && strcmp(name + len - 2, ".z") == 0) return HN_RESNET_PART_EMBED;
    if (strstr(name, ".bn.")) return HN_RESNET_PART_BN;
    return HN_RESNET_PART_CONV;
}

HNDEF const char *hn_resnet_part_name(int part)
{
    static const char *names[HN_RESNET_NPARTS] = {"embeddings", "hypernetwork",
                                                  "plain convs", "batch norm",
                                                  "classifier"};
    return part >= 0 && part < HN_RESNET_NPARTS ? names[part] : "?";
}

HNDEF hn_status hn_resnet_init(hn_resnet *m, const hn_resnet_config *cfg)
{
    int per_group[4], ngroups, g, i, k, c, h, w, shape[4], nb = cfg->max_batch;
    size_t act = 0, ws = 0, total, sz;
    hn_status rc;
    char name[16];
    memset(m, 0, sizeof *m);
    m->cfg = *cfg;
    hn_params_init(&m->ps);
    hn_params_init(&m->state);
    ngroups = hn__res_groups(cfg, per_group);
    if (!ngroups)
        return hn__fail(HN_ERR_ARG, "resnet: no %s network of depth %d",
                        cfg->block == HN_RESBLOCK_BASIC ? "wide" : "bottleneck",
                        cfg->depth);
    if (cfg->widen <= 0 || cfg->base <= 0 || cfg->classes <= 0 || cfg->channels <= 0 ||
        cfg->height <= 0 || cfg->width <= 0 || nb <= 0 ||
        (cfg->hyper && (cfg->n_z <= 0 || cfg->tile <= 0)) ||
        cfg->base > (1 << 16) || cfg->widen > (1 << 10))
        return hn__fail(HN_ERR_ARG, "resnet: sizes out of range");
    for (g = 0; g < ngroups; g++) m->nblocks += per_group[g];
    m->blocks = (hn_resblock *)hn__calloc((size_t)m->nblocks, sizeof *m->blocks);
    if (!m->blocks) return HN_ERR_NOMEM;

    /* The shared generator writes tile x tile x 3 x 3 pieces; a bottleneck's
       1x1 kernels take their centre taps. The paper's generator is linear
       with d = N_z. Its biases are not decayed. */
    if (cfg->hyper) {
        if ((rc = hn_hyper_declare(&m->hyper, &m->ps, "hyper", cfg->n_z, cfg->n_z,
                                   cfg->tile, cfg->tile, 3, 0)) != HN_OK)
            goto fail;
        hn_params_set_no_decay(&m->ps, m->hyper.b_in, 1);
        hn_params_set_no_decay(&m->ps, m->hyper.b_out, 1);
    }

    /* Stem: a 3x3 conv to `base` channels, stride 1 (CIFAR-sized inputs: no
       7x7 stride-2 conv, no max pool). */
    if ((rc = hn_conv2d_init(&m->stem, cfg->channels, cfg->height, cfg->width, cfg->base,
                             3, 3, 1, 1)) != HN_OK)
        goto fail;
    shape[0] = cfg->base; shape[1] = cfg->channels; shape[2] = shape[3] = 3;
    if ((m->stem_w = hn_params_add(&m->ps, "stem.w", 4, shape)) < 0) goto fail_err;
    act = (size_t)nb * cfg->base * cfg->height * cfg->width;
    ws = hn_conv2d_workspace_size(&m->stem);

    c = cfg->base;
    h = cfg->height;
    w = cfg->width;
    for (g = 0, i = 0; g < ngroups; g++) {
        int mid = cfg->base * cfg->widen << g;
        int out = cfg->block == HN_RESBLOCK_BASIC ? mid : 4 * mid;
        for (k = 0; k < per_group[g]; k++, i++) {
            hn_resblock *b = &m->blocks[i];
            int stride = (k == 0 && g > 0) ? 2 : 1;
            hn__res_name(name, "b", "", i, "");
            if ((rc = hn_resblock_declare(b, &m->ps, &m->state, name, cfg->block, c, mid,
                                          out, h, w, stride,
                                          cfg->hyper ? &m->hyper : NULL, nb)) != HN_OK)
                goto fail;
            hn_resblock_scratch_need(b, nb, &act, &ws);
            c = out;
            h = b->h_out;
            w = b->w_out;
        }
    }
    m->c_last = c;
    m->hw_last = h * w;
    if ((rc = hn__res_declare_bn(&m->ps, &m->state, "final.", c, &m->gamma, &m->beta,
                                 &m->run_mean, &m->run_var)) != HN_OK)
        goto fail;
    shape[0] = cfg->classes;
    shape[1] = c;
    if ((m->fc_w = hn_params_add(&m->ps, "fc.w", 2, shape)) < 0 ||
        (m->fc_b = hn_params_add(&m->ps, "fc.b", 1, shape)) < 0)
        goto fail_err;
    hn_params_set_no_decay(&m->ps, m->fc_b, 1);
    if ((rc = hn_params_alloc(&m->ps)) != HN_OK ||
        (rc = hn_params_alloc(&m->state)) != HN_OK)
        goto fail;
    for (i = 0; i < m->ps.count; i++)
        m->part[hn__res_part(m->ps.info[i].name)] += m->ps.info[i].size;

    /* Block boundaries (each block's input is kept for its backward pass),
       the head's buffers, then the scratch the blocks share. */
    m->xs = (float **)hn__calloc((size_t)m->nblocks + 1, sizeof *m->xs);
    if (!m->xs) {
        rc = HN_ERR_NOMEM;
        goto fail;
    }
    total = (size_t)nb * cfg->base * cfg->height * cfg->width;
    for (i = 0; i < m->nblocks; i++)
        total += (size_t)nb * m->blocks[i].c_out * m->blocks[i].h_out *
                 m->blocks[i].w_out;
    total += 2u * (size_t)c + 2u * (size_t)nb * c + 3u * (size_t)nb * cfg->classes;
    if (!hn__mul_size(total, sizeof(float), &sz)) {
        rc = hn__fail(HN_ERR_LIMIT, "resnet: activations too large");
        goto fail;
    }
    if (!(m->mem = (float *)hn__alloc(sz))) {
        rc = HN_ERR_NOMEM;
        goto fail;
    }
    {
        float *p = m->mem;
        m->xs[0] = p;
        p += (size_t)nb * cfg->base * cfg->height * cfg->width;
        for (i = 0; i < m->nblocks; i++) {
            m->xs[i + 1] = p;
            p += (size_t)nb * m->blocks[i].c_out * m->blocks[i].h_out *
                 m->blocks[i].w_out;
        }
        m->mean = p;             p += c;
        m->rstd = p;             p += c;
        m->pooled = p;           p += (size_t)nb * c;
        m->dpooled = p;          p += (size_t)nb * c;
        m->logits = p;           p += (size_t)nb * cfg->classes;
        m->probs = p;            p += (size_t)nb * cfg->classes;
        m->dlogits = p;
    }
    if ((size_t)nb * c * m->hw_last > act) act = (size_t)nb * c * m->hw_last;
    if ((rc = hn_resscratch_alloc(&m->scratch, act, ws)) != HN_OK) goto fail;
    /* Optional: without it the generator's backward runs layer by layer. */
    if (cfg->hyper)
        m->hgrad = (float *)HN_MALLOC((size_t)HN__RES_GEN_GROUPS *
                                      hn_hyper_param_count(&m->hyper) * sizeof(float));
    return HN_OK;
fail_err:
    rc = hn__err_status;
fail:
    hn_resnet_free(m);
    return rc;
}

HNDEF void hn_resnet_init_weights(hn_resnet *m, hn_rng *rng)
{
    int i, c = m->c_last, classes = m->cfg.classes;
    if (m->cfg.hyper) hn_hyper_init_weights(&m->hyper, &m->ps, rng);
    hn__res_init_he(&m->ps, m->stem_w, &m->stem, rng);
    for (i = 0; i < m->nblocks; i++)
        hn_resblock_init_weights(&m->blocks[i], &m->ps, &m->state, rng);
    hn__res_init_bn(&m->ps, &m->state, c, m->gamma, m->beta, m->run_mean, m->run_var);
    /* Classifier: N(0, 1/fan_in), zero bias. */
    hn_rng_fill_normal(rng, hn_params_data(&m->ps, m->fc_w), (size_t)classes * c, 0.0f,
                       HN_SQRTF(1.0f / (float)c));
    memset(hn_params_data(&m->ps, m->fc_b), 0, (size_t)classes * sizeof(float));
}

HNDEF void hn_resnet_free(hn_resnet *m)
{
    int i;
    if (m->blocks)
        for (i = 0; i < m->nblocks; i++) hn_resblock_free(&m->blocks[i]);
    HN_FREE(m->blocks);
    HN_FREE(m->xs);
    HN_FREE(m->prep);
    HN_FREE(m->hgrad);
    HN_FREE(m->mem);
    hn_resscratch_free(&m->scratch);
    hn_params_free(&m->ps);
    hn_params_free(&m->state);
    memset(m, 0, sizeof *m);
}

/* ---- the hypernetwork over all layers at once ----

   The generated layers share one hypernetwork, but each one's products
   are small (tens of rows for the first group of WRN-40-2): run one at a
   time, the generator took 12 ms of a training step on two threads and
   gained nothing from the second. Here the layers run side by side
   instead, each on one thread. Forward, every layer writes only its own
   kernel. Backward, every layer adds into the shared gradients: the
   layers are cut into HN__RES_GEN_GROUPS runs of about equal work, fixed
   by the network alone, each run adds into a private copy, and the copies
   are added in run order, so the result is the same for any number of
   threads. */

static hn_resunit *hn__res_gen_unit(hn_resnet *m, int q)
{
    hn_resblock *b = &m->blocks[q / HN_RESBLOCK_MAX_UNITS];
    int u = q % HN_RESBLOCK_MAX_UNITS;
    return u < b->nunits && b->unit[u].gen ? &b->unit[u] : NULL;
}

/* The kernels of every block that needs them (all in training, else those
   not held), marked so that the block's forward does not make them again. */
static void hn__resnet_generate(hn_resnet *m, int train)
{
    int q, nq = m->nblocks * HN_RESBLOCK_MAX_UNITS, i;
    if (!m->cfg.hyper) return;
#ifdef _OPENMP
    #pragma omp parallel for schedule(dynamic)
#endif
    for (q = 0; q < nq; q++) {
        hn_resunit *un = hn__res_gen_unit(m, q);
        if (un && (train || !m->blocks[q / HN_RESBLOCK_MAX_UNITS].fixed))
            hn_hyperconv_generate(un->gen, &m->ps, un->kernel);
    }
    for (i = 0; i < m->nblocks; i++)
        if (train || !m->blocks[i].fixed) m->blocks[i].fresh = 1;
}

HNDEF void hn_resnet_generate_backward(hn_resnet *m)
{
    const hn_hyper *h = &m->hyper;
    size_t ff = (size_t)h->f * h->f, size[4], hsize = hn_hyper_param_count(h);
    double total = 0.0;
    int q, nq = m->nblocks * HN_RESBLOCK_MAX_UNITS, t, g;
    long long j;
    float *grad[4];
    if (!m->cfg.hyper) return;
    size[0] = (size_t)h->blk_in * h->d * h->n_z;
    size[1] = (size_t)h->blk_in * h->d;
    size[2] = (size_t)h->blk_out * ff * h->d;
    size[3] = (size_t)h->blk_out * ff;
    grad[0] = hn_params_grad(&m->ps, h->w_in);
    grad[1] = hn_params_grad(&m->ps, h->b_in);
    grad[2] = hn_params_grad(&m->ps, h->w_out);
    grad[3] = hn_params_grad(&m->ps, h->b_out);
    if (!m->hgrad) {   /* no room for the copies: one layer after another */
        for (q = 0; q < nq; q++) {
            hn_resunit *un = hn__res_gen_unit(m, q);
            if (un) hn_hyperconv_generate_backward(un->gen, &m->ps, un->dkernel);
        }
        return;
    }
    for (q = 0; q < nq; q++) {
        hn_resunit *un = hn__res_gen_unit(m, q);
        if (un) total += (double)hn_hyperconv_plain_count(un->gen);
    }
    if (total == 0.0) return;   /* no generated layer */
#ifdef _OPENMP
    #pragma omp parallel for schedule(dynamic)
#endif
    for (g = 0; g < HN__RES_GEN_GROUPS; g++) {
        float *acc = m->hgrad + (size_t)g * hsize, *pg[4];
        double before = 0.0;
        int r;
        memset(acc, 0, hsize * sizeof(float));
        pg[0] = acc;
        for (r = 1; r < 4; r++) pg[r] = pg[r - 1] + size[r - 1];
        /* Layer q is in run floor(G x work before it / all the work). */
        for (r = 0; r < nq; r++) {
            hn_resunit *un = hn__res_gen_unit(m, r);
            if (!un) continue;
            if ((int)(HN__RES_GEN_GROUPS * before / total) == g)
                hn__hyperconv_backward(un->gen, &m->ps, un->dkernel, pg);
            before += (double)hn_hyperconv_plain_count(un->gen);
        }
    }
    for (t = 0; t < 4; t++) {
        size_t off = 0;
        for (g = 0; g < t; g++) off += size[g];
#ifdef _OPENMP
        #pragma omp parallel for schedule(static) if (size[t] > 4096)
#endif
        for (j = 0; j < (long long)size[t]; j++) {
            float sum = grad[t][j];
            int r;
            for (r = 0; r < HN__RES_GEN_GROUPS; r++)
                sum += m->hgrad[(size_t)r * hsize + off + (size_t)j];
            grad[t][j] = sum;
        }
    }
}

HNDEF const float *hn_resnet_forward(hn_resnet *m, int n, const float *x, int train)
{
    hn_resscratch *s = &m->scratch;
    int i, c = m->c_last, hw = m->hw_last;
    const float *g = hn_params_data(&m->ps, m->gamma), *be = hn_params_data(&m->ps, m->beta);
    float *rm = hn_params_data(&m->state, m->run_mean);
    float *rv = hn_params_data(&m->state, m->run_var);
    HN_ASSERT(n > 0 && n <= m->cfg.max_batch);
    m->input = x;
    hn__resnet_generate(m, train);
    hn_conv2d_forward(&m->stem, n, x, hn_params_data(&m->ps, m->stem_w), NULL, m->xs[0],
                      s->ws);
    for (i = 0; i < m->nblocks; i++)
        hn_resblock_forward(&m->blocks[i], &m->ps, &m->state, n, m->xs[i], m->xs[i + 1],
                            train, s);

    /* Head: BN -> ReLU -> mean over the plane -> linear. */
    if (train) hn__bnrelu_train(n, c, hw, m->xs[m->nblocks], g, be, rm, rv, m->mean,
                                m->rstd, s->a);
    else hn__bnrelu_eval(n, c, hw, m->xs[m->nblocks], g, be, rm, rv, s->a);
    hn_global_avgpool_forward(n, c, hw, s->a, m->pooled);
    hn_linear_forward(n, c, m->cfg.classes, m->pooled, hn_params_data(&m->ps, m->fc_w),
                      hn_params_data(&m->ps, m->fc_b), m->logits);
    return m->logits;
}

HNDEF void hn_resnet_fix_kernels(hn_resnet *m)
{
    size_t need = 0, at = 0;
    int i, u;
    for (i = 0; i < m->nblocks; i++)
        for (u = 0; u < m->blocks[i].nunits; u++)
            need += hn__round16(hn_conv2d_prepared_size(&m->blocks[i].unit[u].cv));
    /* Room for every conv's transformed kernel, once; without it (the
       allocation failed) the forwards transform them each time. */
    if (!m->prep && need) m->prep = (float *)HN_MALLOC(need * sizeof(float));
    for (i = 0; i < m->nblocks; i++) {
        hn_resblock *b = &m->blocks[i];
        for (u = 0; u < b->nunits; u++) {
            hn_resunit *un = &b->unit[u];
            if (un->gen) hn_hyperconv_generate(un->gen, &m->ps, un->kernel);
            un->cv.prepared = NULL;
            if (m->prep && hn_conv2d_prepared_size(&un->cv)) {
                hn_conv2d_prepare(&un->cv, hn__res_kernel(un, &m->ps), m->prep + at);
                at += hn__round16(hn_conv2d_prepared_size(&un->cv));
            }
        }
        b->fixed = 1;
    }
}

HNDEF float hn_resnet_loss(hn_resnet *m, int n, const int *labels, int *ncorrect)
{
    return hn_softmax_xent_forward(n, m->cfg.classes, m->logits, labels, m->probs,
                                   ncorrect);
}

HNDEF void hn_resnet_backward(hn_resnet *m, int n, const int *labels)
{
    hn_resscratch *s = &m->scratch;
    hn_params *ps = &m->ps;
    int i, c = m->c_last, hw = m->hw_last, classes = m->cfg.classes;
    float *gx = s->gx0, *gnext = s->gx1, *t;
    const float *xl = m->xs[m->nblocks];
    hn__bnrelu bn = hn__bnrelu_of(hn_params_data(ps, m->gamma), hn_params_data(ps, m->beta),
                                  m->mean, m->rstd);

    /* Head, backwards: cross-entropy, linear, pooling, BN -> ReLU. */
    memset(m->dlogits, 0, (size_t)n * classes * sizeof(float));
    hn_softmax_xent_backward(n, classes, m->probs, labels, 1.0f, m->dlogits);
    memset(m->dpooled, 0, (size_t)n * c * sizeof(float));
    hn_linear_backward(n, c, classes, m->pooled, hn_params_data(ps, m->fc_w), m->dlogits,
                       m->dpooled, hn_params_grad(ps, m->fc_w), hn_params_grad(ps, m->fc_b));
    memset(s->da, 0, (size_t)n * c * hw * sizeof(float));
    hn_global_avgpool_backward(n, c, hw, m->dpooled, s->da);
    hn__bnrelu_backward(n, c, hw, xl, &bn, s->da, NULL, gx, hn_params_grad(ps, m->gamma),
                        hn_params_grad(ps, m->beta));

    /* The blocks, last to first, each setting its dx; gradient buffers
       alternate. */
    for (i = m->nblocks - 1; i >= 0; i--) {
        hn__resblock_backward(&m->blocks[i], ps, n, m->xs[i], gx, gnext,
                              HN__RB_SET | HN__RB_DEFER, s);
        t = gx;
        gx = gnext;
        gnext = t;
    }
    hn_conv2d_backward(&m->stem, n, m->input, hn_params_data(ps, m->stem_w), gx, NULL,
                       hn_params_grad(ps, m->stem_w), NULL, s->ws);
    hn_resnet_generate_backward(m);
}

HNDEF void hn_resnet_generate(hn_resnet *m)
{
    hn__resnet_generate(m, 1);
}

/* ---- data augmentation ---- */

/* Mirror index i into [0, n) without repeating the edge: -1 -> 1, n -> n-2.
   Valid for -n < i < 2n - 1. */
static int hn__reflect(int i, int n)
{
    if (i < 0) return -i;
    if (i >= n) return 2 * n - 2 - i;
    return i;
}

HNDEF void hn_augment_crop_flip(int n, int c, int h, int w, int pad, int flip,
                                const float *x, float *y, hn_rng *rng)
{
    int i, ch, r, s;
    size_t plane = (size_t)h * w;
    HN_ASSERT(pad >= 0 && pad < h && pad < w);
    for (i = 0; i < n; i++) {
        int dy = (int)hn_rng_below(rng, (uint32_t)(2 * pad + 1));
        int dx = (int)hn_rng_below(rng, (uint32_t)(2 * pad + 1));
        int mirror = flip ? (int)(hn_rng_u32(rng) >> 31) : 0;
        for (ch = 0; ch < c; ch++) {
            const float *src = x + ((size_t)i * c + ch) * plane;
            float *dst = y + ((size_t)i * c + ch) * plane;
            for (r = 0; r < h; r++) {
                const float *row = src + (size_t)hn__reflect(r + dy - pad, h) * w;
                for (s = 0; s < w; s++) {
                    int col = mirror ? w - 1 - s : s;
                    dst[(size_t)r * w + s] = row[hn__reflect(col + dx - pad, w)];
                }
            }
        }
    }
}

/* ---- end of residual network implementation ---- */

/* ========================================================================
   Recurrent implementation
   ======================================================================== */

/* Layer norm (Ba, Kiros and Hinton 2016) keeps eps inside the square root,
   as the paper's reference code does. */
#define HN__LN_EPS 1e-5f

/* A row whose work is below this many multiply-adds runs on one thread:
   forking a team costs a few microseconds. */
#define HN__LSTM_OMP_MIN 8192

/* e^x by Cody-Waite reduction, x = k ln 2 + r with |r| <= ln 2 / 2, and
   the Taylor polynomial of e^r to r^6 (truncation below 1.3e-7 relative);
   2^k is built in the exponent bits. Plain arithmetic, so that the loops
   of the gates vectorise, where a libm call would not. x is clamped to
   [-87, 87]: every activation here has saturated long before. */
static float hn__exp_fast(float x)
{
    int32_t bits;
    float k, r, p, scale;
    x = x < -87.0f ? -87.0f : x > 87.0f ? 87.0f : x;
    k = floorf(x * 1.44269504f + 0.5f);
    r = x - k * 0.693145751953125f - k * 1.42860677e-6f;
    p = 1.0f + r * (1.0f + r * (0.5f + r * (1.0f / 6 + r * (1.0f / 24 +
        r * (1.0f / 120 + r * (1.0f / 720))))));
    bits = ((int32_t)k + 127) * (1 << 23);
    memcpy(&scale, &bits, sizeof scale);   /* a register move, vectorisable */
    return p * scale;
}

/* sigmoid(x) = 1 / (1 + e^-x) */
static float hn__sigmoidf(float x) { return 1.0f / (1.0f + hn__exp_fast(-x)); }

/* tanh(x) = 2 sigmoid(2x) - 1: absolute error about 1e-7, which is what
   the gradients see. */
static float hn__tanh_fast(float x) { return 2.0f / (1.0f + hn__exp_fast(-2.0f * x)) - 1.0f; }

/* xhat = (x - mean(x)) / sqrt(var(x) + eps) over n values; returns the
   1/sqrt(var + eps) that the backward pass needs. */
static float hn__ln_row(const float *x, float *xhat, int n)
{
    float mean = 0.0f, var = 0.0f, rstd;
    int j;
    HN__SIMD_SUM1(mean)
    for (j = 0; j < n; j++) mean += x[j];
    mean /= (float)n;
    HN__SIMD_SUM1(var)
    for (j = 0; j < n; j++) var += (x[j] - mean) * (x[j] - mean);
    rstd = 1.0f / HN_SQRTF(var / (float)n + HN__LN_EPS);
    HN__SIMD
    for (j = 0; j < n; j++) xhat[j] = (x[j] - mean) * rstd;
    return rstd;
}

/* Backward of y = g * xhat + b for one row, given dy: dx (+)= rstd * (dxh -
   mean(dxh) - xhat * mean(dxh * xhat)) with dxh = g * dy. */
static void hn__ln_row_backward(const float *xhat, const float *dy, const float *g,
                                float rstd, float *dx, int n, int accumulate)
{
    float m1 = 0.0f, m2 = 0.0f;
    int j;
    HN__SIMD_SUM2(m1, m2)
    for (j = 0; j < n; j++) {
        float d = dy[j] * g[j];
        m1 += d;
        m2 += d * xhat[j];
    }
    m1 /= (float)n;
    m2 /= (float)n;
    if (accumulate) {
        HN__SIMD
        for (j = 0; j < n; j++) dx[j] += rstd * (dy[j] * g[j] - m1 - xhat[j] * m2);
    } else {
        HN__SIMD
        for (j = 0; j < n; j++) dx[j] = rstd * (dy[j] * g[j] - m1 - xhat[j] * m2);
    }
}

/* What one LSTM core of n units keeps for its backward pass. The main cell
   and the hyper cell are each one of these; rows are indexed r = t * B + b.
   The forward values that are dead once the backward pass has passed step
   t hold that step's gradients instead, which halves the memory. */
typedef struct hn__lstm_core {
    int n, ln;
    const float *gain, *bias;     /* [4n] gate layer norm (LN only) */
    const float *cgain, *cbias;   /* [n] cell layer norm (LN only) */
    float *a;      /* [T,B,4n] gate inputs before LN; backward: their gradient */
    float *xhat;   /* [T,B,4n] normalised gate inputs (LN) */
    float *rstd;   /* [T,B,4] (LN) */
    float *du;     /* [T,B,4n] gradient of the LN outputs, for gain and bias */
    float *act;    /* [T,B,4n] sigmoid(i), tanh(g), sigmoid(f + fb), sigmoid(o) */
    float *cs;     /* [T+1,B,n] cells; slot 0 is the starting state */
    float *hs;     /* [T+1,B,n] outputs; slot 0 is the starting state */
    float *chat;   /* [T,B,n] normalised cell (LN) */
    float *crstd;  /* [T,B] (LN) */
    float *dcl;    /* [T,B,n] gradient of LN(c) (LN) */
    float *tc;     /* [T,B,n] tanh(LN(c)) */
    float *mask;   /* [T,B,n] dropout multipliers, or NULL when not dropping */
    float *maskbuf;
    float *dh, *dc; /* [B,n] gradients carried back to the previous step */
} hn__lstm_core;

struct hn__lstm_work {
    hn__lstm_core main, hyp;
    float forget_bias;
    float *x;      /* [T,B,E] the inputs of the last forward call */
    /* HyperLSTMs only, [T,B,4H] unless noted. The backward pass reuses
       wxx, whh, sx and sh for the gradients of W_x x, ... (see there). */
    float *wxx;    /* W_x x_t */
    float *whh;    /* W_h h_{t-1} */
    float *sx;     /* d_x */
    float *sh;     /* d_h */
    float *z;      /* [T,B,12Z] z_x, z_h, z_b */
    float *dz;     /* [T,B,12Z] */
    void *block;
    void *gemm_ws; /* pack buffers for every product, sized once */
    size_t gemm_bytes;
};

static int hn__lstm_is_hyper(hn_lstm_kind k)
{
    return k == HN_HYPERLSTM || k == HN_LN_HYPERLSTM;
}

/* Every product of the layer runs in the workspace sized at setup, so the
   time loop never allocates. */
static void hn__lstm_gemm(struct hn__lstm_work *w, int ta, int tb, int m, int n, int k,
                          float alpha, const float *a, int lda, const float *b, int ldb,
                          float beta, float *c, int ldc)
{
    if (hn_sgemm_ws(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, w->gemm_ws,
                    w->gemm_bytes) != HN_OK)
        hn_sgemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

/* The largest pack workspace any of the layer's products needs. */
static size_t hn__lstm_gemm_bytes(const hn_lstm_config *c, int B, int T)
{
    const int E = c->input, H = c->hidden, Hh = c->hyper_hidden, Z = c->hyper_embed;
    const int G = 4 * H, Gh = 4 * Hh, TB = T * B;
    const int shapes[][3] = {
        {TB, G, E}, {B, G, H}, {B, H, G}, {E, G, TB}, {H, G, TB}, {TB, E, G},
        {TB, Gh, E}, {B, Gh, H}, {B, Gh, Hh}, {B, 12 * Z, Hh}, {B, Hh, 12 * Z},
        {B, H, Gh}, {B, Hh, Gh}, {Z, H, TB}, {Hh, 12 * Z, TB}, {E, Gh, TB},
        {H, Gh, TB}, {Hh, Gh, TB}, {TB, E, Gh}
    };
    size_t most = 0;
    int i, n = hn__lstm_is_hyper(c->kind) ? 19 : 6;
    for (i = 0; i < n; i++) {
        size_t b = hn_sgemm_workspace_size(shapes[i][0], shapes[i][1], shapes[i][2]);
        if (b > most) most = b;
    }
    return most;
}

static int hn__lstm_is_ln(hn_lstm_kind k)
{
    return k == HN_LN_LSTM || k == HN_LN_HYPERLSTM;
}

HNDEF hn_lstm_config hn_lstm_config_default(hn_lstm_kind kind, int input, int hidden)
{
    hn_lstm_config c;
    memset(&c, 0, sizeof c);
    c.kind = kind;
    c.input = input;
    c.hidden = hidden;
    c.hyper_hidden = 128;
    c.hyper_embed = 4;
    c.forget_bias = 1.0f;
    c.drop = 0.0f;
    return c;
}

static const char *const hn__lstm_kind_names[4] = {
    "lstm", "ln-lstm", "hyperlstm", "ln-hyperlstm"
};

HNDEF const char *hn_lstm_kind_name(hn_lstm_kind kind)
{
    return (unsigned)kind < 4u ? hn__lstm_kind_names[kind] : "unknown";
}

HNDEF int hn_lstm_kind_parse(const char *name)
{
    int i;
    for (i = 0; i < 4; i++)
        if (strcmp(name, hn__lstm_kind_names[i]) == 0) return i;
    return -1;
}

/* Declare prefix.suffix; -1 on failure (the reason is set). */
static int hn__add_named(hn_params *ps, const char *prefix, const char *suffix,
                         int ndim, int d0, int d1, int d2)
{
    char name[HN_PARAM_NAME_MAX];
    size_t lp = strlen(prefix), ls = strlen(suffix);
    int shape[3];
    shape[0] = d0;
    shape[1] = d1;
    shape[2] = d2;
    if (lp + 1 + ls >= sizeof name) {
        hn__fail(HN_ERR_ARG, "parameter name '%s.%s' is too long", prefix, suffix);
        return -1;
    }
    memcpy(name, prefix, lp);
    name[lp] = '.';
    memcpy(name + lp + 1, suffix, ls + 1);
    return hn_params_add(ps, name, ndim, shape);
}

HNDEF hn_status hn_lstm_declare(hn_lstm *m, const hn_lstm_config *cfg,
                                hn_params *ps, const char *prefix)
{
    int E = cfg->input, H = cfg->hidden, Hh = cfg->hyper_hidden, Z = cfg->hyper_embed;
    int hyper = hn__lstm_is_hyper(cfg->kind), ln = hn__lstm_is_ln(cfg->kind);
    memset(m, 0, sizeof *m);
    m->wx = m->wh = m->b = m->ln_g = m->ln_b = m->lnc_g = m->lnc_b = -1;
    m->hwx = m->hwh = m->hwhh = m->hb = m->hln_g = m->hln_b = -1;
    m->hlnc_g = m->hlnc_b = m->wz = m->bz = m->wxz = m->whz = m->wbz = -1;
    if ((unsigned)cfg->kind > 3u)
        return hn__fail(HN_ERR_ARG, "unknown LSTM kind %d", (int)cfg->kind);
    if (E < 1 || H < 1 || (hyper && (Hh < 1 || Z < 1)))
        return hn__fail(HN_ERR_ARG, "LSTM sizes must be positive (input %d, hidden %d,"
                        " hyper hidden %d, hyper embed %d)", E, H, Hh, Z);
    /* Keep 4 * width * max(T * B) products far from INT_MAX (see setup). */
    if (E > (1 << 20) || H > (1 << 20) || (hyper && (Hh > (1 << 20) || Z > (1 << 16))))
        return hn__fail(HN_ERR_LIMIT, "LSTM sizes above 2^20 are refused");
    if (!(cfg->drop >= 0.0f && cfg->drop < 1.0f))
        return hn__fail(HN_ERR_ARG, "dropout (drop probability) must be in [0, 1)");
    if (!(cfg->forget_bias == cfg->forget_bias))
        return hn__fail(HN_ERR_ARG, "forget bias is NaN");
    m->cfg = *cfg;
    if (!hyper) Hh = Z = 0;
    m->cfg.hyper_hidden = Hh;
    m->cfg.hyper_embed = Z;

    /* The main cell. With layer norm the LN bias takes the place of b. */
    if ((m->wx = hn__add_named(ps, prefix, "wx", 2, E, 4 * H, 0)) < 0) return hn__err_status;
    if ((m->wh = hn__add_named(ps, prefix, "wh", 2, H, 4 * H, 0)) < 0) return hn__err_status;
    if (!ln || hyper)
        if ((m->b = hn__add_named(ps, prefix, "b", 1, 4 * H, 0, 0)) < 0)
            return hn__err_status;
    if (ln) {
        if ((m->ln_g = hn__add_named(ps, prefix, "ln_g", 1, 4 * H, 0, 0)) < 0 ||
            (m->ln_b = hn__add_named(ps, prefix, "ln_b", 1, 4 * H, 0, 0)) < 0 ||
            (m->lnc_g = hn__add_named(ps, prefix, "lnc_g", 1, H, 0, 0)) < 0 ||
            (m->lnc_b = hn__add_named(ps, prefix, "lnc_b", 1, H, 0, 0)) < 0)
            return hn__err_status;
    }
    if (!hyper) return HN_OK;

    /* The hyper cell, reading [x_t; h_{t-1}], and the scalings. */
    if ((m->hwx = hn__add_named(ps, prefix, "hyper.wx", 2, E, 4 * Hh, 0)) < 0 ||
        (m->hwh = hn__add_named(ps, prefix, "hyper.wh", 2, H, 4 * Hh, 0)) < 0 ||
        (m->hwhh = hn__add_named(ps, prefix, "hyper.whh", 2, Hh, 4 * Hh, 0)) < 0)
        return hn__err_status;
    if (!ln) {
        if ((m->hb = hn__add_named(ps, prefix, "hyper.b", 1, 4 * Hh, 0, 0)) < 0)
            return hn__err_status;
    } else if ((m->hln_g = hn__add_named(ps, prefix, "hyper.ln_g", 1, 4 * Hh, 0, 0)) < 0 ||
               (m->hln_b = hn__add_named(ps, prefix, "hyper.ln_b", 1, 4 * Hh, 0, 0)) < 0 ||
               (m->hlnc_g = hn__add_named(ps, prefix, "hyper.lnc_g", 1, Hh, 0, 0)) < 0 ||
               (m->hlnc_b = hn__add_named(ps, prefix, "hyper.lnc_b", 1, Hh, 0, 0)) < 0) {
        return hn__err_status;
    }
    if ((m->wz = hn__add_named(ps, prefix, "hyper.wz", 2, Hh, 12 * Z, 0)) < 0 ||
        (m->bz = hn__add_named(ps, prefix, "hyper.bz", 1, 8 * Z, 0, 0)) < 0 ||
        (m->wxz = hn__add_named(ps, prefix, "hyper.wxz", 3, 4, Z, H)) < 0 ||
        (m->whz = hn__add_named(ps, prefix, "hyper.whz", 3, 4, Z, H)) < 0 ||
        (m->wbz = hn__add_named(ps, prefix, "hyper.wbz", 3, 4, Z, H)) < 0)
        return hn__err_status;
    return HN_OK;
}

/* Orthonormalise the nvec rows (length len, row stride ld) of x by
   modified Gram-Schmidt, summing in double. */
static void hn__gram_schmidt_rows(float *x, int nvec, int len, size_t ld)
{
    int u, v, e;
    for (v = 0; v < nvec; v++) {
        float *xv = x + v * ld;
        double norm = 0.0;
        for (u = 0; u < v; u++) {
            const float *xu = x + u * ld;
            double dot = 0.0;
            for (e = 0; e < len; e++) dot += (double)xu[e] * xv[e];
            for (e = 0; e < len; e++) xv[e] -= (float)dot * xu[e];
        }
        for (e = 0; e < len; e++) norm += (double)xv[e] * xv[e];
        norm = norm > 0.0 ? 1.0 / HN_SQRT(norm) : 0.0;
        for (e = 0; e < len; e++) xv[e] = (float)(xv[e] * norm);
    }
}

/* An orthogonal rows x cols block (row stride ld) from normal draws
   (Saxe et al. 2014): orthonormal rows when rows <= cols, else orthonormal
   columns, built as the rows of tmp (cols x rows floats) and transposed so
   that Gram-Schmidt always walks contiguous memory. */
static void hn__orthogonal(hn_rng *rng, float *w, int rows, int cols, int ld, float *tmp)
{
    int i, j;
    if (rows <= cols) {
        for (i = 0; i < rows; i++)
            hn_rng_fill_normal(rng, w + (size_t)i * ld, (size_t)cols, 0.0f, 1.0f);
        hn__gram_schmidt_rows(w, rows, cols, (size_t)ld);
        return;
    }
    hn_rng_fill_normal(rng, tmp, (size_t)rows * cols, 0.0f, 1.0f);
    hn__gram_schmidt_rows(tmp, cols, rows, (size_t)rows);
    for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j++) w[(size_t)i * ld + j] = tmp[(size_t)j * rows + i];
}

static void hn__fill(float *x, size_t n, float v)
{
    size_t i;
    for (i = 0; i < n; i++) x[i] = v;
}

/* Each of the four gate blocks [rows, n] of a [rows, 4n] matrix gets its
   own orthogonal block. */
static void hn__orthogonal_gates(hn_rng *rng, float *w, int rows, int n, float *tmp)
{
    int y;
    for (y = 0; y < 4; y++) hn__orthogonal(rng, w + (size_t)y * n, rows, n, 4 * n, tmp);
}

HNDEF hn_status hn_lstm_init(hn_lstm *m, hn_params *ps, uint64_t seed)
{
    const hn_lstm_config *c = &m->cfg;
    int E = c->input, H = c->hidden, Hh = c->hyper_hidden, Z = c->hyper_embed;
    hn_rng rng;
    /* room for the one non-square block, [H, Hh] of the hyper cell */
    float *tmp = (float *)hn__calloc((size_t)H * (Hh ? Hh : 1), sizeof(float));
    if (!tmp) return HN_ERR_NOMEM;
    hn_rng_seed(&rng, seed);
    hn_rng_fill_normal(&rng, hn_params_data(ps, m->wx), (size_t)E * 4 * H, 0.0f,
                       1.0f / HN_SQRTF((float)E));
    hn__orthogonal_gates(&rng, hn_params_data(ps, m->wh), H, H, tmp);
    if (m->b >= 0) hn__fill(hn_params_data(ps, m->b), (size_t)4 * H, 0.0f);
    if (m->ln_g >= 0) {
        hn__fill(hn_params_data(ps, m->ln_g), (size_t)4 * H, 1.0f);
        hn__fill(hn_params_data(ps, m->ln_b), (size_t)4 * H, 0.0f);
        hn__fill(hn_params_data(ps, m->lnc_g), (size_t)H, 1.0f);
        hn__fill(hn_params_data(ps, m->lnc_b), (size_t)H, 0.0f);
    }
    if (m->wz < 0) {
        HN_FREE(tmp);
        return HN_OK;
    }

    hn_rng_fill_normal(&rng, hn_params_data(ps, m->hwx), (size_t)E * 4 * Hh, 0.0f,
                       1.0f / HN_SQRTF((float)E));
    hn__orthogonal_gates(&rng, hn_params_data(ps, m->hwh), H, Hh, tmp);
    hn__orthogonal_gates(&rng, hn_params_data(ps, m->hwhh), Hh, Hh, tmp);
    if (m->hb >= 0) hn__fill(hn_params_data(ps, m->hb), (size_t)4 * Hh, 0.0f);
    if (m->hln_g >= 0) {
        hn__fill(hn_params_data(ps, m->hln_g), (size_t)4 * Hh, 1.0f);
        hn__fill(hn_params_data(ps, m->hln_b), (size_t)4 * Hh, 0.0f);
        hn__fill(hn_params_data(ps, m->hlnc_g), (size_t)Hh, 1.0f);
        hn__fill(hn_params_data(ps, m->hlnc_b), (size_t)Hh, 0.0f);
    }
    /* Appendix A.2.2: z_x and z_h start at exactly 1 (W = 0, b = 1) and
       W_xz, W_hz at 0.1 / Z, so every d starts at 0.1; z_b starts small and
       W_bz at 0, so b(y) starts at b0 = 0. */
    {
        float *wz = hn_params_data(ps, m->wz);
        int i;
        for (i = 0; i < Hh; i++) {
            float *row = wz + (size_t)i * 12 * Z;
            hn__fill(row, (size_t)8 * Z, 0.0f);
            hn_rng_fill_normal(&rng, row + 8 * Z, (size_t)4 * Z, 0.0f, 0.01f);
        }
    }
    hn__fill(hn_params_data(ps, m->bz), (size_t)8 * Z, 1.0f);
    hn__fill(hn_params_data(ps, m->wxz), (size_t)4 * Z * H, 0.1f / (float)Z);
    hn__fill(hn_params_data(ps, m->whz), (size_t)4 * Z * H, 0.1f / (float)Z);
    hn__fill(hn_params_data(ps, m->wbz), (size_t)4 * Z * H, 0.0f);
    HN_FREE(tmp);
    return HN_OK;
}

/* Lay the workspace out from base (or just count its floats when base is
   NULL); every piece starts on a 64-byte boundary. */
static float *hn__take(float *base, size_t *off, size_t n)
{
    float *p = base ? base + *off : NULL;
    *off += (n + 15) / 16 * 16;
    return p;
}

static void hn__lstm_core_carve(hn__lstm_core *k, float *base, size_t *off, int n,
                                int ln, size_t T, size_t B)
{
    size_t TB = T * B, g = 4 * (size_t)n;
    k->n = n;
    k->ln = ln;
    k->a = hn__take(base, off, TB * g);
    k->act = hn__take(base, off, TB * g);
    k->cs = hn__take(base, off, (T + 1) * B * n);
    k->hs = hn__take(base, off, (T + 1) * B * n);
    k->tc = hn__take(base, off, TB * n);
    k->maskbuf = hn__take(base, off, TB * n);
    k->dh = hn__take(base, off, B * n);
    k->dc = hn__take(base, off, B * n);
    if (!ln) return;
    k->xhat = hn__take(base, off, TB * g);
    k->du = hn__take(base, off, TB * g);
    k->rstd = hn__take(base, off, TB * 4);
    k->chat = hn__take(base, off, TB * n);
    k->crstd = hn__take(base, off, TB);
    k->dcl = hn__take(base, off, TB * n);
}

static size_t hn__lstm_carve(hn_lstm *m, struct hn__lstm_work *w, float *base)
{
    const hn_lstm_config *c = &m->cfg;
    size_t T = (size_t)m->max_steps, B = (size_t)m->batch, off = 0;
    size_t H = (size_t)c->hidden, Hh = (size_t)c->hyper_hidden, Z = (size_t)c->hyper_embed;
    int ln = hn__lstm_is_ln(c->kind);
    m->state = hn__take(base, &off, B * (2 * H + 2 * Hh));
    m->dstate = hn__take(base, &off, B * (2 * H + 2 * Hh));
    m->state_size = B * (2 * H + 2 * Hh);
    w->x = hn__take(base, &off, T * B * (size_t)c->input);
    hn__lstm_core_carve(&w->main, base, &off, (int)H, ln, T, B);
    if (!hn__lstm_is_hyper(c->kind)) return off;
    hn__lstm_core_carve(&w->hyp, base, &off, (int)Hh, ln, T, B);
    w->wxx = hn__take(base, &off, T * B * 4 * H);
    w->whh = hn__take(base, &off, T * B * 4 * H);
    w->sx = hn__take(base, &off, T * B * 4 * H);
    w->sh = hn__take(base, &off, T * B * 4 * H);
    w->z = hn__take(base, &off, T * B * 12 * Z);
    w->dz = hn__take(base, &off, T * B * 12 * Z);
    return off;
}

HNDEF void hn_lstm_free(hn_lstm *m)
{
    if (m->w) {
        HN_FREE(m->w->block);
        HN_FREE(m->w->gemm_ws);
    }
    HN_FREE(m->w);
    m->w = NULL;
    m->state = m->dstate = NULL;
    m->batch = m->max_steps = m->steps = 0;
}

HNDEF hn_status hn_lstm_setup(hn_lstm *m, int batch, int max_steps)
{
    struct hn__lstm_work *w;
    size_t n, widest;
    uintptr_t addr;
    unsigned char *raw;
    hn_lstm_free(m);
    if (batch < 1 || max_steps < 1)
        return hn__fail(HN_ERR_ARG, "batch %d and steps %d must be positive", batch,
                        max_steps);
    /* hn_sgemm takes int sizes: T * B rows of up to 12 * max(H, Z) floats
       must stay addressable by int arithmetic. */
    widest = 12 * (size_t)HN__MAX(m->cfg.hidden, m->cfg.hyper_embed) + m->cfg.input;
    if ((size_t)batch * (size_t)max_steps > (size_t)INT_MAX / widest)
        return hn__fail(HN_ERR_LIMIT, "batch %d x steps %d is too large", batch, max_steps);
    w = (struct hn__lstm_work *)hn__calloc(1, sizeof *w);
    if (!w) return HN_ERR_NOMEM;
    m->batch = batch;
    m->max_steps = max_steps;
    n = hn__lstm_carve(m, w, NULL);
    raw = (unsigned char *)hn__calloc(n + 16, sizeof(float));
    if (!raw) {
        HN_FREE(w);
        m->batch = m->max_steps = 0;
        return HN_ERR_NOMEM;
    }
    w->block = raw;
    w->gemm_bytes = hn__lstm_gemm_bytes(&m->cfg, batch, max_steps);
    w->gemm_ws = hn__alloc(w->gemm_bytes);
    if (!w->gemm_ws) {
        HN_FREE(raw);
        HN_FREE(w);
        m->batch = m->max_steps = 0;
        return HN_ERR_NOMEM;
    }
    addr = ((uintptr_t)raw + 63u) & ~(uintptr_t)63u;
    hn__lstm_carve(m, w, (float *)(void *)(raw + (addr - (uintptr_t)raw)));
    m->w = w;
    return HN_OK;
}

HNDEF void hn_lstm_reset_state(hn_lstm *m)
{
    if (m->state) memset(m->state, 0, m->state_size * sizeof(float));
}

/* One step of one core for batch row b, once k->a holds the row's gate
   inputs: layer norm, nonlinearities, the new cell and output. */
static void hn__core_step(hn__lstm_core *k, float forget_bias, int B, int t, int b)
{
    const int n = k->n;
    const size_t r = (size_t)t * B + b;
    const float *a = k->a + r * 4 * n;
    const float *cp = k->cs + r * n;
    const float *mask = k->mask ? k->mask + r * n : NULL;
    float *act = k->act + r * 4 * n;
    float *c = k->cs + (r + B) * n, *h = k->hs + (r + B) * n, *tc = k->tc + r * n;
    int y, j;

    /* u = LN(a) * gain + bias per gate, or a itself */
    if (k->ln) {
        float *xhat = k->xhat + r * 4 * n;
        for (y = 0; y < 4; y++) {
            k->rstd[r * 4 + y] = hn__ln_row(a + y * n, xhat + y * n, n);
            HN__SIMD
            for (j = y * n; j < (y + 1) * n; j++) act[j] = k->gain[j] * xhat[j] + k->bias[j];
        }
    } else {
        memcpy(act, a, (size_t)4 * n * sizeof(float));
    }

    /* c = sigmoid(f + fb) * c_prev + sigmoid(i) * drop(tanh(g)). These
       loops stay scalar: GCC does not if-convert hn__exp_fast's clamp. */
    for (j = 0; j < n; j++) {
        float i = hn__sigmoidf(act[j]);
        float g = hn__tanh_fast(act[n + j]);
        float f = hn__sigmoidf(act[2 * n + j] + forget_bias);
        act[j] = i;
        act[n + j] = g;
        act[2 * n + j] = f;
        act[3 * n + j] = hn__sigmoidf(act[3 * n + j]);
        c[j] = f * cp[j] + i * g * (mask ? mask[j] : 1.0f);
    }

    /* h = sigmoid(o) * tanh(LN(c)) */
    if (k->ln) {
        float *chat = k->chat + r * n;
        k->crstd[r] = hn__ln_row(c, chat, n);
        for (j = 0; j < n; j++) tc[j] = hn__tanh_fast(k->cgain[j] * chat[j] + k->cbias[j]);
    } else {
        for (j = 0; j < n; j++) tc[j] = hn__tanh_fast(c[j]);
    }
    HN__SIMD
    for (j = 0; j < n; j++) h[j] = act[3 * n + j] * tc[j];
}

/* Backward of hn__core_step for row b. dh is the full gradient of h_t; dc
   holds the gradient of c_t from step t + 1 and leaves with that of
   c_{t-1}. The gradient of the gate inputs a replaces a. */
static void hn__core_back(hn__lstm_core *k, int B, int t, int b, const float *dh,
                          float *dc)
{
    const int n = k->n;
    const size_t r = (size_t)t * B + b;
    const float *act = k->act + r * 4 * n, *tc = k->tc + r * n, *cp = k->cs + r * n;
    const float *mask = k->mask ? k->mask + r * n : NULL;
    float *s = k->a + r * 4 * n;
    float *du = k->ln ? k->du + r * 4 * n : s;
    int y, j;

    /* through h = o * tanh(l), l = LN(c) */
    if (k->ln) {
        float *dcl = k->dcl + r * n;
        HN__SIMD
        for (j = 0; j < n; j++) dcl[j] = dh[j] * act[3 * n + j] * (1.0f - tc[j] * tc[j]);
        hn__ln_row_backward(k->chat + r * n, dcl, k->cgain, k->crstd[r], dc, n, 1);
    } else {
        HN__SIMD
        for (j = 0; j < n; j++) dc[j] += dh[j] * act[3 * n + j] * (1.0f - tc[j] * tc[j]);
    }

    /* through the gates' nonlinearities and c = f c_prev + i g m */
    HN__SIMD
    for (j = 0; j < n; j++) {
        float i = act[j], g = act[n + j], f = act[2 * n + j], o = act[3 * n + j];
        float d = dc[j], mj = mask ? mask[j] : 1.0f;
        du[j] = d * g * mj * i * (1.0f - i);
        du[n + j] = d * i * mj * (1.0f - g * g);
        du[2 * n + j] = d * cp[j] * f * (1.0f - f);
        du[3 * n + j] = dh[j] * tc[j] * o * (1.0f - o);
        dc[j] = d * f;
    }

    /* through the gates' layer norms */
    if (k->ln)
        for (y = 0; y < 4; y++)
            hn__ln_row_backward(k->xhat + r * 4 * n + y * n, du + y * n, k->gain + y * n,
                                k->rstd[r * 4 + y], s + y * n, n, 0);
}

/* The HyperLSTM's main-cell gate inputs for row b (appendix A.2.2):
   a(y) = d_h(y) * (W_h h_{t-1}) + d_x(y) * (W_x x_t) + W_bz z_b + b0, with
   d_x(y) = W_xz(y) z_x(y) and d_h(y) = W_hz(y) z_h(y). With Z of 4 to 16
   these small products are cheaper inline than as GEMM calls. */
static void hn__hyper_scale(struct hn__lstm_work *w, const float *bz, const float *wxz,
                            const float *whz, const float *wbz, const float *b0,
                            int H, int Z, int B, int t, int b)
{
    const size_t r = (size_t)t * B + b;
    float *z = w->z + r * 12 * Z;
    float *sx = w->sx + r * 4 * H, *sh = w->sh + r * 4 * H, *a = w->main.a + r * 4 * H;
    const float *wxx = w->wxx + r * 4 * H, *whh = w->whh + r * 4 * H;
    int y, k, j;
    for (k = 0; k < 8 * Z; k++) z[k] += bz[k];
    for (y = 0; y < 4; y++) {
        float *sxy = sx + y * H, *shy = sh + y * H, *ay = a + y * H;
        memset(sxy, 0, (size_t)H * sizeof(float));
        memset(shy, 0, (size_t)H * sizeof(float));
        memcpy(ay, b0 + y * H, (size_t)H * sizeof(float));
        for (k = 0; k < Z; k++) {
            const size_t row = (size_t)(y * Z + k) * H;
            float zx = z[y * Z + k], zh = z[4 * Z + y * Z + k], zb = z[8 * Z + y * Z + k];
            HN__SIMD
            for (j = 0; j < H; j++) {
                sxy[j] += zx * wxz[row + j];
                shy[j] += zh * whz[row + j];
                ay[j] += zb * wbz[row + j];
            }
        }
        HN__SIMD
        for (j = 0; j < H; j++) ay[j] += shy[j] * whh[y * H + j] + sxy[j] * wxx[y * H + j];
    }
}

/* Backward of hn__hyper_scale for row b, given s = dL/da in main.a. Leaves
   dz, and, in place of the forward values: wxx <- s * W_x x (the gradient
   of d_x), whh <- s * W_h h (of d_h), sx <- s * d_x (of W_x x),
   sh <- s * d_h (of W_h h). */
static void hn__hyper_scale_back(struct hn__lstm_work *w, const float *wxz,
                                 const float *whz, const float *wbz, int H, int Z,
                                 int B, int t, int b)
{
    const size_t r = (size_t)t * B + b;
    const float *s = w->main.a + r * 4 * H;
    float *dz = w->dz + r * 12 * Z;
    float *wxx = w->wxx + r * 4 * H, *whh = w->whh + r * 4 * H;
    float *sx = w->sx + r * 4 * H, *sh = w->sh + r * 4 * H;
    int y, k, j;
    HN__SIMD
    for (j = 0; j < 4 * H; j++) {
        float sj = s[j];
        wxx[j] *= sj;
        whh[j] *= sj;
        sx[j] *= sj;
        sh[j] *= sj;
    }
    for (y = 0; y < 4; y++) {
        for (k = 0; k < Z; k++) {
            const size_t row = (size_t)(y * Z + k) * H;
            float ax = 0.0f, ah = 0.0f, ab = 0.0f;
            HN__SIMD_SUM3(ax, ah, ab)
            for (j = 0; j < H; j++) {
                ax += wxx[y * H + j] * wxz[row + j];
                ah += whh[y * H + j] * whz[row + j];
                ab += s[y * H + j] * wbz[row + j];
            }
            dz[y * Z + k] = ax;
            dz[4 * Z + y * Z + k] = ah;
            dz[8 * Z + y * Z + k] = ab;
        }
    }
}

/* Point the cores at this store's layer norm parameters. */
static void hn__lstm_bind(hn_lstm *m, const hn_params *ps)
{
    struct hn__lstm_work *w = m->w;
    w->forget_bias = m->cfg.forget_bias;
    if (m->ln_g >= 0) {
        w->main.gain = hn_params_data(ps, m->ln_g);
        w->main.bias = hn_params_data(ps, m->ln_b);
        w->main.cgain = hn_params_data(ps, m->lnc_g);
        w->main.cbias = hn_params_data(ps, m->lnc_b);
    }
    if (m->hln_g >= 0) {
        w->hyp.gain = hn_params_data(ps, m->hln_g);
        w->hyp.bias = hn_params_data(ps, m->hln_b);
        w->hyp.cgain = hn_params_data(ps, m->hlnc_g);
        w->hyp.cbias = hn_params_data(ps, m->hlnc_b);
    }
}

/* rows x cols matrix, every row set to v (a bias before a GEMM adds to it). */
static void hn__fill_rows(float *x, size_t rows, int cols, const float *v)
{
    size_t i;
    for (i = 0; i < rows; i++) memcpy(x + i * cols, v, (size_t)cols * sizeof(float));
}

/* Recurrent dropout masks for a whole call, drawn in one serial pass so
   the stream does not depend on the thread count. */
static void hn__dropout_masks(hn_rng *rng, float *mask, size_t n, float drop)
{
    float keep_scale = 1.0f / (1.0f - drop);
    size_t i;
    for (i = 0; i < n; i++) mask[i] = hn_rng_uniform(rng) < drop ? 0.0f : keep_scale;
}

HNDEF void hn_lstm_forward(hn_lstm *m, const hn_params *ps, int steps,
                           const float *x, float *h_out, hn_rng *rng)
{
    struct hn__lstm_work *w = m->w;
    hn__lstm_core *mc = &w->main, *hc = &w->hyp;
    const int B = m->batch, E = m->cfg.input, H = m->cfg.hidden;
    const int Hh = m->cfg.hyper_hidden, Z = m->cfg.hyper_embed, T = steps;
    const int TB = T * B, G = 4 * H, Gh = 4 * Hh;
    const size_t BH = (size_t)B * H, BHh = (size_t)B * Hh;
    const float *wx = hn_params_data(ps, m->wx), *wh = hn_params_data(ps, m->wh);
    int t, b;
    HN_ASSERT(w && steps >= 1 && steps <= m->max_steps);
    m->steps = T;
    hn__lstm_bind(m, ps);
    memcpy(w->x, x, (size_t)TB * E * sizeof(float));

    /* the carried state becomes slot 0; dropout masks for every step */
    memcpy(mc->hs, m->state, BH * sizeof(float));
    memcpy(mc->cs, m->state + BH, BH * sizeof(float));
    mc->mask = hc->mask = NULL;
    if (rng && m->cfg.drop > 0.0f) {
        mc->mask = mc->maskbuf;
        hn__dropout_masks(rng, mc->mask, (size_t)TB * H, m->cfg.drop);
    }

    if (m->wz < 0) {
        /* LSTM: W_x x_t + b for every step in one product, then per step
           the recurrent product and one elementwise pass. */
        if (m->b >= 0) hn__fill_rows(mc->a, (size_t)TB, G, hn_params_data(ps, m->b));
        hn__lstm_gemm(w, 0, 0, TB, G, E, 1.0f, x, E, wx, G, m->b >= 0 ? 1.0f : 0.0f, mc->a, G);
        for (t = 0; t < T; t++) {
            hn__lstm_gemm(w, 0, 0, B, G, H, 1.0f, mc->hs + t * BH, H, wh, G, 1.0f,
                     mc->a + (size_t)t * B * G, G);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (B * G >= HN__LSTM_OMP_MIN)
#endif
            for (b = 0; b < B; b++) hn__core_step(mc, w->forget_bias, B, t, b);
        }
    } else {
        const float *hwh = hn_params_data(ps, m->hwh), *hwhh = hn_params_data(ps, m->hwhh);
        const float *wz = hn_params_data(ps, m->wz), *bz = hn_params_data(ps, m->bz);
        const float *wxz = hn_params_data(ps, m->wxz), *whz = hn_params_data(ps, m->whz);
        const float *wbz = hn_params_data(ps, m->wbz), *b0 = hn_params_data(ps, m->b);
        memcpy(hc->hs, m->state + 2 * BH, BHh * sizeof(float));
        memcpy(hc->cs, m->state + 2 * BH + BHh, BHh * sizeof(float));
        if (mc->mask) {
            hc->mask = hc->maskbuf;
            hn__dropout_masks(rng, hc->mask, (size_t)TB * Hh, m->cfg.drop);
        }

        /* input products of both cells for every step */
        hn__lstm_gemm(w, 0, 0, TB, G, E, 1.0f, x, E, wx, G, 0.0f, w->wxx, G);
        if (m->hb >= 0) hn__fill_rows(hc->a, (size_t)TB, Gh, hn_params_data(ps, m->hb));
        hn__lstm_gemm(w, 0, 0, TB, Gh, E, 1.0f, x, E, hn_params_data(ps, m->hwx), Gh,
                 m->hb >= 0 ? 1.0f : 0.0f, hc->a, Gh);

        for (t = 0; t < T; t++) {
            float *ha = hc->a + (size_t)t * B * Gh;

            /* the hyper cell reads [x_t; h_{t-1}] and its own h^_{t-1} */
            hn__lstm_gemm(w, 0, 0, B, Gh, H, 1.0f, mc->hs + t * BH, H, hwh, Gh, 1.0f, ha, Gh);
            hn__lstm_gemm(w, 0, 0, B, Gh, Hh, 1.0f, hc->hs + t * BHh, Hh, hwhh, Gh, 1.0f, ha, Gh);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (B * Gh >= HN__LSTM_OMP_MIN)
#endif
            for (b = 0; b < B; b++) hn__core_step(hc, w->forget_bias, B, t, b);

            /* z = W h^_t (biases added in hn__hyper_scale), W_h h_{t-1} */
            hn__lstm_gemm(w, 0, 0, B, 12 * Z, Hh, 1.0f, hc->hs + (t + 1) * BHh, Hh, wz, 12 * Z,
                     0.0f, w->z + (size_t)t * B * 12 * Z, 12 * Z);
            hn__lstm_gemm(w, 0, 0, B, G, H, 1.0f, mc->hs + t * BH, H, wh, G, 0.0f,
                     w->whh + (size_t)t * B * G, G);

            /* the main cell, scaled row by row */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (B * G >= HN__LSTM_OMP_MIN)
#endif
            for (b = 0; b < B; b++) {
                hn__hyper_scale(w, bz, wxz, whz, wbz, b0, H, Z, B, t, b);
                hn__core_step(mc, w->forget_bias, B, t, b);
            }
        }
        memcpy(m->state + 2 * BH, hc->hs + (size_t)T * BHh, BHh * sizeof(float));
        memcpy(m->state + 2 * BH + BHh, hc->cs + (size_t)T * BHh, BHh * sizeof(float));
    }
    memcpy(m->state, mc->hs + (size_t)T * BH, BH * sizeof(float));
    memcpy(m->state + BH, mc->cs + (size_t)T * BH, BH * sizeof(float));
    if (h_out) memcpy(h_out, mc->hs + BH, (size_t)T * BH * sizeof(float));
}

/* Sum over rows of a rows x cols matrix, added into out (row order fixed,
   so the result does not depend on threads). */
static void hn__colsum_add(const float *x, size_t rows, int cols, int ld, float *out)
{
    size_t i;
    int j;
    for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j++) out[j] += x[i * ld + j];
}

/* out[j] += sum over rows of x[i][j] * y[i][j] */
static void hn__coldot_add(const float *x, const float *y, size_t rows, int cols,
                           float *out)
{
    size_t i;
    int j;
    for (i = 0; i < rows; i++)
        for (j = 0; j < cols; j++) out[j] += x[i * cols + j] * y[i * cols + j];
}

/* Gradients of one core's layer norm gains and biases, all steps at once. */
static void hn__core_ln_grads(const hn__lstm_core *k, hn_params *ps, int g, int bb,
                              int cg, int cb, size_t TB)
{
    if (!k->ln) return;
    hn__coldot_add(k->du, k->xhat, TB, 4 * k->n, hn_params_grad(ps, g));
    hn__colsum_add(k->du, TB, 4 * k->n, 4 * k->n, hn_params_grad(ps, bb));
    hn__coldot_add(k->dcl, k->chat, TB, k->n, hn_params_grad(ps, cg));
    hn__colsum_add(k->dcl, TB, k->n, k->n, hn_params_grad(ps, cb));
}

HNDEF void hn_lstm_backward(hn_lstm *m, hn_params *ps, const float *dh_out, float *dx)
{
    struct hn__lstm_work *w = m->w;
    hn__lstm_core *mc = &w->main, *hc = &w->hyp;
    const int B = m->batch, E = m->cfg.input, H = m->cfg.hidden;
    const int Hh = m->cfg.hyper_hidden, Z = m->cfg.hyper_embed, T = m->steps;
    const int TB = T * B, G = 4 * H, Gh = 4 * Hh;
    const size_t BH = (size_t)B * H, BHh = (size_t)B * Hh;
    const float *wx = hn_params_data(ps, m->wx), *wh = hn_params_data(ps, m->wh);
    int hyper = m->wz >= 0, t, b, y;
    HN_ASSERT(w && T >= 1);
    hn__lstm_bind(m, ps);
    memset(mc->dh, 0, BH * sizeof(float));
    memset(mc->dc, 0, BH * sizeof(float));
    if (hyper) {
        memset(hc->dh, 0, BHh * sizeof(float));
        memset(hc->dc, 0, BHh * sizeof(float));
    }

    /* Back through time. Only the products that carry the gradient to the
       previous step are done here; weight gradients wait for the end. */
    for (t = T - 1; t >= 0; t--) {
        const float *wxz = hyper ? hn_params_data(ps, m->wxz) : NULL;
        const float *whz = hyper ? hn_params_data(ps, m->whz) : NULL;
        const float *wbz = hyper ? hn_params_data(ps, m->wbz) : NULL;
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (B * G >= HN__LSTM_OMP_MIN)
#endif
        for (b = 0; b < B; b++) {
            float *dh = mc->dh + (size_t)b * H;
            const float *dho = dh_out + ((size_t)t * B + b) * H;
            int j;
            for (j = 0; j < H; j++) dh[j] += dho[j];
            hn__core_back(mc, B, t, b, dh, mc->dc + (size_t)b * H);
            if (hyper) hn__hyper_scale_back(w, wxz, whz, wbz, H, Z, B, t, b);
        }
        if (!hyper) {
            hn__lstm_gemm(w, 0, 1, B, H, G, 1.0f, mc->a + (size_t)t * B * G, G, wh, G, 0.0f,
                     mc->dh, H);
            continue;
        }
        hn__lstm_gemm(w, 0, 1, B, H, G, 1.0f, w->sh + (size_t)t * B * G, G, wh, G, 0.0f, mc->dh, H);

        /* into the hyper cell through z, then to h_{t-1} and h^_{t-1} */
        hn__lstm_gemm(w, 0, 1, B, Hh, 12 * Z, 1.0f, w->dz + (size_t)t * B * 12 * Z, 12 * Z,
                 hn_params_data(ps, m->wz), 12 * Z, 1.0f, hc->dh, Hh);
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (B * Gh >= HN__LSTM_OMP_MIN)
#endif
        for (b = 0; b < B; b++)
            hn__core_back(hc, B, t, b, hc->dh + (size_t)b * Hh, hc->dc + (size_t)b * Hh);
        hn__lstm_gemm(w, 0, 1, B, H, Gh, 1.0f, hc->a + (size_t)t * B * Gh, Gh,
                 hn_params_data(ps, m->hwh), Gh, 1.0f, mc->dh, H);
        hn__lstm_gemm(w, 0, 1, B, Hh, Gh, 1.0f, hc->a + (size_t)t * B * Gh, Gh,
                 hn_params_data(ps, m->hwhh), Gh, 0.0f, hc->dh, Hh);
    }

    /* gradient with respect to the starting state */
    memcpy(m->dstate, mc->dh, BH * sizeof(float));
    memcpy(m->dstate + BH, mc->dc, BH * sizeof(float));
    if (hyper) {
        memcpy(m->dstate + 2 * BH, hc->dh, BHh * sizeof(float));
        memcpy(m->dstate + 2 * BH + BHh, hc->dc, BHh * sizeof(float));
    }

    /* Weight gradients over all steps at once: T * B rows per product.
       The rows of slots 0..T-1 of hs are h_{t-1} for every step. */
    {
        const float *gx = hyper ? w->sx : mc->a;   /* gradient of W_x x_t */
        const float *gh = hyper ? w->sh : mc->a;   /* gradient of W_h h_{t-1} */
        hn__lstm_gemm(w, 1, 0, E, G, TB, 1.0f, w->x, E, gx, G, 1.0f, hn_params_grad(ps, m->wx), G);
        hn__lstm_gemm(w, 1, 0, H, G, TB, 1.0f, mc->hs, H, gh, G, 1.0f,
                      hn_params_grad(ps, m->wh), G);
        if (m->b >= 0) hn__colsum_add(mc->a, (size_t)TB, G, G, hn_params_grad(ps, m->b));
        if (dx) hn__lstm_gemm(w, 0, 1, TB, E, G, 1.0f, gx, G, wx, G, 1.0f, dx, E);
        hn__core_ln_grads(mc, ps, m->ln_g, m->ln_b, m->lnc_g, m->lnc_b, (size_t)TB);
    }
    if (!hyper) return;

    /* the scalings: W_xz(y) += z_x(y)^T (s * W_x x), and alike */
    for (y = 0; y < 4; y++) {
        size_t blk = (size_t)y * Z * H;
        hn__lstm_gemm(w, 1, 0, Z, H, TB, 1.0f, w->z + y * Z, 12 * Z, w->wxx + y * H, G, 1.0f,
                 hn_params_grad(ps, m->wxz) + blk, H);
        hn__lstm_gemm(w, 1, 0, Z, H, TB, 1.0f, w->z + 4 * Z + y * Z, 12 * Z, w->whh + y * H, G,
                 1.0f, hn_params_grad(ps, m->whz) + blk, H);
        hn__lstm_gemm(w, 1, 0, Z, H, TB, 1.0f, w->z + 8 * Z + y * Z, 12 * Z, mc->a + y * H, G,
                 1.0f, hn_params_grad(ps, m->wbz) + blk, H);
    }
    hn__lstm_gemm(w, 1, 0, Hh, 12 * Z, TB, 1.0f, hc->hs + BHh, Hh, w->dz, 12 * Z, 1.0f,
             hn_params_grad(ps, m->wz), 12 * Z);
    hn__colsum_add(w->dz, (size_t)TB, 8 * Z, 12 * Z, hn_params_grad(ps, m->bz));

    /* the hyper cell's own weights and its share of dx */
    hn__lstm_gemm(w, 1, 0, E, Gh, TB, 1.0f, w->x, E, hc->a, Gh, 1.0f,
                  hn_params_grad(ps, m->hwx), Gh);
    hn__lstm_gemm(w, 1, 0, H, Gh, TB, 1.0f, mc->hs, H, hc->a, Gh, 1.0f, hn_params_grad(ps, m->hwh),
             Gh);
    hn__lstm_gemm(w, 1, 0, Hh, Gh, TB, 1.0f, hc->hs, Hh, hc->a, Gh, 1.0f,
             hn_params_grad(ps, m->hwhh), Gh);
    if (m->hb >= 0) hn__colsum_add(hc->a, (size_t)TB, Gh, Gh, hn_params_grad(ps, m->hb));
    if (dx)
        hn__lstm_gemm(w, 0, 1, TB, E, Gh, 1.0f, hc->a, Gh, hn_params_data(ps, m->hwx), Gh,
                      1.0f, dx, E);
    hn__core_ln_grads(hc, ps, m->hln_g, m->hln_b, m->hlnc_g, m->hlnc_b, (size_t)TB);
}

HNDEF hn_status hn_charlm_declare(hn_charlm *m, hn_params *ps, int vocab,
                                  const hn_lstm_config *cell)
{
    hn_status st;
    int shape[2];
    memset(m, 0, sizeof *m);
    m->emb = m->out_w = m->out_b = -1;
    if (vocab < 2 || vocab > (1 << 20))
        return hn__fail(HN_ERR_ARG, "vocabulary of %d symbols (2 to 2^20 allowed)", vocab);
    m->vocab = vocab;
    m->embed = cell->input;
    if ((st = hn_lstm_declare(&m->rnn, cell, ps, "rnn")) != HN_OK) return st;
    shape[0] = vocab;
    shape[1] = cell->input;
    if ((m->emb = hn_params_add(ps, "embed", 2, shape)) < 0) return hn__err_status;
    shape[1] = cell->hidden;
    if ((m->out_w = hn_params_add(ps, "out.w", 2, shape)) < 0 ||
        (m->out_b = hn_params_add(ps, "out.b", 1, shape)) < 0)
        return hn__err_status;
    return HN_OK;
}

HNDEF hn_status hn_charlm_init(hn_charlm *m, hn_params *ps, uint64_t seed)
{
    hn_rng rng;
    hn_status st = hn_lstm_init(&m->rnn, ps, seed);
    if (st != HN_OK) return st;
    /* a separate stream, so the cell's draws do not shift these */
    hn_rng_seed(&rng, seed ^ UINT64_C(0x9e3779b97f4a7c15));
    hn_rng_fill_normal(&rng, hn_params_data(ps, m->emb),
                       (size_t)m->vocab * m->embed, 0.0f, 1.0f);
    hn_rng_fill_normal(&rng, hn_params_data(ps, m->out_w),
                       (size_t)m->vocab * m->rnn.cfg.hidden, 0.0f,
                       1.0f / HN_SQRTF((float)m->rnn.cfg.hidden));
    hn__fill(hn_params_data(ps, m->out_b), (size_t)m->vocab, 0.0f);
    return HN_OK;
}

HNDEF void hn_charlm_free(hn_charlm *m)
{
    hn_lstm_free(&m->rnn);
    HN_FREE(m->tokens);
    HN_FREE(m->x);
    m->tokens = m->targets = NULL;
    m->x = m->dx = m->h = m->dh = m->logits = m->probs = NULL;
    m->batch = m->max_steps = 0;
}

HNDEF void hn_charlm_twin(hn_charlm *dst, const hn_charlm *src)
{
    *dst = *src;
    dst->rnn.w = NULL;
    dst->rnn.state = dst->rnn.dstate = NULL;
    dst->rnn.state_size = 0;
    dst->rnn.batch = dst->rnn.max_steps = dst->rnn.steps = 0;
    dst->tokens = dst->targets = NULL;
    dst->x = dst->dx = dst->h = dst->dh = dst->logits = dst->probs = NULL;
    dst->batch = dst->max_steps = dst->steps = 0;
}

HNDEF hn_status hn_charlm_setup(hn_charlm *m, int batch, int max_steps)
{
    size_t rows, E = (size_t)m->embed, H = (size_t)m->rnn.cfg.hidden;
    size_t V = (size_t)m->vocab, per;
    hn_status st;
    hn_charlm_free(m);
    if ((st = hn_lstm_setup(&m->rnn, batch, max_steps)) != HN_OK) return st;
    rows = (size_t)batch * max_steps;
    per = 2 * E + 2 * H + 2 * V;
    if (rows > (size_t)INT_MAX / per) {
        hn_lstm_free(&m->rnn);
        return hn__fail(HN_ERR_LIMIT, "batch %d x steps %d is too large", batch, max_steps);
    }
    m->tokens = (int *)hn__calloc(2 * rows, sizeof(int));
    m->x = (float *)hn__calloc(rows * per, sizeof(float));
    if (!m->tokens || !m->x) {
        hn_charlm_free(m);
        return HN_ERR_NOMEM;
    }
    m->targets = m->tokens + rows;
    m->dx = m->x + rows * E;
    m->h = m->dx + rows * E;
    m->dh = m->h + rows * H;
    m->logits = m->dh + rows * H;
    m->probs = m->logits + rows * V;
    m->batch = batch;
    m->max_steps = max_steps;
    return HN_OK;
}

HNDEF float hn_charlm_forward(hn_charlm *m, const hn_params *ps, const int *tokens,
                              const int *targets, int steps, hn_rng *rng,
                              int *ncorrect)
{
    const int n = steps * m->batch, E = m->embed, V = m->vocab;
    const float *emb = hn_params_data(ps, m->emb);
    int i, nc = 0;
    float loss;
    HN_ASSERT(steps >= 1 && steps <= m->max_steps);
    m->steps = steps;

    /* embedding: x[r] = E[token r] */
    for (i = 0; i < n; i++) {
        HN_ASSERT(tokens[i] >= 0 && tokens[i] < V);
        m->tokens[i] = tokens[i];
        memcpy(m->x + (size_t)i * E, emb + (size_t)tokens[i] * E, (size_t)E * sizeof(float));
    }
    hn_lstm_forward(&m->rnn, ps, steps, m->x, m->h, rng);
    hn_linear_forward(n, m->rnn.cfg.hidden, V, m->h, hn_params_data(ps, m->out_w),
                      hn_params_data(ps, m->out_b), m->logits);
    if (!targets) return 0.0f;
    memcpy(m->targets, targets, (size_t)n * sizeof(int));
    loss = hn_softmax_xent_forward(n, V, m->logits, m->targets, m->probs, &nc);
    if (ncorrect) *ncorrect += nc;
    return loss;
}

HNDEF void hn_charlm_backward(hn_charlm *m, hn_params *ps)
{
    const int n = m->steps * m->batch, E = m->embed, V = m->vocab;
    const int H = m->rnn.cfg.hidden;
    float *demb = hn_params_grad(ps, m->emb);
    int i, j;

    /* softmax and output layer; dlogits reuses the logits buffer */
    memset(m->logits, 0, (size_t)n * V * sizeof(float));
    hn_softmax_xent_backward(n, V, m->probs, m->targets, 1.0f, m->logits);
    memset(m->dh, 0, (size_t)n * H * sizeof(float));
    hn_linear_backward(n, H, V, m->h, hn_params_data(ps, m->out_w), m->logits, m->dh,
                       hn_params_grad(ps, m->out_w), hn_params_grad(ps, m->out_b));

    /* the cell, then the embedding rows that were looked up */
    memset(m->dx, 0, (size_t)n * E * sizeof(float));
    hn_lstm_backward(&m->rnn, ps, m->dh, m->dx);
    for (i = 0; i < n; i++) {
        float *row = demb + (size_t)m->tokens[i] * E;
        const float *d = m->dx + (size_t)i * E;
        for (j = 0; j < E; j++) row[j] += d[j];
    }
}

/* ---- end of recurrent implementation ---- */

/* ========================================================================
   Inflate implementation
   ======================================================================== */

/* The 64-bit little-endian load feeds the bit buffer once per symbol, so on
   hosts known to be little-endian it is a plain memcpy, which every compiler
   makes one load (the byte assembly is not always recognised, nor inlined). */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define HN__LOAD_U64LE(v, p) memcpy(&(v), (p), 8)
#else
#define HN__LOAD_U64LE(v, p) \
    ((v) = (uint64_t)hn__load_u32le(p) | (uint64_t)hn__load_u32le((p) + 4) << 32)
#endif

/* ---- checksums ---- */

/* CRC-32 by slicing-by-8 (Kounavis and Berry 2005). Row 0 is the classic
   byte-at-a-time table of the reflected polynomial 0xEDB88320; row k is
   the CRC of a byte followed by k zero bytes,
       T[k][n] = (T[k-1][n] >> 8) ^ T[0][T[k-1][n] & 0xff],
   so eight lookups advance the CRC over eight bytes at once. Written out
   as constants (no table to build at run time, nothing mutable); the test
   checks every row against a bit-at-a-time CRC. */
static const uint32_t hn__crc_table[8][256] = {
    {
        0x00000000u, 0x77073096u, 0xee0e612cu, 0x990951bau, 0x076dc419u, 0x706af48fu,
        0xe963a535u, 0x9e6495a3u, 0x0edb8832u, 0x79dcb8a4u, 0xe0d5e91eu, 0x97d2d988u,
        0x09b64c2bu, 0x7eb17cbdu, 0xe7b82d07u, 0x90bf1d91u, 0x1db71064u, 0x6ab020f2u,
        0xf3b97148u, 0x84be41deu, 0x1adad47du, 0x6ddde4ebu, 0xf4d4b551u, 0x83d385c7u,
        0x136c9856u, 0x646ba8c0u, 0xfd62f97au, 0x8a65c9ecu, 0x14015c4fu, 0x63066cd9u,
        0xfa0f3d63u, 0x8d080df5u, 0x3b6e20c8u, 0x4c69105eu, 0xd56041e4u, 0xa2677172u,
        0x3c03e4d1u, 0x4b04d447u, 0xd20d85fdu, 0xa50ab56bu, 0x35b5a8fau, 0x42b2986cu,
        0xdbbbc9d6u, 0xacbcf940u, 0x32d86ce3u, 0x45df5c75u, 0xdcd60dcfu, 0xabd13d59u,
        0x26d930acu, 0x51de003au, 0xc8d75180u, 0xbfd06116u, 0x21b4f4b5u, 0x56b3c423u,
        0xcfba9599u, 0xb8bda50fu, 0x2802b89eu, 0x5f058808u, 0xc60cd9b2u, 0xb10be924u,
        0x2f6f7c87u, 0x58684c11u, 0xc1611dabu, 0xb6662d3du, 0x76dc4190u, 0x01db7106u,
        0x98d220bcu, 0xefd5102au, 0x71b18589u, 0x06b6b51fu, 0x9fbfe4a5u, 0xe8b8d433u,
        0x7807c9a2u, 0x0f00f934u, 0x9609a88eu, 0xe10e9818u, 0x7f6a0dbbu, 0x086d3d2du,
        0x91646c97u, 0xe6635c01u, 0x6b6b51f4u, 0x1c6c6162u, 0x856530d8u, 0xf262004eu,
        0x6c0695edu, 0x1b01a57bu, 0x8208f4c1u, 0xf50fc457u, 0x65b0d9c6u, 0x12b7e950u,
        0x8bbeb8eau, 0xfcb9887cu, 0x62dd1ddfu, 0x15da2d49u, 0x8cd37cf3u, 0xfbd44c65u,
        0x4db26158u, 0x3ab551ceu, 0xa3bc0074u, 0xd4bb30e2u, 0x4adfa541u, 0x3dd895d7u,
        0xa4d1c46du, 0xd3d6f4fbu, 0x4369e96au, 0x346ed9fcu, 0xad678846u, 0xda60b8d0u,
        0x44042d73u, 0x33031de5u, 0xaa0a4c5fu, 0xdd0d7cc9u, 0x5005713cu, 0x270241aau,
        0xbe0b1010u, 0xc90c2086u, 0x5768b525u, 0x206f85b3u, 0xb966d409u, 0xce61e49fu,
        0x5edef90eu, 0x29d9c998u, 0xb0d09822u, 0xc7d7a8b4u, 0x59b33d17u, 0x2eb40d81u,
        0xb7bd5c3bu, 0xc0ba6cadu, 0xedb88320u, 0x9abfb3b6u, 0x03b6e20cu, 0x74b1d29au,
        0xead54739u, 0x9dd277afu, 0x04db2615u, 0x73dc1683u, 0xe3630b12u, 0x94643b84u,
        0x0d6d6a3eu, 0x7a6a5aa8u, 0xe40ecf0bu, 0x9309ff9du, 0x0a00ae27u, 0x7d079eb1u,
        0xf00f9344u, 0x8708a3d2u, 0x1e01f268u, 0x6906c2feu, 0xf762575du, 0x806567cbu,
        0x196c3671u, 0x6e6b06e7u, 0xfed41b76u, 0x89d32be0u, 0x10da7a5au, 0x67dd4accu,
        0xf9b9df6fu, 0x8ebeeff9u, 0x17b7be43u, 0x60b08ed5u, 0xd6d6a3e8u, 0xa1d1937eu,
        0x38d8c2c4u, 0x4fdff252u, 0xd1bb67f1u, 0xa6bc5767u, 0x3fb506ddu, 0x48b2364bu,
        0xd80d2bdau, 0xaf0a1b4cu, 0x36034af6u, 0x41047a60u, 0xdf60efc3u, 0xa867df55u,
        0x316e8eefu, 0x4669be79u, 0xcb61b38cu, 0xbc66831au, 0x256fd2a0u, 0x5268e236u,
        0xcc0c7795u, 0xbb0b4703u, 0x220216b9u, 0x5505262fu, 0xc5ba3bbeu, 0xb2bd0b28u,
        0x2bb45a92u, 0x5cb36a04u, 0xc2d7ffa7u, 0xb5d0cf31u, 0x2cd99e8bu, 0x5bdeae1du,
        0x9b64c2b0u, 0xec63f226u, 0x756aa39cu, 0x026d930au, 0x9c0906a9u, 0xeb0e363fu,
        0x72076785u, 0x05005713u, 0x95bf4a82u, 0xe2b87a14u, 0x7bb12baeu, 0x0cb61b38u,
        0x92d28e9bu, 0xe5d5be0du, 0x7cdcefb7u, 0x0bdbdf21u, 0x86d3d2d4u, 0xf1d4e242u,
        0x68ddb3f8u, 0x1fda836eu, 0x81be16cdu, 0xf6b9265bu, 0x6fb077e1u, 0x18b74777u,
        0x88085ae6u, 0xff0f6a70u, 0x66063bcau, 0x11010b5cu, 0x8f659effu, 0xf862ae69u,
        0x616bffd3u, 0x166ccf45u, 0xa00ae278u, 0xd70dd2eeu, 0x4e048354u, 0x3903b3c2u,
        0xa7672661u, 0xd06016f7u, 0x4969474du, 0x3e6e77dbu, 0xaed16a4au, 0xd9d65adcu,
        0x40df0b66u, 0x37d83bf0u, 0xa9bcae53u, 0xdebb9ec5u, 0x47b2cf7fu, 0x30b5ffe9u,
        0xbdbdf21cu, 0xcabac28au, 0x53b39330u, 0x24b4a3a6u, 0xbad03605u, 0xcdd70693u,
        0x54de5729u, 0x23d967bfu, 0xb3667a2eu, 0xc4614ab8u, 0x5d681b02u, 0x2a6f2b94u,
        0xb40bbe37u, 0xc30c8ea1u, 0x5a05df1bu, 0x2d02ef8du
    },
    {
        0x00000000u, 0x191b3141u, 0x32366282u, 0x2b2d53c3u, 0x646cc504u, 0x7d77f445u,
        0x565aa786u, 0x4f4196c7u, 0xc8d98a08u, 0xd1c2bb49u, 0xfaefe88au, 0xe3f4d9cbu,
        0xacb54f0cu, 0xb5ae7e4du, 0x9e832d8eu, 0x87981ccfu, 0x4ac21251u, 0x53d92310u,
        0x78f470d3u, 0x61ef4192u, 0x2eaed755u, 0x37b5e614u, 0x1c98b5d7u, 0x05838496u,
        0x821b9859u, 0x9b00a918u, 0xb02dfadbu, 0xa936cb9au, 0xe6775d5du, 0xff6c6c1cu,
        0xd4413fdfu, 0xcd5a0e9eu, 0x958424a2u, 0x8c9f15e3u, 0xa7b24620u, 0xbea97761u,
        0xf1e8e1a6u, 0xe8f3d0e7u, 0xc3de8324u, 0xdac5b265u, 0x5d5daeaau, 0x44469febu,
        0x6f6bcc28u, 0x7670fd69u, 0x39316baeu, 0x202a5aefu, 0x0b07092cu, 0x121c386du,
        0xdf4636f3u, 0xc65d07b2u, 0xed705471u, 0xf46b6530u, 0xbb2af3f7u, 0xa231c2b6u,
        0x891c9175u, 0x9007a034u, 0x179fbcfbu, 0x0e848dbau, 0x25a9de79u, 0x3cb2ef38u,
        0x73f379ffu, 0x6ae848beu, 0x41c51b7du, 0x58de2a3cu, 0xf0794f05u, 0xe9627e44u,
        0xc24f2d87u, 0xdb541cc6u, 0x94158a01u, 0x8d0ebb40u, 0xa623e883u, 0xbf38d9c2u,
        0x38a0c50du, 0x21bbf44cu, 0x0a96a78fu, 0x138d96ceu, 0x5ccc0009u, 0x45d73148u,
        0x6efa628bu, 0x77e153cau, 0xbabb5d54u, 0xa3a06c15u, 0x888d3fd6u, 0x91960e97u,
        0xded79850u, 0xc7cca911u, 0xece1fad2u, 0xf5facb93u, 0x7262d75cu, 0x6b79e61du,
        0x4054b5deu, 0x594f849fu, 0x160e1258u, 0x0f152319u, 0x243870dau, 0x3d23419bu,
        0x65fd6ba7u, 0x7ce65ae6u, 0x57cb0925u, 0x4ed03864u, 0x0191aea3u, 0x188a9fe2u,
        0x33a7cc21u, 0x2abcfd60u, 0xad24e1afu, 0xb43fd0eeu, 0x9f12832du, 0x8609b26cu,
        0xc94824abu, 0xd05315eau, 0xfb7e4629u, 0xe2657768u, 0x2f3f79f6u, 0x362448b7u,
        0x1d091b74u, 0x04122a35u, 0x4b53bcf2u, 0x52488db3u, 0x7965de70u, 0x607eef31u,
        0xe7e6f3feu, 0xfefdc2bfu, 0xd5d0917cu, 0xcccba03du, 0x838a36fau, 0x9a9107bbu,
        0xb1bc5478u, 0xa8a76539u, 0x3b83984bu, 0x2298a90au, 0x09b5fac9u, 0x10aecb88u,
        0x5fef5d4fu, 0x46f46c0eu, 0x6dd93fcdu, 0x74c20e8cu, 0xf35a1243u, 0xea412302u,
        0xc16c70c1u, 0xd8774180u, 0x9736d747u, 0x8e2de606u, 0xa500b5c5u, 0xbc1b8484u,
        0x71418a1au, 0x685abb5bu, 0x4377e898u, 0x5a6cd9d9u, 0x152d4f1eu, 0x0c367e5fu,
        0x271b2d9cu, 0x3e001cddu, 0xb9980012u, 0xa0833153u, 0x8bae6290u, 0x92b553d1u,
        0xddf4c516u, 0xc4eff457u, 0xefc2a794u, 0xf6d996d5u, 0xae07bce9u, 0xb71c8da8u,
        0x9c31de6bu, 0x852aef2au, 0xca6b79edu, 0xd37048acu, 0xf85d1b6fu, 0xe1462a2eu,
        0x66de36e1u, 0x7fc507a0u, 0x54e85463u, 0x4df36522u, 0x02b2f3e5u, 0x1ba9c2a4u,
        0x30849167u, 0x299fa026u, 0xe4c5aeb8u, 0xfdde9ff9u, 0xd6f3cc3au, 0xcfe8fd7bu,
        0x80a96bbcu, 0x99b25afdu, 0xb29f093eu, 0xab84387fu, 0x2c1c24b0u, 0x350715f1u,
        0x1e2a4632u, 0x07317773u, 0x4870e1b4u, 0x516bd0f5u, 0x7a468336u, 0x635db277u,
        0xcbfad74eu, 0xd2e1e60fu, 0xf9ccb5ccu, 0xe0d7848du, 0xaf96124au, 0xb68d230bu,
        0x9da070c8u, 0x84bb4189u, 0x03235d46u, 0x1a386c07u, 0x31153fc4u, 0x280e0e85u,
        0x674f9842u, 0x7e54a903u, 0x5579fac0u, 0x4c62cb81u, 0x8138c51fu, 0x9823f45eu,
        0xb30ea79du, 0xaa1596dcu, 0xe554001bu, 0xfc4f315au, 0xd7626299u, 0xce7953d8u,
        0x49e14f17u, 0x50fa7e56u, 0x7bd72d95u, 0x62cc1cd4u, 0x2d8d8a13u, 0x3496bb52u,
        0x1fbbe891u, 0x06a0d9d0u, 0x5e7ef3ecu, 0x4765c2adu, 0x6c48916eu, 0x7553a02fu,
        0x3a1236e8u, 0x230907a9u, 0x0824546au, 0x113f652bu, 0x96a779e4u, 0x8fbc48a5u,
        0xa4911b66u, 0xbd8a2a27u, 0xf2cbbce0u, 0xebd08da1u, 0xc0fdde62u, 0xd9e6ef23u,
        0x14bce1bdu, 0x0da7d0fcu, 0x268a833fu, 0x3f91b27eu, 0x70d024b9u, 0x69cb15f8u,
        0x42e6463bu, 0x5bfd777au, 0xdc656bb5u, 0xc57e5af4u, 0xee530937u, 0xf7483876u,
        0xb809aeb1u, 0xa1129ff0u, 0x8a3fcc33u, 0x9324fd72u
    },
    {
        0x00000000u, 0x01c26a37u, 0x0384d46eu, 0x0246be59u, 0x0709a8dcu, 0x06cbc2ebu,
        0x048d7cb2u, 0x054f1685u, 0x0e1351b8u, 0x0fd13b8fu, 0x0d9785d6u, 0x0c55efe1u,
        0x091af964u, 0x08d89353u, 0x0a9e2d0au, 0x0b5c473du, 0x1c26a370u, 0x1de4c947u,
        0x1fa2771eu, 0x1e601d29u, 0x1b2f0bacu, 0x1aed619bu, 0x18abdfc2u, 0x1969b5f5u,
        0x1235f2c8u, 0x13f798ffu, 0x11b126a6u, 0x10734c91u, 0x153c5a14u, 0x14fe3023u,
        0x16b88e7au, 0x177ae44du, 0x384d46e0u, 0x398f2cd7u, 0x3bc9928eu, 0x3a0bf8b9u,
        0x3f44ee3cu, 0x3e86840bu, 0x3cc03a52u, 0x3d025065u, 0x365e1758u, 0x379c7d6fu,
        0x35dac336u, 0x3418a901u, 0x3157bf84u, 0x3095d5b3u, 0x32d36beau, 0x331101ddu,
        0x246be590u, 0x25a98fa7u, 0x27ef31feu, 0x262d5bc9u, 0x23624d4cu, 0x22a0277bu,
        0x20e69922u, 0x2124f315u, 0x2a78b428u, 0x2bbade1fu, 0x29fc6046u, 0x283e0a71u,
        0x2d711cf4u, 0x2cb376c3u, 0x2ef5c89au, 0x2f37a2adu, 0x709a8dc0u, 0x7158e7f7u,
        0x731e59aeu, 0x72dc3399u, 0x7793251cu, 0x76514f2bu, 0x7417f172u, 0x75d59b45u,
        0x7e89dc78u, 0x7f4bb64fu, 0x7d0d0816u, 0x7ccf6221u, 0x798074a4u, 0x78421e93u,
        0x7a04a0cau, 0x7bc6cafdu, 0x6cbc2eb0u, 0x6d7e4487u, 0x6f38fadeu, 0x6efa90e9u,
        0x6bb5866cu, 0x6a77ec5bu, 0x68315202u, 0x69f33835u, 0x62af7f08u, 0x636d153fu,
        0x612bab66u, 0x60e9c151u, 0x65a6d7d4u, 0x6464bde3u, 0x662203bau, 0x67e0698du,
        0x48d7cb20u, 0x4915a117u, 0x4b531f4eu, 0x4a917579u, 0x4fde63fcu, 0x4e1c09cbu,
        0x4c5ab792u, 0x4d98dda5u, 0x46c49a98u, 0x4706f0afu, 0x45404ef6u, 0x448224c1u,
        0x41cd3244u, 0x400f5873u, 0x4249e62au, 0x438b8c1du, 0x54f16850u, 0x55330267u,
        0x5775bc3eu, 0x56b7d609u, 0x53f8c08cu, 0x523aaabbu, 0x507c14e2u, 0x51be7ed5u,
        0x5ae239e8u, 0x5b2053dfu, 0x5966ed86u, 0x58a487b1u, 0x5deb9134u, 0x5c29fb03u,
        0x5e6f455au, 0x5fad2f6du, 0xe1351b80u, 0xe0f771b7u, 0xe2b1cfeeu, 0xe373a5d9u,
        0xe63cb35cu, 0xe7fed96bu, 0xe5b86732u, 0xe47a0d05u, 0xef264a38u, 0xeee4200fu,
        0xeca29e56u, 0xed60f461u, 0xe82fe2e4u, 0xe9ed88d3u, 0xebab368au, 0xea695cbdu,
        0xfd13b8f0u, 0xfcd1d2c7u, 0xfe976c9eu, 0xff5506a9u, 0xfa1a102cu, 0xfbd87a1bu,
        0xf99ec442u, 0xf85cae75u, 0xf300e948u, 0xf2c2837fu, 0xf0843d26u, 0xf1465711u,
        0xf4094194u, 0xf5cb2ba3u, 0xf78d95fau, 0xf64fffcdu, 0xd9785d60u, 0xd8ba3757u,
        0xdafc890eu, 0xdb3ee339u, 0xde71f5bcu, 0xdfb39f8bu, 0xddf521d2u, 0xdc374be5u,
        0xd76b0cd8u, 0xd6a966efu, 0xd4efd8b6u, 0xd52db281u, 0xd062a404u, 0xd1a0ce33u,
        0xd3e6706au, 0xd2241a5du, 0xc55efe10u, 0xc49c9427u, 0xc6da2a7eu, 0xc7184049u,
        0xc25756ccu, 0xc3953cfbu, 0xc1d382a2u, 0xc011e895u, 0xcb4dafa8u, 0xca8fc59fu,
        0xc8c97bc6u, 0xc90b11f1u, 0xcc440774u, 0xcd866d43u, 0xcfc0d31au, 0xce02b92du,
        0x91af9640u, 0x906dfc77u, 0x922b422eu, 0x93e92819u, 0x96a63e9cu, 0x976454abu,
        0x9522eaf2u, 0x94e080c5u, 0x9fbcc7f8u, 0x9e7eadcfu, 0x9c381396u, 0x9dfa79a1u,
        0x98b56f24u, 0x99770513u, 0x9b31bb4au, 0x9af3d17du, 0x8d893530u, 0x8c4b5f07u,
        0x8e0de15eu, 0x8fcf8b69u, 0x8a809decu, 0x8b42f7dbu, 0x89044982u, 0x88c623b5u,
        0x839a6488u, 0x82580ebfu, 0x801eb0e6u, 0x81dcdad1u, 0x8493cc54u, 0x8551a663u,
        0x8717183au, 0x86d5720du, 0xa9e2d0a0u, 0xa820ba97u, 0xaa6604ceu, 0xaba46ef9u,
        0xaeeb787cu, 0xaf29124bu, 0xad6fac12u, 0xacadc625u, 0xa7f18118u, 0xa633eb2fu,
        0xa4755576u, 0xa5b73f41u, 0xa0f829c4u, 0xa13a43f3u, 0xa37cfdaau, 0xa2be979du,
        0xb5c473d0u, 0xb40619e7u, 0xb640a7beu, 0xb782cd89u, 0xb2cddb0cu, 0xb30fb13bu,
        0xb1490f62u, 0xb08b6555u, 0xbbd72268u, 0xba15485fu, 0xb853f606u, 0xb9919c31u,
        0xbcde8ab4u, 0xbd1ce083u, 0xbf5a5edau, 0xbe9834edu
    },
    {
        0x00000000u, 0xb8bc6765u, 0xaa09c88bu, 0x12b5afeeu, 0x8f629757u, 0x37def032u,
        0x256b5fdcu, 0x9dd738b9u, 0xc5b428efu, 0x7d084f8au, 0x6fbde064u, 0xd7018701u,
        0x4ad6bfb8u, 0xf26ad8ddu, 0xe0df7733u, 0x58631056u, 0x5019579fu, 0xe8a530fau,
        0xfa109f14u, 0x42acf871u, 0xdf7bc0c8u, 0x67c7a7adu, 0x75720843u, 0xcdce6f26u,
        0x95ad7f70u, 0x2d111815u, 0x3fa4b7fbu, 0x8718d09eu, 0x1acfe827u, 0xa2738f42u,
        0xb0c620acu, 0x087a47c9u, 0xa032af3eu, 0x188ec85bu, 0x0a3b67b5u, 0xb28700d0u,
        0x2f503869u, 0x97ec5f0cu, 0x8559f0e2u, 0x3de59787u, 0x658687d1u, 0xdd3ae0b4u,
        0xcf8f4f5au, 0x7733283fu, 0xeae41086u, 0x525877e3u, 0x40edd80du, 0xf851bf68u,
        0xf02bf8a1u, 0x48979fc4u, 0x5a22302au, 0xe29e574fu, 0x7f496ff6u, 0xc7f50893u,
        0xd540a77du, 0x6dfcc018u, 0x359fd04eu, 0x8d23b72bu, 0x9f9618c5u, 0x272a7fa0u,
        0xbafd4719u, 0x0241207cu, 0x10f48f92u, 0xa848e8f7u, 0x9b14583du, 0x23a83f58u,
        0x311d90b6u, 0x89a1f7d3u, 0x1476cf6au, 0xaccaa80fu, 0xbe7f07e1u, 0x06c36084u,
        0x5ea070d2u, 0xe61c17b7u, 0xf4a9b859u, 0x4c15df3cu, 0xd1c2e785u, 0x697e80e0u,
        0x7bcb2f0eu, 0xc377486bu, 0xcb0d0fa2u, 0x73b168c7u, 0x6104c729u, 0xd9b8a04cu,
        0x446f98f5u, 0xfcd3ff90u, 0xee66507eu, 0x56da371bu, 0x0eb9274du, 0xb6054028u,
        0xa4b0efc6u, 0x1c0c88a3u, 0x81dbb01au, 0x3967d77fu, 0x2bd27891u, 0x936e1ff4u,
        0x3b26f703u, 0x839a9066u, 0x912f3f88u, 0x299358edu, 0xb4446054u, 0x0cf80731u,
        0x1e4da8dfu, 0xa6f1cfbau, 0xfe92dfecu, 0x462eb889u, 0x549b1767u, 0xec277002u,
        0x71f048bbu, 0xc94c2fdeu, 0xdbf98030u, 0x6345e755u, 0x6b3fa09cu, 0xd383c7f9u,
        0xc1366817u, 0x798a0f72u, 0xe45d37cbu, 0x5ce150aeu, 0x4e54ff40u, 0xf6e89825u,
        0xae8b8873u, 0x1637ef16u, 0x048240f8u, 0xbc3e279du, 0x21e91f24u, 0x99557841u,
        0x8be0d7afu, 0x335cb0cau, 0xed59b63bu, 0x55e5d15eu, 0x47507eb0u, 0xffec19d5u,
        0x623b216cu, 0xda874609u, 0xc832e9e7u, 0x708e8e82u, 0x28ed9ed4u, 0x9051f9b1u,
        0x82e4565fu, 0x3a58313au, 0xa78f0983u, 0x1f336ee6u, 0x0d86c108u, 0xb53aa66du,
        0xbd40e1a4u, 0x05fc86c1u, 0x1749292fu, 0xaff54e4au, 0x322276f3u, 0x8a9e1196u,
        0x982bbe78u, 0x2097d91du, 0x78f4c94bu, 0xc048ae2eu, 0xd2fd01c0u, 0x6a4166a5u,
        0xf7965e1cu, 0x4f2a3979u, 0x5d9f9697u, 0xe523f1f2u, 0x4d6b1905u, 0xf5d77e60u,
        0xe762d18eu, 0x5fdeb6ebu, 0xc2098e52u, 0x7ab5e937u, 0x680046d9u, 0xd0bc21bcu,
        0x88df31eau, 0x3063568fu, 0x22d6f961u, 0x9a6a9e04u, 0x07bda6bdu, 0xbf01c1d8u,
        0xadb46e36u, 0x15080953u, 0x1d724e9au, 0xa5ce29ffu, 0xb77b8611u, 0x0fc7e174u,
        0x9210d9cdu, 0x2aacbea8u, 0x38191146u, 0x80a57623u, 0xd8c66675u, 0x607a0110u,
        0x72cfaefeu, 0xca73c99bu, 0x57a4f122u, 0xef189647u, 0xfdad39a9u, 0x45115eccu,
        0x764dee06u, 0xcef18963u, 0xdc44268du, 0x64f841e8u, 0xf92f7951u, 0x41931e34u,
        0x5326b1dau, 0xeb9ad6bfu, 0xb3f9c6e9u, 0x0b45a18cu, 0x19f00e62u, 0xa14c6907u,
        0x3c9b51beu, 0x842736dbu, 0x96929935u, 0x2e2efe50u, 0x2654b999u, 0x9ee8defcu,
        0x8c5d7112u, 0x34e11677u, 0xa9362eceu, 0x118a49abu, 0x033fe645u, 0xbb838120u,
        0xe3e09176u, 0x5b5cf613u, 0x49e959fdu, 0xf1553e98u, 0x6c820621u, 0xd43e6144u,
        0xc68bceaau, 0x7e37a9cfu, 0xd67f4138u, 0x6ec3265du, 0x7c7689b3u, 0xc4caeed6u,
        0x591dd66fu, 0xe1a1b10au, 0xf3141ee4u, 0x4ba87981u, 0x13cb69d7u, 0xab770eb2u,
        0xb9c2a15cu, 0x017ec639u, 0x9ca9fe80u, 0x241599e5u, 0x36a0360bu, 0x8e1c516eu,
        0x866616a7u, 0x3eda71c2u, 0x2c6fde2cu, 0x94d3b949u, 0x090481f0u, 0xb1b8e695u,
        0xa30d497bu, 0x1bb12e1eu, 0x43d23e48u, 0xfb6e592du, 0xe9dbf6c3u, 0x516791a6u,
        0xccb0a91fu, 0x740cce7au, 0x66b96194u, 0xde0506f1u
    },
    {
        0x00000000u, 0x3d6029b0u, 0x7ac05360u, 0x47a07ad0u, 0xf580a6c0u, 0xc8e08f70u,
        0x8f40f5a0u, 0xb220dc10u, 0x30704bc1u, 0x0d106271u, 0x4ab018a1u, 0x77d03111u,
        0xc5f0ed01u, 0xf890c4b1u, 0xbf30be61u, 0x825097d1u, 0x60e09782u, 0x5d80be32u,
        0x1a20c4e2u, 0x2740ed52u, 0x95603142u, 0xa80018f2u, 0xefa06222u, 0xd2c04b92u,
        0x5090dc43u, 0x6df0f5f3u, 0x2a508f23u, 0x1730a693u, 0xa5107a83u, 0x98705333u,
        0xdfd029e3u, 0xe2b00053u, 0xc1c12f04u, 0xfca106b4u, 0xbb017c64u, 0x866155d4u,
        0x344189c4u, 0x0921a074u, 0x4e81daa4u, 0x73e1f314u, 0xf1b164c5u, 0xccd14d75u,
        0x8b7137a5u, 0xb6111e15u, 0x0431c205u, 0x3951ebb5u, 0x7ef19165u, 0x4391b8d5u,
        0xa121b886u, 0x9c419136u, 0xdbe1ebe6u, 0xe681c256u, 0x54a11e46u, 0x69c137f6u,
        0x2e614d26u, 0x13016496u, 0x9151f347u, 0xac31daf7u, 0xeb91a027u, 0xd6f18997u,
        0x64d15587u, 0x59b17c37u, 0x1e1106e7u, 0x23712f57u, 0x58f35849u, 0x659371f9u,
        0x22330b29u, 0x1f532299u, 0xad73fe89u, 0x9013d739u, 0xd7b3ade9u, 0xead38459u,
        0x68831388u, 0x55e33a38u, 0x124340e8u, 0x2f236958u, 0x9d03b548u, 0xa0639cf8u,
        0xe7c3e628u, 0xdaa3cf98u, 0x3813cfcbu, 0x0573e67bu, 0x42d39cabu, 0x7fb3b51bu,
        0xcd93690bu, 0xf0f340bbu, 0xb7533a6bu, 0x8a3313dbu, 0x0863840au, 0x3503adbau,
        0x72a3d76au, 0x4fc3fedau, 0xfde322cau, 0xc0830b7au, 0x872371aau, 0xba43581au,
        0x9932774du, 0xa4525efdu, 0xe3f2242du, 0xde920d9du, 0x6cb2d18du, 0x51d2f83du,
        0x167282edu, 0x2b12ab5du, 0xa9423c8cu, 0x9422153cu, 0xd3826fecu, 0xeee2465cu,
        0x5cc29a4cu, 0x61a2b3fcu, 0x2602c92cu, 0x1b62e09cu, 0xf9d2e0cfu, 0xc4b2c97fu,
        0x8312b3afu, 0xbe729a1fu, 0x0c52460fu, 0x31326fbfu, 0x7692156fu, 0x4bf23cdfu,
        0xc9a2ab0eu, 0xf4c282beu, 0xb362f86eu, 0x8e02d1deu, 0x3c220dceu, 0x0142247eu,
        0x46e25eaeu, 0x7b82771eu, 0xb1e6b092u, 0x8c869922u, 0xcb26e3f2u, 0xf646ca42u,
        0x44661652u, 0x79063fe2u, 0x3ea64532u, 0x03c66c82u, 0x8196fb53u, 0xbcf6d2e3u,
        0xfb56a833u, 0xc6368183u, 0x74165d93u, 0x49767423u, 0x0ed60ef3u, 0x33b62743u,
        0xd1062710u, 0xec660ea0u, 0xabc67470u, 0x96a65dc0u, 0x248681d0u, 0x19e6a860u,
        0x5e46d2b0u, 0x6326fb00u, 0xe1766cd1u, 0xdc164561u, 0x9bb63fb1u, 0xa6d61601u,
        0x14f6ca11u, 0x2996e3a1u, 0x6e369971u, 0x5356b0c1u, 0x70279f96u, 0x4d47b626u,
        0x0ae7ccf6u, 0x3787e546u, 0x85a73956u, 0xb8c710e6u, 0xff676a36u, 0xc2074386u,
        0x4057d457u, 0x7d37fde7u, 0x3a978737u, 0x07f7ae87u, 0xb5d77297u, 0x88b75b27u,
        0xcf1721f7u, 0xf2770847u, 0x10c70814u, 0x2da721a4u, 0x6a075b74u, 0x576772c4u,
        0xe547aed4u, 0xd8278764u, 0x9f87fdb4u, 0xa2e7d404u, 0x20b743d5u, 0x1dd76a65u,
        0x5a7710b5u, 0x67173905u, 0xd537e515u, 0xe857cca5u, 0xaff7b675u, 0x92979fc5u,
        0xe915e8dbu, 0xd475c16bu, 0x93d5bbbbu, 0xaeb5920bu, 0x1c954e1bu, 0x21f567abu,
        0x66551d7bu, 0x5b3534cbu, 0xd965a31au, 0xe4058aaau, 0xa3a5f07au, 0x9ec5d9cau,
        0x2ce505dau, 0x11852c6au, 0x562556bau, 0x6b457f0au, 0x89f57f59u, 0xb49556e9u,
        0xf3352c39u, 0xce550589u, 0x7c75d999u, 0x4115f029u, 0x06b58af9u, 0x3bd5a349u,
        0xb9853498u, 0x84e51d28u, 0xc34567f8u, 0xfe254e48u, 0x4c059258u, 0x7165bbe8u,
        0x36c5c138u, 0x0ba5e888u, 0x28d4c7dfu, 0x15b4ee6fu, 0x521494bfu, 0x6f74bd0fu,
        0xdd54611fu, 0xe03448afu, 0xa794327fu, 0x9af41bcfu, 0x18a48c1eu, 0x25c4a5aeu,
        0x6264df7eu, 0x5f04f6ceu, 0xed242adeu, 0xd044036eu, 0x97e479beu, 0xaa84500eu,
        0x4834505du, 0x755479edu, 0x32f4033du, 0x0f942a8du, 0xbdb4f69du, 0x80d4df2du,
        0xc774a5fdu, 0xfa148c4du, 0x78441b9cu, 0x4524322cu, 0x028448fcu, 0x3fe4614cu,
        0x8dc4bd5cu, 0xb0a494ecu, 0xf704ee3cu, 0xca64c78cu
    },
    {
        0x00000000u, 0xcb5cd3a5u, 0x4dc8a10bu, 0x869472aeu, 0x9b914216u, 0x50cd91b3u,
        0xd659e31du, 0x1d0530b8u, 0xec53826du, 0x270f51c8u, 0xa19b2366u, 0x6ac7f0c3u,
        0x77c2c07bu, 0xbc9e13deu, 0x3a0a6170u, 0xf156b2d5u, 0x03d6029bu, 0xc88ad13eu,
        0x4e1ea390u, 0x85427035u, 0x9847408du, 0x531b9328u, 0xd58fe186u, 0x1ed33223u,
        0xef8580f6u, 0x24d95353u, 0xa24d21fdu, 0x6911f258u, 0x7414c2e0u, 0xbf481145u,
        0x39dc63ebu, 0xf280b04eu, 0x07ac0536u, 0xccf0d693u, 0x4a64a43du, 0x81387798u,
        0x9c3d4720u, 0x57619485u, 0xd1f5e62bu, 0x1aa9358eu, 0xebff875bu, 0x20a354feu,
        0xa6372650u, 0x6d6bf5f5u, 0x706ec54du, 0xbb3216e8u, 0x3da66446u, 0xf6fab7e3u,
        0x047a07adu, 0xcf26d408u, 0x49b2a6a6u, 0x82ee7503u, 0x9feb45bbu, 0x54b7961eu,
        0xd223e4b0u, 0x197f3715u, 0xe82985c0u, 0x23755665u, 0xa5e124cbu, 0x6ebdf76eu,
        0x73b8c7d6u, 0xb8e41473u, 0x3e7066ddu, 0xf52cb578u, 0x0f580a6cu, 0xc404d9c9u,
        0x4290ab67u, 0x89cc78c2u, 0x94c9487au, 0x5f959bdfu, 0xd901e971u, 0x125d3ad4u,
        0xe30b8801u, 0x28575ba4u, 0xaec3290au, 0x659ffaafu, 0x789aca17u, 0xb3c619b2u,
        0x35526b1cu, 0xfe0eb8b9u, 0x0c8e08f7u, 0xc7d2db52u, 0x4146a9fcu, 0x8a1a7a59u,
        0x971f4ae1u, 0x5c439944u, 0xdad7ebeau, 0x118b384fu, 0xe0dd8a9au, 0x2b81593fu,
        0xad152b91u, 0x6649f834u, 0x7b4cc88cu, 0xb0101b29u, 0x36846987u, 0xfdd8ba22u,
        0x08f40f5au, 0xc3a8dcffu, 0x453cae51u, 0x8e607df4u, 0x93654d4cu, 0x58399ee9u,
        0xdeadec47u, 0x15f13fe2u, 0xe4a78d37u, 0x2ffb5e92u, 0xa96f2c3cu, 0x6233ff99u,
        0x7f36cf21u, 0xb46a1c84u, 0x32fe6e2au, 0xf9a2bd8fu, 0x0b220dc1u, 0xc07ede64u,
        0x46eaaccau, 0x8db67f6fu, 0x90b34fd7u, 0x5bef9c72u, 0xdd7beedcu, 0x16273d79u,
        0xe7718facu, 0x2c2d5c09u, 0xaab92ea7u, 0x61e5fd02u, 0x7ce0cdbau, 0xb7bc1e1fu,
        0x31286cb1u, 0xfa74bf14u, 0x1eb014d8u, 0xd5ecc77du, 0x5378b5d3u, 0x98246676u,
        0x852156ceu, 0x4e7d856bu, 0xc8e9f7c5u, 0x03b52460u, 0xf2e396b5u, 0x39bf4510u,
        0xbf2b37beu, 0x7477e41bu, 0x6972d4a3u, 0xa22e0706u, 0x24ba75a8u, 0xefe6a60du,
        0x1d661643u, 0xd63ac5e6u, 0x50aeb748u, 0x9bf264edu, 0x86f75455u, 0x4dab87f0u,
        0xcb3ff55eu, 0x006326fbu, 0xf135942eu, 0x3a69478bu, 0xbcfd3525u, 0x77a1e680u,
        0x6aa4d638u, 0xa1f8059du, 0x276c7733u, 0xec30a496u, 0x191c11eeu, 0xd240c24bu,
        0x54d4b0e5u, 0x9f886340u, 0x828d53f8u, 0x49d1805du, 0xcf45f2f3u, 0x04192156u,
        0xf54f9383u, 0x3e134026u, 0xb8873288u, 0x73dbe12du, 0x6eded195u, 0xa5820230u,
        0x2316709eu, 0xe84aa33bu, 0x1aca1375u, 0xd196c0d0u, 0x5702b27eu, 0x9c5e61dbu,
        0x815b5163u, 0x4a0782c6u, 0xcc93f068u, 0x07cf23cdu, 0xf6999118u, 0x3dc542bdu,
        0xbb513013u, 0x700de3b6u, 0x6d08d30eu, 0xa65400abu, 0x20c07205u, 0xeb9ca1a0u,
        0x11e81eb4u, 0xdab4cd11u, 0x5c20bfbfu, 0x977c6c1au, 0x8a795ca2u, 0x41258f07u,
        0xc7b1fda9u, 0x0ced2e0cu, 0xfdbb9cd9u, 0x36e74f7cu, 0xb0733dd2u, 0x7b2fee77u,
        0x662adecfu, 0xad760d6au, 0x2be27fc4u, 0xe0beac61u, 0x123e1c2fu, 0xd962cf8au,
        0x5ff6bd24u, 0x94aa6e81u, 0x89af5e39u, 0x42f38d9cu, 0xc467ff32u, 0x0f3b2c97u,
        0xfe6d9e42u, 0x35314de7u, 0xb3a53f49u, 0x78f9ececu, 0x65fcdc54u, 0xaea00ff1u,
        0x28347d5fu, 0xe368aefau, 0x16441b82u, 0xdd18c827u, 0x5b8cba89u, 0x90d0692cu,
        0x8dd55994u, 0x46898a31u, 0xc01df89fu, 0x0b412b3au, 0xfa1799efu, 0x314b4a4au,
        0xb7df38e4u, 0x7c83eb41u, 0x6186dbf9u, 0xaada085cu, 0x2c4e7af2u, 0xe712a957u,
        0x15921919u, 0xdececabcu, 0x585ab812u, 0x93066bb7u, 0x8e035b0fu, 0x455f88aau,
        0xc3cbfa04u, 0x089729a1u, 0xf9c19b74u, 0x329d48d1u, 0xb4093a7fu, 0x7f55e9dau,
        0x6250d962u, 0xa90c0ac7u, 0x2f987869u, 0xe4c4abccu
    },
    {
        0x00000000u, 0xa6770bb4u, 0x979f1129u, 0x31e81a9du, 0xf44f2413u, 0x52382fa7u,
        0x63d0353au, 0xc5a73e8eu, 0x33ef4e67u, 0x959845d3u, 0xa4705f4eu, 0x020754fau,
        0xc7a06a74u, 0x61d761c0u, 0x503f7b5du, 0xf64870e9u, 0x67de9cceu, 0xc1a9977au,
        0xf0418de7u, 0x56368653u, 0x9391b8ddu, 0x35e6b369u, 0x040ea9f4u, 0xa279a240u,
        0x5431d2a9u, 0xf246d91du, 0xc3aec380u, 0x65d9c834u, 0xa07ef6bau, 0x0609fd0eu,
        0x37e1e793u, 0x9196ec27u, 0xcfbd399cu, 0x69ca3228u, 0x582228b5u, 0xfe552301u,
        0x3bf21d8fu, 0x9d85163bu, 0xac6d0ca6u, 0x0a1a0712u, 0xfc5277fbu, 0x5a257c4fu,
        0x6bcd66d2u, 0xcdba6d66u, 0x081d53e8u, 0xae6a585cu, 0x9f8242c1u, 0x39f54975u,
        0xa863a552u, 0x0e14aee6u, 0x3ffcb47bu, 0x998bbfcfu, 0x5c2c8141u, 0xfa5b8af5u,
        0xcbb39068u, 0x6dc49bdcu, 0x9b8ceb35u, 0x3dfbe081u, 0x0c13fa1cu, 0xaa64f1a8u,
        0x6fc3cf26u, 0xc9b4c492u, 0xf85cde0fu, 0x5e2bd5bbu, 0x440b7579u, 0xe27c7ecdu,
        0xd3946450u, 0x75e36fe4u, 0xb044516au, 0x16335adeu, 0x27db4043u, 0x81ac4bf7u,
        0x77e43b1eu, 0xd19330aau, 0xe07b2a37u, 0x460c2183u, 0x83ab1f0du, 0x25dc14b9u,
        0x14340e24u, 0xb2430590u, 0x23d5e9b7u, 0x85a2e203u, 0xb44af89eu, 0x123df32au,
        0xd79acda4u, 0x71edc610u, 0x4005dc8du, 0xe672d739u, 0x103aa7d0u, 0xb64dac64u,
        0x87a5b6f9u, 0x21d2bd4du, 0xe47583c3u, 0x42028877u, 0x73ea92eau, 0xd59d995eu,
        0x8bb64ce5u, 0x2dc14751u, 0x1c295dccu, 0xba5e5678u, 0x7ff968f6u, 0xd98e6342u,
        0xe86679dfu, 0x4e11726bu, 0xb8590282u, 0x1e2e0936u, 0x2fc613abu, 0x89b1181fu,
        0x4c162691u, 0xea612d25u, 0xdb8937b8u, 0x7dfe3c0cu, 0xec68d02bu, 0x4a1fdb9fu,
        0x7bf7c102u, 0xdd80cab6u, 0x1827f438u, 0xbe50ff8cu, 0x8fb8e511u, 0x29cfeea5u,
        0xdf879e4cu, 0x79f095f8u, 0x48188f65u, 0xee6f84d1u, 0x2bc8ba5fu, 0x8dbfb1ebu,
        0xbc57ab76u, 0x1a20a0c2u, 0x8816eaf2u, 0x2e61e146u, 0x1f89fbdbu, 0xb9fef06fu,
        0x7c59cee1u, 0xda2ec555u, 0xebc6dfc8u, 0x4db1d47cu, 0xbbf9a495u, 0x1d8eaf21u,
        0x2c66b5bcu, 0x8a11be08u, 0x4fb68086u, 0xe9c18b32u, 0xd82991afu, 0x7e5e9a1bu,
        0xefc8763cu, 0x49bf7d88u, 0x78576715u, 0xde206ca1u, 0x1b87522fu, 0xbdf0599bu,
        0x8c184306u, 0x2a6f48b2u, 0xdc27385bu, 0x7a5033efu, 0x4bb82972u, 0xedcf22c6u,
        0x28681c48u, 0x8e1f17fcu, 0xbff70d61u, 0x198006d5u, 0x47abd36eu, 0xe1dcd8dau,
        0xd034c247u, 0x7643c9f3u, 0xb3e4f77du, 0x1593fcc9u, 0x247be654u, 0x820cede0u,
        0x74449d09u, 0xd23396bdu, 0xe3db8c20u, 0x45ac8794u, 0x800bb91au, 0x267cb2aeu,
        0x1794a833u, 0xb1e3a387u, 0x20754fa0u, 0x86024414u, 0xb7ea5e89u, 0x119d553du,
        0xd43a6bb3u, 0x724d6007u, 0x43a57a9au, 0xe5d2712eu, 0x139a01c7u, 0xb5ed0a73u,
        0x840510eeu, 0x22721b5au, 0xe7d525d4u, 0x41a22e60u, 0x704a34fdu, 0xd63d3f49u,
        0xcc1d9f8bu, 0x6a6a943fu, 0x5b828ea2u, 0xfdf58516u, 0x3852bb98u, 0x9e25b02cu,
        0xafcdaab1u, 0x09baa105u, 0xfff2d1ecu, 0x5985da58u, 0x686dc0c5u, 0xce1acb71u,
        0x0bbdf5ffu, 0xadcafe4bu, 0x9c22e4d6u, 0x3a55ef62u, 0xabc30345u, 0x0db408f1u,
        0x3c5c126cu, 0x9a2b19d8u, 0x5f8c2756u, 0xf9fb2ce2u, 0xc813367fu, 0x6e643dcbu,
        0x982c4d22u, 0x3e5b4696u, 0x0fb35c0bu, 0xa9c457bfu, 0x6c636931u, 0xca146285u,
        0xfbfc7818u, 0x5d8b73acu, 0x03a0a617u, 0xa5d7ada3u, 0x943fb73eu, 0x3248bc8au,
        0xf7ef8204u, 0x519889b0u, 0x6070932du, 0xc6079899u, 0x304fe870u, 0x9638e3c4u,
        0xa7d0f959u, 0x01a7f2edu, 0xc400cc63u, 0x6277c7d7u, 0x539fdd4au, 0xf5e8d6feu,
        0x647e3ad9u, 0xc209316du, 0xf3e12bf0u, 0x55962044u, 0x90311ecau, 0x3646157eu,
        0x07ae0fe3u, 0xa1d90457u, 0x579174beu, 0xf1e67f0au, 0xc00e6597u, 0x66796e23u,
        0xa3de50adu, 0x05a95b19u, 0x34414184u, 0x92364a30u
    },
    {
        0x00000000u, 0xccaa009eu, 0x4225077du, 0x8e8f07e3u, 0x844a0efau, 0x48e00e64u,
        0xc66f0987u, 0x0ac50919u, 0xd3e51bb5u, 0x1f4f1b2bu, 0x91c01cc8u, 0x5d6a1c56u,
        0x57af154fu, 0x9b0515d1u, 0x158a1232u, 0xd92012acu, 0x7cbb312bu, 0xb01131b5u,
        0x3e9e3656u, 0xf23436c8u, 0xf8f13fd1u, 0x345b3f4fu, 0xbad438acu, 0x767e3832u,
        0xaf5e2a9eu, 0x63f42a00u, 0xed7b2de3u, 0x21d12d7du, 0x2b142464u, 0xe7be24fau,
        0x69312319u, 0xa59b2387u, 0xf9766256u, 0x35dc62c8u, 0xbb53652bu, 0x77f965b5u,
        0x7d3c6cacu, 0xb1966c32u, 0x3f196bd1u, 0xf3b36b4fu, 0x2a9379e3u, 0xe639797du,
        0x68b67e9eu, 0xa41c7e00u, 0xaed97719u, 0x62737787u, 0xecfc7064u, 0x205670fau,
        0x85cd537du, 0x496753e3u, 0xc7e85400u, 0x0b42549eu, 0x01875d87u, 0xcd2d5d19u,
        0x43a25afau, 0x8f085a64u, 0x562848c8u, 0x9a824856u, 0x140d4fb5u, 0xd8a74f2bu,
        0xd2624632u, 0x1ec846acu, 0x9047414fu, 0x5ced41d1u, 0x299dc2edu, 0xe537c273u,
        0x6bb8c590u, 0xa712c50eu, 0xadd7cc17u, 0x617dcc89u, 0xeff2cb6au, 0x2358cbf4u,
        0xfa78d958u, 0x36d2d9c6u, 0xb85dde25u, 0x74f7debbu, 0x7e32d7a2u, 0xb298d73cu,
        0x3c17d0dfu, 0xf0bdd041u, 0x5526f3c6u, 0x998cf358u, 0x1703f4bbu, 0xdba9f425u,
        0xd16cfd3cu, 0x1dc6fda2u, 0x9349fa41u, 0x5fe3fadfu, 0x86c3e873u, 0x4a69e8edu,
        0xc4e6ef0eu, 0x084cef90u, 0x0289e689u, 0xce23e617u, 0x40ace1f4u, 0x8c06e16au,
        0xd0eba0bbu, 0x1c41a025u, 0x92cea7c6u, 0x5e64a758u, 0x54a1ae41u, 0x980baedfu,
        0x1684a93cu, 0xda2ea9a2u, 0x030ebb0eu, 0xcfa4bb90u, 0x412bbc73u, 0x8d81bcedu,
        0x8744b5f4u, 0x4beeb56au, 0xc561b289u, 0x09cbb217u, 0xac509190u, 0x60fa910eu,
        0xee7596edu, 0x22df9673u, 0x281a9f6au, 0xe4b09ff4u, 0x6a3f9817u, 0xa6959889u,
        0x7fb58a25u, 0xb31f8abbu, 0x3d908d58u, 0xf13a8dc6u, 0xfbff84dfu, 0x37558441u,
        0xb9da83a2u, 0x7570833cu, 0x533b85dau, 0x9f918544u, 0x111e82a7u, 0xddb48239u,
        0xd7718b20u, 0x1bdb8bbeu, 0x95548c5du, 0x59fe8cc3u, 0x80de9e6fu, 0x4c749ef1u,
        0xc2fb9912u, 0x0e51998cu, 0x04949095u, 0xc83e900bu, 0x46b197e8u, 0x8a1b9776u,
        0x2f80b4f1u, 0xe32ab46fu, 0x6da5b38cu, 0xa10fb312u, 0xabcaba0bu, 0x6760ba95u,
        0xe9efbd76u, 0x2545bde8u, 0xfc65af44u, 0x30cfafdau, 0xbe40a839u, 0x72eaa8a7u,
        0x782fa1beu, 0xb485a120u, 0x3a0aa6c3u, 0xf6a0a65du, 0xaa4de78cu, 0x66e7e712u,
        0xe868e0f1u, 0x24c2e06fu, 0x2e07e976u, 0xe2ade9e8u, 0x6c22ee0bu, 0xa088ee95u,
        0x79a8fc39u, 0xb502fca7u, 0x3b8dfb44u, 0xf727fbdau, 0xfde2f2c3u, 0x3148f25du,
        0xbfc7f5beu, 0x736df520u, 0xd6f6d6a7u, 0x1a5cd639u, 0x94d3d1dau, 0x5879d144u,
        0x52bcd85du, 0x9e16d8c3u, 0x1099df20u, 0xdc33dfbeu, 0x0513cd12u, 0xc9b9cd8cu,
        0x4736ca6fu, 0x8b9ccaf1u, 0x8159c3e8u, 0x4df3c376u, 0xc37cc495u, 0x0fd6c40bu,
        0x7aa64737u, 0xb60c47a9u, 0x3883404au, 0xf42940d4u, 0xfeec49cdu, 0x32464953u,
        0xbcc94eb0u, 0x70634e2eu, 0xa9435c82u, 0x65e95c1cu, 0xeb665bffu, 0x27cc5b61u,
        0x2d095278u, 0xe1a352e6u, 0x6f2c5505u, 0xa386559bu, 0x061d761cu, 0xcab77682u,
        0x44387161u, 0x889271ffu, 0x825778e6u, 0x4efd7878u, 0xc0727f9bu, 0x0cd87f05u,
        0xd5f86da9u, 0x19526d37u, 0x97dd6ad4u, 0x5b776a4au, 0x51b26353u, 0x9d1863cdu,
        0x1397642eu, 0xdf3d64b0u, 0x83d02561u, 0x4f7a25ffu, 0xc1f5221cu, 0x0d5f2282u,
        0x079a2b9bu, 0xcb302b05u, 0x45bf2ce6u, 0x89152c78u, 0x50353ed4u, 0x9c9f3e4au,
        0x121039a9u, 0xdeba3937u, 0xd47f302eu, 0x18d530b0u, 0x965a3753u, 0x5af037cdu,
        0xff6b144au, 0x33c114d4u, 0xbd4e1337u, 0x71e413a9u, 0x7b211ab0u, 0xb78b1a2eu,
        0x39041dcdu, 0xf5ae1d53u, 0x2c8e0fffu, 0xe0240f61u, 0x6eab0882u, 0xa201081cu,
        0xa8c40105u, 0x646e019bu, 0xeae10678u, 0x264b06e6u
    }
};

/* One slicing-by-8 step: the CRC register c advanced over p[0..8). */
#define HN__CRC_STEP(t, c, p)                                                \
    do {                                                                     \
        uint64_t w_;                                                         \
        uint32_t lo_, hi_;                                                   \
        HN__LOAD_U64LE(w_, p);                                               \
        lo_ = (c) ^ (uint32_t)w_;                                            \
        hi_ = (uint32_t)(w_ >> 32);                                          \
        (c) = t[7][lo_ & 0xff] ^ t[6][(lo_ >> 8) & 0xff] ^                   \
              t[5][(lo_ >> 16) & 0xff] ^ t[4][lo_ >> 24] ^ t[3][hi_ & 0xff] ^ \
              t[2][(hi_ >> 8) & 0xff] ^ t[1][(hi_ >> 16) & 0xff] ^           \
              t[0][hi_ >> 24];                                               \
    } while (0)

/* a * b mod P for CRC registers (bit 31 is the x^0 coefficient, as the
   reflected CRC keeps it): add b * x^k for each x^k in a, stepping b up
   by x each time, x * x^31 wrapping around to P's low terms. */
static uint32_t hn__crc_mulmod(uint32_t a, uint32_t b)
{
    uint32_t prod = 0;
    int i;
    for (i = 31; i >= 0; i--) {
        prod ^= b & (0u - (a >> i & 1u));
        b = (b >> 1) ^ (0xedb88320u & (0u - (b & 1u)));
    }
    return prod;
}

/* Long inputs go as three interleaved streams over consecutive blocks, so
   three lookup chains overlap instead of waiting on each other. The CRC
   register is linear: crc(r, A B) = crc(r, A) * x^(8 |B|) ^ crc(0, B), and
   HN__CRC_SHIFT = x^(8 * HN__CRC_BLOCK) mod P (reflected) does the
   multiplication by x^(8 |B|): it is the register that 2048 zero bytes
   leave behind when it starts as 0x80000000, the polynomial 1. */
#define HN__CRC_BLOCK 2048
#define HN__CRC_SHIFT 0x4d47bae0u

HNDEF uint32_t hn_crc32(uint32_t crc, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    const uint32_t (*t)[256] = hn__crc_table;
    uint32_t c = ~crc;
    while (len >= 3 * HN__CRC_BLOCK) {
        uint32_t c1 = 0, c2 = 0;
        size_t i;
        for (i = 0; i < HN__CRC_BLOCK; i += 8) {
            HN__CRC_STEP(t, c, p + i);
            HN__CRC_STEP(t, c1, p + HN__CRC_BLOCK + i);
            HN__CRC_STEP(t, c2, p + 2 * HN__CRC_BLOCK + i);
        }
        c = hn__crc_mulmod(hn__crc_mulmod(c, HN__CRC_SHIFT) ^ c1, HN__CRC_SHIFT) ^ c2;
        p += 3 * HN__CRC_BLOCK;
        len -= 3 * HN__CRC_BLOCK;
    }
    for (; len >= 8; len -= 8, p += 8) HN__CRC_STEP(t, c, p);
    while (len--) c = (c >> 8) ^ t[0][(c ^ *p++) & 0xff];
    return ~c;
}

/* Adler-32 (RFC 1950 section 8.2): a = 1 + sum of bytes, b = sum of the
   a's, both mod 65521. 5552 is the most bytes for which b cannot overflow
   32 bits between reductions: 255 n (n + 1) / 2 + (n + 1) 65520 < 2^32. */
#define HN__ADLER_MOD 65521u
#define HN__ADLER_NMAX 5552

HNDEF uint32_t hn_adler32(uint32_t adler, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    uint32_t a = adler & 0xffffu, b = adler >> 16;
    while (len) {
        size_t n = len < HN__ADLER_NMAX ? len : HN__ADLER_NMAX;
        len -= n;
        for (; n >= 8; n -= 8, p += 8) {
            a += p[0]; b += a; a += p[1]; b += a;
            a += p[2]; b += a; a += p[3]; b += a;
            a += p[4]; b += a; a += p[5]; b += a;
            a += p[6]; b += a; a += p[7]; b += a;
        }
        while (n--) {
            a += *p++;
            b += a;
        }
        a %= HN__ADLER_MOD;
        b %= HN__ADLER_MOD;
    }
    return b << 16 | a;
}

/* ---- Huffman tables ---- */

/* A decoding table maps the next `root` bits of input (least significant
   bit first, as deflate packs them) straight to a symbol: a code of length
   l <= root fills every 2^l-th entry. Longer codes (up to 15 bits) share a
   root entry by their first root bits, which points to a sub-table indexed
   by the following bits: one or two lookups per symbol, as in zlib.

   An entry is 32 bits:
       bits 0-4    bits to drop (the code's length, or root for a link)
       bits 8-11   extra bits that follow the code (sub-table bits for a
                   link)
       bits 12-15  kind: literal, end of block, link, invalid
       bits 16-31  literal byte, base length or distance, symbol of a
                   code-length code, or the sub-table's offset */
#define HN__E_LIT 0x1000u
#define HN__E_EOB 0x2000u
#define HN__E_SUB 0x4000u
#define HN__E_BAD 0x8000u

#define HN__LIT_BITS 10
#define HN__DIST_BITS 8
#define HN__CLEN_BITS 7
/* Root table plus the largest set of sub-tables a valid code can need
   (zlib's `enough` program gives 1334 for 288 symbols with a 10-bit root
   and 402 for 32 symbols with 8 bits); the builder checks anyway. */
#define HN__LIT_ENOUGH 1536
#define HN__DIST_ENOUGH 512

enum { HN__HUFF_CLEN, HN__HUFF_LIT, HN__HUFF_DIST };

/* RFC 1951 section 3.2.5: base and extra bits of lengths 257..285 and
   distances 0..29. */
static const unsigned short hn__len_base[29] = {
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31,
    35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const unsigned char hn__len_extra[29] = {
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2,
    3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};
static const unsigned short hn__dist_base[30] = {
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193,
    257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385,
    24577};
static const unsigned char hn__dist_extra[30] = {
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6,
    7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* What a symbol decodes to, without its length. Symbols that the fixed
   code defines but the format forbids (lengths 286 and 287, distances 30
   and 31) decode to an invalid entry. */
static uint32_t hn__huff_payload(int kind, unsigned sym)
{
    if (kind == HN__HUFF_CLEN) return (uint32_t)sym << 16;
    if (kind == HN__HUFF_DIST)
        return sym < 30 ? (uint32_t)hn__dist_base[sym] << 16 |
                              (uint32_t)hn__dist_extra[sym] << 8
                        : HN__E_BAD;
    if (sym < 256) return (uint32_t)sym << 16 | HN__E_LIT;
    if (sym == 256) return HN__E_EOB;
    if (sym < 286)
        return (uint32_t)hn__len_base[sym - 257] << 16 |
               (uint32_t)hn__len_extra[sym - 257] << 8;
    return HN__E_BAD;
}

/* Build the table of a canonical Huffman code (RFC 1951 section 3.2.2)
   from its code lengths lens[0..n). Over-subscribed codes are refused, and
   so are incomplete ones, except the case the RFC allows: a single code of
   one bit (a lone distance, or a block with only an end code), whose other
   half decodes as invalid. A code with no symbols at all gives a table of
   invalid entries (a block that uses no distances). */
static hn_status hn__huff_build(uint32_t *tab, unsigned cap, unsigned root,
                                const unsigned char *lens, unsigned n, int kind)
{
    static const char *const names[3] = {"code length", "literal/length", "distance"};
    unsigned count[16], rem[16], offs[16];
    unsigned short sorted[288];
    unsigned len, sym, i, max = 0, ncodes = 0, next, prefix = ~0u;
    unsigned sub = 0, sub_bits = 0, code = 0, prev_len = 0;
    long left = 1;

    memset(count, 0, sizeof count);
    for (sym = 0; sym < n; sym++) count[lens[sym]]++;
    for (len = 1; len <= 15; len++) {
        left = 2 * left - (long)count[len];
        if (left < 0)
            return hn__fail(HN_ERR_FORMAT, "over-subscribed %s code", names[kind]);
        if (count[len]) max = len;
        ncodes += count[len];
    }
    if (ncodes == 0 || left > 0) {
        if (kind == HN__HUFF_CLEN || (ncodes && !(ncodes == 1 && max == 1)))
            return hn__fail(HN_ERR_FORMAT, "incomplete %s code", names[kind]);
        for (i = 0; i < (1u << root); i++) tab[i] = HN__E_BAD;
    }

    /* Symbols sorted by (length, symbol): the order canonical codes take. */
    offs[1] = 0;
    for (len = 1; len < 15; len++) offs[len + 1] = offs[len] + count[len];
    for (sym = 0; sym < n; sym++)
        if (lens[sym]) sorted[offs[lens[sym]]++] = (unsigned short)sym;
    memcpy(rem, count, sizeof rem);

    next = 1u << root;
    for (i = 0; i < ncodes; i++) {
        unsigned rev, c, j, step;
        uint32_t entry;
        sym = sorted[i];
        len = lens[sym];
        /* The next canonical code: one more than the last, then widened. */
        if (i) code = (code + 1) << (len - prev_len);
        prev_len = len;
        /* Deflate sends codes most significant bit first into an LSB-first
           stream, so the table is indexed by the code bit-reversed: swap
           bits, pairs, nibbles and bytes of 16, keep the top len. */
        c = code;
        c = (c & 0x5555u) << 1 | (c >> 1 & 0x5555u);
        c = (c & 0x3333u) << 2 | (c >> 2 & 0x3333u);
        c = (c & 0x0f0fu) << 4 | (c >> 4 & 0x0f0fu);
        rev = ((c & 0xffu) << 8 | c >> 8) >> (16 - len);
        entry = hn__huff_payload(kind, sym);
        if (len <= root) {
            for (j = rev; j < (1u << root); j += 1u << len) tab[j] = entry | len;
        } else {
            if ((rev & ((1u << root) - 1)) != prefix) {
                /* A new sub-table: as wide as it takes for the codes still
                   to come under this prefix to fill it. */
                long room;
                prefix = rev & ((1u << root) - 1);
                sub_bits = len - root;
                room = 1L << sub_bits;
                while (sub_bits + root < max) {
                    room -= (long)rem[sub_bits + root];
                    if (room <= 0) break;
                    sub_bits++;
                    room <<= 1;
                }
                if (next + (1u << sub_bits) > cap)
                    return hn__fail(HN_ERR_FORMAT, "%s code needs too large a table",
                                    names[kind]);
                sub = next;
                next += 1u << sub_bits;
                tab[prefix] = (uint32_t)sub << 16 | HN__E_SUB | sub_bits << 8 | root;
            }
            step = 1u << (len - root);
            for (j = rev >> root; j < (1u << sub_bits); j += step)
                tab[sub + j] = entry | (len - root);
        }
        rem[len]--;
    }
    return HN_OK;
}

/* ---- the decoder ---- */

/* Bytes kept writable past the end of an output buffer that the decoder
   owns, so a match can be copied in 16-byte pieces that overshoot. */
#define HN__SLACK 16

typedef struct hn__inflater {
    const unsigned char *in, *in_start, *in_end;
    uint64_t bits;       /* unread input bits, the next one lowest */
    unsigned nbits;      /* how many of them are valid */
    unsigned overrun;    /* zero bytes fed in past the end of the input */
    unsigned char *out;
    size_t pos;          /* bytes produced */
    size_t cap;          /* bytes out may hold: never more than max_out */
    size_t alloc;        /* bytes writable at out (cap, plus slack if owned) */
    size_t max_out;
    size_t start;        /* where this stream's output begins: the window */
    int owned;           /* out is ours to grow */
    int fixed;           /* lit and dist hold the fixed code */
    uint32_t lit[HN__LIT_ENOUGH];
    uint32_t dist[HN__DIST_ENOUGH];
} hn__inflater;

/* Top the bit buffer up to at least 57 bits, a byte at a time, near the
   end of the input. Past the end it feeds zeros and counts them, so a
   decoder never reads outside the buffer; once 8 zero bytes have gone in,
   at least one has been consumed and the stream is certainly truncated. */
static int hn__refill_slow(hn__inflater *z, const unsigned char **in, uint64_t *bits,
                           unsigned *nbits)
{
    while (*nbits <= 56) {
        if (*in < z->in_end) {
            *bits |= (uint64_t)*(*in)++ << *nbits;
        } else {
            if (z->overrun >= 8) return 1;
            z->overrun++;
        }
        *nbits += 8;
    }
    return 0;
}

/* Refill from a whole 64-bit word while eight bytes remain: OR it in above
   the valid bits and advance by the whole bytes that fit. The bits above
   nbits then hold the start of the next byte, which the next refill ORs in
   again at the same place, so no masking is needed. */
#define HN__REFILL(z, in, end, bits, nbits)                                  \
    do {                                                                     \
        if ((end) - (in) >= 8) {                                             \
            uint64_t word_;                                                  \
            HN__LOAD_U64LE(word_, in);                                       \
            (bits) |= word_ << (nbits);                                      \
            (in) += (63 - (nbits)) >> 3;                                     \
            (nbits) |= 56;                                                   \
        } else if (hn__refill_slow((z), &(in), &(bits), &(nbits))) {         \
            goto truncated;                                                  \
        }                                                                    \
    } while (0)

/* 1 when the decoder has used bits past the end of the input. */
static int hn__inflate_overran(const hn__inflater *z)
{
    return z->overrun > z->nbits / 8;
}

/* Take n <= 32 bits outside the hot loop. */
static hn_status hn__getbits(hn__inflater *z, unsigned n, unsigned *v)
{
    const unsigned char *in = z->in;
    if (z->nbits < n) {
        HN__REFILL(z, in, z->in_end, z->bits, z->nbits);
        z->in = in;
    }
    *v = (unsigned)(z->bits & (((uint64_t)1 << n) - 1));
    z->bits >>= n;
    z->nbits -= n;
    return HN_OK;
truncated:
    return hn__fail(HN_ERR_TRUNCATED, "deflate stream truncated");
}

/* Make room for `need` more output bytes: grow geometrically, never past
   max_out. */
static hn_status hn__inflate_grow(hn__inflater *z, size_t need)
{
    size_t cap;
    unsigned char *p;
    if (need > z->max_out - z->pos)
        return hn__fail(HN_ERR_LIMIT, "deflate output exceeds the %zu bytes allowed",
                        z->max_out);
    if (!z->owned)
        return hn__fail(HN_ERR_LIMIT, "deflate output exceeds the %zu-byte buffer",
                        z->cap);
    cap = z->cap < z->max_out / 2 ? z->cap * 2 : z->max_out;
    if (cap < 65536) cap = HN__MIN(65536, z->max_out);
    if (cap < z->pos + need) cap = z->pos + need;
    p = (unsigned char *)HN_REALLOC(z->out, cap + HN__SLACK);
    if (!p)
        return hn__fail(HN_ERR_NOMEM, "out of memory growing the output to %zu bytes",
                        cap);
    z->out = p;
    z->cap = cap;
    z->alloc = cap + HN__SLACK;
    return HN_OK;
}

/* Decode one Huffman-coded block with the tables in z, up to and including
   its end-of-block code. The hot loop of the whole inflater: bit buffer and
   output position live in locals, and one refill covers the longest symbol
   (15-bit code + 5 extra bits + 15-bit distance code + 13 extra bits = 48
   bits). */
static hn_status hn__inflate_codes(hn__inflater *z)
{
    const unsigned char *in = z->in, *in_end = z->in_end;
    uint64_t bits = z->bits;
    unsigned nbits = z->nbits;
    /* Locals, not fields: every byte stored through out could alias a
       field of z, which would make the compiler reload it per symbol. */
    unsigned char *out = z->out;
    size_t pos = z->pos, cap = z->cap, alloc = z->alloc, start = z->start;
    const uint32_t *lt = z->lit, *dt = z->dist;
    const char *why;
    hn_status st;

    for (;;) {
        uint32_t e;
        unsigned n, len, dist;

        HN__REFILL(z, in, in_end, bits, nbits);
        e = lt[bits & ((1u << HN__LIT_BITS) - 1)];
        if (e & HN__E_SUB) {
            bits >>= HN__LIT_BITS;
            nbits -= HN__LIT_BITS;
            e = lt[(e >> 16) + (bits & ((1u << ((e >> 8) & 15)) - 1))];
        }
        n = e & 31;
        bits >>= n;
        nbits -= n;

        if (e & HN__E_LIT) {
            if (pos >= cap) {
                z->pos = pos;
                if ((st = hn__inflate_grow(z, 1)) != HN_OK) goto fail;
                out = z->out;
                cap = z->cap;
                alloc = z->alloc;
            }
            out[pos++] = (unsigned char)(e >> 16);
            /* Literals come in runs: at least 41 bits are left, enough for
               a second one without a refill when it sits in the root. */
            e = lt[bits & ((1u << HN__LIT_BITS) - 1)];
            if (!(e & HN__E_LIT) || pos >= cap) continue;
            bits >>= e & 31;
            nbits -= e & 31;
            out[pos++] = (unsigned char)(e >> 16);
            continue;
        }
        if (e & HN__E_EOB) break;
        if (e & HN__E_BAD) {
            why = "invalid literal/length code";
            goto bad;
        }

        /* A match: length, then distance, each a base plus extra bits. */
        n = (e >> 8) & 15;
        len = (e >> 16) + (unsigned)(bits & ((1u << n) - 1));
        bits >>= n;
        nbits -= n;
        e = dt[bits & ((1u << HN__DIST_BITS) - 1)];
        if (e & HN__E_SUB) {
            bits >>= HN__DIST_BITS;
            nbits -= HN__DIST_BITS;
            e = dt[(e >> 16) + (bits & ((1u << ((e >> 8) & 15)) - 1))];
        }
        n = e & 31;
        bits >>= n;
        nbits -= n;
        if (e & HN__E_BAD) {
            why = "invalid distance code";
            goto bad;
        }
        n = (e >> 8) & 15;
        dist = (e >> 16) + (unsigned)(bits & ((1u << n) - 1));
        bits >>= n;
        nbits -= n;
        if (dist > pos - start) {
            why = "distance further back than the output";
            goto bad;
        }

        if (alloc - pos < (size_t)len + HN__SLACK) {
            if (cap - pos < len) {
                z->pos = pos;
                if ((st = hn__inflate_grow(z, len)) != HN_OK) goto fail;
                out = z->out;
                cap = z->cap;
                alloc = z->alloc;
            }
            if (alloc - pos < (size_t)len + HN__SLACK) {
                /* Too near the end of a caller's buffer to overshoot. */
                unsigned char *d = out + pos;
                const unsigned char *s = d - dist;
                unsigned k;
                for (k = 0; k < len; k++) d[k] = s[k];
                pos += len;
                continue;
            }
        }
        {
            /* Copy in pieces no longer than the distance, so each piece
               reads only bytes already written; the last one may write up
               to 15 bytes past the match, into slack or the bytes the next
               symbols overwrite. */
            unsigned char *d = out + pos, *end = d + len;
            const unsigned char *s = d - dist;
            if (dist >= 16) {
                do {
                    memcpy(d, s, 16);
                    d += 16;
                    s += 16;
                } while (d < end);
            } else if (dist >= 8) {
                do {
                    memcpy(d, s, 8);
                    d += 8;
                    s += 8;
                } while (d < end);
            } else if (dist == 1) {
                /* A run of one byte: eight at a time. */
                uint64_t v = (uint64_t)*s * UINT64_C(0x0101010101010101);
                do {
                    memcpy(d, &v, 8);
                    d += 8;
                } while (d < end);
            } else {
                do *d++ = *s++; while (d < end);
            }
            pos += len;
        }
    }
    z->in = in;
    z->bits = bits;
    z->nbits = nbits;
    z->pos = pos;
    return HN_OK;

bad:
    z->in = in;
    z->nbits = nbits;
    if (hn__inflate_overran(z)) goto truncated;
    return hn__fail(HN_ERR_FORMAT, "%s at output byte %zu", why, pos);
truncated:
    return hn__fail(HN_ERR_TRUNCATED, "deflate stream truncated");
fail:
    return st;
}

/* A stored block (RFC 1951 section 3.2.4): byte-aligned LEN, its one's
   complement NLEN, then LEN raw bytes. */
static hn_status hn__inflate_stored(hn__inflater *z)
{
    unsigned whole = z->nbits / 8, len;
    hn_status st;

    /* Drop the bits up to the byte boundary, then give the whole bytes
       still in the buffer back to the input. */
    if (z->overrun > whole) return hn__fail(HN_ERR_TRUNCATED, "deflate stream truncated");
    z->in -= whole - z->overrun;
    z->bits = 0;
    z->nbits = 0;
    z->overrun = 0;
    if (z->in_end - z->in < 4)
        return hn__fail(HN_ERR_TRUNCATED, "stored block header truncated");
    len = hn__load_u16le(z->in);
    if ((len ^ hn__load_u16le(z->in + 2)) != 0xffffu)
        return hn__fail(HN_ERR_FORMAT, "stored block length %u does not match its "
                        "complement %u", len, hn__load_u16le(z->in + 2));
    z->in += 4;
    if ((size_t)(z->in_end - z->in) < len)
        return hn__fail(HN_ERR_TRUNCATED, "stored block of %u bytes truncated", len);
    if (z->cap - z->pos < len && (st = hn__inflate_grow(z, len)) != HN_OK) return st;
    memcpy(z->out + z->pos, z->in, len);
    z->pos += len;
    z->in += len;
    return HN_OK;
}

/* The fixed code of RFC 1951 section 3.2.6. */
static void hn__inflate_fixed(hn__inflater *z)
{
    unsigned char lens[288];
    if (z->fixed) return;
    memset(lens, 8, 144);
    memset(lens + 144, 9, 112);
    memset(lens + 256, 7, 24);
    memset(lens + 280, 8, 8);
    /* Complete codes: neither build can fail. */
    hn__huff_build(z->lit, HN__LIT_ENOUGH, HN__LIT_BITS, lens, 288, HN__HUFF_LIT);
    memset(lens, 5, 32);
    hn__huff_build(z->dist, HN__DIST_ENOUGH, HN__DIST_BITS, lens, 32, HN__HUFF_DIST);
    z->fixed = 1;
}

/* The header of a dynamic block (RFC 1951 section 3.2.7): the code-length
   code, then the literal/length and distance code lengths coded with it,
   with 16 = repeat the previous length 3-6 times, 17 = 3-10 zeros,
   18 = 11-138 zeros. */
static hn_status hn__inflate_dynamic(hn__inflater *z)
{
    static const unsigned char order[19] = {16, 17, 18, 0, 8,  7, 9,  6, 10, 5,
                                            11, 4,  12, 3, 13, 2, 14, 1, 15};
    unsigned char lens[286 + 30];
    uint32_t clen[1u << HN__CLEN_BITS];
    unsigned hlit, hdist, hclen, i, v;
    hn_status st;

    z->fixed = 0;
    if ((st = hn__getbits(z, 5, &hlit)) != HN_OK || (st = hn__getbits(z, 5, &hdist)) ||
        (st = hn__getbits(z, 4, &hclen)))
        return st;
    hlit += 257;
    hdist += 1;
    hclen += 4;
    if (hlit > 286 || hdist > 30)
        return hn__fail(HN_ERR_FORMAT, "dynamic block declares %u length and %u "
                        "distance codes (at most 286 and 30)", hlit, hdist);
    memset(lens, 0, 19);
    for (i = 0; i < hclen; i++) {
        if ((st = hn__getbits(z, 3, &v)) != HN_OK) return st;
        lens[order[i]] = (unsigned char)v;
    }
    if ((st = hn__huff_build(clen, 1u << HN__CLEN_BITS, HN__CLEN_BITS, lens, 19,
                             HN__HUFF_CLEN)) != HN_OK)
        return st;

    for (i = 0; i < hlit + hdist;) {
        const unsigned char *in = z->in;
        uint32_t e;
        unsigned sym, rep, val = 0;
        HN__REFILL(z, in, z->in_end, z->bits, z->nbits);
        z->in = in;
        e = clen[z->bits & ((1u << HN__CLEN_BITS) - 1)];
        z->bits >>= e & 31;
        z->nbits -= e & 31;
        sym = e >> 16;
        if (sym < 16) {
            lens[i++] = (unsigned char)sym;
            continue;
        }
        if (sym == 16) {
            if (i == 0)
                return hn__fail(HN_ERR_FORMAT, "length repeat code with no previous "
                                "length");
            val = lens[i - 1];
            if ((st = hn__getbits(z, 2, &rep)) != HN_OK) return st;
            rep += 3;
        } else if (sym == 17) {
            if ((st = hn__getbits(z, 3, &rep)) != HN_OK) return st;
            rep += 3;
        } else {
            if ((st = hn__getbits(z, 7, &rep)) != HN_OK) return st;
            rep += 11;
        }
        if (rep > hlit + hdist - i)
            return hn__fail(HN_ERR_FORMAT, "code length repeat runs past the end");
        memset(lens + i, (int)val, rep);
        i += rep;
    }
    if (lens[256] == 0)
        return hn__fail(HN_ERR_FORMAT, "dynamic block has no end-of-block code");
    if ((st = hn__huff_build(z->lit, HN__LIT_ENOUGH, HN__LIT_BITS, lens, hlit,
                             HN__HUFF_LIT)) != HN_OK)
        return st;
    return hn__huff_build(z->dist, HN__DIST_ENOUGH, HN__DIST_BITS, lens + hlit, hdist,
                          HN__HUFF_DIST);
truncated:
    return hn__fail(HN_ERR_TRUNCATED, "deflate stream truncated");
}

enum { HN__CHECK_NONE, HN__CHECK_CRC32, HN__CHECK_ADLER32 };

/* Decode one deflate stream from in[0..in_len), appending to z's output;
   *used gets the bytes it took (a partial last byte counts). `check` names
   the checksum to run over the new output, block by block while it is
   still in cache; *sum gets it. */
static hn_status hn__inflate_run(hn__inflater *z, const unsigned char *in, size_t in_len,
                                 int check, uint32_t *sum, size_t *used)
{
    unsigned final = 0, type;
    size_t checked;
    hn_status st;

    if (in_len == 0) return hn__fail(HN_ERR_TRUNCATED, "deflate stream is empty");
    z->in = z->in_start = in;
    z->in_end = in + in_len;
    z->bits = 0;
    z->nbits = 0;
    z->overrun = 0;
    z->start = z->pos;
    checked = z->pos;
    *sum = check == HN__CHECK_ADLER32 ? 1u : 0u;
    while (!final) {
        if ((st = hn__getbits(z, 1, &final)) != HN_OK ||
            (st = hn__getbits(z, 2, &type)) != HN_OK)
            return st;
        if (type == 0) {
            st = hn__inflate_stored(z);
        } else if (type == 1) {
            hn__inflate_fixed(z);
            st = hn__inflate_codes(z);
        } else if (type == 2) {
            st = hn__inflate_dynamic(z);
            if (st == HN_OK) st = hn__inflate_codes(z);
        } else {
            st = hn__fail(HN_ERR_FORMAT, "deflate block type 3 is reserved");
        }
        if (st != HN_OK) return st;
        if (check == HN__CHECK_CRC32)
            *sum = hn_crc32(*sum, z->out + checked, z->pos - checked);
        else if (check == HN__CHECK_ADLER32)
            *sum = hn_adler32(*sum, z->out + checked, z->pos - checked);
        checked = z->pos;
    }
    if (hn__inflate_overran(z))
        return hn__fail(HN_ERR_TRUNCATED, "deflate stream truncated");
    *used = (size_t)(z->in - z->in_start) + z->overrun - z->nbits / 8;
    return HN_OK;
}

/* A decoder writing to the caller's buffer (dst != NULL) or to its own,
   which starts at `hint` bytes (at most max_out) and grows from there. */
static hn__inflater *hn__inflater_new(unsigned char *dst, size_t dst_cap, size_t max_out,
                                      size_t hint)
{
    hn__inflater *z = (hn__inflater *)hn__alloc(sizeof *z);
    if (!z) return NULL;
    memset(z, 0, offsetof(hn__inflater, lit));
    if (dst) {
        z->out = dst;
        z->cap = z->alloc = z->max_out = dst_cap;
        return z;
    }
    z->owned = 1;
    z->max_out = HN__MIN(max_out, (size_t)-1 - HN__SLACK);
    z->cap = HN__MIN(hint, z->max_out);
    z->alloc = z->cap + HN__SLACK;
    z->out = (unsigned char *)hn__alloc(z->alloc);
    if (!z->out) {
        HN_FREE(z);
        return NULL;
    }
    return z;
}

/* Hand the output to the caller, trimmed when the guess was generous, and
   free the decoder. */
static void hn__inflater_finish(hn__inflater *z, hn_status st, unsigned char **out,
                                size_t *out_len)
{
    if (st != HN_OK) {
        if (z->owned) HN_FREE(z->out);
    } else if (z->owned) {
        if (z->alloc - z->pos > z->pos / 8 + 4096) {
            unsigned char *p = (unsigned char *)HN_REALLOC(z->out, z->pos ? z->pos : 1);
            if (p) z->out = p;
        }
        *out = z->out;
        *out_len = z->pos;
    } else if (out_len) {
        *out_len = z->pos;
    }
    HN_FREE(z);
}

/* A first output size for an input of in_len bytes when nothing better is
   known: generous enough that typical data needs a doubling or two. */
static size_t hn__inflate_guess(size_t in_len)
{
    return in_len < ((size_t)-1) / 4 ? HN__MAX(in_len * 4, 4096) : in_len;
}

HNDEF hn_status hn_inflate(const unsigned char *in, size_t in_len, size_t max_out,
                           unsigned char **out, size_t *out_len, size_t *consumed)
{
    hn__inflater *z;
    hn_status st;
    uint32_t sum;
    size_t used = 0;
    *out = NULL;
    *out_len = 0;
    if (consumed) *consumed = 0;
    z = hn__inflater_new(NULL, 0, max_out, hn__inflate_guess(in_len));
    if (!z) return HN_ERR_NOMEM;
    st = hn__inflate_run(z, in, in_len, HN__CHECK_NONE, &sum, &used);
    if (st == HN_OK && consumed) *consumed = used;
    hn__inflater_finish(z, st, out, out_len);
    return st;
}

HNDEF hn_status hn_inflate_into(const unsigned char *in, size_t in_len,
                                unsigned char *dst, size_t dst_cap,
                                size_t *out_len, size_t *consumed)
{
    hn__inflater *z;
    hn_status st;
    uint32_t sum;
    size_t used = 0;
    if (out_len) *out_len = 0;
    if (consumed) *consumed = 0;
    HN_ASSERT(dst || dst_cap == 0);
    z = hn__inflater_new(dst ? dst : (unsigned char *)&sum, dst_cap, dst_cap, 0);
    if (!z) return HN_ERR_NOMEM;
    st = hn__inflate_run(z, in, in_len, HN__CHECK_NONE, &sum, &used);
    if (st == HN_OK && consumed) *consumed = used;
    hn__inflater_finish(z, st, NULL, out_len);
    return st;
}

HNDEF hn_status hn_zlib_uncompress(const unsigned char *in, size_t in_len, size_t max_out,
                                   unsigned char **out, size_t *out_len)
{
    hn__inflater *z;
    hn_status st;
    uint32_t sum = 0, want;
    size_t used = 0;
    *out = NULL;
    *out_len = 0;

    /* RFC 1950 section 2.2: CMF (method 8, window 2^(8+CINFO) <= 32K) and
       FLG, together a multiple of 31, FDICT for a preset dictionary. */
    if (in_len < 2) return hn__fail(HN_ERR_TRUNCATED, "zlib header truncated");
    if ((in[0] & 15) != 8 || (in[0] >> 4) > 7)
        return hn__fail(HN_ERR_FORMAT, "not a zlib stream (CMF byte %x)", in[0]);
    if (((unsigned)in[0] << 8 | in[1]) % 31 != 0)
        return hn__fail(HN_ERR_FORMAT, "zlib header check fails (%x %x)", in[0], in[1]);
    if (in[1] & 0x20)
        return hn__fail(HN_ERR_UNSUPPORTED, "zlib stream needs a preset dictionary");

    z = hn__inflater_new(NULL, 0, max_out, hn__inflate_guess(in_len));
    if (!z) return HN_ERR_NOMEM;
    st = hn__inflate_run(z, in + 2, in_len - 2, HN__CHECK_ADLER32, &sum, &used);
    if (st == HN_OK) {
        size_t left = in_len - 2 - used;
        if (left < 4) {
            st = hn__fail(HN_ERR_TRUNCATED, "zlib Adler-32 trailer truncated");
        } else if ((want = hn__load_u32be(in + 2 + used)) != sum) {
            st = hn__fail(HN_ERR_CHECKSUM, "zlib Adler-32 is %x, the data gives %x",
                          want, sum);
        } else if (left > 4) {
            st = hn__fail(HN_ERR_FORMAT, "%zu bytes after the end of the zlib stream",
                          left - 4);
        }
    }
    hn__inflater_finish(z, st, out, out_len);
    return st;
}

HNDEF int hn_is_gzip(const unsigned char *in, size_t in_len)
{
    return in_len >= 2 && in[0] == 0x1f && in[1] == 0x8b;
}

/* Parse a gzip member header (RFC 1952 section 2.3); *len gets its size. */
static hn_status hn__gzip_header(const unsigned char *in, size_t in_len, size_t *len)
{
    unsigned flg;
    size_t p = 10;
    if (in_len < 10) return hn__fail(HN_ERR_TRUNCATED, "gzip header truncated");
    if (!hn_is_gzip(in, in_len))
        return hn__fail(HN_ERR_FORMAT, "not gzip data (magic %x %x)", in[0], in[1]);
    if (in[2] != 8)
        return hn__fail(HN_ERR_UNSUPPORTED, "gzip compression method %u (only 8, "
                        "deflate)", in[2]);
    flg = in[3];
    if (flg & 0xe0) return hn__fail(HN_ERR_FORMAT, "gzip reserved flags set (%x)", flg);
    if (flg & 4) { /* FEXTRA: a 2-byte length, then that many bytes */
        size_t xlen;
        if (in_len - p < 2) return hn__fail(HN_ERR_TRUNCATED, "gzip header truncated");
        xlen = hn__load_u16le(in + p);
        p += 2;
        if (in_len - p < xlen) return hn__fail(HN_ERR_TRUNCATED, "gzip header truncated");
        p += xlen;
    }
    if (flg & 8) { /* FNAME, then FCOMMENT: zero-terminated strings */
        while (p < in_len && in[p]) p++;
        if (p++ >= in_len) return hn__fail(HN_ERR_TRUNCATED, "gzip header truncated");
    }
    if (flg & 16) {
        while (p < in_len && in[p]) p++;
        if (p++ >= in_len) return hn__fail(HN_ERR_TRUNCATED, "gzip header truncated");
    }
    if (flg & 2) { /* FHCRC: the low 16 bits of the CRC-32 of the header */
        if (in_len - p < 2) return hn__fail(HN_ERR_TRUNCATED, "gzip header truncated");
        if ((hn_crc32(0, in, p) & 0xffffu) != hn__load_u16le(in + p))
            return hn__fail(HN_ERR_CHECKSUM, "gzip header CRC does not match");
        p += 2;
    }
    *len = p;
    return HN_OK;
}

HNDEF hn_status hn_gunzip(const unsigned char *in, size_t in_len, size_t max_out,
                          unsigned char **out, size_t *out_len)
{
    hn__inflater *z;
    hn_status st = HN_OK;
    size_t p = 0, hint;
    *out = NULL;
    *out_len = 0;
    if (!hn_is_gzip(in, in_len))
        return in_len < 2 ? hn__fail(HN_ERR_TRUNCATED, "gzip header truncated")
                          : hn__fail(HN_ERR_FORMAT, "not gzip data (magic %x %x)",
                                     in[0], in[1]);

    /* The last four bytes are the size of a single member mod 2^32: a good
       first guess, trusted no further than deflate's best ratio (258 bytes
       from 2 bits, about 1032:1) allows. */
    hint = in_len >= 18 ? hn__load_u32le(in + in_len - 4) : 0;
    if (in_len < ((size_t)-1) / 1032 && hint > in_len * 1032) hint = in_len * 1032;
    if (hint == 0) hint = hn__inflate_guess(in_len);
    z = hn__inflater_new(NULL, 0, max_out, hint);
    if (!z) return HN_ERR_NOMEM;

    while (st == HN_OK) {
        size_t hdr = 0, used = 0, start = z->pos;
        uint32_t crc = 0;
        if ((st = hn__gzip_header(in + p, in_len - p, &hdr)) != HN_OK) break;
        p += hdr;
        if ((st = hn__inflate_run(z, in + p, in_len - p, HN__CHECK_CRC32, &crc,
                                  &used)) != HN_OK)
            break;
        p += used;

        /* Trailer: CRC-32 and ISIZE (the size mod 2^32), little-endian. */
        if (in_len - p < 8) {
            st = hn__fail(HN_ERR_TRUNCATED, "gzip trailer truncated");
            break;
        }
        if (hn__load_u32le(in + p) != crc) {
            st = hn__fail(HN_ERR_CHECKSUM, "gzip CRC-32 is %x, the data gives %x",
                          hn__load_u32le(in + p), crc);
            break;
        }
        if (hn__load_u32le(in + p + 4) != (uint32_t)(z->pos - start)) {
            st = hn__fail(HN_ERR_CHECKSUM, "gzip ISIZE says %u bytes, the member "
                          "has %zu", hn__load_u32le(in + p + 4), z->pos - start);
            break;
        }
        p += 8;

        /* Another member, or zero padding, or the end. */
        if (p < in_len && !hn_is_gzip(in + p, in_len - p)) {
            size_t q = p;
            while (q < in_len && in[q] == 0) q++;
            if (q < in_len)
                st = hn__fail(HN_ERR_FORMAT, "%zu bytes of trailing garbage after the "
                              "gzip data", in_len - p);
            break;
        }
        if (p == in_len) break;
    }
    hn__inflater_finish(z, st, out, out_len);
    return st;
}

/* ---- end of inflate implementation ---- */

/* ========================================================================
   Data file implementation
   ======================================================================== */

/* ---- IDX ---- */

HNDEF const char *hn_idx_type_name(int type)
{
    switch (type) {
    case HN_IDX_U8: return "u8";
    case HN_IDX_I8: return "i8";
    case HN_IDX_I16: return "i16";
    case HN_IDX_I32: return "i32";
    case HN_IDX_F32: return "f32";
    case HN_IDX_F64: return "f64";
    }
    return "?";
}

static size_t hn__idx_elem_size(int type)
{
    switch (type) {
    case HN_IDX_U8: case HN_IDX_I8: return 1;
    case HN_IDX_I16: return 2;
    case HN_IDX_I32: case HN_IDX_F32: return 4;
    case HN_IDX_F64: return 8;
    }
    return 0;
}

/* Turn n big-endian elements of `size` bytes at src into host order at
   dst. dst may equal src: each element is read whole before it is
   written. Floats are IEEE 754 bit patterns in the file, copied as such. */
static void hn__idx_from_be(void *dst, const unsigned char *src, size_t n, size_t size)
{
    size_t i;
    if (size == 2) {
        for (i = 0; i < n; i++) {
            uint16_t v = (uint16_t)(src[2 * i] << 8 | src[2 * i + 1]);
            memcpy((unsigned char *)dst + 2 * i, &v, 2);
        }
    } else if (size == 4) {
        for (i = 0; i < n; i++) {
            uint32_t v = hn__load_u32be(src + 4 * i);
            memcpy((unsigned char *)dst + 4 * i, &v, 4);
        }
    } else if (size == 8) {
        for (i = 0; i < n; i++) {
            uint64_t v = (uint64_t)hn__load_u32be(src + 8 * i) << 32 |
                         hn__load_u32be(src + 8 * i + 4);
            memcpy((unsigned char *)dst + 8 * i, &v, 8);
        }
    } else if (dst != src) {
        memcpy(dst, src, n);
    }
}

/* Parse an IDX image buf[0..len). When `owned`, buf is a heap block that
   this function takes over whatever happens: the elements are converted in
   place and the block becomes x->data, so a 47 MB file never needs twice
   its size. Otherwise the elements are copied out. */
static hn_status hn__idx_parse(unsigned char *buf, size_t len, int owned, hn_idx *x)
{
    size_t hdr, es, bytes, count = 1;
    unsigned char *data;
    hn_status st = HN_OK;
    int d, ndim, type;

    memset(x, 0, sizeof *x);
    if (len < 4) {
        st = hn__fail(HN_ERR_TRUNCATED, "IDX header truncated (%zu bytes)", len);
        goto fail;
    }
    if (buf[0] || buf[1]) {
        st = hn__fail(HN_ERR_FORMAT, "not an IDX file (magic %x %x %x %x)", buf[0],
                      buf[1], buf[2], buf[3]);
        goto fail;
    }
    type = buf[2];
    if ((es = hn__idx_elem_size(type)) == 0) {
        st = hn__fail(HN_ERR_FORMAT, "unknown IDX element type %x", buf[2]);
        goto fail;
    }
    ndim = buf[3];
    if (ndim < 1 || ndim > HN_IDX_MAX_DIMS) {
        st = hn__fail(ndim ? HN_ERR_UNSUPPORTED : HN_ERR_FORMAT,
                      "IDX file has %d dimensions (1 to %d supported)", ndim,
                      HN_IDX_MAX_DIMS);
        goto fail;
    }
    hdr = 4 + 4 * (size_t)ndim;
    if (len < hdr) {
        st = hn__fail(HN_ERR_TRUNCATED, "IDX header truncated: %d dimensions need %zu "
                      "bytes, %zu present", ndim, hdr, len);
        goto fail;
    }
    for (d = 0; d < ndim; d++) {
        uint32_t v = hn__load_u32be(buf + 4 + 4 * d);
        if (v == 0) {
            st = hn__fail(HN_ERR_FORMAT, "IDX dimension %d is 0", d);
            goto fail;
        }
        if (!hn__mul_size(count, (size_t)v, &count)) {
            st = hn__fail(HN_ERR_FORMAT, "IDX dimensions overflow at dimension %d (%u)",
                          d, (unsigned)v);
            goto fail;
        }
        x->dims[d] = (size_t)v;
    }
    if (!hn__mul_size(count, es, &bytes)) {
        st = hn__fail(HN_ERR_FORMAT, "IDX data size overflows: %zu elements of %zu bytes",
                      count, es);
        goto fail;
    }
    /* Checked before any allocation: the file must hold what it claims. */
    if (len - hdr < bytes) {
        st = hn__fail(HN_ERR_TRUNCATED, "IDX data truncated: %zu elements need %zu "
                      "bytes, %zu present", count, bytes, len - hdr);
        goto fail;
    }
    if (len - hdr > bytes) {
        st = hn__fail(HN_ERR_FORMAT, "%zu bytes after the IDX data", len - hdr - bytes);
        goto fail;
    }

    if (owned) {
        data = buf;
        memmove(data, buf + hdr, bytes);
        hn__idx_from_be(data, data, count, es);
        /* Give back the header's bytes (and a gunzip's slack). */
        if (len - bytes > 4096) {
            unsigned char *p = (unsigned char *)HN_REALLOC(data, bytes ? bytes : 1);
            if (p) data = p;
        }
    } else {
        data = (unsigned char *)hn__alloc(bytes);
        if (!data) return HN_ERR_NOMEM;
        hn__idx_from_be(data, buf + hdr, count, es);
    }
    x->type = type;
    x->ndim = ndim;
    x->count = count;
    x->elem_size = es;
    x->data = data;
    hn__log(HN_LOG_INFO, "IDX %s, %d dimensions, first %zu, %zu elements",
            hn_idx_type_name(type), ndim, x->dims[0], count);
    return HN_OK;

fail:
    if (owned) HN_FREE(buf);
    memset(x, 0, sizeof *x);
    return st;
}

/* Decompress when gzipped, then parse; `owned` as for hn__idx_parse. */
static hn_status hn__idx_read(unsigned char *bytes, size_t len, int owned,
                              size_t max_bytes, hn_idx *x)
{
    memset(x, 0, sizeof *x);
    if (max_bytes == 0) max_bytes = HN_IDX_DEFAULT_MAX;
    if (hn_is_gzip(bytes, len)) {
        unsigned char *raw;
        size_t raw_len;
        hn_status st = hn_gunzip(bytes, len, max_bytes, &raw, &raw_len);
        if (owned) HN_FREE(bytes);
        if (st != HN_OK) return st;
        return hn__idx_parse(raw, raw_len, 1, x);
    }
    if (len > max_bytes) {
        if (owned) HN_FREE(bytes);
        return hn__fail(HN_ERR_LIMIT, "IDX image of %zu bytes, more than the %zu allowed",
                        len, max_bytes);
    }
    return hn__idx_parse(bytes, len, owned, x);
}

HNDEF hn_status hn_idx_read_mem(const unsigned char *bytes, size_t len, size_t max_bytes,
                                hn_idx *x)
{
    /* Not owned: read only, despite the cast. */
    return hn__idx_read((unsigned char *)(uintptr_t)bytes, len, 0, max_bytes, x);
}

#ifndef HN_NO_STDIO
HNDEF hn_status hn_idx_read_file(const char *path, size_t max_bytes, hn_idx *x)
{
    unsigned char *bytes;
    size_t len, file_max;
    hn_status st;
    memset(x, 0, sizeof *x);
    if (max_bytes == 0) max_bytes = HN_IDX_DEFAULT_MAX;
    /* A gzip of incompressible data is a little larger than the data. */
    file_max = max_bytes + HN__MIN(max_bytes / 64 + 4096, (size_t)-1 - max_bytes);
    if ((st = hn_read_file(path, file_max, &bytes, &len)) != HN_OK) return st;
    st = hn__idx_read(bytes, len, 1, max_bytes, x);
    if (st == HN_OK) hn__log(HN_LOG_INFO, "read %s", path);
    return st;
}
#endif

HNDEF void hn_idx_free(hn_idx *x)
{
    HN_FREE(x->data);
    memset(x, 0, sizeof *x);
}

static hn_status hn__idx_range(const hn_idx *x, size_t first, size_t n)
{
    if (n > x->count || first > x->count - n)
        return hn__fail(HN_ERR_ARG, "IDX elements %zu..%zu requested, %zu present", first,
                        first + n, x->count);
    return HN_OK;
}

HNDEF hn_status hn_idx_to_float(const hn_idx *x, size_t first, size_t n, float scale,
                                float *dst)
{
    size_t i;
    hn_status st = hn__idx_range(x, first, n);
    if (st != HN_OK) return st;
    switch (x->type) {
    case HN_IDX_U8: {
        const uint8_t *s = (const uint8_t *)x->data + first;
        for (i = 0; i < n; i++) dst[i] = (float)s[i] * scale;
        break;
    }
    case HN_IDX_I8: {
        const int8_t *s = (const int8_t *)x->data + first;
        for (i = 0; i < n; i++) dst[i] = (float)s[i] * scale;
        break;
    }
    case HN_IDX_I16: {
        const int16_t *s = (const int16_t *)x->data + first;
        for (i = 0; i < n; i++) dst[i] = (float)s[i] * scale;
        break;
    }
    case HN_IDX_I32: {
        const int32_t *s = (const int32_t *)x->data + first;
        for (i = 0; i < n; i++) dst[i] = (float)s[i] * scale;
        break;
    }
    case HN_IDX_F32: {
        const float *s = (const float *)x->data + first;
        for (i = 0; i < n; i++) dst[i] = s[i] * scale;
        break;
    }
    case HN_IDX_F64: {
        const double *s = (const double *)x->data + first;
        for (i = 0; i < n; i++) dst[i] = (float)(s[i] * scale);
        break;
    }
    default: return hn__fail(HN_ERR_ARG, "IDX struct has element type %x", x->type);
    }
    return HN_OK;
}

HNDEF hn_status hn_idx_to_int(const hn_idx *x, size_t first, size_t n, int *dst)
{
    size_t i;
    hn_status st = hn__idx_range(x, first, n);
    if (st != HN_OK) return st;
    for (i = 0; i < n; i++) {
        double v;
        switch (x->type) {
        case HN_IDX_U8: v = ((const uint8_t *)x->data)[first + i]; break;
        case HN_IDX_I8: v = ((const int8_t *)x->data)[first + i]; break;
        case HN_IDX_I16: v = ((const int16_t *)x->data)[first + i]; break;
        case HN_IDX_I32: v = ((const int32_t *)x->data)[first + i]; break;
        case HN_IDX_F32: v = ((const float *)x->data)[first + i]; break;
        case HN_IDX_F64: v = ((const double *)x->data)[first + i]; break;
        default: return hn__fail(HN_ERR_ARG, "IDX struct has element type %x", x->type);
        }
        /* Written so that NaN fails too. */
        if (!(v >= (double)INT_MIN && v <= (double)INT_MAX && v == (double)(long)v))
            return hn__fail(HN_ERR_FORMAT, "IDX element %zu is not an int", first + i);
        dst[i] = (int)v;
    }
    return HN_OK;
}

HNDEF hn_status hn_idx_to_tensor(const hn_idx *x, float scale, hn_tensor *t)
{
    int shape[HN_MAX_DIMS], d;
    hn_status st;
    memset(t, 0, sizeof *t);
    if (x->ndim < 1 || x->ndim > HN_MAX_DIMS)
        return hn__fail(HN_ERR_SHAPE, "IDX image has %d dimensions, a tensor at most %d",
                        x->ndim, HN_MAX_DIMS);
    for (d = 0; d < x->ndim; d++) {
        if (x->dims[d] > (size_t)INT_MAX)
            return hn__fail(HN_ERR_SHAPE, "IDX dimension %d (%zu) is too large for a "
                            "tensor", d, x->dims[d]);
        shape[d] = (int)x->dims[d];
    }
    if ((st = hn_tensor_alloc(t, x->ndim, shape)) != HN_OK) return st;
    if ((st = hn_idx_to_float(x, 0, x->count, scale, t->data)) != HN_OK)
        hn_tensor_free(t);
    return st;
}

/* ---- end of IDX implementation ---- */

/* ---- CIFAR-10 binary batches ---- */

/* If data is a gzip stream, inflate it (at most max_bytes) into *owned and
   point *p, *len at the result; otherwise leave them alone. */
static hn_status hn__maybe_gunzip(const unsigned char **p, size_t *len, size_t max_bytes,
                                  unsigned char **owned)
{
    size_t out_len;
    hn_status s;
    *owned = NULL;
    if (!hn_is_gzip(*p, *len)) return HN_OK;
    s = hn_gunzip(*p, *len, max_bytes, owned, &out_len);
    if (s != HN_OK) return s;
    *p = *owned;
    *len = out_len;
    return HN_OK;
}

HNDEF hn_status hn_cifar10_parse(const void *data, size_t len, size_t max_bytes,
                                 float scale, float **images, int **labels, int *n)
{
    const unsigned char *p = (const unsigned char *)data;
    unsigned char *owned;
    size_t count, i, j;
    hn_status s;
    *images = NULL;
    *labels = NULL;
    *n = 0;
    s = hn__maybe_gunzip(&p, &len, max_bytes, &owned);
    if (s != HN_OK) return s;
    if (len > max_bytes) {
        s = hn__fail(HN_ERR_LIMIT, "CIFAR-10 data is %zu bytes, more than the %zu allowed",
                     len, max_bytes);
        goto done;
    }
    count = len / HN_CIFAR_RECORD_BYTES;
    if (count == 0 || len % HN_CIFAR_RECORD_BYTES != 0) {
        s = hn__fail(HN_ERR_FORMAT, "CIFAR-10 data is %zu bytes: not a whole number of "
                     "%d-byte records (%zu whole, %zu bytes over)", len,
                     HN_CIFAR_RECORD_BYTES, count, len % HN_CIFAR_RECORD_BYTES);
        goto done;
    }
    if (count > (size_t)INT_MAX) {
        s = hn__fail(HN_ERR_LIMIT, "CIFAR-10 data holds %zu records, too many", count);
        goto done;
    }
    for (i = 0; i < count; i++) {
        unsigned lab = p[i * HN_CIFAR_RECORD_BYTES];
        if (lab > 9) {
            s = hn__fail(HN_ERR_FORMAT, "CIFAR-10 record %zu has label %u, not 0..9",
                         i, lab);
            goto done;
        }
    }
    *images = (float *)hn__calloc(count * (HN_CIFAR_RECORD_BYTES - 1), sizeof(float));
    *labels = (int *)hn__calloc(count, sizeof(int));
    if (!*images || !*labels) {
        HN_FREE(*images);
        HN_FREE(*labels);
        *images = NULL;
        *labels = NULL;
        s = HN_ERR_NOMEM;
        goto done;
    }
    /* The record's planes are already (3, 32, 32) row-major. */
    for (i = 0; i < count; i++) {
        const unsigned char *rec = p + i * HN_CIFAR_RECORD_BYTES;
        float *img = *images + i * (HN_CIFAR_RECORD_BYTES - 1);
        (*labels)[i] = rec[0];
        for (j = 0; j < HN_CIFAR_RECORD_BYTES - 1; j++) img[j] = rec[1 + j] * scale;
    }
    *n = (int)count;
    hn__log(HN_LOG_INFO, "CIFAR-10: %zu records", count);
done:
    HN_FREE(owned);
    return s;
}

#ifndef HN_NO_STDIO
HNDEF hn_status hn_cifar10_load(const char *path, size_t max_bytes, float scale,
                                float **images, int **labels, int *n)
{
    unsigned char *buf;
    size_t len;
    hn_status s;
    *images = NULL;
    *labels = NULL;
    *n = 0;
    s = hn_read_file(path, max_bytes, &buf, &len);
    if (s != HN_OK) return s;
    s = hn_cifar10_parse(buf, len, max_bytes, scale, images, labels, n);
    HN_FREE(buf);
    return s;
}
#endif

/* ---- MATLAB level-5 MAT-files ----

   FILE FORMAT (MathWorks, "MAT-File Format", level 5):

      128-byte header: 116 bytes of text ("MATLAB 5.0 MAT-file, ..."),
        8 bytes subsystem offset, a 16-bit version (0x0100; 0x0200 marks a
        v7.3 file, which is HDF5 behind this header) and the two characters
        'M' 'I' written as one 16-bit integer: "IM" on disk for a
        little-endian writer, "MI" for a big-endian one. Every number after
        it is in the writer's byte order.
      Then data elements. Each starts with an 8-byte tag, u32 type and u32
        byte count, and its data padded to a multiple of 8; or, when the
        count fits in 4 bytes, the "small element" form: one u32 with the
        count in its upper 16 bits and the type in its lower 16, the data
        in the next 4 bytes. Top-level elements are miMATRIX (14), one per
        variable, or miCOMPRESSED (15), a zlib stream (RFC 1950) that
        inflates to one miMATRIX element (and is not padded).
      An miMATRIX holds sub-elements: array flags (miUINT32 x 2: class in
        the low byte, complex 0x800, global 0x400, logical 0x200; nzmax),
        dimensions (miINT32 x ndim), the name (miINT8), then the real part
        and, when complex, the imaginary part; sparse, cell and struct
        arrays go on differently and are only listed here.

   Level 4 files have no such header: they start with a 20-byte matrix
   header whose first word (MOPT) holds zero bytes, which the text of a
   level-5 header never does. */

enum {
    HN__MI_INT8 = 1, HN__MI_UINT8 = 2, HN__MI_INT16 = 3, HN__MI_UINT16 = 4,
    HN__MI_INT32 = 5, HN__MI_UINT32 = 6, HN__MI_SINGLE = 7, HN__MI_DOUBLE = 9,
    HN__MI_INT64 = 12, HN__MI_UINT64 = 13, HN__MI_MATRIX = 14,
    HN__MI_COMPRESSED = 15, HN__MI_UTF8 = 16, HN__MI_UTF16 = 17, HN__MI_UTF32 = 18
};

/* One data element: its type, and its data inside the buffer. */
typedef struct hn__mat_elem {
    uint32_t type;
    size_t len;
    const unsigned char *data;
} hn__mat_elem;

static uint32_t hn__mat_u32(const hn_mat *m, const unsigned char *p)
{
    return m->big_endian ? hn__load_u32be(p) : hn__load_u32le(p);
}

/* Read the tag at p, with left bytes from p to the end of the enclosing
   element; *used gets the bytes the element takes, padding included. */
static hn_status hn__mat_tag(const hn_mat *m, const unsigned char *p, size_t left,
                             int pad, hn__mat_elem *e, size_t *used)
{
    uint32_t first;
    if (left < 8)
        return hn__fail(HN_ERR_TRUNCATED, "MAT-file: element tag cut off (%zu bytes left)",
                        left);
    first = hn__mat_u32(m, p);
    if (first >> 16) {
        e->type = first & 0xffffu;
        e->len = first >> 16;
        if (e->len > 4)
            return hn__fail(HN_ERR_FORMAT, "MAT-file: small element of type %u claims "
                            "%zu bytes, at most 4 fit", (unsigned)e->type, e->len);
        e->data = p + 4;
        *used = 8;
        return HN_OK;
    }
    e->type = first;
    e->len = hn__mat_u32(m, p + 4);
    if (e->len > left - 8)
        return hn__fail(HN_ERR_TRUNCATED, "MAT-file: element of type %u claims %zu bytes, "
                        "only %zu are left", (unsigned)e->type, e->len, left - 8);
    e->data = p + 8;
    *used = 8 + e->len;
    /* The last element of a writer that skipped its padding is accepted. */
    if (pad && e->len % 8) *used = HN__MIN(left, *used + 8 - e->len % 8);
    return HN_OK;
}

static uint64_t hn__mat_load(int big_endian, const unsigned char *p, size_t size);

static hn_status hn__mat_header(hn_mat *m)
{
    const unsigned char *p = m->data;
    unsigned version;
    if (m->len >= 8 && memcmp(p, "\211HDF\r\n\032\n", 8) == 0)
        return hn__fail(HN_ERR_UNSUPPORTED, "an HDF5 file (MATLAB v7.3?): only level-5 "
                        "MAT-files (saved with -v6 or -v7) are read");
    if (m->len >= 4 && (!p[0] || !p[1] || !p[2] || !p[3]))
        return hn__fail(HN_ERR_UNSUPPORTED, "a MATLAB level-4 (v4) MAT-file: only "
                        "level-5 files (saved with -v6 or -v7) are read");
    if (m->len < 128)
        return hn__fail(HN_ERR_TRUNCATED, "MAT-file: %zu bytes, shorter than its "
                        "128-byte header", m->len);
    if (p[126] == 'I' && p[127] == 'M')
        m->big_endian = 0;
    else if (p[126] == 'M' && p[127] == 'I')
        m->big_endian = 1;
    else
        return hn__fail(HN_ERR_FORMAT, "not a MAT-file: no 'MI' byte-order mark at "
                        "offset 126");
    version = m->big_endian ? (unsigned)p[124] << 8 | p[125]
                            : (unsigned)p[125] << 8 | p[124];
    if (version == 0x0200)
        return hn__fail(HN_ERR_UNSUPPORTED, "a MATLAB v7.3 MAT-file (HDF5): only "
                        "level-5 files (saved with -v6 or -v7) are read");
    if (version != 0x0100)
        return hn__fail(HN_ERR_UNSUPPORTED, "MAT-file version 0x%x, only 0x100 "
                        "(level 5) is read", version);
    memcpy(m->text, p, 116);
    m->text[116] = '\0';
    /* MATLAB keeps class definitions of objects in one more miMATRIX, the
       subsystem data, which is not a variable: remember where it is so the
       walk skips it. All zeros or all spaces mean there is none. */
    {
        uint64_t sub = hn__mat_load(m->big_endian, p + 116, 8);
        if (sub != UINT64_C(0x2020202020202020) && sub >= 128 && sub < m->len)
            m->subsys = (size_t)sub;
    }
    return HN_OK;
}

HNDEF hn_status hn_mat_open_mem(hn_mat *m, const void *data, size_t len,
                                size_t max_inflate)
{
    hn_status s;
    memset(m, 0, sizeof *m);
    m->data = (const unsigned char *)data;
    m->len = len;
    m->max_inflate = max_inflate;
    m->pos = 128;
    s = hn__mat_header(m);
    if (s != HN_OK) memset(m, 0, sizeof *m);
    return s;
}

#ifndef HN_NO_STDIO
HNDEF hn_status hn_mat_open_file(hn_mat *m, const char *path, size_t max_file,
                                 size_t max_inflate)
{
    unsigned char *buf;
    size_t len;
    hn_status s;
    memset(m, 0, sizeof *m);
    s = hn_read_file(path, max_file, &buf, &len);
    if (s != HN_OK) return s;
    s = hn_mat_open_mem(m, buf, len, max_inflate);
    if (s != HN_OK) {
        HN_FREE(buf);
        return s;
    }
    m->owned = buf;
    return HN_OK;
}
#endif

HNDEF void hn_mat_close(hn_mat *m)
{
    HN_FREE(m->owned);
    HN_FREE(m->cur);
    memset(m, 0, sizeof *m);
}

HNDEF void hn_mat_rewind(hn_mat *m) { m->pos = 128; }

/* Parse the flags, dimensions and name of an miMATRIX element's data;
   *rest and *rest_len get what follows them (the array's data). */
static hn_status hn__mat_matrix(const hn_mat *m, const unsigned char *p, size_t len,
                                hn_mat_var *v, const unsigned char **rest,
                                size_t *rest_len)
{
    hn__mat_elem e;
    size_t used, i;
    uint32_t f;
    hn_status s;

    /* Array flags. */
    s = hn__mat_tag(m, p, len, 1, &e, &used);
    if (s != HN_OK) return s;
    if (e.type != HN__MI_UINT32 || e.len != 8)
        return hn__fail(HN_ERR_FORMAT, "MAT-file: array flags are type %u of %zu "
                        "bytes, not 8 bytes of miUINT32", (unsigned)e.type, e.len);
    f = hn__mat_u32(m, e.data);
    v->cls = (hn_mat_class)(f & 0xffu);
    v->flags = (int)(f >> 8 & 0x0eu);
    if (v->cls < HN_MAT_CELL || v->cls > HN_MAT_OPAQUE)
        return hn__fail(HN_ERR_FORMAT, "MAT-file: unknown array class %u",
                        (unsigned)(f & 0xffu));
    p += used;
    len -= used;

    /* Opaque objects (strings, tables, ...) carry no dimensions here. */
    if (v->cls == HN_MAT_OPAQUE) {
        v->ndim = 0;
        v->numel = 0;
    } else {
        s = hn__mat_tag(m, p, len, 1, &e, &used);
        if (s != HN_OK) return s;
        /* miUINT32 is what some writers use; negative values still fail. */
        if ((e.type != HN__MI_INT32 && e.type != HN__MI_UINT32) || e.len % 4 || e.len < 4)
            return hn__fail(HN_ERR_FORMAT, "MAT-file: dimensions are type %u of %zu "
                            "bytes, not miINT32", (unsigned)e.type, e.len);
        if (e.len / 4 > HN_MAT_MAX_DIMS)
            return hn__fail(HN_ERR_UNSUPPORTED, "MAT-file: array of %zu dimensions, "
                            "at most %d are read", e.len / 4, HN_MAT_MAX_DIMS);
        v->ndim = (int)(e.len / 4);
        v->numel = 1;
        for (i = 0; i < (size_t)v->ndim; i++) {
            uint32_t d = hn__mat_u32(m, e.data + 4 * i);
            if (d > 0x7fffffffu)
                return hn__fail(HN_ERR_FORMAT, "MAT-file: dimension %zu is negative", i);
            v->dims[i] = d;
            if (!hn__mul_size(v->numel, d, &v->numel))
                return hn__fail(HN_ERR_LIMIT, "MAT-file: the product of the dimensions "
                                "overflows");
        }
        p += used;
        len -= used;
    }

    /* Name. */
    s = hn__mat_tag(m, p, len, 1, &e, &used);
    if (s != HN_OK) return s;
    if (e.type != HN__MI_INT8 && e.type != HN__MI_UINT8 && e.type != HN__MI_UTF8)
        return hn__fail(HN_ERR_FORMAT, "MAT-file: array name of type %u, not miINT8",
                        (unsigned)e.type);
    if (e.len >= HN_MAT_NAME_MAX)
        return hn__fail(HN_ERR_UNSUPPORTED, "MAT-file: variable name of %zu bytes, at "
                        "most %d are read", e.len, HN_MAT_NAME_MAX - 1);
    /* MATLAB names are ASCII identifiers; a NUL ends one early. */
    for (i = 0; i < e.len; i++)
        if (e.data[i] >= 0x80)
            return hn__fail(HN_ERR_FORMAT, "MAT-file: variable name is not ASCII");
    memcpy(v->name, e.data, e.len);
    v->name[e.len] = '\0';
    *rest = p + used;
    *rest_len = len - used;
    return HN_OK;
}

/* Make m->cur the inflated contents of the compressed element whose tag is
   at file offset off. */
static hn_status hn__mat_inflate(hn_mat *m, size_t off, const hn__mat_elem *e)
{
    hn_status s;
    if (m->cur && m->cur_offset == off) return HN_OK;
    HN_FREE(m->cur);
    m->cur = NULL;
    s = hn_zlib_uncompress(e->data, e->len, m->max_inflate, &m->cur, &m->cur_len);
    if (s != HN_OK) {
        char why[HN__ERR_MAX];
        memcpy(why, hn__err_msg, sizeof why);
        m->cur = NULL;
        return hn__fail(s, "MAT-file: the compressed variable at offset %zu does not "
                        "inflate: %s", off, why);
    }
    m->cur_offset = off;
    return HN_OK;
}

/* Locate the miMATRIX data of the variable whose top-level element starts
   at offset off (inflating it when compressed) and parse its header. */
static hn_status hn__mat_locate(hn_mat *m, size_t off, hn_mat_var *v,
                                const unsigned char **rest, size_t *rest_len)
{
    hn__mat_elem e;
    size_t used;
    hn_status s = hn__mat_tag(m, m->data + off, m->len - off, 0, &e, &used);
    if (s != HN_OK) return s;
    memset(v, 0, sizeof *v);
    v->offset = off;
    if (e.type == HN__MI_COMPRESSED) {
        v->compressed = 1;
        s = hn__mat_inflate(m, off, &e);
        if (s != HN_OK) return s;
        /* Exactly one miMATRIX inside; no compression within compression. */
        s = hn__mat_tag(m, m->cur, m->cur_len, 0, &e, &used);
        if (s != HN_OK) return s;
        if (e.type != HN__MI_MATRIX)
            return hn__fail(HN_ERR_FORMAT, "MAT-file: compressed element holds type %u, "
                            "not miMATRIX", (unsigned)e.type);
    }
    return hn__mat_matrix(m, e.data, e.len, v, rest, rest_len);
}

HNDEF int hn_mat_next(hn_mat *m, hn_mat_var *v)
{
    const unsigned char *rest;
    size_t rest_len;
    while (m->pos < m->len) {
        hn__mat_elem e;
        size_t off = m->pos, used;
        if (hn__mat_tag(m, m->data + off, m->len - off, 0, &e, &used) != HN_OK) {
            m->pos = m->len;
            return -1;
        }
        /* miMATRIX data is whole 8-byte words; a compressed element is not
           padded; anything else is skipped with its padding. */
        m->pos = off + used;
        if ((e.type != HN__MI_MATRIX && e.type != HN__MI_COMPRESSED) || off == m->subsys) {
            if (e.len % 8) m->pos = HN__MIN(m->len, m->pos + 8 - e.len % 8);
            continue;
        }
        if (hn__mat_locate(m, off, v, &rest, &rest_len) != HN_OK) {
            m->pos = m->len;
            return -1;
        }
        return 1;
    }
    return 0;
}

HNDEF hn_status hn_mat_find(hn_mat *m, const char *name, hn_mat_var *v)
{
    int r;
    hn_mat_rewind(m);
    while ((r = hn_mat_next(m, v)) == 1)
        if (strcmp(v->name, name) == 0) return HN_OK;
    if (r < 0) return hn__err_status;
    return hn__fail(HN_ERR_NOT_FOUND, "MAT-file has no variable '%s'", name);
}

/* Bytes of one stored element of an mi type, 0 for types that are not
   numbers (UTF-8 counts as 1: its bytes are decoded separately). */
static size_t hn__mi_size(uint32_t type)
{
    switch (type) {
    case HN__MI_INT8: case HN__MI_UINT8: case HN__MI_UTF8: return 1;
    case HN__MI_INT16: case HN__MI_UINT16: case HN__MI_UTF16: return 2;
    case HN__MI_INT32: case HN__MI_UINT32: case HN__MI_SINGLE: case HN__MI_UTF32:
        return 4;
    case HN__MI_DOUBLE: case HN__MI_INT64: case HN__MI_UINT64: return 8;
    }
    return 0;
}

/* The mi type that holds a class's elements exactly; 0 if none. */
static uint32_t hn__mat_class_mi(hn_mat_class cls)
{
    switch (cls) {
    case HN_MAT_DOUBLE: return HN__MI_DOUBLE;
    case HN_MAT_SINGLE: return HN__MI_SINGLE;
    case HN_MAT_INT8: return HN__MI_INT8;
    case HN_MAT_UINT8: return HN__MI_UINT8;
    case HN_MAT_INT16: return HN__MI_INT16;
    case HN_MAT_UINT16: case HN_MAT_CHAR: return HN__MI_UINT16;
    case HN_MAT_INT32: return HN__MI_INT32;
    case HN_MAT_UINT32: return HN__MI_UINT32;
    case HN_MAT_INT64: return HN__MI_INT64;
    case HN_MAT_UINT64: return HN__MI_UINT64;
    default: return 0;
    }
}

/* A stored number: a float, a signed or an unsigned integer. */
typedef struct hn__num {
    int kind;           /* 0 signed, 1 unsigned, 2 floating */
    int64_t i;
    uint64_t u;
    double d;
} hn__num;

static uint64_t hn__mat_load(int big_endian, const unsigned char *p, size_t size)
{
    uint64_t v = 0;
    size_t k;
    for (k = 0; k < size; k++)
        v |= (uint64_t)p[big_endian ? size - 1 - k : k] << (8 * k);
    return v;
}

static hn__num hn__mat_num(int big_endian, const unsigned char *p, uint32_t type)
{
    hn__num n;
    uint64_t raw = hn__mat_load(big_endian, p, hn__mi_size(type));
    n.kind = 0;
    n.i = 0;
    n.u = raw;
    n.d = 0.0;
    switch (type) {
    case HN__MI_INT8: n.i = (int8_t)(uint8_t)raw; break;
    case HN__MI_INT16: n.i = (int16_t)(uint16_t)raw; break;
    case HN__MI_INT32: n.i = (int32_t)(uint32_t)raw; break;
    case HN__MI_INT64: n.i = (int64_t)raw; break;
    case HN__MI_SINGLE: {
        uint32_t b = (uint32_t)raw;
        float f;
        memcpy(&f, &b, 4);
        n.kind = 2;
        n.d = f;
        break;
    }
    case HN__MI_DOUBLE: n.kind = 2; memcpy(&n.d, &raw, 8); break;
    default: n.kind = 1; break;
    }
    return n;
}

static double hn__num_double(hn__num n)
{
    return n.kind == 2 ? n.d : n.kind == 0 ? (double)n.i : (double)n.u;
}

/* Saturating conversions: out-of-range values and NaN from a hostile file
   must not reach C's undefined float-to-integer casts. */
static int64_t hn__num_i64(hn__num n, int64_t lo, int64_t hi)
{
    if (n.kind == 2) {
        if (!(n.d == n.d)) return 0;
        if (n.d <= (double)lo) return lo;
        if (n.d >= (double)hi) return hi;
        return (int64_t)n.d;
    }
    if (n.kind == 1) return n.u > (uint64_t)hi ? hi : (int64_t)n.u;
    return n.i < lo ? lo : n.i > hi ? hi : n.i;
}

static uint64_t hn__num_u64(hn__num n, uint64_t hi)
{
    if (n.kind == 2) {
        if (!(n.d > 0.0)) return 0;
        if (n.d >= (double)hi) return hi;
        return (uint64_t)n.d;
    }
    if (n.kind == 0) return n.i < 0 ? 0 : (uint64_t)n.i > hi ? hi : (uint64_t)n.i;
    return n.u > hi ? hi : n.u;
}

static void hn__mat_store(hn_mat_class cls, void *dst, size_t i, hn__num n)
{
    switch (cls) {
    case HN_MAT_DOUBLE: ((double *)dst)[i] = hn__num_double(n); break;
    case HN_MAT_SINGLE: {
        double d = hn__num_double(n);
        if (d > FLT_MAX) d = HUGE_VAL;
        if (d < -FLT_MAX) d = -HUGE_VAL;
        ((float *)dst)[i] = (float)d;
        break;
    }
    case HN_MAT_INT8: ((int8_t *)dst)[i] = (int8_t)hn__num_i64(n, INT8_MIN, INT8_MAX); break;
    case HN_MAT_UINT8: ((uint8_t *)dst)[i] = (uint8_t)hn__num_u64(n, UINT8_MAX); break;
    case HN_MAT_INT16:
        ((int16_t *)dst)[i] = (int16_t)hn__num_i64(n, INT16_MIN, INT16_MAX);
        break;
    case HN_MAT_UINT16: case HN_MAT_CHAR:
        ((uint16_t *)dst)[i] = (uint16_t)hn__num_u64(n, UINT16_MAX);
        break;
    case HN_MAT_INT32:
        ((int32_t *)dst)[i] = (int32_t)hn__num_i64(n, INT32_MIN, INT32_MAX);
        break;
    case HN_MAT_UINT32: ((uint32_t *)dst)[i] = (uint32_t)hn__num_u64(n, UINT32_MAX); break;
    case HN_MAT_INT64: ((int64_t *)dst)[i] = hn__num_i64(n, INT64_MIN, INT64_MAX); break;
    case HN_MAT_UINT64: ((uint64_t *)dst)[i] = hn__num_u64(n, UINT64_MAX); break;
    default: break;
    }
}

/* UTF-8 text into numel UTF-16 code units (MATLAB's char); a code point
   past U+FFFF becomes a surrogate pair, and a byte that does not start a
   valid sequence becomes U+FFFD, as most decoders do. */
static hn_status hn__mat_utf8(const unsigned char *p, size_t len, uint16_t *out,
                              size_t numel, const char *name)
{
    size_t i = 0, k = 0;
    while (i < len) {
        uint32_t c = p[i];
        int more = c < 0x80 ? 0 : c >= 0xf8 ? -1 : c >= 0xf0 ? 3 : c >= 0xe0 ? 2
                 : c >= 0xc0 ? 1 : -1;
        int j;
        if (more < 0 || (size_t)more >= len - i) more = -1;
        else c &= more ? 0x3fu >> more : 0x7fu;
        for (j = 1; j <= more; j++) {
            if ((p[i + j] & 0xc0) != 0x80) more = -1;
            else c = c << 6 | (p[i + j] & 0x3fu);
        }
        if (more < 0 || c > 0x10ffff) {
            c = 0xfffd;
            more = 0;
        }
        i += (size_t)more + 1;
        if (k + (c > 0xffff) >= numel) break;
        if (c > 0xffff) {
            out[k++] = (uint16_t)(0xd800 + ((c - 0x10000) >> 10));
            c = 0xdc00 + ((c - 0x10000) & 0x3ffu);
        }
        out[k++] = (uint16_t)c;
    }
    if (i == len && k == numel) return HN_OK;
    return hn__fail(HN_ERR_FORMAT, "MAT-file: char variable '%s' has %zu elements, "
                    "its UTF-8 text decodes to another count", name, numel);
}

static int hn__host_big_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 0;
}

HNDEF hn_status hn_mat_read_var(hn_mat *m, const hn_mat_var *want, hn_mat_array *a)
{
    hn_mat_var v;
    const unsigned char *rest;
    size_t rest_len, used, size, i, bytes;
    hn__mat_elem e;
    hn_status s;
    uint32_t exact;

    memset(a, 0, sizeof *a);
    if (want->offset < 128 || want->offset >= m->len)
        return hn__fail(HN_ERR_ARG, "MAT-file: no variable at offset %zu", want->offset);
    s = hn__mat_locate(m, want->offset, &v, &rest, &rest_len);
    if (s != HN_OK) return s;

    /* What this reader reads: real, full numeric, logical and char arrays.
       NOTE: cell, struct, object, sparse and complex arrays are listed but
       not read; a compressed variable is held twice while it is read (the
       inflated element and the array). */
    exact = hn__mat_class_mi(v.cls);
    if (!exact)
        return hn__fail(HN_ERR_UNSUPPORTED, "MAT-file: variable '%s' is a %s array, "
                        "which is listed but not read", v.name,
                        hn_mat_class_name(v.cls, v.flags));
    if (v.flags & HN_MAT_COMPLEX)
        return hn__fail(HN_ERR_UNSUPPORTED, "MAT-file: variable '%s' is complex; only "
                        "real arrays are read", v.name);

    if (v.numel == 0 && rest_len == 0) {
        /* An empty array may carry no data element at all. */
        e.type = exact;
        e.len = 0;
        e.data = rest;
    } else {
        s = hn__mat_tag(m, rest, rest_len, 1, &e, &used);
        if (s != HN_OK) return s;
    }
    size = hn__mi_size(e.type);
    if (!size)
        return hn__fail(HN_ERR_FORMAT, "MAT-file: variable '%s' stores its data as type "
                        "%u, not a number type", v.name, (unsigned)e.type);
    /* UTF-8 needs at least one byte per character, so its length bounds
       the array before anything is allocated, as the others' does. */
    if (e.type == HN__MI_UTF8 ? v.cls != HN_MAT_CHAR || v.numel > e.len
                              : e.len % size != 0 || e.len / size != v.numel)
        return hn__fail(HN_ERR_FORMAT, "MAT-file: variable '%s' has %zu elements but "
                        "its data element holds %zu bytes of %zu-byte values", v.name,
                        v.numel, e.len, size);

    a->elem_size = hn__mi_size(exact);
    if (!hn__mul_size(v.numel, a->elem_size, &bytes))
        return hn__fail(HN_ERR_LIMIT, "MAT-file: variable '%s' is too large", v.name);
    a->data = hn__alloc(bytes);
    if (!a->data) return HN_ERR_NOMEM;
    a->cls = v.cls;
    a->flags = v.flags;
    a->ndim = v.ndim;
    memcpy(a->dims, v.dims, sizeof a->dims);
    a->numel = v.numel;

    /* Convert the stored type to the class's; copy when they agree. */
    if (e.type == HN__MI_UTF8) {
        s = hn__mat_utf8(e.data, e.len, (uint16_t *)a->data, v.numel, v.name);
    } else if (e.type == exact && m->big_endian == hn__host_big_endian()) {
        if (bytes) memcpy(a->data, e.data, bytes);
    } else {
        /* UTF-16 and UTF-32 text converts as plain code units. */
        uint32_t t = e.type == HN__MI_UTF16 ? (uint32_t)HN__MI_UINT16
                   : e.type == HN__MI_UTF32 ? (uint32_t)HN__MI_UINT32 : e.type;
        for (i = 0; i < v.numel; i++)
            hn__mat_store(v.cls, a->data, i, hn__mat_num(m->big_endian,
                                                         e.data + i * size, t));
    }
    if (s != HN_OK) hn_mat_array_free(a);
    return s;
}

HNDEF hn_status hn_mat_read(hn_mat *m, const char *name, hn_mat_array *a)
{
    hn_mat_var v;
    hn_status s;
    memset(a, 0, sizeof *a);
    s = hn_mat_find(m, name, &v);
    if (s != HN_OK) return s;
    return hn_mat_read_var(m, &v, a);
}

HNDEF void hn_mat_array_free(hn_mat_array *a)
{
    HN_FREE(a->data);
    memset(a, 0, sizeof *a);
}

HNDEF double hn_mat_get(const hn_mat_array *a, size_t i)
{
    HN_ASSERT(i < a->numel);
    switch (a->cls) {
    case HN_MAT_DOUBLE: return ((const double *)a->data)[i];
    case HN_MAT_SINGLE: return ((const float *)a->data)[i];
    case HN_MAT_INT8: return ((const int8_t *)a->data)[i];
    case HN_MAT_UINT8: return ((const uint8_t *)a->data)[i];
    case HN_MAT_INT16: return ((const int16_t *)a->data)[i];
    case HN_MAT_UINT16: case HN_MAT_CHAR: return ((const uint16_t *)a->data)[i];
    case HN_MAT_INT32: return ((const int32_t *)a->data)[i];
    case HN_MAT_UINT32: return ((const uint32_t *)a->data)[i];
    case HN_MAT_INT64: return (double)((const int64_t *)a->data)[i];
    case HN_MAT_UINT64: return (double)((const uint64_t *)a->data)[i];
    default: return 0.0;
    }
}

HNDEF void hn_mat_to_float(const hn_mat_array *a, float scale, float *out)
{
    size_t i;
    if (a->cls == HN_MAT_UINT8) {
        const uint8_t *p = (const uint8_t *)a->data;
        for (i = 0; i < a->numel; i++) out[i] = p[i] * scale;
        return;
    }
    for (i = 0; i < a->numel; i++) out[i] = (float)(hn_mat_get(a, i) * scale);
}

HNDEF const char *hn_mat_class_name(hn_mat_class cls, int flags)
{
    static const char *const names[] = {
        "unknown", "cell", "struct", "object", "char", "sparse", "double", "single",
        "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64",
        "function_handle", "opaque"
    };
    if (cls == HN_MAT_UINT8 && (flags & HN_MAT_LOGICAL)) return "logical";
    if ((unsigned)cls > HN_MAT_OPAQUE) return "unknown";
    return names[cls];
}

HNDEF hn_status hn_svhn_convert(const hn_mat_array *x, const hn_mat_array *y,
                                float scale, float *images, int *labels)
{
    size_t n, i, r, c, ch;
    const uint8_t *px = (const uint8_t *)x->data;
    if (x->cls != HN_MAT_UINT8 || x->ndim != 4 || x->dims[0] != 32 || x->dims[1] != 32
        || x->dims[2] != 3)
        return hn__fail(HN_ERR_SHAPE, "SVHN: X must be uint8 32x32x3xN");
    n = x->dims[3];
    if (y->numel != n || !hn__mat_class_mi(y->cls) || y->cls == HN_MAT_CHAR)
        return hn__fail(HN_ERR_SHAPE, "SVHN: y must hold N = %zu numbers, it holds %zu",
                        n, y->numel);

    /* X(r, c, ch, i) sits at r + 32 c + 1024 ch + 3072 i (column-major);
       the image wants it at [i][ch][r][c]. */
    for (i = 0; i < n; i++) {
        double lab = hn_mat_get(y, i);
        if (!(lab >= 1.0 && lab <= 10.0) || lab != (double)(int)lab)
            return hn__fail(HN_ERR_FORMAT, "SVHN: label %zu is not an integer 1..10", i);
        labels[i] = (int)lab % 10;
        for (ch = 0; ch < 3; ch++)
            for (r = 0; r < 32; r++)
                for (c = 0; c < 32; c++)
                    images[((i * 3 + ch) * 32 + r) * 32 + c] =
                        px[i * 3072 + ch * 1024 + c * 32 + r] * scale;
    }
    return HN_OK;
}

HNDEF hn_status hn_svhn_load(hn_mat *m, float scale, float **images, int **labels,
                             int *n)
{
    hn_mat_array x, y;
    hn_mat_var v;
    hn_status s = HN_OK;
    int r = 0;
    *images = NULL;
    *labels = NULL;
    *n = 0;
    memset(&x, 0, sizeof x);
    memset(&y, 0, sizeof y);

    /* One walk reads both, each right after it is listed: in a -v7 file
       that inflates each variable once, not once per look-up. */
    hn_mat_rewind(m);
    while (s == HN_OK && (r = hn_mat_next(m, &v)) == 1) {
        if (strcmp(v.name, "X") == 0 && !x.data) s = hn_mat_read_var(m, &v, &x);
        if (strcmp(v.name, "y") == 0 && !y.data) s = hn_mat_read_var(m, &v, &y);
    }
    if (s == HN_OK && r < 0) s = hn__err_status;
    if (s == HN_OK && (!x.data || !y.data))
        s = hn__fail(HN_ERR_NOT_FOUND, "SVHN: the file lacks %s", x.data ? "y" : "X");
    if (s != HN_OK) goto done;
    if (x.ndim != 4 || x.dims[3] > (size_t)INT_MAX) {
        s = hn__fail(HN_ERR_SHAPE, "SVHN: X must be uint8 32x32x3xN");
        goto done;
    }
    *images = (float *)hn__calloc(x.numel, sizeof(float));
    *labels = (int *)hn__calloc(x.dims[3] ? x.dims[3] : 1, sizeof(int));
    if (!*images || !*labels) {
        s = HN_ERR_NOMEM;
        goto done;
    }
    s = hn_svhn_convert(&x, &y, scale, *images, *labels);
    if (s == HN_OK) *n = (int)x.dims[3];
done:
    if (s != HN_OK) {
        HN_FREE(*images);
        HN_FREE(*labels);
        *images = NULL;
        *labels = NULL;
    }
    hn_mat_array_free(&x);
    hn_mat_array_free(&y);
    return s;
}

/* ---- end of data file implementation ---- */

/* ========================================================================
   Checkpoint implementation
   ======================================================================== */

/* FILE FORMAT: checkpoint, version 1.

   Every integer is little-endian and every float IEEE 754 binary32
   little-endian, whatever the host that wrote or reads it.

      offset  bytes  field
      0       8      magic 89 'H' 'N' 'C' 'K' 0D 0A 1A (a high byte and a
                     CR LF, as in PNG, so that a text-mode copy shows)
      8       4      format version, 1
      12      4      number of entries
      16      8      length of the whole file in bytes, CRC included
      24      4      length C of the configuration string
      28      C      configuration: bytes of the program's choosing (text),
                     no terminating NUL
      then each entry in turn:
              1      kind: 1 float32 tensor, 2 raw blob
              1      name length L, 1..63
              L      name, no NUL; names are unique in a file
              1      number of dimensions D (tensor 1..4, blob 0)
              4 D    the dimensions, each 1..2^31-1
              8      payload length P (a tensor's is 4 times the product)
              P      payload
      len-4   4      CRC-32 (ISO-HDLC, zlib's crc32) of every byte before it

   A reader checks, in this order: magic, version, the stored length
   against the bytes present (truncation), the CRC (any flipped bit), and
   then every entry's lengths against what is left, so even a file with a
   forged CRC cannot make it read out of bounds. */

static const unsigned char hn__ckpt_magic[8] = {0x89, 'H', 'N', 'C', 'K', 0x0d, 0x0a,
                                                0x1a};
#define HN__CKPT_VERSION 1u
#define HN__CKPT_HEADER 28u

static void hn__store_u64le(unsigned char *p, uint64_t v)
{
    hn__store_u32le(p, (uint32_t)v);
    hn__store_u32le(p + 4, (uint32_t)(v >> 32));
}

/* Reserve n more bytes at the end of the writer's buffer; NULL (and the
   writer's error set) when that fails. */
static unsigned char *hn__ckpt_grow(hn_ckpt_writer *w, size_t n)
{
    unsigned char *p;
    if (w->err != HN_OK) return NULL;
    if (n > (size_t)-1 / 2 - w->len) {
        w->err = hn__fail(HN_ERR_LIMIT, "checkpoint larger than memory can hold");
        return NULL;
    }
    if (w->len + n > w->cap) {
        size_t cap = w->cap ? w->cap : 4096;
        while (cap < w->len + n) cap *= 2;
        p = (unsigned char *)HN_REALLOC(w->buf, cap);
        if (!p) {
            w->err = hn__fail(HN_ERR_NOMEM, "out of memory growing a checkpoint to %zu "
                              "bytes", cap);
            return NULL;
        }
        w->buf = p;
        w->cap = cap;
    }
    p = w->buf + w->len;
    w->len += n;
    return p;
}

HNDEF hn_status hn_ckpt_begin(hn_ckpt_writer *w, const char *config)
{
    size_t clen = config ? strlen(config) : 0;
    unsigned char *p;
    memset(w, 0, sizeof *w);
    if (clen > 0xffffffffu)
        return w->err = hn__fail(HN_ERR_LIMIT, "checkpoint configuration too long");
    p = hn__ckpt_grow(w, HN__CKPT_HEADER + clen);
    if (!p) return w->err;
    memcpy(p, hn__ckpt_magic, 8);
    hn__store_u32le(p + 8, HN__CKPT_VERSION);
    hn__store_u32le(p + 24, (uint32_t)clen);
    if (clen) memcpy(p + HN__CKPT_HEADER, config, clen);
    return HN_OK;
}

static int hn__ckpt_writer_has(const hn_ckpt_writer *w, const char *name);

/* Append an entry's head (kind, name, dims, payload length) and return
   where its payload of plen bytes goes. */
static unsigned char *hn__ckpt_entry(hn_ckpt_writer *w, int kind, const char *name,
                                     int ndim, const int *shape, size_t plen)
{
    size_t nlen = strlen(name), i;
    unsigned char *p;
    if (w->err != HN_OK) return NULL;
    if (nlen == 0 || nlen >= HN_CKPT_NAME_MAX) {
        w->err = hn__fail(HN_ERR_ARG, "checkpoint entry name '%s' must be 1 to %d bytes",
                          name, HN_CKPT_NAME_MAX - 1);
        return NULL;
    }
    if (hn__ckpt_writer_has(w, name)) {
        w->err = hn__fail(HN_ERR_ARG, "checkpoint entry '%s' added twice", name);
        return NULL;
    }
    if (w->count == 0xffffffffu) {
        w->err = hn__fail(HN_ERR_LIMIT, "too many checkpoint entries");
        return NULL;
    }
    p = hn__ckpt_grow(w, 3 + nlen + 4 * (size_t)ndim + 8);
    if (!p || !hn__ckpt_grow(w, plen)) return NULL;
    p = w->buf + w->len - plen - (3 + nlen + 4 * (size_t)ndim + 8);
    *p++ = (unsigned char)kind;
    *p++ = (unsigned char)nlen;
    memcpy(p, name, nlen);
    p += nlen;
    *p++ = (unsigned char)ndim;
    for (i = 0; i < (size_t)ndim; i++, p += 4) hn__store_u32le(p, (uint32_t)shape[i]);
    hn__store_u64le(p, plen);
    w->count++;
    return p + 8;
}

HNDEF hn_status hn_ckpt_add_tensor(hn_ckpt_writer *w, const char *name, int ndim,
                                   const int *shape, const float *data)
{
    size_t n, i;
    unsigned char *p;
    if (w->err != HN_OK) return w->err;
    n = hn__shape_size(ndim, shape);
    if (!n) return w->err = hn__err_status;
    if (n > (size_t)-1 / 4)
        return w->err = hn__fail(HN_ERR_LIMIT, "tensor '%s' too large", name);
    p = hn__ckpt_entry(w, HN_CKPT_TENSOR, name, ndim, shape, 4 * n);
    if (!p) return w->err;
    /* On a little-endian host the bytes are already the file's. */
    if (!hn__host_big_endian()) {
        memcpy(p, data, 4 * n);
        return HN_OK;
    }
    for (i = 0; i < n; i++) {
        uint32_t b;
        memcpy(&b, data + i, 4);
        hn__store_u32le(p + 4 * i, b);
    }
    return HN_OK;
}

HNDEF hn_status hn_ckpt_add_blob(hn_ckpt_writer *w, const char *name,
                                 const void *data, size_t len)
{
    unsigned char *p = hn__ckpt_entry(w, HN_CKPT_BLOB, name, 0, NULL, len);
    if (!p) return w->err;
    if (len) memcpy(p, data, len);
    return HN_OK;
}

/* prefix + name into buf, or an error naming both when it does not fit. */
static hn_status hn__ckpt_name(char *buf, const char *prefix, const char *name)
{
    size_t a = strlen(prefix), b = strlen(name);
    if (a + b >= HN_CKPT_NAME_MAX)
        return hn__fail(HN_ERR_ARG, "checkpoint name '%s%s' longer than %d bytes",
                        prefix, name, HN_CKPT_NAME_MAX - 1);
    memcpy(buf, prefix, a);
    memcpy(buf + a, name, b + 1);
    return HN_OK;
}

HNDEF hn_status hn_ckpt_add_params(hn_ckpt_writer *w, const hn_params *ps,
                                   const float *base, const char *prefix)
{
    char name[HN_CKPT_NAME_MAX];
    int i;
    for (i = 0; i < ps->count && w->err == HN_OK; i++) {
        const hn_param_info *pi = &ps->info[i];
        if (hn__ckpt_name(name, prefix, pi->name) != HN_OK) return w->err = hn__err_status;
        hn_ckpt_add_tensor(w, name, pi->ndim, pi->shape, base + pi->offset);
    }
    return w->err;
}

HNDEF hn_status hn_ckpt_add_u64(hn_ckpt_writer *w, const char *name, uint64_t v)
{
    unsigned char b[8];
    hn__store_u64le(b, v);
    return hn_ckpt_add_blob(w, name, b, 8);
}

/* An RNG as 24 bytes: state, increment, the spare normal's bits, and
   whether it is pending. */
HNDEF hn_status hn_ckpt_add_rng(hn_ckpt_writer *w, const char *name, const hn_rng *r)
{
    unsigned char b[24];
    uint32_t spare;
    memcpy(&spare, &r->spare, 4);
    hn__store_u64le(b, r->state);
    hn__store_u64le(b + 8, r->inc);
    hn__store_u32le(b + 16, spare);
    hn__store_u32le(b + 20, r->has_spare ? 1u : 0u);
    return hn_ckpt_add_blob(w, name, b, 24);
}

HNDEF void hn_ckpt_writer_free(hn_ckpt_writer *w)
{
    HN_FREE(w->buf);
    memset(w, 0, sizeof *w);
}

HNDEF hn_status hn_ckpt_finish(hn_ckpt_writer *w, unsigned char **out, size_t *len)
{
    unsigned char *p;
    hn_status s;
    *out = NULL;
    *len = 0;
    p = hn__ckpt_grow(w, 4);
    if (!p) {
        s = w->err;
        hn_ckpt_writer_free(w);
        return s;
    }
    hn__store_u32le(w->buf + 12, w->count);
    hn__store_u64le(w->buf + 16, w->len);
    hn__store_u32le(p, hn_crc32(0, w->buf, w->len - 4));
    *out = w->buf;
    *len = w->len;
    memset(w, 0, sizeof *w);
    return HN_OK;
}

#ifndef HN_NO_STDIO
/* Write to "<path>.tmp", then rename it over path: readers see the old
   file or the new one, never half of one. NOTE: standard C has no fsync,
   so a power cut (not a crash) may still lose the newest write. */
static hn_status hn__write_atomic(const char *path, const unsigned char *data,
                                  size_t len)
{
    size_t plen = strlen(path);
    char *tmp = (char *)hn__alloc(plen + 5);
    FILE *f;
    int ok;
    if (!tmp) return HN_ERR_NOMEM;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    f = fopen(tmp, "wb");
    if (!f) {
        hn__fail(HN_ERR_IO, "cannot create '%s'", tmp);
        HN_FREE(tmp);
        return HN_ERR_IO;
    }
    ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fclose(f) == 0 && ok;
#ifdef _WIN32
    /* Windows' rename does not replace an existing file. */
    if (ok) remove(path);
#endif
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        hn__fail(HN_ERR_IO, ok ? "cannot rename '%s' over '%s'"
                               : "cannot write '%s' (disk full?)", tmp, path);
        HN_FREE(tmp);
        return HN_ERR_IO;
    }
    HN_FREE(tmp);
    return HN_OK;
}

HNDEF hn_status hn_ckpt_finish_file(hn_ckpt_writer *w, const char *path)
{
    unsigned char *buf;
    size_t len;
    hn_status s = hn_ckpt_finish(w, &buf, &len);
    if (s != HN_OK) return s;
    s = hn__write_atomic(path, buf, len);
    HN_FREE(buf);
    return s;
}
#endif

/* Parse the entry at p, with left bytes before the CRC. */
static hn_status hn__ckpt_parse_entry(const unsigned char *p, size_t left,
                                      hn_ckpt_entry *e, size_t *used)
{
    size_t nlen, pos, i;
    uint64_t plen, want;
    memset(e, 0, sizeof *e);
    if (left < 3) goto truncated;
    e->kind = p[0];
    nlen = p[1];
    if (e->kind != HN_CKPT_TENSOR && e->kind != HN_CKPT_BLOB)
        return hn__fail(HN_ERR_FORMAT, "checkpoint: entry of unknown kind %d", e->kind);
    if (nlen == 0 || nlen >= HN_CKPT_NAME_MAX)
        return hn__fail(HN_ERR_FORMAT, "checkpoint: entry name of %zu bytes", nlen);
    if (left < 3 + nlen) goto truncated;
    memcpy(e->name, p + 2, nlen);
    e->name[nlen] = '\0';
    if (memchr(e->name, 0, nlen))
        return hn__fail(HN_ERR_FORMAT, "checkpoint: entry name holds a NUL byte");
    e->ndim = p[2 + nlen];
    pos = 3 + nlen;
    if (e->kind == HN_CKPT_TENSOR ? e->ndim < 1 || e->ndim > HN_MAX_DIMS : e->ndim != 0)
        return hn__fail(HN_ERR_FORMAT, "checkpoint: '%s' has %d dimensions", e->name,
                        e->ndim);
    if (left - pos < 4 * (size_t)e->ndim + 8) goto truncated;
    want = 4;
    for (i = 0; i < (size_t)e->ndim; i++, pos += 4) {
        uint32_t d = hn__load_u32le(p + pos);
        if (d == 0 || d > 0x7fffffffu)
            return hn__fail(HN_ERR_FORMAT, "checkpoint: '%s' has dimension %u", e->name,
                            (unsigned)d);
        e->shape[i] = (int)d;
        /* Four dims below 2^31 and 4 bytes: at most 2^126, so check as we go. */
        if (want > UINT64_MAX / d)
            return hn__fail(HN_ERR_FORMAT, "checkpoint: '%s' is absurdly large", e->name);
        want *= d;
    }
    plen = hn__load_u64le(p + pos);
    pos += 8;
    if (e->kind == HN_CKPT_TENSOR && plen != want)
        return hn__fail(HN_ERR_FORMAT, "checkpoint: tensor '%s' holds %llu bytes, its "
                        "shape needs %llu", e->name, (unsigned long long)plen,
                        (unsigned long long)want);
    if (plen > left - pos)
        return hn__fail(HN_ERR_TRUNCATED, "checkpoint: '%s' claims %llu bytes, only %zu "
                        "are left", e->name, (unsigned long long)plen, left - pos);
    e->size = e->kind == HN_CKPT_TENSOR ? (size_t)plen / 4 : (size_t)plen;
    e->offset = pos;
    *used = pos + (size_t)plen;
    return HN_OK;
truncated:
    return hn__fail(HN_ERR_TRUNCATED, "checkpoint: entry cut off (%zu bytes left)", left);
}

/* Whether the writer already holds an entry of this name. The writer's
   own entries are well formed, so the reader's parser walks them. */
static int hn__ckpt_writer_has(const hn_ckpt_writer *w, const char *name)
{
    size_t pos = HN__CKPT_HEADER + hn__load_u32le(w->buf + 24), used;
    uint32_t i;
    hn_ckpt_entry e;
    for (i = 0; i < w->count; i++, pos += used) {
        if (hn__ckpt_parse_entry(w->buf + pos, w->len - pos, &e, &used) != HN_OK) return 0;
        if (strcmp(e.name, name) == 0) return 1;
    }
    return 0;
}

HNDEF hn_status hn_ckpt_open_mem(hn_ckpt *c, const void *data, size_t len)
{
    const unsigned char *p = (const unsigned char *)data;
    uint32_t version, count, clen, crc, want_crc;
    uint64_t stored_len;
    size_t pos, used, end;
    int i, j;
    hn_status s;

    memset(c, 0, sizeof *c);
    if (len < 8 || memcmp(p, hn__ckpt_magic, 8) != 0)
        return hn__fail(HN_ERR_FORMAT, "not a hypernet.h checkpoint (bad magic)");
    if (len < HN__CKPT_HEADER + 4)
        return hn__fail(HN_ERR_TRUNCATED, "checkpoint truncated: %zu bytes, the header "
                        "alone needs %u", len, HN__CKPT_HEADER + 4);
    version = hn__load_u32le(p + 8);
    if (version != HN__CKPT_VERSION)
        return hn__fail(HN_ERR_UNSUPPORTED, "checkpoint format version %u, this reader "
                        "knows version %u", (unsigned)version, HN__CKPT_VERSION);
    count = hn__load_u32le(p + 12);
    stored_len = hn__load_u64le(p + 16);
    if (stored_len != len)
        return hn__fail(stored_len > len ? HN_ERR_TRUNCATED : HN_ERR_FORMAT,
                        "checkpoint %s: its header says %llu bytes, there are %zu",
                        stored_len > len ? "truncated" : "has trailing bytes",
                        (unsigned long long)stored_len, len);
    crc = hn__load_u32le(p + len - 4);
    want_crc = hn_crc32(0, p, len - 4);
    if (crc != want_crc)
        return hn__fail(HN_ERR_CHECKSUM, "checkpoint corrupted: CRC-32 is %x, the "
                        "content's is %x", (unsigned)crc, (unsigned)want_crc);

    /* The content is what was written; still, trust no length. */
    end = len - 4;
    clen = hn__load_u32le(p + 24);
    if (clen > end - HN__CKPT_HEADER)
        return hn__fail(HN_ERR_FORMAT, "checkpoint: configuration of %u bytes runs past "
                        "the end", (unsigned)clen);
    /* Every entry takes at least 12 bytes: refuse a count the file cannot hold
       before allocating for it. */
    if (count > (end - HN__CKPT_HEADER - clen) / 12 || count > (uint32_t)INT_MAX)
        return hn__fail(HN_ERR_FORMAT, "checkpoint: %u entries cannot fit in %zu bytes",
                        (unsigned)count, len);
    c->config = (char *)hn__alloc((size_t)clen + 1);
    c->entries = (hn_ckpt_entry *)hn__calloc(count ? count : 1, sizeof *c->entries);
    if (!c->config || !c->entries) {
        s = HN_ERR_NOMEM;
        goto fail;
    }
    memcpy(c->config, p + HN__CKPT_HEADER, clen);
    c->config[clen] = '\0';
    pos = HN__CKPT_HEADER + clen;
    for (i = 0; i < (int)count; i++, pos += used) {
        hn_ckpt_entry *e = &c->entries[i];
        s = hn__ckpt_parse_entry(p + pos, end - pos, e, &used);
        if (s != HN_OK) goto fail;
        e->offset += pos;
        /* O(n^2), but checkpoints hold hundreds of entries, not millions. */
        for (j = 0; j < i; j++)
            if (strcmp(c->entries[j].name, e->name) == 0) {
                s = hn__fail(HN_ERR_FORMAT, "checkpoint: entry '%s' appears twice",
                             e->name);
                goto fail;
            }
    }
    if (pos != end) {
        s = hn__fail(HN_ERR_FORMAT, "checkpoint: %zu unexplained bytes after the last "
                     "entry", end - pos);
        goto fail;
    }
    c->data = p;
    c->len = len;
    c->count = (int)count;
    return HN_OK;
fail:
    hn_ckpt_close(c);
    return s;
}

#ifndef HN_NO_STDIO
/* Put context in front of the reason of the failure just recorded:
   "checkpoint 'run/model.ckpt': CRC-32 is ...". */
static hn_status hn__fail_within(hn_status s, const char *what, const char *name)
{
    char why[HN__ERR_MAX];
    memcpy(why, hn__err_msg, sizeof why);
    return hn__fail(s, "%s '%s': %s", what, name, why);
}

HNDEF hn_status hn_ckpt_open_file(hn_ckpt *c, const char *path, size_t max_bytes)
{
    unsigned char *buf;
    size_t len;
    hn_status s;
    memset(c, 0, sizeof *c);
    s = hn_read_file(path, max_bytes, &buf, &len);
    if (s != HN_OK) return s;
    s = hn_ckpt_open_mem(c, buf, len);
    if (s != HN_OK) {
        HN_FREE(buf);
        return hn__fail_within(s, "checkpoint", path);
    }
    c->owned = buf;
    return HN_OK;
}
#endif

HNDEF void hn_ckpt_close(hn_ckpt *c)
{
    HN_FREE(c->owned);
    HN_FREE(c->config);
    HN_FREE(c->entries);
    memset(c, 0, sizeof *c);
}

HNDEF const hn_ckpt_entry *hn_ckpt_find(const hn_ckpt *c, const char *name)
{
    int i;
    for (i = 0; i < c->count; i++)
        if (strcmp(c->entries[i].name, name) == 0) return &c->entries[i];
    return NULL;
}

/* "3x4" into buf (room for four dims of ten digits). */
static const char *hn__shape_str(char *buf, int ndim, const int *shape)
{
    size_t pos = 0;
    int i;
    for (i = 0; i < ndim; i++) {
        unsigned v = (unsigned)shape[i];
        char tmp[12];
        int n = 0;
        if (i) buf[pos++] = 'x';
        do tmp[n++] = (char)('0' + v % 10); while ((v /= 10) != 0);
        while (n) buf[pos++] = tmp[--n];
    }
    buf[pos] = '\0';
    return buf;
}

/* The entry called name of the given kind, or NULL with the reason set. */
static const hn_ckpt_entry *hn__ckpt_get(const hn_ckpt *c, const char *name, int kind)
{
    const hn_ckpt_entry *e = hn_ckpt_find(c, name);
    if (!e) {
        hn__fail(HN_ERR_NOT_FOUND, "checkpoint has no entry '%s'", name);
        return NULL;
    }
    if (e->kind != kind) {
        hn__fail(HN_ERR_FORMAT, "checkpoint entry '%s' is a %s, not a %s", name,
                 e->kind == HN_CKPT_TENSOR ? "tensor" : "blob",
                 kind == HN_CKPT_TENSOR ? "tensor" : "blob");
        return NULL;
    }
    return e;
}

/* The tensor called name, or NULL with the reason set when it is missing
   or its shape is not (ndim, shape). */
static const hn_ckpt_entry *hn__ckpt_tensor(const hn_ckpt *c, const char *name,
                                            int ndim, const int *shape)
{
    const hn_ckpt_entry *e = hn__ckpt_get(c, name, HN_CKPT_TENSOR);
    char have[48], want[48];
    int d, same;
    if (!e) return NULL;
    same = e->ndim == ndim;
    for (d = 0; same && d < ndim; d++) same = e->shape[d] == shape[d];
    if (same) return e;
    hn__fail(HN_ERR_SHAPE, "tensor '%s' is %s in the checkpoint, %s in the model", name,
             hn__shape_str(have, e->ndim, e->shape), hn__shape_str(want, ndim, shape));
    return NULL;
}

HNDEF hn_status hn_ckpt_read_tensor(const hn_ckpt *c, const char *name, int ndim,
                                    const int *shape, float *out)
{
    const hn_ckpt_entry *e = hn__ckpt_tensor(c, name, ndim, shape);
    const unsigned char *p;
    size_t i;
    if (!e) return hn__err_status;
    p = c->data + e->offset;
    if (!hn__host_big_endian()) {
        memcpy(out, p, 4 * e->size);
        return HN_OK;
    }
    for (i = 0; i < e->size; i++) {
        uint32_t b = hn__load_u32le(p + 4 * i);
        memcpy(out + i, &b, 4);
    }
    return HN_OK;
}

HNDEF hn_status hn_ckpt_read_blob(const hn_ckpt *c, const char *name, void *out,
                                  size_t len)
{
    const hn_ckpt_entry *e = hn__ckpt_get(c, name, HN_CKPT_BLOB);
    if (!e) return hn__err_status;
    if (e->size != len)
        return hn__fail(HN_ERR_SHAPE, "blob '%s' is %zu bytes in the checkpoint, %zu "
                        "expected", name, e->size, len);
    if (len) memcpy(out, c->data + e->offset, len);
    return HN_OK;
}

HNDEF hn_status hn_ckpt_read_u64(const hn_ckpt *c, const char *name, uint64_t *v)
{
    unsigned char b[8] = {0};
    hn_status s = hn_ckpt_read_blob(c, name, b, 8);
    if (s == HN_OK) *v = hn__load_u64le(b);
    return s;
}

HNDEF hn_status hn_ckpt_read_rng(const hn_ckpt *c, const char *name, hn_rng *r)
{
    unsigned char b[24] = {0};
    uint32_t spare;
    hn_status s = hn_ckpt_read_blob(c, name, b, 24);
    if (s != HN_OK) return s;
    r->state = hn__load_u64le(b);
    r->inc = hn__load_u64le(b + 8);
    spare = hn__load_u32le(b + 16);
    memcpy(&r->spare, &spare, 4);
    r->has_spare = hn__load_u32le(b + 20) != 0;
    return HN_OK;
}

HNDEF hn_status hn_ckpt_read_params(const hn_ckpt *c, const hn_params *ps, float *base,
                                    const char *prefix)
{
    char name[HN_CKPT_NAME_MAX];
    int i, pass;
    hn_status s = HN_OK;
    /* Check every tensor before copying any, so a mismatch leaves the
       store as it was. */
    for (pass = 0; pass < 2; pass++)
        for (i = 0; i < ps->count; i++) {
            const hn_param_info *pi = &ps->info[i];
            s = hn__ckpt_name(name, prefix, pi->name);
            if (s != HN_OK) return s;
            if (pass == 0 && !hn__ckpt_tensor(c, name, pi->ndim, pi->shape))
                return hn__err_status;
            if (pass == 1)
                s = hn_ckpt_read_tensor(c, name, pi->ndim, pi->shape, base + pi->offset);
        }
    return s;
}

#ifndef HN_NO_STDIO
HNDEF hn_status hn_checkpoint_save_params(const char *path, const hn_params *ps,
                                          const char *config)
{
    hn_ckpt_writer w;
    if (!ps->data) return hn__fail(HN_ERR_ARG, "save a checkpoint of an allocated store");
    hn_ckpt_begin(&w, config);
    hn_ckpt_add_params(&w, ps, ps->data, "");
    return hn_ckpt_finish_file(&w, path);
}

HNDEF hn_status hn_checkpoint_load_params(const char *path, hn_params *ps,
                                          char **config)
{
    hn_ckpt c;
    hn_status s;
    int i;
    if (config) *config = NULL;
    if (!ps->data) return hn__fail(HN_ERR_ARG, "load a checkpoint into an allocated store");
    s = hn_ckpt_open_file(&c, path, (size_t)-1);
    if (s != HN_OK) return s;
    for (i = 0; i < c.count; i++)
        if (c.entries[i].kind == HN_CKPT_TENSOR && hn_params_find(ps, c.entries[i].name) < 0) {
            s = hn__fail(HN_ERR_SHAPE, "checkpoint tensor '%s' is not in the model",
                         c.entries[i].name);
            break;
        }
    if (s == HN_OK) s = hn_ckpt_read_params(&c, ps, ps->data, "");
    if (s == HN_OK && config) {
        *config = c.config;
        c.config = NULL;
    }
    hn_ckpt_close(&c);
    return s;
}
#endif

/* ---- end of checkpoint implementation ---- */

#ifdef HN__QUIET_AVX512
#pragma GCC diagnostic pop
#endif
#endif /* HYPERNET_IMPLEMENTATION_DONE */
#endif /* HYPERNET_IMPLEMENTATION */

/*
VERSION HISTORY

   0.1  (2026-12-03)  first release: core, parameter store, blocked SIMD
                      GEMM, layers with backward passes, optimizers,
                      static hypernetworks (HyperConv2D), LSTM / LN-LSTM /
                      HyperLSTM / LN-HyperLSTM, WideResNet and ResNet,
                      inflate, IDX, CIFAR-10, MAT-file and checkpoint I/O
   0.2  (2026-12-04)  Winograd F(4x4, 3x3) convolutions (forward, input and
                      weight gradients), hn_conv2d_prepare and
                      hn_resnet_fix_kernels for fixed kernels, AVX-512
                      tuning of GEMM edges and dot paths; residual units
                      with batch norm + ReLU applied inside the Winograd
                      padding and the shortcut added in its output pass;
                      generated layers run side by side
                      (hn_resnet_generate / _generate_backward)
   0.3  (2026-12-04)  convolutions by discrete Fourier transforms where
                      they need at most half the multiply-adds (cv->fft;
                      the MNIST net's 7x7 layer on 14x14 planes: forward,
                      input and weight gradients); HN_SINF; GEMM: A packed
                      by 8 x 8 transposes, MC 256 with AVX-512, packing
                      aligned like the kernels, no OpenMP region for one
                      thread, no alpha multiply or C buffer in the small
                      and dot paths when alpha is 1 and beta 0

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
