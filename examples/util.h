/* util.h - small helpers the example and benchmark programs share; not part
   of the library. Include it before anything else: it asks for POSIX
   clocks. */
#ifndef HN_EXAMPLES_UTIL_H
#define HN_EXAMPLES_UTIL_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <time.h>

/* Wall-clock seconds from a monotonic clock. */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

#endif
