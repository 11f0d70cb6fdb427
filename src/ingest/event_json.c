/*
 * event_json.c - a JSON reader specialised for the event schema (why not
 * jansson, with measurements: event_json.h).
 *
 * One pass over the line, no allocation: a string without escapes stays a
 * view into the line, one with escapes is decoded into the caller's scratch
 * (decoding never makes a string longer). Keys are looked up in a table in
 * the encoder's order, trying the entry after the previous key first, so
 * the sensor's own lines cost one comparison per key; other orders work.
 * Values of unknown keys are checked against the JSON grammar and skipped.
 */
#include "ingest/event_json.h"
#include "util/utf8.h"

#include <arpa/inet.h>
#include <stdarg.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <stdint.h>
#include <stdio.h>
#include <string.h>

enum { MAX_DEPTH = 64 };   /* nesting inside unknown values */

typedef enum { T_STR, T_INT, T_BOOL, T_STRARR, T_INTARR, T_AUTH } ftype;

typedef enum {
    F_V, F_EVENTID, F_TIMESTAMP, F_SENSOR, F_RUN, F_SEQ, F_TRANSPORT, F_SRC_IP, F_SRC_PORT,
    F_DST_IP, F_DST_PORT, F_STATUS, F_REASON, F_METHOD, F_RURI, F_RURI_USER, F_FROM_USER,
    F_FROM_TAG, F_FROM_DISPLAY, F_TO_USER, F_TO_TAG, F_CONTACT_USER, F_CALL_ID, F_CSEQ,
    F_CSEQ_METHOD, F_USER_AGENT, F_SERVER, F_MAX_FORWARDS, F_EXPIRES, F_VIA_HOST, F_VIA_PORT,
    F_VIA_BRANCH, F_AUTH, F_AUTH_OUTCOME, F_RESPONSE, F_RESPONSES, F_ANSWERED, F_DROP_REASON,
    F_DIAL_EXTERNAL, F_EXTENSION_KNOWN, F_WARNINGS, F_ERROR, F_ERROR_OFFSET, F_SUPPRESSED,
    F_LEN, F_FIELDS_TRUNCATED, F_RAW, F_RAW_TRUNCATED,
    /* inside "auth" */
    A_HEADER, A_SCHEME, A_USER, A_REALM, A_NONCE, A_URI, A_ALGORITHM, A_RESPONSE, A_QOP,
    A_NC, A_CNONCE, A_OPAQUE,
} fid;

typedef struct {
    const char *name;
    unsigned char len;
    unsigned char type;
    unsigned char id;
} field;

#define F(name, type, id) {name, sizeof(name) - 1, type, id}

/* In the order event_to_json() writes them (responses' own keys where a
 * response has them), so the next key is usually the next entry. */
static const field FIELDS[] = {
    F("v", T_INT, F_V), F("eventid", T_STR, F_EVENTID), F("timestamp", T_STR, F_TIMESTAMP),
    F("sensor", T_STR, F_SENSOR), F("run", T_STR, F_RUN), F("seq", T_INT, F_SEQ),
    F("transport", T_STR, F_TRANSPORT), F("src_ip", T_STR, F_SRC_IP),
    F("src_port", T_INT, F_SRC_PORT), F("dst_ip", T_STR, F_DST_IP),
    F("dst_port", T_INT, F_DST_PORT), F("status", T_INT, F_STATUS),
    F("reason", T_STR, F_REASON), F("method", T_STR, F_METHOD), F("ruri", T_STR, F_RURI),
    F("ruri_user", T_STR, F_RURI_USER), F("from_user", T_STR, F_FROM_USER),
    F("from_tag", T_STR, F_FROM_TAG), F("from_display", T_STR, F_FROM_DISPLAY),
    F("to_user", T_STR, F_TO_USER), F("to_tag", T_STR, F_TO_TAG),
    F("contact_user", T_STR, F_CONTACT_USER), F("call_id", T_STR, F_CALL_ID),
    F("cseq", T_INT, F_CSEQ), F("cseq_method", T_STR, F_CSEQ_METHOD),
    F("user_agent", T_STR, F_USER_AGENT), F("server", T_STR, F_SERVER),
    F("max_forwards", T_INT, F_MAX_FORWARDS), F("expires", T_INT, F_EXPIRES),
    F("via_host", T_STR, F_VIA_HOST), F("via_port", T_INT, F_VIA_PORT),
    F("via_branch", T_STR, F_VIA_BRANCH), F("auth", T_AUTH, F_AUTH),
    F("auth_outcome", T_STR, F_AUTH_OUTCOME), F("response", T_INT, F_RESPONSE),
    F("responses", T_INTARR, F_RESPONSES), F("answered", T_BOOL, F_ANSWERED),
    F("drop_reason", T_STR, F_DROP_REASON), F("dial_external", T_BOOL, F_DIAL_EXTERNAL),
    F("extension_known", T_BOOL, F_EXTENSION_KNOWN), F("warnings", T_STRARR, F_WARNINGS),
    F("error", T_STR, F_ERROR), F("error_offset", T_INT, F_ERROR_OFFSET),
    F("suppressed", T_INT, F_SUPPRESSED), F("len", T_INT, F_LEN),
    F("fields_truncated", T_BOOL, F_FIELDS_TRUNCATED), F("raw", T_STR, F_RAW),
    F("raw_truncated", T_BOOL, F_RAW_TRUNCATED),
};

