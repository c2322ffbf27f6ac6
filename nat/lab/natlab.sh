#!/usr/bin/env bash
# NAT lab: real Linux NATs in network namespaces (see ../README.md and /work/shared/NATLAB-FACTS.md).
#
#   natlab.sh up PREFIX SITE=TYPE...   build the lab; print one "key=value ..." line per node
#   natlab.sh down PREFIX              kill what runs in PREFIX-* namespaces and delete them
#
# TYPE: public | full | addr | port | sym | cgnat | upnp, optionally "+2" for a second LAN host.
# Addresses (TEST-NET only): internet router 203.0.113.1 + 198.51.100.1 on one bridge;
# rendezvous peers rv1 203.0.113.10, rv2 203.0.113.11; STUN (coturn) 203.0.113.20 + .21;
# site i: router WAN 198.51.100.(10+i), LAN 10.i.0.0/24 (router .1, hosts .2 .3);
# public site i: host 198.51.100.(100+i); cgnat site i: carrier WAN 198.51.100.(10+i),
# carrier inside 100.64.i.0/24 (home router WAN 100.64.i.2).
set -euo pipefail

die() { echo "natlab: $*" >&2; exit 1; }
q() { "$@" >/dev/null; }

new_ns() { # name [router]
  ip netns add "$1"
  ip -n "$1" link set lo up
  ip netns exec "$1" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
    net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  if [ "${2:-}" = router ]; then
    ip netns exec "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.send_redirects=0 \
      net.ipv4.conf.default.send_redirects=0
  fi
}

veth() { # nsA ifA nsB ifB
  ip link add name "$2" netns "$1" type veth peer name "$4" netns "$3"
  ip -n "$1" link set "$2" up
  ip -n "$3" link set "$4" up
}

to_inet() { # ns ifname cidr gateway
  local peer="v$((++VETHS))"
  veth "$1" "$2" "$INET" "$peer"
  ip -n "$INET" link set "$peer" master inet0
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$1" route add default via "$4"
}

nat_rules() { # ns type wan_ip lan_cidr
  local ns=$1 type=$2 wan=$3 extra_in="" masq="masquerade" learn="" pre=""
  case "$type" in
    sym) masq="masquerade random,fully-random" ;;
    full|addr)
      learn="map fc { type inet_service : ipv4_addr . inet_service; flags dynamic,timeout; timeout 300s; }
  set ar { type inet_service . ipv4_addr; flags dynamic,timeout; timeout 300s; }
  chain learn { type filter hook postrouting priority srcnat + 1;
    oifname \"wan\" ct status snat meta l4proto udp update @fc { udp sport : ct original ip saddr . ct original proto-src }
    oifname \"wan\" ct status snat meta l4proto udp update @ar { udp sport . ip daddr }
  }"
      if [ "$type" = full ]; then
        pre='iifname "wan" meta l4proto udp dnat ip to udp dport map @fc'
      else
        pre='iifname "wan" meta l4proto udp udp dport . ip saddr @ar dnat ip to udp dport map @fc'
      fi ;;
    upnp) extra_in='iifname "wan" ip saddr { 203.0.113.20, 203.0.113.21 } udp sport { 3478, 3479 } accept' ;;
  esac
  ip netns exec "$ns" nft -f - <<NFT
table ip natlab {
  $learn
  chain input { type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    iifname "lan" accept
    $extra_in
  }
  chain forward { type filter hook forward priority 0; policy drop;
    ct state established,related accept
    iifname "lan" accept
    ct status dnat accept
  }
  chain pre { type nat hook prerouting priority dstnat;
    $pre
  }
  chain post { type nat hook postrouting priority srcnat;
    oifname "wan" $masq
  }
}
NFT
}

lan() { # router_ns site_index site_name hosts
  local r=$1 i=$2 name=$3 hosts=$4
  ip -n "$r" link add name lan type bridge
  ip -n "$r" link set lan up
  ip -n "$r" addr add "10.$i.0.1/24" dev lan
  for h in $(seq 1 "$hosts"); do
    local hn="$PREFIX-$name-h$h"
    new_ns "$hn"
    veth "$hn" eth0 "$r" "p$h"
    ip -n "$r" link set "p$h" master lan
    ip -n "$hn" addr add "10.$i.0.$((h + 1))/24" dev eth0
    ip -n "$hn" route add default via "10.$i.0.1"
    echo "node=$name-h$h ns=$hn ip=10.$i.0.$((h + 1)) gw=10.$i.0.1 site=$name type=$TYPE"
  done
}

start_coturn() {
  local ns="$PREFIX-stun"
  new_ns "$ns"
  to_inet "$ns" eth0 203.0.113.20/24 203.0.113.1
  ip -n "$ns" addr add 203.0.113.21/24 dev eth0
  ip netns exec "$ns" turnserver -n --stun-only --no-cli --no-tls --no-dtls \
    --listening-ip=203.0.113.20 --listening-ip=203.0.113.21 --listening-port=3478 \
    --alt-listening-port=3479 --log-file=stdout --simple-log --no-stdout-log \
    --pidfile="$STATE/turnserver.pid" >"$STATE/coturn.log" 2>&1 &
  for _ in $(seq 1 50); do # miniupnpd gives up for good if its first STUN check finds nobody
    [ "$(ip netns exec "$ns" ss -Hlun | grep -c ':347[89]')" -ge 4 ] && return 0
    sleep 0.05
  done
  die "coturn did not start (see $STATE/coturn.log)"
}

