/*
 * asterisk.c - Asterisk's security log, chan_sip/res_pjsip notices and CDR
 * CSV lines as events (asterisk.h). Every line is hostile input: fields
 * are views with lengths, copies are bounded by the scratch space, and
 * addresses must parse with inet_pton before they become src_ip.
 */
#include "ingest/asterisk.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "ingest/batch.h"
#include "ingest/event_json.h"
#include "ingest/reader.h"

typedef struct {
    const char *p;
    size_t n;
} view;

static int view_is(view v, const char *lit)
{
    size_t n = strlen(lit);
    return v.n == n && memcmp(v.p, lit, n) == 0;
}

static store_str sstr(view v)
{
    return (store_str){v.p, v.n};
}

static store_str lit(const char *s)
{
    return (store_str){s, strlen(s)};
}

/* Copies v into the scratch space, NUL-terminated; NULL when full. */
static char *keep(ast_scratch *sc, const char *p, size_t n)
{
    if (sc->used + n + 1 > sizeof sc->buf)
        return NULL;
    char *d = sc->buf + sc->used;
    memcpy(d, p, n);
    d[n] = '\0';
    sc->used += n + 1;
    return d;
}

static const char *find(const char *p, const char *end, const char *needle)
{
    size_t n = strlen(needle);
    for (; p + n <= end; p++)
        if (memcmp(p, needle, n) == 0)
            return p;
    return NULL;
}

/* ---- addresses ----------------------------------------------------------------- */

/* An address as text, validated and in canonical form, into the scratch. */
static const char *canon_ip(ast_scratch *sc, const char *p, size_t n)
{
    char tmp[64], out[INET6_ADDRSTRLEN];
    unsigned char bin[16];
    if (n == 0 || n >= sizeof tmp)
        return NULL;
    memcpy(tmp, p, n);
    tmp[n] = '\0';
    if (inet_pton(AF_INET, tmp, bin) == 1)
        inet_ntop(AF_INET, bin, out, sizeof out);
    else if (inet_pton(AF_INET6, tmp, bin) == 1)
        inet_ntop(AF_INET6, bin, out, sizeof out);
    else
        return NULL;
    return keep(sc, out, strlen(out));
}

/* "ip", "ip:port", "[v6]:port" or "v6"; 0 or -1. */
static int host_port(ast_scratch *sc, view v, const char **ip, int64_t *port)
{
    const char *p = v.p, *end = v.p + v.n, *colon = NULL;
    *port = STORE_NULL;
    if (v.n && *p == '[') {
        const char *rb = memchr(p, ']', v.n);
        if (!rb)
            return -1;
        *ip = canon_ip(sc, p + 1, (size_t)(rb - p - 1));
        colon = rb + 1 < end && rb[1] == ':' ? rb + 1 : NULL;
    } else {
        const char *c1 = memchr(p, ':', v.n);
        if (c1 && memchr(c1 + 1, ':', (size_t)(end - c1 - 1)))
            c1 = NULL;   /* several colons: a bare IPv6 address */
        *ip = canon_ip(sc, p, c1 ? (size_t)(c1 - p) : v.n);
        colon = c1;
    }
    if (!*ip)
        return -1;
    if (colon) {
        int64_t n = 0;
        const char *q = colon + 1;
        if (q == end)
            return -1;
        for (; q < end; q++) {
            if (!isdigit((unsigned char)*q) || n > 65535)
                return -1;
            n = n * 10 + (*q - '0');
        }
        if (n > 65535)
            return -1;
        *port = n;
    }
    return 0;
}

