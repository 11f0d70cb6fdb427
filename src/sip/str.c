/*
 * str.c - sip_str views, the character-class table and method names.
 */
#include <string.h>

#include "sip/sip_internal.h"

/* Generated from the class definitions in sip_internal.h (one row per 16
 * bytes; bytes >= 0x80 and controls other than HTAB belong to no class). */
const uint16_t sip_cc[256] = {
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x400, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0x00 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0x10 */
    0x400, 0x83f, 0x000, 0x800, 0x83c, 0x801, 0x81c, 0x83f, 0x83e, 0x83e, 0x83f, 0x8bd, 0x80c, 0x8ff, 0x8ff, 0x834,  /* 0x20 */
    0xbff, 0xbff, 0xbff, 0xbff, 0xbff, 0xbff, 0xbff, 0xbff, 0xbff, 0xbff, 0x830, 0x804, 0x000, 0x80c, 0x000, 0x824,  /* 0x30 */
    0x800, 0xaff, 0xaff, 0xaff, 0xaff, 0xaff, 0xaff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff,  /* 0x40 */
    0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x830, 0x800, 0x830, 0x800, 0x87f,  /* 0x50 */
    0x801, 0xaff, 0xaff, 0xaff, 0xaff, 0xaff, 0xaff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff,  /* 0x60 */
    0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x8ff, 0x800, 0x800, 0x800, 0x83f, 0x000,  /* 0x70 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0x80 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0x90 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0xa0 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0xb0 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0xc0 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0xd0 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0xe0 */
    0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000, 0x000,  /* 0xf0 */
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
    while (p < end) {
        switch (*p) {
        case ',':
            return p;
        case '"':
            p = sip_skip_quoted(p, end);
            if (p == NULL)
                return end;
            break;
        case '<': {
            const char *gt = memchr(p, '>', (size_t)(end - p));
            if (gt == NULL)
                return end;
            p = gt + 1;
            break;
        }
        default:
            p++;
        }
    }
    return end;
}
