/*
 * pjsip.c - what Asterisk's res_pjsip (12 ... 22) answers
 * (../shared/PERSONA.md section 2).
 *
 * pjsip re-serializes everything it echoes (pjsip_endpt_create_response()
 * clones the parsed headers and pjsip_msg_print() prints them): Via with
 * its parameters in pjsip's order, Call-ID before From and To, display
 * names always quoted, "Content-Length:  0". Every request but ACK from an
 * endpoint is challenged; a request from an unknown user gets the
 * "artificial" endpoint, whose digest never matches, so known and unknown
 * users look the same (no enumeration, and a wrong password is a new 401,
 * never a 403). Nonces are stateless: "<unix time>/<md5(time:src-ip:
 * entity-id:realm)>", valid for nonce_lifetime seconds from the same
 * address, in any Call-ID.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "persona/persona_int.h"
#include "sip/digest_auth.h"

typedef struct {
    persona *p;
    const sip_msg *m;
    const persona_peer *peer;
    int64_t now;
    persona_result *res;
    const persona_extension *ep;   /* identified endpoint, NULL: artificial */
    dialog *d;                     /* INVITE session, if any               */
    uint64_t key;
    sip_method method;             /* matched case-insensitively            */
} pj_ctx;

/* pjsip_get_status_text() */
static const char *pj_reason(unsigned code)
{
    switch (code) {
    case 100: return "Trying";
    case 180: return "Ringing";
    case 183: return "Session Progress";
    case 200: return "OK";
    case 202: return "Accepted";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 402: return "Payment Required";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 410: return "Gone";
    case 415: return "Unsupported Media Type";
    case 416: return "Unsupported URI Scheme";
    case 420: return "Bad Extension";
    case 480: return "Temporarily Unavailable";
    case 481: return "Call/Transaction Does Not Exist";
    case 484: return "Address Incomplete";
    case 486: return "Busy Here";
    case 487: return "Request Terminated";
    case 488: return "Not Acceptable Here";
    case 489: return "Bad Event";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Server Timeout";
    case 600: return "Busy Everywhere";
    case 603: return "Decline";
    case 604: return "Does Not Exist Anywhere";
    case 606: return "Not Acceptable";
    default: return "Default status message";
    }
}

/* chan_pjsip's hangup_cause2sip(); 0 becomes 603. */
static unsigned pj_cause2code(unsigned cause)
{
    switch (cause) {
    case 1: case 2: case 3: return 404;
    case 34: case 42: case 66: return 503;
    case 18: return 408;
    case 19: case 20: case 31: return 480;
    case 21: return 403;
    case 22: return 410;
    case 28: return 484;
    case 17: return 486;
    case 38: return 500;
    case 29: return 501;
    case 27: return 502;
    case 58: return 488;
    case 127: return 500;
    default: return 603;
    }
}

/* ---- Printing (pjsip_msg_print) ---------------------------------------- */

/* Each parameter of a ';' list, trimmed, except the ones named in skip. */
static void pj_put_params(wbuf *w, sip_str params, const char *const *skip)
{
    const char *s = params.p, *end = params.p ? params.p + params.len : NULL;
    while (s && s < end) {
        const char *e = memchr(s, ';', (size_t)(end - s));
        if (e == NULL)
            e = end;
        const char *a = s, *b = e;
        while (a < b && (*a == ' ' || *a == '\t' || *a == '\r' || *a == '\n'))
            a++;
        while (b > a && (b[-1] == ' ' || b[-1] == '\t' || b[-1] == '\r' || b[-1] == '\n'))
            b--;
        if (a < b) {
            const char *eq = memchr(a, '=', (size_t)(b - a));
            size_t nl = (size_t)((eq ? eq : b) - a);
            while (nl && (a[nl - 1] == ' ' || a[nl - 1] == '\t'))
                nl--;
            bool skipped = false;
            for (size_t i = 0; skip && skip[i]; i++)
                if (text_ieq(a, nl, skip[i]))
                    skipped = true;
            if (!skipped) {
                wb_put(w, ";", 1);
                wb_put(w, a, nl);
                if (eq) {
                    const char *v = eq + 1;
                    while (v < b && (*v == ' ' || *v == '\t'))
                        v++;
                    wb_put(w, "=", 1);
                    wb_put(w, v, (size_t)(b - v));
                }
            }
        }
        s = e + 1;
    }
}

