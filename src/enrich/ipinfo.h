/*
 * ipinfo.h - source address -> country and autonomous system.
 *
 * An ipdb is a list of sources consulted in the order they were added;
 * for each field (country, ASN) the first source that knows the address
 * answers. Sources:
 *   - MaxMind-format databases through libmaxminddb: GeoLite2-Country/City/
 *     ASN, DB-IP lite, ip-location-db's MMDBs (fields country.iso_code,
 *     registered_country.iso_code, country_code, autonomous_system_number,
 *     autonomous_system_organization);
 *   - RIR delegation files ("delegated-<rir>-extended-latest": country of
 *     every allocated/assigned IPv4/IPv6 block);
 *   - range tables, CSV or TSV: "start,end,value[,organisation]" with the
 *     addresses as text or as numbers (ip-location-db, iptoasn), value an
 *     AS number ("AS64496" or "64496") or a country code;
 *   - sipsnare's compact snapshot (data/ipdb/, docs/ENRICHMENT.md).
 * Range lookups are binary searches over sorted arrays; where ranges
 * overlap, the one that starts last (the most specific) wins.
 * IPv4-mapped IPv6 addresses (::ffff:a.b.c.d) are looked up as IPv4.
 *
 * Memory: an ipdb owns its tables and open databases; results are values.
 * Lookups do not modify the ipdb: one ipdb may serve many threads.
 */
#ifndef SIPSNARE_IPINFO_H
#define SIPSNARE_IPINFO_H

#include <stddef.h>
#include <stdint.h>

#include "analyze/model.h"

typedef struct ipdb ipdb;

typedef struct {
    char country[3];       /* ISO 3166 alpha-2, "" unknown */
    uint32_t asn;          /* 0 unknown */
    char as_org[96];       /* when the source has it */
    int country_source;    /* index of the source that answered, -1 none */
    int asn_source;
} ipinfo;

enum ipdb_kind { IPDB_COUNTRY = 1, IPDB_ASN = 2 };

ipdb *ipdb_new(void);
void ipdb_free(ipdb *db);

/* Each returns the index of the new source, or -1 with a message in err. */
int ipdb_add_mmdb(ipdb *db, const char *path, char *err, size_t errlen);
int ipdb_add_rir(ipdb *db, const char *path, char *err, size_t errlen);
/* kind: what the value column is; 0 guesses from the first data line. */
int ipdb_add_ranges(ipdb *db, const char *path, int kind, char *err, size_t errlen);
int ipdb_add_snapshot(ipdb *db, const char *path, char *err, size_t errlen);

/* Adds the snapshot committed in data/ipdb/ (ipv4 and ipv6), found like
 * data/agents.tsv ($SIPSNARE_DATADIR, ./data, next to the program,
 * /usr/local/share/sipsnare, /usr/share/sipsnare). Returns sources added. */
int ipdb_add_default(ipdb *db, char *err, size_t errlen);

size_t ipdb_sources(const ipdb *db);
/* Name (path) and kinds (IPDB_* bits) of source i; ranges loaded. */
const char *ipdb_source_name(const ipdb *db, size_t i);
size_t ipdb_source_ranges(const ipdb *db, size_t i);

/* Fills out; returns 0 when anything was found, -1 otherwise. */
int ipdb_lookup(const ipdb *db, const an_ip *ip, ipinfo *out);
int ipdb_lookup_text(const ipdb *db, const char *ip, ipinfo *out);

/* Calls fn for each IPv4 range of the range sources marked with country,
 * in source and address order, with the ASN that the same source gives its
 * first address (0 when it has none). For simulated traffic that must
 * spread its sources over many networks (src/sim/). Returns how many
 * ranges were passed, -1 for a malformed country code. */
typedef void (*ipdb_range4_fn)(void *arg, uint32_t start, uint32_t end, uint32_t asn);
long ipdb_country_ranges4(const ipdb *db, const char *country, ipdb_range4_fn fn, void *arg);

#endif
