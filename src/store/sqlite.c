/*
 * sqlite.c - the SQLite back end (the default: one file, no server).
 *
 * Loading: prepared statements, 32 rows per INSERT, one transaction per
 * batch (the caller's begin/commit), WAL with synchronous=NORMAL, 64 KiB
 * pages. Dimension ids come from an in-memory cache (dimcache.h) - read
 * whole from a small table when a load begins, so that a miss is a new
 * value - with a memo per column in front of it (REGISTER floods repeat
 * values event after event) and a look at the event's earlier columns
 * (From, To, Contact and digest user are often one extension).
 *
 * The identity of an event is the unique time index (ts, run_id, seq): it
 * serves time ranges, and INSERT OR IGNORE against it makes a repeated
 * load add nothing. A bulk load into an empty events table drops all the
 * indexes and builds them at its end: sorting once costs about half of
 * keeping a B-tree with random keys up to date insert by insert. The only
 * duplicates possible are then within the load itself, and a set of
 * (run, seq) intervals in memory (seqset.h) sees that none came for far
 * less than the unique index's check on every row; the first time a
 * (run, seq) comes again, the unique index is built there and then and
 * the load goes on with it, so the result is exactly that of INSERT OR
 * IGNORE. docs/STORE.md has the measurements behind these choices.
 */
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/dimcache.h"
#include "store/scan.h"
#include "store/seqset.h"
#include "store/store_int.h"

enum {
    DIMCACHE_MAX = 1 << 20,    /* entries per dimension kept in memory */
    MEMO_MAX = 256,            /* longer values skip the per-column memo */
    SEQSET_MAX = 1 << 20,      /* intervals (16 bytes each) a bulk load tracks */
    PRELOAD_MAX = 1 << 18,     /* dimension tables up to this size are read whole
                                  into the cache when a load begins */
};

/* The indexes of events. The time index is also the identity (unique):
 * PostgreSQL needs the partition key (ts) in any unique index, and SQLite
 * gets the same rule and one index fewer to keep. A sensor never reuses a
 * seq within a run, so two events with the same (run, seq) have the same
 * time as well. */
#define IDX_TS "CREATE UNIQUE INDEX IF NOT EXISTS events_ts ON events (ts, run_id, seq);\n"
/* Single columns: within one key the rowids (event_id) come in load order,
 * which is time order for a sensor's log; a second column would make each
 * sort at the end of a bulk load about a quarter slower. */
#define IDX_SRC "CREATE INDEX IF NOT EXISTS events_src ON events (src_ip_id);\n"
#define IDX_METHOD "CREATE INDEX IF NOT EXISTS events_method ON events (method_id);\n"
/* most events (REGISTER floods) have no Request-URI user: a partial index
 * skips them, and `ruri_user_id = ?` still uses it */
#define IDX_DIALED "CREATE INDEX IF NOT EXISTS events_dialed ON events (ruri_user_id)\n" \
    "  WHERE ruri_user_id IS NOT NULL;\n"
#define IDX_UA "CREATE INDEX IF NOT EXISTS events_ua ON events (ua_id);\n"

/* A bulk load into an empty table drops them and builds them at its end
 * (an open rebuilds any that an interrupted load left out): for random
 * keys one sort at the end costs about half of keeping the B-tree up to
 * date insert by insert, and the unique one would check every row. */
static const struct {
    const char *name, *create;
} INDEXES[] = {
    {"events_ts", IDX_TS}, {"events_src", IDX_SRC}, {"events_method", IDX_METHOD},
    {"events_dialed", IDX_DIALED}, {"events_ua", IDX_UA},
};
#define N_INDEXES (sizeof INDEXES / sizeof INDEXES[0])

#define DIM_TABLE(t, id) \
    "CREATE TABLE " t " (" id " INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE);\n"

static const char MIGRATION_1[] =
    DIM_TABLE("sensors", "sensor_id")
    "CREATE TABLE runs (run_id INTEGER PRIMARY KEY, sensor_id INTEGER NOT NULL,\n"
    "  value TEXT NOT NULL, UNIQUE (sensor_id, value));\n"
    DIM_TABLE("event_kinds", "kind_id")
    DIM_TABLE("transports", "transport_id")
    "CREATE TABLE ips (ip_id INTEGER PRIMARY KEY, value TEXT NOT NULL UNIQUE,\n"
    "  family INTEGER NOT NULL, v4 INTEGER, bin BLOB NOT NULL);\n"
    "CREATE INDEX ips_bin ON ips (bin);\n"
    DIM_TABLE("methods", "method_id")
    DIM_TABLE("uris", "uri_id")
    DIM_TABLE("sip_users", "user_id")
    DIM_TABLE("user_agents", "ua_id")
    DIM_TABLE("auth_realms", "realm_id")
    DIM_TABLE("auth_algorithms", "algorithm_id")
    DIM_TABLE("auth_outcomes", "outcome_id")
    DIM_TABLE("warning_sets", "warnings_id")
    DIM_TABLE("reasons", "reason_id")
    /* the small vocabularies get stable ids (others are added on first use) */
    "INSERT INTO event_kinds (kind_id, value) VALUES (1, 'sip.request'), (2, 'sip.response'),\n"
    "  (3, 'sip.malformed'), (4, 'sip.ratelimited');\n"
    "INSERT INTO transports (transport_id, value) VALUES (1, 'udp'), (2, 'tcp'), (3, 'tls');\n"
    "INSERT INTO auth_outcomes (outcome_id, value) VALUES (1, 'none'), (2, 'ok'),\n"
    "  (3, 'wrong_password'), (4, 'unknown_user'), (5, 'stale'), (6, 'username_mismatch'),\n"
    "  (7, 'malformed');\n"
    "CREATE TABLE events (\n"
    "  event_id INTEGER PRIMARY KEY,\n"
    "  ts INTEGER NOT NULL,\n"
    "  sensor_id INTEGER NOT NULL,\n"
    "  run_id INTEGER NOT NULL,\n"
    "  seq INTEGER NOT NULL,\n"
    "  kind_id INTEGER NOT NULL,\n"
    "  transport_id INTEGER,\n"
    "  src_ip_id INTEGER NOT NULL,\n"
    "  src_port INTEGER,\n"
    "  dst_ip_id INTEGER,\n"
    "  dst_port INTEGER,\n"
    "  method_id INTEGER,\n"
    "  ruri_id INTEGER,\n"
    "  ruri_user_id INTEGER,\n"
    "  from_user_id INTEGER,\n"
    "  from_tag TEXT,\n"
    "  to_user_id INTEGER,\n"
    "  contact_user_id INTEGER,\n"
    "  call_id TEXT,\n"
    "  cseq INTEGER,\n"
    "  ua_id INTEGER,\n"
    "  auth_user_id INTEGER,\n"
    "  auth_realm_id INTEGER,\n"
    "  auth_algorithm_id INTEGER,\n"
    "  auth_outcome_id INTEGER,\n"
    "  response INTEGER,\n"
    "  answered INTEGER,\n"
    "  dial_external INTEGER,\n"
    "  extension_known INTEGER,\n"
    "  warnings_id INTEGER,\n"
    "  status INTEGER,\n"
    "  server_id INTEGER,\n"
    "  reason_id INTEGER,\n"
    "  len INTEGER,\n"
    "  suppressed INTEGER,\n"
    "  truncated INTEGER,\n"
    "  raw TEXT\n"
    ");\n"
    IDX_TS IDX_SRC IDX_METHOD IDX_DIALED IDX_UA;

