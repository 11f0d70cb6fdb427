/*
 * test_sip_parse.c - message framing and header handling: datagrams,
 * streams (NEED_MORE, last_len, pipelining), limits, warnings, and the
 * header fields the honeypot uses. The table of named cases reads as the
 * spec; RFC 4475 and real attack-tool messages have their own tests.
 */
#include "test_sip_util.h"

static sip_msg m; /* ~11 KB: static, not on the stack */

#define CRLF "\r\n"

static const char register_auth[] =
    "REGISTER sip:127.0.0.1 SIP/2.0" CRLF
    "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1530145401;rport" CRLF
    "Max-Forwards: 70" CRLF
    "To: \"100\" <sip:100@127.0.0.1>" CRLF
    "From: \"100\" <sip:100@127.0.0.1>;tag=3130303a31303001393738343632343139" CRLF
    "User-Agent: friendly-scanner" CRLF
    "Call-ID: 1360000614" CRLF
    "Contact: sip:123@1.1.1.1" CRLF
    "CSeq: 2 REGISTER" CRLF
    "Accept: application/sdp" CRLF
    "Expires: 3600" CRLF
    "Content-Length: 0" CRLF
    "Authorization: Digest username=\"100\",realm=\"asterisk\",nonce=\"37a300ff\",uri=\"sip:127.0.0.1\",algorithm=MD5,qop=auth,response=\"cdda2a91e98ae932561da29dc0623721\"" CRLF
    CRLF;

static void request_fields(void)
{
    CHECK_INT(parse_lit(register_auth, &m), 0);
    CHECK(m.is_request);
    CHECK_INT(m.method, SIP_REGISTER);
    CHECK_VIEW(m.method_str, "REGISTER");
    CHECK_VIEW(m.ruri_raw, "sip:127.0.0.1");
    CHECK_VIEW(m.ruri.host, "127.0.0.1");
    CHECK_INT(m.ruri.host_kind, SIP_HOST_IPV4);
    CHECK_VIEW(m.version, "SIP/2.0");
    CHECK_INT(m.n_headers, 12);
    CHECK_INT(m.headers[0].kind, SIP_HDR_VIA);
    CHECK_VIEW(m.headers[0].name, "Via");
    CHECK_VIEW(m.headers[8].name, "Accept");
    CHECK_INT(m.headers[8].kind, SIP_HDR_ACCEPT);
    CHECK_VIEW(m.headers[8].value, "application/sdp");
    CHECK_INT(m.n_via, 1);
    CHECK_VIEW(m.via[0].branch, "z9hG4bK-1530145401");
    CHECK_VIEW(m.via[0].rport, "");
    CHECK_INT(m.via[0].port, 5060);
    CHECK_VIEW(m.from.display, "100");
    CHECK_VIEW(m.from.uri.user, "100");
    CHECK_VIEW(m.from.tag, "3130303a31303001393738343632343139");
    CHECK_VIEW(m.to.uri.user, "100");
    CHECK_ABSENT(m.to.tag);
    CHECK_VIEW(m.call_id, "1360000614");
    CHECK(m.cseq_ok);
    CHECK_INT(m.cseq, 2);
    CHECK_VIEW(m.cseq_method, "REGISTER");
    CHECK_INT(m.n_contact, 1);
    CHECK(m.contact[0].uri_ok);
    CHECK_VIEW(m.contact[0].uri.host, "1.1.1.1");
    CHECK_INT(m.max_forwards, 70);
    CHECK_INT(m.expires, 3600);
    CHECK_VIEW(m.user_agent, "friendly-scanner");
    CHECK_ABSENT(m.server);
    CHECK_VIEW(m.authorization.username, "100");
    CHECK_VIEW(m.authorization.qop, "auth");
    CHECK_ABSENT(m.authorization.cnonce);
    CHECK_ABSENT(m.proxy_authorization.raw);
    CHECK_INT(m.content_length, 0);
    CHECK_VIEW(m.body, "");
    CHECK_INT(m.warnings, 0);
    CHECK_INT(m.offset, 0);
    CHECK_INT(m.length, sizeof register_auth - 1);
    CHECK_INT(m.header_length, sizeof register_auth - 1);
    CHECK(m.error == NULL);
}

static void response_fields(void)
{
    const char *r =
        "SIP/2.0 401 Unauthorized" CRLF
        "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1;received=127.0.0.1;rport=5060" CRLF
        "From: \"100\" <sip:100@127.0.0.1>;tag=abc" CRLF
        "To: \"100\" <sip:100@127.0.0.1>;tag=as1b93d39a" CRLF
        "Call-ID: 1360000614" CRLF
        "CSeq: 1 REGISTER" CRLF
        "Server: Asterisk PBX 16.30.1" CRLF
        "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE" CRLF
        "Supported: replaces, timer" CRLF
        "WWW-Authenticate: Digest algorithm=MD5, realm=\"asterisk\", nonce=\"125be683\"" CRLF
        "Content-Length: 0" CRLF CRLF;
    CHECK_INT(parse_lit(r, &m), 0);
    CHECK(!m.is_request);
    CHECK_INT(m.status, 401);
    CHECK_VIEW(m.reason, "Unauthorized");
    CHECK_ABSENT(m.method_str);
    CHECK_ABSENT(m.ruri_raw);
    CHECK_VIEW(m.server, "Asterisk PBX 16.30.1");
    CHECK_VIEW(m.allow, "INVITE, ACK, CANCEL, OPTIONS, BYE");
    CHECK_VIEW(m.supported, "replaces, timer");
    CHECK_VIEW(m.www_authenticate.scheme, "Digest");
    CHECK_VIEW(m.www_authenticate.nonce, "125be683");
    CHECK_VIEW(m.www_authenticate.algorithm, "MD5");
    CHECK_VIEW(m.to.tag, "as1b93d39a");
    CHECK_VIEW(m.via[0].received, "127.0.0.1");
    CHECK_VIEW(m.via[0].rport, "5060");
    CHECK_INT(m.warnings, 0); /* a CSeq method is not compared in responses */
}

