/*
 * reader.h - lines from a file or stdin, plain, gzip (zlib) or zstd
 * compressed: the format is told by the first bytes (1f 8b: gzip,
 * 28 b5 2f fd: zstd), never by the name. Concatenated gzip members and
 * zstd frames are read as one stream (what `cat a.gz b.gz` makes).
 */
#ifndef SIPSNARE_INGEST_READER_H
#define SIPSNARE_INGEST_READER_H

#include <stddef.h>
#include <stdint.h>

enum {
    READER_MAX_LINE = 1 << 20,   /* longer lines are skipped (READER_TOO_LONG) */
};

typedef enum {
    READER_LINE = 1,      /* a line that ended in '\n' */
    READER_TORN,          /* the last bytes of the input, without '\n' */
    READER_TOO_LONG,      /* a line over READER_MAX_LINE, skipped (no text) */
    READER_EOF = 0,
    READER_ERROR = -1,    /* read or decompression error (reader_error) */
} reader_status;

typedef struct reader reader;

/* Opens path ("-": stdin). NULL with a reason in err on failure. */
reader *reader_open(const char *path, char *err, size_t errlen);
void reader_close(reader *r);

/* The next line, without its '\n', valid until the next call. After
 * READER_ERROR or READER_EOF every call returns the same. Lines read
 * before an error (a truncated .gz) are returned first. */
reader_status reader_next(reader *r, const char **line, size_t *len);

const char *reader_error(const reader *r);
const char *reader_format(const reader *r);     /* "plain", "gzip", "zstd" */
uint64_t reader_bytes_in(const reader *r);      /* bytes read from the file so far */
int64_t reader_size(const reader *r);           /* the file's size, -1 if not a file */

#endif
