#!/usr/bin/env bash
# sipsak: OPTIONS over UDP and TCP; then the abuse step: an authenticated
# INVITE to an international number with cracked credentials.
# IPv6 is covered by svmap/svwar/nmap instead: sipsak 0.9.8.1 cannot parse an
# IPv6 host ("error: string is not a number: ':1]:5060'").
. "$(dirname "$0")/lib.sh"
start_sensor || exit 1

out=$(timeout 30 sipsak -vv -s "sip:100@127.0.0.1:$PORT" 2>&1)
echo "$out" | grep -q "SIP/2.0 200 OK" && echo "$out" | grep -qF "Server: Asterisk PBX 11.25.3" \
    && ok "sipsak OPTIONS over UDP gets 200 from Asterisk PBX 11.25.3" \
    || { not_ok "sipsak OPTIONS over UDP gets 200 from Asterisk PBX 11.25.3"; echo "$out"; }
# sipsak over TCP writes the Request-URI with its port cut by one digit (its
# own bug, seen in the raw bytes); the request is still answered.
out=$(timeout 30 sipsak --transport=tcp -vv -s "sip:100@127.0.0.1:$PORT" 2>&1)
echo "$out" | grep -q "SIP/2.0 200 OK" && echo "$out" | grep -qF "Server: Asterisk PBX 11.25.3" \
    && ok "sipsak OPTIONS over TCP gets 200 from Asterisk PBX 11.25.3" \
    || { not_ok "sipsak OPTIONS over TCP gets 200 from Asterisk PBX 11.25.3"; echo "$out"; }

# Abuse: an INVITE to a UK number dialed with a 00 prefix, as user 100 with
# the password svcrack finds (1234). sipsak answers the 401 with digest
# credentials and reports the final response.
number=00442079460123
cat >"$WORK/invite.sip" <<EOT
INVITE sip:$number@127.0.0.1:$PORT SIP/2.0
Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bK.abcdef01;rport
From: <sip:100@127.0.0.1>;tag=f1e2d3c4
To: <sip:$number@127.0.0.1>
Call-ID: sipsak-abuse-$$@127.0.0.1
CSeq: 1 INVITE
Contact: <sip:100@127.0.0.1:5999>
Max-Forwards: 70
User-Agent: sipsak 0.9.8.1
Content-Length: 0

EOT
sed -i 's/$/\r/' "$WORK/invite.sip"
out=$(timeout 60 sipsak -vv -f "$WORK/invite.sip" -s "sip:$number@127.0.0.1:$PORT" -u 100 -a 1234 2>&1)
echo "$out" | grep -q "SIP/2.0 503 Service Unavailable" \
    && ok "authenticated INVITE to $number ends in 503 (congestion), as configured" \
    || { not_ok "authenticated INVITE to $number ends in 503"; echo "$out"; }

sleep 0.5
check "event log is valid JSON lines" log_is_valid_json
n=$(count_events 'e.get("method")=="OPTIONS" and e.get("user_agent")=="sipsak 0.9.8.1" and e.get("response")==200')
check "sipsak OPTIONS logged with agent and 200 ($n >= 2)" test "$n" -ge 2
n=$(count_events 'e.get("transport")=="tcp" and e.get("method")=="OPTIONS" and e.get("user_agent")=="sipsak 0.9.8.1"')
check "TCP OPTIONS logged with transport tcp" test "$n" -ge 1
n=$(count_events 'e.get("method")=="INVITE" and e.get("ruri_user")=="'$number'" and e.get("auth",{}).get("user")=="100" and e.get("auth_outcome")=="ok" and e.get("dial_external") is True')
check "the INVITE is logged with the dialed number, digest user 100 and outcome ok" test "$n" -ge 1
