/*
 * parse.c - SIP message framing and parsing (RFC 3261 7, 18.3, 20).
 *
 * A datagram is framed in one pass: the start line and Request-URI, then
 * each header line (its end and its ':' found 16 bytes at a time with
 * SSE2), its name classified with a switch on length and first letter
 * (hdr.c), the cheap values taken and the first header of each kind
 * indexed, until the empty line. A stream first looks for the empty line
 * (resumable at last_len), then does the same. The values that need a
 * sub-parser (Via, From, To, Contact, Digest, Max-Forwards, Expires) are
 * parsed by their accessors at the end of this file, on first access (lazy
 * parsing, sip.h); sip_parse_* is the framing plus every accessor.
 * Nothing is allocated or copied; every loop advances through a bounded
 * range of the caller's buffer.
 *
 * Verdicts: framing errors (bad start line, malformed header line, bad or
 * conflicting Content-Length, limits exceeded) make the message INVALID.
 * Broken values of individual headers do not: the fields that parsed are
 * kept and the oddity is a SIP_WARN_* bit, because a honeypot wants to see
 * what sloppy attack tools send (docs/PARSER.md has the RFC 4475 table).
 */
#include <string.h>

#include "sip/sip_internal.h"

enum {
    SIP_MAX_FORWARDS_VALUE = 255,           /* RFC 3261 20.22: 0..255       */
    SIP_STATUS_MIN = 100, SIP_STATUS_MAX = 699,
};
#define SIP_MAX_DELTA_SECONDS UINT32_MAX    /* Expires: 2^32-1 (RFC 3261 25.1) */

_Static_assert(SIP_HDR_KIND_COUNT <= 64, "sip_msg.hdr_repeated has one bit per kind");

static int fail(sip_msg *m, const char *buf, const char *at, const char *why)
{
    m->error = why;
    m->error_offset = (size_t)(at - buf);
    return SIP_PARSE_INVALID;
}

/* Resets what the framing fills: the fields before headers[]. The
 * entries of headers[] are written as they are found (valid below
 * n_headers); the memoised fields after them belong to the accessors. */
static void msg_init(sip_msg *m)
{
    sip_zero(m, offsetof(sip_msg, headers));
    m->content_length = -1;
}

size_t sip_skip_keepalive(const char *buf, size_t len)
{
    size_t i = 0;
    while (i < len && (buf[i] == '\r' || buf[i] == '\n'))
        i++;
    return i;
}

/* Looks for the empty line that ends the header section, starting at from
 * (streams only: a datagram is parsed in one pass). Returns the offset just
 * past it, 0 if not found. An empty line is CRLF or a bare LF right after
 * a '\n'. */
static size_t find_header_end(const char *buf, size_t from, size_t len)
{
    const char *p = buf + from, *end = buf + len;
    while (p < end) {
        const char *nl = sip_find_lf(p, end);
        if (nl == NULL)
            break;
        const char *n = nl + 1;
        if (n < end && *n == '\n')
            return (size_t)(n + 1 - buf);
        if (end - n >= 2 && n[0] == '\r' && n[1] == '\n')
            return (size_t)(n + 2 - buf);
        p = n;
    }
    return 0;
}

/* SIP-Version = "SIP" "/" 1*DIGIT "." 1*DIGIT ("SIP" is case-insensitive,
 * RFC 3261 7.1 and 25: ABNF literals). Returns -1 if it is not one, else
 * 0; other versions than 2.0 are flagged (RFC 4475 badvers). */
static int check_version(sip_msg *m, const char *p, const char *end)
{
    const char *q = p + 4, *d;
    if (end - p == 7 && memcmp(p, "SIP/2.0", 7) == 0) {
        m->version = (sip_str){p, 7}; /* what nearly every message has */
        return 0;
    }
    if (end - p < 7 || !SIP_IEQ(p, 4, "SIP/"))
        return -1;
    d = q;
    q = sip_span(q, end, SIP_C_DIGIT);
    if (q == d || q == end || *q != '.')
        return -1;
    d = ++q;
    q = sip_span(q, end, SIP_C_DIGIT);
    if (q == d || q != end)
        return -1;
    m->version = (sip_str){p, (size_t)(end - p)};
    if (!SIP_IEQ(p, (size_t)(end - p), "SIP/2.0"))
        m->warnings |= SIP_WARN_BAD_VERSION;
    return 0;
}

/* Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (RFC 3261 7.2) */
static int parse_status_line(sip_msg *m, const char *buf, const char *s, const char *e)
{
    const char *q = s, *c, *d;
    while (q < e && *q != ' ')
        q++;
    if (check_version(m, s, q) != 0)
        return fail(m, buf, s, "bad SIP-Version");
    c = q;
    while (c < e && *c == ' ')
        c++;
    if (c - q > 1)
        m->warnings |= SIP_WARN_LIBERAL_START;
    d = c;
    while (d < e && sip_is(*d, SIP_C_DIGIT) && d - c < 4)
        d++;
    if (d - c != 3 || (d < e && *d != ' '))
        return fail(m, buf, c, "bad status code"); /* RFC 4475 bigcode */
    m->status = (unsigned)((c[0] - '0') * 100 + (c[1] - '0') * 10 + (c[2] - '0'));
    if (m->status < SIP_STATUS_MIN || m->status > SIP_STATUS_MAX)
        return fail(m, buf, c, "status code out of range");
    if (d == e) {
        /* "SIP/2.0 100" without the SP before the (empty) reason. */
        m->reason = (sip_str){d, 0};
        m->warnings |= SIP_WARN_LIBERAL_START;
    } else {
        m->reason = (sip_str){d + 1, (size_t)(e - d - 1)}; /* RFC 4475 noreason: "" */
    }
    return 0;
}

/* Request-Line = Method SP Request-URI SP SIP-Version (RFC 3261 7.1).
 * Liberal: runs of SP and trailing SP are accepted and flagged (RFC 4475
 * lwsstart, trws); the URI is everything between the method and the last
 * word, so embedded LWS makes the URI fail, not the line (lwsruri). */
static int parse_request_line(sip_msg *m, const char *buf, const char *s, const char *e)
{
    const char *te = e, *q = s, *c, *vs, *ue;
    const char *uerr;

    while (te > s && te[-1] == ' ')
        te--;
    if (te != e)
        m->warnings |= SIP_WARN_LIBERAL_START;
    q = sip_span(q, te, SIP_C_TOKEN);
    if (q == s || (q < te && *q != ' '))
        return fail(m, buf, q, "bad method in request line");
    m->method_str = (sip_str){s, (size_t)(q - s)};
    m->method = sip_method_from(m->method_str);
    c = q;
    while (c < te && *c == ' ')
        c++;
    if (c == te)
        return fail(m, buf, c, "request line has no Request-URI");
    if (c - q > 1)
        m->warnings |= SIP_WARN_LIBERAL_START;
    vs = te;
    while (vs > c && vs[-1] != ' ')
        vs--;
    if (vs == c)
        return fail(m, buf, te, "request line has no SIP-Version");
    ue = vs;
    while (ue > c && ue[-1] == ' ')
        ue--;
    if (vs - ue > 1)
        m->warnings |= SIP_WARN_LIBERAL_START;
    if (check_version(m, vs, te) != 0)
        return fail(m, buf, vs, "bad SIP-Version");
    m->ruri_raw = (sip_str){c, (size_t)(ue - c)};
    if (sip_uri_parse_zeroed(c, (size_t)(ue - c), &m->ruri, &uerr) != 0)
        m->warnings |= SIP_WARN_BAD_RURI;     /* RFC 4475 ltgtruri, lwsruri */
    else if (m->ruri.headers.p != NULL)
        m->warnings |= SIP_WARN_RURI_HEADERS; /* RFC 4475 escruri */
    return 0;
}

/* Trimmed element [p, c) of a comma-separated header value. */
static sip_str element(const char *p, const char *c)
{
    p = sip_skip_lws(p, c);
    return (sip_str){p, (size_t)(sip_trim_back(p, c) - p)};
}

