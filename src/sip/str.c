/*
 * str.c - sip_str views, the character-class table and method names.
 */
#include <string.h>

#include "sip/sip_internal.h"

/* Generated from the class definitions in sip_internal.h, 8 bytes a row. */
const uint32_t sip_cc[256] = {
    /* 0x00 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0x08 */ 0xc0000, 0x80400, 0x80000, 0xc0000, 0xc0000, 0x80000, 0xc0000, 0xc0000,
    /* 0x10 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0x18 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0x20 */ 0x80400, 0xf683f, 0x08000, 0xe0800, 0xe683c, 0xf0801, 0xe681c, 0xf683f,
    /* 0x28 */ 0xe683e, 0xe683e, 0xf683f, 0xf68bd, 0x8880c, 0xf68ff, 0xf78ff, 0xe6834,
    /* 0x30 */ 0xf7bff, 0xf7bff, 0xf7bff, 0xf7bff, 0xf7bff, 0xf7bff, 0xf7bff, 0xf7bff,
    /* 0x38 */ 0xf7bff, 0xf7bff, 0xf6830, 0xe2804, 0xc8000, 0xe680c, 0xc0000, 0xc4824,
    /* 0x40 */ 0xe0800, 0xf6aff, 0xf6aff, 0xf6aff, 0xf6aff, 0xf6aff, 0xf6aff, 0xf68ff,
    /* 0x48 */ 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff,
    /* 0x50 */ 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff,
    /* 0x58 */ 0xf68ff, 0xf68ff, 0xf68ff, 0xf6830, 0x60800, 0xf6830, 0xe0800, 0xf687f,
    /* 0x60 */ 0xf0801, 0xf6aff, 0xf6aff, 0xf6aff, 0xf6aff, 0xf6aff, 0xf6aff, 0xf68ff,
    /* 0x68 */ 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff,
    /* 0x70 */ 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff, 0xf68ff,
    /* 0x78 */ 0xf68ff, 0xf68ff, 0xf68ff, 0xe0800, 0xe0800, 0xe0800, 0xf683f, 0xc0000,
    /* 0x80 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0x88 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0x90 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0x98 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xa0 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xa8 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xb0 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xb8 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xc0 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xc8 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xd0 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xd8 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xe0 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xe8 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xf0 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
    /* 0xf8 */ 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000, 0xc0000,
};

bool sip_str_eq(sip_str s, const char *lit)
{
    size_t n = strlen(lit); /* the literal is ours, never the input */
    return s.p != NULL && s.len == n && memcmp(s.p, lit, n) == 0;
}

bool sip_str_ieq(sip_str s, const char *lit)
{
    return s.p != NULL && sip_ieq_lit(s.p, s.len, lit, strlen(lit));
}

size_t sip_str_unfold(sip_str s, char *out, size_t cap)
{
    size_t n = 0;
    if (cap == 0)
        return 0;
    const char *p = s.p, *end = s.p ? s.p + s.len : NULL;
    while (p < end && n + 1 < cap) {
        /* A fold is CRLF (or a bare LF) followed by SP/HTAB; it and the
         * white space after it become one SP (RFC 3261 7.3.1). */
        const char *q = p;
        if (*q == '\r' && end - q >= 2 && q[1] == '\n')
            q += 2;
        else if (*q == '\n')
            q += 1;
        if (q != p && q < end && (*q == ' ' || *q == '\t')) {
            while (q < end && (*q == ' ' || *q == '\t'))
                q++;
            out[n++] = ' ';
            p = q;
            continue;
        }
        out[n++] = *p++;
    }
    out[n] = '\0';
    return n;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t sip_str_unescape(sip_str s, char *out, size_t cap)
{
    size_t n = 0;
    const char *p = s.p, *end = s.p ? s.p + s.len : NULL;
    if (cap == 0)
        return 0;
    while (p < end && n + 1 < cap) {
        if (*p == '%') {
            if (end - p < 3 || hexval(p[1]) < 0 || hexval(p[2]) < 0) {
                out[n] = '\0';
                return (size_t)-1;
            }
            out[n++] = (char)(hexval(p[1]) << 4 | hexval(p[2]));
            p += 3;
        } else {
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return n;
}

/* Method tokens are case-sensitive (RFC 3261 7.1): compare exactly, after a
 * switch on the length that leaves one or two candidates. */
static const char *const method_names[SIP_METHOD_COUNT] = {
    [SIP_INVITE] = "INVITE", [SIP_ACK] = "ACK", [SIP_BYE] = "BYE",
    [SIP_CANCEL] = "CANCEL", [SIP_OPTIONS] = "OPTIONS",
    [SIP_REGISTER] = "REGISTER", [SIP_PRACK] = "PRACK",
    [SIP_SUBSCRIBE] = "SUBSCRIBE", [SIP_NOTIFY] = "NOTIFY",
    [SIP_PUBLISH] = "PUBLISH", [SIP_INFO] = "INFO", [SIP_REFER] = "REFER",
    [SIP_MESSAGE] = "MESSAGE", [SIP_UPDATE] = "UPDATE",
};

static sip_method method_if(sip_str t, sip_method m)
{
    return memcmp(t.p, method_names[m], t.len) == 0 ? m : SIP_METHOD_UNKNOWN;
}

sip_method sip_method_from(sip_str t)
{
    if (t.p == NULL)
        return SIP_METHOD_UNKNOWN;
    switch (t.len) {
    case 3:
        return t.p[0] == 'A' ? method_if(t, SIP_ACK) : method_if(t, SIP_BYE);
    case 4:
        return method_if(t, SIP_INFO);
    case 5:
        return t.p[0] == 'P' ? method_if(t, SIP_PRACK) : method_if(t, SIP_REFER);
    case 6:
        switch (t.p[0]) {
        case 'I': return method_if(t, SIP_INVITE);
        case 'C': return method_if(t, SIP_CANCEL);
        case 'N': return method_if(t, SIP_NOTIFY);
        case 'U': return method_if(t, SIP_UPDATE);
        }
        return SIP_METHOD_UNKNOWN;
    case 7:
        switch (t.p[0]) {
        case 'O': return method_if(t, SIP_OPTIONS);
        case 'P': return method_if(t, SIP_PUBLISH);
        case 'M': return method_if(t, SIP_MESSAGE);
        }
        return SIP_METHOD_UNKNOWN;
    case 8:
        return method_if(t, SIP_REGISTER);
    case 9:
        return method_if(t, SIP_SUBSCRIBE);
    }
    return SIP_METHOD_UNKNOWN;
}

const char *sip_method_name(sip_method m)
{
    if ((unsigned)m >= SIP_METHOD_COUNT)
        return NULL;
    return method_names[m]; /* NULL for SIP_METHOD_UNKNOWN */
}

const char *sip_next_comma(const char *p, const char *end)
{
    const char *lo = p;
    for (;;) {
        /* Most Via and Contact values hold no ',', '"' or '<' at all. */
        p = sip_find3(lo, p, end, ',', '"', '<');
        if (p == end || *p == ',')
            return p;
        if (*p == '"') {
            p = sip_skip_quoted(p, end);
        } else { /* '<': a URI may hold ',' (RFC 3261 20: hence the <>) */
            p = sip_find3(lo, p, end, '>', '>', '>');
            if (p == end)
                return end;
            p++;
        }
        if (p == NULL)
            return end;
    }
}
