/*
 * dimcache.c - open addressing with linear probing; keys live in one
 * growing arena, slots hold (hash, offset, length, id). Deletion is never
 * needed: the map is only ever filled or emptied as a whole.
 */
#include "store/dimcache.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    uint64_t hash;     /* 0: empty slot (real hashes are forced nonzero) */
    size_t off;
    size_t len;
    int64_t id;
} slot;

struct dimcache {
    slot *slots;
    size_t cap;        /* power of two */
    size_t count;
    size_t max_entries;
    char *arena;
    size_t arena_len, arena_cap;
};

enum { INITIAL_SLOTS = 1024 };

/* 64-bit words mixed with a multiply and rotate, finalised as in
 * MurmurHash3's fmix64: fast on the short strings of SIP fields. */
uint64_t dimcache_hash(const void *key, size_t len)
{
    const unsigned char *p = key;
    uint64_t h = 0x9e3779b97f4a7c15ULL ^ (len * 0xff51afd7ed558ccdULL);
    while (len >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ (w * 0x87c37b91114253d5ULL)) * 0x4cf5ad432745937fULL;
        h = (h << 31) | (h >> 33);
        p += 8;
        len -= 8;
    }
    uint64_t w = 0;
    memcpy(&w, p, len);
    h ^= w * 0x87c37b91114253d5ULL;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdULL;
    h ^= h >> 33;
    h *= 0xc4ceb9fe1a85ec53ULL;
    h ^= h >> 33;
    return h;
}

dimcache *dimcache_new(size_t max_entries)
{
    dimcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->slots = calloc(INITIAL_SLOTS, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    c->cap = INITIAL_SLOTS;
    c->max_entries = max_entries ? max_entries : 1;
    return c;
}

void dimcache_free(dimcache *c)
{
    if (!c)
        return;
    free(c->slots);
    free(c->arena);
    free(c);
}

void dimcache_clear(dimcache *c)
{
    memset(c->slots, 0, c->cap * sizeof *c->slots);
    c->count = 0;
    c->arena_len = 0;
}

size_t dimcache_count(const dimcache *c) { return c->count; }
int dimcache_full(const dimcache *c) { return c->count >= c->max_entries; }

static uint64_t nonzero(uint64_t h) { return h ? h : 1; }

int64_t dimcache_get(const dimcache *c, const void *key, size_t len)
{
    uint64_t h = nonzero(dimcache_hash(key, len));
    for (size_t i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
        const slot *s = &c->slots[i];
        if (s->hash == 0)
            return -1;
        if (s->hash == h && s->len == len && dimcache_equal(c->arena + s->off, key, len))
            return s->id;
    }
}

/* Doubles the table, reinserting every slot (the arena does not move). */
static int grow(dimcache *c)
{
    size_t ncap = c->cap * 2;
    slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < c->cap; i++) {
        if (c->slots[i].hash == 0)
            continue;
        size_t j = c->slots[i].hash & (ncap - 1);
        while (ns[j].hash != 0)
            j = (j + 1) & (ncap - 1);
        ns[j] = c->slots[i];
    }
    free(c->slots);
    c->slots = ns;
    c->cap = ncap;
    return 0;
}

int dimcache_put(dimcache *c, const void *key, size_t len, int64_t id)
{
    if (c->count >= c->max_entries)
        dimcache_clear(c);
    if ((c->count + 1) * 2 > c->cap && grow(c) != 0)
        return -1;
    if (len > c->arena_cap - c->arena_len) {
        size_t ncap = c->arena_cap ? c->arena_cap : 4096;
        while (len > ncap - c->arena_len)
            ncap *= 2;
        char *na = realloc(c->arena, ncap);
        if (!na)
            return -1;
        c->arena = na;
        c->arena_cap = ncap;
    }
    uint64_t h = nonzero(dimcache_hash(key, len));
    size_t i = h & (c->cap - 1);
    for (;; i = (i + 1) & (c->cap - 1)) {
        slot *s = &c->slots[i];
        if (s->hash == 0)
            break;
        if (s->hash == h && s->len == len && dimcache_equal(c->arena + s->off, key, len)) {
            s->id = id;
            return 0;
        }
    }
    if (len)
        memcpy(c->arena + c->arena_len, key, len);
    c->slots[i] = (slot){h, c->arena_len, len, id};
    c->arena_len += len;
    c->count++;
    return 0;
}
