/*
 * test_asterisk.c - Asterisk's security log, chan_sip/res_pjsip notices and
 * CDR lines as events (src/ingest/asterisk.c), line by line with exact
 * fields, then whole sample files (tests/data/asterisk/) into SQLite twice.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ingest/asterisk.h"

#define DATA "tests/data/asterisk/"

static ast_scratch sc;
static store_event ev;
static char why[256];

static int decode(ast_format f, const char *line)
{
    why[0] = '\0';
    return asterisk_decode_line(f, line, strlen(line), "pbx", 2026, &ev, &sc, why, sizeof why);
}

/* A store string as a C string (static buffer; "(null)" for NULL). */
static const char *S(store_str s)
{
    static char buf[8][256];
    static int i;
    if (!s.p)
        return "(null)";
    char *b = buf[i++ % 8];
    snprintf(b, 256, "%.*s", (int)s.len, s.p);
    return b;
}

static void test_security(void)
{
    CHECK_INT(decode(AST_LOG,
        "[2026-03-02 10:15:02] SECURITY[2113] res_security_log.c: SecurityEvent=\"ChallengeResponseFailed\","
        "EventTV=\"1772446502-511000\",Severity=\"Error\",Service=\"SIP\",EventVersion=\"1\",AccountID=\"100\","
        "SessionID=\"0x7f3a\",LocalAddress=\"IPV4/UDP/192.0.2.10/5060\",RemoteAddress=\"IPV4/UDP/203.0.113.77/5071\""), 1);
    CHECK_INT(ev.ts_ms, 1772446502511LL);   /* EventTV, not the line's stamp */
    CHECK_STR(S(ev.eventid), "sip.request");
    CHECK_STR(S(ev.sensor), "pbx");
    CHECK_STR(S(ev.run), "");
    CHECK(ev.seq > 0);
    CHECK_STR(S(ev.src_ip), "203.0.113.77");
    CHECK_INT(ev.src_port, 5071);
    CHECK_STR(S(ev.dst_ip), "192.0.2.10");
    CHECK_INT(ev.dst_port, 5060);
    CHECK_STR(S(ev.transport), "udp");
    CHECK_STR(S(ev.auth_user), "100");
    CHECK_STR(S(ev.auth_outcome), "wrong_password");
    CHECK_STR(S(ev.call_id), "0x7f3a");
    CHECK_STR(S(ev.reason), "ChallengeResponseFailed");
    CHECK_STR(S(ev.method), "(null)");
    int64_t seq = ev.seq;
    CHECK_INT(decode(AST_LOG,
        "[2026-03-02 10:15:02] SECURITY[2113] res_security_log.c: SecurityEvent=\"ChallengeResponseFailed\","
        "EventTV=\"1772446502-511000\",Severity=\"Error\",Service=\"SIP\",EventVersion=\"1\",AccountID=\"100\","
        "SessionID=\"0x7f3a\",LocalAddress=\"IPV4/UDP/192.0.2.10/5060\",RemoteAddress=\"IPV4/UDP/203.0.113.77/5071\""), 1);
    CHECK_INT(ev.seq, seq);   /* the same line, the same identity */

    /* PJSIP over IPv6, ISO EventTV, escaped quotes in a value */
    CHECK_INT(decode(AST_LOG,
        "[2026-03-02 10:15:03] SECURITY[1] res_security_log.c: SecurityEvent=\"InvalidAccountID\","
        "EventTV=\"2026-03-02T10:15:03.250+0000\",Service=\"PJSIP\",AccountID=\"a\\\"b\","
        "RemoteAddress=\"IPV6/TCP/2001:DB8:beef::7/5062\""), 1);
    CHECK_INT(ev.ts_ms, 1772446503250LL);
    CHECK_STR(S(ev.src_ip), "2001:db8:beef::7");   /* canonical form */
    CHECK_INT(ev.src_port, 5062);
    CHECK_STR(S(ev.transport), "tcp");
    CHECK_STR(S(ev.auth_user), "a\"b");
    CHECK_STR(S(ev.auth_outcome), "unknown_user");

    /* not SIP: skipped; broken: an error with a reason */
    CHECK_INT(decode(AST_LOG,
        "[2026-03-02 10:15:05] SECURITY[1] res_security_log.c: SecurityEvent=\"FailedACL\",Service=\"AMI\","
        "RemoteAddress=\"IPV4/TCP/198.51.100.9/40000\""), 0);
    CHECK_INT(decode(AST_LOG,
        "[2026-03-02 10:15:05] SECURITY[1] res_security_log.c: SecurityEvent=\"InvalidAccountID\",Service=\"SIP\","
        "RemoteAddress=\"IPV4/UDP/999.1.1.1/5060\""), -1);
    CHECK(strstr(why, "RemoteAddress") != NULL);
    CHECK_INT(decode(AST_LOG, "[2026-03-02 10:15:05] SECURITY[1] res_security_log.c: SecurityEvent=\"Invalid"), -1);
    CHECK(strstr(why, "key=") != NULL);
}

