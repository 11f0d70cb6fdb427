/*
 * test_sip_str.c - views, the character-class table, unfold/unescape,
 * method and header-name lookup.
 */
#include "test_sip_util.h"
#include "sip/sip_internal.h"

#define S(lit) ((sip_str){(lit), sizeof(lit) - 1})

/* The table in str.c must equal the sets of RFC 3261 25.1 written here. */
static void char_table_matches_rfc3261_sets(void)
{
    const char *alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    struct { unsigned cls; const char *extra; } sets[] = {
        {SIP_C_TOKEN, "-.!%*_+`'~"},
        {SIP_C_UNRES, "-_.!~*'()"},
        {SIP_C_USER, "-_.!~*'()&=+$,;?/"},
        {SIP_C_PASS, "-_.!~*'()&=+$,"},
        {SIP_C_PARAM, "-_.!~*'()[]/:&+$"},
        {SIP_C_HNV, "-_.!~*'()[]/?:+$"},
        {SIP_C_HOST, "-._"},
        {SIP_C_SCHEME, "+-."},
        {SIP_C_PCHAR, "-_.!~*'()[]/:&+$=;"},
        {SIP_C_HCHAR, "-_.!~*'()[]/?:+$=&"},
    };
    for (size_t s = 0; s < sizeof sets / sizeof sets[0]; s++) {
        for (int c = 0; c < 256; c++) {
            bool want = c != 0 && (strchr(alnum, c) || strchr(sets[s].extra, c));
            if (sip_is((char)c, sets[s].cls) != want) {
                fprintf(stderr, "  class 0x%x byte 0x%02x\n", sets[s].cls, c);
                CHECK(false);
            }
        }
    }
    for (int c = 0; c < 256; c++) {
        CHECK(sip_is((char)c, SIP_C_DIGIT) == (c >= '0' && c <= '9'));
        CHECK(sip_is((char)c, SIP_C_HEX) == (c != 0 && strchr("0123456789abcdefABCDEF", c) != NULL));
        CHECK(sip_is((char)c, SIP_C_WS) == (c == ' ' || c == '\t'));
        CHECK(sip_is((char)c, SIP_C_URIC) == (c > 0x20 && c < 0x7f && c != '<' && c != '>' && c != '"'));
        CHECK(sip_is((char)c, SIP_C_IPV4) == ((c >= '0' && c <= '9') || c == '.'));
        CHECK(sip_is((char)c, SIP_C_LSTOP) == (c == ',' || c == '"' || c == '<'));
        CHECK(sip_is((char)c, SIP_C_GVAL) == (sip_is((char)c, SIP_C_TOKEN) || c == '[' || c == ']' || c == ':'));
        CHECK(sip_is((char)c, SIP_C_ADDR) == (sip_is((char)c, SIP_C_URIC) && c != ',' && c != '?'));
        CHECK(sip_is((char)c, SIP_C_AVAL) == (c != ',' && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '"'));
        CHECK(sip_is((char)c, SIP_C_QTEXT) == (c != '"' && c != '\\'));
    }
}

static void str_eq_ieq(void)
{
    CHECK(sip_str_eq(S("INVITE"), "INVITE"));
    CHECK(!sip_str_eq(S("INVITE"), "invite"));
    CHECK(!sip_str_eq(S("INVITE"), "INVITES"));
    CHECK(!sip_str_eq(SIP_STR_NULL, ""));
    CHECK(sip_str_eq((sip_str){"x", 0}, ""));
    CHECK(sip_str_ieq(S("Call-ID"), "call-id"));
    CHECK(sip_str_ieq(S("CALL-ID"), "Call-Id"));
    CHECK(!sip_str_ieq(S("Call_ID"), "Call-ID"));
    CHECK(!sip_str_ieq(S("Call\rID"), "Call-ID")); /* '\r' | 0x20 == '-' */
    CHECK(!sip_str_ieq(S("@"), "`"));               /* not letters */
    CHECK(!sip_str_ieq(SIP_STR_NULL, ""));
    CHECK(sip_str_present(S("")));
    CHECK(!sip_str_present(SIP_STR_NULL));
}

static void unfold(void)
{
    char out[64];
    CHECK_INT(sip_str_unfold(S("a\r\n  b\r\n\tc"), out, sizeof out), 5);
    CHECK_STR(out, "a b c");
    CHECK_INT(sip_str_unfold(S("a\n b"), out, sizeof out), 3); /* bare-LF fold */
    CHECK_STR(out, "a b");
    CHECK_INT(sip_str_unfold(S("a\r\nb"), out, sizeof out), 4); /* not a fold */
    CHECK_INT(sip_str_unfold(S("abcdef"), out, 4), 3);            /* truncated */
    CHECK_STR(out, "abc");
    CHECK_INT(sip_str_unfold(S("abc"), out, 0), 0);
    CHECK_INT(sip_str_unfold(SIP_STR_NULL, out, sizeof out), 0);
    CHECK_STR(out, "");
    CHECK_INT(sip_str_unfold(S("x\r\n"), out, sizeof out), 3);   /* CRLF at end kept */
}

