/*
 * uri.c - SIP/SIPS/TEL URIs (RFC 3261 19.1, 25.1; RFC 3966), hosts,
 * parameters and name-addr values (From, To, Contact; RFC 3261 20.10).
 *
 * Everything is a view into the caller's bytes; escapes stay escaped
 * (sip_str_unescape decodes on demand, RFC 4475 escnull shows why: %00).
 */
#include <arpa/inet.h>
#include <string.h>

#include "sip/sip_internal.h"

#define FAIL(msg) do { if (err) *err = (msg); return -1; } while (0)
#define FAILP(msg) do { *err = (msg); return NULL; } while (0)

enum {
    SIP_MAX_IPV6_TEXT = 45,   /* longest IPv6 text form (with IPv4 tail) */
};

/* Scans [p, end) over bytes of class cls and '%' HEX HEX escapes; returns
 * where it stopped. *bad is set when a '%' is not followed by two hex
 * digits (RFC 3261 25.1 escaped). */
static const char *scan_escaped(const char *p, const char *end, unsigned cls, bool *bad)
{
    for (;;) {
        p = sip_span(p, end, cls);
        if (p == end || *p != '%')
            return p;
        if (end - p < 3 || !sip_is(p[1], SIP_C_HEX) || !sip_is(p[2], SIP_C_HEX)) {
            *bad = true;
            return p;
        }
        p += 3;
    }
}

/* ';'-separated URI parameters or '&'-separated headers: every element
 * non-empty (RFC 3261 25.1: uri-parameter and header are 1*char). */
static bool no_empty_element(const char *p, const char *end, char sep)
{
    if (p == end)
        return false;
    if (*p == sep || end[-1] == sep)
        return false;
    for (const char *q = p; q + 1 < end; q++)
        if (q[0] == sep && q[1] == sep)
            return false;
    return true;
}

bool sip_port_parse(const char *p, const char *end, uint16_t *port)
{
    uint32_t v = 0;
    if (p >= end)
        return false;
    for (; p < end; p++) { /* leading zeros allowed, as in sip_parse_uint */
        unsigned d = (unsigned char)*p - '0';
        if (d > 9 || (v = v * 10 + d) > 65535)
            return false;
    }
    *port = (uint16_t)v;
    return true;
}

/* The dotted quad at p (1-3 digits per part, each <= 255), or NULL:
 * the end of the quad; what follows is the caller's to check. */
static inline const char *ipv4_scan(const char *p, const char *end)
{
    for (int part = 0; part < 4; part++) {
        unsigned v, d;
        if (p == end || (v = (unsigned char)*p - '0') > 9)
            return NULL;
        p++;
        if (p < end && (d = (unsigned char)*p - '0') <= 9) {
            v = v * 10 + d;
            p++;
            if (p < end && (d = (unsigned char)*p - '0') <= 9) {
                v = v * 10 + d;
                p++;
            }
        }
        if (v > 255)
            return NULL;
        if (part < 3) {
            if (p == end || *p != '.')
                return NULL;
            p++;
        }
    }
    return p;
}

