/*
 * sip.h - zero-copy SIP message parser (RFC 3261) for hostile input.
 *
 * Ownership: the caller owns the buffer. Every field below is a view
 * (pointer, length) into that buffer and stays valid exactly as long as the
 * buffer does. Nothing here allocates, nothing does I/O.
 *
 * A view with p == NULL means "absent"; p != NULL with len == 0 means
 * "present but empty" (a User-Agent header with no value is not the same as
 * no User-Agent header).
 *
 * Header values are views of the raw bytes, so a folded value (RFC 3261 7.3.1)
 * still contains CRLF + SP/HTAB; every sub-parser here treats that sequence as
 * linear white space. Use sip_str_unfold() to copy a value into a flat string.
 *
 * Two ways to parse (see sip_msg): complete (sip_parse_*: every field) or
 * lazy (sip_frame_*: framing only, then sip_msg_*() accessors that parse a
 * value on first access and memoise it, Kamailio-style).
 */
#ifndef SIPSNARE_SIP_H
#define SIPSNARE_SIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Limits on hostile input. Every one is enforced; exceeding it is an error
 * (or, for repeated values we only keep a prefix of, a warning flag). */
enum {
    SIP_MAX_MESSAGE = 65535,    /* whole message, headers + body (UDP max)  */
    SIP_MAX_HEADERS = 96,       /* header lines in one message              */
    SIP_MAX_HEADER_LEN = 8192,  /* one header line incl. folded lines       */
    SIP_MAX_VIAS = 16,          /* Via values kept (more: SIP_WARN_TRUNCATED) */
    SIP_MAX_CONTACTS = 8,       /* Contact values kept                      */
};

typedef struct {
    const char *p;
    size_t len;
} sip_str;

#define SIP_STR_NULL ((sip_str){NULL, 0})
static inline bool sip_str_present(sip_str s) { return s.p != NULL; }
/* Case-sensitive and case-insensitive comparison with a C string. */
bool sip_str_eq(sip_str s, const char *lit);
bool sip_str_ieq(sip_str s, const char *lit);
/* Copies s into out (at most cap-1 bytes, NUL-terminated), replacing each
 * fold (CRLF followed by SP/HTAB) by one SP. Returns the length written. */
size_t sip_str_unfold(sip_str s, char *out, size_t cap);
/* Decodes %HH escapes of s into out (NUL-terminated, at most cap-1 bytes).
 * Returns the decoded length, or (size_t)-1 on a malformed escape. The
 * result may contain NUL bytes (RFC 4475 escnull). */
size_t sip_str_unescape(sip_str s, char *out, size_t cap);

typedef enum {
    SIP_METHOD_UNKNOWN = 0,
    SIP_INVITE, SIP_ACK, SIP_BYE, SIP_CANCEL, SIP_OPTIONS, SIP_REGISTER,
    SIP_PRACK, SIP_SUBSCRIBE, SIP_NOTIFY, SIP_PUBLISH, SIP_INFO, SIP_REFER,
    SIP_MESSAGE, SIP_UPDATE,
    SIP_METHOD_COUNT
} sip_method;

/* Method from its token (case-sensitive, RFC 3261 7.1); SIP_METHOD_UNKNOWN
 * for extension methods. */
sip_method sip_method_from(sip_str token);
/* "INVITE", ...; NULL for SIP_METHOD_UNKNOWN or an out-of-range value. */
const char *sip_method_name(sip_method m);

typedef enum {
    SIP_SCHEME_OTHER = 0, /* any other absoluteURI: parsed as scheme:opaque */
    SIP_SCHEME_SIP,
    SIP_SCHEME_SIPS,
    SIP_SCHEME_TEL,
} sip_scheme;

typedef enum {
    SIP_HOST_NONE = 0, SIP_HOST_NAME, SIP_HOST_IPV4, SIP_HOST_IPV6,
} sip_host_kind;

