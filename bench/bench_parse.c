/*
 * bench_parse.c - sipsnare's parser against libosip2, same run, same
 * messages: (a) a softphone REGISTER with Digest credentials, (b) an INVITE
 * with SDP, (c) the svwar REGISTER and svcrack authenticated REGISTER
 * samples (tests/data/attack-tools). Both sides extract the same fields
 * (method, Request-URI, From/To user and tag, Call-ID, CSeq, top Via
 * branch, User-Agent, Contact, digest username and response). The fields
 * are checked against the expected values once per message, before any
 * timing (a wrong one stops the program); the timed loops of both libraries
 * then do the same thing: parse, extract the same 13 fields, and fold the
 * first byte of each (plus the length of sipsnare's views, which they carry
 * anyway) into a volatile sink, so the compiler cannot drop the work and
 * neither side pays for comparisons. sipsnare is used the lazy way
 * (sip_frame_datagram, then the accessors of exactly those fields: see
 * src/sip/sip.h), libosip2 the only way it has (osip_message_parse parses
 * every header, then its getters). Two more columns: the complete parse
 * the sensor uses, and a ceiling: the same fields cut out of the same
 * bytes with no check at all (ceiling_extract), a bound for a parser
 * built from the same searches, as the minimal responder is for the
 * sensor benchmark.
 *
 * Each measurement runs about one second (CLOCK_MONOTONIC); three rounds,
 * the best one counts. Run from the repository root (make bench does).
 * `bench_parse once [I]` extracts each message's fields (or message I's,
 * from 0) 1000 times and prints nothing: for instruction counts, which the
 * machine's noise does not move,
 *   valgrind --tool=callgrind --toggle-collect='sipsnare_once*' bench_parse once [I]
 * (and --toggle-collect='ceiling_once*' for the ceiling's).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osipparser2/osip_parser.h>

#include "sip/sip.h"
#include "sip/sip_internal.h" /* sip_find_lf, sip_find_colon: the ceiling's line split */

enum { ROUNDS = 3 };
#define TARGET_SECONDS 1.0
#define TARGET_RATIO 15.0

/* What both parsers must find in a message. */
struct expect {
    const char *method, *ruri_host, *from_user, *from_tag, *to_user, *call_id;
    unsigned cseq;
    const char *branch, *ua, *contact_user, *digest_user, *digest_response;
};

/* The same, as views, measured once (checking must not cost a strlen). */
struct expect_v {
    sip_str method, ruri_host, from_user, from_tag, to_user, call_id;
    sip_str branch, ua, contact_user, digest_user, digest_response;
};

struct bench_msg {
    const char *label;
    const char *file;       /* under tests/data, or NULL: text below */
    const char *text;
    struct expect want;
    char *buf;
    size_t len;
    struct expect_v v;
};

