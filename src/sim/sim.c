/*
 * sim.c - the workload generator of `sipsnare simulate` (sim.h). The model
 * and the truth file are described in docs/SIMULATE.md.
 *
 * Shape of a run:
 *   1. sources: addresses in the IP snapshot's ranges of the intended
 *      countries, spread over as many autonomous systems per source as the
 *      study had (ipdb_country_ranges4), each with a role (scanner,
 *      enumerator, brute forcer, cracker, caller, rogue server);
 *   2. numbers: valid numbers of many countries made from libphonenumber's
 *      examples, each with the dial strings (prefix variants) that read back
 *      as exactly that number;
 *   3. sessions: one svmap sweep, one svwar range, one svcrack run or one
 *      call (the variants of one number) each, placed in time;
 *   4. a heap runs the sessions in time order, each emitting one request at
 *      a time into the sensor of its honeypot; the truth is counted from
 *      what is emitted.
 */
#include "sim/sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analyze/strmap.h"
#include "enrich/ipinfo.h"
#include "enrich/phonenumber_adapter.h"
#include "persona/persona.h"
#include "sensor/eventlog.h"
#include "sensor/sensor.h"
#include "sip/digest_auth.h"
#include "sip/sip.h"

/* ---- random numbers ---- */

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void sim_rng_seed(sim_rng *r, uint64_t seed, uint64_t stream)
{
    r->s = mix64(seed ^ mix64(stream + 0x632be59bd9b4e019ull));
}

uint64_t sim_rng_next(sim_rng *r)
{
    r->s += 0x9e3779b97f4a7c15ull;
    return mix64(r->s);
}

uint64_t sim_rng_below(sim_rng *r, uint64_t n)
{
    return n ? sim_rng_next(r) % n : 0;
}

double sim_rng_unit(sim_rng *r)
{
    return (double)(sim_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* in [lo, hi] */
static int64_t rnd_range(sim_rng *r, int64_t lo, int64_t hi)
{
    return hi <= lo ? lo : lo + (int64_t)sim_rng_below(r, (uint64_t)(hi - lo + 1));
}

/* ---- small helpers with their own tests ---- */

void sim_sizes_for(double scale, sim_sizes *z)
{
    memset(z, 0, sizeof *z);
    z->registers = (uint64_t)llround(SIM_STUDY_REGISTER * scale);
    z->calls = (uint64_t)llround(SIM_STUDY_UNIFIED * scale);
    if (z->calls < 40)
        z->calls = 40;
    /* Distinct things grow slower than volume: sources with the square root. */
    double ips = SIM_STUDY_IPS * sqrt(scale);
    z->ips = ips < 120 ? 120 : (uint64_t)llround(ips);
    z->callers = (uint64_t)llround((double)z->ips * 0.06);
    if (z->callers < 40)
        z->callers = 40;   /* the top ten make 44%: the rest needs 30 others */
    z->crackers = z->callers / 20 < 2 ? 2 : z->callers / 20;
    z->countries = z->ips / 3 < 83 ? (unsigned)(z->ips / 3) : 83;
    /* as many per source as in the study, each country at least one */
    z->asns = (unsigned)llround((double)z->ips * SIM_STUDY_ASNS / SIM_STUDY_IPS);
    if (z->asns < z->countries)
        z->asns = z->countries;
}

size_t sim_sv_tag(const char *text, uint32_t rnd, char *out, size_t cap)
{
    char raw[160];
    int n = snprintf(raw, sizeof raw, "%s\x01%u", text, rnd);
    if (n < 0 || (size_t)n >= sizeof raw || (size_t)n * 2 + 1 > cap)
        return 0;
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < n; i++) {
        out[2 * i] = hex[(unsigned char)raw[i] >> 4];
        out[2 * i + 1] = hex[(unsigned char)raw[i] & 15];
    }
    out[2 * n] = '\0';
    return (size_t)n * 2;
}

static int64_t days_from_civil(int y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + (int64_t)doe - 719468;
}

int sim_parse_day(const char *s, int64_t *ms)
{
    int y, m, d;
    char tail;
    if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3 ||
        s[4] != '-' || s[7] != '-' || y < 1970 || y > 9999 || m < 1 || m > 12 || d < 1 || d > 31)
        return -1;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] || (m == 2 && d == 29 && !leap))
        return -1;
    *ms = days_from_civil(y, (unsigned)m, (unsigned)d) * 86400000LL;
    return 0;
}

void sim_random_agent(sim_rng *r, const ag_db *db, char *out)
{
    static const char set[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    for (;;) {
        for (int i = 0; i < 20; i++)
            out[i] = set[sim_rng_below(r, 62)];
        out[20] = '\0';
        if (ag_classify(db, out, NULL) == AG_RANDOM)
            return;
    }
}

/* The study's Figure 2: one number dialed with many prefixes. */
static const char *const DIAL_PREFIXES[] = {
    "00", "011", "9011", "900", "0021", "+", "9", "000", "0015", "90021", "0014", "9000", "",
    "0012", "99011", "0031",
};

size_t sim_dial_variants(num_ctx *nums, const char *digits, char (*out)[SIM_DIAL_MAX], size_t max)
{
    char want[NUM_MAX_E164 + 2];
    snprintf(want, sizeof want, "+%s", digits);
    size_t n = 0;
    for (size_t i = 0; i < sizeof DIAL_PREFIXES / sizeof DIAL_PREFIXES[0] && n < max; i++) {
        char dial[SIM_DIAL_MAX];
        int len = snprintf(dial, sizeof dial, "%s%s", DIAL_PREFIXES[i], digits);
        if (len < 0 || (size_t)len >= sizeof dial)
            continue;
        num_result r;
        if (num_normalize(nums, dial, (size_t)len, &r) != NUM_VALID || strcmp(r.e164, want) != 0 ||
            r.n_alt != 0)
            continue;
        memcpy(out[n++], dial, (size_t)len + 1);
    }
    return n;
}

int sim_is_loopback(const char *host)
{
    struct in_addr a4;
    struct in6_addr a6;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, host, &a6) == 1)
        return memcmp(&a6, &in6addr_loopback, sizeof a6) == 0;
    return 0;
}

/* ---- the model's tables ---- */

/* Source countries, most active first (the study: US and CN on top). */
static const char *const COUNTRIES[] = {
    "US", "CN", "DE", "FR", "GB", "NL", "RU", "PS", "EG", "IT", "ES", "RO", "UA", "PL", "TR",
    "BR", "IN", "KR", "JP", "VN", "TW", "HK", "SG", "ID", "TH", "MY", "PH", "PK", "IR", "SA",
    "AE", "IL", "JO", "LB", "IQ", "KW", "QA", "MA", "DZ", "TN", "NG", "ZA", "KE", "CA", "MX",
    "AR", "CL", "CO", "PE", "VE", "EC", "BO", "SE", "NO", "DK", "FI", "IS", "IE", "BE", "LU",
    "CH", "AT", "CZ", "SK", "HU", "BG", "GR", "RS", "HR", "SI", "BA", "LT", "LV", "EE", "BY",
    "MD", "GE", "AM", "AZ", "KZ", "UZ", "BD", "LK", "NP", "AU", "NZ", "CY", "MT", "AL", "MK",
};
#define N_COUNTRIES (sizeof COUNTRIES / sizeof COUNTRIES[0])

/* The ten busiest callers: country and share of all unified calls (44%
 * together, the study's Table 3); the rogue server is the eighth. */
static const struct {
    const char *cc;
    double share;
} TOP_CALLERS[10] = {
    {"US", 0.090}, {"CN", 0.070}, {"PS", 0.055}, {"US", 0.045}, {"DE", 0.040},
    {"GB", 0.035}, {"CN", 0.030}, {"NL", 0.0194}, {"EG", 0.028}, {"FR", 0.0276},
};
#define ROGUE_RANK 7

/* Destination countries callers favour (weights); others weigh 1. */
static const struct {
    const char *cc;
    unsigned w;
} DEST_FAVOURITES[] = {
    {"IL", 14}, {"GB", 10}, {"PS", 6}, {"SO", 5}, {"LV", 4}, {"LT", 4}, {"CU", 4},
    {"US", 4}, {"DE", 3}, {"FR", 3}, {"EE", 3}, {"SN", 3}, {"ZW", 2}, {"SL", 2},
};
#define N_DEST_FAVOURITES (sizeof DEST_FAVOURITES / sizeof DEST_FAVOURITES[0])

/* Agent styles of callers and their target share of INVITEs (the study:
 * 61.23% none, random strings second, VaxSIPUserAgent third, then servers
 * and softphones). */
enum { AS_NONE, AS_RANDOM, AS_SDK, AS_SERVER, AS_SOFTPHONE, AS_COUNT };
static const double AS_SHARE[AS_COUNT] = {0.6123, 0.20, 0.08, 0.06, 0.0477};
static const char *const AS_FIXED[AS_COUNT][2] = {
    {NULL, NULL},
    {NULL, NULL},
    {"VaxSIPUserAgent/3.1", "VaxSIPUserAgent/3.1"},
    {"Asterisk PBX 1.6.2.9", "FPBX-2.8.1(1.8.7.0)"},
    {"X-Lite release 1006e stamp 34025", "Zoiper rev.11137"},
};
static const char *const ROGUE_AGENT = "Asterisk PBX 1.8.32.3";
static const char *const SCANNER_AGENT = "friendly-scanner";

static const char *const PERSONA_VERSIONS[] = {"16.30.1", "11.25.3", "13.38.3", "1.8.32.3"};
static const char *const WEAK_SECRETS[] = {"1234", "12345", "123456", "password", "0000", "1111", "100"};

enum { K_SCAN, K_ENUM, K_BRUTE, K_CRACK, K_CALL, K_ROGUE };
enum { S_SCAN, S_ENUM, S_BRUTE, S_CALL };

#define N_EXT 20            /* extensions per honeypot: 100..119 */
#define HOT_NUMBERS 10
#define MAX_VARIANTS 16
#define HOUR_MS 3600000LL
#define CALL_GAP_MS (2 * HOUR_MS)  /* > the report's 1 h call window */

typedef struct {
    char e164[NUM_MAX_E164 + 2];
    char digits[NUM_MAX_E164 + 2];
    char dest[16];
    char var[MAX_VARIANTS][SIM_DIAL_MAX];
    unsigned nvar;
    /* truth */
    uint64_t attempts, unified;
    uint32_t *srcs;                 /* distinct sources that called it */
    size_t nsrcs, capsrcs;
} number;

