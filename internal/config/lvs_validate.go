package config

import (
	"strconv"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// validateLVS applies keepalived's checks and corrections of the virtual
// servers once the whole file is read (link_vsg_to_vs() and
// validate_check_config()), then resolves every checker's settings.
// keepalived reports these problems without a line: so do we, except
// where a line is known to help.
func (p *parser) validateLVS() {
	p.lvsLinkGroups()
	kept := p.cfg.VirtualServers[:0]
	for _, vs := range p.cfg.VirtualServers {
		if p.lvsValidateVS(vs) {
			kept = append(kept, vs)
		}
	}
	p.cfg.VirtualServers = kept
	for _, vs := range p.cfg.VirtualServers {
		for _, rs := range vs.RealServers {
			p.lvsResolveCheckers(vs, rs)
		}
	}
	p.lvsCheckDataplane()
	if lookup := p.lvsTrackFileLookup(); lookup != nil {
		p.lvsCheckFileTracks(lookup)
	}
	if lookup := p.lvsBFDLookup(); lookup != nil {
		p.lvsCheckBFDs(lookup)
	}
}

// lvsFmtVS names a virtual server as keepalived's messages do.
func lvsFmtVS(vs *VirtualServer) string {
	switch {
	case vs.Service.Group != "":
		return "[" + vs.Service.Group + "]:" + itoa(vs.groupIndex)
	case vs.Service.IsFwmark && vs.Service.Fwmark != 0:
		return "FWM " + itoa(int(vs.Service.Fwmark))
	}
	return lvsTrio(vs.Service.Addr, vs.Protocol, vs.Service.Port)
}

// lvsFmtRS names a real server as keepalived's messages do.
func lvsFmtRS(vs *VirtualServer, a ServerAddr) string {
	return lvsTrio(a.Addr, vs.Protocol, a.Port)
}

// lvsLinkGroups finds the group of each "virtual_server group NAME" and
// checks the address families agree; keepalived only logs the virtual
// servers it drops here.
func (p *parser) lvsLinkGroups() {
	kept := p.cfg.VirtualServers[:0]
	for _, vs := range p.cfg.VirtualServers {
		if vs.Service.Group == "" || p.lvsLinkGroup(vs) {
			kept = append(kept, vs)
		}
	}
	p.cfg.VirtualServers = kept
	members := map[string]int{}
	for _, vs := range p.cfg.VirtualServers {
		if name := vs.Service.Group; name != "" {
			vs.groupIndex = members[name]
			members[name]++
		}
	}
}

func (p *parser) lvsLinkGroup(vs *VirtualServer) bool {
	name := vs.Service.Group
	for _, g := range p.cfg.VirtualServerGroups {
		if g.Name == name {
			vs.group = g
			break
		}
	}
	g := vs.group
	if g == nil {
		p.report(vs.Pos, Info, KindReference, "Virtual server group %s specified but not configured - ignoring virtual server %s", name, lvsFmtVS(vs))
		return false
	}
	v4, v6, noFamily := g.families()
	switch fam := g.family(); {
	case v4 && v6 && vs.IPFamily != "":
		p.report(vs.Pos, Info, KindConflict, "%s: virtual server group with IPv4 & IPv6 doesn't match virtual server %s - ignoring", name, lvsFmtVS(vs))
		return false
	case v4 && vs.IPFamily == "inet6", v6 && vs.IPFamily == "inet":
		p.report(vs.Pos, Info, KindConflict, "%s: address family doesn't match virtual server %s - ignoring", name, lvsFmtVS(vs))
		return false
	case fam != "":
		vs.IPFamily = fam
	case vs.IPFamily == "" && noFamily:
		p.report(vs.Pos, Info, KindMissing, "%s: Virtual server %s address family cannot be determined, defaulting to IPv4", name, lvsFmtVS(vs))
		vs.IPFamily = "inet"
	}
	return true
}

// lvsValidateVS checks one virtual server; it returns false to drop it.
func (p *parser) lvsValidateVS(vs *VirtualServer) bool {
	none := vs.Pos // keepalived prints these without a line; we name the virtual_server line
	if len(vs.RealServers) == 0 {
		p.report(none, Error, KindMissing, "Virtual server %s has no real servers - ignoring", lvsFmtVS(vs))
		return false
	}
	// keepalived tests the fwmark's value: fwmark 0 counts as an address.
	fwmark := vs.group == nil && vs.Service.Fwmark != 0
	groupFwmarks := vs.group != nil && vs.group.hasFwmarks()
	groupAddrs := vs.group != nil && vs.group.hasAddrs()
	if vs.HASuspend && (fwmark || groupFwmarks) {
		p.report(none, Error, KindConflict, "Virtual server %s: cannot use ha_suspend with fwmarks - clearing ha_suspend", lvsFmtVS(vs))
		vs.HASuspend = false
	}
	if groupAddrs || (vs.group == nil && !fwmark) {
		p.lvsValidateAddrService(vs)
	}
	if vs.PersistenceTimeout == 0 && vs.group != nil {
		for _, e := range vs.group.Entries {
			if !e.IsFwmark && e.Port == 0 {
				p.report(none, Error, KindConflict, "Virtual server %s: zero port only valid for persistent services - setting", lvsFmtVS(vs))
				vs.PersistenceTimeout = lvsPersistentTimeout
				break
			}
		}
	}
	if vs.Protocol != "" && ((groupFwmarks && !groupAddrs) || fwmark) {
		p.report(none, Warning, KindConflict, "Warning: Virtual server %s: protocol specified for fwmark - protocol will be ignored", lvsFmtVS(vs))
		vs.Protocol = ""
	}
	if vs.Sched == "" {
		p.report(none, Error, KindMissing, "Virtual server %s: no scheduler set, setting default 'wlc'", lvsFmtVS(vs))
		vs.Sched = "wlc"
	}
	vs.SMTPAlert = p.lvsSMTPAlert(vs.smtpAlert, false)
	p.lvsValidateRealServers(vs)
	p.lvsValidateQuorum(vs)
	if vs.group != nil {
		p.lvsCheckGroupPorts(vs)
	} else {
		p.lvsFixPorts(vs, fwmark)
	}
	// keepalived looks for duplicates before it fills in the ports.
	for i, rs := range vs.RealServers {
		if lvsHasServer(vs.RealServers[:i], rs.Addr) {
			p.report(rs.Pos, Info, KindDuplicate, "VS %s: real server %s duplicates another once its port is set - keepalived keeps both", lvsFmtVS(vs), lvsFmtRS(vs, rs.Addr))
		}
	}
	return true
}

// lvsValidateAddrService checks a service given by address: protocol,
// one-packet scheduling, and port 0 without persistence.
func (p *parser) lvsValidateAddrService(vs *VirtualServer) {
	none := vs.Pos // keepalived prints these without a line; we name the virtual_server line
	if vs.Protocol == "" {
		p.report(none, Error, KindMissing, "Virtual server %s: no protocol set - defaulting to UDP", lvsFmtVS(vs))
		vs.Protocol = "UDP"
	}
	if vs.OPS && vs.Protocol != "UDP" {
		p.report(none, Error, KindConflict, "Virtual server %s: one packet scheduling requires UDP - resetting", lvsFmtVS(vs))
		vs.OPS = false
	}
	if vs.PersistenceTimeout == 0 && vs.group == nil && vs.Service.Port == 0 {
		p.report(none, Error, KindConflict, "Virtual server %s: zero port only valid for persistent services - setting", lvsFmtVS(vs))
		vs.PersistenceTimeout = lvsPersistentTimeout
	}
}

// lvsSMTPAlert resolves an smtp_alert: the object's, else global_defs'
// smtp_alert_checker, else smtp_alert, else def.
func (p *parser) lvsSMTPAlert(v *bool, def bool) bool {
	for _, b := range []*bool{v, p.cfg.Global.SMTPAlertChecker, p.cfg.Global.SMTPAlert} {
		if b != nil {
			return *b
		}
	}
	return def
}

// lvsDefaultMethod gives the virtual server its default method, NAT,
// when a server needs it and none is set.
func (p *parser) lvsDefaultMethod(vs *VirtualServer) LVSMethod {
	if vs.Method.Method == "" {
		p.report(vs.Pos, Error, KindMissing, "Virtual server %s: no forwarding method set, setting default NAT", lvsFmtVS(vs))
		vs.Method = LVSMethod{Method: "NAT"}
	}
	return vs.Method
}

// lvsValidateRealServers removes duplicated real servers and resolves
// what each inherits from the virtual server.
func (p *parser) lvsValidateRealServers(vs *VirtualServer) {
	kept := vs.RealServers[:0]
	for _, rs := range vs.RealServers {
		if lvsHasServer(kept, rs.Addr) {
			p.report(rs.Pos, Error, KindDuplicate, "VS %s: real server %s is duplicated - removing second rs", lvsFmtVS(vs), lvsFmtRS(vs, rs.Addr))
			continue
		}
		p.lvsInherit(vs, rs)
		kept = append(kept, rs)
		if ss := vs.SorryServer; ss != nil && *ss == rs.Addr {
			if vs.SorryServerInhibit != rs.InhibitOnFailure {
				verb := "clear"
				if rs.InhibitOnFailure {
					verb = "sett"
				}
				p.report(rs.Pos, Error, KindConflict, "Virtual server %s: real server %s matches sorry server, but inhibit setting differs, %sing on sorry server", lvsFmtVS(vs), lvsFmtRS(vs, rs.Addr), verb)
				vs.SorryServerInhibit = rs.InhibitOnFailure
			}
		}
	}
	vs.RealServers = kept
	if vs.SorryServer != nil && vs.SorryServerLVSMethod.Method == "" {
		*vs.SorryServerLVSMethod = p.lvsDefaultMethod(vs)
	}
}

func lvsHasServer(list []*RealServer, a ServerAddr) bool {
	for _, rs := range list {
		if rs.Addr == a {
			return true
		}
	}
	return false
}

// lvsInherit resolves a real server's settings from its virtual server.
func (p *parser) lvsInherit(vs *VirtualServer, rs *RealServer) {
	if rs.Method.Method == "" {
		rs.Method = p.lvsDefaultMethod(vs)
	}
	rs.Alpha = lvsOr(rs.alpha, vs.Alpha)
	rs.InhibitOnFailure = lvsOr(rs.inhibit, vs.InhibitOnFailure)
	rs.ConnectTimeout = lvsOr(rs.connectTimeout, vs.ConnectTimeout)
	rs.DelayLoop = lvsOr(rs.delayLoop, vs.DelayLoop)
	if rs.Retry == nil {
		rs.Retry = vs.Retry
	}
	if rs.Warmup == nil {
		rs.Warmup = vs.Warmup
	}
	if rs.DelayBeforeRetry == nil {
		rs.DelayBeforeRetry = vs.DelayBeforeRetry
	}
	if !rs.weightSet {
		rs.Weight = vs.Weight
	}
	// keepalived's real servers alert by default, unlike everything else.
	rs.SMTPAlert = p.lvsSMTPAlert(rs.smtpAlert, true)
}

// lvsOr returns *v, or def when v is nil.
func lvsOr[T any](v *T, def T) T {
	if v != nil {
		return *v
	}
	return def
}

// lvsValidateQuorum keeps the quorum reachable and the hysteresis below
// it.
func (p *parser) lvsValidateQuorum(vs *VirtualServer) {
	var sum uint64
	for _, rs := range vs.RealServers {
		sum = lvsWeightSum(sum, rs.Weight)
	}
	if uint64(vs.Quorum) > sum {
		p.report(vs.Pos, Warning, KindConflict, "Warning - quorum %d for %s exceeds total weight of real servers %d, reducing quorum to %d", vs.Quorum, lvsFmtVS(vs), sum, sum)
		vs.Quorum = uint32(sum)
	}
	if vs.Hysteresis >= vs.Quorum {
		// With a quorum of 0 keepalived's unsigned arithmetic wraps.
		p.report(vs.Pos, Error, KindConflict, "Virtual server %s: hysteresis %d >= quorum %d; setting hysteresis to %d", lvsFmtVS(vs), vs.Hysteresis, vs.Quorum, vs.Quorum-1)
		vs.Hysteresis = vs.Quorum - 1
	}
}

// lvsFixPorts applies keepalived's port rules to the servers of a virtual
// server given by address or fwmark: a NAT server without port takes the
// virtual server's; a DR or TUN server must use the virtual server's port
// (it is reset), and none with a fwmark (it is cleared).
func (p *parser) lvsFixPorts(vs *VirtualServer, fwmark bool) {
	none := vs.Pos // keepalived prints these without a line; we name the virtual_server line
	for _, rs := range vs.RealServers {
		switch {
		case rs.Method.Method == "NAT":
			if !fwmark && rs.Addr.Port == 0 {
				rs.Addr.Port = vs.Service.Port
			}
		case fwmark:
			if rs.Addr.Port != 0 {
				p.report(rs.Pos, Warning, KindConflict, "WARNING - fwmark virtual server %s, real server %s has port specified - clearing", lvsFmtVS(vs), lvsFmtRS(vs, rs.Addr))
				rs.Addr.Port = 0
			}
		case rs.Addr.Port == 0:
			rs.Addr.Port = vs.Service.Port
		case rs.Addr.Port != vs.Service.Port:
			p.report(rs.Pos, Warning, KindConflict, "WARNING - virtual server %s and real server %s ports don't match - resetting", lvsFmtVS(vs), lvsFmtRS(vs, rs.Addr))
			rs.Addr.Port = vs.Service.Port
		}
	}
	ss := vs.SorryServer
	if ss == nil || vs.SorryServerLVSMethod.Method == "NAT" {
		return
	}
	switch {
	case fwmark:
		if ss.Port != 0 {
			p.report(none, Warning, KindConflict, "WARNING - virtual server %s, sorry server has port specified - clearing", lvsFmtVS(vs))
			ss.Port = 0
		}
	case ss.Port == 0:
		ss.Port = vs.Service.Port
	case ss.Port != vs.Service.Port:
		p.report(none, Warning, KindConflict, "WARNING - virtual server %s and sorry server ports don't match - resetting", lvsFmtVS(vs))
		ss.Port = vs.Service.Port
	}
}

// lvsCheckGroupPorts reports (without correcting, as keepalived) the
// DR and TUN servers of a group whose ports do not fit its entries.
func (p *parser) lvsCheckGroupPorts(vs *VirtualServer) {
	none := vs.Pos // keepalived prints these without a line; we name the virtual_server line
	ss := vs.SorryServer
	ssFixed := ss != nil && vs.SorryServerLVSMethod.Method != "NAT" && ss.Port != 0
	if vs.group.hasFwmarks() {
		for _, rs := range vs.RealServers {
			if rs.Method.Method != "NAT" && rs.Addr.Port != 0 {
				p.report(rs.Pos, Warning, KindConflict, "WARNING - fwmark virtual server %s, real server %s has port specified - port will be ignored", lvsFmtVS(vs), lvsFmtRS(vs, rs.Addr))
			}
		}
		if ssFixed {
			p.report(none, Warning, KindConflict, "WARNING - fwmark virtual server %s, sorry server has port specified - port will be ignored", lvsFmtVS(vs))
		}
	}
	for _, e := range vs.group.Entries {
		if e.IsFwmark {
			continue
		}
		for _, rs := range vs.RealServers {
			if rs.Method.Method != "NAT" && rs.Addr.Port != 0 && rs.Addr.Port != e.Port {
				p.report(rs.Pos, Error, KindConflict, "virtual server %s:[%s] and real server %s ports don't match", lvsFmtVS(vs), lvsFmtVSGE(e), lvsFmtRS(vs, rs.Addr))
			}
		}
		if ssFixed && ss.Port != e.Port {
			p.report(none, Warning, KindConflict, "WARNING - virtual server %s, sorry server has port specified - port will be ignored", lvsFmtVS(vs))
		}
	}
}

// lvsFmtVSGE names a group entry as keepalived's format_vsge() does.
func lvsFmtVSGE(e VSGEntry) string {
	if e.IsFwmark {
		return "FWM " + itoa(int(e.Fwmark))
	}
	s := e.Addr.String()
	if e.End != e.Addr {
		s += "-" + e.End.String()
	}
	return s + "," + itoa(int(e.Port))
}

func itoa(i int) string { return strconv.Itoa(i) }

// lvsResolveCheckers gives each checker of rs its effective settings:
// its own, else the real server's (which has the virtual server's), else
// the checker type's default.
func (p *parser) lvsResolveCheckers(vs *VirtualServer, rs *RealServer) {
	portZero := false
	for _, c := range rs.connCheckers() {
		conn := c.conn()
		if !conn.timeoutSet {
			conn.ConnectTimeout = rs.ConnectTimeout
		}
		p.lvsResolveParams(rs, c.params())
		if _, ping := c.(*PingCheck); !ping && conn.ConnectPort == 0 {
			portZero = true
		}
	}
	if portZero {
		p.report(rs.Pos, Info, KindMissing, "real server %s has no port: its checkers connect to port 0 as in keepalived - set connect_port", rs.Addr.Addr)
	}
	for _, c := range rs.MiscCheck {
		p.lvsResolveParams(rs, &c.CheckParams)
		if c.Timeout == 0 {
			c.Timeout = vs.DelayLoop
		}
		if c.Dynamic && (len(rs.MiscCheck) > 1 || len(rs.FileCheck) > 0) {
			p.report(c.Pos, Info, KindConflict, "misc_dynamic: real server %s has other MISC_CHECK or FILE_CHECK weights - the weights add up", lvsFmtRS(vs, rs.Addr))
		}
	}
	for _, c := range rs.BFDCheck {
		c.Alpha = lvsOr(c.alpha, rs.Alpha)
	}
	for _, c := range append(rs.HTTPGet[:len(rs.HTTPGet):len(rs.HTTPGet)], rs.SSLGet...) {
		for _, u := range c.URLs {
			for _, vh := range []string{c.Virtualhost, rs.Virtualhost, vs.Virtualhost} {
				if u.Virtualhost == "" {
					u.Virtualhost = vh
				}
			}
		}
	}
}

// connCheckers lists the checkers of rs that have connection options.
func (rs *RealServer) connCheckers() []lvsConnChecker {
	var out []lvsConnChecker
	for _, c := range rs.HTTPGet {
		out = append(out, c)
	}
	for _, c := range rs.SSLGet {
		out = append(out, c)
	}
	for _, c := range rs.TCPCheck {
		out = append(out, c)
	}
	for _, c := range rs.SMTPCheck {
		out = append(out, c)
	}
	for _, c := range rs.DNSCheck {
		out = append(out, c)
	}
	for _, c := range rs.UDPCheck {
		out = append(out, c)
	}
	for _, c := range rs.PingCheck {
		out = append(out, c)
	}
	return out
}

// lvsResolveParams resolves a checker's scheduling options.
func (p *parser) lvsResolveParams(rs *RealServer, c *CheckParams) {
	c.Alpha = lvsOr(c.alpha, rs.Alpha)
	c.Retry = lvsOr(c.retry, lvsOr(rs.Retry, c.defaultRetry))
	c.DelayLoop = lvsOr(c.delayLoop, rs.DelayLoop)
	c.Warmup = lvsOr(c.warmup, lvsOr(rs.Warmup, c.DelayLoop))
	dbr := c.defaultDBR
	if dbr == 0 {
		dbr = c.DelayLoop
	}
	c.DelayBeforeRetry = lvsOr(c.delayBeforeRetry, lvsOr(rs.DelayBeforeRetry, dbr))
}

// lvsNftSchedulers are the schedulers the nftables dataplane implements.
var lvsNftSchedulers = map[string]bool{"rr": true, "wrr": true, "sh": true, "dh": true, "mh": true}

// lvsCheckDataplane refuses, with lvs_dataplane nftables, the schedulers
// that need connection counts.
func (p *parser) lvsCheckDataplane() {
	if p.cfg.Global.LVSDataplane != "nftables" {
		return
	}
	for _, vs := range p.cfg.VirtualServers {
		if lvsNftSchedulers[vs.Sched] {
			continue
		}
		pos := vs.schedPos
		if pos == (syntax.Pos{}) {
			pos = vs.Pos
		}
		p.report(pos, Error, KindUnsupported, "lvs_sched %s is not supported by the nftables dataplane (lvs_dataplane nftables) - use rr, wrr, sh, dh or mh", vs.Sched)
	}
	// The nftables dataplane forwards by NAT or DR (not TUN), one method
	// per virtual server.
	for _, vs := range p.cfg.VirtualServers {
		if vs.Method.Method == "TUN" {
			p.report(vs.Pos, Error, KindUnsupported, "lb_kind TUN is not supported by the nftables dataplane (lvs_dataplane nftables) - use NAT or DR, or lvs_dataplane ipvs on a kernel with IPVS")
			continue
		}
		used := map[string]bool{}
		for _, rs := range vs.RealServers {
			switch m := rs.Method.Method; m {
			case "TUN":
				p.report(rs.Pos, Error, KindUnsupported, "lvs_method TUN of real server %s is not supported by the nftables dataplane (lvs_dataplane nftables) - use NAT or DR, or lvs_dataplane ipvs", rs.Addr)
			case "NAT", "DR":
				used[m] = true
			}
		}
		if vs.SorryServer != nil && vs.SorryServerLVSMethod.Method == "TUN" {
			p.report(vs.Pos, Error, KindUnsupported, "sorry_server_lvs_method TUN of virtual server %s is not supported by the nftables dataplane (lvs_dataplane nftables) - use NAT or DR", lvsFmtVS(vs))
		}
		if used["NAT"] && used["DR"] {
			p.report(vs.Pos, Error, KindUnsupported, "virtual server %s mixes lvs_method NAT and DR among its real servers - the nftables dataplane (lvs_dataplane nftables) needs one forwarding method per virtual server", lvsFmtVS(vs))
		}
	}
}
