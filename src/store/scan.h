/*
 * scan.h - what both back ends' lean scans share (store_iterate with lean
 * set; docs/STORE.md, *The analysis' scan*): the events table's own
 * columns, in one order, and each dimension table held in memory as an
 * array by id, so a row needs no join and no text of its own for them.
 */
#ifndef SIPSNARE_STORE_SCAN_H
#define SIPSNARE_STORE_SCAN_H

#include "store/store_int.h"

/* The columns of events a lean event needs, in the order both back ends
 * read them. */
#define SCAN_COLUMNS                                                                       \
    "event_id, ts, sensor_id, run_id, seq, kind_id, transport_id, src_ip_id, src_port, "   \
    "dst_port, method_id, ruri_user_id, from_user_id, from_tag, to_user_id, "             \
    "contact_user_id, call_id, cseq, ua_id, auth_user_id, auth_outcome_id, response, "    \
    "answered, dial_external, extension_known, warnings_id, status, len, suppressed, "    \
    "truncated"
enum { SCAN_NCOLUMNS = 30 };

/* The dimensions a lean event reads. */
extern const enum store_dim scan_dims[];
extern const size_t scan_ndims;

/* One dimension table in memory: vals[id] for 1 <= id <= max_id. */
typedef struct {
    store_str *vals;
    int64_t max_id;
    char *text;
    size_t used, cap;
} dim_values;

enum {
    SCAN_DIM_MAX_ID = 1 << 26,        /* larger tables: the generic query */
    SCAN_DIM_MAX_BYTES = 1 << 29,
};

/* Room for ids 1..max_id and bytes of text: 1, 0 when that is more than
 * the limits above allow (the caller uses the generic query), -1 out of
 * memory. */
int dim_values_alloc(dim_values *dv, int64_t max_id, int64_t bytes);
/* Keeps value id (NUL-terminated copy); ignored when id or the text does
 * not fit what was allocated (a loader added rows since the count). */
void dim_values_put(dim_values *dv, int64_t id, const char *v, size_t n);
void dim_values_free(dim_values *dv);

/* The value of a dimension id (STORE_NULL: absent), and its value key
 * (id + 1; 1 for absent); an id the array lacks is absent. */
static inline store_str dim_value(const dim_values *dv, int64_t id, int64_t *key)
{
    if (key)
        *key = id == STORE_NULL ? 1 : id + 1;
    return id >= 1 && id <= dv->max_id ? dv->vals[id] : STORE_STR_NULL;
}

#endif