static void compact_forms_and_case(void)
{
    const char *r =
        "INVITE sip:bob@b.example SIP/2.0" CRLF
        "v: SIP/2.0/UDP a.example;branch=z9hG4bK1" CRLF
        "F: <sip:alice@a.example>;tag=1" CRLF
        "t: <sip:bob@b.example>" CRLF
        "I: c1@a.example" CRLF
        "cseq: 1 INVITE" CRLF
        "M: <sip:alice@a.example>" CRLF
        "C: application/sdp" CRLF
        "K: 100rel" CRLF
        "s: hello" CRLF
        "e: gzip" CRLF
        "o: presence" CRLF
        "x: 1800" CRLF
        "MAX-FORWARDS: 69" CRLF
        "user-agent: UA" CRLF
        "L: 4" CRLF CRLF "v=0\n";
    CHECK_INT(parse_lit(r, &m), 0);
    CHECK_INT(m.warnings, 0);
    CHECK_INT(m.n_via, 1);
    CHECK_VIEW(m.from.tag, "1");
    CHECK_VIEW(m.to.uri.user, "bob");
    CHECK_VIEW(m.call_id, "c1@a.example");
    CHECK_INT(m.cseq, 1);
    CHECK_INT(m.n_contact, 1);
    CHECK_VIEW(m.content_type, "application/sdp");
    CHECK_VIEW(m.supported, "100rel");
    CHECK_INT(m.headers[8].kind, SIP_HDR_SUBJECT);
    CHECK_INT(m.headers[9].kind, SIP_HDR_CONTENT_ENCODING);
    CHECK_INT(m.headers[10].kind, SIP_HDR_EVENT);
    CHECK_INT(m.headers[11].kind, SIP_HDR_SESSION_EXPIRES);
    CHECK_INT(m.max_forwards, 69);
    CHECK_VIEW(m.user_agent, "UA");
    CHECK_INT(m.content_length, 4);
    CHECK_VIEW(m.body, "v=0\n");
}

static void folding_and_lws(void)
{
    const char *r =
        "OPTIONS sip:x@y SIP/2.0" CRLF
        "Via : SIP/2.0/UDP\r\n\th;branch=z9hG4bK1" CRLF
        "From:" CRLF " <sip:a@b>" CRLF "\t;tag=7" CRLF
        "To:   <sip:c@d>   " CRLF
        "Call-ID: x" CRLF
        "CSeq: 7" CRLF "  OPTIONS" CRLF
        "User-Agent:" CRLF
        "Subject:   " CRLF
        "X-Long: a" CRLF " b" CRLF "  c" CRLF
        "Content-Length: 0" CRLF CRLF;
    char flat[64];
    CHECK_INT(parse_lit(r, &m), 0);
    CHECK_INT(m.warnings, 0);
    CHECK_VIEW(m.via[0].host, "h");
    CHECK_VIEW(m.from.tag, "7");
    CHECK_VIEW(m.to.raw, "<sip:c@d>");
    CHECK_INT(m.cseq, 7);
    CHECK_VIEW(m.cseq_method, "OPTIONS");
    CHECK_VIEW(m.user_agent, "");       /* present but empty */
    CHECK_VIEW(m.headers[6].value, "");
    CHECK_VIEW(m.headers[7].name, "X-Long");
    CHECK_VIEW(m.headers[7].value, "a" CRLF " b" CRLF "  c");
    CHECK_INT(sip_str_unfold(m.headers[7].value, flat, sizeof flat), 5);
    CHECK_STR(flat, "a b c");
}

static void multiple_values(void)
{
    const char *r =
        "REGISTER sip:r SIP/2.0" CRLF
        "Via: SIP/2.0/UDP a;branch=1, SIP/2.0/TCP b:5061 ;branch=2" CRLF
        "Via: SIP/2.0/UDP c;branch=3" CRLF
        "From: <sip:u@r>;tag=1" CRLF "To: <sip:u@r>" CRLF "Call-ID: x" CRLF "CSeq: 1 REGISTER" CRLF
        "Contact: \"a, b\" <sip:one,1@h;x=1>;q=0.5, <sip:two@h>" CRLF
        "m: sip:three@h;expires=60" CRLF
        "Content-Length: 0" CRLF CRLF;
    CHECK_INT(parse_lit(r, &m), 0);
    CHECK_INT(m.warnings, 0);
    CHECK_INT(m.n_via, 3);
    CHECK_VIEW(m.via[1].transport, "TCP");
    CHECK_INT(m.via[1].port, 5061);
    CHECK_VIEW(m.via[2].branch, "3");
    CHECK_INT(m.n_contact, 3);
    CHECK_VIEW(m.contact[0].display, "a, b");
    CHECK_VIEW(m.contact[0].uri.user, "one,1");
    CHECK_VIEW(m.contact[0].uri.params, "x=1");
    CHECK_VIEW(m.contact[0].params, "q=0.5");
    CHECK_VIEW(m.contact[1].uri.user, "two");
    CHECK_VIEW(m.contact[2].expires, "60");
}

static void contact_star_and_bad(void)
{
    CHECK_INT(parse_lit("REGISTER sip:r SIP/2.0" CRLF "Via: SIP/2.0/UDP a" CRLF "From: <sip:u@r>;tag=1" CRLF
                        "To: <sip:u@r>" CRLF "Call-ID: x" CRLF "CSeq: 1 REGISTER" CRLF "Contact: *" CRLF
                        "Expires: 0" CRLF "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, 0);
    CHECK_INT(m.n_contact, 1);
    CHECK(m.contact[0].star);
    CHECK_INT(m.expires, 0);
    /* svmap's "Contact: None": kept, flagged */
    CHECK_INT(parse_lit("REGISTER sip:r SIP/2.0" CRLF "Via: SIP/2.0/UDP a" CRLF "From: <sip:u@r>;tag=1" CRLF
                        "To: <sip:u@r>" CRLF "Call-ID: x" CRLF "CSeq: 1 REGISTER" CRLF "Contact: None" CRLF
                        "Contact: <sip:ok@h>, ,<sip:ok2@h>" CRLF "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_CONTACT);
    CHECK_INT(m.n_contact, 3);
    CHECK_VIEW(m.contact[0].raw, "None");
    CHECK(!m.contact[0].uri_ok);
    CHECK(m.contact[1].uri_ok);
    CHECK_VIEW(m.contact[2].uri.user, "ok2");
}

/* Builds "OPTIONS ..." with n extra header lines of the given text. */
static size_t build(char *buf, size_t cap, unsigned n_extra, const char *line)
{
    size_t n = (size_t)snprintf(buf, cap, "OPTIONS sip:x@y SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF
                                "From: <sip:a@b>;tag=1" CRLF "To: <sip:a@b>" CRLF "Call-ID: c" CRLF
                                "CSeq: 1 OPTIONS" CRLF);
    for (unsigned i = 0; i < n_extra && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s" CRLF, line);
    n += (size_t)snprintf(buf + n, cap - n, CRLF);
    return n;
}

static void limit_header_count(void)
{
    static char buf[SIP_MAX_MESSAGE];
    guarded g;
    size_t n = build(buf, sizeof buf, SIP_MAX_HEADERS - 5, "X: y");
    guard_copy(&g, buf, n);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.n_headers, SIP_MAX_HEADERS);
    guard_free(&g);
    n = build(buf, sizeof buf, SIP_MAX_HEADERS - 4, "X: y");
    guard_copy(&g, buf, n);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "too many header lines");
    guard_free(&g);
}

static void limit_header_length(void)
{
    static char buf[SIP_MAX_MESSAGE], line[SIP_MAX_HEADER_LEN + 2];
    guarded g;
    memset(line, 'a', sizeof line);
    memcpy(line, "X: ", 3);
    line[SIP_MAX_HEADER_LEN] = '\0'; /* exactly the limit */
    size_t n = build(buf, sizeof buf, 1, line);
    guard_copy(&g, buf, n);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    guard_free(&g);
    line[SIP_MAX_HEADER_LEN] = 'a';
    line[SIP_MAX_HEADER_LEN + 1] = '\0';
    n = build(buf, sizeof buf, 1, line);
    guard_copy(&g, buf, n);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "header line too long");
    guard_free(&g);
    /* folded lines count together */
    char folded[SIP_MAX_HEADER_LEN + 64];
    size_t k = (size_t)snprintf(folded, sizeof folded, "X: a");
    while (k < SIP_MAX_HEADER_LEN)
        k += (size_t)snprintf(folded + k, sizeof folded - k, CRLF " bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
    n = build(buf, sizeof buf, 1, folded);
    guard_copy(&g, buf, n);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), SIP_PARSE_INVALID);
    guard_free(&g);
    /* start line */
    static char sl[SIP_MAX_HEADER_LEN + 64];
    memset(sl, 'a', sizeof sl);
    memcpy(sl, "OPTIONS sip:", 12);
    memcpy(sl + SIP_MAX_HEADER_LEN, " SIP/2.0\r\n\r\n", 12);
    guard_copy(&g, sl, SIP_MAX_HEADER_LEN + 12);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "start line too long");
    guard_free(&g);
}

