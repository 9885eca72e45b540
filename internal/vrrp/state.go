package vrrp

// State is the state of a VRRP instance. The numeric values are
// keepalived's (vrrp.h), which appear in its SNMP and D-Bus interfaces.
type State int

const (
	// StateInit is the state before Start (RFC 5798 §6.4.1 Initialize).
	StateInit State = 0
	// StateBackup monitors the master's adverts and takes over when the
	// Master_Down_Timer fires (RFC 5798 §6.4.2, RFC 3768 §6.4.2).
	StateBackup State = 1
	// StateMaster owns the virtual addresses and sends an advert every
	// Advertisement_Interval (RFC 5798 §6.4.3, RFC 3768 §6.4.3).
	StateMaster State = 2
	// StateFault is keepalived's state for an instance that cannot run
	// (interface down, tracker failed); it ignores adverts and sends
	// none. Not in the RFCs.
	StateFault State = 3
	// StateStop is keepalived's state at shutdown: a master has sent a
	// priority 0 advert (RFC 5798 §6.4.3 Shutdown) and released its
	// addresses.
	StateStop State = 98
)

// String returns the state as keepalived prints it (MASTER, BACKUP, ...).
func (s State) String() string {
	switch s {
	case StateInit:
		return "INIT"
	case StateBackup:
		return "BACKUP"
	case StateMaster:
		return "MASTER"
	case StateFault:
		return "FAULT"
	case StateStop:
		return "STOP"
	}
	return "UNKNOWN"
}
