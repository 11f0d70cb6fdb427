/*
 * test_event.c - the JSON-lines encoder: exact lines for hand-made messages
 * (sip_msg filled field by field, so these tests do not depend on the
 * parser), and every produced line checked by jansson, hostile bytes
 * included.
 */
#include <jansson.h>
#include <stdint.h>

#include "check.h"
#include "event/event.h"

static sip_str S(const char *s) { return (sip_str){s, strlen(s)}; }
static sip_str B(const char *s, size_t n) { return (sip_str){s, n}; }
/* A literal inside the first n bytes of buf (not NUL-terminated). */
#define HAS(buf, n, lit) (memmem((buf), (n), (lit), sizeof(lit) - 1) != NULL)

/* A message with nothing present. */
static void msg_empty(sip_msg *m)
{
    memset(m, 0, sizeof *m);
    m->max_forwards = -1;
    m->expires = -1;
    m->content_length = -1;
}

static void set_nameaddr(sip_nameaddr *na, const char *display, const char *user,
                         const char *tag)
{
    na->raw = S("x"); /* present; the encoder does not read it */
    if (display)
        na->display = S(display);
    na->uri_ok = true;
    if (user)
        na->uri.user = S(user);
    if (tag)
        na->tag = S(tag);
}

/* The svcrack REGISTER of ../shared/data/attack-tools, as the parser
 * would fill it, plus a Contact user. */
static void msg_register(sip_msg *m)
{
    msg_empty(m);
    m->is_request = true;
    m->method = SIP_REGISTER;
    m->method_str = S("REGISTER");
    m->ruri_raw = S("sip:127.0.0.1");
    m->ruri.scheme = SIP_SCHEME_SIP;
    m->ruri.host = S("127.0.0.1");
    set_nameaddr(&m->from, "100", "100", "3130303a313233340133393139323733373534");
    set_nameaddr(&m->to, "100", "100", NULL);
    m->n_contact = 1;
    set_nameaddr(&m->contact[0], NULL, "123", NULL);
    m->call_id = S("4224123211");
    m->cseq_ok = true;
    m->cseq = 2;
    m->cseq_method = S("REGISTER");
    m->user_agent = S("friendly-scanner");
    m->max_forwards = 70;
    m->n_via = 1;
    m->via[0].host = S("127.0.0.1");
    m->via[0].port = 5060;
    m->via[0].branch = S("z9hG4bK-1207484231");
    m->via[0].rport = S("");
    m->authorization.raw = S("Digest ...");
    m->authorization.scheme = S("Digest");
    m->authorization.username = S("100");
    m->authorization.realm = S("asterisk");
    m->authorization.nonce = S("6410dd31");
    m->authorization.uri = S("sip:127.0.0.1");
    m->authorization.algorithm = S("MD5");
    m->authorization.qop = S("auth");
    m->authorization.response = S("e621bce234dec7b61807e3c42dee5740");
}

static void event_base(event *ev, event_kind kind)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->time_ms = 1795625363123LL; /* 2026-11-25T16:49:23.123Z */
    ev->sensor = "hp-01";
    ev->run_id = "00c0ffee00c0ffee";
    ev->seq = 42;
    strcpy(ev->src_ip, "203.0.113.7");
    ev->src_port = 5060;
    strcpy(ev->dst_ip, "192.0.2.10");
    ev->dst_port = 5060;
    ev->transport = "udp";
}

#define HEAD(kind) "{\"v\":1,\"eventid\":\"" kind "\",\"timestamp\":\"2026-11-25T16:49:23.123Z\"," \
    "\"sensor\":\"hp-01\",\"run\":\"00c0ffee00c0ffee\",\"seq\":42,\"transport\":\"udp\"," \
    "\"src_ip\":\"203.0.113.7\",\"src_port\":5060,\"dst_ip\":\"192.0.2.10\",\"dst_port\":5060"

/* One byte more than the encoder may use, for a terminating NUL. */
static char line[EVENT_MAX_JSON + 1];

/* Checks a line the way a consumer sees it: ends in exactly one '\n', no
 * other newline, at most EVENT_MAX_JSON bytes, and one JSON object that
 * jansson accepts (it rejects invalid UTF-8 and bad escapes). Returns the
 * parsed object (caller frees) or NULL. */
