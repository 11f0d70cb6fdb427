/*
 * test_store.c - the store on its SQLite back end: schema and migrations
 * (applied once, refused when newer), insert and read back field by
 * field, identity (a second insert adds nothing), absent vs empty
 * User-Agent, dimension values stored once, filters, bulk loads that drop
 * and rebuild indexes (also when interrupted), rollback, store_query.
 * PostgreSQL runs the same paths in tests/integration/test_ingest.sh.
 */
#include <libpq-fe.h>
#include <stdint.h>
#include <unistd.h>

#include "check.h"
#include "store/store.h"

/* The store under test: a fresh SQLite file per case, or, with
 * SIPSNARE_TEST_PG=<libpq URI> (tests/integration/test_ingest.sh sets it
 * to its private server), that PostgreSQL database emptied per case. */
static char db_path[512];
static const char *pg_url;

static void remove_sqlite_files(void)
{
    char side[600];
    unlink(db_path);
    snprintf(side, sizeof side, "%s-wal", db_path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db_path);
    unlink(side);
}

static store *fresh(void)
{
    char err[512];
    if (pg_url) {
        /* with libpq itself: the store refuses a schema some cases leave */
        snprintf(db_path, sizeof db_path, "%s", pg_url);
        PGconn *c = PQconnectdb(pg_url);
        PGresult *r = PQexec(c, "SET client_min_messages = warning;"
                                "DROP SCHEMA public CASCADE; CREATE SCHEMA public");
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            fprintf(stderr, "cannot reset %s: %s\n", pg_url, PQerrorMessage(c));
            exit(2);
        }
        PQclear(r);
        PQfinish(c);
    } else {
        snprintf(db_path, sizeof db_path, "/tmp/sipsnare-test-store-%d.db", (int)getpid());
        remove_sqlite_files();
    }
    store *st = store_open(db_path, err, sizeof err);
    if (!st) {
        fprintf(stderr, "store_open: %s\n", err);
        exit(2);
    }
    return st;
}

static void done(store *st)
{
    store_close(st);
    if (!pg_url)
        remove_sqlite_files();
}

/* Closes st and opens the same store again for writing (NULL: failed). */
static store *reopen(store *st)
{
    store_close(st);
    char err[512];
    st = store_open(db_path, err, sizeof err);
    CHECK(st != NULL);
    return st;
}

static store_str S(const char *s) { return (store_str){s, strlen(s)}; }

/* An svwar-like REGISTER from src, sequence seq of run "r1" on "hp-1". */
static store_event reg(int64_t seq, const char *src)
{
    store_event e;
    store_event_clear(&e);
    e.ts_ms = 1795000000000LL + seq * 1000;
    e.eventid = S("sip.request");
    e.sensor = S("hp-1");
    e.run = S("r1");
    e.seq = seq;
    e.transport = S("udp");
    e.src_ip = S(src);
    e.src_port = 5071;
    e.dst_ip = S("192.0.2.10");
    e.dst_port = 5060;
    e.method = S("REGISTER");
    e.ruri = S("sip:192.0.2.10");
    e.from_user = S("1000");
    e.to_user = S("1000");
    e.contact_user = S("1000");
    e.from_tag = S("3130303a31303030");
    e.call_id = S("1603207423");
    e.cseq = 1;
    e.user_agent = S("friendly-scanner");
    e.auth_outcome = S("none");
    e.response = 404;
    e.answered = 1;
    e.dial_external = 0;
    e.extension_known = 0;
    return e;
}

/* First column of the first row of sql, as a number (-1 if none). */
static int scalar_row(void *arg, int n, const char *const *names, const char *const *v)
{
    (void)names;
    *(long long *)arg = n > 0 && v[0] ? atoll(v[0]) : -2;
    return 1;
}

static long long scalar(store *st, const char *sql)
{
    long long v = -1;
    if (store_query(st, sql, NULL, 0, scalar_row, &v) != 0) {
        fprintf(stderr, "  query failed: %s: %s\n", sql, store_errmsg(st));
        return -3;
    }
    return v;
}

static size_t insert(store *st, const store_event *evs, size_t n)
{
    size_t added = 99999;
    if (store_begin(st) != 0 || store_insert(st, evs, n, &added) != 0 || store_commit(st) != 0)
        fprintf(stderr, "  insert failed: %s\n", store_errmsg(st));
    return added;
}

