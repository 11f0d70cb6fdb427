/*
 * event.c - the JSON-lines encoding of an event (schema: docs/EVENTS.md).
 *
 * Hand-written and allocation-free: it runs once per received packet. Every
 * string that comes from the network is escaped unit by unit (see
 * put_escaped) so the line is always one valid JSON object, whatever the
 * bytes. Each such field has an output budget (FIELD_SHORT / FIELD_LONG);
 * together they stay well below EVENT_MAX_JSON, and what is left goes to
 * the raw message, which is cut to fit ("raw_truncated": true).
 */
#include "event/event.h"
#include "util/utf8.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Output budgets (escaped bytes, quotes excluded) of one string field. A
 * cut value sets "fields_truncated": true. Worst case of a request: 4 long
 * + 24 short fields (sensor, run, drop_reason included) + ~1.5 KiB of keys,
 * numbers and arrays < 12 KiB, so at least 4 KiB of every line is left for
 * the raw message (test_event checks the worst case). */
enum {
    FIELD_SHORT = 256,   /* users, tags, auth parameters, via host/branch  */
    FIELD_LONG = 1024,   /* Request-URI, Call-ID, User-Agent, Server, auth uri */
};

/* Tail written after a cut raw message. */
static const char RAW_TRUNCATED[] = ",\"raw_truncated\":true";

const char *event_kind_name(event_kind k)
{
    switch (k) {
    case EVENT_REQUEST: return "sip.request";
    case EVENT_RESPONSE: return "sip.response";
    case EVENT_MALFORMED: return "sip.malformed";
    case EVENT_RATELIMITED: return "sip.ratelimited";
    }
    return "sip.unknown";
}

/* Indexed by bit number of SIP_WARN_* (sip.h). */
static const char *const warning_names[] = {
    "truncated",          /* SIP_WARN_TRUNCATED */
    "dup_singleton",      /* SIP_WARN_DUP_SINGLETON */
    "bad_from",           /* SIP_WARN_BAD_FROM */
    "bad_to",             /* SIP_WARN_BAD_TO */
    "bad_via",            /* SIP_WARN_BAD_VIA */
    "bad_contact",        /* SIP_WARN_BAD_CONTACT */
    "bad_cseq",           /* SIP_WARN_BAD_CSEQ */
    "cseq_mismatch",      /* SIP_WARN_CSEQ_MISMATCH */
    "bad_ruri",           /* SIP_WARN_BAD_RURI */
    "bad_auth",           /* SIP_WARN_BAD_AUTH */
    "bad_number",         /* SIP_WARN_BAD_NUMBER */
    "no_content_length",  /* SIP_WARN_NO_CONTENT_LENGTH */
    "trailing_bytes",     /* SIP_WARN_TRAILING_BYTES */
    "liberal_start",      /* SIP_WARN_LIBERAL_START */
    "bad_version",        /* SIP_WARN_BAD_VERSION */
    "unterminated",       /* SIP_WARN_UNTERMINATED */
    "bare_lf",            /* SIP_WARN_BARE_LF */
    "missing_header",     /* SIP_WARN_MISSING_HEADER */
    "ruri_headers",       /* SIP_WARN_RURI_HEADERS */
    "bad_date",           /* SIP_WARN_BAD_DATE */
};

const char *event_warning_name(unsigned bit)
{
    return bit < sizeof warning_names / sizeof warning_names[0] ? warning_names[bit] : NULL;
}

/* ---- time ---------------------------------------------------------------- */

/* Civil date from days since 1970-01-01 (H. Hinnant's algorithm): no libc
 * time zone machinery, valid for the whole clamped range. */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static void digits(char *out, unsigned v, int n)
{
    while (n-- > 0) {
        out[n] = (char)('0' + v % 10);
        v /= 10;
    }
}

