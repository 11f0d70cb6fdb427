/*
 * test_osip_diff.c - differential test against libosip2 (5.3, Debian 12):
 * every valid RFC 4475 message and every attack-tool request is parsed by
 * both; the fields the honeypot uses are compared (method, Request-URI user
 * and host, From/To user, Call-ID, CSeq number and method, User-Agent,
 * digest username). Each disagreement found is listed below with who is
 * right and why; the test asserts exactly that list, so any new or vanished
 * disagreement fails.
 *
 * Normalisation, so that only real differences remain: user parts are
 * compared %-decoded (osip decodes them) and whole (user;params, as osip
 * keeps them); the CSeq number numerically (osip keeps "0009" as text);
 * osip's quoted digest username without its quotes; sipsnare gives no user
 * for a URI it could not parse or of another scheme.
 */
#include <stdarg.h>

#include <osipparser2/osip_parser.h>

#include "test_sip_util.h"

enum field {
    F_PARSE, F_METHOD, F_RURI_USER, F_RURI_HOST, F_FROM_USER, F_TO_USER,
    F_CALL_ID, F_CSEQ_NUM, F_CSEQ_METHOD, F_UA, F_DIGEST_USER, F_COUNT
};
static const char *const field_names[F_COUNT] = {
    "parse", "method", "ruri-user", "ruri-host", "from-user", "to-user",
    "call-id", "cseq-number", "cseq-method", "user-agent", "digest-username",
};

enum { VAL_MAX = 512 };
#define ABSENT "(absent)"

typedef struct {
    char v[F_COUNT][VAL_MAX];
    size_t len[F_COUNT];
} fields;

struct disagreement {
    const char *file;       /* path under tests/data */
    enum field field;
    const char *ours, *osip; /* values after normalisation; NUL bytes as \0 */
    size_t ours_len;         /* 0: strlen(ours) */
    const char *right;       /* "sipsnare", "osip", "both" (policy) */
    const char *why;
};

/* Every disagreement, reviewed. */
static const struct disagreement known[] = {
    /* RFC 4475 3.1.1.2 intmeth is valid; osip stops at the odd bytes in
     * the To display name (a quoted-pair may escape any octet but CR/LF,
     * RFC 3261 25.1) and the UTF-8 in a From parameter. */
    {"rfc4475/intmeth.sip", F_PARSE, "ok", "invalid", 0, "sipsnare",
     "RFC 4475 3.1.1.2: valid; quoted-pair allows %x00-09/%x0B-0C/%x0E-7F (RFC 3261 25.1)"},
    /* RFC 4475 3.1.1.4: the escaped NUL must not truncate the user. */
    {"rfc4475/escnull.sip", F_FROM_USER, "null-\0-null", "null-", 11, "sipsnare",
     "RFC 4475 3.1.1.4: %00 does not terminate the user part; osip decodes into a C string"},
    {"rfc4475/escnull.sip", F_TO_USER, "null-\0-null", "null-", 11, "sipsnare",
     "RFC 4475 3.1.1.4: %00 does not terminate the user part; osip decodes into a C string"},
    /* RFC 4475 3.3.8 multi01 is parse-ok (semantic 400); osip refuses the
     * whole message because of the second To/From. */
    {"rfc4475/multi01.sip", F_PARSE, "ok", "invalid", 0, "both",
     "RFC 4475 3.3.8: must not break, 400 is the answer; sipsnare parses, keeps the first values, flags DUP_SINGLETON"},
    /* RFC 4475 3.3.3 novelsc: soap.beep is a legal scheme (scheme = ALPHA
     * *( ALPHA / DIGIT / "+" / "-" / "." ), RFC 3261 25.1); osip rejects the
     * whole message because of the Request-URI. */
    {"rfc4475/novelsc.sip", F_PARSE, "ok", "invalid", 0, "sipsnare",
     "RFC 4475 3.3.3: valid, the element answers 416; the Request-URI is an absoluteURI (RFC 3261 25.1)"},
    /* svmap -m REGISTER sends "Contact: None". */
    {"attack-tools/svmap_register.txt", F_PARSE, "ok", "invalid", 0, "both",
     "Contact \"None\" is not a URI (RFC 3261 20.10); rejecting is legal, but the honeypot keeps the request and flags BAD_CONTACT"},
};

static const struct disagreement *find_known(const char *file, enum field f)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (known[i].field == f && strcmp(known[i].file, file) == 0)
            return &known[i];
    return NULL;
}

static void set(fields *fs, enum field f, const char *p, size_t n)
{
    if (p == NULL) {
        p = ABSENT;
        n = strlen(ABSENT);
    }
    if (n >= VAL_MAX)
        n = VAL_MAX - 1;
    memcpy(fs->v[f], p, n);
    fs->v[f][n] = '\0';
    fs->len[f] = n;
}

static void set_view(fields *fs, enum field f, sip_str s)
{
    set(fs, f, s.p, s.len);
}

