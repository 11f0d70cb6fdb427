/*
 * sections.c - the study's tables and figures from a dataset (sections.h).
 * Section by section, what is counted and how is documented in
 * docs/REPORTS.md; the study's numbering is kept in the titles.
 */
#include "report/sections.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "analyze/strmap.h"
#include "enrich/phonenumber_adapter.h"

/* ---- a small keyed tally for aggregations ---- */

#define TALLY_VALUES 4

typedef struct {
    char *key;
    unsigned long v[TALLY_VALUES];
} tally_row;

typedef struct {
    strmap idx;
    tally_row *rows;
    size_t n, cap;
} tally;

static void tally_init(tally *t)
{
    memset(t, 0, sizeof *t);
    strmap_init(&t->idx, 0);
}

static void tally_free(tally *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->rows[i].key);
    free(t->rows);
    strmap_free(&t->idx);
}

/* The row of key (created with zero counts); NULL when out of memory. */
static tally_row *tally_get(tally *t, const char *key)
{
    size_t *v = strmap_get(&t->idx, key);
    if (v)
        return &t->rows[*v];
    if (t->n == t->cap) {
        size_t nc = t->cap ? t->cap * 2 : 64;
        tally_row *nr = realloc(t->rows, nc * sizeof *nr);
        if (!nr)
            return NULL;
        t->rows = nr;
        t->cap = nc;
    }
    tally_row *r = &t->rows[t->n];
    memset(r, 0, sizeof *r);
    r->key = strdup(key);
    if (!r->key || !strmap_put(&t->idx, key, t->n, &(int){0})) {
        free(r->key);
        return NULL;
    }
    return &t->rows[t->n++];
}

static int tally_sort_col;

static int cmp_tally(const void *a, const void *b)
{
    const tally_row *x = a, *y = b;
    unsigned long p = x->v[tally_sort_col], q = y->v[tally_sort_col];
    if (p != q)
        return p < q ? 1 : -1;
    return strcmp(x->key, y->key);
}

/* Sorts by value column col, largest first (ties by key). The index map is
 * stale afterwards: sort only when done counting. */
static void tally_sort(tally *t, int col)
{
    tally_sort_col = col;
    if (t->n > 1)
        qsort(t->rows, t->n, sizeof *t->rows, cmp_tally);
}

static double share(unsigned long part, unsigned long whole)
{
    return whole ? (double)part / (double)whole : 0.0;
}

static const char *or_unknown(const char *country)
{
    return country && *country ? country : "??";
}

static const char *ua_text(const char *ua)
{
    return ua ? ua : "(no User-Agent)";
}

static size_t limit(size_t n, int top)
{
    return top > 0 && (size_t)top < n ? (size_t)top : n;
}

/* ---- Table 1: summary ---- */

static void add_metric(rpt_table *t, const char *metric, long long v, const char *what)
{
    size_t r = rpt_row(t);
    rpt_text(t, r, 0, metric);
    rpt_int(t, r, 1, v);
    rpt_text(t, r, 2, what);
}

static void sec_summary(rpt_report *r, const dataset *d, int top)
{
    (void)top;
    const ds_summary *s = ds_get_summary(d);
    rpt_section *sec = rpt_section_add(r, "summary", "Summary (the study's Table 1)",
        "Counts over the events in scope. Unified INVITEs: INVITEs from one source to the same "
        "canonical number within the call window, counted once (docs/ANALYSIS.md).");
    rpt_table *t = rpt_table_add(sec, "summary", "Summary", "metric:Metric:text", "value:Value:int",
                                 "meaning:Meaning:text", NULL);
    add_metric(t, "register", (long long)s->registers, "REGISTER requests");
    add_metric(t, "invite", (long long)s->invites, "INVITE requests");
    add_metric(t, "unified_invite", (long long)s->unified_calls, "unified call attempts to public numbers");
    add_metric(t, "options", (long long)s->options, "OPTIONS requests");
    add_metric(t, "other_requests", (long long)s->other_methods, "requests of other methods");
    add_metric(t, "requests", (long long)s->requests, "all requests");
    add_metric(t, "malformed", (long long)s->malformed, "datagrams or messages that were not SIP");
    add_metric(t, "ratelimited", (long long)s->ratelimited, "rate-limit notices (requests not answered)");
    add_metric(t, "unique_ips", (long long)s->unique_ips, "distinct source addresses of requests");
    add_metric(t, "unique_asns", (long long)s->unique_asns, "distinct source autonomous systems");
    add_metric(t, "unique_countries", (long long)s->unique_countries, "distinct source countries");
    add_metric(t, "days", (long long)s->days, "days with at least one event (UTC)");
    add_metric(t, "sensors", (long long)s->sensors, "sensors");
    rpt_table *p = rpt_table_add(sec, "period", "Period", "first_event:First event:time",
                                 "last_event:Last event:time", NULL);
    if (s->events) {
        size_t rr = rpt_row(p);
        rpt_time(p, rr, 0, s->first_ms);
        rpt_time(p, rr, 1, s->last_ms);
    }
}