/* The security log's "IPV4/UDP/203.0.113.5/5060". */
static int security_address(ast_scratch *sc, view v, const char **ip, int64_t *port,
                            store_str *transport)
{
    const char *s1 = memchr(v.p, '/', v.n);
    if (!s1)
        return -1;
    const char *s2 = memchr(s1 + 1, '/', (size_t)(v.p + v.n - s1 - 1));
    if (!s2)
        return -1;
    const char *last = v.p + v.n;
    while (last > s2 + 1 && last[-1] != '/')
        last--;
    if (last == s2 + 1)
        return -1;
    view t = {s1 + 1, (size_t)(s2 - s1 - 1)};
    *transport = view_is(t, "UDP") ? lit("udp") : view_is(t, "TCP") ? lit("tcp")
               : (view_is(t, "TLS") || view_is(t, "WS") || view_is(t, "WSS")) ? lit("tls") : lit("udp");
    view addr = {s2 + 1, (size_t)(last - 1 - (s2 + 1))};
    view pv = {last, (size_t)(v.p + v.n - last)};
    *ip = canon_ip(sc, addr.p, addr.n);
    if (!*ip)
        return -1;
    int64_t n = 0;
    for (size_t i = 0; i < pv.n; i++) {
        if (!isdigit((unsigned char)pv.p[i]) || n > 65535)
            return -1;
        n = n * 10 + (pv.p[i] - '0');
    }
    *port = pv.n && n <= 65535 ? n : STORE_NULL;
    return 0;
}

/* The user of the first "sip:user@" in v, or an empty view. */
static view uri_user(view v)
{
    const char *end = v.p + v.n;
    const char *s = find(v.p, end, "sip:");
    if (!s)
        s = find(v.p, end, "sips:");
    if (!s)
        return (view){NULL, 0};
    s = (const char *)memchr(s, ':', (size_t)(end - s)) + 1;
    const char *at = s;
    while (at < end && *at != '@' && *at != '>' && *at != ';')
        at++;
    if (at == end || *at != '@')
        return (view){NULL, 0};
    return (view){s, (size_t)(at - s)};
}

/* ---- times ------------------------------------------------------------------------- */

/* "2026-01-01 10:00:00[.123]" or "Jan  1 10:00:00[.123]" (year given) to ms. */
static int stamp_ms(view v, int year, int64_t *ms)
{
    char tmp[48];
    if (v.n == 0 || v.n >= sizeof tmp)
        return -1;
    memcpy(tmp, v.p, v.n);
    tmp[v.n] = '\0';
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *rest = isdigit((unsigned char)tmp[0]) ? strptime(tmp, "%Y-%m-%d %H:%M:%S", &tm)
                                                      : strptime(tmp, "%b %d %H:%M:%S", &tm);
    if (!rest)
        return -1;
    if (!isdigit((unsigned char)tmp[0]))
        tm.tm_year = year - 1900;
    int frac = 0, digits = 0;
    if (*rest == '.') {
        for (rest++; isdigit((unsigned char)*rest); rest++)
            if (digits < 3) {
                frac = frac * 10 + (*rest - '0');
                digits++;
            }
        while (digits < 3 && digits > 0) {
            frac *= 10;
            digits++;
        }
    }
    if (*rest != '\0')
        return -1;
    *ms = (int64_t)timegm(&tm) * 1000 + frac;
    return 0;
}

/* EventTV: "1374144307-224166" (seconds-microseconds) or ISO 8601. */
static int event_tv_ms(view v, int64_t *ms)
{
    const char *dash = memchr(v.p, '-', v.n);
    if (dash && dash > v.p && dash - v.p <= 12) {
        int all = 1;
        for (const char *q = v.p; q < v.p + v.n; q++)
            if (q != dash && !isdigit((unsigned char)*q))
                all = 0;
        if (all && dash + 1 < v.p + v.n) {
            int64_t s = 0, us = 0;
            for (const char *q = v.p; q < dash; q++)
                s = s * 10 + (*q - '0');
            for (const char *q = dash + 1; q < v.p + v.n && q < dash + 7; q++)
                us = us * 10 + (*q - '0');
            *ms = s * 1000 + us / 1000;
            return 0;
        }
    }
    long long t;
    if (event_json_parse_time(v.p, v.n, &t) == 0) {
        *ms = t;
        return 0;
    }
    /* Asterisk writes the offset as +hhmm; the reader wants +hh:mm. */
    char tmp[48];
    if (v.n >= 5 && v.n + 1 < sizeof tmp && (v.p[v.n - 5] == '+' || v.p[v.n - 5] == '-')) {
        memcpy(tmp, v.p, v.n - 2);
        tmp[v.n - 2] = ':';
        memcpy(tmp + v.n - 1, v.p + v.n - 2, 2);
        if (event_json_parse_time(tmp, v.n + 1, &t) == 0) {
            *ms = t;
            return 0;
        }
    }
    return -1;
}