static void take_vias(sip_msg *m, sip_str v)
{
    const char *p = v.p, *end = v.p + v.len, *err;
    for (;;) {
        const char *c = sip_next_comma(p, end);
        sip_str el = element(p, c);
        if (el.len == 0)
            m->warnings |= SIP_WARN_BAD_VIA;    /* RFC 4475 badinv01: ",," */
        else if (m->n_via == SIP_MAX_VIAS)
            m->warnings |= SIP_WARN_TRUNCATED;  /* RFC 4475 longreq */
        else if (sip_via_parse(el.p, el.len, &m->via[m->n_via], &err) == 0)
            m->n_via++;
        else
            m->warnings |= SIP_WARN_BAD_VIA;
        if (c == end)
            break;
        p = c + 1;
    }
}

static void take_contacts(sip_msg *m, sip_str v)
{
    const char *p = v.p, *end = v.p + v.len, *err;
    for (;;) {
        const char *c = sip_next_comma(p, end);
        sip_str el = element(p, c);
        if (el.len == 0) {
            m->warnings |= SIP_WARN_BAD_CONTACT;
        } else if (m->n_contact == SIP_MAX_CONTACTS) {
            m->warnings |= SIP_WARN_TRUNCATED;
        } else {
            sip_nameaddr *na = &m->contact[m->n_contact++];
            if (sip_nameaddr_parse(el.p, el.len, na, &err) != 0 || (!na->uri_ok && !na->star))
                m->warnings |= SIP_WARN_BAD_CONTACT;
        }
        if (c == end)
            break;
        p = c + 1;
    }
}

/* CSeq = 1*DIGIT LWS Method; the number must fit 32 bits (RFC 3261 8.1.1.5,
 * RFC 4475 scalar02). The method is kept even when the number is bad
 * ("CSeq: abc OPTIONS"), for the analysis and a 400 that echoes it. */
static void take_cseq(sip_msg *m, sip_str v)
{
    const char *s = v.p, *end = v.p + v.len, *p = s, *ms, *q;
    uint64_t n;
    if (m->cseq_raw.p != NULL) {
        m->warnings |= SIP_WARN_DUP_SINGLETON;
        return;
    }
    m->cseq_raw = v;
    while (p < end && sip_skip_lws(p, end) == p) /* the first word */
        p++;
    ms = q = sip_skip_lws(p, end);
    q = sip_span(q, end, SIP_C_TOKEN);
    if (ms > p && q > ms && q == end)
        m->cseq_method = (sip_str){ms, (size_t)(q - ms)};
    if (m->cseq_method.p != NULL && sip_parse_uint(s, p, UINT32_MAX, &n)) {
        m->cseq = (uint32_t)n;
        m->cseq_ok = true;
    } else {
        m->warnings |= SIP_WARN_BAD_CSEQ;
    }
}

static void take_str(sip_msg *m, sip_str *dst, sip_str v, bool singleton)
{
    if (dst->p == NULL)
        *dst = v;
    else if (singleton)
        m->warnings |= SIP_WARN_DUP_SINGLETON;
}

/* Content-Length decides the framing, so a bad one is fatal: negative
 * (RFC 4475 ncl), not a number, larger than a message can be, or two
 * different values (mcl01). */
static int take_content_length(sip_msg *m, const char *buf, sip_str v)
{
    uint64_t n;
    const char *p = v.p, *end = v.p + v.len;
    p = sip_span(p, end, SIP_C_DIGIT);
    if (p == v.p || p != end)
        return fail(m, buf, v.p, "bad Content-Length");
    if (!sip_parse_uint(v.p, end, SIP_MAX_MESSAGE, &n))
        return fail(m, buf, v.p, "Content-Length too large");
    if (m->content_length >= 0) {
        if ((uint64_t)m->content_length != n)
            return fail(m, buf, v.p, "conflicting Content-Length values");
        m->warnings |= SIP_WARN_DUP_SINGLETON;
    }
    m->content_length = (int64_t)n;
    return 0;
}

/* rfc1123-date = wkday "," SP date1 SP time SP "GMT" (RFC 3261 20.17),
 * e.g. "Sat, 15 Oct 2005 04:44:56 GMT": fixed width, 29 bytes. */
