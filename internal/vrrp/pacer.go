package vrrp

import (
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// pacer spaces the gratuitous ARPs (or unsolicited NAs) sent on one
// interface, or on the interfaces of one garp_group `interfaces` block
// together, by at least interval (keepalived's garp_delay with
// garp_next_time / gna_next_time). A message due before the gap has
// passed is queued, never dropped; the queue drains in order, one
// message per interval, and a message whose instance is no longer MASTER
// is discarded when its turn comes (vrrp_arp_thread).
//
// keepalived queues at most one pending message per address, so repeats
// of a burst that fall inside the gap collapse into one; we send every
// repeat, spaced (a rate limit, not a way to send fewer).
type pacer struct {
	interval time.Duration
	// next is when the next message may leave; zero before the first.
	next  time.Time
	queue []pacedMsg
}

type pacedMsg struct {
	m    *member
	dev  string
	addr netip.Addr
}

// pacerKey names a pacer: an interface (or garp_group aggregate) and the
// family, for ARP and NA are spaced independently.
type pacerKey struct {
	name string
	v6   bool
}

// pacerFor returns the pacer of the interface a VIP on dev is announced
// through, or nil when no gap applies. A VMAC is paced with its base
// interface, as keepalived keeps garp_delay on the base interface.
func (r *Router) pacerFor(m *member, dev string, v6 bool) *pacer {
	base := dev
	if dev == m.vmac {
		base = m.ifname
	}
	key, interval := r.garpGap(base, v6)
	if interval <= 0 {
		return nil
	}
	if r.pacers == nil {
		r.pacers = map[pacerKey]*pacer{}
	}
	p := r.pacers[key]
	if p == nil {
		p = &pacer{interval: interval}
		r.pacers[key] = p
	}
	p.interval = interval
	return p
}

// garpGap finds the gap for an interface: its garp_group's (a group with
// an `interfaces` block shares one pacer among them), else the global
// vrrp_garp_interval / vrrp_gna_interval.
func (r *Router) garpGap(ifname string, v6 bool) (pacerKey, time.Duration) {
	pick := func(garp, gna config.Duration) time.Duration {
		if v6 {
			return gna.Std()
		}
		return garp.Std()
	}
	for i, g := range r.garpGroups {
		for _, name := range g.Interface {
			if name == ifname {
				return pacerKey{name: ifname, v6: v6}, pick(g.GarpInterval, g.GnaInterval)
			}
		}
		for _, name := range g.Interfaces {
			if name == ifname {
				return pacerKey{name: "garp_group " + strconv.Itoa(i), v6: v6}, pick(g.GarpInterval, g.GnaInterval)
			}
		}
	}
	return pacerKey{name: ifname, v6: v6}, pick(r.global.GarpInterval, r.global.GnaInterval)
}

// paced sends one message now if the pacer allows it, else queues it.
func (r *Router) paced(now time.Time, p *pacer, m *member, dev string, addr netip.Addr) {
	msg := pacedMsg{m: m, dev: dev, addr: addr}
	if len(p.queue) == 0 && !now.Before(p.next) {
		r.sendPaced(now, p, msg)
		return
	}
	p.queue = append(p.queue, msg)
}

// sendPaced sends one message and closes the gap behind it.
func (r *Router) sendPaced(now time.Time, p *pacer, msg pacedMsg) {
	p.next = now.Add(p.interval)
	if err := r.deps.Announcer.Announce(msg.dev, []netip.Addr{msg.addr}); err != nil {
		r.log.Error(fmt.Sprintf("(%s) cannot announce addresses on %s: %v", msg.m.cfg.Name, msg.dev, err), "instance", msg.m.cfg.Name)
	}
}

// drainPacers sends the queued messages whose turn has come.
func (r *Router) drainPacers(now time.Time) {
	for _, p := range r.pacers {
		for len(p.queue) > 0 && !now.Before(p.next) {
			msg := p.queue[0]
			p.queue = p.queue[1:]
			if msg.m.in.State() != StateMaster {
				continue
			}
			r.sendPaced(now, p, msg)
		}
	}
}

// pacerDeadline is the earliest time a queued message is due.
func (r *Router) pacerDeadline() (time.Time, bool) {
	var next time.Time
	for _, p := range r.pacers {
		if len(p.queue) > 0 && (next.IsZero() || p.next.Before(next)) {
			next = p.next
		}
	}
	return next, !next.IsZero()
}
