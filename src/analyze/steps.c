/*
 * steps.c - attack steps and the rogue-server score (steps.h).
 */
#include "analyze/steps.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyze/keymemo.h"
#include "analyze/strmap.h"

const char *step_name(step_kind k)
{
    static const char *const names[STEP_COUNT] = {"scanning", "enumeration", "brute-force", "abuse"};
    return (unsigned)k < STEP_COUNT ? names[k] : "?";
}

struct table {
    step_source *v;
    size_t n, cap;
    strmap index;
    keymemo memo;            /* (src_key, sensor_key or 0) -> index */
    strmap *users;           /* per record: distinct probed users, "<m> <user>" */
};

struct steps {
    const ag_db *agents;
    steps_config cfg;
    struct table by_src, by_src_sensor;
    ag_seen *seen;
    unsigned long dropped;
    /* The last agent's class: floods repeat one agent, and classifying
     * runs regular expressions (a third of a report's time without this). */
    int memo_set, memo_null;
    char memo_ua[256];
    ag_class memo_cls;
};

steps_t *steps_new(const ag_db *agents, const steps_config *cfg)
{
    steps_t *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->agents = agents;
    if (cfg)
        s->cfg = *cfg;
    if (!s->cfg.enum_min_users)
        s->cfg.enum_min_users = 10;
    if (!s->cfg.brute_min_failures)
        s->cfg.brute_min_failures = 3;
    if (!s->cfg.max_sources)
        s->cfg.max_sources = (size_t)1 << 20;
    strmap_init(&s->by_src.index, s->cfg.max_sources);
    strmap_init(&s->by_src_sensor.index, s->cfg.max_sources);
    s->seen = ag_seen_new(0);
    if (!s->seen) {
        free(s);
        return NULL;
    }
    return s;
}

static void table_free(struct table *t)
{
    for (size_t i = 0; i < t->n; i++) {
        step_source *r = &t->v[i];
        free(r->src_ip);
        free(r->sensor);
        free(r->countries);
        free(r->exts);
        for (unsigned a = 0; a < r->n_invite_agents; a++)
            free(r->invite_agents[a].ua);
        strmap_free(&t->users[i]);
    }
    free(t->v);
    free(t->users);
    strmap_free(&t->index);
}

void steps_free(steps_t *s)
{
    if (!s)
        return;
    table_free(&s->by_src);
    table_free(&s->by_src_sensor);
    ag_seen_free(s->seen);
    free(s);
}

static step_source *record(steps_t *s, struct table *t, const an_event *ev, int with_sensor)
{
    int64_t sensor_key = with_sensor ? ev->sensor_key : 0;
    if (with_sensor && sensor_key <= 0)
        sensor_key = -1;   /* no key: never memoised */
    size_t *v = keymemo_get(&t->memo, ev->src_key, sensor_key);
    if (v)
        return &t->v[*v];
    char key[320];
    const char *ip = ev->src_ip ? ev->src_ip : "";
    const char *sensor = ev->sensor ? ev->sensor : "";
    snprintf(key, sizeof key, with_sensor ? "%s\t%s" : "%s", ip, sensor);
    v = strmap_get(&t->index, key);
    if (v) {
        keymemo_put(&t->memo, ev->src_key, sensor_key, *v);
        return &t->v[*v];
    }
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        step_source *nv = realloc(t->v, nc * sizeof *nv);
        if (!nv)
            return NULL;
        t->v = nv;
        strmap *nu = realloc(t->users, nc * sizeof *nu);
        if (!nu)
            return NULL;
        t->users = nu;
        t->cap = nc;
    }
    int added;
    if (!strmap_put(&t->index, key, t->n, &added)) {
        s->dropped++;
        return NULL;
    }
    step_source *r = &t->v[t->n];
    memset(r, 0, sizeof *r);
    strmap_init(&t->users[t->n], STEP_MAX_USERS);
    r->src_ip = strdup(ip);
    r->src = ev->src;
    r->sensor = with_sensor ? strdup(sensor) : NULL;
    r->first_ms = r->last_ms = ev->time_ms;
    keymemo_put(&t->memo, ev->src_key, sensor_key, t->n);
    t->n++;
    return r;
}

static int method_class(const char *m)
{
    if (!m)
        return PM_OTHER;
    if (strcmp(m, "OPTIONS") == 0)
        return PM_OPTIONS;
    if (strcmp(m, "REGISTER") == 0)
        return PM_REGISTER;
    if (strcmp(m, "INVITE") == 0)
        return PM_INVITE;
    return PM_OTHER;
}

static void step_mark(step_info *st, int64_t t)
{
    if (!st->present || t < st->began_ms)
        st->began_ms = t;
    st->present = 1;
    st->requests++;
}

static void add_country(step_source *r, const char *country)
{
    if (!country || !*country)
        return;
    for (unsigned i = 0; i < r->n_countries; i++)
        if (strcmp(r->countries[i], country) == 0)
            return;
    if (r->n_countries >= STEP_MAX_COUNTRIES) {
        r->more_countries++;
        return;
    }
    if (!r->countries) {
        r->countries = calloc(STEP_MAX_COUNTRIES, sizeof *r->countries);
        if (!r->countries)
            return;
    }
    snprintf(r->countries[r->n_countries++], sizeof r->countries[0], "%s", country);
}

