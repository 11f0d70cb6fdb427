/*
 * number.c - dial string -> canonical E.164 number, stripped prefix,
 * destination country, number type, category (see number.h; the rules are
 * documented in docs/ANALYSIS.md, "Dialed numbers").
 */
#include "enrich/number.h"

#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "enrich/callingcodes.h"

/* ------------------------------------------------------------------------
 * Destination country (Number::Phone::Country semantics)
 * ------------------------------------------------------------------------ */

/* NANP non-geographic area codes that get a label instead of a country. */
static const char *nanp_label(const char *area)
{
    static const char *const tollfree[] = {"800", "833", "844", "855", "866", "877", "888"};
    for (size_t i = 0; i < sizeof tollfree / sizeof tollfree[0]; i++)
        if (memcmp(area, tollfree[i], 3) == 0)
            return "XN-TOLLFREE";
    if (memcmp(area, "900", 3) == 0)
        return "XN-PREMIUM";
    /* 5XX personal communications services (500, 521-533, 544, ..., 588) */
    if (area[0] == '5' && ((area[1] == area[2] && area[1] != '1') ||
                           (area[1] == '2' && area[2] >= '1') ||
                           (area[1] == '3' && area[2] <= '3')))
        return "XN-PERSONAL";
    return "XN-NANP";
}

static int cmp_nanp(const void *key, const void *elem)
{
    return memcmp(key, ((const struct cc_nanp *)elem)->area, 3);
}

/* Longest entry of cc_prefixes that digits starts with. */
static const struct cc_prefix *prefix_find(const char *digits)
{
    size_t len = strlen(digits);
    char buf[16];
    for (size_t l = len < 9 ? len : 9; l >= 1; l--) {
        memcpy(buf, digits, l);
        buf[l] = '\0';
        size_t lo = 0, hi = cc_prefixes_len;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            int c = strcmp(buf, cc_prefixes[mid].prefix);
            if (c == 0)
                return &cc_prefixes[mid];
            if (c < 0)
                hi = mid;
            else
                lo = mid + 1;
        }
    }
    return NULL;
}

/* The validity patterns, compiled once for all threads. */
static regex_t *validator_valid, *validator_np;
static unsigned char *validator_ok;
static pthread_once_t validators_once = PTHREAD_ONCE_INIT;

static void validators_compile(void)
{
    size_t n = cc_validators_len;
    validator_valid = calloc(n, sizeof *validator_valid);
    validator_np = calloc(n, sizeof *validator_np);
    validator_ok = calloc(n, 1);
    if (!validator_valid || !validator_np || !validator_ok) {
        free(validator_valid); free(validator_np); free(validator_ok);
        validator_valid = validator_np = NULL;
        validator_ok = NULL;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct cc_validator *v = &cc_validators[i];
        if (regcomp(&validator_valid[i], v->valid_re, REG_EXTENDED | REG_NOSUB) != 0)
            continue;
        validator_ok[i] = 1;
        if (v->national_prefix_re &&
            regcomp(&validator_np[i], v->national_prefix_re, REG_EXTENDED) == 0)
            validator_ok[i] = 2;
    }
}

/* Whether national fits country's plan, as StubCountry->new() decides:
 * as it is, or once its national prefix is removed. */
static int fits_country(const char *country, const char *national)
{
    pthread_once(&validators_once, validators_compile);
    if (!validator_ok)
        return 0;
    for (size_t i = 0; i < cc_validators_len; i++) {
        if (strcmp(cc_validators[i].country, country) != 0)
            continue;
        if (!validator_ok[i])
            return 0;
        if (regexec(&validator_valid[i], national, 0, NULL, 0) == 0)
            return 1;
        regmatch_t m;
        if (validator_ok[i] == 2 && regexec(&validator_np[i], national, 1, &m, 0) == 0 &&
            m.rm_so == 0 && m.rm_eo > 0)
            return regexec(&validator_valid[i], national + m.rm_eo, 0, NULL, 0) == 0;
        return 0;
    }
    return 0;
}

