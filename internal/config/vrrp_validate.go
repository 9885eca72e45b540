package config

import (
	"net/netip"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// Validation of the VRRP section once the file is read: keepalived's
// vrrp_complete_init() (keepalived/vrrp/vrrp.c). Its messages carry no
// line number in keepalived; we report them at the line of the object
// concerned (the instance, the sync group, ...).
// Like keepalived, the checks stop at the first instance that cannot be
// completed.

// vrrpNote reports a problem found by validation.
func (p *parser) vrrpNote(pos syntax.Pos, sev Severity, kind Kind, format string, args ...any) {
	p.report(pos, sev, kind, format, args...)
}

// vrrpQuietly runs f, dropping what it reports: once keepalived has
// stopped checking, the rest of the model is still completed (so that it
// holds real values) without reporting what keepalived would not.
func (p *parser) vrrpQuietly(f func()) {
	n := len(p.diags)
	f()
	p.diags = p.diags[:n]
}

// vrrpCompleteInit checks and completes the section. The checks stop,
// as keepalived's do, at the first step that fails.
func (p *parser) vrrpCompleteInit() {
	s := &p.cfg.VRRPSection
	ok := true
	for _, v := range s.Instances {
		if ok && !p.vrrpCheckMinimal(v) {
			ok = false
		}
	}
	step := func(f func() bool) {
		if ok {
			ok = f()
		} else {
			p.vrrpQuietly(func() { f() })
		}
	}
	step(func() bool { p.vrrpSetSyncGroups(); return true })
	for _, v := range s.Instances {
		step(func() bool { return p.vrrpCompleteInstance(v) })
	}
	step(func() bool { return !p.vrrpVRIDConflicts() })
	step(func() bool { p.vrrpStaticTrackGroups(); return true })
	step(func() bool { p.vrrpSyncGroupTracking(); return true })
	step(func() bool { p.vrrpUnusedScripts(); return true })
}

// vrrpCheckMinimal is keepalived's chk_min_cfg() (as fixed after 2.2.7:
// an instance without interface is accepted when it is unicast).
func (p *parser) vrrpCheckMinimal(v *VRRPInstance) bool {
	switch {
	case v.VRID == 0:
		p.vrrpNote(v.Pos, Error, KindMissing, "(%s) the virtual router id must be set", v.Name)
		return false
	case v.Interface == "" && !v.set.unicastConfigured:
		p.vrrpNote(v.Pos, Error, KindMissing, "(%s) Unknown interface!", v.Name)
		return false
	case v.Interface == "" && v.UseVMAC != nil:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) cannot use VMAC if no interface specified", v.Name)
		return false
	}
	return true
}

// vrrpSetSyncGroups is keepalived's vrrp_sync_set_group() for each group:
// members must exist and be in one group only.
func (p *parser) vrrpSetSyncGroups() {
	s := &p.cfg.VRRPSection
	var kept []*VRRPSyncGroup
	for _, g := range s.SyncGroups {
		if len(g.Group) == 0 {
			p.vrrpNote(g.Pos, Error, KindMissing, "Sync group %s has no virtual router(s). removing", g.Name)
			continue
		}
		if p.vrrpSetSyncGroup(g) {
			kept = append(kept, g)
		}
	}
	s.SyncGroups = kept
}

func (p *parser) vrrpSetSyncGroup(g *VRRPSyncGroup) bool {
	var members []string
	state := ""
	for _, name := range g.Group {
		v := p.cfg.vrrpFindInstance(name)
		switch {
		case v == nil:
			p.vrrpNote(g.Pos, Error, KindReference, "Virtual router %s specified in sync group %s doesn't exist - ignoring", name, g.Name)
			continue
		case v.SyncGroup != "":
			p.vrrpNote(g.Pos, Error, KindDuplicate, "Virtual router %s cannot exist in more than one sync group; ignoring %s", name, g.Name)
			continue
		}
		members = append(members, name)
		v.SyncGroup = g.Name
		if state == "MASTER" && v.State == "BACKUP" {
			p.vrrpNote(g.Pos, Error, KindConflict, "Sync group %s has some member(s) as address owner and some not as address owner. This won't work.", g.Name)
		}
		if state != "BACKUP" {
			state = "BACKUP"
			if v.State == "MASTER" && v.Priority == 255 {
				state = "MASTER"
			}
		}
	}
	g.Group = members
	switch len(members) {
	case 0:
		p.vrrpNote(g.Pos, Error, KindReference, "Sync group %s, no matching virtual router found in group declaration - removing", g.Name)
		return false
	case 1:
		p.vrrpNote(g.Pos, Error, KindConflict, "Sync group %s has only 1 virtual router(s) - this probably isn't what you want", g.Name)
	}
	return true
}

