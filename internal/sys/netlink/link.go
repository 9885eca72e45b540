package netlink

import (
	"context"
	"fmt"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// LinkByName describes the interface name: index, running state, MAC,
// first primary IPv4 address and IPv6 link-local address.
func (h *Handle) LinkByName(name string) (vrrp.Link, error) {
	l, err := h.link(name)
	if err != nil {
		return vrrp.Link{}, err
	}
	return h.describe(l)
}

func (h *Handle) describe(l netlink.Link) (vrrp.Link, error) {
	attrs := l.Attrs()
	out := vrrp.Link{
		Index: attrs.Index, Name: attrs.Name, Up: running(attrs.RawFlags),
		MAC: attrs.HardwareAddr,
	}
	addrs, err := dump(func() ([]netlink.Addr, error) { return h.nl.AddrList(l, unix.AF_UNSPEC) })
	if err != nil {
		return out, fmt.Errorf("list addresses of %s: %w", attrs.Name, err)
	}
	out.Addr4, out.LinkLocal6 = primaryAddrs(addrs)
	return out, nil
}

// primaryAddrs picks the first IPv4 address that is not secondary and the
// first IPv6 link-local address.
func primaryAddrs(addrs []netlink.Addr) (v4, ll6 netip.Addr) {
	for _, a := range addrs {
		ip := addrFromIP(a.IP)
		switch {
		case ip.Is4() && !v4.IsValid() && a.Flags&unix.IFA_F_SECONDARY == 0:
			v4 = ip
		case ip.Is6() && ip.IsLinkLocalUnicast() && !ll6.IsValid():
			ll6 = ip
		}
	}
	return v4, ll6
}

// running is keepalived's IF_ISUP: IFF_UP and IFF_RUNNING (operationally
// up).
func running(flags uint32) bool {
	return flags&unix.IFF_UP != 0 && flags&unix.IFF_RUNNING != 0
}

// Subscribe reports, until ctx is done, every change of an interface's
// running state (including an interface appearing or disappearing) and
// every address added to or removed from any interface. The channel is
// closed once ctx is done. If the kernel drops messages (the socket
// overran, "No buffer space available") the subscription is opened again
// and the link states resynchronised; address events lost meanwhile are
// not replayed.
func (h *Handle) Subscribe(ctx context.Context) (<-chan vrrp.LinkEvent, error) {
	s := &subscription{h: h, out: make(chan vrrp.LinkEvent, 64)}
	if err := s.open(); err != nil {
		return nil, err
	}
	go s.run(ctx)
	return s.out, nil
}

// subscription owns the library's link and address subscriptions.
type subscription struct {
	h     *Handle
	out   chan vrrp.LinkEvent
	links chan netlink.LinkUpdate
	addrs chan netlink.AddrUpdate
	done  chan struct{}
	// up is the last known running state of each interface index,
	// names its name.
	up    map[int]bool
	names map[int]string
}

// open subscribes, then records the current state of every interface.
func (s *subscription) open() error {
	s.links = make(chan netlink.LinkUpdate, 64)
	s.addrs = make(chan netlink.AddrUpdate, 64)
	s.done = make(chan struct{})
	ns := s.h.ns
	done := s.done
	logErr := func(err error) {
		select {
		case <-done: // the socket closing on stop, not a failure
		default:
			s.h.log.Warn("Netlink: subscription error", "error", err)
		}
	}
	lo := netlink.LinkSubscribeOptions{Namespace: &ns, ErrorCallback: logErr, ReceiveBufferSize: s.h.rcv}
	if err := netlink.LinkSubscribeWithOptions(s.links, s.done, lo); err != nil {
		close(s.done)
		return fmt.Errorf("netlink: subscribe to link events: %w", err)
	}
	ao := netlink.AddrSubscribeOptions{Namespace: &ns, ErrorCallback: logErr, ReceiveBufferSize: s.h.rcv}
	if err := netlink.AddrSubscribeWithOptions(s.addrs, s.done, ao); err != nil {
		s.stop()
		return fmt.Errorf("netlink: subscribe to address events: %w", err)
	}
	links, err := dump(s.h.nl.LinkList)
	if err != nil {
		s.stop()
		return fmt.Errorf("netlink: list interfaces: %w", err)
	}
	up, names := map[int]bool{}, map[int]string{}
	for _, l := range links {
		up[l.Attrs().Index] = running(l.Attrs().RawFlags)
		names[l.Attrs().Index] = l.Attrs().Name
	}
	if s.up != nil {
		s.resync(up, names)
	}
	s.up, s.names = up, names
	return nil
}

// stop ends the library's subscriptions and waits for their goroutines,
// which close their channels.
func (s *subscription) stop() {
	close(s.done)
	for range s.links {
	}
	for range s.addrs {
	}
}

func (s *subscription) run(ctx context.Context) {
	defer close(s.out)
	for {
		if !s.pump(ctx) {
			s.stop()
			return
		}
		s.stop()
		s.h.log.Warn("Netlink: event subscription failed, subscribing again")
		if err := s.open(); err != nil {
			s.h.log.Error("Netlink: cannot subscribe to events", "error", err)
			return
		}
	}
}

// pump forwards events until ctx is done (false) or a library channel
// closes (true).
func (s *subscription) pump(ctx context.Context) bool {
	for {
		var ev vrrp.LinkEvent
		var ok bool
		select {
		case <-ctx.Done():
			return false
		case u, open := <-s.links:
			if !open {
				return true
			}
			ev, ok = s.link(u)
		case u, open := <-s.addrs:
			if !open {
				return true
			}
			ev, ok = s.addr(u)
		}
		if !ok {
			continue
		}
		select {
		case s.out <- ev:
		case <-ctx.Done():
			return false
		}
	}
}

// link turns a link message into an event when the running state
// changed.
func (s *subscription) link(u netlink.LinkUpdate) (vrrp.LinkEvent, bool) {
	attrs := u.Link.Attrs()
	idx := int(u.Index)
	up := running(u.Flags) && u.Header.Type != unix.RTM_DELLINK
	was, known := s.up[idx]
	if u.Header.Type == unix.RTM_DELLINK {
		delete(s.up, idx)
		delete(s.names, idx)
	} else {
		s.up[idx] = up
		s.names[idx] = attrs.Name
	}
	if known && was == up {
		return vrrp.LinkEvent{}, false
	}
	if !known && !up {
		return vrrp.LinkEvent{}, false
	}
	return vrrp.LinkEvent{Name: attrs.Name, Up: up}, true
}

// addr turns an address message into an event.
func (s *subscription) addr(u netlink.AddrUpdate) (vrrp.LinkEvent, bool) {
	name, ok := s.names[u.LinkIndex]
	if !ok {
		l, err := s.h.nl.LinkByIndex(u.LinkIndex)
		if err != nil {
			return vrrp.LinkEvent{}, false
		}
		name = l.Attrs().Name
		s.names[u.LinkIndex] = name
		s.up[u.LinkIndex] = running(l.Attrs().RawFlags)
	}
	return vrrp.LinkEvent{
		Name: name, Up: s.up[u.LinkIndex],
		Addr: prefixFromIPNet(&u.LinkAddress), Deleted: !u.NewAddr,
	}, true
}

// resync queues events for interfaces whose state changed while the
// subscription was down.
func (s *subscription) resync(up map[int]bool, names map[int]string) {
	for idx, was := range s.up {
		now, exists := up[idx]
		if was != now || !exists {
			s.queue(vrrp.LinkEvent{Name: s.names[idx], Up: now && exists})
		}
	}
	for idx, now := range up {
		if _, known := s.up[idx]; !known && now {
			s.queue(vrrp.LinkEvent{Name: names[idx], Up: true})
		}
	}
}

// queue sends ev without blocking the resynchronisation for long: the
// channel has room for a burst; beyond it the event is dropped and
// logged.
func (s *subscription) queue(ev vrrp.LinkEvent) {
	select {
	case s.out <- ev:
	default:
		s.h.log.Warn("Netlink: event queue full, dropping event", "interface", ev.Name, "up", ev.Up)
	}
}