static bool date_ok(sip_str v)
{
    static const char wkdays[] = "MonTueWedThuFriSatSun";
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char shape[] = "www, dd mmm yyyy hh:mm:ss GMT";
    const char *p = v.p;
    bool day = false, month = false;

    if (v.len != sizeof shape - 1)
        return false;
    for (size_t i = 0; i < v.len; i++) {
        char c = shape[i];
        if (c == 'd' || c == 'y' || c == 'h' || c == 's' || (c == 'm' && i > 12)) {
            if (!sip_is(p[i], SIP_C_DIGIT))
                return false;
        } else if (c != 'w' && c != 'm' && p[i] != c) {
            return false;
        }
    }
    for (size_t i = 0; i + 3 <= sizeof wkdays - 1; i += 3)
        day |= memcmp(p, wkdays + i, 3) == 0;
    for (size_t i = 0; i + 3 <= sizeof months - 1; i += 3)
        month |= memcmp(p + 8, months + i, 3) == 0;
    return day && month;
}

static void take_date(sip_msg *m, sip_str v)
{
    if (m->date.p != NULL) {
        m->warnings |= SIP_WARN_DUP_SINGLETON;
        return;
    }
    m->date = v;
    if (!date_ok(v))
        m->warnings |= SIP_WARN_BAD_DATE;
}

/* What the framing takes of a known header h (index i in headers[]):
 * the cheap values, and for the memoised ones only the index of the first
 * (their accessors find the rest) and the singleton check. */
static int take_header(sip_msg *m, const char *buf, const sip_header *h, unsigned i)
{
    sip_str v = h->value;
    if (m->hdr_first[h->kind] == 0) {
        m->hdr_first[h->kind] = (uint8_t)(i + 1);
    } else {
        m->hdr_repeated |= 1ull << h->kind;
        if (h->kind == SIP_HDR_FROM || h->kind == SIP_HDR_TO)
            m->warnings |= SIP_WARN_DUP_SINGLETON; /* RFC 4475 multi01 */
    }
    switch (h->kind) {
    case SIP_HDR_CALL_ID:      take_str(m, &m->call_id, v, true); break;
    case SIP_HDR_CSEQ:         take_cseq(m, v); break;
    case SIP_HDR_USER_AGENT:   take_str(m, &m->user_agent, v, true); break;
    case SIP_HDR_SERVER:       take_str(m, &m->server, v, true); break;
    case SIP_HDR_CONTENT_TYPE: take_str(m, &m->content_type, v, true); break;
    case SIP_HDR_ALLOW:        take_str(m, &m->allow, v, false); break;
    case SIP_HDR_SUPPORTED:    take_str(m, &m->supported, v, false); break;
    case SIP_HDR_REQUIRE:      take_str(m, &m->require, v, false); break;
    case SIP_HDR_PROXY_REQUIRE: take_str(m, &m->proxy_require, v, false); break;
    case SIP_HDR_DATE:         take_date(m, v); break;
    case SIP_HDR_CONTENT_LENGTH: return take_content_length(m, buf, v);
    default: break;
    }
    return 0;
}

/* Parses the start line and the header lines from s up to the empty line
 * that ends them, in one pass. On return *hend is just past that empty
 * line, or NULL if there is none before end (then the lines run to end). */
