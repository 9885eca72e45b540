package config

import (
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// TrackFile is a track_file block (keepalived/trackers/track_file.c): a
// file holding an integer, watched with inotify, tracked by VRRP
// instances and sync groups and by real servers (FILE_CHECK).
type TrackFile struct {
	Name string `json:"name" dump:"label"`
	File string `json:"file"`
	// Weight multiplies the value read (-254..254, default 1; 0 means a
	// non-zero value is a failure).
	Weight TrackWeight `json:"weight"`
	// InitFile creates the file at start when it is missing (or always,
	// with overwrite).
	InitFile *TrackFileInit `json:"init_file,omitempty"`
	Pos      syntax.Pos     `json:"-"`
}

// TrackFileInit is init_file: the value written and whether an existing
// file is overwritten.
type TrackFileInit struct {
	Value     int  `json:"value"`
	Overwrite bool `json:"overwrite,omitempty"`
}

// String renders the init_file arguments.
func (t *TrackFileInit) String() string {
	s := strconv.Itoa(t.Value)
	if t.Overwrite {
		s += " overwrite"
	}
	return s
}

// vrrpFindTrackFile returns the track_file called name, or nil.
func (s *VRRPSection) vrrpFindTrackFile(name string) *TrackFile {
	for _, f := range s.TrackFiles {
		if f.Name == name {
			return f
		}
	}
	return nil
}

// parseTrackFile reads a track_file block (or its old name,
// vrrp_track_file).
//
// Syntax:
//
//	track_file NAME {
//	    file PATH
//	    weight -254..254 [reverse]
//	    init_file [VALUE] [overwrite]
//	}
func parseTrackFile(p *parser, n *syntax.Node, c *Config) {
	name, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	if n.Keyword() == "vrrp_track_file" {
		p.infof(n, KindDeprecated, "\"vrrp_track_file\" is deprecated, please use \"track_file\"")
	}
	f := &TrackFile{Name: name, Weight: TrackWeight{Value: 1}, Pos: n.Pos}
	parseBlock(p, n.Children, f, vrrpTrackFileTable)
	if f.File == "" {
		p.report(vrrpEndPos(n), Error, KindMissing, "No file set for track_file %s - ignoring", name)
		return
	}
	c.TrackFiles = append(c.TrackFiles, f)
}

var vrrpTrackFileTable = table[TrackFile]{
	"file": kw(func(p *parser, n *syntax.Node, f *TrackFile) {
		switch {
		case len(n.Words) < 2:
			p.errorf(n, KindMissing, "track file file name missing")
		case f.File != "":
			p.errorf(n, KindDuplicate, "File already set for track file %s - ignoring %s", f.Name, n.Words[1])
		default:
			f.File = n.Words[1]
		}
	}),
	"weight":    kw(vrrpTrackFileWeight),
	"init_file": kw(vrrpTrackFileInit),
}

func vrrpTrackFileWeight(p *parser, n *syntax.Node, f *TrackFile) {
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "No weight specified for track file %s - ignoring", f.Name)
		return
	}
	if f.Weight.Value != 1 {
		p.errorf(n, KindDuplicate, "Weight already set for track file %s - ignoring %s", f.Name, n.Words[1])
		return
	}
	v, ok := p.intWord(n, n.Words[1], -254, 254)
	if !ok {
		p.errorf(n, KindValue, "Weight (%s) for track_file %s must be between [-254..254] inclusive. Ignoring...", n.Words[1], f.Name)
		v = 1
	}
	f.Weight.Value = int(v)
	if len(n.Words) >= 3 {
		if n.Words[2] == "reverse" {
			f.Weight.Reverse = true
		} else {
			p.errorf(n, KindUnknown, "track_file %s unknown weight option %s", f.Name, n.Words[2])
		}
	}
}