// vrrpCompleteInstance is keepalived's vrrp_complete_instance(): it
// resolves the defaults that depend on the whole file and corrects
// conflicting settings. It returns false when the instance cannot run,
// which stops keepalived's checks; the instance is then completed
// quietly.
func (p *parser) vrrpCompleteInstance(v *VRRPInstance) bool {
	void := func(f func(*VRRPInstance)) func(*VRRPInstance) bool {
		return func(v *VRRPInstance) bool { f(v); return true }
	}
	steps := []func(*VRRPInstance) bool{
		p.vrrpCompleteVIPCount,
		void(p.vrrpCompleteState),
		void(p.vrrpCompleteAuth),
		p.vrrpCompleteUnicast,
		void(p.vrrpCompleteAddresses),
		void(p.vrrpCompletePreempt),
		void(p.vrrpCompleteAdverts),
		void(p.vrrpCompleteAdvertInt),
		void(p.vrrpCompleteAuthHMAC),
		void(p.vrrpCompleteLinks),
		void(p.vrrpCompleteVIPInterfaces),
		void(p.vrrpCompleteTrackWeights),
	}
	for i, f := range steps {
		if !f(v) {
			p.vrrpQuietly(func() {
				for _, rest := range steps[i+1:] {
					rest(v)
				}
			})
			return false
		}
	}
	return true
}

// vrrpCompleteVIPCount sets the strict mode, family and version, and
// checks that there is a VIP (required by VRRPv3 and strict mode).
func (p *parser) vrrpCompleteVIPCount(v *VRRPInstance) bool {
	if !v.set.strict {
		v.Strict = p.cfg.Global.Strict
	}
	p.vrrpCompleteVersion(v)
	if len(v.VIPs) > 0 || (v.NoVirtualIPAddress && !v.Strict) {
		return true
	}
	if v.NoVirtualIPAddress {
		p.vrrpNote(v.Pos, Warning, KindConflict, "(%s) no_virtual_ipaddress and strict mode incompatible, clearing no_virtual_ipaddress", v.Name)
		v.NoVirtualIPAddress = false
	}
	if v.Version == 3 || v.Strict {
		p.vrrpNote(v.Pos, Error, KindMissing, "(%s) No VIP specified; at least one is required", v.Name)
		return false
	}
	p.vrrpNote(v.Pos, Error, KindMissing, "(%s) No VIP specified; at least one is sensible", v.Name)
	return true
}

// vrrpCompleteVersion sets the family and the VRRP version.
func (p *parser) vrrpCompleteVersion(v *VRRPInstance) {
	if v.Family == 6 {
		if v.Version == 2 && v.Strict {
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) cannot use IPv6 with VRRP version 2; setting version 3", v.Name)
			v.Version = 3
		} else if v.Version == 0 {
			v.Version = 3
		}
	}
	if v.Family == 0 {
		v.Family = 4
	}
	if v.Version == 0 {
		v.Version = p.cfg.Global.VRRPVersion
	}
}

// vrrpCompleteState sets the priority and the initial state from each
// other, as RFC 5798 §6.1 ties the owner (priority 255) to MASTER.
func (p *parser) vrrpCompleteState(v *VRRPInstance) {
	if !v.set.priority {
		v.Priority = 100
		if v.State == "MASTER" {
			v.Priority = 255
		}
	}
	owner := "BACKUP"
	if v.Priority == 255 {
		owner = "MASTER"
	}
	switch {
	case v.State == "":
		v.State = owner
	case v.Strict && v.State != owner:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) State MASTER must match being address owner", v.Name)
		v.State = owner
	}
}

// vrrpCompleteAuth applies the limits of the authentication block
// (RFC 3768 only; no AH over IPv6).
func (p *parser) vrrpCompleteAuth(v *VRRPInstance) {
	a := v.Auth
	if a != nil && a.Type == "" {
		v.Auth = nil
		return
	}
	switch {
	case a == nil:
	case v.Strict:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) Strict mode does not support authentication. Ignoring.", v.Name)
		v.Auth = nil
	case v.Version == 3:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) VRRP version 3 does not support authentication. Ignoring.", v.Name)
		v.Auth = nil
	case a.Pass == "":
		p.vrrpNote(v.Pos, Error, KindMissing, "(%s) Authentication specified but no password given. Ignoring", v.Name)
		v.Auth = nil
	case v.Family == 6 && a.Type == "AH":
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) Cannot use AH authentication with IPv6. ignoring", v.Name)
		v.Auth = nil
	case a.Type == "AH" && v.State == "MASTER" && v.Priority != 255:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) Initial state master is incompatible with AH authentication - clearing", v.Name)
		v.State = "BACKUP"
	}
}

