#!/usr/bin/env bash
# sipsnare simulate end to end: a small simulated honeynet is deterministic
# (two runs, the same bytes), its events are in time order, and after
# ingest every figure of its ground-truth file is what `sipsnare report`
# finds; then a short replay (--send) against a real sensor on loopback
# logs one event per datagram sent, and non-loopback destinations are
# refused.
. "$(dirname "$0")/lib.sh"
export SIPSNARE_DATADIR=${SIPSNARE_DATADIR:-$PWD/data}
cd "$WORK" || exit 1

SIM="--scale 0.0002 --days 20 --sensors 8 --seed 11"
"$SIPSNARE" simulate $SIM -o a.jsonl 2>a.err
check "simulate: exit 0" test $? -eq 0
"$SIPSNARE" simulate $SIM -o b.jsonl --truth b.truth.json 2>b.err
check "simulate: the same events for the same seed" cmp -s a.jsonl b.jsonl
check "simulate: the same truth for the same seed" cmp -s a.jsonl.truth.json b.truth.json
"$SIPSNARE" simulate --scale 0.0002 --days 20 --sensors 8 --seed 12 -o c.jsonl 2>/dev/null
check "simulate: another seed, other events" bash -c '! cmp -s a.jsonl c.jsonl'
check "simulate: events in time order" python3 - a.jsonl <<'PY'
import json, sys
last = ""
for line in open(sys.argv[1]):
    t = json.loads(line)["timestamp"]
    if t < last:
        sys.exit(1)
    last = t
PY
check "simulate: every event is a request of a sim sensor" python3 - a.jsonl <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["eventid"] != "sip.request" or not e["sensor"].startswith("sim-") or not e["dst_ip"].startswith("198.51.100."):
        sys.exit(1)
PY

check "simulate: as many ASes as planned (40: one per country at this size)" python3 - a.jsonl.truth.json <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))["summary"]
sys.exit(0 if s["unique_asns"] == 40 and s["unique_countries"] == 40 else 1)
PY

"$SIPSNARE" ingest --db x.db a.jsonl >ingest.out 2>&1
check "ingest of the simulated events" test $? -eq 0
"$SIPSNARE" report --db x.db --format json --top 0 -o report.json 2>report.err
check "report --format json --top 0" test $? -eq 0

cat >compare.py <<'PY'
#!/usr/bin/env python3
"""compare.py TRUTH REPORT_JSON: compares every figure of a `sipsnare
simulate` truth file with `sipsnare report --format json --top 0`. Prints
one line per mismatch and "compared N figures, M mismatches"; exit 1 on any
mismatch."""
import json
import sys

truth = json.load(open(sys.argv[1]))
rep = json.load(open(sys.argv[2]))
tables = {}
for sec in rep["sections"]:
    for t in sec["tables"]:
        tables[sec["name"] + "/" + t["name"]] = t["rows"]

n = 0
bad = []


def same(what, want, got):
    global n
    n += 1
    if isinstance(want, float) or isinstance(got, float):
        ok = got is not None and abs(float(want) - float(got)) < 1e-4
    else:
        ok = want == got
    if not ok:
        bad.append("%s: truth %r, report %r" % (what, want, got))


def by(rows, *keys):
    return {tuple(r[k] for k in keys) if len(keys) > 1 else r[keys[0]]: r for r in rows}


# summary (Table 1)
summ = {r["metric"]: r["value"] for r in tables["summary/summary"]}
for k, v in truth["summary"].items():
    same("summary " + k, v, summ.get(k))

# agent classes: requests and INVITEs per class
cls = by(tables["agents/classes"], "class")
for c in truth["agent_classes"]:
    r = cls.get(c["class"], {})
    same("class %s requests" % c["class"], c["requests"], r.get("requests"))
    same("class %s invites" % c["class"], c["invites"], r.get("invites"))
known = {c["class"] for c in truth["agent_classes"]}
for name, r in cls.items():
    if name not in known and not name.startswith("custom"):
        same("class %s (not in truth) requests" % name, 0, r.get("requests"))

