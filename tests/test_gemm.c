/* GEMM: hn_sgemm against the double-precision triple loop hn_sgemm_ref over
   every small shape, large and odd shapes past every cache block, the BLAS
   alpha/beta rules, strides with guard values, the workspace entry point,
   the scalar kernel against the vector one, a failed allocation, and the
   thread count (bit-identical results). Inputs are uniform in [-1, 1), so an
   error is measured against the k-scaled magnitude |alpha| k + |beta|.
   -DTEST_GEMM_QUICK thins the sweep to the sizes around every tile edge and
   runs the largest shape untransposed only (for slow emulators). */
#include <stdlib.h>

/* An allocator the test can make fail, to reach hn_sgemm's fallback. */
static int fail_alloc = 0;
static void *test_malloc(size_t n) { return fail_alloc ? NULL : malloc(n); }
#define HN_MALLOC(n) test_malloc(n)
#define HN_REALLOC(p, n) realloc(p, n)
#define HN_FREE(p) free(p)

#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"
#include "test.h"

#include <math.h>
#include <string.h>

/* Rounding of a k-term float sum stays far below this; one wrong or missing
   term of a 1000-term product is well above it. */
#define TOL 1e-5

static hn_rng rng;

typedef void (*gemm_fn)(int, int, int, int, int, float, const float *, int,
                        const float *, int, float, float *, int);

static float *new_uniform(size_t count)
{
    float *x = (float *)malloc((count ? count : 1) * sizeof(float));
    if (!x) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    hn_rng_fill_uniform(&rng, x, count, -1.0f, 1.0f);
    return x;
}

/* Largest |x - y| over count values, scaled by the product's magnitude;
   NaN anywhere counts as infinitely wrong. */
static double rel_diff(const float *x, const float *y, size_t count, int k,
                       float alpha, float beta)
{
    double norm = fabs(alpha) * k + fabs(beta), worst = 0.0;
    size_t i;
    if (norm == 0.0) norm = 1.0;
    for (i = 0; i < count; i++) {
        double d = fabs((double)x[i] - y[i]) / norm;
        if (!(d <= worst)) worst = d != d ? HUGE_VAL : d;
    }
    return worst;
}

/* One product with tight strides: fn against the reference, from the same
   random C (NaN when beta is 0, which must not leak). Returns the error. */
static double one_case(gemm_fn fn, int ta, int tb, int m, int n, int k, float alpha,
                       float beta)
{
    float *a = new_uniform((size_t)m * k), *b = new_uniform((size_t)k * n);
    float *c = new_uniform((size_t)m * n), *r = (float *)malloc((size_t)m * n * 4);
    double e;
    size_t i;
    if (beta == 0.0f)
        for (i = 0; i < (size_t)m * n; i++) c[i] = NAN;
    memcpy(r, c, (size_t)m * n * sizeof(float));
    fn(ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, c, n);
    hn_sgemm_ref(ta, tb, m, n, k, alpha, a, ta ? m : k, b, tb ? k : n, beta, r, n);
    e = rel_diff(c, r, (size_t)m * n, k, alpha, beta);
    free(a); free(b); free(c); free(r);
    return e;
}

static void report(const char *group, double worst)
{
    printf("%-34s max relative error %.2e (tolerance %.0e)\n", group, worst, TOL);
    CHECK(worst <= TOL, "%s: error %.3e", group, worst);
}

/* Every m, n, k in 1..40 under all four transposes; (alpha, beta) cycles
   through the three kinds of beta. Each product takes the leading block of
   40 x 40 matrices (so the strides are wider than most rows), and the
   reference comes from running sums over p, in double, computed once. */
#define SW 40
static int next_size(int x)
{
#ifdef TEST_GEMM_QUICK
    /* Edges of 4-, 8-, 12-, 16- and 24-wide tiles, and a few between. */
    static const int quick[] = {1, 2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 16, 17, 23, 24,
                                25, 31, 33, 37, 40, 41};
    int i = 0;
    while (quick[i] <= x) i++;
    return quick[i];
#else
    return x + 1;
#endif
}

