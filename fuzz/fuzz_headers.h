/*
 * fuzz_headers.h - for the fuzz targets that check the parser's lazy
 * accessors against its sub-parsers: one input value put under four header
 * names of an otherwise fixed message.
 */
#ifndef SIPSNARE_FUZZ_HEADERS_H
#define SIPSNARE_FUZZ_HEADERS_H

#include <string.h>

/* Writes start, then "<name>value\r\n" for each of the four names, then
 * tail into out; the length, or 0 when it would not fit in cap or the
 * value holds CR or LF (they would end its line). */
static size_t fuzz_four_headers(char *out, size_t cap, const char *start, const char *const names[4],
                                const char *value, size_t len, const char *tail)
{
    if (memchr(value, '\r', len) != NULL || memchr(value, '\n', len) != NULL)
        return 0;
    size_t need = strlen(start) + strlen(tail);
    for (unsigned i = 0; i < 4; i++)
        need += strlen(names[i]) + len + 2;
    if (need > cap)
        return 0;
    size_t n = 0;
#define PUT(s, l) (memcpy(out + n, (s), (l)), n += (l))
    PUT(start, strlen(start));
    for (unsigned i = 0; i < 4; i++) {
        PUT(names[i], strlen(names[i]));
        PUT(value, len);
        PUT("\r\n", 2);
    }
    PUT(tail, strlen(tail));
#undef PUT
    return n;
}

#endif
