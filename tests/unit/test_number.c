/*
 * test_number.c - dial strings -> canonical E.164, stripped prefix,
 * destination country, number type (src/enrich/number.h). Families of one
 * number dialed many ways (the study's Figure 2) must all give one number.
 * Numbers are libphonenumber example numbers or fictitious ones (555-01xx).
 */
#include <string.h>

#include "check.h"
#include "enrich/number.h"

struct ncase {
    const char *home, *dial, *e164, *prefix, *country, *type;
    num_status status;
};

static const struct ncase cases[] = {
    /* Figure 2: one Israeli mobile number dialed a dozen ways */
    {"BR", "00972502345678", "+972502345678", "00", "IL", "mobile", NUM_VALID},
    {"BR", "972502345678", "+972502345678", "", "IL", "mobile", NUM_VALID},
    {"BR", "900972502345678", "+972502345678", "900", "IL", "mobile", NUM_VALID},
    {"BR", "011972502345678", "+972502345678", "011", "IL", "mobile", NUM_VALID},
    {"BR", "0021972502345678", "+972502345678", "0021", "IL", "mobile", NUM_VALID},
    {"BR", "+972502345678", "+972502345678", "+", "IL", "mobile", NUM_VALID},
    {"BR", "9011972502345678", "+972502345678", "9011", "IL", "mobile", NUM_VALID},
    {"BR", "0011972502345678", "+972502345678", "0011", "IL", "mobile", NUM_VALID},
    {"BR", "810972502345678", "+972502345678", "810", "IL", "mobile", NUM_VALID},
    {"BR", "0972502345678", "+972502345678", "0", "IL", "mobile", NUM_VALID},
    {"BR", "0014972502345678", "+972502345678", "0014", "IL", "mobile", NUM_VALID},
    {"BR", "+972 50-234-5678", "+972502345678", "+", "IL", "mobile", NUM_VALID},
    {"BR", "%2B972502345678", "+972502345678", "+", "IL", "mobile", NUM_VALID},
    {"BR", "tel:+972-50-234-5678;phone-context=example.com", "+972502345678", "+", "IL", "mobile", NUM_VALID},
    {"BR", "00972502345678#", "+972502345678", "00", "IL", "mobile", NUM_VALID},
    /* Palestine (the study's top pair PS->IL runs the other way) */
    {"BR", "00970599123456", "+970599123456", "00", "PS", "mobile", NUM_VALID},
    {"BR", "0021970599123456", "+970599123456", "0021", "PS", "mobile", NUM_VALID},
    {"BR", "970599123456", "+970599123456", "", "PS", "mobile", NUM_VALID},
    {"BR", "9011970599123456", "+970599123456", "9011", "PS", "mobile", NUM_VALID},
    /* Germany: bare number could also be Brazilian (49 = Santa Catarina) */
    {"BR", "0114930123456", "+4930123456", "011", "DE", "fixed_line", NUM_VALID},
    {"BR", "004930123456", "+4930123456", "00", "DE", "fixed_line", NUM_VALID},
    {"BR", "4930123456", "+4930123456", "", "DE", "fixed_line", NUM_VALID},
    {"BR", "9004930123456", "+4930123456", "900", "DE", "fixed_line", NUM_VALID},
    {"BR", "0021 4930123456", "+4930123456", "0021", "DE", "fixed_line", NUM_VALID},
    /* +44: GB and the Crown Dependencies (GG, JE, IM), trunk 0 kept after +44 */
    {"BR", "00441481256789", "+441481256789", "00", "GG", "fixed_line", NUM_VALID},
    {"BR", "011441534456789", "+441534456789", "011", "JE", "fixed_line", NUM_VALID},
    {"BR", "+441624756789", "+441624756789", "+", "IM", "fixed_line", NUM_VALID},
    {"BR", "00447924123456", "+447924123456", "00", "IM", "mobile", NUM_VALID},
    {"BR", "00447781123456", "+447781123456", "00", "GG", "mobile", NUM_VALID},
    {"BR", "00442079460958", "+442079460958", "00", "GB", "fixed_line", NUM_VALID},
    {"BR", "+44 (0)20 7946 0958", "+442079460958", "+", "GB", "fixed_line", NUM_VALID},
    /* +7: Russia, Kazakhstan (76, 77) */
    {"BR", "0079161234567", "+79161234567", "00", "RU", "mobile", NUM_VALID},
    {"BR", "8107 916 123 45 67", "+79161234567", "810", "RU", "mobile", NUM_VALID},
    {"BR", "79161234567", "+79161234567", "", "RU", "mobile", NUM_VALID},
    {"BR", "0077012345678", "+77012345678", "00", "KZ", "mobile", NUM_VALID},
    {"BR", "0077272123456", "+77272123456", "00", "KZ", "fixed_line", NUM_VALID},
    {"BR", "9007 701 234 5678", "+77012345678", "900", "KZ", "mobile", NUM_VALID},
    /* NANP: country by area code; non-geographic codes get labels */
    {"BR", "0012125550199", "+12125550199", "00", "US", "fixed_line_or_mobile", NUM_VALID},
    {"BR", "12125550199", "+12125550199", "", "US", "fixed_line_or_mobile", NUM_VALID},
    {"BR", "0112125550199x", NULL, NULL, NULL, NULL, NUM_NOT_NUMBER},
    {"BR", "90015062345678", "+15062345678", "900", "CA", "fixed_line_or_mobile", NUM_VALID},
    {"BR", "0018762345678", "+18762345678", "00", "JM", "mobile", NUM_VALID},
    {"BR", "0018092345678", "+18092345678", "00", "DO", "fixed_line_or_mobile", NUM_VALID},
    {"BR", "0017872345678", "+17872345678", "00", "PR", "fixed_line_or_mobile", NUM_VALID},
    {"BR", "0018002123456", "+18002123456", "00", "XN-TOLLFREE", "toll_free", NUM_VALID},
    {"BR", "0019002123456", "+19002123456", "00", "XN-PREMIUM", "premium_rate", NUM_VALID},
    {"BR", "0015002345678", "+15002345678", "00", "XN-PERSONAL", "personal_number", NUM_VALID},
    /* international non-geographic codes */
    {"BR", "0080012345678", "+80012345678", "00", "XI-FREEPHONE", "toll_free", NUM_VALID},
    {"BR", "00881612345678", "+881612345678", "00", "XS-SATELLITE", "mobile", NUM_VALID},
    {"BR", "008823421234", "+8823421234", "00", "AQ", "mobile", NUM_VALID},
    {"BR", "00883510012345", "+883510012345", "00", "XI-NETWORKS", "voip", NUM_VALID},
    {"BR", "00870301234567", "+870301234567", "00", "XS-INMARSAT", "mobile", NUM_VALID},
    /* other destinations; shared codes 61 (AU/CC/CX), 39 (IT/VA), 358 (FI/AX), 212 (MA/EH) */
    {"BR", "0053 5 1234567", "+5351234567", "00", "CU", "mobile", NUM_VALID},
    {"BR", "00252612345678", "+252612345678", "00", "SO", "mobile", NUM_VALID},
    {"BR", "0063 917 123 4567", "+639171234567", "00", "PH", "mobile", NUM_VALID},
    {"BR", "0086 131 2345 6789", "+8613123456789", "00", "CN", "mobile", NUM_VALID},
    {"BR", "0043664123456", "+43664123456", "00", "AT", "mobile", NUM_VALID},
    {"BR", "0021 43664123456", "+43664123456", "0021", "AT", "mobile", NUM_VALID},
    {"BR", "0061412345678", "+61412345678", "00", "AU", "mobile", NUM_VALID},
    {"BR", "0061891621234", "+61891621234", "00", "CC", "fixed_line", NUM_VALID},
    {"BR", "0061891641234", "+61891641234", "00", "CX", "fixed_line", NUM_VALID},
    {"BR", "00390669812345", "+390669812345", "00", "VA", "fixed_line", NUM_VALID},
    {"BR", "0039 02 1234 5678", "+390212345678", "00", "IT", "fixed_line", NUM_VALID},
    {"BR", "00358181234567", "+358181234567", "00", "AX", "fixed_line", NUM_VALID},
    {"BR", "00212528812345", "+212528812345", "00", "EH", "fixed_line", NUM_VALID},
    {"BR", "00212650123456", "+212650123456", "00", "MA", "mobile", NUM_VALID},
    /* Brazil at home: 0 + carrier (CSP) + area, 0 + area, 00 + 55, 0800 */
    {"BR", "02111961234567", "+5511961234567", "021", "BR", "mobile", NUM_VALID},
    {"BR", "015612345 6789", "+556123456789", "015", "BR", "fixed_line", NUM_VALID},
    {"BR", "011961234567", "+5511961234567", "0", "BR", "mobile", NUM_VALID},
    {"BR", "0 11 2345 6789", "+551123456789", "0", "BR", "fixed_line", NUM_VALID},
    {"BR", "5511961234567", "+5511961234567", "", "BR", "mobile", NUM_VALID},
    {"BR", "00 55 11 96123 4567", "+5511961234567", "00", "BR", "mobile", NUM_VALID},
    {"BR", "0800 123 456", "+55800123456", "0", "BR", "toll_free", NUM_VALID},
    {"BR", "1961234567", "+551961234567", "", "BR", "unknown", NUM_UNVERIFIED},
    /* not numbers */
    {"BR", "100", NULL, NULL, NULL, NULL, NUM_SHORT},
    {"BR", "1000", NULL, NULL, NULL, NULL, NUM_SHORT},
    {"BR", "s", NULL, NULL, NULL, NULL, NUM_NOT_NUMBER},
    {"BR", "admin", NULL, NULL, NULL, NULL, NUM_NOT_NUMBER},
    {"BR", "*97", NULL, NULL, NULL, NULL, NUM_NOT_NUMBER},
    {"BR", "12345678901234567890123456789012345678901234", NULL, NULL, NULL, NULL, NUM_NOT_NUMBER},
    /* other home countries */
    {"US", "011972502345678", "+972502345678", "011", "IL", "mobile", NUM_VALID},
    {"US", "9011972502345678", "+972502345678", "9011", "IL", "mobile", NUM_VALID},
    {"US", "2125550199", "+12125550199", "", "US", "fixed_line_or_mobile", NUM_VALID},
    {"US", "12125550199", "+12125550199", "1", "US", "fixed_line_or_mobile", NUM_VALID},
    {"US", "01144207946 0958", "+442079460958", "011", "GB", "fixed_line", NUM_VALID},
    {"GB", "02079460958", "+442079460958", "0", "GB", "fixed_line", NUM_VALID},
    {"GB", "0044 20 7946 0958", "+442079460958", "00", "GB", "fixed_line", NUM_VALID},
    {"GB", "9 00972502345678", "+972502345678", "900", "IL", "mobile", NUM_VALID},
    {"RU", "89161234567", "+79161234567", "8", "RU", "mobile", NUM_VALID},
    {"RU", "810972502345678", "+972502345678", "810", "IL", "mobile", NUM_VALID},
    {"RU", "87272123456", "+77272123456", "8", "KZ", "fixed_line", NUM_VALID},
    {"IL", "0502345678", "+972502345678", "0", "IL", "mobile", NUM_VALID},
    {"IL", "012972502345678", "+972502345678", "012", "IL", "mobile", NUM_VALID},
};

