// Command checkers measures the health checkers at scale (run as root):
// a checker process (`keepalived -C`, nftables dataplane) in one network
// namespace checks real servers in another: -tcp TCP listeners with
// TCP_CHECK and -http minimal web servers with HTTP_GET, all at
// delay_loop 1. Every listener records when it accepts; lateness is each
// interval between two checks of one server minus delay_loop (keepalived
// schedules the next check delay_loop after the previous one ends). It
// prints checks/s, lateness p50/p99/max, and the checker process's CPU
// (% of one core) and RSS over the measured window, against the goals
// (p99 lateness < 50 ms, CPU < 50 %).
//
//	go run ./bench/checkers [-tcp 5000] [-http 1000] [-duration 60s] [-ours path]
//
// With -vm it runs inside the vmrun VM (whose kernel has IPVS, which
// keepalived's checker needs), ours and then Debian's keepalived 2.2.7 on
// the same lab with the ipvs dataplane, and prints the ratios of CPU per
// check (a smaller -tcp/-http: the VM is emulated, many times slower):
//
//	go run ./bench/checkers -vm [-tcp 200] [-http 40] [-duration 20s] [-keepalived /usr/sbin/keepalived]
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/sys/lab"
)

const (
	tcpAddr   = "198.51.100.11"
	httpAddr  = "198.51.100.12"
	tcpBase   = 10000
	httpBase  = 30000
	delayLoop = time.Second
)

// server is one real server: the times it accepted a check.
type server struct {
	mu    sync.Mutex
	times []time.Time
}

func (s *server) hit(t time.Time) {
	s.mu.Lock()
	s.times = append(s.times, t)
	s.mu.Unlock()
}

func main() {
	nTCP := flag.Int("tcp", 5000, "real servers checked with TCP_CHECK")
	nHTTP := flag.Int("http", 1000, "real servers checked with HTTP_GET")
	duration := flag.Duration("duration", 60*time.Second, "measured time (after the warm-up)")
	warm := flag.Duration("warmup", 5*time.Second, "time before measuring (the first checks, the dataplane)")
	ours := flag.String("ours", "", "keepalived-go binary (default: built from ./cmd/keepalived)")
	theirs := flag.String("keepalived", "/usr/sbin/keepalived", "keepalived binary, for -vm")
	inVM := flag.Bool("vm", false, "compare ours with keepalived inside the vmrun VM (ipvs dataplane)")
	compare := flag.Bool("compare", false, "run ours, then keepalived, here, and print the ratios (what -vm runs in the VM)")
	flag.StringVar(&dataplane, "dataplane", "nftables", "lvs_dataplane of our checker: nftables, or ipvs (the VM)")
	flag.StringVar(&keepLog, "log", "", "copy the checker's log to this file")
	flag.BoolVar(&notrack, "notrack", false, "our checker with checker_notrack (its connections bypass conntrack; not with -vm, whose kernel runs no conntrack)")
	flag.Parse()
	switch {
	case *inVM:
		if err := runVM(*nTCP, *nHTTP, *duration, *warm, *theirs); err != nil {
			fmt.Fprintln(os.Stderr, "checkers:", err)
			os.Exit(1)
		}
		return
	case *compare:
		if err := runCompare(*nTCP, *nHTTP, *duration, *warm, *ours, *theirs); err != nil {
			fmt.Fprintln(os.Stderr, "checkers:", err)
			os.Exit(1)
		}
		return
	}
	if _, err := run(*nTCP, *nHTTP, *duration, *warm, *ours, true); err != nil {
		fmt.Fprintln(os.Stderr, "checkers:", err)
		os.Exit(1)
	}
}

