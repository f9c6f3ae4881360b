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

/* ---- end of optimizers API ---- */

/* ========================================================================
   Static hypernetworks (HyperConv2D)
   ======================================================================== */

/* ---- end of static hypernetwork API ---- */

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

/* A configuration with the usual defaults (forget bias 1, no dropout,
   Hh = 128 and Z = 4 as in the paper's character models). */
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

/* ---- end of optimizers implementation ---- */

/* ========================================================================
   Static hypernetwork implementation
   ======================================================================== */

/* ---- end of static hypernetwork implementation ---- */

/* ========================================================================
   Recurrent implementation
   ======================================================================== */

/* Layer norm (Ba, Kiros and Hinton 2016) keeps eps inside the square root,
   as the paper's reference code does. */
#define HN__LN_EPS 1e-5f

/* A row whose work is below this many multiply-adds runs on one thread:
   forking a team costs a few microseconds. */
#define HN__LSTM_OMP_MIN 8192

static float hn__sigmoidf(float x) { return 1.0f / (1.0f + HN_EXPF(-x)); }

/* xhat = (x - mean(x)) / sqrt(var(x) + eps) over n values; returns the
   1/sqrt(var + eps) that the backward pass needs. */
static float hn__ln_row(const float *x, float *xhat, int n)
{
    float mean = 0.0f, var = 0.0f, rstd;
    int j;
    for (j = 0; j < n; j++) mean += x[j];
    mean /= (float)n;
    for (j = 0; j < n; j++) var += (x[j] - mean) * (x[j] - mean);
    rstd = 1.0f / HN_SQRTF(var / (float)n + HN__LN_EPS);
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
    for (j = 0; j < n; j++) {
        float d = dy[j] * g[j];
        m1 += d;
        m2 += d * xhat[j];
    }
    m1 /= (float)n;
    m2 /= (float)n;
    for (j = 0; j < n; j++) {
        float v = rstd * (dy[j] * g[j] - m1 - xhat[j] * m2);
        dx[j] = accumulate ? dx[j] + v : v;
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
            for (j = y * n; j < (y + 1) * n; j++) act[j] = k->gain[j] * xhat[j] + k->bias[j];
        }
    } else {
        memcpy(act, a, (size_t)4 * n * sizeof(float));
    }

    /* c = sigmoid(f + fb) * c_prev + sigmoid(i) * drop(tanh(g)) */
    for (j = 0; j < n; j++) {
        float i = hn__sigmoidf(act[j]);
        float g = HN_TANHF(act[n + j]);
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
        for (j = 0; j < n; j++) tc[j] = HN_TANHF(k->cgain[j] * chat[j] + k->cbias[j]);
    } else {
        for (j = 0; j < n; j++) tc[j] = HN_TANHF(c[j]);
    }
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
        for (j = 0; j < n; j++) dcl[j] = dh[j] * act[3 * n + j] * (1.0f - tc[j] * tc[j]);
        hn__ln_row_backward(k->chat + r * n, dcl, k->cgain, k->crstd[r], dc, n, 1);
    } else {
        for (j = 0; j < n; j++) dc[j] += dh[j] * act[3 * n + j] * (1.0f - tc[j] * tc[j]);
    }

    /* through the gates' nonlinearities and c = f c_prev + i g m */
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
            for (j = 0; j < H; j++) {
                sxy[j] += zx * wxz[row + j];
                shy[j] += zh * whz[row + j];
                ay[j] += zb * wbz[row + j];
            }
        }
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
        hn__lstm_gemm(w, 1, 0, H, G, TB, 1.0f, mc->hs, H, gh, G, 1.0f, hn_params_grad(ps, m->wh), G);
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
    hn__lstm_gemm(w, 1, 0, E, Gh, TB, 1.0f, w->x, E, hc->a, Gh, 1.0f, hn_params_grad(ps, m->hwx), Gh);
    hn__lstm_gemm(w, 1, 0, H, Gh, TB, 1.0f, mc->hs, H, hc->a, Gh, 1.0f, hn_params_grad(ps, m->hwh),
             Gh);
    hn__lstm_gemm(w, 1, 0, Hh, Gh, TB, 1.0f, hc->hs, Hh, hc->a, Gh, 1.0f,
             hn_params_grad(ps, m->hwhh), Gh);
    if (m->hb >= 0) hn__colsum_add(hc->a, (size_t)TB, Gh, Gh, hn_params_grad(ps, m->hb));
    if (dx)
        hn__lstm_gemm(w, 0, 1, TB, E, Gh, 1.0f, hc->a, Gh, hn_params_data(ps, m->hwx), Gh, 1.0f, dx, E);
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
