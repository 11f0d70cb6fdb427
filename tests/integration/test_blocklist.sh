#!/usr/bin/env bash
# sipsnare blocklist and graph end to end: the fixed event set
# tests/data/report/events.jsonl is ingested into SQLite, then every format
# is checked by the tool that consumes it: nft (checked, then loaded and
# reloaded inside a network namespace this test creates, elements listed
# back), ipset restore (same, in the namespace), fail2ban-regex (when
# installed; the Debian package fail2ban), the Kamailio secfilter SQL run
# into SQLite against the module's table, JSON through python3/jq, the
# graph through Graphviz's dot. The namespace keeps every rule away from
# the host; nothing is sent on any network.
. "$(dirname "$0")/lib.sh"
DATA=$PWD/tests/data/report/events.jsonl
DB=$WORK/bl.db
export SOURCE_DATE_EPOCH=1767571200   # 2026-01-05T00:00:00Z: reproducible headers

"$SIPSNARE" ingest --db "$DB" "$DATA" >/dev/null 2>"$WORK/ingest.err" || { cat "$WORK/ingest.err"; exit 1; }

bl() { "$SIPSNARE" blocklist --db "$DB" "$@" 2>>"$WORK/bl.err"; }
# lines LIST: the non-comment, non-empty lines
lines() { grep -v -e '^#' -e '^$' <<<"$1"; }

# What the event set holds (gen-events.py): scanning only: 41.77.20.30,
# 103.21.244.5, 200.160.2.3; enumeration + brute force: 185.107.80.11;
# abuse: 5.135.10.20, 77.247.109.40 (the rogue server), 190.210.40.7,
# 2001:41d0:a:1234::5; 45.95.147.9 sent only a malformed datagram.
DEFAULT="5.135.10.20
77.247.109.40
185.107.80.11
190.210.40.7
2001:41d0:a:1234::5"

# ---- which sources --------------------------------------------------------------
out=$(bl)
check "default (--min-step enumeration): every source beyond scanning, sorted, IPv4 first" \
    test "$(lines "$out")" = "$DEFAULT"
check "header comment names the rule and counts" \
    grep -q '^# 5 addresses: 4 IPv4, 1 IPv6$' <<<"$out"
check "scan-only sources are not listed" bash -c '! grep -q -e 41.77.20.30 -e 103.21.244.5 -e 200.160.2.3 <<<"$1"' _ "$out"
check "--min-step scanning: all 8 sources that sent requests" \
    test "$(lines "$(bl --min-step scanning)" | wc -l)" -eq 8
check "--min-step brute-force: the svcrack source and the callers (abuse is beyond)" \
    test "$(lines "$(bl --min-step brute-force)")" = "$DEFAULT"
check "--min-step abuse: the 4 callers" \
    test "$(lines "$(bl --min-step abuse)" | tr '\n' ' ')" = "5.135.10.20 77.247.109.40 190.210.40.7 2001:41d0:a:1234::5 "
check "--min-requests 20: the two busiest" \
    test "$(lines "$(bl --min-requests 20)" | tr '\n' ' ')" = "77.247.109.40 185.107.80.11 "
check "--sensor hp-br-02: that sensor's sources only" \
    test "$(lines "$(bl --sensor hp-br-02)" | tr '\n' ' ')" = "5.135.10.20 190.210.40.7 "
check "--until before any event: an empty list" \
    test -z "$(lines "$(bl --until 2025-12-31)")"
check "same data, same bytes (SOURCE_DATE_EPOCH)" test "$(bl --format nft)" = "$(bl --format nft)"

