package config

import (
	"net/netip"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalLVSTable: the checker child's IPVS settings.
var globalLVSTable = table[Global]{
	"lvs_timeouts": kw(parseLVSTimeouts),
	"lvs_flush": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.LVSFlush = true
	}),
	"lvs_flush_on_stop": kw(parseLVSFlushOnStop),
	"lvs_flush_onstop":  kw(parseLVSFlushOnStop),
	"lvs_sync_daemon":   kw(parseLVSSyncDaemon),
	"rs_init_notifies": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalBool(n, "Invalid value '%[1]s' for global rs_init_notifies specified"); ok {
			g.RSInitNotifies = v
		}
	}),
}

// globalLVSMaxTimeout is LVS_MAX_TIMEOUT: 31 days in seconds.
const globalLVSMaxTimeout = 86400 * 31

// parseLVSTimeouts reads the IPVS connection timeouts.
//
// Syntax:
//
//	lvs_timeouts [tcp SECONDS] [tcpfin SECONDS] [udp SECONDS]
func parseLVSTimeouts(p *parser, n *syntax.Node, g *Global) {
	if len(n.Words) < 3 {
		p.errorf(n, KindMissing, "lvs_timeouts requires at least one option")
		return
	}
	fields := map[string]*int{"tcp": &g.LVSTimeouts.TCP, "tcpfin": &g.LVSTimeouts.TCPFin, "udp": &g.LVSTimeouts.UDP}
	for i := 1; i < len(n.Words); i++ {
		opt := n.Words[i]
		dest, known := fields[opt]
		switch {
		case !known:
			p.errorf(n, KindValue, "Unknown option %s specified for lvs_timeouts", opt)
			continue
		case i == len(n.Words)-1:
			p.errorf(n, KindMissing, "No value specified for lvs_timeout %s - ignoring", opt)
			continue
		}
		i++
		if v, ok := p.globalUint(n, i, 0, globalLVSMaxTimeout, "Invalid lvs_timeout "+opt+" (%[1]s) - ignoring"); ok {
			*dest = int(v)
		}
	}
}

// parseLVSFlushOnStop flushes IPVS when keepalived stops: everything, or
// the configured virtual servers only. lvs_flush_onstop is an old
// spelling, accepted silently by keepalived.
//
// Syntax:
//
//	lvs_flush_on_stop [VS]
func parseLVSFlushOnStop(p *parser, n *syntax.Node, g *Global) {
	if n.Keyword() == "lvs_flush_onstop" {
		p.infof(n, KindDeprecated, "lvs_flush_onstop is deprecated - please use lvs_flush_on_stop")
	}
	switch arg := globalArg(n, 1); {
	case len(n.Words) == 1:
		g.LVSFlushOnStop = LVSFlushFull
	case arg == "VS":
		g.LVSFlushOnStop = LVSFlushVS
	default:
		p.errorf(n, KindValue, "Unknown lvs_flush_on_stop type %s", arg)
	}
}

// globalIPVSIfNameMax is IP_VS_IFNAME_MAXLEN.
const globalIPVSIfNameMax = 16

// parseLVSSyncDaemon reads the IPVS sync daemon. The old form IF INSTANCE
// [SYNCID] is still accepted (the SYNCID with a complaint).
//
// Syntax:
//
//	lvs_sync_daemon IF [inst INSTANCE] [id SYNCID] [maxlen BYTES] [port PORT] [ttl TTL] [group IP]
func parseLVSSyncDaemon(p *parser, n *syntax.Node, g *Global) {
	if d := g.LVSSyncDaemon; d != nil {
		p.errorf(n, KindDuplicate, "lvs_sync_daemon has already been specified as %s %s - ignoring", d.Interface, d.Instance)
		return
	}
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "lvs_sync_daemon requires interface")
		return
	}
	if len(n.Words[1]) >= globalIPVSIfNameMax {
		p.errorf(n, KindValue, "lvs_sync_daemon interface name '%s' too long - ignoring", n.Words[1])
		return
	}
	d := &LVSSyncDaemon{Interface: n.Words[1], Pos: n.Pos}
	g.LVSSyncDaemon = d
	for i := 2; i < len(n.Words); i++ {
		i = p.syncDaemonOption(n, d, i)
	}
}

// syncDaemonOption reads the option at word i of lvs_sync_daemon and
// returns the index of its last word.
func (p *parser) syncDaemonOption(n *syntax.Node, d *LVSSyncDaemon, i int) int {
	opt := n.Words[i]
	last := i == len(n.Words)-1
	switch opt {
	case "inst":
		if !p.nargs(n, i+1, -1) {
			return i + 1
		}
		if d.Instance != "" {
			p.errorf(n, KindDuplicate, "lvs_sync_daemon vrrp instance has already been specified as %s - ignoring", d.Instance)
		} else {
			d.Instance = n.Words[i+1]
		}
		return i + 1
	case "id", "maxlen", "port", "ttl", "group":
		if last {
			what := map[string]string{"id": "No value specified for lvs_sync_daemon id, defaulting to vrid"}[opt]
			if what == "" {
				what = "No value specified for lvs_sync_daemon " + opt + " - ignoring"
			}
			p.errorf(n, KindMissing, "%s", what)
			return i
		}
		p.syncDaemonValue(n, d, opt, i+1)
		return i + 1
	}
	switch i {
	case 2: // lvs_sync_daemon IF INSTANCE
		d.Instance = opt
	case 3: // lvs_sync_daemon IF INSTANCE SYNCID
		if v, ok := p.globalUint(n, 3, 0, 255, "Invalid syncid (%[1]s) - defaulting to vrid"); ok {
			p.errorf(n, KindDeprecated, "Please use keyword \"id\" before lvs_sync_daemon SYNCID")
			id := int(v)
			d.SyncID = &id
		}
	default:
		p.errorf(n, KindValue, "Unknown option %s specified for lvs_sync_daemon", opt)
	}
	return i
}

// syncDaemonValue reads the value at word i of lvs_sync_daemon's option
// opt.
func (p *parser) syncDaemonValue(n *syntax.Node, d *LVSSyncDaemon, opt string, i int) {
	if opt == "group" {
		p.syncDaemonGroup(n, d, n.Words[i])
		return
	}
	bounds := map[string][2]uint64{"id": {0, 255}, "maxlen": {1, 65535 - 20 - 8}, "port": {1, 65535}, "ttl": {1, 255}}[opt]
	format := "Invalid lvs_sync_daemon " + opt + " (%[1]s) - ignoring"
	if opt == "id" {
		format = "Invalid syncid (%[1]s) - defaulting to vrid"
	}
	v, ok := p.globalUint(n, i, bounds[0], bounds[1], format)
	if !ok {
		return
	}
	switch opt {
	case "id":
		id := int(v)
		d.SyncID = &id
	case "maxlen":
		d.MaxLen = int(v)
	case "port":
		d.Port = int(v)
	case "ttl":
		d.TTL = int(v)
	}
}

// syncDaemonGroup reads the sync daemon's multicast group.
func (p *parser) syncDaemonGroup(n *syntax.Node, d *LVSSyncDaemon, word string) {
	s, _, _ := strings.Cut(word, "-")
	s, _, _ = strings.Cut(s, "/")
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		p.errorf(n, KindValue, "Invalid lvs_sync_daemon group (%s) - ignoring", word)
		return
	}
	if !a.IsMulticast() || a.Is4In6() {
		p.errorf(n, KindValue, "lvs_sync_daemon group address %s is not multicast - ignoring", word)
		return
	}
	d.Group = a
}
