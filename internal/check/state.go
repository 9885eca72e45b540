package check

import "time"

// Params are a checker's scheduling options, resolved by config (the
// checker's own, else the real server's, else the virtual server's, else
// the checker type's default).
type Params struct {
	Retry            uint32        // extra attempts before the checker fails
	DelayBeforeRetry time.Duration // between those attempts
	DelayLoop        time.Duration // between checks
	Warmup           time.Duration // the first check comes at a random offset in [0, Warmup)
	Alpha            bool          // the checker starts down
	LogAllFailures   bool          // log every failure while up (log_all_failures)
	// FastRecovery (HTTP_GET, SSL_GET) checks again at once while the
	// checker is down without a known failure.
	FastRecovery bool
}

// Transition is what a check's result did to its checker.
type Transition int

// The transitions.
const (
	Stay Transition = iota // nothing changed (or a retry follows)
	Up                     // the checker went up (or confirmed up on its first run)
	Down                   // the checker went down (or confirmed down on its first run)
)

func (t Transition) String() string {
	switch t {
	case Up:
		return "up"
	case Down:
		return "down"
	}
	return "stay"
}

// style selects which of keepalived's epilogs a checker follows. They
// differ only in corner cases, kept because operators see them in logs.
type style int

const (
	// styleTCP is tcp_epilog (TCP_CHECK, UDP_CHECK, PING_CHECK,
	// SMTP_CHECK, DNS_CHECK) and misc_check_child_thread: a failure of a
	// checker that is down is not retried.
	styleTCP style = iota
	// styleHTTP is check_http.c's epilog/timeout_epilog: the first run
	// retries even under alpha, and a failed checker is checked again
	// after the longer of delay_loop and delay_before_retry.
	styleHTTP
	// styleRetryFirst is check_misc.c and check_dns.c: as styleHTTP, but
	// a failed checker is checked again after delay_loop.
	styleRetryFirst
)

// machine is one checker's decision state, as keepalived's checker_t:
// is_up, has_run, retry_it. It knows nothing of sockets or time; step is
// called with each check's result and returns the delay until the next
// check and the transition to apply.
type machine struct {
	up      bool   // keepalived's is_up: starts !alpha
	hasRun  bool   // a result has been judged
	retryIt uint32 // failed attempts so far in the current series
	failed  bool   // styleHTTP: failed_url is set
	style   style
}

func newMachine(p Params, s style) machine {
	return machine{up: !p.Alpha, style: s}
}

// Decision is the outcome of one result: the transition, whether it came after
// retries (for the "failed after N retries." wording), the retry number
// when one follows, and the delay until the next check.
type Decision struct {
	Transition Transition
	// FirstRun is set when the result was the checker's first judged one.
	FirstRun bool
	// AfterRetries is set on Down when retries were made before it.
	AfterRetries bool
	// Retrying is set when the failure is retried; RetryIt is then the
	// number of failures so far in this series (1 for the first).
	Retrying bool
	RetryIt  uint32
	Delay    time.Duration
}

// step judges one result as keepalived's tcp_epilog (styleTCP) or
// check_http.c's epilog (styleHTTP): up after one success; while up (or
// before the first run), a failure is retried Retry times,
// DelayBeforeRetry apart, before the checker goes down.
func (m *machine) step(p Params, ok bool) Decision {
	if m.style != styleTCP {
		return m.stepHTTP(p, ok)
	}
	first := !m.hasRun
	st := Decision{Delay: p.DelayLoop, FirstRun: first}
	switch {
	case ok || ((m.up || first) && m.retryIt >= p.Retry):
		m.retryIt = 0
		if ok && (!m.up || first) {
			st.Transition = Up
		} else if !ok && (m.up || first) {
			st.Transition = Down
			st.AfterRetries = p.Retry > 0 && !first
		}
	case m.up:
		m.retryIt++
		st.Retrying, st.RetryIt = true, m.retryIt
		st.Delay = p.DelayBeforeRetry
	}
	m.hasRun = true
	m.apply(st.Transition)
	return st
}

// stepHTTP is check_http.c's epilog with all urls of a check counted as
// one result.
func (m *machine) stepHTTP(p Params, ok bool) Decision {
	first := !m.hasRun
	st := Decision{FirstRun: first}
	switch {
	case ok:
		if !m.up || first {
			st.Transition = Up
		}
		m.failed, m.retryIt = false, 0
		st.Delay = p.DelayLoop
	case m.up || first:
		m.retryIt++
		if m.retryIt > p.Retry {
			st.Transition = Down
			st.AfterRetries = p.Retry > 0 && !first
			m.failed, m.retryIt = true, 0
			st.Delay = m.downDelay(p)
		} else {
			st.Retrying, st.RetryIt = true, m.retryIt
			st.Delay = p.DelayBeforeRetry
		}
	default:
		m.failed = true
		st.Delay = m.downDelay(p)
	}
	m.hasRun = true
	m.apply(st.Transition)
	if p.FastRecovery && !m.up && !m.failed {
		st.Delay = 0
	}
	return st
}

// downDelay is the delay after a failure of a failed checker.
func (m *machine) downDelay(p Params) time.Duration {
	if m.style == styleHTTP {
		return max(p.DelayBeforeRetry, p.DelayLoop)
	}
	return p.DelayLoop
}

// apply records a transition's new state.
func (m *machine) apply(t Transition) {
	switch t {
	case Up:
		m.up = true
	case Down:
		m.up = false
	}
}
