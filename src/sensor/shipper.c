/*
 * shipper.c - the sensor's event log into a central store, the log being
 * the spool (shipper.h, docs/HONEYNET.md).
 *
 * One step reads from the committed offset with pread() into a fixed
 * buffer, parses the complete lines there (at most `batch` events) in
 * place, inserts them in one transaction and only after the commit moves
 * the offset and rewrites the state file. Nothing else is kept between
 * steps, so a failed step is simply done again later.
 */
#include "sensor/shipper.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ingest/event_json.h"
#include "ingest/reader.h"
#include "sensor/config.h"
#include "sensor/privdrop.h"
#include "store/store.h"

enum {
    SHIP_BUF = 4 << 20,          /* bytes read per step; lines up to READER_MAX_LINE */
    SHIP_ROTATE_GRACE_MS = 5000, /* old file quiet this long: the sensor has reopened */
    WHY_MAX = 256,
};

struct shipper {
    shipper_opts o;
    char target[1024];
    char shown_target[1024];     /* password redacted */
    char log_path[PATH_MAX];
    char state_path[PATH_MAX];
    int lock_fd;
    store *st;
    int fd;                      /* the file being shipped, -1 if none yet */
    dev_t dev;
    ino_t ino;
    char name[PATH_MAX + 16];    /* its name in messages */
    uint64_t off, line;          /* committed: byte offset, lines before it */
    uint64_t reported;           /* bad lines reported up to this line number */
    bool rotating;               /* the path now names another file */
    int64_t rotate_since_ms;
    bool state_warned;
    char *buf, *scratch;
    store_event *ev;
    shipper_stats s;
};

static int64_t now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* ---- names and redaction -------------------------------------------------------- */

int shipper_state_path(const shipper_opts *o, char *out, size_t cap)
{
    int n;
    if (o->state_path && o->state_path[0])
        n = snprintf(out, cap, "%s", o->state_path);
    else
        n = snprintf(out, cap, "%s.ship", o->log_path);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

void shipper_redact(const char *target, char *out, size_t cap)
{
    snprintf(out, cap, "%s", target);
    char *scheme = strstr(out, "://");
    if (!scheme)
        return;
    char *auth = scheme + 3;
    char *end = auth + strcspn(auth, "/?#");
    char *at = NULL;
    for (char *p = auth; p < end; p++)
        if (*p == '@')
            at = p;
    char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) {
        /* user:secret@host -> user:***@host */
        size_t tail = strlen(at) + 1;
        if ((size_t)(colon + 1 - out) + 3 + tail <= cap) {
            memmove(colon + 4, at, tail);
            memcpy(colon + 1, "***", 3);
        }
    }
    /* a password=... parameter in the query string, too */
    char *q = strchr(out, '?');
    for (char *pw = q; pw && (pw = strstr(pw, "password=")) != NULL; pw += 9) {
        if (pw[-1] != '?' && pw[-1] != '&')
            continue;
        char *v = pw + 9;
        char *vend = v + strcspn(v, "&#");
        size_t rest = strlen(vend) + 1;
        if ((size_t)(v - out) + 3 + rest <= cap) {
            memmove(v + 3, vend, rest);
            memcpy(v, "***", 3);
        }
        break;
    }
}

/* ---- the state file ------------------------------------------------------------- */

/* FNV-1a: the state's line carries the hash of its fields, so a damaged
 * file is told from a good one. */
static uint32_t fnv1a(const char *s, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 16777619u;
    }
    return h;
}

typedef struct {
    unsigned long long dev, ino, off, line;
    unsigned head;      /* hash of the file's first min(off, HEAD_BYTES) bytes */
} ship_state;

enum { HEAD_BYTES = 256 };

/* The fingerprint of a file: device and inode can be reused by a new file
 * once the old one is deleted; its first bytes (an event's timestamp and
 * run id) tell the two apart. */