// run measures the checker bin (ours, built when ""; or keepalived's)
// and prints the report.
func run(nTCP, nHTTP int, duration, warm time.Duration, bin string, isOurs bool) (result, error) {
	var res result
	if err := lab.Available(); err != nil {
		return res, err
	}
	dir, err := os.MkdirTemp("", "kgo-bench-checkers")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)
	if bin == "" {
		bin = filepath.Join(dir, "keepalived")
		if out, err := exec.Command("go", "build", "-o", bin, "./cmd/keepalived").CombinedOutput(); err != nil {
			return res, fmt.Errorf("go build: %v\n%s", err, out)
		}
	}
	l, err := lab.New(fmt.Sprintf("kgo-bchk%d", os.Getpid()))
	if err != nil {
		return res, err
	}
	defer l.Close()
	if err := l.Node("dir", "198.51.100.1/24"); err != nil {
		return res, err
	}
	if err := l.Node("rs", tcpAddr+"/24", httpAddr+"/24"); err != nil {
		return res, err
	}
	servers, closeAll, err := listen(l, nTCP, nHTTP)
	defer closeAll()
	if err != nil {
		return res, err
	}
	file := filepath.Join(dir, "keepalived.conf")
	if err := os.WriteFile(file, []byte(config(nTCP, nHTTP, isOurs && notrack)), 0o644); err != nil {
		return res, err
	}
	logFile := filepath.Join(dir, "log")
	p, err := l.Run("dir", bin, []string{"keepalived", "-C", "-n", "-l", "-D", "-f", file,
		"-p", filepath.Join(dir, "k.pid"), "-r", filepath.Join(dir, "v.pid"), "-c", filepath.Join(dir, "c.pid")}, logFile)
	if err != nil {
		return res, err
	}
	defer p.Kill()
	// The checker's pid file: keepalived's healthchecker child; ours
	// with -C is one process and writes it too.
	pid, err := waitPID(filepath.Join(dir, "c.pid"), 10*time.Second)
	if err != nil {
		return res, err
	}
	time.Sleep(warm)
	load0 := loadAvg()
	t0 := time.Now()
	cpu0, err := cpuTicks(pid)
	if err != nil {
		return res, err
	}
	select {
	case <-time.After(duration):
	case <-p.Done():
		log, _ := os.ReadFile(logFile)
		return res, fmt.Errorf("the checker process exited:\n%s", tail(string(log), 20))
	}
	cpu1, err := cpuTicks(pid)
	if err != nil {
		return res, err
	}
	t1 := time.Now()
	rss, hwm := memory(pid)
	var conntrack []byte
	l.Do("dir", func() (err error) {
		conntrack, err = os.ReadFile("/proc/sys/net/netfilter/nf_conntrack_count")
		return err
	})
	fmt.Printf("host load average (1 min) at start and end of the window: %s, %s on %d CPUs\n", load0, loadAvg(), runtime.NumCPU())
	p.Terminate()
	select {
	case <-p.Done():
	case <-time.After(10 * time.Second):
	}
	user, sys := share(cpu0, cpu1, t1.Sub(t0).Seconds())
	res = report(servers, nTCP, t0, t1, user, sys, rss, hwm)
	if len(conntrack) > 0 {
		fmt.Printf("conntrack entries in the director's namespace at the end: %s", conntrack)
	}
	if keepLog != "" {
		if b, err := os.ReadFile(logFile); err == nil {
			os.WriteFile(keepLog, b, 0o644)
		}
	}
	if log, _ := os.ReadFile(logFile); strings.Contains(string(log), "failed") {
		failed := grep(string(log), "failed")
		fmt.Printf("note: %d real servers went down during the run (the host or the servers could not keep up), the last:\n%s\n",
			strings.Count(failed, "\n")+1, tail(failed, 3))
	}
	return res, nil
}

// keepLog is -log: where to copy the checker's log; dataplane is
// -dataplane; notrack is -notrack.
var (
	keepLog, dataplane string
	notrack            bool
)

// config is one TCP_CHECK virtual server and one HTTP_GET virtual
// server, their real servers on consecutive ports; withNotrack adds
// checker_notrack (ours only).
func config(nTCP, nHTTP int, withNotrack bool) string {
	var b strings.Builder
	b.WriteString("global_defs {\n")
	if dataplane == "nftables" {
		b.WriteString("    lvs_dataplane nftables\n")
	}
	if withNotrack {
		b.WriteString("    checker_notrack\n")
	}
	b.WriteString("}\n")
	vs := func(port int, body func(i int) string, n int) {
		fmt.Fprintf(&b, "virtual_server 192.0.2.100 %d {\n    delay_loop 1\n    warmup 1\n    lb_algo rr\n    lb_kind NAT\n    protocol TCP\n", port)
		for i := range n {
			b.WriteString(body(i))
		}
		b.WriteString("}\n")
	}
	vs(80, func(i int) string {
		return fmt.Sprintf("    real_server %s %d {\n        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n", tcpAddr, tcpBase+i)
	}, nTCP)
	vs(8080, func(i int) string {
		return fmt.Sprintf("    real_server %s %d {\n        HTTP_GET {\n            url {\n                path /\n                status_code 200\n            }\n            connect_timeout 3\n        }\n    }\n", httpAddr, httpBase+i)
	}, nHTTP)
	return b.String()
}

