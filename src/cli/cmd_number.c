/*
 * cmd_number.c - `sipsnare number`: what the analysis makes of dial strings.
 * One output line (or JSON object) per input, in input order: the input,
 * the canonical E.164 number, the prefix stripped, the destination country
 * (or label), the number type and the category.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "enrich/number.h"

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: sipsnare number [--json] [--home CC] [--categories FILE] [DIALSTRING...]\n"
        "\n"
        "Reads dial strings: the arguments, else one per line from stdin ('-'\n"
        "among the arguments reads stdin there). Prints for each, in input order:\n"
        "  input  e164  prefix  country  type  category\n"
        "separated by tabs, '-' for an empty field; with --json one object per line.\n"
        "\n"
        "  --home CC          the honeypot's country (ISO alpha-2), default %s:\n"
        "                     its national numbers and carrier codes are understood\n"
        "  --categories FILE  labels for numbers or prefixes (<number><TAB><label>,\n"
        "                     see data/number-categories.example.tsv)\n"
        "  --json             JSON lines: input, status, e164, prefix, reading,\n"
        "                     country, cc, type, category, alternatives\n"
        "Rules: docs/ANALYSIS.md (Dialed numbers). Exit 0, 1 on error, 2 on usage.\n",
        NUM_DEFAULT_HOME);
}

static const char *dash(const char *s)
{
    return (s && *s) ? s : "-";
}

static void print_one(num_ctx *ctx, const char *in, int json)
{
    num_result r;
    num_normalize(ctx, in, strlen(in), &r);
    int has_number = r.status == NUM_VALID || r.status == NUM_UNVERIFIED;
    const char *type = has_number ? pn_type_name(r.type) : "";
    if (!json) {
        printf("%s\t%s\t%s\t%s\t%s\t%s\n", in, dash(r.e164), dash(r.prefix),
               dash(r.dest.country), has_number ? type : num_status_name(r.status),
               dash(r.category));
        return;
    }
    fputs("{\"input\":", stdout);
    cli_json_string(stdout, in);
    printf(",\"status\":\"%s\"", num_status_name(r.status));
    if (has_number) {
        printf(",\"e164\":\"%s\",\"prefix\":", r.e164);
        cli_json_string(stdout, r.prefix);
        printf(",\"reading\":\"%s\"", r.reading);
        if (r.dest.country[0])
            printf(",\"country\":\"%s\",\"cc\":%u", r.dest.country, r.dest.cc);
        printf(",\"type\":\"%s\"", type);
        if (r.category) {
            fputs(",\"category\":", stdout);
            cli_json_string(stdout, r.category);
        }
        if (r.n_alt) {
            fputs(",\"alternatives\":[", stdout);
            for (int i = 0; i < r.n_alt; i++)
                printf("%s\"%s\"", i ? "," : "", r.alt[i]);
            putchar(']');
        }
    }
    fputs("}\n", stdout);
}

/* One dial string per line. */
static void read_stdin(num_ctx *ctx, int json)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
            line[--n] = '\0';
        print_one(ctx, line, json);
    }
    free(line);
}

int number_main(int argc, char **argv)
{
    int json = 0, i;
    const char *home = NULL, *cats = NULL;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--json") == 0) {
            json = 1;
        } else if (strcmp(a, "--home") == 0 && i + 1 < argc) {
            home = argv[++i];
        } else if (strcmp(a, "--categories") == 0 && i + 1 < argc) {
            cats = argv[++i];
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (strcmp(a, "--") == 0) {
            i++;
            break;
        } else if (a[0] == '-' && a[1] == '-') {
            fprintf(stderr, "sipsnare number: unknown option '%s'\n", a);
            usage(stderr);
            return 2;
        } else {
            break;
        }
    }
    num_ctx *ctx = num_ctx_new(home, 0);
    if (!ctx) {
        fprintf(stderr, "sipsnare number: unknown home country '%s'\n", home ? home : "");
        return 2;
    }
    if (cats) {
        char err[512];
        if (num_ctx_load_categories(ctx, cats, err, sizeof err) < 0) {
            fprintf(stderr, "sipsnare number: %s\n", err);
            num_ctx_free(ctx);
            return 1;
        }
    }
    if (i < argc) {
        for (; i < argc; i++) {
            if (strcmp(argv[i], "-") == 0)
                read_stdin(ctx, json);
            else
                print_one(ctx, argv[i], json);
        }
    } else {
        read_stdin(ctx, json);
    }
    num_ctx_free(ctx);
    return fflush(stdout) == 0 ? 0 : 1;
}
