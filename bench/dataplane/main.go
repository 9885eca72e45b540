// Command dataplane measures the LVS-NAT data path side by side (run as
// root, on the host): a client, a director and two nginx real servers in
// network namespaces; wrk on the client measures requests/s and p99
// latency, with a new connection per request (Connection: close) and
// with keep-alive, through
//
//	(a) direct    the client to one real server, routed by the director
//	(b) haproxy   HAProxy in TCP mode on the director (roundrobin)
//	(c) nft-min   a hand-written nftables DNAT rule (numgen inc mod 2)
//	(d) ours      keepalived-go -C with lvs_dataplane nftables
//
// Each round runs every case once, in turn (interleaved, so load from
// elsewhere on the machine spreads over all cases), starting one case
// later each round; the medians over the rounds are printed with the
// ratios to (a), (d)/(c) and (d)/(b).
//
//	go run ./bench/dataplane [-rounds 7] [-d 3s] [-c 32] [-t 2] [-ours path]
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vishvananda/netlink"

	"github.com/keepalived-go/keepalived/internal/sys/lab"
)

const (
	vip     = "192.0.2.100"
	rs1     = "198.51.100.11"
	rs2     = "198.51.100.12"
	prefix  = "kgo-dpb"
	dirNode = "dir"
)

var (
	rounds   = flag.Int("rounds", 7, "rounds (the median is reported)")
	duration = flag.Duration("d", 3*time.Second, "wrk duration of each measurement")
	conns    = flag.Int("c", 32, "wrk connections")
	threads  = flag.Int("t", 2, "wrk threads")
	ours     = flag.String("ours", "", "keepalived-go binary (default: built from ./cmd/keepalived)")
	keep     = flag.Bool("keep", false, "keep the work directory (logs, configs)")
)

// A variant is one data path: setup makes it serve url, teardown removes
// it again so that the next variant finds the director bare.
type variant struct {
	name     string
	url      string
	setup    func() error
	teardown func()
}

// result is one wrk run.
type result struct {
	rps float64
	p99 time.Duration
}

var (
	l   *lab.Lab
	dir string
)

func main() {
	flag.Parse()
	if err := lab.Available(); err != nil {
		fail(err)
	}
	for _, p := range []string{"wrk", "nginx", "haproxy", "nft"} {
		if _, err := exec.LookPath(p); err != nil {
			fail(fmt.Errorf("%s is needed (apt-get install %s)", p, p))
		}
	}
	var err error
	dir, err = os.MkdirTemp("", "kgo-dpbench")
	if err != nil {
		fail(err)
	}
	if !*keep {
		defer os.RemoveAll(dir)
	}
	if *ours == "" {
		*ours = filepath.Join(dir, "keepalived")
		if out, err := exec.Command("go", "build", "-o", *ours, "./cmd/keepalived").CombinedOutput(); err != nil {
			fail(fmt.Errorf("go build: %v\n%s", err, out))
		}
	}
	l, err = lab.New(prefix)
	if err != nil {
		fail(err)
	}
	defer l.Close()
	if err := build(); err != nil {
		l.Close()
		fail(err)
	}
	variants := []*variant{
		{name: "(a) direct", url: "http://" + rs1 + "/", setup: func() error { return nil }, teardown: func() {}},
		haproxyVariant(),
		nftMinVariant(),
		oursVariant(),
	}
	modes := []struct {
		name    string
		headers []string
	}{{"close", []string{"-H", "Connection: close"}}, {"keep-alive", nil}}
	// res[variant][mode] over rounds
	res := make([][][]result, len(variants))
	for i := range res {
		res[i] = make([][]result, len(modes))
	}
	fmt.Fprintf(os.Stderr, "dataplane: %d rounds of %v per case, wrk -t%d -c%d\n", *rounds, *duration, *threads, *conns)
	for r := range *rounds {
		// Round r starts at case r (mod 4): no case always runs first,
		// last or after the same one, so a drift in the machine's load
		// within a round does not favour one.
		for k := range variants {
			i := (r + k) % len(variants)
			v := variants[i]
			if err := v.setup(); err != nil {
				v.teardown()
				l.Close()
				fail(fmt.Errorf("%s: %w (files in %s)", v.name, err, dir))
			}
			for j, m := range modes {
				got, err := runWrk(v.url, m.headers)
				if err != nil {
					v.teardown()
					l.Close()
					fail(fmt.Errorf("%s %s: %w", v.name, m.name, err))
				}
				fmt.Fprintf(os.Stderr, "round %d %-12s %-10s %10.0f req/s  p99 %v\n", r+1, v.name, m.name, got.rps, got.p99)
				res[i][j] = append(res[i][j], got)
			}
			v.teardown()
			flushConntrack()
		}
	}
	fmt.Printf("\nmedians of %d rounds, wrk -t%d -c%d -d%v, 2 nginx real servers\n", *rounds, *threads, *conns, *duration)
	fmt.Printf("%-12s %-10s %12s %8s %10s %10s %8s\n", "case", "mode", "req/s", "spread", "x (a)", "p99", "x (a)")
	med := make([][]result, len(variants))
	for i, v := range variants {
		med[i] = make([]result, len(modes))
		for j, m := range modes {
			med[i][j] = median(res[i][j])
			fmt.Printf("%-12s %-10s %12.0f %7.0f%% %10.2f %10v %8.2f\n", v.name, m.name, med[i][j].rps, spread(res[i][j]), med[i][j].rps/med[0][j].rps,
				med[i][j].p99, float64(med[i][j].p99)/float64(med[0][j].p99))
		}
	}
	fmt.Println()
	for j, m := range modes {
		d, c, b := med[3][j], med[2][j], med[1][j]
		fmt.Printf("%-10s (d)/(c) req/s %.3f (goal >= 0.95)  p99 %.2f;  (d)/(b) req/s %.2f (goal >= 1.4)  p99 %.2f\n", m.name,
			d.rps/c.rps, float64(d.p99)/float64(c.p99), d.rps/b.rps, float64(d.p99)/float64(b.p99))
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "dataplane:", err)
	os.Exit(1)
}