typedef struct {
    sip_str raw;        /* the whole URI                                     */
    sip_scheme scheme;
    sip_str scheme_str; /* as written ("sip", "SIP", "tel", "soap.beep")     */
    sip_str user;       /* user part up to the first ';' (escapes kept);
                           tel: the subscriber number                       */
    sip_str user_params;/* ";par=u" inside the user part (RFC 4475 semiuri),
                           without the leading ';'; tel: its parameters      */
    sip_str password;   /* after ':' in userinfo                             */
    sip_str host;       /* IPv6 without the brackets                         */
    sip_host_kind host_kind;
    sip_str port_str;
    uint16_t port;      /* 0 when absent                                     */
    sip_str params;     /* ";transport=udp;lr" without the leading ';'       */
    sip_str headers;    /* after '?'                                         */
    sip_str opaque;     /* SIP_SCHEME_OTHER: everything after "scheme:"      */
} sip_uri;

/* Parses a SIP/SIPS/TEL URI (or any absoluteURI as scheme + opaque).
 * Returns 0, or -1 with *err set to a static reason. */
int sip_uri_parse(const char *p, size_t len, sip_uri *uri, const char **err);

/* Looks a ';'-separated parameter up in a parameter list (as in
 * sip_uri.params or the params of a name-addr / Via). Name match is
 * case-insensitive. Returns true if present; *value is the value (absent
 * view for a parameter without '='). value may be NULL. */
bool sip_param_find(sip_str params, const char *name, sip_str *value);

/* From, To, Contact, Record-Route style value: [display] <uri> ;params */
typedef struct {
    sip_str raw;        /* the whole value (one comma-separated element)     */
    sip_str display;    /* without the quotes; absent if none                */
    bool display_quoted;
    sip_str uri_raw;    /* text between < and >, or the addr-spec           */
    sip_uri uri;
    bool uri_ok;        /* uri parsed                                        */
    bool star;          /* Contact: *                                         */
    sip_str params;     /* header params after the URI, no leading ';'       */
    sip_str tag;        /* value of ;tag=                                    */
    sip_str expires;    /* value of ;expires= (Contact)                      */
} sip_nameaddr;

int sip_nameaddr_parse(const char *p, size_t len, sip_nameaddr *na, const char **err);

typedef struct {
    sip_str raw;        /* one via-parm                                      */
    sip_str protocol;   /* "SIP/2.0"                                         */
    sip_str transport;  /* "UDP", "TCP", or any token                        */
    sip_str host;       /* IPv6 without brackets                             */
    sip_host_kind host_kind;
    sip_str port_str;
    uint16_t port;      /* 0 when absent                                     */
    sip_str params;     /* no leading ';'                                    */
    sip_str branch, received, rport; /* rport: present-but-empty for ";rport" */
} sip_via;

int sip_via_parse(const char *p, size_t len, sip_via *via, const char **err);

/* One credentials (Authorization) or challenge (WWW-Authenticate) value.
 * Each parameter is kept both raw (as written, quotes included) and as a
 * value (quotes removed, backslash escapes kept), so an odd value from an
 * attack tool is visible to the analysis. */
typedef struct {
    sip_str raw;
    sip_str scheme;     /* "Digest", or another scheme (RFC 4475 regaut01)   */
    sip_str username, realm, nonce, uri, response, algorithm, cnonce,
            opaque, qop, nc, stale, domain;
    sip_str params;     /* everything after the scheme                       */
    unsigned n_params;
    bool duplicate;     /* a known parameter appeared twice                  */
    unsigned quoted;    /* SIP_DIGEST_Q_*: which known parameters were
                           written as quoted-strings (algorithm="MD5" and
                           algorithm=MD5 are different tools)               */
} sip_digest;

