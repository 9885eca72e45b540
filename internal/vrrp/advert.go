package vrrp

import (
	"net/netip"
	"time"
)

// AdvertReceived handles an advert for this VRID that passed the wire
// checks. INIT, FAULT and STOP ignore adverts.
func (in *Instance) AdvertReceived(now time.Time, a Advert) []Action {
	switch in.state {
	case StateBackup:
		changed := a.Src != in.master
		if changed {
			in.logMasterChange(a.Src)
		}
		if in.advertValid(a) {
			if changed {
				clear(in.rateLimited)
			}
			if changed || a.Priority != PriorityOwner {
				in.restoreOwner("received advert with lower priority")
			}
			in.handleBackupAdvert(now, a)
		}
	case StateMaster:
		if in.advertValid(a) {
			in.handleMasterAdvert(now, a)
		}
	}
	return in.flush()
}

// advertValid applies the checks of keepalived's vrrp_check_packet that
// need the instance: the version must match (RFC 5798 §7.1), and VRRPv2
// drops an advert whose interval differs from ours (RFC 3768 §7.1);
// VRRPv3 only logs the difference.
func (in *Instance) advertValid(a Advert) bool {
	if a.Version != in.p.Version {
		in.logOnce("version", "wrong VRRP version from %s. Received %d and expect %d",
			a.Src, a.Version, in.p.Version)
		return false
	}
	if a.Interval == in.p.AdvertInterval {
		return true
	}
	if in.p.Version == 2 {
		in.logOnce("interval", "advertisement interval mismatch with %s mine=%d sec rcv'd=%d sec",
			a.Src, in.p.AdvertInterval/time.Second, a.Interval/time.Second)
		return false
	}
	in.logOnce("interval", "advertisement interval mismatch ours = %d centi-sec rcv'd=%d centi-sec",
		in.p.AdvertInterval/(10*time.Millisecond), a.Interval/(10*time.Millisecond))
	return true
}

// handleBackupAdvert is RFC 5798 §6.4.2 with keepalived's preemption
// rules (vrrp_state_backup): priority 0 cuts the down timer to
// Skew_Time; an advert is accepted (down timer restarted) with nopreempt,
// from an equal or higher priority, or while preempt_delay runs; a lower
// priority advert is otherwise discarded and the running timer makes us
// take over.
func (in *Instance) handleBackupAdvert(now time.Time, a Advert) {
	switch {
	case a.Priority == 0:
		in.detailf("Backup received priority 0 advertisement")
		in.armDown(now, in.skew())
	case in.acceptsMaster(now, a.Priority):
		in.acceptMaster(now, a)
	default:
		in.logf("received lower priority (%d) advert from %s - discarding", a.Priority, a.Src)
		in.master = a.Src
	}
}

// logMasterChange logs (-D) an advert from another address than the
// master's. keepalived does it before checking the advert, and resets the
// rate-limited logs only once the advert is accepted.
func (in *Instance) logMasterChange(src netip.Addr) {
	if in.master.IsValid() {
		in.detailf("master changed from %s to %s", in.master, src)
	} else {
		in.detailf("master set to %s", src)
	}
}

// acceptsMaster tells whether a backup accepts an advert with priority p:
// with nopreempt, from p ≥ our priority, or while preempt_delay is not
// armed or not expired.
func (in *Instance) acceptsMaster(now time.Time, p int) bool {
	if in.p.NoPreempt || p >= in.prio {
		return true
	}
	return in.p.PreemptDelay > 0 && (in.preemptTime.IsZero() || in.preemptTime.After(now))
}

// acceptMaster restarts the down timer for an accepted advert. VRRPv3
// adopts the master's interval (RFC 5798 §6.4.2). A lower priority advert
// arms preempt_delay; an equal or higher one disarms it.
func (in *Instance) acceptMaster(now time.Time, a Advert) {
	if in.p.Version == 3 && a.Interval != in.masterAdverInt {
		in.adoptInterval(a.Interval)
	}
	in.master = a.Src
	// A backup held by its sync group wanted MASTER; it has a master
	// again (vrrp_state_backup sets wantstate BACKUP).
	in.held = false
	in.armDown(now, in.masterDown())
	if in.p.PreemptDelay == 0 {
		return
	}
	switch {
	case a.Priority >= in.prio:
		if !in.preemptTime.IsZero() {
			in.detailf("stop preempt delay")
			in.preemptTime = time.Time{}
		}
	case in.preemptTime.IsZero():
		d := in.p.PreemptDelay
		in.detailf("start preempt delay (%d.%06d)", d/time.Second, (d%time.Second)/time.Microsecond)
		in.preemptTime = now.Add(d)
	}
}

