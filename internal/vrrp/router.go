package vrrp

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/vrrp/packet"
)

// Deps are the adapters a Router drives. Listen, Addrs and Announcer are
// required; Links may be nil when every instance names its source
// address and the interfaces need no lookup (tests).
type Deps struct {
	Links     Links
	Addrs     Addrs
	Announcer Announcer
	// Firewall blocks the VIPs of no_accept masters; nil leaves them
	// reachable (and logs that no_accept is not enforced).
	Firewall Firewall
	// VMACs creates the use_vmac interfaces; nil refuses use_vmac
	// instances (they go to FAULT with a clear error).
	VMACs VMACs
	// Listen opens the socket of one (interface, family, unicast source)
	// triple; instances that share a triple share the socket.
	Listen func(SocketSpec) (Conn, error)
	// Notify is called on the router goroutine for every state change
	// (after the addresses moved). It must not block.
	Notify func(Transition)
	// Log receives the log lines, keepalived's wording in the message
	// and structured fields beside it. Nil discards them.
	Log *slog.Logger
	// LogDetail enables the lines keepalived logs only with -D.
	LogDetail bool
	// FaultLine words the log line of an instance entering FAULT for a
	// reason; nil uses "(NAME): entering FAULT state (REASON)".
	FaultLine func(instance, reason string) string
}

// SocketSpec says which socket an instance needs.
type SocketSpec struct {
	Interface string
	IfIndex   int
	// Family is 4 or 6.
	Family int
	// Unicast sockets receive the adverts sent to Src; multicast ones
	// join Group on the interface.
	Unicast bool
	Src     netip.Addr
	Group   netip.Addr
	// AH selects IP protocol 51 instead of 112 (IPv4 auth_type AH
	// instances: keepalived opens their sockets with IPPROTO_AH).
	AH bool
}

// Transition is a state change reported to Deps.Notify.
type Transition struct {
	// Instance is the instance that changed state, or nil for a sync
	// group's transition (Group set, Priority 0).
	Instance *config.VRRPInstance
	Group    *config.VRRPSyncGroup
	State    State
	// Priority is the effective priority, passed to generic notify
	// scripts.
	Priority int
	// From is set for a MASTER_RX_LOWER_PRI event (State is MASTER):
	// the sender of the lower priority advert.
	From netip.Addr
	// PriorityChange is set when only the effective priority changed
	// (for notify_priority_changes); State is the current state.
	PriorityChange bool
}

// Router runs a set of VRRP instances on one goroutine: it reads the
// sockets, fires the timers, feeds the state machines and carries out
// their actions.
type Router struct {
	deps    Deps
	global  *config.Global
	members []*member
	byName  map[string]*member
	socks   map[SocketSpec]*sock
	groups  map[string]*syncGroup
	// garpGroups and pacers space gratuitous ARPs / NAs per interface.
	garpGroups []*config.GarpGroup
	pacers     map[pacerKey]*pacer
	rx         chan rxPacket
	cmds       chan func(time.Time)
	// done is closed when Run returns, so socket readers stop.
	done chan struct{}
	log  *slog.Logger
}

// sock is one open Conn and the instances it serves, by VRID.
type sock struct {
	spec    SocketSpec
	conn    Conn
	members map[int]*member
}

type rxPacket struct {
	sock *sock
	msg  []byte
	meta RecvMeta
	err  error
}

// NewRouter prepares a router for the configured instances; Run starts
// them.
func NewRouter(c *config.Config, deps Deps) (*Router, error) {
	if deps.Listen == nil || deps.Addrs == nil || deps.Announcer == nil {
		return nil, errors.New("vrrp: router needs Listen, Addrs and Announcer")
	}
	log := deps.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	r := &Router{
		deps:       deps,
		global:     &c.Global,
		garpGroups: c.GarpGroups,
		byName:     map[string]*member{},
		socks:      map[SocketSpec]*sock{},
		rx:         make(chan rxPacket, 64),
		cmds:       make(chan func(time.Time)),
		done:       make(chan struct{}),
		log:        log,
	}
	for _, ic := range c.Instances {
		m, err := newMember(ic, &c.Global)
		if err != nil {
			return nil, err
		}
		r.members = append(r.members, m)
		r.byName[ic.Name] = m
	}
	r.buildGroups(c)
	return r, nil
}

