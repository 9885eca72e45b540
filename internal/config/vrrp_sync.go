package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// VRRPSyncGroup is a vrrp_sync_group block: instances that change state
// together (keepalived/vrrp/vrrp_sync.c).
type VRRPSyncGroup struct {
	Name string `json:"name" dump:"label"`
	// Group lists the member instances; after validation only those that
	// exist and are in no other group remain.
	Group           []string   `json:"group"`
	TrackInterfaces []TrackRef `json:"track_interface,omitempty"`
	TrackScripts    []TrackRef `json:"track_script,omitempty"`
	TrackFiles      []TrackRef `json:"track_file,omitempty"`
	TrackProcesses  []TrackRef `json:"track_process,omitempty"`
	TrackBFDs       []TrackRef `json:"track_bfd,omitempty"`
	NotifyMaster    *Script    `json:"notify_master,omitempty"`
	NotifyBackup    *Script    `json:"notify_backup,omitempty"`
	NotifyFault     *Script    `json:"notify_fault,omitempty"`
	NotifyStop      *Script    `json:"notify_stop,omitempty"`
	Notify          *Script    `json:"notify,omitempty"`
	SMTPAlert       bool       `json:"smtp_alert"`
	// NotifyPriorityChanges defaults to vrrp_notify_priority_changes; it
	// is the default of the members.
	NotifyPriorityChanges bool `json:"notify_priority_changes"`
	// TrackingWeight is sync_group_tracking_weight (or the deprecated
	// global_tracking): members keep their weighted trackers.
	TrackingWeight bool       `json:"sync_group_tracking_weight,omitempty"`
	Pos            syntax.Pos `json:"-"`

	set struct{ group, smtpAlert, notifyPrio bool }
}

// vrrpFindSyncGroup returns the sync group called name, or nil.
func (s *VRRPSection) vrrpFindSyncGroup(name string) *VRRPSyncGroup {
	for _, g := range s.SyncGroups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// parseVRRPSyncGroup reads a vrrp_sync_group block.
//
// Syntax:
//
//	vrrp_sync_group NAME {
//	    group { INSTANCE ... }
//	    track_interface|track_script|track_file|track_process|track_bfd { ... }
//	    notify_master|notify_backup|notify_fault|notify_stop|notify SCRIPT
//	    smtp_alert [BOOL]
//	    notify_priority_changes [BOOL]
//	    sync_group_tracking_weight
//	}
func parseVRRPSyncGroup(p *parser, n *syntax.Node, c *Config) {
	name, ok := vrrpName(n)
	if !ok {
		p.errorf(n, KindMissing, "vrrp_sync_group must have a name - skipping")
		return
	}
	if c.vrrpFindSyncGroup(name) != nil {
		p.errorf(n, KindDuplicate, "vrrp sync group %s already defined", name)
		return
	}
	g := &VRRPSyncGroup{Name: name, Pos: n.Pos}
	c.SyncGroups = append(c.SyncGroups, g)
	parseBlock(p, n.Children, g, vrrpSyncGroupTable)
}

var vrrpSyncGroupTable = table[VRRPSyncGroup]{
	"group": blk(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		if g.set.group {
			p.errorf(n, KindDuplicate, "Group list already specified for sync group %s", g.Name)
			return
		}
		g.set.group = true
		g.Group = vrrpBlockWords(n)
		if len(g.Group) == 0 {
			p.report(vrrpEndPos(n), Error, KindMissing, "Warning - sync group %s has empty group block", g.Name)
		}
	}),
	"track_interface": blk(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		p.vrrpTrackBlock(n, g.Name, &g.TrackInterfaces, vrrpTrackInterfaceKind)
	}),
	"track_script": blk(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		p.vrrpTrackBlock(n, g.Name, &g.TrackScripts, vrrpTrackScriptKind)
	}),
	"track_file": blk(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		p.vrrpTrackBlock(n, g.Name, &g.TrackFiles, vrrpTrackFileKind)
	}),
	"track_process": blk(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		p.vrrpTrackBlock(n, g.Name, &g.TrackProcesses, vrrpTrackProcessKind)
	}),
	"track_bfd": blk(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		p.vrrpTrackBlock(n, g.Name, &g.TrackBFDs, vrrpTrackBFDKind)
	}),
	"notify_master": kw(vrrpGroupNotifyKw(func(g *VRRPSyncGroup) **Script { return &g.NotifyMaster })),
	"notify_backup": kw(vrrpGroupNotifyKw(func(g *VRRPSyncGroup) **Script { return &g.NotifyBackup })),
	"notify_fault":  kw(vrrpGroupNotifyKw(func(g *VRRPSyncGroup) **Script { return &g.NotifyFault })),
	"notify_stop":   kw(vrrpGroupNotifyKw(func(g *VRRPSyncGroup) **Script { return &g.NotifyStop })),
	"notify":        kw(vrrpGroupNotifyKw(func(g *VRRPSyncGroup) **Script { return &g.Notify })),
	"smtp_alert": kw(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		b, ok := vrrpBool(n)
		if !ok {
			p.errorf(n, KindValue, "Invalid vrrp_group smtp_alert parameter %s", n.Words[1])
			return
		}
		g.SMTPAlert, g.set.smtpAlert = b, true
	}),
	"notify_priority_changes": kw(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		b, ok := vrrpBool(n)
		if !ok {
			p.errorf(n, KindValue, "(%s) Invalid value '%s' for sync group notify_priority_changes specified", g.Name, n.Words[1])
			return
		}
		g.NotifyPriorityChanges, g.set.notifyPrio = b, true
	}),
	"global_tracking": kw(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		p.report(n.Pos, Error, KindDeprecated, "(%s) global_tracking is deprecated. Use track_interface/script/file on the sync group", g.Name)
		g.TrackingWeight = true
	}),
	"sync_group_tracking_weight": kw(func(p *parser, n *syntax.Node, g *VRRPSyncGroup) { g.TrackingWeight = true }),
}

