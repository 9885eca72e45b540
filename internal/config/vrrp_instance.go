package config

import (
	"net/netip"
	"strconv"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// VRRPInstance is a vrrp_instance block: one virtual router. Values are
// resolved once the file is read (defaults from global_defs, strict mode
// corrections), so they are the ones keepalived would run with.
type VRRPInstance struct {
	Name string `json:"name" dump:"label"`
	// State is the initial state wanted, MASTER or BACKUP (default MASTER
	// for priority 255, else BACKUP).
	State     string `json:"state"`
	Interface string `json:"interface,omitempty"`
	VRF       string `json:"vrf,omitempty"`
	VRID      int    `json:"virtual_router_id"`
	// Priority is 1..255 (default 100, 255 with state MASTER and no
	// priority); 255 is the address owner.
	Priority int `json:"priority"`
	// AdvertInt is the advertisement interval: whole seconds for VRRPv2,
	// centiseconds for VRRPv3.
	AdvertInt Duration `json:"advert_int"`
	Version   int      `json:"version"`
	// Family is 4 or 6: the family of the VIPs (or of the first address
	// configured); IPv6 implies version 3.
	Family int `json:"-"`

	MulticastSrcIP netip.Addr `json:"mcast_src_ip,omitempty,omitzero"`
	UnicastSrcIP   netip.Addr `json:"unicast_src_ip,omitempty,omitzero"`
	// MulticastDstIP is the advertisement group (default
	// vrrp_mcast_group4/6); unset for unicast instances.
	MulticastDstIP     netip.Addr    `json:"mcast_dst_ip,omitempty,omitzero"`
	TrackSrcIP         bool          `json:"track_src_ip,omitempty"`
	UnicastPeers       []UnicastPeer `json:"unicast_peer,omitempty"`
	UnicastFaultNoPeer bool          `json:"unicast_fault_no_peer,omitempty"`
	// Unicast is set when unicast peers are configured.
	Unicast bool `json:"-"`
	// UnicastTTL is the TTL/hop limit of unicast adverts (255 for IPv4; 0
	// is the kernel default).
	UnicastTTL      int  `json:"unicast_ttl,omitempty"`
	CheckUnicastSrc bool `json:"check_unicast_src,omitempty"`
	// OldUnicastChecksum is "" (detect), "always" (keyword alone) or
	// "never".
	OldUnicastChecksum string `json:"old_unicast_checksum,omitempty"`
	V3ChecksumAsV2     bool   `json:"v3_checksum_as_v2,omitempty"`

	DontTrackPrimary bool       `json:"dont_track_primary,omitempty"`
	TrackInterfaces  []TrackRef `json:"track_interface,omitempty"`
	TrackScripts     []TrackRef `json:"track_script,omitempty"`
	TrackFiles       []TrackRef `json:"track_file,omitempty"`
	TrackProcesses   []TrackRef `json:"track_process,omitempty"`
	TrackBFDs        []TrackRef `json:"track_bfd,omitempty"`

	VIPs               []*IPAddress `json:"virtual_ipaddress,omitempty"`
	ExcludedVIPs       []*IPAddress `json:"virtual_ipaddress_excluded,omitempty"`
	NoVirtualIPAddress bool         `json:"no_virtual_ipaddress,omitempty"`
	VirtualRoutes      []*IPRoute   `json:"virtual_routes,omitempty"`
	VirtualRules       []*IPRule    `json:"virtual_rules,omitempty"`
	PromoteSecondaries bool         `json:"promote_secondaries,omitempty"`

	UseVMAC      *VRRPVMAC   `json:"use_vmac,omitempty"`
	UseVMACAddr  bool        `json:"use_vmac_addr,omitempty"`
	VMACXmitBase bool        `json:"vmac_xmit_base,omitempty"`
	UseIPVLAN    *VRRPIPVLAN `json:"use_ipvlan,omitempty"`

	// Accept accepts packets to the VIPs when not the address owner
	// (default true; false in strict mode unless priority 255).
	Accept    bool `json:"accept"`
	NoPreempt bool `json:"nopreempt"`
	// PreemptDelay is 0..1000 s.
	PreemptDelay Duration `json:"preempt_delay"`
	// TimerExpiredBackup is the highest priority of another router for
	// which to revert to BACKUP after a descheduling delay (1..254; 0 =
	// off).
	TimerExpiredBackup int  `json:"timer_expired_backup,omitempty"`
	SkipCheckAdvAddr   bool `json:"skip_check_adv_addr"`
	Strict             bool `json:"strict_mode"`

	GarpMasterDelay         Duration `json:"garp_master_delay"`
	GarpMasterRepeat        int      `json:"garp_master_repeat"`
	GarpMasterRefresh       Duration `json:"garp_master_refresh"`
	GarpMasterRefreshRepeat int      `json:"garp_master_refresh_repeat"`
	GarpLowerPrioDelay      Duration `json:"garp_lower_prio_delay"`
	GarpLowerPrioRepeat     int      `json:"garp_lower_prio_repeat"`
	// GarpExtraIf is the period of gratuitous ARPs on the other
	// interfaces carrying VIPs (0 = off); GarpExtraIfAll is its "all".
	GarpExtraIf          Duration `json:"garp_extra_if"`
	GarpExtraIfAll       bool     `json:"garp_extra_if_all,omitempty"`
	DownTimerAdverts     int      `json:"down_timer_adverts"`
	LowerPrioNoAdvert    bool     `json:"lower_prio_no_advert"`
	HigherPrioSendAdvert bool     `json:"higher_prio_send_advert"`
	OwnerIgnoreAdverts   bool     `json:"owner_ignore_adverts"`

	NotifyMaster           *Script `json:"notify_master,omitempty"`
	NotifyBackup           *Script `json:"notify_backup,omitempty"`
	NotifyFault            *Script `json:"notify_fault,omitempty"`
	NotifyStop             *Script `json:"notify_stop,omitempty"`
	NotifyMasterRxLowerPri *Script `json:"notify_master_rx_lower_pri,omitempty"`
	// NotifyDeleted is set by notify_deleted: instances deleted by a
	// reload are reported DELETED rather than FAULT; Args is empty when
	// no script was given.
	NotifyDeleted         *Script `json:"notify_deleted,omitempty"`
	Notify                *Script `json:"notify,omitempty"`
	SMTPAlert             bool    `json:"smtp_alert"`
	NotifyPriorityChanges bool    `json:"notify_priority_changes"`

	Auth     *VRRPAuth     `json:"authentication,omitempty"`
	AuthHMAC *VRRPAuthHMAC `json:"auth_hmac,omitempty"`

	LinkbeatUsePolling bool `json:"linkbeat_use_polling,omitempty"`
	// LVSSyncDaemonInterface is the deprecated per-instance form of
	// global_defs lvs_sync_daemon.
	LVSSyncDaemonInterface string `json:"lvs_sync_daemon_interface,omitempty"`
	// KernelRxBufSize is the socket receive buffer in bytes (0 = system).
	KernelRxBufSize int `json:"kernel_rx_buf_size,omitempty"`
	Debug           int `json:"debug,omitempty"`

	// SyncGroup is the name of the sync group the instance belongs to.
	SyncGroup string     `json:"-"`
	Pos       syntax.Pos `json:"-"`

	set vrrpInstanceSet
}

// vrrpInstanceSet records which settings the file gave, for defaults that
// keepalived resolves once the whole file is read.
type vrrpInstanceSet struct {
	state, priority, accept, strict           bool
	lowerPrioNoAdvert, higherPrioSendAdvert   bool
	ownerIgnoreAdverts, smtpAlert, notifyPrio bool
	garpLowerPrioDelay, garpLowerPrioRepeat   bool
	garpExtraIf, unicastConfigured            bool
	ttl, version, macSpecified                bool
	srcFromConfig                             bool
}

// SourceIP returns the configured source address of adverts
// (unicast_src_ip or mcast_src_ip); invalid means the interface's primary
// address.
func (v *VRRPInstance) SourceIP() netip.Addr {
	if v.UnicastSrcIP.IsValid() {
		return v.UnicastSrcIP
	}
	return v.MulticastSrcIP
}

// UnicastPeer is one unicast_peer entry: a peer's address and, when given,
// the TTL range accepted from it (which enables source checking).
type UnicastPeer struct {
	Addr   netip.Addr `json:"address"`
	MinTTL int        `json:"min_ttl"`
	MaxTTL int        `json:"max_ttl"`
	Pos    syntax.Pos `json:"-"`
}

// String renders the peer as its unicast_peer line.
func (u UnicastPeer) String() string {
	s := u.Addr.String()
	if u.MinTTL != 0 {
		s += " min_ttl " + strconv.Itoa(u.MinTTL)
	}
	if u.MaxTTL != 255 {
		s += " max_ttl " + strconv.Itoa(u.MaxTTL)
	}
	return s
}

// TrackRef is one entry of a track_interface, track_script, track_file,
// track_process or track_bfd block: the tracked object's name and the
// weight applied (default: the object's own weight and reverse).
type TrackRef struct {
	Name    string     `json:"name"`
	Weight  int        `json:"weight"`
	Reverse bool       `json:"reverse,omitempty"`
	Pos     syntax.Pos `json:"-"`
}

// String renders the entry as its line.
func (t TrackRef) String() string {
	s := t.Name + " weight " + strconv.Itoa(t.Weight)
	if t.Reverse {
		s += " reverse"
	}
	return s
}

// TrackWeight is a tracker's own weight keyword: the weight and whether
// "reverse" was given.
type TrackWeight struct {
	Value   int  `json:"value"`
	Reverse bool `json:"reverse,omitempty"`
}

// String renders the weight as its keyword's arguments.
func (w TrackWeight) String() string {
	if w.Reverse {
		return strconv.Itoa(w.Value) + " reverse"
	}
	return strconv.Itoa(w.Value)
}

// parseVRRPInstance reads a vrrp_instance block.
//
// Syntax:
//
//	vrrp_instance NAME {
//	    state MASTER|BACKUP
//	    interface IF
//	    virtual_router_id 1..255
//	    priority 1..255
//	    advert_int SECONDS
//	    virtual_ipaddress { ADDR-SPEC ... }
//	    ... (see vrrpInstanceTable)
//	}
func parseVRRPInstance(p *parser, n *syntax.Node, c *Config) {
	name, ok := vrrpName(n)
	if !ok {
		p.errorf(n, KindMissing, "vrrp_instance must have a name")
		return
	}
	if c.vrrpFindInstance(name) != nil {
		p.errorf(n, KindDuplicate, "vrrp instance %s already defined", name)
		return
	}
	v := p.vrrpNewInstance(name, n.Pos)
	c.Instances = append(c.Instances, v)
	parseBlock(p, n.Children, v, vrrpInstanceTable)
	p.vrrpInstanceEnd(n, v)
}

// vrrpNewInstance returns an instance with keepalived's defaults, the
// GARP ones copied from global_defs as it stands now (alloc_vrrp()).
func (p *parser) vrrpNewInstance(name string, pos syntax.Pos) *VRRPInstance {
	g := &p.cfg.Global
	return &VRRPInstance{
		Name:                    name,
		Pos:                     pos,
		GarpMasterDelay:         g.GarpMasterDelay,
		GarpMasterRepeat:        g.GarpMasterRepeat,
		GarpMasterRefresh:       g.GarpMasterRefresh,
		GarpMasterRefreshRepeat: g.GarpMasterRefreshRepeat,
		DownTimerAdverts:        g.DownTimerAdverts,
		SkipCheckAdvAddr:        g.SkipCheckAdvAddr,
		V3ChecksumAsV2:          g.V3ChecksumAsV2,
	}
}

// vrrpInstanceEnd is keepalived's vrrp_end_handler(): checks made when
// the block closes.
func (p *parser) vrrpInstanceEnd(n *syntax.Node, v *VRRPInstance) {
	end := vrrpEndPos(n)
	if v.set.unicastConfigured && (v.UseVMAC != nil || v.UseIPVLAN != nil) {
		if v.Interface == "" {
			p.report(end, Error, KindConflict, "(%s): Cannot use VMAC/ipvlan with unicast and no interface - clearing use_vmac", v.Name)
			v.UseVMAC, v.UseIPVLAN = nil, nil
		} else if !v.VMACXmitBase {
			p.report(end, Error, KindConflict, "(%s) unicast with use_vmac requires vmac_xmit_base - setting", v.Name)
			v.VMACXmitBase = true
		}
	}
	if len(v.UnicastPeers) == 0 && v.set.ttl {
		p.report(end, Error, KindConflict, "(%s): Cannot use unicast_ttl without unicast peers - resetting", v.Name)
		v.set.ttl = false
		v.UnicastTTL = 0
	}
	if v.Interface == "" {
		v.LinkbeatUsePolling = false
	}
}

// vrrpInstanceTable holds the keywords of a vrrp_instance block.
var vrrpInstanceTable = table[VRRPInstance]{}

func init() {
	for _, t := range []table[VRRPInstance]{
		vrrpInstanceCoreTable, vrrpInstanceAddrTable, vrrpInstanceTrackTable,
		vrrpInstanceTimingTable, vrrpInstanceNotifyTable, vrrpInstanceLinkTable,
	} {
		for k, e := range t {
			vrrpInstanceTable[k] = e
		}
	}
}
