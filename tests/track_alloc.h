/* track_alloc.h - include before hypernet.h in a test that must prove no
   input makes the library ask for a huge block: it routes the library's
   allocator through functions that remember the largest request in
   largest_alloc. */
#ifndef HN_TEST_TRACK_ALLOC_H
#define HN_TEST_TRACK_ALLOC_H

#include <stdlib.h>

static size_t largest_alloc = 0;

static void *tracking_malloc(size_t n)
{
    if (n > largest_alloc) largest_alloc = n;
    return malloc(n);
}

static void *tracking_realloc(void *p, size_t n)
{
    if (n > largest_alloc) largest_alloc = n;
    return realloc(p, n);
}

#define HN_MALLOC(n) tracking_malloc(n)
#define HN_REALLOC(p, n) tracking_realloc(p, n)
#define HN_FREE(p) free(p)

#endif