/* pjsip_via_hdr_print(): SIP/2.0/<transport> <host>[:port][;ttl=][;rport[=p]]
 * [;maddr=][;received=][;branch=]<other params>. The top Via got
 * received=<source> and, for a bare rport, the source port. */
static void pj_put_via(pj_ctx *c, wbuf *w, const sip_via *v, bool top)
{
    static const char *const skip[] = {"ttl", "rport", "maddr", "received", "branch", NULL};
    sip_str ttl, maddr;
    bool has_ttl = sip_param_find(v->params, "ttl", &ttl) && ttl.p;
    bool has_maddr = sip_param_find(v->params, "maddr", &maddr) && maddr.p && maddr.len;
    wb_puts(w, "Via: SIP/2.0/");
    wb_str(w, v->transport);
    wb_put(w, " ", 1);
    if (v->host_kind == SIP_HOST_IPV6) {
        wb_put(w, "[", 1);
        wb_str(w, v->host);
        wb_put(w, "]", 1);
    } else {
        wb_str(w, v->host);
    }
    if (v->port) {
        wb_put(w, ":", 1);
        wb_u32(w, v->port);
    }
    if (has_ttl) {
        wb_puts(w, ";ttl=");
        wb_str(w, ttl);
    }
    if (v->rport.p) {
        wb_puts(w, ";rport");
        if (v->rport.len) {
            wb_put(w, "=", 1);
            wb_str(w, v->rport);
        } else if (top) {
            wb_put(w, "=", 1);
            wb_u32(w, c->peer->src_port);
        }
    }
    if (has_maddr) {
        wb_puts(w, ";maddr=");
        wb_str(w, maddr);
    }
    if (top) {
        wb_puts(w, ";received=");
        wb_puts(w, c->peer->src_ip ? c->peer->src_ip : "");
    } else if (v->received.p && v->received.len) {
        wb_puts(w, ";received=");
        wb_str(w, v->received);
    }
    if (v->branch.p && v->branch.len) {
        wb_puts(w, ";branch=");
        wb_str(w, v->branch);
    }
    pj_put_params(w, v->params, skip);
    wb_put(w, "\r\n", 2);
}

/* A From/To as pjsip prints it: ["display" ]<uri>[;tag=t][;params]. */
static void pj_put_fromto(wbuf *w, const char *name, const sip_nameaddr *na, sip_str tag)
{
    static const char *const skip[] = {"tag", NULL};
    wb_puts(w, name);
    wb_put(w, ": ", 2);
    if (na->display.p && na->display.len) {
        wb_put(w, "\"", 1);
        wb_str(w, na->display);
        wb_put(w, "\" ", 2);
    }
    wb_put(w, "<", 1);
    sip_str u = na->uri_raw;
    if (na->uri_ok && (na->uri.scheme == SIP_SCHEME_SIP || na->uri.scheme == SIP_SCHEME_SIPS) &&
        na->uri.scheme_str.p == u.p) {
        /* pjsip prints the scheme in lower case */
        wb_puts(w, na->uri.scheme == SIP_SCHEME_SIP ? "sip" : "sips");
        u.p += na->uri.scheme_str.len;
        u.len -= na->uri.scheme_str.len;
    }
    wb_str(w, u);
    wb_put(w, ">", 1);
    if (tag.p && tag.len) {
        wb_puts(w, ";tag=");
        wb_str(w, tag);
    }
    pj_put_params(w, na->params, skip);
    wb_put(w, "\r\n", 2);
}

typedef enum { TAG_BRANCH, TAG_DIALOG, TAG_NONE } pj_tag;

/* The dialog's UUID tag, derived from 64 bits kept in the slot. */
static void pj_dialog_tag(pj_ctx *c, char out[37])
{
    prng r;
    prng_seed(&r, ((uint64_t)c->d->tag << 32 | c->d->nonce) ^ c->p->dialogs.key[0]);
    persona_random_uuid(&r, out);
}

/* pjsip_endpt_create_response(): status, Vias, Record-Route, Call-ID,
 * From, To (+ tag), CSeq. */
