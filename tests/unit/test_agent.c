/*
 * test_agent.c - user-agent classes (data/agents.tsv + random detection)
 * and the SIPVicious signature (src/analyze/agent.h).
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/agent.h"
#include "check.h"

static ag_db *db;

static void load(void)
{
    char err[256];
    db = ag_db_load("data/agents.tsv", err, sizeof err);
    if (!db) {
        fprintf(stderr, "%s\n", err);
        exit(2);
    }
}

static void test_classes(void)
{
    static const struct { const char *ua; ag_class cls; const char *tool; } c[] = {
        /* the study's Table 2 and PERSONA.md 4.8 */
        {"friendly-scanner", AG_ATTACK_TOOL, "SIPVicious"},
        {"sipcli/v1.8", AG_ATTACK_TOOL, "sipcli"},
        {"sundayddr", AG_ATTACK_TOOL, "sundayddr"},
        {"sipvicious", AG_ATTACK_TOOL, "SIPVicious"},
        {"iWar", AG_ATTACK_TOOL, "iWar"},
        {"SIVuS Discovery Scanner", AG_ATTACK_TOOL, "SIVuS"},
        {"Nmap NSE", AG_ATTACK_TOOL, "Nmap NSE"},
        {"sipsak 0.9.8.1", AG_ATTACK_TOOL, "sipsak"},
        {"pplsip", AG_ATTACK_TOOL, "pplsip"},
        {"VaxSIPUserAgent/3.1", AG_SDK, "VaxSIP SDK"},
        {"VaxSIPUserAgent", AG_SDK, "VaxSIP SDK"},
        {"PortSIP VoIP SDK 11.2.1.1093 for Windows", AG_SDK, "PortSIP VoIP SDK"},
        {"PJSUA v2.10 Linux-5.4/x86_64/glibc-2.31", AG_SDK, "PJSIP pjsua"},
        {"Asterisk PBX 1.6.0.10-FONCORE-r40", AG_SERVER, "Asterisk"},
        {"Asterisk PBX", AG_SERVER, "Asterisk"},
        {"FPBX-2.8.1(1.8.7.0)", AG_SERVER, "FreePBX"},
        {"FreeSWITCH-mod_sofia/1.10.7-release~64bit", AG_SERVER, "FreeSWITCH"},
        {"X-Lite release 1006e stamp 34025", AG_SOFTPHONE, "X-Lite"},
        {"Zoiper rev.11137", AG_SOFTPHONE, "Zoiper"},
        {"Linphone/3.6.1 (eXosip2/3.6.0)", AG_SOFTPHONE, "Linphone"},
        {"MicroSIP/3.20.7", AG_SOFTPHONE, "MicroSIP"},
        {"Bria 5 release 5.4.0 stamp 91430", AG_SOFTPHONE, "Bria"},
        {"Ekiga/4.0.1", AG_SOFTPHONE, "Ekiga"},
        {"Yealink SIP-T46G 28.81.0.25", AG_PHONE, "Yealink"},
        {"Grandstream GXP2170 1.0.9.135", AG_PHONE, "Grandstream"},
        {"MyHomeGateway 2.1", AG_OTHER, ""},
        /* random (the study's second most common "agent") */
        {"u8jzPde0IgxLd6GncfBA", AG_RANDOM, ""},
        {"epfJBd0Kh8oOOL8dKLzd", AG_RANDOM, ""},
        {"hGAkWvj7FAc9QeWJKY40", AG_RANDOM, ""},
        {"StPKR0CsTy4Qwb8DwkNh", AG_RANDOM, ""},
        /* not random */
        {"SIPPhone12345", AG_OTHER, ""},
        {"MyCompanyPhoneSystem", AG_OTHER, ""},
        {"Grandstream12345678", AG_PHONE, "Grandstream"},
        {"abc123def456", AG_OTHER, ""},
        {"short1Ab", AG_OTHER, ""},
        {NULL, AG_UNDEFINED, ""},
        {"", AG_EMPTY, ""},
        {"   ", AG_EMPTY, ""},
    };
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        ag_match m;
        ag_class got = ag_classify(db, c[i].ua, &m);
        if (got != c[i].cls || m.cls != got || strcmp(m.tool, c[i].tool) != 0) {
            fprintf(stderr, "  \"%s\" -> %s \"%s\", expected %s \"%s\"\n", c[i].ua ? c[i].ua : "(absent)",
                    ag_class_name(got), m.tool, ag_class_name(c[i].cls), c[i].tool);
            check_failures_in_case++;
        }
    }
}

