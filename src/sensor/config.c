/*
 * config.c - the sensor's INI configuration and the Asterisk sip.conf /
 * pjsip.conf import (docs/CONFIG.md).
 *
 * Both readers take a line at a time into a fixed buffer (CONFIG_MAX_LINE),
 * so no input can make a line allocation grow; the Asterisk reader keeps
 * what it read in memory (bounded by CONFIG_MAX_IMPORT_BYTES) because
 * templates must be resolved before peers can be built. A load works on a
 * copy of the config and commits it only when the whole file was good.
 */
#include "sensor/config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Template chains deeper than this are refused (the lookup recurses). */
enum { AST_MAX_INHERIT_DEPTH = 16 };

/* ---- small helpers ------------------------------------------------------- */

static bool is_space(char c) { return c == ' ' || c == '\t'; }

static char *trim(char *s)
{
    while (is_space(*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && is_space(s[n - 1]))
        s[--n] = '\0';
    return s;
}

static bool is_hex_string(const char *s, size_t n)
{
    if (strlen(s) != n)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

/* Control characters would end up in SIP headers and logs. */
static bool has_control(const char *s)
{
    for (; *s; s++)
        if (((unsigned char)*s < 0x20 && *s != '\t') || *s == 0x7f)
            return true;
    return false;
}

/* Directory part of path ("." when none), into out. */
static void dir_of(const char *path, char *out, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(out, cap, ".");
    else if (slash == path)
        snprintf(out, cap, "/");
    else
        snprintf(out, cap, "%.*s", (int)(slash - path), path);
}

/* path relative to the directory of base (absolute paths stay). Returns
 * -1 if it does not fit PATH_MAX. */
static int resolve_path(const char *base, const char *path, char out[PATH_MAX])
{
    char dir[PATH_MAX];
    int n;
    if (path[0] == '/') {
        n = snprintf(out, PATH_MAX, "%s", path);
    } else {
        dir_of(base, dir, sizeof dir);
        n = snprintf(out, PATH_MAX, "%s/%s", dir, path);
    }
    return n < 0 || n >= PATH_MAX ? -1 : 0;
}

/* Reads one line without its end (LF or CRLF) into buf (cap bytes with
 * the NUL). Returns 1, 0 at end of file, -1 if the line is longer than
 * cap - 1, -2 for a NUL byte, -3 on a read error. The rest of a bad line
 * is not consumed: the caller stops at the first error. */
static int read_line(FILE *f, char *buf, size_t cap, size_t *len)
{
    size_t n = 0;
    int c;
    bool any = false;
    while ((c = getc(f)) != EOF) {
        any = true;
        if (c == '\n')
            break;
        if (c == '\r') {
            int d = getc(f);
            if (d == '\n')
                break;
            if (d != EOF)
                ungetc(d, f);
        }
        if (c == '\0')
            return -2;
        if (n + 1 >= cap)
            return -1;
        buf[n++] = (char)c;
    }
    if (ferror(f))
        return -3;
    if (!any)
        return 0;
    buf[n] = '\0';
    *len = n;
    return 1;
}

/* ---- errors -------------------------------------------------------------- */

typedef struct {
    struct sensor_config *cfg;     /* the copy being filled               */
    size_t ext_cap;
    unsigned *ext_line;            /* INI line of each extension, 0 if imported */
    char *err;
    size_t errlen;
    const char *path;              /* the INI file                         */
    unsigned line;
    bool listen_set;               /* the file's first listen= replaced the defaults */
    uint64_t seen;                 /* keys[] already set (duplicates)      */
    size_t import_bytes;
    unsigned store_line;           /* line of the first [store] header, 0 if none */
} loader;

/* Writes "FILE:LINE: message" (or "FILE: message" for line 0). */
static int fail_at(loader *ld, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail_at(loader *ld, const char *file, unsigned line, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (ld->errlen > 0) {
        if (line)
            snprintf(ld->err, ld->errlen, "%s:%u: %s", file, line, msg);
        else
            snprintf(ld->err, ld->errlen, "%s: %s", file, msg);
    }
    return -1;
}

static int read_error(loader *ld, const char *file, unsigned line, int rc)
{
    if (rc == -1)
        return fail_at(ld, file, line, "line too long (more than %d bytes)", CONFIG_MAX_LINE);
    if (rc == -2)
        return fail_at(ld, file, line, "NUL byte in line");
    return fail_at(ld, file, line, "read error: %s", strerror(errno));
}

/* ---- defaults ------------------------------------------------------------ */

static const struct listen_spec default_listen[] = {
    {.tcp = false, .ipv6 = false, .host = "0.0.0.0", .port = 5060},
    {.tcp = false, .ipv6 = true, .host = "::", .port = 5060},
    {.tcp = true, .ipv6 = false, .host = "0.0.0.0", .port = 5060},
    {.tcp = true, .ipv6 = true, .host = "::", .port = 5060},
};

void sensor_config_defaults(struct sensor_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0 || host[0] == '\0' || has_control(host))
        snprintf(host, sizeof host, "sipsnare");
    snprintf(cfg->sensor_id, sizeof cfg->sensor_id, "%.*s", (int)sizeof cfg->sensor_id - 1, host);
    snprintf(cfg->log_path, sizeof cfg->log_path, "sipsnare-events.jsonl");
    cfg->log_raw = false;
    cfg->sync_interval_ms = 1000;
    snprintf(cfg->user, sizeof cfg->user, "nobody");
    memcpy(cfg->home_country, "BR", 3);
    memcpy(cfg->listen, default_listen, sizeof default_listen);
    cfg->n_listen = sizeof default_listen / sizeof default_listen[0];
    persona_config_defaults(&cfg->persona);
    cfg->persona.extensions = NULL;
    cfg->persona.n_extensions = 0;
    cfg->limits.rate_pps = 50;
    cfg->limits.rate_bytes = 20000;
    cfg->limits.max_tcp_connections = 1024;
    cfg->limits.tcp_idle_s = 30;
    cfg->limits.max_message = 65535;
    cfg->limits.udp_buffer = CONFIG_UDP_BUFFER_DEFAULT;
    cfg->store.batch = 5000;
    cfg->store.retry_max_s = 30;
}

void sensor_config_free(struct sensor_config *cfg)
{
    free(cfg->persona.extensions);
    cfg->persona.extensions = NULL;
    cfg->persona.n_extensions = 0;
}

/* ---- listen specs -------------------------------------------------------- */

int sensor_parse_listen(const char *spec, struct listen_spec *out)
{
    struct listen_spec ls;
    memset(&ls, 0, sizeof ls);
    while (is_space(*spec))
        spec++;
    if (strncasecmp(spec, "udp", 3) == 0)
        ls.tcp = false;
    else if (strncasecmp(spec, "tcp", 3) == 0)
        ls.tcp = true;
    else
        return -1;
    spec += 3;
    if (!is_space(*spec))
        return -1;
    while (is_space(*spec))
        spec++;

    const char *host = spec, *host_end, *colon;
    if (*spec == '[') {
        host = spec + 1;
        host_end = strchr(host, ']');
        if (host_end == NULL || host_end[1] != ':')
            return -1;
        colon = host_end + 1;
        ls.ipv6 = true;
    } else {
        colon = strchr(spec, ':');
        if (colon == NULL || strchr(colon + 1, ':') != NULL)
            return -1; /* a bare IPv6 address needs brackets */
        host_end = colon;
    }
    size_t hlen = (size_t)(host_end - host);
    if (hlen == 0 || hlen >= sizeof ls.host)
        return -1;
    memcpy(ls.host, host, hlen);
    ls.host[hlen] = '\0';
    if (strcmp(ls.host, "*") == 0) {
        if (ls.ipv6)
            return -1;
        strcpy(ls.host, "0.0.0.0");
    }
    unsigned char addr[16];
    if (inet_pton(ls.ipv6 ? AF_INET6 : AF_INET, ls.host, addr) != 1)
        return -1;

    /* port: 1-5 digits, then only white space */
    const char *p = colon + 1;
    unsigned long port = 0;
    size_t digits = 0;
    for (; *p >= '0' && *p <= '9'; p++, digits++) {
        port = port * 10 + (unsigned long)(*p - '0');
        if (digits >= 5 || port > 65535)
            return -1;
    }
    while (is_space(*p))
        p++;
    if (digits == 0 || *p != '\0')
        return -1;
    ls.port = (uint16_t)port;
    *out = ls;
    return 0;
}

/* ---- values -------------------------------------------------------------- */

/* Cuts an inline comment: ';' or '#' at the start or after white space,
 * outside double quotes. */
static void strip_comment(char *s)
{
    bool quoted = false;
    for (char *p = s; *p; p++) {
        if (quoted && *p == '\\' && p[1] != '\0') {
            p++;
        } else if (*p == '"') {
            quoted = !quoted;
        } else if (!quoted && (*p == ';' || *p == '#') && (p == s || is_space(p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

/* Parses a "quoted string" at s (\" and \\ escape) into out. *end is set
 * after the closing quote. Returns 0, -1 unterminated, -2 too long. */
static int parse_quoted(const char *s, char *out, size_t cap, const char **end)
{
    size_t n = 0;
    for (s++; *s && *s != '"'; s++) {
        if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
            s++;
        if (n + 1 >= cap)
            return -2;
        out[n++] = *s;
    }
    if (*s != '"')
        return -1;
    out[n] = '\0';
    *end = s + 1;
    return 0;
}

/* A string value, bare or quoted, into out (cap bytes with the NUL). */
static int value_string(loader *ld, const char *key, const char *v, char *out, size_t cap)
{
    if (*v == '"') {
        const char *end;
        int rc = parse_quoted(v, out, cap, &end);
        if (rc == -1)
            return fail_at(ld, ld->path, ld->line, "%s: unterminated quoted string", key);
        if (rc == -2)
            return fail_at(ld, ld->path, ld->line, "%s: value too long (max %zu bytes)", key, cap - 1);
        while (is_space(*end))
            end++;
        if (*end)
            return fail_at(ld, ld->path, ld->line, "%s: text after the quoted value", key);
    } else {
        if (strlen(v) >= cap)
            return fail_at(ld, ld->path, ld->line, "%s: value too long (max %zu bytes)", key, cap - 1);
        strcpy(out, v);
    }
    if (has_control(out))
        return fail_at(ld, ld->path, ld->line, "%s: control character in value", key);
    return 0;
}

static int value_bool(loader *ld, const char *key, const char *v, bool *out)
{
    static const char *const yes[] = {"yes", "true", "on", "1"};
    static const char *const no[] = {"no", "false", "off", "0"};
    for (size_t i = 0; i < 4; i++) {
        if (strcasecmp(v, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcasecmp(v, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return fail_at(ld, ld->path, ld->line, "%s: expected yes or no, got '%s'", key, v);
}

static int value_uint(loader *ld, const char *key, const char *v, unsigned long min,
                      unsigned long max, unsigned long *out)
{
    unsigned long long n = 0; /* max is below 2^32: n stops growing past it */
    const char *p = v;
    for (; *p >= '0' && *p <= '9'; p++)
        if (n <= max)
            n = n * 10 + (unsigned long long)(*p - '0');
    if (p == v || *p != '\0')
        return fail_at(ld, ld->path, ld->line, "%s: expected a number, got '%s'", key, v);
    if (n < min || n > max)
        return fail_at(ld, ld->path, ld->line, "%s: %s is out of range (%lu..%lu)", key, v, min, max);
    *out = (unsigned long)n;
    return 0;
}

/* ---- INI keys ------------------------------------------------------------ */

enum section { SEC_NONE, SEC_SENSOR, SEC_PERSONA, SEC_EXTENSIONS, SEC_LIMITS, SEC_STORE };

static const char *const section_names[] = {
    [SEC_SENSOR] = "sensor", [SEC_PERSONA] = "persona",
    [SEC_EXTENSIONS] = "extensions", [SEC_LIMITS] = "limits", [SEC_STORE] = "store",
};

enum key_type { K_STR, K_BOOL, K_UINT, K_U32, K_SIZE, K_LISTEN, K_COUNTRY, K_KIND, K_REALM, K_POW2 };

#define CFG(member) offsetof(struct sensor_config, member), sizeof(((struct sensor_config *)0)->member)

static const struct key_def {
    enum section sec;
    const char *name;
    enum key_type type;
    size_t off, size;
    unsigned long min, max;
} keys[] = {
    {SEC_SENSOR, "sensor_id", K_STR, CFG(sensor_id), 1, 0},
    {SEC_SENSOR, "log_path", K_STR, CFG(log_path), 1, 0},
    {SEC_SENSOR, "log_raw", K_BOOL, CFG(log_raw), 0, 0},
    {SEC_SENSOR, "sync_interval_ms", K_UINT, CFG(sync_interval_ms), 0, 3600000},
    {SEC_SENSOR, "user", K_STR, CFG(user), 1, 0},
    {SEC_SENSOR, "home_country", K_COUNTRY, CFG(home_country), 0, 0},
    {SEC_SENSOR, "listen", K_LISTEN, 0, 0, 0, 0},
    {SEC_PERSONA, "kind", K_KIND, CFG(persona.kind), 0, 0},
    {SEC_PERSONA, "version", K_STR, CFG(persona.version), 1, 0},
    {SEC_PERSONA, "user_agent", K_STR, CFG(persona.user_agent), 0, 0},
    {SEC_PERSONA, "realm", K_REALM, CFG(persona.realm), 1, 0},
    {SEC_PERSONA, "alwaysauthreject", K_BOOL, CFG(persona.alwaysauthreject), 0, 0},
    {SEC_PERSONA, "allowguest", K_BOOL, CFG(persona.allowguest), 0, 0},
    {SEC_PERSONA, "invite_final_code", K_UINT, CFG(persona.invite_final_code), 300, 699},
    {SEC_PERSONA, "invite_hangup_cause", K_UINT, CFG(persona.invite_hangup_cause), 1, 127},
    {SEC_PERSONA, "ring_ms", K_U32, CFG(persona.ring_ms), 0, 600000},
    {SEC_PERSONA, "final_ms", K_U32, CFG(persona.final_ms), 0, 600000},
    {SEC_PERSONA, "nonce_lifetime", K_U32, CFG(persona.nonce_lifetime_s), 1, 86400},
    {SEC_PERSONA, "dialogs", K_POW2, CFG(persona.dialogs), 16, 1u << 24},
    {SEC_LIMITS, "rate_pps", K_UINT, CFG(limits.rate_pps), 0, 1000000},
    {SEC_LIMITS, "rate_bytes", K_UINT, CFG(limits.rate_bytes), 0, 1000000000},
    {SEC_LIMITS, "max_tcp_connections", K_UINT, CFG(limits.max_tcp_connections), 1, 1000000},
    {SEC_LIMITS, "tcp_idle_s", K_UINT, CFG(limits.tcp_idle_s), 1, 86400},
    {SEC_LIMITS, "max_message", K_SIZE, CFG(limits.max_message), 1024, SIP_MAX_MESSAGE},
    {SEC_LIMITS, "udp_buffer", K_UINT, CFG(limits.udp_buffer), 0, 1u << 30},
    {SEC_STORE, "target", K_STR, CFG(store.target), 1, 0},
    {SEC_STORE, "state", K_STR, CFG(store.state_path), 1, 0},
    {SEC_STORE, "batch", K_UINT, CFG(store.batch), 1, 100000},
    {SEC_STORE, "retry_max_s", K_UINT, CFG(store.retry_max_s), 1, 3600},
};

static int set_key(loader *ld, const struct key_def *k, const char *v)
{
    char *field = (char *)ld->cfg + k->off;
    unsigned long n = 0;
    bool b = false;
    switch (k->type) {
    case K_STR:
    case K_REALM: {
        char tmp[PATH_MAX];
        if (value_string(ld, k->name, v, tmp, k->size) != 0)
            return -1;
        if (strlen(tmp) < k->min)
            return fail_at(ld, ld->path, ld->line, "%s: empty value", k->name);
        /* the realm is sent inside a quoted-string (WWW-Authenticate) */
        if (k->type == K_REALM && strpbrk(tmp, "\"\\") != NULL)
            return fail_at(ld, ld->path, ld->line, "%s: '\"' and '\\' are not allowed", k->name);
        memcpy(field, tmp, strlen(tmp) + 1);
        return 0;
    }
    case K_BOOL:
        if (value_bool(ld, k->name, v, &b) != 0)
            return -1;
        *(bool *)field = b;
        return 0;
    case K_UINT:
    case K_U32:
    case K_SIZE:
    case K_POW2:
        if (value_uint(ld, k->name, v, k->min, k->max, &n) != 0)
            return -1;
        if (k->type == K_POW2 && (n & (n - 1)) != 0)
            return fail_at(ld, ld->path, ld->line, "%s: %lu is not a power of two", k->name, n);
        if (k->type == K_SIZE)
            *(size_t *)field = n;
        else if (k->type == K_U32)
            *(uint32_t *)field = (uint32_t)n;
        else
            *(unsigned *)field = (unsigned)n;
        return 0;
    case K_COUNTRY:
        if (strlen(v) != 2 || !((v[0] | 0x20) >= 'a' && (v[0] | 0x20) <= 'z') ||
            !((v[1] | 0x20) >= 'a' && (v[1] | 0x20) <= 'z'))
            return fail_at(ld, ld->path, ld->line,
                           "home_country: expected a two-letter country code, got '%s'", v);
        field[0] = (char)(v[0] & ~0x20);
        field[1] = (char)(v[1] & ~0x20);
        field[2] = '\0';
        return 0;
    case K_KIND:
        if (strcasecmp(v, "chan_sip") == 0)
            ld->cfg->persona.kind = PERSONA_CHAN_SIP;
        else if (strcasecmp(v, "pjsip") == 0)
            ld->cfg->persona.kind = PERSONA_PJSIP;
        else
            return fail_at(ld, ld->path, ld->line, "kind: expected chan_sip or pjsip, got '%s'", v);
        return 0;
    case K_LISTEN: {
        struct sensor_config *cfg = ld->cfg;
        struct listen_spec ls;
        if (sensor_parse_listen(v, &ls) != 0)
            return fail_at(ld, ld->path, ld->line,
                           "listen: bad spec '%s' (want e.g. udp 0.0.0.0:5060 or tcp [::]:5060)", v);
        if (!ld->listen_set) {
            cfg->n_listen = 0; /* the file's list replaces the defaults */
            ld->listen_set = true;
        }
        for (size_t i = 0; i < cfg->n_listen; i++)
            if (cfg->listen[i].tcp == ls.tcp && cfg->listen[i].port == ls.port &&
                strcmp(cfg->listen[i].host, ls.host) == 0)
                return fail_at(ld, ld->path, ld->line, "listen: '%s' is listed twice", v);
        if (cfg->n_listen >= CONFIG_MAX_LISTEN)
            return fail_at(ld, ld->path, ld->line, "listen: more than %d entries", CONFIG_MAX_LISTEN);
        cfg->listen[cfg->n_listen++] = ls;
        return 0;
    }
    }
    return -1;
}

/* ---- extensions ---------------------------------------------------------- */

/* A name usable as SIP user and as an INI key. */
static const char *bad_name(const char *name)
{
    if (name[0] == '\0')
        return "empty extension name";
    if (strlen(name) >= PERSONA_NAME_MAX)
        return "extension name too long (max 63 bytes)";
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p <= 0x20 || *p == 0x7f || strchr("\"[],=<>:@;\\", *p))
            return "bad character in extension name";
    return NULL;
}

/* Adds or replaces an extension. line > 0: an [extensions] line of the
 * INI file, where a name may appear once; imported ones (line 0) replace an
 * earlier definition, as a later section does in Asterisk. */
static int add_extension(loader *ld, const char *file, unsigned line, unsigned ini_line,
                         const char *name, const char *secret, const char *md5, bool can_call)
{
    struct sensor_config *cfg = ld->cfg;
    const char *why = bad_name(name);
    if (why)
        return fail_at(ld, file, line, "%s: '%s'", why, name);
    if (strlen(secret) >= PERSONA_SECRET_MAX)
        return fail_at(ld, file, line, "extension %s: secret too long (max %d bytes)", name,
                       PERSONA_SECRET_MAX - 1);
    if (has_control(secret))
        return fail_at(ld, file, line, "extension %s: control character in secret", name);
    if (md5[0] && !is_hex_string(md5, 32))
        return fail_at(ld, file, line, "extension %s: md5 secret must be 32 hex digits", name);

    size_t i;
    for (i = 0; i < cfg->persona.n_extensions; i++)
        if (strcmp(cfg->persona.extensions[i].name, name) == 0)
            break;
    if (i < cfg->persona.n_extensions) {
        if (ini_line && ld->ext_line[i])
            return fail_at(ld, file, line, "extension %s is already defined at line %u", name,
                           ld->ext_line[i]);
    } else {
        if (i >= PERSONA_MAX_EXTENSIONS)
            return fail_at(ld, file, line, "more than %d extensions", PERSONA_MAX_EXTENSIONS);
        if (i == ld->ext_cap) {
            size_t cap = ld->ext_cap ? ld->ext_cap * 2 : 16;
            persona_extension *e = realloc(cfg->persona.extensions, cap * sizeof *e);
            if (e == NULL)
                return fail_at(ld, file, line, "out of memory");
            cfg->persona.extensions = e;
            unsigned *l = realloc(ld->ext_line, cap * sizeof *l);
            if (l == NULL)
                return fail_at(ld, file, line, "out of memory");
            ld->ext_line = l;
            ld->ext_cap = cap;
        }
        cfg->persona.n_extensions++;
    }
    persona_extension *e = &cfg->persona.extensions[i];
    memset(e, 0, sizeof *e);
    strcpy(e->name, name);
    strcpy(e->secret, secret);
    for (size_t k = 0; md5[k]; k++)
        e->md5secret[k] = (char)(md5[k] >= 'A' && md5[k] <= 'F' ? md5[k] + 32 : md5[k]);
    e->can_call = can_call;
    ld->ext_line[i] = ini_line;
    return 0;
}

/* "NAME = secret[, call]", "NAME = \"quoted, secret\", call",
 * "NAME = md5:<32 hex>[, call]". */
static int ini_extension(loader *ld, const char *name, const char *v)
{
    char secret[PERSONA_SECRET_MAX + 1];
    char md5[64] = "";
    const char *rest;
    if (*v == '"') {
        int rc = parse_quoted(v, secret, sizeof secret, &rest);
        if (rc == -1)
            return fail_at(ld, ld->path, ld->line, "extension %s: unterminated quoted string", name);
        if (rc == -2)
            return fail_at(ld, ld->path, ld->line, "extension %s: secret too long (max %d bytes)",
                           name, PERSONA_SECRET_MAX - 1);
    } else {
        const char *comma = strchr(v, ',');
        size_t n = comma ? (size_t)(comma - v) : strlen(v);
        while (n > 0 && is_space(v[n - 1]))
            n--;
        if (n == 0)
            return fail_at(ld, ld->path, ld->line,
                           "extension %s: no secret (write \"\" for an empty one)", name);
        if (n >= sizeof secret)
            return fail_at(ld, ld->path, ld->line, "extension %s: secret too long (max %d bytes)",
                           name, PERSONA_SECRET_MAX - 1);
        memcpy(secret, v, n);
        secret[n] = '\0';
        rest = comma ? comma : v + strlen(v);
        if (strncmp(secret, "md5:", 4) == 0) {
            if (!is_hex_string(secret + 4, 32))
                return fail_at(ld, ld->path, ld->line,
                               "extension %s: md5 secret must be 32 hex digits", name);
            strcpy(md5, secret + 4);
            secret[0] = '\0';
        }
    }

    bool can_call = false;
    while (is_space(*rest))
        rest++;
    if (*rest != '\0' && *rest != ',')
        return fail_at(ld, ld->path, ld->line, "extension %s: expected ',' after the secret", name);
    while (*rest == ',') {
        const char *f = rest + 1, *end = strchr(f, ',');
        size_t n = end ? (size_t)(end - f) : strlen(f);
        rest = f + n;
        while (n > 0 && is_space(*f))
            f++, n--;
        while (n > 0 && is_space(f[n - 1]))
            n--;
        if (n == 4 && strncasecmp(f, "call", 4) == 0)
            can_call = true;
        else
            return fail_at(ld, ld->path, ld->line, "extension %s: unknown flag '%.*s' (known: call)",
                           name, (int)n, f);
    }
    return add_extension(ld, ld->path, ld->line, ld->line, name, secret, md5, can_call);
}

/* ---- Asterisk import ----------------------------------------------------- */

typedef struct {
    char *key, *val;
    const char *file;
    unsigned line;
} ast_var;

typedef struct {
    char *name;
    const char *file;
    unsigned line;
    bool is_template;
    unsigned depth;               /* length of the longest template chain */
    size_t inherits[8];           /* indices of earlier categories       */
    size_t n_inherits;
    ast_var *vars;
    size_t n_vars, cap_vars;
} ast_cat;

typedef struct {
    loader *ld;
    ast_cat *cats;
    size_t n_cats, cap_cats;
    size_t cur;                   /* where variables go ((+) reopens one) */
    char **files;                 /* every file read (names for messages) */
    size_t n_files;
    char *stack[CONFIG_MAX_INCLUDE_DEPTH + 1]; /* real paths being read  */
    int depth;
} ast_import;

static void ast_free(ast_import *ai)
{
    for (size_t i = 0; i < ai->n_cats; i++) {
        for (size_t j = 0; j < ai->cats[i].n_vars; j++) {
            free(ai->cats[i].vars[j].key);
            free(ai->cats[i].vars[j].val);
        }
        free(ai->cats[i].vars);
        free(ai->cats[i].name);
    }
    free(ai->cats);
    for (size_t i = 0; i < ai->n_files; i++)
        free(ai->files[i]);
    free(ai->files);
}

/* The latest category called name before the current end, or -1. */
static long ast_find(const ast_import *ai, const char *name)
{
    for (size_t i = ai->n_cats; i-- > 0;)
        if (strcmp(ai->cats[i].name, name) == 0)
            return (long)i;
    return -1;
}

/* A category header "[name]" or "[name](!,tmpl,...)" / "[name](+)". */
static int ast_category(ast_import *ai, char *s, const char *file, unsigned line)
{
    loader *ld = ai->ld;
    char *close = strchr(s, ']');
    if (close == NULL)
        return fail_at(ld, file, line, "missing ']' in section header");
    *close = '\0';
    char *name = trim(s + 1), *opts = trim(close + 1);
    if (*name == '\0')
        return fail_at(ld, file, line, "empty section name");
    ast_cat c;
    memset(&c, 0, sizeof c);
    c.file = file;
    c.line = line;
    if (*opts) {
        size_t n = strlen(opts);
        if (opts[0] != '(' || opts[n - 1] != ')')
            return fail_at(ld, file, line, "bad text after the section name: '%s'", opts);
        opts[n - 1] = '\0';
        for (char *tok = opts + 1, *next; tok; tok = next) {
            next = strchr(tok, ',');
            if (next)
                *next++ = '\0';
            tok = trim(tok);
            if (strcmp(tok, "!") == 0) {
                c.is_template = true;
            } else if (strcmp(tok, "+") == 0) {
                /* Appends to the existing section: the variables that
                 * follow go there. */
                long e = ast_find(ai, name);
                if (e < 0)
                    return fail_at(ld, file, line, "[%s](+) but no section %s before", name, name);
                if (c.is_template || c.n_inherits || next)
                    return fail_at(ld, file, line, "(+) cannot be combined with other options");
                ai->cur = (size_t)e;
                return 0;
            } else if (*tok == '\0') {
                return fail_at(ld, file, line, "empty option in section header");
            } else {
                long t = ast_find(ai, tok);
                if (t < 0)
                    return fail_at(ld, file, line, "template '%s' not found", tok);
                if (c.n_inherits == sizeof c.inherits / sizeof c.inherits[0])
                    return fail_at(ld, file, line, "too many templates");
                if (ai->cats[t].depth + 1 > c.depth)
                    c.depth = ai->cats[t].depth + 1;
                c.inherits[c.n_inherits++] = (size_t)t;
            }
        }
        if (c.depth > AST_MAX_INHERIT_DEPTH)
            return fail_at(ld, file, line, "templates nested deeper than %d", AST_MAX_INHERIT_DEPTH);
    }
    if (ai->n_cats == ai->cap_cats) {
        size_t cap = ai->cap_cats ? ai->cap_cats * 2 : 32;
        ast_cat *cats = realloc(ai->cats, cap * sizeof *cats);
        if (cats == NULL)
            return fail_at(ld, file, line, "out of memory");
        ai->cats = cats;
        ai->cap_cats = cap;
    }
    c.name = strdup(name);
    if (c.name == NULL)
        return fail_at(ld, file, line, "out of memory");
    ai->cur = ai->n_cats;
    ai->cats[ai->n_cats++] = c;
    return 0;
}

static int ast_variable(ast_import *ai, char *s, const char *file, unsigned line)
{
    loader *ld = ai->ld;
    char *eq = strchr(s, '=');
    if (eq == NULL)
        return fail_at(ld, file, line, "expected 'name = value', '[section]' or '#include'");
    *eq = '\0';
    char *key = trim(s), *val = eq + 1;
    if (*val == '>') /* "name => value" */
        val++;
    val = trim(val);
    if (*key == '\0')
        return fail_at(ld, file, line, "empty name before '='");
    if (ai->n_cats == 0)
        return fail_at(ld, file, line, "'%s' outside of a section", key);
    ast_cat *c = &ai->cats[ai->cur];
    if (c->n_vars == c->cap_vars) {
        size_t cap = c->cap_vars ? c->cap_vars * 2 : 8;
        ast_var *v = realloc(c->vars, cap * sizeof *v);
        if (v == NULL)
            return fail_at(ld, file, line, "out of memory");
        c->vars = v;
        c->cap_vars = cap;
    }
    ast_var v = {.key = strdup(key), .val = strdup(val), .file = file, .line = line};
    if (v.key == NULL || v.val == NULL) {
        free(v.key);
        free(v.val);
        return fail_at(ld, file, line, "out of memory");
    }
    c->vars[c->n_vars++] = v;
    return 0;
}

/* Removes comments from an Asterisk line in place: ';' to the end, "\;"
 * for a literal ';', ";-- ... --;" block comments (across lines:
 * *in_block carries the state). */
static void ast_strip_comments(char *s, bool *in_block)
{
    char *out = s;
    for (char *p = s; *p;) {
        if (*in_block) {
            char *end = strstr(p, "--;");
            if (end == NULL)
                break;
            p = end + 3;
            *in_block = false;
        } else if (p[0] == '\\' && p[1] == ';') {
            *out++ = ';';
            p += 2;
        } else if (p[0] == ';' && p[1] == '-' && p[2] == '-') {
            *in_block = true;
            p += 3;
        } else if (p[0] == ';') {
            break;
        } else {
            *out++ = *p++;
        }
    }
    *out = '\0';
}

static int ast_read_file(ast_import *ai, const char *path, const char *from_file,
                         unsigned from_line);

/* "#include file", "#include \"file\"", "#tryinclude <file>". */
static int ast_directive(ast_import *ai, char *s, const char *file, unsigned line)
{
    loader *ld = ai->ld;
    char *arg = s + 1;
    while (*arg && !is_space(*arg))
        arg++;
    size_t wlen = (size_t)(arg - s);
    arg = trim(arg);
    bool try = false;
    if (wlen == 8 && strncmp(s, "#include", 8) == 0)
        try = false;
    else if (wlen == 11 && strncmp(s, "#tryinclude", 11) == 0)
        try = true;
    else if ((wlen == 5 && strncmp(s, "#exec", 5) == 0) || (wlen == 8 && strncmp(s, "#tryexec", 8) == 0))
        return fail_at(ld, file, line, "#exec is not supported (sipsnare runs no programs)");
    else
        return fail_at(ld, file, line, "unknown directive '%.*s'", (int)wlen, s);
    size_t n = strlen(arg);
    if (n >= 2 && ((arg[0] == '"' && arg[n - 1] == '"') || (arg[0] == '<' && arg[n - 1] == '>'))) {
        arg[n - 1] = '\0';
        arg++;
    }
    if (*arg == '\0')
        return fail_at(ld, file, line, "#include without a file name");
    char full[PATH_MAX];
    if (resolve_path(file, arg, full) != 0)
        return fail_at(ld, file, line, "include path too long");
    if (try && access(full, F_OK) != 0)
        return 0;
    return ast_read_file(ai, full, file, line);
}

/* Reads one Asterisk file (and its includes) into ai. from_file/from_line
 * name the #include that asked for it (NULL for the import itself). */
static int ast_read_file(ast_import *ai, const char *path, const char *from_file,
                         unsigned from_line)
{
    loader *ld = ai->ld;
    const char *ef = from_file ? from_file : ld->path;
    unsigned el = from_file ? from_line : ld->line;
    if (ai->depth > CONFIG_MAX_INCLUDE_DEPTH)
        return fail_at(ld, ef, el, "includes nested deeper than %d", CONFIG_MAX_INCLUDE_DEPTH);
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return fail_at(ld, ef, el, "cannot open %s: %s", path, strerror(errno));
    char *real = realpath(path, NULL);
    if (real == NULL) {
        fclose(f);
        return fail_at(ld, ef, el, "cannot resolve %s: %s", path, strerror(errno));
    }
    for (int i = 0; i < ai->depth; i++) {
        if (strcmp(ai->stack[i], real) == 0) {
            free(real);
            fclose(f);
            return fail_at(ld, ef, el, "include cycle: %s includes itself", path);
        }
    }
    char **files = realloc(ai->files, (ai->n_files + 1) * sizeof *files);
    char *name = strdup(path);
    if (files == NULL || name == NULL) {
        if (files)
            ai->files = files;
        free(name);
        free(real);
        fclose(f);
        return fail_at(ld, ef, el, "out of memory");
    }
    ai->files = files;
    ai->files[ai->n_files++] = name;
    ai->stack[ai->depth++] = real;

    char buf[CONFIG_MAX_LINE + 1];
    size_t len;
    unsigned line = 0;
    bool in_block = false;
    int rc, ret = 0;
    while ((rc = read_line(f, buf, sizeof buf, &len)) == 1) {
        line++;
        ld->import_bytes += len + 1;
        if (ld->import_bytes > CONFIG_MAX_IMPORT_BYTES) {
            ret = fail_at(ld, name, line, "import larger than %d bytes", CONFIG_MAX_IMPORT_BYTES);
            break;
        }
        char *s = buf;
        if (line == 1 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
            s += 3; /* UTF-8 byte order mark */
        ast_strip_comments(s, &in_block);
        s = trim(s);
        if (*s == '#')
            ret = ast_directive(ai, s, name, line);
        else if (*s == '[')
            ret = ast_category(ai, s, name, line);
        else if (*s)
            ret = ast_variable(ai, s, name, line);
        if (ret != 0)
            break;
    }
    if (ret == 0 && rc != 0)
        ret = read_error(ld, name, line + 1, rc);
    fclose(f);
    free(ai->stack[--ai->depth]);
    return ret;
}

/* A variable of category ci: its own last setting, else the templates',
 * the last template first (Asterisk copies them in order, later ones win). */
static const ast_var *ast_get(const ast_import *ai, size_t ci, const char *key)
{
    const ast_cat *c = &ai->cats[ci];
    for (size_t i = c->n_vars; i-- > 0;)
        if (strcasecmp(c->vars[i].key, key) == 0)
            return &c->vars[i];
    for (size_t t = c->n_inherits; t-- > 0;) {
        const ast_var *v = ast_get(ai, c->inherits[t], key);
        if (v)
            return v;
    }
    return NULL;
}

static const char *ast_val(const ast_import *ai, size_t ci, const char *key)
{
    const ast_var *v = ast_get(ai, ci, key);
    return v ? v->val : NULL;
}

/* Is word one of the comma-separated items of list? */
static bool list_has(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        while (*p == ',' || is_space(*p))
            p++;
        size_t n = strcspn(p, ", \t");
        if (n == wl && strncasecmp(p, word, n) == 0)
            return true;
        p += n;
    }
    return false;
}

/* A pjsip endpoint: its auth= section gives the credentials. */
static int ast_endpoint(ast_import *ai, size_t ci)
{
    loader *ld = ai->ld;
    const ast_cat *c = &ai->cats[ci];
    const char *name = c->name, *secret = "", *md5 = "";
    const ast_var *auth = ast_get(ai, ci, "auth");
    if (auth && auth->val[0]) {
        char first[256];
        size_t n = strcspn(auth->val, ",");
        snprintf(first, sizeof first, "%.*s", (int)n, auth->val);
        char *an = trim(first);
        long ai_idx = -1;
        for (size_t i = 0; i < ai->n_cats; i++) {
            if (ai->cats[i].is_template || strcmp(ai->cats[i].name, an) != 0)
                continue;
            const char *t = ast_val(ai, i, "type");
            if (t && strcasecmp(t, "auth") == 0)
                ai_idx = (long)i;
        }
        if (ai_idx < 0)
            return fail_at(ld, auth->file, auth->line, "endpoint %s: auth section '%s' not found",
                           name, an);
        const char *user = ast_val(ai, (size_t)ai_idx, "username");
        const char *type = ast_val(ai, (size_t)ai_idx, "auth_type");
        if (type && strcasecmp(type, "md5") == 0) {
            const ast_var *m = ast_get(ai, (size_t)ai_idx, "md5_cred");
            md5 = m ? m->val : "";
            if (!is_hex_string(md5, 32))
                return fail_at(ld, m ? m->file : ai->cats[ai_idx].file,
                               m ? m->line : ai->cats[ai_idx].line,
                               "auth %s: md5_cred must be 32 hex digits", an);
        } else if (type == NULL || strcasecmp(type, "userpass") == 0) {
            const char *pw = ast_val(ai, (size_t)ai_idx, "password");
            secret = pw ? pw : "";
        } else {
            return fail_at(ld, ai->cats[ai_idx].file, ai->cats[ai_idx].line,
                           "auth %s: auth_type %s is not supported", an, type);
        }
        /* identify_by=auth_username: the endpoint is found by the digest
         * username, which is then the name an attacker must guess. */
        const char *ident = ast_val(ai, ci, "identify_by");
        if (ident && list_has(ident, "auth_username") && !list_has(ident, "username") &&
            user && user[0])
            name = user;
    }
    return add_extension(ld, c->file, c->line, 0, name, secret, md5, true);
}

/* Turns the read categories into extensions. */
static int ast_extract(ast_import *ai)
{
    for (size_t i = 0; i < ai->n_cats; i++) {
        const ast_cat *c = &ai->cats[i];
        if (c->is_template)
            continue;
        const char *type = ast_val(ai, i, "type");
        if (type == NULL)
            continue;
        int rc = 0;
        if (strcasecmp(type, "friend") == 0 || strcasecmp(type, "peer") == 0 ||
            strcasecmp(type, "user") == 0) {
            const char *secret = ast_val(ai, i, "secret");
            const char *md5 = ast_val(ai, i, "md5secret");
            rc = add_extension(ai->ld, c->file, c->line, 0, c->name, secret ? secret : "",
                               md5 ? md5 : "", true);
        } else if (strcasecmp(type, "endpoint") == 0) {
            rc = ast_endpoint(ai, i);
        }
        if (rc != 0)
            return rc;
    }
    return 0;
}

static int import_asterisk(loader *ld, const char *value)
{
    char path[PATH_MAX], full[PATH_MAX];
    if (value_string(ld, "import", value, path, sizeof path) != 0)
        return -1;
    if (path[0] == '\0')
        return fail_at(ld, ld->path, ld->line, "import: empty path");
    if (resolve_path(ld->path, path, full) != 0)
        return fail_at(ld, ld->path, ld->line, "import: path too long");
    ast_import ai;
    memset(&ai, 0, sizeof ai);
    ai.ld = ld;
    ld->import_bytes = 0;
    int rc = ast_read_file(&ai, full, NULL, 0);
    if (rc == 0)
        rc = ast_extract(&ai);
    ast_free(&ai);
    return rc;
}

/* ---- the INI file -------------------------------------------------------- */

static int ini_section(loader *ld, char *s, enum section *sec)
{
    char *close = strchr(s, ']');
    if (close == NULL)
        return fail_at(ld, ld->path, ld->line, "missing ']' in section header");
    *close = '\0';
    if (*trim(close + 1) != '\0')
        return fail_at(ld, ld->path, ld->line, "text after the section header");
    char *name = trim(s + 1);
    for (size_t i = 1; i < sizeof section_names / sizeof section_names[0]; i++) {
        if (strcasecmp(name, section_names[i]) == 0) {
            *sec = (enum section)i;
            if (*sec == SEC_STORE && ld->store_line == 0)
                ld->store_line = ld->line;
            return 0;
        }
    }
    return fail_at(ld, ld->path, ld->line,
                   "unknown section [%s] (known: sensor, persona, extensions, limits, store)", name);
}

static int ini_entry(loader *ld, enum section sec, char *s)
{
    char *eq = strchr(s, '=');
    if (eq == NULL)
        return fail_at(ld, ld->path, ld->line, "expected 'key = value' or '[section]'");
    *eq = '\0';
    char *key = trim(s), *val = trim(eq + 1);
    if (*key == '\0')
        return fail_at(ld, ld->path, ld->line, "empty key before '='");
    if (sec == SEC_NONE)
        return fail_at(ld, ld->path, ld->line, "'%s' before any [section]", key);
    if (sec == SEC_EXTENSIONS) {
        if (strcasecmp(key, "import") == 0)
            return import_asterisk(ld, val);
        return ini_extension(ld, key, val);
    }
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const struct key_def *k = &keys[i];
        if (k->sec != sec || strcasecmp(key, k->name) != 0)
            continue;
        if (k->type != K_LISTEN && (ld->seen & (1ull << i)))
            return fail_at(ld, ld->path, ld->line, "%s is set twice", k->name);
        ld->seen |= 1ull << i;
        if (*val == '\0' && k->type != K_STR)
            return fail_at(ld, ld->path, ld->line, "%s: empty value", k->name);
        return set_key(ld, k, val);
    }
    return fail_at(ld, ld->path, ld->line, "unknown key '%s' in [%s]", key, section_names[sec]);
}

int sensor_config_load(const char *path, struct sensor_config *cfg, char *err, size_t errlen)
{
    /* Work on a copy (big: PATH_MAX and the listen table, so on the heap). */
    struct sensor_config *tmp = malloc(sizeof *tmp);
    loader ld = {.err = err, .errlen = errlen, .path = path};
    if (errlen)
        err[0] = '\0';
    if (tmp == NULL)
        return fail_at(&ld, path, 0, "out of memory");
    *tmp = *cfg;
    tmp->persona.extensions = NULL;
    tmp->persona.n_extensions = 0;
    ld.cfg = tmp;

    FILE *f = fopen(path, "r");
    if (f == NULL) {
        free(tmp);
        return fail_at(&ld, path, 0, "cannot open: %s", strerror(errno));
    }
    char buf[CONFIG_MAX_LINE + 1];
    size_t len;
    enum section sec = SEC_NONE;
    int rc, ret = 0;
    while ((rc = read_line(f, buf, sizeof buf, &len)) == 1) {
        ld.line++;
        char *s = buf;
        if (ld.line == 1 && memcmp(s, "\xef\xbb\xbf", 3) == 0)
            s += 3;
        strip_comment(s);
        s = trim(s);
        if (*s == '\0')
            continue;
        ret = *s == '[' ? ini_section(&ld, s, &sec) : ini_entry(&ld, sec, s);
        if (ret != 0)
            break;
    }
    if (ret == 0 && rc != 0)
        ret = read_error(&ld, path, ld.line + 1, rc);
    if (ret == 0 && ld.store_line) {
        /* [store] turns shipping on; it makes no sense without a target */
        if (tmp->store.target[0] == '\0')
            ret = fail_at(&ld, path, ld.store_line, "[store] needs a target (target = postgresql://...)");
        else
            tmp->store.enabled = true;
    }
    fclose(f);
    free(ld.ext_line);
    if (ret != 0) {
        free(tmp->persona.extensions);
        free(tmp);
        return -1;
    }
    free(cfg->persona.extensions);
    *cfg = *tmp;
    free(tmp);
    return 0;
}