static void pj_begin(pj_ctx *c, wbuf *w, unsigned code, const char *reason, pj_tag tk,
                     const char *cseq_method)
{
    const sip_msg *m = c->m;
    char uuid[37];
    wb_init(w, c->res);
    wb_puts(w, "SIP/2.0 ");
    wb_u32(w, code);
    wb_put(w, " ", 1);
    wb_puts(w, reason ? reason : pj_reason(code));
    wb_put(w, "\r\n", 2);
    for (unsigned i = 0; i < m->n_via; i++)
        pj_put_via(c, w, &m->via[i], i == 0);
    for (unsigned i = 0; i < m->n_headers; i++) {
        if (m->headers[i].kind == SIP_HDR_RECORD_ROUTE) {
            wb_puts(w, "Record-Route: ");
            wb_str(w, m->headers[i].value);
            wb_put(w, "\r\n", 2);
        }
    }
    wb_puts(w, "Call-ID: ");
    wb_str(w, m->call_id);
    wb_put(w, "\r\n", 2);
    pj_put_fromto(w, "From", &m->from, m->from.tag);
    sip_str tag = m->to.tag;
    if ((tag.p == NULL || tag.len == 0) && code > 100) {
        if (tk == TAG_BRANCH && m->n_via) {
            tag = m->via[0].branch;
        } else if (tk == TAG_DIALOG && c->d) {
            pj_dialog_tag(c, uuid);
            tag = (sip_str){uuid, 36};
        }
    }
    pj_put_fromto(w, "To", &m->to, tag);
    wb_puts(w, "CSeq: ");
    wb_u32(w, m->cseq);
    wb_put(w, " ", 1);
    if (cseq_method)
        wb_puts(w, cseq_method);
    else
        wb_str(w, m->cseq_method);
    wb_put(w, "\r\n", 2);
}

/* The global headers module appends Server when sending. */
static void pj_end(pj_ctx *c, wbuf *w, unsigned code, uint32_t delay, bool reliable,
                   bool server)
{
    if (server)
        wb_header(w, "Server", c->p->ua);
    wb_puts(w, "Content-Length:  0\r\n\r\n");
    persona_emit(c->res, w, code, delay, reliable);
}

static void pj_send(pj_ctx *c, unsigned code, const char *reason, pj_tag tk)
{
    wbuf w;
    pj_begin(c, &w, code, reason, tk, NULL);
    pj_end(c, &w, code, 0, false, true);
}

/* ---- Authentication (res_pjsip_authenticator_digest.c) ------------------ */

/* build_nonce(): "<ts>/" + md5("<ts>:<src-ip>:<entity id>:<realm>"). */
static size_t pj_nonce(pj_ctx *c, long ts, char *out, size_t cap)
{
    char head[96];
    snprintf(head, sizeof head, "%ld:%.64s", ts, c->peer->src_ip ? c->peer->src_ip : "");
    char hex[SIP_DIGEST_HEX_MAX];
    /* md5(a:b:c) is what sip_digest_ha1 computes for (a, b, c) */
    size_t n = sip_digest_ha1(SIP_ALG_MD5, (sip_str){head, strlen(head)},
                              (sip_str){c->p->eid, strlen(c->p->eid)},
                              (sip_str){c->p->cfg.realm, strlen(c->p->cfg.realm)}, hex);
    hex[n < sizeof hex ? n : sizeof hex - 1] = '\0';
    int k = snprintf(out, cap, "%ld/%s", ts, hex);
    return k > 0 && (size_t)k < cap ? (size_t)k : 0;
}

/* check_nonce(): ours, for this address, not older than the lifetime. */
static bool pj_nonce_ok(pj_ctx *c, sip_str nonce)
{
    const char *slash = nonce.p ? memchr(nonce.p, '/', nonce.len) : NULL;
    if (slash == NULL || slash == nonce.p)
        return false;
    long ts = 0;
    for (const char *q = nonce.p; q < slash; q++) {
        if (!isdigit((unsigned char)*q) || ts > 100000000000L)
            return false;
        ts = ts * 10 + (*q - '0');
    }
    if (c->now / 1000 - ts > (int64_t)c->p->cfg.nonce_lifetime_s)
        return false;
    char want[160];
    size_t n = pj_nonce(c, ts, want, sizeof want);
    return n == nonce.len && memcmp(want, nonce.p, n) == 0;
}

/* challenge(): 401 + WWW-Authenticate: Digest realm="..",nonce="..",
 * opaque="..",[stale=true,]algorithm=MD5|md5,qop="auth". */
