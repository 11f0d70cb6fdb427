/*
 * blocklist.h - source addresses and dialed numbers to block, written in
 * the formats defenders load (docs/BLOCKLISTS.md), and the source ->
 * destination graph in Graphviz DOT. Pure functions over plain structs: the
 * commands (cli/cmd_blocklist.c, cli/cmd_graph.c) fill the structs from a
 * dataset, tests fill them by hand.
 *
 * Every string that reaches an output is checked first: an address must
 * parse with inet_pton (it is written in its canonical inet_ntop form, an
 * IPv4-mapped IPv6 address as IPv4), a number must be canonical E.164
 * ('+', 1-15 digits, not starting with 0), a country a label of [A-Z0-9-],
 * a set name [A-Za-z][A-Za-z0-9_]*. What fails is left out and counted in
 * bl_stats.rejected: attacker-chosen text (dialed strings, store contents)
 * can never add a line or a statement to a firewall file. Free text (the
 * scope line of a header comment) has its control characters replaced.
 *
 * Output is sorted (IPv4 before IPv6, by address; numbers by digits) and
 * duplicates are merged, so two runs over the same data give the same
 * bytes.
 */
#ifndef SIPSNARE_REPORT_BLOCKLIST_H
#define SIPSNARE_REPORT_BLOCKLIST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define BL_DEFAULT_NAME "sipsnare"
#define BL_MAX_NAME 24            /* ipset: NAME_v4-new fits in 31 characters */
#define BL_DEFAULT_GROUP 99       /* Kamailio permissions group (not 1, the trusted default) */
#define BL_MAX_TIMEOUT 2147483L   /* ipset's limit, seconds (about 24 days) */

typedef enum {
    BL_FMT_PLAIN = 0,        /* one address (number) a line, '#' comments */
    BL_FMT_NFT,              /* nft -f: table inet NAME, sets NAME_v4/NAME_v6, input+forward drop */
    BL_FMT_IPSET,            /* ipset restore: hash:ip NAME_v4 (inet), NAME_v6 (inet6), atomic swap */
    BL_FMT_FAIL2BAN,         /* a log for a fail2ban jail */
    BL_FMT_FAIL2BAN_FILTER,  /* the filter.d file matching that log */
    BL_FMT_SECFILTER,        /* Kamailio secfilter: SQL for its table (IPs; numbers as destinations) */
    BL_FMT_SECFILTER_RPC,    /* Kamailio secfilter: kamcmd secfilter.add_bl lines (IPs) */
    BL_FMT_PERMISSIONS,      /* Kamailio permissions: address_file records */
    BL_FMT_JSON,             /* an array of objects */
    BL_FMT_COUNT
} bl_format;

/* "plain", "nft", "ipset", "fail2ban", "fail2ban-filter",
 * "kamailio-secfilter", "kamailio-secfilter-rpc", "kamailio-permissions",
 * "json"; -1 when unknown. */
int bl_format_from_name(const char *name);
const char *bl_format_name(bl_format f);
/* Whether the format has a form for dialed numbers (plain, json, kamailio-secfilter). */
int bl_format_takes_numbers(bl_format f);

/* Step bits (1 << step_kind of analyze/steps.h). */
#define BL_STEP_SCANNING 1u
#define BL_STEP_ENUMERATION 2u
#define BL_STEP_BRUTEFORCE 4u
#define BL_STEP_ABUSE 8u

typedef struct {
    const char *ip;          /* as stored; checked and canonicalised by the writers */
    unsigned steps;          /* BL_STEP_* bits */
    int64_t first_ms, last_ms;
    unsigned long requests;
    const char *country;     /* ISO alpha-2; NULL or "" unknown */
    uint32_t asn;            /* 0 unknown */
    int rogue_score;         /* 0-100 */
} bl_addr;

typedef struct {
    const char *e164;        /* "+4930123456"; anything else is rejected */
    const char *country;     /* destination: ISO alpha-2 or label (XN-TOLLFREE); NULL unknown */
    unsigned long attempts;  /* INVITEs */
    unsigned long calls;     /* unified calls */
    unsigned long sources;   /* distinct source addresses */
    int64_t first_ms, last_ms;
} bl_number;

typedef struct {
    const char *name;        /* table/set name; NULL: BL_DEFAULT_NAME */
    long timeout_s;          /* nft/ipset element timeout; 0 none */
    unsigned group;          /* Kamailio permissions group; 0: BL_DEFAULT_GROUP */
    int64_t generated_ms;    /* time of the run: header comments, fail2ban line times */
    const char *scope;       /* one line for the header comment, or NULL */
} bl_options;