static void limit_vias_contacts(void)
{
    static char buf[SIP_MAX_MESSAGE];
    guarded g;
    size_t n = build(buf, sizeof buf, SIP_MAX_VIAS, "Via: SIP/2.0/UDP more");
    guard_copy(&g, buf, n);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.n_via, SIP_MAX_VIAS);
    CHECK_INT(m.warnings, SIP_WARN_TRUNCATED | SIP_WARN_NO_CONTENT_LENGTH);
    guard_free(&g);
    n = build(buf, sizeof buf, SIP_MAX_VIAS - 1, "Via: SIP/2.0/UDP more");
    guard_copy(&g, buf, n);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.n_via, SIP_MAX_VIAS);
    CHECK_INT(m.warnings, SIP_WARN_NO_CONTENT_LENGTH);
    guard_free(&g);
    n = build(buf, sizeof buf, 1, "Contact: <sip:1@h>,<sip:2@h>,<sip:3@h>,<sip:4@h>,<sip:5@h>,<sip:6@h>,<sip:7@h>,<sip:8@h>,<sip:9@h>");
    guard_copy(&g, buf, n);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.n_contact, SIP_MAX_CONTACTS);
    CHECK_VIEW(m.contact[7].uri.user, "8");
    CHECK(m.warnings & SIP_WARN_TRUNCATED);
    guard_free(&g);
}

