package netlink

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/config"
)

func u32(v uint32) *uint32 { return &v }
func u8(v uint8) *uint8    { return &v }

func mustNet(s string) *net.IPNet {
	p := netip.MustParsePrefix(s)
	return ipNet(p)
}

func TestToAddr(t *testing.T) {
	tests := []struct {
		name string
		a    config.IPAddress
		add  bool
		want netlink.Addr
	}{
		{
			name: "plain IPv4 VIP has no broadcast",
			a:    config.IPAddress{Addr: netip.MustParsePrefix("192.0.2.10/32")},
			add:  true,
			want: netlink.Addr{IPNet: mustNet("192.0.2.10/32"), Broadcast: net.IPv4zero},
		},
		{
			name: "IPv4 with brd, scope, label, home",
			a: config.IPAddress{Addr: netip.MustParsePrefix("192.0.2.10/24"), Broadcast: netip.MustParseAddr("192.0.2.255"),
				Scope: config.RTScopeLink, Label: "veth0:1", Home: true, NoPrefixRoute: true},
			add: true,
			want: netlink.Addr{IPNet: mustNet("192.0.2.10/24"), Broadcast: net.ParseIP("192.0.2.255").To4(), Scope: 253,
				Label: "veth0:1", Flags: unix.IFA_F_HOMEADDRESS | unix.IFA_F_NOPREFIXROUTE},
		},
		{
			name: "IPv4 delete carries no label, flags or broadcast",
			a: config.IPAddress{Addr: netip.MustParsePrefix("192.0.2.10/24"), Broadcast: netip.MustParseAddr("192.0.2.255"),
				Label: "veth0:1", Home: true},
			want: netlink.Addr{IPNet: mustNet("192.0.2.10/24"), Broadcast: net.IPv4zero},
		},
		{
			name: "peer",
			a:    config.IPAddress{Addr: netip.MustParsePrefix("192.0.2.10/32"), Peer: netip.MustParseAddr("192.0.2.20")},
			add:  true,
			want: netlink.Addr{IPNet: mustNet("192.0.2.10/32"), Peer: mustNet("192.0.2.20/32"), Broadcast: net.IPv4zero},
		},
		{
			name: "IPv6 /128 deprecated, nodad",
			a:    config.IPAddress{Addr: netip.MustParsePrefix("2001:db8::10/128"), PreferredLft: u32(0)},
			add:  true,
			want: netlink.Addr{IPNet: mustNet("2001:db8::10/128"), Flags: unix.IFA_F_NODAD, ValidLft: config.VRRPLifetimeForever},
		},
		{
			name: "IPv6 -nodad, forever, autojoin, mngtmpaddr",
			a: config.IPAddress{Addr: netip.MustParsePrefix("2001:db8::10/64"), NoDAD: true, AutoJoin: true, MngTmpAddr: true,
				PreferredLft: u32(config.VRRPLifetimeForever)},
			add:  true,
			want: netlink.Addr{IPNet: mustNet("2001:db8::10/64"), Flags: unix.IFA_F_MCAUTOJOIN | unix.IFA_F_MANAGETEMPADDR},
		},
		{
			name: "IPv6 preferred_lft 30",
			a:    config.IPAddress{Addr: netip.MustParsePrefix("2001:db8::10/64"), PreferredLft: u32(30)},
			add:  true,
			want: netlink.Addr{IPNet: mustNet("2001:db8::10/64"), Flags: unix.IFA_F_NODAD, PreferedLft: 30, ValidLft: config.VRRPLifetimeForever},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := toAddr(&tt.a, tt.add)
			if diff := cmp.Diff(tt.want.String(), got.String()); diff != "" {
				t.Errorf("address (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("toAddr (-want +got):\n%s", diff)
			}
		})
	}
}

// fakeLinks resolves veth0 to 7 and veth1 to 8.
func fakeLinks(name string) (int, error) {
	switch name {
	case "veth0":
		return 7, nil
	case "veth1":
		return 8, nil
	}
	return 0, errNoSuchInterface
}

