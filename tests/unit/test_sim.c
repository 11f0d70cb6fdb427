/* test_sim.c - the simulator's own logic (src/sim/sim.h): its random
 * numbers, SIPVicious tags, dates, agents, dial strings, the model's sizes,
 * and that a run is deterministic. The comparison of a run's truth with
 * `sipsnare report` is tests/integration/test_simulate.sh. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "enrich/number.h"
#include "sim/sim.h"

static void test_rng(void)
{
    sim_rng a, b, c;
    sim_rng_seed(&a, 42, 1);
    sim_rng_seed(&b, 42, 1);
    sim_rng_seed(&c, 42, 2);
    int same_c = 0;
    for (int i = 0; i < 1000; i++) {
        uint64_t x = sim_rng_next(&a), y = sim_rng_next(&b), z = sim_rng_next(&c);
        CHECK(x == y);
        same_c += x == z;
    }
    CHECK_INT(same_c, 0);
    unsigned hist[10] = {0};
    for (int i = 0; i < 100000; i++) {
        uint64_t v = sim_rng_below(&a, 10);
        CHECK(v < 10);
        hist[v]++;
        double u = sim_rng_unit(&a);
        CHECK(u >= 0 && u < 1);
    }
    for (int i = 0; i < 10; i++)
        CHECK(hist[i] > 9000 && hist[i] < 11000);
    CHECK_INT(sim_rng_below(&a, 0), 0);
}

static void test_sizes(void)
{
    sim_sizes z;
    sim_sizes_for(1.0, &z);
    CHECK_INT(z.registers, 64249923);
    CHECK_INT(z.calls, 153773);
    CHECK_INT(z.ips, 7752);
    CHECK_INT(z.countries, 83);
    CHECK_INT(z.asns, 858);
    CHECK(z.callers >= 40 && z.callers < z.ips);
    CHECK(z.crackers >= 2 && z.crackers < z.callers);
    sim_sizes_for(0.001, &z);
    CHECK_INT(z.registers, 64250);
    CHECK_INT(z.calls, 154);
    CHECK_INT(z.ips, 245);          /* 7752 x sqrt(0.001) */
    CHECK_INT(z.asns, 81);          /* 27 in proportion, but one per country at least */
    sim_sizes_for(0.02, &z);
    CHECK_INT(z.asns, 121);         /* 1096 sources x 858 / 7752 */
    sim_sizes_for(1e-6, &z);
    CHECK(z.ips >= 120 && z.calls >= 40 && z.callers >= 40);
}

static void test_sv_tag(void)
{
    char out[128];
    /* the captures in /work/shared/data/attack-tools: svmap, svcrack */
    CHECK(sim_sv_tag("7f0000013ad4", 1807162155u, out, sizeof out) > 0);
    CHECK_STR(out, "3766303030303031336164340131383037313632313535");
    CHECK(sim_sv_tag("100:1234", 3919273754u, out, sizeof out) > 0);
    CHECK_STR(out, "3130303a313233340133393139323733373534");
    CHECK_INT(sim_sv_tag("100", 1, out, 4), 0);
}

static void test_day(void)
{
    int64_t ms;
    CHECK_INT(sim_parse_day("2026-01-01", &ms), 0);
    CHECK_INT(ms, 1767225600000LL);
    CHECK_INT(sim_parse_day("1970-01-01", &ms), 0);
    CHECK_INT(ms, 0);
    CHECK_INT(sim_parse_day("2024-02-29", &ms), 0);
    CHECK_INT(sim_parse_day("2026-02-29", &ms), -1);
    CHECK_INT(sim_parse_day("2026-13-01", &ms), -1);
    CHECK_INT(sim_parse_day("2026-1-01", &ms), -1);
    CHECK_INT(sim_parse_day("2026-01-01x", &ms), -1);
    CHECK_INT(sim_parse_day(NULL, &ms), -1);
}

static void test_agents(void)
{
    char err[256];
    ag_db *db = ag_db_load_default(err, sizeof err);
    CHECK(db != NULL);
    if (!db)
        return;
    sim_rng r;
    sim_rng_seed(&r, 7, 3);
    char prev[21] = "";
    for (int i = 0; i < 200; i++) {
        char ua[21];
        sim_random_agent(&r, db, ua);
        CHECK_INT(strlen(ua), 20);
        CHECK(ag_classify(db, ua, NULL) == AG_RANDOM);
        CHECK(strcmp(ua, prev) != 0);
        memcpy(prev, ua, sizeof ua);
    }
    ag_db_free(db);
}

