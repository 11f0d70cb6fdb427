/*
 * audit.c - the checks of `sipsnare audit` (docs/AUDIT.md). Secrets are
 * never copied into findings: messages say what is wrong with a secret,
 * not what it is, so CI logs do not leak them.
 */
#include "audit/audit.h"

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "util/datapath.h"

enum { MSG_MAX = 1024 };

const char *aud_severity_name(aud_severity s)
{
    static const char *const names[] = {"info", "low", "medium", "high", "critical"};
    return (unsigned)s <= AUD_CRITICAL ? names[s] : "?";
}

int aud_severity_parse(const char *s, aud_severity *out)
{
    for (int i = AUD_INFO; i <= AUD_CRITICAL; i++)
        if (strcasecmp(s, aud_severity_name((aud_severity)i)) == 0) {
            *out = (aud_severity)i;
            return 0;
        }
    return -1;
}

/* ---- the dictionary ---- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int aud_dict_load(aud_dict *d, const char *path, char *err, size_t errlen)
{
    memset(d, 0, sizeof *d);
    char cands[DATAPATH_MAX_CANDIDATES][PATH_MAX];
    size_t nc = 0;
    if (path) {
        snprintf(cands[0], sizeof cands[0], "%s", path);
        nc = 1;
    } else {
        nc = datapath_candidates("weak-passwords.txt", cands, DATAPATH_MAX_CANDIDATES);
    }
    FILE *f = NULL;
    for (size_t i = 0; i < nc && !f; i++)
        f = fopen(cands[i], "r");
    if (!f) {
        snprintf(err, errlen, "cannot open %s", path ? path : "weak-passwords.txt in the data directories");
        return -1;
    }
    size_t cap = 0;
    char line[1024];
    int lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == sizeof line - 1 && line[n - 1] != '\n') {
            /* overlong line: skip the rest */
            int c;
            while ((c = fgetc(f)) != EOF && c != '\n') {}
            continue;
        }
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' || line[n - 1] == '\t'))
            line[--n] = '\0';
        char *w = line;
        while (*w == ' ' || *w == '\t')
            w++;
        if (!*w || *w == '#' || strlen(w) > AUD_DICT_MAX_WORD)
            continue;
        if (d->n >= AUD_DICT_MAX_WORDS)
            break;
        if (d->n == cap) {
            size_t ncap = cap ? cap * 2 : 256;
            char **nw = realloc(d->words, ncap * sizeof *nw);
            if (!nw) break;
            d->words = nw;
            cap = ncap;
        }
        char *copy = strdup(w);
        if (!copy) break;
        for (char *p = copy; *p; p++)
            *p = (char)tolower((unsigned char)*p);
        d->words[d->n++] = copy;
    }
    fclose(f);
    if (d->n)
        qsort(d->words, d->n, sizeof *d->words, cmp_str);
    size_t k = 0;
    for (size_t i = 0; i < d->n; i++) {
        if (k && strcmp(d->words[k - 1], d->words[i]) == 0) {
            free(d->words[i]);
            continue;
        }
        d->words[k++] = d->words[i];
    }
    d->n = k;
    (void)lineno;
    return 0;
}

int aud_dict_has(const aud_dict *d, const char *word)
{
    if (!d || !d->n)
        return 0;
    char low[AUD_DICT_MAX_WORD + 1];
    size_t n = strlen(word);
    if (n > AUD_DICT_MAX_WORD)
        return 0;
    for (size_t i = 0; i <= n; i++)
        low[i] = (char)tolower((unsigned char)word[i]);
    const char *key = low;
    return bsearch(&key, d->words, d->n, sizeof *d->words, cmp_str) != NULL;
}

void aud_dict_free(aud_dict *d)
{
    for (size_t i = 0; i < d->n; i++)
        free(d->words[i]);
    free(d->words);
    memset(d, 0, sizeof *d);
}

/* ---- findings ---- */

struct ctx {
    const aud_input *in;
    aud_report *out;
    int oom;
};

#if defined(__GNUC__)
__attribute__((format(printf, 7, 0)))
#endif
static int vadd(aud_report *r, aud_severity sev, const char *id, const char *file, int line,
                const char *section, const char *fmt, va_list ap)
{
    if (r->n == r->cap) {
        size_t nc = r->cap ? r->cap * 2 : 32;
        aud_finding *nf = realloc(r->f, nc * sizeof *nf);
        if (!nf)
            return -1;
        r->f = nf;
        r->cap = nc;
    }
    char msg[MSG_MAX];
    vsnprintf(msg, sizeof msg, fmt, ap);
    /* message and fix are separated by a '\v' in the format */
    char *sep = strchr(msg, '\v');
    const char *fix = "";
    if (sep) {
        *sep = '\0';
        fix = sep + 1;
    }
    aud_finding *f = &r->f[r->n];
    f->severity = sev;
    f->id = id;
    f->file = strdup(file ? file : "");
    f->line = line;
    f->section = strdup(section ? section : "");
    f->message = strdup(msg);
    f->fix = strdup(fix);
    if (!f->file || !f->section || !f->message || !f->fix) {
        free(f->file); free(f->section); free(f->message); free(f->fix);
        return -1;
    }
    r->n++;
    return 0;
}

int aud_add(aud_report *r, aud_severity sev, const char *id, const char *file, int line,
            const char *section, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vadd(r, sev, id, file, line, section, fmt, ap);
    va_end(ap);
    return rc;
}

#if defined(__GNUC__)
__attribute__((format(printf, 7, 8)))
#endif
static void add(struct ctx *c, aud_severity sev, const char *id, const char *file, int line,
                const char *section, const char *fmt, ...)
{
    if (c->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    if (vadd(c->out, sev, id, file, line, section, fmt, ap) != 0)
        c->oom = 1;
    va_end(ap);
}

void aud_report_free(aud_report *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->f[i].file);
        free(r->f[i].section);
        free(r->f[i].message);
        free(r->f[i].fix);
    }
    free(r->f);
    memset(r, 0, sizeof *r);
}

