package config

import (
	"strconv"
	"strings"
	"time"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// Duration is a time interval read from keepalived's decimal seconds with
// microsecond resolution ("1", "0.5", "0.000001").
type Duration time.Duration

// Units for Duration values.
const (
	Microsecond = Duration(time.Microsecond)
	Millisecond = Duration(time.Millisecond)
	Second      = Duration(time.Second)
)

// TimerMaximum is the largest timer value accepted where keepalived gives
// no other maximum.
const TimerMaximum = Duration(1 << 62)

// Std returns the value as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

// String renders the duration as decimal seconds, as written in
// keepalived.conf.
func (d Duration) String() string {
	us := int64(d / Microsecond)
	s := strconv.FormatInt(us/1e6, 10)
	if frac := us % 1e6; frac != 0 {
		s += "." + strings.TrimRight(strconv.FormatInt(1e6+frac, 10)[1:], "0")
	}
	return s
}

// MarshalText renders the duration as String does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// Script is a command configured for a script keyword: the argv executed
// directly (no shell) and the user and group to run it as ("" = default).
type Script struct {
	Args  []string   `json:"args"`
	User  string     `json:"user,omitempty"`
	Group string     `json:"group,omitempty"`
	Pos   syntax.Pos `json:"-"`
}

// String renders the script as a config line would give it.
func (s *Script) String() string {
	out := strconv.Quote(syntax.Command{Args: s.Args}.String())
	if s.User != "" {
		out += " " + s.User
	}
	if s.Group != "" {
		out += " " + s.Group
	}
	return out
}
