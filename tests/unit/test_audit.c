/*
 * test_audit.c - the Asterisk configuration reader (src/audit/astconf.h) and
 * the checks of `sipsnare audit` (src/audit/audit.h) over the configuration
 * sets in tests/data/audit/: exact findings (id, severity, file, line,
 * section) for weak/, none for hardened/, file:line errors for malformed/.
 * Run from the top of the tree (tests/run.sh does).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/astconf.h"
#include "audit/audit.h"
#include "check.h"

#define DATA "tests/data/audit/"

static const char *base(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static const astconf_var *var_in(const astconf *cf, const char *section, const char *name)
{
    return astconf_get(astconf_find(cf, section, NULL), name);
}

/* ---- the reader ---- */

static void test_parse_weak_sip(void)
{
    astconf cf = {0};
    CHECK_INT(astconf_load(&cf, DATA "weak/sip.conf", NULL), 0);
    /* sip.conf, sip_templates.conf, sip_peers.conf; the #tryinclude is absent */
    CHECK_INT(cf.n_files, 3);
    const astconf_var *v = var_in(&cf, "general", "alwaysauthreject");
    CHECK(v != NULL);
    if (v) {
        CHECK_STR(v->value, "no");            /* comment cut, blanks trimmed */
        CHECK_INT(v->line, 7);
        CHECK_STR(base(v->file), "sip.conf");
    }
    /* the block comment hides allowguest=no */
    CHECK(var_in(&cf, "general", "allowguest") == NULL);
    CHECK(var_in(&cf, "general", "srvlookup") != NULL);
    /* template: [phone](!) is marked, [100] inherits with the template's place */
    const astconf_section *t = astconf_find(&cf, "phone", NULL);
    CHECK(t && t->is_template);
    const astconf_section *p = astconf_find(&cf, "100", NULL);
    CHECK(p && !p->is_template && p->n_inherits == 1);
    v = astconf_get(p, "secret");
    CHECK(v && v->inherited && v->line == 6 && strcmp(base(v->file), "sip_templates.conf") == 0);
    CHECK_STR(astconf_value(p, "callerid", ""), "\"Reception\" <100>");
    CHECK_INT(p ? p->line : 0, 2);
    /* [101] overrides the inherited secret: the last one wins */
    v = var_in(&cf, "101", "secret");
    CHECK(v && !v->inherited && v->line == 6 && strcmp(v->value, "101abc") == 0);
    astconf_free(&cf);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) { perror(path); exit(2); }
    fputs(text, f);
    fclose(f);
}

static char tmpdir[64];

static void tmp_path(char *out, size_t n, const char *name)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/test_audit.XXXXXX");
        if (!mkdtemp(tmpdir)) { perror("mkdtemp"); exit(2); }
    }
    snprintf(out, n, "%s/%s", tmpdir, name);
}

