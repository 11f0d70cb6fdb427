/*
 * persona.h - what a real Asterisk answers to a SIP request (chan_sip by
 * default, res_pjsip as an option), byte for byte as ../shared/PERSONA.md
 * describes. Pure logic: no sockets, no clock, no files. The caller passes
 * the time and the peer; the persona keeps per-dialog state (To tags,
 * nonces) in fixed-size tables with eviction, so no peer can grow it.
 */
#ifndef SIPSNARE_PERSONA_H
#define SIPSNARE_PERSONA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sip/sip.h"

enum {
    PERSONA_MAX_EXTENSIONS = 4096,
    PERSONA_NAME_MAX = 64,         /* extension / peer name               */
    PERSONA_SECRET_MAX = 128,
    PERSONA_TEXT_MAX = 128,        /* version, user agent, realm, reasons */
    PERSONA_MAX_RESPONSES = 4,     /* e.g. 100 Trying, 180, 503           */
    PERSONA_MAX_RESPONSE = 4096,   /* one response; a request whose echoed
                                      headers would make an answer longer
                                      gets none (drop_reason "response too
                                      large"): Asterisk never sends a cut
                                      or header-less answer               */
    PERSONA_DIALOGS_DEFAULT = 65536, /* dialog table slots (power of two) */
};

typedef enum { PERSONA_CHAN_SIP = 0, PERSONA_PJSIP } persona_kind;

typedef struct {
    char name[PERSONA_NAME_MAX];     /* peer name = extension = auth user  */
    char secret[PERSONA_SECRET_MAX]; /* plain secret, or empty with md5secret */
    char md5secret[33];              /* hex MD5(name:realm:secret), optional */
    bool can_call;                   /* authenticated INVITEs may dial out */
} persona_extension;

typedef struct {
    persona_kind kind;
    /* Asterisk version as ast_get_version() prints it, e.g. "16.30.1".
     * It decides Allow, Supported, Server vs User-Agent, 401 vs 407. */
    char version[PERSONA_TEXT_MAX];
    /* Full Server/User-Agent text; empty means "Asterisk PBX <version>".
     * Set e.g. "FPBX-2.11.0(11.6.0)" for a FreePBX look. */
    char user_agent[PERSONA_TEXT_MAX];
    char realm[PERSONA_TEXT_MAX];    /* default "asterisk"                 */
    bool alwaysauthreject;           /* default false: enumeration works   */
    bool allowguest;                 /* unauthenticated INVITEs accepted   */
    /* Final answer to an authenticated INVITE to an external number:
     * status code and Asterisk hangup cause (e.g. 503 and 34). 180 Ringing
     * is sent first when ring_ms > 0 (as a delayed response). */
    unsigned invite_final_code;      /* default 503                         */
    unsigned invite_hangup_cause;    /* default 34 (congestion)             */
    uint32_t ring_ms;                /* delay of 180 Ringing, default 0     */
    uint32_t final_ms;               /* delay of the final answer, default 0 */
    uint32_t nonce_lifetime_s;       /* default 32 (pjsip) / dialog life    */
    unsigned dialogs;                /* dialog table slots, default above   */
    persona_extension *extensions;   /* owned by the caller                 */
    size_t n_extensions;
} persona_config;

/* Fills cfg with Asterisk's defaults (chan_sip 16.30.1, realm asterisk,
 * alwaysauthreject=no, allowguest=yes, 503/34). Extensions are left empty. */
void persona_config_defaults(persona_config *cfg);

/* The packet's addresses as text; local_ip is the honeypot address the
 * request arrived on (it goes into Contact and SDP). */
typedef struct {
    const char *src_ip;
    uint16_t src_port;
    const char *local_ip;
    uint16_t local_port;
    const char *transport;           /* "UDP", "TCP"                        */
} persona_peer;

/* Digest outcome of a request, for the event log. */
typedef enum {
    AUTH_NONE = 0,          /* no credentials sent                          */
    AUTH_OK,                /* right password                               */
    AUTH_WRONG_PASSWORD,    /* known user, wrong response                   */
    AUTH_UNKNOWN_USER,      /* no such extension                            */
    AUTH_STALE,             /* nonce unknown, used or expired               */
    AUTH_USERNAME_MISMATCH, /* digest username differs from the peer name   */
    AUTH_MALFORMED,         /* credentials present but unusable             */
} persona_auth;

const char *persona_auth_name(persona_auth a); /* "none", "ok", ... */

typedef struct {
    char data[PERSONA_MAX_RESPONSE];
    size_t len;
    unsigned code;
    uint32_t delay_ms;       /* 0: send now; else after this many ms       */
    /* Added: Asterisk sends this one reliably (final answers to INVITE,
     * chan_sip's transmit_response_reliable): over UDP it retransmits it
     * (T1 = 500 ms doubling, at most 4 s apart, for 32 s) until the ACK,
     * i.e. until a request whose result has cancel_pending. A sensor may
     * ignore it and send once. */
    bool reliable;
} persona_response;

typedef struct {
    persona_response resp[PERSONA_MAX_RESPONSES];
    unsigned n;              /* 0: nothing is sent                          */
    const char *drop_reason; /* why nothing is sent (static text), or NULL  */
    persona_auth auth;
    sip_str auth_user;       /* digest username (view into the request)     */
    bool extension_known;    /* the targeted extension/peer exists          */
    bool dial_external;      /* INVITE to a number that is no extension     */
    /* Added: drop the responses still queued (delay_ms) or being
     * retransmitted for this source and Call-ID: an ACK of the final
     * answer, or a CANCEL/BYE that ended a pending INVITE (whose 487 is in
     * this result). */
    bool cancel_pending;
} persona_result;

typedef struct persona persona;

/* seed makes tags and nonces reproducible in tests; 0 means random. Returns
 * NULL on allocation failure. The config is copied (extensions too). */
persona *persona_new(const persona_config *cfg, uint64_t seed);
void persona_free(persona *p);

/* Answers one parsed request (msg->is_request). now_ms is the caller's
 * clock (ms) for nonce expiry and dialog eviction. Responses to
 * responses are never sent (res->n == 0). A persona is not thread-safe
 * (its PRNG and dialog table change on every call): one per thread, or
 * calls under a lock. */
void persona_handle(persona *p, const sip_msg *msg, const persona_peer *peer,
                    int64_t now_ms, persona_result *res);

/* The Server/User-Agent text the persona sends. */
const char *persona_user_agent(const persona *p);

#endif
