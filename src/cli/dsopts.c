/*
 * dsopts.c - options shared by report, blocklist and graph (dsopts.h).
 */
#include "cli/dsopts.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void dsopts_init(dsopts *d)
{
    memset(d, 0, sizeof *d);
    d->o.db = CLI_DEFAULT_DB;
    d->o.since_ms = STORE_NULL;
    d->o.until_ms = STORE_NULL;
    d->o.ipdbs = d->ipdbs;
    d->o.progress = isatty(STDERR_FILENO);
}

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

int cli_parse_time(const char *s, int64_t *ms)
{
    if (all_digits(s)) {
        if (strlen(s) > 12)
            return -1;
        *ms = strtoll(s, NULL, 10) * 1000;
        return 0;
    }
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *end = strptime(s, "%Y-%m-%d", &tm);
    if (!end)
        return -1;
    if (*end == 'T' || *end == ' ') {
        const char *e2 = strptime(end + 1, "%H:%M:%S", &tm);
        if (!e2)
            e2 = strptime(end + 1, "%H:%M", &tm);
        if (!e2)
            return -1;
        end = e2;
    }
    if (*end == 'Z')
        end++;
    if (*end != '\0')
        return -1;
    *ms = (int64_t)timegm(&tm) * 1000;
    return 0;
}

int dsopts_handle(dsopts *d, int c, const char *arg, const char *cmd)
{
    switch (c) {
    case DSOPT_DB: d->o.db = arg; return 1;
    case DSOPT_SENSOR: d->o.sensor = arg; return 1;
    case DSOPT_HOME: d->o.home = arg; return 1;
    case DSOPT_CATEGORIES: d->o.categories = arg; return 1;
    case DSOPT_AGENTS: d->o.agents = arg; return 1;
    case DSOPT_NO_DEFAULT_IPDB: d->o.no_default_ipdb = 1; return 1;
    case DSOPT_SINCE:
    case DSOPT_UNTIL: {
        int64_t ms;
        if (cli_parse_time(arg, &ms) != 0) {
            fprintf(stderr, "sipsnare %s: --%s: not a time (YYYY-MM-DD[THH:MM[:SS]][Z] or Unix seconds): %s\n",
                    cmd, c == DSOPT_SINCE ? "since" : "until", arg);
            return -1;
        }
        if (c == DSOPT_SINCE)
            d->o.since_ms = ms;
        else
            d->o.until_ms = ms;
        return 1;
    }
    case DSOPT_IPDB:
        if (d->n_ipdbs == CLI_MAX_IPDB) {
            fprintf(stderr, "sipsnare %s: at most %d --ipdb files\n", cmd, CLI_MAX_IPDB);
            return -1;
        }
        d->ipdbs[d->n_ipdbs++] = arg;
        d->ipdbs[d->n_ipdbs] = NULL;
        return 1;
    case DSOPT_CALL_WINDOW: {
        char *end;
        long v = strtol(arg, &end, 10);
        if (*arg == '\0' || *end != '\0' || v <= 0 || v > 366L * 86400) {
            fprintf(stderr, "sipsnare %s: --call-window: seconds from 1 to a year: %s\n", cmd, arg);
            return -1;
        }
        d->o.call_window_ms = (int64_t)v * 1000;
        return 1;
    }
    default:
        return 0;
    }
}

dataset *dsopts_load(dsopts *d, const char *cmd)
{
    char err[512];
    if (d->o.since_ms != STORE_NULL && d->o.until_ms != STORE_NULL && d->o.until_ms <= d->o.since_ms) {
        fprintf(stderr, "sipsnare %s: --until must be after --since\n", cmd);
        return NULL;
    }
    dataset *ds = ds_load(&d->o, err, sizeof err);
    if (!ds)
        fprintf(stderr, "sipsnare %s: %s\n", cmd, err);
    return ds;
}
