package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// vrrpInstanceAddrTable: addresses, routes and rules.
var vrrpInstanceAddrTable = table[VRRPInstance]{
	"virtual_ipaddress":          blk(vrrpVIPs),
	"virtual_ipaddress_excluded": blk(vrrpExcludedVIPs),
	"no_virtual_ipaddress": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		v.NoVirtualIPAddress = true
	}),
	"virtual_routes": blk(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		for _, e := range values(n) {
			if r := p.vrrpParseRoute(e, false); r != nil {
				v.VirtualRoutes = append(v.VirtualRoutes, r)
			}
		}
	}),
	"virtual_rules": blk(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		for _, e := range values(n) {
			if r := p.vrrpParseRule(e, false); r != nil {
				v.VirtualRules = append(v.VirtualRules, r)
			}
		}
	}),
	"promote_secondaries": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) { v.PromoteSecondaries = true }),
}

// vrrpVIPs reads virtual_ipaddress: every address must be of the
// instance's family, which the first one sets if nothing did before.
func vrrpVIPs(p *parser, n *syntax.Node, v *VRRPInstance) {
	for _, e := range values(n) {
		a := p.vrrpParseAddress(e, false)
		if a == nil {
			continue
		}
		f := vrrpFamilyOf(a.Addr.Addr())
		if v.Family == 0 {
			v.Family = f
		} else if f != v.Family {
			p.errorf(e, KindConflict, "(%s): address family must match VRRP instance [%s] - ignoring", v.Name, e.Words[0])
			continue
		}
		if !p.vrrpDuplicateVIP(e, v, a, false) {
			v.VIPs = append(v.VIPs, a)
		}
	}
}

func vrrpExcludedVIPs(p *parser, n *syntax.Node, v *VRRPInstance) {
	for _, e := range values(n) {
		if a := p.vrrpParseAddress(e, false); a != nil && !p.vrrpDuplicateVIP(e, v, a, true) {
			v.ExcludedVIPs = append(v.ExcludedVIPs, a)
		}
	}
}

// vrrpDuplicateVIP reports an address already configured on the instance
// (a check of keepalived after 2.2.7, kept as information here since
// 2.2.7 does not report it).
func (p *parser) vrrpDuplicateVIP(e *syntax.Node, v *VRRPInstance, a *IPAddress, excluded bool) bool {
	ex := ""
	if excluded {
		ex = "Excluded "
	}
	for _, o := range v.VIPs {
		if o.Addr.Addr() == a.Addr.Addr() && (!excluded || o.Dev == a.Dev) {
			p.infof(e, KindDuplicate, "(%s): %sVIP duplicates a VIP %s - ignoring", v.Name, ex, e.Words[0])
			return true
		}
	}
	for _, o := range v.ExcludedVIPs {
		if o.Addr.Addr() == a.Addr.Addr() && o.Dev == a.Dev {
			p.infof(e, KindDuplicate, "(%s): %sVIP duplicates an excluded VIP %s - ignoring", v.Name, ex, e.Words[0])
			return true
		}
	}
	return false
}

// vrrpInstanceTrackTable: tracked objects.
var vrrpInstanceTrackTable = table[VRRPInstance]{
	"dont_track_primary": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) { v.DontTrackPrimary = true }),
	"track_interface": blk(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpTrackBlock(n, v.Name, &v.TrackInterfaces, vrrpTrackInterfaceKind)
	}),
	"track_script": blk(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpTrackBlock(n, v.Name, &v.TrackScripts, vrrpTrackScriptKind)
	}),
	"track_file": blk(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpTrackBlock(n, v.Name, &v.TrackFiles, vrrpTrackFileKind)
	}),
	"track_process": blk(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpTrackBlock(n, v.Name, &v.TrackProcesses, vrrpTrackProcessKind)
	}),
	"track_bfd": blk(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpTrackBlock(n, v.Name, &v.TrackBFDs, vrrpTrackBFDKind)
	}),
}