const char *sip_host_scan(const char *p, const char *end, sip_str *host,
                          sip_host_kind *kind, const char **err)
{
    if (p < end && *p == '[') {
        /* IPv6reference = "[" IPv6address "]" (RFC 3261 25.1). */
        const char *close = sip_find(p, end, ']');
        size_t n;
        char tmp[SIP_MAX_IPV6_TEXT + 1];
        struct in6_addr a;
        if (close == NULL) {
            *err = "unterminated IPv6 reference";
            return NULL;
        }
        n = (size_t)(close - p - 1);
        if (n < 2 || n > SIP_MAX_IPV6_TEXT) {
            *err = "bad IPv6 address";
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            char c = p[1 + i];
            if (!sip_is(c, SIP_C_HEX) && c != ':' && c != '.') {
                *err = "bad IPv6 address";
                return NULL;
            }
        }
        memcpy(tmp, p + 1, n); /* inet_pton needs a NUL-terminated copy */
        tmp[n] = '\0';
        if (inet_pton(AF_INET6, tmp, &a) != 1) {
            *err = "bad IPv6 address";
            return NULL;
        }
        *host = (sip_str){p + 1, n};
        *kind = SIP_HOST_IPV6;
        return close + 1;
    }

    if (p < end && sip_is(*p, SIP_C_DIGIT)) {
        /* Fast path: a whole dotted quad, checked in the one scan. */
        const char *q = ipv4_scan(p, end);
        if (q != NULL && (q == end || !sip_is(*q, SIP_C_HOST))) {
            *host = (sip_str){p, (size_t)(q - p)};
            *kind = SIP_HOST_IPV4;
            return q;
        }
    }

    const char *s = sip_span(sip_skip_alnum16(p, end), end, SIP_C_HOST);
    unsigned all = 0, dots = 0;
    if (s > p && sip_is(*p, SIP_C_IPV4)) { /* a name starting with a letter is no IPv4 */
        all = SIP_C_IPV4;
        for (const char *c = p; c < s; c++) {
            all &= sip_cc[(unsigned char)*c]; /* stays SIP_C_IPV4 while digits and dots */
            dots += *c == '.';
        }
    }
    if (s == p) {
        *err = "missing host";
        return NULL;
    }
    *host = (sip_str){p, (size_t)(s - p)};
    if (all != 0 && dots == 3) {
        /* Looks like an IPv4 address but the fast path above refused it
         * (a part > 255 or of 4 digits, an empty part): a host name's top
         * label cannot be numeric (RFC 3261 25.1), so it is no host. */
        *err = "bad IPv4 address";
        return NULL;
    }
    *kind = SIP_HOST_NAME;
    return s;
}

/* sip: and sips: after the colon (RFC 3261 19.1.1, 25.1):
 *   [ user [ ":" password ] "@" ] host [ ":" port ] *( ";" param ) [ "?" headers ]
 * One forward scan per part, no search ahead: the user characters are
 * scanned first; only if they end at '@' (or at ':' + password + '@') was
 * that the userinfo, else the same bytes are the host. */
static const char *parse_sip(const char *p, const char *end, sip_uri *uri, const char **err)
{
    bool bad = false;
    const char *q = scan_escaped(p, end, SIP_C_USER, &bad), *at = NULL, *pw = NULL;

    if (!bad && q < end && *q == '@') {
        at = q;
    } else if (!bad && q < end && *q == ':') {
        const char *r = scan_escaped(q + 1, end, SIP_C_PASS, &bad);
        if (!bad && r < end && *r == '@') {
            at = r;
            pw = q + 1;
        }
    }
    if (at != NULL) {
        const char *uend = pw ? pw - 1 : at;
        const char *semi = sip_find(p, uend, ';');
        if ((semi ? semi : uend) == p)
            FAILP("empty URI user part");
        uri->user = (sip_str){p, (size_t)((semi ? semi : uend) - p)};
        if (semi)
            uri->user_params = (sip_str){semi + 1, (size_t)(uend - semi - 1)};
        if (pw)
            uri->password = (sip_str){pw, (size_t)(at - pw)};
        p = at + 1;
    }

    p = sip_host_scan(p, end, &uri->host, &uri->host_kind, err);
    if (p == NULL)
        return NULL;

    if (p < end && *p == ':') {
        const char *s = ++p;
        p = sip_span(p, end, SIP_C_DIGIT);
        if (!sip_port_parse(s, p, &uri->port))
            FAILP("bad URI port");
        uri->port_str = (sip_str){s, (size_t)(p - s)};
    }
    if (p < end && *p == ';') {
        const char *s = ++p;
        p = scan_escaped(p, end, SIP_C_PCHAR, &bad);
        if (bad || !no_empty_element(s, p, ';'))
            FAILP("bad URI parameter");
        uri->params = (sip_str){s, (size_t)(p - s)};
    }
    if (p < end && *p == '?') {
        const char *s = ++p;
        p = scan_escaped(p, end, SIP_C_HCHAR, &bad);
        if (bad || !no_empty_element(s, p, '&'))
            FAILP("bad URI header");
        uri->headers = (sip_str){s, (size_t)(p - s)};
    }
    return p; /* the caller decides whether what follows may follow */
}

