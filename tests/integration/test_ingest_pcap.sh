#!/usr/bin/env bash
# sipsnare ingest of packet captures end to end: the real sensor on
# 127.0.0.1 answers sipsak (UDP and TCP), svmap and svwar while tshark
# captures the loopback traffic of its port; the capture and the sensor's
# own JSON log are loaded into two SQLite stores, and the requests must be
# the same (Call-IDs, methods, dialed users, user agents, transports); the
# capture also holds the sensor's responses. Loading the capture again adds
# nothing; a capture cut short is reported and what was read is kept.
. "$(dirname "$0")/lib.sh"
CAP_PID=""
stop_capture() {
    [ -n "$CAP_PID" ] || return 0
    kill -INT "$CAP_PID" 2>/dev/null
    wait "$CAP_PID" 2>/dev/null
    CAP_PID=""
}
trap 'stop_capture; finish' EXIT

command -v tshark >/dev/null || { not_ok "tshark is installed (scripts/install-deps.sh)"; exit 1; }
start_sensor || exit 1
CAP=$WORK/sensor.pcapng
tshark -i lo -w "$CAP" -f "udp port $PORT or tcp port $PORT" >"$WORK/tshark.out" 2>"$WORK/tshark.err" &
CAP_PID=$!
for _ in $(seq 1 100); do
    grep -q "Capturing on" "$WORK/tshark.err" 2>/dev/null && break
    sleep 0.1
done
check "tshark captures on lo" grep -q "Capturing on" "$WORK/tshark.err"
sleep 0.5

timeout 30 sipsak -vv -s "sip:100@127.0.0.1:$PORT" >/dev/null 2>&1
timeout 30 sipsak --transport=tcp -vv -s "sip:101@127.0.0.1:$PORT" >/dev/null 2>&1
timeout 60 svmap -p "$PORT" 127.0.0.1 >/dev/null 2>&1
timeout 120 svwar -m INVITE -e 100-129 -p "$PORT" 127.0.0.1 >/dev/null 2>&1
timeout 120 svwar -m REGISTER -e 100-119 -p "$PORT" 127.0.0.1 >/dev/null 2>&1
sleep 1
stop_sensor
sleep 0.5
stop_capture
LOG=$WORK/events.jsonl
check "the sensor logged requests ($(wc -l <"$LOG"))" test "$(wc -l <"$LOG")" -gt 50
check "the capture is a pcapng file" test "$(head -c 4 "$CAP" | od -An -tx1 | tr -d ' ')" = 0a0d0d0a

ingest() { "$SIPSNARE" ingest "$@" 2>>"$WORK/ingest.err"; }
out=$(ingest --db "$WORK/log.db" "$LOG"); rc=$?
check "the JSON log loads (exit 0)" test "$rc" -eq 0
out=$(ingest --db "$WORK/cap.db" "$CAP"); rc=$?
echo "$out" | sed 's/^/  /'
check "the capture loads (exit 0)" test "$rc" -eq 0
check "the capture's summary line" grep -qE "^pcap: $CAP: [0-9]+ packets, [0-9]+ SIP messages \([0-9]+ requests, [0-9]+ responses, 0 malformed\), [0-9]+ packets without SIP, 0 fragments, 0 bad packets$" <<<"$out"
check "no bad packets reported" test ! -s "$WORK/ingest.err"

# The requests to the sensor, as (transport, method, Call-ID, dialed user,
# user agent), from either store.
requests() {
    sqlite3 "$1" "SELECT transport, method, call_id, coalesce(ruri_user, '-'),
                          coalesce(user_agent, '(none)'), coalesce(from_user, '-'), cseq
                  FROM events_v WHERE eventid = 'sip.request' AND dst_port = $PORT
                  ORDER BY 1, 2, 3, 4, 5, 6, 7"
}
requests "$WORK/log.db" >"$WORK/log.req"
requests "$WORK/cap.db" >"$WORK/cap.req"
nlog=$(wc -l <"$WORK/log.req")
check "requests in the log ($nlog)" test "$nlog" -gt 50
if cmp -s "$WORK/log.req" "$WORK/cap.req"; then
    ok "the capture's requests equal the log's ($nlog: transports, methods, Call-IDs, users, agents)"
else
    not_ok "the capture's requests equal the log's"; diff "$WORK/log.req" "$WORK/cap.req" | head -20
fi
check "TCP requests are in the capture" \
    test "$(sqlite3 "$WORK/cap.db" "SELECT count(*) FROM events_v WHERE transport = 'tcp' AND eventid = 'sip.request'")" -ge 1
check "the capture's requests have no sensor verdicts (NULL)" \
    test "$(sqlite3 "$WORK/cap.db" "SELECT count(*) FROM events_v WHERE answered IS NOT NULL OR auth_outcome IS NOT NULL OR response IS NOT NULL")" -eq 0
