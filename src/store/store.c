/*
 * store.c - the back-end independent half of the store: choosing a back end
 * from the target, the schema migrations, store_iterate (a query over the
 * events_v view, the same on both back ends) and helpers for the back ends.
 */
#include "store/store_int.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event/event.h"

const struct store_dim_info store_dims[DIM_COUNT] = {
    [DIM_SENSORS] = {"sensors", "sensor_id"},
    [DIM_RUNS] = {"runs", "run_id"},
    [DIM_KINDS] = {"event_kinds", "kind_id"},
    [DIM_TRANSPORTS] = {"transports", "transport_id"},
    [DIM_IPS] = {"ips", "ip_id"},
    [DIM_METHODS] = {"methods", "method_id"},
    [DIM_URIS] = {"uris", "uri_id"},
    [DIM_USERS] = {"sip_users", "user_id"},
    [DIM_AGENTS] = {"user_agents", "ua_id"},
    [DIM_REALMS] = {"auth_realms", "realm_id"},
    [DIM_ALGORITHMS] = {"auth_algorithms", "algorithm_id"},
    [DIM_OUTCOMES] = {"auth_outcomes", "outcome_id"},
    [DIM_WARNINGS] = {"warning_sets", "warnings_id"},
    [DIM_REASONS] = {"reasons", "reason_id"},
};

const struct store_ref_info store_refs[REF_COUNT] = {
    [REF_SENSOR] = {"sensor_id", DIM_SENSORS},
    [REF_RUN] = {"run_id", DIM_RUNS},
    [REF_KIND] = {"kind_id", DIM_KINDS},
    [REF_TRANSPORT] = {"transport_id", DIM_TRANSPORTS},
    [REF_SRC_IP] = {"src_ip_id", DIM_IPS},
    [REF_DST_IP] = {"dst_ip_id", DIM_IPS},
    [REF_METHOD] = {"method_id", DIM_METHODS},
    [REF_RURI] = {"ruri_id", DIM_URIS},
    [REF_RURI_USER] = {"ruri_user_id", DIM_USERS},
    [REF_FROM_USER] = {"from_user_id", DIM_USERS},
    [REF_TO_USER] = {"to_user_id", DIM_USERS},
    [REF_CONTACT_USER] = {"contact_user_id", DIM_USERS},
    [REF_UA] = {"ua_id", DIM_AGENTS},
    [REF_AUTH_USER] = {"auth_user_id", DIM_USERS},
    [REF_REALM] = {"auth_realm_id", DIM_REALMS},
    [REF_ALGORITHM] = {"auth_algorithm_id", DIM_ALGORITHMS},
    [REF_OUTCOME] = {"auth_outcome_id", DIM_OUTCOMES},
    [REF_WARNINGS] = {"warnings_id", DIM_WARNINGS},
    [REF_SERVER] = {"server_id", DIM_AGENTS},
    [REF_REASON] = {"reason_id", DIM_REASONS},
};

store_str store_event_ref(const store_event *ev, enum store_ref ref)
{
    switch (ref) {
    case REF_SENSOR: return ev->sensor;
    case REF_RUN: return ev->run;
    case REF_KIND: return ev->eventid;
    case REF_TRANSPORT: return ev->transport;
    case REF_SRC_IP: return ev->src_ip;
    case REF_DST_IP: return ev->dst_ip;
    case REF_METHOD: return ev->method;
    case REF_RURI: return ev->ruri;
    case REF_RURI_USER: return ev->ruri_user;
    case REF_FROM_USER: return ev->from_user;
    case REF_TO_USER: return ev->to_user;
    case REF_CONTACT_USER: return ev->contact_user;
    case REF_UA: return ev->user_agent;
    case REF_AUTH_USER: return ev->auth_user;
    case REF_REALM: return ev->auth_realm;
    case REF_ALGORITHM: return ev->auth_algorithm;
    case REF_OUTCOME: return ev->auth_outcome;
    case REF_WARNINGS: return ev->warnings;
    case REF_SERVER: return ev->server;
    case REF_REASON: return ev->reason;
    case REF_COUNT: break;
    }
    return STORE_STR_NULL;
}

void store_event_clear(store_event *ev)
{
    memset(ev, 0, sizeof *ev);  /* every store_str absent */
    ev->event_id = STORE_NULL;
    ev->ts_ms = STORE_NULL;
    ev->seq = STORE_NULL;
    ev->src_port = ev->dst_port = ev->cseq = ev->response = STORE_NULL;
    ev->answered = ev->dial_external = ev->extension_known = STORE_NULL;
    ev->status = ev->len = ev->suppressed = ev->truncated = STORE_NULL;
}

