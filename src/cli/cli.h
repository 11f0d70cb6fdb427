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

#include <stdio.h>

/* Writes s as a JSON string: quotes, backslashes and control characters
 * escaped, invalid UTF-8 replaced by U+FFFD (the strings come from
 * configuration files and attackers). */
void cli_json_string(FILE *f, const char *s);

#endif
