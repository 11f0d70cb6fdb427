/*
 * fuzz_msg.c - libFuzzer target for the message parser: the input as one
 * UDP datagram, as a stream (all the messages it holds, one after the
 * other), and as a stream fed in two chunks with last_len, which must give
 * the same result as the whole buffer. Every view of every result is read
 * byte by byte, so AddressSanitizer checks it lies inside the input, and
 * checked explicitly against the input's bounds. Lazy parsing (sip.h): the
 * datagram and the first stream message are also framed with
 * sip_frame_datagram / sip_frame_stream and every accessor is called, in an
 * order picked by the input, twice; each result, the framing fields and
 * the warnings must equal the complete parse's.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sip/sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *in_lo, *in_hi;
static volatile unsigned sink;

/* Reads every byte of a view; aborts if it is not inside the input. */
static void touch(sip_str s)
{
    if (s.p == NULL) {
        if (s.len != 0)
            abort();
        return;
    }
    if (s.p < in_lo || s.p > in_hi || s.len > (size_t)(in_hi - s.p))
        abort();
    unsigned h = 0;
    for (size_t i = 0; i < s.len; i++)
        h = h * 31 + (unsigned char)s.p[i];
    sink += h;
}

static void touch_uri(const sip_uri *u)
{
    touch(u->raw); touch(u->scheme_str); touch(u->user); touch(u->user_params);
    touch(u->password); touch(u->host); touch(u->port_str); touch(u->params);
    touch(u->headers); touch(u->opaque);
    char tmp[64];
    (void)sip_str_unescape(u->user, tmp, sizeof tmp);
    sip_str v;
    if (sip_param_find(u->params, "transport", &v))
        touch(v);
}

static void touch_nameaddr(const sip_nameaddr *na)
{
    touch(na->raw); touch(na->display); touch(na->uri_raw); touch(na->params);
    touch(na->tag); touch(na->expires);
    touch_uri(&na->uri);
}

static void touch_digest(const sip_digest *d)
{
    touch(d->raw); touch(d->scheme); touch(d->username); touch(d->realm);
    touch(d->nonce); touch(d->uri); touch(d->response); touch(d->algorithm);
    touch(d->cnonce); touch(d->opaque); touch(d->qop); touch(d->nc);
    touch(d->stale); touch(d->domain); touch(d->params);
}

static void touch_msg(const sip_msg *m)
{
    char flat[128];
    touch(m->method_str); touch(m->ruri_raw); touch(m->version); touch(m->reason);
    touch_uri(&m->ruri);
    if (m->n_headers > SIP_MAX_HEADERS || m->n_via > SIP_MAX_VIAS || m->n_contact > SIP_MAX_CONTACTS)
        abort();
    for (unsigned i = 0; i < m->n_headers; i++) {
        touch(m->headers[i].name);
        touch(m->headers[i].value);
        (void)sip_str_unfold(m->headers[i].value, flat, sizeof flat);
        if (m->headers[i].kind != sip_hdr_kind_from(m->headers[i].name))
            abort();
    }
    for (unsigned i = 0; i < m->n_via; i++) {
        const sip_via *v = &m->via[i];
        touch(v->raw); touch(v->protocol); touch(v->transport); touch(v->host);
        touch(v->port_str); touch(v->params); touch(v->branch); touch(v->received);
        touch(v->rport);
    }
    touch_nameaddr(&m->from);
    touch_nameaddr(&m->to);
    for (unsigned i = 0; i < m->n_contact; i++)
        touch_nameaddr(&m->contact[i]);
    touch(m->call_id); touch(m->cseq_raw); touch(m->cseq_method);
    touch(m->user_agent); touch(m->server);
    touch_digest(&m->authorization); touch_digest(&m->proxy_authorization);
    touch_digest(&m->www_authenticate); touch_digest(&m->proxy_authenticate);
    touch(m->content_type); touch(m->allow); touch(m->supported);
    touch(m->require); touch(m->proxy_require); touch(m->date);
    touch(m->body);
    if (m->content_length < -1 || m->content_length > SIP_MAX_MESSAGE)
        abort();
    if (m->offset + m->length > (size_t)(in_hi - in_lo))
        abort();
}

static bool view_same(sip_str a, sip_str b)
{
    return a.p == b.p && a.len == b.len;
}