static void test_parse_syntax(void)
{
    char main_path[256], inc[256];
    tmp_path(inc, sizeof inc, "inc.conf");
    write_file(inc, "inc_var = 1 ; into the including file's section\n[fromInc]\nz=1\n");
    tmp_path(main_path, sizeof main_path, "syntax.conf");
    write_file(main_path,
        "[a]\n"                                   /* 1 */
        "key = value with \\; semicolon ; comment\n" /* 2 */
        "exten => _00X.,1,Dial(SIP/t/${EXTEN})\n" /* 3 */
        ";-- block ;-- nested --; still comment --; after = yes\n" /* 4 */
        "#include \"inc.conf\"\n"                 /* 5 */
        "back = in a\n"                           /* 6 */
        "[a](+)\n"                                /* 7 */
        "added = 1\n"                             /* 8 */
        "[t1](!)\nx = 1\ny = 1\n"                 /* 9-11 */
        "[t2](!)\ny = 2\n"                        /* 12-13 */
        "[c](t1,t2)\nx = 3\r\n");                 /* 14-15 */
    astconf cf = {0};
    CHECK_INT(astconf_load(&cf, main_path, NULL), 0);
    const astconf_section *a = astconf_find(&cf, "a", NULL);
    CHECK_STR(astconf_value(a, "key", ""), "value with ; semicolon");
    const astconf_var *e = astconf_get(a, "exten");
    CHECK(e && e->is_object && strcmp(e->value, "_00X.,1,Dial(SIP/t/${EXTEN})") == 0);
    CHECK_STR(astconf_value(a, "after", ""), "yes");
    CHECK_STR(astconf_value(a, "inc_var", ""), "1");
    CHECK_STR(astconf_value(a, "back", ""), "in a");   /* not in [fromInc] */
    CHECK_STR(astconf_value(a, "added", ""), "1");
    const astconf_var *iv = astconf_get(a, "inc_var");
    CHECK(iv && iv->line == 1 && strcmp(base(iv->file), "inc.conf") == 0);
    CHECK(astconf_get(astconf_find(&cf, "fromInc", NULL), "back") == NULL);
    const astconf_section *c = astconf_find(&cf, "c", NULL);
    CHECK_STR(astconf_value(c, "x", ""), "3");
    CHECK_STR(astconf_value(c, "y", ""), "2");          /* t2 after t1 */
    CHECK_INT(c ? c->n_vars : 0, 4);
    CHECK_INT(cf.n_warnings, 0);
    astconf_free(&cf);
}

struct bad { const char *file; const char *err_file; int line; const char *words; };

static void test_malformed(void)
{
    static const struct bad cases[] = {
        {"bracket.conf", "bracket.conf", 3, "no closing ']'"},
        {"paren.conf", "paren.conf", 3, "no closing ')'"},
        {"nosection.conf", "nosection.conf", 2, "outside of any [section]"},
        {"template.conf", "template.conf", 3, "nosuchtemplate"},
        {"missing.conf", "missing.conf", 4, "nothere.conf"},
        {"cycle_a.conf", "cycle_b.conf", 3, "include cycle"},
        {"cycle_b.conf", "cycle_a.conf", 3, "include cycle"},
        {"deep0.conf", "deep10.conf", 3, "deeper than 10"},
        {"nonexistent.conf", "nonexistent.conf", 0, "not found"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, DATA "malformed/%s", cases[i].file);
        astconf cf = {0};
        int rc = astconf_load(&cf, path, NULL);
        CHECK_INT(rc, -1);
        if (rc == -1) {
            CHECK_STR(cf.error.file ? base(cf.error.file) : "(null)", cases[i].err_file);
            CHECK_INT(cf.error.line, cases[i].line);
            if (!strstr(cf.error.msg, cases[i].words)) {
                fprintf(stderr, "  %s: message '%s' lacks '%s'\n", cases[i].file, cf.error.msg, cases[i].words);
                check_failures_in_case++;
            }
        }
        astconf_free(&cf);
    }
    /* deep1: 11 files, includes 10 deep: allowed */
    astconf cf = {0};
    CHECK_INT(astconf_load(&cf, DATA "malformed/deep2.conf", NULL), 0);
    CHECK_INT(cf.n_sections, 11);
    astconf_free(&cf);
}

static void test_limits(void)
{
    char path[256];
    tmp_path(path, sizeof path, "long.conf");
    size_t n = ASTCONF_MAX_LINE + 10;
    char *big = malloc(n + 32);
    strcpy(big, "[a]\nx=");
    memset(big + 6, 'y', n);
    strcpy(big + 6 + n, "\n");
    write_file(path, big);
    free(big);
    astconf cf = {0};
    CHECK_INT(astconf_load(&cf, path, NULL), -1);
    CHECK_INT(cf.error.line, 2);
    CHECK(strstr(cf.error.msg, "longer than") != NULL);
    astconf_free(&cf);

    /* NUL byte */
    FILE *f = fopen(path, "wb");
    fwrite("[a]\nx=1\0\n", 1, 9, f);
    fclose(f);
    memset(&cf, 0, sizeof cf);
    CHECK_INT(astconf_load(&cf, path, NULL), -1);
    CHECK_INT(cf.error.line, 2);
    astconf_free(&cf);

    /* a file including itself */
    write_file(path, "[a]\n#include long.conf\n");
    memset(&cf, 0, sizeof cf);
    CHECK_INT(astconf_load(&cf, path, NULL), -1);
    CHECK(strstr(cf.error.msg, "include cycle") != NULL);
    astconf_free(&cf);

    /* a directory is not a configuration file */
    memset(&cf, 0, sizeof cf);
    CHECK_INT(astconf_load(&cf, tmpdir, NULL), -1);
    astconf_free(&cf);
}

