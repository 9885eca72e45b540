package vrrp

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// member is one instance as the router runs it: the state machine plus
// what the wire needs (interface, addresses, socket, auth, GARP timers).
type member struct {
	cfg    *config.VRRPInstance
	in     *Instance
	ifname string
	// vmac is the use_vmac interface carrying the VIPs (and the adverts
	// unless vmac_xmit_base); empty without use_vmac.
	vmac string
	link Link
	// src is the source address of our adverts (and the address compared
	// on equal priority).
	src netip.Addr
	// dsts are the advert destinations: the group or the unicast peers.
	dsts []netip.Addr
	// vips are the addresses listed in our adverts: the VIPs of the
	// instance's family.
	vips []netip.Addr
	sock *sock
	// pass is the auth_pass: the PASS auth data, or the AH ICV key.
	pass [packet.AuthDataLen]byte
	// ah is set for auth_type AH: adverts go out as IPv4 protocol 51 with
	// an AH header, ahSeq numbers them and ipID identifies them (see
	// ah.go).
	ah    bool
	ahSeq packet.AHSequence
	ipID  uint16
	// oldUnicastChecksum makes VRRPv3/IPv4 unicast checksums use the
	// multicast group as pseudo-header destination (keepalived ≤ 1.3.6).
	oldUnicastChecksum bool
	group              *syncGroup
	// state is the state last notified, to see where a transition
	// comes from.
	state          State
	garp           garpSchedule
	drops          map[packet.DropReason]uint64
	stats          Stats
	lastTransition time.Time
	// transitions counts the state changes notified.
	transitions uint64
}

// newMember builds the state machine of one configured instance.
func newMember(c *config.VRRPInstance, g *config.Global) (*member, error) {
	if c.AuthHMAC != nil {
		return nil, fmt.Errorf("vrrp_instance %s: auth_hmac is not supported by keepalived-go; use authentication { auth_type PASS|AH } or none", c.Name)
	}
	p := ParamsFromConfig(c)
	m := &member{
		cfg:                c,
		ifname:             c.Interface,
		drops:              map[packet.DropReason]uint64{},
		oldUnicastChecksum: c.OldUnicastChecksum == "always" || c.OldUnicastChecksum == "true",
	}
	if c.Auth != nil && (c.Auth.Type == "PASS" || c.Auth.Type == "AH") {
		m.pass = packet.PassAuthData(c.Auth.Pass)
		m.ah = c.Auth.Type == "AH" && c.Family == 4
	}
	for _, a := range c.VIPs {
		if (a.Addr.Addr().Is4() && c.Family == 4) || (a.Addr.Addr().Is6() && c.Family == 6) {
			m.vips = append(m.vips, a.Addr.Addr())
		}
	}
	if c.Unicast {
		for _, peer := range c.UnicastPeers {
			m.dsts = append(m.dsts, peer.Addr)
		}
	} else {
		m.dsts = []netip.Addr{c.MulticastDstIP}
	}
	m.src = p.Primary
	in, err := NewInstance(p)
	if err != nil {
		return nil, err
	}
	m.in = in
	return m, nil
}

// setup resolves the instance's interface and source address and opens
// its socket. A failure faults the instance with keepalived's reason
// instead of stopping the router.
func (r *Router) setup(now time.Time, m *member) {
	if r.deps.Links != nil && m.ifname != "" {
		l, err := r.deps.Links.LinkByName(m.ifname)
		if err != nil {
			r.log.Error(fmt.Sprintf("(%s) interface %s: %v", m.cfg.Name, m.ifname, err), "instance", m.cfg.Name)
			m.in.Fault(now, "interface "+m.ifname+" down")
			return
		}
		m.link = l
		if !l.Up && !m.cfg.DontTrackPrimary {
			m.in.Fault(now, "interface "+m.ifname+" down")
		}
	}
	if !m.src.IsValid() {
		if m.cfg.Family == 6 {
			m.src = m.link.LinkLocal6
		} else {
			m.src = m.link.Addr4
		}
		if !m.src.IsValid() {
			reason := "no IPv4 address for interface"
			if m.cfg.Family == 6 {
				reason = "no IPv6 link local address for interface"
			}
			r.log.Info(fmt.Sprintf("(%s): entering FAULT state (%s)", m.cfg.Name, reason), "instance", m.cfg.Name)
			m.in.Fault(now, reason)
			return
		}
		m.in.p.Primary = m.src
	}
	spec := SocketSpec{Interface: m.ifname, IfIndex: m.link.Index, Family: m.cfg.Family, Unicast: m.cfg.Unicast, AH: m.ah}
	if m.cfg.UseVMAC != nil {
		if !r.setupVMAC(now, m) {
			return
		}
		if !m.cfg.VMACXmitBase {
			l, err := r.deps.Links.LinkByName(m.vmac)
			if err == nil {
				spec.Interface, spec.IfIndex = m.vmac, l.Index
			}
		}
	}
	if m.cfg.Unicast {
		spec.Src = m.src
	} else {
		spec.Group = m.cfg.MulticastDstIP
	}
	s, ok := r.socks[spec]
	if !ok {
		conn, err := r.deps.Listen(spec)
		if err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot open the VRRP socket on %s: %v", m.cfg.Name, m.ifname, err), "instance", m.cfg.Name)
			m.in.Fault(now, "cannot open socket")
			return
		}
		s = &sock{spec: spec, conn: conn, members: map[int]*member{}}
		r.socks[spec] = s
		go r.readLoop(s)
	}
	if other, dup := s.members[m.cfg.VRID]; dup {
		r.log.Error(fmt.Sprintf("(%s) VRID %d already used by %s on the same socket", m.cfg.Name, m.cfg.VRID, other.cfg.Name), "instance", m.cfg.Name)
		m.in.Fault(now, "duplicate VRID")
		return
	}
	s.members[m.cfg.VRID] = m
	m.sock = s
}

