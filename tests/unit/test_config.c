/*
 * test_config.c - the INI reader, listen specs and the Asterisk import, on
 * files written to a fresh temporary directory.
 */
#include <stdarg.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sensor/config.h"

static char dir[64];
static char *made[128];
static size_t n_made;

/* Writes name (relative to dir) with len bytes of text; returns its path. */
static const char *put_file_n(const char *name, const char *text, size_t len)
{
    static char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        perror(path);
        exit(2);
    }
    fwrite(text, 1, len, f);
    fclose(f);
    for (size_t i = 0; i < n_made; i++)
        if (strcmp(made[i], path) == 0)
            return path;
    if (n_made < sizeof made / sizeof made[0])
        made[n_made++] = strdup(path);
    return path;
}

static const char *put_file(const char *name, const char *text)
{
    return put_file_n(name, text, strlen(text));
}

static struct sensor_config cfg;
static char err[1024];

/* Loads text as dir/name into a fresh default config. */
static int load(const char *name, const char *text)
{
    sensor_config_free(&cfg);
    sensor_config_defaults(&cfg);
    err[0] = '\0';
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", put_file(name, text));
    return sensor_config_load(path, &cfg, err, sizeof err);
}

/* "DIR/" + expected, with each "@/" inside replaced by "DIR/" too. */
static void expand(const char *expected, char *want, size_t cap)
{
    size_t n = (size_t)snprintf(want, cap, "%s/", dir);
    for (const char *p = expected; *p && n + 1 < cap; p++) {
        if (p[0] == '@' && p[1] == '/') {
            n += (size_t)snprintf(want + n, cap - n, "%s", dir);
            continue;
        }
        want[n++] = *p;
    }
    want[n] = '\0';
}

/* Checks that loading fails with exactly "DIR/<expected>". */
static void check_error(const char *text, const char *expected, int line)
{
    int rc = load("e.conf", text);
    char want[1024];
    expand(expected, want, sizeof want);
    if (rc != -1 || strcmp(err, want) != 0)
        fprintf(stderr, "  (from line %d) rc %d, err \"%s\"\n", line, rc, err);
    CHECK(rc == -1);
    CHECK_STR(err, want);
}
#define CHECK_ERROR(text, expected) check_error(text, expected, __LINE__)

static const persona_extension *ext(const char *name)
{
    for (size_t i = 0; i < cfg.persona.n_extensions; i++)
        if (strcmp(cfg.persona.extensions[i].name, name) == 0)
            return &cfg.persona.extensions[i];
    return NULL;
}

static void test_defaults(void)
{
    sensor_config_defaults(&cfg);
    CHECK(cfg.sensor_id[0] != '\0');
    CHECK_STR(cfg.log_path, "sipsnare-events.jsonl");
    CHECK(!cfg.log_raw);
    CHECK_INT(cfg.sync_interval_ms, 1000);
    CHECK_STR(cfg.user, "nobody");
    CHECK_STR(cfg.home_country, "BR");
    CHECK_INT(cfg.n_listen, 4);
    CHECK(!cfg.listen[0].tcp && !cfg.listen[0].ipv6);
    CHECK_STR(cfg.listen[0].host, "0.0.0.0");
    CHECK(!cfg.listen[1].tcp && cfg.listen[1].ipv6);
    CHECK_STR(cfg.listen[1].host, "::");
    CHECK(cfg.listen[2].tcp && !cfg.listen[2].ipv6);
    CHECK(cfg.listen[3].tcp && cfg.listen[3].ipv6);
    for (int i = 0; i < 4; i++)
        CHECK_INT(cfg.listen[i].port, 5060);
    CHECK_INT(cfg.limits.rate_pps, 50);
    CHECK_INT(cfg.limits.rate_bytes, 20000);
    CHECK_INT(cfg.limits.max_tcp_connections, 1024);
    CHECK_INT(cfg.limits.tcp_idle_s, 30);
    CHECK_INT(cfg.limits.max_message, 65535);
    CHECK_INT(cfg.limits.udp_buffer, 32 << 20);
    /* the persona part is persona_config_defaults() */
    persona_config pd;
    persona_config_defaults(&pd);
    CHECK_INT(cfg.persona.kind, pd.kind);
    CHECK_STR(cfg.persona.version, pd.version);
    CHECK_STR(cfg.persona.realm, pd.realm);
    CHECK_INT(cfg.persona.invite_final_code, pd.invite_final_code);
    CHECK(cfg.persona.extensions == NULL && cfg.persona.n_extensions == 0);
}