static void limit_message_size(void)
{
    static char buf[SIP_MAX_MESSAGE + 2];
    guarded g;
    size_t n = build(buf, sizeof buf, 0, "");
    n -= 2;
    n += (size_t)snprintf(buf + n, sizeof buf - n, "Content-Length: %d" CRLF CRLF, SIP_MAX_MESSAGE);
    memset(buf + n, 'x', sizeof buf - n);
    /* a datagram can never be larger than SIP_MAX_MESSAGE */
    guard_copy(&g, buf, SIP_MAX_MESSAGE + 1);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "datagram too long");
    /* the same as a stream: headers + Content-Length over the limit */
    CHECK_INT(sip_parse_stream(g.p, g.len, 0, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "message too long");
    guard_free(&g);
    /* a stream whose headers never end */
    memcpy(buf, "OPTIONS sip:x SIP/2.0" CRLF "X: ", 26);
    memset(buf + 26, 'y', sizeof buf - 26);
    guard_copy(&g, buf, SIP_MAX_MESSAGE);
    CHECK_INT(sip_parse_stream(g.p, g.len, 0, &m), SIP_PARSE_NEED_MORE);
    guard_free(&g);
    guard_copy(&g, buf, SIP_MAX_MESSAGE + 1);
    CHECK_INT(sip_parse_stream(g.p, g.len, SIP_MAX_MESSAGE, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "header section too long");
    guard_free(&g);
}

#define HDRS "OPTIONS sip:x@y SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF \
             "To: <sip:a@b>" CRLF "Call-ID: c" CRLF "CSeq: 1 OPTIONS" CRLF

static void content_length_rules(void)
{
    CHECK_INT(parse_lit(HDRS "Content-Length: 99999999999999999999999" CRLF CRLF, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "Content-Length too large");
    CHECK_INT(m.error_offset, strlen(HDRS "Content-Length: "));
    CHECK_INT(parse_lit(HDRS "Content-Length: 65536" CRLF CRLF, &m), SIP_PARSE_INVALID);
    CHECK_INT(parse_lit(HDRS "Content-Length: -1" CRLF CRLF, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "bad Content-Length");
    CHECK_INT(parse_lit(HDRS "Content-Length: 1 2" CRLF CRLF "12", &m), SIP_PARSE_INVALID);
    CHECK_INT(parse_lit(HDRS "Content-Length: 0x10" CRLF CRLF, &m), SIP_PARSE_INVALID);
    CHECK_INT(parse_lit(HDRS "Content-Length:" CRLF CRLF, &m), SIP_PARSE_INVALID);
    CHECK_INT(parse_lit(HDRS "Content-Length: 2" CRLF "l: 2" CRLF CRLF "ab", &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_DUP_SINGLETON);
    CHECK_INT(parse_lit(HDRS "Content-Length: 2" CRLF "l: 3" CRLF CRLF "abc", &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "conflicting Content-Length values");
    CHECK_INT(parse_lit(HDRS "Content-Length:  0007" CRLF CRLF "abcdefg", &m), 0);
    CHECK_INT(m.content_length, 7);
    CHECK_INT(m.body.len, 7);
    CHECK_INT(parse_lit(HDRS "Content-Length: 3" CRLF CRLF "ab", &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "Content-Length larger than the datagram");
    CHECK_INT(parse_lit(HDRS "Content-Length: 1" CRLF CRLF "abc", &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_TRAILING_BYTES);
    CHECK_VIEW(m.body, "a");
    CHECK_INT(m.length, strlen(HDRS "Content-Length: 1" CRLF CRLF "a"));
    CHECK_INT(parse_lit(HDRS CRLF "body runs to the end", &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_NO_CONTENT_LENGTH);
    CHECK_INT(m.content_length, -1);
    CHECK_VIEW(m.body, "body runs to the end");
}

static void cseq_rules(void)
{
#define NOCSEQ "OPTIONS sip:x@y SIP/2.0" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF \
               "To: <sip:a@b>" CRLF "Call-ID: c" CRLF
    CHECK_INT(parse_lit(NOCSEQ "CSeq: 4294967295 OPTIONS" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK(m.cseq_ok);
    CHECK_INT(m.cseq, 4294967295u);
    CHECK_INT(m.warnings, 0);
    CHECK_INT(parse_lit(NOCSEQ "CSeq: 4294967296 OPTIONS" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK(!m.cseq_ok);
    CHECK_INT(m.warnings, SIP_WARN_BAD_CSEQ);
    CHECK_VIEW(m.cseq_method, "OPTIONS");
    CHECK_INT(parse_lit(NOCSEQ "CSeq: 1" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_CSEQ);
    CHECK_INT(parse_lit(NOCSEQ "CSeq: OPTIONS" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_CSEQ);
    CHECK_INT(parse_lit(NOCSEQ "CSeq: 1OPTIONS" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_CSEQ);
    CHECK_INT(parse_lit(NOCSEQ "CSeq: 1 OPTIONS x" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_CSEQ);
    CHECK_INT(parse_lit(NOCSEQ "CSeq: 1  ACK" CRLF "l:0" CRLF CRLF, &m), 0); /* svwar: two spaces */
    CHECK_INT(m.warnings, SIP_WARN_CSEQ_MISMATCH);
    CHECK_VIEW(m.cseq_method, "ACK");
    CHECK_INT(parse_lit(NOCSEQ "CSeq: 1 options" CRLF "l:0" CRLF CRLF, &m), 0); /* case-sensitive */
    CHECK_INT(m.warnings, SIP_WARN_CSEQ_MISMATCH);
    CHECK_INT(parse_lit(NOCSEQ "CSeq: 1 OPTIONS" CRLF "CSeq: 2 OPTIONS" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_DUP_SINGLETON);
    CHECK_INT(m.cseq, 1);
}

static void numbers(void)
{
    CHECK_INT(parse_lit(HDRS "Max-Forwards: 255" CRLF "Expires: 4294967295" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.max_forwards, 255);
    CHECK_INT(m.expires, 4294967295LL);
    CHECK_INT(m.warnings, 0);
    CHECK_INT(parse_lit(HDRS "Max-Forwards: 256" CRLF "Expires: 4294967296" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.max_forwards, -1);
    CHECK_INT(m.expires, -1);
    CHECK_INT(m.warnings, SIP_WARN_BAD_NUMBER);
    CHECK_INT(parse_lit(HDRS "Max-Forwards: -1" CRLF "Expires: Thu, 01 Dec 1994 16:00:00 GMT" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_NUMBER);
    CHECK_INT(parse_lit(HDRS "Max-Forwards: 1" CRLF "Max-Forwards: 2" CRLF "l:0" CRLF CRLF, &m), 0);
    CHECK_INT(m.max_forwards, 1);
    CHECK_INT(m.warnings, SIP_WARN_DUP_SINGLETON);
}

static void singletons(void)
{
    static const char *const dup[] = {
        "From: <sip:x@y>;tag=2", "To: <sip:x@y>", "Call-ID: d", "CSeq: 1 OPTIONS",
        "User-Agent: a", "Expires: 1", "Content-Type: a/b", "Date: Sat, 15 Oct 2005 04:44:56 GMT",
    };
    char buf[512];
    for (size_t i = 0; i < sizeof dup / sizeof dup[0]; i++) {
        snprintf(buf, sizeof buf, HDRS "User-Agent: first" CRLF "Expires: 5" CRLF "Content-Type: t/t" CRLF
                 "Date: Sun, 16 Oct 2005 04:44:56 GMT" CRLF "%s" CRLF "l: 0" CRLF CRLF, dup[i]);
        CHECK_INT(parse_lit(buf, &m), 0);
        CHECK_INT(m.warnings, SIP_WARN_DUP_SINGLETON);
        CHECK_VIEW(m.user_agent, "first");
        CHECK_VIEW(m.call_id, "c");
        CHECK_VIEW(m.from.tag, "1");
    }
    /* list headers and credentials may repeat without a warning */
    CHECK_INT(parse_lit(HDRS "Allow: INVITE" CRLF "Allow: BYE" CRLF
                        "Authorization: Digest username=\"a\"" CRLF "Authorization: Digest username=\"b\"" CRLF
                        "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, 0);
    CHECK_VIEW(m.allow, "INVITE");
    CHECK_VIEW(m.authorization.username, "a");
}

static void bad_values_are_flagged_not_fatal(void)
{
    CHECK_INT(parse_lit("OPTIONS <sip:x@y> SIP/2.0" CRLF "Via: SIP/2.0/UDP" CRLF "From: \"x <sip:a@b>" CRLF
                        "To: Bell, A <sip:a@b>" CRLF "Call-ID: c" CRLF "CSeq: x OPTIONS" CRLF
                        "Authorization: Digest username=\"x" CRLF "Date: today" CRLF "Max-Forwards: many" CRLF
                        "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_RURI | SIP_WARN_BAD_VIA | SIP_WARN_BAD_FROM | SIP_WARN_BAD_TO |
                          SIP_WARN_BAD_CSEQ | SIP_WARN_BAD_AUTH | SIP_WARN_BAD_DATE | SIP_WARN_BAD_NUMBER);
    CHECK_VIEW(m.ruri_raw, "<sip:x@y>");
    CHECK_VIEW(m.from.raw, "\"x <sip:a@b>");
    CHECK_VIEW(m.authorization.raw, "Digest username=\"x");
    CHECK_INT(m.n_via, 0);
    CHECK_VIEW(m.call_id, "c");
}

static void missing_headers(void)
{
    CHECK_INT(parse_lit("OPTIONS sip:x SIP/2.0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_MISSING_HEADER | SIP_WARN_NO_CONTENT_LENGTH);
    CHECK_INT(m.n_headers, 0);
    CHECK_INT(parse_lit(HDRS "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, 0);
    /* an empty Via header is present (so not missing) but bad */
    CHECK_INT(parse_lit("OPTIONS sip:x@y SIP/2.0" CRLF "Via:" CRLF "From: <sip:a@b>;tag=1" CRLF
                        "To: <sip:a@b>" CRLF "Call-ID: c" CRLF "CSeq: 1 OPTIONS" CRLF "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_VIA);
}

static void start_lines(void)
{
    static const struct { const char *line; int r; unsigned warn; const char *err; } cases[] = {
        {"OPTIONS sip:x@y SIP/2.0", 0, 0, NULL},
        {"OPTIONS sip:x@y sip/2.0", 0, 0, NULL},
        {"OPTIONS sip:x@y SIP/2.1", 0, SIP_WARN_BAD_VERSION, NULL},
        {"OPTIONS sip:x@y SIP/20.00", 0, SIP_WARN_BAD_VERSION, NULL},
        {"OPTIONS  sip:x@y   SIP/2.0  ", 0, SIP_WARN_LIBERAL_START, NULL},
        {"FOO sip:x@y SIP/2.0", 0, SIP_WARN_CSEQ_MISMATCH, NULL},
        {"OPTIONS sip:x@y?h=1 SIP/2.0", 0, SIP_WARN_RURI_HEADERS, NULL},
        {"OPTIONS x SIP/2.0", 0, SIP_WARN_BAD_RURI, NULL},
        {"OPTIONS sip:x@y HTTP/1.1", -1, 0, "bad SIP-Version"},
        {"OPTIONS sip:x@y SIP/2", -1, 0, "bad SIP-Version"},
        {"OPTIONS sip:x@y SIP/.0", -1, 0, "bad SIP-Version"},
        {"OPTIONS sip:x@y SIP/2.0x", -1, 0, "bad SIP-Version"},
        {"OPTIONS sip:x@y", -1, 0, "request line has no SIP-Version"},
        {"OPTIONS", -1, 0, "request line has no Request-URI"},
        {"OPTIONS ", -1, 0, "request line has no Request-URI"},
        {"OPT<IONS sip:x@y SIP/2.0", -1, 0, "bad method in request line"},
        {"OPTIONS\tsip:x@y SIP/2.0", -1, 0, "bad method in request line"},
        {" OPTIONS sip:x@y SIP/2.0", -1, 0, "bad method in request line"},
        {"hello world", -1, 0, "request line has no SIP-Version"},
        {"GET / HTTP/1.1", -1, 0, "bad SIP-Version"},
    };
    char buf[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(buf, sizeof buf, "%s" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF "To: <sip:a@b>" CRLF
                 "Call-ID: c" CRLF "CSeq: 1 OPTIONS" CRLF "l: 0" CRLF CRLF, cases[i].line);
        int r = parse_lit(buf, &m);
        if (r != cases[i].r)
            fprintf(stderr, "  start line \"%s\": %d %s\n", cases[i].line, r, m.error ? m.error : "");
        CHECK_INT(r, cases[i].r);
        if (r == 0)
            CHECK_INT(m.warnings, cases[i].warn);
        else
            CHECK_STR(m.error, cases[i].err);
    }
}

static void status_lines(void)
{
    static const struct { const char *line; int r; unsigned status; const char *reason; unsigned warn; } cases[] = {
        {"SIP/2.0 200 OK", 0, 200, "OK", 0},
        {"SIP/2.0 100 ", 0, 100, "", 0},                      /* noreason */
        {"SIP/2.0 100", 0, 100, "", SIP_WARN_LIBERAL_START},
        {"SIP/2.0 699 x  y ", 0, 699, "x  y ", 0},
        {"SIP/2.0  180 Ringing", 0, 180, "Ringing", SIP_WARN_LIBERAL_START},
        {"SIP/3.0 200 OK", 0, 200, "OK", SIP_WARN_BAD_VERSION},
        {"SIP/2.0 099 x", -1, 0, NULL, 0},
        {"SIP/2.0 700 x", -1, 0, NULL, 0},
        {"SIP/2.0 20 x", -1, 0, NULL, 0},
        {"SIP/2.0 2000 x", -1, 0, NULL, 0},
        {"SIP/2.0 4294967301 x", -1, 0, NULL, 0},             /* bigcode */
        {"SIP/2.0 20x x", -1, 0, NULL, 0},
        {"SIP/2.0 200OK", -1, 0, NULL, 0},
        {"SIP/2.0", -1, 0, NULL, 0},
        {"SIP/2.0 ", -1, 0, NULL, 0},
        {"SIP/ 200 OK", -1, 0, NULL, 0},
    };
    char buf[512];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(buf, sizeof buf, "%s" CRLF "Via: SIP/2.0/UDP h" CRLF "From: <sip:a@b>;tag=1" CRLF "To: <sip:a@b>" CRLF
                 "Call-ID: c" CRLF "CSeq: 1 OPTIONS" CRLF "l: 0" CRLF CRLF, cases[i].line);
        int r = parse_lit(buf, &m);
        if (r != cases[i].r)
            fprintf(stderr, "  status line \"%s\": %d %s\n", cases[i].line, r, m.error ? m.error : "");
        CHECK_INT(r, cases[i].r);
        if (r == 0) {
            CHECK_INT(m.status, cases[i].status);
            CHECK_VIEW(m.reason, cases[i].reason);
            CHECK_INT(m.warnings, cases[i].warn);
        }
    }
}

static void header_lines(void)
{
    CHECK_INT(parse_lit(HDRS "Foobar roobar" CRLF CRLF, &m), SIP_PARSE_INVALID); /* test.sip */
    CHECK_STR(m.error, "malformed header line");
    CHECK_INT(m.error_offset, strlen(HDRS));
    CHECK_INT(parse_lit("OPTIONS sip:x@y SIP/2.0" CRLF " folded: x" CRLF CRLF, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "continuation line without a header");
    CHECK_INT(parse_lit(HDRS "Max Forwards: 70" CRLF CRLF, &m), SIP_PARSE_INVALID);
    CHECK_INT(parse_lit(HDRS ": 70" CRLF CRLF, &m), SIP_PARSE_INVALID);
    CHECK_INT(parse_lit(HDRS "X-Y" CRLF CRLF, &m), SIP_PARSE_INVALID);
    {
        static const char nul_name[] = HDRS "X\0Y: 1" CRLF CRLF;
        guarded g;
        guard_copy(&g, nul_name, sizeof nul_name - 1);
        CHECK_INT(sip_parse_datagram(g.p, g.len, &m), SIP_PARSE_INVALID);
        guard_free(&g);
    }
    {
        static const char nul_value[] = HDRS "X-Bin: a\0b" CRLF "l: 0" CRLF CRLF;
        guarded g;
        guard_copy(&g, nul_value, sizeof nul_value - 1);
        CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
        CHECK_INT(m.headers[5].value.len, 3);
        guard_free(&g);
    }
    /* RFC 4475 esc02: C%6Fntact is an unknown header, kept opaque */
    CHECK_INT(parse_lit(HDRS "C%6Fntact: <sip:x@y>" CRLF "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.headers[5].kind, SIP_HDR_OTHER);
    CHECK_VIEW(m.headers[5].name, "C%6Fntact");
    CHECK_INT(m.n_contact, 0);
}

static void bare_lf_and_unterminated(void)
{
    CHECK_INT(parse_lit("OPTIONS sip:x@y SIP/2.0\nVia: SIP/2.0/UDP h\nFrom: <sip:a@b>;tag=1\nTo: <sip:a@b>\n"
                        "Call-ID: c\nCSeq: 1\n OPTIONS\nl: 2\n\nab", &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BARE_LF);
    CHECK_VIEW(m.body, "ab");
    CHECK_VIEW(m.cseq_method, "OPTIONS");
    /* no empty line: the headers run to the datagram end (RFC 4475 baddn) */
    CHECK_INT(parse_lit(HDRS "l: 0" CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_UNTERMINATED);
    CHECK_INT(parse_lit(HDRS "l: 0", &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_UNTERMINATED);
    CHECK_INT(m.content_length, 0);
    CHECK_INT(parse_lit(HDRS "l: 1", &m), SIP_PARSE_INVALID);
    CHECK_INT(parse_lit("OPTIONS sip:x SIP/2.0", &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_UNTERMINATED | SIP_WARN_MISSING_HEADER | SIP_WARN_NO_CONTENT_LENGTH);
}

static void body_with_nuls(void)
{
    static const char msg[] = HDRS "Content-Length: 5" CRLF CRLF "a\0\0\rb";
    guarded g;
    guard_copy(&g, msg, sizeof msg - 1);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.body.len, 5);
    CHECK(memcmp(m.body.p, "a\0\0\rb", 5) == 0);
    CHECK_INT(m.warnings, 0);
    guard_free(&g);
}

static void empty_and_keepalive(void)
{
    guarded g;
    CHECK_INT(sip_parse_datagram(NULL, 0, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "empty datagram");
    guard_copy(&g, "", 0);
    CHECK_INT(sip_parse_datagram(g.p, 0, &m), SIP_PARSE_INVALID); /* nmap -sU */
    CHECK_INT(sip_parse_stream(g.p, 0, 0, &m), SIP_PARSE_NEED_MORE);
    guard_free(&g);
    CHECK_INT(parse_lit("\r\n\r\n", &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "keep-alive only");
    CHECK_INT(parse_lit("\r\n" HDRS "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.offset, 2);
    CHECK_VIEW(m.method_str, "OPTIONS");
    CHECK_INT(m.length, strlen(HDRS "l: 0" CRLF CRLF));
    guard_copy(&g, "\r\n\r\n", 4);
    CHECK_INT(sip_parse_stream(g.p, 4, 0, &m), SIP_PARSE_NEED_MORE);
    guard_free(&g);
}

/* Feeds text to sip_parse_stream one byte more at a time, as a slow sender
 * would, passing last_len; the first complete result must equal parsing
 * the whole buffer at once. */
static void feed_bytewise(const char *text, size_t n, ssize_t want)
{
    sip_msg *s = malloc(sizeof *s);
    memset(s, 0xA5, sizeof *s); /* garbage: the first call must not trust it */
    size_t last = 0;
    for (size_t k = 1; k <= n; k++) {
        guarded g;
        guard_copy(&g, text, k);
        ssize_t r = sip_parse_stream(g.p, k, last, s);
        guard_free(&g);
        if (k < (size_t)(want > 0 ? want : (ssize_t)n)) {
            if (r != SIP_PARSE_NEED_MORE)
                fprintf(stderr, "  at %zu of %zu: %zd (%s)\n", k, n, r, r == -1 ? s->error : "");
            CHECK_INT(r, SIP_PARSE_NEED_MORE);
            if (r != SIP_PARSE_NEED_MORE)
                break;
            last = k;
        } else {
            CHECK_INT(r, want);
            break;
        }
    }
    free(s);
}

static void stream_framing(void)
{
    static const char two[] =
        "\r\n" HDRS "Content-Length: 4" CRLF CRLF "abcd"
        HDRS "Content-Length: 6" CRLF CRLF "\r\n\r\nxy"
        HDRS CRLF;
    const size_t first = 2 + strlen(HDRS "Content-Length: 4" CRLF CRLF "abcd");
    const size_t second = strlen(HDRS "Content-Length: 6" CRLF CRLF "\r\n\r\nxy");
    guarded g;
    guard_copy(&g, two, sizeof two - 1);
    ssize_t r = sip_parse_stream(g.p, g.len, 0, &m);
    CHECK_INT(r, first);
    CHECK_INT(m.offset, 2);
    CHECK_VIEW(m.body, "abcd");
    r = sip_parse_stream(g.p + first, g.len - first, 0, &m);
    CHECK_INT(r, second);
    CHECK_VIEW(m.body, "\r\n\r\nxy");
    r = sip_parse_stream(g.p + first + second, g.len - first - second, 0, &m);
    CHECK_INT(r, strlen(HDRS CRLF));       /* no Content-Length on a stream: 0 */
    CHECK_INT(m.content_length, -1);
    CHECK_VIEW(m.body, "");
    CHECK_INT(m.warnings, 0);
    guard_free(&g);

    /* NEED_MORE for short headers and short bodies, then complete */
    feed_bytewise(two + 2, first - 2, (ssize_t)(first - 2));
    feed_bytewise(two + first, second, (ssize_t)second);
    feed_bytewise("\r\n\r\n" HDRS "l: 1" CRLF CRLF "z", strlen("\r\n\r\n" HDRS "l: 1" CRLF CRLF "z"),
                  (ssize_t)strlen("\r\n\r\n" HDRS "l: 1" CRLF CRLF "z"));
    feed_bytewise("OPTIONS sip:x SIP/2.0\nVia: SIP/2.0/UDP h\n\n", 42, 42);
    /* invalid as soon as the header section is complete */
    CHECK_INT(sip_parse_stream("hello world\r\n\r\n", 15, 0, &m), SIP_PARSE_INVALID);
    /* clerr on a stream: wait for the body */
    CHECK_INT(sip_parse_stream(HDRS "l: 9999" CRLF CRLF "short", strlen(HDRS "l: 9999" CRLF CRLF "short"), 0, &m),
              SIP_PARSE_NEED_MORE);
    CHECK_INT(m.length, strlen(HDRS "l: 9999" CRLF CRLF) + 9999);
}

/* The body arrives after the headers were complete; it contains an empty
 * line, which a resumed search would take for the end of the headers. */
static void stream_body_wait_uses_msg(void)
{
    static const char text[] = HDRS "Content-Length: 13" CRLF "X-After: 1" CRLF CRLF "\r\n\r\nX: evil\r\n";
    const size_t hl = strlen(HDRS "Content-Length: 13" CRLF "X-After: 1" CRLF CRLF);
    guarded g;
    guard_copy(&g, text, hl + 2);
    CHECK_INT(sip_parse_stream(g.p, hl + 2, 0, &m), SIP_PARSE_NEED_MORE);
    CHECK_INT(m.header_length, hl);
    guard_free(&g);
    guard_copy(&g, text, hl + 6);
    CHECK_INT(sip_parse_stream(g.p, hl + 6, hl + 2, &m), SIP_PARSE_NEED_MORE); /* O(1) path */
    guard_free(&g);
    guard_copy(&g, text, sizeof text - 1);
    CHECK_INT(sip_parse_stream(g.p, g.len, hl + 6, &m), (ssize_t)(sizeof text - 1));
    CHECK_INT(m.n_headers, 7);
    CHECK_VIEW(m.body, "\r\n\r\nX: evil\r\n");
    guard_free(&g);
}

/* One msg shared by two connections (as a sensor with one static msg
 * does): whatever the other connection left in it, each stream still
 * completes, only without the O(1) shortcut. */
static void stream_shared_msg(void)
{
    static const char a[] = HDRS "Content-Length: 4" CRLF CRLF "\r\n\r\n";
    static const char b[] = HDRS "Content-Length: 0" CRLF CRLF;
    const size_t ahl = strlen(HDRS "Content-Length: 4" CRLF CRLF);
    guarded ga, gb;
    /* A: headers complete, body short */
    guard_copy(&ga, a, ahl + 1);
    CHECK_INT(sip_parse_stream(ga.p, ahl + 1, 0, &m), SIP_PARSE_NEED_MORE);
    guard_free(&ga);
    /* B: a whole message through the same msg */
    guard_copy(&gb, b, sizeof b - 1);
    CHECK_INT(sip_parse_stream(gb.p, gb.len, 0, &m), (ssize_t)(sizeof b - 1));
    guard_free(&gb);
    /* A again, last_len = what it offered before: must still complete */
    guard_copy(&ga, a, sizeof a - 1);
    CHECK_INT(sip_parse_stream(ga.p, ga.len, ahl + 1, &m), (ssize_t)(sizeof a - 1));
    CHECK_VIEW(m.body, "\r\n\r\n");
    guard_free(&ga);

    /* A: headers incomplete; B: headers incomplete of another length */
    guard_copy(&ga, a, 30);
    CHECK_INT(sip_parse_stream(ga.p, 30, 0, &m), SIP_PARSE_NEED_MORE);
    guard_free(&ga);
    guard_copy(&gb, b, 20);
    CHECK_INT(sip_parse_stream(gb.p, 20, 0, &m), SIP_PARSE_NEED_MORE);
    guard_free(&gb);
    guard_copy(&ga, a, sizeof a - 1);
    CHECK_INT(sip_parse_stream(ga.p, ga.len, 30, &m), (ssize_t)(sizeof a - 1));
    guard_free(&ga);
    /* A: body wait; B: headers incomplete; A resumes */
    guard_copy(&ga, a, ahl + 2);
    CHECK_INT(sip_parse_stream(ga.p, ahl + 2, 0, &m), SIP_PARSE_NEED_MORE);
    guard_free(&ga);
    guard_copy(&gb, b, 25);
    CHECK_INT(sip_parse_stream(gb.p, 25, 0, &m), SIP_PARSE_NEED_MORE);
    guard_free(&gb);
    guard_copy(&ga, a, sizeof a - 1);
    CHECK_INT(sip_parse_stream(ga.p, ga.len, ahl + 2, &m), (ssize_t)(sizeof a - 1));
    guard_free(&ga);
}

/* Every prefix of a message, as a datagram and as a stream: no over-read
 * (guard page), a stream prefix is NEED_MORE until the message is whole. */
static void every_prefix(void)
{
    size_t n = sizeof register_auth - 1;
    for (size_t k = 0; k <= n; k++) {
        guarded g;
        guard_copy(&g, register_auth, k);
        (void)sip_parse_datagram(g.p, k, &m);
        ssize_t r = sip_parse_stream(g.p, k, 0, &m);
        CHECK_INT(r, k < n ? SIP_PARSE_NEED_MORE : (ssize_t)n);
        guard_free(&g);
    }
}

static void ipv6_and_ports(void)
{
    CHECK_INT(parse_lit("OPTIONS sip:[2001:db8::1]:5060 SIP/2.0" CRLF "Via: SIP/2.0/UDP [2001:db8::2]:5061;branch=z9hG4bK1" CRLF
                        "From: <sip:a@[::1]>;tag=1" CRLF "To: <sip:a@b>" CRLF "Call-ID: c" CRLF "CSeq: 1 OPTIONS" CRLF
                        "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, 0);
    CHECK_VIEW(m.ruri.host, "2001:db8::1");
    CHECK_INT(m.ruri.host_kind, SIP_HOST_IPV6);
    CHECK_INT(m.ruri.port, 5060);
    CHECK_VIEW(m.via[0].host, "2001:db8::2");
    CHECK_INT(m.via[0].port, 5061);
    CHECK_VIEW(m.from.uri.host, "::1");
    CHECK_INT(parse_lit("OPTIONS sip:h:65536 SIP/2.0" CRLF "Via: SIP/2.0/UDP h:65536" CRLF
                        "From: <sip:a@b>;tag=1" CRLF "To: <sip:a@b>" CRLF "Call-ID: c" CRLF "CSeq: 1 OPTIONS" CRLF
                        "l: 0" CRLF CRLF, &m), 0);
    CHECK_INT(m.warnings, SIP_WARN_BAD_RURI | SIP_WARN_BAD_VIA);
}

/* Lazy parsing (sip.h): frame + accessors give exactly what the complete
 * parse gives, on every sample message (RFC 4475, the attack tools and
 * their recorded flows, responses included), as a datagram and as a
 * stream, whatever the order the accessors are called in. */
static void lazy_equals_eager_dir(const char *dir, const char *suffix)
{
    char **names;
    size_t n = list_dir(dir, suffix, &names);
    sip_msg *lazy = malloc(sizeof *lazy);
    CHECK(n > 0 && lazy != NULL);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        guarded g;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        guard_file(&g, path);
        for (unsigned seed = 0; seed < 10; seed += 3) {
            memset(lazy, 0xA5, sizeof *lazy); /* garbage: nothing may be trusted */
            int r = sip_parse_datagram(g.p, g.len, &m);
            CHECK_INT(sip_frame_datagram(g.p, g.len, lazy), r);
            if (r == 0 && lazy_matches(&m, lazy, seed) != 0) {
                fprintf(stderr, "  lazy != eager (datagram): %s seed %u\n", path, seed);
                CHECK(0);
            }
            ssize_t s = sip_parse_stream(g.p, g.len, 0, &m);
            CHECK_INT(sip_frame_stream(g.p, g.len, 0, lazy), s);
            if (s > 0 && lazy_matches(&m, lazy, seed) != 0) {
                fprintf(stderr, "  lazy != eager (stream): %s seed %u\n", path, seed);
                CHECK(0);
            }
        }
        guard_free(&g);
        free(names[i]);
    }
    free(names);
    free(lazy);
}

static void lazy_equals_eager(void)
{
    lazy_equals_eager_dir("tests/data/rfc4475", ".sip");
    lazy_equals_eager_dir("tests/data/attack-tools", ".txt");
    lazy_equals_eager_dir("tests/data/attack-tools/flows/responses", ".txt");
    lazy_equals_eager_dir("tests/data/attack-tools/flows/client", ".txt");
}

/* The contract: the framing leaves the sub-parses (and their warnings) to
 * the accessors, each runs once per frame call, and a new frame call
 * forgets the previous message's results. */
static void lazy_contract(void)
{
    static const char bad[] = "REGISTER sip:pbx SIP/2.0" CRLF "Via: SIP/2.0/UDP h;branch=z9hG4bK1" CRLF
                              "Max-Forwards: 70" CRLF "From: \"unterminated <sip:a@b>;tag=1" CRLF
                              "To: <sip:a@b>" CRLF "Call-ID: c" CRLF "CSeq: 1 REGISTER" CRLF
                              "Contact: None" CRLF "Authorization: Digest username=\"a\", bad" CRLF
                              "Expires: x" CRLF "l: 0" CRLF CRLF;
    static const char good[] = HDRS "l: 0" CRLF CRLF;
    guarded g, h;
    guard_copy(&g, bad, sizeof bad - 1);
    CHECK_INT(sip_frame_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.warnings, 0); /* nothing sub-parsed yet */
    CHECK_VIEW(sip_msg_header(&m, SIP_HDR_CONTACT), "None");
    CHECK(!sip_str_present(sip_msg_header(&m, SIP_HDR_PROXY_AUTHORIZATION)));
    const sip_nameaddr *from = sip_msg_from(&m);
    CHECK_INT(m.warnings, SIP_WARN_BAD_FROM);
    CHECK(sip_msg_from(&m) == from); /* memoised */
    CHECK_VIEW(from->raw, "\"unterminated <sip:a@b>;tag=1");
    CHECK(sip_msg_to(&m)->uri_ok);
    CHECK_INT(sip_msg_contacts(&m), 1);
    CHECK(!sip_msg_contact(&m, 0)->uri_ok);
    CHECK(sip_msg_contact(&m, 1) == NULL);
    CHECK_INT(m.warnings, SIP_WARN_BAD_FROM | SIP_WARN_BAD_CONTACT);
    CHECK(sip_str_present(sip_msg_authorization(&m)->raw));
    CHECK(!sip_str_present(sip_msg_proxy_authorization(&m)->raw));
    CHECK(!sip_str_present(sip_msg_www_authenticate(&m)->raw));
    CHECK_INT(sip_msg_max_forwards(&m), 70);
    CHECK_INT(sip_msg_expires(&m), -1);
    CHECK_VIEW(sip_msg_via(&m, 0)->branch, "z9hG4bK1");
    CHECK_INT(m.warnings, SIP_WARN_BAD_FROM | SIP_WARN_BAD_CONTACT | SIP_WARN_BAD_AUTH | SIP_WARN_BAD_NUMBER);
    sip_msg_parse_all(&m);
    CHECK_INT(m.warnings, SIP_WARN_BAD_FROM | SIP_WARN_BAD_CONTACT | SIP_WARN_BAD_AUTH | SIP_WARN_BAD_NUMBER);
    /* The same msg, another message: nothing of the first one is left. */
    guard_copy(&h, good, sizeof good - 1);
    CHECK_INT(sip_frame_datagram(h.p, h.len, &m), 0);
    CHECK_INT(m.warnings, 0);
    CHECK(sip_msg_from(&m)->uri_ok);
    CHECK_INT(sip_msg_contacts(&m), 0);
    CHECK(!sip_str_present(sip_msg_authorization(&m)->raw));
    CHECK_INT(sip_msg_max_forwards(&m), -1); /* HDRS has none */
    CHECK_INT(sip_msg_expires(&m), -1);
    CHECK_INT(m.warnings, 0);
    /* The complete parse zeroes what is absent. */
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(sip_parse_datagram(h.p, h.len, &m), 0);
    CHECK(!sip_str_present(m.authorization.raw) && m.authorization.n_params == 0);
    CHECK_INT(m.n_contact, 0);
    guard_free(&g);
    guard_free(&h);
}

/* Via and Contact lines apart from each other: the accessors take every
 * line of the kind, in order; a message with one line of each takes it
 * alone (the framing records which kinds repeat). */
static void lazy_lists_apart(void)
{
    static const char apart[] = "INVITE sip:x@y SIP/2.0" CRLF "Via: SIP/2.0/UDP a;branch=z9hG4bK1, SIP/2.0/TCP b" CRLF
                                "Contact: <sip:c1@h>" CRLF "From: <sip:a@b>;tag=1" CRLF "To: <sip:a@b>" CRLF
                                "v: SIP/2.0/UDP c" CRLF "Call-ID: c" CRLF "m: <sip:c2@h>, <sip:c3@h>" CRLF
                                "CSeq: 1 INVITE" CRLF "VIA: SIP/2.0/UDP d" CRLF "l: 0" CRLF CRLF;
    static const char once[] = HDRS "Contact: <sip:c9@h>" CRLF "l: 0" CRLF CRLF;
    guarded g, h;
    guard_copy(&g, apart, sizeof apart - 1);
    CHECK_INT(sip_frame_datagram(g.p, g.len, &m), 0);
    CHECK_INT(sip_msg_vias(&m), 4);
    CHECK_VIEW(sip_msg_via(&m, 0)->host, "a");
    CHECK_VIEW(sip_msg_via(&m, 1)->host, "b");
    CHECK_VIEW(sip_msg_via(&m, 2)->host, "c");
    CHECK_VIEW(sip_msg_via(&m, 3)->host, "d");
    CHECK_INT(sip_msg_contacts(&m), 3);
    CHECK_VIEW(sip_msg_contact(&m, 0)->uri.user, "c1");
    CHECK_VIEW(sip_msg_contact(&m, 2)->uri.user, "c3");
    /* The same msg, a message with one line of each. */
    guard_copy(&h, once, sizeof once - 1);
    CHECK_INT(sip_frame_datagram(h.p, h.len, &m), 0);
    CHECK_INT(sip_msg_vias(&m), 1);
    CHECK_VIEW(sip_msg_via(&m, 0)->host, "h");
    CHECK_INT(sip_msg_contacts(&m), 1);
    CHECK_VIEW(sip_msg_contact(&m, 0)->uri.user, "c9");
    /* The complete parse agrees. */
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.n_via, 4);
    CHECK_INT(m.n_contact, 3);
    guard_free(&g);
    guard_free(&h);
}

CHECK_MAIN("test_sip_parse",
    {"request: every field", request_fields},
    {"response: status, reason, challenge", response_fields},
    {"compact forms, any case", compact_forms_and_case},
    {"folding and LWS", folding_and_lws},
    {"Via/Contact lists with quotes and <>", multiple_values},
    {"Contact: * and unparsable values", contact_star_and_bad},
    {"limit: header count", limit_header_count},
    {"limit: header and start line length", limit_header_length},
    {"limit: Vias and Contacts kept", limit_vias_contacts},
    {"limit: message size", limit_message_size},
    {"Content-Length: huge, negative, conflicting", content_length_rules},
    {"CSeq: 32 bits, method, mismatch", cseq_rules},
    {"Max-Forwards, Expires", numbers},
    {"singleton headers twice", singletons},
    {"bad values flagged, not fatal", bad_values_are_flagged_not_fatal},
    {"missing mandatory headers", missing_headers},
    {"request lines", start_lines},
    {"status lines", status_lines},
    {"header lines: no colon, NUL, unknown", header_lines},
    {"bare LF and unterminated datagrams", bare_lf_and_unterminated},
    {"body with NUL bytes", body_with_nuls},
    {"empty datagram and keep-alives", empty_and_keepalive},
    {"stream: pipelining, NEED_MORE, last_len", stream_framing},
    {"stream: body wait keeps the header end", stream_body_wait_uses_msg},
    {"stream: one msg shared by two connections", stream_shared_msg},
    {"every prefix: datagram and stream", every_prefix},
    {"IPv6 references and ports", ipv6_and_ports},
    {"lazy: frame + accessors == complete parse", lazy_equals_eager},
    {"lazy: accessors, memoisation, warnings", lazy_contract},
    {"lazy: Via and Contact lines apart", lazy_lists_apart},
)
