package config

import "fmt"

// The second half of vrrp_complete_instance() and the checks made across
// instances and groups.

// vrrpStrictInt resolves a setting strict mode forces to 0.
func (p *parser) vrrpStrictInt(v *VRRPInstance, dst *int, set bool, global int, msg string) {
	switch {
	case !set && v.Strict:
		*dst = 0
	case !set:
		*dst = global
	case v.Strict && *dst != 0:
		p.vrrpNote(v.Pos, Error, KindConflict, msg, v.Name)
		*dst = 0
	}
}

// vrrpStrictBool resolves a setting strict mode forces to strictVal.
func (p *parser) vrrpStrictBool(v *VRRPInstance, dst *bool, set, global, strictVal bool, msg string) {
	switch {
	case !set && v.Strict:
		*dst = strictVal
	case !set:
		*dst = global
	case v.Strict && *dst != strictVal:
		p.vrrpNote(v.Pos, Error, KindConflict, msg, v.Name)
		*dst = strictVal
	}
}

// vrrpCompleteOwnerIgnore resolves owner_ignore_adverts (keepalived 2.4),
// which only applies to the address owner.
func (p *parser) vrrpCompleteOwnerIgnore(v *VRRPInstance) {
	switch {
	case v.set.ownerIgnoreAdverts && v.OwnerIgnoreAdverts && v.Priority != 255:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) ignoring owner_ignore_adverts since priority is not %d", v.Name, 255)
		v.OwnerIgnoreAdverts = false
	case !v.set.ownerIgnoreAdverts:
		v.OwnerIgnoreAdverts = v.Priority == 255 && (v.Strict || p.cfg.Global.OwnerIgnoreAdverts)
	case v.Priority == 255 && v.Strict && !v.OwnerIgnoreAdverts:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) strict_mode with priority %d requires owner_ignore_adverts", v.Name, 255)
		v.OwnerIgnoreAdverts = true
	}
}

func vrrpSeconds(d Duration) float64 { return float64(d) / float64(Second) }

// vrrpCompleteAdvertInt rounds advert_int to what the version can carry:
// whole seconds in VRRPv2 (RFC 3768 §5.3.7), centiseconds below 40.96 s in
// VRRPv3 (RFC 5798 §5.2.7), halves rounding up.
func (p *parser) vrrpCompleteAdvertInt(v *VRRPInstance) {
	if v.AdvertInt == 0 {
		v.AdvertInt = Second
	}
	unit, limit, name := Second, 256*Second, "VRRPv2"
	if v.Version == 3 {
		unit, limit, name = 10*Millisecond, 4096*10*Millisecond, "VRRPv3"
	}
	switch {
	case v.AdvertInt >= limit && v.Version == 2:
		p.vrrpNote(v.Pos, Error, KindValue, "(%s) VRRPv2 advertisement interval %.2fs is out of range. Must be less than %ds. Setting to %ds", v.Name, vrrpSeconds(v.AdvertInt), 256, 255)
		v.AdvertInt = limit - unit
	case v.AdvertInt >= limit:
		p.vrrpNote(v.Pos, Error, KindValue, "(%s) VRRPv3 advertisement interval %.2fs is out of range. Must be less than %.2fs. Setting to %.2fs", v.Name, vrrpSeconds(v.AdvertInt), 40.96, 40.95)
		v.AdvertInt = limit - unit
	case v.AdvertInt%unit != 0:
		what := "must be an integer. rounding"
		if v.Version == 3 {
			what = "must be in units of 10ms - rounding"
		}
		p.vrrpNote(v.Pos, Error, KindValue, "(%s) %s advertisement interval %fs %s", v.Name, name, vrrpSeconds(v.AdvertInt), what)
		v.AdvertInt = max((v.AdvertInt+unit/2)/unit*unit, unit)
	}
}

