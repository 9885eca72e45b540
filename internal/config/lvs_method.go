package config

import (
	"strconv"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// LVSMethod is an IPVS forwarding method: NAT, DR or TUN, with TUN's
// tunnel options.
type LVSMethod struct {
	// Method is NAT, DR or TUN.
	Method string `json:"method"`
	// TunnelType is ipip (the default), gue or gre.
	TunnelType string `json:"type,omitempty"`
	// TunnelPort is the UDP port of a gue tunnel.
	TunnelPort uint16 `json:"port,omitempty"`
	// TunnelCsum is nocsum (the default), csum or remcsum.
	TunnelCsum string `json:"csum,omitempty"`
}

// String renders the method as the value of lvs_method, with the tunnel
// options that differ from the defaults.
func (m LVSMethod) String() string {
	s := m.Method
	if m.Method != "TUN" {
		return s
	}
	if m.TunnelType != "" && m.TunnelType != "ipip" {
		s += " type " + m.TunnelType
	}
	if m.TunnelPort != 0 {
		s += " port " + strconv.Itoa(int(m.TunnelPort))
	}
	if m.TunnelCsum != "" && m.TunnelCsum != "nocsum" {
		s += " " + m.TunnelCsum
	}
	return s
}

// lvsMethod reads an lvs_method line into m (keepalived's
// svr_forwarding_handler()); who is "virtual", "real" or "sorry". As in
// keepalived, the method is set even when the tunnel options that follow
// are rejected; the options are then left unchanged.
//
// Syntax:
//
//	lvs_method NAT|DR|TUN [type ipip|gue|gre] [port N] [nocsum|csum|remcsum]
func (p *parser) lvsMethod(n *syntax.Node, m *LVSMethod, who string) {
	if !lvsNeed(p, n) {
		return
	}
	switch method := n.Words[1]; method {
	case "NAT", "DR", "TUN":
		m.Method = method
	default:
		p.errorf(n, KindValue, "PARSER : unknown [%s] routing method for %s server.", method, who)
		return
	}
	tun, ok := p.lvsTunnelOptions(n, who)
	switch {
	case m.Method != "TUN":
		*m = LVSMethod{Method: m.Method} // tunnel options only matter to TUN
	case ok:
		m.TunnelType, m.TunnelPort, m.TunnelCsum = tun.TunnelType, tun.TunnelPort, tun.TunnelCsum
	case m.TunnelType == "":
		m.TunnelType, m.TunnelCsum = "ipip", "nocsum"
	}
}

// lvsTunnelOptions reads the tunnel options after the method.
func (p *parser) lvsTunnelOptions(n *syntax.Node, who string) (LVSMethod, bool) {
	t := LVSMethod{TunnelType: "ipip", TunnelCsum: "nocsum"}
	w := n.Words
	for i := 2; i < len(w); i++ {
		switch w[i] {
		case "type":
			if i+1 == len(w) {
				p.errorf(n, KindMissing, "Missing tunnel type for %s server.", who)
				return t, false
			}
			i++
			switch w[i] {
			case "ipip", "gue", "gre":
				t.TunnelType = w[i]
			default:
				p.errorf(n, KindValue, "Unknown tunnel type %s for %s server.", w[i], who)
				return t, false
			}
		case "port":
			if i+1 == len(w) {
				p.errorf(n, KindMissing, "Missing port for %s server gue tunnel.", who)
				return t, false
			}
			i++
			v, err := strconv.ParseUint(w[i], 10, 16)
			if err != nil || v == 0 {
				p.errorf(n, KindValue, "Invalid gue tunnel port %s for %s server.", w[i], who)
				return t, false
			}
			t.TunnelPort = uint16(v)
		case "nocsum", "csum", "remcsum":
			t.TunnelCsum = w[i]
		default:
			p.errorf(n, KindValue, "Invalid tunnel option %s for %s server.", w[i], who)
			return t, false
		}
	}
	return t, p.lvsTunnelConsistent(n, t)
}

// lvsTunnelConsistent checks the tunnel options that cannot go together.
func (p *parser) lvsTunnelConsistent(n *syntax.Node, t LVSMethod) bool {
	switch {
	case (t.TunnelType == "gue") != (t.TunnelPort != 0):
		p.errorf(n, KindConflict, "gue tunnels require port, otherwise cannot have port.")
	case t.TunnelType == "ipip" && t.TunnelCsum != "nocsum":
		p.errorf(n, KindConflict, "ipip tunnels do not support checksum option.")
	case t.TunnelType == "gre" && t.TunnelCsum == "remcsum":
		p.errorf(n, KindConflict, "gre tunnels do not support remote checksum option.")
	default:
		return true
	}
	return false
}
