/*
 * chansip.c - what Asterisk's chan_sip (1.4 ... 18) answers to a request,
 * byte for byte (../shared/PERSONA.md section 1).
 *
 * The code follows chan_sip's own path through a request, and the comments
 * name the chan_sip function each step stands for:
 *
 *   sipsock_read / handle_request_do   drops (version, empty, ...)
 *   __find_call                         400 for missing headers, From tag,
 *                                       481/501/603 for what cannot open a
 *                                       dialog, dialog lookup by Call-ID
 *   handle_incoming                     CSeq order, retransmissions, To tag
 *                                       on a new dialog
 *   handle_request_{options,register,invite,...}
 *   respprep / copy_via_headers         every response's first headers
 *   check_auth / build_nonce            the digest (RFC 2069 style)
 *
 * chan_sip works on the request text after lws2sws() (folds joined, runs
 * of white space cut to one character) and looks headers up with
 * __get_header() over at most 63 header lines; echoed values are copied
 * from that text, never re-serialized, so this file reads the raw header
 * values and transforms them the same way instead of using the parser's
 * re-assembled views. The parser is used for the Request-URI, From/To
 * users and the digest parameters.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "persona/persona_int.h"
#include "sip/digest_auth.h"

/* ---- Methods (sip_methods[] in chan_sip) ------------------------------- */

typedef enum {
    CM_UNKNOWN, CM_REGISTER, CM_OPTIONS, CM_NOTIFY, CM_INVITE, CM_ACK, CM_PRACK,
    CM_BYE, CM_REFER, CM_SUBSCRIBE, CM_MESSAGE, CM_UPDATE, CM_INFO, CM_CANCEL,
    CM_PUBLISH, CM_PING,
} cs_method;

enum { CAN_NOT_CREATE, CAN_CREATE, CAN_CREATE_UNSUPPORTED };

static const struct {
    const char *text;
    int can_create;
} cs_methods[] = {
    [CM_UNKNOWN] = {"-UNKNOWN-", CAN_CREATE},
    [CM_REGISTER] = {"REGISTER", CAN_CREATE},
    [CM_OPTIONS] = {"OPTIONS", CAN_CREATE},
    [CM_NOTIFY] = {"NOTIFY", CAN_CREATE},
    [CM_INVITE] = {"INVITE", CAN_CREATE},
    [CM_ACK] = {"ACK", CAN_NOT_CREATE},
    [CM_PRACK] = {"PRACK", CAN_NOT_CREATE},
    [CM_BYE] = {"BYE", CAN_NOT_CREATE},
    [CM_REFER] = {"REFER", CAN_CREATE},
    [CM_SUBSCRIBE] = {"SUBSCRIBE", CAN_CREATE},
    [CM_MESSAGE] = {"MESSAGE", CAN_CREATE},
    [CM_UPDATE] = {"UPDATE", CAN_NOT_CREATE},
    [CM_INFO] = {"INFO", CAN_NOT_CREATE},
    [CM_CANCEL] = {"CANCEL", CAN_NOT_CREATE},
    [CM_PUBLISH] = {"PUBLISH", CAN_CREATE},           /* 1.4/1.6: unsupported */
    [CM_PING] = {"PING", CAN_CREATE_UNSUPPORTED},
};

/* find_sip_method(): case-insensitive (method_match() uses strncasecmp). */
static cs_method cs_find_method(sip_str tok)
{
    for (int i = CM_REGISTER; i <= CM_PING; i++)
        if (text_ieq(tok.p, tok.len, cs_methods[i].text))
            return (cs_method)i;
    return CM_UNKNOWN;
}

/* ---- The request as chan_sip sees it ----------------------------------- */

enum {
    CS_MAX_HEADERS = 63,                 /* SIP_MAX_HEADERS - 1 lines after
                                            the request line (parse_request) */
    CS_VAL_MAX = SIP_MAX_HEADER_LEN + 64,
    SIPBUFSIZE = 512,                    /* chan_sip's fixed string buffers  */
};

typedef struct {
    persona *p;
    const sip_msg *m;
    const persona_peer *peer;
    int64_t now;
    persona_result *res;
    const persona_version *v;

    unsigned nh;               /* header lines chan_sip parses            */
    const char *hi;            /* end of the header block                 */

    cs_method method;
    sip_str callid, from, to, cseq;   /* raw first values (p NULL: missing) */
    uint32_t seqno;

    bool force_rport;          /* SIP_NAT_FORCE_RPORT for this request     */
    dialog *d;                 /* the dialog (pvt), once it exists         */
    dialog tmp;                /* a dialog not (yet) kept in the table     */
    uint64_t key;
    bool ignore;               /* req->ignore: a retransmission            */

    char scratch[CS_VAL_MAX];
} cs_ctx;

/* __get_header(): the long name over all lines from *start, then the
 * compact alias (when the header has one and alias is set); the line after
 * the match becomes *start. The names are compared through the parser's
 * header kind: a line of kind k whose name is longer than one character is
 * the long name of k (case-insensitively equal to it, see
 * sip_hdr_kind_from()), a one-character one its compact form. */
static const sip_header *cs_get(const cs_ctx *c, sip_hdr_kind k, bool alias, unsigned *start)
{
    const sip_header *h = c->m->headers;
    /* no line before the first of its kind (the parser's index) */
    unsigned first = c->m->hdr_first[k];
    if (first == 0)
        return NULL;
    if (*start < first - 1u)
        *start = first - 1u;
    for (unsigned x = *start; x < c->nh; x++) {
        if (h[x].kind == k && h[x].name.len > 1) {
            *start = x + 1;
            return &h[x];
        }
    }
    if (alias) {
        for (unsigned x = *start; x < c->nh; x++) {
            if (h[x].kind == k && h[x].name.len == 1) {
                *start = x + 1;
                return &h[x];
            }
        }
    }
    return NULL;
}

/* The parser trims values; chan_sip keeps trailing white space. */
static sip_str cs_untrim(const cs_ctx *c, sip_str v)
{
    if (v.p == NULL)
        return v;
    const char *e = v.p + v.len;
    while (e < c->hi && (*e == ' ' || *e == '\t'))
        e++;
    v.len = (size_t)(e - v.p);
    return v;
}

/* sip_get_header(): the raw value of the first header, or absent. */
static sip_str cs_header(const cs_ctx *c, sip_hdr_kind k, bool alias)
{
    unsigned start = 0;
    const sip_header *h = cs_get(c, k, alias, &start);
    return h ? cs_untrim(c, h->value) : SIP_STR_NULL;
}

/* The text chan_sip holds for a value: with pedanticsipchecking (1.6+)
 * lws2sws() joined folds and cut every run of SP/HT to its first
 * character; 1.4 split lines at CR/LF, so a folded value ends at the fold.
 * A NUL ends it (C strings). Writes at most cap-1 bytes plus a NUL and
 * returns the length written. */
static size_t cs_text(const cs_ctx *c, sip_str v, char *out, size_t cap)
{
    size_t o = 0;
    bool lws = false;
    if (cap == 0)
        return 0;
    if (v.p == NULL) {
        out[0] = '\0';
        return 0;
    }
    const unsigned char *u = (const unsigned char *)v.p;
    size_t i = 0;
    while (i < v.len && o + 1 < cap) {
        unsigned char ch = u[i];
        /* a run of ordinary bytes (neither NUL, CR, LF, SP nor HT): one copy */
        size_t run = text_ordinary_run(u + i, v.len - i);
        if (run > 0) {
            size_t room = cap - 1 - o;
            if (run > room)
                run = room;
            memcpy(out + o, v.p + i, run);
            o += run;
            i += run;
            lws = false;
            continue;
        }
        if (ch == '\0')
            break;
        if (!c->v->pedantic) {
            if (ch == '\r' || ch == '\n')
                break;
            out[o++] = (char)ch;   /* SP or HT, kept as is */
            i++;
            continue;
        }
        i++;
        if (ch == '\r' || ch == '\n')
            continue;  /* inside a value a LF is always a fold: SP/HT follows */
        /* SP or HT: a run of them becomes its first character */
        if (lws)
            continue;
        lws = true;
        out[o++] = (char)ch;
    }
    out[o] = '\0';
    return o;
}