static int parse_head(sip_msg *m, const char *buf, const char *s, const char *end, const char **hend)
{
    const char *nl = sip_find_lf(s, end);
    const char *e = nl ? nl : end, *p = nl ? nl + 1 : end;
    int r;

    *hend = NULL;
    if (nl != NULL && (nl == s || nl[-1] != '\r'))
        m->warnings |= SIP_WARN_BARE_LF;
    if (e > s && e[-1] == '\r')
        e--;
    if (e - s > SIP_MAX_HEADER_LEN)
        return fail(m, buf, s, "start line too long");
    m->is_request = !(e - s >= 4 && SIP_IEQ(s, 4, "SIP/"));
    r = m->is_request ? parse_request_line(m, buf, s, e) : parse_status_line(m, buf, s, e);
    if (r != 0)
        return r;

    while (p < end) {
        const char *ls = p, *ne, *vs, *q, *lend;
        sip_hdr_kind kind;
        /* The empty line (CRLF or a bare LF) ends the header section.
         * LF, CR, SP and HTAB are all <= ' ': one compare for a name. */
        if ((unsigned char)*p <= ' ') {
            if (*p == '\n') {
                m->warnings |= SIP_WARN_BARE_LF;
                *hend = p + 1;
                break;
            }
            if (*p == '\r' && end - p >= 2 && p[1] == '\n') {
                *hend = p + 2;
                break;
            }
            if (*p == ' ' || *p == '\t')
                return fail(m, buf, p, "continuation line without a header");
        }
        /* name *(SP / HTAB) ":" ("Via  :", RFC 4475 longreq). The name is
         * classified first: one that matches a known name (letters and
         * '-' only) needs no check of its characters. */
        p = sip_find_colon(p, end);
        if (p == end || *p != ':')
            return fail(m, buf, ls, "malformed header line");
        ne = p;
        while (ne > ls && (unsigned char)ne[-1] <= ' ' && (ne[-1] == ' ' || ne[-1] == '\t'))
            ne--;
        kind = sip_hdr_kind_from((sip_str){ls, (size_t)(ne - ls)});
        if (kind == SIP_HDR_OTHER) {
            const char *t = ls;
            t = sip_span(t, ne, SIP_C_TOKEN);
            if (t != ne || ne == ls)
                return fail(m, buf, ls, "malformed header line");
        }
        vs = q = p + 1;
        /* The header runs to the end of its line, unless the next line
         * starts with SP/HTAB: a fold (RFC 3261 7.3.1). */
        for (;;) {
            const char *n = sip_find_lf(q, end);
            if (n == NULL) {
                lend = p = end;
                break;
            }
            if (n[-1] != '\r')
                m->warnings |= SIP_WARN_BARE_LF;
            q = n + 1;
            if (q < end && (*q == ' ' || *q == '\t'))
                continue;
            lend = n;
            p = q;
            break;
        }
        if (lend - ls > SIP_MAX_HEADER_LEN && lend - ls - (lend[-1] == '\r') > SIP_MAX_HEADER_LEN)
            return fail(m, buf, ls, "header line too long");
        if (m->n_headers == SIP_MAX_HEADERS)
            return fail(m, buf, ls, "too many header lines");

        sip_header *h = &m->headers[m->n_headers++];
        h->name = (sip_str){ls, (size_t)(ne - ls)};
        h->kind = kind;
        vs = sip_skip_lws(vs, lend);
        if (lend > vs && lend[-1] == '\r') /* the usual CRLF: one step of the trim */
            lend--;
        h->value = (sip_str){vs, (size_t)(sip_trim_back(vs, lend) - vs)};
        if (h->kind != SIP_HDR_OTHER && take_header(m, buf, h, m->n_headers - 1) != 0)
            return SIP_PARSE_INVALID;
    }

    /* RFC 3261 8.1.1: To, From, CSeq, Call-ID, Via are mandatory (RFC 4475
     * insuf). Max-Forwards is not checked: RFC 2543 elements omit it. */
    if (!m->hdr_first[SIP_HDR_VIA] || !m->hdr_first[SIP_HDR_FROM] || !m->hdr_first[SIP_HDR_TO] ||
        m->call_id.p == NULL || m->cseq_raw.p == NULL)
        m->warnings |= SIP_WARN_MISSING_HEADER;
    /* RFC 3261 8.1.1.5: the CSeq method matches the request method (RFC
     * 4475 mismatch01, mismatch02). */
    if (m->is_request && m->cseq_method.p != NULL &&
        (m->cseq_method.len != m->method_str.len ||
         memcmp(m->cseq_method.p, m->method_str.p, m->method_str.len) != 0))
        m->warnings |= SIP_WARN_CSEQ_MISMATCH;
    return 0;
}