static void test_schema(void)
{
    store *st = fresh();
    CHECK_STR(store_backend_name(st), pg_url ? "postgresql" : "sqlite");
    CHECK_INT(store_schema_version(st), store_schema_latest(st));
    static const char *const tables[] = {
        "events", "sensors", "runs", "event_kinds", "transports", "ips", "methods", "uris",
        "sip_users", "user_agents", "auth_realms", "auth_algorithms", "auth_outcomes",
        "warning_sets", "reasons", "schema_version",
    };
    char sql[256];
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++) {
        snprintf(sql, sizeof sql, pg_url
                 ? "SELECT count(*) FROM pg_class WHERE relkind IN ('r', 'p') AND relname = '%s'"
                 : "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
                 tables[i]);
        CHECK_INT(scalar(st, sql), 1);
    }
    CHECK_INT(scalar(st, pg_url ? "SELECT count(*) FROM pg_views WHERE viewname = 'events_v'"
                                : "SELECT count(*) FROM sqlite_master WHERE type = 'view' AND name = 'events_v'"), 1);
    /* the time index (also the identity) and four report indexes */
    CHECK_INT(scalar(st, pg_url ? "SELECT count(*) FROM pg_indexes WHERE tablename = 'events'"
                                : "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"), 5);
    if (pg_url)   /* partitioned by time */
        CHECK_INT(scalar(st, "SELECT count(*) FROM pg_partitioned_table WHERE partrelid = 'events'::regclass"), 1);
    CHECK_INT(scalar(st, "SELECT kind_id FROM event_kinds WHERE value = 'sip.request'"), 1);
    done(st);
}

static void test_migrations_once(void)
{
    store *st = fresh();
    store_close(st);
    char err[512];
    for (int i = 0; i < 3; i++) {
        st = store_open(db_path, err, sizeof err);
        CHECK(st != NULL);
        if (!st)
            return;
        CHECK_INT(scalar(st, "SELECT count(*) FROM schema_version"), store_schema_latest(st));
        CHECK_INT(scalar(st, "SELECT count(DISTINCT version) FROM schema_version"),
                  store_schema_latest(st));
        CHECK_INT(scalar(st, "SELECT max(version) FROM schema_version"), store_schema_latest(st));
        if (i < 2)
            store_close(st);
    }
    done(st);
}

static void test_newer_schema_refused(void)
{
    store *st = fresh();
    CHECK(store_exec(st, "INSERT INTO schema_version VALUES (99, 'future', "
                         "'2099-01-01T00:00:00Z')") == 0);
    store_close(st);
    char err[512] = "";
    store *again = store_open(db_path, err, sizeof err);
    CHECK(again == NULL);
    CHECK(strstr(err, "newer") != NULL);
    store_close(again);
    st = fresh();
    done(st);
}

struct collect {
    store_event ev[16];
    char text[16][1024];   /* a copy of some strings, which do not outlive the callback */
    char ua[16][64];
    int ua_null[16];
    int n;
};

static int collect_fn(void *arg, const store_event *ev)
{
    struct collect *c = arg;
    if (c->n >= 16)
        return 1;
    c->ev[c->n] = *ev;
    snprintf(c->text[c->n], sizeof c->text[0], "%s|%s|%s|%s|%s|%s|%s|%s|%s", ev->sensor.p,
             ev->run.p, ev->eventid.p, ev->src_ip.p, ev->method.p ? ev->method.p : "-",
             ev->ruri_user.p ? ev->ruri_user.p : "-", ev->auth_user.p ? ev->auth_user.p : "-",
             ev->warnings.p ? ev->warnings.p : "-", ev->raw.p ? ev->raw.p : "-");
    c->ua_null[c->n] = ev->user_agent.p == NULL;
    snprintf(c->ua[c->n], sizeof c->ua[0], "%.*s", (int)ev->user_agent.len,
             ev->user_agent.p ? ev->user_agent.p : "");
    c->n++;
    return 0;
}