static struct bench_msg msgs[] = {
    {"REGISTER + Digest (softphone)", NULL,
     "REGISTER sip:pbx.example.com SIP/2.0\r\n"
     "Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport\r\n"
     "Max-Forwards: 70\r\n"
     "From: \"Alice\" <sip:alice@pbx.example.com>;tag=1928301774\r\n"
     "To: \"Alice\" <sip:alice@pbx.example.com>\r\n"
     "Call-ID: a84b4c76e66710@192.0.2.10\r\n"
     "CSeq: 2 REGISTER\r\n"
     "Contact: <sip:alice@192.0.2.10:5060;transport=udp>;expires=3600\r\n"
     "User-Agent: Zoiper rv2.10.19.6\r\n"
     "Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE\r\n"
     "Authorization: Digest username=\"alice\", realm=\"asterisk\", nonce=\"5f3a9c21\", "
     "uri=\"sip:pbx.example.com\", response=\"6629fae49393a05397450978507c4ef1\", algorithm=MD5, "
     "cnonce=\"0a4f113b\", nc=00000001, qop=auth\r\n"
     "Expires: 3600\r\n"
     "Content-Length: 0\r\n\r\n",
     {"REGISTER", "pbx.example.com", "alice", "1928301774", "alice", "a84b4c76e66710@192.0.2.10", 2,
      "z9hG4bK776asdhds", "Zoiper rv2.10.19.6", "alice", "alice", "6629fae49393a05397450978507c4ef1"},
     .buf = NULL},
    {"INVITE + SDP", NULL,
     "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
     "Via: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
     "Max-Forwards: 70\r\n"
     "To: Bob <sip:bob@biloxi.example.com>\r\n"
     "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
     "Call-ID: a84b4c76e66710@pc33.atlanta.example.com\r\n"
     "CSeq: 314159 INVITE\r\n"
     "Contact: <sip:alice@pc33.atlanta.example.com>\r\n"
     "User-Agent: Linphone/5.2.0\r\n"
     "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO, UPDATE\r\n"
     "Supported: replaces, outbound, gruu\r\n"
     "Content-Type: application/sdp\r\n"
     "Content-Length: 227\r\n\r\n"
     "v=0\r\n"
     "o=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\n"
     "s=Talk\r\n"
     "c=IN IP4 192.0.2.101\r\n"
     "t=0 0\r\n"
     "m=audio 49172 RTP/AVP 0 8 101\r\n"
     "a=rtpmap:0 PCMU/8000\r\n"
     "a=rtpmap:8 PCMA/8000\r\n"
     "a=rtpmap:101 telephone-event/8000\r\n"
     "a=sendrecv\r\n",
     {"INVITE", "biloxi.example.com", "alice", "1928301774", "bob", "a84b4c76e66710@pc33.atlanta.example.com", 314159,
      "z9hG4bKnashds8", "Linphone/5.2.0", "alice", NULL, NULL},
     .buf = NULL},
    {"svwar REGISTER", "tests/data/attack-tools/svwar_register.txt", NULL,
     {"REGISTER", "127.0.0.1", "100", "3130300133303038393431363438", "100", "1599387079", 1,
      "z9hG4bK-2379564027", "friendly-scanner", "100", NULL, NULL},
     .buf = NULL},
    {"svcrack REGISTER + Digest", "tests/data/attack-tools/svcrack_register_auth.txt", NULL,
     {"REGISTER", "127.0.0.1", "100", "3130303a31303001393738343632343139", "100", "1360000614", 2,
      "z9hG4bK-1530145401", "friendly-scanner", "123", "100", "cdda2a91e98ae932561da29dc0623721"},
     .buf = NULL},
};
enum { N_MSGS = sizeof msgs / sizeof msgs[0] };

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die(const char *who, const char *label, const char *what)
{
    fprintf(stderr, "bench_parse: %s got %s wrong on \"%s\"\n", who, what, label);
    exit(1);
}

/* ---- sipsnare ------------------------------------------------------- */

static bool view_is(sip_str s, sip_str want)
{
    if (want.p == NULL)
        return s.p == NULL;
    return s.p != NULL && s.len == want.len && memcmp(s.p, want.p, want.len) == 0;
}

static sip_str lit(const char *s)
{
    return s ? (sip_str){s, strlen(s)} : SIP_STR_NULL;
}

/* The timed loops fold what they extract into this, so the compiler cannot
 * drop the work: the first byte of every field (and, for sipsnare, the
 * length its view carries anyway; osip's C strings would need a strlen). */
static volatile unsigned sink;

static unsigned fold(sip_str s)
{
    return (unsigned)s.len ^ (s.len ? (unsigned char)s.p[0] : 0u);
}

static sip_msg m;

/* The extraction: parse, then take the 13 fields. */
struct s_fields {
    sip_str method, ruri_host, from_user, from_tag, to_user, call_id, cseq_method;
    uint32_t cseq;
    sip_str branch, ua, contact_user, digest_user, digest_response;
};

/* Lazy parsing (sip.h): the framing, then the accessors of exactly the
 * values asked for, as a caller that needs these fields would do. */
