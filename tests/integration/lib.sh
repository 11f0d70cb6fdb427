# lib.sh - shared by the integration tests: start a sensor on loopback with a
# test configuration, run real tools against it, check what they print and
# what the event log says. Every test ends with "<name>: N passed, N failed".
# All traffic stays on 127.0.0.0/8 and ::1.
set -u

TEST_NAME=$(basename "$0" .sh)
T_PASSED=0
T_FAILED=0
WORK=$(mktemp -d "/tmp/sipsnare-${TEST_NAME}.XXXXXX")
SENSOR_PID=""
: "${SIPSNARE:=$PWD/build/sipsnare}"

ok() { T_PASSED=$((T_PASSED + 1)); echo "ok   $*"; }
not_ok() { T_FAILED=$((T_FAILED + 1)); echo "FAIL $*"; }

# check "description" command...: passes when the command succeeds.
check() {
    local what=$1; shift
    if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# wait_for SECONDS CMD...: until CMD succeeds (TOOK: the seconds it took), or fails
wait_for() {
    local limit=$1 t0=$SECONDS; shift
    while ! "$@"; do
        [ $((SECONDS - t0)) -ge "$limit" ] && return 1
        sleep 0.5
    done
    TOOK=$((SECONDS - t0))
}

finish() {
    local rc=$?
    # A test that stopped early (exit 1 before any check, e.g. the sensor
    # did not start) must fail, not pass with nothing counted.
    if [ "$rc" -ne 0 ] && [ "$T_FAILED" -eq 0 ]; then
        T_FAILED=1
        echo "FAIL $TEST_NAME stopped early (exit $rc)"
    fi
    stop_sensor
    if [ "$T_FAILED" -ne 0 ]; then
        echo "--- sensor stderr:"; tail -n 20 "$WORK/sensor.err" 2>/dev/null
        echo "--- last events:"; tail -n 5 "$WORK/events.jsonl" 2>/dev/null
        echo "(kept $WORK)"
    else
        rm -rf "$WORK"
    fi
    echo "$TEST_NAME: $T_PASSED passed, $T_FAILED failed"
    [ "$T_FAILED" -eq 0 ] && exit 0
    exit 1
}
trap 'finish' EXIT

# A free port, different for each test run: the kernel picks a UDP port,
# kept only if UDP and TCP can bind it on 127.0.0.1 and ::1 the way the
# sensor does (SO_REUSEADDR, so TIME_WAIT leftovers of earlier tests do not
# count as taken). Retries; fails loudly rather than printing nothing.
free_port() {
    python3 - <<'PY'
import socket, sys
for _ in range(200):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]; held = [s]
    try:
        for fam, kind, host in ((socket.AF_INET6, socket.SOCK_DGRAM, "::1"),
                                (socket.AF_INET, socket.SOCK_STREAM, "127.0.0.1"),
                                (socket.AF_INET6, socket.SOCK_STREAM, "::1")):
            t = socket.socket(fam, kind)
            t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            t.bind((host, port)); held.append(t)
    except OSError:
        continue
    finally:
        for h in held: h.close()
    print(port); sys.exit(0)
sys.exit("no free port found")
PY
}

# The test persona: Asterisk 11.25.3 (chan_sip), alwaysauthreject=no, four
# extensions: 100 weak and allowed to call out, 101 password = extension,
# 200 strong, 300 a dictionary word.
write_config() {
    cat >"$WORK/sipsnare.conf" <<EOF
[sensor]
sensor_id = test-sensor
log_path = $WORK/events.jsonl
sync_interval_ms = 200
user = root

[persona]
kind = chan_sip
version = ${PERSONA_VERSION:-11.25.3}
alwaysauthreject = no
allowguest = yes
invite_final_code = 503
invite_hangup_cause = 34

[extensions]
100 = 1234, call
101 = 101
200 = vT9#qL2x!Rm8@wZ4pK7s
300 = password

[limits]
rate_pps = ${RATE_PPS:-0}
rate_bytes = ${RATE_BYTES:-0}
EOF
}

# start_sensor [extra args]: runs the sensor on $PORT (UDP and TCP on
# 127.0.0.1 and ::1) and waits until it listens.
start_sensor() {
    PORT=${PORT:-$(free_port)}
    [ -n "$PORT" ] || { echo "no free port"; return 1; }
    [ -f "$WORK/sipsnare.conf" ] || write_config
    "$SIPSNARE" run -c "$WORK/sipsnare.conf" \
        -l "udp 127.0.0.1:$PORT" -l "tcp 127.0.0.1:$PORT" \
        -l "udp [::1]:$PORT" -l "tcp [::1]:$PORT" "$@" \
        >"$WORK/sensor.out" 2>"$WORK/sensor.err" &
    SENSOR_PID=$!
    for _ in $(seq 1 100); do
        grep -q "answering as" "$WORK/sensor.err" 2>/dev/null && return 0
        kill -0 "$SENSOR_PID" 2>/dev/null || break
        sleep 0.1
    done
    echo "sensor did not start:"; cat "$WORK/sensor.err"
    return 1
}

stop_sensor() {
    [ -n "$SENSOR_PID" ] || return 0
    kill -TERM "$SENSOR_PID" 2>/dev/null
    wait "$SENSOR_PID" 2>/dev/null
    SENSOR_RC=$?
    SENSOR_PID=""
}

# events FILTER: the events (JSON lines) matching a jq-like python filter
# expression over `e` (a dict), printed one per line.
events() {
    python3 - "$WORK/events.jsonl" "$1" <<'EOF'
import json, sys
path, expr = sys.argv[1], sys.argv[2]
for line in open(path, encoding="utf-8"):
    e = json.loads(line)
    if eval(expr, {}, {"e": e}):
        print(line, end="")
EOF
}

# count_events FILTER
count_events() { events "$1" | wc -l; }

# The log must parse line by line as JSON objects (no torn or mixed lines).
log_is_valid_json() {
    python3 - "$WORK/events.jsonl" <<'EOF'
import json, sys
n = 0
for i, line in enumerate(open(sys.argv[1], encoding="utf-8"), 1):
    try:
        obj = json.loads(line)
        assert isinstance(obj, dict) and obj.get("v") == 1, "not a v1 event"
    except Exception as ex:
        print(f"line {i}: {ex}: {line[:200]!r}")
        sys.exit(1)
    n += 1
sys.exit(0 if n > 0 else 1)
EOF
}