/* ---- the log line prefix -------------------------------------------------------- */

typedef struct {
    view stamp, level, source, msg;
} log_line;

/* "[stamp] LEVEL[pid][C-...] source: message" */
static int split_log_line(const char *line, size_t len, log_line *l)
{
    const char *end = line + len;
    if (len < 4 || line[0] != '[')
        return -1;
    const char *rb = memchr(line, ']', len);
    if (!rb)
        return -1;
    l->stamp = (view){line + 1, (size_t)(rb - line - 1)};
    const char *p = rb + 1;
    while (p < end && *p == ' ')
        p++;
    const char *lv = p;
    while (p < end && isupper((unsigned char)*p))
        p++;
    if (p == lv || p == end || *p != '[')
        return -1;
    l->level = (view){lv, (size_t)(p - lv)};
    while (p < end && *p == '[') {   /* [pid] and [C-00000001] */
        const char *q = memchr(p, ']', (size_t)(end - p));
        if (!q)
            return -1;
        p = q + 1;
    }
    while (p < end && *p == ' ')
        p++;
    const char *colon = find(p, end, ": ");
    if (!colon)
        return -1;
    l->source = (view){p, (size_t)(colon - p)};
    l->msg = (view){colon + 2, (size_t)(end - colon - 2)};
    return 0;
}

/* ---- the security log ------------------------------------------------------------- */

typedef struct {
    view key, val;
} kv;

/* key="value",key="value" with \" and \\ escapes (unescaped into the scratch). */
static int split_kv(ast_scratch *sc, view msg, kv *out, int max)
{
    const char *p = msg.p, *end = msg.p + msg.n;
    int n = 0;
    while (p < end && n < max) {
        const char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq || eq + 1 >= end || eq[1] != '"')
            return -1;
        out[n].key = (view){p, (size_t)(eq - p)};
        const char *q = eq + 2;
        char *d = sc->buf + sc->used;
        size_t room = sizeof sc->buf - sc->used, w = 0;
        for (;; q++) {
            if (q >= end)
                return -1;   /* unterminated value */
            if (*q == '"')
                break;
            char c = *q;
            if (c == '\\' && q + 1 < end)
                c = *++q;
            if (w + 1 >= room)
                return -1;
            d[w++] = c;
        }
        d[w] = '\0';
        sc->used += w + 1;
        out[n].val = (view){d, w};
        n++;
        p = q + 1;
        if (p < end && *p == ',')
            p++;
    }
    return n;
}

static view kv_get(const kv *f, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (view_is(f[i].key, key))
            return f[i].val;
    return (view){NULL, 0};
}

static int decode_security(const log_line *l, int64_t stamp, ast_scratch *sc, store_event *ev,
                           char *why, size_t whylen)
{
    kv f[AST_MAX_FIELDS];
    int n = split_kv(sc, l->msg, f, AST_MAX_FIELDS);
    if (n < 0) {
        snprintf(why, whylen, "security event: not key=\"value\" pairs");
        return -1;
    }
    view type = kv_get(f, n, "SecurityEvent");
    view service = kv_get(f, n, "Service");
    if (!type.p) {
        snprintf(why, whylen, "security event without SecurityEvent");
        return -1;
    }
    if (!view_is(service, "SIP") && !view_is(service, "PJSIP"))
        return 0;   /* AMI, IAX2, ...: not SIP */
    view remote = kv_get(f, n, "RemoteAddress");
    const char *ip;
    if (!remote.p || security_address(sc, remote, &ip, &ev->src_port, &ev->transport) != 0) {
        snprintf(why, whylen, "security event: RemoteAddress is not family/transport/address/port");
        return -1;
    }
    ev->src_ip = lit(ip);
    view local = kv_get(f, n, "LocalAddress");
    const char *lip;
    store_str ltr;
    if (local.p && security_address(sc, local, &lip, &ev->dst_port, &ltr) == 0)
        ev->dst_ip = lit(lip);
    view tv = kv_get(f, n, "EventTV");
    if (!tv.p || event_tv_ms(tv, &ev->ts_ms) != 0)
        ev->ts_ms = stamp;
    view account = kv_get(f, n, "AccountID");
    const char *outcome = "none";
    if (view_is(type, "InvalidAccountID"))
        outcome = "unknown_user";
    else if (view_is(type, "ChallengeResponseFailed") || view_is(type, "InvalidPassword"))
        outcome = "wrong_password";
    else if (view_is(type, "SuccessfulAuth"))
        outcome = "ok";
    ev->auth_outcome = lit(outcome);
    if (account.p && strcmp(outcome, "none") != 0)
        ev->auth_user = sstr(account);
    if (account.p) {
        ev->from_user = sstr(account);
        ev->to_user = sstr(account);
    }
    view session = kv_get(f, n, "SessionID");
    if (session.p)
        ev->call_id = sstr(session);
    view rtype = kv_get(f, n, "RequestType");
    if (rtype.p && rtype.n && rtype.n < 32)
        ev->method = sstr(rtype);
    ev->reason = sstr(type);
    return 1;
}

