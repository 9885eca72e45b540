package vrrp

import (
	"fmt"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// syncGroup is a vrrp_sync_group: its members move together.
type syncGroup struct {
	cfg     *config.VRRPSyncGroup
	members []*member
	state   State
	// syncing is set while the group moves its members, so that their
	// own transitions do not start another round.
	syncing bool
}

// buildGroups links the members to their sync groups.
func (r *Router) buildGroups(c *config.Config) {
	r.groups = map[string]*syncGroup{}
	for _, gc := range c.SyncGroups {
		g := &syncGroup{cfg: gc, state: StateInit}
		for _, name := range gc.Group {
			if m, ok := r.byName[name]; ok {
				m.group = g
				g.members = append(g.members, m)
				m.in.SetSyncGate(func() bool { return g.canGotoMaster(m) })
			}
		}
		r.groups[gc.Name] = g
	}
}

// canGotoMaster is keepalived's vrrp_sync_can_goto_master: a member may
// go MASTER on its own only when the group already is MASTER or every
// other member wants MASTER too. Preferring BACKUP avoids thrashing: a
// member whose master went silent on one LAN does not pull the group to
// MASTER while another member still hears its master on another LAN.
func (g *syncGroup) canGotoMaster(m *member) bool {
	if g.state == StateMaster {
		return true
	}
	for _, o := range g.members {
		if o != m && !o.in.WantsMaster() {
			return false
		}
	}
	return true
}

// syncReason is the fault reason a member gets from its group.
func syncReason(g *syncGroup) string { return "sync group " + g.cfg.Name }

// synced applies a member's transition from prev to st to the rest of
// its group, as keepalived's vrrp_sync does, and reports the group's own
// transitions.
func (r *Router) synced(now time.Time, m *member, prev, st State) {
	g := m.group
	if g == nil || g.syncing {
		return
	}
	g.syncing = true
	defer func() { g.syncing = false }()
	name := g.cfg.Name
	switch {
	case st == StateMaster:
		r.groupLog(g, "VRRP_Group(%s) Syncing instances to MASTER state", name)
		for _, o := range g.members {
			if o != m {
				r.exec(now, o, o.in.SyncTo(now, StateMaster))
			}
		}
	case st == StateBackup && prev == StateMaster:
		r.groupLog(g, "VRRP_Group(%s) Syncing instances to BACKUP state", name)
		for _, o := range g.members {
			if o != m {
				r.exec(now, o, o.in.SyncTo(now, StateBackup))
			}
		}
	case st == StateFault:
		if g.state != StateFault {
			r.groupLog(g, "VRRP_Group(%s) Syncing instances to FAULT state", name)
		}
		r.applyGroupFaults(now, g)
	case prev == StateFault:
		r.applyGroupFaults(now, g)
	}
	r.groupState(g)
}

// syncFaults brings the group's fault up to date after a member's fault
// reasons changed without (or before) a transition.
func (r *Router) syncFaults(now time.Time, m *member) {
	g := m.group
	if g == nil || g.syncing {
		return
	}
	g.syncing = true
	defer func() { g.syncing = false }()
	if g.state != StateFault && m.in.State() != StateInit && m.in.FaultedBesides(syncReason(g)) {
		r.groupLog(g, "VRRP_Group(%s) Syncing instances to FAULT state", g.cfg.Name)
	}
	r.applyGroupFaults(now, g)
	r.groupState(g)
}

// applyGroupFaults gives each member the group's fault while another
// member has a fault of its own, and clears it once none has: the group
// leaves FAULT only when its last faulty member recovers (keepalived's
// num_member_fault). Faults are added before any is cleared, so no
// member passes through BACKUP on the way.
func (r *Router) applyGroupFaults(now time.Time, g *syncGroup) {
	reason := syncReason(g)
	faulty := 0
	own := map[*member]bool{}
	for _, o := range g.members {
		if o.in.FaultedBesides(reason) {
			own[o] = true
			faulty++
		}
	}
	others := func(o *member) bool {
		if own[o] {
			return faulty > 1
		}
		return faulty > 0
	}
	for _, o := range g.members {
		if others(o) {
			r.exec(now, o, o.in.Fault(now, reason))
		}
	}
	for _, o := range g.members {
		if !others(o) {
			r.exec(now, o, o.in.Recover(now, reason))
		}
	}
}

// groupState computes the group's state from its members (MASTER when
// all are, FAULT when any is, else BACKUP) and notifies a change.
func (r *Router) groupState(g *syncGroup) {
	st := StateMaster
	for _, o := range g.members {
		switch o.in.State() {
		case StateFault:
			st = StateFault
		case StateStop:
			if st != StateFault {
				st = StateStop
			}
		case StateBackup, StateInit:
			if st == StateMaster {
				st = StateBackup
			}
		}
	}
	if st == g.state {
		return
	}
	g.state = st
	if r.deps.Notify != nil {
		r.deps.Notify(Transition{Group: g.cfg, State: st})
	}
}

func (r *Router) groupLog(g *syncGroup, format string, args ...any) {
	r.log.Info(fmt.Sprintf(format, args...), "group", g.cfg.Name)
}
