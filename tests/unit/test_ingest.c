/*
 * test_ingest.c - the JSON-lines side of ingest: the event parser against
 * the examples of docs/EVENTS.md and against jansson (same strings, same
 * numbers), a table of bad lines with their reasons, timestamps, the
 * identity of foreign lines, the reader (plain, gzip, zstd, concatenated
 * members, truncated streams, torn and overlong lines), and a whole load
 * of tests/data/ingest/mixed.jsonl into SQLite with exact counts.
 */
#include <jansson.h>
#include <stdint.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "check.h"
#include "ingest/event_json.h"
#include "ingest/jsonl.h"
#include "ingest/reader.h"
#include "store/store.h"

static char scratch[1 << 16];
static char why[256];

static int parse(const char *line, store_event *ev)
{
    event_json_opts o = {.keep_raw = true};
    why[0] = '\0';
    return event_json_parse(line, strlen(line), &o, ev, scratch, why, sizeof why);
}

/* A store_str equal to a C string. */
#define CHECK_SSTR(s, lit) do { store_str s_ = (s); const char *l_ = (lit); \
    if (s_.p == NULL || s_.len != strlen(l_) || memcmp(s_.p, l_, s_.len) != 0) { \
        fprintf(stderr, "  %s:%d: %s == \"%.*s\"%s, expected \"%s\"\n", __FILE__, __LINE__, #s, \
            (int)(s_.p ? s_.len : 0), s_.p ? s_.p : "", s_.p ? "" : " (absent)", l_); \
        check_failures_in_case++; } } while (0)

static const char SVCRACK[] =
    "{\"v\":1,\"eventid\":\"sip.request\",\"timestamp\":\"2026-11-25T16:49:24.007Z\",\"sensor\":\"hp-sp-01\","
    "\"run\":\"5f1c0a9e2b7d4c13\",\"seq\":2,\"transport\":\"udp\",\"src_ip\":\"203.0.113.50\",\"src_port\":5071,"
    "\"dst_ip\":\"192.0.2.10\",\"dst_port\":5060,\"method\":\"REGISTER\",\"ruri\":\"sip:192.0.2.10\","
    "\"from_user\":\"100\",\"from_tag\":\"3130303a313233340133393139323733373534\",\"from_display\":\"100\","
    "\"to_user\":\"100\",\"contact_user\":\"123\",\"call_id\":\"4224123211\",\"cseq\":2,\"cseq_method\":\"REGISTER\","
    "\"user_agent\":\"friendly-scanner\",\"max_forwards\":70,\"via_host\":\"203.0.113.50\",\"via_port\":5071,"
    "\"via_branch\":\"z9hG4bK-1207484231\",\"auth\":{\"header\":\"authorization\",\"scheme\":\"Digest\","
    "\"user\":\"100\",\"realm\":\"asterisk\",\"nonce\":\"6410dd31\",\"uri\":\"sip:192.0.2.10\",\"algorithm\":\"MD5\","
    "\"response\":\"e621bce234dec7b61807e3c42dee5740\",\"qop\":\"auth\"},\"auth_outcome\":\"ok\",\"response\":200,"
    "\"responses\":[200],\"answered\":true,\"dial_external\":false,\"extension_known\":true}";