/* Bits of sip_digest.quoted, one per known parameter. */
enum {
    SIP_DIGEST_Q_USERNAME = 1u << 0, SIP_DIGEST_Q_REALM = 1u << 1,
    SIP_DIGEST_Q_NONCE = 1u << 2, SIP_DIGEST_Q_URI = 1u << 3,
    SIP_DIGEST_Q_RESPONSE = 1u << 4, SIP_DIGEST_Q_ALGORITHM = 1u << 5,
    SIP_DIGEST_Q_CNONCE = 1u << 6, SIP_DIGEST_Q_OPAQUE = 1u << 7,
    SIP_DIGEST_Q_QOP = 1u << 8, SIP_DIGEST_Q_NC = 1u << 9,
    SIP_DIGEST_Q_STALE = 1u << 10, SIP_DIGEST_Q_DOMAIN = 1u << 11,
};

int sip_digest_parse(const char *p, size_t len, sip_digest *d, const char **err);

typedef enum {
    SIP_HDR_OTHER = 0,
    SIP_HDR_VIA, SIP_HDR_FROM, SIP_HDR_TO, SIP_HDR_CALL_ID, SIP_HDR_CSEQ,
    SIP_HDR_CONTACT, SIP_HDR_MAX_FORWARDS, SIP_HDR_EXPIRES,
    SIP_HDR_USER_AGENT, SIP_HDR_SERVER, SIP_HDR_AUTHORIZATION,
    SIP_HDR_PROXY_AUTHORIZATION, SIP_HDR_WWW_AUTHENTICATE,
    SIP_HDR_PROXY_AUTHENTICATE, SIP_HDR_CONTENT_LENGTH,
    SIP_HDR_CONTENT_TYPE, SIP_HDR_ALLOW, SIP_HDR_SUPPORTED,
    SIP_HDR_REQUIRE, SIP_HDR_PROXY_REQUIRE, SIP_HDR_RECORD_ROUTE,
    SIP_HDR_ROUTE, SIP_HDR_CONTENT_ENCODING, SIP_HDR_ACCEPT,
    SIP_HDR_DATE, SIP_HDR_SUBJECT, SIP_HDR_EVENT,
    /* Added: the remaining compact forms (RFC 3261 7.3.3 and the IANA
     * registry): r b u x a j d y n. */
    SIP_HDR_REFER_TO, SIP_HDR_REFERRED_BY, SIP_HDR_ALLOW_EVENTS,
    SIP_HDR_SESSION_EXPIRES, SIP_HDR_ACCEPT_CONTACT, SIP_HDR_REJECT_CONTACT,
    SIP_HDR_REQUEST_DISPOSITION, SIP_HDR_IDENTITY, SIP_HDR_IDENTITY_INFO,
    SIP_HDR_KIND_COUNT
} sip_hdr_kind;

typedef struct {
    sip_hdr_kind kind;
    sip_str name;       /* as written (may be compact, any case)             */
    sip_str value;      /* trimmed, folds kept                               */
} sip_header;

/* Header kind from a name in long or compact form, case-insensitive. */
sip_hdr_kind sip_hdr_kind_from(sip_str name);
/* Canonical long name ("Call-ID"); NULL for SIP_HDR_OTHER. */
const char *sip_hdr_name(sip_hdr_kind k);

