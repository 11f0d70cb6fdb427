/*
 * pcap.c - SIP out of packet captures (pcap.h, docs/STORE.md "Captures").
 *
 * One pass over the packets: link layer, IP (IPv4 with options, IPv6 with
 * its extension headers, IP-in-IP), reassembly of IP fragments, UDP and
 * TCP; each SIP message found becomes the event the sensor would have
 * logged (built with the sensor's own encoder, read back with the ingest's
 * reader). Every table here has a fixed size; every length is checked
 * against the bytes that were captured.
 */
#include "ingest/pcap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <pcap/pcap.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "event/event.h"
#include "ingest/batch.h"
#include "ingest/event_json.h"
#include "sip/sip.h"

/* ---- bytes ---------------------------------------------------------------------- */

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t fnv(uint64_t h, const void *data, size_t n)
{
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 0x100000001b3ull;
    return h;
}

bool capture_magic(const void *head, size_t n)
{
    static const uint8_t magics[][4] = {
        {0xd4, 0xc3, 0xb2, 0xa1}, {0xa1, 0xb2, 0xc3, 0xd4},   /* pcap, microseconds */
        {0x4d, 0x3c, 0xb2, 0xa1}, {0xa1, 0xb2, 0x3c, 0x4d},   /* pcap, nanoseconds */
        {0x0a, 0x0d, 0x0d, 0x0a},                             /* pcapng section header */
    };
    if (head == NULL || n < 4)
        return false;
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++)
        if (memcmp(head, magics[i], 4) == 0)
            return true;
    return false;
}

int capture_sniff(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t head[4];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return capture_magic(head, n) ? 1 : 0;
}

/* ---- state ---------------------------------------------------------------------- */

enum {
    FRAG_MAX_DGRAM = 65535,               /* a reassembled datagram */
    FRAG_BLOCKS = (FRAG_MAX_DGRAM + 8) / 8,
    FLOW_BUCKETS = 2048,
    FLOW_INITIAL_BUF = 4096,
    WHY_MAX = 200,
};

typedef struct {
    uint8_t family;                      /* 4 or 6 */
    uint8_t src[16], dst[16];
} addrs;

typedef struct {
    bool used;
    bool done;                           /* complete, released after the packet */
    uint8_t family;
    uint8_t proto;                       /* IPv4: protocol; IPv6: from the first fragment */
    bool have_proto;
    uint32_t id;
    uint8_t src[16], dst[16];
    uint8_t *data;                       /* FRAG_MAX_DGRAM bytes, kept for reuse */
    uint8_t *blocks;                     /* one byte per 8-byte block: received */
    int32_t total;                       /* -1 until the last fragment came */
    size_t have;                         /* bytes received */
    int64_t first_ms;
} frag;

typedef struct {
    uint32_t seq;
    uint32_t len;
    uint8_t *data;
} seg;

typedef struct {
    bool used;
    bool dead;                           /* framing lost (malformed, too large) or
                                            closed: data is skipped until a new SYN */
    uint8_t family;
    uint8_t src[16], dst[16];
    uint16_t sport, dport;
    uint32_t next_seq;
    char *buf;
    size_t len, cap;
    /* sip_parse_stream's resume state (sip.h): the last NEED_MORE's view */
    size_t scanned;
    size_t r_offset, r_header_length, r_length;
    int64_t r_content_length;
    seg ooo[CAPTURE_FLOW_OOO];
    unsigned n_ooo;
    size_t ooo_bytes;
    uint64_t last_packet;
    int next;                            /* hash chain, -1 ends */
} flow;

enum outcome { OUT_SKIPPED = 0, OUT_SIP, OUT_FRAGMENT, OUT_ERROR };

typedef struct {
    const capture_opts *o;
    capture_stats *s;
    const char *sensor;
    char run[17];
    int dlt;
    uint64_t packet;
    int64_t ts_ms;
    unsigned msg_index;                  /* messages the packet completed so far */
    enum outcome out;
    frag frags[CAPTURE_MAX_FRAGS];
    flow flows[CAPTURE_MAX_FLOWS];
    int buckets[FLOW_BUCKETS];
    int free_flow;                       /* free list through flow.next */
    size_t tcp_bytes;                    /* flow buffers + held segments */
    sip_msg msg;
    char line[EVENT_MAX_JSON];
    char scratch[EVENT_MAX_JSON];
} ctx;

static void packet_error(ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void packet_error(ctx *c, const char *fmt, ...)
{
    char why[WHY_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    c->s->errors++;
    c->out = OUT_ERROR;
    if (c->o->on_error)
        c->o->on_error(c->o->arg, c->packet, why);
}

/* ---- events --------------------------------------------------------------------- */

static void addr_text(uint8_t family, const uint8_t *a, char out[EVENT_IP_MAX])
{
    if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, a, out, EVENT_IP_MAX))
        out[0] = '\0';
}

/* One event, built as the sensor builds its log line (event_to_json) and
 * read back as ingest reads it (event_json_parse). */
