/*
 * cmd_audit.c - `sipsnare audit`: reads an Asterisk configuration (sip.conf,
 * pjsip.conf, extensions.conf with their includes) and prints findings with
 * severity, file:line and a fix, as text or JSON. The exit status is 3 when
 * a finding reaches --fail-on (for CI), 1 when a file cannot be read or
 * parsed, 2 on a usage error, 0 otherwise. Checks: docs/AUDIT.md.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "audit/astconf.h"
#include "audit/audit.h"
#include "cli/cli.h"
#include "report/render.h"
#include "store/store.h"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare audit [--sip FILE] [--pjsip FILE] [--extensions FILE]\n"
        "                      [--format text|json] [--fail-on SEVERITY]\n"
        "                      [--passwords FILE] [--db TARGET] [DIR]\n"
        "\n"
        "Checks an Asterisk configuration against the study's advice: weak or\n"
        "guessable secrets, user names equal to extensions, settings that ease\n"
        "enumeration and unauthenticated calls, and dialplan paths from\n"
        "unauthenticated callers to PSTN or international numbers.\n"
        "\n"
        "  DIR               a configuration directory (like /etc/asterisk): its\n"
        "                    sip.conf, pjsip.conf and extensions.conf, those present\n"
        "  --sip FILE        chan_sip configuration\n"
        "  --pjsip FILE      res_pjsip configuration\n"
        "  --extensions FILE the dialplan\n"
        "  --format F        text (default), json, or html, md, csv (as sipsnare report)\n"
        "  --fail-on SEV     exit 3 when a finding has severity SEV or higher:\n"
        "                    info, low, medium, high (default), critical; none: never\n"
        "  --passwords FILE  the weak-password list (default data/weak-passwords.txt)\n"
        "  --db TARGET       also a sipsnare store (SQLite file or postgresql:// URI):\n"
        "                    which of these accounts attackers already probed, brute\n"
        "                    forced or got into (its honeypots, or this PBX's own logs)\n"
        "\n"
        "Exit: 0 no finding at --fail-on or above, 3 some, 1 unreadable or\n"
        "malformed configuration (file:line on stderr), 2 usage. docs/AUDIT.md.\n");
}

static void print_text(const aud_report *r, FILE *f)
{
    int count[AUD_CRITICAL + 1] = {0};
    for (size_t i = 0; i < r->n; i++) {
        const aud_finding *x = &r->f[i];
        count[x->severity]++;
        char upper[16];
        const char *name = aud_severity_name(x->severity);
        size_t k = 0;
        for (; name[k] && k + 1 < sizeof upper; k++)
            upper[k] = (char)(name[k] >= 'a' && name[k] <= 'z' ? name[k] - 32 : name[k]);
        upper[k] = '\0';
        fprintf(f, "%-8s %s", upper, x->id);
        if (x->file[0])
            fprintf(f, "  %s:%d", x->file, x->line);
        if (x->section[0])
            fprintf(f, " [%s]", x->section);
        fprintf(f, "\n  %s\n", x->message);
        if (x->fix[0])
            fprintf(f, "  fix: %s\n", x->fix);
    }
    fprintf(f, "%s%zu finding%s: %d critical, %d high, %d medium, %d low, %d info\n",
            r->n ? "\n" : "", r->n, r->n == 1 ? "" : "s", count[AUD_CRITICAL], count[AUD_HIGH],
            count[AUD_MEDIUM], count[AUD_LOW], count[AUD_INFO]);
}

static void print_json(const aud_report *r, const char *const *files, size_t n_files, FILE *f)
{
    int count[AUD_CRITICAL + 1] = {0};
    fputs("{\"files\":[", f);
    for (size_t i = 0; i < n_files; i++) {
        if (i) putc(',', f);
        cli_json_string(f, files[i]);
    }
    fputs("],\"findings\":[", f);
    for (size_t i = 0; i < r->n; i++) {
        const aud_finding *x = &r->f[i];
        count[x->severity]++;
        fprintf(f, "%s\n{\"severity\":\"%s\",\"id\":\"%s\",\"file\":", i ? "," : "",
                aud_severity_name(x->severity), x->id);
        cli_json_string(f, x->file);
        fprintf(f, ",\"line\":%d,\"section\":", x->line);
        cli_json_string(f, x->section);
        fputs(",\"message\":", f);
        cli_json_string(f, x->message);
        fputs(",\"fix\":", f);
        cli_json_string(f, x->fix);
        putc('}', f);
    }
    fprintf(f, "],\n\"summary\":{\"total\":%zu,\"critical\":%d,\"high\":%d,\"medium\":%d,\"low\":%d,\"info\":%d}}\n",
            r->n, count[AUD_CRITICAL], count[AUD_HIGH], count[AUD_MEDIUM], count[AUD_LOW], count[AUD_INFO]);
}

/* HTML, Markdown or CSV: the findings as a report (report/table.h), so the
 * audit reads like the other reports and the same renderers escape what
 * the configuration files hold. */
