/*
 * test_blocklist.c - the blocklist formats and the DOT graph
 * (src/report/blocklist.h): exact output of every format from one fixed
 * input (IPv4, IPv6, an IPv4-mapped address, a duplicate to merge), and
 * hostile strings (newlines, set syntax, SQL, prefixes, scope ids) that
 * must never reach an output. tests/integration/test_blocklist.sh loads the
 * same formats into nft, ipset, fail2ban-regex and dot.
 */
#include <stdlib.h>
#include <string.h>

#include "analyze/steps.h"
#include "check.h"
#include "report/blocklist.h"

/* Fixed input of test_blocklist.c: IPv4 and IPv6 sources, one IPv4-mapped,
 * one written twice (merged), hostile strings (rejected). */
#define T1 1764064800000LL /* 2025-11-25T10:00:00Z */
#define T2 1764072000000LL /* 2025-11-25T12:00:00Z */

static const bl_addr addrs[] = {
    {"198.51.100.20", BL_STEP_ENUMERATION | BL_STEP_BRUTEFORCE, T1, T2, 1234, "DE", 64496, 0},
    {"2001:DB8:0:0::5", BL_STEP_ABUSE, T1, T2, 40, "US", 0, 66},
    {"192.0.2.7", BL_STEP_SCANNING | BL_STEP_ENUMERATION, T1, T1, 300, NULL, 0, 0},
    {"::ffff:192.0.2.9", BL_STEP_ABUSE, T2, T2, 2, "BR", 64511, 12},
    {"192.0.2.7", BL_STEP_BRUTEFORCE, T2, T2, 12, "NL", 0, 0},
    /* hostile: never reach an output */
    {"192.0.2.8\nflush ruleset", BL_STEP_ABUSE, T1, T2, 1, NULL, 0, 0},
    {"192.0.2.8 }", BL_STEP_ABUSE, T1, T2, 1, NULL, 0, 0},
    {"2001:db8::1/64", BL_STEP_ABUSE, T1, T2, 1, NULL, 0, 0},
    {"[2001:db8::1]", BL_STEP_ABUSE, T1, T2, 1, NULL, 0, 0},
    {"fe80::1%eth0", BL_STEP_ABUSE, T1, T2, 1, NULL, 0, 0},
    {"192.0.2.010", BL_STEP_ABUSE, T1, T2, 1, NULL, 0, 0},
    {"", BL_STEP_ABUSE, T1, T2, 1, NULL, 0, 0},
    {NULL, BL_STEP_ABUSE, T1, T2, 1, NULL, 0, 0},
    {"2001:db8::6", BL_STEP_ABUSE, T1, T2, 7, "\"DE\"\n", 0, 0},   /* bad country: null */
};
#define N_ADDRS (sizeof addrs / sizeof addrs[0])

static const bl_number numbers[] = {
    {"+972595551234", "IL", 30, 4, 2, T1, T2},
    {"+4930123456", "DE", 10, 2, 1, T1, T1},
    {"+4930123456", NULL, 5, 1, 1, T2, T2},
    {"+18005551234", "XN-TOLLFREE", 1, 1, 1, T1, T1},
    /* hostile or not E.164 */
    {"+4930123456\nDROP TABLE secfilter", "DE", 1, 1, 1, T1, T1},
    {"+49301234'; --", "DE", 1, 1, 1, T1, T1},
    {"4930123456", "DE", 1, 1, 1, T1, T1},
    {"+0123456", NULL, 1, 1, 1, T1, T1},
    {"+1234567890123456", NULL, 1, 1, 1, T1, T1},
    {"+", NULL, 1, 1, 1, T1, T1},
    {NULL, NULL, 1, 1, 1, T1, T1},
    {"+447700900123", "G\"B", 2, 1, 1, T1, T1},             /* bad country: null */
};
#define N_NUMBERS (sizeof numbers / sizeof numbers[0])

static const bl_options opts = {
    .generated_ms = T2,
    .scope = "sources that reached enumeration; store sqlite:x.db\n# injected",
};

static const bl_edge edges[] = {
    {"198.51.100.20", "DE", 64496, "IL", NULL, 1, 3},
    {"198.51.100.20", "DE", 64496, "IL", NULL, 2, 5},   /* merged with the one above */
    {"198.51.100.20", "DE", 64496, "GB", NULL, 1, 1},
    {"198.51.100.20", "DE", 64496, NULL, NULL, 1, 1},   /* unknown destination */
    {"2001:db8::5", "US", 0, "IL", NULL, 5, 9},
    {"192.0.2.7", NULL, 0, "XS-SATELLITE", NULL, 1, 2},
    {"192.0.2.7\"]; x [", NULL, 0, "IL", NULL, 1, 1},   /* hostile source */
    {"192.0.2.7", NULL, 0, "I\"L", NULL, 1, 1},         /* hostile label */
};

