package e2e

import (
	"crypto/md5"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

var (
	ctlOnce sync.Once
	ctlPath string
	ctlErr  error
)

// ctlBinary builds cmd/keepalivedctl once per test run.
func ctlBinary(t *testing.T) string {
	t.Helper()
	bin := ourBinary(t)
	ctlOnce.Do(func() {
		ctlPath = filepath.Join(filepath.Dir(bin), "keepalivedctl")
		if out, err := exec.Command("go", "build", "-o", ctlPath, "../../cmd/keepalivedctl").CombinedOutput(); err != nil {
			ctlErr = fmt.Errorf("go build keepalivedctl: %v\n%s", err, out)
		}
	})
	if ctlErr != nil {
		t.Fatal(ctlErr)
	}
	return ctlPath
}

// lvsState is what the daemon reports: the real servers in the
// dataplane's table under each virtual server ("TCP 192.0.2.100:8001" →
// "198.51.100.11:80"), and the model's weight of each real server by
// keepalived's names ("[192.0.2.100]:tcp:8001" → "[198.51.100.11]:tcp:80").
type lvsState struct {
	table   map[string]map[string]bool
	weights map[string]map[string]int
}

// readLVS asks keepalivedctl status --json.
func readLVS(ctl, sock string) (lvsState, error) {
	out, err := exec.Command(ctl, "status", "--json", "--socket", sock).Output()
	if err != nil {
		return lvsState{}, err
	}
	var st control.Status
	if err := json.Unmarshal(out, &st); err != nil {
		return lvsState{}, err
	}
	s := lvsState{table: map[string]map[string]bool{}, weights: map[string]map[string]int{}}
	var cur map[string]bool
	for _, line := range strings.Split(st.LVSTable, "\n") {
		f := strings.Fields(line)
		switch {
		case len(f) >= 2 && (f[0] == "TCP" || f[0] == "UDP"):
			cur = map[string]bool{}
			s.table[f[0]+" "+f[1]] = cur
		case len(f) >= 2 && f[0] == "->" && cur != nil:
			cur[f[1]] = true
		}
	}
	for _, vs := range st.VirtualServers {
		s.weights[vs.Name] = map[string]int{}
		for _, rs := range vs.RealServers {
			s.weights[vs.Name][rs.Name] = rs.Weight
		}
	}
	return s, nil
}

// checkStep is one change to a real server and what it must produce:
// log lines (each must appear once more than before the change) and the
// real server's weight in the dataplane afterwards (-1: absent).
type checkStep struct {
	do     func(t *testing.T)
	lines  []string
	weight int
}

// checkCase is one virtual server with one real server and its checker.
type checkCase struct {
	name  string
	proto string // TCP or UDP
	rs    string // "198.51.100.11 80"
	check string // the checker's block
	hits  func() int64
	// steps; nil: fail (fail's lines, removal) then recover (recover's
	// lines, added back with weight 1).
	steps          []checkStep
	fail, recover  func(t *testing.T)
	failed, upward []string
}

func (c *checkCase) vsPort(i int) int { return 8001 + i }

func (c *checkCase) names(i int) (vs, rs, key string) {
	proto := strings.ToLower(c.proto)
	f := strings.Fields(c.rs)
	vs = fmt.Sprintf("[192.0.2.100]:%s:%d", proto, c.vsPort(i))
	rs = fmt.Sprintf("[%s]:%s:%s", f[0], proto, f[1])
	return vs, rs, f[0] + ":" + f[1]
}

// newCheckerLab is the checker tests' lab: a director namespace
// (198.51.100.1, the VIP 192.0.2.100 on lo) and a real servers'
// namespace holding rsAddrs, on one LAN; and the director's daemon node,
// killed at the end, whose log is printed when the test fails.
func newCheckerLab(t *testing.T, rsAddrs ...string) (rs *netnstest.NS, n *node) {
	t.Helper()
	back := netnstest.NewLAN(t, "back")
	dir := netnstest.New(t, "dir")
	rs = netnstest.New(t, "rs")
	back.Attach(dir, "eth0")
	back.Attach(rs, "eth0")
	dir.IP("addr", "add", "198.51.100.1/24", "dev", "eth0")
	dir.IP("addr", "add", "192.0.2.100/32", "dev", "lo")
	for _, a := range rsAddrs {
		rs.IP("addr", "add", a, "dev", "eth0")
	}
	n = &node{t: t, name: "dir", ns: dir, dir: t.TempDir(), out: &syncBuffer{}}
	t.Cleanup(func() {
		n.kill()
		if t.Failed() {
			t.Logf("=== director log:\n%s", n.out.String())
		}
	})
	return rs, n
}

// TestCheckers runs one daemon (keepalived -C, nftables dataplane) with a
// virtual server per checker and failure mode, against real servers in a
// namespace: Go HTTP, HTTPS, SMTP, DNS (miekg/dns) and UDP echo servers,
// nginx, a pingable address and MISC_CHECK scripts. Every failure is made
// at once; each must produce keepalived's log lines and the real server's
// removal from the dataplane, and its recovery the success line and the
// server added back. With enable_script_security, an insecure MISC_CHECK
// script is disabled with keepalived's log lines.
func TestCheckers(t *testing.T) {
	netnstest.Require(t)
	bin, ctl := ourBinary(t), ctlBinary(t)
	start := time.Now()
	var addrs []string
	for i := 11; i <= 30; i++ {
		addrs = append(addrs, fmt.Sprintf("198.51.100.%d/24", i))
	}
	rs, n := newCheckerLab(t, addrs...)

	tcp := &tcpServer{ns: rs, addr: "198.51.100.11:80"}
	tcp.start(t)
	tcpDrop := &tcpServer{ns: rs, addr: "198.51.100.25:80"}
	tcpDrop.start(t)
	ok := webPage{status: 200, body: "all is well\n"}
	web503 := newSwitchWeb(t, rs, "198.51.100.12:80", ok)
	webMD5 := newSwitchWeb(t, rs, "198.51.100.13:80", ok)
	webRe := newSwitchWeb(t, rs, "198.51.100.14:80", ok)
	webHang := newSwitchWeb(t, rs, "198.51.100.15:80", ok)
	tlsw := newTLSWeb(t, rs, "198.51.100.16:443")
	ngx := startNginx(t, rs, "198.51.100.17:80")
	const monitor = "nginx monitor: up\n"
	ngx.page(t, "monitor.html", monitor)
	smtp := newSMTPServer(t, rs, "198.51.100.18:25")
	dnsBad := newDNSServer(t, rs, "198.51.100.19:53")
	dnsMute := newDNSServer(t, rs, "198.51.100.20:53")
	echo := newUDPEcho(t, rs, "198.51.100.21:7")
	misc1, miscDyn := filepath.Join(n.dir, "misc1.state"), filepath.Join(n.dir, "miscdyn.state")
	writeScript(t, misc1, "0\n")
	writeScript(t, miscDyn, "0\n")
	script := filepath.Join(n.dir, "misc.sh")
	writeScript(t, script, "#!/bin/sh\nexit $(cat \"$1\")\n")
	insecure := filepath.Join(n.dir, "insecure.sh")
	writeScript(t, insecure, "#!/bin/sh\nexit 1\n")
	if err := os.Chmod(insecure, 0o777); err != nil {
		t.Fatal(err)
	}
	md5sum := func(s string) string { return fmt.Sprintf("%x", md5.Sum([]byte(s))) }

	// nft in rs drops SYNs to 198.51.100.25 when asked (a server that
	// never answers the connect).
	rs.Exec("nft", "add", "table", "inet", "e2edrop")
	rs.Exec("nft", "add", "chain", "inet", "e2edrop", "in", "{ type filter hook input priority 0; }")

	cases := []*checkCase{
		{name: "tcp refused", proto: "TCP", rs: "198.51.100.11 80", check: "TCP_CHECK {\n connect_timeout 1\n }", hits: tcp.hits.Load,
			fail: func(*testing.T) { tcp.stop() }, recover: tcp.start,
			failed: []string{"TCP connection to [198.51.100.11]:tcp:80 failed.", "TCP_CHECK on service [198.51.100.11]:tcp:80 failed."},
			upward: []string{"TCP connection to [198.51.100.11]:tcp:80 success."}},
		{name: "tcp timeout", proto: "TCP", rs: "198.51.100.25 80", check: "TCP_CHECK {\n connect_timeout 1\n retry 1\n delay_before_retry 1\n }", hits: tcpDrop.hits.Load,
			fail: func(t *testing.T) {
				rs.Exec("nft", "add", "rule", "inet", "e2edrop", "in", "ip", "daddr", "198.51.100.25", "tcp", "dport", "80", "drop")
			},
			recover: func(t *testing.T) { rs.Exec("nft", "flush", "chain", "inet", "e2edrop", "in") },
			failed:  []string{"TCP connection to [198.51.100.25]:tcp:80 timeout.", "TCP_CHECK on service [198.51.100.25]:tcp:80 failed after 1 retries."},
			upward:  []string{"TCP connection to [198.51.100.25]:tcp:80 success."}},
		{name: "http 503", proto: "TCP", rs: "198.51.100.12 80", check: "HTTP_GET {\n url {\n path /\n status_code 200\n }\n connect_timeout 1\n }", hits: web503.hits.Load,
			fail:    func(*testing.T) { web503.set(webPage{status: 503, body: "busy\n"}) },
			recover: func(*testing.T) { web503.set(ok) },
			failed:  []string{"HTTP status code error to server [198.51.100.12]:tcp:80.", "HTTP_CHECK on service [198.51.100.12]:tcp:80 failed."},
			upward:  []string{"HTTP status code success to [198.51.100.12]:tcp:80 url(/)", "Remote Web server [198.51.100.12]:tcp:80 succeed on service."}},
		{name: "http digest", proto: "TCP", rs: "198.51.100.13 80", check: "HTTP_GET {\n url {\n path /\n digest " + md5sum(ok.body) + "\n }\n connect_timeout 1\n }", hits: webMD5.hits.Load,
			fail:    func(*testing.T) { webMD5.set(webPage{status: 200, body: "all is different\n"}) },
			recover: func(*testing.T) { webMD5.set(ok) },
			failed:  []string{"MD5 digest error to server [198.51.100.13]:tcp:80.", "HTTP_CHECK on service [198.51.100.13]:tcp:80 failed."},
			upward:  []string{"MD5 digest success to [198.51.100.13]:tcp:80 url(/)", "Remote Web server [198.51.100.13]:tcp:80 succeed on service."}},
		{name: "http regex", proto: "TCP", rs: "198.51.100.14 80", check: "HTTP_GET {\n url {\n path /\n regex \"is well\"\n }\n connect_timeout 1\n }", hits: webRe.hits.Load,
			fail:    func(*testing.T) { webRe.set(webPage{status: 200, body: "all is lost\n"}) },
			recover: func(*testing.T) { webRe.set(ok) },
			failed:  []string{"Regex match failed server [198.51.100.14]:tcp:80.", "HTTP_CHECK on service [198.51.100.14]:tcp:80 failed."},
			upward:  []string{"Regex match success to [198.51.100.14]:tcp:80 url(/)", "Remote Web server [198.51.100.14]:tcp:80 succeed on service."}},
		{name: "http no answer", proto: "TCP", rs: "198.51.100.15 80", check: "HTTP_GET {\n url {\n path /\n }\n connect_timeout 1\n }", hits: webHang.hits.Load,
			fail:    func(*testing.T) { webHang.set(webPage{hang: true}) },
			recover: func(*testing.T) { webHang.set(ok) },
			failed:  []string{"Timeout WEB read server [198.51.100.15]:tcp:80.", "HTTP_CHECK on service [198.51.100.15]:tcp:80 failed."},
			upward:  []string{"HTTP status code success to [198.51.100.15]:tcp:80 url(/)", "Remote Web server [198.51.100.15]:tcp:80 succeed on service."}},
		{name: "ssl handshake", proto: "TCP", rs: "198.51.100.16 443", check: "SSL_GET {\n url {\n path /\n status_code 200\n }\n connect_timeout 1\n }", hits: tlsw.hits.Load,
			fail:    func(*testing.T) { tlsw.broken.Store(true) },
			recover: func(*testing.T) { tlsw.broken.Store(false) },
			failed:  []string{"SSL handshake/communication error connecting to server [198.51.100.16]:tcp:443.", "SSL_CHECK on service [198.51.100.16]:tcp:443 failed."},
			upward:  []string{"HTTP status code success to [198.51.100.16]:tcp:443 url(/)", "Remote Web server [198.51.100.16]:tcp:443 succeed on service."}},
		{name: "nginx monitor page", proto: "TCP", rs: "198.51.100.17 80", check: "HTTP_GET {\n url {\n path /monitor.html\n digest " + md5sum(monitor) + "\n status_code 200\n }\n connect_timeout 1\n }",
			hits: func() int64 {
				return int64(strings.Count(readFile(filepath.Join(ngx.dir, "access.log")), "/monitor.html"))
			},
			fail:    func(t *testing.T) { ngx.page(t, "monitor.html", "") },
			recover: func(t *testing.T) { ngx.page(t, "monitor.html", monitor) },
			failed:  []string{"HTTP status code error to server [198.51.100.17]:tcp:80.", "HTTP_CHECK on service [198.51.100.17]:tcp:80 failed."},
			upward:  []string{"MD5 digest success to [198.51.100.17]:tcp:80 url(/monitor.html)", "Remote Web server [198.51.100.17]:tcp:80 succeed on service."}},
		{name: "smtp banner", proto: "TCP", rs: "198.51.100.18 25", check: "SMTP_CHECK {\n helo_name director.test\n connect_timeout 1\n }", hits: smtp.hits.Load,
			fail:    func(*testing.T) { smtp.bad.Store(true) },
			recover: func(*testing.T) { smtp.bad.Store(false) },
			failed:  []string{"SMTP_CHECK Bad greeting banner from server [198.51.100.18]:tcp:25"},
			upward:  []string{"Remote SMTP server [198.51.100.18]:tcp:25 succeed on service."}},
		{name: "dns servfail", proto: "UDP", rs: "198.51.100.19 53", check: "DNS_CHECK {\n connect_timeout 1\n }", hits: dnsBad.hits.Load,
			fail:    func(*testing.T) { dnsBad.mode.Store(int32(dnsServFail)) },
			recover: func(*testing.T) { dnsBad.mode.Store(int32(dnsAnswer)) },
			failed:  []string{"DNS_CHECK ([198.51.100.19]:udp:53) read error occurred. (rcode = 2)"}},
		{name: "dns silent", proto: "UDP", rs: "198.51.100.20 53", check: "DNS_CHECK {\n connect_timeout 1\n }", hits: dnsMute.hits.Load,
			fail:    func(*testing.T) { dnsMute.mode.Store(int32(dnsSilent)) },
			recover: func(*testing.T) { dnsMute.mode.Store(int32(dnsAnswer)) },
			failed:  []string{"DNS_CHECK ([198.51.100.20]:udp:53) read timeout from socket"}},
		{name: "udp no reply", proto: "UDP", rs: "198.51.100.21 7", check: "UDP_CHECK {\n payload 6b61\n require_reply 6b61\n connect_timeout 1\n }", hits: echo.hits.Load,
			fail:    func(*testing.T) { echo.silent.Store(true) },
			recover: func(*testing.T) { echo.silent.Store(false) },
			failed:  []string{"UDP connection to [198.51.100.21]:udp:7 failed.", "UDP_CHECK on service [198.51.100.21]:udp:7 failed."},
			upward:  []string{"UDP connection to [198.51.100.21]:udp:7 success."}},
		{name: "ping unreachable", proto: "TCP", rs: "198.51.100.22 80", check: "PING_CHECK {\n connect_timeout 1\n }",
			fail:    func(*testing.T) { rs.IP("addr", "del", "198.51.100.22/24", "dev", "eth0") },
			recover: func(*testing.T) { rs.IP("addr", "add", "198.51.100.22/24", "dev", "eth0") },
			failed:  []string{"ICMP connection to address [198.51.100.22]:tcp:80 timeout.", "ICMP CHECK on service [198.51.100.22]:tcp:80 failed."},
			upward:  []string{"ICMP connection to [198.51.100.22]:tcp:80 success."}},
		{name: "misc exit 1", proto: "TCP", rs: "198.51.100.23 80", check: fmt.Sprintf("MISC_CHECK {\n misc_path \"%s %s\"\n misc_timeout 2\n }", script, misc1),
			fail:    func(t *testing.T) { writeScript(t, misc1, "1\n") },
			recover: func(t *testing.T) { writeScript(t, misc1, "0\n") },
			failed:  []string{fmt.Sprintf("Misc check for [[198.51.100.23]:tcp:80 VS [192.0.2.100]:tcp:8014] by [%s] failed with retry disabled (exited with status 1).", script)},
			upward:  []string{fmt.Sprintf("Misc check for [[198.51.100.23]:tcp:80 VS [192.0.2.100]:tcp:8014] by [%s] succeeded.", script)}},
		{name: "misc dynamic", proto: "TCP", rs: "198.51.100.24 80", check: fmt.Sprintf("MISC_CHECK {\n misc_path \"%s %s\"\n misc_timeout 2\n misc_dynamic\n }", script, miscDyn),
			steps: []checkStep{
				{do: func(t *testing.T) { writeScript(t, miscDyn, "12\n") }, weight: 10,
					lines: []string{"Changing weight from 1 to 10 for active service [198.51.100.24]:tcp:80 of VS [192.0.2.100]:tcp:8015"}},
				{do: func(t *testing.T) { writeScript(t, miscDyn, "1\n") }, weight: -1,
					lines: []string{"Removing service [198.51.100.24]:tcp:80 from VS [192.0.2.100]:tcp:8015"}},
				{do: func(t *testing.T) { writeScript(t, miscDyn, "0\n") }, weight: 1,
					lines: []string{"Adding service [198.51.100.24]:tcp:80 to VS [192.0.2.100]:tcp:8015"}},
			}},
	}

	var conf strings.Builder
	conf.WriteString("global_defs {\n    lvs_dataplane nftables\n    checker_log_all_failures\n    enable_script_security\n    script_user root\n}\n")
	for i, c := range cases {
		check := c.check
		if !strings.Contains(check, "retry") {
			// Down at the first failure.
			check = strings.Replace(check, "{\n", "{\n retry 0\n", 1)
		}
		fmt.Fprintf(&conf, "virtual_server 192.0.2.100 %d {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol %s\n    real_server %s {\n        weight 1\n        %s\n    }\n}\n",
			c.vsPort(i), c.proto, c.rs, check)
	}
	// A real server whose only checker runs an insecure script: the
	// checker is disabled, so the server stays up.
	fmt.Fprintf(&conf, "virtual_server 192.0.2.100 8099 {\n    delay_loop 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n    real_server 198.51.100.30 80 {\n        MISC_CHECK {\n            misc_path %s\n        }\n    }\n}\n", insecure)
	n.startArgs(bin, conf.String(), "-C")

	sock := filepath.Join(n.dir, "keepalived.ctl")
	// weightOf is case i's real server's weight, -1 when it is not in
	// the dataplane.
	weightOf := func(i int) int {
		c := cases[i]
		vs, rsName, key := c.names(i)
		st, err := readLVS(ctl, sock)
		if err != nil || !st.table[fmt.Sprintf("%s 192.0.2.100:%d", c.proto, c.vsPort(i))][key] {
			return -1
		}
		return st.weights[vs][rsName]
	}
	waitFor(t, 10*time.Second, "every real server in the dataplane", func() bool {
		for i := range cases {
			if weightOf(i) != 1 {
				return false
			}
		}
		st, _ := readLVS(ctl, sock)
		return st.table["TCP 192.0.2.100:8099"]["198.51.100.30:80"]
	})
	// Each server has answered a check (the first ones passed).
	waitFor(t, 10*time.Second, "a first check of every server", func() bool {
		for _, c := range cases {
			if c.hits != nil && c.hits() == 0 {
				return false
			}
		}
		return true
	})
	for _, want := range []string{
		fmt.Sprintf("Unsafe permissions found for script '%s' - disabling.", insecure),
		fmt.Sprintf("Disabling misc script %s due to insecure", insecure),
	} {
		if !n.out.contains(want) {
			t.Errorf("the log lacks %q", want)
		}
	}

	t.Run("failures", func(t *testing.T) {
		// All at once: t.Parallel would run only GOMAXPROCS of them at a
		// time.
		var wg sync.WaitGroup
		defer wg.Wait()
		for i, c := range cases {
			wg.Go(func() {
				t.Run(c.name, func(t *testing.T) {
					vs, rsName, _ := c.names(i)
					if strings.Contains(n.out.String(), "Removing service "+rsName) {
						t.Fatalf("%s was removed before its failure", rsName)
					}
					steps := c.steps
					if steps == nil {
						steps = []checkStep{
							{do: c.fail, weight: -1, lines: append(c.failed, "Removing service "+rsName+" from VS "+vs)},
							{do: c.recover, weight: 1, lines: append(c.upward, "Adding service "+rsName+" to VS "+vs)},
						}
					}
					for _, st := range steps {
						before := map[string]int{}
						log := n.out.String()
						for _, l := range st.lines {
							before[l] = strings.Count(log, l)
						}
						st.do(t)
						waitFor(t, 10*time.Second, fmt.Sprintf("%s: %q", c.name, st.lines), func() bool {
							log := n.out.String()
							for _, l := range st.lines {
								if strings.Count(log, l) <= before[l] {
									return false
								}
							}
							return true
						})
						waitFor(t, 5*time.Second, fmt.Sprintf("%s: weight %d in the dataplane", c.name, st.weight), func() bool {
							return weightOf(i) == st.weight
						})
					}
				})
			})
		}
	})
	t.Logf("lab, start, failures and recoveries: %v", time.Since(start))
	if t.Failed() {
		out, _ := exec.Command(ctl, "lvs", "list", "--socket", sock).CombinedOutput()
		t.Logf("=== keepalivedctl lvs list:\n%s", out)
	}
	if st, _ := readLVS(ctl, sock); !st.table["TCP 192.0.2.100:8099"]["198.51.100.30:80"] {
		t.Errorf("the real server whose insecure MISC_CHECK was disabled left the dataplane")
	}
}
