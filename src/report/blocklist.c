/*
 * blocklist.c - blocklist formats and the DOT graph (blocklist.h,
 * docs/BLOCKLISTS.md). Every entry is checked and canonicalised before it
 * is written (addresses through inet_pton/inet_ntop, numbers as E.164
 * digits, labels as [A-Z0-9-]); entries are sorted and merged so that the
 * output is the same for the same data.
 */
#include "report/blocklist.h"

#include "analyze/steps.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const format_names[BL_FMT_COUNT] = {
    [BL_FMT_PLAIN] = "plain",
    [BL_FMT_NFT] = "nft",
    [BL_FMT_IPSET] = "ipset",
    [BL_FMT_FAIL2BAN] = "fail2ban",
    [BL_FMT_FAIL2BAN_FILTER] = "fail2ban-filter",
    [BL_FMT_SECFILTER] = "kamailio-secfilter",
    [BL_FMT_SECFILTER_RPC] = "kamailio-secfilter-rpc",
    [BL_FMT_PERMISSIONS] = "kamailio-permissions",
    [BL_FMT_JSON] = "json",
};


int bl_format_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < BL_FMT_COUNT; i++)
        if (strcmp(name, format_names[i]) == 0)
            return i;
    return -1;
}

const char *bl_format_name(bl_format f)
{
    return (unsigned)f < BL_FMT_COUNT ? format_names[f] : "?";
}

int bl_format_takes_numbers(bl_format f)
{
    return f == BL_FMT_PLAIN || f == BL_FMT_JSON || f == BL_FMT_SECFILTER;
}

/* ---- checks ------------------------------------------------------------- */

int bl_canonical_ip(const char *text, char *out, size_t outlen)
{
    unsigned char b[16];
    char buf[INET6_ADDRSTRLEN];
    if (!text || !out)
        return -1;
    if (inet_pton(AF_INET, text, b) == 1) {
        if (!inet_ntop(AF_INET, b, buf, sizeof buf))
            return -1;
    } else if (inet_pton(AF_INET6, text, b) == 1) {
        static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, mapped, 12) == 0) {
            if (!inet_ntop(AF_INET, b + 12, buf, sizeof buf))
                return -1;
        } else if (!inet_ntop(AF_INET6, b, buf, sizeof buf)) {
            return -1;
        }
    } else {
        return -1;
    }
    if (strlen(buf) >= outlen)
        return -1;
    strcpy(out, buf);
    return strchr(buf, ':') ? 6 : 4;
}

/* bl_canonical_ip, plus the address in binary (IPv4 in key[0..3], the rest
 * zero): the sort key of the lists and what ranges are matched against. */
static int canonical_key(const char *text, char *out, size_t outlen, unsigned char key[16])
{
    int fam = bl_canonical_ip(text, out, outlen);
    memset(key, 0, 16);
    if (fam > 0 && inet_pton(fam == 4 ? AF_INET : AF_INET6, out, key) != 1)
        return -1;
    return fam;
}

int bl_kamailio_ip6(const char *canonical, char *out, size_t outlen)
{
    unsigned char b[16];
    if (!canonical || inet_pton(AF_INET6, canonical, b) != 1 || outlen < 40)
        return -1;
    size_t off = 0;
    for (int g = 0; g < 8; g++) {
        unsigned v = ((unsigned)b[2 * g] << 8) | b[2 * g + 1];
        off += (size_t)snprintf(out + off, outlen - off, g ? ":%X" : "%X", v);
    }
    return 0;
}

int bl_valid_e164(const char *s)
{
    if (!s || s[0] != '+' || s[1] < '1' || s[1] > '9')
        return 0;
    size_t n = 0;
    for (const char *p = s + 1; *p; p++, n++)
        if (*p < '0' || *p > '9')
            return 0;
    return n >= 1 && n <= 15;
}

int bl_valid_name(const char *name)
{
    if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
        return 0;
    size_t n = 0;
    for (const char *p = name; *p; p++, n++) {
        char c = *p;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
            return 0;
    }
    return n <= BL_MAX_NAME;
}

int bl_valid_country(const char *s)
{
    if (!s || !*s)
        return 0;
    size_t n = 0;
    for (const char *p = s; *p; p++, n++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-'))
            return 0;
    }
    return n <= 15;
}

size_t bl_steps_text(unsigned steps, char *buf, size_t len)
{
    size_t off = 0;
    if (len == 0)
        return 0;
    buf[0] = '\0';
    for (int k = 0; k < 4; k++) {
        if (!(steps & (1u << k)))
            continue;
        int w = snprintf(buf + off, len - off, "%s%s", off ? "," : "", step_name((step_kind)k));
        if (w < 0 || (size_t)w >= len - off) {
            buf[off] = '\0';
            return off;
        }
        off += (size_t)w;
    }
    if (off == 0)
        off = (size_t)snprintf(buf, len, "-");
    return off;
}

