/*
 * calls.h - unified call attempts (the study's "redundancy" heuristic).
 *
 * Attackers dial one number in many ways (0, 9, 00, 011, Brazilian carrier
 * codes, ...). Every INVITE whose dialed string reads as a public number
 * (number.h) is attached to a unified call: the open call of the same
 * source IP to the same canonical number whose last INVITE is at most
 * `window_ms` earlier, else a new call. A dial string that reads as two
 * valid numbers joins an open call of the source to its other reading when
 * there is one (number.h alternatives). Each call keeps the variants and
 * prefixes tried, first/last time and the INVITE count; each number keeps
 * attempts, unified attempts, distinct source IPs, first/last seen.
 * Rules: docs/ANALYSIS.md, "Unified calls".
 *
 * Feed events in time order (the window is measured from the last INVITE
 * of a call). Memory: a calls_t owns everything it returns (strings
 * copied); pointers stay valid until calls_free(). Tables grow as needed up
 * to `max_calls` unified calls and `max_numbers` numbers; INVITEs beyond
 * them are counted in calls_stats.dropped.
 */
#ifndef SIPSNARE_CALLS_H
#define SIPSNARE_CALLS_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/model.h"
#include "enrich/number.h"

#define CALL_MAX_VARIANTS 16      /* distinct dial strings kept per call */
#define CALL_DEFAULT_WINDOW_MS (3600 * 1000LL)

typedef struct {
    int64_t window_ms;            /* 0: CALL_DEFAULT_WINDOW_MS */
    size_t max_calls;             /* 0: 16M */
    size_t max_numbers;           /* 0: 4M */
} calls_config;

typedef struct {
    char *dial;                   /* as dialed (ruri_user) */
    char prefix[NUM_MAX_DIAL + 2];/* what was stripped */
    unsigned long count;          /* INVITEs with this string */
} call_variant;

typedef struct {
    char *src_ip;                 /* the source, as in the events */
    an_ip src;
    char *sensor;                 /* sensor of the first INVITE */
    char e164[NUM_MAX_E164 + 2];
    num_dest dest;
    int type;                     /* enum pn_type */
    const char *category;         /* owned by the num_ctx */
    int valid;                    /* the number is valid for libphonenumber */
    int64_t first_ms, last_ms;
    unsigned long invites;        /* INVITE messages */
    unsigned long auth_ok;        /* of which carried accepted credentials */
    call_variant variants[CALL_MAX_VARIANTS];
    unsigned n_variants;          /* kept (at most CALL_MAX_VARIANTS) */
    unsigned long more_variants;  /* INVITEs with further distinct strings */
    size_t number;                /* index in calls_numbers() */
} call_t;

typedef struct {
    char e164[NUM_MAX_E164 + 2];
    num_dest dest;
    int type;
    const char *category;
    unsigned long attempts;       /* INVITE messages */
    unsigned long unified;        /* unified calls */
    unsigned long sources;        /* distinct source IPs */
    int64_t first_ms, last_ms;
} call_number;

typedef struct {
    unsigned long invites;        /* INVITEs seen */
    unsigned long external;       /* of which read as public numbers (joined a call) */
    unsigned long internal;       /* short strings: extensions, service codes */
    unsigned long not_number;     /* no number at all */
    unsigned long joined_by_alternative;
    unsigned long dropped;        /* over max_calls / max_numbers */
} calls_stats;

typedef struct calls calls_t;

/* nums: the number context to use (borrowed, must outlive calls_t). */
calls_t *calls_new(num_ctx *nums, const calls_config *cfg);
void calls_free(calls_t *c);

/* Takes one event; only INVITEs count. Returns the index of the call the
 * INVITE joined, or -1 (not an INVITE, not a number, out of room). */
long calls_add(calls_t *c, const an_event *ev);

const call_t *calls_list(const calls_t *c, size_t *n);          /* in order of creation */
const call_number *calls_numbers(const calls_t *c, size_t *n);  /* in order of first attempt */
const calls_stats *calls_get_stats(const calls_t *c);

/* Distinct prefixes tried in a call, in order of first use, written as
 * "00,900,0021" ("" for a bare number) into buf. */
size_t call_prefixes(const call_t *call, char *buf, size_t len);

#endif
