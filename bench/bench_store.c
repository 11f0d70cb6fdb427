/*
 * bench_store.c - loading speed of the event store, against the sqlite3
 * command-line shell importing the same events as CSV in the same run.
 *
 * 1. Generates N events (BENCH_STORE_EVENTS, default 10,000,000) as sensor
 *    JSON lines, and the same events as CSV with a header: the logs of 50
 *    sensors over 358 days, one after the other, each a sequence of attack
 *    sessions - REGISTER floods (svwar enumerating, svcrack guessing with
 *    digest credentials) from a few addresses, OPTIONS scans from many,
 *    toll-fraud INVITEs to ~150,000 numbers dialed with many prefixes -
 *    with user agents from friendly-scanner to none at all and fresh random
 *    strings, a few responses, malformed messages (with raw) and rate-limit
 *    notices.
 * 2. The JSON reader alone, against jansson, on the first 200,000 lines
 *    (why the reader is hand-written: src/ingest/event_json.h).
 *    Baseline: `sqlite3 base.db` with `.mode csv` and `.import events.csv
 *    events` - one plain table of text columns, no index, one transaction.
 * 3. `sipsnare ingest --db sipsnare.db events.jsonl`: typed columns,
 *    dimension tables, identity and report indexes.
 * 4. The same into a private PostgreSQL (tests/integration/pg.sh), unless
 *    BENCH_STORE_PG=0.
 * 5. `sipsnare ingest` of the same file again into SQLite: adds nothing
 *    (the cost of the idempotency check), unless BENCH_STORE_REPEAT=0.
 * Prints events/s of each and the ratio to the baseline; checks the
 * counts. Files go to BENCH_STORE_DIR (default a new directory in /tmp),
 * removed at the end. SIPSNARE is the program (default build/sipsnare).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "event/event.h"
#include "ingest/event_json.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)   /* xorshift64* */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ULL;
}

static unsigned below(unsigned n) { return (unsigned)(rnd() % n); }

/* Zipf-like pick in [0, n): a few values take most of the draws. */
static unsigned skewed(unsigned n)
{
    double u = (double)(rnd() >> 11) / 9007199254740992.0;
    unsigned k = (unsigned)((double)n * u * u * u * u);
    return k < n ? k : n - 1;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench_store: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit(1);
}

/* ---- the events ----------------------------------------------------------------- */

enum { N_SENSORS = 50, N_IPS = 7752, N_NUMBERS = 150000 };

static const char *const AGENTS[] = {
    "friendly-scanner", "sipcli/v1.8", "VaxSIPUserAgent/3.1", "Asterisk PBX 1.6.2.9",
    "FreePBX", "PortSIP VoIP SDK 11.2", "sundayddr", "pplsip", "Zoiper rv2.8.55",
    "Linksys/SPA942-6.1.5(a)",
};

static const char *const PREFIXES[] = {"", "0", "00", "011", "9", "90", "900", "9011",
                                       "0011", "+", "000", "1", "8", "0021", "0015"};
static const char *const COUNTRIES[] = {"972", "44", "1", "86", "7", "92", "20", "970",
                                        "963", "880", "234", "33", "49", "55", "971"};

typedef struct {
    char sensor[16];
    char run[17];
    char dst[16];
    uint64_t seq;
} sensor;

static sensor sensors[N_SENSORS];
static char ips[N_IPS][16];
static char numbers[N_NUMBERS][20];

static void setup(void)
{
    for (int i = 0; i < N_SENSORS; i++) {
        snprintf(sensors[i].sensor, sizeof sensors[i].sensor, "hp-%02d", i + 1);
        snprintf(sensors[i].run, sizeof sensors[i].run, "%016llx", (unsigned long long)rnd());
        snprintf(sensors[i].dst, sizeof sensors[i].dst, "192.0.2.%d", i + 10);
    }
    for (int i = 0; i < N_IPS; i++)
        snprintf(ips[i], sizeof ips[i], "%u.%u.%u.%u", 1 + below(222), below(256), below(256),
                 1 + below(254));
    for (int i = 0; i < N_NUMBERS; i++)
        snprintf(numbers[i], sizeof numbers[i], "%s%u", COUNTRIES[skewed(15)],
                 100000000u + below(900000000u));
}

