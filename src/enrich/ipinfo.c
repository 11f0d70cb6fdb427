/*
 * ipinfo.c - source address -> country, ASN (ipinfo.h).
 */
#include "enrich/ipinfo.h"
#include "util/datapath.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <errno.h>
#include <limits.h>
#include <maxminddb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

typedef unsigned __int128 u128;

struct r4 { uint32_t start, end, val; };
struct r6 { u128 start, end; uint32_t val; };

/* One field (country or ASN) of a range source. */
struct table {
    struct r4 *v4;
    size_t n4, cap4;
    uint32_t *maxend4;        /* maxend4[i] = max(end of v4[0..i]) */
    struct r6 *v6;
    size_t n6, cap6;
    u128 *maxend6;
};

struct source {
    char *name;
    int kinds;
    int is_mmdb;
    MMDB_s mmdb;
    struct table country, asn;
};

struct ipdb {
    struct source *src;
    size_t n, cap;
};

ipdb *ipdb_new(void)
{
    return calloc(1, sizeof(ipdb));
}

static void table_free(struct table *t)
{
    free(t->v4);
    free(t->maxend4);
    free(t->v6);
    free(t->maxend6);
}

void ipdb_free(ipdb *db)
{
    if (!db)
        return;
    for (size_t i = 0; i < db->n; i++) {
        struct source *s = &db->src[i];
        if (s->is_mmdb)
            MMDB_close(&s->mmdb);
        table_free(&s->country);
        table_free(&s->asn);
        free(s->name);
    }
    free(db->src);
    free(db);
}

size_t ipdb_sources(const ipdb *db)
{
    return db->n;
}

const char *ipdb_source_name(const ipdb *db, size_t i)
{
    return i < db->n ? db->src[i].name : NULL;
}

size_t ipdb_source_ranges(const ipdb *db, size_t i)
{
    if (i >= db->n)
        return 0;
    const struct source *s = &db->src[i];
    return s->country.n4 + s->country.n6 + s->asn.n4 + s->asn.n6;
}

static struct source *source_new(ipdb *db, const char *name)
{
    if (db->n == db->cap) {
        size_t nc = db->cap ? db->cap * 2 : 8;
        struct source *ns = realloc(db->src, nc * sizeof *ns);
        if (!ns)
            return NULL;
        db->src = ns;
        db->cap = nc;
    }
    struct source *s = &db->src[db->n];
    memset(s, 0, sizeof *s);
    s->name = strdup(name);
    if (!s->name)
        return NULL;
    return s;   /* committed by source_commit */
}

static int source_commit(ipdb *db)
{
    return (int)db->n++;
}

static void source_discard(struct source *s)
{
    table_free(&s->country);
    table_free(&s->asn);
    free(s->name);
    memset(s, 0, sizeof *s);
}

/* ------------------------------------------------------------------------
 * Range tables
 * ------------------------------------------------------------------------ */

static int add4(struct table *t, uint32_t start, uint32_t end, uint32_t val)
{
    if (end < start)
        return 0;
    if (t->n4 == t->cap4) {
        size_t nc = t->cap4 ? t->cap4 * 2 : 1024;
        struct r4 *nv = realloc(t->v4, nc * sizeof *nv);
        if (!nv)
            return -1;
        t->v4 = nv;
        t->cap4 = nc;
    }
    t->v4[t->n4++] = (struct r4){start, end, val};
    return 0;
}

static int add6(struct table *t, u128 start, u128 end, uint32_t val)
{
    if (end < start)
        return 0;
    if (t->n6 == t->cap6) {
        size_t nc = t->cap6 ? t->cap6 * 2 : 1024;
        struct r6 *nv = realloc(t->v6, nc * sizeof *nv);
        if (!nv)
            return -1;
        t->v6 = nv;
        t->cap6 = nc;
    }
    t->v6[t->n6++] = (struct r6){start, end, val};
    return 0;
}

static int cmp4(const void *a, const void *b)
{
    const struct r4 *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end > y->end ? -1 : x->end < y->end;   /* wider first */
}

