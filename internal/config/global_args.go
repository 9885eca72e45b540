package config

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// Argument helpers for global_defs. keepalived's global handlers word
// their own problems after the number parser's ("number 'x' outside range
// [a, b]" then "vrrp_garp_master_delay 'x' invalid - ignoring"), so these
// wrap the parser's helpers with a second, keyword-specific message. In
// their formats %[1]s is the offending word and %[2]s the keyword.

// globalMsg formats a message: %[1]s is word and %[2]s the keyword of n.
// A format without verbs is returned as it is.
func globalMsg(n *syntax.Node, format, word string) string {
	if !strings.Contains(format, "%") {
		return format
	}
	return fmt.Sprintf(format, word, n.Keyword())
}

// globalErr reports a problem worded by format (see globalMsg).
func (p *parser) globalErr(n *syntax.Node, kind Kind, format, word string) {
	p.errorf(n, kind, "%s", globalMsg(n, format, word))
}

// globalArg returns word i of n, or "" when n has no word i.
func globalArg(n *syntax.Node, i int) string {
	if i < len(n.Words) {
		return n.Words[i]
	}
	return ""
}

// globalNeed reports format (%[2]s = the keyword) and returns false when
// n has fewer than min arguments.
func (p *parser) globalNeed(n *syntax.Node, min int, format string) bool {
	if len(n.Words)-1 >= min {
		return true
	}
	p.globalErr(n, KindMissing, format, "")
	return false
}

// globalBool reads an optional boolean: no argument means true. A word
// that is not a boolean is reported with format and ok is false.
// Words after the first are ignored, as keepalived does.
func (p *parser) globalBool(n *syntax.Node, format string) (v, ok bool) {
	v, ok = vrrpBool(n)
	if !ok {
		p.globalErr(n, KindValue, format, n.Words[1])
	}
	return v, ok
}

// globalUint reads word i as an unsigned integer in [lo, hi]; a present
// but unusable word is also reported with format.
func (p *parser) globalUint(n *syntax.Node, i int, lo, hi uint64, format string) (uint64, bool) {
	v, ok := p.uint(n, i, lo, hi)
	if !ok && len(n.Words) > i && format != "" {
		p.globalErr(n, KindValue, format, n.Words[i])
	}
	return v, ok
}

// globalInt reads word i as a signed integer in [lo, hi]; a present but
// unusable word is also reported with format.
func (p *parser) globalInt(n *syntax.Node, i int, lo, hi int64, format string) (int64, bool) {
	v, ok := p.int(n, i, lo, hi)
	if !ok && len(n.Words) > i && format != "" {
		p.globalErr(n, KindValue, format, n.Words[i])
	}
	return v, ok
}

// globalTimer reads word i as decimal seconds in [lo, hi]; a present but
// unusable word is also reported with format.
func (p *parser) globalTimer(n *syntax.Node, i int, lo, hi Duration, format string) (Duration, bool) {
	v, ok := p.timer(n, i, lo, hi)
	if !ok && len(n.Words) > i && format != "" {
		p.globalErr(n, KindValue, format, n.Words[i])
	}
	return v, ok
}

// globalSeconds reads word i as whole seconds in [0, hi] as a Duration.
func (p *parser) globalSeconds(n *syntax.Node, i int, hi uint64, format string) (Duration, bool) {
	v, ok := p.globalUint(n, i, 0, hi, format)
	return Duration(v) * Second, ok
}

// globalStrtol is C's strtol(s, NULL, 10) for messages that print the
// number keepalived read: the leading integer, 0 when there is none.
func globalStrtol(s string) int64 {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	end := 0
	if end < len(s) && (s[end] == '-' || s[end] == '+') {
		end++
	}
	for end < len(s) && s[end] >= '0' && s[end] <= '9' {
		end++
	}
	v, err := strconv.ParseInt(s[:end], 10, 64)
	if err != nil {
		return 0
	}
	return v
}

// globalMaxUint is C's UINT_MAX, the bound of keepalived's unsigned values.
const globalMaxUint = 1<<32 - 1

// globalMaxInt is C's INT_MAX.
const globalMaxInt = 1<<31 - 1

// globalTimerHzSeconds is UINT_MAX / TIMER_HZ: the largest whole number of
// seconds keepalived keeps in an unsigned microsecond timer (4294).
const globalTimerHzSeconds = globalMaxUint / 1000000
