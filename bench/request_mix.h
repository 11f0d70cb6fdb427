/*
 * request_mix.h - the request mix of the sensor benchmarks, one place for
 * bench/sipload.c (sent over loopback) and bench/bench_answer.c (handed to
 * the sensor's code directly): 30% OPTIONS, 30% REGISTER, 25% REGISTER with
 * a (wrong) digest Authorization, 15% INVITE to an international number,
 * as SIPVicious-like scanners send them. Call-ID "<tag>-<seq>", CSeq <seq>,
 * Via and Contact from source address number src (127.0.<src/250>.<src%250+2>).
 */
#ifndef SIPSNARE_BENCH_REQUEST_MIX_H
#define SIPSNARE_BENCH_REQUEST_MIX_H

#include <stdio.h>

static size_t request_mix(char *buf, size_t cap, unsigned long long s, unsigned src,
                          const char *tag)
{
    unsigned kind = (unsigned)(s % 100);
    char srcip[32];
    snprintf(srcip, sizeof srcip, "127.0.%u.%u", src / 250, src % 250 + 2);
    const char *host = "127.0.0.1";
#define common                                                   \
        "Via: SIP/2.0/UDP %s:5060;branch=z9hG4bK-%llu;rport\r\n"     \
        "Max-Forwards: 70\r\n"                                        \
        "From: \"%s\"<sip:%s@%s>;tag=%llx\r\n"                        \
        "To: \"%s\"<sip:%s@%s>\r\n"                                   \
        "User-Agent: friendly-scanner\r\n"                            \
        "Call-ID: %s-%llu\r\n"                                        \
        "CSeq: %llu %s\r\n"
    const char *ext = (kind % 3 == 0) ? "100" : (kind % 3 == 1) ? "4711" : "200";
    int n;
    if (kind < 30) {
        n = snprintf(buf, cap, "OPTIONS sip:%s@%s SIP/2.0\r\n", ext, host);
        n += snprintf(buf + n, cap - (size_t)n, common, srcip, s, ext, ext, host, s, ext,
                      ext, host, tag, s, s, "OPTIONS");
        n += snprintf(buf + n, cap - (size_t)n,
                      "Accept: application/sdp\r\nContent-Length: 0\r\n\r\n");
    } else if (kind < 60) {
        n = snprintf(buf, cap, "REGISTER sip:%s SIP/2.0\r\n", host);
        n += snprintf(buf + n, cap - (size_t)n, common, srcip, s, ext, ext, host, s, ext,
                      ext, host, tag, s, s, "REGISTER");
        n += snprintf(buf + n, cap - (size_t)n,
                      "Contact: <sip:%s@%s:5060>\r\nContent-Length: 0\r\n\r\n", ext, srcip);
    } else if (kind < 85) {
        n = snprintf(buf, cap, "REGISTER sip:%s SIP/2.0\r\n", host);
        n += snprintf(buf + n, cap - (size_t)n, common, srcip, s, "100", "100", host, s,
                      "100", "100", host, tag, s, s, "REGISTER");
        n += snprintf(buf + n, cap - (size_t)n,
                      "Contact: <sip:100@%s:5060>\r\n"
                      "Authorization: Digest username=\"100\",realm=\"asterisk\",nonce=\"%08llx\","
                      "uri=\"sip:%s\",response=\"0123456789abcdef0123456789abcdef\","
                      "algorithm=MD5,qop=auth\r\nContent-Length: 0\r\n\r\n",
                      srcip, s & 0x7fffffff, host);
    } else {
        n = snprintf(buf, cap, "INVITE sip:00972%07llu@%s SIP/2.0\r\n", s % 10000000, host);
        n += snprintf(buf + n, cap - (size_t)n, common, srcip, s, "100", "100", host, s,
                      "00972", "00972", host, tag, s, s, "INVITE");
        n += snprintf(buf + n, cap - (size_t)n,
                      "Contact: <sip:100@%s:5060>\r\nContent-Length: 0\r\n\r\n", srcip);
    }
#undef common
    return (size_t)n;
}

#endif
