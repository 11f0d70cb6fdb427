/*
 * fuzz_digest.c - libFuzzer target for sip_digest_parse (Authorization,
 * Proxy-Authorization, WWW-/Proxy-Authenticate values): every view is read
 * and checked against the input's bounds.
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *err = NULL;
    sip_digest d;
    char flat[256];

    in_lo = p;
    in_hi = p + size;
    int r = sip_digest_parse(p, size, &d, &err);
    if (r != 0 && err == NULL)
        abort();
    touch(d.raw); touch(d.scheme); touch(d.params);
    if (r == 0) {
        touch(d.username); touch(d.realm); touch(d.nonce); touch(d.uri);
        touch(d.response); touch(d.algorithm); touch(d.cnonce); touch(d.opaque);
        touch(d.qop); touch(d.nc); touch(d.stale); touch(d.domain);
        if (d.quoted >> 12)
            abort();
        (void)sip_str_unfold(d.params, flat, sizeof flat);
    }
    return 0;
}
