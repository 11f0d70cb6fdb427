/*
 * cmd_ship.c - `sipsnare ship`: the shipper of `sipsnare run` (src/sensor/
 * shipper.c) on its own, as a service of its own or to catch up a log by
 * hand (docs/HONEYNET.md).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sensor/config.h"
#include "sensor/shipper.h"

static void ship_usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare ship -c FILE [--once] [--log PATH] [--target TARGET] [--state PATH]\n"
        "  Delivers the sensor's event log to the store of the config's [store]\n"
        "  section, from the offset saved in the state file (default: the log's\n"
        "  path + \".ship\"). Only one shipper runs per state file.\n"
        "  -c, --config FILE   the sensor's configuration\n"
        "      --once          ship what the log holds now, then exit (no retries)\n"
        "      --log PATH      the event log (overrides the config, as for `run`)\n"
        "      --target T      the store (overrides [store] target)\n"
        "      --state PATH    the state file (overrides [store] state)\n"
        "Without --once it runs until SIGTERM/SIGINT, retrying a failing store with\n"
        "backoff. Prints a summary line on stdout. Exit status: 0 done, 1 the store\n"
        "or the log failed, 2 usage error.\n");
}

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

int ship_main(int argc, char **argv)
{
    static const struct option options[] = {
        {"config", required_argument, NULL, 'c'},
        {"once", no_argument, NULL, 'o'},
        {"log", required_argument, NULL, 'l'},
        {"target", required_argument, NULL, 't'},
        {"state", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *config = NULL, *log_path = NULL, *target = NULL, *state = NULL;
    int once = 0, c;
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
        switch (c) {
        case 'c': config = optarg; break;
        case 'o': once = 1; break;
        case 'l': log_path = optarg; break;
        case 't': target = optarg; break;
        case 's': state = optarg; break;
        case 'h': ship_usage(stdout); return 0;
        default: ship_usage(stderr); return 2;
        }
    }
    if (optind < argc || !config) {
        ship_usage(stderr);
        return 2;
    }
    static struct sensor_config cfg;
    char err[1024];
    sensor_config_defaults(&cfg);
    if (sensor_config_load(config, &cfg, err, sizeof err) != 0) {
        fprintf(stderr, "sipsnare ship: %s\n", err);
        return 1;
    }
    shipper_opts o = {.target = target ? target : cfg.store.target,
                      .log_path = log_path ? log_path : cfg.log_path,
                      .state_path = state ? state : cfg.store.state_path,
                      .batch = cfg.store.batch, .retry_max_s = cfg.store.retry_max_s,
                      .quiet = once != 0};
    sensor_config_free(&cfg);
    if (!o.target[0]) {
        fprintf(stderr, "sipsnare ship: %s has no [store] target (and no --target given)\n", config);
        return 2;
    }
    shipper *sh = shipper_new(&o, err, sizeof err);
    if (!sh) {
        fprintf(stderr, "sipsnare ship: %s\n", err);
        return 1;
    }
    int rc = 0;
    if (once) {
        if (shipper_catch_up(sh, err, sizeof err) < 0) {
            char shown[1024];
            shipper_redact(o.target, shown, sizeof shown);
            fprintf(stderr, "sipsnare ship: %s: %s (the state keeps what was delivered)\n", shown, err);
            rc = 1;
        }
    } else {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGINT, &sa, NULL);
        signal(SIGHUP, SIG_IGN);
        signal(SIGPIPE, SIG_IGN);
        shipper_run(sh, &stop_requested, 0);
    }
    shipper_stats s;
    shipper_get_stats(sh, &s);
    shipper_free(sh);
    printf("ship: %llu lines, %llu events added, %llu duplicates, %llu bad lines, offset %llu\n",
           (unsigned long long)s.lines, (unsigned long long)s.added,
           (unsigned long long)s.duplicates, (unsigned long long)s.bad,
           (unsigned long long)s.offset);
    return rc;
}
