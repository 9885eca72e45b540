package netlink_test

import (
	"context"
	"encoding/json"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/sys/netlink"
	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// lab is a namespace with a veth pair veth0 (192.0.2.2/24) - veth1, both
// up, and a Handle opened inside it.
type lab struct {
	ns *netnstest.NS
	h  *netlink.Handle
}

func newLab(t *testing.T) *lab {
	t.Helper()
	ns := netnstest.New(t, "nl")
	ns.IP("link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
	ns.IP("addr", "add", "192.0.2.2/24", "dev", "veth0")
	ns.IP("link", "set", "veth0", "up")
	ns.IP("link", "set", "veth1", "up")
	var h *netlink.Handle
	if err := ns.Do(func() (err error) { h, err = netlink.New(netlink.Options{}); return err }); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return &lab{ns: ns, h: h}
}

// jsonIP runs `ip -j ARGS` in the lab and decodes the output.
func (l *lab) jsonIP(t *testing.T, args ...string) []map[string]any {
	t.Helper()
	out := l.ns.IP(append([]string{"-j"}, args...)...)
	var v []map[string]any
	if strings.TrimSpace(out) == "" {
		return nil
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil {
		t.Fatalf("ip -j %v: %v: %s", args, err, out)
	}
	return v
}

// addrInfo returns the addr_info entry of ip on dev, or nil.
func (l *lab) addrInfo(t *testing.T, dev, ip string) map[string]any {
	t.Helper()
	for _, link := range l.jsonIP(t, "-d", "addr", "show", "dev", dev) {
		infos, _ := link["addr_info"].([]any)
		for _, i := range infos {
			m := i.(map[string]any)
			if m["local"] == ip {
				return m
			}
		}
	}
	return nil
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func lft(v uint32) *uint32      { return &v }

func TestIntegrationAddresses(t *testing.T) {
	l := newLab(t)
	tests := []struct {
		name string
		a    config.IPAddress
		dev  string
		want map[string]any
		// absent keys must not be in ip's output
		absent []string
	}{
		{
			name:   "IPv4 VIP on the instance interface",
			a:      config.IPAddress{Addr: pfx("192.0.2.10/32")},
			dev:    "veth0",
			want:   map[string]any{"prefixlen": 32.0, "scope": "global"},
			absent: []string{"broadcast"},
		},
		{
			name: "IPv4 with its own dev, brd, scope, label",
			a: config.IPAddress{Addr: pfx("198.51.100.10/24"), Dev: "veth1", Broadcast: netip.MustParseAddr("198.51.100.255"),
				Scope: config.RTScopeLink, Label: "veth1:vip"},
			dev:  "veth0",
			want: map[string]any{"prefixlen": 24.0, "broadcast": "198.51.100.255", "scope": "link", "label": "veth1:vip"},
		},
		{
			name: "IPv4 peer, noprefixroute",
			a:    config.IPAddress{Addr: pfx("192.0.2.11/32"), Peer: netip.MustParseAddr("192.0.2.12"), NoPrefixRoute: true},
			dev:  "veth0",
			want: map[string]any{"address": "192.0.2.12", "prefixlen": 32.0, "noprefixroute": true},
		},
		{
			name: "IPv6 /128 VIP: deprecated, nodad",
			a:    config.IPAddress{Addr: pfx("2001:db8::10/128"), PreferredLft: lft(0)},
			dev:  "veth0",
			want: map[string]any{"prefixlen": 128.0, "nodad": true, "deprecated": true, "preferred_life_time": 0.0, "valid_life_time": 4294967295.0},
		},
		{
			name:   "IPv6 /64 with -nodad, home and mngtmpaddr",
			a:      config.IPAddress{Addr: pfx("2001:db8:1::10/64"), NoDAD: true, Home: true, MngTmpAddr: true, PreferredLft: lft(config.VRRPLifetimeForever)},
			dev:    "veth0",
			want:   map[string]any{"prefixlen": 64.0, "home": true, "mngtmpaddr": true},
			absent: []string{"nodad", "deprecated"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dev := tt.a.Dev
			if dev == "" {
				dev = tt.dev
			}
			ip := tt.a.Addr.Addr().String()
			for range 2 { // the second add finds it there
				if err := l.h.AddAddress(&tt.a, tt.dev); err != nil {
					t.Fatal(err)
				}
			}
			got := l.addrInfo(t, dev, ip)
			if got == nil {
				t.Fatalf("%s not on %s", ip, dev)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
			for _, k := range tt.absent {
				if _, ok := got[k]; ok {
					t.Errorf("%s present: %v", k, got)
				}
			}
			if ok, err := l.h.HasAddress(&tt.a, tt.dev); err != nil || !ok {
				t.Errorf("HasAddress = %v, %v after add", ok, err)
			}
			for range 2 { // the second delete finds nothing
				if err := l.h.DelAddress(&tt.a, tt.dev); err != nil {
					t.Fatal(err)
				}
			}
			if l.addrInfo(t, dev, ip) != nil {
				t.Errorf("%s still on %s after delete", ip, dev)
			}
			if ok, err := l.h.HasAddress(&tt.a, tt.dev); err != nil || ok {
				t.Errorf("HasAddress = %v, %v after delete", ok, err)
			}
		})
	}
}

func TestIntegrationAddressMissingInterface(t *testing.T) {
	l := newLab(t)
	a := &config.IPAddress{Addr: pfx("192.0.2.10/32")}
	err := l.h.AddAddress(a, "nope0")
	if err == nil || !strings.Contains(err.Error(), "192.0.2.10") || !strings.Contains(err.Error(), "nope0") {
		t.Errorf("AddAddress on a missing interface: %v", err)
	}
	if !netlink.ErrNoSuchInterface(err) {
		t.Errorf("error %v is not ErrNoSuchInterface", err)
	}
	if err := l.h.DelAddress(a, "nope0"); err != nil {
		t.Errorf("DelAddress on a missing interface: %v", err)
	}
	if ok, err := l.h.HasAddress(a, "nope0"); ok || err != nil {
		t.Errorf("HasAddress on a missing interface = %v, %v", ok, err)
	}
	if _, err := l.h.LinkByName("nope0"); !netlink.ErrNoSuchInterface(err) {
		t.Errorf("LinkByName(nope0) = %v", err)
	}
}

func TestIntegrationRemoveStale(t *testing.T) {
	l := newLab(t)
	l.ns.IP("addr", "add", "192.0.2.20/32", "dev", "veth0")
	l.ns.IP("addr", "add", "2001:db8::20/128", "dev", "veth0", "nodad")
	vips := []*config.IPAddress{
		{Addr: pfx("192.0.2.20/32")}, {Addr: pfx("192.0.2.21/32")}, {Addr: pfx("2001:db8::20/128")},
	}
	got, err := l.h.RemoveStale(vips, "veth0")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{pfx("192.0.2.20/32"), pfx("2001:db8::20/128")}
	if !slices.Equal(got, want) {
		t.Errorf("RemoveStale = %v, want %v", got, want)
	}
	for _, ip := range []string{"192.0.2.20", "2001:db8::20"} {
		if l.addrInfo(t, "veth0", ip) != nil {
			t.Errorf("%s still there", ip)
		}
	}
	if l.addrInfo(t, "veth0", "192.0.2.2") == nil {
		t.Error("RemoveStale removed the interface's own address")
	}
}

func findRoute(routes []map[string]any, dst string) map[string]any {
	for _, r := range routes {
		if r["dst"] == dst {
			return r
		}
	}
	return nil
}

func TestIntegrationRoutes(t *testing.T) {
	l := newLab(t)
	l.ns.IP("addr", "add", "2001:db8::2/64", "dev", "veth0", "nodad")
	metric := uint32(5)
	tests := []struct {
		name  string
		r     config.IPRoute
		dev   string
		table string
		dst   string
		want  map[string]any
	}{
		{
			name:  "via on the instance interface",
			r:     config.IPRoute{Family: 4, Dest: pfx("198.51.100.0/24"), Via: netip.MustParseAddr("192.0.2.1"), Table: 100, Type: config.RTTypeUnicast, Protocol: config.RTProtoKeepalived, Metric: &metric},
			dev:   "veth0",
			table: "100", dst: "198.51.100.0/24",
			want: map[string]any{"gateway": "192.0.2.1", "dev": "veth0", "protocol": "keepalived", "metric": 5.0},
		},
		{
			name:  "src and scope link in main",
			r:     config.IPRoute{Family: 4, Dest: pfx("203.0.113.0/24"), Src: netip.MustParseAddr("192.0.2.2"), Dev: "veth0", Table: config.RTTableMain, Type: config.RTTypeUnicast, Scope: config.RTScopeLink},
			table: "main", dst: "203.0.113.0/24",
			want: map[string]any{"prefsrc": "192.0.2.2", "dev": "veth0", "scope": "link", "protocol": "keepalived"},
		},
		{
			name:  "blackhole default in a big table",
			r:     config.IPRoute{Family: 4, Dest: netip.PrefixFrom(netip.IPv4Unspecified(), 0), Type: 6, Table: 1000, Protocol: 4, NoTrack: true},
			table: "1000", dst: "default",
			want: map[string]any{"type": "blackhole", "protocol": "static"},
		},
		{
			name:  "IPv6 unreachable",
			r:     config.IPRoute{Family: 6, Dest: pfx("2001:db8:99::/48"), Type: 7, Table: 100},
			table: "100", dst: "2001:db8:99::/48",
			want: map[string]any{"type": "unreachable"},
		},
		{
			name:  "IPv6 via with mtu lock",
			r:     config.IPRoute{Family: 6, Dest: pfx("2001:db8:5::/64"), Via: netip.MustParseAddr("2001:db8::1"), Table: 100, Type: config.RTTypeUnicast, MTU: 1400, Locked: []string{"mtu"}},
			dev:   "veth0",
			table: "100", dst: "2001:db8:5::/64",
			want: map[string]any{"gateway": "2001:db8::1", "dev": "veth0"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 {
				if err := l.h.AddRoute(&tt.r, tt.dev); err != nil {
					t.Fatal(err)
				}
			}
			args := []string{"route", "show", "table", tt.table}
			if tt.r.Family == 6 {
				args = append([]string{"-6"}, args...)
			}
			routes := l.jsonIP(t, args...)
			got := findRoute(routes, tt.dst)
			if got == nil {
				t.Fatalf("route %s not in table %s: %v", tt.dst, tt.table, routes)
			}
			for k, v := range tt.want {
				if got[k] != v {
					t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
			if tt.r.MTU != 0 {
				m, _ := got["metrics"].([]any)
				if len(m) == 0 || !strings.Contains(strings.ReplaceAll(jsonString(m), " ", ""), `"mtu":1400`) ||
					!strings.Contains(l.ns.IP(append(args, "match", tt.dst)...), "mtu lock 1400") {
					t.Errorf("mtu lock 1400 missing: %v", got)
				}
			}
			for range 2 {
				if err := l.h.DelRoute(&tt.r, tt.dev); err != nil {
					t.Fatal(err)
				}
			}
			if r := findRoute(l.jsonIP(t, args...), tt.dst); r != nil {
				t.Errorf("route still there after delete: %v", r)
			}
		})
	}
}

func jsonString(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestIntegrationRouteErrors(t *testing.T) {
	l := newLab(t)
	r := &config.IPRoute{Family: 4, Dest: pfx("198.51.100.0/24"), Dev: "nope0", Table: 100, Type: config.RTTypeUnicast}
	if err := l.h.AddRoute(r, ""); !netlink.ErrNoSuchInterface(err) || !strings.Contains(err.Error(), "198.51.100.0/24") {
		t.Errorf("AddRoute on a missing interface: %v", err)
	}
	if err := l.h.DelRoute(r, ""); err != nil {
		t.Errorf("DelRoute on a missing interface: %v", err)
	}
	r = &config.IPRoute{Family: 4, Dest: pfx("198.51.100.0/24"), Table: 100, Type: config.RTTypeUnicast, Expires: lft(5)}
	if err := l.h.AddRoute(r, "veth0"); !netlink.ErrUnsupported(err) || !strings.Contains(err.Error(), "expires") {
		t.Errorf("AddRoute with expires: %v", err)
	}
}

func findRule(rules []map[string]any, prio float64) map[string]any {
	for _, r := range rules {
		if r["priority"] == prio {
			return r
		}
	}
	return nil
}

func TestIntegrationRules(t *testing.T) {
	l := newLab(t)
	mark, mask := uint32(0x10), uint32(0xff)
	tests := []struct {
		name string
		r    config.IPRule
		want map[string]any
	}{
		{
			name: "from to table",
			r:    config.IPRule{Family: 4, From: pfx("192.0.2.0/24"), To: pfx("198.51.100.7/32"), Priority: 100, Action: "table", Table: 100, SuppressPrefixLength: -1},
			want: map[string]any{"src": "192.0.2.0", "srclen": 24.0, "dst": "198.51.100.7", "table": "100"},
		},
		{
			name: "not, fwmark, iif, big table",
			r:    config.IPRule{Family: 4, Not: true, Priority: 101, Action: "table", Table: 1000, FWMark: &mark, FWMask: &mask, IIF: "veth0", SuppressPrefixLength: -1},
			want: map[string]any{"not": nil, "fwmark": "0x10", "fwmask": "0xff", "iif": "veth0", "table": "1000"},
		},
		{
			name: "blackhole with oif and protocol",
			r:    config.IPRule{Family: 4, Priority: 102, Action: "blackhole", OIF: "veth1", Protocol: config.RTProtoKeepalived, SuppressPrefixLength: -1},
			want: map[string]any{"action": "blackhole", "oif": "veth1", "protocol": "keepalived"},
		},
		{
			name: "IPv6 from all, goto",
			r:    config.IPRule{Family: 6, From: netip.PrefixFrom(netip.IPv4Unspecified(), 0), Priority: 103, Action: "goto", Goto: 200, SuppressPrefixLength: -1},
			want: map[string]any{"src": "all", "goto": 200.0},
		},
		{
			name: "IPv6 to, table, suppress_prefixlength",
			r:    config.IPRule{Family: 6, To: pfx("2001:db8::/32"), Priority: 104, Action: "table", Table: 100, SuppressPrefixLength: 0},
			want: map[string]any{"dst": "2001:db8::", "dstlen": 32.0, "table": "100", "suppress_prefixlen": 0.0},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for range 2 {
				if err := l.h.AddRule(&tt.r); err != nil {
					t.Fatal(err)
				}
			}
			fam := "-4"
			if tt.r.Family == 6 {
				fam = "-6"
			}
			rules := l.jsonIP(t, fam, "rule", "show")
			got := findRule(rules, float64(tt.r.Priority))
			if got == nil {
				t.Fatalf("rule %d missing: %v", tt.r.Priority, rules)
			}
			for k, v := range tt.want {
				if g, ok := got[k]; !ok || g != v {
					t.Errorf("%s = %v, want %v (all: %v)", k, got[k], v, got)
				}
			}
			if n := len(rules); n != len(l.jsonIP(t, fam, "rule", "show")) {
				t.Errorf("rule count changed")
			}
			for range 2 {
				if err := l.h.DelRule(&tt.r); err != nil {
					t.Fatal(err)
				}
			}
			if r := findRule(l.jsonIP(t, fam, "rule", "show"), float64(tt.r.Priority)); r != nil {
				t.Errorf("rule still there after delete: %v", r)
			}
		})
	}
}

func TestIntegrationLinkByName(t *testing.T) {
	l := newLab(t)
	info := l.jsonIP(t, "link", "show", "dev", "veth0")[0]
	got, err := l.h.LinkByName("veth0")
	if err != nil {
		t.Fatal(err)
	}
	if float64(got.Index) != info["ifindex"] || got.MAC.String() != info["address"] || got.Name != "veth0" {
		t.Errorf("LinkByName = %+v, ip says %v", got, info)
	}
	if !got.Up || got.Addr4 != netip.MustParseAddr("192.0.2.2") {
		t.Errorf("LinkByName = %+v, want up with 192.0.2.2", got)
	}
	if !got.LinkLocal6.IsLinkLocalUnicast() {
		t.Errorf("LinkLocal6 = %v", got.LinkLocal6)
	}
	// The peer down takes the carrier away: up but not running.
	l.ns.IP("link", "set", "veth1", "down")
	if got, err := l.h.LinkByName("veth0"); err != nil || got.Up {
		t.Errorf("LinkByName without carrier = %+v, %v; want not up", got, err)
	}
}

// waitEvent reads events until one matches or a generous deadline passes
// (a guard against hanging, not a timing assertion).
func waitEvent(t *testing.T, ch <-chan vrrp.LinkEvent, what string, match func(vrrp.LinkEvent) bool) {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		select {
		case ev, ok := <-ch:
			if !ok {
				t.Fatalf("event channel closed waiting for %s", what)
			}
			if match(ev) {
				return
			}
		case <-deadline:
			t.Fatalf("no event: %s", what)
		}
	}
}

func TestIntegrationSubscribe(t *testing.T) {
	l := newLab(t)
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := l.h.Subscribe(ctx)
	if err != nil {
		t.Fatal(err)
	}
	l.ns.IP("link", "set", "veth1", "down")
	waitEvent(t, ch, "veth0 down", func(ev vrrp.LinkEvent) bool { return ev.Name == "veth0" && !ev.Up && !ev.Addr.IsValid() })
	l.ns.IP("link", "set", "veth1", "up")
	waitEvent(t, ch, "veth0 up", func(ev vrrp.LinkEvent) bool { return ev.Name == "veth0" && ev.Up && !ev.Addr.IsValid() })

	vip := &config.IPAddress{Addr: pfx("192.0.2.10/32")}
	if err := l.h.AddAddress(vip, "veth0"); err != nil {
		t.Fatal(err)
	}
	waitEvent(t, ch, "VIP added", func(ev vrrp.LinkEvent) bool { return ev.Name == "veth0" && ev.Addr == vip.Addr && !ev.Deleted })
	l.ns.IP("addr", "del", "192.0.2.10/32", "dev", "veth0")
	waitEvent(t, ch, "VIP deleted", func(ev vrrp.LinkEvent) bool { return ev.Name == "veth0" && ev.Addr == vip.Addr && ev.Deleted })

	cancel()
	for range ch { // closed once ctx is done
	}
}

func (l *lab) sysctl(t *testing.T, ipv, dev, key string) string {
	t.Helper()
	return strings.TrimSpace(l.ns.Exec("cat", "/proc/sys/net/"+ipv+"/conf/"+dev+"/"+key))
}

func TestIntegrationVMAC(t *testing.T) {
	l := newLab(t)
	for range 2 { // the second call reuses the first's interface
		got, err := l.h.AddVMAC("veth0", "vrrp.51", 51, 4)
		if err != nil {
			t.Fatal(err)
		}
		// Up (running) follows through linkwatch; the event
		// subscription reports it.
		if got.Name != "vrrp.51" || got.MAC.String() != "00:00:5e:00:01:33" {
			t.Errorf("AddVMAC = %+v", got)
		}
	}
	link := l.jsonIP(t, "-d", "link", "show", "dev", "vrrp.51")[0]
	li := link["linkinfo"].(map[string]any)
	if link["address"] != "00:00:5e:00:01:33" || link["link"] != "veth0" || li["info_kind"] != "macvlan" ||
		li["info_data"].(map[string]any)["mode"] != "private" || !slices.Contains(link["flags"].([]any), any("UP")) {
		t.Errorf("VMAC: %v", link)
	}
	for key, want := range map[string]string{"arp_ignore": "1", "accept_local": "1", "rp_filter": "0", "promote_secondaries": "1"} {
		if got := l.sysctl(t, "ipv4", "vrrp.51", key); got != want {
			t.Errorf("vrrp.51 %s = %s, want %s", key, got, want)
		}
	}
	if got := l.sysctl(t, "ipv6", "vrrp.51", "disable_ipv6"); got != "1" {
		t.Errorf("IPv4 VMAC disable_ipv6 = %s", got)
	}
	for _, key := range []string{"arp_ignore", "arp_filter"} {
		if got := l.sysctl(t, "ipv4", "veth0", key); got != "1" {
			t.Errorf("parent %s = %s while a VMAC exists", key, got)
		}
	}
	for range 2 {
		if err := l.h.DelVMAC("vrrp.51"); err != nil {
			t.Fatal(err)
		}
	}
	if len(l.jsonIP(t, "link", "show", "type", "macvlan")) != 0 {
		t.Error("VMAC still there after delete")
	}
	for _, key := range []string{"arp_ignore", "arp_filter"} {
		if got := l.sysctl(t, "ipv4", "veth0", key); got != "0" {
			t.Errorf("parent %s = %s after the last VMAC, want 0 back", key, got)
		}
	}
}

func TestIntegrationVMAC6(t *testing.T) {
	l := newLab(t)
	base, err := l.h.LinkByName("veth0")
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.h.AddVMAC("veth0", "vrrp6.7", 7, 6)
	if err != nil {
		t.Fatal(err)
	}
	if got.MAC.String() != "00:00:5e:00:02:07" || got.LinkLocal6 != base.LinkLocal6 {
		t.Errorf("AddVMAC = %+v, want MAC 00:00:5e:00:02:07 and link-local %s", got, base.LinkLocal6)
	}
	var lls []string
	for _, link := range l.jsonIP(t, "-6", "addr", "show", "dev", "vrrp6.7") {
		for _, a := range link["addr_info"].([]any) {
			lls = append(lls, a.(map[string]any)["local"].(string))
		}
	}
	if !slices.Equal(lls, []string{base.LinkLocal6.String()}) {
		t.Errorf("IPv6 VMAC addresses = %v, want only %s (no EUI-64 one)", lls, base.LinkLocal6)
	}
}

func TestIntegrationVMACConflicts(t *testing.T) {
	l := newLab(t)
	l.ns.IP("link", "add", "vrrp.9", "type", "bridge")
	if _, err := l.h.AddVMAC("veth0", "vrrp.9", 9, 4); err == nil || !strings.Contains(err.Error(), "conflicts with existing interface") {
		t.Errorf("AddVMAC over a bridge: %v", err)
	}
	if err := l.h.DelVMAC("vrrp.9"); err == nil {
		t.Error("DelVMAC deleted a bridge")
	}
	// A macvlan left with the wrong MAC is replaced.
	l.ns.IP("link", "add", "link", "veth0", "vrrp.8", "type", "macvlan", "mode", "bridge")
	got, err := l.h.AddVMAC("veth0", "vrrp.8", 8, 4)
	if err != nil {
		t.Fatal(err)
	}
	link := l.jsonIP(t, "-d", "link", "show", "dev", "vrrp.8")[0]
	if got.MAC.String() != "00:00:5e:00:01:08" || link["linkinfo"].(map[string]any)["info_data"].(map[string]any)["mode"] != "private" {
		t.Errorf("replaced VMAC: %v", link)
	}
	if _, err := l.h.AddVMAC("nope0", "vrrp.10", 10, 4); !netlink.ErrNoSuchInterface(err) {
		t.Errorf("AddVMAC on a missing parent: %v", err)
	}
}

// TestIntegrationVMACRPFilter checks keepalived's clear_rp_filter: with
// all.rp_filter 1 an IPv4 VMAC's rp_filter 0 would be ignored, so all
// goes to 0 and the other interfaces keep an effective 1 through their
// own value; everything is put back with the last VMAC.
func TestIntegrationVMACRPFilter(t *testing.T) {
	l := newLab(t)
	l.ns.Exec("sysctl", "-qw", "net.ipv4.conf.all.rp_filter=1", "net.ipv4.conf.default.rp_filter=0", "net.ipv4.conf.veth0.rp_filter=0", "net.ipv4.conf.veth1.rp_filter=2")
	if _, err := l.h.AddVMAC("veth0", "vrrp.51", 51, 4); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"all": "0", "default": "1", "veth0": "1", "veth1": "2", "vrrp.51": "0"}
	for dev, v := range want {
		if got := l.sysctl(t, "ipv4", dev, "rp_filter"); got != v {
			t.Errorf("%s rp_filter = %s with a VMAC, want %s", dev, got, v)
		}
	}
	if err := l.h.DelVMAC("vrrp.51"); err != nil {
		t.Fatal(err)
	}
	want = map[string]string{"all": "1", "default": "0", "veth0": "0", "veth1": "2"}
	for dev, v := range want {
		if got := l.sysctl(t, "ipv4", dev, "rp_filter"); got != v {
			t.Errorf("%s rp_filter = %s after the last VMAC, want %s", dev, got, v)
		}
	}
}