static unsigned head_hash(int fd, unsigned long long off)
{
    char b[HEAD_BYTES];
    size_t want = off < HEAD_BYTES ? (size_t)off : HEAD_BYTES;
    ssize_t n = pread(fd, b, want, 0);
    return n < 0 || (size_t)n != want ? 0 : fnv1a(b, want);
}

/* 1 loaded, 0 no state file, -1 unreadable or damaged (reason in why). */
static int state_load(const char *path, ship_state *out, char *why, size_t whylen)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n < 0) {
        snprintf(why, whylen, "%s", strerror(errno));
        return -1;
    }
    buf[n] = '\0';
    ship_state s;
    unsigned sum = 0;
    int used = -1, body = -1;
    if (sscanf(buf, "sipsnare-ship 1 dev=%llu ino=%llu offset=%llu line=%llu head=%8x%n sum=%8x\n%n",
               &s.dev, &s.ino, &s.off, &s.line, &s.head, &body, &sum, &used) != 6 ||
        body < 0 || used != n || fnv1a(buf, (size_t)body) != sum) {
        snprintf(why, whylen, "damaged state file");
        return -1;
    }
    *out = s;
    return 1;
}

/* Writes the state: a temporary file, fsync, rename over the old one,
 * fsync of the directory. */
static int state_save(shipper *sh)
{
    char body[200], text[256], tmp[PATH_MAX + 8], dir[PATH_MAX];
    int n = snprintf(body, sizeof body,
                     "sipsnare-ship 1 dev=%llu ino=%llu offset=%llu line=%llu head=%08x",
                     (unsigned long long)sh->dev, (unsigned long long)sh->ino,
                     (unsigned long long)sh->off, (unsigned long long)sh->line,
                     sh->fd >= 0 ? head_hash(sh->fd, sh->off) : 0);
    int len = snprintf(text, sizeof text, "%s sum=%08x\n", body, fnv1a(body, (size_t)n));
    snprintf(tmp, sizeof tmp, "%s.tmp", sh->state_path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    int ok = fd >= 0 && write(fd, text, (size_t)len) == len && fsync(fd) == 0;
    int saved_errno = errno;
    if (fd >= 0)
        close(fd);
    if (ok && rename(tmp, sh->state_path) != 0) {
        ok = 0;
        saved_errno = errno;
    }
    if (!ok) {
        if (!sh->state_warned)
            fprintf(stderr, "sipsnare ship: warning: cannot write the state %s: %s (shipping goes "
                            "on; after a restart some events are sent again and ignored)\n",
                    sh->state_path, strerror(saved_errno));
        sh->state_warned = true;
        unlink(tmp);
        return -1;
    }
    sh->state_warned = false;
    const char *slash = strrchr(sh->state_path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == sh->state_path ? 1 : (int)(slash - sh->state_path),
                 sh->state_path);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return 0;
}

/* ---- the log file --------------------------------------------------------------- */

static void set_file(shipper *sh, int fd, const struct stat *st, const char *name)
{
    if (sh->fd >= 0)
        close(sh->fd);
    sh->fd = fd;
    sh->dev = st->st_dev;
    sh->ino = st->st_ino;
    snprintf(sh->name, sizeof sh->name, "%s", name);
    sh->off = sh->line = sh->reported = 0;
    sh->rotating = false;
}

/* Opens the log at its path; 0 also when it does not exist yet (fd -1). */
static int open_path(shipper *sh)
{
    int fd = open(sh->log_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? 0 : -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return -1;
    }
    set_file(sh, fd, &st, sh->log_path);
    return 0;
}

/* After a restart with a state naming another file than the path: the log
 * was rotated while the shipper was down. Looks in the log's directory for
 * the file with the saved device and inode (log.1, log-20260101, ...). */
static int find_rotated(shipper *sh, const ship_state *s)
{
    char dir[PATH_MAX], path[PATH_MAX];
    const char *slash = strrchr(sh->log_path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == sh->log_path ? 1 : (int)(slash - sh->log_path),
                 sh->log_path);
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    struct dirent *e;
    int found = -1;
    while (found < 0 && (e = readdir(d)) != NULL) {
        if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path)
            continue;
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || (unsigned long long)st.st_dev != s->dev ||
            (unsigned long long)st.st_ino != s->ino)
            continue;
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
            continue;
        if (head_hash(fd, s->off) != s->head) {
            close(fd);
            continue;
        }
        set_file(sh, fd, &st, path);
        found = 0;
    }
    closedir(d);
    return found;
}