static void sipsnare_extract(const struct bench_msg *b, struct s_fields *f)
{
    if (sip_frame_datagram(b->buf, b->len, &m) != 0)
        die("sipsnare", b->label, "the verdict");
    const sip_nameaddr *from = sip_msg_from(&m), *to = sip_msg_to(&m), *ct = sip_msg_contact(&m, 0);
    const sip_via *via = sip_msg_via(&m, 0);
    const sip_digest *au = sip_msg_authorization(&m);
    f->method = m.method_str;
    f->ruri_host = m.ruri.host;
    f->from_user = from->uri.user;
    f->from_tag = from->tag;
    f->to_user = to->uri.user;
    f->call_id = m.call_id;
    f->cseq = m.cseq;
    f->cseq_method = m.cseq_method;
    f->branch = via != NULL ? via->branch : SIP_STR_NULL;
    f->ua = m.user_agent;
    f->contact_user = ct != NULL ? ct->uri.user : SIP_STR_NULL;
    f->digest_user = au->username;
    f->digest_response = au->response;
}

/* Once, outside the timed loop: the fields who found in b must be the
 * expected ones (a wrong one stops the program). */
static void check_fields(const char *who, const struct bench_msg *b, const struct s_fields *f)
{
    const struct expect_v *w = &b->v;
    if (!view_is(f->method, w->method) || !view_is(f->ruri_host, w->ruri_host))
        die(who, b->label, "the start line");
    if (!view_is(f->from_user, w->from_user) || !view_is(f->from_tag, w->from_tag) ||
        !view_is(f->to_user, w->to_user) || !view_is(f->call_id, w->call_id) ||
        f->cseq != b->want.cseq || !view_is(f->cseq_method, w->method))
        die(who, b->label, "From/To/Call-ID/CSeq");
    if (!view_is(f->branch, w->branch) || !view_is(f->ua, w->ua) ||
        !view_is(f->contact_user, w->contact_user))
        die(who, b->label, "Via/User-Agent/Contact");
    if (!view_is(f->digest_user, w->digest_user) || !view_is(f->digest_response, w->digest_response))
        die(who, b->label, "the credentials");
}

/* What the timed loops add to the sink: every field, folded. */
__attribute__((always_inline)) static inline unsigned fold_fields(const struct s_fields *f)
{
    return fold(f->method) ^ fold(f->ruri_host) ^ fold(f->from_user) ^ fold(f->from_tag) ^
           fold(f->to_user) ^ fold(f->call_id) ^ f->cseq ^ fold(f->cseq_method) ^ fold(f->branch) ^
           fold(f->ua) ^ fold(f->contact_user) ^ fold(f->digest_user) ^ fold(f->digest_response);
}

static void sipsnare_check(const struct bench_msg *b)
{
    struct s_fields f;
    sipsnare_extract(b, &f);
    check_fields("sipsnare", b, &f);
}

/* Timed: the extraction, folded into the sink. Never inlined: callgrind
 * counts it by name (`once` above). */
__attribute__((noinline)) static void sipsnare_once(const struct bench_msg *b)
{
    struct s_fields f;
    sipsnare_extract(b, &f);
    sink += fold_fields(&f);
}

/* Timed, for comparison: the complete parse the sensor uses (every header
 * parsed, every warning set), then the same fields read as plain members. */
static void sipsnare_complete_once(const struct bench_msg *b)
{
    if (sip_parse_datagram(b->buf, b->len, &m) != 0)
        die("sipsnare", b->label, "the verdict");
    sink += fold(m.method_str) ^ fold(m.ruri.host) ^ fold(m.from.uri.user) ^ fold(m.from.tag) ^
            fold(m.to.uri.user) ^ fold(m.call_id) ^ m.cseq ^ fold(m.cseq_method) ^
            fold(m.n_via ? m.via[0].branch : SIP_STR_NULL) ^ fold(m.user_agent) ^
            fold(m.n_contact ? m.contact[0].uri.user : SIP_STR_NULL) ^
            fold(m.authorization.username) ^ fold(m.authorization.response);
}

/* ---- the ceiling ---------------------------------------------------- */

