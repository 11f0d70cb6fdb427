/*
 * digest_auth.h - compute and verify HTTP Digest responses for SIP
 * (RFC 2617, RFC 2069 when no qop, RFC 8760 for SHA-256 and SHA-512/256).
 * Hashes come from OpenSSL's libcrypto; comparison is constant-time.
 */
#ifndef SIPSNARE_DIGEST_AUTH_H
#define SIPSNARE_DIGEST_AUTH_H

#include "sip/sip.h"

typedef enum {
    SIP_ALG_MD5 = 0,        /* also when algorithm= is absent */
    SIP_ALG_MD5_SESS,
    SIP_ALG_SHA256,
    SIP_ALG_SHA256_SESS,
    SIP_ALG_SHA512_256,
    SIP_ALG_SHA512_256_SESS,
    SIP_ALG_UNKNOWN,
} sip_digest_alg;

/* Longest hex digest (SHA-256 / SHA-512/256) plus NUL. */
enum { SIP_DIGEST_HEX_MAX = 65 };

/* Longest string hashed in one step ("user:realm:password",
 * "METHOD:uri[:H(body)]", "HA1:nonce:nc:cnonce:qop:HA2"). Inputs that would
 * exceed it are rejected (compute returns 0, verify false): the hashing
 * works in a stack buffer and never allocates. The auth-int body is hashed
 * in place and is bounded only by SIP_MAX_MESSAGE. */
enum { SIP_DIGEST_MAX_INPUT = 2048 };

/* From the algorithm= value (case-insensitive; absent -> MD5). */
sip_digest_alg sip_digest_alg_from(sip_str algorithm);

typedef struct {
    sip_digest_alg alg;
    sip_str username, realm, password; /* or ha1 instead of the password */
    sip_str ha1;                       /* hex H(user:realm:password), optional */
    sip_str method, uri, nonce;
    sip_str qop;                       /* absent or empty: RFC 2069 form   */
    sip_str cnonce, nc;
    sip_str body;                      /* only for qop=auth-int            */
} sip_digest_input;

/* Writes the lower-case hex response into out; returns its length, or 0
 * if the algorithm is unknown or qop is neither auth nor auth-int. */
size_t sip_digest_compute(const sip_digest_input *in, char out[SIP_DIGEST_HEX_MAX]);

/* true when response equals the computed one (hex, case-insensitive),
 * compared in constant time. */
bool sip_digest_verify(const sip_digest_input *in, sip_str response);

/* Writes hex H(username:realm:password) for alg into out; returns length. */
size_t sip_digest_ha1(sip_digest_alg alg, sip_str username, sip_str realm,
                      sip_str password, char out[SIP_DIGEST_HEX_MAX]);

#endif