/* Random-looking names that repeat are a tool's fixed name. */
static void test_repetition(void)
{
    ag_seen *s = ag_seen_new(0);
    for (int i = 0; i < 5; i++)
        ag_seen_add(s, "Xq7RtY2pLm9WzK4vB8nH");
    ag_seen_add(s, "u8jzPde0IgxLd6GncfBA");
    ag_seen_add(s, NULL);
    CHECK_INT(ag_seen_count(s, "Xq7RtY2pLm9WzK4vB8nH"), 5);
    CHECK_INT(ag_seen_count(s, "u8jzPde0IgxLd6GncfBA"), 1);
    CHECK_INT(ag_seen_count(s, "nothing"), 0);
    CHECK_INT(ag_classify_seen(db, s, "Xq7RtY2pLm9WzK4vB8nH", NULL), AG_OTHER);
    CHECK_INT(ag_classify_seen(db, s, "u8jzPde0IgxLd6GncfBA", NULL), AG_RANDOM);
    CHECK_INT(ag_classify_seen(db, s, "friendly-scanner", NULL), AG_ATTACK_TOOL);
    ag_seen_free(s);
    /* bounded: the third distinct string is not counted */
    s = ag_seen_new(2);
    ag_seen_add(s, "a");
    ag_seen_add(s, "b");
    ag_seen_add(s, "c");
    ag_seen_add(s, "a");
    CHECK_INT(ag_seen_count(s, "a"), 2);
    CHECK_INT(ag_seen_count(s, "c"), 0);
    ag_seen_free(s);
    /* growth keeps the counts */
    s = ag_seen_new(0);
    char ua[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(ua, sizeof ua, "agent-%d", i % 1000);
        ag_seen_add(s, ua);
    }
    CHECK_INT(ag_seen_count(s, "agent-999"), 2);
    ag_seen_free(s);
}

/* Many random strings of the generator seen in the study: 20 characters of
 * [A-Za-z0-9]; the rule finds at least 95% (xorshift, fixed seed). */