int aud_report_max(const aud_report *r)
{
    int m = -1;
    for (size_t i = 0; i < r->n; i++)
        if ((int)r->f[i].severity > m)
            m = (int)r->f[i].severity;
    return m;
}

static int cmp_finding(const void *a, const void *b)
{
    const aud_finding *x = a, *y = b;
    if (x->severity != y->severity)
        return x->severity > y->severity ? -1 : 1;
    int c = strcmp(x->file, y->file);
    if (c) return c;
    if (x->line != y->line) return x->line < y->line ? -1 : 1;
    c = strcmp(x->id, y->id);
    if (c) return c;
    return strcmp(x->section, y->section);
}

void aud_report_sort(aud_report *r)
{
    if (r->n > 1)
        qsort(r->f, r->n, sizeof *r->f, cmp_finding);
}

/* ---- small helpers ---- */

static int is_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    if (n < min || n > max)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]))
            return 0;
    return 1;
}

/* Is word in the comma/space separated list (case-insensitive)? */
static int list_has(const char *list, const char *word)
{
    size_t wl = strlen(word);
    for (const char *p = list; *p;) {
        while (*p == ',' || *p == ' ' || *p == '\t')
            p++;
        const char *e = p;
        while (*e && *e != ',' && *e != ' ' && *e != '\t')
            e++;
        if ((size_t)(e - p) == wl && strncasecmp(p, word, wl) == 0)
            return 1;
        p = e;
    }
    return 0;
}

static const char *type_of(const astconf_section *s)
{
    return astconf_value(s, "type", "");
}

/* ---- secrets ---- */

static void lower_copy(char *dst, size_t cap, const char *src)
{
    size_t i = 0;
    for (; src[i] && i + 1 < cap; i++)
        dst[i] = (char)tolower((unsigned char)src[i]);
    dst[i] = '\0';
}

/* Repeated unit (aaaa, 1212, abcabc) or a run (123456, 987654, abcdef). */
static int trivial_pattern(const char *s)
{
    size_t n = strlen(s);
    if (n < 2)
        return 1;
    for (size_t unit = 1; unit <= 4 && unit < n; unit++) {
        if (n % unit)
            continue;
        size_t i = unit;
        while (i < n && s[i] == s[i - unit])
            i++;
        if (i == n)
            return 1;
    }
    int up = 1, down = 1;
    for (size_t i = 1; i < n; i++) {
        int a = (unsigned char)s[i - 1], b = (unsigned char)s[i];
        int digits = isdigit(a) && isdigit(b);
        if (!(b == a + 1 || (digits && a == '9' && b == '0')))
            up = 0;
        if (!(b == a - 1 || (digits && a == '0' && b == '9')))
            down = 0;
    }
    return up || down;
}

/* Dictionary word, possibly with leetspeak and up to 4 digits/symbols
 * before it and 6 after ("P@ssw0rd!", "Asterisk2024!", "!sip"). */
static int dictionary_weak(const aud_dict *d, const char *secret)
{
    if (!d)
        return 0;
    char low[AUD_DICT_MAX_WORD + 1];
    if (strlen(secret) > AUD_DICT_MAX_WORD)
        return 0;
    lower_copy(low, sizeof low, secret);
    if (aud_dict_has(d, low))
        return 1;
    char leet[AUD_DICT_MAX_WORD + 1];
    size_t n = strlen(low);
    for (size_t i = 0; i <= n; i++) {
        char ch = low[i];
        switch (ch) {
        case '@': case '4': ch = 'a'; break;
        case '0': ch = 'o'; break;
        case '1': case '!': ch = 'i'; break;
        case '3': ch = 'e'; break;
        case '$': case '5': ch = 's'; break;
        case '7': ch = 't'; break;
        default: break;
        }
        leet[i] = ch;
    }
    if (aud_dict_has(d, leet))
        return 1;
    /* strip up to 4 non-letters at each end */
    for (int variant = 0; variant < 2; variant++) {
        const char *w = variant ? leet : low;
        const char *src = low;
        size_t b = 0, e = n;
        while (b < n && b < 4 && !isalpha((unsigned char)src[b]))
            b++;
        while (e > b && n - e < 6 && !isalpha((unsigned char)src[e - 1]))
            e--;
        if ((b || e < n) && e - b >= 4) {
            char mid[AUD_DICT_MAX_WORD + 1];
            memcpy(mid, w + b, e - b);
            mid[e - b] = '\0';
            if (aud_dict_has(d, mid))
                return 1;
        }
    }
    return 0;
}

static void reverse_copy(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    for (size_t i = 0; i < n; i++)
        dst[i] = (char)tolower((unsigned char)src[n - 1 - i]);
    dst[n] = '\0';
}

/* Is the secret equal to, or built from, one of the identities? */
static const char *derived_from(const char *secret, const char *const *ids, size_t n_ids)
{
    char s[256];
    if (strlen(secret) >= sizeof s)
        return NULL;
    lower_copy(s, sizeof s, secret);
    for (size_t i = 0; i < n_ids; i++) {
        if (!ids[i] || strlen(ids[i]) < 2 || strlen(ids[i]) >= 128)
            continue;
        char id[128], rev[128];
        lower_copy(id, sizeof id, ids[i]);
        reverse_copy(rev, sizeof rev, ids[i]);
        if (strstr(s, id) || strstr(s, rev))
            return ids[i];
        if (strlen(s) >= 3 && strstr(id, s))
            return ids[i];
    }
    return NULL;
}

static int char_classes(const char *s)
{
    int lo = 0, up = 0, di = 0, ot = 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (islower(*p)) lo = 1;
        else if (isupper(*p)) up = 1;
        else if (isdigit(*p)) di = 1;
        else ot = 1;
    }
    return lo + up + di + ot;
}