static void test_warnings(void)
{
    astconf cf = {0};
    CHECK_INT(astconf_load(&cf, DATA "malformed/warnings.conf", NULL), 0);
    CHECK_INT(cf.n_warnings, 4);
    static const int lines[] = {4, 5, 6, 7};
    for (size_t i = 0; i < cf.n_warnings && i < 4; i++)
        CHECK_INT(cf.warnings[i].line, lines[i]);
    /* [100] is inside the unclosed block comment */
    CHECK(astconf_find(&cf, "100", NULL) == NULL);
    astconf_free(&cf);
}

/* ---- the checks ---- */

static void test_pattern(void)
{
    CHECK(aud_pattern_match("_00X.", "00972502345678"));
    CHECK(!aud_pattern_match("_00X.", "00"));
    CHECK(aud_pattern_match("_011.", "011972502345678"));
    CHECK(aud_pattern_match("_9.", "9011972502345678"));
    CHECK(aud_pattern_match("_X.", "+972502345678") == 0);   /* '+' is not X */
    CHECK(aud_pattern_match("_.", "+972502345678"));
    CHECK(aud_pattern_match("_!", ""));
    CHECK(aud_pattern_match("_NXX-XXXX", "5550123"));
    CHECK(!aud_pattern_match("_NXXXXXX", "1550123"));
    CHECK(aud_pattern_match("_[2-4]ZX", "310"));
    CHECK(!aud_pattern_match("_[2-4]ZX", "300"));
    CHECK(aud_pattern_match("100", "100"));
    CHECK(!aud_pattern_match("100", "1000"));
}

static void test_dict(void)
{
    aud_dict d;
    char err[128];
    CHECK_INT(aud_dict_load(&d, "data/weak-passwords.txt", err, sizeof err), 0);
    CHECK(d.n >= 300);
    CHECK(aud_dict_has(&d, "1234"));
    CHECK(aud_dict_has(&d, "PASSWORD"));
    CHECK(aud_dict_has(&d, "asterisk"));
    CHECK(!aud_dict_has(&d, "vT9#qL2x!Rm8@wZ4pK7s"));
    CHECK(!aud_dict_has(&d, "# weak-passwords.txt - passwords that SIP brute-force tools and bots try"));
    aud_dict_free(&d);
}

struct want { const char *id; aud_severity sev; const char *file; int line; const char *section; };

static int run_dir(const char *dir, aud_report *r, astconf cf[3])
{
    static const char *const names[3] = {"sip.conf", "pjsip.conf", "extensions.conf"};
    static aud_dict dict;
    char err[128];
    if (!dict.n && aud_dict_load(&dict, "data/weak-passwords.txt", err, sizeof err) != 0)
        return -1;
    const astconf *p[3] = {NULL, NULL, NULL};
    for (int i = 0; i < 3; i++) {
        char path[256];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        memset(&cf[i], 0, sizeof cf[i]);
        if (access(path, R_OK) != 0)
            continue;
        if (astconf_load(&cf[i], path, NULL) != 0) {
            fprintf(stderr, "  %s:%d: %s\n", cf[i].error.file, cf[i].error.line, cf[i].error.msg);
            return -1;
        }
        p[i] = &cf[i];
    }
    aud_input in = {p[0], p[1], p[2], &dict};
    memset(r, 0, sizeof *r);
    return audit_run(&in, r);
}

