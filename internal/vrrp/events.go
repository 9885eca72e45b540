package vrrp

import "time"

// Start leaves INIT (keepalived's vrrp_init_state): to FAULT if a fault
// is set, to MASTER at once for an address owner configured (or
// defaulted) state MASTER, else to BACKUP with a full
// Master_Down_Interval, so even state MASTER with priority below 255
// waits for a silent network before taking over.
func (in *Instance) Start(now time.Time) []Action {
	in.handleStart(now)
	return in.flush()
}

func (in *Instance) handleStart(now time.Time) {
	if in.state != StateInit {
		return
	}
	switch {
	case len(in.faults) > 0:
		in.setState(now, StateFault)
	case in.wantMaster:
		// keepalived expires a 1 µs backup timer; the effect is the same.
		in.gotoMaster(now, StateInit)
	default:
		in.setState(now, StateBackup)
	}
}

// Timer handles the deadline given by NextDeadline: a master sends its
// periodic advert (RFC 5798 §6.4.3), a backup whose Master_Down_Timer
// fired becomes master (RFC 5798 §6.4.2). Called early it does nothing.
func (in *Instance) Timer(now time.Time) []Action {
	in.handleTimer(now)
	return in.flush()
}

func (in *Instance) handleTimer(now time.Time) {
	if !in.rogueUntil.IsZero() && !now.Before(in.rogueUntil) {
		in.rogueUntil = time.Time{}
		in.emit(Log{Msg: "(" + in.p.Name + "): rogue address owner appears to have stopped advertising"})
	}
	if in.deadline.IsZero() || now.Before(in.deadline) {
		return
	}
	switch in.state {
	case StateBackup:
		in.detailf("Receive advertisement timeout")
		in.gotoMaster(now, StateBackup)
	case StateMaster:
		in.emit(SendAdvert{Priority: in.prio})
		in.deadline = now.Add(in.p.AdvertInterval)
		in.watchRogue(now)
	}
}

// watchRogue counts down the adverts an address owner sends after a
// second owner with a lower address claimed the VRID; after two it
// watches for 1.2 × the longer of both intervals: an advert from that
// owner in the meantime means it will not back off, and we do
// (keepalived ≥ 2.3.3 vrrp_state_master_tx, vrrp_rogue_timer_thread).
func (in *Instance) watchRogue(now time.Time) {
	if in.p.Priority != PriorityOwner || in.rogueAdverts == 0 {
		return
	}
	in.rogueAdverts--
	if in.rogueAdverts == 0 {
		in.rogueUntil = now.Add(max(in.rogueInterval, in.p.AdvertInterval) * 12 / 10)
	}
}

// SetPriority applies a tracker change: total is the base priority plus
// every tracker's contribution. The effective priority is total clamped
// to 1..254; an address owner keeps 255 (keepalived's
// vrrp_set_effective_priority). A backup's running down timer is moved by
// the change of Master_Down_Interval.
func (in *Instance) SetPriority(now time.Time, total int) []Action {
	in.handleSetPriority(now, total)
	return in.flush()
}

func (in *Instance) handleSetPriority(_ time.Time, total int) {
	if in.p.Priority == PriorityOwner {
		return
	}
	next := min(max(total, 1), PriorityOwner-1)
	if next == in.prio {
		return
	}
	in.logf("Changing effective priority from %d to %d", in.prio, next)
	in.prio = next
	old := in.msDown
	in.msDown = in.masterDown()
	if in.state == StateBackup {
		in.deadline = in.deadline.Add(in.msDown - old)
	}
}

// Fault records a reason the instance cannot run (interface down, a
// weight 0 tracker failed, ...). The first one moves the instance to
// FAULT; the caller logs the reason in keepalived's wording ("(VI_1):
// entering FAULT state (interface eth0 down)"). Before Start it only
// makes Start enter FAULT.
func (in *Instance) Fault(now time.Time, reason string) []Action {
	in.handleFault(now, reason)
	return in.flush()
}

func (in *Instance) handleFault(now time.Time, reason string) {
	already := len(in.faults) > 0
	in.faults[reason] = true
	if already || in.state == StateInit || in.state == StateStop {
		return
	}
	in.wantMaster = false
	in.setState(now, StateFault)
}

// Recover clears a fault reason. When none is left the instance leaves
// FAULT: to BACKUP with a fresh Master_Down_Interval, or straight to
// MASTER for an address owner that entered FAULT at startup (keepalived's
// try_up_instance and vrrp_state_leave_fault).
func (in *Instance) Recover(now time.Time, reason string) []Action {
	in.handleRecover(now, reason)
	return in.flush()
}

func (in *Instance) handleRecover(now time.Time, reason string) {
	if !in.faults[reason] {
		return
	}
	delete(in.faults, reason)
	if len(in.faults) > 0 || in.state != StateFault {
		return
	}
	if in.wantMaster {
		in.gotoMaster(now, StateFault)
		return
	}
	in.setState(now, StateBackup)
}

// gotoMaster moves the instance to MASTER unless its sync group holds it
// back (keepalived's vrrp_state_goto_master and
// vrrp_sync_can_goto_master): then it stays, or goes from INIT or FAULT,
// to BACKUP wanting MASTER with its down timer re-armed, so it asks
// again when the timer next fires. An address owner coming from INIT or
// FAULT waits one advert interval plus Skew_Time (vrrp_init_state,
// try_up_instance); a timed-out backup a full Master_Down_Interval.
func (in *Instance) gotoMaster(now time.Time, from State) {
	if in.gate == nil || in.gate() {
		in.setState(now, StateMaster)
		return
	}
	if from != StateBackup {
		in.setState(now, StateBackup)
		in.armDown(now, in.masterAdverInt+in.skew())
	} else {
		in.armDown(now, in.masterDown())
	}
	in.held = true
}

// Stop shuts the instance down: a master sends a priority 0 advert and
// releases the VIPs; every instance notifies STOP.
func (in *Instance) Stop(now time.Time) []Action {
	if in.state != StateStop {
		in.setState(now, StateStop)
	}
	return in.flush()
}

// SyncTo moves the instance with its sync group (keepalived's
// vrrp_sync_master / vrrp_sync_backup): a BACKUP member becomes MASTER
// when another member did, a MASTER member becomes BACKUP when another
// member did. Other states are left alone.
func (in *Instance) SyncTo(now time.Time, s State) []Action {
	switch {
	case s == StateMaster && in.state == StateBackup:
		in.setState(now, StateMaster)
	case s == StateBackup && in.state == StateMaster:
		in.setState(now, StateBackup)
	}
	return in.flush()
}
