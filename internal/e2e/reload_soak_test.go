package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
)

// procSample is what one of the daemon's processes holds.
type procSample struct {
	role       string
	pid        int
	rssKB      int
	fds        int
	goroutines int
}

func (p procSample) String() string {
	return fmt.Sprintf("%s(%d) rss %d kB, %d fds, %d goroutines", p.role, p.pid, p.rssKB, p.fds, p.goroutines)
}

// sampleProcs reads RSS and fd counts from /proc for every process the
// daemon's status lists, with its goroutine count. It takes the least
// of three samples, so that a check or a control connection in flight
// does not count as growth.
func sampleProcs(t *testing.T, cl control.Client) []procSample {
	t.Helper()
	var best []procSample
	for i := range 3 {
		if i > 0 {
			time.Sleep(200 * time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		st, err := cl.Status(ctx)
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		var cur []procSample
		for _, p := range st.Processes {
			s := procSample{role: p.Role, pid: p.PID, goroutines: p.Goroutines}
			for _, l := range strings.Split(readFile(fmt.Sprintf("/proc/%d/status", p.PID)), "\n") {
				if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
					s.rssKB, _ = strconv.Atoi(f[1])
				}
			}
			fds, err := os.ReadDir(fmt.Sprintf("/proc/%d/fd", p.PID))
			if err != nil {
				t.Fatal(err)
			}
			s.fds = len(fds)
			cur = append(cur, s)
		}
		slices.SortFunc(cur, func(a, b procSample) int { return strings.Compare(a.role, b.role) })
		if best == nil {
			best = cur
			continue
		}
		if len(cur) != len(best) {
			t.Fatalf("the daemon's processes changed: %v then %v", best, cur)
		}
		for j := range cur {
			best[j].rssKB = min(best[j].rssKB, cur[j].rssKB)
			best[j].fds = min(best[j].fds, cur[j].fds)
			best[j].goroutines = min(best[j].goroutines, cur[j].goroutines)
		}
	}
	return best
}

// TestReloadSoak reloads a running daemon (parent, VRRP child, checker
// child; two instances and a virtual server) 100 times, or 1,000 with
// KEEPALIVED_GO_SOAK=1, through the control socket, waiting for each,
// and checks that no process grows in fds, goroutines or memory beyond
// a small slack. It prints what each process holds at start, after 100
// and after 1,000.
func TestReloadSoak(t *testing.T) {
	total := 100
	if os.Getenv("KEEPALIVED_GO_SOAK") != "" {
		total = 1000
	}
	l := newLab(t)
	a := l.node("a", "192.0.2.1", "")
	a.parentMode = true
	a.env = []string{"KEEPALIVED_GO_METRICS_LISTEN=127.0.0.1:9650"}
	echoServer(t, a.ns, "192.0.2.1:7", "rs")
	conf := fmt.Sprintf(confV2PASS, "a", "MASTER", 150) + `
vrrp_script chk {
    script /bin/true
    interval 1
    weight 10
}
vrrp_instance VI_2 {
    state BACKUP
    interface eth0
    virtual_router_id 52
    priority 100
    advert_int 1
    virtual_ipaddress {
        192.0.2.102/24
    }
    track_script {
        chk
    }
}
global_defs {
    lvs_dataplane nftables
}
virtual_server 192.0.2.100 7 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 192.0.2.1 7 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
    real_server 192.0.2.60 7 {
        TCP_CHECK {
            connect_timeout 1
        }
    }
}
`
	a.start(ourBinary(t), conf)
	cl := control.Client{Path: filepath.Join(a.dir, "keepalived.ctl")}
	waitFor(t, 15*time.Second, "the VIPs and both children", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		st, err := cl.Status(ctx)
		return err == nil && len(st.Processes) == 3 && len(st.Instances) == 2 && len(st.VirtualServers) == 1 &&
			a.hasAddr("192.0.2.100") && a.hasAddr("192.0.2.102")
	})
	// Let the checks settle (the unreachable server fails once) and
	// VI_2, alone on the LAN, become MASTER.
	waitFor(t, 10*time.Second, "VI_2 MASTER", func() bool { return strings.Count(a.out.String(), "Entering MASTER") == 2 })
	time.Sleep(2 * time.Second)

	// The reloads alternate between conf and a variant with VI_2's
	// priority and a real server's weight changed, so that each one
	// applies a difference (in place) and restarts the checkers and
	// trackers.
	variant := strings.Replace(strings.Replace(conf, "priority 100", "priority 101", 1),
		"real_server 192.0.2.60 7 {", "real_server 192.0.2.60 7 {\n        weight 2", 1)
	file := filepath.Join(a.dir, "keepalived.conf")
	reloaded := 0
	reloads := func(n int) {
		t.Helper()
		for i := range n {
			reloaded++
			next := conf
			if reloaded%2 == 1 {
				next = variant
			}
			if err := os.WriteFile(file, []byte(next), 0o644); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			err := cl.Reload(ctx)
			cancel()
			if err != nil {
				t.Fatalf("reload %d: %v", i+1, err)
			}
		}
	}
	entries := strings.Count(a.out.String(), "Entering")
	start := sampleProcs(t, cl)
	t.Logf("start: %v", start)
	began := time.Now()
	reloads(100)
	t.Logf("100 reloads in %v", time.Since(began).Round(time.Millisecond))
	at100 := sampleProcs(t, cl)
	t.Logf("after 100: %v", at100)
	final := at100
	if total > 100 {
		reloads(total - 100)
		t.Logf("%d reloads in %v", total, time.Since(began).Round(time.Millisecond))
		final = sampleProcs(t, cl)
		t.Logf("after %d: %v", total, final)
	}
	if !a.hasAddr("192.0.2.100") {
		t.Fatal("the VIP left during the reloads")
	}
	if n := strings.Count(a.out.String(), "Entering"); n != entries {
		t.Errorf("the reloads made %d transitions", n-entries)
	}
	// Every other reload changed VI_2's priority in place.
	if n := strings.Count(a.out.String(), "(VI_2) priority changed from 100 to 101 by reload"); n != total/2 {
		t.Errorf("VI_2's priority changed %d times, want %d", n, total/2)
	}
	// Each reload ran in the parent and in both children.
	if n := strings.Count(a.out.String(), "Reload complete"); n != 3*total {
		t.Errorf("%d reloads completed in the three processes, want %d", n, 3*total)
	}
	// Memory: the first 100 reloads may grow the heap to its working
	// size; afterwards it must stay flat.
	check := func(from, to []procSample, rssSlackKB int) {
		t.Helper()
		if len(from) != len(to) {
			t.Fatalf("the daemon's processes changed: %v then %v", from, to)
		}
		for i := range from {
			f, e := from[i], to[i]
			if f.pid != e.pid {
				t.Errorf("%s was restarted (pid %d, then %d)", f.role, f.pid, e.pid)
			}
			if e.fds > f.fds+2 {
				t.Errorf("%s: fds grew from %d to %d", f.role, f.fds, e.fds)
			}
			if e.goroutines > f.goroutines+3 {
				t.Errorf("%s: goroutines grew from %d to %d", f.role, f.goroutines, e.goroutines)
			}
			if e.rssKB > f.rssKB+rssSlackKB {
				t.Errorf("%s: RSS grew from %d kB to %d kB", f.role, f.rssKB, e.rssKB)
			}
		}
	}
	scrapeParentMetrics(t, a)
	check(start, at100, 32<<10)
	if total > 100 {
		check(at100, final, 16<<10)
	}
}