static void test_all_keys(void)
{
    int rc = load("all.conf",
        "; every key\n"
        "# both comment styles\n"
        "[sensor]\n"
        "sensor_id = hp-sp-01\n"
        "log_path = /var/log/sipsnare/events.jsonl\n"
        "log_raw = yes\n"
        "sync_interval_ms = 250\n"
        "user = sipsnare\n"
        "home_country = pt\n"
        "listen = udp 127.0.0.1:5060\n"
        "listen = tcp [::1]:5070\n"
        "listen = UDP *:0\n"
        "\n"
        "[persona]\n"
        "kind = pjsip\n"
        "version = 18.2.0\n"
        "user_agent = \"FPBX-2.11.0(11.6.0)\"\n"
        "realm = pbx.example.com\n"
        "alwaysauthreject = on\n"
        "allowguest = true\n"
        "invite_final_code = 480\n"
        "invite_hangup_cause = 19\n"
        "ring_ms = 1500\n"
        "final_ms = 4000\n"
        "nonce_lifetime = 60\n"
        "dialogs = 1024\n"
        "\n"
        "[limits]\n"
        "rate_pps = 0\n"
        "rate_bytes = 100000\n"
        "max_tcp_connections = 64\n"
        "tcp_idle_s = 10\n"
        "max_message = 8192\n"
        "udp_buffer = 0\n"
        "\n"
        "[extensions]\n"
        "100 = 1234, call\n"
        "101 = 101\n");
    CHECK_INT(rc, 0);
    CHECK_STR(err, "");
    CHECK_STR(cfg.sensor_id, "hp-sp-01");
    CHECK_STR(cfg.log_path, "/var/log/sipsnare/events.jsonl");
    CHECK(cfg.log_raw);
    CHECK_INT(cfg.sync_interval_ms, 250);
    CHECK_STR(cfg.user, "sipsnare");
    CHECK_STR(cfg.home_country, "PT");
    CHECK_INT(cfg.n_listen, 3);
    CHECK(!cfg.listen[0].tcp && !cfg.listen[0].ipv6 && cfg.listen[0].port == 5060);
    CHECK_STR(cfg.listen[0].host, "127.0.0.1");
    CHECK(cfg.listen[1].tcp && cfg.listen[1].ipv6 && cfg.listen[1].port == 5070);
    CHECK_STR(cfg.listen[1].host, "::1");
    CHECK(!cfg.listen[2].tcp && cfg.listen[2].port == 0);
    CHECK_STR(cfg.listen[2].host, "0.0.0.0");
    CHECK_INT(cfg.persona.kind, PERSONA_PJSIP);
    CHECK_STR(cfg.persona.version, "18.2.0");
    CHECK_STR(cfg.persona.user_agent, "FPBX-2.11.0(11.6.0)");
    CHECK_STR(cfg.persona.realm, "pbx.example.com");
    CHECK(cfg.persona.alwaysauthreject);
    CHECK(cfg.persona.allowguest);
    CHECK_INT(cfg.persona.invite_final_code, 480);
    CHECK_INT(cfg.persona.invite_hangup_cause, 19);
    CHECK_INT(cfg.persona.ring_ms, 1500);
    CHECK_INT(cfg.persona.final_ms, 4000);
    CHECK_INT(cfg.persona.nonce_lifetime_s, 60);
    CHECK_INT(cfg.persona.dialogs, 1024);
    CHECK_INT(cfg.limits.rate_pps, 0);
    CHECK_INT(cfg.limits.rate_bytes, 100000);
    CHECK_INT(cfg.limits.max_tcp_connections, 64);
    CHECK_INT(cfg.limits.tcp_idle_s, 10);
    CHECK_INT(cfg.limits.max_message, 8192);
    CHECK_INT(cfg.limits.udp_buffer, 0);
    CHECK_INT(cfg.persona.n_extensions, 2);
    const persona_extension *e = ext("100");
    CHECK(e && strcmp(e->secret, "1234") == 0 && e->can_call && e->md5secret[0] == '\0');
    e = ext("101");
    CHECK(e && strcmp(e->secret, "101") == 0 && !e->can_call);
}

static void test_parse_listen(void)
{
    struct listen_spec ls;
    CHECK_INT(sensor_parse_listen("udp 127.0.0.1:5060", &ls), 0);
    CHECK(!ls.tcp && !ls.ipv6 && ls.port == 5060);
    CHECK_STR(ls.host, "127.0.0.1");
    CHECK_INT(sensor_parse_listen("tcp [::1]:5070", &ls), 0);
    CHECK(ls.tcp && ls.ipv6 && ls.port == 5070);
    CHECK_STR(ls.host, "::1");
    CHECK_INT(sensor_parse_listen("udp *:5060", &ls), 0);
    CHECK(!ls.tcp && !ls.ipv6);
    CHECK_STR(ls.host, "0.0.0.0");
    CHECK_INT(sensor_parse_listen("  TCP\t[::]:65535  ", &ls), 0);
    CHECK(ls.tcp && ls.ipv6 && ls.port == 65535);
    CHECK_STR(ls.host, "::");
    CHECK_INT(sensor_parse_listen("tcp [fe80::1%lo]:5060", &ls), -1); /* no zone ids */

    static const char *const bad[] = {
        "", "udp", "udp ", "sctp 1.2.3.4:5060", "udp 1.2.3.4", "udp 1.2.3.4:",
        "udp 1.2.3.4:65536", "udp 1.2.3.4:99999999999", "udp 1.2.3.4:-1",
        "udp 1.2.3.4:50x", "udp ::1:5060", "udp [::1]5060", "udp [::1:5060",
        "udp [1.2.3.4]:5060", "udp 1.2.3:5060", "udp host.example:5060",
        "udp [*]:5060", "udp:1.2.3.4:5060", "udp1.2.3.4:5060", "udp :5060",
        "udp 1.2.3.4:5060 x",
        "udp [0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000:0000]:1",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&ls, 0x5a, sizeof ls);
        int rc = sensor_parse_listen(bad[i], &ls);
        if (rc != -1)
            fprintf(stderr, "  accepted '%s'\n", bad[i]);
        CHECK_INT(rc, -1);
        CHECK(ls.port == 0x5a5a); /* untouched on failure */
    }
}

