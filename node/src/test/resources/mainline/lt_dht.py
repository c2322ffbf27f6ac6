#!/usr/bin/python3
"""A small mainline DHT of libtorrent sessions for the tests (run it inside a test namespace).

usage: lt_dht.py N   -- N sessions on 127.0.1.1..N port 6881, meshed with add_dht_node.
Prints "READY 127.0.1.1:6881,..." once every table is full, then reads commands on stdin:
  get PUBKEY_HEX SALT   -> "ITEM <seq> <value hex> <signature hex>" or "NOITEM" (BEP 44 get, authoritative)
  peers INFOHASH_HEX    -> "PEERS ip:port,..." (get_peers replies within 3 s)
  quit
Nothing here contacts any other address: no bootstrap nodes, no UPnP, NAT-PMP, LSD.
"""
import sys
import time
import warnings

import libtorrent as lt

warnings.simplefilter("ignore", DeprecationWarning)  # status().dht_nodes: deprecated, works

n = int(sys.argv[1])
mask = (lt.alert.category_t.dht_notification | lt.alert.category_t.dht_operation_notification
        | lt.alert.category_t.error_notification)
sessions = []
for i in range(1, n + 1):
    sessions.append(lt.session({
        'listen_interfaces': '127.0.1.%d:6881' % i,
        'enable_dht': True, 'enable_upnp': False, 'enable_natpmp': False, 'enable_lsd': False,
        'enable_ip_notifier': False, 'dht_bootstrap_nodes': '',
        'dht_restrict_routing_ips': False, 'dht_restrict_search_ips': False,
        # Both daemons share 127.0.0.1 and every lookup reaches every node of a small lab.
        'dht_block_ratelimit': 1000, 'dht_upload_rate_limit': 1000000,
        'alert_mask': mask,
    }))
for i, s in enumerate(sessions):
    for j in range(1, n + 1):
        if j != i + 1:
            s.add_dht_node(('127.0.1.%d' % j, 6881))
deadline = time.time() + 30
while time.time() < deadline and min(s.status().dht_nodes for s in sessions) < n - 1:
    time.sleep(0.1)
print("READY " + ",".join("127.0.1.%d:6881" % i for i in range(1, n + 1)), flush=True)


def drain(s):
    return s.pop_alerts()


asker = sessions[-1]
for line in sys.stdin:
    parts = line.split()
    if not parts:
        continue
    if parts[0] == 'quit':
        break
    drain(asker)
    if parts[0] == 'get':
        pk = bytes.fromhex(parts[1])
        salt = parts[2].encode()
        asker.dht_get_mutable_item(pk, salt)
        out = "NOITEM"
        end = time.time() + 20
        done = False
        while time.time() < end and not done:
            asker.wait_for_alert(500)
            for a in drain(asker):
                if isinstance(a, lt.dht_mutable_item_alert) and a.authoritative:
                    done = True
                    if a.seq > 0:
                        v = a.item['value']  # v is a bencoded string: its content
                        out = "ITEM %d %s %s" % (a.seq, lt.bencode(v).hex(), bytes(a.signature).hex())
        print(out, flush=True)
    elif parts[0] == 'peers':
        ih = lt.sha1_hash(bytes.fromhex(parts[1]))
        asker.dht_get_peers(ih)
        found = set()
        end = time.time() + 3
        while time.time() < end:
            asker.wait_for_alert(200)
            for a in drain(asker):
                if isinstance(a, lt.dht_get_peers_reply_alert):
                    for ip, port in a.peers():
                        found.add("%s:%d" % (ip, port))
        print("PEERS " + ",".join(sorted(found)), flush=True)
    else:
        print("ERROR unknown command", flush=True)
