package config

import (
	"math"
	"strconv"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// FileCheck is a FILE_CHECK: the number in a track_file (defined at the
// top level) times the weight is added to the real server's weight; a
// result of -2147483648 or less marks the server down.
type FileCheck struct {
	TrackFile string `json:"track_file"`
	// Weight is the FILE_CHECK's weight; nil takes the track_file's.
	Weight *FileCheckWeight `json:"weight,omitempty"`
	Pos    syntax.Pos       `json:"-"`

	trackPos syntax.Pos // the track_file line
	endPos   syntax.Pos // the end of the block
}

// FileCheckWeight is "weight N [reverse]".
type FileCheckWeight struct {
	Weight  int32 `json:"weight"`
	Reverse bool  `json:"reverse,omitempty"`
}

// String renders the weight as the value of weight.
func (w *FileCheckWeight) String() string {
	s := strconv.Itoa(int(w.Weight))
	if w.Reverse {
		s += " reverse"
	}
	return s
}

var fileCheckTable = table[FileCheck]{
	"track_file": kw(func(p *parser, n *syntax.Node, c *FileCheck) {
		if lvsNeed(p, n) {
			c.TrackFile, c.trackPos = n.Words[1], n.Pos
		}
	}),
	"weight": kw(parseFileCheckWeight),
}

// parseFileCheck reads a FILE_CHECK block; one without track_file is
// dropped. Whether the track_file exists is checked by
// lvsCheckFileTracks.
//
// Syntax:
//
//	FILE_CHECK {
//	    track_file NAME
//	    weight N [reverse|noreverse]   # -2147483647..2147483647
//	}
func parseFileCheck(p *parser, n *syntax.Node, rs *RealServer) {
	c := &FileCheck{Pos: n.Pos, endPos: blockEnd(n)}
	parseBlock(p, n.Children, c, fileCheckTable)
	if c.TrackFile == "" {
		p.report(blockEnd(n), Error, KindMissing, "FILE_CHECK has no track_file specified - ignoring")
		return
	}
	rs.FileCheck = append(rs.FileCheck, c)
}

// parseFileCheckWeight reads the weight the track_file's value is
// multiplied by.
//
// Syntax:
//
//	weight N [reverse|noreverse]   # -2147483647..2147483647
func parseFileCheckWeight(p *parser, n *syntax.Node, c *FileCheck) {
	if len(n.Words) < 2 {
		p.errorf(n, KindMissing, "track file weight missing")
		return
	}
	v, ok := p.int(n, 1, -ipvsWeightLimit, ipvsWeightLimit)
	if !ok {
		return
	}
	w := &FileCheckWeight{Weight: int32(v)}
	if len(n.Words) > 2 {
		switch n.Words[2] {
		case "reverse":
			w.Reverse = true
		case "noreverse":
		default:
			p.errorf(n, KindValue, "unknown track file weight option %s - ignoring", n.Words[2])
			return
		}
	}
	c.Weight = w
}

// BFDCheck is a BFD_CHECK: the real server follows the state of a
// bfd_instance.
type BFDCheck struct {
	Name  string     `json:"name"`
	Alpha bool       `json:"alpha"`
	Pos   syntax.Pos `json:"-"`

	namePos syntax.Pos
	alpha   *bool
}

// parseBFDCheck reads a BFD_CHECK block; one without a valid name is
// dropped. Whether the bfd_instance exists is checked by lvsCheckBFDs.
//
// Syntax:
//
//	BFD_CHECK {
//	    name BFD_INSTANCE
//	    alpha [BOOL]
//	}
func parseBFDCheck(p *parser, n *syntax.Node, rs *RealServer) {
	c := &BFDCheck{Pos: n.Pos}
	who := lvsTrio(rs.Addr.Addr, rs.vs.Protocol, rs.Addr.Port)
	for _, line := range n.Children {
		switch line.Keyword() {
		case "name":
			if !p.lvsBFDName(line, rs, c, who) {
				return // keepalived drops the checker and ignores the rest
			}
		case "alpha":
			c.alpha = p.lvsOptBool(line, c.alpha)
		default:
			p.errorf(line, KindUnknown, "Unknown keyword '%s'", line.Keyword())
		}
	}
	if c.Name == "" {
		p.report(blockEnd(n), Error, KindMissing, "(%s) No name has been specified for BFD_CHECKER - skipping", who)
		return
	}
	rs.BFDCheck = append(rs.BFDCheck, c)
}

// lvsBFDName reads the name of a BFD_CHECK.
func (p *parser) lvsBFDName(n *syntax.Node, rs *RealServer, c *BFDCheck, who string) bool {
	const bfdNameMax = 31 // BFD_INAME_MAX - 1
	switch {
	case len(n.Words) != 2:
		p.errorf(n, KindValue, "(%s) BFD_CHECK - No or too many names specified - skipping checker", who)
	case c.Name != "":
		p.errorf(n, KindDuplicate, "(%s) BFD_CHECK - BFD %s already specified as %s", who, n.Words[1], c.Name)
	case len(n.Words[1]) > bfdNameMax:
		p.errorf(n, KindValue, "(%s) BFD_CHECK - BFD name %s too long", who, n.Words[1])
	case rs.tracksBFD(n.Words[1]):
		p.errorf(n, KindDuplicate, "(%s) BFD_CHECK - RS already monitoring %s", who, n.Words[1])
	default:
		c.Name, c.namePos = n.Words[1], n.Pos
		return true
	}
	return false
}

// tracksBFD tells whether a BFD_CHECK of rs already follows name.
func (rs *RealServer) tracksBFD(name string) bool {
	for _, b := range rs.BFDCheck {
		if b.Name == name {
			return true
		}
	}
	return false
}

// lvsTrackFileLookup returns how to find a root track_file block: its
// weight and reverse flag, and whether it is defined before pos.
func (p *parser) lvsTrackFileLookup() func(name string, pos syntax.Pos) (weight int32, reverse, ok bool) {
	return func(name string, pos syntax.Pos) (int32, bool, bool) {
		for _, t := range p.cfg.TrackFiles {
			if t.Name == name && definedBefore(t.Pos, pos) {
				return int32(t.Weight.Value), t.Weight.Reverse, true
			}
		}
		return 0, false, false
	}
}

// lvsBFDLookup returns how to find a bfd_instance: whether it is
// defined before pos.
func (p *parser) lvsBFDLookup() func(name string, pos syntax.Pos) bool {
	return func(name string, pos syntax.Pos) bool {
		for _, b := range p.cfg.BFDInstances {
			if b.Name == name && definedBefore(b.Pos, pos) {
				return true
			}
		}
		return false
	}
}

// definedBefore reports whether an object at def was read before a
// reference at use. Positions in different files are not ordered (the
// include order is not recorded), so they count as before.
func definedBefore(def, use syntax.Pos) bool {
	return def.File != use.File || def.Line < use.Line
}

// lvsCheckFileTracks checks that the track_file of every FILE_CHECK is
// defined, dropping the FILE_CHECKs whose track_file is not, and gives
// the FILE_CHECKs without a weight their track_file's.
// keepalived looks the track_file up while parsing, so it must be
// defined first.
func (p *parser) lvsCheckFileTracks(lookup func(name string, pos syntax.Pos) (weight int32, reverse, ok bool)) {
	for _, vs := range p.cfg.VirtualServers {
		for _, rs := range vs.RealServers {
			kept := rs.FileCheck[:0]
			for _, c := range rs.FileCheck {
				weight, reverse, ok := lookup(c.TrackFile, c.trackPos)
				if !ok {
					p.report(c.trackPos, Error, KindReference, "track_file %s not found", c.TrackFile)
					p.report(c.endPos, Error, KindMissing, "FILE_CHECK has no track_file specified - ignoring")
					continue
				}
				if c.Weight == nil {
					c.Weight = &FileCheckWeight{Weight: weight, Reverse: reverse}
				}
				kept = append(kept, c)
			}
			rs.FileCheck = kept
		}
	}
}

// lvsCheckBFDs checks that the bfd_instance of every BFD_CHECK is
// defined, dropping the BFD_CHECKs whose instance is not.
// keepalived looks the instance up while parsing, so it must be defined
// first.
func (p *parser) lvsCheckBFDs(lookup func(name string, pos syntax.Pos) bool) {
	for _, vs := range p.cfg.VirtualServers {
		for _, rs := range vs.RealServers {
			kept := rs.BFDCheck[:0]
			for _, c := range rs.BFDCheck {
				if !lookup(c.Name, c.namePos) {
					p.report(c.namePos, Error, KindReference, "(%s) BFD_CHECK - BFD %s not configured", lvsTrio(rs.Addr.Addr, vs.Protocol, rs.Addr.Port), c.Name)
					continue
				}
				kept = append(kept, c)
			}
			rs.BFDCheck = kept
		}
	}
}

// lvsWeightSum adds real server weights without overflow.
func lvsWeightSum(a uint64, w int32) uint64 {
	if w < 0 {
		return a
	}
	if a > math.MaxUint64-uint64(w) {
		return math.MaxUint64
	}
	return a + uint64(w)
}