int sip_frame_datagram(const char *buf, size_t len, sip_msg *msg)
{
    size_t start, hend, avail;
    const char *he;

    msg_init(msg);
    if (buf == NULL || len == 0) {
        msg->error = "empty datagram"; /* nmap -sU probe */
        return SIP_PARSE_INVALID;
    }
    if (len > SIP_MAX_MESSAGE)
        return fail(msg, buf, buf, "datagram too long");
    /* Leading CRLFs are keep-alives (RFC 5626 4.4.1), not a message. */
    start = sip_skip_keepalive(buf, len);
    if (start == len)
        return fail(msg, buf, buf + len, "keep-alive only");
    msg->offset = start;
    if (parse_head(msg, buf, buf + start, buf + len, &he) != 0)
        return SIP_PARSE_INVALID;
    if (he == NULL) {
        /* No empty line: the headers ran to the end of the datagram. */
        hend = len;
        msg->warnings |= SIP_WARN_UNTERMINATED;
    } else {
        hend = (size_t)(he - buf);
    }

    msg->header_length = hend - start;
    avail = len - hend;
    if (msg->content_length < 0) {
        /* RFC 3261 18.3: on UDP the body then runs to the datagram end
         * (RFC 4475 inv2543). */
        msg->body = (sip_str){buf + hend, avail};
        msg->warnings |= SIP_WARN_NO_CONTENT_LENGTH;
    } else {
        size_t cl = (size_t)msg->content_length;
        if (cl > avail) /* RFC 4475 clerr */
            return fail(msg, buf, buf + len, "Content-Length larger than the datagram");
        msg->body = (sip_str){buf + hend, cl};
        if (cl < avail)
            msg->warnings |= SIP_WARN_TRAILING_BYTES; /* RFC 4475 dblreq */
    }
    msg->length = msg->header_length + msg->body.len;
    return 0;
}

ssize_t sip_frame_stream(const char *buf, size_t len, size_t last_len, sip_msg *msg)
{
    size_t start, hend = 0;

    if (buf == NULL || len == 0) {
        msg_init(msg);
        return SIP_PARSE_NEED_MORE;
    }
    start = sip_skip_keepalive(buf, len);
    if (last_len > len)
        last_len = 0; /* caller error: rescan everything */

    /* What the previous NEED_MORE left in msg (sip.h) says where to look:
     *  - headers complete, body short: header_length is where they end;
     *  - headers incomplete: header_length 0 and length = the bytes seen.
     * msg may also hold another connection's result (a caller that shares
     * one msg); anything that does not match is ignored and the search
     * starts over at the message start: slower, never wrong. */
    if (last_len > start && msg->offset == start && msg->header_length > 0 &&
        start + msg->header_length <= last_len) {
        /* Headers were complete: the resumed search would miss their
         * empty line, or find one inside the body. Check that an empty
         * line really ends there before trusting it. */
        size_t e = start + msg->header_length;
        if (e - start >= 2 && buf[e - 1] == '\n' &&
            (buf[e - 2] == '\n' || (e - start >= 3 && buf[e - 2] == '\r' && buf[e - 3] == '\n'))) {
            hend = e;
            if (msg->content_length >= 0 &&
                msg->length == msg->header_length + (size_t)msg->content_length &&
                start + msg->length > len)
                return SIP_PARSE_NEED_MORE; /* body still short: O(1), no rescan */
        }
    }
    if (hend == 0 && start < len) {
        size_t from = start;
        if (last_len > start && msg->offset == start && msg->header_length == 0 &&
            msg->length == last_len && last_len > 3 && last_len - 3 > start)
            /* No empty line in the first last_len bytes: resume there. The
             * 3 bytes before may hold its start ("\n\r" of "\n\r\n"). */
            from = last_len - 3;
        hend = find_header_end(buf, from, len);
    }

    msg_init(msg);
    msg->offset = start;
    if (hend == 0) {
        if (len - start > SIP_MAX_MESSAGE)
            return fail(msg, buf, buf + start, "header section too long");
        msg->length = len; /* "no empty line in these bytes", for the next call */
        return SIP_PARSE_NEED_MORE;
    }
    const char *he;
    if (parse_head(msg, buf, buf + start, buf + hend, &he) != 0)
        return SIP_PARSE_INVALID;
    if (he != buf + hend) {
        /* Only if msg was not the one of the previous call (sip.h): its
         * header_length pointed at a later empty line. */
        return fail(msg, buf, buf + start, "header section framing");
    }

    msg->header_length = hend - start;
    /* RFC 3261 18.3: on a stream Content-Length is mandatory; absent is
     * taken as 0 (RFC 3261 20.14). */
    size_t cl = msg->content_length < 0 ? 0 : (size_t)msg->content_length;
    if (msg->header_length + cl > SIP_MAX_MESSAGE)
        return fail(msg, buf, buf + start, "message too long");
    msg->length = msg->header_length + cl;
    if (len - hend < cl)
        return SIP_PARSE_NEED_MORE; /* RFC 4475 clerr on TCP: wait */
    msg->body = (sip_str){buf + hend, cl};
    return (ssize_t)(start + msg->length);
}