static const bl_edge number_edges[] = {
    {"198.51.100.20", "DE", 64496, "+972595551234", "IL", 3, 8},
    {"198.51.100.20", "DE", 64496, "+4930123456", "DE", 1, 1},
    {"192.0.2.7", NULL, 0, "+4930123456", "DE", 1, 1},
    {"192.0.2.7", NULL, 0, "4930123456", "DE", 1, 1},   /* not E.164 */
};

static const char want_plain[] =
    "# sipsnare blocklist (plain), generated 2025-11-25T12:00:00Z\n"
    "# sources that reached enumeration; store sqlite:x.db?# injected\n"
    "# 5 addresses: 3 IPv4, 2 IPv6\n"
    "192.0.2.7\n"
    "192.0.2.9\n"
    "198.51.100.20\n"
    "2001:db8::5\n"
    "2001:db8::6\n";

static const char want_nft[] =
    "#!/usr/sbin/nft -f\n"
    "# sipsnare blocklist (nft), generated 2025-11-25T12:00:00Z\n"
    "# sources that reached enumeration; store sqlite:x.db?# injected\n"
    "# 5 addresses: 3 IPv4, 2 IPv6\n"
    "# Load or reload with `nft -f FILE`: the table is replaced in one transaction.\n"
    "table inet sipsnare\n"
    "delete table inet sipsnare\n"
    "\n"
    "table inet sipsnare {\n"
    "\tset sipsnare_v4 {\n"
    "\t\ttype ipv4_addr\n"
    "\t\telements = {\n"
    "\t\t\t192.0.2.7,\n"
    "\t\t\t192.0.2.9,\n"
    "\t\t\t198.51.100.20\n"
    "\t\t}\n"
    "\t}\n"
    "\tset sipsnare_v6 {\n"
    "\t\ttype ipv6_addr\n"
    "\t\telements = {\n"
    "\t\t\t2001:db8::5,\n"
    "\t\t\t2001:db8::6\n"
    "\t\t}\n"
    "\t}\n"
    "\n"
    "\tchain input {\n"
    "\t\ttype filter hook input priority -10; policy accept;\n"
    "\t\tip saddr @sipsnare_v4 counter drop\n"
    "\t\tip6 saddr @sipsnare_v6 counter drop\n"
    "\t}\n"
    "\n"
    "\tchain forward {\n"
    "\t\ttype filter hook forward priority -10; policy accept;\n"
    "\t\tip saddr @sipsnare_v4 counter drop\n"
    "\t\tip6 saddr @sipsnare_v6 counter drop\n"
    "\t}\n"
    "}\n";

static const char want_ipset[] =
    "# sipsnare blocklist (ipset), generated 2025-11-25T12:00:00Z\n"
    "# sources that reached enumeration; store sqlite:x.db?# injected\n"
    "# 5 addresses: 3 IPv4, 2 IPv6\n"
    "# Load or reload with `ipset restore -file FILE` (each set is filled aside, then swapped in).\n"
    "create sipsnare_v4 hash:ip family inet maxelem 1048576 -exist\n"
    "create sipsnare_v4-new hash:ip family inet maxelem 1048576 -exist\n"
    "flush sipsnare_v4-new\n"
    "add sipsnare_v4-new 192.0.2.7\n"
    "add sipsnare_v4-new 192.0.2.9\n"
    "add sipsnare_v4-new 198.51.100.20\n"
    "swap sipsnare_v4-new sipsnare_v4\n"
    "destroy sipsnare_v4-new\n"
    "create sipsnare_v6 hash:ip family inet6 maxelem 1048576 -exist\n"
    "create sipsnare_v6-new hash:ip family inet6 maxelem 1048576 -exist\n"
    "flush sipsnare_v6-new\n"
    "add sipsnare_v6-new 2001:db8::5\n"
    "add sipsnare_v6-new 2001:db8::6\n"
    "swap sipsnare_v6-new sipsnare_v6\n"
    "destroy sipsnare_v6-new\n";

static const char want_fail2ban[] =
    "2025-11-25T12:00:00Z sipsnare: blocked 192.0.2.7 steps=scanning,enumeration,brute-force requests=312\n"
    "2025-11-25T12:00:00Z sipsnare: blocked 192.0.2.9 steps=abuse requests=2\n"
    "2025-11-25T12:00:00Z sipsnare: blocked 198.51.100.20 steps=enumeration,brute-force requests=1234\n"
    "2025-11-25T12:00:00Z sipsnare: blocked 2001:db8::5 steps=abuse requests=40\n"
    "2025-11-25T12:00:00Z sipsnare: blocked 2001:db8::6 steps=abuse requests=7\n";

