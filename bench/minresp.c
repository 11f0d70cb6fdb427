/*
 * minresp.c - the ceiling for the sensor benchmark: the least a UDP SIP
 * responder can do. recvmmsg a batch, answer each datagram that has a
 * Call-ID with a canned 200 echoing it, sendmmsg the batch. No parsing
 * beyond finding Call-ID, no state, no logging.
 *   minresp PORT   (binds 127.0.0.1:PORT; stops on SIGTERM)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { BATCH = 64 };

static volatile sig_atomic_t stop;
static void on_term(int sig) { (void)sig; stop = 1; }

int main(int argc, char **argv)
{
    if (argc != 2) { fprintf(stderr, "usage: minresp PORT\n"); return 2; }
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[1]))};
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    /* The sensor's default socket buffers ([limits] udp_buffer), so that
     * both servers ride out the machine's stalls alike. */
    int buf = 32 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof buf);
    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof buf);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("bind"); return 1; }
    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    struct timeval tv = {0, 200000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);

    static char in[BATCH][2048], out[BATCH][512];
    struct mmsghdr rx[BATCH], tx[BATCH];
    struct iovec riov[BATCH], tiov[BATCH];
    struct sockaddr_in from[BATCH];
    fprintf(stderr, "minresp: listening on 127.0.0.1:%s\n", argv[1]);
    while (!stop) {
        for (int i = 0; i < BATCH; i++) {
            riov[i] = (struct iovec){in[i], sizeof in[i]};
            rx[i].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = sizeof from[i],
                                            .msg_iov = &riov[i], .msg_iovlen = 1};
        }
        int n = recvmmsg(fd, rx, BATCH, MSG_WAITFORONE, NULL);
        if (n <= 0) continue;
        int k = 0;
        for (int i = 0; i < n; i++) {
            const char *p = in[i], *end = in[i] + rx[i].msg_len, *cid = NULL;
            for (const char *q = p; q + 9 < end; q++)
                if (q[0] == '\n' && memcmp(q + 1, "Call-ID: ", 9) == 0) { cid = q + 10; break; }
            if (!cid) continue;
            const char *e = memchr(cid, '\r', (size_t)(end - cid));
            if (!e) continue;
            int len = snprintf(out[k], sizeof out[k],
                               "SIP/2.0 200 OK\r\nCall-ID: %.*s\r\nContent-Length: 0\r\n\r\n",
                               (int)(e - cid), cid);
            tiov[k] = (struct iovec){out[k], (size_t)len};
            tx[k].msg_hdr = (struct msghdr){.msg_name = &from[i], .msg_namelen = rx[i].msg_hdr.msg_namelen,
                                            .msg_iov = &tiov[k], .msg_iovlen = 1};
            k++;
        }
        if (k) sendmmsg(fd, tx, (unsigned)k, 0);
    }
    return 0;
}
