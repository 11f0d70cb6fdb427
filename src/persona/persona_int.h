/*
 * persona_int.h - what the persona's source files share: the persona object,
 * the version table, the response writer, the PRNG and the dialog table.
 * Nothing here is part of the public API (persona.h is).
 *
 * Files:
 *   persona.c  config defaults, version parsing, extension index, dispatch
 *   chansip.c  chan_sip (Asterisk 1.4 ... 18): respprep() and the handlers
 *   pjsip.c    res_pjsip (Asterisk 12+)
 *   state.c    PRNG (xoshiro256**), SipHash-2-4, the dialog table
 *   write.c    the bounded response writer and small text helpers
 */
#ifndef SIPSNARE_PERSONA_INT_H
#define SIPSNARE_PERSONA_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "persona/persona.h"
#include "sip/digest_auth.h"

/* ---- Random numbers ---------------------------------------------------- */

/* xoshiro256** seeded through splitmix64: fast, small, and reproducible
 * for a given seed (tests compare whole dialogs). Not a CSPRNG; nothing
 * here needs one (Asterisk itself uses random()). */
typedef struct {
    uint64_t s[4];
} prng;

void prng_seed(prng *r, uint64_t seed);
uint64_t prng_next(prng *r);
/* ast_random(): random() on Linux, [0, RAND_MAX = 2^31 - 1]. That is why
 * chan_sip's "as%08lx" tags and "%08lx" nonces start with 0-7. */
uint32_t prng_ast_random(prng *r);

/* SipHash-2-4 of a||0x00||b, keyed: dialog keys an attacker cannot aim at
 * one probe window (hash flooding) nor collide on purpose. */
uint64_t siphash_pair(const uint64_t key[2], const char *a, size_t alen,
                      const char *b, size_t blen);

/* ---- Dialogs ----------------------------------------------------------- */

/* Per-dialog state, keyed by Call-ID + source address. chan_sip keeps a
 * "pvt" per Call-ID holding our To tag and the nonce (sip_alloc(),
 * make_our_tag(), build_nonce()); res_pjsip is stateless until an INVITE
 * session exists. A slot is 56 bytes and the table never grows: see
 * state.c for why a request never allocates. */
enum {
    DLG_NONCE      = 1u << 0,  /* a nonce was issued (p->nonce non-empty)   */
    DLG_NONCE_USED = 1u << 1,  /* p->stalenonce: answered once already      */
    DLG_INVITE     = 1u << 2,  /* an INVITE transaction reached the dialplan */
    DLG_ACKED      = 1u << 3,  /* the final answer to it was ACKed          */
    DLG_ICSEQ      = 1u << 4,  /* icseq holds a CSeq                        */
    DLG_REGISTER   = 1u << 5,  /* opened by REGISTER (p->initreq.method)    */
};

typedef struct {
    uint64_t key;          /* SipHash of Call-ID + source IP; 0 = free     */
    int64_t last_ms;       /* last request seen                             */
    int64_t nonce_ms;      /* when the nonce was issued                     */
    int64_t final_ms;      /* INVITE: when its final answer goes out        */
    uint32_t tag;          /* our To tag: "as%08x"                          */
    uint32_t nonce;        /* chan_sip nonce: "%08x"                        */
    uint32_t icseq;        /* highest CSeq received (p->icseq)              */
    uint32_t inv_cseq;     /* CSeq of the INVITE in DLG_INVITE              */
    uint32_t flags;        /* DLG_*                                         */
    uint32_t pad;
} dialog;

typedef struct {
    dialog *slot;
    void *map;             /* the mapping slot lies in (NULL: calloc'd)     */
    size_t map_len;
    size_t mask;           /* slots - 1 (a power of two)                    */
    uint64_t key[2];       /* SipHash key                                   */
    int64_t life_ms;       /* idle time after which a dialog is gone        */
    uint64_t evictions;    /* live dialogs pushed out to make room          */
} dialog_table;

enum { DLG_PROBE = 8 };    /* slots searched per key (one cache line pair)  */

int dlg_init(dialog_table *t, size_t slots, const uint64_t key[2], int64_t life_ms);
void dlg_free(dialog_table *t);
uint64_t dlg_key(const dialog_table *t, const char *callid, size_t len, const char *src_ip);
/* Starts loading the key's probe window into the cache (a hint). */
void dlg_prefetch(const dialog_table *t, uint64_t key);
/* The live dialog with this key, or NULL. */
dialog *dlg_find(dialog_table *t, uint64_t key, int64_t now_ms);
/* A slot for a new dialog (zeroed, key and last_ms set): a free or expired
 * slot in the key's probe window, else the least recently used one. */
dialog *dlg_insert(dialog_table *t, uint64_t key, int64_t now_ms);
void dlg_remove(dialog *d);

/* ---- Versions ---------------------------------------------------------- */

typedef enum { NAT_REQUESTED, NAT_FORCE_RPORT, NAT_AUTO_FORCE_RPORT } nat_mode;

typedef struct {
    int v[4];              /* "1.8.32.3" -> 1 8 32 3; "16.30.1" -> 16 30 1 0 */
    /* chan_sip (PERSONA.md 1.8 cheat-sheet) */
    bool old14;            /* 1.4 and older                                 */
    bool pedantic;         /* pedanticsipchecking default (yes since 1.6)   */
    bool user_agent_hdr;   /* responses carry User-Agent:, not Server:      */
    bool invite_407;       /* INVITE challenged with 407 Proxy-Authenticate */
    bool publish;          /* PUBLISH handled (1.8+), else 501              */
    bool path;             /* "path" option supported (11+)                 */
    nat_mode nat;
    const char *allow;
    const char *supported;
    /* res_pjsip (PERSONA.md 2.3, 2.4) */
    bool pj_md5_lower;     /* bundled pjproject <= 2.11: algorithm=md5      */
    bool pj_identity;      /* Accept-Encoding: identity (16.16+/18.2+)      */
} persona_version;