static int cmp6(const void *a, const void *b)
{
    const struct r6 *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->end > y->end ? -1 : x->end < y->end;
}

/* Sorts the ranges and computes the running maximum of their ends. */
static int table_finish(struct table *t)
{
    if (t->n4) {
        qsort(t->v4, t->n4, sizeof *t->v4, cmp4);
        t->maxend4 = malloc(t->n4 * sizeof *t->maxend4);
        if (!t->maxend4)
            return -1;
        uint32_t m = 0;
        for (size_t i = 0; i < t->n4; i++)
            t->maxend4[i] = m = t->v4[i].end > m ? t->v4[i].end : m;
    }
    if (t->n6) {
        qsort(t->v6, t->n6, sizeof *t->v6, cmp6);
        t->maxend6 = malloc(t->n6 * sizeof *t->maxend6);
        if (!t->maxend6)
            return -1;
        u128 m = 0;
        for (size_t i = 0; i < t->n6; i++)
            t->maxend6[i] = m = t->v6[i].end > m ? t->v6[i].end : m;
    }
    return 0;
}

/* The range containing ip that starts last, or NULL. */
static const struct r4 *find4(const struct table *t, uint32_t ip)
{
    size_t lo = 0, hi = t->n4;
    while (lo < hi) {                  /* first range starting after ip */
        size_t mid = lo + (hi - lo) / 2;
        if (t->v4[mid].start <= ip)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0;) {
        if (t->v4[i].end >= ip)
            return &t->v4[i];
        if (t->maxend4[i] < ip)        /* no earlier range reaches ip */
            break;
    }
    return NULL;
}

static const struct r6 *find6(const struct table *t, u128 ip)
{
    size_t lo = 0, hi = t->n6;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->v6[mid].start <= ip)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i-- > 0;) {
        if (t->v6[i].end >= ip)
            return &t->v6[i];
        if (t->maxend6[i] < ip)
            break;
    }
    return NULL;
}

static uint32_t cc_pack(const char *cc)
{
    return ((uint32_t)(unsigned char)toupper((unsigned char)cc[0]) << 8) |
           (uint32_t)(unsigned char)toupper((unsigned char)cc[1]);
}

static int is_cc(const char *s, size_t n)
{
    return n == 2 && isalpha((unsigned char)s[0]) && isalpha((unsigned char)s[1]) &&
           !(toupper((unsigned char)s[0]) == 'Z' && toupper((unsigned char)s[1]) == 'Z');
}

static u128 u128_from_bytes(const uint8_t b[16])
{
    u128 v = 0;
    for (int i = 0; i < 16; i++)
        v = (v << 8) | b[i];
    return v;
}

/* Parses an address (text or decimal number) into family 4 / 6 values. */
static int parse_addr(const char *s, size_t n, int *fam, uint32_t *v4, u128 *v6)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, s, n);
    buf[n] = '\0';
    uint8_t b[16];
    if (inet_pton(AF_INET, buf, b) == 1) {
        *fam = 4;
        *v4 = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
        return 0;
    }
    if (inet_pton(AF_INET6, buf, b) == 1) {
        *fam = 6;
        *v6 = u128_from_bytes(b);
        return 0;
    }
    /* a decimal number: IPv4 up to 2^32-1, else IPv6 */
    u128 v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)buf[i]))
            return -1;
        u128 nv = v * 10 + (u128)(buf[i] - '0');
        if (nv / 10 != v)
            return -1;
        v = nv;
    }
    *fam = v <= 0xffffffffu ? 4 : 6;
    *v4 = (uint32_t)v;
    *v6 = v;
    return 0;
}

/* Splits a line at sep into up to max fields (in place); strips quotes. */
static int split(char *line, char sep, char **f, size_t *len, int max)
{
    int n = 0;
    char *p = line;
    while (n < max) {
        if (*p == '"') {
            char *q = strchr(p + 1, '"');
            if (!q)
                return -1;
            f[n] = p + 1;
            len[n] = (size_t)(q - p - 1);
            p = q + 1;
            n++;
            if (*p == sep)
                p++;
            else
                break;
            continue;
        }
        char *e = strchr(p, sep);
        f[n] = p;
        len[n] = e ? (size_t)(e - p) : strlen(p);
        n++;
        if (!e)
            break;
        p = e + 1;
    }
    return n;
}

