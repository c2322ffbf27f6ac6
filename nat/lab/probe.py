#!/usr/bin/env python3
"""NAT behaviour probe for the NAT lab, run on a LAN host: prints one JSON object.

mapping: observed source seen by R1:BASE, R2:BASE and R1:BASE+1 from one local socket;
filtering: did a dial-back from another host (R2) / another port of R1 reach that socket?
hairpin: does a datagram from a second local socket to our own observed endpoint arrive?
"""
import argparse, json, socket, time

ap = argparse.ArgumentParser()
ap.add_argument("--r1", default="203.0.113.10")
ap.add_argument("--r2", default="203.0.113.11")
ap.add_argument("--base", type=int, default=7000)
ap.add_argument("--port", type=int, default=5000)
a = ap.parse_args()

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("0.0.0.0", a.port))
s.settimeout(0.3)

def ask(dst, tag):
    for _ in range(4):
        s.sendto(("OBS %s" % tag).encode(), dst)
        end = time.time() + 0.3
        while time.time() < end:
            try:
                data, _ = s.recvfrom(2048)
            except socket.timeout:
                break
            f = data.decode().split()
            if f[:2] == ["OBS", tag]:
                return [f[2], int(f[3])]
    return None

def wait_for(tags, seconds):
    got = set()
    end = time.time() + seconds
    while time.time() < end and got != set(tags):
        try:
            data, _ = s.recvfrom(2048)
        except socket.timeout:
            continue
        f = data.decode().split()
        if len(f) == 2 and f[0] == "DB" and f[1] in tags:
            got.add(f[1])
    return got

out = {"local_port": a.port}
o1 = ask((a.r1, a.base), "o1")
out["obs_r1"] = o1
if o1:
    # Filtering first: nothing but R1:BASE has been contacted yet.
    s.sendto(("DBH h %s %d" % (o1[0], o1[1])).encode(), (a.r1, a.base))
    s.sendto(("DBP p %s %d" % (o1[0], o1[1])).encode(), (a.r1, a.base))
    got = wait_for(["h", "p"], 1.0)
    out["dialback_other_host"] = "h" in got
    out["dialback_other_port"] = "p" in got
    # A dial-back request naming another address must be refused by the reflector.
    s.sendto(("DBP x %s %d" % (o1[0], o1[1] + 1)).encode(), (a.r1, a.base))
    out["third_party_dialback_arrived"] = "x" in wait_for(["x"], 0.3)
out["obs_r2"] = ask((a.r2, a.base), "o2")
out["obs_r1_other_port"] = ask((a.r1, a.base + 1), "o3")
if o1:
    h = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    h.bind(("0.0.0.0", 0))
    for _ in range(3):
        h.sendto(b"DB hp", (o1[0], o1[1]))
    out["hairpin"] = "hp" in wait_for(["hp"], 0.5)
print(json.dumps(out), flush=True)
