/*
 * pgo_train.c - the workload of the build's profile-guided optimisation
 * (the Makefile's PGO): the requests that real attack tools sent
 * (SIPVicious, nmap's sip scripts, sipsak: tests/data/attack-tools/, their
 * whole flows against an Asterisk), answered through the sensor's path for
 * a datagram: parse, persona, event, log batch. gcc then lays out and
 * inlines the code for the paths these requests take.
 *
 * Deliberately not the benchmarks' request mix (bench/request_mix.h): the
 * benchmarks measure a build that was not trained on what they send.
 *
 *   pgo_train ROUNDS FILE...
 *
 * Each round sends every file once, in order (a tool's flow keeps its
 * order: challenge, then the answer to it), from a source address of its
 * own so that every round opens new dialogs; three rounds in four answer
 * as chan_sip (the default persona), one as res_pjsip; every other round
 * logs the raw message too. The clock moves 1 ms per request, so dialogs
 * and nonces expire as they do under a flood. Exits 1 if a file cannot be
 * read or no request was answered (a broken profile run must not pass).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensor/sensor.h"

enum { MAX_FILES = 1024, MAX_BYTES = 65536, BATCH = 64 };

static char *data[MAX_FILES];
static size_t data_len[MAX_FILES];

static int load(const char *path, unsigned i)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        return -1;
    }
    data[i] = malloc(MAX_BYTES);
    data_len[i] = data[i] ? fread(data[i], 1, MAX_BYTES, f) : 0;
    int bad = data[i] == NULL || ferror(f);
    fclose(f);
    if (bad)
        fprintf(stderr, "pgo_train: cannot read %s\n", path);
    return bad ? -1 : 0;
}

typedef struct {
    persona *p;
    eventlog log;
    sensor s;
} rig;

static int rig_open(rig *r, persona_kind kind, persona_extension *ext, size_t n_ext)
{
    persona_config cfg;
    persona_config_defaults(&cfg);
    cfg.kind = kind;
    cfg.extensions = ext;
    cfg.n_extensions = n_ext;
    cfg.dialogs = 4096;
    r->p = persona_new(&cfg, 1);
    if (r->p == NULL || eventlog_open(&r->log, "/dev/null", 0) != 0)
        return -1;
    sensor_init(&r->s, r->p, &r->log, "pgo", false);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 3 || atoi(argv[1]) <= 0 || argc - 2 > MAX_FILES) {
        fprintf(stderr, "usage: pgo_train ROUNDS FILE... (at most %d files)\n", MAX_FILES);
        return 2;
    }
    unsigned rounds = (unsigned)atoi(argv[1]), n = (unsigned)(argc - 2);
    for (unsigned i = 0; i < n; i++)
        if (load(argv[i + 2], i) != 0)
            return 1;

    /* 100/1234 is the account the captured svcrack and nmap brute-force
     * flows find; 200 has a strong password; alice an md5secret. */
    static persona_extension ext[] = {
        {.name = "100", .secret = "1234", .can_call = true},
        {.name = "200", .secret = "vT9#qL2x!Rm8@wZ4pK7s"},
        {.name = "alice", .md5secret = "0123456789abcdef0123456789abcdef"},
    };
    static rig rigs[2];
    if (rig_open(&rigs[0], PERSONA_CHAN_SIP, ext, 3) != 0 ||
        rig_open(&rigs[1], PERSONA_PJSIP, ext, 3) != 0) {
        fprintf(stderr, "pgo_train: cannot set up the sensor\n");
        return 1;
    }
    static sip_msg msg;
    static persona_result res;
    char src_ip[32];
    uint64_t answered = 0, handled = 0;
    int64_t now_ms = 1764000000000;
    for (unsigned round = 0; round < rounds; round++) {
        rig *r = &rigs[round % 4 == 3];
        r->s.log_raw = round % 2 == 1;
        /* 10.b.c.d, one address per round (the text and the binary form
         * agree for any round count; nothing is sent anywhere) */
        uint8_t ip4[4] = {10, (uint8_t)(round >> 16), (uint8_t)(round >> 8), (uint8_t)round};
        snprintf(src_ip, sizeof src_ip, "%u.%u.%u.%u", ip4[0], ip4[1], ip4[2], ip4[3]);
        sensor_addr a = {.src_ip = src_ip, .src_port = (uint16_t)(5060 + round % 3),
                         .dst_ip = "192.0.2.10", .dst_port = 5060, .transport = "udp"};
        a.src_bin[10] = a.src_bin[11] = 0xff;
        memcpy(a.src_bin + 12, ip4, 4);
        for (unsigned i = 0; i < n; i++) {
            sensor_handle_datagram(&r->s, data[i], data_len[i], &a, now_ms++, &msg, &res);
            answered += res.n > 0;
            if (++handled % BATCH == 0) {
                eventlog_flush(&rigs[0].log);
                eventlog_flush(&rigs[1].log);
            }
        }
    }
    for (unsigned k = 0; k < 2; k++) {
        eventlog_close(&rigs[k].log);
        persona_free(rigs[k].p);
    }
    for (unsigned i = 0; i < n; i++)
        free(data[i]);
    printf("pgo_train: %llu requests, %llu answered\n", (unsigned long long)handled,
           (unsigned long long)answered);
    return answered > 0 ? 0 : 1;
}
