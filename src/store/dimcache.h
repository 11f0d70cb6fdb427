/*
 * dimcache.h - a hash map from a dimension value (bytes) to its id, in
 * front of each dimension table, so a load asks the database only once per
 * distinct value. Bounded: past max_entries the map is emptied and refills
 * from the database (the table stays the truth). Keys are copied.
 */
#ifndef SIPSNARE_DIMCACHE_H
#define SIPSNARE_DIMCACHE_H

#include <stddef.h>
#include <stdint.h>

typedef struct dimcache dimcache;

dimcache *dimcache_new(size_t max_entries);
void dimcache_free(dimcache *c);

/* The id stored for key, or -1. */
int64_t dimcache_get(const dimcache *c, const void *key, size_t len);

/* Stores key -> id (id >= 0). Returns -1 only when out of memory. */
int dimcache_put(dimcache *c, const void *key, size_t len, int64_t id);

/* Forgets everything (after a rollback: ids of rolled-back rows are gone). */
void dimcache_clear(dimcache *c);

size_t dimcache_count(const dimcache *c);

/* The hash used by the map (64-bit, not cryptographic). */
uint64_t dimcache_hash(const void *key, size_t len);

#endif
