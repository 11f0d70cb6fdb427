/*
 * test_pcap.c - SIP out of packet captures (src/ingest/pcap.c): the public
 * captures of tests/data/pcaps/ (sources and licences in SOURCES.tsv) with
 * counts and fields checked independently with tshark
 * (`tshark -r FILE -Y sip -T fields -e frame.number -e sip.Method
 * -e sip.Status-Code -e sip.r-uri.user -e sip.from.user -e sip.Call-ID
 * -e sip.User-Agent -e sip.auth.username ...`), and captures written here
 * packet by packet for what the public ones lack: IPv4 fragments (in and
 * out of order, overlapping), TCP segments out of order, retransmitted and
 * lost, several messages per segment, VLAN tags, Linux cooked v2 and BSD
 * loopback link layers, bad headers. Then identity (the same capture twice
 * gives the same events; into SQLite twice adds nothing) and a cut file.
 */
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "ingest/pcap.h"
#include "store/store.h"

#define DATA "tests/data/pcaps/"

/* ---- collecting events -------------------------------------------------------- */

enum { MAX_EV = 256, F = 160 };

typedef struct {
    char eventid[24], transport[8], src_ip[48], dst_ip[48], method[F], ruri[F], ruri_user[F],
        from_user[F], from_tag[F], to_user[F], contact_user[F], call_id[F], user_agent[F],
        server[F], auth_user[F], auth_realm[F], auth_algorithm[F], reason[F], sensor[F],
        run[24], warnings[F], raw_head[F];
    int64_t src_port, dst_port, cseq, status, len, seq, ts_ms, answered, response;
    bool has_ua, has_raw;
} rec;

typedef struct {
    rec ev[MAX_EV];
    size_t n;
    char errors[32][256];
    uint64_t error_packets[32];
    size_t nerr;
} sink;

static void cp(char *out, store_str s)
{
    size_t n = s.p ? (s.len < F - 1 ? s.len : F - 1) : 0;
    if (n)
        memcpy(out, s.p, n);
    out[n] = '\0';
    if (!s.p)
        strcpy(out, "-");
}

static void on_event(void *arg, const store_event *e)
{
    sink *k = arg;
    if (k->n >= MAX_EV)
        return;
    rec *r = &k->ev[k->n++];
    cp(r->eventid, e->eventid), cp(r->transport, e->transport), cp(r->src_ip, e->src_ip);
    cp(r->dst_ip, e->dst_ip), cp(r->method, e->method), cp(r->ruri, e->ruri);
    cp(r->ruri_user, e->ruri_user), cp(r->from_user, e->from_user), cp(r->from_tag, e->from_tag);
    cp(r->to_user, e->to_user), cp(r->contact_user, e->contact_user), cp(r->call_id, e->call_id);
    cp(r->user_agent, e->user_agent), cp(r->server, e->server), cp(r->auth_user, e->auth_user);
    cp(r->auth_realm, e->auth_realm), cp(r->auth_algorithm, e->auth_algorithm);
    cp(r->reason, e->reason), cp(r->sensor, e->sensor), cp(r->run, e->run);
    cp(r->warnings, e->warnings), cp(r->raw_head, e->raw);
    r->src_port = e->src_port, r->dst_port = e->dst_port, r->cseq = e->cseq;
    r->status = e->status, r->len = e->len, r->seq = e->seq, r->ts_ms = e->ts_ms;
    r->answered = e->answered, r->response = e->response;
    r->has_ua = e->user_agent.p != NULL;
    r->has_raw = e->raw.p != NULL;
}

static void on_error(void *arg, uint64_t packet, const char *why)
{
    sink *k = arg;
    if (k->nerr >= 32)
        return;
    snprintf(k->errors[k->nerr], sizeof k->errors[0], "%s", why);
    k->error_packets[k->nerr++] = packet;
}

static sink K;          /* the last decode's events */
static capture_stats S;

static int decode(const char *path)
{
    memset(&K, 0, sizeof K);
    capture_opts o = {.keep_raw = true, .on_event = on_event, .on_error = on_error, .arg = &K};
    char err[200] = "";
    int rc = capture_decode_file(path, &o, &S, err, sizeof err);
    if (rc != 0)
        snprintf(K.errors[K.nerr < 32 ? K.nerr++ : 31], sizeof K.errors[0], "file: %s", err);
    return rc;
}

/* How many events have eventid/method/status equal to what. */
static size_t count_kind(const char *what)
{
    size_t n = 0;
    for (size_t i = 0; i < K.n; i++) {
        const rec *r = &K.ev[i];
        char st[16];
        snprintf(st, sizeof st, "%lld", (long long)r->status);
        if (strcmp(r->eventid, what) == 0 || strcmp(r->method, what) == 0 ||
            (strcmp(r->eventid, "sip.response") == 0 && strcmp(st, what) == 0))
            n++;
    }
    return n;
}

/* The event of packet number pkt (message 0). */
static const rec *at_packet(uint64_t pkt)
{
    for (size_t i = 0; i < K.n; i++)
        if (K.ev[i].seq == (int64_t)(pkt * CAPTURE_SEQ_PER_PACKET))
            return &K.ev[i];
    static rec none;
    strcpy(none.eventid, "(none)");
    return &none;
}

/* ---- the public captures ------------------------------------------------------ */