static void test_listen_in_config(void)
{
    CHECK_INT(load("l.conf", "[sensor]\nlisten = tcp 127.0.0.1:5060\n"), 0);
    CHECK_INT(cfg.n_listen, 1);
    CHECK_ERROR("[sensor]\nlisten = udp 127.0.0.1:5060\nlisten = udp 127.0.0.1:5060\n",
                "e.conf:3: listen: 'udp 127.0.0.1:5060' is listed twice");
    CHECK_ERROR("[sensor]\nlisten = udp localhost:5060\n",
                "e.conf:2: listen: bad spec 'udp localhost:5060' (want e.g. udp 0.0.0.0:5060 "
                "or tcp [::]:5060)");
    static char text[8192];
    size_t n = (size_t)snprintf(text, sizeof text, "[sensor]\n");
    for (int i = 0; i < CONFIG_MAX_LISTEN + 1; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "listen = udp 127.0.0.1:%d\n", 6000 + i);
    CHECK_ERROR(text, "e.conf:66: listen: more than 64 entries");
}

static void test_extensions(void)
{
    int rc = load("x.conf",
        "[extensions]\n"
        "100 = 1234, call\n"
        "101 = 101 ; username = password\n"
        "200 = \"s3cr;t, with #comma\" , CALL\n"
        "201 = \"q\\\"uote\\\\\"\n"
        "202 = \"\"\n"
        "203 = pass#word\n"
        "300 = md5:0123456789ABCDEF0123456789abcdef, call\n"
        "301 = \"md5:literal\"\n"
        "alice.smith = x y z\n");
    CHECK_INT(rc, 0);
    CHECK_STR(err, "");
    CHECK_INT(cfg.persona.n_extensions, 9);
    const persona_extension *e;
    CHECK((e = ext("100")) && strcmp(e->secret, "1234") == 0 && e->can_call);
    CHECK((e = ext("101")) && strcmp(e->secret, "101") == 0 && !e->can_call);
    CHECK((e = ext("200")) && strcmp(e->secret, "s3cr;t, with #comma") == 0 && e->can_call);
    CHECK((e = ext("201")) && strcmp(e->secret, "q\"uote\\") == 0);
    CHECK((e = ext("202")) && strcmp(e->secret, "") == 0 && e->md5secret[0] == '\0');
    CHECK((e = ext("203")) && strcmp(e->secret, "pass#word") == 0);
    CHECK((e = ext("300")) && e->secret[0] == '\0' && e->can_call &&
          strcmp(e->md5secret, "0123456789abcdef0123456789abcdef") == 0);
    CHECK((e = ext("301")) && strcmp(e->secret, "md5:literal") == 0);
    CHECK((e = ext("alice.smith")) && strcmp(e->secret, "x y z") == 0);

    CHECK_ERROR("[extensions]\n100 =\n", "e.conf:2: extension 100: no secret (write \"\" for an empty one)");
    CHECK_ERROR("[extensions]\n100 = , call\n", "e.conf:2: extension 100: no secret (write \"\" for an empty one)");
    CHECK_ERROR("[extensions]\n100 = 1234, dial\n", "e.conf:2: extension 100: unknown flag 'dial' (known: call)");
    CHECK_ERROR("[extensions]\n100 = 1234,\n", "e.conf:2: extension 100: unknown flag '' (known: call)");
    CHECK_ERROR("[extensions]\n100 = \"1234\" call\n", "e.conf:2: extension 100: expected ',' after the secret");
    CHECK_ERROR("[extensions]\n100 = \"1234\n", "e.conf:2: extension 100: unterminated quoted string");
    CHECK_ERROR("[extensions]\n100 = md5:1234\n", "e.conf:2: extension 100: md5 secret must be 32 hex digits");
    CHECK_ERROR("[extensions]\n100 = a\n\n100 = b\n", "e.conf:4: extension 100 is already defined at line 2");
    CHECK_ERROR("[extensions]\n1 00 = a\n", "e.conf:2: bad character in extension name: '1 00'");
    CHECK_ERROR("[extensions]\nsip:100 = a\n", "e.conf:2: bad character in extension name: 'sip:100'");
    CHECK_ERROR("[extensions]\n"
                "a123456789012345678901234567890123456789012345678901234567890123 = a\n",
                "e.conf:2: extension name too long (max 63 bytes): "
                "'a123456789012345678901234567890123456789012345678901234567890123'");
    static char text[512];
    memset(text, 0, sizeof text);
    strcpy(text, "[extensions]\n100 = ");
    memset(text + strlen(text), 'p', PERSONA_SECRET_MAX);
    strcat(text, "\n");
    CHECK_ERROR(text, "e.conf:2: extension 100: secret too long (max 127 bytes)");
    text[strlen(text) - 2] = '\n';
    text[strlen(text) - 1] = '\0';
    CHECK_INT(load("x.conf", text), 0); /* 127 bytes is fine */
    CHECK_INT(strlen(ext("100")->secret), PERSONA_SECRET_MAX - 1);

    /* the limit on the number of extensions */
    size_t cap = 20 * (PERSONA_MAX_EXTENSIONS + 2);
    char *big = malloc(cap);
    size_t n = (size_t)snprintf(big, cap, "[extensions]\n");
    for (int i = 0; i < PERSONA_MAX_EXTENSIONS + 1; i++)
        n += (size_t)snprintf(big + n, cap - n, "%d = s\n", 1000 + i);
    CHECK_ERROR(big, "e.conf:4098: more than 4096 extensions");
    big[n - strlen("5096 = s\n")] = '\0';
    CHECK_INT(load("x.conf", big), 0);
    CHECK_INT(cfg.persona.n_extensions, PERSONA_MAX_EXTENSIONS);
    free(big);
}