static void copy_country(num_dest *out, const char *c)
{
    snprintf(out->country, sizeof out->country, "%s", c);
}

int num_destination(const char *digits, num_dest *out)
{
    memset(out, 0, sizeof *out);
    size_t len = strlen(digits);
    if (len == 0 || len > NUM_MAX_DIAL)
        return -1;
    for (size_t i = 0; i < len; i++)
        if (!isdigit((unsigned char)digits[i]))
            return -1;
    if (digits[0] == '1') {
        out->cc = 1;
        if (len < 4) {
            copy_country(out, "XN-NANP");
            return 0;
        }
        const struct cc_nanp *a = bsearch(digits + 1, cc_nanp_areas, cc_nanp_areas_len,
                                          sizeof cc_nanp_areas[0], cmp_nanp);
        copy_country(out, a ? a->country : nanp_label(digits + 1));
        return 0;
    }
    const struct cc_prefix *p = prefix_find(digits);
    if (!p)
        return -1;
    out->cc = (unsigned)strtoul(p->prefix, NULL, 10);
    for (unsigned l = (unsigned)strlen(p->prefix); l > p->cc_len; l--)
        out->cc /= 10;
    if (p->shared) {
        const char *national = digits + p->cc_len;
        const char *s = p->shared;
        while (*s) {
            char c[4] = {0};
            size_t n = strcspn(s, " ");
            if (n < sizeof c) {
                memcpy(c, s, n);
                if (fits_country(c, national)) {
                    copy_country(out, c);
                    return 0;
                }
            }
            s += n;
            while (*s == ' ')
                s++;
        }
    }
    copy_country(out, p->country);
    return 0;
}

/* ------------------------------------------------------------------------
 * Context: home plan, libphonenumber cache, categories
 * ------------------------------------------------------------------------ */

struct pn_slot {
    char key[NUM_MAX_E164 + 1];   /* digits; "" = empty slot */
    pn_info info;
};

#define MEMO_MAX_DIAL 48      /* longer dial strings are not memoised */

struct memo_slot {
    char dial[MEMO_MAX_DIAL + 1];   /* "" = empty slot */
    unsigned char used;
    num_result result;
};

struct category {
    char *prefix;   /* digits */
    char *label;
    size_t seq;     /* order of addition: a later entry replaces an earlier one */
};

struct num_ctx {
    char home[4];
    const struct cc_plan *plan;
    regex_t idd_re;
    int idd_re_ok;
    char carriers[100];          /* carriers[XX]: a carrier selection code of home */
    int has_carriers;

    struct pn_slot *slots;       /* open addressing, capacity a power of two */
    size_t cap, count, max;
    unsigned long lookups;

    struct category *cats;       /* sorted by prefix once loaded */
    size_t ncats, capcats;
    int cats_sorted;
    size_t cat_seq;

    /* results per dial string (bounded like the libphonenumber cache) */
    struct memo_slot *memo;
    size_t memo_cap, memo_count;
    unsigned long memo_hits;
};

/* Common international prefixes in use around the world (national
 * plans): tried whatever the home country. The first two (ITU's 00 and
 * NANP's 011) count as usual, the others as less usual (one more
 * assumption). The home country's own ones (its IDD pattern) are usual. */
static const char *const generic_idd[] = {
    "00", "011", "0011", "0014", "0015", "0016", "0018", "0019", "810", "010",
    "000", "001", "002", "003", "005", "006", "007", "008", "009", "119",
};

/* PBX "outside line" prefixes, and what comes before an IDD on some PBXs. */
static const char *const line_prefixes[] = {"", "9", "0", "8", "99"};

/* Countries where a carrier selection code follows the trunk or
 * international prefix (Brazil: 0 XX AA NNNNNNNN national, 00 XX CC ...
 * international, XX the long-distance carrier, Anatel CSP). */
static const struct {
    const char *country;
} carrier_countries[] = {{"BR"}};