/* ---- construction --------------------------------------------------------------- */

shipper *shipper_new(const shipper_opts *opts, char *err, size_t errlen)
{
    shipper *sh = calloc(1, sizeof *sh);
    if (!sh) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    sh->o = *opts;
    sh->fd = -1;
    sh->lock_fd = -1;
    if (!sh->o.batch)
        sh->o.batch = 5000;
    if (!sh->o.retry_max_s)
        sh->o.retry_max_s = 30;
    if (!sh->o.poll_ms)
        sh->o.poll_ms = 250;
    if (snprintf(sh->target, sizeof sh->target, "%s", opts->target) >= (int)sizeof sh->target ||
        snprintf(sh->log_path, sizeof sh->log_path, "%s", opts->log_path) >= (int)sizeof sh->log_path ||
        shipper_state_path(opts, sh->state_path, sizeof sh->state_path) != 0) {
        snprintf(err, errlen, "target or path too long");
        free(sh);
        return NULL;
    }
    sh->o.target = sh->target;
    sh->o.log_path = sh->log_path;
    sh->o.state_path = sh->state_path;
    shipper_redact(sh->target, sh->shown_target, sizeof sh->shown_target);
    sh->buf = malloc(SHIP_BUF);
    sh->scratch = malloc(SHIP_BUF);
    sh->ev = malloc(sh->o.batch * sizeof *sh->ev);
    if (!sh->buf || !sh->scratch || !sh->ev) {
        snprintf(err, errlen, "out of memory");
        shipper_free(sh);
        return NULL;
    }

    /* One shipper per state file: a second one (a restarted sensor whose
     * old shipper still finishes, a hand-run `ship`) waits or fails here. */
    char lock[PATH_MAX + 8];
    snprintf(lock, sizeof lock, "%s.lock", sh->state_path);
    sh->lock_fd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0640);
    if (sh->lock_fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", lock, strerror(errno));
        shipper_free(sh);
        return NULL;
    }
    if (flock(sh->lock_fd, opts->wait_lock ? LOCK_EX : LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            snprintf(err, errlen, "another shipper is delivering this log (%s is locked)", lock);
        else
            snprintf(err, errlen, "cannot lock %s: %s", lock, strerror(errno));
        shipper_free(sh);
        return NULL;
    }

    ship_state s;
    char why[128];
    int have = state_load(sh->state_path, &s, why, sizeof why);
    if (have < 0)
        fprintf(stderr, "sipsnare ship: %s: %s; starting over at the beginning of %s "
                        "(events already stored are not added twice)\n",
                sh->state_path, why, sh->log_path);
    if (open_path(sh) != 0) {
        snprintf(err, errlen, "cannot open %s: %s", sh->log_path, strerror(errno));
        shipper_free(sh);
        return NULL;
    }
    if (have > 0) {
        if (sh->fd >= 0 && (unsigned long long)sh->dev == s.dev && (unsigned long long)sh->ino == s.ino) {
            struct stat st;
            if (fstat(sh->fd, &st) == 0 && ((unsigned long long)st.st_size < s.off ||
                                            head_hash(sh->fd, s.off) != s.head)) {
                fprintf(stderr, "sipsnare ship: %s is not the file of the state (truncated in "
                                "place or replaced); starting over at 0\n",
                        sh->log_path);
            } else {
                sh->off = s.off;
                sh->line = s.line;
                sh->reported = s.line;
            }
        } else if (find_rotated(sh, &s) == 0) {
            /* finish the rotated file, then go on with the path's file */
            sh->off = s.off;
            sh->line = s.line;
            sh->reported = s.line;
            sh->rotating = true;
            sh->rotate_since_ms = now_ms() - SHIP_ROTATE_GRACE_MS;
            if (!sh->o.quiet)
                fprintf(stderr, "sipsnare ship: the log was rotated; finishing %s from offset %llu\n",
                        sh->name, s.off);
        } else {
            fprintf(stderr, "sipsnare ship: the file of %s (inode %llu) is gone; starting at "
                            "the beginning of the current log\n",
                    sh->state_path, s.ino);
        }
    }
    return sh;
}