static int print_report(const aud_report *r, const char *const *files, size_t n_files, rpt_format fmt,
                        FILE *f)
{
    char scope[2048];
    size_t w = 0;
    scope[0] = '\0';
    for (size_t i = 0; i < n_files && w < sizeof scope; i++)
        w += (size_t)snprintf(scope + w, sizeof scope - w, "%s%s", i ? ", " : "", files[i]);
    char generated[32];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(generated, sizeof generated, "%Y-%m-%dT%H:%M:%SZ", &tm);
    rpt_report *rep = rpt_new("sipsnare audit");
    rpt_set_meta(rep, generated, scope, NULL);
    rpt_section *sec = rpt_section_add(rep, "audit", "Asterisk configuration audit",
        "Findings against the study's advice: restrict which extensions are reachable, long "
        "passwords with mixed character classes, user names that differ from extension numbers, "
        "no unauthenticated path to international calls (docs/AUDIT.md).");
    rpt_table *c = rpt_table_add(sec, "severities", "Findings by severity", "severity:Severity:text",
                                 "findings:Findings:int", NULL);
    for (int sev = AUD_CRITICAL; sev >= AUD_INFO; sev--) {
        long n = 0;
        for (size_t i = 0; i < r->n; i++)
            n += r->f[i].severity == (aud_severity)sev;
        size_t row = rpt_row(c);
        rpt_text(c, row, 0, aud_severity_name((aud_severity)sev));
        rpt_int(c, row, 1, n);
    }
    rpt_chart_bar(c, 0, 1, 5);
    rpt_table *t = rpt_table_add(sec, "findings", "Findings", "severity:Severity:text", "id:Check:text",
                                 "file:File:text", "line:Line:int", "section:Section:text",
                                 "message:Finding:text", "fix:Fix:text", NULL);
    for (size_t i = 0; i < r->n; i++) {
        const aud_finding *x = &r->f[i];
        size_t row = rpt_row(t);
        rpt_text(t, row, 0, aud_severity_name(x->severity));
        rpt_text(t, row, 1, x->id);
        rpt_text(t, row, 2, x->file);
        if (x->line > 0)
            rpt_int(t, row, 3, x->line);
        rpt_text(t, row, 4, x->section);
        rpt_text(t, row, 5, x->message);
        rpt_text(t, row, 6, x->fix);
    }
    int rc = rpt_render(f, rep, fmt);
    rpt_free(rep);
    return rc;
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* Loads one file; prints file:line: message on failure. */
static int load(astconf *cf, const char *path)
{
    if (astconf_load(cf, path, NULL) == 0)
        return 0;
    if (cf->error.line > 0)
        fprintf(stderr, "sipsnare audit: %s:%d: %s\n", cf->error.file ? cf->error.file : path,
                cf->error.line, cf->error.msg);
    else
        fprintf(stderr, "sipsnare audit: %s: %s\n", cf->error.file ? cf->error.file : path, cf->error.msg);
    return -1;
}

/* --db: what attackers already did to the configuration's accounts. */
static int exposure(const char *db, const aud_input *in, aud_report *r)
{
    char err[512];
    struct stat st;
    int is_pg = strncmp(db, "postgresql://", 13) == 0 || strncmp(db, "postgres://", 11) == 0;
    const char *path = strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db;
    if (!is_pg && stat(path, &st) != 0) {
        fprintf(stderr, "sipsnare audit: --db %s: no such store\n", path);
        return -1;
    }
    store *s = store_open_reader(db, err, sizeof err);
    if (!s) {
        fprintf(stderr, "sipsnare audit: --db %s: %s\n", db, err);
        return -1;
    }
    int rc = audit_exposure(s, in, r, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "sipsnare audit: --db %s: %s\n", db, err);
    store_close(s);
    return rc;
}

int audit_main(int argc, char **argv)
{
    const char *sip = NULL, *pjsip = NULL, *ext = NULL, *dir = NULL, *pw = NULL, *db = NULL;
    int json = 0, fail_on = AUD_HIGH, report_fmt = -1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int has = i + 1 < argc;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--sip") == 0 && has) {
            sip = argv[++i];
        } else if (strcmp(a, "--pjsip") == 0 && has) {
            pjsip = argv[++i];
        } else if (strcmp(a, "--extensions") == 0 && has) {
            ext = argv[++i];
        } else if (strcmp(a, "--db") == 0 && has) {
            db = argv[++i];
        } else if (strcmp(a, "--passwords") == 0 && has) {
            pw = argv[++i];
        } else if (strcmp(a, "--format") == 0 && has) {
            const char *v = argv[++i];
            if (strcmp(v, "json") == 0) json = 1;
            else if (strcmp(v, "text") == 0) json = 0;
            else if (strcmp(v, "html") == 0 || strcmp(v, "md") == 0 || strcmp(v, "csv") == 0)
                report_fmt = rpt_format_from_name(v);
            else {
                fprintf(stderr, "sipsnare audit: unknown format '%s' (text, json, html, md, csv)\n", v);
                return 2;
            }
        } else if (strcmp(a, "--fail-on") == 0 && has) {
            const char *v = argv[++i];
            aud_severity s;
            if (strcmp(v, "none") == 0) fail_on = AUD_CRITICAL + 1;
            else if (aud_severity_parse(v, &s) == 0) fail_on = (int)s;
            else {
                fprintf(stderr, "sipsnare audit: unknown severity '%s' (info, low, medium, high, critical, none)\n", v);
                return 2;
            }
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "sipsnare audit: unknown or incomplete option '%s'\n", a);
            usage(stderr);
            return 2;
        } else if (!dir) {
            dir = a;
        } else {
            fprintf(stderr, "sipsnare audit: more than one DIR\n");
            return 2;
        }
    }
    char dsip[PATH_MAX], dpj[PATH_MAX], dext[PATH_MAX];
    if (dir) {
        struct stat st;
        if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
            fprintf(stderr, "sipsnare audit: %s: not a directory\n", dir);
            return 1;
        }
        snprintf(dsip, sizeof dsip, "%s/sip.conf", dir);
        snprintf(dpj, sizeof dpj, "%s/pjsip.conf", dir);
        snprintf(dext, sizeof dext, "%s/extensions.conf", dir);
        if (!sip && is_file(dsip)) sip = dsip;
        if (!pjsip && is_file(dpj)) pjsip = dpj;
        if (!ext && is_file(dext)) ext = dext;
        if (!sip && !pjsip && !ext) {
            fprintf(stderr, "sipsnare audit: %s: no sip.conf, pjsip.conf or extensions.conf\n", dir);
            return 1;
        }
    }
    if (!sip && !pjsip && !ext) {
        usage(stderr);
        return 2;
    }

    aud_dict dict;
    char err[256];
    if (aud_dict_load(&dict, pw, err, sizeof err) != 0) {
        fprintf(stderr, "sipsnare audit: %s\n", err);
        return 1;
    }
    astconf csip = {0}, cpj = {0}, cext = {0};
    int rc = 0;
    if (sip && load(&csip, sip) != 0) rc = 1;
    if (rc == 0 && pjsip && load(&cpj, pjsip) != 0) rc = 1;
    if (rc == 0 && ext && load(&cext, ext) != 0) rc = 1;
    if (rc == 0) {
        aud_input in = {sip ? &csip : NULL, pjsip ? &cpj : NULL, ext ? &cext : NULL, &dict};
        aud_report r = {0};
        if (audit_run(&in, &r) != 0) {
            fprintf(stderr, "sipsnare audit: out of memory\n");
            rc = 1;
        } else if (db && exposure(db, &in, &r) != 0) {
            rc = 1;
        } else {
            const char *files[3];
            size_t nf = 0;
            if (sip) files[nf++] = sip;
            if (pjsip) files[nf++] = pjsip;
            if (ext) files[nf++] = ext;
            if (report_fmt >= 0) {
                if (print_report(&r, files, nf, (rpt_format)report_fmt, stdout) != 0) rc = 1;
            } else if (json) {
                print_json(&r, files, nf, stdout);
            } else {
                print_text(&r, stdout);
            }
            if (rc == 0 && fflush(stdout) != 0) rc = 1;
            if (rc == 0 && aud_report_max(&r) >= fail_on) rc = 3;
        }
        aud_report_free(&r);
    }
    astconf_free(&csip);
    astconf_free(&cpj);
    astconf_free(&cext);
    aud_dict_free(&dict);
    return rc;
}
