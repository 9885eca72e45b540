// Package control is the daemon's control interface: the status types
// keepalivedctl shows, the unix-socket protocol that carries them, and
// the Prometheus metrics made from them. It knows nothing of the daemon's
// internals: the daemon fills the types in.
package control

import (
	"encoding/json"
	"net/netip"
	"time"
)

// Status is everything `keepalivedctl status` shows.
type Status struct {
	// Version is the daemon's version line.
	Version string `json:"version"`
	// Now is when the snapshot was taken: durations are shown relative
	// to it.
	Now time.Time `json:"now"`
	// PID is the daemon's process id; Started when it started.
	PID     int       `json:"pid"`
	Started time.Time `json:"started"`
	// ConfigFile is the configuration in use, Reloaded when it was last
	// (re)loaded.
	ConfigFile     string          `json:"config_file"`
	Reloaded       time.Time       `json:"reloaded,omitzero"`
	Instances      []Instance      `json:"vrrp_instances"`
	VirtualServers []VirtualServer `json:"virtual_servers"`
	// LVSTable is the dataplane's table as ipvsadm -Ln --stats prints it
	// (what `keepalivedctl lvs list` shows).
	LVSTable string `json:"lvs_table,omitempty"`
	// LVSStats are the dataplane's services with their counters.
	LVSStats  []LVSService `json:"lvs_stats,omitempty"`
	Dataplane string       `json:"dataplane,omitempty"`
	// Scripts are the vrrp_scripts with their states.
	Scripts []Script `json:"vrrp_scripts,omitempty"`
	// Processes are the daemon's processes: the parent and its
	// children, or the one process of -P/-C.
	Processes []Process `json:"processes,omitempty"`
	// LVS is the same table in every layout keepalivedctl lvs list can
	// print.
	LVS LVSView `json:"lvs,omitzero"`
}

// Process is one of the daemon's processes.
type Process struct {
	// Role is "parent", "vrrp" or "check".
	Role       string `json:"role"`
	PID        int    `json:"pid"`
	Goroutines int    `json:"goroutines"`
}

// LVSView is the dataplane's table as ipvsadm -Ln (List), -Ln --stats
// (Stats) and -Ln --rate (Rate) print it, and as data (Services: the
// daemon's JSON of what the dataplane holds, for lvs list --json).
type LVSView struct {
	List     string          `json:"list,omitempty"`
	Stats    string          `json:"stats,omitempty"`
	Rate     string          `json:"rate,omitempty"`
	Services json.RawMessage `json:"services,omitempty"`
}

// Instance is one VRRP instance.
type Instance struct {
	Name      string `json:"name"`
	VRID      int    `json:"vrid"`
	Interface string `json:"interface"`
	State     string `json:"state"`
	// Priority is the effective priority, BasePriority the configured one.
	Priority     int        `json:"priority"`
	BasePriority int        `json:"base_priority"`
	Source       netip.Addr `json:"source,omitzero"`
	// Master is the current master's address (ours when MASTER).
	Master netip.Addr `json:"master,omitzero"`
	VIPs   []string   `json:"vips"`
	// Since is the last transition.
	Since     time.Time         `json:"since,omitzero"`
	RxAdverts uint64            `json:"rx_adverts"`
	TxAdverts uint64            `json:"tx_adverts"`
	Drops     map[string]uint64 `json:"drops,omitempty"`
	// Faults are the reasons the instance is in FAULT.
	Faults []string `json:"faults,omitempty"`
	// Transitions counts the state changes; Stats are keepalived's
	// counters (keepalived.stats).
	Transitions uint64     `json:"transitions,omitempty"`
	Stats       *VRRPStats `json:"stats,omitempty"`
}