static const field AUTH_FIELDS[] = {
    F("header", T_STR, A_HEADER), F("scheme", T_STR, A_SCHEME), F("user", T_STR, A_USER),
    F("realm", T_STR, A_REALM), F("nonce", T_STR, A_NONCE), F("uri", T_STR, A_URI),
    F("algorithm", T_STR, A_ALGORITHM), F("response", T_STR, A_RESPONSE),
    F("qop", T_STR, A_QOP), F("nc", T_STR, A_NC), F("cnonce", T_STR, A_CNONCE),
    F("opaque", T_STR, A_OPAQUE),
};

#define NFIELDS(t) (sizeof(t) / sizeof((t)[0]))

typedef struct {
    const char *start, *p, *end;
    char *out;              /* next free byte of the scratch */
    char *why;
    size_t whylen;
    int failed;
    /* what the line holds besides the event's own fields */
    int64_t version;
    store_str timestamp;
    int keep_raw;
} jp;

static int fail(jp *j, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int fail(jp *j, const char *fmt, ...)
{
    if (!j->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(j->why, j->whylen, fmt, ap);
        va_end(ap);
        j->failed = 1;
    }
    return -1;
}

/* A grammar error, with the byte position (1-based) in the line. */
static int syntax(jp *j, const char *what)
{
    return fail(j, "invalid JSON at byte %zu: %s", (size_t)(j->p - j->start) + 1, what);
}

static void ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int hex4(const char *s, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = s[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

static char *put_utf8(char *o, unsigned cp)
{
    if (cp < 0x80) {
        *o++ = (char)cp;
    } else if (cp < 0x800) {
        *o++ = (char)(0xC0 | cp >> 6);
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        *o++ = (char)(0xE0 | cp >> 12);
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    } else {
        *o++ = (char)(0xF0 | cp >> 18);
        *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
        *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
        *o++ = (char)(0x80 | (cp & 0x3F));
    }
    return o;
}

/* Nonzero when one of the 8 bytes of w is '"', '\\', below 0x20 or
 * above 0x7f (the bit tricks of "Bit Twiddling Hacks": a byte is zero
 * after the xor exactly when it equals the value). */
static inline uint64_t special8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = w ^ (ones * '"'), b = w ^ (ones * '\\');
    uint64_t zq = (q - ones) & ~q, zb = (b - ones) & ~b;
    uint64_t lt = (w - ones * 0x20) & ~w;   /* below 0x20 (or >= 0x80: also wanted) */
    return (zq | zb | lt | w) & high;
}

/* A string at j->p (at its opening quote) into *out. */
static int string(jp *j, store_str *out)
{
    const unsigned char *p = (const unsigned char *)j->p + 1;
    const unsigned char *e = (const unsigned char *)j->end;
    const unsigned char *begin = p;
    const char *quote = j->p;
    /* the common case: plain ASCII up to the closing quote, a view; many
     * bytes at a time while none is a quote, backslash, control or >= 0x80 */
#if defined(__SSE2__)
    const __m128i quote16 = _mm_set1_epi8('"'), bslash16 = _mm_set1_epi8('\\');
    const __m128i space16 = _mm_set1_epi8(0x20);
    while (e - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        /* signed compare: bytes >= 0x80 are negative, so "< 0x20" too */
        __m128i hit = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote16),
                                                _mm_cmpeq_epi8(v, bslash16)),
                                   _mm_cmplt_epi8(v, space16));
        int mask = _mm_movemask_epi8(hit);
        if (mask) {
            p += __builtin_ctz((unsigned)mask);
            break;
        }
        p += 16;
    }