static void emit(ctx *c, event_kind kind, const char *transport, const addrs *a, uint16_t sport,
                 uint16_t dport, const char *raw, size_t raw_len, const sip_msg *msg,
                 const char *error, size_t error_offset)
{
    if (c->msg_index >= CAPTURE_SEQ_PER_PACKET) {
        packet_error(c, "more than %d SIP messages completed by one packet; the rest are "
                     "not loaded", CAPTURE_SEQ_PER_PACKET);
        return;
    }
    event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = kind;
    ev.time_ms = c->ts_ms;
    ev.sensor = c->sensor;
    ev.run_id = c->run;
    ev.seq = c->packet * CAPTURE_SEQ_PER_PACKET + c->msg_index++;
    addr_text(a->family, a->src, ev.src_ip);
    addr_text(a->family, a->dst, ev.dst_ip);
    ev.src_port = sport;
    ev.dst_port = dport;
    ev.transport = transport;
    ev.msg = msg;
    ev.error = error;
    ev.error_offset = error_offset;
    ev.raw = raw;
    ev.raw_len = raw_len;
    ev.include_raw = c->o->keep_raw || kind == EVENT_MALFORMED;
    size_t n = event_to_json(&ev, c->line, sizeof c->line);
    if (n == 0) {
        packet_error(c, "the event does not fit in %d bytes", EVENT_MAX_JSON);
        return;
    }
    store_event sev;
    char why[WHY_MAX];
    event_json_opts jo = {.keep_raw = c->o->keep_raw};
    if (event_json_parse(c->line, n - 1, &jo, &sev, c->scratch, why, sizeof why) != 0) {
        packet_error(c, "internal: the event does not read back: %s", why);
        return;
    }
    /* The sensor's verdicts are not in a capture: the encoder wrote
     * "answered": false for want of a result, which would be a claim. */
    sev.answered = STORE_NULL;
    if (kind == EVENT_REQUEST)
        c->s->requests++;
    else if (kind == EVENT_RESPONSE)
        c->s->responses++;
    else
        c->s->malformed++;
    c->out = OUT_SIP;
    if (c->o->on_event)
        c->o->on_event(c->o->arg, &sev);
}

static void emit_message(ctx *c, const char *transport, const addrs *a, uint16_t sport,
                         uint16_t dport, const char *raw, size_t raw_len, const sip_msg *msg)
{
    emit(c, msg->is_request ? EVENT_REQUEST : EVENT_RESPONSE, transport, a, sport, dport, raw,
         raw_len, msg, NULL, 0);
}

/* ---- what is SIP ---------------------------------------------------------------- */

static bool sip_port(uint16_t p) { return p == 5060 || p == 5061; }

static size_t skip_crlf(const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n && (p[i] == '\r' || p[i] == '\n'))
        i++;
    return i;
}

static bool token_char(uint8_t ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           (ch != 0 && strchr("-.!%*_+`'~", ch) != NULL);
}

static bool prefix_ci(const uint8_t *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    if (n < l)
        return false;
    for (size_t i = 0; i < l; i++) {
        uint8_t a = p[i], b = (uint8_t)lit[i];
        if (a >= 'A' && a <= 'Z')
            a = (uint8_t)(a - 'A' + 'a');
        if (a != b)
            return false;
    }
    return true;
}

/* A start line of SIP: "SIP/2.0 " or a method token, one space and a
 * sip:, sips: or tel: URI (after keep-alive CRLFs). */
static bool looks_sip(const uint8_t *p, size_t n)
{
    size_t i = skip_crlf(p, n);
    p += i, n -= i;
    if (n >= 8 && memcmp(p, "SIP/2.0 ", 8) == 0)
        return true;
    size_t t = 0;
    while (t < n && t <= 32 && token_char(p[t]))
        t++;
    if (t == 0 || t > 32 || t >= n || p[t] != ' ')
        return false;
    p += t + 1, n -= t + 1;
    return prefix_ci(p, n, "sip:") || prefix_ci(p, n, "sips:") || prefix_ci(p, n, "tel:");
}

/* ---- UDP ------------------------------------------------------------------------ */

static void on_udp(ctx *c, const addrs *a, const uint8_t *p, size_t n)
{
    if (n < 8) {
        packet_error(c, "UDP header cut short (%zu bytes)", n);
        return;
    }
    uint16_t sport = be16(p), dport = be16(p + 2), ulen = be16(p + 4);
    if (ulen < 8) {
        packet_error(c, "UDP length %u is less than its header", ulen);
        return;
    }
    if (ulen > n) {
        packet_error(c, "UDP datagram cut short: %zu of %u bytes", n, ulen);
        return;
    }
    const uint8_t *pl = p + 8;
    size_t plen = (size_t)ulen - 8;
    /* Off the SIP ports only what starts like SIP; on them anything (the
     * sensor logs garbage as sip.malformed) but keep-alives: CRLFs (RFC
     * 5626) and other short payloads that do not start like SIP (spaces,
     * NULs, "hello", "jaK\n" of phones and NAT helpers). */
    if (!looks_sip(pl, plen) &&
        (!(sip_port(sport) || sip_port(dport)) || plen <= CAPTURE_KEEPALIVE_MAX ||
         skip_crlf(pl, plen) == plen))
        return;
    if (sip_parse_datagram((const char *)pl, plen, &c->msg) == 0)
        emit_message(c, "udp", a, sport, dport, (const char *)pl, plen, &c->msg);
    else
        emit(c, EVENT_MALFORMED, "udp", a, sport, dport, (const char *)pl, plen, NULL,
             c->msg.error ? c->msg.error : "invalid", c->msg.error_offset);
}

