/*
 * hdr.c - header names (long and compact forms), Via values (RFC 3261
 * 20.42) and Digest credentials/challenges (RFC 3261 25.1, RFC 2617 3.2).
 */
#include <string.h>

#include "sip/sip_internal.h"

#define FAIL(msg) do { if (err) *err = (msg); return -1; } while (0)

static const char *const hdr_names[SIP_HDR_KIND_COUNT] = {
    [SIP_HDR_VIA] = "Via", [SIP_HDR_FROM] = "From", [SIP_HDR_TO] = "To",
    [SIP_HDR_CALL_ID] = "Call-ID", [SIP_HDR_CSEQ] = "CSeq",
    [SIP_HDR_CONTACT] = "Contact", [SIP_HDR_MAX_FORWARDS] = "Max-Forwards",
    [SIP_HDR_EXPIRES] = "Expires", [SIP_HDR_USER_AGENT] = "User-Agent",
    [SIP_HDR_SERVER] = "Server", [SIP_HDR_AUTHORIZATION] = "Authorization",
    [SIP_HDR_PROXY_AUTHORIZATION] = "Proxy-Authorization",
    [SIP_HDR_WWW_AUTHENTICATE] = "WWW-Authenticate",
    [SIP_HDR_PROXY_AUTHENTICATE] = "Proxy-Authenticate",
    [SIP_HDR_CONTENT_LENGTH] = "Content-Length",
    [SIP_HDR_CONTENT_TYPE] = "Content-Type", [SIP_HDR_ALLOW] = "Allow",
    [SIP_HDR_SUPPORTED] = "Supported", [SIP_HDR_REQUIRE] = "Require",
    [SIP_HDR_PROXY_REQUIRE] = "Proxy-Require",
    [SIP_HDR_RECORD_ROUTE] = "Record-Route", [SIP_HDR_ROUTE] = "Route",
    [SIP_HDR_CONTENT_ENCODING] = "Content-Encoding", [SIP_HDR_ACCEPT] = "Accept",
    [SIP_HDR_DATE] = "Date", [SIP_HDR_SUBJECT] = "Subject",
    [SIP_HDR_EVENT] = "Event", [SIP_HDR_REFER_TO] = "Refer-To",
    [SIP_HDR_REFERRED_BY] = "Referred-By", [SIP_HDR_ALLOW_EVENTS] = "Allow-Events",
    [SIP_HDR_SESSION_EXPIRES] = "Session-Expires",
    [SIP_HDR_ACCEPT_CONTACT] = "Accept-Contact",
    [SIP_HDR_REJECT_CONTACT] = "Reject-Contact",
    [SIP_HDR_REQUEST_DISPOSITION] = "Request-Disposition",
    [SIP_HDR_IDENTITY] = "Identity", [SIP_HDR_IDENTITY_INFO] = "Identity-Info",
};

const char *sip_hdr_name(sip_hdr_kind k)
{
    if ((unsigned)k >= SIP_HDR_KIND_COUNT)
        return NULL;
    return hdr_names[k];
}

