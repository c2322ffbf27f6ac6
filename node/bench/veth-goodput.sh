#!/usr/bin/env bash
# One Wormholes stream against plain TCP over a veth pair with MTU 1500 (node/README.md, "Stream
# goodput over a veth pair"). Not part of the test suite; needs root and iproute2.
#
#   node/bench/veth-goodput.sh [MIB] [ROUNDS]          (defaults: 64 MiB, 3 rounds; at most 1024 x 20)
#
# Creates the namespaces whbench-a and whbench-b (refuses to run if either exists), joined by one
# veth pair (MTU 1500, 192.0.2.1/24 in a, 192.0.2.2/24 in b, nothing else: no route out), and
# starts one bin/wormholed in each, bound to its veth address (so streams use the 1350-byte
# codecs, as on any real path; the loopback codecs apply only to sockets bound to loopback). A
# Python server in b sends MIB MiB on every connection; b exposes it as service "gen". Each round
# downloads it in a, first over plain TCP across the pair, then through the SOCKS proxy of a's
# daemon (one stream to gen.B_ID.wh), and prints MB/s (10^6 bytes/s, first byte to EOF), the
# ratio stream / TCP, each daemon's CPU (user + system, /proc/PID/stat) per MiB, and packets per
# MiB received on a's veth. Unmeasured warm-up downloads come first (JIT, connection).
# Everything it made is removed at exit, also on failure or Ctrl-C.
#
# Environment: WORMHOLES_JAVA_OPTS (the daemons' JVM options), WARMUP_MIB (stream MiB downloaded
# before the rounds, default 512), KEEP=1 (keep the temp dir's logs).
set -euo pipefail

MIB=${1:-64}
ROUNDS=${2:-3}
WARMUP_MIB=${WARMUP_MIB:-512}
[[ $MIB =~ ^[0-9]+$ && $MIB -ge 1 && $MIB -le 1024 ]] || { echo "MIB is 1..1024" >&2; exit 2; }
[[ $ROUNDS =~ ^[0-9]+$ && $ROUNDS -ge 1 && $ROUNDS -le 20 ]] || { echo "ROUNDS is 1..20" >&2; exit 2; }
BYTES=$((MIB << 20))
NA=whbench-a NB=whbench-b
IPA=192.0.2.1 IPB=192.0.2.2 UDP=7447 GEN=8790
root="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd)"
exists() { ip netns list | awk '{ print $1 }' | grep -qx "$1"; }

for ns in $NA $NB; do
  if exists "$ns"; then echo "namespace $ns exists: another run? (ip netns del $ns)" >&2; exit 1; fi
done
work="$(mktemp -d /tmp/whbench.XXXXXX)"
made=()  # the namespaces this run created: the only ones cleanup touches

