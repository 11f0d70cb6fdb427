/*
 * event.h - the sensor's event: one JSON object per line (schema in
 * docs/EVENTS.md, version EVENT_SCHEMA_VERSION). Encoding is hand-written
 * because it runs once per packet on the sensor's hot path and needs no
 * allocation; decoding (for ingest) uses a JSON library.
 */
#ifndef SIPSNARE_EVENT_H
#define SIPSNARE_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/sip.h"
#include "persona/persona.h"

enum {
    EVENT_SCHEMA_VERSION = 1,
    EVENT_MAX_JSON = 16384,   /* one encoded line; raw messages are cut to fit */
    EVENT_IP_MAX = 46,        /* INET6_ADDRSTRLEN */
};

typedef enum {
    EVENT_REQUEST = 0,   /* "sip.request": a parsed request (answered or not) */
    EVENT_RESPONSE,      /* "sip.response": a response arrived (svcrash, scans) */
    EVENT_MALFORMED,     /* "sip.malformed": the datagram/stream did not parse */
    EVENT_RATELIMITED,   /* "sip.ratelimited": answers to a source suppressed  */
} event_kind;

const char *event_kind_name(event_kind k); /* "sip.request", ... */

typedef struct {
    event_kind kind;
    int64_t time_ms;               /* Unix time in ms, UTC                */
    const char *sensor;            /* sensor id                           */
    uint64_t seq;                  /* per-sensor-run sequence number       */
    const char *run_id;            /* id of this sensor run (restart-safe) */
    char src_ip[EVENT_IP_MAX];
    uint16_t src_port;
    char dst_ip[EVENT_IP_MAX];
    uint16_t dst_port;
    const char *transport;         /* "udp" | "tcp"                        */

    const sip_msg *msg;            /* EVENT_REQUEST / EVENT_RESPONSE       */
    const persona_result *result;  /* EVENT_REQUEST: what was answered     */
    bool answered;                 /* responses really sent (not limited)  */

    const char *error;             /* EVENT_MALFORMED: reason and offset   */
    size_t error_offset;

    uint64_t suppressed;           /* EVENT_RATELIMITED: count since last  */

    /* Optional: event_format_time(time_ms) done already (a caller that
     * logs many events of one millisecond formats it once); NULL: the
     * encoder formats time_ms itself. */
    const char *time_text;

    const char *raw;               /* the received bytes, logged when      */
    size_t raw_len;                /* include_raw (escaped, cut to fit)    */
    bool include_raw;
} event;

/* Encodes ev as one JSON line ending in '\n' into out. Returns the length,
 * or 0 if cap is too small (EVENT_MAX_JSON always suffices). Strings from
 * the network are escaped byte-exactly: valid UTF-8 is kept, every other
 * byte and every control byte becomes \u00XX of its value, so no input can
 * break the line or the object. */
size_t event_to_json(const event *ev, char *out, size_t cap);

/* Formats Unix ms as "2026-11-25T16:49:23.123Z" (25 bytes incl. NUL).
 * Times outside years 0000..9999 are clamped to those bounds. */
void event_format_time(int64_t time_ms, char out[25]);

/* Name of SIP_WARN_* bit number bit (0 for SIP_WARN_TRUNCATED, ...) as it
 * appears in the "warnings" array ("truncated", "dup_singleton", ...);
 * NULL for a bit without a name (encoded as "bit<N>"). */
const char *event_warning_name(unsigned bit);

#endif