/* The same names in lower case, with their lengths, for the lookup. */
static const struct { const char *name; size_t len; } hdr_lower[SIP_HDR_KIND_COUNT] = {
    [SIP_HDR_VIA] = {"via", 3},
    [SIP_HDR_FROM] = {"from", 4},
    [SIP_HDR_TO] = {"to", 2},
    [SIP_HDR_CALL_ID] = {"call-id", 7},
    [SIP_HDR_CSEQ] = {"cseq", 4},
    [SIP_HDR_CONTACT] = {"contact", 7},
    [SIP_HDR_MAX_FORWARDS] = {"max-forwards", 12},
    [SIP_HDR_EXPIRES] = {"expires", 7},
    [SIP_HDR_USER_AGENT] = {"user-agent", 10},
    [SIP_HDR_SERVER] = {"server", 6},
    [SIP_HDR_AUTHORIZATION] = {"authorization", 13},
    [SIP_HDR_PROXY_AUTHORIZATION] = {"proxy-authorization", 19},
    [SIP_HDR_WWW_AUTHENTICATE] = {"www-authenticate", 16},
    [SIP_HDR_PROXY_AUTHENTICATE] = {"proxy-authenticate", 18},
    [SIP_HDR_CONTENT_LENGTH] = {"content-length", 14},
    [SIP_HDR_CONTENT_TYPE] = {"content-type", 12},
    [SIP_HDR_ALLOW] = {"allow", 5},
    [SIP_HDR_SUPPORTED] = {"supported", 9},
    [SIP_HDR_REQUIRE] = {"require", 7},
    [SIP_HDR_PROXY_REQUIRE] = {"proxy-require", 13},
    [SIP_HDR_RECORD_ROUTE] = {"record-route", 12},
    [SIP_HDR_ROUTE] = {"route", 5},
    [SIP_HDR_CONTENT_ENCODING] = {"content-encoding", 16},
    [SIP_HDR_ACCEPT] = {"accept", 6},
    [SIP_HDR_DATE] = {"date", 4},
    [SIP_HDR_SUBJECT] = {"subject", 7},
    [SIP_HDR_EVENT] = {"event", 5},
    [SIP_HDR_REFER_TO] = {"refer-to", 8},
    [SIP_HDR_REFERRED_BY] = {"referred-by", 11},
    [SIP_HDR_ALLOW_EVENTS] = {"allow-events", 12},
    [SIP_HDR_SESSION_EXPIRES] = {"session-expires", 15},
    [SIP_HDR_ACCEPT_CONTACT] = {"accept-contact", 14},
    [SIP_HDR_REJECT_CONTACT] = {"reject-contact", 14},
    [SIP_HDR_REQUEST_DISPOSITION] = {"request-disposition", 19},
    [SIP_HDR_IDENTITY] = {"identity", 8},
    [SIP_HDR_IDENTITY_INFO] = {"identity-info", 13},
};

