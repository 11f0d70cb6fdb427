/*
 * exposure.c - the audit against a sipsnare store: which of the
 * configuration's accounts attackers already probed, brute forced or got
 * into (audit.h, audit_exposure). One query over the store groups the
 * requests by the user they aimed at (the digest user when there was one,
 * else the To user); the configuration's names are then looked up in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "analyze/strmap.h"
#include "audit/audit.h"
#include "store/store.h"

/* Failures as docs/ANALYSIS.md counts them for brute force. */
#define BRUTE_MIN_FAILURES 3
#define EXPOSURE_MAX_USERS (1u << 22)

typedef struct {
    unsigned long requests, sources, failures, accepted;
    char first[32], last[32];
} exposure;

typedef struct {
    strmap idx;
    exposure *v;
    size_t n, cap;
    int oom;
} exposures;

static const char QUERY[] =
    "SELECT u, count(*), count(DISTINCT src_ip), "
    "sum(CASE WHEN auth_outcome IN ('wrong_password','unknown_user','username_mismatch','stale',"
    "'malformed') THEN 1 ELSE 0 END), "
    "sum(CASE WHEN auth_outcome = 'ok' THEN 1 ELSE 0 END), min(ts_ms), max(ts_ms) "
    "FROM (SELECT coalesce(auth_user, to_user) AS u, src_ip, auth_outcome, ts_ms FROM events_v "
    "WHERE eventid = 'sip.request') AS r WHERE u IS NOT NULL GROUP BY u";

static unsigned long num(const char *s)
{
    return s ? strtoul(s, NULL, 10) : 0;
}

static void day(const char *ms, char out[32])
{
    long long v = ms ? strtoll(ms, NULL, 10) : 0;
    time_t t = (time_t)(v / 1000);
    struct tm tm;
    if (!ms || !gmtime_r(&t, &tm)) {
        snprintf(out, 32, "?");
        return;
    }
    strftime(out, 32, "%Y-%m-%d", &tm);
}

static int on_row(void *arg, int ncols, const char *const *names, const char *const *v)
{
    (void)names;
    exposures *e = arg;
    if (ncols != 7 || !v[0])
        return 0;
    if (e->n == e->cap) {
        size_t nc = e->cap ? e->cap * 2 : 256;
        exposure *nv = realloc(e->v, nc * sizeof *nv);
        if (!nv) {
            e->oom = 1;
            return 1;
        }
        e->v = nv;
        e->cap = nc;
    }
    int added = 0;
    if (!strmap_put(&e->idx, v[0], e->n, &added)) {
        e->oom = e->idx.n < EXPOSURE_MAX_USERS;   /* full: the rest is not looked at */
        return e->oom;
    }
    if (!added)
        return 0;
    exposure *x = &e->v[e->n++];
    x->requests = num(v[1]);
    x->sources = num(v[2]);
    x->failures = num(v[3]);
    x->accepted = num(v[4]);
    day(v[5], x->first);
    day(v[6], x->last);
    return 0;
}

/* One configured account name and where it is written. */
static int report_account(aud_report *out, const exposures *e, const char *name, const char *file,
                          int line, const char *section)
{
    size_t *i = strmap_get(&e->idx, name);
    if (!i)
        return 0;
    const exposure *x = &e->v[*i];
    if (x->accepted && x->failures >= BRUTE_MIN_FAILURES)
        return aud_add(out, AUD_CRITICAL, "account-guessed", file, line, section,
                       "account '%s': %lu accepted authentication%s after %lu failed ones from %lu "
                       "source%s (%s to %s): its password has probably been guessed\v"
                       "change the secret now to a long random one, check the CDRs for calls made with "
                       "it, and restrict where it may register from (permit/deny, ACL)",
                       name, x->accepted, x->accepted == 1 ? "" : "s", x->failures, x->sources,
                       x->sources == 1 ? "" : "s", x->first, x->last);
    if (x->failures >= BRUTE_MIN_FAILURES)
        return aud_add(out, AUD_HIGH, "account-bruteforced", file, line, section,
                       "account '%s': %lu failed authentications from %lu source%s (%s to %s): its "
                       "password is being guessed\v"
                       "keep its secret long and random (see the secret findings), restrict it to "
                       "known addresses (permit/deny, ACL) and ban guessing sources (sipsnare "
                       "blocklist, fail2ban)",
                       name, x->failures, x->sources, x->sources == 1 ? "" : "s", x->first, x->last);
    return aud_add(out, AUD_MEDIUM, "account-probed", file, line, section,
                   "account '%s': %lu request%s from %lu source%s aimed at it (%s to %s): attackers "
                   "know or guessed this name\v"
                   "use authentication names that differ from extension numbers, set "
                   "alwaysauthreject=yes so that unknown and known names look alike",
                   name, x->requests, x->requests == 1 ? "" : "s", x->sources,
                   x->sources == 1 ? "" : "s", x->first, x->last);
}

static int account_sections(aud_report *out, const exposures *e, const astconf *cf, int pjsip)
{
    if (!cf)
        return 0;
    for (size_t i = 0; i < cf->n_sections; i++) {
        const astconf_section *s = &cf->sections[i];
        if (s->is_template || strcasecmp(s->name, "general") == 0)
            continue;
        const char *type = astconf_value(s, "type", "");
        const char *name = NULL;
        if (!pjsip) {
            if (strcasecmp(type, "friend") && strcasecmp(type, "peer") && strcasecmp(type, "user"))
                continue;
            name = s->name;
            const char *user = astconf_value(s, "defaultuser", astconf_value(s, "username", NULL));
            if (user && *user && strcmp(user, name) != 0 &&
                report_account(out, e, user, s->file, s->line, s->name) != 0)
                return -1;
        } else if (strcasecmp(type, "endpoint") == 0) {
            name = s->name;
        } else if (strcasecmp(type, "auth") == 0) {
            name = astconf_value(s, "username", NULL);
            if (!name || !*name)
                continue;
            /* the endpoint of the same name reports it already */
            size_t from = 0;
            const astconf_section *ep = astconf_find(cf, name, &from);
            if (ep && strcasecmp(astconf_value(ep, "type", ""), "endpoint") == 0)
                continue;
        } else {
            continue;
        }
        if (report_account(out, e, name, s->file, s->line, s->name) != 0)
            return -1;
    }
    return 0;
}

int audit_exposure(struct store *st, const aud_input *in, aud_report *out, char *err, size_t errlen)
{
    exposures e;
    memset(&e, 0, sizeof e);
    strmap_init(&e.idx, EXPOSURE_MAX_USERS);
    int rc = store_query(st, QUERY, NULL, 0, on_row, &e);
    if (rc != 0 || e.oom) {
        snprintf(err, errlen, "%s", rc != 0 ? store_errmsg(st) : "out of memory");
        rc = -1;
    } else if (account_sections(out, &e, in->sip, 0) != 0 || account_sections(out, &e, in->pjsip, 1) != 0) {
        snprintf(err, errlen, "out of memory");
        rc = -1;
    } else {
        aud_report_sort(out);
    }
    strmap_free(&e.idx);
    free(e.v);
    return rc;
}
