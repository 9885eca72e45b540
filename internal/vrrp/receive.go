package vrrp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// receive demultiplexes a received message to its instance by VRID and
// applies keepalived's receive checks (vrrp_check_packet) before the
// state machine sees it.
func (r *Router) receive(now time.Time, p rxPacket) {
	if p.err != nil {
		r.log.Error(fmt.Sprintf("VRRP socket on %s: %v", p.sock.spec.Interface, p.err))
		return
	}
	off := vrrpOffset(p.meta)
	if len(p.msg) < off+packet.HeaderLen {
		return
	}
	vrid := int(p.msg[off+1])
	m, ok := p.sock.members[vrid]
	if !ok {
		if r.global.LogUnknownVRIDs {
			r.log.Info(fmt.Sprintf("Unknown VRID(%d) received on interface(%s). ignoring...", vrid, p.sock.spec.Interface))
		}
		return
	}
	st := m.in.State()
	if st != StateBackup && st != StateMaster {
		return
	}
	adv, reason, msg := r.check(m, p)
	if reason != packet.DropNone {
		m.drops[reason]++
		m.stats.countDrop(reason)
		if msg != "" {
			m.in.logOnce("drop:"+reason.String(), "%s", msg)
			r.exec(now, m, m.in.flush())
		}
		return
	}
	m.stats.AdvertRcvd++
	if adv.Priority == 0 {
		m.stats.PriZeroRcvd++
	}
	wasMaster := st == StateMaster
	r.exec(now, m, ahAfterAdvert(m, wasMaster, m.in.AdvertReceived(now, adv)))
}

// check validates one message for instance m, in keepalived's order. It
// returns the advert for the state machine, or the reason to drop it and
// the line to log (keepalived's wording, without the instance prefix).
func (r *Router) check(m *member, p rxPacket) (Advert, packet.DropReason, string) {
	c := m.cfg
	src := p.meta.Src
	ahRest, reason, text := splitAH(m, &p)
	if reason != packet.DropNone {
		return Advert{}, reason, text
	}
	var a packet.Advertisement
	if err := a.Unmarshal(p.msg, family(c.Family)); err != nil {
		var pe *packet.Error
		if errors.As(err, &pe) {
			if pe.Reason == packet.DropWrongVersion {
				return Advert{}, pe.Reason, fmt.Sprintf("wrong VRRP version from %s. Received %d and expect %d", src, p.msg[0]>>4, c.Version)
			}
			if pe.Reason == packet.DropTooShort || pe.Reason == packet.DropTooLong {
				return Advert{}, pe.Reason, fmt.Sprintf("%s from %s", pe.Detail, src)
			}
			return Advert{}, pe.Reason, pe.Detail
		}
		return Advert{}, packet.DropTooShort, err.Error()
	}
	if !c.Unicast && p.meta.TTL != packet.TTL {
		return Advert{}, packet.DropBadTTL, fmt.Sprintf("invalid TTL/HL from %s. Received %d and expect %d", src, p.meta.TTL, packet.TTL)
	}
	if c.Unicast {
		if peer, ok := m.peer(src); ok && (peer.MinTTL > 0 && p.meta.TTL < peer.MinTTL || peer.MaxTTL > 0 && peer.MaxTTL < 255 && p.meta.TTL > peer.MaxTTL) {
			return Advert{}, packet.DropBadTTL, ""
		}
	}
	if int(a.Version) != c.Version {
		return Advert{}, packet.DropWrongVersion, fmt.Sprintf("wrong VRRP version from %s. Received %d and expect %d", src, a.Version, c.Version)
	}
	if a.Version == 2 {
		want := packet.AuthNone
		if c.Auth != nil && c.Auth.Type == "PASS" {
			want = packet.AuthPass
		} else if m.ah {
			want = packet.AuthAH
		}
		if a.AuthType != want {
			return Advert{}, packet.DropAuthTypeMismatch, fmt.Sprintf("received a %d auth from %s, expecting %d!", a.AuthType, src, want)
		}
		if want == packet.AuthPass && !a.PasswordMatches(m.pass) {
			return Advert{}, packet.DropBadPassword, fmt.Sprintf("received an invalid passwd from %s!", src)
		}
		if want == packet.AuthAH {
			if reason, text := checkAH(m, p, ahRest); reason != packet.DropNone {
				return Advert{}, reason, text
			}
		}
	}
	ipLen := 20 + len(p.msg)
	if ahRest != nil {
		ipLen = 20 + len(ahRest)
	}
	if p.meta.IPLen != 0 && p.meta.IPLen != ipLen && !packet.IsPadding(ipLen, p.meta.IPLen) {
		return Advert{}, packet.DropBadIPLength, fmt.Sprintf("ip_tot_len mismatch against received length. %d and %d", p.meta.IPLen, ipLen)
	}
	if !r.checksumOK(m, p) {
		return Advert{}, packet.DropBadChecksum, fmt.Sprintf("Invalid VRRPv%d checksum from %s", a.Version, src)
	}
	if c.Unicast == p.meta.Dst.IsMulticast() && p.meta.Dst.IsValid() {
		if c.Unicast {
			return Advert{}, packet.DropUnicastMismatch, fmt.Sprintf("Expected unicast packet but received multicast packet from %s", src)
		}
		return Advert{}, packet.DropUnicastMismatch, fmt.Sprintf("Expected multicast packet but received unicast packet from %s", src)
	}
	if c.OwnerIgnoreAdverts && m.in.p.Priority == PriorityOwner {
		return Advert{}, packet.DropOwnerIgnores, ""
	}
	if c.Unicast && (c.CheckUnicastSrc || r.global.CheckUnicastSrc) {
		if _, ok := m.peer(src); !ok {
			return Advert{}, packet.DropNotPeer, fmt.Sprintf("unicast source address %s not a unicast peer", src)
		}
	}
	if !c.SkipCheckAdvAddr || src != m.in.Master() {
		// Since keepalived 2.3.3 (RFC 9568) a different address list is
		// only reported; the advert is accepted.
		if len(a.Addrs) != len(m.vips) {
			m.stats.AddrListErr++
			m.in.logOnce("addrcount", "expected %d VIPs but received %d", len(m.vips), len(a.Addrs))
		} else {
			for _, ip := range m.vips {
				if !slices.Contains(a.Addrs, ip) {
					m.stats.AddrListErr++
					m.in.logOnce("addrmissing", "ip address associated with VRID %d not present in MASTER advert: %s", c.VRID, ip)
					break
				}
			}
		}
	}
	interval := time.Duration(a.Interval) * time.Second
	if a.Version == 3 {
		interval = time.Duration(a.Interval) * 10 * time.Millisecond
	}
	return Advert{Src: src, Version: int(a.Version), Priority: int(a.Priority), Interval: interval, Addrs: a.Addrs}, packet.DropNone, ""
}

