/*
 * scan.c - the dimension arrays of the lean scans (scan.h).
 */
#include "store/scan.h"

#include <stdlib.h>
#include <string.h>

const enum store_dim scan_dims[] = {
    DIM_SENSORS, DIM_RUNS, DIM_KINDS, DIM_TRANSPORTS, DIM_IPS, DIM_METHODS,
    DIM_USERS, DIM_AGENTS, DIM_OUTCOMES, DIM_WARNINGS,
};
const size_t scan_ndims = sizeof scan_dims / sizeof scan_dims[0];

int dim_values_alloc(dim_values *dv, int64_t max_id, int64_t bytes)
{
    memset(dv, 0, sizeof *dv);
    if (max_id < 0 || max_id > SCAN_DIM_MAX_ID || bytes < 0 || bytes > SCAN_DIM_MAX_BYTES)
        return 0;
    dv->max_id = max_id;
    dv->cap = (size_t)bytes + (size_t)max_id + 1;
    dv->vals = calloc((size_t)max_id + 1, sizeof *dv->vals);
    dv->text = malloc(dv->cap);
    return dv->vals && dv->text ? 1 : -1;
}

void dim_values_put(dim_values *dv, int64_t id, const char *v, size_t n)
{
    if (id < 1 || id > dv->max_id || !v || n + 1 > dv->cap - dv->used)
        return;
    memcpy(dv->text + dv->used, v, n);
    dv->text[dv->used + n] = '\0';
    dv->vals[id] = (store_str){dv->text + dv->used, n};
    dv->used += n + 1;
}

void dim_values_free(dim_values *dv)
{
    free(dv->vals);
    free(dv->text);
    memset(dv, 0, sizeof *dv);
}
