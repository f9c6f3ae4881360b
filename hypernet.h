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

/* C = alpha * op(A) * op(B) + beta * C, row-major, BLAS semantics.
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

/* Plain functions in the style of a textbook: each layer has a forward and a
   backward pass side by side, sizes and pointers passed explicitly, and
   nothing allocated per call. Conventions shared by all of them:

   - Layout is row-major, batch first; images are NCHW: (n, c, h, w).
   - The backward pass ACCUMULATES: dx += ..., dw += ..., so that branches
     and time steps can share one gradient buffer. Zero the buffers first
     (hn_params_zero_grad does it for parameters).
   - A gradient pointer may be NULL when that gradient is not wanted (the
     input of the first layer, say).
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

   Each image is unfolded into a matrix col (c_in*kh*kw, h_out*w_out)
   ("im2col") and multiplied by the weight seen as (c_out, c_in*kh*kw):
   the long image dimension becomes the GEMM's long rows. A 1x1 stride-1
   convolution without padding multiplies the image itself, no unfolding.

   Images are handed to `slots` workers (OpenMP threads when enabled), each
   with its own part of the workspace: an unfolding buffer and partial
   weight and bias gradients, summed in slot order at the end. The result
   therefore depends on slots (in the last bits of dw and db) but never on
   the number of threads. hn_conv2d_init sets slots to HN_CONV2D_SLOTS
   (default 4); set it to 1 on a small target before sizing the workspace. */