static void add_invite_agent(step_source *r, const char *ua)
{
    for (unsigned i = 0; i < r->n_invite_agents; i++) {
        const char *k = r->invite_agents[i].ua;
        if ((k == NULL && ua == NULL) || (k && ua && strcmp(k, ua) == 0)) {
            r->invite_agents[i].count++;
            return;
        }
    }
    if (r->n_invite_agents < STEP_TOP_AGENTS) {
        step_agent *a = &r->invite_agents[r->n_invite_agents];
        a->ua = ua ? strdup(ua) : NULL;
        if (ua && !a->ua) {
            r->invite_agents_other++;
            return;
        }
        a->count = 1;
        r->n_invite_agents++;
        return;
    }
    r->invite_agents_other++;
}

static void add_ext(step_source *r, const char *ext, an_auth outcome)
{
    step_ext *e = NULL;
    for (unsigned i = 0; i < r->n_exts; i++)
        if (strcmp(r->exts[i].ext, ext) == 0)
            e = &r->exts[i];
    if (!e && !r->exts)
        r->exts = calloc(STEP_MAX_EXT, sizeof *r->exts);
    if (!e && r->exts && r->n_exts < STEP_MAX_EXT) {
        e = &r->exts[r->n_exts++];
        memset(e, 0, sizeof *e);
        snprintf(e->ext, sizeof e->ext, "%s", ext);
    }
    if (!e) {
        r->more_ext_attempts++;
        return;
    }
    e->attempts++;
    switch (outcome) {
    case AN_AUTH_OK: e->ok++; break;
    case AN_AUTH_WRONG_PASSWORD: e->wrong_password++; break;
    case AN_AUTH_UNKNOWN_USER: e->unknown_user++; break;
    default: e->other++; break;
    }
}

/* A credentialed request that failed: a password guess. */
static void brute_attempt(step_source *r, const an_event *ev)
{
    r->auth_failures++;
    add_ext(r, ev->auth_user, ev->auth_outcome);
    step_info *bf = &r->step[STEP_BRUTEFORCE];
    if (!bf->present || ev->time_ms < bf->began_ms)
        bf->began_ms = ev->time_ms;
    bf->present = -1;   /* a candidate until steps_finish counts the failures */
    bf->requests++;
}

static int auth_failed(an_auth a)
{
    return a != AN_AUTH_OK && a != AN_AUTH_UNSET && a != AN_AUTH_NONE;
}

static void update(steps_t *s, struct table *t, step_source *r, const an_event *ev,
                   const call_t *call, ag_class cls, int sv)
{
    int64_t tm = ev->time_ms;
    if (tm < r->first_ms)
        r->first_ms = tm;
    if (tm > r->last_ms)
        r->last_ms = tm;
    r->requests++;
    int mc = method_class(ev->method);
    r->by_method[mc]++;
    r->agent_class[cls]++;
    if (sv)
        r->sipvicious++;

    int external = ev->dial_external == 1 || (ev->dial_external < 0 && call != NULL);
    if (mc == PM_INVITE && external) {
        /* abuse: a call to an outside number, with or without credentials */
        r->invites_external++;
        step_mark(&r->step[STEP_ABUSE], tm);
        add_invite_agent(r, ev->user_agent);
        if (call) {
            if (call->invites == 1 && call->first_ms == tm)
                r->unified_calls++;
            add_country(r, call->dest.country);
        }
        if (ev->auth_user && auth_failed(ev->auth_outcome))
            brute_attempt(r, ev);
        return;
    }
    if (ev->auth_user) {
        /* credentials: a password guess, or the use of a cracked one */
        if (ev->auth_outcome == AN_AUTH_OK) {
            r->auth_ok++;
            add_ext(r, ev->auth_user, ev->auth_outcome);
        } else if (auth_failed(ev->auth_outcome)) {
            brute_attempt(r, ev);
        }
        return;
    }
    /* a probe */
    const char *user = mc == PM_REGISTER ? (ev->to_user ? ev->to_user : ev->from_user)
                                         : (ev->ruri_user ? ev->ruri_user : ev->to_user);
    if (r->probes[mc] == 0 || tm < r->probe_first_ms[mc])
        r->probe_first_ms[mc] = tm;
    r->probes[mc]++;
    /* "<method class> <user>", cut as snprintf would */
    char key[300];
    size_t ul = user ? strnlen(user, sizeof key - 3) : 0;
    key[0] = (char)('0' + mc);
    key[1] = ' ';
    if (ul)
        memcpy(key + 2, user, ul);
    key[2 + ul] = '\0';
    int added;
    size_t idx = (size_t)(r - t->v);
    if (strmap_put(&t->users[idx], key, 0, &added)) {
        if (added)
            r->probe_users[mc]++;
    } else if (!strmap_get(&t->users[idx], key)) {
        r->probe_users_capped[mc] = 1;
    }
    (void)s;
}

