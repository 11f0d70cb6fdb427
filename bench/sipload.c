/*
 * sipload.c - SIP load generator for the sensor benchmark and the
 * durability tests. Loopback only: it refuses any target outside
 * 127.0.0.0/8 and ::1.
 *
 * Sends COUNT requests at RATE per second from SOURCES sockets (bound to
 * 127.0.<i/250>.<i%250+2> so per-source state is exercised), a mix of OPTIONS,
 * REGISTER without and with Authorization, INVITE, and some garbage that a
 * real Asterisk does not answer. Every request carries Call-ID
 * "<tag>-<seq>" and CSeq <seq>; a receiver thread marks each seq answered.
 *
 * -g PCT of the datagrams are random bytes (default 2), -M PCT of the
 * requests get 1-8 random byte edits; neither is counted as expected.
 *
 * Output (one line, key=value): sent, expected (requests that get an answer),
 * answered, loss_pct, garbage, elapsed_s. With -o FILE, the answered
 * "callid cseq" pairs are written there, to be matched against the log.
 *
 *   sipload -t 127.0.0.1:5060 -r 20000 -n 200000 [-s 64] [-g 2] [-w 500]
 *           [-T tag] [-o answered.txt]
 *
 * Spray mode, -S: every request from a different source address in
 * 127.0.0.0/8 (127.1.0.0 upwards), sent through a raw socket (needs root),
 * to fill the sensor's per-source tables; answers are not counted (they go
 * to addresses nobody listens on).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "request_mix.h"

enum { MAX_SOURCES = 4096, BATCH = 32, MSG_MAX = 1400 };

static struct {
    struct sockaddr_in target;
    unsigned rate, sources, garbage_pct, wait_ms;
    uint64_t count;
    const char *tag, *out;
    int spray;
    unsigned mutate_pct;        /* -M: requests with random byte edits */
} opt = {.rate = 10000, .sources = 64, .garbage_pct = 2, .wait_ms = 500, .count = 100000,
         .tag = "L"};

static int fds[MAX_SOURCES];
static uint8_t *answered;       /* one byte per seq */
static uint8_t *expects;        /* 1: this seq should get an answer */
static atomic_int sending_done;
static uint64_t n_answered;

static int64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* splitmix64: a reproducible stream per seq for garbage and mutations. */
static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

/* 1-8 random edits: flip, overwrite, delete, duplicate, truncate. */
static size_t mutate(char *buf, size_t len, uint64_t seed)
{
    unsigned edits = 1 + (unsigned)(mix(seed) % 8);
    for (unsigned i = 0; i < edits && len > 1; i++) {
        uint64_t r = mix(seed + 1 + i);
        size_t at = (size_t)(r >> 8) % len;
        switch (r % 5) {
        case 0: buf[at] ^= (char)(1u << ((r >> 40) % 8)); break;
        case 1: buf[at] = (char)(r >> 48); break;
        case 2: { size_t n = 1 + (size_t)(r >> 32) % 16; if (at + n > len) n = len - at;
                  memmove(buf + at, buf + at + n, len - at - n); len -= n; break; }
        case 3: { size_t n = 1 + (size_t)(r >> 32) % 32; if (at + n > len) n = len - at;
                  if (len + n <= MSG_MAX) { memmove(buf + at + n, buf + at, len - at); len += n; } break; }
        default: len = at; break;
        }
    }
    return len;
}

static size_t build_request(char *buf, uint64_t seq, unsigned src, int *expect);

/* Builds datagram seq into buf; returns length; *expect says whether a real
 * Asterisk answers it (garbage and mutated requests are not counted). */