func vrrpTrackFileInit(p *parser, n *syntax.Node, f *TrackFile) {
	f.InitFile = &TrackFileInit{}
	for _, w := range n.Words[1:] {
		word := strings.TrimLeft(w, " \t")
		switch {
		case word != "" && (word[0] == '-' || word[0] >= '0' && word[0] <= '9'):
			v, ok := p.intWord(n, w, -1<<31, 1<<31-1)
			if !ok {
				p.errorf(n, KindValue, "Track file %s init value %s is invalid", f.Name, word)
				v = 0
			} else if v < -254 || v > 254 {
				p.errorf(n, KindValue, "Track file %s init value %d is outside sensible range [%d, %d]", f.Name, v, -254, 254)
			}
			f.InitFile.Value = int(v)
		case word == "overwrite":
			f.InitFile.Overwrite = true
		default:
			p.errorf(n, KindUnknown, "Unknown track file init option %s", word)
		}
	}
}

// TrackProcess is a vrrp_track_process block: a process whose presence is
// tracked through the kernel's process events.
type TrackProcess struct {
	Name string `json:"name" dump:"label"`
	// Process is the process name (or path) and the parameters to match.
	Process VRRPCommandLine `json:"process"`
	// ParamMatch is how parameters are matched: exact (the default when
	// there are parameters), initial or partial; empty when unused.
	ParamMatch string `json:"param_match,omitempty"`
	// FullCommand matches the full command line rather than the name.
	FullCommand bool `json:"full_command"`
	// Weight is the default weight of the track_process entries
	// (-254..254, default 0: failure means FAULT).
	Weight TrackWeight `json:"weight"`
	// Quorum and QuorumMax bound the number of matching processes for the
	// tracker to be up (default 1 and no maximum).
	Quorum    int  `json:"quorum"`
	QuorumMax *int `json:"quorum_max,omitempty"`
	// ForkDelay and TerminateDelay delay the reaction to a process
	// starting or ending (0 = none).
	ForkDelay      Duration   `json:"fork_delay"`
	TerminateDelay Duration   `json:"terminate_delay"`
	Pos            syntax.Pos `json:"-"`
}

// VRRPCommandLine is a process name and its parameters.
type VRRPCommandLine []string

// String renders the words joined by blanks.
func (c VRRPCommandLine) String() string { return strings.Join(c, " ") }

// vrrpFindTrackProcess returns the vrrp_track_process called name, or nil.
func (s *VRRPSection) vrrpFindTrackProcess(name string) *TrackProcess {
	for _, t := range s.TrackProcesses {
		if t.Name == name {
			return t
		}
	}
	return nil
}

// parseTrackProcess reads a vrrp_track_process block.
//
// Syntax:
//
//	vrrp_track_process NAME {
//	    process NAME [PARAM ...]
//	    param_match [initial|partial]
//	    full_command
//	    weight -254..254 [reverse]
//	    quorum 1..65535
//	    quorum_max 0..65535
//	    delay|fork_delay|terminate_delay SECONDS
//	}
func parseTrackProcess(p *parser, n *syntax.Node, c *Config) {
	name, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	t := &TrackProcess{Name: name, Quorum: 1, Pos: n.Pos}
	parseBlock(p, n.Children, t, vrrpTrackProcessTable)
	if len(t.Process) == 0 {
		p.report(vrrpEndPos(n), Error, KindMissing, "track process '%s' process name not specified", name)
		return
	}
	c.TrackProcesses = append(c.TrackProcesses, t)
}

