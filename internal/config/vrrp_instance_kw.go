package config

import (
	"net/netip"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// The keywords of vrrp_instance, in groups. Each handler reports problems
// in keepalived's words (vrrp_parser.c) at the line keepalived does.

// vrrpFamilyOf returns 4 or 6.
func vrrpFamilyOf(a netip.Addr) int {
	if a.Is4() {
		return 4
	}
	return 6
}

// vrrpSockAddr reads an address as keepalived's inet_stosockaddr(): the
// family is IPv6 if the word holds a ':', and anything from a '-' or '/'
// on is ignored.
func vrrpSockAddr(s string) (netip.Addr, bool) {
	six := strings.Contains(s, ":")
	if i := strings.IndexAny(s, "-/"); i >= 0 {
		s = s[:i]
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" || a.Is6() != six {
		return netip.Addr{}, false
	}
	return a, true
}

// vrrpInstanceCoreTable: identity, interface, addressing and election.
var vrrpInstanceCoreTable = table[VRRPInstance]{
	"state":             kw(vrrpStateKw),
	"interface":         kw(vrrpInterfaceKw),
	"vrf":               kw(vrrpVRF),
	"virtual_router_id": kw(vrrpVRID),
	"priority":          kw(vrrpPriority),
	"advert_int":        kw(vrrpAdvertInt),
	"version":           kw(vrrpVersion),
	"native_ipv6":       kw(vrrpNativeIPv6),
	"mcast_src_ip":      kw(vrrpSrcIP),
	"unicast_src_ip":    kw(vrrpSrcIP),
	"mcast_dst_ip":      kw(vrrpMcastDstIP),
	"track_src_ip":      kw(func(p *parser, n *syntax.Node, v *VRRPInstance) { v.TrackSrcIP = true }),
	"unicast_ttl":       kw(vrrpUnicastTTL),
	"unicast_peer":      blk(vrrpUnicastPeers),
	"unicast_fault_no_peer": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		v.set.unicastConfigured, v.UnicastFaultNoPeer = true, true
	}),
	"check_unicast_src": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		v.set.unicastConfigured, v.CheckUnicastSrc = true, true
	}),
	"old_unicast_checksum": kw(vrrpOldUnicastChecksum),
	"v3_checksum_as_v2": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpBoolKw(n, v, &v.V3ChecksumAsV2, nil)
	}),
	"accept": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) { v.Accept, v.set.accept = true, true }),
	"no_accept": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		v.Accept, v.set.accept = false, true
	}),
	"preempt":              kw(func(p *parser, n *syntax.Node, v *VRRPInstance) { v.NoPreempt = false }),
	"nopreempt":            kw(func(p *parser, n *syntax.Node, v *VRRPInstance) { v.NoPreempt = true }),
	"preempt_delay":        kw(vrrpPreemptDelay),
	"timer_expired_backup": kw(vrrpTimerExpiredBackup),
	"thread_timer_expired": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.report(n.Pos, Error, KindDeprecated, "(%s) thread_timer_expired - please replace with keyword 'timer_expired_backup'", v.Name)
		vrrpTimerExpiredBackup(p, n, v)
	}),
	"skip_check_adv_addr": kw(vrrpSkipCheckAdvAddr),
	"strict_mode": kw(func(p *parser, n *syntax.Node, v *VRRPInstance) {
		p.vrrpBoolKw(n, v, &v.Strict, &v.set.strict)
	}),
	"debug":                     kw(vrrpDebug),
	"kernel_rx_buf_size":        kw(vrrpKernelRxBufSize),
	"lvs_sync_daemon_interface": kw(vrrpLVSSyncDaemon),
}

// vrrpBoolKw reads an optional boolean instance keyword, reporting a bad
// word as "(VI) invalid KEYWORD WORD specified".
func (p *parser) vrrpBoolKw(n *syntax.Node, v *VRRPInstance, dst, set *bool) {
	b, ok := vrrpBool(n)
	if !ok {
		p.errorf(n, KindValue, "(%s) invalid %s %s specified", v.Name, n.Keyword(), n.Words[1])
		return
	}
	*dst = b
	if set != nil {
		*set = true
	}
}

