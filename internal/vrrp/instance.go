package vrrp

import (
	"fmt"
	"net/netip"
	"time"
)

// Instance is one vrrp_instance's state machine. It is not safe for
// concurrent use: one driver goroutine owns it and feeds it events.
type Instance struct {
	p     Params
	state State
	// prio is the effective priority: what is advertised and used for
	// Skew_Time (keepalived's effective_priority).
	prio int
	// masterAdverInt is Master_Adver_Interval: the configured interval,
	// or for VRRPv3 the current master's (RFC 5798 §6.4.2).
	masterAdverInt time.Duration
	// msDown is the down timer last armed (keepalived's ms_down_timer):
	// Master_Down_Interval, or Skew_Time after a priority 0 advert.
	msDown time.Duration
	// deadline is when Timer must be called; zero when no timer runs
	// (INIT, FAULT, STOP).
	deadline time.Time
	// preemptTime is when a running preempt_delay ends; zero when not
	// armed.
	preemptTime time.Time
	// master is the address of the master whose adverts we accept.
	master netip.Addr
	// faults holds the reasons the instance cannot run; it is in FAULT
	// while any is set.
	faults map[string]bool
	// wantMaster is set for an address owner that has not faulted since
	// Start: it goes straight to MASTER when it can (keepalived's
	// wantstate MASTER with priority 255).
	wantMaster bool
	// gate, when set, says whether the instance's sync group lets it
	// become MASTER on its own (keepalived's vrrp_sync_can_goto_master).
	gate func() bool
	// held is set while the sync group holds a backup that wants MASTER
	// (keepalived's wantstate MASTER in BACKUP state).
	held bool
	// rogueAdverts counts the adverts a master address owner still sends
	// before it watches whether a second owner (with a lower address)
	// backs off; rogueInterval is that owner's advert interval and
	// rogueUntil the end of the watch (zero: no watch runs).
	rogueAdverts  int
	rogueInterval time.Duration
	rogueUntil    time.Time
	// rateLimited holds the advert errors already logged since the last
	// state or master change (keepalived's rlflags).
	rateLimited map[string]bool
	// out collects the actions of the event being handled.
	out []Action
}

// NewInstance returns an instance in INIT; call Start to run it.
func NewInstance(p Params) (*Instance, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	in := &Instance{
		p:              p,
		state:          StateInit,
		prio:           p.Priority,
		masterAdverInt: p.AdvertInterval,
		faults:         map[string]bool{},
		rateLimited:    map[string]bool{},
		wantMaster:     p.Priority == PriorityOwner && p.InitialState == StateMaster,
	}
	in.msDown = in.masterDown()
	return in, nil
}

// Name is the vrrp_instance name.
func (in *Instance) Name() string { return in.p.Name }

// State is the current state.
func (in *Instance) State() State { return in.state }

// Priority is the effective priority.
func (in *Instance) Priority() int { return in.prio }

// Master is the address of the master whose adverts a backup accepts;
// invalid before any was accepted.
func (in *Instance) Master() netip.Addr { return in.master }

// MasterAdverInterval is Master_Adver_Interval: the configured interval,
// or with VRRPv3 the one a backup adopted from its master.
func (in *Instance) MasterAdverInterval() time.Duration { return in.masterAdverInt }

// SetSyncGate installs the sync group's rule: before the instance goes
// MASTER on its own (down timer expired, an address owner starting or
// recovering) it asks can; false keeps it BACKUP with a re-armed down
// timer, wanting MASTER (see WantsMaster). A move ordered by the group
// (SyncTo) does not ask.
func (in *Instance) SetSyncGate(can func() bool) { in.gate = can }

// WantsMaster reports whether the instance is MASTER or would be without
// its sync group (keepalived's wantstate MASTER).
func (in *Instance) WantsMaster() bool { return in.state == StateMaster || in.held }

// FaultedBesides reports whether the instance has a fault reason other
// than reason (a sync group's own reason, to find the members that
// fault the group).
func (in *Instance) FaultedBesides(reason string) bool {
	for r := range in.faults {
		if r != reason {
			return true
		}
	}
	return false
}

// NextDeadline is when the driver must call Timer: the next advert for a
// master, the Master_Down_Timer for a backup. ok is false when no timer
// runs (INIT, FAULT, STOP).
func (in *Instance) NextDeadline() (deadline time.Time, ok bool) {
	d := in.deadline
	if !in.rogueUntil.IsZero() && (d.IsZero() || in.rogueUntil.Before(d)) {
		d = in.rogueUntil
	}
	return d, !d.IsZero()
}

// emit appends actions to the current event's result.
func (in *Instance) emit(a ...Action) { in.out = append(in.out, a...) }

// logf emits a log line prefixed with "(NAME) " as keepalived does.
func (in *Instance) logf(format string, args ...any) {
	in.emit(Log{Msg: "(" + in.p.Name + ") " + fmt.Sprintf(format, args...)})
}

// detailf emits a log line that keepalived only writes with -D.
func (in *Instance) detailf(format string, args ...any) {
	in.emit(Log{Msg: "(" + in.p.Name + ") " + fmt.Sprintf(format, args...), Detail: true})
}

// logOnce emits a rate-limited log line: once per key until the state or
// the master changes.
func (in *Instance) logOnce(key, format string, args ...any) {
	if in.rateLimited[key] {
		return
	}
	in.rateLimited[key] = true
	in.logf(format, args...)
}

// flush returns the collected actions and resets the collector.
func (in *Instance) flush() []Action {
	out := in.out
	in.out = nil
	return out
}

// armDown restarts the Master_Down_Timer with msDown from now.
func (in *Instance) armDown(now time.Time, msDown time.Duration) {
	in.msDown = msDown
	in.deadline = now.Add(msDown)
}
