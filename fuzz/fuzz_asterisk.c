/*
 * fuzz_asterisk.c - libFuzzer target for the Asterisk log and CDR reader
 * (src/ingest/asterisk.c). The input is one line, read as a log line and
 * as a CDR line; whatever it holds:
 *   - asterisk_decode_line returns 1, 0 or -1 (with a reason), never reads
 *     outside the line or its scratch;
 *   - an event it returns has the fields the store requires, strings that
 *     can be read to their length (ASan watches), and a src_ip that parses
 *     as an address.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/asterisk.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ast_scratch sc;
    char *line = malloc(size ? size : 1);
    if (!line)
        return 0;
    memcpy(line, data, size);
    for (int f = AST_LOG; f <= AST_CDR; f++) {
        store_event ev;
        char why[256];
        why[0] = '\0';
        int rc = asterisk_decode_line((ast_format)f, line, size, "fuzz", 2026, &ev, &sc, why, sizeof why);
        if (rc < 0 && why[0] == '\0')
            abort();
        if (rc != 1)
            continue;
        if (!ev.src_ip.p || !ev.eventid.p || !ev.sensor.p || !ev.run.p)
            abort();
        const store_str *strs[] = {&ev.src_ip, &ev.dst_ip, &ev.method, &ev.ruri_user, &ev.from_user,
                                   &ev.to_user, &ev.contact_user, &ev.call_id, &ev.auth_user,
                                   &ev.auth_outcome, &ev.reason, &ev.transport};
        /* Touch every byte: ASan reports a view that reaches past its buffer. */
        unsigned sum = 0;
        for (size_t i = 0; i < sizeof strs / sizeof strs[0]; i++)
            for (size_t k = 0; strs[i]->p && k < strs[i]->len; k++)
                sum += (unsigned char)strs[i]->p[k];
        if (sum == 0xFFFFFFFFu)
            abort();
        char ip[64];
        unsigned char bin[16];
        if (ev.src_ip.len >= sizeof ip)
            abort();
        memcpy(ip, ev.src_ip.p, ev.src_ip.len);
        ip[ev.src_ip.len] = '\0';
        if (inet_pton(AF_INET, ip, bin) != 1 && inet_pton(AF_INET6, ip, bin) != 1)
            abort();
    }
    free(line);
    return 0;
}
