package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// drLab is the seeds' LVS-DR setup on one LAN: a client (192.0.2.10),
// directors added by the test, and two web servers rs1, rs2
// (192.0.2.11/12) holding the VIP 192.0.2.100 on lo with arp_ignore=1 and
// arp_announce=2, answering their name on port 80 of every address.
func drLab(t *testing.T) (l *lab, client *netnstest.NS, web1, web2 *webServer) {
	t.Helper()
	l = newLab(t)
	client = netnstest.New(t, "client")
	l.lan.Attach(client, "eth0")
	client.IP("addr", "add", "192.0.2.10/24", "dev", "eth0")
	var webs []*webServer
	for i, name := range []string{"rs1", "rs2"} {
		rs := netnstest.New(t, name)
		l.lan.Attach(rs, "eth0")
		rs.Exec("sysctl", "-qw", "net.ipv4.conf.all.arp_ignore=1", "net.ipv4.conf.all.arp_announce=2")
		rs.IP("addr", "add", []string{"192.0.2.11/24", "192.0.2.12/24"}[i], "dev", "eth0")
		rs.IP("addr", "add", "192.0.2.100/32", "dev", "lo")
		w := &webServer{ns: rs, addr: ":80", name: name}
		w.start(t)
		webs = append(webs, w)
	}
	return l, client, webs[0], webs[1]
}

