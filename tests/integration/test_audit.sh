#!/usr/bin/env bash
# test_audit.sh - the real `sipsnare audit` on the configuration sets of
# tests/data/audit: exit codes for --fail-on, text and JSON output (JSON
# must parse), file:line errors and exit 1 (never a crash) on malformed
# configurations. No sensor is started.
. "$(dirname "$0")/lib.sh"
cd "$(dirname "$0")/../.."
D=tests/data/audit

# exit_is CODE command...: passes when the command exits with CODE.
exit_is() {
    local want=$1; shift
    "$@" >"$WORK/out" 2>"$WORK/err"
    local rc=$?
    [ "$rc" -eq "$want" ] || { echo "  exit $rc, expected $want: $*"; head -5 "$WORK/err"; return 1; }
}

# weak/: critical findings; --fail-on decides the exit status
check "weak: default --fail-on high exits 3" exit_is 3 "$SIPSNARE" audit $D/weak
check "weak: text names a finding with file:line" \
    grep -q "weak-secret  $D/weak/sip_templates.conf:6 \[100\]" "$WORK/out"
check "weak: summary line" grep -q "^29 findings: 7 critical, 6 high, 16 medium, 0 low, 0 info$" "$WORK/out"
check "weak: secrets are not printed" bash -c "! grep -q -e 'P@ssw0rd' -e 'Xk9#mQ2v' -e 101abc '$WORK/out'"
check "weak: --fail-on none exits 0" exit_is 0 "$SIPSNARE" audit --fail-on none $D/weak
check "weak: --fail-on critical exits 3" exit_is 3 "$SIPSNARE" audit --fail-on critical $D/weak
check "weak: JSON exits 3" exit_is 3 "$SIPSNARE" audit --format json $D/weak
check "weak: JSON parses" python3 -m json.tool "$WORK/out" /dev/null
check "weak: JSON content" python3 - "$WORK/out" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
f = d["findings"]
assert d["summary"] == {"total": 29, "critical": 7, "high": 6, "medium": 16, "low": 0, "info": 0}, d["summary"]
ids = {(x["id"], x["file"].rsplit("/", 1)[-1], x["line"]) for x in f}
for want in [("unauth-dialout", "extensions.conf", 19), ("alwaysauthreject", "sip.conf", 7),
             ("allowguest", "sip.conf", 2), ("endpoint-no-auth", "pjsip.conf", 47),
             ("auth-user-is-extension", "sip_peers.conf", 2), ("insecure-invite", "sip_peers.conf", 20)]:
    assert want in ids, want
for x in f:
    assert set(x) == {"severity", "id", "file", "line", "section", "message", "fix"}, x
    assert x["severity"] in ("info", "low", "medium", "high", "critical")
    assert x["fix"]
PY
check "weak: single file --sip" exit_is 3 "$SIPSNARE" audit --sip $D/weak/sip.conf
check "weak: --pjsip only, --fail-on critical" exit_is 3 "$SIPSNARE" audit --pjsip $D/weak/pjsip.conf --fail-on critical
check "weak: --extensions only has no high finding" exit_is 0 "$SIPSNARE" audit --extensions $D/weak/extensions.conf

# hardened/: nothing at all, even at --fail-on info
check "hardened: exits 0 at --fail-on info" exit_is 0 "$SIPSNARE" audit --fail-on info $D/hardened
check "hardened: no finding" grep -q "^0 findings" "$WORK/out"
check "hardened: JSON parses" bash -c "'$SIPSNARE' audit --format json $D/hardened | python3 -m json.tool >/dev/null"

# malformed/: file:line on stderr, exit 1, no crash
for c in "bracket.conf:bracket.conf:3" "cycle_a.conf:cycle_b.conf:3" "missing.conf:missing.conf:4" \
         "deep0.conf:deep10.conf:3" "template.conf:template.conf:3" "nosection.conf:nosection.conf:2" \
         "paren.conf:paren.conf:3"; do
    IFS=: read -r file errfile line <<<"$c"
    check "malformed $file: exit 1" exit_is 1 "$SIPSNARE" audit --sip $D/malformed/$file
    check "malformed $file: error at $errfile:$line" grep -q "$D/malformed/$errfile:$line: " "$WORK/err"
done
check "malformed in extensions: exit 1" exit_is 1 "$SIPSNARE" audit --extensions $D/malformed/cycle_a.conf
check "warnings only: low findings, exit 0" exit_is 0 "$SIPSNARE" audit --sip $D/malformed/warnings.conf
check "warnings only: 4 config-warning" test "$(grep -c '^LOW      config-warning' "$WORK/out")" -eq 4
check "warnings only: --fail-on low exits 3" exit_is 3 "$SIPSNARE" audit --fail-on low --sip $D/malformed/warnings.conf

