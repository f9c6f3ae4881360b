/* bench_gemm - hn_sgemm in GFLOP/s on square sizes and the shapes neural
   layers give it, beside a naive loop (small sizes only) and, when built
   with -DHN_BENCH_OPENBLAS -lopenblas, OpenBLAS's cblas_sgemm on the same
   matrices in the same run. Every rate is also shown as a fraction of this
   core's FMA peak, measured first with the widest FMA the build has.

      build/bench_gemm [filter]      only the cases whose name contains filter

   Threads: OMP_NUM_THREADS for both libraries (OpenBLAS is told the same
   count). Each figure is the median of several timed samples (one call, or a
   run of calls of a small product), hn and OpenBLAS
   interleaved so that a noisy neighbour hurts both alike. On one thread the
   clock is the thread's CPU time, which stops while another process has
   the core (this machine is shared); on several it is the wall clock.
   With several threads the line also gives the rate by the process's CPU
   time times the thread count: what the threads would reach with a core
   each, a stand-in for the wall-clock rate while the machine is shared.
   With several threads the peak is measured on all of them at once, and a
   last line times 1024^3 on one thread and on all of them in turn: the
   speed-up, both medians under the same load.
   HN_BENCH_WALL=1 in the environment asks for the wall clock always;
   HN_BENCH_OPENBLAS=0 leaves OpenBLAS out (its idle threads spin, which
   disturbs hn's threads when the two take turns).
   Matrices start on a 64-byte line, as the library's parameter store
   places its tensors; HN_BENCH_OFFSET=16 (bytes, a multiple of 4) starts
   them that far past one instead, where malloc usually leaves them: a
   vector store to C then straddles two lines. */
#include "../examples/util.h"

#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef HN_BENCH_OPENBLAS
#include <cblas.h>
#endif

#define MAX_REPS 15

static int use_cpu_clock, threads = 1;
static size_t offset_bytes;
#ifdef HN_BENCH_OPENBLAS
static int use_openblas = 1;
#endif