static void test_insert_and_read_back(void)
{
    store *st = fresh();
    store_event e[3] = {reg(1, "203.0.113.50"), reg(2, "203.0.113.50"), reg(3, "2001:db8::7")};
    e[1].auth_user = S("100");
    e[1].auth_realm = S("asterisk");
    e[1].auth_algorithm = S("MD5");
    e[1].auth_outcome = S("ok");
    e[1].response = 200;
    e[1].warnings = S("bad_contact,bare_lf");
    e[2].method = S("INVITE");
    e[2].ruri = S("sip:900972595551234@192.0.2.10");
    e[2].ruri_user = S("900972595551234");
    e[2].dial_external = 1;
    e[2].raw = S("INVITE sip:900972595551234@192.0.2.10 SIP/2.0\r\n...");
    e[2].truncated = STORE_TRUNC_RAW;
    CHECK_INT(insert(st, e, 3), 3);
    CHECK_INT(insert(st, e, 3), 0);   /* identity: nothing new */
    CHECK_INT(scalar(st, "SELECT count(*) FROM events"), 3);

    struct collect c = {0};
    CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, NULL, 0}, collect_fn, &c) == 0);
    CHECK_INT(c.n, 3);
    CHECK_STR(c.text[0], "hp-1|r1|sip.request|203.0.113.50|REGISTER|-|-|-|-");
    CHECK_STR(c.text[1], "hp-1|r1|sip.request|203.0.113.50|REGISTER|-|100|bad_contact,bare_lf|-");
    CHECK_STR(c.text[2], "hp-1|r1|sip.request|2001:db8::7|INVITE|900972595551234|-|-|"
                         "INVITE sip:900972595551234@192.0.2.10 SIP/2.0\r\n...");
    /* lean: the same events without raw, ruri, dst_ip, realm, algorithm,
     * server and reason. */
    struct collect c2 = {0};
    CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, NULL, 1}, collect_fn, &c2) == 0);
    CHECK_INT(c2.n, 3);
    CHECK_STR(c2.text[2], "hp-1|r1|sip.request|2001:db8::7|INVITE|900972595551234|-|-|-");
    CHECK_INT(c.ev[0].ts_ms, 1795000001000LL);
    CHECK_INT(c.ev[0].seq, 1);
    CHECK_INT(c.ev[0].src_port, 5071);
    CHECK_INT(c.ev[0].dst_port, 5060);
    CHECK_INT(c.ev[0].cseq, 1);
    CHECK_INT(c.ev[0].response, 404);
    CHECK_INT(c.ev[0].answered, 1);
    CHECK_INT(c.ev[0].extension_known, 0);
    CHECK_INT(c.ev[0].status, STORE_NULL);
    CHECK_INT(c.ev[0].truncated, STORE_NULL);
    CHECK_INT(c.ev[1].response, 200);
    CHECK_INT(c.ev[2].dial_external, 1);
    CHECK_INT(c.ev[2].truncated, STORE_TRUNC_RAW);
    CHECK(c.ev[0].event_id > 0 && c.ev[1].event_id > c.ev[0].event_id);
    CHECK_STR(c.ua[0], "friendly-scanner");

    /* the numeric forms of the addresses */
    CHECK_INT(scalar(st, "SELECT v4 FROM ips WHERE value = '203.0.113.50'"), 3405803826LL);
    CHECK_INT(scalar(st, "SELECT family FROM ips WHERE value = '2001:db8::7'"), 6);
    CHECK_INT(scalar(st, "SELECT count(*) FROM ips WHERE value = '2001:db8::7' AND v4 IS NULL"), 1);
    CHECK_INT(scalar(st, pg_url ? "SELECT octet_length(bin) FROM ips WHERE value = '203.0.113.50'"
                                : "SELECT length(bin) FROM ips WHERE value = '203.0.113.50'"), 16);
    done(st);
}

static void test_absent_vs_empty_user_agent(void)
{
    store *st = fresh();
    store_event e[3] = {reg(1, "198.51.100.1"), reg(2, "198.51.100.1"), reg(3, "198.51.100.1")};
    e[0].user_agent = STORE_STR_NULL;   /* no User-Agent header */
    e[1].user_agent = S("");            /* "User-Agent:" with nothing after it */
    CHECK_INT(insert(st, e, 3), 3);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events WHERE ua_id IS NULL"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events_v WHERE user_agent IS NULL"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events_v WHERE user_agent = ''"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM user_agents"), 2);
    struct collect c = {0};
    CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, NULL, 0}, collect_fn, &c) == 0);
    CHECK_INT(c.n, 3);
    CHECK_INT(c.ua_null[0], 1);
    CHECK_INT(c.ua_null[1], 0);
    CHECK_STR(c.ua[1], "");
    CHECK_INT(c.ua_null[2], 0);
    done(st);
}