static void test_magic(void)
{
    static const uint8_t le[] = {0xd4, 0xc3, 0xb2, 0xa1}, be[] = {0xa1, 0xb2, 0xc3, 0xd4},
        nle[] = {0x4d, 0x3c, 0xb2, 0xa1}, nbe[] = {0xa1, 0xb2, 0x3c, 0x4d},
        ng[] = {0x0a, 0x0d, 0x0d, 0x0a}, gz[] = {0x1f, 0x8b, 0x08, 0x00};
    CHECK(capture_magic(le, 4) && capture_magic(be, 4) && capture_magic(nle, 4));
    CHECK(capture_magic(nbe, 4) && capture_magic(ng, 4));
    CHECK(!capture_magic(gz, 4));
    CHECK(!capture_magic("{\"v\":1", 6));
    CHECK(!capture_magic(le, 3));
    CHECK(!capture_magic(NULL, 0));
    CHECK_INT(capture_sniff(DATA "nDPI_sip.pcap"), 1);
    CHECK_INT(capture_sniff(DATA "nDPI_sip_hello.pcapng"), 1);
    CHECK_INT(capture_sniff("tests/data/ingest/mixed.jsonl"), 0);
    CHECK_INT(capture_sniff(DATA "no-such-file.pcap"), -1);
}

/* The classic aaa.pcap dialogue (Nero SIPPS against sip.cybercity.dk over
 * UDP 5060). tshark: 47 requests (18 REGISTER, 11 INVITE, 11 CANCEL, 7
 * ACK), 34 responses; 21 five-space keep-alives to 5060. */
static void test_ndpi_sip(void)
{
    CHECK_INT(decode(DATA "nDPI_sip.pcap"), 0);
    CHECK_INT(S.packets, 112);
    CHECK_INT(S.requests, 47);
    CHECK_INT(S.responses, 34);
    CHECK_INT(S.malformed, 0);
    CHECK_INT(S.skipped, 31);
    CHECK_INT(S.errors, 0);
    CHECK_INT(K.n, 81);
    CHECK_INT(count_kind("REGISTER"), 18);
    CHECK_INT(count_kind("INVITE"), 11);
    CHECK_INT(count_kind("CANCEL"), 11);
    CHECK_INT(count_kind("ACK"), 7);
    CHECK_INT(count_kind("401"), 14);
    CHECK_INT(count_kind("100"), 7);
    CHECK_INT(count_kind("200"), 3);
    CHECK_INT(count_kind("403"), 3);
    CHECK_INT(count_kind("407"), 3);
    CHECK_INT(count_kind("408"), 2);
    CHECK_INT(count_kind("183"), 1);
    CHECK_INT(count_kind("480"), 1);
    /* frame 1: tshark 1120469572.844249, 192.168.1.2:5060 -> 212.242.33.35,
     * udp.length 475 */
    const rec *r = at_packet(1);
    CHECK_STR(r->eventid, "sip.request");
    CHECK_STR(r->sensor, "pcap:nDPI_sip.pcap");
    CHECK_INT(r->ts_ms, 1120469572844LL);
    CHECK_STR(r->transport, "udp");
    CHECK_STR(r->src_ip, "192.168.1.2");
    CHECK_INT(r->src_port, 5060);
    CHECK_STR(r->dst_ip, "212.242.33.35");
    CHECK_INT(r->dst_port, 5060);
    CHECK_STR(r->method, "REGISTER");
    CHECK_STR(r->ruri_user, "-");
    CHECK_STR(r->from_user, "voi18063");
    CHECK_STR(r->to_user, "voi18063");
    CHECK_STR(r->contact_user, "voi18063");
    CHECK_STR(r->call_id, "578222729-4665d775@578222732-4665d772");
    CHECK_INT(r->cseq, 68);
    CHECK_STR(r->user_agent, "Nero SIPPS IP Phone Version 2.0.51.16");
    CHECK_INT(r->len, 467);
    CHECK_INT(r->answered, STORE_NULL);    /* only the sensor knows */
    CHECK_INT(r->response, STORE_NULL);
    CHECK(r->has_raw);
    CHECK(strncmp(r->raw_head, "REGISTER sip:sip.cybercity.dk SIP/2.0\r\n", 39) == 0);
    /* frame 3: the REGISTER with credentials */
    r = at_packet(3);
    CHECK_STR(r->auth_user, "voi18063");
    CHECK_STR(r->auth_realm, "sip.cybercity.dk");
    CHECK_INT(r->cseq, 69);
    /* frame 5: 403 */
    r = at_packet(5);
    CHECK_STR(r->eventid, "sip.response");
    CHECK_INT(r->status, 403);
    CHECK_STR(r->src_ip, "212.242.33.35");
    CHECK_INT(r->len, 346);
    /* the identity: seq = packet * 65536, one run for the file */
    for (size_t i = 0; i < K.n; i++) {
        CHECK(K.ev[i].seq % CAPTURE_SEQ_PER_PACKET == 0);
        CHECK_STR(K.ev[i].run, K.ev[0].run);
    }
    CHECK_INT(strlen(K.ev[0].run), 16);
}

/* pcapng; Huawei "hello" keep-alives (22) skipped; tshark: REGISTER frames
 * 9, 11, 25, 27 (11 and 27 with username 26841945, realm Huawei), 401 at
 * 10 and 26, 200 at 12 and 28 with Server "Huawei SoftX3000 V300R011". */