int store_fail(store *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err, sizeof st->err, fmt, ap);
    va_end(ap);
    return -1;
}

size_t store_value_len(store_str s)
{
    if (s.len <= STORE_VALUE_MAX)
        return s.len;
    size_t n = STORE_VALUE_MAX;
    /* back up over continuation bytes to the start of the cut sequence */
    while (n > 0 && ((unsigned char)s.p[n] & 0xC0) == 0x80)
        n--;
    return n;
}

int store_ip_parse(store_str s, store_ip *out)
{
    char buf[64];
    if (s.p == NULL || s.len == 0 || s.len >= sizeof buf)
        return -1;
    memcpy(buf, s.p, s.len);
    buf[s.len] = '\0';
    unsigned char a[16];
    memset(out, 0, sizeof *out);
    if (inet_pton(AF_INET, buf, a) == 1) {
        out->family = 4;
        out->v4 = ((int64_t)a[0] << 24) | (a[1] << 16) | (a[2] << 8) | a[3];
        out->bin[10] = out->bin[11] = 0xff;
        memcpy(out->bin + 12, a, 4);
        inet_ntop(AF_INET, a, out->text, sizeof out->text);
        return 0;
    }
    if (inet_pton(AF_INET6, buf, a) == 1) {
        out->family = 6;
        out->v4 = -1;
        memcpy(out->bin, a, 16);
        inet_ntop(AF_INET6, a, out->text, sizeof out->text);
        return 0;
    }
    return -1;
}

/* ---- opening and migrations ------------------------------------------------ */

static int max_version_row(void *arg, int ncols, const char *const *names,
                           const char *const *values)
{
    (void)names;
    if (ncols >= 1 && values[0])
        *(int *)arg = atoi(values[0]);
    return 0;
}

/* Applies every migration newer than the stored version, all in one
 * transaction under the back end's lock (two loaders starting at once on a
 * new PostgreSQL database must not both create the schema). */
