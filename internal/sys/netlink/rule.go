package netlink

import (
	"errors"
	"fmt"
	"net"
	"net/netip"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/config"
)

// Rule actions (FR_ACT_*) by the names the config model uses.
var ruleActions = map[string]uint8{
	"":            unix.FR_ACT_TO_TBL,
	"table":       unix.FR_ACT_TO_TBL,
	"goto":        unix.FR_ACT_GOTO,
	"nop":         unix.FR_ACT_NOP,
	"blackhole":   unix.FR_ACT_BLACKHOLE,
	"unreachable": unix.FR_ACT_UNREACHABLE,
	"prohibit":    unix.FR_ACT_PROHIBIT,
}

// AddRule installs r. A rule already there is success.
func (h *Handle) AddRule(r *config.IPRule) error {
	nr, err := toRule(r)
	if err != nil {
		return fmt.Errorf("add rule %s: %w", r, err)
	}
	if err := h.nl.RuleAdd(nr); err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("add rule %s: %w", r, err)
	}
	return nil
}

// DelRule removes r. A rule that is not there is success.
func (h *Handle) DelRule(r *config.IPRule) error {
	nr, err := toRule(r)
	if err != nil {
		return fmt.Errorf("delete rule %s: %w", r, err)
	}
	if err := h.nl.RuleDel(nr); err != nil && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("delete rule %s: %w", r, err)
	}
	return nil
}

// toRule builds the request keepalived's netlink_rule() sends.
func toRule(r *config.IPRule) (*netlink.Rule, error) {
	if err := ruleUnsupported(r); err != nil {
		return nil, err
	}
	action, ok := ruleActions[r.Action]
	if !ok {
		return nil, &unsupportedError{"rule", "action " + r.Action}
	}
	nr := netlink.NewRule()
	nr.Family = family(r.Family)
	nr.Priority = int(r.Priority)
	nr.Invert = r.Not
	nr.Tos = uint(r.TOS)
	nr.Type = action
	nr.Src, nr.Dst = ruleAddr(r.From), ruleAddr(r.To)
	if action == unix.FR_ACT_TO_TBL {
		nr.Table = int(r.Table)
		if r.Table == 0 {
			nr.Table = int(config.RTTableMain)
		}
	}
	if action == unix.FR_ACT_GOTO {
		nr.Goto = int(r.Goto)
	}
	if r.FWMark != nil {
		nr.Mark = *r.FWMark
	}
	nr.Mask = r.FWMask
	if r.Realms != 0 {
		nr.Flow = int(r.Realms)
	}
	nr.SuppressPrefixlen = int(r.SuppressPrefixLength)
	if r.SuppressIfGroup != nil {
		nr.SuppressIfgroup = int(*r.SuppressIfGroup)
	}
	nr.IifName, nr.OifName = r.IIF, r.OIF
	if r.UIDRange != nil {
		nr.UIDRange = netlink.NewRuleUIDRange(r.UIDRange.Start, r.UIDRange.End)
	}
	nr.Protocol = uint8(r.Protocol)
	if r.IPProto != nil {
		nr.IPProto = int(*r.IPProto)
	}
	if r.SPort != nil {
		nr.Sport = netlink.NewRulePortRange(uint16(r.SPort.Start), uint16(r.SPort.End))
	}
	if r.DPort != nil {
		nr.Dport = netlink.NewRulePortRange(uint16(r.DPort.Start), uint16(r.DPort.End))
	}
	return nr, nil
}

// ruleAddr is a rule's from/to; "all" (a /0 prefix) sends nothing, which
// the kernel reads the same way.
func ruleAddr(p netip.Prefix) *net.IPNet {
	if !p.IsValid() || p.Bits() == 0 {
		return nil
	}
	return ipNet(p)
}

// ruleUnsupported names the first option of r that vishvananda/netlink
// v1.3.1 cannot send.
func ruleUnsupported(r *config.IPRule) error {
	u := func(opt string) error { return &unsupportedError{"rule", opt} }
	switch {
	case r.L3mdev:
		return u("l3mdev")
	case r.TunnelID != nil:
		// The library sends FRA_TUN_ID as 4 bytes; the kernel wants 8.
		return u("tunnel-id")
	case r.Table >= 256 && (r.SuppressPrefixLength >= 0 || r.SuppressIfGroup != nil):
		// The library sends the suppressors only with a table below 256.
		return u("suppress_prefixlength/suppress_ifgroup with a table above 255")
	}
	return nil
}
