// Package realserver prepares a host to be an LVS-DR (or LVS-TUN) real
// server, as the seeds' lvs_dr_rs.sh does: the virtual IP on a local
// device (lo by default) so the host accepts packets addressed to it, and
// ARP settings that stop the host answering or announcing that address on
// its other interfaces (net.ipv4.conf.{all,DEV}.arp_ignore=1, arp_announce=2).
//
// Deciding is separate from doing: Up and Down look at what the host has
// now (Observed) and the saved State, and return the Changes to make and
// the next State. Apply makes the changes through a System. The sysctl
// values found before the first Up are kept in the State (a small JSON
// file, see Store), so Down puts them back rather than writing 0 as
// lvs_dr_rs.sh does.
package realserver

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
)

// System is what a real server's host setup needs from the OS; the
// adapter is internal/sys/netlink's Handle.
type System interface {
	// LinkExists says whether the interface exists.
	LinkExists(dev string) (bool, error)
	// HasAddress says whether p (address and length) is on dev.
	HasAddress(p netip.Prefix, dev string) (bool, error)
	AddAddress(p netip.Prefix, dev string) error
	DelAddress(p netip.Prefix, dev string) error
	// IPv4Conf reads net.ipv4.conf.DEV.KEY; SetIPv4Conf writes it.
	IPv4Conf(dev, key string) (int, error)
	SetIPv4Conf(dev, key string, v int) error
}

// Sysctl is one net.ipv4.conf.DEV.KEY value.
type Sysctl struct {
	Dev   string `json:"dev"`
	Key   string `json:"key"`
	Value int    `json:"value"`
}

// Name is the sysctl's name as sysctl(8) prints it.
func (s Sysctl) Name() string { return "net.ipv4.conf." + s.Dev + "." + s.Key }

// Wanted lists the sysctls an IPv4 VIP on dev needs, in the order
// lvs_dr_rs.sh writes them: answer ARP only for addresses of the
// receiving interface (arp_ignore 1), and announce only the best local
// source address for the target (arp_announce 2). The kernel uses the
// larger of "all" and the device's value, so both are set.
func Wanted(dev string) []Sysctl {
	ss := []Sysctl{
		{Dev: dev, Key: "arp_ignore", Value: 1},
		{Dev: dev, Key: "arp_announce", Value: 2},
		{Dev: "all", Key: "arp_ignore", Value: 1},
		{Dev: "all", Key: "arp_announce", Value: 2},
	}
	if dev == "all" {
		return ss[2:]
	}
	return ss
}

// State is what Up leaves for Down: the VIPs it put on Dev and the sysctl
// values found before the first IPv4 VIP (Saved, empty while no IPv4 VIP
// is up).
type State struct {
	Dev   string         `json:"dev"`
	VIPs  []netip.Prefix `json:"vips"`
	Saved []Sysctl       `json:"saved,omitempty"`
}

// Observed is what the host has now: the values of Wanted(dev) (by
// Sysctl.Name) and whether the VIP is on the device.
type Observed struct {
	Sysctls map[string]int
	HasVIP  bool
}

// ChangeKind says what a Change does.
type ChangeKind int

// The kinds of Change.
const (
	AddAddress ChangeKind = iota
	DelAddress
	SetSysctl
)

// Change is one thing to do to the host.
type Change struct {
	Kind ChangeKind
	// Addr and Dev for AddAddress and DelAddress.
	Addr netip.Prefix
	Dev  string
	// Sysctl (with its new value) and Old for SetSysctl.
	Sysctl Sysctl
	Old    int
}

// String describes the change as an operator reads it.
func (c Change) String() string {
	switch c.Kind {
	case AddAddress:
		return fmt.Sprintf("add %s to %s", c.Addr, c.Dev)
	case DelAddress:
		return fmt.Sprintf("remove %s from %s", c.Addr, c.Dev)
	default:
		return fmt.Sprintf("set %s = %d (was %d)", c.Sysctl.Name(), c.Sysctl.Value, c.Old)
	}
}

// HostPrefix checks that vip names one address (no length, /32 or /128)
// and returns it with its full length.
func HostPrefix(vip string) (netip.Prefix, error) {
	if a, err := netip.ParseAddr(vip); err == nil {
		if a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("VIP %s: a zone is not allowed", vip)
		}
		a = a.Unmap()
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(vip)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("VIP %q: not an IP address", vip)
	}
	if p.Bits() != p.Addr().BitLen() {
		return netip.Prefix{}, fmt.Errorf("VIP %s: a real server's VIP is one address (/%d), not a network", vip, p.Addr().BitLen())
	}
	return p, nil
}

// Up decides how to bring vip up on dev. st is the saved state (nil when
// there is none). It returns the changes to make (none when everything
// is already in place) and the state to save before making them.
func Up(st *State, obs Observed, dev string, vip netip.Prefix) ([]Change, *State, error) {
	next, err := start(st, dev)
	if err != nil {
		return nil, nil, err
	}
	var changes []Change
	if vip.Addr().Is4() {
		for _, w := range Wanted(dev) {
			cur, ok := obs.Sysctls[w.Name()]
			if !ok {
				return nil, nil, fmt.Errorf("no value observed for %s", w.Name())
			}
			if !slices.ContainsFunc(next.Saved, func(s Sysctl) bool { return s.Dev == w.Dev && s.Key == w.Key }) {
				next.Saved = append(next.Saved, Sysctl{Dev: w.Dev, Key: w.Key, Value: cur})
			}
			if cur != w.Value {
				changes = append(changes, Change{Kind: SetSysctl, Sysctl: w, Old: cur})
			}
		}
	}
	if !obs.HasVIP {
		changes = append(changes, Change{Kind: AddAddress, Addr: vip, Dev: dev})
	}
	if !slices.Contains(next.VIPs, vip) {
		next.VIPs = append(next.VIPs, vip)
		slices.SortFunc(next.VIPs, func(a, b netip.Prefix) int { return a.Addr().Compare(b.Addr()) })
	}
	return changes, next, nil
}

