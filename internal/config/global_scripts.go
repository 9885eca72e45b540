package config

import (
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalScriptTable: script user and security, startup/shutdown scripts
// and the notify FIFOs.
var globalScriptTable = table[Global]{
	"script_user": kw(parseScriptUser),
	"enable_script_security": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.EnableScriptSecurity = true
	}),
	"startup_script":          kw(parseStartupShutdownScript),
	"shutdown_script":         kw(parseStartupShutdownScript),
	"startup_script_timeout":  kw(parseScriptTimeout),
	"shutdown_script_timeout": kw(parseScriptTimeout),
	"notify_fifo":             kw(parseNotifyFIFO),
	"vrrp_notify_fifo":        kw(parseNotifyFIFO),
	"lvs_notify_fifo":         kw(parseNotifyFIFO),
	"notify_fifo_script":      kw(parseNotifyFIFOScript),
	"vrrp_notify_fifo_script": kw(parseNotifyFIFOScript),
	"lvs_notify_fifo_script":  kw(parseNotifyFIFOScript),
	"vrrp_notify_priority_changes": kw(func(p *parser, n *syntax.Node, g *Global) {
		if v, ok := p.globalBool(n, "Invalid value '%[1]s' for global vrrp_notify_priority_changes specified"); ok {
			g.NotifyPriorityChanges = v
		}
	}),
	"fifo_write_vrrp_states_on_reload": kw(func(p *parser, n *syntax.Node, g *Global) {
		g.FIFOWriteVRRPStatesOnReload = true
	}),
}

// parseScriptUser reads the default user and group of scripts. A group
// written ":GROUP" (or a lone ":") also gives scripts the user's
// supplementary groups. The user and group are looked up at run time.
//
// Syntax:
//
//	script_user USER [[:]GROUP]
func parseScriptUser(p *parser, n *syntax.Node, g *Global) {
	if !p.globalNeed(n, 1, "No script username specified") {
		return
	}
	g.ScriptUser, g.ScriptGroup, g.ScriptSupplementaryGroups = n.Words[1], "", false
	if group := globalArg(n, 2); group != "" {
		g.ScriptGroup = strings.TrimPrefix(group, ":")
		g.ScriptSupplementaryGroups = strings.HasPrefix(group, ":")
	}
}

// parseStartupShutdownScript reads the scripts the parent runs before
// starting its children and after they stop. Each may be given once.
//
// Syntax:
//
//	startup_script SCRIPT [USER [[:]GROUP]]
//	shutdown_script SCRIPT [USER [[:]GROUP]]
func parseStartupShutdownScript(p *parser, n *syntax.Node, g *Global) {
	dest, kind := &g.StartupScript, "startup"
	if n.Keyword() == "shutdown_script" {
		dest, kind = &g.ShutdownScript, "shutdown"
	}
	if *dest != nil {
		p.errorf(n, KindDuplicate, "%s script already specified", kind)
		return
	}
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "%s script missing", kind)
		return
	}
	if s, ok := p.script(n); ok {
		*dest = s
	}
}

// parseScriptTimeout reads how long a startup or shutdown script may run.
//
// Syntax:
//
//	startup_script_timeout SECONDS
//	shutdown_script_timeout SECONDS
func parseScriptTimeout(p *parser, n *syntax.Node, g *Global) {
	dest := &g.StartupScriptTimeout
	if n.Keyword() == "shutdown_script_timeout" {
		dest = &g.ShutdownScriptTimeout
	}
	if !p.globalNeed(n, 1, "%[2]s requires value") {
		return
	}
	if v, ok := p.globalUint(n, 1, 1, 1000, "%[2]s '%[1]s' must be in [1, 1000] - ignoring"); ok {
		*dest = Duration(v) * Second
	}
}