#endif
    while (e - p >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        if (special8(w))
            break;
        p += 8;
    }
    while (p < e && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
        p++;
    if (p < e && *p == '"') {
        *out = (store_str){(const char *)begin, (size_t)(p - begin)};
        j->p = (const char *)p + 1;
        return 0;
    }
    /* otherwise copy what was scanned and decode the rest into the scratch;
     * views stay valid as long as no escape was seen */
    char *o = j->out, *ostart = o;
    int copied = 0;
    for (;;) {
        if (p >= e) {
            j->p = quote;
            return syntax(j, "unterminated string");
        }
        unsigned c = *p;
        if (c == '"')
            break;
        if (c < 0x20) {
            j->p = (const char *)p;
            return syntax(j, "control character in string");
        }
        if (c >= 0x80) {
            size_t n = utf8_seq_len(p, (size_t)(e - p));
            if (n == 0) {
                j->p = (const char *)p;
                return syntax(j, "invalid UTF-8");
            }
            p += n;
            continue;
        }
        if (c != '\\') {
            p++;
            continue;
        }
        if (!copied) {
            memcpy(o, begin, (size_t)(p - begin));
            o += p - begin;
            copied = 1;
        }
        break;
    }
    if (!copied) {  /* valid UTF-8 without escapes: still a view */
        *out = (store_str){(const char *)begin, (size_t)(p - begin)};
        j->p = (const char *)p + 1;
        return 0;
    }
    /* decoding loop: from the first backslash on */
    while (p < e && *p != '"') {
        unsigned c = *p;
        if (c < 0x20) {
            j->p = (const char *)p;
            return syntax(j, "control character in string");
        }
        if (c >= 0x80) {
            size_t n = utf8_seq_len(p, (size_t)(e - p));
            if (n == 0) {
                j->p = (const char *)p;
                return syntax(j, "invalid UTF-8");
            }
            memcpy(o, p, n);
            o += n;
            p += n;
            continue;
        }
        if (c != '\\') {
            *o++ = (char)c;
            p++;
            continue;
        }
        if (p + 1 >= e) {
            j->p = quote;
            return syntax(j, "unterminated string");
        }
        char k = (char)p[1];
        p += 2;
        switch (k) {
        case '"': *o++ = '"'; continue;
        case '\\': *o++ = '\\'; continue;
        case '/': *o++ = '/'; continue;
        case 'b': *o++ = '\b'; continue;
        case 'f': *o++ = '\f'; continue;
        case 'n': *o++ = '\n'; continue;
        case 'r': *o++ = '\r'; continue;
        case 't': *o++ = '\t'; continue;
        case 'u': break;
        default:
            j->p = (const char *)p - 2;
            return syntax(j, "invalid escape");
        }
        unsigned cp, lo;
        if (e - p < 4 || hex4((const char *)p, &cp) != 0) {
            j->p = (const char *)p - 2;
            return syntax(j, "invalid \\u escape");
        }
        p += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
            /* a high surrogate must be followed by \u and a low one */
            if (e - p < 6 || p[0] != '\\' || p[1] != 'u' ||
                hex4((const char *)p + 2, &lo) != 0 || lo < 0xDC00 || lo > 0xDFFF) {
                j->p = (const char *)p - 6;
                return syntax(j, "unpaired surrogate");
            }
            p += 6;
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            j->p = (const char *)p - 6;
            return syntax(j, "unpaired surrogate");
        } else if (cp == 0) {
            cp = 0xFFFD;    /* no NUL in stored text (store.h) */
        }
        o = put_utf8(o, cp);
    }
    if (p >= e) {
        j->p = quote;
        return syntax(j, "unterminated string");
    }
    *out = (store_str){ostart, (size_t)(o - ostart)};
    j->out = o;
    j->p = (const char *)p + 1;
    return 0;
}

/* A number; *is_int when it has no fraction or exponent, then *v holds it
 * (*overflow when it does not fit in int64). */
