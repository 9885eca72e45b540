package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// VRRPScript is a vrrp_script block: a command run periodically whose exit
// status (0 = success) is tracked by instances and sync groups.
type VRRPScript struct {
	Name   string  `json:"name" dump:"label"`
	Script *Script `json:"script"`
	// Interval is the period (default 1 s, millisecond resolution).
	Interval Duration `json:"interval"`
	// Timeout is how long the script may run (default: the interval).
	Timeout Duration `json:"timeout"`
	// Weight is the default weight of the instances' track_script entries
	// (-253..253, default 0: failure means FAULT).
	Weight TrackWeight `json:"weight"`
	// Rise and Fall are the consecutive successes and failures needed to
	// change state (default 1).
	Rise     int        `json:"rise"`
	Fall     int        `json:"fall"`
	InitFail bool       `json:"init_fail,omitempty"`
	Pos      syntax.Pos `json:"-"`

	user, group string // from the user keyword
}

// vrrpFindScript returns the vrrp_script called name, or nil.
func (s *VRRPSection) vrrpFindScript(name string) *VRRPScript {
	for _, v := range s.Scripts {
		if v.Name == name {
			return v
		}
	}
	return nil
}

// parseVRRPScript reads a vrrp_script block.
//
// Syntax:
//
//	vrrp_script NAME {
//	    script "COMMAND [ARGS]"
//	    interval SECONDS
//	    timeout SECONDS
//	    weight -253..253 [reverse]
//	    rise N
//	    fall N
//	    user USER [GROUP]
//	    init_fail
//	}
func parseVRRPScript(p *parser, n *syntax.Node, c *Config) {
	name, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	s := &VRRPScript{Name: name, Interval: Second, Rise: 1, Fall: 1, Pos: n.Pos}
	parseBlock(p, n.Children, s, vrrpScriptTable)
	if s.Script == nil {
		p.report(vrrpEndPos(n), Error, KindMissing, "No script set for vrrp_script %s - removing", name)
		return
	}
	if s.user != "" {
		s.Script.User, s.Script.Group = s.user, s.group
	}
	if s.Timeout == 0 {
		s.Timeout = s.Interval
	}
	c.Scripts = append(c.Scripts, s)
}

var vrrpScriptTable = table[VRRPScript]{
	"script": kw(func(p *parser, n *syntax.Node, s *VRRPScript) {
		if sc, ok := p.vrrpScript(n); ok {
			s.Script = sc
		}
	}),
	"interval": kw(func(p *parser, n *syntax.Node, s *VRRPScript) {
		if d, ok := p.vrrpScriptTime(n, s, "(%[1]s): vrrp script interval '%[2]s' must be between 1 and 4294 - ignoring"); ok {
			s.Interval = d
		}
	}),
	"timeout": kw(func(p *parser, n *syntax.Node, s *VRRPScript) {
		if d, ok := p.vrrpScriptTime(n, s, "(%[1]s): vrrp script timeout '%[2]s' invalid - ignoring"); ok {
			s.Timeout = d
		}
	}),
	"weight": kw(vrrpScriptWeight),
	"rise": kw(func(p *parser, n *syntax.Node, s *VRRPScript) {
		s.Rise = p.vrrpScriptCount(n, s)
	}),
	"fall": kw(func(p *parser, n *syntax.Node, s *VRRPScript) {
		s.Fall = p.vrrpScriptCount(n, s)
	}),
	"user": kw(func(p *parser, n *syntax.Node, s *VRRPScript) {
		if p.nargs(n, 1, 2) {
			s.user, s.group = n.Words[1], vrrpWord(n, 2)
		}
	}),
	"init_fail": kw(func(p *parser, n *syntax.Node, s *VRRPScript) { s.InitFail = true }),
}

// vrrpScriptTime reads interval and timeout: seconds with millisecond
// resolution up to 4294 (keepalived 2.2 took whole seconds only); 0 is
// accepted as 1 with an error.
func (p *parser) vrrpScriptTime(n *syntax.Node, s *VRRPScript, msg string) (Duration, bool) {
	if len(n.Words) < 2 {
		p.nargs(n, 1, -1)
		return 0, false
	}
	v, ok := p.decimal(n, 1, 3, 0, 4294*1000)
	if !ok {
		p.errorf(n, KindValue, msg, s.Name, n.Words[1])
		return 0, false
	}
	if v == 0 {
		p.errorf(n, KindValue, "(%s): vrrp script %s must be greater than 0, setting to 1", s.Name, n.Keyword())
		return Second, true
	}
	return Duration(v) * Millisecond, true
}

// vrrpScriptWeight reads weight N [reverse]. Like keepalived, an out of
// range number is reported but kept.
func vrrpScriptWeight(p *parser, n *syntax.Node, s *VRRPScript) {
	w, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	v, ok := p.intWord(n, w, -253, 253)
	if !ok {
		p.errorf(n, KindValue, "vrrp_script %s weight %s must be in [-253, 253]", s.Name, w)
		v = vrrpLeadingInt(w)
	}
	s.Weight.Value = int(v)
	if len(n.Words) >= 3 {
		if n.Words[2] == "reverse" {
			s.Weight.Reverse = true
		} else {
			p.errorf(n, KindUnknown, "vrrp_script %s unknown weight option %s", s.Name, n.Words[2])
		}
	}
}

// vrrpLeadingInt is C's strtol(s, NULL, 10) truncated to an int: the
// value of the leading number, 0 if there is none.
func vrrpLeadingInt(s string) int64 {
	var v int64
	neg, i := false, 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		neg, i = s[i] == '-', i+1
	}
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9' && v < 1<<31; i++ {
		v = v*10 + int64(s[i]-'0')
	}
	if neg {
		v = -v
	}
	return int64(int32(v))
}

// vrrpScriptCount reads rise and fall (1..2147483647, default 1).
func (p *parser) vrrpScriptCount(n *syntax.Node, s *VRRPScript) int {
	w, ok := p.vrrpArg(n, 1)
	if !ok {
		return 1
	}
	v, ok := p.uintWord(n, w, 1, 1<<31-1)
	if !ok {
		p.errorf(n, KindValue, "(%s): vrrp script %s value '%s' invalid, defaulting to 1", s.Name, n.Keyword(), w)
		return 1
	}
	return int(v)
}
