package vrrp

import (
	"errors"
	"fmt"
	"slices"

	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// auth_type AH (VRRPv2 over IPv4), as keepalived 2.2.7 does it: adverts
// are whole IPv4 packets of protocol 51 built here (packet.BuildAH), with
// our own IP identification and the instance's AH sequence counter, and
// received ones pass keepalived's AH checks (packet.CheckAH) between the
// auth type and interval checks. The counter is shared by what is sent
// and what is received, and the state machine's outcome moves it as
// keepalived's vrrp_state_master_rx and vrrp_state_goto_master do.

// splitAH applies keepalived's first receive check to an IPv4 message
// (the AH header must be there exactly when auth_type is AH) and, for an
// AH packet, returns the AH header and what follows it, leaving the VRRP
// message in p.msg.
func splitAH(m *member, p *rxPacket) ([]byte, packet.DropReason, string) {
	if m.cfg.Family != 4 {
		return nil, packet.DropNone, ""
	}
	isAH := p.meta.Protocol == packet.ProtocolAH
	switch {
	case isAH && !m.ah:
		return nil, packet.DropAHMismatch, "Received AH header but auth type not AH"
	case !isAH && m.ah:
		return nil, packet.DropAHMismatch, "No AH header but auth type is AH"
	case !isAH:
		return nil, packet.DropNone, ""
	}
	rest := p.msg
	p.msg = p.msg[packet.AHLen:] // receive checked the length
	return rest, packet.DropNone, ""
}

// vrrpOffset is where the VRRP message starts in a received message: after
// the AH header of an AH packet.
func vrrpOffset(meta RecvMeta) int {
	if meta.Protocol == packet.ProtocolAH {
		return packet.AHLen
	}
	return 0
}

// checkAH verifies the AH header of a message from p (rest: the AH header
// and the VRRP message) and records its sequence number. A BACKUP that
// accepts a number clears a cycled counter, as keepalived does.
func checkAH(m *member, p rxPacket, rest []byte) (packet.DropReason, string) {
	ah, err := packet.CheckAH(p.meta.Header, rest, p.meta.Src, m.pass, m.cfg.Unicast, &m.ahSeq)
	if err != nil {
		var pe *packet.Error
		if !errors.As(err, &pe) {
			return packet.DropBadICV, err.Error()
		}
		if pe.Reason == packet.DropAHNotVRRP {
			return pe.Reason, "" // another protocol's AH: not ours to judge
		}
		return pe.Reason, pe.Detail
	}
	if m.in.State() == StateBackup && ah.Seq >= m.ahSeq.Seq {
		m.ahSeq.Cycled = false
	}
	return packet.DropNone, ""
}

// ahAfterAdvert moves the sequence counter of an AH master after the state
// machine handled an accepted advert with sequence number m.ahSeq.Seq
// (vrrp_state_master_rx): answering a lower priority master it continues
// above that number ("Syncing seq_num"), logged before the answer is sent;
// yielding to a higher one it clears a cycled counter.
func ahAfterAdvert(m *member, wasMaster bool, acts []Action) []Action {
	if !m.ah || !wasMaster {
		return acts
	}
	if m.in.State() != StateMaster {
		m.ahSeq.Cycled = false
		return acts
	}
	if !hasLowerPri(acts) {
		return acts
	}
	m.ahSeq.SyncAbove(m.ahSeq.Seq)
	sync := Log{Msg: fmt.Sprintf("(%s) IPSEC-AH : Syncing seq_num - Increment seq", m.cfg.Name)}
	for i, a := range acts {
		switch a.(type) {
		case SendAdvert, SendGratuitous, NotifyMasterRxLowerPri:
			return slices.Insert(acts, i, Action(sync))
		}
	}
	return append(acts, sync)
}

// hasLowerPri says whether acts answer a lower priority master.
func hasLowerPri(acts []Action) bool {
	for _, a := range acts {
		if _, ok := a.(NotifyMasterRxLowerPri); ok {
			return true
		}
	}
	return false
}

// ahBeforeActions restarts a cycled counter when the instance becomes
// master (vrrp_state_goto_master), before its first advert goes out.
func (r *Router) ahBeforeActions(m *member, acts []Action) {
	if !m.ah {
		return
	}
	for _, a := range acts {
		if n, ok := a.(Notify); ok && n.State == StateMaster {
			m.ahSeq.Restart()
		}
	}
}

// sendAH sends the VRRP message msg (auth type AH, auth data zero) to
// every destination as keepalived does (vrrp_update_pkt): one
// identification and one sequence number per advert, one ICV per
// destination.
func (r *Router) sendAH(m *member, msg []byte, prio, ttl int) {
	w, ok := m.sock.conn.(PacketWriter)
	if !ok {
		r.log.Error(fmt.Sprintf("(%s) cannot send AH adverts: the socket cannot send IPv4 headers", m.cfg.Name), "instance", m.cfg.Name)
		return
	}
	packet.SetChecksum(msg, packet.PseudoHeader{})
	seq := m.ahSeq.Next()
	if m.ipID++; m.ipID == 0 {
		m.ipID++ // 0 would let the kernel choose one, after the ICV
	}
	for _, dst := range m.dsts {
		h := packet.NewIPv4Header(m.src, dst, m.ipID, 0)
		h.TTL = uint8(ttl)
		pkt, err := packet.BuildAH(h, seq, msg, m.pass, m.cfg.Unicast)
		if err == nil {
			err = w.WritePacket(pkt)
		}
		if err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot send advert to %s: %v", m.cfg.Name, dst, err), "instance", m.cfg.Name)
			continue
		}
		m.stats.AdvertSent++
		if prio == 0 {
			m.stats.PriZeroSent++
		}
	}
}
