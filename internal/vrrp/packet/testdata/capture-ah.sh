#!/bin/bash
# capture-ah.sh MODE: run keepalived 2.2.7 with auth_type AH in a network
# namespace and capture its adverts; MODE is mcast or ucast.
# How the keepalived-v2-ah-*.hex files were made (run as root; needs
# keepalived 2.2.7, tcpdump). keepalived clears "state MASTER" with AH, so it
# becomes master after Master_Down_Interval (about 3.6 s) and sends from then.
# Extract: tcpdump -r $DIR/ah-MODE.pcap -nxx -c 1 (drop the 14-byte Ethernet header).
# The unicast peer 192.0.2.2 exists nowhere: a permanent neighbour entry makes
# the kernel send to the veth peer, where tcpdump sees it.
set -u
MODE=$1
NS=kapkt-ah-$$
DIR=${DIR:-/tmp/kapkt-ah}
mkdir -p "$DIR"
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
UNICAST=''
if [ "$MODE" = ucast ]; then
  MAC=$(ip -n $NS -br link show kapkt1 | awk '{print $3}')
  ip -n $NS neigh add 192.0.2.2 lladdr "$MAC" dev kapkt0 nud permanent
  UNICAST='unicast_src_ip 192.0.2.1
  unicast_peer {
    192.0.2.2
  }'
fi
cat > $DIR/ah-$MODE.conf <<CONF
global_defs {
  router_id kapkt
}
vrrp_instance VI_1 {
  state BACKUP
  interface kapkt0
  virtual_router_id 66
  priority 100
  advert_int 1
  $UNICAST
  authentication {
    auth_type AH
    auth_pass secret12
  }
  virtual_ipaddress {
    192.0.2.100
  }
}
CONF
ip netns exec $NS tcpdump -i kapkt1 -U -w $DIR/ah-$MODE.pcap -c 3 'ip proto 51' 2>$DIR/tcpdump-$MODE.log &
TPID=$!
sleep 1
ip netns exec $NS keepalived -n -l -D -P -f $DIR/ah-$MODE.conf -p $DIR/k-$MODE.pid -r $DIR/v-$MODE.pid -i kapkt >$DIR/keepalived-$MODE.log 2>&1 &
KPID=$!
for i in $(seq 1 15); do sleep 1; kill -0 $TPID 2>/dev/null || break; done
