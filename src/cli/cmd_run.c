/* cmd_run.c - `sipsnare run` and `sipsnare honeyd`: the sensor. */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "report/blocklist.h"
#include "sensor/config.h"
#include "sensor/honeyd.h"
#include "sensor/net.h"
#include "sensor/privdrop.h"
#include "sensor/sensor.h"
#include "sensor/shipper.h"

#if defined(__SANITIZE_ADDRESS__)
#define SIPSNARE_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIPSNARE_ASAN 1
#endif
#endif
#ifndef SIPSNARE_ASAN
#define SIPSNARE_ASAN 0
#endif

static volatile int stop_requested, reopen_requested;

static void on_signal(int sig)
{
    if (sig == SIGHUP) reopen_requested = 1;
    else stop_requested = 1;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

/* What both commands share: the config (with command-line overrides), the
 * persona and the open log. */
typedef struct {
    struct sensor_config cfg;
    persona *persona;
    eventlog log;
    sensor sensor;
    ratelimit limit;
} sensor_ctx;

static int ctx_open(sensor_ctx *ctx, const char *config, const char *log_path,
                    const char *sensor_id, uint64_t seed)
{
    char err[512];
    memset(ctx, 0, sizeof *ctx);
    sensor_config_defaults(&ctx->cfg);
    if (config && sensor_config_load(config, &ctx->cfg, err, sizeof err) != 0) {
        fprintf(stderr, "sipsnare: %s\n", err);
        return -1;
    }
    if (log_path) snprintf(ctx->cfg.log_path, sizeof ctx->cfg.log_path, "%s", log_path);
    if (sensor_id) snprintf(ctx->cfg.sensor_id, sizeof ctx->cfg.sensor_id, "%s", sensor_id);
    ctx->persona = persona_new(&ctx->cfg.persona, seed);
    if (!ctx->persona) {
        fprintf(stderr, "sipsnare: cannot create the persona (out of memory)\n");
        return -1;
    }
    if (eventlog_open(&ctx->log, ctx->cfg.log_path, ctx->cfg.sync_interval_ms) != 0) {
        fprintf(stderr, "sipsnare: cannot open the event log %s: %s\n", ctx->cfg.log_path,
                strerror(errno));
        return -1;
    }
    if (ctx->log.found_torn_line)
        fprintf(stderr, "sipsnare: warning: %s ended in a torn line (an earlier run was killed "
                        "mid-write); it is kept as one unreadable line and the log goes on\n",
                ctx->cfg.log_path);
    sensor_init(&ctx->sensor, ctx->persona, &ctx->log, ctx->cfg.sensor_id, ctx->cfg.log_raw);
    return 0;
}

static void ctx_close(sensor_ctx *ctx)
{
    if (ctx->log.path) eventlog_close(&ctx->log);
    persona_free(ctx->persona);
    ratelimit_free(&ctx->limit);
    sensor_config_free(&ctx->cfg);
}

static void run_usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare run [-c FILE] [-l SPEC]... [--log PATH] [--sensor-id ID]\n"
        "  -c, --config FILE   configuration (INI, see etc/sipsnare.conf)\n"
        "  -l, --listen SPEC   listen on SPEC instead of the config's list, e.g.\n"
        "                      'udp 127.0.0.1:5060', 'tcp [::1]:5060'; repeatable\n"
        "      --log PATH      event log (JSON lines); overrides the config\n"
        "      --sensor-id ID  sensor id written in every event\n"
        "      --seed N        fixed seed for tags and nonces (tests only)\n"
        "Signals: SIGHUP reopens the log (logrotate), SIGTERM/SIGINT drain and exit 0.\n");
}

enum { OPT_LOG = 1000, OPT_SENSOR_ID, OPT_SEED };

static const struct option run_options[] = {
    {"config", required_argument, NULL, 'c'},
    {"listen", required_argument, NULL, 'l'},
    {"log", required_argument, NULL, OPT_LOG},
    {"sensor-id", required_argument, NULL, OPT_SENSOR_ID},
    {"seed", required_argument, NULL, OPT_SEED},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Converts the config's listen entries into the network layer's form. */
static size_t listen_list(const struct sensor_config *cfg, net_listen *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->n_listen && n < cap; i++, n++) {
        out[n].tcp = cfg->listen[i].tcp;
        snprintf(out[n].host, sizeof out[n].host, "%s", cfg->listen[i].host);
        out[n].port = cfg->listen[i].port;
    }
    return n;
}

