#!/usr/bin/env bash
# Many honeypot addresses, one socket: the sensor listens on the IPv4
# wildcard, and each request to 127.0.0.1, 127.0.0.2 or 127.5.6.7 (all local
# on Linux) is answered from the address it was sent to and logged with that
# address as dst_ip (IP_PKTINFO). The same for IPv6 on [::] with ::1.
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
write_config
"$SIPSNARE" run -c "$WORK/sipsnare.conf" -l "udp 0.0.0.0:$PORT" -l "udp [::]:$PORT" \
    >"$WORK/sensor.out" 2>"$WORK/sensor.err" &
SENSOR_PID=$!
for _ in $(seq 1 100); do grep -q "answering as" "$WORK/sensor.err" && break; sleep 0.1; done

python3 - "$PORT" >"$WORK/probe.out" <<'PY'
import socket, sys
port = int(sys.argv[1])
for fam, dst in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "127.0.0.2"),
                 (socket.AF_INET, "127.5.6.7"), (socket.AF_INET6, "::1")):
    s = socket.socket(fam, socket.SOCK_DGRAM); s.settimeout(3)
    host = f"[{dst}]" if ":" in dst else dst
    m = (f"OPTIONS sip:100@{host} SIP/2.0\r\nVia: SIP/2.0/UDP client:5060;branch=z9hG4bK-{dst}\r\n"
         f"From: <sip:t@client>;tag=1\r\nTo: <sip:100@{host}>\r\nCall-ID: addr-{dst}\r\n"
         f"CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n").encode()
    s.sendto(m, (dst, port))
    try:
        data, frm = s.recvfrom(65535)
        print(dst, frm[0], data.split(b"\r\n")[0].decode())
    except socket.timeout:
        print(dst, "timeout", "-")
PY
cat "$WORK/probe.out"
for dst in 127.0.0.1 127.0.0.2 127.5.6.7 ::1; do
    line=$(grep "^$dst " "$WORK/probe.out")
    [ "$(echo "$line" | cut -d' ' -f2)" = "$dst" ] && echo "$line" | grep -q "200 OK" \
        && ok "request to $dst answered 200 from $dst" || not_ok "request to $dst answered 200 from $dst ($line)"
    n=$(count_events 'e.get("call_id")=="addr-'$dst'" and e["dst_ip"]=="'$dst'" and e["dst_port"]=='$PORT)
    check "event for $dst has dst_ip $dst" test "$n" -eq 1
done