#define FIX_SECRET "use a random secret of 16 or more characters mixing upper and lower case, digits and symbols (e.g. `openssl rand -base64 18`), different for every account"

/* One finding at most per secret: the worst thing about it. */
static void check_secret(struct ctx *c, const astconf_var *v, const char *section, const char *what,
                         const char *const *ids, size_t n_ids)
{
    const char *s = v->value;
    size_t len = strlen(s);
    const char *who = derived_from(s, ids, n_ids);
    if (len == 0) {
        add(c, AUD_CRITICAL, "empty-secret", v->file, v->line, section,
            "%s of [%s] is empty: anyone who knows the name can authenticate\v" FIX_SECRET, what, section);
    } else if (who) {
        add(c, AUD_CRITICAL, "secret-matches-user", v->file, v->line, section,
            "%s of [%s] is the same as or derived from the user name/extension '%s': the first guess of svcrack and of every brute-force bot\v" FIX_SECRET,
            what, section, who);
    } else if (dictionary_weak(c->in->dict, s) || trivial_pattern(s)) {
        add(c, AUD_CRITICAL, "weak-secret", v->file, v->line, section,
            "%s of [%s] is a well-known weak password (in the brute-force dictionary, or a trivial sequence)\v" FIX_SECRET,
            what, section);
    } else if (len < 12) {
        add(c, AUD_HIGH, "short-secret", v->file, v->line, section,
            "%s of [%s] has only %zu characters (at least 12 needed)\v" FIX_SECRET, what, section, len);
    } else if (char_classes(s) < 3) {
        add(c, AUD_MEDIUM, "secret-charset", v->file, v->line, section,
            "%s of [%s] uses only %d of the 4 character classes (lower, upper, digits, symbols)\v" FIX_SECRET,
            what, section, char_classes(s));
    }
}