static void pj_challenge(pj_ctx *c, bool stale)
{
    char nonce[160], opaque[17];
    pj_nonce(c, (long)(c->now / 1000), nonce, sizeof nonce);
    persona_random_hex(&c->p->rng, opaque, 16);
    wbuf w;
    pj_begin(c, &w, 401, NULL, TAG_BRANCH, NULL);
    wb_puts(&w, "WWW-Authenticate: Digest realm=\"");
    wb_puts(&w, c->p->cfg.realm);
    wb_puts(&w, "\",nonce=\"");
    wb_puts(&w, nonce);
    wb_puts(&w, "\",opaque=\"");
    wb_puts(&w, opaque);
    wb_puts(&w, stale ? "\",stale=true,algorithm=" : "\",algorithm=");
    wb_puts(&w, c->p->ver.pj_md5_lower ? "md5" : "MD5");
    wb_puts(&w, ",qop=\"auth\"\r\n");
    pj_end(c, &w, 401, 0, false, true);
}

/* authenticate(): true when the request may go on; otherwise a 401 was
 * sent. */
static bool pj_authenticate(pj_ctx *c)
{
    persona_result *res = c->res;
    const sip_digest *cr = &c->m->authorization;
    const char *realm = c->p->cfg.realm;
    bool present = cr->raw.p != NULL;
    if (present)
        res->auth_user = cr->username;
    /* An Authorization for another realm is no answer to our challenge. */
    if (!present || !sip_str_ieq(cr->scheme, "Digest") || !sip_str_eq(cr->realm, realm)) {
        res->auth = present ? AUTH_MALFORMED : AUTH_NONE;
        pj_challenge(c, false);
        return false;
    }
    bool nonce_ok = pj_nonce_ok(c, cr->nonce);
    bool good = false;
    if (c->ep == NULL) {
        res->auth = AUTH_UNKNOWN_USER;
    } else if (!sip_str_eq(cr->username, c->ep->name)) {
        res->auth = AUTH_USERNAME_MISMATCH;
    } else if (cr->algorithm.p && cr->algorithm.len &&
               sip_digest_alg_from(cr->algorithm) != SIP_ALG_MD5) {
        res->auth = AUTH_MALFORMED;
    } else if (cr->response.p == NULL || cr->nonce.p == NULL || cr->uri.p == NULL) {
        res->auth = AUTH_MALFORMED;
    } else {
        const char *mname = sip_method_name(c->method);
        sip_str meth = mname ? (sip_str){mname, strlen(mname)} : c->m->method_str;
        sip_digest_input in = {
            .alg = SIP_ALG_MD5,
            .username = cr->username,
            .realm = (sip_str){realm, strlen(realm)},
            .method = meth,
            .uri = cr->uri,
            .nonce = cr->nonce,
            .qop = cr->qop,
            .cnonce = cr->cnonce.p ? cr->cnonce : (sip_str){"", 0},
            .nc = cr->nc.p ? cr->nc : (sip_str){"", 0},
        };
        if (c->ep->md5secret[0])
            in.ha1 = (sip_str){c->ep->md5secret, strlen(c->ep->md5secret)};
        else
            in.password = (sip_str){c->ep->secret, strlen(c->ep->secret)};
        good = sip_digest_verify(&in, cr->response);
        res->auth = good ? (nonce_ok ? AUTH_OK : AUTH_STALE) : AUTH_WRONG_PASSWORD;
    }
    if (good && nonce_ok)
        return true;
    pj_challenge(c, good && !nonce_ok);
    return false;
}

/* ---- After authentication ---------------------------------------------- */

static void pj_exten(const pj_ctx *c, char *buf, size_t cap, size_t *len, bool s_if_empty)
{
    sip_str u = c->m->ruri.user;
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
    if (n == 0 && s_if_empty) {
        snprintf(buf, cap, "s");
        n = 1;
    }
    *len = n;
}

static bool pj_uri_scheme_ok(const pj_ctx *c)
{
    return !(c->m->warnings & SIP_WARN_BAD_RURI) &&
           (c->m->ruri.scheme == SIP_SCHEME_SIP || c->m->ruri.scheme == SIP_SCHEME_SIPS);
}

