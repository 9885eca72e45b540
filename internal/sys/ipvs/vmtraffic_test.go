package ipvs

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// run runs a command in the VM, failing the test on error.
func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

// vmNetns creates a namespace joined to the VM's root namespace (the
// director) by a veth pair: here gets dirAddr, the namespace gets nsAddr
// and a default route via the director.
func vmNetns(t *testing.T, name, dirAddr, nsAddr string) {
	t.Helper()
	run(t, "ip", "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	host := "v-" + name
	run(t, "ip", "link", "add", host, "type", "veth", "peer", "name", "eth0", "netns", name)
	t.Cleanup(func() { exec.Command("ip", "link", "del", host).Run() })
	run(t, "ip", "addr", "add", dirAddr, "dev", host)
	run(t, "ip", "link", "set", host, "up")
	in := func(args ...string) { run(t, "ip", append([]string{"-n", name}, args...)...) }
	in("addr", "add", nsAddr, "dev", "eth0")
	in("link", "set", "eth0", "up")
	in("link", "set", "lo", "up")
	in("route", "add", "default", "via", strings.Split(dirAddr, "/")[0])
}

// httpd starts busybox httpd in a namespace, serving a page with its
// name, and waits until the director can fetch it.
func httpd(t *testing.T, ns, addr string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "index.html"), []byte(ns+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("ip", "netns", "exec", ns, "httpd", "-f", "-p", "80", "-h", dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for range 100 {
		if out, err := exec.Command("curl", "-s", "--max-time", "2", "http://"+addr+"/").Output(); err == nil && strings.TrimSpace(string(out)) == ns {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("httpd in %s never answered on %s", ns, addr)
}

// fetch makes n requests from the client namespace to url and returns
// the pages (the real servers' names).
func fetch(t *testing.T, n int, url string) []string {
	t.Helper()
	var got []string
	for range n {
		got = append(got, run(t, "ip", "netns", "exec", "client", "curl", "-s", "--max-time", "5", url))
	}
	return got
}

// TestInVMTrafficNAT sends real HTTP requests through an IPVS NAT service
// the dataplane programmed: a client namespace, the VM's root namespace
// as director, two busybox httpd real servers in their own namespaces.
func TestInVMTrafficNAT(t *testing.T) {
	d := inVM(t)
	fwd := run(t, "cat", "/proc/sys/net/ipv4/ip_forward")
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte(fwd), 0o644) })

	vmNetns(t, "client", "192.0.2.254/24", "192.0.2.1/24")
	run(t, "ip", "addr", "add", "192.0.2.100/32", "dev", "v-client") // the VIP
	vmNetns(t, "rs1", "198.51.100.1/30", "198.51.100.2/30")
	vmNetns(t, "rs2", "198.51.100.5/30", "198.51.100.6/30")
	httpd(t, "rs1", "198.51.100.2")
	httpd(t, "rs2", "198.51.100.6")

	svc := lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: addr("192.0.2.100"), Port: 80}, Scheduler: "rr"}
	rs1 := lvs.Destination{Key: lvs.DestKey{Addr: addr("198.51.100.2"), Port: 80}, Weight: 1, Method: lvs.NAT}
	rs2 := lvs.Destination{Key: lvs.DestKey{Addr: addr("198.51.100.6"), Port: 80}, Weight: 1, Method: lvs.NAT}
	m := &model{}
	mustApply(t, d, m, []lvs.Change{
		{Op: lvs.AddService, Service: svc},
		{Op: lvs.AddDest, Service: svc, Dest: rs1},
		{Op: lvs.AddDest, Service: svc, Dest: rs2},
	})
	const url = "http://192.0.2.100/"

	got := fetch(t, 4, url)
	if got[0] == got[1] || got[0] != got[2] || got[1] != got[3] {
		t.Errorf("rr answers %q: want two real servers alternating", got)
	}
	// The kernel publishes its counters from the rate estimator, every 2 s.
	st := waitState(t, d, func(st []lvs.ServiceState) bool { return len(st) == 1 && st[0].Stats.Conns >= 4 })
	if len(st) != 1 || st[0].Stats.Conns != 4 || len(st[0].Dests) != 2 || st[0].Dests[0].Stats.Conns != 2 || st[0].Dests[1].Stats.Conns != 2 {
		t.Errorf("after 4 requests State = %+v; want 4 connections, 2 per real server", st)
	}
	if st[0].Stats.InPkts == 0 || st[0].Stats.OutBytes == 0 {
		t.Errorf("service counters not read: %+v", st[0].Stats)
	}
	// Rates move with every estimator tick: compare the counters only.
	compareListings(t, st, listPlain, listStats)

	// The connection table: the 4 requests, 2 per real server, as
	// ipvsadm -Lnc lists them (the expire column aside: it ticks).
	conns, err := d.Conns()
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	for _, c := range conns {
		if c.Virtual.String() == "192.0.2.100:80" && c.Client.Addr().String() == "192.0.2.1" {
			per[c.Dest.Addr().String()]++
		}
	}
	if per["198.51.100.2"] != 2 || per["198.51.100.6"] != 2 {
		t.Errorf("Conns: %d entries, per real server %v; want 2 and 2:\n%+v", len(conns), per, conns)
	}
	var ours strings.Builder
	if err := lvs.RenderConns(&ours, conns); err != nil {
		t.Fatal(err)
	}
	noExpire := func(s string) []string {
		var out []string
		for _, l := range strings.Split(strings.TrimSpace(s), "\n") {
			f := strings.Fields(l)
			if len(f) == 6 && strings.Contains(f[1], ":") {
				f = append(f[:1], f[2:]...)
			}
			out = append(out, strings.Join(f, " "))
		}
		sort.Strings(out)
		return out
	}
	if diff := cmp.Diff(noExpire(run(t, "ipvsadm", "-Lnc")), noExpire(ours.String())); diff != "" {
		t.Errorf("connections differ from ipvsadm -Lnc (-ipvsadm +ours):\n%s", diff)
	}

	quiesced := rs1
	quiesced.Weight = 0
	mustApply(t, d, m, []lvs.Change{{Op: lvs.UpdateDest, Service: svc, Dest: quiesced}})
	if got := fetch(t, 3, url); !cmp.Equal(got, []string{"rs2", "rs2", "rs2"}) {
		t.Errorf("with rs1 at weight 0 the answers are %q, want rs2 only", got)
	}

	mustApply(t, d, m, []lvs.Change{
		{Op: lvs.DelDest, Service: svc, Dest: rs2},
		{Op: lvs.UpdateDest, Service: svc, Dest: rs1},
	})
	if got := fetch(t, 3, url); !cmp.Equal(got, []string{"rs1", "rs1", "rs1"}) {
		t.Errorf("with rs2 removed the answers are %q, want rs1 only", got)
	}
}

// waitState polls State until ok says yes (at most 10 s), and returns it.
func waitState(t *testing.T, d *Dataplane, ok func([]lvs.ServiceState) bool) []lvs.ServiceState {
	t.Helper()
	for range 100 {
		st, err := d.State()
		if err != nil {
			t.Fatal(err)
		}
		if ok(st) {
			return st
		}
		time.Sleep(100 * time.Millisecond)
	}
	st, _ := d.State()
	return st
}