static size_t build(char *buf, uint64_t seq, unsigned src, int *expect)
{
    unsigned kind = (unsigned)(seq % 100);
    if (kind < opt.garbage_pct) {
        /* Random bytes of random length, sometimes empty (nmap's probe). */
        *expect = 0;
        size_t len = (size_t)(mix(seq) % MSG_MAX);
        for (size_t i = 0; i < len; i += 8) {
            uint64_t r = mix(seq * 1315423911u + i);
            memcpy(buf + i, &r, len - i < 8 ? len - i : 8);
        }
        return len;
    }
    size_t len = build_request(buf, seq, src, expect);
    if (opt.mutate_pct && mix(seq ^ 0x5bd1e995) % 100 < opt.mutate_pct) {
        *expect = 0;
        len = mutate(buf, len, seq);
    }
    return len;
}

static size_t build_request(char *buf, uint64_t seq, unsigned src, int *expect)
{
    *expect = 1;
    return request_mix(buf, MSG_MAX, (unsigned long long)seq, src, opt.tag);
}

/* The seq of a response: from "Call-ID: <tag>-<seq>". */
static int64_t response_seq(const char *p, size_t len)
{
    size_t tl = strlen(opt.tag);
    for (size_t i = 0; i + 9 + tl < len; i++) {
        if (p[i] != '\n' || memcmp(p + i + 1, "Call-ID: ", 9) != 0) continue;
        const char *v = p + i + 10;
        if ((size_t)(v - p) + tl + 1 >= len || memcmp(v, opt.tag, tl) != 0 || v[tl] != '-')
            return -1;
        v += tl + 1;
        int64_t seq = 0;
        while (v < p + len && *v >= '0' && *v <= '9') seq = seq * 10 + (*v++ - '0');
        return seq;
    }
    return -1;
}

static void *receiver(void *arg)
{
    (void)arg;
    struct pollfd *pfd = calloc(opt.sources, sizeof *pfd);
    static char bufs[BATCH][2048];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    for (unsigned i = 0; i < opt.sources; i++) pfd[i] = (struct pollfd){.fd = fds[i], .events = POLLIN};
    int64_t quiet_since = 0;
    for (;;) {
        int r = poll(pfd, opt.sources, 50);
        if (r <= 0) {
            if (atomic_load(&sending_done)) {
                int64_t now = mono_ns();
                if (!quiet_since) quiet_since = now;
                if (now - quiet_since > (int64_t)opt.wait_ms * 1000000) break;
            }
            continue;
        }
        int got_data = 0;
        for (unsigned i = 0; i < opt.sources; i++) {
            if (pfd[i].revents & POLLERR) {
                /* ICMP port unreachable (the target died): clear it. */
                char b;
                recv(fds[i], &b, 1, MSG_DONTWAIT);
            }
            if (!(pfd[i].revents & POLLIN)) continue;
            got_data = 1;
            for (int j = 0; j < BATCH; j++) {
                iov[j] = (struct iovec){bufs[j], sizeof bufs[j]};
                msgs[j].msg_hdr = (struct msghdr){.msg_iov = &iov[j], .msg_iovlen = 1};
            }
            int got = recvmmsg(fds[i], msgs, BATCH, MSG_DONTWAIT, NULL);
            for (int j = 0; j < got; j++) {
                int64_t seq = response_seq(bufs[j], msgs[j].msg_len);
                if (seq >= 0 && (uint64_t)seq < opt.count && !answered[seq]) {
                    answered[seq] = 1;
                    n_answered++;
                }
            }
        }
        if (got_data) quiet_since = 0;
        else if (atomic_load(&sending_done)) {
            int64_t now = mono_ns();
            if (!quiet_since) quiet_since = now;
            if (now - quiet_since > (int64_t)opt.wait_ms * 1000000) break;
        }
    }
    free(pfd);
    return NULL;
}

