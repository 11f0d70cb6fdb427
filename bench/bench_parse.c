/*
 * bench_parse.c - sipsnare's parser against libosip2, same run, same
 * messages: (a) a softphone REGISTER with Digest credentials, (b) an INVITE
 * with SDP, (c) the svwar REGISTER and svcrack authenticated REGISTER
 * samples (tests/data/attack-tools). Both sides extract the same fields
 * (method, Request-URI, From/To user and tag, Call-ID, CSeq, top Via
 * branch, User-Agent, Contact, digest username and response) and every
 * iteration checks them, so the benchmark also checks correctness.
 *
 * Each measurement runs about one second (CLOCK_MONOTONIC); three rounds,
 * the best one counts. Run from the repository root (make bench does).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <osipparser2/osip_parser.h>

#include "sip/sip.h"

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

static sip_msg m;

static void sipsnare_once(const struct bench_msg *b)
{
    const struct expect_v *w = &b->v;
    if (sip_parse_datagram(b->buf, b->len, &m) != 0)
        die("sipsnare", b->label, "the verdict");
    /* The fields are already in m: checking them is the extraction. */
    if (!view_is(m.method_str, w->method) || !view_is(m.ruri.host, w->ruri_host))
        die("sipsnare", b->label, "the start line");
    if (!view_is(m.from.uri.user, w->from_user) || !view_is(m.from.tag, w->from_tag) ||
        !view_is(m.to.uri.user, w->to_user) || !view_is(m.call_id, w->call_id) ||
        m.cseq != b->want.cseq || !view_is(m.cseq_method, w->method))
        die("sipsnare", b->label, "From/To/Call-ID/CSeq");
    if (m.n_via < 1 || !view_is(m.via[0].branch, w->branch) || !view_is(m.user_agent, w->ua) ||
        m.n_contact < 1 || !view_is(m.contact[0].uri.user, w->contact_user))
        die("sipsnare", b->label, "Via/User-Agent/Contact");
    if (!view_is(m.authorization.username, w->digest_user) ||
        !view_is(m.authorization.response, w->digest_response))
        die("sipsnare", b->label, "the credentials");
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

static void osip_once(const struct bench_msg *b)
{
    const struct expect *w = &b->want;
    osip_message_t *sip;
    osip_generic_param_t *tag = NULL, *branch = NULL;
    osip_via_t *via = NULL;
    osip_contact_t *ct = NULL;
    osip_header_t *ua = NULL;
    osip_authorization_t *au = NULL;

    if (osip_message_init(&sip) != 0)
        die("osip", b->label, "the allocation");
    if (osip_message_parse(sip, b->buf, b->len) != 0)
        die("osip", b->label, "the verdict");
    if (!str_is(sip->sip_method, w->method) || sip->req_uri == NULL || !str_is(sip->req_uri->host, w->ruri_host))
        die("osip", b->label, "the start line");
    if (sip->from == NULL || sip->from->url == NULL || !str_is(sip->from->url->username, w->from_user) ||
        osip_from_get_tag(sip->from, &tag) != 0 || tag == NULL || !str_is(tag->gvalue, w->from_tag))
        die("osip", b->label, "From");
    if (sip->to == NULL || sip->to->url == NULL || !str_is(sip->to->url->username, w->to_user))
        die("osip", b->label, "To");
    char *cid = NULL;
    if (sip->call_id == NULL || osip_call_id_to_str(sip->call_id, &cid) != 0 || !str_is(cid, w->call_id))
        die("osip", b->label, "Call-ID");
    osip_free(cid);
    if (sip->cseq == NULL || sip->cseq->number == NULL || strtoul(sip->cseq->number, NULL, 10) != w->cseq ||
        !str_is(sip->cseq->method, w->method))
        die("osip", b->label, "CSeq");
    if (osip_message_get_via(sip, 0, &via) < 0 || via == NULL ||
        osip_via_param_get_byname(via, "branch", &branch) != 0 || branch == NULL || !str_is(branch->gvalue, w->branch))
        die("osip", b->label, "Via");
    if (osip_message_get_user_agent(sip, 0, &ua) < 0 || ua == NULL || !str_is(ua->hvalue, w->ua))
        die("osip", b->label, "User-Agent");
    if (osip_message_get_contact(sip, 0, &ct) < 0 || ct == NULL || ct->url == NULL ||
        !str_is(ct->url->username, w->contact_user))
        die("osip", b->label, "Contact");
    osip_message_get_authorization(sip, 0, &au);
    if (w->digest_user ? (au == NULL || !quoted_is(au->username, w->digest_user) ||
                          !quoted_is(au->response, w->digest_response))
                       : au != NULL)
        die("osip", b->label, "the credentials");
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

int main(void)
{
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
        sipsnare_once(b); /* both must be right before anything is timed */
        osip_once(b);
    }

    double best_s[N_MSGS] = {0}, best_o[N_MSGS] = {0};
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < N_MSGS; i++) {
            double s = measure(sipsnare_once, &msgs[i]);
            double o = measure(osip_once, &msgs[i]);
            if (s > best_s[i]) best_s[i] = s;
            if (o > best_o[i]) best_o[i] = o;
        }
    }

    double min_ratio = 1e300;
    printf("SIP parse + field extraction, messages/s (best of %d rounds of ~%.0f s)\n", ROUNDS, TARGET_SECONDS);
    printf("%-32s %6s %14s %14s %8s\n", "message", "bytes", "sipsnare", "libosip2", "ratio");
    for (int i = 0; i < N_MSGS; i++) {
        double ratio = best_s[i] / best_o[i];
        if (ratio < min_ratio)
            min_ratio = ratio;
        printf("%-32s %6zu %14.0f %14.0f %7.1fx\n", msgs[i].label, msgs[i].len, best_s[i], best_o[i], ratio);
    }
    printf("lowest ratio %.1fx (target >= %.0fx: %s)\n", min_ratio, TARGET_RATIO,
           min_ratio >= TARGET_RATIO ? "met" : "NOT met");
    for (int i = 0; i < N_MSGS; i++)
        free(msgs[i].buf);
    return 0;
}
