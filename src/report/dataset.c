/*
 * dataset.c - one pass over the store feeding the analysis (dataset.h).
 *
 * The pass is store_iterate in time order: each event updates the summary,
 * the day and sensor counters; each request becomes an an_event for the
 * unified calls (calls.h), the attack steps (steps.h) and the agent table.
 * Agent classes are decided after the pass, when it is known how often
 * each string occurred (a random string never repeats).
 */
#include "report/dataset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "analyze/keymemo.h"
#include "analyze/strmap.h"

/* Distinct (agent, source) and (day, source) pairs counted; beyond this the
 * per-agent and per-day source counts stop growing (a year of the study's
 * traffic has far fewer). */
#define DS_MAX_PAIRS (8u << 20)
#define DS_MAX_SENSORS 4096
#define DS_FIELD_MAX 2048

/* Distinct pairs as 64-bit FNV-1a hashes in an open-addressing set: 8 bytes
 * a pair instead of a copied string (three pairs per request made string
 * keys a tenth of a report's time). Two pairs sharing a hash would count
 * once; at 8M pairs the chance of any such collision is below 1e-5. */
typedef struct {
    uint64_t *slot;            /* 0: empty (a hash of 0 is stored as 1) */
    size_t cap, n;
} pairset;

static int pairset_add(pairset *s, uint64_t h)
{
    if (h == 0)
        h = 1;
    if ((s->n + 1) * 2 > s->cap) {
        if (s->n >= DS_MAX_PAIRS)
            return 0;
        size_t nc = s->cap ? s->cap * 2 : 1024;
        uint64_t *ns = calloc(nc, sizeof *ns);
        if (!ns)
            return 0;
        for (size_t i = 0; i < s->cap; i++)
            if (s->slot[i])
                for (size_t j = (size_t)(s->slot[i] * 0x9E3779B97F4A7C15ULL) & (nc - 1);; j = (j + 1) & (nc - 1))
                    if (!ns[j]) {
                        ns[j] = s->slot[i];
                        break;
                    }
        free(s->slot);
        s->slot = ns;
        s->cap = nc;
    }
    for (size_t j = (size_t)(h * 0x9E3779B97F4A7C15ULL) & (s->cap - 1);; j = (j + 1) & (s->cap - 1)) {
        if (s->slot[j] == h)
            return 0;
        if (!s->slot[j]) {
            s->slot[j] = h;
            s->n++;
            return 1;
        }
    }
}

static void pairset_free(pairset *s)
{
    free(s->slot);
    memset(s, 0, sizeof *s);
}

struct dataset {
    char store_name[600];
    ds_summary sum;
    ag_db *agents_db;
    num_ctx *nums;
    calls_t *calls;
    steps_t *steps;
    ipdb *ip;
    char ip_attrib[256];
    int have_ipdb;

    ds_agent *agents;
    size_t n_agents, cap_agents;
    strmap agent_idx;          /* ua -> index; the absent header is key "\x01" */
    unsigned long agents_overflow;
    ag_seen *seen;

    ds_day *days;
    size_t n_days, cap_days;
    int64_t cur_day;           /* days since the epoch of days[n_days-1] */

    ds_sensor *sensors;
    size_t n_sensors;
    strmap sensor_idx;
    keymemo sensor_memo;       /* (sensor_key, 0) -> index */
    keymemo agent_memo;        /* (ua_key, 0) -> index */

    pairset pairs;             /* (agent, ip), (day, ip), (sensor, ip) seen */

    ds_source *sources;
    size_t n_sources;
    strmap source_idx;

    ds_random_example *randoms;
    size_t n_randoms;

    /* the current event's strings, NUL-terminated copies */
    char buf[16][DS_FIELD_MAX + 1];
    int progress;
    unsigned long progress_next;
};

static void *grow(void *p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return p;
    size_t n = *cap ? *cap : 64;
    while (n < need)
        n *= 2;
    void *q = realloc(p, n * elem);
    if (!q)
        return NULL;
    *cap = n;
    return q;
}

