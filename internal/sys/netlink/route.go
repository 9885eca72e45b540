package netlink

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"

	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"

	"github.com/keepalived-go/keepalived/internal/config"
)

// unsupportedError names a configured option this package cannot send to
// the kernel, so that it is never ignored silently.
type unsupportedError struct{ what, option string }

func (e *unsupportedError) Error() string {
	return fmt.Sprintf("%s option %s is not supported", e.what, e.option)
}

// ErrUnsupported reports whether err comes from an option of a route or
// rule that this package does not implement.
func ErrUnsupported(err error) bool {
	var u *unsupportedError
	return errors.As(err, &u)
}

// routeLinks resolves interface names to indexes.
type routeLinks func(name string) (int, error)

// AddRoute installs r as keepalived does (prepend, the default; "add"
// fails on a route with the same key; "append"). dev is the interface
// when r names none (a VIP's instance interface); both may be empty for a
// route without a device (blackhole). A route already there is success.
func (h *Handle) AddRoute(r *config.IPRoute, dev string) error {
	nr, err := toRoute(r, dev, true, h.linkIndex)
	if err != nil {
		return fmt.Errorf("add route %s: %w", r, err)
	}
	switch r.Mode {
	case "add":
		err = h.nl.RouteAdd(nr)
	case "append":
		err = h.nl.RouteAppend(nr)
	default: // prepend: NLM_F_CREATE alone
		err = h.nl.RouteAddEcmp(nr)
	}
	if err != nil && !errors.Is(err, unix.EEXIST) {
		return fmt.Errorf("add route %s: %w", r, err)
	}
	return nil
}

// DelRoute removes r. A route (or interface) that is not there is
// success.
func (h *Handle) DelRoute(r *config.IPRoute, dev string) error {
	nr, err := toRoute(r, dev, false, h.linkIndex)
	if ErrNoSuchInterface(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("delete route %s: %w", r, err)
	}
	err = h.nl.RouteDel(nr)
	if err != nil && !errors.Is(err, unix.ESRCH) && !errors.Is(err, unix.ENOENT) && !errors.Is(err, unix.ENODEV) {
		return fmt.Errorf("delete route %s: %w", r, err)
	}
	return nil
}

func (h *Handle) linkIndex(name string) (int, error) {
	l, err := h.link(name)
	if err != nil {
		return 0, err
	}
	return l.Attrs().Index, nil
}

