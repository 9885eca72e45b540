package netlink

import (
	"net"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp"
)

func linkUpdate(typ uint16, idx int, name string, flags uint32) netlink.LinkUpdate {
	u := netlink.LinkUpdate{Link: &netlink.Device{LinkAttrs: netlink.LinkAttrs{Index: idx, Name: name, RawFlags: flags}}}
	u.Header.Type = typ
	u.IfInfomsg = nl.IfInfomsg{IfInfomsg: unix.IfInfomsg{Index: int32(idx), Flags: flags}}
	return u
}

// TestSubscriptionLinkEvents feeds link messages and checks that only
// changes of the running state become events.
func TestSubscriptionLinkEvents(t *testing.T) {
	const upRunning = unix.IFF_UP | unix.IFF_RUNNING
	s := &subscription{up: map[int]bool{3: true}, names: map[int]string{3: "veth0"}}
	steps := []struct {
		u      netlink.LinkUpdate
		want   vrrp.LinkEvent
		wantOK bool
	}{
		{linkUpdate(unix.RTM_NEWLINK, 3, "veth0", upRunning), vrrp.LinkEvent{}, false},
		{linkUpdate(unix.RTM_NEWLINK, 3, "veth0", unix.IFF_UP), vrrp.LinkEvent{Name: "veth0"}, true},
		{linkUpdate(unix.RTM_NEWLINK, 3, "veth0", 0), vrrp.LinkEvent{}, false},
		{linkUpdate(unix.RTM_NEWLINK, 3, "veth0", upRunning), vrrp.LinkEvent{Name: "veth0", Up: true}, true},
		{linkUpdate(unix.RTM_NEWLINK, 4, "vrrp.51", 0), vrrp.LinkEvent{}, false},
		{linkUpdate(unix.RTM_NEWLINK, 4, "vrrp.51", upRunning), vrrp.LinkEvent{Name: "vrrp.51", Up: true}, true},
		{linkUpdate(unix.RTM_DELLINK, 4, "vrrp.51", upRunning), vrrp.LinkEvent{Name: "vrrp.51"}, true},
		{linkUpdate(unix.RTM_NEWLINK, 5, "new0", upRunning), vrrp.LinkEvent{Name: "new0", Up: true}, true},
	}
	for i, st := range steps {
		got, ok := s.link(st.u)
		if ok != st.wantOK || got != st.want {
			t.Errorf("step %d: got %+v, %v; want %+v, %v", i, got, ok, st.want, st.wantOK)
		}
	}
}

func TestSubscriptionAddrEvents(t *testing.T) {
	s := &subscription{up: map[int]bool{3: true}, names: map[int]string{3: "veth0"}}
	ip, n, _ := net.ParseCIDR("192.0.2.10/32")
	n.IP = ip
	got, ok := s.addr(netlink.AddrUpdate{LinkAddress: *n, LinkIndex: 3})
	want := vrrp.LinkEvent{Name: "veth0", Up: true, Addr: netip.MustParsePrefix("192.0.2.10/32"), Deleted: true}
	if !ok || got != want {
		t.Errorf("addr event = %+v, %v; want %+v", got, ok, want)
	}
}

// TestSubscriptionResync checks the events made up after the subscription
// was opened again: what changed while it was down.
func TestSubscriptionResync(t *testing.T) {
	s := &subscription{
		out:   make(chan vrrp.LinkEvent, 8),
		up:    map[int]bool{3: true, 4: true, 5: false, 6: true},
		names: map[int]string{3: "veth0", 4: "gone0", 5: "veth1", 6: "same0"},
	}
	s.resync(map[int]bool{3: false, 5: true, 6: true, 7: true, 8: false},
		map[int]string{3: "veth0", 5: "veth1", 6: "same0", 7: "new0", 8: "down0"})
	close(s.out)
	got := map[vrrp.LinkEvent]bool{}
	for ev := range s.out {
		got[ev] = true
	}
	want := map[vrrp.LinkEvent]bool{
		{Name: "veth0"}: true, {Name: "gone0"}: true, {Name: "veth1", Up: true}: true, {Name: "new0", Up: true}: true,
	}
	if len(got) != len(want) {
		t.Errorf("resync events = %v, want %v", got, want)
	}
	for ev := range want {
		if !got[ev] {
			t.Errorf("missing %+v in %v", ev, got)
		}
	}
}