/* options_on_rx_request() / send_options_response() */
static void pj_options(pj_ctx *c)
{
    unsigned code = 404;
    if (!pj_uri_scheme_ok(c)) {
        code = 416;
    } else {
        char ex[512];
        size_t n;
        pj_exten(c, ex, sizeof ex, &n, false);
        if (n == 0) {
            code = 200;
        } else {
            dest_kind k = persona_destination(c->p, ex, n, c->ep && c->ep->can_call);
            if (k == DEST_LOCAL || k == DEST_EXTERNAL || k == DEST_S)
                code = 200;
        }
    }
    wbuf w;
    pj_begin(c, &w, code, NULL, TAG_BRANCH, NULL);
    if (code == 200 || code == 404) {
        wb_header(&w, "Accept",
                  "application/sdp, application/dialog-info+xml, "
                  "application/simple-message-summary, application/xpidf+xml, "
                  "application/cpim-pidf+xml, application/pidf+xml, application/pidf+xml, "
                  "application/dialog-info+xml, application/simple-message-summary, "
                  "message/sipfrag;version=2.0");
        wb_header(&w, "Allow", "OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, "
                               "BYE, CANCEL, UPDATE, PRACK, MESSAGE, REFER");
        wb_header(&w, "Supported", "100rel, timer, replaces, norefersub");
        wb_header(&w, "Accept-Encoding", c->p->ver.pj_identity ? "identity" : "text/plain");
        wb_header(&w, "Accept-Language", "en");
    }
    pj_end(c, &w, code, 0, false, true);
}

/* res_pjsip_registrar.c: the AOR is the To user and must be the
 * endpoint's own; bindings are not kept, each 200 lists the request's. */
static void pj_register(pj_ctx *c)
{
    const sip_msg *m = c->m;
    char aor[512];
    size_t n = 0;
    if (m->to.uri_ok && m->to.uri.user.p) {
        n = sip_str_unescape(m->to.uri.user, aor, sizeof aor);
        if (n == (size_t)-1)
            n = 0;
    }
    if (n == 0 || c->ep == NULL || strlen(c->ep->name) != n || memcmp(c->ep->name, aor, n) != 0) {
        pj_send(c, 404, NULL, TAG_BRANCH);
        return;
    }
    /* expiration: Expires header, else ;expires=, else 3600; [60, 7200] */
    long hdr_exp = m->expires >= 0 ? (long)(m->expires > 100000000 ? 100000000 : m->expires) : -1;
    bool star = false;
    for (unsigned i = 0; i < m->n_contact; i++) {
        if (m->contact[i].star)
            star = true;
        else if (!m->contact[i].uri_ok || (m->contact[i].uri.scheme != SIP_SCHEME_SIP &&
                                           m->contact[i].uri.scheme != SIP_SCHEME_SIPS)) {
            pj_send(c, 400, NULL, TAG_BRANCH);
            return;
        }
    }
    if (star && (hdr_exp != 0 || m->n_contact > 1)) {
        pj_send(c, 400, NULL, TAG_BRANCH);
        return;
    }
    wbuf w;
    pj_begin(c, &w, 200, NULL, TAG_BRANCH, NULL);
    wb_puts(&w, "Date: ");
    wb_http_date(&w, c->now);
    wb_put(&w, "\r\n", 2);
    for (unsigned i = 0; i < m->n_contact && !star; i++) {
        long e = hdr_exp;
        const sip_nameaddr *ct = &m->contact[i];
        if (ct->expires.p && ct->expires.len) {
            e = 0;
            for (size_t k = 0; k < ct->expires.len && isdigit((unsigned char)ct->expires.p[k]); k++)
                if (e < 100000000)
                    e = e * 10 + (ct->expires.p[k] - '0');
        }
        if (e < 0)
            e = 3600;
        if (e == 0)
            continue;              /* removed */
        if (e < 60)
            e = 60;
        if (e > 7200)
            e = 7200;
        wb_puts(&w, "Contact: <");
        wb_str(&w, ct->uri_raw);
        wb_puts(&w, ">;expires=");
        wb_u32(&w, (uint32_t)(e - 1));   /* seconds left, rounded down */
        wb_put(&w, "\r\n", 2);
    }
    if (hdr_exp >= 0) {
        long e = hdr_exp;
        if (e != 0 && e < 60)
            e = 60;
        if (e > 7200)
            e = 7200;
        wb_puts(&w, "Expires: ");
        wb_u32(&w, (uint32_t)e);
        wb_put(&w, "\r\n", 2);
    }
    pj_end(c, &w, 200, 0, false, true);
}

