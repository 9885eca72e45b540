package vrrp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// Reload applies a new configuration without disturbing what did not
// change: an instance whose configuration is the same keeps its state,
// its VIPs and its timers (no transition, no GARP, no notify); one whose
// only change is its priority takes the new priority in place; any other
// change restarts that instance alone; one whose virtual addresses
// changed (with or without its priority) keeps its state and, as MASTER,
// adds the new addresses (announcing them) and removes the gone ones, as
// keepalived does; removed instances stop (a master
// sends priority 0 and releases its VIPs) and new ones start.
func (r *Router) Reload(ctx context.Context, c *config.Config) error {
	var members []*member
	for _, ic := range c.Instances {
		m, err := newMember(ic, &c.Global)
		if err != nil {
			return err
		}
		members = append(members, m)
	}
	globalSame, err := sameJSON(r.global, &c.Global)
	if err != nil {
		return err
	}
	done := make(chan struct{})
	if !r.do(ctx, func(now time.Time) {
		defer close(done)
		r.reload(now, c, members, globalSame)
	}) {
		return errors.New("vrrp: router not running")
	}
	<-done
	return nil
}

func (r *Router) reload(now time.Time, c *config.Config, fresh []*member, globalSame bool) {
	old := r.byName
	r.global = &c.Global
	r.garpGroups = c.GarpGroups
	r.members = nil
	r.byName = map[string]*member{}
	kept := map[*member]bool{}
	for _, nm := range fresh {
		om := old[nm.cfg.Name]
		switch how := compareInstances(om, nm, globalSame); how {
		case instanceSame, instanceInPlace:
			if how == instanceInPlace {
				oldPrio := om.cfg.Priority
				r.reloadVIPs(now, om, nm)
				if oldPrio != nm.cfg.Priority {
					r.log.Info(fmt.Sprintf("(%s) priority changed from %d to %d by reload", nm.cfg.Name, oldPrio, nm.cfg.Priority), "instance", nm.cfg.Name)
					om.in.p.Priority = nm.cfg.Priority
					r.exec(now, om, om.in.SetPriority(now, nm.cfg.Priority))
				}
			}
			om.cfg = nm.cfg
			kept[om] = true
			r.members = append(r.members, om)
			r.byName[om.cfg.Name] = om
			continue
		case instanceChanged:
			r.log.Info(fmt.Sprintf("(%s) configuration changed: restarting the instance", nm.cfg.Name), "instance", nm.cfg.Name)
		}
		r.members = append(r.members, nm)
		r.byName[nm.cfg.Name] = nm
	}
	for _, m := range r.members {
		m.group = nil
		m.in.SetSyncGate(nil)
	}
	r.buildGroups(c)
	// Stop what is gone or replaced, before the replacements start.
	for _, om := range old {
		if kept[om] {
			continue
		}
		if _, still := r.byName[om.cfg.Name]; !still {
			r.log.Info(fmt.Sprintf("(%s) removed by reload", om.cfg.Name), "instance", om.cfg.Name)
		}
		r.exec(now, om, om.in.Stop(now))
		r.detach(om)
		r.dropVMAC(om)
	}
	for _, m := range r.members {
		if kept[m] {
			continue
		}
		if om := old[m.cfg.Name]; om != nil {
			// A restarted instance numbers its AH adverts on from the
			// old one's counter (after its priority-0 advert), as
			// keepalived copies seq_num over a reload.
			m.ahSeq = om.ahSeq
		}
		r.setup(now, m)
		r.exec(now, m, m.in.Start(now))
	}
}

// detach removes a member from its socket, closing the socket when no
// instance uses it any more.
func (r *Router) detach(m *member) {
	s := m.sock
	if s == nil {
		return
	}
	if s.members[m.cfg.VRID] == m {
		delete(s.members, m.cfg.VRID)
	}
	if len(s.members) == 0 {
		_ = s.conn.Close()
		delete(r.socks, s.spec)
	}
	m.sock = nil
}

type instanceChange int

const (
	instanceNew instanceChange = iota
	instanceSame
	// instanceInPlace: only the priority or the virtual addresses changed.
	instanceInPlace
	instanceChanged
)

// compareInstances says how a reloaded instance differs from the running
// one.
func compareInstances(om, nm *member, globalSame bool) instanceChange {
	if om == nil {
		return instanceNew
	}
	if !globalSame {
		return instanceChanged
	}
	a, b := *om.cfg, *nm.cfg
	same, err := sameJSON(&a, &b)
	if err != nil {
		return instanceChanged
	}
	if same {
		return instanceSame
	}
	if a.Priority != b.Priority && (a.Priority == PriorityOwner || b.Priority == PriorityOwner) {
		return instanceChanged
	}
	a.Priority, a.VIPs, a.ExcludedVIPs = b.Priority, b.VIPs, b.ExcludedVIPs
	if same, err := sameJSON(&a, &b); err == nil && same {
		return instanceInPlace
	}
	return instanceChanged
}

// reloadVIPs moves a kept instance from its running virtual addresses to
// the reloaded ones: a MASTER removes the addresses gone, adds the new
// ones and announces them; other states only take the new lists.
func (r *Router) reloadVIPs(now time.Time, om, nm *member) {
	gone := addrDiff(om.cfg, nm.cfg)
	added := addrDiff(nm.cfg, om.cfg)
	master := om.in.State() == StateMaster
	for _, a := range gone {
		r.log.Info(fmt.Sprintf("(%s) virtual address %s removed by reload", om.cfg.Name, a.Addr), "instance", om.cfg.Name)
		if !master {
			continue
		}
		if err := r.deps.Addrs.DelAddress(a, vipDev(om)); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot remove %s: %v", om.cfg.Name, a.Addr, err), "instance", om.cfg.Name)
		}
		r.firewallAddr(om, a, false)
	}
	for _, a := range added {
		r.log.Info(fmt.Sprintf("(%s) virtual address %s added by reload", om.cfg.Name, a.Addr), "instance", om.cfg.Name)
		if !master {
			continue
		}
		r.firewallAddr(om, a, true)
		if err := r.deps.Addrs.AddAddress(a, vipDev(om)); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot add %s: %v", om.cfg.Name, a.Addr, err), "instance", om.cfg.Name)
		}
	}
	om.vips = nm.vips
	om.cfg = nm.cfg
	if master && len(added) > 0 {
		r.burstAddrs(now, om, om.cfg.GarpMasterRepeat, added)
	}
}

// addrDiff lists the virtual and excluded addresses of a that b lacks
// (an address whose options changed is in both directions).
func addrDiff(a, b *config.VRRPInstance) []*config.IPAddress {
	have := map[string]bool{}
	for _, list := range [][]*config.IPAddress{b.VIPs, b.ExcludedVIPs} {
		for _, x := range list {
			j, _ := json.Marshal(x)
			have[string(j)] = true
		}
	}
	var out []*config.IPAddress
	for _, list := range [][]*config.IPAddress{a.VIPs, a.ExcludedVIPs} {
		for _, x := range list {
			if j, _ := json.Marshal(x); !have[string(j)] {
				out = append(out, x)
			}
		}
	}
	return out
}

func sameJSON(a, b any) (bool, error) {
	ja, err := json.Marshal(a)
	if err != nil {
		return false, err
	}
	jb, err := json.Marshal(b)
	if err != nil {
		return false, err
	}
	return string(ja) == string(jb), nil
}
