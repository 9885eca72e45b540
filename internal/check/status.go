package check

import "time"

// CheckerStatus is one checker of a real server as `keepalivedctl check
// show` reports it.
type CheckerStatus struct {
	// Kind is the checker ("TCP_CHECK", "HTTP_GET", ...), Target what it
	// checks ("[192.0.2.11]:tcp:80").
	Kind   string
	Target string
	// Up is the checker's state; Since when it last changed (or when the
	// checker started).
	Up    bool
	Since time.Time
	// LastRun is when the last check ended (zero before the first),
	// LastOK its result and LastReason why it failed.
	LastRun    time.Time
	LastOK     bool
	LastReason string
	// Retry is the configured retry count, RetriesLeft how many failures
	// an up checker may still have before it goes down.
	Retry, RetriesLeft uint32
}

// history is what a checker's status carries over a reload.
type history struct {
	since, lastRun time.Time
	lastOK         bool
	lastReason     string
}

func (c *checker) status() CheckerStatus {
	left := uint32(0)
	if c.params.Retry > c.m.retryIt {
		left = c.params.Retry - c.m.retryIt
	}
	return CheckerStatus{
		Kind: c.kind, Target: c.name, Up: c.m.up, Since: c.hist.since,
		LastRun: c.hist.lastRun, LastOK: c.hist.lastOK, LastReason: c.hist.lastReason,
		Retry: c.params.Retry, RetriesLeft: left,
	}
}

// record notes a judged result in the checker's history.
func (c *checker) record(now time.Time, wasUp bool, res Result) {
	if c.m.up != wasUp || c.hist.since.IsZero() {
		c.hist.since = now
	}
	c.hist.lastRun, c.hist.lastOK, c.hist.lastReason = now, res.OK, res.Reason
}

// Checkers returns every real server's checkers, by key, in
// configuration order.
func (m *Manager) Checkers() map[Key][]CheckerStatus {
	out := map[Key][]CheckerStatus{}
	for _, s := range m.servers {
		s.mu.Lock()
		for _, c := range s.checkers {
			out[s.key] = append(out[s.key], c.status())
		}
		s.mu.Unlock()
	}
	return out
}

// carryHistory gives the checkers of s the history of the same checkers
// (kind and target) before a reload.
func carryHistory(s *server, prev []CheckerStatus, now time.Time) {
	for _, c := range s.checkers {
		c.hist.since = now
		for _, p := range prev {
			if p.Kind == c.kind && p.Target == c.name && p.Up == c.m.up {
				c.hist = history{since: p.Since, lastRun: p.LastRun, lastOK: p.LastOK, lastReason: p.LastReason}
				break
			}
		}
	}
}