static void test_pcapng_hello(void)
{
    CHECK_INT(decode(DATA "nDPI_sip_hello.pcapng"), 0);
    CHECK_INT(S.packets, 30);
    CHECK_INT(S.requests, 4);
    CHECK_INT(S.responses, 4);
    CHECK_INT(S.skipped, 22);
    CHECK_INT(S.errors, 0);
    CHECK_STR(at_packet(9)->method, "REGISTER");
    CHECK_INT(at_packet(9)->cseq, 28715);
    CHECK_STR(at_packet(9)->call_id, "c15740-ae78e54-13c4-38-3e10ffda-38");
    CHECK_STR(at_packet(9)->auth_user, "-");
    CHECK(!at_packet(9)->has_ua);
    CHECK_STR(at_packet(11)->auth_user, "26841945");
    CHECK_STR(at_packet(11)->auth_realm, "Huawei");
    CHECK_STR(at_packet(27)->auth_user, "26841945");
    CHECK_INT(at_packet(10)->status, 401);
    CHECK_INT(at_packet(28)->status, 200);
    CHECK_STR(at_packet(28)->server, "Huawei SoftX3000 V300R011");
    CHECK_STR(at_packet(28)->src_ip, "10.239.156.235");
    CHECK_INT(at_packet(28)->cseq, 28718);
}

/* SIP over TCP (port 5090, found by its start line) inside IP-in-IP for
 * the responses; tshark: INVITE 10.15.197.103:5090, 183 and 200 from
 * 10.15.193.31:33093 (outer 10.15.196.229), BYE. */
static void test_ipip_tcp(void)
{
    CHECK_INT(decode(DATA "sngrep_ipip.pcap"), 0);
    CHECK_INT(S.packets, 4);
    CHECK_INT(S.requests, 2);
    CHECK_INT(S.responses, 2);
    CHECK_INT(S.errors, 0);
    const rec *r = at_packet(1);
    CHECK_STR(r->method, "INVITE");
    CHECK_STR(r->transport, "tcp");
    CHECK_STR(r->src_ip, "10.15.197.103");
    CHECK_INT(r->src_port, 5090);
    CHECK_STR(r->dst_ip, "10.15.193.31");
    CHECK_INT(r->dst_port, 33093);
    CHECK_STR(r->ruri_user, "1bdaa608131517540001");
    CHECK_STR(r->from_user, "1bdaa608131517540000");
    CHECK_STR(r->call_id, "1RLuVzzBClYCf2");
    CHECK_INT(r->cseq, 6);
    r = at_packet(2);
    CHECK_INT(r->status, 183);
    CHECK_STR(r->src_ip, "10.15.193.31");    /* the inner header's */
    CHECK_STR(r->transport, "tcp");
    CHECK_INT(at_packet(3)->status, 200);
    CHECK_STR(at_packet(4)->method, "BYE");
    CHECK_INT(at_packet(4)->cseq, 16);
}

/* UDP over IPv6 with fragment headers: the two INVITEs (frames 2 and 5,
 * 1691 and 1871 bytes) come in two fragments each. tshark: 14 requests
 * (2 INVITE, 4 PRACK, 4 UPDATE, 2 ACK, 2 BYE), 18 responses. */
static void test_ipv6_fragments(void)
{
    CHECK_INT(decode(DATA "sngrep_ipv6frag.pcap"), 0);
    CHECK_INT(S.packets, 34);
    CHECK_INT(S.requests, 14);
    CHECK_INT(S.responses, 18);
    CHECK_INT(S.fragments, 4);
    CHECK_INT(S.reassembled, 2);
    CHECK_INT(S.errors, 0);
    CHECK_INT(count_kind("INVITE"), 2);
    CHECK_INT(count_kind("PRACK"), 4);
    CHECK_INT(count_kind("UPDATE"), 4);
    CHECK_INT(count_kind("ACK"), 2);
    CHECK_INT(count_kind("BYE"), 2);
    CHECK_INT(count_kind("200"), 13);
    CHECK_INT(count_kind("183"), 4);
    const rec *r = at_packet(2);
    CHECK_STR(r->method, "INVITE");
    CHECK_STR(r->src_ip, "fd17:625c:f037:2:a00:27ff:feb9:1521");
    CHECK_INT(r->src_port, 15060);
    CHECK_STR(r->dst_ip, "fd17:625c:f037:2:a00:27ff:feb9:3519");
    CHECK_INT(r->dst_port, 5062);
    CHECK_STR(r->ruri_user, "08019200028");
    CHECK_STR(r->from_user, "sipp");
    CHECK_STR(r->to_user, "mcr");
    CHECK_STR(r->contact_user, "sipp");
    CHECK_STR(r->call_id, "71846-1647924829-397430@fd17:625c:f037:2:a00:27ff:feb9:1521");
    CHECK_INT(r->len, 1691);
    CHECK_INT(at_packet(5)->len, 1871);
    CHECK_STR(at_packet(5)->dst_ip, "fd17:625c:f037:2:a00:27ff:feb9:4222");
}

/* TCP with its handshake: Zoiper REGISTER to kamailio on 127.0.0.1:5060. */
static void test_tcp_handshake(void)
{
    CHECK_INT(decode(DATA "suricata-verify_sip-tcp-method_sip-tcp.pcap"), 0);
    CHECK_INT(S.packets, 11);
    CHECK_INT(S.requests, 1);
    CHECK_INT(S.responses, 1);
    CHECK_INT(S.errors, 0);
    const rec *r = at_packet(6);
    CHECK_STR(r->method, "REGISTER");
    CHECK_STR(r->transport, "tcp");
    CHECK_INT(r->src_port, 58882);
    CHECK_STR(r->from_user, "987654");
    CHECK_STR(r->call_id, "8OmtYUU8EdlafUh4g4jiAw..");
    CHECK_STR(r->user_agent, "Zoiper rv2.10.3.2");
    r = at_packet(8);
    CHECK_INT(r->status, 200);
    CHECK_STR(r->server, "kamailio (5.2.1 (x86_64/linux))");
}