/* The least work that finds the same 13 fields in these messages: lines
 * split with the parser's own SSE2 search for '\n' and ':' (the fastest
 * building block there is here), a header picked by its length and first
 * letter, the fields cut out with short inline loops, nothing checked (no
 * escapes, folds, limits, warnings, second values or malformed input).
 * Not a parser: a bound, like the minimal responder of the sensor
 * benchmark, so that the distance to 15x can be read against the distance
 * from doing next to nothing. */
static const char *c_lo; /* the message: 16-byte reads stay inside it */

static const char *c_find(const char *p, const char *end, char c)
{
    return sip_find3(c_lo, p, end, c, c, c);
}

/* Where a user, tag or branch ends: ; , > SP @ : or end (letters, digits,
 * '-' and '.' skipped 16 at a time first, then one lookup a byte). */
static const bool c_stops[256] = {[';'] = true, [','] = true, ['>'] = true, [' '] = true, ['@'] = true, [':'] = true};

static const char *c_stop(const char *p, const char *end)
{
    p = sip_skip_alnum16(p, end);
    while (p < end && !c_stops[(unsigned char)*p])
        p++;
    return p;
}

/* The user of the first "sip:" URI in v: after the first ':' up to '@'. */
static sip_str c_user(sip_str v)
{
    if (v.p == NULL)
        return SIP_STR_NULL;
    const char *end = v.p + v.len, *s = c_find(v.p, end, ':');
    if (s == end || s - v.p < 3 || memcmp(s - 3, "sip", 3) != 0)
        return SIP_STR_NULL;
    const char *at = c_find(++s, end, '@');
    return at < end ? (sip_str){s, (size_t)(at - s)} : SIP_STR_NULL;
}

/* The value of the parameter name (n bytes, '=' or '="' included) that
 * follows a byte sep in v, up to c_stop or the closing quote. */
static sip_str c_param(sip_str v, char sep, const char *name, size_t n, bool quoted)
{
    if (v.p == NULL)
        return SIP_STR_NULL;
    const char *end = v.p + v.len, *s = v.p;
    for (;;) {
        s = c_find(s, end, sep);
        if (s == end)
            return SIP_STR_NULL;
        s++;
        while (s < end && *s == ' ')
            s++;
        if (end - s >= (ptrdiff_t)n && memcmp(s, name, n) == 0)
            break;
    }
    s += n;
    const char *e = quoted ? c_find(s, end, '"') : c_stop(s, end);
    return (sip_str){s, (size_t)(e - s)};
}

static void ceiling_extract(const struct bench_msg *b, struct s_fields *f)
{
    const char *p = b->buf, *end = b->buf + b->len;
    c_lo = b->buf;
    const char *nl = sip_find_lf(p, end), *sp = c_find(p, nl, ' ');
    sip_str from = SIP_STR_NULL, to = SIP_STR_NULL, via = SIP_STR_NULL, ct = SIP_STR_NULL,
            cseq = SIP_STR_NULL, au = SIP_STR_NULL;

    memset(f, 0, sizeof *f);
    f->method = (sip_str){p, (size_t)(sp - p)};
    const char *h = sp + 1 + 4; /* after "sip:" */
    const char *he = c_find(h, nl, ' '), *at = c_find(h, he, '@');
    h = at < he ? at + 1 : h;
    f->ruri_host = (sip_str){h, (size_t)(c_stop(h, he) - h)};

    for (p = nl + 1; p < end && *p != '\r' && *p != '\n'; p = nl + 1) {
        const char *colon = sip_find_colon(p, end), *v = colon + 1, *ve;
        nl = sip_find_lf(v, end);
        if (nl == NULL)
            break;
        ve = nl;
        while (v < ve && *v == ' ')
            v++;
        if (ve > v && ve[-1] == '\r')
            ve--;
        sip_str val = {v, (size_t)(ve - v)};
        switch ((colon - p) << 8 | (*p | 0x20)) {
        case 4 << 8 | 'f': from = from.p ? from : val; break;
        case 2 << 8 | 't': to = to.p ? to : val; break;
        case 3 << 8 | 'v': via = via.p ? via : val; break;
        case 4 << 8 | 'c': cseq = cseq.p ? cseq : val; break;
        case 10 << 8 | 'u': f->ua = f->ua.p ? f->ua : val; break;
        case 13 << 8 | 'a': au = au.p ? au : val; break;
        case 7 << 8 | 'c':
            if ((p[1] | 0x20) == 'a')
                f->call_id = f->call_id.p ? f->call_id : val;
            else
                ct = ct.p ? ct : val;
            break;
        }
    }
    f->from_user = c_user(from);
    f->from_tag = c_param(from, ';', "tag=", 4, false);
    f->to_user = c_user(to);
    f->contact_user = c_user(ct);
    f->branch = c_param(via, ';', "branch=", 7, false);
    if (cseq.p != NULL) {
        const char *q = cseq.p, *e = cseq.p + cseq.len;
        for (; q < e && *q >= '0' && *q <= '9'; q++)
            f->cseq = f->cseq * 10 + (uint32_t)(*q - '0');
        while (q < e && *q == ' ')
            q++;
        f->cseq_method = (sip_str){q, (size_t)(e - q)};
    }
    if (au.p != NULL) {
        /* "Digest username=..." : the first parameter follows a space. */
        f->digest_user = c_param(au, ' ', "username=\"", 10, true);
        f->digest_response = c_param(au, ',', "response=\"", 10, true);
    }
}

