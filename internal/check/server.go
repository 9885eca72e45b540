package check

import (
	"math"
	"sync"
)

// server is a real server's aggregate state, as keepalived's real_server_t:
// alive, num_failed_checkers, effective_weight. Its checkers share its
// lock.
type server struct {
	mu        sync.Mutex
	key       Key
	name      string // FMT_RS: "[192.0.2.11]:tcp:80"
	vsName    string // FMT_VS
	baseW     int64  // the configured weight (iweight)
	weight    int64  // effective weight
	alive     bool
	numFailed int
	smtpAlert bool
	checkers  []*checker
	files     []*fileCheck
}

// ipvsWeightFault is keepalived's IPVS_WEIGHT_FAULT: a FILE_CHECK
// contribution at or below it fails the server.
const ipvsWeightFault = math.MinInt32

// init computes the starting state: each checker under alpha starts
// failed, as does a failing FILE_CHECK.
func (s *server) init(initNotifies bool) Event {
	s.numFailed = 0
	for _, c := range s.checkers {
		if !c.m.up {
			s.numFailed++
		}
	}
	for _, f := range s.files {
		if f.failed {
			s.numFailed++
		}
	}
	s.alive = s.numFailed == 0
	return Event{Key: s.key, Kind: EventInit, Up: s.alive, Weight: s.weight, Notify: s.alive && initNotifies}
}

// update is keepalived's update_svr_checker_state: a checker's transition
// applied to the server. It returns the event to report, if any.
func (s *server) update(c *checker, wasUp, up, firstRun bool, reason string) (Event, bool) {
	ev := Event{Key: s.key, Checker: c.kind, Reason: reason, Weight: s.weight}
	if wasUp == up {
		if firstRun && (c.params.Alpha || !up) {
			ev.Kind, ev.Up, ev.Notify = EventConfirm, s.alive, true
			return ev, true
		}
		return ev, false
	}
	changed := false
	if up && s.numFailed <= 1 && !s.alive {
		s.alive, changed = true, true
	} else if !up && s.numFailed == 0 && s.alive {
		s.alive, changed = false, true
	}
	if up {
		s.numFailed = max(s.numFailed-1, 0)
	} else {
		s.numFailed++
	}
	if !changed {
		return ev, false
	}
	ev.Kind, ev.Up, ev.Notify = EventDown, false, true
	if up {
		ev.Kind, ev.Up = EventUp, true
	}
	if s.smtpAlert {
		t := kindTexts[c.kind]
		ev.Alert = t.alertDown
		if up {
			ev.Alert = t.alertUp
		}
	}
	return ev, true
}

// setWeight changes one contribution to the effective weight and
// returns the event when the weight changed.
func (s *server) setWeight(cur *int64, w int64) (Event, bool) {
	if *cur == w {
		return Event{}, false
	}
	old := s.weight
	s.weight += w - *cur
	*cur = w
	if realWeight(old) == realWeight(s.weight) {
		return Event{}, false
	}
	return Event{Key: s.key, Kind: EventWeight, Up: s.alive, Weight: s.weight}, true
}

// realWeight is keepalived's real_weight: the effective weight clamped to
// what IPVS takes.
func realWeight(w int64) int64 {
	return min(max(w, 0), math.MaxInt32)
}