static const char want_kamailio_secfilter[] =
    "-- sipsnare blocklist (kamailio-secfilter), generated 2025-11-25T12:00:00Z\n"
    "-- sources that reached enumeration; store sqlite:x.db?# injected\n"
    "-- 5 addresses: 3 IPv4, 2 IPv6\n"
    "-- Kamailio secfilter table (columns action, type, data): action 0 = blacklist,\n"
    "-- type 3 = IP address, compared by secf_check_ip() as a prefix of the source.\n"
    "-- Load into Kamailio's database, then: kamcmd secfilter.reload\n"
    "BEGIN;\n"
    "DELETE FROM secfilter WHERE action = 0 AND type = 3 AND data = '192.0.2.7';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (0, 3, '192.0.2.7');\n"
    "DELETE FROM secfilter WHERE action = 0 AND type = 3 AND data = '192.0.2.9';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (0, 3, '192.0.2.9');\n"
    "DELETE FROM secfilter WHERE action = 0 AND type = 3 AND data = '198.51.100.20';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (0, 3, '198.51.100.20');\n"
    "DELETE FROM secfilter WHERE action = 0 AND type = 3 AND data = '2001:DB8:0:0:0:0:0:5';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (0, 3, '2001:DB8:0:0:0:0:0:5');\n"
    "DELETE FROM secfilter WHERE action = 0 AND type = 3 AND data = '2001:DB8:0:0:0:0:0:6';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (0, 3, '2001:DB8:0:0:0:0:0:6');\n"
    "COMMIT;\n";

static const char want_kamailio_secfilter_rpc[] =
    "#!/bin/sh\n"
    "# sipsnare blocklist (kamailio-secfilter-rpc), generated 2025-11-25T12:00:00Z\n"
    "# sources that reached enumeration; store sqlite:x.db?# injected\n"
    "# 5 addresses: 3 IPv4, 2 IPv6\n"
    "# Adds the addresses to a running Kamailio's secfilter blacklist (kept in memory\n"
    "# until secfilter.reload). KAMCMD may name another socket: KAMCMD='kamcmd -s ...'\n"
    "set -e\n"
    "KAMCMD=${KAMCMD:-kamcmd}\n"
    "$KAMCMD secfilter.add_bl ip s:192.0.2.7\n"
    "$KAMCMD secfilter.add_bl ip s:192.0.2.9\n"
    "$KAMCMD secfilter.add_bl ip s:198.51.100.20\n"
    "$KAMCMD secfilter.add_bl ip s:2001:DB8:0:0:0:0:0:5\n"
    "$KAMCMD secfilter.add_bl ip s:2001:DB8:0:0:0:0:0:6\n";

static const char want_kamailio_permissions[] =
    "# sipsnare blocklist (kamailio-permissions), generated 2025-11-25T12:00:00Z\n"
    "# sources that reached enumeration; store sqlite:x.db?# injected\n"
    "# 5 addresses: 3 IPv4, 2 IPv6\n"
    "# Kamailio permissions address file: modparam(\"permissions\", \"address_file\", \"FILE\")\n"
    "# (groupid,int) (address,str) (netmask,int,o) (port,int,o) (tag,str,o)\n"
    "# Block in the route: if (allow_source_address(\"99\")) { drop; }\n"
    "# Reload: kamcmd permissions.addressReload\n"
    "99 192.0.2.7 32 0 sipsnare:scanning,enumeration,brute-force\n"
    "99 192.0.2.9 32 0 sipsnare:abuse\n"
    "99 198.51.100.20 32 0 sipsnare:enumeration,brute-force\n"
    "99 [2001:db8::5] 128 0 sipsnare:abuse\n"
    "99 [2001:db8::6] 128 0 sipsnare:abuse\n";

static const char want_json[] =
    "[\n"
    "  {\"ip\":\"192.0.2.7\",\"family\":4,\"steps\":[\"scanning\",\"enumeration\",\"brute-force\"],\"first_seen\":\"2025-11-25T10:00:00Z\",\"last_seen\":\"2025-11-25T12:00:00Z\",\"requests\":312,\"country\":\"NL\",\"asn\":null,\"rogue_score\":0},\n"
    "  {\"ip\":\"192.0.2.9\",\"family\":4,\"steps\":[\"abuse\"],\"first_seen\":\"2025-11-25T12:00:00Z\",\"last_seen\":\"2025-11-25T12:00:00Z\",\"requests\":2,\"country\":\"BR\",\"asn\":64511,\"rogue_score\":12},\n"
    "  {\"ip\":\"198.51.100.20\",\"family\":4,\"steps\":[\"enumeration\",\"brute-force\"],\"first_seen\":\"2025-11-25T10:00:00Z\",\"last_seen\":\"2025-11-25T12:00:00Z\",\"requests\":1234,\"country\":\"DE\",\"asn\":64496,\"rogue_score\":0},\n"
    "  {\"ip\":\"2001:db8::5\",\"family\":6,\"steps\":[\"abuse\"],\"first_seen\":\"2025-11-25T10:00:00Z\",\"last_seen\":\"2025-11-25T12:00:00Z\",\"requests\":40,\"country\":\"US\",\"asn\":null,\"rogue_score\":66},\n"
    "  {\"ip\":\"2001:db8::6\",\"family\":6,\"steps\":[\"abuse\"],\"first_seen\":\"2025-11-25T10:00:00Z\",\"last_seen\":\"2025-11-25T12:00:00Z\",\"requests\":7,\"country\":null,\"asn\":null,\"rogue_score\":0}\n"
    "]\n";

