/*
 * test_shipper.c - the shipper's offset and state logic (src/sensor/
 * shipper.c) against an SQLite store in a fresh temporary directory: ship,
 * append, ship again (only the new lines), a torn last line waits, bad
 * lines are skipped, rotation (live and across a restart), truncation,
 * a damaged state file, a failing store, one shipper per state.
 */
#include <fcntl.h>
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sensor/shipper.h"
#include "store/store.h"

static char dir[64], log_path[128], state_path[160], db_path[128];
static uint64_t next_seq = 1;

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sipsnare-test-shipper.XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    snprintf(log_path, sizeof log_path, "%s/events.jsonl", dir);
    snprintf(state_path, sizeof state_path, "%s/events.jsonl.ship", dir);
    snprintf(db_path, sizeof db_path, "%s/central.db", dir);
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* Appends text to path (created if missing). */
static void append(const char *path, const char *text)
{
    FILE *f = fopen(path, "ab");
    if (!f) {
        perror(path);
        exit(2);
    }
    fputs(text, f);
    fclose(f);
}

/* Appends n events of run r1 with the next sequence numbers. */
static void append_events(const char *path, int n)
{
    for (int i = 0; i < n; i++) {
        char line[256];
        snprintf(line, sizeof line,
                 "{\"v\":1,\"eventid\":\"sip.request\",\"timestamp\":\"2026-03-01T10:00:%02d.000Z\","
                 "\"sensor\":\"unit\",\"run\":\"r1\",\"seq\":%llu,\"transport\":\"udp\","
                 "\"src_ip\":\"192.0.2.7\",\"src_port\":5070,\"method\":\"OPTIONS\"}\n",
                 (int)(next_seq % 60), (unsigned long long)next_seq);
        next_seq++;
        append(path, line);
    }
}

static int count_row(void *arg, int ncols, const char *const *names, const char *const *values)
{
    (void)ncols; (void)names;
    *(long *)arg = values[0] ? atol(values[0]) : -1;
    return 0;
}

