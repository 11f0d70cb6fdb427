/*
 * test_ipinfo.c - source address -> country, ASN (src/enrich/ipinfo.h):
 * a real RIR delegation file (tests/data/rir/), CSV/TSV range tables with
 * overlaps, a tiny MaxMind DB written by this test, the committed snapshot.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "enrich/ipinfo.h"

static char tmpdir[64];

static const char *tmp_file(const char *name, const char *text)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

#define LOOK(db, ip, cc, as) do { ipinfo i_; ipdb_lookup_text((db), (ip), &i_); \
    if (strcmp(i_.country, (cc)) != 0 || i_.asn != (uint32_t)(as)) { \
        fprintf(stderr, "  %s:%d: %s -> '%s' AS%u, expected '%s' AS%u\n", __FILE__, __LINE__, \
                (ip), i_.country, (unsigned)i_.asn, (cc), (unsigned)(as)); \
        check_failures_in_case++; } } while (0)

static void test_rir(void)
{
    ipdb *db = ipdb_new();
    char err[256];
    CHECK_INT(ipdb_add_rir(db, "tests/data/rir/delegated-afrinic-extended-latest", err, sizeof err), 0);
    CHECK(ipdb_source_ranges(db, 0) > 5000);
    /* afrinic|ZA|ipv4|41.0.0.0|2097152|...|allocated */
    LOOK(db, "41.0.0.0", "ZA", 0);
    LOOK(db, "41.31.255.255", "ZA", 0);
    /* afrinic|EG|ipv4|41.32.0.0|1048576 */
    LOOK(db, "41.32.0.1", "EG", 0);
    LOOK(db, "41.47.255.255", "EG", 0);
    LOOK(db, "41.48.0.0", "ZA", 0);
    /* afrinic|KE|ipv4|41.57.96.0|4096, NG 41.57.120.0|1024 */
    LOOK(db, "41.57.100.7", "KE", 0);
    LOOK(db, "41.57.121.200", "NG", 0);
    /* afrinic|ZZ|ipv4|102.192.0.0|524288||available: no country */
    LOOK(db, "102.192.0.1", "", 0);
    /* afrinic|ZA|ipv6|2001:4200::|32 */
    LOOK(db, "2001:4200:1234::1", "ZA", 0);
    LOOK(db, "::ffff:41.32.0.1", "EG", 0);     /* IPv4-mapped: looked up as IPv4 */
    LOOK(db, "8.8.8.8", "", 0);
    ipinfo i;
    CHECK_INT(ipdb_lookup_text(db, "8.8.8.8", &i), -1);
    CHECK_INT(ipdb_lookup_text(db, "not an address", &i), -1);
    CHECK_INT(ipdb_lookup_text(db, "41.32.0.1", &i), 0);
    CHECK_INT(i.country_source, 0);
    CHECK_INT(i.asn_source, -1);
    CHECK(ipdb_add_rir(db, tmp_file("bad.txt", "hello world\n"), err, sizeof err) < 0);
    CHECK(strstr(err, "not a RIR delegation file") != NULL);
    CHECK(ipdb_add_rir(db, "/nonexistent", err, sizeof err) < 0);
    CHECK_INT(ipdb_sources(db), 1);
    ipdb_free(db);
}