// vrrpCompleteLinks checks the VMAC, ipvlan and tracked interface
// settings.
func (p *parser) vrrpCompleteLinks(v *VRRPInstance) {
	g := &p.cfg.Global
	if !v.set.srcFromConfig {
		v.TrackSrcIP = false
	}
	if !v.set.garpExtraIf {
		v.GarpExtraIf, v.GarpExtraIfAll = g.GarpExtraIf, v.GarpExtraIfAll || g.GarpExtraIfAll
	}
	if v.UseVMAC != nil && v.Strict && v.VMACXmitBase {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) xmit_base is incompatible with strict mode - resetting", v.Name)
		v.VMACXmitBase = false
	}
	if (v.UseVMAC != nil || v.UseIPVLAN != nil) && v.PromoteSecondaries {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) promote_secondaries is automatically set for vmacs - ignoring", v.Name)
		v.PromoteSecondaries = false
	}
	if l := v.UseIPVLAN; l != nil {
		switch {
		case v.Family == 4 && !l.Addr.IsValid():
			p.vrrpNote(v.Pos, Error, KindMissing, "(%s) IPv4 ipvlan requires a source ip address to be configured. setting instance to fault state", v.Name)
		case l.Addr.IsValid() && vrrpFamilyOf(l.Addr.Addr()) != v.Family:
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) IPv4 ipvlan address family does not match instance. setting instance to fault state", v.Name)
		}
	}
	if v.Interface != "" {
		v.TrackInterfaces = vrrpFilterTracks(v.TrackInterfaces, func(t *TrackRef) bool {
			if t.Name != v.Interface {
				return true
			}
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) Ignoring track_interface %s since own interface", v.Name, t.Name)
			return false
		})
	}
	if m := v.UseVMAC; m != nil && m.MACUsesVRID {
		m.MAC = m.MAC[:len(m.MAC)-2] + fmt.Sprintf("%02x", v.VRID)
		m.MACUsesVRID = false
	}
	if v.VMACXmitBase && v.UseVMAC == nil {
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) vmac_xmit_base is only valid with a vmac", v.Name)
		v.VMACXmitBase = false
	}
}

// vrrpFilterTracks keeps the entries for which keep returns true.
func vrrpFilterTracks(list []TrackRef, keep func(t *TrackRef) bool) []TrackRef {
	out := list[:0]
	for i := range list {
		if keep(&list[i]) {
			out = append(out, list[i])
		}
	}
	return out
}

// vrrpCompleteVIPInterfaces checks use_vmac on addresses, drops addresses
// with no interface at all, and turns garp_extra_if off when no address is
// on another interface.
func (p *parser) vrrpCompleteVIPInterfaces(v *VRRPInstance) {
	extraIf, extraVMAC := false, false
	for i, list := range []*[]*IPAddress{&v.VIPs, &v.ExcludedVIPs} {
		e := []string{"", "e"}[i]
		var kept []*IPAddress
		for _, a := range *list {
			p.vrrpAddrUseVMAC(v, a)
			if a.Dev == "" && v.Interface == "" {
				p.vrrpNote(v.Pos, Error, KindMissing, "(%s): no interface for %svip %s - removing", v.Name, e, vrrpAddrString(a.Addr))
				continue
			}
			x, xv := vrrpAddrExtra(v, a)
			extraIf, extraVMAC = extraIf || x, extraVMAC || xv
			kept = append(kept, a)
		}
		*list = kept
	}
	if v.GarpExtraIf != 0 && ((!extraIf && !extraVMAC) || (!extraVMAC && !v.GarpExtraIfAll)) {
		v.GarpExtraIf = 0
	}
}

// vrrpAddrUseVMAC checks use_vmac on an address: it is for addresses the
// instance's own VMAC does not carry.
func (p *parser) vrrpAddrUseVMAC(v *VRRPInstance, a *IPAddress) {
	if !a.UseVMAC {
		return
	}
	own := a.Dev == "" || a.Dev == v.Interface
	sameFamily := vrrpFamilyOf(a.Addr.Addr()) == v.Family
	switch {
	case own && v.UseVMAC != nil && sameFamily:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) use_vmac specified for VIP/eVIP %s and vrrp instance", v.Name, vrrpAddrString(a.Addr))
		a.UseVMAC = false
	case (!own || !sameFamily) && v.UseVMACAddr:
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) use_vmac_addr specified and use_vmac specified for VIP/eVIP %s", v.Name, vrrpAddrString(a.Addr))
		a.UseVMAC = false
	}
}

// vrrpAddrExtra says whether an address is on an interface other than
// the instance's: a plain one, or a VMAC of another interface.
func vrrpAddrExtra(v *VRRPInstance, a *IPAddress) (extraIf, extraVMAC bool) {
	own := a.Dev == "" || a.Dev == v.Interface
	sameFamily := vrrpFamilyOf(a.Addr.Addr()) == v.Family
	switch {
	case own && sameFamily && v.UseVMAC != nil:
		return false, false
	case a.UseVMAC || (v.UseVMACAddr && (!own || !sameFamily)):
		return false, true
	case v.UseVMAC != nil:
		return true, false
	}
	return !own, false
}

