package track

import (
	"fmt"
	"slices"

	"github.com/keepalived-go/keepalived/internal/config"
)

// OwnerPriority is the priority of the address owner, which trackers never
// change.
const OwnerPriority = 255

// ScriptState is what a vrrp_script currently says.
type ScriptState int

const (
	// ScriptInit: the script has not produced its first result yet
	// (keepalived's SCRIPT_INIT_STATE_INIT). It adds no weight, and an
	// instance tracking it with weight 0 cannot leave INIT.
	ScriptInit ScriptState = iota
	// ScriptOK: rise consecutive successes (or the first success).
	ScriptOK
	// ScriptFail: fall consecutive failures (or the first failure, or
	// init_fail until rise successes).
	ScriptFail
)

// String names the state as keepalived's state dump does.
func (s ScriptState) String() string {
	switch s {
	case ScriptOK:
		return "GOOD"
	case ScriptFail:
		return "BAD"
	default:
		return "INIT"
	}
}

// Status is the current state of every tracker, by name. A tracker missing
// from its map is taken as down (interface, process, bfd), in INIT
// (script) or 0 (file).
type Status struct {
	Scripts    map[string]ScriptState
	Interfaces map[string]bool // link up
	Files      map[string]int64
	Processes  map[string]bool // quorum achieved
	BFDs       map[string]bool // session up
}

// Priority is the trackers' verdict on one instance.
type Priority struct {
	// Total is the base priority plus every contribution, not clamped:
	// internal/vrrp clamps it to 1..254. It is 255 for an address owner.
	Total int
	// Faults are the reasons the instance must be in FAULT, in
	// keepalived's log wording, e.g. "interface eth1 down",
	// "script chk_nginx", "tracked file F has status -254",
	// "tracked process haproxy quorum not achieved".
	Faults []string
	// Waiting lists the weight-0 scripts without a first result: until
	// they have one the instance cannot leave INIT.
	Waiting []string
}

// Fault reports whether any tracker puts the instance in FAULT.
func (p Priority) Fault() bool { return len(p.Faults) > 0 }

// FaultLog renders reason as keepalived logs it, e.g.
// "(VI_1): entering FAULT state (interface eth1 down)".
func FaultLog(instance, reason string) string {
	switch {
	case len(reason) > 7 && reason[:7] == "script ":
		return fmt.Sprintf("(%s): entering FAULT state due to %s", instance, reason)
	case len(reason) > 16 && reason[:16] == "tracked process ":
		return fmt.Sprintf("(%s) entering FAULT state (%s)", instance, reason)
	default:
		return fmt.Sprintf("(%s): entering FAULT state (%s)", instance, reason)
	}
}

// Compute is keepalived's priority arithmetic (vrrp_track.c,
// initialise_*_tracking_priorities and the update functions, which keep
// the same sums incrementally). inst gives the base priority and the
// instance's own track_* entries; group, when not nil, is the instance's
// sync group, whose track_* entries apply to every member.
//
// For a tracker with weight w (m = -1 with reverse, else 1), "up" meaning
// link up, script OK, process quorum, BFD session up:
//
//	w > 0: +w*m while up, 0 while down
//	w < 0: +w*m while down, 0 while up
//	w = 0: FAULT while down (with reverse: while up)
//
// A track_file adds value*w*m, capped at 253; at -254 or below it is a
// FAULT; with w = 0 a non-zero value is a FAULT (with reverse: zero).
// An address owner (255) keeps 255: its weighted trackers are ignored,
// and so are the weighted trackers of a sync group member unless the
// group has sync_group_tracking_weight (keepalived's
// vrrp_complete_instance; the config package already drops them, this
// applies the same rule to any model).
func Compute(inst *config.VRRPInstance, group *config.VRRPSyncGroup, st Status) Priority {
	p := Priority{Total: inst.Priority}
	owner := inst.Priority == OwnerPriority
	noWeights := owner || (group != nil && !group.TrackingWeight)
	own := refs{inst.TrackInterfaces, inst.TrackScripts, inst.TrackFiles, inst.TrackProcesses, inst.TrackBFDs}
	if noWeights {
		own = own.unweighted(owner)
	}
	p.add(own, st)
	if group != nil {
		g := refs{group.TrackInterfaces, group.TrackScripts, group.TrackFiles, group.TrackProcesses, group.TrackBFDs}
		if owner {
			g = g.unweighted(true)
		}
		p.add(g, st)
	}
	if owner {
		p.Total = OwnerPriority
	}
	return p
}