/* One event, as fields; NULL = absent. Both writers read this. */
typedef struct {
    const char *eventid, *sensor, *run, *transport, *src_ip, *dst_ip, *method, *ruri, *ruri_user,
        *from_user, *from_tag, *to_user, *contact_user, *call_id, *user_agent, *auth_user,
        *auth_realm, *auth_algorithm, *auth_response, *auth_outcome, *drop_reason, *warnings,
        *reason, *server, *error, *raw;
    char ts[25];
    long long seq, src_port, dst_port, cseq, response, status, len, suppressed;
    int answered, dial_external, extension_known;   /* -1 absent */
} gen_event;

static char b_ruri[96], b_ruri_user[48], b_from_tag[40], b_call_id[48], b_ua[24], b_auth_resp[33],
    b_user[16];

static void hex(char *out, int n)
{
    static const char h[] = "0123456789abcdef";
    for (int i = 0; i < n; i++)
        out[i] = h[below(16)];
    out[n] = '\0';
}

/*
 * Attack sessions, as the tools make them: a session is one source doing
 * one thing in a burst - svwar walking through extensions, svcrack trying
 * passwords for one extension, svmap probing once, a toll-fraud caller
 * dialing numbers with prefixes - and a sensor's log is its sessions one
 * after the other. The kinds are drawn so that the events come out about
 * 90% REGISTER, 5% OPTIONS, 3.5% INVITE and 1.5% other.
 */
enum { S_SVWAR, S_SVCRACK, S_SVMAP, S_FRAUD, S_OTHER, S_KINDS };

typedef struct {
    int kind;
    const char *src;
    const char *agent;
    unsigned user, left;
} session;

static void new_session(session *ss)
{
    /* share of events / mean burst length, scaled */
    static const unsigned weight[S_KINDS] = {450000 / 1000, 450000 / 2500, 50000 / 3,
                                            35000 / 60, 15000 / 1};
    unsigned total = 0, r;
    for (int k = 0; k < S_KINDS; k++)
        total += weight[k];
    r = below(total);
    int k = 0;
    while (r >= weight[k])
        r -= weight[k++];
    ss->kind = k;
    ss->agent = below(10) ? "friendly-scanner" : AGENTS[below(10)];
    switch (k) {
    case S_SVWAR:
        ss->src = ips[skewed(40)];
        ss->user = 100 + below(5000);
        ss->left = 1 + below(2000);
        break;
    case S_SVCRACK:
        ss->src = ips[skewed(40)];
        ss->user = 100 + below(9900);
        ss->left = 1 + below(5000);
        break;
    case S_SVMAP:
        ss->src = ips[below(N_IPS)];
        ss->agent = "friendly-scanner";
        ss->left = 1 + below(5);
        break;
    case S_FRAUD:
        ss->src = ips[skewed(400)];
        ss->user = below(2) ? 100 : 0;
        ss->left = 1 + below(120);
        break;
    default:
        ss->src = ips[skewed(400)];
        ss->left = 1;
        break;
    }
}