static void test_errors(void)
{
    CHECK_ERROR("[sensor]\nlog_raw = maybe\n", "e.conf:2: log_raw: expected yes or no, got 'maybe'");
    CHECK_ERROR("\n\n[bogus]\n", "e.conf:3: unknown section [bogus] (known: sensor, persona, extensions, limits, store)");
    CHECK_ERROR("[sensor]\ncolour = red\n", "e.conf:2: unknown key 'colour' in [sensor]");
    CHECK_ERROR("[limits]\nsensor_id = x\n", "e.conf:2: unknown key 'sensor_id' in [limits]");
    CHECK_ERROR("sensor_id = x\n", "e.conf:1: 'sensor_id' before any [section]");
    CHECK_ERROR("[sensor\n", "e.conf:1: missing ']' in section header");
    CHECK_ERROR("[sensor] x\n", "e.conf:1: text after the section header");
    CHECK_ERROR("[sensor]\njust words\n", "e.conf:2: expected 'key = value' or '[section]'");
    CHECK_ERROR("[sensor]\n = x\n", "e.conf:2: empty key before '='");
    CHECK_ERROR("[sensor]\nsensor_id =\n", "e.conf:2: sensor_id: empty value");
    CHECK_ERROR("[sensor]\nsync_interval_ms =\n", "e.conf:2: sync_interval_ms: empty value");
    CHECK_ERROR("[sensor]\nsync_interval_ms = 10s\n", "e.conf:2: sync_interval_ms: expected a number, got '10s'");
    CHECK_ERROR("[sensor]\nsync_interval_ms = -1\n", "e.conf:2: sync_interval_ms: expected a number, got '-1'");
    CHECK_ERROR("[sensor]\nsync_interval_ms = 99999999999999999999999\n",
                "e.conf:2: sync_interval_ms: 99999999999999999999999 is out of range (0..3600000)");
    CHECK_ERROR("[persona]\ninvite_final_code = 200\n",
                "e.conf:2: invite_final_code: 200 is out of range (300..699)");
    CHECK_ERROR("[persona]\ndialogs = 1000\n", "e.conf:2: dialogs: 1000 is not a power of two");
    CHECK_ERROR("[persona]\nkind = sip\n", "e.conf:2: kind: expected chan_sip or pjsip, got 'sip'");
    CHECK_ERROR("[persona]\nrealm = a\"b\n", "e.conf:2: realm: '\"' and '\\' are not allowed");
    CHECK_ERROR("[persona]\nuser_agent = \"x\n", "e.conf:2: user_agent: unterminated quoted string");
    CHECK_ERROR("[persona]\nuser_agent = \"x\" y\n", "e.conf:2: user_agent: text after the quoted value");
    CHECK_ERROR("[persona]\nuser_agent = a\x01z\n", "e.conf:2: user_agent: control character in value");
    CHECK_ERROR("[sensor]\nhome_country = BRA\n",
                "e.conf:2: home_country: expected a two-letter country code, got 'BRA'");
    CHECK_ERROR("[sensor]\nhome_country = B1\n",
                "e.conf:2: home_country: expected a two-letter country code, got 'B1'");
    CHECK_ERROR("[sensor]\nuser = a\n[persona]\n[sensor]\nuser = b\n", "e.conf:5: user is set twice");
    CHECK_ERROR("[sensor]\nsensor_id = 1234567890123456789012345678901234567890123456789012345678901234\n",
                "e.conf:2: sensor_id: value too long (max 63 bytes)");
    CHECK_ERROR("[limits]\nudp_buffer = 2147483648\n",
                "e.conf:2: udp_buffer: 2147483648 is out of range (0..1073741824)");
    CHECK_ERROR("[limits]\nmax_message = 100000\n",
                "e.conf:2: max_message: 100000 is out of range (1024..65535)");

    /* a missing file: no line number */
    sensor_config_defaults(&cfg);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/missing.conf", dir);
    CHECK_INT(sensor_config_load(path, &cfg, err, sizeof err), -1);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s: cannot open: No such file or directory", path);
    CHECK_STR(err, want);
    /* a tiny error buffer still gets a terminated prefix */
    char tiny[8];
    CHECK_INT(sensor_config_load(path, &cfg, tiny, sizeof tiny), -1);
    CHECK_INT(strlen(tiny), sizeof tiny - 1);
}

static void test_lines(void)
{
    /* CRLF, a BOM, tabs, comments */
    CHECK_INT(load("crlf.conf", "\xef\xbb\xbf; comment\r\n[sensor]\r\n\tuser\t=\tbob \r\n"
                                "  # indented comment\r\n[extensions]\r\n100 = a;b ; c\r\n"), 0);
    CHECK_STR(cfg.user, "bob");
    CHECK(ext("100") && strcmp(ext("100")->secret, "a;b") == 0);
    /* no newline at the end of the file */
    CHECK_INT(load("nonl.conf", "[sensor]\nuser = carol"), 0);
    CHECK_STR(cfg.user, "carol");
    /* an empty file keeps the defaults */
    CHECK_INT(load("empty.conf", ""), 0);
    CHECK_STR(cfg.user, "nobody");

    /* The longest line is accepted, one byte more is refused. */
    static char text[3 * CONFIG_MAX_LINE];
    const char *head = "[sensor]\nuser = x\n; ";
    strcpy(text, head);
    size_t n = strlen(text);
    memset(text + n, 'c', CONFIG_MAX_LINE - 2);
    strcpy(text + n + CONFIG_MAX_LINE - 2, "\n");
    CHECK_INT(load("long.conf", text), 0);
    strcpy(text + n + CONFIG_MAX_LINE - 2, "c\r\n");
    CHECK_ERROR(text, "e.conf:3: line too long (more than 4096 bytes)");
    /* overlong is overlong without a newline too */
    memset(text + n, 'c', 2 * CONFIG_MAX_LINE);
    text[n + 2 * CONFIG_MAX_LINE] = '\0';
    CHECK_ERROR(text, "e.conf:3: line too long (more than 4096 bytes)");

    /* a NUL byte */
    sensor_config_defaults(&cfg);
    const char *p = put_file_n("nul.conf", "[sensor]\nuser = a\0b\n", 20);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", p);
    CHECK_INT(sensor_config_load(path, &cfg, err, sizeof err), -1);
    char want[PATH_MAX + 64];
    snprintf(want, sizeof want, "%s:2: NUL byte in line", path);
    CHECK_STR(err, want);
}