func TestToRoute(t *testing.T) {
	base := func(f func(r *config.IPRoute)) *config.IPRoute {
		r := &config.IPRoute{Family: 4, Dest: netip.MustParsePrefix("198.51.100.0/24"), Table: config.RTTableMain,
			Type: config.RTTypeUnicast, Protocol: config.RTProtoKeepalived}
		f(r)
		return r
	}
	tests := []struct {
		name    string
		r       *config.IPRoute
		dev     string
		add     bool
		want    netlink.Route
		wantErr string
	}{
		{
			name: "via on the instance interface",
			r:    base(func(r *config.IPRoute) { r.Via = netip.MustParseAddr("192.0.2.1") }),
			dev:  "veth0", add: true,
			want: netlink.Route{Family: unix.AF_INET, Dst: mustNet("198.51.100.0/24"), Gw: net.ParseIP("192.0.2.1").To4(),
				LinkIndex: 7, Table: 254, Type: 1, Protocol: 18},
		},
		{
			name: "own dev wins, src, metric, table, scope, tos, onlink",
			r: base(func(r *config.IPRoute) {
				r.Dev, r.Src, r.Metric, r.Table, r.Scope, r.TOS, r.Onlink = "veth1", netip.MustParseAddr("192.0.2.5"), u32(50), 100, config.RTScopeLink, u8(16), true
			}),
			dev: "veth0", add: true,
			want: netlink.Route{Family: unix.AF_INET, Dst: mustNet("198.51.100.0/24"), Src: net.ParseIP("192.0.2.5").To4(),
				LinkIndex: 8, Table: 100, Type: 1, Protocol: 18, Priority: 50, Scope: 253, Tos: 16, Flags: unix.RTNH_F_ONLINK},
		},
		{
			name: "delete: scope nowhere, any type",
			r:    base(func(r *config.IPRoute) {}),
			dev:  "veth0",
			want: netlink.Route{Family: unix.AF_INET, Dst: mustNet("198.51.100.0/24"), LinkIndex: 7, Table: 254, Protocol: 18,
				Scope: netlink.SCOPE_NOWHERE},
		},
		{
			name: "blackhole default IPv6 without device, protocol static",
			r: &config.IPRoute{Family: 6, Dest: netip.PrefixFrom(netip.IPv6Unspecified(), 0), Table: 1000, Type: 6,
				Protocol: 4, NoTrack: true},
			add:  true,
			want: netlink.Route{Family: unix.AF_INET6, Dst: mustNet("::/0"), Table: 1000, Type: 6, Protocol: 4},
		},
		{
			name: "metrics",
			r: base(func(r *config.IPRoute) {
				r.MTU, r.AdvMSS, r.Window, r.InitCwnd, r.Hoplimit, r.Congctl, r.FeatureECN, r.Locked = 1400, 1360, 10, 20, u8(64), "cubic", true, []string{"mtu"}
			}),
			dev: "veth0", add: true,
			want: netlink.Route{Family: unix.AF_INET, Dst: mustNet("198.51.100.0/24"), LinkIndex: 7, Table: 254, Type: 1, Protocol: 18,
				MTU: 1400, MTULock: true, AdvMSS: 1360, Window: 10, InitCwnd: 20, Hoplimit: 64, Congctl: "cubic", Features: unix.RTAX_FEATURE_ECN},
		},
		{
			name: "nexthops",
			r: base(func(r *config.IPRoute) {
				r.Nexthops = []*config.IPRouteNexthop{
					{Via: netip.MustParseAddr("192.0.2.1"), Dev: "veth0", Weight: 2},
					{Via: netip.MustParseAddr("192.0.2.2"), Dev: "veth1", Onlink: true},
				}
			}),
			dev: "veth0", add: true,
			want: netlink.Route{Family: unix.AF_INET, Dst: mustNet("198.51.100.0/24"), Table: 254, Type: 1, Protocol: 18,
				MultiPath: []*netlink.NexthopInfo{
					{Gw: net.ParseIP("192.0.2.1").To4(), LinkIndex: 7, Hops: 1},
					{Gw: net.ParseIP("192.0.2.2").To4(), LinkIndex: 8, Flags: unix.RTNH_F_ONLINK},
				}},
		},
		{name: "missing interface", r: base(func(r *config.IPRoute) { r.Dev = "nope0" }), add: true, wantErr: "no such interface"},
		{name: "from", r: base(func(r *config.IPRoute) { r.From = netip.MustParsePrefix("2001:db8::/64") }), add: true, wantErr: "route option from is not supported"},
		{name: "expires", r: base(func(r *config.IPRoute) { r.Expires = u32(5) }), add: true, wantErr: "route option expires is not supported"},
		{name: "encap", r: base(func(r *config.IPRoute) { r.Encap = &config.IPRouteEncap{Type: "mpls"} }), add: true, wantErr: "route option encap is not supported"},
		{name: "lock cwnd", r: base(func(r *config.IPRoute) { r.Cwnd, r.Locked = 5, []string{"cwnd"} }), add: true, wantErr: "route option lock cwnd is not supported"},
		{name: "vrf", r: base(func(r *config.IPRoute) { r.VRF = "blue" }), add: true, wantErr: "route option vrf is not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toRoute(tt.r, tt.dev, tt.add, fakeLinks)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("toRoute (-want +got):\n%s", diff)
			}
		})
	}
}

