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
#include <stddef.h>
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

/* Lazy parsing (sip.h): frames buf into *lazy, checks that the framing
 * fields equal eager's (a sip_parse_datagram/stream result of the same
 * bytes) and that its warnings are a subset, then runs every accessor in
 * an order picked by seed (twice: memoised) and checks each result and, at
 * the end, the warnings against eager. Returns the number of mismatches. */
static inline bool lazy_view_eq(sip_str a, sip_str b)
{
    return a.p == b.p && a.len == b.len;
}

static inline int lazy_matches(const sip_msg *eager, sip_msg *lazy, unsigned seed)
{
    int bad = 0;
    if (memcmp(eager, lazy, offsetof(sip_msg, warnings)) != 0 ||
        memcmp((const char *)eager + offsetof(sip_msg, error), (const char *)lazy + offsetof(sip_msg, error),
               offsetof(sip_msg, parsed) - offsetof(sip_msg, error)) != 0 ||
        eager->n_headers != lazy->n_headers || (lazy->warnings & ~eager->warnings) != 0)
        bad++;
    for (unsigned i = 0; i < eager->n_headers && i < lazy->n_headers; i++)
        if (eager->headers[i].kind != lazy->headers[i].kind ||
            !lazy_view_eq(eager->headers[i].name, lazy->headers[i].name) ||
            !lazy_view_eq(eager->headers[i].value, lazy->headers[i].value))
            bad++;
    for (unsigned k = 0; k < 2 * 10; k++) {
        switch ((k + seed) % 10) {
        case 0: bad += memcmp(sip_msg_from(lazy), &eager->from, sizeof eager->from) != 0; break;
        case 1: bad += memcmp(sip_msg_to(lazy), &eager->to, sizeof eager->to) != 0; break;
        case 2:
            bad += sip_msg_vias(lazy) != eager->n_via || sip_msg_via(lazy, eager->n_via) != NULL;
            for (unsigned i = 0; i < eager->n_via && i < sip_msg_vias(lazy); i++)
                bad += memcmp(sip_msg_via(lazy, i), &eager->via[i], sizeof eager->via[i]) != 0;
            break;
        case 3:
            bad += sip_msg_contacts(lazy) != eager->n_contact || sip_msg_contact(lazy, eager->n_contact) != NULL;
            for (unsigned i = 0; i < eager->n_contact && i < sip_msg_contacts(lazy); i++)
                bad += memcmp(sip_msg_contact(lazy, i), &eager->contact[i], sizeof eager->contact[i]) != 0;
            break;
        case 4: bad += memcmp(sip_msg_authorization(lazy), &eager->authorization, sizeof(sip_digest)) != 0; break;
        case 5: bad += memcmp(sip_msg_proxy_authorization(lazy), &eager->proxy_authorization, sizeof(sip_digest)) != 0; break;
        case 6: bad += memcmp(sip_msg_www_authenticate(lazy), &eager->www_authenticate, sizeof(sip_digest)) != 0; break;
        case 7: bad += memcmp(sip_msg_proxy_authenticate(lazy), &eager->proxy_authenticate, sizeof(sip_digest)) != 0; break;
        case 8: bad += sip_msg_max_forwards(lazy) != eager->max_forwards; break;
        case 9: bad += sip_msg_expires(lazy) != eager->expires; break;
        }
    }
    for (int k = SIP_HDR_OTHER + 1; k < SIP_HDR_KIND_COUNT; k++) {
        sip_str v = sip_msg_header(lazy, (sip_hdr_kind)k), w = SIP_STR_NULL;
        for (unsigned i = 0; i < eager->n_headers; i++)
            if (eager->headers[i].kind == (sip_hdr_kind)k) {
                w = eager->headers[i].value;
                break;
            }
        bad += !lazy_view_eq(v, w);
    }
    bad += lazy->warnings != eager->warnings;
    sip_msg_parse_all(lazy);
    bad += lazy->warnings != eager->warnings;
    return bad;
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