static const char want_numbers_plain[] =
    "# sipsnare dialed numbers (plain), generated 2025-11-25T12:00:00Z\n"
    "# sources that reached enumeration; store sqlite:x.db?# injected\n"
    "# 4 numbers (E.164)\n"
    "+18005551234\n"
    "+447700900123\n"
    "+4930123456\n"
    "+972595551234\n";

static const char want_numbers_json[] =
    "[\n"
    "  {\"e164\":\"+18005551234\",\"country\":\"XN-TOLLFREE\",\"attempts\":1,\"calls\":1,\"sources\":1,\"first_seen\":\"2025-11-25T10:00:00Z\",\"last_seen\":\"2025-11-25T10:00:00Z\"},\n"
    "  {\"e164\":\"+447700900123\",\"country\":null,\"attempts\":2,\"calls\":1,\"sources\":1,\"first_seen\":\"2025-11-25T10:00:00Z\",\"last_seen\":\"2025-11-25T10:00:00Z\"},\n"
    "  {\"e164\":\"+4930123456\",\"country\":\"DE\",\"attempts\":15,\"calls\":3,\"sources\":2,\"first_seen\":\"2025-11-25T10:00:00Z\",\"last_seen\":\"2025-11-25T12:00:00Z\"},\n"
    "  {\"e164\":\"+972595551234\",\"country\":\"IL\",\"attempts\":30,\"calls\":4,\"sources\":2,\"first_seen\":\"2025-11-25T10:00:00Z\",\"last_seen\":\"2025-11-25T12:00:00Z\"}\n"
    "]\n";

static const char want_numbers_kamailio_secfilter[] =
    "-- sipsnare dialed numbers (kamailio-secfilter), generated 2025-11-25T12:00:00Z\n"
    "-- sources that reached enumeration; store sqlite:x.db?# injected\n"
    "-- 4 numbers. Kamailio secfilter table: action 2 = blacklisted destination,\n"
    "-- type 0, data = the E.164 number's digits without '+', compared by\n"
    "-- secf_check_dst() with the string it is given (normalise $rU first).\n"
    "-- Load into Kamailio's database, then: kamcmd secfilter.reload\n"
    "BEGIN;\n"
    "DELETE FROM secfilter WHERE action = 2 AND type = 0 AND data = '18005551234';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (2, 0, '18005551234');\n"
    "DELETE FROM secfilter WHERE action = 2 AND type = 0 AND data = '447700900123';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (2, 0, '447700900123');\n"
    "DELETE FROM secfilter WHERE action = 2 AND type = 0 AND data = '4930123456';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (2, 0, '4930123456');\n"
    "DELETE FROM secfilter WHERE action = 2 AND type = 0 AND data = '972595551234';\n"
    "INSERT INTO secfilter (action, type, data) VALUES (2, 0, '972595551234');\n"
    "COMMIT;\n";

