/* test.h - the few macros the test programs share.

   Each test program includes this after hypernet.h, calls CHECK for every
   comparison, and returns test_exit(): non-zero when any check failed. The
   checks print what they compared, so a failure explains itself. */
#ifndef HN_TEST_H
#define HN_TEST_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

static int test_failures = 0;
static int test_checks = 0;

#define CHECK(cond, ...)                                                  \
    do {                                                                  \
        test_checks++;                                                    \
        if (!(cond)) {                                                    \
            test_failures++;                                              \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                 \
            fputc('\n', stderr);                                          \
        }                                                                 \
    } while (0)

/* Directory of the shared fixtures and data mirror; the Makefile passes the
   real location, these defaults fit a checkout beside ../shared. */
#ifndef TEST_SHARED_DIR
#define TEST_SHARED_DIR "../shared"
#endif

/* Largest |a[i] - b[i]| over n floats, in double. */
static inline double max_abs_diff(const float *a, const float *b, size_t n)
{
    double worst = 0.0;
    size_t i;
    for (i = 0; i < n; i++) worst = fmax(worst, fabs((double)a[i] - b[i]));
    return worst;
}

static int test_exit(const char *name)
{
    printf("%s: %d checks, %d failed\n", name, test_checks, test_failures);
    return test_failures ? 1 : 0;
}

#endif
