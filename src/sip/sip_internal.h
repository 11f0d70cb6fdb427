/*
 * sip_internal.h - helpers shared by the parser's files (str.c, uri.c, hdr.c,
 * parse.c), by its unit tests and by bench/bench_parse.c (whose ceiling is
 * built from the same searches). Not part of the API: other modules use
 * sip.h only.
 *
 * Every helper works on a half-open range [p, end) of the caller's buffer and
 * never reads at or past end. None of them allocates or uses C string
 * functions on the input (bodies and escaped URIs contain NUL bytes).
 */
#ifndef SIPSNARE_SIP_INTERNAL_H
#define SIPSNARE_SIP_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "sip/sip.h"

/* Character classes of RFC 3261 section 25.1, one bit each in sip_cc[].
 * The table in str.c is generated from exactly these sets; the unit test
 * test_sip_str checks all 256 entries against them. */
enum {
    SIP_C_TOKEN  = 1u << 0,  /* alphanum - . ! % * _ + ` ' ~                 */
    SIP_C_UNRES  = 1u << 1,  /* unreserved: alphanum - _ . ! ~ * ' ( )       */
    SIP_C_USER   = 1u << 2,  /* unreserved + user-unreserved & = + $ , ; ? / */
    SIP_C_PASS   = 1u << 3,  /* unreserved + & = + $ ,                       */
    SIP_C_PARAM  = 1u << 4,  /* unreserved + param-unreserved [ ] / : & + $  */
    SIP_C_HNV    = 1u << 5,  /* unreserved + hnv-unreserved [ ] / ? : + $    */
    SIP_C_HOST   = 1u << 6,  /* alphanum - . _ (underscore: real-world names) */
    SIP_C_SCHEME = 1u << 7,  /* alphanum + - .                               */
    SIP_C_DIGIT  = 1u << 8,
    SIP_C_HEX    = 1u << 9,
    SIP_C_WS     = 1u << 10, /* SP HTAB                                      */
    SIP_C_URIC   = 1u << 11, /* printable ASCII except SP < > "  (opaque URIs) */
    SIP_C_IPV4   = 1u << 12, /* DIGIT "."                                    */
    SIP_C_PCHAR  = 1u << 13, /* SIP_C_PARAM + = ;  (a URI's parameter list)  */
    SIP_C_HCHAR  = 1u << 14, /* SIP_C_HNV + = &    (a URI's headers)         */
    SIP_C_LSTOP  = 1u << 15, /* , " <  (where a list element may end)        */
    SIP_C_GVAL   = 1u << 16, /* token + [ ] :  (gen-value: token or host)    */
    SIP_C_ADDR   = 1u << 17, /* SIP_C_URIC but , ?  (a URI outside <>)       */
    SIP_C_AVAL   = 1u << 18, /* any byte but , SP HTAB CR LF "  (an unquoted
                                auth-param value, taken loosely)            */
    SIP_C_QTEXT  = 1u << 19, /* any byte but " \  (inside a quoted-string)   */
};

extern const uint32_t sip_cc[256];

static inline bool sip_is(char c, unsigned cls)
{
    return (sip_cc[(unsigned char)c] & cls) != 0;
}

/* Skips whole 16-byte blocks of ALPHA / DIGIT / '-' / '.', which every
 * class it is used for (token, gen-value, host, ...) contains: the long
 * tags, branches and host names, 16 bytes per step. The caller then goes
 * on with sip_span from the returned position, so the result is exact. */
static inline const char *sip_skip_alnum16(const char *p, const char *end)
{
#if defined(__SSE2__)
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        __m128i l = _mm_or_si128(v, _mm_set1_epi8(0x20));
        /* Signed compares: bytes >= 0x80 are negative, so never in range. */
        __m128i dig = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                    _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
        __m128i alp = _mm_and_si128(_mm_cmpgt_epi8(l, _mm_set1_epi8('a' - 1)),
                                    _mm_cmplt_epi8(l, _mm_set1_epi8('z' + 1)));
        __m128i dd = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('-')),
                                  _mm_cmpeq_epi8(v, _mm_set1_epi8('.')));
        unsigned bad = ~(unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(dig, alp), dd)) & 0xffffu;
        if (bad != 0)
            return p + __builtin_ctz(bad);
        p += 16;
    }
#else
    (void)end;
#endif
    return p;
}

/* The end of the run of bytes of class cls that starts at p (at most end).
 * Four table lookups per step and one branch: the scans of tokens, tags,
 * branches and host names are the inner loops of the whole parser. */