// toRoute builds the request keepalived's netlink_route() sends: protocol
// keepalived unless another is given, scope universe on add and nowhere
// (any) on delete unless one is given, the type on delete only when it is
// not unicast.
func toRoute(r *config.IPRoute, dev string, add bool, links routeLinks) (*netlink.Route, error) {
	if err := routeUnsupported(r); err != nil {
		return nil, err
	}
	nr := &netlink.Route{
		Family: family(r.Family), Dst: ipNet(routeDest(r)), Table: int(r.Table),
		Type: int(r.Type), Scope: netlink.Scope(r.Scope), Protocol: netlink.RouteProtocol(config.RTProtoKeepalived),
		Realm: int(r.Realms),
	}
	if r.Protocol != 0 {
		nr.Protocol = netlink.RouteProtocol(r.Protocol)
	}
	if !add {
		if r.Scope == config.RTScopeGlobal {
			nr.Scope = netlink.SCOPE_NOWHERE
		}
		if r.Type == config.RTTypeUnicast {
			nr.Type = 0
		}
	}
	if r.Src.IsValid() {
		nr.Src = net.IP(r.Src.AsSlice())
	}
	if r.Via.IsValid() {
		nr.Gw = net.IP(r.Via.AsSlice())
	}
	if r.Metric != nil {
		nr.Priority = int(*r.Metric)
	}
	if r.TOS != nil {
		nr.Tos = int(*r.TOS)
	}
	if r.Onlink {
		nr.Flags |= unix.RTNH_F_ONLINK
	}
	if name := cmpOr(r.Dev, dev); name != "" && len(r.Nexthops) == 0 {
		i, err := links(name)
		if err != nil {
			return nil, err
		}
		nr.LinkIndex = i
	}
	setMetrics(nr, r)
	hops, err := toNexthops(r.Nexthops, links)
	nr.MultiPath = hops
	return nr, err
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func family(f int) int {
	if f == 6 {
		return unix.AF_INET6
	}
	return unix.AF_INET
}

// routeDest is the destination, with "default" in the route's family.
func routeDest(r *config.IPRoute) netip.Prefix {
	if r.Dest.Bits() == 0 {
		if r.Family == 6 {
			return netip.PrefixFrom(netip.IPv6Unspecified(), 0)
		}
		return netip.PrefixFrom(netip.IPv4Unspecified(), 0)
	}
	return r.Dest
}

// routeUnsupported names the first option of r that vishvananda/netlink
// v1.3.1 cannot send.
func routeUnsupported(r *config.IPRoute) error {
	u := func(opt string) error { return &unsupportedError{"route", opt} }
	switch {
	case r.From.IsValid():
		return u("from")
	case r.VRF != "":
		return u("vrf")
	case r.Pref != nil:
		return u("pref")
	case r.Expires != nil:
		return u("expires")
	case r.TTLPropagate != nil:
		return u("ttl-propagate")
	case r.Encap != nil:
		return u("encap")
	case r.Via.IsValid() && r.Via.Is4() != (r.Family != 6):
		return u("via with another address family")
	}
	for _, l := range r.Locked {
		switch l {
		case "mtu", "rto_min":
		default:
			return u("lock " + l)
		}
	}
	if slices.Contains(r.Locked, "mtu") && slices.Contains(r.Locked, "rto_min") {
		// The library sends one RTAX_LOCK per locked metric; the
		// kernel keeps the last.
		return u("lock on both mtu and rto_min")
	}
	for _, nh := range r.Nexthops {
		switch {
		case nh.Realms != 0:
			return u("nexthop realms")
		case nh.Encap != nil:
			return u("nexthop encap")
		}
	}
	return nil
}

// setMetrics copies the RTAX_* metrics.
func setMetrics(nr *netlink.Route, r *config.IPRoute) {
	nr.MTU, nr.MTULock = int(r.MTU), slices.Contains(r.Locked, "mtu")
	nr.AdvMSS = int(r.AdvMSS)
	nr.Rtt, nr.RttVar = int(r.RTT), int(r.RTTVar)
	nr.Reordering, nr.Window = int(r.Reordering), int(r.Window)
	nr.Cwnd, nr.Ssthresh = int(r.Cwnd), int(r.Ssthresh)
	nr.RtoMin, nr.RtoMinLock = int(r.RTOMin), slices.Contains(r.Locked, "rto_min")
	nr.InitCwnd, nr.InitRwnd = int(r.InitCwnd), int(r.InitRwnd)
	nr.Congctl = r.Congctl
	if r.Hoplimit != nil {
		nr.Hoplimit = int(*r.Hoplimit)
	}
	if r.QuickAck != nil {
		nr.QuickACK = int(*r.QuickAck)
	}
	if r.FastopenNoCookie != nil {
		nr.FastOpenNoCookie = int(*r.FastopenNoCookie)
	}
	if r.FeatureECN {
		nr.Features = unix.RTAX_FEATURE_ECN
	}
}

// toNexthops converts a multipath route's nexthops (weight w is sent as
// hops w-1, as iproute2 does).
func toNexthops(nhs []*config.IPRouteNexthop, links routeLinks) ([]*netlink.NexthopInfo, error) {
	var out []*netlink.NexthopInfo
	for _, nh := range nhs {
		ni := &netlink.NexthopInfo{}
		if nh.Via.IsValid() {
			ni.Gw = net.IP(nh.Via.AsSlice())
		}
		if nh.Weight > 0 {
			ni.Hops = nh.Weight - 1
		}
		if nh.Onlink {
			ni.Flags |= unix.RTNH_F_ONLINK
		}
		if nh.Dev != "" {
			i, err := links(nh.Dev)
			if err != nil {
				return nil, err
			}
			ni.LinkIndex = i
		}
		out = append(out, ni)
	}
	return out, nil
}