static json_t *parse_line(const char *s, size_t n)
{
    CHECK(n > 0 && n <= EVENT_MAX_JSON);
    if (n == 0)
        return NULL;
    CHECK(s[n - 1] == '\n');
    CHECK(memchr(s, '\n', n - 1) == NULL);
    CHECK(memchr(s, '\r', n) == NULL);
    json_error_t err;
    json_t *j = json_loadb(s, n, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &err);
    if (j == NULL)
        fprintf(stderr, "  jansson: %s at %d in %.*s\n", err.text, err.position, (int)n, s);
    CHECK(j != NULL && json_is_object(j));
    return j;
}

static size_t encode(const event *ev)
{
    size_t n = event_to_json(ev, line, sizeof line);
    CHECK(n < sizeof line);
    line[n < sizeof line ? n : 0] = '\0';
    json_decref(parse_line(line, n));
    return n;
}

#define CHECK_LINE(ev, expected) do { size_t n_ = encode(ev); \
    CHECK_INT(n_, strlen(expected)); \
    if (n_ != strlen(expected) || memcmp(line, expected, n_) != 0) \
        fprintf(stderr, "  got      %.*s  expected %s", (int)n_, line, expected); \
    CHECK(n_ == strlen(expected) && memcmp(line, expected, n_) == 0); } while (0)

static void test_time(void)
{
    char t[25];
    event_format_time(1795625363123LL, t);
    CHECK_STR(t, "2026-11-25T16:49:23.123Z");
    event_format_time(0, t);
    CHECK_STR(t, "1970-01-01T00:00:00.000Z");
    event_format_time(-1, t);
    CHECK_STR(t, "1969-12-31T23:59:59.999Z");
    event_format_time(1709251199999LL, t);
    CHECK_STR(t, "2024-02-29T23:59:59.999Z");
    event_format_time(-2203891200000LL, t);
    CHECK_STR(t, "1900-03-01T00:00:00.000Z");
    event_format_time(INT64_MAX, t);
    CHECK_STR(t, "9999-12-31T23:59:59.999Z");
    event_format_time(INT64_MIN, t);
    CHECK_STR(t, "0000-01-01T00:00:00.000Z");
}

static void test_request_full(void)
{
    sip_msg m;
    msg_register(&m);
    persona_result r;
    memset(&r, 0, sizeof r);
    r.n = 1;
    r.resp[0].code = 200;
    r.auth = AUTH_OK;
    r.extension_known = true;
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.msg = &m;
    ev.result = &r;
    ev.answered = true;
    CHECK_LINE(&ev, HEAD("sip.request")
        ",\"method\":\"REGISTER\",\"ruri\":\"sip:127.0.0.1\",\"from_user\":\"100\","
        "\"from_tag\":\"3130303a313233340133393139323733373534\",\"from_display\":\"100\","
        "\"to_user\":\"100\",\"contact_user\":\"123\",\"call_id\":\"4224123211\",\"cseq\":2,"
        "\"cseq_method\":\"REGISTER\",\"user_agent\":\"friendly-scanner\",\"max_forwards\":70,"
        "\"via_host\":\"127.0.0.1\",\"via_port\":5060,\"via_branch\":\"z9hG4bK-1207484231\","
        "\"auth\":{\"header\":\"authorization\",\"scheme\":\"Digest\",\"user\":\"100\","
        "\"realm\":\"asterisk\",\"nonce\":\"6410dd31\",\"uri\":\"sip:127.0.0.1\","
        "\"algorithm\":\"MD5\",\"response\":\"e621bce234dec7b61807e3c42dee5740\",\"qop\":\"auth\"},"
        "\"auth_outcome\":\"ok\",\"response\":200,\"responses\":[200],\"answered\":true,"
        "\"dial_external\":false,\"extension_known\":true}\n");
}

/* An INVITE to an external number: ruri_user is the dialed number, two
 * responses, a Proxy-Authorization, warnings. */