static void make_event(gen_event *e, sensor *s, session *ss, int64_t t_ms)
{
    memset(e, 0, sizeof *e);
    e->seq = e->src_port = e->dst_port = e->cseq = e->response = e->status = e->len =
        e->suppressed = -1;
    e->answered = e->dial_external = e->extension_known = -1;
    if (ss->left == 0)
        new_session(ss);
    ss->left--;
    event_format_time(t_ms, e->ts);
    e->sensor = s->sensor;
    e->run = s->run;
    e->seq = (long long)++s->seq;
    e->transport = below(20) ? "udp" : "tcp";
    e->dst_ip = s->dst;
    e->dst_port = 5060;
    e->src_ip = ss->src;
    e->src_port = 5060 + below(100);
    e->eventid = "sip.request";
    hex(b_from_tag, 8 + below(24));
    hex(b_call_id, 10 + below(22));
    e->from_tag = b_from_tag;
    e->call_id = b_call_id;
    e->cseq = 1 + below(3);
    e->auth_outcome = "none";
    e->answered = 1;
    e->dial_external = 0;
    switch (ss->kind) {
    case S_SVWAR:     /* enumeration: the next extension, no credentials */
    case S_SVCRACK: { /* guessing: one extension, a new digest each time */
        e->method = "REGISTER";
        snprintf(b_ruri, sizeof b_ruri, "sip:%s", s->dst);
        e->ruri = b_ruri;
        snprintf(b_user, sizeof b_user, "%u", ss->kind == S_SVWAR ? ss->user++ : ss->user);
        e->from_user = e->to_user = e->contact_user = b_user;
        e->user_agent = ss->agent;
        e->extension_known = below(50) == 0;
        if (ss->kind == S_SVCRACK) {
            e->auth_user = b_user;
            e->auth_realm = "asterisk";
            e->auth_algorithm = "MD5";
            hex(b_auth_resp, 32);
            e->auth_response = b_auth_resp;
            e->auth_outcome = e->extension_known ? (below(1000) ? "wrong_password" : "ok")
                                                 : "unknown_user";
            e->response = e->auth_outcome[0] == 'o' ? 200 : 403;
        } else {
            e->response = e->extension_known ? 401 : 404;
        }
        break;
    }
    case S_SVMAP:     /* a scan: OPTIONS from anywhere */
        e->method = "OPTIONS";
        snprintf(b_ruri, sizeof b_ruri, "sip:100@%s", s->dst);
        e->ruri = b_ruri;
        e->ruri_user = e->from_user = e->to_user = e->contact_user = "100";
        e->user_agent = ss->agent;
        e->response = 200;
        e->extension_known = 1;
        e->warnings = below(3) ? NULL : "bad_contact";
        break;
    case S_FRAUD: {   /* one number, many prefixes; 61% without a User-Agent */
        e->method = "INVITE";
        snprintf(b_ruri_user, sizeof b_ruri_user, "%s%s", PREFIXES[skewed(15)],
                 numbers[skewed(N_NUMBERS)]);
        snprintf(b_ruri, sizeof b_ruri, "sip:%s@%s", b_ruri_user, s->dst);
        e->ruri = b_ruri;
        e->ruri_user = e->to_user = b_ruri_user;
        e->from_user = e->contact_user = ss->user ? "100" : "anonymous";
        unsigned ua = below(100);
        if (ua < 61) {
            e->user_agent = NULL;
        } else if (ua < 75) {
            hex(b_ua, 20);   /* a fresh random agent per request */
            e->user_agent = b_ua;
        } else {
            e->user_agent = AGENTS[below(10)];
        }
        e->dial_external = 1;
        e->extension_known = 1;
        if (ss->user) {
            e->auth_user = e->from_user;
            e->auth_realm = "asterisk";
            e->auth_algorithm = "MD5";
            hex(b_auth_resp, 32);
            e->auth_response = b_auth_resp;
            e->auth_outcome = "ok";
            e->response = 503;
        } else {
            e->response = 401;
        }
        break;
    }
    default: {
        unsigned kind = below(15);
        if (kind < 8) {
            e->method = below(2) ? "ACK" : "BYE";
            snprintf(b_ruri, sizeof b_ruri, "sip:100@%s", s->dst);
            e->ruri = b_ruri;
            e->ruri_user = e->from_user = e->to_user = "100";
            e->response = e->method[0] == 'B' ? 481 : -1;
            e->answered = e->method[0] == 'B';
            e->extension_known = 1;
        } else if (kind < 12) {
            e->eventid = "sip.response";
            e->status = 200;
            e->reason = "OK";
            e->server = "Asterisk PBX 1.6.2.9";
            e->answered = e->dial_external = e->extension_known = -1;
            e->auth_outcome = NULL;
            e->from_tag = NULL;
        } else if (kind < 14) {
            e->eventid = "sip.malformed";
            e->error = "bad start line";
            e->raw = "\\u0016\\u0003\\u0001\\u0000\\u00a5\\u0001\\u0000";
            e->len = 7;
            e->answered = e->dial_external = e->extension_known = -1;
            e->auth_outcome = NULL;
            e->from_tag = e->call_id = NULL;
            e->cseq = -1;
        } else {
            e->eventid = "sip.ratelimited";
            e->suppressed = 100 + below(5000);
            e->answered = e->dial_external = e->extension_known = -1;
            e->auth_outcome = NULL;
            e->from_tag = e->call_id = NULL;
            e->cseq = -1;
        }
        break;
    }
    }
    if (e->len < 0 && e->method)
        e->len = 300 + below(300);
}

/* ---- writers -------------------------------------------------------------------- */

