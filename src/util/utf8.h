/* utf8.h - UTF-8 validation shared by the event writer and reader. */
#ifndef SIPSNARE_UTF8_H
#define SIPSNARE_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at s (n >= 1 bytes left), 0 if
 * invalid: no overlongs, no surrogates, nothing above U+10FFFF (RFC 3629
 * section 4). ASCII is a sequence of 1. */
size_t utf8_seq_len(const unsigned char *s, size_t n);

#endif
