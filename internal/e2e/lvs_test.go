package e2e

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// webServer serves a page naming itself on addr inside ns until stopped.
type webServer struct {
	ns   *netnstest.NS
	addr string
	name string
	srv  *http.Server
}

func (w *webServer) start(t *testing.T) {
	t.Helper()
	var ln net.Listener
	if err := w.ns.Do(func() (err error) { ln, err = net.Listen("tcp", w.addr); return err }); err != nil {
		t.Fatal(err)
	}
	w.srv = &http.Server{Handler: http.HandlerFunc(func(rw http.ResponseWriter, _ *http.Request) { fmt.Fprintln(rw, w.name) })}
	go w.srv.Serve(ln)
	t.Cleanup(func() { w.srv.Close() })
}

func (w *webServer) stop() { w.srv.Close() }

// ask sends n requests from the client and lists who answered.
func ask(t *testing.T, client *netnstest.NS, url string, n int) []string {
	t.Helper()
	var got []string
	for range n {
		out, err := client.Command("curl", "-s", "--max-time", "2", url).Output()
		if err != nil {
			got = append(got, "-")
			continue
		}
		got = append(got, strings.TrimSpace(string(out)))
	}
	return got
}

func count(list []string, s string) int {
	n := 0
	for _, x := range list {
		if x == s {
			n++
		}
	}
	return n
}

// natLab builds an LVS-NAT lab: a client (192.0.2.10) and a director
// (192.0.2.1, forwarding) on a front LAN, the director (198.51.100.1 on
// eth1) and two web servers rs1, rs2 (198.51.100.11/12, answering their
// name) on a back LAN, whose route back to the clients is gw.
func natLab(t *testing.T, gw string) (client, dir *netnstest.NS, web1, web2 *webServer) {
	t.Helper()
	netnstest.Require(t)
	front, back := netnstest.NewLAN(t, "front"), netnstest.NewLAN(t, "back")
	client, dir = netnstest.New(t, "client"), netnstest.New(t, "dir")
	rs1, rs2 := netnstest.New(t, "rs1"), netnstest.New(t, "rs2")
	front.Attach(client, "eth0")
	front.Attach(dir, "eth0")
	back.Attach(dir, "eth1")
	back.Attach(rs1, "eth0")
	back.Attach(rs2, "eth0")
	client.IP("addr", "add", "192.0.2.10/24", "dev", "eth0")
	dir.IP("addr", "add", "192.0.2.1/24", "dev", "eth0")
	dir.IP("addr", "add", "198.51.100.1/24", "dev", "eth1")
	dir.Exec("sysctl", "-qw", "net.ipv4.ip_forward=1")
	for i, rs := range []*netnstest.NS{rs1, rs2} {
		rs.IP("addr", "add", fmt.Sprintf("198.51.100.%d/24", 11+i), "dev", "eth0")
		rs.IP("route", "add", "192.0.2.0/24", "via", gw)
	}
	web1 = &webServer{ns: rs1, addr: "198.51.100.11:80", name: "rs1"}
	web2 = &webServer{ns: rs2, addr: "198.51.100.12:80", name: "rs2"}
	web1.start(t)
	web2.start(t)
	return client, dir, web1, web2
}

// TestLVSNATWithChecks: a virtual server with two real servers behind an
// LVS-NAT director (the nftables dataplane here, the kernel having no
// IPVS): requests are shared round robin; a real server whose web server
// stops is removed after its check fails and added back when it returns,
// with keepalived's log lines.
func TestLVSNATWithChecks(t *testing.T) {
	client, dir, web1, _ := natLab(t, "198.51.100.1")
	dir.IP("addr", "add", "192.0.2.100/24", "dev", "eth0")

	n := &node{t: t, name: "dir", ns: dir, dir: t.TempDir(), out: &syncBuffer{}}
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("=== director log:\n%s", n.out.String())
		}
	})
	conf := `global_defs {
    lvs_dataplane nftables
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
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 1
            delay_before_retry 1
        }
    }
}
`
	n.startArgs(ourBinary(t), conf, "-C")

	url := "http://192.0.2.100/"
	waitFor(t, 10*time.Second, "both real servers to answer", func() bool {
		got := ask(t, client, url, 4)
		return count(got, "rs1") == 2 && count(got, "rs2") == 2
	})

	const removed = "Removing service [198.51.100.11]:tcp:80 from VS [192.0.2.100]:tcp:80"
	const added = "Adding service [198.51.100.11]:tcp:80 to VS [192.0.2.100]:tcp:80"
	before := strings.Count(n.out.String(), removed)
	web1.stop()
	waitFor(t, 15*time.Second, "rs1 to be removed", func() bool {
		return strings.Count(n.out.String(), removed) > before
	})
	if got := ask(t, client, url, 4); count(got, "rs2") != 4 {
		t.Fatalf("with rs1 down the client got %v, want rs2 only", got)
	}

	before = strings.Count(n.out.String(), added)
	web1.start(t)
	waitFor(t, 15*time.Second, "rs1 to be added back", func() bool {
		return strings.Count(n.out.String(), added) > before
	})
	waitFor(t, 5*time.Second, "both real servers again", func() bool {
		got := ask(t, client, url, 4)
		return count(got, "rs1") == 2 && count(got, "rs2") == 2
	})

	// At stop the director removes its virtual servers.
	n.stop()
	out, _ := dir.Command("nft", "list", "ruleset").CombinedOutput()
	if strings.Contains(string(out), "198.51.100.11") {
		t.Errorf("the virtual server's rules are still there after stop:\n%s", out)
	}
}

