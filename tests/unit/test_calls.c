/*
 * test_calls.c - unified call attempts (src/analyze/calls.h) and attack
 * steps with the rogue-server score (src/analyze/steps.h), on hand-built
 * event sets with exact expected results.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/calls.h"
#include "analyze/steps.h"
#include "check.h"

static an_event ev(int64_t t, const char *ip, const char *sensor, const char *method,
                   const char *ruri_user)
{
    an_event e;
    memset(&e, 0, sizeof e);
    e.time_ms = t;
    e.src_ip = ip;
    an_ip_parse(ip, &e.src);
    e.sensor = sensor;
    e.method = method;
    e.ruri_user = ruri_user;
    e.to_user = ruri_user;
    e.auth_outcome = AN_AUTH_NONE;
    e.dial_external = -1;
    e.extension_known = -1;
    return e;
}

#define HOUR (3600 * 1000LL)

/* The study's Figure 2: one number, many prefixes, two sources, two days. */
static void test_unified(void)
{
    num_ctx *nums = num_ctx_new("BR", 0);
    calls_t *c = calls_new(nums, NULL);
    static const char *const variants[] = {"00972502345678", "972502345678", "900972502345678",
                                           "011972502345678", "0021972502345678", "+972502345678",
                                           "9011972502345678", "00972502345678"};
    long first = -2;
    for (int i = 0; i < 8; i++) {
        an_event e = ev(1000 + i * 60000LL, "203.0.113.50", "hp-1", "INVITE", variants[i]);
        long idx = calls_add(c, &e);
        if (first == -2)
            first = idx;
        CHECK_INT(idx, first);
    }
    CHECK_INT(first, 0);
    /* the same number two hours later: a new attempt */
    an_event later = ev(1000 + 7 * 60000LL + 2 * HOUR, "203.0.113.50", "hp-1", "INVITE", "00972502345678");
    CHECK_INT(calls_add(c, &later), 1);
    /* another source */
    an_event other = ev(5000, "198.51.100.7", "hp-2", "INVITE", "0021 972 50 234 5678");
    CHECK_INT(calls_add(c, &other), 2);
    /* not calls */
    an_event ext = ev(6000, "198.51.100.7", "hp-2", "INVITE", "100");
    CHECK_INT(calls_add(c, &ext), -1);
    an_event s = ev(6000, "198.51.100.7", "hp-2", "INVITE", "s");
    CHECK_INT(calls_add(c, &s), -1);
    an_event reg = ev(6000, "198.51.100.7", "hp-2", "REGISTER", "00972502345678");
    CHECK_INT(calls_add(c, &reg), -1);

    size_t n;
    const call_t *calls = calls_list(c, &n);
    CHECK_INT(n, 3);
    const call_t *a = &calls[0];
    CHECK_STR(a->src_ip, "203.0.113.50");
    CHECK_STR(a->sensor, "hp-1");
    CHECK_STR(a->e164, "+972502345678");
    CHECK_STR(a->dest.country, "IL");
    CHECK_INT(a->dest.cc, 972);
    CHECK_STR(pn_type_name(a->type), "mobile");
    CHECK_INT(a->invites, 8);
    CHECK_INT(a->n_variants, 7);
    CHECK_INT(a->variants[0].count, 2);
    CHECK_STR(a->variants[2].dial, "900972502345678");
    CHECK_STR(a->variants[2].prefix, "900");
    CHECK_INT(a->first_ms, 1000);
    CHECK_INT(a->last_ms, 1000 + 7 * 60000LL);
    char buf[128];
    call_prefixes(a, buf, sizeof buf);
    CHECK_STR(buf, "00,,900,011,0021,+,9011");
    CHECK_INT(calls[1].invites, 1);
    CHECK_STR(calls[2].variants[0].prefix, "0021");

    const call_number *nb = calls_numbers(c, &n);
    CHECK_INT(n, 1);
    CHECK_STR(nb[0].e164, "+972502345678");
    CHECK_INT(nb[0].attempts, 10);
    CHECK_INT(nb[0].unified, 3);
    CHECK_INT(nb[0].sources, 2);
    CHECK_INT(nb[0].first_ms, 1000);
    CHECK_INT(nb[0].last_ms, 1000 + 7 * 60000LL + 2 * HOUR);

    const calls_stats *st = calls_get_stats(c);
    CHECK_INT(st->invites, 12);
    CHECK_INT(st->external, 10);
    CHECK_INT(st->internal, 1);
    CHECK_INT(st->not_number, 1);
    CHECK_INT(st->dropped, 0);
    calls_free(c);
    num_ctx_free(nums);
}