static const char MIGRATION_2[] =
    "CREATE VIEW events_v AS SELECT\n"
    "  e.event_id AS event_id, e.ts AS ts, e.ts AS ts_ms, s.value AS sensor, r.value AS run,\n"
    "  e.seq AS seq, k.value AS eventid, tr.value AS transport, si.value AS src_ip,\n"
    "  e.src_port AS src_port, di.value AS dst_ip, e.dst_port AS dst_port, m.value AS method,\n"
    "  ru.value AS ruri, du.value AS ruri_user, fu.value AS from_user, e.from_tag AS from_tag,\n"
    "  tu.value AS to_user, cu.value AS contact_user, e.call_id AS call_id, e.cseq AS cseq,\n"
    "  ua.value AS user_agent, au.value AS auth_user, ar.value AS auth_realm,\n"
    "  aa.value AS auth_algorithm, ao.value AS auth_outcome, e.response AS response,\n"
    "  e.answered AS answered, e.dial_external AS dial_external,\n"
    "  e.extension_known AS extension_known, w.value AS warnings, e.status AS status,\n"
    "  sv.value AS server, rs.value AS reason, e.len AS len, e.suppressed AS suppressed,\n"
    "  e.truncated AS truncated, e.raw AS raw,\n"
    "  e.sensor_id AS sensor_id, e.src_ip_id AS src_ip_id, e.ruri_user_id AS ruri_user_id,\n"
    "  e.ua_id AS ua_id\n"
    "FROM events e\n"
    "JOIN sensors s ON s.sensor_id = e.sensor_id\n"
    "JOIN runs r ON r.run_id = e.run_id\n"
    "JOIN event_kinds k ON k.kind_id = e.kind_id\n"
    "JOIN ips si ON si.ip_id = e.src_ip_id\n"
    "LEFT JOIN transports tr ON tr.transport_id = e.transport_id\n"
    "LEFT JOIN ips di ON di.ip_id = e.dst_ip_id\n"
    "LEFT JOIN methods m ON m.method_id = e.method_id\n"
    "LEFT JOIN uris ru ON ru.uri_id = e.ruri_id\n"
    "LEFT JOIN sip_users du ON du.user_id = e.ruri_user_id\n"
    "LEFT JOIN sip_users fu ON fu.user_id = e.from_user_id\n"
    "LEFT JOIN sip_users tu ON tu.user_id = e.to_user_id\n"
    "LEFT JOIN sip_users cu ON cu.user_id = e.contact_user_id\n"
    "LEFT JOIN user_agents ua ON ua.ua_id = e.ua_id\n"
    "LEFT JOIN sip_users au ON au.user_id = e.auth_user_id\n"
    "LEFT JOIN auth_realms ar ON ar.realm_id = e.auth_realm_id\n"
    "LEFT JOIN auth_algorithms aa ON aa.algorithm_id = e.auth_algorithm_id\n"
    "LEFT JOIN auth_outcomes ao ON ao.outcome_id = e.auth_outcome_id\n"
    "LEFT JOIN warning_sets w ON w.warnings_id = e.warnings_id\n"
    "LEFT JOIN user_agents sv ON sv.ua_id = e.server_id\n"
    "LEFT JOIN reasons rs ON rs.reason_id = e.reason_id;\n";

/* Whether the rows' order (event_id) is their time order, and the latest
 * time stored: every writer keeps both up to date (see track_order), and
 * a scan in time order then reads the table in its own order instead of
 * going through the time index (twice as fast). */
static const char MIGRATION_3[] =
    "CREATE TABLE store_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);\n"
    "INSERT INTO store_meta VALUES ('max_ts', coalesce((SELECT max(ts) FROM events), -9223372036854775808));\n"
    "INSERT INTO store_meta VALUES ('rows_in_time_order', NOT EXISTS (SELECT 1 FROM\n"
    "  (SELECT ts < lag(ts) OVER (ORDER BY event_id) AS back FROM events) WHERE back));\n";

static const struct store_migration MIGRATIONS[] = {
    {1, "tables: events, dimensions, indexes", MIGRATION_1},
    {2, "view events_v", MIGRATION_2},
    {3, "store_meta: latest time, rows in time order", MIGRATION_3},
};

/* The insert: the scalar columns, then the ids of store_refs[] in order
 * (bind_row). Rows go ROWS_PER_INSERT at a time in one statement, which
 * saves the statement's setup (cursors, transaction check) per row; the
 * rest of a batch goes one by one. */
#define INSERT_COLUMNS \
    "INSERT OR IGNORE INTO events (ts, seq, src_port, dst_port, from_tag, call_id, cseq,\n" \
    "  response, answered, dial_external, extension_known, status, len, suppressed,\n" \
    "  truncated, raw, sensor_id, run_id, kind_id, transport_id, src_ip_id, dst_ip_id,\n" \
    "  method_id, ruri_id, ruri_user_id, from_user_id, to_user_id, contact_user_id, ua_id,\n" \
    "  auth_user_id, auth_realm_id, auth_algorithm_id, auth_outcome_id, warnings_id,\n" \
    "  server_id, reason_id)\nVALUES "
#define INSERT_ROW "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

enum {
    INSERT_PARAMS = 16 + REF_COUNT,   /* the ?s of INSERT_ROW */
    ROWS_PER_INSERT = 32,
};

/* The last value resolved for one column of events, and its id. */
typedef struct {
    char key[MEMO_MAX];
    size_t len;
    int64_t sensor_id;         /* runs: part of the key */
    int64_t id;                /* -1: empty */
} memo;

/* A value resolved for a column of the event being inserted. */
typedef struct {
    store_str v;
    int64_t id;
} resolved;

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *ins_event;       /* one row */
    sqlite3_stmt *ins_many;        /* ROWS_PER_INSERT rows */
    const store_event *pend[ROWS_PER_INSERT];
    int64_t pend_ids[ROWS_PER_INSERT][REF_COUNT];
    int npend;
    sqlite3_stmt *dim_get[DIM_COUNT];
    sqlite3_stmt *dim_put[DIM_COUNT];
    dimcache *cache[DIM_COUNT];
    /* the cache holds every row of the table: a miss is a new value, no
     * SELECT needed (until the cache overflows or a rollback) */
    unsigned char complete[DIM_COUNT];
    memo memo[REF_COUNT];
    resolved this_ev[REF_COUNT];   /* the event being inserted, column by column */
    int rebuild_indexes;       /* load_begin dropped them */
    seqset *seen;              /* bulk load, no unique index yet: (run, seq) stored */
    int need_identity;         /* build the unique index before the next insert */
    /* store_meta as of this write transaction (read at its begin) */
    int64_t max_ts;
    int in_order;
    int meta_read, meta_dirty;
} sq;

