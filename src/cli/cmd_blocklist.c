/*
 * cmd_blocklist.c - `sipsnare blocklist`: the source addresses whose attack
 * steps reached --min-step (default enumeration: anything beyond a scan),
 * or with --numbers the dialed numbers of their abuse, in a defender's
 * format (report/blocklist.h; docs/BLOCKLISTS.md). Reads the store once
 * through a dataset (report/dataset.h); -o FILE is replaced atomically
 * (written aside, then renamed) so that a loader never reads half a list.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/dsopts.h"
#include "report/blocklist.h"

static void blocklist_usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare blocklist [options]\n"
        "  Source addresses to block (those whose attack steps reached --min-step),\n"
        "  or with --numbers the numbers they dialed, in a defender's format.\n"
        "Options:\n"
        "  --format F           plain (default), nft, ipset, fail2ban, fail2ban-filter,\n"
        "                       kamailio-secfilter, kamailio-secfilter-rpc,\n"
        "                       kamailio-permissions, json\n"
        "  --min-step S         scanning, enumeration (default), brute-force (or\n"
        "                       bruteforce) or abuse:\n"
        "                       list sources with a step at S or beyond\n"
        "  --min-requests N     and at least N requests (default 1)\n"
        "  --numbers            the dialed numbers (E.164, valid ones) of the listed\n"
        "                       sources' calls instead (plain, json, kamailio-secfilter)\n"
        "  --set-name NAME      nft table and sets, ipset sets: NAME_v4, NAME_v6\n"
        "                       (default " BL_DEFAULT_NAME ")\n"
        "  --timeout SECS       nft/ipset entries expire after SECS (default never)\n"
        "  --group N            Kamailio permissions group (default %d)\n"
        "  --exclude RANGE      never list addresses in RANGE (a.b.c.d/n, v6/n or an\n"
        "                       address; repeatable): your own networks and partners\n"
        "  --include-local      list loopback, private, link-local, multicast and\n"
        "                       unspecified addresses too (left out by default)\n"
        "  -o, --output FILE    write there, replacing it atomically (default standard output)\n"
        DSOPT_HELP
        "Formats and how to load them: docs/BLOCKLISTS.md. Exit 0, 1 on error, 2 on usage.\n",
        BL_DEFAULT_GROUP);
}

#define MAX_EXCLUDES 256

static int parse_long(const char *cmd, const char *opt, const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || errno || v < lo || v > hi) {
        fprintf(stderr, "sipsnare %s: --%s: a number from %ld to %ld: %s\n", cmd, opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int step_from_name(const char *s)
{
    if (strcmp(s, "bruteforce") == 0)
        return STEP_BRUTEFORCE;
    for (int k = 0; k < STEP_COUNT; k++)
        if (strcmp(s, step_name((step_kind)k)) == 0)
            return k;
    return -1;
}

/* The run's time: now, or SOURCE_DATE_EPOCH for reproducible output. */
static int64_t run_time_ms(void)
{
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    int64_t ms;
    if (sde && *sde && cli_parse_time(sde, &ms) == 0)
        return ms;
    return (int64_t)time(NULL) * 1000;
}