/* ---- shared helpers ----------------------------------------------------- */

static void fmt_time(int64_t ms, char buf[32])
{
    buf[0] = '\0';
    if (ms == INT64_MIN)
        return;
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return;
    strftime(buf, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Free text for a comment line: printable ASCII only. */
static void put_clean(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        fputc(c >= 0x20 && c < 0x7f ? c : '?', f);
    }
}

static void header(FILE *f, const char *cm, const char *what, bl_format fmt, const bl_options *o)
{
    char t[32];
    fmt_time(o->generated_ms, t);
    fprintf(f, "%s sipsnare %s (%s)%s%s\n", cm, what, format_names[fmt], t[0] ? ", generated " : "", t);
    if (o->scope && *o->scope) {
        fprintf(f, "%s ", cm);
        put_clean(f, o->scope);
        fputc('\n', f);
    }
}

static int finish(FILE *f)
{
    if (fflush(f) != 0 || ferror(f)) {
        if (!errno)
            errno = EIO;
        return -1;
    }
    return 0;
}

/* ---- addresses ---------------------------------------------------------- */

typedef struct {
    int family;
    unsigned char key[16];        /* IPv4 in key[0..3] */
    char text[INET6_ADDRSTRLEN];
    unsigned steps;
    int64_t first_ms, last_ms;
    unsigned long requests;
    const char *country;
    uint32_t asn;
    int rogue_score;
} paddr;

static int paddr_cmp(const void *x, const void *y)
{
    const paddr *a = x, *b = y;
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    return memcmp(a->key, b->key, 16);
}

static int64_t min_time(int64_t a, int64_t b)
{
    if (a == INT64_MIN) return b;
    if (b == INT64_MIN) return a;
    return a < b ? a : b;
}

static int64_t max_time(int64_t a, int64_t b)
{
    if (a == INT64_MIN) return b;
    if (b == INT64_MIN) return a;
    return a > b ? a : b;
}

/* Checked, sorted, merged copy of the addresses; NULL on no memory (errno). */
static paddr *prepare_addrs(const bl_addr *a, size_t n, size_t *np, bl_stats *st)
{
    paddr *p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        paddr *d = &p[k];
        int fam = canonical_key(a[i].ip, d->text, sizeof d->text, d->key);
        if (fam < 0) {
            st->rejected++;
            continue;
        }
        d->family = fam;
        d->steps = a[i].steps & 15u;
        d->first_ms = a[i].first_ms;
        d->last_ms = a[i].last_ms;
        d->requests = a[i].requests;
        d->country = bl_valid_country(a[i].country) ? a[i].country : NULL;
        d->asn = a[i].asn;
        d->rogue_score = a[i].rogue_score < 0 ? 0 : a[i].rogue_score > 100 ? 100 : a[i].rogue_score;
        k++;
    }
    qsort(p, k, sizeof *p, paddr_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && paddr_cmp(&p[m - 1], &p[i]) == 0) {
            paddr *d = &p[m - 1];
            d->steps |= p[i].steps;
            d->first_ms = min_time(d->first_ms, p[i].first_ms);
            d->last_ms = max_time(d->last_ms, p[i].last_ms);
            d->requests += p[i].requests;
            if (!d->country)
                d->country = p[i].country;
            if (!d->asn)
                d->asn = p[i].asn;
            if (p[i].rogue_score > d->rogue_score)
                d->rogue_score = p[i].rogue_score;
            st->duplicates++;
            continue;
        }
        p[m++] = p[i];
    }
    for (size_t i = 0; i < m; i++) {
        if (p[i].family == 4)
            st->v4++;
        else
            st->v6++;
    }
    st->written = m;
    *np = m;
    return p;
}

static void count_line(FILE *f, const char *cm, const bl_stats *st)
{
    fprintf(f, "%s %zu address%s: %zu IPv4, %zu IPv6\n", cm, st->written, st->written == 1 ? "" : "es",
            st->v4, st->v6);
}

static void write_plain(FILE *f, const paddr *p, size_t n, const bl_options *o, const bl_stats *st)
{
    header(f, "#", "blocklist", BL_FMT_PLAIN, o);
    count_line(f, "#", st);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s\n", p[i].text);
}

