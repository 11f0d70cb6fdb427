#!/usr/bin/env bash
# Scanning and enumeration with nmap: version detection over UDP and TCP
# identifies Asterisk; sip-methods prints the Allow list; sip-enum-users
# finds exactly the configured extensions.
. "$(dirname "$0")/lib.sh"
# nmap runs its sip-* scripts only on port 5060 (or a service named "sip"),
# so the sensor also listens on 5060 at a loopback address of its own.
NMAP_IP=127.77.0.1
start_sensor -l "udp $NMAP_IP:5060" || exit 1

out=$(timeout 300 nmap -n -Pn -sU -sV -p 5060 \
    --script sip-methods,sip-enum-users \
    --script-args 'sip-enum-users.minext=100,sip-enum-users.maxext=399' $NMAP_IP 2>&1)
echo "$out" | grep -E "^5060/udp" | grep -qE "open +sip(-proxy)? +Asterisk PBX 11.25.3" \
    && ok "nmap -sU -sV identifies Asterisk PBX 11.25.3" \
    || { not_ok "nmap -sU -sV identifies Asterisk PBX 11.25.3"; echo "$out"; }
echo "$out" | grep -qF "INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, SUBSCRIBE, NOTIFY, INFO, PUBLISH, MESSAGE" \
    && ok "sip-methods prints Asterisk 11.25's Allow list" \
    || { not_ok "sip-methods prints Asterisk 11.25's Allow list"; echo "$out"; }
found=$(echo "$out" | grep -oE '^\|[ _]+[0-9]+: Auth required' | grep -oE '[0-9]+' | sort -n | tr '\n' ' ')
[ "$found" = "100 101 200 300 " ] && ok "sip-enum-users finds exactly 100 101 200 300" \
    || { not_ok "sip-enum-users finds exactly 100 101 200 300 (found '$found')"; echo "$out"; }

out=$(timeout 300 nmap -n -Pn -sT -sV --version-all -p "$PORT" 127.0.0.1 2>&1)
echo "$out" | grep -E "^$PORT/tcp" | grep -qF "Asterisk PBX 11.25.3" \
    && ok "nmap -sT -sV (TCP) identifies Asterisk PBX 11.25.3" \
    || { not_ok "nmap -sT -sV (TCP) identifies Asterisk PBX 11.25.3"; echo "$out"; }

sleep 0.5
check "event log is valid JSON lines" log_is_valid_json
n=$(count_events 'e.get("method")=="OPTIONS" and e.get("ruri")=="sip:nm" and e.get("response")==200')
check "nmap's SIPOptions probe logged and answered 200 ($n)" test "$n" -ge 1
n=$(count_events 'e.get("method")=="REGISTER" and e.get("user_agent")=="Nmap NSE"')
check "sip-enum-users REGISTERs logged ($n >= 300)" test "$n" -ge 300
n=$(count_events 'e.get("transport")=="tcp" and e.get("method")=="OPTIONS"')
check "TCP probe logged with transport tcp ($n)" test "$n" -ge 1
n=$(count_events 'e["eventid"]=="sip.malformed"')
check "nmap's non-SIP probes logged as malformed ($n)" test "$n" -ge 1