static void expect_exact(const aud_report *r, const struct want *w, size_t nw)
{
    unsigned char *used = calloc(r->n + 1, 1);
    for (size_t i = 0; i < nw; i++) {
        int found = 0;
        for (size_t k = 0; k < r->n && !found; k++) {
            const aud_finding *f = &r->f[k];
            if (!used[k] && strcmp(f->id, w[i].id) == 0 && f->severity == w[i].sev
                && strcmp(base(f->file), w[i].file) == 0 && f->line == w[i].line
                && strcmp(f->section, w[i].section) == 0) {
                used[k] = 1;
                found = 1;
                CHECK(f->message[0] != '\0');
                CHECK(f->fix[0] != '\0');
            }
        }
        if (!found) {
            fprintf(stderr, "  missing: %s %s %s:%d [%s]\n", aud_severity_name(w[i].sev), w[i].id,
                    w[i].file, w[i].line, w[i].section);
            check_failures_in_case++;
        }
    }
    for (size_t k = 0; k < r->n; k++)
        if (!used[k]) {
            fprintf(stderr, "  unexpected: %s %s %s:%d [%s] %s\n", aud_severity_name(r->f[k].severity),
                    r->f[k].id, r->f[k].file, r->f[k].line, r->f[k].section, r->f[k].message);
            check_failures_in_case++;
        }
    free(used);
}

static void test_weak(void)
{
    static const struct want w[] = {
        {"unauth-dialout", AUD_CRITICAL, "extensions.conf", 19, "outbound"},
        {"unauth-dialout", AUD_HIGH, "extensions.conf", 20, "outbound"},
        {"secret-matches-user", AUD_CRITICAL, "pjsip.conf", 24, "200-auth"},
        {"endpoint-no-auth", AUD_CRITICAL, "pjsip.conf", 47, "fax"},
        {"secret-matches-user", AUD_CRITICAL, "sip_peers.conf", 6, "101"},
        {"weak-secret", AUD_CRITICAL, "sip_peers.conf", 15, "sales"},
        {"no-secret", AUD_CRITICAL, "sip_peers.conf", 25, "doorphone"},
        {"weak-secret", AUD_CRITICAL, "sip_templates.conf", 6, "100"},
        {"anonymous-endpoint", AUD_HIGH, "pjsip.conf", 34, "anonymous"},
        {"endpoint-username-match", AUD_HIGH, "pjsip.conf", 38, "provider"},
        {"alwaysauthreject", AUD_HIGH, "sip.conf", 7, "general"},
        {"short-secret", AUD_HIGH, "sip_peers.conf", 9, "102"},
        {"insecure-invite", AUD_HIGH, "sip_peers.conf", 20, "trunk"},
        {"no-acl", AUD_MEDIUM, "pjsip.conf", 16, "200"},
        {"auth-user-is-extension", AUD_MEDIUM, "pjsip.conf", 23, "200-auth"},
        {"no-acl", AUD_MEDIUM, "pjsip.conf", 30, "201"},
        {"auth-missing", AUD_MEDIUM, "pjsip.conf", 31, "201"},
        {"allowguest", AUD_MEDIUM, "sip.conf", 2, "general"},
        {"auth-user-is-extension", AUD_MEDIUM, "sip_peers.conf", 2, "100"},
        {"no-acl", AUD_MEDIUM, "sip_peers.conf", 2, "100"},
        {"auth-user-is-extension", AUD_MEDIUM, "sip_peers.conf", 5, "101"},
        {"no-acl", AUD_MEDIUM, "sip_peers.conf", 5, "101"},
        {"auth-user-is-extension", AUD_MEDIUM, "sip_peers.conf", 8, "102"},
        {"no-acl", AUD_MEDIUM, "sip_peers.conf", 8, "102"},
        {"auth-user-is-extension", AUD_MEDIUM, "sip_peers.conf", 11, "103"},
        {"no-acl", AUD_MEDIUM, "sip_peers.conf", 11, "103"},
        {"secret-charset", AUD_MEDIUM, "sip_peers.conf", 12, "103"},
        {"no-acl", AUD_MEDIUM, "sip_peers.conf", 14, "sales"},
        {"no-acl", AUD_MEDIUM, "sip_peers.conf", 25, "doorphone"},
    };
    aud_report r;
    astconf cf[3];
    CHECK_INT(run_dir(DATA "weak", &r, cf), 0);
    expect_exact(&r, w, sizeof w / sizeof w[0]);
    CHECK_INT(aud_report_max(&r), AUD_CRITICAL);
    /* sorted: severity first */
    for (size_t i = 1; i < r.n; i++)
        CHECK(r.f[i - 1].severity >= r.f[i].severity);
    /* secrets never appear in messages */
    for (size_t i = 0; i < r.n; i++) {
        CHECK(strstr(r.f[i].message, "P@ssw0rd") == NULL);
        CHECK(strstr(r.f[i].message, "Xk9#mQ2v") == NULL);
        CHECK(strstr(r.f[i].message, "101abc") == NULL);
    }
    aud_report_free(&r);
    for (int i = 0; i < 3; i++) astconf_free(&cf[i]);
}