void shipper_free(shipper *sh)
{
    if (!sh)
        return;
    if (sh->st)
        store_close(sh->st);
    if (sh->fd >= 0)
        close(sh->fd);
    if (sh->lock_fd >= 0)
        close(sh->lock_fd);
    free(sh->buf);
    free(sh->scratch);
    free(sh->ev);
    free(sh);
}

void shipper_get_stats(const shipper *sh, shipper_stats *out)
{
    *out = sh->s;
    out->offset = sh->off;
}

/* ---- one step ------------------------------------------------------------------- */

static void report_bad(shipper *sh, uint64_t lineno, const char *why)
{
    if (lineno <= sh->reported)
        return;   /* already said (a step that failed at the store and runs again) */
    sh->reported = lineno;
    fprintf(stderr, "%s:%llu: %s\n", sh->name, (unsigned long long)lineno, why);
}

static void drop_store(shipper *sh, const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, store_errmsg(sh->st));
    store_rollback(sh->st);
    store_close(sh->st);
    sh->st = NULL;
    sh->s.store_errors++;
}

/* Commits n events; -1 with err when the store failed (closed then). */
static int deliver(shipper *sh, size_t n, size_t *added, char *err, size_t errlen)
{
    *added = 0;
    if (n == 0)
        return 0;
    if (!sh->st) {
        char e[512];
        sh->st = store_open(sh->target, e, sizeof e);
        if (!sh->st) {
            snprintf(err, errlen, "cannot open the store: %s", e);
            sh->s.store_errors++;
            return -1;
        }
    }
    if (store_begin(sh->st) != 0) {
        drop_store(sh, "begin", err, errlen);
        return -1;
    }
    if (store_insert(sh->st, sh->ev, n, added) != 0) {
        drop_store(sh, "insert", err, errlen);
        return -1;
    }
    if (store_commit(sh->st) != 0) {
        drop_store(sh, "commit", err, errlen);
        return -1;
    }
    return 0;
}

/* A line longer than the buffer at the offset: skip to its end. 1 skipped,
 * 0 its end is not written yet, -1 read error. */
static int skip_long_line(shipper *sh)
{
    uint64_t pos = sh->off + SHIP_BUF;
    for (;;) {
        ssize_t n = pread(sh->fd, sh->buf, SHIP_BUF, (off_t)pos);
        if (n < 0)
            return -1;
        if (n == 0)
            return 0;
        char *nl = memchr(sh->buf, '\n', (size_t)n);
        if (nl) {
            char why[64];
            snprintf(why, sizeof why, "line longer than %d bytes, skipped", READER_MAX_LINE);
            report_bad(sh, sh->line + 1, why);
            sh->off = pos + (uint64_t)(nl - sh->buf) + 1;
            sh->line++;
            sh->s.lines++;
            sh->s.bad++;
            state_save(sh);
            return 1;
        }
        pos += (uint64_t)n;
    }
}