/* Non-fatal oddities, kept for the analysis ("glitches"). */
enum {
    SIP_WARN_TRUNCATED      = 1u << 0,  /* more Vias/Contacts than kept     */
    SIP_WARN_DUP_SINGLETON  = 1u << 1,  /* Call-ID/From/To/CSeq/... twice   */
    SIP_WARN_BAD_FROM       = 1u << 2,  /* From present but unparsable      */
    SIP_WARN_BAD_TO         = 1u << 3,
    SIP_WARN_BAD_VIA        = 1u << 4,
    SIP_WARN_BAD_CONTACT    = 1u << 5,
    SIP_WARN_BAD_CSEQ       = 1u << 6,  /* CSeq present but not "num METHOD" */
    SIP_WARN_CSEQ_MISMATCH  = 1u << 7,  /* CSeq method != request method    */
    SIP_WARN_BAD_RURI       = 1u << 8,  /* Request-URI did not parse        */
    SIP_WARN_BAD_AUTH       = 1u << 9,  /* credentials present, unparsable  */
    SIP_WARN_BAD_NUMBER     = 1u << 10, /* Max-Forwards/Expires not a number */
    SIP_WARN_NO_CONTENT_LENGTH = 1u << 11, /* UDP: body runs to datagram end */
    SIP_WARN_TRAILING_BYTES = 1u << 12, /* UDP: bytes after Content-Length  */
    SIP_WARN_LIBERAL_START  = 1u << 13, /* extra SP in the start line accepted */
    SIP_WARN_BAD_VERSION    = 1u << 14, /* version is not SIP/2.0           */
    /* Added after the first version of this header: */
    SIP_WARN_UNTERMINATED   = 1u << 15, /* UDP: no empty line after the headers;
                                           they run to the datagram end      */
    SIP_WARN_BARE_LF        = 1u << 16, /* a line ended in LF without CR     */
    SIP_WARN_MISSING_HEADER = 1u << 17, /* no Via, From, To, Call-ID or CSeq
                                           (RFC 3261 8.1.1)                  */
    SIP_WARN_RURI_HEADERS   = 1u << 18, /* Request-URI has ?headers (RFC 3261
                                           19.1.1 forbids them); ruri parsed  */
    SIP_WARN_BAD_DATE       = 1u << 19, /* Date is not an rfc1123-date in GMT
                                           (RFC 3261 20.17, RFC 4475 baddate) */
};

/* A parsed message. Two ways to fill it (both zero-copy, no allocation):
 *
 *  - sip_parse_datagram / sip_parse_stream: the complete parse. Every field
 *    below is set and msg->warnings holds every warning.
 *  - sip_frame_datagram / sip_frame_stream: the framing only (Kamailio-style
 *    lazy parsing). It parses the start line and the Request-URI, splits and
 *    classifies the header lines, and takes the values that cost nothing or
 *    decide the verdict: Content-Length (framing), CSeq (CSEQ_MISMATCH),
 *    Call-ID, User-Agent, Server, Content-Type, Allow, Supported, Require,
 *    Proxy-Require, Date, the presence of the mandatory headers
 *    (MISSING_HEADER) and repeated singletons (DUP_SINGLETON). The rest
 *    (the fields in the "memoised" block: Via, From, To, Contact, the four
 *    Digest headers, Max-Forwards, Expires) is parsed on first access
 *    through the sip_msg_*() accessors below, which store the result in
 *    that block and add their warnings to msg->warnings (the same bits the
 *    complete parse sets). Until its accessor (or sip_msg_parse_all) has
 *    run, a memoised field holds stale data: read them only through the
 *    accessors after a frame call.
 *
 * What stays eager, and why: no sub-parse ever made a message INVALID (a
 * broken value is a warning bit), so the verdict of a frame call is the
 * verdict of the complete parse. CSeq is parsed by the framing because
 * CSEQ_MISMATCH (and MISSING_HEADER) belong to the message, not to one
 * value, and it costs a few ns; Date because it is rare. A repeated
 * From/To/Call-ID/CSeq/... is flagged DUP_SINGLETON by the framing; a
 * Max-Forwards or Expires after a valid one by its accessor (as before).
 * Callers that reject on a sub-parse warning (the pjsip persona on
 * BAD_FROM/BAD_TO, the event log writing every warning) use the complete
 * parse.
 *
 * sip_parse_X == sip_frame_X + sip_msg_parse_all on success: the results
 * and warnings are identical (fuzz/fuzz_msg.c and the unit test
 * test_sip_parse "lazy" check it on every input). */
