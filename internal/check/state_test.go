package check

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// run feeds results ("+" success, "-" failure) to a new machine and
// renders each decision as "transition/delay", with R for a retry.
func runMachine(p Params, s style, results string) string {
	m := newMachine(p, s)
	var out []string
	for _, r := range results {
		d := m.step(p, r == '+')
		tag := d.Transition.String()
		if d.AfterRetries {
			tag += "+after"
		}
		if d.Retrying {
			tag = fmt.Sprintf("R%d", d.RetryIt)
		}
		out = append(out, fmt.Sprintf("%s/%v", tag, d.Delay))
	}
	return strings.Join(out, " ")
}

func TestMachineDecisions(t *testing.T) {
	p := Params{Retry: 2, DelayBeforeRetry: time.Second, DelayLoop: 10 * time.Second}
	alpha := p
	alpha.Alpha = true
	r0 := p
	r0.Retry = 0
	r0a := r0
	r0a.Alpha = true
	big := p
	big.DelayBeforeRetry = 30 * time.Second
	fast := alpha
	fast.FastRecovery = true
	tests := []struct {
		name    string
		p       Params
		s       style
		results string
		want    string
	}{
		{"tcp first success confirms up", p, styleTCP, "++", "up/10s stay/10s"},
		{"tcp down after retry+1 failures", p, styleTCP, "+---",
			"up/10s R1/1s R2/1s down+after/10s"},
		{"tcp down stays down without retries", p, styleTCP, "+-----",
			"up/10s R1/1s R2/1s down+after/10s stay/10s stay/10s"},
		{"tcp up after one success", p, styleTCP, "+---+", "up/10s R1/1s R2/1s down+after/10s up/10s"},
		{"tcp a success resets retries", p, styleTCP, "+--+---",
			"up/10s R1/1s R2/1s stay/10s R1/1s R2/1s down+after/10s"},
		{"tcp first run failing retries then down", p, styleTCP, "---",
			"R1/1s R2/1s down+after/10s"},
		{"tcp retry 0 first failure down at once", r0, styleTCP, "-", "down/10s"},
		{"tcp alpha failing stays down, no retries", alpha, styleTCP, "---", "stay/10s stay/10s stay/10s"},
		{"tcp alpha success up", alpha, styleTCP, "-+", "stay/10s up/10s"},
		{"tcp alpha retry 0 first failure confirms down", r0a, styleTCP, "--", "down/10s stay/10s"},
		{"http down after retry+1", p, styleHTTP, "+---", "up/10s R1/1s R2/1s down+after/10s"},
		{"http failed waits max(dbr, loop)", big, styleHTTP, "+----", "up/10s R1/30s R2/30s down+after/30s stay/30s"},
		{"http alpha retries on first run", alpha, styleHTTP, "---", "R1/1s stay/10s stay/10s"},
		{"http fast_recovery checks at once while down and unfailed", fast, styleHTTP, "+", "up/10s"},
		{"misc alpha retries on first run", alpha, styleRetryFirst, "---", "R1/1s stay/10s stay/10s"},
		{"misc failed waits delay_loop", big, styleRetryFirst, "+---", "up/10s R1/30s R2/30s down+after/10s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := runMachine(tt.p, tt.s, tt.results); got != tt.want {
				t.Errorf("%s:\n got %s\nwant %s", tt.results, got, tt.want)
			}
		})
	}
}

func TestHTTPFastRecovery(t *testing.T) {
	p := Params{Retry: 1, DelayBeforeRetry: time.Second, DelayLoop: 10 * time.Second, Alpha: true, FastRecovery: true}
	m := newMachine(p, styleHTTP)
	// Under alpha and without a known failure, keepalived checks again
	// at once, even for a retry.
	if d := m.step(p, false); d.Delay != 0 || !d.Retrying {
		t.Errorf("first failure: %+v, want an immediate retry", d)
	}
	if d := m.step(p, false); d.Delay != 10*time.Second {
		t.Errorf("known failure delay %v, want 10s", d.Delay)
	}
	if d := m.step(p, true); d.Transition != Up || d.Delay != 10*time.Second {
		t.Errorf("success: %+v", d)
	}
}
