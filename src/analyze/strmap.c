/* strmap.c - see strmap.h. */
#include "analyze/strmap.h"

#include <stdlib.h>
#include <string.h>

void strmap_init(strmap *m, size_t max)
{
    memset(m, 0, sizeof *m);
    m->max = max;
}

void strmap_free(strmap *m)
{
    for (size_t i = 0; i < m->cap; i++)
        free(m->keys[i]);
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

static size_t hash(const char *s)
{
    size_t h = (size_t)14695981039346656037ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

static size_t find(const strmap *m, const char *key)
{
    size_t mask = m->cap - 1, i = hash(key) & mask;
    while (m->keys[i] && strcmp(m->keys[i], key) != 0)
        i = (i + 1) & mask;
    return i;
}

size_t *strmap_get(const strmap *m, const char *key)
{
    if (!m->cap)
        return NULL;
    size_t i = find(m, key);
    return m->keys[i] ? &m->vals[i] : NULL;
}

static int grow(strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    char **nk = calloc(ncap, sizeof *nk);
    size_t *nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = hash(m->keys[i]) & (ncap - 1);
        while (nk[j])
            j = (j + 1) & (ncap - 1);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return 0;
}

size_t *strmap_put(strmap *m, const char *key, size_t val, int *added)
{
    *added = 0;
    if (m->cap) {
        size_t i = find(m, key);
        if (m->keys[i])
            return &m->vals[i];
    }
    if (m->max && m->n >= m->max)
        return NULL;
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m) != 0)
        return NULL;
    size_t i = find(m, key);
    m->keys[i] = strdup(key);
    if (!m->keys[i])
        return NULL;
    m->vals[i] = val;
    m->n++;
    *added = 1;
    return &m->vals[i];
}
