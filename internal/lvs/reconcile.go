package lvs

import (
	"errors"
	"fmt"
	"slices"
)

// Diff returns the changes that turn have into want, in order: services
// to delete, then per service the update, destination deletions, updates
// and additions, then new services with their destinations. A service in
// have but not in want is deleted only when own reports it ours (nil
// owns nothing); a destination of a wanted service that is not wanted is
// always deleted. Equal states give no change; one real server's change
// is one operation.
func Diff(want, have []ServiceState, own func(ServiceKey) bool) []Change {
	haveBy := index(have)
	wantBy := index(want)
	// A start (have empty) makes one change per service and destination:
	// room for them at once, not by doubling (Change is a few hundred bytes).
	n := 0
	for _, w := range want {
		if _, ok := haveBy[w.Key]; !ok {
			n += 1 + len(w.Dests)
		}
	}
	out := make([]Change, 0, n)
	for _, h := range sorted(have) {
		if _, ok := wantBy[h.Key]; !ok && own != nil && own(h.Key) {
			out = append(out, Change{Op: DelService, Service: h.Service})
		}
	}
	for _, w := range sorted(want) {
		h, ok := haveBy[w.Key]
		if !ok {
			out = append(out, Change{Op: AddService, Service: w.Service})
			for _, d := range w.Dests {
				out = append(out, Change{Op: AddDest, Service: w.Service, Dest: d.Destination})
			}
			continue
		}
		out = append(out, diffService(w, h)...)
	}
	return out
}

func diffService(w, h ServiceState) []Change {
	var out []Change
	if !sameService(w.Service, h.Service) {
		out = append(out, Change{Op: UpdateService, Service: w.Service})
	} else if sameDests(w.Dests, h.Dests) {
		return nil // the common case of a sync: this service did not change
	}
	wantD := map[DestKey]Destination{}
	for _, d := range w.Dests {
		wantD[d.Key] = d.Destination
	}
	haveD := map[DestKey]Destination{}
	for _, d := range h.Dests {
		haveD[d.Key] = d.Destination
		if _, ok := wantD[d.Key]; !ok {
			out = append(out, Change{Op: DelDest, Service: w.Service, Dest: d.Destination})
		}
	}
	for _, d := range w.Dests {
		hd, ok := haveD[d.Key]
		switch {
		case !ok:
			out = append(out, Change{Op: AddDest, Service: w.Service, Dest: d.Destination})
		case hd != d.Destination:
			out = append(out, Change{Op: UpdateDest, Service: w.Service, Dest: d.Destination})
		}
	}
	return out
}

// sameDests says whether two destination lists hold the same
// destinations in the same order (counters aside), without allocating.
func sameDests(a, b []DestState) bool {
	return slices.EqualFunc(a, b, func(x, y DestState) bool { return x.Destination == y.Destination })
}

// sameService compares what an update can change; the netmask only
// matters to a persistent service.
func sameService(a, b Service) bool {
	if a.Scheduler != b.Scheduler || a.Flags != b.Flags || a.Persistence != b.Persistence {
		return false
	}
	return a.Persistence == 0 || normMask(a) == normMask(b)
}

func normMask(s Service) int {
	if s.Netmask == 0 {
		if s.Key.Family == 6 {
			return 128
		}
		return 32
	}
	return s.Netmask
}

func index(list []ServiceState) map[ServiceKey]ServiceState {
	m := make(map[ServiceKey]ServiceState, len(list))
	for _, s := range list {
		m[s.Key] = s
	}
	return m
}

func sorted(list []ServiceState) []ServiceState {
	cmp := func(a, b ServiceState) int { return compareServiceKeys(a.Key, b.Key) }
	if slices.IsSortedFunc(list, cmp) { // Desired's order: no copy
		return list
	}
	out := slices.Clone(list)
	slices.SortFunc(out, cmp)
	return out
}

// Reconciler keeps a Dataplane equal to the model's desired state with
// the fewest changes. It remembers what it last applied, so a sync costs
// no dataplane read; after a failed Apply it reads the dataplane again.
// It owns the services it has created or adopted: services the
// dataplane held at start that the config does not name are left alone
// (keepalived does the same unless lvs_flush is set).
type Reconciler struct {
	dp    Dataplane
	last  []ServiceState
	owned map[ServiceKey]bool
	stale bool
	pos   map[ServiceKey]int // index of last by key, built on demand; nil when last is replaced
}

// NewReconciler returns a Reconciler for dp; call Start first.
func NewReconciler(dp Dataplane) *Reconciler {
	return &Reconciler{dp: dp, owned: map[ServiceKey]bool{}, stale: true}
}