typedef struct hn_conv2d {
    int c_in, h_in, w_in;
    int c_out, kh, kw;
    int stride, pad;
    int h_out, w_out;      /* set by hn_conv2d_init */
    int slots;             /* workers; may be changed before sizing ws */
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
   rng, one hn_rng_uniform per element, in order. 0 <= p_drop < 1.
   y = x * keep / (1 - p_drop) */
HNDEF void hn_dropout_forward(size_t n, float p_drop, const float *x, float *y,
                              unsigned char *keep, hn_rng *rng);
/* dx += dy * keep / (1 - p_drop) */
HNDEF void hn_dropout_backward(size_t n, float p_drop, const unsigned char *keep,
                               const float *dy, float *dx);

/* Batch normalization over (N, H, W) for each channel (Ioffe and Szegedy
   2015, Algorithm 1). x and y are (n, c, hw) with hw = h * w; gamma, beta,
   running_mean and running_var are (c).

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
   arrays of ps->total floats, laid out like the store, plus a step counter:
   a checkpoint can save m, v and step as named tensors and a resumed run
   continues bit for bit.

   Typical step:

      hn_params_zero_grad(&ps);
      ... forward, loss, backward ...
      hn_clip_grad_norm(&ps, 1.0f);
      hn_optim_step(&opt, &ps, hn_schedule_lr(&sched, opt.step));

   Weight decay comes in two kinds. L2 adds wd * p to the gradient before
   the update, so Adam rescales it like any other gradient. Decoupled decay
   (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", 2019,
   the "W" in AdamW) shrinks the weights directly: p -= lr * wd * p.
   Tensors flagged with hn_params_set_no_decay are skipped by both. */

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

/* The vector kernels share one body: MR rows of three vectors each, written
   out row by row with macros rather than loops, so that every accumulator
   is a named register. Per ISA, the vector width W, the rows MR (as many as
   the register file holds: 3*MR accumulators + 3 B vectors + 1 broadcast)
   and the cache blocks, each overridable. KC*NR floats of B (24 KiB for
   AVX2) stay in a 32 KiB L1 while MC x KC of A streams from L2. */
#if defined(HN__AVX512)
typedef __m512 hn__vf;
#define HN__VW 16
#define HN__GEMM_MR 8
#define HN__VZERO() _mm512_setzero_ps()
#define HN__VLOAD(p) _mm512_loadu_ps(p)
#define HN__VSTORE(p, v) _mm512_storeu_ps(p, v)
#define HN__VSET1(x) _mm512_set1_ps(x)
#define HN__VFMA(a, b, acc) _mm512_fmadd_ps(a, b, acc)
#elif defined(HN__AVX2)
typedef __m256 hn__vf;
#define HN__VW 8
#define HN__GEMM_MR 4
#define HN__VZERO() _mm256_setzero_ps()
#define HN__VLOAD(p) _mm256_loadu_ps(p)
#define HN__VSTORE(p, v) _mm256_storeu_ps(p, v)
#define HN__VSET1(x) _mm256_set1_ps(x)
#define HN__VFMA(a, b, acc) _mm256_fmadd_ps(a, b, acc)
#elif defined(HN__SSE2)
typedef __m128 hn__vf;
#define HN__VW 4
#define HN__GEMM_MR 4
#define HN__VZERO() _mm_setzero_ps()
#define HN__VLOAD(p) _mm_loadu_ps(p)
#define HN__VSTORE(p, v) _mm_storeu_ps(p, v)
#define HN__VSET1(x) _mm_set1_ps(x)
#define HN__VFMA(a, b, acc) _mm_add_ps(acc, _mm_mul_ps(a, b))
#elif defined(HN__NEON)
typedef float32x4_t hn__vf;
#define HN__VW 4
#define HN__GEMM_MR 8
#define HN__VZERO() vdupq_n_f32(0.0f)
#define HN__VLOAD(p) vld1q_f32(p)
#define HN__VSTORE(p, v) vst1q_f32(p, v)
#define HN__VSET1(x) vdupq_n_f32(x)
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

#ifdef HN__VW
#define HN__GEMM_NR (3 * HN__VW)
#define HN__GEMM_TILE (HN__GEMM_MR * HN__GEMM_NR)

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
    HN__KDECL(0); HN__KDECL(1); HN__KDECL(2); HN__KDECL(3);
#if HN__GEMM_MR == 8
    HN__KDECL(4); HN__KDECL(5); HN__KDECL(6); HN__KDECL(7);
#endif
    int p;
    for (p = 0; p < kc; p++, pa += HN__GEMM_MR, pb += HN__GEMM_NR) {
        b0 = HN__VLOAD(pb);
        b1 = HN__VLOAD(pb + HN__VW);
        b2 = HN__VLOAD(pb + 2 * HN__VW);
        HN__KSTEP(0); HN__KSTEP(1); HN__KSTEP(2); HN__KSTEP(3);
#if HN__GEMM_MR == 8
        HN__KSTEP(4); HN__KSTEP(5); HN__KSTEP(6); HN__KSTEP(7);
#endif
    }
    HN__KOUT(0); HN__KOUT(1); HN__KOUT(2); HN__KOUT(3);
#if HN__GEMM_MR == 8
    HN__KOUT(4); HN__KOUT(5); HN__KOUT(6); HN__KOUT(7);
#endif
}

static const hn__gemm_kernel hn__gemm_native = {
    hn__gemm_kernel_simd, HN__GEMM_MR, HN__GEMM_NR
};
#else
#define HN__GEMM_TILE 16
static const hn__gemm_kernel hn__gemm_native = { hn__gemm_kernel_scalar, 4, 4 };
#endif

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
            for (i = 0; i < rows; i++) {
                const float *s = src + (size_t)(r + i) * ld;
                for (p = 0; p < kb; p++) dst[(size_t)p * w + i] = scale * s[p];
            }
            for (; i < w; i++)
                for (p = 0; p < kb; p++) dst[(size_t)p * w + i] = 0.0f;
        } else {
            for (p = 0; p < kb; p++) {
                const float *s = src + (size_t)p * ld + r;
                float *d = dst + (size_t)p * w;
                for (i = 0; i < rows; i++) d[i] = scale * s[i];
                for (; i < w; i++) d[i] = 0.0f;
            }
        }
    }
}

/* The two inner loops over one packed mb x kb block of A and kb x nb block
   of B: every mr x nr tile of C. Partial tiles are computed into a tile on
   the stack and only their mb x nb part is copied out. */