static int sq_fail(store *st, sq *s, const char *what)
{
    return store_fail(st, "sqlite: %s: %s", what, sqlite3_errmsg(s->db));
}

static int sq_exec(store *st, const char *sql)
{
    sq *s = st->impl;
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        store_fail(st, "sqlite: %s", msg ? msg : sqlite3_errmsg(s->db));
        sqlite3_free(msg);
        return -1;
    }
    return 0;
}

static void forget_ids(sq *s)
{
    for (int d = 0; d < DIM_COUNT; d++) {
        if (s->cache[d])
            dimcache_clear(s->cache[d]);
        s->complete[d] = 0;
    }
    for (int r = 0; r < REF_COUNT; r++)
        s->memo[r].id = -1;
}

static int prepare(store *st, sq *s, const char *sql, sqlite3_stmt **out)
{
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) != SQLITE_OK)
        return sq_fail(st, s, sql);
    return 0;
}

/* The per-dimension statements; made after the migrations created the tables. */
static int prepare_dims(store *st, sq *s)
{
    char sql[256];
    for (int d = 0; d < DIM_COUNT; d++) {
        const char *t = store_dims[d].table, *id = store_dims[d].id_col;
        if (d == DIM_RUNS)
            snprintf(sql, sizeof sql, "SELECT run_id FROM runs WHERE sensor_id = ?2 AND value = ?1");
        else
            snprintf(sql, sizeof sql, "SELECT %s FROM %s WHERE value = ?1", id, t);
        if (prepare(st, s, sql, &s->dim_get[d]) != 0)
            return -1;
        if (d == DIM_RUNS)
            snprintf(sql, sizeof sql, "INSERT INTO runs (value, sensor_id) VALUES (?1, ?2)");
        else if (d == DIM_IPS)
            snprintf(sql, sizeof sql, "INSERT INTO ips (value, family, v4, bin) VALUES (?1, ?2, ?3, ?4)");
        else
            snprintf(sql, sizeof sql, "INSERT INTO %s (value) VALUES (?1)", t);
        if (prepare(st, s, sql, &s->dim_put[d]) != 0)
            return -1;
        if (!s->cache[d] && !(s->cache[d] = dimcache_new(DIMCACHE_MAX)))
            return store_fail(st, "out of memory");
    }
    static char many[sizeof INSERT_COLUMNS + ROWS_PER_INSERT * sizeof INSERT_ROW];
    size_t n = strlen(INSERT_COLUMNS);
    memcpy(many, INSERT_COLUMNS, n);
    for (int r = 0; r < ROWS_PER_INSERT; r++) {
        if (r)
            many[n++] = ',';
        memcpy(many + n, INSERT_ROW, sizeof INSERT_ROW - 1);
        n += sizeof INSERT_ROW - 1;
    }
    many[n] = '\0';
    if (prepare(st, s, many, &s->ins_many) != 0)
        return -1;
    return prepare(st, s, INSERT_COLUMNS INSERT_ROW, &s->ins_event);
}

static void sq_close(store *st)
{
    sq *s = st->impl;
    for (int d = 0; d < DIM_COUNT; d++) {
        sqlite3_finalize(s->dim_get[d]);
        sqlite3_finalize(s->dim_put[d]);
        dimcache_free(s->cache[d]);
    }
    sqlite3_finalize(s->ins_event);
    sqlite3_finalize(s->ins_many);
    seqset_free(s->seen);
    sqlite3_close(s->db);
    free(s);
    st->impl = NULL;
}

/* how much of the file reads map (sq_open) */
#define MMAP_BYTES "268435456"

