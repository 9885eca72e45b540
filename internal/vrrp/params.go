package vrrp

import (
	"fmt"
	"net/netip"
	"time"
)

// PriorityOwner is the priority of the address owner (RFC 5798 §5.2.4).
const PriorityOwner = 255

// Params is what an Instance needs from the configuration.
type Params struct {
	// Name is the vrrp_instance name, used in log lines.
	Name string
	// VRID is the virtual router id, 1..255.
	VRID int
	// Version is the VRRP version, 2 or 3.
	Version int
	// Priority is the base priority, 1..255; 255 is the address owner.
	Priority int
	// AdvertInterval is advert_int: whole seconds for VRRPv2,
	// centiseconds for VRRPv3.
	AdvertInterval time.Duration
	// NoPreempt makes a backup accept any master (nopreempt).
	NoPreempt bool
	// PreemptDelay is preempt_delay: how long a backup keeps accepting a
	// lower priority master before taking over (0 = none).
	PreemptDelay time.Duration
	// InitialState is the state keyword: StateMaster or StateBackup. With
	// StateMaster only an address owner starts as master at once.
	InitialState State
	// DownTimerAdverts is down_timer_adverts: how many adverts a backup
	// misses before taking over (default 3).
	DownTimerAdverts int
	// Primary is the instance's own source address (mcast_src_ip,
	// unicast_src_ip or the interface's primary address), compared with
	// the sender's address when priorities are equal (RFC 5798 §6.4.3).
	Primary netip.Addr
	// LowerPrioNoAdvert stops a master answering a lower priority advert
	// with its own (lower_prio_no_advert).
	LowerPrioNoAdvert bool
	// HigherPrioSendAdvert makes a master send one advert before yielding
	// to a higher priority one (higher_prio_send_advert).
	HigherPrioSendAdvert bool
	// GarpLowerPrioRepeat is garp_lower_prio_repeat: when non-zero a
	// master hearing a lower priority advert sends gratuitous ARPs.
	GarpLowerPrioRepeat int
}

// Validate reports the first parameter an Instance cannot run with. The
// config package has already applied keepalived's ranges and defaults;
// this guards hand-built Params.
func (p Params) Validate() error {
	switch {
	case p.Version != 2 && p.Version != 3:
		return fmt.Errorf("vrrp_instance %s: version %d: want 2 or 3", p.Name, p.Version)
	case p.Priority < 1 || p.Priority > PriorityOwner:
		return fmt.Errorf("vrrp_instance %s: priority %d out of range 1..255", p.Name, p.Priority)
	case p.AdvertInterval <= 0:
		return fmt.Errorf("vrrp_instance %s: advert_int %v must be positive", p.Name, p.AdvertInterval)
	case p.DownTimerAdverts < 1:
		return fmt.Errorf("vrrp_instance %s: down_timer_adverts %d must be at least 1", p.Name, p.DownTimerAdverts)
	case p.InitialState != StateMaster && p.InitialState != StateBackup:
		return fmt.Errorf("vrrp_instance %s: initial state %s: want MASTER or BACKUP", p.Name, p.InitialState)
	}
	return nil
}

// Advert is a received advertisement that passed the wire checks (length,
// TTL, checksum, authentication), as the driver maps it from the packet.
type Advert struct {
	// Src is the sender's IP source address.
	Src netip.Addr
	// Version is the VRRP version of the packet.
	Version int
	// Priority is the sender's priority, 0..255 (0: the master is
	// leaving).
	Priority int
	// Interval is the advertisement interval carried by the packet
	// (VRRPv2: whole seconds; VRRPv3: centiseconds).
	Interval time.Duration
	// Addrs are the virtual addresses listed in the packet.
	Addrs []netip.Addr
}