/* ---- Figure 3 and Table 2: user agents ---- */

static int custom_or_malicious(ag_class c)
{
    return c == AG_UNDEFINED || c == AG_EMPTY || c == AG_RANDOM || c == AG_ATTACK_TOOL;
}

static void sec_agents(rpt_report *r, const dataset *d, int top)
{
    const ds_summary *s = ds_get_summary(d);
    size_t n;
    const ds_agent *a = ds_agents(d, &n);
    rpt_section *sec = rpt_section_add(r, "agents", "User agents (the study's Figure 3 and Table 2)",
        "User-Agent values of requests and of INVITEs (call attempts), with their class "
        "(docs/ANALYSIS.md, User agents). Custom or malicious software: no header, an empty "
        "one, a random string, or a known attack tool.");

    unsigned long cls_req[AG_CLASS_COUNT] = {0}, cls_inv[AG_CLASS_COUNT] = {0};
    for (size_t i = 0; i < n; i++) {
        cls_req[a[i].cls] += a[i].requests;
        cls_inv[a[i].cls] += a[i].invites;
    }
    rpt_table *c = rpt_table_add(sec, "classes", "Agent classes", "class:Class:text",
                                 "requests:Requests:int", "request_share:Share of requests:share",
                                 "invites:INVITEs:int", "invite_share:Share of INVITEs:share", NULL);
    unsigned long cm_req = 0, cm_inv = 0;
    for (int k = 0; k < AG_CLASS_COUNT; k++) {
        if (!cls_req[k])
            continue;
        size_t row = rpt_row(c);
        rpt_text(c, row, 0, ag_class_name((ag_class)k));
        rpt_int(c, row, 1, (int64_t)cls_req[k]);
        rpt_real(c, row, 2, share(cls_req[k], s->requests));
        rpt_int(c, row, 3, (int64_t)cls_inv[k]);
        rpt_real(c, row, 4, share(cls_inv[k], s->invites));
        if (custom_or_malicious((ag_class)k)) {
            cm_req += cls_req[k];
            cm_inv += cls_inv[k];
        }
    }
    rpt_chart_bar(c, 0, 3, AG_CLASS_COUNT);
    rpt_table *cm = rpt_table_add(sec, "custom_or_malicious", "Custom or malicious software",
                                  "requests:Requests:int", "request_share:Share of requests:share",
                                  "invites:INVITEs:int", "invite_share:Share of INVITEs:share", NULL);
    size_t row = rpt_row(cm);
    rpt_int(cm, row, 0, (int64_t)cm_req);
    rpt_real(cm, row, 1, share(cm_req, s->requests));
    rpt_int(cm, row, 2, (int64_t)cm_inv);
    rpt_real(cm, row, 3, share(cm_inv, s->invites));

    rpt_table *t = rpt_table_add(sec, "top_agents", "Top user agents", "user_agent:User agent:text",
                                 "class:Class:text", "tool:Tool:text", "requests:Requests:int",
                                 "request_share:Share of requests:share", "invites:INVITEs:int",
                                 "invite_share:Share of INVITEs:share", "sources:Source IPs:int", NULL);
    for (size_t i = 0; i < limit(n, top); i++) {
        size_t rr = rpt_row(t);
        rpt_text(t, rr, 0, ua_text(a[i].ua));
        rpt_text(t, rr, 1, ag_class_name(a[i].cls));
        rpt_text(t, rr, 2, a[i].tool);
        rpt_int(t, rr, 3, (int64_t)a[i].requests);
        rpt_real(t, rr, 4, share(a[i].requests, s->requests));
        rpt_int(t, rr, 5, (int64_t)a[i].invites);
        rpt_real(t, rr, 6, share(a[i].invites, s->invites));
        rpt_int(t, rr, 7, (int64_t)a[i].sources);
    }
    rpt_chart_bar(t, 0, 3, 15);

    size_t nr;
    const ds_random_example *rnd = ds_random_examples(d, &nr);
    rpt_table *x = rpt_table_add(sec, "random_agents", "Random user agents (Table 2): first use",
                                 "time:Time:time", "source:Source IP:text", "user_agent:User agent:text", NULL);
    for (size_t i = 0; i < limit(nr, top); i++) {
        size_t rr = rpt_row(x);
        rpt_time(x, rr, 0, rnd[i].ms);
        rpt_text(x, rr, 1, rnd[i].src);
        rpt_text(x, rr, 2, rnd[i].ua);
    }
}

