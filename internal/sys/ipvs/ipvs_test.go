package ipvs

import (
	"errors"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

var (
	web = lvs.Service{Key: tcp80, Scheduler: "wlc"}
	rs1 = lvs.Destination{Key: lvs.DestKey{Addr: rs4, Port: 8080}, Weight: 1, Method: lvs.NAT}
	rs2 = lvs.Destination{Key: lvs.DestKey{Addr: rs6, Port: 80}, Weight: 2, Method: lvs.TUN}
)

func TestApplyThenState(t *testing.T) {
	f := &fakeClient{}
	d := NewWithClient(f)
	upd := rs1
	upd.Weight = 5
	err := d.Apply([]lvs.Change{
		{Op: lvs.AddService, Service: web},
		{Op: lvs.AddDest, Service: web, Dest: rs1},
		{Op: lvs.AddDest, Service: web, Dest: rs2},
		{Op: lvs.UpdateDest, Service: web, Dest: upd},
		{Op: lvs.DelDest, Service: web, Dest: lvs.Destination{Key: rs2.Key}},
		{Op: lvs.UpdateService, Service: lvs.Service{Key: tcp80, Scheduler: "rr", Persistence: time.Minute}},
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCalls := []string{
		"CreateService 6 [192.0.2.1]:80",
		"CreateDestination 6 [192.0.2.1]:80 [198.51.100.1]:8080",
		"CreateDestination 6 [192.0.2.1]:80 [2001:db8::2]:80",
		"UpdateDestination 6 [192.0.2.1]:80 [198.51.100.1]:8080",
		"RemoveDestination 6 [192.0.2.1]:80 [2001:db8::2]:80",
		"UpdateService 6 [192.0.2.1]:80",
	}
	if d := cmp.Diff(wantCalls, f.calls); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	got, err := d.State()
	if err != nil {
		t.Fatal(err)
	}
	want := []lvs.ServiceState{{
		Service: lvs.Service{Key: tcp80, Scheduler: "rr", Persistence: time.Minute, Netmask: 32},
		Stats:   lvs.Stats{Conns: 7},
		Dests:   []lvs.DestState{{Destination: upd, ActiveConns: 2, Stats: lvs.Stats{Conns: 3}}},
	}}
	if d := cmp.Diff(want, got, cmpOpts); d != "" {
		t.Errorf("State (-want +got):\n%s", d)
	}
}

func TestApplyStopsAtFirstFailure(t *testing.T) {
	tests := []struct {
		name     string
		changes  []lvs.Change
		done     int
		errno    syscall.Errno
		wantText string
	}{{
		name:     "service exists",
		changes:  []lvs.Change{{Op: lvs.AddService, Service: web}, {Op: lvs.AddService, Service: web}, {Op: lvs.AddDest, Service: web, Dest: rs1}},
		done:     1,
		errno:    syscall.EEXIST,
		wantText: "add service TCP 192.0.2.1:80: service already exists",
	}, {
		name:     "destination of a missing service",
		changes:  []lvs.Change{{Op: lvs.AddDest, Service: web, Dest: rs1}},
		errno:    syscall.ESRCH,
		wantText: "add destination 198.51.100.1:8080 to service TCP 192.0.2.1:80: service not defined",
	}, {
		name:     "missing destination",
		changes:  []lvs.Change{{Op: lvs.AddService, Service: web}, {Op: lvs.DelDest, Service: web, Dest: rs1}},
		done:     1,
		errno:    syscall.ENOENT,
		wantText: "delete destination 198.51.100.1:8080 to service TCP 192.0.2.1:80: no such destination",
	}, {
		name:     "missing service",
		changes:  []lvs.Change{{Op: lvs.DelService, Service: web}},
		errno:    syscall.ESRCH,
		wantText: "delete service TCP 192.0.2.1:80: no such service",
	}, {
		name:     "invalid change is not sent",
		changes:  []lvs.Change{{Op: lvs.AddService, Service: web}, {Op: lvs.AddDest, Service: web, Dest: lvs.Destination{Key: rs1.Key, Weight: -3}}},
		done:     1,
		wantText: "weight -3 out of range",
	}, {
		name:     "unknown op",
		changes:  []lvs.Change{{Op: 42, Service: web}},
		wantText: "unknown operation 42",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := &fakeClient{}
			err := NewWithClient(f).Apply(tt.changes)
			var ae *lvs.ApplyError
			if !errors.As(err, &ae) {
				t.Fatalf("Apply error = %v, want an *lvs.ApplyError", err)
			}
			if ae.Done != tt.done || ae.Change != tt.changes[tt.done] {
				t.Errorf("ApplyError Done=%d Change=%+v, want %d %+v", ae.Done, ae.Change, tt.done, tt.changes[tt.done])
			}
			if tt.errno != 0 && !errors.Is(err, tt.errno) {
				t.Errorf("error %v does not wrap %v", err, tt.errno)
			}
			if !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("error %q does not contain %q", err, tt.wantText)
			}
			if len(f.calls) > len(tt.changes) {
				t.Errorf("calls after the failure: %q", f.calls)
			}
		})
	}
}

func TestStateEmpty(t *testing.T) {
	got, err := NewWithClient(&fakeClient{}).State()
	if err != nil || len(got) != 0 {
		t.Errorf("State of an empty table = %v, %v; want none, nil", got, err)
	}
}

func TestStateError(t *testing.T) {
	f := &fakeClient{failOn: "Services", failErr: syscall.EPERM}
	_, err := NewWithClient(f).State()
	if !errors.Is(err, syscall.EPERM) || !strings.Contains(err.Error(), "list IPVS services") {
		t.Errorf("State error = %v, want list IPVS services wrapping EPERM", err)
	}
}

func TestFlushWithoutFlushCommand(t *testing.T) {
	f := &fakeClient{}
	d := NewWithClient(f)
	other := lvs.Service{Key: lvs.ServiceKey{Family: 6, FWMark: 3}, Scheduler: "rr"}
	if err := d.Apply([]lvs.Change{{Op: lvs.AddService, Service: web}, {Op: lvs.AddDest, Service: web, Dest: rs1}, {Op: lvs.AddService, Service: other}}); err != nil {
		t.Fatal(err)
	}
	if err := d.Flush(); err != nil {
		t.Fatal(err)
	}
	if len(f.svcs) != 0 {
		t.Errorf("services left after Flush: %d", len(f.svcs))
	}
	if err := d.Flush(); err != nil {
		t.Errorf("Flush of an empty table: %v", err)
	}
}

func TestSetTimeouts(t *testing.T) {
	f := &fakeClient{cfg: ipvsConfig(900, 120, 300)}
	d := NewWithClient(f)
	if err := d.SetTimeouts(lvs.Timeouts{TCP: time.Hour, UDP: 1500 * time.Millisecond}); err != nil {
		t.Fatal(err)
	}
	if f.calls[0] != "SetConfig 3600 0 2" {
		t.Errorf("SetConfig call %q, want %q", f.calls[0], "SetConfig 3600 0 2")
	}
	got, err := d.Timeouts()
	if err != nil {
		t.Fatal(err)
	}
	if want := (lvs.Timeouts{TCP: time.Hour, TCPFin: 2 * time.Minute, UDP: 2 * time.Second}); got != want {
		t.Errorf("Timeouts = %+v, want %+v", got, want)
	}
	if err := d.SetTimeouts(lvs.Timeouts{TCPFin: -time.Second}); err == nil || !strings.Contains(err.Error(), "tcpfin") {
		t.Errorf("SetTimeouts(negative) = %v, want an error naming tcpfin", err)
	}
}

func TestKernelErrorKeepsUnknownErrors(t *testing.T) {
	plain := errors.New("netlink receive: boom")
	if got := kernelError(lvs.AddService, plain); got != plain {
		t.Errorf("kernelError changed a non-errno error: %v", got)
	}
	got := kernelError(lvs.AddDest, syscall.EPERM)
	if !errors.Is(got, syscall.EPERM) || !strings.Contains(got.Error(), "permission denied") {
		t.Errorf("kernelError(EPERM) = %v", got)
	}
	if kernelError(lvs.AddDest, nil) != nil {
		t.Error("kernelError(nil) != nil")
	}
}

// TestNewWithoutIPVS runs where the kernel has no IPVS (as the build
// machines): New must say so plainly.
func TestNewWithoutIPVS(t *testing.T) {
	if _, err := os.Stat("/proc/net/ip_vs"); err == nil {
		t.Skip("this kernel has IPVS")
	}
	d, err := New()
	if err == nil {
		d.Close()
		t.Fatal("New succeeded on a kernel without IPVS")
	}
	if !errors.Is(err, ErrNoIPVS) || !strings.Contains(err.Error(), "kernel has no IPVS (modprobe ip_vs?)") {
		t.Errorf("New error = %v, want ErrNoIPVS", err)
	}
}