void event_format_time(int64_t time_ms, char out[25])
{
    const int64_t min_ms = -62167219200000LL;  /* 0000-01-01T00:00:00.000Z */
    const int64_t max_ms = 253402300799999LL;  /* 9999-12-31T23:59:59.999Z */
    if (time_ms < min_ms)
        time_ms = min_ms;
    if (time_ms > max_ms)
        time_ms = max_ms;
    int64_t secs = time_ms >= 0 ? time_ms / 1000 : -((-time_ms + 999) / 1000);
    unsigned ms = (unsigned)(time_ms - secs * 1000);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    unsigned sod = (unsigned)(secs - days * 86400);
    int64_t y;
    unsigned mo, d;
    civil_from_days(days, &y, &mo, &d);
    memcpy(out, "0000-00-00T00:00:00.000Z", 25);
    digits(out, (unsigned)y, 4);
    digits(out + 5, mo, 2);
    digits(out + 8, d, 2);
    digits(out + 11, sod / 3600, 2);
    digits(out + 14, sod / 60 % 60, 2);
    digits(out + 17, sod % 60, 2);
    digits(out + 20, ms, 3);
}

/* ---- writer -------------------------------------------------------------- */

/* A bounded output buffer. An overflow sticks (full, and no room left);
 * p == NULL only counts. */
typedef struct {
    char *p;
    size_t cap, n;
    bool full;          /* something did not fit: the event fails        */
    bool cut;           /* a field was cut to its budget                  */
    bool comma;         /* the next key needs a leading ','               */
} jw;

static inline void put(jw *w, const char *s, size_t len)
{
    if (len > w->cap - w->n) {
        w->full = true;
        w->cap = w->n;
        return;
    }
    if (w->p)
        memcpy(w->p + w->n, s, len);
    w->n += len;
}

static void put_lit(jw *w, const char *s) { put(w, s, strlen(s)); }

static void put_u64(jw *w, uint64_t v)
{
    char b[20];
    size_t i = sizeof b;
    do {
        b[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put(w, b + i, sizeof b - i);
}

static void put_i64(jw *w, int64_t v)
{
    if (v < 0) {
        put(w, "-", 1);
        put_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        put_u64(w, (uint64_t)v);
    }
}

/* Bytes copied as they are: printable ASCII (0x20-0x7e) except '"' and
 * '\\' (one row per 16 byte values). */
static const unsigned char plain_ascii[256] = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

#if defined(__SSE2__)
/* The bytes of a 16-byte block that are not plain, as a bit mask. */
static inline unsigned not_plain16(__m128i v)
{
    const __m128i space = _mm_set1_epi8(0x20), quote = _mm_set1_epi8('"'),
                  backslash = _mm_set1_epi8('\\'), del = _mm_set1_epi8(0x7f);
    /* signed: bytes >= 0x80 are negative, so below 0x20 too */
    __m128i odd = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, quote)),
                               _mm_or_si128(_mm_cmpeq_epi8(v, backslash), _mm_cmpeq_epi8(v, del)));
    return (unsigned)_mm_movemask_epi8(odd);
}
#endif

/* The length of the run of plain bytes at the start of u[0..len): 16 bytes
 * at a time with SSE2, the tail through the table. For the counting pass
 * and for a field too long for its room; copy_plain does the usual case. */
static size_t plain_run(const unsigned char *u, size_t len)
{
    size_t i = 0;
#if defined(__SSE2__)
    for (; i + 16 <= len; i += 16) {
        unsigned m = not_plain16(_mm_loadu_si128((const __m128i *)(const void *)(u + i)));
        if (m)
            return i + (size_t)__builtin_ctz(m);
    }
#endif
    while (i < len && plain_ascii[u[i]])
        i++;
    return i;
}

/* Copies the run of plain bytes at the start of u[0..len) to o, which has
 * room for len bytes, and returns its length. Each 16-byte block is stored
 * before it is tested, so a run costs one pass and no memcpy call (the
 * encoder is a third of the sensor's own work per request); bytes stored
 * past the run are overwritten by what the caller writes next. A value of
 * 16 bytes or more ends with a block that overlaps the one before, a
 * shorter one is two overlapping words: no store and no load leaves
 * [0, len). */
