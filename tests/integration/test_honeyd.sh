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

# The source is taken as the network loop would write it (inet_ntop): an
# IPv6 address in another spelling is the same peer; a non-address is refused.
HONEYD_IP_SRC=2001:DB8:0::7 HONEYD_IP_DST=192.0.2.10 \
    timeout 20 "$SIPSNARE" honeyd -c "$WORK/sipsnare.conf" <"$req" >/dev/null
n=$(count_events 'e["src_ip"]=="2001:db8::7"')
check "Honeyd's IPv6 source logged in its canonical form" test "$n" -eq 1
rc=0
HONEYD_IP_SRC=not-an-address HONEYD_IP_DST=192.0.2.10 \
    timeout 20 "$SIPSNARE" honeyd -c "$WORK/sipsnare.conf" <"$req" >/dev/null 2>"$WORK/bad.err" || rc=$?
check "a HONEYD_IP_SRC that is no address: exit 2, said why" \
    bash -c "[ $rc -eq 2 ] && grep -q 'HONEYD_IP_SRC is not an address: not-an-address' '$WORK/bad.err'"
