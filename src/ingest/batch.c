/*
 * batch.c - batched, copying inserts for decoders (batch.h).
 */
#include "ingest/batch.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/jsonl.h"

enum {
    LOAD_BATCH = 1024,
    LOAD_ARENA = 4 << 20,
};

/* The string fields of store_event, copied into a batch's arena. */
static const size_t str_fields[] = {
    offsetof(store_event, eventid), offsetof(store_event, sensor),
    offsetof(store_event, run), offsetof(store_event, transport),
    offsetof(store_event, src_ip), offsetof(store_event, dst_ip),
    offsetof(store_event, method), offsetof(store_event, ruri),
    offsetof(store_event, ruri_user), offsetof(store_event, from_user),
    offsetof(store_event, from_tag), offsetof(store_event, to_user),
    offsetof(store_event, contact_user), offsetof(store_event, call_id),
    offsetof(store_event, user_agent), offsetof(store_event, auth_user),
    offsetof(store_event, auth_realm), offsetof(store_event, auth_algorithm),
    offsetof(store_event, auth_outcome), offsetof(store_event, warnings),
    offsetof(store_event, server), offsetof(store_event, reason),
    offsetof(store_event, raw),
};

struct ingest_batch {
    store *st;
    uint64_t added, duplicates;
    store_event ev[LOAD_BATCH];
    size_t nev;
    char *arena;
    size_t used;
    size_t since_commit;
    bool failed;
    char err[256];
};

static void flush(ingest_batch *b)
{
    if (b->failed || b->nev == 0) {
        b->nev = 0;
        b->used = 0;
        return;
    }
    size_t added = 0;
    if (store_insert(b->st, b->ev, b->nev, &added) != 0) {
        snprintf(b->err, sizeof b->err, "%s", store_errmsg(b->st));
        b->failed = true;
    } else {
        b->added += added;
        b->duplicates += b->nev - added;
        b->since_commit += b->nev;
        if (b->since_commit >= INGEST_COMMIT_EVERY) {
            if (store_commit(b->st) != 0 || store_begin(b->st) != 0) {
                snprintf(b->err, sizeof b->err, "%s", store_errmsg(b->st));
                b->failed = true;
            }
            b->since_commit = 0;
        }
    }
    b->nev = 0;
    b->used = 0;
}

ingest_batch *ingest_batch_open(store *st, char *err, size_t errlen)
{
    ingest_batch *b = calloc(1, sizeof *b);
    char *arena = malloc(LOAD_ARENA);
    if (!b || !arena) {
        free(b);
        free(arena);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    b->st = st;
    b->arena = arena;
    if (store_load_begin(st) != 0 || store_begin(st) != 0) {
        snprintf(err, errlen, "%s", store_errmsg(st));
        free(arena);
        free(b);
        return NULL;
    }
    return b;
}

void ingest_batch_add(ingest_batch *b, const store_event *ev)
{
    if (b->failed)
        return;
    size_t need = 0;
    for (size_t i = 0; i < sizeof str_fields / sizeof str_fields[0]; i++)
        need += ((const store_str *)((const char *)ev + str_fields[i]))->len;
    if (need > LOAD_ARENA) {   /* cannot happen with the decoders' limits */
        snprintf(b->err, sizeof b->err, "event too large to load (%zu bytes)", need);
        b->failed = true;
        return;
    }
    if (b->nev == LOAD_BATCH || LOAD_ARENA - b->used < need)
        flush(b);
    if (b->failed)
        return;
    store_event *e = &b->ev[b->nev++];
    *e = *ev;
    for (size_t i = 0; i < sizeof str_fields / sizeof str_fields[0]; i++) {
        store_str *v = (store_str *)((char *)e + str_fields[i]);
        if (v->p == NULL)
            continue;
        if (v->len)
            memcpy(b->arena + b->used, v->p, v->len);
        v->p = b->arena + b->used;
        b->used += v->len;
    }
}

int ingest_batch_close(ingest_batch *b, uint64_t *added, uint64_t *duplicates, char *err,
                       size_t errlen)
{
    flush(b);
    *added = b->added;
    *duplicates = b->duplicates;
    int rc = 0;
    if (b->failed) {
        snprintf(err, errlen, "%s", b->err);
        store_rollback(b->st);
        store_load_end(b->st);
        rc = -1;
    } else if (store_commit(b->st) != 0 || store_load_end(b->st) != 0) {
        snprintf(err, errlen, "%s", store_errmsg(b->st));
        rc = -1;
    }
    free(b->arena);
    free(b);
    return rc;
}