// build makes the lab: client 192.0.2.10 and the director 192.0.2.1 (and
// the VIP) on a front LAN; the director 198.51.100.1 and the real servers
// on a back LAN, routed back through the director; nginx on both.
func build() error {
	steps := []func() error{
		func() error { return l.Bridge("br1") },
		func() error { return l.Node("client", "192.0.2.10/24") },
		func() error { return l.Node(dirNode, "192.0.2.1/24", vip+"/24") },
		func() error { return l.Attach(dirNode, "eth1", "br1", "198.51.100.1/24") },
		func() error { return l.Sysctl(dirNode, "net.ipv4.ip_forward", "1") },
		func() error { return l.Route("client", "198.51.100.0/24", "192.0.2.1") },
		// Many short connections: reuse ports early, wide port range.
		func() error { return l.Sysctl("client", "net.ipv4.tcp_tw_reuse", "1") },
		func() error { return l.Sysctl("client", "net.ipv4.ip_local_port_range", "10000 65000") },
	}
	for i, rs := range []string{rs1, rs2} {
		node := fmt.Sprintf("rs%d", i+1)
		steps = append(steps,
			func() error { return l.AddNode(node) },
			func() error { return l.Attach(node, "eth0", "br1", rs+"/24") },
			func() error { return l.Route(node, "192.0.2.0/24", "198.51.100.1") },
			// No TIME_WAIT on the real servers (nginx closes first). One
			// client reuses its ports within seconds; a reused port's SYN
			// that meets the server's TIME_WAIT fails PAWS and waits for
			// its 1 s retransmission (nstat: TcpExtPAWSTimewait on rs1,
			// TcpExtTCPSynRetrans on the client). That made (a), where
			// every connection goes to rs1, 6,500-11,000 req/s after the
			// first round instead of 17,000-19,000.
			func() error { return l.Sysctl(node, "net.ipv4.tcp_max_tw_buckets", "0") },
			func() error { return startNginx(node, rs) })
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	for _, rs := range []string{rs1, rs2} {
		if err := waitHTTP("http://" + rs + "/"); err != nil {
			return fmt.Errorf("nginx on %s: %w (logs in %s)", rs, err, dir)
		}
	}
	return nil
}

const nginxConf = `daemon off;
master_process on;
user root;
worker_processes 1;
pid %[1]s/nginx.pid;
error_log %[1]s/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_temp_path %[1]s/body;
    proxy_temp_path %[1]s/proxy;
    fastcgi_temp_path %[1]s/fastcgi;
    uwsgi_temp_path %[1]s/uwsgi;
    scgi_temp_path %[1]s/scgi;
    keepalive_requests 1000000;
    server {
        listen %[2]s:80 reuseport backlog=4096;
        location / { return 200 "%[3]s\n"; }
    }
}
`

func startNginx(node, addr string) error {
	d := filepath.Join(dir, node)
	if err := os.MkdirAll(d, 0o755); err != nil {
		return err
	}
	file := filepath.Join(d, "nginx.conf")
	if err := os.WriteFile(file, fmt.Appendf(nil, nginxConf, d, addr, node), 0o644); err != nil {
		return err
	}
	_, err := l.Run(node, "/usr/sbin/nginx", []string{"nginx", "-c", file}, filepath.Join(d, "log"))
	return err
}

// waitHTTP polls url from the client until it answers.
func waitHTTP(url string) error {
	var last error
	for range 100 {
		cmd := exec.Command("curl", "-s", "-o", "/dev/null", "--max-time", "1", url)
		if last = l.Start("client", cmd); last == nil {
			if last = cmd.Wait(); last == nil {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

// servedByBoth asks the VIP until both real servers have answered.
func servedByBoth() error {
	seen := map[string]bool{}
	for range 200 {
		var out bytes.Buffer
		cmd := exec.Command("curl", "-s", "--max-time", "1", "http://"+vip+"/")
		cmd.Stdout = &out
		if err := l.Start("client", cmd); err == nil && cmd.Wait() == nil {
			seen[strings.TrimSpace(out.String())] = true
			if seen["rs1"] && seen["rs2"] {
				return nil
			}
		} else {
			time.Sleep(50 * time.Millisecond)
		}
	}
	return fmt.Errorf("the VIP did not reach both real servers (seen %v)", seen)
}

const haproxyConf = `global
    maxconn 8000
    pidfile %[1]s/haproxy.pid
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend vip
    bind %[2]s:80
    default_backend rs
backend rs
    balance roundrobin
    server rs1 %[3]s:80
    server rs2 %[4]s:80
`

func haproxyVariant() *variant {
	var p *lab.Proc
	v := &variant{name: "(b) haproxy", url: "http://" + vip + "/"}
	v.setup = func() error {
		d := filepath.Join(dir, "haproxy")
		os.MkdirAll(d, 0o755)
		file := filepath.Join(d, "haproxy.cfg")
		if err := os.WriteFile(file, fmt.Appendf(nil, haproxyConf, d, vip, rs1, rs2), 0o644); err != nil {
			return err
		}
		var err error
		// -db: foreground; the default thread count (one per CPU).
		if p, err = l.Run(dirNode, "/usr/sbin/haproxy", []string{"haproxy", "-db", "-f", file}, filepath.Join(d, "log")); err != nil {
			return err
		}
		return servedByBoth()
	}
	v.teardown = func() { stop(p) }
	return v
}

// nftMin is the least nftables can do for this: one DNAT rule.
const nftMin = `table ip kgo_bench_min {
    chain prerouting {
        type nat hook prerouting priority dstnat; policy accept;
        ip daddr %s tcp dport 80 dnat to numgen inc mod 2 map { 0 : %s, 1 : %s }
    }
}
`

func nftMinVariant() *variant {
	v := &variant{name: "(c) nft-min", url: "http://" + vip + "/"}
	v.setup = func() error {
		file := filepath.Join(dir, "min.nft")
		if err := os.WriteFile(file, fmt.Appendf(nil, nftMin, vip, rs1, rs2), 0o644); err != nil {
			return err
		}
		if err := nft("-f", file); err != nil {
			return err
		}
		return servedByBoth()
	}
	v.teardown = func() { _ = nft("delete", "table", "ip", "kgo_bench_min") }
	return v
}

func nft(args ...string) error {
	cmd := exec.Command("nft", args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := l.Start(dirNode, cmd); err != nil {
		return err
	}
	if err := cmd.Wait(); err != nil {
		return fmt.Errorf("nft %s: %v: %s", strings.Join(args, " "), err, out.String())
	}
	return nil
}

const oursConf = `global_defs {
    lvs_dataplane nftables
}
virtual_server %s 80 {
    delay_loop 5
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server %s 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server %s 80 {
        weight 1
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
`

func oursVariant() *variant {
	var p *lab.Proc
	v := &variant{name: "(d) ours", url: "http://" + vip + "/"}
	v.setup = func() error {
		d := filepath.Join(dir, "ours")
		os.MkdirAll(d, 0o755)
		file := filepath.Join(d, "keepalived.conf")
		if err := os.WriteFile(file, fmt.Appendf(nil, oursConf, vip, rs1, rs2), 0o644); err != nil {
			return err
		}
		var err error
		p, err = l.Run(dirNode, *ours, []string{"keepalived", "-C", "-n", "-l", "-D", "-f", file,
			"-p", filepath.Join(d, "k.pid"), "-r", filepath.Join(d, "v.pid"), "-c", filepath.Join(d, "c.pid")},
			filepath.Join(d, "log"))
		if err != nil {
			return err
		}
		return servedByBoth()
	}
	v.teardown = func() {
		stop(p)
		// Stopping removes our table; make sure for the next variant.
		_ = nft("delete", "table", "inet", "keepalived_go")
	}
	return v
}

// stop terminates p and waits for it (SIGKILL after 10 s).
func stop(p *lab.Proc) {
	if p == nil {
		return
	}
	p.Terminate()
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
		p.Kill()
		<-p.Done()
	}
}

// flushConntrack empties the director's connection table, so that no
// variant inherits the previous one's NAT entries.
func flushConntrack() {
	_ = l.Do(dirNode, func() error {
		err := netlink.ConntrackTableFlush(netlink.ConntrackTable)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	})
}

var (
	reRPS = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	reP99 = regexp.MustCompile(`(?m)^\s+99%\s+([0-9.]+)(us|ms|s)\s*$`)
)

// runWrk runs wrk from the client against url.
func runWrk(url string, headers []string) (result, error) {
	args := append([]string{"-t", strconv.Itoa(*threads), "-c", strconv.Itoa(*conns),
		"-d", strconv.Itoa(int(duration.Seconds())) + "s", "--latency", "--timeout", "5s"}, headers...)
	cmd := exec.Command("wrk", append(args, url)...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := l.Start("client", cmd); err != nil {
		return result{}, err
	}
	if err := cmd.Wait(); err != nil {
		return result{}, fmt.Errorf("wrk: %v\n%s", err, out.String())
	}
	return parseWrk(out.String())
}

func parseWrk(s string) (result, error) {
	m := reRPS.FindStringSubmatch(s)
	p := reP99.FindStringSubmatch(s)
	if m == nil || p == nil {
		return result{}, fmt.Errorf("cannot read wrk's output:\n%s", s)
	}
	if strings.Contains(s, "Non-2xx") || strings.Contains(s, "Socket errors") {
		// Errors make a fast run meaningless: report them.
		fmt.Fprintf(os.Stderr, "dataplane: wrk reported errors:\n%s", s)
	}
	rps, _ := strconv.ParseFloat(m[1], 64)
	v, _ := strconv.ParseFloat(p[1], 64)
	unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[p[2]]
	return result{rps: rps, p99: time.Duration(v * float64(unit)).Round(10 * time.Microsecond)}, nil
}

// spread is (max-min)/median of the rounds' requests/s, in percent: how
// noisy the machine was.
func spread(rs []result) float64 {
	lo, hi := rs[0].rps, rs[0].rps
	for _, r := range rs {
		lo, hi = min(lo, r.rps), max(hi, r.rps)
	}
	return 100 * (hi - lo) / median(rs).rps
}

func median(rs []result) result {
	rps := make([]float64, len(rs))
	p99 := make([]time.Duration, len(rs))
	for i, r := range rs {
		rps[i], p99[i] = r.rps, r.p99
	}
	slices.Sort(rps)
	slices.Sort(p99)
	return result{rps: rps[len(rps)/2], p99: p99[len(p99)/2].Round(10 * time.Microsecond)}
}