static void test_doc_example_request(void)
{
    store_event e;
    CHECK(parse(SVCRACK, &e) == 0);
    CHECK_SSTR(e.eventid, "sip.request");
    CHECK_INT(e.ts_ms, 1795625364007LL);
    CHECK_SSTR(e.sensor, "hp-sp-01");
    CHECK_SSTR(e.run, "5f1c0a9e2b7d4c13");
    CHECK_INT(e.seq, 2);
    CHECK_SSTR(e.transport, "udp");
    CHECK_SSTR(e.src_ip, "203.0.113.50");
    CHECK_INT(e.src_port, 5071);
    CHECK_SSTR(e.dst_ip, "192.0.2.10");
    CHECK_INT(e.dst_port, 5060);
    CHECK_SSTR(e.method, "REGISTER");
    CHECK_SSTR(e.ruri, "sip:192.0.2.10");
    CHECK(e.ruri_user.p == NULL);
    CHECK_SSTR(e.from_user, "100");
    CHECK_SSTR(e.from_tag, "3130303a313233340133393139323733373534");
    CHECK_SSTR(e.to_user, "100");
    CHECK_SSTR(e.contact_user, "123");
    CHECK_SSTR(e.call_id, "4224123211");
    CHECK_INT(e.cseq, 2);
    CHECK_SSTR(e.user_agent, "friendly-scanner");
    CHECK_SSTR(e.auth_user, "100");
    CHECK_SSTR(e.auth_realm, "asterisk");
    CHECK_SSTR(e.auth_algorithm, "MD5");
    CHECK_SSTR(e.auth_outcome, "ok");
    CHECK_INT(e.response, 200);
    CHECK_INT(e.answered, 1);
    CHECK_INT(e.dial_external, 0);
    CHECK_INT(e.extension_known, 1);
    CHECK(e.warnings.p == NULL);
    CHECK_INT(e.status, STORE_NULL);
    CHECK_INT(e.truncated, STORE_NULL);
}

static void test_doc_examples_other_kinds(void)
{
    store_event e;
    CHECK(parse("{\"v\":1,\"eventid\":\"sip.request\",\"timestamp\":\"2026-11-25T16:49:32.000Z\","
                "\"sensor\":\"s\",\"run\":\"r\",\"seq\":4,\"src_ip\":\"203.0.113.50\",\"user_agent\":\"\","
                "\"answered\":false,\"drop_reason\":\"rate limited\",\"warnings\":[\"bad_contact\",\"bare_lf\"]}",
                &e) == 0);
    CHECK_SSTR(e.user_agent, "");   /* present and empty, not absent */
    CHECK_SSTR(e.reason, "rate limited");
    CHECK_SSTR(e.warnings, "bad_contact,bare_lf");
    CHECK_INT(e.answered, 0);
    CHECK(parse("{\"v\":1,\"eventid\":\"sip.response\",\"timestamp\":\"2026-11-25T16:49:40.000Z\","
                "\"sensor\":\"s\",\"run\":\"r\",\"seq\":5,\"src_ip\":\"203.0.113.50\",\"status\":200,"
                "\"reason\":\"OK\",\"server\":\"Asterisk PBX 1.6.2.9\"}", &e) == 0);
    CHECK_INT(e.status, 200);
    CHECK_SSTR(e.reason, "OK");
    CHECK_SSTR(e.server, "Asterisk PBX 1.6.2.9");
    CHECK(e.user_agent.p == NULL);
    CHECK(parse("{\"v\":1,\"eventid\":\"sip.malformed\",\"timestamp\":\"2026-11-25T16:49:50.000Z\","
                "\"sensor\":\"s\",\"run\":\"r\",\"seq\":6,\"src_ip\":\"::1\",\"error\":\"bad start line\","
                "\"error_offset\":0,\"len\":7,\"raw\":\"\\u0016\\u0003\\u0001\\u0000\\u00a5\","
                "\"fields_truncated\":true,\"raw_truncated\":true}", &e) == 0);
    CHECK_SSTR(e.reason, "bad start line");
    CHECK_INT(e.len, 7);
    /* \u0000 becomes U+FFFD: no NUL in stored text */
    CHECK_SSTR(e.raw, "\x16\x03\x01\xef\xbf\xbd\xc2\xa5");
    CHECK_INT(e.truncated, STORE_TRUNC_FIELDS | STORE_TRUNC_RAW);
    event_json_opts no_raw = {.keep_raw = false};
    const char *l = "{\"eventid\":\"x\",\"timestamp\":\"2026-11-25T16:49:50Z\",\"sensor\":\"s\","
                    "\"src_ip\":\"::1\",\"raw\":\"abc\"}";
    CHECK(event_json_parse(l, strlen(l), &no_raw, &e, scratch, why, sizeof why) == 0);
    CHECK(e.raw.p == NULL);
    CHECK(parse("{\"v\":1,\"eventid\":\"sip.ratelimited\",\"timestamp\":\"2026-11-25T16:49:51.000Z\","
                "\"sensor\":\"s\",\"run\":\"r\",\"seq\":7,\"src_ip\":\"203.0.113.50\",\"suppressed\":1834}",
                &e) == 0);
    CHECK_INT(e.suppressed, 1834);
}

