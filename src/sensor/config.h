/*
 * config.h - the sensor's configuration: a small INI file (etc/sipsnare.conf,
 * every key in docs/CONFIG.md), optionally importing the peers of an
 * Asterisk sip.conf or pjsip.conf as extensions.
 *
 * Every error names its place as "FILE:LINE: message" (just "FILE: message"
 * when no line is involved, e.g. a file that cannot be opened).
 */
#ifndef SIPSNARE_CONFIG_H
#define SIPSNARE_CONFIG_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "persona/persona.h"

enum {
    CONFIG_MAX_LISTEN = 64,          /* listen entries                      */
    CONFIG_MAX_LINE = 4096,          /* bytes in one line (INI and Asterisk) */
    CONFIG_MAX_INCLUDE_DEPTH = 8,    /* nested #include in an Asterisk file  */
    CONFIG_MAX_IMPORT_BYTES = 16 << 20, /* all files of one import together  */
    CONFIG_LISTEN_HOST_MAX = 64,
    /* [limits] udp_buffer: 32 MiB holds ~0.3 s of a 100,000/s flood of
     * typical requests, so a stall of the machine (a writeback burst, a
     * busy neighbour) is ridden out instead of dropping what arrives. */
    CONFIG_UDP_BUFFER_DEFAULT = 32 << 20,
};

/* One socket to open. */
struct listen_spec {
    bool tcp;                            /* false: UDP                      */
    bool ipv6;
    char host[CONFIG_LISTEN_HOST_MAX];   /* numeric, no brackets: "0.0.0.0",
                                            "::", "127.0.0.1", "::1"        */
    uint16_t port;                       /* 0: any free port (tests)        */
};

/* [limits]: stored here, enforced by the network layer. */
struct sensor_limits {
    unsigned rate_pps;             /* answers per second per source, 0 = off */
    unsigned rate_bytes;           /* answer bytes per second per source    */
    unsigned max_tcp_connections;
    unsigned tcp_idle_s;
    size_t max_message;            /* TCP framing limit                     */
    unsigned udp_buffer;           /* UDP socket buffer wish, bytes (0: the kernel's) */
};

/* [store]: deliver the event log to a central store (docs/HONEYNET.md). */
struct store_target {
    char target[1024];             /* "postgresql://..." or an SQLite path   */
    char state_path[PATH_MAX];     /* shipped offset; "" = log_path + ".ship" */
    unsigned batch;                /* events per transaction, default 5000   */
    unsigned retry_max_s;          /* longest retry backoff, default 30      */
    bool enabled;                  /* the file has [store] with a target     */
};

struct sensor_config {
    char sensor_id[64];            /* default: the host name               */
    char log_path[PATH_MAX];       /* default "sipsnare-events.jsonl"       */
    bool log_raw;                  /* default false                         */
    unsigned sync_interval_ms;     /* default 1000                          */
    char user[64];                 /* drop privileges to, default "nobody"  */
    char home_country[3];          /* ISO 3166 alpha-2, default "BR"        */
    struct listen_spec listen[CONFIG_MAX_LISTEN];
    size_t n_listen;               /* default: UDP and TCP, 0.0.0.0 and ::, port 5060 */
    /* persona_config_defaults() plus [persona]; persona.extensions is
     * malloc'd and owned by this struct (sensor_config_free). */
    persona_config persona;
    struct sensor_limits limits;   /* 50 pps, 20000 B/s, 1024, 30 s, 65535 */
    struct store_target store;     /* [store]; disabled by default          */
};

/* Fills cfg with the defaults above (no extensions). */
void sensor_config_defaults(struct sensor_config *cfg);

/* Reads the INI file at path and applies it on top of cfg (initialised by
 * sensor_config_defaults()). The file's extensions replace cfg's. All or
 * nothing: on error cfg is unchanged, err holds "FILE:LINE: message" and
 * -1 is returned; 0 on success. */
int sensor_config_load(const char *path, struct sensor_config *cfg, char *err,
                       size_t errlen);

/* Frees the extensions; cfg stays usable (with none). */
void sensor_config_free(struct sensor_config *cfg);

/* Parses "udp 127.0.0.1:5060", "tcp [::1]:5070", "udp *:5060" (* is
 * 0.0.0.0; the IPv6 wildcard is [::]). Transport is udp or tcp in any case;
 * the address is numeric. Returns 0, or -1 on a malformed spec. */
int sensor_parse_listen(const char *spec, struct listen_spec *out);

#endif