static void test_request_invite(void)
{
    sip_msg m;
    msg_empty(&m);
    m.is_request = true;
    m.method = SIP_INVITE;
    m.method_str = S("INVITE");
    m.ruri_raw = S("sip:900972595551234@192.0.2.10");
    m.ruri.user = S("900972595551234");
    set_nameaddr(&m.from, NULL, "100", "a1");
    set_nameaddr(&m.to, NULL, "900972595551234", "as0001");
    m.call_id = S("c1");
    m.expires = 0;
    m.proxy_authorization.raw = S("x");
    m.proxy_authorization.scheme = S("Digest");
    m.proxy_authorization.username = S("100");
    m.warnings = SIP_WARN_DUP_SINGLETON | SIP_WARN_BAD_CSEQ | (1u << 20);
    persona_result r;
    memset(&r, 0, sizeof r);
    r.n = 2;
    r.resp[0].code = 100;
    r.resp[1].code = 503;
    r.auth = AUTH_NONE;
    r.dial_external = true;
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.msg = &m;
    ev.result = &r;
    ev.answered = false;
    CHECK_LINE(&ev, HEAD("sip.request")
        ",\"method\":\"INVITE\",\"ruri\":\"sip:900972595551234@192.0.2.10\","
        "\"ruri_user\":\"900972595551234\",\"from_user\":\"100\",\"from_tag\":\"a1\","
        "\"to_user\":\"900972595551234\",\"to_tag\":\"as0001\",\"call_id\":\"c1\",\"expires\":0,"
        "\"auth\":{\"header\":\"proxy-authorization\",\"scheme\":\"Digest\",\"user\":\"100\"},"
        "\"auth_outcome\":\"none\",\"response\":503,\"responses\":[100,503],\"answered\":false,"
        "\"dial_external\":true,\"extension_known\":false,"
        "\"warnings\":[\"dup_singleton\",\"bad_cseq\",\"bit20\"]}\n");

    /* a bad Request-URI logs no ruri_user, whatever the struct holds */
    m.warnings = SIP_WARN_BAD_RURI;
    encode(&ev);
    CHECK(strstr(line, "\"ruri_user\"") == NULL);
    CHECK(strstr(line, "\"warnings\":[\"bad_ruri\"]") != NULL);
}

/* Dropped: no responses, a drop reason; no persona result at all. */
static void test_request_dropped(void)
{
    sip_msg m;
    msg_empty(&m);
    m.is_request = true;
    m.method_str = S("FOO");
    m.ruri_raw = S("sip:x");
    persona_result r;
    memset(&r, 0, sizeof r);
    r.drop_reason = "missing Call-ID";
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.msg = &m;
    ev.result = &r;
    CHECK_LINE(&ev, HEAD("sip.request")
        ",\"method\":\"FOO\",\"ruri\":\"sip:x\",\"auth_outcome\":\"none\",\"responses\":[],"
        "\"answered\":false,\"drop_reason\":\"missing Call-ID\",\"dial_external\":false,"
        "\"extension_known\":false}\n");
    ev.result = NULL;
    CHECK_LINE(&ev, HEAD("sip.request")
        ",\"method\":\"FOO\",\"ruri\":\"sip:x\",\"answered\":false}\n");
}

/* User-Agent: absent -> no key; present but empty -> "". */
static void test_user_agent_absent_vs_empty(void)
{
    sip_msg m;
    msg_empty(&m);
    m.is_request = true;
    m.method_str = S("OPTIONS");
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.msg = &m;
    encode(&ev);
    CHECK(strstr(line, "user_agent") == NULL);
    m.user_agent = B("", 0);
    encode(&ev);
    CHECK(strstr(line, ",\"user_agent\":\"\",") != NULL);
    json_t *j = parse_line(line, strlen(line));
    CHECK(j && json_is_string(json_object_get(j, "user_agent")));
    CHECK(j && strcmp(json_string_value(json_object_get(j, "user_agent")), "") == 0);
    json_decref(j);
}