int run_main(int argc, char **argv)
{
    const char *config = NULL, *log_path = NULL, *sensor_id = NULL;
    uint64_t seed = 0;
    char *listen_args[NET_MAX_LISTENERS];
    size_t n_listen_args = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:l:h", run_options, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'l':
            if (n_listen_args < NET_MAX_LISTENERS) listen_args[n_listen_args++] = optarg;
            break;
        case OPT_LOG: log_path = optarg; break;
        case OPT_SENSOR_ID: sensor_id = optarg; break;
        case OPT_SEED: seed = strtoull(optarg, NULL, 10); break;
        case 'h': run_usage(stdout); return 0;
        default: run_usage(stderr); return 2;
        }
    }
    if (optind < argc) { run_usage(stderr); return 2; }

    sensor_ctx ctx;
    if (ctx_open(&ctx, config, log_path, sensor_id, seed) != 0) { ctx_close(&ctx); return 1; }

    net_listen specs[NET_MAX_LISTENERS];
    size_t n_specs = 0;
    if (n_listen_args) {
        for (size_t i = 0; i < n_listen_args; i++) {
            struct listen_spec ls;
            if (sensor_parse_listen(listen_args[i], &ls) != 0) {
                fprintf(stderr, "sipsnare: bad listen spec '%s' (want e.g. 'udp 127.0.0.1:5060')\n",
                        listen_args[i]);
                ctx_close(&ctx);
                return 2;
            }
            specs[n_specs].tcp = ls.tcp;
            snprintf(specs[n_specs].host, sizeof specs[n_specs].host, "%s", ls.host);
            specs[n_specs].port = ls.port;
            n_specs++;
        }
    } else {
        n_specs = listen_list(&ctx.cfg, specs, NET_MAX_LISTENERS);
    }

    net_options opt;
    net_options_defaults(&opt);
    opt.max_tcp_connections = ctx.cfg.limits.max_tcp_connections;
    opt.tcp_idle_s = ctx.cfg.limits.tcp_idle_s;
    opt.max_message = ctx.cfg.limits.max_message;
    opt.udp_buffer = (int)ctx.cfg.limits.udp_buffer;
    opt.rate_pps = ctx.cfg.limits.rate_pps;
    opt.rate_bytes = ctx.cfg.limits.rate_bytes;
    if (ratelimit_init(&ctx.limit, opt.rate_sources, opt.rate_pps, opt.rate_bytes) != 0) {
        fprintf(stderr, "sipsnare: out of memory\n");
        ctx_close(&ctx);
        return 1;
    }
    ctx.sensor.limit = &ctx.limit;

    net *n = net_open(specs, n_specs, &opt);
    if (!n && (errno == EADDRINUSE || errno == EACCES)) {
        /* The usual case on a desktop: 5060 taken by a softphone or a PBX,
         * or a port below 1024 without root. Say so and use a free one. */
        for (size_t i = 0; i < n_specs; i++)
            if (specs[i].port == 5060) specs[i].port = 15060;
        fprintf(stderr, "sipsnare: could not bind the configured ports; trying port 15060 "
                        "instead (set [listen] in the config to choose)\n");
        n = net_open(specs, n_specs, &opt);
    }
    if (!n) {
        fprintf(stderr, "sipsnare: no listener could be opened\n");
        ctx_close(&ctx);
        return 1;
    }
    for (size_t i = 0; i < net_listener_count(n); i++) {
        char desc[160];
        net_listener_describe(n, i, desc, sizeof desc);
        fprintf(stderr, "sipsnare: listening on %s\n", desc);
    }
    /* [store]: the shipper runs as a child, started before seccomp (it must
     * connect) and dropping privileges itself (docs/HONEYNET.md) */
    shipper_spawn(&ctx.cfg);
    char err[256];
    if (privdrop_to_user(ctx.cfg.user, err, sizeof err) != 0) {
        fprintf(stderr, "sipsnare: %s\n", err);
        net_close(n);
        ctx_close(&ctx);
        return 1;
    }
    install_signals();