func vrrpStateKw(p *parser, n *syntax.Node, v *VRRPInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	switch s {
	case "MASTER":
		v.State = "MASTER"
	case "BACKUP":
		if v.State == "MASTER" {
			p.errorf(n, KindConflict, "(%s) state previously set as MASTER - ignoring BACKUP", v.Name)
			return
		}
		v.State = "BACKUP"
	default:
		p.errorf(n, KindValue, "(%s) unknown state '%s', defaulting to BACKUP", v.Name, s)
		v.State = "BACKUP"
	}
	v.set.state = true
}

func vrrpInterfaceKw(p *parser, n *syntax.Node, v *VRRPInstance) {
	name, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	if len(name) >= 16 {
		p.errorf(n, KindValue, "Interface name '%s' too long - ignoring", name)
		return
	}
	v.Interface = ""
	switch {
	case !p.vrrpInterface(name):
		p.errorf(n, KindInterface, "WARNING - interface %s for vrrp_instance %s doesn't exist", name, v.Name)
	case vrrpIsLoopback(name):
		p.errorf(n, KindInterface, "(%s) cannot use a loopback interface (%s) for vrrp - ignoring", v.Name, name)
	default:
		v.Interface = name
	}
}

func vrrpVRF(p *parser, n *syntax.Node, v *VRRPInstance) {
	name, ok := p.vrrpArg(n, 1)
	switch {
	case !ok:
	case len(name) >= 16:
		p.errorf(n, KindValue, "(%s) VRF interface name '%s' too long - ignoring", v.Name, name)
	case v.Interface != "":
		p.errorf(n, KindConflict, "(%s) Cannot specify VRF interface and interface - ignoring", v.Name)
	case v.VRF != "":
		p.errorf(n, KindDuplicate, "(%s) VRF interface already specified as '%s' - ignoring", v.Name, v.VRF)
	case !p.vrrpInterface(name):
		p.errorf(n, KindInterface, "(%s) WARNING - VRF interface %s doesn't exist", v.Name, name)
	case vrrpIsLoopback(name):
		p.errorf(n, KindInterface, "(%s) cannot use a loopback interface (%s) for VRF - ignoring", v.Name, name)
	default:
		v.VRF = name
	}
}

func vrrpVRID(p *parser, n *syntax.Node, v *VRRPInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	id, ok := p.uintWord(n, s, 1, 255)
	if !ok {
		p.errorf(n, KindValue, "(%s): VRID '%s' not valid - must be between 1 & 255", v.Name, s)
		return
	}
	v.VRID = int(id)
}

func vrrpPriority(p *parser, n *syntax.Node, v *VRRPInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	prio, ok := p.uintWord(n, s, 1, 255)
	if !ok {
		p.errorf(n, KindValue, "(%s) Priority not valid! must be between 1 & %d. Using default %d", v.Name, 255, 100)
		prio = 100
	}
	v.Priority, v.set.priority = int(prio), true
}

func vrrpAdvertInt(p *parser, n *syntax.Node, v *VRRPInstance) {
	if len(n.Words) < 2 {
		p.nargs(n, 1, -1)
		return
	}
	d, ok := p.timer(n, 1, 10*Millisecond, 255*Second)
	if !ok || d == 0 {
		p.errorf(n, KindValue, "(%s) Advert interval (%s) not valid! Must be > 0 - ignoring", v.Name, n.Words[1])
		return
	}
	v.AdvertInt = d
}

func vrrpVersion(p *parser, n *syntax.Node, v *VRRPInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	ver, ok := p.intWord(n, s, 2, 3)
	if !ok {
		p.errorf(n, KindValue, "(%s): Version must be either 2 or 3", v.Name)
		return
	}
	if (v.Version != 0 && v.Version != int(ver)) || (ver == 2 && v.Family == 6) {
		p.errorf(n, KindConflict, "(%s) vrrp_version %d conflicts with configured or deduced version %d; ignoring.", v.Name, ver, v.Version)
		return
	}
	v.Version, v.set.version = int(ver), true
}

func vrrpNativeIPv6(p *parser, n *syntax.Node, v *VRRPInstance) {
	if v.Family == 4 {
		p.errorf(n, KindConflict, "(%s) Cannot specify native_ipv6 with IPv4 addresses", v.Name)
		return
	}
	v.Family, v.Version = 6, 3
}