static void test_response(void)
{
    sip_msg m;
    msg_empty(&m);
    m.status = 401;
    m.reason = S("Unauthorized");
    m.call_id = S("1958541923");
    m.cseq_ok = true;
    m.cseq = 1;
    m.cseq_method = S("REGISTER");
    m.server = S("FPBX-2.8.1(1.8.7.0)");
    event ev;
    event_base(&ev, EVENT_RESPONSE);
    ev.transport = "tcp";
    ev.msg = &m;
    CHECK_LINE(&ev,
        "{\"v\":1,\"eventid\":\"sip.response\",\"timestamp\":\"2026-11-25T16:49:23.123Z\","
        "\"sensor\":\"hp-01\",\"run\":\"00c0ffee00c0ffee\",\"seq\":42,\"transport\":\"tcp\","
        "\"src_ip\":\"203.0.113.7\",\"src_port\":5060,\"dst_ip\":\"192.0.2.10\",\"dst_port\":5060,"
        "\"status\":401,\"reason\":\"Unauthorized\",\"call_id\":\"1958541923\",\"cseq\":1,"
        "\"cseq_method\":\"REGISTER\",\"server\":\"FPBX-2.8.1(1.8.7.0)\"}\n");
}

static void test_malformed_and_ratelimited(void)
{
    static const char raw[] = "GARBAGE\r\n\x00\xff";
    event ev;
    event_base(&ev, EVENT_MALFORMED);
    strcpy(ev.src_ip, "2001:db8::1");
    ev.error = "bad start line";
    ev.error_offset = 7;
    ev.raw = raw;
    ev.raw_len = sizeof raw - 1;
    CHECK_LINE(&ev, "{\"v\":1,\"eventid\":\"sip.malformed\",\"timestamp\":\"2026-11-25T16:49:23.123Z\","
        "\"sensor\":\"hp-01\",\"run\":\"00c0ffee00c0ffee\",\"seq\":42,\"transport\":\"udp\","
        "\"src_ip\":\"2001:db8::1\",\"src_port\":5060,\"dst_ip\":\"192.0.2.10\",\"dst_port\":5060,"
        "\"error\":\"bad start line\",\"error_offset\":7,\"len\":11}\n");
    ev.include_raw = true;
    CHECK_LINE(&ev, "{\"v\":1,\"eventid\":\"sip.malformed\",\"timestamp\":\"2026-11-25T16:49:23.123Z\","
        "\"sensor\":\"hp-01\",\"run\":\"00c0ffee00c0ffee\",\"seq\":42,\"transport\":\"udp\","
        "\"src_ip\":\"2001:db8::1\",\"src_port\":5060,\"dst_ip\":\"192.0.2.10\",\"dst_port\":5060,"
        "\"error\":\"bad start line\",\"error_offset\":7,\"len\":11,"
        "\"raw\":\"GARBAGE\\r\\n\\u0000\\u00ff\"}\n");

    event_base(&ev, EVENT_RATELIMITED);
    ev.suppressed = 1234;
    CHECK_LINE(&ev, HEAD("sip.ratelimited") ",\"suppressed\":1234}\n");
    /* counters above INT64_MAX (never reached) are clamped for readers */
    ev.suppressed = UINT64_MAX;
    CHECK_LINE(&ev, HEAD("sip.ratelimited") ",\"suppressed\":9223372036854775807}\n");
}

/* Hostile header values: each is escaped as documented and decodes back
 * to the same bytes when they were valid UTF-8. */