num_ctx *num_ctx_new(const char *home, size_t cache_max)
{
    if (!home)
        home = NUM_DEFAULT_HOME;
    const struct cc_plan *plan = NULL;
    for (size_t i = 0; i < cc_plans_len; i++)
        if (strcasecmp(cc_plans[i].country, home) == 0) {
            plan = &cc_plans[i];
            break;
        }
    if (!plan)
        return NULL;
    num_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    snprintf(ctx->home, sizeof ctx->home, "%s", plan->country);
    ctx->plan = plan;
    if (plan->idd_re && regcomp(&ctx->idd_re, plan->idd_re, REG_EXTENDED) == 0)
        ctx->idd_re_ok = 1;
    for (size_t i = 0; i < sizeof carrier_countries / sizeof carrier_countries[0]; i++) {
        if (strcmp(carrier_countries[i].country, ctx->home) != 0 || !ctx->idd_re_ok)
            continue;
        /* The carrier codes are the XX for which "00XX" is a whole IDD. */
        for (unsigned xx = 0; xx < 100; xx++) {
            char s[8] = {'0', '0', (char)('0' + xx / 10), (char)('0' + xx % 10), '\0'};
            regmatch_t m;
            if (regexec(&ctx->idd_re, s, 1, &m, 0) == 0 && m.rm_so == 0 && m.rm_eo == 4) {
                ctx->carriers[xx] = 1;
                ctx->has_carriers = 1;
            }
        }
    }
    ctx->max = cache_max ? cache_max : NUM_DEFAULT_CACHE;
    ctx->cap = 64;
    while (ctx->cap < ctx->max * 2 && ctx->cap < ((size_t)1 << 30))
        ctx->cap *= 2;
    if (ctx->cap > 4096)
        ctx->cap = 4096;   /* grows with use up to max * 2 */
    ctx->slots = calloc(ctx->cap, sizeof *ctx->slots);
    if (!ctx->slots) {
        num_ctx_free(ctx);
        return NULL;
    }
    return ctx;
}

void num_ctx_free(num_ctx *ctx)
{
    if (!ctx)
        return;
    if (ctx->idd_re_ok)
        regfree(&ctx->idd_re);
    free(ctx->slots);
    for (size_t i = 0; i < ctx->ncats; i++) {
        free(ctx->cats[i].prefix);
        free(ctx->cats[i].label);
    }
    free(ctx->cats);
    free(ctx->memo);
    free(ctx);
}

static void memo_clear(num_ctx *ctx)
{
    if (ctx->memo)
        memset(ctx->memo, 0, ctx->memo_cap * sizeof *ctx->memo);
    ctx->memo_count = 0;
}

const char *num_ctx_home(const num_ctx *ctx)
{
    return ctx->home;
}

unsigned long num_ctx_lookups(const num_ctx *ctx)
{
    return ctx->lookups;
}

static size_t hash_digits(const char *s)
{
    size_t h = 14695981039346656037ULL & (size_t)-1;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
    return h;
}

/* Doubles the table (rehashing), or empties it when at its maximum. */
static void cache_make_room(num_ctx *ctx)
{
    if (ctx->count + 1 <= ctx->cap / 2)
        return;
    if (ctx->cap >= ctx->max * 2) {
        memset(ctx->slots, 0, ctx->cap * sizeof *ctx->slots);
        ctx->count = 0;
        return;
    }
    size_t ncap = ctx->cap * 2;
    struct pn_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns) {
        memset(ctx->slots, 0, ctx->cap * sizeof *ctx->slots);
        ctx->count = 0;
        return;
    }
    for (size_t i = 0; i < ctx->cap; i++) {
        if (!ctx->slots[i].key[0])
            continue;
        size_t j = hash_digits(ctx->slots[i].key) & (ncap - 1);
        while (ns[j].key[0])
            j = (j + 1) & (ncap - 1);
        ns[j] = ctx->slots[i];
    }
    free(ctx->slots);
    ctx->slots = ns;
    ctx->cap = ncap;
}