// globalFIFOType returns the FIFO prefix of a FIFO keyword ("", "vrrp_"
// or "lvs_") and the fields it sets.
func globalFIFOType(g *Global, keyword string) (string, **FIFO, **Script) {
	switch {
	case strings.HasPrefix(keyword, "vrrp_"):
		return "vrrp_", &g.VRRPNotifyFIFO, &g.VRRPNotifyFIFOScript
	case strings.HasPrefix(keyword, "lvs_"):
		return "lvs_", &g.LVSNotifyFIFO, &g.LVSNotifyFIFOScript
	}
	return "", &g.NotifyFIFO, &g.NotifyFIFOScript
}

// parseNotifyFIFO reads a notify FIFO: notify_fifo gets every event,
// vrrp_notify_fifo the VRRP ones and lvs_notify_fifo the checker ones.
//
// Syntax:
//
//	notify_fifo PATH [USER [[:]GROUP]]
//	vrrp_notify_fifo PATH [USER [[:]GROUP]]
//	lvs_notify_fifo PATH [USER [[:]GROUP]]
func parseNotifyFIFO(p *parser, n *syntax.Node, g *Global) {
	typ, dest, _ := globalFIFOType(g, n.Keyword())
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "No %snotify_fifo name specified", typ)
		return
	}
	if *dest != nil {
		p.errorf(n, KindDuplicate, "%snotify_fifo already specified - ignoring %s", typ, n.Words[1])
		return
	}
	*dest = &FIFO{
		Path:  n.Words[1],
		User:  globalArg(n, 2),
		Group: strings.TrimPrefix(globalArg(n, 3), ":"),
		Pos:   n.Pos,
	}
}

// parseNotifyFIFOScript reads the script keepalived starts to read a
// notify FIFO; the FIFO's path is appended to its arguments.
//
// Syntax:
//
//	notify_fifo_script SCRIPT [USER [[:]GROUP]]
//	vrrp_notify_fifo_script SCRIPT [USER [[:]GROUP]]
//	lvs_notify_fifo_script SCRIPT [USER [[:]GROUP]]
func parseNotifyFIFOScript(p *parser, n *syntax.Node, g *Global) {
	typ, _, dest := globalFIFOType(g, n.Keyword())
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "No %snotify_fifo_script specified", typ)
		return
	}
	if *dest != nil {
		p.errorf(n, KindDuplicate, "%snotify_fifo_script already specified - ignoring %s", typ, n.Words[1])
		return
	}
	if s, ok := p.script(n); ok {
		*dest = s
	}
}

// validateFIFOs drops the FIFO settings keepalived's children drop: a
// VRRP or LVS FIFO that is the global one (events would be written
// twice), and the LVS script when LVS and VRRP share a FIFO and both have
// a script.
func (p *parser) validateFIFOs(g *Global) {
	if g.NotifyFIFO != nil && g.VRRPNotifyFIFO != nil && g.NotifyFIFO.Path == g.VRRPNotifyFIFO.Path {
		p.report(g.VRRPNotifyFIFO.Pos, Info, KindConflict, "notify FIFO %s has been specified for global and vrrp FIFO - ignoring vrrp FIFO", g.VRRPNotifyFIFO.Path)
		g.VRRPNotifyFIFO, g.VRRPNotifyFIFOScript = nil, nil
	}
	if g.NotifyFIFO != nil && g.LVSNotifyFIFO != nil && g.NotifyFIFO.Path == g.LVSNotifyFIFO.Path {
		p.report(g.LVSNotifyFIFO.Pos, Info, KindConflict, "notify FIFO %s has been specified for global and LVS FIFO - ignoring LVS FIFO", g.LVSNotifyFIFO.Path)
		g.LVSNotifyFIFO, g.LVSNotifyFIFOScript = nil, nil
	}
	if g.LVSNotifyFIFO != nil && g.VRRPNotifyFIFO != nil && g.LVSNotifyFIFO.Path == g.VRRPNotifyFIFO.Path &&
		g.LVSNotifyFIFOScript != nil && g.VRRPNotifyFIFOScript != nil {
		p.report(g.LVSNotifyFIFOScript.Pos, Info, KindConflict, "LVS notify FIFO and vrrp FIFO are the same both with scripts - ignoring LVS FIFO script")
		g.LVSNotifyFIFOScript = nil
	}
}