typedef struct {
    FILE *f;
    int first;
} jw;

static void jstr(jw *w, const char *k, const char *v)
{
    if (v)
        fprintf(w->f, ",\"%s\":\"%s\"", k, v);   /* generated values need no escapes */
}

static void jint(jw *w, const char *k, long long v)
{
    if (v >= 0)
        fprintf(w->f, ",\"%s\":%lld", k, v);
}

static void jbool(jw *w, const char *k, int v)
{
    if (v >= 0)
        fprintf(w->f, ",\"%s\":%s", k, v ? "true" : "false");
}

/* In the sensor's key order (docs/EVENTS.md). */
static void write_json(FILE *f, const gen_event *e)
{
    jw w = {f, 1};
    fprintf(f, "{\"v\":1,\"eventid\":\"%s\",\"timestamp\":\"%s\"", e->eventid, e->ts);
    jstr(&w, "sensor", e->sensor);
    jstr(&w, "run", e->run);
    jint(&w, "seq", e->seq);
    jstr(&w, "transport", e->transport);
    jstr(&w, "src_ip", e->src_ip);
    jint(&w, "src_port", e->src_port);
    jstr(&w, "dst_ip", e->dst_ip);
    jint(&w, "dst_port", e->dst_port);
    if (e->status >= 0) {
        jint(&w, "status", e->status);
        jstr(&w, "reason", e->reason);
    }
    jstr(&w, "method", e->method);
    jstr(&w, "ruri", e->ruri);
    jstr(&w, "ruri_user", e->ruri_user);
    jstr(&w, "from_user", e->from_user);
    jstr(&w, "from_tag", e->from_tag);
    jstr(&w, "to_user", e->to_user);
    jstr(&w, "contact_user", e->contact_user);
    jstr(&w, "call_id", e->call_id);
    jint(&w, "cseq", e->cseq);
    if (e->method)
        jstr(&w, "cseq_method", e->method);
    jstr(&w, "user_agent", e->user_agent);
    jstr(&w, "server", e->server);
    if (e->method) {
        fprintf(f, ",\"max_forwards\":70");
        jstr(&w, "via_host", e->src_ip);
        jint(&w, "via_port", e->src_port);
        fprintf(f, ",\"via_branch\":\"z9hG4bK-%s\"", e->from_tag ? e->from_tag : "0");
    }
    if (e->auth_user)
        fprintf(f, ",\"auth\":{\"header\":\"authorization\",\"scheme\":\"Digest\",\"user\":\"%s\","
                   "\"realm\":\"%s\",\"nonce\":\"6410dd31\",\"uri\":\"%s\",\"algorithm\":\"%s\","
                   "\"response\":\"%s\"}",
                e->auth_user, e->auth_realm, e->ruri, e->auth_algorithm, e->auth_response);
    jstr(&w, "auth_outcome", e->auth_outcome);
    if (e->method) {
        jint(&w, "response", e->response);
        if (e->response >= 0)
            fprintf(f, ",\"responses\":[%lld]", e->response);
        else
            fprintf(f, ",\"responses\":[]");
    }
    jbool(&w, "answered", e->answered);
    jbool(&w, "dial_external", e->dial_external);
    jbool(&w, "extension_known", e->extension_known);
    if (e->warnings)
        fprintf(f, ",\"warnings\":[\"%s\"]", e->warnings);
    jstr(&w, "error", e->error);
    if (e->error)
        fprintf(f, ",\"error_offset\":0");
    jint(&w, "suppressed", e->suppressed);
    jint(&w, "len", e->len);
    jstr(&w, "raw", e->raw);
    fputs("}\n", f);
}

static const char CSV_HEADER[] =
    "timestamp,eventid,sensor,run,seq,transport,src_ip,src_port,dst_ip,dst_port,method,ruri,"
    "ruri_user,from_user,from_tag,to_user,contact_user,call_id,cseq,user_agent,auth_user,"
    "auth_realm,auth_algorithm,auth_outcome,response,answered,dial_external,extension_known,"
    "warnings,status,server,reason,len,suppressed,raw\n";

static void cs(FILE *f, const char *v, char sep)
{
    if (v)
        fputs(v, f);
    fputc(sep, f);
}

