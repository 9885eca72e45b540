package vrrp

import "github.com/keepalived-go/keepalived/internal/vrrp/packet"

// Stats are an instance's counters, named as keepalived's (vrrp_stats in
// vrrp.h; the keepalived.stats and keepalived.json dumps).
type Stats struct {
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

// countDrop adds a dropped advert to the counter keepalived uses for
// its reason.
func (s *Stats) countDrop(r packet.DropReason) {
	switch r {
	case packet.DropTooShort, packet.DropTooLong, packet.DropBadIPLength:
		s.PacketLenErr++
	case packet.DropBadTTL:
		s.IPTTLErr++
	case packet.DropBadType:
		s.InvalidTypeRcvd++
	case packet.DropIntervalMismatch:
		s.AdvertIntervalErr++
	case packet.DropBadAuthType:
		s.InvalidAuthType++
	case packet.DropAuthTypeMismatch, packet.DropAHMismatch:
		s.AuthTypeMismatch++
	case packet.DropBadPassword, packet.DropBadICV, packet.DropBadSPI, packet.DropAHReplay:
		s.AuthFailure++
	}
}
