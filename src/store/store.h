/*
 * store.h - the event store: one logical schema (docs/STORE.md) on SQLite
 * (embedded, the default) or PostgreSQL (many sensors, central), behind one
 * table of function pointers, struct store_backend (the model is curl's
 * lib/vtls). Everything above this header (ingest, analysis, reports) sees
 * only the functions below, never a database handle.
 *
 *   store *st = store_open("sipsnare.db", err, sizeof err);  // or "postgresql://..."
 *   store_begin(st);
 *   store_insert(st, events, n, &added);       // duplicates are ignored
 *   store_commit(st);
 *   store_iterate(st, &(store_filter){.since_ms = t0, .until_ms = STORE_NULL}, fn, arg);
 *   store_query(st, "SELECT method, count(*) FROM events_v GROUP BY 1", NULL, 0, row_fn, arg);
 *   store_close(st);
 *
 * Opening a store applies every pending schema migration (schema_version
 * table; each migration once, in order, in one transaction).
 *
 * Conventions. Every function returning int returns 0 on success and -1 on
 * failure, with the reason in store_errmsg(). Strings are (pointer, length)
 * views, UTF-8 without NUL bytes (PostgreSQL text cannot hold NUL: the JSON
 * reader turns \u0000 into U+FFFD); a NULL pointer means absent, which is
 * SQL NULL and stays distinct from "" (an empty User-Agent header is not a
 * missing one). Integers are int64_t with STORE_NULL for absent; booleans
 * are 0, 1 or STORE_NULL. Times are Unix milliseconds, UTC.
 *
 * Not thread-safe: one store handle per thread.
 */
#ifndef SIPSNARE_STORE_H
#define SIPSNARE_STORE_H

#include <stddef.h>
#include <stdint.h>

#define STORE_NULL INT64_MIN      /* an absent integer or boolean */

enum {
    STORE_VALUE_MAX = 2048,       /* dimension values are cut to this many bytes (on a
                                     UTF-8 boundary): a PostgreSQL B-tree entry must fit
                                     in a third of a page */
    STORE_TRUNC_FIELDS = 1,       /* store_event.truncated bits: a field was cut */
    STORE_TRUNC_RAW = 2,          /*   the raw message was cut */
};

/* A string view; p == NULL means absent (SQL NULL). */
typedef struct {
    const char *p;
    size_t len;
} store_str;

#define STORE_STR_NULL ((store_str){NULL, 0})

/*
 * One event, as in docs/EVENTS.md (field names kept). Identity: (sensor,
 * run, seq, ts_ms) - inserting an event whose identity is already stored
 * adds nothing. A sensor never reuses a seq within a run, so this is
 * (sensor, run, seq) in practice; the time is part of the key because a
 * unique index of PostgreSQL's time-partitioned table must contain it.
 * Required: eventid, sensor, run (may be ""), seq, src_ip, ts_ms. Foreign
 * events without a run/seq of their own use run "" and a hash of their
 * line as seq (the JSON reader does this).
 */
typedef struct {
    int64_t event_id;          /* set by store_iterate; ignored by store_insert */
    int64_t ts_ms;             /* "timestamp" */
    store_str eventid;         /* "sip.request", "sip.response", "sip.malformed", ... */
    store_str sensor;
    store_str run;
    int64_t seq;
    store_str transport;       /* "udp", "tcp" */
    store_str src_ip;          /* IPv4 or IPv6 text; stored once in `ips` */
    int64_t src_port;
    store_str dst_ip;
    int64_t dst_port;
    /* sip.request */
    store_str method;
    store_str ruri;
    store_str ruri_user;       /* for INVITEs the dialed string */
    store_str from_user;
    store_str from_tag;
    store_str to_user;
    store_str contact_user;
    store_str call_id;
    int64_t cseq;
    store_str user_agent;      /* absent (no header) vs "" (empty header) */
    store_str auth_user;       /* auth.user (digest username) */
    store_str auth_realm;
    store_str auth_algorithm;
    store_str auth_outcome;    /* "none", "ok", "wrong_password", ... */
    int64_t response;          /* final status sent */
    int64_t answered;          /* booleans: 0, 1, STORE_NULL */
    int64_t dial_external;
    int64_t extension_known;
    store_str warnings;        /* names joined with ',' ("bad_contact,bare_lf") */
    /* sip.response */
    int64_t status;
    store_str server;          /* Server header (stored with the user agents) */
    /* drop_reason (request), reason phrase (response), error (malformed) */
    store_str reason;
    int64_t len;               /* bytes received */
    int64_t suppressed;        /* sip.ratelimited */
    int64_t truncated;         /* STORE_TRUNC_* bits, STORE_NULL if none */
    store_str raw;             /* the received bytes (escaped text) when logged */
    /* Set by a lean store_iterate where the back end has them, else 0:
     * positive numbers, equal exactly when the values are (absent
     * included), for a reader that works once per sensor, source address
     * or user agent instead of once per event. */
    int64_t sensor_key, src_ip_key, ua_key;
} store_event;

/* Fills ev with "absent" everywhere. */
void store_event_clear(store_event *ev);

typedef struct store store;

/* Opens (creating if needed) the store named by target and applies pending
 * migrations. target: "postgresql://..." or "postgres://..." (a libpq URI),
 * "sqlite:PATH", or a plain path (an SQLite file). Returns NULL with a
 * reason in err on failure. */