/* Is the value present for chan_sip (ast_strlen_zero() on its text)? */
static bool cs_present(sip_str v)
{
    return v.p != NULL && v.len > 0 && v.p[0] != '\0';
}

/* ---- Small pieces of chan_sip's string handling ------------------------ */

/* Appends to a fixed buffer, cutting at cap-1 bytes: what snprintf() into
 * chan_sip's fixed char arrays does to a long line. */
static void cut_cat(char *buf, size_t cap, size_t *len, const char *s)
{
    size_t n = strlen(s);
    if (*len + 1 >= cap)
        return;
    if (n > cap - 1 - *len)
        n = cap - 1 - *len;
    memcpy(buf + *len, s, n);
    *len += n;
    buf[*len] = '\0';
}

/* "%08x" into out (9 bytes with the NUL), without printf. */
static void cs_hex8(char *out, uint32_t v)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 7; i >= 0; i--, v >>= 4)
        out[i] = hex[v & 15];
    out[8] = '\0';
}

/* "%u" into out (at least 11 bytes), without printf. */
static void cs_utoa(char *out, uint32_t v)
{
    char tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        out[i] = tmp[n - 1 - i];
    out[n] = '\0';
}

/* gettag(): what follows ";tag=" (case-insensitive) up to the next ';'. */
static sip_str cs_gettag(const cs_ctx *c, sip_str hv, char *buf, size_t cap)
{
    size_t n = cs_text(c, hv, buf, cap), at;
    if (text_ifind(buf, n, ";tag=", &at) == NULL)
        return SIP_STR_NULL;
    const char *t = buf + at + 5;
    const char *e = strchr(t, ';');
    return (sip_str){t, e ? (size_t)(e - t) : strlen(t)};
}

/* get_in_brackets(): the text inside the first <...> that is not inside a
 * quoted display name, or the whole string. Works in place on s. */
static char *cs_in_brackets(char *s)
{
    char *parse = s;
    char *q;
    while ((q = strchr(parse, '"')) != NULL) {
        char *b = strchr(parse, '<');
        if (b && b < q)
            break;
        /* find_closing_quote(): skip escaped quotes */
        char *e = q + 1;
        while (*e && !(*e == '"' && e[-1] != '\\'))
            e++;
        if (!*e) {
            parse = e;
            break;
        }
        parse = e + 1;
    }
    char *b = strchr(parse, '<');
    if (b) {
        char *e = strchr(b + 1, '>');
        if (e) {
            *e = '\0';
            return b + 1;
        }
    }
    return s;
}

/* sscanf("%30u") on a CSeq: blanks, an optional sign, digits. */
static bool cs_seqno(const char *s, uint32_t *out)
{
    while (*s == ' ' || *s == '\t')
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (!isdigit((unsigned char)*s))
        return false;
    uint64_t v = 0;
    for (int n = 0; isdigit((unsigned char)*s) && n < 30; s++, n++)
        v = v * 10 + (uint64_t)(*s - '0');
    *out = neg ? (uint32_t)(0u - (uint32_t)v) : (uint32_t)v;
    return true;
}

/* atoi(): blanks, sign, digits; 0 when none. Clamped to int. */
static long cs_atoi(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    bool neg = false;
    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    long v = 0;
    for (; isdigit((unsigned char)*s); s++)
        if (v < 100000000L)
            v = v * 10 + (*s - '0');
    return neg ? -v : v;
}

/* ast_uri_encode(..., ast_uri_sip_user): the exten in our Contact. */
static void cs_put_uri_user(wbuf *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (isalnum(ch) || strchr("-_.!~*'()&=+$,;?/", ch)) {
            wb_put(w, (const char *)&ch, 1);
        } else {
            char e[3] = {'%', hex[ch >> 4], hex[ch & 15]};
            wb_put(w, e, 3);
        }
    }
}

/* ---- Dialog ------------------------------------------------------------ */

static dialog *cs_dlg(cs_ctx *c)
{
    return c->d ? c->d : &c->tmp;
}

/* make_our_tag(): "as%08lx" of ast_random(). */
static void cs_new_tag(cs_ctx *c)
{
    cs_dlg(c)->tag = prng_ast_random(&c->p->rng);
}

/* Keeps the dialog (sip_alloc()ed pvt) in the table. */
static dialog *cs_keep(cs_ctx *c)
{
    if (c->d == NULL) {
        dialog *d = dlg_insert(&c->p->dialogs, c->key, c->now);
        uint64_t key = d->key;
        int64_t last = d->last_ms, fin = d->final_ms;
        *d = c->tmp;
        d->key = key;
        d->last_ms = last;
        d->final_ms = fin;
        c->d = d;
    }
    c->d->last_ms = c->now;
    return c->d;
}

/* ---- respprep() -------------------------------------------------------- */

/* The top Via as copy_via_headers() rewrites it: the leftmost value (the
 * first 511 bytes of the line, chan_sip's leftmost[512]), ";rport" without
 * a value cut out when rport applies, ";received=<src>[;rport=<port>]"
 * appended, the rest of the line after the first comma kept; all of it
 * in a 512-byte buffer (new[512]), so longer lines are cut. */
static void cs_put_top_via(cs_ctx *c, wbuf *w, sip_str hv)
{
    char leftmost[SIPBUFSIZE];
    char out[SIPBUFSIZE];
    cs_text(c, hv, leftmost, sizeof leftmost);
    char *others = strchr(leftmost, ',');
    if (others)
        *others++ = '\0';
    char *rport = strstr(leftmost, ";rport");
    if (rport && rport[6] == '=')
        rport = NULL;  /* they gave it a value already */
    /* ast_sockaddr_stringify_addr_remote(): the bare address (IPv6
     * without brackets: AST_SOCKADDR_STR_ADDR) */
    char ip[80];
    ip[0] = '\0';
    if (c->peer->src_ip != NULL) {
        size_t ipn = strnlen(c->peer->src_ip, 70);
        memcpy(ip, c->peer->src_ip, ipn);
        ip[ipn] = '\0';
    }
    size_t n = 0;
    out[0] = '\0';
    if (c->force_rport || rport) {
        rport = strstr(leftmost, ";rport");
        if (rport) {
            char *end = strchr(rport + 1, ';');
            if (end)
                memmove(rport, end, strlen(end) + 1);
            else
                *rport = '\0';
        }
        char port[16];
        cs_utoa(port, c->peer->src_port);
        cut_cat(out, sizeof out, &n, leftmost);
        cut_cat(out, sizeof out, &n, ";received=");
        cut_cat(out, sizeof out, &n, ip);
        cut_cat(out, sizeof out, &n, ";rport=");
        cut_cat(out, sizeof out, &n, port);
    } else {
        cut_cat(out, sizeof out, &n, leftmost);
        cut_cat(out, sizeof out, &n, ";received=");
        cut_cat(out, sizeof out, &n, ip);
    }
    if (others) {
        cut_cat(out, sizeof out, &n, ",");
        cut_cat(out, sizeof out, &n, others);
    }
    wb_header(w, "Via", out);
}

/* copy_via_headers(): every Via line, the first one rewritten; an empty
 * one ends the copy. */
static void cs_put_vias(cs_ctx *c, wbuf *w)
{
    unsigned start = 0;
    bool first = true;
    const sip_header *h;
    while ((h = cs_get(c, SIP_HDR_VIA, true, &start)) != NULL) {
        sip_str v = cs_untrim(c, h->value);
        if (!cs_present(v))
            break;
        if (first) {
            cs_put_top_via(c, w, v);
            first = false;
        } else {
            size_t n = cs_text(c, v, c->scratch, sizeof c->scratch);
            wb_puts(w, "Via: ");
            wb_put(w, c->scratch, n);
            wb_put(w, "\r\n", 2);
        }
    }
}

