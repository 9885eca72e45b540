package e2e

import (
	"strings"
	"testing"
)

// twoDirectorsScenario runs inside the VM (real kernel IPVS, one IPVS
// per namespace): the seeds' LVS-DR setup with two directors d1 (MASTER,
// priority 150) and d2 (BACKUP, 100) running our full keepalived (VRRP
// and checkers), a client, and two real servers holding the VIP on lo
// with arp_ignore 1 / arp_announce 2, all on one bridge. It prints STEP
// lines and TABLE lines (ipvsadm -Ln without the header and the
// connection counters) that the host test checks.
const twoDirectorsScenario = `
set -u
ip link add br0 type bridge; ip link set br0 up
for ns in client d1 d2 rs1 rs2; do
  ip netns add $ns
  ip link add v$ns type veth peer name eth0 netns $ns
  ip link set v$ns master br0; ip link set v$ns up
  ip -n $ns link set eth0 up; ip -n $ns link set lo up
done
ip -n client addr add 192.0.2.10/24 dev eth0
ip -n d1 addr add 192.0.2.1/24 dev eth0
ip -n d2 addr add 192.0.2.2/24 dev eth0
for i in 1 2; do
  ip -n rs$i addr add 192.0.2.1$i/24 dev eth0
  ip -n rs$i addr add 192.0.2.100/32 dev lo
  for k in all eth0; do
    ip netns exec rs$i sh -c "echo 1 > /proc/sys/net/ipv4/conf/$k/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/$k/arp_announce"
  done
  mkdir -p /www/rs$i; echo rs$i > /www/rs$i/index.html
  ip netns exec rs$i busybox httpd -p 80 -h /www/rs$i
done
for d in 1 2; do
  state=MASTER prio=150
  [ $d = 2 ] && state=BACKUP prio=100
  mkdir -p /run/d$d
  cat > /run/d$d/k.conf <<CONF
global_defs {
    router_id LVS_DR_$d
    lvs_dataplane ipvs
}
vrrp_instance VI_1 {
    state $state
    interface eth0
    virtual_router_id 51
    priority $prio
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind DR
    protocol TCP
    real_server 192.0.2.11 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 192.0.2.12 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
CONF
  ip netns exec d$d /opt/keepalived -n -l -D -f /run/d$d/k.conf -p /run/d$d/k.pid -r /run/d$d/v.pid -c /run/d$d/c.pid > /tmp/d$d.log 2>&1 &
done
ask() { for n in 1 2 3 4; do ip netns exec client curl -s --max-time 1 http://192.0.2.100/; done | sort | tr '\n' ' '; echo; }
waitfor() { for n in $(seq 1 80); do got=$(ask); [ "$got" = "$1" ] && return 0; sleep 0.25; done; echo "got: $got"; return 1; }
table() { echo "TABLE $1 $2 $(ip netns exec $2 ipvsadm -Ln | awk 'NR>3{print $1,$2,$3,$4}' | tr '\n' ';' | sed 's/ *;/;/g')"; }
holds() { ip -n $1 addr show dev eth0 | grep -q 'inet 192.0.2.100/'; }
if waitfor "rs1 rs1 rs2 rs2 "; then echo "STEP both-served"; fi
holds d1 && ! holds d2 && echo "STEP d1-master"
table both d1; table both d2
kill $(ip netns pids rs1)
if waitfor "rs2 rs2 rs2 rs2 "; then echo "STEP rs1-removed"; fi
table rs1-down d1
ip netns exec rs1 busybox httpd -p 80 -h /www/rs1
if waitfor "rs1 rs1 rs2 rs2 "; then echo "STEP rs1-back"; fi
table rs1-back d1
# The master crashes: its processes die and its link goes silent.
start=$EPOCHREALTIME
kill -9 $(ip netns pids d1); ip -n d1 link set eth0 down
for n in $(seq 1 80); do holds d2 && break; sleep 0.1; done
holds d2 && echo "STEP d2-took-vip after $(awk "BEGIN{print $EPOCHREALTIME - $start}") s"
if waitfor "rs1 rs1 rs2 rs2 "; then echo "STEP failover-served"; fi
table failover d2
echo "=== d1 log"; cat /tmp/d1.log; echo "=== d2 log"; cat /tmp/d2.log
`

// TestKernelIPVSTwoDirectors is the seeds' LVS-DR scenario with two
// directors running our whole keepalived (VRRP and checkers) on the real
// kernel IPVS in the vmrun VM: requests through the VIP reach both real
// servers; a stopped web server leaves the pool and comes back; when the
// MASTER crashes the BACKUP takes the VIP and its IPVS service goes on
// serving the client; ipvsadm -Ln shows the expected table at each step.
func TestKernelIPVSTwoDirectors(t *testing.T) {
	out := bootScenario(t, twoDirectorsScenario, 240)
	for _, step := range []string{"both-served", "d1-master", "rs1-removed", "rs1-back", "d2-took-vip", "failover-served"} {
		if !strings.Contains(out, "STEP "+step) {
			t.Errorf("step %s did not happen", step)
		}
	}
	const (
		svc = "TCP 192.0.2.100:80 rr;"
		rs1 = "-> 192.0.2.11:80 Route 1;"
		rs2 = "-> 192.0.2.12:80 Route 1;"
	)
	// Both directors program the service; the backup's is idle.
	for _, want := range []struct{ step, node, table string }{
		{"both", "d1", svc + rs1 + rs2},
		{"both", "d2", svc + rs1 + rs2},
		{"rs1-down", "d1", svc + rs2},
		{"rs1-back", "d1", svc + rs1 + rs2},
		{"failover", "d2", svc + rs1 + rs2},
	} {
		got, _ := field(out, "TABLE "+want.step+" "+want.node+" ")
		if got != want.table {
			t.Errorf("ipvsadm -Ln on %s at step %s: got %q, want %q", want.node, want.step, got, want.table)
		}
	}
	for _, line := range []string{"(VI_1) Entering MASTER STATE", "Removing service [192.0.2.11]:tcp:80 from VS [192.0.2.100]:tcp:80",
		"Adding service [192.0.2.11]:tcp:80 to VS [192.0.2.100]:tcp:80"} {
		if !strings.Contains(out, line) {
			t.Errorf("the daemons did not log %q", line)
		}
	}
	if _, d2, _ := strings.Cut(out, "=== d2 log"); !strings.Contains(d2, "(VI_1) Entering MASTER STATE") {
		t.Errorf("d2 did not log its takeover")
	}
	if t.Failed() {
		t.Logf("VM output:\n%s", out)
	}
}