static const char want_dot[] =
    "digraph sipsnare {\n"
    "\tgraph [rankdir=LR, ranksep=1.5, fontname=\"Helvetica\", labelloc=t, label=\"sipsnare: source -> destination country (edge weight: unified calls)\"];\n"
    "\tnode [fontname=\"Helvetica\", fontsize=10, style=filled];\n"
    "\tedge [fontname=\"Helvetica\", fontsize=9, color=\"#636363\"];\n"
    "\t\"src:198.51.100.20\" [shape=box, fillcolor=\"#fcbba1\", label=\"198.51.100.20\\nDE AS64496\", tooltip=\"198.51.100.20: 5 unified calls, 10 INVITEs\", country=\"DE\", asn=\"64496\"];\n"
    "\t\"src:2001:db8::5\" [shape=box, fillcolor=\"#fcbba1\", label=\"2001:db8::5\\nUS\", tooltip=\"2001:db8::5: 5 unified calls, 9 INVITEs\", country=\"US\", asn=\"0\"];\n"
    "\t\"src:192.0.2.7\" [shape=box, fillcolor=\"#fcbba1\", label=\"192.0.2.7\\n??\", tooltip=\"192.0.2.7: 1 unified call, 2 INVITEs\", country=\"\", asn=\"0\"];\n"
    "\t\"cc:??\" [shape=ellipse, fillcolor=\"#c6dbef\", label=\"unknown\"];\n"
    "\t\"cc:GB\" [shape=ellipse, fillcolor=\"#c6dbef\", label=\"GB\"];\n"
    "\t\"cc:IL\" [shape=ellipse, fillcolor=\"#c6dbef\", label=\"IL\"];\n"
    "\t\"cc:XS-SATELLITE\" [shape=ellipse, fillcolor=\"#c6dbef\", label=\"XS-SATELLITE\"];\n"
    "\t\"src:198.51.100.20\" -> \"cc:IL\" [label=\"3\", weight=3, penwidth=3.31, tooltip=\"198.51.100.20 -> IL: 3 unified calls, 8 INVITEs\"];\n"
    "\t\"src:198.51.100.20\" -> \"cc:??\" [label=\"1\", weight=1, penwidth=2.16, tooltip=\"198.51.100.20 -> ??: 1 unified call, 1 INVITE\"];\n"
    "\t\"src:198.51.100.20\" -> \"cc:GB\" [label=\"1\", weight=1, penwidth=2.16, tooltip=\"198.51.100.20 -> GB: 1 unified call, 1 INVITE\"];\n"
    "\t\"src:2001:db8::5\" -> \"cc:IL\" [label=\"5\", weight=5, penwidth=3.99, tooltip=\"2001:db8::5 -> IL: 5 unified calls, 9 INVITEs\"];\n"
    "\t\"src:192.0.2.7\" -> \"cc:XS-SATELLITE\" [label=\"1\", weight=1, penwidth=2.16, tooltip=\"192.0.2.7 -> XS-SATELLITE: 1 unified call, 2 INVITEs\"];\n"
    "}\n";

static const char want_dot_numbers[] =
    "digraph sipsnare {\n"
    "\tgraph [layout=twopi, root=\"src:198.51.100.20\", overlap=false, ranksep=2, fontname=\"Helvetica\", labelloc=t, label=\"198.51.100.20 \\\"rogue\\\"\"];\n"
    "\tnode [fontname=\"Helvetica\", fontsize=10, style=filled];\n"
    "\tedge [fontname=\"Helvetica\", fontsize=9, color=\"#636363\"];\n"
    "\t\"src:198.51.100.20\" [shape=box, fillcolor=\"#fcbba1\", label=\"198.51.100.20\\nDE AS64496\", tooltip=\"198.51.100.20: 4 unified calls, 9 INVITEs\", country=\"DE\", asn=\"64496\"];\n"
    "\t\"num:+4930123456\" [shape=note, fillcolor=\"#c6dbef\", label=\"+4930123456\\nDE\", country=\"DE\"];\n"
    "\t\"num:+972595551234\" [shape=note, fillcolor=\"#c6dbef\", label=\"+972595551234\\nIL\", country=\"IL\"];\n"
    "\t\"src:198.51.100.20\" -> \"num:+972595551234\" [label=\"3\", weight=3, penwidth=3.31, tooltip=\"198.51.100.20 -> +972595551234: 3 unified calls, 8 INVITEs\"];\n"
    "\t\"src:198.51.100.20\" -> \"num:+4930123456\" [label=\"1\", weight=1, penwidth=2.16, tooltip=\"198.51.100.20 -> +4930123456: 1 unified call, 1 INVITE\"];\n"
    "}\n";

/* ---- helpers ---------------------------------------------------------------- */

static char *out_buf;
static size_t out_len;

static FILE *open_out(void)
{
    free(out_buf);
    out_buf = NULL;
    out_len = 0;
    FILE *f = open_memstream(&out_buf, &out_len);
    if (!f) {
        perror("open_memstream");
        exit(2);
    }
    return f;
}

static const char *close_out(FILE *f)
{
    fclose(f);
    return out_buf;
}

/* Prints the first differing line when the output is not as expected. */
static int same(const char *got, const char *want)
{
    if (strcmp(got, want) == 0)
        return 1;
    size_t line = 1;
    const char *g = got, *w = want;
    while (*g && *g == *w) {
        if (*g == '\n')
            line++;
        g++, w++;
    }
    const char *ge = strchr(g, '\n'), *we = strchr(w, '\n');
    fprintf(stderr, "  line %zu differs:\n    got:  %.*s\n    want: %.*s\n", line,
            (int)(ge ? ge - g : (long)strlen(g)), g, (int)(we ? we - w : (long)strlen(w)), w);
    return 0;
}

static const char *addrs_in(const char *format, bl_stats *st)
{
    FILE *f = open_out();
    int fmt = bl_format_from_name(format);
    CHECK(fmt >= 0);
    int rc = bl_write_addrs(f, (bl_format)fmt, addrs, N_ADDRS, &opts, st);
    CHECK_INT(rc, 0);
    return close_out(f);
}

