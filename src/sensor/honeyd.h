/*
 * honeyd.h - the persona as a Honeyd service script. Honeyd starts one
 * process per peer flow with the peer in HONEYD_IP_SRC, HONEYD_SRC_PORT,
 * HONEYD_IP_DST and HONEYD_DST_PORT, feeds the payload on stdin and sends
 * what the script writes to stdout back to the peer (one write per
 * response). The stdin stream is framed like TCP (Content-Length).
 */
#ifndef SIPSNARE_HONEYD_H
#define SIPSNARE_HONEYD_H

#include "sensor/sensor.h"

/* Reads requests from in_fd until EOF (and pending delayed responses are
 * sent), writes responses to out_fd. idle_ms bounds the wait for input.
 * Returns 0, or -1 on an I/O error. */
int honeyd_serve(sensor *s, int in_fd, int out_fd, const sensor_addr *a, int idle_ms);

#endif
