#include "sensor/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sensor/config.h"

enum {
    UDP_BUF = 65536,                /* one datagram, the IPv4/IPv6 maximum */
    SEND_SLOTS = NET_UDP_BATCH * PERSONA_MAX_RESPONSES,
    TCP_INITIAL_BUF = 4096,
    TCP_MAX_OUT = 65536,            /* unsent response bytes per connection */
    EPOLL_EVENTS = 64,
    TAG_LISTENER = 1, TAG_CONN = 2, /* high bits of epoll data */
};

typedef struct {
    int fd;
    bool tcp, wildcard;
    int family;
    char host[64];                  /* bound address as text */
    uint16_t port;
} listener;

typedef struct {
    int fd;                         /* -1: free slot */
    uint32_t gen;                   /* bumps on reuse: stale timers miss */
    size_t listener;
    sensor_addr addr;
    char src_ip[64], dst_ip[64];
    char *in;
    size_t in_len, in_cap, scanned;
    char *out;
    size_t out_len;
    int64_t last_mono;
} conn;

typedef struct {
    int64_t due;                    /* monotonic ms */
    bool tcp;
    size_t listener;                /* UDP: socket to send from */
    size_t conn;                    /* TCP: slot and generation */
    uint32_t gen;
    uint64_t dialog;                /* sensor_dialog_key of the request */
    bool cancelled;                 /* withdrawn by a CANCEL/BYE/ACK */
    struct sockaddr_storage to;
    socklen_t to_len;
    struct sockaddr_storage from;   /* local address to answer from */
    size_t len;
    char *data;
} delayed;

struct net {
    listener ls[NET_MAX_LISTENERS];
    size_t n_ls;
    int ep;
    net_options opt;
    conn *conns;
    size_t n_conns_open;
    delayed *heap[NET_MAX_DELAYED];
    size_t n_heap;
    net_stats st;
    int64_t last_idle_scan;
    /* UDP batch buffers, allocated once. */
    char (*rx)[UDP_BUF];
    struct mmsghdr rx_msgs[NET_UDP_BATCH];
    struct iovec rx_iov[NET_UDP_BATCH];
    struct sockaddr_storage rx_from[NET_UDP_BATCH];
    char rx_ctl[NET_UDP_BATCH][128];
    struct mmsghdr tx_msgs[SEND_SLOTS];
    struct iovec tx_iov[SEND_SLOTS];
    struct sockaddr_storage tx_to[SEND_SLOTS];
    char tx_ctl[SEND_SLOTS][64];
    /* One result per datagram of a batch: the responses are sent from
     * where the persona wrote them (no copy). res[0] serves TCP. */
    persona_result *res;
    sip_msg msg;
};

void net_options_defaults(net_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_tcp_connections = 1024;
    o->tcp_idle_s = 30;
    o->max_message = SIP_MAX_MESSAGE;
    o->rate_pps = 50;
    o->rate_bytes = 20000;
    o->rate_sources = 65536;
    o->udp_buffer = CONFIG_UDP_BUFFER_DEFAULT;
}

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* A socket buffer of the wished size: the FORCE option (CAP_NET_ADMIN)
 * goes past net.core.rmem_max / wmem_max; only if it is refused does the
 * plain option ask for what those limits allow. Never both: the plain
 * option after a FORCE that worked would cut the buffer back to the limit
 * (Debian's default rmem_max is 208 KiB: 150 datagrams of a flood). */
static void set_buffer(int fd, int force_opt, int opt, int bytes)
{
    if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof bytes) != 0)
        setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof bytes);
}

static bool is_wildcard(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET)
        return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    return IN6_IS_ADDR_UNSPECIFIED(&s6->sin6_addr);
}

/* Dotted quad without printf: inet_ntop formats through sprintf, a
 * measurable share of the per-packet cost (perf, bench/bench_sensor.sh). */
static void ipv4_text(const struct in_addr *a, char *out, size_t cap)
{
    const uint8_t *b = (const uint8_t *)&a->s_addr;
    char tmp[16];
    size_t n = 0;
    for (int i = 0; i < 4; i++) {
        unsigned v = b[i];
        if (v >= 100) tmp[n++] = (char)('0' + v / 100);
        if (v >= 10) tmp[n++] = (char)('0' + v / 10 % 10);
        tmp[n++] = (char)('0' + v % 10);
        if (i < 3) tmp[n++] = '.';
    }
    if (n >= cap) n = cap - 1;
    memcpy(out, tmp, n);
    out[n] = '\0';
}

