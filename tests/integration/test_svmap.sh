#!/usr/bin/env bash
# Scanning: SIPVicious svmap (OPTIONS and INVITE scans) over IPv4 and IPv6
# sees the configured Asterisk version, and every probe is in the event log.
. "$(dirname "$0")/lib.sh"
start_sensor || exit 1

out=$(timeout 60 svmap -p "$PORT" 127.0.0.1 2>&1)
echo "$out" | grep -F "127.0.0.1:$PORT" | grep -qF "Asterisk PBX 11.25.3" \
    && ok "svmap (OPTIONS, IPv4) reports Asterisk PBX 11.25.3" \
    || { not_ok "svmap (OPTIONS, IPv4) reports Asterisk PBX 11.25.3"; echo "$out"; }

out6=$(timeout 60 svmap -6 -p "$PORT" ::1 2>&1)
echo "$out6" | grep -qF "Asterisk PBX 11.25.3" \
    && ok "svmap (OPTIONS, IPv6 ::1) reports Asterisk PBX 11.25.3" \
    || { not_ok "svmap (OPTIONS, IPv6 ::1) reports Asterisk PBX 11.25.3"; echo "$out6"; }

outi=$(timeout 60 svmap -m INVITE -p "$PORT" 127.0.0.1 2>&1)
echo "$outi" | grep -qF "Asterisk PBX 11.25.3" \
    && ok "svmap -m INVITE reports Asterisk PBX 11.25.3" \
    || { not_ok "svmap -m INVITE reports Asterisk PBX 11.25.3"; echo "$outi"; }

sleep 0.5
check "event log is valid JSON lines" log_is_valid_json
n=$(count_events 'e["eventid"]=="sip.request" and e.get("method")=="OPTIONS" and e.get("user_agent")=="friendly-scanner" and e["src_ip"]=="127.0.0.1" and e.get("response")==200 and e["dst_port"]=='"$PORT")
check "IPv4 svmap OPTIONS logged with agent, source and 200 answer ($n)" test "$n" -ge 1
n=$(count_events 'e["eventid"]=="sip.request" and e.get("method")=="OPTIONS" and e["src_ip"]=="::1" and e["dst_ip"]=="::1" and e.get("user_agent")=="friendly-scanner"')
check "IPv6 svmap OPTIONS logged with ::1 addresses ($n)" test "$n" -ge 1
n=$(count_events 'e.get("method")=="INVITE" and e.get("user_agent")=="friendly-scanner" and e.get("to_user")=="100"')
check "svmap INVITE logged ($n)" test "$n" -ge 1
