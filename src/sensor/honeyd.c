#include "sensor/honeyd.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { HONEYD_MAX_PENDING = 16 };

typedef struct {
    int64_t due;
    size_t len;
    char data[PERSONA_MAX_RESPONSE];
} pending;

static int write_all(int fd, const char *p, size_t len)
{
    while (len) {
        ssize_t w = write(fd, p, len);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        len -= (size_t)w;
    }
    return 0;
}

int honeyd_serve(sensor *s, int in_fd, int out_fd, const sensor_addr *a, int idle_ms)
{
    static char buf[SIP_MAX_MESSAGE];
    static sip_msg msg;
    static persona_result res;
    static pending queue[HONEYD_MAX_PENDING];
    size_t len = 0, scanned = 0, n_pending = 0;
    bool eof = false;
    int rc = 0;

    while (!eof || n_pending) {
        /* Send what is due; wait for input or the next due response. */
        int64_t mono = sensor_mono_ms(), next = -1;
        for (size_t i = 0; i < n_pending;) {
            if (queue[i].due <= mono) {
                if (write_all(out_fd, queue[i].data, queue[i].len) != 0) rc = -1;
                queue[i] = queue[--n_pending];
                continue;
            }
            if (next < 0 || queue[i].due < next) next = queue[i].due;
            i++;
        }
        if (eof) {
            if (n_pending && next > mono) usleep((useconds_t)((next - mono) * 1000));
            continue;
        }
        int timeout = next < 0 ? idle_ms : (int)(next - mono);
        struct pollfd pfd = {.fd = in_fd, .events = POLLIN};
        int pr = poll(&pfd, 1, timeout);
        if (pr < 0 && errno != EINTR) return -1;
        if (pr == 0) {
            if (next < 0) break;          /* idle: Honeyd's peer went quiet */
            continue;
        }
        if (pr < 0) continue;
        ssize_t r = read(in_fd, buf + len, sizeof buf - len);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) { eof = true; }
        else len += (size_t)r;

        for (;;) {
            if (len == 0) break;
            ssize_t used = sip_parse_stream(buf, len, scanned, &msg);
            if (used == SIP_PARSE_NEED_MORE && !eof && len < sizeof buf) {
                scanned = len;
                break;
            }
            if (used < 0) {
                /* Garbage, or input that ended mid-message: as a datagram. */
                sensor_handle_datagram(s, buf, len, a, sensor_now_ms(), &msg, &res);
                used = (ssize_t)len;
            } else {
                size_t keepalive = (size_t)used - msg.length;
                sensor_handle_message(s, &msg, buf + keepalive, msg.length, a,
                                      sensor_now_ms(), &res);
            }
            if (eventlog_flush(s->log) != 0) res.n = 0;
            if (res.cancel_pending) n_pending = 0;   /* one peer per process */
            int64_t now = sensor_mono_ms();
            for (unsigned k = 0; k < res.n; k++) {
                const persona_response *rp = &res.resp[k];
                if (rp->delay_ms == 0) {
                    if (write_all(out_fd, rp->data, rp->len) != 0) rc = -1;
                } else if (n_pending < HONEYD_MAX_PENDING) {
                    pending *p = &queue[n_pending++];
                    p->due = now + rp->delay_ms;
                    p->len = rp->len;
                    memcpy(p->data, rp->data, rp->len);
                }
            }
            res.n = 0;
            memmove(buf, buf + used, len - (size_t)used);
            len -= (size_t)used;
            scanned = 0;
        }
    }
    return rc;
}