typedef struct {
    char ip[16];
    an_ip bin;
    char cc[3];
    uint32_t asn;
    int kind;
    int style;                      /* AS_* for callers */
    const char *ua;                 /* fixed agent, or NULL */
    ag_class cls;                   /* class of the INVITEs' agent */
    uint16_t port;                  /* bot source port */
    int64_t t0;                     /* first activity */
    int crack_sensor, crack_ext;
    uint64_t plan_calls;
    size_t *nums;                   /* numbers this caller dials */
    size_t nnums, capnums;
    char dcc[4][16];                /* destination countries (callers) */
    unsigned ndcc;
    /* truth */
    uint64_t requests, invites, calls, auth_fail, auth_ok;
    uint64_t by_method[4];
    char probe_users[4][10][24];    /* distinct probed users per method, 10 kept */
    unsigned nprobe[4];
    uint64_t probes[4];
    char (*dest_seen)[16];          /* distinct destination countries called */
    size_t ndest, capdest;
} source;

typedef struct {
    int64_t t;                      /* time of the next request */
    uint32_t src, id;
    uint16_t sensor;
    uint8_t kind, phase;
    uint32_t i, n;                  /* progress, total */
    uint32_t a;                     /* svwar: first extension; svcrack: extension; call: number */
    uint32_t b;                     /* svcrack: 1 = the last guess is the right password */
    uint32_t cseq;
    char cid[40];                   /* Call-ID kept across a challenge */
    char nonce[24];
    char tag[24];
    char dial[SIM_DIAL_MAX];
    char ua[24];                    /* the random agent of this attempt */
} session;

typedef struct {
    char id[16];
    char dst[20];
    persona *p;
    persona_extension ext[N_EXT];
    sensor s;
    uint64_t requests, registers, invites, options;
} honeypot;

typedef struct {
    const sim_options *o;
    sim_rng rng;
    ipdb *ip;
    num_ctx *nums;
    ag_db *agents;
    eventlog log;
    int log_open;
    honeypot *hp;
    int nhp;
    source *src;
    size_t nsrc;
    number *num;
    size_t nnum, capnum;
    session *ses;
    size_t nses, capses;
    uint32_t *heap;
    size_t nheap;
    int64_t end_ms;
    sip_msg *msg;
    persona_result res;
    sim_stats st;
    /* destination regions, from libphonenumber's examples */
    struct region {
        char code[4];
        char example[NUM_MAX_E164 + 2];
        int prio;
    } *regions;
    size_t nregions, capregions;
    size_t hot[HOT_NUMBERS];
    size_t nhot;
    /* truth aggregates */
    strmap pair_idx, ccnum_idx;
    struct pair {
        char src[3], dst[16];
        uint64_t calls, invites;
    } *pairs;
    size_t npairs, cappairs;
    uint64_t cls_req[AG_CLASS_COUNT], cls_inv[AG_CLASS_COUNT];
    unsigned char *day_seen;
    uint64_t emitted;
    int stop;
    char *err;
    size_t errlen;
} sim;

static void *grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return p;
    size_t nc = *cap ? *cap * 2 : 64;
    while (nc < need)
        nc *= 2;
    void *np = realloc(p, nc * size);
    if (np)
        *cap = nc;
    return np;
}

/* ---- sources ---- */

static int ip_taken(strmap *seen, const char *ip)
{
    int added = 0;
    strmap_put(seen, ip, 0, &added);
    return !added;
}

/* The networks of one source country: its IPv4 ranges by AS, and the
 * ASes the run draws its sources from, busiest first. */
typedef struct {
    uint32_t start, end, asn;
} net_span;

typedef struct {
    uint32_t asn;
    uint64_t size;                  /* addresses */
    size_t first, n;                /* its spans */
    uint32_t last;                  /* the last address given out, 0 none */
} as_pool;

typedef struct {
    net_span *spans;
    size_t nspans, capspans;
    as_pool *as;                    /* every AS of the country, then the chosen */
    size_t nas, nchosen;
    size_t nsrc;                    /* sources of the country */
    size_t placed;                  /* of which have an address */
    int failed;
} country_nets;

static void on_range(void *arg, uint32_t start, uint32_t end, uint32_t asn)
{
    country_nets *c = arg;
    if (!asn || c->failed)
        return;
    net_span *ns = grow(c->spans, &c->capspans, c->nspans + 1, sizeof *ns);
    if (!ns) {
        c->failed = 1;
        return;
    }
    c->spans = ns;
    c->spans[c->nspans++] = (net_span){start, end, asn};
}

static int span_cmp(const void *x, const void *y)
{
    const net_span *a = x, *b = y;
    if (a->asn != b->asn)
        return a->asn < b->asn ? -1 : 1;
    return a->start < b->start ? -1 : a->start > b->start;
}

/* Loads the ranges of cc and groups them by AS. */
static int load_country_nets(sim *m, const char *cc, country_nets *c)
{
    if (ipdb_country_ranges4(m->ip, cc, on_range, c) < 0 || c->failed)
        return -1;
    qsort(c->spans, c->nspans, sizeof *c->spans, span_cmp);
    size_t cap = 0;
    for (size_t i = 0; i < c->nspans; i++) {
        const net_span *sp = &c->spans[i];
        if (c->nas == 0 || c->as[c->nas - 1].asn != sp->asn) {
            as_pool *na = grow(c->as, &cap, c->nas + 1, sizeof *na);
            if (!na)
                return -1;
            c->as = na;
            c->as[c->nas++] = (as_pool){.asn = sp->asn, .first = i};
        }
        as_pool *p = &c->as[c->nas - 1];
        p->size += (uint64_t)(sp->end - sp->start) + 1;
        p->n++;
    }
    return 0;
}

static void free_nets(country_nets *nets)
{
    for (size_t i = 0; i < N_COUNTRIES; i++) {
        free(nets[i].spans);
        free(nets[i].as);
    }
    free(nets);
}

typedef struct {
    double key;
    as_pool as;
} keyed_as;

static int keyed_desc(const void *x, const void *y)
{
    const keyed_as *a = x, *b = y;
    return a->key > b->key ? -1 : a->key < b->key;
}

static int size_desc(const void *x, const void *y)
{
    const as_pool *a = x, *b = y;
    return a->size > b->size ? -1 : a->size < b->size;
}

/* Keeps q of the country's ASes not taken by another country (an operator
 * present in several counts once), drawn without replacement with weight
 * sqrt(size) (big operators likelier, small ones still present: keys
 * log(u)/w, Efraimidis-Spirakis), ordered busiest first. */
static int choose_ases(sim *m, country_nets *c, size_t q, strmap *taken)
{
    keyed_as *k = malloc((c->nas ? c->nas : 1) * sizeof *k);
    if (!k)
        return -1;
    for (size_t i = 0; i < c->nas; i++) {
        double u = sim_rng_unit(&m->rng);
        k[i].key = log(u > 0 ? u : 1e-300) / sqrt((double)c->as[i].size);
        k[i].as = c->as[i];
    }
    qsort(k, c->nas, sizeof *k, keyed_desc);
    c->nchosen = 0;
    for (size_t i = 0; i < c->nas && c->nchosen < q; i++) {
        char key[12];
        snprintf(key, sizeof key, "%u", k[i].as.asn);
        int added = 0;
        strmap_put(taken, key, 0, &added);
        if (added)
            c->as[c->nchosen++] = k[i].as;
    }
    if (c->nchosen == 0 && c->nas > 0 && q > 0)
        c->as[c->nchosen++] = k[0].as;   /* all its ASes are elsewhere: share one */
    qsort(c->as, c->nchosen, sizeof *c->as, size_desc);
    free(k);
    return 0;
}

/* A new address of AS p in country cc: near the last one given out
 * (addresses of one operator cluster), or anywhere in its ranges. Checked
 * with the lookup the analysis makes, so enrichment yields cc and p->asn. */
static int address_in(sim *m, const country_nets *c, as_pool *p, const char *cc, strmap *seen,
                      source *s)
{
    for (int attempt = 0; attempt < 200; attempt++) {
        uint32_t v;
        if (p->last && sim_rng_unit(&m->rng) < 0.6) {
            v = p->last + (uint32_t)rnd_range(&m->rng, 1, 250);
        } else {
            uint64_t off = sim_rng_below(&m->rng, p->size);
            const net_span *sp = &c->spans[p->first];
            for (size_t i = 0; i < p->n; i++, sp++) {
                uint64_t size = (uint64_t)(sp->end - sp->start) + 1;
                if (off < size)
                    break;
                off -= size;
            }
            v = sp->start + (uint32_t)off;
        }
        if ((v & 0xff) == 0 || (v & 0xff) == 0xff)
            continue;
        an_ip a = an_ip_v4(v);
        ipinfo info;
        if (ipdb_lookup(m->ip, &a, &info) != 0 || strcmp(info.country, cc) != 0 ||
            info.asn != p->asn)
            continue;
        char text[16];
        snprintf(text, sizeof text, "%u.%u.%u.%u", a.bytes[0], a.bytes[1], a.bytes[2], a.bytes[3]);
        if (ip_taken(seen, text))
            continue;
        p->last = v;
        memcpy(s->ip, text, sizeof text);
        s->bin = a;
        memcpy(s->cc, cc, 3);
        s->asn = info.asn;
        return 0;
    }
    return -1;
}

/* Rank in [0, n) with weight 1/(rank + 1). */
static size_t zipf_below(sim_rng *r, size_t n)
{
    double tot = 0;
    for (size_t k = 0; k < n; k++)
        tot += 1.0 / (double)(k + 1);
    double u = sim_rng_unit(r) * tot;
    for (size_t k = 0; k < n; k++) {
        u -= 1.0 / (double)(k + 1);
        if (u < 0)
            return k;
    }
    return n - 1;
}

/* ASes per country: one each at least, the rest by D'Hondt on the
 * sources each country has, never more than its sources or its ASes. */
static void share_ases(country_nets *nets, const unsigned *use, unsigned nuse, size_t total,
                       size_t *q)
{
    size_t given = 0;
    for (unsigned u = 0; u < nuse; u++) {
        q[u] = nets[use[u]].nsrc && nets[use[u]].nas ? 1 : 0;
        given += q[u];
    }
    while (given < total) {
        unsigned best = nuse;
        double best_v = 0;
        for (unsigned u = 0; u < nuse; u++) {
            const country_nets *c = &nets[use[u]];
            if (q[u] >= c->nsrc || q[u] >= c->nas)
                continue;
            double v = (double)c->nsrc / (double)(q[u] + 1);
            if (v > best_v) {
                best_v = v;
                best = u;
            }
        }
        if (best == nuse)
            break;
        q[best]++;
        given++;
    }
}