static void nft_set(FILE *f, const char *name, int fam, const paddr *p, size_t n, long timeout)
{
    fprintf(f, "\tset %s_v%d {\n\t\ttype %s\n", name, fam, fam == 4 ? "ipv4_addr" : "ipv6_addr");
    if (timeout > 0)
        fprintf(f, "\t\tflags timeout\n\t\ttimeout %lds\n", timeout);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (p[i].family != fam)
            continue;
        fprintf(f, first ? "\t\telements = {\n\t\t\t%s" : ",\n\t\t\t%s", p[i].text);
        first = 0;
    }
    if (!first)
        fprintf(f, "\n\t\t}\n");
    fprintf(f, "\t}\n");
}

static void write_nft(FILE *f, const paddr *p, size_t n, const char *name, const bl_options *o,
                      const bl_stats *st)
{
    fprintf(f, "#!/usr/sbin/nft -f\n");
    header(f, "#", "blocklist", BL_FMT_NFT, o);
    count_line(f, "#", st);
    fprintf(f, "# Load or reload with `nft -f FILE`: the table is replaced in one transaction.\n");
    /* "table" adds it when missing, so the delete never fails: the idiom
     * for a reloadable file (nft's "destroy" needs nftables 1.0.8). */
    fprintf(f, "table inet %s\ndelete table inet %s\n\n", name, name);
    fprintf(f, "table inet %s {\n", name);
    nft_set(f, name, 4, p, n, o->timeout_s);
    nft_set(f, name, 6, p, n, o->timeout_s);
    static const char *const hooks[2] = {"input", "forward"};
    for (int h = 0; h < 2; h++) {
        fprintf(f, "\n\tchain %s {\n\t\ttype filter hook %s priority -10; policy accept;\n", hooks[h], hooks[h]);
        fprintf(f, "\t\tip saddr @%s_v4 counter drop\n\t\tip6 saddr @%s_v6 counter drop\n\t}\n", name, name);
    }
    fprintf(f, "}\n");
}

static void write_ipset(FILE *f, const paddr *p, size_t n, const char *name, const bl_options *o,
                        const bl_stats *st)
{
    header(f, "#", "blocklist", BL_FMT_IPSET, o);
    count_line(f, "#", st);
    fprintf(f, "# Load or reload with `ipset restore -file FILE` (each set is filled aside, then swapped in).\n");
    for (int fam = 4; fam <= 6; fam += 2) {
        size_t cnt = fam == 4 ? st->v4 : st->v6;
        unsigned long maxelem = 1048576;
        while (maxelem < cnt)
            maxelem *= 2;
        char opts[96];
        if (o->timeout_s > 0)
            snprintf(opts, sizeof opts, " maxelem %lu timeout %ld", maxelem, o->timeout_s);
        else
            snprintf(opts, sizeof opts, " maxelem %lu", maxelem);
        const char *family = fam == 4 ? "inet" : "inet6";
        fprintf(f, "create %s_v%d hash:ip family %s%s -exist\n", name, fam, family, opts);
        fprintf(f, "create %s_v%d-new hash:ip family %s%s -exist\n", name, fam, family, opts);
        fprintf(f, "flush %s_v%d-new\n", name, fam);
        for (size_t i = 0; i < n; i++)
            if (p[i].family == fam)
                fprintf(f, "add %s_v%d-new %s\n", name, fam, p[i].text);
        fprintf(f, "swap %s_v%d-new %s_v%d\n", name, fam, name, fam);
        fprintf(f, "destroy %s_v%d-new\n", name, fam);
    }
}

static void write_fail2ban(FILE *f, const paddr *p, size_t n, const bl_options *o)
{
    char t[32], steps[64];
    fmt_time(o->generated_ms, t);
    if (!t[0])
        fmt_time(0, t);
    for (size_t i = 0; i < n; i++) {
        bl_steps_text(p[i].steps, steps, sizeof steps);
        fprintf(f, "%s sipsnare: blocked %s steps=%s requests=%lu\n", t, p[i].text, steps, p[i].requests);
    }
}

int bl_write_fail2ban_filter(FILE *f)
{
    fputs("# Fail2Ban filter for sipsnare blocklist logs (`sipsnare blocklist --format fail2ban`).\n"
          "# Install as /etc/fail2ban/filter.d/sipsnare.conf; the jail is in docs/BLOCKLISTS.md.\n"
          "# A line: 2026-11-25T10:00:00Z sipsnare: blocked 192.0.2.7 steps=enumeration,brute-force requests=1234\n"
          "\n"
          "[Definition]\n"
          "\n"
          "failregex = ^\\s*sipsnare: blocked <ADDR> steps=[a-z,-]+ requests=\\d+$\n"
          "\n"
          "ignoreregex =\n"
          "\n"
          "datepattern = {^LN-BEG}%%Y-%%m-%%dT%%H:%%M:%%S%%z\n",
          f);
    return finish(f);
}