# ---- usage errors -----------------------------------------------------------------
exit_is() { local want=$1; shift; "$@" >/dev/null 2>&1; [ $? -eq "$want" ]; }
check "--numbers with nft: usage error (2)" exit_is 2 "$SIPSNARE" blocklist --db "$DB" --numbers --format nft
check "hostile --set-name refused (2)" exit_is 2 "$SIPSNARE" blocklist --db "$DB" --format nft --set-name 'x; flush ruleset'
check "unknown --format refused (2)" exit_is 2 "$SIPSNARE" blocklist --db "$DB" --format iptables
check "unknown --min-step refused (2)" exit_is 2 "$SIPSNARE" blocklist --db "$DB" --min-step everything
check "--timeout 0 refused (2)" exit_is 2 "$SIPSNARE" blocklist --db "$DB" --format ipset --timeout 0
check "a store that does not exist: error (1)" exit_is 1 "$SIPSNARE" blocklist --db "postgresql://127.0.0.1:1/none"

# ---- -o: replaced atomically ---------------------------------------------------------
bl --format plain -o "$WORK/list.txt"
check "-o writes the file" test "$(lines "$(cat "$WORK/list.txt")")" = "$DEFAULT"
check "-o leaves no temporary file" test "$(ls "$WORK" | grep -c 'list.txt.tmp')" -eq 0

# ---- nft: checked, loaded and reloaded in a namespace -----------------------------------
bl --format nft -o "$WORK/bl.nft"
bl --format nft --set-name voip --timeout 3600 -o "$WORK/voip.nft"
check "nft -c accepts the file" nft -c -f "$WORK/bl.nft"
unshare -n bash -c '
    nft -f "$1" && nft -f "$1" || exit 1          # load, then reload over itself
    nft -f "$2" || exit 1
    nft list set inet sipsnare sipsnare_v4 > "$3/v4.out"
    nft list set inet sipsnare sipsnare_v6 > "$3/v6.out"
    nft list chain inet sipsnare input > "$3/input.out"
    nft list set inet voip voip_v4 > "$3/voip.out"
    nft list tables > "$3/tables.out"
' _ "$WORK/bl.nft" "$WORK/voip.nft" "$WORK"
rc=$?
check "nft: loaded twice and a second table beside it, in a new network namespace" test "$rc" -eq 0
nft_v4=$(grep -o -E '([0-9]+\.){3}[0-9]+' "$WORK/v4.out" | sort | tr '\n' ' ')
check "nft: the IPv4 set holds the 4 IPv4 addresses ($nft_v4)" \
    test "$nft_v4" = "$(grep -v : <<<"$DEFAULT" | sort | tr '\n' ' ')"
check "nft: the IPv6 set holds the IPv6 address" grep -q '2001:41d0:a:1234::5' "$WORK/v6.out"
check "nft: input chain drops both families" \
    bash -c 'grep -q "ip saddr @sipsnare_v4 counter packets 0 bytes 0 drop" "$1" && grep -q "ip6 saddr @sipsnare_v6" "$1"' _ "$WORK/input.out"
check "nft: --timeout gives expiring elements" grep -q 'timeout 1h' "$WORK/voip.out"
check "nft: two tables, the host untouched" test "$(grep -c '^table inet' "$WORK/tables.out")" -eq 2
check "nft: the host has no sipsnare table" bash -c '! nft list table inet sipsnare >/dev/null 2>&1'

# ---- ipset: restored twice in a namespace -------------------------------------------------
bl --format ipset -o "$WORK/bl.ipset"
bl --format ipset --set-name voip --timeout 600 -o "$WORK/voip.ipset"
unshare -n bash -c '
    ipset restore -file "$1" && ipset restore -file "$1" || exit 1   # reload: swap, no error
    ipset restore -file "$2" || exit 1
    ipset list sipsnare_v4 > "$3/ipset4.out"
    ipset list sipsnare_v6 > "$3/ipset6.out"
    ipset list voip_v6 > "$3/voip6.out"
    ipset list -n > "$3/ipsets.out"
' _ "$WORK/bl.ipset" "$WORK/voip.ipset" "$WORK"
rc=$?
check "ipset: restored twice and a timeout variant, in a new network namespace" test "$rc" -eq 0
ipset_v4=$(sed -n '/^Members:/,$p' "$WORK/ipset4.out" | grep -E '^[0-9]' | sort | tr '\n' ' ')
check "ipset: sipsnare_v4 holds the 4 IPv4 addresses ($ipset_v4)" \
    test "$ipset_v4" = "$(grep -v : <<<"$DEFAULT" | sort | tr '\n' ' ')"