/* A failed load leaves the config as it was. */
static void test_all_or_nothing(void)
{
    CHECK_INT(load("ok.conf", "[sensor]\nuser = dave\n[extensions]\n100 = a\n"), 0);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", put_file("bad.conf",
             "[sensor]\nuser = eve\n[extensions]\n200 = b\n300 = \"\n"));
    CHECK_INT(sensor_config_load(path, &cfg, err, sizeof err), -1);
    CHECK_STR(cfg.user, "dave");
    CHECK_INT(cfg.persona.n_extensions, 1);
    CHECK(ext("100") != NULL);
    /* a good second load replaces the extensions */
    snprintf(path, sizeof path, "%s", put_file("ok2.conf", "[extensions]\n200 = b\n"));
    CHECK_INT(sensor_config_load(path, &cfg, err, sizeof err), 0);
    CHECK_STR(cfg.user, "dave");
    CHECK_INT(cfg.persona.n_extensions, 1);
    CHECK(ext("200") != NULL && ext("100") == NULL);
}

static void test_sip_conf_import(void)
{
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/asterisk", dir);
    mkdir(sub, 0700);
    put_file("asterisk/sip.conf",
        "; a FreePBX-like sip.conf\n"
        "[general]\n"
        "context = from-sip-external\n"
        "allowguest = no\n"
        "register => 1234:pw@provider.example\n"
        "\n"
        "[office](!)            ; a template\n"
        "type = friend\n"
        "host = dynamic\n"
        "context = from-internal\n"
        "secret = template-secret\n"
        "\n"
        "[strong](!,office)\n"
        "secret = Xq7#Lm2\\;pZ9   ; escaped ';' is part of the value\n"
        "\n"
        "[100](office)\n"
        "secret = 1234\n"
        "\n"
        "[101](office)\n"
        "\n"
        "[102](strong)\n"
        "\n"
        "[103](office,strong)\n"
        "secret = own\n"
        "secret = own-last\n"
        "\n"
        ";-- a block comment\n"
        "[999]\n"
        "type = friend\n"
        "secret = commented-out\n"
        "--;\n"
        "[trunk]\n"
        "type = peer\n"
        "md5secret = 0123456789ABCDEF0123456789ABCDEF\n"
        "\n"
        "[olduser]\n"
        "type = user\n"
        "secret=nospace\n"
        "\n"
        "[notype]\n"
        "secret = skipped\n"
        "\n"
        "[100](+)\n"
        "callerid = \"Reception\" <100>\n"
        "\n"
        "#include sip_custom.conf\n"
        "#include \"sub/more.conf\"\n"
        "#tryinclude missing.conf\n");
    put_file("asterisk/sip_custom.conf",
        "[200](office)\n"
        "secret = custom\n");
    snprintf(sub, sizeof sub, "%s/asterisk/sub", dir);
    mkdir(sub, 0700);
    put_file("asterisk/sub/more.conf",
        "[201]\n"
        "type=friend\n"
        "secret=more ;comment\n"
        "#include ../sip_nested.conf\n");   /* relative to sub/ */
    put_file("asterisk/sip_nested.conf", "[202]\ntype=peer\nsecret=nested\n");

    int rc = load("imp.conf",
        "[extensions]\n"
        "900 = local, call\n"
        "import = asterisk/sip.conf\n");
    CHECK_INT(rc, 0);
    CHECK_STR(err, "");
    const persona_extension *e;
    CHECK((e = ext("900")) && strcmp(e->secret, "local") == 0);
    CHECK((e = ext("100")) && strcmp(e->secret, "1234") == 0 && e->can_call);
    CHECK((e = ext("101")) && strcmp(e->secret, "template-secret") == 0);
    CHECK((e = ext("102")) && strcmp(e->secret, "Xq7#Lm2;pZ9") == 0);
    CHECK((e = ext("103")) && strcmp(e->secret, "own-last") == 0);
    CHECK((e = ext("trunk")) && e->secret[0] == '\0' &&
          strcmp(e->md5secret, "0123456789abcdef0123456789abcdef") == 0);
    CHECK((e = ext("olduser")) && strcmp(e->secret, "nospace") == 0);
    CHECK((e = ext("200")) && strcmp(e->secret, "custom") == 0);
    CHECK((e = ext("201")) && strcmp(e->secret, "more") == 0);
    CHECK((e = ext("202")) && strcmp(e->secret, "nested") == 0);
    CHECK(ext("general") == NULL && ext("office") == NULL && ext("strong") == NULL);
    CHECK(ext("notype") == NULL && ext("999") == NULL);
    CHECK_INT(cfg.persona.n_extensions, 10);

    /* Template order: with (office,strong) and no own secret, the later
     * template wins. An imported peer replaces an earlier INI line. */
    put_file("asterisk/order.conf",
        "[t1](!)\ntype=friend\nsecret=one\n[t2](!)\nsecret=two\n"
        "[300](t1,t2)\n[301](t2,t1)\n[900](t1)\n");
    CHECK_INT(load("imp.conf", "[extensions]\n900 = local\nimport = asterisk/order.conf\n"), 0);
    CHECK((e = ext("300")) && strcmp(e->secret, "two") == 0);
    CHECK((e = ext("301")) && strcmp(e->secret, "one") == 0);
    CHECK((e = ext("900")) && strcmp(e->secret, "one") == 0 && e->can_call);
    CHECK_INT(cfg.persona.n_extensions, 3);
}

