package control

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	dto "github.com/prometheus/client_model/go"
)

type fakeHandler struct {
	st        Status
	reloadErr error
	reloads   int
}

func (f *fakeHandler) Status(context.Context) Status { return f.st }
func (f *fakeHandler) Reload(context.Context) error {
	f.reloads++
	return f.reloadErr
}

func sample() Status {
	return Status{
		Version: "Keepalived v2.2.7-go",
		Instances: []Instance{{
			Name: "VI_1", VRID: 51, Interface: "eth0", State: "MASTER", Priority: 150, BasePriority: 150,
			Source: netip.MustParseAddr("192.0.2.1"), Master: netip.MustParseAddr("192.0.2.1"),
			VIPs: []string{"192.0.2.100/24"}, RxAdverts: 3, TxAdverts: 10,
			Drops: map[string]uint64{"invalid password": 2},
		}},
		VirtualServers: []VirtualServer{{
			Name: "[192.0.2.100]:tcp:80", Scheduler: "wrr", Method: "NAT", Quorum: true,
			RealServers: []RealServer{{Name: "[198.51.100.11]:tcp:80", Up: true, Weight: 3}, {Name: "[198.51.100.12]:tcp:80", Reason: "connection refused"}},
		}},
	}
}

func TestSocketRoundTrip(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	path := filepath.Join(t.TempDir(), "keepalived.ctl")
	h := &fakeHandler{st: sample()}
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, path, h) }()
	cl := Client{Path: path}
	var st Status
	var err error
	for range 100 { // wait for the listener
		if st, err = cl.Status(ctx); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err != nil {
		t.Fatal(err)
	}
	if st.Instances[0].Name != "VI_1" || st.Instances[0].Master != netip.MustParseAddr("192.0.2.1") || st.VirtualServers[0].RealServers[1].Reason != "connection refused" {
		t.Fatalf("status did not survive the socket: %+v", st)
	}
	if err := cl.Reload(ctx); err != nil || h.reloads != 1 {
		t.Fatalf("reload: %v (reloads %d)", err, h.reloads)
	}
	h.reloadErr = errors.New("keepalived.conf:3: unknown keyword")
	if err := cl.Reload(ctx); err == nil || !strings.Contains(err.Error(), "keepalived.conf:3") {
		t.Fatalf("refused reload: err = %v", err)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := (Client{Path: path}).Status(context.Background()); err == nil || !strings.Contains(err.Error(), "no keepalived-go daemon") {
		t.Fatalf("status with no daemon: %v", err)
	}
}

func metricsSample() Status {
	s := sample()
	s.Instances[0].Transitions = 2
	s.Scripts = []Script{{Name: "chk_ok", Status: "GOOD"}, {Name: "chk_bad", Status: "BAD"}, {Name: "chk_new", Status: "INIT"}}
	s.Instances[0].Stats = &VRRPStats{AdvertRcvd: 3, AdvertSent: 10, BecomeMaster: 1, AuthFailure: 2, PriZeroSent: 1}
	s.VirtualServers[0].RealServers[0].Checkers = []Checker{{Type: "TCP_CHECK", Target: "[198.51.100.11]:tcp:80", Up: true}}
	s.VirtualServers[0].RealServers[1].Checkers = []Checker{{Type: "HTTP_GET", Target: "[198.51.100.12]:tcp:8080"}}
	s.LVSStats = []LVSService{{Protocol: "tcp", Addr: netip.MustParseAddr("192.0.2.100"), Port: 80,
		Counters: Counters{Conns: 7, InPkts: 70, OutPkts: 60, InBytes: 7000, OutBytes: 6000},
		Dests:    []LVSDest{{Addr: netip.MustParseAddr("198.51.100.11"), Port: 80, Weight: 3, ActiveConns: 2, InactiveConns: 1, Counters: Counters{Conns: 7}}}}}
	return s
}

func TestMetrics(t *testing.T) {
	reg := NewRegistry(func(context.Context) Status { return metricsSample() }, "vrrp", true)
	want := `
# HELP keepalived_up 1 while keepalived runs (the keepalived exporter's series).
# TYPE keepalived_up gauge
keepalived_up 1
# HELP keepalived_vrrp_state VRRP instance state per VIP (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP).
# TYPE keepalived_vrrp_state gauge
keepalived_vrrp_state{iname="VI_1",intf="eth0",ip_address="192.0.2.100/24",vrid="51"} 2
# HELP keepalived_become_master_total Times the instance became master.
# TYPE keepalived_become_master_total counter
keepalived_become_master_total{iname="VI_1",intf="eth0",vrid="51"} 1
# HELP keepalived_authentication_failure_total Adverts failing authentication.
# TYPE keepalived_authentication_failure_total counter
keepalived_authentication_failure_total{iname="VI_1",intf="eth0",vrid="51"} 2
# HELP keepalived_priority_zero_sent_total Priority 0 adverts sent.
# TYPE keepalived_priority_zero_sent_total counter
keepalived_priority_zero_sent_total{iname="VI_1",intf="eth0",vrid="51"} 1
# HELP keepalived_vrrp_transitions_total VRRP state changes of the instance.
# TYPE keepalived_vrrp_transitions_total counter
keepalived_vrrp_transitions_total{instance="VI_1"} 2
# HELP keepalived_vrrp_adverts_dropped_total VRRP advertisements ignored, by reason.
# TYPE keepalived_vrrp_adverts_dropped_total counter
keepalived_vrrp_adverts_dropped_total{instance="VI_1",reason="invalid password"} 2
# HELP keepalived_real_server_up 1 when the real server passes its checks.
# TYPE keepalived_real_server_up gauge
keepalived_real_server_up{real_server="[198.51.100.11]:tcp:80",virtual_server="[192.0.2.100]:tcp:80"} 1
keepalived_real_server_up{real_server="[198.51.100.12]:tcp:80",virtual_server="[192.0.2.100]:tcp:80"} 0
# HELP keepalived_script_status vrrp_script status: 1 GOOD, 0 BAD (the keepalived exporter's series).
# TYPE keepalived_script_status gauge
keepalived_script_status{name="chk_bad"} 0
keepalived_script_status{name="chk_ok"} 1
# HELP keepalived_checker_up 1 when the health checker passes.
# TYPE keepalived_checker_up gauge
keepalived_checker_up{checker="HTTP_GET",real_server="[198.51.100.12]:tcp:80",target="[198.51.100.12]:tcp:8080",virtual_server="[192.0.2.100]:tcp:80"} 0
keepalived_checker_up{checker="TCP_CHECK",real_server="[198.51.100.11]:tcp:80",target="[198.51.100.11]:tcp:80",virtual_server="[192.0.2.100]:tcp:80"} 1
# HELP keepalived_ipvs_incoming_bytes_total Bytes in to the service.
# TYPE keepalived_ipvs_incoming_bytes_total counter
keepalived_ipvs_incoming_bytes_total{local_address="192.0.2.100",local_mark="",local_port="80",proto="tcp"} 7000
# HELP keepalived_ipvs_backend_connections_active Active connections to the real server.
# TYPE keepalived_ipvs_backend_connections_active gauge
keepalived_ipvs_backend_connections_active{local_address="192.0.2.100",local_mark="",local_port="80",proto="tcp",remote_address="198.51.100.11",remote_port="80"} 2
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "keepalived_up", "keepalived_vrrp_state", "keepalived_become_master_total",
		"keepalived_authentication_failure_total", "keepalived_priority_zero_sent_total", "keepalived_vrrp_transitions_total",
		"keepalived_vrrp_adverts_dropped_total", "keepalived_real_server_up", "keepalived_checker_up", "keepalived_script_status",
		"keepalived_ipvs_incoming_bytes_total", "keepalived_ipvs_backend_connections_active"); err != nil {
		t.Fatal(err)
	}
}

// metricsHandler is a child: its status and its registry.
type metricsHandler struct {
	fakeHandler
	reg *prometheus.Registry
}

func (m *metricsHandler) Metrics(context.Context) ([]byte, error) { return EncodeText(m.reg) }

// TestMetricsWithChildren: the parent's gatherer merges the children's
// metrics, fetched through their sockets, with its own; the Go series
// are told apart by process; keepalived_up comes once, from the parent.
func TestMetricsWithChildren(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	dir := t.TempDir()
	vrrpOnly := sample()
	vrrpOnly.VirtualServers = nil
	checkOnly := sample()
	checkOnly.Instances = nil
	var socks []string
	for _, c := range []struct {
		role string
		st   Status
	}{{"vrrp", vrrpOnly}, {"check", checkOnly}} {
		path := filepath.Join(dir, c.role+".ctl")
		h := &metricsHandler{reg: NewRegistry(func(context.Context) Status { return c.st }, c.role, false)}
		go Serve(ctx, path, h)
		socks = append(socks, path)
		waitSocket(t, path)
	}
	g := WithChildren(NewRegistry(func(context.Context) Status { return Status{} }, "parent", true), func() []string { return socks })
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]*dto.MetricFamily{}
	for _, mf := range mfs {
		by[mf.GetName()] = mf
	}
	procs := map[string]bool{}
	for _, m := range by["go_goroutines"].GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() == "process" {
				procs[l.GetValue()] = true
			}
		}
	}
	if len(procs) != 3 || !procs["parent"] || !procs["vrrp"] || !procs["check"] {
		t.Errorf("go_goroutines by process: %v, want parent, vrrp and check", procs)
	}
	if n := len(by["keepalived_up"].GetMetric()); n != 1 {
		t.Errorf("%d keepalived_up series, want 1", n)
	}
	if n := len(by["keepalived_vrrp_state"].GetMetric()); n != 1 {
		t.Errorf("%d keepalived_vrrp_state series, want 1 (from the VRRP child)", n)
	}
	if n := len(by["keepalived_real_server_up"].GetMetric()); n != 2 {
		t.Errorf("%d keepalived_real_server_up series, want 2 (from the checker child)", n)
	}
}

func waitSocket(t *testing.T, path string) {
	t.Helper()
	for range 200 {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("no socket %s", path)
}