/* Unaligned loads of the bytes at p (memcpy: no aliasing, no alignment). */
static inline uint64_t load64(const char *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline uint32_t load32(const char *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* k if name equals its canonical name case-insensitively, else OTHER.
 * Lower-case letters of the literal have bit 0x40 set, '-' does not: the
 * input byte is folded (| 0x20) only where the literal has a letter, so a
 * CR (0x0D | 0x20 == '-') cannot pass for '-'. The test runs on 4 or 8
 * bytes at once: the fold bit of a byte (0x40 >> 1) stays in that byte. */
static sip_hdr_kind kind_if(const char *p, size_t n, sip_hdr_kind k)
{
    const char *lit = hdr_lower[k].name;
    if (n != hdr_lower[k].len)
        return SIP_HDR_OTHER;
    if (n >= 8) {
        /* Eight bytes at a time (the name is n bytes of the buffer, the
         * literal n bytes plus its NUL): the first eight, the next eight,
         * the last eight (names are at most 19 bytes, so these cover it). */
        const uint64_t fold = 0x4040404040404040u;
        uint64_t l0 = load64(lit), l2 = load64(lit + n - 8);
        if ((load64(p) | ((l0 & fold) >> 1)) != l0 || (load64(p + n - 8) | ((l2 & fold) >> 1)) != l2)
            return SIP_HDR_OTHER;
        if (n > 16) {
            uint64_t l1 = load64(lit + 8);
            if ((load64(p + 8) | ((l1 & fold) >> 1)) != l1)
                return SIP_HDR_OTHER;
        }
        return k;
    }
    if (n >= 4) {
        const uint32_t fold = 0x40404040u;
        uint32_t l0 = load32(lit), l1 = load32(lit + n - 4);
        if ((load32(p) | ((l0 & fold) >> 1)) != l0 || (load32(p + n - 4) | ((l1 & fold) >> 1)) != l1)
            return SIP_HDR_OTHER;
        return k;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char l = (unsigned char)lit[i];
        if (((unsigned char)p[i] | ((l & 0x40) >> 1)) != l)
            return SIP_HDR_OTHER;
    }
    return k;
}

/* A switch on the length, then on the first letter, leaves at most one
 * candidate to compare: no table walk, no strncasecmp per header. */
sip_hdr_kind sip_hdr_kind_from(sip_str name)
{
    const char *p = name.p;
    size_t n = name.len;
    if (p == NULL || n == 0)
        return SIP_HDR_OTHER;
    unsigned char c = (unsigned char)(*p | 0x20);

    if (n == 1) {
        /* Compact forms, RFC 3261 7.3.3 and the IANA SIP header registry. */
        switch (c) {
        case 'v': return SIP_HDR_VIA;
        case 'f': return SIP_HDR_FROM;
        case 't': return SIP_HDR_TO;
        case 'i': return SIP_HDR_CALL_ID;
        case 'm': return SIP_HDR_CONTACT;
        case 'l': return SIP_HDR_CONTENT_LENGTH;
        case 'c': return SIP_HDR_CONTENT_TYPE;
        case 'k': return SIP_HDR_SUPPORTED;
        case 's': return SIP_HDR_SUBJECT;
        case 'e': return SIP_HDR_CONTENT_ENCODING;
        case 'o': return SIP_HDR_EVENT;
        case 'r': return SIP_HDR_REFER_TO;
        case 'b': return SIP_HDR_REFERRED_BY;
        case 'u': return SIP_HDR_ALLOW_EVENTS;
        case 'x': return SIP_HDR_SESSION_EXPIRES;
        case 'a': return SIP_HDR_ACCEPT_CONTACT;
        case 'j': return SIP_HDR_REJECT_CONTACT;
        case 'd': return SIP_HDR_REQUEST_DISPOSITION;
        case 'y': return SIP_HDR_IDENTITY;
        case 'n': return SIP_HDR_IDENTITY_INFO;
        }
        return SIP_HDR_OTHER;
    }

    switch (n) {
    case 2:
        return c == 't' ? kind_if(p, n, SIP_HDR_TO) : SIP_HDR_OTHER;
    case 3:
        return c == 'v' ? kind_if(p, n, SIP_HDR_VIA) : SIP_HDR_OTHER;
    case 4:
        switch (c) {
        case 'f': return kind_if(p, n, SIP_HDR_FROM);
        case 'c': return kind_if(p, n, SIP_HDR_CSEQ);
        case 'd': return kind_if(p, n, SIP_HDR_DATE);
        }
        return SIP_HDR_OTHER;
    case 5:
        switch (c) {
        case 'r': return kind_if(p, n, SIP_HDR_ROUTE);
        case 'a': return kind_if(p, n, SIP_HDR_ALLOW);
        case 'e': return kind_if(p, n, SIP_HDR_EVENT);
        }
        return SIP_HDR_OTHER;
    case 6:
        switch (c) {
        case 'a': return kind_if(p, n, SIP_HDR_ACCEPT);
        case 's': return kind_if(p, n, SIP_HDR_SERVER);
        }
        return SIP_HDR_OTHER;
    case 7:
        switch (c) {
        case 'c': /* Call-ID or Contact */
            return (p[1] | 0x20) == 'a' ? kind_if(p, n, SIP_HDR_CALL_ID)
                                        : kind_if(p, n, SIP_HDR_CONTACT);
        case 'e': return kind_if(p, n, SIP_HDR_EXPIRES);
        case 'r': return kind_if(p, n, SIP_HDR_REQUIRE);
        case 's': return kind_if(p, n, SIP_HDR_SUBJECT);
        }
        return SIP_HDR_OTHER;
    case 8:
        switch (c) {
        case 'i': return kind_if(p, n, SIP_HDR_IDENTITY);
        case 'r': return kind_if(p, n, SIP_HDR_REFER_TO);
        }
        return SIP_HDR_OTHER;
    case 9:
        return c == 's' ? kind_if(p, n, SIP_HDR_SUPPORTED) : SIP_HDR_OTHER;
    case 10:
        return c == 'u' ? kind_if(p, n, SIP_HDR_USER_AGENT) : SIP_HDR_OTHER;
    case 11:
        return c == 'r' ? kind_if(p, n, SIP_HDR_REFERRED_BY) : SIP_HDR_OTHER;
    case 12:
        switch (c) {
        case 'm': return kind_if(p, n, SIP_HDR_MAX_FORWARDS);
        case 'c': return kind_if(p, n, SIP_HDR_CONTENT_TYPE);
        case 'r': return kind_if(p, n, SIP_HDR_RECORD_ROUTE);
        case 'a': return kind_if(p, n, SIP_HDR_ALLOW_EVENTS);
        }
        return SIP_HDR_OTHER;
    case 13:
        switch (c) {
        case 'a': return kind_if(p, n, SIP_HDR_AUTHORIZATION);
        case 'p': return kind_if(p, n, SIP_HDR_PROXY_REQUIRE);
        case 'i': return kind_if(p, n, SIP_HDR_IDENTITY_INFO);
        }
        return SIP_HDR_OTHER;
    case 14:
        switch (c) {
        case 'c': return kind_if(p, n, SIP_HDR_CONTENT_LENGTH);
        case 'a': return kind_if(p, n, SIP_HDR_ACCEPT_CONTACT);
        case 'r': return kind_if(p, n, SIP_HDR_REJECT_CONTACT);
        }
        return SIP_HDR_OTHER;
    case 15:
        return c == 's' ? kind_if(p, n, SIP_HDR_SESSION_EXPIRES) : SIP_HDR_OTHER;
    case 16:
        switch (c) {
        case 'w': return kind_if(p, n, SIP_HDR_WWW_AUTHENTICATE);
        case 'c': return kind_if(p, n, SIP_HDR_CONTENT_ENCODING);
        }
        return SIP_HDR_OTHER;
    case 18:
        return c == 'p' ? kind_if(p, n, SIP_HDR_PROXY_AUTHENTICATE) : SIP_HDR_OTHER;
    case 19:
        switch (c) {
        case 'p': return kind_if(p, n, SIP_HDR_PROXY_AUTHORIZATION);
        case 'r': return kind_if(p, n, SIP_HDR_REQUEST_DISPOSITION);
        }
        return SIP_HDR_OTHER;
    }
    return SIP_HDR_OTHER;
}

/* via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport,
 * with LWS allowed around each SLASH and COLON (RFC 4475 wsinv). */
int sip_via_parse(const char *p, size_t len, sip_via *via, const char **err)
{
    const char *err_sink;
    if (err == NULL)
        err = &err_sink; /* callers may not want the reason */
    const char *end = p ? p + len : p, *s, *q;

    sip_zero(via, sizeof *via);
    if (p == NULL)
        FAIL("empty Via");
    p = sip_skip_lws(p, end);
    end = sip_trim_back(p, end);
    via->raw = (sip_str){p, (size_t)(end - p)};
    if (p == end)
        FAIL("empty Via");

    s = p;
    if (end - p > 8 && memcmp(p, "SIP/2.0/", 8) == 0) {
        /* What nearly every Via starts with, in one compare. */
        via->protocol = (sip_str){p, 7};
        p += 8;
    } else {
        p = sip_span(p, end, SIP_C_TOKEN);
        if (p == s)
            FAIL("Via: bad protocol name");
        p = sip_skip_lws(p, end);
        if (p == end || *p != '/')
            FAIL("Via: expected '/'");
        p = sip_skip_lws(p + 1, end);
        q = p;
        p = sip_span(p, end, SIP_C_TOKEN);
        if (p == q)
            FAIL("Via: bad protocol version");
        via->protocol = (sip_str){s, (size_t)(p - s)};
        p = sip_skip_lws(p, end);
        if (p == end || *p != '/')
            FAIL("Via: expected '/'");
        p = sip_skip_lws(p + 1, end);
    }
    s = p;
    p = sip_span(p, end, SIP_C_TOKEN);
    if (p == s)
        FAIL("Via: bad transport");
    via->transport = (sip_str){s, (size_t)(p - s)};

    q = sip_skip_lws(p, end);
    if (q == p)
        FAIL("Via: expected white space before sent-by");
    p = sip_host_scan(q, end, &via->host, &via->host_kind, err);
    if (p == NULL)
        return -1;
    q = sip_skip_lws(p, end);
    if (q < end && *q == ':') {
        q = sip_skip_lws(q + 1, end);
        s = q;
        q = sip_span(q, end, SIP_C_DIGIT);
        if (!sip_port_parse(s, q, &via->port))
            FAIL("Via: bad port");
        via->port_str = (sip_str){s, (size_t)(q - s)};
        q = sip_skip_lws(q, end);
    }
    if (q == end)
        return 0;
    if (*q != ';')
        FAIL("Via: unexpected text after sent-by");

    sip_param_it it;
    sip_str name, value;
    int r;
    q = sip_skip_lws(q + 1, end);
    via->params = (sip_str){q, (size_t)(end - q)};
    sip_param_it_init(&it, q, end);
    it.need = true; /* after a ';' */
    while ((r = sip_param_next(&it, &name, &value)) == 1) {
        sip_str *dst = NULL;
        switch (name.len) { /* the length picks the one candidate */
        case 6: dst = SIP_IEQ(name.p, 6, "branch") ? &via->branch : NULL; break;
        case 8: dst = SIP_IEQ(name.p, 8, "received") ? &via->received : NULL; break;
        case 5: dst = SIP_IEQ(name.p, 5, "rport") ? &via->rport : NULL; break;
        }
        if (dst && dst->p == NULL)
            *dst = value.p ? value : (sip_str){name.p + name.len, 0};
    }
    if (r != 0)
        FAIL("Via: bad parameter");
    return 0;
}

/* [p, p+n) equals lit, a lower-case literal of n (2..9) letters, in any
 * case: bytes | 0x20 compared 2, 4 or 8 at a time (for letters that is
 * exact: only 'X' and 'x' become 'x'). Reads p[0, n) only. */
static inline bool letters_ieq(const char *p, size_t n, const char *lit)
{
    if (n >= 8)
        return (load64(p) | 0x2020202020202020u) == load64(lit) &&
               (load64(p + n - 8) | 0x2020202020202020u) == load64(lit + n - 8);
    if (n >= 4)
        return (load32(p) | 0x20202020u) == load32(lit) &&
               (load32(p + n - 4) | 0x20202020u) == load32(lit + n - 4);
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)p[i] | 0x20) != (unsigned char)lit[i])
            return false;
    return true;
}