static void test_any_key_order_unknown_fields(void)
{
    store_event e;
    CHECK(parse(" { \"seq\" : 9 , \"future_field\" : {\"a\":[1,2.5e3,null,true,{\"b\":\"\\u00e9\"}]},"
                "\"src_ip\":\"192.0.2.1\", \"run\":\"r\",\"sensor\":\"s\",\"timestamp\":"
                "\"2026-01-01T00:00:00Z\",\"eventid\":\"sip.request\",\"v\":1}\r", &e) == 0);
    CHECK_INT(e.seq, 9);
    CHECK_SSTR(e.src_ip, "192.0.2.1");
    /* a repeated key: the last one counts, as in jansson */
    CHECK(parse("{\"eventid\":\"a\",\"eventid\":\"b\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                "\"sensor\":\"s\",\"src_ip\":\"192.0.2.1\"}", &e) == 0);
    CHECK_SSTR(e.eventid, "b");
}

/* Strings with escapes decode as jansson decodes them. */
static void test_strings_match_jansson(void)
{
    static const char *const values[] = {
        "plain", "", "tab\\there", "quote\\\" back\\\\slash \\/", "\\b\\f\\n\\r\\t",
        "\\u00e9t\\u00E9", "caf\xc3\xa9", "\\u2028\\u2029", "\\ud83d\\ude00 emoji",
        "\xf0\x9f\x98\x80", "\\u0041\\u0042", "x\\u001fy", "long-ish value with spaces",
    };
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        char line[512];
        snprintf(line, sizeof line, "{\"eventid\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                 "\"sensor\":\"s\",\"src_ip\":\"::1\",\"user_agent\":\"%s\"}", values[i]);
        store_event e;
        CHECK(parse(line, &e) == 0);
        json_error_t err;
        json_t *j = json_loads(line, 0, &err);
        CHECK(j != NULL);
        if (!j)
            continue;
        json_t *ua = json_object_get(j, "user_agent");
        size_t n = json_string_length(ua);
        if (e.user_agent.len != n || memcmp(e.user_agent.p, json_string_value(ua), n) != 0) {
            fprintf(stderr, "  value %zu: '%.*s' vs jansson '%s'\n", i, (int)e.user_agent.len,
                    e.user_agent.p, json_string_value(ua));
            check_failures_in_case++;
        }
        json_decref(j);
    }
}