/* The whole user part of a URI (user[;user_params]), %-decoded. */
static void set_user(fields *fs, enum field f, const sip_uri *u, bool ok)
{
    char raw[VAL_MAX], dec[VAL_MAX];
    size_t n;
    if (!ok || u->user.p == NULL ||
        (u->scheme != SIP_SCHEME_SIP && u->scheme != SIP_SCHEME_SIPS && u->scheme != SIP_SCHEME_TEL)) {
        set(fs, f, NULL, 0);
        return;
    }
    sip_str whole = u->user;
    if (u->user_params.p != NULL)
        whole.len = (size_t)(u->user_params.p + u->user_params.len - u->user.p);
    n = whole.len < sizeof raw ? whole.len : sizeof raw - 1;
    memcpy(raw, whole.p, n);
    n = sip_str_unescape((sip_str){raw, n}, dec, sizeof dec);
    if (n == (size_t)-1)
        set(fs, f, raw, whole.len); /* not decodable: compare as written */
    else
        set(fs, f, dec, n);
}

static void ours(const char *buf, size_t len, fields *fs)
{
    static sip_msg m;
    char num[32];
    for (int f = 0; f < F_COUNT; f++)
        set(fs, (enum field)f, NULL, 0);
    if (sip_parse_datagram(buf, len, &m) != 0) {
        set(fs, F_PARSE, "invalid", 7);
        return;
    }
    set(fs, F_PARSE, "ok", 2);
    if (m.is_request) {
        set_view(fs, F_METHOD, m.method_str);
        bool ruri_ok = !(m.warnings & SIP_WARN_BAD_RURI);
        set_user(fs, F_RURI_USER, &m.ruri, ruri_ok);
        set_view(fs, F_RURI_HOST, ruri_ok ? m.ruri.host : SIP_STR_NULL);
    }
    set_user(fs, F_FROM_USER, &m.from.uri, m.from.uri_ok);
    set_user(fs, F_TO_USER, &m.to.uri, m.to.uri_ok);
    set_view(fs, F_CALL_ID, m.call_id);
    if (m.cseq_raw.p) {
        if (m.cseq_ok)
            set(fs, F_CSEQ_NUM, num, (size_t)snprintf(num, sizeof num, "%u", (unsigned)m.cseq));
        else
            set(fs, F_CSEQ_NUM, "(bad)", 5);
        set_view(fs, F_CSEQ_METHOD, m.cseq_method);
    }
    set_view(fs, F_UA, m.user_agent);
    set_view(fs, F_DIGEST_USER, m.authorization.username);
}

static void set_c(fields *fs, enum field f, const char *s)
{
    set(fs, f, s, s ? strlen(s) : 0);
}

static void theirs(const char *buf, size_t len, fields *fs)
{
    osip_message_t *sip = NULL;
    char num[32];
    for (int f = 0; f < F_COUNT; f++)
        set(fs, (enum field)f, NULL, 0);
    if (osip_message_init(&sip) != 0 || sip == NULL) {
        set(fs, F_PARSE, "invalid", 7);
        return;
    }
    /* osip wants a NUL-terminated buffer it can read one past: give it a
     * copy (this test checks sipsnare, not osip's bounds). */
    char *copy = malloc(len + 1);
    memcpy(copy, buf, len);
    copy[len] = '\0';
    int r = osip_message_parse(sip, copy, len);
    free(copy);
    if (r != 0) {
        set(fs, F_PARSE, "invalid", 7);
        osip_message_free(sip);
        return;
    }
    set(fs, F_PARSE, "ok", 2);
    if (MSG_IS_REQUEST(sip)) {
        set_c(fs, F_METHOD, sip->sip_method);
        if (sip->req_uri) {
            set_c(fs, F_RURI_USER, sip->req_uri->username);
            set_c(fs, F_RURI_HOST, sip->req_uri->host);
        }
    }
    if (sip->from && sip->from->url)
        set_c(fs, F_FROM_USER, sip->from->url->username);
    if (sip->to && sip->to->url)
        set_c(fs, F_TO_USER, sip->to->url->username);
    if (sip->call_id) {
        char *cid = NULL;
        if (osip_call_id_to_str(sip->call_id, &cid) == 0 && cid) {
            set_c(fs, F_CALL_ID, cid);
            osip_free(cid);
        }
    }
    if (sip->cseq) {
        const char *n = sip->cseq->number;
        char *e = NULL;
        unsigned long long v = n ? strtoull(n, &e, 10) : 0;
        if (n && *n && e && *e == '\0' && v <= 4294967295ULL)
            set(fs, F_CSEQ_NUM, num, (size_t)snprintf(num, sizeof num, "%llu", v));
        else
            set(fs, F_CSEQ_NUM, "(bad)", 5);
        set_c(fs, F_CSEQ_METHOD, sip->cseq->method);
    }
    osip_header_t *ua = NULL;
    if (osip_message_get_user_agent(sip, 0, &ua) >= 0 && ua)
        set_c(fs, F_UA, ua->hvalue ? ua->hvalue : "");
    osip_authorization_t *au = NULL;
    if (osip_message_get_authorization(sip, 0, &au) >= 0 && au && au->username) {
        const char *u = au->username;
        size_t n = strlen(u);
        if (n >= 2 && u[0] == '"' && u[n - 1] == '"')
            set(fs, F_DIGEST_USER, u + 1, n - 2);
        else
            set(fs, F_DIGEST_USER, u, n);
    }
    osip_message_free(sip);
}

