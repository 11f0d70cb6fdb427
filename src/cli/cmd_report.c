/*
 * cmd_report.c - `sipsnare report`: the study's tables and figures over the
 * store (docs/REPORTS.md). Reads the store once (report/dataset.h), builds
 * the asked sections (report/sections.h) and renders them (report/render.h).
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "cli/dsopts.h"
#include "report/render.h"
#include "report/sections.h"

#define MAX_SECTIONS 32

static void report_usage(FILE *f)
{
    size_t n;
    const report_section_def *s = report_sections(&n);
    fprintf(f,
        "Usage: sipsnare report [options] [SECTION...]\n"
        "  The study's tables and figures over the event store; all sections, or\n"
        "  the ones named. Sections:\n");
    for (size_t i = 0; i < n; i++)
        fprintf(f, "    %-10s %s\n", s[i].name, s[i].title);
    fprintf(f,
        "Options:\n"
        "  --format F           text (default), csv, json, md, html\n"
        "  -o, --output FILE    write there (default standard output)\n"
        "  --top N              rows of ranked tables (default 20; 0: all)\n"
        "  --ingest FILE        first load FILE into the store as `sipsnare ingest`\n"
        "                       does (repeatable; its lines go to stderr); the\n"
        "                       report reads while the store's indexes are built\n"
        DSOPT_HELP
        "Formats and columns: docs/REPORTS.md. Exit 0, 1 on error, 2 on usage.\n");
}

/* The indexes a deferred load left out, built beside the report. */
typedef struct {
    const char *db;
    int rc;
    char err[512];
} index_job;

static void *build_indexes(void *arg)
{
    index_job *j = arg;
    store *st = store_open(j->db, j->err, sizeof j->err);
    if (!st) {
        j->rc = -1;
        return NULL;
    }
    j->rc = store_build_indexes(st);
    if (j->rc != 0)
        snprintf(j->err, sizeof j->err, "%s", store_errmsg(st));
    store_close(st);
    return NULL;
}

/* `--ingest`: loads the files with the store's indexes deferred, then starts
 * building them on a thread of their own: the report's reading (one core)
 * and the index sorts (the other) overlap instead of following each other
 * as with `ingest` then `report` (docs/PERFORMANCE.md has the figures). */
static int ingest_first(const char *db, const char *const *files, size_t n, index_job *job,
                        pthread_t *thread)
{
    cli_ingest_opts io = {.db = db, .keep_raw = true, .max_errors = 20, .defer_indexes = true};
    job->db = db;
    if (cli_ingest(&io, files, n, stderr) != 0) {
        /* no report, but what was loaded gets its indexes (if the store
         * opens at all: the ingest has said what went wrong) */
        build_indexes(job);
        job->err[0] = '\0';
        return -1;
    }
    /* give back what the load kept for itself (cli_ingest's mallopt): the
     * report's peak memory is its own */
    mallopt(M_TRIM_THRESHOLD, 128 << 10);
    mallopt(M_TOP_PAD, 0);
    mallopt(M_MMAP_THRESHOLD, 128 << 10);
    malloc_trim(0);
    if (pthread_create(thread, NULL, build_indexes, job) != 0) {
        build_indexes(job);   /* no thread: build them now */
        return job->rc == 0 ? 0 : -1;
    }
    return 1;
}

static int report_write(dsopts *ds, int fmt, const char *output, int top,
                        const char *const *names, size_t n_names);