static int number(jp *j, int *is_int, int64_t *v, int *overflow)
{
    const char *p = j->p, *e = j->end;
    int neg = 0;
    uint64_t acc = 0;
    *is_int = 1;
    *overflow = 0;
    if (p < e && *p == '-')
        neg = 1, p++;
    if (p >= e || *p < '0' || *p > '9') {
        j->p = p;
        return syntax(j, "invalid number");
    }
    if (*p == '0') {
        p++;
    } else {
        while (p < e && *p >= '0' && *p <= '9') {
            unsigned d = (unsigned)(*p - '0');
            if (acc > (UINT64_MAX - d) / 10)
                *overflow = 1;
            else
                acc = acc * 10 + d;
            p++;
        }
    }
    if (p < e && *p == '.') {
        *is_int = 0;
        p++;
        if (p >= e || *p < '0' || *p > '9') {
            j->p = p;
            return syntax(j, "invalid number");
        }
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        *is_int = 0;
        p++;
        if (p < e && (*p == '+' || *p == '-'))
            p++;
        if (p >= e || *p < '0' || *p > '9') {
            j->p = p;
            return syntax(j, "invalid number");
        }
        while (p < e && *p >= '0' && *p <= '9')
            p++;
    }
    if (neg ? acc > (uint64_t)INT64_MAX + 1 : acc > (uint64_t)INT64_MAX)
        *overflow = 1;
    if (!*overflow)
        *v = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    j->p = p;
    return 0;
}

static int literal(jp *j, const char *lit, size_t n)
{
    if ((size_t)(j->end - j->p) < n || memcmp(j->p, lit, n) != 0)
        return syntax(j, "invalid value");
    j->p += n;
    return 0;
}

/* Any JSON value (checked, then forgotten). */
static int skip_value(jp *j, int depth)
{
    store_str s;
    int is_int, of;
    int64_t v;
    if (depth > MAX_DEPTH)
        return syntax(j, "nested too deeply");
    ws(j);
    if (j->p >= j->end)
        return syntax(j, "value expected");
    switch (*j->p) {
    case '"': {
        char *save = j->out;
        int rc = string(j, &s);
        j->out = save;   /* nothing keeps the decoded bytes */
        return rc;
    }
    case 't': return literal(j, "true", 4);
    case 'f': return literal(j, "false", 5);
    case 'n': return literal(j, "null", 4);
    case '[':
        j->p++;
        ws(j);
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return 0;
        }
        for (;;) {
            if (skip_value(j, depth + 1) != 0)
                return -1;
            ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == ']') {
                j->p++;
                return 0;
            }
            return syntax(j, "',' or ']' expected");
        }
    case '{':
        j->p++;
        ws(j);
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return 0;
        }
        for (;;) {
            ws(j);
            if (j->p >= j->end || *j->p != '"')
                return syntax(j, "key expected");
            char *save = j->out;
            int rc = string(j, &s);
            j->out = save;
            if (rc != 0)
                return -1;
            ws(j);
            if (j->p >= j->end || *j->p != ':')
                return syntax(j, "':' expected");
            j->p++;
            if (skip_value(j, depth + 1) != 0)
                return -1;
            ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == '}') {
                j->p++;
                return 0;
            }
            return syntax(j, "',' or '}' expected");
        }
    default:
        if (*j->p == '-' || (*j->p >= '0' && *j->p <= '9'))
            return number(j, &is_int, &v, &of);
        return syntax(j, "invalid value");
    }
}

/* The index of key in table, -1 if unknown. The search starts at *next,
 * the entry after the previous key, and wraps around: in the encoder's
 * order the key is at most a few absent optional fields further on. */
static int lookup(const field *table, size_t n, store_str key, size_t *next)
{
    if (key.len == 0)
        return -1;
    size_t i = *next < n ? *next : 0;
    for (size_t tried = 0; tried < n; tried++, i = i + 1 < n ? i + 1 : 0)
        if (table[i].len == key.len && table[i].name[0] == key.p[0] &&
            memcmp(table[i].name, key.p, key.len) == 0) {
            *next = i + 1;
            return (int)i;
        }
    return -1;
}

/* The value of a known field of type t. */
typedef struct {
    store_str s;
    int64_t i;
} value;