static int make_sources(sim *m, const sim_sizes *z)
{
    m->nsrc = z->ips;
    m->src = calloc(m->nsrc, sizeof *m->src);
    country_nets *nets = calloc(N_COUNTRIES, sizeof *nets);
    const char **cc = calloc(m->nsrc, sizeof *cc);
    if (!m->src || !nets || !cc) {
        free(nets);
        free(cc);
        return -1;
    }
    /* The countries in use: the first z->countries whose networks (with
     * their ASes) the IP data has. */
    const char *use[N_COUNTRIES];
    unsigned nuse = 0, use_idx[N_COUNTRIES];
    for (unsigned i = 0; i < N_COUNTRIES && nuse < z->countries; i++) {
        if (load_country_nets(m, COUNTRIES[i], &nets[i]) != 0) {
            snprintf(m->err, m->errlen, "cannot load the networks of %s", COUNTRIES[i]);
            free_nets(nets);
            free(cc);
            return -1;
        }
        if (nets[i].nas > 0) {
            use_idx[nuse] = i;
            use[nuse++] = COUNTRIES[i];
        }
    }
    if (nuse < 2) {
        snprintf(m->err, m->errlen, "the IP data knows too few of the model's countries");
        free_nets(nets);
        free(cc);
        return -1;
    }
    /* Roles: callers first (the top ten, then the rest), crackers among
     * them, then brute forcers, enumerators and scanners. */
    size_t nc = z->callers, nk = z->crackers;
    size_t nb = (size_t)llround((double)m->nsrc * 0.12), ne = (size_t)llround((double)m->nsrc * 0.25);
    double zipf_total = 0;
    for (unsigned i = 0; i < nuse; i++)
        zipf_total += 1.0 / pow(i + 1.0, 0.9);
    for (size_t i = 0; i < m->nsrc; i++) {
        source *s = &m->src[i];
        if (i < nc) {
            s->kind = i == ROGUE_RANK ? K_ROGUE : (i >= nc - nk ? K_CRACK : K_CALL);
            if (i < 10) {
                cc[i] = TOP_CALLERS[i].cc;
            } else {
                /* other callers: the twenty busiest countries, Zipf */
                double u = sim_rng_unit(&m->rng), tot = 0, acc = 0;
                unsigned lim = nuse < 20 ? nuse : 20;
                for (unsigned k = 0; k < lim; k++)
                    tot += 1.0 / (k + 1.0);
                cc[i] = use[lim - 1];
                for (unsigned k = 0; k < lim; k++) {
                    acc += 1.0 / (k + 1.0) / tot;
                    if (u < acc) {
                        cc[i] = use[k];
                        break;
                    }
                }
            }
        } else {
            size_t j = i - nc;
            s->kind = j < nb ? K_BRUTE : j < nb + ne ? K_ENUM : K_SCAN;
            if (j < nuse) {
                cc[i] = use[j];      /* every country has at least one source */
            } else {
                double u = sim_rng_unit(&m->rng) * zipf_total, acc = 0;
                cc[i] = use[nuse - 1];
                for (unsigned k = 0; k < nuse; k++) {
                    acc += 1.0 / pow(k + 1.0, 0.9);
                    if (u < acc) {
                        cc[i] = use[k];
                        break;
                    }
                }
            }
        }
    }
    /* Networks: the country of each source, its ASes, and how many of them
     * the run uses (z->asns in all), then an address in one of them. */
    unsigned *ci = calloc(m->nsrc, sizeof *ci);
    size_t q[N_COUNTRIES];
    int rc = ci ? 0 : -1;
    for (size_t i = 0; i < m->nsrc && rc == 0; i++) {
        ci[i] = 0;
        while (ci[i] < N_COUNTRIES && strcmp(COUNTRIES[ci[i]], cc[i]) != 0)
            ci[i]++;
        nets[ci[i]].nsrc++;
    }
    strmap taken;
    strmap_init(&taken, 0);
    if (rc == 0) {
        share_ases(nets, use_idx, nuse, z->asns, q);
        for (unsigned u = 0; u < nuse && rc == 0; u++)
            if (choose_ases(m, &nets[use_idx[u]], q[u], &taken) != 0)
                rc = -1;
    }
    strmap_free(&taken);
    strmap seen;
    strmap_init(&seen, 0);
    for (size_t i = 0; i < m->nsrc && rc == 0; i++) {
        country_nets *c = &nets[ci[i]];
        /* the country's first sources take one AS each, so that all are
         * used; the rest crowd into the busiest (Zipf) */
        size_t k = c->placed < c->nchosen ? c->placed : zipf_below(&m->rng, c->nchosen);
        c->placed++;
        int found = -1;
        for (size_t t = 0; t < c->nchosen && found != 0; t++)
            found = address_in(m, c, &c->as[(k + t) % c->nchosen], cc[i], &seen, &m->src[i]);
        if (found != 0) {
            snprintf(m->err, m->errlen, "no usable address for country %s in the IP data", cc[i]);
            rc = -1;
        }
        m->src[i].port = (uint16_t)rnd_range(&m->rng, 1024, 65000);
    }
    strmap_free(&seen);
    free_nets(nets);
    free(ci);
    free(cc);
    return rc;
}

/* ---- numbers ---- */

static void on_example(const char *region, const char *digits, int type, void *arg)
{
    sim *m = arg;
    int prio = type == PN_MOBILE ? 3 : type == PN_FIXED_LINE_OR_MOBILE ? 2 : type == PN_FIXED_LINE ? 1 : 0;
    if (!prio || strlen(region) != 2 || strlen(digits) > NUM_MAX_E164)
        return;
    for (size_t i = 0; i < m->nregions; i++) {
        if (strcmp(m->regions[i].code, region) == 0) {
            if (prio > m->regions[i].prio) {
                snprintf(m->regions[i].example, sizeof m->regions[i].example, "%s", digits);
                m->regions[i].prio = prio;
            }
            return;
        }
    }
    struct region *nr = grow(m->regions, &m->capregions, m->nregions + 1, sizeof *nr);
    if (!nr)
        return;
    m->regions = nr;
    struct region *r = &m->regions[m->nregions++];
    snprintf(r->code, sizeof r->code, "%s", region);
    snprintf(r->example, sizeof r->example, "%s", digits);
    r->prio = prio;
}

static long region_index(const sim *m, const char *cc)
{
    for (size_t i = 0; i < m->nregions; i++)
        if (strcmp(m->regions[i].code, cc) == 0)
            return (long)i;
    return -1;
}

/* A new number of region ri: its example with the last digits changed,
 * valid, of that region, with at least three clean dial strings. Returns
 * its index or -1. */
static long new_number(sim *m, size_t ri)
{
    const struct region *rg = &m->regions[ri];
    size_t len = strlen(rg->example);
    size_t change = len >= 9 ? 4 : len >= 7 ? 3 : 2;
    for (int attempt = 0; attempt < 30; attempt++) {
        char d[NUM_MAX_E164 + 2];
        memcpy(d, rg->example, len + 1);
        for (size_t k = len - change; k < len; k++)
            d[k] = (char)('0' + sim_rng_below(&m->rng, 10));
        pn_info info;
        if (pn_lookup(d, &info) != 0 || !info.valid || strcmp(info.region, rg->code) != 0)
            continue;
        int dup = 0;
        for (size_t k = 0; k < m->nnum && !dup; k++)
            dup = strcmp(m->num[k].digits, d) == 0;
        if (dup)
            continue;
        number *nn = grow(m->num, &m->capnum, m->nnum + 1, sizeof *nn);
        if (!nn)
            return -1;
        m->num = nn;
        number *n = &m->num[m->nnum];
        memset(n, 0, sizeof *n);
        n->nvar = (unsigned)sim_dial_variants(m->nums, d, n->var, MAX_VARIANTS);
        if (n->nvar < 3)
            continue;
        num_result r;
        char plus[NUM_MAX_E164 + 3];
        snprintf(plus, sizeof plus, "+%s", d);
        if (num_normalize(m->nums, plus, strlen(plus), &r) != NUM_VALID || !r.dest.country[0])
            continue;
        snprintf(n->digits, sizeof n->digits, "%s", d);
        snprintf(n->e164, sizeof n->e164, "%s", r.e164);
        snprintf(n->dest, sizeof n->dest, "%s", r.dest.country);
        /* Shuffle the variants so callers do not all start with "00". */
        for (unsigned k = n->nvar; k > 1; k--) {
            unsigned j = (unsigned)sim_rng_below(&m->rng, k);
            char t[SIM_DIAL_MAX];
            memcpy(t, n->var[k - 1], SIM_DIAL_MAX);
            memcpy(n->var[k - 1], n->var[j], SIM_DIAL_MAX);
            memcpy(n->var[j], t, SIM_DIAL_MAX);
        }
        return (long)m->nnum++;
    }
    return -1;
}

static long number_in(sim *m, const char *cc)
{
    long ri = region_index(m, cc);
    if (ri < 0)
        return -1;
    return new_number(m, (size_t)ri);
}

static const char *pick_dest(sim *m, const source *s)
{
    if (strcmp(s->cc, "PS") == 0 && sim_rng_unit(&m->rng) < 0.8)
        return "IL";
    unsigned total = 0;
    for (size_t i = 0; i < N_DEST_FAVOURITES; i++)
        total += DEST_FAVOURITES[i].w;
    total += 30;   /* the rest of the world */
    unsigned u = (unsigned)sim_rng_below(&m->rng, total);
    for (size_t i = 0; i < N_DEST_FAVOURITES; i++) {
        if (u < DEST_FAVOURITES[i].w)
            return DEST_FAVOURITES[i].cc;
        u -= DEST_FAVOURITES[i].w;
    }
    return m->regions[sim_rng_below(&m->rng, m->nregions)].code;
}

static int add_caller_number(source *s, size_t n)
{
    size_t *v = grow(s->nums, &s->capnums, s->nnums + 1, sizeof *v);
    if (!v)
        return -1;
    s->nums = v;
    s->nums[s->nnums++] = n;
    return 0;
}

/* A number of one of the caller's destination countries. */
static long caller_new_number(sim *m, source *s)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        long n = number_in(m, s->dcc[sim_rng_below(&m->rng, s->ndcc)]);
        if (n >= 0)
            return add_caller_number(s, (size_t)n) == 0 ? n : -1;
    }
    /* its countries give no more numbers: any country that does */
    for (size_t r = 0; r < m->nregions; r++) {
        long n = new_number(m, r);
        if (n >= 0)
            return add_caller_number(s, (size_t)n) == 0 ? n : -1;
    }
    return -1;
}

/* ---- sessions ---- */

static session *new_session(sim *m, uint32_t src, int kind, int64_t t, int sensor_i)
{
    session *ns = grow(m->ses, &m->capses, m->nses + 1, sizeof *ns);
    if (!ns)
        return NULL;
    m->ses = ns;
    session *s = &m->ses[m->nses];
    memset(s, 0, sizeof *s);
    s->id = (uint32_t)m->nses++;
    s->src = src;
    s->kind = (uint8_t)kind;
    s->t = t;
    s->sensor = (uint16_t)sensor_i;
    return s;
}

static int64_t rnd_time(sim *m, int64_t lo, int64_t hi)
{
    return rnd_range(&m->rng, lo, hi);
}

