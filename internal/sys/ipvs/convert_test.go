package ipvs

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/cloudflare/ipvs"
	"github.com/cloudflare/ipvs/netmask"
	"github.com/google/go-cmp/cmp"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

var (
	vip4  = netip.MustParseAddr("192.0.2.1")
	vip6  = netip.MustParseAddr("2001:db8::1")
	rs4   = netip.MustParseAddr("198.51.100.1")
	rs6   = netip.MustParseAddr("2001:db8::2")
	tcp80 = lvs.ServiceKey{Family: 4, Protocol: lvs.TCP, Addr: vip4, Port: 80}
)

// cmpOpts compare netmask.Mask and netip.Addr by value.
var cmpOpts = cmp.Options{
	cmp.Comparer(func(a, b netmask.Mask) bool { return a == b }),
	cmp.Comparer(func(a, b netip.Addr) bool { return a == b }),
}

func TestToService(t *testing.T) {
	tests := []struct {
		name string
		in   lvs.Service
		want ipvs.Service
	}{{
		name: "tcp wlc",
		in:   lvs.Service{Key: tcp80, Scheduler: "wlc"},
		want: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.TCP, Address: vip4, Port: 80, Scheduler: "wlc",
			Netmask: netmask.MaskFrom(32, 32)},
	}, {
		name: "family from address",
		in:   lvs.Service{Key: lvs.ServiceKey{Protocol: lvs.UDP, Addr: vip6, Port: 53}, Scheduler: "rr"},
		want: ipvs.Service{Family: ipvs.INET6, Protocol: ipvs.UDP, Address: vip6, Port: 53, Scheduler: "rr",
			Netmask: netmask.MaskFrom(128, 128)},
	}, {
		name: "v4-mapped address unmapped",
		in:   lvs.Service{Key: lvs.ServiceKey{Protocol: lvs.SCTP, Addr: netip.MustParseAddr("::ffff:192.0.2.1"), Port: 3868}, Scheduler: "rr"},
		want: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.SCTP, Address: vip4, Port: 3868, Scheduler: "rr",
			Netmask: netmask.MaskFrom(32, 32)},
	}, {
		name: "sh flags, ops, persistence and granularity",
		in: lvs.Service{Key: tcp80, Scheduler: "sh", Flags: lvs.SchedFlags{OnePacket: true, SHFallback: true, SHPort: true},
			Persistence: 300 * time.Second, Netmask: 24},
		want: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.TCP, Address: vip4, Port: 80, Scheduler: "sh",
			Flags:   ipvs.ServiceOnePacket | ipvs.ServiceSchedulerOpt1 | ipvs.ServiceSchedulerOpt2 | ipvs.ServicePersistent,
			Timeout: 300, Netmask: netmask.MaskFrom(24, 32)},
	}, {
		name: "mh fallback only",
		in:   lvs.Service{Key: tcp80, Scheduler: "mh", Flags: lvs.SchedFlags{MHFallback: true}},
		want: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.TCP, Address: vip4, Port: 80, Scheduler: "mh",
			Flags: ipvs.ServiceSchedulerOpt1, Netmask: netmask.MaskFrom(32, 32)},
	}, {
		name: "mh port only",
		in:   lvs.Service{Key: tcp80, Scheduler: "mh", Flags: lvs.SchedFlags{MHPort: true}},
		want: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.TCP, Address: vip4, Port: 80, Scheduler: "mh",
			Flags: ipvs.ServiceSchedulerOpt2, Netmask: netmask.MaskFrom(32, 32)},
	}, {
		name: "fwmark IPv6 persistent /64",
		in:   lvs.Service{Key: lvs.ServiceKey{Family: 6, FWMark: 7}, Scheduler: "wrr", Persistence: 1500 * time.Millisecond, Netmask: 64},
		want: ipvs.Service{Family: ipvs.INET6, FWMark: 7, Scheduler: "wrr", Flags: ipvs.ServicePersistent, Timeout: 2,
			Netmask: netmask.MaskFrom(64, 128)},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toService(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmpOpts); d != "" {
				t.Errorf("toService (-want +got):\n%s", d)
			}
		})
	}
}