int sip_parse_datagram(const char *buf, size_t len, sip_msg *msg)
{
    int r = sip_frame_datagram(buf, len, msg);
    if (r == 0)
        sip_msg_parse_all(msg);
    return r;
}

ssize_t sip_parse_stream(const char *buf, size_t len, size_t last_len, sip_msg *msg)
{
    ssize_t r = sip_frame_stream(buf, len, last_len, msg);
    if (r > 0)
        sip_msg_parse_all(msg);
    return r;
}

/* ---- Lazy parsing: the accessors ----------------------------------------
 * Each runs once per frame call (a bit of msg->parsed), parses its value(s)
 * exactly as the eager parser did, and stores them in the memoised fields. */

enum {
    LAZY_FROM = 1u << 0, LAZY_TO = 1u << 1, LAZY_VIA = 1u << 2, LAZY_CONTACT = 1u << 3,
    LAZY_AUTHORIZATION = 1u << 4, LAZY_PROXY_AUTHORIZATION = 1u << 5,
    LAZY_WWW_AUTHENTICATE = 1u << 6, LAZY_PROXY_AUTHENTICATE = 1u << 7,
    LAZY_MAX_FORWARDS = 1u << 8, LAZY_EXPIRES = 1u << 9,
};

/* What a digest accessor returns when the header is absent: nothing to
 * parse, so nothing to write (the complete parse zeroes the field). */

sip_str sip_msg_header(const sip_msg *m, sip_hdr_kind kind)
{
    if ((unsigned)kind >= SIP_HDR_KIND_COUNT || kind == SIP_HDR_OTHER || m->hdr_first[kind] == 0)
        return SIP_STR_NULL;
    return m->headers[m->hdr_first[kind] - 1].value;
}

static const sip_nameaddr *lazy_nameaddr(sip_msg *m, sip_nameaddr *na, sip_hdr_kind kind,
                                         unsigned bit, unsigned bad)
{
    const char *err;
    if (m->parsed & bit)
        return na;
    m->parsed |= bit;
    if (m->hdr_first[kind] == 0) {
        sip_zero(na, sizeof *na);
        return na;
    }
    sip_str v = m->headers[m->hdr_first[kind] - 1].value;
    if (sip_nameaddr_parse(v.p, v.len, na, &err) != 0 || !na->uri_ok)
        m->warnings |= bad;
    na->raw = v; /* present even if the value is empty */
    return na;
}

const sip_nameaddr *sip_msg_from(sip_msg *m)
{
    return lazy_nameaddr(m, &m->from, SIP_HDR_FROM, LAZY_FROM, SIP_WARN_BAD_FROM);
}

const sip_nameaddr *sip_msg_to(sip_msg *m)
{
    return lazy_nameaddr(m, &m->to, SIP_HDR_TO, LAZY_TO, SIP_WARN_BAD_TO);
}

/* Via and Contact: every header line of the kind, each a comma list,
 * taken on first access; *n is the count kept. */
static unsigned lazy_list(sip_msg *m, sip_hdr_kind kind, unsigned bit, unsigned *n,
                          void (*take)(sip_msg *, sip_str))
{
    if (!(m->parsed & bit)) {
        m->parsed |= bit;
        *n = 0;
        if (m->hdr_first[kind] == 0)
            return 0;
        unsigned i = m->hdr_first[kind] - 1u;
        take(m, m->headers[i].value);
        /* The other lines of the kind, if the framing saw any. */
        if (m->hdr_repeated & (1ull << kind))
            for (i++; i < m->n_headers; i++)
                if (m->headers[i].kind == kind)
                    take(m, m->headers[i].value);
    }
    return *n;
}

unsigned sip_msg_vias(sip_msg *m)
{
    return lazy_list(m, SIP_HDR_VIA, LAZY_VIA, &m->n_via, take_vias);
}

const sip_via *sip_msg_via(sip_msg *m, unsigned i)
{
    return i < sip_msg_vias(m) ? &m->via[i] : NULL;
}

unsigned sip_msg_contacts(sip_msg *m)
{
    return lazy_list(m, SIP_HDR_CONTACT, LAZY_CONTACT, &m->n_contact, take_contacts);
}

