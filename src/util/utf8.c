#include "util/utf8.h"

size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        need = 2;
    else if (c == 0xE0)
        need = 3, lo = 0xA0;
    else if (c == 0xED)
        need = 3, hi = 0x9F;
    else if (c >= 0xE1 && c <= 0xEF)
        need = 3;
    else if (c == 0xF0)
        need = 4, lo = 0x90;
    else if (c >= 0xF1 && c <= 0xF3)
        need = 4;
    else if (c == 0xF4)
        need = 4, hi = 0x8F;
    else
        return 0;
    if (n < need || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t k = 2; k < need; k++)
        if (s[k] < 0x80 || s[k] > 0xBF)
            return 0;
    return need;
}