/* ---- TCP ------------------------------------------------------------------------ */

static uint32_t flow_hash(uint8_t family, const uint8_t *src, const uint8_t *dst, uint16_t sport,
                          uint16_t dport)
{
    uint64_t h = 0xcbf29ce484222325ull;
    size_t alen = family == 4 ? 4 : 16;
    h = fnv(h, &family, 1);
    h = fnv(h, src, alen);
    h = fnv(h, dst, alen);
    h = fnv(h, &sport, 2);
    h = fnv(h, &dport, 2);
    return (uint32_t)(h ^ (h >> 32)) % FLOW_BUCKETS;
}

static void flow_release_memory(ctx *c, flow *f)
{
    free(f->buf);
    c->tcp_bytes -= f->cap;
    f->buf = NULL;
    f->len = f->cap = 0;
    f->scanned = 0;
    for (unsigned i = 0; i < f->n_ooo; i++)
        free(f->ooo[i].data);
    c->tcp_bytes -= f->ooo_bytes;
    f->n_ooo = 0;
    f->ooo_bytes = 0;
}

static void flow_free(ctx *c, int idx)
{
    flow *f = &c->flows[idx];
    flow_release_memory(c, f);
    uint32_t h = flow_hash(f->family, f->src, f->dst, f->sport, f->dport);
    for (int *pp = &c->buckets[h]; *pp != -1; pp = &c->flows[*pp].next) {
        if (*pp == idx) {
            *pp = f->next;
            break;
        }
    }
    f->used = false;
    f->next = c->free_flow;
    c->free_flow = idx;
}

static void flow_name(const flow *f, char *out, size_t cap)
{
    char s[EVENT_IP_MAX], d[EVENT_IP_MAX];
    addr_text(f->family, f->src, s);
    addr_text(f->family, f->dst, d);
    snprintf(out, cap, f->family == 6 ? "[%s]:%u -> [%s]:%u" : "%s:%u -> %s:%u", s, f->sport, d,
             f->dport);
}

/* The least recently used flow (that holds memory, when mem). */
static int flow_lru(ctx *c, bool mem, const flow *except)
{
    int best = -1;
    for (int i = 0; i < CAPTURE_MAX_FLOWS; i++) {
        flow *f = &c->flows[i];
        if (!f->used || f == except || (mem && f->cap == 0 && f->n_ooo == 0))
            continue;
        if (best < 0 || f->last_packet < c->flows[best].last_packet)
            best = i;
    }
    return best;
}

/* Drops a flow to make room; an error when it held unframed bytes. */
static void flow_evict(ctx *c, int idx, const char *why)
{
    flow *f = &c->flows[idx];
    if (!f->dead && (f->len > 0 || f->n_ooo > 0)) {
        char name[128];
        flow_name(f, name, sizeof name);
        packet_error(c, "TCP %s: %s; its %zu unframed bytes are dropped", name, why,
                     f->len + f->ooo_bytes);
    }
    flow_free(c, idx);
}

static flow *flow_find(ctx *c, const addrs *a, uint16_t sport, uint16_t dport)
{
    size_t alen = a->family == 4 ? 4 : 16;
    uint32_t h = flow_hash(a->family, a->src, a->dst, sport, dport);
    for (int i = c->buckets[h]; i != -1; i = c->flows[i].next) {
        flow *f = &c->flows[i];
        if (f->family == a->family && f->sport == sport && f->dport == dport &&
            memcmp(f->src, a->src, alen) == 0 && memcmp(f->dst, a->dst, alen) == 0)
            return f;
    }
    return NULL;
}

static flow *flow_new(ctx *c, const addrs *a, uint16_t sport, uint16_t dport, uint32_t seq)
{
    if (c->free_flow < 0) {
        int victim = flow_lru(c, false, NULL);
        if (victim < 0)
            return NULL;
        flow_evict(c, victim, "more than 1024 TCP flows at once");
    }
    int idx = c->free_flow;
    flow *f = &c->flows[idx];
    c->free_flow = f->next;
    memset(f, 0, sizeof *f);
    f->used = true;
    f->family = a->family;
    memcpy(f->src, a->src, sizeof f->src);
    memcpy(f->dst, a->dst, sizeof f->dst);
    f->sport = sport;
    f->dport = dport;
    f->next_seq = seq;
    f->last_packet = c->packet;
    uint32_t h = flow_hash(a->family, a->src, a->dst, sport, dport);
    f->next = c->buckets[h];
    c->buckets[h] = idx;
    return f;
}

/* Makes room for extra bytes under the global budget, evicting other
 * flows. */
static bool tcp_reserve(ctx *c, const flow *f, size_t extra)
{
    while (c->tcp_bytes + extra > CAPTURE_TCP_BUDGET) {
        int victim = flow_lru(c, true, f);
        if (victim < 0)
            return false;
        flow_evict(c, victim, "TCP reassembly memory budget reached");
    }
    return true;
}

static void flow_kill(flow *f)
{
    f->dead = true;
    f->len = 0;
    f->scanned = 0;
}