const sip_nameaddr *sip_msg_contact(sip_msg *m, unsigned i)
{
    return i < sip_msg_contacts(m) ? &m->contact[i] : NULL;
}

/* Several credentials are legal (one per realm): the first is kept. */
static const sip_digest *lazy_digest(sip_msg *m, sip_digest *d, sip_hdr_kind kind, unsigned bit)
{
    const char *err;
    if (m->parsed & bit)
        return d;
    m->parsed |= bit;
    if (m->hdr_first[kind] == 0) {
        sip_zero(d, sizeof *d);
        return d;
    }
    sip_str v = m->headers[m->hdr_first[kind] - 1].value;
    if (sip_digest_parse(v.p, v.len, d, &err) != 0)
        m->warnings |= SIP_WARN_BAD_AUTH;
    d->raw = v;
    return d;
}

const sip_digest *sip_msg_authorization(sip_msg *m)
{
    return lazy_digest(m, &m->authorization, SIP_HDR_AUTHORIZATION, LAZY_AUTHORIZATION);
}

const sip_digest *sip_msg_proxy_authorization(sip_msg *m)
{
    return lazy_digest(m, &m->proxy_authorization, SIP_HDR_PROXY_AUTHORIZATION, LAZY_PROXY_AUTHORIZATION);
}

const sip_digest *sip_msg_www_authenticate(sip_msg *m)
{
    return lazy_digest(m, &m->www_authenticate, SIP_HDR_WWW_AUTHENTICATE, LAZY_WWW_AUTHENTICATE);
}

const sip_digest *sip_msg_proxy_authenticate(sip_msg *m)
{
    return lazy_digest(m, &m->proxy_authenticate, SIP_HDR_PROXY_AUTHENTICATE, LAZY_PROXY_AUTHENTICATE);
}

/* Max-Forwards (0..255) and Expires (delta-seconds < 2^32), over every
 * header of the kind in order: an invalid or overlarge value reads as
 * absent (-1) and is flagged (RFC 4475 scalar02); a value after a valid
 * one is a repeated singleton. */
static int64_t lazy_number(sip_msg *m, sip_hdr_kind kind, uint64_t max)
{
    int64_t cur = -1;
    if (m->hdr_first[kind] == 0)
        return -1;
    for (unsigned i = m->hdr_first[kind] - 1u; i < m->n_headers; i++) {
        uint64_t n;
        sip_str v = m->headers[i].value;
        if (m->headers[i].kind != kind)
            continue;
        if (cur != -1)
            m->warnings |= SIP_WARN_DUP_SINGLETON;
        else if (!sip_parse_uint(v.p, v.p + v.len, max, &n))
            m->warnings |= SIP_WARN_BAD_NUMBER;
        else
            cur = (int64_t)n;
    }
    return cur;
}

int sip_msg_max_forwards(sip_msg *m)
{
    if (!(m->parsed & LAZY_MAX_FORWARDS)) {
        m->parsed |= LAZY_MAX_FORWARDS;
        m->max_forwards = (int)lazy_number(m, SIP_HDR_MAX_FORWARDS, SIP_MAX_FORWARDS_VALUE);
    }
    return m->max_forwards;
}

int64_t sip_msg_expires(sip_msg *m)
{
    if (!(m->parsed & LAZY_EXPIRES)) {
        m->parsed |= LAZY_EXPIRES;
        m->expires = lazy_number(m, SIP_HDR_EXPIRES, SIP_MAX_DELTA_SECONDS);
    }
    return m->expires;
}

/* The complete parse: every accessor, in the order of the eager parser's
 * fields; an absent digest is zeroed here (its accessor writes nothing). */
void sip_msg_parse_all(sip_msg *m)
{
    (void)sip_msg_vias(m);
    (void)sip_msg_from(m);
    (void)sip_msg_to(m);
    (void)sip_msg_contacts(m);
    (void)sip_msg_max_forwards(m);
    (void)sip_msg_expires(m);
    (void)sip_msg_authorization(m);
    (void)sip_msg_proxy_authorization(m);
    (void)sip_msg_www_authenticate(m);
    (void)sip_msg_proxy_authenticate(m);
}
