/*
 * dsopts.h - the options shared by the commands that read the store through
 * a dataset (report, blocklist, graph): which store, which time range and
 * sensor, and the enrichment data. One table so that the three commands
 * take them the same way.
 *
 *   --db TARGET          SQLite file (default ./sipsnare.db) or postgresql:// URI
 *   --since T, --until T YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] (UTC) or Unix
 *                        seconds; since inclusive, until exclusive
 *   --sensor ID          one sensor's events
 *   --home CC            the honeypot's country for dialed numbers (default BR)
 *   --categories FILE    number category labels
 *   --agents FILE        user-agent signatures (default data/agents.tsv)
 *   --ipdb FILE          extra IP data (MMDB, RIR delegation file, CSV/TSV
 *                        ranges), consulted before the snapshot; repeatable
 *   --no-default-ipdb    only the --ipdb files
 *   --call-window SECS   unified-call window (default 3600)
 */
#ifndef SIPSNARE_CLI_DSOPTS_H
#define SIPSNARE_CLI_DSOPTS_H

#include <getopt.h>
#include <stdint.h>
#include <stdio.h>

#include "report/dataset.h"

#define CLI_DEFAULT_DB "sipsnare.db"
#define CLI_MAX_IPDB 8

enum {
    DSOPT_DB = 1000, DSOPT_SINCE, DSOPT_UNTIL, DSOPT_SENSOR, DSOPT_HOME, DSOPT_CATEGORIES,
    DSOPT_AGENTS, DSOPT_IPDB, DSOPT_NO_DEFAULT_IPDB, DSOPT_CALL_WINDOW
};

/* getopt_long entries; put DSOPT_LONG_OPTIONS first in a command's table. */
#define DSOPT_LONG_OPTIONS                                             \
    {"db", required_argument, NULL, DSOPT_DB},                         \
    {"since", required_argument, NULL, DSOPT_SINCE},                   \
    {"until", required_argument, NULL, DSOPT_UNTIL},                   \
    {"sensor", required_argument, NULL, DSOPT_SENSOR},                 \
    {"home", required_argument, NULL, DSOPT_HOME},                     \
    {"categories", required_argument, NULL, DSOPT_CATEGORIES},         \
    {"agents", required_argument, NULL, DSOPT_AGENTS},                 \
    {"ipdb", required_argument, NULL, DSOPT_IPDB},                     \
    {"no-default-ipdb", no_argument, NULL, DSOPT_NO_DEFAULT_IPDB},     \
    {"call-window", required_argument, NULL, DSOPT_CALL_WINDOW}

/* The help text of these options, for a command's usage. */
#define DSOPT_HELP                                                                        \
    "  --db TARGET          SQLite file (default ./" CLI_DEFAULT_DB ") or postgresql:// URI\n" \
    "  --since T            from T (YYYY-MM-DD, YYYY-MM-DDTHH:MM[:SS][Z] UTC, or Unix seconds)\n" \
    "  --until T            before T\n"                                                     \
    "  --sensor ID          only this sensor's events\n"                                    \
    "  --home CC            the honeypot's country for dialed numbers (default BR)\n"       \
    "  --categories FILE    number category labels (data/number-categories.example.tsv)\n"  \
    "  --agents FILE        user-agent signatures (default data/agents.tsv)\n"              \
    "  --ipdb FILE          extra IP data: MMDB, RIR delegation file, CSV/TSV ranges\n"      \
    "                       (repeatable; before the built-in snapshot)\n"                   \
    "  --no-default-ipdb    use only the --ipdb files\n"                                    \
    "  --call-window SECS   unified-call window (default 3600)\n"

typedef struct {
    ds_options o;
    const char *ipdbs[CLI_MAX_IPDB + 1];
    int n_ipdbs;
} dsopts;

void dsopts_init(dsopts *d);

/* Handles one getopt_long result. Returns 1 when it was one of these
 * options, 0 when not, -1 on a bad value (message on stderr, naming cmd). */
int dsopts_handle(dsopts *d, int c, const char *arg, const char *cmd);

/* Parses a time as above into Unix ms; 0, or -1 when it is none. */
int cli_parse_time(const char *s, int64_t *ms);

/* Opens the dataset with a message naming cmd on failure. */
dataset *dsopts_load(dsopts *d, const char *cmd);

#endif
