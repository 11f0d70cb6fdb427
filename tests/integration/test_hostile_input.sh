#!/usr/bin/env bash
# Hostile input at full rate against the sanitizer build: a million random
# and mutated datagrams, then every RFC 4475 message. No crash, no leak (ASan's
# leak check runs at the SIGTERM exit), every datagram received is logged,
# rejected ones as sip.malformed with their source. Then the reflection
# check: a flood of requests provoking large answers, from one source, gets
# no more answer bytes than its budget.
. "$(dirname "$0")/lib.sh"
LOAD=${SIPLOAD:-$PWD/build/bench/sipload}
N=${HOSTILE_COUNT:-1000000}
RATE_PPS=0 RATE_BYTES=0 start_sensor || exit 1

drops() { nstat -az UdpRcvbufErrors 2>/dev/null | awk '/UdpRcvbufErrors/{print $2}'; }
d0=$(drops)
out=$($LOAD -t "127.0.0.1:$PORT" -r "${HOSTILE_RATE:-25000}" -n "$N" -s 32 -g 30 -M 60 -T h -w 1000)
d1=$(drops)
echo "  load: $out; kernel receive-buffer drops: $((d1 - d0))"
sent=$(sed -E 's/.*sent=([0-9]+).*/\1/' <<<"$out")
sleep 1
logged=$(wc -l <"$WORK/events.jsonl")
check "sensor alive after $sent hostile datagrams" kill -0 "$SENSOR_PID"
check "every datagram received is logged: $logged logged + $((d1 - d0)) dropped by the kernel = $sent sent" \
    test $((logged + d1 - d0)) -eq "$sent"
# At full rate the kernel may drop what the sensor cannot take in time; those
# were never received, so never answered: the accounting above is exact.
check "the sensor kept up with most of the flood (kernel drops $((d1 - d0)) < half)" test $(((d1 - d0) * 2)) -lt "$sent"
n=$(count_events 'e["eventid"]=="sip.malformed" and e["src_ip"].startswith("127.0.") and "error" in e and "raw" in e')
check "rejected datagrams logged as sip.malformed with source, reason and bytes ($n)" test "$n" -ge $((sent / 5))

# Every RFC 4475 torture message, valid or not, once each.
python3 - "$PORT" tests/data/rfc4475 <<'PY'
import os, socket, sys
port, d = int(sys.argv[1]), sys.argv[2]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for f in sorted(os.listdir(d)):
    if f.endswith(".sip"):
        s.sendto(open(os.path.join(d, f), "rb").read(), ("127.0.0.1", port))
PY
out=$(timeout 10 sipsak -vv -s "sip:100@127.0.0.1:$PORT" 2>&1)
check "still answering after the RFC 4475 messages" grep -q "200 OK" <<<"$out"
check "event log is valid JSON lines" log_is_valid_json
stop_sensor
check "clean exit, no sanitizer or leak report (exit $SENSOR_RC)" test "$SENSOR_RC" -eq 0
check "no sanitizer output" bash -c "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error' '$WORK/sensor.err'"

# Reflection: one source, 2,000 OPTIONS in 2 s, each with a 1 KB Via that
# the answer echoes. Budget: 50 packets and 20,000 bytes per second, with a
# one-second burst.
rm -f "$WORK/sipsnare.conf" "$WORK/events.jsonl"
RATE_PPS=50 RATE_BYTES=20000 write_config
start_sensor || exit 1
res=$(python3 - "$PORT" <<'PY'
import socket, sys, time
port = int(sys.argv[1])
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
s.bind(("127.0.0.9", 0))
s.setblocking(False)
pad = "x" * 1000
got_bytes = got_pkts = 0
start = time.time()
for i in range(2000):
    msg = (f"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\n"
           f"Via: SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bK-{i};pad={pad};rport\r\n"
           f"From: <sip:r@127.0.0.9>;tag={i}\r\nTo: <sip:100@127.0.0.1>\r\n"
           f"Call-ID: refl-{i}\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n")
    s.sendto(msg.encode(), ("127.0.0.1", port))
    time.sleep(max(0, start + (i + 1) * 0.001 - time.time()))
    try:
        while True:
            d = s.recv(65535); got_bytes += len(d); got_pkts += 1
    except BlockingIOError:
        pass
time.sleep(0.5)
try:
    while True:
        d = s.recv(65535); got_bytes += len(d); got_pkts += 1
except BlockingIOError:
    pass
print(got_pkts, got_bytes, f"{time.time() - start:.2f}")
PY
)
read -r pkts bytes secs <<<"$res"
echo "  reflection: $pkts answers, $bytes bytes in ${secs}s to the flooding source"
limit=$(awk -v s="$secs" 'BEGIN{printf "%d", 20000 * (s + 1) + 1600}')
check "answer bytes within the budget ($bytes <= $limit)" test "$bytes" -le "$limit"
check "answer packets within the budget ($pkts <= 50/s)" test "$pkts" -le "$(awk -v s="$secs" 'BEGIN{printf "%d", 50 * (s + 1)}')"
sleep 0.5
n=$(count_events 'e.get("call_id","").startswith("refl-")')
check "every request of the flood is logged ($n of 2000)" test "$n" -eq 2000
n=$(count_events 'e.get("call_id","").startswith("refl-") and e.get("drop_reason")=="rate limited" and e["answered"] is False')
check "suppressed answers are logged as rate limited ($n)" test "$n" -ge 1500