static void test_dimensions_stored_once(void)
{
    store *st = fresh();
    store_event e[100];
    for (int i = 0; i < 100; i++) {
        e[i] = reg(i + 1, i % 2 ? "2001:DB8::1" : "2001:db8:0::1");   /* one address */
        e[i].ruri_user = S("1000");    /* the same user in four roles */
    }
    CHECK_INT(insert(st, e, 100), 100);
    CHECK_INT(scalar(st, "SELECT count(*) FROM user_agents"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM methods"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM sensors"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM runs"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM sip_users"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM uris"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM ips WHERE family = 6"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events_v WHERE src_ip = '2001:db8::1'"), 100);
    /* a second handle (empty caches) finds the same ids */
    if (!(st = reopen(st)))
        return;
    for (int i = 0; i < 100; i++)
        e[i].run = S("r2");
    CHECK_INT(insert(st, e, 100), 100);
    CHECK_INT(scalar(st, "SELECT count(*) FROM user_agents"), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM runs"), 2);
    CHECK_INT(scalar(st, "SELECT count(*) FROM ips"), 2);   /* + 192.0.2.10 */
    /* runs of different sensors are different runs */
    e[0].sensor = S("hp-2");
    CHECK_INT(insert(st, e, 1), 1);
    CHECK_INT(scalar(st, "SELECT count(*) FROM runs"), 3);
    done(st);
}

static void test_duplicates_within_batch(void)
{
    store *st = fresh();
    store_event e[4] = {reg(1, "192.0.2.1"), reg(1, "192.0.2.1"), reg(2, "192.0.2.1"),
                        reg(1, "192.0.2.99")};   /* same identity, other content: dropped */
    CHECK_INT(insert(st, e, 4), 2);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events"), 2);
    done(st);
}

static void test_filters(void)
{
    store *st = fresh();
    store_event e[6];
    for (int i = 0; i < 6; i++) {
        e[i] = reg(i + 1, "192.0.2.1");
        if (i >= 3)
            e[i].sensor = S("hp-2");
    }
    CHECK_INT(insert(st, e, 6), 6);
    struct collect c = {0};
    int64_t t0 = 1795000000000LL;
    CHECK(store_iterate(st, &(store_filter){t0 + 2000, t0 + 5000, NULL, 0}, collect_fn, &c) == 0);
    CHECK_INT(c.n, 3);   /* seq 2, 3, 4: since inclusive, until exclusive */
    CHECK_INT(c.ev[0].seq, 2);
    CHECK_INT(c.ev[2].seq, 4);
    memset(&c, 0, sizeof c);
    CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, "hp-2", 0}, collect_fn, &c) == 0);
    CHECK_INT(c.n, 3);
    memset(&c, 0, sizeof c);
    CHECK(store_iterate(st, &(store_filter){t0 + 5000, STORE_NULL, "hp-1", 0}, collect_fn, &c) == 0);
    CHECK_INT(c.n, 0);
    done(st);
}

/* The lean scan (SQLite: the table in its own order while rows came in
 * time order, else the time index) gives what the full iterate gives, in
 * time order, with keys equal exactly for equal values. */
static void test_lean_scan_order(void)
{
    store *st = fresh();
    store_event e[6];
    for (int i = 0; i < 6; i++) {
        e[i] = reg(i + 2, i % 2 ? "192.0.2.1" : "192.0.2.2");
        if (i >= 3)
            e[i].sensor = S("hp-2");
    }
    CHECK_INT(insert(st, e, 6), 6);
    if (!pg_url)
        CHECK_INT(scalar(st, "SELECT value FROM store_meta WHERE key = 'rows_in_time_order'"), 1);
    int64_t t0 = 1795000000000LL;
    for (int pass = 0; pass < 2; pass++) {
        struct collect c = {0}, l = {0};
        CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, NULL, 0}, collect_fn, &c) == 0);
        CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, NULL, 1}, collect_fn, &l) == 0);
        CHECK_INT(l.n, c.n);
        for (int i = 0; i < l.n && i < c.n; i++) {
            CHECK_INT(l.ev[i].event_id, c.ev[i].event_id);
            CHECK_STR(l.text[i], c.text[i]);
            CHECK(i == 0 || l.ev[i].ts_ms >= l.ev[i - 1].ts_ms);
        }
        CHECK(l.ev[0].sensor_key > 0 && l.ev[0].src_ip_key > 0 && l.ev[0].ua_key > 0);
        for (int i = 1; i < l.n; i++) {
            /* text: "hp-1|..." or "hp-2|..." */
            CHECK((l.ev[i].sensor_key == l.ev[0].sensor_key) == (memcmp(l.text[i], l.text[0], 5) == 0));
            CHECK(l.ev[i].ua_key == l.ev[0].ua_key);
        }
        CHECK(l.ev[1].src_ip_key != l.ev[2].src_ip_key);
        /* time ranges and a sensor: the same rows as the full iterate */
        memset(&l, 0, sizeof l);
        CHECK(store_iterate(st, &(store_filter){t0 + 3000, t0 + 6000, NULL, 1}, collect_fn, &l) == 0);
        CHECK_INT(l.n, 3);
        CHECK_INT(l.ev[0].seq, 3);
        memset(&l, 0, sizeof l);
        CHECK(store_iterate(st, &(store_filter){t0 + 4000, STORE_NULL, "hp-2", 1}, collect_fn, &l) == 0);
        CHECK_INT(l.n, 3);
        memset(&l, 0, sizeof l);
        CHECK(store_iterate(st, &(store_filter){t0 + 99000, STORE_NULL, NULL, 1}, collect_fn, &l) == 0);
        CHECK_INT(l.n, 0);
        if (pass == 0) {
            /* an older event arrives last: the order is the time index's now */
            store_event old = reg(1, "192.0.2.3");
            CHECK_INT(insert(st, &old, 1), 1);
            if (!pg_url)
                CHECK_INT(scalar(st, "SELECT value FROM store_meta WHERE key = 'rows_in_time_order'"), 0);
            memset(&l, 0, sizeof l);
            CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, NULL, 1}, collect_fn, &l) == 0);
            CHECK_INT(l.n, 7);
            CHECK_INT(l.ev[0].seq, 1);
        }
    }
    if (!pg_url)
        CHECK_INT(scalar(st, "SELECT value FROM store_meta WHERE key = 'max_ts'"), t0 + 7000);
    done(st);
    if (!pg_url) {
        /* A scan inside a write transaction that has made the rows out of
         * order must not undo that before the commit. */
        store *st2 = fresh();
        store_event in[2] = {reg(5, "192.0.2.4"), reg(4, "192.0.2.4")};
        struct collect l = {0};
        CHECK(store_begin(st2) == 0);
        CHECK(store_insert(st2, in, 2, NULL) == 0);
        CHECK(store_iterate(st2, &(store_filter){STORE_NULL, STORE_NULL, NULL, 1}, collect_fn, &l) == 0);
        CHECK_INT(l.n, 2);
        CHECK_INT(l.ev[0].seq, 4);
        CHECK(store_commit(st2) == 0);
        CHECK_INT(scalar(st2, "SELECT value FROM store_meta WHERE key = 'rows_in_time_order'"), 0);
        done(st2);
    }
}

