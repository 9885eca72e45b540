package lvs

import (
	"fmt"
	"net/netip"
	"time"
)

// The types below are the contract between the LVS model (which decides
// what the load balancer should hold) and a dataplane (kernel IPVS in
// internal/sys/ipvs, nftables in internal/sys/nft) that makes it so. They
// follow the kernel IPVS model, which both dataplanes implement.

// Protocol is a virtual service's transport protocol (IPPROTO_* numbers).
type Protocol uint8

// Protocols a virtual service can have.
const (
	TCP  Protocol = 6
	UDP  Protocol = 17
	SCTP Protocol = 132
)

func (p Protocol) String() string {
	switch p {
	case TCP:
		return "TCP"
	case UDP:
		return "UDP"
	case SCTP:
		return "SCTP"
	}
	return fmt.Sprintf("proto%d", uint8(p))
}

// Method is a real server's forwarding method (lb_kind / lvs_method).
type Method uint8

// Forwarding methods, as ipvsadm names them.
const (
	NAT Method = iota // masquerading (-m)
	DR                // direct routing, "gatewaying" (-g)
	TUN               // IP-in-IP tunnelling (-i)
)

func (m Method) String() string {
	switch m {
	case NAT:
		return "Masq"
	case DR:
		return "Route"
	case TUN:
		return "Tunnel"
	}
	return fmt.Sprintf("method%d", uint8(m))
}

// ServiceKey identifies a virtual service: either a fwmark (FWMark != 0,
// Addr invalid, Protocol 0) or an address, port and protocol.
type ServiceKey struct {
	// Family is 4 or 6; it is needed for fwmark services.
	Family   int
	FWMark   uint32
	Protocol Protocol
	Addr     netip.Addr
	Port     uint16
}

func (k ServiceKey) String() string {
	if k.FWMark != 0 {
		return fmt.Sprintf("FWM %d IPv%d", k.FWMark, k.Family)
	}
	return fmt.Sprintf("%s %s", k.Protocol, netip.AddrPortFrom(k.Addr, k.Port))
}

// SchedFlags are the scheduler and service flags (ipvsadm -b/-o).
type SchedFlags struct {
	OnePacket  bool // ops
	SHFallback bool // sh-fallback
	SHPort     bool // sh-port
	MHFallback bool // mh-fallback
	MHPort     bool // mh-port
}

// Service is one virtual service.
type Service struct {
	Key ServiceKey
	// Scheduler is the IPVS scheduler name: rr wrr lc wlc lblc lblcr dh sh
	// sed nq fo ovf mh.
	Scheduler string
	Flags     SchedFlags
	// Persistence is persistence_timeout; 0 means not persistent.
	Persistence time.Duration
	// Netmask is persistence_granularity as a prefix length (32 / 128
	// when unset).
	Netmask int
}

// DestKey identifies a real server within a service.
type DestKey struct {
	Addr netip.Addr
	Port uint16
}

func (k DestKey) String() string { return netip.AddrPortFrom(k.Addr, k.Port).String() }

// Tunnel holds the TUN options (tun_type ipip/gue/gre, tun_port, tun_flags).
type Tunnel struct {
	Type  string // "", "ipip", "gue", "gre"
	Port  uint16
	Flags string // "", "nocsum", "csum", "remcsum"
}

// Destination is one real server of a service.
type Destination struct {
	Key    DestKey
	Weight int
	Method Method
	Tunnel Tunnel
	// UpperThreshold and LowerThreshold are uthreshold / lthreshold
	// (0: none).
	UpperThreshold uint32
	LowerThreshold uint32
}

// Stats are a service's or destination's counters as the kernel reports
// them.
type Stats struct {
	Conns, InPkts, OutPkts, InBytes, OutBytes uint64
	CPS, InPPS, OutPPS, InBPS, OutBPS         uint64
}

// DestState is a destination as read back from the dataplane.
type DestState struct {
	Destination
	ActiveConns, InactiveConns, PersistConns uint32
	Stats                                    Stats
}

// ServiceState is a service and its destinations as read back from the
// dataplane.
type ServiceState struct {
	Service
	Dests []DestState
	Stats Stats
}

// Op is one kind of dataplane change.
type Op uint8

// Dataplane operations.
const (
	AddService Op = iota + 1
	UpdateService
	DelService
	AddDest
	UpdateDest
	DelDest
)

func (o Op) String() string {
	switch o {
	case AddService:
		return "add service"
	case UpdateService:
		return "update service"
	case DelService:
		return "delete service"
	case AddDest:
		return "add destination"
	case UpdateDest:
		return "update destination"
	case DelDest:
		return "delete destination"
	}
	return fmt.Sprintf("op%d", uint8(o))
}

// Change is one operation: Service.Key always names the service; Dest is
// used by the destination operations.
type Change struct {
	Op      Op
	Service Service
	Dest    Destination
}

// Timeouts are the IPVS connection timeouts (lvs_timeouts); zero leaves
// a value unchanged.
type Timeouts struct {
	TCP, TCPFin, UDP time.Duration
}

// Dataplane holds virtual services. Implementations: kernel IPVS
// (internal/sys/ipvs) and nftables (internal/sys/nft); tests use a fake.
type Dataplane interface {
	// Name is "ipvs" or "nftables", for logs.
	Name() string
	// Apply makes the changes in order. The nftables dataplane applies
	// them as one atomic batch; IPVS applies them one by one and stops at
	// the first failure, reporting how many were applied in the error
	// (ApplyError).
	Apply(changes []Change) error
	// State reads back every service the dataplane holds, with its
	// destinations and counters.
	State() ([]ServiceState, error)
	// SetTimeouts sets the connection timeouts.
	SetTimeouts(Timeouts) error
	// Flush removes every service (lvs_flush, lvs_flush_on_stop).
	Flush() error
}

// ApplyError reports a failed Apply: Done changes were applied before
// Change failed with Err.
type ApplyError struct {
	Done   int
	Change Change
	Err    error
}

func (e *ApplyError) Error() string {
	if e.Change.Op >= AddDest {
		return fmt.Sprintf("%s %s to service %s: %v", e.Change.Op, e.Change.Dest.Key, e.Change.Service.Key, e.Err)
	}
	return fmt.Sprintf("%s %s: %v", e.Change.Op, e.Change.Service.Key, e.Err)
}

func (e *ApplyError) Unwrap() error { return e.Err }