/* A string that reads as two numbers joins the call its source is making. */
static void test_alternative(void)
{
    num_ctx *nums = num_ctx_new("BR", 0);
    calls_config cfg = {.window_ms = 10 * 60000, .max_calls = 0, .max_numbers = 0};
    calls_t *c = calls_new(nums, &cfg);
    an_event a = ev(0, "192.0.2.1", "hp", "INVITE", "00376712345");      /* Andorra */
    an_event b = ev(1000, "192.0.2.1", "hp", "INVITE", "0014376712345"); /* 0014 + AD, or 00 + CA */
    an_event d = ev(2000, "192.0.2.9", "hp", "INVITE", "0014376712345"); /* another source: CA */
    CHECK_INT(calls_add(c, &a), 0);
    CHECK_INT(calls_add(c, &b), 0);
    CHECK_INT(calls_add(c, &d), 1);
    size_t n;
    const call_t *calls = calls_list(c, &n);
    CHECK_INT(n, 2);
    CHECK_STR(calls[0].e164, "+376712345");
    CHECK_INT(calls[0].invites, 2);
    CHECK_STR(calls[1].e164, "+14376712345");
    CHECK_STR(calls[1].dest.country, "CA");
    CHECK_INT(calls_get_stats(c)->joined_by_alternative, 1);
    /* window: 11 minutes after the last INVITE starts a new call */
    an_event e = ev(1000 + 11 * 60000, "192.0.2.1", "hp", "INVITE", "00376712345");
    CHECK_INT(calls_add(c, &e), 2);
    calls_free(c);
    num_ctx_free(nums);
}

/* Bounded: INVITEs past max_calls are dropped and counted. */
static void test_bounds(void)
{
    num_ctx *nums = num_ctx_new("BR", 0);
    calls_config cfg = {.window_ms = 0, .max_calls = 2, .max_numbers = 0};
    calls_t *c = calls_new(nums, &cfg);
    const char *d[] = {"004930123456", "0033612345678", "00447400123456", "004930123456"};
    long want[] = {0, 1, -1, 0};
    for (int i = 0; i < 4; i++) {
        an_event e = ev(i, "192.0.2.1", "hp", "INVITE", d[i]);
        CHECK_INT(calls_add(c, &e), want[i]);
    }
    CHECK_INT(calls_get_stats(c)->dropped, 1);
    calls_free(c);
    num_ctx_free(nums);
}

static void feed(calls_t *c, steps_t *s, an_event *e)
{
    long idx = calls_add(c, e);
    size_t n;
    const call_t *calls = calls_list(c, &n);
    steps_add(s, e, idx >= 0 ? &calls[idx] : NULL);
}

