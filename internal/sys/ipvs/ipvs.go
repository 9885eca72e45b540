// Package ipvs implements lvs.Dataplane with the kernel's IP Virtual
// Server, over generic netlink (github.com/cloudflare/ipvs), as
// keepalived's ipvswrapper does through libipvs.
package ipvs

import (
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/cloudflare/ipvs"
	"github.com/mdlayher/genetlink"
	"github.com/mdlayher/netlink"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// ErrNoIPVS is the error New returns when the kernel has no IPVS.
var ErrNoIPVS = errors.New("kernel has no IPVS (modprobe ip_vs?)")

// Dataplane programs kernel IPVS. It is not safe for concurrent use.
type Dataplane struct {
	c ipvs.Client
	// flush removes every service at once (IPVS_CMD_FLUSH); nil removes
	// them one by one.
	flush func() error
	// batch, when set, makes Apply's changes in batches (batch.go);
	// nil makes them one by one through c.
	batch *batchConn
	// closers release the netlink sockets.
	closers []io.Closer
}

var _ lvs.Dataplane = (*Dataplane)(nil)

// New opens the kernel's IPVS generic netlink family. It fails with an
// error wrapping ErrNoIPVS when the kernel has no IPVS (no ip_vs module
// loaded and none built in).
func New() (*Dataplane, error) {
	c, err := ipvs.New()
	if err != nil {
		return nil, openError(err)
	}
	// The library resolves the family lazily on some paths: ask for the
	// version so that a kernel without IPVS fails here.
	if _, err := c.Info(); err != nil {
		closeClient(c)
		return nil, openError(err)
	}
	d := NewWithClient(c)
	if cl, ok := c.(io.Closer); ok {
		d.closers = append(d.closers, cl)
	}
	conn, family, err := dialFamily()
	if err != nil {
		d.Close()
		return nil, openError(err)
	}
	d.closers = append(d.closers, conn)
	d.flush = func() error { return flushAll(conn, family) }
	if d.batch, err = dialBatch(family.ID); err != nil {
		d.Close()
		return nil, openError(err)
	}
	d.closers = append(d.closers, d.batch)
	return d, nil
}

// NewWithClient returns a Dataplane that talks to IPVS through c (tests
// pass a fake).
func NewWithClient(c ipvs.Client) *Dataplane {
	return &Dataplane{c: c}
}

// openError names a missing IPVS family as ErrNoIPVS.
func openError(err error) error {
	if errors.Is(err, os.ErrNotExist) || errors.Is(err, syscall.ENOENT) {
		return fmt.Errorf("%w: %v", ErrNoIPVS, err)
	}
	return fmt.Errorf("open IPVS generic netlink family: %w", err)
}

func closeClient(c ipvs.Client) {
	if cl, ok := c.(io.Closer); ok {
		cl.Close()
	}
}

// Close releases the netlink sockets.
func (d *Dataplane) Close() error {
	var errs []error
	for _, c := range d.closers {
		errs = append(errs, c.Close())
	}
	d.closers = nil
	return errors.Join(errs...)
}

// Name is "ipvs".
func (d *Dataplane) Name() string { return "ipvs" }

// Apply makes the changes in order and stops at the first failure,
// returning an *lvs.ApplyError that says how many were applied before it
// (on the kernel, later changes of the same batch may have been made
// too: see applyBatch). Adding a
// service or destination that exists fails (EEXIST), as does removing one
// that does not: the caller's model is expected to know what the kernel
// holds.
func (d *Dataplane) Apply(changes []lvs.Change) error {
	if d.batch != nil {
		return d.applyBatch(changes)
	}
	for i, ch := range changes {
		if err := d.apply(ch); err != nil {
			return &lvs.ApplyError{Done: i, Change: ch, Err: err}
		}
	}
	return nil
}

func (d *Dataplane) apply(ch lvs.Change) error {
	switch ch.Op {
	case lvs.AddService, lvs.UpdateService:
		svc, err := toService(ch.Service)
		if err != nil {
			return err
		}
		if ch.Op == lvs.AddService {
			return kernelError(ch.Op, d.c.CreateService(svc))
		}
		return kernelError(ch.Op, d.c.UpdateService(svc))
	case lvs.DelService:
		svc, err := serviceID(ch.Service.Key)
		if err != nil {
			return err
		}
		return kernelError(ch.Op, d.c.RemoveService(svc))
	case lvs.AddDest, lvs.UpdateDest, lvs.DelDest:
		return d.applyDest(ch)
	}
	return fmt.Errorf("unknown operation %d", uint8(ch.Op))
}

func (d *Dataplane) applyDest(ch lvs.Change) error {
	svc, err := serviceID(ch.Service.Key)
	if err != nil {
		return err
	}
	if ch.Op == lvs.DelDest {
		dst, err := destID(ch.Dest.Key)
		if err != nil {
			return err
		}
		return kernelError(ch.Op, d.c.RemoveDestination(svc, dst))
	}
	dst, err := toDest(ch.Dest)
	if err != nil {
		return err
	}
	if ch.Op == lvs.AddDest {
		return kernelError(ch.Op, d.c.CreateDestination(svc, dst))
	}
	return kernelError(ch.Op, d.c.UpdateDestination(svc, dst))
}

// State reads back every service with its destinations, in the kernel's
// order (services by hash bucket, destinations in the order they were
// added, which is the order the schedulers walk them).
func (d *Dataplane) State() ([]lvs.ServiceState, error) {
	svcs, err := d.c.Services()
	if errors.Is(err, os.ErrNotExist) { // an empty dump
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list IPVS services: %w", err)
	}
	out := make([]lvs.ServiceState, 0, len(svcs))
	for _, s := range svcs {
		st := fromService(s)
		dests, err := d.c.Destinations(s.Service)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("list destinations of service %s: %w", st.Key, err)
		}
		for _, dst := range dests {
			st.Dests = append(st.Dests, fromDest(dst))
		}
		out = append(out, st)
	}
	return out, nil
}

