/*
 * cmd_simulate.c - `sipsnare simulate`: a year of honeynet traffic modelled
 * on the CERT study, written as the sensor's own events, with the ground
 * truth beside it (src/sim/sim.h, docs/SIMULATE.md). With --send, the same
 * requests also go as UDP datagrams to a running sensor on loopback.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/sim.h"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare simulate [options]\n"
        "  --scale S        1.0 = the study's full size (64M REGISTERs, 1M INVITEs); default 0.001\n"
        "  --days D         days of traffic (default 358)\n"
        "  --sensors N      honeypots sim-01..sim-N at 198.51.100.1..N (default 50)\n"
        "  --seed N         the same seed gives the same bytes (default 1)\n"
        "  --start DAY      first day, YYYY-MM-DD (default 2026-01-01)\n"
        "  --home CC        the honeypots' country for dialed numbers (default BR)\n"
        "  -o FILE          events, JSON lines (default sim-events.jsonl)\n"
        "  --truth FILE     ground truth JSON (default FILE.truth.json)\n"
        "  --send HOST:PORT also send each request as a UDP datagram to a sensor on\n"
        "                   loopback (127.0.0.0/8, [::1]); sources are then this host\n"
        "  --rate N         datagrams per second when sending (default 1000)\n"
        "  --limit N        stop after N requests (no truth file then)\n"
        "  --progress       progress on stderr\n");
}

typedef struct {
    int fd;
    struct sockaddr_storage to;
    socklen_t tolen;
    double rate;
    struct timespec start;
    uint64_t sent;
} sender;

static int send_one(void *arg, const char *buf, size_t len)
{
    sender *s = arg;
    /* pace: datagram k leaves no earlier than start + k / rate */
    double due = (double)s->sent / s->rate;
    for (;;) {
        struct timespec now;
        clock_gettime(CLOCK_MONOTONIC, &now);
        double el = (double)(now.tv_sec - s->start.tv_sec) + (double)(now.tv_nsec - s->start.tv_nsec) / 1e9;
        if (el >= due)
            break;
        double wait = due - el;
        struct timespec ts = {(time_t)wait, (long)((wait - (double)(time_t)wait) * 1e9)};
        nanosleep(&ts, NULL);
    }
    if (sendto(s->fd, buf, len, 0, (const struct sockaddr *)&s->to, s->tolen) < 0) {
        fprintf(stderr, "sipsnare simulate: send: %s\n", strerror(errno));
        return -1;
    }
    s->sent++;
    return 0;
}

/* "127.0.0.1:5060" or "[::1]:5060" -> address; loopback only. */
static int parse_dest(const char *spec, sender *s)
{
    char host[64];
    const char *port;
    if (spec[0] == '[') {
        const char *e = strchr(spec, ']');
        if (!e || e[1] != ':' || (size_t)(e - spec - 1) >= sizeof host)
            return -1;
        memcpy(host, spec + 1, (size_t)(e - spec - 1));
        host[e - spec - 1] = '\0';
        port = e + 2;
    } else {
        const char *c = strrchr(spec, ':');
        if (!c || (size_t)(c - spec) >= sizeof host)
            return -1;
        memcpy(host, spec, (size_t)(c - spec));
        host[c - spec] = '\0';
        port = c + 1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (*port == '\0' || *end || p < 1 || p > 65535)
        return -1;
    if (!sim_is_loopback(host)) {
        fprintf(stderr, "sipsnare simulate: --send %s: only loopback destinations (127.0.0.0/8, ::1)\n", spec);
        return -2;
    }
    memset(&s->to, 0, sizeof s->to);
    struct sockaddr_in *a4 = (struct sockaddr_in *)&s->to;
    struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&s->to;
    if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
        a4->sin_family = AF_INET;
        a4->sin_port = htons((uint16_t)p);
        s->tolen = sizeof *a4;
    } else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
        a6->sin6_family = AF_INET6;
        a6->sin6_port = htons((uint16_t)p);
        s->tolen = sizeof *a6;
    } else {
        return -1;
    }
    s->fd = socket(s->to.ss_family, SOCK_DGRAM, 0);
    return s->fd < 0 ? -1 : 0;
}

static int number_arg(const char *name, const char *v, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double d = v ? strtod(v, &end) : 0;
    if (!v || !*v || *end || errno || d < lo || d > hi) {
        fprintf(stderr, "sipsnare simulate: %s: expected a number in [%g, %g]\n", name, lo, hi);
        return -1;
    }
    *out = d;
    return 0;
}