static void test_pjsip_import(void)
{
    put_file("pjsip.conf",
        "[transport-udp]\n"
        "type = transport\n"
        "protocol = udp\n"
        "\n"
        "[endpoint-tmpl](!)\n"
        "type = endpoint\n"
        "context = from-internal\n"
        "disallow = all\n"
        "allow = ulaw\n"
        "\n"
        "[6001](endpoint-tmpl)\n"
        "auth = 6001\n"
        "aors = 6001\n"
        "[6001]\n"
        "type = auth\n"
        "auth_type = userpass\n"
        "username = 6001\n"
        "password = unsecurepassword\n"
        "[6001]\n"
        "type = aor\n"
        "max_contacts = 1\n"
        "\n"
        "[6002](endpoint-tmpl)\n"
        "auth = auth6002, other\n"
        "[auth6002]\n"
        "type = auth\n"
        "auth_type = md5\n"
        "username = 6002\n"
        "md5_cred = FEDCBA9876543210FEDCBA9876543210\n"
        "\n"
        "[sales](endpoint-tmpl)\n"
        "identify_by = auth_username\n"
        "auth = sales-auth\n"
        "[sales-auth]\n"
        "type = auth\n"
        "username = 7001\n"
        "password = s4les\n"
        "\n"
        "[lobby](endpoint-tmpl)\n");
    CHECK_INT(load("pj.conf", "[extensions]\nimport = pjsip.conf\n"), 0);
    CHECK_STR(err, "");
    const persona_extension *e;
    CHECK((e = ext("6001")) && strcmp(e->secret, "unsecurepassword") == 0 && e->can_call);
    CHECK((e = ext("6002")) && e->secret[0] == '\0' &&
          strcmp(e->md5secret, "fedcba9876543210fedcba9876543210") == 0);
    CHECK((e = ext("7001")) && strcmp(e->secret, "s4les") == 0);
    CHECK(ext("sales") == NULL);
    CHECK((e = ext("lobby")) && e->secret[0] == '\0' && e->md5secret[0] == '\0');
    CHECK(ext("transport-udp") == NULL && ext("auth6002") == NULL);
    CHECK_INT(cfg.persona.n_extensions, 4);

    put_file("pj_bad.conf", "[9]\ntype=endpoint\nauth=nowhere\n");
    CHECK_INT(load("pj.conf", "[extensions]\nimport = pj_bad.conf\n"), -1);
    char want[PATH_MAX + 128];
    snprintf(want, sizeof want, "%s/pj_bad.conf:3: endpoint 9: auth section 'nowhere' not found", dir);
    CHECK_STR(err, want);
    put_file("pj_bad.conf", "[9]\ntype=endpoint\nauth=a9\n[a9]\ntype=auth\nauth_type=md5\nmd5_cred=xyz\n");
    CHECK_INT(load("pj.conf", "[extensions]\nimport = pj_bad.conf\n"), -1);
    snprintf(want, sizeof want, "%s/pj_bad.conf:7: auth a9: md5_cred must be 32 hex digits", dir);
    CHECK_STR(err, want);
}

/* Errors inside an imported file name that file and line. */
static void check_import_error(const char *file_text, const char *expected, int line)
{
    put_file("ast.conf", file_text);
    int rc = load("i.conf", "[extensions]\nimport = ast.conf\n");
    char want[1024];
    expand(expected, want, sizeof want);
    if (rc != -1 || strcmp(err, want) != 0)
        fprintf(stderr, "  (from line %d) rc %d, err \"%s\"\n", line, rc, err);
    CHECK(rc == -1);
    CHECK_STR(err, want);
}
#define CHECK_IMPORT_ERROR(text, expected) check_import_error(text, expected, __LINE__)