static void check_addr_stats(const bl_stats *st)
{
    CHECK_INT(st->written, 5);
    CHECK_INT(st->v4, 3);
    CHECK_INT(st->v6, 2);
    CHECK_INT(st->rejected, 8);
    CHECK_INT(st->duplicates, 1);
}

#define FORMAT_CASE(fn, name, want)                  \
    static void fn(void)                             \
    {                                                \
        bl_stats st;                                 \
        CHECK(same(addrs_in(name, &st), want));      \
        check_addr_stats(&st);                       \
    }

FORMAT_CASE(test_plain, "plain", want_plain)
FORMAT_CASE(test_nft, "nft", want_nft)
FORMAT_CASE(test_ipset, "ipset", want_ipset)
FORMAT_CASE(test_fail2ban, "fail2ban", want_fail2ban)
FORMAT_CASE(test_secfilter, "kamailio-secfilter", want_kamailio_secfilter)
FORMAT_CASE(test_secfilter_rpc, "kamailio-secfilter-rpc", want_kamailio_secfilter_rpc)
FORMAT_CASE(test_permissions, "kamailio-permissions", want_kamailio_permissions)
FORMAT_CASE(test_json, "json", want_json)

static const char *numbers_in(const char *format, bl_stats *st)
{
    FILE *f = open_out();
    int fmt = bl_format_from_name(format);
    CHECK(fmt >= 0);
    CHECK_INT(bl_write_numbers(f, (bl_format)fmt, numbers, N_NUMBERS, &opts, st), 0);
    return close_out(f);
}

static void test_numbers(void)
{
    bl_stats st;
    CHECK(same(numbers_in("plain", &st), want_numbers_plain));
    CHECK_INT(st.written, 4);
    CHECK_INT(st.rejected, 7);
    CHECK_INT(st.duplicates, 1);
    CHECK(same(numbers_in("json", &st), want_numbers_json));
    CHECK(same(numbers_in("kamailio-secfilter", &st), want_numbers_kamailio_secfilter));
    /* formats without a number form refuse, writing nothing */
    static const bl_format none[] = {BL_FMT_NFT, BL_FMT_IPSET, BL_FMT_FAIL2BAN, BL_FMT_SECFILTER_RPC,
                                     BL_FMT_PERMISSIONS, BL_FMT_FAIL2BAN_FILTER};
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        FILE *f = open_out();
        CHECK_INT(bl_write_numbers(f, none[i], numbers, N_NUMBERS, &opts, &st), -2);
        CHECK_STR(close_out(f), "");
    }
}

/* Options: timeout, set name and group as they appear; bad ones refused. */
static void test_options(void)
{
    bl_options o = opts;
    o.name = "voip_block";
    o.timeout_s = 86400;
    o.group = 7;
    FILE *f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_NFT, addrs, 3, &o, NULL), 0);
    const char *s = close_out(f);
    CHECK(strstr(s, "table inet voip_block\ndelete table inet voip_block\n") != NULL);
    CHECK(strstr(s, "\tset voip_block_v4 {\n\t\ttype ipv4_addr\n\t\tflags timeout\n\t\ttimeout 86400s\n") != NULL);
    CHECK(strstr(s, "\t\tip6 saddr @voip_block_v6 counter drop\n") != NULL);

    f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_IPSET, addrs, 3, &o, NULL), 0);
    s = close_out(f);
    CHECK(strstr(s, "create voip_block_v6-new hash:ip family inet6 maxelem 1048576 timeout 86400 -exist\n") != NULL);
    CHECK(strstr(s, "swap voip_block_v4-new voip_block_v4\n") != NULL);

    f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_PERMISSIONS, addrs, 3, &o, NULL), 0);
    s = close_out(f);
    CHECK(strstr(s, "\n7 198.51.100.20 32 0 sipsnare:enumeration,brute-force\n") != NULL);
    CHECK(strstr(s, "allow_source_address(\"7\")") != NULL);

    static const char *const bad_names[] = {"", "1abc", "a b", "x;flush ruleset", "a-b", "abc\n",
                                            "set}", "abcdefghijklmnopqrstuvwxy" /* 25 */};
    for (size_t i = 0; i < sizeof bad_names / sizeof bad_names[0]; i++) {
        o.name = bad_names[i];
        f = open_out();
        CHECK_INT(bl_write_addrs(f, BL_FMT_NFT, addrs, N_ADDRS, &o, NULL), -2);
        CHECK_STR(close_out(f), "");
    }
    o.name = "abcdefghijklmnopqrstuvwx"; /* 24: the longest */
    CHECK(bl_valid_name(o.name));
    o.timeout_s = -1;
    f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_IPSET, addrs, N_ADDRS, &o, NULL), -2);
    close_out(f);
    o.timeout_s = BL_MAX_TIMEOUT + 1;
    f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_IPSET, addrs, N_ADDRS, &o, NULL), -2);
    close_out(f);
    f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_FAIL2BAN_FILTER, addrs, N_ADDRS, &opts, NULL), -2);
    close_out(f);
}