/* An INVITE over TCP with Content-Length 65536, more than the sensor
 * frames: sip.malformed as the sensor logs it (tshark reassembles it). */
static void test_tcp_too_large(void)
{
    CHECK_INT(decode(DATA "suricata-verify_sip-body-large_sip-body-large.pcap"), 0);
    CHECK_INT(S.packets, 16);
    CHECK_INT(S.malformed, 1);
    CHECK_INT(S.responses, 1);
    CHECK_INT(S.requests, 0);
    CHECK_INT(count_kind("sip.malformed"), 1);
    for (size_t i = 0; i < K.n; i++)
        if (strcmp(K.ev[i].eventid, "sip.malformed") == 0) {
            CHECK_STR(K.ev[i].reason, "Content-Length too large");
            CHECK_STR(K.ev[i].transport, "tcp");
            CHECK(strncmp(K.ev[i].raw_head, "INVITE sip:bob@target.com SIP/2.0", 33) == 0);
        }
}

/* Compact header forms (v: f: t: i: m: l:) and ports 5061 / 5060. */
static void test_compact_and_5061(void)
{
    CHECK_INT(decode(DATA "suricata-verify_sip-compact-form_sip_compact_form.pcap"), 0);
    CHECK_INT(K.n, 1);
    const rec *r = at_packet(1);
    CHECK_STR(r->method, "INVITE");
    CHECK_STR(r->src_ip, "1.1.1.1");
    CHECK_INT(r->src_port, 5555);
    CHECK_STR(r->ruri_user, "97239287044");
    /* f: \"arik\" <sip:816666@...>: backslashes outside quotes, which
     * tshark forgives and the sensor's parser does not */
    CHECK_STR(r->from_user, "-");
    CHECK(strstr(r->warnings, "bad_from") != NULL);
    CHECK_STR(r->to_user, "97239287044");
    CHECK_STR(r->contact_user, "816666");
    CHECK_STR(r->call_id, "105090259-446faf7a@192.168.1.2");
    CHECK_STR(r->user_agent, "Nero SIPPS IP Phone Version 2.0.51.16");

    CHECK_INT(decode(DATA "suricata-verify_sip-body-frames_public-cloudshark-sip-s0.pcap"), 0);
    CHECK_INT(S.requests, 4);
    CHECK_INT(S.responses, 6);
    CHECK_STR(at_packet(6)->method, "REGISTER");
    CHECK_INT(at_packet(6)->src_port, 5061);
    CHECK_INT(at_packet(6)->cseq, 39241);
    CHECK_STR(at_packet(6)->user_agent, "X-Lite release 1103m");
    CHECK_STR(at_packet(8)->ruri_user, "francisco");
    CHECK_STR(at_packet(8)->from_user, "5514540002");
    CHECK_INT(at_packet(10)->status, 180);
    CHECK_STR(at_packet(10)->server, "X-Lite release 1103m");
    CHECK_STR(at_packet(10)->user_agent, "-");
}

/* ---- captures written here ---------------------------------------------------- */

typedef struct {
    uint8_t *p;
    size_t n, cap;
    uint32_t t;
} pcapw;

static void w_bytes(pcapw *w, const void *d, size_t n)
{
    if (w->n + n > w->cap) {
        w->cap = (w->n + n) * 2 + 4096;
        w->p = realloc(w->p, w->cap);
        if (!w->p)
            exit(2);
    }
    memcpy(w->p + w->n, d, n);
    w->n += n;
}

static void w_u32(pcapw *w, uint32_t v) { w_bytes(w, &v, 4); }   /* host order, as the magic */
static void w_u16(pcapw *w, uint16_t v) { w_bytes(w, &v, 2); }

static void w_begin(pcapw *w, uint32_t linktype)
{
    memset(w, 0, sizeof *w);
    w_u32(w, 0xa1b2c3d4);
    w_u16(w, 2), w_u16(w, 4);
    w_u32(w, 0), w_u32(w, 0);
    w_u32(w, 262144);
    w_u32(w, linktype);
    w->t = 1700000000;
}

static void w_packet(pcapw *w, const uint8_t *d, size_t n)
{
    w_u32(w, w->t++), w_u32(w, 0);
    w_u32(w, (uint32_t)n), w_u32(w, (uint32_t)n);
    w_bytes(w, d, n);
}

static size_t put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8), p[1] = (uint8_t)v; return 2; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)), put16(p + 2, (uint16_t)v); }

/* An IPv4 header (20 bytes) at p. */
static void ip4(uint8_t *p, uint8_t proto, size_t total, uint16_t id, uint16_t frag, uint8_t src_last,
                uint8_t dst_last)
{
    memset(p, 0, 20);
    p[0] = 0x45;
    put16(p + 2, (uint16_t)total);
    put16(p + 4, id);
    put16(p + 6, frag);
    p[8] = 64;
    p[9] = proto;
    p[12] = 127, p[15] = src_last;
    p[16] = 127, p[19] = dst_last;
}