cleanup() {
  set +e
  for ns in "${made[@]}"; do
    if exists "$ns"; then
      # Only what this run started lives in its namespaces.
      pids=$(ip netns pids "$ns")
      [ -n "$pids" ] && kill $pids 2>/dev/null
      sleep 1
      pids=$(ip netns pids "$ns")
      [ -n "$pids" ] && kill -9 $pids 2>/dev/null
      ip netns del "$ns"
    fi
  done
  if [ "${KEEP:-0}" = 1 ]; then echo "logs kept in $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the pair ---
for ns in $NA $NB; do
  ip netns add "$ns"
  made+=("$ns")
  ip -n "$ns" link set lo up
done
ip link add name wb0 netns $NA mtu 1500 type veth peer name wb0 netns $NB mtu 1500
ip -n $NA addr add $IPA/24 dev wb0
ip -n $NB addr add $IPB/24 dev wb0
ip -n $NA link set wb0 up
ip -n $NB link set wb0 up

# --- the byte source and the reader ---
cat >"$work/bench.py" <<'PY'
import socket, sys, time

def serve(port, total):
    data = memoryview(bytes(range(256)) * 4096)  # 1 MiB
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(('0.0.0.0', port))
    s.listen(8)
    print('ready', flush=True)
    while True:
        conn, _ = s.accept()
        try:
            left = total
            while left:
                n = min(left, len(data))
                conn.sendall(data[:n])
                left -= n
            conn.shutdown(socket.SHUT_WR)
            while conn.recv(65536):
                pass
        except OSError:
            pass
        conn.close()

def socks_connect(s, auth, name):
    user, pw = open(auth).read().strip().split(':', 1)
    s.sendall(b'\x05\x01\x02')
    assert s.recv(2) == b'\x05\x02', 'proxy wants no username/password'
    s.sendall(bytes([1, len(user)]) + user.encode() + bytes([len(pw)]) + pw.encode())
    assert s.recv(2) == b'\x01\x00', 'proxy refused the credentials'
    s.sendall(b'\x05\x01\x00\x03' + bytes([len(name)]) + name.encode() + (80).to_bytes(2, 'big'))
    head = s.recv(4)
    assert head[:2] == b'\x05\x00', 'proxy refused CONNECT: %r' % head
    rest = {1: 4, 4: 16}.get(head[3])
    if rest is None:
        rest = s.recv(1)[0]
    s.recv(rest + 2)

def get(host, port, total, socks=None):
    s = socket.create_connection((host, port))
    if socks:
        socks_connect(s, *socks)
    s.shutdown(socket.SHUT_WR)
    buf = bytearray(1 << 20)
    n, first = 0, None
    while True:
        k = s.recv_into(buf)
        if not k:
            break
        if first is None:
            first = time.perf_counter()
        n += k
    end = time.perf_counter()
    s.close()
    if n != total:
        sys.exit('got %d bytes, expected %d' % (n, total))
    print('%.1f' % (n / (end - first) / 1e6))

mode = sys.argv[1]
if mode == 'serve':
    serve(int(sys.argv[2]), int(sys.argv[3]))
elif mode == 'tcp':
    get(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
else:  # socks PORT_FILE AUTH_FILE NAME TOTAL
    get('127.0.0.1', int(open(sys.argv[2]).read().strip().rsplit(':', 1)[1]), int(sys.argv[5]), (sys.argv[3], sys.argv[4]))
PY
ip netns exec $NB python3 "$work/bench.py" serve $GEN $BYTES >"$work/gen.log" 2>&1 &

# --- the daemons ---
start() { # ns name ip [bootstrap]
  local extra=()
  [ -n "${4:-}" ] && extra=(--bootstrap "$4")
  ip netns exec "$1" "$root/bin/wormholed" --data "$work/$2" --listen "$3:$UDP" --no-mainline \
    --no-port-mapping --no-lan-discovery --no-relay "${extra[@]}" </dev/null >"$work/$2.log" 2>&1 &
  echo $!  # ip netns exec and bin/wormholed exec: this is the JVM's pid
}
ready() { # name
  for _ in $(seq 600); do
    grep -q '^wormholed .* listening on udp ' "$work/$1.log" 2>/dev/null && return 0
    sleep 0.1
  done
  echo "wormholed $1 not ready in 60 s; its log:" >&2; cat "$work/$1.log" >&2; exit 1
}
cli() { # ns name args...
  local ns=$1 name=$2; shift 2
  timeout 60 ip netns exec "$ns" "$root/bin/wormholes" --data "$work/$name" "$@"
}
PA=$(start $NA a $IPA); ready a
PB=$(start $NB b $IPB $IPA:$UDP); ready b
BID=$(cli $NB b id | tr -d '[:space:]')
cli $NB b expose gen 127.0.0.1:$GEN --public >/dev/null
for i in $(seq 30); do
  cli $NA a lookup "$BID" >/dev/null 2>&1 && break
  [ "$i" = 30 ] && { echo "a cannot find b's presence record" >&2; exit 1; }
  sleep 1
done
for _ in $(seq 100); do grep -q ready "$work/gen.log" && break; sleep 0.1; done

# --- the rounds ---
tck=$(getconf CLK_TCK)
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime, clock ticks
rx() { ip netns exec $NA cat /sys/class/net/wb0/statistics/rx_packets; }
drops() { # UDP datagrams dropped for a full receive buffer, a + b (/proc/net/snmp is per namespace)
  local n=0 ns
  for ns in $NA $NB; do
    n=$((n + $(ip netns exec "$ns" awk '/^Udp:/ { if (!h) { for (i = 1; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }' /proc/net/snmp)))
  done
  echo $n
}
tcp() { timeout 300 ip netns exec $NA python3 "$work/bench.py" tcp $IPB $GEN $BYTES; }
quic() { timeout 300 ip netns exec $NA python3 "$work/bench.py" socks "$work/a/socks.port" "$work/a/socks.auth" "gen.$BID.wh" $BYTES; }
threads() { # pid: "tid name ticks" per thread
  local t
  for t in /proc/$1/task/*; do
    printf '%s %s %s\n' "${t##*/}" "$(tr ' ' _ <"$t/comm")" "$(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')"
  done 2>/dev/null
}
top_threads() { # before-file after-file: the busiest threads during the last download, ms per MiB
  join <(sort "$1") <(sort "$2") | awk -v m="$MIB" -v t="$tck" '{ d = ($5 - $3) * 1000 / t / m; if (d > 0) printf "%.2f %s\n", d, $2 }' \
    | sort -rn | head -n 6 | awk '{ printf "%s %s; ", $2, $1 }'
}
per_mib() { awk -v d="$1" -v m="$MIB" -v s="$2" 'BEGIN { printf "%.2f", d * s / m }'; }

# Warm-up, not measured: the JIT compiles the stream path for the first few hundred MiB (C2's
# threads otherwise take more CPU than the event loop in the first rounds).
tcp >/dev/null
for _ in $(seq $(( (WARMUP_MIB + MIB - 1) / MIB ))); do quic >/dev/null; done
echo "veth pair MTU 1500, $MIB MiB per download, $ROUNDS rounds; $(uptime | sed 's/.*load/load/')"
printf '%-6s %10s %10s %7s %18s %24s %10s\n' round 'TCP MB/s' 'QUIC MB/s' ratio 'CPU ms/MiB a / b' 'rx packets/MiB TCP / QUIC' 'UDP drops'
ratios=()
for r in $(seq "$ROUNDS"); do
  p0=$(rx); t=$(tcp); p1=$(rx)
  a0=$(cpu "$PA"); b0=$(cpu "$PB"); d0=$(drops); threads "$PA" >"$work/ta0"; threads "$PB" >"$work/tb0"
  q=$(quic); p2=$(rx); d1=$(drops)
  a1=$(cpu "$PA"); b1=$(cpu "$PB"); threads "$PA" >"$work/ta1"; threads "$PB" >"$work/tb1"
  ratio=$(awk -v q="$q" -v t="$t" 'BEGIN { printf "%.3f", q / t }')
  ratios+=("$ratio")
  printf '%-6s %10s %10s %7s %18s %24s %10s\n' "$r" "$t" "$q" "$ratio" \
    "$(per_mib $((a1 - a0)) $((1000 / tck))) / $(per_mib $((b1 - b0)) $((1000 / tck)))" \
    "$(per_mib $((p1 - p0)) 1) / $(per_mib $((p2 - p1)) 1)" $((d1 - d0))
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')
echo "busiest threads in the last stream download, CPU ms per MiB:"
echo "  a (SOCKS side): $(top_threads "$work/ta0" "$work/ta1")"
echo "  b (service side): $(top_threads "$work/tb0" "$work/tb1")"
echo "median ratio QUIC / TCP: $median; $(uptime | sed 's/.*load/load/')"
