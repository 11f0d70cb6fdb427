#include "sensor/eventlog.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Opens for appending. A log whose last byte is not '\n' ends in a line torn
 * by a crash (a write cut by SIGKILL or power loss): terminate it, so the
 * torn text stays one bad line that readers report, instead of being glued
 * to the first event of this run. */
static int open_log_file(const char *path, bool *was_torn)
{
    int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    *was_torn = false;
    if (fd < 0) return -1;
    off_t end = lseek(fd, 0, SEEK_END);
    char last;
    if (end > 0 && pread(fd, &last, 1, end - 1) == 1 && last != '\n') {
        *was_torn = true;
        if (write(fd, "\n", 1) != 1) {
            int e = errno;
            close(fd);
            errno = e;
            return -1;
        }
    }
    return fd;
}

/* The sync thread: fdatasync on a dup of the current fd, so the loop can
 * swap fds (reopen) without waiting for a sync in progress. */
static void *syncer_main(void *arg)
{
    eventlog *log = arg;
    pthread_mutex_lock(&log->mu);
    while (!log->stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        uint64_t ns = (uint64_t)until.tv_nsec + (uint64_t)log->sync_interval_ms * 1000000u;
        until.tv_sec += (time_t)(ns / 1000000000u);
        until.tv_nsec = (long)(ns % 1000000000u);
        pthread_cond_timedwait(&log->cv, &log->mu, &until);
        if (!log->dirty) continue;
        log->dirty = false;
        int fd = dup(log->fd);
        pthread_mutex_unlock(&log->mu);
        if (fd >= 0) {
            fdatasync(fd);
            close(fd);
        }
        pthread_mutex_lock(&log->mu);
        log->syncs++;
    }
    pthread_mutex_unlock(&log->mu);
    return NULL;
}

int eventlog_open(eventlog *log, const char *path, unsigned sync_interval_ms)
{
    memset(log, 0, sizeof *log);
    log->fd = -1;
    log->sync_interval_ms = sync_interval_ms;
    log->path = strdup(path);
    log->buf = malloc(EVENTLOG_BUFFER);
    if (!log->path || !log->buf) {
        free(log->path);
        free(log->buf);
        errno = ENOMEM;
        return -1;
    }
    log->fd = open_log_file(path, &log->found_torn_line);
    if (log->fd < 0) {
        int e = errno;
        free(log->path);
        free(log->buf);
        errno = e;
        return -1;
    }
    pthread_mutex_init(&log->mu, NULL);
    pthread_cond_init(&log->cv, NULL);
    if (sync_interval_ms > 0 && pthread_create(&log->syncer, NULL, syncer_main, log) == 0)
        log->started = true;
    return 0;
}

int eventlog_flush(eventlog *log)
{
    size_t off = 0;
    while (off < log->len) {
        ssize_t w = write(log->fd, log->buf + off, log->len - off);
        if (w < 0) {
            if (errno == EINTR) continue;
            log->write_errors++;
            /* Keep what was not written for the next attempt. */
            memmove(log->buf, log->buf + off, log->len - off);
            log->len -= off;
            return -1;
        }
        off += (size_t)w;
    }
    log->bytes += log->len;
    if (log->len) {
        if (log->started) {
            pthread_mutex_lock(&log->mu);
            log->dirty = true;
            pthread_mutex_unlock(&log->mu);
        } else {
            fdatasync(log->fd);
            log->syncs++;
        }
    }
    log->len = 0;
    return 0;
}

int eventlog_append(eventlog *log, const char *line, size_t len)
{
    if (len > EVENTLOG_BUFFER) return -1;
    if (log->len + len > EVENTLOG_BUFFER && eventlog_flush(log) != 0) return -1;
    memcpy(log->buf + log->len, line, len);
    log->len += len;
    log->events++;
    return 0;
}

char *eventlog_reserve(eventlog *log, size_t max)
{
    if (max > EVENTLOG_BUFFER) return NULL;
    if (log->len + max > EVENTLOG_BUFFER && eventlog_flush(log) != 0) return NULL;
    return log->buf + log->len;
}

void eventlog_commit(eventlog *log, size_t len)
{
    if (len == 0) return;
    log->len += len;
    log->events++;
}

int eventlog_reopen(eventlog *log)
{
    if (eventlog_flush(log) != 0) return -1;
    bool torn;
    int fd = open_log_file(log->path, &torn);
    if (fd < 0) return -1;
    pthread_mutex_lock(&log->mu);
    int old = log->fd;
    log->fd = fd;
    pthread_mutex_unlock(&log->mu);
    fdatasync(old);
    close(old);
    return 0;
}

void eventlog_close(eventlog *log)
{
    if (!log->path) return;
    eventlog_flush(log);
    if (log->started) {
        pthread_mutex_lock(&log->mu);
        log->stop = true;
        pthread_cond_signal(&log->cv);
        pthread_mutex_unlock(&log->mu);
        pthread_join(log->syncer, NULL);
    }
    if (log->fd >= 0) {
        fdatasync(log->fd);
        close(log->fd);
    }
    pthread_mutex_destroy(&log->mu);
    pthread_cond_destroy(&log->cv);
    free(log->buf);
    free(log->path);
    log->path = NULL;
    log->buf = NULL;
    log->fd = -1;
}
