/*
 * event_json.h - one line of the sensor's event log (docs/EVENTS.md) into a
 * store_event: the reading half of src/event/event.c.
 *
 * A hand-written parser specialised for this schema, not jansson: jansson
 * builds a tree of allocated values per line and read the events of a
 * real sensor run (svmap, svwar, svcrack) at 57,000 lines/s (42 MB/s) on
 * the 2-core test machine, which alone would make a load of 10 million
 * events take three minutes where the sqlite3 shell's CSV import it is
 * measured against takes under one (docs/STORE.md); this parser does no
 * allocation and read the same lines at 937,000 lines/s (680 MB/s).
 * `make bench` compares both on its generated events every run. It still
 * checks all of RFC 8259 (any JSON value in unknown fields, UTF-8,
 * escapes, surrogate pairs): fuzz/fuzz_event_json.c compares it with
 * jansson.
 */
#ifndef SIPSNARE_EVENT_JSON_H
#define SIPSNARE_EVENT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "store/store.h"

typedef struct {
    bool keep_raw;      /* copy "raw" into the event (else it is dropped) */
} event_json_opts;

/*
 * Parses line (len bytes, without its '\n'; a trailing '\r' is allowed)
 * into ev. Strings of ev point into line or, when they held escapes, into
 * scratch, which must have room for len bytes; both must outlive ev.
 *
 * Returns 0, or -1 with a one-line reason in why ("field 'seq': expected an
 * integer", "invalid JSON at byte 17: ..."). Required: eventid, timestamp,
 * sensor, src_ip; run and seq together or not at all - an event without
 * them (a foreign line) gets run "" and as seq a 63-bit hash of the line,
 * so the same line always has the same identity. "v", when present, must
 * be 1. Unknown fields are checked as JSON and ignored. \u0000 in a string
 * becomes U+FFFD (store.h: no NUL in stored text).
 */
int event_json_parse(const char *line, size_t len, const event_json_opts *opts,
                     store_event *ev, char *scratch, char *why, size_t whylen);

/* "2026-11-25T16:49:23.123Z" (any fraction, 'Z' or +hh:mm) to Unix ms;
 * -1 if not such a time. */
int event_json_parse_time(const char *s, size_t len, long long *ms);

/* The seq of an event that has no run/seq of its own (run ""): a 63-bit
 * FNV-1a hash of its line, so the same line always has the same identity.
 * Used for foreign JSON lines and Asterisk log and CDR lines. */
int64_t ingest_line_seq(const char *line, size_t len);

#endif
