#!/usr/bin/env bash
# sipsnare report end to end: a fixed event set (tests/data/report/events.jsonl,
# made by gen-events.py) loaded into SQLite, every format compared with its
# reviewed expected file (tests/data/report/expected/), each section alone,
# the filters, hostile user agents in every format, usage errors, and the
# same report from a private PostgreSQL equal to SQLite's.
# To review and accept new expected files after a deliberate change:
#   REPORT_UPDATE=1 SIPSNARE=build/sipsnare bash tests/integration/test_report.sh
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
trap 'pg_stop; finish' EXIT
DATA=$PWD/tests/data/report
export SIPSNARE_DATADIR=${SIPSNARE_DATADIR:-$PWD/data}
export SOURCE_DATE_EPOCH=1767571200   # 2026-01-05: a fixed "generated" time
cd "$WORK" || exit 1

check "the event set is what gen-events.py makes" \
    cmp -s <(python3 "$DATA/gen-events.py") "$DATA/events.jsonl"
"$SIPSNARE" ingest --db r.db "$DATA/events.jsonl" >/dev/null 2>ingest.err
check "ingest of the event set" test -s r.db

# ---- every format against its expected file ----------------------------------
for fmt in text csv json md; do
    ext=$fmt; [ "$fmt" = text ] && ext=txt
    "$SIPSNARE" report --db r.db --top 10 --format "$fmt" -o "report.$ext" 2>"report.$fmt.err"
    rc=$?
    check "report --format $fmt: exit 0" test "$rc" -eq 0
    if [ "${REPORT_UPDATE:-0}" = 1 ]; then
        mkdir -p "$DATA/expected"; cp "report.$ext" "$DATA/expected/report.$ext"
    fi
    if cmp -s "report.$ext" "$DATA/expected/report.$ext"; then
        ok "report --format $fmt equals tests/data/report/expected/report.$ext"
    else
        not_ok "report --format $fmt differs from the expected file:"
        diff -u "$DATA/expected/report.$ext" "report.$ext" | head -n 40
    fi
done
check "JSON output parses" python3 -m json.tool report.json /dev/null
check "CSV output parses as RFC 4180 tables" python3 - report.csv <<'PY'
import csv, sys
tables = 0
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
width = None
for r in rows:
    if not r: width = None; continue
    if r[0].startswith("# "): tables += 1; width = -1; continue
    if width == -1: width = len(r); continue
    assert len(r) == width, r
assert tables >= 15, tables
PY

# ---- the study's figures, read back from the JSON ------------------------------
jq_py() { python3 -c "import json,sys; d=json.load(open('report.json')); $1"; }
table() { echo "t={(s['name'],x['name']):x for s in d['sections'] for x in s['tables']}[('$1','$2')]['rows'];"; }
check "Table 1: 44 REGISTER, 49 INVITE, 32 unified" jq_py "$(table summary summary)
v={r['metric']:r['value'] for r in t}; assert (v['register'],v['invite'],v['unified_invite'])==(44,49,32), v"
check "Figure 2: one number dialed eight ways is one unified attempt" jq_py "$(table numbers top_numbers)
r=[r for r in t if r['number']=='+972595551234'][0]; assert (r['attempts'],r['unified'],r['country'])==(8,1,'IL'), r"
check "Table 2: six random agents from one source" jq_py "$(table agents random_agents)
assert len(t)==6 and {r['source'] for r in t}=={'190.210.40.7'}, t"
check "Table 3: the rogue source first, 20 destination countries" jq_py "$(table sources top_sources)
assert t[0]['ip']=='77.247.109.40' and t[0]['dest_countries']==20, t[0]"
check "rogue server flagged" jq_py "$(table rogue rogue_sources)
assert t[0]['ip']=='77.247.109.40' and t[0]['flagged']=='yes' and t[0]['score']>=60, t[0]"
check "steps: the svwar/svcrack source reached brute force" jq_py "$(table steps source_steps)
r=[r for r in t if r['ip']=='185.107.80.11'][0]; assert r['steps']=='scanning,enumeration,brute-force', r"
check "Figure 5: star graph of the rogue source" jq_py "$(table graph graph_edges)
assert len(t)==20 and all(r['source']=='77.247.109.40' for r in t), len(t)"

# ---- sections alone, filters ----------------------------------------------------
out=$("$SIPSNARE" report --db r.db --format csv agents)
check "a section alone: only its tables" \
    test "$(grep -c '^# ' <<<"$out")" -eq 4 -a "$(grep -c '^# agents/' <<<"$out")" -eq 4
out=$("$SIPSNARE" report --db r.db --format csv summary --since 2026-01-02 --until 2026-01-03)
check "--since/--until: the second day only (41 INVITEs, no REGISTER)" \
    grep -q $'^register,0,\\|^invite,41,' <<<"$out"
check "--since/--until: invite count" grep -q '^invite,41,' <<<"$out"
out=$("$SIPSNARE" report --db r.db --format csv summary --sensor hp-br-02)
check "--sensor: one sensor's 21 requests" grep -q '^requests,21,' <<<"$out"
out=$("$SIPSNARE" report --db r.db --format csv summary --since 1767312000)
check "--since in Unix seconds" grep -q '^invite,49,' <<<"$out"

# ---- hostile strings ------------------------------------------------------------
python3 - > hostile.jsonl <<'PY'
import json
agents = ["\u001b[2J\u001b]0;pwned\u0007evil", "<script>alert(1)</script>", "=HYPERLINK(\"http://x\")",
          "a,b\"c\r\nd", "| --- | *bold* [x](y)"]