/* ---- chan_sip / res_pjsip notices ---------------------------------------------- */

/* The text between the first quote pair after `after` in msg. */
static view quoted_after(view msg, const char *after, char q)
{
    const char *end = msg.p + msg.n;
    const char *s = find(msg.p, end, after);
    if (!s)
        return (view){NULL, 0};
    s += strlen(after);
    if (s >= end || *s != q)
        return (view){NULL, 0};
    s++;
    const char *e = memchr(s, q, (size_t)(end - s));
    if (!e)
        return (view){NULL, 0};
    return (view){s, (size_t)(e - s)};
}

static const char *registration_outcome(view reason)
{
    if (view_is(reason, "Wrong password") || view_is(reason, "Failed to authenticate"))
        return "wrong_password";
    if (view_is(reason, "No matching peer found") || view_is(reason, "No matching endpoint found") ||
        view_is(reason, "Not matched to an endpoint"))
        return "unknown_user";
    if (view_is(reason, "Username/auth name mismatch"))
        return "username_mismatch";
    return "none";
}

/* The rest of a failed-request notice: source, user, outcome, reason. */
static int failed_request(store_event *ev, const char *ip, view from, view reason)
{
    view user = from.p ? uri_user(from) : (view){NULL, 0};
    const char *outcome = registration_outcome(reason);
    ev->src_ip = lit(ip);
    if (user.p) {
        ev->from_user = ev->to_user = sstr(user);
        if (strcmp(outcome, "none") != 0)
            ev->auth_user = sstr(user);
    }
    ev->auth_outcome = lit(outcome);
    ev->reason = sstr(reason);
    ev->transport = lit("udp");
    return 1;
}