static void test_import_errors(void)
{
    CHECK_IMPORT_ERROR("[a](nosuch)\n", "ast.conf:1: template 'nosuch' not found");
    CHECK_IMPORT_ERROR("secret = x\n", "ast.conf:1: 'secret' outside of a section");
    CHECK_IMPORT_ERROR("[a]\njunk\n", "ast.conf:2: expected 'name = value', '[section]' or '#include'");
    CHECK_IMPORT_ERROR("[a\n", "ast.conf:1: missing ']' in section header");
    CHECK_IMPORT_ERROR("[]\n", "ast.conf:1: empty section name");
    CHECK_IMPORT_ERROR("[a] x\n", "ast.conf:1: bad text after the section name: 'x'");
    CHECK_IMPORT_ERROR("[a](+)\n", "ast.conf:1: [a](+) but no section a before");
    CHECK_IMPORT_ERROR("[a]\n#exec /bin/cat /etc/passwd\n",
                       "ast.conf:2: #exec is not supported (sipsnare runs no programs)");
    CHECK_IMPORT_ERROR("#define x\n", "ast.conf:1: unknown directive '#define'");
    CHECK_IMPORT_ERROR("#include\n", "ast.conf:1: #include without a file name");
    CHECK_IMPORT_ERROR("#include nothere.conf\n",
                       "ast.conf:1: cannot open @/nothere.conf: No such file or directory");
    CHECK_IMPORT_ERROR("[a]\ntype=friend\nmd5secret=short\n",
                       "ast.conf:1: extension a: md5 secret must be 32 hex digits");
    CHECK_IMPORT_ERROR("[a b]\ntype=friend\nsecret=x\n",
                       "ast.conf:1: bad character in extension name: 'a b'");
    /* a long template chain */
    static char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text, "[t0](!)\n");
    for (int i = 1; i <= 17; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "[t%d](!,t%d)\n", i, i - 1);
    CHECK_IMPORT_ERROR(text, "ast.conf:18: templates nested deeper than 16");
    /* overlong line inside an imported file */
    char *big = malloc(2 * CONFIG_MAX_LINE);
    memset(big, 'x', 2 * CONFIG_MAX_LINE);
    memcpy(big, "[a]\nk=", 6);
    big[2 * CONFIG_MAX_LINE - 1] = '\0';
    CHECK_IMPORT_ERROR(big, "ast.conf:2: line too long (more than 4096 bytes)");
    free(big);

    /* the import line itself */
    CHECK_ERROR("[extensions]\nimport = nowhere.conf\n",
                "e.conf:2: cannot open @/nowhere.conf: No such file or directory");
}

static void test_include_cycles(void)
{
    char want[PATH_MAX + 128];
    /* a file that includes itself */
    put_file("self.conf", "[a]\n#include self.conf\n");
    CHECK_INT(load("c.conf", "[extensions]\nimport = self.conf\n"), -1);
    snprintf(want, sizeof want, "%s/self.conf:2: include cycle: %s/self.conf includes itself",
             dir, dir);
    CHECK_STR(err, want);
    /* a -> b -> a */
    put_file("cyc_a.conf", "#include cyc_b.conf\n");
    put_file("cyc_b.conf", "[x]\n\n#include \"cyc_a.conf\"\n");
    CHECK_INT(load("c.conf", "[extensions]\nimport = cyc_a.conf\n"), -1);
    snprintf(want, sizeof want, "%s/cyc_b.conf:3: include cycle: %s/cyc_a.conf includes itself",
             dir, dir);
    CHECK_STR(err, want);
    /* the same file twice, not nested, is no cycle */
    put_file("twice.conf", "#include leaf.conf\n#include leaf.conf\n");
    put_file("leaf.conf", "[l](+)\n");
    put_file("twice_top.conf", "[l]\ntype=friend\nsecret=x\n#include twice.conf\n");
    CHECK_INT(load("c.conf", "[extensions]\nimport = twice_top.conf\n"), 0);
    CHECK(ext("l") != NULL);

    /* depth: the imported file plus 8 nested includes is fine, 9 are not */
    char name[32], text[64];
    for (int i = 0; i <= 9; i++) {
        snprintf(name, sizeof name, "d%d.conf", i);
        if (i < 9)
            snprintf(text, sizeof text, "#include d%d.conf\n", i + 1);
        else
            snprintf(text, sizeof text, "[deep]\ntype=friend\nsecret=d\n");
        put_file(name, text);
    }
    CHECK_INT(load("c.conf", "[extensions]\nimport = d1.conf\n"), 0);
    CHECK(ext("deep") != NULL);
    CHECK_INT(load("c.conf", "[extensions]\nimport = d0.conf\n"), -1);
    snprintf(want, sizeof want, "%s/d8.conf:1: includes nested deeper than 8", dir);
    CHECK_STR(err, want);
}

/* Random and mutated files: any result, but no crash or leak (ASan). */
static void test_garbage(void)
{
    static const char seed[] =
        "[sensor]\nuser = x\nlisten = udp [::1]:5060\n[extensions]\n100 = \"a\\\"b\", call\n"
        "import = g_ast.conf\n[persona]\nrealm = r\n";
    static const char ast_seed[] =
        "[t](!)\ntype=friend\n[a](t)\nsecret=1\n;-- x\n--;\n[a](+)\nb=>c\n#include g_ast.conf\n";
    char buf[sizeof seed + 64], abuf[sizeof ast_seed + 64];
    uint64_t x = 88172645463325252ULL;
    for (int iter = 0; iter < 400; iter++) {
        memcpy(buf, seed, sizeof seed);
        memcpy(abuf, ast_seed, sizeof ast_seed);
        size_t n = sizeof seed - 1, an = sizeof ast_seed - 1;
        for (int k = 0; k < 4; k++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            buf[x % n] = (char)(x >> 40);
            abuf[(x >> 8) % an] = "[]()!+=;-\"\\#\n\r\0x"[(x >> 20) % 17];
        }
        put_file_n("g_ast.conf", abuf, an);
        put_file_n("g.conf", buf, n);
        sensor_config_free(&cfg);
        sensor_config_defaults(&cfg);
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/g.conf", dir);
        int rc = sensor_config_load(path, &cfg, err, sizeof err);
        CHECK(rc == 0 || (rc == -1 && strncmp(err, dir, strlen(dir)) == 0));
    }
}