// Run starts every instance and runs them until ctx is done; then it
// stops them as keepalived does at shutdown (a master sends a priority 0
// advert and removes its addresses) and closes the sockets. The error is
// a setup failure; once running, problems are logged and the instances
// concerned go to FAULT.
func (r *Router) Run(ctx context.Context) error {
	now := time.Now()
	for _, m := range r.members {
		r.setup(now, m)
	}
	defer close(r.done)
	defer r.closeSockets()
	if d := r.global.VRRPStartupDelay.Std(); d > 0 {
		r.log.Info(fmt.Sprintf("Delaying startup for %g seconds", d.Seconds()))
		if !r.discardFor(ctx, d) {
			r.stopAll(time.Now())
			return nil
		}
	}
	now = time.Now()
	for _, m := range r.members {
		// A member that cannot run faults its group from the start.
		r.syncFaults(now, m)
	}
	for _, m := range r.members {
		r.exec(now, m, m.in.Start(now))
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		timer.Reset(time.Until(r.nextDeadline()))
		select {
		case <-ctx.Done():
			r.stopAll(time.Now())
			return nil
		case p := <-r.rx:
			r.receive(time.Now(), p)
		case f := <-r.cmds:
			f(time.Now())
		case <-timer.C:
			r.fire(time.Now())
		}
	}
}

// discardFor drops every received packet for d (vrrp_startup_delay). It
// returns false if ctx ended first.
func (r *Router) discardFor(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case <-r.rx:
		case <-t.C:
			return true
		}
	}
}

// nextDeadline is the earliest instance or GARP deadline (an hour ahead
// when nothing is scheduled).
func (r *Router) nextDeadline() time.Time {
	next := time.Now().Add(time.Hour)
	for _, m := range r.members {
		if d, ok := m.in.NextDeadline(); ok && d.Before(next) {
			next = d
		}
		if d, ok := m.garp.next(); ok && d.Before(next) {
			next = d
		}
	}
	if d, ok := r.pacerDeadline(); ok && d.Before(next) {
		next = d
	}
	return next
}

// fire runs every timer that is due.
func (r *Router) fire(now time.Time) {
	for _, m := range r.members {
		if d, ok := m.in.NextDeadline(); ok && !now.Before(d) {
			r.exec(now, m, m.in.Timer(now))
		}
		if m.in.State() == StateMaster {
			r.announceDue(now, m)
		}
	}
	r.drainPacers(now)
}

// stopAll stops every instance and removes the VMACs it created.
func (r *Router) stopAll(now time.Time) {
	for _, m := range r.members {
		r.exec(now, m, m.in.Stop(now))
		r.dropVMAC(m)
	}
}

// dropVMAC removes the member's VMAC interface, if it has one.
func (r *Router) dropVMAC(m *member) {
	if m.vmac == "" || r.deps.VMACs == nil {
		return
	}
	if err := r.deps.VMACs.DelVMAC(m.vmac); err != nil {
		r.log.Error(fmt.Sprintf("(%s) cannot remove VMAC interface %s: %v", m.cfg.Name, m.vmac, err), "instance", m.cfg.Name)
	}
	m.vmac = ""
}

func (r *Router) closeSockets() {
	for _, s := range r.socks {
		_ = s.conn.Close()
	}
}

// do runs f on the router goroutine; it returns false if the router is
// not running (ctx done).
func (r *Router) do(ctx context.Context, f func(time.Time)) bool {
	select {
	case r.cmds <- f:
		return true
	case <-ctx.Done():
		return false
	}
}

// SetPriority applies a tracker change to the named instance: total is
// its base priority plus every tracker's contribution.
func (r *Router) SetPriority(ctx context.Context, name string, total int) error {
	m, ok := r.byName[name]
	if !ok {
		return fmt.Errorf("vrrp_instance %s: no such instance", name)
	}
	r.do(ctx, func(now time.Time) {
		before := m.in.Priority()
		r.exec(now, m, m.in.SetPriority(now, total))
		if after := m.in.Priority(); after != before && r.deps.Notify != nil {
			r.deps.Notify(Transition{Instance: m.cfg, State: m.in.State(), Priority: after, PriorityChange: true})
		}
	})
	return nil
}

