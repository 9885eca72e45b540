package config

import (
	"slices"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// VRRPSection holds the VRRP child's configuration: the instances, their
// sync groups, the objects they track and the static addresses, routes
// and rules. Lists keep the order of the file; an object is tracked by
// name only if it is defined before the instance or group that tracks it,
// as in keepalived.
type VRRPSection struct {
	TrackGroups     []*StaticTrackGroup `json:"track_group,omitempty"`
	StaticAddresses []*IPAddress        `json:"static_ipaddress,omitempty"`
	StaticRoutes    []*IPRoute          `json:"static_routes,omitempty"`
	StaticRules     []*IPRule           `json:"static_rules,omitempty"`
	TrackFiles      []*TrackFile        `json:"track_file,omitempty"`
	TrackProcesses  []*TrackProcess     `json:"vrrp_track_process,omitempty"`
	BFDInstances    []*BFDInstance      `json:"bfd_instance,omitempty"`
	Scripts         []*VRRPScript       `json:"vrrp_script,omitempty"`
	GarpGroups      []*GarpGroup        `json:"garp_group,omitempty"`
	SyncGroups      []*VRRPSyncGroup    `json:"vrrp_sync_group,omitempty"`
	Instances       []*VRRPInstance     `json:"vrrp_instance,omitempty"`

	vrrpState vrrpParseState
}

// vrrpParseState is what the VRRP parser remembers between blocks.
type vrrpParseState struct {
	// missingIf is keepalived's non_existent_interface_specified: an
	// interface that does not exist was named, so keepalived reports
	// "Non-existent interface specified in configuration" and skips the
	// instance checks of vrrp_complete_init().
	missingIf bool
	// scripts are the scripts configured in the VRRP section.
	scripts []*Script
	// autoRulePrios counts the rules given a preference (IPv4, IPv6):
	// they get 16384, 16383, ...
	autoRulePrios [2]uint32
}

// vrrpRuleStartPriority is the first preference given to rules without
// one (RULE_START_PRIORITY).
const vrrpRuleStartPriority = 16384

var vrrpRoot = table[Config]{
	"vrrp_instance":      blk(parseVRRPInstance),
	"vrrp_sync_group":    blk(parseVRRPSyncGroup),
	"vrrp_script":        blk(parseVRRPScript),
	"track_file":         blk(parseTrackFile),
	"vrrp_track_file":    blk(parseTrackFile),
	"vrrp_track_process": blk(parseTrackProcess),
	"bfd_instance":       blk(parseBFDInstance),
	"garp_group":         blk(parseGarpGroup),
	"track_group":        blk(parseStaticTrackGroup),
	"static_ipaddress":   blk(parseStaticAddresses),
	"static_routes":      blk(parseStaticRoutes),
	"static_rules":       blk(parseStaticRules),
}

// validateVRRP applies what keepalived's vrrp_complete_init() checks and
// corrects once the whole file is read.
func (p *parser) validateVRRP() {
	s := &p.cfg.VRRPSection
	if s.vrrpState.missingIf {
		p.report(syntax.Pos{}, Fatal, KindInterface, "Non-existent interface specified in configuration")
		// keepalived stops before its VRRP script security check
		p.cfg.scripts = slices.DeleteFunc(p.cfg.scripts, func(sc *Script) bool {
			return slices.Contains(s.vrrpState.scripts, sc)
		})
		p.vrrpQuietly(p.vrrpCompleteInit)
		return
	}
	p.vrrpCompleteInit()
}

// Helpers shared by the VRRP parsers.

// vrrpIfExists reports whether an interface exists (true when the
// options do not say).
func (p *parser) vrrpIfExists(name string) bool {
	return p.opts.InterfaceExists == nil || p.opts.InterfaceExists(name)
}

// vrrpInterface is keepalived's if_get_by_ifname(name,
// IF_CREATE_IF_DYNAMIC): it reports whether the interface can be used,
// which it can if it exists or dynamic_interfaces is set, and remembers
// a missing one.
func (p *parser) vrrpInterface(name string) bool {
	if p.vrrpIfExists(name) || p.cfg.Global.DynamicInterfaces {
		return true
	}
	p.cfg.vrrpState.missingIf = true
	return false
}

// vrrpIsLoopback reports whether an interface is a loopback one, which
// keepalived refuses for VRRP.
func vrrpIsLoopback(name string) bool { return name == "lo" }

// vrrpEndPos estimates the position of the '}' closing n's block, where
// keepalived reports the problems found when a block ends: the line after
// the last line of the block, plus one line for each nested block that
// ends with it. (The syntax tree does not record the closing brace.)
func vrrpEndPos(n *syntax.Node) syntax.Pos {
	pos, cur, extra := n.Pos, n, 0
	for cur.Block {
		extra++
		if len(cur.Children) == 0 {
			break
		}
		cur = cur.Children[len(cur.Children)-1]
	}
	pos.Line = cur.Pos.Line + extra
	return pos
}

// vrrpName returns the name of a named block ("vrrp_instance NAME {"),
// and false if there is not exactly one.
func vrrpName(n *syntax.Node) (string, bool) {
	if len(n.Words) != 2 {
		return "", false
	}
	return n.Words[1], true
}

// vrrpArg returns word i of n, reporting keepalived's missing parameter
// problem if there is none.
func (p *parser) vrrpArg(n *syntax.Node, i int) (string, bool) {
	if i < len(n.Words) {
		return n.Words[i], true
	}
	return "", p.nargs(n, i, -1)
}

// vrrpUint64 reads s as keepalived's read_unsigned64() does.
func (p *parser) vrrpUint64(n *syntax.Node, s string) (uint64, bool) {
	t := strings.TrimLeft(s, " \t")
	if strings.HasPrefix(t, "-") {
		p.errorf(n, KindValue, "negative number '%s'", s)
		return 0, false
	}
	v, err := strconv.ParseUint(t, 10, 64)
	switch {
	case err != nil && isRangeErr(err):
		p.errorf(n, KindValue, "number '%s' outside unsigned 64 bit range", s)
		return 0, false
	case err != nil:
		p.errorf(n, KindValue, "invalid number '%s'", s)
		return 0, false
	}
	return v, true
}

// vrrpUintAnyBase reads s as read_unsigned_base(s, 0) does: decimal, 0x
// hexadecimal or 0 octal, at most 32 bits.
func (p *parser) vrrpUintAnyBase(n *syntax.Node, s string) (uint32, bool) {
	switch v, ok := vrrpParseCNumber(s); {
	case strings.HasPrefix(s, "-"):
		p.errorf(n, KindValue, "negative number '%s'", s)
	case !ok:
		p.errorf(n, KindValue, "invalid number '%s'", s)
	case v > 0xFFFFFFFF:
		p.errorf(n, KindValue, "number '%s' outside unsigned integer range", s)
	default:
		return uint32(v), true
	}
	return 0, false
}

// vrrpBool reads keepalived's optional boolean argument (no argument
// means true) without reporting: ok is false for a word that is not a
// boolean, for the caller to report in its own words.
func vrrpBool(n *syntax.Node) (v, ok bool) {
	if len(n.Words) < 2 {
		return true, true
	}
	return parseBool(n.Words[1])
}

// vrrpScript reads a script keyword through p.script, counting the
// scripts of the VRRP section.
func (p *parser) vrrpScript(n *syntax.Node) (*Script, bool) {
	s, ok := p.script(n)
	if ok {
		p.cfg.vrrpState.scripts = append(p.cfg.vrrpState.scripts, s)
	}
	return s, ok
}

// vrrpFindInstance returns the instance called name, or nil.
func (s *VRRPSection) vrrpFindInstance(name string) *VRRPInstance {
	for _, v := range s.Instances {
		if v.Name == name {
			return v
		}
	}
	return nil
}
