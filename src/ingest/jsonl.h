/*
 * jsonl.h - loading sensor event logs (JSON lines, plain/.gz/.zst) into a
 * store: what `sipsnare ingest` does, without the terminal.
 *
 * Two threads: one reads and parses lines into batches, the caller's
 * thread inserts them (one transaction per commit_every events), so
 * parsing and the database work at the same time. A bad line (invalid
 * JSON, wrong types, missing fields, over READER_MAX_LINE, a torn last line
 * without '\n') is counted and reported through bad_line, never stops the
 * load, and never costs a good line. Events already stored are counted as
 * duplicates: loading the same file twice adds nothing.
 */
#ifndef SIPSNARE_INGEST_JSONL_H
#define SIPSNARE_INGEST_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct {
    uint64_t files;          /* files opened */
    uint64_t files_failed;   /* could not be opened or read to the end */
    uint64_t lines;          /* lines read (torn and too-long ones included) */
    uint64_t added;          /* events new to the store */
    uint64_t duplicates;     /* events the store already had */
    uint64_t bad;            /* lines that are no event */
    uint64_t bytes_in;       /* input bytes read so far (compressed) */
    int64_t bytes_total;     /* sum of the input files' sizes, -1 if unknown (stdin) */
} ingest_stats;

typedef struct {
    bool keep_raw;           /* store "raw" (the received message) when present */
    size_t commit_every;     /* events per transaction; 0: INGEST_COMMIT_EVERY */
    /* Each bad line, in input order (line 0: the file could not be read,
     * why says how). Called from the caller's thread. */
    void (*bad_line)(void *arg, const char *file, uint64_t line, const char *why);
    /* The running totals, about every 100 ms and once at the end. */
    void (*progress)(void *arg, const ingest_stats *st);
    void *arg;
} ingest_opts;

enum { INGEST_COMMIT_EVERY = 200000 };

/*
 * Loads files ("-" for stdin) into st, in order. Returns 0 when every
 * event read reached the store (bad lines and unreadable files are only
 * counted), -1 when the store failed (reason in err; events of committed
 * transactions stay, the open one is rolled back). *out gets the totals.
 */
int ingest_jsonl(store *st, const char *const *files, size_t nfiles, const ingest_opts *opts,
                 ingest_stats *out, char *err, size_t errlen);

#endif
