#!/usr/bin/env python3
"""gen-ipdb.py - builds sipsnare's compact IP snapshot (data/ipdb/) from the
npm packages of ip-location-db (CC BY 4.0 data):

  @ip-location-db/geo-whois-asn-country-mmdb  country (GeoFeed > RIR whois > ASN)
  @ip-location-db/asn                         AS number (RouteViews > RIR > DB-IP)

  scripts/gen-ipdb.py [--from DIR] [--out data/ipdb]

Without --from it runs `npm pack` for both packages in a temporary folder.
Output: ipv4.txt.gz and ipv6.txt.gz in the "sipsnare-ipdb 1" format read by
src/enrich/ipinfo.c (ipdb_add_snapshot), and SOURCE with the versions.

Format: a first line "# sipsnare-ipdb 1 ipv4|ipv6 <note>", then one line per
range start: "<hex distance from the previous start> <cc> <asn>"; an empty
field repeats the previous value, "-" / "0" mean none; a range ends where
the next one starts. Country and ASN ranges are merged on their common
boundaries; adjacent ranges with equal values are joined.

Notes on the data (see the packages' READMEs): the country MMDBs store IPv4
in their own ipv4 file (the combined file holds IPv4 without the ::ffff:0:0/96
alias), so the ipv4 and ipv6 MMDBs are read separately; the ASN CSVs have a
few overlapping ranges: the one that starts last (the most specific) wins.
"""
import argparse, bisect, csv, glob, gzip, ipaddress, json, os, struct, subprocess, sys, tempfile

PKGS = ["@ip-location-db/geo-whois-asn-country-mmdb", "@ip-location-db/asn"]


# --- a minimal MaxMind DB reader (format spec: maxmind.github.io/MaxMind-DB) ---
def _decode(buf, off, base):
    ctrl = buf[off]; off += 1
    t = ctrl >> 5
    if t == 1:  # pointer
        ss, v = (ctrl >> 3) & 3, ctrl & 7
        if ss == 0: p = (v << 8) | buf[off]; off += 1
        elif ss == 1: p = ((v << 16) | (buf[off] << 8) | buf[off + 1]) + 2048; off += 2
        elif ss == 2: p = ((v << 24) | int.from_bytes(buf[off:off + 3], "big")) + 526336; off += 3
        else: p = int.from_bytes(buf[off:off + 4], "big"); off += 4
        return _decode(buf, base + p, base)[0], off
    if t == 0:
        t = 7 + buf[off]; off += 1
    size = ctrl & 0x1F
    if size == 29: size = 29 + buf[off]; off += 1
    elif size == 30: size = 285 + int.from_bytes(buf[off:off + 2], "big"); off += 2
    elif size == 31: size = 65821 + int.from_bytes(buf[off:off + 3], "big"); off += 3
    if t == 2: return buf[off:off + size].decode(), off + size
    if t == 4: return buf[off:off + size], off + size
    if t in (5, 6, 9, 10): return int.from_bytes(buf[off:off + size], "big"), off + size
    if t == 8: return int.from_bytes(buf[off:off + size], "big", signed=True), off + size
    if t == 3: return struct.unpack(">d", buf[off:off + 8])[0], off + 8
    if t == 15: return struct.unpack(">f", buf[off:off + 4])[0], off + 4
    if t == 14: return bool(size), off
    if t == 7:
        d = {}
        for _ in range(size):
            k, off = _decode(buf, off, base); v, off = _decode(buf, off, base); d[k] = v
        return d, off
    if t == 11:
        a = []
        for _ in range(size):
            v, off = _decode(buf, off, base); a.append(v)
        return a, off
    raise ValueError("MMDB data type %d" % t)


def mmdb_walk(path):
    """Yields (first address, last address, record) of every network."""
    buf = open(path, "rb").read()
    i = buf.rfind(b"\xab\xcd\xefMaxMind.com")
    meta = _decode(buf, i + 14, i + 14)[0]
    n, rs = meta["node_count"], meta["record_size"]
    nb = rs * 2 // 8
    dbase = n * nb + 16
    bits = 128 if meta["ip_version"] == 6 else 32

    def rec(node, side):
        o = node * nb
        if rs == 24: return int.from_bytes(buf[o + 3 * side:o + 3 * side + 3], "big")
        if rs == 28:
            mid = buf[o + 3]
            if side == 0: return ((mid >> 4) << 24) | int.from_bytes(buf[o:o + 3], "big")
            return ((mid & 0xF) << 24) | int.from_bytes(buf[o + 4:o + 7], "big")
        return int.from_bytes(buf[o + 4 * side:o + 4 * side + 4], "big")

    cache = {}
    stack = [(0, 0, 0)]
    while stack:
        node, depth, prefix = stack.pop()
        for side in (0, 1):
            r = rec(node, side)
            p = (prefix << 1) | side
            if r < n:
                stack.append((r, depth + 1, p))
            elif r > n:
                off = dbase + (r - n - 16)
                if off not in cache: cache[off] = _decode(buf, off, dbase)[0]
                first = p << (bits - depth - 1)
                yield first, first + (1 << (bits - depth - 1)) - 1, cache[off]