static double process_cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now(void)
{
    if (use_cpu_clock) {
        struct timespec ts;
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
    }
    return now_seconds();
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* The median time; HN_BENCH_BEST=1 takes the fastest instead (for tuning,
   where the least disturbed call is the one to compare). */
static int use_best;

static double median(double *t, int n)
{
    qsort(t, (size_t)n, sizeof(double), cmp_double);
    if (use_best) return t[0];
    return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

/* Peak multiply-add rate of one core: twelve independent accumulators, more
   than FMA latency (4 cycles on Zen 3) times FMA pipes (2) needs. The
   vector type and FMA are the ones hn_sgemm's kernel uses. */
#ifdef HN__VW
#define PEAK_ACC 12
static double fma_peak_gflops(void)
{
    hn__vf acc[PEAK_ACC], x = HN__VSET1(0.999999f), y = HN__VSET1(1e-7f);
    float out[HN__VW], sink = 0.0f;
    double best = 0.0;
    long it, iters = 2000000;
    int rep, i;
    for (rep = 0; rep < 5; rep++) {
        double t0, t;
        for (i = 0; i < PEAK_ACC; i++) acc[i] = HN__VSET1((float)i);
        t0 = now();
        for (it = 0; it < iters; it++) {
            acc[0] = HN__VFMA(acc[0], x, y); acc[1] = HN__VFMA(acc[1], x, y);
            acc[2] = HN__VFMA(acc[2], x, y); acc[3] = HN__VFMA(acc[3], x, y);
            acc[4] = HN__VFMA(acc[4], x, y); acc[5] = HN__VFMA(acc[5], x, y);
            acc[6] = HN__VFMA(acc[6], x, y); acc[7] = HN__VFMA(acc[7], x, y);
            acc[8] = HN__VFMA(acc[8], x, y); acc[9] = HN__VFMA(acc[9], x, y);
            acc[10] = HN__VFMA(acc[10], x, y); acc[11] = HN__VFMA(acc[11], x, y);
        }
        t = now() - t0;
        for (i = 0; i < PEAK_ACC; i++) {
            HN__VSTORE(out, acc[i]);
            sink += out[0];
        }
        if (2.0 * PEAK_ACC * HN__VW * iters / t * 1e-9 > best)
            best = 2.0 * PEAK_ACC * HN__VW * iters / t * 1e-9;
    }
    if (sink == 12345.0f) printf("(sink)\n");
    return best;
}
#else
/* Without vector intrinsics: eight scalar multiply-add chains. Only a
   yardstick: the compiler may vectorise the scalar GEMM kernel itself, which
   can then run faster than this "peak". */
static double fma_peak_gflops(void)
{
    float acc[8] = {0, 1, 2, 3, 4, 5, 6, 7}, x = 0.999999f, y = 1e-7f;
    volatile float sink;
    double best = 0.0;
    long it, iters = 20000000;
    int rep, i;
    for (rep = 0; rep < 5; rep++) {
        double t0 = now(), t;
        for (it = 0; it < iters; it++)
            for (i = 0; i < 8; i++) acc[i] = acc[i] * x + y;
        t = now() - t0;
        if (16.0 * iters / t * 1e-9 > best) best = 16.0 * iters / t * 1e-9;
    }
    sink = acc[0] + acc[7];
    (void)sink;
    return best;
}
#endif

/* The micro-kernel alone, on A and B panels that stay in L1 and one C
   tile: the rate the GEMM could reach if packing and the caches beyond L1
   cost nothing. 128 deep, so that both panels take 28 KiB with AVX-512
   (at KC = 256 the B panel alone is 48 KiB, all of a 48 KiB L1d). */
static double kernel_peak_gflops(void)
{
    const hn__gemm_kernel *kr = &hn__gemm_native;
    int kc = 128, mr = kr->mr, nr = kr->nr, rep, i;
    long it, iters = 40000;
    float *pa = (float *)malloc((size_t)mr * kc * sizeof(float) + 64);
    float *pb = (float *)malloc((size_t)nr * kc * sizeof(float) + 64);
    float *c = (float *)malloc((size_t)mr * nr * sizeof(float) + 64);
    float *a64 = (float *)(((uintptr_t)pa + 63) & ~(uintptr_t)63);
    float *b64 = (float *)(((uintptr_t)pb + 63) & ~(uintptr_t)63);
    float *c64 = (float *)(((uintptr_t)c + 63) & ~(uintptr_t)63);
    double best = 0.0;
    for (i = 0; i < mr * kc; i++) a64[i] = 1e-3f * (float)(i % 7);
    for (i = 0; i < nr * kc; i++) b64[i] = 1e-3f * (float)(i % 5);
    for (i = 0; i < mr * nr; i++) c64[i] = 0.0f;
    for (rep = 0; rep < 5; rep++) {
        double t0 = now(), t;
        for (it = 0; it < iters; it++) kr->fn(kc, a64, b64, c64, (size_t)nr, 1.0f);
        t = now() - t0;
        if (2.0 * mr * nr * kc * iters / t * 1e-9 > best)
            best = 2.0 * mr * nr * kc * iters / t * 1e-9;
    }
    if (c64[0] == 12345.0f) printf("(sink)\n");
    free(pa); free(pb); free(c);
    return best;
}

/* count floats starting offset_bytes past a 64-byte boundary; *base is
   what to free. */
static float *bench_alloc(size_t count, void **base)
{
    unsigned char *p = (unsigned char *)malloc(count * sizeof(float) + 64 + offset_bytes);
    *base = p;
    if (!p) return NULL;
    return (float *)(void *)(p + (64 - (uintptr_t)p % 64) % 64 + offset_bytes);
}

/* The textbook loop, for scale. */
static void naive_sgemm(int m, int n, int k, const float *a, const float *b, float *c)
{
    int i, j, p;
    for (i = 0; i < m; i++)
        for (j = 0; j < n; j++) {
            float s = 0.0f;
            for (p = 0; p < k; p++) s += a[(size_t)i * k + p] * b[(size_t)p * n + j];
            c[(size_t)i * n + j] = s;
        }
}

typedef struct { const char *group; int m, n, k, ta, tb; } bench_case;

static double peak;
static double hn_total;
#ifdef HN_BENCH_OPENBLAS
static double ob_total;
#endif
static int cases_run;

static void run_case(const bench_case *bc, const char *filter)
{
    char name[96];
    int m = bc->m, n = bc->n, k = bc->k, ta = bc->ta, tb = bc->tb, r, q, reps, inner;
    int lda = ta ? m : k, ldb = tb ? k : n;
    double flops = 2.0 * m * n * k, th[MAX_REPS], tn[MAX_REPS], tc[MAX_REPS], hn_rate;
    float *a, *b, *c;
    void *a0, *b0, *c0;
    hn_rng rng;
#ifdef HN_BENCH_OPENBLAS
    double to[MAX_REPS], ob_rate, diff = 0.0, scale = 0.0;
    float *c2;
    void *c20;
    size_t i;
#endif
    sprintf(name, "%s %dx%dx%d %c%c", bc->group, m, n, k, ta ? 'T' : 'N', tb ? 'T' : 'N');
    if (filter && !strstr(name, filter)) return;

    a = bench_alloc((size_t)m * k, &a0);
    b = bench_alloc((size_t)k * n, &b0);
    c = bench_alloc((size_t)m * n, &c0);
    if (!a || !b || !c) {
        printf("%-36s out of memory\n", name);
        free(a0); free(b0); free(c0);
        return;
    }
    hn_rng_seed(&rng, 1);
    hn_rng_fill_uniform(&rng, a, (size_t)m * k, -1.0f, 1.0f);
    hn_rng_fill_uniform(&rng, b, (size_t)k * n, -1.0f, 1.0f);
    memset(c, 0, (size_t)m * n * sizeof(float));

    /* About 0.3 s of work per library, between 3 and MAX_REPS samples;
       a sample of a small product is a run of calls (about 1e7 flops, some
       50 us), which the clock's own cost (a system call for CPU time) and
       resolution do not disturb. */
    inner = (int)HN__MAX(1.0, HN__MIN(1000.0, 1e7 / HN__MAX(flops, 1.0)));
    reps = (int)(3e10 / HN__MAX(flops * inner, 1.0) * 0.3 / 3.0);
    reps = HN__MAX(3, HN__MIN(MAX_REPS, reps)) | 1;

#ifdef HN_BENCH_OPENBLAS
    c2 = bench_alloc((size_t)m * n, &c20);
    if (c2) memset(c2, 0, (size_t)m * n * sizeof(float));
    if (use_openblas) cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb, 0.0f,
                c2, n);
#endif
    hn_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
    for (r = 0; r < reps; r++) {
        double t0 = now(), p0 = process_cpu_seconds();
        for (q = 0; q < inner; q++)
            hn_sgemm(ta, tb, m, n, k, 1.0f, a, lda, b, ldb, 0.0f, c, n);
        th[r] = (now() - t0) / inner;
        tc[r] = (process_cpu_seconds() - p0) / inner;
#ifdef HN_BENCH_OPENBLAS
        if (!use_openblas) continue;
        t0 = now();
        for (q = 0; q < inner; q++)
            cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                        tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a, lda, b, ldb,
                        0.0f, c2, n);
        to[r] = (now() - t0) / inner;
#endif
    }
    hn_rate = flops / median(th, reps) * 1e-9;
    printf("%-36s hn %7.1f GFLOP/s (%3.0f%% peak)", name, hn_rate, 100 * hn_rate / peak);
    hn_total += log(hn_rate);
    if (threads > 1)
        printf(" [CPU-time x %d: %.1f]", threads, flops / median(tc, reps) * threads * 1e-9);
#ifdef HN_BENCH_OPENBLAS
    if (!use_openblas) goto done;
    ob_rate = flops / median(to, reps) * 1e-9;
    ob_total += log(ob_rate);
    for (i = 0; i < (size_t)m * n; i++) {
        double d = fabs((double)c[i] - c2[i]);
        if (d > diff) diff = d;
        if (fabs(c2[i]) > scale) scale = fabs(c2[i]);
    }
    printf("  openblas %7.1f (%3.0f%%)  hn/ob %.2f", ob_rate, 100 * ob_rate / peak,
           hn_rate / ob_rate);
    if (diff > 1e-4 * (scale + 1.0)) printf("  MISMATCH %.2e", diff);
done:
    free(c20);
#endif
    cases_run++;

    /* The naive loop only where it finishes in reasonable time. */
    if (!ta && !tb && flops <= 2.0 * 256 * 256 * 256) {
        int nr = 3;
        for (r = 0; r < nr; r++) {
            double t0 = now();
            naive_sgemm(m, n, k, a, b, c);
            tn[r] = now() - t0;
        }
        printf("  naive %6.2f", flops / median(tn, nr) * 1e-9);
    }
    printf("\n");
    fflush(stdout);
    free(a0); free(b0); free(c0);
}