static int plan_scans(sim *m)
{
    int64_t t0 = m->o->start_ms;
    /* One sweep a day at least, so that every day has traffic. */
    for (int d = 0; d < m->o->days; d++) {
        uint32_t si = (uint32_t)(m->nsrc - 1 - sim_rng_below(&m->rng, m->nsrc / 3));
        int64_t day = t0 + (int64_t)d * 86400000LL;
        session *s = new_session(m, si, S_SCAN, rnd_time(m, day + 60000, day + 86400000LL - 20 * 60000), 0);
        if (!s)
            return -1;
        s->n = (uint32_t)m->nhp;
    }
    /* Everyone but the guest callers scans first; scanners a few times. */
    for (size_t i = 0; i < m->nsrc; i++) {
        source *s = &m->src[i];
        int sweeps = s->kind == K_SCAN ? (int)rnd_range(&m->rng, 1, 4) :
                     s->kind == K_CALL || s->kind == K_ROGUE ? (sim_rng_unit(&m->rng) < 0.3) : 1;
        for (int k = 0; k < sweeps; k++) {
            int64_t t = k == 0 ? s->t0 : rnd_time(m, s->t0, m->end_ms - 2 * HOUR_MS);
            session *ss = new_session(m, (uint32_t)i, S_SCAN, t, 0);
            if (!ss)
                return -1;
            ss->n = (uint32_t)m->nhp;
        }
    }
    return 0;
}

static int plan_registers(sim *m, const sim_sizes *z)
{
    /* Heavy-tailed volume per source (Pareto), svwar 70%, svcrack 30%. */
    size_t n = m->nsrc;
    double *w = calloc(n, sizeof *w);
    if (!w)
        return -1;
    double tot = 0;
    for (size_t i = 0; i < n; i++) {
        int k = m->src[i].kind;
        if (k == K_ENUM || k == K_BRUTE || k == K_CRACK) {
            w[i] = pow(1.0 - sim_rng_unit(&m->rng), -1.0 / 1.1);
            tot += w[i];
        }
    }
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++) {
        source *s = &m->src[i];
        if (w[i] == 0)
            continue;
        uint64_t budget = (uint64_t)llround((double)z->registers * w[i] / tot);
        uint64_t enum_budget = s->kind == K_ENUM ? budget : budget * 7 / 10;
        uint64_t brute_budget = s->kind == K_ENUM ? 0 : budget - enum_budget;
        int64_t lo = s->t0 + 600000, hi = m->end_ms - 3 * HOUR_MS;
        /* svwar sweeps: at least one of 10+ extensions */
        int first = 1;
        while (first || enum_budget >= 12) {
            static const uint32_t sizes[] = {100, 900, 1000, 200, 50, 9000, 400, 20};
            uint32_t range = sizes[sim_rng_below(&m->rng, sizeof sizes / sizeof sizes[0])];
            if (range + 1 > enum_budget)
                range = enum_budget > 12 ? (uint32_t)enum_budget - 1 : 11;
            static const uint32_t starts[] = {100, 1000, 200, 100, 2000, 100};
            int crack_first = s->kind == K_CRACK && first;
            int64_t t = crack_first ? s->t0 + 300000 : rnd_time(m, lo, hi);
            session *ss = new_session(m, (uint32_t)i, S_ENUM, t, (int)sim_rng_below(&m->rng, (uint64_t)m->nhp));
            if (!ss) {
                rc = -1;
                break;
            }
            if (crack_first)
                ss->sensor = (uint16_t)s->crack_sensor;
            ss->a = starts[sim_rng_below(&m->rng, sizeof starts / sizeof starts[0])];
            if (crack_first)
                ss->a = 100;
            ss->n = range + 1;   /* + svwar's calibration request */
            enum_budget = enum_budget > ss->n ? enum_budget - ss->n : 0;
            first = 0;
        }
        /* svcrack runs: 3+ wrong guesses against an extension with a
         * strong password; crackers end with a run that finds a weak one */
        first = 1;
        while (rc == 0 && (s->kind != K_ENUM) && (first || brute_budget >= 8)) {
            uint32_t guesses = (uint32_t)rnd_range(&m->rng, 5, 400);
            if (guesses * 2 > brute_budget)
                guesses = brute_budget / 2 >= 3 ? (uint32_t)(brute_budget / 2) : 3;
            session *ss = new_session(m, (uint32_t)i, S_BRUTE, rnd_time(m, lo + HOUR_MS, hi),
                                      (int)sim_rng_below(&m->rng, (uint64_t)m->nhp));
            if (!ss) {
                rc = -1;
                break;
            }
            ss->a = 110 + (uint32_t)sim_rng_below(&m->rng, 10);   /* strong secrets */
            ss->n = guesses;
            brute_budget = brute_budget > guesses * 2 ? brute_budget - guesses * 2 : 0;
            first = 0;
        }
        if (rc == 0 && s->kind == K_CRACK) {
            session *ss = new_session(m, (uint32_t)i, S_BRUTE, s->t0 + HOUR_MS, s->crack_sensor);
            if (!ss) {
                rc = -1;
                break;
            }
            ss->a = (uint32_t)(100 + s->crack_ext);
            ss->n = (uint32_t)rnd_range(&m->rng, 5, 60);   /* the last one is right */
            ss->b = 1;
        }
    }
    free(w);
    return rc;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