/* A store string as a C string in the event scratch slot i; NULL stays NULL. */
static const char *cstr(dataset *d, int i, store_str s)
{
    if (!s.p)
        return NULL;
    size_t n = s.len < DS_FIELD_MAX ? s.len : DS_FIELD_MAX;
    memcpy(d->buf[i], s.p, n);
    d->buf[i][n] = '\0';
    return d->buf[i];
}

static int streq(store_str s, const char *lit)
{
    size_t n = strlen(lit);
    return s.p && s.len == n && memcmp(s.p, lit, n) == 0;
}

static ds_day *day_of(dataset *d, int64_t ts_ms)
{
    int64_t day = ts_ms >= 0 ? ts_ms / 86400000 : -((-ts_ms + 86399999) / 86400000);
    if (d->n_days > 0 && day == d->cur_day)
        return &d->days[d->n_days - 1];
    if (d->n_days >= DS_MAX_DAYS)
        return NULL;
    ds_day *nd = grow(d->days, &d->cap_days, d->n_days + 1, sizeof *d->days);
    if (!nd)
        return NULL;
    d->days = nd;
    ds_day *x = &d->days[d->n_days++];
    memset(x, 0, sizeof *x);
    time_t t = (time_t)(day * 86400);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(x->day, sizeof x->day, "%Y-%m-%d", &tm);
    d->cur_day = day;
    return x;
}

static ds_sensor *sensor_of(dataset *d, int64_t key, const char *name)
{
    size_t *v = keymemo_get(&d->sensor_memo, key, 0);
    if (v)
        return &d->sensors[*v];
    v = strmap_get(&d->sensor_idx, name);
    if (v) {
        keymemo_put(&d->sensor_memo, key, 0, *v);
        return &d->sensors[*v];
    }
    if (d->n_sensors >= DS_MAX_SENSORS)
        return NULL;
    ds_sensor *ns = realloc(d->sensors, (d->n_sensors + 1) * sizeof *d->sensors);
    if (!ns)
        return NULL;
    d->sensors = ns;
    ds_sensor *s = &d->sensors[d->n_sensors];
    memset(s, 0, sizeof *s);
    s->sensor = strdup(name);
    if (!s->sensor || !strmap_put(&d->sensor_idx, name, d->n_sensors, &(int){0})) {
        free(s->sensor);
        return NULL;
    }
    keymemo_put(&d->sensor_memo, key, 0, d->n_sensors);
    d->n_sensors++;
    return s;
}

/* Counts a (kind, id, source) pair once (id: an agent's, sensor's or
 * day's number); returns 1 when it is new. With the scan's src_key (> 0)
 * the source is hashed as that number, else as its text: one pass has
 * keys for every event or for none. */
static int pair_new(dataset *d, char kind, uint64_t id, const an_event *ev)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    h = (h ^ (unsigned char)kind) * 0x100000001b3ULL;
    for (int i = 0; i < 64; i += 8)
        h = (h ^ ((id >> i) & 0xff)) * 0x100000001b3ULL;
    if (ev->src_key > 0) {
        for (int i = 0; i < 64; i += 8)
            h = (h ^ (((uint64_t)ev->src_key >> i) & 0xff)) * 0x100000001b3ULL;
    } else {
        for (const char *p = ev->src_ip; *p; p++)
            h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    }
    return pairset_add(&d->pairs, h);
}