static void pj_put_contact(pj_ctx *c, wbuf *w)
{
    const char *ip = c->peer->local_ip ? c->peer->local_ip : "";
    wb_puts(w, "Contact: <sip:");
    wb_hostport(w, ip, c->peer->local_port);
    if (c->peer->transport && strcasecmp(c->peer->transport, "UDP") != 0) {
        wb_puts(w, ";transport=");
        for (const char *t = c->peer->transport; *t; t++) {
            char ch = (char)tolower((unsigned char)*t);
            wb_put(w, &ch, 1);
        }
    }
    wb_put(w, ">\r\n", 3);
}

/* res_pjsip_session.c new_invite(): the destination before 100 Trying. */
static void pj_invite(pj_ctx *c)
{
    persona_result *res = c->res;
    const persona_config *cfg = &c->p->cfg;
    /* An INVITE session: a dialog with a UUID tag. */
    dialog *d = dlg_insert(&c->p->dialogs, c->key, c->now);
    d->tag = (uint32_t)prng_next(&c->p->rng);
    d->nonce = (uint32_t)prng_next(&c->p->rng);
    d->inv_cseq = c->m->cseq;
    c->d = d;

    if (!pj_uri_scheme_ok(c)) {
        wbuf w;
        pj_begin(c, &w, 416, NULL, TAG_DIALOG, NULL);
        pj_end(c, &w, 416, 0, true, true);
        return;
    }
    char ex[512];
    size_t n;
    pj_exten(c, ex, sizeof ex, &n, true);
    dest_kind k = persona_destination(c->p, ex, n, c->ep && c->ep->can_call);
    if (k == DEST_NOT_FOUND || k == DEST_PICKUP) {
        unsigned code = 404;
        wbuf w;
        pj_begin(c, &w, code, NULL, TAG_DIALOG, NULL);
        pj_end(c, &w, code, 0, true, true);
        return;
    }
    wbuf w;
    pj_begin(c, &w, 100, NULL, TAG_NONE, NULL);
    pj_end(c, &w, 100, 0, false, true);

    uint32_t ring = cfg->ring_ms;
    uint32_t fin = cfg->final_ms > ring ? cfg->final_ms : ring;
    d->flags |= DLG_INVITE;
    d->final_ms = c->now + fin;
    if (k == DEST_EXTERNAL && ring > 0) {
        pj_begin(c, &w, 180, NULL, TAG_DIALOG, NULL);
        wb_header(&w, "Server", c->p->ua);
        pj_put_contact(c, &w);
        wb_header(&w, "Allow", "OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, INVITE, ACK, "
                               "BYE, CANCEL, UPDATE, PRACK, MESSAGE, REFER");
        pj_end(c, &w, 180, ring, false, false);
    }
    unsigned code;
    if (k == DEST_EXTERNAL) {
        code = cfg->invite_final_code;
        if (code < 300 || code > 699)
            code = pj_cause2code(cfg->invite_hangup_cause);
    } else if (k == DEST_LOCAL) {
        code = 480;     /* Dial() to an unregistered endpoint: cause 20 */
    } else {
        code = 503;     /* "s": Congestion() */
    }
    pj_begin(c, &w, code, NULL, TAG_DIALOG, NULL);
    pj_end(c, &w, code, fin, true, true);
    (void)res;
}

/* res_pjsip_messaging: text/plain to an extension is accepted. */
static void pj_message(pj_ctx *c)
{
    const sip_msg *m = c->m;
    if (m->content_type.p == NULL || !text_iprefix(m->content_type.p, m->content_type.len, "text/plain")) {
        pj_send(c, 415, NULL, TAG_BRANCH);
        return;
    }
    char ex[512];
    size_t n;
    pj_exten(c, ex, sizeof ex, &n, false);
    dest_kind k = persona_destination(c->p, ex, n, c->ep && c->ep->can_call);
    pj_send(c, k == DEST_LOCAL || k == DEST_EXTERNAL ? 202 : 404, NULL, TAG_BRANCH);
}

/* ---- Entry ------------------------------------------------------------- */

