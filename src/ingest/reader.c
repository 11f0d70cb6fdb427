/*
 * reader.c - a line buffer over three sources: the file's bytes as they
 * are, inflate (zlib, gzip framing) or ZSTD_decompressStream. The line
 * buffer holds at least one whole line (up to READER_MAX_LINE) plus room
 * to read ahead; lines are found with memchr and handed out as views.
 */
#include "ingest/reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

enum {
    IN_CHUNK = 1 << 18,                     /* compressed bytes per read */
    BUF_CAP = READER_MAX_LINE + (4 << 20),  /* a longest line + read-ahead */
};

typedef enum { FMT_PLAIN, FMT_GZIP, FMT_ZSTD } format;

struct reader {
    int fd;
    int own_fd;
    format fmt;
    int64_t size;
    uint64_t bytes_in;
    /* compressed input */
    unsigned char *in;
    size_t in_pos, in_len;
    int in_eof;
    z_stream z;
    int z_ready, z_end;         /* z_end: the last member ended cleanly */
    ZSTD_DStream *zs;
    size_t zs_hint;             /* 0 after a complete frame */
    /* decompressed lines */
    char *buf;
    size_t start, end, scanned;
    int eof;                    /* no more bytes will come */
    int skipping;               /* inside a too-long line, up to its '\n' */
    int failed;
    char err[256];
};