static void test_small_sweep(void)
{
    static const float ab[3][2] = {{1.0f, 0.0f}, {0.5f, 1.0f}, {-1.5f, 0.25f}};
    static double sum[SW + 1][SW][SW]; /* sum[k][i][j]: first k terms */
    float *a = new_uniform(SW * SW), *b = new_uniform(SW * SW), *c0 = new_uniform(SW * SW);
    float at[SW * SW], bt[SW * SW], c[SW * SW];
    int ta, tb, m, n, k, i, j;
    for (i = 0; i < SW; i++)
        for (j = 0; j < SW; j++) {
            at[j * SW + i] = a[i * SW + j];
            bt[j * SW + i] = b[i * SW + j];
            sum[0][i][j] = 0.0;
        }
    for (k = 1; k <= SW; k++)
        for (i = 0; i < SW; i++)
            for (j = 0; j < SW; j++)
                sum[k][i][j] = sum[k - 1][i][j] + (double)a[i * SW + k - 1] * b[(k - 1) * SW + j];
    for (ta = 0; ta < 2; ta++)
        for (tb = 0; tb < 2; tb++) {
            double worst = 0.0;
            char name[64];
            for (m = 1; m <= SW; m = next_size(m))
                for (n = 1; n <= SW; n = next_size(n))
                    for (k = 1; k <= SW; k = next_size(k)) {
                        const float *p = ab[(m + n + k) % 3];
                        double e = 0.0, norm = fabs(p[0]) * k + fabs(p[1]);
                        for (i = 0; i < SW * SW; i++) c[i] = p[1] == 0.0f ? NAN : c0[i];
                        hn_sgemm(ta, tb, m, n, k, p[0], ta ? at : a, SW, tb ? bt : b, SW,
                                 p[1], c, SW);
                        for (i = 0; i < m; i++)
                            for (j = 0; j < n; j++) {
                                double r = p[0] * sum[k][i][j];
                                double d;
                                if (p[1] != 0.0f) r += (double)p[1] * c0[i * SW + j];
                                d = fabs(c[i * SW + j] - r) / norm;
                                if (!(d <= e)) e = d != d ? HUGE_VAL : d;
                            }
                        if (e > TOL)
                            CHECK(0, "m=%d n=%d k=%d ta=%d tb=%d: error %.3e", m, n, k,
                                  ta, tb, e);
                        if (e > worst) worst = e;
                    }
            sprintf(name, "sweep 1..40^3, ta=%d tb=%d", ta, tb);
            report(name, worst);
        }
    free(a); free(b); free(c0);
}

/* Shapes past MC, KC and NC and odd ones around them; the ones with a
   narrow C (n = 1, 5, 7) run transposed inside. 64^3 and 64 x 10 x 784
   (NT) take the unpacked small and dot-product paths, 6 x 3 x 300 and
   301 x 16 x 600 the dot path with partial tiles both ways; 1 x 1000 x 300,
   3 x 21 x 77 and 2 x 7 x 64 (NT) are matrix-vector products on the dot
   path, the last two with a partial tile of B's rows and a k that is not
   a whole number of vectors; 13 x 48 x 20 a partial tile of rows on the
   small path. */
static void test_large_shapes(void)
{
    static const int shapes[][3] = {
        {1, 1, 1},     {7, 33, 257},  {257, 7, 33},  {33, 257, 7}, {1, 1000, 300},
        {1000, 1, 300}, {300, 7, 1000}, {257, 33, 1},  {64, 784, 9}, {1000, 5, 300},
        {130, HN_GEMM_NC + 20, HN_GEMM_KC + 4}, {HN_GEMM_MC * 2 + 3, 61, 2 * HN_GEMM_KC + 1},
        {64, 64, 64},  {64, 10, 784}, {6, 3, 300},  {61, 16, 63}, {301, 16, 600},
        {3, 21, 77},   {2, 7, 64},    {13, 48, 20},  {20, 800, 16}
    };
    int s, ta, tb;
    double worst = 0.0;
    for (s = 0; s < (int)(sizeof(shapes) / sizeof(shapes[0])); s++)
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++) {
                const int *d = shapes[s];
                double e;
#ifdef TEST_GEMM_QUICK
                if ((ta || tb) && (double)d[0] * d[1] * d[2] > 1e8) continue;
#endif
                e = one_case(hn_sgemm, ta, tb, d[0], d[1], d[2], 0.75f,
                                    (s & 1) ? 0.0f : -0.5f);
                CHECK(e <= TOL, "%d x %d x %d ta=%d tb=%d: error %.3e", d[0], d[1], d[2],
                      ta, tb, e);
                if (e > worst) worst = e;
                /* And as a layer's forward pass calls it, where the dot
                   and small paths write whole tiles straight into C. */
                e = one_case(hn_sgemm, ta, tb, d[0], d[1], d[2], 1.0f, 0.0f);
                CHECK(e <= TOL, "%d x %d x %d ta=%d tb=%d alpha 1 beta 0: error %.3e",
                      d[0], d[1], d[2], ta, tb, e);
                if (e > worst) worst = e;
            }
    report("large and odd shapes", worst);
}