static void count_agent(dataset *d, const an_event *ev, int64_t ua_key)
{
    const char *key = ev->user_agent ? ev->user_agent : "\x01";
    size_t *v = keymemo_get(&d->agent_memo, ua_key, 0);
    if (!v && (v = strmap_get(&d->agent_idx, key)) != NULL)
        keymemo_put(&d->agent_memo, ua_key, 0, *v);
    ds_agent *a;
    size_t idx;
    if (v) {
        idx = *v;
        a = &d->agents[idx];
    } else {
        if (d->n_agents >= DS_MAX_AGENTS) {
            d->agents_overflow++;
            return;
        }
        ds_agent *na = grow(d->agents, &d->cap_agents, d->n_agents + 1, sizeof *d->agents);
        if (!na)
            return;
        d->agents = na;
        idx = d->n_agents;
        a = &d->agents[idx];
        memset(a, 0, sizeof *a);
        a->ua = ev->user_agent ? strdup(ev->user_agent) : NULL;
        if ((ev->user_agent && !a->ua) || !strmap_put(&d->agent_idx, key, idx, &(int){0})) {
            free(a->ua);
            return;
        }
        keymemo_put(&d->agent_memo, ua_key, 0, idx);
        d->n_agents++;
        a->first_ms = ev->time_ms;
        snprintf(a->first_src, sizeof a->first_src, "%s", ev->src_ip);
    }
    a->requests++;
    if (ev->method && strcmp(ev->method, "INVITE") == 0)
        a->invites++;
    if (a->sources < 65535 && pair_new(d, 'a', idx, ev))
        a->sources++;
    if (ev->user_agent)
        ag_seen_add(d->seen, ev->user_agent);
}

static int on_event(void *arg, const store_event *e)
{
    dataset *d = arg;
    ds_summary *s = &d->sum;
    s->events++;
    if (s->first_ms == 0 || e->ts_ms < s->first_ms)
        s->first_ms = e->ts_ms;
    if (e->ts_ms > s->last_ms)
        s->last_ms = e->ts_ms;
    if (d->progress && s->events >= d->progress_next) {
        fprintf(stderr, "\r\033[K%lu events read", s->events);
        d->progress_next += 1000000;
    }
    const char *sensor = cstr(d, 0, e->sensor);
    ds_sensor *sen = sensor_of(d, e->sensor_key, sensor ? sensor : "");
    if (sen) {
        if (sen->first_ms == 0 || e->ts_ms < sen->first_ms)
            sen->first_ms = e->ts_ms;
        if (e->ts_ms > sen->last_ms)
            sen->last_ms = e->ts_ms;
    }
    if (streq(e->eventid, "sip.malformed")) {
        s->malformed++;
        if (sen)
            sen->malformed++;
        return 0;
    }
    if (streq(e->eventid, "sip.response")) {
        s->responses++;
        return 0;
    }
    if (streq(e->eventid, "sip.ratelimited")) {
        s->ratelimited++;
        if (sen)
            sen->ratelimited++;
        return 0;
    }
    if (!streq(e->eventid, "sip.request"))
        return 0;

    an_event ev;
    memset(&ev, 0, sizeof ev);
    ev.time_ms = e->ts_ms;
    ev.sensor = sensor;
    ev.sensor_key = e->sensor_key;
    ev.src_key = e->src_ip_key;
    ev.src_ip = cstr(d, 1, e->src_ip);
    if (!ev.src_ip || an_ip_parse(ev.src_ip, &ev.src) != 0)
        return 0;
    ev.method = cstr(d, 2, e->method);
    if (!ev.method)
        ev.method = "";
    ev.ruri_user = cstr(d, 3, e->ruri_user);
    ev.from_user = cstr(d, 4, e->from_user);
    ev.to_user = cstr(d, 5, e->to_user);
    ev.from_tag = cstr(d, 6, e->from_tag);
    ev.contact_user = cstr(d, 7, e->contact_user);
    ev.call_id = cstr(d, 8, e->call_id);
    ev.user_agent = cstr(d, 9, e->user_agent);
    ev.auth_user = cstr(d, 10, e->auth_user);
    const char *outcome = cstr(d, 11, e->auth_outcome);
    ev.auth_outcome = outcome ? an_auth_from_name(outcome) : AN_AUTH_UNSET;
    ev.response = e->response == STORE_NULL ? 0 : (int)e->response;
    ev.dial_external = e->dial_external == STORE_NULL ? -1 : (int)e->dial_external;
    ev.extension_known = e->extension_known == STORE_NULL ? -1 : (int)e->extension_known;
    const char *warnings = cstr(d, 12, e->warnings);
    ev.contact_bad = warnings && strstr(warnings, "bad_contact") != NULL;

    s->requests++;
    int is_invite = strcmp(ev.method, "INVITE") == 0;
    int is_register = strcmp(ev.method, "REGISTER") == 0;
    int is_options = strcmp(ev.method, "OPTIONS") == 0;
    if (is_invite)
        s->invites++;
    else if (is_register)
        s->registers++;
    else if (is_options)
        s->options++;
    else
        s->other_methods++;
    if (sen) {
        sen->requests++;
        sen->invites += is_invite;
        sen->registers += is_register;
        sen->options += is_options;
        if (pair_new(d, 's', (uint64_t)(sen - d->sensors), &ev))
            sen->sources++;
    }
    ds_day *day = day_of(d, e->ts_ms);
    if (day) {
        day->requests++;
        day->invites += is_invite;
        day->registers += is_register;
        day->options += is_options;
        day->other += !is_invite && !is_register && !is_options;
        if (pair_new(d, 'd', (uint64_t)d->cur_day, &ev))
            day->sources++;
    }
    count_agent(d, &ev, e->ua_key);

    const call_t *call = NULL;
    long ci = calls_add(d->calls, &ev);
    if (ci >= 0) {
        size_t n;
        const call_t *list = calls_list(d->calls, &n);
        if ((size_t)ci < n)
            call = &list[ci];
    }
    steps_add(d->steps, &ev, call);
    return 0;
}