func TestToServiceErrors(t *testing.T) {
	tests := []struct {
		name string
		in   lvs.Service
		want string
	}{
		{"unknown scheduler", lvs.Service{Key: tcp80, Scheduler: "fastest"}, `unknown scheduler "fastest"`},
		{"no scheduler", lvs.Service{Key: tcp80}, `unknown scheduler ""`},
		{"fwmark without family", lvs.Service{Key: lvs.ServiceKey{FWMark: 1}, Scheduler: "rr"}, "address family 0"},
		{"no address", lvs.Service{Key: lvs.ServiceKey{Family: 4, Protocol: lvs.TCP}, Scheduler: "rr"}, "no address and no fwmark"},
		{"family mismatch", lvs.Service{Key: lvs.ServiceKey{Family: 6, Protocol: lvs.TCP, Addr: vip4}, Scheduler: "rr"}, "is not IPv6"},
		{"bad protocol", lvs.Service{Key: lvs.ServiceKey{Protocol: 1, Addr: vip4}, Scheduler: "rr"}, "protocol 1"},
		{"netmask too long", lvs.Service{Key: tcp80, Scheduler: "rr", Netmask: 33}, "netmask /33 out of range 1-32"},
		{"negative netmask", lvs.Service{Key: tcp80, Scheduler: "rr", Netmask: -1}, "netmask /-1"},
		{"negative persistence", lvs.Service{Key: tcp80, Scheduler: "rr", Persistence: -time.Second}, "negative timeout"},
		{"persistence too long", lvs.Service{Key: tcp80, Scheduler: "rr", Persistence: 1000 * time.Hour * 24}, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := toService(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("toService error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFromService(t *testing.T) {
	tests := []struct {
		name string
		in   ipvs.ServiceExtended
		want lvs.ServiceState
	}{{
		name: "hashed flag ignored, 64-bit stats preferred",
		in: ipvs.ServiceExtended{
			Service: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.TCP, Address: vip4, Port: 80, Scheduler: "wlc",
				Flags: ipvs.ServiceHashed, Netmask: netmask.MaskFrom(32, 32), Timeout: 300},
			Stats:   ipvs.Stats{Connections: 1},
			Stats64: ipvs.Stats{Connections: 1 << 40, IncomingBytes: 5, OutgoingByteRate: 9},
		},
		want: lvs.ServiceState{
			Service: lvs.Service{Key: tcp80, Scheduler: "wlc", Netmask: 32},
			Stats:   lvs.Stats{Conns: 1 << 40, InBytes: 5, OutBPS: 9},
		},
	}, {
		name: "32-bit stats when no 64-bit ones",
		in: ipvs.ServiceExtended{
			Service: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.TCP, Address: vip4, Port: 80, Scheduler: "rr", Netmask: netmask.MaskFrom(32, 32)},
			Stats:   ipvs.Stats{Connections: 3, IncomingPackets: 4, OutgoingPackets: 5, OutgoingBytes: 6, ConnectionRate: 7, IncomingPacketRate: 8, OutgoingPacketRate: 9, IncomingByteRate: 10},
		},
		want: lvs.ServiceState{
			Service: lvs.Service{Key: tcp80, Scheduler: "rr", Netmask: 32},
			Stats:   lvs.Stats{Conns: 3, InPkts: 4, OutPkts: 5, OutBytes: 6, CPS: 7, InPPS: 8, OutPPS: 9, InBPS: 10},
		},
	}, {
		name: "sh flags by scheduler, persistence",
		in: ipvs.ServiceExtended{Service: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.UDP, Address: vip4, Port: 53, Scheduler: "sh",
			Flags:   ipvs.ServicePersistent | ipvs.ServiceOnePacket | ipvs.ServiceSchedulerOpt1 | ipvs.ServiceSchedulerOpt2 | ipvs.ServiceHashed,
			Timeout: 60, Netmask: netmask.MaskFrom(24, 32)}},
		want: lvs.ServiceState{Service: lvs.Service{
			Key:       lvs.ServiceKey{Family: 4, Protocol: lvs.UDP, Addr: vip4, Port: 53},
			Scheduler: "sh", Flags: lvs.SchedFlags{OnePacket: true, SHFallback: true, SHPort: true},
			Persistence: time.Minute, Netmask: 24,
		}},
	}, {
		name: "mh flags, fwmark IPv6",
		in: ipvs.ServiceExtended{Service: ipvs.Service{Family: ipvs.INET6, FWMark: 9, Scheduler: "mh",
			Flags: ipvs.ServiceSchedulerOpt2, Netmask: netmask.MaskFrom(128, 128)}},
		want: lvs.ServiceState{Service: lvs.Service{
			Key: lvs.ServiceKey{Family: 6, FWMark: 9}, Scheduler: "mh", Flags: lvs.SchedFlags{MHPort: true}, Netmask: 128,
		}},
	}, {
		name: "generic flags of other schedulers dropped",
		in: ipvs.ServiceExtended{Service: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.TCP, Address: vip4, Port: 80, Scheduler: "rr",
			Flags: ipvs.ServiceSchedulerOpt1, Netmask: netmask.MaskFrom(32, 32)}},
		want: lvs.ServiceState{Service: lvs.Service{Key: tcp80, Scheduler: "rr", Netmask: 32}},
	}, {
		name: "non-contiguous IPv4 mask",
		in: ipvs.ServiceExtended{Service: ipvs.Service{Family: ipvs.INET, Protocol: ipvs.TCP, Address: vip4, Port: 80, Scheduler: "rr",
			Netmask: netmask.MaskFrom4([4]byte{255, 0, 255, 0})}},
		want: lvs.ServiceState{Service: lvs.Service{Key: tcp80, Scheduler: "rr", Netmask: -1}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, fromService(tt.in), cmpOpts); d != "" {
				t.Errorf("fromService (-want +got):\n%s", d)
			}
		})
	}
}