/* tel: (RFC 3966): the number up to ';' and its parameters. Validated
 * loosely (printable, no white space): attack tools send local numbers. */
static const char *parse_tel(const char *p, const char *end, sip_uri *uri, const char **err)
{
    const char *stop = p, *semi;
    stop = sip_span(stop, end, SIP_C_URIC);
    semi = sip_find(p, stop, ';');
    if ((semi ? semi : stop) == p)
        FAILP("empty tel number");
    uri->user = (sip_str){p, (size_t)((semi ? semi : stop) - p)};
    if (semi) {
        if (!no_empty_element(semi + 1, stop, ';'))
            FAILP("bad tel parameter");
        uri->user_params = (sip_str){semi + 1, (size_t)(stop - semi - 1)};
    }
    return stop;
}

/* Parses the URI at the start of [p, end) into *uri, which the caller has
 * zeroed (all but raw). Returns where it stops, NULL on error. */
static const char *uri_scan(const char *p, const char *end, sip_uri *uri, const char **err)
{
    const char *s = p;

    if (p == end)
        FAILP("empty URI");
    if (end - p > 4 && (p[0] | 0x20) == 's' && (p[1] | 0x20) == 'i' && (p[2] | 0x20) == 'p' && p[3] == ':') {
        /* "sip:" in any case: what nearly every URI starts with. */
        uri->scheme_str = (sip_str){p, 3};
        uri->scheme = SIP_SCHEME_SIP;
        return parse_sip(p + 4, end, uri, err);
    }
    /* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) */
    if (!((*s | 0x20) >= 'a' && (*s | 0x20) <= 'z'))
        FAILP("URI has no scheme");
    s = sip_span(s, end, SIP_C_SCHEME);
    if (s == end || *s != ':')
        FAILP("URI has no scheme");
    uri->scheme_str = (sip_str){p, (size_t)(s - p)};
    if (SIP_IEQ(p, (size_t)(s - p), "sip"))
        uri->scheme = SIP_SCHEME_SIP;
    else if (SIP_IEQ(p, (size_t)(s - p), "sips"))
        uri->scheme = SIP_SCHEME_SIPS;
    else if (SIP_IEQ(p, (size_t)(s - p), "tel"))
        uri->scheme = SIP_SCHEME_TEL;
    else
        uri->scheme = SIP_SCHEME_OTHER;
    s++;

    switch (uri->scheme) {
    case SIP_SCHEME_SIP:
    case SIP_SCHEME_SIPS:
        return parse_sip(s, end, uri, err);
    case SIP_SCHEME_TEL:
        return parse_tel(s, end, uri, err);
    case SIP_SCHEME_OTHER:
        break;
    }
    /* absoluteURI: kept opaque (RFC 4475 unkscm, novelsc, unksm2). */
    p = s;
    s = sip_span(s, end, SIP_C_URIC);
    if (s == p)
        FAILP("empty URI after scheme");
    uri->opaque = (sip_str){p, (size_t)(s - p)};
    return s;
}

int sip_uri_parse_zeroed(const char *p, size_t len, sip_uri *uri, const char **err)
{
    const char *err_sink, *end = p ? p + len : p, *stop;
    if (err == NULL)
        err = &err_sink; /* callers may not want the reason */
    uri->raw = (sip_str){p, p ? len : 0};
    if (p == NULL)
        FAIL("empty URI");
    stop = uri_scan(p, end, uri, err);
    if (stop == NULL)
        return -1;
    if (stop != end)
        FAIL("unexpected character in URI");
    return 0;
}

int sip_uri_parse(const char *p, size_t len, sip_uri *uri, const char **err)
{
    sip_zero(uri, sizeof *uri);
    return sip_uri_parse_zeroed(p, len, uri, err);
}