// buildCtl builds keepalivedctl.
func buildCtl(t *testing.T) string {
	t.Helper()
	ctl := filepath.Join(t.TempDir(), "keepalivedctl")
	if out, err := exec.Command("go", "build", "-o", ctl, "../../cmd/keepalivedctl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return ctl
}

// lvsDests runs keepalivedctl lvs list against n and returns the real
// servers it lists under the virtual server vs ("TCP  192.0.2.100:80")
// with their forwarding method ("192.0.2.11:80 Route"), and the whole
// output.
func lvsDests(t *testing.T, ctl string, n *node, vs string) ([]string, string) {
	t.Helper()
	out, err := exec.Command(ctl, "lvs", "list", "--socket", filepath.Join(n.dir, "keepalived.ctl")).CombinedOutput()
	if err != nil {
		return nil, string(out) + err.Error()
	}
	var dests []string
	in := false
	for line := range strings.SplitSeq(string(out), "\n") {
		switch {
		case strings.HasPrefix(line, vs):
			in = true
		case strings.HasPrefix(line, "  -> ") && in:
			if f := strings.Fields(line); len(f) > 2 && f[1] != "RemoteAddress:Port" {
				dests = append(dests, f[1]+" "+f[2])
			}
		default:
			in = false
		}
	}
	return dests, string(out)
}

// TestLVSDRExample runs examples/lvs-dr/lb1.conf and lb2.conf as the
// operator would (parent, VRRP and checker children; the nftables
// dataplane here, the kernel having no IPVS) in the seeds' LVS-DR setup:
// lb1 becomes MASTER and the client's requests reach both web servers
// through it, the replies coming straight from them; a web server whose
// service stops is removed within delay_loop x (retry+1) +
// connect_timeout and comes back when it starts; keepalivedctl lvs list
// shows the table at each step; when lb1 stops, lb2 takes over.
func TestLVSDRExample(t *testing.T) {
	l, client, web1, _ := drLab(t)
	read := func(name string) string {
		s, err := os.ReadFile(filepath.Join("../../examples/lvs-dr", name))
		if err != nil {
			t.Fatal(err)
		}
		return string(s)
	}
	lb1, lb2 := l.node("lb1", "192.0.2.1", ""), l.node("lb2", "192.0.2.2", "")
	lb1.parentMode, lb2.parentMode = true, true
	bin, ctl := ourBinary(t), buildCtl(t)
	lb1.startArgs(bin, read("lb1.conf"))
	lb2.startArgs(bin, read("lb2.conf"))
	waitHolder(t, 15*time.Second, "192.0.2.100", lb1, lb1, lb2)
	t.Logf("lb1 is MASTER")

	const url, vs = "http://192.0.2.100/", "TCP  192.0.2.100:80"
	both := []string{"192.0.2.11:80 Route", "192.0.2.12:80 Route"}
	waitFor(t, 10*time.Second, "both web servers through the VIP", func() bool {
		got := ask(t, client, url, 8)
		return count(got, "rs1")+count(got, "rs2") == 8 && count(got, "rs1") > 0 && count(got, "rs2") > 0
	})
	t.Logf("both web servers answer")
	if !lb1.out.contains("using the nftables dataplane") {
		t.Logf("lb1 does not say it uses the nftables dataplane (kernel IPVS?)")
	}
	for _, n := range []*node{lb1, lb2} {
		if got, out := lvsDests(t, ctl, n, vs); !slices.Equal(got, both) {
			t.Errorf("%s: keepalivedctl lvs list: real servers %v, want %v:\n%s", n.name, got, both, out)
		}
	}
	// keepalivedctl lvs conns reaches the checker child through the
	// parent; DR connections leave no state on an nftables director.
	if out, err := exec.Command(ctl, "lvs", "conns", "--socket", filepath.Join(lb1.dir, "keepalived.ctl")).CombinedOutput(); err != nil ||
		!strings.HasPrefix(string(out), "IPVS connection entries\npro expire state") {
		t.Errorf("keepalivedctl lvs conns: %v\n%s", err, out)
	}
	// The director forwards without rewriting: the web servers see the
	// client's address and answer it themselves (the director sees no
	// reply, so its table counts only the client's packets).
	if out, _ := lb1.ns.Command("nft", "list", "table", "ip", "keepalived_go_dr").CombinedOutput(); !strings.Contains(string(out), "dup to 192.0.2.11") {
		t.Errorf("lb1's DR table:\n%s", out)
	}

	// delay_loop 2, retry 1, connect_timeout 1: removed within 2 x 2 + 1 s
	// (and a second of slack for a loaded machine).
	const bound = 2*(1+1)*time.Second + time.Second
	web1.stop()
	stopped := time.Now()
	waitFor(t, bound+time.Second, "rs1 to leave lb1's table", func() bool {
		got, _ := lvsDests(t, ctl, lb1, vs)
		return slices.Equal(got, both[1:])
	})
	t.Logf("rs1 removed %v after its web server stopped (bound %v)", time.Since(stopped).Round(100*time.Millisecond), bound)
	if got := ask(t, client, url, 6); count(got, "rs2") != 6 {
		t.Errorf("with rs1 down the client got %v, want rs2 only", got)
	}

	web1.start(t)
	waitFor(t, bound+time.Second, "rs1 back in lb1's table", func() bool {
		got, _ := lvsDests(t, ctl, lb1, vs)
		return slices.Equal(got, both)
	})
	waitFor(t, 5*time.Second, "both web servers again", func() bool {
		got := ask(t, client, url, 8)
		return count(got, "rs1") > 0 && count(got, "rs2") > 0 && count(got, "rs1")+count(got, "rs2") == 8
	})

	// lb1 stops: it releases the VIP and its tables; lb2 takes over the
	// VIP, already holding the virtual server.
	lb1.stop()
	waitHolder(t, 10*time.Second, "192.0.2.100", lb2, lb1, lb2)
	if out, _ := lb1.ns.Command("nft", "list", "ruleset").CombinedOutput(); strings.Contains(string(out), "192.0.2.11") {
		t.Errorf("lb1's rules are still there after stop:\n%s", out)
	}
	waitFor(t, 10*time.Second, "both web servers through lb2", func() bool {
		got := ask(t, client, url, 8)
		return count(got, "rs1") > 0 && count(got, "rs2") > 0 && count(got, "rs1")+count(got, "rs2") == 8
	})
}