// Down decides how to take vip down from dev: remove the address if it is
// there and, when it was the last IPv4 VIP of the state, put back the
// saved sysctl values. The next state is nil when no VIP remains (the
// state file goes). Without a state (st nil) there are no saved values:
// only the address is removed and the sysctls are left as they are.
func Down(st *State, obs Observed, dev string, vip netip.Prefix) ([]Change, *State, error) {
	var changes []Change
	if obs.HasVIP {
		changes = append(changes, Change{Kind: DelAddress, Addr: vip, Dev: dev})
	}
	if st == nil {
		return changes, nil, nil
	}
	next, err := start(st, dev)
	if err != nil {
		return nil, nil, err
	}
	next.VIPs = slices.DeleteFunc(next.VIPs, func(p netip.Prefix) bool { return p == vip })
	if !slices.ContainsFunc(next.VIPs, func(p netip.Prefix) bool { return p.Addr().Is4() }) {
		for _, s := range next.Saved {
			cur, ok := obs.Sysctls[s.Name()]
			if !ok {
				return nil, nil, fmt.Errorf("no value observed for %s", s.Name())
			}
			if cur != s.Value {
				changes = append(changes, Change{Kind: SetSysctl, Sysctl: s, Old: cur})
			}
		}
		next.Saved = nil
	}
	if len(next.VIPs) == 0 {
		return changes, nil, nil
	}
	return changes, next, nil
}

// start copies st for dev (a new state when st is nil).
func start(st *State, dev string) (*State, error) {
	if st == nil {
		return &State{Dev: dev}, nil
	}
	if st.Dev != dev {
		return nil, fmt.Errorf("saved state is for %s, not %s", st.Dev, dev)
	}
	return &State{Dev: st.Dev, VIPs: slices.Clone(st.VIPs), Saved: slices.Clone(st.Saved)}, nil
}

// Observe reads from sys what Up and Down look at: the values of
// Wanted(dev) and of any saved sysctl, and whether vip is on dev. A
// missing interface is an error naming it.
func Observe(sys System, st *State, dev string, vip netip.Prefix) (Observed, error) {
	ok, err := sys.LinkExists(dev)
	if err != nil {
		return Observed{}, err
	}
	if !ok {
		return Observed{}, fmt.Errorf("interface %s: %w", dev, ErrNoSuchInterface)
	}
	obs := Observed{Sysctls: map[string]int{}}
	names := Wanted(dev)
	if st != nil {
		names = append(names, st.Saved...)
	}
	for _, s := range names {
		if _, done := obs.Sysctls[s.Name()]; done {
			continue
		}
		v, err := sys.IPv4Conf(s.Dev, s.Key)
		if err != nil {
			return Observed{}, fmt.Errorf("read %s: %w", s.Name(), err)
		}
		obs.Sysctls[s.Name()] = v
	}
	obs.HasVIP, err = sys.HasAddress(vip, dev)
	if err != nil {
		return Observed{}, err
	}
	return obs, nil
}

// ErrNoSuchInterface is wrapped by the error for a device that does not
// exist.
var ErrNoSuchInterface = errors.New("no such interface")

// Apply makes the changes in order and stops at the first error, which
// names the change.
func Apply(sys System, changes []Change) error {
	for _, c := range changes {
		var err error
		switch c.Kind {
		case AddAddress:
			err = sys.AddAddress(c.Addr, c.Dev)
		case DelAddress:
			err = sys.DelAddress(c.Addr, c.Dev)
		case SetSysctl:
			err = sys.SetIPv4Conf(c.Sysctl.Dev, c.Sysctl.Key, c.Sysctl.Value)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", c, err)
		}
	}
	return nil
}

// BringUp does Up on the host: it loads dev's state, observes, saves the
// next state (so that the values to put back are on disk before anything
// changes) and applies the changes, which it returns.
func BringUp(sys System, store Store, dev string, vip netip.Prefix) ([]Change, error) {
	st, err := store.Load(dev)
	if err != nil {
		return nil, err
	}
	obs, err := Observe(sys, st, dev, vip)
	if err != nil {
		return nil, err
	}
	changes, next, err := Up(st, obs, dev, vip)
	if err != nil {
		return nil, err
	}
	if !equalState(st, next) {
		if err := store.Save(dev, next); err != nil {
			return nil, err
		}
	}
	return changes, Apply(sys, changes)
}

// BringDown does Down on the host: it applies the changes, then saves the
// next state (removing the file when no VIP remains), so a failure leaves
// the saved values for another try.
func BringDown(sys System, store Store, dev string, vip netip.Prefix) ([]Change, error) {
	st, err := store.Load(dev)
	if err != nil {
		return nil, err
	}
	obs, err := Observe(sys, st, dev, vip)
	if err != nil {
		return nil, err
	}
	changes, next, err := Down(st, obs, dev, vip)
	if err != nil {
		return nil, err
	}
	if err := Apply(sys, changes); err != nil {
		return nil, err
	}
	if !equalState(st, next) {
		if err := store.Save(dev, next); err != nil {
			return changes, err
		}
	}
	return changes, nil
}

// equalState says whether two states are the same (nil is no state).
func equalState(a, b *State) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Dev == b.Dev && slices.Equal(a.VIPs, b.VIPs) && slices.Equal(a.Saved, b.Saved)
}