/* lazy was just framed from the bytes eager was completely parsed from. */
static void check_lazy(const sip_msg *eager, sip_msg *lazy, unsigned seed)
{
    if (memcmp(eager, lazy, offsetof(sip_msg, warnings)) != 0 ||
        memcmp((const char *)eager + offsetof(sip_msg, error), (const char *)lazy + offsetof(sip_msg, error),
               offsetof(sip_msg, parsed) - offsetof(sip_msg, error)) != 0 ||
        eager->n_headers != lazy->n_headers || (lazy->warnings & ~eager->warnings) != 0)
        abort();
    for (unsigned i = 0; i < eager->n_headers; i++)
        if (eager->headers[i].kind != lazy->headers[i].kind ||
            !view_same(eager->headers[i].name, lazy->headers[i].name) ||
            !view_same(eager->headers[i].value, lazy->headers[i].value))
            abort();
    for (unsigned k = 0; k < 20; k++) {
        bool bad = false;
        switch ((k + seed) % 11) {
        case 0: bad = memcmp(sip_msg_from(lazy), &eager->from, sizeof eager->from) != 0; break;
        case 1: bad = memcmp(sip_msg_to(lazy), &eager->to, sizeof eager->to) != 0; break;
        case 2:
            bad = sip_msg_vias(lazy) != eager->n_via || sip_msg_via(lazy, eager->n_via) != NULL;
            for (unsigned i = 0; !bad && i < eager->n_via; i++)
                bad = memcmp(sip_msg_via(lazy, i), &eager->via[i], sizeof eager->via[i]) != 0;
            break;
        case 3:
            bad = sip_msg_contacts(lazy) != eager->n_contact || sip_msg_contact(lazy, eager->n_contact) != NULL;
            for (unsigned i = 0; !bad && i < eager->n_contact; i++)
                bad = memcmp(sip_msg_contact(lazy, i), &eager->contact[i], sizeof eager->contact[i]) != 0;
            break;
        case 4: bad = memcmp(sip_msg_authorization(lazy), &eager->authorization, sizeof(sip_digest)) != 0; break;
        case 5: bad = memcmp(sip_msg_proxy_authorization(lazy), &eager->proxy_authorization, sizeof(sip_digest)) != 0; break;
        case 6: bad = memcmp(sip_msg_www_authenticate(lazy), &eager->www_authenticate, sizeof(sip_digest)) != 0; break;
        case 7: bad = memcmp(sip_msg_proxy_authenticate(lazy), &eager->proxy_authenticate, sizeof(sip_digest)) != 0; break;
        case 8: bad = sip_msg_max_forwards(lazy) != eager->max_forwards; break;
        case 9: bad = sip_msg_expires(lazy) != eager->expires; break;
        case 10:
            for (int h = SIP_HDR_OTHER + 1; h < SIP_HDR_KIND_COUNT; h++) {
                sip_str v = sip_msg_header(lazy, (sip_hdr_kind)h);
                touch(v);
                if (v.p != NULL && lazy->hdr_first[h] == 0)
                    bad = true;
            }
            break;
        }
        if (bad)
            abort();
    }
    if (lazy->warnings != eager->warnings)
        abort();
    sip_msg_parse_all(lazy);
    if (lazy->warnings != eager->warnings)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sip_msg m, m2, m3;
    const char *buf = (const char *)data;
    unsigned seed = size ? data[0] : 0;
    in_lo = buf;
    in_hi = buf + size;

    /* One datagram. */
    int rd = sip_parse_datagram(buf, size, &m);
    if (rd == 0) {
        touch_msg(&m);
        if (m.body.p + m.body.len > in_hi)
            abort();
    }
    if (sip_frame_datagram(buf, size, &m3) != rd)
        abort();
    if (rd == 0)
        check_lazy(&m, &m3, seed);

    /* The whole buffer as a stream: every message in it, in turn. */
    ssize_t whole = sip_parse_stream(buf, size, 0, &m);
    if (sip_frame_stream(buf, size, 0, &m3) != whole)
        abort();
    if (whole > 0)
        check_lazy(&m, &m3, seed + 1);
    if (whole > 0) {
        if ((size_t)whole > size)
            abort();
        touch_msg(&m);
        size_t off = 0;
        ssize_t r = whole;
        for (int i = 0; i < 64 && r > 0 && off < size; i++) {
            off += (size_t)r;
            in_lo = buf + off;
            r = off < size ? sip_parse_stream(buf + off, size - off, 0, &m2) : 0;
            if (r > 0) {
                if ((size_t)r > size - off)
                    abort();
                touch_msg(&m2);
            }
        }
        in_lo = buf;
    }

    /* Two chunks: the first in its own exactly sized buffer (an over-read
     * past the cut is caught), then the whole with last_len = the cut; the
     * final answer must be the same as parsing the whole at once. */
    if (size > 1) {
        size_t cut = size > 2 ? 1 + (size_t)data[size - 1] * (size - 1) / 256 : 1;
        char *first = malloc(cut);
        if (first == NULL)
            return 0;
        memcpy(first, buf, cut);
        in_lo = first;
        in_hi = first + cut;
        ssize_t r1 = sip_parse_stream(first, cut, 0, &m2);
        if (r1 > 0)
            touch_msg(&m2);
        free(first);
        in_lo = buf;
        in_hi = buf + size;
        if (r1 != SIP_PARSE_NEED_MORE) {
            if (r1 != whole) /* a complete or invalid prefix stays so */
                abort();
        } else {
            ssize_t r2 = sip_parse_stream(buf, size, cut, &m2);
            if (r2 != whole)
                abort();
            if (r2 > 0)
                touch_msg(&m2);
        }
    }
    return 0;
}