static int sq_open(store *st, const char *path)
{
    sq *s = calloc(1, sizeof *s);
    if (!s)
        return store_fail(st, "out of memory");
    st->impl = s;
    forget_ids(s);
    /* no allocation statistics (they take a global mutex per malloc);
     * fails harmlessly once SQLite is initialised */
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    /* NOMUTEX: a store handle is used by one thread at a time (store.h) */
    if (sqlite3_open_v2(path, &s->db,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return store_fail(st, "sqlite: %s: %s", path,
                          s->db ? sqlite3_errmsg(s->db) : "out of memory");
    sqlite3_busy_timeout(s->db, 30000);
    /* A new file gets 64 KiB pages (before WAL, which fixes the page
     * size): the store is written in large batches and read by scans, and
     * big pages mean 16 times fewer reads and writes than the default 4 KiB
     * (docs/STORE.md has the measurements). On an existing file this
     * pragma does nothing. */
    if (sq_exec(st, "PRAGMA page_size = 65536") != 0)
        return -1;
    /* WAL: readers (reports) never block the loader; NORMAL is durable up
     * to the last checkpoint and never corrupts (sqlite.org/wal.html).
     * Reads through mmap save a system call and a copy per page, but every
     * page a scan touches stays in the process' resident memory: the first
     * 256 MiB of the file are mapped, the rest is read through the page
     * cache, so that a report over a year (11 GiB) keeps its memory bounded. */
    return sq_exec(st, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;"
                       "PRAGMA foreign_keys = OFF; PRAGMA mmap_size = " MMAP_BYTES ";");
}

static int sq_query(store *st, const char *sql, const char *const *params, size_t nparams,
                    store_row_fn fn, void *arg)
{
    sq *s = st->impl;
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v2(s->db, sql, -1, &stmt, NULL) != SQLITE_OK)
        return sq_fail(st, s, "query");
    for (size_t i = 0; i < nparams; i++) {
        /* "$1" is a named parameter to SQLite; "?" is positional */
        char name[24];
        snprintf(name, sizeof name, "$%zu", i + 1);
        int idx = sqlite3_bind_parameter_index(stmt, name);
        if (idx == 0)
            idx = (int)i + 1;
        if (idx > sqlite3_bind_parameter_count(stmt))
            continue;
        if (params[i])
            sqlite3_bind_text(stmt, idx, params[i], -1, SQLITE_STATIC);
    }
    int ncols = sqlite3_column_count(stmt), rc;
    const char **names = calloc((size_t)ncols + 1, sizeof *names);
    const char **vals = calloc((size_t)ncols + 1, sizeof *vals);
    char **hex = calloc((size_t)ncols + 1, sizeof *hex);
    if (!names || !vals || !hex) {
        free(names), free(vals), free(hex);
        sqlite3_finalize(stmt);
        return store_fail(st, "out of memory");
    }
    for (int c = 0; c < ncols; c++)
        names[c] = sqlite3_column_name(stmt, c);
    int ret = 0, stop = 0;
    while (!stop && (rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (!fn)
            continue;
        for (int c = 0; c < ncols; c++) {
            if (sqlite3_column_type(stmt, c) == SQLITE_BLOB) {
                /* as PostgreSQL writes bytea: \x and hex digits */
                const unsigned char *b = sqlite3_column_blob(stmt, c);
                int n = sqlite3_column_bytes(stmt, c);
                char *h = realloc(hex[c], (size_t)n * 2 + 3);
                if (!h) {
                    ret = store_fail(st, "out of memory");
                    stop = 1;
                    break;
                }
                hex[c] = h;
                h[0] = '\\', h[1] = 'x';
                for (int k = 0; k < n; k++)
                    snprintf(h + 2 + 2 * k, 3, "%02x", b[k]);
                h[2 + 2 * n] = '\0';
                vals[c] = h;
            } else {
                vals[c] = (const char *)sqlite3_column_text(stmt, c);
            }
        }
        if (!stop && fn(arg, ncols, names, vals) != 0)
            stop = 1;
    }
    if (!stop && rc != SQLITE_DONE)
        ret = sq_fail(st, s, "query");
    for (int c = 0; c < ncols; c++)
        free(hex[c]);
    free(names), free(vals), free(hex);
    sqlite3_finalize(stmt);
    return ret;
}

static int sq_begin(store *st)
{
    sq *s = st->impl;
    s->meta_read = s->meta_dirty = 0;
    return sq_exec(st, "BEGIN IMMEDIATE");
}

/* store_meta as this transaction sees it: the writer's own copy once it
 * has one (it may hold changes not written back yet), else the table's. */
static int meta_get(store *st, sq *s, int64_t *max_ts, int *in_order)
{
    if (s->meta_read) {
        *max_ts = s->max_ts, *in_order = s->in_order;
        return 0;
    }
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT key, value FROM store_meta", -1, &q, NULL) != SQLITE_OK)
        return sq_fail(st, s, "store_meta");
    *max_ts = INT64_MIN;
    *in_order = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        const char *k = (const char *)sqlite3_column_text(q, 0);
        if (k && strcmp(k, "max_ts") == 0)
            *max_ts = sqlite3_column_int64(q, 1);
        else if (k && strcmp(k, "rows_in_time_order") == 0)
            *in_order = sqlite3_column_int(q, 1) != 0;
    }
    sqlite3_finalize(q);
    return 0;
}

/* The writer reads store_meta once per write transaction (another process
 * may have written since its last one) and writes it back at the commit
 * when it changed. */
static int meta_read(store *st, sq *s)
{
    if (meta_get(st, s, &s->max_ts, &s->in_order) != 0)
        return -1;
    s->meta_read = 1;
    return 0;
}

/* Rows get increasing event_ids: they stay in time order as long as no
 * row is older than the latest one stored (a row INSERT OR IGNORE skips
 * may clear the flag needlessly; that only costs the faster scan). */
static void track_order(sq *s, int64_t ts)
{
    if (ts < s->max_ts) {
        if (s->in_order)
            s->in_order = 0, s->meta_dirty = 1;
    } else if (ts > s->max_ts) {
        s->max_ts = ts;
        s->meta_dirty = 1;
    }
}

static int sq_commit(store *st)
{
    sq *s = st->impl;
    if (s->meta_dirty) {
        char sql[200];
        snprintf(sql, sizeof sql,
                 "UPDATE store_meta SET value = CASE key WHEN 'max_ts' THEN %lld ELSE %d END "
                 "WHERE key IN ('max_ts', 'rows_in_time_order')",
                 (long long)s->max_ts, s->in_order);
        if (sq_exec(st, sql) != 0)
            return -1;
        s->meta_dirty = 0;
    }
    s->meta_read = 0;   /* outside a write transaction the table is what counts */
    return sq_exec(st, "COMMIT");
}

static int sq_rollback(store *st)
{
    sq *s = st->impl;
    forget_ids(s);   /* ids handed out in this transaction are void */
    s->meta_read = s->meta_dirty = 0;
    if (s->seen) {
        /* it holds events that are gone now: from here on the unique
         * index tells duplicates */
        seqset_free(s->seen);
        s->seen = NULL;
        s->need_identity = 1;
    }
    return sq_exec(st, "ROLLBACK");
}

static int preload(store *st, sq *s, enum store_dim d);

static int events_empty(store *st, int *empty)
{
    sq *s = st->impl;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT 1 FROM events LIMIT 1", -1, &q, NULL) != SQLITE_OK)
        return sq_fail(st, s, "events");
    int rc = sqlite3_step(q);
    sqlite3_finalize(q);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sq_fail(st, s, "events");
    *empty = rc == SQLITE_DONE;
    return 0;
}

static int ensure_index(store *st, const char *create);

static int sq_load_begin(store *st)
{
    sq *s = st->impl;
    int empty = 0;
    /* A modest page cache: appends touch few pages, and every page of a
     * bigger cache is one more page fault to fill it (256 MiB cost more
     * than it saved). */
    if (sq_exec(st, "PRAGMA cache_size = -32768") != 0 ||
        events_empty(st, &empty) != 0)
        return -1;
    for (int d = 0; d < DIM_COUNT; d++)
        if (preload(st, s, (enum store_dim)d) != 0)
            return -1;
    /* a table with rows needs its identity to tell duplicates; only an
     * earlier deferred load on this handle can have left it out (an open
     * for writing builds what others left out) */
    if (!empty)
        return s->rebuild_indexes ? ensure_index(st, IDX_TS) : 0;
    char sql[128];
    if (!(s->seen = seqset_new()))
        return store_fail(st, "out of memory");
    if (sq_exec(st, "BEGIN IMMEDIATE") != 0)
        return -1;
    for (size_t i = 0; i < N_INDEXES; i++) {
        snprintf(sql, sizeof sql, "DROP INDEX IF EXISTS %s", INDEXES[i].name);
        if (sq_exec(st, sql) != 0) {
            sq_exec(st, "ROLLBACK");
            return -1;
        }
    }
    s->rebuild_indexes = 1;
    return sq_exec(st, "COMMIT");
}

/* Creates whichever of the given indexes is missing (after a bulk load, or
 * after one that was interrupted), in one transaction. The cache size is
 * also the size of the chunks an index sort works in, merged from
 * temporary files: small chunks in files (the OS keeps them in its cache)
 * measured faster than big ones, and far faster than temp_store = MEMORY
 * at 10M events. Fresh statistics for the planner after. */
static int create_indexes(store *st, const char *const *create, size_t n)
{
    /* No mmap while sorting: it maps only the first 256 MiB of a big store
     * anyway, and those pages would count again in the resident memory of a
     * process that reads the same file at the same time (report --ingest). */
    if (sq_exec(st, "PRAGMA cache_size = -8192; PRAGMA temp_store = FILE; PRAGMA mmap_size = 0") != 0 ||
        sq_exec(st, "BEGIN IMMEDIATE") != 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (sq_exec(st, create[i]) != 0) {
            sq_exec(st, "ROLLBACK");
            return -1;
        }
    if (sq_exec(st, "COMMIT") != 0)
        return -1;
    return sq_exec(st, "PRAGMA analysis_limit = 1000; PRAGMA optimize; PRAGMA cache_size = -16384;"
                       "PRAGMA mmap_size = " MMAP_BYTES ";");
}

static int ensure_index(store *st, const char *create)
{
    return create_indexes(st, &create, 1);
}

static int ensure_indexes(store *st)
{
    const char *create[N_INDEXES];
    for (size_t i = 0; i < N_INDEXES; i++)
        create[i] = INDEXES[i].create;
    return create_indexes(st, create, N_INDEXES);
}

static int sq_load_end(store *st)
{
    sq *s = st->impl;
    seqset_free(s->seen);
    s->seen = NULL;
    s->need_identity = 0;
    if (!s->rebuild_indexes)
        return sq_exec(st, "PRAGMA analysis_limit = 1000; PRAGMA optimize; PRAGMA cache_size = -16384;");
    if (!st->defer_indexes) {
        if (ensure_indexes(st) != 0)
            return -1;
        s->rebuild_indexes = 0;
        return 0;
    }
    /* Deferred: only what reading every event in time order needs now -
     * the time index when the rows did not come in that order (the scan
     * would sort them all); store_build_indexes makes the rest. */
    int64_t max_ts;
    int in_order;
    if (meta_get(st, s, &max_ts, &in_order) != 0)
        return -1;
    return in_order ? 0 : ensure_index(st, IDX_TS);
}

static int sq_build_indexes(store *st)
{
    sq *s = st->impl;
    if (ensure_indexes(st) != 0)
        return -1;
    s->rebuild_indexes = 0;
    return 0;
}

/* The key of a value in its dimension's cache: for runs the sensor id
 * comes first. */
static size_t cache_key(char *buf, enum store_dim d, store_str v, int64_t sensor_id,
                        const void **key)
{
    if (d != DIM_RUNS) {
        *key = v.p;
        return v.len;
    }
    memcpy(buf, &sensor_id, 8);
    memcpy(buf + 8, v.p, v.len);
    *key = buf;
    return 8 + v.len;
}

/* Reads a whole dimension table into its cache when it is small enough,
 * so that new values are inserted without asking first. Addresses are not
 * (two spellings of one address share a row; only the table knows). */
static int preload(store *st, sq *s, enum store_dim d)
{
    char sql[160];
    const char *t = store_dims[d].table, *id = store_dims[d].id_col;
    if (d == DIM_IPS || s->complete[d])
        return 0;
    sqlite3_stmt *q;
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", t);
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return sq_fail(st, s, t);
    int64_t n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int64(q, 0) : -1;
    sqlite3_finalize(q);
    if (n < 0 || n > PRELOAD_MAX)
        return 0;
    if (d == DIM_RUNS)
        snprintf(sql, sizeof sql, "SELECT run_id, value, sensor_id FROM runs");
    else
        snprintf(sql, sizeof sql, "SELECT %s, value, 0 FROM %s", id, t);
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return sq_fail(st, s, t);
    char kbuf[8 + STORE_VALUE_MAX];
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        store_str v = {(const char *)sqlite3_column_text(q, 1),
                       (size_t)sqlite3_column_bytes(q, 1)};
        const void *key;
        if (!v.p || v.len > STORE_VALUE_MAX)
            continue;
        size_t klen = cache_key(kbuf, d, v, sqlite3_column_int64(q, 2), &key);
        if (dimcache_put(s->cache[d], key, klen, sqlite3_column_int64(q, 0)) != 0) {
            sqlite3_finalize(q);
            return store_fail(st, "out of memory");
        }
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_DONE)
        return sq_fail(st, s, t);
    s->complete[d] = 1;
    return 0;
}

/* The id of value v of dimension d, inserting it when new. For runs,
 * sensor_id is part of the key. */
static int64_t dim_resolve(store *st, sq *s, enum store_dim d, store_str v, int64_t sensor_id)
{
    char kbuf[8 + STORE_VALUE_MAX];
    const void *key;
    size_t klen = cache_key(kbuf, d, v, sensor_id, &key);
    int64_t id = dimcache_get(s->cache[d], key, klen);
    if (id >= 0)
        return id;

    store_ip ip;
    store_str canon = v;
    if (d == DIM_IPS) {
        if (store_ip_parse(v, &ip) != 0) {
            store_fail(st, "not an IP address: '%.*s'", (int)(v.len > 64 ? 64 : v.len), v.p);
            return -1;
        }
        canon = (store_str){ip.text, strlen(ip.text)};
    }
    int rc, ask = !s->complete[d];
    for (;;) {
        if (ask) {   /* is it in the table already? */
            sqlite3_stmt *g = s->dim_get[d];
            sqlite3_bind_text(g, 1, canon.p, (int)canon.len, SQLITE_STATIC);
            if (d == DIM_RUNS)
                sqlite3_bind_int64(g, 2, sensor_id);
            rc = sqlite3_step(g);
            if (rc == SQLITE_ROW)
                id = sqlite3_column_int64(g, 0);
            sqlite3_reset(g);
            if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
                sq_fail(st, s, store_dims[d].table);
                return -1;
            }
            if (id >= 0)
                break;
        }
        sqlite3_stmt *p = s->dim_put[d];
        sqlite3_bind_text(p, 1, canon.p, (int)canon.len, SQLITE_STATIC);
        if (d == DIM_RUNS) {
            sqlite3_bind_int64(p, 2, sensor_id);
        } else if (d == DIM_IPS) {
            sqlite3_bind_int(p, 2, ip.family);
            if (ip.v4 >= 0)
                sqlite3_bind_int64(p, 3, ip.v4);
            else
                sqlite3_bind_null(p, 3);
            sqlite3_bind_blob(p, 4, ip.bin, 16, SQLITE_STATIC);
        }
        rc = sqlite3_step(p);
        sqlite3_reset(p);
        if (rc == SQLITE_DONE) {
            id = sqlite3_last_insert_rowid(s->db);
            break;
        }
        if (rc == SQLITE_CONSTRAINT && !ask) {
            /* another loader added it since the cache was filled */
            s->complete[d] = 0;
            ask = 1;
            continue;
        }
        sq_fail(st, s, store_dims[d].table);
        return -1;
    }
    if (dimcache_full(s->cache[d]))
        s->complete[d] = 0;   /* the put below empties the cache */
    if (dimcache_put(s->cache[d], key, klen, id) != 0) {
        store_fail(st, "out of memory");
        return -1;
    }
    return id;
}

