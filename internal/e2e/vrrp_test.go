package e2e

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

const confV2PASS = `
global_defs {
    router_id %[1]s
}
vrrp_instance VI_1 {
    state %[2]s
    interface eth0
    virtual_router_id 51
    priority %[3]d
    advert_int 1
    authentication {
        auth_type PASS
        auth_pass s3cret
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`

const confV3IPv6 = `
global_defs {
    router_id %[1]s
}
vrrp_instance VI_6 {
    state %[2]s
    interface eth0
    virtual_router_id 61
    priority %[3]d
    advert_int 1
    version 3
    virtual_ipaddress {
        2001:db8::100/64
    }
}
`

const confUnicast = `
global_defs {
    router_id %[1]s
}
vrrp_instance VI_U {
    state %[2]s
    interface eth0
    virtual_router_id 71
    priority %[3]d
    advert_int 1
    unicast_src_ip %[4]s
    unicast_peer {
        %[5]s
    }
    virtual_ipaddress {
        192.0.2.110/24
    }
}
`

// TestFailoverOurs: two of our daemons elect the higher priority; a
// graceful stop hands over within about a second (priority 0 advert),
// a crash within Master_Down_Interval, and the returning node preempts.
func TestFailoverOurs(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	a.start(bin, fmt.Sprintf(confV2PASS, "a", "MASTER", 150))
	b.start(bin, fmt.Sprintf(confV2PASS, "b", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	if !a.out.contains("(VI_1) Entering MASTER STATE") || !b.out.contains("(VI_1) Entering BACKUP STATE") {
		t.Fatalf("missing keepalived's state lines")
	}

	start := time.Now()
	a.stop()
	waitHolder(t, 5*time.Second, "192.0.2.100", b, a, b)
	t.Logf("graceful handover took %v", time.Since(start))

	a.start(bin, fmt.Sprintf(confV2PASS, "a", "MASTER", 150))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)

	start = time.Now()
	a.kill()
	// A crashed node keeps its addresses: take its link down, as a dead
	// machine would.
	a.ns.IP("link", "set", "eth0", "down")
	waitFor(t, 10*time.Second, "b to take over after a crash", func() bool { return b.hasAddr("192.0.2.100") })
	t.Logf("takeover after a crash took %v", time.Since(start))
}

// TestInteropKeepalivedV2: our daemon and Debian's keepalived 2.2.7 in
// one virtual router (VRRPv2, PASS), both ways round.
func TestInteropKeepalivedV2(t *testing.T) {
	l := newLab(t)
	ours, theirs := ourBinary(t), realKeepalived(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	a.start(ours, fmt.Sprintf(confV2PASS, "a", "MASTER", 150))
	b.start(theirs, fmt.Sprintf(confV2PASS, "b", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	// keepalived accepted our adverts: it stays BACKUP and never complains.
	time.Sleep(3 * time.Second)
	if h := holders("192.0.2.100", a, b); len(h) != 1 || h[0] != "a" {
		t.Fatalf("VIP held by %v, want [a]", h)
	}
	for _, bad := range []string{"invalid passwd", "Invalid VRRPv2 checksum", "invalid TTL", "wrong VRRP version"} {
		if b.out.contains(bad) {
			t.Fatalf("keepalived rejected our adverts (%q)", bad)
		}
	}
	// Our graceful stop: keepalived takes over after skew time.
	a.stop()
	waitHolder(t, 5*time.Second, "192.0.2.100", b, a, b)
	// We come back with the higher priority and preempt keepalived.
	a.start(ours, fmt.Sprintf(confV2PASS, "a", "BACKUP", 150))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	if !b.out.contains("(VI_1) Master received advert from 192.0.2.1 with higher priority 150, ours 100") {
		t.Errorf("keepalived did not log yielding to us")
	}
	// keepalived stops gracefully while BACKUP; now it is master with a
	// higher priority and we yield.
	b.stop()
	b.start(theirs, fmt.Sprintf(confV2PASS, "b", "MASTER", 200))
	waitHolder(t, 10*time.Second, "192.0.2.100", b, a, b)
	if !a.out.contains("(VI_1) Master received advert from 192.0.2.2 with higher priority 200, ours 150") {
		t.Errorf("we did not log yielding to keepalived")
	}
}

// TestInteropKeepalivedV3IPv6: VRRPv3 over IPv6 multicast with
// keepalived.
func TestInteropKeepalivedV3IPv6(t *testing.T) {
	l := newLab(t)
	ours, theirs := ourBinary(t), realKeepalived(t)
	a := l.node("a", "", "2001:db8::1")
	b := l.node("b", "", "2001:db8::2")
	b.start(theirs, fmt.Sprintf(confV3IPv6, "b", "MASTER", 150))
	waitFor(t, 10*time.Second, "keepalived to become master", func() bool { return b.hasAddr("2001:db8::100") })
	a.start(ours, fmt.Sprintf(confV3IPv6, "a", "BACKUP", 100))
	time.Sleep(5 * time.Second)
	if h := holders("2001:db8::100", a, b); len(h) != 1 || h[0] != "b" {
		t.Fatalf("VIP held by %v, want [b] (we must accept keepalived's VRRPv3/IPv6 adverts)", h)
	}
	b.stop()
	waitHolder(t, 5*time.Second, "2001:db8::100", a, a, b)
}

// TestInteropKeepalivedUnicast: unicast peers with keepalived.
func TestInteropKeepalivedUnicast(t *testing.T) {
	l := newLab(t)
	ours, theirs := ourBinary(t), realKeepalived(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	a.start(ours, fmt.Sprintf(confUnicast, "a", "BACKUP", 100, "192.0.2.1", "192.0.2.2"))
	b.start(theirs, fmt.Sprintf(confUnicast, "b", "BACKUP", 150, "192.0.2.2", "192.0.2.1"))
	waitHolder(t, 10*time.Second, "192.0.2.110", b, a, b)
	time.Sleep(3 * time.Second)
	if h := holders("192.0.2.110", a, b); len(h) != 1 {
		t.Fatalf("VIP held by %v, want one holder", h)
	}
	b.stop()
	waitHolder(t, 5*time.Second, "192.0.2.110", a, a, b)
}

const confTracked = `
global_defs {
    router_id %[1]s
}
vrrp_script chk_maint {
    script "%[3]s/check"
    interval 1
    weight -60
    fall 1
    rise 1
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %[2]d
    advert_int 1
    track_script {
        chk_maint
    }
    notify %[3]s/notify
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`

// TestTrackScriptAndNotify: a vrrp_script (a maintenance file, as
// operators write them) lowers the master's priority below the backup's,
// the VIP moves, and the generic notify script sees every transition with
// keepalived's arguments.
func TestTrackScriptAndNotify(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	for _, n := range []*node{a, b} {
		writeScript(t, n.dir+"/check", "#!/bin/sh\n[ ! -e "+n.dir+"/down ]\n")
		writeScript(t, n.dir+"/notify", "#!/bin/sh\necho \"$1 $2 $3 $4\" >> "+n.dir+"/notify.log\n")
	}
	a.start(bin, fmt.Sprintf(confTracked, "a", 150, a.dir))
	b.start(bin, fmt.Sprintf(confTracked, "b", 100, b.dir))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)

	writeScript(t, a.dir+"/down", "")
	waitHolder(t, 10*time.Second, "192.0.2.100", b, a, b)
	if !a.out.contains("(VI_1) Changing effective priority from 150 to 90") {
		t.Errorf("a did not log its priority change")
	}
	waitFor(t, 5*time.Second, "a's notify script to see BACKUP", func() bool {
		return fileContains(a.dir+"/notify.log", "INSTANCE VI_1 BACKUP 90")
	})
	if !fileContains(a.dir+"/notify.log", "INSTANCE VI_1 MASTER 150") {
		t.Errorf("a's notify log lacks its MASTER transition:\n%s", readFile(a.dir+"/notify.log"))
	}
	waitFor(t, 5*time.Second, "b's notify script to see MASTER", func() bool {
		return fileContains(b.dir+"/notify.log", "INSTANCE VI_1 MASTER 100")
	})

	// Maintenance over: a preempts again.
	removeFile(t, a.dir+"/down")
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
}

// TestObservability: the Prometheus endpoint, keepalivedctl over the
// control socket, and SIGUSR1, SIGUSR2 and SIGRTMIN+2 writing keepalived's
// data, stats and JSON files where global_defs puts them.
func TestObservability(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	conf := fmt.Sprintf(`global_defs {
    metrics_listen 127.0.0.1:9650
    state_dump_file %[1]s/k.data
    stats_dump_file %[1]s/k.stats
    json_dump_file %[1]s/k.json
}
`, a.dir) + fmt.Sprintf(confV2PASS, "a", "MASTER", 150)
	a.start(ourBinary(t), conf)
	waitFor(t, 10*time.Second, "a to become master", func() bool { return a.hasAddr("192.0.2.100") })

	// Prometheus metrics, from inside a's namespace.
	var metrics string
	waitFor(t, 5*time.Second, "the metrics endpoint", func() bool {
		out, err := a.ns.Command("curl", "-sf", "http://127.0.0.1:9650/metrics").Output()
		metrics = string(out)
		return err == nil
	})
	if !strings.Contains(metrics, `keepalived_vrrp_state{iname="VI_1",intf="eth0",ip_address="192.0.2.100/24",vrid="51"} 2`) {
		t.Errorf("metrics lack VI_1's MASTER state:\n%s", metrics)
	}
	// keepalivedctl status through the control socket.
	ctl := filepath.Join(t.TempDir(), "keepalivedctl")
	if out, err := exec.Command("go", "build", "-o", ctl, "../../cmd/keepalivedctl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(ctl, "vrrp", "show", "--socket", a.dir+"/keepalived.ctl").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "VI_1      51    eth0       MASTER  150") {
		t.Errorf("keepalivedctl vrrp show: %v\n%s", err, out)
	}

	for _, sig := range []syscall.Signal{syscall.SIGUSR1, syscall.SIGUSR2, syscall.Signal(36)} {
		if err := a.cmd.Process.Signal(sig); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, 5*time.Second, "the three dump files", func() bool {
		return fileContains(a.dir+"/k.data", "VRRP Instance = VI_1") &&
			fileContains(a.dir+"/k.stats", "Became master: 1") &&
			fileContains(a.dir+"/k.json", `"iname":"VI_1"`)
	})
	var js []struct {
		Data struct {
			IName string `json:"iname"`
			State int    `json:"state"`
			VRID  int    `json:"vrid"`
		} `json:"data"`
		Stats struct {
			AdvertSent int `json:"advert_sent"`
		} `json:"stats"`
	}
	if err := json.Unmarshal([]byte(readFile(a.dir+"/k.json")), &js); err != nil {
		t.Fatal(err)
	}
	if len(js) != 1 || js[0].Data.State != 2 || js[0].Data.VRID != 51 || js[0].Stats.AdvertSent == 0 {
		t.Fatalf("keepalived.json = %+v", js)
	}
	// keepalived.json agrees with keepalivedctl vrrp show --json.
	var shown []struct {
		Name     string `json:"name"`
		VRID     int    `json:"vrid"`
		State    string `json:"state"`
		Priority int    `json:"priority"`
	}
	raw, err := exec.Command(ctl, "vrrp", "show", "--json", "--socket", a.dir+"/keepalived.ctl").Output()
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &shown); err != nil {
		t.Fatal(err)
	}
	if len(shown) != 1 || shown[0].Name != js[0].Data.IName || shown[0].VRID != js[0].Data.VRID || shown[0].State != "MASTER" || shown[0].Priority != 150 {
		t.Errorf("keepalived.json %+v and keepalivedctl %+v disagree", js, shown)
	}
	// The daemon is still running and still master.
	if !a.hasAddr("192.0.2.100") {
		t.Fatal("a lost its VIP after the dump signals")
	}
}

// TestNotifyFIFO: notify_fifo gets keepalived's lines, read by the
// notify_fifo_script keepalived starts with the FIFO's path.
func TestNotifyFIFO(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	writeScript(t, a.dir+"/reader", "#!/bin/sh\nwhile read line; do echo \"$line\" >> "+a.dir+"/fifo.log; done < \"$1\"\n")
	writeScript(t, a.dir+"/check", "#!/bin/sh\n[ ! -e "+a.dir+"/down ]\n")
	conf := fmt.Sprintf(`global_defs {
    notify_fifo %[1]s/notify.fifo
    notify_fifo_script %[1]s/reader
    vrrp_notify_priority_changes
    fifo_write_vrrp_states_on_reload
}
vrrp_script chk {
    script %[1]s/check
    interval 1
    weight -10
}
`, a.dir) + strings.Replace(fmt.Sprintf(confV2PASS, "a", "MASTER", 150), "    virtual_ipaddress {", "    track_script {\n        chk\n    }\n    virtual_ipaddress {", 1)
	a.start(ourBinary(t), conf)
	waitFor(t, 10*time.Second, "the FIFO lines", func() bool {
		return fileContains(a.dir+"/fifo.log", `INSTANCE "VI_1" BACKUP 150`) &&
			fileContains(a.dir+"/fifo.log", `INSTANCE "VI_1" MASTER 150`)
	})
	// vrrp_notify_priority_changes: a priority change while MASTER.
	writeScript(t, a.dir+"/down", "")
	waitFor(t, 10*time.Second, "the priority change line", func() bool {
		return fileContains(a.dir+"/fifo.log", `INSTANCE "VI_1" MASTER_PRIORITY 140`)
	})
	// fifo_write_vrrp_states_on_reload: a reload (nothing changed)
	// writes the instance's state again, with no transition.
	if fileContains(a.dir+"/fifo.log", `INSTANCE "VI_1" MASTER 140`) {
		t.Fatalf("a MASTER 140 line before the reload:\n%s", readFile(a.dir+"/fifo.log"))
	}
	if err := a.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the state line written on reload", func() bool {
		return fileContains(a.dir+"/fifo.log", `INSTANCE "VI_1" MASTER 140`)
	})
	if strings.Count(a.out.String(), "Entering MASTER STATE") != 1 {
		t.Errorf("the reload made a transition:\n%s", a.out.String())
	}
	a.stop()
	deadline := time.Now().Add(5 * time.Second)
	for !fileContains(a.dir+"/fifo.log", `INSTANCE "VI_1" STOP 140`) {
		if time.Now().After(deadline) {
			t.Fatalf("no STOP line; the FIFO reader wrote:\n%s", readFile(a.dir+"/fifo.log"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestPartitionHeals: when VRRP between the two directors is cut (an
// nftables rule drops protocol 112 on b) both become MASTER; when it
// heals, exactly one master remains: the higher priority.
func TestPartitionHeals(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	// notify_master_rx_lower_pri runs when the split ends.
	writeScript(t, a.dir+"/rxlower", "#!/bin/sh\necho \"$@\" >> "+a.dir+"/rxlower.log\n")
	a.start(bin, strings.Replace(fmt.Sprintf(confV2PASS, "a", "MASTER", 150), "    advert_int 1\n",
		"    advert_int 1\n    notify_master_rx_lower_pri "+a.dir+"/rxlower\n", 1))
	b.start(bin, fmt.Sprintf(confV2PASS, "b", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)

	b.ns.Exec("nft", "add table inet kgo_partition")
	b.ns.Exec("nft", "add chain inet kgo_partition in { type filter hook input priority 0 ; }")
	b.ns.Exec("nft", "add rule inet kgo_partition in ip protocol 112 drop")
	waitFor(t, 10*time.Second, "both to be master during the partition", func() bool {
		return a.hasAddr("192.0.2.100") && b.hasAddr("192.0.2.100")
	})

	b.ns.Exec("nft", "delete table inet kgo_partition")
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)
	if !a.out.contains("(VI_1) Received advert from 192.0.2.2 with lower priority 100, ours 150, forcing new election") {
		t.Errorf("a did not log the lower priority advert that ended the split")
	}
	waitFor(t, 5*time.Second, "notify_master_rx_lower_pri to run", func() bool {
		_, err := os.Stat(a.dir + "/rxlower.log")
		return err == nil
	})
	// Stable: still one master a few adverts later.
	time.Sleep(3 * time.Second)
	if h := holders("192.0.2.100", a, b); len(h) != 1 || h[0] != "a" {
		t.Fatalf("after healing the VIP is held by %v", h)
	}
}

// TestTcpdumpDecodesOurAdverts: tcpdump reads our adverts as it reads
// keepalived's: "VRRPv2, Advertisement, vrid 51, prio 150, authtype
// simple, intvl 1s, length 20".
func TestTcpdumpDecodesOurAdverts(t *testing.T) {
	if _, err := exec.LookPath("tcpdump"); err != nil {
		t.Skip("tcpdump is not installed")
	}
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	a.start(ourBinary(t), fmt.Sprintf(confV2PASS, "a", "MASTER", 150))
	waitFor(t, 10*time.Second, "a to become master", func() bool { return a.hasAddr("192.0.2.100") })
	out, err := b.ns.Command("timeout", "5", "tcpdump", "-n", "-v", "-c", "2", "-i", "eth0", "ip proto 112").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "packets captured") {
		t.Fatalf("tcpdump: %v\n%s", err, out)
	}
	for _, want := range []string{"tos 0xc0", "ttl 255", "VRRPv2, Advertisement, vrid 51, prio 150, authtype simple, intvl 1s, length 20", "addrs: 192.0.2.100 auth \"s3cret\""} {
		if !strings.Contains(string(out), want) {
			t.Errorf("tcpdump output lacks %q:\n%s", want, out)
		}
	}
}

// TestTrackProcessScriptAndInterface: the seeds' tracking scenarios. A
// `kill -0` check of a real service process (as `killall -0 nginx`)
// moves the VIP when the process dies and back when it returns; a
// tracked interface going down puts the instance in FAULT.
func TestTrackProcessScriptAndInterface(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	side := netnstest.NewLAN(t, "side")
	side.Attach(a.ns, "eth1")
	svc := exec.Command("sleep", "1000")
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { svc.Process.Kill(); svc.Wait() })
	writeScript(t, a.dir+"/svc.pid", fmt.Sprint(svc.Process.Pid))
	conf := func(prio int, dir string) string {
		return fmt.Sprintf(`global_defs {
    router_id n%[1]d
}
vrrp_script chk_svc {
    script "/bin/sh -c 'kill -0 $(cat %[2]s/svc.pid)'"
    interval 1
    fall 1
    rise 1
    weight -60
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %[1]d
    advert_int 1
    track_script {
        chk_svc
    }
    track_interface {
        %[3]s
    }
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`, prio, dir, map[bool]string{true: "eth1", false: "eth0"}[dir == a.dir])
	}
	writeScript(t, b.dir+"/svc.pid", fmt.Sprint(os.Getpid()))
	a.start(bin, conf(150, a.dir))
	b.start(bin, conf(100, b.dir))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)

	// The service dies: 150-60 = 90 < 100.
	svc.Process.Kill()
	svc.Wait()
	waitHolder(t, 10*time.Second, "192.0.2.100", b, a, b)
	if !a.out.contains("VRRP_Script(chk_svc) failed") {
		t.Errorf("a did not log the failed script")
	}
	// It comes back (a new process): a preempts.
	svc = exec.Command("sleep", "1000")
	if err := svc.Start(); err != nil {
		t.Fatal(err)
	}
	writeScript(t, a.dir+"/svc.pid", fmt.Sprint(svc.Process.Pid))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b)

	// The tracked interface goes down: FAULT, the VIP moves.
	a.ns.IP("link", "set", "eth1", "down")
	waitHolder(t, 10*time.Second, "192.0.2.100", b, a, b)
	if !a.out.contains("(VI_1): entering FAULT state (interface eth1 down)") {
		t.Errorf("a did not log its FAULT")
	}
	a.ns.IP("link", "set", "eth1", "up")
	waitHolder(t, 15*time.Second, "192.0.2.100", a, a, b)
}

// TestUseVMAC: with use_vmac the master puts the VIP on a macvlan
// vrrp.51 whose MAC is the VRRP virtual MAC 00:00:5e:00:01:33; the
// backup takes it over; the VMAC is removed at stop.
func TestUseVMAC(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	conf := func(state string, prio int) string {
		return strings.Replace(fmt.Sprintf(confV2PASS, state, state, prio), "    advert_int 1\n", "    advert_int 1\n    use_vmac\n", 1)
	}
	a.start(bin, conf("MASTER", 150))
	b.start(bin, conf("BACKUP", 100))
	vipOnVMAC := func(n *node) bool {
		out, err := n.ns.Command("ip", "-o", "addr", "show", "dev", "vrrp.51").CombinedOutput()
		return err == nil && strings.Contains(string(out), " 192.0.2.100/")
	}
	waitFor(t, 10*time.Second, "a's VIP on vrrp.51", func() bool { return vipOnVMAC(a) && !vipOnVMAC(b) })
	link := a.ns.IP("-o", "link", "show", "dev", "vrrp.51")
	if !strings.Contains(link, "00:00:5e:00:01:33") || !strings.Contains(link, "macvlan") && !strings.Contains(link, "vrrp.51@eth0") {
		t.Errorf("vrrp.51 is not a VMAC of eth0 with the virtual MAC:\n%s", link)
	}
	if !a.out.contains("(VI_1): Success creating VMAC interface vrrp.51") {
		t.Errorf("a did not log the VMAC creation")
	}
	a.stop()
	waitFor(t, 5*time.Second, "b's VIP on vrrp.51", func() bool { return vipOnVMAC(b) })
	if out, err := a.ns.Command("ip", "link", "show", "dev", "vrrp.51").CombinedOutput(); err == nil {
		t.Errorf("a's VMAC is still there after stop:\n%s", out)
	}
}

// TestThreeNodes: three directors elect the highest priority; each crash
// hands the VIP to the next one down.
func TestThreeNodes(t *testing.T) {
	l := newLab(t)
	bin := ourBinary(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	c := l.node("c", "192.0.2.3", "")
	a.start(bin, fmt.Sprintf(confV2PASS, "a", "BACKUP", 150))
	b.start(bin, fmt.Sprintf(confV2PASS, "b", "BACKUP", 120))
	c.start(bin, fmt.Sprintf(confV2PASS, "c", "BACKUP", 100))
	waitHolder(t, 10*time.Second, "192.0.2.100", a, a, b, c)
	a.kill()
	a.ns.IP("link", "set", "eth0", "down")
	waitHolder(t, 10*time.Second, "192.0.2.100", b, b, c)
	b.kill()
	b.ns.IP("link", "set", "eth0", "down")
	waitHolder(t, 10*time.Second, "192.0.2.100", c, c)
}

// TestInteropEqualPriority: two directors with the same priority, one
// ours and one keepalived 2.2.7, both ways round. A backup accepts an
// equal priority master (RFC 5798 §6.4.2), so whoever times out first
// stays master; the address decides only between two masters. The test
// asserts what must hold: one master at steady state, agreed by both.
func TestInteropEqualPriority(t *testing.T) {
	for _, oursHigh := range []bool{false, true} {
		t.Run(fmt.Sprintf("ours_higher=%v", oursHigh), func(t *testing.T) {
			l := newLab(t)
			ours, theirs := ourBinary(t), realKeepalived(t)
			lo := l.node("lo", "192.0.2.1", "")
			hi := l.node("hi", "192.0.2.2", "")
			binLo, binHi := theirs, ours
			if !oursHigh {
				binLo, binHi = ours, theirs
			}
			lo.start(binLo, fmt.Sprintf(confV2PASS, "lo", "BACKUP", 100))
			hi.start(binHi, fmt.Sprintf(confV2PASS, "hi", "BACKUP", 100))
			waitFor(t, 15*time.Second, "one master", func() bool { return len(holders("192.0.2.100", lo, hi)) == 1 })
			first := holders("192.0.2.100", lo, hi)
			for range 30 {
				if h := holders("192.0.2.100", lo, hi); len(h) != 1 || h[0] != first[0] {
					t.Fatalf("the VIP moved from %v to %v at steady state", first, h)
				}
				time.Sleep(100 * time.Millisecond)
			}
			// Two masters of equal priority (a healed partition): the
			// higher address stays master on both implementations.
			hi.ns.Exec("nft", "add table inet kgo_partition")
			hi.ns.Exec("nft", "add chain inet kgo_partition in { type filter hook input priority 0 ; }")
			hi.ns.Exec("nft", "add rule inet kgo_partition in ip protocol 112 drop")
			lo.ns.Exec("nft", "add table inet kgo_partition")
			lo.ns.Exec("nft", "add chain inet kgo_partition in { type filter hook input priority 0 ; }")
			lo.ns.Exec("nft", "add rule inet kgo_partition in ip protocol 112 drop")
			waitFor(t, 10*time.Second, "two masters during the partition", func() bool {
				return len(holders("192.0.2.100", lo, hi)) == 2
			})
			hi.ns.Exec("nft", "delete table inet kgo_partition")
			lo.ns.Exec("nft", "delete table inet kgo_partition")
			waitHolder(t, 10*time.Second, "192.0.2.100", hi, lo, hi)
		})
	}
}

// TestStrictNoAccept: with vrrp_strict a non-owner master does not
// accept packets to its VIP (no_accept, RFC 5798 Accept_Mode): a TCP
// connection to the VIP is dropped while one to the real address works;
// at stop the firewall table is gone.
func TestStrictNoAccept(t *testing.T) {
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	b := l.node("b", "192.0.2.2", "")
	var ln net.Listener
	if err := a.ns.Do(func() (err error) { ln, err = net.Listen("tcp", "0.0.0.0:7"); return err }); err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	a.start(ourBinary(t), `global_defs {
    vrrp_strict
}
vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority 150
    advert_int 1
    virtual_ipaddress {
        192.0.2.100/24
    }
}
`)
	waitFor(t, 10*time.Second, "a to become master", func() bool { return a.hasAddr("192.0.2.100") })
	dial := func(addr string) error {
		return b.ns.Do(func() error {
			c, err := net.DialTimeout("tcp", addr, time.Second)
			if err == nil {
				c.Close()
			}
			return err
		})
	}
	if err := dial("192.0.2.1:7"); err != nil {
		t.Fatalf("the real address is not reachable: %v", err)
	}
	if err := dial("192.0.2.100:7"); err == nil {
		t.Fatal("a no_accept master accepted a connection to its VIP")
	}
	if out := a.ns.Exec("nft", "list", "tables"); !strings.Contains(out, "keepalived_go_vrrp") {
		t.Fatalf("no firewall table:\n%s", out)
	}
	a.stop()
	if out := a.ns.Exec("nft", "list", "tables"); strings.Contains(out, "keepalived_go_vrrp") {
		t.Errorf("the firewall table is still there after stop:\n%s", out)
	}
}