def merge(rows):
    out = []
    for s, e, v in sorted(rows):
        if out and out[-1][2] == v and out[-1][1] + 1 == s: out[-1][1] = e
        else: out.append([s, e, v])
    return out


def country_rows(path):
    rows = []
    for s, e, v in mmdb_walk(path):
        cc = v.get("country_code") if isinstance(v, dict) else None
        if cc and len(cc) == 2: rows.append((s, e, cc.upper()))
    return merge(rows)


def asn_rows(path):
    rows = []
    with open(path, newline="") as f:
        for r in csv.reader(f):
            if len(r) < 3 or not r[2].isdigit(): continue
            rows.append((int(ipaddress.ip_address(r[0])), int(ipaddress.ip_address(r[1])), r[2]))
    return sorted(rows)


class Lookup:
    """Innermost range containing x (the one that starts last)."""
    def __init__(self, rows):
        self.rows = rows
        self.starts = [r[0] for r in rows]
        self.maxend, m = [], -1
        for r in rows:
            m = max(m, r[1]); self.maxend.append(m)

    def __call__(self, x):
        i = bisect.bisect_right(self.starts, x) - 1
        while i >= 0:
            if self.rows[i][1] >= x: return self.rows[i][2]
            if self.maxend[i] < x: break
            i -= 1
        return None


def snapshot(crow, arow, bits, note):
    pts = {0}
    for s, e, _ in crow + arow:
        pts.add(s)
        if e + 1 < (1 << bits): pts.add(e + 1)
    cl, al = Lookup(crow), Lookup(arow)
    lines = ["# sipsnare-ipdb 1 ipv%d %s" % (4 if bits == 32 else 6, note)]
    prev_start, pc, pa, last = 0, None, None, None
    for p in sorted(pts):
        v = (cl(p) or "-", al(p) or "0")
        if v == last: continue
        last = v
        cc, asn = v
        lines.append("%x %s %s" % (p - prev_start, "" if cc == pc else cc, "" if asn == pa else asn))
        prev_start, pc, pa = p, cc, asn
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--from", dest="src", help="folder with the unpacked packages (package*/)")
    ap.add_argument("--out", default="data/ipdb")
    a = ap.parse_args()
    tmp = None
    src = a.src
    if not src:
        tmp = tempfile.TemporaryDirectory()
        src = tmp.name
        for p in PKGS:
            tgz = subprocess.check_output(["npm", "pack", "--silent", p], cwd=src, text=True).split()[-1]
            d = os.path.join(src, p.split("/")[1])
            os.makedirs(d)
            subprocess.check_call(["tar", "xzf", os.path.join(src, tgz), "-C", d])
    def find(name):
        m = glob.glob(os.path.join(src, "**", name), recursive=True)
        if not m: sys.exit("gen-ipdb: %s not found under %s" % (name, src))
        return m[0]
    meta = {}
    for name in ("geo-whois-asn-country-ipv4.mmdb", "asn-ipv4.csv"):
        pj = os.path.join(os.path.dirname(find(name)), "package.json")
        if os.path.exists(pj):
            j = json.load(open(pj)); meta[j["name"]] = j["version"]
    os.makedirs(a.out, exist_ok=True)
    note = " ".join("%s@%s" % kv for kv in sorted(meta.items()))
    for fam, bits in (("ipv4", 32), ("ipv6", 128)):
        c = country_rows(find("geo-whois-asn-country-%s.mmdb" % fam))
        s = asn_rows(find("asn-%s.csv" % fam))
        text = snapshot(c, s, bits, note)
        with gzip.GzipFile(os.path.join(a.out, "%s.txt.gz" % fam), "wb", 9, mtime=0) as f:
            f.write(text.encode())
        print("%s: %d country ranges, %d AS ranges, %d lines" % (fam, len(c), len(s), text.count("\n") - 1))
    with open(os.path.join(a.out, "SOURCE"), "w") as f:
        f.write("Generated by scripts/gen-ipdb.py from the npm packages:\n")
        for k, v in sorted(meta.items()): f.write("  %s %s\n" % (k, v))
        f.write("Licence and attribution: see LICENSE in this folder.\n")


if __name__ == "__main__":
    main()
