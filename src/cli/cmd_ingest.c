/*
 * cmd_ingest.c - `sipsnare ingest`: sensor event logs and packet captures
 * into the store (docs/STORE.md). The loading is src/ingest/jsonl.c (JSON
 * lines) and src/ingest/pcap.c (pcap, pcapng: told by their first bytes);
 * this file is the terminal side: options, error lines, the progress bar,
 * the summary.
 */
#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "ingest/jsonl.h"
#include "ingest/asterisk.h"
#include "ingest/pcap.h"
#include "store/store.h"

#define DEFAULT_DB "sipsnare.db"

static void ingest_usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare ingest [--db TARGET] [--no-raw] [--max-errors N] [--sensor NAME]\n"
        "                       [--year YYYY] FILE...\n"
        "  Loads into the event store, each file told by its first bytes:\n"
        "  sensor event logs (JSON lines; plain, gzip or zstd), packet captures\n"
        "  (pcap, pcapng: the SIP messages in them), and a real Asterisk's own\n"
        "  records: its security log, its messages log (failed registrations,\n"
        "  calls to unknown extensions) and CDR CSV files (Master.csv).\n"
        "  FILE '-' is standard input (JSON lines). Events already stored are\n"
        "  skipped, so loading a file twice adds nothing.\n"
        "  --db TARGET       an SQLite file (default ./" DEFAULT_DB ") or a PostgreSQL\n"
        "                    URI (postgresql://user@host/dbname)\n"
        "  --no-raw          do not store the received messages (\"raw\")\n"
        "  --max-errors N    print the first N bad lines (default 20), count the rest\n"
        "                    (and as many bad packets of captures)\n"
        "  --sensor NAME     the sensor of events from captures and Asterisk files\n"
        "                    (default: pcap:FILE or asterisk:FILE, FILE's base name)\n"
        "  --year YYYY       the year of Asterisk log stamps that have none (the\n"
        "                    logger's default \"Jan  1 10:00:00\"); default this year\n"
        "Prints one summary line on stdout (after one line per capture or Asterisk\n"
        "file). Exit status: 0 loaded (bad lines are counted, not fatal), 1 a file\n"
        "could not be read or the store failed, "
        "2 usage error.\n");
}

typedef struct {
    unsigned long max_errors;
    unsigned long printed;
    unsigned long packets_printed;   /* bad packets of captures shown */
    int tty;                 /* stderr is a terminal: progress bar */
    int bar_shown;
    double t0;
} ui;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void clear_bar(ui *u)
{
    if (u->bar_shown) {
        fputs("\r\033[K", stderr);
        u->bar_shown = 0;
    }
}

static void on_bad_line(void *arg, const char *file, uint64_t line, const char *why)
{
    ui *u = arg;
    if (line == 0) {   /* the file itself: always shown */
        clear_bar(u);
        fprintf(stderr, "sipsnare ingest: %s: %s\n", file, why);
        return;
    }
    if (u->printed++ < u->max_errors) {
        clear_bar(u);
        fprintf(stderr, "%s:%llu: %s\n", file, (unsigned long long)line, why);
    }
}

/* A bad packet of a capture (packet 0: the capture file itself). */
static void on_bad_packet(void *arg, const char *file, uint64_t packet, const char *why)
{
    ui *u = arg;
    if (packet == 0) {
        clear_bar(u);
        fprintf(stderr, "sipsnare ingest: %s: %s\n", file, why);
        return;
    }
    if (u->packets_printed++ < u->max_errors) {
        clear_bar(u);
        fprintf(stderr, "%s: packet %llu: %s\n", file, (unsigned long long)packet, why);
    }
}