static const struct {
    const char *line;
    const char *why;           /* a part of the reason */
} BAD[] = {
    {"", "empty line"},
    {"   ", "empty line"},
    {"[1,2]", "not a JSON object"},
    {"\"x\"", "not a JSON object"},
    {"not json", "invalid JSON at byte 1"},
    {"{\"eventid\":\"sip.req", "unterminated string"},
    {"{\"eventid\":\"x\"", "unterminated object"},
    {"{\"eventid\":\"x\",}", "key expected"},
    {"{\"eventid\" \"x\"}", "':' expected"},
    {"{\"eventid\":\"x\"} {}", "text after the object"},
    {"{\"eventid\":\"a\tb\"}", "control character in string"},
    {"{\"eventid\":\"\xc3\x28\"}", "invalid UTF-8"},
    {"{\"eventid\":\"\xed\xa0\x80\"}", "invalid UTF-8"},          /* an encoded surrogate */
    {"{\"eventid\":\"\\ud800\"}", "unpaired surrogate"},
    {"{\"eventid\":\"\\udc00x\"}", "unpaired surrogate"},
    {"{\"eventid\":\"\\x\"}", "invalid escape"},
    {"{\"eventid\":\"\\u12g4\"}", "invalid \\u escape"},
    {"{\"x\":01}", "',' or '}' expected"},
    {"{\"x\":1.}", "invalid number"},
    {"{\"x\":-}", "invalid number"},
    {"{\"x\":tru}", "invalid value"},
    {"{\"x\":[1,]}", "invalid value"},
    {"{\"x\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}", "nested too deeply"},
    {"{\"seq\":\"3\"}", "field 'seq': expected an integer"},
    {"{\"seq\":3.0}", "field 'seq': expected an integer"},
    {"{\"seq\":-1}", "field 'seq': negative"},
    {"{\"seq\":99999999999999999999}", "field 'seq': integer out of range"},
    {"{\"src_port\":65536}", "field 'src_port': not a port number"},
    {"{\"answered\":1}", "field 'answered': expected true or false"},
    {"{\"user_agent\":null}", "field 'user_agent': expected a string"},
    {"{\"warnings\":[\"a\",1]}", "field 'warnings': expected an array of strings"},
    {"{\"responses\":[100,\"x\"]}", "field 'responses': expected an array of integers"},
    {"{\"auth\":\"x\"}", "field 'auth': expected an object"},
    {"{\"auth\":{\"user\":5}}", "field 'user': expected a string"},
    {"{\"v\":2,\"eventid\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"sensor\":\"s\",\"src_ip\":\"::1\"}",
     "unsupported schema version 2"},
    {"{\"timestamp\":\"2026-01-01T00:00:00Z\",\"sensor\":\"s\",\"src_ip\":\"::1\"}",
     "missing field 'eventid'"},
    {"{\"eventid\":\"e\",\"sensor\":\"s\",\"src_ip\":\"::1\"}", "missing field 'timestamp'"},
    {"{\"eventid\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"src_ip\":\"::1\"}",
     "missing field 'sensor'"},
    {"{\"eventid\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"sensor\":\"s\"}",
     "missing field 'src_ip'"},
    {"{\"eventid\":\"e\",\"timestamp\":\"2026-02-30T00:00:00Z\",\"sensor\":\"s\",\"src_ip\":\"::1\"}",
     "field 'timestamp': not an ISO 8601"},
    {"{\"eventid\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"sensor\":\"s\",\"src_ip\":\"1.2.3\"}",
     "field 'src_ip': not an IP address"},
    {"{\"eventid\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"sensor\":\"s\",\"src_ip\":\"::1\","
     "\"dst_ip\":\"host\"}", "field 'dst_ip': not an IP address"},
    {"{\"eventid\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"sensor\":\"s\",\"src_ip\":\"::1\","
     "\"run\":\"r\"}", "field 'run' without 'seq'"},
    {"{\"eventid\":\"e\",\"timestamp\":\"2026-01-01T00:00:00Z\",\"sensor\":\"s\",\"src_ip\":\"::1\","
     "\"seq\":1}", "field 'seq' without 'run'"},
};

static void test_bad_lines(void)
{
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        store_event e;
        if (parse(BAD[i].line, &e) == 0) {
            fprintf(stderr, "  accepted: %s\n", BAD[i].line);
            check_failures_in_case++;
        } else if (strstr(why, BAD[i].why) == NULL) {
            fprintf(stderr, "  %s\n    reason '%s', expected '%s'\n", BAD[i].line, why, BAD[i].why);
            check_failures_in_case++;
        }
    }
}