// VRRPStats are an instance's counters with keepalived's names.
type VRRPStats struct {
	AdvertRcvd        uint64 `json:"advert_rcvd"`
	AdvertSent        uint64 `json:"advert_sent"`
	BecomeMaster      uint64 `json:"become_master"`
	ReleaseMaster     uint64 `json:"release_master"`
	PacketLenErr      uint64 `json:"packet_len_err"`
	AdvertIntervalErr uint64 `json:"advert_interval_err"`
	IPTTLErr          uint64 `json:"ip_ttl_err"`
	InvalidTypeRcvd   uint64 `json:"invalid_type_rcvd"`
	AddrListErr       uint64 `json:"addr_list_err"`
	InvalidAuthType   uint64 `json:"invalid_authtype"`
	AuthTypeMismatch  uint64 `json:"authtype_mismatch"`
	AuthFailure       uint64 `json:"auth_failure"`
	PriZeroRcvd       uint64 `json:"pri_zero_rcvd"`
	PriZeroSent       uint64 `json:"pri_zero_sent"`
}

// VirtualServer is one virtual server and its real servers.
type VirtualServer struct {
	// Name is keepalived's rendering: [192.0.2.100]:tcp:80, FWM 5, ...
	Name        string       `json:"name"`
	Scheduler   string       `json:"scheduler"`
	Method      string       `json:"method"`
	Quorum      bool         `json:"quorum_up"`
	Sorry       bool         `json:"sorry_server_active,omitempty"`
	RealServers []RealServer `json:"real_servers"`
}

// RealServer is one real server with its health.
type RealServer struct {
	Name   string `json:"name"`
	Up     bool   `json:"up"`
	Weight int    `json:"weight"`
	// Since is the last change of Up; Reason why it is down.
	Since  time.Time `json:"since,omitzero"`
	Reason string    `json:"reason,omitempty"`
	// Conns are the dataplane's counters when it has them.
	ActiveConns   uint32 `json:"active_conns"`
	InactiveConns uint32 `json:"inactive_conns"`
	// Checkers are the real server's health checkers.
	Checkers []Checker `json:"checkers,omitempty"`
}

// Checker is one health checker of a real server.
type Checker struct {
	// Type is keepalived's keyword (TCP_CHECK, HTTP_GET, ...), Target
	// what it checks ([192.0.2.11]:tcp:80).
	Type   string `json:"type"`
	Target string `json:"target"`
	Up     bool   `json:"up"`
	// Since is the checker's last change (or its start).
	Since time.Time `json:"since,omitzero"`
	// LastRun is when the last check ended, LastOK its result and
	// LastReason why it failed.
	LastRun    time.Time `json:"last_run,omitzero"`
	LastOK     bool      `json:"last_ok"`
	LastReason string    `json:"last_reason,omitempty"`
	// Retry is the configured count, RetriesLeft the failures an up
	// checker may still have before it goes down.
	Retry       uint32 `json:"retry"`
	RetriesLeft uint32 `json:"retries_left"`
}

// LVSService is one service as the dataplane holds it, with its
// counters.
type LVSService struct {
	// Protocol is "tcp", "udp" or "sctp"; FWMark is set for a fwmark
	// service (whose Addr is unset).
	Protocol string     `json:"protocol"`
	Addr     netip.Addr `json:"address,omitzero"`
	Port     uint16     `json:"port"`
	FWMark   uint32     `json:"fwmark,omitempty"`
	Counters
	Dests []LVSDest `json:"destinations"`
}

// LVSDest is one real server as the dataplane holds it.
type LVSDest struct {
	Addr          netip.Addr `json:"address"`
	Port          uint16     `json:"port"`
	Weight        int        `json:"weight"`
	ActiveConns   uint32     `json:"active_conns"`
	InactiveConns uint32     `json:"inactive_conns"`
	Counters
}

// Counters are a service's or destination's totals.
type Counters struct {
	Conns    uint64 `json:"conns"`
	InPkts   uint64 `json:"in_packets"`
	OutPkts  uint64 `json:"out_packets"`
	InBytes  uint64 `json:"in_bytes"`
	OutBytes uint64 `json:"out_bytes"`
}

// Script is one vrrp_script.
type Script struct {
	Name string `json:"name"`
	// Status is keepalived's: GOOD, BAD, or INIT before the first result.
	Status string `json:"status"`
}