/* copy_header() / copy_all_header(): "Name: <chan_sip text>". */
static void cs_copy(cs_ctx *c, wbuf *w, sip_hdr_kind k, bool alias, bool all)
{
    const char *name = sip_hdr_name(k);
    unsigned start = 0;
    const sip_header *h;
    while ((h = cs_get(c, k, alias, &start)) != NULL) {
        sip_str v = cs_untrim(c, h->value);
        if (!cs_present(v))
            return;
        size_t n = cs_text(c, v, c->scratch, sizeof c->scratch);
        wb_puts(w, name);
        wb_put(w, ": ", 2);
        wb_put(w, c->scratch, n);
        wb_put(w, "\r\n", 2);
        if (!all)
            return;
    }
}

typedef struct {
    const char *status;        /* "401 Unauthorized"                         */
    const char *cseq;          /* replaces the CSeq value (the 487 to a CANCEL) */
    bool no_to_tag;            /* the To of a dialog-less temp answer keeps none */
} cs_resp;

static unsigned cs_code(const char *status)
{
    return (unsigned)atoi(status);
}

/* respprep(): status line, Via, Record-Route (1xx/2xx), From, To (+ our
 * tag unless the To has "tag=" or this is a 100), Call-ID, CSeq, Server
 * (User-Agent on 1.4), Allow, Supported. */
static void cs_respprep(cs_ctx *c, wbuf *w, const cs_resp *r)
{
    unsigned code = cs_code(r->status);
    wb_init(w, c->res);
    wb_puts(w, "SIP/2.0 ");
    wb_puts(w, r->status);
    wb_put(w, "\r\n", 2);
    cs_put_vias(c, w);
    if (r->status[0] == '1' || r->status[0] == '2')
        cs_copy(c, w, SIP_HDR_RECORD_ROUTE, false, true);
    cs_copy(c, w, SIP_HDR_FROM, true, false);

    /* To: chan_sip builds "%s;tag=%s" in newto[256]. */
    size_t n = cs_text(c, c->to, c->scratch, sizeof c->scratch);
    wb_puts(w, "To: ");
    if (text_ifind(c->scratch, n, "tag=", NULL) == NULL && code != 100 && !r->no_to_tag) {
        char newto[256], tag[16];
        size_t k = 0;
        newto[0] = '\0';
        memcpy(tag, ";tag=as", 7);
        cs_hex8(tag + 7, cs_dlg(c)->tag);
        cut_cat(newto, sizeof newto, &k, c->scratch);
        cut_cat(newto, sizeof newto, &k, tag);
        wb_put(w, newto, k);
    } else {
        wb_put(w, c->scratch, n);
    }
    wb_put(w, "\r\n", 2);

    cs_copy(c, w, SIP_HDR_CALL_ID, true, false);
    if (r->cseq) {
        wb_header(w, "CSeq", r->cseq);
    } else {
        cs_copy(c, w, SIP_HDR_CSEQ, false, false);
    }
    wb_header(w, c->v->user_agent_hdr ? "User-Agent" : "Server", c->p->ua);
    wb_header(w, "Allow", c->v->allow);
    wb_header(w, "Supported", c->v->supported);
}

/* Our Contact (build_contact()): <sip:[exten@]ip:port[;transport=TCP]>. */
static void cs_put_contact(cs_ctx *c, wbuf *w, const char *exten, size_t n)
{
    const char *ip = c->peer->local_ip ? c->peer->local_ip : "";
    wb_puts(w, "Contact: <sip:");
    if (n) {
        cs_put_uri_user(w, exten, n);
        wb_put(w, "@", 1);
    }
    wb_hostport(w, ip, c->peer->local_port);
    const char *t = c->peer->transport;
    if (t && strcasecmp(t, "UDP") != 0) {
        wb_puts(w, ";transport=");
        wb_puts(w, t);
    }
    wb_put(w, ">\r\n", 3);
}

static bool cs_finish(cs_ctx *c, wbuf *w, unsigned code, uint32_t delay, bool reliable)
{
    wb_puts(w, "Content-Length: 0\r\n\r\n");   /* finalize_content() */
    return persona_emit(c->res, w, code, delay, reliable);
}

/* transmit_response(): respprep() + Content-Length. */
static void cs_send(cs_ctx *c, const char *status, bool reliable)
{
    wbuf w;
    cs_resp r = {.status = status};
    cs_respprep(c, &w, &r);
    cs_finish(c, &w, cs_code(status), 0, reliable);
}

/* transmit_response_using_temp(): a throw-away pvt with its own tag. */
static void cs_send_temp(cs_ctx *c, const char *status)
{
    dialog *saved = c->d;
    dialog tmp = c->tmp;
    c->d = NULL;
    cs_new_tag(c);
    cs_send(c, status, false);
    c->tmp = tmp;
    c->d = saved;
}

/* transmit_response_with_allow(): + Accept: application/sdp. */
static void cs_send_with_allow(cs_ctx *c, const char *status, bool contact)
{
    wbuf w;
    cs_resp r = {.status = status};
    cs_respprep(c, &w, &r);
    if (contact)
        cs_put_contact(c, &w, NULL, 0);
    wb_header(&w, "Accept", "application/sdp");
    cs_finish(c, &w, cs_code(status), 0, false);
}

/* transmit_response_with_date(). */
static void cs_send_with_date(cs_ctx *c, const char *status)
{
    wbuf w;
    cs_resp r = {.status = status};
    cs_respprep(c, &w, &r);
    wb_puts(&w, "Date: ");
    wb_http_date(&w, c->now);
    wb_put(&w, "\r\n", 2);
    cs_finish(c, &w, cs_code(status), 0, false);
}

/* ---- Authentication (check_auth, build_nonce, transmit_response_with_auth) */

typedef enum {
    CA_SUCCESS, CA_CHALLENGE_SENT, CA_SECRET_FAILED, CA_USERNAME_MISMATCH,
} ca_result;

/* build_nonce(): a new "%08lx" unless the current one is fresh. */
static void cs_build_nonce(cs_ctx *c, bool force)
{
    dialog *d = cs_dlg(c);
    if ((d->flags & DLG_NONCE_USED) || force || !(d->flags & DLG_NONCE)) {
        d->nonce = prng_ast_random(&c->p->rng);
        d->nonce_ms = c->now;
        d->flags = (d->flags | DLG_NONCE) & ~(uint32_t)DLG_NONCE_USED;
    }
}

/* 401 (or 407 for INVITE on 1.4) with the challenge:
 * Digest algorithm=MD5, realm="asterisk", nonce="%08lx"[, stale=true] */
static void cs_challenge(cs_ctx *c, bool proxy, bool reliable, bool stale)
{
    wbuf w;
    char hdr[PERSONA_TEXT_MAX + 80];
    cs_resp r = {.status = proxy ? "407 Proxy Authentication Required" : "401 Unauthorized"};
    cs_keep(c);
    cs_respprep(c, &w, &r);
    /* "Digest algorithm=MD5, realm=\"%s\", nonce=\"%08x\"%s" (the realm is
     * at most PERSONA_TEXT_MAX - 1 bytes: hdr always holds it all) */
    size_t rl = strnlen(c->p->cfg.realm, PERSONA_TEXT_MAX - 1), hn = 0;
    memcpy(hdr, "Digest algorithm=MD5, realm=\"", 29);
    hn = 29;
    memcpy(hdr + hn, c->p->cfg.realm, rl);
    hn += rl;
    memcpy(hdr + hn, "\", nonce=\"", 10);
    hn += 10;
    cs_hex8(hdr + hn, cs_dlg(c)->nonce);
    hn += 8;
    hdr[hn++] = '"';
    if (stale) {
        memcpy(hdr + hn, ", stale=true", 12);
        hn += 12;
    }
    hdr[hn] = '\0';
    wb_header(&w, proxy ? "Proxy-Authenticate" : "WWW-Authenticate", hdr);
    cs_finish(c, &w, proxy ? 407 : 401, 0, reliable);
}

/* The credentials chan_sip reads: Authorization, or Proxy-Authorization
 * when it challenged with 407. */
static const sip_digest *cs_creds(cs_ctx *c, bool proxy, bool *present)
{
    sip_str v = proxy ? cs_header(c, SIP_HDR_PROXY_AUTHORIZATION, false)
                      : cs_header(c, SIP_HDR_AUTHORIZATION, false);
    *present = cs_present(v);
    return proxy ? &c->m->proxy_authorization : &c->m->authorization;
}