/* "warnings": strings joined with ',' into the scratch. */
static int string_array(jp *j, const field *f, store_str *out)
{
    char *o = j->out;
    size_t n = 0;
    if (j->p >= j->end || *j->p != '[')
        return fail(j, "field '%s': expected an array of strings", f->name);
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        *out = (store_str){o, 0};
        return 0;
    }
    for (;;) {
        store_str s;
        ws(j);
        if (j->p >= j->end || *j->p != '"')
            return j->p >= j->end ? syntax(j, "unterminated array")
                                  : fail(j, "field '%s': expected an array of strings", f->name);
        /* decode after what is joined so far; the copy below only moves
         * bytes down, and the total never exceeds the JSON text */
        j->out = o + n + 1;
        if (string(j, &s) != 0)
            return -1;
        if (n)
            o[n++] = ',';
        memmove(o + n, s.p, s.len);
        n += s.len;
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            break;
        }
        return syntax(j, "',' or ']' expected");
    }
    j->out = o + n;
    *out = (store_str){o, n};
    return 0;
}

static int int_array(jp *j, const field *f)
{
    if (j->p >= j->end || *j->p != '[')
        return fail(j, "field '%s': expected an array of integers", f->name);
    j->p++;
    ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        return 0;
    }
    for (;;) {
        int is_int, of;
        int64_t v;
        ws(j);
        if (j->p >= j->end)
            return syntax(j, "unterminated array");
        if (*j->p != '-' && (*j->p < '0' || *j->p > '9')) {
            if (skip_value(j, 1) != 0)
                return -1;
            return fail(j, "field '%s': expected an array of integers", f->name);
        }
        if (number(j, &is_int, &v, &of) != 0)
            return -1;
        if (!is_int || of)
            return fail(j, "field '%s': expected an array of integers", f->name);
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == ']') {
            j->p++;
            return 0;
        }
        return syntax(j, "',' or ']' expected");
    }
}

static const char *type_name(ftype t)
{
    switch (t) {
    case T_STR: return "a string";
    case T_INT: return "an integer";
    case T_BOOL: return "true or false";
    case T_STRARR: return "an array of strings";
    case T_INTARR: return "an array of integers";
    case T_AUTH: return "an object";
    }
    return "?";
}

/* A wrong type is reported once the value has been checked as JSON, so
 * that broken JSON is always reported as such. */
static int wrong_type(jp *j, const field *f)
{
    if (skip_value(j, 1) != 0)
        return -1;
    return fail(j, "field '%s': expected %s", f->name, type_name((ftype)f->type));
}

static int typed_value(jp *j, const field *f, value *out)
{
    ws(j);
    if (j->p >= j->end)
        return syntax(j, "value expected");
    char c = *j->p;
    switch ((ftype)f->type) {
    case T_STR:
        if (c != '"')
            return wrong_type(j, f);
        return string(j, &out->s);
    case T_INT: {
        int is_int, of;
        if (c != '-' && (c < '0' || c > '9'))
            return wrong_type(j, f);
        if (number(j, &is_int, &out->i, &of) != 0)
            return -1;
        if (!is_int)
            return fail(j, "field '%s': expected an integer", f->name);
        if (of)
            return fail(j, "field '%s': integer out of range", f->name);
        return 0;
    }
    case T_BOOL:
        if (c == 't') {
            out->i = 1;
            return literal(j, "true", 4);
        }
        if (c == 'f') {
            out->i = 0;
            return literal(j, "false", 5);
        }
        return wrong_type(j, f);
    case T_STRARR:
        if (c != '[')
            return wrong_type(j, f);
        return string_array(j, f, &out->s);
    case T_INTARR:
        if (c != '[')
            return wrong_type(j, f);
        return int_array(j, f);
    case T_AUTH:
        return wrong_type(j, f);   /* objects are parsed by the caller */
    }
    return -1;
}

static int set_field(jp *j, store_event *ev, const field *f, const value *v);