/* Lean and full iterate agree on events spread over days (PostgreSQL reads
 * a day partition at a time and skips those outside a time range), around
 * midnight, with equal times, and with a partition that is not a day of
 * ours (PostgreSQL: the single query then). */
static void compare_lean(store *st, int64_t since, int64_t until, const char *sensor, int want)
{
    struct collect c = {0}, l = {0};
    CHECK(store_iterate(st, &(store_filter){since, until, sensor, 0}, collect_fn, &c) == 0);
    CHECK(store_iterate(st, &(store_filter){since, until, sensor, 1}, collect_fn, &l) == 0);
    CHECK_INT(c.n, want);
    CHECK_INT(l.n, c.n);
    for (int i = 0; i < l.n && i < c.n; i++) {
        CHECK_INT(l.ev[i].event_id, c.ev[i].event_id);
        CHECK_INT(l.ev[i].ts_ms, c.ev[i].ts_ms);
        CHECK_STR(l.text[i], c.text[i]);
    }
}

static void test_lean_scan_days(void)
{
    store *st = fresh();
    const int64_t midnight = 1795046400000LL;   /* 2026-11-19 00:00 UTC */
    const int64_t at[] = {midnight - 1, midnight, midnight, midnight + 86399999,
                          midnight + 3 * 86400000LL + 5, midnight - 86400000LL};
    enum { N = sizeof at / sizeof at[0] };
    store_event e[N];
    for (int i = 0; i < N; i++) {
        e[i] = reg(i + 1, i % 2 ? "192.0.2.1" : "192.0.2.2");
        e[i].ts_ms = at[i];
        if (i == 2)
            e[i].run = S("r2");   /* the same time as the event before */
    }
    CHECK_INT(insert(st, e, N), N);
    for (int pass = 0; pass < 2; pass++) {
        compare_lean(st, STORE_NULL, STORE_NULL, NULL, N);
        compare_lean(st, midnight, STORE_NULL, NULL, 4);
        compare_lean(st, midnight + 1, midnight + 3 * 86400000LL + 5, NULL, 1);
        compare_lean(st, midnight - 86400000LL, midnight, "hp-1", 2);
        compare_lean(st, midnight + 4 * 86400000LL, STORE_NULL, NULL, 0);
        if (!pg_url || pass == 1)
            break;
        /* a partition someone added by hand */
        CHECK(store_exec(st, "CREATE TABLE events_archive PARTITION OF events FOR VALUES "
                             "FROM ('2030-01-01 00:00:00+00') TO ('2030-02-01 00:00:00+00')") == 0);
    }
    done(st);
}

struct count_until {
    long n, stop_at;
    size_t longest;
};

static int count_until_fn(void *arg, const store_event *ev)
{
    struct count_until *c = arg;
    if (ev->call_id.len > c->longest)
        c->longest = ev->call_id.len;
    return ++c->n == c->stop_at;
}

/* The lean scan's two threads: more rows than its batches hold, a
 * callback that stops early (the reader must not hang), a Call-ID larger
 * than a batch's text buffer. */