/* The BLAS rules: alpha 0 reads neither A nor B, beta 0 never reads C, and
   k 0 or an empty C. The k > KC shape checks that beta is applied once. */
static void test_alpha_beta(void)
{
    static const float cases[][2] = {
        {1.0f, 0.0f}, {1.0f, 1.0f}, {-0.7f, 1.0f}, {2.0f, -0.3f}, {1.0f, 2.5f}
    };
    int s, i, z;
    double worst = 0.0;
    float a[6], b[6], c[4];
    for (s = 0; s < (int)(sizeof(cases) / sizeof(cases[0])); s++) {
        double e1 = one_case(hn_sgemm, 0, 0, 37, 45, 70, cases[s][0], cases[s][1]);
        double e2 = one_case(hn_sgemm, 1, 0, 150, 100, HN_GEMM_KC + 44, cases[s][0],
                             cases[s][1]);
        if (e1 > worst) worst = e1;
        if (e2 > worst) worst = e2;
    }
    report("alpha/beta cases", worst);

    /* alpha 0: C = beta C exactly, NaN in A and B ignored. */
    for (i = 0; i < 6; i++) a[i] = b[i] = NAN;
    for (i = 0; i < 4; i++) c[i] = (float)i + 1.0f;
    hn_sgemm(0, 0, 2, 2, 3, 0.0f, a, 3, b, 2, 0.5f, c, 2);
    CHECK(c[0] == 0.5f && c[1] == 1.0f && c[2] == 1.5f && c[3] == 2.0f,
          "alpha 0, beta 0.5: %g %g %g %g", c[0], c[1], c[2], c[3]);
    for (i = 0; i < 4; i++) c[i] = NAN;
    hn_sgemm(0, 0, 2, 2, 3, 0.0f, a, 3, b, 2, 0.0f, c, 2);
    for (z = 1, i = 0; i < 4; i++) z &= c[i] == 0.0f;
    CHECK(z, "alpha 0, beta 0 over NaN: C = 0");

    /* k = 0: C = beta C; m = 0 or n = 0 touches nothing. */
    for (i = 0; i < 4; i++) c[i] = 2.0f;
    hn_sgemm(0, 0, 2, 2, 0, 1.0f, a, 1, b, 2, 3.0f, c, 2);
    CHECK(c[0] == 6.0f && c[3] == 6.0f, "k 0, beta 3: %g", c[0]);
    hn_sgemm(0, 0, 0, 2, 3, 1.0f, a, 3, b, 2, 0.0f, c, 2);
    hn_sgemm(0, 0, 2, 0, 3, 1.0f, a, 3, b, 2, 0.0f, c, 2);
    CHECK(c[0] == 6.0f && c[3] == 6.0f, "m or n 0 leaves C alone");
}

/* Strides wider than the rows. The gaps in A and B hold NaN, which would
   show in C if packing (or the unpacked paths) read them; the gaps in C
   hold a guard value that must survive bit for bit. A and B are allocated
   to their last element, so a read past it trips the sanitizer. The last
   five shapes take the small path (op(B) as stored) and the dot path
   (NT), with partial tiles. */
