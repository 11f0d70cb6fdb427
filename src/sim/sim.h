/*
 * sim.h - `sipsnare simulate`: a deterministic workload generator modelled
 * on the CERT study (50 Asterisk honeypots, 358 days; docs/SIMULATE.md).
 *
 * The generator builds the request bytes attack tools and bots send
 * (SIPVicious svmap/svwar/svcrack, toll-fraud bots) and feeds them to the
 * real sensor core (sensor_handle_datagram) with a simulated clock and
 * simulated source addresses: one sensor and persona per simulated
 * honeypot, all writing one event log. Events are therefore exactly what a
 * sensor logs. Beside the log it writes the ground truth: the figures
 * `sipsnare report` must find in those events.
 *
 * Everything follows from the seed: the same options give the same bytes.
 *
 * Memory: sim_run owns everything it allocates and frees it before
 * returning; the helpers below work on caller buffers.
 */
#ifndef SIPSNARE_SIM_H
#define SIPSNARE_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/agent.h"
#include "enrich/number.h"

/* The study's figures (scale 1.0). */
#define SIM_STUDY_REGISTER 64249923.0
#define SIM_STUDY_INVITE 1007697.0
#define SIM_STUDY_UNIFIED 153773.0
#define SIM_STUDY_IPS 7752.0
#define SIM_STUDY_ASNS 858.0
#define SIM_MAX_SENSORS 250

/* A small, fast, deterministic generator (splitmix64). */
typedef struct {
    uint64_t s;
} sim_rng;

/* Stream `stream` of seed: independent sequences from one seed. */
void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream);
uint64_t sim_rng_next(sim_rng *r);
/* Uniform in [0, n); 0 when n is 0. */
uint64_t sim_rng_below(sim_rng *r, uint64_t n);
/* Uniform in [0, 1). */
double sim_rng_unit(sim_rng *r);

/* What the model makes of a scale (docs/SIMULATE.md, "The model"). */
typedef struct {
    uint64_t registers;     /* REGISTER budget (svwar + svcrack) */
    uint64_t calls;         /* unified calls */
    uint64_t ips;           /* source addresses */
    uint64_t callers;       /* of which place calls */
    uint64_t crackers;      /* of which crack a password first */
    unsigned countries;     /* source countries */
    unsigned asns;          /* source autonomous systems (as many as the IP data allows) */
} sim_sizes;

void sim_sizes_for(double scale, sim_sizes *z);

/* SIPVicious createTag(): hex of text + "\x01" + decimal rnd. Returns the
 * length written (out NUL-terminated), 0 when cap is too small. */
size_t sim_sv_tag(const char *text, uint32_t rnd, char *out, size_t cap);

/* "YYYY-MM-DD" -> ms since the epoch (UTC midnight); 0 or -1. */
int sim_parse_day(const char *s, int64_t *ms);

/* A fresh 20-character [A-Za-z0-9] user agent that the agent database
 * classifies as random (drawn again until it does). out: 21 bytes. */
void sim_random_agent(sim_rng *r, const ag_db *db, char *out);

/* The dial strings of one number (E.164 digits without '+') that all read
 * back as exactly that number with no other valid reading (home country of
 * nums): the study's prefixes 00, 011, 9011, 900, 0021, +, ... Returns how
 * many were written (at most max). */
#define SIM_DIAL_MAX 24
size_t sim_dial_variants(num_ctx *nums, const char *digits, char (*out)[SIM_DIAL_MAX], size_t max);

/* Whether host is a loopback address (127.0.0.0/8 or ::1). */
int sim_is_loopback(const char *host);

/* Receives each generated request when replaying (--send); returns 0, or
 * -1 to stop. */
typedef int (*sim_send_fn)(void *arg, const char *buf, size_t len);

typedef struct {
    double scale;           /* 1.0 = the study; default 0.001 */
    int days;               /* default 358 */
    int sensors;            /* default 50 */
    uint64_t seed;
    int64_t start_ms;       /* first day, UTC midnight */
    const char *out_path;   /* event log (JSON lines), truncated first */
    const char *truth_path; /* ground truth JSON, or NULL for none */
    const char *home;       /* honeypot country for dialed numbers (BR) */
    uint64_t limit;         /* stop after this many requests (0: all); no truth then */
    sim_send_fn send;       /* replay: also hand each request here (or NULL) */
    void *send_arg;
    int progress;           /* 1: progress lines on stderr */
} sim_options;

typedef struct {
    uint64_t requests, registers, invites, options, calls, ips, sensors;
    uint64_t auth_mismatch; /* persona outcomes that differed from the plan (0) */
} sim_stats;

/* Generates; 0, or -1 with a message in err. */
int sim_run(const sim_options *o, sim_stats *st, char *err, size_t errlen);

#endif