static void test_dial_variants(void)
{
    num_ctx *nums = num_ctx_new("BR", 0);
    CHECK(nums != NULL);
    if (!nums)
        return;
    char v[16][SIM_DIAL_MAX];
    size_t n = sim_dial_variants(nums, "972502341351", v, 16);
    CHECK(n >= 6);
    int has00 = 0, has0021 = 0, hasplus = 0;
    for (size_t i = 0; i < n; i++) {
        num_result r;
        CHECK_INT(num_normalize(nums, v[i], strlen(v[i]), &r), NUM_VALID);
        CHECK_STR(r.e164, "+972502341351");
        CHECK_INT(r.n_alt, 0);
        has00 |= strcmp(v[i], "00972502341351") == 0;
        has0021 |= strcmp(v[i], "0021972502341351") == 0;
        hasplus |= strcmp(v[i], "+972502341351") == 0;
    }
    CHECK(has00 && has0021 && hasplus);
    CHECK_INT(sim_dial_variants(nums, "972502341351", v, 2), 2);
    num_ctx_free(nums);
}

static void test_loopback(void)
{
    CHECK(sim_is_loopback("127.0.0.1"));
    CHECK(sim_is_loopback("127.255.1.2"));
    CHECK(sim_is_loopback("::1"));
    CHECK(!sim_is_loopback("128.0.0.1"));
    CHECK(!sim_is_loopback("198.51.100.1"));
    CHECK(!sim_is_loopback("::2"));
    CHECK(!sim_is_loopback("::ffff:8.8.8.8"));
    CHECK(!sim_is_loopback("localhost"));
}

static int slurp(const char *path, char **out, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *out = malloc((size_t)n + 1);
    *len = (size_t)n;
    size_t got = *out ? fread(*out, 1, (size_t)n, f) : 0;
    fclose(f);
    return got == (size_t)n ? 0 : -1;
}

static void test_run_deterministic(void)
{
    char dir[] = "/tmp/sipsnare-sim.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char p[3][128], t[3][128];
    char *buf[3] = {0}, *tb[3] = {0};
    size_t len[3] = {0}, tl[3] = {0};
    for (int k = 0; k < 3; k++) {
        snprintf(p[k], sizeof p[k], "%s/e%d.jsonl", dir, k);
        snprintf(t[k], sizeof t[k], "%s/e%d.truth.json", dir, k);
        sim_options o;
        memset(&o, 0, sizeof o);
        o.scale = 0.00002;
        o.days = 3;
        o.sensors = 3;
        o.seed = k == 2 ? 99 : 5;
        CHECK_INT(sim_parse_day("2026-01-01", &o.start_ms), 0);
        o.out_path = p[k];
        o.truth_path = t[k];
        o.home = "BR";
        sim_stats st;
        char err[256];
        int rc = sim_run(&o, &st, err, sizeof err);
        if (rc)
            fprintf(stderr, "  %s\n", err);
        CHECK_INT(rc, 0);
        CHECK(st.requests > 0 && st.invites > 0 && st.registers > 0 && st.options > 0);
        CHECK_INT(st.auth_mismatch, 0);
        CHECK_INT(st.sensors, 3);
        CHECK_INT(slurp(p[k], &buf[k], &len[k]), 0);
        CHECK_INT(slurp(t[k], &tb[k], &tl[k]), 0);
    }
    CHECK(len[0] == len[1] && buf[0] && buf[1] && memcmp(buf[0], buf[1], len[0]) == 0);
    CHECK(tl[0] == tl[1] && tb[0] && tb[1] && memcmp(tb[0], tb[1], tl[0]) == 0);
    CHECK(len[0] != len[2] || memcmp(buf[0], buf[2], len[0]) != 0);   /* another seed */
    /* events in time order (the timestamps compare as text) */
    if (buf[0]) {
        buf[0][len[0]] = '\0';
        char last[32] = "";
        int ordered = 1;
        for (char *q = strstr(buf[0], "\"timestamp\":\""); q; q = strstr(q + 1, "\"timestamp\":\"")) {
            char ts[32];
            memcpy(ts, q + 13, 24);
            ts[24] = '\0';
            ordered &= strcmp(last, ts) <= 0;
            memcpy(last, ts, sizeof ts);
        }
        CHECK(ordered);
    }
    for (int k = 0; k < 3; k++) {
        free(buf[k]);
        free(tb[k]);
        unlink(p[k]);
        unlink(t[k]);
    }
    /* --limit: exactly that many requests, no truth */
    sim_options o;
    memset(&o, 0, sizeof o);
    o.scale = 0.00002;
    o.days = 3;
    o.sensors = 2;
    o.seed = 5;
    o.out_path = p[0];
    o.truth_path = t[0];
    o.limit = 25;
    sim_stats st;
    char err[256];
    CHECK_INT(sim_run(&o, &st, err, sizeof err), 0);
    CHECK_INT(st.requests, 25);
    CHECK(access(t[0], F_OK) != 0);
    unlink(p[0]);
    o.sensors = 0;
    CHECK_INT(sim_run(&o, &st, err, sizeof err), -1);
    rmdir(dir);
}

CHECK_MAIN("test_sim",
    {"random numbers", test_rng},
    {"model sizes", test_sizes},
    {"SIPVicious tags", test_sv_tag},
    {"dates", test_day},
    {"random agents", test_agents},
    {"dial strings of one number", test_dial_variants},
    {"loopback destinations", test_loopback},
    {"a run is deterministic", test_run_deterministic})