#if SIPSNARE_ASAN
    /* ASan's runtime (leak check at exit) needs ptrace and clone. */
    fprintf(stderr, "sipsnare: sanitizer build: seccomp filter not installed\n");
#else
    if (privdrop_seccomp(err, sizeof err) != 0)
        fprintf(stderr, "sipsnare: warning: %s; running without it\n", err);
#endif
    fprintf(stderr, "sipsnare: sensor %s (run %s) answering as \"%s\"; events to %s\n",
            ctx.cfg.sensor_id, ctx.sensor.run_id, persona_user_agent(ctx.persona),
            ctx.cfg.log_path);
    int rc = net_run(n, &ctx.sensor, &stop_requested, &reopen_requested);
    net_stats st;
    net_get_stats(n, &st);
    net_close(n);
    fprintf(stderr,
            "sipsnare: stopped: %llu received, %llu answered, %llu dropped, %llu malformed, "
            "%llu rate-limited, %llu not logged, %llu events written\n",
            (unsigned long long)ctx.sensor.received, (unsigned long long)ctx.sensor.answered,
            (unsigned long long)ctx.sensor.dropped, (unsigned long long)ctx.sensor.malformed,
            (unsigned long long)ctx.sensor.rate_limited, (unsigned long long)ctx.sensor.unlogged,
            (unsigned long long)ctx.log.events);
    ctx_close(&ctx);
    return rc == 0 ? 0 : 1;
}

static void honeyd_usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare honeyd [-c FILE] [--log PATH] [--sensor-id ID]\n"
        "A Honeyd service script: requests on stdin, responses on stdout, the peer\n"
        "from HONEYD_IP_SRC, HONEYD_SRC_PORT, HONEYD_IP_DST, HONEYD_DST_PORT.\n"
        "Honeyd configuration line:\n"
        "  add <template> udp port 5060 \"/usr/bin/sipsnare honeyd -c /etc/sipsnare.conf\"\n");
}

int honeyd_main(int argc, char **argv)
{
    const char *config = NULL, *log_path = NULL, *sensor_id = NULL;
    uint64_t seed = 0;
    int c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", run_options, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case OPT_LOG: log_path = optarg; break;
        case OPT_SENSOR_ID: sensor_id = optarg; break;
        case OPT_SEED: seed = strtoull(optarg, NULL, 10); break;
        case 'h': honeyd_usage(stdout); return 0;
        default: honeyd_usage(stderr); return 2;
        }
    }
    const char *src = getenv("HONEYD_IP_SRC"), *dst = getenv("HONEYD_IP_DST");
    const char *sport = getenv("HONEYD_SRC_PORT"), *dport = getenv("HONEYD_DST_PORT");
    if (!src || !dst) {
        fprintf(stderr, "sipsnare honeyd: HONEYD_IP_SRC and HONEYD_IP_DST must be set "
                        "(Honeyd sets them for its service scripts)\n");
        return 2;
    }
    /* The peer's address in its canonical text (inet_ntop's): the persona
     * compares it as text (addr_equal). */
    char src_text[INET6_ADDRSTRLEN];
    if (bl_canonical_ip(src, src_text, sizeof src_text) < 0) {
        fprintf(stderr, "sipsnare honeyd: HONEYD_IP_SRC is not an address: %s\n", src);
        return 2;
    }
    sensor_ctx ctx;
    if (ctx_open(&ctx, config, log_path, sensor_id, seed) != 0) { ctx_close(&ctx); return 1; }
    sensor_addr a = {.src_ip = src_text, .dst_ip = dst, .transport = "udp",
                     .src_port = (uint16_t)(sport ? atoi(sport) : 0),
                     .dst_port = (uint16_t)(dport ? atoi(dport) : 5060)};
    /* The per-source table wants the binary address; Honeyd mode serves one
     * peer per process and is not rate-limited here (Honeyd limits). */
    signal(SIGPIPE, SIG_IGN);
    int rc = honeyd_serve(&ctx.sensor, 0, 1, &a, 30000);
    ctx_close(&ctx);
    return rc == 0 ? 0 : 1;
}
