package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// matrixConf is the configuration of one director of the reload matrix:
// a sync group of the front VIP and the back gateway, an echo virtual
// server on the nftables dataplane with the listed real servers, and
// optionally an extra VIP and an extra instance.
type matrixConf struct {
	router   string
	prio     int
	rs       []string
	extraVIP bool
	extraVI  bool
	notify   string
}

func (m matrixConf) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, `global_defs {
    router_id %s
    lvs_dataplane nftables
}
vrrp_sync_group VG_1 {
    group {
        VI_FRONT
        VI_BACK
    }
}
`, m.router)
	extra := ""
	if m.extraVIP {
		extra = "        192.0.2.101/24\n"
	}
	fmt.Fprintf(&b, `vrrp_instance VI_FRONT {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %[1]d
    advert_int 1
    notify %[2]s
    virtual_ipaddress {
        192.0.2.100/24
%[3]s    }
}
vrrp_instance VI_BACK {
    state BACKUP
    interface eth1
    virtual_router_id 52
    priority %[1]d
    advert_int 1
    notify %[2]s
    virtual_ipaddress {
        198.51.100.254/24
    }
}
`, m.prio, m.notify, extra)
	if m.extraVI {
		fmt.Fprintf(&b, `vrrp_instance VI_3 {
    state BACKUP
    interface eth0
    virtual_router_id 53
    priority %d
    advert_int 1
    virtual_ipaddress {
        192.0.2.103/24
    }
}
`, m.prio)
	}
	b.WriteString(`virtual_server 192.0.2.100 7 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
`)
	for _, rs := range m.rs {
		fmt.Fprintf(&b, `    real_server %s 7 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
`, rs)
	}
	b.WriteString("}\n")
	return b.String()
}

// echoServer answers each connection with its name on a line, then
// echoes every line back.
func echoServer(t *testing.T, ns *netnstest.NS, addr, name string) {
	t.Helper()
	var ln net.Listener
	if err := ns.Do(func() (err error) { ln, err = net.Listen("tcp", addr); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				fmt.Fprintln(c, name)
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					if _, err := fmt.Fprintln(c, sc.Text()); err != nil {
						return
					}
				}
			}()
		}
	}()
}

// longConn is one TCP connection that exchanges a line every 100 ms and
// records its first failure and its longest gap between answers.
type longConn struct {
	server string // the real server that answered first

	mu      sync.Mutex
	err     error
	maxGap  time.Duration
	rounds  int
	stopped chan struct{}
	done    chan struct{}
}

func dialLong(t *testing.T, client *netnstest.NS, addr string) *longConn {
	t.Helper()
	var c net.Conn
	if err := client.Do(func() (err error) { c, err = net.DialTimeout("tcp", addr, 2*time.Second); return err }); err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	r := bufio.NewReader(c)
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	name, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the real server's name: %v", err)
	}
	lc := &longConn{server: strings.TrimSpace(name), stopped: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(lc.done)
		defer c.Close()
		last := time.Now()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for seq := 0; ; seq++ {
			select {
			case <-lc.stopped:
				return
			case <-tick.C:
			}
			_ = c.SetDeadline(time.Now().Add(3 * time.Second))
			msg := fmt.Sprintf("seq %d", seq)
			_, err := fmt.Fprintln(c, msg)
			var got string
			if err == nil {
				got, err = r.ReadString('\n')
			}
			if err == nil && strings.TrimSpace(got) != msg {
				err = fmt.Errorf("sent %q, got %q", msg, got)
			}
			now := time.Now()
			lc.mu.Lock()
			if err != nil {
				lc.err = fmt.Errorf("round %d: %w", seq, err)
				lc.mu.Unlock()
				return
			}
			lc.maxGap = max(lc.maxGap, now.Sub(last))
			lc.rounds++
			lc.mu.Unlock()
			last = now
		}
	}()
	return lc
}

// check fails the test if the connection broke or stalled over a
// second so far.
func (lc *longConn) check(t *testing.T, step string) {
	t.Helper()
	lc.mu.Lock()
	defer lc.mu.Unlock()
	if lc.err != nil {
		t.Fatalf("%s: the long connection broke: %v", step, lc.err)
	}
	if lc.maxGap > time.Second {
		t.Fatalf("%s: the long connection stalled for %v", step, lc.maxGap)
	}
}

