/*
 * write.c - the bounded response writer, Asterisk's hangup cause texts and
 * small text/address helpers shared by chansip.c and pjsip.c.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "persona/persona_int.h"

const char persona_too_large[] = "response too large";

void wb_init(wbuf *w, persona_result *res)
{
    static char sink[1];
    w->len = 0;
    if (res->n >= PERSONA_MAX_RESPONSES || res->drop_reason == persona_too_large) {
        w->buf = sink;
        w->cap = 0;
        w->overflow = true;
        return;
    }
    w->buf = res->resp[res->n].data;
    w->cap = sizeof res->resp[res->n].data;
    w->overflow = false;
}

void wb_u32(wbuf *w, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[sizeof tmp - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    wb_put(w, tmp + sizeof tmp - n, n);
}

void wb_hex8(wbuf *w, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[8];
    for (int i = 7; i >= 0; i--, v >>= 4)
        tmp[i] = hex[v & 15];
    wb_put(w, tmp, 8);
}

/* strftime("%a, %d %b %Y %T GMT") without the locale (append_date() in
 * chan_sip, pjsip_date_hdr in res_pjsip_registrar). */
void wb_http_date(wbuf *w, int64_t now_ms)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char mons[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(now_ms / 1000);
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL) {
        t = 0;
        gmtime_r(&t, &tm);
    }
    char out[40];
    int y = tm.tm_year + 1900;
    out[0] = 0;
    /* Fixed-width pieces; snprintf is locale-free for these conversions. */
    int n = snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT",
                     days[tm.tm_wday % 7], tm.tm_mday, mons[tm.tm_mon % 12], y,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    if (n > 0)
        wb_put(w, out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
}

bool persona_emit(persona_result *res, wbuf *w, unsigned code, uint32_t delay_ms,
                  bool reliable)
{
    if (res->drop_reason == persona_too_large)
        return false; /* an earlier answer of this request overflowed */
    if (w->overflow || res->n >= PERSONA_MAX_RESPONSES) {
        /* The request echoes more than one response can hold. Asterisk
         * would send it (its buffers grow); we do not send a truncated or
         * header-less answer, which no Asterisk ever sends: drop them all
         * (see docs/PERSONA.md, "Limits"). */
        res->n = 0;
        res->drop_reason = persona_too_large;
        return false;
    }
    persona_response *r = &res->resp[res->n++];
    /* The writer wrote into r->data already (wb_init on this slot). */
    r->len = w->len;
    r->code = code;
    r->delay_ms = delay_ms;
    r->reliable = reliable;
    return true;
}

/* ast_cause2str() (main/channel.c causes[]). */
const char *persona_cause_text(unsigned cause)
{
    static const struct { unsigned char code; const char *text; } causes[] = {
        {1, "Unallocated (unassigned) number"},
        {2, "No route to specified transmit network"},
        {3, "No route to destination"},
        {5, "Misdialed trunk prefix"},
        {6, "Channel unacceptable"},
        {7, "Call awarded and being delivered in an established channel"},
        {8, "Pre-empted"},
        {14, "Number ported elsewhere"},
        {16, "Normal Clearing"},
        {17, "User busy"},
        {18, "No user responding"},
        {19, "User alerting, no answer"},
        {20, "Subscriber absent"},
        {21, "Call Rejected"},
        {22, "Number changed"},
        {23, "Redirected to new destination"},
        {26, "Answered elsewhere"},
        {27, "Destination out of order"},
        {28, "Invalid number format"},
        {29, "Facility rejected"},
        {30, "Response to STATus ENQuiry"},
        {31, "Normal, unspecified"},
        {34, "Circuit/channel congestion"},
        {38, "Network out of order"},
        {41, "Temporary failure"},
        {42, "Switching equipment congestion"},
        {43, "Access information discarded"},
        {44, "Requested channel not available"},
        {50, "Facility not subscribed"},
        {52, "Outgoing call barred"},
        {54, "Incoming call barred"},
        {57, "Bearer capability not authorized"},
        {58, "Bearer capability not available"},
        {65, "Bearer capability not implemented"},
        {66, "Channel not implemented"},
        {69, "Facility not implemented"},
        {81, "Invalid call reference value"},
        {88, "Incompatible destination"},
        {95, "Invalid message unspecified"},
        {96, "Mandatory information element is missing"},
        {97, "Message type nonexist."},
        {98, "Wrong message"},
        {99, "Info. element nonexist or not implemented"},
        {100, "Invalid information element contents"},
        {101, "Message not compatible with call state"},
        {102, "Recover on timer expiry"},
        {103, "Mandatory IE length error"},
        {111, "Protocol error, unspecified"},
        {127, "Interworking, unspecified"},
    };
    for (size_t i = 0; i < sizeof causes / sizeof causes[0]; i++)
        if (causes[i].code == cause)
            return causes[i].text;
    return "Unknown";
}

void persona_random_hex(prng *r, char *out, size_t nhex)
{
    static const char hex[] = "0123456789abcdef";
    uint64_t v = 0;
    for (size_t i = 0; i < nhex; i++) {
        if (i % 16 == 0)
            v = prng_next(r);
        out[i] = hex[v & 15];
        v >>= 4;
    }
    out[nhex] = '\0';
}