static inline const char *sip_span(const char *p, const char *end, unsigned cls)
{
    while (end - p >= 4) {
        uint32_t a = sip_cc[(unsigned char)p[0]], b = sip_cc[(unsigned char)p[1]],
                 c = sip_cc[(unsigned char)p[2]], d = sip_cc[(unsigned char)p[3]];
        if ((a & b & c & d & cls) == 0)
            break;
        p += 4;
    }
    while (p < end && sip_is(*p, cls))
        p++;
    return p;
}

/* The first '\n' in [p, end), or NULL. 16 bytes at a time with SSE2, but
 * never a load that reaches past end (the tests put a PROT_NONE page right
 * after the input). */
static inline const char *sip_find_lf(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i lf = _mm_set1_epi8('\n');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, lf));
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < end && *p != '\n')
        p++;
    return p < end ? p : NULL;
}

/* The first ':' or '\n' in [p, end), or end: where a header name ends
 * (a name cannot span lines). Same SSE2 scheme as sip_find_lf. */
static inline const char *sip_find_colon(const char *p, const char *end)
{
#if defined(__SSE2__)
    const __m128i colon = _mm_set1_epi8(':'), lf = _mm_set1_epi8('\n');
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned mask = (unsigned)_mm_movemask_epi8(
            _mm_or_si128(_mm_cmpeq_epi8(v, colon), _mm_cmpeq_epi8(v, lf)));
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
#endif
    while (p < end && *p != ':' && *p != '\n')
        p++;
    return p;
}

/* Zeroes n bytes. Compilers turn a constant-size memset of a few hundred
 * bytes (a sip_uri, a sip_nameaddr) into "rep stosq", whose start-up cost
 * (tens of cycles on AMD Zen) was a fifth of the time of a whole parse;
 * plain vector stores are several times faster at these sizes. */
static inline void sip_zero(void *dst, size_t n)
{
    char *p = (char *)dst;
#if defined(__SSE2__)
    const __m128i z = _mm_setzero_si128();
    for (; n >= 64; n -= 64, p += 64) {
        _mm_storeu_si128((__m128i *)(void *)p, z);
        _mm_storeu_si128((__m128i *)(void *)(p + 16), z);
        _mm_storeu_si128((__m128i *)(void *)(p + 32), z);
        _mm_storeu_si128((__m128i *)(void *)(p + 48), z);
    }
    for (; n >= 16; n -= 16, p += 16)
        _mm_storeu_si128((__m128i *)(void *)p, z);
#endif
    memset(p, 0, n);
}

/* The first byte of [p, end) equal to a, b or c, or end. 16 bytes at a
 * time; the last, partial block is read as the 16 bytes that end at end
 * (lo: where the caller's range starts; reads stay inside [lo, end)), with
 * the bytes before p masked off, so only a range shorter than 16 bytes is
 * looked at one byte at a time. */
static inline const char *sip_find3(const char *lo, const char *p, const char *end, char a, char b, char c)
{
#if defined(__SSE2__)
    const __m128i va = _mm_set1_epi8(a), vb = _mm_set1_epi8(b), vc = _mm_set1_epi8(c);
    while (end - p >= 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)), _mm_cmpeq_epi8(v, vc)));
        if (mask != 0)
            return p + __builtin_ctz(mask);
        p += 16;
    }
    if (p < end && end - lo >= 16) {
        const char *q = end - 16;
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)q);
        unsigned mask = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, va), _mm_cmpeq_epi8(v, vb)), _mm_cmpeq_epi8(v, vc)));
        mask &= ~0u << (p - q);
        return mask != 0 ? q + __builtin_ctz(mask) : end;
    }
#else
    (void)lo;
#endif
    while (p < end && *p != a && *p != b && *p != c)
        p++;
    return p;
}

/* The first c in [p, end), or NULL: an inline loop, cheaper than a memchr
 * call on the short ranges of one header value. */
static inline const char *sip_find(const char *p, const char *end, char c)
{
    while (p < end && *p != c)
        p++;
    return p < end ? p : NULL;
}

/* Skips linear white space: SP, HTAB and folds (CRLF or a bare LF followed
 * by SP/HTAB, RFC 3261 7.3.1). Inside a header value a CR or LF is always
 * part of a fold, so this is all the value can contain between words. */