/* Text address and port of a sockaddr; src_bin gets the 16-byte form
 * (IPv4 mapped) used by the per-source table. */
static void addr_text(const struct sockaddr_storage *ss, char *ip, size_t cap,
                      uint16_t *port, uint8_t bin[16])
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
        ipv4_text(&s4->sin_addr, ip, cap);
        *port = ntohs(s4->sin_port);
        if (bin) {
            memset(bin, 0, 10);
            bin[10] = bin[11] = 0xff;
            memcpy(bin + 12, &s4->sin_addr, 4);
        }
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &s6->sin6_addr, ip, (socklen_t)cap);
        *port = ntohs(s6->sin6_port);
        if (bin) memcpy(bin, &s6->sin6_addr, 16);
    }
}

static int open_listener(listener *l, const net_listen *spec, const net_options *o)
{
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
    hints.ai_socktype = spec->tcp ? SOCK_STREAM : SOCK_DGRAM;
    char port[8];
    snprintf(port, sizeof port, "%u", spec->port);
    const char *host = spec->host;
    if (strcmp(host, "*") == 0) host = "0.0.0.0";
    int rc = getaddrinfo(host, port, &hints, &ai);
    if (rc != 0) {
        fprintf(stderr, "sipsnare: listen %s %s:%u: %s\n", spec->tcp ? "tcp" : "udp",
                spec->host, spec->port, gai_strerror(rc));
        errno = EINVAL;
        return -1;
    }
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd < 0) goto fail;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (ai->ai_family == AF_INET6)
        setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    if (!spec->tcp) {
        if (o->udp_buffer > 0) {
            set_buffer(fd, SO_RCVBUFFORCE, SO_RCVBUF, o->udp_buffer);
            set_buffer(fd, SO_SNDBUFFORCE, SO_SNDBUF, o->udp_buffer);
        }
    }
    if (bind(fd, ai->ai_addr, ai->ai_addrlen) != 0) goto fail;
    if (spec->tcp && listen(fd, 1024) != 0) goto fail;
    if (set_nonblock(fd) != 0) goto fail;

    struct sockaddr_storage bound;
    socklen_t bl = sizeof bound;
    getsockname(fd, (struct sockaddr *)&bound, &bl);
    l->fd = fd;
    l->tcp = spec->tcp;
    l->family = ai->ai_family;
    l->wildcard = is_wildcard(&bound);
    addr_text(&bound, l->host, sizeof l->host, &l->port, NULL);
    if (!spec->tcp && l->wildcard) {
        /* Learn each datagram's destination to answer from it. A socket
         * bound to one address knows it: no control message to pass and
         * read per datagram. */
        if (ai->ai_family == AF_INET)
            setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
        else
            setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    }
    freeaddrinfo(ai);
    return 0;
fail:;
    int e = errno;
    fprintf(stderr, "sipsnare: cannot listen on %s %s:%u: %s%s\n", spec->tcp ? "tcp" : "udp",
            spec->host, spec->port, strerror(e),
            e == EADDRINUSE ? " (another SIP server on this port? stop it or change [listen])" :
            e == EACCES ? " (ports below 1024 need root or CAP_NET_BIND_SERVICE)" :
            e == EADDRNOTAVAIL ? " (no such local address)" : "");
    if (fd >= 0) close(fd);
    freeaddrinfo(ai);
    errno = e;
    return -1;
}