/* The id for column ref of ev: -2 when absent (NULL), -1 on error. */
static int64_t ref_id(store *st, sq *s, enum store_ref ref, const store_event *ev,
                      int64_t sensor_id)
{
    store_str v = store_event_ref(ev, ref);
    s->this_ev[ref].id = -1;
    if (v.p == NULL)
        return -2;
    v.len = store_value_len(v);
    memo *m = &s->memo[ref];
    if (m->id >= 0 && m->len == v.len && m->sensor_id == sensor_id &&
        dimcache_equal(m->key, v.p, v.len)) {
        s->this_ev[ref] = (resolved){v, m->id};
        return m->id;
    }
    /* the same value in an earlier column of this event (From, To,
     * Contact and digest user are often one extension) */
    enum store_dim d = store_refs[ref].dim;
    for (int r = 0; r < (int)ref; r++) {
        if (store_refs[r].dim != d || s->this_ev[r].id < 0)
            continue;
        store_str o = s->this_ev[r].v;
        if (o.len == v.len && dimcache_equal(o.p, v.p, v.len)) {
            s->this_ev[ref] = (resolved){v, s->this_ev[r].id};
            return s->this_ev[r].id;
        }
    }
    int64_t id = dim_resolve(st, s, d, v, sensor_id);
    s->this_ev[ref] = (resolved){v, id};
    if (id >= 0 && v.len <= MEMO_MAX) {
        memcpy(m->key, v.p, v.len);
        m->len = v.len;
        m->sensor_id = sensor_id;
        m->id = id;
    }
    return id;
}