// setupVMAC creates the instance's VMAC (keepalived's default name is
// vrrp.VRID). A failure faults the instance.
func (r *Router) setupVMAC(now time.Time, m *member) bool {
	name := m.cfg.UseVMAC.Name
	if name == "" {
		name = fmt.Sprintf("vrrp.%d", m.cfg.VRID)
	}
	if r.deps.VMACs == nil || r.deps.Links == nil {
		r.log.Error(fmt.Sprintf("(%s) use_vmac is not available here", m.cfg.Name), "instance", m.cfg.Name)
		m.in.Fault(now, "cannot create VMAC")
		return false
	}
	if _, err := r.deps.VMACs.AddVMAC(m.ifname, name, m.cfg.VRID, m.cfg.Family); err != nil {
		r.log.Error(fmt.Sprintf("(%s): cannot create VMAC interface %s: %v", m.cfg.Name, name, err), "instance", m.cfg.Name)
		m.in.Fault(now, "cannot create VMAC")
		return false
	}
	m.vmac = name
	r.log.Info(fmt.Sprintf("(%s): Success creating VMAC interface %s", m.cfg.Name, name), "instance", m.cfg.Name)
	return true
}

// exec carries out a state machine's actions in order.
func (r *Router) exec(now time.Time, m *member, acts []Action) {
	r.ahBeforeActions(m, acts)
	for _, a := range acts {
		switch a := a.(type) {
		case SendAdvert:
			r.sendAdvert(m, a.Priority)
		case AddVIPs:
			r.addVIPs(m)
		case RemoveVIPs:
			r.removeVIPs(m)
		case SendGratuitous:
			r.startGratuitous(now, m, a.LowerPrio)
		case Notify:
			m.lastTransition = now
			m.transitions++
			if a.State != StateMaster {
				m.garp = garpSchedule{}
			}
			if r.deps.Notify != nil {
				r.deps.Notify(Transition{Instance: m.cfg, State: a.State, Priority: a.Priority})
			}
			prev := m.state
			m.state = a.State
			if a.State == StateMaster {
				m.stats.BecomeMaster++
			} else if prev == StateMaster {
				m.stats.ReleaseMaster++
			}
			defer r.synced(now, m, prev, a.State)
		case NotifyMasterRxLowerPri:
			if r.deps.Notify != nil {
				r.deps.Notify(Transition{Instance: m.cfg, State: StateMaster, Priority: m.in.Priority(), From: a.From})
			}
		case Log:
			if a.Detail && !r.deps.LogDetail {
				continue
			}
			r.log.Info(a.Msg, "instance", m.cfg.Name, "vrid", m.cfg.VRID)
		}
	}
}

// sendAdvert sends one advert to every destination.
func (r *Router) sendAdvert(m *member, prio int) {
	if m.sock == nil {
		return
	}
	adv := packet.Advertisement{
		Version:  uint8(m.cfg.Version),
		Type:     packet.TypeAdvertisement,
		VRID:     uint8(m.cfg.VRID),
		Priority: uint8(prio),
		Addrs:    m.vips,
	}
	if m.cfg.Version == 2 {
		adv.Interval = uint16(m.cfg.AdvertInt.Std() / time.Second)
		if m.cfg.Auth != nil && m.cfg.Auth.Type == "PASS" {
			adv.AuthType, adv.AuthData = packet.AuthPass, m.pass
		} else if m.ah {
			adv.AuthType = packet.AuthAH
		}
	} else {
		adv.Interval = uint16(m.cfg.AdvertInt.Std() / (10 * time.Millisecond))
	}
	msg, err := adv.MarshalBinary()
	if err != nil {
		r.log.Error(fmt.Sprintf("(%s) cannot build advert: %v", m.cfg.Name, err), "instance", m.cfg.Name)
		return
	}
	ttl := 255
	if m.cfg.Unicast && m.cfg.UnicastTTL > 0 {
		ttl = m.cfg.UnicastTTL
	}
	if m.ah {
		r.sendAH(m, msg, prio, ttl)
		return
	}
	for _, dst := range m.dsts {
		packet.SetChecksum(msg, r.pseudoHeader(m, dst))
		if err := m.sock.conn.WriteTo(msg, m.src, dst, ttl); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot send advert to %s: %v", m.cfg.Name, dst, err), "instance", m.cfg.Name)
			continue
		}
		m.stats.AdvertSent++
		if prio == 0 {
			m.stats.PriZeroSent++
		}
	}
}

