/* main.c - dispatches `sipsnare <command>` through one table. */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/utf8.h"

#ifndef SIPSNARE_VERSION
#define SIPSNARE_VERSION "0.1.0"
#endif

static int version_main(int argc, char **argv);
static int help_main(int argc, char **argv);

static const struct {
    const char *name;
    int (*fn)(int, char **);
    const char *description;
} commands[] = {
    {"run", run_main, "run the honeypot sensor (UDP and TCP, IPv4 and IPv6)"},
    {"honeyd", honeyd_main, "answer as a Honeyd service script (stdin/stdout)"},
    {"ingest", ingest_main, "load sensor event logs (JSON lines, .gz, .zst) into the store"},
    {"ship", ship_main, "deliver a sensor's event log to the central store ([store])"},
    {"number", number_main, "normalise dial strings: E.164, prefix, country, type"},
    {"report", report_main, "the study's tables and figures from the store (text, csv, json, md, html)"},
    {"blocklist", blocklist_main, "source addresses and dialed numbers to block, in defenders' formats"},
    {"graph", graph_main, "source -> destination country graph (Graphviz DOT, SVG)"},
    {"simulate", simulate_main, "generate a year of honeynet traffic modelled on the study, with its ground truth"},
    {"audit", audit_main, "check an Asterisk configuration against the study's advice"},
    {"version", version_main, "print the version"},
    {"help", help_main, "show this list"},
};

static void usage(FILE *f)
{
    fprintf(f, "Usage: sipsnare <command> [options]\n\nCommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].description);
    fprintf(f, "\n`sipsnare <command> --help` describes a command's options.\n");
}

static int version_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    printf("sipsnare %s\n", SIPSNARE_VERSION);
    return 0;
}

static int help_main(int argc, char **argv)
{
    (void)argc; (void)argv;
    usage(stdout);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0) cmd = "help";
    if (strcmp(cmd, "--version") == 0) cmd = "version";
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(commands[i].name, cmd) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "sipsnare: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

void cli_json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    putc('"', f);
    for (size_t i = 0; i < n;) {
        size_t len = utf8_seq_len(p + i, n - i);
        if (len == 0) {
            fputs("\\uFFFD", f);
            i++;
        } else if (p[i] == '"' || p[i] == '\\') {
            fprintf(f, "\\%c", p[i]);
            i++;
        } else if (p[i] < 0x20 || p[i] == 0x7f) {
            fprintf(f, "\\u%04x", p[i]);
            i++;
        } else {
            fwrite(p + i, 1, len, f);
            i += len;
        }
    }
    putc('"', f);
}