static void test_table(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const struct ncase *c = &cases[i];
        num_ctx *ctx = num_ctx_new(c->home, 0);
        CHECK(ctx != NULL);
        if (!ctx)
            continue;
        num_result r;
        num_status s = num_normalize(ctx, c->dial, strlen(c->dial), &r);
        int bad = 0;
        if (s != c->status || r.status != s)
            bad = 1;
        if (c->e164 && (strcmp(r.e164, c->e164) != 0 || strcmp(r.prefix, c->prefix) != 0 ||
                        strcmp(r.dest.country, c->country) != 0 ||
                        strcmp(pn_type_name(r.type), c->type) != 0))
            bad = 1;
        if (!c->e164 && r.e164[0])
            bad = 1;
        if (bad) {
            fprintf(stderr, "  [%s] %s -> %s %s %s %s %s, expected %s %s %s %s %s\n", c->home,
                    c->dial, num_status_name(r.status), r.e164, r.prefix, r.dest.country,
                    pn_type_name(r.type), num_status_name(c->status), c->e164 ? c->e164 : "",
                    c->prefix ? c->prefix : "", c->country ? c->country : "",
                    c->type ? c->type : "");
            check_failures_in_case++;
        }
        num_ctx_free(ctx);
    }
}

/* All members of a family give one number, whatever the order. */
static void test_families(void)
{
    static const char *const fam[][12] = {
        {"00972502345678", "972502345678", "900972502345678", "011972502345678",
         "0021972502345678", "+972502345678", "9011972502345678", "0011972502345678",
         "810972502345678", "0014972502345678", "0972502345678", NULL},
        {"0049 30 123456", "+49-30-123456", "011 49 30 123456", "9 00 49 30 123456",
         "0021 49 30 123456", "9011 49 30 123456", "810 49 30 123456", NULL},
        {"0012125550199", "0112125550199x", "12125550199", "+1 (212) 555-0199",
         "0021 1 212 555 0199", "9001 212 555 0199", NULL},
        {"0079161234567", "+7 916 123-45-67", "8107 916 123 45 67", "011 7 916 1234567",
         "0015 7 916 1234567", "79161234567", NULL},
        {"00252612345678", "252612345678", "011252612345678", "9 00 252 61 2345678",
         "0031252612345678", NULL},
    };
    num_ctx *ctx = num_ctx_new("BR", 0);
    CHECK(ctx != NULL);
    for (size_t f = 0; f < sizeof fam / sizeof fam[0]; f++) {
        char first[32] = "";
        for (size_t i = 0; fam[f][i]; i++) {
            num_result r;
            const char *d = fam[f][i];
            if (strchr(d, 'x'))
                continue;   /* placeholders for ambiguous forms, see test_ambiguous */
            num_normalize(ctx, d, strlen(d), &r);
            CHECK_INT(r.status, NUM_VALID);
            if (!first[0])
                snprintf(first, sizeof first, "%s", r.e164);
            if (strcmp(first, r.e164) != 0) {
                fprintf(stderr, "  family %zu: %s -> %s, others %s\n", f, d, r.e164, first);
                check_failures_in_case++;
            }
        }
    }
    num_ctx_free(ctx);
}

