/*
 * fuzz_pcap.c - libFuzzer target for the capture reader (src/ingest/
 * pcap.c): the input is a whole pcap or pcapng file, read by libpcap from
 * memory (fmemopen), every packet through the link, IP, fragment, UDP and
 * TCP reassembly code. Every string of every event is read byte by byte
 * (AddressSanitizer checks it) and must hold no NUL (store.h); counters
 * must add up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/pcap.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static volatile unsigned sink;
static const uint8_t *in;
static size_t in_len;
static uint64_t events;

static void touch(store_str s)
{
    if (s.p == NULL) {
        if (s.len != 0)
            abort();
        return;
    }
    unsigned h = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.p[i] == '\0')
            abort();
        h = h * 31 + (unsigned char)s.p[i];
    }
    sink += h;
}

static void on_event(void *arg, const store_event *e)
{
    (void)arg;
    events++;
    touch(e->eventid), touch(e->sensor), touch(e->run), touch(e->transport);
    touch(e->src_ip), touch(e->dst_ip), touch(e->method), touch(e->ruri);
    touch(e->ruri_user), touch(e->from_user), touch(e->from_tag), touch(e->to_user);
    touch(e->contact_user), touch(e->call_id), touch(e->user_agent), touch(e->auth_user);
    touch(e->auth_realm), touch(e->auth_algorithm), touch(e->auth_outcome), touch(e->warnings);
    touch(e->server), touch(e->reason), touch(e->raw);
    if (e->eventid.p == NULL || e->run.len != 16 || e->seq < CAPTURE_SEQ_PER_PACKET)
        abort();
}

static void on_error(void *arg, uint64_t packet, const char *why)
{
    (void)arg, (void)packet;
    sink += (unsigned)strlen(why);
}

static FILE *reopen(void *arg)
{
    (void)arg;
    return fmemopen((void *)in, in_len, "rb");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    in = data;
    in_len = size;
    events = 0;
    FILE *f = fmemopen((void *)data, size, "rb");
    if (!f)
        return 0;
    capture_opts o = {.keep_raw = true, .on_event = on_event, .on_error = on_error};
    capture_stats s;
    char err[256];
    capture_decode(f, reopen, NULL, "fuzz.pcap", &o, &s, err, sizeof err);
    if (s.requests + s.responses + s.malformed != events)
        abort();
    return 0;
}