static void test_escaping(void)
{
    static const struct {
        const char *in;
        size_t len;
        const char *json; /* escaped form, quotes excluded */
    } cases[] = {
        {"a\"b\\c", 5, "a\\\"b\\\\c"},
        {"nul\0x", 5, "nul\\u0000x"},
        {"\x01\x1f\x7f", 3, "\\u0001\\u001f\\u007f"},
        {"\x7f", 1, "\\u007f"},
        {"\b\f\t", 3, "\\b\\f\\t"},
        {"bare\rcr\nlf", 10, "bare\\rcr\\nlf"},
        {"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"},
        {"ls\xe2\x80\xa8ps\xe2\x80\xa9", 10, "ls\\u2028ps\\u2029"},
        {"\xff\xfe", 2, "\\u00ff\\u00fe"},
        {"\xc3", 1, "\\u00c3"},                       /* cut sequence        */
        {"\xc3(", 2, "\\u00c3("},                     /* bad continuation    */
        {"\xc0\xaf", 2, "\\u00c0\\u00af"},            /* overlong '/'        */
        {"\xe0\x80\xaf", 3, "\\u00e0\\u0080\\u00af"}, /* overlong, 3 bytes   */
        {"\xed\xa0\x80", 3, "\\u00ed\\u00a0\\u0080"}, /* surrogate D800      */
        {"\xf4\x90\x80\x80", 4, "\\u00f4\\u0090\\u0080\\u0080"}, /* > U+10FFFF */
        {"\xf4\x8f\xbf\xbf", 4, "\xf4\x8f\xbf\xbf"},  /* U+10FFFF is fine    */
        {"</script>", 9, "</script>"},
        {"", 0, ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sip_msg m;
        msg_empty(&m);
        m.is_request = true;
        m.method_str = S("OPTIONS");
        m.user_agent = B(cases[i].in, cases[i].len);
        event ev;
        event_base(&ev, EVENT_REQUEST);
        ev.msg = &m;
        size_t n = encode(&ev);
        char want[256];
        snprintf(want, sizeof want, ",\"user_agent\":\"%s\",", cases[i].json);
        if (n == 0 || strstr(line, want) == NULL)
            fprintf(stderr, "  case %zu: %.*s", i, (int)n, line);
        CHECK(n > 0 && strstr(line, want) != NULL);
    }

    /* The same inside long plain runs, at every offset around the 16-byte
     * blocks the encoder scans at once: what precedes and follows a byte to
     * escape is copied as is, the byte escaped exactly as alone. */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (size_t off = 0; off <= 40; off++) {
            char in[128], want[256];
            size_t tail = 41 - off, jl = strlen(cases[i].json);
            memset(in, 'a', off);
            memcpy(in + off, cases[i].in, cases[i].len);
            memset(in + off + cases[i].len, 'z', tail);
            size_t w = (size_t)snprintf(want, sizeof want, ",\"user_agent\":\"");
            memset(want + w, 'a', off);
            memcpy(want + w + off, cases[i].json, jl);
            memset(want + w + off + jl, 'z', tail);
            memcpy(want + w + off + jl + tail, "\",", 3);
            sip_msg m;
            msg_empty(&m);
            m.is_request = true;
            m.method_str = S("OPTIONS");
            m.user_agent = B(in, off + cases[i].len + tail);
            event ev;
            event_base(&ev, EVENT_REQUEST);
            ev.msg = &m;
            size_t n = encode(&ev);
            if (n == 0 || strstr(line, want) == NULL) {
                fprintf(stderr, "  case %zu at offset %zu: %.*s", i, off, (int)n, line);
                CHECK(false);
                return;
            }
        }
    }

    /* Valid UTF-8 with NUL, quotes, U+2028: decodes to the very bytes. */
    static const char ok[] = "x\0\"\\\xe2\x80\xa8\xc3\xa9\x7f\n";
    sip_msg m;
    msg_empty(&m);
    m.is_request = true;
    m.call_id = B(ok, sizeof ok - 1);
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.msg = &m;
    size_t n = event_to_json(&ev, line, sizeof line);
    json_t *j = parse_line(line, n);
    json_t *v = j ? json_object_get(j, "call_id") : NULL;
    CHECK(v && json_string_length(v) == sizeof ok - 1 &&
          memcmp(json_string_value(v), ok, sizeof ok - 1) == 0);
    json_decref(j);
}

/* Folded header values come out unfolded (RFC 3261 7.3.1: CRLF + WSP is
 * one SP); the raw message keeps its bytes. */
static void test_unfold(void)
{
    static const char ua[] = "Softphone\r\n  v1.0\r\n\tbuild\n 7 x\r\ny";
    sip_msg m;
    msg_empty(&m);
    m.is_request = true;
    m.user_agent = S(ua);
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.msg = &m;
    ev.raw = ua;
    ev.raw_len = strlen(ua);
    ev.include_raw = true;
    encode(&ev);
    CHECK(strstr(line, "\"user_agent\":\"Softphone v1.0 build 7 x\\r\\ny\"") != NULL);
    CHECK(strstr(line, "\"raw\":\"Softphone\\r\\n  v1.0\\r\\n\\tbuild\\n 7 x\\r\\ny\"") != NULL);
}

