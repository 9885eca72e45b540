package vrrp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// garpSchedule holds the pending gratuitous ARP / unsolicited NA bursts
// of a master: the second burst after garp_master_delay, the periodic
// garp_master_refresh, and the repeat after garp_lower_prio_delay. Zero
// times are not scheduled.
type garpSchedule struct {
	second, refresh, lower time.Time
}

// next is the earliest scheduled burst.
func (g garpSchedule) next() (time.Time, bool) {
	var next time.Time
	for _, t := range []time.Time{g.second, g.refresh, g.lower} {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	return next, !next.IsZero()
}

// startGratuitous sends the immediate burst and schedules the later ones
// (keepalived's vrrp_send_link_update and the garp timers).
func (r *Router) startGratuitous(now time.Time, m *member, lowerPrio bool) {
	c := m.cfg
	if lowerPrio {
		r.burst(now, m, c.GarpLowerPrioRepeat)
		if d := c.GarpLowerPrioDelay.Std(); d > 0 {
			m.garp.lower = now.Add(d)
		}
		return
	}
	r.burst(now, m, c.GarpMasterRepeat)
	delay := c.GarpMasterDelay.Std()
	if delay > 0 {
		m.garp.second = now.Add(delay)
	}
	if refresh := c.GarpMasterRefresh.Std(); refresh > 0 {
		m.garp.refresh = now.Add(delay + refresh)
	}
}

// announceDue sends the bursts whose time has come.
func (r *Router) announceDue(now time.Time, m *member) {
	c := m.cfg
	if t := m.garp.second; !t.IsZero() && !now.Before(t) {
		m.garp.second = time.Time{}
		r.burst(now, m, c.GarpMasterRepeat)
	}
	if t := m.garp.refresh; !t.IsZero() && !now.Before(t) {
		m.garp.refresh = now.Add(c.GarpMasterRefresh.Std())
		r.burst(now, m, max(c.GarpMasterRefreshRepeat, 1))
	}
	if t := m.garp.lower; !t.IsZero() && !now.Before(t) {
		m.garp.lower = time.Time{}
		r.burst(now, m, c.GarpLowerPrioRepeat)
	}
}

// burst announces every virtual address n times, grouped by interface.
// Where vrrp_garp_interval / vrrp_gna_interval (or a garp_group) set a
// gap, the messages go through the interface's pacer instead.
func (r *Router) burst(now time.Time, m *member, n int) {
	r.burstAddrs(now, m, n, m.cfg.VIPs, m.cfg.ExcludedVIPs)
}

// burstAddrs announces the given addresses of m n times, grouped by
// interface, paced as burst's.
func (r *Router) burstAddrs(now time.Time, m *member, n int, lists ...[]*config.IPAddress) {
	if n <= 0 {
		return
	}
	byDev := map[string][]netip.Addr{}
	var devs []string
	for _, list := range lists {
		for _, a := range list {
			dev := a.Dev
			if dev == "" {
				dev = vipDev(m)
			}
			if _, ok := byDev[dev]; !ok {
				devs = append(devs, dev)
			}
			byDev[dev] = append(byDev[dev], a.Addr.Addr())
		}
	}
	for _, dev := range devs {
		if r.deps.LogDetail {
			for _, ip := range byDev[dev] {
				kind := "gratuitous ARPs"
				if ip.Is6() {
					kind = "Unsolicited Neighbour Adverts"
				}
				r.log.Info(fmt.Sprintf("(%s) Sending/queueing %s on %s for %s", m.cfg.Name, kind, dev, ip), "instance", m.cfg.Name)
			}
		}
		var direct []netip.Addr
		for _, ip := range byDev[dev] {
			if r.pacerFor(m, dev, ip.Is6()) == nil {
				direct = append(direct, ip)
			}
		}
		for range n {
			for _, ip := range byDev[dev] {
				if p := r.pacerFor(m, dev, ip.Is6()); p != nil {
					r.paced(now, p, m, dev, ip)
				}
			}
			if len(direct) == 0 {
				continue
			}
			if err := r.deps.Announcer.Announce(dev, direct); err != nil {
				r.log.Error(fmt.Sprintf("(%s) cannot announce addresses on %s: %v", m.cfg.Name, dev, err), "instance", m.cfg.Name)
				direct = nil
			}
		}
	}
}