static void bind_int(sqlite3_stmt *q, int i, int64_t v)
{
    if (v == STORE_NULL)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_int64(q, i, v);
}

static void bind_str(sqlite3_stmt *q, int i, store_str v)
{
    if (v.p == NULL)
        sqlite3_bind_null(q, i);
    else
        sqlite3_bind_text(q, i, v.p, (int)v.len, SQLITE_STATIC);
}

/* Binds event e with its dimension ids at parameters first..first+INSERT_PARAMS-1. */
static void bind_row(sqlite3_stmt *q, int first, const store_event *e, const int64_t *ids)
{
    int b = first;
    bind_int(q, b++, e->ts_ms);
    bind_int(q, b++, e->seq);
    bind_int(q, b++, e->src_port);
    bind_int(q, b++, e->dst_port);
    bind_str(q, b++, e->from_tag);
    bind_str(q, b++, e->call_id);
    bind_int(q, b++, e->cseq);
    bind_int(q, b++, e->response);
    bind_int(q, b++, e->answered);
    bind_int(q, b++, e->dial_external);
    bind_int(q, b++, e->extension_known);
    bind_int(q, b++, e->status);
    bind_int(q, b++, e->len);
    bind_int(q, b++, e->suppressed);
    bind_int(q, b++, e->truncated);
    bind_str(q, b++, e->raw);
    for (int r = 0; r < REF_COUNT; r++)
        bind_int(q, b++, ids[r] < 0 ? STORE_NULL : ids[r]);
}

/* Runs q; adds the rows it inserted to *added. */
static int step_insert(store *st, sq *s, sqlite3_stmt *q, size_t *added)
{
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return sq_fail(st, s, "insert into events");
    *added += (size_t)sqlite3_changes(s->db);
    return 0;
}

/* Inserts the pending rows: all in one statement when there are
 * ROWS_PER_INSERT of them, else one by one. */
static int flush_rows(store *st, sq *s, size_t *added)
{
    int n = s->npend;
    s->npend = 0;
    if (n == ROWS_PER_INSERT) {
        for (int k = 0; k < n; k++)
            bind_row(s->ins_many, 1 + k * INSERT_PARAMS, s->pend[k], s->pend_ids[k]);
        return step_insert(st, s, s->ins_many, added);
    }
    for (int k = 0; k < n; k++) {
        bind_row(s->ins_event, 1, s->pend[k], s->pend_ids[k]);
        if (step_insert(st, s, s->ins_event, added) != 0)
            return -1;
    }
    return 0;
}

/* The end of in-memory deduplication (a (run, seq) came twice, or a
 * rollback): the unique index is built now and checks every row from here
 * on. */
static int identity_now(store *st, sq *s)
{
    seqset_free(s->seen);
    s->seen = NULL;
    s->need_identity = 0;
    return sq_exec(st, IDX_TS);
}

/* The events come from another thread (the decoder), whose core still
 * holds their strings: the first touch of each was a cache miss that the
 * profile put at the memo comparisons (a quarter of this thread's own
 * time). Asking for them a few events ahead overlaps those misses. */
enum { PREFETCH_AHEAD = 4 };

static void prefetch_event(const store_event *e)
{
    for (int r = 0; r < REF_COUNT; r++) {
        store_str v = store_event_ref(e, (enum store_ref)r);
        if (v.p)
            __builtin_prefetch(v.p);
    }
    if (e->call_id.p)
        __builtin_prefetch(e->call_id.p);
    if (e->from_tag.p)
        __builtin_prefetch(e->from_tag.p);
}

static int sq_insert(store *st, const store_event *evs, size_t n, size_t *added)
{
    sq *s = st->impl;
    s->npend = 0;
    if (s->need_identity && identity_now(st, s) != 0)
        return -1;
    if (!s->meta_read && meta_read(st, s) != 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        const store_event *e = &evs[i];
        if (i + 2 * PREFETCH_AHEAD < n)
            __builtin_prefetch(&evs[i + 2 * PREFETCH_AHEAD]);
        if (i + PREFETCH_AHEAD < n)
            prefetch_event(&evs[i + PREFETCH_AHEAD]);
        track_order(s, e->ts_ms);
        int64_t *ids = s->pend_ids[s->npend];
        for (int r = 0; r < REF_COUNT; r++) {
            /* a run's key holds its sensor's id, resolved just before */
            ids[r] = ref_id(st, s, (enum store_ref)r, e, r == REF_RUN ? ids[REF_SENSOR] : 0);
            if (ids[r] == -1)
                return -1;
        }
        if (s->seen) {
            int fresh = seqset_add(s->seen, ids[REF_RUN], e->seq);
            if (fresh < 0)
                return store_fail(st, "out of memory");
            if (fresh == 0 || seqset_intervals(s->seen) > SEQSET_MAX) {
                /* maybe a duplicate (or input too disordered to track):
                 * the rows so far go in, then the unique index decides */
                int at = s->npend;
                if (flush_rows(st, s, added) != 0 || identity_now(st, s) != 0)
                    return -1;
                memmove(s->pend_ids[0], s->pend_ids[at], sizeof s->pend_ids[0]);
            }
        }
        s->pend[s->npend++] = e;
        if (s->npend == ROWS_PER_INSERT && flush_rows(st, s, added) != 0)
            return -1;
    }
    return flush_rows(st, s, added);
}

/* After the migrations: the statements, and the secondary indexes when an
 * interrupted bulk load left some out. */
static int sq_ready(store *st)
{
    sq *s = st->impl;
    if (prepare_dims(st, s) != 0)
        return -1;
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(s->db, "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                           "tbl_name = 'events' AND name LIKE 'events\\_%' ESCAPE '\\'",
                           -1, &q, NULL) != SQLITE_OK)
        return sq_fail(st, s, "sqlite_master");
    int have = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : -1;
    sqlite3_finalize(q);
    /* a reader leaves them to the next writer: it may be a load that
     * dropped them (a bulk load, a deferred build) and is building them */
    if (have == (int)N_INDEXES || st->reader)
        return 0;
    return ensure_indexes(st);
}