/* At the end of the current file: has the path moved on to a new file? */
static int follow_rotation(shipper *sh, bool torn)
{
    struct stat st;
    if (stat(sh->log_path, &st) != 0)
        return 0;   /* renamed away, the new one not created yet */
    if (sh->fd >= 0 && st.st_dev == sh->dev && st.st_ino == sh->ino)
        return 0;
    int64_t t = now_ms();
    if (!sh->rotating) {
        sh->rotating = true;
        sh->rotate_since_ms = t;
    }
    /* The sensor writes whole lines and switches files on SIGHUP: once the
     * new file has data (or the old one stayed quiet a while) nothing more
     * comes to the old one. */
    if (sh->fd >= 0 && st.st_size == 0 && t - sh->rotate_since_ms < SHIP_ROTATE_GRACE_MS)
        return 0;
    if (torn)
        report_bad(sh, sh->line + 1, "no newline at the end of a rotated file (torn last line), skipped");
    int fd = open(sh->log_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return 0;
    if (fstat(fd, &st) != 0) {
        close(fd);
        return 0;
    }
    if (sh->fd >= 0) {
        sh->s.rotations++;
        if (!sh->o.quiet)
            fprintf(stderr, "sipsnare ship: %s done (%llu lines); going on with the new %s\n",
                    sh->name, (unsigned long long)sh->line, sh->log_path);
        if (torn)
            sh->s.bad++;
    }
    set_file(sh, fd, &st, sh->log_path);
    state_save(sh);
    return 1;
}

int shipper_step(shipper *sh, char *err, size_t errlen)
{
    if (sh->fd < 0) {
        if (open_path(sh) != 0 || sh->fd < 0)
            return 0;
    }
    struct stat st;
    if (fstat(sh->fd, &st) == 0 && (uint64_t)st.st_size < sh->off) {
        fprintf(stderr, "sipsnare ship: %s shrank below the shipped offset (truncated in place?); "
                        "starting over at 0\n", sh->name);
        sh->off = sh->line = sh->reported = 0;
        state_save(sh);
        return 1;
    }
    ssize_t n = pread(sh->fd, sh->buf, SHIP_BUF, (off_t)sh->off);
    if (n < 0) {
        snprintf(err, errlen, "read %s: %s", sh->name, strerror(errno));
        return -1;
    }
    event_json_opts jo = {.keep_raw = true};
    size_t pos = 0, spos = 0, nev = 0;
    uint64_t lines = 0, bad = 0;
    char why[WHY_MAX];
    while (nev < sh->o.batch) {
        char *nl = memchr(sh->buf + pos, '\n', (size_t)n - pos);
        if (!nl)
            break;
        size_t len = (size_t)(nl - (sh->buf + pos));
        const char *line = sh->buf + pos;
        uint64_t lineno = sh->line + lines + 1;
        lines++;
        if (len > READER_MAX_LINE) {
            snprintf(why, sizeof why, "line longer than %d bytes, skipped", READER_MAX_LINE);
            report_bad(sh, lineno, why);
            bad++;
        } else if (event_json_parse(line, len, &jo, &sh->ev[nev], sh->scratch + spos, why,
                                    sizeof why) != 0) {
            report_bad(sh, lineno, why);
            bad++;
        } else {
            spos += len;
            nev++;
        }
        pos += len + 1;
    }
    if (lines == 0) {
        if (n == SHIP_BUF) {
            int r = skip_long_line(sh);
            if (r < 0)
                snprintf(err, errlen, "read %s: %s", sh->name, strerror(errno));
            return r;
        }
        return follow_rotation(sh, n > 0);
    }
    size_t added;
    if (deliver(sh, nev, &added, err, errlen) != 0)
        return -1;
    sh->off += pos;
    sh->line += lines;
    sh->s.lines += lines;
    sh->s.bad += bad;
    sh->s.added += added;
    sh->s.duplicates += nev - added;
    if (nev)
        sh->s.batches++;
    state_save(sh);
    return 1;
}

int shipper_catch_up(shipper *sh, char *err, size_t errlen)
{
    int r;
    while ((r = shipper_step(sh, err, errlen)) > 0) {
    }
    return r;
}

/* Sleeps ms, in slices, until *stop. */
static void nap(unsigned ms, volatile sig_atomic_t *stop)
{
    while (ms > 0 && !*stop) {
        unsigned slice = ms < 100 ? ms : 100;
        struct timespec t = {.tv_sec = 0, .tv_nsec = (long)slice * 1000000L};
        nanosleep(&t, NULL);
        ms -= slice;
    }
}

int shipper_run(shipper *sh, volatile sig_atomic_t *stop, pid_t parent)
{
    unsigned backoff = 1;
    bool failing = false;
    char err[1024];
    if (!sh->o.quiet)
        fprintf(stderr, "sipsnare ship: delivering %s to %s from offset %llu (state %s)\n",
                sh->log_path, sh->shown_target, (unsigned long long)sh->off, sh->state_path);
    while (!*stop) {
        if (parent && getppid() != parent)
            break;
        int r = shipper_step(sh, err, sizeof err);
        if (r < 0) {
            fprintf(stderr, "sipsnare ship: %s: %s; the events wait in the log, retrying in %u s\n",
                    sh->shown_target, err, backoff);
            failing = true;
            nap(backoff * 1000, stop);
            backoff = backoff * 2 > sh->o.retry_max_s ? sh->o.retry_max_s : backoff * 2;
            continue;
        }
        if (failing && r > 0) {
            fprintf(stderr, "sipsnare ship: %s reachable again; delivering the backlog\n",
                    sh->shown_target);
            failing = false;
            backoff = 1;
        }
        if (r == 0)
            nap(sh->o.poll_ms, stop);
    }
    /* The sensor has stopped (its log is complete) or we were told to: a
     * last catch-up while the store works, so a clean stop leaves nothing. */
    if (!failing && shipper_catch_up(sh, err, sizeof err) < 0)
        fprintf(stderr, "sipsnare ship: %s: %s; the rest is shipped at the next start\n",
                sh->shown_target, err);
    return 0;
}

/* ---- the children of `sipsnare run` -------------------------------------------- */

/* Exit status of a shipper that cannot work at all (its state or log cannot
 * be opened, the user does not exist): starting it again would fail again. */
enum { SHIP_EXIT_CANNOT = 3 };
/* A shipper that dies is started again after 1, 2, 4 ... up to this many
 * seconds; one that ran this long before dying starts the count over. */
enum { SHIP_RESTART_MAX_S = 60 };

static volatile sig_atomic_t child_stop;

static void on_child_signal(int sig)
{
    (void)sig;
    child_stop = 1;
}

/* The shipper: opens the log and state while privileged, drops to the
 * sensor's user, ships until told to stop or its supervisor is gone. */
static void run_shipper(const struct sensor_config *cfg, pid_t supervisor)
{
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != supervisor)
        _exit(0);
    shipper_opts o = {.target = cfg->store.target, .log_path = cfg->log_path,
                      .state_path = cfg->store.state_path, .batch = cfg->store.batch,
                      .retry_max_s = cfg->store.retry_max_s, .wait_lock = true};
    char err[PATH_MAX + 256];
    /* opened while still privileged: a log created by root stays readable */
    shipper *sh = shipper_new(&o, err, sizeof err);
    if (!sh) {
        if (child_stop)
            _exit(0);
        fprintf(stderr, "sipsnare ship: %s; not shipping (events stay in %s)\n", err, cfg->log_path);
        _exit(SHIP_EXIT_CANNOT);
    }
    if (privdrop_to_user(cfg->user, err, sizeof err) != 0) {
        fprintf(stderr, "sipsnare ship: %s\n", err);
        shipper_free(sh);
        _exit(SHIP_EXIT_CANNOT);
    }
    /* changing credentials cleared the parent-death signal: set it again */
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != supervisor)
        child_stop = 1;
    shipper_run(sh, &child_stop, supervisor);
    shipper_stats s;
    shipper_get_stats(sh, &s);
    fprintf(stderr, "sipsnare ship: stopped: %llu lines, %llu events added, %llu duplicates, "
                    "%llu bad lines, %llu store errors\n",
            (unsigned long long)s.lines, (unsigned long long)s.added,
            (unsigned long long)s.duplicates, (unsigned long long)s.bad,
            (unsigned long long)s.store_errors);
    shipper_free(sh);
    _exit(0);
}