/* Members of an object (after its '{'), each known one through set_field(). */
static int members(jp *j, const field *table, size_t n, store_event *ev, int depth)
{
    size_t next = 0;
    ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return 0;
    }
    for (;;) {
        store_str key;
        ws(j);
        if (j->p >= j->end || *j->p != '"')
            return syntax(j, "key expected");
        char *save = j->out;
        if (string(j, &key) != 0)
            return -1;
        int k = lookup(table, n, key, &next);
        j->out = save;   /* a decoded key is not kept */
        ws(j);
        if (j->p >= j->end || *j->p != ':')
            return syntax(j, "':' expected");
        j->p++;
        if (k < 0) {
            if (skip_value(j, depth + 1) != 0)
                return -1;
        } else if (table[k].type == T_AUTH) {
            ws(j);
            if (j->p >= j->end || *j->p != '{') {
                if (j->p >= j->end)
                    return syntax(j, "value expected");
                return wrong_type(j, &table[k]);
            }
            j->p++;
            /* A repeated "auth" replaces the earlier object whole, as the
             * last value of a repeated key does everywhere (and in jansson):
             * none of the earlier object's fields may survive it. */
            ev->auth_user = ev->auth_realm = ev->auth_algorithm = (store_str){0};
            if (members(j, AUTH_FIELDS, NFIELDS(AUTH_FIELDS), ev, depth + 1) != 0)
                return -1;
        } else {
            value v;
            if (typed_value(j, &table[k], &v) != 0 || set_field(j, ev, &table[k], &v) != 0)
                return -1;
        }
        ws(j);
        if (j->p < j->end && *j->p == ',') {
            j->p++;
            continue;
        }
        if (j->p < j->end && *j->p == '}') {
            j->p++;
            return 0;
        }
        return syntax(j, j->p >= j->end ? "unterminated object" : "',' or '}' expected");
    }
}

static int port(jp *j, const field *f, int64_t v, int64_t *out)
{
    if (v < 0 || v > 65535)
        return fail(j, "field '%s': not a port number", f->name);
    *out = v;
    return 0;
}

static int set_field(jp *j, store_event *ev, const field *f, const value *v)
{
    switch ((fid)f->id) {
    case F_V: j->version = v->i; break;
    case F_EVENTID: ev->eventid = v->s; break;
    case F_TIMESTAMP: j->timestamp = v->s; break;
    case F_SENSOR: ev->sensor = v->s; break;
    case F_RUN: ev->run = v->s; break;
    case F_SEQ:
        if (v->i < 0)
            return fail(j, "field 'seq': negative");
        ev->seq = v->i;
        break;
    case F_TRANSPORT: ev->transport = v->s; break;
    case F_SRC_IP: ev->src_ip = v->s; break;
    case F_SRC_PORT: return port(j, f, v->i, &ev->src_port);
    case F_DST_IP: ev->dst_ip = v->s; break;
    case F_DST_PORT: return port(j, f, v->i, &ev->dst_port);
    case F_STATUS: ev->status = v->i; break;
    case F_REASON: case F_DROP_REASON: case F_ERROR: ev->reason = v->s; break;
    case F_METHOD: ev->method = v->s; break;
    case F_RURI: ev->ruri = v->s; break;
    case F_RURI_USER: ev->ruri_user = v->s; break;
    case F_FROM_USER: ev->from_user = v->s; break;
    case F_FROM_TAG: ev->from_tag = v->s; break;
    case F_TO_USER: ev->to_user = v->s; break;
    case F_CONTACT_USER: ev->contact_user = v->s; break;
    case F_CALL_ID: ev->call_id = v->s; break;
    case F_CSEQ: ev->cseq = v->i; break;
    case F_USER_AGENT: ev->user_agent = v->s; break;
    case F_SERVER: ev->server = v->s; break;
    case F_AUTH_OUTCOME: ev->auth_outcome = v->s; break;
    case F_RESPONSE: ev->response = v->i; break;
    case F_ANSWERED: ev->answered = v->i; break;
    case F_DIAL_EXTERNAL: ev->dial_external = v->i; break;
    case F_EXTENSION_KNOWN: ev->extension_known = v->i; break;
    case F_WARNINGS: ev->warnings = v->s; break;
    case F_SUPPRESSED: ev->suppressed = v->i; break;
    case F_LEN: ev->len = v->i; break;
    case F_FIELDS_TRUNCATED:
    case F_RAW_TRUNCATED: {
        int64_t bit = f->id == F_FIELDS_TRUNCATED ? STORE_TRUNC_FIELDS : STORE_TRUNC_RAW;
        int64_t t = ev->truncated == STORE_NULL ? 0 : ev->truncated;
        t = v->i ? t | bit : t & ~bit;
        ev->truncated = t ? t : STORE_NULL;
        break;
    }
    case F_RAW:
        if (j->keep_raw)
            ev->raw = v->s;
        break;
    case A_USER: ev->auth_user = v->s; break;
    case A_REALM: ev->auth_realm = v->s; break;
    case A_ALGORITHM: ev->auth_algorithm = v->s; break;
    default: break;   /* checked, not stored (docs/STORE.md) */
    }
    return 0;
}

/* ---- time ------------------------------------------------------------------ */