# hostile input: binary data, a huge line, a directory, a missing file
head -c 20000 /dev/urandom >"$WORK/random.conf"
printf '[a]\nx=' >"$WORK/long.conf"; head -c 100000 /dev/zero | tr '\0' y >>"$WORK/long.conf"
check "random bytes: exit 1 or 0, no crash" bash -c "'$SIPSNARE' audit --sip '$WORK/random.conf' >/dev/null 2>&1; rc=\$?; [ \$rc -le 3 ]"
check "long line: exit 1" exit_is 1 "$SIPSNARE" audit --sip "$WORK/long.conf"
check "long line: says which line" grep -q "long.conf:2: line longer than" "$WORK/err"
check "missing file: exit 1" exit_is 1 "$SIPSNARE" audit --sip "$WORK/nope.conf"
check "directory as file: exit 1" exit_is 1 "$SIPSNARE" audit --sip "$WORK"
check "empty dir: exit 1" exit_is 1 "$SIPSNARE" audit "$WORK"

# usage
check "no arguments: exit 2" exit_is 2 "$SIPSNARE" audit
check "bad --fail-on: exit 2" exit_is 2 "$SIPSNARE" audit --fail-on severe $D/weak
check "bad --format: exit 2" exit_is 2 "$SIPSNARE" audit --format xml $D/weak
check "--help: exit 0" exit_is 0 "$SIPSNARE" audit --help

# --db: what attackers already did to the configuration's accounts
# (tests/data/audit/attacks.jsonl: 100 guessed after 3 failures, 101 probed,
# 102 brute forced), from SQLite and from PostgreSQL alike.
. "$(dirname "$0")/pg.sh"
trap 'pg_stop; finish' EXIT
"$SIPSNARE" ingest --db "$WORK/attacks.db" "$D/attacks.jsonl" >/dev/null 2>&1
exposure_ok() {   # DB: the three findings, at the peers' own lines
    "$SIPSNARE" audit --db "$1" --format json --fail-on none "$D/weak" >"$WORK/exp.json" 2>"$WORK/err" || return 1
    python3 - "$WORK/exp.json" <<'PY'
import json, sys
f = [x for x in json.load(open(sys.argv[1]))["findings"] if x["id"].startswith("account-")]
got = sorted((x["id"], x["severity"], x["section"], x["file"].rsplit("/", 1)[-1], x["line"]) for x in f)
want = [("account-bruteforced", "high", "102", "sip_peers.conf", 8),
        ("account-guessed", "critical", "100", "sip_peers.conf", 2),
        ("account-probed", "medium", "101", "sip_peers.conf", 5)]
assert got == want, got
PY
}
check "--db (SQLite): guessed, brute-forced and probed accounts" exposure_ok "$WORK/attacks.db"
check "--db: a guessed account makes --fail-on critical fail" \
    exit_is 3 "$SIPSNARE" audit --db "$WORK/attacks.db" --fail-on critical "$D/weak"
check "--db with a missing store: exit 1" exit_is 1 "$SIPSNARE" audit --db "$WORK/none.db" "$D/weak"
if pg_start >"$WORK/pg.log" 2>&1; then
    "$SIPSNARE" ingest --db "$PG_URL" "$D/attacks.jsonl" >/dev/null 2>&1
    check "--db (PostgreSQL): the same findings" exposure_ok "$PG_URL"
else
    not_ok "PostgreSQL did not start"; cat "$WORK/pg.log"
fi

# --format html/md/csv: the findings through the report renderers
"$SIPSNARE" audit --format json --fail-on none "$D/weak" >"$WORK/f.json" 2>/dev/null
check "--format html: exit 3 at --fail-on high, as the other formats" \
    exit_is 3 "$SIPSNARE" audit --format html "$D/weak"
"$SIPSNARE" audit --format html --fail-on none "$D/weak" >"$WORK/f.html" 2>/dev/null
check "--format html: one table row per finding, a chart, no external resource" python3 - "$WORK/f.html" "$WORK/f.json" <<'PY'
import json, sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.rows = 0; self.svg = 0; self.table = None; self.ext = 0
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table": self.table = a.get("id", "")
        if tag == "tr" and self.table and "findings" in self.table: self.rows += 1
        if tag == "svg": self.svg += 1
        if tag in ("script", "img", "link") and ("src" in a or "href" in a): self.ext += 1
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
n = len(json.load(open(sys.argv[2]))["findings"])
assert p.rows == n + 1 and p.svg >= 1 and p.ext == 0, (p.rows, n, p.svg, p.ext)
PY
"$SIPSNARE" audit --format csv --fail-on none "$D/weak" >"$WORK/f.csv" 2>/dev/null
check "--format csv: the findings table parses, one row per finding" python3 - "$WORK/f.csv" "$WORK/f.json" <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
i = [k for k, r in enumerate(rows) if r and r[0] == "# audit/findings"][0]
body = [r for r in rows[i + 2:] if r]
assert len(body) == len(json.load(open(sys.argv[2]))["findings"]), len(body)
PY
