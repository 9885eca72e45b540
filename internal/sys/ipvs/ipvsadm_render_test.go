package ipvs

import (
	"os"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// TestRenderMatchesIPVSADM checks the test renderer against a listing
// real ipvsadm 1.31 printed in the VM (ipvsadm -Ln --tun-info), so that
// the in-VM comparisons rest on a renderer known to be right.
func TestRenderMatchesIPVSADM(t *testing.T) {
	out, err := os.ReadFile("testdata/ipvsadm-Ln-tun-info.txt")
	if err != nil {
		t.Fatal(err)
	}
	dst := func(a string, port uint16, w int, m lvs.Method) lvs.DestState {
		return lvs.DestState{Destination: lvs.Destination{Key: lvs.DestKey{Addr: addr(a), Port: port}, Weight: w, Method: m}}
	}
	gue := dst("198.51.100.2", 80, 1, lvs.TUN)
	gue.Tunnel = lvs.Tunnel{Type: "gue", Port: 6080, Flags: "csum"}
	states := []lvs.ServiceState{{
		Service: lvs.Service{Key: tcp80, Scheduler: "wlc", Netmask: 32},
		Dests:   []lvs.DestState{dst("198.51.100.1", 8080, 3, lvs.NAT), gue},
	}, {
		Service: lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.UDP, Addr: vip4, Port: 53}, Scheduler: "sh",
			Flags: lvs.SchedFlags{OnePacket: true, SHFallback: true, SHPort: true}, Persistence: 300 * time.Second, Netmask: 24},
		Dests: []lvs.DestState{dst("198.51.100.3", 53, 1, lvs.DR)},
	}, {
		Service: lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.SCTP, Addr: addr("192.0.2.9"), Port: 3868}, Scheduler: "rr", Netmask: 32},
	}, {
		Service: lvs.Service{Key: lvs.ServiceKey{Family: 6, Protocol: lvs.TCP, Addr: vip6, Port: 443}, Scheduler: "rr", Netmask: 128},
		Dests:   []lvs.DestState{dst("2001:db8::2", 443, 0, lvs.NAT)},
	}, {
		Service: lvs.Service{Key: lvs.ServiceKey{Family: 6, FWMark: 7}, Scheduler: "mh",
			Flags: lvs.SchedFlags{MHFallback: true}, Persistence: time.Minute, Netmask: 64},
		Dests: []lvs.DestState{dst("2001:db8::5", 80, 1, lvs.DR)},
	}}
	if d := cmp.Diff(normalizeList(string(out)), renderList(states, listTunInfo)); d != "" {
		t.Errorf("rendering differs from ipvsadm (-ipvsadm +ours):\n%s", d)
	}
}