void persona_random_uuid(prng *r, char out[37])
{
    char h[33];
    persona_random_hex(r, h, 32);
    h[12] = '4';                              /* version 4            */
    h[16] = "89ab"[(h[16] - '0') & 3];        /* RFC 4122 variant     */
    size_t o = 0;
    for (size_t i = 0; i < 32; i++) {
        if (i == 8 || i == 12 || i == 16 || i == 20)
            out[o++] = '-';
        out[o++] = h[i];
    }
    out[o] = '\0';
}

/* ASCII case folding: what strncasecmp() does in the C locale, which is
 * the only one the sensor runs in (it never calls setlocale()). */
static inline unsigned char fold(unsigned char ch)
{
    return (unsigned char)(ch - 'A') < 26 ? (unsigned char)(ch | 0x20) : ch;
}

static bool fold_eq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fold((unsigned char)a[i]) != fold((unsigned char)b[i]))
            return false;
    return true;
}

bool text_ieq(const char *a, size_t alen, const char *lit)
{
    size_t n = strlen(lit);
    return alen == n && fold_eq(a, lit, n);
}

bool text_iprefix(const char *a, size_t alen, const char *lit)
{
    size_t n = strlen(lit);
    return alen >= n && fold_eq(a, lit, n);
}

/* An ordinary byte of a header value: neither NUL, CR, LF, SP nor HT. */
static inline bool ordinary(unsigned char c)
{
    return c > ' ' || (c != '\0' && c != '\r' && c != '\n' && c != ' ' && c != '\t');
}

/* The length of the run of ordinary bytes at the start of u[0..len): 16
 * bytes at a time with SSE2 while none is below 0x21 (a value is mostly
 * one run; chan_sip copies five or six values per response: byte by byte,
 * this was ~4% of the sensor's own instructions, bench/bench_answer). */
size_t text_ordinary_run(const unsigned char *u, size_t len)
{
    size_t i = 0;
#if defined(__SSE2__)
    const __m128i bang = _mm_set1_epi8('!');
    for (; i + 16 <= len; i += 16) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(u + i));
        /* unsigned v < '!': max(v, '!') differs from v */
        unsigned low = 0xffffu & ~(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(v, bang), v));
        if (low) {
            i += (size_t)__builtin_ctz(low);
            break;
        }
    }
#endif
    while (i < len && ordinary(u[i]))
        i++;
    return i;
}

/* strcasestr() on a counted string (the needle holds no NUL). */
const char *text_ifind(const char *h, size_t hlen, const char *needle, size_t *at)
{
    size_t n = strlen(needle);
    if (n == 0 || hlen < n)
        return NULL;
    unsigned char first = fold((unsigned char)needle[0]);
    if (first == (unsigned char)needle[0] && (unsigned char)(first - 'a') >= 26) {
        /* ";tag=", ";expires=": a first byte without case is found with
         * memchr, not compared byte by byte (a From header per request). */
        const char *p = h, *last = h + (hlen - n);
        while (p <= last && (p = memchr(p, first, (size_t)(last - p) + 1)) != NULL) {
            if (fold_eq(p + 1, needle + 1, n - 1)) {
                if (at)
                    *at = (size_t)(p - h);
                return p;
            }
            p++;
        }
        return NULL;
    }
    for (size_t i = 0; i + n <= hlen; i++) {
        if (fold((unsigned char)h[i]) == first && fold_eq(h + i + 1, needle + 1, n - 1)) {
            if (at)
                *at = i;
            return h + i;
        }
    }
    return NULL;
}

void wb_hostport(wbuf *w, const char *ip, uint32_t port)
{
    if (addr_is_ipv6(ip)) {
        wb_put(w, "[", 1);
        wb_puts(w, ip);
        wb_put(w, "]", 1);
    } else {
        wb_puts(w, ip);
    }
    wb_put(w, ":", 1);
    wb_u32(w, port);
}

bool addr_is_ipv6(const char *a)
{
    return a && strchr(a, ':') != NULL;
}

/* The address in the text a (alen bytes, no NUL inside) into out: returns
 * its family, 0 if a is no IPv4 or IPv6 address. */
static int addr_from_text(const char *a, size_t alen, unsigned char out[16])
{
    char tmp[64];
    if (alen == 0 || alen >= sizeof tmp || memchr(a, '\0', alen))
        return 0;
    memcpy(tmp, a, alen);
    tmp[alen] = '\0';
    if (inet_pton(AF_INET, tmp, out) == 1)
        return AF_INET;
    if (inet_pton(AF_INET6, tmp, out) == 1)
        return AF_INET6;
    return 0;
}

bool addr_is_literal(const char *a, size_t alen)
{
    unsigned char x[16];
    return addr_from_text(a, alen, x) != 0;
}

bool addr_equal(const char *a, size_t alen, const char *b)
{
    unsigned char x[16], y[16];
    if (b == NULL)
        return false;
    /* b is an address as inet_ntop wrote it (the peer's): the same text
     * is the same address, without two inet_pton (most top Vias). */
    if (strlen(b) == alen && alen > 0 && memcmp(a, b, alen) == 0)
        return true;
    int fam = addr_from_text(a, alen, x);
    return fam != 0 && inet_pton(fam, b, y) == 1 && memcmp(x, y, fam == AF_INET ? 4 : 16) == 0;
}