/* scanning (svmap), enumeration (svwar), brute force (svcrack), abuse */
static void test_steps(void)
{
    char err[256];
    ag_db *db = ag_db_load("data/agents.tsv", err, sizeof err);
    CHECK(db != NULL);
    num_ctx *nums = num_ctx_new("BR", 0);
    calls_t *c = calls_new(nums, NULL);
    steps_t *s = steps_new(db, NULL);

    /* 192.0.2.10: svmap only */
    for (int i = 0; i < 2; i++) {
        an_event e = ev(i * 10, "192.0.2.10", "hp-1", "OPTIONS", "100");
        e.user_agent = "friendly-scanner";
        e.from_user = "sipvicious";
        e.via_branch = "z9hG4bK-123";
        feed(c, s, &e);
    }
    /* 203.0.113.50: OPTIONS scan, REGISTER enumeration of 20 extensions, brute
     * force of 100 (4 wrong, then right), calls (one unauthenticated INVITE
     * challenged, then the authenticated one) on another sensor */
    an_event o = ev(50, "203.0.113.50", "hp-1", "OPTIONS", "100");
    feed(c, s, &o);
    char users[20][12];
    for (int i = 0; i < 20; i++) {
        snprintf(users[i], sizeof users[i], "%d", 100 + i);
        an_event e = ev(100 + i, "203.0.113.50", "hp-1", "REGISTER", NULL);
        e.to_user = e.from_user = users[i];
        e.user_agent = "friendly-scanner";
        feed(c, s, &e);
    }
    for (int i = 0; i < 5; i++) {
        an_event e = ev(200 + i, "203.0.113.50", "hp-1", "REGISTER", NULL);
        e.to_user = e.auth_user = "100";
        e.auth_outcome = i < 4 ? AN_AUTH_WRONG_PASSWORD : AN_AUTH_OK;
        feed(c, s, &e);
    }
    an_event bad = ev(210, "203.0.113.50", "hp-1", "REGISTER", NULL);
    bad.to_user = bad.auth_user = "999";
    bad.auth_outcome = AN_AUTH_UNKNOWN_USER;
    feed(c, s, &bad);
    an_event i1 = ev(299, "203.0.113.50", "hp-2", "INVITE", "0021972502345678");
    i1.dial_external = 1;
    feed(c, s, &i1);
    an_event i2 = ev(300, "203.0.113.50", "hp-2", "INVITE", "0021972502345678");
    i2.dial_external = 1;
    i2.auth_user = "100";
    i2.auth_outcome = AN_AUTH_OK;
    feed(c, s, &i2);
    an_event i3 = ev(400, "203.0.113.50", "hp-2", "INVITE", "00 49 151 23456789");
    i3.dial_external = 1;
    feed(c, s, &i3);
    steps_finish(s);

    size_t n;
    const step_source *src = steps_sources(s, &n);
    CHECK_INT(n, 2);
    char buf[128];
    const step_source *a = steps_find(s, "192.0.2.10", NULL);
    CHECK(a == &src[0]);
    steps_describe(a, buf, sizeof buf);
    CHECK_STR(buf, "scanning");
    CHECK_INT(a->step[STEP_SCANNING].began_ms, 0);
    CHECK_INT(a->step[STEP_SCANNING].requests, 2);
    CHECK_INT(a->sipvicious, 2);
    CHECK_INT(a->agent_class[AG_ATTACK_TOOL], 2);
    CHECK_INT(a->rogue_score, 0);

    const step_source *b = steps_find(s, "203.0.113.50", NULL);
    CHECK(b != NULL);
    steps_describe(b, buf, sizeof buf);
    CHECK_STR(buf, "scanning,enumeration,brute-force,abuse");
    CHECK_INT(b->step[STEP_SCANNING].began_ms, 50);
    CHECK_INT(b->step[STEP_SCANNING].requests, 1);
    CHECK_INT(b->step[STEP_ENUMERATION].began_ms, 100);
    CHECK_INT(b->step[STEP_ENUMERATION].requests, 20);
    CHECK_INT(b->probe_users[PM_REGISTER], 20);
    CHECK_INT(b->step[STEP_BRUTEFORCE].began_ms, 200);
    CHECK_INT(b->step[STEP_BRUTEFORCE].requests, 5);
    CHECK_INT(b->auth_failures, 5);
    CHECK_INT(b->auth_ok, 1);
    CHECK_INT(b->n_exts, 2);
    CHECK_STR(b->exts[0].ext, "100");
    CHECK_INT(b->exts[0].attempts, 5);
    CHECK_INT(b->exts[0].wrong_password, 4);
    CHECK_INT(b->exts[0].ok, 1);
    CHECK_STR(b->exts[1].ext, "999");
    CHECK_INT(b->exts[1].unknown_user, 1);
    CHECK_INT(b->step[STEP_ABUSE].began_ms, 299);
    CHECK_INT(b->step[STEP_ABUSE].requests, 3);
    CHECK_INT(b->invites_external, 3);
    CHECK_INT(b->unified_calls, 2);
    CHECK_INT(b->n_countries, 2);
    CHECK_STR(b->countries[0], "IL");
    CHECK_STR(b->countries[1], "DE");
    CHECK_INT(b->requests, 30);
    CHECK_INT(b->first_ms, 50);
    CHECK_INT(b->last_ms, 400);

    /* per source and sensor: hp-2 saw only the calls */
    const step_source *b2 = steps_find(s, "203.0.113.50", "hp-2");
    CHECK(b2 != NULL);
    steps_describe(b2, buf, sizeof buf);
    CHECK_STR(buf, "abuse");
    CHECK_INT(b2->unified_calls, 2);
    const step_source *b1 = steps_find(s, "203.0.113.50", "hp-1");
    steps_describe(b1, buf, sizeof buf);
    CHECK_STR(buf, "scanning,enumeration,brute-force");
    steps_source_sensors(s, &n);
    CHECK_INT(n, 3);
    CHECK(steps_find(s, "203.0.113.50", "hp-3") == NULL);

    steps_free(s);
    calls_free(c);
    num_ctx_free(nums);
    ag_db_free(db);
}