/* Reads lines from a plain or gzip file. */
typedef struct {
    gzFile gz;
    char line[4096];
    long lineno;
} reader;

static int reader_open(reader *r, const char *path, char *err, size_t errlen)
{
    r->lineno = 0;
    r->gz = gzopen(path, "rb");
    if (!r->gz) {
        snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
        return -1;
    }
    gzbuffer(r->gz, 1 << 17);
    return 0;
}

static char *reader_next(reader *r)
{
    if (!gzgets(r->gz, r->line, sizeof r->line))
        return NULL;
    r->lineno++;
    r->line[strcspn(r->line, "\r\n")] = '\0';
    return r->line;
}

static void reader_close(reader *r)
{
    if (r->gz)
        gzclose(r->gz);
    r->gz = NULL;
}

/* ------------------------------------------------------------------------
 * RIR delegation files
 * ------------------------------------------------------------------------ */

int ipdb_add_rir(ipdb *db, const char *path, char *err, size_t errlen)
{
    reader r;
    struct source *s = source_new(db, path);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (reader_open(&r, path, err, errlen) != 0) {
        source_discard(s);
        return -1;
    }
    s->kinds = IPDB_COUNTRY;
    char *line;
    int header = 0;
    while ((line = reader_next(&r)) != NULL) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[8];
        size_t l[8];
        int n = split(line, '|', f, l, 8);
        if (!header) {          /* version|registry|serial|records|startdate|enddate|UTCoffset */
            header = 1;
            if (n >= 3 && isdigit((unsigned char)f[0][0]))
                continue;
            snprintf(err, errlen, "%s:%ld: not a RIR delegation file", path, r.lineno);
            goto fail;
        }
        if (n < 7 || (l[1] == 1 && f[1][0] == '*'))
            continue;           /* summary lines */
        if (!(l[6] == 9 && memcmp(f[6], "allocated", 9) == 0) &&
            !(l[6] == 8 && memcmp(f[6], "assigned", 8) == 0))
            continue;
        if (!is_cc(f[1], l[1]))
            continue;
        uint32_t cc = cc_pack(f[1]);
        int fam;
        uint32_t a4;
        u128 a6;
        unsigned long long value = strtoull(f[4], NULL, 10);
        if (l[2] == 4 && memcmp(f[2], "ipv4", 4) == 0) {
            if (parse_addr(f[3], l[3], &fam, &a4, &a6) != 0 || fam != 4 || value == 0 ||
                (unsigned long long)a4 + value - 1 > 0xffffffffULL) {
                snprintf(err, errlen, "%s:%ld: bad ipv4 record", path, r.lineno);
                goto fail;
            }
            if (add4(&s->country, a4, (uint32_t)(a4 + value - 1), cc) != 0)
                goto oom;
        } else if (l[2] == 4 && memcmp(f[2], "ipv6", 4) == 0) {
            if (parse_addr(f[3], l[3], &fam, &a4, &a6) != 0 || fam != 6 || value > 128) {
                snprintf(err, errlen, "%s:%ld: bad ipv6 record", path, r.lineno);
                goto fail;
            }
            u128 mask = value == 0 ? ~(u128)0 : (((u128)1 << (128 - value)) - 1);
            if (value == 128)
                mask = 0;
            if (add6(&s->country, a6, a6 | mask, cc) != 0)
                goto oom;
        }
    }
    reader_close(&r);
    if (!header) {
        snprintf(err, errlen, "%s: empty", path);
        source_discard(s);
        return -1;
    }
    if (table_finish(&s->country) != 0)
        goto oom_closed;
    return source_commit(db);
oom:
    reader_close(&r);
oom_closed:
    snprintf(err, errlen, "%s: out of memory", path);
    source_discard(s);
    return -1;
fail:
    reader_close(&r);
    source_discard(s);
    return -1;
}

