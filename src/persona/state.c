/*
 * state.c - the persona's memory: a PRNG for tags and nonces, a keyed hash,
 * and the dialog table.
 *
 * Why no allocation per request: every request of an attacker can open a
 * "dialog" (chan_sip allocates a sip_pvt per new Call-ID and keeps it for
 * 32 s). A honeypot that did the same with malloc would let one source
 * with a million Call-IDs grow the process without bound, and would make
 * the hot path depend on the allocator. So the table is one array of
 * cfg.dialogs fixed-size slots allocated once in persona_new(); a new
 * dialog takes a free or expired slot in a small probe window and, when
 * the window is full of live dialogs, evicts the least recently used one.
 * The cost of a flood is then only that old dialogs of *other* peers may be
 * forgotten early (their next authenticated request gets a fresh 401, as
 * after a restart of Asterisk) - never memory.
 *
 * Keys are SipHash-2-4 of Call-ID and source address under a random key,
 * so nobody can aim many Call-IDs at one window.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>

#include "persona/persona_int.h"

/* ---- PRNG -------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static inline uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

void prng_seed(prng *r, uint64_t seed)
{
    if (seed == 0) {
        /* Random seed: getrandom() never blocks once the pool is ready; if
         * it fails we still mix in the address of r and the time-less
         * constant, which is weak but only makes tags predictable. */
        uint64_t s = 0;
        ssize_t n;
        do {
            n = getrandom(&s, sizeof s, 0);
        } while (n < 0 && errno == EINTR);
        if (n != (ssize_t)sizeof s)
            s = (uint64_t)(uintptr_t)r ^ 0x5851f42d4c957f2dULL;
        seed = s ? s : 1;
    }
    uint64_t x = seed;
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

uint64_t prng_next(prng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint32_t prng_ast_random(prng *r)
{
    return (uint32_t)(prng_next(r) >> 33); /* 31 bits, like random() */
}

/* ---- SipHash-2-4 ------------------------------------------------------- */

typedef struct {
    uint64_t v0, v1, v2, v3;
    uint64_t tail;     /* pending bytes, little endian */
    unsigned ntail;
    uint64_t total;
} siphash_st;

#define SIPROUND(s) do { \
    (s)->v0 += (s)->v1; (s)->v1 = rotl((s)->v1, 13); (s)->v1 ^= (s)->v0; \
    (s)->v0 = rotl((s)->v0, 32); \
    (s)->v2 += (s)->v3; (s)->v3 = rotl((s)->v3, 16); (s)->v3 ^= (s)->v2; \
    (s)->v0 += (s)->v3; (s)->v3 = rotl((s)->v3, 21); (s)->v3 ^= (s)->v0; \
    (s)->v2 += (s)->v1; (s)->v1 = rotl((s)->v1, 17); (s)->v1 ^= (s)->v2; \
    (s)->v2 = rotl((s)->v2, 32); } while (0)

static void sip_init(siphash_st *s, const uint64_t k[2])
{
    s->v0 = 0x736f6d6570736575ULL ^ k[0];
    s->v1 = 0x646f72616e646f6dULL ^ k[1];
    s->v2 = 0x6c7967656e657261ULL ^ k[0];
    s->v3 = 0x7465646279746573ULL ^ k[1];
    s->tail = 0;
    s->ntail = 0;
    s->total = 0;
}

static void sip_block(siphash_st *s, uint64_t m)
{
    s->v3 ^= m;
    SIPROUND(s);
    SIPROUND(s);
    s->v0 ^= m;
}

static void sip_update(siphash_st *s, const char *p, size_t n)
{
    const unsigned char *u = (const unsigned char *)p;
    s->total += n;
    for (size_t i = 0; i < n; i++) {
        s->tail |= (uint64_t)u[i] << (8 * s->ntail);
        if (++s->ntail == 8) {
            sip_block(s, s->tail);
            s->tail = 0;
            s->ntail = 0;
        }
    }
}

