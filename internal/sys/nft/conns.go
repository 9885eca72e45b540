package nft

import (
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

var _ lvs.ConnLister = (*Dataplane)(nil)

// tcpStates names conntrack's TCP states (enum tcp_conntrack) as IPVS
// names its own.
var tcpStates = []string{"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"}

// Conns implements lvs.ConnLister: the conntrack entries of the NAT
// services' connections (original destination a service, reply from
// another address: the real server). DR connections leave no state on
// the director and are not listed.
func (d *Dataplane) Conns() ([]lvs.Conn, error) {
	d.mu.Lock()
	svcs, err := d.read()
	d.mu.Unlock()
	if err != nil {
		return nil, err
	}
	byAddr := map[netip.AddrPort]lvs.Protocol{}
	byMark := map[uint32]bool{}
	for _, s := range svcs {
		if s.dr {
			continue
		}
		k := s.state.Key
		if k.FWMark != 0 {
			byMark[k.FWMark] = true
		} else {
			byAddr[netip.AddrPortFrom(k.Addr, k.Port)] = k.Protocol
		}
	}
	if len(byAddr) == 0 && len(byMark) == 0 {
		return nil, nil
	}
	var h *netlink.Handle
	if d.conn.NetNS != 0 {
		h, err = netlink.NewHandleAt(netns.NsHandle(d.conn.NetNS), unix.NETLINK_NETFILTER)
	} else {
		h, err = netlink.NewHandle(unix.NETLINK_NETFILTER)
	}
	if err != nil {
		return nil, fmt.Errorf("conntrack: %w", err)
	}
	defer h.Close()
	var out []lvs.Conn
	for _, fam := range []netlink.InetFamily{unix.AF_INET, unix.AF_INET6} {
		flows, err := h.ConntrackTableList(netlink.ConntrackTable, fam)
		if err != nil {
			return nil, fmt.Errorf("conntrack: %w", err)
		}
		for _, f := range flows {
			virt := addrPort(f.Forward.DstIP, f.Forward.DstPort)
			dest := addrPort(f.Reverse.SrcIP, f.Reverse.SrcPort)
			proto, ok := byAddr[virt]
			if !ok {
				if p, any := byAddr[netip.AddrPortFrom(virt.Addr(), 0)]; any {
					proto, ok = p, true
				}
			}
			if (!ok || proto != lvs.Protocol(f.Forward.Protocol)) && !byMark[f.Mark] {
				continue
			}
			if dest == virt {
				continue // not translated
			}
			c := lvs.Conn{Protocol: lvs.Protocol(f.Forward.Protocol), Client: addrPort(f.Forward.SrcIP, f.Forward.SrcPort),
				Virtual: virt, Dest: dest, Expires: time.Duration(f.TimeOut) * time.Second, State: "UDP"}
			switch p := f.ProtoInfo.(type) {
			case *netlink.ProtoInfoTCP:
				c.State = "NONE"
				if int(p.State) < len(tcpStates) {
					c.State = tcpStates[p.State]
				}
			case *netlink.ProtoInfoSCTP:
				c.State = "SCTP"
			}
			out = append(out, c)
		}
	}
	return out, nil
}

func addrPort(ip net.IP, port uint16) netip.AddrPort {
	a, _ := netip.AddrFromSlice(ip)
	return netip.AddrPortFrom(a.Unmap(), port)
}
