/* Compiled by tests/compile_checks.sh under every compiler and
   configuration the header promises to build with. It only has to compile
   (and, where the check runs it, return 0); the header's implementation is
   the real subject. */
#ifdef CUSTOM_ALLOCATOR
#include <stdlib.h>
static size_t allocations;
static void *counting_malloc(size_t n) { allocations++; return malloc(n); }
#define HN_MALLOC(n) counting_malloc(n)
#define HN_REALLOC(p, n) realloc(p, n)
#define HN_FREE(p) free(p)
#endif
#define HYPERNET_IMPLEMENTATION
#include "../hypernet.h"

int main(void)
{
    float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, c[4];
    hn_rng r;
    hn_params ps;
    int shape[2] = {2, 3};
    hn_sgemm(0, 0, 2, 2, 3, 1.0f, a, 3, b, 2, 0.0f, c, 2);
    hn_rng_seed(&r, 1);
    hn_params_init(&ps);
    if (hn_params_add(&ps, "w", 2, shape) < 0 || hn_params_alloc(&ps) != HN_OK)
        return 1;
    hn_rng_fill_normal(&r, ps.data, 6, 0.0f, 1.0f);
    hn_params_free(&ps);
    /* [1 2 3; 4 5 6] * [1 0; 0 1; 1 1] = [4 5; 10 11] */
    return (c[0] == 4 && c[1] == 5 && c[2] == 10 && c[3] == 11) ? 0 : 1;
}