typedef struct {
    /* ---- Set by the framing (zeroed and filled by every parse) ---- */
    /* Start line */
    bool is_request;
    sip_method method;
    sip_str method_str;
    sip_str ruri_raw;
    sip_uri ruri;       /* valid when !(warnings & SIP_WARN_BAD_RURI)         */
    sip_str version;    /* "SIP/2.0" (anything SIP/x.y is accepted, flagged)  */
    unsigned status;    /* responses: 100..699                               */
    sip_str reason;

    /* The cheap headers. A singleton header that appears twice keeps its
     * first value (SIP_WARN_DUP_SINGLETON). */
    sip_str call_id;
    sip_str cseq_raw;
    uint32_t cseq;
    sip_str cseq_method;
    bool cseq_ok;               /* "number METHOD" with number < 2^32        */
    sip_str user_agent, server;
    int64_t content_length;     /* -1 when absent                             */
    sip_str content_type, allow, supported, require, proxy_require;
    sip_str date;               /* added: first Date value (checked, not
                                   converted: SIP_WARN_BAD_DATE)             */

    sip_str body;
    size_t length;              /* bytes of this message (headers + body)    */
    size_t header_length;       /* start line + headers + blank line         */
    unsigned warnings;          /* SIP_WARN_*                                 */

    /* On failure: a static reason and the offset into the buffer. */
    const char *error;
    size_t error_offset;

    /* Added: */
    size_t offset;              /* start line's offset in the buffer (after
                                   leading CRLF keep-alives): the message is
                                   buf[offset, offset + length)             */

    /* Lazy parsing state (private: use the accessors). hdr_first[k] is
     * 1 + the index in headers[] of the first header of kind k, 0 if none;
     * parsed has a bit per memoised field whose accessor has run. */
    uint8_t hdr_first[SIP_HDR_KIND_COUNT];
    uint64_t hdr_repeated;      /* bit k: more than one header of kind k   */
    unsigned parsed;

    unsigned n_headers;
    /* ---- Not zeroed by a parse ---- */
    /* All header lines, in order (entries past n_headers are stale) */
    sip_header headers[SIP_MAX_HEADERS];

    /* ---- Memoised: filled by the accessors (all by the complete parse) ---- */
    sip_via via[SIP_MAX_VIAS];  /* Via values that parsed, top first (one
                                   that did not: skipped, SIP_WARN_BAD_VIA)  */
    unsigned n_via;
    sip_nameaddr from, to;      /* .raw absent when the header is absent     */
    sip_nameaddr contact[SIP_MAX_CONTACTS]; /* every Contact value, parsed or
                                   not (check uri_ok; "None" from svmap is
                                   kept with uri_ok false, SIP_WARN_BAD_CONTACT) */
    unsigned n_contact;
    int max_forwards;           /* -1 when absent or invalid                  */
    int64_t expires;            /* -1 when absent or invalid                  */
    sip_digest authorization;   /* .raw absent when the header is absent     */
    sip_digest proxy_authorization;
    sip_digest www_authenticate;
    sip_digest proxy_authenticate;
} sip_msg;

/* Results of the parse functions. */
enum {
    SIP_PARSE_INVALID = -1,     /* msg->error, msg->error_offset say why     */
    SIP_PARSE_NEED_MORE = -2,   /* stream: headers or body not complete yet  */
};

/* Parses one UDP datagram completely (sip_frame_datagram, then every
 * accessor: all fields of msg are set). Bytes after the message
 * (Content-Length) are ignored and flagged (RFC 4475 dblreq); with no
 * Content-Length the body runs to the end of the datagram. Returns 0 or
 * SIP_PARSE_INVALID; on INVALID only error and error_offset are meaningful. */
int sip_parse_datagram(const char *buf, size_t len, sip_msg *msg);

