/*
 * digest_auth.c - HTTP Digest as SIP uses it (RFC 2617 3.2.2, RFC 2069 when
 * no qop, RFC 8760 / RFC 7616 for SHA-256 and SHA-512/256).
 *
 *   HA1  = H(user:realm:password)                   (or the given ha1)
 *   -sess: HA1 = H(HA1:nonce:cnonce)
 *   HA2  = H(method:uri)       qop=auth-int: H(method:uri:H(body))
 *   resp = H(HA1:nonce:HA2)                          (no qop, RFC 2069)
 *   resp = H(HA1:nonce:nc:cnonce:qop:HA2)            (qop=auth / auth-int)
 *
 * Each string is assembled in a fixed stack buffer (SIP_DIGEST_MAX_INPUT)
 * and hashed in one go. The only state is the fetched digest
 * implementations, fetched once and shared (read-only) by every thread, and
 * one digest context per thread.
 */
#include "sip/digest_auth.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <string.h>

/* ASCII-only helpers: the locale must not change how a protocol token
 * compares. */
static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ieq(sip_str s, const char *lit)
{
    size_t n = strlen(lit);
    if (s.p == NULL || s.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (lower(s.p[i]) != lower(lit[i]))
            return false;
    return true;
}

static bool is_hex(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

sip_digest_alg sip_digest_alg_from(sip_str algorithm)
{
    static const struct { const char *name; sip_digest_alg alg; } names[] = {
        {"MD5", SIP_ALG_MD5},
        {"MD5-sess", SIP_ALG_MD5_SESS},
        {"SHA-256", SIP_ALG_SHA256},
        {"SHA-256-sess", SIP_ALG_SHA256_SESS},
        {"SHA-512-256", SIP_ALG_SHA512_256},
        {"SHA-512-256-sess", SIP_ALG_SHA512_256_SESS},
    };
    if (algorithm.p == NULL || algorithm.len == 0)
        return SIP_ALG_MD5; /* RFC 2617 3.2.1: absent means MD5 */
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (ieq(algorithm, names[i].name))
            return names[i].alg;
    return SIP_ALG_UNKNOWN;
}

/* OpenSSL 3 looks up a provider's implementation on every EVP_Digest given
 * EVP_md5() (an "implicit fetch", under a lock): ~5% of the sensor's own
 * time per request (bench/bench_answer). Fetched once, explicitly; if a
 * fetch fails (no provider for it), the implicit form still works. */
static EVP_MD *fetched[3];
static pthread_once_t fetch_once = PTHREAD_ONCE_INIT;

static void fetch_mds(void)
{
    fetched[0] = EVP_MD_fetch(NULL, "MD5", NULL);
    fetched[1] = EVP_MD_fetch(NULL, "SHA2-256", NULL);
    fetched[2] = EVP_MD_fetch(NULL, "SHA2-512/256", NULL);
}

static const EVP_MD *alg_md(sip_digest_alg alg)
{
    pthread_once(&fetch_once, fetch_mds);
    switch (alg) {
    case SIP_ALG_MD5:
    case SIP_ALG_MD5_SESS:
        return fetched[0] ? fetched[0] : EVP_md5();
    case SIP_ALG_SHA256:
    case SIP_ALG_SHA256_SESS:
        return fetched[1] ? fetched[1] : EVP_sha256();
    case SIP_ALG_SHA512_256:
    case SIP_ALG_SHA512_256_SESS:
        return fetched[2] ? fetched[2] : EVP_sha512_256();
    case SIP_ALG_UNKNOWN:
        break;
    }
    return NULL;
}

static bool alg_is_sess(sip_digest_alg alg)
{
    return alg == SIP_ALG_MD5_SESS || alg == SIP_ALG_SHA256_SESS ||
           alg == SIP_ALG_SHA512_256_SESS;
}

/* A bounded string builder; an overflow sticks and fails the hash. */
typedef struct {
    char d[SIP_DIGEST_MAX_INPUT];
    size_t n;
    bool overflow;
} hbuf;

static void put(hbuf *b, const char *p, size_t len)
{
    if (b->overflow || len > sizeof b->d - b->n) {
        b->overflow = true;
        return;
    }
    if (len)
        memcpy(b->d + b->n, p, len);
    b->n += len;
}

/* An absent view hashes as the empty string. */
static void put_str(hbuf *b, sip_str s) { put(b, s.p, s.p ? s.len : 0); }
static void put_cstr(hbuf *b, const char *s) { put(b, s, strlen(s)); }
static void put_colon(hbuf *b) { put(b, ":", 1); }

/* One digest context per thread, reused and freed when the thread ends:
 * EVP_Digest allocates and frees one per call, a sixth of the cost of
 * hashing a short string (bench/bench_answer). */
static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static bool ctx_key_ok;

static void free_ctx(void *ctx) { EVP_MD_CTX_free(ctx); }
static void make_ctx_key(void) { ctx_key_ok = pthread_key_create(&ctx_key, free_ctx) == 0; }

static EVP_MD_CTX *thread_ctx(void)
{
    pthread_once(&ctx_once, make_ctx_key);
    if (!ctx_key_ok)
        return NULL;
    EVP_MD_CTX *ctx = pthread_getspecific(ctx_key);
    if (ctx == NULL && (ctx = EVP_MD_CTX_new()) != NULL && pthread_setspecific(ctx_key, ctx) != 0) {
        EVP_MD_CTX_free(ctx);
        ctx = NULL;
    }
    return ctx;
}

/* Hashes data into lower-case hex; returns its length, 0 on failure. */
static size_t hash_hex(const EVP_MD *md, const void *data, size_t len,
                       char out[SIP_DIGEST_HEX_MAX])
{
    static const char hex[] = "0123456789abcdef";
    EVP_MD_CTX *ctx = thread_ctx();
    unsigned char bin[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (ctx == NULL)
        return 0;
    if (EVP_DigestInit_ex2(ctx, md, NULL) != 1 || EVP_DigestUpdate(ctx, data, len) != 1 ||
        EVP_DigestFinal_ex(ctx, bin, &n) != 1 || n * 2 + 1 > SIP_DIGEST_HEX_MAX)
        return 0;
    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = hex[bin[i] >> 4];
        out[2 * i + 1] = hex[bin[i] & 15];
    }
    out[2 * n] = '\0';
    return 2 * (size_t)n;
}

static size_t hash_buf(const EVP_MD *md, const hbuf *b, char out[SIP_DIGEST_HEX_MAX])
{
    return b->overflow ? 0 : hash_hex(md, b->d, b->n, out);
}

size_t sip_digest_ha1(sip_digest_alg alg, sip_str username, sip_str realm,
                      sip_str password, char out[SIP_DIGEST_HEX_MAX])
{
    const EVP_MD *md = alg_md(alg);
    if (md == NULL)
        return 0;
    hbuf b = {.n = 0, .overflow = false};
    put_str(&b, username);
    put_colon(&b);
    put_str(&b, realm);
    put_colon(&b);
    put_str(&b, password);
    size_t n = hash_buf(md, &b, out);
    OPENSSL_cleanse(b.d, b.n); /* the password does not linger on the stack */
    return n;
}

enum qop_mode { QOP_NONE, QOP_AUTH, QOP_AUTH_INT, QOP_BAD };

static enum qop_mode qop_mode(sip_str qop)
{
    if (qop.p == NULL || qop.len == 0)
        return QOP_NONE;
    if (ieq(qop, "auth"))
        return QOP_AUTH;
    if (ieq(qop, "auth-int"))
        return QOP_AUTH_INT;
    return QOP_BAD;
}

size_t sip_digest_compute(const sip_digest_input *in, char out[SIP_DIGEST_HEX_MAX])
{
    const EVP_MD *md = alg_md(in->alg);
    enum qop_mode qop = qop_mode(in->qop);
    if (md == NULL || qop == QOP_BAD)
        return 0;
    size_t hexlen = 2 * (size_t)EVP_MD_size(md);

    /* HA1: from the password, or the stored hex (md5secret style), which
     * must have this algorithm's length; it is used lower-cased. */
    char ha1[SIP_DIGEST_HEX_MAX];
    if (in->ha1.p != NULL && in->ha1.len > 0) {
        if (in->ha1.len != hexlen)
            return 0;
        for (size_t i = 0; i < hexlen; i++) {
            if (!is_hex(in->ha1.p[i]))
                return 0;
            ha1[i] = lower(in->ha1.p[i]);
        }
        ha1[hexlen] = '\0';
    } else if (sip_digest_ha1(in->alg, in->username, in->realm, in->password, ha1) != hexlen) {
        return 0;
    }

    hbuf b = {.n = 0, .overflow = false};
    if (alg_is_sess(in->alg)) { /* RFC 2617 3.2.2.2 */
        put(&b, ha1, hexlen);
        put_colon(&b);
        put_str(&b, in->nonce);
        put_colon(&b);
        put_str(&b, in->cnonce);
        if (hash_buf(md, &b, ha1) != hexlen)
            return 0;
    }

    /* HA2, RFC 2617 3.2.2.3 */
    char ha2[SIP_DIGEST_HEX_MAX];
    b.n = 0;
    put_str(&b, in->method);
    put_colon(&b);
    put_str(&b, in->uri);
    if (qop == QOP_AUTH_INT) {
        char hbody[SIP_DIGEST_HEX_MAX];
        if (hash_hex(md, in->body.p ? in->body.p : "", in->body.p ? in->body.len : 0,
                     hbody) != hexlen)
            return 0;
        put_colon(&b);
        put(&b, hbody, hexlen);
    }
    if (hash_buf(md, &b, ha2) != hexlen)
        return 0;

    /* request-digest, RFC 2617 3.2.2.1 (RFC 2069 form without qop) */
    b.n = 0;
    put(&b, ha1, hexlen);
    put_colon(&b);
    put_str(&b, in->nonce);
    put_colon(&b);
    if (qop != QOP_NONE) {
        put_str(&b, in->nc);
        put_colon(&b);
        put_str(&b, in->cnonce);
        put_colon(&b);
        put_str(&b, in->qop);
        put_colon(&b);
    }
    put_cstr(&b, ha2);
    return hash_buf(md, &b, out);
}

bool sip_digest_verify(const sip_digest_input *in, sip_str response)
{
    char want[SIP_DIGEST_HEX_MAX], got[SIP_DIGEST_HEX_MAX];
    size_t n = sip_digest_compute(in, want);
    /* The length is public (it follows from the algorithm), so an early
     * exit on it leaks nothing; the bytes compare in constant time. */
    if (n == 0 || response.p == NULL || response.len != n)
        return false;
    for (size_t i = 0; i < n; i++)
        got[i] = lower(response.p[i]);
    return CRYPTO_memcmp(got, want, n) == 0;
}
