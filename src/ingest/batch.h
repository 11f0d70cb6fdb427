/*
 * batch.h - store_events from a decoder (captures, Asterisk logs) into the
 * store: copied into a batch (the decoder's strings live only during its
 * callback), inserted LOAD_BATCH at a time inside one bulk load, committed
 * every INGEST_COMMIT_EVERY events. The JSON-lines path (jsonl.c) has its
 * own two-thread pipeline; this is the simple one for the other formats.
 */
#ifndef SIPSNARE_INGEST_BATCH_H
#define SIPSNARE_INGEST_BATCH_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct ingest_batch ingest_batch;

/* Begins a bulk load and a transaction; NULL with the reason in err. */
ingest_batch *ingest_batch_open(store *st, char *err, size_t errlen);

/* Copies ev into the batch (inserting the batch when full). After a store
 * failure further events are ignored; ingest_batch_close reports it. */
void ingest_batch_add(ingest_batch *b, const store_event *ev);

/* Inserts what is left, commits and ends the load (or rolls back after a
 * failure). Returns 0, or -1 with the store's reason in err. Frees b. */
int ingest_batch_close(ingest_batch *b, uint64_t *added, uint64_t *duplicates, char *err,
                       size_t errlen);

#endif
