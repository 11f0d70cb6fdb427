/*
 * strmap.h - string -> size_t hash map for the analysis tables: open
 * addressing, grows by doubling, never shrinks. The map owns copies of its
 * keys; values are whatever the caller stores (usually an index into its
 * own array). `max` bounds the number of keys (0: no bound but memory).
 */
#ifndef SIPSNARE_STRMAP_H
#define SIPSNARE_STRMAP_H

#include <stddef.h>

typedef struct {
    char **keys;
    size_t *vals;
    size_t cap, n, max;
} strmap;

void strmap_init(strmap *m, size_t max);
void strmap_free(strmap *m);

/* Pointer to the value of key, or NULL. */
size_t *strmap_get(const strmap *m, const char *key);

/* Inserts key with val unless present; returns the value slot (existing or
 * new), or NULL when full or out of memory. *added tells which. */
size_t *strmap_put(strmap *m, const char *key, size_t val, int *added);

#endif
