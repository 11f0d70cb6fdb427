/*
 * keymemo.h - a direct-mapped memo from a pair of value keys (the
 * sensor_key, src_ip_key and ua_key a store scan gives: equal numbers for
 * equal values) to an index that the caller found by a string lookup. A
 * flood repeats one source, sensor and agent event after event, so most
 * events skip formatting a key and hashing it; a miss or a collision costs
 * only the lookup the caller does anyway. Keys <= 0 mean "none": never
 * memoised.
 */
#ifndef SIPSNARE_KEYMEMO_H
#define SIPSNARE_KEYMEMO_H

#include <stddef.h>
#include <stdint.h>

enum { KEYMEMO_SLOTS = 4096 };   /* a power of two */

typedef struct {
    int64_t a, b;                /* a == 0: empty */
    size_t v;
} keymemo_slot;

typedef struct {
    keymemo_slot s[KEYMEMO_SLOTS];
} keymemo;

static inline keymemo_slot *keymemo_slot_of(keymemo *m, int64_t a, int64_t b)
{
    uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ULL ^ (uint64_t)b * 0xC2B2AE3D27D4EB4FULL;
    return &m->s[(h >> 32) & (KEYMEMO_SLOTS - 1)];
}

/* The memoised value of (a, b), or NULL. */
static inline size_t *keymemo_get(keymemo *m, int64_t a, int64_t b)
{
    if (a <= 0 || b < 0)
        return NULL;
    keymemo_slot *s = keymemo_slot_of(m, a, b);
    return s->a == a && s->b == b ? &s->v : NULL;
}

static inline void keymemo_put(keymemo *m, int64_t a, int64_t b, size_t v)
{
    if (a <= 0 || b < 0)
        return;
    keymemo_slot *s = keymemo_slot_of(m, a, b);
    s->a = a, s->b = b, s->v = v;
}

#endif
