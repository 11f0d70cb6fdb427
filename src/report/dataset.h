/*
 * dataset.h - one pass over the event store that every output command
 * (report, blocklist, graph) shares: requests are fed, in time order, to
 * the analysis (analyze/: unified calls, attack steps, agent classes) and
 * source addresses are enriched (enrich/ipinfo.h). What the commands print
 * is then read from the dataset.
 *
 * Memory: a dataset owns everything; pointers it returns live until
 * ds_free(). Per-source detail is bounded by the analysis' own limits
 * (steps.h, calls.h); counters here are per distinct value and bounded by
 * DS_MAX_AGENTS / DS_MAX_DAYS (beyond them counts go to "other").
 */
#ifndef SIPSNARE_REPORT_DATASET_H
#define SIPSNARE_REPORT_DATASET_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/agent.h"
#include "analyze/calls.h"
#include "analyze/steps.h"
#include "enrich/ipinfo.h"
#include "enrich/number.h"
#include "store/store.h"

#define DS_MAX_AGENTS 1000000
#define DS_MAX_DAYS 36600      /* a hundred years of days */

typedef struct {
    const char *db;            /* store target (store_open) */
    int64_t since_ms, until_ms;/* STORE_NULL: unbounded */
    const char *sensor;        /* NULL: all */
    const char *home;          /* honeypot country for dialed numbers (NULL: BR) */
    const char *categories;    /* number category file, or NULL */
    const char *agents;        /* agent signature file, or NULL for data/agents.tsv */
    const char *const *ipdbs;  /* extra IP sources (mmdb, rir, csv) consulted before the
                                  default snapshot; NULL-terminated, may be NULL */
    int no_default_ipdb;       /* 1: only the ipdbs given */
    int64_t call_window_ms;    /* 0: calls.h default */
    int progress;              /* 1: progress on stderr */
} ds_options;

typedef struct {
    char *ua;                  /* NULL: no header */
    ag_class cls;
    const char *tool;          /* from the signature db ("" none) */
    unsigned long requests;    /* all requests with it */
    unsigned long invites;     /* INVITEs with it */
    unsigned long sources;     /* distinct source IPs (counted up to 65535) */
    int64_t first_ms;
    char first_src[48];        /* the source of its first request */
} ds_agent;

typedef struct {
    char day[11];              /* YYYY-MM-DD (UTC) */
    unsigned long requests, registers, invites, options, other, sources;
} ds_day;

typedef struct {
    char *sensor;
    unsigned long requests, registers, invites, options, malformed, ratelimited, sources;
    int64_t first_ms, last_ms;
} ds_sensor;

/* A source address with its enrichment (one per distinct source IP). */
typedef struct {
    const step_source *steps;  /* the analysis' record (steps.h) */
    ipinfo info;               /* country, ASN */
} ds_source;

typedef struct {
    /* the study's Table 1 */
    unsigned long events, requests, registers, invites, options, other_methods;
    unsigned long malformed, responses, ratelimited;
    unsigned long unified_calls;
    unsigned long unique_ips, unique_asns, unique_countries, days, sensors;
    int64_t first_ms, last_ms;
} ds_summary;

typedef struct dataset dataset;

/* Reads the store and analyses it. NULL with a message in err. */
dataset *ds_load(const ds_options *o, char *err, size_t errlen);
void ds_free(dataset *d);

const ds_summary *ds_get_summary(const dataset *d);
/* By requests, most first. */
const ds_agent *ds_agents(const dataset *d, size_t *n);
/* By time. */
const ds_day *ds_days(const dataset *d, size_t *n);
const ds_sensor *ds_sensors(const dataset *d, size_t *n);
/* In order of first appearance (steps_sources order). */
const ds_source *ds_sources(const dataset *d, size_t *n);
const ds_source *ds_find_source(const dataset *d, const char *ip);
/* The analysis itself, for what the above does not cover. */
const calls_t *ds_calls(const dataset *d);
const steps_t *ds_steps(const dataset *d);
const ag_db *ds_agent_db(const dataset *d);
/* Random-agent examples (the study's Table 2): time, source, string. */
typedef struct {
    int64_t ms;
    char src[48];
    char *ua;
} ds_random_example;
const ds_random_example *ds_random_examples(const dataset *d, size_t *n);
/* The honeypot's (or PBX's) home country used for dialed numbers ("BR"). */
const char *ds_home(const dataset *d);
/* The store's description for report headers ("sqlite:x.db"). */
const char *ds_store_name(const dataset *d);
/* Which IP data answered (for the attribution line), NULL when none. */
const char *ds_ipdb_attribution(const dataset *d);

#endif