static void test_cap(void)
{
    sip_msg m;
    msg_register(&m);
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.msg = &m;
    size_t n = event_to_json(&ev, line, sizeof line);
    CHECK(n > 0);
    char small[EVENT_MAX_JSON];
    memset(small, '#', sizeof small);
    CHECK_INT(event_to_json(&ev, small, n), n);
    CHECK(memcmp(small, line, n) == 0);
    memset(small, '#', sizeof small);
    CHECK_INT(event_to_json(&ev, small, n - 1), 0);
    CHECK(small[n - 1] == '#'); /* nothing written past cap */
    CHECK_INT(event_to_json(&ev, small, 0), 0);
    CHECK_INT(event_to_json(&ev, small, 1), 0);

    /* With a raw message a small cap cuts the raw, not the event. */
    static char raw[1000];
    memset(raw, 'r', sizeof raw);
    ev.raw = raw;
    ev.raw_len = sizeof raw;
    ev.include_raw = true;
    size_t base = n + strlen(",\"len\":1000");
    size_t cap = base + strlen(",\"raw\":\"rrrrr\",\"raw_truncated\":true");
    memset(small, '#', sizeof small);
    n = event_to_json(&ev, small, cap);
    CHECK_INT(n, cap);
    json_decref(parse_line(small, n));
    CHECK(HAS(small, n, ",\"raw\":\"rrrrr\",\"raw_truncated\":true}\n"));
    CHECK(small[cap] == '#');
    /* not even an empty raw with its marker fits: the event fails */
    CHECK_INT(event_to_json(&ev, small, base + strlen(",\"raw\":\"\",\"raw_truncated\":true") - 1), 0);
    n = event_to_json(&ev, small, base + strlen(",\"raw\":\"\",\"raw_truncated\":true"));
    CHECK(n > 0 && HAS(small, n, ",\"raw\":\"\",\"raw_truncated\":true}\n"));
}

static void test_raw_truncated(void)
{
    static char raw[SIP_MAX_MESSAGE];
    sip_msg m;
    msg_register(&m);
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.msg = &m;
    ev.raw = raw;
    ev.include_raw = true;

    /* A raw that fits whole: no marker; one byte more than fits: cut. */
    memset(raw, 'a', sizeof raw);
    ev.raw_len = 10000; /* as many digits in "len" as below */
    size_t n = encode(&ev);
    size_t room = EVENT_MAX_JSON - n + 10000;
    ev.raw_len = room;
    n = encode(&ev);
    CHECK_INT(n, EVENT_MAX_JSON);
    CHECK(strstr(line, "raw_truncated") == NULL);
    ev.raw_len = room + 1;
    n = encode(&ev);
    CHECK(n > 0 && n <= EVENT_MAX_JSON);
    CHECK(strstr(line, "\"raw_truncated\":true}\n") != NULL);

    /* Every byte invalid: escapes are never split (the line parses). */
    for (size_t i = 0; i < sizeof raw; i++)
        raw[i] = (char)(0x80 + i % 0x80);
    ev.raw_len = sizeof raw;
    n = encode(&ev);
    CHECK(n > EVENT_MAX_JSON - 8 && strstr(line, "\"raw_truncated\":true}\n") != NULL);
    /* and 4-byte UTF-8 sequences are not split either */
    for (size_t i = 0; i + 4 <= sizeof raw; i += 4)
        memcpy(raw + i, "\xf0\x9f\x98\x80", 4);
    ev.raw_len = sizeof raw - sizeof raw % 4;
    n = encode(&ev);
    CHECK(n > 0 && strstr(line, "\"raw_truncated\":true}\n") != NULL);
    json_t *j = parse_line(line, n);
    json_t *v = j ? json_object_get(j, "raw") : NULL;
    CHECK(v && json_string_length(v) % 4 == 0 && json_string_length(v) > 4000);
    json_decref(j);
}

/* Every string field at its worst (8 KiB of invalid UTF-8, 6 output bytes
 * each), every warning bit, a 64 KiB raw: the line still fits, with the
 * fields cut to their budgets and room left for the raw. */