/* secfilter compares its entries as case-insensitive prefixes of Kamailio's
 * text of the source address (ip_addr2a). */
static const char *kam_text(const paddr *p, char buf[48])
{
    if (p->family == 4 || bl_kamailio_ip6(p->text, buf, 48) != 0)
        return p->text;
    return buf;
}

static void write_secfilter(FILE *f, const paddr *p, size_t n, const bl_options *o, const bl_stats *st)
{
    header(f, "--", "blocklist", BL_FMT_SECFILTER, o);
    count_line(f, "--", st);
    fprintf(f, "-- Kamailio secfilter table (columns action, type, data): action 0 = blacklist,\n"
               "-- type 3 = IP address, compared by secf_check_ip() as a prefix of the source.\n"
               "-- Load into Kamailio's database, then: kamcmd secfilter.reload\n");
    fprintf(f, "BEGIN;\n");
    char buf[48];
    for (size_t i = 0; i < n; i++) {
        const char *t = kam_text(&p[i], buf);
        fprintf(f, "DELETE FROM secfilter WHERE action = 0 AND type = 3 AND data = '%s';\n", t);
        fprintf(f, "INSERT INTO secfilter (action, type, data) VALUES (0, 3, '%s');\n", t);
    }
    fprintf(f, "COMMIT;\n");
}

static void write_secfilter_rpc(FILE *f, const paddr *p, size_t n, const bl_options *o, const bl_stats *st)
{
    fprintf(f, "#!/bin/sh\n");
    header(f, "#", "blocklist", BL_FMT_SECFILTER_RPC, o);
    count_line(f, "#", st);
    fprintf(f, "# Adds the addresses to a running Kamailio's secfilter blacklist (kept in memory\n"
               "# until secfilter.reload). KAMCMD may name another socket: KAMCMD='kamcmd -s ...'\n"
               "set -e\nKAMCMD=${KAMCMD:-kamcmd}\n");
    char buf[48];
    for (size_t i = 0; i < n; i++)
        fprintf(f, "$KAMCMD secfilter.add_bl ip s:%s\n", kam_text(&p[i], buf));
}

static void write_permissions(FILE *f, const paddr *p, size_t n, const bl_options *o, const bl_stats *st)
{
    unsigned group = o->group ? o->group : BL_DEFAULT_GROUP;
    header(f, "#", "blocklist", BL_FMT_PERMISSIONS, o);
    count_line(f, "#", st);
    fprintf(f, "# Kamailio permissions address file: modparam(\"permissions\", \"address_file\", \"FILE\")\n"
               "# (groupid,int) (address,str) (netmask,int,o) (port,int,o) (tag,str,o)\n"
               "# Block in the route: if (allow_source_address(\"%u\")) { drop; }\n"
               "# Reload: kamcmd permissions.addressReload\n",
            group);
    char steps[64];
    for (size_t i = 0; i < n; i++) {
        bl_steps_text(p[i].steps, steps, sizeof steps);
        if (p[i].family == 4)
            fprintf(f, "%u %s 32 0 sipsnare:%s\n", group, p[i].text, steps);
        else
            fprintf(f, "%u [%s] 128 0 sipsnare:%s\n", group, p[i].text, steps);
    }
}

static void json_opt_str(FILE *f, const char *key, const char *v)
{
    /* values are checked labels or times: no character needs escaping */
    if (v && *v)
        fprintf(f, ",\"%s\":\"%s\"", key, v);
    else
        fprintf(f, ",\"%s\":null", key);
}

static void write_json_addrs(FILE *f, const paddr *p, size_t n)
{
    char t1[32], t2[32];
    fputc('[', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%s\n  {\"ip\":\"%s\",\"family\":%d,\"steps\":[", i ? "," : "", p[i].text, p[i].family);
        int first = 1;
        for (int k = 0; k < 4; k++)
            if (p[i].steps & (1u << k)) {
                fprintf(f, "%s\"%s\"", first ? "" : ",", step_name((step_kind)k));
                first = 0;
            }
        fputc(']', f);
        fmt_time(p[i].first_ms, t1);
        fmt_time(p[i].last_ms, t2);
        json_opt_str(f, "first_seen", t1);
        json_opt_str(f, "last_seen", t2);
        fprintf(f, ",\"requests\":%lu", p[i].requests);
        json_opt_str(f, "country", p[i].country);
        if (p[i].asn)
            fprintf(f, ",\"asn\":%lu", (unsigned long)p[i].asn);
        else
            fprintf(f, ",\"asn\":null");
        fprintf(f, ",\"rogue_score\":%d}", p[i].rogue_score);
    }
    fputs(n ? "\n]\n" : "]\n", f);
}