static void unescape(void)
{
    char out[64];
    CHECK_INT(sip_str_unescape(S("%75se%72"), out, sizeof out), 4);
    CHECK_STR(out, "user");
    CHECK_INT(sip_str_unescape(S("null-%00-null"), out, sizeof out), 11); /* RFC 4475 escnull */
    CHECK(memcmp(out, "null-\0-null", 11) == 0);
    CHECK(sip_str_unescape(S("%Z%45"), out, sizeof out) == (size_t)-1);
    CHECK(sip_str_unescape(S("ab%4"), out, sizeof out) == (size_t)-1);
    CHECK(sip_str_unescape(S("ab%"), out, sizeof out) == (size_t)-1);
    CHECK_INT(sip_str_unescape(S("%41%42%43%44"), out, 3), 2);
    CHECK_STR(out, "AB");
    CHECK_INT(sip_str_unescape(S("x"), out, 0), 0);
}

static void methods(void)
{
    static const struct { const char *name; sip_method m; } all[] = {
        {"INVITE", SIP_INVITE}, {"ACK", SIP_ACK}, {"BYE", SIP_BYE},
        {"CANCEL", SIP_CANCEL}, {"OPTIONS", SIP_OPTIONS}, {"REGISTER", SIP_REGISTER},
        {"PRACK", SIP_PRACK}, {"SUBSCRIBE", SIP_SUBSCRIBE}, {"NOTIFY", SIP_NOTIFY},
        {"PUBLISH", SIP_PUBLISH}, {"INFO", SIP_INFO}, {"REFER", SIP_REFER},
        {"MESSAGE", SIP_MESSAGE}, {"UPDATE", SIP_UPDATE},
    };
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        sip_str t = {all[i].name, strlen(all[i].name)};
        CHECK_INT(sip_method_from(t), all[i].m);
        CHECK_STR(sip_method_name(all[i].m), all[i].name);
    }
    CHECK_INT(sip_method_from(S("invite")), SIP_METHOD_UNKNOWN); /* case-sensitive */
    CHECK_INT(sip_method_from(S("RE%47IST%45R")), SIP_METHOD_UNKNOWN); /* esc02 */
    CHECK_INT(sip_method_from(S("FOO")), SIP_METHOD_UNKNOWN);
    CHECK_INT(sip_method_from(S("REGISTEX")), SIP_METHOD_UNKNOWN);
    CHECK_INT(sip_method_from(S("")), SIP_METHOD_UNKNOWN);
    CHECK_INT(sip_method_from(SIP_STR_NULL), SIP_METHOD_UNKNOWN);
    CHECK(sip_method_name(SIP_METHOD_UNKNOWN) == NULL);
    CHECK(sip_method_name(SIP_METHOD_COUNT) == NULL);
    CHECK(sip_method_name((sip_method)-1) == NULL);
}

