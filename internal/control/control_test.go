package control

import (
	"context"
	"errors"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
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

func TestMetrics(t *testing.T) {
	c := NewCollector(func(context.Context) Status { return sample() })
	want := `
# HELP keepalived_vrrp_state VRRP instance state (0 INIT, 1 BACKUP, 2 MASTER, 3 FAULT, 98 STOP).
# TYPE keepalived_vrrp_state gauge
keepalived_vrrp_state{instance="VI_1",interface="eth0",vrid="51"} 2
# HELP keepalived_vrrp_adverts_dropped_total VRRP advertisements ignored, by reason.
# TYPE keepalived_vrrp_adverts_dropped_total counter
keepalived_vrrp_adverts_dropped_total{instance="VI_1",reason="invalid password"} 2
# HELP keepalived_real_server_up 1 when the real server passes its checks.
# TYPE keepalived_real_server_up gauge
keepalived_real_server_up{real_server="[198.51.100.11]:tcp:80",virtual_server="[192.0.2.100]:tcp:80"} 1
keepalived_real_server_up{real_server="[198.51.100.12]:tcp:80",virtual_server="[192.0.2.100]:tcp:80"} 0
`
	if err := testutil.CollectAndCompare(c, strings.NewReader(want), "keepalived_vrrp_state", "keepalived_vrrp_adverts_dropped_total", "keepalived_real_server_up"); err != nil {
		t.Fatal(err)
	}
}