static void test_lean_scan_many(void)
{
    store *st = fresh();
    enum { N = 5000 };
    static store_event e[N];
    char *huge = malloc(200000);
    memset(huge, 'x', 200000);
    for (int i = 0; i < N; i++)
        e[i] = reg(i + 1, "198.51.100.9");
    e[2600].call_id = (store_str){huge, 200000};
    CHECK_INT(insert(st, e, N), N);
    struct count_until c = {0, -1, 0};
    CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, NULL, 1}, count_until_fn, &c) == 0);
    CHECK_INT(c.n, N);
    CHECK_INT(c.longest, 200000);
    struct count_until c2 = {0, 3, 0};
    CHECK(store_iterate(st, &(store_filter){STORE_NULL, STORE_NULL, NULL, 1}, count_until_fn, &c2) == 0);
    CHECK_INT(c2.n, 3);
    free(huge);
    done(st);
}

static int count_rows(void *arg, int n, const char *const *names, const char *const *v)
{
    (void)n;
    (void)v;
    CHECK_STR(names[0], "method");
    (*(int *)arg)++;
    return 0;
}

static void test_query_params(void)
{
    store *st = fresh();
    store_event e[2] = {reg(1, "192.0.2.1"), reg(2, "192.0.2.1")};
    e[1].method = S("INVITE");
    CHECK_INT(insert(st, e, 2), 2);
    const char *p[] = {"INVITE", NULL};
    int rows = 0;
    CHECK(store_query(st, "SELECT method FROM events_v WHERE method = $1 OR user_agent = $2", p,
                      2, count_rows, &rows) == 0);
    CHECK_INT(rows, 1);
    CHECK(store_query(st, "SELECT nonsense FROM nowhere", NULL, 0, NULL, NULL) != 0);
    CHECK(strstr(store_errmsg(st), "nowhere") != NULL);
    done(st);
}

static const char INDEX_COUNT[] = "SELECT count(*) FROM sqlite_master WHERE type = 'index' AND "
                                  "tbl_name = 'events' AND sql IS NOT NULL";

/* Closes st; an open for writing builds the indexes a load left out. */
static void reopen_builds_indexes(store *st)
{
    if (!(st = reopen(st)))
        return;
    CHECK_INT(scalar(st, INDEX_COUNT), 5);
    done(st);
}

static void test_bulk_load_rebuilds_indexes(void)
{
    if (pg_url)
        return;   /* PostgreSQL keeps its indexes */
    store *st = fresh();
    const char *ix = INDEX_COUNT;
    CHECK(store_load_begin(st) == 0);
    CHECK_INT(scalar(st, ix), 0);   /* all dropped while loading an empty table */
    store_event e[3] = {reg(1, "192.0.2.1"), reg(2, "192.0.2.1"), reg(3, "192.0.2.1")};
    CHECK_INT(insert(st, e, 3), 3);
    CHECK_INT(insert(st, e, 3), 0);
    CHECK(store_load_end(st) == 0);
    CHECK_INT(scalar(st, ix), 5);
    /* a load on a table that has events keeps its indexes */
    CHECK(store_load_begin(st) == 0);
    CHECK_INT(scalar(st, ix), 5);
    CHECK(store_load_end(st) == 0);
    done(st);

    /* interrupted: the next open rebuilds them */
    st = fresh();
    CHECK(store_load_begin(st) == 0);
    CHECK_INT(insert(st, e, 3), 3);
    reopen_builds_indexes(st);
}

/* store_defer_indexes (report --ingest): the load's end builds only what
 * reading in time order needs, a reader's open builds nothing, a second
 * load on the handle still skips duplicates, store_build_indexes the rest. */
static void test_deferred_indexes(void)
{
    if (pg_url)
        return;   /* PostgreSQL keeps its indexes */
    const char *ix = INDEX_COUNT;
    const char *ts = "SELECT count(*) FROM sqlite_master WHERE name = 'events_ts'";
    store_event e[4] = {reg(1, "192.0.2.1"), reg(2, "192.0.2.1"), reg(3, "192.0.2.1"),
                        reg(4, "192.0.2.2")};
    store *st = fresh();
    store_defer_indexes(st);
    CHECK(store_load_begin(st) == 0);
    CHECK_INT(insert(st, e, 3), 3);
    CHECK(store_load_end(st) == 0);
    CHECK_INT(scalar(st, ix), 0);   /* rows in time order: the scan needs none */

    char err[512];
    store *r = store_open_reader(db_path, err, sizeof err);
    CHECK(r != NULL);
    if (r) {
        CHECK_INT(scalar(r, ix), 0);   /* a reader builds none */
        struct collect c = {0};
        CHECK(store_iterate(r, &(store_filter){STORE_NULL, STORE_NULL, NULL, 1}, collect_fn, &c) == 0);
        CHECK_INT(c.n, 3);
        CHECK_INT(c.ev[2].seq, 3);
        store_close(r);
    }

    CHECK(store_load_begin(st) == 0);   /* rows there: the identity first */
    CHECK_INT(scalar(st, ts), 1);
    CHECK_INT(insert(st, e, 4), 1);     /* three were stored */
    CHECK(store_load_end(st) == 0);
    CHECK(store_build_indexes(st) == 0);
    CHECK_INT(scalar(st, ix), 5);
    CHECK(store_build_indexes(st) == 0);   /* none missing: nothing to do */
    CHECK_INT(scalar(st, "SELECT count(*) FROM events INDEXED BY events_ua WHERE ua_id IS NOT NULL"), 4);
    done(st);

    /* rows out of time order: the time index at the load's end, the scan
     * reads through it */
    st = fresh();
    store_defer_indexes(st);
    store_event back[3] = {reg(3, "192.0.2.1"), reg(1, "192.0.2.1"), reg(2, "192.0.2.1")};
    CHECK(store_load_begin(st) == 0);
    CHECK_INT(insert(st, back, 3), 3);
    CHECK(store_load_end(st) == 0);
    CHECK_INT(scalar(st, ix), 1);
    CHECK_INT(scalar(st, ts), 1);
    r = store_open_reader(db_path, err, sizeof err);
    CHECK(r != NULL);
    if (r) {
        struct collect c = {0};
        CHECK(store_iterate(r, &(store_filter){STORE_NULL, STORE_NULL, NULL, 1}, collect_fn, &c) == 0);
        CHECK_INT(c.n, 3);
        CHECK_INT(c.ev[0].seq, 1);
        CHECK_INT(c.ev[2].seq, 3);
        store_close(r);
    }
    reopen_builds_indexes(st);
}