int num_lookup(num_ctx *ctx, const char *digits, pn_info *out)
{
    size_t len = strlen(digits);
    if (len == 0 || len > NUM_MAX_E164) {
        memset(out, 0, sizeof *out);
        out->type = PN_UNKNOWN;
        return -1;
    }
    size_t mask = ctx->cap - 1, i = hash_digits(digits) & mask;
    while (ctx->slots[i].key[0]) {
        if (strcmp(ctx->slots[i].key, digits) == 0) {
            *out = ctx->slots[i].info;
            return 0;
        }
        i = (i + 1) & mask;
    }
    ctx->lookups++;
    pn_lookup(digits, out);
    cache_make_room(ctx);
    mask = ctx->cap - 1;
    i = hash_digits(digits) & mask;
    while (ctx->slots[i].key[0])
        i = (i + 1) & mask;
    memcpy(ctx->slots[i].key, digits, len + 1);
    ctx->slots[i].info = *out;
    ctx->count++;
    return 0;
}

/* ------------------------------------------------------------------------
 * Categories
 * ------------------------------------------------------------------------ */

static int cmp_cat(const void *a, const void *b)
{
    return strcmp(((const struct category *)a)->prefix, ((const struct category *)b)->prefix);
}

static int cmp_cat_seq(const void *a, const void *b)
{
    const struct category *x = a, *y = b;
    int c = strcmp(x->prefix, y->prefix);
    if (c)
        return c;
    return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;   /* latest first */
}

/* Sorts by prefix and keeps only the latest entry of each prefix. */
static void categories_sort(num_ctx *ctx)
{
    qsort(ctx->cats, ctx->ncats, sizeof *ctx->cats, cmp_cat_seq);
    size_t w = 0;
    for (size_t i = 0; i < ctx->ncats; i++) {
        if (w > 0 && strcmp(ctx->cats[w - 1].prefix, ctx->cats[i].prefix) == 0) {
            free(ctx->cats[i].prefix);
            free(ctx->cats[i].label);
            continue;
        }
        ctx->cats[w++] = ctx->cats[i];
    }
    ctx->ncats = w;
    ctx->cats_sorted = 1;
}

int num_ctx_add_category(num_ctx *ctx, const char *number, const char *label)
{
    char digits[NUM_MAX_E164 + 1];
    size_t n = 0;
    for (const char *p = number; *p; p++) {
        if (isdigit((unsigned char)*p)) {
            if (n >= NUM_MAX_E164)
                return -1;
            digits[n++] = *p;
        } else if (*p == '+' && p == number) {
            continue;
        } else if (*p == ' ' || *p == '-' || *p == '.' || *p == '(' || *p == ')') {
            continue;
        } else {
            return -1;
        }
    }
    if (n == 0 || !label || !*label)
        return -1;
    digits[n] = '\0';
    if (ctx->ncats == ctx->capcats) {
        size_t nc = ctx->capcats ? ctx->capcats * 2 : 64;
        struct category *c = realloc(ctx->cats, nc * sizeof *c);
        if (!c)
            return -1;
        ctx->cats = c;
        ctx->capcats = nc;
    }
    char *pd = strdup(digits), *pl = strdup(label);
    if (!pd || !pl) {
        free(pd);
        free(pl);
        return -1;
    }
    ctx->cats[ctx->ncats].prefix = pd;
    ctx->cats[ctx->ncats].label = pl;
    ctx->cats[ctx->ncats].seq = ctx->cat_seq++;
    ctx->ncats++;
    ctx->cats_sorted = 0;
    memo_clear(ctx);   /* memoised results may carry old labels */
    return 0;
}