static void test_random_rate(void)
{
    static const char alnum[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned long x = 88172645463325252UL;
    int hits = 0, n = 10000;
    for (int i = 0; i < n; i++) {
        char s[21];
        for (int k = 0; k < 20; k++) {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17;
            s[k] = alnum[x % 62];
        }
        s[20] = '\0';
        hits += ag_looks_random(s);
    }
    fprintf(stderr, "  random 20-char strings recognised: %d of %d\n", hits, n);
    CHECK(hits >= n * 95 / 100);
}

static void test_db_errors(void)
{
    char err[256];
    CHECK(ag_db_load("/nonexistent/agents.tsv", err, sizeof err) == NULL);
    CHECK(strstr(err, "/nonexistent/agents.tsv") != NULL);
    FILE *f = fopen("/tmp/sipsnare-test-agents.tsv", "w");
    fputs("# x\nfoo\tnosuchclass\tFoo\n", f);
    fclose(f);
    CHECK(ag_db_load("/tmp/sipsnare-test-agents.tsv", err, sizeof err) == NULL);
    CHECK(strstr(err, ":2: unknown class") != NULL);
    f = fopen("/tmp/sipsnare-test-agents.tsv", "w");
    fputs("(unclosed\tsdk\tFoo\n", f);
    fclose(f);
    CHECK(ag_db_load("/tmp/sipsnare-test-agents.tsv", err, sizeof err) == NULL);
    CHECK(strstr(err, "bad pattern") != NULL);
    f = fopen("/tmp/sipsnare-test-agents.tsv", "w");
    fputs("^my-bot\tattack-tool\tMyBot\n", f);
    fclose(f);
    ag_db *d = ag_db_load("/tmp/sipsnare-test-agents.tsv", err, sizeof err);
    CHECK(d != NULL);
    CHECK_INT(ag_db_size(d), 1);
    ag_match m;
    CHECK_INT(ag_classify(d, "MY-BOT 1.0", &m), AG_ATTACK_TOOL);
    CHECK_STR(m.tool, "MyBot");
    ag_db_free(d);
    remove("/tmp/sipsnare-test-agents.tsv");
    d = ag_db_load_default(err, sizeof err);
    CHECK(d != NULL);
    CHECK(ag_db_size(d) == ag_db_size(db));
    ag_db_free(d);
    CHECK_STR(ag_class_name(AG_ATTACK_TOOL), "attack-tool");
    CHECK_INT(ag_class_from_name("softphone"), AG_SOFTPHONE);
    CHECK_INT(ag_class_from_name("x"), -1);
}

static void test_sv_tags(void)
{
    char t[128];
    /* PERSONA.md 4.1: svmap tag for 127.0.0.1:15060 */
    CHECK_INT(sv_decode_tag("3766303030303031336164340131383037313632313535", t, sizeof t), 12);
    CHECK_STR(t, "7f0000013ad4");
    /* svwar: hex("1000\x01<rnd>"); svcrack: hex("100:1234\x01<rnd>") */
    CHECK_INT(sv_decode_tag("31303030013132333435", t, sizeof t), 4);
    CHECK_STR(t, "1000");
    CHECK_INT(sv_decode_tag("3130303a3132333401333931393237333735", t, sizeof t), 8);
    CHECK_STR(t, "100:1234");
    CHECK_INT(sv_decode_tag("as1b93d39a", t, sizeof t), -1);
    CHECK_INT(sv_decode_tag("3206210844", t, sizeof t), -1);
    CHECK_INT(sv_decode_tag("313030", t, sizeof t), -1);          /* no \x01 */
    CHECK_INT(sv_decode_tag("3130300161", t, sizeof t), -1);      /* not decimal after */
    CHECK_INT(sv_decode_tag("0a300131", t, sizeof t), -1);        /* not printable */
    CHECK_INT(sv_decode_tag(NULL, t, sizeof t), -1);
    CHECK_INT(sv_decode_tag("3130300131", t, 3), -1);             /* does not fit */
}

static void test_sv_inspect(void)
{
    sv_info i;
    /* svmap OPTIONS: From/To "sipvicious", tag with the target address */
    an_event e = {0};
    e.method = "OPTIONS";
    e.from_user = "100";
    e.to_user = "sipvicious";
    e.user_agent = "friendly-scanner";
    e.from_tag = "3766303030303031336164340131383037313632313535";
    e.via_branch = "z9hG4bK-2861375540";
    e.raw = "OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nFrom: \"sipvicious\"<sip:100@1.1.1.1>;tag=x\r\n"
            "Contact: sip:100@127.0.1.1:5060\r\n\r\n";
    unsigned ev = sv_inspect(&e, &i);
    CHECK_INT(ev, SV_AGENT | SV_FROM_USER | SV_TAG | SV_BRANCH | SV_CONTACT);
    CHECK_INT(i.tool, SV_TOOL_SVMAP);
    CHECK_STR(i.target, "127.0.0.1:15060");
    /* svwar REGISTER, agent changed by the attacker: still found */
    an_event w = {0};
    w.method = "REGISTER";
    w.from_user = w.to_user = "1000";
    w.from_tag = "3130303a31303030";       /* EVENTS.md example: no \x01, not svwar's */
    w.user_agent = "Mozilla/5.0";
    w.via_branch = "z9hG4bK-1603207423";
    ev = sv_inspect(&w, &i);
    CHECK_INT(ev, SV_BRANCH);
    w.from_tag = "31303030013132333435";
    ev = sv_inspect(&w, &i);
    CHECK_INT(ev, SV_BRANCH | SV_TAG);
    CHECK_INT(i.tool, SV_TOOL_SVWAR);
    CHECK_STR(i.tag_text, "1000");
    /* svcrack: the guessed password in the tag; first REGISTER fixed tag */
    an_event c = {0};
    c.from_tag = "3130303a3132333401333931393237333735";
    c.contact_user = "123";
    c.raw = "REGISTER sip:x SIP/2.0\r\nContact: sip:123@1.1.1.1\r\n\r\n";
    ev = sv_inspect(&c, &i);
    CHECK_INT(ev, SV_TAG | SV_CONTACT);
    CHECK_INT(i.tool, SV_TOOL_SVCRACK);
    CHECK_STR(i.user, "100");
    CHECK_STR(i.password, "1234");
    c.from_tag = "3206210844";
    c.raw = NULL;
    c.contact_bad = 1;
    ev = sv_inspect(&c, &i);
    CHECK_INT(ev, SV_FIXED_TAG | SV_CONTACT);
    CHECK_INT(i.tool, SV_TOOL_SVCRACK);
    /* a softphone: nothing */
    an_event p = {0};
    p.user_agent = "Zoiper rev.11137";
    p.from_tag = "a73kszlfl";
    p.via_branch = "z9hG4bK.7ab1";
    CHECK_INT(sv_inspect(&p, &i), 0);
    CHECK_INT(i.tool, SV_TOOL_UNKNOWN);
}

static void run_all(void);

CHECK_MAIN("test_agent",
    {"load signatures", run_all},
    {"classes", test_classes},
    {"repetition", test_repetition},
    {"random rate", test_random_rate},
    {"signature file errors", test_db_errors},
    {"SIPVicious tags", test_sv_tags},
    {"SIPVicious evidence", test_sv_inspect})

static void run_all(void)
{
    load();
    CHECK(ag_db_size(db) > 50);
}
