/*
 * seqset.c - per run, a sorted array of disjoint, non-adjacent intervals.
 * Runs are found through a dimcache (run id -> slot). The common case, the
 * next number of a run, only extends its last interval.
 */
#include "store/seqset.h"

#include <stdlib.h>
#include <string.h>

#include "store/dimcache.h"

typedef struct {
    int64_t lo, hi;
} interval;

typedef struct {
    interval *iv;
    size_t n, cap;
} run_set;

struct seqset {
    dimcache *index;       /* run id -> position in runs */
    run_set *runs;
    size_t nruns, cap;
    size_t intervals;
    int64_t last_run;      /* the run of the previous call, and its slot */
    run_set *last;
};

seqset *seqset_new(void)
{
    seqset *s = calloc(1, sizeof *s);
    if (!s || !(s->index = dimcache_new(SIZE_MAX))) {
        free(s);
        return NULL;
    }
    s->last_run = -1;
    return s;
}

void seqset_free(seqset *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nruns; i++)
        free(s->runs[i].iv);
    free(s->runs);
    dimcache_free(s->index);
    free(s);
}

size_t seqset_intervals(const seqset *s) { return s->intervals; }

static run_set *find_run(seqset *s, int64_t run)
{
    if (run == s->last_run)
        return s->last;
    int64_t at = dimcache_get(s->index, &run, sizeof run);
    if (at < 0) {
        if (s->nruns == s->cap) {
            size_t ncap = s->cap ? s->cap * 2 : 64;
            run_set *nr = realloc(s->runs, ncap * sizeof *nr);
            if (!nr)
                return NULL;
            s->runs = nr;
            s->cap = ncap;
        }
        at = (int64_t)s->nruns;
        memset(&s->runs[at], 0, sizeof s->runs[at]);
        if (dimcache_put(s->index, &run, sizeof run, at) != 0)
            return NULL;
        s->nruns++;
    }
    s->last_run = run;
    s->last = &s->runs[at];
    return s->last;
}

int seqset_add(seqset *s, int64_t run, int64_t seq)
{
    run_set *r = find_run(s, run);
    if (!r)
        return -1;
    /* the usual case: the next number after the last interval */
    if (r->n > 0) {
        interval *last = &r->iv[r->n - 1];
        if (last->hi < INT64_MAX && seq == last->hi + 1) {
            last->hi = seq;
            return 1;
        }
        if (seq >= last->lo && seq <= last->hi)
            return 0;
    }
    /* i: the first interval with lo > seq */
    size_t a = 0, b = r->n;
    while (a < b) {
        size_t m = a + (b - a) / 2;
        if (r->iv[m].lo > seq)
            b = m;
        else
            a = m + 1;
    }
    size_t i = a;
    if (i > 0 && seq <= r->iv[i - 1].hi)
        return 0;
    int joins_prev = i > 0 && seq > INT64_MIN && r->iv[i - 1].hi == seq - 1;
    int joins_next = i < r->n && seq < INT64_MAX && r->iv[i].lo == seq + 1;
    if (joins_prev && joins_next) {   /* fills the gap: two intervals become one */
        r->iv[i - 1].hi = r->iv[i].hi;
        memmove(&r->iv[i], &r->iv[i + 1], (r->n - i - 1) * sizeof *r->iv);
        r->n--;
        s->intervals--;
    } else if (joins_prev) {
        r->iv[i - 1].hi = seq;
    } else if (joins_next) {
        r->iv[i].lo = seq;
    } else {
        if (r->n == r->cap) {
            size_t ncap = r->cap ? r->cap * 2 : 4;
            interval *ni = realloc(r->iv, ncap * sizeof *ni);
            if (!ni)
                return -1;
            r->iv = ni;
            r->cap = ncap;
        }
        memmove(&r->iv[i + 1], &r->iv[i], (r->n - i) * sizeof *r->iv);
        r->iv[i] = (interval){seq, seq};
        r->n++;
        s->intervals++;
    }
    return 1;
}