/* A complete IPv4/UDP packet from 127.0.0.2:sport to 127.0.0.3:dport. */
static size_t udp4(uint8_t *out, uint16_t sport, uint16_t dport, const char *payload)
{
    size_t n = strlen(payload);
    ip4(out, 17, 28 + n, 1, 0, 2, 3);
    put16(out + 20, sport), put16(out + 22, dport), put16(out + 24, (uint16_t)(8 + n));
    put16(out + 26, 0);
    memcpy(out + 28, payload, n);
    return 28 + n;
}

/* An IPv4/TCP segment 127.0.0.2:40000 -> 127.0.0.3:5060. */
static size_t tcp4(uint8_t *out, uint32_t seq, uint8_t flags, const char *payload, size_t n)
{
    ip4(out, 6, 40 + n, 1, 0, 2, 3);
    uint8_t *t = out + 20;
    memset(t, 0, 20);
    put16(t, 40000), put16(t + 2, 5060);
    put32(t + 4, seq);
    t[12] = 5 << 4;
    t[13] = flags;
    memcpy(out + 40, payload, n);
    return 40 + n;
}

static const char *mem_buf;
static size_t mem_len;

static FILE *reopen_mem(void *arg)
{
    (void)arg;
    return fmemopen((void *)mem_buf, mem_len, "rb");
}

static int decode_mem(const pcapw *w)
{
    memset(&K, 0, sizeof K);
    mem_buf = (const char *)w->p;
    mem_len = w->n;
    capture_opts o = {.keep_raw = true, .on_event = on_event, .on_error = on_error, .arg = &K};
    char err[200] = "";
    FILE *f = fmemopen(w->p, w->n, "rb");
    int rc = capture_decode(f, reopen_mem, NULL, "mem.pcap", &o, &S, err, sizeof err);
    if (rc != 0)
        snprintf(K.errors[K.nerr < 32 ? K.nerr++ : 31], sizeof K.errors[0], "file: %s", err);
    return rc;
}

static const char OPT[] =
    "OPTIONS sip:100@127.0.0.3 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5062;branch=z9hG4bK-1\r\n"
    "From: <sip:scan@127.0.0.2>;tag=1\r\nTo: <sip:100@127.0.0.3>\r\nCall-ID: frag-1\r\n"
    "CSeq: 1 OPTIONS\r\nUser-Agent: friendly-scanner\r\nContent-Length: 0\r\n\r\n";

/* Link layers: Ethernet with two VLAN tags, Linux cooked v2, BSD loopback,
 * raw IP; a datagram off the SIP ports found by its start line, one that
 * is not SIP, a keep-alive, a SIP port's garbage, and bad headers. */
static void test_links_and_udp(void)
{
    uint8_t pkt[2048], ip[1800];
    pcapw w;
    size_t n = udp4(ip, 5062, 5060, OPT);

    w_begin(&w, 1);                       /* Ethernet */
    memset(pkt, 0, 12);
    size_t o = 12;
    o += put16(pkt + o, 0x88a8), o += put16(pkt + o, 7);
    o += put16(pkt + o, 0x8100), o += put16(pkt + o, 8);
    o += put16(pkt + o, 0x0800);
    memcpy(pkt + o, ip, n);
    w_packet(&w, pkt, o + n);
    o = 12 + put16(pkt + 12, 0x0806);       /* ARP: skipped */
    w_packet(&w, pkt, o + 28);
    w_packet(&w, pkt, 10);                  /* Ethernet cut short: an error */
    CHECK_INT(decode_mem(&w), 0);
    CHECK_INT(S.packets, 3);
    CHECK_INT(S.requests, 1);
    CHECK_INT(S.skipped, 1);
    CHECK_INT(S.errors, 1);
    CHECK_INT(K.error_packets[0], 3);
    CHECK(strstr(K.errors[0], "Ethernet header cut short") != NULL);
    CHECK_STR(K.ev[0].method, "OPTIONS");
    CHECK_STR(K.ev[0].call_id, "frag-1");
    CHECK_STR(K.ev[0].src_ip, "127.0.0.2");
    CHECK_STR(K.ev[0].sensor, "pcap:mem.pcap");
    CHECK_INT(K.ev[0].ts_ms, 1700000000000LL);
    free(w.p);

    w_begin(&w, 276);                     /* Linux cooked v2 */
    memset(pkt, 0, 20);
    put16(pkt, 0x0800);
    memcpy(pkt + 20, ip, n);
    w_packet(&w, pkt, 20 + n);
    CHECK_INT(decode_mem(&w), 0);
    CHECK_INT(S.requests, 1);
    free(w.p);

    w_begin(&w, 0);                       /* BSD loopback, AF_INET in host order */
    uint32_t af = 2;
    memcpy(pkt, &af, 4);
    memcpy(pkt + 4, ip, n);
    w_packet(&w, pkt, 4 + n);
    /* UDP 7000 -> 7001: SIP by its start line */
    n = udp4(pkt + 4, 7000, 7001, OPT);
    w_packet(&w, pkt, 4 + n);
    n = udp4(pkt + 4, 7000, 7001, "not sip at all, some other protocol");
    w_packet(&w, pkt, 4 + n);
    n = udp4(pkt + 4, 7000, 5060, "\r\n\r\n");           /* keep-alive */
    w_packet(&w, pkt, 4 + n);
    n = udp4(pkt + 4, 7000, 5060, "hello");              /* keep-alive */
    w_packet(&w, pkt, 4 + n);
    n = udp4(pkt + 4, 7000, 5060, "\x16\x03\x01\x02\xa5\x01\x02 and more bytes of it");
    w_packet(&w, pkt, 4 + n);                            /* garbage to 5060: malformed */
    n = udp4(pkt + 4, 7000, 7001, "INVITE sip:x SIP/2.0\r\nVia\r\n\r\n");
    w_packet(&w, pkt, 4 + n);                            /* SIP-looking, broken: malformed */
    n = udp4(pkt + 4, 7000, 5060, OPT);
    put16(pkt + 4 + 24, 4000);                           /* UDP length beyond the packet */
    w_packet(&w, pkt, 4 + n);
    CHECK_INT(decode_mem(&w), 0);
    CHECK_INT(S.packets, 8);
    CHECK_INT(S.requests, 2);
    CHECK_INT(S.malformed, 2);
    CHECK_INT(S.skipped, 3);
    CHECK_INT(S.errors, 1);
    CHECK_INT(K.error_packets[0], 8);
    CHECK(strstr(K.errors[0], "UDP datagram cut short") != NULL);
    CHECK_INT(at_packet(2)->src_port, 7000);
    CHECK_STR(at_packet(6)->eventid, "sip.malformed");
    CHECK_STR(at_packet(6)->reason, "bad method in request line");
    CHECK_STR(at_packet(7)->eventid, "sip.malformed");
    free(w.p);

    w_begin(&w, 147);                     /* a link type not supported */
    w_packet(&w, ip, n);
    CHECK_INT(decode_mem(&w), -1);
    CHECK(strstr(K.errors[K.nerr - 1], "link type") != NULL);
    free(w.p);
}