check "ipset: sipsnare_v6 is family inet6 with the IPv6 address" \
    bash -c 'grep -q "family inet6" "$1" && grep -qx "2001:41d0:a:1234::5" "$1"' _ "$WORK/ipset6.out"
check "ipset: the timeout variant expires entries" \
    bash -c 'grep -q "timeout 600" "$1" && grep -q "^2001:41d0:a:1234::5 timeout" "$1"' _ "$WORK/voip6.out"
check "ipset: no leftover -new sets after the swap" bash -c '! grep -q -- -new "$1"' _ "$WORK/ipsets.out"

# ---- fail2ban -----------------------------------------------------------------------------
bl --format fail2ban -o "$WORK/fail2ban.log"
bl --format fail2ban-filter -o "$WORK/sipsnare-filter.conf"
check "fail2ban log: one line per address, the run's time" \
    bash -c '[ "$(wc -l <"$1")" -eq 5 ] && grep -qx "2026-01-05T00:00:00Z sipsnare: blocked 185.107.80.11 steps=scanning,enumeration,brute-force requests=44" "$1"' _ "$WORK/fail2ban.log"
if command -v fail2ban-regex >/dev/null 2>&1; then
    got=$(fail2ban-regex -o ip "$WORK/fail2ban.log" "$WORK/sipsnare-filter.conf" 2>"$WORK/f2b.err" | sort | tr '\n' ' ')
    check "fail2ban-regex: the filter finds every address ($got)" \
        test "$got" = "$(sort <<<"$DEFAULT" | tr '\n' ' ')"
else
    echo "skip fail2ban-regex: not installed (Debian package fail2ban)"
fi

# ---- Kamailio -------------------------------------------------------------------------------
# secfilter: the module's table (kamailio utils/kamctl secfilter-create.sql), in SQLite
sqlite3 "$WORK/kam.db" "CREATE TABLE secfilter (id INTEGER PRIMARY KEY AUTOINCREMENT,
    action SMALLINT DEFAULT 0 NOT NULL, type SMALLINT DEFAULT 0 NOT NULL, data VARCHAR(64) DEFAULT '' NOT NULL);
    INSERT INTO secfilter (action, type, data) VALUES (0, 0, 'friendly-scanner');"
bl --format kamailio-secfilter -o "$WORK/secfilter.sql"
bl --format kamailio-secfilter --numbers -o "$WORK/secfilter-numbers.sql"
sqlite3 "$WORK/kam.db" <"$WORK/secfilter.sql" && sqlite3 "$WORK/kam.db" <"$WORK/secfilter.sql" &&
    sqlite3 "$WORK/kam.db" <"$WORK/secfilter-numbers.sql"
check "secfilter SQL runs (twice: idempotent)" test $? -eq 0
check "secfilter: 5 IP rows (action 0, type 3), other rows kept" \
    test "$(sqlite3 "$WORK/kam.db" 'SELECT count(*) FROM secfilter WHERE action = 0 AND type = 3')|$(sqlite3 "$WORK/kam.db" 'SELECT count(*) FROM secfilter WHERE type = 0 AND action = 0')" = "5|1"
check "secfilter: IPv6 as Kamailio writes it (8 groups, upper case)" \
    test "$(sqlite3 "$WORK/kam.db" "SELECT data FROM secfilter WHERE data LIKE '%:%'")" = "2001:41D0:A:1234:0:0:0:5"
n_num=$(lines "$(bl --numbers)" | wc -l)
check "secfilter: one destination row (action 2) per number ($n_num), digits only" \
    test "$(sqlite3 "$WORK/kam.db" "SELECT count(*) FROM secfilter WHERE action = 2 AND type = 0 AND data GLOB '[1-9]*' AND data NOT GLOB '*[^0-9]*'")" -eq "$n_num"
