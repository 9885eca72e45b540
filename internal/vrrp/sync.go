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
			}
		}
		r.groups[gc.Name] = g
	}
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
		r.groupLog(g, "VRRP_Group(%s) Syncing instances to FAULT state", name)
		for _, o := range g.members {
			if o != m {
				r.exec(now, o, o.in.Fault(now, syncReason(g)))
			}
		}
	case prev == StateFault:
		// The member recovered: the others lose the fault the group gave
		// them (their own faults remain).
		for _, o := range g.members {
			if o != m {
				r.exec(now, o, o.in.Recover(now, syncReason(g)))
			}
		}
	}
	r.groupState(g)
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
