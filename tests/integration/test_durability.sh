#!/usr/bin/env bash
# Nothing answered is lost: kill -9 in the middle of a flood, restart, and
# every request the load generator saw answered is in the log (Call-ID and
# CSeq); a torn last line is terminated and reported, never glued to the
# next event. SIGHUP reopens the log (logrotate); SIGTERM drains and exits 0.
. "$(dirname "$0")/lib.sh"
LOAD=${SIPLOAD:-$PWD/build/bench/sipload}
start_sensor || exit 1

# Flood for ~4 s at 10k/s; the sensor dies by SIGKILL after 1.5 s.
$LOAD -t "127.0.0.1:$PORT" -r 10000 -n 40000 -T kill -o "$WORK/answered.txt" -w 300 >"$WORK/load.out" &
load_pid=$!
sleep 1.5
kill -9 "$SENSOR_PID"; wait "$SENSOR_PID" 2>/dev/null; SENSOR_PID=""
wait "$load_pid"
answered=$(wc -l <"$WORK/answered.txt")
check "the generator saw answers before the kill ($answered)" test "$answered" -gt 1000
check "the flood went on after the kill ($(cat "$WORK/load.out"))" \
    grep -qE 'loss_pct=[1-9]' "$WORK/load.out"

# Make the log end in a torn line, as a write cut by SIGKILL would leave it.
printf '{"v":1,"eventid":"sip.request","timestamp":"2026-' >>"$WORK/events.jsonl"
start_sensor || exit 1
grep -q "torn line" "$WORK/sensor.err" && ok "restart reports the torn last line" \
    || not_ok "restart reports the torn last line"
$LOAD -t "127.0.0.1:$PORT" -r 2000 -n 2000 -T after -o "$WORK/answered2.txt" >/dev/null
sleep 0.3
missing=$(python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
logged, bad = set(), []
for i, line in enumerate(open(f"{work}/events.jsonl", encoding="utf-8"), 1):
    try:
        e = json.loads(line)
    except ValueError:
        bad.append(i); continue
    if "call_id" in e:
        logged.add((e["call_id"], e.get("cseq")))
missing = 0
for f in ("answered.txt", "answered2.txt"):
    for line in open(f"{work}/{f}"):
        cid, cseq = line.split()
        missing += (cid, int(cseq)) not in logged
print(missing, len(bad))
PY
)
check "every answered request is in the log, before and after the kill (missing, bad lines: $missing)" \
    test "${missing% *}" -eq 0
check "exactly one unreadable line: the torn one ($missing)" test "${missing#* }" -eq 1

# SIGHUP: logrotate moves the file, the sensor reopens the path.
mv "$WORK/events.jsonl" "$WORK/events.jsonl.1"
kill -HUP "$SENSOR_PID"
sleep 0.3
$LOAD -t "127.0.0.1:$PORT" -r 1000 -n 500 -T hup >/dev/null
sleep 0.3
n=$(grep -c '"call_id":"hup-' "$WORK/events.jsonl" 2>/dev/null || echo 0)
check "after SIGHUP new events go to the new file ($n of 490: 2% garbage has no Call-ID)" test "$n" -eq 490
n=$(grep -c '"call_id":"hup-' "$WORK/events.jsonl.1")
check "and none to the rotated one" test "$n" -eq 0

# SIGTERM: drains and exits 0 (the sanitizer build also checks for leaks here).
$LOAD -t "127.0.0.1:$PORT" -r 5000 -n 5000 -T term >/dev/null
stop_sensor
check "SIGTERM exits 0 (exit $SENSOR_RC)" test "$SENSOR_RC" -eq 0
n=$(grep -c '"call_id":"term-' "$WORK/events.jsonl")
check "every request sent before SIGTERM is logged ($n of 5000, 2% garbage has no Call-ID)" test "$n" -eq 4900