static void hn__gemm_macro(const hn__gemm_plan *pl, int mb, int nb, int kb,
                           const float *pa, const float *pb, float beta, float *c,
                           size_t ldc)
{
    float tile[HN__GEMM_TILE];
    int ir, jr, i, j, mr = pl->mr, nr = pl->nr;
    for (jr = 0; jr < nb; jr += nr) {
        int cols = HN__MIN(nr, nb - jr);
        const float *bp = pb + (size_t)jr * kb;
        for (ir = 0; ir < mb; ir += mr) {
            int rows = HN__MIN(mr, mb - ir);
            const float *ap = pa + (size_t)ir * kb;
            float *cij = c + (size_t)ir * ldc + jr;
            if (rows == mr && cols == nr) {
                pl->fn(kb, ap, bp, cij, ldc, beta);
                continue;
            }
            pl->fn(kb, ap, bp, tile, (size_t)nr, 0.0f);
            for (i = 0; i < rows; i++) {
                float *ci = cij + (size_t)i * ldc;
                const float *ti = tile + (size_t)i * nr;
                if (beta == 0.0f)
                    for (j = 0; j < cols; j++) ci[j] = ti[j];
                else
                    for (j = 0; j < cols; j++) ci[j] = ti[j] + beta * ci[j];
            }
        }
    }
}

/* The three outer loops, for one thread's part of the product: op(A) is
   m x k, op(B) k x n, both starting where a and b point. */
static void hn__gemm_blocked(const hn__gemm_plan *pl, int ta, int tb, int m, int n,
                             int k, float alpha, const float *a, size_t lda,
                             const float *b, size_t ldb, float beta, float *c,
                             size_t ldc, float *pa, float *pb)
{
    float sa = pl->alpha_in_a ? alpha : 1.0f, sb = pl->alpha_in_a ? 1.0f : alpha;
    int jc, pc, ic;
    for (jc = 0; jc < n; jc += pl->nc) {
        int nb = HN__MIN(pl->nc, n - jc);
        for (pc = 0; pc < k; pc += pl->kc) {
            int kb = HN__MIN(pl->kc, k - pc);
            /* Only the first k block applies beta; the others add to it. */
            float bk = pc == 0 ? beta : 1.0f;
            const float *bb = tb ? b + (size_t)jc * ldb + pc : b + (size_t)pc * ldb + jc;
            hn__gemm_pack(tb, nb, kb, bb, ldb, sb, pl->nr, pb);
            for (ic = 0; ic < m; ic += pl->mc) {
                int mb = HN__MIN(pl->mc, m - ic);
                const float *ab =
                    ta ? a + (size_t)pc * lda + ic : a + (size_t)ic * lda + pc;
                hn__gemm_pack(!ta, mb, kb, ab, lda, sa, pl->mr, pa);
                hn__gemm_macro(pl, mb, nb, kb, pa, pb, bk,
                               c + (size_t)ic * ldc + jc, ldc);
            }
        }
    }
}

static int hn__gemm_round(int x, int to)
{
    x -= x % to;
    return x < to ? to : x;
}

static void hn__gemm_plan_init(hn__gemm_plan *pl, const hn__gemm_kernel *kr, int m,
                               int n)
{
    int nc;
    pl->fn = kr->fn;
    pl->mr = kr->mr;
    pl->nr = kr->nr;
    pl->mc = hn__gemm_round(HN_GEMM_MC, kr->mr);
    pl->kc = HN__MAX(HN_GEMM_KC, 1);
    pl->nc = nc = hn__gemm_round(HN_GEMM_NC, kr->nr);
    /* A is packed once per NC block of columns, B once: multiply alpha
       into whichever is packed fewer times in all. */
    pl->alpha_in_a = (double)m * ((n + nc - 1) / nc) <= (double)n;
}

/* Bytes of pack buffers one thread needs: an A block and a B block, each
   starting on a 64-byte boundary wherever the buffer starts. */