printf '#!/bin/sh\necho "$*" >> "%s/kamcmd.log"\n' "$WORK" >"$WORK/kamcmd"
chmod +x "$WORK/kamcmd"
bl --format kamailio-secfilter-rpc -o "$WORK/secfilter-rpc.sh"
KAMCMD="$WORK/kamcmd" sh "$WORK/secfilter-rpc.sh"
check "secfilter RPC script: one kamcmd secfilter.add_bl per address" \
    bash -c '[ "$(grep -c "^secfilter.add_bl ip s:" "$1")" -eq 5 ] && grep -qx "secfilter.add_bl ip s:2001:41D0:A:1234:0:0:0:5" "$1"' _ "$WORK/kamcmd.log"
bl --format kamailio-permissions -o "$WORK/address.list"
check "permissions address file: group 99, mask, port 0, tag; addresses parse" python3 - "$WORK/address.list" <<'EOF'
import ipaddress, sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.startswith("#")]
assert len(rows) == 5, rows
for g, addr, mask, port, tag in rows:
    assert g == "99" and port == "0" and tag.startswith("sipsnare:"), (g, port, tag)
    ip = ipaddress.ip_address(addr.strip("[]"))
    assert (ip.version, mask) in ((4, "32"), (6, "128")), (addr, mask)
    assert (ip.version == 6) == addr.startswith("["), addr
EOF

# ---- JSON -----------------------------------------------------------------------------------
bl --format json -o "$WORK/bl.json"
check "json: valid (python3 -m json.tool)" bash -c 'python3 -m json.tool "$1" >/dev/null' _ "$WORK/bl.json"
check "json: the rogue server's record" python3 - "$WORK/bl.json" <<'EOF'
import json, sys
rows = {r["ip"]: r for r in json.load(open(sys.argv[1]))}
assert len(rows) == 5
r = rows["77.247.109.40"]
assert r["family"] == 4 and r["steps"] == ["abuse"] and r["requests"] == 27, r
assert r["rogue_score"] >= 60 and r["country"] and isinstance(r["asn"], int), r
assert r["first_seen"].endswith("Z") and r["first_seen"] <= r["last_seen"]
assert rows["2001:41d0:a:1234::5"]["family"] == 6
EOF
if command -v jq >/dev/null 2>&1; then
    check "json: jq reads it" test "$(jq length "$WORK/bl.json")" -eq 5
fi
bl --numbers --format json -o "$WORK/numbers.json"
check "json numbers: E.164, country, attempts" python3 - "$WORK/numbers.json" <<'EOF'
import json, re, sys
rows = json.load(open(sys.argv[1]))
assert rows, "no numbers"
for r in rows:
    assert re.fullmatch(r"\+[1-9][0-9]{1,14}", r["e164"]), r
    assert r["attempts"] >= r["calls"] >= 1 and r["sources"] >= 1, r
assert any(r["e164"] == "+972595551234" and r["attempts"] == 8 for r in rows)
EOF
check "plain numbers: every line canonical E.164" \
    bash -c '! grep -v -e "^#" "$1" | grep -v -E "^\+[1-9][0-9]{1,14}$"' _ <(bl --numbers)

