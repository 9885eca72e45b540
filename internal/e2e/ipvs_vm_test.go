package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/vmrun"
)

// vmNATLab is the VM scenarios' LVS-NAT lab: the VM's root namespace
// is the director (192.0.2.100 on c0 toward the client 192.0.2.10,
// 198.51.100.1 on br1 toward the real servers), and rs1 and rs2
// (198.51.100.11, .12) run busybox httpd answering their name.
const vmNATLab = `ip netns add client; ip netns add rs1; ip netns add rs2
ip link add c0 type veth peer name eth0 netns client
ip link add r1 type veth peer name eth0 netns rs1
ip link add r2 type veth peer name eth0 netns rs2
ip addr add 192.0.2.1/24 dev c0; ip addr add 192.0.2.100/24 dev c0; ip link set c0 up
ip link add br1 type bridge; ip link set br1 up
ip link set r1 master br1; ip link set r2 master br1; ip link set r1 up; ip link set r2 up
ip addr add 198.51.100.1/24 dev br1
echo 1 > /proc/sys/net/ipv4/ip_forward
ip -n client addr add 192.0.2.10/24 dev eth0; ip -n client link set eth0 up; ip -n client link set lo up
for i in 1 2; do
  ip -n rs$i addr add 198.51.100.1$i/24 dev eth0; ip -n rs$i link set eth0 up; ip -n rs$i link set lo up
  ip -n rs$i route add 192.0.2.0/24 via 198.51.100.1
  mkdir -p /www/rs$i; echo rs$i > /www/rs$i/index.html
  ip netns exec rs$i busybox httpd -p 80 -h /www/rs$i
done
`

// vmClientAsk defines ask (four requests from the client to the VIP,
// their answers sorted on one line) and waitfor (ask until it prints
// $1, for 30 s at most).
const vmClientAsk = `ask() { for n in 1 2 3 4; do ip netns exec client curl -s --max-time 2 http://192.0.2.100/; done | sort | tr '\n' ' '; echo; }
waitfor() { for n in $(seq 1 60); do got=$(ask); [ "$got" = "$1" ] && return 0; sleep 0.5; done; echo "got: $got"; return 1; }
`

// ipvsScenario runs inside the VM (real kernel IPVS): the VM's root
// namespace is an LVS-NAT director running our keepalived -C; a client
// and two busybox httpd real servers live in namespaces. It prints STEP
// lines the host test checks, and ipvsadm -Ln at each step.
const ipvsScenario = `
set -u
` + vmNATLab + `cat > /opt/k.conf <<'CONF'
global_defs {
    lvs_dataplane ipvs
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.11 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
    real_server 198.51.100.12 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
CONF
/opt/keepalived -C -n -l -D -f /opt/k.conf -p /run/k.pid -r /run/v.pid -c /run/c.pid > /tmp/k.log 2>&1 &
` + vmClientAsk + `if waitfor "rs1 rs1 rs2 rs2 "; then echo "STEP both-served"; fi
ipvsadm -Ln
kill $(ip netns pids rs1)
if waitfor "rs2 rs2 rs2 rs2 "; then echo "STEP rs1-removed"; fi
ipvsadm -Ln
ipvsadm -Ln | grep -q 198.51.100.11 || echo "STEP ipvsadm-without-rs1"
ip netns exec rs1 busybox httpd -p 80 -h /www/rs1
if waitfor "rs1 rs1 rs2 rs2 "; then echo "STEP rs1-back"; fi
kill -TERM $(cat /run/k.pid); sleep 2
ipvsadm -Ln | grep -q 192.0.2.100 || echo "STEP released-at-stop"
cat /tmp/k.log
`

// ipvsDRScenario is the LVS-DR variant: director, client and real
// servers on one bridge; the real servers hold the VIP on lo and ignore
// ARP for it (arp_ignore 1, arp_announce 2), as the seeds' lvs_dr_rs.sh
// does; they answer the client directly.
const ipvsDRScenario = `
set -u
ip link add br0 type bridge; ip link set br0 up
ip addr add 192.0.2.1/24 dev br0; ip addr add 192.0.2.100/24 dev br0
for ns in client rs1 rs2; do
  ip netns add $ns
  ip link add v$ns type veth peer name eth0 netns $ns
  ip link set v$ns master br0; ip link set v$ns up
  ip -n $ns link set eth0 up; ip -n $ns link set lo up
done
ip -n client addr add 192.0.2.10/24 dev eth0
for i in 1 2; do
  ip -n rs$i addr add 192.0.2.1$i/24 dev eth0
  ip -n rs$i addr add 192.0.2.100/32 dev lo
  for k in all eth0; do
    ip netns exec rs$i sh -c "echo 1 > /proc/sys/net/ipv4/conf/$k/arp_ignore; echo 2 > /proc/sys/net/ipv4/conf/$k/arp_announce"
  done
  mkdir -p /www/rs$i; echo rs$i > /www/rs$i/index.html
  ip netns exec rs$i busybox httpd -p 80 -h /www/rs$i
done
cat > /opt/k.conf <<'CONF'
global_defs {
    lvs_dataplane ipvs
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
/opt/keepalived -C -n -l -D -f /opt/k.conf -p /run/k.pid -r /run/v.pid -c /run/c.pid > /tmp/k.log 2>&1 &
` + vmClientAsk + `if waitfor "rs1 rs1 rs2 rs2 "; then echo "STEP both-served"; fi
ipvsadm -Ln
ipvsadm -Ln | grep -q "192.0.2.11:80 *Route" && echo "STEP ipvsadm-route"
kill $(ip netns pids rs1)
if waitfor "rs2 rs2 rs2 rs2 "; then echo "STEP rs1-removed"; fi
ipvsadm -Ln | grep -q 192.0.2.11 || echo "STEP ipvsadm-without-rs1"
ip netns exec rs1 busybox httpd -p 80 -h /www/rs1
if waitfor "rs1 rs1 rs2 rs2 "; then echo "STEP rs1-back"; fi
kill -TERM $(cat /run/k.pid); sleep 2
ipvsadm -Ln | grep -q 192.0.2.100 || echo "STEP released-at-stop"
cat /tmp/k.log
`

