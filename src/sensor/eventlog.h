/*
 * eventlog.h - the sensor's durable JSON-lines log.
 *
 * The network loop appends encoded events to a batch buffer and calls
 * eventlog_flush() before it sends the batch's responses, so an event is in
 * the file (the kernel's page cache: it survives a kill -9 of the sensor)
 * no later than its response leaves. A separate thread calls fdatasync()
 * every sync_interval_ms, so the loop never waits on the disk itself.
 * If the log cannot be written, flush fails and the caller must not send
 * the batch's responses: nothing is answered that is not logged.
 */
#ifndef SIPSNARE_EVENTLOG_H
#define SIPSNARE_EVENTLOG_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { EVENTLOG_BUFFER = 1 << 20 };  /* batch buffer; flushed when full */

typedef struct {
    int fd;                 /* -1 for stdout-less "discard" logs       */
    char *path;
    char *buf;
    size_t len;
    unsigned sync_interval_ms;
    uint64_t events, bytes, write_errors, syncs;
    pthread_t syncer;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool stop, started, dirty;
    bool found_torn_line;   /* the file ended in a torn line when opened */
} eventlog;

/* Opens (creates, appends to) path; mode 0640. sync_interval_ms 0 means
 * fdatasync after every flush (slow, for tests of durability). Returns 0 or
 * -1 with errno set. */
int eventlog_open(eventlog *log, const char *path, unsigned sync_interval_ms);
/* Appends one encoded line to the batch (flushing first if it is full).
 * Returns 0, or -1 if a needed flush failed. */
int eventlog_append(eventlog *log, const char *line, size_t len);
/* In-place append: room for up to max bytes at the end of the batch
 * (flushing first if it is too full), or NULL if max exceeds the buffer
 * or a needed flush failed. Write the line there, then eventlog_commit()
 * its length (0 commits nothing). Saves a copy of every line. */
char *eventlog_reserve(eventlog *log, size_t max);
void eventlog_commit(eventlog *log, size_t len);
/* Writes the whole batch to the file. Returns 0 or -1 (batch kept). */
int eventlog_flush(eventlog *log);
/* Closes and reopens the path (after logrotate moved the file). */
int eventlog_reopen(eventlog *log);
/* Flushes, syncs, stops the sync thread, closes. */
void eventlog_close(eventlog *log);

#endif
