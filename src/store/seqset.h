/*
 * seqset.h - which sequence numbers of which runs a bulk load has stored,
 * as sorted runs of consecutive numbers ([lo, hi] intervals) per run. A
 * sensor writes seq 1, 2, 3, ... so a run costs one interval however long
 * it is; input in any order stays correct, only larger. Lets the SQLite
 * back end load an empty table without checking the unique identity index
 * row by row (it is built once at the end, or as soon as a (run, seq)
 * comes twice).
 */
#ifndef SIPSNARE_SEQSET_H
#define SIPSNARE_SEQSET_H

#include <stddef.h>
#include <stdint.h>

typedef struct seqset seqset;

seqset *seqset_new(void);
void seqset_free(seqset *s);

/* Adds (run, seq): 1 if it was new, 0 if already there, -1 out of memory. */
int seqset_add(seqset *s, int64_t run, int64_t seq);

/* Intervals held, over all runs (the memory used is about 16 bytes each). */
size_t seqset_intervals(const seqset *s);

#endif