static int plan_calls(sim *m, const sim_sizes *z)
{
    size_t nc = z->callers;
    /* calls per caller */
    double rest = 0.56, *w = calloc(nc, sizeof *w);
    if (!w)
        return -1;
    double tw = 0;
    for (size_t i = 10; i < nc; i++) {
        w[i] = pow(1.0 - sim_rng_unit(&m->rng), -1.0 / 1.5);
        tw += w[i];
    }
    /* the others share the rest, none above the tenth (water-filling) */
    for (size_t i = 10; i < nc; i++)
        w[i] = rest * w[i] / tw;
    for (int round = 0; round < 50; round++) {
        double excess = 0, free_w = 0;
        for (size_t i = 10; i < nc; i++) {
            if (w[i] > 0.025) {
                excess += w[i] - 0.025;
                w[i] = 0.025;
            } else {
                free_w += w[i];
            }
        }
        if (excess < 1e-12 || free_w <= 0)
            break;
        for (size_t i = 10; i < nc; i++)
            if (w[i] < 0.025)
                w[i] += excess * w[i] / free_w;
    }
    for (size_t i = 0; i < nc; i++) {
        source *s = &m->src[i];
        double share = i < 10 ? TOP_CALLERS[i].share : w[i];
        uint64_t c = (uint64_t)llround(share * (double)z->calls);
        s->plan_calls = c < 1 ? 1 : c;
        if (s->kind == K_ROGUE && s->plan_calls < 16)
            s->plan_calls = 16;   /* enough countries to be flagged (>= 10, score >= 60) */
    }
    free(w);

    /* agent styles: the rogue a fixed server; others greedily towards the
     * target shares, busiest first */
    double assigned[AS_COUNT] = {0}, total = 0;
    for (size_t i = 0; i < nc; i++)
        total += (double)m->src[i].plan_calls;
    size_t *order = malloc(nc * sizeof *order);
    if (!order)
        return -1;
    for (size_t i = 0; i < nc; i++)
        order[i] = i;
    for (size_t i = 1; i < nc; i++)    /* by planned calls, most first (stable) */
        for (size_t j = i; j > 0 && m->src[order[j]].plan_calls > m->src[order[j - 1]].plan_calls; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    for (size_t k = 0; k < nc; k++) {
        source *s = &m->src[order[k]];
        if (s->kind == K_ROGUE) {
            s->style = AS_SERVER;
            s->ua = ROGUE_AGENT;
        } else {
            int best = 0;
            double bd = -1e18;
            for (int a = 0; a < AS_COUNT; a++) {
                double d = AS_SHARE[a] * total - assigned[a];
                if (d > bd) {
                    bd = d;
                    best = a;
                }
            }
            s->style = best;
            s->ua = AS_FIXED[best][sim_rng_below(&m->rng, 2)];
        }
        static const ag_class style_cls[AS_COUNT] = {AG_UNDEFINED, AG_RANDOM, AG_SDK, AG_SERVER, AG_SOFTPHONE};
        s->cls = style_cls[s->style];
        assigned[s->style] += (double)s->plan_calls;
    }
    free(order);

    /* destination countries and numbers */
    for (size_t i = 0; i < nc; i++) {
        source *s = &m->src[i];
        if (s->kind == K_ROGUE)
            continue;
        unsigned want = 1 + (unsigned)sim_rng_below(&m->rng, 3);
        for (unsigned tries = 0; s->ndcc < want && tries < 20; tries++) {
            const char *d = pick_dest(m, s);
            int dup = region_index(m, d) < 0;
            for (unsigned k = 0; k < s->ndcc && !dup; k++)
                dup = strcmp(s->dcc[k], d) == 0;
            if (!dup)
                snprintf(s->dcc[s->ndcc++], sizeof s->dcc[0], "%s", d);
        }
        if (s->ndcc == 0)
            snprintf(s->dcc[s->ndcc++], sizeof s->dcc[0], "%s", m->regions[0].code);
        uint64_t own = 1 + s->plan_calls / 4;
        if (own > 40)
            own = 40;
        for (uint64_t k = 0; k < own; k++)
            if (caller_new_number(m, s) < 0) {
                snprintf(m->err, m->errlen, "could not make a number to call");
                return -1;
            }
    }
    /* hot numbers (card services, calling cards): each called by a few of
     * the callers, the first by seven */
    static const char *const hot_cc[HOT_NUMBERS] = {"GB", "IL", "US", "SO", "LV", "DE", "FR", "CU", "LT", "PS"};
    for (int h = 0; h < HOT_NUMBERS; h++) {
        long n = number_in(m, hot_cc[h]);
        if (n < 0)
            continue;
        m->hot[m->nhot++] = (size_t)n;
        unsigned callers = 7 - (unsigned)h / 2;
        for (unsigned k = 0; k < callers; k++) {
            size_t ci = (size_t)sim_rng_below(&m->rng, nc);
            source *s = &m->src[ci];
            if (s->kind == K_ROGUE)
                continue;
            int dup = 0;
            for (size_t j = 0; j < s->nnums && !dup; j++)
                dup = s->nums[j] == (size_t)n;
            if (!dup && add_caller_number(s, (size_t)n) != 0)
                return -1;
        }
    }

    /* the calls themselves */
    int64_t *times = NULL;
    size_t *picked = NULL;
    size_t cap = 0;
    int rc = 0;
    for (size_t i = 0; i < nc && rc == 0; i++) {
        source *s = &m->src[i];
        uint64_t n = s->plan_calls;
        if (n > cap) {
            free(times);
            free(picked);
            cap = n;
            times = malloc(cap * sizeof *times);
            picked = malloc(cap * sizeof *picked);
            if (!times || !picked) {
                rc = -1;
                break;
            }
        }
        int64_t lo = s->kind == K_CRACK ? s->t0 + 3 * HOUR_MS : s->t0 + 600000;
        int64_t hi = m->end_ms - 2 * HOUR_MS;
        for (uint64_t k = 0; k < n; k++)
            times[k] = rnd_time(m, lo, hi);
        qsort(times, n, sizeof *times, cmp_i64);
        for (uint64_t k = 0; k < n; k++) {
            long num = -1;
            if (s->kind == K_ROGUE) {
                /* the rogue server: a new country as long as there are
                 * any (142 in the study), then its numbers again */
                if (k < 142 && k < m->nregions) {
                    size_t ri = (size_t)(k * 7919 % m->nregions);
                    for (size_t step = 0; step < m->nregions && num < 0; step++) {
                        const char *rc2 = m->regions[(ri + step) % m->nregions].code;
                        int dup = 0;
                        for (size_t j = 0; j < s->ndest && !dup; j++)
                            dup = strcmp(s->dest_seen[j], rc2) == 0;
                        if (dup)
                            continue;
                        num = number_in(m, rc2);
                        if (num >= 0) {
                            /* remember the country (planning only; reset below) */
                            char (*nd)[16] = grow(s->dest_seen, &s->capdest, s->ndest + 1, sizeof *nd);
                            if (!nd) {
                                rc = -1;
                                break;
                            }
                            s->dest_seen = nd;
                            snprintf(s->dest_seen[s->ndest++], 16, "%s", m->num[num].dest);
                            add_caller_number(s, (size_t)num);
                        }
                    }
                }
                if (num < 0 && s->nnums)
                    num = (long)s->nums[sim_rng_below(&m->rng, s->nnums)];
            } else {
                int hot = 0;
                for (size_t j = 0; j < s->nnums; j++)
                    for (size_t h = 0; h < m->nhot; h++)
                        hot += s->nums[j] == m->hot[h];
                if (hot && sim_rng_unit(&m->rng) < 0.35) {
                    size_t pickh = (size_t)sim_rng_below(&m->rng, (uint64_t)hot);
                    for (size_t j = 0; j < s->nnums && num < 0; j++)
                        for (size_t h = 0; h < m->nhot && num < 0; h++)
                            if (s->nums[j] == m->hot[h] && pickh-- == 0)
                                num = (long)s->nums[j];
                } else {
                    /* Zipf over its own numbers */
                    double u = sim_rng_unit(&m->rng);
                    num = (long)s->nums[(size_t)((double)s->nnums * u * u)];
                }
            }
            /* never the same number twice within CALL_GAP_MS */
            for (int tries = 0; num >= 0; tries++) {
                int clash = 0;
                for (uint64_t j = k; j-- > 0 && times[k] - times[j] < CALL_GAP_MS && !clash;)
                    clash = picked[j] == (size_t)num;
                if (!clash)
                    break;
                if (tries < 8 && s->nnums)
                    num = (long)s->nums[sim_rng_below(&m->rng, s->nnums)];
                else
                    num = caller_new_number(m, s);
            }
            if (num < 0) {
                snprintf(m->err, m->errlen, "could not make a number to call");
                rc = -1;
                break;
            }
            picked[k] = (size_t)num;
            int sensor_i = s->kind == K_CRACK ? s->crack_sensor : (int)sim_rng_below(&m->rng, (uint64_t)m->nhp);
            session *ss = new_session(m, (uint32_t)i, S_CALL, times[k], sensor_i);
            if (!ss) {
                rc = -1;
                break;
            }
            ss->a = (uint32_t)num;
            ss->n = s->kind == K_CRACK ? (uint32_t)rnd_range(&m->rng, 1, 6) * 2 : (uint32_t)rnd_range(&m->rng, 1, 12);
        }
    }
    free(times);
    free(picked);
    for (size_t i = 0; i < nc; i++)
        m->src[i].ndest = 0;   /* the truth counts what is emitted */
    return rc;
}

/* ---- emitting requests ---- */

static void ip_text_port(char *out, size_t cap, const char *ip, unsigned port)
{
    snprintf(out, cap, "%s:%u", ip, port);
}

static void truth_dest(source *s, const char *dest)
{
    for (size_t j = 0; j < s->ndest; j++)
        if (strcmp(s->dest_seen[j], dest) == 0)
            return;
    char (*nd)[16] = grow(s->dest_seen, &s->capdest, s->ndest + 1, sizeof *nd);
    if (!nd)
        return;
    s->dest_seen = nd;
    snprintf(s->dest_seen[s->ndest++], 16, "%s", dest);
}

static struct pair *pair_of(sim *m, const char *src, const char *dst)
{
    char key[32];
    snprintf(key, sizeof key, "%s\t%s", src, dst);
    size_t *v = strmap_get(&m->pair_idx, key);
    if (v)
        return &m->pairs[*v];
    struct pair *np = grow(m->pairs, &m->cappairs, m->npairs + 1, sizeof *np);
    if (!np)
        return NULL;
    m->pairs = np;
    struct pair *p = &m->pairs[m->npairs];
    memset(p, 0, sizeof *p);
    snprintf(p->src, sizeof p->src, "%s", src);
    snprintf(p->dst, sizeof p->dst, "%s", dst);
    int added;
    strmap_put(&m->pair_idx, key, m->npairs, &added);
    m->npairs++;
    return p;
}

enum { MC_OPTIONS = 0, MC_REGISTER, MC_INVITE, MC_OTHER };

/* What one emitted request adds to the truth. */
typedef struct {
    int method;              /* MC_* */
    const char *probed;      /* probed user (requests without credentials, not calls) */
    int cred;                /* 0 none, 1 right password, -1 wrong */
    ag_class cls;
    number *call;            /* INVITE: the number */
    int first_of_call;
} emitted;

static int emit(sim *m, session *ss, const char *buf, size_t len, const emitted *e)
{
    honeypot *h = &m->hp[ss->sensor];
    source *s = &m->src[ss->src];
    sensor_addr a;
    memset(&a, 0, sizeof a);
    a.src_ip = s->ip;
    a.src_port = ss->kind == S_CALL ? s->port : 5060;
    a.dst_ip = h->dst;
    a.dst_port = 5060;
    a.transport = "udp";
    a.src_bin[10] = a.src_bin[11] = 0xff;
    memcpy(a.src_bin + 12, s->bin.bytes, 4);
    if (sensor_handle_datagram(&h->s, buf, len, &a, ss->t, m->msg, &m->res) != 0) {
        snprintf(m->err, m->errlen, "%s: cannot write the event log", m->o->out_path);
        return -1;
    }
    if (m->o->send && m->o->send(m->o->send_arg, buf, len) != 0) {
        snprintf(m->err, m->errlen, "sending failed");
        return -1;
    }
    if (e->cred > 0 && m->res.auth != AUTH_OK)
        m->st.auth_mismatch++;
    if (e->cred < 0 && m->res.auth != AUTH_WRONG_PASSWORD)
        m->st.auth_mismatch++;
    /* truth */
    m->st.requests++;
    s->requests++;
    s->by_method[e->method]++;
    h->requests++;
    if (e->method == MC_REGISTER) {
        m->st.registers++;
        h->registers++;
    } else if (e->method == MC_INVITE) {
        m->st.invites++;
        h->invites++;
    } else if (e->method == MC_OPTIONS) {
        m->st.options++;
        h->options++;
    }
    m->cls_req[e->cls]++;
    int64_t day = (ss->t - m->o->start_ms) / 86400000LL;
    if (day >= 0 && day < m->o->days)
        m->day_seen[day] = 1;
    if (e->cred > 0)
        s->auth_ok++;
    else if (e->cred < 0)
        s->auth_fail++;
    if (e->method == MC_INVITE && e->call) {
        number *n = e->call;
        m->cls_inv[e->cls]++;
        s->invites++;
        n->attempts++;
        struct pair *p = pair_of(m, s->cc, n->dest);
        if (p)
            p->invites++;
        if (e->first_of_call) {
            m->st.calls++;
            s->calls++;
            n->unified++;
            if (p)
                p->calls++;
            truth_dest(s, n->dest);
            int dup = 0;
            for (size_t j = 0; j < n->nsrcs && !dup; j++)
                dup = n->srcs[j] == ss->src;
            if (!dup) {
                uint32_t *v = grow(n->srcs, &n->capsrcs, n->nsrcs + 1, sizeof *v);
                if (v) {
                    n->srcs = v;
                    n->srcs[n->nsrcs++] = ss->src;
                }
            }
        }
    } else if (e->probed && e->cred == 0) {
        int mc = e->method;
        s->probes[mc]++;
        if (s->nprobe[mc] < 10) {
            int dup = 0;
            for (unsigned j = 0; j < s->nprobe[mc] && !dup; j++)
                dup = strcmp(s->probe_users[mc][j], e->probed) == 0;
            if (!dup)
                snprintf(s->probe_users[mc][s->nprobe[mc]++], 24, "%s", e->probed);
        }
    }
    m->emitted++;
    if (m->o->limit && m->emitted >= m->o->limit)
        m->stop = 1;
    return 0;
}

/* The nonce of the 401 the persona just sent (svcrack and bots read it). */
static int challenge_nonce(sim *m, char *out, size_t cap)
{
    for (unsigned i = 0; i < m->res.n; i++) {
        if (m->res.resp[i].code != 401)
            continue;
        sip_msg *r = m->msg;   /* the request's view is no longer needed */
        if (sip_parse_datagram(m->res.resp[i].data, m->res.resp[i].len, r) != 0 ||
            !sip_str_present(r->www_authenticate.nonce) || r->www_authenticate.nonce.len >= cap)
            return -1;
        memcpy(out, r->www_authenticate.nonce.p, r->www_authenticate.nonce.len);
        out[r->www_authenticate.nonce.len] = '\0';
        return 0;
    }
    return -1;
}

static void digest(const char *user, const char *pass, const char *method, const char *uri,
                   const char *nonce, char out[SIP_DIGEST_HEX_MAX])
{
    sip_digest_input in;
    memset(&in, 0, sizeof in);
    in.alg = SIP_ALG_MD5;
    in.username = (sip_str){user, strlen(user)};
    in.realm = (sip_str){"asterisk", 8};
    in.password = (sip_str){pass, strlen(pass)};
    in.method = (sip_str){method, strlen(method)};
    in.uri = (sip_str){uri, strlen(uri)};
    in.nonce = (sip_str){nonce, strlen(nonce)};
    if (sip_digest_compute(&in, out) == 0)
        out[0] = '\0';
}

/* svmap: OPTIONS sip:100@<honeypot> to each honeypot in turn. */
static int step_scan(sim *m, session *ss)
{
    source *s = &m->src[ss->src];
    ss->sensor = (uint16_t)ss->i;
    honeypot *h = &m->hp[ss->sensor];
    char tagtext[16], tag[64], buf[1024];
    struct in_addr dst;
    inet_pton(AF_INET, h->dst, &dst);
    uint32_t d = ntohl(dst.s_addr);
    snprintf(tagtext, sizeof tagtext, "%08x13c4", d);
    sim_sv_tag(tagtext, (uint32_t)sim_rng_next(&m->rng), tag, sizeof tag);
    int n = snprintf(buf, sizeof buf,
        "OPTIONS sip:100@%s SIP/2.0\r\n"
        "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%u;rport\r\n"
        "Max-Forwards: 70\r\n"
        "To: \"sipvicious\"<sip:100@1.1.1.1>\r\n"
        "From: \"sipvicious\"<sip:100@1.1.1.1>;tag=%s\r\n"
        "User-Agent: %s\r\n"
        "Call-ID: %llu%06u\r\n"
        "Contact: sip:100@%s:5060\r\n"
        "CSeq: 1 OPTIONS\r\n"
        "Accept: application/sdp\r\n"
        "Content-Length: 0\r\n\r\n",
        h->dst, s->ip, (uint32_t)sim_rng_next(&m->rng), tag, SCANNER_AGENT,
        (unsigned long long)(sim_rng_next(&m->rng) % 1000000000000000000ull),
        (unsigned)sim_rng_below(&m->rng, 1000000), s->ip);
    emitted e = {.method = MC_OPTIONS, .probed = "100", .cls = AG_ATTACK_TOOL};
    if (emit(m, ss, buf, (size_t)n, &e) != 0)
        return -1;
    ss->i++;
    ss->t += rnd_range(&m->rng, 20, 200);
    return 0;
}

/* svwar: REGISTER for a random extension (calibration), then a range. */
static int step_enum(sim *m, session *ss)
{
    source *s = &m->src[ss->src];
    honeypot *h = &m->hp[ss->sensor];
    char ext[16], tag[64], buf[1024];
    if (ss->i == 0)
        snprintf(ext, sizeof ext, "%u", (unsigned)(1000000000u + sim_rng_below(&m->rng, 3000000000u)));
    else
        snprintf(ext, sizeof ext, "%u", ss->a + ss->i - 1);
    sim_sv_tag(ext, (uint32_t)sim_rng_next(&m->rng), tag, sizeof tag);
    int n = snprintf(buf, sizeof buf,
        "REGISTER sip:%s SIP/2.0\r\n"
        "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%u;rport\r\n"
        "Max-Forwards: 70\r\n"
        "To: \"%s\"<sip:%s@%s>\r\n"
        "From: \"%s\"<sip:%s@%s>;tag=%s\r\n"
        "User-Agent: %s\r\n"
        "Call-ID: %u\r\n"
        "Contact: sip:%s@%s\r\n"
        "CSeq: 1 REGISTER\r\n"
        "Accept: application/sdp\r\n"
        "Content-Length: 0\r\n\r\n",
        h->dst, s->ip, (uint32_t)sim_rng_next(&m->rng), ext, ext, h->dst, ext, ext, h->dst, tag,
        SCANNER_AGENT, (uint32_t)sim_rng_next(&m->rng), ext, h->dst);
    emitted e = {.method = MC_REGISTER, .probed = ext, .cls = AG_ATTACK_TOOL};
    if (emit(m, ss, buf, (size_t)n, &e) != 0)
        return -1;
    ss->i++;
    ss->t += rnd_range(&m->rng, 5, 30);
    return 0;
}

/* svcrack: per guess a REGISTER without credentials (tag 3206210844),
 * then one with them on the same Call-ID. */
static int step_brute(sim *m, session *ss)
{
    source *s = &m->src[ss->src];
    honeypot *h = &m->hp[ss->sensor];
    char ext[16], buf[1400];
    snprintf(ext, sizeof ext, "%u", ss->a);
    if (ss->phase == 0) {
        snprintf(ss->cid, sizeof ss->cid, "%u", (uint32_t)sim_rng_next(&m->rng));
        int n = snprintf(buf, sizeof buf,
            "REGISTER sip:%s SIP/2.0\r\n"
            "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%u;rport\r\n"
            "Max-Forwards: 70\r\n"
            "To: \"%s\" <sip:%s@%s>\r\n"
            "From: \"%s\" <sip:%s@%s>;tag=3206210844\r\n"
            "User-Agent: %s\r\n"
            "Call-ID: %s\r\n"
            "Contact: sip:123@1.1.1.1\r\n"
            "CSeq: 1 REGISTER\r\n"
            "Accept: application/sdp\r\n"
            "Content-Length: 0\r\n\r\n",
            h->dst, s->ip, (uint32_t)sim_rng_next(&m->rng), ext, ext, h->dst, ext, ext, h->dst,
            SCANNER_AGENT, ss->cid);
        emitted e = {.method = MC_REGISTER, .probed = ext, .cls = AG_ATTACK_TOOL};
        if (emit(m, ss, buf, (size_t)n, &e) != 0)
            return -1;
        if (challenge_nonce(m, ss->nonce, sizeof ss->nonce) != 0) {
            ss->i = ss->n;     /* no challenge: svcrack stops */
            return 0;
        }
        ss->phase = 1;
        ss->t += rnd_range(&m->rng, 5, 40);
        return 0;
    }
    /* the guess: wrong ones are numbers of svcrack's range (never a
     * strong secret); the cracker's last guess is the secret */
    int right = ss->b && ss->i + 1 == ss->n;
    char pass[PERSONA_SECRET_MAX];
    if (right)
        snprintf(pass, sizeof pass, "%s", h->ext[ss->a - 100].secret);
    else
        snprintf(pass, sizeof pass, "%u", 1000 + ss->i * 7 + (uint32_t)sim_rng_below(&m->rng, 7));
    if (!right && strcmp(pass, h->ext[ss->a - 100].secret) == 0)
        snprintf(pass, sizeof pass, "x%u", ss->i);
    char text[200], tag[440], uri[40], resp[SIP_DIGEST_HEX_MAX];
    snprintf(text, sizeof text, "%s:%s", ext, pass);
    sim_sv_tag(text, (uint32_t)sim_rng_next(&m->rng), tag, sizeof tag);
    snprintf(uri, sizeof uri, "sip:%s", h->dst);
    digest(ext, pass, "REGISTER", uri, ss->nonce, resp);
    int n = snprintf(buf, sizeof buf,
        "REGISTER sip:%s SIP/2.0\r\n"
        "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%u;rport\r\n"
        "Max-Forwards: 70\r\n"
        "To: \"%s\" <sip:%s@%s>\r\n"
        "From: \"%s\" <sip:%s@%s>;tag=%s\r\n"
        "User-Agent: %s\r\n"
        "Call-ID: %s\r\n"
        "Contact: sip:123@1.1.1.1\r\n"
        "CSeq: 2 REGISTER\r\n"
        "Accept: application/sdp\r\n"
        "Content-Length: 0\r\n"
        "Authorization: Digest username=\"%s\",realm=\"asterisk\",nonce=\"%s\",uri=\"%s\","
        "algorithm=MD5,qop=auth,response=\"%s\"\r\n\r\n",
        h->dst, s->ip, (uint32_t)sim_rng_next(&m->rng), ext, ext, h->dst, ext, ext, h->dst, tag,
        SCANNER_AGENT, ss->cid, ext, ss->nonce, uri, resp);
    emitted e = {.method = MC_REGISTER, .cred = right ? 1 : -1, .cls = AG_ATTACK_TOOL};
    if (emit(m, ss, buf, (size_t)n, &e) != 0)
        return -1;
    ss->phase = 0;
    ss->i++;
    ss->t += rnd_range(&m->rng, 10, 60);
    return 0;
}

/* A bot's INVITE to one dial string; crackers authenticate as the
 * extension they cracked (challenge first, then the same INVITE with
 * Authorization), the others come as guests. */
static int step_call(sim *m, session *ss)
{
    source *s = &m->src[ss->src];
    honeypot *h = &m->hp[ss->sensor];
    number *num = &m->num[ss->a];
    int cracker = s->kind == K_CRACK;
    int attempt = cracker ? (int)(ss->i / 2) : (int)ss->i;
    if (ss->phase == 0) {
        snprintf(ss->dial, sizeof ss->dial, "%s", num->var[(unsigned)attempt % num->nvar]);
        snprintf(ss->cid, sizeof ss->cid, "%016llx%08x", (unsigned long long)sim_rng_next(&m->rng),
                 (uint32_t)sim_rng_next(&m->rng));
        snprintf(ss->tag, sizeof ss->tag, "%08x", (uint32_t)sim_rng_next(&m->rng));
        ss->cseq = 1 + (uint32_t)sim_rng_below(&m->rng, 100);
        if (s->style == AS_RANDOM)
            sim_random_agent(&m->rng, m->agents, ss->ua);
    }
    const char *ua = s->style == AS_RANDOM ? ss->ua : s->ua;
    char from[16], uahdr[80], auth[400], sdp[400], buf[2400], hostport[40];
    if (cracker)
        snprintf(from, sizeof from, "%d", 100 + s->crack_ext);
    else
        snprintf(from, sizeof from, "%u", 1000 + ss->src % 9000);
    ip_text_port(hostport, sizeof hostport, s->ip, s->port);
    uahdr[0] = '\0';
    if (ua)
        snprintf(uahdr, sizeof uahdr, "User-Agent: %s\r\n", ua);
    auth[0] = '\0';
    if (ss->phase == 1) {
        char uri[80], resp[SIP_DIGEST_HEX_MAX];
        snprintf(uri, sizeof uri, "sip:%s@%s", ss->dial, h->dst);
        digest(from, h->ext[s->crack_ext].secret, "INVITE", uri, ss->nonce, resp);
        snprintf(auth, sizeof auth,
                 "Authorization: Digest username=\"%s\", realm=\"asterisk\", nonce=\"%s\", "
                 "uri=\"%s\", response=\"%s\", algorithm=MD5\r\n",
                 from, ss->nonce, uri, resp);
    }
    int sl = snprintf(sdp, sizeof sdp,
        "v=0\r\no=- %u %u IN IP4 %s\r\ns=call\r\nc=IN IP4 %s\r\nt=0 0\r\n"
        "m=audio %u RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n",
        ss->id, ss->cseq, s->ip, s->ip, 10000 + (ss->id % 20000) * 2);
    int n = snprintf(buf, sizeof buf,
        "INVITE sip:%s@%s SIP/2.0\r\n"
        "Via: SIP/2.0/UDP %s;branch=z9hG4bK%08x%04x;rport\r\n"
        "Max-Forwards: 70\r\n"
        "From: \"%s\" <sip:%s@%s>;tag=%s\r\n"
        "To: <sip:%s@%s>\r\n"
        "Call-ID: %s\r\n"
        "CSeq: %u INVITE\r\n"
        "Contact: <sip:%s@%s>\r\n"
        "%s%s"
        "Content-Type: application/sdp\r\n"
        "Content-Length: %d\r\n\r\n%s",
        ss->dial, h->dst, hostport, (uint32_t)sim_rng_next(&m->rng), (unsigned)sim_rng_below(&m->rng, 65536),
        from, from, h->dst, ss->tag, ss->dial, h->dst, ss->cid, ss->cseq + ss->phase, from, hostport,
        auth, uahdr, sl, sdp);
    emitted e = {.method = MC_INVITE, .cred = ss->phase == 1 ? 1 : 0, .cls = s->cls, .call = num,
                 .first_of_call = ss->i == 0};
    if (emit(m, ss, buf, (size_t)n, &e) != 0)
        return -1;
    ss->i++;
    if (cracker && ss->phase == 0) {
        if (challenge_nonce(m, ss->nonce, sizeof ss->nonce) == 0) {
            ss->phase = 1;
            ss->t += rnd_range(&m->rng, 40, 200);
            return 0;
        }
        ss->i++;   /* no challenge: the attempt is over */
    }
    ss->phase = 0;
    ss->t += rnd_range(&m->rng, 1000, 20000);
    return 0;
}

/* ---- the run ---- */

static int heap_less(const sim *m, uint32_t a, uint32_t b)
{
    const session *x = &m->ses[a], *y = &m->ses[b];
    return x->t != y->t ? x->t < y->t : x->id < y->id;
}

static void heap_down(sim *m, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, b = i;
        if (l < m->nheap && heap_less(m, m->heap[l], m->heap[b]))
            b = l;
        if (r < m->nheap && heap_less(m, m->heap[r], m->heap[b]))
            b = r;
        if (b == i)
            return;
        uint32_t t = m->heap[i];
        m->heap[i] = m->heap[b];
        m->heap[b] = t;
        i = b;
    }
}

