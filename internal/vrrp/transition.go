package vrrp

import "time"

// setState moves the instance to next and performs keepalived's exit and
// entry actions for that transition, in keepalived's order. Leaving INIT
// is logged with keepalived's "(init)" suffix.
func (in *Instance) setState(now time.Time, next State) {
	prev := in.state
	in.state = next
	clear(in.rateLimited)
	if prev == StateMaster {
		in.rogueAdverts, in.rogueUntil = 0, time.Time{}
	}
	in.held = false
	switch next {
	case StateMaster:
		in.enterMaster(now)
	case StateBackup:
		in.enterBackup(now, prev)
	case StateFault:
		in.enterFault(prev)
	case StateStop:
		in.enterStop(prev)
	}
}

// enterMaster is RFC 5798 §6.4.1/§6.4.2 "transition to the Master
// state": send an advert first (so the old master drops the VIPs before
// our gratuitous ARPs), add the VIPs, announce them, notify, and schedule
// the next advert (vrrp_state_goto_master, vrrp_state_master_tx,
// vrrp_state_become_master).
func (in *Instance) enterMaster(now time.Time) {
	// A new master advertises its own configured interval (RFC 5798
	// §6.4.1). keepalived 2.3 resets it only when logging with -D; we
	// always do, as the RFC says.
	in.masterAdverInt = in.p.AdvertInterval
	in.emit(SendAdvert{Priority: in.prio})
	in.logf("Entering MASTER STATE")
	in.restoreOwner("other address owner has disappeared")
	in.emit(AddVIPs{}, SendGratuitous{}, Notify{State: StateMaster, Priority: in.prio})
	in.deadline = now.Add(in.p.AdvertInterval)
}

// enterBackup is RFC 5798 §6.4.1 "transition to the Backup state": a
// former master releases the VIPs; the Master_Down_Timer starts afresh
// (vrrp_state_leave_master, vrrp_state_leave_fault, vrrp_init_state).
func (in *Instance) enterBackup(now time.Time, prev State) {
	in.preemptTime = time.Time{}
	switch prev {
	case StateInit:
		in.logf("Entering BACKUP STATE (init)")
		// keepalived removes addresses a previous run may have left.
		in.emit(RemoveVIPs{})
	case StateMaster:
		in.logf("Entering BACKUP STATE")
		in.emit(RemoveVIPs{})
	default:
		in.logf("Entering BACKUP STATE")
		in.masterAdverInt = in.p.AdvertInterval
	}
	in.emit(Notify{State: StateBackup, Priority: in.prio})
	in.armDown(now, in.masterDown())
}

// enterFault stops the timers; a master first tells the others with a
// priority 0 advert and releases the VIPs (vrrp_state_leave_master with
// wantstate FAULT, vrrp_state_leave_fault, vrrp_init_state).
func (in *Instance) enterFault(prev State) {
	switch prev {
	case StateInit:
		in.logf("Entering FAULT STATE (init)")
		in.emit(RemoveVIPs{})
	case StateMaster:
		in.logf("Entering FAULT STATE")
		// keepalived sends two priority 0 adverts here: one in
		// vrrp_state_leave_master, one in vrrp_restore_interface.
		in.emit(SendAdvert{Priority: 0}, SendAdvert{Priority: 0})
		in.detailf("sent 0 priority")
		in.emit(RemoveVIPs{})
	default:
		in.logf("Entering FAULT STATE")
	}
	in.emit(Notify{State: StateFault, Priority: in.prio})
	in.masterAdverInt = in.p.AdvertInterval
	in.msDown = in.masterDown()
	in.deadline = time.Time{}
}

// enterStop is RFC 5798 §6.4.3 "Shutdown": a master sends an advert with
// priority 0 so a backup takes over after Skew_Time, and releases the
// VIPs (restore_vrrp_interfaces, notify_shutdown).
func (in *Instance) enterStop(prev State) {
	if prev == StateMaster {
		in.emit(SendAdvert{Priority: 0})
		in.detailf("sent 0 priority")
		in.emit(RemoveVIPs{})
	}
	in.emit(Notify{State: StateStop, Priority: in.prio})
	in.deadline = time.Time{}
}