/* A string that reads as two valid numbers reports the other one. */
static void test_ambiguous(void)
{
    num_ctx *us = num_ctx_new("US", 0), *br = num_ctx_new("BR", 0);
    num_result r;
    /* bare +91 212... (India) or PBX line 9 + 1 212 555 0199 */
    num_normalize(us, "912125550199", 12, &r);
    CHECK_STR(r.e164, "+912125550199");
    CHECK_INT(r.n_alt, 1);
    CHECK_STR(r.alt[0], "+12125550199");
    /* bare Berlin number, or a Santa Catarina (49) number */
    num_normalize(br, "4930123456", 10, &r);
    CHECK_STR(r.e164, "+4930123456");
    CHECK(r.n_alt >= 1);
    CHECK_STR(r.alt[0], "+554930123456");
    CHECK_STR(r.reading, "bare-international");
    num_normalize(br, "9011972502345678", 16, &r);
    CHECK_STR(r.reading, "line+international");
    num_normalize(br, "02111961234567", 14, &r);
    CHECK_STR(r.reading, "carrier+national");
    num_ctx_free(us);
    num_ctx_free(br);
}

/* Destination by prefix alone (Number::Phone::Country semantics). */
static void test_destination(void)
{
    static const struct { const char *digits, *country; unsigned cc; } d[] = {
        {"12125550199", "US", 1}, {"16045550199", "CA", 1}, {"18765550199", "JM", 1},
        {"18095550199", "DO", 1}, {"18495550199", "DO", 1}, {"17875550199", "PR", 1},
        {"18885550199", "XN-TOLLFREE", 1}, {"18335550199", "XN-TOLLFREE", 1},
        {"19005550199", "XN-PREMIUM", 1}, {"15335550199", "XN-PERSONAL", 1},
        {"1700555019", "XN-NANP", 1}, {"1", "XN-NANP", 1},
        {"79161234567", "RU", 7}, {"77012345678", "KZ", 7}, {"76", "KZ", 7},
        {"74951234567", "RU", 7}, {"441481256789", "GG", 44}, {"441534456789", "JE", 44},
        {"441624756789", "IM", 44}, {"442079460958", "GB", 44}, {"4477", "GB", 44},
        {"80012345678", "XI-FREEPHONE", 800}, {"80812345678", "XI-SHAREDCOST", 808},
        {"870301234567", "XS-INMARSAT", 870}, {"881612345678", "XS-SATELLITE", 881},
        {"88216123456", "XS-SATELLITE", 882}, {"8823421234", "AQ", 882},
        {"882999", "XI-NETWORKS", 882}, {"883510012345", "XI-NETWORKS", 883},
        {"979123456789", "XI-PREMIUM", 979}, {"878101234567890", "XI-UPT", 878},
        {"3790", "VA", 379}, {"390669812345", "VA", 39}, {"390212345678", "IT", 39},
        {"3905491234", "SM", 39}, {"353481234567", "GB", 353}, {"35312345678", "IE", 353},
        {"38128123456", "XK", 381}, {"972502345678", "IL", 972}, {"970599123456", "PS", 970},
        {"5511961234567", "BR", 55}, {"2125288", "EH", 212}, {"212650123456", "MA", 212},
        {"262269123456", "YT", 262}, {"262262123456", "RE", 262},
    };
    for (size_t i = 0; i < sizeof d / sizeof d[0]; i++) {
        num_dest out;
        CHECK_INT(num_destination(d[i].digits, &out), 0);
        if (strcmp(out.country, d[i].country) != 0 || out.cc != d[i].cc) {
            fprintf(stderr, "  %s -> %s %u, expected %s %u\n", d[i].digits, out.country, out.cc,
                    d[i].country, d[i].cc);
            check_failures_in_case++;
        }
    }
    num_dest out;
    CHECK_INT(num_destination("0123", &out), -1);
    CHECK_INT(num_destination("", &out), -1);
    CHECK_INT(num_destination("12a", &out), -1);
    CHECK_STR(out.country, "");
}