static void header_names(void)
{
    /* Every kind: its canonical name maps back, in any case. */
    for (int k = 1; k < SIP_HDR_KIND_COUNT; k++) {
        const char *n = sip_hdr_name((sip_hdr_kind)k);
        char up[64], low[64];
        size_t l = strlen(n);
        CHECK(n != NULL);
        for (size_t i = 0; i <= l; i++) {
            up[i] = (char)(n[i] >= 'a' && n[i] <= 'z' ? n[i] - 32 : n[i]);
            low[i] = (char)(n[i] >= 'A' && n[i] <= 'Z' ? n[i] + 32 : n[i]);
        }
        CHECK_INT(sip_hdr_kind_from((sip_str){n, l}), k);
        CHECK_INT(sip_hdr_kind_from((sip_str){up, l}), k);
        CHECK_INT(sip_hdr_kind_from((sip_str){low, l}), k);
        /* One byte shorter or with a changed last byte: no match. */
        CHECK((int)sip_hdr_kind_from((sip_str){n, l - 1}) != k || l == 2); /* "T" is compact To */
        low[l - 1] = '#';
        CHECK_INT(sip_hdr_kind_from((sip_str){low, l}), SIP_HDR_OTHER);
        /* The comparison runs 4 or 8 bytes at a time: a change at any
         * position fails it, a case change anywhere does not, and a CR
         * (0x0D | 0x20 == '-') does not pass for '-'. */
        for (size_t i = 0; i < l; i++) {
            char mix[64];
            memcpy(mix, up, l);
            for (size_t j = i % 2; j < l; j += 2)
                mix[j] = low[j];
            mix[l - 1] = i % 2 ? up[l - 1] : n[l - 1];
            CHECK_INT(sip_hdr_kind_from((sip_str){mix, l}), k);
            mix[i] = n[i] == '-' ? '\r' : '#';
            CHECK_INT(sip_hdr_kind_from((sip_str){mix, l}), l == 1 ? k : SIP_HDR_OTHER);
        }
    }
    static const struct { char c; sip_hdr_kind k; } compact[] = {
        {'v', SIP_HDR_VIA}, {'f', SIP_HDR_FROM}, {'t', SIP_HDR_TO},
        {'i', SIP_HDR_CALL_ID}, {'m', SIP_HDR_CONTACT}, {'l', SIP_HDR_CONTENT_LENGTH},
        {'c', SIP_HDR_CONTENT_TYPE}, {'k', SIP_HDR_SUPPORTED}, {'s', SIP_HDR_SUBJECT},
        {'e', SIP_HDR_CONTENT_ENCODING}, {'o', SIP_HDR_EVENT}, {'r', SIP_HDR_REFER_TO},
        {'b', SIP_HDR_REFERRED_BY}, {'u', SIP_HDR_ALLOW_EVENTS},
        {'x', SIP_HDR_SESSION_EXPIRES}, {'a', SIP_HDR_ACCEPT_CONTACT},
        {'j', SIP_HDR_REJECT_CONTACT}, {'d', SIP_HDR_REQUEST_DISPOSITION},
        {'y', SIP_HDR_IDENTITY}, {'n', SIP_HDR_IDENTITY_INFO},
    };
    for (size_t i = 0; i < sizeof compact / sizeof compact[0]; i++) {
        char lo = compact[i].c, up = (char)(lo - 32);
        CHECK_INT(sip_hdr_kind_from((sip_str){&lo, 1}), compact[i].k);
        CHECK_INT(sip_hdr_kind_from((sip_str){&up, 1}), compact[i].k);
    }
    CHECK_INT(sip_hdr_kind_from(S("q")), SIP_HDR_OTHER);
    CHECK_INT(sip_hdr_kind_from(S("C%6Fntact")), SIP_HDR_OTHER); /* RFC 4475 esc02 */
    CHECK_INT(sip_hdr_kind_from(S("X-Via")), SIP_HDR_OTHER);
    CHECK_INT(sip_hdr_kind_from(S("Call\rID")), SIP_HDR_OTHER); /* CR | 0x20 == '-' */
    CHECK_INT(sip_hdr_kind_from(S("CALL\rID")), SIP_HDR_OTHER);
    CHECK_INT(sip_hdr_kind_from(S("")), SIP_HDR_OTHER);
    CHECK_INT(sip_hdr_kind_from(SIP_STR_NULL), SIP_HDR_OTHER);
    CHECK(sip_hdr_name(SIP_HDR_OTHER) == NULL);
    CHECK(sip_hdr_name(SIP_HDR_KIND_COUNT) == NULL);
    CHECK_STR(sip_hdr_name(SIP_HDR_CALL_ID), "Call-ID");
    CHECK_STR(sip_hdr_name(SIP_HDR_CSEQ), "CSeq");
    CHECK_STR(sip_hdr_name(SIP_HDR_WWW_AUTHENTICATE), "WWW-Authenticate");
}

static void next_comma(void)
{
    const char *v = "\"a,b\" <sip:x@y;p=1,2>;q=\"x,\\\"y\", <sip:z>";
    const char *end = v + strlen(v);
    const char *c = sip_next_comma(v, end);
    CHECK(c < end && *c == ',');
    CHECK(c == strstr(v, "\", <sip:z>") + 1);
    CHECK(sip_next_comma(c + 1, end) == end);
    const char *unterminated = "\"a,b";
    CHECK(sip_next_comma(unterminated, unterminated + 4) == unterminated + 4);
    const char *open = "<a,b";
    CHECK(sip_next_comma(open, open + 4) == open + 4);
}

static void parse_uint_bounds(void)
{
    uint64_t v;
    const char *s = "4294967295", *t = "4294967296", *z = "0009";
    CHECK(sip_parse_uint(s, s + 10, UINT32_MAX, &v) && v == UINT32_MAX);
    CHECK(!sip_parse_uint(t, t + 10, UINT32_MAX, &v));
    CHECK(sip_parse_uint(z, z + 4, 255, &v) && v == 9);
    const char *big = "99999999999999999999999999";
    CHECK(!sip_parse_uint(big, big + strlen(big), UINT64_MAX, &v));
    const char *m = "18446744073709551615";
    CHECK(sip_parse_uint(m, m + 20, UINT64_MAX, &v) && v == UINT64_MAX);
    const char *small = "9";
    CHECK(!sip_parse_uint(small, small + 1, 5, &v)); /* digit > max */
    CHECK(!sip_parse_uint(small, small, 5, &v));     /* empty */
    const char *neg = "-1";
    CHECK(!sip_parse_uint(neg, neg + 2, 5, &v));
}

static void keepalive(void)
{
    CHECK_INT(sip_skip_keepalive("\r\n\r\nOPTIONS", 11), 4);
    CHECK_INT(sip_skip_keepalive("\r\n", 2), 2);
    CHECK_INT(sip_skip_keepalive("x", 1), 0);
    CHECK_INT(sip_skip_keepalive(NULL, 0), 0);
}

CHECK_MAIN("test_sip_str",
    {"char table matches RFC 3261 sets", char_table_matches_rfc3261_sets},
    {"sip_str_eq / ieq", str_eq_ieq},
    {"unfold", unfold},
    {"unescape", unescape},
    {"methods", methods},
    {"header names: long, compact, any case", header_names},
    {"comma split honours quotes and <>", next_comma},
    {"number parsing bounds", parse_uint_bounds},
    {"keep-alive skip", keepalive},
)