static size_t copy_plain(char *o, const unsigned char *u, size_t len)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (len >= 16) {
        for (; i + 16 <= len; i += 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
            _mm_storeu_si128((__m128i *)(void *)(o + i), v);
            unsigned m = not_plain16(v);
            if (m)
                return i + (size_t)__builtin_ctz(m);
        }
        if (i < len) {
            size_t last = len - 16; /* < i: bytes [last, i) were checked */
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + last));
            _mm_storeu_si128((__m128i *)(void *)(o + last), v);
            unsigned m = not_plain16(v) >> (i - last);
            if (m)
                return i + (size_t)__builtin_ctz(m);
        }
        return len;
    }
    if (len >= 4) {
        /* Most fields are short (ports, tags, users, addresses): the value
         * as two overlapping words, 8 or 4 bytes each, tested as one. */
        size_t w = len >= 8 ? 8 : 4, tail = len - w;
        uint64_t a = 0, b = 0;
        memcpy(&a, u, w);
        memcpy(&b, u + tail, w);
        memcpy(o, &a, w);
        memcpy(o + tail, &b, w);
        unsigned m = w == 8 ? not_plain16(_mm_set_epi64x((long long)b, (long long)a))
                            : not_plain16(_mm_set_epi32(0, 0, (int)b, (int)a)) & 0xff;
        unsigned head = m & ((1u << w) - 1), rest = m >> w;
        if (head)
            return (size_t)__builtin_ctz(head);
        if (rest)
            return tail + (size_t)__builtin_ctz(rest);
        return len;
    }
#endif
    while (i < len && plain_ascii[u[i]]) {
        o[i] = (char)u[i];
        i++;
    }
    return i;
}

/* A fold (RFC 3261 7.3.1): CRLF (or a bare LF) followed by SP/HTAB, as in
 * sip_str_unfold() (which copies; here the value is escaped in place). Returns
 * the bytes of the fold and the white space after it, 0 if none at s. */
static size_t fold_len(const char *s, size_t n)
{
    size_t i = 0;
    if (i < n && s[i] == '\r')
        i++;
    if (i >= n || s[i] != '\n' || i + 1 >= n || (s[i + 1] != ' ' && s[i + 1] != '\t'))
        return 0;
    i++;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    return i;
}

/* Appends s as the inside of a JSON string, at most max_out bytes, cut only
 * between units so no escape or UTF-8 sequence is split. A unit is: a
 * valid UTF-8 sequence as is (U+2028/U+2029 as \u2028/\u2029, harmless for
 * JavaScript readers); '"', '\\' and the usual control characters as short
 * escapes; any other byte below 0x20, 0x7f, and every byte of invalid UTF-8
 * as \u00XX. unfold turns each fold into one SP. Returns true if cut. */