int bl_write_addrs(FILE *out, bl_format fmt, const bl_addr *a, size_t n, const bl_options *o, bl_stats *st)
{
    static const bl_options defaults;
    bl_stats local;
    if (!o)
        o = &defaults;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    const char *name = o->name ? o->name : BL_DEFAULT_NAME;
    if (!bl_valid_name(name) || o->timeout_s < 0 || o->timeout_s > BL_MAX_TIMEOUT ||
        (unsigned)fmt >= BL_FMT_COUNT || fmt == BL_FMT_FAIL2BAN_FILTER)
        return -2;
    size_t m = 0;
    paddr *p = prepare_addrs(a, n, &m, st);
    if (!p)
        return -1;
    switch (fmt) {
    case BL_FMT_PLAIN: write_plain(out, p, m, o, st); break;
    case BL_FMT_NFT: write_nft(out, p, m, name, o, st); break;
    case BL_FMT_IPSET: write_ipset(out, p, m, name, o, st); break;
    case BL_FMT_FAIL2BAN: write_fail2ban(out, p, m, o); break;
    case BL_FMT_SECFILTER: write_secfilter(out, p, m, o, st); break;
    case BL_FMT_SECFILTER_RPC: write_secfilter_rpc(out, p, m, o, st); break;
    case BL_FMT_PERMISSIONS: write_permissions(out, p, m, o, st); break;
    case BL_FMT_JSON: write_json_addrs(out, p, m); break;
    default: break;
    }
    free(p);
    return finish(out);
}

/* ---- numbers ------------------------------------------------------------ */

typedef struct {
    const char *e164;
    const char *country;
    unsigned long attempts, calls, sources;
    int64_t first_ms, last_ms;
} pnum;

static int pnum_cmp(const void *x, const void *y)
{
    const pnum *a = x, *b = y;
    return strcmp(a->e164, b->e164);
}

int bl_write_numbers(FILE *out, bl_format fmt, const bl_number *nums, size_t n, const bl_options *o,
                     bl_stats *st)
{
    static const bl_options defaults;
    bl_stats local;
    if (!o)
        o = &defaults;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    if ((unsigned)fmt >= BL_FMT_COUNT || !bl_format_takes_numbers(fmt))
        return -2;
    pnum *p = calloc(n ? n : 1, sizeof *p);
    if (!p)
        return -1;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (!bl_valid_e164(nums[i].e164)) {
            st->rejected++;
            continue;
        }
        p[k].e164 = nums[i].e164;
        p[k].country = bl_valid_country(nums[i].country) ? nums[i].country : NULL;
        p[k].attempts = nums[i].attempts;
        p[k].calls = nums[i].calls;
        p[k].sources = nums[i].sources;
        p[k].first_ms = nums[i].first_ms;
        p[k].last_ms = nums[i].last_ms;
        k++;
    }
    qsort(p, k, sizeof *p, pnum_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && strcmp(p[m - 1].e164, p[i].e164) == 0) {
            pnum *d = &p[m - 1];
            d->attempts += p[i].attempts;
            d->calls += p[i].calls;
            d->sources += p[i].sources;
            d->first_ms = min_time(d->first_ms, p[i].first_ms);
            d->last_ms = max_time(d->last_ms, p[i].last_ms);
            if (!d->country)
                d->country = p[i].country;
            st->duplicates++;
            continue;
        }
        p[m++] = p[i];
    }
    st->written = m;

    char t1[32], t2[32];
    switch (fmt) {
    case BL_FMT_PLAIN:
        header(out, "#", "dialed numbers", fmt, o);
        fprintf(out, "# %zu number%s (E.164)\n", m, m == 1 ? "" : "s");
        for (size_t i = 0; i < m; i++)
            fprintf(out, "%s\n", p[i].e164);
        break;
    case BL_FMT_SECFILTER:
        header(out, "--", "dialed numbers", fmt, o);
        fprintf(out, "-- %zu number%s. Kamailio secfilter table: action 2 = blacklisted destination,\n"
                     "-- type 0, data = the E.164 number's digits without '+', compared by\n"
                     "-- secf_check_dst() with the string it is given (normalise $rU first).\n"
                     "-- Load into Kamailio's database, then: kamcmd secfilter.reload\n",
                m, m == 1 ? "" : "s");
        fprintf(out, "BEGIN;\n");
        for (size_t i = 0; i < m; i++) {
            const char *d = p[i].e164 + 1;
            fprintf(out, "DELETE FROM secfilter WHERE action = 2 AND type = 0 AND data = '%s';\n", d);
            fprintf(out, "INSERT INTO secfilter (action, type, data) VALUES (2, 0, '%s');\n", d);
        }
        fprintf(out, "COMMIT;\n");
        break;
    case BL_FMT_JSON:
        fputc('[', out);
        for (size_t i = 0; i < m; i++) {
            fprintf(out, "%s\n  {\"e164\":\"%s\"", i ? "," : "", p[i].e164);
            json_opt_str(out, "country", p[i].country);
            fprintf(out, ",\"attempts\":%lu,\"calls\":%lu,\"sources\":%lu", p[i].attempts, p[i].calls,
                    p[i].sources);
            fmt_time(p[i].first_ms, t1);
            fmt_time(p[i].last_ms, t2);
            json_opt_str(out, "first_seen", t1);
            json_opt_str(out, "last_seen", t2);
            fputc('}', out);
        }
        fputs(m ? "\n]\n" : "]\n", out);
        break;
    default:
        break;
    }
    free(p);
    return finish(out);
}

