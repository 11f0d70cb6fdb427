/*
 * steps.h - attack steps per source (and per source and sensor), and the
 * rogue-server score. Rules (docs/ANALYSIS.md, "Attack steps"):
 *
 *   probe        a request without credentials: OPTIONS, REGISTER, or any
 *                other method, except INVITEs to external numbers; its
 *                probed user is the To user for REGISTER, else the R-URI
 *                user (else the To user)
 *   scanning     probes of a method whose probed users are fewer than
 *                enum_min_users distinct ones (svmap: OPTIONS sip:100@...)
 *   enumeration  probes of a method with at least enum_min_users distinct
 *                users (svwar: REGISTER 100, 101, 102, ...)
 *   brute force  at least brute_min_failures requests with credentials that
 *                failed (wrong password, unknown user, username mismatch,
 *                malformed, stale); per extension: attempts and outcomes
 *   abuse        INVITEs to external numbers (dial_external, or a dialed
 *                string that reads as a public number): messages, unified
 *                calls, destination countries
 * Each step records when it began (its first request) and how many
 * requests it had.
 *
 * Rogue-server score (0-100) of a source: 50 x countries + 30 x calls + 20 x
 * agent, each part in [0,1]: countries = log2(1+c)/log2(65) (64 or more
 * destination countries: 1), calls = log10(1+u)/4 (10,000 unified calls:
 * 1), agent = 1 when at least 90% of its INVITEs carry one fixed agent of
 * class server, sdk, softphone, phone or other, 0.5 when they carry none,
 * else 0. Flagged rogue when score >= 60 and at least 10 countries.
 *
 * Memory: a steps_t owns every string and table; what steps_sources()
 * returns stays valid until steps_free(). Per source at most
 * STEP_MAX_USERS distinct probed users, STEP_MAX_EXT extensions,
 * STEP_MAX_COUNTRIES countries and STEP_TOP_AGENTS agent strings are kept;
 * beyond that counts go on ("more_*") without the detail.
 */
#ifndef SIPSNARE_STEPS_H
#define SIPSNARE_STEPS_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/agent.h"
#include "analyze/calls.h"
#include "analyze/model.h"

/* Distinct probed users remembered per method and record: enough to decide
 * enumeration (enum_min_users, default 10; reaching the cap counts as
 * enumeration too). Kept small because a honeynet has records for every
 * source and sensor pair: at 4096 a year of svwar floods took gigabytes. */
#define STEP_MAX_USERS 64
#define STEP_MAX_EXT 32
#define STEP_MAX_COUNTRIES 256
#define STEP_TOP_AGENTS 4

typedef enum { STEP_SCANNING = 0, STEP_ENUMERATION, STEP_BRUTEFORCE, STEP_ABUSE, STEP_COUNT } step_kind;
const char *step_name(step_kind k);

typedef struct {
    unsigned enum_min_users;       /* 0: 10 */
    unsigned brute_min_failures;   /* 0: 3 */
    size_t max_sources;            /* 0: 1M (sources and source+sensor pairs each) */
} steps_config;

typedef struct {
    int present;
    int64_t began_ms;
    unsigned long requests;
} step_info;

typedef struct {
    char ext[64];
    unsigned long attempts, ok, wrong_password, unknown_user, other;
} step_ext;

enum { PM_OPTIONS = 0, PM_REGISTER, PM_INVITE, PM_OTHER, PM_COUNT };

typedef struct {
    char *ua;                      /* NULL: no User-Agent header */
    unsigned long count;
} step_agent;

typedef struct {
    char *src_ip;
    an_ip src;
    char *sensor;                  /* NULL in the per-source table */
    int64_t first_ms, last_ms;
    unsigned long requests, by_method[PM_COUNT];
    step_info step[STEP_COUNT];

    /* probes per method class */
    unsigned long probes[PM_COUNT];
    int64_t probe_first_ms[PM_COUNT];
    unsigned long probe_users[PM_COUNT];   /* distinct, counted up to STEP_MAX_USERS */
    int probe_users_capped[PM_COUNT];

    /* brute force */
    step_ext *exts;                /* STEP_MAX_EXT slots, allocated at the first credentials */
    unsigned n_exts;
    unsigned long more_ext_attempts;
    unsigned long auth_failures, auth_ok;

    /* abuse */
    unsigned long invites_external, unified_calls;
    char (*countries)[16];         /* distinct destination countries */
    unsigned n_countries;
    unsigned long more_countries;

    /* agents */
    unsigned long agent_class[AG_CLASS_COUNT];   /* all requests */
    step_agent invite_agents[STEP_TOP_AGENTS];   /* the first distinct agents of its INVITEs */
    unsigned n_invite_agents;
    unsigned long invite_agents_other;
    ag_class dominant_class;       /* of its most frequent INVITE agent (after steps_finish) */
    double dominant_share;

    int rogue_score;               /* 0-100 (after steps_finish) */
    int rogue;                     /* flagged */
    int sipvicious;                /* requests with SIPVicious evidence (2+ bits or a tag) */
} step_source;

typedef struct steps steps_t;

/* agents: signature database for the agent classes (borrowed; may be NULL). */
steps_t *steps_new(const ag_db *agents, const steps_config *cfg);
void steps_free(steps_t *s);

/* Takes one request; call: what calls_add() attached it to (NULL if none). */
void steps_add(steps_t *s, const an_event *ev, const call_t *call);

/* Decides the steps and scores; call after the last steps_add(). */
void steps_finish(steps_t *s);

/* Per source, in order of first appearance; per source and sensor. */
const step_source *steps_sources(const steps_t *s, size_t *n);
const step_source *steps_source_sensors(const steps_t *s, size_t *n);

/* The source (sensor NULL) or source+sensor record, or NULL. */
const step_source *steps_find(const steps_t *s, const char *src_ip, const char *sensor);

/* Steps present as "scanning,enumeration,..." into buf. */
size_t steps_describe(const step_source *src, char *buf, size_t len);

#endif
