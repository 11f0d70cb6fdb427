#!/usr/bin/env bash
# test_report_html.sh - the HTML report (src/report/render_html.c) in a real
# browser: headless Chromium opens the page written by
# `test_report_html --write` (a sample report with every chart kind and
# hostile strings in cells, titles, notes and a star's centre) and
#   - its DOM (--dump-dom) has the sections, the table of contents, the
#     sortable tables, one <svg role=img> with a <title> per chart, the
#     hostile strings as text and no element or attribute they could inject;
#   - the sort script ran under the page's own Content-Security-Policy
#     (no CSP violation in the console), while a copy with an injected
#     inline script, style attribute and image has all three refused;
#   - clicking column titles sorts (a test script added to a copy clicks
#     and reports the order, numbers descending then ascending, text);
#   - a screenshot (1280x4000) is a valid, non-blank PNG in which the
#     charts' colour shows; it is kept as ${ARTIFACTS:-build/artifacts}/report.png.
# The writer is found next to the program under test:
# $(dirname $SIPSNARE)/tests/test_report_html (REPORT_HTML_WRITER overrides).
# Ends with "test_report_html: N passed, N failed".
set -u
cd "$(dirname "$0")/../.."
. tests/integration/lib.sh

WRITER=${REPORT_HTML_WRITER:-$(dirname "$SIPSNARE")/tests/test_report_html}
ARTIFACTS=${ARTIFACTS:-build/artifacts}
mkdir -p "$ARTIFACTS"
ARTIFACTS=$(cd "$ARTIFACTS" && pwd)
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}

if [ -z "$CHROMIUM" ]; then
    not_ok "chromium is not installed (scripts/install-deps.sh installs it)"
    exit 1
fi
if [ ! -x "$WRITER" ]; then
    not_ok "no page writer at $WRITER (make test-build)"
    exit 1
fi

# chrome ARGS... URL: one headless run with a fresh profile, no network
# services; its console (CSP reports) goes to $WORK/chrome.log.
chrome() {
    rm -rf "$WORK/profile"
    timeout 120 "$CHROMIUM" --headless=new --no-sandbox --disable-gpu --hide-scrollbars \
        --no-first-run --no-default-browser-check --disable-extensions --disable-sync \
        --disable-background-networking --disable-component-update \
        --user-data-dir="$WORK/profile" --enable-logging=stderr --v=0 "$@" 2>"$WORK/chrome.log"
}

# results FILE: adds up the "ok ..."/"FAIL ..." lines a checker printed.
results() {
    local line
    while IFS= read -r line; do
        case $line in
            ok\ *) ok "${line#ok }" ;;
            FAIL\ *) not_ok "${line#FAIL }" ;;
            *) echo "$line" ;;
        esac
    done <"$1"
}

PAGE=$WORK/report.html
check "the sample page is written" "$WRITER" --write "$PAGE"
[ -s "$PAGE" ] || exit 1

# --- the DOM as Chromium built it -----------------------------------------
check "chromium dumps the DOM" chrome --dump-dom "file://$PAGE" >"$WORK/dom.html"
cp "$WORK/chrome.log" "$WORK/page.log"
if grep -qi "content security policy" "$WORK/page.log"; then
    not_ok "no CSP violation on the page"; grep -i "content security policy" "$WORK/page.log" | head -5
else
    ok "no CSP violation on the page"
fi

python3 - "$WORK/dom.html" >"$WORK/dom.check" <<'PY'
import sys
from html.parser import HTMLParser

class Node:
    def __init__(self, tag, attrs, parent):
        self.tag, self.attrs, self.parent, self.children = tag, dict(attrs), parent, []
    def text(self):
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)
    def walk(self):
        yield self
        for c in self.children:
            if not isinstance(c, str):
                yield from c.walk()

VOID = {"meta", "br", "img", "input", "link", "hr", "source", "wbr", "area", "base", "col", "embed"}
SVG_LEAF = {"rect", "line", "polyline", "polygon", "circle", "path"}