static void ci(FILE *f, long long v, char sep)
{
    if (v >= 0)
        fprintf(f, "%lld", v);
    fputc(sep, f);
}

/* The same fields as the store keeps, one CSV row (no value needs quotes). */
static void write_csv(FILE *f, const gen_event *e)
{
    cs(f, e->ts, ','), cs(f, e->eventid, ','), cs(f, e->sensor, ','), cs(f, e->run, ',');
    ci(f, e->seq, ','), cs(f, e->transport, ','), cs(f, e->src_ip, ',');
    ci(f, e->src_port, ','), cs(f, e->dst_ip, ','), ci(f, e->dst_port, ',');
    cs(f, e->method, ','), cs(f, e->ruri, ','), cs(f, e->ruri_user, ',');
    cs(f, e->from_user, ','), cs(f, e->from_tag, ','), cs(f, e->to_user, ',');
    cs(f, e->contact_user, ','), cs(f, e->call_id, ','), ci(f, e->cseq, ',');
    cs(f, e->user_agent, ','), cs(f, e->auth_user, ','), cs(f, e->auth_realm, ',');
    cs(f, e->auth_algorithm, ','), cs(f, e->auth_outcome, ','), ci(f, e->response, ',');
    ci(f, e->answered, ','), ci(f, e->dial_external, ','), ci(f, e->extension_known, ',');
    cs(f, e->warnings, ','), ci(f, e->status, ','), cs(f, e->server, ',');
    cs(f, e->reason ? e->reason : e->error, ','), ci(f, e->len, ',');
    ci(f, e->suppressed, ','), cs(f, e->raw, '\n');
}

/* ---- running the contenders ------------------------------------------------------ */

/* Runs a shell command; returns its wall time in seconds. */
static double timed(const char *cmd)
{
    double t0 = now_s();
    int rc = system(cmd);
    double t = now_s() - t0;
    if (rc == -1 || !WIFEXITED(rc) || WEXITSTATUS(rc) != 0)
        die("failed (exit %d): %s", WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, cmd);
    return t;
}

/* The first line a shell command prints. */
static void capture(const char *cmd, char *out, size_t cap)
{
    FILE *p = popen(cmd, "r");
    if (!p || !fgets(out, (int)cap, p))
        die("no output from: %s", cmd);
    out[strcspn(out, "\n")] = '\0';
    if (pclose(p) != 0)
        die("failed: %s", cmd);
}

static long long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

/* Parses the first lines of path with event_json_parse and with jansson
 * (json_loadb, as the reader would use it); prints lines/s of each. */
static void parse_bench(const char *path)
{
    enum { LINES = 200000 };
    FILE *f = fopen(path, "r");
    if (!f)
        die("cannot read %s", path);
    char *line = NULL, *scratch = NULL;
    size_t cap = 0, n = 0, bytes = 0;
    ssize_t len;
    char **lines = malloc(LINES * sizeof *lines);
    size_t *lens = malloc(LINES * sizeof *lens);
    if (!lines || !lens)
        die("out of memory");
    while (n < LINES && (len = getline(&line, &cap, f)) > 0) {
        lines[n] = malloc((size_t)len);
        if (!lines[n])
            die("out of memory");
        memcpy(lines[n], line, (size_t)len - 1);
        lens[n] = (size_t)len - 1;
        bytes += lens[n];
        n++;
    }
    fclose(f);
    free(line);
    scratch = malloc(1 << 20);
    if (!scratch)
        die("out of memory");
    event_json_opts opts = {.keep_raw = true};
    char why[256];
    store_event ev;
    long long sum = 0;
    double t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        if (event_json_parse(lines[i], lens[i], &opts, &ev, scratch, why, sizeof why) != 0)
            die("line %zu: %s", i + 1, why);
        sum += ev.seq;
    }
    double t_ours = now_s() - t0;
    t0 = now_s();
    for (size_t i = 0; i < n; i++) {
        json_error_t err;
        json_t *j = json_loadb(lines[i], lens[i], JSON_ALLOW_NUL, &err);
        if (!j)
            die("jansson, line %zu: %s", i + 1, err.text);
        sum -= json_integer_value(json_object_get(j, "seq"));
        json_decref(j);
    }
    double t_jansson = now_s() - t0;
    if (sum != 0)
        die("the readers disagree on seq");
    printf("%-58s %7.2f s %10.0f lines/s  %6.0f MB/s\n", "JSON reader (src/ingest/event_json.c)",
           t_ours, (double)n / t_ours, (double)bytes / t_ours / 1e6);
    printf("%-58s %7.2f s %10.0f lines/s  %6.0f MB/s  ratio %.1f\n", "jansson 2.14 json_loadb",
           t_jansson, (double)n / t_jansson, (double)bytes / t_jansson / 1e6, t_jansson / t_ours);
    for (size_t i = 0; i < n; i++)
        free(lines[i]);
    free(lines);
    free(lens);
    free(scratch);
    fflush(stdout);
}

