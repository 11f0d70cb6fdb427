#!/usr/bin/env bash
# A database whose network goes silent (docs/HONEYNET.md, "Credentials"), and
# a shipper that dies (docs/HONEYNET.md, "Failure behaviour"): a
# sensor ships over TCP to a private PostgreSQL while sipload keeps it busy;
# then nftables drops every packet to and from the database's port, the way
# a firewall that lost its state or a cut link does (no RST, no ICMP). The
# shipper must notice within its default TCP timeouts (tcp_user_timeout 60 s,
# connect_timeout 10 s), report it and retry, and once the packets flow
# again deliver every event exactly once. Without those defaults a blocked
# COPY waits for the kernel's ~15 minutes of retransmissions. Then the
# shipper is killed (-9): its supervisor starts a new one, which resumes at
# the saved offset.
# Runs in a network namespace of its own (the nft rule and PostgreSQL live
# there); needs root. PostgreSQL missing is a failure, not a skip.
if [ -z "${SIPSNARE_IN_NETNS:-}" ]; then
    if [ "$(id -u)" -ne 0 ] || ! command -v unshare >/dev/null || ! command -v nft >/dev/null; then
        echo "ok   # SKIP needs root, unshare and nft (a network namespace of its own)"
        echo "test_ship_blackhole: 0 passed, 0 failed"
        exit 0
    fi
    SIPSNARE_IN_NETNS=1 exec unshare -n bash "$0" "$@"
fi
ip link set lo up
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
LOAD=${SIPLOAD:-$PWD/build/bench/sipload}
trap 'stop_sensor; pg_stop; finish' EXIT

if ! pg_start; then
    not_ok "private PostgreSQL server (needed: scripts/install-deps.sh installs it)"
    exit 1
fi
ok "private PostgreSQL on 127.0.0.1:$PG_PORT, in this test's network namespace"

write_config
cat >>"$WORK/sipsnare.conf" <<EOF

[store]
target = $PG_TCP_URL
batch = 200
retry_max_s = 2
EOF
start_sensor || exit 1

lines() { wc -l <"$WORK/events.jsonl"; }
db_rows() { pg_psql -Atc 'SELECT count(*) FROM events' 2>/dev/null || echo -1; }
shipped() { [ "$(db_rows)" -eq "$(lines)" ]; }
delivering() { [ "$(db_rows)" -gt 1000 ]; }
said() { grep -q "$1" "$WORK/sensor.err"; }

# 110 s of traffic at 400/s: it goes on through the whole outage
"$LOAD" -t "127.0.0.1:$PORT" -r 400 -n 44000 -s 8 -g 1 -T bh >"$WORK/sipload.out" 2>&1 &
LOAD_PID=$!
check "the shipper delivers over TCP" wait_for 30 delivering

# Drop everything to the port, both ways, in the middle of the shipping.
nft add table inet blackhole
nft add chain inet blackhole out '{ type filter hook output priority 0; }'
nft add rule inet blackhole out tcp dport "$PG_PORT" drop
nft add rule inet blackhole out tcp sport "$PG_PORT" drop
t_drop=$SECONDS
check "psql cannot reach the database now" \
    bash -c '! timeout 5 psql "$1?connect_timeout=2" -Atc "SELECT 1" >/dev/null 2>&1' _ "$PG_TCP_URL"
if wait_for 100 said "retrying in"; then
    ok "the shipper reported the silent database and retried (after $TOOK s)"
else
    not_ok "the shipper reported the silent database within 100 s (it hangs)"
fi
rows_down=$(db_rows)
before=$(lines)
sleep 5
check "the sensor went on answering and logging ($before -> $(lines) lines)" test "$(lines)" -gt "$before"

nft delete table inet blackhole
t_up=$SECONDS
if wait_for 60 said "reachable again"; then
    ok "the shipper saw the database again $TOOK s after the packets flowed"
else
    not_ok "the shipper saw the database again within 60 s of the packets flowing"
fi
wait "$LOAD_PID"
check "sipload was answered through the outage ($(cat "$WORK/sipload.out"))" \
    grep -qE 'loss_pct=0\.[0-9]' "$WORK/sipload.out"
sleep 1
check "caught up: database = log ($(lines) lines; $rows_down when the packets stopped)" \
    wait_for 120 shipped

# ---- a shipper that dies is started again by its supervisor --------------------------
sup=$(pgrep -P "$SENSOR_PID" | head -n 1)
shp=$(pgrep -P "$sup" | head -n 1)
check "the sensor's child supervises the shipper ($sup -> $shp)" test -n "$sup" -a -n "$shp"
kill -KILL "$shp"
"$LOAD" -t "127.0.0.1:$PORT" -r 400 -n 2000 -s 8 -g 0 -T crash >"$WORK/sipload2.out" 2>&1
check "the supervisor reported the shipper's death" \
    wait_for 10 said "the shipper died (killed by signal 9)"
check "a new shipper delivered what came after (database = log, $(lines) lines)" wait_for 30 shipped
new=$(pgrep -P "$sup" | head -n 1)
check "the new shipper is another process ($shp -> $new)" test -n "$new" -a "$new" != "$shp"

pg_psql -At -F'|' -c "SELECT run, seq FROM events_v" | sort >"$WORK/from-db.txt"
python3 -c 'import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line); print("%s|%s" % (e["run"], e["seq"]))' "$WORK/events.jsonl" | sort >"$WORK/from-log.txt"
check "no duplicate event in PostgreSQL" test "$(sort -u "$WORK/from-db.txt" | wc -l)" -eq "$(wc -l <"$WORK/from-db.txt")"
check "the same events in both (no gap)" cmp -s "$WORK/from-log.txt" "$WORK/from-db.txt"
echo "  (the outage lasted $((t_up - t_drop)) s)"