static bool cs_creds_malformed(const cs_ctx *c, const sip_digest *d)
{
    return (c->m->warnings & SIP_WARN_BAD_AUTH) || d->raw.p == NULL ||
           !sip_str_ieq(d->scheme, "Digest") || d->response.p == NULL ||
           d->username.p == NULL || d->nonce.p == NULL;
}

/* check_auth(). peer NULL is the bogus peer alwaysauthreject uses for
 * unknown names (its md5secret never matches and the username is not
 * compared). uri_fallback: the Request-URI cut at ';' (terminate_uri()). */
static ca_result cs_check_auth(cs_ctx *c, const persona_extension *peer, bool proxy,
                               bool reliable)
{
    persona_result *res = c->res;
    if (peer && !peer->secret[0] && !peer->md5secret[0]) {
        res->auth = AUTH_OK;            /* "Always OK if no secret" */
        return CA_SUCCESS;
    }
    bool present;
    const sip_digest *cr = cs_creds(c, proxy, &present);
    dialog *d = cs_dlg(c);
    if (present)
        res->auth_user = cr->username;

    if (c->ignore && (d->flags & DLG_NONCE) && !present) {
        /* A retransmission: same challenge again, unless it is sent
         * reliably (then the retransmission timer does it). */
        res->auth = AUTH_NONE;
        if (!reliable)
            cs_challenge(c, proxy, reliable, false);
        else
            res->drop_reason = "retransmission";
        return CA_CHALLENGE_SENT;
    }
    if (!(d->flags & DLG_NONCE) || !present) {
        res->auth = present ? AUTH_STALE : AUTH_NONE;
        cs_build_nonce(c, true);
        cs_challenge(c, proxy, reliable, false);
        return CA_CHALLENGE_SENT;
    }

    /* sip_digest_parser() took username=, nonce=, uri=, response=. */
    sip_str user = cr->username.p ? cr->username : (sip_str){"", 0};
    sip_str nonce = cr->nonce.p ? cr->nonce : (sip_str){"", 0};
    bool malformed = cs_creds_malformed(c, cr);

    if (peer && !sip_str_eq(user, peer->name)) {
        res->auth = cr->username.p ? AUTH_USERNAME_MISMATCH : AUTH_MALFORMED;
        return CA_USERNAME_MISMATCH;
    }

    char ours[9];
    cs_hex8(ours, d->nonce);
    bool wrongnonce = !text_ieq(nonce.p, nonce.len, ours) || (d->flags & DLG_NONCE_USED);
    if (!wrongnonce)
        d->flags |= DLG_NONCE_USED;      /* p->stalenonce = 1 */

    bool good = false;
    if (peer && cr->response.p) {
        sip_str uri = cr->uri.p && cr->uri.len ? cr->uri : SIP_STR_NULL;
        char ruri[SIPBUFSIZE];
        if (uri.p == NULL) {
            /* terminate_uri(): the Request-URI up to ';' or white space */
            size_t k = 0;
            sip_str rr = c->m->ruri_raw;
            while (k < rr.len && k + 1 < sizeof ruri && (unsigned char)rr.p[k] > ' ' &&
                   rr.p[k] != ';') {
                ruri[k] = rr.p[k];
                k++;
            }
            uri = (sip_str){ruri, k};
        }
        sip_digest_input in = {
            .alg = SIP_ALG_MD5,
            .username = (sip_str){peer->name, strlen(peer->name)},
            .realm = (sip_str){c->p->cfg.realm, strlen(c->p->cfg.realm)},
            .method = (sip_str){cs_methods[c->method].text, strlen(cs_methods[c->method].text)},
            .uri = uri,
            .nonce = wrongnonce ? nonce : (sip_str){ours, 8},
            .qop = SIP_STR_NULL,       /* qop, cnonce and nc are ignored */
        };
        const char *ha1 = c->p->ha1[peer - c->p->ext];
        if (ha1[0])
            in.ha1 = (sip_str){ha1, strlen(ha1)};
        else
            in.password = (sip_str){peer->secret, strlen(peer->secret)};
        /* !strncasecmp(response, hash, 32): extra characters are ignored */
        sip_str resp = cr->response;
        if (resp.len > 32)
            resp.len = 32;
        good = sip_digest_verify(&in, resp);
    }

    if (wrongnonce) {
        res->auth = malformed ? AUTH_MALFORMED : AUTH_STALE;
        if (good) {
            cs_build_nonce(c, false);
            cs_challenge(c, proxy, reliable, true);
        } else {
            if (!c->ignore)
                cs_build_nonce(c, true);
            cs_challenge(c, proxy, reliable, false);
        }
        return CA_CHALLENGE_SENT;
    }
    if (good) {
        res->auth = AUTH_OK;
        return CA_SUCCESS;
    }
    res->auth = malformed ? AUTH_MALFORMED : peer ? AUTH_WRONG_PASSWORD : AUTH_UNKNOWN_USER;
    return CA_SECRET_FAILED;
}

/* ---- URIs -------------------------------------------------------------- */

/* The user part of a name-addr, %-decoded (SIP_PEDANTIC_DECODE) into buf;
 * returns its length or -1 when the URI is no sip:/sips: URI. */
static long cs_uri_user(const sip_nameaddr *na, bool want_domain, char *buf, size_t cap)
{
    if (!na->uri_ok || (na->uri.scheme != SIP_SCHEME_SIP && na->uri.scheme != SIP_SCHEME_SIPS))
        return -1;
    sip_str s = want_domain ? na->uri.host : na->uri.user;
    if (s.p == NULL || s.len == 0) {
        buf[0] = '\0';
        return 0;
    }
    size_t n = sip_str_unescape(s, buf, cap);
    if (n == (size_t)-1) {
        n = s.len < cap - 1 ? s.len : cap - 1;
        memcpy(buf, s.p, n);
        buf[n] = '\0';
    }
    return (long)strnlen(buf, n);
}

/* get_destination(): the Request-URI's user (decoded, "s" when empty).
 * Returns false when the scheme is none of sip:, sips:, tel:. */
static bool cs_ruri_exten(cs_ctx *c, char *buf, size_t cap, size_t *len)
{
    const sip_msg *m = c->m;
    if (m->warnings & SIP_WARN_BAD_RURI)
        return false;
    if (m->ruri.scheme != SIP_SCHEME_SIP && m->ruri.scheme != SIP_SCHEME_SIPS &&
        m->ruri.scheme != SIP_SCHEME_TEL)
        return false;
    sip_str u = m->ruri.user;
    size_t n = 0;
    if (u.p && u.len) {
        n = sip_str_unescape(u, buf, cap);
        if (n == (size_t)-1) {
            n = u.len < cap - 1 ? u.len : cap - 1;
            memcpy(buf, u.p, n);
            buf[n] = '\0';
        }
        n = strnlen(buf, n);
    }
    if (n == 0) {
        snprintf(buf, cap, "s");
        n = 1;
    }
    *len = n;
    return true;
}

/* ---- OPTIONS (handle_request_options) ---------------------------------- */

static void cs_options(cs_ctx *c)
{
    char ex[SIPBUFSIZE];
    size_t n = 0;
    const char *status = "404 Not Found";
    bool found = false;
    if (!cs_ruri_exten(c, ex, sizeof ex, &n)) {
        status = "416 Unsupported URI scheme";
    } else {
        c->res->extension_known = persona_find_exten(c->p, ex, n) != NULL;
        dest_kind k = persona_destination(c->p, ex, n, false);
        found = k == DEST_LOCAL || k == DEST_S || k == DEST_PICKUP;
        if (found)
            status = "200 OK";
    }
    cs_send_with_allow(c, status, found);
    /* An OPTIONS that opened the dialog destroys it at once. */
    if (c->d && !(c->d->flags & DLG_INVITE))
        dlg_remove(c->d);
}

/* ---- REGISTER (handle_request_register, register_verify) --------------- */

enum { PR_FAILED, PR_UPDATE, PR_QUERY };

/* parse_register_contact(): the expiry and the client's contact for our
 * 200 OK. */