/* ------------------------------------------------------------------------
 * CSV / TSV range tables
 * ------------------------------------------------------------------------ */

int ipdb_add_ranges(ipdb *db, const char *path, int kind, char *err, size_t errlen)
{
    reader r;
    struct source *s = source_new(db, path);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (reader_open(&r, path, err, errlen) != 0) {
        source_discard(s);
        return -1;
    }
    char *line;
    while ((line = reader_next(&r)) != NULL) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char sep = strchr(line, '\t') ? '\t' : ',';
        char *f[4];
        size_t l[4];
        int n = split(line, sep, f, l, 4);
        int fa, fb;
        uint32_t a4, b4;
        u128 a6, b6;
        if (n < 3 || parse_addr(f[0], l[0], &fa, &a4, &a6) != 0 ||
            parse_addr(f[1], l[1], &fb, &b4, &b6) != 0) {
            if (r.lineno == 1)
                continue;   /* a header line */
            snprintf(err, errlen, "%s:%ld: expected start%cend%cvalue", path, r.lineno, sep, sep);
            goto fail;
        }
        if (fa != fb) {
            snprintf(err, errlen, "%s:%ld: start and end of different families", path, r.lineno);
            goto fail;
        }
        const char *v = f[2];
        size_t vl = l[2];
        if (vl > 2 && (v[0] == 'A' || v[0] == 'a') && (v[1] == 'S' || v[1] == 's')) {
            v += 2;
            vl -= 2;
        }
        if (!kind)
            kind = (vl > 0 && isdigit((unsigned char)v[0])) ? IPDB_ASN : IPDB_COUNTRY;
        uint32_t val;
        if (kind == IPDB_ASN) {
            char num[16];
            if (vl == 0 || vl >= sizeof num || strspn(v, "0123456789") < vl) {
                snprintf(err, errlen, "%s:%ld: bad AS number", path, r.lineno);
                goto fail;
            }
            memcpy(num, v, vl);
            num[vl] = '\0';
            unsigned long long a = strtoull(num, NULL, 10);
            if (a == 0 || a > 0xffffffffULL)
                continue;
            val = (uint32_t)a;
        } else {
            if (!is_cc(v, vl))
                continue;   /* "ZZ", "-", empty: no country */
            val = cc_pack(v);
        }
        struct table *t = kind == IPDB_ASN ? &s->asn : &s->country;
        int rc = fa == 4 ? add4(t, a4, b4, val) : add6(t, a6, b6, val);
        if (rc != 0) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto fail;
        }
    }
    reader_close(&r);
    s->kinds = kind ? kind : IPDB_ASN;
    if (table_finish(&s->country) != 0 || table_finish(&s->asn) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        source_discard(s);
        return -1;
    }
    return source_commit(db);
fail:
    reader_close(&r);
    source_discard(s);
    return -1;
}

/* ------------------------------------------------------------------------
 * sipsnare snapshot: "# sipsnare-ipdb 1 ipv4|ipv6 ..." then lines
 * "<hex distance from the previous start> <cc> <asn>"; an empty field
 * repeats the previous value, "-" (country) or "0" (ASN) means none; a
 * range ends where the next starts. Made by scripts/gen-ipdb.py.
 * ------------------------------------------------------------------------ */

static int parse_hex128(const char *s, size_t n, u128 *out)
{
    u128 v = 0;
    if (n == 0 || n > 32)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int c = s[i], d;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
        else return -1;
        v = (v << 4) | (u128)d;
    }
    *out = v;
    return 0;
}