static void on_progress(void *arg, const ingest_stats *s)
{
    ui *u = arg;
    if (!u->tty)
        return;
    double t = now_s() - u->t0;
    double rate = t > 0 ? (double)(s->added + s->duplicates) / t : 0;
    char bar[31];
    if (s->bytes_total > 0) {
        double frac = (double)s->bytes_in / (double)s->bytes_total;
        if (frac > 1)
            frac = 1;
        int fill = (int)(frac * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[30] = '\0';
        fprintf(stderr, "\r\033[K[%s] %3d%%  %llu lines  %.0f events/s", bar, (int)(frac * 100),
                (unsigned long long)s->lines, rate);
    } else {
        fprintf(stderr, "\r\033[K%llu lines  %.0f events/s", (unsigned long long)s->lines, rate);
    }
    u->bar_shown = 1;
    fflush(stderr);
}

int cli_ingest(const cli_ingest_opts *o, const char *const *files, size_t nfiles, FILE *out)
{
    const char *db = o->db, *sensor = o->sensor;
    ui u = {.max_errors = o->max_errors};
    ingest_opts opts = {.keep_raw = o->keep_raw, .bad_line = on_bad_line,
                        .progress = on_progress, .arg = &u};
    /* Keep freed memory instead of giving it back at once: SQLite's page
     * cache and index sorts allocate and free hundreds of MB in turn, and
     * each trim and regrowth of the heap costs a system call and page
     * faults (measured: 1,400 brk calls for 1M events without this). */
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
    mallopt(M_TOP_PAD, 64 << 20);
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    u.tty = isatty(STDERR_FILENO);
    u.t0 = now_s();

    char err[512];
    store *st = store_open(db, err, sizeof err);
    if (!st) {
        fprintf(stderr, "sipsnare ingest: %s: %s\n", db, err);
        return 1;
    }
    if (o->defer_indexes)
        store_defer_indexes(st);
    /* Captures apart, by their first bytes; everything else (and what
     * cannot be opened: the JSON loader says why) is JSON lines. */
    const char **logs = calloc(nfiles, sizeof *logs);
    const char **caps = calloc(nfiles, sizeof *caps);
    const char **asts = calloc(nfiles, sizeof *asts);
    ast_format *ast_fmts = calloc(nfiles, sizeof *ast_fmts);
    if (!logs || !caps || !asts || !ast_fmts) {
        fprintf(stderr, "sipsnare ingest: out of memory\n");
        free(logs), free(caps), free(asts), free(ast_fmts), store_close(st);
        return 1;
    }
    size_t nlogs = 0, ncaps = 0, nasts = 0;
    for (size_t i = 0; i < nfiles; i++) {
        const char *f = files[i];
        ast_format af = AST_NONE;
        if (strcmp(f, "-") != 0 && capture_sniff(f) == 1) {
            caps[ncaps++] = f;
        } else if (strcmp(f, "-") != 0 && (af = asterisk_sniff(f)) != AST_NONE) {
            ast_fmts[nasts] = af;
            asts[nasts++] = f;
        } else {
            logs[nlogs++] = f;
        }
    }
    ingest_stats s;
    memset(&s, 0, sizeof s);
    int rc = 0;
    if (nlogs > 0)
        rc = ingest_jsonl(st, logs, nlogs, &opts, &s, err, sizeof err);
    capture_ingest_opts copts = {.sensor = sensor, .keep_raw = opts.keep_raw,
                                 .on_error = on_bad_packet, .arg = &u};
    uint64_t bad_packets = 0;
    for (size_t i = 0; rc == 0 && i < ncaps; i++) {
        capture_stats cs;
        bool cut = false;
        rc = capture_ingest(st, caps[i], &copts, &cs, &cut, err, sizeof err);
        clear_bar(&u);
        s.added += cs.added;
        s.duplicates += cs.duplicates;
        s.files++;
        if (cut)
            s.files_failed++;
        bad_packets += cs.errors;
        fprintf(out, "pcap: %s: %llu packets, %llu SIP messages (%llu requests, %llu responses, "
               "%llu malformed), %llu packets without SIP, %llu fragments, %llu bad packets\n",
               caps[i], (unsigned long long)cs.packets,
               (unsigned long long)(cs.requests + cs.responses + cs.malformed),
               (unsigned long long)cs.requests, (unsigned long long)cs.responses,
               (unsigned long long)cs.malformed, (unsigned long long)cs.skipped,
               (unsigned long long)cs.fragments, (unsigned long long)cs.errors);
    }
    ast_opts aopts = {.sensor = sensor, .year = o->year, .on_bad = on_bad_line, .arg = &u};
    for (size_t i = 0; rc == 0 && i < nasts; i++) {
        ast_stats as;
        bool failed = false;
        rc = asterisk_ingest(st, asts[i], ast_fmts[i], &aopts, &as, &failed, err, sizeof err);
        s.added += as.added;
        s.duplicates += as.duplicates;
        s.lines += as.lines;
        s.bad += as.bad;
        s.files++;
        if (failed)
            s.files_failed++;
        fprintf(out, "asterisk %s: %s: %llu lines, %llu events, %llu other lines, %llu bad lines\n",
               ast_fmts[i] == AST_CDR ? "CDR" : "log", asts[i], (unsigned long long)as.lines,
               (unsigned long long)as.events, (unsigned long long)as.skipped,
               (unsigned long long)as.bad);
    }
    free(logs);
    free(caps);
    free(asts);
    free(ast_fmts);
    clear_bar(&u);
    store_close(st);
    double t = now_s() - u.t0;
    if (s.bad > u.max_errors)
        fprintf(stderr, "sipsnare ingest: %llu more bad lines not shown\n",
                (unsigned long long)(s.bad - u.max_errors));
    if (bad_packets > u.max_errors)
        fprintf(stderr, "sipsnare ingest: %llu more bad packets not shown\n",
                (unsigned long long)(bad_packets - u.max_errors));
    if (rc != 0)
        fprintf(stderr, "sipsnare ingest: %s: %s\n", db, err);
    uint64_t events = s.added + s.duplicates;
    fprintf(out, "ingest: %llu lines, %llu events added, %llu duplicates, %llu bad lines, "
           "%.2f s, %.0f events/s\n",
           (unsigned long long)s.lines, (unsigned long long)s.added,
           (unsigned long long)s.duplicates, (unsigned long long)s.bad, t,
           t > 0 ? (double)events / t : 0.0);
    return rc != 0 || s.files_failed ? 1 : 0;
}
int ingest_main(int argc, char **argv)
{
    static const struct option options[] = {
        {"db", required_argument, NULL, 'd'},
        {"no-raw", no_argument, NULL, 'R'},
        {"max-errors", required_argument, NULL, 'm'},
        {"sensor", required_argument, NULL, 'S'},
        {"year", required_argument, NULL, 'Y'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *db = DEFAULT_DB;
    const char *sensor = NULL;
    int year = 0;
    bool keep_raw = true;
    unsigned long max_errors = 20;
    int c;
    while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        switch (c) {
        case 'd': db = optarg; break;
        case 'R': keep_raw = false; break;
        case 'S':
            if (*optarg == '\0') {
                fprintf(stderr, "sipsnare ingest: --sensor: empty name\n");
                return 2;
            }
            sensor = optarg;
            break;
        case 'Y': {
            char *end;
            long v = strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || v < 1970 || v > 9999) {
                fprintf(stderr, "sipsnare ingest: --year: a year from 1970: %s\n", optarg);
                return 2;
            }
            year = (int)v;
            break;
        }
        case 'm': {
            char *end;
            max_errors = strtoul(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0') {
                fprintf(stderr, "sipsnare ingest: --max-errors: not a number: %s\n", optarg);
                return 2;
            }
            break;
        }
        case 'h': ingest_usage(stdout); return 0;
        default: ingest_usage(stderr); return 2;
        }
    }
    if (optind >= argc) {
        fprintf(stderr, "sipsnare ingest: no input file (use - for standard input)\n");
        ingest_usage(stderr);
        return 2;
    }
    cli_ingest_opts io = {.db = db, .sensor = sensor, .year = year, .keep_raw = keep_raw,
                          .max_errors = max_errors};
    return cli_ingest(&io, (const char *const *)argv + optind, (size_t)(argc - optind), stdout);
}