// checksumOK verifies the checksum as keepalived does, switching a
// unicast VRRPv3/IPv4 instance to the old checksum when a peer uses it
// (unless old_unicast_checksum never).
func (r *Router) checksumOK(m *member, p rxPacket) bool {
	c := m.cfg
	if c.Version == 2 || c.V3ChecksumAsV2 && c.Family == 4 {
		return packet.VerifyChecksum(p.msg, packet.PseudoHeader{})
	}
	dst := p.meta.Dst
	if !dst.IsValid() {
		dst = m.src
	}
	if c.Unicast && c.Family == 4 && m.oldUnicastChecksum {
		return packet.VerifyOldUnicastChecksum(p.msg, p.meta.Src, r.global.VRRPMcastGroup4)
	}
	if packet.VerifyChecksum(p.msg, packet.PseudoHeader{Src: p.meta.Src, Dst: dst}) {
		return true
	}
	if c.Unicast && c.Family == 4 && c.OldUnicastChecksum != "never" &&
		packet.VerifyOldUnicastChecksum(p.msg, p.meta.Src, r.global.VRRPMcastGroup4) {
		m.oldUnicastChecksum = true
		r.log.Info(fmt.Sprintf("(%s) Setting unicast VRRPv3 checksum to old version", c.Name), "instance", c.Name)
		return true
	}
	return false
}

// peer finds the unicast peer with address a.
func (m *member) peer(a netip.Addr) (peerInfo, bool) {
	for _, p := range m.cfg.UnicastPeers {
		if p.Addr == a {
			return peerInfo{MinTTL: p.MinTTL, MaxTTL: p.MaxTTL}, true
		}
	}
	return peerInfo{}, false
}

type peerInfo struct{ MinTTL, MaxTTL int }
