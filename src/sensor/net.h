/*
 * net.h - the sensor's sockets and event loop: UDP and TCP, IPv4 and IPv6,
 * one epoll loop in one thread. A socket bound to a wildcard address learns
 * each datagram's destination (IP_PKTINFO / IPV6_RECVPKTINFO) and answers
 * from it, so one process serves a whole set of honeypot addresses.
 *
 * UDP is read and answered in batches (recvmmsg/sendmmsg); the batch's
 * events are written to the log before its responses are sent. Responses
 * always go to the packet's source address, never to an address named in
 * the message (Via, Contact), so the sensor cannot be aimed at a third party
 * except by spoofing, which the per-source budget (ratelimit.h) bounds.
 */
#ifndef SIPSNARE_NET_H
#define SIPSNARE_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sensor/sensor.h"

enum {
    NET_MAX_LISTENERS = 64,
    NET_UDP_BATCH = 64,            /* datagrams per recvmmsg                */
    NET_MAX_DELAYED = 4096,        /* pending delayed responses (180, 503)  */
};

typedef struct {
    bool tcp;
    char host[64];                 /* "0.0.0.0", "::", "127.0.0.2", "::1"   */
    uint16_t port;
} net_listen;

typedef struct {
    unsigned max_tcp_connections;  /* default 1024                          */
    unsigned tcp_idle_s;           /* default 30                            */
    size_t max_message;            /* TCP framing limit, default 65535      */
    unsigned rate_pps;             /* per-source answers/s (0: unlimited)   */
    unsigned rate_bytes;           /* per-source bytes/s (0: unlimited)     */
    unsigned rate_sources;         /* slots in the per-source table          */
    int udp_buffer;                /* socket buffer wish, bytes (0: the kernel's)   */
} net_options;

void net_options_defaults(net_options *o);

typedef struct net net;

/* Binds every listener. A listener that cannot be bound is reported on
 * stderr with the reason; returns NULL only if none could be bound (errno
 * of the last failure). */
net *net_open(const net_listen *ls, size_t n, const net_options *o);

/* The port actually bound by listener i (for port 0 in tests). */
uint16_t net_bound_port(const net *n, size_t i);
size_t net_listener_count(const net *n);
/* "udp 127.0.0.1:5060" / "tcp [::1]:5060" for listener i. */
void net_listener_describe(const net *n, size_t i, char *out, size_t cap);

/* Runs the loop until *stop becomes true (a signal handler sets it).
 * *reopen makes it reopen the log. Returns 0 on a clean stop. */
int net_run(net *n, sensor *s, volatile int *stop, volatile int *reopen);

void net_close(net *n);

/* Counters for the exit summary. */
typedef struct {
    uint64_t udp_in, udp_out, tcp_in, tcp_out, tcp_accepted, tcp_refused,
             tcp_closed_idle, tcp_oversize, delayed_dropped, rate_limited,
             send_errors;
} net_stats;
void net_get_stats(const net *n, net_stats *st);

#endif