/* Days since 1970-01-01 of a civil date (H. Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? (unsigned)-3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int digits(const char *s, int n, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 0;
}

int event_json_parse_time(const char *s, size_t len, long long *ms)
{
    unsigned y, mo, d, h, mi, sec, frac = 0;
    static const unsigned char mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (len < 20 || digits(s, 4, &y) || s[4] != '-' || digits(s + 5, 2, &mo) || s[7] != '-' ||
        digits(s + 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
        digits(s + 11, 2, &h) || s[13] != ':' || digits(s + 14, 2, &mi) || s[16] != ':' ||
        digits(s + 17, 2, &sec))
        return -1;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || sec > 60)
        return -1;
    if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return -1;
    size_t i = 19;
    if (i < len && s[i] == '.') {
        int n = 0;
        for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, n++)
            if (n < 3)
                frac = frac * 10 + (unsigned)(s[i] - '0');
        if (n == 0)
            return -1;
        for (; n < 3; n++)
            frac *= 10;
    }
    int64_t off = 0;
    if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        unsigned oh, om;
        if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return -1;
        off = (int64_t)(oh * 60 + om) * 60000;
        if (s[i] == '-')
            off = -off;
        i += 6;
    } else {
        return -1;
    }
    if (i != len)
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    *ms = (long long)(((days * 24 + h) * 60 + mi) * 60 + sec) * 1000 + frac - off;
    return 0;
}

/* ---- the line ---------------------------------------------------------------- */

/* FNV-1a, 64 bits: the identity of a foreign line (no run/seq). */
int64_t ingest_line_seq(const char *s, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
    return (int64_t)(h & (uint64_t)INT64_MAX);
}

static int valid_ip(store_str s)
{
    char buf[64];
    unsigned char a[16];
    if (s.len == 0 || s.len >= sizeof buf)
        return 0;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    return inet_pton(AF_INET, buf, a) == 1 || inet_pton(AF_INET6, buf, a) == 1;
}

int event_json_parse(const char *line, size_t len, const event_json_opts *opts,
                     store_event *ev, char *scratch, char *why, size_t whylen)
{
    jp j = {line, line, line + len, scratch, why, whylen, 0, STORE_NULL, STORE_STR_NULL,
            opts && opts->keep_raw};
    store_event_clear(ev);
    ws(&j);
    if (j.p >= j.end)
        return fail(&j, "empty line");
    if (*j.p != '{') {
        if (skip_value(&j, 0) != 0)
            return -1;
        return fail(&j, "not a JSON object");
    }
    j.p++;
    if (members(&j, FIELDS, NFIELDS(FIELDS), ev, 0) != 0)
        return -1;
    ws(&j);
    if (j.p != j.end)
        return syntax(&j, "text after the object");

    if (j.version != STORE_NULL && j.version != 1)
        return fail(&j, "unsupported schema version %lld", (long long)j.version);
    static const struct { const char *name; size_t off; } required[] = {
        {"eventid", offsetof(store_event, eventid)},
        {"sensor", offsetof(store_event, sensor)},
        {"src_ip", offsetof(store_event, src_ip)},
    };
    if (!j.timestamp.p)
        return fail(&j, "missing field 'timestamp'");
    for (size_t i = 0; i < NFIELDS(required); i++) {
        const store_str *s = (const store_str *)((const char *)ev + required[i].off);
        if (!s->p)
            return fail(&j, "missing field '%s'", required[i].name);
    }
    long long ms;
    if (event_json_parse_time(j.timestamp.p, j.timestamp.len, &ms) != 0)
        return fail(&j, "field 'timestamp': not an ISO 8601 UTC time");
    ev->ts_ms = ms;
    if (!valid_ip(ev->src_ip))
        return fail(&j, "field 'src_ip': not an IP address");
    if (ev->dst_ip.p && !valid_ip(ev->dst_ip))
        return fail(&j, "field 'dst_ip': not an IP address");
    if (!ev->run.p && ev->seq == STORE_NULL) {
        /* a foreign line: the line itself is the identity (without the
         * white space around it, which says nothing) */
        const char *a = line, *b = line + len;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r' || b[-1] == '\n'))
            b--;
        ev->run = (store_str){"", 0};
        ev->seq = ingest_line_seq(a, (size_t)(b - a));
    } else if (!ev->run.p) {
        return fail(&j, "field 'seq' without 'run'");
    } else if (ev->seq == STORE_NULL) {
        return fail(&j, "field 'run' without 'seq'");
    }
    return 0;
}
