package check

import (
	"fmt"
	"time"
)

// checker is one configured checker of a real server.
type checker struct {
	kind    string // "TCP_CHECK", "HTTP_GET", ...
	name    string // FMT_CHK: the address checked, "[192.0.2.11]:tcp:80"
	params  Params
	timeout time.Duration // bounds a probe: connect_timeout or misc_timeout (0: none)
	probe   Prober
	rs      *server
	m       machine
	logAll  bool   // log_all_failures or checker_log_all_failures
	script  string // MISC_CHECK: the script's argv[0]
	dynamic bool   // MISC_CHECK misc_dynamic
	cur     int64  // MISC_CHECK: what misc_dynamic adds to the weight
	lastRC  int    // MISC_CHECK: last exit status acted on
	reason  string // the last failure
	hist    history
	tcp     *tcpTarget // TCP_CHECK: for the Manager's Connector
	http    *httpProbe // HTTP_GET: for the Manager's Exchanger
}

// outcome is what judging a result produced: log lines in order, events
// and the delay until the next check.
type outcome struct {
	lines  []string
	events []Event
	delay  time.Duration
}

// judge applies a result to the checker and its server. The caller holds
// the server's lock.
func (c *checker) judge(res Result) outcome {
	var out outcome
	wasUp, first := c.m.up, !c.m.hasRun
	if !res.OK {
		c.reason = res.Reason
		if wasUp && c.logAll && res.Log != "" && c.kind != "SMTP_CHECK" && c.kind != "DNS_CHECK" {
			out.lines = append(out.lines, res.Log)
		}
	}
	if res.OK && c.dynamic {
		c.miscWeight(res, &out)
	}
	st := c.m.step(c.params, res.OK)
	out.delay = st.Delay
	if res.OK && !wasUp {
		out.lines = append(out.lines, res.Recovered...)
	}
	out.lines = append(out.lines, c.lines(res, st, wasUp, first)...)
	if !res.OK && c.kind == "MISC_CHECK" && (st.Transition == Down || (!wasUp && !first)) {
		c.lastRC = res.Status
		if ev, ok := c.rs.setWeight(&c.cur, 0); ok {
			out.events = append(out.events, ev)
		}
	}
	if st.Transition != Stay {
		reason := ""
		if st.Transition == Down {
			reason = c.reason
		}
		if ev, ok := c.rs.update(c, wasUp, st.Transition == Up, first, reason); ok {
			out.events = append(out.events, ev)
		}
	}
	return out
}

// miscWeight is misc_dynamic: exit status 2..255 sets the server's
// weight to status-2; 0 restores the configured weight.
func (c *checker) miscWeight(res Result, out *outcome) {
	if res.Status == c.lastRC {
		return
	}
	c.lastRC = res.Status
	w := int64(0)
	if res.Status != 0 {
		w = int64(res.Status) - 2 - c.rs.baseW
	}
	// The weight's log line ("Changing weight from ...") is the LVS
	// model's, which sees every contribution to the weight.
	if ev, ok := c.rs.setWeight(&c.cur, w); ok {
		out.events = append(out.events, ev)
	}
}

// lines are keepalived's log lines for a judged result.
func (c *checker) lines(res Result, st Decision, wasUp, first bool) []string {
	switch c.kind {
	case "MISC_CHECK":
		return c.miscLines(res, st, wasUp, first)
	case "SMTP_CHECK":
		if !res.OK && (wasUp || first) && (c.logAll || st.Transition == Down) {
			return []string{"SMTP_CHECK " + res.Log}
		}
	case "DNS_CHECK":
		if !res.OK && (wasUp || first) && (c.logAll || st.Transition == Down) {
			msg := "DNS_CHECK (" + c.name + ") " + res.Log
			if st.Transition == Down && !first {
				msg += fmt.Sprintf(" after %d retries", c.params.Retry)
			}
			return []string{msg}
		}
		return nil
	}
	t := kindTexts[c.kind]
	switch st.Transition {
	case Up:
		if l := t.success(c.name); l != "" {
			return []string{l}
		}
	case Down:
		if t.down != nil {
			return []string{t.down(c.name, c.rs.vsName, c.params.Retry, st.AfterRetries)}
		}
	}
	return nil
}

// miscLines are check_misc.c's "Misc check for [...] by [...] ..." lines.
func (c *checker) miscLines(res Result, st Decision, wasUp, first bool) []string {
	head := fmt.Sprintf("Misc check for [%s VS %s] by [%s] ", c.name, c.rs.vsName, c.script)
	if res.OK {
		if st.Transition == Up {
			return []string{head + "succeeded."}
		}
		return nil
	}
	if !(wasUp || first) || (st.Retrying && !c.logAll) {
		return nil
	}
	what := "failed"
	if res.Status < 0 {
		what = "timed out"
	}
	r := c.params.Retry
	plural := "retries"
	if r == 1 {
		plural = "retry"
	}
	var msg string
	switch {
	case r == 0:
		msg = " with retry disabled"
	case st.Retrying && st.RetryIt == 1:
		msg = fmt.Sprintf(", will do %d %s", r, plural)
	case st.Retrying:
		msg = fmt.Sprintf(" on retry %d/%d", st.RetryIt-1, r)
	default:
		msg = fmt.Sprintf(" after %d %s", r, plural)
	}
	switch {
	case res.Status < 0:
		return []string{head + what + msg + "."}
	case res.Signaled:
		return []string{fmt.Sprintf("%s%s%s (due to signal %d).", head, what, msg, res.Status)}
	}
	return []string{fmt.Sprintf("%s%s%s (exited with status %d).", head, what, msg, res.Status)}
}
