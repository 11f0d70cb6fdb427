#include "sensor/sensor.h"

#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

void sensor_init(sensor *s, persona *p, eventlog *log, const char *sensor_id,
                 bool log_raw)
{
    memset(s, 0, sizeof *s);
    s->persona = p;
    s->log = log;
    s->sensor_id = sensor_id;
    s->log_raw = log_raw;
    uint64_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint64_t)time(NULL) ^ ((uint64_t)clock() << 32);
    snprintf(s->run_id, sizeof s->run_id, "%016llx", (unsigned long long)r);
}

int64_t sensor_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t sensor_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bounded copy without printf (this runs twice per packet). */
static void copy_text(char *out, size_t cap, const char *in)
{
    size_t n = strnlen(in, cap - 1);
    memcpy(out, in, n);
    out[n] = '\0';
}

static void fill_event(sensor *s, event *ev, event_kind kind, const sensor_addr *a,
                       int64_t now_ms, const char *raw, size_t raw_len)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->time_ms = now_ms;
    if (s->time_text[0] == '\0' || s->time_ms != now_ms) {
        event_format_time(now_ms, s->time_text);
        s->time_ms = now_ms;
    }
    ev->time_text = s->time_text;
    ev->sensor = s->sensor_id;
    ev->run_id = s->run_id;
    ev->seq = ++s->seq;
    copy_text(ev->src_ip, sizeof ev->src_ip, a->src_ip);
    ev->src_port = a->src_port;
    copy_text(ev->dst_ip, sizeof ev->dst_ip, a->dst_ip);
    ev->dst_port = a->dst_port;
    ev->transport = a->transport;
    ev->raw = raw;
    ev->raw_len = raw_len;
    ev->include_raw = s->log_raw;
}

/* Encodes and appends; on failure nothing may be sent for this message. */
static int log_event(sensor *s, const event *ev)
{
    /* Encoded straight into the log's batch buffer: no copy of the line. */
    char *line = eventlog_reserve(s->log, EVENT_MAX_JSON);
    size_t n = line ? event_to_json(ev, line, EVENT_MAX_JSON) : 0;
    if (n == 0) {
        s->unlogged++;
        return -1;
    }
    eventlog_commit(s->log, n);
    return 0;
}

int sensor_log_malformed(sensor *s, const char *raw, size_t raw_len,
                         const char *error, size_t offset,
                         const sensor_addr *a, int64_t now_ms)
{
    event ev;
    fill_event(s, &ev, EVENT_MALFORMED, a, now_ms, raw, raw_len);
    /* Garbage is always kept raw: it is the only record of what came. */
    ev.include_raw = true;
    ev.error = error;
    ev.error_offset = offset;
    s->malformed++;
    return log_event(s, &ev);
}

int sensor_handle_message(sensor *s, const sip_msg *msg, const char *raw,
                          size_t raw_len, const sensor_addr *a, int64_t now_ms,
                          persona_result *res)
{
    event ev;
    s->received++;
    res->n = 0;
    if (!msg->is_request) {
        /* Somebody sent us a response (svcrash, a reflection attempt, a
         * confused phone): log it, never answer it. */
        memset(res, 0, sizeof *res);
        res->drop_reason = "response";
        fill_event(s, &ev, EVENT_RESPONSE, a, now_ms, raw, raw_len);
        ev.msg = msg;
        s->responses_seen++;
        return log_event(s, &ev);
    }
    persona_peer peer = {
        .src_ip = a->src_ip, .src_port = a->src_port,
        .local_ip = a->dst_ip, .local_port = a->dst_port,
        .transport = strcmp(a->transport, "tcp") == 0 ? "TCP" : "UDP",
    };
    persona_handle(s->persona, msg, &peer, now_ms, res);
    if (res->n && s->limit) {
        size_t bytes = 0;
        for (unsigned i = 0; i < res->n; i++) bytes += res->resp[i].len;
        uint64_t before;
        if (!ratelimit_allow(s->limit, a->src_bin, res->n, bytes, now_ms, &before)) {
            /* Logged as received, not answered: the source is over its
             * budget (a flood, or a spoofed victim of a reflection try). */
            res->n = 0;
            res->drop_reason = "rate limited";
            s->rate_limited++;
        }
    }
    fill_event(s, &ev, EVENT_REQUEST, a, now_ms, raw, raw_len);
    ev.msg = msg;
    ev.result = res;
    ev.answered = res->n > 0;
    if (log_event(s, &ev) != 0) {
        res->n = 0;
        return -1;
    }
    if (res->n) s->answered++;
    else s->dropped++;
    return 0;
}

int sensor_handle_datagram(sensor *s, const char *buf, size_t len,
                           const sensor_addr *a, int64_t now_ms,
                           sip_msg *msg, persona_result *res)
{
    res->n = 0;
    res->cancel_pending = false;
    if (sip_parse_datagram(buf, len, msg) != 0) {
        s->received++;
        return sensor_log_malformed(s, buf, len, msg->error ? msg->error : "invalid",
                                    msg->error_offset, a, now_ms);
    }
    return sensor_handle_message(s, msg, buf, len, a, now_ms, res);
}

uint64_t sensor_dialog_key(const sip_msg *msg, const uint8_t src[16])
{
    /* FNV-1a over Call-ID and source: which queued responses a CANCEL,
     * BYE or ACK from that source for that call should withdraw. */
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < msg->call_id.len; i++) h = (h ^ (uint8_t)msg->call_id.p[i]) * 0x100000001b3ull;
    for (int i = 0; i < 16; i++) h = (h ^ src[i]) * 0x100000001b3ull;
    return h;
}