// refs are the track_* entries of an instance or a group.
type refs struct {
	ifs, scripts, files, procs, bfds []config.TrackRef
}

// unweighted applies keepalived's rules for instances whose priority
// cannot float: weighted interfaces become weight 0 (or are dropped for an
// owner), weighted scripts and BFDs are dropped, files keep weight 0, the
// default weight 1 becomes 0 and other weights are dropped. Processes
// keep their weights, as in keepalived.
func (r refs) unweighted(owner bool) refs {
	zero := func(list []config.TrackRef, keep func(t *config.TrackRef) bool) []config.TrackRef {
		var out []config.TrackRef
		for _, t := range list {
			if keep(&t) {
				out = append(out, t)
			}
		}
		return out
	}
	r.ifs = zero(r.ifs, func(t *config.TrackRef) bool {
		if t.Weight != 0 {
			t.Weight = 0
			return !owner
		}
		return true
	})
	r.scripts = zero(r.scripts, func(t *config.TrackRef) bool { return t.Weight == 0 })
	r.bfds = zero(r.bfds, func(t *config.TrackRef) bool { return t.Weight == 0 })
	r.files = zero(r.files, func(t *config.TrackRef) bool {
		if t.Weight == 1 {
			t.Weight = 0
		}
		return t.Weight == 0
	})
	if owner {
		r.procs = zero(r.procs, func(t *config.TrackRef) bool { return t.Weight == 0 })
	}
	return r
}

func (p *Priority) add(r refs, st Status) {
	for _, t := range r.ifs {
		p.updown(t, st.Interfaces[t.Name], "interface "+t.Name+" down")
	}
	for _, t := range r.scripts {
		s := st.Scripts[t.Name]
		if s == ScriptInit {
			if t.Weight == 0 && !slices.Contains(p.Waiting, t.Name) {
				p.Waiting = append(p.Waiting, t.Name)
			}
			continue
		}
		p.updown(t, s == ScriptOK, "script "+t.Name)
	}
	for _, t := range r.files {
		p.file(t, st.Files[t.Name])
	}
	for _, t := range r.procs {
		p.updown(t, st.Processes[t.Name], "tracked process "+t.Name+" quorum not achieved")
	}
	for _, t := range r.bfds {
		p.updown(t, st.BFDs[t.Name], "tracked bfd "+t.Name+" down")
	}
}

// updown adds the contribution of an up/down tracker.
func (p *Priority) updown(t config.TrackRef, up bool, reason string) {
	m := 1
	if t.Reverse {
		m = -1
	}
	switch {
	case t.Weight == 0:
		if up == t.Reverse {
			p.fault(reason)
		}
	case t.Weight > 0 && up, t.Weight < 0 && !up:
		p.Total += t.Weight * m
	}
}

// file adds the contribution of a track_file (track_file.c).
func (p *Priority) file(t config.TrackRef, value int64) {
	s := FileStatus(value, t.Weight, t.Reverse)
	if s <= -254 {
		p.fault(fmt.Sprintf("tracked file %s has status %d", t.Name, s))
		return
	}
	p.Total += s
}

// FileStatus is a track_file's contribution for value with weight w:
// value*w (negated with reverse) clamped to -254..253, where -254 means
// FAULT; with w = 0 a non-zero value (zero with reverse) is -254.
func FileStatus(value int64, w int, reverse bool) int {
	if w == 0 {
		if (value != 0) != reverse {
			return -254
		}
		return 0
	}
	m := int64(1)
	if reverse {
		m = -1
	}
	// value is a 32-bit number (ParseFileValue) and |w| <= 254: no
	// overflow.
	v := value * int64(w) * m
	return int(min(max(v, -254), 253))
}

func (p *Priority) fault(reason string) {
	if !slices.Contains(p.Faults, reason) {
		p.Faults = append(p.Faults, reason)
	}
}