# sources of calls (Table 3)
src = by(tables["sources/top_sources"], "ip")
same("sources with calls", len(truth["top_sources"]), len(src))
for s in truth["top_sources"]:
    r = src.get(s["ip"], {})
    for k in ("country", "invites", "unified_calls", "dest_countries", "requests"):
        same("source %s %s" % (s["ip"], k), s[k], r.get(k))
    same("source %s asn" % s["ip"], s["asn"] or None, r.get("asn"))
if truth["top_sources"]:
    same("top source", truth["top_sources"][0]["ip"], tables["sources/top_sources"][0]["ip"])
conc = tables["sources/concentration"]
same("top-10 share", truth["concentration"]["top10_share"], conc[0]["value"] if conc else None)

# the rogue server (rogue section and Figure 5)
rg = truth["rogue"]
flagged = [r["ip"] for r in tables["rogue/rogue_sources"] if r["flagged"] == "yes"]
same("flagged rogue servers", [rg["ip"]] if rg["flagged"] else [], flagged)
edges = tables["graph/graph_edges"]
same("graph source", rg["ip"], edges[0]["source"] if edges else None)
same("graph destination countries", rg["dest_countries"], len(edges))
same("graph unified calls", rg["unified_calls"], sum(e["unified_calls"] for e in edges))
same("graph invites", rg["invites"], sum(e["invites"] for e in edges))

# source -> destination country pairs (Table 4)
pairs = by(tables["pairs/country_pairs"], "source_country", "dest_country")
same("country pairs", len(truth["country_pairs"]), len(pairs))
for p in truth["country_pairs"]:
    r = pairs.get((p["source_country"], p["dest_country"]), {})
    same("pair %s->%s calls" % (p["source_country"], p["dest_country"]), p["unified_calls"], r.get("unified_calls"))
    same("pair %s->%s invites" % (p["source_country"], p["dest_country"]), p["invites"], r.get("invites"))

# source countries of calls (Figure 4)
cc = by(tables["countries/source_countries"], "country")
same("source countries of calls", len(truth["source_countries"]), len(cc))
for c in truth["source_countries"]:
    r = cc.get(c["country"], {})
    for k in ("numbers", "unified_calls", "invites", "source_ips"):
        same("country %s %s" % (c["country"], k), c[k], r.get(k))

# numbers
nums = by(tables["numbers/top_numbers"], "number")
same("numbers called", len(truth["top_numbers"]), len(nums))
for x in truth["top_numbers"]:
    r = nums.get(x["number"], {})
    for k in ("country", "attempts", "unified", "sources"):
        same("number %s %s" % (x["number"], k), x[k], r.get(k))
if truth["top_numbers"]:
    same("most called number", truth["top_numbers"][0]["number"], tables["numbers/top_numbers"][0]["number"])

# attack steps
steps = {r["step"]: r["sources"] for r in tables["steps/step_counts"]}
names = {"scanning": "scanning", "enumeration": "enumeration", "bruteforce": "brute-force", "abuse": "abuse"}
for k, v in truth["steps"].items():
    same("step " + k, v, steps.get(names[k]))
same("sources with a cracked password", truth["auth_ok_sources"],
     sum(1 for r in tables["steps/source_steps"] if r["auth_ok"]))

# sensors
sen = by(tables["sensors/sensors"], "sensor")
for s in truth["sensors"]:
    r = sen.get(s["sensor"], {})
    for k in ("requests", "register", "invite", "options"):
        same("sensor %s %s" % (s["sensor"], k), s[k], r.get(k, 0 if not s["requests"] else None))

for b in bad[:40]:
    print("MISMATCH " + b)
print("compared %d figures, %d mismatches" % (n, len(bad)))
sys.exit(1 if bad else 0)
PY
python3 compare.py a.jsonl.truth.json report.json >compare.out 2>&1
rc=$?
cat compare.out
check "every figure of the truth file is in the report" test "$rc" -eq 0
check "the comparison covered the truth file" grep -qE "compared [0-9]{3,} figures, 0 mismatches" compare.out