static void test_ranges(void)
{
    ipdb *db = ipdb_new();
    char err[256];
    /* ip-location-db asn CSV: text addresses, quoted organisation, an
     * overlap (a more specific range inside a wider one) */
    const char *asn = tmp_file("asn.csv",
        "1.0.0.0,1.0.0.255,13335,\"Cloudflare, Inc.\"\n"
        "10.0.0.0,10.255.255.255,64500,Wide\n"
        "10.1.0.0,10.1.255.255,64501,Inner\n"
        "10.1.2.0,10.1.2.255,64502,Innermost\n"
        "2001:db8::,2001:db8:ffff:ffff:ffff:ffff:ffff:ffff,64510,Doc\n");
    CHECK_INT(ipdb_add_ranges(db, asn, 0, err, sizeof err), 0);
    LOOK(db, "1.0.0.7", "", 13335);
    LOOK(db, "1.0.1.0", "", 0);
    LOOK(db, "10.0.0.1", "", 64500);
    LOOK(db, "10.1.0.1", "", 64501);
    LOOK(db, "10.1.2.3", "", 64502);
    LOOK(db, "10.1.3.0", "", 64501);
    LOOK(db, "10.2.0.0", "", 64500);
    LOOK(db, "2001:db8::5", "", 64510);
    /* numeric form, TSV, header line, "AS" prefix; country table */
    const char *num = tmp_file("cc.tsv",
        "start\tend\tcountry\n"
        "16777216\t16777471\tau\n"
        "167772160\t184549375\tZZ\n"
        "42540766411282592856903984951653826560\t42540766490510755371168322545197776895\tDE\n");
    CHECK_INT(ipdb_add_ranges(db, num, IPDB_COUNTRY, err, sizeof err), 1);
    LOOK(db, "1.0.0.7", "AU", 13335);
    LOOK(db, "10.1.2.3", "", 64502);             /* ZZ: no country */
    LOOK(db, "2001:db8::5", "DE", 64510);
    const char *as2 = tmp_file("as2.tsv", "192.0.2.0\t192.0.2.255\tAS64496\n");
    CHECK_INT(ipdb_add_ranges(db, as2, 0, err, sizeof err), 2);
    LOOK(db, "192.0.2.1", "", 64496);
    /* errors name the file and line */
    CHECK(ipdb_add_ranges(db, tmp_file("bad.csv", "1.0.0.0,1.0.0.255,1\nfoo,bar,2\n"), 0, err, sizeof err) < 0);
    CHECK(strstr(err, "bad.csv:2:") != NULL);
    CHECK(ipdb_add_ranges(db, tmp_file("mix.csv", "1.0.0.0,::1,1\n1.0.0.0,::1,1\n"), 0, err, sizeof err) < 0);
    CHECK(strstr(err, "different families") != NULL);
    CHECK_INT(ipdb_sources(db), 3);
    ipdb_free(db);
}

/* ---- a tiny MaxMind DB (format 2.0), written here ------------------------- */

struct buf { uint8_t b[4096]; size_t n; };

static void put(struct buf *o, const void *p, size_t n) { memcpy(o->b + o->n, p, n); o->n += n; }
static void put1(struct buf *o, int c) { o->b[o->n++] = (uint8_t)c; }
static void mm_str(struct buf *o, const char *s)
{
    size_t n = strlen(s);           /* sizes 29..284: 29 and one more byte */
    if (n < 29) put1(o, 0x40 | (int)n);
    else { put1(o, 0x40 | 29); put1(o, (int)(n - 29)); }
    put(o, s, n);
}
static void mm_map(struct buf *o, int n) { put1(o, 0xE0 | n); }
static void mm_uint(struct buf *o, int type, uint64_t v, int bytes)
{
    if (type <= 7) put1(o, (type << 5) | bytes);
    else { put1(o, bytes); put1(o, type - 7); }
    for (int i = bytes - 1; i >= 0; i--) put1(o, (int)(v >> (8 * i)) & 0xff);
}

struct node { long rec[2]; };   /* >= 0 node, -1 empty, <= -2 data offset -(x+2) */

static struct node nodes[600];
static int nnodes;

static void insert(const uint8_t addr[16], int plen, size_t data_off)
{
    int cur = 0;
    for (int d = 0; d < plen; d++) {
        int bit = (addr[d / 8] >> (7 - d % 8)) & 1;
        if (d == plen - 1) {
            nodes[cur].rec[bit] = -(long)data_off - 2;
            return;
        }
        if (nodes[cur].rec[bit] < 0) {
            nodes[nnodes].rec[0] = nodes[nnodes].rec[1] = -1;
            nodes[cur].rec[bit] = nnodes++;
        }
        cur = (int)nodes[cur].rec[bit];
    }
}

