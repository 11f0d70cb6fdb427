#!/usr/bin/env bash
# Many sensors, one database (docs/HONEYNET.md): three sensors with their own
# ids, logs and addresses (127.0.1.1-3, one port) ship to a private
# PostgreSQL through [store]. SIPVicious (svmap, svwar, svcrack) and sipload
# attack them; PostgreSQL is stopped for 30 s in the middle while the attacks
# go on, and one sensor is restarted during the outage. Afterwards every
# event line of every log must be in PostgreSQL exactly once: the set of
# (sensor, run, seq) of the logs equals the table's, no duplicates.
# PostgreSQL missing is a failure here, not a skip.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
LOAD=${SIPLOAD:-$PWD/build/bench/sipload}
OUTAGE_S=${HONEYNET_OUTAGE_S:-30}
declare -A SPID=() SRC=()

stop_one() {
    local i=$1
    [ -n "${SPID[$i]:-}" ] || return 0
    kill -TERM "${SPID[$i]}" 2>/dev/null
    wait "${SPID[$i]}" 2>/dev/null
    SRC[$i]=$?
    SPID[$i]=""
}
stop_all() { for i in 1 2 3; do stop_one "$i"; done; }
trap 'stop_all; pg_stop; finish' EXIT

# A port free for UDP and TCP on all three addresses.
PORT=$(python3 -c 'import socket
for _ in range(50):
    s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.1.1",0)); p=s.getsockname()[1]
    try:
        socks=[]
        for a in ("127.0.1.1","127.0.1.2","127.0.1.3"):
            for t in (socket.SOCK_DGRAM, socket.SOCK_STREAM):
                if a == "127.0.1.1" and t == socket.SOCK_DGRAM: continue
                x=socket.socket(socket.AF_INET, t); x.bind((a,p)); socks.append(x)
        print(p); break
    except OSError:
        pass')

if ! pg_start; then
    not_ok "private PostgreSQL server (needed: scripts/install-deps.sh installs it)"
    exit 1
fi
ok "private PostgreSQL started on port $PG_PORT"

pg_down() { "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m fast -w stop >/dev/null 2>&1; }
pg_up() {
    "${PG_RUN_AS[@]}" "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 60 \
        -o "-k $PG_DIR -p $PG_PORT -c listen_addresses=127.0.0.1" start >/dev/null 2>&1
}

for i in 1 2 3; do
    mkdir -p "$WORK/s$i"
    cat >"$WORK/s$i/sipsnare.conf" <<EOF
[sensor]
sensor_id = honeynet-$i
log_path = $WORK/s$i/events.jsonl
sync_interval_ms = 200
user = root

[persona]
kind = chan_sip
version = 11.25.3
alwaysauthreject = no

[extensions]
100 = 1234, call
101 = 101
200 = vT9#qL2x!Rm8@wZ4pK7s

[limits]
rate_pps = 0
rate_bytes = 0

[store]
target = $PG_URL
batch = 500
retry_max_s = 4
EOF
done

# start_one I ERRFILE: sensor I on 127.0.1.I:$PORT, waits until it answers.
start_one() {
    local i=$1 err=$2
    "$SIPSNARE" run -c "$WORK/s$i/sipsnare.conf" \
        -l "udp 127.0.1.$i:$PORT" -l "tcp 127.0.1.$i:$PORT" >/dev/null 2>"$err" &
    SPID[$i]=$!
    for _ in $(seq 1 100); do
        grep -q "answering as" "$err" 2>/dev/null && return 0
        kill -0 "${SPID[$i]}" 2>/dev/null || break
        sleep 0.1
    done
    echo "sensor $i did not start:"; cat "$err"
    return 1
}

for i in 1 2 3; do
    start_one "$i" "$WORK/s$i/sensor.err" || exit 1
done
ok "three sensors on 127.0.1.1-3 port $PORT"
# The shipper says so once it has opened the store: that may come after the
# sensor answers (a PostgreSQL connection on a loaded machine).
shippers_started() { [ "$(grep -l "sipsnare ship: delivering" "$WORK"/s{1,2,3}/sensor.err | wc -l)" -eq 3 ]; }
if wait_for 30 shippers_started; then
    ok "each sensor started its shipper"
else
    not_ok "each sensor started its shipper"
    for i in 1 2 3; do echo "  --- sensor $i:"; sed 's/^/  /' "$WORK/s$i/sensor.err"; done
fi

# total_lines: event lines (complete) in all logs
total_lines() { cat "$WORK"/s{1,2,3}/events.jsonl | wc -l; }
db_rows() { pg_psql -Atc 'SELECT count(*) FROM events' 2>/dev/null || echo -1; }
# wait_shipped TIMEOUT_S: until the database holds as many events as the logs
wait_shipped() {
    local deadline=$((SECONDS + $1)) want got
    while [ $SECONDS -lt $deadline ]; do
        want=$(total_lines); got=$(db_rows)
        [ "$got" -eq "$want" ] && return 0
        sleep 0.5
    done
    echo "  logs: $(total_lines) lines, database: $(db_rows) events"
    diagnose
    return 1
}
# diagnose: what each shipper is doing, for a failure that happens once in many runs
diagnose() {
    local i
    for i in 1 2 3; do
        echo "  --- sensor $i: log $(wc -l <"$WORK/s$i/events.jsonl") lines; state: $(cat "$WORK/s$i/events.jsonl.ship" 2>/dev/null)"
        tail -n 4 "$WORK/s$i/sensor.err" "$WORK/s$i/sensor2.err" 2>/dev/null | sed 's/^/  /'
    done
    echo "  --- sipsnare processes (pid ppid state wchan):"
    ps -eo pid,ppid,stat,wchan:32,args | grep '[s]ipsnare' | sed 's/^/  /'
    echo "  --- PostgreSQL sessions:"
    pg_psql -Atc "SELECT pid, state, wait_event_type, wait_event, now() - xact_start, left(query, 80)
                  FROM pg_stat_activity WHERE datname = 'sipsnare'" 2>&1 | sed 's/^/  /'
    echo "  --- PostgreSQL log:"; tail -n 15 "$PG_DIR/server.log" 2>/dev/null | sed 's/^/  /'
}

# ---- phase 1: the four steps of an attack, PostgreSQL up ---------------------------
attack() {
    local a=127.0.1.$1
    timeout 60 svmap -p "$PORT" "$a" >/dev/null 2>&1
    timeout 120 svwar -e100-199 -p "$PORT" "$a" >/dev/null 2>&1
    timeout 120 svcrack -u 100 -r 1200-1300 -p "$PORT" "$a" >"$WORK/svcrack-$1.out" 2>&1
}
for i in 1 2 3; do attack "$i" & done
wait_attacks() { for p in $(jobs -p); do case " ${SPID[*]} " in *" $p "*) ;; *) wait "$p";; esac; done; }
wait_attacks
for i in 1 2 3; do
    check "svcrack cracks 100 on sensor $i" grep -qE '^\| *100 +\| *1234 *\|' "$WORK/svcrack-$i.out"
