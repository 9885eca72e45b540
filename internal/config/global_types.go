package config

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// The value types of global_defs settings that take more than one word.
// Each renders itself (String) as the keyword's arguments, so the dump
// prints one keepalived-style line per setting.

// FIFO is a notify FIFO: notify_fifo, vrrp_notify_fifo or
// lvs_notify_fifo PATH [USER [GROUP]]. keepalived creates the FIFO (mode
// 0644 before umask) if it does not exist, owned by User/Group ("" = the
// default script user).
type FIFO struct {
	Path  string     `json:"path"`
	User  string     `json:"user,omitempty"`
	Group string     `json:"group,omitempty"`
	Pos   syntax.Pos `json:"-"`
}

// String renders the FIFO as its keyword's arguments.
func (f FIFO) String() string { return joinWords(f.Path, f.User, f.Group) }

// SMTPServer is smtp_server HOST|IP [PORT]. A host name is resolved when
// an alert is sent (keepalived resolves it while reading the file).
type SMTPServer struct {
	// Host is an IP address or a host name.
	Host string `json:"host"`
	// Port is the TCP port (default 25).
	Port uint16 `json:"port"`
}

// String renders the server as its keyword's arguments.
func (s SMTPServer) String() string { return s.Host + " " + strconv.Itoa(int(s.Port)) }

// LVSSyncDaemon is lvs_sync_daemon: the IPVS connection synchronisation
// daemon, master or backup as the VRRP instance Instance is.
type LVSSyncDaemon struct {
	// Interface carries the sync traffic.
	Interface string `json:"interface"`
	// Instance is the vrrp_instance whose state the daemon follows ("" =
	// none: the daemon runs as master and backup).
	Instance string `json:"inst,omitempty"`
	// SyncID is the sync id 0..255; nil means the instance's
	// virtual_router_id (0 without an instance).
	SyncID *int `json:"id,omitempty"`
	// MaxLen is the maximum sync message length in bytes (0 = kernel
	// default).
	MaxLen int `json:"maxlen,omitempty"`
	// Port is the UDP port (0 = kernel default 8848).
	Port int `json:"port,omitempty"`
	// TTL is the multicast TTL (0 = kernel default 1).
	TTL int `json:"ttl,omitempty"`
	// Group is the multicast group (unset = kernel default 224.0.0.81).
	Group netip.Addr `json:"group,omitzero"`
	Pos   syntax.Pos `json:"-"`
}

// String renders the sync daemon as its keyword's arguments.
func (d LVSSyncDaemon) String() string {
	w := []string{d.Interface}
	if d.Instance != "" {
		w = append(w, "inst", d.Instance)
	}
	if d.SyncID != nil {
		w = append(w, "id", strconv.Itoa(*d.SyncID))
	}
	for _, o := range []struct {
		kw string
		v  int
	}{{"maxlen", d.MaxLen}, {"port", d.Port}, {"ttl", d.TTL}} {
		if o.v != 0 {
			w = append(w, o.kw, strconv.Itoa(o.v))
		}
	}
	if d.Group.IsValid() {
		w = append(w, "group", d.Group.String())
	}
	return strings.Join(w, " ")
}

// LVSTimeouts is lvs_timeouts: the IPVS connection timeouts in seconds;
// 0 leaves the kernel's value.
type LVSTimeouts struct {
	TCP    int `json:"tcp,omitempty"`
	TCPFin int `json:"tcpfin,omitempty"`
	UDP    int `json:"udp,omitempty"`
}

// String renders the timeouts as the keyword's arguments.
func (t LVSTimeouts) String() string {
	var w []string
	for _, o := range []struct {
		kw string
		v  int
	}{{"tcp", t.TCP}, {"tcpfin", t.TCPFin}, {"udp", t.UDP}} {
		if o.v != 0 {
			w = append(w, o.kw, strconv.Itoa(o.v))
		}
	}
	return strings.Join(w, " ")
}

// RxBufsPolicy is vrrp_rx_bufs_policy: how the receive buffer of the VRRP
// sockets is sized. The zero value keeps the system default.
type RxBufsPolicy struct {
	// MTU sizes the buffer from the interface MTU.
	MTU bool `json:"mtu,omitempty"`
	// Advert sizes the buffer from the size of the adverts.
	Advert bool `json:"advert,omitempty"`
	// Size is an explicit size in bytes (0 = none).
	Size uint32 `json:"size,omitempty"`
}

// String renders the policy as the keyword's arguments.
func (r RxBufsPolicy) String() string {
	switch {
	case r.Size != 0:
		return strconv.FormatUint(uint64(r.Size), 10)
	case r.MTU:
		return "MTU"
	case r.Advert:
		return "ADVERT"
	}
	return ""
}

