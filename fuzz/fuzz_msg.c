/*
 * fuzz_msg.c - libFuzzer target for the message parser: the input as one
 * UDP datagram, as a stream (all the messages it holds, one after the
 * other), and as a stream fed in two chunks with last_len, which must give
 * the same result as the whole buffer. Every view of every result is read
 * byte by byte, so AddressSanitizer checks it lies inside the input, and
 * checked explicitly against the input's bounds.
 */
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sip_msg m, m2;
    const char *buf = (const char *)data;
    in_lo = buf;
    in_hi = buf + size;

    /* One datagram. */
    if (sip_parse_datagram(buf, size, &m) == 0) {
        touch_msg(&m);
        if (m.body.p + m.body.len > in_hi)
            abort();
    }

    /* The whole buffer as a stream: every message in it, in turn. */
    ssize_t whole = sip_parse_stream(buf, size, 0, &m);
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