static size_t hn__gemm_thread_bytes(const hn__gemm_plan *pl, int m, int n, int k)
{
    size_t kb = (size_t)HN__MIN(k, pl->kc);
    size_t mb = (size_t)HN__MIN(m, pl->mc), nb = (size_t)HN__MIN(n, pl->nc);
    size_t abytes = (mb + pl->mr - 1) / pl->mr * pl->mr * kb * sizeof(float);
    size_t bbytes = (nb + pl->nr - 1) / pl->nr * pl->nr * kb * sizeof(float);
    return (abytes + 63) / 64 * 64 + bbytes + 64;
}

/* Slices along N when it is the longer side, else along M. */
static int hn__gemm_split_n(int m, int n) { return n >= m; }

/* How many threads the product deserves (1 without OpenMP). */
static int hn__gemm_threads(const hn__gemm_plan *pl, int m, int n, int k)
{
#ifdef _OPENMP
    int nt = omp_get_max_threads();
    int tiles = hn__gemm_split_n(m, n) ? (n + pl->nr - 1) / pl->nr
                                       : (m + pl->mr - 1) / pl->mr;
    if ((double)m * n * k < HN_GEMM_OMP_MIN) return 1;
    return HN__MAX(1, HN__MIN(nt, tiles));
#else
    (void)pl; (void)m; (void)n; (void)k;
    return 1;
#endif
}

static float *hn__gemm_align64(unsigned char *p)
{
    return (float *)(void *)(p + (64 - (uintptr_t)p % 64) % 64);
}

