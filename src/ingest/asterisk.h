/*
 * asterisk.h - a real PBX's own records as events, so that the reports
 * (docs/REPORTS.md) run over a production Asterisk as over a honeypot:
 *
 *   - the security log (res_security_log, `security` in logger.conf):
 *     `[time] SECURITY[pid] res_security_log.c: SecurityEvent="...",...`
 *     key="value" lines (InvalidAccountID, ChallengeResponseFailed,
 *     InvalidPassword, SuccessfulAuth, FailedACL, ChallengeSent, ...);
 *   - the `messages`/`full` log's notices of chan_sip and res_pjsip:
 *     failed registrations and requests ("Registration from '...' failed for
 *     '...' - Wrong password", "Request 'INVITE' from '...' failed for '...'
 *     (callid: ...) - No matching endpoint found") and calls rejected for an
 *     unknown extension ("Call from '' (ip:port) to extension '00972...'
 *     rejected because extension not found in context 'default'.");
 *   - CDR CSV files (cdr_csv's Master.csv): one INVITE per call record, the
 *     dialed number in `dst`.
 * Other log lines are skipped (counted), not errors. Rules and field
 * mapping: docs/STORE.md, "Asterisk logs and CDRs".
 *
 * Identity: run "" and as seq a hash of the line (ingest_line_seq), as for
 * foreign JSON lines: the same line loads once. Times without a year (the
 * logger's default "Jan  1 10:00:00") take the year given; all times are
 * read as UTC.
 */
#ifndef SIPSNARE_INGEST_ASTERISK_H
#define SIPSNARE_INGEST_ASTERISK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

enum {
    AST_MAX_FIELDS = 48,       /* key="value" pairs or CSV fields read per line */
    AST_MAX_LINE = 16384,      /* longer lines are bad */
};

typedef enum { AST_NONE = 0, AST_LOG, AST_CDR } ast_format;

/* What a file is, from its first non-empty line (plain, gzip or zstd). */
ast_format asterisk_sniff(const char *path);
ast_format asterisk_sniff_line(const char *line, size_t len);

/* Scratch space for one decoded line (unescaped strings, addresses). */
typedef struct {
    char buf[AST_MAX_LINE + 1024];
    size_t used;
} ast_scratch;

/*
 * Decodes one line (without '\n') into ev. Returns 1 (an event), 0 (a line
 * that is no event: other messages, a CDR header) or -1 (bad: why says
 * it). ev's strings point into line and sc, which must outlive it.
 */
int asterisk_decode_line(ast_format fmt, const char *line, size_t len, const char *sensor,
                         int year, store_event *ev, ast_scratch *sc, char *why, size_t whylen);

typedef struct {
    const char *sensor;        /* NULL: "asterisk:" + file basename */
    int year;                  /* for stamps without one; 0: the current year */
    /* A bad line (from 1), or the file itself (line 0). */
    void (*on_bad)(void *arg, const char *file, uint64_t line, const char *why);
    void *arg;
} ast_opts;

typedef struct {
    uint64_t lines, events, skipped, bad, added, duplicates;
} ast_stats;

/* Loads one file into st. Returns 0, or -1 when the store failed (err).
 * *file_failed: the file could not be read to its end (reported through
 * on_bad with line 0; what was read before is stored). */
int asterisk_ingest(store *st, const char *path, ast_format fmt, const ast_opts *o,
                    ast_stats *s, bool *file_failed, char *err, size_t errlen);

#endif