int sip_param_next(sip_param_it *it, sip_str *name, sip_str *value)
{
    const char *p = sip_skip_lws(it->p, it->end), *end = it->end, *s;

    if (p == end) {
        it->p = p;
        return it->need ? -1 : 0; /* a ';' must be followed by a parameter */
    }
    s = p;
    p = sip_span(p, end, SIP_C_TOKEN);
    if (p == s)
        return -1;
    *name = (sip_str){s, (size_t)(p - s)};
    *value = SIP_STR_NULL;
    p = sip_skip_lws(p, end);
    if (p < end && *p == '=') {
        p = sip_skip_lws(p + 1, end);
        s = p;
        if (p < end && *p == '"') {
            p = sip_skip_quoted(p, end);
            if (p == NULL)
                return -1;
        } else {
            p = sip_span(sip_skip_alnum16(p, end), end, SIP_C_GVAL); /* token or host */
        }
        if (p == s)
            return -1;
        *value = (sip_str){s, (size_t)(p - s)};
        p = sip_skip_lws(p, end);
    }
    if (p < end) {
        if (*p != ';')
            return -1;
        p++;
        it->need = true;
    } else {
        it->need = false;
    }
    it->p = p;
    return 1;
}

/* Lenient on purpose: it is used on URI parameters too, whose values may
 * hold characters a header parameter may not (':' '/' '%' ...). */
bool sip_param_find(sip_str params, const char *name, sip_str *value)
{
    size_t nlen = strlen(name); /* our literal */
    const char *p = params.p, *end = params.p ? params.p + params.len : NULL;

    while (p < end) {
        const char *e, *eq, *nend;
        p = sip_skip_lws(p, end);
        e = p;
        while (e < end && *e != ';') {
            if (*e == '"') {
                e = sip_skip_quoted(e, end);
                if (e == NULL)
                    e = end;
            } else {
                e++;
            }
        }
        eq = sip_find(p, e, '=');
        nend = sip_trim_back(p, eq ? eq : e);
        if (sip_ieq_lit(p, (size_t)(nend - p), name, nlen)) {
            if (value) {
                if (eq) {
                    const char *v = sip_skip_lws(eq + 1, e);
                    *value = (sip_str){v, (size_t)(sip_trim_back(v, e) - v)};
                } else {
                    *value = SIP_STR_NULL;
                }
            }
            return true;
        }
        p = e < end ? e + 1 : end;
    }
    return false;
}

/* Header parameters of a name-addr: validated strictly, tag and expires
 * picked up on the way. */
static int nameaddr_params(const char *p, const char *end, sip_nameaddr *na)
{
    sip_param_it it;
    sip_str name, value;
    int r;

    na->params = (sip_str){p, (size_t)(end - p)};
    sip_param_it_init(&it, p, end);
    it.need = true; /* the caller consumed a ';' */
    while ((r = sip_param_next(&it, &name, &value)) == 1) {
        if (SIP_IEQ(name.p, name.len, "tag")) {
            if (na->tag.p == NULL)
                na->tag = value.p ? value : (sip_str){name.p + name.len, 0};
        } else if (SIP_IEQ(name.p, name.len, "expires")) {
            if (na->expires.p == NULL)
                na->expires = value.p ? value : (sip_str){name.p + name.len, 0};
        }
    }
    return r;
}

int sip_nameaddr_parse(const char *p, size_t len, sip_nameaddr *na, const char **err)
{
    sip_zero(na, sizeof *na);
    return sip_nameaddr_parse_zeroed(p, len, na, err);
}