static void test_hardened(void)
{
    aud_report r;
    astconf cf[3];
    CHECK_INT(run_dir(DATA "hardened", &r, cf), 0);
    expect_exact(&r, NULL, 0);
    CHECK_INT(aud_report_max(&r), -1);
    aud_report_free(&r);
    for (int i = 0; i < 3; i++) astconf_free(&cf[i]);
}

/* Each check alone, on small files written here. */
static void audit_text(const char *sip, const char *pj, const char *ext, aud_report *r)
{
    char ps[256], pp[256], pe[256];
    astconf cs = {0}, cp = {0}, ce = {0};
    tmp_path(ps, sizeof ps, "t_sip.conf");
    tmp_path(pp, sizeof pp, "t_pjsip.conf");
    tmp_path(pe, sizeof pe, "t_ext.conf");
    if (sip) { write_file(ps, sip); CHECK_INT(astconf_load(&cs, ps, NULL), 0); }
    if (pj) { write_file(pp, pj); CHECK_INT(astconf_load(&cp, pp, NULL), 0); }
    if (ext) { write_file(pe, ext); CHECK_INT(astconf_load(&ce, pe, NULL), 0); }
    static aud_dict dict;
    char err[64];
    if (!dict.n)
        CHECK_INT(aud_dict_load(&dict, "data/weak-passwords.txt", err, sizeof err), 0);
    aud_input in = {sip ? &cs : NULL, pj ? &cp : NULL, ext ? &ce : NULL, &dict};
    memset(r, 0, sizeof *r);
    CHECK_INT(audit_run(&in, r), 0);
    astconf_free(&cs);
    astconf_free(&cp);
    astconf_free(&ce);
}

static int has(const aud_report *r, const char *id, int line)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->f[i].id, id) == 0 && (line < 0 || r->f[i].line == line))
            return 1;
    return 0;
}