static int cs_register_contact(cs_ctx *c, long *expiry, char *our, size_t ourcap)
{
    sip_str eh = cs_header(c, SIP_HDR_EXPIRES, false);
    char ebuf[64];
    cs_text(c, eh, ebuf, sizeof ebuf);
    long expire = cs_atoi(ebuf);
    bool have_expires = ebuf[0] != '\0';

    char contact[SIPBUFSIZE];
    unsigned start = 0;
    const sip_header *h = cs_get(c, SIP_HDR_CONTACT, true, &start);
    cs_text(c, h ? cs_untrim(c, h->value) : SIP_STR_NULL, contact, sizeof contact);

    if (!have_expires) {
        size_t at;
        if (text_ifind(contact, strlen(contact), ";expires=", &at)) {
            /* sscanf("%30d"), default_expiry when it finds no number */
            const char *e = contact + at + 9;
            while (isspace((unsigned char)*e))
                e++;
            if (*e == '-' || *e == '+')
                e++;
            expire = isdigit((unsigned char)*e) ? cs_atoi(contact + at + 9) : 120;
        } else {
            expire = 120;   /* default_expiry */
        }
    }

    /* Every Contact: "*" only alone and with Expires: 0. */
    char firstcuri[SIPBUFSIZE];
    bool first = true, wildcard = false, single = false;
    firstcuri[0] = '\0';
    do {
        char cur[SIPBUFSIZE];
        memcpy(cur, contact, sizeof cur);
        char *curi = cur;
        if (strchr(cur, '<') == NULL) {
            char *semi = strchr(cur, ';');
            if (semi)
                *semi = '\0';
        }
        curi = cs_in_brackets(cur);
        if (first) {
            snprintf(firstcuri, sizeof firstcuri, "%s", curi);
            first = false;
        }
        if (strcasecmp(curi, "*") == 0)
            wildcard = true;
        else
            single = true;
        if (wildcard && (!have_expires || expire != 0 || single))
            return PR_FAILED;
        h = cs_get(c, SIP_HDR_CONTACT, true, &start);
        cs_text(c, h ? cs_untrim(c, h->value) : SIP_STR_NULL, contact, sizeof contact);
    } while (h != NULL && contact[0] != '\0');
    /* (the loop above runs once more for each further Contact header) */

    if (firstcuri[0] == '\0' && !have_expires) {
        *expiry = 0;            /* a query; we hold no binding to report */
        return PR_QUERY;
    }
    if (strcasecmp(firstcuri, "*") == 0 || expire == 0) {
        *expiry = 0;            /* unregister */
        return PR_UPDATE;
    }

    /* The contact must name a host we can resolve; without DNS only an
     * address literal qualifies (svmap's "Contact: None" fails here). */
    const char *hp = firstcuri;
    if (strncasecmp(hp, "sip:", 4) == 0)
        hp += 4;
    else if (strncasecmp(hp, "sips:", 5) == 0)
        hp += 5;
    const char *at = strchr(hp, '@');
    if (at)
        hp = at + 1;
    char host[80];
    size_t k = 0;
    if (*hp == '[') {
        hp++;
        while (*hp && *hp != ']' && k + 1 < sizeof host)
            host[k++] = *hp++;
    } else {
        while (*hp && *hp != ':' && *hp != ';' && *hp != '?' && *hp != '>' && k + 1 < sizeof host)
            host[k++] = *hp++;
    }
    host[k] = '\0';
    if (!addr_is_literal(host, k))
        return PR_FAILED;

    if (expire > 3600)
        expire = 3600;          /* max_expiry */
    if (expire < 60)
        expire = 60;            /* min_expiry (0 handled above) */
    *expiry = expire;
    size_t ol = 0;
    our[0] = '\0';
    cut_cat(our, ourcap, &ol, "<");
    cut_cat(our, ourcap, &ol, firstcuri);
    cut_cat(our, ourcap, &ol, ">");
    return PR_UPDATE;
}

static void cs_register_ok(cs_ctx *c)
{
    long expiry = 0;
    char our[SIPBUFSIZE + 2];
    our[0] = '\0';
    int pr = cs_register_contact(c, &expiry, our, sizeof our);
    if (pr == PR_FAILED) {
        cs_send_with_date(c, "400 Bad Request");
        return;
    }
    /* 200 OK: respprep() adds Expires and, unless 0, Contact;expires= */
    wbuf w;
    cs_resp r = {.status = "200 OK"};
    cs_respprep(c, &w, &r);
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%ld", expiry);
    wb_header(&w, "Expires", tmp);
    if (expiry) {
        char contact[SIPBUFSIZE], ex[32];
        size_t k = 0;
        contact[0] = '\0';
        snprintf(ex, sizeof ex, ";expires=%ld", expiry);
        cut_cat(contact, sizeof contact, &k, our);   /* contact[SIPBUFSIZE] in respprep() */
        cut_cat(contact, sizeof contact, &k, ex);
        wb_header(&w, "Contact", contact);
    }
    wb_puts(&w, "Date: ");
    wb_http_date(&w, c->now);
    wb_put(&w, "\r\n", 2);
    cs_finish(c, &w, 200, 0, false);
}

static void cs_register(cs_ctx *c)
{
    persona_result *res = c->res;
    if (c->d && !(c->d->flags & DLG_REGISTER)) {
        res->drop_reason = "REGISTER in a dialog of another method";
        return;
    }
    cs_dlg(c)->flags |= DLG_REGISTER;

    /* register_verify(): the peer is the To user (the domain if none). */
    char name[SIPBUFSIZE], domain[SIPBUFSIZE];
    const sip_nameaddr *to = &c->m->to;
    long nl = cs_uri_user(to, false, name, sizeof name);
    long dl = cs_uri_user(to, true, domain, sizeof domain);
    if (nl < 0 || dl < 0) {
        res->drop_reason = "To is not a sip: URI";   /* returns before answering */
        return;
    }
    cs_keep(c);
    if (dl == 0) {
        cs_send(c, "404 Not found", false);
        return;
    }
    if (nl == 0) {
        memcpy(name, domain, (size_t)dl + 1);
        nl = dl;
    }
    const persona_extension *peer = persona_find_peer(c->p, name, (size_t)nl);
    res->extension_known = peer != NULL;
    bool present;
    cs_creds(c, false, &present);

    if (!peer && !c->p->cfg.alwaysauthreject) {
        res->auth = present ? AUTH_UNKNOWN_USER : AUTH_NONE;
        if (present)
            res->auth_user = c->m->authorization.username;
        cs_send(c, "404 Not found", false);
        return;
    }
    ca_result ar = cs_check_auth(c, peer, false, false);
    if (!peer && res->auth == AUTH_WRONG_PASSWORD)
        res->auth = AUTH_UNKNOWN_USER;
    switch (ar) {
    case CA_SUCCESS:
        cs_register_ok(c);
        break;
    case CA_CHALLENGE_SENT:
        break;
    case CA_SECRET_FAILED:
        cs_send(c, "403 Forbidden", false);
        break;
    case CA_USERNAME_MISMATCH:
        if (c->p->cfg.alwaysauthreject) {
            /* transmit_fake_auth_response(): as for an unknown name */
            ar = cs_check_auth(c, NULL, false, false);
            res->auth = AUTH_USERNAME_MISMATCH;
            if (ar == CA_SECRET_FAILED)
                cs_send(c, "403 Forbidden", false);
        } else {
            cs_send(c, "404 Not found", false);
        }
        break;
    }
}

/* ---- INVITE (handle_request_invite, check_user_full, get_destination) --- */

/* parse_sip_options(): Require tokens chan_sip does not support,
 * comma-separated. */