// scrapeParentMetrics reads the parent's /metrics with the Prometheus
// text parser and checks that it has the children's series: the
// keepalived exporter's VRRP names, the checkers, the dataplane and each
// process's Go runtime.
func scrapeParentMetrics(t *testing.T, a *node) {
	t.Helper()
	out, err := a.ns.Command("curl", "-sf", "http://127.0.0.1:9650/metrics").Output()
	if err != nil {
		t.Fatalf("scraping /metrics: %v", err)
	}
	mfs, err := control.ParseText(out)
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, out)
	}
	series := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			v := m.GetGauge().GetValue() + m.GetCounter().GetValue() + m.GetUntyped().GetValue()
			series[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = v
		}
	}
	for name, want := range map[string]float64{
		"keepalived_up{}":                    1,
		"keepalived_script_status{name=chk}": 1,
		"keepalived_vrrp_state{iname=VI_1,intf=eth0,ip_address=192.0.2.100/24,vrid=51}":                                                        2,
		"keepalived_become_master_total{iname=VI_1,intf=eth0,vrid=51}":                                                                         1,
		"keepalived_vrrp_transitions_total{instance=VI_1}":                                                                                     2,
		"keepalived_real_server_up{real_server=[192.0.2.1]:tcp:7,virtual_server=[192.0.2.100]:tcp:7}":                                          1,
		"keepalived_checker_up{checker=TCP_CHECK,real_server=[192.0.2.1]:tcp:7,target=[192.0.2.1]:tcp:7,virtual_server=[192.0.2.100]:tcp:7}":   1,
		"keepalived_checker_up{checker=TCP_CHECK,real_server=[192.0.2.60]:tcp:7,target=[192.0.2.60]:tcp:7,virtual_server=[192.0.2.100]:tcp:7}": 0,
		"keepalived_ipvs_backend_weight{local_address=192.0.2.100,local_mark=,local_port=7,proto=tcp,remote_address=192.0.2.1,remote_port=7}":  1,
	} {
		got, ok := series[name]
		if !ok {
			t.Errorf("/metrics lacks %s", name)
		} else if got != want {
			t.Errorf("/metrics: %s = %v, want %v", name, got, want)
		}
	}
	if _, ok := series["keepalived_advertisements_sent_total{iname=VI_1,intf=eth0,vrid=51}"]; !ok {
		t.Error("/metrics lacks keepalived_advertisements_sent_total for VI_1")
	}
	for _, p := range []string{"parent", "vrrp", "check"} {
		if series["go_goroutines{process="+p+"}"] == 0 {
			t.Errorf("/metrics lacks go_goroutines of the %s process", p)
		}
	}
	if t.Failed() {
		t.Logf("/metrics:\n%s", out)
	}
}