static void test_rollback_forgets_ids(void)
{
    store *st = fresh();
    store_event e[2] = {reg(1, "192.0.2.1"), reg(2, "192.0.2.1")};
    size_t added;
    CHECK(store_begin(st) == 0);
    CHECK(store_insert(st, e, 2, &added) == 0);
    CHECK_INT(added, 2);
    CHECK(store_rollback(st) == 0);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events"), 0);
    CHECK_INT(scalar(st, "SELECT count(*) FROM user_agents"), 0);
    /* ids handed out before the rollback must not be reused */
    CHECK_INT(insert(st, e, 2), 2);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events_v"), 2);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events_v WHERE user_agent = 'friendly-scanner'"), 2);
    done(st);
}

static void test_misuse(void)
{
    store *st = fresh();
    store_event e = reg(1, "192.0.2.1");
    size_t added;
    CHECK(store_insert(st, &e, 1, &added) != 0);   /* outside a transaction */
    CHECK(store_commit(st) != 0);
    CHECK(store_begin(st) == 0);
    CHECK(store_begin(st) != 0);
    e.sensor = STORE_STR_NULL;
    CHECK(store_insert(st, &e, 1, &added) != 0);
    CHECK(strstr(store_errmsg(st), "required") != NULL);
    e = reg(1, "not-an-address");
    CHECK(store_insert(st, &e, 1, &added) != 0);
    CHECK(strstr(store_errmsg(st), "not an IP address") != NULL);
    CHECK(store_rollback(st) == 0);
    done(st);

    char err[512] = "";
    CHECK(store_open("/nonexistent-dir/x.db", err, sizeof err) == NULL);
    CHECK(err[0] != '\0');
}

static void test_long_values_cut(void)
{
    store *st = fresh();
    static char ua[STORE_VALUE_MAX + 10];
    /* 'a' then two-byte characters, so the cut falls inside one */
    ua[0] = 'a';
    for (size_t i = 1; i + 1 < sizeof ua; i += 2)
        ua[i] = (char)0xC3, ua[i + 1] = (char)0xA9;
    store_event e = reg(1, "192.0.2.1");
    e.user_agent = (store_str){ua, sizeof ua - 1};
    CHECK_INT(insert(st, &e, 1), 1);
    CHECK_INT(scalar(st, pg_url ? "SELECT octet_length(value) FROM user_agents"
                                : "SELECT length(CAST(value AS BLOB)) FROM user_agents"),
              STORE_VALUE_MAX - 1);
    done(st);
}

static void test_foreign_run(void)
{
    store *st = fresh();
    store_event e[2] = {reg(77, "192.0.2.1"), reg(77, "192.0.2.1")};
    e[0].run = S("");
    CHECK_INT(insert(st, e, 2), 2);   /* run "" and run "r1" are different runs */
    CHECK_INT(scalar(st, "SELECT count(*) FROM events_v WHERE run = ''"), 1);
    done(st);
}