/* ---- the analysis' scan (store_iterate with lean) --------------------------
 *
 * The report reads every event once. Through events_v that is a dozen
 * joins per row and every integer turned into text and parsed back; here
 * the events table's own columns are read as they are stored and each
 * dimension id becomes its value through an array of the (small)
 * dimension table read whole first. Measured on a 1.4M-event store: a
 * whole report 6.5 s through events_v, 4.7 s this way (docs/STORE.md).
 */

/* 1: loaded; 0: too large for memory (use the query); -1: error. */
static int dim_values_load(store *st, sq *s, enum store_dim d, dim_values *dv)
{
    char sql[160];
    sqlite3_stmt *q;
    const char *t = store_dims[d].table, *id = store_dims[d].id_col;
    snprintf(sql, sizeof sql, "SELECT coalesce(max(%s), 0), coalesce(sum(length(CAST(value AS BLOB))), 0) "
             "FROM %s", id, t);
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return sq_fail(st, s, t);
    int64_t max_id = 0, bytes = 0;
    if (sqlite3_step(q) == SQLITE_ROW) {
        max_id = sqlite3_column_int64(q, 0);
        bytes = sqlite3_column_int64(q, 1);
    }
    sqlite3_finalize(q);
    int r = dim_values_alloc(dv, max_id, bytes);
    if (r <= 0)
        return r < 0 ? store_fail(st, "out of memory") : 0;
    snprintf(sql, sizeof sql, "SELECT %s, value FROM %s", id, t);
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK)
        return sq_fail(st, s, t);
    int rc;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        dim_values_put(dv, sqlite3_column_int64(q, 0), (const char *)sqlite3_column_text(q, 1),
                       (size_t)sqlite3_column_bytes(q, 1));
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 1 : sq_fail(st, s, t);
}

static store_str scan_text(sqlite3_stmt *q, int col)
{
    const char *v = (const char *)sqlite3_column_text(q, col);
    return (store_str){v, v ? (size_t)sqlite3_column_bytes(q, col) : 0};
}

static int64_t scan_int(sqlite3_stmt *q, int col)
{
    return sqlite3_column_type(q, col) == SQLITE_NULL ? STORE_NULL : sqlite3_column_int64(q, col);
}

/* The value of a dimension id column; an id the array lacks (a row added
 * after the arrays were read) is absent. */
static store_str scan_dim(sqlite3_stmt *q, int col, const dim_values *dv, int64_t *key)
{
    return dim_value(dv, scan_int(q, col), key);
}

/* One row of SCAN_COLUMNS into e (strings: the arrays' or the row's). */
static void scan_row(sqlite3_stmt *q, const dim_values *dv, store_event *e)
{
    e->event_id = sqlite3_column_int64(q, 0);
    e->ts_ms = sqlite3_column_int64(q, 1);
    e->sensor = scan_dim(q, 2, &dv[DIM_SENSORS], &e->sensor_key);
    e->run = scan_dim(q, 3, &dv[DIM_RUNS], NULL);
    e->seq = scan_int(q, 4);
    e->eventid = scan_dim(q, 5, &dv[DIM_KINDS], NULL);
    e->transport = scan_dim(q, 6, &dv[DIM_TRANSPORTS], NULL);
    e->src_ip = scan_dim(q, 7, &dv[DIM_IPS], &e->src_ip_key);
    e->src_port = scan_int(q, 8);
    e->dst_port = scan_int(q, 9);
    e->method = scan_dim(q, 10, &dv[DIM_METHODS], NULL);
    e->ruri_user = scan_dim(q, 11, &dv[DIM_USERS], NULL);
    e->from_user = scan_dim(q, 12, &dv[DIM_USERS], NULL);
    e->from_tag = scan_text(q, 13);
    e->to_user = scan_dim(q, 14, &dv[DIM_USERS], NULL);
    e->contact_user = scan_dim(q, 15, &dv[DIM_USERS], NULL);
    e->call_id = scan_text(q, 16);
    e->cseq = scan_int(q, 17);
    e->user_agent = scan_dim(q, 18, &dv[DIM_AGENTS], &e->ua_key);
    e->auth_user = scan_dim(q, 19, &dv[DIM_USERS], NULL);
    e->auth_outcome = scan_dim(q, 20, &dv[DIM_OUTCOMES], NULL);
    e->response = scan_int(q, 21);
    e->answered = scan_int(q, 22);
    e->dial_external = scan_int(q, 23);
    e->extension_known = scan_int(q, 24);
    e->warnings = scan_dim(q, 25, &dv[DIM_WARNINGS], NULL);
    e->status = scan_int(q, 26);
    e->len = scan_int(q, 27);
    e->suppressed = scan_int(q, 28);
    e->truncated = scan_int(q, 29);
}

/*
 * The scan runs on two threads: a reader steps the statement and decodes
 * rows into batches, the caller's thread runs fn over them (the analysis
 * takes about twice as long per event as SQLite, so the reading is hidden;
 * 3.6 s -> 2.9 s for a report over 1.4M events). Strings from the dimension arrays
 * stay valid for the whole scan; the row's own text columns are copied
 * into the batch. The connection is the reader's alone until it is joined.
 */
enum { SCAN_BATCH = 512, SCAN_SLOTS = 4, SCAN_TEXT = 64 * 1024 };

typedef struct {
    store_event ev[SCAN_BATCH];
    int n;
    char *text;
    size_t used, cap;
} scan_batch;

typedef struct {
    sqlite3_stmt *q;
    const dim_values *dv;
    scan_batch slot[SCAN_SLOTS];
    pthread_mutex_t mu;
    pthread_cond_t cv;
    unsigned long filled, consumed;  /* batches; slot = count % SCAN_SLOTS */
    int done, stop, rc;
} scan_pipe;

/* Copies v into the batch's text; 0, or -1 when it does not fit. */
static int batch_keep(scan_batch *b, store_str *v)
{
    if (!v->p)
        return 0;
    if (v->len + 1 > b->cap - b->used)
        return -1;
    memcpy(b->text + b->used, v->p, v->len);
    b->text[b->used + v->len] = '\0';
    v->p = b->text + b->used;
    b->used += v->len + 1;
    return 0;
}

