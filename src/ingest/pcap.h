/*
 * pcap.h - SIP messages out of packet captures (pcap, pcapng; read with
 * libpcap) as the events the sensor would have logged for them
 * (docs/EVENTS.md, docs/STORE.md "Captures").
 *
 * Every packet is hostile input: each header is length-checked against
 * what was captured, IPv6 extension headers are walked a bounded number of
 * times, IP-in-IP is unwrapped a bounded number of times (a loop, no
 * recursion), IP fragments are reassembled in a fixed-size table, and TCP
 * streams are reassembled per direction in a fixed number of flows with a
 * bounded buffer each and a global byte budget. A bad packet is counted and
 * reported through on_error; it never stops the decoding.
 *
 * Events are built exactly as the sensor builds its log lines (the same
 * encoder, src/event/event.c, then the ingest's reader,
 * src/ingest/event_json.c), so field budgets, escaping, unfolding and
 * truncation marks are the sensor's. What only the sensor knows (its
 * answers: auth_outcome, response, answered, dial_external,
 * extension_known, drop_reason) stays absent (NULL).
 *
 * Identity: run is 16 hex digits of a 64-bit FNV-1a hash of the link type
 * and the first CAPTURE_RUN_PACKETS packets (times, lengths, bytes), so a
 * capture has the same run however often it is loaded (and a pcap and a
 * pcapng of the same packets have the same one); seq is
 * packet number (from 1) * CAPTURE_SEQ_PER_PACKET + the index of the
 * message among those the packet completed (TCP can complete several).
 */
#ifndef SIPSNARE_INGEST_PCAP_H
#define SIPSNARE_INGEST_PCAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ingest/jsonl.h"
#include "store/store.h"

enum {
    CAPTURE_RUN_PACKETS = 16,        /* packets hashed into the run id */
    CAPTURE_SEQ_PER_PACKET = 65536,  /* seq = packet * this + message index */
    CAPTURE_MAX_FLOWS = 1024,        /* TCP directions followed at once */
    CAPTURE_FLOW_BUF = 65535,        /* bytes of one unframed TCP message (the
                                        sensor's default max_message) */
    CAPTURE_FLOW_OOO = 16,           /* out-of-order segments held per flow */
    CAPTURE_TCP_BUDGET = 32 << 20,   /* bytes held by all flows together */
    CAPTURE_MAX_FRAGS = 64,          /* IP datagrams being reassembled */
    CAPTURE_FRAG_TIMEOUT_MS = 60000, /* capture time a datagram may wait */
    CAPTURE_MAX_ENCAP = 4,           /* IP-in-IP layers unwrapped */
    CAPTURE_MAX_EXTHDR = 16,         /* IPv6 extension headers walked */
    CAPTURE_MAX_VLAN = 4,            /* 802.1Q/802.1ad tags skipped */
    CAPTURE_KEEPALIVE_MAX = 16,      /* UDP on 5060/5061: a shorter payload that does
                                        not start like SIP is a keep-alive */
};

/* True when head (n bytes, the file's first) starts a capture libpcap
 * reads: pcap in either byte order, micro- or nanosecond
 * (a1b2c3d4, a1b23c4d), or pcapng (0a0d0d0a). */
bool capture_magic(const void *head, size_t n);

/* 1 if the file at path is a capture (by its first bytes), 0 if not (or
 * shorter than 4 bytes), -1 if it cannot be opened (errno set). */
int capture_sniff(const char *path);

typedef struct {
    uint64_t packets;        /* records read */
    uint64_t requests;       /* sip.request events */
    uint64_t responses;      /* sip.response events */
    uint64_t malformed;      /* sip.malformed events */
    uint64_t skipped;        /* packets that held no SIP: other protocols and
                                ports, handshakes and bare ACKs, keep-alives,
                                retransmitted bytes, the tail of a stream whose
                                start was not captured */
    uint64_t fragments;      /* IP fragments taken into reassembly */
    uint64_t reassembled;    /* datagrams rebuilt from them */
    uint64_t errors;         /* bad packets (on_error was called for each) */
    uint64_t added;          /* capture_ingest: events new to the store */
    uint64_t duplicates;     /*   events the store already had */
} capture_stats;

typedef struct {
    const char *sensor;      /* the events' sensor (NULL: "pcap:" + basename) */
    bool keep_raw;           /* "raw": the message bytes, escaped as the sensor does */
    /* One event; ev and its strings live until the callback returns. */
    void (*on_event)(void *arg, const store_event *ev);
    /* A bad packet (packet from 1), or the file itself (packet 0). */
    void (*on_error)(void *arg, uint64_t packet, const char *why);
    void *arg;
} capture_opts;

/*
 * Decodes the capture that fp reads (pcap or pcapng; fp is closed); name
 * gives the default sensor. The run id needs a first look at the first
 * packets, so the bytes are read twice: open_again(again_arg) must return
 * a new stream of the same bytes (fopen of the path, fmemopen of the
 * buffer). Returns 0 when the capture was read to its end, -1 when it
 * could not be opened, its link type is not supported, or a read failed
 * (a cut or corrupt file): the reason is in err, and the events of the
 * packets before it were delivered.
 */
typedef FILE *(*capture_reopen_fn)(void *again_arg);
int capture_decode(FILE *fp, capture_reopen_fn open_again, void *again_arg, const char *name,
                   const capture_opts *o, capture_stats *s, char *err, size_t errlen);

/* The same for a file path. */
int capture_decode_file(const char *path, const capture_opts *o, capture_stats *s, char *err,
                        size_t errlen);

typedef struct {
    const char *sensor;      /* NULL: "pcap:" + basename */
    bool keep_raw;
    void (*on_error)(void *arg, const char *file, uint64_t packet, const char *why);
    void *arg;
} capture_ingest_opts;

/*
 * Loads the capture at path into st (batched inserts, one transaction per
 * INGEST_COMMIT_EVERY events). Returns 0 when every event decoded reached
 * the store; -1 when the store failed (reason in err). *file_failed is set
 * when the file could not be read to its end (reported through on_error
 * with packet 0; the events before the damage are stored).
 */
int capture_ingest(store *st, const char *path, const capture_ingest_opts *o, capture_stats *s,
                   bool *file_failed, char *err, size_t errlen);

#endif