int sip_nameaddr_parse_zeroed(const char *p, size_t len, sip_nameaddr *na, const char **err)
{
    const char *err_sink;
    if (err == NULL)
        err = &err_sink; /* callers may not want the reason */
    const char *end = p ? p + len : p, *q = NULL, *rest;
    const char *dummy_err;

    if (p == NULL)
        FAIL("empty address");
    p = sip_skip_lws(p, end);
    end = sip_trim_back(p, end);
    na->raw = (sip_str){p, (size_t)(end - p)};
    if (p == end)
        FAIL("empty address");

    if (*p == '*' && end - p == 1) { /* Contact: * (RFC 3261 10.2.2) */
        na->star = true;
        return 0;
    }

    if (*p == '"') {
        const char *close = sip_skip_quoted(p, end);
        if (close == NULL)
            FAIL("unterminated quoted display name"); /* RFC 4475 quotbal */
        na->display = (sip_str){p + 1, (size_t)(close - p - 2)};
        na->display_quoted = true;
        q = sip_skip_lws(close, end);
        if (q == end || *q != '<')
            FAIL("display name not followed by '<'");
    } else {
        /* display-name = *(token LWS): tokens and white space up to '<'.
         * No LWS is needed before '<' (RFC 4475 lwsdisp). Anything else
         * means there is no display name: an addr-spec. */
        const char *s = p;
        while (s < end) {
            const char *t = sip_skip_lws(s, end);
            if (t != s) {
                s = t;
                continue;
            }
            if (!sip_is(*s, SIP_C_TOKEN))
                break;
            s++;
        }
        if (s < end && *s == '<') {
            const char *dend = sip_trim_back(p, s);
            if (dend > p)
                na->display = (sip_str){p, (size_t)(dend - p)};
            q = s;
        }
    }

    if (q != NULL) {
        /* name-addr = [ display-name ] LAQUOT addr-spec RAQUOT: the URI
         * parser stops at the '>' (no URI byte is one), so the value is
         * scanned once; '>' is searched only if the URI did not parse. */
        const char *u = q + 1, *stop = uri_scan(u, end, &na->uri, &dummy_err);
        const char *gt = stop != NULL && stop < end && *stop == '>' ? stop : sip_find(u, end, '>');
        if (gt == NULL)
            FAIL("missing '>'");
        na->uri_raw = (sip_str){u, (size_t)(gt - u)};
        na->uri.raw = na->uri_raw;
        na->uri_ok = stop == gt;
        rest = gt + 1;
    } else {
        /* addr-spec without <>: every ';' parameter after the host is a
         * header parameter (RFC 3261 20.10), so the URI ends at the first
         * ';' after the userinfo (whose user part may hold ';', RFC 4475
         * semiuri). '@' is looked for only before any quote. */
        const char *stop = uri_scan(p, end, &na->uri, &dummy_err), *uend;
        if (stop != NULL && (stop == end || sip_skip_lws(stop, end) == end || *sip_skip_lws(stop, end) == ';')) {
            /* Fast path: the URI parsed in one scan; what it took as URI
             * parameters are the header's (tag=...), it ends before them. */
            uend = stop;
            if (na->uri.params.p != NULL) {
                uend = na->uri.params.p - 1;
                na->uri.params = SIP_STR_NULL;
                if (na->uri.headers.p != NULL)
                    FAIL("bad header parameter"); /* "?" among header params */
            }
            na->uri_raw = (sip_str){p, (size_t)(uend - p)};
            na->uri.raw = na->uri_raw;
            na->uri_ok = true;
            if (na->uri.headers.p != NULL)
                FAIL("URI with headers must be enclosed in <>"); /* RFC 4475 regbadct */
            rest = uend;
            goto params;
        }
        /* The URI did not parse: find its end as the grammar does. */
        sip_zero(&na->uri, sizeof na->uri);
        const char *quote = sip_find(p, end, '"');
        const char *at = sip_find(p, quote ? quote : end, '@');
        const char *semi = sip_find(at ? at : p, end, ';');
        uend = sip_trim_back(p, semi ? semi : end);
        na->uri_raw = (sip_str){p, (size_t)(uend - p)};
        na->uri.raw = na->uri_raw;
        na->uri_ok = uri_scan(p, uend, &na->uri, &dummy_err) == uend;
        for (const char *c = p; c < uend; c++) {
            if (sip_is(*c, SIP_C_ADDR))
                continue;
            /* RFC 3261 20: a URI with '?' (or ',' ';') must be in <>;
             * RFC 4475 regbadct. The URI itself was parsed above. */
            if (*c == '?')
                FAIL("URI with headers must be enclosed in <>");
            FAIL("bad character in address");
        }
        rest = semi ? semi : end;
    }

params:
    rest = sip_skip_lws(rest, end);
    if (rest == end)
        return 0;
    if (*rest != ';')
        FAIL("unexpected text after the address");
    rest = sip_skip_lws(rest + 1, end);
    if (nameaddr_params(rest, end, na) != 0)
        FAIL("bad header parameter");
    return 0;
}
