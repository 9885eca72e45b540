package config

import (
	"net/netip"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalIdentityTable: router_id, process names, script paths and the
// interfaces keepalived may use.
var globalIdentityTable = table[Global]{
	"router_id":            kw(parseRouterID),
	"process_names":        kw(parseProcessNames),
	"process_name":         kw(parseProcessName),
	"vrrp_process_name":    kw(parseProcessName),
	"checker_process_name": kw(parseProcessName),
	"lvs_process_name":     kw(parseProcessName),
	"bfd_process_name":     kw(parseProcessName),
	"use_symlink_paths": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalBool(n, "Invalid value '%[1]s' for global use_symlink_path specified"); ok {
			g.UseSymlinkPaths = v
		}
	}),
	"set_supplementary_groups": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalBool(n, "Invalid set_supplementary_groups parameter %[1]s"); ok {
			g.SetSupplementaryGroups = v
		}
	}),
	"lvs_dataplane":   kw(parseLVSDataplane),
	"metrics_listen":  kw(parseMetricsListen),
	"checker_notrack": kw(parseCheckerNotrack),
}

// parseRouterID reads router_id.
//
// Syntax:
//
//	router_id NAME
func parseRouterID(p *parser, n *syntax.Node, g *Global) {
	if p.globalNeed(n, 1, "routerid name missing - ignoring") {
		g.RouterID = n.Words[1]
	}
}

// globalTaskCommLen is the kernel's TASK_COMM_LEN: process names keep at
// most 15 characters.
const globalTaskCommLen = 16

// parseProcessNames reads process_names: the children are named
// keepalived_vrrp, keepalived_lvs and keepalived_bfd.
//
// Syntax:
//
//	process_names
func parseProcessNames(p *parser, n *syntax.Node, g *Global) {
	g.VRRPProcessName = "keepalived_vrrp"
	g.CheckerProcessName = "keepalived_lvs"
	g.BFDProcessName = "keepalived_bfd"
}

// parseProcessName reads the process name keywords; lvs_process_name is
// the old spelling of checker_process_name.
//
// Syntax:
//
//	process_name NAME
//	vrrp_process_name NAME
//	checker_process_name NAME
//	bfd_process_name NAME
func parseProcessName(p *parser, n *syntax.Node, g *Global) {
	dest := map[string]*string{
		"process_name":         &g.ProcessName,
		"vrrp_process_name":    &g.VRRPProcessName,
		"checker_process_name": &g.CheckerProcessName,
		"lvs_process_name":     &g.CheckerProcessName,
		"bfd_process_name":     &g.BFDProcessName,
	}[n.Keyword()]
	if n.Keyword() == "lvs_process_name" {
		p.infof(n, KindDeprecated, "'lvs_process_name' is deprecated - please use 'checker_process_name'")
	}
	if !p.nargs(n, 1, -1) {
		return
	}
	name := n.Words[1]
	if len(name) >= globalTaskCommLen {
		p.errorf(n, KindValue, "Process name %s more than %d characters, truncating", name, globalTaskCommLen-1)
		name = name[:globalTaskCommLen-1]
	}
	*dest = name
}

// parseLVSDataplane reads our lvs_dataplane.
//
// Syntax:
//
//	lvs_dataplane ipvs|nftables|auto
func parseLVSDataplane(p *parser, n *syntax.Node, g *Global) {
	if v, ok := p.oneOf(n, 1, "ipvs", "nftables", "auto"); ok {
		g.LVSDataplane = v
	}
}

// DefaultNotrackMark is checker_notrack's mark when none is given.
const DefaultNotrackMark = 0x4b47

// parseCheckerNotrack reads our checker_notrack: the health checkers'
// sockets carry MARK (SO_MARK) and their connections bypass conntrack.
//
// Syntax:
//
//	checker_notrack [MARK]
func parseCheckerNotrack(p *parser, n *syntax.Node, g *Global) {
	if !p.nargs(n, 0, 1) {
		return
	}
	if len(n.Words) == 1 {
		g.CheckerNotrack = DefaultNotrackMark
		return
	}
	v, err := strconv.ParseUint(n.Words[1], 0, 32)
	if err != nil || v == 0 {
		p.errorf(n, KindValue, "invalid checker_notrack mark '%s' - use a non-zero 32-bit number (decimal or 0x hex), or no value for 0x%x", n.Words[1], DefaultNotrackMark)
		return
	}
	g.CheckerNotrack = uint32(v)
}

// parseMetricsListen reads our metrics_listen.
//
// Syntax:
//
//	metrics_listen IP:PORT
//	metrics_listen [IPV6]:PORT
func parseMetricsListen(p *parser, n *syntax.Node, g *Global) {
	if !p.nargs(n, 1, 1) {
		return
	}
	ap, err := netip.ParseAddrPort(n.Words[1])
	if err != nil || ap.Port() == 0 || ap.Addr().Zone() != "" {
		p.errorf(n, KindValue, "invalid metrics_listen address '%s' - use IP:PORT or [IPV6]:PORT with a port from 1 to 65535", n.Words[1])
		return
	}
	g.MetricsListen = ap
}

