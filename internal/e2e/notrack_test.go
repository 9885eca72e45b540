package e2e

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// TestCheckerNotrack runs keepalived -C with the nftables dataplane and
// checker_notrack against TCP, HTTP and UDP real servers: the checks
// work (a failure removes its server, the recovery adds it back) and
// leave no conntrack entry in the director, while an unmarked connection
// from the director is tracked. A reload without checker_notrack removes
// its table and the checks are tracked again; one with it writes the
// table back; SIGTERM removes it.
func TestCheckerNotrack(t *testing.T) {
	netnstest.Require(t)
	bin, ctl := ourBinary(t), ctlBinary(t)
	rs, n := newCheckerLab(t, "198.51.100.11/24", "198.51.100.12/24", "198.51.100.21/24")
	dir := n.ns
	tcp := &tcpServer{ns: rs, addr: "198.51.100.11:80"}
	tcp.start(t)
	web := newSwitchWeb(t, rs, "198.51.100.12:80", webPage{status: 200, body: "ok\n"})
	echo := newUDPEcho(t, rs, "198.51.100.21:7")

	conf := func(notrack bool) string {
		var b strings.Builder
		b.WriteString("global_defs {\n    lvs_dataplane nftables\n")
		if notrack {
			b.WriteString("    checker_notrack\n")
		}
		b.WriteString("}\n")
		for i, s := range []struct{ proto, rs, check string }{
			{"TCP", "198.51.100.11 80", "TCP_CHECK {\n retry 0\n connect_timeout 1\n }"},
			{"TCP", "198.51.100.12 80", "HTTP_GET {\n url {\n path /\n status_code 200\n }\n retry 0\n connect_timeout 1\n }"},
			{"UDP", "198.51.100.21 7", "UDP_CHECK {\n payload 6b61\n require_reply 6b61\n retry 0\n connect_timeout 1\n }"},
		} {
			fmt.Fprintf(&b, "virtual_server 192.0.2.100 %d {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol %s\n    real_server %s {\n        %s\n    }\n}\n",
				8001+i, s.proto, s.rs, s.check)
		}
		return b.String()
	}
	n.startArgs(bin, conf(true), "-C")
	sock := filepath.Join(n.dir, "keepalived.ctl")
	inTable := func(vs, rs string) bool {
		st, err := readLVS(ctl, sock)
		return err == nil && st.table[vs][rs]
	}
	allUp := func() bool {
		return inTable("TCP 192.0.2.100:8001", "198.51.100.11:80") && inTable("TCP 192.0.2.100:8002", "198.51.100.12:80") &&
			inTable("UDP 192.0.2.100:8003", "198.51.100.21:7")
	}
	waitFor(t, 10*time.Second, "the real servers in the dataplane", allUp)
	entries := func() int {
		t.Helper()
		v, err := strconv.Atoi(strings.TrimSpace(dir.Exec("cat", "/proc/sys/net/netfilter/nf_conntrack_count")))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	hits := func() int64 { return tcp.hits.Load() + web.hits.Load() + echo.hits.Load() }
	h := hits()
	waitFor(t, 10*time.Second, "more checks", func() bool { return hits() >= h+6 })
	if e := entries(); e != 0 {
		t.Errorf("conntrack holds %d entries after the checks, want none", e)
	}
	if !n.out.contains("checker_notrack: the checkers' connections (mark 0x4b47) bypass conntrack") {
		t.Error("no checker_notrack line in the log")
	}
	hasTable := func() bool {
		return dir.Command("nft", "list", "table", "inet", "keepalived_go_notrack").Run() == nil
	}
	if !hasTable() {
		t.Fatal("no table inet keepalived_go_notrack")
	}

	// A failure and recovery, untracked (the refusal is a reset the
	// prerouting rule matches by its socket too).
	tcp.stop()
	waitFor(t, 10*time.Second, "the refused server removed", func() bool {
		return !inTable("TCP 192.0.2.100:8001", "198.51.100.11:80")
	})
	tcp.start(t)
	waitFor(t, 10*time.Second, "the server back", allUp)
	if e := entries(); e != 0 {
		t.Errorf("conntrack holds %d entries after the failure and recovery, want none", e)
	}
	// conntrack is on: the director's own connection is tracked.
	if err := dir.Do(func() error {
		c, err := net.DialTimeout("tcp4", "198.51.100.11:80", 2*time.Second)
		if err == nil {
			c.Close()
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if e := entries(); e == 0 {
		t.Error("an unmarked connection left no conntrack entry: the test sees nothing")
	}

	reload := func(notrack bool) {
		t.Helper()
		if err := os.WriteFile(filepath.Join(n.dir, "keepalived.conf"), []byte(conf(notrack)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := n.cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
	}
	reload(false)
	waitFor(t, 10*time.Second, "the notrack table removed by the reload", func() bool { return !hasTable() })
	before := entries()
	h = hits()
	waitFor(t, 10*time.Second, "checks after the reload", func() bool { return hits() >= h+6 })
	if e := entries(); e < before+3 {
		t.Errorf("without checker_notrack the checks made %d conntrack entries, want them tracked (3 or more)", e-before)
	}
	if !allUp() {
		t.Error("a real server left the dataplane over the reload")
	}
	reload(true)
	waitFor(t, 10*time.Second, "the notrack table back", hasTable)
	n.stop()
	if hasTable() {
		t.Error("table inet keepalived_go_notrack stays after SIGTERM")
	}
}