done
check "phase 1 shipped: database = logs ($(total_lines) lines)" wait_shipped 60
check "each sensor's events under its own id" \
    test "$(pg_psql -Atc "SELECT count(DISTINCT sensor) FROM events_v WHERE sensor LIKE 'honeynet-%'")" -eq 3

# ---- phase 2: load, then PostgreSQL down for $OUTAGE_S s, attacks go on -------------
for i in 1 2 3; do
    "$LOAD" -t "127.0.1.$i:$PORT" -r 800 -n $(((OUTAGE_S + 15) * 800)) -s 16 -g 2 -T "hn$i" \
        >"$WORK/sipload-$i.out" 2>&1 &
done
sleep 3
before_outage=$(db_rows)
pg_down
check "PostgreSQL stopped (pg_ctl stop -m fast)" test "$(db_rows)" -eq -1
t_down=$SECONDS
for i in 1 2 3; do
    timeout 120 svwar -m INVITE -e100-199 -p "$PORT" "127.0.1.$i" >/dev/null 2>&1 &
done
sleep 8

# restart sensor 2 during the outage: its shipper must resume at the saved offset
saved=$(sed -n 's/.* offset=\([0-9]*\) .*/\1/p' "$WORK/s2/events.jsonl.ship")
stop_one 2
check "sensor 2 stopped cleanly (SIGTERM, exit ${SRC[2]})" \
    bash -c '[ "$1" -eq 0 ] && grep -q "^sipsnare: stopped:" "$2"' _ "${SRC[2]}" "$WORK/s2/sensor.err"
start_one 2 "$WORK/s2/sensor2.err" || exit 1
sleep 1
check "sensor 2's new shipper resumed at the saved offset ($saved)" \
    grep -q "sipsnare ship: delivering .* from offset $saved " "$WORK/s2/sensor2.err"
timeout 120 svcrack -u 101 -r 90-110 -p "$PORT" 127.0.1.2 >/dev/null 2>&1