/* -S: raw IPv4/UDP packets with a new 127.x.y.z source each. */
static int spray(void)
{
    int fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (fd < 0) { perror("sipload: raw socket (root needed for -S)"); return 1; }
    static char pkt[BATCH][sizeof(struct iphdr) + sizeof(struct udphdr) + MSG_MAX];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t sent = 0;
    int64_t start = mono_ns();
    while (sent < opt.count) {
        uint64_t due = (uint64_t)((double)(mono_ns() - start) * opt.rate / 1e9) + 1;
        if (due > opt.count) due = opt.count;
        if (sent >= due) { struct timespec ts = {0, 100000}; nanosleep(&ts, NULL); continue; }
        unsigned k = 0;
        while (k < BATCH && sent + k < due) {
            uint64_t seq = sent + k;
            uint32_t src = (127u << 24) + (1u << 16) + (uint32_t)seq;  /* 127.1.0.0 + seq */
            int expect;
            char *payload = pkt[k] + sizeof(struct iphdr) + sizeof(struct udphdr);
            size_t len = build(payload, seq, (unsigned)(seq % 250), &expect);
            struct iphdr *ip = (struct iphdr *)pkt[k];
            struct udphdr *udp = (struct udphdr *)(ip + 1);
            memset(ip, 0, sizeof *ip);
            ip->version = 4;
            ip->ihl = 5;
            ip->ttl = 64;
            ip->protocol = IPPROTO_UDP;
            ip->saddr = htonl(src);
            ip->daddr = opt.target.sin_addr.s_addr;
            ip->tot_len = htons((uint16_t)(sizeof *ip + sizeof *udp + len));
            udp->source = htons(5060);
            udp->dest = opt.target.sin_port;
            udp->len = htons((uint16_t)(sizeof *udp + len));
            udp->check = 0;  /* optional in IPv4 */
            iov[k] = (struct iovec){pkt[k], sizeof *ip + sizeof *udp + len};
            msgs[k].msg_hdr = (struct msghdr){.msg_name = &opt.target, .msg_namelen = sizeof opt.target,
                                              .msg_iov = &iov[k], .msg_iovlen = 1};
            k++;
        }
        int r = sendmmsg(fd, msgs, k, 0);
        if (r > 0) sent += (unsigned)r;
    }
    double elapsed = (double)(mono_ns() - start) / 1e9;
    printf("sent=%llu sources=%llu elapsed_s=%.3f rate=%.0f\n", (unsigned long long)sent,
           (unsigned long long)sent, elapsed, (double)sent / elapsed);
    close(fd);
    return 0;
}

static int loopback_only(const char *host)
{
    struct in_addr a;
    if (inet_pton(AF_INET, host, &a) != 1) return 0;
    return (ntohl(a.s_addr) >> 24) == 127;
}

