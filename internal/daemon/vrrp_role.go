package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/user"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/notify"
	"github.com/keepalived-go/keepalived/internal/sys/exec"
	"github.com/keepalived-go/keepalived/internal/track"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// vrrpRole runs the VRRP instances (keepalived's VRRP child): the
// router, the trackers that set its priorities and faults, and the
// notifier that runs scripts and sends alerts on its transitions.
type vrrpRole struct {
	o Options

	mu     sync.Mutex
	cfg    *config.Config
	router *vrrp.Router
	// stopTrackers ends the running trackers (they are rebuilt on
	// reload).
	stopTrackers context.CancelFunc
	// runCtx, env and links are the running router's, for restarting
	// the trackers on reload.
	runCtx context.Context
	env    *vrrpEnv
	links  chan vrrp.LinkEvent
	// restart asks Run to replace the router with one for cfg.
	restart chan struct{}
	// trk are the running trackers (under mu).
	trk *trackers
	// notifier is the running router's (under mu), for the states
	// fifo_write_vrrp_states_on_reload re-sends.
	notifier *notify.Notifier
}

// Scripts are the vrrp_scripts' current states, by name.
func (v *vrrpRole) Scripts() map[string]track.ScriptState {
	v.mu.Lock()
	t := v.trk
	v.mu.Unlock()
	if t == nil {
		return nil
	}
	return t.Scripts()
}

func newVRRPRole(c *config.Config, o Options) (*vrrpRole, error) {
	return &vrrpRole{o: o, cfg: c, restart: make(chan struct{}, 1)}, nil
}

// hostname is keepalived's default router_id.
func hostname() string {
	h, err := os.Hostname()
	if err != nil {
		return "localhost"
	}
	return h
}

// newNotifier builds the notifier of a configuration.
func newNotifier(c *config.Config, o Options, fifos notify.FIFOs) *notify.Notifier {
	g := &c.Global
	routerID := g.RouterID
	if routerID == "" {
		routerID = hostname()
	}
	var d net.Dialer
	return notify.New(notify.Options{
		Run:           scriptRunner(c).Notify,
		FIFOs:         fifos,
		Mail:          notify.MailFromConfig(g, "keepalived@"+hostname(), d.DialContext),
		RouterID:      routerID,
		NoEmailFaults: g.NoEmailFaults,
		Log:           o.Log,
	})
}

// defaultScriptUser is the user scripts run as without script_user:
// keepalived_script when it exists, else root (keepalived's default).
const defaultScriptUser = "keepalived_script"

// scriptRunner runs scripts as script_user, or keepalived_script, or
// root.
func scriptRunner(c *config.Config) exec.Runner {
	u := c.Global.ScriptUser
	if u == "" {
		if _, err := user.Lookup(defaultScriptUser); err == nil {
			u = defaultScriptUser
		}
	}
	return exec.Runner{User: u, Group: c.Global.ScriptGroup, SupplementaryGroups: c.Global.ScriptSupplementaryGroups}
}

// warnScriptUser logs keepalived's warning when scripts will run as root
// because neither script_user nor the keepalived_script user exists.
func warnScriptUser(c *config.Config, log *slog.Logger) {
	if c.Global.ScriptUser != "" || !hasScripts(c) {
		return
	}
	if _, err := user.Lookup(defaultScriptUser); err != nil {
		log.Warn("WARNING - default user '" + defaultScriptUser + "' for script execution does not exist - please create.")
	}
}

// warnUnsupported logs what the configuration asks for that keepalived-go
// does not do yet, instead of ignoring it silently.
func warnUnsupported(c *config.Config, log *slog.Logger) {
	if len(c.BFDInstances) > 0 {
		log.Warn("bfd_instance is not supported by keepalived-go: BFD sessions are not run")
	}
	for _, in := range c.Instances {
		if len(in.TrackBFDs) > 0 {
			log.Warn(fmt.Sprintf("(%s) track_bfd is not supported by keepalived-go: the tracked BFD sessions are ignored", in.Name), "instance", in.Name)
		}
	}
	for _, g := range c.SyncGroups {
		if len(g.TrackBFDs) > 0 {
			log.Warn(fmt.Sprintf("VRRP_Group(%s) track_bfd is not supported by keepalived-go: the tracked BFD sessions are ignored", g.Name))
		}
	}
}

