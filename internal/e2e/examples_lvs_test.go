package e2e

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// exampleDirector runs examples/FILE on the director namespace dir as an
// operator would (parent, VRRP and checker children).
func exampleDirector(t *testing.T, dir *netnstest.NS, file string) *node {
	t.Helper()
	conf, err := os.ReadFile(filepath.Join("../../examples", file))
	if err != nil {
		t.Fatal(err)
	}
	n := &node{t: t, name: "lb1", ns: dir, dir: t.TempDir(), out: &syncBuffer{}, parentMode: true}
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("=== lb1 log:\n%s", n.out.String())
		}
	})
	n.startArgs(ourBinary(t), string(conf))
	return n
}

// TestSorryServerExample runs examples/sorry-server/lb1.conf: with both
// real servers down the client gets the sorry server's page; one real
// server back and the sorry server leaves the pool.
func TestSorryServerExample(t *testing.T) {
	client, dir, web1, web2 := natLab(t, "198.51.100.1")
	// The sorry server: its own address on the back LAN (in rs2's
	// namespace, a host of its own as far as the director can tell).
	web2.ns.IP("addr", "add", "198.51.100.20/24", "dev", "eth0")
	sorry := &webServer{ns: web2.ns, addr: "198.51.100.20:80", name: "sorry"}
	sorry.start(t)
	n := exampleDirector(t, dir, "sorry-server/lb1.conf")

	url := "http://192.0.2.100/"
	waitFor(t, 20*time.Second, "both real servers through the VIP", func() bool {
		got := ask(t, client, url, 4)
		return count(got, "rs1") == 2 && count(got, "rs2") == 2
	})
	web1.stop()
	web2.stop()
	waitFor(t, 15*time.Second, "the sorry server to be added", func() bool {
		return n.out.contains("Adding sorry server [198.51.100.20]:tcp:80 to VS [192.0.2.100]:tcp:80")
	})
	if got := ask(t, client, url, 4); count(got, "sorry") != 4 {
		t.Fatalf("with every real server down the client got %v, want the sorry server only", got)
	}
	web1.start(t)
	waitFor(t, 15*time.Second, "the sorry server to leave", func() bool {
		return n.out.contains("Removing sorry server [198.51.100.20]:tcp:80 from VS [192.0.2.100]:tcp:80")
	})
	waitFor(t, 5*time.Second, "rs1 alone", func() bool { return count(ask(t, client, url, 4), "rs1") == 4 })
}

// TestFwmarkExample runs examples/fwmark: fwmark.nft marks TCP 80 and 443
// to the VIP, "virtual_server fwmark 1" balances both ports as one
// service (the port is kept), and a real server whose port-443 check
// fails leaves the service for both ports.
func TestFwmarkExample(t *testing.T) {
	client, dir, web1, web2 := natLab(t, "198.51.100.1")
	// natLab's servers answer "rs1", "rs2" on port 80.
	tls1 := &webServer{ns: web1.ns, addr: "198.51.100.11:443", name: "rs1:443"}
	tls2 := &webServer{ns: web2.ns, addr: "198.51.100.12:443", name: "rs2:443"}
	tls1.start(t)
	tls2.start(t)
	abs, err := filepath.Abs("../../examples/fwmark/fwmark.nft")
	if err != nil {
		t.Fatal(err)
	}
	dir.Exec("nft", "-f", abs)
	n := exampleDirector(t, dir, "fwmark/lb1.conf")

	both := func(port, a, b string) bool {
		got := ask(t, client, "http://192.0.2.100:"+port+"/", 4)
		return count(got, a) == 2 && count(got, b) == 2
	}
	t.Cleanup(func() {
		if t.Failed() {
			out, _ := dir.Command("nft", "list", "ruleset").CombinedOutput()
			t.Logf("director's ruleset:\n%s", out)
		}
	})
	waitFor(t, 20*time.Second, "port 80 shared by both real servers", func() bool { return both("80", "rs1", "rs2") })
	if !both("443", "rs1:443", "rs2:443") {
		t.Errorf("port 443 is not shared: %v", ask(t, client, "http://192.0.2.100:443/", 4))
	}
	// Another port of the VIP is not marked, so not balanced.
	if got := ask(t, client, "http://192.0.2.100:8080/", 1); got[0] != "-" {
		t.Errorf("port 8080 answered %v", got)
	}

	tls1.stop()
	waitFor(t, 15*time.Second, "rs1 to leave the fwmark service", func() bool {
		return n.out.contains("Removing service [198.51.100.11]:none:0 from VS FWM 1")
	})
	for port, want := range map[string]string{"80": "rs2", "443": "rs2:443"} {
		got := ask(t, client, "http://192.0.2.100:"+port+"/", 4)
		if count(got, want) != 4 {
			t.Errorf("with rs1 out, port %s got %v; want %s only", port, got, want)
		}
	}
}