static int set_error(reader *r, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

static int set_error(reader *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
    r->failed = 1;
    r->eof = 1;
    return -1;
}

/* Raw bytes from the file into r->in; 0 at end of file. */
static ssize_t read_in(reader *r)
{
    ssize_t n;
    do
        n = read(r->fd, r->in, IN_CHUNK);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return set_error(r, "read: %s", strerror(errno));
    r->in_pos = 0;
    r->in_len = (size_t)n;
    r->bytes_in += (uint64_t)n;
    if (n == 0)
        r->in_eof = 1;
    return n;
}

/* Appends decompressed (or plain) bytes after r->end; sets r->eof at the
 * end of the input. Returns -1 on error (what was decoded before the error
 * is kept: the lines of a truncated .gz up to the cut still load). */
static int fill(reader *r)
{
    char *out = r->buf + r->end;
    size_t room = BUF_CAP - r->end;
    size_t got = 0;
    while (got == 0 && !r->eof) {
        if (r->in_pos == r->in_len && !r->in_eof && read_in(r) < 0)
            break;
        size_t avail = r->in_len - r->in_pos;
        if (r->fmt == FMT_PLAIN) {
            got = avail < room ? avail : room;
            memcpy(out, r->in + r->in_pos, got);
            r->in_pos += got;
            if (r->in_eof && r->in_pos == r->in_len)
                r->eof = 1;
        } else if (r->fmt == FMT_GZIP) {
            if (r->z_end) {
                /* the member ended: another one follows, or the input ends */
                if (avail == 0) {
                    if (r->in_eof)
                        r->eof = 1;
                    continue;
                }
                if (inflateReset(&r->z) != Z_OK) {
                    set_error(r, "gzip: cannot reset zlib");
                    break;
                }
                r->z_end = 0;
            }
            r->z.next_in = r->in + r->in_pos;
            r->z.avail_in = (uInt)avail;
            r->z.next_out = (unsigned char *)out;
            r->z.avail_out = (uInt)room;
            int rc = inflate(&r->z, Z_NO_FLUSH);
            got = room - r->z.avail_out;
            r->in_pos = r->in_len - r->z.avail_in;
            if (rc == Z_STREAM_END)
                r->z_end = 1;
            else if (rc == Z_BUF_ERROR && r->in_eof && r->in_pos == r->in_len)
                set_error(r, "gzip: truncated data");   /* no progress, no more input */
            else if (rc != Z_OK && rc != Z_BUF_ERROR)
                set_error(r, "gzip: %s", r->z.msg ? r->z.msg : "invalid data");
        } else {
            if (avail == 0 && !r->in_eof)
                continue;
            if (avail == 0 && r->zs_hint == 0) {   /* the last frame was complete */
                r->eof = 1;
                continue;
            }
            ZSTD_inBuffer zin = {r->in, r->in_len, r->in_pos};
            ZSTD_outBuffer zout = {out, room, 0};
            size_t rc = ZSTD_decompressStream(r->zs, &zout, &zin);
            if (ZSTD_isError(rc)) {
                set_error(r, "zstd: %s", ZSTD_getErrorName(rc));
                break;
            }
            r->zs_hint = rc;
            r->in_pos = zin.pos;
            got = zout.pos;
            if (got == 0 && r->in_eof && r->in_pos == r->in_len && rc != 0)
                set_error(r, "zstd: truncated data");
        }
    }
    r->end += got;
    return r->failed ? -1 : 0;
}

reader *reader_open(const char *path, char *err, size_t errlen)
{
    reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->in = malloc(IN_CHUNK);
    r->buf = malloc(BUF_CAP);
    r->size = -1;
    if (!r->in || !r->buf) {
        snprintf(err, errlen, "out of memory");
        reader_close(r);
        return NULL;
    }
    if (strcmp(path, "-") == 0) {
        r->fd = 0;
    } else {
        r->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (r->fd < 0) {
            snprintf(err, errlen, "%s", strerror(errno));
            reader_close(r);
            return NULL;
        }
        r->own_fd = 1;
    }
    struct stat sb;
    if (fstat(r->fd, &sb) == 0 && S_ISREG(sb.st_mode))
        r->size = sb.st_size;
    if (S_ISDIR(sb.st_mode)) {
        snprintf(err, errlen, "is a directory");
        reader_close(r);
        return NULL;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    /* the magic number: read until 4 bytes are there or the input ends */
    while (r->in_len < 4 && !r->in_eof) {
        ssize_t n;
        do
            n = read(r->fd, r->in + r->in_len, IN_CHUNK - r->in_len);
        while (n < 0 && errno == EINTR);
        if (n < 0) {
            snprintf(err, errlen, "read: %s", strerror(errno));
            reader_close(r);
            return NULL;
        }
        if (n == 0)
            r->in_eof = 1;
        r->in_len += (size_t)n;
        r->bytes_in += (uint64_t)n;
    }
    const unsigned char *m = r->in;
    if (r->in_len >= 2 && m[0] == 0x1f && m[1] == 0x8b) {
        r->fmt = FMT_GZIP;
        if (inflateInit2(&r->z, 15 + 16) != Z_OK) {   /* 16: gzip framing */
            snprintf(err, errlen, "gzip: cannot initialise zlib");
            reader_close(r);
            return NULL;
        }
        r->z_ready = 1;
    } else if (r->in_len >= 4 && m[0] == 0x28 && m[1] == 0xb5 && m[2] == 0x2f && m[3] == 0xfd) {
        r->fmt = FMT_ZSTD;
        r->zs = ZSTD_createDStream();
        r->zs_hint = 1;   /* a frame has begun */
        if (!r->zs || ZSTD_isError(ZSTD_initDStream(r->zs))) {
            snprintf(err, errlen, "zstd: cannot initialise");
            reader_close(r);
            return NULL;
        }
    }
    return r;
}

void reader_close(reader *r)
{
    if (!r)
        return;
    if (r->z_ready)
        inflateEnd(&r->z);
    if (r->zs)
        ZSTD_freeDStream(r->zs);
    if (r->own_fd)
        close(r->fd);
    free(r->in);
    free(r->buf);
    free(r);
}

reader_status reader_next(reader *r, const char **line, size_t *len)
{
    for (;;) {
        char *nl = NULL;
        if (r->scanned < r->end)
            nl = memchr(r->buf + r->scanned, '\n', r->end - r->scanned);
        if (nl) {
            size_t at = r->start, n = (size_t)(nl - r->buf) - at;
            r->start = r->scanned = (size_t)(nl - r->buf) + 1;
            if (r->skipping) {   /* the end of a too-long line: drop it */
                r->skipping = 0;
                continue;
            }
            if (n > READER_MAX_LINE) {
                *line = NULL;
                *len = 0;
                return READER_TOO_LONG;
            }
            *line = r->buf + at;
            *len = n;
            return READER_LINE;
        }
        r->scanned = r->end;
        if (r->end - r->start > READER_MAX_LINE || (r->skipping && r->end > r->start)) {
            /* forget the bytes of an overlong line, report it once */
            int first = !r->skipping;
            r->skipping = 1;
            r->start = r->scanned = r->end = 0;
            if (first) {
                *line = NULL;
                *len = 0;
                return READER_TOO_LONG;
            }
        }
        if (r->eof) {
            if (r->end > r->start && !r->skipping) {
                *line = r->buf + r->start;
                *len = r->end - r->start;
                r->start = r->scanned = r->end;
                return READER_TORN;
            }
            r->start = r->scanned = r->end;
            return r->failed ? READER_ERROR : READER_EOF;
        }
        if (r->start > 0) {   /* move the partial line to the front */
            memmove(r->buf, r->buf + r->start, r->end - r->start);
            r->end -= r->start;
            r->scanned -= r->start;
            r->start = 0;
        }
        if (fill(r) != 0 && r->end == r->start)
            return READER_ERROR;
    }
}

const char *reader_error(const reader *r) { return r->err; }

const char *reader_format(const reader *r)
{
    return r->fmt == FMT_GZIP ? "gzip" : r->fmt == FMT_ZSTD ? "zstd" : "plain";
}

uint64_t reader_bytes_in(const reader *r) { return r->bytes_in; }
int64_t reader_size(const reader *r) { return r->size; }