/* Run the product on nt threads, each with per bytes of work. */
static void hn__gemm_run(const hn__gemm_plan *pl, int nt, int ta, int tb, int m,
                         int n, int k, float alpha, const float *a, int lda,
                         const float *b, int ldb, float beta, float *c, int ldc,
                         unsigned char *work, size_t per)
{
    int split_n = hn__gemm_split_n(m, n);
    int unit = split_n ? pl->nr : pl->mr, total = split_n ? n : m;
    size_t tiles = ((size_t)total + unit - 1) / unit;
    size_t slice = (tiles + nt - 1) / nt * unit;
    size_t abytes = ((size_t)(HN__MIN(m, pl->mc) + pl->mr - 1) / pl->mr * pl->mr *
                         HN__MIN(k, pl->kc) * sizeof(float) + 63) / 64 * 64;
    int t;
#ifdef _OPENMP
#pragma omp parallel for num_threads(nt) schedule(static)
#endif
    for (t = 0; t < nt; t++) {
        size_t lo = (size_t)t * slice;
        size_t hi = HN__MIN((size_t)total, lo + slice);
        float *pa = hn__gemm_align64(work + (size_t)t * per);
        float *pb = pa + abytes / sizeof(float);
        if (lo >= hi) continue;
        if (split_n)
            hn__gemm_blocked(pl, ta, tb, m, (int)(hi - lo), k, alpha, a, lda,
                             tb ? b + lo * ldb : b + lo, ldb, beta, c + lo, ldc,
                             pa, pb);
        else
            hn__gemm_blocked(pl, ta, tb, (int)(hi - lo), n, k, alpha,
                             ta ? a + lo : a + lo * lda, lda, b, ldb, beta,
                             c + lo * ldc, ldc, pa, pb);
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
    size_t per, bytes;
    unsigned char *work = NULL;
    int nt;
    hn__gemm_check_args(ta, tb, m, n, k, lda, ldb, ldc);
    if (hn__gemm_trivial(m, n, k, alpha, beta, c, ldc)) return;
    hn__gemm_plan_init(&pl, kr, m, n);
    nt = hn__gemm_threads(&pl, m, n, k);
    per = hn__gemm_thread_bytes(&pl, m, n, k);
    if (hn__mul_size(per, (size_t)nt, &bytes)) work = (unsigned char *)HN_MALLOC(bytes);
    if (!work && nt > 1) {
        nt = 1;
        work = (unsigned char *)HN_MALLOC(per);
    }
    if (!work) {
        hn__gemm_unpacked(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
        return;
    }
    hn__gemm_run(&pl, nt, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, work,
                 per);
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
    size_t per, bytes;
    if (m <= 0 || n <= 0 || k <= 0) return 0;
    hn__gemm_plan_init(&pl, &hn__gemm_native, m, n);
    per = hn__gemm_thread_bytes(&pl, m, n, k);
    if (!hn__mul_size(per, (size_t)hn__gemm_threads(&pl, m, n, k), &bytes))
        return (size_t)-1;
    return bytes;
}

HNDEF hn_status hn_sgemm_ws(int trans_a, int trans_b, int m, int n, int k,
                            float alpha, const float *a, int lda, const float *b,
                            int ldb, float beta, float *c, int ldc, void *work,
                            size_t work_bytes)
{
    hn__gemm_plan pl;
    size_t per;
    int nt;
    hn__gemm_check_args(trans_a, trans_b, m, n, k, lda, ldb, ldc);
    if (hn__gemm_trivial(m, n, k, alpha, beta, c, ldc)) return HN_OK;
    hn__gemm_plan_init(&pl, &hn__gemm_native, m, n);
    per = hn__gemm_thread_bytes(&pl, m, n, k);
    if (!work || work_bytes < per)
        return hn__fail(HN_ERR_ARG, "hn_sgemm_ws: %zu bytes of workspace, needs %zu",
                        work_bytes, per);
    nt = hn__gemm_threads(&pl, m, n, k);
    if ((size_t)nt > work_bytes / per) nt = (int)(work_bytes / per);
    hn__gemm_run(&pl, nt, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c,
                 ldc, (unsigned char *)work, per);
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
    size_t i;
    for (i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.0f;
}

HNDEF void hn_relu_backward(size_t n, const float *y, const float *dy, float *dx)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (y[i] > 0.0f) dx[i] += dy[i];
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

    /* The GEMM takes int sizes and strides: every matrix dimension and
       every per-image plane must fit, and the workspace must fit size_t. */
    if (!hn__mul_size((size_t)c_in * kh, (size_t)kw, &k) || k > INT_MAX ||
        !hn__mul_size((size_t)cv->h_out, (size_t)cv->w_out, &hw) || hw > INT_MAX ||
        !hn__mul_size(k, hw, &cols) || !hn__mul_size(k, (size_t)c_out, &wsize) ||
        wsize > INT_MAX || (size_t)h_in * w_in > (size_t)(INT_MAX / c_in) ||
        hw > (size_t)(INT_MAX / c_out) || cols > (size_t)-1 / 64 / sizeof(float))
        return hn__fail(HN_ERR_LIMIT, "conv2d: sizes overflow (c_in %d, %dx%d, "
                        "kernel %dx%d, c_out %d)", c_in, h_in, w_in, kh, kw, c_out);
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

HNDEF size_t hn_conv2d_workspace_size(const hn_conv2d *cv)
{
    HN_ASSERT(cv->slots >= 1);
    return hn__conv2d_slot_size(cv) * (size_t)cv->slots;
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
                        if (!dimg) memset(dst, 0, (size_t)cv->w_out * sizeof(float));
                        continue;
                    }
                    if (dimg) {
                        for (s = lo; s < hi; s++) dimg[at + s * st] += dst[s];
                        continue;
                    }
                    for (s = 0; s < lo; s++) dst[s] = 0.0f;
                    for (s = lo; s < hi; s++) dst[s] = img[at + s * st];
                    for (s = hi; s < cv->w_out; s++) dst[s] = 0.0f;
                }
            }
}

/* First image of slot s when n images are spread over `slots`. */
static int hn__slot_begin(int s, int n, int slots)
{
    return (int)((long long)s * n / slots);
}

