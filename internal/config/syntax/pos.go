package syntax

import (
	"fmt"
	"strconv"
)

// Pos is where a line came from: a file name and a 1-based line number.
type Pos struct {
	File string
	Line int
}

// String renders the position as "file:line", or "" for the zero Pos.
func (p Pos) String() string {
	if p.File == "" && p.Line == 0 {
		return ""
	}
	return p.File + ":" + strconv.Itoa(p.Line)
}

// Error is a problem found while reading the configuration text.
type Error struct {
	Pos Pos
	// Warning marks problems keepalived only logs (for example a missing
	// file for a plain include): they do not change -t's exit status.
	Warning bool
	// Include marks an include problem that include_check, -e or an
	// include variant made an error: keepalived then refuses to run the
	// configuration (exit status 6).
	Include bool
	Msg     string
}

func (e Error) Error() string {
	if s := e.Pos.String(); s != "" {
		return fmt.Sprintf("%s: %s", s, e.Msg)
	}
	return e.Msg
}