int main(int argc, char **argv)
{
    int c;
    char host[64] = "127.0.0.1";
    unsigned port = 5060;
    while ((c = getopt(argc, argv, "t:r:n:s:g:w:T:o:SM:")) != -1) {
        switch (c) {
        case 't': {
            const char *colon = strrchr(optarg, ':');
            if (!colon) { fprintf(stderr, "sipload: -t HOST:PORT\n"); return 2; }
            snprintf(host, sizeof host, "%.*s", (int)(colon - optarg), optarg);
            port = (unsigned)atoi(colon + 1);
            break;
        }
        case 'r': opt.rate = (unsigned)atoi(optarg); break;
        case 'n': opt.count = strtoull(optarg, NULL, 10); break;
        case 's': opt.sources = (unsigned)atoi(optarg); break;
        case 'g': opt.garbage_pct = (unsigned)atoi(optarg); break;
        case 'w': opt.wait_ms = (unsigned)atoi(optarg); break;
        case 'T': opt.tag = optarg; break;
        case 'o': opt.out = optarg; break;
        case 'S': opt.spray = 1; break;
        case 'M': opt.mutate_pct = (unsigned)atoi(optarg); break;
        default: fprintf(stderr, "usage: see the comment at the top of bench/sipload.c\n"); return 2;
        }
    }
    if (!loopback_only(host)) {
        fprintf(stderr, "sipload: refusing target %s: loopback (127.0.0.0/8) only\n", host);
        return 2;
    }
    if (opt.sources < 1 || opt.sources > MAX_SOURCES || opt.rate == 0 || opt.count == 0) {
        fprintf(stderr, "sipload: bad -s/-r/-n\n");
        return 2;
    }
    opt.target.sin_family = AF_INET;
    opt.target.sin_port = htons((uint16_t)port);
    inet_pton(AF_INET, host, &opt.target.sin_addr);
    if (opt.spray) {
        if (opt.count > (1u << 24) - (1u << 16)) { fprintf(stderr, "sipload: -S allows up to 16M sources\n"); return 2; }
        return spray();
    }
    answered = calloc(opt.count, 1);
    expects = calloc(opt.count, 1);
    if (!answered || !expects) { fprintf(stderr, "sipload: out of memory\n"); return 1; }
    for (unsigned i = 0; i < opt.sources; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        struct sockaddr_in src = {.sin_family = AF_INET};
        char ip[32];
        snprintf(ip, sizeof ip, "127.0.%u.%u", i / 250, i % 250 + 2);
        inet_pton(AF_INET, ip, &src.sin_addr);
        int buf = 4 << 20;
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
        setsockopt(fds[i], SOL_SOCKET, SO_RCVBUF, &buf, sizeof buf);
        if (bind(fds[i], (struct sockaddr *)&src, sizeof src) != 0 ||
            connect(fds[i], (struct sockaddr *)&opt.target, sizeof opt.target) != 0) {
            fprintf(stderr, "sipload: socket %s: %s\n", ip, strerror(errno));
            return 1;
        }
    }
    pthread_t rx;
    pthread_create(&rx, NULL, receiver, NULL);

    static char bufs[BATCH][MSG_MAX];
    struct mmsghdr msgs[BATCH];
    struct iovec iov[BATCH];
    uint64_t sent = 0, expected = 0, garbage = 0;
    int64_t start = mono_ns();
    unsigned src = 0;
    while (sent < opt.count) {
        /* Pace: how many should be out by now. */
        int64_t now = mono_ns();
        uint64_t due = (uint64_t)((double)(now - start) * opt.rate / 1e9) + 1;
        if (due > opt.count) due = opt.count;
        if (sent >= due) {
            struct timespec ts = {0, 100000};
            nanosleep(&ts, NULL);
            continue;
        }
        /* One batch per source socket, at most BATCH. */
        unsigned k = 0;
        while (k < BATCH && sent + k < due) {
            int expect;
            size_t len = build(bufs[k], sent + k, src, &expect);
            expects[sent + k] = (uint8_t)expect;
            expected += (uint64_t)expect;
            garbage += (uint64_t)!expect;
            iov[k] = (struct iovec){bufs[k], len};
            msgs[k].msg_hdr = (struct msghdr){.msg_iov = &iov[k], .msg_iovlen = 1};
            k++;
        }
        int r = sendmmsg(fds[src], msgs, k, 0);
        if (r < 0) r = 0;
        /* Unsent messages are sent again next time (same seq). */
        for (int i = r; i < (int)k; i++) {
            expected -= expects[sent + (unsigned)i];
            garbage -= !expects[sent + (unsigned)i];
        }
        sent += (unsigned)r;
        src = (src + 1) % opt.sources;
    }
    double elapsed = (double)(mono_ns() - start) / 1e9;
    atomic_store(&sending_done, 1);
    pthread_join(rx, NULL);

    uint64_t ok = 0;
    for (uint64_t i = 0; i < opt.count; i++) ok += answered[i] && expects[i];
    if (opt.out) {
        FILE *f = fopen(opt.out, "w");
        if (!f) { perror(opt.out); return 1; }
        for (uint64_t i = 0; i < opt.count; i++)
            if (answered[i]) fprintf(f, "%s-%llu %llu\n", opt.tag, (unsigned long long)i,
                                     (unsigned long long)i);
        fclose(f);
    }
    double loss = expected ? 100.0 * (double)(expected - ok) / (double)expected : 0;
    printf("sent=%llu expected=%llu answered=%llu loss_pct=%.3f garbage=%llu elapsed_s=%.3f rate=%.0f\n",
           (unsigned long long)sent, (unsigned long long)expected, (unsigned long long)ok, loss,
           (unsigned long long)garbage, elapsed, (double)sent / elapsed);
    return 0;
}
