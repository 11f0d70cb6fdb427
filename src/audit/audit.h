/*
 * audit.h - checks an Asterisk configuration (chan_sip sip.conf, res_pjsip
 * pjsip.conf, the extensions.conf dialplan) against the study's advice:
 * long mixed passwords, usernames different from extension numbers, no
 * enumeration (alwaysauthreject), no unauthenticated calls, and no path from
 * an unauthenticated caller to international or PSTN numbers. Every check
 * and its severity is described in docs/AUDIT.md.
 */
#ifndef SIPSNARE_AUDIT_H
#define SIPSNARE_AUDIT_H

#include <stddef.h>

#include "audit/astconf.h"

typedef enum {
    AUD_INFO, AUD_LOW, AUD_MEDIUM, AUD_HIGH, AUD_CRITICAL
} aud_severity;

const char *aud_severity_name(aud_severity s);      /* "info" ... "critical" */
int aud_severity_parse(const char *s, aud_severity *out); /* 0, or -1 */

typedef struct aud_finding {
    aud_severity severity;
    const char *id;     /* stable, e.g. "weak-secret" (static) */
    char *file;         /* may be "" when the finding has no place */
    int line;           /* 0: the file as a whole */
    char *section;      /* "" when none */
    char *message;
    char *fix;
} aud_finding;

typedef struct aud_report {
    aud_finding *f;
    size_t n, cap;
} aud_report;

/* The weak-password dictionary: lower-cased, sorted, unique. */
typedef struct aud_dict {
    char **words;
    size_t n;
} aud_dict;

enum { AUD_DICT_MAX_WORDS = 100000, AUD_DICT_MAX_WORD = 128 };

/* Loads a word list (one per line, '#' comments, blanks ignored). Returns
 * 0, or -1 with a message in err. path NULL: data/weak-passwords.txt from
 * the data directories (util/datapath.h). */
int aud_dict_load(aud_dict *d, const char *path, char *err, size_t errlen);
int aud_dict_has(const aud_dict *d, const char *word); /* case-insensitive */
void aud_dict_free(aud_dict *d);

typedef struct aud_input {
    const astconf *sip;      /* each may be NULL */
    const astconf *pjsip;
    const astconf *ext;
    const aud_dict *dict;    /* may be NULL (no dictionary check) */
} aud_input;

/* Runs every check; findings are appended to out, sorted by severity
 * (highest first), file, line and id. Returns 0, or -1 when out of memory. */
int audit_run(const aud_input *in, aud_report *out);
void aud_report_free(aud_report *r);

/* The highest severity in r, or -1 when r is empty. */
int aud_report_max(const aud_report *r);

/* Exposed for tests: Asterisk extension pattern match ("_00X." against
 * "0044..."); a pattern without '_' matches only itself. */
int aud_pattern_match(const char *pattern, const char *number);

/* Appends a finding (fmt: the message, then '\v', then the fix); 0, or -1
 * when out of memory. Findings are sorted by audit_run and aud_report_sort:
 * most severe first, then file and line. */
int aud_add(aud_report *r, aud_severity sev, const char *id, const char *file, int line,
            const char *section, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
void aud_report_sort(aud_report *r);

/* What attackers already did to this PBX's accounts, from a sipsnare store
 * (its honeypots' events, or this PBX's own logs ingested): for every peer,
 * endpoint and auth user name of the configuration, requests aimed at it,
 * failed and accepted authentications, distinct sources. Adds findings
 * "account-probed" (medium), "account-bruteforced" (high),
 * "account-guessed" (critical: accepted after failures). 0, or -1 with the
 * reason in err. */
struct store;
int audit_exposure(struct store *st, const aud_input *in, aud_report *out, char *err, size_t errlen);

#endif
