package lvs

import (
	"fmt"
	"io"
	"net/netip"
	"slices"
	"strings"
	"time"
)

// Conn is one connection a dataplane tracks: client → virtual address,
// forwarded to the real server Dest.
type Conn struct {
	Protocol Protocol
	Client   netip.AddrPort
	Virtual  netip.AddrPort
	Dest     netip.AddrPort
	// State is the protocol state as IPVS names it (ESTABLISHED,
	// TIME_WAIT, SYN_RECV, ..., UDP for UDP).
	State string
	// Expires is the time left before the entry expires.
	Expires time.Duration
}

// ConnLister is a dataplane that can list its connections (keepalivedctl
// lvs conns).
type ConnLister interface {
	Conns() ([]Conn, error)
}

// RenderConns writes connections as ipvsadm -Lnc prints them, sorted by
// virtual address, client, then real server.
func RenderConns(w io.Writer, conns []Conn) error {
	var b strings.Builder
	b.WriteString("IPVS connection entries\n")
	b.WriteString("pro expire state       source             virtual            destination\n")
	conns = slices.Clone(conns)
	slices.SortFunc(conns, func(a, b Conn) int {
		if c := a.Virtual.Compare(b.Virtual); c != 0 {
			return c
		}
		if c := a.Client.Compare(b.Client); c != 0 {
			return c
		}
		return a.Dest.Compare(b.Dest)
	})
	for _, c := range conns {
		s := int64(c.Expires / time.Second)
		fmt.Fprintf(&b, "%-3s %02d:%02d  %-11s %-18s %-18s %s\n", c.Protocol, s/60, s%60, c.State, c.Client, c.Virtual, c.Dest)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