// vrrpCompleteTrackWeights drops the weights of trackers of sync group
// members (unless sync_group_tracking_weight) and of address owners, whose
// priority cannot change.
func (p *parser) vrrpCompleteTrackWeights(v *VRRPInstance) {
	sg := p.cfg.vrrpFindSyncGroup(v.SyncGroup)
	sync := sg != nil && !sg.TrackingWeight
	if !sync && v.Priority != 255 {
		return
	}
	why, why2, weightWord := "address owner", "address_owner", ""
	if sync {
		why, why2, weightWord = "SYNC group", "SYNC group", "weight "
	}
	v.TrackInterfaces = vrrpFilterTracks(v.TrackInterfaces, func(t *TrackRef) bool {
		if t.Weight == 0 {
			return true
		}
		p.vrrpNote(v.Pos, Error, KindConflict, "(%s) ignoring %s tracked interface %sdue to %s", v.Name, t.Name, weightWord, why)
		t.Weight = 0
		return sync
	})
	v.TrackScripts = vrrpFilterTracks(v.TrackScripts, func(t *TrackRef) bool {
		if t.Weight != 0 {
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) ignoring tracked script %s with weights due to %s", v.Name, t.Name, why2)
		}
		return t.Weight == 0
	})
	v.TrackFiles = vrrpFilterTracks(v.TrackFiles, func(t *TrackRef) bool {
		switch t.Weight {
		case 0:
		case 1:
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) ignoring weight from tracked file %s due to %s. specify weight 0", v.Name, t.Name, why2)
			t.Weight = 0
		default:
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) ignoring tracked file %s with weight %d due to %s", v.Name, t.Name, t.Weight, why2)
			return false
		}
		return true
	})
	v.TrackBFDs = vrrpFilterTracks(v.TrackBFDs, func(t *TrackRef) bool {
		if t.Weight != 0 {
			p.vrrpNote(v.Pos, Error, KindConflict, "(%s) ignoring tracked bfd %s with weight %d due to %s", v.Name, t.Name, t.Weight, why2)
		}
		return t.Weight == 0
	})
}

// vrrpVRIDConflicts is keepalived's check_vrid_conflicts(): two instances
// of the same family may not share a VRID on the same interface and
// multicast group, nor, for unicast, the same source address and a peer.
func (p *parser) vrrpVRIDConflicts() bool {
	list := p.cfg.Instances
	bad := false
	for i, a := range list {
		for _, b := range list[i+1:] {
			if a.Family != b.Family || a.VRID != b.VRID || a.Unicast != b.Unicast {
				continue
			}
			if a.Unicast {
				if vrrpUnicastClash(a, b) {
					p.vrrpNote(a.Pos, Error, KindDuplicate, "(%s) duplicate VRID conflict with %s VRID %d", a.Name, b.Name, a.VRID)
					bad = true
				}
				continue
			}
			if a.Interface != b.Interface || a.MulticastDstIP != b.MulticastDstIP || !p.vrrpIfExists(a.Interface) {
				continue
			}
			p.vrrpNote(a.Pos, Error, KindDuplicate, "%s and %s both use VRID %d with IPv%d on interface %s", a.Name, b.Name, a.VRID, a.Family, a.Interface)
			bad = true
		}
	}
	return bad
}

// vrrpUnicastClash reports whether two unicast instances with the same
// VRID use the same local address and share a peer. An address taken from
// the interface is only known to match the same interface's.
func vrrpUnicastClash(a, b *VRRPInstance) bool {
	if a.Interface != "" && b.Interface != "" && a.Interface != b.Interface {
		return false
	}
	switch {
	case a.set.srcFromConfig && b.set.srcFromConfig:
		if a.SourceIP() != b.SourceIP() {
			return false
		}
	case a.set.srcFromConfig || b.set.srcFromConfig || a.Interface == "":
		return false
	}
	for _, x := range a.UnicastPeers {
		for _, y := range b.UnicastPeers {
			if x.Addr == y.Addr {
				return true
			}
		}
	}
	return false
}