/* ---- Figure 4: source countries of call attempts ---- */

enum { C_INVITES, C_CALLS, C_NUMBERS, C_IPS };

static const char *source_country(const dataset *d, const char *ip)
{
    const ds_source *s = ds_find_source(d, ip);
    return or_unknown(s ? s->info.country : NULL);
}

static void sec_countries(rpt_report *r, const dataset *d, int top)
{
    size_t n;
    const call_t *calls = calls_list(ds_calls(d), &n);
    rpt_section *sec = rpt_section_add(r, "countries", "Source countries of call attempts (the study's Figure 4)",
        "Per source country (of the source address): INVITEs to public numbers, unified call "
        "attempts, distinct numbers requested and distinct source IPs. ?? = unknown.");
    tally t, seen;
    tally_init(&t);
    tally_init(&seen);
    unsigned long total = 0;
    for (size_t i = 0; i < n; i++) {
        const char *cc = source_country(d, calls[i].src_ip);
        tally_row *row = tally_get(&t, cc);
        if (!row)
            break;
        row->v[C_INVITES] += calls[i].invites;
        row->v[C_CALLS]++;
        total++;
        char k[128];
        snprintf(k, sizeof k, "n%s|%s", cc, calls[i].e164);
        size_t before = seen.n;
        tally_get(&seen, k);
        if (seen.n > before)
            row->v[C_NUMBERS]++;
        snprintf(k, sizeof k, "i%s|%s", cc, calls[i].src_ip);
        before = seen.n;
        tally_get(&seen, k);
        if (seen.n > before)
            row->v[C_IPS]++;
    }
    tally_sort(&t, C_NUMBERS);
    rpt_table *tb = rpt_table_add(sec, "source_countries", "Source countries of call attempts",
                                  "country:Country:text", "numbers:Numbers requested:int",
                                  "unified_calls:Unified calls:int", "call_share:Share of calls:share",
                                  "invites:INVITEs:int", "source_ips:Source IPs:int", NULL);
    for (size_t i = 0; i < limit(t.n, top); i++) {
        size_t rr = rpt_row(tb);
        rpt_text(tb, rr, 0, t.rows[i].key);
        rpt_int(tb, rr, 1, (int64_t)t.rows[i].v[C_NUMBERS]);
        rpt_int(tb, rr, 2, (int64_t)t.rows[i].v[C_CALLS]);
        rpt_real(tb, rr, 3, share(t.rows[i].v[C_CALLS], total));
        rpt_int(tb, rr, 4, (int64_t)t.rows[i].v[C_INVITES]);
        rpt_int(tb, rr, 5, (int64_t)t.rows[i].v[C_IPS]);
    }
    rpt_chart_bar(tb, 0, 1, 20);
    tally_free(&t);
    tally_free(&seen);
}

/* ---- Table 3: top source IPs ---- */

static const char *dominant_agent(const step_source *s)
{
    const step_agent *best = NULL;
    for (unsigned i = 0; i < s->n_invite_agents; i++)
        if (!best || s->invite_agents[i].count > best->count)
            best = &s->invite_agents[i];
    return best ? ua_text(best->ua) : "";
}

static const ds_source **sorted_sources(const dataset *d, size_t *n,
                                        int (*cmp)(const void *, const void *))
{
    const ds_source *src = ds_sources(d, n);
    const ds_source **v = malloc((*n ? *n : 1) * sizeof *v);
    if (!v) {
        *n = 0;
        return NULL;
    }
    for (size_t i = 0; i < *n; i++)
        v[i] = &src[i];
    if (*n > 1)
        qsort(v, *n, sizeof *v, cmp);
    return v;
}

/* Two keys, largest first, then the address: the ranking of every source table. */
static int rank_sources(unsigned long x1, unsigned long y1, unsigned long x2, unsigned long y2,
                        const step_source *x, const step_source *y)
{
    if (x1 != y1)
        return x1 < y1 ? 1 : -1;
    if (x2 != y2)
        return x2 < y2 ? 1 : -1;
    return strcmp(x->src_ip, y->src_ip);
}

#define SOURCES_OF(a, b)                                              \
    const step_source *x = (*(const ds_source *const *)(a))->steps;  \
    const step_source *y = (*(const ds_source *const *)(b))->steps

