package check

import (
	"github.com/keepalived-go/keepalived/internal/config"
)

// Key names a real server of a virtual server. Both halves are
// comparable values taken from the configuration, so that a reload can
// match old and new servers.
type Key struct {
	VS config.VirtualService
	RS config.ServerAddr
}

// EventKind says what an Event reports.
type EventKind int

// The kinds of events.
const (
	// EventInit gives a real server's state at start: up unless a checker
	// starts down (alpha) or a FILE_CHECK is failing. Notify is set for an
	// up server when rs_init_notifies is.
	EventInit EventKind = iota
	// EventUp: the real server came up (every checker is up).
	EventUp
	// EventDown: the real server went down (a checker failed).
	EventDown
	// EventConfirm: a checker's first result kept the state the server
	// started in (under alpha, or failed while down); keepalived then runs
	// the notify script of the current state (do_rs_notifies) only.
	EventConfirm
	// EventWeight: the effective weight changed (misc_dynamic, FILE_CHECK).
	EventWeight
)

func (k EventKind) String() string {
	return [...]string{"init", "up", "down", "confirm", "weight"}[k]
}

// Event is what the checkers tell the daemon about a real server: it
// forwards Up/Down/Weight to the LVS model and Notify to notify.
type Event struct {
	Key  Key
	Kind EventKind
	// Up is the real server's state after the event.
	Up bool
	// Weight is the server's effective weight after the event: its
	// configured weight plus what misc_dynamic and FILE_CHECK add.
	Weight int64
	// Notify says whether notify_up/notify_down (by Up) should run.
	Notify bool
	// Checker is the checker kind that caused the event ("TCP_CHECK"),
	// empty for EventInit.
	Checker string
	// Reason is the last failure ("connection refused", "timeout",
	// "status 503", "digest mismatch", a TLS error...), empty for a
	// success.
	Reason string
	// Alert is the subject keepalived's smtp_alert gives the change
	// ("=> TCP CHECK failed on service <="), empty when the server has no
	// smtp_alert or the event sends none.
	Alert string
}
