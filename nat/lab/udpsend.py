#!/usr/bin/env python3
"""Send HELLO to IP PORT (up to 5 tries, 1 s apart) and print the reply: REPLY <text> or NOREPLY."""
import socket, sys

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(1.0)
for _ in range(5):
    s.sendto(b"HELLO", (sys.argv[1], int(sys.argv[2])))
    try:
        data, src = s.recvfrom(100)
        print("REPLY %s from %s:%d" % (data.decode(), src[0], src[1]), flush=True)
        break
    except socket.timeout:
        pass
else:
    print("NOREPLY", flush=True)