static int decode_notice(const log_line *l, int64_t stamp, ast_scratch *sc, store_event *ev,
                         char *why, size_t whylen)
{
    view m = l->msg;
    const char *end = m.p + m.n;
    ev->ts_ms = stamp;
    const char *ip;
    if (m.n > 18 && memcmp(m.p, "Registration from ", 18) == 0) {
        /* chan_sip: Registration from '<from>' failed for '<ip[:port]>' - <reason> */
        view from = quoted_after(m, "Registration from ", '\'');
        view addr = quoted_after(m, "' failed for ", '\'');
        const char *dash = find(m.p, end, "' - ");
        if (!from.p || !addr.p || !dash || host_port(sc, addr, &ip, &ev->src_port) != 0) {
            snprintf(why, whylen, "chan_sip registration notice: no source address");
            return -1;
        }
        ev->method = lit("REGISTER");
        return failed_request(ev, ip, from, (view){dash + 4, (size_t)(end - dash - 4)});
    }
    if (m.n > 9 && memcmp(m.p, "Request '", 9) == 0) {
        /* res_pjsip: Request '<M>' from '<from>' failed for '<ip:port>' (callid: <id>) - <reason> */
        view method = quoted_after(m, "Request ", '\'');
        view from = quoted_after(m, "' from ", '\'');
        view addr = quoted_after(m, "' failed for ", '\'');
        const char *dash = find(m.p, end, ") - ");
        if (!dash)
            dash = find(m.p, end, "' - ");
        if (!method.p || method.n == 0 || method.n > 32 || !addr.p || !dash ||
            host_port(sc, addr, &ip, &ev->src_port) != 0) {
            snprintf(why, whylen, "res_pjsip request notice: no method or source address");
            return -1;
        }
        const char *cid = find(m.p, end, "(callid: ");
        if (cid && cid < dash)
            ev->call_id = (store_str){cid + 9, (size_t)(dash - cid - 9)};
        ev->method = sstr(method);
        return failed_request(ev, ip, from, (view){dash + 4, (size_t)(end - dash - 4)});
    }
    const char *rej = find(m.p, end, " rejected because extension not found in context '");
    if (rej && m.n > 5 && memcmp(m.p, "Call ", 5) == 0) {
        /* chan_sip:  Call from '<peer>' (<ip>:<port>) to extension '<ext>' rejected ...
         * res_pjsip: Call (<TRANSPORT>:<ip>:<port>) to extension '<ext>' rejected ... */
        const char *lp = memchr(m.p, '(', m.n);
        const char *rp = lp ? memchr(lp, ')', (size_t)(end - lp)) : NULL;
        view ext = quoted_after(m, " to extension ", '\'');
        if (!lp || !rp || !ext.p) {
            snprintf(why, whylen, "rejected-call notice: no address or extension");
            return -1;
        }
        view addr = {lp + 1, (size_t)(rp - lp - 1)};
        ev->transport = lit("udp");
        const char *c = memchr(addr.p, ':', addr.n);
        if (c && c - addr.p <= 4 && isalpha((unsigned char)addr.p[0])) {   /* "UDP:" */
            view t = {addr.p, (size_t)(c - addr.p)};
            if (view_is(t, "TCP"))
                ev->transport = lit("tcp");
            else if (view_is(t, "TLS") || view_is(t, "WS") || view_is(t, "WSS"))
                ev->transport = lit("tls");
            addr = (view){c + 1, (size_t)(addr.p + addr.n - c - 1)};
        }
        if (host_port(sc, addr, &ip, &ev->src_port) != 0) {
            snprintf(why, whylen, "rejected-call notice: bad source address");
            return -1;
        }
        view peer = quoted_after(m, "Call from ", '\'');
        view ctx = quoted_after(m, " not found in context ", '\'');
        ev->method = lit("INVITE");
        ev->src_ip = lit(ip);
        ev->ruri_user = ev->to_user = sstr(ext);
        if (peer.p && peer.n)
            ev->from_user = sstr(peer);
        char text[160];
        int tn = snprintf(text, sizeof text, "extension not found in context '%.*s'",
                          ctx.p ? (int)(ctx.n < 100 ? ctx.n : 100) : 0, ctx.p ? ctx.p : "");
        const char *r = keep(sc, text, (size_t)tn);
        if (r)
            ev->reason = lit(r);
        ev->extension_known = 0;
        return 1;
    }
    return 0;
}

/* ---- CDR CSV ------------------------------------------------------------------------- */

/* Splits a CSV line ("quoted","fields",numbers) into views (unescaped "" into
 * the scratch). Returns the number of fields, -1 when malformed. */
static int split_csv(ast_scratch *sc, const char *line, size_t len, view *f, int max)
{
    const char *p = line, *end = line + len;
    int n = 0;
    if (len && end[-1] == '\r')
        end--;
    for (;;) {
        if (n == max)
            return -1;
        if (p < end && *p == '"') {
            char *d = sc->buf + sc->used;
            size_t room = sizeof sc->buf - sc->used, w = 0;
            for (p++;; p++) {
                if (p >= end)
                    return -1;
                if (*p == '"') {
                    if (p + 1 < end && p[1] == '"') {
                        p++;
                    } else {
                        p++;
                        break;
                    }
                }
                if (w + 1 >= room)
                    return -1;
                d[w++] = *p;
            }
            d[w] = '\0';
            sc->used += w + 1;
            f[n++] = (view){d, w};
        } else {
            const char *c = p;
            while (c < end && *c != ',')
                c++;
            f[n++] = (view){p, (size_t)(c - p)};
            p = c;
        }
        if (p == end)
            return n;
        if (*p != ',')
            return -1;
        p++;
    }
}