/* IPv4 fragments: in order, out of order, a duplicate, an overlap, and
 * one never completed. */
static void test_ipv4_fragments(void)
{
    uint8_t pkt[4096];
    char big[2000];
    /* an OPTIONS padded with a long User-Agent to 1 300 bytes */
    size_t base = strlen(OPT);
    memcpy(big, OPT, base);
    snprintf(big, sizeof big, "%.*sX-Pad: %0*d\r\n\r\n", (int)(base - 2), OPT, 1200, 0);
    size_t blen = strlen(big);
    uint8_t udp[2100];
    put16(udp, 5062), put16(udp + 2, 5060), put16(udp + 4, (uint16_t)(8 + blen)), put16(udp + 6, 0);
    memcpy(udp + 8, big, blen);
    size_t ulen = 8 + blen, cut = 800;      /* fragments: [0,800) and [800,ulen) */

    pcapw w;
    w_begin(&w, 228);                     /* DLT_IPV4 */
    for (int order = 0; order < 2; order++) {
        uint16_t id = (uint16_t)(100 + order);
        size_t a0 = 0, a1 = cut, b0 = cut, b1 = ulen;
        for (int k = 0; k < 2; k++) {
            bool first = (k == 0) != (order == 1);
            size_t s0 = first ? a0 : b0, s1 = first ? a1 : b1;
            ip4(pkt, 17, 20 + (s1 - s0), id, (uint16_t)((s0 / 8) | (first ? 0x2000 : 0)), 2, 3);
            memcpy(pkt + 20, udp + s0, s1 - s0);
            w_packet(&w, pkt, 20 + (s1 - s0));
            if (order == 1 && k == 0)
                w_packet(&w, pkt, 20 + (s1 - s0));     /* the same fragment again */
        }
    }
    /* overlapping: [0,800) then [400,ulen) */
    ip4(pkt, 17, 20 + cut, 200, 0x2000, 2, 3);
    memcpy(pkt + 20, udp, cut);
    w_packet(&w, pkt, 20 + cut);
    ip4(pkt, 17, 20 + (ulen - 400), 200, 400 / 8, 2, 3);
    memcpy(pkt + 20, udp + 400, ulen - 400);
    w_packet(&w, pkt, 20 + (ulen - 400));
    /* never completed */
    ip4(pkt, 17, 20 + cut, 300, 0x2000, 2, 3);
    memcpy(pkt + 20, udp, cut);
    w_packet(&w, pkt, 20 + cut);
    CHECK_INT(decode_mem(&w), 0);
    CHECK_INT(S.packets, 8);
    CHECK_INT(S.fragments, 8);
    CHECK_INT(S.reassembled, 2);
    CHECK_INT(S.requests, 2);
    CHECK_INT(K.n, 2);
    CHECK_INT(K.ev[0].len, (long long)blen);
    CHECK_INT(K.ev[0].seq, 2LL * CAPTURE_SEQ_PER_PACKET);   /* the packet that completed it */
    CHECK_INT(K.ev[1].seq, 5LL * CAPTURE_SEQ_PER_PACKET);
    CHECK_STR(K.ev[1].call_id, "frag-1");
    CHECK_INT(S.errors, 2);
    CHECK(strstr(K.errors[0], "overlapping fragments") != NULL);
    CHECK_INT(K.error_packets[0], 7);
    CHECK(strstr(K.errors[1], "fragments missing at the end") != NULL);
    free(w.p);
}

static const char REG1[] =
    "REGISTER sip:127.0.0.3 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.2:40000;branch=z9hG4bK-a\r\n"
    "From: <sip:100@127.0.0.3>;tag=a\r\nTo: <sip:100@127.0.0.3>\r\nCall-ID: tcp-1\r\n"
    "CSeq: 1 REGISTER\r\nContent-Length: 4\r\n\r\nbody";
