package packet

import "fmt"

// DropReason says why a received advertisement is ignored. The reasons
// mirror keepalived's receive checks (vrrp_check_packet, in that order)
// and its rate-limit flags (vrrp_rlflags_t in vrrp.h).
type DropReason uint8

// Drop reasons. Counted says which ones keepalived counts as errors
// (VRRP_PACKET_KO) rather than silently dropping (VRRP_PACKET_DROP).
const (
	// DropNone means the advertisement is accepted.
	DropNone DropReason = iota
	// DropAHMismatch: an AH header without auth_type AH, or none with it.
	DropAHMismatch
	// DropTooShort: fewer bytes than the header and count announce.
	DropTooShort
	// DropTooLong: more bytes than announced, beyond Ethernet padding.
	DropTooLong
	// DropBadTTL: a multicast advertisement whose TTL/hop limit is not 255.
	DropBadTTL
	// DropWrongVersion: the version is not the instance's.
	DropWrongVersion
	// DropBadAuthType: a v2 auth type other than 0, 1 or 2.
	DropBadAuthType
	// DropAuthTypeMismatch: a v2 auth type other than the instance's.
	DropAuthTypeMismatch
	// DropBadPassword: a v2 PASS password other than the instance's.
	DropBadPassword
	// DropIntervalMismatch: a v2 interval other than the instance's
	// (keepalived drops it without counting; v3 only logs).
	DropIntervalMismatch
	// DropBadType: a packet type other than advertisement.
	DropBadType
	// DropBadIPLength: the IPv4 total length is not the received length.
	DropBadIPLength
	// DropBadChecksum: the VRRP checksum does not verify.
	DropBadChecksum
	// DropUnicastMismatch: multicast received by a unicast instance or
	// unicast by a multicast one.
	DropUnicastMismatch
	// DropOwnerIgnores: an address owner with owner_ignore_adverts
	// ignores every advert (not counted).
	DropOwnerIgnores
	// DropNotPeer: a unicast advert from an address that is not a
	// unicast peer (check_unicast_src).
	DropNotPeer
	// DropAHNotVRRP: an AH header for another protocol than VRRP
	// (ignored without counting).
	DropAHNotVRRP
	// DropBadICV: an AH ICV that does not verify (another auth_pass,
	// or a changed packet).
	DropBadICV
	// DropBadSPI: an AH SPI other than the source address.
	DropBadSPI
	// DropAHReplay: an AH sequence number not above the last one.
	DropAHReplay
)

var dropNames = [...]string{
	DropNone:             "none",
	DropAHMismatch:       "AH header mismatch",
	DropTooShort:         "too short",
	DropTooLong:          "too long",
	DropBadTTL:           "invalid TTL",
	DropWrongVersion:     "wrong version",
	DropBadAuthType:      "invalid auth type",
	DropAuthTypeMismatch: "auth type mismatch",
	DropBadPassword:      "invalid password",
	DropIntervalMismatch: "advertisement interval mismatch",
	DropBadType:          "invalid packet type",
	DropBadIPLength:      "ip_tot_len mismatch",
	DropBadChecksum:      "invalid checksum",
	DropUnicastMismatch:  "unicast/multicast mismatch",
	DropOwnerIgnores:     "owner ignores adverts",
	DropNotPeer:          "source not a unicast peer",
	DropAHNotVRRP:        "AH for another protocol",
	DropBadICV:           "invalid AH ICV",
	DropBadSPI:           "invalid AH SPI",
	DropAHReplay:         "AH sequence number replayed",
}

// String returns a short description of the reason.
func (r DropReason) String() string {
	if int(r) < len(dropNames) {
		return dropNames[r]
	}
	return fmt.Sprintf("DropReason(%d)", uint8(r))
}

// Counted says whether keepalived counts the drop as a packet error
// (VRRP_PACKET_KO); a v2 interval mismatch, an owner ignoring adverts and
// AH for another protocol are dropped silently.
func (r DropReason) Counted() bool {
	return r != DropNone && r != DropIntervalMismatch && r != DropOwnerIgnores && r != DropAHNotVRRP
}

// Error is a decoding or validation failure of a received packet.
type Error struct {
	// Reason classifies the failure.
	Reason DropReason
	// Detail is keepalived's wording of the problem, without the
	// instance name and source address.
	Detail string
}

// Error returns the detail.
func (e *Error) Error() string { return e.Detail }

// dropf returns an *Error with a formatted detail.
func dropf(r DropReason, format string, args ...any) error {
	return &Error{Reason: r, Detail: fmt.Sprintf(format, args...)}
}
