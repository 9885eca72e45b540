package notify

import (
	"fmt"
	"strings"
)

// InstanceLine is a VRRP FIFO line for an instance
// (`INSTANCE "VI_1" MASTER 100` and a newline), as notify_fifo writes
// it: no NUL.
func InstanceLine(name string, state State, prio int) []byte {
	return fmt.Appendf(nil, "INSTANCE \"%s\" %s %d\n", name, state, prio)
}

// GroupLine is a VRRP FIFO line for a sync group (`GROUP "G" BACKUP 0`).
func GroupLine(name string, state State) []byte {
	return fmt.Appendf(nil, "GROUP \"%s\" %s %d\n", name, state, 0)
}

// VSLine is an LVS FIFO line for a virtual server, vs as keepalived
// formats it ("[192.0.2.1]:tcp:80", "FWM 5", "[GROUP]:0"). keepalived
// writes the terminating NUL after the newline, and so do we.
func VSLine(vs string, up bool) []byte {
	return fmt.Appendf(nil, "VS %s %s\n\x00", vs, upDown(up))
}

// RSLine is an LVS FIFO line for a real server of a virtual server
// (`RS [192.0.2.2]:tcp:80 [192.0.2.1]:tcp:80 DOWN`), with the NUL.
func RSLine(rs, vs string, up bool) []byte {
	return fmt.Appendf(nil, "RS %s %s %s\n\x00", rs, vs, upDown(up))
}

func upDown(up bool) string {
	if up {
		return "UP"
	}
	return "DOWN"
}

// ParseLine splits a FIFO line into its words, unquoting the name of
// INSTANCE and GROUP lines; it is what a FIFO reader does and what
// tests use. ok is false for a line that is none of keepalived's.
func ParseLine(line string) (words []string, ok bool) {
	line = strings.TrimRight(line, "\x00")
	line, found := strings.CutSuffix(line, "\n")
	if !found || strings.Contains(line, "\n") {
		return nil, false
	}
	kind, rest, _ := strings.Cut(line, " ")
	switch kind {
	case "INSTANCE", "GROUP":
		if !strings.HasPrefix(rest, `"`) {
			return nil, false
		}
		i := strings.LastIndex(rest, `" `)
		if i < 1 {
			return nil, false
		}
		f := strings.Fields(rest[i+2:])
		if len(f) != 2 {
			return nil, false
		}
		return append([]string{kind, rest[1:i]}, f...), true
	case "VS", "RS":
		f := strings.Fields(rest)
		if len(f) < 2 {
			return nil, false
		}
		return append([]string{kind}, f...), true
	}
	return nil, false
}