/* The shipped example (tests run from the top of the tree). */
static void test_example_config(void)
{
    sensor_config_free(&cfg);
    sensor_config_defaults(&cfg);
    int rc = sensor_config_load("etc/sipsnare.conf", &cfg, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "  %s\n", err);
    CHECK_INT(rc, 0);
    CHECK_STR(cfg.log_path, "./sipsnare-events.jsonl");
    CHECK_INT(cfg.n_listen, 4);
    for (size_t i = 0; i < cfg.n_listen; i++)
        CHECK_INT(cfg.listen[i].port, 5060);
    CHECK_INT(cfg.persona.n_extensions, 4);
    const persona_extension *e;
    CHECK((e = ext("100")) && strcmp(e->secret, "1234") == 0 && e->can_call);
    CHECK((e = ext("101")) && strcmp(e->secret, "101") == 0 && !e->can_call);
    CHECK((e = ext("200")) && strlen(e->secret) == 20 && !e->can_call);
    CHECK((e = ext("300")) && strcmp(e->secret, "password") == 0);
}

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sipsnare-test-config-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        exit(2);
    }
    sensor_config_defaults(&cfg);
}

static void teardown(void)
{
    sensor_config_free(&cfg);
    for (size_t i = 0; i < n_made; i++) {
        unlink(made[i]);
        free(made[i]);
    }
    char sub[PATH_MAX];
    snprintf(sub, sizeof sub, "%s/asterisk/sub", dir);
    rmdir(sub);
    snprintf(sub, sizeof sub, "%s/asterisk", dir);
    rmdir(sub);
    rmdir(dir);
}

/* [store]: shipping the log to a central store (docs/HONEYNET.md). */
static void test_store_section(void)
{
    sensor_config_free(&cfg);
    sensor_config_defaults(&cfg);
    CHECK(!cfg.store.enabled);
    CHECK_STR(cfg.store.target, "");
    CHECK_STR(cfg.store.state_path, "");
    CHECK_INT(cfg.store.batch, 5000);
    CHECK_INT(cfg.store.retry_max_s, 30);

    CHECK_INT(load("s.conf", "[sensor]\nsensor_id = a\n"), 0);
    CHECK(!cfg.store.enabled);

    CHECK_INT(load("s.conf",
        "[store]\n"
        "target = postgresql://sensor@db.example/sipsnare?passfile=/etc/sipsnare/pgpass\n"
        "state = /var/lib/sipsnare/events.ship\n"
        "batch = 2000\n"
        "retry_max_s = 60\n"), 0);
    CHECK(cfg.store.enabled);
    CHECK_STR(cfg.store.target, "postgresql://sensor@db.example/sipsnare?passfile=/etc/sipsnare/pgpass");
    CHECK_STR(cfg.store.state_path, "/var/lib/sipsnare/events.ship");
    CHECK_INT(cfg.store.batch, 2000);
    CHECK_INT(cfg.store.retry_max_s, 60);

    /* only the target: the rest keep their defaults; an SQLite path works too */
    CHECK_INT(load("s.conf", "[STORE]\nTarget = \"central.db\" ; a file\n"), 0);
    CHECK(cfg.store.enabled);
    CHECK_STR(cfg.store.target, "central.db");
    CHECK_STR(cfg.store.state_path, "");
    CHECK_INT(cfg.store.batch, 5000);
    CHECK_INT(cfg.store.retry_max_s, 30);

    CHECK_ERROR("[sensor]\nuser = x\n\n[store]\nbatch = 10\n",
                "e.conf:4: [store] needs a target (target = postgresql://...)");
    CHECK_ERROR("[store]\ntarget =\n", "e.conf:2: target: empty value");
    CHECK_ERROR("[store]\ntarget = a.db\ntarget = b.db\n", "e.conf:3: target is set twice");
    CHECK_ERROR("[store]\ntarget = a.db\nbatch = 0\n", "e.conf:3: batch: 0 is out of range (1..100000)");
    CHECK_ERROR("[store]\ntarget = a.db\nbatch = 100001\n",
                "e.conf:3: batch: 100001 is out of range (1..100000)");
    CHECK_ERROR("[store]\ntarget = a.db\nretry_max_s = 0\n",
                "e.conf:3: retry_max_s: 0 is out of range (1..3600)");
    CHECK_ERROR("[store]\ntarget = a.db\nstate =\n", "e.conf:3: state: empty value");
    CHECK_ERROR("[store]\ntarget = a.db\nretry = 5\n", "e.conf:3: unknown key 'retry' in [store]");
    CHECK_ERROR("[store]\ntarget = \"a\x01b\"\n", "e.conf:2: target: control character in value");
    /* a failed load leaves the store settings as they were */
    CHECK_INT(load("s.conf", "[store]\ntarget = keep.db\n"), 0);
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", put_file("bad.conf", "[store]\ntarget = other.db\nbatch = x\n"));
    CHECK(sensor_config_load(path, &cfg, err, sizeof err) != 0);
    CHECK_STR(cfg.store.target, "keep.db");
    CHECK(cfg.store.enabled);
    sensor_config_free(&cfg);
}

static void test_setup(void) { setup(); }
static void test_teardown(void) { teardown(); }

CHECK_MAIN("test_config",
    {"(setup: temporary directory)", test_setup},
    {"defaults", test_defaults},
    {"every key", test_all_keys},
    {"listen specs", test_parse_listen},
    {"listen in the config", test_listen_in_config},
    {"extensions", test_extensions},
    {"errors name FILE:LINE", test_errors},
    {"line endings, BOM, comments, line length, NUL", test_lines},
    {"failed load changes nothing", test_all_or_nothing},
    {"sip.conf import: templates, #include", test_sip_conf_import},
    {"pjsip.conf import", test_pjsip_import},
    {"import errors", test_import_errors},
    {"include cycles and depth", test_include_cycles},
    {"garbage input", test_garbage},
    {"etc/sipsnare.conf", test_example_config},
    {"[store] section", test_store_section},
    {"(teardown)", test_teardown},
)