// globalMailTable: SMTP alerts.
var globalMailTable = table[Global]{
	"notification_email":      blk(parseNotificationEmail),
	"notification_email_from": kw(parseNotificationEmailFrom),
	"smtp_server":             kw(parseSMTPServer),
	"smtp_helo_name": kw(func(p *parser, n *syntax.Node, g *Global) {
		if len(n.Words) >= 2 {
			g.SMTPHeloName = n.Words[1]
		}
	}),
	"smtp_connect_timeout": kw(parseSMTPConnectTimeout),
	"smtp_alert":           kw(parseSMTPAlert),
	"smtp_alert_vrrp":      kw(parseSMTPAlert),
	"smtp_alert_checker":   kw(parseSMTPAlert),
	"no_email_faults": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.NoEmailFaults = true
	}),
	"no_checker_emails": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalBool(n, "Invalid value '%[1]s' for global no_checker_emails specified"); ok {
			g.NoCheckerEmails = v
		}
	}),
	"checker_log_all_failures": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalBool(n, "Invalid value for checker_log_all_failures specified"); ok {
			g.CheckerLogAllFailures = v
		}
	}),
}

// parseNotificationEmail reads the recipients: every word of every line
// is one address (quote an address with a display name).
//
// Syntax:
//
//	notification_email {
//	    ADDRESS ...
//	}
func parseNotificationEmail(p *parser, n *syntax.Node, g *Global) {
	var addrs []string
	for _, v := range values(n) {
		addrs = append(addrs, v.Words...)
	}
	if len(addrs) == 0 {
		p.report(blockEnd(n), Error, KindMissing, "Warning - empty notification_email block")
		return
	}
	g.NotificationEmail = append(g.NotificationEmail, addrs...)
}

// parseNotificationEmailFrom reads the From address.
//
// Syntax:
//
//	notification_email_from ADDRESS
func parseNotificationEmailFrom(p *parser, n *syntax.Node, g *Global) {
	if !p.globalNeed(n, 1, "emailfrom missing - ignoring") {
		return
	}
	if len(n.Words) > 2 {
		// keepalived 2.2.7 ignores them silently; later versions say so.
		p.infof(n, KindValue, "emailfrom - ignoring extra entries '%s' ...", n.Words[2])
	}
	g.NotificationEmailFrom = n.Words[1]
}

// parseSMTPServer reads the SMTP relay. keepalived tries the name as an
// IP address and then as a host name, checking the port each time (so a
// bad port is reported twice); host names are resolved at run time here.
//
// Syntax:
//
//	smtp_server IP|HOST [PORT]
func parseSMTPServer(p *parser, n *syntax.Node, g *Global) {
	if !p.nargs(n, 1, -1) {
		return
	}
	host, portWord := n.Words[1], globalArg(n, 2)
	if portWord == "" {
		portWord = "25"
	}
	port, portOK := uint64(25), true
	if len(n.Words) >= 3 {
		tries := 2
		if strings.ContainsAny(host, "-/") {
			tries = 1 // not tried as an IP address
		}
		for range tries {
			port, portOK = p.uint(n, 2, 1, 65535)
		}
	}
	_, ipErr := netip.ParseAddr(host)
	if !portOK || (ipErr != nil && !globalHostName(host)) {
		p.errorf(n, KindValue, "Invalid smtp server %s %s", host, portWord)
		return
	}
	g.SMTPServer = &SMTPServer{Host: host, Port: uint16(port)}
}

// globalHostName reports whether s is a syntactically valid DNS name.
func globalHostName(s string) bool {
	s = strings.TrimSuffix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return false
			}
		}
	}
	return true
}

// parseSMTPConnectTimeout reads the SMTP timeout; 0 is corrected to 1.
//
// Syntax:
//
//	smtp_connect_timeout SECONDS
func parseSMTPConnectTimeout(p *parser, n *syntax.Node, g *Global) {
	v, ok := p.globalUint(n, 1, 0, globalTimerHzSeconds,
		"smtp_connect_timeout '%[1]s' must be in [0, "+strconv.Itoa(globalTimerHzSeconds)+"] - ignoring")
	if !ok {
		return
	}
	if v == 0 {
		p.errorf(n, KindValue, "smtp_conect_timeout must be greater than 0, setting to 1")
		v = 1
	}
	g.SMTPConnectTimeout = Duration(v) * Second
}

// parseSMTPAlert reads the smtp_alert defaults.
//
// Syntax:
//
//	smtp_alert [BOOL]
//	smtp_alert_vrrp [BOOL]
//	smtp_alert_checker [BOOL]
func parseSMTPAlert(p *parser, n *syntax.Node, g *Global) {
	v, ok := p.globalBool(n, "Invalid value '%[1]s' for global %[2]s specified")
	if !ok {
		return
	}
	switch n.Keyword() {
	case "smtp_alert":
		g.SMTPAlert = &v
	case "smtp_alert_vrrp":
		g.SMTPAlertVRRP = &v
	default:
		g.SMTPAlertChecker = &v
	}
}
