/*
 * model.h - what the analysis reads: one SIP request as plain C values, so
 * that any source (the event store, JSON lines, a test) can feed it. The
 * fields mirror docs/EVENTS.md (sip.request).
 *
 * Memory: every string is borrowed. It must stay valid only during the call
 * that is given the event; analysers copy what they keep.
 */
#ifndef SIPSNARE_ANALYZE_MODEL_H
#define SIPSNARE_ANALYZE_MODEL_H

#include <stdint.h>

/* A source address in binary: IPv4 as family 4 with the address in
 * bytes[0..3], IPv6 as family 6. */
typedef struct {
    uint8_t family;       /* 4, 6, or 0 when unknown */
    uint8_t bytes[16];
} an_ip;

/* The IPv4 address v (host order) as an an_ip. */
static inline an_ip an_ip_v4(uint32_t v)
{
    an_ip a = {.family = 4, .bytes = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                                      (uint8_t)v}};
    return a;
}

/* Digest outcome (docs/EVENTS.md, auth_outcome). */
typedef enum {
    AN_AUTH_UNSET = 0,        /* the persona did not handle the request */
    AN_AUTH_NONE,             /* no credentials */
    AN_AUTH_OK,
    AN_AUTH_WRONG_PASSWORD,
    AN_AUTH_UNKNOWN_USER,
    AN_AUTH_STALE,
    AN_AUTH_USERNAME_MISMATCH,
    AN_AUTH_MALFORMED
} an_auth;

typedef struct {
    int64_t time_ms;          /* reception time, ms since the Unix epoch (UTC) */
    const char *sensor;       /* sensor id */
    const char *src_ip;       /* text, as in the event */
    an_ip src;                /* the same in binary (an_ip_parse) */
    const char *method;       /* "INVITE", "REGISTER", ... */
    const char *ruri_user;    /* R-URI user: the dialed number or probed extension; NULL absent */
    const char *from_user, *to_user, *from_tag, *contact_user, *via_branch, *call_id;
    const char *user_agent;   /* NULL: no User-Agent header; "": empty header */
    const char *auth_user;    /* digest username; NULL: no credentials */
    an_auth auth_outcome;
    int response;             /* final status code sent, 0 none */
    int dial_external;        /* INVITE to a number that is no extension: 1, 0, -1 unknown */
    int extension_known;      /* 1, 0, -1 unknown */
    int contact_bad;          /* a Contact that did not parse (svmap's "Contact: None") */
    const char *raw;          /* the received message when logged, else NULL */
    /* Optional (0: none): equal numbers for equal sensor / src_ip values
     * within one pass, as a store scan gives them (keymemo.h) */
    int64_t sensor_key, src_key;
} an_event;

/* Text -> binary address; 0, or -1 when it is not an address. */
int an_ip_parse(const char *text, an_ip *out);

/* The auth_outcome names of docs/EVENTS.md <-> an_auth. */
an_auth an_auth_from_name(const char *name);
const char *an_auth_name(an_auth a);

#endif