while [ $((SECONDS - t_down)) -lt "$OUTAGE_S" ]; do sleep 1; done
during=$(($(total_lines) - before_outage))
check "events logged during the outage ($during) wait on disk" test "$during" -gt 1000
check "the shippers reported the outage and retried" \
    test "$(grep -l "the events wait in the log, retrying" "$WORK"/s{1,3}/sensor.err "$WORK/s2/sensor2.err" | wc -l)" -eq 3
pg_up
check "PostgreSQL started again" test "$(db_rows)" -ge 0
wait_attacks
check "sipload ran against all three sensors" \
    test "$(grep -l 'answered=' "$WORK"/sipload-{1,2,3}.out | wc -l)" -eq 3
for i in 1 2 3; do attack "$i" & done
wait_attacks
sleep 0.5

# ---- every log line in PostgreSQL, exactly once -------------------------------------
check "caught up after the outage: database = logs ($(total_lines) lines)" wait_shipped 180
check "the shippers saw the store come back" \
    test "$(grep -l "reachable again" "$WORK"/s{1,3}/sensor.err "$WORK/s2/sensor2.err" | wc -l)" -eq 3
python3 - "$WORK"/s{1,2,3}/events.jsonl >"$WORK/from-logs.txt" <<'EOF'
import json, sys
for path in sys.argv[1:]:
    for line in open(path, encoding="utf-8"):
        e = json.loads(line)
        print(f'{e["sensor"]}|{e["run"]}|{e["seq"]}')
EOF
pg_psql -At -F'|' -c "SELECT sensor, run, seq FROM events_v" >"$WORK/from-db.txt"
n_log=$(wc -l <"$WORK/from-logs.txt")
n_db=$(wc -l <"$WORK/from-db.txt")
check "as many rows as log lines ($n_db = $n_log)" test "$n_db" -eq "$n_log"
check "no duplicate (sensor, run, seq) in the logs" test "$(sort -u "$WORK/from-logs.txt" | wc -l)" -eq "$n_log"
check "no duplicate (sensor, run, seq) in PostgreSQL" test "$(sort -u "$WORK/from-db.txt" | wc -l)" -eq "$n_db"
check "the same identities in both (no gaps)" \
    cmp -s <(sort "$WORK/from-logs.txt") <(sort "$WORK/from-db.txt")
runs2=$(pg_psql -Atc "SELECT count(DISTINCT run) FROM events_v WHERE sensor = 'honeynet-2'")
check "sensor 2's two runs are both stored ($runs2)" test "$runs2" -eq 2
for i in 1 2 3; do
    want=$(wc -l <"$WORK/s$i/events.jsonl")
    got=$(pg_psql -Atc "SELECT count(*) FROM events_v WHERE sensor = 'honeynet-$i'")
    check "sensor $i: $got events stored = $want log lines" test "$got" -eq "$want"
done
check "the state files name the logs' ends" bash -c '
    for i in 1 2 3; do
        s=$(sed -n "s/.* offset=\([0-9]*\) .*/\1/p" "$0/s$i/events.jsonl.ship")
        [ "$s" -eq "$(stat -c %s "$0/s$i/events.jsonl")" ] || exit 1
    done' "$WORK"
check "no bad lines reported by the shippers" \
    bash -c '! grep -hE "^[^ ]*:[0-9]+: " "$@"' _ "$WORK"/s{1,2,3}/sensor*.err

# ---- a clean stop ships nothing twice; `sipsnare ship --once` finds nothing left ---
stop_all
check "the sensors exited with status 0 (${SRC[1]} ${SRC[2]} ${SRC[3]})" \
    test "${SRC[1]}${SRC[2]}${SRC[3]}" = 000
shipper_stopped() {
    for _ in $(seq 1 100); do
        grep -q "^sipsnare ship: stopped: .* 0 duplicates, 0 bad lines" "$1" && return 0
        sleep 0.1
    done
    return 1
}
for i in 1 2 3; do
    check "sensor $i: the shipper stopped with the sensor, nothing sent twice" \
        shipper_stopped "$WORK/s$i/sensor$([ "$i" = 2 ] && echo 2).err"
done
out=$("$SIPSNARE" ship -c "$WORK/s1/sipsnare.conf" --once 2>"$WORK/ship-once.err")
check "ship --once after the stop: nothing left ($out)" \
    test "$out" = "ship: 0 lines, 0 events added, 0 duplicates, 0 bad lines, offset $(stat -c %s "$WORK/s1/events.jsonl")"
check "partitions by day exist" \
    test "$(pg_psql -Atc "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass")" -ge 1