static int cmp_by_invites(const void *a, const void *b)
{
    SOURCES_OF(a, b);
    return rank_sources(x->invites_external, y->invites_external, x->requests, y->requests, x, y);
}

static void sec_sources(rpt_report *r, const dataset *d, int top)
{
    size_t n;
    const ds_source **v = sorted_sources(d, &n, cmp_by_invites);
    rpt_section *sec = rpt_section_add(r, "sources", "Top source IPs of call attempts (the study's Table 3)",
        "Sources by INVITEs to public numbers: their country and AS, unified calls, the number "
        "of distinct destination countries (IDD country codes) they called, and the user agent "
        "of most of their INVITEs.");
    rpt_table *t = rpt_table_add(sec, "top_sources", "Top source IPs", "ip:Source IP:text",
                                 "country:Country:text", "asn:AS:int", "invites:INVITEs:int",
                                 "unified_calls:Unified calls:int", "dest_countries:Destination countries:int",
                                 "user_agent:User agent:text", "requests:All requests:int", NULL);
    unsigned long total = 0, top10 = 0;
    tally by_country;
    tally_init(&by_country);
    for (size_t i = 0; i < n; i++) {
        const step_source *s = v[i]->steps;
        total += s->invites_external;
        if (i < 10)
            top10 += s->invites_external;
        tally_row *row = tally_get(&by_country, or_unknown(v[i]->info.country));
        if (row)
            row->v[0] += s->invites_external;
    }
    for (size_t i = 0; i < limit(n, top); i++) {
        const step_source *s = v[i]->steps;
        if (s->invites_external == 0)
            break;
        size_t rr = rpt_row(t);
        rpt_text(t, rr, 0, s->src_ip);
        rpt_text(t, rr, 1, or_unknown(v[i]->info.country));
        if (v[i]->info.asn)
            rpt_int(t, rr, 2, v[i]->info.asn);
        rpt_int(t, rr, 3, (int64_t)s->invites_external);
        rpt_int(t, rr, 4, (int64_t)s->unified_calls);
        rpt_int(t, rr, 5, (int64_t)(s->n_countries + s->more_countries));
        rpt_text(t, rr, 6, dominant_agent(s));
        rpt_int(t, rr, 7, (int64_t)s->requests);
    }
    rpt_chart_bar(t, 0, 3, 15);

    rpt_table *c = rpt_table_add(sec, "concentration", "Concentration", "measure:Measure:text",
                                 "value:Value:share", NULL);
    size_t rr = rpt_row(c);
    rpt_text(c, rr, 0, "share of INVITEs from the top 10 source IPs");
    rpt_real(c, rr, 1, share(top10, total));
    if (n > 0 && v[0]->steps->invites_external > 0) {
        tally_row *row = tally_get(&by_country, or_unknown(v[0]->info.country));
        char what[160];
        snprintf(what, sizeof what, "share of the top source IP (%s) in the INVITEs of its country (%s)",
                 v[0]->steps->src_ip, or_unknown(v[0]->info.country));
        rr = rpt_row(c);
        rpt_text(c, rr, 0, what);
        rpt_real(c, rr, 1, share(v[0]->steps->invites_external, row ? row->v[0] : 0));
    }
    tally_free(&by_country);
    free(v);
}

/* ---- Table 4: source -> destination countries ---- */

static void sec_pairs(rpt_report *r, const dataset *d, int top)
{
    size_t n;
    const call_t *calls = calls_list(ds_calls(d), &n);
    rpt_section *sec = rpt_section_add(r, "pairs", "Source country -> destination country (the study's Table 4)",
        "Unified call attempts by the country of the source address and the destination "
        "country of the number called (XN-/XI-/XS- labels: non-geographic numbers).");
    tally t;
    tally_init(&t);
    for (size_t i = 0; i < n; i++) {
        char k[64];
        snprintf(k, sizeof k, "%s\t%s", source_country(d, calls[i].src_ip), or_unknown(calls[i].dest.country));
        tally_row *row = tally_get(&t, k);
        if (row) {
            row->v[0]++;
            row->v[1] += calls[i].invites;
        }
    }
    tally_sort(&t, 0);
    rpt_table *tb = rpt_table_add(sec, "country_pairs", "Source -> destination country",
                                  "source_country:Source country:text", "dest_country:Destination country:text",
                                  "unified_calls:Unified calls:int", "share:Share:share", "invites:INVITEs:int", NULL);
    for (size_t i = 0; i < limit(t.n, top); i++) {
        char src[32];
        const char *tab = strchr(t.rows[i].key, '\t');
        size_t sl = (size_t)(tab - t.rows[i].key);
        snprintf(src, sizeof src, "%.*s", (int)sl, t.rows[i].key);
        size_t rr = rpt_row(tb);
        rpt_text(tb, rr, 0, src);
        rpt_text(tb, rr, 1, tab + 1);
        rpt_int(tb, rr, 2, (int64_t)t.rows[i].v[0]);
        rpt_real(tb, rr, 3, share(t.rows[i].v[0], n));
        rpt_int(tb, rr, 4, (int64_t)t.rows[i].v[1]);
    }
    tally_free(&t);
}

