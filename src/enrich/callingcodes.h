/*
 * callingcodes.h - the tables generated into callingcodes.c by
 * scripts/gen-callingcodes.pl from Perl's Number::Phone::Country data
 * (licence and attribution in callingcodes.c). Only number.c reads them.
 */
#ifndef SIPSNARE_CALLINGCODES_H
#define SIPSNARE_CALLINGCODES_H

#include <stddef.h>

/* A calling code or a longer prefix of one; sorted by prefix (strcmp). */
struct cc_prefix {
    const char *prefix;     /* digits, country code first: "44", "441481" */
    unsigned char cc_len;   /* how many of them are the country code */
    const char *country;    /* ISO 3166 alpha-2, or an X?- label */
    const char *shared;     /* countries to try in order ("GB GG IM JE"), or NULL */
};

/* NANP area code -> country; sorted by area. */
struct cc_nanp {
    const char *area;
    const char *country;
};

/* Validity of a national number of a country that shares its code. */
struct cc_validator {
    const char *country;
    const char *valid_re;           /* POSIX ERE, anchored both ends */
    const char *national_prefix_re; /* POSIX ERE anchored at start, or NULL */
};

/* A country's dialling plan. */
struct cc_plan {
    const char *country;
    const char *cc;        /* calling code digits */
    const char *idd;       /* usual international prefix, or NULL */
    const char *ndd;       /* national (trunk) prefix, or NULL */
    const char *idd_re;    /* every international prefix, POSIX ERE anchored at start, or NULL */
};

extern const char cc_data_version[];
extern const struct cc_prefix cc_prefixes[];
extern const size_t cc_prefixes_len;
extern const struct cc_nanp cc_nanp_areas[];
extern const size_t cc_nanp_areas_len;
extern const struct cc_validator cc_validators[];
extern const size_t cc_validators_len;
extern const struct cc_plan cc_plans[];
extern const size_t cc_plans_len;

#endif