static void test_notices(void)
{
    CHECK_INT(decode(AST_LOG, "[Mar  2 11:00:01] NOTICE[2140] chan_sip.c: Registration from "
                              "'\"100\" <sip:100@192.0.2.10>' failed for '203.0.113.77:5071' - Wrong password"), 1);
    CHECK_INT(ev.ts_ms, 1772449201000LL);   /* the year given */
    CHECK_STR(S(ev.method), "REGISTER");
    CHECK_STR(S(ev.src_ip), "203.0.113.77");
    CHECK_INT(ev.src_port, 5071);
    CHECK_STR(S(ev.from_user), "100");
    CHECK_STR(S(ev.auth_user), "100");
    CHECK_STR(S(ev.auth_outcome), "wrong_password");
    CHECK_STR(S(ev.reason), "Wrong password");

    CHECK_INT(decode(AST_LOG, "[Mar  2 11:00:02] NOTICE[2140] chan_sip.c: Registration from "
                              "'<sip:4321@192.0.2.10>' failed for '203.0.113.77' - No matching peer found"), 1);
    CHECK_INT(ev.src_port, STORE_NULL);
    CHECK_STR(S(ev.auth_outcome), "unknown_user");

    CHECK_INT(decode(AST_LOG, "[Mar  2 11:00:03] NOTICE[2140][C-0000001a] chan_sip.c: Call from '' "
                              "(203.0.113.80:5070) to extension '900972595551234' rejected because extension "
                              "not found in context 'default'."), 1);
    CHECK_STR(S(ev.method), "INVITE");
    CHECK_STR(S(ev.ruri_user), "900972595551234");
    CHECK_STR(S(ev.from_user), "(null)");
    CHECK_STR(S(ev.src_ip), "203.0.113.80");
    CHECK_STR(S(ev.reason), "extension not found in context 'default'");
    CHECK_INT(ev.extension_known, 0);

    CHECK_INT(decode(AST_LOG, "[2026-03-02 11:00:04.25] NOTICE[2141] res_pjsip/pjsip_distributor.c: Request "
                              "'INVITE' from '\"sipvicious\"<sip:100@1.1.1.1>' failed for '[2001:db8::9]:5062' "
                              "(callid: 77aa) - Failed to authenticate"), 1);
    CHECK_INT(ev.ts_ms, 1772449204250LL);
    CHECK_STR(S(ev.method), "INVITE");
    CHECK_STR(S(ev.src_ip), "2001:db8::9");
    CHECK_INT(ev.src_port, 5062);
    CHECK_STR(S(ev.call_id), "77aa");
    CHECK_STR(S(ev.from_user), "100");
    CHECK_STR(S(ev.auth_outcome), "wrong_password");

    CHECK_INT(decode(AST_LOG, "[Mar  2 11:00:06] NOTICE[2142] res_pjsip_session.c: Call (TCP:198.51.100.23:5060) "
                              "to extension '011441632960123' rejected because extension not found in context "
                              "'anonymous'."), 1);
    CHECK_STR(S(ev.transport), "tcp");
    CHECK_STR(S(ev.src_ip), "198.51.100.23");
    CHECK_STR(S(ev.ruri_user), "011441632960123");

    /* other lines: skipped; damaged known lines: errors */
    CHECK_INT(decode(AST_LOG, "[Mar  2 11:00:00] VERBOSE[2113] asterisk.c: Asterisk Ready."), 0);
    CHECK_INT(decode(AST_LOG, "    -- Executing [s@default:1] Answer"), 0);
    CHECK_INT(decode(AST_LOG, "[Mar  2 11:00:08] NOTICE[1] chan_sip.c: Registration from '<sip:1@x>' failed "
                              "for 'garbage' - Wrong password"), -1);
    CHECK_INT(decode(AST_LOG, "[Mar 99 11:00:08] NOTICE[1] chan_sip.c: Registration from"), -1);
    CHECK(strstr(why, "time") != NULL);
}