static void test_worst_case(void)
{
    static char junk[SIP_MAX_HEADER_LEN];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (char)(0x80 | (i & 0x3f));
    sip_str J = B(junk, sizeof junk);
    sip_msg m;
    msg_empty(&m);
    m.is_request = true;
    m.method_str = J;
    m.ruri_raw = J;
    m.ruri.user = J;
    m.from.uri_ok = m.to.uri_ok = true;
    m.from.uri.user = m.from.tag = m.from.display = J;
    m.to.uri.user = m.to.tag = J;
    m.n_contact = SIP_MAX_CONTACTS;
    m.contact[0].uri_ok = true;
    m.contact[0].uri.user = J;
    m.call_id = m.cseq_method = m.user_agent = m.server = J;
    m.cseq_ok = true;
    m.cseq = UINT32_MAX;
    m.max_forwards = INT32_MAX;
    m.expires = INT64_MAX;
    m.n_via = 1;
    m.via[0].host = m.via[0].branch = J;
    m.via[0].port = 65535;
    sip_digest *d = &m.authorization;
    d->raw = d->scheme = d->username = d->realm = d->nonce = d->uri = J;
    d->algorithm = d->response = d->qop = d->nc = d->cnonce = d->opaque = J;
    m.warnings = ~0u;
    persona_result r;
    memset(&r, 0, sizeof r);
    r.n = PERSONA_MAX_RESPONSES;
    for (unsigned i = 0; i < r.n; i++)
        r.resp[i].code = 699;
    r.drop_reason = junk; /* not a C string in practice; here NUL-free junk */
    static char raw[SIP_MAX_MESSAGE];
    memset(raw, 0xff, sizeof raw);
    static char long_id[300];
    memset(long_id, 'S', sizeof long_id - 1);
    event ev;
    event_base(&ev, EVENT_REQUEST);
    ev.sensor = long_id;
    ev.run_id = long_id;
    ev.transport = long_id;
    memset(ev.src_ip, '9', EVENT_IP_MAX); /* no NUL */
    memset(ev.dst_ip, '9', EVENT_IP_MAX);
    ev.seq = UINT64_MAX;
    ev.msg = &m;
    ev.result = &r;
    ev.raw = raw;
    ev.raw_len = sizeof raw;
    ev.include_raw = true;
    junk[sizeof junk - 1] = '\0';
    size_t n = encode(&ev);
    junk[sizeof junk - 1] = (char)0xbf;
    CHECK(n > 0);
    CHECK(strstr(line, "\"fields_truncated\":true") != NULL);
    CHECK(strstr(line, "\"raw_truncated\":true}\n") != NULL);
    const char *rawv = strstr(line, "\"raw\":\"");
    CHECK(rawv != NULL && n - (size_t)(rawv - line) > 4000);
}

/* Random bytes in every field: each line is valid JSON. */
static void test_random(void)
{
    static char buf[4096];
    uint64_t x = 0x9e3779b97f4a7c15ULL;
    for (int iter = 0; iter < 3000; iter++) {
        size_t len = 0;
        for (size_t i = 0; i < sizeof buf; i++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[i] = (char)(x >> 24);
            /* a bias toward the interesting bytes */
            if ((x & 7) == 0)
                buf[i] = "\r\n \t\"\\\xe2\x80\xa8\xc3\xf0"[(x >> 8) % 11];
        }
        len = (size_t)(x % sizeof buf);
        size_t k = len / 8;
        sip_msg m;
        msg_register(&m);
        m.user_agent = B(buf, k);
        m.call_id = B(buf + k, k);
        m.from.display = B(buf + 2 * k, k);
        m.ruri_raw = B(buf + 3 * k, len - 3 * k);
        m.authorization.nonce = B(buf + 5, k);
        event ev;
        event_base(&ev, iter % 3 == 0 ? EVENT_RESPONSE : EVENT_REQUEST);
        ev.msg = &m;
        ev.raw = buf;
        ev.raw_len = len;
        ev.include_raw = iter % 2 == 0;
        size_t n = event_to_json(&ev, line, sizeof line);
        json_t *j = parse_line(line, n);
        CHECK(j != NULL);
        json_decref(j);
        if (check_failures_in_case) {
            fprintf(stderr, "  iteration %d\n", iter);
            return;
        }
    }
}

/* The escaper's block copy (16 bytes stored before they are tested, a last
 * block overlapping the one before) against a byte-by-byte reference: every
 * value length 0-70 with a byte that needs escaping at every position, in
 * a buffer whose ends are poisoned (ASan in make test sees an over-read). */
static size_t ref_escape(const char *in, size_t n, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c == '\n') {
            memcpy(out + o, "\\n", 2);
            o += 2;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)sprintf(out + o, "\\u%04x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    return o;
}