enum { CDR_SRC = 1, CDR_DST = 2, CDR_DCONTEXT = 3, CDR_CHANNEL = 5, CDR_START = 9,
       CDR_BILLSEC = 13, CDR_DISPOSITION = 14, CDR_UNIQUEID = 16, CDR_MIN_FIELDS = 16 };

static int decode_cdr(const char *line, size_t len, int year, ast_scratch *sc, store_event *ev,
                      char *why, size_t whylen)
{
    view f[AST_MAX_FIELDS];
    int n = split_csv(sc, line, len, f, AST_MAX_FIELDS);
    if (n < 0) {
        snprintf(why, whylen, "CDR: not a CSV line");
        return -1;
    }
    if (n < CDR_MIN_FIELDS) {
        snprintf(why, whylen, "CDR: %d fields, cdr_csv writes at least %d", n, CDR_MIN_FIELDS);
        return -1;
    }
    if (view_is(f[CDR_START], "start"))
        return 0;   /* a header line someone added */
    if (stamp_ms(f[CDR_START], year, &ev->ts_ms) != 0) {
        snprintf(why, whylen, "CDR: start is not YYYY-MM-DD HH:MM:SS");
        return -1;
    }
    if (f[CDR_DST].n == 0)
        return 0;   /* no number dialed */
    /* The channel "SIP/<peer>-0000002a" or "PJSIP/<endpoint>-...": a guest
     * call's peer is the caller's address, the only address a CDR has. */
    view ch = f[CDR_CHANNEL];
    const char *slash = memchr(ch.p, '/', ch.n);
    const char *ip = NULL;
    if (slash) {
        const char *s = slash + 1, *e = ch.p + ch.n;
        const char *dash = e;
        while (dash > s && dash[-1] != '-')
            dash--;
        if (dash > s)
            e = dash - 1;
        view peer = {s, (size_t)(e - s)};
        ev->contact_user = sstr(peer);
        int64_t port;
        if (host_port(sc, peer, &ip, &port) != 0)
            ip = NULL;
    }
    ev->src_ip = lit(ip ? ip : "0.0.0.0");
    ev->method = lit("INVITE");
    ev->ruri_user = ev->to_user = sstr(f[CDR_DST]);
    if (f[CDR_SRC].n)
        ev->from_user = sstr(f[CDR_SRC]);
    if (n > CDR_UNIQUEID && f[CDR_UNIQUEID].n)
        ev->call_id = sstr(f[CDR_UNIQUEID]);
    view disp = f[CDR_DISPOSITION];
    ev->response = view_is(disp, "ANSWERED") ? 200 : view_is(disp, "BUSY") ? 486
                 : view_is(disp, "NO ANSWER") ? 480 : (view_is(disp, "FAILED") || view_is(disp, "CONGESTION")) ? 503
                 : STORE_NULL;
    ev->reason = sstr(disp);
    ev->transport = lit("udp");
    return 1;
}

/* ---- lines and files ------------------------------------------------------------- */

ast_format asterisk_sniff_line(const char *line, size_t len)
{
    log_line l;
    if (split_log_line(line, len, &l) == 0)
        return AST_LOG;
    ast_scratch *sc = malloc(sizeof *sc);
    if (!sc)
        return AST_NONE;
    sc->used = 0;
    view f[AST_MAX_FIELDS];
    int n = len && line[0] == '"' ? split_csv(sc, line, len, f, AST_MAX_FIELDS) : -1;
    int64_t ms;
    ast_format fmt = n >= CDR_MIN_FIELDS && (stamp_ms(f[CDR_START], 2000, &ms) == 0 ||
                                             view_is(f[CDR_START], "start"))
                         ? AST_CDR : AST_NONE;
    free(sc);
    return fmt;
}

ast_format asterisk_sniff(const char *path)
{
    char err[256];
    reader *r = reader_open(path, err, sizeof err);
    if (!r)
        return AST_NONE;
    ast_format fmt = AST_NONE;
    const char *line;
    size_t len;
    for (int i = 0; i < 16; i++) {
        reader_status st = reader_next(r, &line, &len);
        if (st != READER_LINE && st != READER_TORN)
            break;
        if (len == 0 || (len == 1 && line[0] == '\r'))
            continue;
        fmt = asterisk_sniff_line(line, len);
        break;
    }
    reader_close(r);
    return fmt;
}

