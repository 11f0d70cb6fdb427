/*
 * persona.c - the persona object: configuration defaults, the Asterisk
 * version table (PERSONA.md 1.8 and 2.3), the extension index, the
 * honeypot's dialplan, and persona_handle(), which hands a request to the
 * chan_sip or the res_pjsip responder.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "persona/persona_int.h"

void persona_config_defaults(persona_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->kind = PERSONA_CHAN_SIP;
    snprintf(cfg->version, sizeof cfg->version, "%s", "16.30.1");
    snprintf(cfg->realm, sizeof cfg->realm, "%s", "asterisk"); /* DEFAULT_REALM */
    cfg->alwaysauthreject = false;
    cfg->allowguest = true;   /* chan_sip DEFAULT_ALLOWGUEST; lets svwar -m INVITE enumerate */
    cfg->invite_final_code = 503;
    cfg->invite_hangup_cause = 34;   /* AST_CAUSE_CONGESTION */
    cfg->ring_ms = 0;
    cfg->final_ms = 0;
    cfg->nonce_lifetime_s = 32;      /* 64*T1 (chan_sip) = nonce_lifetime (pjsip) */
    cfg->dialogs = PERSONA_DIALOGS_DEFAULT;
}

const char *persona_auth_name(persona_auth a)
{
    switch (a) {
    case AUTH_NONE: return "none";
    case AUTH_OK: return "ok";
    case AUTH_WRONG_PASSWORD: return "wrong_password";
    case AUTH_UNKNOWN_USER: return "unknown_user";
    case AUTH_STALE: return "stale";
    case AUTH_USERNAME_MISMATCH: return "username_mismatch";
    case AUTH_MALFORMED: return "malformed";
    }
    return "unknown";
}

/* ---- Versions ---------------------------------------------------------- */

/* chan_sip ALLOWED_METHODS by version (PERSONA.md 1.2; 1.4 from its sip.c). */
static const char ALLOW_14[] = "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY";
static const char ALLOW_16[] = "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO";
static const char ALLOW_18[] =
    "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH";
static const char ALLOW_MSG[] =
    "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE";

/* "16.30.1", "1.8.32.3", "11.25.3", "certified/18.9-cert5", "GIT-16-abc"
 * -> the first up to four dot-separated numbers. Unparsable -> 16.30.1. */
static void parse_numbers(const char *t, int v[4])
{
    v[0] = v[1] = v[2] = v[3] = 0;
    while (*t && !isdigit((unsigned char)*t))
        t++;
    if (!*t) {
        v[0] = 16; v[1] = 30; v[2] = 1;
        return;
    }
    for (int i = 0; i < 4 && isdigit((unsigned char)*t); i++) {
        long n = 0;
        while (isdigit((unsigned char)*t)) {
            if (n < 100000)
                n = n * 10 + (*t - '0');
            t++;
        }
        v[i] = (int)n;
        if (*t != '.')
            break;
        t++;
    }
}