static int run_sessions(sim *m)
{
    m->heap = malloc((m->nses ? m->nses : 1) * sizeof *m->heap);
    if (!m->heap)
        return -1;
    for (size_t i = 0; i < m->nses; i++)
        m->heap[i] = (uint32_t)i;
    m->nheap = m->nses;
    for (size_t i = m->nheap / 2; i-- > 0;)
        heap_down(m, i);
    uint64_t next_progress = 1000000;
    while (m->nheap && !m->stop) {
        session *ss = &m->ses[m->heap[0]];
        int rc = 0;
        if (ss->t >= m->end_ms) {
            ss->i = ss->n;          /* out of the period: the session ends */
        } else {
            switch (ss->kind) {
            case S_SCAN: rc = step_scan(m, ss); break;
            case S_ENUM: rc = step_enum(m, ss); break;
            case S_BRUTE: rc = step_brute(m, ss); break;
            default: rc = step_call(m, ss); break;
            }
        }
        if (rc != 0)
            return -1;
        if (ss->i >= ss->n && ss->phase == 0) {
            m->heap[0] = m->heap[--m->nheap];
        }
        heap_down(m, 0);
        if (m->o->progress && m->emitted >= next_progress) {
            fprintf(stderr, "\r%llu requests", (unsigned long long)m->emitted);
            next_progress += 1000000;
        }
    }
    if (m->o->progress)
        fprintf(stderr, "\r\033[K");
    return 0;
}

