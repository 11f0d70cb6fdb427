/*
 * test_sip_uri.c - URI, name-addr, Via and Digest sub-parsers, each input
 * in a guarded (exactly sized) buffer.
 */
#include "test_sip_util.h"

/* Expected fields of a URI; NULL means absent. */
struct uri_case {
    const char *in;
    int ok;                 /* 0 parses, -1 rejected */
    sip_scheme scheme;
    const char *user, *user_params, *password, *host;
    sip_host_kind kind;
    const char *port_str;
    unsigned port;
    const char *params, *headers, *opaque;
};

static const struct uri_case uri_cases[] = {
    {"sip:alice@example.com", 0, SIP_SCHEME_SIP, "alice", NULL, NULL, "example.com", SIP_HOST_NAME, NULL, 0, NULL, NULL, NULL},
    {"SIP:alice@EXAMPLE.com:5060;transport=udp;lr", 0, SIP_SCHEME_SIP, "alice", NULL, NULL, "EXAMPLE.com", SIP_HOST_NAME, "5060", 5060, "transport=udp;lr", NULL, NULL},
    {"sips:bob:secret@192.0.2.4:65535", 0, SIP_SCHEME_SIPS, "bob", NULL, "secret", "192.0.2.4", SIP_HOST_IPV4, "65535", 65535, NULL, NULL, NULL},
    {"sip:127.0.0.1", 0, SIP_SCHEME_SIP, NULL, NULL, NULL, "127.0.0.1", SIP_HOST_IPV4, NULL, 0, NULL, NULL, NULL},
    {"sip:nm", 0, SIP_SCHEME_SIP, NULL, NULL, NULL, "nm", SIP_HOST_NAME, NULL, 0, NULL, NULL, NULL},
    {"sip:[2001:db8::10]:5070;maddr=x", 0, SIP_SCHEME_SIP, NULL, NULL, NULL, "2001:db8::10", SIP_HOST_IPV6, "5070", 5070, "maddr=x", NULL, NULL},
    {"sip:u@[::ffff:192.0.2.1]", 0, SIP_SCHEME_SIP, "u", NULL, NULL, "::ffff:192.0.2.1", SIP_HOST_IPV6, NULL, 0, NULL, NULL, NULL},
    /* RFC 4475 semiuri: ';' inside the user part */
    {"sip:user;par=u%40example.net@example.com", 0, SIP_SCHEME_SIP, "user", "par=u%40example.net", NULL, "example.com", SIP_HOST_NAME, NULL, 0, NULL, NULL, NULL},
    /* RFC 4475 esc01: escapes kept raw */
    {"sip:sips%3Auser%40example.com@example.net", 0, SIP_SCHEME_SIP, "sips%3Auser%40example.com", NULL, NULL, "example.net", SIP_HOST_NAME, NULL, 0, NULL, NULL, NULL},
    {"sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31", 0, SIP_SCHEME_SIP, "cal%6Cer", NULL, NULL, "host5.example.net", SIP_HOST_NAME, NULL, 0, "%6C%72;n%61me=v%61lue%25%34%31", NULL, NULL},
    /* RFC 4475 escnull */
    {"sip:null-%00-null@example.com", 0, SIP_SCHEME_SIP, "null-%00-null", NULL, NULL, "example.com", SIP_HOST_NAME, NULL, 0, NULL, NULL, NULL},
    /* RFC 4475 escruri, regescrt: headers */
    {"sip:user@example.com?Route=%3Csip:example.com%3E", 0, SIP_SCHEME_SIP, "user", NULL, NULL, "example.com", SIP_HOST_NAME, NULL, 0, NULL, "Route=%3Csip:example.com%3E", NULL},
    {"sip:a@b;lr?x=1&y=2", 0, SIP_SCHEME_SIP, "a", NULL, NULL, "b", SIP_HOST_NAME, NULL, 0, "lr", "x=1&y=2", NULL},
    /* RFC 4475 intmeth: every unreserved/user-unreserved character */
    {"sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com", 0, SIP_SCHEME_SIP,
     "1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/", ";*", "&it+has=1,weird!*pas$wo~d_too.(doesn't-it)", "example.com", SIP_HOST_NAME, NULL, 0, NULL, NULL, NULL},
    {"sip:alice:@host", 0, SIP_SCHEME_SIP, "alice", NULL, "", "host", SIP_HOST_NAME, NULL, 0, NULL, NULL, NULL},
    {"tel:+1-201-555-0123;phone-context=example.com", 0, SIP_SCHEME_TEL, "+1-201-555-0123", "phone-context=example.com", NULL, NULL, SIP_HOST_NONE, NULL, 0, NULL, NULL, NULL},
    {"TEL:911", 0, SIP_SCHEME_TEL, "911", NULL, NULL, NULL, SIP_HOST_NONE, NULL, 0, NULL, NULL, NULL},
    /* other schemes: scheme + opaque (RFC 4475 unkscm, novelsc, unksm2) */
    {"nobodyKnowsThisScheme:totallyopaquecontent", 0, SIP_SCHEME_OTHER, NULL, NULL, NULL, NULL, SIP_HOST_NONE, NULL, 0, NULL, NULL, "totallyopaquecontent"},
    {"soap.beep://192.0.2.103:3002", 0, SIP_SCHEME_OTHER, NULL, NULL, NULL, NULL, SIP_HOST_NONE, NULL, 0, NULL, NULL, "//192.0.2.103:3002"},
    {"http://www.example.com", 0, SIP_SCHEME_OTHER, NULL, NULL, NULL, NULL, SIP_HOST_NONE, NULL, 0, NULL, NULL, "//www.example.com"},
    /* rejected */
    {"", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"None", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},          /* svmap Contact */
    {"sip:", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:@host", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:;x@host", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@host:65536", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@host:99999999999999999999", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@host:", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@host:-1", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@256.1.1.1", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@[::1", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@[1::2::3]", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@[]", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@example.com; lr", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL}, /* lwsruri */
    {"<sip:user@example.com>", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},   /* ltgtruri */
    {" sip:t.watson@example.org ", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL}, /* badaspec */
    {"sip:user@host;;lr", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@host;", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@host?", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:us%zzer@host", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:user@host%41", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"sip:us\0er@host", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"9sip:x", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"tel:", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"tel:12 34", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"x:", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
    {"x:a b", -1, 0, NULL, NULL, NULL, NULL, 0, NULL, 0, NULL, NULL, NULL},
};

#define CHECK_OPT(view, lit) do { if ((lit) == NULL) CHECK_ABSENT(view); else CHECK_VIEW(view, (lit)); } while (0)

static void uris(void)
{
    for (size_t i = 0; i < sizeof uri_cases / sizeof uri_cases[0]; i++) {
        const struct uri_case *c = &uri_cases[i];
        /* Inputs with an embedded NUL: the literal's size, not strlen. */
        size_t n = strcmp(c->in, "sip:us") == 0 ? 14 : strlen(c->in);
        guarded g;
        sip_uri u;
        const char *err = NULL;
        guard_copy(&g, c->in, n);
        int r = sip_uri_parse(g.p, g.len, &u, &err);
        if (r != c->ok)
            fprintf(stderr, "  uri case %zu \"%s\": %d (%s)\n", i, c->in, r, err ? err : "");
        CHECK_INT(r, c->ok);
        if (r == 0 && c->ok == 0) {
            CHECK_INT(u.scheme, c->scheme);
            CHECK(u.raw.p == g.p && u.raw.len == n);
            CHECK_OPT(u.user, c->user);
            CHECK_OPT(u.user_params, c->user_params);
            CHECK_OPT(u.password, c->password);
            CHECK_OPT(u.host, c->host);
            CHECK_INT(u.host_kind, c->kind);
            CHECK_OPT(u.port_str, c->port_str);
            CHECK_INT(u.port, c->port);
            CHECK_OPT(u.params, c->params);
            CHECK_OPT(u.headers, c->headers);
            CHECK_OPT(u.opaque, c->opaque);
        }
        if (r != 0)
            CHECK(err != NULL);
        guard_free(&g);
    }
    sip_uri u;
    const char *err;
    CHECK_INT(sip_uri_parse(NULL, 0, &u, &err), -1);
    CHECK_INT(sip_uri_parse("sip:a@b", 7, &u, NULL), 0); /* err may be NULL */
    CHECK_INT(sip_uri_parse("sip:a@", 6, &u, NULL), -1);
}

static void uri_every_prefix_is_safe(void)
{
    /* Every prefix of a rich URI parses or fails without reading past it. */
    const char *full = "sips:us%41er;p=1:pw@[2001:db8::1]:5061;transport=tls;lr?h=%3C&x=y";
    for (size_t n = 0; n <= strlen(full); n++) {
        guarded g;
        sip_uri u;
        const char *err;
        guard_copy(&g, full, n);
        (void)sip_uri_parse(g.p, g.len, &u, &err);
        guard_free(&g);
    }
}

static void param_find(void)
{
    const char *p = "transport=udp;LR;maddr = 10.0.0.1 ;q=\"a;b\";tag=x";
    sip_str params = {p, strlen(p)}, v;
    CHECK(sip_param_find(params, "transport", &v));
    CHECK_VIEW(v, "udp");
    CHECK(sip_param_find(params, "lr", &v));
    CHECK_ABSENT(v);
    CHECK(sip_param_find(params, "MADDR", &v));
    CHECK_VIEW(v, "10.0.0.1");
    CHECK(sip_param_find(params, "q", &v));
    CHECK_VIEW(v, "\"a;b\"");
    CHECK(sip_param_find(params, "tag", NULL));
    CHECK(!sip_param_find(params, "b\"", &v));
    CHECK(!sip_param_find(params, "ttl", &v));
    CHECK(!sip_param_find(SIP_STR_NULL, "x", &v));
    const char *bad = "a=\"unterminated;b=1";
    CHECK(!sip_param_find((sip_str){bad, strlen(bad)}, "b", &v));
}

struct na_case {
    const char *in;
    int ok;
    bool uri_ok;
    const char *display;
    bool quoted;
    const char *uri_raw, *user, *host, *params, *tag, *expires;
    bool star;
};

static const struct na_case na_cases[] = {
    {"\"Alice\" <sip:alice@example.com>;tag=1928", 0, true, "Alice", true, "sip:alice@example.com", "alice", "example.com", "tag=1928", "1928", NULL, false},
    /* no LWS between display and '<' (RFC 4475 lwsdisp, svmap/svwar) */
    {"\"sipvicious\"<sip:100@1.1.1.1>;tag=3766", 0, true, "sipvicious", true, "sip:100@1.1.1.1", "100", "1.1.1.1", "tag=3766", "3766", NULL, false},
    {"caller<sip:caller@example.com>;tag=323", 0, true, "caller", false, "sip:caller@example.com", "caller", "example.com", "tag=323", "323", NULL, false},
    {"A. Bell <sip:a.g.bell@example.com>;tag=qweoiqpe", 0, true, "A. Bell", false, "sip:a.g.bell@example.com", "a.g.bell", "example.com", "tag=qweoiqpe", "qweoiqpe", NULL, false},
    {"<sip:nm@nm>;tag=root", 0, true, NULL, false, "sip:nm@nm", "nm", "nm", "tag=root", "root", NULL, false},
    /* addr-spec: the params are header params (RFC 3261 20.10, RFC 4475 cparam01) */
    {"sip:+19725552222@gw1.example.net;unknownparam", 0, true, NULL, false, "sip:+19725552222@gw1.example.net", "+19725552222", "gw1.example.net", "unknownparam", NULL, NULL, false},
    {"<sip:+19725552222@gw1.example.net;unknownparam>", 0, true, NULL, false, "sip:+19725552222@gw1.example.net;unknownparam", "+19725552222", "gw1.example.net", NULL, NULL, NULL, false},
    {"sip:sipsak@127.0.0.1:53155;tag=58126aaf", 0, true, NULL, false, "sip:sipsak@127.0.0.1:53155", "sipsak", "127.0.0.1", "tag=58126aaf", "58126aaf", NULL, false},
    {"sip:user;par=u%40example.net@example.com;tag=1", 0, true, NULL, false, "sip:user;par=u%40example.net@example.com", "user", "example.com", "tag=1", "1", NULL, false},
    /* folds and LWS around ';' and '=' (RFC 4475 wsinv) */
    {"sip:vivekg@chair-dnrc.example.com ;   tag    = 1918181833n", 0, true, NULL, false, "sip:vivekg@chair-dnrc.example.com", "vivekg", "chair-dnrc.example.com", "tag    = 1918181833n", "1918181833n", NULL, false},
    {"\"J Rosenberg \\\\\\\"\"       <sip:jdrosen@example.com>\r\n  ;\r\n  tag = 98asjd8", 0, true, "J Rosenberg \\\\\\\"", true, "sip:jdrosen@example.com", "jdrosen", "example.com", "tag = 98asjd8", "98asjd8", NULL, false},
    {"\"Quoted string \\\"\\\"\" <sip:jdrosen@example.com> ; newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33", 0, true, "Quoted string \\\"\\\"", true, "sip:jdrosen@example.com", "jdrosen", "example.com", "newparam =\r\n      newvalue ;\r\n  secondparam ; q = 0.33", NULL, NULL, false},
    {"<sip:user@host129.example.com>\r\n  ;expires=280297596632815", 0, true, NULL, false, "sip:user@host129.example.com", "user", "host129.example.com", "expires=280297596632815", NULL, "280297596632815", false},
    {"token1~` token2'+_ token3*%!.- <sip:mundane@example.com>;tag=_token~1'+`*%!-.", 0, true, "token1~` token2'+_ token3*%!.-", false, "sip:mundane@example.com", "mundane", "example.com", "tag=_token~1'+`*%!-.", "_token~1'+`*%!-.", NULL, false},
    {"*", 0, false, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, true},
    {"<name:John_Smith>", 0, true, NULL, false, "name:John_Smith", NULL, NULL, NULL, NULL, NULL, false},
    {"isbn:2983792873", 0, true, NULL, false, "isbn:2983792873", NULL, NULL, NULL, NULL, NULL, false},
    /* structurally fine, but the URI does not parse: ok with uri_ok false */
    {"T. Watson < sip:t.watson@example.org >", 0, false, "T. Watson", false, " sip:t.watson@example.org ", NULL, NULL, NULL, NULL, NULL, false},
    {"<None>", 0, false, NULL, false, "None", NULL, NULL, NULL, NULL, NULL, false},
    /* rejected */
    {"", -1, false, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, false},
    {"\"Mr. J. User <sip:j.user@example.com>", -1, false, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, false}, /* quotbal */
    {"Bell, Alexander <sip:a.g.bell@example.com>;tag=43", -1, false, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, false}, /* baddn */
    {"\"Joe\" <sip:joe@example.org>;;;;", -1, true, "Joe", true, "sip:joe@example.org", "joe", "example.org", NULL, NULL, NULL, false}, /* badinv01 */
    {"sip:user@example.com?Route=%3Csip:sip.example.com%3E", -1, true, NULL, false, "sip:user@example.com?Route=%3Csip:sip.example.com%3E", "user", "example.com", NULL, NULL, NULL, false}, /* regbadct */
    {"\"x\" sip:a@b", -1, false, "x", true, NULL, NULL, NULL, NULL, NULL, NULL, false},
    {"<sip:a@b", -1, false, NULL, false, NULL, NULL, NULL, NULL, NULL, NULL, false},
    {"<sip:a@b> junk", -1, true, NULL, false, "sip:a@b", "a", "b", NULL, NULL, NULL, false},
    {"<sip:a@b>;", -1, true, NULL, false, "sip:a@b", "a", "b", NULL, NULL, NULL, false},
    {"<sip:a@b>;tag=\"x", -1, true, NULL, false, "sip:a@b", "a", "b", NULL, NULL, NULL, false},
    {"None", 0, false, NULL, false, "None", NULL, NULL, NULL, NULL, NULL, false},
};

static void nameaddrs(void)
{
    for (size_t i = 0; i < sizeof na_cases / sizeof na_cases[0]; i++) {
        const struct na_case *c = &na_cases[i];
        guarded g;
        sip_nameaddr na;
        const char *err = NULL;
        guard_copy(&g, c->in, strlen(c->in));
        int r = sip_nameaddr_parse(g.p, g.len, &na, &err);
        if (r != c->ok || na.uri_ok != c->uri_ok)
            fprintf(stderr, "  name-addr case %zu \"%s\": %d uri_ok %d (%s)\n", i, c->in, r, na.uri_ok, err ? err : "");
        CHECK_INT(r, c->ok);
        CHECK_INT(na.uri_ok, c->uri_ok);
        CHECK_INT(na.star, c->star);
        CHECK(na.raw.p != NULL || g.len == 0);
        CHECK_OPT(na.display, c->display);
        CHECK_INT(na.display_quoted, c->quoted);
        if (c->uri_raw)
            CHECK_VIEW(na.uri_raw, c->uri_raw);
        if (na.uri_ok) {
            CHECK_OPT(na.uri.user, c->user);
            CHECK_OPT(na.uri.host, c->host);
        }
        if (r == 0) {
            CHECK_OPT(na.params, c->params);
            CHECK_OPT(na.tag, c->tag);
            CHECK_OPT(na.expires, c->expires);
        }
        guard_free(&g);
    }
    sip_nameaddr na;
    CHECK_INT(sip_nameaddr_parse(NULL, 0, &na, NULL), -1);
}

struct via_case {
    const char *in;
    int ok;
    const char *protocol, *transport, *host;
    sip_host_kind kind;
    unsigned port;
    const char *params, *branch, *received, *rport;
};

static const struct via_case via_cases[] = {
    {"SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-1530145401;rport", 0, "SIP/2.0", "UDP", "127.0.0.1", SIP_HOST_IPV4, 5060, "branch=z9hG4bK-1530145401;rport", "z9hG4bK-1530145401", NULL, ""},
    {"SIP/2.0/UDP nm;branch=foo;rport", 0, "SIP/2.0", "UDP", "nm", SIP_HOST_NAME, 0, "branch=foo;rport", "foo", NULL, ""},
    {"SIP/2.0/UDP 127.0.0.1:53155;branch=z9hG4bK.39459b11;rport;alias", 0, "SIP/2.0", "UDP", "127.0.0.1", SIP_HOST_IPV4, 53155, "branch=z9hG4bK.39459b11;rport;alias", "z9hG4bK.39459b11", NULL, ""},
    {"SIP/2.0/TCP host.example.com;received=192.0.2.5;branch=x;rport=5061", 0, "SIP/2.0", "TCP", "host.example.com", SIP_HOST_NAME, 0, "received=192.0.2.5;branch=x;rport=5061", "x", "192.0.2.5", "5061"},
    {"SIP/2.0/UDP [2001:db8::9]:5060;received=2001:db8::9", 0, "SIP/2.0", "UDP", "2001:db8::9", SIP_HOST_IPV6, 5060, "received=2001:db8::9", NULL, "2001:db8::9", NULL},
    /* RFC 4475 wsinv: LWS around '/', ':' ';' '=' and folds */
    {"SIP  /   2.0\r\n /UDP\r\n    192.0.2.2;branch=390skdjuw", 0, "SIP  /   2.0", "UDP", "192.0.2.2", SIP_HOST_IPV4, 0, "branch=390skdjuw", "390skdjuw", NULL, NULL},
    {"SIP  /    2.0   / UDP  192.168.255.111   ; branch=\r\n z9hG4bK30239", 0, "SIP  /    2.0", "UDP", "192.168.255.111", SIP_HOST_IPV4, 0, "branch=\r\n z9hG4bK30239", "z9hG4bK30239", NULL, NULL},
    {"SIP/2.0/UDP host : 5060 ; branch = a", 0, "SIP/2.0", "UDP", "host", SIP_HOST_NAME, 5060, "branch = a", "a", NULL, NULL},
    {"SIP/7.0/UDP c.example.com;branch=z9hG4bKkdjuw", 0, "SIP/7.0", "UDP", "c.example.com", SIP_HOST_NAME, 0, "branch=z9hG4bKkdjuw", "z9hG4bKkdjuw", NULL, NULL},
    {"SIP/2.0/UNKNOWN t4.example.com;branch=z9hG4bKasd0f3en", 0, "SIP/2.0", "UNKNOWN", "t4.example.com", SIP_HOST_NAME, 0, "branch=z9hG4bKasd0f3en", "z9hG4bKasd0f3en", NULL, NULL},
    {"SIP/2.0/TCP sip33.example.com", 0, "SIP/2.0", "TCP", "sip33.example.com", SIP_HOST_NAME, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0/UDP h;x=\"quoted;value\";branch=b", 0, "SIP/2.0", "UDP", "h", SIP_HOST_NAME, 0, "x=\"quoted;value\";branch=b", "b", NULL, NULL},
    /* rejected */
    {"SIP/2.0/UDP 192.0.2.15;;", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL}, /* badinv01 */
    {"SIP/2.0/UDP 192.0.2.15;", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0 UDP host", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0/UDP", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0/UDPhost", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0/UDP host:70000", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0/UDP host:", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0/UDP host junk", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0/UDP host;branch=", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"SIP/2.0/UDP host;branch=\"x", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
    {"/2.0/UDP host", -1, NULL, NULL, NULL, 0, 0, NULL, NULL, NULL, NULL},
};

static void vias(void)
{
    for (size_t i = 0; i < sizeof via_cases / sizeof via_cases[0]; i++) {
        const struct via_case *c = &via_cases[i];
        guarded g;
        sip_via v;
        const char *err = NULL;
        guard_copy(&g, c->in, strlen(c->in));
        int r = sip_via_parse(g.p, g.len, &v, &err);
        if (r != c->ok)
            fprintf(stderr, "  via case %zu \"%s\": %d (%s)\n", i, c->in, r, err ? err : "");
        CHECK_INT(r, c->ok);
        if (r == 0 && c->ok == 0) {
            CHECK_VIEW(v.protocol, c->protocol);
            CHECK_VIEW(v.transport, c->transport);
            CHECK_VIEW(v.host, c->host);
            CHECK_INT(v.host_kind, c->kind);
            CHECK_INT(v.port, c->port);
            CHECK_OPT(v.params, c->params);
            CHECK_OPT(v.branch, c->branch);
            CHECK_OPT(v.received, c->received);
            CHECK_OPT(v.rport, c->rport);
        }
        guard_free(&g);
    }
    sip_via v;
    CHECK_INT(sip_via_parse(NULL, 0, &v, NULL), -1);
}

struct digest_case {
    const char *in;
    int ok;
    const char *scheme, *username, *realm, *nonce, *uri, *response, *algorithm, *cnonce, *opaque, *qop, *nc;
    unsigned n_params;
    bool duplicate;
    unsigned quoted;
};

static const struct digest_case digest_cases[] = {
    /* svcrack: no spaces, unquoted algorithm and qop, qop=auth without cnonce */
    {"Digest username=\"100\",realm=\"asterisk\",nonce=\"37a300ff\",uri=\"sip:127.0.0.1\",algorithm=MD5,qop=auth,response=\"cdda2a91e98ae932561da29dc0623721\"", 0,
     "Digest", "100", "asterisk", "37a300ff", "sip:127.0.0.1", "cdda2a91e98ae932561da29dc0623721", "MD5", NULL, NULL, "auth", NULL, 7, false,
     SIP_DIGEST_Q_USERNAME | SIP_DIGEST_Q_REALM | SIP_DIGEST_Q_NONCE | SIP_DIGEST_Q_URI | SIP_DIGEST_Q_RESPONSE},
    /* svcrack against a qop challenge */
    {"Digest username=\"100\",realm=\"asterisk\",nonce=\"1795621544/86cc0adacf718941645a463fd052e037\",uri=\"sip:127.0.0.1\",cnonce=\"4aa18525b65049d9be38355c5deca37f\",nc=00000001,algorithm=MD5,qop=auth,response=\"1d3712b2c3ae0550a240d26e7f642d45\",opaque=\"acae2f733a3b396c\"", 0,
     "Digest", "100", "asterisk", "1795621544/86cc0adacf718941645a463fd052e037", "sip:127.0.0.1", "1d3712b2c3ae0550a240d26e7f642d45", "MD5", "4aa18525b65049d9be38355c5deca37f", "acae2f733a3b396c", "auth", "00000001", 10, false,
     SIP_DIGEST_Q_USERNAME | SIP_DIGEST_Q_REALM | SIP_DIGEST_Q_NONCE | SIP_DIGEST_Q_URI | SIP_DIGEST_Q_RESPONSE | SIP_DIGEST_Q_CNONCE | SIP_DIGEST_Q_OPAQUE},
    /* sipsak: ", " separators */
    {"Digest username=\"100\", uri=\"sip:127.0.0.1\", algorithm=MD5, realm=\"asterisk\", nonce=\"6549f122\", response=\"9cc3318c9b34b7588d6800f13a8a0196\"", 0,
     "Digest", "100", "asterisk", "6549f122", "sip:127.0.0.1", "9cc3318c9b34b7588d6800f13a8a0196", "MD5", NULL, NULL, NULL, NULL, 6, false,
     SIP_DIGEST_Q_USERNAME | SIP_DIGEST_Q_REALM | SIP_DIGEST_Q_NONCE | SIP_DIGEST_Q_URI | SIP_DIGEST_Q_RESPONSE},
    /* a challenge, case-insensitive names, LWS and folds around '=' and ',' */
    {"digest  REALM = \"asterisk\" ,\r\n nonce=\"125be683\", algorithm=\"MD5\", qop=\"auth,auth-int\", stale=true", 0,
     "digest", NULL, "asterisk", "125be683", NULL, NULL, "MD5", NULL, NULL, "auth,auth-int", NULL, 5, false,
     SIP_DIGEST_Q_REALM | SIP_DIGEST_Q_NONCE | SIP_DIGEST_Q_ALGORITHM | SIP_DIGEST_Q_QOP},
    {"Digest username=\"a\\\"b\", username=\"c\"", 0, "Digest", "a\\\"b", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2, true, SIP_DIGEST_Q_USERNAME},
    {"Digest username=\"\",realm=", 0, "Digest", "", "", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2, false, SIP_DIGEST_Q_USERNAME},
    {"Digest", 0, "Digest", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    /* RFC 4475 regaut01: an unknown scheme, kept; a token68 form kept opaque */
    {"NoOneKnowsThisScheme opaque-data=here", 0, "NoOneKnowsThisScheme", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 1, false, 0},
    {"Basic dXNlcjpwYXNz", 0, "Basic", NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    /* rejected */
    {"", -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    {"Digest username=\"100", -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    {"Digest username", -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    {"Digest username=\"a\" realm=\"b\"", -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    {"Digest username=a,", -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    {"Digest ,username=a", -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    {"Digest,username=a", -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
    {"=x", -1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 0, false, 0},
};

static void digests(void)
{
    for (size_t i = 0; i < sizeof digest_cases / sizeof digest_cases[0]; i++) {
        const struct digest_case *c = &digest_cases[i];
        guarded g;
        sip_digest d;
        const char *err = NULL;
        guard_copy(&g, c->in, strlen(c->in));
        int r = sip_digest_parse(g.p, g.len, &d, &err);
        if (r != c->ok)
            fprintf(stderr, "  digest case %zu \"%s\": %d (%s)\n", i, c->in, r, err ? err : "");
        CHECK_INT(r, c->ok);
        if (r == 0 && c->ok == 0) {
            CHECK_VIEW(d.scheme, c->scheme);
            CHECK_OPT(d.username, c->username);
            CHECK_OPT(d.realm, c->realm);
            CHECK_OPT(d.nonce, c->nonce);
            CHECK_OPT(d.uri, c->uri);
            CHECK_OPT(d.response, c->response);
            CHECK_OPT(d.algorithm, c->algorithm);
            CHECK_OPT(d.cnonce, c->cnonce);
            CHECK_OPT(d.opaque, c->opaque);
            CHECK_OPT(d.qop, c->qop);
            CHECK_OPT(d.nc, c->nc);
            CHECK_INT(d.n_params, c->n_params);
            CHECK_INT(d.duplicate, c->duplicate);
            CHECK_INT(d.quoted, c->quoted);
            CHECK(d.raw.p == g.p && d.raw.len == g.len);
        }
        guard_free(&g);
    }
    sip_digest d;
    CHECK_INT(sip_digest_parse(NULL, 0, &d, NULL), -1);
}

CHECK_MAIN("test_sip_uri",
    {"URIs: sip, sips, tel, other schemes, rejects", uris},
    {"URI: every prefix is safe", uri_every_prefix_is_safe},
    {"sip_param_find", param_find},
    {"name-addr / addr-spec", nameaddrs},
    {"Via values", vias},
    {"Digest credentials and challenges", digests},
)