static void ceiling_check(const struct bench_msg *b)
{
    struct s_fields f;
    ceiling_extract(b, &f);
    check_fields("the ceiling", b, &f);
}

__attribute__((noinline)) static void ceiling_once(const struct bench_msg *b)
{
    struct s_fields f;
    ceiling_extract(b, &f);
    sink += fold_fields(&f);
}

/* ---- libosip2 ------------------------------------------------------- */

static bool str_is(const char *s, const char *lit)
{
    if (lit == NULL)
        return s == NULL;
    return s != NULL && strcmp(s, lit) == 0;
}

/* osip keeps the quotes of quoted parameters: compare without them. */
static bool quoted_is(const char *s, const char *lit)
{
    if (lit == NULL)
        return s == NULL;
    size_t n = strlen(lit);
    return s != NULL && s[0] == '"' && strncmp(s + 1, lit, n) == 0 && s[n + 1] == '"' && s[n + 2] == '\0';
}

/* The same 13 fields as C strings (NULL when osip has none). call_id is
 * allocated by osip (number@host joined): the caller frees it. */
struct o_fields {
    const char *method, *ruri_host, *from_user, *from_tag, *to_user, *cseq_method;
    char *call_id;
    unsigned long cseq;
    const char *branch, *ua, *contact_user, *digest_user, *digest_response;
};

/* osip_message_parse, then the fields; returns the message (the caller
 * frees it, after the fields are used). */
static osip_message_t *osip_extract(const struct bench_msg *b, struct o_fields *f)
{
    osip_message_t *sip;
    osip_generic_param_t *tag = NULL, *branch = NULL;
    osip_via_t *via = NULL;
    osip_contact_t *ct = NULL;
    osip_header_t *ua = NULL;
    osip_authorization_t *au = NULL;

    memset(f, 0, sizeof *f);
    if (osip_message_init(&sip) != 0)
        die("osip", b->label, "the allocation");
    if (osip_message_parse(sip, b->buf, b->len) != 0)
        die("osip", b->label, "the verdict");
    f->method = sip->sip_method;
    if (sip->req_uri != NULL)
        f->ruri_host = sip->req_uri->host;
    if (sip->from != NULL && sip->from->url != NULL)
        f->from_user = sip->from->url->username;
    if (sip->from != NULL && osip_from_get_tag(sip->from, &tag) == 0 && tag != NULL)
        f->from_tag = tag->gvalue;
    if (sip->to != NULL && sip->to->url != NULL)
        f->to_user = sip->to->url->username;
    if (sip->call_id != NULL && osip_call_id_to_str(sip->call_id, &f->call_id) != 0)
        f->call_id = NULL;
    if (sip->cseq != NULL && sip->cseq->number != NULL) {
        f->cseq = strtoul(sip->cseq->number, NULL, 10);
        f->cseq_method = sip->cseq->method;
    }
    if (osip_message_get_via(sip, 0, &via) >= 0 && via != NULL &&
        osip_via_param_get_byname(via, "branch", &branch) == 0 && branch != NULL)
        f->branch = branch->gvalue;
    if (osip_message_get_user_agent(sip, 0, &ua) >= 0 && ua != NULL)
        f->ua = ua->hvalue;
    if (osip_message_get_contact(sip, 0, &ct) >= 0 && ct != NULL && ct->url != NULL)
        f->contact_user = ct->url->username;
    if (osip_message_get_authorization(sip, 0, &au) >= 0 && au != NULL) {
        f->digest_user = au->username;
        f->digest_response = au->response;
    }
    return sip;
}