static int make_honeypots(sim *m)
{
    m->nhp = m->o->sensors;
    m->hp = calloc((size_t)m->nhp, sizeof *m->hp);
    if (!m->hp)
        return -1;
    for (int i = 0; i < m->nhp; i++) {
        honeypot *h = &m->hp[i];
        snprintf(h->id, sizeof h->id, "sim-%02d", i + 1);
        snprintf(h->dst, sizeof h->dst, "198.51.100.%u", (unsigned)(unsigned char)(i + 1));
        persona_config cfg;
        persona_config_defaults(&cfg);
        snprintf(cfg.version, sizeof cfg.version, "%s",
                 PERSONA_VERSIONS[sim_rng_below(&m->rng, sizeof PERSONA_VERSIONS / sizeof PERSONA_VERSIONS[0])]);
        cfg.dialogs = 4096;
        for (int k = 0; k < N_EXT; k++) {
            persona_extension *e = &h->ext[k];
            snprintf(e->name, sizeof e->name, "%d", 100 + k);
            if (k < 10) {   /* 100-109: weak secrets; 110-119: strong */
                snprintf(e->secret, sizeof e->secret, "%s",
                         WEAK_SECRETS[sim_rng_below(&m->rng, sizeof WEAK_SECRETS / sizeof WEAK_SECRETS[0])]);
            } else {
                static const char set[] = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789#!";
                for (int c = 0; c < 16; c++)
                    e->secret[c] = set[sim_rng_below(&m->rng, sizeof set - 1)];
                e->secret[16] = '\0';
            }
            e->can_call = true;
        }
        cfg.extensions = h->ext;
        cfg.n_extensions = N_EXT;
        h->p = persona_new(&cfg, mix64(m->o->seed ^ (0x5e45ull << 32) ^ (uint64_t)(i + 1)) | 1);
        if (!h->p)
            return -1;
        sensor_init(&h->s, h->p, &m->log, h->id, false);
        /* sensor_init draws a random run id; a simulation's follows from the seed */
        snprintf(h->s.run_id, sizeof h->s.run_id, "%016llx",
                 (unsigned long long)mix64(m->o->seed * 0x9e3779b97f4a7c15ull + (uint64_t)i + 7));
    }
    return 0;
}

/* ---- the truth file ---- */

static int steps_of(const source *s, int *scan, int *enumr, int *brute, int *abuse)
{
    *scan = *enumr = 0;
    for (int k = 0; k < 4; k++) {
        if (!s->probes[k])
            continue;
        if (s->nprobe[k] >= 10)
            *enumr = 1;
        else
            *scan = 1;
    }
    *brute = s->auth_fail >= 3;
    *abuse = s->invites > 0;
    return 0;
}

static int cmp_sources_by_invites(const void *a, const void *b, void *arg)
{
    const sim *m = arg;
    const source *x = &m->src[*(const size_t *)a], *y = &m->src[*(const size_t *)b];
    if (x->invites != y->invites)
        return x->invites < y->invites ? 1 : -1;
    if (x->requests != y->requests)
        return x->requests < y->requests ? 1 : -1;
    return strcmp(x->ip, y->ip);
}

static int cmp_numbers(const void *a, const void *b, void *arg)
{
    const sim *m = arg;
    const number *x = &m->num[*(const size_t *)a], *y = &m->num[*(const size_t *)b];
    if (x->attempts != y->attempts)
        return x->attempts < y->attempts ? 1 : -1;
    return strcmp(x->e164, y->e164);
}

