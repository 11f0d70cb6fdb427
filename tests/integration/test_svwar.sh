#!/usr/bin/env bash
# Enumeration: svwar in REGISTER, OPTIONS and INVITE modes finds exactly the
# configured extensions (100, 101, 200, 300) in 100-399.
. "$(dirname "$0")/lib.sh"
start_sensor || exit 1

for m in REGISTER OPTIONS INVITE; do
    out=$(timeout 120 svwar -m "$m" -e 100-399 -p "$PORT" 127.0.0.1 2>&1)
    found=$(echo "$out" | grep -oE '^\| *[0-9]+ +\|' | tr -dc '0-9\n' | sort -n | tr '\n' ' ')
    if [ "$found" = "100 101 200 300 " ]; then
        ok "svwar -m $m finds exactly 100 101 200 300"
    else
        not_ok "svwar -m $m finds exactly 100 101 200 300 (found: '$found')"
        echo "$out" | tail -n 20
    fi
done

# IPv6: the same enumeration against ::1.
out=$(timeout 120 svwar -6 -m OPTIONS -e 100-399 -p "$PORT" ::1 2>&1)
found=$(echo "$out" | grep -oE '^\| *[0-9]+ +\|' | tr -dc '0-9\n' | sort -n | tr '\n' ' ')
[ "$found" = "100 101 200 300 " ] && ok "svwar -6 (IPv6 ::1) finds exactly 100 101 200 300" \
    || { not_ok "svwar -6 (IPv6 ::1) finds exactly 100 101 200 300 (found: '$found')"; echo "$out" | tail; }

sleep 0.5
check "event log is valid JSON lines" log_is_valid_json
for m in REGISTER OPTIONS INVITE; do
    n=$(count_events 'e.get("method")=="'$m'" and e.get("user_agent")=="friendly-scanner"')
    check "svwar $m probes logged ($n >= 300)" test "$n" -ge 300
done
n=$(count_events 'e["src_ip"]=="::1" and e.get("method")=="OPTIONS" and e.get("user_agent")=="friendly-scanner"')
check "IPv6 svwar probes logged from ::1 ($n >= 300)" test "$n" -ge 300
n=$(count_events 'e.get("method")=="REGISTER" and e.get("to_user")=="150" and e.get("response")==404')
check "unknown extension 150 answered 404 in the log" test "$n" -ge 1
n=$(count_events 'e.get("method")=="REGISTER" and e.get("to_user")=="101" and e.get("response")==401 and e.get("extension_known") is True')
check "known extension 101 answered 401 in the log" test "$n" -ge 1