void persona_version_parse(const char *text, persona_version *pv)
{
    memset(pv, 0, sizeof *pv);
    parse_numbers(text ? text : "", pv->v);
    int maj = pv->v[0], min = pv->v[1], pat = pv->v[2];

    if (maj == 1) {
        /* 1.x: the minor number is the release line. */
        pv->old14 = min <= 5;
        if (min <= 5) {
            pv->allow = ALLOW_14;
            pv->nat = NAT_REQUESTED;
        } else if (min < 8) {
            pv->allow = ALLOW_16;
            pv->nat = NAT_REQUESTED;
        } else {
            pv->allow = pat >= 27 ? ALLOW_MSG : ALLOW_18;
            /* nat=force_rport became the default in 1.8.9 (PERSONA.md 1.2) */
            pv->nat = pat >= 9 ? NAT_FORCE_RPORT : NAT_REQUESTED;
        }
        pv->publish = min >= 8;
    } else {
        if (maj <= 10) {
            pv->allow = ALLOW_18;
            pv->nat = NAT_FORCE_RPORT;
        } else if (maj == 11) {
            pv->allow = min >= 9 ? ALLOW_MSG : ALLOW_18;
            pv->nat = NAT_AUTO_FORCE_RPORT;
        } else if (maj == 12) {
            pv->allow = min >= 2 ? ALLOW_MSG : ALLOW_18;
            pv->nat = NAT_AUTO_FORCE_RPORT;
        } else {
            pv->allow = ALLOW_MSG;
            pv->nat = NAT_AUTO_FORCE_RPORT;
        }
        pv->publish = true;
        pv->path = maj >= 11;
    }
    pv->pedantic = !pv->old14;           /* pedanticsipchecking=yes since 1.6 */
    pv->user_agent_hdr = pv->old14;      /* chan_sip 1.4 put User-Agent in responses */
    pv->invite_407 = pv->old14;          /* 1.4 challenged INVITE with 407 */
    pv->supported = pv->old14 ? "replaces" : "replaces, timer";

    /* res_pjsip: bundled pjproject <= 2.11 prints algorithm=md5. */
    if (maj <= 15 || maj == 17)
        pv->pj_md5_lower = true;
    else if (maj == 16)
        pv->pj_md5_lower = min <= 25;
    else if (maj == 18)
        pv->pj_md5_lower = min <= 11;
    else if (maj == 19)
        pv->pj_md5_lower = min <= 3;
    /* Accept-Encoding: identity since 16.16.0 / 18.2.0 (commit fba10fb54c);
     * 17.x is taken as before the change. */
    pv->pj_identity = (maj == 16 && min >= 16) || (maj == 18 && min >= 2) || maj >= 19;
}

/* ---- Extension index --------------------------------------------------- */

/* Sorts idx by the extensions' names (Shell sort: qsort() has no context
 * argument in C11, and n <= PERSONA_MAX_EXTENSIONS). */
static void sort_index(const persona_extension *ext, uint16_t *idx, size_t n, bool ci)
{
    static const size_t gaps[] = {701, 301, 132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        size_t gap = gaps[g];
        for (size_t i = gap; i < n; i++) {
            uint16_t t = idx[i];
            size_t j = i;
            while (j >= gap && (ci ? strcasecmp(ext[idx[j - gap]].name, ext[t].name)
                                   : strcmp(ext[idx[j - gap]].name, ext[t].name)) > 0) {
                idx[j] = idx[j - gap];
                j -= gap;
            }
            idx[j] = t;
        }
    }
}

/* Compares a counted string with a NUL-terminated name like strcmp would
 * compare their C strings. */
static int cmp_counted(const char *s, size_t n, const char *name, bool ci)
{
    for (size_t i = 0;; i++) {
        unsigned char a = i < n ? (unsigned char)s[i] : 0;
        unsigned char b = (unsigned char)name[i];
        if (ci) {
            a = (unsigned char)tolower(a);
            b = (unsigned char)tolower(b);
        }
        if (a != b)
            return a < b ? -1 : 1;
        if (a == 0)
            return 0;
    }
}