static inline const char *sip_skip_lws(const char *p, const char *end)
{
    /* SP HTAB CR LF are all <= ' ': one compare for the usual case (no
     * white space at all). */
    while (p < end && (unsigned char)*p <= ' ') {
        if (*p == ' ' || *p == '\t')
            p++;
        else if (*p == '\r' && end - p >= 3 && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t'))
            p += 3;
        else if (*p == '\n' && end - p >= 2 && (p[1] == ' ' || p[1] == '\t'))
            p += 2;
        else
            break;
    }
    return p;
}

/* Moves end back over trailing SP, HTAB, CR and LF (so over trailing folds). */
static inline const char *sip_trim_back(const char *p, const char *end)
{
    while (end > p && (unsigned char)end[-1] <= ' ' &&
           (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        end--;
    return end;
}

/* Case-insensitive comparison of [p, p+n) with a literal of length litn.
 * Two bytes that differ match only if they are the same ASCII letter. */
static inline bool sip_ieq_lit(const char *p, size_t n, const char *lit, size_t litn)
{
    if (n != litn)
        return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char a = (unsigned char)p[i], b = (unsigned char)lit[i];
        if (a != b && ((a | 0x20) != (b | 0x20) || (unsigned)((b | 0x20) - 'a') > 25))
            return false;
    }
    return true;
}
#define SIP_IEQ(p, n, lit) sip_ieq_lit((p), (n), (lit), sizeof(lit) - 1)

/* p points at '"'. Returns the position after the closing quote, honouring
 * quoted-pair backslash escapes, or NULL if the string is not terminated
 * before end. */
static inline const char *sip_skip_quoted(const char *p, const char *end)
{
    const char *lo = p;
    for (p++;;) {
        /* Nonces, responses and display names: 16 bytes at a time. */
        p = sip_find3(lo, p, end, '"', '\\', '"');
        if (p == end)
            return NULL;
        if (*p == '"')
            return p + 1;
        if (end - p < 2) /* '\\' and the byte it escapes */
            return NULL;
        p += 2;
    }
}

/* Parses [p, end) as 1*DIGIT. Fails (false) when empty, on any other byte,
 * or when the value exceeds max; never overflows. */
static inline bool sip_parse_uint(const char *p, const char *end, uint64_t max, uint64_t *out)
{
    uint64_t v = 0;
    if (p >= end)
        return false;
    for (; p < end; p++) {
        unsigned d = (unsigned char)*p - '0';
        if (d > 9)
            return false;
        if (v > max / 10)
            return false;
        v *= 10;
        if (d > max - v)
            return false;
        v += d;
    }
    *out = v;
    return true;
}

/* sip_uri_parse, sip_nameaddr_parse and sip_digest_parse for a result the
 * caller has already zeroed (msg_init zeroes the singletons of a sip_msg:
 * zeroing them twice was measurable). */
int sip_uri_parse_zeroed(const char *p, size_t len, sip_uri *uri, const char **err);
int sip_nameaddr_parse_zeroed(const char *p, size_t len, sip_nameaddr *na, const char **err);
int sip_digest_parse_zeroed(const char *p, size_t len, sip_digest *d, const char **err);

/* The first ',' of [p, end) that is outside a quoted-string and outside
 * <...>, or end. An unterminated quote or '<' runs to end. */
const char *sip_next_comma(const char *p, const char *end);

/* Scans a host (IPv4, [IPv6] reference or host name) at p. On success
 * returns the position after it and fills host (IPv6 without brackets) and
 * kind; on failure returns NULL and sets *err. */
const char *sip_host_scan(const char *p, const char *end, sip_str *host,
                          sip_host_kind *kind, const char **err);

/* Parses a port (1*DIGIT, at most 65535) in [p, end). */
bool sip_port_parse(const char *p, const char *end, uint16_t *port);

/* Iterator over header parameters "name[=value]" separated by ';' with LWS
 * around ';' and '=' (RFC 3261 generic-param; value: token, host or
 * quoted-string, kept as written). Strict: an empty parameter (";;") or a
 * trailing ';' is an error. */
typedef struct {
    const char *p, *end;
    bool need;      /* a ';' was consumed: another parameter must follow */
} sip_param_it;

static inline void sip_param_it_init(sip_param_it *it, const char *p, const char *end)
{
    it->p = p;
    it->end = end;
    it->need = false;
}

/* 1: *name and *value (absent view when there is no '=') are set;
 * 0: no more parameters; -1: syntax error. */
int sip_param_next(sip_param_it *it, sip_str *name, sip_str *value);

#endif