// listen opens the real servers in the rs namespace.
func listen(l *lab.Lab, nTCP, nHTTP int) ([]*server, func(), error) {
	var lns []net.Listener
	closeAll := func() {
		for _, ln := range lns {
			ln.Close()
		}
	}
	servers := make([]*server, nTCP+nHTTP)
	err := l.Do("rs", func() error {
		for i := range nTCP + nHTTP {
			addr := fmt.Sprintf("%s:%d", tcpAddr, tcpBase+i)
			if i >= nTCP {
				addr = fmt.Sprintf("%s:%d", httpAddr, httpBase+i-nTCP)
			}
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			lns = append(lns, ln)
			s := &server{}
			servers[i] = s
			go serve(ln, s, i >= nTCP)
		}
		return nil
	})
	return servers, closeAll, err
}

// serve records each accept; a web server answers one request with 200.
func serve(ln net.Listener, s *server, web bool) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.hit(time.Now())
		if !web {
			c.Close()
			continue
		}
		go func() {
			defer c.Close()
			c.SetDeadline(time.Now().Add(5 * time.Second))
			r := bufio.NewReader(c)
			for {
				line, err := r.ReadString('\n')
				if err != nil || line == "\r\n" {
					break
				}
			}
			io.WriteString(c, "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
		}()
	}
}

// report prints the numbers of the window [t0, t1].
// result is what the comparison needs from a run.
type result struct {
	checksPerSec, cpu, perCheck float64 // perCheck in seconds
	p99                         time.Duration
}

func report(servers []*server, nTCP int, t0, t1 time.Time, user, sys float64, rss, hwm int) result {
	cpu := user + sys
	var late []time.Duration
	checks, idle := 0, 0
	for _, s := range servers {
		s.mu.Lock()
		var prev time.Time
		n := 0
		for _, t := range s.times {
			if t.Before(t0) || t.After(t1) {
				prev = t
				continue
			}
			n++
			if !prev.IsZero() {
				late = append(late, t.Sub(prev)-delayLoop)
			}
			prev = t
		}
		s.mu.Unlock()
		checks += n
		if n == 0 {
			idle++
		}
	}
	slices.Sort(late)
	q := func(f float64) time.Duration {
		if len(late) == 0 {
			return 0
		}
		return late[min(len(late)-1, int(f*float64(len(late))))]
	}
	secs := t1.Sub(t0).Seconds()
	expect := float64(len(servers)) / delayLoop.Seconds()
	fmt.Printf("real servers: %d (TCP_CHECK %d, HTTP_GET %d), delay_loop %v, window %.0f s\n", len(servers), nTCP, len(servers)-nTCP, delayLoop, secs)
	fmt.Printf("checks/s:       %8.0f  (at most %.0f: one per server per delay_loop plus the check's duration)\n", float64(checks)/secs, expect)
	fmt.Printf("lateness p50:   %8.1f ms\n", ms(q(0.50)))
	fmt.Printf("lateness p99:   %8.1f ms  (goal < 50 ms)  %s\n", ms(q(0.99)), verdict(q(0.99) < 50*time.Millisecond))
	fmt.Printf("lateness max:   %8.1f ms\n", ms(q(1)))
	fmt.Printf("CPU:            %8.1f %% of one core  (goal < 50 %%)  %s\n", cpu*100, verdict(cpu < 0.5))
	fmt.Printf("  user/system:  %8.1f %% / %.1f %%  (system: the kernel's TCP and veth work, both ends of each handshake run in the checker's softirq)\n", user*100, sys*100)
	if checks > 0 {
		fmt.Printf("CPU per check:  %8.1f µs\n", cpu*secs/float64(checks)*1e6)
	}
	fmt.Printf("RSS:            %8.1f MiB (peak %.1f MiB)\n", float64(rss)/1024, float64(hwm)/1024)
	if idle > 0 {
		fmt.Printf("servers never checked in the window: %d\n", idle)
	}
	r := result{checksPerSec: float64(checks) / secs, cpu: cpu, p99: q(0.99)}
	if checks > 0 {
		r.perCheck = cpu * secs / float64(checks)
	}
	return r
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func verdict(ok bool) string {
	if ok {
		return "ok"
	}
	return "MISSED"
}

// loadAvg is the host's 1-minute load average.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return "?"
	}
	return f[0]
}