static void *scan_reader(void *arg)
{
    scan_pipe *p = arg;
    int rc = SQLITE_ROW, pending = 0;   /* pending: a row stepped but not yet kept */
    while (rc == SQLITE_ROW) {
        pthread_mutex_lock(&p->mu);
        while (!p->stop && p->filled - p->consumed == SCAN_SLOTS)
            pthread_cond_wait(&p->cv, &p->mu);
        int stop = p->stop;
        pthread_mutex_unlock(&p->mu);
        if (stop)
            break;
        scan_batch *b = &p->slot[p->filled % SCAN_SLOTS];
        b->n = 0;
        b->used = 0;
        while (b->n < SCAN_BATCH) {
            if (!pending && (rc = sqlite3_step(p->q)) != SQLITE_ROW)
                break;
            pending = 0;
            store_event *e = &b->ev[b->n];
            scan_row(p->q, p->dv, e);
            size_t need = e->from_tag.len + e->call_id.len + 2;
            if (need > b->cap - b->used) {
                if (b->n > 0) {
                    pending = 1;   /* the next batch starts with this row */
                    break;
                }
                char *t = realloc(b->text, need);   /* one huge row: the batch is empty */
                if (!t) {
                    rc = SQLITE_NOMEM;
                    break;
                }
                b->text = t;
                b->cap = need;
            }
            batch_keep(b, &e->from_tag);
            batch_keep(b, &e->call_id);
            b->n++;
        }
        pthread_mutex_lock(&p->mu);
        if (b->n > 0)
            p->filled++;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
    }
    pthread_mutex_lock(&p->mu);
    p->rc = rc == SQLITE_ROW ? SQLITE_DONE : rc;   /* SQLITE_ROW: stopped by the caller */
    p->done = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* Runs fn over every row of q; the statement's final code (SQLITE_DONE
 * when all went well or fn stopped it). */
static int scan_rows(sqlite3_stmt *q, const dim_values *dv, store_event_fn fn, void *arg)
{
    scan_pipe *p = calloc(1, sizeof *p);
    if (!p)
        return SQLITE_NOMEM;
    p->q = q;
    p->dv = dv;
    int rc = SQLITE_NOMEM, stopped = 0;
    for (int i = 0; i < SCAN_SLOTS; i++) {
        p->slot[i].cap = SCAN_TEXT;
        if (!(p->slot[i].text = malloc(SCAN_TEXT)))
            goto out;
    }
    for (int i = 0; i < SCAN_SLOTS; i++)
        for (int k = 0; k < SCAN_BATCH; k++)
            store_event_clear(&p->slot[i].ev[k]);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    pthread_t reader;
    if (pthread_create(&reader, NULL, scan_reader, p) != 0)
        goto out_sync;
    for (;;) {
        pthread_mutex_lock(&p->mu);
        while (!p->done && p->filled == p->consumed)
            pthread_cond_wait(&p->cv, &p->mu);
        int have = p->filled != p->consumed;
        pthread_mutex_unlock(&p->mu);
        if (!have)
            break;
        const scan_batch *b = &p->slot[p->consumed % SCAN_SLOTS];
        for (int k = 0; k < b->n && !stopped; k++)
            stopped = fn(arg, &b->ev[k]) != 0;
        pthread_mutex_lock(&p->mu);
        p->consumed++;
        p->stop = stopped;
        pthread_cond_broadcast(&p->cv);
        pthread_mutex_unlock(&p->mu);
        if (stopped)
            break;
    }
    pthread_join(reader, NULL);
    rc = stopped ? SQLITE_DONE : p->rc;
out_sync:
    pthread_cond_destroy(&p->cv);
    pthread_mutex_destroy(&p->mu);
out:
    for (int i = 0; i < SCAN_SLOTS; i++)
        free(p->slot[i].text);
    free(p);
    return rc;
}

static int sq_scan(store *st, const store_filter *f, store_event_fn fn, void *arg)
{
    sq *s = st->impl;
    dim_values dv[DIM_COUNT];
    memset(dv, 0, sizeof dv);
    sqlite3_stmt *q = NULL;
    int ret = 0, rc;
    /* one read transaction (a savepoint works inside the caller's too):
     * the arrays and the rows see the same store */
    if (sq_exec(st, "SAVEPOINT scan") != 0)
        return -1;
    for (size_t i = 0; i < scan_ndims; i++) {
        rc = dim_values_load(st, s, scan_dims[i], &dv[scan_dims[i]]);
        if (rc <= 0) {
            ret = rc < 0 ? -1 : 1;   /* too large: the caller's query instead */
            goto out;
        }
    }
    int64_t max_ts;
    int in_order;
    if (meta_get(st, s, &max_ts, &in_order) != 0) {
        ret = -1;
        goto out;
    }
    /* Rows in time order: the table in its own order, a time range as a
     * range of event_ids (its first and last rows found through the time
     * index). Otherwise the time index, and equal times by event_id. */
    char sql[1024];
    int n = snprintf(sql, sizeof sql, "SELECT %s FROM events WHERE 1=1", SCAN_COLUMNS);
    if (f->since_ms != STORE_NULL) {
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND ts >= ?1");
        if (in_order)
            n += snprintf(sql + n, sizeof sql - (size_t)n,
                          " AND event_id >= (SELECT min(event_id) FROM events WHERE ts = "
                          "(SELECT min(ts) FROM events WHERE ts >= ?1))");
    }
    if (f->until_ms != STORE_NULL) {
        n += snprintf(sql + n, sizeof sql - (size_t)n, " AND ts < ?2");
        if (in_order)
            n += snprintf(sql + n, sizeof sql - (size_t)n,
                          " AND event_id <= (SELECT max(event_id) FROM events WHERE ts = "
                          "(SELECT max(ts) FROM events WHERE ts < ?2))");
    }
    if (f->sensor)
        n += snprintf(sql + n, sizeof sql - (size_t)n,
                      " AND sensor_id = (SELECT sensor_id FROM sensors WHERE value = ?3)");
    snprintf(sql + n, sizeof sql - (size_t)n, in_order ? " ORDER BY event_id" : " ORDER BY ts, event_id");
    if (sqlite3_prepare_v2(s->db, sql, -1, &q, NULL) != SQLITE_OK) {
        ret = sq_fail(st, s, "scan");
        goto out;
    }
    if (f->since_ms != STORE_NULL)
        sqlite3_bind_int64(q, 1, f->since_ms);
    if (f->until_ms != STORE_NULL)
        sqlite3_bind_int64(q, 2, f->until_ms);
    if (f->sensor)
        sqlite3_bind_text(q, 3, f->sensor, -1, SQLITE_STATIC);
    rc = scan_rows(q, dv, fn, arg);
    if (rc != SQLITE_DONE)
        ret = sq_fail(st, s, "scan");
out:
    sqlite3_finalize(q);
    for (int d = 0; d < DIM_COUNT; d++)
        dim_values_free(&dv[d]);
    char *msg = NULL;
    sqlite3_exec(s->db, "RELEASE scan", NULL, NULL, &msg);
    sqlite3_free(msg);
    return ret;
}

const struct store_backend store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .query = sq_query,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .ready = sq_ready,
    .load_begin = sq_load_begin,
    .load_end = sq_load_end,
    .build_indexes = sq_build_indexes,
    .insert = sq_insert,
    .scan = sq_scan,
    .migrations = MIGRATIONS,
    .n_migrations = sizeof MIGRATIONS / sizeof MIGRATIONS[0],
    .schema_version_sql =
        "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY,\n"
        "  description TEXT NOT NULL, applied_at TEXT NOT NULL)",
    .migration_lock_sql = NULL,   /* BEGIN IMMEDIATE already holds the write lock */
    .ms_param = {"", ""},
};