// SetTimeouts sets the TCP, TCP FIN and UDP connection timeouts (whole
// seconds, a fraction rounded up); a zero timeout is left unchanged.
func (d *Dataplane) SetTimeouts(t lvs.Timeouts) error {
	var cfg ipvs.Config
	var err error
	if cfg.TCPTimeout, err = seconds(t.TCP, maxConnTimeout); err != nil {
		return fmt.Errorf("set IPVS tcp timeout: %w", err)
	}
	if cfg.TCPFinTimeout, err = seconds(t.TCPFin, maxConnTimeout); err != nil {
		return fmt.Errorf("set IPVS tcpfin timeout: %w", err)
	}
	if cfg.UDPTimeout, err = seconds(t.UDP, maxConnTimeout); err != nil {
		return fmt.Errorf("set IPVS udp timeout: %w", err)
	}
	if err := d.c.SetConfig(cfg); err != nil {
		return fmt.Errorf("set IPVS timeouts: %w", err)
	}
	return nil
}

// Timeouts reads the connection timeouts.
func (d *Dataplane) Timeouts() (lvs.Timeouts, error) {
	cfg, err := d.c.Config()
	if err != nil {
		return lvs.Timeouts{}, fmt.Errorf("get IPVS timeouts: %w", err)
	}
	return lvs.Timeouts{
		TCP:    secs(cfg.TCPTimeout),
		TCPFin: secs(cfg.TCPFinTimeout),
		UDP:    secs(cfg.UDPTimeout),
	}, nil
}

// Flush removes every service and its destinations.
func (d *Dataplane) Flush() error {
	if d.flush != nil {
		if err := d.flush(); err != nil {
			return fmt.Errorf("flush IPVS: %w", err)
		}
		return nil
	}
	svcs, err := d.c.Services()
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("flush IPVS: %w", err)
	}
	for _, s := range svcs {
		if err := d.c.RemoveService(s.Service); err != nil {
			return fmt.Errorf("flush IPVS: delete service %s: %w", fromServiceKey(s.Service), err)
		}
	}
	return nil
}

// dialFamily opens a generic netlink socket of our own for the commands
// the library lacks (IPVS_CMD_FLUSH).
func dialFamily() (*genetlink.Conn, genetlink.Family, error) {
	conn, err := genetlink.Dial(nil)
	if err != nil {
		return nil, genetlink.Family{}, err
	}
	f, err := conn.GetFamily("IPVS")
	if err != nil {
		conn.Close()
		return nil, genetlink.Family{}, err
	}
	return conn, f, nil
}

// IPVS generic netlink command and version (linux/ip_vs.h).
const (
	cmdFlush    = 17
	genlVersion = 1
)

func flushAll(conn *genetlink.Conn, f genetlink.Family) error {
	msg := genetlink.Message{Header: genetlink.Header{Command: cmdFlush, Version: genlVersion}}
	_, err := conn.Execute(msg, f.ID, netlink.Request|netlink.Acknowledge)
	return err
}