// adoptInterval sets Master_Adver_Interval to the master's (VRRPv3).
func (in *Instance) adoptInterval(iv time.Duration) {
	in.detailf("advertisement interval updated from %dms to %dms by master",
		in.masterAdverInt/time.Millisecond, iv/time.Millisecond)
	in.masterAdverInt = iv
}

// handleMasterAdvert is RFC 5798 §6.4.3 with keepalived's additions
// (vrrp_state_master_rx): priority 0 is answered with an advert; a higher
// priority, or an equal one from a higher address, makes us BACKUP; a
// lower one is answered with an advert (forcing a new election) unless
// lower_prio_no_advert.
func (in *Instance) handleMasterAdvert(now time.Time, a Advert) {
	cmp := a.Src.Compare(in.p.Primary)
	higher := a.Priority > in.prio || (a.Priority == in.prio && cmp > 0)
	if a.Priority == 0 || (in.p.HigherPrioSendAdvert && higher) {
		in.emit(SendAdvert{Priority: in.prio})
		if a.Priority == 0 {
			in.detailf("Master received priority 0 message")
			in.resetAdvertTimer(now)
			return
		}
	}
	if a.Priority == in.prio {
		in.equalPriority(now, a, cmp)
		higher = a.Priority > in.prio || (a.Priority == in.prio && cmp > 0)
	}
	switch {
	case higher:
		in.yield(now, a)
	case cmp != 0 || a.Priority != in.prio:
		in.lowerPriority(a)
		in.resetAdvertTimer(now)
	default:
		in.resetAdvertTimer(now)
	}
}

// resetAdvertTimer restarts the advert timer after a received advert, as
// keepalived's dispatcher does unless lower_prio_no_advert is set.
func (in *Instance) resetAdvertTimer(now time.Time) {
	if !in.p.LowerPrioNoAdvert {
		in.deadline = now.Add(in.p.AdvertInterval)
	}
}

// equalPriority handles an advert with our own priority: from our own
// address it is a warning; from a second address owner a configuration
// error. Then the owner with the lower address yields; the higher one
// stays MASTER and watches whether the other backs off (see watchRogue),
// reducing its priority to 254 if the other still advertises during the
// watch (keepalived ≥ 2.3.3; 2.2.7 reduced both at once).
func (in *Instance) equalPriority(now time.Time, a Advert, cmp int) {
	switch {
	case cmp == 0:
		in.logf("WARNING - equal priority advert received from remote host with our IP address.")
	case in.prio != PriorityOwner:
	case cmp > 0:
		in.logf("CONFIGURATION ERROR: local instance and %s are both configured as address owner, please resolve", a.Src)
	case !in.rogueUntil.IsZero() && now.Before(in.rogueUntil):
		in.logf("%s is still advertising as address owner, please resolve - reducing our priority", a.Src)
		in.rogueUntil = time.Time{}
		in.prio = PriorityOwner - 1
	default:
		in.rogueInterval = a.Interval
		if in.rogueAdverts == 0 {
			in.logf("CONFIGURATION ERROR: local instance and %s are both configured as address owner, please resolve", a.Src)
			in.rogueAdverts = 2
		}
	}
}

// restoreOwner gives an address owner that reduced its priority for a
// second owner its 255 back, logging why.
func (in *Instance) restoreOwner(why string) {
	if in.p.Priority != PriorityOwner || in.prio == PriorityOwner {
		return
	}
	in.logf("Restoring our priority to %d since %s", PriorityOwner, why)
	in.prio = PriorityOwner
}

// lowerPriority answers a lower priority master: send our advert so it
// yields, refresh ARP caches, notify MASTER_RX_LOWER_PRI.
func (in *Instance) lowerPriority(a Advert) {
	suffix := ", forcing new election"
	if in.p.LowerPrioNoAdvert {
		suffix = ""
	}
	in.logf("Received advert from %s with lower priority %d, ours %d%s", a.Src, a.Priority, in.prio, suffix)
	if !in.p.LowerPrioNoAdvert {
		in.emit(SendAdvert{Priority: in.prio})
	}
	if in.p.GarpLowerPrioRepeat > 0 {
		in.emit(SendGratuitous{LowerPrio: true})
	}
	in.emit(NotifyMasterRxLowerPri{From: a.Src})
}

// yield moves a master to BACKUP for a better master, adopting its
// interval with VRRPv3.
func (in *Instance) yield(now time.Time, a Advert) {
	if a.Priority > in.prio {
		in.logf("Master received advert from %s with higher priority %d, ours %d", a.Src, a.Priority, in.prio)
	} else {
		in.logf("Master received advert from %s with same priority %d but higher IP address than ours", a.Src, a.Priority)
	}
	if in.p.Version == 3 && a.Interval != in.masterAdverInt {
		in.adoptInterval(a.Interval)
	}
	in.master = a.Src
	in.setState(now, StateBackup)
}