HNDEF void hn_conv2d_forward(const hn_conv2d *cv, int n, const float *x, const float *w,
                             const float *b, float *y, float *ws)
{
    int k = cv->c_in * cv->kh * cv->kw, hw = cv->h_out * cv->w_out;
    int slots = cv->slots, s;
    size_t in_size = (size_t)cv->c_in * cv->h_in * cv->w_in;
    size_t out_size = (size_t)cv->c_out * hw, slot_size = hn__conv2d_slot_size(cv);
    HN_ASSERT(n >= 0 && slots >= 1);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++) {
        float *col = ws + (size_t)s * slot_size;
        int i, o, j;
        for (i = hn__slot_begin(s, n, slots); i < hn__slot_begin(s + 1, n, slots); i++) {
            const float *xi = x + (size_t)i * in_size, *src = xi;
            float *yi = y + (size_t)i * out_size;
            if (!hn__conv2d_pointwise(cv)) {
                hn__im2col(cv, xi, col, NULL);
                src = col;
            }
            /* y_i (c_out, hw) = w (c_out, k) col (k, hw) */
            hn_sgemm(0, 0, cv->c_out, hw, k, 1.0f, w, k, src, hw, 0.0f, yi, hw);
            if (b)
                for (o = 0; o < cv->c_out; o++)
                    for (j = 0; j < hw; j++) yi[(size_t)o * hw + j] += b[o];
        }
    }
}