void persona_version_parse(const char *text, persona_version *pv);

/* ---- The persona ------------------------------------------------------- */

struct persona {
    persona_config cfg;           /* copy; cfg.extensions = ext            */
    persona_extension *ext;
    /* chan_sip's HA1 of each peer, MD5(name:realm:secret) (its md5secret
     * when set), computed once: it is the same for every attempt against
     * that peer. "" when neither is set or the hash failed. */
    char (*ha1)[SIP_DIGEST_HEX_MAX];
    uint16_t *by_name;            /* ext indices sorted by strcmp          */
    uint16_t *by_name_ci;         /* ... and by strcasecmp (peer lookup)   */
    persona_version ver;
    char ua[PERSONA_TEXT_MAX];    /* Server / User-Agent text              */
    char eid[40];                 /* res_pjsip entity id (a UUID)          */
    prng rng;
    dialog_table dialogs;
};

/* Extension lookups. dialplan: exact, case-sensitive (ast_exists_extension);
 * peer: case-insensitive (chan_sip's peer container compares names with
 * strcasecmp). NULL when absent. */
const persona_extension *persona_find_exten(const persona *p, const char *name, size_t len);
const persona_extension *persona_find_peer(const persona *p, const char *name, size_t len);

void chansip_handle(persona *p, const sip_msg *m, const persona_peer *peer,
                    int64_t now_ms, persona_result *res);
void pjsip_handle(persona *p, const sip_msg *m, const persona_peer *peer,
                  int64_t now_ms, persona_result *res);

/* ---- Dialplan outcome shared by both stacks --------------------------- */

typedef enum {
    DEST_NOT_FOUND,        /* 404                                           */
    DEST_LOCAL,            /* a configured extension                        */
    DEST_S,                /* "s": the empty user                           */
    DEST_EXTERNAL,         /* matched the outbound route of a peer that may call */
    DEST_PICKUP,           /* the pickup extension *8 (OPTIONS only)        */
} dest_kind;

/* Where `exten` leads in the context of a caller who may (or may not) dial
 * out. See persona.c for the honeypot's dialplan. */
dest_kind persona_destination(const persona *p, const char *exten, size_t len, bool can_call);
/* An exten that is not a configured extension, "s" or a pickup code: what
 * the event log calls a dialed external number. */
bool persona_is_external_number(const persona *p, const char *exten, size_t len);

/* ---- Response writer --------------------------------------------------- */

/* Appends into a persona_response's fixed buffer; on overflow it stops
 * writing and remembers it (the caller then drops the answer). */
typedef struct {
    char *buf;
    size_t len, cap;
    bool overflow;
} wbuf;

/* Starts the next response of res (res->resp[res->n]); when res is full
 * or already dropped the writer starts in overflow and emits nothing. */
void wb_init(wbuf *w, persona_result *res);

/* The appenders run many times per response: inline, so that the length
 * of a literal is known at compile time. */
static inline void wb_put(wbuf *w, const char *s, size_t n)
{
    if (w->overflow)
        return;
    if (n > w->cap - w->len) {
        w->overflow = true;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
}

static inline void wb_puts(wbuf *w, const char *s)
{
    wb_put(w, s, strlen(s));
}

static inline void wb_str(wbuf *w, sip_str s)
{
    if (s.p)
        wb_put(w, s.p, s.len);
}

/* "Name: value\r\n" */
static inline void wb_header(wbuf *w, const char *name, const char *value)
{
    wb_puts(w, name);
    wb_put(w, ": ", 2);
    wb_puts(w, value);
    wb_put(w, "\r\n", 2);
}
void wb_u32(wbuf *w, uint32_t v);
void wb_hex8(wbuf *w, uint32_t v);  /* "%08x" */
/* "ip:port", IPv6 in brackets: the host part of our Contact URIs. */
void wb_hostport(wbuf *w, const char *ip, uint32_t port);
/* Date: in chan_sip's and pjsip's format, "%a, %d %b %Y %T GMT". */
void wb_http_date(wbuf *w, int64_t now_ms);

/* Adds a finished response to the result (next slot, with its delay); on
 * overflow drops every answer of the request with "response too large".
 * Returns false when dropped. */
extern const char persona_too_large[];
bool persona_emit(persona_result *res, wbuf *w, unsigned code, uint32_t delay_ms,
                  bool reliable);

/* ast_cause2str() for the X-Asterisk-HangupCause header. */
const char *persona_cause_text(unsigned cause);

/* Lower-case hex of len random bytes (pj_create_random_string style). */
void persona_random_hex(prng *r, char *out, size_t nhex);
/* An RFC 4122 version 4 UUID, lower-case (ast_uuid_generate_str). */
void persona_random_uuid(prng *r, char out[37]);

/* Text helpers. */
bool text_ieq(const char *a, size_t alen, const char *lit);
bool text_iprefix(const char *a, size_t alen, const char *lit);
const char *text_ifind(const char *h, size_t hlen, const char *needle, size_t *at);
/* The address text a (alen bytes) equals b as an address (inet_pton for
 * both families); b must be an address as inet_ntop writes it (a peer's
 * source). Names never equal an address. */
bool addr_equal(const char *a, size_t alen, const char *b);
/* a (alen bytes) is an IPv4 or IPv6 address text. */
bool addr_is_literal(const char *a, size_t alen);
/* The length of the run at u of bytes other than NUL, CR, LF, SP and HT. */
size_t text_ordinary_run(const unsigned char *u, size_t len);
bool addr_is_ipv6(const char *a);

#endif
