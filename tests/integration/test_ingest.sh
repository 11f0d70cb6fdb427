#!/usr/bin/env bash
# sipsnare ingest end to end: a real sensor run (svmap, svwar) loaded into
# SQLite twice (the second load adds nothing), the same log gzip- and
# zstd-compressed (told by magic bytes, not names), concatenated gzip
# members, stdin, a file with bad lines and a torn last line (exact summary
# and messages), and the same into a private PostgreSQL with equal counts;
# then the store's unit cases (tests/unit/test_store.c) again on that
# PostgreSQL. PostgreSQL missing is a failure here, not a skip.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
trap 'pg_stop; finish' EXIT
DATA=$PWD/tests/data/ingest

start_sensor || exit 1
timeout 60 svmap -p "$PORT" 127.0.0.1 >/dev/null 2>&1
timeout 120 svwar -m INVITE -e 100-199 -p "$PORT" 127.0.0.1 >/dev/null 2>&1
timeout 120 svwar -m REGISTER -e 100-149 -p "$PORT" 127.0.0.1 >/dev/null 2>&1
sleep 0.5
stop_sensor
LOG=$WORK/events.jsonl
n=$(wc -l <"$LOG")
check "the sensor logged events ($n)" test "$n" -gt 150

# summary_is OUTPUT LINES ADDED DUPLICATES BAD: the summary line, less its timing
summary_is() {
    local want="ingest: $2 lines, $3 events added, $4 duplicates, $5 bad lines, "
    if [[ $1 == "$want"*" s, "*" events/s" ]]; then return 0; fi
    echo "  got:      $1"; echo "  expected: $want... s, ... events/s"
    return 1
}

ingest() { "$SIPSNARE" ingest "$@" 2>>"$WORK/ingest.err"; }

# ---- SQLite ------------------------------------------------------------------
out=$(ingest --db "$WORK/a.db" "$LOG"); rc=$?
check "first load: every event added" summary_is "$out" "$n" "$n" 0 0
check "first load: exit status 0" test "$rc" -eq 0
out=$(ingest --db "$WORK/a.db" "$LOG")
check "second load: nothing added, all duplicates" summary_is "$out" "$n" 0 "$n" 0
check "the store holds each event once" \
    test "$(sqlite3 "$WORK/a.db" 'SELECT count(*) FROM events')" -eq "$n"

# the same counts as the log itself, per method and for a missing User-Agent
py_counts=$(python3 - "$LOG" <<'EOF'
import json, sys, collections
c = collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    e = json.loads(line)
    c[e.get("method", "-")] += 1
for k in sorted(c):
    print(f"{k}|{c[k]}")
EOF
)
db_counts=$(sqlite3 "$WORK/a.db" "SELECT coalesce(method, '-'), count(*) FROM events_v GROUP BY 1 ORDER BY 1")
check "per-method counts equal the log's" test "$py_counts" = "$db_counts"
no_ua=$(count_events '"user_agent" not in e')
check "events without User-Agent stay NULL ($no_ua)" \
    test "$(sqlite3 "$WORK/a.db" 'SELECT count(*) FROM events_v WHERE user_agent IS NULL')" -eq "$no_ua"
ua=$(sqlite3 "$WORK/a.db" "SELECT user_agent FROM events_v WHERE method = 'OPTIONS' LIMIT 1")
check "svmap's agent stored once as a dimension ('$ua')" \
    test "$(sqlite3 "$WORK/a.db" "SELECT count(*) FROM user_agents WHERE value = 'friendly-scanner'")" -eq 1