/* Parses the first message of a stream buffer (TCP) completely (as
 * sip_frame_stream, then every accessor when it returns > 0). Framing needs
 * Content-Length (absent means 0, RFC 3261 18.3). Leading CRLFs (keep-alive)
 * before the message are counted in the return value.
 * last_len is how many bytes of buf the caller already offered in an
 * earlier call that returned NEED_MORE (0 the first time): the search for
 * the end of the headers resumes there instead of rescanning.
 * To resume, the next call also reads what NEED_MORE left in msg: when only
 * the body was short, msg->offset, header_length, content_length and length
 * (the total the message needs, from msg->offset) are set, and while the
 * body is still short the next call answers NEED_MORE in O(1); when the
 * headers were incomplete, header_length is 0 and length is len. So pass
 * the same msg, untouched, to the calls of one stream; a msg that holds
 * something else (one msg shared by several connections) is detected and
 * the search then starts over from the message start: correct, only
 * slower.
 * Returns the bytes consumed (> 0), SIP_PARSE_NEED_MORE or
 * SIP_PARSE_INVALID. */
ssize_t sip_parse_stream(const char *buf, size_t len, size_t last_len, sip_msg *msg);

/* Leading CRLF keep-alives (RFC 5626) in a stream: number of bytes to skip. */
size_t sip_skip_keepalive(const char *buf, size_t len);

/* ---- Lazy parsing -------------------------------------------------------
 * sip_frame_datagram and sip_frame_stream take the same arguments, return
 * the same values and set the same errors as sip_parse_datagram and
 * sip_parse_stream (no sub-parse can make a message INVALID: a broken value
 * is a warning), but leave the memoised fields to the accessors below.
 * Each accessor parses its value(s) on its first call after a frame call,
 * stores the result in msg, ORs its warnings into msg->warnings and returns
 * the result; later calls return it in O(1). Hostile input gives warnings,
 * never errors. After sip_msg_parse_all every accessor has run: fields and
 * warnings are then exactly those of the complete parse. Call accessors
 * only after a frame (or parse) call that succeeded (0, or > 0 for a
 * stream), on the same msg, while the buffer given to it is still valid:
 * they read that buffer through msg->headers. No accessor allocates,
 * recurses or fails; each is bounded by the value it parses. */
int sip_frame_datagram(const char *buf, size_t len, sip_msg *msg);
ssize_t sip_frame_stream(const char *buf, size_t len, size_t last_len, sip_msg *msg);

/* Runs every accessor (a no-op for those that already ran). */
void sip_msg_parse_all(sip_msg *msg);

/* The first value of a header kind (trimmed, folds kept), absent if none:
 * O(1), no parse. */
sip_str sip_msg_header(const sip_msg *msg, sip_hdr_kind kind);

/* From / To: the first value, parsed (SIP_WARN_BAD_FROM / BAD_TO when it
 * does not parse); .raw absent when there is no such header. */
const sip_nameaddr *sip_msg_from(sip_msg *msg);
const sip_nameaddr *sip_msg_to(sip_msg *msg);
/* Via: every value of every Via header (SIP_WARN_BAD_VIA, TRUNCATED);
 * sip_msg_vias returns n_via, sip_msg_via the i-th (top = 0) or NULL. */
unsigned sip_msg_vias(sip_msg *msg);
const sip_via *sip_msg_via(sip_msg *msg, unsigned i);
/* Contact: likewise (SIP_WARN_BAD_CONTACT, TRUNCATED). */
unsigned sip_msg_contacts(sip_msg *msg);
const sip_nameaddr *sip_msg_contact(sip_msg *msg, unsigned i);
/* The first Authorization, Proxy-Authorization, WWW-Authenticate and
 * Proxy-Authenticate value (SIP_WARN_BAD_AUTH); all zero (.raw absent)
 * when there is none. */
const sip_digest *sip_msg_authorization(sip_msg *msg);
const sip_digest *sip_msg_proxy_authorization(sip_msg *msg);
const sip_digest *sip_msg_www_authenticate(sip_msg *msg);
const sip_digest *sip_msg_proxy_authenticate(sip_msg *msg);
/* Max-Forwards (0..255) and Expires (< 2^32): the first valid value, -1
 * when absent or invalid (SIP_WARN_BAD_NUMBER, DUP_SINGLETON). */
int sip_msg_max_forwards(sip_msg *msg);
int64_t sip_msg_expires(sip_msg *msg);

#endif