/* First index in idx whose name is >= s (counted). */
static size_t lower_bound(const persona *p, const uint16_t *idx, const char *s, size_t n, bool ci)
{
    size_t lo = 0, hi = p->cfg.n_extensions;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (cmp_counted(s, n, p->ext[idx[mid]].name, ci) > 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static const persona_extension *find(const persona *p, const uint16_t *idx, const char *s,
                                     size_t n, bool ci)
{
    if (memchr(s, '\0', n))
        return NULL;
    size_t i = lower_bound(p, idx, s, n, ci);
    if (i < p->cfg.n_extensions && cmp_counted(s, n, p->ext[idx[i]].name, ci) == 0)
        return &p->ext[idx[i]];
    return NULL;
}

const persona_extension *persona_find_exten(const persona *p, const char *name, size_t len)
{
    return find(p, p->by_name, name, len, false);
}

const persona_extension *persona_find_peer(const persona *p, const char *name, size_t len)
{
    return find(p, p->by_name_ci, name, len, true);
}

/* ---- The honeypot's dialplan ------------------------------------------- */

/* The [default] context (guests, and peers that may not call out) holds
 * the configured extensions and "s"; a peer with can_call also has an
 * outbound route _XXXXX. / _+XXXXX. (six or more characters of which the
 * first five are digits, after an optional +): what a trunk route looks
 * like, and never a 3-4 digit extension-like number, so guessed short
 * extensions stay 404 for every caller. allowoverlap=no (FreePBX's
 * setting; chan_sip's own default is yes): a prefix of an extension or of
 * the route is not found (404), not incomplete (484). Random 9-10 digit
 * numbers never match for guests (svwar's calibration, PERSONA.md 4.3).
 * The pickup code *8 exists for get_destination() (OPTIONS answers 200). */
static bool outbound_match(const char *e, size_t n)
{
    if (n && e[0] == '+') {
        e++;
        n--;
    }
    if (n < 6)
        return false;
    for (size_t i = 0; i < 5; i++)
        if (!isdigit((unsigned char)e[i]))
            return false;
    return true;
}

dest_kind persona_destination(const persona *p, const char *exten, size_t len, bool can_call)
{
    if (len == 0 || (len == 1 && exten[0] == 's'))
        return persona_find_exten(p, "s", 1) ? DEST_LOCAL : DEST_S;
    if (persona_find_exten(p, exten, len))
        return DEST_LOCAL;
    if (len == 2 && memcmp(exten, "*8", 2) == 0)
        return DEST_PICKUP;
    if (can_call && outbound_match(exten, len))
        return DEST_EXTERNAL;
    return DEST_NOT_FOUND;
}

bool persona_is_external_number(const persona *p, const char *exten, size_t len)
{
    if (len == 0 || persona_find_exten(p, exten, len))
        return false;
    if (len == 2 && memcmp(exten, "*8", 2) == 0)
        return false;
    size_t i = exten[0] == '+' ? 1 : 0, digits = 0;
    for (; i < len; i++) {
        if (isdigit((unsigned char)exten[i]))
            digits++;
        else if (exten[i] != '*' && exten[i] != '#')
            return false;
    }
    return digits > 0;
}

/* ---- Life cycle -------------------------------------------------------- */

/* FreePBX prints FPBX-<freepbx>(<asterisk>): with no version configured,
 * the Asterisk version comes from the agent text. */
static void version_from_fpbx(const char *ua, char *out, size_t cap)
{
    const char *o = strchr(ua, '(');
    const char *c = o ? strchr(o, ')') : NULL;
    if (strncmp(ua, "FPBX-", 5) == 0 && o && c && c > o + 1 && (size_t)(c - o - 1) < cap) {
        memcpy(out, o + 1, (size_t)(c - o - 1));
        out[c - o - 1] = '\0';
    }
}

persona *persona_new(const persona_config *cfg, uint64_t seed)
{
    persona *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    p->cfg = *cfg;
    p->cfg.version[sizeof p->cfg.version - 1] = '\0';
    p->cfg.user_agent[sizeof p->cfg.user_agent - 1] = '\0';
    p->cfg.realm[sizeof p->cfg.realm - 1] = '\0';
    if (p->cfg.realm[0] == '\0')
        snprintf(p->cfg.realm, sizeof p->cfg.realm, "%s", "asterisk");
    if (p->cfg.version[0] == '\0')
        version_from_fpbx(p->cfg.user_agent, p->cfg.version, sizeof p->cfg.version);
    if (p->cfg.version[0] == '\0')
        snprintf(p->cfg.version, sizeof p->cfg.version, "%s", "16.30.1");
    if (p->cfg.nonce_lifetime_s == 0)
        p->cfg.nonce_lifetime_s = 32;
    if (p->cfg.dialogs == 0)
        p->cfg.dialogs = PERSONA_DIALOGS_DEFAULT;
    if (p->cfg.n_extensions > PERSONA_MAX_EXTENSIONS)
        p->cfg.n_extensions = PERSONA_MAX_EXTENSIONS;

    size_t n = p->cfg.n_extensions;
    p->ext = calloc(n ? n : 1, sizeof *p->ext);
    p->by_name = calloc(n ? n : 1, sizeof *p->by_name);
    p->by_name_ci = calloc(n ? n : 1, sizeof *p->by_name_ci);
    p->ha1 = calloc(n ? n : 1, sizeof *p->ha1);
    if (p->ext == NULL || p->by_name == NULL || p->by_name_ci == NULL || p->ha1 == NULL) {
        persona_free(p);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        p->ext[i] = cfg->extensions[i];
        p->ext[i].name[sizeof p->ext[i].name - 1] = '\0';
        p->ext[i].secret[sizeof p->ext[i].secret - 1] = '\0';
        p->ext[i].md5secret[sizeof p->ext[i].md5secret - 1] = '\0';
        p->by_name[i] = p->by_name_ci[i] = (uint16_t)i;
        const persona_extension *e = &p->ext[i];
        if (e->md5secret[0])
            memcpy(p->ha1[i], e->md5secret, sizeof e->md5secret);
        else if (e->secret[0])
            sip_digest_ha1(SIP_ALG_MD5, (sip_str){e->name, strlen(e->name)},
                           (sip_str){p->cfg.realm, strlen(p->cfg.realm)},
                           (sip_str){e->secret, strlen(e->secret)}, p->ha1[i]);
    }
    p->cfg.extensions = p->ext;
    sort_index(p->ext, p->by_name, n, false);
    sort_index(p->ext, p->by_name_ci, n, true);

    persona_version_parse(p->cfg.version, &p->ver);
    if (p->cfg.user_agent[0])
        snprintf(p->ua, sizeof p->ua, "%s", p->cfg.user_agent);
    else
        snprintf(p->ua, sizeof p->ua, "Asterisk PBX %.100s", p->cfg.version);

    prng_seed(&p->rng, seed);
    uint64_t key[2] = {prng_next(&p->rng), prng_next(&p->rng)};
    persona_random_uuid(&p->rng, p->eid);
    if (dlg_init(&p->dialogs, p->cfg.dialogs, key,
                 (int64_t)p->cfg.nonce_lifetime_s * 1000) != 0) {
        persona_free(p);
        return NULL;
    }
    return p;
}

void persona_free(persona *p)
{
    if (p == NULL)
        return;
    dlg_free(&p->dialogs);
    free(p->ext);
    free(p->ha1);
    free(p->by_name);
    free(p->by_name_ci);
    free(p);
}

const char *persona_user_agent(const persona *p)
{
    return p->ua;
}

void persona_handle(persona *p, const sip_msg *msg, const persona_peer *peer,
                    int64_t now_ms, persona_result *res)
{
    res->n = 0;
    res->drop_reason = NULL;
    res->auth = AUTH_NONE;
    res->auth_user = SIP_STR_NULL;
    res->extension_known = false;
    res->dial_external = false;
    res->cancel_pending = false;
    if (msg == NULL || msg->error != NULL) {
        res->drop_reason = "unparsable";
        return;
    }
    if (!msg->is_request) {
        /* Neither stack answers a response to a dialog it does not know. */
        res->drop_reason = "response";
        return;
    }
    if (p->cfg.kind == PERSONA_PJSIP)
        pjsip_handle(p, msg, peer, now_ms, res);
    else
        chansip_handle(p, msg, peer, now_ms, res);
}