/* ---- graph -------------------------------------------------------------- */

typedef struct {
    int family;
    unsigned char key[16];
    char src[INET6_ADDRSTRLEN];
    const char *src_country;
    uint32_t src_asn;
    const char *dst;              /* checked label or E.164; "??" unknown country */
    const char *dst_country;
    unsigned long calls, invites;
} pedge;

typedef struct {
    size_t first, count;          /* edges of this source in the sorted array */
    unsigned long calls, invites;
} psrc;

static int pedge_cmp(const void *x, const void *y)
{
    const pedge *a = x, *b = y;
    if (a->family != b->family)
        return a->family < b->family ? -1 : 1;
    int c = memcmp(a->key, b->key, 16);
    return c ? c : strcmp(a->dst, b->dst);
}

/* Edges of one source: most calls first, then by destination. */
static int pedge_weight_cmp(const void *x, const void *y)
{
    const pedge *a = x, *b = y;
    if (a->calls != b->calls)
        return a->calls > b->calls ? -1 : 1;
    return strcmp(a->dst, b->dst);
}

static const pedge *g_edges;      /* for psrc_cmp (qsort has no context argument) */

static int psrc_cmp(const void *x, const void *y)
{
    const psrc *a = x, *b = y;
    if (a->calls != b->calls)
        return a->calls > b->calls ? -1 : 1;
    return pedge_cmp(&g_edges[a->first], &g_edges[b->first]) < 0 ? -1 : 1;
}

static int str_ptr_cmp(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

#define PLURAL(n) ((n) == 1 ? "" : "s")

/* A DOT string's contents: quotes and backslashes escaped, controls dropped. */
static void dot_text(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fputc('\\', f);
        if (c >= 0x20 && c != 0x7f)
            fputc(c, f);
    }
}