static void print_value(const char *v, size_t n)
{
    putc('"', stderr);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)v[i];
        if (c == '"' || c == '\\')
            fprintf(stderr, "\\%c", c);
        else if (c < 0x20 || c > 0x7e)
            fprintf(stderr, "\\%o", c);
        else
            putc(c, stderr);
    }
    putc('"', stderr);
}

static size_t compared, disagreements;
static bool hit[sizeof known / sizeof known[0]];

static void compare_file(const char *rel)
{
    char path[512];
    guarded g;
    fields a, b;
    snprintf(path, sizeof path, "tests/data/%s", rel);
    guard_file(&g, path);
    ours(g.p, g.len, &a);
    theirs(g.p, g.len, &b);
    guard_free(&g);
    compared++;

    /* A message one side rejects is compared on "parse" only. */
    int last = strcmp(a.v[F_PARSE], "ok") == 0 && strcmp(b.v[F_PARSE], "ok") == 0 ? F_COUNT : F_PARSE + 1;
    for (int f = 0; f < last; f++) {
        if (a.len[f] == b.len[f] && memcmp(a.v[f], b.v[f], a.len[f]) == 0)
            continue;
        disagreements++;
        const struct disagreement *k = find_known(rel, (enum field)f);
        size_t klen = k ? (k->ours_len ? k->ours_len : strlen(k->ours)) : 0;
        if (k && klen == a.len[f] && memcmp(k->ours, a.v[f], klen) == 0 && strcmp(k->osip, b.v[f]) == 0) {
            hit[k - known] = true;
            continue;
        }
        /* Printed in the table's format, to review and paste. */
        fprintf(stderr, "  new disagreement: {\"%s\", F_%s, ", rel, field_names[f]);
        print_value(a.v[f], a.len[f]);
        fprintf(stderr, ", ");
        print_value(b.v[f], b.len[f]);
        fprintf(stderr, ", ...}\n");
        CHECK(false);
    }
}

static void compare_dir(const char *rel_dir, const char *suffix, const char *must_contain)
{
    char dir[256], rel[512];
    char **names;
    snprintf(dir, sizeof dir, "tests/data/%s", rel_dir);
    size_t n = list_dir(dir, suffix, &names);
    for (size_t i = 0; i < n; i++) {
        if (!must_contain || strstr(names[i], must_contain)) {
            snprintf(rel, sizeof rel, "%s/%s", rel_dir, names[i]);
            compare_file(rel);
        }
        free(names[i]);
    }
    free(names);
}

/* The valid (and parse-ok) RFC 4475 messages, from the manifest. */
static void rfc4475_valid(void)
{
    size_t n;
    char *tsv = check_read_file("tests/data/rfc4475/MANIFEST.tsv", &n);
    tsv = realloc(tsv, n + 1);
    tsv[n] = '\0';
    for (char *line = strchr(tsv, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char name[64], file[64], section[32], verdict[64];
        char title[512];
        if (sscanf(line + 1, "%63[^\t]\t%63[^\t]\t%31[^\t]\t%511[^\t]\t%63[^\t]", name, file, section, title, verdict) != 5)
            continue;
        if (strncmp(verdict, "valid", 5) != 0 && strncmp(verdict, "parse-ok", 8) != 0)
            continue;
        char rel[128];
        snprintf(rel, sizeof rel, "rfc4475/%s", file);
        compare_file(rel);
    }
    free(tsv);
    CHECK_INT(compared, 29); /* 26 valid + 3 parse-ok */
}

static void attack_tool_requests(void)
{
    size_t before = compared;
    compare_dir("attack-tools", ".txt", NULL);
    compare_dir("attack-tools", ".bin", NULL);
    compare_dir("attack-tools/flows", ".txt", NULL);
    compare_dir("attack-tools/flows/client", ".txt", "_req");
    CHECK(compared - before > 200);
}

static void every_known_disagreement_still_exists(void)
{
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        if (!hit[i])
            fprintf(stderr, "  vanished: %s %s\n", known[i].file, field_names[known[i].field]);
        CHECK(hit[i]);
    }
    printf("osip diff: %zu messages compared, %zu disagreements, %zu known\n", compared, disagreements,
           sizeof known / sizeof known[0]);
}

static void osip_quiet(const char *fi, int li, osip_trace_level_t level, const char *chfr, va_list ap)
{
    (void)fi, (void)li, (void)level, (void)chfr, (void)ap;
}

int main(void)
{
    parser_init();
    /* osip logs every rejected message; the table above says it all */
    osip_trace_initialize_func(TRACE_LEVEL0, osip_quiet);
    static const struct check_case cases_[] = {
        {"RFC 4475 valid messages vs osip", rfc4475_valid},
        {"attack-tool requests vs osip", attack_tool_requests},
        {"every listed disagreement still exists", every_known_disagreement_still_exists},
    };
    return check_run("test_osip_diff", cases_, sizeof cases_ / sizeof cases_[0]);
}