#ifdef _OPENMP
/* The threads' speed-up on 1024^3: calls on one thread and on nt threads
   taken in turn (wall clock), so that both medians see the same load. */
static void thread_scaling(int nt)
{
    enum { N = 1024, REPS = 15 };
    double t1[REPS], tn[REPS], flops = 2.0 * N * N * N, r1, rn;
    float *a = (float *)malloc((size_t)N * N * sizeof(float));
    float *b = (float *)malloc((size_t)N * N * sizeof(float));
    float *c = (float *)malloc((size_t)N * N * sizeof(float));
    hn_rng rng;
    int r, t;
    if (!a || !b || !c) {
        printf("thread scaling: out of memory\n");
        free(a); free(b); free(c);
        return;
    }
    hn_rng_seed(&rng, 2);
    hn_rng_fill_uniform(&rng, a, (size_t)N * N, -1.0f, 1.0f);
    hn_rng_fill_uniform(&rng, b, (size_t)N * N, -1.0f, 1.0f);
    for (r = -1; r < REPS; r++)
        for (t = 0; t < 2; t++) {
            double t0;
            omp_set_num_threads(t ? nt : 1);
            t0 = now_seconds();
            hn_sgemm(0, 0, N, N, N, 1.0f, a, N, b, N, 0.0f, c, N);
            if (r >= 0) (t ? tn : t1)[r] = now_seconds() - t0;
        }
    omp_set_num_threads(nt);
    r1 = flops / median(t1, REPS) * 1e-9;
    rn = flops / median(tn, REPS) * 1e-9;
    printf("thread scaling %dx%dx%d NN: 1 thread %.1f GFLOP/s, %d threads %.1f "
           "(%.2fx, calls in turn)\n", N, N, N, r1, nt, rn, rn / r1);
    free(a); free(b); free(c);
}
#endif