static void osip_check(const struct bench_msg *b)
{
    const struct expect *w = &b->want;
    struct o_fields f;
    osip_message_t *sip = osip_extract(b, &f);
    if (!str_is(f.method, w->method) || !str_is(f.ruri_host, w->ruri_host))
        die("osip", b->label, "the start line");
    if (!str_is(f.from_user, w->from_user) || !str_is(f.from_tag, w->from_tag))
        die("osip", b->label, "From");
    if (!str_is(f.to_user, w->to_user))
        die("osip", b->label, "To");
    if (!str_is(f.call_id, w->call_id))
        die("osip", b->label, "Call-ID");
    if (f.cseq != w->cseq || !str_is(f.cseq_method, w->method))
        die("osip", b->label, "CSeq");
    if (!str_is(f.branch, w->branch))
        die("osip", b->label, "Via");
    if (!str_is(f.ua, w->ua))
        die("osip", b->label, "User-Agent");
    if (!str_is(f.contact_user, w->contact_user))
        die("osip", b->label, "Contact");
    if (!quoted_is(f.digest_user, w->digest_user) || !quoted_is(f.digest_response, w->digest_response))
        die("osip", b->label, "the credentials");
    osip_free(f.call_id);
    osip_message_free(sip);
}

static unsigned cfold(const char *s)
{
    return s != NULL ? 1u ^ (unsigned char)s[0] : 0u;
}

static void osip_once(const struct bench_msg *b)
{
    struct o_fields f;
    osip_message_t *sip = osip_extract(b, &f);
    sink += cfold(f.method) ^ cfold(f.ruri_host) ^ cfold(f.from_user) ^ cfold(f.from_tag) ^
            cfold(f.to_user) ^ cfold(f.call_id) ^ (unsigned)f.cseq ^ cfold(f.cseq_method) ^
            cfold(f.branch) ^ cfold(f.ua) ^ cfold(f.contact_user) ^ cfold(f.digest_user) ^
            cfold(f.digest_response);
    osip_free(f.call_id);
    osip_message_free(sip);
}

/* ---- timing --------------------------------------------------------- */

typedef void (*parse_fn)(const struct bench_msg *);

/* Messages per second of fn on b: calibrated to ~TARGET_SECONDS. */
static double measure(parse_fn fn, const struct bench_msg *b)
{
    unsigned long n = 256;
    double t;
    for (;;) { /* calibrate: until a run takes 0.1 s */
        t = now();
        for (unsigned long i = 0; i < n; i++)
            fn(b);
        t = now() - t;
        if (t >= 0.1)
            break;
        n *= 4;
    }
    n = (unsigned long)((double)n * TARGET_SECONDS / t) + 1;
    t = now();
    for (unsigned long i = 0; i < n; i++)
        fn(b);
    t = now() - t;
    return (double)n / t;
}

static void osip_quiet(const char *fi, int li, osip_trace_level_t level, const char *chfr, va_list ap)
{
    (void)fi, (void)li, (void)level, (void)chfr, (void)ap;
}