func TestToDest(t *testing.T) {
	tests := []struct {
		name string
		in   lvs.Destination
		want ipvs.Destination
	}{{
		name: "NAT with thresholds",
		in:   lvs.Destination{Key: lvs.DestKey{Addr: rs4, Port: 8080}, Weight: 3, Method: lvs.NAT, UpperThreshold: 10, LowerThreshold: 5},
		want: ipvs.Destination{Address: rs4, Port: 8080, Family: ipvs.INET, FwdMethod: ipvs.Masquerade, Weight: 3, UpperThreshold: 10, LowerThreshold: 5},
	}, {
		name: "DR weight 0 drops tunnel options",
		in:   lvs.Destination{Key: lvs.DestKey{Addr: rs6, Port: 80}, Method: lvs.DR, Tunnel: lvs.Tunnel{Type: "gue", Port: 1}},
		want: ipvs.Destination{Address: rs6, Port: 80, Family: ipvs.INET6, FwdMethod: ipvs.DirectRoute},
	}, {
		name: "TUN defaults to ipip",
		in:   lvs.Destination{Key: lvs.DestKey{Addr: rs4, Port: 80}, Weight: 1, Method: lvs.TUN},
		want: ipvs.Destination{Address: rs4, Port: 80, Family: ipvs.INET, FwdMethod: ipvs.Tunnel, Weight: 1, TunnelType: ipvs.IPIP},
	}, {
		name: "TUN gue csum",
		in:   lvs.Destination{Key: lvs.DestKey{Addr: rs4, Port: 80}, Weight: 1, Method: lvs.TUN, Tunnel: lvs.Tunnel{Type: "gue", Port: 6080, Flags: "csum"}},
		want: ipvs.Destination{Address: rs4, Port: 80, Family: ipvs.INET, FwdMethod: ipvs.Tunnel, Weight: 1,
			TunnelType: ipvs.GUE, TunnelPort: 6080, TunnelFlags: ipvs.TunnelEncapChecksum},
	}, {
		name: "TUN gre remcsum",
		in:   lvs.Destination{Key: lvs.DestKey{Addr: rs6}, Weight: 2, Method: lvs.TUN, Tunnel: lvs.Tunnel{Type: "gre", Flags: "remcsum"}},
		want: ipvs.Destination{Address: rs6, Family: ipvs.INET6, FwdMethod: ipvs.Tunnel, Weight: 2,
			TunnelType: ipvs.GRE, TunnelFlags: ipvs.TunnelEncapRemoteChecksum},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toDest(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.want, got, cmpOpts); d != "" {
				t.Errorf("toDest (-want +got):\n%s", d)
			}
		})
	}
}