// vrrpSrcIP handles mcast_src_ip and unicast_src_ip, which set the same
// source address; unicast_src_ip also marks the instance as unicast.
func vrrpSrcIP(p *parser, n *syntax.Node, v *VRRPInstance) {
	if n.Keyword() == "unicast_src_ip" {
		v.set.unicastConfigured = true
	}
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	a, ok := vrrpSockAddr(s)
	if !ok {
		p.errorf(n, KindValue, "Configuration error: VRRP instance[%s] malformed src address[%s]. Skipping...", v.Name, s)
		return
	}
	if v.Family != 0 && vrrpFamilyOf(a) != v.Family {
		p.errorf(n, KindConflict, "Configuration error: VRRP instance[%s] and src address[%s] MUST be of the same family !!! Skipping...", v.Name, s)
		v.MulticastSrcIP, v.UnicastSrcIP, v.set.srcFromConfig = netip.Addr{}, netip.Addr{}, false
		return
	}
	v.Family = vrrpFamilyOf(a)
	v.MulticastSrcIP, v.UnicastSrcIP, v.set.srcFromConfig = netip.Addr{}, netip.Addr{}, true
	if n.Keyword() == "unicast_src_ip" {
		v.UnicastSrcIP = a
	} else {
		v.MulticastSrcIP = a
	}
}

func vrrpMcastDstIP(p *parser, n *syntax.Node, v *VRRPInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	a, ok := vrrpSockAddr(s)
	if !ok {
		p.errorf(n, KindValue, "(%s) malformed mcast dest address %s. Skipping...", v.Name, s)
		return
	}
	v.MulticastDstIP = netip.Addr{}
	if v.Family != 0 && vrrpFamilyOf(a) != v.Family {
		p.errorf(n, KindConflict, "(%s) mcast dest address %s MUST match VRRP instance family. Skipping...", v.Name, s)
		return
	}
	if v.Family == 0 {
		v.Family = vrrpFamilyOf(a)
	}
	if (a.Is4() && !a.IsMulticast()) || (a.Is6() && !a.IsLinkLocalMulticast()) {
		link := ""
		if a.Is6() {
			link = " link-local"
		}
		p.errorf(n, KindValue, "(%s) mcast_dst_ip %s not%s multicast. Skipping...", v.Name, s, link)
		return
	}
	v.MulticastDstIP = a
}

func vrrpUnicastTTL(p *parser, n *syntax.Node, v *VRRPInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	ttl, ok := p.uintWord(n, s, 0, 255)
	if !ok {
		p.errorf(n, KindValue, "(%s): TTL '%s' not valid - must be between 0 & 255", v.Name, s)
		return
	}
	v.UnicastTTL, v.set.ttl = int(ttl), true
}

// vrrpUnicastPeers reads the unicast_peer block.
//
// Syntax:
//
//	unicast_peer {
//	    IP [min_ttl 0..255] [max_ttl 0..255]
//	}
func vrrpUnicastPeers(p *parser, n *syntax.Node, v *VRRPInstance) {
	v.set.unicastConfigured = true
	for _, e := range values(n) {
		if peer, ok := p.vrrpUnicastPeer(e, v); ok {
			v.UnicastPeers = append(v.UnicastPeers, peer)
		}
	}
}

func (p *parser) vrrpUnicastPeer(e *syntax.Node, v *VRRPInstance) (UnicastPeer, bool) {
	w := e.Words
	a, ok := vrrpSockAddr(w[0])
	if !ok {
		p.errorf(e, KindValue, "Configuration error: VRRP instance[%s] malformed unicast peer address[%s]. Skipping...", v.Name, w[0])
		return UnicastPeer{}, false
	}
	if v.Family == 0 {
		v.Family = vrrpFamilyOf(a)
	} else if vrrpFamilyOf(a) != v.Family {
		p.errorf(e, KindConflict, "Configuration error: VRRP instance[%s] and unicast peer address[%s] MUST be of the same family !!! Skipping...", v.Name, w[0])
		return UnicastPeer{}, false
	}
	peer := UnicastPeer{Addr: a, MaxTTL: 255, Pos: e.Pos}
	for i := 1; i < len(w); i += 2 {
		if i+1 >= len(w) {
			p.errorf(e, KindMissing, "(%s) %s is missing a value", v.Name, w[i])
			break
		}
		ttl, ok := p.uintWord(e, w[i+1], 0, 255)
		if !ok {
			continue
		}
		if w[i] == "min_ttl" {
			peer.MinTTL = int(ttl)
		} else if w[i] == "max_ttl" {
			peer.MaxTTL = int(ttl)
		} else {
			p.errorf(e, KindUnknown, "(%s) unknown unicast_peer option %s", v.Name, w[i])
			break
		}
		v.CheckUnicastSrc = true
	}
	if peer.MinTTL > peer.MaxTTL {
		p.errorf(e, KindConflict, "(%s) min_ttl %d > max_ttl %d - all packets will be discarded", v.Name, peer.MinTTL, peer.MaxTTL)
	}
	return peer, true
}