net *net_open(const net_listen *specs, size_t n, const net_options *o)
{
    net *nt = calloc(1, sizeof *nt);
    if (!nt) return NULL;
    nt->opt = *o;
    if (nt->opt.max_message == 0 || nt->opt.max_message > SIP_MAX_MESSAGE)
        nt->opt.max_message = SIP_MAX_MESSAGE;
    nt->ep = epoll_create1(EPOLL_CLOEXEC);
    nt->rx = malloc(sizeof *nt->rx * NET_UDP_BATCH);
    nt->res = malloc(sizeof *nt->res * NET_UDP_BATCH);
    nt->conns = calloc(o->max_tcp_connections ? o->max_tcp_connections : 1, sizeof *nt->conns);
    if (nt->conns)
        for (size_t i = 0; i < o->max_tcp_connections; i++) nt->conns[i].fd = -1;
    if (nt->ep < 0 || !nt->rx || !nt->res || !nt->conns) goto fail;
    int err = 0;
    for (size_t i = 0; i < n && nt->n_ls < NET_MAX_LISTENERS; i++) {
        listener *l = &nt->ls[nt->n_ls];
        if (open_listener(l, &specs[i], o) != 0) { err = errno; continue; }
        struct epoll_event ev = {.events = EPOLLIN,
                                 .data.u64 = ((uint64_t)TAG_LISTENER << 32) | nt->n_ls};
        epoll_ctl(nt->ep, EPOLL_CTL_ADD, l->fd, &ev);
        nt->n_ls++;
    }
    if (nt->n_ls == 0) { errno = err ? err : EINVAL; goto fail; }
    return nt;
fail:;
    int e = errno;
    net_close(nt);
    errno = e;
    return NULL;
}

uint16_t net_bound_port(const net *n, size_t i) { return i < n->n_ls ? n->ls[i].port : 0; }
size_t net_listener_count(const net *n) { return n->n_ls; }

void net_listener_describe(const net *n, size_t i, char *out, size_t cap)
{
    const listener *l = &n->ls[i];
    bool v6 = l->family == AF_INET6;
    int w = snprintf(out, cap, "%s %s%s%s:%u", l->tcp ? "tcp" : "udp", v6 ? "[" : "", l->host,
                     v6 ? "]" : "", l->port);
    int rcvbuf = 0;
    socklen_t len = sizeof rcvbuf;
    /* What the kernel granted (it doubles the wish for its bookkeeping):
     * an operator sees at once whether a flood's bursts can be ridden out. */
    if (!l->tcp && w > 0 && (size_t)w < cap &&
        getsockopt(l->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &len) == 0)
        snprintf(out + w, cap - (size_t)w, ", receive buffer %d KiB", rcvbuf / 1024);
}
void net_get_stats(const net *n, net_stats *st) { *st = n->st; }

/* ---- delayed responses: a binary min-heap on the due time ---- */

static void heap_push(net *n, delayed *d)
{
    size_t i = n->n_heap++;
    n->heap[i] = d;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (n->heap[p]->due <= n->heap[i]->due) break;
        delayed *t = n->heap[p]; n->heap[p] = n->heap[i]; n->heap[i] = t;
        i = p;
    }
}

static delayed *heap_pop(net *n)
{
    delayed *top = n->heap[0];
    n->heap[0] = n->heap[--n->n_heap];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < n->n_heap && n->heap[l]->due < n->heap[m]->due) m = l;
        if (r < n->n_heap && n->heap[r]->due < n->heap[m]->due) m = r;
        if (m == i) break;
        delayed *t = n->heap[m]; n->heap[m] = n->heap[i]; n->heap[i] = t;
        i = m;
    }
    return top;
}

static delayed *delay_new(net *n, const persona_response *r, int64_t now_mono)
{
    if (n->n_heap >= NET_MAX_DELAYED) { n->st.delayed_dropped++; return NULL; }
    delayed *d = calloc(1, sizeof *d);
    if (!d) { n->st.delayed_dropped++; return NULL; }
    d->data = malloc(r->len);
    if (!d->data) { free(d); n->st.delayed_dropped++; return NULL; }
    memcpy(d->data, r->data, r->len);
    d->len = r->len;
    d->due = now_mono + r->delay_ms;
    return d;
}

/* A CANCEL, BYE or ACK withdraws what is still queued for its call (a 503
 * after the caller hung up would give the persona away). */
static void cancel_delayed(net *n, uint64_t dialog)
{
    for (size_t i = 0; i < n->n_heap; i++)
        if (n->heap[i]->dialog == dialog) n->heap[i]->cancelled = true;
}

/* ---- UDP ---- */

