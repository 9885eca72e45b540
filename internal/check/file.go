package check

import (
	"math"

	"github.com/keepalived-go/keepalived/internal/config"
)

// fileCheck is a FILE_CHECK: the value of a track_file times the weight
// is added to the server's weight; a result at or below -2147483648 (or,
// with weight 0, any non-zero value) fails the server.
type fileCheck struct {
	weight  int64 // 0: a non-zero value is a failure
	reverse bool
	failed  bool
	cur     int64 // what it adds to the weight now
	rs      *server
}

func newFileCheck(cfg *config.Config, f *config.FileCheck, s *server) *fileCheck {
	fc := &fileCheck{rs: s, weight: 1}
	for _, tf := range cfg.TrackFiles {
		if tf.Name == f.TrackFile {
			fc.weight, fc.reverse = int64(tf.Weight.Value), tf.Weight.Reverse
		}
	}
	if f.Weight != nil {
		fc.weight, fc.reverse = int64(f.Weight.Weight), f.Weight.Reverse
	}
	return fc
}

// SetTrackFile gives the number read from the file of track_file name
// (the daemon reads and watches the file) to the FILE_CHECKs that use it.
// It may be called before Run, for the starting values, and while Run
// runs.
func (m *Manager) SetTrackFile(name string, value int64) {
	for _, fc := range m.byFile[name] {
		s := fc.rs
		s.mu.Lock()
		for _, ev := range fc.set(value) {
			m.opts.OnEvent(ev)
		}
		s.mu.Unlock()
	}
}

// set applies a new value; the caller holds the server's lock.
func (fc *fileCheck) set(value int64) []Event {
	var evs []Event
	failed, w := fc.judge(value)
	s := fc.rs
	if !failed {
		if ev, ok := s.setWeight(&fc.cur, w); ok {
			evs = append(evs, ev)
		}
	}
	if failed == fc.failed {
		return evs
	}
	fc.failed = failed
	ev := Event{Key: s.key, Checker: "FILE_CHECK", Weight: s.weight}
	if failed {
		s.numFailed++
		if s.numFailed == 1 && s.alive {
			s.alive = false
			ev.Kind, ev.Notify, ev.Reason = EventDown, true, "track file"
			evs = append(evs, ev)
		}
		return evs
	}
	s.numFailed = max(s.numFailed-1, 0)
	if s.numFailed == 0 && !s.alive {
		s.alive = true
		ev.Kind, ev.Up, ev.Notify = EventUp, true, true
		evs = append(evs, ev)
	}
	return evs
}

// judge is keepalived's track-file arithmetic for a real server: the
// value times the weight (negated with reverse); at or below
// IPVS_WEIGHT_FAULT the server fails. With weight 0 any non-zero value
// fails it.
func (fc *fileCheck) judge(value int64) (failed bool, add int64) {
	if fc.weight == 0 {
		return value != 0, 0
	}
	w := fc.weight
	if fc.reverse {
		w = -w
	}
	v := value * w
	if value != 0 && v/value != w { // overflow: saturate
		if (value < 0) != (w < 0) {
			return true, 0
		}
		v = math.MaxInt64
	}
	return v <= ipvsWeightFault, v
}
