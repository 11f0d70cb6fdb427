/*
 * fuzz_number.c - libFuzzer target for the dial-string normaliser
 * (src/enrich/number.h): any bytes as a dial string, with home BR and US.
 * Checks the result's invariants: NUL-terminated fields, a canonical number
 * of '+' and at most 15 digits, a known status.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/number.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static num_ctx *ctx_br, *ctx_us;

static void check(const num_result *r)
{
    if (r->status > NUM_NOT_NUMBER)
        abort();
    size_t n = strnlen(r->e164, sizeof r->e164);
    if (n == sizeof r->e164 || strnlen(r->prefix, sizeof r->prefix) == sizeof r->prefix)
        abort();
    if (r->status == NUM_VALID || r->status == NUM_UNVERIFIED) {
        if (r->e164[0] != '+' || n < 2 || n > NUM_MAX_E164 + 1)
            abort();
        for (size_t i = 1; i < n; i++)
            if (r->e164[i] < '0' || r->e164[i] > '9')
                abort();
    } else if (n != 0) {
        abort();
    }
    if (r->n_alt < 0 || r->n_alt > NUM_MAX_ALT)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ctx_br) {
        ctx_br = num_ctx_new("BR", 1024);
        ctx_us = num_ctx_new("US", 1024);
        if (!ctx_br || !ctx_us)
            abort();
    }
    num_result r;
    num_normalize(ctx_br, (const char *)data, size, &r);
    check(&r);
    num_normalize(ctx_us, (const char *)data, size, &r);
    check(&r);
    /* the destination table on the digits alone */
    char digits[64];
    size_t n = 0;
    for (size_t i = 0; i < size && n < sizeof digits - 1; i++)
        if (data[i] >= '0' && data[i] <= '9')
            digits[n++] = (char)data[i];
    digits[n] = '\0';
    num_dest d;
    (void)num_destination(digits, &d);
    return 0;
}