static void test_timestamps(void)
{
    static const struct {
        const char *s;
        long long ms;          /* -1: invalid */
    } T[] = {
        {"1970-01-01T00:00:00Z", 0},
        {"1970-01-01T00:00:00.001Z", 1},
        {"2026-11-25T16:49:23.123Z", 1795625363123LL},
        {"2026-11-25T16:49:23.1Z", 1795625363100LL},
        {"2026-11-25T16:49:23.123456Z", 1795625363123LL},
        {"2026-11-25t16:49:23z", 1795625363000LL},
        {"2026-11-25 16:49:23Z", 1795625363000LL},
        {"2026-11-25T18:49:23.123+02:00", 1795625363123LL},
        {"2026-11-25T11:49:23.123-05:00", 1795625363123LL},
        {"2024-02-29T00:00:00Z", 1709164800000LL},
        {"1969-12-31T23:59:59.999Z", -1},   /* valid, negative: checked below */
        {"2023-02-29T00:00:00Z", -1},
        {"2026-13-01T00:00:00Z", -1},
        {"2026-11-25T24:00:00Z", -1},
        {"2026-11-25T16:49:23", -1},
        {"2026-11-25T16:49:23.Z", -1},
        {"2026-11-25T16:49:23+0200", -1},
        {"0000-01-01T00:00:00Z", -1},
        {"26-11-25T16:49:23Z", -1},
    };
    for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
        long long ms = 0;
        int rc = event_json_parse_time(T[i].s, strlen(T[i].s), &ms);
        if (i == 10) {
            CHECK(rc == 0 && ms == -1);
            continue;
        }
        if (T[i].ms == -1 ? rc == 0 : rc != 0 || ms != T[i].ms) {
            fprintf(stderr, "  %s: rc %d ms %lld, expected %lld\n", T[i].s, rc, ms, T[i].ms);
            check_failures_in_case++;
        }
    }
}

static void test_foreign_identity(void)
{
    const char *a = "{\"eventid\":\"sip.request\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                    "\"sensor\":\"imported\",\"src_ip\":\"192.0.2.1\",\"method\":\"INVITE\"}";
    const char *b = "{\"eventid\":\"sip.request\",\"timestamp\":\"2026-01-01T00:00:00Z\","
                    "\"sensor\":\"imported\",\"src_ip\":\"192.0.2.1\",\"method\":\"OPTIONS\"}";
    char a2[512];
    snprintf(a2, sizeof a2, "  %s\r", a);   /* white space around says nothing */
    store_event ea, eb, ea2;
    CHECK(parse(a, &ea) == 0);
    int64_t seq_a = ea.seq;
    CHECK(parse(b, &eb) == 0);
    CHECK(parse(a2, &ea2) == 0);
    CHECK_SSTR(ea2.run, "");
    CHECK(seq_a >= 0);
    CHECK(seq_a != eb.seq);
    CHECK_INT(ea2.seq, seq_a);
}

/* ---- the reader ---------------------------------------------------------------- */

static char tmp_path[64];

static void write_file(const void *data, size_t n)
{
    snprintf(tmp_path, sizeof tmp_path, "/tmp/sipsnare-test-ingest-%d", (int)getpid());
    FILE *f = fopen(tmp_path, "wb");
    if (!f || fwrite(data, 1, n, f) != n || fclose(f) != 0) {
        fprintf(stderr, "cannot write %s\n", tmp_path);
        exit(2);
    }
}

/* Reads the file back: lines joined with '|', a torn line marked "<torn>",
 * too long "<long>", the end "<eof>" or "<error:...>". */
static void read_all(char *out, size_t cap)
{
    char err[256];
    size_t n = 0;
    out[0] = '\0';
    reader *r = reader_open(tmp_path, err, sizeof err);
    if (!r) {
        snprintf(out, cap, "<open:%s>", err);
        return;
    }
    const char *line;
    size_t len;
    reader_status s;
    while ((s = reader_next(r, &line, &len)) > 0) {
        if (s == READER_TOO_LONG)
            n += (size_t)snprintf(out + n, cap - n, "<long>|");
        else
            n += (size_t)snprintf(out + n, cap - n, "%.*s%s|", (int)(len > 40 ? 40 : len), line,
                                  s == READER_TORN ? "<torn>" : "");
        if (n >= cap)
            break;
    }
    if (n < cap)
        snprintf(out + n, cap - n, s == READER_EOF ? "<eof> %s" : "<error:%s>",
                 s == READER_EOF ? reader_format(r) : reader_error(r));
    reader_close(r);
    unlink(tmp_path);
}