int asterisk_decode_line(ast_format fmt, const char *line, size_t len, const char *sensor,
                         int year, store_event *ev, ast_scratch *sc, char *why, size_t whylen)
{
    memset(ev, 0, sizeof *ev);
    sc->used = 0;
    if (len && line[len - 1] == '\r')
        len--;
    if (len == 0)
        return 0;
    if (len > AST_MAX_LINE) {
        snprintf(why, whylen, "line longer than %d bytes", AST_MAX_LINE);
        return -1;
    }
    if (memchr(line, '\0', len)) {
        snprintf(why, whylen, "NUL byte in the line");
        return -1;
    }
    ev->src_port = ev->dst_port = ev->cseq = ev->response = ev->answered = STORE_NULL;
    ev->dial_external = ev->extension_known = ev->status = ev->len = STORE_NULL;
    ev->suppressed = ev->truncated = STORE_NULL;
    ev->eventid = lit("sip.request");
    ev->sensor = lit(sensor);
    ev->run = lit("");
    ev->seq = ingest_line_seq(line, len);
    int rc;
    if (fmt == AST_CDR) {
        rc = decode_cdr(line, len, year, sc, ev, why, whylen);
    } else {
        log_line l;
        int64_t stamp;
        if (split_log_line(line, len, &l) != 0)
            return 0;   /* a continuation or another program's line */
        if (stamp_ms(l.stamp, year, &stamp) != 0) {
            snprintf(why, whylen, "log line: time stamp not understood");
            return -1;
        }
        if (view_is(l.level, "SECURITY"))
            rc = decode_security(&l, stamp, sc, ev, why, whylen);
        else if (view_is(l.level, "NOTICE") || view_is(l.level, "WARNING"))
            rc = decode_notice(&l, stamp, sc, ev, why, whylen);
        else
            rc = 0;
    }
    return rc;
}

int asterisk_ingest(store *st, const char *path, ast_format fmt, const ast_opts *o,
                    ast_stats *s, bool *file_failed, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    *file_failed = false;
    char sensor[300], why[256];
    if (o->sensor) {
        snprintf(sensor, sizeof sensor, "%s", o->sensor);
    } else {
        const char *base = strrchr(path, '/');
        snprintf(sensor, sizeof sensor, "asterisk:%s", base ? base + 1 : path);
    }
    int year = o->year;
    if (year == 0) {
        time_t now = time(NULL);
        struct tm tm;
        gmtime_r(&now, &tm);
        year = tm.tm_year + 1900;
    }
    reader *r = reader_open(path, why, sizeof why);
    if (!r) {
        *file_failed = true;
        if (o->on_bad)
            o->on_bad(o->arg, path, 0, why);
        return 0;
    }
    ingest_batch *b = ingest_batch_open(st, err, errlen);
    ast_scratch *sc = malloc(sizeof *sc);
    if (!b || !sc) {
        if (b)
            ingest_batch_close(b, &s->added, &s->duplicates, why, sizeof why);
        else
            snprintf(err, errlen, "out of memory");
        free(sc);
        reader_close(r);
        return -1;
    }
    const char *line;
    size_t len;
    for (;;) {
        reader_status rs = reader_next(r, &line, &len);
        if (rs == READER_EOF)
            break;
        if (rs == READER_ERROR) {
            *file_failed = true;
            if (o->on_bad)
                o->on_bad(o->arg, path, 0, reader_error(r));
            break;
        }
        s->lines++;
        if (rs == READER_TOO_LONG) {
            s->bad++;
            if (o->on_bad)
                o->on_bad(o->arg, path, s->lines, "line too long");
            continue;
        }
        store_event ev;
        int rc = asterisk_decode_line(fmt, line, len, sensor, year, &ev, sc, why, sizeof why);
        if (rc < 0) {
            s->bad++;
            if (o->on_bad)
                o->on_bad(o->arg, path, s->lines, why);
        } else if (rc == 0) {
            s->skipped++;
        } else {
            s->events++;
            ingest_batch_add(b, &ev);
        }
    }
    free(sc);
    reader_close(r);
    return ingest_batch_close(b, &s->added, &s->duplicates, err, errlen);
}
