/*
 * cli.h - the sipsnare command: one table of subcommands (cli/main.c), one
 * <name>_main(argc, argv) per file. Data goes to stdout, diagnostics to
 * stderr; exit codes: 0 success, 1 failure, 2 usage error (and for `audit`,
 * 3: findings at or above --fail-on).
 */
#ifndef SIPSNARE_CLI_H
#define SIPSNARE_CLI_H

int run_main(int argc, char **argv);
int honeyd_main(int argc, char **argv);
int ingest_main(int argc, char **argv);
int number_main(int argc, char **argv);
int ship_main(int argc, char **argv);
int report_main(int argc, char **argv);
int blocklist_main(int argc, char **argv);
int graph_main(int argc, char **argv);
int audit_main(int argc, char **argv);
int simulate_main(int argc, char **argv);

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* What `sipsnare ingest` does with its files, for `report --ingest` too. */
typedef struct {
    const char *db;              /* store target */
    const char *sensor;          /* --sensor (NULL: from each file's name) */
    int year;                    /* --year (0: this year) */
    bool keep_raw;               /* not --no-raw */
    unsigned long max_errors;    /* bad lines and packets printed */
    bool defer_indexes;          /* store_defer_indexes: the caller builds them */
} cli_ingest_opts;

/* Loads files into o->db, each told by its first bytes; bad lines and a
 * progress bar on stderr, one line per capture or Asterisk file and the
 * summary line on out. 0: loaded (bad lines are counted), 1: a file could
 * not be read or the store failed. */
int cli_ingest(const cli_ingest_opts *o, const char *const *files, size_t nfiles, FILE *out);

/* Writes s as a JSON string: quotes, backslashes and control characters
 * escaped, invalid UTF-8 replaced by U+FFFD (the strings come from
 * configuration files and attackers). */
void cli_json_string(FILE *f, const char *s);

#endif
