#!/bin/bash
# capture6.sh: as capture.sh, IPv6 (vrrp_version 3, VIP 2001:db8::100, DAD off).
# How the keepalived-*.hex files were made (run as root; needs keepalived 2.2.7, tcpdump).
# Extract: tcpdump -r $DIR/v2.pcap -nxx -c 1 (drop the 14-byte Ethernet header).
set -u
V=$1
NS=kapkt-test
DIR=${DIR:-/tmp/kapkt}
cleanup() {
  [ -n "${KPID:-}" ] && kill "$KPID" 2>/dev/null; sleep 0.5
  [ -n "${TPID:-}" ] && kill "$TPID" 2>/dev/null
  wait 2>/dev/null
  ip netns pids $NS 2>/dev/null | while read p; do kill $p 2>/dev/null; done
  ip netns del $NS 2>/dev/null
}
trap cleanup EXIT
ip netns add $NS || exit 1
ip -n $NS link set lo up
ip -n $NS link add kapkt0 type veth peer name kapkt1
ip -n $NS addr add 192.0.2.1/24 dev kapkt0
ip -n $NS link set kapkt0 up
ip -n $NS link set kapkt1 up
ip netns exec $NS sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.kapkt0.accept_dad=0 net.ipv6.conf.kapkt1.accept_dad=0
if [ "$V" = 2 ]; then AUTH='authentication { auth_type PASS
    auth_pass secret12 }'; else AUTH=''; fi
cat > $DIR/v6.conf <<CONF
global_defs {
  router_id kapkt
  vrrp_version 3
}
vrrp_instance VI_1 {
  state MASTER
  interface kapkt0
  virtual_router_id 66
  priority 100
  advert_int 1
  $AUTH
  virtual_ipaddress {
    2001:db8::100
  }
}
CONF
ip netns exec $NS tcpdump -i kapkt1 -U -w $DIR/v6.pcap -c 3 'ip6 and ip6[6]==112' 2>$DIR/tcpdump6.log &
TPID=$!
sleep 1
ip netns exec $NS keepalived -n -l -D -P -f $DIR/v6.conf -p $DIR/k6.pid -r $DIR/v6.pid -i kapkt >$DIR/keepalived6.log 2>&1 &
KPID=$!
for i in $(seq 1 12); do sleep 1; kill -0 $TPID 2>/dev/null || break; done