func TestToDestErrors(t *testing.T) {
	tests := []struct {
		name string
		in   lvs.Destination
		want string
	}{
		{"no address", lvs.Destination{Method: lvs.NAT}, "no address"},
		{"unknown method", lvs.Destination{Key: lvs.DestKey{Addr: rs4}, Method: 9}, "unknown forwarding method method9"},
		{"negative weight", lvs.Destination{Key: lvs.DestKey{Addr: rs4}, Weight: -1}, "weight -1 out of range"},
		{"huge weight", lvs.Destination{Key: lvs.DestKey{Addr: rs4}, Weight: 1 << 31}, "out of range"},
		{"tunnel type", lvs.Destination{Key: lvs.DestKey{Addr: rs4}, Method: lvs.TUN, Tunnel: lvs.Tunnel{Type: "vxlan"}}, `unknown tunnel type "vxlan"`},
		{"tunnel flags", lvs.Destination{Key: lvs.DestKey{Addr: rs4}, Method: lvs.TUN, Tunnel: lvs.Tunnel{Flags: "crc"}}, `unknown tunnel checksum option "crc"`},
		{"thresholds crossed", lvs.Destination{Key: lvs.DestKey{Addr: rs4}, LowerThreshold: 5}, "lower threshold 5 above upper threshold 0"},
		{"gue without port", lvs.Destination{Key: lvs.DestKey{Addr: rs4}, Method: lvs.TUN, Tunnel: lvs.Tunnel{Type: "gue"}}, "gue tunnel needs a port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := toDest(tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("toDest error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestFromDest(t *testing.T) {
	tests := []struct {
		name string
		in   ipvs.DestinationExtended
		want lvs.DestState
	}{{
		name: "NAT with counters",
		in: ipvs.DestinationExtended{
			Destination:       ipvs.Destination{Address: rs4, Port: 8080, Family: ipvs.INET, FwdMethod: ipvs.Masquerade, Weight: 3, UpperThreshold: 10, LowerThreshold: 5},
			ActiveConnections: 1, InactiveConnections: 2, PersistentConnections: 3,
			Stats64: ipvs.Stats{Connections: 4},
		},
		want: lvs.DestState{
			Destination: lvs.Destination{Key: lvs.DestKey{Addr: rs4, Port: 8080}, Weight: 3, Method: lvs.NAT, UpperThreshold: 10, LowerThreshold: 5},
			ActiveConns: 1, InactiveConns: 2, PersistConns: 3, Stats: lvs.Stats{Conns: 4},
		},
	}, {
		name: "DR ignores stray tunnel attributes",
		in:   ipvs.DestinationExtended{Destination: ipvs.Destination{Address: rs6, Port: 80, Family: ipvs.INET6, FwdMethod: ipvs.DirectRoute, Weight: 1, TunnelType: ipvs.GUE}},
		want: lvs.DestState{Destination: lvs.Destination{Key: lvs.DestKey{Addr: rs6, Port: 80}, Weight: 1, Method: lvs.DR}},
	}, {
		name: "TUN ipip spelled out",
		in:   ipvs.DestinationExtended{Destination: ipvs.Destination{Address: rs4, Port: 80, Family: ipvs.INET, FwdMethod: ipvs.Tunnel, Weight: 1}},
		want: lvs.DestState{Destination: lvs.Destination{Key: lvs.DestKey{Addr: rs4, Port: 80}, Weight: 1, Method: lvs.TUN,
			Tunnel: lvs.Tunnel{Type: "ipip", Flags: "nocsum"}}},
	}, {
		name: "TUN gue remcsum",
		in: ipvs.DestinationExtended{Destination: ipvs.Destination{Address: rs4, Port: 80, Family: ipvs.INET, FwdMethod: ipvs.Tunnel, Weight: 1,
			TunnelType: ipvs.GUE, TunnelPort: 6080, TunnelFlags: ipvs.TunnelEncapRemoteChecksum}},
		want: lvs.DestState{Destination: lvs.Destination{Key: lvs.DestKey{Addr: rs4, Port: 80}, Weight: 1, Method: lvs.TUN,
			Tunnel: lvs.Tunnel{Type: "gue", Port: 6080, Flags: "remcsum"}}},
	}, {
		name: "local forwarding from another tool",
		in:   ipvs.DestinationExtended{Destination: ipvs.Destination{Address: rs4, Port: 80, Family: ipvs.INET, FwdMethod: ipvs.Local, Weight: 1}},
		want: lvs.DestState{Destination: lvs.Destination{Key: lvs.DestKey{Addr: rs4, Port: 80}, Weight: 1, Method: MethodLocal}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if d := cmp.Diff(tt.want, fromDest(tt.in), cmpOpts); d != "" {
				t.Errorf("fromDest (-want +got):\n%s", d)
			}
		})
	}
}

func TestSeconds(t *testing.T) {
	tests := []struct {
		in   time.Duration
		want uint32
		err  bool
	}{
		{0, 0, false},
		{time.Nanosecond, 1, false},
		{time.Second, 1, false},
		{1001 * time.Millisecond, 2, false},
		{15 * time.Minute, 900, false},
		{-time.Second, 0, true},
		{time.Duration(maxConnTimeout+1) * time.Second, 0, true},
	}
	for _, tt := range tests {
		got, err := seconds(tt.in, maxConnTimeout)
		if got != tt.want || (err != nil) != tt.err {
			t.Errorf("seconds(%v) = %d, %v; want %d, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}

// FuzzServiceRoundTrip checks that any service toService accepts reads
// back unchanged, once the defaults are spelled out (netmask 0 -> full
// length, persistence in whole seconds, flags of other schedulers
// dropped).
func FuzzServiceRoundTrip(f *testing.F) {
	// family, fwmark, proto, addr, port, sched, flags, persistence, netmask
	f.Add(uint8(4), uint32(0), uint8(6), "192.0.2.1", uint16(80), "wlc", uint8(0), int64(0), 0)
	f.Add(uint8(6), uint32(7), uint8(0), "", uint16(0), "mh", uint8(0b11011), int64(1500*time.Millisecond), 64)
	f.Add(uint8(0), uint32(0), uint8(17), "2001:db8::1", uint16(53), "sh", uint8(0b00111), int64(time.Hour), 0)
	f.Add(uint8(4), uint32(0), uint8(132), "::ffff:192.0.2.9", uint16(3868), "rr", uint8(1), int64(0), 24)
	f.Fuzz(func(t *testing.T, fam uint8, mark uint32, proto uint8, addr string, port uint16, sched string, flags uint8, pers int64, mask int) {
		a, _ := netip.ParseAddr(addr)
		in := lvs.Service{
			Key:       lvs.ServiceKey{Family: int(fam), FWMark: mark, Protocol: lvs.Protocol(proto), Addr: a, Port: port},
			Scheduler: sched,
			Flags: lvs.SchedFlags{OnePacket: flags&1 != 0, SHFallback: flags&2 != 0, SHPort: flags&4 != 0,
				MHFallback: flags&8 != 0, MHPort: flags&16 != 0},
			Persistence: time.Duration(pers),
			Netmask:     mask,
		}
		svc, err := toService(in)
		if err != nil {
			return
		}
		got := fromService(ipvs.ServiceExtended{Service: svc}).Service

		want := in
		if mark != 0 {
			want.Key = lvs.ServiceKey{FWMark: mark, Family: int(fam)}
		} else {
			want.Key.Addr = a.Unmap().WithZone("")
		}
		want.Key.Family = 4
		if svc.Family == ipvs.INET6 {
			want.Key.Family = 6
		}
		if want.Netmask == 0 {
			want.Netmask = svc.Netmask.Bits()
		}
		want.Persistence = time.Duration(svc.Timeout) * time.Second
		if pers > 0 && (want.Persistence < time.Duration(pers) || want.Persistence-time.Duration(pers) >= time.Second) {
			t.Errorf("persistence %v became %v", time.Duration(pers), want.Persistence)
		}
		want.Flags = fromFlags(toFlags(in.Flags), sched)
		if d := cmp.Diff(want, got, cmpOpts); d != "" {
			t.Errorf("round trip of %+v (-want +got):\n%s", in, d)
		}
	})
}