void steps_add(steps_t *s, const an_event *ev, const call_t *call)
{
    ag_class cls;
    const char *ua = ev->user_agent;
    if (s->memo_set && (ua ? !s->memo_null && strcmp(ua, s->memo_ua) == 0 : s->memo_null)) {
        cls = s->memo_cls;
    } else {
        cls = ag_classify(s->agents, ua, NULL);
        s->memo_set = !ua || strlen(ua) < sizeof s->memo_ua;
        s->memo_null = !ua;
        if (ua && s->memo_set)
            strcpy(s->memo_ua, ua);
        s->memo_cls = cls;
    }
    if (ev->user_agent)
        ag_seen_add(s->seen, ev->user_agent);
    sv_info sv;
    unsigned bits = sv_inspect(ev, &sv);
    int is_sv = (bits & SV_TAG) || __builtin_popcount(bits) >= 2;
    step_source *r = record(s, &s->by_src, ev, 0);
    if (r)
        update(s, &s->by_src, r, ev, call, cls, is_sv);
    r = record(s, &s->by_src_sensor, ev, 1);
    if (r)
        update(s, &s->by_src_sensor, r, ev, call, cls, is_sv);
}

static void finish_one(const steps_t *s, step_source *r)
{
    /* scanning and enumeration from the probes of each method */
    for (int m = 0; m < PM_COUNT; m++) {
        if (!r->probes[m])
            continue;
        int enumerating = r->probe_users[m] >= s->cfg.enum_min_users || r->probe_users_capped[m];
        step_info *st = &r->step[enumerating ? STEP_ENUMERATION : STEP_SCANNING];
        if (!st->present || r->probe_first_ms[m] < st->began_ms)
            st->began_ms = r->probe_first_ms[m];
        st->present = 1;
        st->requests += r->probes[m];
    }
    step_info *bf = &r->step[STEP_BRUTEFORCE];
    if (bf->present == -1)
        bf->present = r->auth_failures >= s->cfg.brute_min_failures;
    if (!bf->present) {
        bf->began_ms = 0;
        bf->requests = 0;
    }

    /* the dominant agent of its INVITEs */
    unsigned long total = r->invite_agents_other, best = 0;
    const step_agent *top = NULL;
    for (unsigned i = 0; i < r->n_invite_agents; i++) {
        total += r->invite_agents[i].count;
        if (r->invite_agents[i].count > best) {
            best = r->invite_agents[i].count;
            top = &r->invite_agents[i];
        }
    }
    r->dominant_class = AG_UNDEFINED;
    r->dominant_share = 0;
    double s_agent = 0;
    if (top && total) {
        r->dominant_class = ag_classify_seen(s->agents, s->seen, top->ua, NULL);
        r->dominant_share = (double)best / (double)total;
        if (r->dominant_share >= 0.9) {
            switch (r->dominant_class) {
            case AG_SERVER: case AG_SDK: case AG_SOFTPHONE: case AG_PHONE: case AG_OTHER:
                s_agent = 1;
                break;
            case AG_UNDEFINED:
                s_agent = 0.5;
                break;
            default:
                break;
            }
        }
    }
    double countries = (double)r->n_countries + (double)r->more_countries;
    double s_c = log2(1 + countries) / log2(65);
    double s_n = log10(1 + (double)r->unified_calls) / 4;
    if (s_c > 1)
        s_c = 1;
    if (s_n > 1)
        s_n = 1;
    r->rogue_score = (int)lround(100 * (0.5 * s_c + 0.3 * s_n + 0.2 * s_agent));
    if (!r->unified_calls)
        r->rogue_score = 0;
    r->rogue = r->rogue_score >= 60 && countries >= 10;
}

void steps_finish(steps_t *s)
{
    for (size_t i = 0; i < s->by_src.n; i++)
        finish_one(s, &s->by_src.v[i]);
    for (size_t i = 0; i < s->by_src_sensor.n; i++)
        finish_one(s, &s->by_src_sensor.v[i]);
}

const step_source *steps_sources(const steps_t *s, size_t *n)
{
    *n = s->by_src.n;
    return s->by_src.v;
}

const step_source *steps_source_sensors(const steps_t *s, size_t *n)
{
    *n = s->by_src_sensor.n;
    return s->by_src_sensor.v;
}

const step_source *steps_find(const steps_t *s, const char *src_ip, const char *sensor)
{
    char key[320];
    const struct table *t = sensor ? &s->by_src_sensor : &s->by_src;
    snprintf(key, sizeof key, sensor ? "%s\t%s" : "%s", src_ip, sensor ? sensor : "");
    size_t *v = strmap_get(&t->index, key);
    return v ? &t->v[*v] : NULL;
}

size_t steps_describe(const step_source *src, char *buf, size_t len)
{
    size_t w = 0;
    if (len)
        buf[0] = '\0';
    for (int k = 0; k < STEP_COUNT; k++) {
        if (src->step[k].present != 1)
            continue;
        int n = snprintf(buf + w, w < len ? len - w : 0, "%s%s", w ? "," : "", step_name((step_kind)k));
        if (n > 0)
            w += (size_t)n;
    }
    return w;
}
