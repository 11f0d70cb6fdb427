/*
 * agent.c - user-agent classes and the SIPVicious signature (agent.h; the
 * rules are in docs/ANALYSIS.md, "User agents").
 */
#include "analyze/agent.h"
#include "util/datapath.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char *const class_names[AG_CLASS_COUNT] = {
    [AG_UNDEFINED] = "undefined", [AG_EMPTY] = "empty", [AG_RANDOM] = "random",
    [AG_ATTACK_TOOL] = "attack-tool", [AG_SDK] = "sdk", [AG_SERVER] = "server",
    [AG_SOFTPHONE] = "softphone", [AG_PHONE] = "phone", [AG_OTHER] = "other",
};

const char *ag_class_name(ag_class c)
{
    return (unsigned)c < AG_CLASS_COUNT ? class_names[c] : "?";
}

int ag_class_from_name(const char *name)
{
    for (int i = 0; i < AG_CLASS_COUNT; i++)
        if (strcmp(class_names[i], name) == 0)
            return i;
    return -1;
}

/* ------------------------------------------------------------------------
 * Signature database
 * ------------------------------------------------------------------------ */

struct sig {
    regex_t re;
    ag_class cls;
    char *tool;
};

struct ag_db {
    struct sig *sigs;
    size_t n, cap;
};

void ag_db_free(ag_db *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++) {
        regfree(&db->sigs[i].re);
        free(db->sigs[i].tool);
    }
    free(db->sigs);
    free(db);
}

size_t ag_db_size(const ag_db *db)
{
    return db ? db->n : 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

ag_db *ag_db_load(const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return NULL;
    }
    ag_db *db = calloc(1, sizeof *db);
    char line[1024];
    long lineno = 0;
    if (!db)
        goto oom;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '#' || trim(line)[0] == '\0')
            continue;
        char *t1 = strchr(line, '\t');
        char *t2 = t1 ? strchr(t1 + 1, '\t') : NULL;
        if (!t1 || !t2) {
            snprintf(err, errlen, "%s:%ld: expected <pattern><TAB><class><TAB><tool>", path, lineno);
            goto fail;
        }
        *t1 = *t2 = '\0';
        char *cls = trim(t1 + 1), *tool = trim(t2 + 1);
        int c = ag_class_from_name(cls);
        if (c < AG_ATTACK_TOOL) {
            snprintf(err, errlen, "%s:%ld: unknown class '%s'", path, lineno, cls);
            goto fail;
        }
        if (db->n == db->cap) {
            size_t nc = db->cap ? db->cap * 2 : 64;
            struct sig *s = realloc(db->sigs, nc * sizeof *s);
            if (!s)
                goto oom;
            db->sigs = s;
            db->cap = nc;
        }
        struct sig *s = &db->sigs[db->n];
        int rc = regcomp(&s->re, line, REG_EXTENDED | REG_ICASE | REG_NOSUB);
        if (rc != 0) {
            char msg[128];
            regerror(rc, &s->re, msg, sizeof msg);
            snprintf(err, errlen, "%s:%ld: bad pattern '%s': %s", path, lineno, line, msg);
            goto fail;
        }
        s->cls = (ag_class)c;
        s->tool = strdup(tool);
        if (!s->tool) {
            regfree(&s->re);
            goto oom;
        }
        db->n++;
    }
    fclose(f);
    return db;
oom:
    snprintf(err, errlen, "%s: out of memory", path);
fail:
    fclose(f);
    ag_db_free(db);
    return NULL;
}

ag_db *ag_db_load_default(char *err, size_t errlen)
{
    char paths[DATAPATH_MAX_CANDIDATES][PATH_MAX];
    size_t n = datapath_candidates("agents.tsv", paths, DATAPATH_MAX_CANDIDATES);
    for (size_t i = 0; i < n; i++)
        if (access(paths[i], R_OK) == 0)
            return ag_db_load(paths[i], err, errlen);
    snprintf(err, errlen, "agents.tsv not found (set SIPSNARE_DATADIR)");
    return NULL;
}

/* ------------------------------------------------------------------------
 * Random strings
 * ------------------------------------------------------------------------ */

/* Thresholds (docs/ANALYSIS.md): a string of 20 characters drawn from
 * [A-Za-z0-9] has about 4.0 bits of entropy per character and changes class
 * (lower/upper/digit) at ~60% of positions; product names with a version
 * ("SIPPhone12345", "abc123def456") change class a few times only. */
#define RANDOM_MIN_LEN 12
#define RANDOM_MAX_LEN 64
#define RANDOM_MIN_SWITCH 0.35       /* class switches per position */
#define RANDOM_MIN_SWITCH_LETTERS 0.45
#define RANDOM_MIN_ENTROPY 0.80      /* of the maximum log2(min(len, 62)) */

static int char_class(unsigned char c)
{
    return islower(c) ? 0 : isupper(c) ? 1 : 2;
}

