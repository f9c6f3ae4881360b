/* util.h - small helpers the example and benchmark programs share; not part
   of the library. Include it before anything else: it asks for POSIX
   clocks and mkdir. */
#ifndef HN_EXAMPLES_UTIL_H
#define HN_EXAMPLES_UTIL_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif
#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* Wall-clock seconds from a monotonic clock. */
static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* mkdir -p: create path and any missing parents. 0 on success, else -1
   with errno set (a path of 1,024 bytes or more is ENAMETOOLONG). */
#if defined(__GNUC__)
__attribute__((unused))
#endif
static int make_dirs(const char *path)
{
    char buf[1024];
    size_t i, n = strlen(path);
    if (n == 0 || n >= sizeof buf) {
        errno = n ? ENAMETOOLONG : ENOENT;
        return -1;
    }
    memcpy(buf, path, n + 1);
    for (i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0') continue;
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST) return -1;
        buf[i] = path[i];
    }
    return 0;
}

#endif