static int cmp_agents(const void *a, const void *b)
{
    const ds_agent *x = a, *y = b;
    if (x->requests != y->requests)
        return x->requests < y->requests ? 1 : -1;
    if (x->first_ms != y->first_ms)
        return x->first_ms < y->first_ms ? -1 : 1;
    return 0;
}

static int cmp_random(const void *a, const void *b)
{
    const ds_random_example *x = a, *y = b;
    return (x->ms > y->ms) - (x->ms < y->ms);
}

static int add_ip_sources(dataset *d, const ds_options *o, char *err, size_t errlen)
{
    char e2[256];
    for (const char *const *p = o->ipdbs; p && *p; p++) {
        const char *path = *p;
        size_t n = strlen(path);
        const char *base = strrchr(path, '/');
        base = base ? base + 1 : path;
        int rc;
        if (n > 5 && strcmp(path + n - 5, ".mmdb") == 0)
            rc = ipdb_add_mmdb(d->ip, path, e2, sizeof e2);
        else if (strncmp(base, "delegated-", 10) == 0)
            rc = ipdb_add_rir(d->ip, path, e2, sizeof e2);
        else
            rc = ipdb_add_ranges(d->ip, path, 0, e2, sizeof e2);
        if (rc < 0) {
            snprintf(err, errlen, "--ipdb %s: %s", path, e2);
            return -1;
        }
        d->have_ipdb = 1;
    }
    if (!o->no_default_ipdb) {
        if (ipdb_add_default(d->ip, e2, sizeof e2) > 0) {
            d->have_ipdb = 1;
            snprintf(d->ip_attrib, sizeof d->ip_attrib,
                     "Source countries and AS numbers: ip-location-db snapshot (CC BY 4.0; "
                     "NRO, RouteViews, DB-IP: IP Geolocation by DB-IP)%s",
                     o->ipdbs && o->ipdbs[0] ? ", after the --ipdb files" : "");
        } else {
            /* No snapshot installed: the report says countries are unknown. */
            fprintf(stderr, "sipsnare: no IP data: %s\n", e2);
        }
    } else if (d->have_ipdb) {
        snprintf(d->ip_attrib, sizeof d->ip_attrib, "Source countries and AS numbers: the --ipdb files");
    }
    return 0;
}