# ---- report --ingest: the same report in one command ------------------------
# Its store's indexes are built while the report reads; the result is the
# report of `ingest` then `report`, with the files in time order or not
# (the second half first), and the store ends with every index.
export SOURCE_DATE_EPOCH=1767225600   # the same "generated" time in every report
"$SIPSNARE" report --db x.db --format json --top 0 -o ref.json 2>/dev/null
indexes="SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"
half=$(( $(wc -l <a.jsonl) / 2 ))
head -n "$half" a.jsonl >h1.jsonl
tail -n +"$((half + 1))" a.jsonl >h2.jsonl
for order in "a.jsonl" "h2.jsonl h1.jsonl"; do
    rm -rf pipe && mkdir pipe
    args=()
    for f in $order; do args+=(--ingest "../$f"); done
    (cd pipe && "$SIPSNARE" report --db x.db "${args[@]}" --format json --top 0 >report.json 2>report.err)
    check "report --ingest $order: exit 0" test $? -eq 0
    check "report --ingest $order: the ingest's summary on stderr" grep -q "events added" pipe/report.err
    check "report --ingest $order: the report of ingest then report" cmp -s ref.json pipe/report.json
    check "report --ingest $order: every index built" test "$(sqlite3 pipe/x.db "$indexes")" = 5
done
(cd pipe && "$SIPSNARE" report --db x.db --ingest ../a.jsonl --format json --top 0 -o again.json 2>again.err)
check "report --ingest twice: nothing added" grep -q " 0 events added, [1-9][0-9]* duplicates" pipe/again.err
check "report --ingest twice: the same report" cmp -s ref.json pipe/again.json
"$SIPSNARE" report --db pipe/y.db --ingest no-such-file.jsonl >/dev/null 2>nofile.err
check "report --ingest of a missing file: exit 1" test $? -eq 1
"$SIPSNARE" report --db pipe/z.db --ingest h1.jsonl --ingest no-such-file.jsonl >/dev/null 2>nofile.err
check "report --ingest, one file missing: exit 1" test $? -eq 1
check "report --ingest, one file missing: the other's events stay, with every index" \
    test "$(sqlite3 pipe/z.db "SELECT count(*) FROM events"):$(sqlite3 pipe/z.db "$indexes")" = "$half:5"
unset SOURCE_DATE_EPOCH

# ---- replay against a real sensor ---------------------------------------------
start_sensor || exit 1
"$SIPSNARE" simulate --scale 0.00002 --days 2 --sensors 2 --seed 3 -o replay.jsonl \
    --send "127.0.0.1:$PORT" --rate 2000 --limit 300 2>send.err
check "simulate --send: exit 0" test $? -eq 0
check "simulate --send: 300 datagrams sent" grep -q "300 datagrams sent" send.err
check "simulate --limit: no truth file" test ! -e replay.jsonl.truth.json
n=0
for _ in $(seq 1 50); do
    n=$(grep -c '"eventid":"sip.request"' "$WORK/events.jsonl" 2>/dev/null)
    [ "$n" -ge 300 ] && break
    sleep 0.1
done
check "the sensor logged one request per datagram ($n)" test "$n" -eq 300
check "the replayed requests are the simulated ones (methods in order)" python3 - replay.jsonl "$WORK/events.jsonl" <<'PY'
import json, sys
a = [json.loads(l)["method"] for l in open(sys.argv[1])]
b = [json.loads(l)["method"] for l in open(sys.argv[2]) if '"sip.request"' in l]
sys.exit(0 if a == b else 1)
PY
"$SIPSNARE" simulate --scale 0.00002 --days 2 --sensors 2 -o x.jsonl --send 192.0.2.1:5060 --limit 1 2>refuse.err
check "simulate --send to a non-loopback address: usage error" test $? -eq 2
check "simulate --send: says why" grep -q "only loopback" refuse.err
"$SIPSNARE" simulate --scale 0 -o x.jsonl 2>/dev/null
check "simulate --scale 0: usage error" test $? -eq 2