int main(int argc, char **argv)
{
    bool once = argc > 1 && strcmp(argv[1], "once") == 0;
    parser_init();
    osip_trace_initialize_func(TRACE_LEVEL0, osip_quiet);

    for (int i = 0; i < N_MSGS; i++) {
        struct bench_msg *b = &msgs[i];
        if (b->file) {
            FILE *f = fopen(b->file, "rb");
            static char tmp[65536];
            if (!f) {
                fprintf(stderr, "bench_parse: cannot open %s (run from the repository root)\n", b->file);
                return 1;
            }
            b->len = fread(tmp, 1, sizeof tmp, f);
            fclose(f);
            b->buf = malloc(b->len);
            memcpy(b->buf, tmp, b->len);
        } else {
            b->len = strlen(b->text);
            b->buf = malloc(b->len);
            memcpy(b->buf, b->text, b->len);
        }
        const struct expect *w = &b->want;
        b->v = (struct expect_v){lit(w->method), lit(w->ruri_host), lit(w->from_user), lit(w->from_tag),
                                 lit(w->to_user), lit(w->call_id), lit(w->branch), lit(w->ua),
                                 lit(w->contact_user), lit(w->digest_user), lit(w->digest_response)};
        sipsnare_check(b); /* all must be right before anything is timed */
        osip_check(b);
        ceiling_check(b);
    }

    if (once) {
        int only = argc > 2 ? atoi(argv[2]) : -1;
        for (int i = 0; i < N_MSGS; i++)
            for (int k = 0; k < 1000 && (only < 0 || only == i); k++) {
                sipsnare_once(&msgs[i]);
                ceiling_once(&msgs[i]);
            }
        for (int i = 0; i < N_MSGS; i++)
            free(msgs[i].buf);
        return 0;
    }

    double best_s[N_MSGS] = {0}, best_o[N_MSGS] = {0}, best_c[N_MSGS] = {0}, best_x[N_MSGS] = {0};
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N_MSGS; i++) {
            double s = measure(sipsnare_once, &msgs[i]);
            double o = measure(osip_once, &msgs[i]);
            double c = measure(sipsnare_complete_once, &msgs[i]);
            double x = measure(ceiling_once, &msgs[i]);
            if (s > best_s[i]) best_s[i] = s;
            if (o > best_o[i]) best_o[i] = o;
            if (c > best_c[i]) best_c[i] = c;
            if (x > best_x[i]) best_x[i] = x;
        }
    }

    double min_ratio = 1e300, min_ceiling = 1e300;
    printf("SIP parse + field extraction, messages/s (best of %d rounds of ~%.0f s)\n", ROUNDS, TARGET_SECONDS);
    printf("%-30s %5s %11s %11s %6s %11s %6s %11s %6s %8s\n", "message", "bytes", "sipsnare", "libosip2",
           "ratio", "complete", "ratio", "ceiling", "ratio", "sipsnare");
    printf("%-30s %5s %11s %11s %6s %11s %6s %11s %6s %8s\n", "", "", "", "", "", "", "", "", "", "/ceiling");
    for (int i = 0; i < N_MSGS; i++) {
        double ratio = best_s[i] / best_o[i];
        if (ratio < min_ratio)
            min_ratio = ratio;
        if (best_x[i] / best_o[i] < min_ceiling)
            min_ceiling = best_x[i] / best_o[i];
        printf("%-30s %5zu %11.0f %11.0f %5.1fx %11.0f %5.1fx %11.0f %5.1fx %7.0f%%\n", msgs[i].label,
               msgs[i].len, best_s[i], best_o[i], ratio, best_c[i], best_c[i] / best_o[i], best_x[i],
               best_x[i] / best_o[i], 100.0 * best_s[i] / best_x[i]);
    }
    printf("(sipsnare: framing + the accessors of these fields; complete: sip_parse_datagram,\n"
           " every header parsed and checked, as the sensor parses; ceiling: the same fields cut\n"
           " out with the SSE2 searches and nothing checked, a bound, not a parser)\n");
    printf("lowest ratio %.1fx (target >= %.0fx: %s; the ceiling's lowest %.1fx)\n", min_ratio, TARGET_RATIO,
           min_ratio >= TARGET_RATIO ? "met" : "NOT met", min_ceiling);
    for (int i = 0; i < N_MSGS; i++)
        free(msgs[i].buf);
    return 0;
}