static void test_categories(void)
{
    num_ctx *ctx = num_ctx_new("BR", 0);
    char err[256];
    CHECK(num_ctx_load_categories(ctx, "data/number-categories.example.tsv", err, sizeof err) > 0);
    CHECK_INT(num_ctx_add_category(ctx, "+97250", "mobile IL"), 0);
    CHECK_INT(num_ctx_add_category(ctx, "+972502345678", "bank card service"), 0);
    CHECK_INT(num_ctx_add_category(ctx, "+97x", "bad"), -1);
    CHECK_INT(num_ctx_add_category(ctx, "+972", ""), -1);
    num_result r;
    num_normalize(ctx, "0021972502345678", 16, &r);
    CHECK_STR(r.category, "bank card service");
    num_normalize(ctx, "00972501111111", 14, &r);
    CHECK_STR(r.category, "mobile IL");
    num_normalize(ctx, "0044 20 7946 0958", 17, &r);
    CHECK_STR(r.category, "prepaid calling card access number");
    num_normalize(ctx, "0044 800 123 4567", 17, &r);
    CHECK_STR(r.category, "toll-free (GB)");
    num_normalize(ctx, "0033 1 23 45 67 89", 18, &r);
    CHECK(r.category == NULL);
    CHECK(num_ctx_load_categories(ctx, "/nonexistent/file.tsv", err, sizeof err) < 0);
    CHECK(strstr(err, "/nonexistent/file.tsv") != NULL);
    num_ctx_free(ctx);
}