long num_ctx_load_categories(num_ctx *ctx, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024];
    long count = 0, lineno = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t l = strcspn(line, "\r\n");
        if (line[l] == '\0' && !feof(f)) {
            snprintf(err, errlen, "%s:%ld: line too long", path, lineno);
            fclose(f);
            return -1;
        }
        line[l] = '\0';
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s == '#' || *s == '\0')
            continue;
        char *tab = strchr(s, '\t');
        if (!tab) {
            snprintf(err, errlen, "%s:%ld: expected <number><TAB><label>", path, lineno);
            fclose(f);
            return -1;
        }
        *tab = '\0';
        char *label = tab + 1;
        while (*label == ' ' || *label == '\t')
            label++;
        size_t ll = strlen(label);
        while (ll && (label[ll - 1] == ' ' || label[ll - 1] == '\t'))
            label[--ll] = '\0';
        size_t nl = strlen(s);
        while (nl && s[nl - 1] == ' ')
            s[--nl] = '\0';
        if (num_ctx_add_category(ctx, s, label) != 0) {
            snprintf(err, errlen, "%s:%ld: bad number '%s' or empty label", path, lineno, s);
            fclose(f);
            return -1;
        }
        count++;
    }
    fclose(f);
    return count;
}

static const char *category_find(num_ctx *ctx, const char *digits)
{
    if (ctx->ncats == 0)
        return NULL;
    if (!ctx->cats_sorted)
        categories_sort(ctx);
    char buf[NUM_MAX_E164 + 1];
    size_t len = strlen(digits);
    for (size_t l = len; l >= 1; l--) {
        memcpy(buf, digits, l);
        buf[l] = '\0';
        struct category key = {buf, NULL, 0};
        struct category *c = bsearch(&key, ctx->cats, ctx->ncats, sizeof *ctx->cats, cmp_cat);
        if (c)
            return c->label;
    }
    return NULL;
}

/* ------------------------------------------------------------------------
 * Normalisation
 * ------------------------------------------------------------------------ */

enum reading {
    R_PLUS, R_IDD, R_NATIONAL, R_CARRIER_NATIONAL, R_BARE_INTL, R_BARE_NATIONAL,
};

static const char *const reading_names[] = {
    [R_PLUS] = "international", [R_IDD] = "international",
    [R_NATIONAL] = "national", [R_CARRIER_NATIONAL] = "carrier+national",
    [R_BARE_INTL] = "bare-international", [R_BARE_NATIONAL] = "bare-national",
};
static const char *const reading_names_line[] = {
    [R_PLUS] = "line+international", [R_IDD] = "line+international",
    [R_NATIONAL] = "line+national", [R_CARRIER_NATIONAL] = "line+carrier+national",
    [R_BARE_INTL] = "line+bare-international", [R_BARE_NATIONAL] = "line+bare-national",
};

/* Assumptions a reading makes: an explicit international or national
 * prefix is what a dial string normally has (0); a bare number without
 * any prefix is less usual, a bare home-national one the least (see
 * docs/ANALYSIS.md); a PBX line prefix adds one. */
static int reading_cost(enum reading r)
{
    switch (r) {
    case R_PLUS: case R_IDD: case R_CARRIER_NATIONAL: return 0;
    case R_NATIONAL: case R_BARE_INTL: return 1;
    case R_BARE_NATIONAL: return 2;
    }
    return 3;
}

struct cand {
    char digits[NUM_MAX_E164 + 1];
    char prefix[NUM_MAX_DIAL + 2];
    enum reading reading;
    int line;           /* a line prefix was stripped */
    int extra;          /* a less common international prefix */
    int rank;           /* 0 valid, 1 possible, 2 neither */
    int cost;
    size_t order;
    pn_info info;
};

#define MAX_CANDS 96

struct cands {
    struct cand c[MAX_CANDS];
    size_t n;
};

