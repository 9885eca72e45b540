package lvs

import (
	"errors"
	"fmt"
	"slices"
)

// Fake is an in-memory Dataplane for tests: it applies changes with the
// kernel's rules (adding what exists or deleting what does not fails) and
// renders its table as ipvsadm -Ln text. Fail, when set, makes the
// change it returns true for fail.
type Fake struct {
	services map[ServiceKey]*ServiceState
	Timeouts Timeouts
	// Applied counts the changes applied, over all calls.
	Applied int
	// Calls records each Apply's changes.
	Calls [][]Change
	Fail  func(Change) bool
}

var _ Dataplane = (*Fake)(nil)

// NewFake returns an empty Fake holding services.
func NewFake(services ...ServiceState) *Fake {
	f := &Fake{services: map[ServiceKey]*ServiceState{}}
	for _, s := range services {
		s := s
		s.Dests = slices.Clone(s.Dests)
		f.services[s.Key] = &s
	}
	return f
}

// Name implements Dataplane.
func (f *Fake) Name() string { return "fake" }

// Errors the Fake returns, as the kernel does.
var (
	ErrExist    = errors.New("object exists")
	ErrNotExist = errors.New("no such object")
)

// Apply implements Dataplane: changes apply one by one, stopping at the
// first failure.
func (f *Fake) Apply(changes []Change) error {
	f.Calls = append(f.Calls, slices.Clone(changes))
	for i, c := range changes {
		var err error
		if f.Fail != nil && f.Fail(c) {
			err = errors.New("injected failure")
		} else {
			err = f.apply(c)
		}
		if err != nil {
			return &ApplyError{Done: i, Change: c, Err: err}
		}
		f.Applied++
	}
	return nil
}

func (f *Fake) apply(c Change) error {
	s := f.services[c.Service.Key]
	if c.Op == AddService {
		if s != nil {
			return ErrExist
		}
		f.services[c.Service.Key] = &ServiceState{Service: c.Service}
		return nil
	}
	if s == nil {
		return ErrNotExist
	}
	i := slices.IndexFunc(s.Dests, func(d DestState) bool { return d.Key == c.Dest.Key })
	switch c.Op {
	case UpdateService:
		s.Service = c.Service
	case DelService:
		delete(f.services, c.Service.Key)
	case AddDest:
		if i >= 0 {
			return ErrExist
		}
		s.Dests = append(s.Dests, DestState{Destination: c.Dest})
	case UpdateDest:
		if i < 0 {
			return ErrNotExist
		}
		s.Dests[i].Destination = c.Dest
	case DelDest:
		if i < 0 {
			return ErrNotExist
		}
		s.Dests = slices.Delete(s.Dests, i, i+1)
	default:
		return fmt.Errorf("unknown operation %v", c.Op)
	}
	return nil
}

// State implements Dataplane.
func (f *Fake) State() ([]ServiceState, error) {
	out := make([]ServiceState, 0, len(f.services))
	for _, s := range f.services {
		c := *s
		c.Dests = slices.Clone(s.Dests)
		slices.SortFunc(c.Dests, func(a, b DestState) int { return compareDestKeys(a.Key, b.Key) })
		out = append(out, c)
	}
	return sorted(out), nil
}

// SetTimeouts implements Dataplane.
func (f *Fake) SetTimeouts(t Timeouts) error {
	f.Timeouts = t
	return nil
}

// Flush implements Dataplane.
func (f *Fake) Flush() error {
	f.services = map[ServiceKey]*ServiceState{}
	return nil
}

// String renders the table as ipvsadm -Ln does.
func (f *Fake) String() string {
	st, _ := f.State()
	return RenderString(st, Plain)
}