int bl_write_dot(FILE *f, const bl_edge *e, size_t n, const bl_graph_options *go, bl_stats *st)
{
    static const bl_graph_options defaults;
    bl_stats local;
    if (!go)
        go = &defaults;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);

    pedge *p = calloc(n ? n : 1, sizeof *p);
    psrc *s = calloc(n ? n : 1, sizeof *s);
    const char **dsts = calloc(n ? n : 1, sizeof *dsts);
    const char **dst_cc = calloc(n ? n : 1, sizeof *dst_cc);
    if (!p || !s || !dsts || !dst_cc) {
        free(p); free(s); free(dsts); free(dst_cc);
        return -1;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        pedge *d = &p[k];
        int fam = canonical_key(e[i].src_ip, d->src, sizeof d->src, d->key);
        const char *dst = e[i].dst;
        if (go->numbers) {
            if (!bl_valid_e164(dst))
                fam = -1;
        } else if (!dst || !*dst) {
            dst = "??";
        } else if (!bl_valid_country(dst)) {
            fam = -1;
        }
        if (fam < 0) {
            st->rejected++;
            continue;
        }
        d->family = fam;
        d->src_country = bl_valid_country(e[i].src_country) ? e[i].src_country : NULL;
        d->src_asn = e[i].src_asn;
        d->dst = dst;
        d->dst_country = bl_valid_country(e[i].dst_country) ? e[i].dst_country : NULL;
        d->calls = e[i].calls;
        d->invites = e[i].invites;
        k++;
    }
    qsort(p, k, sizeof *p, pedge_cmp);
    size_t m = 0;
    for (size_t i = 0; i < k; i++) {
        if (m > 0 && pedge_cmp(&p[m - 1], &p[i]) == 0) {
            pedge *d = &p[m - 1];
            d->calls += p[i].calls;
            d->invites += p[i].invites;
            if (!d->src_country)
                d->src_country = p[i].src_country;
            if (!d->src_asn)
                d->src_asn = p[i].src_asn;
            if (!d->dst_country)
                d->dst_country = p[i].dst_country;
            st->duplicates++;
            continue;
        }
        p[m++] = p[i];
    }
    /* sources: runs of the same address */
    size_t ns = 0;
    for (size_t i = 0; i < m; i++) {
        if (ns == 0 || p[i].family != p[s[ns - 1].first].family ||
            memcmp(p[i].key, p[s[ns - 1].first].key, 16) != 0) {
            s[ns].first = i;
            s[ns].count = 0;
            s[ns].calls = s[ns].invites = 0;
            ns++;
        }
        psrc *c = &s[ns - 1];
        c->count++;
        c->calls += p[i].calls;
        c->invites += p[i].invites;
        /* a source's attributes from any of its edges */
        if (!p[c->first].src_country)
            p[c->first].src_country = p[i].src_country;
        if (!p[c->first].src_asn)
            p[c->first].src_asn = p[i].src_asn;
    }
    g_edges = p;
    qsort(s, ns, sizeof *s, psrc_cmp);
    if (go->top && ns > go->top)
        ns = go->top;
    unsigned long maxw = 1;
    size_t nd = 0;
    for (size_t i = 0; i < ns; i++) {
        /* keep the source's own attributes on its first edge after sorting */
        const char *cc = p[s[i].first].src_country;
        uint32_t asn = p[s[i].first].src_asn;
        qsort(p + s[i].first, s[i].count, sizeof *p, pedge_weight_cmp);
        p[s[i].first].src_country = cc;
        p[s[i].first].src_asn = asn;
        for (size_t j = s[i].first; j < s[i].first + s[i].count; j++) {
            if (p[j].calls > maxw)
                maxw = p[j].calls;
            dsts[nd++] = p[j].dst;
        }
    }
    /* distinct destinations, sorted; their country (numbers) from any edge */
    qsort(dsts, nd, sizeof *dsts, str_ptr_cmp);
    size_t nu = 0;
    for (size_t i = 0; i < nd; i++)
        if (nu == 0 || strcmp(dsts[nu - 1], dsts[i]) != 0)
            dsts[nu++] = dsts[i];
    for (size_t i = 0; i < nu; i++) {
        dst_cc[i] = NULL;
        for (size_t x = 0; x < ns && !dst_cc[i]; x++)
            for (size_t j = s[x].first; j < s[x].first + s[x].count; j++)
                if (p[j].dst_country && strcmp(p[j].dst, dsts[i]) == 0) {
                    dst_cc[i] = p[j].dst_country;
                    break;
                }
    }

    const char *dkind = go->numbers ? "num" : "cc";
    fprintf(f, "digraph sipsnare {\n");
    if (go->star && ns > 0)
        fprintf(f, "\tgraph [layout=twopi, root=\"src:%s\", overlap=false, ranksep=2", p[s[0].first].src);
    else
        fprintf(f, "\tgraph [rankdir=LR, ranksep=1.5");
    fprintf(f, ", fontname=\"Helvetica\", labelloc=t, label=\"");
    if (go->title)
        dot_text(f, go->title);
    else
        fprintf(f, "sipsnare: source -> %s (edge weight: unified calls)",
                go->numbers ? "dialed number" : "destination country");
    if (ns == 0)
        fprintf(f, " - no calls");
    fprintf(f, "\"];\n");
    fprintf(f, "\tnode [fontname=\"Helvetica\", fontsize=10, style=filled];\n");
    fprintf(f, "\tedge [fontname=\"Helvetica\", fontsize=9, color=\"#636363\"];\n");
    for (size_t i = 0; i < ns; i++) {
        const pedge *q = &p[s[i].first];
        fprintf(f, "\t\"src:%s\" [shape=box, fillcolor=\"#fcbba1\", label=\"%s\\n%s", q->src, q->src,
                q->src_country ? q->src_country : "??");
        if (q->src_asn)
            fprintf(f, " AS%lu", (unsigned long)q->src_asn);
        fprintf(f, "\", tooltip=\"%s: %lu unified call%s, %lu INVITE%s\", country=\"%s\", asn=\"%lu\"];\n",
                q->src, s[i].calls, PLURAL(s[i].calls), s[i].invites, PLURAL(s[i].invites),
                q->src_country ? q->src_country : "", (unsigned long)q->src_asn);
    }
    for (size_t i = 0; i < nu; i++) {
        if (go->numbers)
            fprintf(f, "\t\"%s:%s\" [shape=note, fillcolor=\"#c6dbef\", label=\"%s\\n%s\", country=\"%s\"];\n",
                    dkind, dsts[i], dsts[i], dst_cc[i] ? dst_cc[i] : "??", dst_cc[i] ? dst_cc[i] : "");
        else
            fprintf(f, "\t\"%s:%s\" [shape=ellipse, fillcolor=\"#c6dbef\", label=\"%s\"];\n", dkind, dsts[i],
                    strcmp(dsts[i], "??") == 0 ? "unknown" : dsts[i]);
    }
    for (size_t i = 0; i < ns; i++)
        for (size_t j = s[i].first; j < s[i].first + s[i].count; j++) {
            /* relative to the heaviest edge, but never thick for a handful of calls */
            double pw = 1.0 + 4.0 * log1p((double)p[j].calls) / log1p((double)(maxw < 10 ? 10 : maxw));
            fprintf(f, "\t\"src:%s\" -> \"%s:%s\" [label=\"%lu\", weight=%lu, penwidth=%.2f, "
                       "tooltip=\"%s -> %s: %lu unified call%s, %lu INVITE%s\"];\n",
                    p[j].src, dkind, p[j].dst, p[j].calls, p[j].calls ? p[j].calls : 1, pw, p[j].src,
                    p[j].dst, p[j].calls, PLURAL(p[j].calls), p[j].invites, PLURAL(p[j].invites));
            st->written++;
        }
    fprintf(f, "}\n");
    for (size_t i = 0; i < ns; i++) {
        if (p[s[i].first].family == 4)
            st->v4++;
        else
            st->v6++;
    }
    free(p); free(s); free(dsts); free(dst_cc);
    return finish(f);
}