static void test_checks_small(void)
{
    aud_report r;
    const char *gen = "[general]\nallowguest=no\nalwaysauthreject=yes\n";
    char buf[2048];

    /* md5secret of "1234" for user 300, realm asterisk */
    snprintf(buf, sizeof buf, "%s[300]\ntype=friend\nhost=dynamic\ndeny=0.0.0.0/0\npermit=192.0.2.0/24\n"
             "md5secret=%s\n", gen, "22537893e0ed56858c9872e842d35176");
    audit_text(buf, NULL, NULL, &r);
    CHECK(has(&r, "weak-secret", 9));          /* MD5(300:asterisk:1234) */
    aud_report_free(&r);
    snprintf(buf, sizeof buf, "%s[300]\ntype=friend\nhost=dynamic\ndeny=0.0.0.0/0\npermit=192.0.2.0/24\n"
             "md5secret=%s\n", gen, "4bd87a6a4b56c2c0b3b0c0d1e3d0c4c5");
    audit_text(buf, NULL, NULL, &r);
    CHECK(!has(&r, "weak-secret", -1));        /* not the hash of a weak one */
    aud_report_free(&r);

    /* trivial sequences and the leetspeak/suffix forms */
    static const char *const weak[] = {"aaaaaaaaaaaaaaaa", "123456789012", "Asterisk2024!", "S3cr3t!!",
                                       "qwertyuiop", "abcdefghijklmn"};
    for (size_t i = 0; i < sizeof weak / sizeof weak[0]; i++) {
        snprintf(buf, sizeof buf, "%s[k]\ntype=peer\nhost=192.0.2.1\nsecret=%s\n", gen, weak[i]);
        audit_text(buf, NULL, NULL, &r);
        if (!has(&r, "weak-secret", 7)) {
            fprintf(stderr, "  '%s' not found weak\n", weak[i]);
            check_failures_in_case++;
        }
        aud_report_free(&r);
    }
    /* autocreatepeer, insecure=port, a guest context with _011. */
    audit_text("[general]\nautocreatepeer=yes\ncontext=guests\nalwaysauthreject=yes\n"
               "[t]\ntype=peer\nhost=192.0.2.1\ninsecure=port\nsecret=vT9#qL2x!Rm8@wZ4\n",
               NULL, "[guests]\nexten => _011.,1,Dial(SIP/${EXTEN}@trunk)\n", &r);
    CHECK(has(&r, "autocreatepeer", 2));
    CHECK(has(&r, "allowguest", 1));
    CHECK(has(&r, "insecure-port", 8));
    CHECK(has(&r, "unauth-dialout", 2));
    CHECK(!has(&r, "alwaysauthreject-default", -1));
    aud_report_free(&r);
    /* no alwaysauthreject: informational; international from an authenticated context: low */
    audit_text("[general]\nallowguest=no\n", NULL,
               "[phones]\nexten => _00.,1,Dial(PJSIP/${EXTEN}@trunk)\nexten => _1XX,1,Dial(SIP/${EXTEN})\n", &r);
    CHECK(has(&r, "alwaysauthreject-default", 1));
    CHECK(has(&r, "international-dialout", 2));
    CHECK_INT(r.n, 2);
    aud_report_free(&r);
    /* pjsip: no password at all; a Goto edge from anonymous into outbound */
    audit_text(NULL, "[a1]\ntype=auth\nusername=k2j4-300\n[anonymous]\ntype=endpoint\ncontext=anon\n",
               "[anon]\nexten => s,1,Goto(out,${EXTEN},1)\n[out]\nexten => _X.,1,Dial(PJSIP/${EXTEN}@t)\n", &r);
    CHECK(has(&r, "empty-secret", 1));
    CHECK(has(&r, "anonymous-endpoint", 4));
    CHECK(has(&r, "unauth-dialout", 4));
    aud_report_free(&r);
}

static void test_severity_names(void)
{
    aud_severity s;
    CHECK_INT(aud_severity_parse("HIGH", &s), 0);
    CHECK_INT(s, AUD_HIGH);
    CHECK_INT(aud_severity_parse("severe", &s), -1);
    CHECK_STR(aud_severity_name(AUD_CRITICAL), "critical");
}

static void cleanup(void)
{
    if (!tmpdir[0])
        return;
    static const char *const names[] = {"inc.conf", "syntax.conf", "long.conf", "t_sip.conf", "t_pjsip.conf", "t_ext.conf"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char p[256];
        snprintf(p, sizeof p, "%s/%s", tmpdir, names[i]);
        unlink(p);
    }
    rmdir(tmpdir);
}

static void test_zz_cleanup(void) { cleanup(); }

CHECK_MAIN("test_audit",
    {"parse weak sip.conf with includes and templates", test_parse_weak_sip},
    {"syntax: comments, escapes, =>, (+), include scope, inheritance", test_parse_syntax},
    {"malformed configurations: file:line errors", test_malformed},
    {"limits: long line, NUL, self include, directory", test_limits},
    {"warnings Asterisk tolerates", test_warnings},
    {"extension patterns", test_pattern},
    {"weak-password dictionary", test_dict},
    {"weak/: exact findings", test_weak},
    {"hardened/: no findings", test_hardened},
    {"single checks", test_checks_small},
    {"severity names", test_severity_names},
    {"cleanup", test_zz_cleanup})