static int write_truth(sim *m, const char *path)
{
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(m->err, m->errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    const sim_options *o = m->o;
    time_t st = (time_t)(o->start_ms / 1000);
    struct tm tm;
    gmtime_r(&st, &tm);
    char start[16];
    strftime(start, sizeof start, "%Y-%m-%d", &tm);
    fprintf(f, "{\n\"generator\": {\"program\": \"sipsnare simulate\", \"version\": 1, \"seed\": %llu, "
               "\"scale\": %.6g, \"days\": %d, \"sensors\": %d, \"start\": \"%s\", \"home\": \"%s\"},\n",
            (unsigned long long)o->seed, o->scale, o->days, o->sensors, start, o->home ? o->home : "BR");

    /* summary */
    strmap cc, asn;
    strmap_init(&cc, 0);
    strmap_init(&asn, 0);
    uint64_t ips = 0;
    int added;
    for (size_t i = 0; i < m->nsrc; i++) {
        const source *s = &m->src[i];
        if (!s->requests)
            continue;
        ips++;
        strmap_put(&cc, s->cc, 0, &added);
        if (s->asn) {
            char k[16];
            snprintf(k, sizeof k, "%u", s->asn);
            strmap_put(&asn, k, 0, &added);
        }
    }
    uint64_t days = 0;
    for (int d = 0; d < o->days; d++)
        days += m->day_seen[d];
    uint64_t sensors = 0;
    for (int i = 0; i < m->nhp; i++)
        sensors += m->hp[i].requests > 0;
    fprintf(f, "\"summary\": {\"register\": %llu, \"invite\": %llu, \"unified_invite\": %llu, "
               "\"options\": %llu, \"other_requests\": 0, \"requests\": %llu, \"malformed\": 0, "
               "\"ratelimited\": 0, \"unique_ips\": %llu, \"unique_asns\": %zu, "
               "\"unique_countries\": %zu, \"days\": %llu, \"sensors\": %llu},\n",
            (unsigned long long)m->st.registers, (unsigned long long)m->st.invites,
            (unsigned long long)m->st.calls, (unsigned long long)m->st.options,
            (unsigned long long)m->st.requests, (unsigned long long)ips, asn.n, cc.n,
            (unsigned long long)days, (unsigned long long)sensors);
    strmap_free(&cc);
    strmap_free(&asn);

    /* agent classes */
    fprintf(f, "\"agent_classes\": [");
    int first = 1;
    for (int k = 0; k < AG_CLASS_COUNT; k++) {
        if (!m->cls_req[k])
            continue;
        fprintf(f, "%s\n  {\"class\": \"%s\", \"requests\": %llu, \"invites\": %llu}", first ? "" : ",",
                ag_class_name((ag_class)k), (unsigned long long)m->cls_req[k],
                (unsigned long long)m->cls_inv[k]);
        first = 0;
    }
    fprintf(f, "],\n");

    /* sources with calls, as the report ranks them */
    size_t *v = malloc((m->nsrc ? m->nsrc : 1) * sizeof *v);
    if (!v) {
        fclose(f);
        return -1;
    }
    size_t nv = 0;
    uint64_t all_inv = 0;
    for (size_t i = 0; i < m->nsrc; i++)
        if (m->src[i].invites) {
            v[nv++] = i;
            all_inv += m->src[i].invites;
        }
    qsort_r(v, nv, sizeof *v, cmp_sources_by_invites, m);
    fprintf(f, "\"top_sources\": [");
    uint64_t top10 = 0;
    for (size_t k = 0; k < nv; k++) {
        const source *s = &m->src[v[k]];
        if (k < 10)
            top10 += s->invites;
        fprintf(f, "%s\n  {\"ip\": \"%s\", \"country\": \"%s\", \"asn\": %u, \"invites\": %llu, "
                   "\"unified_calls\": %llu, \"dest_countries\": %zu, \"requests\": %llu}",
                k ? "," : "", s->ip, s->cc, s->asn, (unsigned long long)s->invites,
                (unsigned long long)s->calls, s->ndest, (unsigned long long)s->requests);
    }
    fprintf(f, "],\n\"concentration\": {\"top10_share\": %.6f},\n",
            all_inv ? (double)top10 / (double)all_inv : 0.0);

    /* the rogue server */
    for (size_t i = 0; i < m->nsrc; i++) {
        const source *s = &m->src[i];
        if (s->kind != K_ROGUE)
            continue;
        fprintf(f, "\"rogue\": {\"ip\": \"%s\", \"country\": \"%s\", \"agent\": \"%s\", "
                   "\"dest_countries\": %zu, \"unified_calls\": %llu, \"invites\": %llu, "
                   "\"flagged\": %s},\n",
                s->ip, s->cc, s->ua, s->ndest, (unsigned long long)s->calls,
                (unsigned long long)s->invites, s->ndest >= 10 ? "true" : "false");
    }

    /* country pairs and source countries */
    fprintf(f, "\"country_pairs\": [");
    for (size_t k = 0; k < m->npairs; k++)
        fprintf(f, "%s\n  {\"source_country\": \"%s\", \"dest_country\": \"%s\", \"unified_calls\": %llu, "
                   "\"invites\": %llu}",
                k ? "," : "", m->pairs[k].src, m->pairs[k].dst, (unsigned long long)m->pairs[k].calls,
                (unsigned long long)m->pairs[k].invites);
    fprintf(f, "],\n\"source_countries\": [");
    first = 1;
    for (size_t c = 0; c < N_COUNTRIES; c++) {
        uint64_t calls = 0, inv = 0, nips = 0, nnums = 0;
        for (size_t i = 0; i < m->nsrc; i++) {
            const source *s = &m->src[i];
            if (!s->calls || strcmp(s->cc, COUNTRIES[c]) != 0)
                continue;
            calls += s->calls;
            inv += s->invites;
            nips++;
        }
        for (size_t n = 0; n < m->nnum && calls; n++) {
            const number *nb = &m->num[n];
            for (size_t j = 0; j < nb->nsrcs; j++)
                if (strcmp(m->src[nb->srcs[j]].cc, COUNTRIES[c]) == 0) {
                    nnums++;
                    break;
                }
        }
        if (!calls)
            continue;
        fprintf(f, "%s\n  {\"country\": \"%s\", \"numbers\": %llu, \"unified_calls\": %llu, "
                   "\"invites\": %llu, \"source_ips\": %llu}",
                first ? "" : ",", COUNTRIES[c], (unsigned long long)nnums, (unsigned long long)calls,
                (unsigned long long)inv, (unsigned long long)nips);
        first = 0;
    }
    fprintf(f, "],\n");

    /* numbers */
    size_t *nn = malloc((m->nnum ? m->nnum : 1) * sizeof *nn);
    if (!nn) {
        free(v);
        fclose(f);
        return -1;
    }
    size_t nnv = 0;
    for (size_t i = 0; i < m->nnum; i++)
        if (m->num[i].attempts)
            nn[nnv++] = i;
    qsort_r(nn, nnv, sizeof *nn, cmp_numbers, m);
    fprintf(f, "\"top_numbers\": [");
    for (size_t k = 0; k < nnv; k++) {
        const number *nb = &m->num[nn[k]];
        fprintf(f, "%s\n  {\"number\": \"%s\", \"country\": \"%s\", \"attempts\": %llu, \"unified\": %llu, "
                   "\"sources\": %zu, \"variants\": %u}",
                k ? "," : "", nb->e164, nb->dest, (unsigned long long)nb->attempts,
                (unsigned long long)nb->unified, nb->nsrcs, nb->nvar);
    }
    fprintf(f, "],\n");
    free(nn);

    /* attack steps */
    uint64_t per[4] = {0};
    for (size_t i = 0; i < m->nsrc; i++) {
        int a[4];
        if (!m->src[i].requests)
            continue;
        steps_of(&m->src[i], &a[0], &a[1], &a[2], &a[3]);
        for (int k = 0; k < 4; k++)
            per[k] += (uint64_t)a[k];
    }
    fprintf(f, "\"steps\": {\"scanning\": %llu, \"enumeration\": %llu, \"bruteforce\": %llu, \"abuse\": %llu},\n",
            (unsigned long long)per[0], (unsigned long long)per[1], (unsigned long long)per[2],
            (unsigned long long)per[3]);
    uint64_t oks = 0;
    for (size_t i = 0; i < m->nsrc; i++)
        oks += m->src[i].auth_ok > 0;
    fprintf(f, "\"auth_ok_sources\": %llu,\n", (unsigned long long)oks);

    /* sensors */
    fprintf(f, "\"sensors\": [");
    for (int i = 0; i < m->nhp; i++) {
        const honeypot *h = &m->hp[i];
        fprintf(f, "%s\n  {\"sensor\": \"%s\", \"requests\": %llu, \"register\": %llu, \"invite\": %llu, "
                   "\"options\": %llu}",
                i ? "," : "", h->id, (unsigned long long)h->requests, (unsigned long long)h->registers,
                (unsigned long long)h->invites, (unsigned long long)h->options);
    }
    fprintf(f, "]\n}\n");
    free(v);
    if (fclose(f) != 0) {
        snprintf(m->err, m->errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

static void sim_free(sim *m)
{
    if (m->log_open)
        eventlog_close(&m->log);
    for (int i = 0; m->hp && i < m->nhp; i++)
        persona_free(m->hp[i].p);
    free(m->hp);
    for (size_t i = 0; m->src && i < m->nsrc; i++) {
        free(m->src[i].nums);
        free(m->src[i].dest_seen);
    }
    free(m->src);
    for (size_t i = 0; i < m->nnum; i++)
        free(m->num[i].srcs);
    free(m->num);
    free(m->ses);
    free(m->heap);
    free(m->regions);
    free(m->pairs);
    free(m->day_seen);
    free(m->msg);
    strmap_free(&m->pair_idx);
    strmap_free(&m->ccnum_idx);
    if (m->ip)
        ipdb_free(m->ip);
    if (m->nums)
        num_ctx_free(m->nums);
    if (m->agents)
        ag_db_free(m->agents);
}

int sim_run(const sim_options *o, sim_stats *st, char *err, size_t errlen)
{
    sim m;
    memset(&m, 0, sizeof m);
    m.o = o;
    m.err = err;
    m.errlen = errlen;
    err[0] = '\0';
    strmap_init(&m.pair_idx, 0);
    strmap_init(&m.ccnum_idx, 0);
    int rc = -1;
    if (o->scale <= 0 || o->scale > 10 || o->days < 1 || o->days > 3660 || o->sensors < 1 ||
        o->sensors > SIM_MAX_SENSORS) {
        snprintf(err, errlen, "scale must be in (0, 10], days in 1..3660, sensors in 1..%d", SIM_MAX_SENSORS);
        return -1;
    }
    sim_rng_seed(&m.rng, o->seed, 1);
    m.end_ms = o->start_ms + (int64_t)o->days * 86400000LL;
    m.msg = malloc(sizeof *m.msg);
    m.day_seen = calloc((size_t)o->days, 1);
    m.ip = ipdb_new();
    m.nums = num_ctx_new(o->home ? o->home : "BR", 0);
    char e2[256];
    if (!m.msg || !m.day_seen || !m.ip) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (!m.nums) {
        snprintf(err, errlen, "--home %s: not a country this sipsnare knows", o->home ? o->home : "BR");
        goto out;
    }
    if (ipdb_add_default(m.ip, e2, sizeof e2) < 0) {
        snprintf(err, errlen, "IP data: %s", e2);
        goto out;
    }
    m.agents = ag_db_load_default(e2, sizeof e2);
    if (!m.agents) {
        snprintf(err, errlen, "agent signatures: %s", e2);
        goto out;
    }
    /* the fixed agents must be of the class the model says */
    static const ag_class want[AS_COUNT] = {AG_UNDEFINED, AG_RANDOM, AG_SDK, AG_SERVER, AG_SOFTPHONE};
    for (int a = AS_SDK; a < AS_COUNT; a++)
        for (int k = 0; k < 2; k++)
            if (ag_classify(m.agents, AS_FIXED[a][k], NULL) != want[a]) {
                snprintf(err, errlen, "agent signatures: \"%s\" is not %s", AS_FIXED[a][k],
                         ag_class_name(want[a]));
                goto out;
            }
    if (ag_classify(m.agents, ROGUE_AGENT, NULL) != AG_SERVER ||
        ag_classify(m.agents, SCANNER_AGENT, NULL) != AG_ATTACK_TOOL) {
        snprintf(err, errlen, "agent signatures: the server or scanner agent is not recognised");
        goto out;
    }
    pn_examples(on_example, &m);
    /* regions whose numbers read cleanly from the home country */
    if (m.nregions < 20) {
        snprintf(err, errlen, "libphonenumber has too few example numbers");
        goto out;
    }

    sim_sizes z;
    sim_sizes_for(o->scale, &z);
    if (make_honeypots(&m) != 0 || make_sources(&m, &z) != 0)
        goto fail;
    /* when each source starts; crackers pick a honeypot and a weak extension */
    for (size_t i = 0; i < m.nsrc; i++) {
        source *s = &m.src[i];
        int64_t span = m.end_ms - o->start_ms;
        s->t0 = o->start_ms + (int64_t)(sim_rng_unit(&m.rng) * 0.7 * (double)span) + 60000;
        s->crack_sensor = (int)sim_rng_below(&m.rng, (uint64_t)m.nhp);
        s->crack_ext = (int)sim_rng_below(&m.rng, 10);
    }
    if (plan_scans(&m) != 0 || plan_registers(&m, &z) != 0 || plan_calls(&m, &z) != 0)
        goto fail;

    int fd = open(o->out_path, O_WRONLY | O_CREAT | O_TRUNC, 0640);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", o->out_path, strerror(errno));
        goto out;
    }
    close(fd);
    if (eventlog_open(&m.log, o->out_path, 3600000) != 0) {
        snprintf(err, errlen, "%s: %s", o->out_path, strerror(errno));
        goto out;
    }
    m.log_open = 1;
    if (run_sessions(&m) != 0)
        goto fail;
    if (eventlog_flush(&m.log) != 0) {
        snprintf(err, errlen, "%s: cannot write", o->out_path);
        goto out;
    }
    if (o->truth_path && !o->limit && write_truth(&m, o->truth_path) != 0)
        goto out;
    m.st.ips = 0;
    for (size_t i = 0; i < m.nsrc; i++)
        m.st.ips += m.src[i].requests > 0;
    for (int i = 0; i < m.nhp; i++)
        m.st.sensors += m.hp[i].requests > 0;
    if (st)
        *st = m.st;
    rc = 0;
    goto out;
fail:
    if (!err[0])
        snprintf(err, errlen, "out of memory");
out:
    sim_free(&m);
    return rc;
}