/* Fills the control message that makes the kernel send from `from`. */
static size_t set_source(char *ctl, const struct sockaddr_storage *from)
{
    struct msghdr mh = {.msg_control = ctl, .msg_controllen = 64};
    struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
    if (from->ss_family == AF_INET) {
        struct in_pktinfo pi = {0};
        pi.ipi_spec_dst = ((const struct sockaddr_in *)from)->sin_addr;
        c->cmsg_level = IPPROTO_IP;
        c->cmsg_type = IP_PKTINFO;
        c->cmsg_len = CMSG_LEN(sizeof pi);
        memcpy(CMSG_DATA(c), &pi, sizeof pi);
        return CMSG_SPACE(sizeof pi);
    }
    struct in6_pktinfo pi6 = {0};
    pi6.ipi6_addr = ((const struct sockaddr_in6 *)from)->sin6_addr;
    c->cmsg_level = IPPROTO_IPV6;
    c->cmsg_type = IPV6_PKTINFO;
    c->cmsg_len = CMSG_LEN(sizeof pi6);
    memcpy(CMSG_DATA(c), &pi6, sizeof pi6);
    return CMSG_SPACE(sizeof pi6);
}

/* The local address a datagram was sent to (pktinfo), or the bound one. */
static void datagram_dest(const listener *l, struct msghdr *mh, struct sockaddr_storage *dst)
{
    memset(dst, 0, sizeof *dst);
    for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
        if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
            struct in_pktinfo pi;
            memcpy(&pi, CMSG_DATA(c), sizeof pi);
            struct sockaddr_in *s4 = (struct sockaddr_in *)dst;
            s4->sin_family = AF_INET;
            s4->sin_addr = pi.ipi_addr;
            s4->sin_port = htons(l->port);
            return;
        }
        if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo pi6;
            memcpy(&pi6, CMSG_DATA(c), sizeof pi6);
            struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)dst;
            s6->sin6_family = AF_INET6;
            s6->sin6_addr = pi6.ipi6_addr;
            s6->sin6_port = htons(l->port);
            return;
        }
    }
    struct addrinfo hints = {0}, *ai = NULL;
    hints.ai_flags = AI_NUMERICHOST;
    if (getaddrinfo(l->host, NULL, &hints, &ai) == 0) {
        memcpy(dst, ai->ai_addr, ai->ai_addrlen);
        freeaddrinfo(ai);
    }
}

static void send_batch(net *n, const listener *l, unsigned count)
{
    unsigned off = 0;
    while (off < count) {
        int r = sendmmsg(l->fd, n->tx_msgs + off, count - off, 0);
        if (r < 0) {
            if (errno == EINTR) continue;
            /* EAGAIN (send buffer full) or a per-destination error: skip
             * the first message, keep going with the rest. */
            n->st.send_errors++;
            off++;
            continue;
        }
        n->st.udp_out += (unsigned)r;
        off += (unsigned)r;
    }
}