check "the sensor of capture events is pcap:FILE" \
    test "$(sqlite3 "$WORK/cap.db" "SELECT DISTINCT sensor FROM events_v")" = "pcap:sensor.pcapng"
# The responses the sensor sent are in the capture (and not in its log).
sent=$(python3 - "$LOG" <<'EOF'
import json, sys
n = 0
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    n += len(e.get("responses", [])) if e.get("answered") else 0
print(n)
EOF
)
got=$(sqlite3 "$WORK/cap.db" "SELECT count(*) FROM events_v WHERE eventid = 'sip.response' AND src_port = $PORT")
check "the capture holds the sensor's $sent responses ($got)" test "$got" -eq "$sent"
check "responses carry the persona's Server header" \
    test "$(sqlite3 "$WORK/cap.db" "SELECT count(*) FROM events_v WHERE eventid = 'sip.response' AND server = 'Asterisk PBX 11.25.3'")" -gt 0
raw_ok=$(sqlite3 "$WORK/cap.db" "SELECT count(*) FROM events_v e WHERE eventid = 'sip.request' AND raw LIKE method || ' %'")
check "raw holds the received request" test "$raw_ok" -eq "$(wc -l <"$WORK/cap.req")"

# Idempotence: the same capture again adds nothing; so does --no-raw (same
# identities).
total=$(sqlite3 "$WORK/cap.db" "SELECT count(*) FROM events")
out=$(ingest --db "$WORK/cap.db" "$CAP")
check "second load: 0 events added" grep -q "ingest: 0 lines, 0 events added, $total duplicates, 0 bad lines" <<<"$out"
check "the store still holds each event once" test "$(sqlite3 "$WORK/cap.db" "SELECT count(*) FROM events")" -eq "$total"
# JSON log and capture in one command: the log's events are duplicates.
nl=$(wc -l <"$LOG")
out=$(ingest --db "$WORK/cap.db" "$LOG" "$CAP")
check "log + capture in one call: the capture adds nothing again" grep -q "ingest: $nl lines, $nl events added, $total duplicates, 0 bad lines" <<<"$out"
# --sensor names the capture's sensor: new identities
out=$(ingest --db "$WORK/named.db" --sensor hp-cap-01 "$CAP")
check "--sensor NAME" test "$(sqlite3 "$WORK/named.db" "SELECT DISTINCT sensor FROM events_v")" = "hp-cap-01"

# A capture cut short: exit 1, the reason on stderr, what was read kept.
# (--sensor for both: the default sensor pcap:FILE differs with the name.)
size=$(stat -c %s "$CAP")
head -c $((size * 2 / 3)) "$CAP" >"$WORK/cut.pcapng"
: >"$WORK/ingest.err"
out=$(ingest --db "$WORK/cut.db" --sensor hp-cap "$WORK/cut.pcapng"); rc=$?
check "a cut capture: exit status 1" test "$rc" -eq 1
check "a cut capture: the reason on stderr" grep -q "cut.pcapng: after packet [0-9]*: truncated" "$WORK/ingest.err"
kept=$(sqlite3 "$WORK/cut.db" "SELECT count(*) FROM events")
check "a cut capture: the events before the cut are kept ($kept of $total)" \
    test "$kept" -gt 0 -a "$kept" -lt "$total"
out=$(ingest --db "$WORK/cut.db" --sensor hp-cap "$CAP")
check "the whole capture after the cut one adds the rest" \
    grep -q "events added, $kept duplicates" <<<"$out"
check "and the store has each event once" test "$(sqlite3 "$WORK/cut.db" "SELECT count(*) FROM events")" -eq "$total"

# A corrupted record length: reported, the packets before it kept.
python3 - "$WORK/tiny.pcap" <<'EOF'
import struct, sys
pl = b"OPTIONS sip:100@127.0.0.1 SIP/2.0\r\nCall-ID: corrupt-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
udp = struct.pack("!HHHH", 5062, 5060, 8 + len(pl), 0) + pl
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, bytes([127, 0, 0, 2]), bytes([127, 0, 0, 1])) + udp
out = struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 228)
out += struct.pack("<IIII", 1700000000, 0, len(ip), len(ip)) + ip
out += struct.pack("<IIII", 1700000001, 0, 0x7fffffff, 0x7fffffff) + ip
open(sys.argv[1], "wb").write(out)
EOF
: >"$WORK/ingest.err"
out=$(ingest --db "$WORK/tiny.db" "$WORK/tiny.pcap"); rc=$?
check "a corrupt record: exit status 1" test "$rc" -eq 1
check "a corrupt record: the reason on stderr" grep -q "tiny.pcap: after packet 1: " "$WORK/ingest.err"
check "a corrupt record: the packet before it is kept" \
    test "$(sqlite3 "$WORK/tiny.db" "SELECT call_id FROM events_v")" = "corrupt-1"