int ipdb_add_snapshot(ipdb *db, const char *path, char *err, size_t errlen)
{
    reader r;
    struct source *s = source_new(db, path);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (reader_open(&r, path, err, errlen) != 0) {
        source_discard(s);
        return -1;
    }
    s->kinds = IPDB_COUNTRY | IPDB_ASN;
    char *line = reader_next(&r);
    int fam = 0;
    if (line && strncmp(line, "# sipsnare-ipdb 1 ipv4", 22) == 0)
        fam = 4;
    else if (line && strncmp(line, "# sipsnare-ipdb 1 ipv6", 22) == 0)
        fam = 6;
    if (!fam) {
        snprintf(err, errlen, "%s: not a sipsnare-ipdb 1 snapshot", path);
        goto fail;
    }
    u128 max = fam == 4 ? (u128)0xffffffffu : ~(u128)0;
    u128 start = 0, prev_start = 0;
    uint32_t cc = 0, asn = 0, pcc = 0, pasn = 0;
    int have = 0;
    while ((line = reader_next(&r)) != NULL) {
        if (line[0] == '#' || line[0] == '\0')
            continue;
        char *f[3];
        size_t l[3];
        int n = split(line, ' ', f, l, 3);
        u128 d;
        if (n < 1 || parse_hex128(f[0], l[0], &d) != 0 || (have && d == 0)) {
            snprintf(err, errlen, "%s:%ld: bad line", path, r.lineno);
            goto fail;
        }
        start = prev_start + d;
        if (have && (start < prev_start || start > max)) {
            snprintf(err, errlen, "%s:%ld: address out of range", path, r.lineno);
            goto fail;
        }
        uint32_t ncc = cc, nasn = asn;
        if (n >= 2 && l[1] > 0)
            ncc = (l[1] == 2 && is_cc(f[1], 2)) ? cc_pack(f[1]) : 0;
        if (n >= 3 && l[2] > 0)
            nasn = (uint32_t)strtoul(f[2], NULL, 10);
        if (have) {      /* close the previous range */
            int rc = 0;
            if (fam == 4) {
                if (pcc) rc |= add4(&s->country, (uint32_t)prev_start, (uint32_t)(start - 1), pcc);
                if (pasn) rc |= add4(&s->asn, (uint32_t)prev_start, (uint32_t)(start - 1), pasn);
            } else {
                if (pcc) rc |= add6(&s->country, prev_start, start - 1, pcc);
                if (pasn) rc |= add6(&s->asn, prev_start, start - 1, pasn);
            }
            if (rc) {
                snprintf(err, errlen, "%s: out of memory", path);
                goto fail;
            }
        }
        cc = ncc;
        asn = nasn;
        pcc = cc;
        pasn = asn;
        prev_start = start;
        have = 1;
    }
    if (have) {
        int rc = 0;
        if (fam == 4) {
            if (pcc) rc |= add4(&s->country, (uint32_t)prev_start, (uint32_t)max, pcc);
            if (pasn) rc |= add4(&s->asn, (uint32_t)prev_start, (uint32_t)max, pasn);
        } else {
            if (pcc) rc |= add6(&s->country, prev_start, max, pcc);
            if (pasn) rc |= add6(&s->asn, prev_start, max, pasn);
        }
        if (rc) {
            snprintf(err, errlen, "%s: out of memory", path);
            goto fail;
        }
    }
    reader_close(&r);
    if (table_finish(&s->country) != 0 || table_finish(&s->asn) != 0) {
        snprintf(err, errlen, "%s: out of memory", path);
        source_discard(s);
        return -1;
    }
    return source_commit(db);
fail:
    reader_close(&r);
    source_discard(s);
    return -1;
}

int ipdb_add_default(ipdb *db, char *err, size_t errlen)
{
    char dirs[DATAPATH_MAX_CANDIDATES][PATH_MAX];
    size_t n = datapath_candidates("ipdb", dirs, DATAPATH_MAX_CANDIDATES);
    for (size_t i = 0; i < n; i++) {
        char p4[PATH_MAX + 32], p6[PATH_MAX + 32];
        snprintf(p4, sizeof p4, "%.4000s/ipv4.txt.gz", dirs[i]);
        snprintf(p6, sizeof p6, "%.4000s/ipv6.txt.gz", dirs[i]);
        if (access(p4, R_OK) != 0)
            continue;
        int added = 0;
        if (ipdb_add_snapshot(db, p4, err, errlen) < 0)
            return -1;
        added++;
        if (access(p6, R_OK) == 0) {
            if (ipdb_add_snapshot(db, p6, err, errlen) < 0)
                return -1;
            added++;
        }
        return added;
    }
    snprintf(err, errlen, "data/ipdb/ipv4.txt.gz not found (set SIPSNARE_DATADIR)");
    return -1;
}