static const char REG2[] =
    "REGISTER sip:127.0.0.3 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.2:40000;branch=z9hG4bK-b\r\n"
    "From: <sip:101@127.0.0.3>;tag=b\r\nTo: <sip:101@127.0.0.3>\r\nCall-ID: tcp-2\r\n"
    "CSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n";

/* TCP: a message over three segments delivered out of order, a
 * retransmission, two messages in one segment, a keep-alive, and then a
 * lost segment (the stream resumes at the next message start). */
static void test_tcp_reassembly(void)
{
    uint8_t pkt[4096];
    char stream[2048];
    size_t l1 = strlen(REG1), l2 = strlen(REG2);
    memcpy(stream, REG1, l1);
    memcpy(stream + l1, "\r\n\r\n", 4);                 /* keep-alive between messages */
    memcpy(stream + l1 + 4, REG2, l2);
    memcpy(stream + l1 + 4 + l2, REG2, l2);
    size_t total = l1 + 4 + 2 * l2;
    uint32_t isn = 0xfffffff0u;                         /* sequence numbers wrap */
    pcapw w;
    w_begin(&w, 101);                     /* LINKTYPE_RAW */
    w_packet(&w, pkt, tcp4(pkt, isn, 0x02, "", 0));                     /* 1 SYN */
    uint32_t s = isn + 1;
    size_t c1 = 50, c2 = 120;
    w_packet(&w, pkt, tcp4(pkt, s + (uint32_t)c2, 0x18, stream + c2, l1 - c2));   /* 2 third part */
    w_packet(&w, pkt, tcp4(pkt, s + (uint32_t)c1, 0x18, stream + c1, c2 - c1));   /* 3 second */
    w_packet(&w, pkt, tcp4(pkt, s, 0x18, stream, c1));                            /* 4 first: completes */
    w_packet(&w, pkt, tcp4(pkt, s, 0x18, stream, c1));                            /* 5 retransmitted */
    w_packet(&w, pkt, tcp4(pkt, s + (uint32_t)l1, 0x18, stream + l1, total - l1)); /* 6 two messages */
    w_packet(&w, pkt, tcp4(pkt, s + (uint32_t)total, 0x10, "", 0));               /* 7 bare ACK */
    /* 8: a segment after a gap of 10 bytes, starting a new message */
    uint32_t after = s + (uint32_t)total + 10;
    w_packet(&w, pkt, tcp4(pkt, after, 0x18, REG2, l2));
    /* a FIN closes with the gap still open */
    w_packet(&w, pkt, tcp4(pkt, after + (uint32_t)l2, 0x11, "", 0));              /* 9 */
    w_packet(&w, pkt, tcp4(pkt, s, 0x18, stream, c1));                            /* 10 after FIN */
    CHECK_INT(decode_mem(&w), 0);
    CHECK_INT(S.packets, 10);
    CHECK_INT(S.requests, 3);
    CHECK_INT(S.malformed, 0);
    CHECK_INT(K.n, 3);
    CHECK_STR(K.ev[0].call_id, "tcp-1");
    CHECK_INT(K.ev[0].len, (long long)l1);
    CHECK_INT(K.ev[0].seq, 4LL * CAPTURE_SEQ_PER_PACKET);
    CHECK_STR(K.ev[0].transport, "tcp");
    CHECK_INT(K.ev[0].src_port, 40000);
    CHECK_INT(K.ev[0].dst_port, 5060);
    CHECK_STR(K.ev[1].call_id, "tcp-2");
    CHECK_INT(K.ev[1].seq, 6LL * CAPTURE_SEQ_PER_PACKET);
    CHECK_INT(K.ev[2].seq, 6LL * CAPTURE_SEQ_PER_PACKET + 1);
    CHECK_INT(S.errors, 1);
    CHECK(strstr(K.errors[0], "10 bytes were not captured") != NULL);
    CHECK_INT(K.error_packets[0], 9);
    CHECK_INT(S.skipped, 4);      /* SYN, retransmission, bare ACK, after the FIN */
    free(w.p);

    /* Without the SYN the stream starts at the first message start;
     * broken framing is logged whole and the rest of the direction skipped. */
    w_begin(&w, 101);
    w_packet(&w, pkt, tcp4(pkt, 1000, 0x18, "body\r\n", 6));              /* mid-stream: skipped */
    w_packet(&w, pkt, tcp4(pkt, 1006, 0x18, REG2, l2));
    const char *bad = "REGISTER sip:x SIP/2.0\r\nContent-Length: abc\r\n\r\n";
    w_packet(&w, pkt, tcp4(pkt, 1006 + (uint32_t)l2, 0x18, bad, strlen(bad)));
    w_packet(&w, pkt, tcp4(pkt, 1006 + (uint32_t)(l2 + strlen(bad)), 0x18, REG2, l2));
    CHECK_INT(decode_mem(&w), 0);
    CHECK_INT(S.requests, 1);
    CHECK_INT(S.malformed, 1);
    CHECK_INT(S.skipped, 2);
    CHECK_STR(at_packet(3)->eventid, "sip.malformed");
    free(w.p);
}