static void fmt_day(int64_t ms, const char *none, char buf[32])
{
    if (ms == STORE_NULL) {
        snprintf(buf, 32, "%s", none);
        return;
    }
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* -o FILE: written to FILE.tmp.PID, renamed over FILE when complete. */
typedef struct {
    FILE *f;
    const char *path;
    char tmp[4096];
} outfile;

static int out_open(outfile *o, const char *path, const char *cmd)
{
    o->path = path && strcmp(path, "-") != 0 ? path : NULL;
    if (!o->path) {
        o->f = stdout;
        return 0;
    }
    if ((size_t)snprintf(o->tmp, sizeof o->tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof o->tmp) {
        fprintf(stderr, "sipsnare %s: %s: name too long\n", cmd, path);
        return -1;
    }
    o->f = fopen(o->tmp, "w");
    if (!o->f) {
        fprintf(stderr, "sipsnare %s: %s: %s\n", cmd, o->tmp, strerror(errno));
        return -1;
    }
    return 0;
}

/* ok: the content was written. Returns 0 when the file is in place. */
static int out_close(outfile *o, int ok, const char *cmd)
{
    if (!o->path) {
        if (fflush(stdout) != 0 && ok) {
            fprintf(stderr, "sipsnare %s: standard output: %s\n", cmd, strerror(errno));
            return -1;
        }
        return ok ? 0 : -1;
    }
    if (fclose(o->f) != 0 && ok) {
        fprintf(stderr, "sipsnare %s: %s: %s\n", cmd, o->tmp, strerror(errno));
        ok = 0;
    }
    if (ok && rename(o->tmp, o->path) != 0) {
        fprintf(stderr, "sipsnare %s: %s: %s\n", cmd, o->path, strerror(errno));
        ok = 0;
    }
    if (!ok)
        unlink(o->tmp);
    return ok ? 0 : -1;
}

static int selected(const step_source *s, int min_step, long min_requests)
{
    if ((long)s->requests < min_requests)
        return 0;
    for (int k = min_step; k < STEP_COUNT; k++)
        if (s->step[k].present)
            return 1;
    return 0;
}

/* Addresses left out of every list: the special ranges (unless
 * --include-local) and --exclude. Says which on stderr, once each. */
static int never_listed(const char *ip, int include_local, const bl_range *ex, size_t n_ex)
{
    const char *why = include_local ? NULL : bl_special_address(ip);
    for (size_t i = 0; !why && i < n_ex; i++)
        if (bl_in_range(ip, &ex[i]))
            why = "excluded";
    if (why)
        fprintf(stderr, "sipsnare blocklist: not listed: %s (%s)\n", ip, why);
    return why != NULL;
}

static unsigned step_bits(const step_source *s)
{
    unsigned bits = 0;
    for (int k = 0; k < STEP_COUNT; k++)
        if (s->step[k].present)
            bits |= 1u << k;
    return bits;
}

/* A call and its source, for grouping by number. */
typedef struct {
    const call_t *call;
} callref;

static int callref_cmp(const void *x, const void *y)
{
    const call_t *a = ((const callref *)x)->call, *b = ((const callref *)y)->call;
    int c = strcmp(a->e164, b->e164);
    return c ? c : strcmp(a->src_ip, b->src_ip);
}

/* The valid numbers called by selected sources, one bl_number each. */
static bl_number *collect_numbers(const dataset *d, int min_step, long min_requests, size_t *n,
                                  size_t *unverified)
{
    size_t nc;
    const call_t *calls = calls_list(ds_calls(d), &nc);
    callref *refs = calloc(nc ? nc : 1, sizeof *refs);
    bl_number *out = calloc(nc ? nc : 1, sizeof *out);
    if (!refs || !out) {
        free(refs);
        free(out);
        return NULL;
    }
    size_t k = 0;
    *unverified = 0;
    for (size_t i = 0; i < nc; i++) {
        const ds_source *s = ds_find_source(d, calls[i].src_ip);
        if (!s || !selected(s->steps, min_step, min_requests))
            continue;
        if (!calls[i].valid) {
            (*unverified)++;
            continue;
        }
        refs[k++].call = &calls[i];
    }
    qsort(refs, k, sizeof *refs, callref_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        const call_t *c = refs[i].call;
        if (m == 0 || strcmp(out[m - 1].e164, c->e164) != 0) {
            bl_number *b = &out[m++];
            b->e164 = c->e164;
            b->country = c->dest.country[0] ? c->dest.country : NULL;
            b->first_ms = c->first_ms;
            b->last_ms = c->last_ms;
        }
        bl_number *b = &out[m - 1];
        b->attempts += c->invites;
        b->calls++;
        if (i == 0 || strcmp(refs[i - 1].call->e164, c->e164) != 0 ||
            strcmp(refs[i - 1].call->src_ip, c->src_ip) != 0)
            b->sources++;
        if (c->first_ms < b->first_ms)
            b->first_ms = c->first_ms;
        if (c->last_ms > b->last_ms)
            b->last_ms = c->last_ms;
    }
    free(refs);
    *n = m;
    return out;
}

int blocklist_main(int argc, char **argv)
{
    enum { O_FORMAT = 1, O_MIN_STEP, O_MIN_REQUESTS, O_NUMBERS, O_SET_NAME, O_TIMEOUT, O_GROUP,
           O_EXCLUDE, O_INCLUDE_LOCAL };
    static const struct option options[] = {
        DSOPT_LONG_OPTIONS,
        {"format", required_argument, NULL, O_FORMAT},
        {"min-step", required_argument, NULL, O_MIN_STEP},
        {"min-requests", required_argument, NULL, O_MIN_REQUESTS},
        {"numbers", no_argument, NULL, O_NUMBERS},
        {"set-name", required_argument, NULL, O_SET_NAME},
        {"timeout", required_argument, NULL, O_TIMEOUT},
        {"group", required_argument, NULL, O_GROUP},
        {"exclude", required_argument, NULL, O_EXCLUDE},
        {"include-local", no_argument, NULL, O_INCLUDE_LOCAL},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = "blocklist";
    dsopts ds;
    dsopts_init(&ds);
    int fmt = BL_FMT_PLAIN, min_step = STEP_ENUMERATION, numbers = 0, c;
    long min_requests = 1, timeout = 0, group = BL_DEFAULT_GROUP;
    const char *output = NULL, *name = BL_DEFAULT_NAME;
    bl_range excludes[MAX_EXCLUDES];
    size_t n_excludes = 0;
    int include_local = 0;
    while ((c = getopt_long(argc, argv, "o:h", options, NULL)) != -1) {
        int h = dsopts_handle(&ds, c, optarg, cmd);
        if (h < 0)
            return 2;
        if (h > 0)
            continue;
        switch (c) {
        case O_FORMAT:
            fmt = bl_format_from_name(optarg);
            if (fmt < 0) {
                fprintf(stderr, "sipsnare blocklist: --format: one of plain, nft, ipset, fail2ban, "
                                "fail2ban-filter, kamailio-secfilter, kamailio-secfilter-rpc, "
                                "kamailio-permissions, json; not %s\n", optarg);
                return 2;
            }
            break;
        case O_MIN_STEP:
            min_step = step_from_name(optarg);
            if (min_step < 0) {
                fprintf(stderr, "sipsnare blocklist: --min-step: scanning, enumeration, brute-force "
                                "or abuse, not %s\n", optarg);
                return 2;
            }
            break;
        case O_MIN_REQUESTS:
            if (parse_long(cmd, "min-requests", optarg, 0, 2147483647L, &min_requests) != 0)
                return 2;
            break;
        case O_NUMBERS: numbers = 1; break;
        case O_SET_NAME:
            if (!bl_valid_name(optarg)) {
                fprintf(stderr, "sipsnare blocklist: --set-name: a letter, then letters, digits or _, "
                                "at most %d characters: %s\n", BL_MAX_NAME, optarg);
                return 2;
            }
            name = optarg;
            break;
        case O_TIMEOUT:
            if (parse_long(cmd, "timeout", optarg, 1, BL_MAX_TIMEOUT, &timeout) != 0)
                return 2;
            break;
        case O_GROUP:
            if (parse_long(cmd, "group", optarg, 1, 2147483647L, &group) != 0)
                return 2;
            break;
        case O_EXCLUDE:
            if (n_excludes == MAX_EXCLUDES || bl_parse_range(optarg, &excludes[n_excludes]) != 0) {
                fprintf(stderr, "sipsnare blocklist: --exclude: an address or a.b.c.d/n or v6/n "
                                "(at most %d): %s\n", MAX_EXCLUDES, optarg);
                return 2;
            }
            n_excludes++;
            break;
        case O_INCLUDE_LOCAL: include_local = 1; break;
        case 'o': output = optarg; break;
        case 'h': blocklist_usage(stdout); return 0;
        default: blocklist_usage(stderr); return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "sipsnare blocklist: unexpected argument %s\n", argv[optind]);
        return 2;
    }
    if (numbers && !bl_format_takes_numbers((bl_format)fmt)) {
        fprintf(stderr, "sipsnare blocklist: --numbers: %s has no form for numbers "
                        "(plain, json or kamailio-secfilter)\n", bl_format_name((bl_format)fmt));
        return 2;
    }
    if (timeout && fmt != BL_FMT_NFT && fmt != BL_FMT_IPSET)
        fprintf(stderr, "sipsnare blocklist: note: --timeout applies to nft and ipset only\n");

    outfile out;
    if (fmt == BL_FMT_FAIL2BAN_FILTER) {   /* the filter needs no store */
        if (out_open(&out, output, cmd) != 0)
            return 1;
        int ok = bl_write_fail2ban_filter(out.f) == 0;
        return out_close(&out, ok, cmd) == 0 ? 0 : 1;
    }

    dataset *d = dsopts_load(&ds, cmd);
    if (!d)
        return 1;

    char since[32], until[32], scope[1024];
    fmt_day(ds.o.since_ms, "the start", since);
    fmt_day(ds.o.until_ms, "the end", until);
    snprintf(scope, sizeof scope,
             "%s of sources whose steps reached %s, with at least %ld request%s; store %s; "
             "events from %s to %s; sensors: %s",
             numbers ? "dialed numbers" : "addresses", step_name((step_kind)min_step), min_requests,
             min_requests == 1 ? "" : "s", ds_store_name(d), since, until, ds.o.sensor ? ds.o.sensor : "all");
    bl_options bo = {
        .name = name,
        .timeout_s = timeout,
        .group = (unsigned)group,
        .generated_ms = run_time_ms(),
        .scope = scope,
    };

    size_t nsrc;
    const ds_source *src = ds_sources(d, &nsrc);
    bl_stats st;
    int rc = 0;
    if (out_open(&out, output, cmd) != 0) {
        ds_free(d);
        return 1;
    }
    if (numbers) {
        size_t n = 0, unverified = 0;
        bl_number *nums = collect_numbers(d, min_step, min_requests, &n, &unverified);
        if (!nums) {
            fprintf(stderr, "sipsnare blocklist: out of memory\n");
            rc = -1;
        } else {
            rc = bl_write_numbers(out.f, (bl_format)fmt, nums, n, &bo, &st);
            if (rc == 0)
                fprintf(stderr, "sipsnare blocklist: %zu number%s; %zu call%s to numbers that are "
                                "not valid left out; %zu rejected\n",
                        st.written, st.written == 1 ? "" : "s", unverified, unverified == 1 ? "" : "s",
                        st.rejected);
            free(nums);
        }
    } else {
        bl_addr *a = calloc(nsrc ? nsrc : 1, sizeof *a);
        size_t n = 0;
        if (!a) {
            fprintf(stderr, "sipsnare blocklist: out of memory\n");
            rc = -1;
        } else {
            size_t kept_out = 0;
            for (size_t i = 0; i < nsrc; i++) {
                const step_source *s = src[i].steps;
                if (!selected(s, min_step, min_requests))
                    continue;
                if (never_listed(s->src_ip, include_local, excludes, n_excludes)) {
                    kept_out++;
                    continue;
                }
                bl_addr *b = &a[n++];
                b->ip = s->src_ip;
                b->steps = step_bits(s);
                b->first_ms = s->first_ms;
                b->last_ms = s->last_ms;
                b->requests = s->requests;
                b->country = src[i].info.country[0] ? src[i].info.country : NULL;
                b->asn = src[i].info.asn;
                b->rogue_score = s->rogue_score;
            }
            rc = bl_write_addrs(out.f, (bl_format)fmt, a, n, &bo, &st);
            if (rc == 0)
                fprintf(stderr, "sipsnare blocklist: %zu address%s (%zu IPv4, %zu IPv6) of %zu "
                                "source%s; %zu rejected; %zu not listed (local or excluded)\n",
                        st.written, st.written == 1 ? "" : "es", st.v4, st.v6, nsrc, nsrc == 1 ? "" : "s",
                        st.rejected, kept_out);
            free(a);
        }
    }
    if (rc == -1 && errno)
        fprintf(stderr, "sipsnare blocklist: writing %s: %s\n", output ? output : "standard output",
                strerror(errno));
    else if (rc == -2)
        fprintf(stderr, "sipsnare blocklist: bad options for %s\n", bl_format_name((bl_format)fmt));
    rc = out_close(&out, rc == 0, cmd) == 0 ? 0 : 1;
    ds_free(d);
    return rc;
}