func vrrpOldUnicastChecksum(p *parser, n *syntax.Node, v *VRRPInstance) {
	v.set.unicastConfigured = true
	switch {
	case len(n.Words) < 2:
		v.OldUnicastChecksum = "always"
	case n.Words[1] == "never":
		v.OldUnicastChecksum = "never"
	default:
		p.errorf(n, KindValue, "(%s) Unknown old_unicast_chksum mode %s - ignoring", v.Name, n.Words[1])
	}
}

func vrrpPreemptDelay(p *parser, n *syntax.Node, v *VRRPInstance) {
	if len(n.Words) < 2 {
		p.nargs(n, 1, -1)
		return
	}
	d, ok := p.timer(n, 1, 0, 1000*Second)
	if !ok {
		p.errorf(n, KindValue, "(%s) Preempt_delay not valid! must be between 0-%d", v.Name, 1000)
		d = 0
	}
	v.PreemptDelay = d
}

func vrrpTimerExpiredBackup(p *parser, n *syntax.Node, v *VRRPInstance) {
	prio := uint64(254)
	if len(n.Words) >= 2 {
		var ok bool
		if prio, ok = p.uintWord(n, n.Words[1], 1, 254); !ok {
			p.errorf(n, KindValue, "(%s) timer_expired_backup highest_other_priority not valid! must be between 1 & %d", v.Name, 254)
			return
		}
	}
	v.TimerExpiredBackup = int(prio)
}

// vrrpSkipCheckAdvAddr keeps keepalived's quirk: any boolean word,
// "false" included, sets the option.
func vrrpSkipCheckAdvAddr(p *parser, n *syntax.Node, v *VRRPInstance) {
	if _, ok := vrrpBool(n); !ok {
		p.errorf(n, KindValue, "(%s) invalid skip_check_adv_addr %s specified", v.Name, n.Words[1])
		return
	}
	v.SkipCheckAdvAddr = true
}

func vrrpDebug(p *parser, n *syntax.Node, v *VRRPInstance) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	d, ok := p.uintWord(n, s, 0, 4)
	if !ok {
		p.errorf(n, KindValue, "(%s) Debug value '%s' not valid; must be between 0-4", v.Name, s)
		return
	}
	v.Debug = int(d)
}

func vrrpKernelRxBufSize(p *parser, n *syntax.Node, v *VRRPInstance) {
	if len(n.Words) == 2 {
		if b, ok := p.uintWord(n, n.Words[1], 0, 0xFFFFFFFF); ok {
			v.KernelRxBufSize = int(b)
			return
		}
	}
	p.errorf(n, KindValue, "(%s) invalid kernel_rx_buf_size specified", v.Name)
}

func vrrpLVSSyncDaemon(p *parser, n *syntax.Node, v *VRRPInstance) {
	p.report(n.Pos, Error, KindDeprecated, "(%s) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.", v.Name)
	p.report(n.Pos, Error, KindDeprecated, "      %sPlease use global lvs_sync_daemon", strings.Repeat(" ", max(len(v.Name)-2, 0)))
	for _, o := range p.cfg.Instances {
		if o.LVSSyncDaemonInterface != "" {
			p.errorf(n, KindDuplicate, "(%s) lvs_sync_daemon_interface has already been specified as %s - ignoring", v.Name, o.LVSSyncDaemonInterface)
			return
		}
	}
	if s, ok := p.vrrpArg(n, 1); ok {
		v.LVSSyncDaemonInterface = s
	}
}