static void handle_udp(net *n, sensor *s, size_t li)
{
    listener *l = &n->ls[li];
    /* Under load the next batch is usually waiting: ask for it at once
     * instead of going back to epoll_wait, until the socket is empty or 16
     * rounds have run (bounded: TCP and timers get their turn). At
     * 100,000 requests/s this made 5x fewer system calls and 28x fewer
     * context switches (docs/PERFORMANCE.md). */
    for (int round = 0; round < 16; round++) {
        for (int i = 0; i < NET_UDP_BATCH; i++) {
            n->rx_iov[i] = (struct iovec){n->rx[i], UDP_BUF};
            n->rx_msgs[i].msg_hdr = (struct msghdr){
                .msg_name = &n->rx_from[i], .msg_namelen = sizeof n->rx_from[i],
                .msg_iov = &n->rx_iov[i], .msg_iovlen = 1,
                .msg_control = n->rx_ctl[i], .msg_controllen = sizeof n->rx_ctl[i]};
            n->rx_msgs[i].msg_len = 0;
        }
        int got = recvmmsg(l->fd, n->rx_msgs, NET_UDP_BATCH, MSG_DONTWAIT, NULL);
        if (got <= 0) return;
        n->st.udp_in += (unsigned)got;
        int64_t now = sensor_now_ms(), mono = sensor_mono_ms();
        unsigned tx = 0;
        for (int i = 0; i < got; i++) {
            struct sockaddr_storage dst;    /* set and read only when wildcard */
            char src_ip[64], dst_ip[64];
            sensor_addr a = {.transport = "udp", .src_ip = src_ip, .dst_ip = l->host,
                             .dst_port = l->port};
            addr_text(&n->rx_from[i], src_ip, sizeof src_ip, &a.src_port, a.src_bin);
            if (l->wildcard) {
                datagram_dest(l, &n->rx_msgs[i].msg_hdr, &dst);
                uint8_t unused[16];
                addr_text(&dst, dst_ip, sizeof dst_ip, &a.dst_port, unused);
                a.dst_ip = dst_ip;
            }
            persona_result *res = &n->res[i];
            sensor_handle_datagram(s, n->rx[i], n->rx_msgs[i].msg_len, &a, now, &n->msg, res);
            /* The dialog key only matters to delayed responses (rare):
             * computed when one needs it. */
            uint64_t dialog = 0;
            bool have_dialog = false;
            if (res->cancel_pending && n->n_heap) {
                dialog = sensor_dialog_key(&n->msg, a.src_bin);
                have_dialog = true;
                cancel_delayed(n, dialog);
            }
            for (unsigned k = 0; k < res->n; k++) {
                const persona_response *r = &res->resp[k];
                if (r->delay_ms > 0) {
                    if (!have_dialog) {
                        dialog = sensor_dialog_key(&n->msg, a.src_bin);
                        have_dialog = true;
                    }
                    delayed *d = delay_new(n, r, mono);
                    if (!d) continue;
                    d->dialog = dialog;
                    d->listener = li;
                    memcpy(&d->to, &n->rx_from[i], sizeof d->to);
                    d->to_len = n->rx_msgs[i].msg_hdr.msg_namelen;
                    if (l->wildcard)
                        d->from = dst;              /* else: zero, from calloc */
                    heap_push(n, d);
                    continue;
                }
                n->tx_iov[tx] = (struct iovec){(void *)r->data, r->len};
                memcpy(&n->tx_to[tx], &n->rx_from[i], sizeof n->tx_to[tx]);
                n->tx_msgs[tx].msg_hdr = (struct msghdr){
                    .msg_name = &n->tx_to[tx], .msg_namelen = n->rx_msgs[i].msg_hdr.msg_namelen,
                    .msg_iov = &n->tx_iov[tx], .msg_iovlen = 1,
                    .msg_control = n->tx_ctl[tx]};
                n->tx_msgs[tx].msg_hdr.msg_controllen =
                    l->wildcard ? set_source(n->tx_ctl[tx], &dst) : 0;
                if (!l->wildcard) n->tx_msgs[tx].msg_hdr.msg_control = NULL;
                tx++;
            }
        }
        /* The batch's events reach the log before its responses leave. */
        if (eventlog_flush(s->log) != 0) {
            s->unlogged += tx;
            tx = 0;
        }
        if (tx) send_batch(n, l, tx);
    }
}

/* ---- TCP ---- */

