/*
 * shipper.h - delivers a sensor's event log to a central store
 * (docs/HONEYNET.md). The durable log is the spool: the shipper reads it
 * from a committed offset, parses complete lines (event_json_parse),
 * inserts them in one transaction per batch, commits, and only then
 * persists the new offset in a small state file (temp file + fsync +
 * rename). A crash between commit and rename re-sends one batch, which the
 * store ignores (identity sensor, run, seq): exactly once in the database,
 * at least once on the wire.
 *
 * The state keeps the log's device and inode. A rotated log (renamed away,
 * a new file at the path) is read to its end through the descriptor still
 * open, or after a restart through the file in the same directory that has
 * the saved inode, then the new file is read from 0. A log truncated in
 * place (copytruncate), a missing or corrupted state file: start at 0 of
 * the current log (safe: re-delivery adds nothing).
 *
 * A torn last line (no '\n' yet) is not consumed until it is complete. A
 * line that is no event is counted, reported on stderr as FILE:LINE: reason
 * and skipped. While the store fails, nothing is consumed: the events wait
 * in the log and the shipper retries with exponential backoff (1 s, 2 s,
 * ... up to retry_max_s).
 */
#ifndef SIPSNARE_SHIPPER_H
#define SIPSNARE_SHIPPER_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct sensor_config;

typedef struct {
    const char *target;        /* store_open() target: postgresql://... or a path */
    const char *log_path;      /* the sensor's event log                      */
    const char *state_path;    /* NULL or "": log_path + ".ship"             */
    unsigned batch;            /* events per transaction (0: 5000)            */
    unsigned retry_max_s;      /* longest backoff (0: 30)                     */
    unsigned poll_ms;          /* idle poll interval (0: 250)                 */
    bool quiet;                /* no progress/info lines on stderr (errors still) */
    bool wait_lock;            /* another shipper on the same state: wait for
                                  it to end (else shipper_new fails) */
} shipper_opts;

typedef struct {
    uint64_t lines;            /* complete lines consumed                    */
    uint64_t added;            /* events new to the store                    */
    uint64_t duplicates;       /* events the store already had              */
    uint64_t bad;              /* lines that are no event (skipped)         */
    uint64_t batches;          /* committed transactions                     */
    uint64_t store_errors;     /* failed store attempts (each retried)      */
    uint64_t rotations;        /* switches to a new log file                 */
    uint64_t offset;           /* committed offset in the current file      */
} shipper_stats;

typedef struct shipper shipper;

/* Locks the state (STATE.lock: one shipper per log), reads the state file
 * and opens the log (if it exists yet). Opening the store is left to the
 * first batch. NULL with a reason in err on failure (out of memory, path
 * too long, the lock held by another shipper and !wait_lock). */
shipper *shipper_new(const shipper_opts *opts, char *err, size_t errlen);
void shipper_free(shipper *sh);

/*
 * One step: ships at most one batch. Returns 1 when it consumed something
 * (a batch committed, bad lines skipped, a rotation followed), 0 when there
 * is nothing complete to ship right now, -1 when the store failed (nothing
 * consumed; the reason in err; the caller waits and calls again).
 */
int shipper_step(shipper *sh, char *err, size_t errlen);

/* Steps until nothing is left (0) or the store fails (-1, reason in err). */
int shipper_catch_up(shipper *sh, char *err, size_t errlen);

/* Steps forever: polls the log when idle, backs off on store errors, until
 * *stop is set or (parent != 0) getppid() is no longer parent. Returns 0. */
int shipper_run(shipper *sh, volatile sig_atomic_t *stop, pid_t parent);

void shipper_get_stats(const shipper *sh, shipper_stats *out);

/* The state path used for opts (state_path or log_path + ".ship"). */
int shipper_state_path(const shipper_opts *opts, char *out, size_t cap);

/* target with any password in a URI's user info replaced by "***", for
 * messages: "postgresql://u:***@host/db". */
void shipper_redact(const char *target, char *out, size_t cap);

/*
 * `sipsnare run`: when cfg has [store], forks a supervisor (before the
 * caller installs its seccomp filter: the shipper must connect, the
 * supervisor fork). It closes every inherited descriptor but
 * stdin/stdout/stderr and runs the shipper as its own child, again after
 * 1, 2, 4 ... 60 s whenever it dies; the shipper opens the log, drops to
 * user (privdrop_to_user: no_new_privs) and ships. Both end when the sensor
 * does (PR_SET_PDEATHSIG, getppid) and never return. The caller gets the
 * supervisor's pid, 0 when [store] is off, -1 if fork failed (reason on
 * stderr; the sensor goes on, its log keeps everything). The supervisor is
 * reaped automatically (SIGCHLD ignored in the caller).
 */
pid_t shipper_spawn(const struct sensor_config *cfg);

#endif