static bool put_escaped(jw *w, const char *s, size_t len, size_t max_out, bool unfold)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t out = 0;
    for (size_t i = 0; i < len;) {
        char esc[6];
        const char *unit = esc;
        size_t ulen, used = 1, f;
        unsigned c = u[i];
        if (plain_ascii[c] && w->p != NULL && len - i <= max_out - out && len - i <= w->cap - w->n) {
            /* a run of plain ASCII, the bulk of any SIP message, when the
             * rest of the value fits both its budget and the line */
            size_t run = copy_plain(w->p + w->n, u + i, len - i);
            w->n += run;
            out += run;
            i += run;
            continue;
        }
        if (plain_ascii[c]) {
            /* the same near a limit, or counting: find the run, copy it */
            size_t j = i + 1 + plain_run(u + i + 1, len - i - 1);
            size_t run = j - i, room = max_out - out;
            put(w, s + i, run < room ? run : room);
            if (run > room)
                return true;
            out += run;
            i = j;
            continue;
        }
        if (unfold && (c == '\r' || c == '\n') && (f = fold_len(s + i, len - i)) > 0) {
            unit = " ";
            ulen = 1;
            used = f;
        } else if (c == '"' || c == '\\') {
            esc[0] = '\\', esc[1] = (char)c, ulen = 2;
        } else if (c == '\n' || c == '\r' || c == '\t' || c == '\b' || c == '\f') {
            esc[0] = '\\';
            esc[1] = c == '\n' ? 'n' : c == '\r' ? 'r' : c == '\t' ? 't' : c == '\b' ? 'b' : 'f';
            ulen = 2;
        } else if (c >= 0x80 && (used = utf8_seq_len(u + i, len - i)) > 0) {
            if (used == 3 && c == 0xE2 && u[i + 1] == 0x80 && (u[i + 2] == 0xA8 || u[i + 2] == 0xA9)) {
                memcpy(esc, u[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                ulen = 6;
            } else {
                unit = s + i, ulen = used;
            }
        } else { /* control byte, DEL or a byte of invalid UTF-8 */
            used = 1;
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[c >> 4], esc[5] = hex[c & 15];
            ulen = 6;
        }
        if (ulen > max_out - out)
            return true;
        put(w, unit, ulen);
        out += ulen;
        i += used;
    }
    return false;
}

/* A key: K("name") is the comma, the quoted key and its colon, and that
 * length, so a key costs one copy and no strlen(). */
#define K(name) (",\"" name "\":"), (sizeof(",\"" name "\":") - 1)
/* The same for a string field, with the value's opening quote; a type of
 * its own, so that a K() given to a string field does not compile. */
typedef struct {
    const char *q;
    size_t n;
} skey;
#define KS(name) ((skey){",\"" name "\":\"", sizeof(",\"" name "\":\"") - 1})

/* qkey starts with the comma, written only when one is due: one copy. */
static void put_key(jw *w, const char *qkey, size_t qlen)
{
    size_t skip = !w->comma;
    put(w, qkey + skip, qlen - skip);
    w->comma = true;
}

static void open_obj(jw *w, const char *qkey, size_t qlen)
{
    put_key(w, qkey, qlen);
    put(w, "{", 1);
    w->comma = false;
}

static void close_obj(jw *w)
{
    put(w, "}", 1);
    w->comma = true;
}

/* A string field from the network, its key given by KS(); the key is
 * omitted when the view is absent, "" when present but empty. */
static void field_view(jw *w, skey key, sip_str v, size_t max_out, bool unfold)
{
    if (v.p == NULL)
        return;
    put_key(w, key.q, key.n);
    if (put_escaped(w, v.p, v.len, max_out, unfold))
        w->cut = true;
    put(w, "\"", 1);
}

/* A string from the sensor itself (ids, static reasons); omitted if NULL. */
static void field_cstr(jw *w, skey key, const char *s)
{
    if (s != NULL)
        field_view(w, key, (sip_str){s, strlen(s)}, FIELD_SHORT, false);
}

/* An address buffer of the event, NUL-terminated or not. */
static void field_ip(jw *w, skey key, const char ip[EVENT_IP_MAX])
{
    field_view(w, key, (sip_str){ip, strnlen(ip, EVENT_IP_MAX)}, FIELD_SHORT, false);
}

/* Counters are clamped to INT64_MAX: JSON readers such as jansson take
 * integers as signed 64-bit and reject larger ones (never reached). */
static void field_u64(jw *w, const char *qkey, size_t qlen, uint64_t v)
{
    put_key(w, qkey, qlen);
    put_u64(w, v > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX : v);
}

static void field_i64(jw *w, const char *qkey, size_t qlen, int64_t v)
{
    put_key(w, qkey, qlen);
    put_i64(w, v);
}

static void field_bool(jw *w, const char *qkey, size_t qlen, bool v)
{
    put_key(w, qkey, qlen);
    put_lit(w, v ? "true" : "false");
}

static void field_warnings(jw *w, unsigned warnings)
{
    if (warnings == 0)
        return;
    put_key(w, K("warnings"));
    put(w, "[", 1);
    bool first = true;
    for (unsigned bit = 0; bit < 32; bit++) {
        if (!(warnings & (1u << bit)))
            continue;
        if (!first)
            put(w, ",", 1);
        first = false;
        const char *name = event_warning_name(bit);
        put(w, "\"", 1);
        if (name) {
            put_lit(w, name);
        } else {
            put_lit(w, "bit");
            put_u64(w, bit);
        }
        put(w, "\"", 1);
    }
    put(w, "]", 1);
}

/* ---- the event kinds ----------------------------------------------------- */

static void fields_auth(jw *w, const sip_msg *m)
{
    const sip_digest *d = &m->authorization;
    const char *hdr = "authorization";
    if (d->raw.p == NULL) {
        d = &m->proxy_authorization;
        hdr = "proxy-authorization";
    }
    if (d->raw.p == NULL)
        return;
    open_obj(w, K("auth"));
    field_cstr(w, KS("header"), hdr);
    field_view(w, KS("scheme"), d->scheme, FIELD_SHORT, true);
    field_view(w, KS("user"), d->username, FIELD_SHORT, true);
    field_view(w, KS("realm"), d->realm, FIELD_SHORT, true);
    field_view(w, KS("nonce"), d->nonce, FIELD_SHORT, true);
    field_view(w, KS("uri"), d->uri, FIELD_LONG, true);
    field_view(w, KS("algorithm"), d->algorithm, FIELD_SHORT, true);
    field_view(w, KS("response"), d->response, FIELD_SHORT, true);
    field_view(w, KS("qop"), d->qop, FIELD_SHORT, true);
    field_view(w, KS("nc"), d->nc, FIELD_SHORT, true);
    field_view(w, KS("cnonce"), d->cnonce, FIELD_SHORT, true);
    field_view(w, KS("opaque"), d->opaque, FIELD_SHORT, true);
    close_obj(w);
}

static sip_str uri_user(const sip_nameaddr *na)
{
    return na->uri_ok ? na->uri.user : SIP_STR_NULL;
}

static void fields_request(jw *w, const event *ev)
{
    const sip_msg *m = ev->msg;
    if (m != NULL) {
        field_view(w, KS("method"), m->method_str, FIELD_SHORT, false);
        field_view(w, KS("ruri"), m->ruri_raw, FIELD_LONG, false);
        if (!(m->warnings & SIP_WARN_BAD_RURI))
            field_view(w, KS("ruri_user"), m->ruri.user, FIELD_SHORT, false);
        field_view(w, KS("from_user"), uri_user(&m->from), FIELD_SHORT, true);
        field_view(w, KS("from_tag"), m->from.tag, FIELD_SHORT, true);
        field_view(w, KS("from_display"), m->from.display, FIELD_SHORT, true);
        field_view(w, KS("to_user"), uri_user(&m->to), FIELD_SHORT, true);
        field_view(w, KS("to_tag"), m->to.tag, FIELD_SHORT, true);
        if (m->n_contact > 0)
            field_view(w, KS("contact_user"), uri_user(&m->contact[0]), FIELD_SHORT, true);
        field_view(w, KS("call_id"), m->call_id, FIELD_LONG, true);
        if (m->cseq_ok)
            field_u64(w, K("cseq"), m->cseq);
        field_view(w, KS("cseq_method"), m->cseq_method, FIELD_SHORT, true);
        field_view(w, KS("user_agent"), m->user_agent, FIELD_LONG, true);
        if (m->max_forwards >= 0)
            field_i64(w, K("max_forwards"), m->max_forwards);
        if (m->expires >= 0)
            field_i64(w, K("expires"), m->expires);
        if (m->n_via > 0) {
            field_view(w, KS("via_host"), m->via[0].host, FIELD_SHORT, true);
            if (m->via[0].port != 0)
                field_u64(w, K("via_port"), m->via[0].port);
            field_view(w, KS("via_branch"), m->via[0].branch, FIELD_SHORT, true);
        }
        fields_auth(w, m);
    }
    const persona_result *r = ev->result;
    if (r != NULL) {
        field_cstr(w, KS("auth_outcome"), persona_auth_name(r->auth));
        unsigned n = r->n < PERSONA_MAX_RESPONSES ? r->n : PERSONA_MAX_RESPONSES;
        if (n > 0)
            field_u64(w, K("response"), r->resp[n - 1].code);
        put_key(w, K("responses"));
        put(w, "[", 1);
        for (unsigned i = 0; i < n; i++) {
            if (i)
                put(w, ",", 1);
            put_u64(w, r->resp[i].code);
        }
        put(w, "]", 1);
    }
    field_bool(w, K("answered"), ev->answered);
    if (r != NULL) {
        field_cstr(w, KS("drop_reason"), r->drop_reason);
        field_bool(w, K("dial_external"), r->dial_external);
        field_bool(w, K("extension_known"), r->extension_known);
    }
    if (m != NULL)
        field_warnings(w, m->warnings);
}

static void fields_response(jw *w, const event *ev)
{
    const sip_msg *m = ev->msg;
    if (m == NULL)
        return;
    field_u64(w, K("status"), m->status);
    field_view(w, KS("reason"), m->reason, FIELD_SHORT, false);
    field_view(w, KS("call_id"), m->call_id, FIELD_LONG, true);
    if (m->cseq_ok)
        field_u64(w, K("cseq"), m->cseq);
    field_view(w, KS("cseq_method"), m->cseq_method, FIELD_SHORT, true);
    field_view(w, KS("user_agent"), m->user_agent, FIELD_LONG, true);
    field_view(w, KS("server"), m->server, FIELD_LONG, true);
    field_warnings(w, m->warnings);
}

/* The raw message, last: whatever fits of limit, keeping room for the
 * closing "}\n". Returns false if not even an empty, marked raw fits. */
static bool field_raw(jw *w, const event *ev, size_t limit)
{
    const size_t wrap = strlen(",\"raw\":\"\"") + 2; /* + "}\n" */
    const size_t mark = sizeof RAW_TRUNCATED - 1;
    if (w->full || limit < w->n || limit - w->n < wrap + mark)
        return false;
    size_t room = limit - w->n - wrap;
    /* Only a raw that does not fit whole gives up the room of the marker:
     * a counting pass decides, unless even 6 bytes per byte would fit. */
    bool truncated = false;
    if (ev->raw_len > room / 6) {
        jw count = {.p = NULL, .cap = (size_t)-1};
        truncated = put_escaped(&count, ev->raw, ev->raw_len, room, false);
    }
    put_key(w, K("raw"));
    put(w, "\"", 1);
    put_escaped(w, ev->raw, ev->raw_len, truncated ? room - mark : room, false);
    put(w, "\"", 1);
    if (truncated)
        put(w, RAW_TRUNCATED, mark);
    return true;
}

size_t event_to_json(const event *ev, char *out, size_t cap)
{
    size_t limit = cap < EVENT_MAX_JSON ? cap : EVENT_MAX_JSON;
    jw w = {.p = out, .cap = limit};
    char ts[25];
    const char *time_text = ev->time_text;
    if (time_text == NULL) {
        event_format_time(ev->time_ms, ts);
        time_text = ts;
    }

    put(&w, "{", 1);
    field_u64(&w, K("v"), EVENT_SCHEMA_VERSION);
    field_cstr(&w, KS("eventid"), event_kind_name(ev->kind));
    field_cstr(&w, KS("timestamp"), time_text);
    field_cstr(&w, KS("sensor"), ev->sensor);
    field_cstr(&w, KS("run"), ev->run_id);
    field_u64(&w, K("seq"), ev->seq);
    field_cstr(&w, KS("transport"), ev->transport);
    field_ip(&w, KS("src_ip"), ev->src_ip);
    field_u64(&w, K("src_port"), ev->src_port);
    field_ip(&w, KS("dst_ip"), ev->dst_ip);
    field_u64(&w, K("dst_port"), ev->dst_port);

    switch (ev->kind) {
    case EVENT_REQUEST:
        fields_request(&w, ev);
        break;
    case EVENT_RESPONSE:
        fields_response(&w, ev);
        break;
    case EVENT_MALFORMED:
        field_cstr(&w, KS("error"), ev->error ? ev->error : "unknown");
        field_u64(&w, K("error_offset"), ev->error_offset);
        break;
    case EVENT_RATELIMITED:
        field_u64(&w, K("suppressed"), ev->suppressed);
        break;
    }
    if (ev->kind == EVENT_MALFORMED || ev->raw != NULL)
        field_u64(&w, K("len"), ev->raw_len);
    if (w.cut)
        field_bool(&w, K("fields_truncated"), true);
    if (ev->include_raw && ev->raw != NULL && !field_raw(&w, ev, limit))
        return 0;
    put(&w, "}\n", 2);
    return w.full ? 0 : w.n;
}