int main(int argc, char **argv)
{
    static const bench_case cases[] = {
        {"square", 64, 64, 64, 0, 0},       {"square", 128, 128, 128, 0, 0},
        {"square", 256, 256, 256, 0, 0},    {"square", 512, 512, 512, 0, 0},
        {"square", 1024, 1024, 1024, 0, 0}, {"square", 2048, 2048, 2048, 0, 0},
        {"square", 1024, 1024, 1024, 1, 1},
        /* linear layers: m = batch, k = inputs, n = outputs (and the
           transposed products of the backward pass) */
        {"linear", 32, 1024, 256, 0, 0},    {"linear", 32, 1024, 256, 0, 1},
        {"linear", 32, 1024, 256, 1, 0},    {"linear", 32, 1024, 256, 1, 1},
        {"linear", 128, 4096, 1024, 0, 0},  {"linear", 128, 4096, 1024, 0, 1},
        {"linear", 128, 4096, 1024, 1, 0},  {"linear", 128, 4096, 1024, 1, 1},
        {"linear", 1, 1000, 784, 0, 1},     {"linear", 64, 10, 784, 0, 1},
        {"linear", 8, 256, 784, 0, 1},
        /* convolution by im2col: m = output channels, k = in channels x
           kernel area, n = output pixels (x batch) */
        {"im2col", 16, 784, 9, 0, 0},       {"im2col", 16, 50176, 25, 0, 0},
        {"im2col", 32, 12544, 144, 0, 0},   {"im2col", 64, 50000, 576, 0, 0},
        {"im2col", 64, 3136, 784, 0, 0},
        /* skinny k */
        {"skinny", 1024, 1024, 32, 0, 0},   {"skinny", 64, 4096, 64, 0, 0},
        {"skinny", 2048, 512, 16, 0, 0},
    };
    const char *filter = argc > 1 ? argv[1] : NULL;
    int i, nt = 1;
#ifdef _OPENMP
    nt = omp_get_max_threads();
#endif
    threads = nt;
#ifdef HN_BENCH_OPENBLAS
    use_openblas = !(getenv("HN_BENCH_OPENBLAS") && !atoi(getenv("HN_BENCH_OPENBLAS")));
    openblas_set_num_threads(nt);
    printf("OpenBLAS %s, core %s, %d thread(s)\n", openblas_get_config(),
           openblas_get_corename(), nt);
#endif
    use_cpu_clock = nt == 1 && !(getenv("HN_BENCH_WALL") && atoi(getenv("HN_BENCH_WALL")));
    use_best = getenv("HN_BENCH_BEST") && atoi(getenv("HN_BENCH_BEST"));
    if (getenv("HN_BENCH_OFFSET"))
        offset_bytes = (size_t)atoi(getenv("HN_BENCH_OFFSET")) / sizeof(float) * sizeof(float) % 64;
    printf("matrices start %u bytes past a 64-byte line\n", (unsigned)offset_bytes);
    printf("clock: %s, %s of up to %d samples\n",
           use_cpu_clock ? "thread CPU time" : "wall", use_best ? "fastest" : "median",
           MAX_REPS);
    peak = fma_peak_gflops();
    printf("hn_sgemm kernel %d x %d, blocks MC %d KC %d NC %d, %d thread(s)\n",
           hn__gemm_native.mr, hn__gemm_native.nr, HN_GEMM_MC, HN_GEMM_KC, HN_GEMM_NC,
           nt);
    if (nt == 1) {
        double kp = kernel_peak_gflops();
        printf("FMA peak of one core: %.1f GFLOP/s\n", peak);
        printf("micro-kernel on L1-resident panels: %.1f GFLOP/s (%.0f%% of peak)\n", kp,
               100 * kp / peak);
    } else {
        /* All cores at once may clock lower than one alone: the loop on
           every thread together is the ceiling the threaded rates have. */
        double one = peak;
        peak = 0.0;
#ifdef _OPENMP
#pragma omp parallel num_threads(nt) reduction(+ : peak)
#endif
        peak += fma_peak_gflops();
        printf("FMA peak of one core: %.1f GFLOP/s; of %d threads at once: %.1f "
               "(%.2fx one)\n", one, nt, peak, peak / one);
    }
    for (i = 0; i < (int)(sizeof(cases) / sizeof(cases[0])); i++) run_case(&cases[i], filter);
    if (cases_run) {
        printf("geometric mean over %d cases: hn %.1f GFLOP/s", cases_run,
               exp(hn_total / cases_run));
#ifdef HN_BENCH_OPENBLAS
        if (use_openblas)
            printf(", openblas %.1f, hn/ob %.2f", exp(ob_total / cases_run),
                   exp((hn_total - ob_total) / cases_run));
#endif
        printf("\n");
    }
#ifdef _OPENMP
    if (nt > 1 && (!filter || strstr("thread scaling", filter))) thread_scaling(nt);
#endif
    return 0;
}