func (lc *longConn) stop() (rounds int, maxGap time.Duration) {
	close(lc.stopped)
	<-lc.done
	lc.mu.Lock()
	defer lc.mu.Unlock()
	return lc.rounds, lc.maxGap
}

// TestReloadMatrix runs two LVS-NAT directors (VRRP sync group and an
// echo virtual server on the nftables dataplane, parent mode) while a
// client keeps one TCP connection through the VIP to a real server,
// exchanging a line every 100 ms. Both directors are reloaded through
// each step of the matrix: a real server added, another removed, a VIP
// added and removed, an instance added and removed, a priority change,
// an unchanged configuration (no transition, GARP or notify) and a
// broken one (refused with FILE:LINE, the old one keeps running). The
// connection survives every step without a stall over a second.
func TestReloadMatrix(t *testing.T) {
	netnstest.Require(t)
	bin := ourBinary(t)
	ctl := filepath.Join(t.TempDir(), "keepalivedctl")
	if out, err := exec.Command("go", "build", "-o", ctl, "../../cmd/keepalivedctl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	front, back := netnstest.NewLAN(t, "front"), netnstest.NewLAN(t, "back")
	client := netnstest.New(t, "client")
	front.Attach(client, "eth0")
	client.IP("addr", "add", "192.0.2.10/24", "dev", "eth0")
	var dirs []*node
	for i, name := range []string{"a", "b"} {
		ns := netnstest.New(t, name)
		front.Attach(ns, "eth0")
		back.Attach(ns, "eth1")
		ns.IP("addr", "add", fmt.Sprintf("192.0.2.%d/24", i+1), "dev", "eth0")
		ns.IP("addr", "add", fmt.Sprintf("198.51.100.%d/24", i+1), "dev", "eth1")
		ns.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1")
		n := &node{t: t, name: name, ns: ns, dir: t.TempDir(), out: &syncBuffer{}, parentMode: true}
		t.Cleanup(func() {
			n.kill()
			if t.Failed() {
				t.Logf("=== %s log:\n%s", n.name, n.out.String())
			}
		})
		dirs = append(dirs, n)
	}
	a, b := dirs[0], dirs[1]
	rsAddr := map[string]string{"rs1": "198.51.100.11", "rs2": "198.51.100.12", "rs3": "198.51.100.13"}
	for _, name := range []string{"rs1", "rs2", "rs3"} {
		ns := netnstest.New(t, name)
		back.Attach(ns, "eth0")
		ns.IP("addr", "add", rsAddr[name]+"/24", "dev", "eth0")
		ns.IP("route", "add", "192.0.2.0/24", "via", "198.51.100.254")
		echoServer(t, ns, rsAddr[name]+":7", name)
	}

	confs := map[*node]matrixConf{}
	for _, n := range dirs {
		notify := filepath.Join(n.dir, "notify.sh")
		writeScript(t, notify, "#!/bin/sh\necho \"$@\" >> "+filepath.Join(n.dir, "notified")+"\n")
		confs[n] = matrixConf{router: n.name, prio: map[*node]int{a: 150, b: 100}[n], rs: []string{rsAddr["rs1"], rsAddr["rs2"]}, notify: notify}
		n.startArgs(bin, confs[n].String())
	}
	waitHolder(t, 15*time.Second, "192.0.2.100", a, a, b)
	waitFor(t, 5*time.Second, "a to hold the back VIP", func() bool { return hasAddrOn(a, "eth1", "198.51.100.254") })
	waitFor(t, 15*time.Second, "both real servers in a's dataplane", func() bool {
		out := a.ns.Exec("nft", "list", "ruleset")
		return strings.Contains(out, rsAddr["rs1"]) && strings.Contains(out, rsAddr["rs2"])
	})
	// The backup's initial notify has run: later notifies are reloads'.
	waitFor(t, 5*time.Second, "the initial notifies", func() bool {
		return fileContains(filepath.Join(a.dir, "notified"), "MASTER") && fileContains(filepath.Join(b.dir, "notified"), "BACKUP")
	})

	lc := dialLong(t, client, "192.0.2.100:7")
	other := map[string]string{"rs1": "rs2", "rs2": "rs1"}[lc.server]
	if other == "" {
		t.Fatalf("the long connection reached %q, want rs1 or rs2", lc.server)
	}
	t.Logf("the long connection is served by %s", lc.server)

	// vrrpEntries counts a's and b's transitions of the sync group.
	vrrpEntries := func() int {
		n := 0
		for _, d := range dirs {
			for _, vi := range []string{"(VI_FRONT) Entering", "(VI_BACK) Entering"} {
				n += strings.Count(d.out.String(), vi)
			}
		}
		return n
	}
	entries := vrrpEntries()
	firstReload := time.Now()
	reload := func(n *node, m matrixConf) (string, error) {
		t.Helper()
		confs[n] = m
		if err := os.WriteFile(filepath.Join(n.dir, "keepalived.conf"), []byte(m.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		out, err := exec.CommandContext(ctx, ctl, "reload", "--socket", filepath.Join(n.dir, "keepalived.ctl")).CombinedOutput()
		return string(out), err
	}
	step := func(name string, change func(m *matrixConf), verify func() bool) {
		t.Helper()
		for _, n := range dirs {
			m := confs[n]
			m.rs = append([]string(nil), m.rs...)
			change(&m)
			if out, err := reload(n, m); err != nil {
				t.Fatalf("%s: reload of %s: %v\n%s", name, n.name, err, out)
			}
		}
		if verify != nil {
			waitFor(t, 15*time.Second, name, verify)
		}
		time.Sleep(500 * time.Millisecond)
		lc.check(t, name)
		if h := holders("192.0.2.100", a, b); len(h) != 1 || h[0] != "a" {
			t.Fatalf("%s: the VIP is held by %v, want [a]", name, h)
		}
		t.Logf("%s: ok", name)
	}
	nftHas := func(n *node, s string) bool { return strings.Contains(n.ns.Exec("nft", "list", "ruleset"), s) }

	step("real server added", func(m *matrixConf) { m.rs = append(m.rs, rsAddr["rs3"]) },
		func() bool { return nftHas(a, rsAddr["rs3"]) })
	step("another real server removed", func(m *matrixConf) {
		m.rs = []string{rsAddr[lc.server], rsAddr["rs3"]}
	}, func() bool { return !nftHas(a, rsAddr[other]) })
	step("VIP added", func(m *matrixConf) { m.extraVIP = true },
		func() bool { return a.hasAddr("192.0.2.101") && !b.hasAddr("192.0.2.101") })
	step("VIP removed", func(m *matrixConf) { m.extraVIP = false },
		func() bool { return !a.hasAddr("192.0.2.101") })
	step("instance added", func(m *matrixConf) { m.extraVI = true }, func() bool {
		h := holders("192.0.2.103", a, b)
		return len(h) == 1 && h[0] == "a"
	})
	step("instance removed", func(m *matrixConf) { m.extraVI = false },
		func() bool { return len(holders("192.0.2.103", a, b)) == 0 })
	step("priority change", func(m *matrixConf) { m.prio -= 10 }, func() bool {
		out, err := exec.Command(ctl, "status", "--json", "--socket", filepath.Join(a.dir, "keepalived.ctl")).Output()
		if err != nil {
			return false
		}
		var st struct {
			Instances []struct {
				Name     string `json:"name"`
				Priority int    `json:"priority"`
			} `json:"vrrp_instances"`
		}
		if json.Unmarshal(out, &st) != nil {
			return false
		}
		for _, in := range st.Instances {
			if in.Name == "VI_FRONT" {
				return in.Priority == 140
			}
		}
		return false
	})
	if n := vrrpEntries(); n != entries {
		t.Fatalf("the sync group made %d transitions during the reloads", n-entries)
	}

	// keepalivedctl check show: the kept real server's checker is up
	// since before the reloads (its history survives them), the removed
	// one is gone, the added one is checked.
	out, err := exec.Command(ctl, "check", "show", "--json", "--socket", filepath.Join(a.dir, "keepalived.ctl")).Output()
	if err != nil {
		t.Fatalf("check show: %v", err)
	}
	var checks []struct {
		RealServer string `json:"real_server"`
		Checkers   []struct {
			Type    string    `json:"type"`
			Up      bool      `json:"up"`
			Since   time.Time `json:"since"`
			LastRun time.Time `json:"last_run"`
			LastOK  bool      `json:"last_ok"`
		} `json:"checkers"`
	}
	if err := json.Unmarshal(out, &checks); err != nil {
		t.Fatalf("check show --json: %v\n%s", err, out)
	}
	seen := map[string]bool{}
	for _, c := range checks {
		seen[c.RealServer] = true
		if len(c.Checkers) != 1 || c.Checkers[0].Type != "TCP_CHECK" || !c.Checkers[0].Up || !c.Checkers[0].LastOK || c.Checkers[0].LastRun.IsZero() {
			t.Errorf("check show: %s has %+v, want one TCP_CHECK up and passing", c.RealServer, c.Checkers)
		}
		if c.RealServer == "["+rsAddr[lc.server]+"]:tcp:7" && len(c.Checkers) == 1 && !c.Checkers[0].Since.Before(firstReload) {
			t.Errorf("check show: the kept server's checker is up since %v, after the first reload (%v)", c.Checkers[0].Since, firstReload)
		}
	}
	if want := []string{"[" + rsAddr[lc.server] + "]:tcp:7", "[" + rsAddr["rs3"] + "]:tcp:7"}; len(seen) != 2 || !seen[want[0]] || !seen[want[1]] {
		t.Errorf("check show lists %v, want %v\n%s", seen, want, out)
	}

	// Unchanged: no transition, no gratuitous ARP, no notify.
	garps := strings.Count(a.out.String()+b.out.String(), "Sending/queueing gratuitous")
	notified := readFile(filepath.Join(a.dir, "notified")) + readFile(filepath.Join(b.dir, "notified"))
	step("unchanged configuration", func(*matrixConf) {}, nil)
	time.Sleep(2 * time.Second)
	if n := vrrpEntries(); n != entries {
		t.Errorf("an unchanged reload made %d transitions", n-entries)
	}
	if n := strings.Count(a.out.String()+b.out.String(), "Sending/queueing gratuitous"); n != garps {
		t.Errorf("an unchanged reload sent %d gratuitous ARP bursts", n-garps)
	}
	if now := readFile(filepath.Join(a.dir, "notified")) + readFile(filepath.Join(b.dir, "notified")); now != notified {
		t.Errorf("an unchanged reload ran notify scripts: %q", strings.TrimPrefix(now, notified))
	}

	// Broken: refused with FILE:LINE; the old configuration keeps running.
	file := filepath.Join(a.dir, "keepalived.conf")
	broken := strings.Replace(confs[a].String(), "virtual_router_id 52", "virtual_router_id 999", 1)
	if err := os.WriteFile(file, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err = exec.Command(ctl, "reload", "--socket", filepath.Join(a.dir, "keepalived.ctl")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "the running configuration is kept") {
		t.Fatalf("a broken configuration: err %v\n%s", err, out)
	}
	line := 0
	for i, l := range strings.Split(broken, "\n") {
		if strings.Contains(l, "virtual_router_id 999") {
			line = i + 1
		}
	}
	if want := fmt.Sprintf("%s:%d: number '999' outside range [1, 255]", file, line); !a.out.contains(want) {
		t.Errorf("the daemon did not log %q", want)
	}
	time.Sleep(time.Second)
	if !nftHas(a, rsAddr["rs3"]) || !hasAddrOn(a, "eth1", "198.51.100.254") {
		t.Fatal("after a refused reload the running configuration is gone")
	}
	lc.check(t, "broken configuration")
	rounds, gap := lc.stop()
	t.Logf("the long connection made %d round trips, longest gap %v", rounds, gap)
	if n := vrrpEntries(); n != entries {
		t.Errorf("the sync group made %d transitions in all", n-entries)
	}
}

// hasAddrOn says whether n holds addr on dev.
func hasAddrOn(n *node, dev, addr string) bool {
	out, err := n.ns.Command("ip", "-o", "addr", "show", "dev", dev).CombinedOutput()
	return err == nil && strings.Contains(string(out), " "+addr+"/")
}