start_miniupnpd() { # router_ns site_index
  local r=$1 i=$2 conf="$STATE/miniupnpd-$2.conf"
  ip netns exec "$r" nft -f - <<'NFT'
table inet upnplab {
  chain forward { type filter hook forward priority -1; policy accept;
    jump miniupnpd
  }
  chain miniupnpd {
  }
  chain prerouting { type nat hook prerouting priority dstnat - 1; policy accept;
    jump prerouting_miniupnpd
  }
  chain prerouting_miniupnpd {
  }
  chain postrouting { type nat hook postrouting priority srcnat - 1; policy accept;
    jump postrouting_miniupnpd
  }
  chain postrouting_miniupnpd {
  }
}
NFT
  cat >"$conf" <<CONF
ext_ifname=wan
listening_ip=lan
port=5000
enable_natpmp=yes
enable_upnp=yes
secure_mode=yes
ipv6_disable=yes
system_uptime=yes
ext_perform_stun=yes
ext_stun_host=203.0.113.20
ext_stun_port=3478
upnp_table_name=upnplab
upnp_nat_table_name=upnplab
upnp_forward_chain=miniupnpd
upnp_nat_chain=prerouting_miniupnpd
upnp_nat_postrouting_chain=postrouting_miniupnpd
uuid=00000000-0000-4000-8000-00000000000$i
allow 1024-65535 10.$i.0.0/24 1024-65535
deny 0-65535 0.0.0.0/0 0-65535
CONF
  ip netns exec "$r" miniupnpd -d -f "$conf" -P "$STATE/miniupnpd-$i.pid" >"$STATE/miniupnpd-$i.log" 2>&1 &
}

up() {
  PREFIX=$1; shift
  [ "$(id -u)" = 0 ] || die "needs root"
  STATE="/tmp/natlab-$PREFIX"
  mkdir -p "$STATE"
  INET="$PREFIX-inet"
  VETHS=0
  new_ns "$INET" router
  ip -n "$INET" link add name inet0 type bridge
  ip -n "$INET" link set inet0 up
  ip -n "$INET" addr add 203.0.113.1/24 dev inet0
  ip -n "$INET" addr add 198.51.100.1/24 dev inet0
  for k in 1 2; do
    new_ns "$PREFIX-rv$k"
    to_inet "$PREFIX-rv$k" eth0 "203.0.113.1$((k - 1))/24" 203.0.113.1
    echo "node=rv$k ns=$PREFIX-rv$k ip=203.0.113.1$((k - 1)) site=rv$k type=public"
  done
  case " $* " in *=upnp*) start_coturn ;; esac
  local i=0
  for spec in "$@"; do
    i=$((i + 1))
    local name=${spec%%=*} type=${spec#*=} hosts=1
    case "$type" in *+2) hosts=2; type=${type%+2} ;; esac
    TYPE=$type
    case "$type" in
      public)
        local hn="$PREFIX-$name-h1"
        new_ns "$hn"
        to_inet "$hn" eth0 "198.51.100.$((100 + i))/24" 198.51.100.1
        echo "node=$name-h1 ns=$hn ip=198.51.100.$((100 + i)) site=$name type=public" ;;
      full|addr|port|sym|upnp)
        local r="$PREFIX-$name-gw"
        new_ns "$r" router
        to_inet "$r" wan "198.51.100.$((10 + i))/24" 198.51.100.1
        nat_rules "$r" "$type" "198.51.100.$((10 + i))"
        lan "$r" "$i" "$name" "$hosts"
        if [ "$type" = upnp ]; then start_miniupnpd "$r" "$i"; fi ;;
      cgnat)
        local c="$PREFIX-$name-cg" r="$PREFIX-$name-gw"
        new_ns "$c" router
        new_ns "$r" router
        to_inet "$c" wan "198.51.100.$((10 + i))/24" 198.51.100.1
        ip -n "$c" link add name lan type bridge
        ip -n "$c" link set lan up
        ip -n "$c" addr add "100.64.$i.1/24" dev lan
        veth "$r" wan "$c" p1
        ip -n "$c" link set p1 master lan
        ip -n "$r" addr add "100.64.$i.2/24" dev wan
        ip -n "$r" route add default via "100.64.$i.1"
        nat_rules "$c" port "198.51.100.$((10 + i))"
        nat_rules "$r" port "100.64.$i.2"
        lan "$r" "$i" "$name" "$hosts" ;;
      *) die "unknown type $type" ;;
    esac
  done
}

down() {
  PREFIX=$1
  [ -n "$PREFIX" ] || die "no prefix"
  local nss
  nss=$(ip netns list | awk '{print $1}' | grep -E "^$PREFIX-" || true)
  for ns in $nss; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.1
  for ns in $nss; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
  rm -rf "/tmp/natlab-$PREFIX"
}

case "${1:-}" in
  up) shift; [ $# -ge 1 ] || die "usage: up PREFIX SITE=TYPE..."; up "$@" ;;
  down) shift; down "${1:-}" ;;
  *) die "usage: natlab.sh up PREFIX SITE=TYPE... | down PREFIX" ;;
esac
