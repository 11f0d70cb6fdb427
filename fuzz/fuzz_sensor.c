/*
 * fuzz_sensor.c - libFuzzer target for the sensor's whole answer path, the
 * code every datagram from the internet runs through: parse, answer as
 * Asterisk (chan_sip or res_pjsip, picked by the input's first byte, with
 * two extensions, one with an md5secret), encode the event and append it
 * to the log batch. Checked on every input:
 *   - every event line in the batch is one JSON object that jansson reads
 *     back, ending in '\n', never longer than EVENT_MAX_JSON (whatever the
 *     bytes: escapes, invalid UTF-8, folds, the raw message when logged);
 *   - at most PERSONA_MAX_RESPONSES responses, each within
 *     PERSONA_MAX_RESPONSE bytes and starting "SIP/2.0 ";
 *   - no response without its event: an answered request is logged.
 * The persona keeps its state (dialogs, nonces) across inputs, as the
 * sensor does across datagrams.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    persona *p;
    eventlog log;
    sensor s;
} rig;

static rig rigs[2];
static sip_msg msg;
static persona_result res;

static void rig_open(rig *r, persona_kind kind)
{
    static persona_extension ext[2] = {
        {.name = "100", .secret = "1234", .can_call = true},
        {.name = "alice", .md5secret = "0123456789abcdef0123456789abcdef"},
    };
    persona_config cfg;
    persona_config_defaults(&cfg);
    cfg.kind = kind;
    cfg.extensions = ext;
    cfg.n_extensions = 2;
    cfg.dialogs = 1024;
    r->p = persona_new(&cfg, 1);
    if (r->p == NULL || eventlog_open(&r->log, "/dev/null", 0) != 0)
        abort();
    sensor_init(&r->s, r->p, &r->log, "fuzz", false);
}

/* Each '\n'-ended line of the batch must be one JSON object. */
static size_t check_lines(const char *b, size_t len)
{
    size_t lines = 0;
    for (size_t i = 0; i < len;) {
        const char *nl = memchr(b + i, '\n', len - i);
        if (nl == NULL)
            abort(); /* a line without its end */
        size_t n = (size_t)(nl - (b + i)) + 1;
        if (n > EVENT_MAX_JSON)
            abort();
        json_error_t err;
        json_t *j = json_loadb(b + i, n - 1, JSON_ALLOW_NUL, &err);
        if (j == NULL || !json_is_object(j))
            abort();
        json_decref(j);
        lines++;
        i += n;
    }
    return lines;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (rigs[0].p == NULL) {
        rig_open(&rigs[0], PERSONA_CHAN_SIP);
        rig_open(&rigs[1], PERSONA_PJSIP);
    }
    if (size == 0)
        return 0;
    rig *r = &rigs[data[0] & 1];
    r->s.log_raw = (data[0] & 2) != 0;
    static const sensor_addr addr = {
        .src_ip = "203.0.113.7", .src_port = 5060, .dst_ip = "192.0.2.10",
        .dst_port = 5060, .transport = "udp",
        .src_bin = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 203, 0, 113, 7}};
    const char *buf = (const char *)data + 1;
    size_t len = size - 1;
    /* An exact-size copy, so that AddressSanitizer sees any read past it. */
    char *copy = malloc(len ? len : 1);
    if (copy == NULL)
        return 0;
    memcpy(copy, buf, len);
    r->log.len = 0;
    int rc = sensor_handle_datagram(&r->s, copy, len, &addr, 1764000000000, &msg, &res);
    size_t lines = check_lines(r->log.buf, r->log.len);
    if (res.n > PERSONA_MAX_RESPONSES || (res.n > 0 && (rc != 0 || lines == 0)))
        abort();
    for (unsigned i = 0; i < res.n; i++) {
        const persona_response *p = &res.resp[i];
        if (p->len > PERSONA_MAX_RESPONSE || p->len < 8 || memcmp(p->data, "SIP/2.0 ", 8) != 0)
            abort();
    }
    r->log.len = 0;
    free(copy);
    return 0;
}
