/*
 * ratelimit.h - per-source response budget (token buckets over packets and
 * bytes), in a fixed-size table: a flood from a million spoofed addresses
 * cannot grow it, it only evicts the stalest entries. Past the budget the
 * sensor still logs what it received but stops answering that source, so it
 * never becomes a reflector or amplifier.
 */
#ifndef SIPSNARE_RATELIMIT_H
#define SIPSNARE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t addr[16];       /* IPv4-mapped for v4 */
    uint32_t used;          /* slot in use */
    int64_t last_ms;        /* last refill */
    double pkt_tokens, byte_tokens;
    uint64_t suppressed;    /* answers withheld since the last report */
} ratelimit_entry;

typedef struct {
    ratelimit_entry *slots;
    size_t mask;            /* slots - 1 (power of two) */
    double pps, bps;        /* refill rates; 0 = unlimited */
    double pkt_burst, byte_burst;
    uint64_t limited;       /* total answers withheld */
} ratelimit;

/* slots is rounded up to a power of two. pps/bps 0 disables that bucket.
 * The burst is one second's worth. Returns 0 or -1 (ENOMEM). */
int ratelimit_init(ratelimit *rl, size_t slots, unsigned pps, unsigned bps);
void ratelimit_free(ratelimit *rl);

/* May we send `packets` packets of `bytes` bytes in total to addr now?
 * On yes the tokens are taken. On no the entry's suppressed count grows
 * and *suppressed_before is set to its value before this call (0 means this
 * is the first refusal since the last report: log a sip.ratelimited event). */
bool ratelimit_allow(ratelimit *rl, const uint8_t addr[16], unsigned packets,
                     size_t bytes, int64_t now_ms, uint64_t *suppressed_before);

#endif