HNDEF void hn_conv2d_backward(const hn_conv2d *cv, int n, const float *x, const float *w,
                              const float *dy, float *dx, float *dw, float *db,
                              float *ws)
{
    int k = cv->c_in * cv->kh * cv->kw, hw = cv->h_out * cv->w_out, co = cv->c_out;
    int slots = cv->slots, pw = hn__conv2d_pointwise(cv), s;
    long long j, nw = (long long)co * k;
    size_t in_size = (size_t)cv->c_in * cv->h_in * cv->w_in;
    size_t out_size = (size_t)co * hw, slot_size = hn__conv2d_slot_size(cv);
    size_t col_size = pw ? 0 : (size_t)k * hw;
    HN_ASSERT(n >= 0 && slots >= 1);
#ifdef _OPENMP
    #pragma omp parallel for schedule(static) if (n > 1 && slots > 1)
#endif
    for (s = 0; s < slots; s++) {
        float *col = ws + (size_t)s * slot_size;
        float *pdw = col + col_size, *pdb = pdw + (size_t)co * k;
        int i, o, q;
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
            if (db)
                for (o = 0; o < co; o++)
                    for (q = 0; q < hw; q++) pdb[o] += dyi[(size_t)o * hw + q];

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
        #pragma omp parallel for schedule(static)
#endif
        for (j = 0; j < nw; j++)
            for (s = 0; s < slots; s++) dw[j] += ws[(size_t)s * slot_size + col_size + j];
    }
    if (db)
        for (j = 0; j < co; j++)
            for (s = 0; s < slots; s++)
                db[j] += ws[(size_t)s * slot_size + col_size + (size_t)nw + j];
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

HNDEF void hn_maxpool2d_forward(const hn_pool2d *p, int n, const float *x, float *y,
                                int *argmax)
{
    long long planes = (long long)n * p->c, pl;
    size_t in_plane = (size_t)p->h_in * p->w_in, out_plane = (size_t)p->h_out * p->w_out;
#ifdef _OPENMP
    #pragma omp parallel for schedule(static)
#endif
    for (pl = 0; pl < planes; pl++) {
        const float *xp = x + (size_t)pl * in_plane;
        float *yp = y + (size_t)pl * out_plane;
        int *ap = argmax + (size_t)pl * out_plane;
        int r, s, u, v;
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
    #pragma omp parallel for schedule(static)
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
    #pragma omp parallel for schedule(static)
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

/* y = x g + sh over one channel of every image: x and y point at the
   channel's first plane, planes are `plane` floats apart. */
static void hn__channel_affine(int n, size_t plane, int hw, const float *x, float g,
                               float sh, float *y)
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = 0; j < hw; j++) y[i * plane + j] = x[i * plane + j] * g + sh;
}

HNDEF void hn_batchnorm2d_forward_train(int n, int c, int hw, const float *x,
                                        const float *gamma, const float *beta, float eps,
                                        float momentum, float *running_mean,
                                        float *running_var, float *mean, float *rstd,
                                        float *y)
{
    size_t plane = (size_t)c * hw;
    double m = (double)n * hw;
    int ch;
    HN_ASSERT(n > 0 && c > 0 && hw > 0);
    /* Channels are independent; each sums its own values in a fixed order. */
#ifdef _OPENMP
    #pragma omp parallel for schedule(static)
#endif
    for (ch = 0; ch < c; ch++) {
        double sum = 0.0, sq = 0.0, mu, var;
        float g, sh;
        int i, j;
        for (i = 0; i < n; i++) {
            const float *xp = x + i * plane + (size_t)ch * hw;
            for (j = 0; j < hw; j++) sum += xp[j];
        }
        mu = sum / m;
        /* Two passes: the variance from centred values does not cancel. */
        for (i = 0; i < n; i++) {
            const float *xp = x + i * plane + (size_t)ch * hw;
            for (j = 0; j < hw; j++) sq += (xp[j] - mu) * (xp[j] - mu);
        }
        var = sq / m;
        mean[ch] = (float)mu;
        rstd[ch] = (float)(1.0 / HN_SQRT(var + eps));
        if (running_mean) running_mean[ch] = (float)((1.0 - momentum) * running_mean[ch] +
                                                     momentum * mu);
        if (running_var)
            running_var[ch] = (float)((1.0 - momentum) * running_var[ch] +
                                      momentum * (m > 1 ? sq / (m - 1) : var));
        g = gamma[ch] * rstd[ch];
        sh = beta[ch] - (float)mu * g;
        hn__channel_affine(n, plane, hw, x + (size_t)ch * hw, g, sh, y + (size_t)ch * hw);
    }
}

HNDEF void hn_batchnorm2d_forward_eval(int n, int c, int hw, const float *x,
                                       const float *gamma, const float *beta, float eps,
                                       const float *running_mean,
                                       const float *running_var, float *y)
{
    int ch;
    for (ch = 0; ch < c; ch++) {
        float g = gamma[ch] / HN_SQRTF(running_var[ch] + eps);
        float sh = beta[ch] - running_mean[ch] * g;
        hn__channel_affine(n, (size_t)c * hw, hw, x + (size_t)ch * hw, g, sh,
                           y + (size_t)ch * hw);
    }
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
    #pragma omp parallel for schedule(static)
#endif
    for (ch = 0; ch < c; ch++) {
        double sdy = 0.0, sdyx = 0.0;
        float mu = mean[ch], rs = rstd[ch], a, bb, cc;
        int i, j;
        for (i = 0; i < n; i++) {
            const float *xp = x + i * plane + (size_t)ch * hw;
            const float *dp = dy + i * plane + (size_t)ch * hw;
            for (j = 0; j < hw; j++) {
                sdy += dp[j];
                sdyx += (double)dp[j] * ((xp[j] - mu) * rs);
            }
        }
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
      dW_in += da^T ze               dz += da W_in   (de += colsum of that) */
HNDEF void hn_hyperconv_generate_backward(hn_hyperconv *l, hn_params *ps,
                                          const float *dkernel)
{
    const hn_hyper *h = &l->h;
    const float *w_in = hn_params_data(ps, h->w_in);
    const float *w_out = hn_params_data(ps, h->w_out);
    const float *ze = l->e >= 0 ? l->ze : hn_params_data(ps, l->z);
    float *dw_in = hn_params_grad(ps, h->w_in);
    float *db_in = hn_params_grad(ps, h->b_in);
    float *dw_out = hn_params_grad(ps, h->w_out);
    float *db_out = hn_params_grad(ps, h->b_out);
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