// vrrpInstanceTimingTable: gratuitous ARP and advertisement behaviour.
var vrrpInstanceTimingTable = table[VRRPInstance]{
	"garp_master_delay": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		if d, ok := p.vrrpSeconds(n, v, 4294, "(%[1]s): garp_master_delay '%[2]s' invalid - ignoring"); ok {
			v.GarpMasterDelay = d
		}
	}),
	"garp_master_refresh": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		d, ok := p.vrrpSeconds(n, v, 0xFFFFFFFF, "(%[1]s): Invalid garp_master_refresh '%[2]s' - ignoring")
		if ok || len(n.Words) > 1 {
			v.GarpMasterRefresh = d
		}
	}),
	"garp_master_repeat": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpRepeat(n, v, &v.GarpMasterRepeat)
	}),
	"garp_master_refresh_repeat": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpRepeat(n, v, &v.GarpMasterRefreshRepeat)
	}),
	"garp_lower_prio_delay": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		if d, ok := p.vrrpSeconds(n, v, 4294, "(%[1]s): garp_lower_prio_delay '%[2]s' invalid - ignoring"); ok {
			v.GarpLowerPrioDelay, v.set.garpLowerPrioDelay = d, true
		}
	}),
	"garp_lower_prio_repeat": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		if r, ok := p.vrrpUintKw(n, v, 0, 1<<31-1, "(%[1]s): Invalid garp_lower_prio_repeat '%[2]s'"); ok {
			v.GarpLowerPrioRepeat, v.set.garpLowerPrioRepeat = int(r), true
		}
	}),
	"down_timer_adverts": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		if r, ok := p.vrrpUintKw(n, v, 1, 100, "(%[1]s): Invalid down_timer_adverts [1:100] '%[2]s'"); ok {
			v.DownTimerAdverts = int(r)
		}
	}),
	"garp_extra_if":   kw(vrrpGarpExtraIf),
	"vmac_garp_intvl": kw(vrrpGarpExtraIf),
	"lower_prio_no_advert": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpBoolKw(n, v, &v.LowerPrioNoAdvert, &v.set.lowerPrioNoAdvert)
	}),
	"higher_prio_send_advert": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpBoolKw(n, v, &v.HigherPrioSendAdvert, &v.set.higherPrioSendAdvert)
	}),
	"owner_ignore_adverts": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpBoolKw(n, v, &v.OwnerIgnoreAdverts, &v.set.ownerIgnoreAdverts)
	}),
}

// vrrpUintKw reads the keyword's unsigned argument in [lo, hi]; a bad
// value is reported with keepalived's generic message and msg (which
// takes the instance name and the word).
func (p *parser) vrrpUintKw(n *syntax.Node, v *VRRPInstance, lo, hi uint64, msg string) (uint64, bool) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return 0, false
	}
	r, ok := p.uintWord(n, s, lo, hi)
	if !ok {
		p.errorf(n, KindValue, msg, v.Name, s)
	}
	return r, ok
}

// vrrpSeconds reads a whole number of seconds in [0, hi].
func (p *parser) vrrpSeconds(n *syntax.Node, v *VRRPInstance, hi uint64, msg string) (Duration, bool) {
	r, ok := p.vrrpUintKw(n, v, 0, hi, msg)
	return Duration(r) * Second, ok
}

// vrrpRepeat reads garp_master_repeat and garp_master_refresh_repeat,
// where 0 is accepted as 1 with an error.
func (p *parser) vrrpRepeat(n *syntax.Node, v *VRRPInstance, dst *int) {
	r, ok := p.vrrpUintKw(n, v, 0, 0xFFFFFFFF, "(%[1]s): "+n.Keyword()+" '%[2]s' invalid - ignoring")
	if !ok {
		return
	}
	if r == 0 {
		p.errorf(n, KindValue, "(%s): %s must be greater than 0, setting to 1", v.Name, n.Keyword())
		r = 1
	}
	*dst = int(r)
}

// vrrpGarpExtraIf reads garp_extra_if (and its old name vmac_garp_intvl).
//
// Syntax:
//
//	garp_extra_if [all] 0..86400
func vrrpGarpExtraIf(p *parser, n *syntax.Node, v *VRRPInstance) {
	kw := n.Keyword()
	if kw == "vmac_garp_intvl" {
		p.report(n.Pos, Warning, KindDeprecated, "Keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\"")
	}
	secs, have := uint64(0), false
	for _, w := range n.Words[1:] {
		if w == "all" {
			v.GarpExtraIfAll = true
			continue
		}
		d, ok := p.uintWord(n, w, 0, 86400)
		if !ok {
			p.errorf(n, KindValue, "(%s): %s '%s' invalid - ignoring", v.Name, kw, w)
			return
		}
		secs, have = d, true
	}
	if !have {
		p.errorf(n, KindMissing, "(%s): %s specified without time - ignoring", v.Name, kw)
		return
	}
	v.GarpExtraIf, v.set.garpExtraIf = Duration(secs)*Second, true
}