// hasScripts says whether the configuration runs any script.
func hasScripts(c *config.Config) bool {
	if len(c.Scripts) > 0 || c.Global.NotifyFIFOScript != nil || c.Global.VRRPNotifyFIFOScript != nil || c.Global.LVSNotifyFIFOScript != nil {
		return true
	}
	for _, in := range c.Instances {
		for _, s := range []*config.Script{in.NotifyMaster, in.NotifyBackup, in.NotifyFault, in.NotifyStop, in.Notify, in.NotifyMasterRxLowerPri, in.NotifyDeleted} {
			if s != nil {
				return true
			}
		}
	}
	for _, vs := range c.VirtualServers {
		for _, rs := range vs.RealServers {
			if rs.NotifyUp != nil || rs.NotifyDown != nil {
				return true
			}
		}
	}
	return false
}

// notifyState maps a VRRP state to the notifier's.
func notifyState(s vrrp.State) notify.State {
	switch s {
	case vrrp.StateMaster:
		return notify.Master
	case vrrp.StateBackup:
		return notify.Backup
	case vrrp.StateFault:
		return notify.Fault
	}
	return notify.Stop
}

// notifyFunc turns the router's transitions into notifications.
func notifyFunc(n *notify.Notifier) func(vrrp.Transition) {
	return func(t vrrp.Transition) {
		switch {
		case t.Group != nil:
			n.Group(t.Group, notifyState(t.State))
		case t.PriorityChange:
			n.PriorityChange(t.Instance, t.State == vrrp.StateMaster, t.Priority)
		case t.From.IsValid():
			n.MasterRxLowerPri(t.Instance, t.Priority)
		default:
			n.Instance(t.Instance, notifyState(t.State), t.Priority)
		}
	}
}

// Run runs the router until ctx ends, rebuilding it when a reload changed
// the VRRP configuration beyond what the router applies in place.
func (v *vrrpRole) Run(ctx context.Context) error {
	var env *vrrpEnv
	defer func() {
		if env != nil {
			env.Close()
		}
	}()
	for {
		v.mu.Lock()
		c := v.cfg
		v.mu.Unlock()
		if len(c.Instances) == 0 {
			// Nothing to run until a reload brings instances.
			select {
			case <-ctx.Done():
				return nil
			case <-v.restart:
				continue
			}
		}
		if env == nil {
			var err error
			if env, err = openVRRPEnv(ctx, v.o); err != nil {
				return err
			}
		}
		env.removeStale(c)
		// The FIFO readers outlive ctx a little: they read the STOP lines.
		fctx, stopFIFOScripts := context.WithCancel(context.Background())
		fifos, fifoSet := vrrpFIFOs(fctx, c, v.o.Log, scriptRunner(c).Notify)
		n := newNotifier(c, v.o, fifos)
		deps := env.deps(v.o)
		deps.Notify = notifyFunc(n)
		deps.FaultLine = track.FaultLog
		r, err := vrrp.NewRouter(c, deps)
		if err != nil {
			fifoSet.close(stopFIFOScripts)
			return err
		}
		rctx, cancel := context.WithCancel(ctx)
		trackerLinks := make(chan vrrp.LinkEvent, 16)
		v.mu.Lock()
		v.router, v.runCtx, v.env, v.links, v.notifier = r, rctx, env, trackerLinks, n
		v.startTrackers(c, r)
		v.mu.Unlock()
		done := make(chan error, 1)
		go func() { done <- r.Run(rctx) }()
		go env.forwardLinkEvents(rctx, r, trackerLinks)
		var runErr error
		stop := false
		select {
		case <-ctx.Done():
			stop = true
		case <-v.restart:
		case runErr = <-done:
			stop = true
		}
		cancel()
		if runErr == nil {
			runErr = <-done
		}
		closeCtx, closeCancel := context.WithTimeout(context.Background(), 5*time.Second)
		n.Close(closeCtx)
		closeCancel()
		fifoSet.close(stopFIFOScripts)
		v.mu.Lock()
		v.router, v.notifier = nil, nil
		v.mu.Unlock()
		if stop || runErr != nil {
			return runErr
		}
	}
}

