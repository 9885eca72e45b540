package config

import "github.com/keepalived-go/keepalived/internal/config/syntax"

// vrrpStaticTrackGroups is keepalived's static_track_group_init(): track
// groups keep their existing instances; empty ones are removed. keepalived
// only logs these problems.
func (p *parser) vrrpStaticTrackGroups() {
	s := &p.cfg.VRRPSection
	var kept []*StaticTrackGroup
	for _, g := range s.TrackGroups {
		if p.vrrpSetTrackGroup(g) {
			kept = append(kept, g)
			continue
		}
		p.vrrpNote(g.Pos, Info, KindReference, "Static track group %s init fails - removing", g.Name)
	}
	s.TrackGroups = kept
	for _, a := range s.StaticAddresses {
		a.TrackGroup = p.vrrpStaticTracked(a.Pos, a.TrackGroup, a.NoTrack, "address")
	}
	for _, r := range s.StaticRoutes {
		r.TrackGroup = p.vrrpStaticTracked(r.Pos, r.TrackGroup, r.NoTrack, "route")
	}
	for _, r := range s.StaticRules {
		r.TrackGroup = p.vrrpStaticTracked(r.Pos, r.TrackGroup, r.NoTrack, "rule")
	}
}

func (p *parser) vrrpSetTrackGroup(g *StaticTrackGroup) bool {
	if len(g.Group) == 0 {
		p.vrrpNote(g.Pos, Info, KindMissing, "Static track group %s has no virtual router(s)", g.Name)
		return false
	}
	var members []string
	for _, name := range g.Group {
		if p.cfg.vrrpFindInstance(name) == nil {
			p.vrrpNote(g.Pos, Info, KindReference, "vrrp instance %s specified in track group %s doesn't exist - ignoring", name, g.Name)
			continue
		}
		members = append(members, name)
	}
	g.Group = members
	if len(members) == 0 {
		p.vrrpNote(g.Pos, Info, KindReference, "Static track group %s has no VRRP instance(s)", g.Name)
		return false
	}
	return true
}

// vrrpStaticTracked returns the track group a static object keeps: none
// if the group was removed or the object is not tracked.
func (p *parser) vrrpStaticTracked(pos syntax.Pos, group string, noTrack bool, what string) string {
	if group == "" || p.vrrpTrackGroup(group) == nil {
		return ""
	}
	if noTrack {
		p.vrrpNote(pos, Info, KindConflict, "Static %s has both track_group and no_track set - not tracking", what)
	}
	return group
}

// vrrpSyncGroupTracking is keepalived's sync_group_tracking_init(): a
// group with an address owner among its members cannot have weighted
// trackers.
func (p *parser) vrrpSyncGroupTracking() {
	g := &p.cfg.Global
	for _, sg := range p.cfg.SyncGroups {
		owner := false
		for _, name := range sg.Group {
			owner = owner || p.cfg.vrrpFindInstance(name).Priority == 255
		}
		if owner {
			p.vrrpOwnerGroupWeights(sg)
		}
		if !sg.set.smtpAlert {
			switch {
			case g.SMTPAlertVRRP != nil:
				sg.SMTPAlert = *g.SMTPAlertVRRP
			case g.SMTPAlert != nil:
				sg.SMTPAlert = *g.SMTPAlert
			}
		}
		if !sg.set.notifyPrio {
			sg.NotifyPriorityChanges = g.NotifyPriorityChanges
		}
	}
}

func (p *parser) vrrpOwnerGroupWeights(sg *VRRPSyncGroup) {
	for _, k := range []struct {
		list   []TrackRef
		what   string
		action string
	}{
		{sg.TrackScripts, "script", "clearing weight"},
		{sg.TrackFiles, "file", "setting weight 0"},
		{sg.TrackProcesses, "process", "setting weight 0"},
		{sg.TrackBFDs, "bfd", "setting weight 0"},
		{sg.TrackInterfaces, "interface", "clearing weight"},
	} {
		for i := range k.list {
			if t := &k.list[i]; t.Weight != 0 {
				p.vrrpNote(sg.Pos, Error, KindConflict, "(%s) Cannot have weighted track %s '%s' with member having priority %d - %s", sg.Name, k.what, t.Name, 255, k.action)
				t.Weight = 0
			}
		}
	}
}

// vrrpUnusedScripts removes the vrrp_scripts no instance or group tracks
// (keepalived logs this when it starts, not with -t).
func (p *parser) vrrpUnusedScripts() {
	s := &p.cfg.VRRPSection
	used := map[string]bool{}
	for _, v := range s.Instances {
		for _, t := range v.TrackScripts {
			used[t.Name] = true
		}
	}
	for _, g := range s.SyncGroups {
		for _, t := range g.TrackScripts {
			used[t.Name] = true
		}
	}
	var kept []*VRRPScript
	for _, sc := range s.Scripts {
		if used[sc.Name] {
			kept = append(kept, sc)
			continue
		}
		p.vrrpNote(sc.Pos, Info, KindReference, "Warning - script %s is not used", sc.Name)
	}
	s.Scripts = kept
}
