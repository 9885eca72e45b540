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
	// LVS is the same table in every layout keepalivedctl lvs list can
	// print.
	LVS       LVSView `json:"lvs,omitzero"`
	Dataplane string  `json:"dataplane,omitempty"`
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
}
