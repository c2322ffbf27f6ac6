"""An outsider probing a private-only node (PrivateNetworkProcessTest).

Usage: outsider.py PORT PUBLIC_PING_HEX SECONDS
Sniffs the loopback interface for SECONDS, keeping the sealed datagrams (first byte 0x10) sent to
udp PORT; then, from its own UDP socket, sends to PORT: the public-network DHT ping given in hex,
each captured sealed datagram again (replays), and garbage (random bytes, some starting with 0x10
like a sealed datagram, some with the first bytes of the other protocols 0x0D, 0x0E, 0x0F);
then listens 3 s more. Prints one JSON object: how many of each it sent and how many bytes came
back. Runs as root inside the test's loopback-only namespace.
"""
import json
import os
import socket
import sys
import time

port = int(sys.argv[1])
ping = bytes.fromhex(sys.argv[2])
seconds = float(sys.argv[3])

sniff = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
sniff.bind(("lo", 0))
sniff.settimeout(0.2)
captured = []
end = time.time() + seconds
while time.time() < end and len(captured) < 200:
    try:
        frame, addr = sniff.recvfrom(65535)
    except socket.timeout:
        continue
    if addr[2] == socket.PACKET_OUTGOING:
        continue  # lo shows each frame twice; keep the incoming copy
    ip = frame[14:]
    if len(ip) < 28 or ip[0] >> 4 != 4 or ip[9] != 17:
        continue
    ihl = (ip[0] & 0x0F) * 4
    udp = ip[ihl:]
    dport = int.from_bytes(udp[2:4], "big")
    payload = udp[8:]
    if dport == port and payload[:1] == b"\x10":
        captured.append(payload)
sniff.close()

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
s.settimeout(0.2)
target = ("127.0.0.1", port)
sent = {"public": 0, "replays": 0, "garbage": 0}
for _ in range(3):
    s.sendto(ping, target)
    sent["public"] += 1
for d in captured:
    s.sendto(d, target)
    sent["replays"] += 1
for i in range(60):
    g = bytearray(os.urandom(48 + i * 17))  # 0x10 ones are all longer than a seal's overhead
    g[0] = [0x10, 0x0D, 0x0E, 0x0F, 0x10, 0x00][i % 6]
    s.sendto(bytes(g), target)
    sent["garbage"] += 1
received = 0
end = time.time() + 3
while time.time() < end:
    try:
        data, _ = s.recvfrom(65535)
        received += len(data)
    except socket.timeout:
        pass
print(json.dumps({"captured": len(captured), "sent": sent, "bytes_back": received}))