// vrrpGroupNotifyKw returns the handler of a sync group notify keyword: the
// first one given is kept.
func vrrpGroupNotifyKw(field func(g *VRRPSyncGroup) **Script) func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
	return func(p *parser, n *syntax.Node, g *VRRPSyncGroup) {
		dst := field(g)
		if *dst != nil {
			p.errorf(n, KindDuplicate, "vrrp group %s: %s script already specified - ignoring %s", g.Name, n.Keyword(), vrrpWord(n, 1))
			return
		}
		if s, ok := p.vrrpScript(n); ok {
			*dst = s
		}
	}
}

// vrrpBlockWords returns all the words of a value block, as keepalived's
// read_value_block().
func vrrpBlockWords(n *syntax.Node) []string {
	var words []string
	for _, e := range values(n) {
		words = append(words, e.Words...)
	}
	return words
}

// StaticTrackGroup is a track_group block: the instances that go to FAULT
// state when a static address, route or rule naming the group (with
// track_group) disappears.
type StaticTrackGroup struct {
	Name string `json:"name" dump:"label"`
	// Group lists the instances; after validation only existing ones.
	Group []string   `json:"group"`
	Pos   syntax.Pos `json:"-"`

	groupSet bool
}

// vrrpTrackGroup returns the track_group called name, or nil.
func (p *parser) vrrpTrackGroup(name string) *StaticTrackGroup {
	for _, g := range p.cfg.TrackGroups {
		if g.Name == name {
			return g
		}
	}
	return nil
}

// parseStaticTrackGroup reads a track_group block.
//
// Syntax:
//
//	track_group NAME {
//	    group { INSTANCE ... }
//	}
func parseStaticTrackGroup(p *parser, n *syntax.Node, c *Config) {
	name, ok := vrrpName(n)
	if !ok {
		p.errorf(n, KindMissing, "track_group must have a name - skipping")
		return
	}
	if p.vrrpTrackGroup(name) != nil {
		p.errorf(n, KindDuplicate, "track_group %s already defined", name)
		return
	}
	g := &StaticTrackGroup{Name: name, Pos: n.Pos}
	c.TrackGroups = append(c.TrackGroups, g)
	parseBlock(p, n.Children, g, table[StaticTrackGroup]{
		"group": blk(func(p *parser, n *syntax.Node, g *StaticTrackGroup) {
			if g.groupSet {
				p.errorf(n, KindDuplicate, "Group list already specified for sync group %s", g.Name)
				return
			}
			g.groupSet = true
			g.Group = vrrpBlockWords(n)
			if len(g.Group) == 0 {
				p.report(vrrpEndPos(n), Error, KindMissing, "Warning - track group %s has empty group block", g.Name)
			}
		}),
	})
}

