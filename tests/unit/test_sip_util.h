/*
 * test_sip_util.h - helpers shared by the parser tests (test_sip_*.c,
 * test_rfc4475.c, test_attack_requests.c, test_osip_diff.c).
 *
 * Every input handed to the parser is copied into a buffer of exactly its
 * size: under AddressSanitizer a malloc'd one (red zones on both sides),
 * otherwise one flush against a PROT_NONE page (picohttpparser's trick), so
 * reading one byte past the end crashes the test in the plain build too.
 */
#ifndef SIPSNARE_TEST_SIP_UTIL_H
#define SIPSNARE_TEST_SIP_UTIL_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "sip/sip.h"

#if defined(__SANITIZE_ADDRESS__)
#define TEST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define TEST_ASAN 1
#endif
#endif

typedef struct {
    char *map;
    size_t maplen;
    char *p;        /* the copy: p[len] is the first byte of a PROT_NONE page */
    size_t len;
} guarded;

#ifdef TEST_ASAN
static inline const char *guard_copy(guarded *g, const void *src, size_t n)
{
    g->map = malloc(n ? n : 1);
    if (g->map == NULL) {
        perror("malloc");
        exit(2);
    }
    g->maplen = 0;
    g->p = n ? g->map : g->map + 1; /* n == 0: even p[0] is out of bounds */
    if (n)
        memcpy(g->p, src, n);
    g->len = n;
    return g->p;
}

static inline void guard_free(guarded *g)
{
    free(g->map);
}
#else
static inline const char *guard_copy(guarded *g, const void *src, size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (n + pg - 1) / pg;
    g->maplen = (data_pages + 1) * pg;
    g->map = mmap(NULL, g->maplen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g->map == MAP_FAILED) {
        perror("mmap");
        exit(2);
    }
    if (mprotect(g->map + data_pages * pg, pg, PROT_NONE) != 0) {
        perror("mprotect");
        exit(2);
    }
    g->p = g->map + data_pages * pg - n;
    if (n)
        memcpy(g->p, src, n);
    g->len = n;
    return g->p;
}

static inline void guard_free(guarded *g)
{
    munmap(g->map, g->maplen);
}
#endif

/* Reads a file (relative to the repository root) into a guarded copy. */
static inline const char *guard_file(guarded *g, const char *path)
{
    size_t n;
    char *tmp = check_read_file(path, &n);
    const char *p = guard_copy(g, tmp, n);
    free(tmp);
    return p;
}

/* Parses a C-string literal as one datagram from a guarded copy. */
static inline int parse_lit(const char *text, sip_msg *m)
{
    /* The views point into the copy, so it is kept until the next call. */
    static guarded g;
    static bool have;
    if (have)
        guard_free(&g);
    guard_copy(&g, text, strlen(text));
    have = true;
    return sip_parse_datagram(g.p, g.len, m);
}

/* The decoded (%HH) value of a view, for comparing escaped user parts. */
static inline size_t unescaped(sip_str s, char *out, size_t cap)
{
    size_t n = sip_str_unescape(s, out, cap);
    return n == (size_t)-1 ? 0 : n;
}

/* File names of a directory matching a suffix, sorted (for stable output).
 * Returns the count; *names is malloc'd (free each and the array). */
static inline int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static inline size_t list_dir(const char *dir, const char *suffix, char ***names)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    size_t n = 0, cap = 16;
    char **v = malloc(cap * sizeof *v);
    if (!d || !v) {
        fprintf(stderr, "cannot list %s\n", dir);
        exit(2);
    }
    while ((e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name), sl = strlen(suffix);
        if (e->d_name[0] == '.' || l < sl || strcmp(e->d_name + l - sl, suffix) != 0)
            continue;
        if (n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(v, n, sizeof *v, cmp_names);
    *names = v;
    return n;
}

#endif
