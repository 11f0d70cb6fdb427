#!/usr/bin/env bash
# Brute force: svcrack finds weak passwords (range, username = password,
# dictionary) and nothing for the strong one; the log shows each guess.
. "$(dirname "$0")/lib.sh"
start_sensor || exit 1

out=$(timeout 120 svcrack -u 100 -r 1200-1300 -p "$PORT" 127.0.0.1 2>&1)
echo "$out" | grep -qE '^\| *100 +\| *1234 *\|' && ok "svcrack cracks 100 (1234) from a range" \
    || { not_ok "svcrack cracks 100 (1234) from a range"; echo "$out" | tail; }

out=$(timeout 120 svcrack -u 101 -r 1-50 -p "$PORT" 127.0.0.1 2>&1)
echo "$out" | grep -qE '^\| *101 +\| *101 *\|' && ok "svcrack cracks 101 (password = extension)" \
    || { not_ok "svcrack cracks 101 (password = extension)"; echo "$out" | tail; }

printf '%s\n' 123456 admin secret letmein password qwerty 12345678 >"$WORK/dict.txt"
out=$(timeout 120 svcrack -u 300 -d "$WORK/dict.txt" -p "$PORT" 127.0.0.1 2>&1)
echo "$out" | grep -qE '^\| *300 +\| *password *\|' && ok "svcrack cracks 300 from a dictionary" \
    || { not_ok "svcrack cracks 300 from a dictionary"; echo "$out" | tail; }

out=$(timeout 120 svcrack -u 200 -d "$WORK/dict.txt" -p "$PORT" 127.0.0.1 2>&1)
if echo "$out" | grep -qE '^\| *200 +\|'; then
    not_ok "svcrack finds nothing for 200 (strong)"; echo "$out" | tail
else
    ok "svcrack finds nothing for 200 (strong)"
fi

sleep 0.5
check "event log is valid JSON lines" log_is_valid_json
n=$(count_events 'e.get("method")=="REGISTER" and e.get("auth",{}).get("user")=="100" and e.get("auth_outcome")=="wrong_password" and e.get("response")==403')
check "wrong guesses for 100 logged as wrong_password/403 ($n >= 30)" test "$n" -ge 30
n=$(count_events 'e.get("method")=="REGISTER" and e.get("auth",{}).get("user")=="100" and e.get("auth_outcome")=="ok" and e.get("response")==200')
check "the right guess for 100 logged as ok/200" test "$n" -eq 1
n=$(count_events 'e.get("auth",{}).get("user")=="200" and e.get("auth_outcome")=="ok"')
check "no successful login for 200" test "$n" -eq 0
