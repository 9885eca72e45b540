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
// change restarts that instance alone; removed instances stop (a master
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
		case instanceSame, instancePriority:
			if how == instancePriority {
				r.log.Info(fmt.Sprintf("(%s) priority changed from %d to %d by reload", nm.cfg.Name, om.cfg.Priority, nm.cfg.Priority), "instance", nm.cfg.Name)
				om.in.p.Priority = nm.cfg.Priority
				r.exec(now, om, om.in.SetPriority(now, nm.cfg.Priority))
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
	instancePriority
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
	if a.Priority == b.Priority || a.Priority == PriorityOwner || b.Priority == PriorityOwner {
		return instanceChanged
	}
	a.Priority = b.Priority
	if same, err := sameJSON(&a, &b); err == nil && same {
		return instancePriority
	}
	return instanceChanged
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