/* ---- most called numbers ---- */

static int cmp_numbers(const void *a, const void *b)
{
    const call_number *x = *(const call_number *const *)a, *y = *(const call_number *const *)b;
    if (x->attempts != y->attempts)
        return x->attempts < y->attempts ? 1 : -1;
    return strcmp(x->e164, y->e164);
}

static void sec_numbers(rpt_report *r, const dataset *d, int top)
{
    size_t n;
    const call_number *nums = calls_numbers(ds_calls(d), &n);
    rpt_section *sec = rpt_section_add(r, "numbers", "Most called numbers",
        "Canonical numbers (every dialed variant unified), their destination, type "
        "(libphonenumber) and category (--categories file), INVITEs, unified attempts and "
        "distinct source IPs.");
    const call_number **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        v[i] = &nums[i];
    if (n > 1)
        qsort(v, n, sizeof *v, cmp_numbers);
    rpt_table *t = rpt_table_add(sec, "top_numbers", "Most called numbers", "number:Number:text",
                                 "country:Country:text", "type:Type:text", "category:Category:text",
                                 "attempts:INVITEs:int", "unified:Unified attempts:int",
                                 "sources:Source IPs:int", "first:First:time", "last:Last:time", NULL);
    for (size_t i = 0; i < limit(n, top); i++) {
        size_t rr = rpt_row(t);
        rpt_text(t, rr, 0, v[i]->e164);
        rpt_text(t, rr, 1, or_unknown(v[i]->dest.country));
        rpt_text(t, rr, 2, pn_type_name(v[i]->type));
        rpt_text(t, rr, 3, v[i]->category);
        rpt_int(t, rr, 4, (int64_t)v[i]->attempts);
        rpt_int(t, rr, 5, (int64_t)v[i]->unified);
        rpt_int(t, rr, 6, (int64_t)v[i]->sources);
        rpt_time(t, rr, 7, v[i]->first_ms);
        rpt_time(t, rr, 8, v[i]->last_ms);
    }
    /* Calls a PBX owner should look at: abroad, premium rate, shared cost,
     * personal and non-geographic numbers (the study's advice: watch for
     * unusual international calls). */
    const char *home = ds_home(d);
    rpt_table *u = rpt_table_add(sec, "unusual_numbers", "International, premium-rate and non-geographic numbers",
                                 "number:Number:text", "country:Country:text", "type:Type:text",
                                 "why:Why:text", "attempts:INVITEs:int", "sources:Source IPs:int",
                                 "first:First:time", "last:Last:time", NULL);
    /* The most alarming kinds first, each by INVITEs. */
    static const char *const order[] = {"premium rate", "shared cost", "non-geographic",
                                        "personal or universal access", "international"};
    size_t shown = 0;
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++) {
        for (size_t i = 0; i < n && (top <= 0 || shown < (size_t)top); i++) {
            const call_number *c = v[i];
            const char *why = NULL;
            if (c->type == PN_PREMIUM_RATE)
                why = order[0];
            else if (c->type == PN_SHARED_COST)
                why = order[1];
            else if (c->dest.country[0] == 'X')
                why = order[2];
            else if (c->type == PN_PERSONAL_NUMBER || c->type == PN_UAN)
                why = order[3];
            else if (c->dest.country[0] && strcasecmp(c->dest.country, home) != 0)
                why = order[4];
            if (why != order[k])
                continue;
            size_t rr = rpt_row(u);
            rpt_text(u, rr, 0, c->e164);
            rpt_text(u, rr, 1, or_unknown(c->dest.country));
            rpt_text(u, rr, 2, pn_type_name(c->type));
            rpt_text(u, rr, 3, why);
            rpt_int(u, rr, 4, (int64_t)c->attempts);
            rpt_int(u, rr, 5, (int64_t)c->sources);
            rpt_time(u, rr, 6, c->first_ms);
            rpt_time(u, rr, 7, c->last_ms);
            shown++;
        }
    }
    /* Types and categories over all numbers. */
    tally types;
    tally_init(&types);
    for (size_t i = 0; i < n; i++) {
        char k[128];
        snprintf(k, sizeof k, "%s\t%s", pn_type_name(nums[i].type), nums[i].category ? nums[i].category : "");
        tally_row *row = tally_get(&types, k);
        if (row) {
            row->v[0]++;
            row->v[1] += nums[i].attempts;
        }
    }
    tally_sort(&types, 1);
    rpt_table *c = rpt_table_add(sec, "number_types", "Numbers by type and category", "type:Type:text",
                                 "category:Category:text", "numbers:Numbers:int", "attempts:INVITEs:int", NULL);
    for (size_t i = 0; i < types.n; i++) {
        char *tab = strchr(types.rows[i].key, '\t');
        *tab = '\0';
        size_t rr = rpt_row(c);
        rpt_text(c, rr, 0, types.rows[i].key);
        rpt_text(c, rr, 1, tab[1] ? tab + 1 : NULL);
        rpt_int(c, rr, 2, (int64_t)types.rows[i].v[0]);
        rpt_int(c, rr, 3, (int64_t)types.rows[i].v[1]);
    }
    tally_free(&types);
    free(v);
}

