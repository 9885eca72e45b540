package realserver

import (
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// fakeHost is an observable System: its addresses and sysctls render as
// text.
type fakeHost struct {
	links   []string
	addrs   map[string]bool // "PREFIX dev DEV"
	sysctls map[string]int  // "DEV.KEY"
	failSet string          // a sysctl name whose write fails
	calls   int             // writes made
}

func newFakeHost(links ...string) *fakeHost {
	h := &fakeHost{links: links, addrs: map[string]bool{}, sysctls: map[string]int{}}
	for _, dev := range append([]string{"all"}, links...) {
		h.sysctls[dev+".arp_ignore"] = 0
		h.sysctls[dev+".arp_announce"] = 0
	}
	return h
}

func (h *fakeHost) LinkExists(dev string) (bool, error) { return slices.Contains(h.links, dev), nil }
func (h *fakeHost) HasAddress(p netip.Prefix, dev string) (bool, error) {
	return h.addrs[p.String()+" dev "+dev], nil
}
func (h *fakeHost) AddAddress(p netip.Prefix, dev string) error {
	h.calls++
	h.addrs[p.String()+" dev "+dev] = true
	return nil
}
func (h *fakeHost) DelAddress(p netip.Prefix, dev string) error {
	h.calls++
	delete(h.addrs, p.String()+" dev "+dev)
	return nil
}
func (h *fakeHost) IPv4Conf(dev, key string) (int, error) {
	v, ok := h.sysctls[dev+"."+key]
	if !ok {
		return 0, fmt.Errorf("no sysctl %s.%s", dev, key)
	}
	return v, nil
}
func (h *fakeHost) SetIPv4Conf(dev, key string, v int) error {
	h.calls++
	if dev+"."+key == h.failSet {
		return errors.New("permission denied")
	}
	h.sysctls[dev+"."+key] = v
	return nil
}

// String renders the host: addresses, then sysctls, sorted.
func (h *fakeHost) String() string {
	var lines []string
	for _, a := range slices.Sorted(maps.Keys(h.addrs)) {
		lines = append(lines, "addr "+a)
	}
	for _, k := range slices.Sorted(maps.Keys(h.sysctls)) {
		lines = append(lines, fmt.Sprintf("net.ipv4.conf.%s = %d", k, h.sysctls[k]))
	}
	return strings.Join(lines, "\n")
}

var _ System = (*fakeHost)(nil)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

func TestHostPrefix(t *testing.T) {
	for _, tc := range []struct {
		in, want, err string
	}{
		{in: "192.0.2.100", want: "192.0.2.100/32"},
		{in: "192.0.2.100/32", want: "192.0.2.100/32"},
		{in: "2001:db8::100", want: "2001:db8::100/128"},
		{in: "2001:db8::100/128", want: "2001:db8::100/128"},
		{in: "::ffff:192.0.2.1", want: "192.0.2.1/32"},
		{in: "192.0.2.0/24", err: "VIP 192.0.2.0/24: a real server's VIP is one address (/32), not a network"},
		{in: "2001:db8::/64", err: "(/128), not a network"},
		{in: "fe80::1%eth0", err: "a zone is not allowed"},
		{in: "vip", err: `VIP "vip": not an IP address`},
		{in: "", err: "not an IP address"},
	} {
		got, err := HostPrefix(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("HostPrefix(%q) = %v, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got.String() != tc.want {
			t.Errorf("HostPrefix(%q) = %v, %v; want %s", tc.in, got, err, tc.want)
		}
	}
}

// observed builds an Observed with every Wanted(dev) sysctl at v.
func observed(dev string, v int, hasVIP bool, extra ...Sysctl) Observed {
	o := Observed{Sysctls: map[string]int{}, HasVIP: hasVIP}
	for _, s := range Wanted(dev) {
		o.Sysctls[s.Name()] = v
	}
	for _, s := range extra {
		o.Sysctls[s.Name()] = s.Value
	}
	return o
}

func strs(cs []Change) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.String())
	}
	return out
}