typedef struct {
    size_t written;          /* entries written */
    size_t v4, v6;           /* of which IPv4, IPv6 (addresses) */
    size_t rejected;         /* entries that failed the checks, left out */
    size_t duplicates;       /* entries merged into an earlier one */
} bl_stats;

/* Canonical text of an address: inet_pton then inet_ntop, IPv4-mapped IPv6
 * as IPv4. Returns 4 or 6, or -1 when text is not exactly an address. */
int bl_canonical_ip(const char *text, char *out, size_t outlen);
/* Kamailio's own text of an IPv6 address (ip_addr2a: eight groups, no "::",
 * no leading zeros, upper case), which secfilter compares against. */
int bl_kamailio_ip6(const char *canonical, char *out, size_t outlen);
/* An address range "a.b.c.d/len" or "v6/len" (a bare address is /32 or
 * /128), parsed for bl_in_range. */
typedef struct {
    int family;              /* 4 or 6 */
    unsigned char net[16];
    unsigned bits;
} bl_range;
/* Parses text into r; 0, or -1 when it is no range (host bits may be set). */
int bl_parse_range(const char *text, bl_range *r);
/* Whether the address (any text bl_canonical_ip accepts) is in r. */
int bl_in_range(const char *ip, const bl_range *r);
/* Whether an address must never be blocked by default: unspecified,
 * loopback, private (RFC 1918, 100.64/10 shared, fc00::/7), link-local,
 * multicast, broadcast, or not an address at all. A blocklist of such
 * addresses cuts a host off from itself or its own network (a CDR's
 * 0.0.0.0, a test run's 127.0.0.1). Returns the reason, or NULL. */
const char *bl_special_address(const char *ip);

/* 1 when s is '+' and 1-15 digits, the first not 0. */
int bl_valid_e164(const char *s);
/* 1 when name is [A-Za-z][A-Za-z0-9_]* of at most BL_MAX_NAME characters. */
int bl_valid_name(const char *name);
/* 1 when s is a country or destination label: 1-15 of [A-Z0-9-]. */
int bl_valid_country(const char *s);

/* Step bits as "enumeration,brute-force" (analyze/steps.h names; "-" for none) into buf. */
size_t bl_steps_text(unsigned steps, char *buf, size_t len);

/* Writes the addresses in fmt. Returns 0; -1 when writing failed (errno);
 * -2 when the options are invalid (bad name, timeout out of range) or fmt
 * is BL_FMT_FAIL2BAN_FILTER (use bl_write_fail2ban_filter). st may be NULL. */
int bl_write_addrs(FILE *out, bl_format fmt, const bl_addr *a, size_t n,
                   const bl_options *o, bl_stats *st);

/* Writes the dialed numbers; -2 also when the format has no number form. */
int bl_write_numbers(FILE *out, bl_format fmt, const bl_number *nums, size_t n,
                     const bl_options *o, bl_stats *st);

/* The fail2ban filter (filter.d/sipsnare.conf) for BL_FMT_FAIL2BAN logs. */
int bl_write_fail2ban_filter(FILE *out);

/* ---- graph ----------------------------------------------------------------
 * One edge per (source, destination): a country (or label) by default, a
 * dialed number with numbers = 1. Edges with the same source and
 * destination are merged (calls and invites added), so a caller may give
 * one edge per unified call. */
typedef struct {
    const char *src_ip;
    const char *src_country; /* NULL unknown */
    uint32_t src_asn;        /* 0 unknown */
    const char *dst;         /* country/label, or E.164 with numbers; NULL/"" unknown country */
    const char *dst_country; /* numbers: the number's country (node label) */
    unsigned long calls;     /* unified calls: the edge weight */
    unsigned long invites;   /* INVITE messages */
} bl_edge;

typedef struct {
    int numbers;             /* destinations are dialed numbers */
    size_t top;              /* keep the sources with the most calls (0: all) */
    int star;                /* one source in the middle (twopi layout), the study's Figure 5 */
    const char *title;       /* graph label, or NULL */
} bl_graph_options;

/* Writes a DOT digraph. Returns 0, -1 on a write error. */
int bl_write_dot(FILE *out, const bl_edge *e, size_t n, const bl_graph_options *o, bl_stats *st);

#endif
