/*
 * phonenumber_adapter.h - the part of libphonenumber (C++, Debian
 * libphonenumber-dev) that sipsnare uses, callable from C. The adapter keeps
 * no state of its own besides libphonenumber's singleton; callers memoise
 * (number.c keeps a bounded cache, one call per distinct number).
 * Thread safety: libphonenumber's PhoneNumberUtil is safe to share.
 */
#ifndef SIPSNARE_PHONENUMBER_ADAPTER_H
#define SIPSNARE_PHONENUMBER_ADAPTER_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Number types, libphonenumber's PhoneNumberType in the same order. */
enum pn_type {
    PN_FIXED_LINE = 0,
    PN_MOBILE,
    PN_FIXED_LINE_OR_MOBILE,
    PN_TOLL_FREE,
    PN_PREMIUM_RATE,
    PN_SHARED_COST,
    PN_VOIP,
    PN_PERSONAL_NUMBER,
    PN_PAGER,
    PN_UAN,
    PN_VOICEMAIL,
    PN_UNKNOWN,
    PN_TYPE_COUNT
};

typedef struct {
    int valid;          /* libphonenumber IsValidNumber */
    int possible;       /* IsPossibleNumber (length fits the country) */
    int type;           /* enum pn_type; PN_UNKNOWN when not valid */
    char region[4];     /* region of a valid number ("BR"), "001" non-geographic, "" */
} pn_info;

/* Looks up an international number given as its digits (country code first,
 * no '+', at most 20 digits). Returns 0, or -1 when libphonenumber cannot
 * parse it (out is then all zero, type PN_UNKNOWN). */
int pn_lookup(const char *digits, pn_info *out);

/* Whether the digits form a valid number for region (ISO alpha-2). */
int pn_valid_for_region(const char *digits, const char *region);

/* Calls cb(region, digits, type, arg) for every example number libphonenumber
 * has, region by region (sorted), type by type; returns how many. Used to
 * build test data (scripts/gen-example-numbers.sh). */
size_t pn_examples(void (*cb)(const char *region, const char *digits, int type, void *arg),
                   void *arg);

/* The libphonenumber name of a type, lower case ("mobile", "toll_free"). */
const char *pn_type_name(int type);

#ifdef __cplusplus
}
#endif

#endif
