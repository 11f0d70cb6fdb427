/*
 * dimcache.h - a hash map from a dimension value (bytes) to its id, in
 * front of each dimension table, so a load asks the database only once per
 * distinct value. Bounded: past max_entries the map is emptied and refills
 * from the database (the table stays the truth). Keys are copied.
 */
#ifndef SIPSNARE_DIMCACHE_H
#define SIPSNARE_DIMCACHE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct dimcache dimcache;

dimcache *dimcache_new(size_t max_entries);
void dimcache_free(dimcache *c);

/* The id stored for key, or -1. */
int64_t dimcache_get(const dimcache *c, const void *key, size_t len);

/* Stores key -> id (id >= 0). Returns -1 only when out of memory. */
int dimcache_put(dimcache *c, const void *key, size_t len, int64_t id);

/* Forgets everything (after a rollback: ids of rolled-back rows are gone). */
void dimcache_clear(dimcache *c);

size_t dimcache_count(const dimcache *c);

/* Would the next new key empty the map (it holds max_entries)? */
int dimcache_full(const dimcache *c);

/* a[0..n) == b[0..n)? Inline for the short keys of SIP fields (a call to
 * memcmp per column and event showed in profiles); memcmp past 16 bytes. */
static inline int dimcache_equal(const void *a, const void *b, size_t n)
{
    const unsigned char *x = a, *y = b;
    uint64_t u, v, s, t;
    if (n >= 8 && n <= 16) {   /* two overlapping words */
        memcpy(&u, x, 8), memcpy(&v, y, 8);
        memcpy(&s, x + n - 8, 8), memcpy(&t, y + n - 8, 8);
        return ((u ^ v) | (s ^ t)) == 0;
    }
    if (n < 8) {
        for (size_t i = 0; i < n; i++)
            if (x[i] != y[i])
                return 0;
        return 1;
    }
    return memcmp(x, y, n) == 0;
}

/* The hash used by the map (64-bit, not cryptographic). */
uint64_t dimcache_hash(const void *key, size_t len);

#endif
