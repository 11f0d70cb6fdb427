/*
 * fuzz_uri.c - libFuzzer target for the sub-parsers of single values: the
 * input as a URI, a name-addr (From/To/Contact value), a Via value and a
 * parameter list. Every resulting view is read and checked against the
 * input's bounds.
 */
#include <stdint.h>
#include <stdlib.h>

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
    return 0;
}