static void test_bulk_load_duplicates(void)
{
    store *st = fresh();
    CHECK(store_load_begin(st) == 0);
    store_event e[5] = {reg(3, "192.0.2.1"), reg(1, "192.0.2.1"), reg(3, "192.0.2.1"),
                        reg(2, "192.0.2.1"), reg(1, "192.0.2.1")};
    CHECK_INT(insert(st, e, 5), 3);
    CHECK_INT(insert(st, e, 5), 0);
    /* a rollback in the middle of a bulk load: the unique index takes over */
    store_event more[2] = {reg(4, "192.0.2.1"), reg(5, "192.0.2.1")};
    size_t added;
    CHECK(store_begin(st) == 0);
    CHECK(store_insert(st, more, 2, &added) == 0);
    CHECK(store_rollback(st) == 0);
    CHECK_INT(insert(st, more, 2), 2);
    CHECK_INT(insert(st, e, 5), 0);
    CHECK(store_load_end(st) == 0);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events"), 5);
    CHECK_INT(insert(st, more, 2), 0);
    done(st);
}

/* Batches that partly overlap what is stored: only the new events count
 * (PostgreSQL: the direct COPY conflicts, the staged path takes over). */
static void test_partial_overlap(void)
{
    store *st = fresh();
    store_event e[40];
    for (int i = 0; i < 40; i++)
        e[i] = reg(i + 1, "192.0.2.1");
    CHECK_INT(insert(st, e, 10), 10);        /* 1..10 */
    CHECK_INT(insert(st, e + 5, 10), 5);     /* 6..15: 11..15 new */
    CHECK_INT(insert(st, e + 15, 10), 10);   /* 16..25 */
    CHECK_INT(insert(st, e, 40), 15);        /* 1..40: 26..40 new */
    CHECK_INT(insert(st, e, 40), 0);
    CHECK_INT(scalar(st, "SELECT count(*) FROM events"), 40);
    CHECK_INT(scalar(st, "SELECT count(DISTINCT seq) FROM events_v"), 40);
    done(st);
}

/* A load that read a dimension table whole at its start meets a value
 * another loader added since: the insert collides, the id is looked up. */
static void test_dimension_added_by_another_loader(void)
{
    if (pg_url)
        return;   /* PostgreSQL resolves values per batch with ON CONFLICT */
    store *a = fresh();
    char err[512];
    store *b = store_open(db_path, err, sizeof err);
    CHECK(b != NULL);
    if (!b)
        return;
    CHECK(store_load_begin(a) == 0);   /* a's caches now hold every agent: none */
    store_event e1 = reg(1, "192.0.2.1"), e2 = reg(2, "192.0.2.1");
    e1.user_agent = e2.user_agent = S("sipcli/v1.8");
    e2.run = S("other");
    CHECK_INT(insert(b, &e2, 1), 1);   /* b adds the agent first */
    CHECK_INT(insert(a, &e1, 1), 1);
    CHECK(store_load_end(a) == 0);
    CHECK_INT(scalar(a, "SELECT count(*) FROM user_agents WHERE value = 'sipcli/v1.8'"), 1);
    CHECK_INT(scalar(a, "SELECT count(*) FROM events_v WHERE user_agent = 'sipcli/v1.8'"), 2);
    store_close(b);
    done(a);
}

static const struct check_case CASES[] = {
    {"schema: tables, view, indexes, seeded kinds", test_schema},
    {"lean scan: time order, filters, value keys; rows out of order", test_lean_scan_order},
    {"lean scan: many rows, a callback that stops, a huge Call-ID", test_lean_scan_many},
    {"lean scan: days, midnight, equal times, a foreign partition", test_lean_scan_days},
    {"migrations apply once, reopening changes nothing", test_migrations_once},
    {"a newer schema version is refused", test_newer_schema_refused},
    {"insert, reinsert adds nothing, read back every field", test_insert_and_read_back},
    {"absent vs empty User-Agent: NULL vs ''", test_absent_vs_empty_user_agent},
    {"dimension values stored once, across handles", test_dimensions_stored_once},
    {"duplicates within one batch", test_duplicates_within_batch},
    {"iterate filters: since, until, sensor", test_filters},
    {"store_query: $n parameters, NULL, errors", test_query_params},
    {"bulk load drops and rebuilds indexes (also interrupted)", test_bulk_load_rebuilds_indexes},
    {"deferred indexes: a reader reads, a second load dedups, built later", test_deferred_indexes},
    {"rollback forgets cached dimension ids", test_rollback_forgets_ids},
    {"misuse: no transaction, missing fields, bad address", test_misuse},
    {"values over STORE_VALUE_MAX cut on a UTF-8 boundary", test_long_values_cut},
    {"run '' (foreign lines) is a run of its own", test_foreign_run},
    {"bulk load: duplicates within the load, rollback", test_bulk_load_duplicates},
    {"a value another loader added meanwhile", test_dimension_added_by_another_loader},
    {"batches partly overlapping what is stored", test_partial_overlap},
};

int main(void)
{
    pg_url = getenv("SIPSNARE_TEST_PG");
    return check_run(pg_url ? "test_store (postgresql)" : "test_store", CASES,
                     sizeof CASES / sizeof CASES[0]);
}