int simulate_main(int argc, char **argv)
{
    sim_options o;
    memset(&o, 0, sizeof o);
    o.scale = 0.001;
    o.days = 358;
    o.sensors = 50;
    o.seed = 1;
    o.out_path = "sim-events.jsonl";
    o.home = "BR";
    const char *truth = NULL, *start = "2026-01-01", *send_to = NULL;
    double rate = 1000, d;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--progress") == 0) {
            o.progress = 1;
            continue;
        }
        if (!v) {
            fprintf(stderr, "sipsnare simulate: %s needs a value\n", a);
            usage(stderr);
            return 2;
        }
        i++;
        if (strcmp(a, "--scale") == 0) {
            if (number_arg(a, v, 1e-9, 10, &o.scale) != 0)
                return 2;
        } else if (strcmp(a, "--days") == 0) {
            if (number_arg(a, v, 1, 3660, &d) != 0)
                return 2;
            o.days = (int)d;
        } else if (strcmp(a, "--sensors") == 0) {
            if (number_arg(a, v, 1, SIM_MAX_SENSORS, &d) != 0)
                return 2;
            o.sensors = (int)d;
        } else if (strcmp(a, "--seed") == 0) {
            char *end;
            errno = 0;
            o.seed = strtoull(v, &end, 10);
            if (!*v || *end || errno || v[0] == '-') {
                fprintf(stderr, "sipsnare simulate: --seed: expected a non-negative integer\n");
                return 2;
            }
        } else if (strcmp(a, "--start") == 0) {
            start = v;
        } else if (strcmp(a, "--home") == 0) {
            o.home = v;
        } else if (strcmp(a, "-o") == 0) {
            o.out_path = v;
        } else if (strcmp(a, "--truth") == 0) {
            truth = v;
        } else if (strcmp(a, "--send") == 0) {
            send_to = v;
        } else if (strcmp(a, "--rate") == 0) {
            if (number_arg(a, v, 1, 1e7, &rate) != 0)
                return 2;
        } else if (strcmp(a, "--limit") == 0) {
            if (number_arg(a, v, 1, 1e15, &d) != 0)
                return 2;
            o.limit = (uint64_t)d;
        } else {
            fprintf(stderr, "sipsnare simulate: unknown option %s\n", a);
            usage(stderr);
            return 2;
        }
    }
    if (sim_parse_day(start, &o.start_ms) != 0) {
        fprintf(stderr, "sipsnare simulate: --start %s: expected YYYY-MM-DD\n", start);
        return 2;
    }
    char truth_buf[4096];
    if (!truth) {
        snprintf(truth_buf, sizeof truth_buf, "%s.truth.json", o.out_path);
        truth = truth_buf;
    }
    o.truth_path = truth;
    sender snd;
    memset(&snd, 0, sizeof snd);
    snd.fd = -1;
    if (send_to) {
        int rc = parse_dest(send_to, &snd);
        if (rc != 0) {
            if (rc == -1)
                fprintf(stderr, "sipsnare simulate: --send %s: expected HOST:PORT or [::1]:PORT\n", send_to);
            return 2;
        }
        snd.rate = rate;
        clock_gettime(CLOCK_MONOTONIC, &snd.start);
        o.send = send_one;
        o.send_arg = &snd;
    }
    sim_stats st;
    char err[512];
    int rc = sim_run(&o, &st, err, sizeof err);
    if (snd.fd >= 0)
        close(snd.fd);
    if (rc != 0) {
        fprintf(stderr, "sipsnare simulate: %s\n", err);
        return 1;
    }
    fprintf(stderr, "sipsnare simulate: %llu requests (%llu REGISTER, %llu INVITE in %llu unified calls, "
                    "%llu OPTIONS) from %llu sources to %llu sensors -> %s%s%s",
            (unsigned long long)st.requests, (unsigned long long)st.registers, (unsigned long long)st.invites,
            (unsigned long long)st.calls, (unsigned long long)st.options, (unsigned long long)st.ips,
            (unsigned long long)st.sensors, o.out_path, o.limit ? "" : ", truth ", o.limit ? "" : truth);
    if (send_to)
        fprintf(stderr, "; %llu datagrams sent to %s", (unsigned long long)snd.sent, send_to);
    fprintf(stderr, "\n");
    if (st.auth_mismatch)
        fprintf(stderr, "sipsnare simulate: warning: %llu digest outcomes differed from the plan\n",
                (unsigned long long)st.auth_mismatch);
    return 0;
}
