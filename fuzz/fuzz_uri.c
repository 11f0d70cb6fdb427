/*
 * fuzz_uri.c - libFuzzer target for the sub-parsers of single values: the
 * input as a URI, a name-addr (From/To/Contact value), a Via value and a
 * parameter list. Every resulting view is read and checked against the
 * input's bounds. The input (one line) is also the From, To, Contact and
 * Via value of a message: its lazy accessors must agree with the
 * sub-parsers called directly and with the complete parse.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_headers.h"
#include "sip/sip.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *in_lo, *in_hi;
static volatile unsigned sink;

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
    char tmp[256];
    touch(u->raw); touch(u->scheme_str); touch(u->user); touch(u->user_params);
    touch(u->password); touch(u->host); touch(u->port_str); touch(u->params);
    touch(u->headers); touch(u->opaque);
    (void)sip_str_unescape(u->user, tmp, sizeof tmp);
    (void)sip_str_unescape(u->headers, tmp, sizeof tmp);
    if (u->port_str.p == NULL && u->port != 0)
        abort();
}

enum { MAX_VALUE = 2048 };

/* The input as the value of From, To, Contact and Via (not for inputs
 * with CR or LF: they would end the line). */
static void as_headers(const char *p, size_t size, unsigned seed)
{
    static char msg[4 * MAX_VALUE + 256];
    static sip_msg e, l;
    static const char *const names[] = {"Via: ", "From: ", "To: ", "Contact: "};
    if (size > MAX_VALUE)
        return;
    size_t n = fuzz_four_headers(msg, sizeof msg, "OPTIONS sip:x SIP/2.0\r\n", names, p, size,
                                 "Call-ID: c\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n");
    if (n == 0)
        return;
    const char *lo = in_lo, *hi = in_hi;
    in_lo = msg;
    in_hi = msg + n;
    int r = sip_parse_datagram(msg, n, &e);
    if (sip_frame_datagram(msg, n, &l) != r)
        abort();
    if (r == 0) {
        for (unsigned k = 0; k < 8; k++) {
            switch ((k + seed) % 4) {
            case 0:
                if (memcmp(sip_msg_from(&l), &e.from, sizeof e.from) != 0)
                    abort();
                break;
            case 1:
                if (memcmp(sip_msg_to(&l), &e.to, sizeof e.to) != 0)
                    abort();
                break;
            case 2:
                if (sip_msg_vias(&l) != e.n_via)
                    abort();
                for (unsigned i = 0; i < e.n_via; i++)
                    if (memcmp(sip_msg_via(&l, i), &e.via[i], sizeof e.via[i]) != 0)
                        abort();
                break;
            case 3:
                if (sip_msg_contacts(&l) != e.n_contact)
                    abort();
                for (unsigned i = 0; i < e.n_contact; i++) {
                    const sip_nameaddr *c = sip_msg_contact(&l, i);
                    if (memcmp(c, &e.contact[i], sizeof *c) != 0)
                        abort();
                    touch(c->uri_raw); touch(c->tag); touch(c->expires);
                }
                break;
            }
        }
        (void)sip_msg_max_forwards(&l);
        (void)sip_msg_expires(&l);
        (void)sip_msg_authorization(&l);
        (void)sip_msg_www_authenticate(&l);
        if (l.warnings != e.warnings)
            abort();
        /* The From accessor flags exactly what the sub-parser refuses. */
        sip_nameaddr na;
        const char *err;
        bool bad = sip_nameaddr_parse(p, size, &na, &err) != 0 || !na.uri_ok;
        if (bad != ((e.warnings & SIP_WARN_BAD_FROM) != 0) || na.tag.len != e.from.tag.len ||
            na.uri_ok != e.from.uri_ok)
            abort();
        touch(e.from.tag); touch(e.to.uri.user);
    }
    in_lo = lo;
    in_hi = hi;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *err;
    sip_uri u;
    sip_nameaddr na;
    sip_via v;
    sip_str val;
    char flat[256];

    in_lo = p;
    in_hi = p + size;
    if (sip_uri_parse(p, size, &u, &err) == 0)
        touch_uri(&u);
    else if (err == NULL)
        abort();

    (void)sip_nameaddr_parse(p, size, &na, &err);
    touch(na.raw); touch(na.display); touch(na.uri_raw); touch(na.params);
    touch(na.tag); touch(na.expires);
    if (na.uri_ok)
        touch_uri(&na.uri);

    if (sip_via_parse(p, size, &v, &err) == 0) {
        touch(v.raw); touch(v.protocol); touch(v.transport); touch(v.host);
        touch(v.port_str); touch(v.params); touch(v.branch); touch(v.received);
        touch(v.rport);
    }

    sip_str all = {p, size};
    if (sip_param_find(all, "tag", &val))
        touch(val);
    if (sip_param_find(all, "branch", &val))
        touch(val);
    (void)sip_str_unfold(all, flat, sizeof flat);
    (void)sip_str_unescape(all, flat, sizeof flat);
    (void)sip_method_from(all);
    (void)sip_hdr_kind_from(all);
    as_headers(p, size, size ? data[size - 1] : 0);
    return 0;
}