int ag_looks_random(const char *ua)
{
    if (!ua)
        return 0;
    size_t len = strlen(ua);
    if (len < RANDOM_MIN_LEN || len > RANDOM_MAX_LEN)
        return 0;
    unsigned counts[256] = {0};
    int has[3] = {0, 0, 0};
    size_t switches = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)ua[i];
        if (!isalnum(c))
            return 0;
        counts[c]++;
        has[char_class(c)] = 1;
        if (i > 0 && char_class(c) != char_class((unsigned char)ua[i - 1]))
            switches++;
    }
    if (!(has[0] || has[1]))
        return 0;
    /* without digits, only a mixed-case string switching often (CamelCase
     * product names switch at ~35% of positions, random letters at ~50%) */
    double min_switch = has[2] ? RANDOM_MIN_SWITCH : RANDOM_MIN_SWITCH_LETTERS;
    if (!has[2] && !(has[0] && has[1]))
        return 0;
    if ((double)switches < min_switch * (double)(len - 1))
        return 0;
    double h = 0;
    for (int c = 0; c < 256; c++) {
        if (!counts[c])
            continue;
        double p = (double)counts[c] / (double)len;
        h -= p * log2(p);
    }
    double hmax = log2((double)(len < 62 ? len : 62));
    return h >= RANDOM_MIN_ENTROPY * hmax;
}

ag_class ag_classify(const ag_db *db, const char *ua, ag_match *out)
{
    ag_match m = {AG_OTHER, ""};
    if (!ua) {
        m.cls = AG_UNDEFINED;
    } else if (ua[0] == '\0' || strspn(ua, " \t") == strlen(ua)) {
        m.cls = AG_EMPTY;
    } else {
        int found = 0;
        for (size_t i = 0; db && i < db->n; i++)
            if (regexec(&db->sigs[i].re, ua, 0, NULL, 0) == 0) {
                m.cls = db->sigs[i].cls;
                m.tool = db->sigs[i].tool;
                found = 1;
                break;
            }
        if (!found && ag_looks_random(ua))
            m.cls = AG_RANDOM;
    }
    if (out)
        *out = m;
    return m.cls;
}

/* ------------------------------------------------------------------------
 * Repetition across requests
 * ------------------------------------------------------------------------ */

struct seen_slot {
    char *ua;
    unsigned long count;
};

struct ag_seen {
    struct seen_slot *slots;
    size_t cap, n, max;
};

ag_seen *ag_seen_new(size_t max_entries)
{
    ag_seen *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->max = max_entries ? max_entries : 1u << 20;
    s->cap = 256;
    s->slots = calloc(s->cap, sizeof *s->slots);
    if (!s->slots) {
        free(s);
        return NULL;
    }
    return s;
}

void ag_seen_free(ag_seen *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++)
        free(s->slots[i].ua);
    free(s->slots);
    free(s);
}

static size_t hash_str(const char *p)
{
    size_t h = 5381;
    for (; *p; p++)
        h = h * 33 + (unsigned char)*p;
    return h;
}

static struct seen_slot *seen_find(const ag_seen *s, const char *ua)
{
    size_t mask = s->cap - 1, i = hash_str(ua) & mask;
    while (s->slots[i].ua) {
        if (strcmp(s->slots[i].ua, ua) == 0)
            return &s->slots[i];
        i = (i + 1) & mask;
    }
    return &s->slots[i];   /* the empty slot where it would go */
}

static int seen_grow(ag_seen *s)
{
    size_t ncap = s->cap * 2;
    struct seen_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return -1;
    for (size_t i = 0; i < s->cap; i++) {
        if (!s->slots[i].ua)
            continue;
        size_t j = hash_str(s->slots[i].ua) & (ncap - 1);
        while (ns[j].ua)
            j = (j + 1) & (ncap - 1);
        ns[j] = s->slots[i];
    }
    free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    return 0;
}

void ag_seen_add(ag_seen *s, const char *ua)
{
    if (!s || !ua)
        return;
    struct seen_slot *slot = seen_find(s, ua);
    if (slot->ua) {
        slot->count++;
        return;
    }
    if (s->n >= s->max)
        return;                      /* full: new strings are not counted */
    if ((s->n + 1) * 2 > s->cap) {
        if (seen_grow(s) != 0)
            return;
        slot = seen_find(s, ua);
    }
    slot->ua = strdup(ua);
    if (!slot->ua)
        return;
    slot->count = 1;
    s->n++;
}

unsigned long ag_seen_count(const ag_seen *s, const char *ua)
{
    if (!s || !ua)
        return 0;
    const struct seen_slot *slot = seen_find(s, ua);
    return slot->ua ? slot->count : 0;
}

ag_class ag_classify_seen(const ag_db *db, const ag_seen *seen, const char *ua, ag_match *out)
{
    ag_class c = ag_classify(db, ua, out);
    if (c == AG_RANDOM && seen && ag_seen_count(seen, ua) > AG_RANDOM_MAX_REPEAT) {
        c = AG_OTHER;
        if (out)
            out->cls = AG_OTHER;
    }
    return c;
}

