// Command failover measures VRRP failover side by side for keepalived-go
// and Debian's keepalived 2.2.7 in the same lab of network namespaces
// (run as root): two directors and a client on a bridge, the master
// crashed (kill -9, link down) or stopped (SIGTERM), timed until the
// backup holds the VIP and until a client's TCP connection to the VIP
// succeeds again. It prints the medians and the ratio ours/keepalived.
//
//	go run ./bench/failover [-n 3] [-ours path] [-keepalived /usr/sbin/keepalived]
package main

import (
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/keepalived-go/keepalived/internal/sys/lab"
)

var vip = netip.MustParseAddr("192.0.2.100")

// failed keeps the daemons' logs for a look.
var failed bool

type variant struct {
	name    string
	version int
	advert  string
}

var variants = []variant{{"v2 advert_int 1", 2, "1"}, {"v3 advert_int 0.05", 3, "0.05"}}

func conf(v variant, prio int) string {
	return fmt.Sprintf(`vrrp_instance VI_1 {
    state BACKUP
    interface eth0
    virtual_router_id 51
    priority %d
    advert_int %s
    version %d
    virtual_ipaddress {
        %s/24
    }
}
`, prio, v.advert, v.version, vip)
}

func main() {
	n := flag.Int("n", 3, "runs per case (the median is reported)")
	ours := flag.String("ours", "", "keepalived-go binary (default: built from ./cmd/keepalived)")
	theirs := flag.String("keepalived", "/usr/sbin/keepalived", "keepalived binary")
	flag.Parse()
	if err := lab.Available(); err != nil {
		fmt.Fprintln(os.Stderr, "failover:", err)
		os.Exit(1)
	}
	dir, err := os.MkdirTemp("", "kgo-bench")
	if err != nil {
		panic(err)
	}
	defer func() {
		if !failed {
			os.RemoveAll(dir)
		}
	}()
	if *ours == "" {
		*ours = filepath.Join(dir, "keepalived")
		if out, err := exec.Command("go", "build", "-o", *ours, "./cmd/keepalived").CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
			os.Exit(1)
		}
	}
	fmt.Printf("%-22s %-9s %14s %14s %14s %14s %8s\n", "case", "stop", "ours VIP", "ours TCP", "ka VIP", "ka TCP", "ratio")
	for _, v := range variants {
		for _, crash := range []bool{true, false} {
			var res [2][2][]time.Duration // impl, metric
			for range *n {
				for i, bin := range []string{*ours, *theirs} {
					vipT, tcpT, err := once(dir, bin, v, crash)
					if err != nil {
						failed = true
						fmt.Fprintln(os.Stderr, "failover:", err)
						return
					}
					res[i][0] = append(res[i][0], vipT)
					res[i][1] = append(res[i][1], tcpT)
				}
			}
			mode := "graceful"
			if crash {
				mode = "kill -9"
			}
			o, k := median(res[0][1]), median(res[1][1])
			fmt.Printf("%-22s %-9s %14v %14v %14v %14v %8.2f\n", v.name, mode,
				median(res[0][0]), o, median(res[1][0]), k, float64(o)/float64(k))
		}
	}
}

func median(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[len(s)/2].Round(time.Millisecond)
}

// once runs one failover and returns the time until the backup holds the
// VIP and until a TCP connection to the VIP succeeds.
func once(top, bin string, v variant, crash bool) (time.Duration, time.Duration, error) {
	// A directory per run: pid files of an earlier run must not collide.
	dir, err := os.MkdirTemp(top, "run")
	if err != nil {
		return 0, 0, err
	}
	l, err := lab.New("kgo-bench")
	if err != nil {
		return 0, 0, err
	}
	defer l.Close()
	for i, node := range []string{"a", "b", "client"} {
		if err := l.Node(node, fmt.Sprintf("192.0.2.%d/24", i+1)); err != nil {
			return 0, 0, err
		}
	}
	// The backup answers TCP on the VIP once it holds it.
	var ln net.Listener
	if err := l.Do("b", func() (err error) { ln, err = net.Listen("tcp", "0.0.0.0:80"); return err }); err != nil {
		return 0, 0, err
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
	procs := map[string]*lab.Proc{}
	for _, node := range []struct {
		name string
		prio int
	}{{"a", 150}, {"b", 100}} {
		d := filepath.Join(dir, node.name)
		os.MkdirAll(d, 0o755)
		file := filepath.Join(d, "keepalived.conf")
		if err := os.WriteFile(file, []byte(conf(v, node.prio)), 0o644); err != nil {
			return 0, 0, err
		}
		p, err := l.Run(node.name, bin, []string{"keepalived", "-P", "-n", "-l", "-D", "-f", file,
			"-p", filepath.Join(d, "k.pid"), "-r", filepath.Join(d, "v.pid"), "-c", filepath.Join(d, "c.pid")},
			filepath.Join(d, "log"))
		if err != nil {
			return 0, 0, err
		}
		procs[node.name] = p
	}
	defer func() {
		for _, p := range procs {
			p.Kill()
		}
	}()
	if !waitUntil(15*time.Second, func() bool { return l.HasAddr("a", vip) && !l.HasAddr("b", vip) }) {
		return 0, 0, fmt.Errorf("%s: a never became the only master", bin)
	}
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	if crash {
		procs["a"].Kill()
		if err := l.SetLink("a", false); err != nil {
			return 0, 0, err
		}
	} else {
		procs["a"].Terminate()
	}
	var vipT, tcpT time.Duration
	deadline := start.Add(15 * time.Second)
	for time.Now().Before(deadline) && (vipT == 0 || tcpT == 0) {
		if vipT == 0 && l.HasAddr("b", vip) {
			vipT = time.Since(start)
		}
		if tcpT == 0 && probe(l) {
			tcpT = time.Since(start)
		}
		time.Sleep(5 * time.Millisecond)
	}
	if vipT == 0 || tcpT == 0 {
		return 0, 0, fmt.Errorf("%s: no takeover within 15 s (VIP after %v, TCP after %v; logs in %s)", bin, vipT, tcpT, dir)
	}
	return vipT, tcpT, nil
}

// probe connects from the client to the VIP.
func probe(l *lab.Lab) bool {
	ok := false
	_ = l.Do("client", func() error {
		c, err := net.DialTimeout("tcp", netip.AddrPortFrom(vip, 80).String(), 20*time.Millisecond)
		if err == nil {
			c.Close()
			ok = true
		}
		return nil
	})
	return ok
}

func waitUntil(d time.Duration, f func() bool) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if f() {
			return true
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