/* Frames and emits the complete messages at the front of f's buffer. */
static void flow_parse(ctx *c, flow *f, const addrs *a)
{
    while (f->len > 0) {
        sip_msg *m = &c->msg;
        if (f->scanned > 0) {
            m->offset = f->r_offset;
            m->header_length = f->r_header_length;
            m->length = f->r_length;
            m->content_length = f->r_content_length;
        }
        ssize_t used = sip_parse_stream(f->buf, f->len, f->scanned, m);
        if (used == SIP_PARSE_NEED_MORE) {
            f->scanned = f->len;
            f->r_offset = m->offset;
            f->r_header_length = m->header_length;
            f->r_length = m->length;
            f->r_content_length = m->content_length;
            return;
        }
        if (used < 0 || (size_t)used > f->len) {
            /* framing is lost: logged whole, as the sensor does before it
             * hangs up (RFC 4475 ncl, mcl01) */
            emit(c, EVENT_MALFORMED, "tcp", a, f->sport, f->dport, f->buf, f->len, NULL,
                 m->error ? m->error : "invalid", m->error_offset);
            flow_kill(f);
            return;
        }
        size_t keepalive = (size_t)used - m->length;
        emit_message(c, "tcp", a, f->sport, f->dport, f->buf + keepalive, m->length, m);
        memmove(f->buf, f->buf + used, f->len - (size_t)used);
        f->len -= (size_t)used;
        f->scanned = 0;
    }
}

/* Appends in-order bytes to f and frames what completes. */
static void flow_append(ctx *c, flow *f, const addrs *a, const uint8_t *p, size_t n)
{
    f->next_seq += (uint32_t)n;
    while (n > 0 && !f->dead) {
        if (f->len == f->cap) {
            size_t cap = f->cap ? f->cap * 2 : FLOW_INITIAL_BUF;
            if (cap > CAPTURE_FLOW_BUF)
                cap = CAPTURE_FLOW_BUF;
            if (cap <= f->len) {
                /* a message larger than the sensor frames */
                emit(c, EVENT_MALFORMED, "tcp", a, f->sport, f->dport, f->buf, f->len, NULL,
                     "message too large", f->len);
                flow_kill(f);
                return;
            }
            char *nb;
            if (!tcp_reserve(c, f, cap - f->cap) || (nb = realloc(f->buf, cap)) == NULL) {
                char name[128];
                flow_name(f, name, sizeof name);
                packet_error(c, "TCP %s: out of reassembly memory; the flow is dropped", name);
                flow_kill(f);
                return;
            }
            c->tcp_bytes += cap - f->cap;
            f->buf = nb;
            f->cap = cap;
        }
        size_t take = f->cap - f->len < n ? f->cap - f->len : n;
        memcpy(f->buf + f->len, p, take);
        f->len += take;
        p += take, n -= take;
        flow_parse(c, f, a);
    }
}

/* Delivers the segment at seq: in order, trimmed (retransmitted bytes), or
 * held until the bytes before it come. Returns false when it cannot be
 * held (too far ahead, too many held): a gap. */
static bool flow_segment(ctx *c, flow *f, const addrs *a, uint32_t seq, const uint8_t *p, size_t n)
{
    int32_t d = (int32_t)(seq - f->next_seq);
    if (d < 0) {
        size_t old = (size_t)(-(int64_t)d);
        if (old >= n)
            return true;                    /* all retransmitted */
        p += old, n -= old;
        d = 0;
    }
    if (d > 0) {
        if (f->n_ooo >= CAPTURE_FLOW_OOO || f->ooo_bytes + n > CAPTURE_FLOW_BUF ||
            (uint32_t)d > 16u * CAPTURE_FLOW_BUF || !tcp_reserve(c, f, n))
            return false;
        uint8_t *copy = malloc(n);
        if (!copy)
            return false;
        memcpy(copy, p, n);
        f->ooo[f->n_ooo++] = (seg){seq, (uint32_t)n, copy};
        f->ooo_bytes += n;
        c->tcp_bytes += n;
        if (c->out == OUT_SKIPPED)
            c->out = OUT_SIP;
        return true;
    }
    if (c->out == OUT_SKIPPED)
        c->out = OUT_SIP;
    flow_append(c, f, a, p, n);
    /* held segments that now follow */
    for (bool progress = true; progress && !f->dead;) {
        progress = false;
        for (unsigned i = 0; i < f->n_ooo; i++) {
            seg s = f->ooo[i];
            int32_t sd = (int32_t)(s.seq - f->next_seq);
            if (sd > 0)
                continue;
            f->ooo[i] = f->ooo[--f->n_ooo];
            f->ooo_bytes -= s.len;
            c->tcp_bytes -= s.len;
            size_t old = (size_t)(-(int64_t)sd);
            if (old < s.len)
                flow_append(c, f, a, s.data + old, s.len - old);
            free(s.data);
            progress = true;
            break;
        }
    }
    return true;
}

/* The bytes before f's held segments never came. */
static void flow_gap(ctx *c, flow *f, const char *when)
{
    char name[128];
    flow_name(f, name, sizeof name);
    uint32_t first = f->ooo[0].seq;
    for (unsigned i = 1; i < f->n_ooo; i++)
        if ((int32_t)(f->ooo[i].seq - first) < 0)
            first = f->ooo[i].seq;
    packet_error(c, "TCP %s: %u bytes were not captured (%s); the stream resumes at its "
                 "next message", name, f->n_ooo ? first - f->next_seq : 0, when);
}