/* After the pass: enrich the sources, decide agent classes, count. */
static int finish(dataset *d)
{
    steps_finish(d->steps);
    size_t n;
    const step_source *ss = steps_sources(d->steps, &n);
    d->sources = calloc(n ? n : 1, sizeof *d->sources);
    if (!d->sources)
        return -1;
    strmap countries, asns;
    strmap_init(&countries, 0);
    strmap_init(&asns, 0);
    for (size_t i = 0; i < n; i++) {
        ds_source *src = &d->sources[i];
        src->steps = &ss[i];
        memset(&src->info, 0, sizeof src->info);
        src->info.country_source = src->info.asn_source = -1;
        if (d->have_ipdb)
            ipdb_lookup(d->ip, &ss[i].src, &src->info);
        if (src->info.country[0])
            strmap_put(&countries, src->info.country, 0, &(int){0});
        if (src->info.asn) {
            char k[16];
            snprintf(k, sizeof k, "%u", src->info.asn);
            strmap_put(&asns, k, 0, &(int){0});
        }
        strmap_put(&d->source_idx, ss[i].src_ip, i, &(int){0});
    }
    d->n_sources = n;
    d->sum.unique_ips = n;
    d->sum.unique_countries = countries.n;
    d->sum.unique_asns = asns.n;
    strmap_free(&countries);
    strmap_free(&asns);
    d->sum.days = d->n_days;
    d->sum.sensors = d->n_sensors;
    size_t ncalls;
    calls_list(d->calls, &ncalls);
    d->sum.unified_calls = ncalls;

    for (size_t i = 0; i < d->n_agents; i++) {
        ag_match m;
        ds_agent *a = &d->agents[i];
        a->cls = ag_classify_seen(d->agents_db, d->seen, a->ua, &m);
        a->tool = m.tool ? m.tool : "";
        if (a->cls == AG_RANDOM && d->n_randoms < DS_MAX_AGENTS) {
            ds_random_example *r = realloc(d->randoms, (d->n_randoms + 1) * sizeof *r);
            if (!r)
                return -1;
            d->randoms = r;
            r[d->n_randoms].ms = a->first_ms;
            memcpy(r[d->n_randoms].src, a->first_src, sizeof r->src);
            r[d->n_randoms].ua = a->ua;
            d->n_randoms++;
        }
    }
    qsort(d->agents, d->n_agents, sizeof *d->agents, cmp_agents);
    if (d->n_randoms)
        qsort(d->randoms, d->n_randoms, sizeof *d->randoms, cmp_random);
    /* The ua pointers of the examples are the agents' own (moved by the
     * sort, not freed), so they stay valid. */
    pairset_free(&d->pairs);
    return 0;
}

static int is_plain_path(const char *db)
{
    return strncmp(db, "postgresql://", 13) != 0 && strncmp(db, "postgres://", 11) != 0;
}

