/*
 * bench_answer.c - the sensor's own work per request, without the network:
 * parse, answer through the persona (chan_sip 16.30.1, digest challenges,
 * dialog table), encode the event and append it to the log's batch (written
 * to /dev/null every 64 requests, as the UDP loop flushes a batch).
 *
 * The requests are those of bench/sipload.c (OPTIONS, REGISTER without and
 * with Authorization, INVITE to an external number; 64 source addresses).
 * Baseline in the same run: what bench/minresp.c does per request (find the
 * Call-ID, print a canned 200 echoing it), the least any responder does.
 * Also timed: the complete parse alone, the share of the whole that is
 * SIP parsing. bench_sensor.sh measures the same path with the kernel's
 * share; this one isolates our code, so a change to it shows through the
 * noise of a shared machine. Best of 5 rounds of ~0.5 s each.
 *
 *   build/bench/bench_answer        (make bench runs it)
 *   build/bench/bench_answer full   only the whole path, for a profiler
 *   valgrind --tool=callgrind build/bench/bench_answer once
 *                                   three untimed passes: instruction counts,
 *                                   which the machine's noise does not move
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sensor/config.h"
#include "sensor/sensor.h"

#include "request_mix.h"

enum { N_REQ = 1000, MSG_MAX = 1400, BATCH = 64, ROUNDS = 5 };

static char reqs[N_REQ][MSG_MAX];
static size_t req_len[N_REQ];

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* minresp.c's work for one datagram. */
static size_t minimal_answer(const char *p, size_t len, char *out, size_t cap)
{
    const char *end = p + len, *cid = NULL;
    for (const char *q = p; q + 9 < end; q++)
        if (q[0] == '\n' && memcmp(q + 1, "Call-ID: ", 9) == 0) { cid = q + 10; break; }
    if (!cid) return 0;
    const char *e = memchr(cid, '\r', (size_t)(end - cid));
    if (!e) return 0;
    int n = snprintf(out, cap, "SIP/2.0 200 OK\r\nCall-ID: %.*s\r\nContent-Length: 0\r\n\r\n",
                     (int)(e - cid), cid);
    return n > 0 ? (size_t)n : 0;
}

typedef struct {
    sensor s;
    sensor_addr a[64];
    char src_ip[64][32];
    sip_msg msg;
    persona_result res;
} rig;

static volatile size_t sink;

/* One timed pass over the requests, `reps` times; returns ns per request. */
static double pass(int what, rig *r, unsigned reps)
{
    static char out[512];
    static sip_msg m;
    double t0 = now_s();
    for (unsigned k = 0; k < reps; k++) {
        for (unsigned i = 0; i < N_REQ; i++) {
            switch (what) {
            case 0:
                sink += minimal_answer(reqs[i], req_len[i], out, sizeof out);
                break;
            case 1:
                sink += (size_t)sip_parse_datagram(reqs[i], req_len[i], &m) + m.n_headers;
                break;
            default:
                sensor_handle_datagram(&r->s, reqs[i], req_len[i], &r->a[i % 64],
                                       1764000000000 + k, &r->msg, &r->res);
                sink += r->res.n ? r->res.resp[0].len : 0;
                if (i % BATCH == BATCH - 1) eventlog_flush(r->s.log);
                break;
            }
        }
    }
    return (now_s() - t0) * 1e9 / ((double)reps * N_REQ);
}

static double best(int what, rig *r)
{
    unsigned reps = 1;
    while (pass(what, r, reps) * reps * N_REQ < 0.5e9) reps *= 2;
    double b = 1e30;
    for (int i = 0; i < ROUNDS; i++) {
        double t = pass(what, r, reps);
        if (t < b) b = t;
    }
    return b;
}

int main(int argc, char **argv)
{
    for (unsigned i = 0; i < N_REQ; i++) req_len[i] = request_mix(reqs[i], MSG_MAX, i, i % 64, "B");

    static const char conf[] =
        "[sensor]\nsensor_id = bench\nlog_path = /dev/null\n"
        "[persona]\nversion = 16.30.1\nallowguest = yes\n"
        "[extensions]\n100 = 1234, call\n200 = vT9#qL2x!Rm8@wZ4pK7s\n";
    char path[] = "/tmp/bench_answer.XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!f || fputs(conf, f) < 0 || fclose(f) != 0) { perror("bench_answer: config"); return 1; }
    struct sensor_config cfg;
    char err[512];
    sensor_config_defaults(&cfg);
    int rc = sensor_config_load(path, &cfg, err, sizeof err);
    remove(path);
    if (rc != 0) { fprintf(stderr, "bench_answer: %s\n", err); return 1; }
    persona *p = persona_new(&cfg.persona, 1);
    eventlog log;
    if (!p || eventlog_open(&log, "/dev/null", 1000) != 0) {
        fprintf(stderr, "bench_answer: cannot set up the sensor\n");
        return 1;
    }
    static rig r;
    sensor_init(&r.s, p, &log, "bench", false);
    for (unsigned i = 0; i < 64; i++) {
        snprintf(r.src_ip[i], sizeof r.src_ip[i], "127.0.%u.%u", i / 250, i % 250 + 2);
        r.a[i] = (sensor_addr){.src_ip = r.src_ip[i], .src_port = 5060, .dst_ip = "127.0.0.1",
                               .dst_port = 5060, .transport = "udp"};
        r.a[i].src_bin[10] = r.a[i].src_bin[11] = 0xff;
        r.a[i].src_bin[12] = 127;
        r.a[i].src_bin[14] = (uint8_t)(i / 250);
        r.a[i].src_bin[15] = (uint8_t)(i % 250 + 2);
    }

    /* Every request must be answered, as a real Asterisk would. */
    for (unsigned i = 0; i < N_REQ; i++) {
        sensor_handle_datagram(&r.s, reqs[i], req_len[i], &r.a[i % 64], 1764000000000, &r.msg,
                               &r.res);
        if (r.res.n == 0) { fprintf(stderr, "bench_answer: request %u not answered\n", i); return 1; }
    }
    eventlog_flush(&log);

    if (argc > 1 && strcmp(argv[1], "once") == 0) {
        pass(2, &r, 3);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "full") == 0) {
        printf("parse + persona + event + log batch: %.0f ns\n", best(2, &r));
        return 0;
    }
    double base = best(0, &r), parse = best(1, &r), full = best(2, &r);
    printf("%-44s %10s %12s\n", "per request (sipsnare's own code, no kernel)", "ns", "requests/s");
    printf("%-44s %10.0f %12.0f\n", "minimal responder (minresp.c's work)", base, 1e9 / base);
    printf("%-44s %10.0f %12.0f\n", "complete parse (sip_parse_datagram)", parse, 1e9 / parse);
    printf("%-44s %10.0f %12.0f\n", "parse + persona + event + log batch", full, 1e9 / full);
    printf("sipsnare's answer costs %.1fx the minimal responder's; parsing is %.0f%% of it\n",
           full / base, 100 * parse / full);
    eventlog_close(&log);
    persona_free(p);
    sensor_config_free(&cfg);
    return 0;
}
