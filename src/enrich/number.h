/*
 * number.h - dialed numbers: from what an attacker put in a Request-URI
 * ("900972595551234", "0021972595551234", "+972 59-555-1234") to one
 * canonical E.164 number, the prefix that was stripped, the destination
 * country (prefix semantics of Perl's Number::Phone::Country), the number
 * type (libphonenumber) and a user-supplied category label.
 *
 * The rules are in docs/ANALYSIS.md ("Dialed numbers"). In short: every way
 * of reading the dial string (PBX line prefix, international prefix of any
 * common convention or of the home country incl. Brazilian carrier codes,
 * national number of the home country, bare country code) is a candidate;
 * the candidate that libphonenumber finds valid and that needs the fewest
 * assumptions wins. All variants of one number give the same result.
 *
 * Memory: a num_ctx owns its caches and category labels; results are plain
 * values (category points into the ctx and lives as long as it).
 * A num_ctx is not thread-safe; use one per thread.
 */
#ifndef SIPSNARE_NUMBER_H
#define SIPSNARE_NUMBER_H

#include <stddef.h>

#include "enrich/phonenumber_adapter.h"

#define NUM_MAX_E164 15      /* digits of an E.164 number (ITU-T E.164) */
#define NUM_MAX_DIAL 40      /* digits of a dial string we try to read */
#define NUM_MAX_ALT 3        /* other valid readings reported */
#define NUM_DEFAULT_HOME "BR"
#define NUM_DEFAULT_CACHE 262144

/* Destination of an international number. */
typedef struct {
    char country[16];    /* ISO 3166 alpha-2, or a label: XI-FREEPHONE, XS-SATELLITE,
                            XN-TOLLFREE, ... (docs/ANALYSIS.md); "" when unknown */
    unsigned cc;         /* country calling code (1, 7, 44, 972, 800, ...); 0 unknown */
} num_dest;

/* Country of digits (country code first, no '+'), as Number::Phone::Country's
 * phone2country() decides it: NANP by area code, then the longest known
 * prefix; a code shared by several countries goes to the first of them whose
 * numbering plan the national number fits, else to the first. Returns 0, or
 * -1 when no prefix is known (out->country ""). Thread-safe. */
int num_destination(const char *digits, num_dest *out);

typedef enum {
    NUM_VALID = 0,     /* canonical number found, valid for libphonenumber */
    NUM_UNVERIFIED,    /* best reading chosen, but no reading is a valid number */
    NUM_SHORT,         /* fewer than 7 digits: an extension or service code */
    NUM_NOT_NUMBER     /* letters, symbols or too many digits: not a dial string */
} num_status;

typedef struct {
    num_status status;
    char e164[NUM_MAX_E164 + 2];          /* "+972595551234"; "" for SHORT/NOT_NUMBER */
    char prefix[NUM_MAX_DIAL + 2];        /* what was stripped before the number:
                                             "900", "0021", "+", "" */
    const char *reading;                  /* how the prefix was read: "international",
                                             "line+international", "national", ...
                                             (static string) */
    num_dest dest;
    int type;                             /* enum pn_type */
    const char *category;                 /* label from the category file, or NULL */
    int n_alt;                            /* other valid readings, best first */
    char alt[NUM_MAX_ALT][NUM_MAX_E164 + 2];
} num_result;

typedef struct num_ctx num_ctx;

/* home: ISO alpha-2 of the honeypot's country (NULL: NUM_DEFAULT_HOME);
 * cache_max: distinct numbers whose libphonenumber facts are kept (0:
 * NUM_DEFAULT_CACHE; when full, the cache starts over). NULL when the home
 * country is unknown or memory is short. */
num_ctx *num_ctx_new(const char *home, size_t cache_max);
void num_ctx_free(num_ctx *ctx);
const char *num_ctx_home(const num_ctx *ctx);

/* Loads category labels: lines "<number or prefix><TAB><label>", '#'
 * comments; the number in E.164 with or without '+'; an entry matches
 * every number that starts with it, the longest wins. Adds to what was
 * loaded before. Returns entries loaded, or -1 with a message in err. */
long num_ctx_load_categories(num_ctx *ctx, const char *path, char *err, size_t errlen);

/* Adds one category entry (the same syntax as a file line's two fields). */
int num_ctx_add_category(num_ctx *ctx, const char *number, const char *label);

/* Reads a dial string (len bytes, need not be NUL-terminated; a Request-URI
 * user part, tel: number or typed digits). Always fills out; returns
 * out->status. */
num_status num_normalize(num_ctx *ctx, const char *dial, size_t len, num_result *out);

/* Facts about an E.164 number (digits without '+'), memoised in ctx. */
int num_lookup(num_ctx *ctx, const char *digits, pn_info *out);

/* How many distinct numbers were passed to libphonenumber (cache misses). */
unsigned long num_ctx_lookups(const num_ctx *ctx);

const char *num_status_name(num_status s);

#endif