static long db_count(void)
{
    char err[256];
    store *st = store_open(db_path, err, sizeof err);
    if (!st) {
        fprintf(stderr, "store_open: %s\n", err);
        return -1;
    }
    long n = -1;
    store_query(st, "SELECT count(*) FROM events", NULL, 0, count_row, &n);
    store_close(st);
    return n;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

static shipper *open_shipper(const char *target)
{
    shipper_opts o = {.target = target, .log_path = log_path, .batch = 4, .quiet = true};
    char err[512];
    shipper *sh = shipper_new(&o, err, sizeof err);
    if (!sh)
        fprintf(stderr, "shipper_new: %s\n", err);
    return sh;
}

/* Catches up with a new shipper (a restart each time); returns its stats. */
static shipper_stats ship_all(void)
{
    shipper_stats s;
    memset(&s, 0, sizeof s);
    shipper *sh = open_shipper(db_path);
    CHECK(sh != NULL);
    if (!sh)
        return s;
    char err[512];
    CHECK_INT(shipper_catch_up(sh, err, sizeof err), 0);
    shipper_get_stats(sh, &s);
    shipper_free(sh);
    return s;
}

static void test_setup(void) { setup(); }
static void test_teardown(void) { teardown(); }

static void test_ship_append(void)
{
    append_events(log_path, 10);
    shipper_stats s = ship_all();
    CHECK_INT(s.lines, 10);
    CHECK_INT(s.added, 10);
    CHECK_INT(s.duplicates, 0);
    CHECK_INT(s.batches, 3);           /* batch = 4 */
    CHECK_INT(s.offset, file_size(log_path));
    CHECK_INT(db_count(), 10);

    /* again: nothing new, nothing sent */
    s = ship_all();
    CHECK_INT(s.lines, 0);
    CHECK_INT(s.added, 0);
    CHECK_INT(s.offset, file_size(log_path));

    /* appended lines: only those */
    append_events(log_path, 3);
    s = ship_all();
    CHECK_INT(s.lines, 3);
    CHECK_INT(s.added, 3);
    CHECK_INT(s.duplicates, 0);
    CHECK_INT(db_count(), 13);
}

static void test_state_file(void)
{
    size_t len;
    char *text = check_read_file(state_path, &len);
    CHECK(len > 0 && strncmp(text, "sipsnare-ship 1 dev=", 20) == 0);
    char want[64];
    snprintf(want, sizeof want, " offset=%ld line=13 ", file_size(log_path));
    CHECK(strstr(text, want) != NULL);
    CHECK(text[len - 1] == '\n');
    free(text);
    char tmp[200];
    snprintf(tmp, sizeof tmp, "%s.tmp", state_path);
    CHECK(access(tmp, F_OK) != 0);    /* renamed into place */
}

static void test_torn_line(void)
{
    long before = file_size(log_path);
    append(log_path, "{\"v\":1,\"eventid\":\"sip.request\",\"timestamp\":\"2026-03-01T10:01:00.000Z\","
                     "\"sensor\":\"unit\",\"run\":\"r1\",\"seq\":100000,\"src_ip\":\"192.0.2.7\"}");
    shipper_stats s = ship_all();
    CHECK_INT(s.lines, 0);
    CHECK_INT(s.added, 0);
    CHECK_INT(s.bad, 0);
    CHECK_INT(s.offset, before);        /* the torn line is not consumed */
    append(log_path, "\n");
    s = ship_all();
    CHECK_INT(s.lines, 1);
    CHECK_INT(s.added, 1);
    CHECK_INT(s.offset, file_size(log_path));
    CHECK_INT(db_count(), 14);
}

static void test_bad_lines(void)
{
    append(log_path, "not json at all\n");
    append_events(log_path, 1);
    append(log_path, "{\"v\":1,\"eventid\":\"sip.request\"}\n");
    append(log_path, "\n");
    append_events(log_path, 1);
    shipper_stats s = ship_all();
    CHECK_INT(s.lines, 5);
    CHECK_INT(s.bad, 3);
    CHECK_INT(s.added, 2);
    CHECK_INT(s.offset, file_size(log_path));
    CHECK_INT(db_count(), 16);
}

static void test_rotation_live(void)
{
    shipper *sh = open_shipper(db_path);
    CHECK(sh != NULL);
    if (!sh)
        return;
    char err[512], rotated[200];
    append_events(log_path, 2);
    CHECK_INT(shipper_catch_up(sh, err, sizeof err), 0);
    /* logrotate: rename; the sensor still writes to the old file until
     * SIGHUP, then writes to the new one */
    snprintf(rotated, sizeof rotated, "%s.1", log_path);
    CHECK_INT(rename(log_path, rotated), 0);
    append_events(rotated, 3);
    append_events(log_path, 2);
    CHECK_INT(shipper_catch_up(sh, err, sizeof err), 0);
    shipper_stats s;
    shipper_get_stats(sh, &s);
    CHECK_INT(s.added, 7);
    CHECK_INT(s.rotations, 1);
    CHECK_INT(s.offset, file_size(log_path));
    CHECK_INT(db_count(), 23);
    shipper_free(sh);
    unlink(rotated);
}

static void test_rotation_while_down(void)
{
    char rotated[200];
    /* the shipper is down: lines are written, the log is rotated, more lines */
    append_events(log_path, 2);
    snprintf(rotated, sizeof rotated, "%s-20260301", log_path);
    CHECK_INT(rename(log_path, rotated), 0);
    append_events(log_path, 3);
    shipper_stats s = ship_all();
    CHECK_INT(s.added, 5);           /* the rest of the old file, then the new one */
    CHECK_INT(s.duplicates, 0);
    CHECK_INT(s.rotations, 1);
    CHECK_INT(s.offset, file_size(log_path));
    CHECK_INT(db_count(), 28);

    /* rotated away and the old file gone too: start at 0 of the new log */
    unlink(rotated);
    append_events(log_path, 1);
    CHECK_INT(rename(log_path, rotated), 0);
    unlink(rotated);
    append_events(log_path, 2);
    s = ship_all();
    CHECK_INT(s.added, 2);           /* the lost line of the deleted file is gone */
    CHECK_INT(s.offset, file_size(log_path));
    CHECK_INT(db_count(), 30);
}

static void test_truncated(void)
{
    /* copytruncate: same file, shorter than the offset */
    CHECK_INT(truncate(log_path, 0), 0);
    append_events(log_path, 1);
    shipper_stats s = ship_all();
    CHECK_INT(s.added, 1);
    CHECK_INT(s.offset, file_size(log_path));
    CHECK_INT(db_count(), 31);
}

static void test_damaged_state(void)
{
    append_events(log_path, 2);
    long lines = 3;   /* the log holds 1 + 2 events now */
    shipper_stats s = ship_all();
    CHECK_INT(s.added, 2);
    /* a damaged state: a changed digit (the checksum no longer matches) */
    size_t len;
    char *text = check_read_file(state_path, &len);
    char *off = strstr(text, "offset=");
    CHECK(off != NULL);
    if (off)
        off[7] = off[7] == '1' ? '2' : '1';
    FILE *f = fopen(state_path, "wb");
    fwrite(text, 1, len, f);
    fclose(f);
    free(text);
    s = ship_all();
    CHECK_INT(s.lines, lines);       /* started over at 0 ... */
    CHECK_INT(s.added, 0);
    CHECK_INT(s.duplicates, lines);  /* ... and nothing was stored twice */
    CHECK_INT(s.offset, file_size(log_path));
    CHECK_INT(db_count(), 33);
    /* garbage and an empty file: the same */
    append(state_path, "");
    f = fopen(state_path, "wb");
    fputs("\x01\x02garbage", f);
    fclose(f);
    s = ship_all();
    CHECK_INT(s.duplicates, lines);
    f = fopen(state_path, "wb");
    fclose(f);
    s = ship_all();
    CHECK_INT(s.duplicates, lines);
    CHECK_INT(db_count(), 33);
}

static void test_store_fails(void)
{
    append_events(log_path, 2);
    long before;
    {
        size_t len;
        char *text = check_read_file(state_path, &len);
        char *off = strstr(text, "offset=");
        before = off ? atol(off + 7) : -1;
        free(text);
    }
    char bad_target[200], err[512];
    snprintf(bad_target, sizeof bad_target, "%s/no/such/dir/x.db", dir);
    shipper *sh = open_shipper(bad_target);
    CHECK(sh != NULL);
    if (!sh)
        return;
    CHECK_INT(shipper_step(sh, err, sizeof err), -1);
    CHECK(strstr(err, "cannot open the store") != NULL);
    CHECK_INT(shipper_step(sh, err, sizeof err), -1);
    shipper_stats s;
    shipper_get_stats(sh, &s);
    CHECK_INT(s.store_errors, 2);
    CHECK_INT(s.lines, 0);
    CHECK_INT(s.offset, before);     /* nothing consumed */
    shipper_free(sh);
    s = ship_all();                   /* the store works again: delivered */
    CHECK_INT(s.added, 2);
    CHECK_INT(db_count(), 35);
}

static void test_one_shipper_per_state(void)
{
    shipper *a = open_shipper(db_path);
    CHECK(a != NULL);
    shipper_opts o = {.target = db_path, .log_path = log_path, .quiet = true};
    char err[512];
    shipper *b = shipper_new(&o, err, sizeof err);
    CHECK(b == NULL);
    CHECK(strstr(err, "another shipper") != NULL);
    shipper_free(b);
    shipper_free(a);
    b = shipper_new(&o, err, sizeof err);
    CHECK(b != NULL);
    shipper_free(b);
}

static void test_paths_and_redaction(void)
{
    char out[256];
    shipper_opts o = {.log_path = "/var/lib/sipsnare/events.jsonl"};
    CHECK_INT(shipper_state_path(&o, out, sizeof out), 0);
    CHECK_STR(out, "/var/lib/sipsnare/events.jsonl.ship");
    o.state_path = "/var/lib/sipsnare/ship.state";
    CHECK_INT(shipper_state_path(&o, out, sizeof out), 0);
    CHECK_STR(out, "/var/lib/sipsnare/ship.state");
    shipper_redact("postgresql://sensor:s3cr3t@db.example:5432/sipsnare", out, sizeof out);
    CHECK_STR(out, "postgresql://sensor:***@db.example:5432/sipsnare");
    shipper_redact("postgresql://sensor@db.example/sipsnare?passfile=/etc/pgpass", out, sizeof out);
    CHECK_STR(out, "postgresql://sensor@db.example/sipsnare?passfile=/etc/pgpass");
    shipper_redact("postgres://u:p@h/d?sslmode=require&password=x1", out, sizeof out);
    CHECK_STR(out, "postgres://u:***@h/d?sslmode=require&password=***");
    shipper_redact("/var/lib/sipsnare/central.db", out, sizeof out);
    CHECK_STR(out, "/var/lib/sipsnare/central.db");
}

CHECK_MAIN("test_shipper",
    {"(setup: temporary directory)", test_setup},
    {"ship, ship again, append", test_ship_append},
    {"state file: offset, line, atomic rename", test_state_file},
    {"torn last line waits", test_torn_line},
    {"bad lines skipped and counted", test_bad_lines},
    {"rotation while running", test_rotation_live},
    {"rotation while down, rotated file deleted", test_rotation_while_down},
    {"log truncated in place", test_truncated},
    {"damaged state: start over, nothing twice", test_damaged_state},
    {"failing store: nothing consumed, then delivered", test_store_fails},
    {"one shipper per state file", test_one_shipper_per_state},
    {"state path, password redaction", test_paths_and_redaction},
    {"(teardown)", test_teardown},
)