static void test_block_boundaries(void)
{
    static const char odd[] = {'"', '\\', '\n', 0x01, 0x7f};
    char expected[1024], esc[512];
    event ev;
    for (size_t len = 0; len <= 70; len++) {
        for (size_t at = 0; at <= len; at++) {         /* at == len: none */
            for (size_t k = 0; k < sizeof odd; k++) {
                if (at == len && k > 0)
                    break;
                char *raw = malloc(len ? len : 1);     /* exact size: ASan */
                for (size_t i = 0; i < len; i++)
                    raw[i] = (char)('A' + (i * 7 + len) % 58);
                for (size_t i = 0; i < len; i++)
                    if (raw[i] == '\\' || raw[i] == '"')
                        raw[i] = 'x';
                if (at < len)
                    raw[at] = odd[k];
                event_base(&ev, EVENT_MALFORMED);
                ev.error = "e";
                ev.raw = raw;
                ev.raw_len = len;
                ev.include_raw = true;
                size_t e = ref_escape(raw, len, esc);
                snprintf(expected, sizeof expected,
                         HEAD("sip.malformed") ",\"error\":\"e\",\"error_offset\":0,\"len\":%zu,"
                         "\"raw\":\"%.*s\"}\n", len, (int)e, esc);
                size_t n = event_to_json(&ev, line, sizeof line);
                if (n != strlen(expected) || memcmp(line, expected, n) != 0) {
                    fprintf(stderr, "  len %zu, byte 0x%02x at %zu:\n  got      %.*s  expected %s",
                            len, (unsigned char)odd[k], at, (int)n, line, expected);
                    CHECK(0);
                    free(raw);
                    return;
                }
                free(raw);
            }
        }
    }
    CHECK(1);
}

static void test_names(void)
{
    /* auth_outcome values as docs/EVENTS.md lists them */
    CHECK_STR(persona_auth_name(AUTH_NONE), "none");
    CHECK_STR(persona_auth_name(AUTH_OK), "ok");
    CHECK_STR(persona_auth_name(AUTH_WRONG_PASSWORD), "wrong_password");
    CHECK_STR(persona_auth_name(AUTH_UNKNOWN_USER), "unknown_user");
    CHECK_STR(persona_auth_name(AUTH_STALE), "stale");
    CHECK_STR(persona_auth_name(AUTH_USERNAME_MISMATCH), "username_mismatch");
    CHECK_STR(persona_auth_name(AUTH_MALFORMED), "malformed");

    CHECK_STR(event_kind_name(EVENT_REQUEST), "sip.request");
    CHECK_STR(event_kind_name(EVENT_RESPONSE), "sip.response");
    CHECK_STR(event_kind_name(EVENT_MALFORMED), "sip.malformed");
    CHECK_STR(event_kind_name(EVENT_RATELIMITED), "sip.ratelimited");
    CHECK_STR(event_warning_name(0), "truncated");
    CHECK_STR(event_warning_name(14), "bad_version");
    CHECK_STR(event_warning_name(18), "ruri_headers");
    CHECK_STR(event_warning_name(19), "bad_date");
    CHECK(event_warning_name(20) == NULL);
    /* one name per SIP_WARN_* bit: a new bit in sip.h needs a name here */
    CHECK(SIP_WARN_BAD_DATE == 1u << 19);
    for (unsigned b = 0; b <= 19; b++)
        CHECK(event_warning_name(b) != NULL);
}

CHECK_MAIN("test_event",
    {"timestamps", test_time},
    {"request, every field (svcrack REGISTER)", test_request_full},
    {"request, INVITE to an external number", test_request_invite},
    {"request, dropped / no persona result", test_request_dropped},
    {"User-Agent absent vs empty", test_user_agent_absent_vs_empty},
    {"response", test_response},
    {"malformed and ratelimited", test_malformed_and_ratelimited},
    {"escaping of hostile bytes", test_escaping},
    {"folded values unfolded, raw kept", test_unfold},
    {"cap too small", test_cap},
    {"raw cut to fit", test_raw_truncated},
    {"worst case fits EVENT_MAX_JSON", test_worst_case},
    {"random bytes stay valid JSON", test_random},
    {"escaping at 16-byte block boundaries", test_block_boundaries},
    {"names", test_names},
)