/* Waits for the shipper, looking every 100 ms whether to pass a stop on
 * (asked for, or the sensor is gone): no signal can slip in between a
 * look and a blocking wait. */
static int wait_shipper(pid_t pid, pid_t sensor)
{
    int status = 0, passed_on = 0;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno != EINTR))
            return status;
        if ((child_stop || getppid() != sensor) && !passed_on) {
            kill(pid, SIGTERM);
            passed_on = 1;
        }
        struct timespec t = {.tv_sec = 0, .tv_nsec = 100000000L};
        nanosleep(&t, NULL);
    }
}

/* The supervisor: starts the shipper, and again whenever it dies (a crash,
 * the kernel's OOM killer, a stray kill) while the sensor runs, with
 * backoff. It reads nothing from the network, the log or the store; it
 * keeps the sensor's start-up privileges only so that a new shipper can
 * open the log as the first one did (docs/THREAT-MODEL.md). */
static void supervise(const struct sensor_config *cfg, pid_t sensor)
{
    unsigned backoff = 1;
    for (;;) {
        time_t started = time(NULL);
        pid_t pid = fork();
        if (pid == 0)
            run_shipper(cfg, getppid());
        if (pid < 0) {
            fprintf(stderr, "sipsnare ship: cannot start the shipper: %s; retrying in %u s\n",
                    strerror(errno), backoff);
        } else {
            int status = wait_shipper(pid, sensor);
            if (child_stop || getppid() != sensor)
                _exit(0);
            if (WIFEXITED(status) &&
                (WEXITSTATUS(status) == 0 || WEXITSTATUS(status) == SHIP_EXIT_CANNOT))
                _exit(0);   /* its own stop, or it cannot work: said why */
            if (time(NULL) - started >= SHIP_RESTART_MAX_S)
                backoff = 1;
            char why[48];
            if (WIFSIGNALED(status))
                snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(status));
            else
                snprintf(why, sizeof why, "exit status %d", WEXITSTATUS(status));
            fprintf(stderr, "sipsnare ship: the shipper died (%s); a new one in %u s resumes "
                            "at the saved offset\n", why, backoff);
        }
        nap(backoff * 1000, &child_stop);
        if (child_stop || getppid() != sensor)
            _exit(0);
        backoff = backoff * 2 > SHIP_RESTART_MAX_S ? SHIP_RESTART_MAX_S : backoff * 2;
    }
}

pid_t shipper_spawn(const struct sensor_config *cfg)
{
    if (!cfg->store.enabled)
        return 0;
    pid_t sensor = getpid();
    /* no zombie if the supervisor ends first: the sensor never waits for it */
    signal(SIGCHLD, SIG_IGN);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "sipsnare: warning: cannot start the shipper: %s; events stay in %s\n",
                strerror(errno), cfg->log_path);
        return -1;
    }
    if (pid > 0)
        return pid;

    /* The supervisor: nothing of the sensor's (sockets, the log's write end). */
    close_range(3, ~0U, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_child_signal;   /* no SA_RESTART: a wait for the lock ends */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGHUP, SIG_IGN);           /* `kill -HUP $(pidof sipsnare)` is for the sensor */
    signal(SIGPIPE, SIG_IGN);
    signal(SIGCHLD, SIG_DFL);
    if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != sensor)
        _exit(0);
    supervise(cfg, sensor);
    _exit(0);
}