static void test_cdr(void)
{
    CHECK_INT(decode(AST_CDR, "\"\",\"\",\"0090123456789\",\"default\",\"\"\"\"\"\",\"SIP/203.0.113.80-00000003\",\"\","
                              "\"Dial\",\"SIP/trunk/0090123456789\",\"2026-03-03 09:05:00\",\"\",\"2026-03-03 09:05:30\","
                              "30,0,\"NO ANSWER\",\"DOCUMENTATION\",\"1772528700.3\",\"\""), 1);
    CHECK_INT(ev.ts_ms, 1772528700000LL);
    CHECK_STR(S(ev.method), "INVITE");
    CHECK_STR(S(ev.ruri_user), "0090123456789");
    CHECK_STR(S(ev.src_ip), "203.0.113.80");   /* a guest call's channel names its address */
    CHECK_STR(S(ev.contact_user), "203.0.113.80");
    CHECK_STR(S(ev.call_id), "1772528700.3");
    CHECK_INT(ev.response, 480);
    CHECK_STR(S(ev.reason), "NO ANSWER");

    CHECK_INT(decode(AST_CDR, "\"\",\"100\",\"00972595551234\",\"from-internal\",\"\"\"Alice\"\" <100>\","
                              "\"PJSIP/100-00000001\",\"\",\"Dial\",\"x\",\"2026-03-03 09:00:00\",\"\",\"\",605,600,"
                              "\"ANSWERED\",\"DOCUMENTATION\""), 1);
    CHECK_STR(S(ev.src_ip), "0.0.0.0");   /* no address in the record */
    CHECK_STR(S(ev.from_user), "100");
    CHECK_STR(S(ev.contact_user), "100");
    CHECK_INT(ev.response, 200);
    CHECK_STR(S(ev.call_id), "(null)");   /* no uniqueid column */

    CHECK_INT(decode(AST_CDR, "\"a\",\"b\""), -1);
    CHECK(strstr(why, "fields") != NULL);
    CHECK_INT(decode(AST_CDR, "\"unterminated,1,2"), -1);
    CHECK_INT(decode(AST_CDR, "\"\",\"\",\"123\",\"\",\"\",\"\",\"\",\"\",\"\",\"yesterday\",\"\",\"\",0,0,\"\",\"\""), -1);
    CHECK(strstr(why, "start") != NULL);
}

static void test_sniff(void)
{
    CHECK_INT(asterisk_sniff(DATA "security.log"), AST_LOG);
    CHECK_INT(asterisk_sniff(DATA "messages.log"), AST_LOG);
    CHECK_INT(asterisk_sniff(DATA "Master.csv"), AST_CDR);
    CHECK_INT(asterisk_sniff("tests/data/report/events.jsonl"), AST_NONE);
    CHECK_INT(asterisk_sniff("/nonexistent"), AST_NONE);
}

static unsigned long bad_seen;
static void on_bad(void *arg, const char *file, uint64_t line, const char *w)
{
    (void)arg, (void)file, (void)line, (void)w;
    bad_seen++;
}

static void test_ingest(void)
{
    char path[] = "/tmp/sipsnare-test-asterisk-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    char err[256];
    store *st = store_open(path, err, sizeof err);
    CHECK(st != NULL);
    if (!st)
        return;
    ast_opts o = {.year = 2026, .on_bad = on_bad};
    const char *files[] = {DATA "security.log", DATA "messages.log", DATA "Master.csv"};
    const ast_format fmts[] = {AST_LOG, AST_LOG, AST_CDR};
    const unsigned long events[] = {5, 6, 3};
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 3; i++) {
            ast_stats s;
            bool failed = true;
            CHECK_INT(asterisk_ingest(st, files[i], fmts[i], &o, &s, &failed, err, sizeof err), 0);
            CHECK(!failed);
            CHECK_INT(s.events, events[i]);
            CHECK_INT(s.bad, 1);
            CHECK_INT(s.added, round == 0 ? events[i] : 0);   /* the second load adds nothing */
            CHECK_INT(s.duplicates, round == 0 ? 0 : events[i]);
        }
    CHECK_INT(bad_seen, 6);
    store_close(st);
    unlink(path);
    char side[300];
    snprintf(side, sizeof side, "%s-wal", path);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", path);
    unlink(side);
}

CHECK_MAIN("test_asterisk",
    {"security log events", test_security},
    {"chan_sip and res_pjsip notices", test_notices},
    {"CDR records", test_cdr},
    {"formats told by the first line", test_sniff},
    {"files into the store, twice", test_ingest})