static size_t cs_unsupported(cs_ctx *c, sip_str require, char *out, size_t cap)
{
    char req[SIPBUFSIZE];
    size_t o = 0;
    cs_text(c, require, req, sizeof req);
    out[0] = '\0';
    char *save = NULL;
    for (char *tok = strtok_r(req, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ' || *tok == '\t')
            tok++;
        char *e = tok + strlen(tok);
        while (e > tok && (e[-1] == ' ' || e[-1] == '\t'))
            *--e = '\0';
        if (!*tok)
            continue;
        if (!strcasecmp(tok, "replaces") || !strcasecmp(tok, "replace") ||
            !strcasecmp(tok, "timer") || (c->v->path && !strcasecmp(tok, "path")))
            continue;
        int n = snprintf(out + o, cap - o, "%s%s", o ? "," : "", tok);
        if (n < 0 || (size_t)n >= cap - o)
            break;
        o += (size_t)n;
    }
    return o;
}

/* The SDP offer has no codec we allow (ulaw, alaw, gsm): 488. */
static bool cs_sdp_unacceptable(const cs_ctx *c)
{
    const sip_msg *m = c->m;
    if (m->body.p == NULL || m->body.len == 0 || m->content_type.p == NULL ||
        !text_iprefix(m->content_type.p, m->content_type.len, "application/sdp"))
        return false;
    const char *b = m->body.p, *end = b + m->body.len;
    bool saw_m = false;
    char pts[256] = {0};   /* payload types of the audio m= lines */
    for (const char *l = b; l < end;) {
        const char *e = memchr(l, '\n', (size_t)(end - l));
        if (e == NULL)
            e = end;
        size_t n = (size_t)(e - l);
        if (n >= 2 && l[0] == 'm' && l[1] == '=') {
            saw_m = true;
            if (n > 8 && memcmp(l, "m=audio ", 8) == 0) {
                /* m=audio <port> <proto> <fmt> ... */
                const char *q = l + 8;
                int field = 0;
                while (q < e) {
                    while (q < e && (*q == ' ' || *q == '\r'))
                        q++;
                    const char *s = q;
                    while (q < e && *q != ' ' && *q != '\r')
                        q++;
                    if (q > s && ++field >= 3) {
                        int pt = 0;
                        bool num = true;
                        for (const char *d = s; d < q; d++) {
                            if (!isdigit((unsigned char)*d) || pt > 255) {
                                num = false;
                                break;
                            }
                            pt = pt * 10 + (*d - '0');
                        }
                        if (num && pt < 256)
                            pts[pt] = 1;
                    }
                }
            }
        }
        l = e < end ? e + 1 : end;
    }
    if (!saw_m)
        return true;              /* process_sdp() fails: no media at all */
    if (pts[0] || pts[3] || pts[8])
        return false;
    for (const char *l = b; l < end;) {
        const char *e = memchr(l, '\n', (size_t)(end - l));
        if (e == NULL)
            e = end;
        size_t n = (size_t)(e - l);
        if (n > 9 && memcmp(l, "a=rtpmap:", 9) == 0) {
            int pt = 0;
            const char *q = l + 9;
            while (q < e && isdigit((unsigned char)*q) && pt < 256)
                pt = pt * 10 + (*q++ - '0');
            while (q < e && *q == ' ')
                q++;
            size_t rest = (size_t)(e - q);
            if (pt < 256 && pts[pt] &&
                (text_iprefix(q, rest, "PCMU/") || text_iprefix(q, rest, "PCMA/") ||
                 text_iprefix(q, rest, "GSM/")))
                return false;
        }
        l = e < end ? e + 1 : end;
    }
    return true;
}

/* hangup_cause2sip() (PERSONA.md 1.7), and the phrases chan_sip uses for
 * other final codes it may be configured to send. */
static const char *cs_reason(unsigned code)
{
    switch (code) {
    case 400: return "Bad Request";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 480: return "Temporarily unavailable";
    case 484: return "Address incomplete";
    case 486: return "Busy here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 500: return "Server internal failure";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Timeout";
    case 600: return "Busy Everywhere";
    case 603: return "Declined";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    default: return code >= 600 ? "Declined" : code >= 500 ? "Server error" : "Not Found";
    }
}

static unsigned cs_cause2code(unsigned cause)
{
    switch (cause) {
    case 1: case 2: case 3: return 404;
    case 17: return 486;
    case 18: return 408;
    case 19: case 20: case 31: return 480;
    case 21: return 403;
    case 22: return 410;
    case 27: return 502;
    case 28: return 484;
    case 29: return 501;
    case 34: case 42: case 66: return 503;
    case 38: return 500;
    case 58: return 488;
    case 127: return 500;
    default: return 603;
    }
}

/* A final answer from sip_hangup() / sip_indicate(): tagged, reliable,
 * with X-Asterisk-HangupCause when the channel has a cause. */
static void cs_final(cs_ctx *c, unsigned code, const char *reason, unsigned cause,
                     uint32_t delay)
{
    char status[80];
    if (code == 500 && cause == 127)
        reason = "Network error";
    snprintf(status, sizeof status, "%u %s", code, reason);
    wbuf w;
    cs_resp r = {.status = status};
    cs_respprep(c, &w, &r);
    if (cause) {
        char num[16];
        wb_header(&w, "X-Asterisk-HangupCause", persona_cause_text(cause));
        snprintf(num, sizeof num, "%u", cause);
        wb_header(&w, "X-Asterisk-HangupCauseCode", num);
    }
    cs_finish(c, &w, code, delay, true);
}

static void cs_invite(cs_ctx *c)
{
    persona_result *res = c->res;
    char ex[SIPBUFSIZE];
    size_t exn = 0;
    bool uri_ok = cs_ruri_exten(c, ex, sizeof ex, &exn);
    if (uri_ok) {
        res->extension_known = persona_find_exten(c->p, ex, exn) != NULL;
        res->dial_external = persona_is_external_number(c->p, ex, exn);
    }

    /* Require: an option we do not support -> 420 + Date + Unsupported */
    sip_str require = cs_header(c, SIP_HDR_REQUIRE, false);
    if (cs_present(require)) {
        char uns[SIPBUFSIZE];
        if (cs_unsupported(c, require, uns, sizeof uns)) {
            wbuf w;
            cs_resp r = {.status = "420 Bad extension (unsupported)"};
            cs_respprep(c, &w, &r);
            wb_puts(&w, "Date: ");
            wb_http_date(&w, c->now);
            wb_put(&w, "\r\n", 2);
            wb_header(&w, "Unsupported", uns);
            cs_finish(c, &w, 420, 0, false);
            return;
        }
    }
    if (c->ignore && c->d && (c->d->flags & DLG_INVITE) && c->d->inv_cseq == c->seqno) {
        /* The call is under way; our reliable answers repeat themselves. */
        res->drop_reason = "retransmission";
        return;
    }

    /* check_user_full(): the caller is the From user. */
    char caller[SIPBUFSIZE];
    long cl = cs_uri_user(&c->m->from, false, caller, sizeof caller);
    const persona_extension *peer = cl > 0 ? persona_find_peer(c->p, caller, (size_t)cl) : NULL;
    bool proxy = c->v->invite_407;
    bool can_call = false;
    bool present;
    cs_creds(c, proxy, &present);
    cs_keep(c);
    if (peer) {
        ca_result ar = cs_check_auth(c, peer, proxy, true);
        if (ar == CA_CHALLENGE_SENT)
            return;
        if (ar != CA_SUCCESS) {
            cs_send(c, "403 Forbidden", true);
            return;
        }
        can_call = peer->can_call;
    } else if (c->p->cfg.allowguest) {
        /* a guest in the default context; credentials are not looked at */
        res->auth = present ? AUTH_UNKNOWN_USER : AUTH_NONE;
        if (present)
            res->auth_user = (proxy ? c->m->proxy_authorization : c->m->authorization).username;
    } else if (c->p->cfg.alwaysauthreject) {
        /* AUTH_FAKE_AUTH -> transmit_fake_auth_response() */
        ca_result ar = cs_check_auth(c, NULL, proxy, true);
        if (present)
            res->auth = res->auth == AUTH_STALE ? AUTH_STALE : AUTH_UNKNOWN_USER;
        if (ar == CA_SECRET_FAILED)
            cs_send(c, "403 Forbidden", true);
        return;
    } else {
        res->auth = present ? AUTH_UNKNOWN_USER : AUTH_NONE;
        if (present)
            res->auth_user = (proxy ? c->m->proxy_authorization : c->m->authorization).username;
        cs_send(c, "403 Forbidden", true);
        return;
    }

    if (cs_sdp_unacceptable(c)) {
        cs_send(c, "488 Not acceptable here", true);
        return;
    }
    cs_new_tag(c);    /* "Initialize our tag": a new one after auth */

    if (!uri_ok) {
        cs_send(c, "416 Unsupported URI scheme", true);
        return;
    }
    dest_kind k = persona_destination(c->p, ex, exn, can_call);
    if (k == DEST_NOT_FOUND || k == DEST_PICKUP) {
        cs_send(c, "404 Not Found", true);
        return;
    }

    /* Found: 100 Trying (Contact <sip:EXTEN@us>, no To tag), then the
     * dialplan's answers. */
    const persona_config *cfg = &c->p->cfg;
    wbuf w;
    cs_resp r = {.status = "100 Trying"};
    cs_respprep(c, &w, &r);
    cs_put_contact(c, &w, ex, exn);
    cs_finish(c, &w, 100, 0, false);

    uint32_t ring = cfg->ring_ms;
    uint32_t fin = cfg->final_ms > ring ? cfg->final_ms : ring;
    dialog *d = cs_keep(c);
    d->flags = (d->flags | DLG_INVITE) & ~(uint32_t)DLG_ACKED;
    d->inv_cseq = c->seqno;
    d->final_ms = c->now + fin;

    if (k == DEST_EXTERNAL) {
        /* Dial() through a trunk that fails: ringing (when configured),
         * then hangup_cause2sip() of the configured cause. */
        if (ring > 0) {
            cs_resp rr = {.status = "180 Ringing"};
            cs_respprep(c, &w, &rr);
            cs_put_contact(c, &w, ex, exn);
            cs_finish(c, &w, 180, ring, false);
        }
        unsigned cause = cfg->invite_hangup_cause;
        unsigned code = cfg->invite_final_code;
        if (code < 300 || code > 699)
            code = cs_cause2code(cause);
        cs_final(c, code, cs_reason(code), cause, fin);
    } else if (k == DEST_LOCAL) {
        /* Dial(SIP/<exten>) to a peer that is not registered: the channel
         * cannot be created (cause 20, AST_CAUSE_UNREGISTERED), nothing
         * rings, the call hangs up with that cause. */
        cs_final(c, 480, "Temporarily unavailable", 20, fin);
    } else {
        /* "s": Congestion() - sip_indicate() sends 503 before the channel
         * has a hangup cause, so no X-Asterisk-HangupCause. */
        cs_final(c, 503, "Service Unavailable", 0, fin);
    }
}

/* ---- ACK, CANCEL, BYE -------------------------------------------------- */

static bool cs_invite_pending(const cs_ctx *c)
{
    return c->d && (c->d->flags & DLG_INVITE) && !(c->d->flags & DLG_ACKED);
}

static void cs_ack(cs_ctx *c)
{
    dialog *d = c->d;
    c->res->drop_reason = "ACK";
    if (d == NULL)
        return;
    if ((d->flags & DLG_INVITE) && c->seqno == d->inv_cseq) {
        if (c->now >= d->final_ms)
            d->flags |= DLG_ACKED;
        c->res->cancel_pending = c->now >= d->final_ms;
    } else {
        c->res->cancel_pending = true;   /* the ACK of a 401/403/404 */
    }
    d->last_ms = c->now;
}

/* 487 Request Terminated to the pending INVITE: built from this request
 * (a CANCEL carries the INVITE's Via, From, To and CSeq number). */
static void cs_terminate_invite(cs_ctx *c)
{
    char cseq[32];
    snprintf(cseq, sizeof cseq, "%u INVITE", (unsigned)c->d->inv_cseq);
    wbuf w;
    cs_resp r = {.status = "487 Request Terminated", .cseq = cseq};
    cs_respprep(c, &w, &r);
    cs_finish(c, &w, 487, 0, true);
    c->d->final_ms = c->now;
    c->res->cancel_pending = true;
}

static void cs_cancel(cs_ctx *c)
{
    if (!cs_invite_pending(c)) {
        cs_send(c, "481 Call/Transaction Does Not Exist", false);
        return;
    }
    /* handle_request_cancel(): 487 to the INVITE, then 200 to the CANCEL */
    cs_terminate_invite(c);
    cs_send(c, "200 OK", false);
}

static void cs_bye(cs_ctx *c)
{
    if (cs_invite_pending(c) && c->now < c->d->final_ms)
        cs_terminate_invite(c);
    cs_send(c, "200 OK", false);
    c->res->cancel_pending = true;
    if (c->d)
        dlg_remove(c->d);
}

/* ---- SUBSCRIBE, NOTIFY, MESSAGE, PUBLISH (approximations) -------------- */

/* The Event package name, lower-cased, without parameters. */
static void cs_event(cs_ctx *c, char *out, size_t cap)
{
    sip_str ev = cs_header(c, SIP_HDR_EVENT, true);
    size_t n = cs_text(c, ev, out, cap);
    for (size_t i = 0; i < n; i++) {
        if (out[i] == ';' || out[i] == ' ') {
            out[i] = '\0';
            break;
        }
        out[i] = (char)tolower((unsigned char)out[i]);
    }
}

/* Authentication as for INVITE, with 401 on every version. Returns true
 * when the request may go on. */
static bool cs_auth_user(cs_ctx *c)
{
    char caller[SIPBUFSIZE];
    long cl = cs_uri_user(&c->m->from, false, caller, sizeof caller);
    const persona_extension *peer = cl > 0 ? persona_find_peer(c->p, caller, (size_t)cl) : NULL;
    cs_keep(c);
    if (peer) {
        ca_result ar = cs_check_auth(c, peer, false, false);
        if (ar == CA_CHALLENGE_SENT)
            return false;
        if (ar != CA_SUCCESS) {
            cs_send(c, "403 Forbidden", false);
            return false;
        }
        return true;
    }
    if (c->p->cfg.alwaysauthreject && !c->p->cfg.allowguest) {
        if (cs_check_auth(c, NULL, false, false) == CA_SECRET_FAILED)
            cs_send(c, "403 Forbidden", false);
        return false;
    }
    if (!c->p->cfg.allowguest) {
        cs_send(c, "403 Forbidden", false);
        return false;
    }
    return true;
}

static void cs_subscribe(cs_ctx *c)
{
    char ev[64];
    if (!cs_auth_user(c))
        return;
    cs_event(c, ev, sizeof ev);
    if (!strcmp(ev, "presence") || !strcmp(ev, "dialog"))
        cs_send(c, "404 Not found", false);               /* no hint */
    else if (!strcmp(ev, "message-summary"))
        cs_send(c, "404 Not found (no mailbox)", false);
    else
        cs_send(c, "489 Bad Event", false);
    dlg_remove(c->d);
}

static void cs_notify(cs_ctx *c)
{
    char ev[64];
    cs_event(c, ev, sizeof ev);
    if (!strcmp(ev, "message-summary") || !strcmp(ev, "keep-alive"))
        cs_send(c, "200 OK", false);
    else
        cs_send(c, "489 Bad event", false);
}

static void cs_message(cs_ctx *c)
{
    sip_str ct = cs_header(c, SIP_HDR_CONTENT_TYPE, true);
    if (!cs_present(ct) || !text_iprefix(ct.p, ct.len, "text/plain"))
        cs_send(c, "415 Unsupported Media Type", false);
    else
        cs_send(c, "405 Method Not Allowed", false);  /* accept_outofcall_message=no */
}

static void cs_publish(cs_ctx *c)
{
    char ev[64];
    cs_event(c, ev, sizeof ev);
    if (ev[0] && !cs_auth_user(c))
        return;
    cs_send(c, "489 Bad Event", false);
    if (c->d)
        dlg_remove(c->d);
}

/* ---- Entry ------------------------------------------------------------- */

/* check_via() / check_for_nat(): does the top Via's sent-by differ from
 * the packet's source address? Names (nmap's "nm") never equal one. */
static bool cs_nat_detected(const cs_ctx *c, sip_str top)
{
    const sip_msg *m = c->m;
    if (m->n_via == 0 || top.p == NULL || m->via[0].raw.p != top.p)
        return true;
    const sip_via *v = &m->via[0];
    return !addr_equal(v->host.p, v->host.len, c->peer->src_ip);
}

void chansip_handle(persona *p, const sip_msg *m, const persona_peer *peer,
                    int64_t now_ms, persona_result *res)
{
    cs_ctx cx;
    memset(&cx, 0, offsetof(cs_ctx, scratch));   /* the 8 KB scratch needs no zeroing */
    cs_ctx *c = &cx;
    c->p = p;
    c->m = m;
    c->peer = peer;
    c->now = now_ms;
    c->res = res;
    c->v = &p->ver;
    c->nh = m->n_headers < CS_MAX_HEADERS ? m->n_headers : CS_MAX_HEADERS;
    c->hi = m->method_str.p ? m->method_str.p + m->header_length : NULL;

    /* parse_request(): version must be SIP/2.0 (any case); at least one
     * header line besides the request line. */
    if (!sip_str_ieq(m->version, "SIP/2.0")) {
        res->drop_reason = "bad version";
        return;
    }
    if (m->n_headers == 0) {
        res->drop_reason = "no header lines";
        return;
    }
    c->method = cs_find_method(m->method_str);
    if (c->method == CM_PUBLISH && !c->v->publish)
        c->method = CM_PING;   /* CAN_CREATE_DIALOG_UNSUPPORTED_METHOD before 1.8 */

    /* __find_call() */
    c->callid = cs_header(c, SIP_HDR_CALL_ID, true);
    c->to = cs_header(c, SIP_HDR_TO, true);
    c->from = cs_header(c, SIP_HDR_FROM, true);
    c->cseq = cs_header(c, SIP_HDR_CSEQ, false);
    char cseqbuf[64];
    cs_text(c, c->cseq, cseqbuf, sizeof cseqbuf);
    bool seq_ok = cs_seqno(cseqbuf, &c->seqno);
    if (!cs_present(c->callid) || !cs_present(c->to) || !cs_present(c->from) ||
        !cs_present(c->cseq) || !seq_ok) {
        if (c->method == CM_ACK) {
            res->drop_reason = "ACK without Call-ID, From, To or CSeq";
            return;
        }
        sip_str top = cs_header(c, SIP_HDR_VIA, true);
        c->force_rport = c->v->nat == NAT_FORCE_RPORT ||
                         (c->v->nat == NAT_AUTO_FORCE_RPORT && cs_nat_detected(c, top));
        cs_send_temp(c, "400 Bad Request");
        return;
    }

    /* The dialog key, Call-ID (as chan_sip holds it) and source; the
     * table's window for it is fetched from memory while the checks
     * below run. */
    size_t idn = cs_text(c, c->callid, c->scratch, sizeof c->scratch);
    c->key = dlg_key(&p->dialogs, c->scratch, idn, peer->src_ip);
    dlg_prefetch(&p->dialogs, c->key);

    sip_str top = cs_header(c, SIP_HDR_VIA, true);
    c->force_rport = c->v->nat == NAT_FORCE_RPORT ||
                     (c->v->nat == NAT_AUTO_FORCE_RPORT && cs_nat_detected(c, top));

    char tagbuf[SIPBUFSIZE];
    bool has_totag = cs_gettag(c, c->to, tagbuf, sizeof tagbuf).len > 0;
    if (c->v->pedantic) {
        if (cs_gettag(c, c->from, tagbuf, sizeof tagbuf).len == 0) {
            res->drop_reason = "no From tag";
            return;
        }
        if (!has_totag && (c->method == CM_ACK || c->method == CM_BYE || c->method == CM_INFO)) {
            if (c->method == CM_ACK) {
                res->drop_reason = "ACK without To tag";
            } else {
                cs_send_temp(c, "481 Call leg/transaction does not exist");
            }
            return;
        }
    }

    /* The dialog: Call-ID (as chan_sip holds it) from this source (its key
     * was computed above, and its table window prefetched). */
    c->d = dlg_find(&p->dialogs, c->key, now_ms);
    if (c->d && c->method == CM_BYE && c->v->pedantic) {
        /* a BYE must carry our tag to match the dialog */
        char want[16];
        snprintf(want, sizeof want, "as%08x", (unsigned)c->d->tag);
        sip_str tt = cs_gettag(c, c->to, tagbuf, sizeof tagbuf);
        if (!sip_str_eq(tt, want))
            c->d = NULL;
    }
    if (c->d && (c->method == CM_INFO || c->method == CM_UPDATE || c->method == CM_PRACK))
        c->d = NULL;   /* not modelled inside our (never answered) calls */

    if (c->d == NULL) {
        switch (c->method == CM_UNKNOWN ? CAN_CREATE : cs_methods[c->method].can_create) {
        case CAN_CREATE:
            if (c->method == CM_REFER) {
                cs_send_temp(c, "603 Declined (no dialog)");
                return;
            }
            /* sip_alloc(): a new pvt with its tag; kept only if needed */
            cs_new_tag(c);
            break;
        case CAN_CREATE_UNSUPPORTED:
            cs_send_temp(c, "501 Method Not Implemented");
            return;
        default:
            if (c->method == CM_ACK) {
                res->drop_reason = "ACK matches no dialog";
            } else {
                cs_send_temp(c, "481 Call leg/transaction does not exist");
            }
            return;
        }
    }

    if (!cs_present(top)) {
        res->drop_reason = "missing Via";
        return;
    }

    /* handle_incoming(): CSeq order and retransmissions. */
    dialog *d = c->d;
    if (d && (d->flags & DLG_ICSEQ)) {
        if (d->icseq > c->seqno) {
            bool exempt = (d->flags & DLG_INVITE) && !(d->flags & DLG_ACKED) &&
                          c->seqno == d->inv_cseq &&
                          (c->method == CM_ACK || c->method == CM_CANCEL);
            if (!exempt) {
                if (c->method == CM_INVITE) {
                    char secs[4];
                    snprintf(secs, sizeof secs, "%u", prng_ast_random(&p->rng) % 10 + 1);
                    wbuf w;
                    cs_resp r = {.status = "500 Server error"};
                    cs_respprep(c, &w, &r);
                    wb_header(&w, "Retry-After", secs);
                    cs_finish(c, &w, 500, 0, false);
                } else if (c->method != CM_ACK) {
                    cs_send(c, "500 Server error", false);
                } else {
                    res->drop_reason = "ACK with an old CSeq";
                }
                d->last_ms = now_ms;
                return;
            }
        } else if (d->icseq == c->seqno && c->method != CM_ACK && c->method != CM_CANCEL) {
            c->ignore = true;
        }
    }
    if (d && (c->seqno >= d->icseq || !(d->flags & DLG_ICSEQ))) {
        d->icseq = c->seqno;
        d->flags |= DLG_ICSEQ;
    } else if (!d) {
        c->tmp.icseq = c->seqno;
        c->tmp.flags |= DLG_ICSEQ;
    }
    if (d)
        d->last_ms = now_ms;

    /* A new dialog whose request already has a To tag is not ours. */
    if (c->v->pedantic && d == NULL && has_totag) {
        if (c->method == CM_INVITE) {
            cs_send(c, "481 Call/Transaction Does Not Exist", true);
        } else if (c->method != CM_ACK) {
            cs_send(c, "481 Call/Transaction Does Not Exist", false);
        }
        return;
    }

    switch (c->method) {
    case CM_OPTIONS: cs_options(c); break;
    case CM_REGISTER: cs_register(c); break;
    case CM_INVITE: cs_invite(c); break;
    case CM_ACK: cs_ack(c); break;
    case CM_CANCEL: cs_cancel(c); break;
    case CM_BYE: cs_bye(c); break;
    case CM_SUBSCRIBE: cs_subscribe(c); break;
    case CM_NOTIFY: cs_notify(c); break;
    case CM_MESSAGE: cs_message(c); break;
    case CM_PUBLISH: cs_publish(c); break;
    case CM_INFO: case CM_UPDATE: case CM_PRACK:
        cs_send(c, "481 Call leg/transaction does not exist", false);
        break;
    default:
        /* handle_incoming(): an unknown method */
        cs_send_with_allow(c, "501 Method Not Implemented", false);
        break;
    }
}
