/*
 * datapath.h - where sipsnare looks for its data files (user-agent
 * signatures, the IP snapshot, ...), in order: $SIPSNARE_DATADIR, ./data,
 * <dir of the binary>/../data and ../../data (a build tree), then the
 * installed /usr/local/share/sipsnare and /usr/share/sipsnare.
 */
#ifndef SIPSNARE_DATAPATH_H
#define SIPSNARE_DATAPATH_H

#include <limits.h>
#include <stddef.h>

enum { DATAPATH_MAX_CANDIDATES = 6 };

/* Writes the candidate paths of data file or directory `name` into out, in
 * search order; returns how many. */
size_t datapath_candidates(const char *name, char out[][PATH_MAX], size_t max);

#endif
