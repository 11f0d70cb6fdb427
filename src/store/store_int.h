/*
 * store_int.h - for the back ends only: the handle behind `store *` and
 * helpers shared by sqlite.c and postgres.c. Nothing above src/store
 * includes this.
 */
#ifndef SIPSNARE_STORE_INT_H
#define SIPSNARE_STORE_INT_H

#include "store/store.h"

struct store {
    const struct store_backend *be;
    void *impl;                   /* the back end's state */
    int in_tx;                    /* inside store_begin .. commit/rollback */
    int reader;                   /* store_open_reader */
    int defer_indexes;            /* store_defer_indexes */
    char err[512];
};

/* Sets st->err (printf-style) and returns -1. */
int store_fail(store *st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* The length of s cut to STORE_VALUE_MAX bytes on a UTF-8 boundary. */
size_t store_value_len(store_str s);

/* An IP address in its stored forms: canonical text (inet_ntop), family
 * (4 or 6), the IPv4 address as an integer (-1 for IPv6), and 16 bytes
 * that sort numerically (IPv4 mapped to ::ffff:a.b.c.d). */
typedef struct {
    char text[46];
    int family;
    int64_t v4;
    unsigned char bin[16];
} store_ip;

/* Parses s as an IPv4 or IPv6 address; -1 if it is neither. */
int store_ip_parse(store_str s, store_ip *out);

/*
 * The dimension tables: (<x>_id, value) with value unique. Each back end
 * resolves a value to its id through a dimcache (dimcache.h) in front of
 * the table. The order here is the order of the dims[] arrays.
 */
enum store_dim {
    DIM_SENSORS, DIM_RUNS, DIM_KINDS, DIM_TRANSPORTS, DIM_IPS, DIM_METHODS,
    DIM_URIS, DIM_USERS, DIM_AGENTS, DIM_REALMS, DIM_ALGORITHMS, DIM_OUTCOMES,
    DIM_WARNINGS, DIM_REASONS,
    DIM_COUNT
};

struct store_dim_info {
    const char *table;
    const char *id_col;
};
extern const struct store_dim_info store_dims[DIM_COUNT];

/*
 * Each event refers to dimension values through these slots; the id
 * columns of `events`, in this order, and which dimension serves them.
 * Shared so both back ends bind the same columns the same way.
 */
enum store_ref {
    REF_SENSOR, REF_RUN, REF_KIND, REF_TRANSPORT, REF_SRC_IP, REF_DST_IP, REF_METHOD,
    REF_RURI, REF_RURI_USER, REF_FROM_USER, REF_TO_USER, REF_CONTACT_USER, REF_UA,
    REF_AUTH_USER, REF_REALM, REF_ALGORITHM, REF_OUTCOME, REF_WARNINGS, REF_SERVER,
    REF_REASON,
    REF_COUNT
};

struct store_ref_info {
    const char *column;          /* in events */
    enum store_dim dim;
};
extern const struct store_ref_info store_refs[REF_COUNT];

/* The value an event holds for ref (absent: p == NULL). REF_RUN's value is
 * the run text; its dimension key also includes the sensor id. */
store_str store_event_ref(const store_event *ev, enum store_ref ref);

#endif