static size_t gzip_bytes(const char *in, size_t n, unsigned char *out, size_t cap)
{
    z_stream z = {0};
    deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    deflate(&z, Z_FINISH);
    size_t len = cap - z.avail_out;
    deflateEnd(&z);
    return len;
}

static void test_reader_formats(void)
{
    static const char text[] = "one\ntwo\r\n\nthree";
    static unsigned char buf[4096];
    char got[512];

    write_file(text, sizeof text - 1);
    read_all(got, sizeof got);
    CHECK_STR(got, "one|two\r||three<torn>|<eof> plain");

    size_t n = gzip_bytes(text, sizeof text - 1, buf, sizeof buf);
    /* two gzip members, as `cat a.gz b.gz` makes */
    size_t m = gzip_bytes("\nfour\n", 6, buf + n, sizeof buf - n);
    write_file(buf, n + m);
    read_all(got, sizeof got);
    CHECK_STR(got, "one|two\r||three|four|<eof> gzip");

    write_file(buf, n - 5);   /* cut: the lines before the cut, then the error */
    read_all(got, sizeof got);
    CHECK(strstr(got, "<error:gzip: ") != NULL);

    n = ZSTD_compress(buf, sizeof buf, text, sizeof text - 1, 3);
    m = ZSTD_compress(buf + n, sizeof buf - n, "\nfour\n", 6, 3);
    write_file(buf, n + m);
    read_all(got, sizeof got);
    CHECK_STR(got, "one|two\r||three|four|<eof> zstd");

    write_file(buf, n - 3);
    read_all(got, sizeof got);
    CHECK(strstr(got, "<error:zstd: ") != NULL);

    write_file("", 0);
    read_all(got, sizeof got);
    CHECK_STR(got, "<eof> plain");

    write_file("\x1f", 1);   /* shorter than any magic: plain text */
    read_all(got, sizeof got);
    CHECK_STR(got, "\x1f<torn>|<eof> plain");

    snprintf(tmp_path, sizeof tmp_path, "/nonexistent/file");
    char err[256];
    CHECK(reader_open(tmp_path, err, sizeof err) == NULL);
}

static void test_reader_long_lines(void)
{
    size_t big = READER_MAX_LINE + 100;
    char *data = malloc(big + 64);
    size_t n = 0;
    n += (size_t)sprintf(data, "first\n");
    memset(data + n, 'x', big);
    n += big;
    n += (size_t)sprintf(data + n, "\nlast\n");
    write_file(data, n);
    char got[256];
    read_all(got, sizeof got);
    CHECK_STR(got, "first|<long>|last|<eof> plain");
    /* exactly the longest line allowed */
    n = (size_t)sprintf(data, "a\n");
    memset(data + n, 'y', READER_MAX_LINE);
    n += READER_MAX_LINE;
    data[n++] = '\n';
    write_file(data, n);
    read_all(got, sizeof got);
    CHECK_STR(got, "a|yyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyyy|<eof> plain");
    free(data);
}

/* ---- a whole load ---------------------------------------------------------------- */

struct bad_log {
    char lines[32][160];
    int n;
};

static void bad_line(void *arg, const char *file, uint64_t line, const char *w)
{
    struct bad_log *b = arg;
    const char *base = strrchr(file, '/');
    if (b->n < 32)
        snprintf(b->lines[b->n++], sizeof b->lines[0], "%s:%llu: %s", base ? base + 1 : file,
                 (unsigned long long)line, w);
}

static int count_row(void *arg, int n, const char *const *names, const char *const *v)
{
    (void)names;
    *(long long *)arg = n > 0 && v[0] ? atoll(v[0]) : -1;
    return 1;
}