// TestLVSNATExample runs examples/lvs-nat/lb1.conf as the operator
// would (parent, VRRP child, checker child) on a director between a
// client and two web servers: it becomes MASTER of both VIPs, balances
// the client's requests, and drops a web server that stops.
func TestLVSNATExample(t *testing.T) {
	client, dir, web1, _ := natLab(t, "198.51.100.254")
	conf, err := os.ReadFile("../../examples/lvs-nat/lb1.conf")
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
	url := "http://192.0.2.100/"
	waitFor(t, 15*time.Second, "both web servers through the VIP", func() bool {
		got := ask(t, client, url, 4)
		return count(got, "rs1") == 2 && count(got, "rs2") == 2
	})
	// keepalivedctl lvs list shows the dataplane's table.
	ctl := filepath.Join(t.TempDir(), "keepalivedctl")
	if out, err := exec.Command("go", "build", "-o", ctl, "../../cmd/keepalivedctl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(ctl, "lvs", "list", "--socket", filepath.Join(n.dir, "keepalived.ctl")).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "TCP  192.0.2.100:80") || !strings.Contains(string(out), "198.51.100.11:80") {
		t.Errorf("keepalivedctl lvs list: %v\n%s", err, out)
	}

	web1.stop()
	waitFor(t, 15*time.Second, "rs1 to leave the pool", func() bool {
		return count(ask(t, client, url, 4), "rs2") == 4
	})

	// A reload (SIGHUP to the parent) keeps the failed rs1 out: the
	// checkers restart from each server's state.
	added := strings.Count(n.out.String(), "Adding service [198.51.100.11]:tcp:80")
	if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 10*time.Second, "the reload", func() bool { return n.out.contains("Reload complete") })
	for range 10 {
		if got := ask(t, client, url, 2); count(got, "rs1") != 0 {
			t.Fatalf("after a reload the failed rs1 answered: %v", got)
		}
	}
	if strings.Count(n.out.String(), "Adding service [198.51.100.11]:tcp:80") != added {
		t.Errorf("a reload re-added the failed rs1")
	}
}

// TestFileCheck: a FILE_CHECK follows its track_file: a non-zero value
// (weight 0) takes the real server out of the pool, zero puts it back.
func TestFileCheck(t *testing.T) {
	client, dir, _, _ := natLab(t, "198.51.100.1")
	dir.IP("addr", "add", "192.0.2.100/24", "dev", "eth0")
	n := &node{t: t, name: "dir", ns: dir, dir: t.TempDir(), out: &syncBuffer{}}
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("=== director log:\n%s", n.out.String())
		}
	})
	state := filepath.Join(n.dir, "rs1.state")
	writeScript(t, state, "0\n")
	n.startArgs(ourBinary(t), fmt.Sprintf(`global_defs {
    lvs_dataplane nftables
}
track_file rs1_state {
    file %s
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.11 80 {
        FILE_CHECK {
            track_file rs1_state
            weight 0
        }
    }
    real_server 198.51.100.12 80 {
    }
}
`, state), "-C")
	url := "http://192.0.2.100/"
	waitFor(t, 10*time.Second, "both real servers", func() bool {
		got := ask(t, client, url, 4)
		return count(got, "rs1") == 2 && count(got, "rs2") == 2
	})
	writeScript(t, state, "1\n")
	waitFor(t, 10*time.Second, "rs1 to leave the pool", func() bool { return count(ask(t, client, url, 4), "rs2") == 4 })
	writeScript(t, state, "0\n")
	waitFor(t, 10*time.Second, "rs1 back in the pool", func() bool {
		got := ask(t, client, url, 4)
		return count(got, "rs1") == 2 && count(got, "rs2") == 2
	})
}
