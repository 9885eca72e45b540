package config

import (
	"math"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// lvsMaxConnectTimeout is the largest connect_timeout: UINT_MAX µs.
const lvsMaxConnectTimeout = Duration(math.MaxUint32) * Microsecond

// lvsRetry reads the retry of a virtual or real server (1..UINT32_MAX;
// 0 is only valid in a checker).
func (p *parser) lvsRetry(n *syntax.Node, old *uint32) *uint32 {
	v, ok := p.uint(n, 1, 1, math.MaxUint32)
	if !ok {
		return old
	}
	r := uint32(v)
	return &r
}

// lvsTimerPtr reads a timer of at least lo seconds into a new value.
func (p *parser) lvsTimerPtr(n *syntax.Node, lo Duration, old *Duration) *Duration {
	d, ok := p.timer(n, 1, lo, 0)
	if !ok {
		return old
	}
	return &d
}

// lvsConnectTimeout reads a connect_timeout (1µs..4294.967295s).
func (p *parser) lvsConnectTimeout(n *syntax.Node, dst *Duration) {
	if d, ok := p.timer(n, 1, Microsecond, lvsMaxConnectTimeout); ok {
		*dst = d
	}
}

// lvsDelayLoop reads a delay_loop (at least 1µs).
func (p *parser) lvsDelayLoop(n *syntax.Node, dst *Duration) {
	if d, ok := p.timer(n, 1, Microsecond, 0); ok {
		*dst = d
	}
}

// lvsOptBool reads an optional boolean (no argument is true) into a new
// value, keeping old when the argument is not a boolean.
func (p *parser) lvsOptBool(n *syntax.Node, old *bool) *bool {
	v, ok := p.optBool(n)
	if !ok {
		return old
	}
	return &v
}

// lvsBool reads an optional boolean into dst.
func (p *parser) lvsBool(n *syntax.Node, dst *bool) {
	if v, ok := p.optBool(n); ok {
		*dst = v
	}
}

// lvsString reads a string keyword; missing is keepalived's message when
// the value is absent.
func (p *parser) lvsString(n *syntax.Node, dst *string, missing string) {
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "%s", missing)
		return
	}
	*dst = lvsArg(p, n)
}

// lvsSNMPName reads snmp_name, which takes exactly one word.
func (p *parser) lvsSNMPName(n *syntax.Node, dst *string, who string) {
	if len(n.Words) != 2 {
		p.errorf(n, KindValue, "%s server snmp_name missing or extra parameters", who)
		return
	}
	*dst = n.Words[1]
}

// lvsScript reads a notify or quorum script; keepalived keeps the first
// when one is given twice.
func (p *parser) lvsScript(n *syntax.Node, dst **Script) {
	if *dst != nil {
		word := ""
		if len(n.Words) > 1 {
			word = n.Words[1]
		}
		p.errorf(n, KindDuplicate, "%s script already specified - ignoring %s", n.Keyword(), word)
		return
	}
	if s, ok := p.script(n); ok {
		*dst = s
	}
}
