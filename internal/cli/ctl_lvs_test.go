package cli

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/daemon"
	"github.com/keepalived-go/keepalived/internal/lvs"
)

// sampleLVS is a DR and a NAT virtual server as a dataplane reads them
// back, rendered as the daemon does.
func sampleLVS(t *testing.T) control.LVSView {
	t.Helper()
	st := []lvs.ServiceState{
		{Service: lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.MustParseAddr("192.0.2.100"), Port: 80}, Scheduler: "wrr", Netmask: 32},
			Stats: lvs.Stats{InPkts: 1234, InBytes: 98765, InPPS: 12, InBPS: 960},
			Dests: []lvs.DestState{
				{Destination: lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("192.0.2.11"), Port: 80}, Weight: 2, Method: lvs.DR},
					Stats: lvs.Stats{InPkts: 800, InBytes: 64000}},
				{Destination: lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("192.0.2.12"), Port: 80}, Weight: 1, Method: lvs.DR},
					Stats: lvs.Stats{InPkts: 434, InBytes: 34765}},
			}},
		{Service: lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: netip.MustParseAddr("192.0.2.101"), Port: 443}, Scheduler: "sh", Persistence: 300 * time.Second, Netmask: 32},
			Stats: lvs.Stats{Conns: 7, InPkts: 7, InBytes: 420},
			Dests: []lvs.DestState{
				{Destination: lvs.Destination{Key: lvs.DestKey{Addr: netip.MustParseAddr("198.51.100.11"), Port: 8443}, Weight: 1, Method: lvs.NAT},
					ActiveConns: 3, InactiveConns: 4, Stats: lvs.Stats{Conns: 7, InPkts: 7, InBytes: 420}},
			}},
	}
	return daemon.RenderLVS(st)
}

func TestKeepalivedctlLVSGolden(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sock := filepath.Join(t.TempDir(), "k.ctl")
	st := sampleStatus()
	st.LVS = sampleLVS(t)
	st.LVSTable = st.LVS.Stats
	go control.Serve(ctx, sock, fakeDaemon{st: st})
	waitSocket(t, sock)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"lvs_list.txt", []string{"lvs", "list", "--socket", sock}},
		{"lvs_list.txt", []string{"lvs", "list", "-n", "--socket", sock}},
		{"lvs_list_stats.txt", []string{"lvs", "list", "-n", "--stats", "--socket", sock}},
		{"lvs_list_rate.txt", []string{"lvs", "list", "--rate", "--socket", sock}},
		{"lvs_list.json", []string{"lvs", "list", "--json", "--socket", sock}},
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
	var out, errb bytes.Buffer
	if code := RunKeepalivedctl(ctx, []string{"lvs", "list", "--stats", "--rate", "--socket", sock}, &out, &errb); code != exitUsage ||
		!bytes.Contains(errb.Bytes(), []byte("exclude each other")) {
		t.Errorf("--stats --rate: exit %d, %q", code, errb.String())
	}
	// A daemon without virtual servers.
	sock2 := filepath.Join(t.TempDir(), "k2.ctl")
	go control.Serve(ctx, sock2, fakeDaemon{st: sampleStatus()})
	waitSocket(t, sock2)
	errb.Reset()
	if code := RunKeepalivedctl(ctx, []string{"lvs", "list", "--socket", sock2}, &out, &errb); code != exitFatal ||
		!bytes.Contains(errb.Bytes(), []byte("runs no virtual servers")) {
		t.Errorf("no virtual servers: exit %d, %q", code, errb.String())
	}
}

// connsDaemon is a fake daemon that lists connections.
type connsDaemon struct {
	fakeDaemon
	conns string
	err   error
}

func (c connsDaemon) LVSConns(context.Context) (string, error) { return c.conns, c.err }

func TestKeepalivedctlLVSConns(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var b bytes.Buffer
	if err := lvs.RenderConns(&b, []lvs.Conn{
		{Protocol: lvs.TCP, Client: netip.MustParseAddrPort("192.0.2.10:41001"), Virtual: netip.MustParseAddrPort("192.0.2.100:80"),
			Dest: netip.MustParseAddrPort("198.51.100.11:80"), State: "ESTABLISHED", Expires: 431999 * time.Second},
		{Protocol: lvs.TCP, Client: netip.MustParseAddrPort("192.0.2.10:41002"), Virtual: netip.MustParseAddrPort("192.0.2.100:80"),
			Dest: netip.MustParseAddrPort("198.51.100.12:80"), State: "TIME_WAIT", Expires: 118 * time.Second},
	}); err != nil {
		t.Fatal(err)
	}
	serve := func(h control.Handler) string {
		sock := filepath.Join(t.TempDir(), "k.ctl")
		go control.Serve(ctx, sock, h)
		waitSocket(t, sock)
		return sock
	}
	sock := serve(connsDaemon{conns: b.String()})
	var out, errb bytes.Buffer
	if code := RunKeepalivedctl(ctx, []string{"lvs", "conns", "-n", "--socket", sock}, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	path := filepath.Join("testdata", "ctl", "lvs_conns.txt")
	if *updateScripts {
		if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	} else if want, err := os.ReadFile(path); err != nil || !bytes.Equal(out.Bytes(), want) {
		t.Errorf("output differs from %s (%v):\n%s", path, err, out.String())
	}
	for _, tc := range []struct {
		h    control.Handler
		want string
	}{
		{connsDaemon{err: errors.New("the nftables dataplane cannot list connections")}, "keepalivedctl: the nftables dataplane cannot list connections\n"},
		{fakeDaemon{}, "keepalivedctl: this daemon cannot list connections\n"},
	} {
		out.Reset()
		errb.Reset()
		if code := RunKeepalivedctl(ctx, []string{"lvs", "conns", "--socket", serve(tc.h)}, &out, &errb); code != exitFatal || errb.String() != tc.want {
			t.Errorf("exit %d, stderr %q, want %q", code, errb.String(), tc.want)
		}
	}
}

// waitSocket waits until the control socket accepts connections (the
// file appears at bind, before listen).
func waitSocket(t *testing.T, path string) {
	t.Helper()
	for range 400 {
		if c, err := net.Dial("unix", path); err == nil {
			c.Close()
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("control socket %s never accepted", path)
}