// vrrpCompleteAuthHMAC checks the auth_hmac block (keepalived 2.4).
func (p *parser) vrrpCompleteAuthHMAC(v *VRRPInstance) {
	ah := v.AuthHMAC
	if ah == nil {
		return
	}
	if v.Auth != nil {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) auth_hmac cannot be combined with authentication, dropping legacy auth", v.Name)
		v.Auth = nil
	}
	found := false
	for _, k := range ah.Keys {
		found = found || k.ID == ah.ActiveKey
	}
	if !found {
		p.vrrpNote(v.Pos, Error, KindReference, "(%s) auth_hmac active_key %d is not defined, disabling extension", v.Name, ah.ActiveKey)
		v.AuthHMAC = nil
		return
	}
	if v.Strict && ah.Mode != "enforce" {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) strict mode requires auth_hmac mode enforce", v.Name)
		ah.Mode = "enforce"
	}
	if ah.AntiReplay == "time" && ah.TimeWindow == 0 {
		ah.TimeWindow = min(max(3*int(v.AdvertInt/Second), 5), 300)
	}
}

// vrrpCompleteUnicast settles unicast versus multicast.
func (p *parser) vrrpCompleteUnicast(v *VRRPInstance) bool {
	if v.Interface == "" {
		src := v.UnicastSrcIP
		if !src.IsValid() {
			src = v.MulticastSrcIP
		}
		if !v.set.srcFromConfig {
			p.vrrpNote(v.Pos, Error, KindMissing, "(%s): Unicast instances must have unicast_src_ip or interface", v.Name)
			return false
		}
		if v.Family == 6 && src.IsLinkLocalUnicast() {
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) Non link-local address required if interface omitted", v.Name)
			return false
		}
	}
	if v.set.unicastConfigured {
		switch {
		case len(v.UnicastPeers) > 0:
			v.Unicast = true
		case v.UnicastFaultNoPeer:
			p.vrrpNote(v.Pos, Info, KindMissing, "(%s) Cannot use unicast without any peers - going to fault state", v.Name)
		default:
			p.vrrpNote(v.Pos, Warning, KindDeprecated, "(%s) A unicast keyword has been specified without any unicast peers. Defaulting to multicast. This usage is deprecated - please update your configuration.", v.Name)
		}
	}
	if v.Unicast && v.Family == 4 && !v.set.ttl {
		v.UnicastTTL = 255
	}
	if v.Strict && v.set.macSpecified {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s): cannot specify MAC address with strict mode - clearing", v.Name)
		v.UseVMAC.MAC, v.UseVMAC.MACUsesVRID, v.set.macSpecified = "", false, false
	}
	if v.VRF != "" && (v.Interface != "" || !v.Unicast) {
		with := " unicast"
		if v.Interface != "" {
			with = "out interface"
		}
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) vrf can only be specified with%s - clearing", v.Name, with)
		v.VRF = ""
	}
	return true
}

// vrrpMaxVIPs is how many addresses fit in an advert on a 1500 byte MTU
// (at most 255, the width of the count field).
func vrrpMaxVIPs(v *VRRPInstance) int {
	const mtu, ether, vrrpHdr = 1500, 14, 8
	if v.Family == 6 {
		return min((mtu-ether-40-vrrpHdr)/16, 255)
	}
	hdr := ether + 20 + vrrpHdr
	if v.Version == 2 {
		hdr += 8
		if v.Auth != nil && v.Auth.Type == "AH" {
			hdr += 24
		}
	}
	return min((mtu-hdr)/4, 255)
}

// vrrpCompleteAddresses checks the first IPv6 VIP and the VIP count.
func (p *parser) vrrpCompleteAddresses(v *VRRPInstance) {
	if v.Family == 6 && !v.Unicast && len(v.VIPs) > 0 && !v.VIPs[0].Addr.Addr().IsLinkLocalUnicast() {
		if v.Strict {
			p.vrrpNote(v.Pos, Error, KindValue, "(%s) the first IPv6 VIP address must be link local", v.Name)
		} else {
			p.vrrpNote(v.Pos, Info, KindValue, "(%s) the first IPv6 VIP address should be link local", v.Name)
		}
	}
	if m := vrrpMaxVIPs(v); len(v.VIPs) > m {
		p.vrrpNote(v.Pos, Error, KindValue, "(%s) Number of VIPs (%d) exceeds maximum/space available in packet (max %d addresses) - excess moved to eVIPs", v.Name, len(v.VIPs), m)
		v.ExcludedVIPs = append(v.ExcludedVIPs, v.VIPs[m:]...)
		v.VIPs = v.VIPs[:m]
	}
}