static int report_run(int argc, char **argv, const char **ingest)
{
    static const struct option options[] = {
        DSOPT_LONG_OPTIONS,
        {"format", required_argument, NULL, 'f'},
        {"output", required_argument, NULL, 'o'},
        {"top", required_argument, NULL, 't'},
        {"ingest", required_argument, NULL, 'I'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    dsopts ds;
    dsopts_init(&ds);
    int fmt = RPT_FMT_TEXT, top = 20, c;
    const char *output = NULL;
    size_t n_ingest = 0;
    while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        int h = dsopts_handle(&ds, c, optarg, "report");
        if (h < 0)
            return 2;
        if (h > 0)
            continue;
        switch (c) {
        case 'f':
            fmt = rpt_format_from_name(optarg);
            if (fmt < 0) {
                fprintf(stderr, "sipsnare report: --format: text, csv, json, md or html, not %s\n", optarg);
                return 2;
            }
            break;
        case 'o': output = optarg; break;
        case 'I': ingest[n_ingest++] = optarg; break;
        case 't': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 0 || v > 1000000) {
                fprintf(stderr, "sipsnare report: --top: a number from 0 to 1000000: %s\n", optarg);
                return 2;
            }
            top = (int)v;
            break;
        }
        case 'h': report_usage(stdout); return 0;
        default: report_usage(stderr); return 2;
        }
    }
    const char *names[MAX_SECTIONS];
    size_t n_names = 0;
    for (int i = optind; i < argc; i++) {
        if (!report_section_find(argv[i])) {
            fprintf(stderr, "sipsnare report: no section %s (see sipsnare report --help)\n", argv[i]);
            return 2;
        }
        if (n_names == MAX_SECTIONS) {
            fprintf(stderr, "sipsnare report: too many sections\n");
            return 2;
        }
        names[n_names++] = argv[i];
    }

    index_job job = {0};
    pthread_t indexer;
    int building = 0;
    if (n_ingest > 0) {
        building = ingest_first(ds.o.db, ingest, n_ingest, &job, &indexer);
        if (building < 0) {
            if (job.err[0])
                fprintf(stderr, "sipsnare report: %s: building indexes: %s\n", ds.o.db, job.err);
            return 1;
        }
    }
    int rc = report_write(&ds, fmt, output, top, n_names ? names : NULL, n_names);
    if (building) {
        pthread_join(indexer, NULL);
        if (job.rc != 0) {
            fprintf(stderr, "sipsnare report: %s: building indexes: %s\n", ds.o.db, job.err);
            rc = 1;
        }
    }
    return rc;
}

int report_main(int argc, char **argv)
{
    const char **ingest = calloc((size_t)argc, sizeof *ingest);
    if (!ingest) {
        fprintf(stderr, "sipsnare report: out of memory\n");
        return 1;
    }
    int rc = report_run(argc, argv, ingest);
    free(ingest);
    return rc;
}

/* Reads the store and writes the report: 0, or 1 on failure (said). */
static int report_write(dsopts *ds, int fmt, const char *output, int top,
                        const char *const *names, size_t n_names)
{
    dataset *d = dsopts_load(ds, "report");
    if (!d)
        return 1;

    char generated[32], scope[1024], since[32] = "start", until[32] = "end";
    /* SOURCE_DATE_EPOCH (reproducible-builds.org) fixes the "generated"
     * time, so that a report can be compared byte for byte. */
    time_t now = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde && *sde) {
        int64_t ms;
        if (cli_parse_time(sde, &ms) == 0)
            now = (time_t)(ms / 1000);
    }
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(generated, sizeof generated, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (ds->o.since_ms != STORE_NULL) {
        time_t t = (time_t)(ds->o.since_ms / 1000);
        gmtime_r(&t, &tm);
        strftime(since, sizeof since, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    if (ds->o.until_ms != STORE_NULL) {
        time_t t = (time_t)(ds->o.until_ms / 1000);
        gmtime_r(&t, &tm);
        strftime(until, sizeof until, "%Y-%m-%dT%H:%M:%SZ", &tm);
    }
    snprintf(scope, sizeof scope, "store %s; events from %s to %s; sensors: %s; home country %s",
             ds_store_name(d), since, until, ds->o.sensor ? ds->o.sensor : "all",
             ds->o.home ? ds->o.home : NUM_DEFAULT_HOME);

    rpt_report *r = rpt_new("sipsnare report");
    rpt_set_meta(r, generated, scope, ds_ipdb_attribution(d));
    report_build(r, d, names, n_names, top);

    FILE *out = stdout;
    if (output && strcmp(output, "-") != 0) {
        out = fopen(output, "w");
        if (!out) {
            fprintf(stderr, "sipsnare report: %s: %s\n", output, strerror(errno));
            rpt_free(r);
            ds_free(d);
            return 1;
        }
    }
    int rc = rpt_render(out, r, (rpt_format)fmt);
    if (rc != 0)
        fprintf(stderr, "sipsnare report: writing %s: %s\n", output ? output : "standard output", strerror(errno));
    if (out != stdout && fclose(out) != 0 && rc == 0) {
        fprintf(stderr, "sipsnare report: %s: %s\n", output, strerror(errno));
        rc = -1;
    }
    rpt_free(r);
    ds_free(d);
    return rc == 0 ? 0 : 1;
}