static void cand_add(num_ctx *ctx, struct cands *cs, const char *plus, const char *pfx,
                     size_t pfxlen, const char *digits, size_t dlen, const char *home_cc,
                     enum reading r, int line, int extra)
{
    size_t hl = home_cc ? strlen(home_cc) : 0;
    if (cs->n >= MAX_CANDS || dlen == 0 || digits[0] == '0')
        return;
    if (hl + dlen < 6 || hl + dlen > NUM_MAX_E164)
        return;
    struct cand *c = &cs->c[cs->n];
    memset(c, 0, sizeof *c);
    memcpy(c->digits, home_cc ? home_cc : "", hl);
    memcpy(c->digits + hl, digits, dlen);
    c->digits[hl + dlen] = '\0';
    for (size_t i = 0; i < cs->n; i++)   /* first (cheapest) reading of a number wins */
        if (strcmp(cs->c[i].digits, c->digits) == 0 &&
            cs->c[i].cost <= reading_cost(r) + line + extra)
            return;
    snprintf(c->prefix, sizeof c->prefix, "%s%.*s", plus, (int)pfxlen, pfx);
    c->reading = r;
    c->line = line;
    c->order = cs->n;
    num_lookup(ctx, c->digits, &c->info);
    c->rank = c->info.valid ? 0 : c->info.possible ? 1 : 2;
    c->extra = extra;
    c->cost = reading_cost(r) + line + extra;
    cs->n++;
}

/* Every reading of digits d (after an optional '+' that was not usable). */
static void readings(num_ctx *ctx, struct cands *cs, const char *plus, const char *d, size_t n)
{
    const char *home_cc = ctx->plan->cc;
    const char *ndd = ctx->plan->ndd;
    for (size_t li = 0; li < sizeof line_prefixes / sizeof line_prefixes[0]; li++) {
        size_t ll = strlen(line_prefixes[li]);
        if (ll >= n || memcmp(d, line_prefixes[li], ll) != 0)
            continue;
        const char *r = d + ll;
        size_t rn = n - ll;
        int line = ll > 0;
        /* international prefixes: the home country's, then the common ones */
        if (ctx->idd_re_ok) {
            char tmp[NUM_MAX_DIAL + 1];
            regmatch_t m;
            memcpy(tmp, r, rn);
            tmp[rn] = '\0';
            if (regexec(&ctx->idd_re, tmp, 1, &m, 0) == 0 && m.rm_so == 0 && m.rm_eo > 0) {
                size_t il = (size_t)m.rm_eo;
                cand_add(ctx, cs, plus, d, ll + il, r + il, rn - il, NULL, R_IDD, line, 0);
            }
        }
        for (size_t i = 0; i < sizeof generic_idd / sizeof generic_idd[0]; i++) {
            size_t il = strlen(generic_idd[i]);
            if (il < rn && memcmp(r, generic_idd[i], il) == 0)
                cand_add(ctx, cs, plus, d, ll + il, r + il, rn - il, NULL, R_IDD, line, i >= 2);
        }
        /* national number of the home country */
        if (ctx->has_carriers && rn > 3 && r[0] == '0' && isdigit((unsigned char)r[1])) {
            int xx = (r[1] - '0') * 10 + (r[2] - '0');
            if (ctx->carriers[xx])
                cand_add(ctx, cs, plus, d, ll + 3, r + 3, rn - 3, home_cc, R_CARRIER_NATIONAL, line, 0);
        }
        if (ndd) {
            size_t nl = strlen(ndd);
            if (nl < rn && memcmp(r, ndd, nl) == 0 && rn - nl >= 4)
                cand_add(ctx, cs, plus, d, ll + nl, r + nl, rn - nl, home_cc, R_NATIONAL, line, 0);
        }
        if (rn >= 4)
            cand_add(ctx, cs, plus, d, ll, r, rn, home_cc, R_BARE_NATIONAL, line, 0);
        /* a number with its country code but no prefix at all */
        cand_add(ctx, cs, plus, d, ll, r, rn, NULL, R_BARE_INTL, line, 0);
    }
}

static int cand_better(const struct cand *a, const struct cand *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank;
    if (a->cost != b->cost)
        return a->cost < b->cost;
    size_t la = strlen(a->prefix), lb = strlen(b->prefix);
    if (la != lb)
        return la < lb;            /* keep more digits of what was dialed */
    return a->order < b->order;
}