static long long env_num(const char *name, long long dflt)
{
    const char *v = getenv(name);
    return v && *v ? atoll(v) : dflt;
}

int main(void)
{
    long long n = env_num("BENCH_STORE_EVENTS", 10000000);
    int with_pg = (int)env_num("BENCH_STORE_PG", 1);
    int with_repeat = (int)env_num("BENCH_STORE_REPEAT", 1);
    const char *prog = getenv("SIPSNARE") ? getenv("SIPSNARE") : "build/sipsnare";
    char dir[256];
    if (getenv("BENCH_STORE_DIR")) {
        snprintf(dir, sizeof dir, "%s", getenv("BENCH_STORE_DIR"));
        mkdir(dir, 0700);
    } else {
        snprintf(dir, sizeof dir, "/tmp/sipsnare-bench-store.XXXXXX");
        if (!mkdtemp(dir))
            die("mkdtemp: %s", strerror(errno));
    }
    /* the PostgreSQL cluster inside belongs to the postgres user when run
     * as root: it must be able to reach it */
    chmod(dir, 0711);
    if (access(prog, X_OK) != 0)
        die("%s not found (make first, or set SIPSNARE)", prog);
    if (system("command -v sqlite3 >/dev/null") != 0)
        die("the sqlite3 shell is missing (apt-get install sqlite3)");

    char json[512], csv[512], cmd[2048], line[512];
    snprintf(json, sizeof json, "%s/events.jsonl", dir);
    snprintf(csv, sizeof csv, "%s/events.csv", dir);
    printf("machine: %ld cores\n", sysconf(_SC_NPROCESSORS_ONLN));

    /* 1. the events */
    double t0 = now_s();
    setup();
    FILE *fj = fopen(json, "w"), *fc = fopen(csv, "w");
    if (!fj || !fc)
        die("cannot write in %s", dir);
    static char bj[1 << 20], bc[1 << 20];
    setvbuf(fj, bj, _IOFBF, sizeof bj);
    setvbuf(fc, bc, _IOFBF, sizeof bc);
    fputs(CSV_HEADER, fc);
    /* the sensors' logs one after the other, as `cat hp-*.jsonl` makes:
     * each in time order over the 358 days, busier sensors first */
    const int64_t start = 1767225600000LL;            /* 2026-01-01 */
    const double span = 358.0 * 86400000.0;
    long long done = 0;
    for (int k = 0; k < N_SENSORS; k++) {
        /* sensor k's share: decreasing, the last takes the rest */
        long long mine = k + 1 < N_SENSORS ? (n - done) * 6 / (N_SENSORS - k + 5) : n - done;
        session ss = {0};
        for (long long i = 0; i < mine; i++) {
            gen_event e;
            make_event(&e, &sensors[k], &ss, start + (int64_t)(span * (double)i / (double)mine));
            write_json(fj, &e);
            write_csv(fc, &e);
        }
        done += mine;
    }
    if (fclose(fj) != 0 || fclose(fc) != 0)
        die("write: %s", strerror(errno));
    printf("events: %lld (%.0f MB of JSON lines, %.0f MB of CSV), generated in %.1f s\n", n,
           (double)file_size(json) / 1e6, (double)file_size(csv) / 1e6, now_s() - t0);
    snprintf(cmd, sizeof cmd, "sqlite3 --version | cut -d' ' -f1");
    capture(cmd, line, sizeof line);
    printf("sqlite3 shell %s\n", line);
    fflush(stdout);

    /* 2a. the JSON reader alone, against jansson */
    parse_bench(json);

    /* 2. the baseline */
    snprintf(cmd, sizeof cmd,
             "printf '.mode csv\\n.import %s events\\n' | sqlite3 %s/base.db", csv, dir);
    double t_base = timed(cmd);
    snprintf(cmd, sizeof cmd, "sqlite3 %s/base.db 'SELECT count(*) FROM events'", dir);
    capture(cmd, line, sizeof line);
    if (atoll(line) != n)
        die("baseline imported %s rows, expected %lld", line, n);
    double r_base = (double)n / t_base;
    snprintf(cmd, sizeof cmd, "%s/base.db", dir);
    printf("%-58s %7.1f s %10.0f events/s  %6.0f MB\n",
           "sqlite3 shell: .import CSV, one plain text table", t_base, r_base,
           (double)file_size(cmd) / 1e6);
    fflush(stdout);

    /* 3. sipsnare into SQLite */
    snprintf(cmd, sizeof cmd, "%s ingest --db %s/sipsnare.db %s > %s/ingest.out", prog, dir, json,
             dir);
    double t_sq = timed(cmd);
    snprintf(cmd, sizeof cmd, "sqlite3 %s/sipsnare.db 'SELECT count(*) FROM events'", dir);
    capture(cmd, line, sizeof line);
    if (atoll(line) != n)
        die("sipsnare stored %s events in SQLite, expected %lld", line, n);
    double r_sq = (double)n / t_sq;
    snprintf(cmd, sizeof cmd, "%s/sipsnare.db", dir);
    printf("%-58s %7.1f s %10.0f events/s  %6.0f MB  ratio %.2f\n",
           "sipsnare ingest -> SQLite: typed, dimensions, 5 indexes", t_sq, r_sq,
           (double)file_size(cmd) / 1e6, r_sq / r_base);
    fflush(stdout);

    /* 4. sipsnare into PostgreSQL */
    if (with_pg) {
        snprintf(cmd, sizeof cmd,
                 "bash -c '. tests/integration/pg.sh && "
                 "PG_OPTS=\"-c shared_buffers=512MB -c max_wal_size=8GB\" pg_start %s/pg >&2 && "
                 "echo \"$PG_URL\"'", dir);
        char url[512];
        capture(cmd, url, sizeof url);
        snprintf(cmd, sizeof cmd, "%s ingest --db '%s' %s > %s/ingest-pg.out", prog, url, json, dir);
        double t_pg = timed(cmd);
        snprintf(cmd, sizeof cmd,
                 "bash -c '. tests/integration/pg.sh && PG_DIR=%s/pg PG_PORT=$(echo \"%s\" | "
                 "sed \"s/.*port=//\") && pg_psql -At -c \"SELECT count(*) FROM events\"'", dir, url);
        capture(cmd, line, sizeof line);
        snprintf(cmd, sizeof cmd,
                 "bash -c '. tests/integration/pg.sh && PG_DIR=%s/pg && pg_stop'", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_store: pg_stop failed\n");
        if (atoll(line) != n)
            die("sipsnare stored %s events in PostgreSQL, expected %lld", line, n);
        double r_pg = (double)n / t_pg;
        printf("%-58s %7.1f s %10.0f events/s            ratio %.2f\n",
               "sipsnare ingest -> PostgreSQL: COPY, daily partitions", t_pg, r_pg, r_pg / r_base);
        fflush(stdout);
    }

    /* 5. the same file again: nothing added */
    if (with_repeat) {
        snprintf(cmd, sizeof cmd, "%s ingest --db %s/sipsnare.db %s > %s/ingest2.out", prog, dir,
                 json, dir);
        double t_re = timed(cmd);
        snprintf(cmd, sizeof cmd, "sed -E 's/.* ([0-9]+) events added.*/\\1/' %s/ingest2.out", dir);
        capture(cmd, line, sizeof line);
        if (atoll(line) != 0)
            die("the second load added %s events", line);
        printf("%-58s %7.1f s %10.0f events/s            ratio %.2f\n",
               "sipsnare ingest again -> SQLite: all duplicates, 0 added", t_re,
               (double)n / t_re, (double)n / t_re / r_base);
    }
    printf("ratio = events/s / sqlite3 shell's events/s (same events, same run)\n");
    if (!getenv("BENCH_STORE_DIR")) {
        snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
        if (system(cmd) != 0)
            fprintf(stderr, "bench_store: could not remove %s\n", dir);
    }
    return 0;
}