// vrrpInstanceNotifyTable: notify scripts, alerts and authentication.
var vrrpInstanceNotifyTable = table[VRRPInstance]{
	"notify_master":              kw(vrrpNotifyKw(func(v *VRRPInstance) **Script { return &v.NotifyMaster })),
	"notify_backup":              kw(vrrpNotifyKw(func(v *VRRPInstance) **Script { return &v.NotifyBackup })),
	"notify_fault":               kw(vrrpNotifyKw(func(v *VRRPInstance) **Script { return &v.NotifyFault })),
	"notify_stop":                kw(vrrpNotifyKw(func(v *VRRPInstance) **Script { return &v.NotifyStop })),
	"notify":                     kw(vrrpNotifyKw(func(v *VRRPInstance) **Script { return &v.Notify })),
	"notify_master_rx_lower_pri": kw(vrrpNotifyKw(func(v *VRRPInstance) **Script { return &v.NotifyMasterRxLowerPri })),
	"notify_deleted":             kw(vrrpNotifyDeleted),
	"smtp_alert": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		b, ok := vrrpBool(n)
		if !ok {
			p.errorf(n, KindValue, "Invalid vrrp_instance smtp_alert parameter %s", n.Words[1])
			return
		}
		v.SMTPAlert, v.set.smtpAlert = b, true
	}),
	"notify_priority_changes": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		b, ok := vrrpBool(n)
		if !ok {
			p.errorf(n, KindValue, "(%s) Invalid value '%s' for notify_priority_changes specified", v.Name, n.Words[1])
			return
		}
		v.NotifyPriorityChanges, v.set.notifyPrio = b, true
	}),
	"authentication": blk(vrrpAuthentication),
	"auth_hmac":      blk(vrrpAuthHMACBlock),
}

// vrrpNotifyKw returns the handler of a notify script keyword: the first
// one given is kept.
func vrrpNotifyKw(field func(v *VRRPInstance) **Script) func(p *parser, n *syntax.Node, v *VRRPInstance) {
	return func(p *parser, n *syntax.Node, v *VRRPInstance) {
		dst := field(v)
		if *dst != nil {
			p.errorf(n, KindDuplicate, "(%s) %s script already specified - ignoring %s", v.Name, n.Keyword(), vrrpWord(n, 1))
			return
		}
		if s, ok := p.vrrpScript(n); ok {
			*dst = s
		}
	}
}

// vrrpWord returns word i of n, or "" if there is none.
func vrrpWord(n *syntax.Node, i int) string {
	if i < len(n.Words) {
		return n.Words[i]
	}
	return ""
}

func vrrpNotifyDeleted(p *parser, n *syntax.Node, v *VRRPInstance) {
	if v.NotifyDeleted != nil {
		p.errorf(n, KindDuplicate, "(%s) notify_deleted already specified - ignoring %s", v.Name, vrrpWord(n, 1))
		return
	}
	if len(n.Words) < 2 {
		v.NotifyDeleted = &Script{Pos: n.Pos}
		return
	}
	if s, ok := p.vrrpScript(n); ok {
		v.NotifyDeleted = s
	}
}

// vrrpInstanceLinkTable: VMAC, ipvlan and link state.
var vrrpInstanceLinkTable = table[VRRPInstance]{
	"use_vmac":       kw(vrrpUseVMAC),
	"use_vmac_addr":  kw(func(p *parser, n *syntax.Node, v *VRRPInstance) { v.UseVMACAddr = true }),
	"vmac_xmit_base": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) { v.VMACXmitBase = true }),
	"use_ipvlan":     kw(vrrpUseIPVLAN),
	"linkbeat_use_polling": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		v.LinkbeatUsePolling = true
		p.report(n.Pos, Error, KindDeprecated, "(%s) 'linkbeat_use_polling' in vrrp instance deprecated - use linkbeat_interfaces block", v.Name)
	}),
}
