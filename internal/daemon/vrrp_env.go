package daemon

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/sys/netlink"
	"github.com/keepalived-go/keepalived/internal/sys/vrrpfw"
	"github.com/keepalived-go/keepalived/internal/sys/vrrpsock"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// vrrpEnv holds the OS adapters of the VRRP role: rtnetlink for
// addresses, links and events, raw sockets for adverts, and the
// gratuitous ARP / NA sender.
type vrrpEnv struct {
	nl     *netlink.Handle
	fw     *vrrpfw.Firewall
	ann    *vrrpsock.Announcer
	events <-chan vrrp.LinkEvent
	log    *slog.Logger
}

func openVRRPEnv(ctx context.Context, o Options) (*vrrpEnv, error) {
	nl, err := netlink.New(netlink.Options{Logger: o.Log})
	if err != nil {
		return nil, err
	}
	events, err := nl.Subscribe(ctx)
	if err != nil {
		nl.Close()
		return nil, err
	}
	return &vrrpEnv{nl: nl, fw: vrrpfw.New(), ann: vrrpsock.NewAnnouncer(), events: events, log: o.Log}, nil
}

func (e *vrrpEnv) Close() {
	if err := e.fw.Close(); err != nil {
		e.log.Error(fmt.Sprintf("cannot remove the no_accept firewall table: %v", err))
	}
	e.ann.Close()
	e.nl.Close()
}

// removeStale removes the virtual addresses a crashed earlier run left on
// the interfaces, before the first election (keepalived does the same).
func (e *vrrpEnv) removeStale(c *config.Config) {
	for _, in := range c.Instances {
		for _, list := range [][]*config.IPAddress{in.VIPs, in.ExcludedVIPs} {
			removed, err := e.nl.RemoveStale(list, in.Interface)
			if err != nil {
				e.log.Warn(fmt.Sprintf("(%s) cannot remove stale addresses: %v", in.Name, err), "instance", in.Name)
			}
			for _, p := range removed {
				e.log.Info(fmt.Sprintf("(%s) removed stale address %s left by a previous run", in.Name, p), "instance", in.Name)
			}
		}
	}
}

// deps are the router's adapters.
func (e *vrrpEnv) deps(o Options) vrrp.Deps {
	return vrrp.Deps{
		Links:     e.nl,
		Addrs:     e.nl,
		VMACs:     e.nl,
		Firewall:  e.fw,
		Announcer: e.ann,
		Listen: func(s vrrp.SocketSpec) (vrrp.Conn, error) {
			opts := vrrpsock.Options{Family: s.Family, Interface: s.Interface, Index: s.IfIndex, Group: s.Group, AH: s.AH}
			if s.Unicast {
				opts.UnicastSrc = s.Src
			}
			return vrrpsock.Listen(opts)
		},
		Log:       o.Log,
		LogDetail: o.LogDetail,
	}
}

// links looks interfaces up.
func (e *vrrpEnv) links() vrrp.Links { return e.nl }

// forwardLinkEvents feeds interface and address changes to the router
// and the trackers until ctx ends.
func (e *vrrpEnv) forwardLinkEvents(ctx context.Context, r *vrrp.Router, trackers chan<- vrrp.LinkEvent) {
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-e.events:
			if !ok {
				return
			}
			if !ev.Addr.IsValid() {
				state := "down"
				if ev.Up {
					state = "up"
				}
				e.log.Info(fmt.Sprintf("Netlink reports %s %s", ev.Name, state))
			}
			r.LinkEvent(ctx, ev)
			select {
			case trackers <- ev:
			case <-ctx.Done():
				return
			}
		}
	}
}