static void on_tcp(ctx *c, const addrs *a, const uint8_t *p, size_t n)
{
    if (n < 20) {
        packet_error(c, "TCP header cut short (%zu bytes)", n);
        return;
    }
    uint16_t sport = be16(p), dport = be16(p + 2);
    uint32_t seq = be32(p + 4);
    size_t off = (size_t)(p[12] >> 4) * 4;
    uint8_t flags = p[13];
    bool syn = flags & 0x02, fin = flags & 0x01, rst = flags & 0x04;
    if (off < 20 || off > n) {
        packet_error(c, "TCP header length %zu is not within the segment's %zu bytes", off, n);
        return;
    }
    const uint8_t *pl = p + off;
    size_t plen = n - off;
    flow *f = flow_find(c, a, sport, dport);
    if (syn) {
        seq++;                              /* data (TFO) starts after the SYN */
        if (f && !(f->next_seq == seq && f->len == 0 && !f->dead)) {
            /* a new connection on the same addresses and ports */
            flow_free(c, (int)(f - c->flows));
            f = NULL;
        }
        if (!f && (sip_port(sport) || sip_port(dport)))
            f = flow_new(c, a, sport, dport, seq);
    }
    if (f && !f->dead && plen > 0) {
        f->last_packet = c->packet;
        if (!flow_segment(c, f, a, seq, pl, plen)) {
            flow_gap(c, f, "out-of-order segments beyond what is held");
            flow_free(c, (int)(f - c->flows));
            f = NULL;
        }
    }
    if (!f && plen > 0 && looks_sip(pl, plen)) {
        /* a stream whose start was not captured (or lost) resumes at a
         * message start */
        f = flow_new(c, a, sport, dport, seq);
        if (f && !flow_segment(c, f, a, seq, pl, plen))
            flow_free(c, (int)(f - c->flows)), f = NULL;
    }
    if (f && (fin || rst)) {
        if (f->n_ooo > 0 && !f->dead)
            flow_gap(c, f, "the connection closed");
        /* kept, without memory, so that retransmissions are skipped */
        flow_release_memory(c, f);
        f->dead = true;
    }
}

/* ---- IP ------------------------------------------------------------------------- */

/* Adds a fragment; returns the slot of the reassembled datagram when this
 * completes it, NULL otherwise. proto_known: this fragment says the
 * protocol (IPv4 always, IPv6 the first fragment). */
static frag *frag_add(ctx *c, const addrs *a, uint32_t id, uint8_t proto, bool proto_known,
                      size_t offset, bool more, const uint8_t *p, size_t n)
{
    size_t alen = a->family == 4 ? 4 : 16;
    c->s->fragments++;
    if (c->out == OUT_SKIPPED)
        c->out = OUT_FRAGMENT;
    frag *f = NULL, *free_slot = NULL, *oldest = NULL;
    for (int i = 0; i < CAPTURE_MAX_FRAGS; i++) {
        frag *x = &c->frags[i];
        if (x->used && !x->done && c->ts_ms - x->first_ms > CAPTURE_FRAG_TIMEOUT_MS) {
            x->used = false;        /* timed out: never completed */
            packet_error(c, "IPv%u datagram %u: fragments missing after %d s; dropped",
                         x->family, x->id, CAPTURE_FRAG_TIMEOUT_MS / 1000);
        }
        if (!x->used) {
            if (!free_slot)
                free_slot = x;
            continue;
        }
        if (x->done)
            continue;
        if (x->family == a->family && x->id == id && memcmp(x->src, a->src, alen) == 0 &&
            memcmp(x->dst, a->dst, alen) == 0 && (a->family == 6 || x->proto == proto)) {
            f = x;
            break;
        }
        if (!oldest || x->first_ms < oldest->first_ms)
            oldest = x;
    }
    if (offset + n > FRAG_MAX_DGRAM) {
        packet_error(c, "IPv%u fragment beyond %d bytes (offset %zu, %zu bytes)", a->family,
                     FRAG_MAX_DGRAM, offset, n);
        if (f)
            f->used = false;
        return NULL;
    }
    if (more && n % 8 != 0) {
        packet_error(c, "IPv%u fragment of %zu bytes (not a multiple of 8) before the last",
                     a->family, n);
        if (f)
            f->used = false;
        return NULL;
    }
    if (!f) {
        if (!free_slot) {
            if (!oldest) {
                packet_error(c, "no free IP reassembly slot");
                return NULL;
            }
            packet_error(c, "more than %d IP datagrams in reassembly: datagram %u dropped",
                         CAPTURE_MAX_FRAGS, oldest->id);
            oldest->used = false;
            free_slot = oldest;
        }
        f = free_slot;
        if (!f->data) {
            f->data = malloc(FRAG_MAX_DGRAM);
            f->blocks = malloc(FRAG_BLOCKS);
            if (!f->data || !f->blocks) {
                free(f->data), free(f->blocks);
                f->data = f->blocks = NULL;
                packet_error(c, "out of memory for IP reassembly");
                return NULL;
            }
        }
        f->used = true;
        f->done = false;
        f->family = a->family;
        memcpy(f->src, a->src, sizeof f->src);
        memcpy(f->dst, a->dst, sizeof f->dst);
        f->id = id;
        f->proto = proto;
        f->have_proto = proto_known;
        f->total = -1;
        f->have = 0;
        f->first_ms = c->ts_ms;
        memset(f->blocks, 0, FRAG_BLOCKS);
    }
    /* blocks this fragment covers: all new (a duplicate: all old) */
    size_t b0 = offset / 8, b1 = (offset + n + 7) / 8, seen = 0;
    for (size_t b = b0; b < b1; b++)
        seen += f->blocks[b];
    if (n > 0 && seen == b1 - b0)
        return NULL;                        /* a duplicate */
    if (seen > 0) {
        packet_error(c, "IPv%u datagram %u: overlapping fragments; dropped", a->family, id);
        f->used = false;
        return NULL;
    }
    if (!more) {
        if (f->total >= 0 || (size_t)f->have > offset + n) {
            packet_error(c, "IPv%u datagram %u: two last fragments; dropped", a->family, id);
            f->used = false;
            return NULL;
        }
        f->total = (int32_t)(offset + n);
    } else if (f->total >= 0 && offset + n > (size_t)f->total) {
        packet_error(c, "IPv%u datagram %u: a fragment after the last; dropped", a->family, id);
        f->used = false;
        return NULL;
    }
    memset(f->blocks + b0, 1, b1 - b0);
    memcpy(f->data + offset, p, n);
    f->have += n;
    if (proto_known) {
        f->proto = proto;
        f->have_proto = true;
    }
    if (f->total < 0 || f->have != (size_t)f->total || !f->have_proto)
        return NULL;
    f->done = true;                         /* released after this packet */
    c->s->reassembled++;
    return f;
}