store *store_open(const char *target, char *err, size_t errlen);
/* store_open for a reader (a report): it never builds indexes that a load
 * left out (a bulk load in progress drops them; reads are slower without
 * them, never wrong). A writer's store_open builds them. */
store *store_open_reader(const char *target, char *err, size_t errlen);
void store_close(store *st);

const char *store_errmsg(const store *st);
const char *store_backend_name(const store *st);   /* "sqlite", "postgresql" */
int store_schema_version(store *st);               /* -1 on error */
/* The latest migration this build knows for st's back end (each has its own). */
int store_schema_latest(const store *st);

/* Transactions. store_insert must run inside one. */
int store_begin(store *st);
int store_commit(store *st);
int store_rollback(store *st);

/*
 * A bulk load: between load_begin and load_end the back end may trade
 * durability against a crash for speed (never consistency: a crash loses
 * at most the last transactions), and when the events table is empty at
 * load_begin, drop indexes and build them at load_end (SQLite; an open
 * after an interrupted load builds them). Call outside a transaction.
 */
int store_load_begin(store *st);
int store_load_end(store *st);

/*
 * Before store_load_begin: the end of the loads on this handle builds only
 * the indexes that reading every event in time order needs (SQLite: the
 * time index, when the rows did not come in time order; nothing else), so
 * that a report can read while store_build_indexes, on another handle and
 * thread, builds the rest (`sipsnare report --ingest`). Until then the
 * store is consistent, and loading into it still skips duplicates.
 */
void store_defer_indexes(store *st);

/* Builds every index that a load left out (a no-op when none is missing,
 * and for PostgreSQL, which keeps its indexes during loads). Call outside
 * a transaction; it takes the write lock while it builds. */
int store_build_indexes(store *st);

/* Inserts n events; *added (may be NULL) gets how many were new, the rest
 * were already stored (same identity) or repeated within evs. */
int store_insert(store *st, const store_event *evs, size_t n, size_t *added);

/* Filters of store_iterate: since_ms <= ts < until_ms, each bound
 * STORE_NULL for none; sensor NULL for all. lean: leave NULL what the
 * analysis never reads - raw (most of a store's bytes), ruri, dst_ip,
 * auth_realm, auth_algorithm, server and reason - so that the back end
 * skips reading and joining them. */
typedef struct {
    int64_t since_ms;
    int64_t until_ms;
    const char *sensor;
    int lean;
} store_filter;

/* Called per event; ev and its strings live until the callback returns.
 * Return nonzero to stop (store_iterate then returns 0). */
typedef int (*store_event_fn)(void *arg, const store_event *ev);

/* Every matching event in time order (then by event_id). */
int store_iterate(store *st, const store_filter *f, store_event_fn fn, void *arg);

/* Called per result row: values[i] is the column as text, NULL for SQL
 * NULL; names are the column names. Return nonzero to stop. */
typedef int (*store_row_fn)(void *arg, int ncols, const char *const *names,
                            const char *const *values);

/*
 * Runs one SQL statement with text parameters written $1, $2, ... (both
 * back ends accept that spelling), NULL entries binding SQL NULL, and
 * streams the rows to fn (may be NULL). Portable queries use the views of
 * docs/STORE.md (events_v); the tables differ in column types between back
 * ends (ts: integer ms vs timestamptz, IPs: text vs inet, booleans).
 */
int store_query(store *st, const char *sql, const char *const *params, size_t nparams,
                store_row_fn fn, void *arg);

/* Runs SQL without parameters or results (several statements allowed). */
int store_exec(store *st, const char *sql);

/*
 * The back-end table. Each back end fills one (store_sqlite in sqlite.c,
 * store_postgres in postgres.c) and keeps its own state behind the handle
 * (store_int.h); store.c does the dispatch, the migrations and
 * store_iterate on top of these entries. A new back end is one more table.
 */
struct store_migration {
    int version;
    const char *description;
    const char *sql;              /* several statements */
};

struct store_backend {
    const char *name;
    int (*open)(store *st, const char *target);
    int (*ready)(store *st);      /* after the migrations: prepare statements */
    void (*close)(store *st);
    int (*exec)(store *st, const char *sql);
    int (*query)(store *st, const char *sql, const char *const *params, size_t nparams,
                 store_row_fn fn, void *arg);
    int (*begin)(store *st);      /* a write transaction (SQLite: IMMEDIATE) */
    int (*commit)(store *st);
    int (*rollback)(store *st);
    int (*load_begin)(store *st);
    int (*load_end)(store *st);
    int (*build_indexes)(store *st);   /* NULL: nothing to build */
    int (*insert)(store *st, const store_event *evs, size_t n, size_t *added);
    /* store_iterate with lean set, when the back end has a faster way than
     * a query of events_v (NULL: none); returns 1, before calling fn, when
     * that way does not apply to this store */
    int (*scan)(store *st, const store_filter *f, store_event_fn fn, void *arg);
    const struct store_migration *migrations;   /* ascending versions */
    size_t n_migrations;
    const char *schema_version_sql;             /* CREATE TABLE IF NOT EXISTS schema_version */
    const char *migration_lock_sql;             /* run after begin, NULL if none */
    const char *ms_param[2];    /* written around a parameter ($n, Unix ms as text) to
                                   compare it with events.ts: prefix, suffix */
};

extern const struct store_backend store_sqlite;
extern const struct store_backend store_postgres;

#endif
