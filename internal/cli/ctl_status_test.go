package cli

import (
	"bytes"
	"context"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
)

type fakeDaemon struct{ st control.Status }

func (f fakeDaemon) Status(context.Context) control.Status { return f.st }
func (f fakeDaemon) Reload(context.Context) error          { return nil }

func sampleStatus() control.Status {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	return control.Status{
		Version: "Keepalived v2.2.7-go", Now: now, PID: 4242, Started: now.Add(-time.Hour),
		ConfigFile: "/etc/keepalived/keepalived.conf", Dataplane: "nftables",
		Instances: []control.Instance{
			{Name: "VI_1", VRID: 51, Interface: "eth0", State: "MASTER", Priority: 150, BasePriority: 150,
				Master: netip.MustParseAddr("192.0.2.1"), VIPs: []string{"192.0.2.100/24"}, Since: now.Add(-90 * time.Second)},
			{Name: "VI_2", VRID: 52, Interface: "eth0", State: "BACKUP", Priority: 80, BasePriority: 100,
				Master: netip.MustParseAddr("192.0.2.2"), VIPs: []string{"192.0.2.101/24", "192.0.2.102/24"}, Since: now.Add(-30 * time.Second)},
			{Name: "VI_3", VRID: 53, Interface: "eth1", State: "FAULT", Priority: 100, BasePriority: 100,
				Faults: []string{"interface eth1 down"}},
		},
		VirtualServers: []control.VirtualServer{{
			Name: "[192.0.2.100]:tcp:80", Scheduler: "wrr", Method: "NAT", Quorum: true,
			RealServers: []control.RealServer{
				{Name: "[198.51.100.11]:tcp:80", Up: true, Weight: 3, ActiveConns: 12, Since: now.Add(-time.Hour)},
				{Name: "[198.51.100.12]:tcp:80", Weight: 0, Since: now.Add(-5 * time.Second), Reason: "connection refused"},
			},
		}},
	}
}

func TestKeepalivedctlStatusGolden(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sock := filepath.Join(t.TempDir(), "k.ctl")
	go control.Serve(ctx, sock, fakeDaemon{st: sampleStatus()})
	for range 200 {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"status.txt", []string{"status", "--socket", sock}},
		{"status.json", []string{"status", "--json", "--socket", sock}},
		{"vrrp_show.txt", []string{"vrrp", "show", "--socket", sock}},
	} {
		var out, errb bytes.Buffer
		if code := RunKeepalivedctl(ctx, tc.args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errb.String())
		}
		path := filepath.Join("testdata", "ctl", tc.golden)
		if *updateScripts {
			if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%v: output differs from %s:\n%s", tc.args, path, out.String())
		}
	}
}

func TestKeepalivedctlStatusNoDaemon(t *testing.T) {
	var out, errb bytes.Buffer
	code := RunKeepalivedctl(context.Background(), []string{"status", "--socket", filepath.Join(t.TempDir(), "none.ctl")}, &out, &errb)
	if code != exitFatal || !bytes.Contains(errb.Bytes(), []byte("no keepalived-go daemon listens on")) {
		t.Fatalf("exit %d, stderr %q", code, errb.String())
	}
}