static void test_strides(void)
{
    static const int shapes[][3] = {
        {5, 7, 3}, {37, 29, 41}, {130, 50, HN_GEMM_KC + 7}, {9, 100, 17}, {45, 6, 33},
        {64, 16, 64}, {13, 10, 260}, {7, 8, 60}, {2, 24, 5}, {11, 96, 13}
    };
    const float guard = 777.0f;
    int s, ta, tb;
    double worst = 0.0;
    for (s = 0; s < (int)(sizeof(shapes) / sizeof(shapes[0])); s++)
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++) {
                int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
                int arows = ta ? k : m, acols = ta ? m : k;
                int brows = tb ? n : k, bcols = tb ? k : n;
                int lda = acols + 3, ldb = bcols + 5, ldc = n + 4, i, j, bad = 0;
                size_t asz = (size_t)lda * (arows - 1) + acols;
                size_t bsz = (size_t)ldb * (brows - 1) + bcols;
                size_t csz = (size_t)ldc * (m + 2);
                float *a = new_uniform(asz), *b = new_uniform(bsz);
                float *c = new_uniform(csz), *r = (float *)malloc(csz * 4);
                float *cw = c + ldc, *rw = r + ldc; /* one guard row above */
                double e = 0.0;
                for (i = 0; i < arows - 1; i++)
                    for (j = acols; j < lda; j++) a[(size_t)i * lda + j] = NAN;
                for (i = 0; i < brows - 1; i++)
                    for (j = bcols; j < ldb; j++) b[(size_t)i * ldb + j] = NAN;
                for (i = 0; i < (int)csz; i++) c[i] = guard;
                for (i = 0; i < m; i++)
                    for (j = 0; j < n; j++) cw[(size_t)i * ldc + j] = 0.25f;
                memcpy(r, c, csz * sizeof(float));
                hn_sgemm(ta, tb, m, n, k, 1.5f, a, lda, b, ldb, 0.5f, cw, ldc);
                hn_sgemm_ref(ta, tb, m, n, k, 1.5f, a, lda, b, ldb, 0.5f, rw, ldc);
                for (i = 0; i < (int)csz; i++) {
                    int row = i / ldc - 1, col = i % ldc;
                    if (row >= 0 && row < m && col < n) {
                        double d = fabs((double)c[i] - r[i]) / (1.5 * k + 0.5);
                        if (!(d <= e)) e = d != d ? HUGE_VAL : d;
                    } else if (memcmp(&c[i], &guard, sizeof guard) != 0) {
                        bad++;
                    }
                }
                CHECK(bad == 0, "%d x %d x %d ta=%d tb=%d: %d guard values changed", m,
                      n, k, ta, tb, bad);
                CHECK(e <= TOL, "%d x %d x %d ta=%d tb=%d strided: error %.3e", m, n,
                      k, ta, tb, e);
                if (e > worst) worst = e;
                free(a); free(b); free(c); free(r);
            }
    report("strides with guards", worst);
}

/* The workspace entry point gives hn_sgemm's bits, from any alignment, and
   refuses a workspace that is too small without touching C. */
static void test_workspace(void)
{
    int m = 70, n = 300, k = 290, same;
    float *a = new_uniform((size_t)m * k), *b = new_uniform((size_t)k * n);
    float *c1 = new_uniform((size_t)m * n), *c2 = (float *)malloc((size_t)m * n * 4);
    size_t need = hn_sgemm_workspace_size(m, n, k);
    unsigned char *work = (unsigned char *)malloc(need + 1);
    hn_status st;
    memcpy(c2, c1, (size_t)m * n * sizeof(float));
    hn_sgemm(0, 1, m, n, k, 1.25f, a, k, b, k, 0.5f, c1, n);
    st = hn_sgemm_ws(0, 1, m, n, k, 1.25f, a, k, b, k, 0.5f, c2, n, work + 1, need);
    same = memcmp(c1, c2, (size_t)m * n * sizeof(float)) == 0;
    printf("workspace: %zu bytes for %d x %d x %d, same bits as hn_sgemm: %s\n", need,
           m, n, k, same ? "yes" : "no");
    CHECK(st == HN_OK && same, "hn_sgemm_ws: status %d, bits equal %d", (int)st, same);

    memcpy(c2, c1, (size_t)m * n * sizeof(float));
    st = hn_sgemm_ws(0, 1, m, n, k, 1.0f, a, k, b, k, 0.0f, c2, n, work, 64);
    CHECK(st == HN_ERR_ARG, "a 64-byte workspace is refused (status %d)", (int)st);
    CHECK(memcmp(c1, c2, (size_t)m * n * sizeof(float)) == 0, "refused call left C");
    CHECK(hn_sgemm_workspace_size(0, 5, 5) == 0, "no workspace for an empty product");
    st = hn_sgemm_ws(0, 0, 0, 5, 5, 1.0f, a, 5, b, 5, 0.0f, c2, 5, NULL, 0);
    CHECK(st == HN_OK, "empty product needs no workspace (status %d)", (int)st);
    free(a); free(b); free(c1); free(c2); free(work);
}

/* The scalar micro-kernel through the same driver agrees with the native
   one (the same kernel in a scalar build, so the same bits there). */
static void scalar_gemm(int ta, int tb, int m, int n, int k, float alpha,
                        const float *a, int lda, const float *b, int ldb, float beta,
                        float *c, int ldc)
{
    hn__sgemm_with(&hn__gemm_scalar, ta, tb, m, n, k, alpha, a, lda, b, ldb, beta,
                   c, ldc);
}