// TestKernelIPVSDaemon runs our daemon's checker role against the real
// kernel IPVS in the vmrun VM (the host has no IPVS): requests through
// an LVS-NAT virtual server reach both real servers, a stopped one leaves
// the pool (and ipvsadm -Ln), comes back, and the service is removed at
// stop. Skipped where vmrun or qemu are missing, or with -short.
func TestKernelIPVSDaemon(t *testing.T) {
	runIPVSScenario(t, ipvsScenario, "198.51.100.11", nil)
}

// TestKernelIPVSDaemonDR is the seeds' LVS-DR setup on the real kernel
// IPVS: real servers with the VIP on lo, direct return to the client,
// ipvsadm -Ln showing the Route method.
func TestKernelIPVSDaemonDR(t *testing.T) {
	runIPVSScenario(t, ipvsDRScenario, "192.0.2.11", []string{"ipvsadm-route"})
}

// runIPVSScenario boots the VM with our static binary and a scenario
// script, and checks its STEP lines and the daemon's log lines for rs1.
func runIPVSScenario(t *testing.T, scenario, rs1 string, extraSteps []string) {
	out := bootScenario(t, scenario, 240)
	for _, step := range append([]string{"both-served", "rs1-removed", "ipvsadm-without-rs1", "rs1-back", "released-at-stop"}, extraSteps...) {
		if !strings.Contains(out, "STEP "+step) {
			t.Errorf("step %s did not happen", step)
		}
	}
	for _, line := range []string{"Using the ipvs dataplane", "Removing service [" + rs1 + "]:tcp:80 from VS [192.0.2.100]:tcp:80", "Adding service [" + rs1 + "]:tcp:80 to VS [192.0.2.100]:tcp:80"} {
		if !strings.Contains(out, line) {
			t.Errorf("the daemon did not log %q", line)
		}
	}
	if t.Failed() {
		t.Logf("VM output:\n%s", out)
	}
}

// bootScenario boots the VM (modules ip_vs, ip_vs_rr, veth, bridge; at
// most timeout seconds) with our static keepalived at /opt/keepalived,
// ipvsadm, ip and curl, runs scenario as a bash script and returns what
// it printed. It skips where vmrun, qemu or those programs are missing,
// or with -short.
func bootScenario(t *testing.T, scenario string, timeout int) string {
	t.Helper()
	return bootScenarioWith(t, scenario, timeout, nil, nil)
}

// bootScenarioWith is bootScenario with more kernel modules and host
// programs in the VM (skipped where a program is missing).
func bootScenarioWith(t *testing.T, scenario string, timeout int, modules, files []string) string {
	t.Helper()
	if testing.Short() {
		t.Skip("boots a VM")
	}
	runner := vmrun.Find()
	if runner == "" {
		t.Skip("vmrun not found (set VMRUN)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 missing")
	}
	files = append([]string{"/usr/sbin/ipvsadm", "/usr/sbin/ip", "/usr/bin/curl"}, files...)
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s missing", f)
		}
	}
	bin := filepath.Join(t.TempDir(), "keepalived")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/keepalived")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	script := filepath.Join(t.TempDir(), "scenario.sh")
	if err := os.WriteFile(script, []byte(scenario), 0o755); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	args := []string{"-m", strings.Join(append([]string{"ip_vs", "ip_vs_rr", "veth", "bridge"}, modules...), ","),
		"-t", strconv.Itoa(timeout), "-f", bin + ":/opt/keepalived", "-f", script + ":/opt/scenario.sh"}
	for _, f := range files {
		args = append(args, "-f", f)
	}
	out, err := exec.Command(runner, append(args, "--", "bash /opt/scenario.sh")...).CombinedOutput()
	t.Logf("VM run took %v", time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("vmrun: %v\n%s", err, out)
	}
	return string(out)
}

// field is the rest of the last line of out that starts with prefix.
func field(out, prefix string) (string, bool) {
	got, ok := "", false
	for line := range strings.SplitSeq(out, "\n") {
		if s, found := strings.CutPrefix(line, prefix); found {
			got, ok = strings.TrimSpace(s), true
		}
	}
	return got, ok
}