// IPSetNames is vrrp_ipsets: the names of the ipsets keepalived's iptables
// mode uses. Disabled is vrrp_ipsets without names (no ipsets).
type IPSetNames struct {
	Disabled      bool   `json:"disabled,omitempty"`
	Address       string `json:"address,omitempty"`
	Address6      string `json:"address6,omitempty"`
	AddressIface6 string `json:"address_iface6,omitempty"`
	IGMP          string `json:"igmp,omitempty"`
	MLD           string `json:"mld,omitempty"`
	VMACND        string `json:"vmac_nd,omitempty"`
}

// String renders the names as the keyword's arguments.
func (s IPSetNames) String() string {
	if s.Disabled {
		return "none"
	}
	return joinWords(s.Address, s.Address6, s.AddressIface6, s.IGMP, s.MLD, s.VMACND)
}

// IptablesChains is vrrp_iptables [IN_CHAIN [OUT_CHAIN]].
type IptablesChains struct {
	In  string `json:"in"`
	Out string `json:"out,omitempty"`
}

// String renders the chains as the keyword's arguments.
func (c IptablesChains) String() string { return joinWords(c.In, c.Out) }

// IncludeChecks is the set of include problems that are errors
// (include_check): a readable-file check, a missing named file, a
// wildcard matching nothing, a brace alternative matching nothing.
type IncludeChecks uint8

// The include checks.
const (
	IncludeCheckRead IncludeChecks = 1 << iota
	IncludeCheckMatch
	IncludeCheckWildcardMatch
	IncludeCheckBraceMatch

	IncludeCheckAll = IncludeCheckRead | IncludeCheckMatch | IncludeCheckWildcardMatch | IncludeCheckBraceMatch
)

// includeCheckNames are include_check's words, in bit order.
var includeCheckNames = []string{"read", "match", "wildcard_match", "brace_match"}

// String renders the set as include_check's arguments: the first word
// sets read and that check, "+x" adds a check and "-read" removes read.
func (c IncludeChecks) String() string {
	var w []string
	for i, name := range includeCheckNames {
		if c&(1<<i) != 0 && i > 0 {
			w = append(w, "+"+name)
		}
	}
	switch {
	case c&IncludeCheckRead != 0:
		w = append([]string{"read"}, w...)
	case len(w) > 0:
		w[0] = strings.TrimPrefix(w[0], "+")
		w = append(w, "-read")
	default:
		w = []string{"read", "-read"}
	}
	return strings.Join(w, " ")
}

// MarshalText renders the set as String does.
func (c IncludeChecks) MarshalText() ([]byte, error) { return []byte(c.String()), nil }

// Umask is a file mode creation mask (umask), printed in octal.
type Umask uint32

// String renders the mask in octal with a leading 0.
func (u Umask) String() string { return fmt.Sprintf("0%o", uint32(u)) }

// MarshalText renders the mask as String does.
func (u Umask) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// LVSFlushMode is lvs_flush_on_stop's setting.
type LVSFlushMode string

// The lvs_flush_on_stop settings.
const (
	LVSFlushNone LVSFlushMode = ""     // leave IPVS as it is at stop
	LVSFlushFull LVSFlushMode = "full" // lvs_flush_on_stop: flush all of IPVS
	LVSFlushVS   LVSFlushMode = "VS"   // lvs_flush_on_stop VS: remove the configured virtual servers only
)

// LinkbeatInterface is one line of linkbeat_interfaces: an interface whose
// link state is polled, and how (MII, ETHTOOL, IOCTL; "" = try in turn).
type LinkbeatInterface struct {
	Interface string     `json:"interface"`
	Type      string     `json:"type,omitempty"`
	Pos       syntax.Pos `json:"-"`
}

// String renders the entry as its line.
func (l LinkbeatInterface) String() string { return joinWords(l.Interface, l.Type) }

// InterfaceDelay is one line of interface_up_down_delays: how long an
// interface must stay down (or up) before keepalived acts on the change.
type InterfaceDelay struct {
	Interface string     `json:"interface"`
	Down      Duration   `json:"down"`
	Up        Duration   `json:"up"`
	Pos       syntax.Pos `json:"-"`
}

// String renders the entry as its line.
func (d InterfaceDelay) String() string {
	return d.Interface + " " + d.Down.String() + " " + d.Up.String()
}

// joinWords joins the non-empty leading words; it stops at the first
// empty one (later words are optional arguments that need the earlier).
func joinWords(words ...string) string {
	var w []string
	for _, s := range words {
		if s == "" {
			break
		}
		w = append(w, quote(s))
	}
	return strings.Join(w, " ")
}