/* Nothing to block still gives a file each tool loads. */
static void test_empty(void)
{
    FILE *f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_NFT, NULL, 0, &opts, NULL), 0);
    const char *s = close_out(f);
    CHECK(strstr(s, "\tset sipsnare_v4 {\n\t\ttype ipv4_addr\n\t}\n") != NULL);
    CHECK(strstr(s, "elements") == NULL);
    f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_JSON, NULL, 0, &opts, NULL), 0);
    CHECK_STR(close_out(f), "[]\n");
    f = open_out();
    CHECK_INT(bl_write_numbers(f, BL_FMT_JSON, NULL, 0, &opts, NULL), 0);
    CHECK_STR(close_out(f), "[]\n");
    f = open_out();
    CHECK_INT(bl_write_addrs(f, BL_FMT_FAIL2BAN, NULL, 0, &opts, NULL), 0);
    CHECK_STR(close_out(f), "");
}

static void test_fail2ban_filter(void)
{
    FILE *f = open_out();
    CHECK_INT(bl_write_fail2ban_filter(f), 0);
    const char *s = close_out(f);
    CHECK(strstr(s, "\n[Definition]\n") != NULL);
    CHECK(strstr(s, "\nfailregex = ^\\s*sipsnare: blocked <ADDR> steps=[a-z,-]+ requests=\\d+$\n") != NULL);
    CHECK(strstr(s, "\ndatepattern = {^LN-BEG}%%Y-%%m-%%dT%%H:%%M:%%S%%z\n") != NULL);
}