/* The IP layer: a loop over IP-in-IP layers (bounded) and fragments. */
static void on_ip(ctx *c, const uint8_t *p, size_t n)
{
    addrs a;
    for (int layer = 0;; layer++) {
        if (layer > CAPTURE_MAX_ENCAP) {
            packet_error(c, "more than %d IP-in-IP layers", CAPTURE_MAX_ENCAP);
            return;
        }
        if (n < 1) {
            packet_error(c, "empty IP packet");
            return;
        }
        uint8_t proto;
        const uint8_t *pl;
        size_t plen;
        unsigned ver = p[0] >> 4;
        if (ver == 4) {
            if (n < 20) {
                packet_error(c, "IPv4 header cut short (%zu bytes)", n);
                return;
            }
            size_t ihl = (size_t)(p[0] & 15) * 4, total = be16(p + 2);
            if (ihl < 20 || ihl > total) {
                packet_error(c, "IPv4 header length %zu, total length %zu", ihl, total);
                return;
            }
            if (total > n) {
                packet_error(c, "IPv4 packet cut short: %zu of %zu bytes captured", n, total);
                return;
            }
            a.family = 4;
            memset(a.src, 0, sizeof a.src);
            memset(a.dst, 0, sizeof a.dst);
            memcpy(a.src, p + 12, 4);
            memcpy(a.dst, p + 16, 4);
            proto = p[9];
            pl = p + ihl;
            plen = total - ihl;
            uint16_t fo = be16(p + 6);
            if (fo & 0x3fff) {                 /* MF or an offset: a fragment */
                frag *f = frag_add(c, &a, be16(p + 4), proto, true, (size_t)(fo & 0x1fff) * 8,
                                   (fo & 0x2000) != 0, pl, plen);
                if (!f)
                    return;
                pl = f->data;
                plen = (size_t)f->total;
            }
        } else if (ver == 6) {
            if (n < 40) {
                packet_error(c, "IPv6 header cut short (%zu bytes)", n);
                return;
            }
            size_t total = 40 + (size_t)be16(p + 4);
            if (total == 40 && p[6] == 0) {
                packet_error(c, "IPv6 jumbogram (not supported)");
                return;
            }
            if (total > n) {
                packet_error(c, "IPv6 packet cut short: %zu of %zu bytes captured", n, total);
                return;
            }
            a.family = 6;
            memcpy(a.src, p + 8, 16);
            memcpy(a.dst, p + 24, 16);
            proto = p[6];
            pl = p + 40;
            plen = total - 40;
            bool more_hdrs = true;
            for (int i = 0; more_hdrs; i++) {
                if (i >= CAPTURE_MAX_EXTHDR) {
                    packet_error(c, "more than %d IPv6 extension headers", CAPTURE_MAX_EXTHDR);
                    return;
                }
                size_t hl;
                switch (proto) {
                case 0: case 43: case 60: case 135: case 139: case 140:   /* HBH, routing, dst, ... */
                    if (plen < 8) {
                        packet_error(c, "IPv6 extension header %u cut short", proto);
                        return;
                    }
                    hl = ((size_t)pl[1] + 1) * 8;
                    break;
                case 51:                                                   /* AH */
                    if (plen < 8) {
                        packet_error(c, "IPv6 authentication header cut short");
                        return;
                    }
                    hl = ((size_t)pl[1] + 2) * 4;
                    break;
                case 44: {                                                 /* fragment */
                    if (plen < 8) {
                        packet_error(c, "IPv6 fragment header cut short");
                        return;
                    }
                    uint8_t nh = pl[0];
                    uint16_t fo = be16(pl + 2);
                    uint32_t id = be32(pl + 4);
                    pl += 8, plen -= 8;
                    size_t offset = fo & 0xfff8;
                    bool more = fo & 1;
                    if (offset == 0 && !more) {      /* an atomic fragment */
                        proto = nh;
                        continue;
                    }
                    frag *f = frag_add(c, &a, id, nh, offset == 0, offset, more, pl, plen);
                    if (!f)
                        return;
                    proto = f->proto;
                    pl = f->data;
                    plen = (size_t)f->total;
                    continue;
                }
                default:
                    more_hdrs = false;
                    continue;
                }
                if (hl > plen) {
                    packet_error(c, "IPv6 extension header %u (%zu bytes) beyond the packet",
                                 proto, hl);
                    return;
                }
                proto = pl[0];
                pl += hl, plen -= hl;
            }
        } else {
            packet_error(c, "IP version %u", ver);
            return;
        }
        if (proto == 4 || proto == 41) {        /* IPv4 or IPv6 inside */
            p = pl, n = plen;
            continue;
        }
        if (proto == 17)
            on_udp(c, &a, pl, plen);
        else if (proto == 6)
            on_tcp(c, &a, pl, plen);
        return;
    }
}

