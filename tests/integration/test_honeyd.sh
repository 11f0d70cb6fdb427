#!/usr/bin/env bash
# Honeyd mode: a request on stdin, the persona's answer on stdout, the peer
# taken from Honeyd's environment variables, the event in the log.
. "$(dirname "$0")/lib.sh"
write_config
req=tests/data/attack-tools/svmap_options.txt
out=$(HONEYD_IP_SRC=198.51.100.7 HONEYD_SRC_PORT=5061 HONEYD_IP_DST=192.0.2.10 HONEYD_DST_PORT=5060 \
      timeout 20 "$SIPSNARE" honeyd -c "$WORK/sipsnare.conf" <"$req")
echo "$out" | head -n 1 | grep -q "^SIP/2.0 200 OK" && ok "OPTIONS on stdin answered 200 on stdout" \
    || { not_ok "OPTIONS on stdin answered 200 on stdout"; echo "$out"; }
echo "$out" | grep -qF "Server: Asterisk PBX 11.25.3" && ok "the answer carries the persona's Server" \
    || not_ok "the answer carries the persona's Server"
echo "$out" | grep -qF "received=198.51.100.7" && ok "Via received= is Honeyd's source address" \
    || not_ok "Via received= is Honeyd's source address"
n=$(count_events 'e["src_ip"]=="198.51.100.7" and e["src_port"]==5061 and e["dst_ip"]=="192.0.2.10" and e.get("response")==200')
check "event logged with Honeyd's addresses" test "$n" -eq 1