// Fault sets a fault reason on the named instance, logged in keepalived's
// wording ("(VI_1): entering FAULT state (reason)") when it is the first.
func (r *Router) Fault(ctx context.Context, name, reason string) error {
	m, ok := r.byName[name]
	if !ok {
		return fmt.Errorf("vrrp_instance %s: no such instance", name)
	}
	r.do(ctx, func(now time.Time) { r.fault(now, m, reason) })
	return nil
}

// Recover clears a fault reason set by Fault.
func (r *Router) Recover(ctx context.Context, name, reason string) error {
	m, ok := r.byName[name]
	if !ok {
		return fmt.Errorf("vrrp_instance %s: no such instance", name)
	}
	r.do(ctx, func(now time.Time) { r.recover(now, m, reason) })
	return nil
}

// recover clears one of the member's fault reasons; the member's sync
// group learns of it.
func (r *Router) recover(now time.Time, m *member, reason string) {
	r.exec(now, m, m.in.Recover(now, reason))
	r.syncFaults(now, m)
}

func (r *Router) fault(now time.Time, m *member, reason string) {
	if m.in.State() != StateFault && m.in.State() != StateInit {
		line := fmt.Sprintf("(%s): entering FAULT state (%s)", m.cfg.Name, reason)
		if r.deps.FaultLine != nil {
			line = r.deps.FaultLine(m.cfg.Name, reason)
		}
		r.log.Info(line, "instance", m.cfg.Name)
	}
	r.exec(now, m, m.in.Fault(now, reason))
	r.syncFaults(now, m)
}

// LinkEvent applies an interface or address change: an instance's
// interface going down faults it (unless dont_track_primary), coming up
// recovers it; a virtual address deleted while MASTER is put back.
func (r *Router) LinkEvent(ctx context.Context, ev LinkEvent) {
	r.do(ctx, func(now time.Time) { r.linkEvent(now, ev) })
}

func (r *Router) linkEvent(now time.Time, ev LinkEvent) {
	for _, m := range r.members {
		if m.ifname != ev.Name {
			continue
		}
		if ev.Addr.IsValid() {
			if ev.Deleted && m.in.State() == StateMaster {
				r.restoreVIP(m, ev.Addr)
			}
			continue
		}
		if m.cfg.DontTrackPrimary {
			continue
		}
		reason := "interface " + ev.Name + " down"
		if ev.Up {
			r.recover(now, m, reason)
		} else {
			r.fault(now, m, reason)
		}
	}
}

// restoreVIP re-adds a virtual address someone deleted while we are
// MASTER.
func (r *Router) restoreVIP(m *member, p netip.Prefix) {
	for _, a := range m.cfg.VIPs {
		if a.Addr.Addr() != p.Addr() || a.NoTrack {
			continue
		}
		r.log.Info(fmt.Sprintf("(%s) virtual address %s removed, restoring it", m.cfg.Name, a.Addr), "instance", m.cfg.Name)
		if err := r.deps.Addrs.AddAddress(a, m.ifname); err != nil {
			r.log.Error(fmt.Sprintf("(%s) cannot restore %s: %v", m.cfg.Name, a.Addr, err), "instance", m.cfg.Name)
		}
	}
}

// errClosed reports whether err means the socket was closed.
func errClosed(err error) bool { return errors.Is(err, net.ErrClosed) }

// readLoop feeds the router with what one socket receives until it is
// closed.
func (r *Router) readLoop(s *sock) {
	buf := make([]byte, 65536)
	for {
		n, meta, err := s.conn.ReadFrom(buf)
		if err != nil {
			if errClosed(err) {
				return
			}
			if !r.deliver(rxPacket{sock: s, err: err}) {
				return
			}
			time.Sleep(100 * time.Millisecond) // a persistent error must not spin
			continue
		}
		if !r.deliver(rxPacket{sock: s, msg: append([]byte(nil), buf[:n]...), meta: meta}) {
			return
		}
	}
}

// deliver hands a packet to the router; false once it stopped.
func (r *Router) deliver(p rxPacket) bool {
	select {
	case r.rx <- p:
		return true
	case <-r.done:
		return false
	}
}

// family returns the packet family of an instance family.
func family(f int) packet.Family {
	if f == 6 {
		return packet.IPv6
	}
	return packet.IPv4
}