/* ---- link layers ---------------------------------------------------------------- */

/* An EtherType'd payload: VLAN tags skipped, IP decoded, the rest skipped. */
static void on_ethertype(ctx *c, uint16_t type, const uint8_t *p, size_t n)
{
    for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
        if (tags >= CAPTURE_MAX_VLAN) {
            packet_error(c, "more than %d VLAN tags", CAPTURE_MAX_VLAN);
            return;
        }
        if (n < 4) {
            packet_error(c, "VLAN tag cut short");
            return;
        }
        type = be16(p + 2);
        p += 4, n -= 4;
    }
    if (type == 0x0800 || type == 0x86dd)
        on_ip(c, p, n);
}

static void on_packet(ctx *c, const uint8_t *p, size_t n)
{
    switch (c->dlt) {
    case DLT_EN10MB:
        if (n < 14) {
            packet_error(c, "Ethernet header cut short (%zu bytes)", n);
            return;
        }
        on_ethertype(c, be16(p + 12), p + 14, n - 14);
        return;
    case DLT_LINUX_SLL:
        if (n < 16) {
            packet_error(c, "Linux cooked header cut short (%zu bytes)", n);
            return;
        }
        on_ethertype(c, be16(p + 14), p + 16, n - 16);
        return;
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        if (n < 20) {
            packet_error(c, "Linux cooked v2 header cut short (%zu bytes)", n);
            return;
        }
        on_ethertype(c, be16(p), p + 20, n - 20);
        return;
#endif
    case DLT_NULL:
    case DLT_LOOP:
        /* the address family, in the capturing host's byte order (NULL) or
         * network order (LOOP): the IP version nibble says as much */
        if (n < 4) {
            packet_error(c, "loopback header cut short (%zu bytes)", n);
            return;
        }
        on_ip(c, p + 4, n - 4);
        return;
    case DLT_RAW:
    case DLT_IPV4:
    case DLT_IPV6:
        on_ip(c, p, n);
        return;
    default:
        return;
    }
}

static bool dlt_supported(int dlt)
{
    switch (dlt) {
    case DLT_EN10MB: case DLT_LINUX_SLL: case DLT_NULL: case DLT_LOOP:
    case DLT_RAW: case DLT_IPV4: case DLT_IPV6:
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
#endif
        return true;
    }
    return false;
}

/* ---- the file ------------------------------------------------------------------- */

static ctx *ctx_new(void)
{
    ctx *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    for (int i = 0; i < FLOW_BUCKETS; i++)
        c->buckets[i] = -1;
    for (int i = 0; i < CAPTURE_MAX_FLOWS; i++)
        c->flows[i].next = i + 1 < CAPTURE_MAX_FLOWS ? i + 1 : -1;
    c->free_flow = 0;
    return c;
}

static void ctx_free(ctx *c)
{
    for (int i = 0; i < CAPTURE_MAX_FLOWS; i++)
        if (c->flows[i].used)
            flow_release_memory(c, &c->flows[i]);
    for (int i = 0; i < CAPTURE_MAX_FRAGS; i++) {
        free(c->frags[i].data);
        free(c->frags[i].blocks);
    }
    free(c);
}

