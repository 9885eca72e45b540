package vrrp

import (
	"fmt"
	"net/netip"
)

// Action is one thing the driver must do, returned by the Instance's
// event methods in the order keepalived does them.
type Action interface {
	action()
}

// SendAdvert sends one advertisement carrying Priority (0 announces that
// the master is leaving).
type SendAdvert struct {
	Priority int
}

// AddVIPs adds the instance's virtual addresses (and eVIPs, virtual routes
// and rules).
type AddVIPs struct{}

// RemoveVIPs removes the instance's virtual addresses (and eVIPs, virtual
// routes and rules).
type RemoveVIPs struct{}

// SendGratuitous sends a burst of gratuitous ARPs / unsolicited NAs for the
// virtual addresses: garp_master_repeat of them on becoming master, or
// garp_lower_prio_repeat (LowerPrio) when a master hears a lower priority
// advert. Delayed and periodic bursts (garp_master_delay,
// garp_master_refresh, garp_lower_prio_delay) are the driver's.
type SendGratuitous struct {
	LowerPrio bool
}

// Notify runs the notify scripts and FIFO for a state change; Priority is
// the effective priority passed to generic notify scripts.
type Notify struct {
	State    State
	Priority int
}

// NotifyMasterRxLowerPri runs notify_master_rx_lower_pri and writes
// MASTER_RX_LOWER_PRI to the FIFO: a master heard a lower priority advert.
type NotifyMasterRxLowerPri struct {
	From netip.Addr
}

// Log is a log line in keepalived's wording. Detail lines are only logged
// with -D (keepalived's LOG_DETAIL).
type Log struct {
	Msg    string
	Detail bool
}

func (SendAdvert) action()             {}
func (AddVIPs) action()                {}
func (RemoveVIPs) action()             {}
func (SendGratuitous) action()         {}
func (Notify) action()                 {}
func (NotifyMasterRxLowerPri) action() {}
func (Log) action()                    {}

// String renders the action for tests and debugging.
func (a SendAdvert) String() string { return fmt.Sprintf("send advert priority %d", a.Priority) }

// String renders the action for tests and debugging.
func (AddVIPs) String() string { return "add VIPs" }

// String renders the action for tests and debugging.
func (RemoveVIPs) String() string { return "remove VIPs" }

// String renders the action for tests and debugging.
func (a SendGratuitous) String() string {
	if a.LowerPrio {
		return "send gratuitous (lower priority)"
	}
	return "send gratuitous"
}

// String renders the action for tests and debugging.
func (a Notify) String() string { return fmt.Sprintf("notify %s %d", a.State, a.Priority) }

// String renders the action for tests and debugging.
func (a NotifyMasterRxLowerPri) String() string {
	return fmt.Sprintf("notify MASTER_RX_LOWER_PRI from %s", a.From)
}

// String renders the action for tests and debugging.
func (a Log) String() string {
	if a.Detail {
		return "log -D " + a.Msg
	}
	return "log " + a.Msg
}
