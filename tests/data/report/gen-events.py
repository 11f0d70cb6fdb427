#!/usr/bin/env python3
"""Writes events.jsonl: a fixed, hand-designed event set for the report,
blocklist and graph tests (docs/EVENTS.md format, two sensors, three days).

Every attack step of the study appears: svmap scans, svwar enumeration,
svcrack brute force, toll-fraud INVITEs dialed with many prefixes, a rogue
server calling many countries, random and missing user agents, an SDK over
IPv6, malformed datagrams, rate-limit notices and responses. Source
addresses are arbitrary public addresses chosen only so that the country
snapshot (data/ipdb) gives them different countries; nothing is claimed
about them. Deterministic: run it again and the file is the same.

    python3 tests/data/report/gen-events.py > tests/data/report/events.jsonl
"""
import json
import random
import sys

rnd = random.Random(20261125)
T0 = 1767225600000  # 2026-01-01T00:00:00Z
seq = {"hp-br-01": 0, "hp-br-02": 0}
RUN = {"hp-br-01": "a1b2c3d4e5f60718", "hp-br-02": "0f1e2d3c4b5a6978"}
DST = {"hp-br-01": "198.51.100.10", "hp-br-02": "198.51.100.20"}
out = []


def ts(ms):
    s, ms = divmod(ms, 1000)
    import time
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(s)) + ".%03dZ" % ms


def ev(sensor, t, src, **kw):
    e = {"v": 1, "eventid": kw.pop("eventid", "sip.request"), "timestamp": ts(t),
         "sensor": sensor, "run": RUN[sensor], "seq": 0, "transport": "udp",
         "src_ip": src, "src_port": 5060 + rnd.randrange(7), "dst_ip": DST[sensor], "dst_port": 5060}
    e.update(kw)
    out.append((t, sensor, e))


def request(sensor, t, src, method, user, ua, **kw):
    kw.setdefault("ruri", "sip:%s@%s" % (user, DST[sensor]))
    kw.setdefault("from_user", user)
    kw.setdefault("to_user", user)
    kw.setdefault("call_id", "%08x" % rnd.getrandbits(32))
    kw.setdefault("cseq", 1)
    if ua is not None:
        kw["user_agent"] = ua
    ev(sensor, t, src, method=method, ruri_user=user, **kw)


# 1. svmap scans: OPTIONS sip:100@ from several sources (scanning).
for i, src in enumerate(["185.107.80.11", "5.135.10.20", "41.77.20.30", "103.21.244.5"]):
    t = T0 + 3600_000 * (i + 1)
    request("hp-br-01", t, src, "OPTIONS", "100", "friendly-scanner", from_user="sipvicious",
            to_user="sipvicious", response=200, answered=True, auth_outcome="none",
            from_tag="%x" % rnd.getrandbits(40))

# 2. svwar enumeration: REGISTER 100..130 (enumeration), then svcrack on 101 (brute force).
src = "185.107.80.11"
t = T0 + 6 * 3600_000
for ext in range(100, 131):
    known = ext in (100, 101, 102)
    request("hp-br-01", t, src, "REGISTER", str(ext), "friendly-scanner", response=401 if known else 404,
            answered=True, auth_outcome="none", extension_known=known)
    t += 150
for i in range(12):
    ok = i == 11
    request("hp-br-01", t, src, "REGISTER", "101", "friendly-scanner", response=200 if ok else 401,
            answered=True, auth_outcome="ok" if ok else "wrong_password", extension_known=True,
            auth={"header": "authorization", "scheme": "Digest", "user": "101", "realm": "asterisk",
                  "algorithm": "MD5"})
    t += 200

# 3. Toll fraud after the crack: one Israeli number dialed a dozen ways (the
#    study's Figure 2), two Palestinian numbers, no User-Agent.
fraud = "5.135.10.20"
t = T0 + 86400_000 + 3600_000
for dial in ["00972595551234", "972595551234", "900972595551234", "011972595551234",
             "0021972595551234", "+972595551234", "9011972595551234", "9000972595551234",
             "00970599123456", "970599123456", "0015970599123456"]:
    request("hp-br-02", t, fraud, "INVITE", dial, None, response=401, answered=True,
            auth_outcome="none", dial_external=True)
    t += 2000
for n in range(3):
    request("hp-br-02", t, fraud, "INVITE", "0097226%06d" % (123450 + n), None, response=401,
            answered=True, auth_outcome="none", dial_external=True)
    t += 2000

# 4. A rogue server: many countries, a fixed server agent, some numbers twice.
rogue = "77.247.109.40"
numbers = ["4930123456", "442071234567", "33142685300", "34912345678", "390612345678",
           "48221234567", "79161234567", "861012345678", "81312345678", "912212345678",
           "27211234567", "2348012345678", "5511912345678", "525512345678", "14165550123",
           "18765551234", "882161234567", "870773111632", "35312345678", "4721234567"]
t = T0 + 86400_000 + 7200_000
for k, num in enumerate(numbers):
    for prefix in (["00"] if k % 3 else ["00", "011"]):
        request("hp-br-01", t, rogue, "INVITE", prefix + num, "Asterisk PBX 1.6.2.24", response=401,
                answered=True, auth_outcome="none", dial_external=True)
        t += 3000

# 5. Random user agents, one fresh 20-character string per INVITE (IDS evasion).
alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
t = T0 + 2 * 86400_000 + 3600_000
for k in range(6):
    ua = "".join(rnd.choice(alnum) for _ in range(20))
    request("hp-br-02", t, "190.210.40.7", "INVITE", "0044203%07d" % (1000000 + k), ua, response=401,
            answered=True, auth_outcome="none", dial_external=True)
    t += 60_000

# 6. An SDK over IPv6 registering and calling a premium-rate number.
v6 = "2001:41d0:a:1234::5"
t = T0 + 2 * 86400_000 + 7200_000
request("hp-br-01", t, v6, "REGISTER", "200", "VaxSIPUserAgent/3.5", response=404, answered=True,
        auth_outcome="none", extension_known=False)
request("hp-br-01", t + 1000, v6, "INVITE", "00881631234567", "VaxSIPUserAgent/3.5", response=401,
        answered=True, auth_outcome="none", dial_external=True)

# 7. Softphone INVITEs to an internal extension (not a public number).
request("hp-br-02", t + 5000, "200.160.2.3", "INVITE", "100", "Zoiper rev.11137", response=401,
        answered=True, auth_outcome="none", dial_external=False, extension_known=True)

# 8. Noise: malformed datagrams, rate-limit notices, a response.
ev("hp-br-01", T0 + 2 * 86400_000 + 9000_000, "45.95.147.9", eventid="sip.malformed", len=42,
   reason="no request line")
ev("hp-br-01", T0 + 2 * 86400_000 + 9001_000, "185.107.80.11", eventid="sip.ratelimited", suppressed=120)
ev("hp-br-02", T0 + 2 * 86400_000 + 9002_000, "41.77.20.30", eventid="sip.response", status=200,
   reason="OK", server="FPBX-13.0.190.11(13.22.0)")

out.sort(key=lambda x: (x[0], x[1]))   # stable: generation order breaks ties
for _, sensor, e in out:
    seq[sensor] += 1
    e["seq"] = seq[sensor]
    sys.stdout.write(json.dumps(e, separators=(",", ":")) + "\n")