/* Hostile headers: each a counted error, none stops the capture. */
static void test_bad_packets(void)
{
    uint8_t pkt[2048];
    pcapw w;
    w_begin(&w, 101);
    size_t n = udp4(pkt, 5062, 5060, OPT);
    pkt[0] = 0x4f;                                   /* IHL 60 > total */
    put16(pkt + 2, 40);
    w_packet(&w, pkt, 40);
    n = udp4(pkt, 5062, 5060, OPT);
    put16(pkt + 2, (uint16_t)(n + 100));             /* total beyond the capture */
    w_packet(&w, pkt, n);
    pkt[0] = 0x60;                                   /* IPv6 of 10 bytes */
    w_packet(&w, pkt, 10);
    pkt[0] = 0x50;                                   /* IP version 5 */
    w_packet(&w, pkt, 30);
    /* IP-in-IP five deep */
    size_t depth = 6;
    for (size_t i = 0; i < depth; i++)
        ip4(pkt + 20 * i, i + 1 < depth ? 4 : 17, 20 * (depth - i) + 8, 1, 0, 2, 3);
    memset(pkt + 20 * depth, 0, 8);
    w_packet(&w, pkt, 20 * depth + 8);
    n = tcp4(pkt, 1, 0x18, "x", 1);
    pkt[32] = 0xf0;                                  /* TCP header 60 > segment */
    w_packet(&w, pkt, n);
    n = udp4(pkt, 5062, 5060, OPT);                  /* and a good one after them */
    w_packet(&w, pkt, n);
    CHECK_INT(decode_mem(&w), 0);
    CHECK_INT(S.packets, 7);
    CHECK_INT(S.errors, 6);
    CHECK_INT(S.requests, 1);
    CHECK(strstr(K.errors[0], "IPv4 header length") != NULL);
    CHECK(strstr(K.errors[1], "IPv4 packet cut short") != NULL);
    CHECK(strstr(K.errors[2], "IPv6 header cut short") != NULL);
    CHECK(strstr(K.errors[3], "IP version 5") != NULL);
    CHECK(strstr(K.errors[4], "IP-in-IP layers") != NULL);
    CHECK(strstr(K.errors[5], "TCP header length") != NULL);
    free(w.p);
}

/* ---- identity, the store, a cut file ------------------------------------------ */

static void test_identity(void)
{
    CHECK_INT(decode(DATA "nDPI_sip.pcap"), 0);
    char run[24];
    strcpy(run, K.ev[0].run);
    int64_t seq40 = K.ev[40].seq;
    CHECK_INT(decode(DATA "nDPI_sip.pcap"), 0);
    CHECK_STR(K.ev[0].run, run);
    CHECK_INT(K.ev[40].seq, seq40);
    CHECK_INT(decode(DATA "sngrep_ipip.pcap"), 0);
    CHECK(strcmp(K.ev[0].run, run) != 0);
}

static void test_store_twice_and_cut(void)
{
    char dir[] = "/tmp/test_pcap.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char db[256], cutf[256], err[256];
    snprintf(db, sizeof db, "%s/t.db", dir);
    snprintf(cutf, sizeof cutf, "%s/cut.pcap", dir);
    store *st = store_open(db, err, sizeof err);
    CHECK(st != NULL);
    if (!st)
        return;
    capture_ingest_opts o = {.sensor = "hp-test", .keep_raw = true};
    capture_stats s;
    bool failed;
    CHECK_INT(capture_ingest(st, DATA "nDPI_sip.pcap", &o, &s, &failed, err, sizeof err), 0);
    CHECK(!failed);
    CHECK_INT(s.added, 81);
    CHECK_INT(s.duplicates, 0);
    CHECK_INT(capture_ingest(st, DATA "nDPI_sip.pcap", &o, &s, &failed, err, sizeof err), 0);
    CHECK_INT(s.added, 0);
    CHECK_INT(s.duplicates, 81);

    /* the first 20 000 bytes: a record cut in the middle */
    size_t len;
    char *all = check_read_file(DATA "nDPI_sip.pcap", &len);
    FILE *f = fopen(cutf, "wb");
    CHECK(f && fwrite(all, 1, 20000, f) == 20000);
    if (f)
        fclose(f);
    free(all);
    CHECK_INT(capture_ingest(st, cutf, &o, &s, &failed, err, sizeof err), 0);
    CHECK(failed);
    CHECK(s.packets > 0 && s.packets < 112);
    CHECK(s.requests + s.responses > 0);
    CHECK_INT(s.added, 0);            /* the same packets: already stored */
    CHECK_INT(s.duplicates, (long long)(s.requests + s.responses));
    memset(&K, 0, sizeof K);
    capture_opts co = {.on_error = on_error, .arg = &K};
    CHECK_INT(capture_decode_file(cutf, &co, &S, err, sizeof err), -1);
    CHECK(strstr(err, "truncated") != NULL);

    store_close(st);
    unlink(db);
    char wal[300];
    snprintf(wal, sizeof wal, "%s-wal", db);
    unlink(wal);
    snprintf(wal, sizeof wal, "%s-shm", db);
    unlink(wal);
    unlink(cutf);
    rmdir(dir);
}

CHECK_MAIN("test_pcap",
    {"magic bytes", test_magic},
    {"nDPI sip.pcap (aaa.pcap)", test_ndpi_sip},
    {"pcapng with keep-alives", test_pcapng_hello},
    {"TCP inside IP-in-IP", test_ipip_tcp},
    {"IPv6 fragments", test_ipv6_fragments},
    {"TCP with handshake", test_tcp_handshake},
    {"TCP message too large", test_tcp_too_large},
    {"compact form, port 5061", test_compact_and_5061},
    {"link layers and UDP", test_links_and_udp},
    {"IPv4 fragments", test_ipv4_fragments},
    {"TCP reassembly", test_tcp_reassembly},
    {"bad packets", test_bad_packets},
    {"identity", test_identity},
    {"store twice, cut file", test_store_twice_and_cut},
)