dataset *ds_load(const ds_options *o, char *err, size_t errlen)
{
    const char *db = o->db ? o->db : "sipsnare.db";
    if (is_plain_path(db)) {
        const char *path = strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db;
        struct stat st;
        if (stat(path, &st) != 0) {
            snprintf(err, errlen, "%s: no such store (load events with `sipsnare ingest --db %s FILE`)",
                     path, path);
            return NULL;
        }
    }
    dataset *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    strmap_init(&d->agent_idx, 0);
    strmap_init(&d->sensor_idx, 0);
    strmap_init(&d->source_idx, 0);
    d->progress = o->progress;
    d->progress_next = 1000000;
    char e2[512];
    d->agents_db = o->agents ? ag_db_load(o->agents, e2, sizeof e2) : ag_db_load_default(e2, sizeof e2);
    if (!d->agents_db) {
        snprintf(err, errlen, "user-agent signatures: %s", e2);
        goto fail;
    }
    d->nums = num_ctx_new(o->home, 0);
    if (!d->nums) {
        snprintf(err, errlen, "--home %s: not a country this sipsnare knows", o->home ? o->home : "?");
        goto fail;
    }
    if (o->categories && num_ctx_load_categories(d->nums, o->categories, e2, sizeof e2) < 0) {
        snprintf(err, errlen, "--categories: %s", e2);
        goto fail;
    }
    calls_config cc = {.window_ms = o->call_window_ms};
    d->calls = calls_new(d->nums, &cc);
    d->steps = steps_new(d->agents_db, NULL);
    d->seen = ag_seen_new(DS_MAX_AGENTS);
    d->ip = ipdb_new();
    if (!d->calls || !d->steps || !d->seen || !d->ip) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (add_ip_sources(d, o, err, errlen) != 0)
        goto fail;

    store *st = store_open_reader(db, e2, sizeof e2);
    if (!st) {
        snprintf(err, errlen, "%s", e2);
        goto fail;
    }
    snprintf(d->store_name, sizeof d->store_name, "%s:%s", store_backend_name(st),
             strncmp(db, "sqlite:", 7) == 0 ? db + 7 : db);
    /* A PostgreSQL URI may carry a password: show only the part after '@'. */
    if (!is_plain_path(db)) {
        const char *at = strrchr(db, '@');
        snprintf(d->store_name, sizeof d->store_name, "postgresql://%s",
                 at ? at + 1 : db + (strncmp(db, "postgres://", 11) == 0 ? 11 : 13));
    }
    store_filter f = {.since_ms = o->since_ms, .until_ms = o->until_ms, .sensor = o->sensor, .lean = 1};
    int rc = store_iterate(st, &f, on_event, d);
    if (rc != 0)
        snprintf(err, errlen, "reading the store: %s", store_errmsg(st));
    store_close(st);
    if (d->progress && d->sum.events >= 1000000)
        fputs("\r\033[K", stderr);
    if (rc != 0)
        goto fail;
    if (finish(d) != 0) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    return d;
fail:
    ds_free(d);
    return NULL;
}

void ds_free(dataset *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_agents; i++)
        free(d->agents[i].ua);
    free(d->agents);
    free(d->randoms);
    for (size_t i = 0; i < d->n_sensors; i++)
        free(d->sensors[i].sensor);
    free(d->sensors);
    free(d->days);
    free(d->sources);
    strmap_free(&d->agent_idx);
    strmap_free(&d->sensor_idx);
    pairset_free(&d->pairs);
    strmap_free(&d->source_idx);
    if (d->seen)
        ag_seen_free(d->seen);
    if (d->steps)
        steps_free(d->steps);
    if (d->calls)
        calls_free(d->calls);
    if (d->nums)
        num_ctx_free(d->nums);
    if (d->agents_db)
        ag_db_free(d->agents_db);
    if (d->ip)
        ipdb_free(d->ip);
    free(d);
}

const ds_summary *ds_get_summary(const dataset *d) { return &d->sum; }

const ds_agent *ds_agents(const dataset *d, size_t *n)
{
    *n = d->n_agents;
    return d->agents;
}

const ds_day *ds_days(const dataset *d, size_t *n)
{
    *n = d->n_days;
    return d->days;
}

const ds_sensor *ds_sensors(const dataset *d, size_t *n)
{
    *n = d->n_sensors;
    return d->sensors;
}

const ds_source *ds_sources(const dataset *d, size_t *n)
{
    *n = d->n_sources;
    return d->sources;
}

const ds_source *ds_find_source(const dataset *d, const char *ip)
{
    size_t *v = strmap_get(&d->source_idx, ip);
    return v ? &d->sources[*v] : NULL;
}

const calls_t *ds_calls(const dataset *d) { return d->calls; }
const steps_t *ds_steps(const dataset *d) { return d->steps; }
const ag_db *ds_agent_db(const dataset *d) { return d->agents_db; }

const ds_random_example *ds_random_examples(const dataset *d, size_t *n)
{
    *n = d->n_randoms;
    return d->randoms;
}

const char *ds_store_name(const dataset *d) { return d->store_name; }

const char *ds_home(const dataset *d) { return num_ctx_home(d->nums); }

const char *ds_ipdb_attribution(const dataset *d)
{
    return d->ip_attrib[0] ? d->ip_attrib : NULL;
}