for i, ua in enumerate(agents):
    print(json.dumps({"v":1,"eventid":"sip.request","timestamp":"2026-02-01T00:00:0%d.000Z" % i,
        "sensor":"h","run":"r","seq":i+1,"transport":"udp","src_ip":"192.0.2.%d" % (i+1),"src_port":5060,
        "dst_ip":"198.51.100.1","dst_port":5060,"method":"INVITE","ruri_user":"00441632960%03d" % i,
        "user_agent":ua,"call_id":"c%d" % i,"cseq":1}))
PY
"$SIPSNARE" ingest --db h.db hostile.jsonl >/dev/null 2>&1
"$SIPSNARE" report --db h.db --format text agents > h.txt
check "text: no control character from the data reaches the terminal" \
    python3 -c "import sys; b=open('h.txt','rb').read(); sys.exit(any(c<32 and c not in (10,) for c in b))"
"$SIPSNARE" report --db h.db --format csv agents > h.csv
check "CSV: a formula-looking agent is neutralised with a quote" grep -qF "\"'=HYPERLINK(\"\"http://x\"\")\"" h.csv
check "CSV: a field with CR LF stays one field" python3 - h.csv <<'PY'
import csv, sys
rows = [r for r in csv.reader(open(sys.argv[1], newline="")) if r and not r[0].startswith("#")]
assert any(r[0] == 'a,b"c\r\nd' for r in rows), rows
PY
"$SIPSNARE" report --db h.db --format json agents > h.json
check "JSON: hostile agents round-trip exactly" python3 - h.json <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
uas = {r["user_agent"] for s in d["sections"] for t in s["tables"] if t["name"] == "top_agents" for r in t["rows"]}
assert "<script>alert(1)</script>" in uas and "\u001b[2J\u001b]0;pwned\u0007evil" in uas, uas
PY
"$SIPSNARE" report --db h.db --format md agents > h.md
check "Markdown: table syntax in an agent is escaped" grep -qF '\| --- \| \*bold\* \[x\](y)' h.md

# ---- a real PBX: Asterisk's security and messages logs, CDRs ------------------------
AST=$DATA/../asterisk
out=$("$SIPSNARE" ingest --db pbx.db --year 2026 "$AST/security.log" "$AST/messages.log" "$AST/Master.csv" 2>pbx.err)
check "Asterisk files: told apart and loaded (14 events, 3 bad lines named)" \
    grep -q '^ingest: 21 lines, 14 events added, 0 duplicates, 3 bad lines' <<<"$out"
check "Asterisk files: each bad line with file and line number" \
    test "$(grep -c -E '/(security.log:7|messages.log:9|Master.csv:5): ' pbx.err)" -eq 3
out=$("$SIPSNARE" ingest --db pbx.db --year 2026 "$AST/security.log" "$AST/messages.log" "$AST/Master.csv" 2>/dev/null)
check "Asterisk files: a second load adds nothing" grep -q ' 0 events added, 14 duplicates' <<<"$out"
"$SIPSNARE" report --db pbx.db --home GB --format json -o pbx.json numbers steps 2>/dev/null
check "PBX report: international calls flagged (IL, TR)" python3 - <<'PY'
import json
d = json.load(open("pbx.json"))
t = {x["name"]: x["rows"] for s in d["sections"] for x in s["tables"]}
u = {r["number"]: r["why"] for r in t["unusual_numbers"]}
assert u == {"+972595551234": "international", "+90123456789": "international"}, u
PY
check "PBX report: the log's password guesser is brute force" python3 - <<'PY'
import json
d = json.load(open("pbx.json"))
t = {x["name"]: x["rows"] for s in d["sections"] for x in s["tables"]}
r = [r for r in t["source_steps"] if r["ip"] == "203.0.113.77"][0]
assert "brute-force" in r["steps"] and r["auth_failures"] >= 3, r
PY

# ---- errors -----------------------------------------------------------------------
"$SIPSNARE" report --db nonexistent.db >/dev/null 2>err; rc=$?
check "a missing store: exit 1 and a message" \
    test "$rc" -eq 1 -a -n "$(grep 'no such store' err)"
check "a missing store is not created" test ! -e nonexistent.db
"$SIPSNARE" report --db r.db nosuchsection >/dev/null 2>err; rc=$?
check "an unknown section: exit 2" test "$rc" -eq 2
"$SIPSNARE" report --db r.db --since yesterday >/dev/null 2>err; rc=$?
check "a bad --since: exit 2" test "$rc" -eq 2
"$SIPSNARE" report --db r.db -o /nonexistent/dir/x.txt >/dev/null 2>err; rc=$?
check "an unwritable -o: exit 1" test "$rc" -eq 1

# ---- PostgreSQL gives the same report ------------------------------------------------
if pg_start >pg.log 2>&1; then
    "$SIPSNARE" ingest --db "$PG_URL" "$DATA/events.jsonl" >/dev/null 2>>pg.log
    "$SIPSNARE" report --db "$PG_URL" --top 10 --format json -o pg.json 2>>pg.log
    check "PostgreSQL: the same report as SQLite (but for the store's name)" python3 - <<'PY'
import json
a, b = json.load(open("report.json")), json.load(open("pg.json"))
a.pop("scope"); b.pop("scope")
assert a == b
PY
else
    not_ok "PostgreSQL did not start"; cat pg.log
fi
