package config

import (
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// globalProcessTable: scheduling of the VRRP, checker and BFD children.
var globalProcessTable = globalProcessKeywords()

// globalProcessKeywords builds globalProcessTable: the same keywords for
// each of the three children.
func globalProcessKeywords() table[Global] {
	t := table[Global]{
		"max_auto_priority":       kw(parseMaxAutoPriority),
		"min_auto_priority_delay": kw(parseMinAutoPriorityDelay),
	}
	for _, proc := range []string{"vrrp", "checker", "bfd"} {
		t[proc+"_priority"] = kw(parseProcessPriority)
		t[proc+"_no_swap"] = kw(parseProcessNoSwap)
		t[proc+"_rt_priority"] = kw(parseProcessRTPriority)
		t[proc+"_cpu_affinity"] = kw(parseProcessCPUAffinity)
		t[proc+"_rlimit_rttime"] = kw(parseProcessRlimit)
		t[proc+"_rlimit_rtime"] = kw(parseProcessRlimit) // deprecated
	}
	return t
}

// globalProc is the scheduling settings of one child process.
type globalProc struct {
	name     string // vrrp, checker or bfd
	priority *int
	noSwap   *bool
	rt       *int
	cpus     *CPUSet
	rlimit   *int
}

// globalProcOf returns the settings of the process a keyword is about.
func globalProcOf(g *Global, keyword string) globalProc {
	name, _, _ := strings.Cut(keyword, "_")
	switch name {
	case "vrrp":
		return globalProc{name, &g.VRRPPriority, &g.VRRPNoSwap, &g.VRRPRTPriority, &g.VRRPCPUAffinity, &g.VRRPRlimitRTTime}
	case "checker":
		return globalProc{name, &g.CheckerPriority, &g.CheckerNoSwap, &g.CheckerRTPriority, &g.CheckerCPUAffinity, &g.CheckerRlimitRTTime}
	}
	return globalProc{name, &g.BFDPriority, &g.BFDNoSwap, &g.BFDRTPriority, &g.BFDCPUAffinity, &g.BFDRlimitRTTime}
}

// parseProcessPriority reads a child's nice value; an invalid value sets
// 0, as keepalived does.
//
// Syntax:
//
//	vrrp_priority|checker_priority|bfd_priority -20..19
func parseProcessPriority(p *parser, n *syntax.Node, g *Global) {
	proc := globalProcOf(g, n.Keyword())
	if !p.globalNeed(n, 1, "No "+proc.name+" process priority specified") {
		*proc.priority = 0
		return
	}
	v, _ := p.globalInt(n, 1, -20, 19, "Invalid "+proc.name+" process priority specified")
	*proc.priority = int(v)
}

// parseProcessNoSwap locks a child's memory (mlockall).
//
// Syntax:
//
//	vrrp_no_swap|checker_no_swap|bfd_no_swap
func parseProcessNoSwap(p *parser, n *syntax.Node, g *Global) {
	*globalProcOf(g, n.Keyword()).noSwap = true
}

// globalRTMin and globalRTMax are SCHED_RR's priority range on Linux.
const (
	globalRTMin = 1
	globalRTMax = 99
)

// parseProcessRTPriority makes a child realtime (SCHED_RR); values out of
// range are clamped.
//
// Syntax:
//
//	vrrp_rt_priority|checker_rt_priority|bfd_rt_priority 1..99
func parseProcessRTPriority(p *parser, n *syntax.Node, g *Global) {
	proc := globalProcOf(g, n.Keyword())
	if !p.globalNeed(n, 1, "No "+proc.name+" process real-time priority specified") {
		return
	}
	v, ok := p.globalInt(n, 1, -1<<31, 1<<31-1, proc.name+" process real-time priority '%[1]s' invalid")
	if !ok {
		return
	}
	switch {
	case v < globalRTMin:
		p.errorf(n, KindValue, "%s process real-time priority %d less than minimum %d - setting to minimum", proc.name, v, globalRTMin)
		v = globalRTMin
	case v > globalRTMax:
		p.errorf(n, KindValue, "%s process real-time priority %d greater than maximum %d - setting to maximum", proc.name, v, globalRTMax)
		v = globalRTMax
	}
	*proc.rt = int(v)
}

// globalMaxCPU is the largest CPU number accepted (CPU_SETSIZE - 1).
// keepalived also rejects CPUs that are not online, which is known only
// on the host that runs the configuration.
const globalMaxCPU = 1023

// parseProcessCPUAffinity binds a child to CPUs; an invalid CPU clears
// the whole set.
//
// Syntax:
//
//	vrrp_cpu_affinity|checker_cpu_affinity|bfd_cpu_affinity CPU ...
func parseProcessCPUAffinity(p *parser, n *syntax.Node, g *Global) {
	proc := globalProcOf(g, n.Keyword())
	if !p.globalNeed(n, 1, "No "+proc.name+" cpu_id set specified") {
		return
	}
	var set CPUSet
	for i, w := range n.Words[1:] {
		v, ok := p.int(n, i+1, 0, globalMaxCPU)
		if !ok {
			p.errorf(n, KindValue, "Invalid cpu_id:%d specified for %s process", globalStrtol(w), proc.name)
			*proc.cpus = nil
			return
		}
		set = append(set, int(v))
	}
	*proc.cpus = set
}

// parseProcessRlimit reads a child's RLIMIT_RTTIME in microseconds (1 is
// raised to 2); an invalid value sets 0 (no limit), as keepalived does.
// The *_rlimit_rtime spellings are deprecated.
//
// Syntax:
//
//	vrrp_rlimit_rttime|checker_rlimit_rttime|bfd_rlimit_rttime MICROSECONDS
func parseProcessRlimit(p *parser, n *syntax.Node, g *Global) {
	proc := globalProcOf(g, n.Keyword())
	if kwd := n.Keyword(); strings.HasSuffix(kwd, "_rtime") {
		p.infof(n, KindDeprecated, "Keyword '%s' is deprecated - please use '%srttime'", kwd, strings.TrimSuffix(kwd, "rtime"))
	}
	if len(n.Words) < 2 {
		p.nargs(n, 1, -1)
		return
	}
	v, ok := p.globalUint(n, 1, 1, globalMaxUint, "Invalid "+proc.name+" real-time limit - %[1]s")
	if ok && v == 1 {
		v = 2
	}
	*proc.rlimit = int(v)
}

// parseMaxAutoPriority reads the highest realtime priority a late
// process raises itself to; no value means the maximum, -1 disables.
//
// Syntax:
//
//	max_auto_priority [-1..99]
func parseMaxAutoPriority(p *parser, n *syntax.Node, g *Global) {
	if len(n.Words) < 2 {
		g.MaxAutoPriority = globalRTMax
		return
	}
	if v, ok := p.globalInt(n, 1, -1, globalRTMax, "max_auto_priority '%[1]s' must be in [0, 99] (or -1 to disable) - ignoring"); ok {
		g.MaxAutoPriority = int(v)
	}
}

// parseMinAutoPriorityDelay reads the lateness that raises the priority.
//
// Syntax:
//
//	min_auto_priority_delay MICROSECONDS
func parseMinAutoPriorityDelay(p *parser, n *syntax.Node, g *Global) {
	if !p.globalNeed(n, 1, "min_auto_priority_delay requires delay time") {
		return
	}
	if v, ok := p.globalUint(n, 1, 1, 10000000, "min_auto_priority_delay '%[1]s' must be in [1, 10000000] - ignoring"); ok {
		g.MinAutoPriorityDelay = int(v)
	}
}
