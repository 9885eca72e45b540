package config

import (
	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// vrrpTrackKind describes one kind of track_* block entry
// (keepalived's alloc_track_if/script/process/bfd and
// vrrp_alloc_track_file). Message formats take the owner (instance or
// group name), the tracked name and the word in question, in that order.
type vrrpTrackKind struct {
	// lookup returns the tracked object's default weight, and false if
	// it does not exist (after reporting, for interfaces).
	lookup func(p *parser, e *syntax.Node, owner, name string) (TrackWeight, bool)

	notFound, dup, unknownOpt, noValue, badWeight, unknownWeightOpt string

	lo, hi int64
	// clamp254 accepts ±254 as ±253 with an error.
	clamp254 bool
	// badWeightZero uses weight 0 after a bad weight, rather than the
	// object's own.
	badWeightZero bool
	// noreverse accepts "noreverse" after the weight.
	noreverse bool
	// dropOnBadOpt drops the entry after an unknown word following the
	// weight.
	dropOnBadOpt bool
}

var vrrpTrackInterfaceKind = &vrrpTrackKind{
	lookup: func(p *parser, e *syntax.Node, owner, name string) (TrackWeight, bool) {
		if !p.vrrpInterface(name) {
			p.errorf(e, KindInterface, "(%s) tracked interface %s doesn't exist", owner, name)
			return TrackWeight{}, false
		}
		return TrackWeight{}, true
	},
	dup:              "(%[1]s) duplicate track_interface %[2]s - ignoring",
	unknownOpt:       "(%[1]s) unknown track_interface %[2]s option %[3]s - ignoring",
	noValue:          "(%[1]s) weight without value specified for track_interface %[2]s - ignoring",
	badWeight:        "(%[1]s) weight %[3]s for %[2]s must be between [-253..253] inclusive. Ignoring...",
	unknownWeightOpt: "(%[1]s) unknown track_interace %[2]s weight option %[3]s - ignoring",
	lo:               -254, hi: 254, clamp254: true, badWeightZero: true,
}

var vrrpTrackScriptKind = &vrrpTrackKind{
	lookup: func(p *parser, e *syntax.Node, owner, name string) (TrackWeight, bool) {
		if s := p.cfg.vrrpFindScript(name); s != nil {
			return s.Weight, true
		}
		return TrackWeight{}, false
	},
	notFound:         "(%[1]s) track script %[2]s not found, ignoring...",
	dup:              "(%[1]s) duplicate track_script %[2]s - ignoring",
	unknownOpt:       "(%[1]s) unknown track script option %[3]s - ignoring",
	noValue:          "(%[1]s) weight without value specified for track script %[2]s - ignoring",
	badWeight:        "(%[1]s) track script %[2]s: weight must be between [-253..253] inclusive, ignoring...",
	unknownWeightOpt: "(%[1]s) unknown track_script %[2]s weight option %[3]s - ignoring",
	lo:               -254, hi: 254, clamp254: true, noreverse: true,
}

var vrrpTrackFileKind = &vrrpTrackKind{
	lookup: func(p *parser, e *syntax.Node, owner, name string) (TrackWeight, bool) {
		if f := p.cfg.vrrpFindTrackFile(name); f != nil {
			return f.Weight, true
		}
		return TrackWeight{}, false
	},
	notFound:         "(%[1]s) track file %[2]s not found, ignoring...",
	dup:              "(%[1]s) duplicate track_file %[2]s - ignoring",
	unknownOpt:       "(%[1]s) unknown track file option %[3]s - ignoring",
	noValue:          "(%[1]s) weight without value specified for track file %[2]s - ignoring",
	badWeight:        "(%[1]s) weight for track file %[2]s must be in [-254..254] inclusive. Ignoring...",
	unknownWeightOpt: "(%[1]s) unknown track file %[2]s weight option %[3]s - ignoring",
	lo:               -254, hi: 254, noreverse: true, dropOnBadOpt: true,
}

var vrrpTrackProcessKind = &vrrpTrackKind{
	lookup: func(p *parser, e *syntax.Node, owner, name string) (TrackWeight, bool) {
		if t := p.cfg.vrrpFindTrackProcess(name); t != nil {
			return t.Weight, true
		}
		return TrackWeight{}, false
	},
	notFound:         "(%[1]s) track process %[2]s not found, ignoring...",
	dup:              "(%[1]s) duplicate track_process %[2]s - ignoring",
	unknownOpt:       "(%[1]s) unknown track process option %[3]s - ignoring",
	noValue:          "(%[1]s) weight without value specified for track process %[2]s - ignoring",
	badWeight:        "(%[1]s) weight for track process %[2]s must be in [-254..254] inclusive. Ignoring...",
	unknownWeightOpt: "(%[1]s) unknown track_process %[2]s weight option %[3]s - ignoring",
	lo:               -254, hi: 254, noreverse: true,
}

var vrrpTrackBFDKind = &vrrpTrackKind{
	lookup: func(p *parser, e *syntax.Node, owner, name string) (TrackWeight, bool) {
		if b := p.cfg.vrrpFindBFD(name); b != nil {
			return b.Weight, true
		}
		return TrackWeight{}, false
	},
	notFound:         "(%[1]s) track bfd %[2]s not found, ignoring...",
	dup:              "(%[1]s) duplicate track_bfd %[2]s - ignoring",
	unknownOpt:       "(%[1]s) unknown track bfd %[2]s option %[3]s - ignoring",
	noValue:          "(%[1]s) weight without value specified for track bfd %[2]s - ignoring",
	badWeight:        "(%[1]s) weight for track bfd %[2]s must be in [-253..253] inclusive. Ignoring...",
	unknownWeightOpt: "(%[1]s) unknown track bfd %[2]s weight option %[3]s - ignoring",
	lo:               -253, hi: 253, noreverse: true, dropOnBadOpt: true,
}

// vrrpTrackBlock reads the entries of a track_* block into list.
//
// Syntax:
//
//	track_script {
//	    NAME [weight -253..253 [reverse|noreverse]]
//	}
func (p *parser) vrrpTrackBlock(n *syntax.Node, owner string, list *[]TrackRef, k *vrrpTrackKind) {
	for _, e := range values(n) {
		if t, ok := p.vrrpTrackEntry(e, owner, *list, k); ok {
			*list = append(*list, t)
		}
	}
}

// vrrpTrackEntry reads one entry; ok is false when it is dropped.
func (p *parser) vrrpTrackEntry(e *syntax.Node, owner string, list []TrackRef, k *vrrpTrackKind) (TrackRef, bool) {
	w := e.Words
	name := w[0]
	def, ok := k.lookup(p, e, owner, name)
	if !ok {
		if k.notFound != "" {
			p.errorf(e, KindReference, k.notFound, owner, name, "")
		}
		return TrackRef{}, false
	}
	for _, t := range list {
		if t.Name == name {
			p.errorf(e, KindDuplicate, k.dup, owner, name, "")
			return TrackRef{}, false
		}
	}
	t := TrackRef{Name: name, Weight: def.Value, Reverse: def.Reverse, Pos: e.Pos}
	if len(w) < 2 {
		return t, true
	}
	if w[1] != "weight" {
		p.errorf(e, KindUnknown, k.unknownOpt, owner, name, w[1])
		return TrackRef{}, false
	}
	if len(w) == 2 {
		p.errorf(e, KindMissing, k.noValue, owner, name, "")
		return TrackRef{}, false
	}
	t.Weight = p.vrrpTrackWeight(e, owner, name, w[2], def.Value, k)
	if len(w) >= 4 {
		switch {
		case w[3] == "reverse":
			t.Reverse = true
		case w[3] == "noreverse" && k.noreverse:
			t.Reverse = false
		default:
			p.errorf(e, KindUnknown, k.unknownWeightOpt, owner, name, w[3])
			if k.dropOnBadOpt {
				return TrackRef{}, false
			}
		}
	}
	return t, true
}

// vrrpTrackWeight reads the weight of a track entry.
func (p *parser) vrrpTrackWeight(e *syntax.Node, owner, name, s string, def int, k *vrrpTrackKind) int {
	v, ok := p.intWord(e, s, k.lo, k.hi)
	switch {
	case !ok:
		p.errorf(e, KindValue, k.badWeight, owner, name, s)
		if k.badWeightZero {
			return 0
		}
		return def
	case k.clamp254 && (v == 254 || v == -254):
		p.errorf(e, KindValue, "(%s) weight for %s cannot be +/-254. Setting to +/-253", owner, name)
		if v < 0 {
			return -253
		}
		return 253
	}
	return int(v)
}