// Start reads what the dataplane holds (flushing it first when flush is
// set: lvs_flush), adopts the services want names, and applies the
// difference. It returns the changes applied.
func (r *Reconciler) Start(want []ServiceState, flush bool) ([]Change, error) {
	if flush {
		if err := r.dp.Flush(); err != nil {
			return nil, fmt.Errorf("%s: flush: %w", r.dp.Name(), err)
		}
	}
	r.stale = true
	return r.Sync(want)
}

// Sync applies the difference between want and the dataplane's state and
// returns the changes applied (none when nothing differs).
func (r *Reconciler) Sync(want []ServiceState) ([]Change, error) {
	if r.stale {
		have, err := r.dp.State()
		if err != nil {
			return nil, fmt.Errorf("%s: read state: %w", r.dp.Name(), err)
		}
		r.last, r.pos, r.stale = have, nil, false
	}
	for _, s := range want {
		r.owned[s.Key] = true
	}
	changes := Diff(want, r.last, func(k ServiceKey) bool { return r.owned[k] })
	if len(changes) == 0 {
		return nil, nil
	}
	if done, err := r.apply(changes); err != nil {
		return done, err
	}
	r.last, r.pos = merge(want, r.last, r.owned), nil
	for _, c := range changes {
		if c.Op == DelService {
			delete(r.owned, c.Service.Key)
		}
	}
	return changes, nil
}

// SyncChanged applies the model's changes since the last sync
// (Model.Changed): only the services of the virtual servers that changed
// are compared and updated. After a failed Apply (the dataplane must be
// read again) it syncs everything, so what failed is retried.
func (r *Reconciler) SyncChanged(m *Model) ([]Change, error) {
	if r.stale {
		return r.Sync(m.Desired())
	}
	want := m.Changed()
	if len(want) == 0 {
		return nil, nil
	}
	if r.pos == nil {
		r.pos = make(map[ServiceKey]int, len(r.last))
		for i, s := range r.last {
			r.pos[s.Key] = i
		}
	}
	have := make([]ServiceState, 0, len(want))
	for _, w := range want {
		r.owned[w.Key] = true
		if i, ok := r.pos[w.Key]; ok {
			have = append(have, r.last[i])
		}
	}
	changes := Diff(want, have, nil)
	if len(changes) == 0 {
		return nil, nil
	}
	if done, err := r.apply(changes); err != nil {
		return done, err
	}
	for _, w := range want {
		if i, ok := r.pos[w.Key]; ok {
			r.last[i] = w
		} else {
			r.pos[w.Key] = len(r.last)
			r.last = append(r.last, w)
		}
	}
	return changes, nil
}

// apply makes the changes; after an error the dataplane is read again at
// the next sync, and done are the changes made before the one refused.
func (r *Reconciler) apply(changes []Change) (done []Change, err error) {
	if err := r.dp.Apply(changes); err != nil {
		r.stale, r.pos = true, nil
		var ae *ApplyError
		if errors.As(err, &ae) {
			return changes[:ae.Done], fmt.Errorf("%s: %w", r.dp.Name(), err)
		}
		return nil, fmt.Errorf("%s: %w", r.dp.Name(), err)
	}
	return changes, nil
}

// merge is the dataplane's state after a successful sync: want, and the
// services it held that are not ours.
func merge(want, have []ServiceState, owned map[ServiceKey]bool) []ServiceState {
	out := slices.Clone(want)
	wantBy := index(want)
	for _, h := range have {
		if _, ok := wantBy[h.Key]; !ok && !owned[h.Key] {
			out = append(out, h)
		}
	}
	return out
}

// Stop removes the services this Reconciler owns (keepalived's
// clear_services at shutdown, and lvs_flush_on_stop VS), or everything
// the dataplane holds when all is set (lvs_flush_on_stop full).
func (r *Reconciler) Stop(all bool) error {
	if all {
		r.last, r.pos, r.owned, r.stale = nil, nil, map[ServiceKey]bool{}, true
		return r.dp.Flush()
	}
	var changes []Change
	for _, s := range sorted(r.last) {
		if r.owned[s.Key] {
			changes = append(changes, Change{Op: DelService, Service: s.Service})
		}
	}
	if len(changes) == 0 {
		return nil
	}
	r.stale = true
	if err := r.dp.Apply(changes); err != nil {
		return fmt.Errorf("%s: %w", r.dp.Name(), err)
	}
	r.owned = map[ServiceKey]bool{}
	return nil
}