/* The libphonenumber cache stays within its bound and gives the same answers. */
static void test_cache(void)
{
    num_ctx *small = num_ctx_new("BR", 8), *big = num_ctx_new("BR", 0);
    CHECK(num_ctx_new("ZZ", 0) == NULL);
    CHECK_STR(num_ctx_home(small), "BR");
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 50; i++) {
            char d[32];
            snprintf(d, sizeof d, "0097250%07d", i * 7919);
            num_result a, b;
            num_normalize(small, d, strlen(d), &a);
            num_normalize(big, d, strlen(d), &b);
            CHECK_STR(a.e164, b.e164);
            CHECK_INT(a.type, b.type);
        }
    }
    unsigned long first = num_ctx_lookups(big);
    num_result r;
    num_normalize(big, "0097250" "0000000", 14, &r);
    CHECK_INT(num_ctx_lookups(big), first);      /* memoised */
    CHECK(num_ctx_lookups(small) > first);       /* evicted and asked again */
    num_ctx_free(small);
    num_ctx_free(big);
}

CHECK_MAIN("test_number",
    {"table of dial strings", test_table},
    {"families give one number", test_families},
    {"ambiguous readings", test_ambiguous},
    {"destination by prefix", test_destination},
    {"categories", test_categories},
    {"bounded cache", test_cache})
