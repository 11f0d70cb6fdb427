/*
 * jsonl.c - the loader behind `sipsnare ingest`: a parsing thread fills
 * batches (the line bytes, their decoded strings and the events pointing
 * into them, plus the reasons for bad lines), the calling thread stores
 * them. A few batches circulate between a free list and a ready list, so
 * memory stays bounded whatever the input size.
 */
#include "ingest/jsonl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "ingest/event_json.h"
#include "ingest/reader.h"

enum {
    BATCH_EVENTS = 4096,
    BATCH_ARENA = 4 << 20,   /* line copies + decoded strings + reasons */
    N_BATCHES = 4,
    WHY_MAX = 200,
};

typedef struct {
    const char *file;
    uint64_t line;
    char *why;               /* in the arena */
} bad_rec;

typedef struct batch {
    store_event ev[BATCH_EVENTS];
    size_t nev;
    bad_rec *bad;
    size_t nbad, cap_bad;
    char *arena;
    size_t used;
    uint64_t lines;          /* lines read into this batch */
    uint64_t bytes_in;       /* total input bytes read when it was closed */
    int files_opened, files_failed;
    struct batch *next;
} batch;

typedef struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    batch *free_list;
    batch *ready, **ready_tail;
    int done;                /* the parser has queued its last batch */
    int stop;                /* the loader gave up: the parser should end */
    /* parser side */
    const char *const *files;
    size_t nfiles;
    event_json_opts jopts;
    uint64_t bytes_done;     /* input bytes of files already finished */
} pipeline;

/* ---- the queue ------------------------------------------------------------------ */

static batch *take_free(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->free_list && !p->stop)
        pthread_cond_wait(&p->cv, &p->mu);
    batch *b = p->stop ? NULL : p->free_list;
    if (b)
        p->free_list = b->next;
    pthread_mutex_unlock(&p->mu);
    if (b) {
        b->nev = b->nbad = b->used = 0;
        b->lines = 0;
        b->files_opened = b->files_failed = 0;
        b->next = NULL;
    }
    return b;
}

static void give_free(pipeline *p, batch *b)
{
    pthread_mutex_lock(&p->mu);
    b->next = p->free_list;
    p->free_list = b;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

static void put_ready(pipeline *p, batch *b)
{
    pthread_mutex_lock(&p->mu);
    b->next = NULL;
    *p->ready_tail = b;
    p->ready_tail = &b->next;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
}

/* The next ready batch, NULL when the parser is done and all are taken. */
static batch *take_ready(pipeline *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->ready && !p->done)
        pthread_cond_wait(&p->cv, &p->mu);
    batch *b = p->ready;
    if (b) {
        p->ready = b->next;
        if (!p->ready)
            p->ready_tail = &p->ready;
    }
    pthread_mutex_unlock(&p->mu);
    return b;
}

/* ---- the parsing thread ------------------------------------------------------------ */

/* Room for n more bytes in b's arena? */
static int arena_room(const batch *b, size_t n) { return BATCH_ARENA - b->used >= n; }

static int add_bad(batch *b, const char *file, uint64_t line, const char *why)
{
    if (b->nbad == b->cap_bad) {
        size_t ncap = b->cap_bad ? b->cap_bad * 2 : 64;
        bad_rec *nb = realloc(b->bad, ncap * sizeof *nb);
        if (!nb)
            return -1;
        b->bad = nb;
        b->cap_bad = ncap;
    }
    size_t n = strnlen(why, WHY_MAX - 1);   /* callers made room for WHY_MAX */
    char *w = b->arena + b->used;
    memcpy(w, why, n);
    w[n] = '\0';
    b->used += n + 1;
    b->bad[b->nbad++] = (bad_rec){file, line, w};
    return 0;
}

/* Closes b (hands it to the loader) and returns a fresh one, NULL when
 * the loader stopped. */
static batch *ship(pipeline *p, batch *b, uint64_t bytes_in)
{
    b->bytes_in = bytes_in;
    put_ready(p, b);
    return take_free(p);
}