// pseudoHeader is the checksum pseudo-header of our adverts to dst.
func (r *Router) pseudoHeader(m *member, dst netip.Addr) packet.PseudoHeader {
	if m.cfg.Version == 2 || m.cfg.V3ChecksumAsV2 && m.cfg.Family == 4 {
		return packet.PseudoHeader{}
	}
	if m.cfg.Unicast && m.cfg.Family == 4 && m.oldUnicastChecksum {
		return packet.PseudoHeader{Src: m.src, Dst: r.global.VRRPMcastGroup4}
	}
	return packet.PseudoHeader{Src: m.src, Dst: dst}
}

// vipDev is the interface a VIP goes on: the VMAC with use_vmac, else
// the instance's interface.
func vipDev(m *member) string {
	if m.vmac != "" {
		return m.vmac
	}
	return m.ifname
}

// noAccept says whether the instance's master must drop traffic to its
// VIPs: no_accept (the vrrp_strict default) and not the address owner.
func noAccept(m *member) bool { return !m.cfg.Accept && m.in.p.Priority != PriorityOwner }

// firewall blocks or unblocks the instance's VIPs for no_accept.
func (r *Router) firewall(m *member, block bool) {
	if !noAccept(m) || r.deps.Firewall == nil {
		return
	}
	if r.deps.LogDetail {
		r.log.Info(fmt.Sprintf("(%s) %s firewall drop rule", m.cfg.Name, map[bool]string{true: "setting", false: "removing"}[block]), "instance", m.cfg.Name)
	}
	for _, list := range [][]*config.IPAddress{m.cfg.VIPs, m.cfg.ExcludedVIPs} {
		for _, a := range list {
			r.firewallAddr(m, a, block)
		}
	}
}

// firewallAddr blocks or unblocks one address for no_accept.
func (r *Router) firewallAddr(m *member, a *config.IPAddress, block bool) {
	if !noAccept(m) || r.deps.Firewall == nil {
		return
	}
	var err error
	if block {
		err = r.deps.Firewall.Block(a.Addr.Addr())
	} else {
		err = r.deps.Firewall.Unblock(a.Addr.Addr())
	}
	if err != nil {
		r.log.Error(fmt.Sprintf("(%s) firewall for %s: %v", m.cfg.Name, a.Addr, err), "instance", m.cfg.Name)
	}
}

func (r *Router) addVIPs(m *member) {
	r.firewall(m, true)
	for _, a := range m.cfg.VIPs {
		if err := r.deps.Addrs.AddAddress(a, vipDev(m)); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot add %s: %v", m.cfg.Name, a.Addr, err), "instance", m.cfg.Name)
		}
	}
	for _, a := range m.cfg.ExcludedVIPs {
		if err := r.deps.Addrs.AddAddress(a, vipDev(m)); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot add %s: %v", m.cfg.Name, a.Addr, err), "instance", m.cfg.Name)
		}
	}
	for _, rt := range m.cfg.VirtualRoutes {
		if err := r.deps.Addrs.AddRoute(rt, vipDev(m)); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot add route %s: %v", m.cfg.Name, rt, err), "instance", m.cfg.Name)
		}
	}
	for _, ru := range m.cfg.VirtualRules {
		if err := r.deps.Addrs.AddRule(ru); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot add rule %s: %v", m.cfg.Name, ru, err), "instance", m.cfg.Name)
		}
	}
}

func (r *Router) removeVIPs(m *member) {
	defer r.firewall(m, false)
	for i := len(m.cfg.VirtualRules) - 1; i >= 0; i-- {
		if err := r.deps.Addrs.DelRule(m.cfg.VirtualRules[i]); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot remove rule %s: %v", m.cfg.Name, m.cfg.VirtualRules[i], err), "instance", m.cfg.Name)
		}
	}
	for i := len(m.cfg.VirtualRoutes) - 1; i >= 0; i-- {
		if err := r.deps.Addrs.DelRoute(m.cfg.VirtualRoutes[i], vipDev(m)); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot remove route %s: %v", m.cfg.Name, m.cfg.VirtualRoutes[i], err), "instance", m.cfg.Name)
		}
	}
	for _, list := range [][]*config.IPAddress{m.cfg.ExcludedVIPs, m.cfg.VIPs} {
		for _, a := range list {
			if err := r.deps.Addrs.DelAddress(a, vipDev(m)); err != nil {
				r.log.Error(fmt.Sprintf("(%s) cannot remove %s: %v", m.cfg.Name, a.Addr, err), "instance", m.cfg.Name)
			}
		}
	}
}