static void test_scalar_vs_simd(void)
{
    static const int shapes[][3] = {
        {1, 1, 1}, {5, 27, 13}, {33, 100, 300}, {64, 785, 9}, {129, 70, 515}
    };
    int s, ta, tb;
    double worst = 0.0, worst_ref = 0.0;
    printf("native kernel %d x %d, scalar kernel %d x %d\n", hn__gemm_native.mr,
           hn__gemm_native.nr, hn__gemm_scalar.mr, hn__gemm_scalar.nr);
    for (s = 0; s < (int)(sizeof(shapes) / sizeof(shapes[0])); s++)
        for (ta = 0; ta < 2; ta++)
            for (tb = 0; tb < 2; tb++) {
                int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
                float *a = new_uniform((size_t)m * k), *b = new_uniform((size_t)k * n);
                float *c1 = new_uniform((size_t)m * n);
                float *c2 = (float *)malloc((size_t)m * n * 4);
                double e;
                memcpy(c2, c1, (size_t)m * n * sizeof(float));
                hn_sgemm(ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 1.0f, c1,
                         n);
                scalar_gemm(ta, tb, m, n, k, 0.5f, a, ta ? m : k, b, tb ? k : n, 1.0f,
                            c2, n);
                e = rel_diff(c1, c2, (size_t)m * n, k, 0.5f, 1.0f);
                CHECK(e <= TOL, "%d x %d x %d ta=%d tb=%d: scalar vs native %.3e", m, n,
                      k, ta, tb, e);
                if (e > worst) worst = e;
                free(a); free(b); free(c1); free(c2);
                e = one_case(scalar_gemm, ta, tb, m, n, k, -1.0f, 0.0f);
                if (e > worst_ref) worst_ref = e;
            }
    report("scalar kernel vs native kernel", worst);
    report("scalar kernel vs reference", worst_ref);
}

/* When the pack buffers cannot be allocated, the unpacked loop still gives
   the right product. */
static void test_alloc_failure(void)
{
    double worst = 0.0, e;
    fail_alloc = 1;
    e = one_case(hn_sgemm, 0, 0, 50, 60, 300, 1.0f, 0.0f);
    if (e > worst) worst = e;
    e = one_case(hn_sgemm, 1, 1, 31, 17, 9, -2.0f, 0.5f);
    if (e > worst) worst = e;
    fail_alloc = 0;
    report("failed allocation (unpacked loop)", worst);
}

/* Bits must not depend on the thread count: slices along N (wide C) and
   along M (tall C), with odd sizes so the slices end in partial tiles.
   The last shape is NT, on the dot-product path. */
static void test_threads(void)
{
#ifdef _OPENMP
    static const int shapes[][3] = {
        {70, 1001, 300}, {1003, 45, 260}, {200, 203, 129}, {1003, 9, 300}, {61, 11, 2000}
    };
    int s, t, same = 1, saved = omp_get_max_threads();
    for (s = 0; s < 5; s++) {
        int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2], tb = s == 4;
        float *a = new_uniform((size_t)m * k), *b = new_uniform((size_t)k * n);
        float *c0 = new_uniform((size_t)m * n), *c1 = (float *)malloc((size_t)m * n * 4);
        float *c = (float *)malloc((size_t)m * n * 4);
        memcpy(c, c0, (size_t)m * n * sizeof(float));
        omp_set_num_threads(1);
        hn_sgemm(s == 1, tb, m, n, k, 1.0f, a, s == 1 ? m : k, b, tb ? k : n, 0.5f, c, n);
        for (t = 2; t <= 3; t++) {
            int eq;
            memcpy(c1, c0, (size_t)m * n * sizeof(float));
            omp_set_num_threads(t);
            hn_sgemm(s == 1, tb, m, n, k, 1.0f, a, s == 1 ? m : k, b, tb ? k : n, 0.5f, c1,
                     n);
            eq = memcmp(c, c1, (size_t)m * n * sizeof(float)) == 0;
            CHECK(eq, "%d x %d x %d: 1 and %d threads differ", m, n, k, t);
            same &= eq;
        }
        free(a); free(b); free(c0); free(c1); free(c);
    }
    omp_set_num_threads(saved);
    printf("threads: 1, 2 and 3 threads give the same bits: %s\n", same ? "yes" : "no");
#else
    printf("threads: built without OpenMP, nothing to compare\n");
#endif
}

int main(void)
{
    hn_rng_seed(&rng, 2016);
    test_small_sweep();
    test_large_shapes();
    test_alpha_beta();
    test_strides();
    test_workspace();
    test_scalar_vs_simd();
    test_alloc_failure();
    test_threads();
    return test_exit("test_gemm");
}