func TestToRule(t *testing.T) {
	rule := func(f func(r *netlink.Rule)) netlink.Rule {
		r := netlink.NewRule()
		f(r)
		return *r
	}
	tests := []struct {
		name    string
		r       config.IPRule
		want    netlink.Rule
		wantErr string
	}{
		{
			name: "from to table",
			r: config.IPRule{Family: 4, From: netip.MustParsePrefix("192.0.2.0/24"), To: netip.MustParsePrefix("198.51.100.7/32"),
				Priority: 100, Action: "table", Table: 100, SuppressPrefixLength: -1},
			want: rule(func(r *netlink.Rule) {
				r.Family, r.Src, r.Dst, r.Priority, r.Table, r.Type = unix.AF_INET, mustNet("192.0.2.0/24"), mustNet("198.51.100.7/32"), 100, 100, unix.FR_ACT_TO_TBL
			}),
		},
		{
			name: "IPv6 from all, not, fwmark/mask, iif, oif, protocol",
			r: config.IPRule{Family: 6, From: netip.PrefixFrom(netip.IPv4Unspecified(), 0), Not: true, Priority: 200, Action: "table",
				Table: 300, FWMark: u32(5), FWMask: u32(0xff), IIF: "veth0", OIF: "veth1", Protocol: 18, SuppressPrefixLength: -1},
			want: rule(func(r *netlink.Rule) {
				r.Family, r.Invert, r.Priority, r.Table, r.Type, r.Mark, r.Mask = unix.AF_INET6, true, 200, 300, unix.FR_ACT_TO_TBL, 5, u32(0xff)
				r.IifName, r.OifName, r.Protocol = "veth0", "veth1", 18
			}),
		},
		{
			name: "goto",
			r:    config.IPRule{Family: 4, Priority: 10, Action: "goto", Goto: 500, SuppressPrefixLength: -1},
			want: rule(func(r *netlink.Rule) { r.Family, r.Priority, r.Type, r.Goto = unix.AF_INET, 10, unix.FR_ACT_GOTO, 500 }),
		},
		{
			name: "blackhole with ports and uidrange",
			r: config.IPRule{Family: 4, Priority: 10, Action: "blackhole", IPProto: u8(6), SPort: &config.VRRPRange{Start: 1, End: 2},
				DPort: &config.VRRPRange{Start: 80, End: 80}, UIDRange: &config.VRRPRange{Start: 1000, End: 2000}, SuppressPrefixLength: -1},
			want: rule(func(r *netlink.Rule) {
				r.Family, r.Priority, r.Type, r.IPProto = unix.AF_INET, 10, unix.FR_ACT_BLACKHOLE, 6
				r.Sport, r.Dport, r.UIDRange = netlink.NewRulePortRange(1, 2), netlink.NewRulePortRange(80, 80), netlink.NewRuleUIDRange(1000, 2000)
			}),
		},
		{
			name: "table 0 means main, suppress_prefixlength",
			r:    config.IPRule{Family: 4, Priority: 10, Action: "table", SuppressPrefixLength: 0},
			want: rule(func(r *netlink.Rule) {
				r.Family, r.Priority, r.Table, r.Type, r.SuppressPrefixlen = unix.AF_INET, 10, 254, 1, 0
			}),
		},
		{name: "l3mdev", r: config.IPRule{Family: 4, Action: "table", L3mdev: true, SuppressPrefixLength: -1}, wantErr: "rule option l3mdev is not supported"},
		{name: "tunnel-id", r: config.IPRule{Family: 4, Action: "table", Table: 5, TunnelID: new(uint64), SuppressPrefixLength: -1}, wantErr: "tunnel-id"},
		{name: "suppressor with big table", r: config.IPRule{Family: 4, Action: "table", Table: 1000, SuppressPrefixLength: 8}, wantErr: "suppress_prefixlength"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := toRule(&tt.r)
			if tt.wantErr != "" {
				if !ErrUnsupported(err) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want an unsupported-option error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, *got); diff != "" {
				t.Errorf("toRule (-want +got):\n%s", diff)
			}
		})
	}
}

func TestVMACAddr(t *testing.T) {
	if got := VMACAddr(51, 4).String(); got != "00:00:5e:00:01:33" {
		t.Errorf("IPv4 VMAC = %s", got)
	}
	if got := VMACAddr(255, 6).String(); got != "00:00:5e:00:02:ff" {
		t.Errorf("IPv6 VMAC = %s", got)
	}
}

func TestEUI64LinkLocal(t *testing.T) {
	mac, _ := net.ParseMAC("52:54:00:12:34:56")
	if got := eui64LinkLocal(mac).String(); got != "fe80::5054:ff:fe12:3456" {
		t.Errorf("eui64LinkLocal = %s", got)
	}
}

func TestPrimaryAddrs(t *testing.T) {
	addrs := []netlink.Addr{
		{IPNet: mustNet("2001:db8::1/64")},
		{IPNet: mustNet("192.0.2.9/24"), Flags: unix.IFA_F_SECONDARY},
		{IPNet: mustNet("fe80::1/64")},
		{IPNet: mustNet("192.0.2.1/24")},
		{IPNet: mustNet("192.0.2.2/24")},
		{IPNet: mustNet("fe80::2/64")},
	}
	v4, ll := primaryAddrs(addrs)
	if v4 != netip.MustParseAddr("192.0.2.1") || ll != netip.MustParseAddr("fe80::1") {
		t.Errorf("primaryAddrs = %s, %s; want 192.0.2.1, fe80::1", v4, ll)
	}
}

func TestErrUnsupportedIsNotOtherErrors(t *testing.T) {
	if ErrUnsupported(errors.New("route option x is not supported")) {
		t.Error("a plain error counts as unsupported")
	}
}
