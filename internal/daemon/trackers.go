package daemon

import (
	"context"
	"fmt"
	"io/fs"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/track"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// trackerSink is what the trackers drive: the router's priority and
// fault inputs.
type trackerSink interface {
	SetPriority(ctx context.Context, name string, total int) error
	Fault(ctx context.Context, name, reason string) error
	Recover(ctx context.Context, name, reason string) error
}

// trackers runs every vrrp_script, track_file and vrrp_track_process the
// instances use, keeps track_interface states from link events, and
// after each change recomputes each instance's priority and faults with
// keepalived's arithmetic (track.Compute).
type trackers struct {
	c    *config.Config
	sink trackerSink
	log  *slog.Logger
	st   track.Status
	// faults are the reasons currently set on each instance; prio the
	// totals last sent.
	faults map[string][]string
	prio   map[string]int
	groups map[string]*config.VRRPSyncGroup

	// scriptsMu guards scripts, a copy of st.Scripts for the status.
	scriptsMu sync.Mutex
	scripts   map[string]track.ScriptState
}

// publishScripts copies the scripts' states for Scripts.
func (t *trackers) publishScripts() {
	t.scriptsMu.Lock()
	defer t.scriptsMu.Unlock()
	t.scripts = maps.Clone(t.st.Scripts)
}

// Scripts are the vrrp_scripts' current states.
func (t *trackers) Scripts() map[string]track.ScriptState {
	t.scriptsMu.Lock()
	defer t.scriptsMu.Unlock()
	return maps.Clone(t.scripts)
}

// trackerIO are the OS inputs of the trackers.
type trackerIO struct {
	run      track.Runner
	readFile track.ReadFunc
	procfs   fs.FS
	poll     time.Duration
}

func newTrackers(c *config.Config, sink trackerSink, log *slog.Logger, links vrrp.Links) *trackers {
	t := &trackers{
		c: c, sink: sink, log: log,
		st: track.Status{
			Scripts: map[string]track.ScriptState{}, Interfaces: map[string]bool{},
			Files: map[string]int64{}, Processes: map[string]bool{}, BFDs: map[string]bool{},
		},
		faults: map[string][]string{}, prio: map[string]int{}, groups: map[string]*config.VRRPSyncGroup{},
	}
	for _, g := range c.SyncGroups {
		for _, name := range g.Group {
			t.groups[name] = g
		}
	}
	// BFD is not supported: tracked sessions count as up, so they
	// neither fault nor weigh (warnUnsupported says so at start).
	for _, in := range c.Instances {
		for _, r := range in.TrackBFDs {
			t.st.BFDs[r.Name] = true
		}
	}
	for _, g := range c.SyncGroups {
		for _, r := range g.TrackBFDs {
			t.st.BFDs[r.Name] = true
		}
	}
	// Interfaces start in their current state.
	for _, name := range t.trackedInterfaces() {
		up := false
		if links != nil {
			if l, err := links.LinkByName(name); err == nil {
				up = l.Up
			}
		}
		t.st.Interfaces[name] = up
	}
	return t
}

// trackedInterfaces lists the interfaces named by track_interface.
func (t *trackers) trackedInterfaces() []string {
	var names []string
	add := func(refs []config.TrackRef) {
		for _, r := range refs {
			if !slices.Contains(names, r.Name) {
				names = append(names, r.Name)
			}
		}
	}
	for _, in := range t.c.Instances {
		add(in.TrackInterfaces)
	}
	for _, g := range t.c.SyncGroups {
		add(g.TrackInterfaces)
	}
	return names
}

// run starts the trackers and applies their changes until ctx ends.
func (t *trackers) run(ctx context.Context, io trackerIO, links <-chan vrrp.LinkEvent) {
	scripts := make(chan track.ScriptEvent, 16)
	files := make(chan track.FileEvent, 16)
	procs := make(chan track.ProcessEvent, 16)
	for _, sc := range t.c.Scripts {
		s := track.NewScript(sc, io.run, t.log)
		t.st.Scripts[sc.Name] = s.State()
		go s.Run(ctx, scripts)
	}
	for _, fc := range t.c.TrackFiles {
		f := track.NewFile(fc, io.readFile, t.log)
		t.st.Files[fc.Name] = f.Value()
		go f.Run(ctx, io.poll, files)
	}
	for _, pc := range t.c.TrackProcesses {
		p := track.NewProcess(pc, io.procfs, t.log)
		t.st.Processes[pc.Name] = p.Quorum()
		go p.Run(ctx, io.poll, procs)
	}
	t.publishScripts()
	t.apply(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case ev := <-scripts:
			t.st.Scripts[ev.Name] = ev.State
			t.publishScripts()
		case ev := <-files:
			t.st.Files[ev.Name] = ev.Value
		case ev := <-procs:
			t.st.Processes[ev.Name] = ev.Quorum
		case ev, ok := <-links:
			if !ok {
				links = nil
				continue
			}
			if _, tracked := t.st.Interfaces[ev.Name]; !tracked || ev.Addr.IsValid() {
				continue
			}
			t.st.Interfaces[ev.Name] = ev.Up
		}
		t.apply(ctx)
	}
}

// apply recomputes every instance and sends what changed.
func (t *trackers) apply(ctx context.Context) {
	for _, in := range t.c.Instances {
		p := track.Compute(in, t.groups[in.Name], t.st)
		if old, ok := t.prio[in.Name]; !ok || old != p.Total {
			t.prio[in.Name] = p.Total
			if ok || p.Total != in.Priority {
				_ = t.sink.SetPriority(ctx, in.Name, p.Total)
			}
		}
		old := t.faults[in.Name]
		for _, r := range p.Faults {
			if !slices.Contains(old, r) {
				_ = t.sink.Fault(ctx, in.Name, r)
			}
		}
		for _, r := range old {
			if !slices.Contains(p.Faults, r) {
				t.log.Info(fmt.Sprintf("(%s) %s recovered", in.Name, r), "instance", in.Name)
				_ = t.sink.Recover(ctx, in.Name, r)
			}
		}
		t.faults[in.Name] = slices.Clone(p.Faults)
	}
}