// GarpGroup is a garp_group block: the minimum gap between gratuitous ARP
// (or unsolicited NA) messages on some interfaces.
type GarpGroup struct {
	// GarpInterval and GnaInterval are the gaps (µs resolution).
	GarpInterval Duration `json:"garp_interval"`
	GnaInterval  Duration `json:"gna_interval"`
	// Interface lists the interfaces given one at a time, each limited on
	// its own; Interfaces those of the interfaces block, limited together.
	Interface  []string   `json:"interface,omitempty"`
	Interfaces []string   `json:"interfaces,omitempty"`
	Pos        syntax.Pos `json:"-"`

	haveGarp, haveGna bool
	aggregation       int
}

// parseGarpGroup reads a garp_group block.
//
// Syntax:
//
//	garp_group {
//	    garp_interval SECONDS
//	    gna_interval SECONDS
//	    interface IF
//	    interfaces { IF ... }
//	}
func parseGarpGroup(p *parser, n *syntax.Node, c *Config) {
	g := &GarpGroup{Pos: n.Pos}
	c.GarpGroups = append(c.GarpGroups, g)
	parseBlock(p, n.Children, g, vrrpGarpGroupTable)
	if !g.haveGarp && !g.haveGna {
		p.report(vrrpEndPos(n), Error, KindMissing, "garp group %d does not have any delay set - removing", g.aggregation)
		c.GarpGroups = c.GarpGroups[:len(c.GarpGroups)-1]
	}
}

var vrrpGarpGroupTable = table[GarpGroup]{
	"garp_interval": kw(func(p *parser, n *syntax.Node, g *GarpGroup) {
		if d, ok := p.vrrpGarpInterval(n); ok {
			g.GarpInterval, g.haveGarp = d, true
		}
	}),
	"gna_interval": kw(func(p *parser, n *syntax.Node, g *GarpGroup) {
		if d, ok := p.vrrpGarpInterval(n); ok {
			g.GnaInterval, g.haveGna = d, true
		}
	}),
	"interface": kw(func(p *parser, n *syntax.Node, g *GarpGroup) {
		if name, ok := p.vrrpArg(n, 1); ok && p.vrrpGarpInterface(n.Pos, name, false) {
			g.Interface = append(g.Interface, name)
		}
	}),
	"interfaces": blk(vrrpGarpInterfaces),
}

// vrrpGarpInterval reads garp_interval or gna_interval (0..2147.483647 s).
func (p *parser) vrrpGarpInterval(n *syntax.Node) (Duration, bool) {
	if len(n.Words) < 2 {
		p.nargs(n, 1, -1)
		return 0, false
	}
	d, ok := p.timer(n, 1, 0, Duration(1<<31-1)*Microsecond)
	if !ok {
		p.errorf(n, KindValue, "garp_group %s '%s' invalid", n.Keyword(), n.Words[1])
		return 0, false
	}
	if d >= Second {
		p.infof(n, KindValue, "The %s is very large - %s seconds", n.Keyword(), n.Words[1])
	}
	return d, true
}

// vrrpGarpInterface checks an interface for a garp_group: it must exist
// and be in no other group.
func (p *parser) vrrpGarpInterface(pos syntax.Pos, name string, inBlock bool) bool {
	if !p.vrrpIfExists(name) {
		if inBlock && p.cfg.Global.DynamicInterfaces {
			p.report(pos, Info, KindInterface, "WARNING - interface %s specified for garp_group doesn't exist", name)
			return false
		}
		if !p.vrrpInterface(name) {
			p.report(pos, Error, KindInterface, "WARNING - interface %s specified for garp_group doesn't exist", name)
			return false
		}
	}
	for _, o := range p.cfg.GarpGroups {
		if vrrpContains(o.Interface, name) || vrrpContains(o.Interfaces, name) {
			p.report(pos, Error, KindDuplicate, "garp_group already specified for %s - ignoring", name)
			return false
		}
	}
	return true
}

// vrrpGarpInterfaces reads the interfaces block; keepalived reads the
// whole block before checking it, so problems are reported at its end.
func vrrpGarpInterfaces(p *parser, n *syntax.Node, g *GarpGroup) {
	end := vrrpEndPos(n)
	words := vrrpBlockWords(n)
	if len(words) == 0 {
		p.report(end, Error, KindMissing, "Warning - empty garp_group interfaces block")
		return
	}
	g.aggregation = 1
	for _, o := range p.cfg.GarpGroups {
		if o != g && o.aggregation != 0 {
			g.aggregation++
		}
	}
	for _, name := range words {
		if p.vrrpGarpInterface(end, name, true) {
			g.Interfaces = append(g.Interfaces, name)
		}
	}
}