/* ------------------------------------------------------------------------
 * SIPVicious
 * ------------------------------------------------------------------------ */

/* The value of a hexadecimal digit, -1 for any other character (strtol
 * per pair was a tenth of a report's time: every event has a From tag). */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int sv_decode_tag(const char *tag, char *text, size_t textlen)
{
    if (!tag || !textlen)
        return -1;
    size_t n = strlen(tag);
    if (n < 6 || n % 2 != 0 || n / 2 > 256)
        return -1;
    char buf[257];
    size_t m = n / 2;
    for (size_t i = 0; i < m; i++) {
        int hi = hex_digit(tag[2 * i]), lo = hex_digit(tag[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        buf[i] = (char)(hi << 4 | lo);
    }
    buf[m] = '\0';
    char *sep = memchr(buf, '\x01', m);
    if (!sep || sep == buf)
        return -1;
    /* after \x01: the decimal of a random 32-bit number */
    size_t dl = m - (size_t)(sep + 1 - buf);
    if (dl == 0 || dl > 10 || strspn(sep + 1, "0123456789") != dl)
        return -1;
    size_t tl = (size_t)(sep - buf);
    for (size_t i = 0; i < tl; i++)
        if (!isprint((unsigned char)buf[i]))
            return -1;
    if (tl >= textlen)
        return -1;
    memcpy(text, buf, tl);
    text[tl] = '\0';
    return (int)tl;
}

static int is_hex_ipport(const char *t)
{
    return strlen(t) == 12 && strspn(t, "0123456789abcdef") == 12;
}

static int ieq(const char *a, const char *b)
{
    return a && b && strcasecmp(a, b) == 0;
}

/* Finds "<name>:" at a line start in raw and reports whether its value
 * contains needle. */
static int raw_header_has(const char *raw, const char *name, const char *needle)
{
    size_t nl = strlen(name);
    for (const char *p = raw; p && *p; ) {
        if (strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
            const char *e = strpbrk(p, "\r\n");
            size_t len = e ? (size_t)(e - p) : strlen(p);
            char line[512];
            if (len >= sizeof line)
                len = sizeof line - 1;
            memcpy(line, p, len);
            line[len] = '\0';
            if (strstr(line + nl + 1, needle))
                return 1;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return 0;
}

unsigned sv_inspect(const an_event *ev, sv_info *out)
{
    sv_info info;
    memset(&info, 0, sizeof info);
    const char *ua = ev->user_agent;
    if (ua && (strcasecmp(ua, "friendly-scanner") == 0 || strcasestr(ua, "sipvicious")))
        info.evidence |= SV_AGENT;
    if (ieq(ev->from_user, "sipvicious") || ieq(ev->to_user, "sipvicious"))
        info.evidence |= SV_FROM_USER;
    if (ev->from_tag && strcmp(ev->from_tag, "3206210844") == 0)
        info.evidence |= SV_FIXED_TAG;
    if (sv_decode_tag(ev->from_tag, info.tag_text, sizeof info.tag_text) >= 0) {
        info.evidence |= SV_TAG;
        const char *colon = strchr(info.tag_text, ':');
        if (is_hex_ipport(info.tag_text)) {
            unsigned b[6];
            for (int i = 0; i < 6; i++)
                b[i] = (unsigned)(hex_digit(info.tag_text[2 * i]) << 4 | hex_digit(info.tag_text[2 * i + 1]));
            info.tool = SV_TOOL_SVMAP;
            snprintf(info.target, sizeof info.target, "%u.%u.%u.%u:%u", b[0], b[1], b[2], b[3],
                     b[4] * 256 + b[5]);
        } else if (colon) {
            info.tool = SV_TOOL_SVCRACK;
            snprintf(info.user, sizeof info.user, "%.*s", (int)(colon - info.tag_text), info.tag_text);
            snprintf(info.password, sizeof info.password, "%s", colon + 1);
        } else {
            info.tool = SV_TOOL_SVWAR;
        }
    }
    const char *br = ev->via_branch;
    if (br && strncmp(br, "z9hG4bK-", 8) == 0 && br[8] && strspn(br + 8, "0123456789") == strlen(br + 8))
        info.evidence |= SV_BRANCH;
    if (ev->contact_bad)
        info.evidence |= SV_CONTACT;     /* "Contact: None" does not parse */
    if (ev->raw && (raw_header_has(ev->raw, "Contact", "1.1.1.1") ||
                    raw_header_has(ev->raw, "Contact", "None") ||
                    raw_header_has(ev->raw, "From", "@1.1.1.1")))
        info.evidence |= SV_CONTACT;
    if (info.tool == SV_TOOL_UNKNOWN && (info.evidence & (SV_FROM_USER)))
        info.tool = SV_TOOL_SVMAP;
    if (info.tool == SV_TOOL_UNKNOWN && (info.evidence & SV_FIXED_TAG))
        info.tool = SV_TOOL_SVCRACK;
    if (out)
        *out = info;
    return info.evidence;
}