static void *parse_thread(void *arg)
{
    pipeline *p = arg;
    batch *b = take_free(p);
    char why[WHY_MAX];
    for (size_t f = 0; b && f < p->nfiles; f++) {
        const char *file = p->files[f];
        const char *name = strcmp(file, "-") == 0 ? "(stdin)" : file;
        char err[256];
        reader *r = reader_open(file, err, sizeof err);
        if (!r) {
            if (!arena_room(b, WHY_MAX))
                b = ship(p, b, p->bytes_done);
            if (!b)
                break;
            b->files_failed++;
            add_bad(b, name, 0, err);
            continue;
        }
        b->files_opened++;
        uint64_t lineno = 0;
        const char *line;
        size_t len;
        reader_status rs;
        while ((rs = reader_next(r, &line, &len)) > 0) {
            lineno++;
            /* the line is copied (its reader buffer moves on), decoded
             * strings go right after it: 2 * len + a reason at most */
            size_t need = 2 * len + WHY_MAX + 1;
            if (b->nev == BATCH_EVENTS || !arena_room(b, need)) {
                b = ship(p, b, p->bytes_done + reader_bytes_in(r));
                if (!b)
                    break;
            }
            b->lines++;
            if (rs == READER_TOO_LONG) {
                snprintf(why, sizeof why, "line longer than %d bytes", READER_MAX_LINE);
                add_bad(b, name, lineno, why);
                continue;
            }
            char *copy = b->arena + b->used;
            memcpy(copy, line, len);
            char *scratch = copy + len;
            store_event *ev = &b->ev[b->nev];
            if (event_json_parse(copy, len, &p->jopts, ev, scratch, why, sizeof why) != 0) {
                add_bad(b, name, lineno, why);
                continue;
            }
            if (rs == READER_TORN) {
                /* even a complete object: the writer may not have finished
                 * the line, and the next load will see it whole */
                add_bad(b, name, lineno, "no newline at the end of the file (torn last line)");
                continue;
            }
            b->used += 2 * len;
            b->nev++;
        }
        if (b && rs == READER_ERROR) {
            if (!arena_room(b, WHY_MAX))
                b = ship(p, b, p->bytes_done + reader_bytes_in(r));
            if (b) {
                b->files_failed++;
                add_bad(b, name, 0, reader_error(r));
            }
        }
        p->bytes_done += reader_bytes_in(r);
        reader_close(r);
    }
    if (b) {
        b->bytes_in = p->bytes_done;
        put_ready(p, b);
    }
    pthread_mutex_lock(&p->mu);
    p->done = 1;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

/* ---- the loading thread (the caller's) ------------------------------------------------ */

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int64_t total_size(const char *const *files, size_t n)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat sb;
        if (strcmp(files[i], "-") == 0)
            return -1;
        if (stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode))
            sum += sb.st_size;
    }
    return sum;
}

int ingest_jsonl(store *st, const char *const *files, size_t nfiles, const ingest_opts *opts,
                 ingest_stats *out, char *err, size_t errlen)
{
    ingest_stats s = {0};
    s.bytes_total = total_size(files, nfiles);
    *out = s;
    pipeline p = {.files = files, .nfiles = nfiles, .jopts = {.keep_raw = opts->keep_raw}};
    pthread_mutex_init(&p.mu, NULL);
    pthread_cond_init(&p.cv, NULL);
    p.ready_tail = &p.ready;
    batch *all[N_BATCHES] = {0};
    int rc = -1;
    for (int i = 0; i < N_BATCHES; i++) {
        all[i] = calloc(1, sizeof *all[i]);
        if (!all[i] || !(all[i]->arena = malloc(BATCH_ARENA))) {
            snprintf(err, errlen, "out of memory");
            goto out_free;
        }
        all[i]->next = p.free_list;
        p.free_list = all[i];
    }
    if (store_load_begin(st) != 0 || store_begin(st) != 0) {
        snprintf(err, errlen, "%s", store_errmsg(st));
        goto out_free;
    }
    pthread_t th;
    if (pthread_create(&th, NULL, parse_thread, &p) != 0) {
        snprintf(err, errlen, "cannot start the parsing thread");
        store_rollback(st);
        goto out_free;
    }
    size_t commit_every = opts->commit_every ? opts->commit_every : INGEST_COMMIT_EVERY;
    size_t pending = 0;
    double last = now_s();
    int failed = 0;
    batch *b;
    while ((b = take_ready(&p)) != NULL) {
        if (!failed) {
            size_t added = 0;
            if (store_insert(st, b->ev, b->nev, &added) != 0) {
                snprintf(err, errlen, "%s", store_errmsg(st));
                failed = 1;
                pthread_mutex_lock(&p.mu);
                p.stop = 1;     /* the parser ends at its next batch */
                pthread_cond_broadcast(&p.cv);
                pthread_mutex_unlock(&p.mu);
            } else {
                s.added += added;
                s.duplicates += b->nev - added;
                s.lines += b->lines;
                s.files += (uint64_t)b->files_opened;
                s.files_failed += (uint64_t)b->files_failed;
                for (size_t i = 0; i < b->nbad; i++) {
                    if (b->bad[i].line > 0)
                        s.bad++;
                    if (opts->bad_line)
                        opts->bad_line(opts->arg, b->bad[i].file, b->bad[i].line, b->bad[i].why);
                }
                s.bytes_in = b->bytes_in;
                pending += b->nev;
                if (pending >= commit_every) {
                    pending = 0;
                    if (store_commit(st) != 0 || store_begin(st) != 0) {
                        snprintf(err, errlen, "%s", store_errmsg(st));
                        failed = 1;
                        pthread_mutex_lock(&p.mu);
                        p.stop = 1;
                        pthread_cond_broadcast(&p.cv);
                        pthread_mutex_unlock(&p.mu);
                    }
                }
            }
        }
        give_free(&p, b);
        double t = now_s();
        if (opts->progress && t - last >= 0.1) {
            last = t;
            opts->progress(opts->arg, &s);
        }
    }
    pthread_join(th, NULL);
    if (failed) {
        store_rollback(st);
        store_load_end(st);   /* indexes dropped by load_begin come back */
    } else if (store_commit(st) != 0 || store_load_end(st) != 0) {
        snprintf(err, errlen, "%s", store_errmsg(st));
    } else {
        rc = 0;
    }
    if (opts->progress)
        opts->progress(opts->arg, &s);
out_free:
    for (int i = 0; i < N_BATCHES; i++) {
        if (all[i]) {
            free(all[i]->arena);
            free(all[i]->bad);
            free(all[i]);
        }
    }
    pthread_mutex_destroy(&p.mu);
    pthread_cond_destroy(&p.cv);
    *out = s;
    return rc;
}