static void md5_hex(const char *a, const char *b, const char *cc, char out[33])
{
    char buf[768];
    int n = snprintf(buf, sizeof buf, "%s:%s:%s", a, b, cc);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int ml = 0;
    out[0] = '\0';
    if (n < 0 || (size_t)n >= sizeof buf)
        return;
    if (!EVP_Digest(buf, (size_t)n, md, &ml, EVP_md5(), NULL) || ml != 16)
        return;
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* md5secret / md5_cred = MD5(user:realm:password): try the dictionary and
 * the identities as passwords. */
static void check_md5(struct ctx *c, const astconf_var *v, const char *section, const char *what,
                      const char *const *users, size_t n_users, const char *realm,
                      const char *const *ids, size_t n_ids)
{
    if (strlen(v->value) != 32)
        return;
    char want[33], got[33];
    lower_copy(want, sizeof want, v->value);
    const aud_dict *d = c->in->dict;
    for (size_t u = 0; u < n_users; u++) {
        if (!users[u] || !*users[u] || strlen(users[u]) > 200)
            continue;
        for (size_t i = 0; i < n_ids; i++) {
            if (!ids[i] || strlen(ids[i]) > 200)
                continue;
            md5_hex(users[u], realm, ids[i], got);
            if (strcmp(got, want) == 0) {
                add(c, AUD_CRITICAL, "secret-matches-user", v->file, v->line, section,
                    "%s of [%s] is the hash of a password equal to the user name/extension '%s'\v" FIX_SECRET,
                    what, section, ids[i]);
                return;
            }
        }
        for (size_t i = 0; d && i < d->n; i++) {
            md5_hex(users[u], realm, d->words[i], got);
            if (strcmp(got, want) == 0) {
                add(c, AUD_CRITICAL, "weak-secret", v->file, v->line, section,
                    "%s of [%s] is the hash of a password in the brute-force dictionary\v" FIX_SECRET,
                    what, section);
                return;
            }
        }
    }
}

/* ---- the dialplan ---- */

int aud_pattern_match(const char *pattern, const char *number)
{
    if (pattern[0] != '_')
        return strcasecmp(pattern, number) == 0;
    const char *p = pattern + 1, *n = number;
    for (;;) {
        while (*p == '-')
            p++;
        /* '/callerid' ends the extension part */
        if (*p == '\0' || *p == '/')
            return *n == '\0';
        if (*p == '.')
            return *n != '\0';
        if (*p == '!')
            return 1;
        if (*n == '\0')
            return 0;
        char ch = *n;
        switch (toupper((unsigned char)*p)) {
        case 'X':
            if (ch < '0' || ch > '9') return 0;
            p++;
            break;
        case 'Z':
            if (ch < '1' || ch > '9') return 0;
            p++;
            break;
        case 'N':
            if (ch < '2' || ch > '9') return 0;
            p++;
            break;
        case '[': {
            const char *e = strchr(p, ']');
            if (!e) return 0;
            int ok = 0;
            for (const char *q = p + 1; q < e; q++) {
                if (q + 2 < e && q[1] == '-') {
                    if (ch >= q[0] && ch <= q[2]) ok = 1;
                    q += 2;
                } else if (*q == ch) {
                    ok = 1;
                }
            }
            if (!ok) return 0;
            p = e + 1;
            break;
        }
        default:
            if (toupper((unsigned char)*p) != toupper((unsigned char)ch)) return 0;
            p++;
            break;
        }
        n++;
    }
}

/* Numbers an attacker dials: international in the study's prefix variants,
 * and national/PSTN ones. */
static const char *const intl_samples[] = {
    "00972502345678", "011972502345678", "+972502345678", "9011972502345678",
    "900972502345678", "0011972502345678", "8109725023456",
};
static const char *const pstn_samples[] = {
    "2025550123", "12025550123", "912025550123", "02071234567", "902071234567",
    "0612345678", "5550123", "95550123",
};

enum { REACH_NONE, REACH_PSTN, REACH_INTL };

static int pattern_reach(const char *pattern)
{
    if (pattern[0] != '_')
        return REACH_NONE;
    for (size_t i = 0; i < sizeof intl_samples / sizeof intl_samples[0]; i++)
        if (aud_pattern_match(pattern, intl_samples[i]))
            return REACH_INTL;
    for (size_t i = 0; i < sizeof pstn_samples / sizeof pstn_samples[0]; i++)
        if (aud_pattern_match(pattern, pstn_samples[i]))
            return REACH_PSTN;
    return REACH_NONE;
}

struct exten {
    char pattern[128];
    char app[32];
    const char *args;       /* into the variable's value */
    const astconf_var *var;
    int reach;              /* REACH_* when the priority dials out */
};

struct edge {
    size_t to;              /* context index */
    const astconf_var *var;
    const char *how;        /* "include" or "Goto" */
};

struct context {
    const astconf_section *sec;
    struct exten *ext;
    size_t n_ext, cap_ext;
    struct edge *edges;
    size_t n_edges, cap_edges;
};

struct dialplan {
    struct context *ctx;
    size_t n;
};

/* Case-insensitive order of (name, length) strings. */
static int ci_cmp(const char *a, size_t al, const char *b, size_t bl)
{
    size_t n = al < bl ? al : bl;
    for (size_t i = 0; i < n; i++) {
        int x = tolower((unsigned char)a[i]), y = tolower((unsigned char)b[i]);
        if (x != y)
            return x < y ? -1 : 1;
    }
    return al < bl ? -1 : al > bl;
}

/* dp->ctx is sorted by name: binary search. */
static long ctx_index(const struct dialplan *dp, const char *name, size_t len)
{
    size_t lo = 0, hi = dp->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = dp->ctx[mid].sec->name;
        int c = ci_cmp(name, len, m, strlen(m));
        if (c == 0)
            return (long)mid;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

static int push_edge(struct context *cx, size_t to, const astconf_var *v, const char *how)
{
    if (cx->n_edges == cx->cap_edges) {
        size_t nc = cx->cap_edges ? cx->cap_edges * 2 : 4;
        struct edge *ne = realloc(cx->edges, nc * sizeof *ne);
        if (!ne) return -1;
        cx->edges = ne;
        cx->cap_edges = nc;
    }
    cx->edges[cx->n_edges++] = (struct edge){to, v, how};
    return 0;
}

/* "pattern,priority,App(args)" (or for same =>: "priority,App(args)") */
static int parse_exten(struct context *cx, const astconf_var *v, int same, const char *prev_pattern)
{
    const char *val = v->value;
    struct exten e;
    memset(&e, 0, sizeof e);
    e.var = v;
    const char *p = val;
    if (!same) {
        /* the pattern may contain [..] with commas */
        const char *q = p;
        int br = 0;
        while (*q && (br || *q != ',')) {
            if (*q == '[') br = 1;
            else if (*q == ']') br = 0;
            q++;
        }
        size_t pl = (size_t)(q - p);
        while (pl && isspace((unsigned char)p[pl - 1])) pl--;
        if (pl >= sizeof e.pattern) pl = sizeof e.pattern - 1;
        memcpy(e.pattern, p, pl);
        e.pattern[pl] = '\0';
        if (*q != ',')
            return 0;
        p = q + 1;
    } else {
        snprintf(e.pattern, sizeof e.pattern, "%s", prev_pattern);
    }
    const char *comma = strchr(p, ',');   /* after the priority */
    if (!comma)
        return 0;
    p = comma + 1;
    while (isspace((unsigned char)*p)) p++;
    size_t al = 0;
    while (p[al] && p[al] != '(' && p[al] != ',' && !isspace((unsigned char)p[al]))
        al++;
    if (al >= sizeof e.app) al = sizeof e.app - 1;
    memcpy(e.app, p, al);
    e.app[al] = '\0';
    e.args = p + al;
    if (strcasecmp(e.app, "Dial") == 0 && strstr(e.args, "${EXTEN"))
        e.reach = pattern_reach(e.pattern);
    if (cx->n_ext == cx->cap_ext) {
        size_t nc = cx->cap_ext ? cx->cap_ext * 2 : 8;
        struct exten *ne = realloc(cx->ext, nc * sizeof *ne);
        if (!ne) return -1;
        cx->ext = ne;
        cx->cap_ext = nc;
    }
    cx->ext[cx->n_ext++] = e;
    return 0;
}

static void dialplan_free(struct dialplan *dp)
{
    for (size_t i = 0; i < dp->n; i++) {
        free(dp->ctx[i].ext);
        free(dp->ctx[i].edges);
    }
    free(dp->ctx);
    memset(dp, 0, sizeof *dp);
}

/* by name (case-insensitive), then file order */
static int cmp_section_name(const void *a, const void *b)
{
    const astconf_section *x = *(const astconf_section *const *)a, *y = *(const astconf_section *const *)b;
    int c = ci_cmp(x->name, strlen(x->name), y->name, strlen(y->name));
    if (c)
        return c;
    return x < y ? -1 : x > y;
}

static int dialplan_build(const astconf *ext, struct dialplan *dp)
{
    memset(dp, 0, sizeof *dp);
    if (!ext)
        return 0;
    dp->ctx = calloc(ext->n_sections ? ext->n_sections : 1, sizeof *dp->ctx);
    if (!dp->ctx)
        return -1;
    /* contexts sorted by name; a context written in several sections is one */
    const astconf_section **all = malloc((ext->n_sections ? ext->n_sections : 1) * sizeof *all);
    if (!all)
        return -1;
    size_t na = 0;
    for (size_t i = 0; i < ext->n_sections; i++) {
        const astconf_section *s = &ext->sections[i];
        if (s->is_template || strcasecmp(s->name, "general") == 0 || strcasecmp(s->name, "globals") == 0)
            continue;
        all[na++] = s;
    }
    qsort(all, na, sizeof *all, cmp_section_name);
    for (size_t i = 0; i < na; i++)
        if (i == 0 || strcasecmp(all[i]->name, all[i - 1]->name) != 0)
            dp->ctx[dp->n++].sec = all[i];
    free(all);
    for (size_t i = 0; i < ext->n_sections; i++) {
        const astconf_section *s = &ext->sections[i];
        if (s->is_template || strcasecmp(s->name, "general") == 0 || strcasecmp(s->name, "globals") == 0)
            continue;
        long ci = ctx_index(dp, s->name, strlen(s->name));
        if (ci < 0)
            continue;
        struct context *cx = &dp->ctx[ci];
        {
            char prev[128] = "";
            for (size_t k = 0; k < s->n_vars; k++) {
                const astconf_var *v = &s->vars[k];
                if (strcasecmp(v->name, "exten") == 0 || strcasecmp(v->name, "same") == 0) {
                    int same = strcasecmp(v->name, "same") == 0;
                    if (parse_exten(cx, v, same, prev) != 0)
                        return -1;
                    if (!same && cx->n_ext)
                        snprintf(prev, sizeof prev, "%s", cx->ext[cx->n_ext - 1].pattern);
                    struct exten *e = cx->n_ext ? &cx->ext[cx->n_ext - 1] : NULL;
                    /* Goto(context,exten,priority) / Gosub(context,...) */
                    if (e && e->var == v && (strcasecmp(e->app, "Goto") == 0 || strcasecmp(e->app, "Gosub") == 0)
                        && e->args[0] == '(') {
                        const char *a = e->args + 1;
                        const char *c1 = strchr(a, ',');
                        const char *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
                        const char *close = strchr(a, ')');
                        if (c1 && c2 && (!close || c2 < close)) {
                            while (isspace((unsigned char)*a)) a++;
                            size_t l = (size_t)(c1 - a);
                            while (l && isspace((unsigned char)a[l - 1])) l--;
                            long to = ctx_index(dp, a, l);
                            if (to >= 0 && push_edge(cx, (size_t)to, v, "Goto") != 0)
                                return -1;
                        }
                    }
                } else if (strcasecmp(v->name, "include") == 0) {
                    const char *a = v->value;
                    size_t l = strcspn(a, ",|");
                    while (l && isspace((unsigned char)a[l - 1])) l--;
                    long to = ctx_index(dp, a, l);
                    if (to >= 0 && push_edge(cx, (size_t)to, v, "include") != 0)
                        return -1;
                }
            }
        }
    }
    return 0;
}

/* ---- reachability: who reaches which context without authenticating ---- */

struct seed {
    char ctx[128];
    char why[384];
};

struct seeds {
    struct seed s[64];
    size_t n;
};

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void add_seed(struct seeds *ss, const char *ctx, const char *fmt, ...)
{
    if (ss->n >= sizeof ss->s / sizeof ss->s[0])
        return;
    struct seed *s = &ss->s[ss->n++];
    snprintf(s->ctx, sizeof s->ctx, "%s", ctx);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->why, sizeof s->why, fmt, ap);
    va_end(ap);
}

static void check_reachability(struct ctx *c, const struct dialplan *dp, const struct seeds *ss)
{
    if (!dp->n)
        return;
    size_t n = dp->n;
    long *parent = malloc(n * sizeof *parent);
    const struct edge **via = malloc(n * sizeof *via);
    size_t *queue = malloc(n * sizeof *queue);
    unsigned char *flagged = NULL;
    size_t total_ext = 0;
    for (size_t i = 0; i < n; i++)
        total_ext += dp->ctx[i].n_ext;
    flagged = calloc(total_ext ? total_ext : 1, 1);
    unsigned char *reached_any = calloc(n, 1);
    if (!parent || !via || !queue || !flagged || !reached_any) {
        c->oom = 1;
        goto out;
    }
    for (size_t si = 0; si < ss->n; si++) {
        long start = ctx_index(dp, ss->s[si].ctx, strlen(ss->s[si].ctx));
        if (start < 0)
            continue;
        for (size_t i = 0; i < n; i++) {
            parent[i] = -2;
            via[i] = NULL;
        }
        size_t qh = 0, qt = 0;
        queue[qt++] = (size_t)start;
        parent[start] = -1;
        while (qh < qt) {
            size_t u = queue[qh++];
            reached_any[u] = 1;
            for (size_t k = 0; k < dp->ctx[u].n_edges; k++) {
                size_t v = dp->ctx[u].edges[k].to;
                if (parent[v] != -2)
                    continue;
                parent[v] = (long)u;
                via[v] = &dp->ctx[u].edges[k];
                queue[qt++] = v;
            }
        }
        size_t base = 0;
        for (size_t u = 0; u < n; u++) {
            const struct context *cx = &dp->ctx[u];
            if (parent[u] != -2) {
                for (size_t k = 0; k < cx->n_ext; k++) {
                    const struct exten *e = &cx->ext[k];
                    if (e->reach == REACH_NONE || flagged[base + k])
                        continue;
                    flagged[base + k] = 1;
                    char path[512];
                    size_t pl = 0;
                    path[0] = '\0';
                    /* the path, from u back to the start */
                    for (long w = (long)u; w >= 0 && parent[w] >= 0 && pl < sizeof path - 1; w = parent[w]) {
                        int wr = snprintf(path + pl, sizeof path - pl, " <- '%s' (%s at %s:%d)",
                                          dp->ctx[parent[w]].sec->name, via[w]->how, via[w]->var->file,
                                          via[w]->var->line);
                        if (wr < 0) break;
                        pl += (size_t)wr;
                        if (pl >= sizeof path) pl = sizeof path - 1;
                    }
                    add(c, e->reach == REACH_INTL ? AUD_CRITICAL : AUD_HIGH, "unauth-dialout",
                        e->var->file, e->var->line, cx->sec->name,
                        "%s reach context '%s'%s, where extension %s dials out (%s): toll fraud to %s numbers without any password\v"
                        "keep unauthenticated callers in a context that only reaches your own extensions (no include/Goto into outbound contexts); put outbound patterns in contexts used only by authenticated phones",
                        ss->s[si].why, cx->sec->name, path, e->pattern, e->app,
                        e->reach == REACH_INTL ? "international" : "PSTN");
                }
            }
            base += cx->n_ext;
        }
    }
    /* international dialling from authenticated contexts: worth knowing */
    size_t base = 0;
    for (size_t u = 0; u < n; u++) {
        const struct context *cx = &dp->ctx[u];
        for (size_t k = 0; k < cx->n_ext; k++) {
            const struct exten *e = &cx->ext[k];
            if (e->reach != REACH_INTL || flagged[base + k])
                continue;
            add(c, AUD_LOW, "international-dialout", e->var->file, e->var->line, cx->sec->name,
                "context '%s' lets its callers dial international numbers (extension %s): a cracked phone account turns into calls to premium and international numbers, the study's abuse step\v"
                "allow only the destinations you need (explicit country prefixes), require a PIN (Authenticate()) for international calls, and cap simultaneous calls (GROUP_COUNT, call-limit)",
                cx->sec->name, e->pattern);
        }
        base += cx->n_ext;
    }
out:
    free(parent);
    free(via);
    free(queue);
    free(flagged);
    free(reached_any);
}

/* Extensions of the dialplan that Dial this peer (literal extensions only). */
static size_t extens_of_peer(const struct dialplan *dp, const char *peer, const char **out, size_t max)
{
    size_t n = 0;
    size_t pl = strlen(peer);
    for (size_t u = 0; u < dp->n && n < max; u++) {
        for (size_t k = 0; k < dp->ctx[u].n_ext && n < max; k++) {
            const struct exten *e = &dp->ctx[u].ext[k];
            if (e->pattern[0] == '_' || strcasecmp(e->app, "Dial") != 0)
                continue;
            for (const char *t = e->args; (t = strstr(t, "SIP/")) != NULL; t += 4) {
                if (strncasecmp(t + 4, peer, pl) == 0 && !isalnum((unsigned char)t[4 + pl])
                    && t[4 + pl] != '_' && t[4 + pl] != '-') {
                    out[n++] = e->pattern;
                    break;
                }
            }
        }
    }
    return n;
}

static int dialplan_has_exten(const struct dialplan *dp, const char *name)
{
    for (size_t u = 0; u < dp->n; u++)
        for (size_t k = 0; k < dp->ctx[u].n_ext; k++)
            if (strcasecmp(dp->ctx[u].ext[k].pattern, name) == 0)
                return 1;
    return 0;
}

/* ---- chan_sip ---- */

static int looks_like_extension(const struct dialplan *dp, const char *name)
{
    return is_digits(name, 2, 10) || dialplan_has_exten(dp, name);
}

static void check_chan_sip(struct ctx *c, const astconf *sip, const struct dialplan *dp, struct seeds *ss)
{
    const astconf_section *g = astconf_find(sip, "general", NULL);
    const char *gfile = g ? g->file : (sip->n_files ? sip->files[0] : "");
    int gline = g ? g->line : 0;
    const char *realm = astconf_value(g, "realm", "asterisk");
    const char *guest_ctx = astconf_value(g, "context", "default");

    const astconf_var *ag = astconf_get(g, "allowguest");
    if (!ag || !astconf_false(ag->value)) {
        add(c, AUD_MEDIUM, "allowguest", ag ? ag->file : gfile, ag ? ag->line : gline, "general",
            "%s: calls from unknown callers are accepted without authentication into context '%s'\v"
            "set allowguest=no in [general] (and keep context= pointing at a context that only reaches local extensions)",
            ag ? "allowguest=yes" : "allowguest is not set and defaults to yes", guest_ctx);
        add_seed(ss, guest_ctx, "unauthenticated chan_sip callers (guest calls: %s at %s:%d)",
                 ag ? "allowguest=yes" : "allowguest defaults to yes", ag ? ag->file : gfile,
                 ag ? ag->line : gline);
    }
    const astconf_var *aar = astconf_get(g, "alwaysauthreject");
    if (aar && astconf_false(aar->value)) {
        add(c, AUD_HIGH, "alwaysauthreject", aar->file, aar->line, "general",
            "alwaysauthreject=no: unknown users get '404 Not found' and real ones '401/403', so svwar and sip-enum-users list your extensions\v"
            "set alwaysauthreject=yes in [general]");
    } else if (!aar) {
        add(c, AUD_INFO, "alwaysauthreject-default", gfile, gline, "general",
            "alwaysauthreject is not set: it defaults to yes since Asterisk 1.8 but to no in 1.6 and older (extension enumeration)\v"
            "set alwaysauthreject=yes explicitly in [general]");
    }
    const astconf_var *acp = astconf_get(g, "autocreatepeer");
    if (acp && astconf_true(acp->value)) {
        add(c, AUD_CRITICAL, "autocreatepeer", acp->file, acp->line, "general",
            "autocreatepeer=yes: any device can register under any name without a password and call into context '%s'\v"
            "remove autocreatepeer (default no)", guest_ctx);
        add_seed(ss, guest_ctx, "any device (autocreatepeer=yes at %s:%d)", acp->file, acp->line);
    }

    for (size_t i = 0; i < sip->n_sections; i++) {
        const astconf_section *s = &sip->sections[i];
        if (s->is_template || strcasecmp(s->name, "general") == 0 || strcasecmp(s->name, "authentication") == 0)
            continue;
        const char *type = type_of(s);
        if (strcasecmp(type, "friend") != 0 && strcasecmp(type, "peer") != 0 && strcasecmp(type, "user") != 0)
            continue;
        const char *host = astconf_value(s, "host", "");
        int dynamic = strcasecmp(host, "dynamic") == 0;
        const astconf_var *secret = astconf_get(s, "secret");
        const astconf_var *md5 = astconf_get(s, "md5secret");
        const char *pctx = astconf_value(s, "context", guest_ctx);

        const char *ids[16];
        size_t n_ids = 0;
        ids[n_ids++] = s->name;
        static const char *const idkeys[] = {"username", "defaultuser", "fromuser", "authuser", "mailbox"};
        for (size_t k = 0; k < sizeof idkeys / sizeof idkeys[0]; k++) {
            const char *v = astconf_value(s, idkeys[k], NULL);
            if (v && *v) ids[n_ids++] = v;
        }
        n_ids += extens_of_peer(dp, s->name, ids + n_ids, sizeof ids / sizeof ids[0] - n_ids);

        if (secret)
            check_secret(c, secret, s->name, "secret", ids, n_ids);
        else if (md5) {
            const char *users[2] = {s->name, astconf_value(s, "defaultuser", astconf_value(s, "username", NULL))};
            check_md5(c, md5, s->name, "md5secret", users, 2, realm, ids, n_ids);
        }
        if (!secret && !md5 && dynamic) {
            add(c, AUD_CRITICAL, "no-secret", s->file, s->line, s->name,
                "peer [%s] has host=dynamic and no secret: anyone can register as '%s' and call into context '%s'\v" FIX_SECRET,
                s->name, s->name, pctx);
            add_seed(ss, pctx, "anyone registering as [%s] (no secret, %s:%d)", s->name, s->file, s->line);
        }
        if ((secret || md5) && dynamic && looks_like_extension(dp, s->name)) {
            add(c, AUD_MEDIUM, "auth-user-is-extension", s->file, s->line, s->name,
                "the authentication user name of [%s] is its extension number: enumeration (svwar) hands attackers the user names to brute-force\v"
                "name the peer with a non-guessable user name (e.g. [a7f3k2-%s]) and map the extension to it in the dialplan (exten => %s,1,Dial(SIP/a7f3k2-%s))",
                s->name, s->name, s->name, s->name);
        }
        const astconf_var *ins = astconf_get(s, "insecure");
        if (ins && (list_has(ins->value, "invite") || list_has(ins->value, "very"))) {
            add(c, AUD_HIGH, "insecure-invite", ins->file, ins->line, s->name,
                "insecure=%s on [%s]: INVITEs matching this peer are not authenticated%s\v"
                "remove insecure=invite; for a provider trunk, match it by address with permit/deny (deny=0.0.0.0/0.0.0.0, permit=<provider>) and a context that cannot dial out",
                ins->value, s->name, dynamic ? " and host=dynamic means anyone can be the peer" : "");
            if (dynamic)
                add_seed(ss, pctx, "unauthenticated INVITEs of [%s] (insecure=%s at %s:%d)", s->name, ins->value,
                         ins->file, ins->line);
        } else if (ins && list_has(ins->value, "port")) {
            add(c, AUD_LOW, "insecure-port", ins->file, ins->line, s->name,
                "insecure=port on [%s]: requests are matched by address only, any source port\v"
                "remove insecure=port unless the provider needs it", s->name);
        }
        if (dynamic && !astconf_get(s, "deny") && !astconf_get(s, "permit") && !astconf_get(s, "acl")) {
            add(c, AUD_MEDIUM, "no-acl", s->file, s->line, s->name,
                "peer [%s] (type=%s, host=dynamic) has no deny/permit or acl: it can register and be brute-forced from any address on the Internet\v"
                "add deny=0.0.0.0/0.0.0.0 and permit=<your network>/<mask> (or acl=<named ACL in acl.conf>)",
                s->name, type);
        }
    }
}

/* ---- res_pjsip ---- */

static const astconf_section *pj_typed(const astconf *pj, const char *name, const char *type)
{
    size_t from = 0;
    const astconf_section *s;
    while ((s = astconf_find(pj, name, &from)) != NULL)
        if (!s->is_template && strcasecmp(type_of(s), type) == 0)
            return s;
    return NULL;
}

static int pj_has_identify(const astconf *pj, const char *endpoint)
{
    for (size_t i = 0; i < pj->n_sections; i++) {
        const astconf_section *s = &pj->sections[i];
        if (!s->is_template && strcasecmp(type_of(s), "identify") == 0
            && strcasecmp(astconf_value(s, "endpoint", ""), endpoint) == 0)
            return 1;
    }
    return 0;
}

static void check_pjsip(struct ctx *c, const astconf *pj, const struct dialplan *dp, struct seeds *ss)
{
    const astconf_section *glob = NULL;
    int global_acl = 0;
    for (size_t i = 0; i < pj->n_sections; i++) {
        const astconf_section *s = &pj->sections[i];
        if (s->is_template) continue;
        if (strcasecmp(type_of(s), "global") == 0) glob = s;
        if (strcasecmp(type_of(s), "acl") == 0) global_acl = 1;
    }
    const char *order = astconf_value(glob, "endpoint_identifier_order", "ip,username,anonymous");
    const char *def_realm = astconf_value(glob, "default_realm", "asterisk");

    for (size_t i = 0; i < pj->n_sections; i++) {
        const astconf_section *s = &pj->sections[i];
        if (s->is_template) continue;
        const char *type = type_of(s);
        if (strcasecmp(type, "endpoint") == 0) {
            const char *ectx = astconf_value(s, "context", "default");
            const astconf_var *auth = astconf_get(s, "auth");
            int anonymous = strcasecmp(s->name, "anonymous") == 0;
            if (anonymous) {
                add(c, AUD_HIGH, "anonymous-endpoint", s->file, s->line, s->name,
                    "endpoint [anonymous] takes every request no other endpoint matches (endpoint_identifier_order: %s) into context '%s' without authentication\v"
                    "remove the [anonymous] endpoint, or point its context at one that only answers your public numbers",
                    order, ectx);
                if (list_has(order, "anonymous"))
                    add_seed(ss, ectx, "anonymous callers (pjsip [anonymous] endpoint at %s:%d)", s->file, s->line);
            } else if (!auth || !*auth->value) {
                if (!pj_has_identify(pj, s->name)) {
                    add(c, AUD_CRITICAL, "endpoint-no-auth", s->file, s->line, s->name,
                        "endpoint [%s] has no auth= and no identify: a request with From user '%s' from anywhere is matched by name and never challenged\v"
                        "add auth=<an auth section with a strong password>, or for a trunk an identify section (match=<provider address>) and identify_by=ip",
                        s->name, s->name);
                    add_seed(ss, ectx, "anyone claiming to be endpoint [%s] (no auth, %s:%d)", s->name, s->file, s->line);
                } else {
                    const char *by = astconf_value(s, "identify_by", "username,ip");
                    if ((list_has(by, "username") || list_has(by, "auth_username")) && list_has(order, "username")) {
                        const astconf_var *bv = astconf_get(s, "identify_by");
                        add(c, AUD_HIGH, "endpoint-username-match", bv ? bv->file : s->file, bv ? bv->line : s->line, s->name,
                            "endpoint [%s] has no auth= and relies on identify by address, but identify_by=%s%s also matches it by From user name from any address, unchallenged\v"
                            "set identify_by=ip on the endpoint (and keep 'ip' first in [global] endpoint_identifier_order)",
                            s->name, by, bv ? "" : " (the default)");
                        add_seed(ss, ectx, "anyone claiming to be endpoint [%s] (no auth, matched by user name, %s:%d)",
                                 s->name, s->file, s->line);
                    }
                }
            } else {
                /* every auth it names must exist */
                char names[512];
                snprintf(names, sizeof names, "%s", auth->value);
                char *save = NULL;
                for (char *t = strtok_r(names, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
                    if (!pj_typed(pj, t, "auth"))
                        add(c, AUD_MEDIUM, "auth-missing", auth->file, auth->line, s->name,
                            "endpoint [%s] names auth '%s', which is not a type=auth section\v"
                            "define [%s] with type=auth, or fix the name", s->name, t, t);
                }
                if (!global_acl && !astconf_get(s, "acl") && !astconf_get(s, "deny") && !astconf_get(s, "permit")) {
                    add(c, AUD_MEDIUM, "no-acl", s->file, s->line, s->name,
                        "endpoint [%s] has no acl/deny/permit and there is no type=acl section: it can be brute-forced from any address\v"
                        "add deny=0.0.0.0/0.0.0.0 and permit=<your network> to the endpoint (or a [acl] section with type=acl)",
                        s->name);
                }
            }
        } else if (strcasecmp(type, "auth") == 0) {
            const char *user = astconf_value(s, "username", "");
            const astconf_var *uv = astconf_get(s, "username");
            const char *ids[16];
            size_t n_ids = 0;
            ids[n_ids++] = s->name;
            if (*user) ids[n_ids++] = user;
            /* endpoints using this auth */
            for (size_t k = 0; k < pj->n_sections && n_ids < 12; k++) {
                const astconf_section *e = &pj->sections[k];
                if (!e->is_template && strcasecmp(type_of(e), "endpoint") == 0
                    && list_has(astconf_value(e, "auth", ""), s->name)) {
                    ids[n_ids++] = e->name;
                    n_ids += extens_of_peer(dp, e->name, ids + n_ids, 12 - n_ids);
                }
            }
            const char *atype = astconf_value(s, "auth_type", "userpass");
            const astconf_var *pw = astconf_get(s, "password");
            const astconf_var *md5 = astconf_get(s, "md5_cred");
            if (strcasecmp(atype, "md5") == 0 && md5) {
                const char *users[1] = {user};
                check_md5(c, md5, s->name, "md5_cred", users, 1, astconf_value(s, "realm", def_realm), ids, n_ids);
            } else if (pw) {
                check_secret(c, pw, s->name, "password", ids, n_ids);
            } else if (strcasecmp(atype, "userpass") == 0) {
                add(c, AUD_CRITICAL, "empty-secret", s->file, s->line, s->name,
                    "auth [%s] has no password\v" FIX_SECRET, s->name);
            }
            if (*user && looks_like_extension(dp, user)) {
                add(c, AUD_MEDIUM, "auth-user-is-extension", uv->file, uv->line, s->name,
                    "auth [%s] uses the extension number '%s' as its user name: enumeration hands attackers the user names to brute-force\v"
                    "use a non-guessable username= (e.g. a7f3k2-%s) in the auth section; the phone registers with it, the extension number stays in the dialplan",
                    s->name, user, user);
            }
        }
    }
}

static void add_warnings(struct ctx *c, const astconf *cf)
{
    for (size_t i = 0; i < cf->n_warnings; i++)
        add(c, AUD_LOW, "config-warning", cf->warnings[i].file, cf->warnings[i].line, "",
            "%s\vfix the line: Asterisk ignores it or reads it differently than it looks", cf->warnings[i].msg);
}

int audit_run(const aud_input *in, aud_report *out)
{
    struct ctx c = {in, out, 0};
    struct dialplan dp;
    if (dialplan_build(in->ext, &dp) != 0) {
        dialplan_free(&dp);
        return -1;
    }
    struct seeds *ss = calloc(1, sizeof *ss);
    if (!ss) {
        dialplan_free(&dp);
        return -1;
    }
    if (in->sip) {
        add_warnings(&c, in->sip);
        check_chan_sip(&c, in->sip, &dp, ss);
    }
    if (in->pjsip) {
        add_warnings(&c, in->pjsip);
        check_pjsip(&c, in->pjsip, &dp, ss);
    }
    if (in->ext) {
        add_warnings(&c, in->ext);
        check_reachability(&c, &dp, ss);
    }
    free(ss);
    dialplan_free(&dp);
    if (out->n)
        aud_report_sort(out);
    return c.oom ? -1 : 0;
}