void pjsip_handle(persona *p, const sip_msg *m, const persona_peer *peer,
                  int64_t now_ms, persona_result *res)
{
    pj_ctx cx = {.p = p, .m = m, .peer = peer, .now = now_ms, .res = res};
    pj_ctx *c = &cx;

    /* The pjsip parser rejects these; sip_transport.c drops messages that
     * lack a mandatory header (PJSIP_EMISSINGHDR). */
    if (!sip_str_ieq(m->version, "SIP/2.0")) {
        res->drop_reason = "bad version";
        return;
    }
    if (m->call_id.p == NULL || m->call_id.len == 0 || m->from.raw.p == NULL ||
        m->to.raw.p == NULL || m->n_via == 0 || m->cseq_raw.p == NULL) {
        res->drop_reason = "missing Call-ID, From, To, Via or CSeq";
        return;
    }
    if (!m->cseq_ok || (m->warnings & (SIP_WARN_BAD_CSEQ | SIP_WARN_BAD_FROM | SIP_WARN_BAD_TO |
                                       SIP_WARN_BAD_VIA | SIP_WARN_BAD_RURI))) {
        res->drop_reason = "unparsable for pjsip";
        return;
    }
    if (m->warnings & SIP_WARN_TRUNCATED) {
        res->drop_reason = "too many Via or Contact values";
        return;
    }

    c->key = dlg_key(&p->dialogs, m->call_id.p, m->call_id.len, peer->src_ip);
    c->d = dlg_find(&p->dialogs, c->key, now_ms);
    dialog *d = c->d;
    bool pending = d && (d->flags & DLG_INVITE) && !(d->flags & DLG_ACKED);

    /* pjsip_method_init_np() compares method names case-insensitively */
    sip_method method = m->method;
    for (int k = SIP_INVITE; method == SIP_METHOD_UNKNOWN && k < SIP_METHOD_COUNT; k++) {
        const char *name = sip_method_name((sip_method)k);
        if (name && sip_str_ieq(m->method_str, name))
            method = (sip_method)k;
    }
    c->method = method;

    char ex[512];
    size_t exn = 0;
    if (m->ruri.user.p)
        pj_exten(c, ex, sizeof ex, &exn, false);
    res->extension_known = exn && persona_find_exten(p, ex, exn) != NULL;

    switch (method) {
    case SIP_ACK:
        res->drop_reason = "ACK";
        if (d) {
            if ((d->flags & DLG_INVITE) && m->cseq == d->inv_cseq && now_ms >= d->final_ms) {
                d->flags |= DLG_ACKED;
                res->cancel_pending = true;
            }
            d->last_ms = now_ms;
        }
        return;
    case SIP_CANCEL:
        if (pending && m->cseq == d->inv_cseq) {
            /* 200 to the CANCEL, then 487 to the INVITE, both in the dialog */
            wbuf w;
            pj_begin(c, &w, 200, NULL, TAG_DIALOG, NULL);
            pj_end(c, &w, 200, 0, false, true);
            pj_begin(c, &w, 487, NULL, TAG_DIALOG, "INVITE");
            pj_end(c, &w, 487, 0, true, true);
            d->final_ms = now_ms;
            res->cancel_pending = true;
            return;
        }
        pj_send(c, 481, NULL, TAG_BRANCH);
        return;
    case SIP_BYE:
        if (pending) {
            wbuf w;
            pj_begin(c, &w, 200, NULL, TAG_DIALOG, NULL);
            pj_end(c, &w, 200, 0, false, true);
            res->cancel_pending = true;
            dlg_remove(d);
            return;
        }
        pj_send(c, 481, NULL, TAG_BRANCH);
        return;
    case SIP_INVITE:
        res->dial_external = exn && persona_is_external_number(p, ex, exn);
        /* fall through */
    case SIP_SUBSCRIBE:
    case SIP_REFER:
        if (m->n_contact == 0) {
            pj_send(c, 400, "Missing Contact header", TAG_BRANCH);
            return;
        }
        break;
    default:
        break;
    }

    /* Endpoint identification by the From user (identify_by=username). */
    if (m->from.uri_ok && m->from.uri.user.p && m->from.uri.user.len) {
        char u[PERSONA_NAME_MAX * 3];
        size_t n = sip_str_unescape(m->from.uri.user, u, sizeof u);
        if (n != (size_t)-1)
            c->ep = persona_find_exten(p, u, strnlen(u, n));
    }
    if (!pj_authenticate(c))
        return;

    switch (method) {
    case SIP_OPTIONS: pj_options(c); break;
    case SIP_REGISTER: pj_register(c); break;
    case SIP_INVITE: pj_invite(c); break;
    case SIP_MESSAGE: pj_message(c); break;
    case SIP_SUBSCRIBE:
    case SIP_PUBLISH: pj_send(c, 489, NULL, TAG_BRANCH); break;
    default: pj_send(c, 501, NULL, TAG_BRANCH); break;
    }
}