static void conn_close(net *n, size_t ci)
{
    conn *c = &n->conns[ci];
    if (c->fd < 0) return;
    epoll_ctl(n->ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    free(c->in);
    free(c->out);
    uint32_t gen = c->gen + 1;
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->gen = gen;
    n->n_conns_open--;
}

/* Writes what it can; keeps the rest (bounded) for EPOLLOUT. */
static int conn_send(net *n, conn *c, const char *data, size_t len)
{
    if (c->out_len == 0) {
        ssize_t w = send(c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return -1;
        if (w < 0) w = 0;
        n->st.tcp_out++;
        data += w;
        len -= (size_t)w;
        if (len == 0) return 0;
    }
    if (c->out_len + len > TCP_MAX_OUT) return -1;   /* peer does not read */
    char *o = realloc(c->out, c->out_len + len);
    if (!o) return -1;
    memcpy(o + c->out_len, data, len);
    c->out = o;
    c->out_len += len;
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT,
                             .data.u64 = ((uint64_t)TAG_CONN << 32) | (size_t)(c - n->conns)};
    epoll_ctl(n->ep, EPOLL_CTL_MOD, c->fd, &ev);
    return 0;
}

static void conn_flush_out(net *n, size_t ci)
{
    conn *c = &n->conns[ci];
    ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { conn_close(n, ci); return; }
    if (w > 0) {
        memmove(c->out, c->out + w, c->out_len - (size_t)w);
        c->out_len -= (size_t)w;
    }
    if (c->out_len == 0) {
        struct epoll_event ev = {.events = EPOLLIN,
                                 .data.u64 = ((uint64_t)TAG_CONN << 32) | ci};
        epoll_ctl(n->ep, EPOLL_CTL_MOD, c->fd, &ev);
    }
}

static void handle_accept(net *n, size_t li)
{
    listener *l = &n->ls[li];
    for (int k = 0; k < 64; k++) {
        struct sockaddr_storage from;
        socklen_t fl = sizeof from;
        int fd = accept4(l->fd, (struct sockaddr *)&from, &fl, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        size_t ci = 0;
        while (ci < n->opt.max_tcp_connections && n->conns[ci].fd >= 0) ci++;
        if (ci == n->opt.max_tcp_connections) {
            /* Full: refuse the newcomer rather than evict a live peer. */
            close(fd);
            n->st.tcp_refused++;
            continue;
        }
        conn *c = &n->conns[ci];
        c->fd = fd;
        c->listener = li;
        c->last_mono = sensor_mono_ms();
        struct sockaddr_storage local;
        socklen_t ll = sizeof local;
        getsockname(fd, (struct sockaddr *)&local, &ll);
        c->addr.transport = "tcp";
        c->addr.src_ip = c->src_ip;
        c->addr.dst_ip = c->dst_ip;
        addr_text(&from, c->src_ip, sizeof c->src_ip, &c->addr.src_port, c->addr.src_bin);
        uint8_t unused[16];
        addr_text(&local, c->dst_ip, sizeof c->dst_ip, &c->addr.dst_port, unused);
        struct epoll_event ev = {.events = EPOLLIN,
                                 .data.u64 = ((uint64_t)TAG_CONN << 32) | ci};
        epoll_ctl(n->ep, EPOLL_CTL_ADD, fd, &ev);
        n->n_conns_open++;
        n->st.tcp_accepted++;
    }
}

static void handle_conn(net *n, sensor *s, size_t ci, uint32_t events)
{
    conn *c = &n->conns[ci];
    if (c->fd < 0) return;
    if (events & EPOLLOUT) {
        conn_flush_out(n, ci);
        if (c->fd < 0) return;
    }
    if (!(events & (EPOLLIN | EPOLLHUP | EPOLLERR))) return;
    if (c->in_len == c->in_cap) {
        size_t cap = c->in_cap ? c->in_cap * 2 : TCP_INITIAL_BUF;
        if (cap > n->opt.max_message) cap = n->opt.max_message;
        if (cap <= c->in_len) {
            /* A message larger than we frame: log what we have, hang up. */
            n->st.tcp_oversize++;
            sensor_log_malformed(s, c->in, c->in_len, "message too large",
                                 c->in_len, &c->addr, sensor_now_ms());
            eventlog_flush(s->log);
            conn_close(n, ci);
            return;
        }
        char *in = realloc(c->in, cap);
        if (!in) { conn_close(n, ci); return; }
        c->in = in;
        c->in_cap = cap;
    }
    ssize_t r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        conn_close(n, ci);
        return;
    }
    if (r < 0) return;
    c->in_len += (size_t)r;
    c->last_mono = sensor_mono_ms();
    int64_t now = sensor_now_ms();
    static sip_msg msg;
    for (;;) {
        ssize_t used = sip_parse_stream(c->in, c->in_len, c->scanned, &msg);
        if (used == SIP_PARSE_NEED_MORE) { c->scanned = c->in_len; break; }
        if (used == SIP_PARSE_INVALID) {
            /* Framing is lost (RFC 4475 ncl, mcl01): log it and hang up. */
            sensor_log_malformed(s, c->in, c->in_len, msg.error ? msg.error : "invalid",
                                 msg.error_offset, &c->addr, now);
            eventlog_flush(s->log);
            conn_close(n, ci);
            return;
        }
        n->st.tcp_in++;
        size_t keepalive = (size_t)used - msg.length;
        persona_result *res = &n->res[0];
        sensor_handle_message(s, &msg, c->in + keepalive, msg.length, &c->addr, now, res);
        if (eventlog_flush(s->log) != 0) res->n = 0;
        uint64_t dialog = sensor_dialog_key(&msg, c->addr.src_bin);
        if (res->cancel_pending && n->n_heap) cancel_delayed(n, dialog);
        int64_t mono = sensor_mono_ms();
        for (unsigned k = 0; k < res->n; k++) {
            const persona_response *rp = &res->resp[k];
            if (rp->delay_ms > 0) {
                delayed *d = delay_new(n, rp, mono);
                if (!d) continue;
                d->tcp = true;
                d->dialog = dialog;
                d->conn = ci;
                d->gen = c->gen;
                heap_push(n, d);
            } else if (conn_send(n, c, rp->data, rp->len) != 0) {
                conn_close(n, ci);
                return;
            }
        }
        memmove(c->in, c->in + used, c->in_len - (size_t)used);
        c->in_len -= (size_t)used;
        c->scanned = 0;
        if (c->in_len == 0) break;
    }
}

static void run_timers(net *n)
{
    int64_t mono = sensor_mono_ms();
    while (n->n_heap && n->heap[0]->due <= mono) {
        delayed *d = heap_pop(n);
        if (d->cancelled) {
            /* withdrawn: nothing to send */
        } else if (d->tcp) {
            conn *c = &n->conns[d->conn];
            if (c->fd >= 0 && c->gen == d->gen && conn_send(n, c, d->data, d->len) != 0)
                conn_close(n, d->conn);
        } else {
            listener *l = &n->ls[d->listener];
            char ctl[64];
            struct iovec iov = {d->data, d->len};
            struct msghdr mh = {.msg_name = &d->to, .msg_namelen = d->to_len,
                                .msg_iov = &iov, .msg_iovlen = 1};
            if (l->wildcard) {
                mh.msg_control = ctl;
                mh.msg_controllen = set_source(ctl, &d->from);
            }
            if (sendmsg(l->fd, &mh, 0) < 0) n->st.send_errors++;
            else n->st.udp_out++;
        }
        free(d->data);
        free(d);
    }
    /* Idle TCP peers are closed once a second's scan finds them. */
    if (mono - n->last_idle_scan >= 1000) {
        n->last_idle_scan = mono;
        for (size_t i = 0; i < n->opt.max_tcp_connections; i++) {
            conn *c = &n->conns[i];
            if (c->fd >= 0 && mono - c->last_mono > (int64_t)n->opt.tcp_idle_s * 1000) {
                conn_close(n, i);
                n->st.tcp_closed_idle++;
            }
        }
    }
}

int net_run(net *n, sensor *s, volatile int *stop, volatile int *reopen)
{
    struct epoll_event evs[EPOLL_EVENTS];
    while (!*stop) {
        if (*reopen) {
            *reopen = 0;
            if (eventlog_reopen(s->log) != 0)
                fprintf(stderr, "sipsnare: cannot reopen the log: %s\n", strerror(errno));
        }
        int timeout = 1000;
        if (n->n_heap) {
            int64_t wait = n->heap[0]->due - sensor_mono_ms();
            timeout = wait < 0 ? 0 : wait < 1000 ? (int)wait : 1000;
        }
        int k = epoll_wait(n->ep, evs, EPOLL_EVENTS, timeout);
        if (k < 0 && errno != EINTR) return -1;
        for (int i = 0; i < k; i++) {
            uint32_t tag = (uint32_t)(evs[i].data.u64 >> 32);
            size_t idx = (size_t)(evs[i].data.u64 & 0xffffffffu);
            if (tag == TAG_LISTENER) {
                if (n->ls[idx].tcp) handle_accept(n, idx);
                else handle_udp(n, s, idx);
            } else {
                handle_conn(n, s, idx, evs[i].events);
            }
        }
        run_timers(n);
        /* Nothing stays in the batch buffer while the loop sleeps. */
        eventlog_flush(s->log);
    }
    return 0;
}

void net_close(net *n)
{
    if (!n) return;
    for (size_t i = 0; i < n->n_ls; i++) close(n->ls[i].fd);
    if (n->conns)
        for (size_t i = 0; i < n->opt.max_tcp_connections; i++)
            if (n->conns[i].fd >= 0) conn_close(n, i);
    while (n->n_heap) {
        delayed *d = heap_pop(n);
        free(d->data);
        free(d);
    }
    if (n->ep >= 0) close(n->ep);
    free(n->conns);
    free(n->rx);
    free(n->res);
    free(n);
}
