/*
 * check.h - the whole unit-test framework: a table of named cases per file,
 * CHECK macros that count, and a summary line "<file>: N passed, N failed"
 * that tests/run.sh adds up. A case is a function; a failed CHECK prints
 * file:line and the expression, and the case goes on.
 */
#ifndef SIPSNARE_CHECK_H
#define SIPSNARE_CHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int check_failures_in_case;

#define CHECK(cond) do { if (!(cond)) { \
    fprintf(stderr, "  %s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); \
    check_failures_in_case++; } } while (0)

#define CHECK_INT(a, b) do { long long va_ = (long long)(a), vb_ = (long long)(b); \
    if (va_ != vb_) { fprintf(stderr, "  %s:%d: %s == %lld, expected %lld\n", \
        __FILE__, __LINE__, #a, va_, vb_); check_failures_in_case++; } } while (0)

/* Compares a (pointer, length) view with a C string. */
#define CHECK_VIEW(view, lit) do { const char *l_ = (lit); \
    if ((view).p == NULL || (view).len != strlen(l_) || memcmp((view).p, l_, (view).len) != 0) { \
        fprintf(stderr, "  %s:%d: %s == \"%.*s\"%s, expected \"%s\"\n", __FILE__, __LINE__, #view, \
            (int)((view).p ? (view).len : 0), (view).p ? (view).p : "", \
            (view).p ? "" : " (absent)", l_); check_failures_in_case++; } } while (0)

#define CHECK_ABSENT(view) do { if ((view).p != NULL) { \
    fprintf(stderr, "  %s:%d: %s should be absent, is \"%.*s\"\n", __FILE__, __LINE__, #view, \
        (int)(view).len, (view).p); check_failures_in_case++; } } while (0)

#define CHECK_STR(a, b) do { const char *sa_ = (a), *sb_ = (b); \
    if (sa_ == NULL || strcmp(sa_, sb_) != 0) { fprintf(stderr, "  %s:%d: %s == \"%s\", expected \"%s\"\n", \
        __FILE__, __LINE__, #a, sa_ ? sa_ : "(null)", sb_); check_failures_in_case++; } } while (0)

struct check_case { const char *name; void (*fn)(void); };

/* Runs the cases; prints one line per failed case and the summary. */
static inline int check_run(const char *suite, const struct check_case *cases, size_t n)
{
    int passed = 0, failed = 0;
    for (size_t i = 0; i < n; i++) {
        check_failures_in_case = 0;
        cases[i].fn();
        if (check_failures_in_case) {
            fprintf(stderr, "FAIL %s: %s\n", suite, cases[i].name);
            failed++;
        } else {
            passed++;
        }
    }
    printf("%s: %d passed, %d failed\n", suite, passed, failed);
    return failed ? 1 : 0;
}

#define CHECK_MAIN(suite, ...) \
    int main(void) { static const struct check_case cases_[] = { __VA_ARGS__ }; \
        return check_run(suite, cases_, sizeof cases_ / sizeof cases_[0]); }

/* Reads a whole file into a malloc'd buffer; exits the test on failure. */
static inline char *check_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) { fprintf(stderr, "cannot open %s\n", path); exit(2); }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) buf = realloc(buf, cap *= 2);
    }
    fclose(f);
    if (!buf) { fprintf(stderr, "out of memory\n"); exit(2); }
    *len = n;
    return buf;
}

#endif