// startTrackers (re)starts the trackers of c feeding r, on the running
// router's context. v.mu is held.
func (v *vrrpRole) startTrackers(c *config.Config, r *vrrp.Router) {
	if v.stopTrackers != nil {
		v.stopTrackers()
	}
	tctx, cancel := context.WithCancel(v.runCtx)
	v.stopTrackers = cancel
	t := newTrackers(c, r, v.o.Log, v.env.links())
	v.trk = t
	io := trackerIO{run: scriptRunner(c).Track, readFile: os.ReadFile, procfs: os.DirFS("/proc"), poll: time.Second}
	go t.run(tctx, io, v.links)
}

// Reload takes a new configuration: the running router applies the
// difference (unchanged instances keep their state and VIPs) and the
// trackers restart on the new configuration. Without a running router
// (no instances yet) the role starts one. With
// fifo_write_vrrp_states_on_reload every instance's and sync group's
// state then goes to the FIFOs again.
func (v *vrrpRole) Reload(ctx context.Context, c *config.Config) error {
	if err := v.apply(ctx, c); err != nil {
		return err
	}
	if c.Global.FIFOWriteVRRPStatesOnReload {
		v.writeStates(ctx, c)
	}
	return nil
}

// writeStates writes the running instances' and sync groups' states to
// the FIFOs (no script, no mail). A router being replaced writes its
// states as its instances start.
func (v *vrrpRole) writeStates(ctx context.Context, c *config.Config) {
	v.mu.Lock()
	r, n := v.router, v.notifier
	v.mu.Unlock()
	if r == nil || n == nil {
		return
	}
	states := map[string]notify.State{}
	var insts []notify.StateOf
	for _, st := range r.Status(ctx) {
		s, ok := map[string]notify.State{"MASTER": notify.Master, "BACKUP": notify.Backup, "FAULT": notify.Fault}[st.State]
		if !ok {
			continue // INIT: its first transition writes a line
		}
		states[st.Name] = s
		insts = append(insts, notify.StateOf{Name: st.Name, State: s, Priority: st.Priority})
	}
	var groups []notify.StateOf
	for _, g := range c.SyncGroups {
		for _, m := range g.Group {
			if s, ok := states[m]; ok {
				groups = append(groups, notify.StateOf{Name: g.Name, State: s})
				break
			}
		}
	}
	n.WriteStates(insts, groups)
}

// apply hands c to the running router, or restarts it.
func (v *vrrpRole) apply(ctx context.Context, c *config.Config) error {
	v.mu.Lock()
	same, err := sameVRRP(v.cfg, c)
	r := v.router
	if err != nil || same {
		v.mu.Unlock()
		return err
	}
	v.cfg = c
	v.mu.Unlock()
	if r != nil && len(c.Instances) > 0 {
		if err := r.Reload(ctx, c); err != nil {
			return err
		}
		// The trackers restart on the new configuration, from the
		// current link states, feeding the same router.
		v.mu.Lock()
		if v.router == r {
			v.startTrackers(c, r)
		}
		v.mu.Unlock()
		return nil
	}
	select {
	case v.restart <- struct{}{}:
	default:
	}
	return nil
}

// Status is the running instances' status.
func (v *vrrpRole) Status(ctx context.Context) []vrrp.InstanceStatus {
	v.mu.Lock()
	r := v.router
	v.mu.Unlock()
	if r == nil {
		return nil
	}
	return r.Status(ctx)
}

// sameVRRP compares what the VRRP role runs from two configurations.
func sameVRRP(a, b *config.Config) (bool, error) {
	ja, err := json.Marshal(struct {
		G *config.Global
		V *config.VRRPSection
	}{&a.Global, &a.VRRPSection})
	if err != nil {
		return false, fmt.Errorf("compare configurations: %w", err)
	}
	jb, err := json.Marshal(struct {
		G *config.Global
		V *config.VRRPSection
	}{&b.Global, &b.VRRPSection})
	if err != nil {
		return false, fmt.Errorf("compare configurations: %w", err)
	}
	return string(ja) == string(jb), nil
}