dialed=$(events 'e.get("method") == "INVITE" and "ruri_user" in e' | python3 -c '
import json, sys; print(len({json.loads(l)["ruri_user"] for l in sys.stdin}))')
check "dialed numbers of svwar INVITEs: as many distinct as in the log ($dialed)" \
    test "$(sqlite3 "$WORK/a.db" "SELECT count(DISTINCT ruri_user) FROM events_v WHERE method = 'INVITE'")" -eq "$dialed"

# ---- compressed inputs, found by their first bytes -----------------------------
gzip -c "$LOG" >"$WORK/log.gz"
zstd -q -c "$LOG" >"$WORK/log-without-extension"
out=$(ingest --db "$WORK/b.db" "$WORK/log.gz")
check "gzip: every event added" summary_is "$out" "$n" "$n" 0 0
out=$(ingest --db "$WORK/b.db" "$WORK/log-without-extension")
check "zstd (no .zst name): same events, all duplicates" summary_is "$out" "$n" 0 "$n" 0
half=$((n / 2))
{ head -n "$half" "$LOG" | gzip -c; tail -n +$((half + 1)) "$LOG" | gzip -c; } >"$WORK/members.gz"
out=$(ingest --db "$WORK/c.db" "$WORK/members.gz")
check "two concatenated gzip members read as one stream" summary_is "$out" "$n" "$n" 0 0
out=$(ingest --db "$WORK/d.db" - <"$LOG")
check "stdin (-)" summary_is "$out" "$n" "$n" 0 0
head -c 3000 "$WORK/log.gz" >"$WORK/cut.gz"
out=$(ingest --db "$WORK/e.db" "$WORK/cut.gz"); rc=$?
check "a truncated .gz: exit status 1" test "$rc" -eq 1
check "a truncated .gz: the reason on stderr" grep -q "cut.gz: gzip: truncated data" "$WORK/ingest.err"
got=$(sqlite3 "$WORK/e.db" 'SELECT count(*) FROM events')
check "a truncated .gz: the lines before the cut are kept ($got)" test "$got" -gt 0

# ---- bad lines and a torn last line ---------------------------------------------
: >"$WORK/ingest.err"
out=$(ingest --db "$WORK/bad.db" "$DATA/mixed.jsonl"); rc=$?
check "bad lines: exact summary" summary_is "$out" 16 8 0 8
check "bad lines: exit status 0" test "$rc" -eq 0
check "bad lines: one message per bad line" test "$(wc -l <"$WORK/ingest.err")" -eq 8
check "bad lines: FILE:LINE: reason" \
    grep -qx "$DATA/mixed.jsonl:4: field 'seq': expected an integer" "$WORK/ingest.err"
check "torn last line reported" \
    grep -qx "$DATA/mixed.jsonl:16: invalid JSON at byte 44: unterminated string" "$WORK/ingest.err"
check "no progress bar when stderr is not a terminal" bash -c "! grep -q $'\r' '$WORK/ingest.err'"
check "absent vs empty User-Agent" test \
    "$(sqlite3 "$WORK/bad.db" "SELECT sum(user_agent IS NULL AND eventid = 'sip.request'), sum(user_agent = '') FROM events_v")" = "1|1"
: >"$WORK/ingest.err"
out=$(ingest --max-errors 3 --db "$WORK/bad.db" "$DATA/mixed.jsonl")
check "--max-errors 3: second load, all duplicates" summary_is "$out" 16 0 8 8
check "--max-errors 3: three shown, the rest counted" test \
    "$(head -n 3 "$WORK/ingest.err" | grep -c mixed.jsonl):$(tail -n 1 "$WORK/ingest.err")" = \
    "3:sipsnare ingest: 5 more bad lines not shown"
out=$(ingest --db "$WORK/bad.db" "$WORK/no-such-file.jsonl"); rc=$?
check "a missing file: exit status 1" test "$rc" -eq 1
check "a missing file: named on stderr" grep -q "no-such-file.jsonl: No such file or directory" "$WORK/ingest.err"
"$SIPSNARE" ingest >/dev/null 2>&1; rc=$?
check "no file: usage error (exit 2)" test "$rc" -eq 2

# ---- PostgreSQL -------------------------------------------------------------------
if ! pg_start; then
    not_ok "private PostgreSQL server (needed: scripts/install-deps.sh installs it)"
    exit 1
fi
ok "private PostgreSQL started on port $PG_PORT"
out=$(ingest --db "$PG_URL" "$LOG")
check "PostgreSQL (unix socket): every event added" summary_is "$out" "$n" "$n" 0 0
out=$(ingest --db "$PG_TCP_URL" "$WORK/log.gz")
check "PostgreSQL (127.0.0.1, gzip): nothing added, all duplicates" summary_is "$out" "$n" 0 "$n" 0
check "PostgreSQL holds each event once" test "$(pg_psql -Atc 'SELECT count(*) FROM events')" -eq "$n"
pg_counts=$(pg_psql -At -F'|' -c "SELECT coalesce(method, '-'), count(*) FROM events_v GROUP BY 1 ORDER BY coalesce(method, '-') COLLATE \"C\"")
check "PostgreSQL per-method counts equal SQLite's" test "$pg_counts" = "$db_counts"
check "PostgreSQL: events without User-Agent stay NULL" \
    test "$(pg_psql -Atc 'SELECT count(*) FROM events_v WHERE user_agent IS NULL')" -eq "$no_ua"
check "PostgreSQL: day partitions created by the loader" \
    test "$(pg_psql -Atc "SELECT count(*) FROM pg_inherits WHERE inhparent = 'events'::regclass")" -ge 1
check "PostgreSQL: migrations applied once" \
    test "$(pg_psql -Atc 'SELECT string_agg(version::text, $$,$$ ORDER BY version) FROM schema_version')" = "1,2"
check "PostgreSQL: addresses as inet" \
    test "$(pg_psql -Atc "SELECT count(*) FROM ips WHERE value = '127.0.0.1'::inet AND v4 = 2130706433")" -eq 1
: >"$WORK/ingest.err"
out=$(ingest --db "$PG_URL" "$DATA/mixed.jsonl")
check "PostgreSQL bad lines: exact summary" summary_is "$out" 16 8 0 8
check "PostgreSQL: absent vs empty User-Agent" test \
    "$(pg_psql -Atc "SELECT count(*) FILTER (WHERE user_agent IS NULL AND eventid = 'sip.request' AND sensor = 'hp-sp-01'), count(*) FILTER (WHERE user_agent = '') FROM events_v" -F'|')" = "1|1"
sq=$(sqlite3 "$WORK/bad.db" "SELECT eventid, ts_ms, sensor, run, seq, src_ip, coalesce(user_agent, '<null>'), coalesce(reason, '') FROM events_v ORDER BY ts_ms, seq")
pg=$(pg_psql -At -F'|' -c "SELECT eventid, ts_ms, sensor, run, seq, src_ip, coalesce(user_agent, '<null>'), coalesce(reason, '') FROM events_v WHERE sensor IN ('hp-sp-01', 'imported') ORDER BY ts_ms, seq")
check "the same rows in both back ends (mixed.jsonl)" test "$sq" = "$pg"

# An analyst's role (docs/HONEYNET.md) may read, not write: with SELECT on the
# view only, reports go through events_v; with the tables too, through the
# lean scan. Both give the owner's report.
report_of() {
    SOURCE_DATE_EPOCH=1767225600 "$SIPSNARE" report --db "$1" --format json --top 0 -o - \
        2>"$WORK/report.err" | grep -v '"scope"'
}
AURL=${PG_URL/sipsnare@/analyst@}
pg_psql -qc "CREATE ROLE analyst LOGIN; GRANT SELECT ON events_v, schema_version TO analyst" >/dev/null 2>&1
owner=$(report_of "$PG_URL")
check "the owner's report" grep -q '"unique_asns"' <<<"$owner"
check "an analyst with the view only gets the owner's report" test "$(report_of "$AURL")" = "$owner"
pg_psql -qc "GRANT SELECT ON ALL TABLES IN SCHEMA public TO analyst" >/dev/null 2>&1
check "an analyst with the tables gets the owner's report" test "$(report_of "$AURL")" = "$owner"
check "an analyst cannot write" \
    bash -c '! psql "$1" -qc "INSERT INTO sensors (value) VALUES (\$\$x\$\$)" >/dev/null 2>&1' _ "$AURL"
# report --ingest on PostgreSQL (no index to defer): the events stored are
# all duplicates, and the report is the owner's
piped=$(SOURCE_DATE_EPOCH=1767225600 "$SIPSNARE" report --db "$PG_URL" --ingest "$LOG" \
        --format json --top 0 -o - 2>"$WORK/piped.err" | grep -v '"scope"')
check "PostgreSQL report --ingest: nothing added again" grep -q " 0 events added, $n duplicates" "$WORK/piped.err"
check "PostgreSQL report --ingest: the owner's report" test "$piped" = "$owner"

# the C interface's cases on PostgreSQL (they empty the database: last)
unit=$(dirname "$SIPSNARE")/tests/test_store
if [ -x "$unit" ]; then
    if SIPSNARE_TEST_PG="$PG_URL" "$unit" >"$WORK/unit.out" 2>&1; then
        ok "$(tail -n 1 "$WORK/unit.out")"
    else
        not_ok "test_store on PostgreSQL"; cat "$WORK/unit.out"
    fi
else
    not_ok "test_store on PostgreSQL: $unit not built"
fi