// vrrpCompletePreempt applies the rules of nopreempt, preempt_delay,
// down_timer_adverts, timer_expired_backup and accept.
func (p *parser) vrrpCompletePreempt(v *VRRPInstance) {
	if v.Priority == 255 && v.NoPreempt {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) nopreempt is incompatible with priority %d. resetting nopreempt", v.Name, 255)
		v.NoPreempt = false
	}
	if v.State == "MASTER" {
		if v.NoPreempt {
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) Warning - nopreempt will not work with initial state MASTER - clearing", v.Name)
			v.NoPreempt = false
		}
		if v.PreemptDelay != 0 {
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) Warning - preempt delay will not work with initial state MASTER - clearing", v.Name)
			v.PreemptDelay = 0
		}
	}
	if v.PreemptDelay != 0 && v.Strict {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) preempt_delay is incompatible with strict mode - resetting", v.Name)
	}
	if v.PreemptDelay != 0 && v.NoPreempt {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) preempt_delay is incompatible with nopreempt mode - resetting", v.Name)
	}
	if v.Strict || v.NoPreempt {
		v.PreemptDelay = 0
	}
	if v.DownTimerAdverts != 3 && v.Strict {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) down_timer_adverts is incompatible with strict mode - resetting", v.Name)
		v.DownTimerAdverts = 3
	}
	if v.TimerExpiredBackup != 0 && !v.NoPreempt {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) expired_timer_backup requires nopreempt - resetting", v.Name)
		v.TimerExpiredBackup = 0
	}
	if !v.set.accept {
		v.Accept = v.Priority == 255 || !v.Strict
	}
	if v.Accept && v.Priority != 255 && v.Strict && v.Version == 2 {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) warning - accept mode for VRRP version 2 does not comply with RFC3768 - resetting", v.Name)
		v.Accept = false
	}
}

// vrrpCompleteAdverts resolves the multicast group and the advert and
// GARP behaviour, which strict mode fixes (RFC 5798).
func (p *parser) vrrpCompleteAdverts(v *VRRPInstance) {
	g := &p.cfg.Global
	switch {
	case !v.Unicast && !v.MulticastDstIP.IsValid():
		v.MulticastDstIP = g.VRRPMcastGroup4
		if v.Family == 6 {
			v.MulticastDstIP = g.VRRPMcastGroup6
		}
	case v.Unicast && v.MulticastDstIP.IsValid():
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) multicast destination specified with unicast - ignoring", v.Name)
		v.MulticastDstIP = netip.Addr{}
	}
	p.vrrpStrictInt(v, &v.GarpLowerPrioRepeat, v.set.garpLowerPrioRepeat, g.GarpLowerPrioRepeat, "(%s) Strict mode requires no repeat garps. resetting")
	delay := int(v.GarpLowerPrioDelay)
	p.vrrpStrictInt(v, &delay, v.set.garpLowerPrioDelay, int(g.GarpLowerPrioDelay), "(%s) Strict mode requires no repeat garp delay. resetting")
	v.GarpLowerPrioDelay = Duration(delay)
	p.vrrpStrictBool(v, &v.LowerPrioNoAdvert, v.set.lowerPrioNoAdvert, g.LowerPrioNoAdvert, true, "(%s) Strict mode requires no lower priority advert. resetting")
	p.vrrpStrictBool(v, &v.HigherPrioSendAdvert, v.set.higherPrioSendAdvert, g.HigherPrioSendAdvert, false, "(%s) strict mode requires higher_prio_send_advert to be clear. resetting")
	p.vrrpCompleteOwnerIgnore(v)
	if !v.set.smtpAlert {
		switch {
		case g.SMTPAlertVRRP != nil:
			v.SMTPAlert = *g.SMTPAlertVRRP
		case g.SMTPAlert != nil:
			v.SMTPAlert = *g.SMTPAlert
		}
	}
	if !v.set.notifyPrio {
		v.NotifyPriorityChanges = g.NotifyPriorityChanges
		if sg := p.cfg.vrrpFindSyncGroup(v.SyncGroup); sg != nil && sg.set.notifyPrio {
			v.NotifyPriorityChanges = sg.NotifyPriorityChanges
		}
	}
}
