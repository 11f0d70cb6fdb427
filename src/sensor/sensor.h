/*
 * sensor.h - what happens to one received SIP message, whatever carried it
 * (UDP socket, TCP connection, Honeyd's stdin): parse, answer through the
 * persona, encode the event and append it to the log. The transports only
 * move bytes; every decision is made here, once.
 */
#ifndef SIPSNARE_SENSOR_H
#define SIPSNARE_SENSOR_H

#include <stdbool.h>
#include <stdint.h>

#include "event/event.h"
#include "persona/persona.h"
#include "sensor/eventlog.h"
#include "sensor/ratelimit.h"
#include "sip/sip.h"

typedef struct {
    persona *persona;
    eventlog *log;
    const char *sensor_id;
    char run_id[17];          /* 16 hex digits, new for every start */
    int64_t time_ms;          /* the ms time_text is the event time of */
    char time_text[25];       /* (a batch of events shares one time)   */
    uint64_t seq;
    bool log_raw;
    ratelimit *limit;         /* per-source response budget, or NULL */
    /* Counters, for the status line on exit and for tests. */
    uint64_t received, answered, dropped, malformed, responses_seen,
             unlogged, rate_limited;
} sensor;

typedef struct {
    const char *src_ip;
    uint16_t src_port;
    const char *dst_ip;
    uint16_t dst_port;
    const char *transport;    /* "udp" | "tcp" */
    uint8_t src_bin[16];      /* source address, IPv4 as ::ffff:a.b.c.d */
} sensor_addr;

/* Sets up the shared state; the persona and log stay owned by the caller. */
void sensor_init(sensor *s, persona *p, eventlog *log, const char *sensor_id,
                 bool log_raw);

/* Handles one UDP datagram (or one Honeyd request): parse, answer, log.
 * res receives the responses to send (res->n may be 0: dropped as Asterisk
 * would, or over the source's budget). Returns 0 when the event was appended
 * to the log batch, -1 when it could not be: then res->n is set to 0, since
 * nothing is answered that is not logged. msg is the caller's storage for
 * the parsed message (large: keep one per thread, not on a small stack). */
int sensor_handle_datagram(sensor *s, const char *buf, size_t len,
                           const sensor_addr *a, int64_t now_ms,
                           sip_msg *msg, persona_result *res);

/* Identifies a call from one source, to match delayed responses (180,
 * final answer) with the CANCEL/BYE/ACK that withdraws them
 * (persona_result.cancel_pending). */
uint64_t sensor_dialog_key(const sip_msg *msg, const uint8_t src[16]);

/* The same for a message already framed and parsed from a TCP stream. */
int sensor_handle_message(sensor *s, const sip_msg *msg, const char *raw,
                          size_t raw_len, const sensor_addr *a, int64_t now_ms,
                          persona_result *res);

/* Logs bytes that could not be framed (TCP garbage, oversize). */
int sensor_log_malformed(sensor *s, const char *raw, size_t raw_len,
                         const char *error, size_t offset,
                         const sensor_addr *a, int64_t now_ms);

/* Wall-clock time in ms (events, Date headers) and monotonic ms (timers). */
int64_t sensor_now_ms(void);
int64_t sensor_mono_ms(void);

#endif