static uint64_t sip_final(siphash_st *s)
{
    uint64_t b = s->tail | ((s->total & 0xff) << 56);
    sip_block(s, b);
    s->v2 ^= 0xff;
    SIPROUND(s);
    SIPROUND(s);
    SIPROUND(s);
    SIPROUND(s);
    return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

uint64_t siphash_pair(const uint64_t key[2], const char *a, size_t alen,
                      const char *b, size_t blen)
{
    siphash_st s;
    sip_init(&s, key);
    sip_update(&s, a, alen);
    sip_update(&s, "", 1);
    sip_update(&s, b, blen);
    return sip_final(&s);
}

/* ---- Dialog table ------------------------------------------------------ */

int dlg_init(dialog_table *t, size_t slots, const uint64_t key[2], int64_t life_ms)
{
    if (slots < DLG_PROBE)
        slots = DLG_PROBE;
    /* Round up to a power of two (the config asks for one already). */
    size_t n = DLG_PROBE;
    while (n < slots && n < ((size_t)1 << 30))
        n <<= 1;
    /* Every request of a new Call-ID probes a random window of this table:
     * at the default size (3.5 MiB) that is a TLB miss on 4 KiB pages. A
     * table of 2 MiB or more is mapped on its own, aligned to 2 MiB, and
     * asks for transparent huge pages (a hint: without them it works the
     * same, slower). Fresh anonymous memory is zero: nothing to clear, and
     * pages are only backed when a dialog lands on them. */
    size_t bytes = n * sizeof *t->slot;
    const size_t huge = (size_t)2 << 20;
    t->map = NULL;
    t->map_len = 0;
    if (bytes >= huge) {
        size_t rounded = (bytes + huge - 1) & ~(huge - 1);
        size_t len = rounded + huge;
        char *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (m != MAP_FAILED) {
            t->map = m;
            t->map_len = len;
            char *aligned = (char *)(((uintptr_t)m + huge - 1) & ~(uintptr_t)(huge - 1));
#ifdef MADV_HUGEPAGE
            madvise(aligned, rounded, MADV_HUGEPAGE);
#endif
            t->slot = (dialog *)(void *)aligned;
        } else {
            t->slot = calloc(n, sizeof *t->slot);
        }
    } else {
        t->slot = calloc(n, sizeof *t->slot);
    }
    if (t->slot == NULL)
        return -1;
    t->mask = n - 1;
    t->key[0] = key[0];
    t->key[1] = key[1];
    t->life_ms = life_ms;
    t->evictions = 0;
    return 0;
}

void dlg_free(dialog_table *t)
{
    if (t->map != NULL)
        munmap(t->map, t->map_len);
    else
        free(t->slot);
    t->slot = NULL;
    t->map = NULL;
    t->map_len = 0;
}

uint64_t dlg_key(const dialog_table *t, const char *callid, size_t len, const char *src_ip)
{
    uint64_t k = siphash_pair(t->key, callid, len, src_ip ? src_ip : "",
                              src_ip ? strlen(src_ip) : 0);
    return k ? k : 1; /* 0 marks a free slot */
}

/* A dialog lives life_ms after its last request, and an INVITE at least
 * until its (possibly delayed) final answer plus that time. */
static bool alive(const dialog_table *t, const dialog *d, int64_t now_ms)
{
    if (d->key == 0)
        return false;
    int64_t base = d->last_ms > d->final_ms ? d->last_ms : d->final_ms;
    return now_ms - base <= t->life_ms;
}

void dlg_prefetch(const dialog_table *t, uint64_t key)
{
#if defined(__GNUC__) || defined(__clang__)
    size_t i = (size_t)key & t->mask;
    for (unsigned k = 0; k < DLG_PROBE; k++, i = (i + 1) & t->mask)
        __builtin_prefetch(&t->slot[i], 1);
#else
    (void)t;
    (void)key;
#endif
}

dialog *dlg_find(dialog_table *t, uint64_t key, int64_t now_ms)
{
    size_t i = (size_t)key & t->mask;
    for (unsigned k = 0; k < DLG_PROBE; k++, i = (i + 1) & t->mask) {
        dialog *d = &t->slot[i];
        if (d->key == key) {
            if (alive(t, d, now_ms))
                return d;
            d->key = 0;  /* expired: free it on the way */
        }
    }
    return NULL;
}

dialog *dlg_insert(dialog_table *t, uint64_t key, int64_t now_ms)
{
    size_t i = (size_t)key & t->mask;
    dialog *victim = NULL;
    for (unsigned k = 0; k < DLG_PROBE; k++, i = (i + 1) & t->mask) {
        dialog *d = &t->slot[i];
        if (d->key == key || !alive(t, d, now_ms)) {
            victim = d;
            break;
        }
        if (victim == NULL || d->last_ms < victim->last_ms)
            victim = d;
    }
    if (victim->key != 0 && victim->key != key && alive(t, victim, now_ms))
        t->evictions++;
    memset(victim, 0, sizeof *victim);
    victim->key = key;
    victim->last_ms = now_ms;
    victim->final_ms = INT64_MIN / 2;
    return victim;
}

void dlg_remove(dialog *d)
{
    d->key = 0;
}