static void test_checks(void)
{
    char buf[64];
    CHECK_INT(bl_canonical_ip("2001:DB8:0:0::1", buf, sizeof buf), 6);
    CHECK_STR(buf, "2001:db8::1");
    CHECK_INT(bl_canonical_ip("::ffff:198.51.100.1", buf, sizeof buf), 4);
    CHECK_STR(buf, "198.51.100.1");
    CHECK_INT(bl_canonical_ip("192.0.2.1", buf, sizeof buf), 4);
    CHECK_INT(bl_canonical_ip("192.0.2.1", buf, 9), -1);       /* no room */
    static const char *const bad[] = {"192.0.2.1 ", " 192.0.2.1", "192.0.2", "192.0.2.256", "192.0.2.01",
                                      "0x7f.0.0.1", "::1%lo", "::1/128", "[::1]", "2001:db8::1::2",
                                      "192.0.2.1\n", "localhost", "", "1.2.3.4.5"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECK_INT(bl_canonical_ip(bad[i], buf, sizeof buf), -1);
    CHECK_INT(bl_canonical_ip(NULL, buf, sizeof buf), -1);

    CHECK_INT(bl_kamailio_ip6("2001:db8::1", buf, sizeof buf), 0);
    CHECK_STR(buf, "2001:DB8:0:0:0:0:0:1");
    CHECK_INT(bl_kamailio_ip6("::", buf, sizeof buf), 0);
    CHECK_STR(buf, "0:0:0:0:0:0:0:0");
    CHECK_INT(bl_kamailio_ip6("fe80::abcd:ef01:2:3", buf, sizeof buf), 0);
    CHECK_STR(buf, "FE80:0:0:0:ABCD:EF01:2:3");
    CHECK_INT(bl_kamailio_ip6("192.0.2.1", buf, sizeof buf), -1);

    CHECK(bl_valid_e164("+1"));
    CHECK(bl_valid_e164("+123456789012345"));
    CHECK(!bl_valid_e164("+1234567890123456"));
    CHECK(!bl_valid_e164("+0800"));
    CHECK(!bl_valid_e164("49301"));
    CHECK(!bl_valid_e164("+49 30"));
    CHECK(!bl_valid_e164("+4930\n"));
    CHECK(!bl_valid_e164("++49"));
    CHECK(!bl_valid_e164(NULL));

    CHECK(bl_valid_country("DE"));
    CHECK(bl_valid_country("XN-TOLLFREE"));
    CHECK(!bl_valid_country("de"));
    CHECK(!bl_valid_country(""));
    CHECK(!bl_valid_country("D E"));
    CHECK(!bl_valid_country("ABCDEFGHIJKLMNOP"));

    CHECK_INT(BL_STEP_SCANNING, 1u << STEP_SCANNING);
    CHECK_INT(BL_STEP_ENUMERATION, 1u << STEP_ENUMERATION);
    CHECK_INT(BL_STEP_BRUTEFORCE, 1u << STEP_BRUTEFORCE);
    CHECK_INT(BL_STEP_ABUSE, 1u << STEP_ABUSE);
    bl_steps_text(BL_STEP_ENUMERATION | BL_STEP_ABUSE, buf, sizeof buf);
    CHECK_STR(buf, "enumeration,abuse");
    bl_steps_text(0, buf, sizeof buf);
    CHECK_STR(buf, "-");

    for (int i = 0; i < BL_FMT_COUNT; i++)
        CHECK_INT(bl_format_from_name(bl_format_name((bl_format)i)), i);
    CHECK_INT(bl_format_from_name("iptables"), -1);
    CHECK_INT(bl_format_from_name(NULL), -1);
}

static void test_dot(void)
{
    bl_stats st;
    FILE *f = open_out();
    bl_graph_options go = {0};
    CHECK_INT(bl_write_dot(f, edges, sizeof edges / sizeof edges[0], &go, &st), 0);
    CHECK(same(close_out(f), want_dot));
    CHECK_INT(st.written, 5);
    CHECK_INT(st.rejected, 2);
    CHECK_INT(st.duplicates, 1);
    CHECK_INT(st.v4, 2);
    CHECK_INT(st.v6, 1);

    /* numbers, the top source only, as a star; the title is escaped */
    f = open_out();
    bl_graph_options gn = {.numbers = 1, .top = 1, .star = 1, .title = "198.51.100.20 \"rogue\"\n"};
    CHECK_INT(bl_write_dot(f, number_edges, 4, &gn, &st), 0);
    CHECK(same(close_out(f), want_dot_numbers));
    CHECK_INT(st.written, 2);
    CHECK_INT(st.rejected, 1);

    f = open_out();
    CHECK_INT(bl_write_dot(f, NULL, 0, NULL, &st), 0);
    const char *s = close_out(f);
    CHECK(strstr(s, "no calls\"];\n") != NULL);
    CHECK(strstr(s, "\" -> \"") == NULL);
}

static void test_special(void)
{
    CHECK_STR(bl_special_address("127.0.0.1"), "loopback");
    CHECK_STR(bl_special_address("::1"), "loopback");
    CHECK_STR(bl_special_address("0.0.0.0"), "unspecified");
    CHECK_STR(bl_special_address("10.1.2.3"), "private");
    CHECK_STR(bl_special_address("172.31.255.255"), "private");
    CHECK(bl_special_address("172.32.0.1") == NULL);
    CHECK_STR(bl_special_address("192.168.0.9"), "private");
    CHECK_STR(bl_special_address("100.100.0.1"), "shared (CGNAT)");
    CHECK_STR(bl_special_address("fe80::1"), "link-local");
    CHECK_STR(bl_special_address("fd00::5"), "private (ULA)");
    CHECK_STR(bl_special_address("ff02::1"), "multicast");
    CHECK_STR(bl_special_address("::ffff:127.0.0.1"), "loopback");   /* mapped: as IPv4 */
    CHECK_STR(bl_special_address("not an ip"), "not an address");
    CHECK(bl_special_address("203.0.113.5") == NULL);
    CHECK(bl_special_address("2001:db8::1") == NULL);

    bl_range r;
    CHECK_INT(bl_parse_range("198.51.100.0/24", &r), 0);
    CHECK(bl_in_range("198.51.100.77", &r));
    CHECK(!bl_in_range("198.51.101.1", &r));
    CHECK(!bl_in_range("2001:db8::1", &r));
    CHECK_INT(bl_parse_range("2001:db8::/33", &r), 0);
    CHECK(bl_in_range("2001:db8:7fff::1", &r));
    CHECK(!bl_in_range("2001:db8:8000::1", &r));
    CHECK_INT(bl_parse_range("203.0.113.5", &r), 0);   /* /32 */
    CHECK(bl_in_range("203.0.113.5", &r) && !bl_in_range("203.0.113.6", &r));
    CHECK_INT(bl_parse_range("10.0.0.0/33", &r), -1);
    CHECK_INT(bl_parse_range("10.0.0.0/", &r), -1);
    CHECK_INT(bl_parse_range("10.0.0/8", &r), -1);
    CHECK_INT(bl_parse_range("", &r), -1);
}

CHECK_MAIN("test_blocklist",
    {"never listed: special ranges, --exclude ranges", test_special},
    {"plain", test_plain},
    {"nft", test_nft},
    {"ipset", test_ipset},
    {"fail2ban log", test_fail2ban},
    {"fail2ban filter", test_fail2ban_filter},
    {"kamailio secfilter (SQL)", test_secfilter},
    {"kamailio secfilter (kamcmd)", test_secfilter_rpc},
    {"kamailio permissions", test_permissions},
    {"json", test_json},
    {"dialed numbers", test_numbers},
    {"options: name, timeout, group", test_options},
    {"empty lists", test_empty},
    {"checks: addresses, numbers, labels", test_checks},
    {"graph (DOT)", test_dot})