/* ------------------------------------------------------------------------
 * MaxMind DB
 * ------------------------------------------------------------------------ */

int ipdb_add_mmdb(ipdb *db, const char *path, char *err, size_t errlen)
{
    struct source *s = source_new(db, path);
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int rc = MMDB_open(path, MMDB_MODE_MMAP, &s->mmdb);
    if (rc != MMDB_SUCCESS) {
        snprintf(err, errlen, "%s: %s", path, MMDB_strerror(rc));
        source_discard(s);
        return -1;
    }
    s->is_mmdb = 1;
    s->kinds = IPDB_COUNTRY | IPDB_ASN;
    return source_commit(db);
}

static int mmdb_string(MMDB_entry_s *e, char *out, size_t len, ...)
{
    MMDB_entry_data_s d;
    va_list ap;
    va_start(ap, len);
    int rc = MMDB_vget_value(e, &d, ap);
    va_end(ap);
    if (rc != MMDB_SUCCESS || !d.has_data || d.type != MMDB_DATA_TYPE_UTF8_STRING || !len)
        return -1;
    size_t n = d.data_size < len - 1 ? d.data_size : len - 1;
    memcpy(out, d.utf8_string, n);
    out[n] = '\0';
    return 0;
}

static int mmdb_uint(MMDB_entry_s *e, uint32_t *out, ...)
{
    MMDB_entry_data_s d;
    va_list ap;
    va_start(ap, out);
    int rc = MMDB_vget_value(e, &d, ap);
    va_end(ap);
    if (rc != MMDB_SUCCESS || !d.has_data)
        return -1;
    switch (d.type) {
    case MMDB_DATA_TYPE_UINT16: *out = d.uint16; return 0;
    case MMDB_DATA_TYPE_UINT32: *out = d.uint32; return 0;
    case MMDB_DATA_TYPE_INT32: *out = d.int32 > 0 ? (uint32_t)d.int32 : 0; return 0;
    case MMDB_DATA_TYPE_UINT64: *out = d.uint64 <= 0xffffffffu ? (uint32_t)d.uint64 : 0; return 0;
    default: return -1;
    }
}

/* Looks ip up; v4 addresses also as ::ffff:a.b.c.d (some writers keep
 * IPv4 only there, without the ::/96 alias). */
static int mmdb_find(const MMDB_s *m, int fam, const uint8_t *b, MMDB_entry_s *out)
{
    int mmerr;
    MMDB_lookup_result_s res;
    if (fam == 4) {
        struct sockaddr_in sa;
        memset(&sa, 0, sizeof sa);
        sa.sin_family = AF_INET;
        memcpy(&sa.sin_addr, b, 4);
        res = MMDB_lookup_sockaddr(m, (const struct sockaddr *)&sa, &mmerr);
        if (mmerr == MMDB_SUCCESS && res.found_entry) {
            *out = res.entry;
            return 0;
        }
        if (m->metadata.ip_version != 6)
            return -1;
        struct sockaddr_in6 s6;
        memset(&s6, 0, sizeof s6);
        s6.sin6_family = AF_INET6;
        s6.sin6_addr.s6_addr[10] = 0xff;
        s6.sin6_addr.s6_addr[11] = 0xff;
        memcpy(&s6.sin6_addr.s6_addr[12], b, 4);
        res = MMDB_lookup_sockaddr(m, (const struct sockaddr *)&s6, &mmerr);
    } else {
        if (m->metadata.ip_version != 6)
            return -1;
        struct sockaddr_in6 s6;
        memset(&s6, 0, sizeof s6);
        s6.sin6_family = AF_INET6;
        memcpy(&s6.sin6_addr, b, 16);
        res = MMDB_lookup_sockaddr(m, (const struct sockaddr *)&s6, &mmerr);
    }
    if (mmerr != MMDB_SUCCESS || !res.found_entry)
        return -1;
    *out = res.entry;
    return 0;
}

/* ------------------------------------------------------------------------
 * Lookup
 * ------------------------------------------------------------------------ */