static int migrate(store *st)
{
    const struct store_backend *be = st->be;
    int cur = 0;
    /* Up to date already: nothing to create, nothing to lock, so a role
     * that may only read (an analyst's, docs/HONEYNET.md) opens it too. */
    if (be->query(st, "SELECT max(version) FROM schema_version", NULL, 0, max_version_row,
                  &cur) == 0 &&
        cur == (int)be->migrations[be->n_migrations - 1].version)
        return 0;
    cur = 0;
    if (be->begin(st) != 0)
        return -1;
    if ((be->migration_lock_sql && be->exec(st, be->migration_lock_sql) != 0) ||
        be->exec(st, be->schema_version_sql) != 0 ||
        be->query(st, "SELECT max(version) FROM schema_version", NULL, 0, max_version_row,
                  &cur) != 0)
        goto fail;
    if (cur > (int)be->migrations[be->n_migrations - 1].version) {
        store_fail(st, "the database's schema version %d is newer than this sipsnare knows (%d)",
                   cur, be->migrations[be->n_migrations - 1].version);
        goto fail;
    }
    for (size_t i = 0; i < be->n_migrations; i++) {
        const struct store_migration *m = &be->migrations[i];
        if (m->version <= cur)
            continue;
        char ver[16], when[25];
        snprintf(ver, sizeof ver, "%d", m->version);
        struct timespec now;
        clock_gettime(CLOCK_REALTIME, &now);
        event_format_time((int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000, when);
        const char *params[] = {ver, m->description, when};
        if (be->exec(st, m->sql) != 0) {
            char why[sizeof st->err];
            memcpy(why, st->err, sizeof why);
            store_fail(st, "migration %d (%s): %s", m->version, m->description, why);
            goto fail;
        }
        if (be->query(st, "INSERT INTO schema_version (version, description, applied_at) "
                          "VALUES ($1, $2, $3)", params, 3, NULL, NULL) != 0)
            goto fail;
    }
    return be->commit(st);
fail: {
        char why[sizeof st->err];
        memcpy(why, st->err, sizeof why);
        be->rollback(st);
        memcpy(st->err, why, sizeof why);
        return -1;
    }
}

static int has_prefix(const char *s, const char *p) { return strncmp(s, p, strlen(p)) == 0; }

static store *open_store(const char *target, int reader, char *err, size_t errlen)
{
    store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    if (has_prefix(target, "postgresql://") || has_prefix(target, "postgres://")) {
        st->be = &store_postgres;
    } else {
        st->be = &store_sqlite;
        if (has_prefix(target, "sqlite:"))
            target += strlen("sqlite:");
    }
    st->reader = reader;
    if (st->be->open(st, target) != 0 || migrate(st) != 0 || st->be->ready(st) != 0) {
        snprintf(err, errlen, "%s", st->err);
        store_close(st);
        return NULL;
    }
    return st;
}

store *store_open(const char *target, char *err, size_t errlen)
{
    return open_store(target, 0, err, errlen);
}

store *store_open_reader(const char *target, char *err, size_t errlen)
{
    return open_store(target, 1, err, errlen);
}

void store_defer_indexes(store *st) { st->defer_indexes = 1; }

int store_build_indexes(store *st)
{
    if (st->in_tx)
        return store_fail(st, "store_build_indexes inside a transaction");
    return st->be->build_indexes ? st->be->build_indexes(st) : 0;
}

void store_close(store *st)
{
    if (!st)
        return;
    if (st->impl)
        st->be->close(st);
    free(st);
}

const char *store_errmsg(const store *st) { return st->err; }
const char *store_backend_name(const store *st) { return st->be->name; }

int store_schema_version(store *st)
{
    int v = -1;
    if (st->be->query(st, "SELECT max(version) FROM schema_version", NULL, 0, max_version_row,
                      &v) != 0)
        return -1;
    return v;
}

int store_schema_latest(const store *st)
{
    return (int)st->be->migrations[st->be->n_migrations - 1].version;
}

int store_begin(store *st)
{
    if (st->in_tx)
        return store_fail(st, "a transaction is already open");
    if (st->be->begin(st) != 0)
        return -1;
    st->in_tx = 1;
    return 0;
}

int store_commit(store *st)
{
    if (!st->in_tx)
        return store_fail(st, "no transaction is open");
    st->in_tx = 0;
    return st->be->commit(st);
}

int store_rollback(store *st)
{
    if (!st->in_tx)
        return store_fail(st, "no transaction is open");
    st->in_tx = 0;
    return st->be->rollback(st);
}

int store_load_begin(store *st)
{
    if (st->in_tx)
        return store_fail(st, "store_load_begin inside a transaction");
    return st->be->load_begin(st);
}

int store_load_end(store *st)
{
    if (st->in_tx)
        return store_fail(st, "store_load_end inside a transaction");
    return st->be->load_end(st);
}

int store_insert(store *st, const store_event *evs, size_t n, size_t *added)
{
    size_t dummy;
    if (!added)
        added = &dummy;
    *added = 0;
    if (!st->in_tx)
        return store_fail(st, "store_insert outside a transaction");
    for (size_t i = 0; i < n; i++) {
        const store_event *e = &evs[i];
        if (!e->eventid.p || !e->sensor.p || !e->run.p || !e->src_ip.p ||
            e->seq == STORE_NULL || e->ts_ms == STORE_NULL)
            return store_fail(st, "event %zu lacks a required field (eventid, sensor, run, "
                              "seq, src_ip, timestamp)", i);
    }
    return st->be->insert(st, evs, n, added);
}

int store_query(store *st, const char *sql, const char *const *params, size_t nparams,
                store_row_fn fn, void *arg)
{
    return st->be->query(st, sql, params, nparams, fn, arg);
}

int store_exec(store *st, const char *sql) { return st->be->exec(st, sql); }

/* ---- store_iterate ----------------------------------------------------------- */

/* The columns of events_v read back into a store_event, in this order;
 * LEAN_COLUMNS the same with NULL for what the analysis never reads (the
 * planner then drops those joins of the view: measured 20% faster). */
static const char ITERATE_COLUMNS[] =
    "event_id, ts_ms, eventid, sensor, run, seq, transport, src_ip, src_port, dst_ip, "
    "dst_port, method, ruri, ruri_user, from_user, from_tag, to_user, contact_user, call_id, "
    "cseq, user_agent, auth_user, auth_realm, auth_algorithm, auth_outcome, response, "
    "answered, dial_external, extension_known, warnings, status, server, reason, len, "
    "suppressed, truncated, raw";
static const char LEAN_COLUMNS[] =
    "event_id, ts_ms, eventid, sensor, run, seq, transport, src_ip, src_port, NULL, "
    "dst_port, method, NULL, ruri_user, from_user, from_tag, to_user, contact_user, call_id, "
    "cseq, user_agent, auth_user, NULL, NULL, auth_outcome, response, "
    "answered, dial_external, extension_known, warnings, status, NULL, NULL, len, "
    "suppressed, truncated, NULL";

struct iterate_ctx {
    store_event_fn fn;
    void *arg;
};

static store_str col_str(const char *v) { return (store_str){v, v ? strlen(v) : 0}; }
static int64_t col_int(const char *v) { return v ? strtoll(v, NULL, 10) : STORE_NULL; }

static int iterate_row(void *arg, int ncols, const char *const *names, const char *const *v)
{
    (void)names;
    struct iterate_ctx *c = arg;
    if (ncols != 37)
        return 1;
    store_event e;
    int i = 0;
    e.event_id = col_int(v[i++]);
    e.ts_ms = col_int(v[i++]);
    e.eventid = col_str(v[i++]);
    e.sensor = col_str(v[i++]);
    e.run = col_str(v[i++]);
    e.seq = col_int(v[i++]);
    e.transport = col_str(v[i++]);
    e.src_ip = col_str(v[i++]);
    e.src_port = col_int(v[i++]);
    e.dst_ip = col_str(v[i++]);
    e.dst_port = col_int(v[i++]);
    e.method = col_str(v[i++]);
    e.ruri = col_str(v[i++]);
    e.ruri_user = col_str(v[i++]);
    e.from_user = col_str(v[i++]);
    e.from_tag = col_str(v[i++]);
    e.to_user = col_str(v[i++]);
    e.contact_user = col_str(v[i++]);
    e.call_id = col_str(v[i++]);
    e.cseq = col_int(v[i++]);
    e.user_agent = col_str(v[i++]);
    e.auth_user = col_str(v[i++]);
    e.auth_realm = col_str(v[i++]);
    e.auth_algorithm = col_str(v[i++]);
    e.auth_outcome = col_str(v[i++]);
    e.response = col_int(v[i++]);
    e.answered = col_int(v[i++]);
    e.dial_external = col_int(v[i++]);
    e.extension_known = col_int(v[i++]);
    e.warnings = col_str(v[i++]);
    e.status = col_int(v[i++]);
    e.server = col_str(v[i++]);
    e.reason = col_str(v[i++]);
    e.len = col_int(v[i++]);
    e.suppressed = col_int(v[i++]);
    e.truncated = col_int(v[i++]);
    e.raw = col_str(v[i++]);
    e.sensor_key = e.src_ip_key = e.ua_key = 0;
    return c->fn(c->arg, &e);
}

int store_iterate(store *st, const store_filter *f, store_event_fn fn, void *arg)
{
    if (f && f->lean && st->be->scan) {
        int rc = st->be->scan(st, f, fn, arg);
        if (rc != 1)
            return rc;
    }
    char sql[1024], since[24], until[24];
    const char *params[3];
    size_t np = 0;
    int n = snprintf(sql, sizeof sql, "SELECT %s FROM events_v WHERE 1=1",
                     f && f->lean ? LEAN_COLUMNS : ITERATE_COLUMNS);
    /* Filter on ts, the indexed (and on PostgreSQL partitioning) column in
     * its native type, so the index and partition pruning apply. */
    char p[128];
    if (f && f->since_ms != STORE_NULL) {
        snprintf(since, sizeof since, "%lld", (long long)f->since_ms);
        params[np++] = since;
        snprintf(p, sizeof p, "%s$%zu%s", st->be->ms_param[0], np, st->be->ms_param[1]);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND ts >= %s", p);
    }
    if (f && f->until_ms != STORE_NULL) {
        snprintf(until, sizeof until, "%lld", (long long)f->until_ms);
        params[np++] = until;
        snprintf(p, sizeof p, "%s$%zu%s", st->be->ms_param[0], np, st->be->ms_param[1]);
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND ts < %s", p);
    }
    if (f && f->sensor) {
        params[np++] = f->sensor;
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND sensor = $%zu", np);
    }
    snprintf(sql + n, sizeof sql - (size_t)n, " ORDER BY ts, event_id");
    struct iterate_ctx c = {fn, arg};
    return st->be->query(st, sql, params, np, iterate_row, &c);
}
