/*
 * fuzz_digest.c - libFuzzer target for sip_digest_parse (Authorization,
 * Proxy-Authorization, WWW-/Proxy-Authenticate values): every view is read
 * and checked against the input's bounds. The input (one line) is also the
 * value of those four headers in a message: each lazy accessor must agree
 * with sip_digest_parse called directly and with the complete parse.
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

enum { MAX_VALUE = 4096 };

static void as_headers(const char *p, size_t size, const sip_digest *direct, int direct_r, unsigned seed)
{
    static char msg[4 * MAX_VALUE + 512];
    static sip_msg e, l;
    static const char *const names[] = {"Authorization: ", "Proxy-Authorization: ",
                                        "WWW-Authenticate: ", "Proxy-Authenticate: "};
    if (size > MAX_VALUE)
        return;
    size_t n = fuzz_four_headers(msg, sizeof msg, "REGISTER sip:x SIP/2.0\r\n", names, p, size,
                                 "Content-Length: 0\r\n\r\n");
    if (n == 0)
        return;
    const char *lo = in_lo, *hi = in_hi;
    in_lo = msg;
    in_hi = msg + n;
    int r = sip_parse_datagram(msg, n, &e);
    if (sip_frame_datagram(msg, n, &l) != r)
        abort();
    if (r == 0) {
        const sip_digest *want[4] = {&e.authorization, &e.proxy_authorization, &e.www_authenticate,
                                     &e.proxy_authenticate};
        for (unsigned k = 0; k < 8; k++) {
            unsigned i = (k + seed) % 4;
            const sip_digest *d = i == 0 ? sip_msg_authorization(&l)
                                : i == 1 ? sip_msg_proxy_authorization(&l)
                                : i == 2 ? sip_msg_www_authenticate(&l)
                                         : sip_msg_proxy_authenticate(&l);
            if (memcmp(d, want[i], sizeof *d) != 0)
                abort();
            touch(d->username); touch(d->response); touch(d->raw);
            /* Same bytes, same verdict and shape as the direct parse (the
             * header value may only lose leading/trailing white space). */
            if (d->raw.p != NULL && (d->n_params != direct->n_params || d->quoted != direct->quoted ||
                                     d->username.len != direct->username.len ||
                                     d->duplicate != direct->duplicate))
                abort();
        }
        sip_msg_parse_all(&l);
        if (l.warnings != e.warnings)
            abort();
        if (((e.warnings & SIP_WARN_BAD_AUTH) != 0) != (direct_r != 0) && e.authorization.raw.p != NULL)
            abort();
    }
    in_lo = lo;
    in_hi = hi;
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
    as_headers(p, size, &d, r, size ? data[0] : 0);
    return 0;
}