/* Known Digest parameters, in the order of the SIP_DIGEST_Q_* bits. */
static sip_str *digest_field(sip_digest *d, const char *p, size_t n, unsigned *bit)
{
    static const struct { const char *name; size_t len, off; } known[] = {
        {"username", 8, offsetof(sip_digest, username)},
        {"realm", 5, offsetof(sip_digest, realm)},
        {"nonce", 5, offsetof(sip_digest, nonce)},
        {"uri", 3, offsetof(sip_digest, uri)},
        {"response", 8, offsetof(sip_digest, response)},
        {"algorithm", 9, offsetof(sip_digest, algorithm)},
        {"cnonce", 6, offsetof(sip_digest, cnonce)},
        {"opaque", 6, offsetof(sip_digest, opaque)},
        {"qop", 3, offsetof(sip_digest, qop)},
        {"nc", 2, offsetof(sip_digest, nc)},
        {"stale", 5, offsetof(sip_digest, stale)},
        {"domain", 6, offsetof(sip_digest, domain)},
    };
    /* First letter + length pick the candidate (all twelve differ). */
    unsigned i;
    switch (*p | 0x20) {
    case 'u': i = n == 8 ? 0 : 3; break;
    case 'r': i = n == 5 ? 1 : 4; break;
    case 'n': i = n == 5 ? 2 : 9; break;
    case 'a': i = 5; break;
    case 'c': i = 6; break;
    case 'o': i = 7; break;
    case 'q': i = 8; break;
    case 's': i = 10; break;
    case 'd': i = 11; break;
    default: return NULL;
    }
    if (n != known[i].len || !letters_ieq(p, n, known[i].name))
        return NULL;
    *bit = 1u << i;
    return (sip_str *)((char *)d + known[i].off);
}