static const char *write_mmdb(void)
{
    static struct buf data, meta;
    data.n = meta.n = 0;
    /* record 0: ip-location-db style */
    size_t d_au = data.n;
    mm_map(&data, 1); mm_str(&data, "country_code"); mm_str(&data, "AU");
    /* record 1: GeoLite2 style country + ASN */
    size_t d_de = data.n;
    mm_map(&data, 3);
    mm_str(&data, "country"); mm_map(&data, 1); mm_str(&data, "iso_code"); mm_str(&data, "DE");
    mm_str(&data, "autonomous_system_number"); mm_uint(&data, 6, 64500, 2);
    mm_str(&data, "autonomous_system_organization"); mm_str(&data, "Example AS");
    /* record 2: only registered_country */
    size_t d_fr = data.n;
    mm_map(&data, 1);
    mm_str(&data, "registered_country"); mm_map(&data, 1); mm_str(&data, "iso_code"); mm_str(&data, "FR");

    nnodes = 1;
    nodes[0].rec[0] = nodes[0].rec[1] = -1;
    uint8_t a[16] = {0};
    a[12] = 1; a[13] = 2; a[14] = 3;                      /* ::1.2.3.0/120 (IPv4 1.2.3.0/24) */
    insert(a, 120, d_au);
    memset(a, 0, 16);
    a[10] = a[11] = 0xff; a[12] = 5; a[13] = 6; a[14] = 7; /* ::ffff:5.6.7.0/120 only */
    insert(a, 120, d_fr);
    memset(a, 0, 16);
    a[0] = 0x20; a[1] = 0x01; a[2] = 0x0d; a[3] = 0xb8;   /* 2001:db8::/32 */
    insert(a, 32, d_de);

    mm_map(&meta, 9);
    mm_str(&meta, "binary_format_major_version"); mm_uint(&meta, 5, 2, 1);
    mm_str(&meta, "binary_format_minor_version"); mm_uint(&meta, 5, 0, 0);
    mm_str(&meta, "build_epoch"); mm_uint(&meta, 9, 1700000000, 4);
    mm_str(&meta, "database_type"); mm_str(&meta, "sipsnare-test");
    mm_str(&meta, "description"); mm_map(&meta, 0);
    mm_str(&meta, "ip_version"); mm_uint(&meta, 5, 6, 1);
    mm_str(&meta, "languages"); put1(&meta, 0); put1(&meta, 4);   /* empty array */
    mm_str(&meta, "node_count"); mm_uint(&meta, 6, (uint64_t)nnodes, 2);
    mm_str(&meta, "record_size"); mm_uint(&meta, 5, 24, 1);

    static char path[128];
    snprintf(path, sizeof path, "%s/tiny.mmdb", tmpdir);
    FILE *f = fopen(path, "wb");
    for (int i = 0; i < nnodes; i++)
        for (int s = 0; s < 2; s++) {
            long r = nodes[i].rec[s];
            unsigned long v = r >= 0 ? (unsigned long)r
                            : r == -1 ? (unsigned long)nnodes
                                      : (unsigned long)nnodes + 16 + (unsigned long)(-r - 2);
            uint8_t b[3] = {(uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
            fwrite(b, 1, 3, f);
        }
    static const uint8_t zero[16];
    fwrite(zero, 1, 16, f);
    fwrite(data.b, 1, data.n, f);
    fwrite("\xab\xcd\xefMaxMind.com", 1, 14, f);
    fwrite(meta.b, 1, meta.n, f);
    fclose(f);
    return path;
}

static void test_mmdb(void)
{
    ipdb *db = ipdb_new();
    char err[256];
    const char *path = write_mmdb();
    int idx = ipdb_add_mmdb(db, path, err, sizeof err);
    if (idx < 0)
        fprintf(stderr, "  %s\n", err);
    CHECK_INT(idx, 0);
    LOOK(db, "1.2.3.4", "AU", 0);              /* IPv4 through the ::/96 subtree */
    LOOK(db, "::ffff:1.2.3.4", "AU", 0);       /* mapped -> IPv4 */
    LOOK(db, "5.6.7.8", "FR", 0);              /* stored only as ::ffff:5.6.7.0/120 */
    LOOK(db, "2001:db8::1", "DE", 64500);
    LOOK(db, "2001:db9::1", "", 0);
    LOOK(db, "1.2.4.4", "", 0);
    ipinfo i;
    ipdb_lookup_text(db, "2001:db8:1::1", &i);
    CHECK_STR(i.as_org, "Example AS");
    CHECK_INT(i.country_source, 0);
    /* a second source fills what the first lacks */
    char asn[128];
    snprintf(asn, sizeof asn, "%s", tmp_file("asn2.csv", "1.2.3.0,1.2.3.255,64499,X\n"));
    CHECK_INT(ipdb_add_ranges(db, asn, IPDB_ASN, err, sizeof err), 1);
    ipdb_lookup_text(db, "1.2.3.4", &i);
    CHECK_STR(i.country, "AU");
    CHECK_INT(i.asn, 64499);
    CHECK_INT(i.country_source, 0);
    CHECK_INT(i.asn_source, 1);
    CHECK(ipdb_add_mmdb(db, tmp_file("notmmdb", "x"), err, sizeof err) < 0);
    CHECK_STR(ipdb_source_name(db, 1), asn);
    ipdb_free(db);
}

/* The snapshot committed in data/ipdb: well-known, long-held allocations. */
static void test_snapshot(void)
{
    ipdb *db = ipdb_new();
    char err[256];
    int n = ipdb_add_default(db, err, sizeof err);
    if (n < 0)
        fprintf(stderr, "  %s\n", err);
    CHECK_INT(n, 2);
    CHECK(ipdb_source_ranges(db, 0) > 300000);
    CHECK(ipdb_source_ranges(db, 1) > 100000);
    LOOK(db, "1.0.0.1", "AU", 13335);           /* APNIC/Cloudflare research prefix */
    LOOK(db, "8.8.8.8", "US", 15169);           /* Google */
    LOOK(db, "2001:4860:4860::8888", "US", 15169);
    LOOK(db, "127.0.0.1", "", 0);
    ipinfo i;
    CHECK_INT(ipdb_lookup_text(db, "9.9.9.9", &i), 0);
    CHECK(i.asn != 0 && i.country[0] != '\0');
    CHECK(ipdb_add_snapshot(db, "tests/data/rir/SOURCE", err, sizeof err) < 0);
    CHECK(strstr(err, "not a sipsnare-ipdb 1 snapshot") != NULL);
    ipdb_free(db);
}

/* ipdb_country_ranges4: the country's ranges with their AS, which the
 * lookup confirms. */
struct ranges_seen {
    const ipdb *db;
    const char *cc;
    long n, with_asn, confirmed;
    uint64_t size;
    uint32_t last_start;
    int ordered;
};

static void on_range(void *arg, uint32_t start, uint32_t end, uint32_t asn)
{
    struct ranges_seen *r = arg;
    if (r->n > 0 && start < r->last_start)
        r->ordered = 0;
    r->last_start = start;
    r->n++;
    r->size += (uint64_t)(end - start) + 1;
    if (!asn)
        return;
    r->with_asn++;
    an_ip ip = an_ip_v4(start);
    ipinfo i;
    if (ipdb_lookup(r->db, &ip, &i) == 0 && strcmp(i.country, r->cc) == 0 && i.asn == asn)
        r->confirmed++;
}

static void test_country_ranges(void)
{
    ipdb *db = ipdb_new();
    char err[256];
    CHECK(ipdb_add_default(db, err, sizeof err) == 2);
    static const char *const cc[] = {"US", "CN", "BR", "PS"};
    for (size_t c = 0; c < sizeof cc / sizeof cc[0]; c++) {
        struct ranges_seen r = {.db = db, .cc = cc[c], .ordered = 1};
        long n = ipdb_country_ranges4(db, cc[c], on_range, &r);
        CHECK(n > 0);
        CHECK_INT(n, r.n);
        CHECK(r.ordered);
        CHECK(r.with_asn * 10 >= r.n * 8);          /* most ranges have their AS (US 87%) */
        CHECK_INT(r.confirmed, r.with_asn);         /* and the lookup agrees */
        CHECK(r.size > 0);
    }
    struct ranges_seen none = {.db = db, .cc = "XX", .ordered = 1};
    CHECK_INT(ipdb_country_ranges4(db, "XX", on_range, &none), 0);
    CHECK_INT(ipdb_country_ranges4(db, "usa", on_range, &none), -1);
    ipdb_free(db);
}

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sipsnare-ipinfo.XXXXXX");
    CHECK(mkdtemp(tmpdir) != NULL);
}

static void cleanup(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", tmpdir);
    CHECK_INT(system(cmd), 0);
}

CHECK_MAIN("test_ipinfo",
    {"setup", setup},
    {"RIR delegation file", test_rir},
    {"CSV/TSV ranges", test_ranges},
    {"MaxMind DB", test_mmdb},
    {"snapshot in data/ipdb", test_snapshot},
    {"a country's ranges with their AS", test_country_ranges},
    {"cleanup", cleanup})