// waitPID reads the daemon's pid file.
func waitPID(path string, d time.Duration) (int, error) {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(path); err == nil {
			if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
				return pid, nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return 0, fmt.Errorf("no pid in %s after %v", path, d)
}

// cpuTicks is utime and stime of pid, in clock ticks (USER_HZ, 100 on
// Linux).
func cpuTicks(pid int) (ticks, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ticks{}, err
	}
	// Fields after the command's closing parenthesis: state is field 3,
	// utime 14, stime 15.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	u, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return ticks{u, st}, nil
}

// ticks are a process's user and system CPU time in clock ticks.
type ticks struct{ user, sys int64 }

// share is the CPU used from a to b over secs seconds, as fractions of
// one core: user and system.
func share(a, b ticks, secs float64) (user, sys float64) {
	return float64(b.user-a.user) / 100 / secs, float64(b.sys-a.sys) / 100 / secs
}

// memory is VmRSS and VmHWM of pid in KiB.
func memory(pid int) (rss, hwm int) {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			hwm = v
		}
	}
	return rss, hwm
}

func grep(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// runCompare measures ours, then keepalived, on the same lab and prints
// the ratios.
func runCompare(nTCP, nHTTP int, duration, warm time.Duration, ours, theirs string) error {
	var res [2]result
	for i, bin := range []string{ours, theirs} {
		fmt.Printf("\n== %s\n", []string{"keepalived-go", "keepalived 2.2.7"}[i])
		r, err := run(nTCP, nHTTP, duration, warm, bin, i == 0)
		if err != nil {
			return err
		}
		res[i] = r
	}
	fmt.Printf("\n%-28s %14s %14s %8s\n", "", "keepalived-go", "keepalived", "ratio")
	row := func(name string, a, b float64, unit string) {
		ratio := 0.0
		if b > 0 {
			ratio = a / b
		}
		fmt.Printf("%-28s %11.1f %-2s %11.1f %-2s %8.2f\n", name, a, unit, b, unit, ratio)
	}
	row("checks/s", res[0].checksPerSec, res[1].checksPerSec, "")
	row("CPU (% of one core)", res[0].cpu*100, res[1].cpu*100, "%")
	row("CPU per check", res[0].perCheck*1e6, res[1].perCheck*1e6, "us")
	row("lateness p99", ms(res[0].p99), ms(res[1].p99), "ms")
	return nil
}

// runVM builds this program and ours statically, boots the vmrun VM with
// them and keepalived, and runs the comparison there.
func runVM(nTCP, nHTTP int, duration, warm time.Duration, theirs string) error {
	runner := lab.FindVMRun()
	if runner == "" {
		return fmt.Errorf("vmrun not found (set VMRUN)")
	}
	dir, err := os.MkdirTemp("", "kgo-bench-checkers-vm")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	for _, b := range [][2]string{{"checkers", "./bench/checkers"}, {"ours", "./cmd/keepalived"}} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, b[0]), b[1])
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build %s: %v\n%s", b[1], err, out)
		}
	}
	args := fmt.Sprintf("/opt/checkers -compare -dataplane ipvs -ours /opt/ours -keepalived /opt/keepalived -tcp %d -http %d -duration %s -warmup %s",
		nTCP, nHTTP, duration, warm)
	cmd := exec.Command(runner, "-m", "ip_vs,ip_vs_rr,veth,bridge", "--mem", "2048", "-t", "900",
		"-f", filepath.Join(dir, "checkers")+":/opt/checkers", "-f", filepath.Join(dir, "ours")+":/opt/ours",
		"-f", theirs+":/opt/keepalived", "--", args)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	return cmd.Run()
}