func TestUp(t *testing.T) {
	vip := pfx("192.0.2.100/32")
	for _, tc := range []struct {
		name      string
		st        *State
		obs       Observed
		vip       netip.Prefix
		want      []string
		wantState *State
	}{{
		name: "fresh host: four sysctls and the address",
		obs:  observed("lo", 0, false), vip: vip,
		want: []string{
			"set net.ipv4.conf.lo.arp_ignore = 1 (was 0)",
			"set net.ipv4.conf.lo.arp_announce = 2 (was 0)",
			"set net.ipv4.conf.all.arp_ignore = 1 (was 0)",
			"set net.ipv4.conf.all.arp_announce = 2 (was 0)",
			"add 192.0.2.100/32 to lo",
		},
		wantState: &State{Dev: "lo", VIPs: []netip.Prefix{vip}, Saved: []Sysctl{
			{"lo", "arp_ignore", 0}, {"lo", "arp_announce", 0}, {"all", "arp_ignore", 0}, {"all", "arp_announce", 0},
		}},
	}, {
		name: "second up: nothing to do and the saved values stay the first ones",
		st: &State{Dev: "lo", VIPs: []netip.Prefix{vip}, Saved: []Sysctl{
			{"lo", "arp_ignore", 0}, {"lo", "arp_announce", 0}, {"all", "arp_ignore", 0}, {"all", "arp_announce", 0},
		}},
		obs: Observed{Sysctls: map[string]int{
			"net.ipv4.conf.lo.arp_ignore": 1, "net.ipv4.conf.lo.arp_announce": 2,
			"net.ipv4.conf.all.arp_ignore": 1, "net.ipv4.conf.all.arp_announce": 2,
		}, HasVIP: true}, vip: vip,
		wantState: &State{Dev: "lo", VIPs: []netip.Prefix{vip}, Saved: []Sysctl{
			{"lo", "arp_ignore", 0}, {"lo", "arp_announce", 0}, {"all", "arp_ignore", 0}, {"all", "arp_announce", 0},
		}},
	}, {
		name: "host already set up by hand: saved as found, only the address added",
		obs: Observed{Sysctls: map[string]int{
			"net.ipv4.conf.eth0.arp_ignore": 1, "net.ipv4.conf.eth0.arp_announce": 2,
			"net.ipv4.conf.all.arp_ignore": 1, "net.ipv4.conf.all.arp_announce": 2,
		}}, vip: vip,
		want: []string{"add 192.0.2.100/32 to eth0"},
		wantState: &State{Dev: "eth0", VIPs: []netip.Prefix{vip}, Saved: []Sysctl{
			{"eth0", "arp_ignore", 1}, {"eth0", "arp_announce", 2}, {"all", "arp_ignore", 1}, {"all", "arp_announce", 2},
		}},
	}, {
		name: "IPv6 VIP: no ARP sysctls",
		obs:  observed("lo", 0, false), vip: pfx("2001:db8::100/128"),
		want:      []string{"add 2001:db8::100/128 to lo"},
		wantState: &State{Dev: "lo", VIPs: []netip.Prefix{pfx("2001:db8::100/128")}},
	}, {
		name: "second VIP: added beside the first, VIPs sorted",
		st: &State{Dev: "lo", VIPs: []netip.Prefix{pfx("192.0.2.200/32")}, Saved: []Sysctl{
			{"lo", "arp_ignore", 0}, {"lo", "arp_announce", 0}, {"all", "arp_ignore", 0}, {"all", "arp_announce", 0},
		}},
		obs: observed("lo", 0, false), vip: vip,
		// A sysctl reset by hand since is set again; the saved values
		// stay those from before the first up.
		want: []string{
			"set net.ipv4.conf.lo.arp_ignore = 1 (was 0)",
			"set net.ipv4.conf.lo.arp_announce = 2 (was 0)",
			"set net.ipv4.conf.all.arp_ignore = 1 (was 0)",
			"set net.ipv4.conf.all.arp_announce = 2 (was 0)",
			"add 192.0.2.100/32 to lo",
		},
		wantState: &State{Dev: "lo", VIPs: []netip.Prefix{vip, pfx("192.0.2.200/32")}, Saved: []Sysctl{
			{"lo", "arp_ignore", 0}, {"lo", "arp_announce", 0}, {"all", "arp_ignore", 0}, {"all", "arp_announce", 0},
		}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			dev := "lo"
			if tc.st != nil {
				dev = tc.st.Dev
			}
			if tc.wantState != nil {
				dev = tc.wantState.Dev
			}
			got, next, err := Up(tc.st, tc.obs, dev, tc.vip)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, strs(got)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantState, next, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDown(t *testing.T) {
	vip, vip2, vip6 := pfx("192.0.2.100/32"), pfx("192.0.2.200/32"), pfx("2001:db8::100/128")
	saved := []Sysctl{{"lo", "arp_ignore", 0}, {"lo", "arp_announce", 1}, {"all", "arp_ignore", 0}, {"all", "arp_announce", 0}}
	upObs := Observed{Sysctls: map[string]int{
		"net.ipv4.conf.lo.arp_ignore": 1, "net.ipv4.conf.lo.arp_announce": 2,
		"net.ipv4.conf.all.arp_ignore": 1, "net.ipv4.conf.all.arp_announce": 2,
	}, HasVIP: true}
	for _, tc := range []struct {
		name      string
		st        *State
		obs       Observed
		vip       netip.Prefix
		want      []string
		wantState *State
	}{{
		name: "last VIP: address removed, saved values put back, state gone",
		st:   &State{Dev: "lo", VIPs: []netip.Prefix{vip}, Saved: saved},
		obs:  upObs, vip: vip,
		want: []string{
			"remove 192.0.2.100/32 from lo",
			"set net.ipv4.conf.lo.arp_ignore = 0 (was 1)",
			"set net.ipv4.conf.lo.arp_announce = 1 (was 2)",
			"set net.ipv4.conf.all.arp_ignore = 0 (was 1)",
			"set net.ipv4.conf.all.arp_announce = 0 (was 2)",
		},
	}, {
		name: "another IPv4 VIP remains: only the address goes",
		st:   &State{Dev: "lo", VIPs: []netip.Prefix{vip, vip2}, Saved: saved},
		obs:  upObs, vip: vip,
		want:      []string{"remove 192.0.2.100/32 from lo"},
		wantState: &State{Dev: "lo", VIPs: []netip.Prefix{vip2}, Saved: saved},
	}, {
		name: "only an IPv6 VIP remains: sysctls put back, state kept for it",
		st:   &State{Dev: "lo", VIPs: []netip.Prefix{vip, vip6}, Saved: saved},
		obs:  upObs, vip: vip,
		want: []string{
			"remove 192.0.2.100/32 from lo",
			"set net.ipv4.conf.lo.arp_ignore = 0 (was 1)",
			"set net.ipv4.conf.lo.arp_announce = 1 (was 2)",
			"set net.ipv4.conf.all.arp_ignore = 0 (was 1)",
			"set net.ipv4.conf.all.arp_announce = 0 (was 2)",
		},
		wantState: &State{Dev: "lo", VIPs: []netip.Prefix{vip6}},
	}, {
		name: "second down: nothing left to do",
		obs:  observed("lo", 0, false), vip: vip,
	}, {
		name: "no state file but the address is there: only the address goes",
		obs:  upObs, vip: vip,
		want: []string{"remove 192.0.2.100/32 from lo"},
	}, {
		name: "a value already back by hand is not written again",
		st:   &State{Dev: "lo", VIPs: []netip.Prefix{vip}, Saved: saved},
		obs: Observed{Sysctls: map[string]int{
			"net.ipv4.conf.lo.arp_ignore": 0, "net.ipv4.conf.lo.arp_announce": 1,
			"net.ipv4.conf.all.arp_ignore": 1, "net.ipv4.conf.all.arp_announce": 2,
		}}, vip: vip,
		want: []string{
			"set net.ipv4.conf.all.arp_ignore = 0 (was 1)",
			"set net.ipv4.conf.all.arp_announce = 0 (was 2)",
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			got, next, err := Down(tc.st, tc.obs, "lo", tc.vip)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, strs(got)); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tc.wantState, next, cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				t.Errorf("state (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStateForAnotherDeviceIsRefused(t *testing.T) {
	st := &State{Dev: "eth0"}
	if _, _, err := Up(st, observed("lo", 0, false), "lo", pfx("192.0.2.1/32")); err == nil {
		t.Error("Up with eth0's state for lo: no error")
	}
	if _, _, err := Down(st, observed("lo", 0, false), "lo", pfx("192.0.2.1/32")); err == nil {
		t.Error("Down with eth0's state for lo: no error")
	}
}

// TestUpUpDownRestoresTheHost drives the whole cycle against a fake host
// and a real state file: the host after up/up/down is the host before.
func TestUpUpDownRestoresTheHost(t *testing.T) {
	h := newFakeHost("lo", "eth0")
	h.sysctls["lo.arp_announce"] = 1 // not 0, so restoring is not "write 0"
	before := h.String()
	store := Store{Dir: t.TempDir()}
	vip := pfx("192.0.2.100/32")

	if _, err := BringUp(h, store, "lo", vip); err != nil {
		t.Fatal(err)
	}
	up := h.String()
	want := `addr 192.0.2.100/32 dev lo
net.ipv4.conf.all.arp_announce = 2
net.ipv4.conf.all.arp_ignore = 1
net.ipv4.conf.eth0.arp_announce = 0
net.ipv4.conf.eth0.arp_ignore = 0
net.ipv4.conf.lo.arp_announce = 2
net.ipv4.conf.lo.arp_ignore = 1`
	if diff := cmp.Diff(want, up); diff != "" {
		t.Fatalf("after up (-want +got):\n%s", diff)
	}
	file, err := os.ReadFile(store.Path("lo"))
	if err != nil {
		t.Fatal(err)
	}
	calls := h.calls
	changes, err := BringUp(h, store, "lo", vip)
	if err != nil {
		t.Fatal(err)
	}
	if len(changes) != 0 || h.calls != calls || h.String() != up {
		t.Errorf("second up changed the host: %v (%d writes)", strs(changes), h.calls-calls)
	}
	if again, _ := os.ReadFile(store.Path("lo")); string(again) != string(file) {
		t.Errorf("second up rewrote the state:\n%s\nwas\n%s", again, file)
	}

	if _, err := BringDown(h, store, "lo", vip); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, h.String()); diff != "" {
		t.Errorf("after down (-before +after):\n%s", diff)
	}
	if _, err := os.Stat(store.Path("lo")); !os.IsNotExist(err) {
		t.Errorf("state file still there after the last down: %v", err)
	}
	changes, err = BringDown(h, store, "lo", vip)
	if err != nil || len(changes) != 0 {
		t.Errorf("second down: %v, %v; want no changes", strs(changes), err)
	}
}

func TestBringUpErrors(t *testing.T) {
	store := Store{Dir: t.TempDir()}
	vip := pfx("192.0.2.100/32")
	if _, err := BringUp(newFakeHost("lo"), store, "eth9", vip); !errors.Is(err, ErrNoSuchInterface) || !strings.Contains(err.Error(), "eth9") {
		t.Errorf("missing device: %v", err)
	}

	// A failed write names the sysctl; the saved values are already on
	// disk, so down puts back what was changed before the failure.
	h := newFakeHost("lo")
	h.failSet = "all.arp_ignore"
	_, err := BringUp(h, store, "lo", vip)
	if err == nil || !strings.Contains(err.Error(), "set net.ipv4.conf.all.arp_ignore = 1 (was 0): permission denied") {
		t.Fatalf("failed write: %v", err)
	}
	h.failSet = ""
	if _, err := BringDown(h, store, "lo", vip); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(newFakeHost("lo").String(), h.String()); diff != "" {
		t.Errorf("after a failed up and a down (-want +got):\n%s", diff)
	}

	if err := os.WriteFile(store.Path("lo"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := BringUp(newFakeHost("lo"), store, "lo", vip); err == nil || !strings.Contains(err.Error(), store.Path("lo")) {
		t.Errorf("corrupt state file: %v", err)
	}
	if _, err := store.Load("../x"); err == nil {
		t.Error("Load(../x): no error")
	}
}