/* A source calling 20 countries with one server agent is a rogue server;
 * the same calls with a fresh random agent each are not. */
static void test_rogue(void)
{
    static const char *const numbers[] = {
        "005491123456789", "008613123456789", "00573211234567", "005351234567",
        "004915123456789", "00201001234567", "0034612345678", "0033612345678",
        "00447400123456", "00972502345678", "00918123456789", "00393123456789",
        "00819012345678", "0077710009998", "00522221234567", "002348021234567",
        "00639051234567", "00923012345678", "0048512345678", "00970599123456",
    };
    char err[256];
    ag_db *db = ag_db_load("data/agents.tsv", err, sizeof err);
    num_ctx *nums = num_ctx_new("BR", 0);
    calls_t *c = calls_new(nums, NULL);
    steps_t *s = steps_new(db, NULL);
    static const char *const rnd[] = {
        "u8jzPde0IgxLd6GncfBA", "epfJBd0Kh8oOOL8dKLzd", "ocJ2isAjIhKtJ0RlgLKO", "mxgJTeKdNnFRIBXuDL7D",
        "xtpYlSXpfKtHF4vUCsMe", "hGAkWvj7FAc9QeWJKY40", "uvSwMFLZDe1f8rESQedU", "StPKR0CsTy4Qwb8DwkNh",
        "Kq3VwP9zRt2LmX8bYc1N", "Hn4TgB7vQs0ZpW2eRk5M", "a9Rt2Kx8Lm4Pz7Qw1Vb3", "Zx8Cv7Bn6Mq5Wl4Er3Ty",
        "Pl9Ok8Ij7Uh6Yg5Tf4Rd", "Qa1Ws2Ed3Rf4Tg5Yh6Uj", "Mn7Bv6Cx5Za4Sd3Fg2Hj", "Lk8Jh7Gf6Ds5Aq4Wz3Xe",
        "Rt5Yu6Io7Pa8Sd9Fg0Hj", "Vb2Nm3Qw4Er5Ty6Ui7Op", "Gh3Jk4Lz5Xc6Vb7Nm8Qw", "Yt6Re5Wq4Az3Sx2Dc1Fv",
    };
    for (int i = 0; i < 20; i++) {
        an_event e = ev(i * 1000, "198.51.100.77", "hp-1", "INVITE", numbers[i]);
        e.dial_external = 1;
        e.user_agent = "Asterisk PBX 1.6.2.9";
        feed(c, s, &e);
        an_event r = ev(i * 1000, "198.51.100.88", "hp-1", "INVITE", numbers[i]);
        r.dial_external = 1;
        r.user_agent = rnd[i];
        feed(c, s, &r);
    }
    steps_finish(s);
    const step_source *rogue = steps_find(s, "198.51.100.77", NULL);
    const step_source *bot = steps_find(s, "198.51.100.88", NULL);
    CHECK_INT(rogue->n_countries, 20);
    CHECK_INT(rogue->unified_calls, 20);
    CHECK_INT(rogue->dominant_class, AG_SERVER);
    /* 100 x (0.5 x log2(21)/log2(65) + 0.3 x log10(21)/4 + 0.2 x 1) = 66.4 */
    CHECK_INT(rogue->rogue_score, 66);
    CHECK_INT(rogue->rogue, 1);
    CHECK_INT(bot->n_countries, 20);
    CHECK_INT(bot->dominant_class, AG_RANDOM);
    CHECK_INT(bot->rogue_score, 46);
    CHECK_INT(bot->rogue, 0);
    CHECK_INT(bot->agent_class[AG_RANDOM], 20);
    steps_free(s);
    calls_free(c);
    num_ctx_free(nums);
    ag_db_free(db);
}

CHECK_MAIN("test_calls",
    {"unified calls (Figure 2)", test_unified},
    {"ambiguous string joins its call", test_alternative},
    {"bounded tables", test_bounds},
    {"attack steps per source and sensor", test_steps},
    {"rogue-server score", test_rogue})