/* ---- attack steps ---- */

static int last_step(const step_source *s)
{
    for (int k = STEP_COUNT - 1; k >= 0; k--)
        if (s->step[k].present)
            return k;
    return -1;
}

static int cmp_by_steps(const void *a, const void *b)
{
    SOURCES_OF(a, b);
    /* furthest step first (+1: no step is -1) */
    return rank_sources((unsigned long)(last_step(x) + 1), (unsigned long)(last_step(y) + 1), x->requests,
                        y->requests, x, y);
}

static void sec_steps(rpt_report *r, const dataset *d, int top)
{
    size_t n;
    const ds_source **v = sorted_sources(d, &n, cmp_by_steps);
    rpt_section *sec = rpt_section_add(r, "steps", "Attack steps per source",
        "Scanning, enumeration, brute force and abuse (calls to external numbers) per source "
        "address, with the time each began (rules: docs/ANALYSIS.md, Attack steps).");
    rpt_table *c = rpt_table_add(sec, "step_counts", "Sources per step", "step:Step:text",
                                 "sources:Sources:int", "share:Share of sources:share", NULL);
    unsigned long per[STEP_COUNT] = {0};
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < STEP_COUNT; k++)
            per[k] += v[i]->steps->step[k].present != 0;
    for (int k = 0; k < STEP_COUNT; k++) {
        size_t rr = rpt_row(c);
        rpt_text(c, rr, 0, step_name((step_kind)k));
        rpt_int(c, rr, 1, (int64_t)per[k]);
        rpt_real(c, rr, 2, share(per[k], n));
    }
    rpt_chart_bar(c, 0, 1, STEP_COUNT);

    rpt_table *t = rpt_table_add(sec, "source_steps", "Sources by furthest step", "ip:Source IP:text",
                                 "country:Country:text", "steps:Steps:text", "first:First seen:time",
                                 "scanning:Scanning began:time", "enumeration:Enumeration began:time",
                                 "bruteforce:Brute force began:time", "abuse:Abuse began:time",
                                 "requests:Requests:int", "auth_failures:Auth failures:int",
                                 "auth_ok:Auth accepted:int", "sipvicious:SIPVicious requests:int", NULL);
    for (size_t i = 0; i < limit(n, top); i++) {
        const step_source *s = v[i]->steps;
        char steps[128];
        steps_describe(s, steps, sizeof steps);
        size_t rr = rpt_row(t);
        rpt_text(t, rr, 0, s->src_ip);
        rpt_text(t, rr, 1, or_unknown(v[i]->info.country));
        rpt_text(t, rr, 2, steps);
        rpt_time(t, rr, 3, s->first_ms);
        for (int k = 0; k < STEP_COUNT; k++)
            if (s->step[k].present)
                rpt_time(t, rr, 4 + k, s->step[k].began_ms);
        rpt_int(t, rr, 8, (int64_t)s->requests);
        rpt_int(t, rr, 9, (int64_t)s->auth_failures);
        rpt_int(t, rr, 10, (int64_t)s->auth_ok);
        rpt_int(t, rr, 11, (int64_t)s->sipvicious);
    }
    free(v);
}

/* ---- rogue servers and Figure 5 ---- */