# ---- graph ----------------------------------------------------------------------------------
gr() { "$SIPSNARE" graph --db "$DB" "$@" 2>>"$WORK/graph.err"; }
gr -o "$WORK/all.dot"
check "graph: dot -Tsvg renders the DOT" bash -c 'dot -Tsvg "$1" -o "$2" && grep -q "<svg" "$2"' _ "$WORK/all.dot" "$WORK/all.svg"
check "graph: the four callers are the sources" test "$(grep -c '^	"src:[^"]*" \[' "$WORK/all.dot")" -eq 4
gr --ip 77.247.109.40 -o "$WORK/star.dot"
n_cc=$(grep -c -- '-> "cc:' "$WORK/star.dot")
check "graph --ip: a star (twopi) with one edge per destination country ($n_cc)" \
    bash -c 'grep -q "layout=twopi, root=\"src:77.247.109.40\"" "$1" && [ "$2" -ge 10 ] && dot -Tsvg "$1" >/dev/null' _ "$WORK/star.dot" "$n_cc"
gr --ip 77.247.109.40 --format svg -o "$WORK/star.svg"
check "graph --format svg: SVG from Graphviz" grep -q '<svg' "$WORK/star.svg"
gr --numbers --top 1 -o "$WORK/numbers.dot"
check "graph --numbers --top 1: one source, its dialed numbers" \
    bash -c '[ "$(grep -c "\"src:[^\"]*\" \[" "$1")" -eq 1 ] && grep -q "num:+" "$1" && dot -Tsvg "$1" >/dev/null' _ "$WORK/numbers.dot"
check "graph --ip of an address that sent nothing: error (1)" exit_is 1 "$SIPSNARE" graph --db "$DB" --ip 192.0.2.1
check "graph --ip of a non-address: usage error (2)" exit_is 2 "$SIPSNARE" graph --db "$DB" --ip '1.2.3.4"];'
check "graph --format svg without Graphviz in PATH: clear error (1)" \
    bash -c 'PATH=/nonexistent "$1" graph --db "$2" --format svg 2>&1 >/dev/null | grep -q "needs Graphviz"' _ "$SIPSNARE" "$DB"

# ---- addresses never listed: local ranges by default, --exclude -------------------
printf '%s\n' \
  '{"v":1,"eventid":"sip.request","timestamp":"2026-02-01T00:00:00.000Z","sensor":"l","run":"r","seq":1,"transport":"udp","src_ip":"127.0.0.1","src_port":5060,"method":"REGISTER","ruri_user":"100","to_user":"100","auth_outcome":"wrong_password","auth":{"user":"100"}}' \
  '{"v":1,"eventid":"sip.request","timestamp":"2026-02-01T00:00:01.000Z","sensor":"l","run":"r","seq":2,"transport":"udp","src_ip":"127.0.0.1","src_port":5060,"method":"REGISTER","ruri_user":"100","to_user":"100","auth_outcome":"wrong_password","auth":{"user":"100"}}' \
  '{"v":1,"eventid":"sip.request","timestamp":"2026-02-01T00:00:02.000Z","sensor":"l","run":"r","seq":3,"transport":"udp","src_ip":"127.0.0.1","src_port":5060,"method":"REGISTER","ruri_user":"100","to_user":"100","auth_outcome":"wrong_password","auth":{"user":"100"}}' \
  '{"v":1,"eventid":"sip.request","timestamp":"2026-02-01T00:00:03.000Z","sensor":"l","run":"r","seq":4,"transport":"udp","src_ip":"10.9.8.7","src_port":5060,"method":"INVITE","ruri_user":"00972595551234","dial_external":true}' \
  > "$WORK/local.jsonl"
"$SIPSNARE" ingest --db "$WORK/local.db" "$DATA" "$WORK/local.jsonl" >/dev/null 2>&1
out=$("$SIPSNARE" blocklist --db "$WORK/local.db" --min-step scanning 2>"$WORK/local.err")
check "loopback and private sources are not listed by default" \
    test -z "$(grep -E '^(127\.0\.0\.1|10\.9\.8\.7)$' <<<"$out")"
check "each one is named on stderr with the reason" \
    grep -q 'not listed: 127.0.0.1 (loopback)' "$WORK/local.err"
out=$("$SIPSNARE" blocklist --db "$WORK/local.db" --min-step scanning --include-local 2>/dev/null)
check "--include-local lists them" grep -qx '127.0.0.1' <<<"$out"
out=$("$SIPSNARE" blocklist --db "$WORK/local.db" --exclude 77.247.109.0/24 --exclude 2001:41d0::/32 2>/dev/null)
check "--exclude leaves out a range (IPv4 and IPv6)" \
    test -z "$(grep -E '^(77\.247\.109\.40|2001:41d0:a:1234::5)$' <<<"$out")" -a -n "$(grep -x '185.107.80.11' <<<"$out")"
"$SIPSNARE" blocklist --db "$WORK/local.db" --exclude 10.0.0.0/40 >/dev/null 2>&1
check "--exclude with a bad range is a usage error" test $? -eq 2

