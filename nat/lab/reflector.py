#!/usr/bin/env python3
"""UDP reflector for the NAT lab (a tiny independent STUN-alike, used to check the lab's NATs).

Listens on IP:BASE (main), IP:BASE+1 (observe only) and IP:BASE+2 (dial-back "other port").
  OBS id            -> "OBS id ip port": the requester's observed source
  DBP id ip port    -> "DB id" from BASE+2, only if ip:port is the requester's own source
  DBH id ip port    -> asks the helper (another host) to send "DB id", same rule
  ORD id ip port    -> (from the trusted partner only) send "DB id" to ip:port
Exits after --seconds. Never sends anywhere but to a requester's own source or the helper.
"""
import argparse, select, socket, time

ap = argparse.ArgumentParser()
ap.add_argument("--ip", required=True)
ap.add_argument("--base", type=int, default=7000)
ap.add_argument("--helper", default=None)
ap.add_argument("--trust", default=None)
ap.add_argument("--seconds", type=float, default=120)
a = ap.parse_args()

socks = []
for off in range(3):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((a.ip, a.base + off))
    socks.append(s)
print("ready", flush=True)
deadline = time.time() + a.seconds
while time.time() < deadline:
    r, _, _ = select.select(socks, [], [], 0.5)
    for s in r:
        data, src = s.recvfrom(2048)
        f = data.decode("ascii", "replace").split()
        if not f:
            continue
        if f[0] == "OBS" and len(f) == 2:
            s.sendto(("OBS %s %s %d" % (f[1], src[0], src[1])).encode(), src)
        elif f[0] in ("DBP", "DBH") and len(f) == 4:
            if (f[2], int(f[3])) != src:
                continue  # dial-backs only to the requester's own observed address
            if f[0] == "DBP":
                socks[2].sendto(("DB %s" % f[1]).encode(), src)
            elif a.helper:
                socks[0].sendto(("ORD %s %s %d" % (f[1], src[0], src[1])).encode(), (a.helper, a.base))
        elif f[0] == "ORD" and len(f) == 4 and a.trust and src[0] == a.trust:
            socks[0].sendto(("DB %s" % f[1]).encode(), (f[2], int(f[3])))