class Tree(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", [], None)
        self.cur = self.root
    def handle_starttag(self, tag, attrs):
        n = Node(tag, attrs, self.cur)
        self.cur.children.append(n)
        if tag not in VOID:
            self.cur = n
    def handle_startendtag(self, tag, attrs):
        self.cur.children.append(Node(tag, attrs, self.cur))
    def handle_endtag(self, tag):
        n = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        if n is not None and n.parent is not None:
            self.cur = n.parent
    def handle_data(self, data):
        self.cur.children.append(data)

t = Tree()
t.feed(open(sys.argv[1], encoding="utf-8").read())
nodes = list(t.root.walk())
def by_tag(tag): return [n for n in nodes if n.tag == tag]
def check(what, cond, detail=""):
    print(("ok " if cond else "FAIL ") + what + ("" if cond or not detail else ": " + str(detail)))

html = by_tag("html")
check("the sort script ran (html.js)", html and "js" in html[0].attrs.get("class", "").split())
title = by_tag("title")
check("page title", title and title[0].text() == "sipsnare report", title and title[0].text())
sections = by_tag("section")
check("6 sections", len(sections) == 6, len(sections))
ids = {n.attrs["id"] for n in nodes if "id" in n.attrs}
links = [a.attrs.get("href", "") for a in by_tag("nav")[0].walk() if a.tag == "a"] if by_tag("nav") else []
check("table of contents: a link to every section",
      len(links) == 6 and all(h.startswith("#") and h[1:] in ids for h in links)
      and [h[1:] for h in links] == [s.attrs.get("id") for s in sections], links)
check("every section has an h2", all(any(c.tag == "h2" for c in s.walk()) for s in sections))
tables = [n for n in by_tag("table") if "sortable" in n.attrs.get("class", "").split()]
check("8 sortable tables", len(tables) == 8, len(tables))
ths = by_tag("th")
check("every column title became a sort button",
      ths and all(any(c.tag == "button" for c in th.walk()) for th in ths))
check("column titles carry data-type",
      all(th.attrs.get("data-type") in ("text", "int", "share", "real", "time") for th in ths))
svgs = by_tag("svg")
check("5 charts (svg)", len(svgs) == 5, len(svgs))
good = 0
for s in svgs:
    kids = [c for c in s.children if not isinstance(c, str)]
    if (s.attrs.get("role") == "img" and kids and kids[0].tag == "title" and kids[0].text().strip()
            and kids[0].attrs.get("id") == s.attrs.get("aria-labelledby")):
        good += 1
check("every svg: role=img, labelled by its <title>", good == len(svgs) and good > 0, good)
if len(svgs) == 5:
    check("bar chart: 20 bars", sum(1 for n in svgs[0].walk() if n.tag == "rect") == 20)
    check("bar chart: 8 bars", sum(1 for n in svgs[1].walk() if n.tag == "rect") == 8)
    tl = svgs[2]
    check("timeline: lines of 4 series", len({n.attrs.get("stroke") for n in tl.walk()
          if n.tag == "polyline" or (n.tag == "g" and n.attrs.get("fill") == "none")} - {None}) == 4)
    check("timeline: date ticks", sum(1 for n in tl.walk() if n.tag == "text" and n.text().startswith("2026-")) >= 5)
    check("star: 20 leaves and the centre",
          sum(1 for n in svgs[3].walk() if n.tag == "circle") == 20
          and any(n.tag == "text" and n.text() == "203.0.113.50" for n in svgs[3].walk()))
scripts = by_tag("script")
check("one script element (the page's own)", len(scripts) == 1, len(scripts))
bad_attrs = [(n.tag, a) for n in nodes for a in n.attrs if a.startswith("on") or a in ("src", "srcdoc", "style", "formaction")]
check("no event handler, src or style attribute", not bad_attrs, bad_attrs[:5])
bad_tags = [n.tag for n in nodes if n.tag in ("img", "iframe", "object", "embed", "link", "base", "form", "b", "i", "frame", "foreignobject", "math", "template", "image", "use")]
check("no element injected from data", not bad_tags, bad_tags[:5])
check("no injected ids", not ({"injected", "injected2"} & ids))
hrefs = [n.attrs["href"] for n in nodes if "href" in n.attrs]
check("links stay in the page", all(h.startswith("#") for h in hrefs), hrefs[:5])
cells = [td.text() for td in by_tag("td")]
for s in ["<script>alert(1)</script>", '"onmouseover=alert(1) x="', '</svg><b id="injected">x</b>',
          "' onload='alert(2)", "<img src=x onerror=alert(3)>", '</td></tr></table><div id="injected2">',
          "<script>alert(5)</script>", "ctl\u2401\u241b[31mred\u240d\u240aX-Injected: 1\u2421",
          "bidi <U+202E>evil<U+200B> zero", "A" * 5000]:
    check("shown as text: %r" % s[:40], s in cells)
check("invalid UTF-8 shown as U+FFFD", any("\ufffd" in c for c in cells))
h2 = [n.text() for n in by_tag("h2")]
check("hostile section title as text", '<i>Hostile</i> section "title" & more' in h2, h2)
svgtext = [n.text() for s in svgs for n in s.walk() if n.tag in ("text", "title")]
check("hostile star centre as svg text", "</svg><script>alert(6)</script>" in svgtext)
check("hostile label as svg text", "<script>alert(1)</script>" in svgtext)
dd = [n.text() for n in by_tag("dd")]
check("hostile scope as text", any('"onmouseover=alert(7)' in d for d in dd), dd)
PY
results "$WORK/dom.check"

# --- CSP: what was not written by the renderer does not run ---------------
python3 - "$PAGE" "$WORK/injected.html" <<'PY'
import sys
h = open(sys.argv[1], encoding="utf-8").read()
h = h.replace("</body>", '<script>document.title="pwned";</script>'
              '<p style="color:red" id="styled">x</p><img src="http://127.0.0.1:9/x.png"></body>')
open(sys.argv[2], "w", encoding="utf-8").write(h)
PY
chrome --dump-dom "file://$WORK/injected.html" >"$WORK/injected.dom"
check "CSP: an injected inline script does not run" grep -q "<title>sipsnare report</title>" "$WORK/injected.dom"
check "CSP: the injected script is refused" grep -q "Executing inline script violates" "$WORK/chrome.log"
check "CSP: an injected style attribute is refused" grep -q "Applying inline style violates" "$WORK/chrome.log"
check "CSP: an image load is refused" grep -q "violates the following Content Security Policy directive: \"img-src 'none'\"" "$WORK/chrome.log"

# --- sorting: a test script clicks column titles --------------------------
python3 - "$PAGE" "$WORK/sort.html" <<'PY'
import base64, hashlib, re, sys
test = r"""
(function () {
  var out = {};
  var tables = document.querySelectorAll('table.sortable'), table = null, nulls = null;
  for (var i = 0; i < tables.length; i++) {
    var cap = tables[i].caption ? tables[i].caption.textContent : '';
    if (cap.indexOf('Top user agents') === 0) table = tables[i];
    if (cap.indexOf('NULL cells') === 0) nulls = tables[i];
  }
  function col(t, c) {
    var v = [];
    for (var r = 0; r < t.tBodies[0].rows.length; r++) {
      var cell = t.tBodies[0].rows[r].cells[c], k = cell.getAttribute('data-sort-value');
      v.push(k !== null ? Number(k) : cell.textContent);
    }
    return v;
  }
  function button(t, c) { return t.tHead.rows[0].cells[c].querySelector('button'); }
  function aria(t, c) { return t.tHead.rows[0].cells[c].getAttribute('aria-sort'); }
  out.before = col(table, 1);
  button(table, 1).click();
  out.count1 = col(table, 1); out.aria1 = aria(table, 1);
  button(table, 1).click();
  out.count2 = col(table, 1); out.aria2 = aria(table, 1);
  button(table, 0).click();
  out.text1 = col(table, 0); out.ariaText = aria(table, 0); out.ariaCountAfter = aria(table, 1);
  out.rowsIntact = col(table, 1).length === out.before.length;
  button(nulls, 2).click(); out.nullsDesc = col(nulls, 2);
  button(nulls, 2).click(); out.nullsAsc = col(nulls, 2);
  var pre = document.createElement('pre');
  pre.id = 'sort-result';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
"""
h = open(sys.argv[1], encoding="utf-8").read()
digest = base64.b64encode(hashlib.sha256(test.encode()).digest()).decode()
h, n = re.subn(r"script-src ('sha256-[^']+')", r"script-src \1 'sha256-%s'" % digest, h)
assert n == 1, "no script-src in the CSP"
h = h.replace("</body>", "<script>" + test + "</script></body>")
open(sys.argv[2], "w", encoding="utf-8").write(h)
PY
chrome --dump-dom "file://$WORK/sort.html" >"$WORK/sort.dom"
python3 - "$WORK/sort.dom" >"$WORK/sort.check" <<'PY'
import html, json, re, sys
def check(what, cond, detail=""):
    print(("ok " if cond else "FAIL ") + what + ("" if cond or not detail else ": " + str(detail)[:300]))
m = re.search(r'<pre id="sort-result">(.*?)</pre>', open(sys.argv[1], encoding="utf-8").read(), re.S)
check("the sort test script ran", m is not None)
if m:
    o = json.loads(html.unescape(m.group(1)))
    before = o["before"]
    check("the table starts unsorted", before != sorted(before, reverse=True))
    check("first click on Count: descending", o["count1"] == sorted(before, reverse=True), o["count1"])
    check("aria-sort descending", o["aria1"] == "descending", o["aria1"])
    check("second click: ascending", o["count2"] == sorted(before), o["count2"])
    check("aria-sort ascending", o["aria2"] == "ascending", o["aria2"])
    agents = [s for s in o["text1"] if re.fullmatch(r"agent-\d\d", s)]
    check("click on User agent: text ascending",
          agents == sorted(agents) and len(agents) == 13 and o["text1"] != o["count2"], o["text1"][:12])
    check("aria-sort moves to the sorted column",
          o["ariaText"] == "ascending" and o["ariaCountAfter"] is None, (o["ariaText"], o["ariaCountAfter"]))
    check("no row lost", o["rowsIntact"])
    check("a cell without a number sorts last, both ways",
          o["nullsDesc"][0] == 1.5 and o["nullsAsc"][0] == 1.5 and isinstance(o["nullsDesc"][1], str) and isinstance(o["nullsAsc"][1], str), (o["nullsDesc"], o["nullsAsc"]))
PY
results "$WORK/sort.check"

# --- screenshot ------------------------------------------------------------
PNG=$ARTIFACTS/report.png
rm -f "$PNG"
chrome --window-size=1280,4000 --screenshot="$PNG" "file://$PAGE" >/dev/null
check "a screenshot was taken" test -s "$PNG"
python3 - "$PNG" >"$WORK/png.check" <<'PY'
import struct, sys, zlib
def check(what, cond, detail=""):
    print(("ok " if cond else "FAIL ") + what + ("" if cond or not detail else ": " + str(detail)))
data = open(sys.argv[1], "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    check("the screenshot is a PNG", False); sys.exit(0)
pos, chunks = 8, {}
idat = b""
while pos + 8 <= len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
    if zlib.crc32(kind + body) != crc:
        check("PNG chunk CRCs", False, kind); sys.exit(0)
    if kind == b"IDAT": idat += body
    chunks.setdefault(kind, body)
    pos += 12 + n
    if kind == b"IEND": break
w, h, depth, ctype = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
check("a PNG of 1280x4000", (w, h) == (1280, 4000), (w, h))
bpp = {2: 3, 6: 4}.get(ctype)
if depth != 8 or bpp is None:
    check("8-bit RGB(A)", False, (depth, ctype)); sys.exit(0)
raw = zlib.decompress(idat)
stride = w * bpp
# Unfiltering: None, Up and Sub on whole rows as big integers (bytewise
# addition without carries; Sub as a prefix sum by doubling), Average and
# Paeth byte by byte.
M7 = int.from_bytes(b"\x7f" * stride, "big")
M8 = int.from_bytes(b"\x80" * stride, "big")
def addb(x, y): return ((x & M7) + (y & M7)) ^ ((x ^ y) & M8)
prev = bytes(stride)
colours, nonwhite, bar, dark = set(), 0, 0, 0
for y in range(h):
    ft = raw[y * (stride + 1)]
    line = raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)]
    if ft == 1 or ft == 2:
        x = int.from_bytes(line, "big")
        if ft == 2:
            x = addb(x, int.from_bytes(prev, "big"))
        else:
            s = bpp
            while s < stride:
                x = addb(x, x >> (8 * s))
                s *= 2
        line = x.to_bytes(stride, "big")
    elif ft in (3, 4):
        out = bytearray(line)
        for i in range(stride):
            a = out[i - bpp] if i >= bpp else 0
            b = prev[i]
            if ft == 3:
                out[i] = (out[i] + (a + b) // 2) & 255
            else:
                c = prev[i - bpp] if i >= bpp else 0
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                out[i] = (out[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        line = bytes(out)
    prev = line
    if y % 2: continue          # every other row and column is plenty
    for x in range(0, stride, bpp * 2):
        px = line[x:x + 3]
        colours.add(px)
        if px != b"\xff\xff\xff": nonwhite += 1
        if px == b"\x00\x72\xb2": bar += 1
        if max(px) < 0x50: dark += 1
sampled = (h // 2) * (w // 2)
check("not blank: many colours", len(colours) >= 50, len(colours))
check("not blank: 2..80% of pixels not white", 0.02 < nonwhite / sampled < 0.8, nonwhite / sampled)
check("the bars' colour shows (charts drawn)", bar > 500, bar)
check("dark text shows", dark > 2000, dark)
PY
results "$WORK/png.check"
echo "screenshot: $PNG"

# --- the real report: `sipsnare report --format html` over the fixed event set
REAL=$WORK/real.html
SIPSNARE_DATADIR=$PWD/data "$SIPSNARE" ingest --db "$WORK/r.db" tests/data/report/events.jsonl >/dev/null 2>&1
check "sipsnare report --format html writes the page" \
    env SIPSNARE_DATADIR="$PWD/data" "$SIPSNARE" report --db "$WORK/r.db" --format html -o "$REAL"
check "chromium dumps the real report's DOM" chrome --dump-dom "file://$REAL" >"$WORK/real-dom.html"
if grep -qi "content security policy" "$WORK/chrome.log"; then
    not_ok "no CSP violation on the real report"
else
    ok "no CSP violation on the real report"
fi
python3 - "$WORK/real-dom.html" >"$WORK/real.check" <<'PY'
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.tags = {}; self.ids = set(); self.text = []
    def handle_starttag(self, tag, attrs):
        self.tags[tag] = self.tags.get(tag, 0) + 1
        for k, v in attrs:
            if k == "id": self.ids.add(v)
    def handle_data(self, d): self.text.append(d)
p = P(); p.feed(open(sys.argv[1], encoding="utf-8").read())
text = " ".join(p.text)
def check(what, cond, got=""):
    print(("ok " if cond else "FAIL ") + what + ("" if cond else f" (got {got})"))
want = ["summary", "agents", "countries", "sources", "pairs", "numbers", "steps", "rogue", "graph", "timeline", "sensors"]
check("every section of the report is on the page", all(any(w in i for i in p.ids) for w in want), sorted(p.ids))
check("charts drawn as SVG (bars, timeline, star)", p.tags.get("svg", 0) >= 8, p.tags.get("svg", 0))
check("one script, no external resource", p.tags.get("script", 0) == 1 and "http://" not in open(sys.argv[1]).read().split("<body")[0], p.tags.get("script"))
check("the rogue source and its 20 countries are shown", "77.247.109.40" in text and "XS-INMARSAT" in text)
check("Table 1 figures are shown", "REGISTER requests" in text and "unified call attempts" in text)
PY
results "$WORK/real.check"
if chrome --screenshot="$ARTIFACTS/report-real.png" --window-size=1280,6000 "file://$REAL" && [ -s "$ARTIFACTS/report-real.png" ]; then
    ok "screenshot of the real report kept at $ARTIFACTS/report-real.png"
else
    not_ok "screenshot of the real report"
fi
