/*
 * test_attack_requests.c - the requests real attack tools send (captured
 * from Debian bookworm sipvicious 0.3.3, nmap 7.93, sipsak 0.9.8.1; see
 * tests/data/attack-tools/SOURCE.md): each top-level sample parses with the
 * fields the honeypot classifies on, and every request and response of the
 * recorded flows (some deliberately malformed) parses or is rejected
 * cleanly, as a datagram, as a stream, and cut at every length.
 */
#include "test_sip_util.h"

#define DIR_TOOLS "tests/data/attack-tools"

struct tool_case {
    const char *file;
    const char *method, *ruri_user, *ruri_host, *from_user, *from_tag, *to_user, *ua, *call_id;
    unsigned warnings;
    /* digest credentials (Authorization), NULL when none */
    const char *d_user, *d_realm, *d_nonce, *d_uri, *d_response, *d_alg, *d_qop, *d_cnonce, *d_nc, *d_opaque;
};

static const struct tool_case tools[] = {
    /* svmap: no space between display name and '<' */
    {"svmap_options.txt", "OPTIONS", "100", "127.0.0.1", "100", "3766303030303031336164340131383037313632313535", "100", "friendly-scanner", "731174938943065054040254", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"svmap_invite.txt", "INVITE", "100", "127.0.0.1", "100", "37663030303030313361643401363833313230333033", "100", "friendly-scanner", "464973689271427115856975", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    /* svmap -m REGISTER: "Contact: None" */
    {"svmap_register.txt", "REGISTER", NULL, "127.0.0.1", "100", "37663030303030313361643401363936353336363639", "100", "friendly-scanner", "159482824158154442486941", SIP_WARN_BAD_CONTACT, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"svwar_register_probe_random_ext.txt", "REGISTER", NULL, "127.0.0.1", "1937014704", "313933373031343730340132323935323930313132", "1937014704", "friendly-scanner", "4059042088", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"svwar_options_probe_random_ext.txt", "OPTIONS", "3764925318", "127.0.0.1", "3764925318", "333736343932353331380133363531313933353834", "3764925318", "friendly-scanner", "3806881942", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"svwar_invite_probe_random_ext.txt", "INVITE", "724546934", "127.0.0.1", "724546934", "3732343534363933340133333832323230323931", "724546934", "friendly-scanner", "549699061", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"svwar_register.txt", "REGISTER", NULL, "127.0.0.1", "100", "3130300133303038393431363438", "100", "friendly-scanner", "1599387079", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"svwar_options.txt", "OPTIONS", "100", "127.0.0.1", "100", "3130300133363537353833323931", "100", "friendly-scanner", "1063367212", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"svwar_invite.txt", "INVITE", "100", "127.0.0.1", "100", "31303001353239313138333034", "100", "friendly-scanner", "2373851158", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    /* svwar ACK: "CSeq: 1  ACK" (two spaces), "Contact: sip:None@..." */
    {"svwar_ack.txt", "ACK", NULL, "127.0.0.1", "100", "31303001353239313138333034", "100", "friendly-scanner", "2373851158", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    /* svcrack: fixed From tag on the first REGISTER ... */
    {"svcrack_register_first.txt", "REGISTER", NULL, "127.0.0.1", "100", "3206210844", "100", "friendly-scanner", "2918566985", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    /* ... then qop=auth without cnonce/nc (no qop was offered) */
    {"svcrack_register_auth.txt", "REGISTER", NULL, "127.0.0.1", "100", "3130303a31303001393738343632343139", "100", "friendly-scanner", "1360000614", 0,
     "100", "asterisk", "37a300ff", "sip:127.0.0.1", "cdda2a91e98ae932561da29dc0623721", "MD5", "auth", NULL, NULL, NULL},
    {"svcrack_register_auth_correct.txt", "REGISTER", NULL, "127.0.0.1", "100", "3130303a313233340133393139323733373534", "100", "friendly-scanner", "4224123211", 0,
     "100", "asterisk", "6410dd31", "sip:127.0.0.1", "e621bce234dec7b61807e3c42dee5740", "MD5", "auth", NULL, NULL, NULL},
    {"svcrack_register_auth_qop.txt", "REGISTER", NULL, "127.0.0.1", "100", "3130303a3130300133363635373534373539", "100", "friendly-scanner", "3851053972", 0,
     "100", "asterisk", "1795621544/86cc0adacf718941645a463fd052e037", "sip:127.0.0.1", "1d3712b2c3ae0550a240d26e7f642d45", "MD5", "auth", "4aa18525b65049d9be38355c5deca37f", "00000001", "acae2f733a3b396c"},
    /* nmap -sV SIPOptions probe: no User-Agent */
    {"nmap_sV_SIPOptions_probe.txt", "OPTIONS", NULL, "nm", "nm", "root", "nm2", NULL, "50000", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"nmap_sip_methods.txt", "OPTIONS", NULL, "127.0.0.1", "user", "vtB70Kz60vcCvOGHuxEI", "user", "Nmap NSE", "9XbABzTRewOJOgB_C6m7vEBZydLxiq9hDaiEP1Wunl31G51J0dGlhHAUlMHI", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"nmap_sip_enum_users_register_random.txt", "REGISTER", NULL, "127.0.0.1", "795897723", "OH7rShHhjdlfwMhDNjmK", "795897723", "Nmap NSE", "n8wbBqOD32SikoW7XixrZhamEVlQ08Ec6147gH_Z9R8j6TgT1S_P0Z24vdKk", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"nmap_sip_enum_users_register.txt", "REGISTER", NULL, "127.0.0.1", "100", "JlDXAQME0UJBCJBp_bZ3", "100", "Nmap NSE", "TtXPR4MS7kOLjxmTb1OLx_1kbwWeDloXTBml5z41YHC85oRVfghRfY26JNaM", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"nmap_sip_brute_register_baduser.txt", "REGISTER", NULL, "127.0.0.1", "baduser-7453", "waOdlI_Ezh2_OgtT0XWl", "baduser-7453", "Nmap NSE", "tL9rIjFO0Wku7iHY_javoM12OtFEE0UxBSeJ2kYr68a2fiPfGqQv2GmG0rK4", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"nmap_sip_brute_register.txt", "REGISTER", NULL, "127.0.0.1", "100", "o5dy8RFW5ZBCpQyFjpVJ", "100", "Nmap NSE", "445q6UIOecoP33sdAri0OZzc5hwv5HWzBQf7knLDFzT8rAbss9i6YWYS4KDz", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    /* nmap: MD5, no qop, unquoted algorithm last */
    {"nmap_sip_brute_register_auth.txt", "REGISTER", NULL, "127.0.0.1", "100", "o5dy8RFW5ZBCpQyFjpVJ", "100", "Nmap NSE", "445q6UIOecoP33sdAri0OZzc5hwv5HWzBQf7knLDFzT8rAbss9i6YWYS4KDz", 0,
     "100", "asterisk", "0d37dc56", "sip:127.0.0.1", "2a946570b20aa5bf5bf4c1bf2553a2c0", "MD5", NULL, NULL, NULL, NULL},
    {"nmap_sip_call_spoof_invite.txt", "INVITE", NULL, "127.0.0.1", "555", "vnp_3k5FQl1iP73XQfp4", "555", "Ekiga", "fHl0Kwch4OrF_3NpE6NocQBT33B8Qq8vxjl7UDeORKTQCh6HdJw5ZxNRqPP6", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    /* sipsak: From/To without <>, Via ";rport;alias" */
    {"sipsak_options.txt", "OPTIONS", "100", "127.0.0.1", "sipsak", "58126aaf", "100", "sipsak 0.9.8.1", "1477601967@127.0.0.1", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    {"sipsak_register.txt", "REGISTER", NULL, "127.0.0.1", "100", "471be65e", "100", "sipsak 0.9.8.1", "1193010782@127.0.0.1", 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL},
    /* sipsak: Authorization before Via */
    {"sipsak_register_auth.txt", "REGISTER", NULL, "127.0.0.1", "100", "471be65e", "100", "sipsak 0.9.8.1", "1193010782@127.0.0.1", 0,
     "100", "asterisk", "6549f122", "sip:127.0.0.1", "9cc3318c9b34b7588d6800f13a8a0196", "MD5", NULL, NULL, NULL, NULL},
};

static sip_msg m, ms;

#define CHECK_OPT(view, lit) do { if ((lit) == NULL) CHECK_ABSENT(view); else CHECK_VIEW(view, (lit)); } while (0)

static void top_level_requests(void)
{
    char **names;
    size_t n = list_dir(DIR_TOOLS, ".txt", &names), covered = 0;
    for (size_t i = 0; i < sizeof tools / sizeof tools[0]; i++) {
        const struct tool_case *c = &tools[i];
        char path[256];
        guarded g;
        int before = check_failures_in_case;
        snprintf(path, sizeof path, DIR_TOOLS "/%s", c->file);
        guard_file(&g, path);
        CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
        CHECK(m.is_request);
        CHECK_VIEW(m.method_str, c->method);
        CHECK_OPT(m.ruri.user, c->ruri_user);
        CHECK_VIEW(m.ruri.host, c->ruri_host);
        CHECK(m.from.uri_ok && m.to.uri_ok);
        CHECK_VIEW(m.from.uri.user, c->from_user);
        CHECK_VIEW(m.from.tag, c->from_tag);
        CHECK_VIEW(m.to.uri.user, c->to_user);
        CHECK_OPT(m.user_agent, c->ua);
        CHECK_VIEW(m.call_id, c->call_id);
        CHECK(m.cseq_ok);
        CHECK_VIEW(m.cseq_method, c->method);
        CHECK_INT(m.n_via, 1);
        CHECK(sip_str_present(m.via[0].branch));
        CHECK_INT(m.content_length, 0);
        CHECK_INT(m.warnings, c->warnings);
        if (c->d_user) {
            const sip_digest *d = &m.authorization;
            CHECK_VIEW(d->scheme, "Digest");
            CHECK_VIEW(d->username, c->d_user);
            CHECK_VIEW(d->realm, c->d_realm);
            CHECK_VIEW(d->nonce, c->d_nonce);
            CHECK_VIEW(d->uri, c->d_uri);
            CHECK_VIEW(d->response, c->d_response);
            CHECK_VIEW(d->algorithm, c->d_alg);
            CHECK_OPT(d->qop, c->d_qop);
            CHECK_OPT(d->cnonce, c->d_cnonce);
            CHECK_OPT(d->nc, c->d_nc);
            CHECK_OPT(d->opaque, c->d_opaque);
            CHECK(!d->duplicate);
            CHECK(!(d->quoted & SIP_DIGEST_Q_ALGORITHM)); /* all three send algorithm=MD5 */
        } else {
            CHECK_ABSENT(m.authorization.raw);
        }
        /* the same bytes as a stream: one whole message */
        CHECK_INT(sip_parse_stream(g.p, g.len, 0, &ms), (ssize_t)g.len);
        if (check_failures_in_case != before)
            fprintf(stderr, "  ^ %s\n", c->file);
        guard_free(&g);
    }
    /* every top-level sample is in the table */
    for (size_t i = 0; i < n; i++) {
        bool found = false;
        for (size_t k = 0; k < sizeof tools / sizeof tools[0]; k++)
            found |= strcmp(tools[k].file, names[i]) == 0;
        if (!found)
            fprintf(stderr, "  %s has no row\n", names[i]);
        CHECK(found);
        covered += found;
        free(names[i]);
    }
    free(names);
    CHECK_INT(covered, sizeof tools / sizeof tools[0]);
}

static void tool_specifics(void)
{
    guarded g;
    guard_file(&g, DIR_TOOLS "/sipsak_register_auth.txt");
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.headers[0].kind, SIP_HDR_AUTHORIZATION);   /* before Via */
    CHECK_INT(m.headers[1].kind, SIP_HDR_VIA);
    CHECK_VIEW(m.via[0].params, "branch=z9hG4bK.4f70afd1;rport;alias");
    CHECK_VIEW(m.via[0].rport, "");
    CHECK_INT(m.expires, 120);
    CHECK_ABSENT(m.from.display);
    guard_free(&g);

    guard_file(&g, DIR_TOOLS "/svmap_register.txt");
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.n_contact, 1);
    CHECK_VIEW(m.contact[0].raw, "None");
    CHECK(!m.contact[0].uri_ok);
    CHECK_VIEW(m.from.display, "sipvicious");
    CHECK(m.from.display_quoted);
    guard_free(&g);

    guard_file(&g, DIR_TOOLS "/svwar_ack.txt");
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_VIEW(m.cseq_raw, "1  ACK");
    CHECK_VIEW(m.to.tag, "as3ef46130");
    CHECK_VIEW(m.contact[0].uri.user, "None");
    guard_free(&g);

    guard_file(&g, DIR_TOOLS "/nmap_sip_brute_register.txt");
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_VIEW(m.via[0].params, "rport;branch=z9hG4bKSZnTpIQPvbS1Qlz7mQpTOMPmj");
    CHECK_INT(m.n_headers, 11);
    CHECK_VIEW(m.headers[10].value, "0");          /* "Content-Length:  0" */
    CHECK_VIEW(m.allow, "PRACK, INVITE ,ACK, BYE, CANCEL, UPDATE, SUBSCRIBE,NOTIFY, REFER, MESSAGE, OPTIONS");
    CHECK_VIEW(m.contact[0].display, "Nmap NSE");
    CHECK_INT(m.contact[0].uri.port, 46108);
    CHECK_INT(m.expires, 0);
    guard_free(&g);

    guard_file(&g, DIR_TOOLS "/svcrack_register_auth_qop.txt");
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), 0);
    CHECK_INT(m.authorization.n_params, 10);
    CHECK_INT(m.authorization.quoted, SIP_DIGEST_Q_USERNAME | SIP_DIGEST_Q_REALM | SIP_DIGEST_Q_NONCE |
              SIP_DIGEST_Q_URI | SIP_DIGEST_Q_CNONCE | SIP_DIGEST_Q_RESPONSE | SIP_DIGEST_Q_OPAQUE);
    guard_free(&g);

    /* nmap -sU: the empty datagram is INVALID, not a crash */
    guard_file(&g, DIR_TOOLS "/nmap_udp_portscan_5060_payload.bin");
    CHECK_INT(g.len, 0);
    CHECK_INT(sip_parse_datagram(g.p, g.len, &m), SIP_PARSE_INVALID);
    CHECK_STR(m.error, "empty datagram");
    CHECK_INT(sip_parse_stream(g.p, g.len, 0, &ms), SIP_PARSE_NEED_MORE);
    guard_free(&g);
}

/* Malformed requests the flows contain on purpose, and what they give. */
static int expected_for(const char *name, size_t len)
{
    if (len == 0)
        return SIP_PARSE_INVALID;                       /* nmap's empty probes */
    if (strstr(name, "_09_hello") || strstr(name, "_09_garbage"))
        return SIP_PARSE_INVALID;                       /* "hello world" */
    return 0;
}

static void flows_dir(const char *dir, size_t *files)
{
    char **names;
    size_t n = list_dir(dir, ".txt", &names);
    for (size_t i = 0; i < n; i++) {
        char path[512];
        guarded g;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        guard_file(&g, path);
        int r = sip_parse_datagram(g.p, g.len, &m);
        int want = expected_for(names[i], g.len);
        if (r != want)
            fprintf(stderr, "  %s: %d (%s)\n", path, r, r ? m.error : "");
        CHECK_INT(r, want);
        if (r == 0) {
            CHECK(m.call_id.p != NULL || (m.warnings & SIP_WARN_MISSING_HEADER));
            if (m.warnings & SIP_WARN_BAD_VERSION) /* only the client's SIP/3.0 case */
                CHECK(strstr(names[i], "bad_version") != NULL || strstr(names[i], "_08_") != NULL);
        } else {
            CHECK(m.error != NULL);
        }
        ssize_t s = sip_parse_stream(g.p, g.len, 0, &ms);
        CHECK(s == (r == 0 ? (ssize_t)(m.offset + m.length) : s));
        CHECK(s == SIP_PARSE_NEED_MORE || s == SIP_PARSE_INVALID || s > 0);
        guard_free(&g);
        free(names[i]);
        (*files)++;
    }
    free(names);
}

static void flows_parse_or_reject_cleanly(void)
{
    size_t files = 0;
    flows_dir(DIR_TOOLS "/flows", &files);
    flows_dir(DIR_TOOLS "/flows/client", &files);
    flows_dir(DIR_TOOLS "/flows/responses", &files);
    CHECK(files > 400);
}

/* Every top-level sample cut at every length, as a datagram and a stream
 * (guard page right after the cut). */
static void every_cut(void)
{
    char **names;
    size_t n = list_dir(DIR_TOOLS, ".txt", &names);
    for (size_t i = 0; i < n; i++) {
        char path[256];
        size_t len;
        snprintf(path, sizeof path, DIR_TOOLS "/%s", names[i]);
        char *full = check_read_file(path, &len);
        for (size_t k = 0; k <= len; k++) {
            guarded g;
            guard_copy(&g, full, k);
            (void)sip_parse_datagram(g.p, k, &m);
            ssize_t s = sip_parse_stream(g.p, k, k > 7 ? k - 7 : 0, &ms);
            if (k < len)
                CHECK(s == SIP_PARSE_NEED_MORE);
            else
                CHECK_INT(s, (ssize_t)len);
            guard_free(&g);
        }
        free(full);
        free(names[i]);
    }
    free(names);
}

CHECK_MAIN("test_attack_requests",
    {"top-level tool requests: method, users, UA, digest", top_level_requests},
    {"tool specifics: header order, Contact: None, CSeq spacing", tool_specifics},
    {"flows: every request/response parses or is rejected", flows_parse_or_reject_cleanly},
    {"every cut of every sample", every_cut},
)