static void test_load_mixed_file(void)
{
    char db[64], err[512];
    snprintf(db, sizeof db, "/tmp/sipsnare-test-ingest-%d.db", (int)getpid());
    unlink(db);
    store *st = store_open(db, err, sizeof err);
    CHECK(st != NULL);
    if (!st)
        return;
    const char *files[] = {"tests/data/ingest/mixed.jsonl", "/nonexistent.jsonl"};
    struct bad_log log = {0};
    ingest_opts o = {.keep_raw = true, .bad_line = bad_line, .arg = &log, .commit_every = 3};
    ingest_stats s;
    CHECK(ingest_jsonl(st, files, 2, &o, &s, err, sizeof err) == 0);
    CHECK_INT(s.lines, 16);
    CHECK_INT(s.added, 8);
    CHECK_INT(s.duplicates, 0);
    CHECK_INT(s.bad, 8);
    CHECK_INT(s.files, 1);
    CHECK_INT(s.files_failed, 1);
    CHECK_INT(log.n, 9);
    CHECK_STR(log.lines[0], "mixed.jsonl:2: invalid JSON at byte 1: invalid value");
    CHECK_STR(log.lines[1], "mixed.jsonl:4: field 'seq': expected an integer");
    CHECK_STR(log.lines[2], "mixed.jsonl:5: missing field 'timestamp'");
    CHECK_STR(log.lines[3], "mixed.jsonl:8: unsupported schema version 2");
    CHECK_STR(log.lines[4], "mixed.jsonl:9: empty line");
    CHECK_STR(log.lines[5], "mixed.jsonl:10: field 'src_ip': not an IP address");
    CHECK_STR(log.lines[6], "mixed.jsonl:11: invalid JSON at byte 18: unterminated string");
    CHECK_STR(log.lines[7], "mixed.jsonl:16: invalid JSON at byte 44: unterminated string");
    CHECK_STR(log.lines[8], "nonexistent.jsonl:0: No such file or directory");

    long long v = -1;
    CHECK(store_query(st, "SELECT count(*) FROM events_v WHERE user_agent IS NULL AND "
                          "eventid = 'sip.request'", NULL, 0, count_row, &v) == 0);
    CHECK_INT(v, 1);   /* the INVITE without User-Agent */
    CHECK(store_query(st, "SELECT count(*) FROM events_v WHERE user_agent = ''", NULL, 0,
                      count_row, &v) == 0);
    CHECK_INT(v, 1);
    CHECK(store_query(st, "SELECT ts_ms FROM events_v WHERE sensor = 'imported'", NULL, 0,
                      count_row, &v) == 0);
    CHECK_INT(v, 1795625392000LL);   /* 18:49:52+02:00 */

    /* again: every event is a duplicate */
    memset(&log, 0, sizeof log);
    CHECK(ingest_jsonl(st, files, 1, &o, &s, err, sizeof err) == 0);
    CHECK_INT(s.added, 0);
    CHECK_INT(s.duplicates, 8);
    CHECK_INT(s.bad, 8);
    store_close(st);
    char side[80];
    unlink(db);
    snprintf(side, sizeof side, "%s-wal", db);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", db);
    unlink(side);
}

CHECK_MAIN("test_ingest",
    {"parser: docs/EVENTS.md svcrack example, every field", test_doc_example_request},
    {"parser: empty agent, response, malformed, ratelimited", test_doc_examples_other_kinds},
    {"parser: any key order, unknown fields, repeated keys", test_any_key_order_unknown_fields},
    {"parser: strings decode as jansson decodes them", test_strings_match_jansson},
    {"parser: bad lines and their reasons", test_bad_lines},
    {"parser: timestamps", test_timestamps},
    {"parser: foreign lines get a stable identity", test_foreign_identity},
    {"reader: plain, gzip, zstd, concatenated, truncated", test_reader_formats},
    {"reader: overlong lines skipped, the longest allowed kept", test_reader_long_lines},
    {"load: mixed.jsonl, exact counts and reasons, then again", test_load_mixed_file})
