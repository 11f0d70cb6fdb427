#!/usr/bin/env bash
# Bounded memory and TCP limits, on the optimised build (the sanitizer's own
# memory would hide the sensor's): requests from a million distinct source
# addresses keep the resident size under 64 MiB; 5,000 idle TCP connections
# do not slow UDP answers.
. "$(dirname "$0")/lib.sh"
SIPSNARE=${SIPSNARE_PLAIN:-$PWD/build/sipsnare}
LOAD=${SIPLOAD:-$PWD/build/bench/sipload}
ulimit -n 20000
write_config
sed -i 's/^\[limits\]$/[limits]\nmax_tcp_connections = 6000\ntcp_idle_s = 300/' "$WORK/sipsnare.conf"
RATE_PPS=50 start_sensor || exit 1

# The UDP socket buffers ([limits] udp_buffer, 32 MiB by default): granted in
# full even past net.core.rmem_max when the sensor may force it (as root),
# and the startup line says what the kernel granted (twice the wish).
granted=$(sed -nE "s/.*listening on udp 127\.0\.0\.1:$PORT, receive buffer ([0-9]+) KiB$/\1/p" "$WORK/sensor.err")
ss_rb=$(ss -uanm "sport = :$PORT" | sed -nE 's/.*skmem:\(r[0-9]+,rb([0-9]+),.*/\1/p' | head -1)
check "the startup line says the UDP receive buffer (${granted:-none} KiB)" test -n "$granted"
check "ss shows the same receive buffer (${ss_rb:-none} bytes)" test "${ss_rb:-0}" = $((${granted:-1} * 1024))
if [ "$(id -u)" = 0 ]; then
    check "as root the receive buffer is the configured 32 MiB, doubled ($granted KiB; rmem_max $(sysctl -n net.core.rmem_max))" \
        test "$granted" = 65536
fi

drops() { nstat -az UdpRcvbufErrors 2>/dev/null | awk '/UdpRcvbufErrors/{print $2}'; }
d0=$(drops)
out=$($LOAD -S -t "127.0.0.1:$PORT" -r "${SPRAY_RATE:-50000}" -n "${SPRAY_COUNT:-1000000}")
d1=$(drops)
echo "  spray: $out"
sleep 1
hwm=$(awk '/VmHWM/{print $2}' "/proc/$SENSOR_PID/status")
rss=$(awk '/VmRSS/{print $2}' "/proc/$SENSOR_PID/status")
echo "  sensor memory after the spray: peak $((hwm / 1024)) MiB, now $((rss / 1024)) MiB"
check "peak resident memory under 64 MiB after 1M sources ($((hwm / 1024)) MiB)" test "$hwm" -lt 65536
n=$(python3 -c '
import json, sys
print(len({json.loads(l)["src_ip"] for l in open(sys.argv[1])} - {"127.0.0.1"}))' "$WORK/events.jsonl")
check "every sprayed source the kernel delivered is in the log ($n + $((d1 - d0)) dropped by the kernel >= 1000000)" \
    test $((n + d1 - d0)) -ge 1000000

rtt() {
    python3 - "$PORT" <<'PY'
import socket, statistics, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.7", 0)); s.settimeout(1)
times = []
for i in range(200):
    m = (f"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.7:5060;branch=z9hG4bK-{i}\r\n"
         f"From: <sip:t@127.0.0.7>;tag={i}\r\nTo: <sip:100@127.0.0.1>\r\nCall-ID: rtt-{time.time()}-{i}\r\n"
         f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()
    t = time.perf_counter(); s.sendto(m, ("127.0.0.1", port)); s.recv(65535)
    times.append(time.perf_counter() - t)
    time.sleep(0.01)   # 100 requests/s: within the source's budget
print(f"{statistics.median(times) * 1e6:.0f}")
PY
}
before=$(rtt)
python3 - "$PORT" "$WORK/tcp.ready" <<'PY' &
import socket, sys, time
port, ready = int(sys.argv[1]), sys.argv[2]
conns = []
for i in range(5000):
    c = socket.create_connection(("127.0.0.1", port)); conns.append(c)
open(ready, "w").write(str(len(conns)))
time.sleep(30)
PY
holder=$!
for _ in $(seq 1 300); do [ -f "$WORK/tcp.ready" ] && break; sleep 0.1; done
check "5,000 idle TCP connections open ($(cat "$WORK/tcp.ready" 2>/dev/null))" test "$(cat "$WORK/tcp.ready" 2>/dev/null)" = 5000
during=$(rtt)
echo "  UDP OPTIONS round trip, median: ${before} us before, ${during} us with 5,000 idle TCP peers"
check "idle TCP peers do not slow UDP answers (${during} us <= 2 x ${before} us + 500 us)" \
    test "$during" -le $((2 * before + 500))
kill "$holder" 2>/dev/null; wait "$holder" 2>/dev/null || true