/* What is left at the end: held segments whose gap never filled. */
static void ctx_finish(ctx *c)
{
    for (int i = 0; i < CAPTURE_MAX_FLOWS; i++) {
        flow *f = &c->flows[i];
        if (f->used && !f->dead && f->n_ooo > 0)
            flow_gap(c, f, "at the end of the capture");
    }
    for (int i = 0; i < CAPTURE_MAX_FRAGS; i++) {
        frag *f = &c->frags[i];
        if (f->used && !f->done)
            packet_error(c, "IPv%u datagram %u: fragments missing at the end of the capture",
                         f->family, f->id);
    }
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The run: a hash of the link type and the first packets. Reads from p. */
static void run_id(pcap_t *p, char out[17])
{
    uint64_t h = 0xcbf29ce484222325ull;
    uint32_t dlt = (uint32_t)pcap_datalink(p);
    h = fnv(h, &dlt, sizeof dlt);
    struct pcap_pkthdr *hdr;
    const u_char *data;
    for (int i = 0; i < CAPTURE_RUN_PACKETS && pcap_next_ex(p, &hdr, &data) == 1; i++) {
        int64_t sec = hdr->ts.tv_sec, usec = hdr->ts.tv_usec;
        uint32_t caplen = hdr->caplen, len = hdr->len;
        h = fnv(h, &sec, sizeof sec);
        h = fnv(h, &usec, sizeof usec);
        h = fnv(h, &caplen, sizeof caplen);
        h = fnv(h, &len, sizeof len);
        h = fnv(h, data, caplen);
    }
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

int capture_decode(FILE *fp, capture_reopen_fn open_again, void *again_arg, const char *name,
                   const capture_opts *o, capture_stats *s, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    memset(s, 0, sizeof *s);
    pcap_t *p = pcap_fopen_offline(fp, perr);
    if (!p) {
        fclose(fp);
        snprintf(err, errlen, "%s", perr[0] ? perr : "not a capture");
        return -1;
    }
    char run[17];
    run_id(p, run);
    pcap_close(p);
    if (!(fp = open_again(again_arg))) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    if (!(p = pcap_fopen_offline(fp, perr))) {
        fclose(fp);
        snprintf(err, errlen, "%s", perr[0] ? perr : "not a capture");
        return -1;
    }
    ctx *c = ctx_new();
    if (!c) {
        pcap_close(p);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->o = o;
    c->s = s;
    memcpy(c->run, run, sizeof run);
    c->dlt = pcap_datalink(p);
    char sensor[256];
    if (o->sensor) {
        c->sensor = o->sensor;
    } else {
        snprintf(sensor, sizeof sensor, "pcap:%s", base_name(name));
        c->sensor = sensor;
    }
    int rc = 0;
    if (!dlt_supported(c->dlt)) {
        const char *dn = pcap_datalink_val_to_name(c->dlt);
        snprintf(err, errlen, "link type %s (%d) is not supported", dn ? dn : "unknown", c->dlt);
        rc = -1;
    }
    struct pcap_pkthdr *hdr;
    const u_char *data;
    int r = 0;
    while (rc == 0 && (r = pcap_next_ex(p, &hdr, &data)) == 1) {
        c->packet++;
        s->packets++;
        c->ts_ms = (int64_t)hdr->ts.tv_sec * 1000 + (int64_t)hdr->ts.tv_usec / 1000;
        c->msg_index = 0;
        c->out = OUT_SKIPPED;
        on_packet(c, data, hdr->caplen);
        if (c->out == OUT_SKIPPED)
            s->skipped++;
        for (int i = 0; i < CAPTURE_MAX_FRAGS; i++)
            if (c->frags[i].done)
                c->frags[i].used = c->frags[i].done = false;
    }
    if (rc == 0 && r == PCAP_ERROR) {
        snprintf(err, errlen, "after packet %llu: %s", (unsigned long long)c->packet,
                 pcap_geterr(p));
        rc = -1;
    }
    c->packet++;              /* end-of-capture reports name the packet after the last */
    ctx_finish(c);
    ctx_free(c);
    pcap_close(p);
    return rc;
}

static FILE *reopen_path(void *arg)
{
    return fopen((const char *)arg, "rb");
}

int capture_decode_file(const char *path, const capture_opts *o, capture_stats *s, char *err,
                        size_t errlen)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        memset(s, 0, sizeof *s);
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    return capture_decode(fp, reopen_path, (void *)path, path, o, s, err, errlen);
}

/* ---- into the store ------------------------------------------------------------- */

typedef struct {
    ingest_batch *batch;
    const capture_ingest_opts *io;
    const char *path;
} loader;

static void load_event(void *arg, const store_event *ev)
{
    loader *l = arg;
    ingest_batch_add(l->batch, ev);
}

static void load_error(void *arg, uint64_t packet, const char *why)
{
    loader *l = arg;
    if (l->io->on_error)
        l->io->on_error(l->io->arg, l->path, packet, why);
}

int capture_ingest(store *st, const char *path, const capture_ingest_opts *io, capture_stats *s,
                   bool *file_failed, char *err, size_t errlen)
{
    *file_failed = false;
    memset(s, 0, sizeof *s);
    loader l = {.io = io, .path = path};
    l.batch = ingest_batch_open(st, err, errlen);
    if (!l.batch)
        return -1;
    capture_opts o = {.sensor = io->sensor, .keep_raw = io->keep_raw, .on_event = load_event,
                      .on_error = load_error, .arg = &l};
    char why[256];
    if (capture_decode_file(path, &o, s, why, sizeof why) != 0) {
        *file_failed = true;
        if (io->on_error)
            io->on_error(io->arg, path, 0, why);
    }
    return ingest_batch_close(l.batch, &s->added, &s->duplicates, err, errlen);
}