/* ---- addresses that are never listed by default ---- */

int bl_parse_range(const char *text, bl_range *r)
{
    char buf[64];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    if (n == 0 || n >= sizeof buf)
        return -1;
    memcpy(buf, text, n);
    buf[n] = '\0';
    memset(r, 0, sizeof *r);
    if (inet_pton(AF_INET, buf, r->net) == 1)
        r->family = 4;
    else if (inet_pton(AF_INET6, buf, r->net) == 1)
        r->family = 6;
    else
        return -1;
    unsigned max = r->family == 4 ? 32 : 128;
    r->bits = max;
    if (slash) {
        char *end;
        long v = strtol(slash + 1, &end, 10);
        if (slash[1] == '\0' || *end != '\0' || v < 0 || v > (long)max)
            return -1;
        r->bits = (unsigned)v;
    }
    return 0;
}

static int range_has(const bl_range *r, int fam, const unsigned char *a)
{
    if (fam != r->family)
        return 0;
    unsigned full = r->bits / 8, rest = r->bits % 8;
    if (memcmp(a, r->net, full) != 0)
        return 0;
    if (rest) {
        unsigned char mask = (unsigned char)(0xFF << (8 - rest));
        if ((a[full] & mask) != (r->net[full] & mask))
            return 0;
    }
    return 1;
}

int bl_in_range(const char *ip, const bl_range *r)
{
    char canon[INET6_ADDRSTRLEN];
    unsigned char a[16];
    int fam = canonical_key(ip, canon, sizeof canon, a);
    return fam > 0 && range_has(r, fam, a);
}

const char *bl_special_address(const char *ip)
{
    static const struct {
        const char *range, *why;
    } special[] = {
        {"0.0.0.0/8", "unspecified"}, {"127.0.0.0/8", "loopback"}, {"10.0.0.0/8", "private"},
        {"172.16.0.0/12", "private"}, {"192.168.0.0/16", "private"}, {"100.64.0.0/10", "shared (CGNAT)"},
        {"169.254.0.0/16", "link-local"}, {"224.0.0.0/4", "multicast"}, {"240.0.0.0/4", "reserved"},
        {"::/128", "unspecified"}, {"::1/128", "loopback"}, {"fc00::/7", "private (ULA)"},
        {"fe80::/10", "link-local"}, {"ff00::/8", "multicast"},
    };
    char canon[INET6_ADDRSTRLEN];
    unsigned char a[16];
    int fam = canonical_key(ip, canon, sizeof canon, a);
    if (fam < 0)
        return "not an address";
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++) {
        bl_range r;
        if (bl_parse_range(special[i].range, &r) == 0 && range_has(&r, fam, a))
            return special[i].why;
    }
    return NULL;
}