/* credentials / challenge = auth-scheme LWS auth-param *(COMMA auth-param),
 * auth-param = token EQUAL ( token / quoted-string ) (RFC 3261 25.1). An
 * unquoted value is taken up to ',' or white space: sloppy tools send
 * unquoted values that are not tokens. */
int sip_digest_parse(const char *p, size_t len, sip_digest *d, const char **err)
{
    sip_zero(d, sizeof *d);
    return sip_digest_parse_zeroed(p, len, d, err);
}

int sip_digest_parse_zeroed(const char *p, size_t len, sip_digest *d, const char **err)
{
    const char *err_sink;
    if (err == NULL)
        err = &err_sink; /* callers may not want the reason */
    const char *end = p ? p + len : p, *s;

    if (p == NULL)
        FAIL("empty credentials");
    p = sip_skip_lws(p, end);
    end = sip_trim_back(p, end);
    d->raw = (sip_str){p, (size_t)(end - p)};
    s = p;
    p = sip_span(p, end, SIP_C_TOKEN);
    if (p == s)
        FAIL("missing auth scheme");
    d->scheme = (sip_str){s, (size_t)(p - s)};
    if (p < end && sip_skip_lws(p, end) == p)
        FAIL("auth scheme not followed by white space");
    p = sip_skip_lws(p, end);
    d->params = (sip_str){p, (size_t)(end - p)};

    bool digest = SIP_IEQ(d->scheme.p, d->scheme.len, "Digest");
    const char *why = NULL;
    while (p < end) {
        sip_str name, value;
        bool quoted = false;
        s = p;
        p = sip_span(p, end, SIP_C_TOKEN);
        if (p == s) { why = "bad auth parameter name"; break; }
        name = (sip_str){s, (size_t)(p - s)};
        p = sip_skip_lws(p, end);
        if (p == end || *p != '=') { why = "auth parameter without '='"; break; }
        p = sip_skip_lws(p + 1, end);
        if (p < end && *p == '"') {
            const char *close = sip_skip_quoted(p, end);
            if (close == NULL) { why = "unterminated quoted auth parameter"; break; }
            value = (sip_str){p + 1, (size_t)(close - p - 2)};
            quoted = true;
            p = close;
        } else {
            s = p;
            p = sip_span(p, end, SIP_C_AVAL);
            value = (sip_str){s, (size_t)(p - s)};
        }
        d->n_params++;
        unsigned bit = 0;
        sip_str *f = digest_field(d, name.p, name.len, &bit);
        if (f != NULL) {
            if (f->p != NULL) {
                d->duplicate = true;
            } else {
                *f = value;
                if (quoted)
                    d->quoted |= bit;
            }
        }
        p = sip_skip_lws(p, end);
        if (p == end)
            break;
        if (*p != ',') { why = "expected ',' between auth parameters"; break; }
        p = sip_skip_lws(p + 1, end);
        if (p == end) { why = "trailing ',' in credentials"; break; }
    }
    if (why != NULL) {
        if (digest)
            FAIL(why);
        /* Another scheme may use a token68 form (Basic): keep it opaque. */
        sip_str scheme = d->scheme, raw = d->raw, params = d->params;
        sip_zero(d, sizeof *d);
        d->scheme = scheme;
        d->raw = raw;
        d->params = params;
    }
    return 0;
}