var vrrpTrackProcessTable = table[TrackProcess]{
	"process": kw(func(p *parser, n *syntax.Node, t *TrackProcess) {
		switch {
		case len(t.Process) > 0:
			p.errorf(n, KindDuplicate, "Process already set for track process %s - ignoring %s", t.Name, vrrpWord(n, 1))
		case p.nargs(n, 1, -1):
			t.Process = append(VRRPCommandLine(nil), n.Words[1:]...)
			if len(n.Words) > 2 {
				if t.ParamMatch == "" {
					t.ParamMatch = "exact"
				}
				t.FullCommand = true
			}
		}
	}),
	"param_match": kw(func(p *parser, n *syntax.Node, t *TrackProcess) {
		switch m := vrrpWord(n, 1); m {
		case "", "initial", "partial":
			if m == "" {
				m = "exact"
			}
			t.ParamMatch, t.FullCommand = m, true
		default:
			p.errorf(n, KindValue, "Invalid param_match type %s - ignoring", m)
		}
	}),
	"weight":          kw(vrrpTrackProcessWeight),
	"quorum":          kw(vrrpTrackProcessQuorum),
	"quorum_max":      kw(vrrpTrackProcessQuorumMax),
	"delay":           kw(vrrpTrackProcessDelay),
	"terminate_delay": kw(vrrpTrackProcessDelay),
	"fork_delay":      kw(vrrpTrackProcessDelay),
	"full_command":    kw(func(p *parser, n *syntax.Node, t *TrackProcess) { t.FullCommand = true }),
}

func vrrpTrackProcessWeight(p *parser, n *syntax.Node, t *TrackProcess) {
	switch {
	case len(n.Words) < 2:
		p.errorf(n, KindMissing, "No weight specified for track process %s - ignoring", t.Name)
		return
	case t.Weight.Value != 0:
		p.errorf(n, KindDuplicate, "Weight already set for track process %s - ignoring %s", t.Name, n.Words[1])
		return
	}
	v, ok := p.intWord(n, n.Words[1], -254, 254)
	if !ok {
		p.errorf(n, KindValue, "Weight (%s) for vrrp_track_process %s must be between [-254..254] inclusive. Ignoring...", n.Words[1], t.Name)
		return
	}
	if len(n.Words) >= 3 {
		if n.Words[2] == "reverse" {
			t.Weight.Reverse = true
		} else {
			p.errorf(n, KindUnknown, "vrrp_track_process %s unknown weight option %s", t.Name, n.Words[2])
		}
	}
	t.Weight.Value = int(v)
}

func vrrpTrackProcessQuorum(p *parser, n *syntax.Node, t *TrackProcess) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	q, ok := p.uintWord(n, s, 1, 65535)
	switch {
	case !ok:
		p.errorf(n, KindValue, "Quorum (%s) for vrrp_track_process %s must be between [1..65535] inclusive. Ignoring...", s, t.Name)
	case t.QuorumMax != nil && int(q) > *t.QuorumMax:
		p.errorf(n, KindConflict, "Quorum is greater than quorum_max - ignoring")
	default:
		t.Quorum = int(q)
	}
}

func vrrpTrackProcessQuorumMax(p *parser, n *syntax.Node, t *TrackProcess) {
	s, ok := p.vrrpArg(n, 1)
	if !ok {
		return
	}
	q, ok := p.uintWord(n, s, 0, 65535)
	if !ok {
		p.errorf(n, KindValue, "quorum_max (%s) for vrrp_track_process %s must be between [0..65535] inclusive. Ignoring...", s, t.Name)
		return
	}
	qm := int(q)
	if (qm != 0 || t.Quorum > 1) && qm < t.Quorum {
		p.errorf(n, KindConflict, "quorum_max is less than quorum - ignoring")
		return
	}
	t.QuorumMax = &qm
	if qm == 0 {
		t.Quorum = 0
	} else if t.Quorum == 0 {
		t.Quorum = 1
	}
}

func vrrpTrackProcessDelay(p *parser, n *syntax.Node, t *TrackProcess) {
	if len(n.Words) < 2 {
		p.nargs(n, 1, -1)
		return
	}
	d, ok := p.timer(n, 1, Microsecond, 3600*Second)
	kw := n.Keyword()
	if !ok {
		prefix := strings.TrimSuffix(kw, "delay")
		p.errorf(n, KindValue, "%sdelay (%s) for vrrp_track_process %s must be between [0.000001..3600] inclusive. Ignoring...", prefix, n.Words[1], t.Name)
		return
	}
	if kw != "fork_delay" {
		t.TerminateDelay = d
	}
	if kw != "terminate_delay" {
		t.ForkDelay = d
	}
}