int ipdb_lookup(const ipdb *db, const an_ip *ip, ipinfo *out)
{
    memset(out, 0, sizeof *out);
    out->country_source = out->asn_source = -1;
    int fam = ip->family;
    uint8_t b[16];
    memcpy(b, ip->bytes, 16);
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (fam == 6 && memcmp(b, mapped, 12) == 0) {
        fam = 4;
        memmove(b, b + 12, 4);
    }
    if (fam != 4 && fam != 6)
        return -1;
    uint32_t a4 = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
    u128 a6 = fam == 6 ? u128_from_bytes(b) : 0;
    for (size_t i = 0; i < db->n && (out->country_source < 0 || out->asn_source < 0); i++) {
        const struct source *s = &db->src[i];
        if (s->is_mmdb) {
            MMDB_entry_s e;
            if (mmdb_find(&s->mmdb, fam, b, &e) != 0)
                continue;
            char cc[8];
            if (out->country_source < 0 &&
                (mmdb_string(&e, cc, sizeof cc, "country", "iso_code", NULL) == 0 ||
                 mmdb_string(&e, cc, sizeof cc, "registered_country", "iso_code", NULL) == 0 ||
                 mmdb_string(&e, cc, sizeof cc, "country_code", NULL) == 0) &&
                is_cc(cc, strlen(cc))) {
                out->country[0] = (char)toupper((unsigned char)cc[0]);
                out->country[1] = (char)toupper((unsigned char)cc[1]);
                out->country_source = (int)i;
            }
            uint32_t asn;
            if (out->asn_source < 0 && mmdb_uint(&e, &asn, "autonomous_system_number", NULL) == 0 &&
                asn) {
                out->asn = asn;
                out->asn_source = (int)i;
                mmdb_string(&e, out->as_org, sizeof out->as_org, "autonomous_system_organization", NULL);
            }
            continue;
        }
        if (out->country_source < 0) {
            uint32_t v = 0;
            int found = 0;
            if (fam == 4) {
                const struct r4 *r = find4(&s->country, a4);
                if (r) { v = r->val; found = 1; }
            } else {
                const struct r6 *r = find6(&s->country, a6);
                if (r) { v = r->val; found = 1; }
            }
            if (found) {
                out->country[0] = (char)(v >> 8);
                out->country[1] = (char)(v & 0xff);
                out->country_source = (int)i;
            }
        }
        if (out->asn_source < 0) {
            const uint32_t *v = NULL;
            if (fam == 4) {
                const struct r4 *r = find4(&s->asn, a4);
                if (r) v = &r->val;
            } else {
                const struct r6 *r = find6(&s->asn, a6);
                if (r) v = &r->val;
            }
            if (v) {
                out->asn = *v;
                out->asn_source = (int)i;
            }
        }
    }
    return (out->country_source >= 0 || out->asn_source >= 0) ? 0 : -1;
}

int ipdb_lookup_text(const ipdb *db, const char *ip, ipinfo *out)
{
    an_ip a;
    if (an_ip_parse(ip, &a) != 0) {
        memset(out, 0, sizeof *out);
        out->country_source = out->asn_source = -1;
        return -1;
    }
    return ipdb_lookup(db, &a, out);
}

/* ------------------------------------------------------------------------
 * A country's ranges (simulated sources)
 * ------------------------------------------------------------------------ */

long ipdb_country_ranges4(const ipdb *db, const char *country, ipdb_range4_fn fn, void *arg)
{
    if (!country || !is_cc(country, strlen(country)))
        return -1;
    uint32_t cc = cc_pack(country);
    long n = 0;
    for (size_t i = 0; i < db->n; i++) {
        const struct source *s = &db->src[i];
        for (size_t k = 0; k < s->country.n4; k++) {
            const struct r4 *g = &s->country.v4[k];
            if (g->val != cc)
                continue;
            const struct r4 *a = s->asn.n4 ? find4(&s->asn, g->start) : NULL;
            fn(arg, g->start, g->end, a ? a->val : 0);
            n++;
        }
    }
    return n;
}