static int cmp_by_rogue(const void *a, const void *b)
{
    SOURCES_OF(a, b);
    return rank_sources((unsigned long)x->rogue_score, (unsigned long)y->rogue_score, x->unified_calls,
                        y->unified_calls, x, y);
}

static void sec_rogue(rpt_report *r, const dataset *d, int top)
{
    size_t n;
    const ds_source **v = sorted_sources(d, &n, cmp_by_rogue);
    rpt_section *sec = rpt_section_add(r, "rogue", "Rogue VoIP server candidates",
        "Sources that call many destination countries many times with a fixed agent. Score "
        "0-100 = 50 x countries + 30 x calls + 20 x agent; flagged at 60 and at least 10 "
        "countries (docs/ANALYSIS.md).");
    rpt_table *t = rpt_table_add(sec, "rogue_sources", "Rogue-server candidates", "ip:Source IP:text",
                                 "country:Country:text", "asn:AS:int", "score:Score:int", "flagged:Flagged:text",
                                 "dest_countries:Destination countries:int", "unified_calls:Unified calls:int",
                                 "invites:INVITEs:int", "agent_class:Agent class:text",
                                 "user_agent:User agent:text", NULL);
    for (size_t i = 0; i < limit(n, top); i++) {
        const step_source *s = v[i]->steps;
        if (s->unified_calls == 0)
            break;
        size_t rr = rpt_row(t);
        rpt_text(t, rr, 0, s->src_ip);
        rpt_text(t, rr, 1, or_unknown(v[i]->info.country));
        if (v[i]->info.asn)
            rpt_int(t, rr, 2, v[i]->info.asn);
        rpt_int(t, rr, 3, s->rogue_score);
        rpt_text(t, rr, 4, s->rogue ? "yes" : "no");
        rpt_int(t, rr, 5, (int64_t)(s->n_countries + s->more_countries));
        rpt_int(t, rr, 6, (int64_t)s->unified_calls);
        rpt_int(t, rr, 7, (int64_t)s->invites_external);
        rpt_text(t, rr, 8, ag_class_name(s->dominant_class));
        rpt_text(t, rr, 9, dominant_agent(s));
    }
    free(v);
}

static int cmp_by_countries(const void *a, const void *b)
{
    SOURCES_OF(a, b);
    return rank_sources(x->n_countries + x->more_countries, y->n_countries + y->more_countries,
                        x->unified_calls, y->unified_calls, x, y);
}

static void sec_graph(rpt_report *r, const dataset *d, int top)
{
    (void)top;   /* the whole star is drawn, up to its own limit */
    size_t n;
    const ds_source **v = sorted_sources(d, &n, cmp_by_countries);
    rpt_section *sec = rpt_section_add(r, "graph", "One source to every country it called (the study's Figure 5)",
        "The source IP that called the most destination countries, and its unified call "
        "attempts per destination country (`sipsnare graph` draws any source).");
    if (n == 0 || v[0]->steps->unified_calls == 0) {
        rpt_table_add(sec, "graph_edges", "Destination countries", "source:Source IP:text",
                      "dest_country:Destination country:text", "unified_calls:Unified calls:int", NULL);
        free(v);
        return;
    }
    const char *ip = v[0]->steps->src_ip;
    size_t nc;
    const call_t *calls = calls_list(ds_calls(d), &nc);
    tally t;
    tally_init(&t);
    for (size_t i = 0; i < nc; i++) {
        if (strcmp(calls[i].src_ip, ip) != 0)
            continue;
        tally_row *row = tally_get(&t, or_unknown(calls[i].dest.country));
        if (row) {
            row->v[0]++;
            row->v[1] += calls[i].invites;
        }
    }
    tally_sort(&t, 0);
    char title[96];
    snprintf(title, sizeof title, "Destination countries called by %s", ip);
    rpt_table *tb = rpt_table_add(sec, "graph_edges", title, "source:Source IP:text",
                                  "dest_country:Destination country:text", "unified_calls:Unified calls:int",
                                  "invites:INVITEs:int", NULL);
    for (size_t i = 0; i < t.n; i++) {
        size_t rr = rpt_row(tb);
        rpt_text(tb, rr, 0, ip);
        rpt_text(tb, rr, 1, t.rows[i].key);
        rpt_int(tb, rr, 2, (int64_t)t.rows[i].v[0]);
        rpt_int(tb, rr, 3, (int64_t)t.rows[i].v[1]);
    }
    /* Up to 150 leaves: the study's Figure 5 had one source calling 142 countries. */
    rpt_chart_star(tb, ip, 1, 2, 150);
    tally_free(&t);
    free(v);
}