const char *num_status_name(num_status s)
{
    switch (s) {
    case NUM_VALID: return "valid";
    case NUM_UNVERIFIED: return "unverified";
    case NUM_SHORT: return "short";
    case NUM_NOT_NUMBER: return "not-a-number";
    }
    return "?";
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Dial string -> '+' flag and digits. Visual separators and a trailing
 * '#' (end of dialling) go; %XX escapes are decoded; a "tel:"/"sip:" scheme
 * and ";params" are cut. Returns 0, or -1 when anything else is there. */
static int clean_dial(const char *s, size_t len, int *plus, char *digits, size_t *n)
{
    *plus = 0;
    *n = 0;
    if (len > 256)
        return -1;
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t'))
        i++;
    if (len - i >= 4 && (strncasecmp(s + i, "tel:", 4) == 0 || strncasecmp(s + i, "sip:", 4) == 0))
        i += 4;
    int seen = 0, ended = 0;
    for (; i < len; i++) {
        int c = (unsigned char)s[i];
        if (c == '%' && i + 2 < len + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            c = hexval(s[i + 1]) * 16 + hexval(s[i + 2]);
            i += 2;
        }
        if (c == ';' || c == '@')
            break;
        if (ended) {
            if (c == '#' || c == ' ')
                continue;
            return -1;
        }
        if (c >= '0' && c <= '9') {
            if (*n >= NUM_MAX_DIAL)
                return -1;
            digits[(*n)++] = (char)c;
            seen = 1;
        } else if (c == '+' && !seen && !*plus) {
            *plus = 1;
        } else if (c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/' || c == '\t') {
            continue;
        } else if (c == '#' && seen) {
            ended = 1;
        } else {
            return -1;
        }
    }
    digits[*n] = '\0';
    return *n ? 0 : -1;
}

static num_status normalize(num_ctx *ctx, const char *dial, size_t len, num_result *out);

/* Memo of whole results: a table of memo_cap slots (memo_cap/2 used at
 * most, then emptied), keyed by the exact dial string. */
num_status num_normalize(num_ctx *ctx, const char *dial, size_t len, num_result *out)
{
    if (len > MEMO_MAX_DIAL || memchr(dial, '\0', len))
        return normalize(ctx, dial, len, out);
    if (!ctx->memo) {
        ctx->memo_cap = 1;
        while (ctx->memo_cap < ctx->max && ctx->memo_cap < 16384)
            ctx->memo_cap *= 2;
        ctx->memo_cap *= 2;
        ctx->memo = calloc(ctx->memo_cap, sizeof *ctx->memo);
        if (!ctx->memo) {
            ctx->memo_cap = 0;
            return normalize(ctx, dial, len, out);
        }
    }
    char key[MEMO_MAX_DIAL + 1];
    memcpy(key, dial, len);
    key[len] = '\0';
    size_t mask = ctx->memo_cap - 1, i = hash_digits(key) & mask;
    while (ctx->memo[i].used) {
        if (strcmp(ctx->memo[i].dial, key) == 0) {
            *out = ctx->memo[i].result;
            ctx->memo_hits++;
            return out->status;
        }
        i = (i + 1) & mask;
    }
    num_status st = normalize(ctx, dial, len, out);
    if (ctx->memo_count + 1 > ctx->memo_cap / 2) {
        memo_clear(ctx);
        i = hash_digits(key) & mask;
    }
    memcpy(ctx->memo[i].dial, key, len + 1);
    ctx->memo[i].used = 1;
    ctx->memo[i].result = *out;
    ctx->memo_count++;
    return st;
}

static num_status normalize(num_ctx *ctx, const char *dial, size_t len, num_result *out)
{
    memset(out, 0, sizeof *out);
    out->type = PN_UNKNOWN;
    out->reading = "";
    char d[NUM_MAX_DIAL + 1];
    size_t n;
    int plus;
    if (clean_dial(dial, len, &plus, d, &n) != 0)
        return out->status = NUM_NOT_NUMBER;
    if (!plus && n < 7)
        return out->status = NUM_SHORT;

    struct cands cs;
    cs.n = 0;
    if (plus && d[0] != '0')
        cand_add(ctx, &cs, "", "+", 1, d, n, NULL, R_PLUS, 0, 0);
    if (!plus || cs.n == 0 || cs.c[0].rank != 0)
        readings(ctx, &cs, plus ? "+" : "", d, n);
    /* "+44 (0)20...": a trunk prefix kept after the country code. */
    for (size_t i = 0, n0 = cs.n; i < n0; i++) {
        const struct cand *c = &cs.c[i];
        num_dest t;
        if (c->rank == 0 || (c->reading != R_PLUS && c->reading != R_IDD && c->reading != R_BARE_INTL) ||
            num_destination(c->digits, &t) != 0 || t.cc == 0)
            continue;
        char ccs[8];
        int ccl = snprintf(ccs, sizeof ccs, "%u", t.cc);
        const char *ndd = NULL;
        for (size_t k = 0; k < cc_plans_len && !ndd; k++)
            if (strcmp(cc_plans[k].cc, ccs) == 0 && cc_plans[k].ndd)
                ndd = cc_plans[k].ndd;
        size_t nl = ndd ? strlen(ndd) : 0;
        if (nl && strncmp(c->digits + ccl, ndd, nl) == 0) {
            char pfx[sizeof c->prefix], rest[sizeof c->digits];
            snprintf(pfx, sizeof pfx, "%s", c->prefix);
            snprintf(rest, sizeof rest, "%s", c->digits + ccl + nl);
            cand_add(ctx, &cs, "", pfx, strlen(pfx), rest, strlen(rest), ccs, c->reading,
                     c->line, c->extra + 1);
        }
    }
    if (cs.n == 0) {
        /* nothing readable: keep the digits as they are, country unknown */
        return out->status = n < 7 ? NUM_SHORT : NUM_NOT_NUMBER;
    }
    /* An explicit '+' stands unless another reading is valid and it is not. */
    size_t best = 0;
    for (size_t i = 1; i < cs.n; i++)
        if (cs.c[best].reading == R_PLUS ? (cs.c[best].rank != 0 && cs.c[i].rank == 0 &&
                                             cand_better(&cs.c[i], &cs.c[best]))
                                          : cand_better(&cs.c[i], &cs.c[best]))
            best = i;
    /* Among unverifiable readings, prefer one whose country is known. */
    if (cs.c[best].rank != 0) {
        num_dest t;
        if (num_destination(cs.c[best].digits, &t) != 0) {
            for (size_t i = 0; i < cs.n; i++)
                if (num_destination(cs.c[i].digits, &t) == 0 &&
                    (cs.c[i].rank < 2 || cs.c[best].rank == 2)) {
                    best = i;
                    break;
                }
        }
    }
    const struct cand *b = &cs.c[best];
    out->status = b->rank == 0 ? NUM_VALID : NUM_UNVERIFIED;
    snprintf(out->e164, sizeof out->e164, "+%s", b->digits);
    snprintf(out->prefix, sizeof out->prefix, "%s", b->prefix);
    out->reading = (b->line ? reading_names_line : reading_names)[b->reading];
    num_destination(b->digits, &out->dest);
    out->type = b->info.valid ? b->info.type : PN_UNKNOWN;
    out->category = category_find(ctx, b->digits);
    /* Other valid readings, best first. */
    for (int k = 0; k < NUM_MAX_ALT; k++) {
        const struct cand *next = NULL;
        for (size_t i = 0; i < cs.n; i++) {
            const struct cand *c = &cs.c[i];
            if (i == best || c->rank != 0 || strcmp(c->digits, b->digits) == 0)
                continue;
            int taken = 0;
            for (int j = 0; j < out->n_alt; j++)
                if (strcmp(out->alt[j] + 1, c->digits) == 0)
                    taken = 1;
            if (!taken && (!next || cand_better(c, next)))
                next = c;
        }
        if (!next)
            break;
        snprintf(out->alt[out->n_alt++], sizeof out->alt[0], "+%s", next->digits);
    }
    return out->status;
}
