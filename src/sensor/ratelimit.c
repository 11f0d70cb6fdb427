#include "sensor/ratelimit.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

enum { PROBE = 8 };  /* slots looked at per lookup: bounded work per packet */

static uint64_t hash_seed;

int ratelimit_init(ratelimit *rl, size_t slots, unsigned pps, unsigned bps)
{
    memset(rl, 0, sizeof *rl);
    size_t n = 64;
    while (n < slots && n < ((size_t)1 << 30)) n <<= 1;
    rl->slots = calloc(n, sizeof *rl->slots);
    if (!rl->slots) { errno = ENOMEM; return -1; }
    rl->mask = n - 1;
    rl->pps = pps;
    rl->bps = bps;
    rl->pkt_burst = pps;
    rl->byte_burst = bps;
    /* A secret seed: an attacker choosing addresses cannot aim them all at
     * one probe window to evict a victim's entry. */
    if (hash_seed == 0 && getrandom(&hash_seed, sizeof hash_seed, 0) != sizeof hash_seed)
        hash_seed = 0x9e3779b97f4a7c15ull;
    return 0;
}

void ratelimit_free(ratelimit *rl)
{
    free(rl->slots);
    rl->slots = NULL;
}

static uint64_t hash_addr(const uint8_t a[16])
{
    uint64_t h = hash_seed;
    for (int i = 0; i < 16; i++) {
        h ^= a[i];
        h *= 0x100000001b3ull;
    }
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ull;
    return h ^ (h >> 27);
}

static ratelimit_entry *lookup(ratelimit *rl, const uint8_t addr[16], int64_t now_ms)
{
    size_t base = (size_t)hash_addr(addr);
    ratelimit_entry *victim = NULL;
    for (size_t i = 0; i < PROBE; i++) {
        ratelimit_entry *e = &rl->slots[(base + i) & rl->mask];
        if (e->used && memcmp(e->addr, addr, 16) == 0) return e;
        if (!e->used) { if (!victim || victim->used) victim = e; continue; }
        if (!victim || (victim->used && e->last_ms < victim->last_ms)) victim = e;
    }
    /* New source: take a free slot or evict the stalest in the window. A
     * fresh entry starts with a full bucket, as an unknown source would. */
    memset(victim, 0, sizeof *victim);
    memcpy(victim->addr, addr, 16);
    victim->used = 1;
    victim->last_ms = now_ms;
    victim->pkt_tokens = rl->pkt_burst;
    victim->byte_tokens = rl->byte_burst;
    return victim;
}

bool ratelimit_allow(ratelimit *rl, const uint8_t addr[16], unsigned packets,
                     size_t bytes, int64_t now_ms, uint64_t *suppressed_before)
{
    *suppressed_before = 0;
    if (rl->pps == 0 && rl->bps == 0) return true;
    ratelimit_entry *e = lookup(rl, addr, now_ms);
    double dt = (double)(now_ms - e->last_ms) / 1000.0;
    if (dt > 0) {
        e->pkt_tokens += dt * rl->pps;
        if (e->pkt_tokens > rl->pkt_burst) e->pkt_tokens = rl->pkt_burst;
        e->byte_tokens += dt * rl->bps;
        if (e->byte_tokens > rl->byte_burst) e->byte_tokens = rl->byte_burst;
        e->last_ms = now_ms;
    }
    bool ok = (rl->pps == 0 || e->pkt_tokens >= packets) &&
              (rl->bps == 0 || e->byte_tokens >= (double)bytes);
    if (ok) {
        if (rl->pps) e->pkt_tokens -= packets;
        if (rl->bps) e->byte_tokens -= (double)bytes;
        e->suppressed = 0;
        return true;
    }
    *suppressed_before = e->suppressed;
    e->suppressed++;
    rl->limited++;
    return false;
}