/* ---- timeline and sensors ---- */

static void sec_timeline(rpt_report *r, const dataset *d, int top)
{
    (void)top;
    size_t n;
    const ds_day *days = ds_days(d, &n);
    rpt_section *sec = rpt_section_add(r, "timeline", "Requests per day",
        "Requests per UTC day by method, and distinct source IPs of the day.");
    rpt_table *t = rpt_table_add(sec, "days", "Requests per day", "day:Day:text", "requests:Requests:int",
                                 "register:REGISTER:int", "invite:INVITE:int", "options:OPTIONS:int",
                                 "other:Other:int", "sources:Source IPs:int", NULL);
    for (size_t i = 0; i < n; i++) {
        size_t rr = rpt_row(t);
        rpt_text(t, rr, 0, days[i].day);
        rpt_int(t, rr, 1, (int64_t)days[i].requests);
        rpt_int(t, rr, 2, (int64_t)days[i].registers);
        rpt_int(t, rr, 3, (int64_t)days[i].invites);
        rpt_int(t, rr, 4, (int64_t)days[i].options);
        rpt_int(t, rr, 5, (int64_t)days[i].other);
        rpt_int(t, rr, 6, (int64_t)days[i].sources);
    }
    static const int series[] = {2, 3, 4};
    rpt_chart_timeline(t, 0, series, 3);
}

static void sec_sensors(rpt_report *r, const dataset *d, int top)
{
    (void)top;
    size_t n;
    const ds_sensor *s = ds_sensors(d, &n);
    rpt_section *sec = rpt_section_add(r, "sensors", "Per-sensor totals", NULL);
    rpt_table *t = rpt_table_add(sec, "sensors", "Sensors", "sensor:Sensor:text", "requests:Requests:int",
                                 "register:REGISTER:int", "invite:INVITE:int", "options:OPTIONS:int",
                                 "malformed:Malformed:int", "ratelimited:Rate-limited:int",
                                 "sources:Source IPs:int", "first:First event:time", "last:Last event:time", NULL);
    for (size_t i = 0; i < n; i++) {
        size_t rr = rpt_row(t);
        rpt_text(t, rr, 0, s[i].sensor);
        rpt_int(t, rr, 1, (int64_t)s[i].requests);
        rpt_int(t, rr, 2, (int64_t)s[i].registers);
        rpt_int(t, rr, 3, (int64_t)s[i].invites);
        rpt_int(t, rr, 4, (int64_t)s[i].options);
        rpt_int(t, rr, 5, (int64_t)s[i].malformed);
        rpt_int(t, rr, 6, (int64_t)s[i].ratelimited);
        rpt_int(t, rr, 7, (int64_t)s[i].sources);
        rpt_time(t, rr, 8, s[i].first_ms);
        rpt_time(t, rr, 9, s[i].last_ms);
    }
    rpt_chart_bar(t, 0, 1, 50);
}

static const report_section_def SECTIONS[] = {
    {"summary", "Summary (Table 1)", sec_summary},
    {"agents", "User agents (Figure 3, Table 2)", sec_agents},
    {"countries", "Source countries of call attempts (Figure 4)", sec_countries},
    {"sources", "Top source IPs (Table 3)", sec_sources},
    {"pairs", "Source -> destination countries (Table 4)", sec_pairs},
    {"numbers", "Most called numbers, types and categories", sec_numbers},
    {"steps", "Attack steps per source", sec_steps},
    {"rogue", "Rogue VoIP server candidates", sec_rogue},
    {"graph", "One source to every country it called (Figure 5)", sec_graph},
    {"timeline", "Requests per day", sec_timeline},
    {"sensors", "Per-sensor totals", sec_sensors},
};

const report_section_def *report_sections(size_t *n)
{
    *n = sizeof SECTIONS / sizeof SECTIONS[0];
    return SECTIONS;
}

const report_section_def *report_section_find(const char *name)
{
    for (size_t i = 0; i < sizeof SECTIONS / sizeof SECTIONS[0]; i++)
        if (strcmp(SECTIONS[i].name, name) == 0)
            return &SECTIONS[i];
    return NULL;
}

void report_build(rpt_report *r, const dataset *d, const char *const *names, size_t n_names, int top)
{
    if (!names) {
        for (size_t i = 0; i < sizeof SECTIONS / sizeof SECTIONS[0]; i++)
            SECTIONS[i].build(r, d, top);
        return;
    }
    for (size_t i = 0; i < n_names; i++) {
        const report_section_def *s = report_section_find(names[i]);
        if (s)
            s->build(r, d, top);
    }
}
