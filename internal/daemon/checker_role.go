package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/check"
	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/lvs"
	"github.com/keepalived-go/keepalived/internal/notify"
	"github.com/keepalived-go/keepalived/internal/sys/exec"
	"github.com/keepalived-go/keepalived/internal/sys/ipvs"
	"github.com/keepalived-go/keepalived/internal/sys/netdial"
	"github.com/keepalived-go/keepalived/internal/sys/nft"
	"github.com/keepalived-go/keepalived/internal/sys/ping"
	"github.com/keepalived-go/keepalived/internal/track"
)

// checkerRole runs the virtual servers and their health checks
// (keepalived's checker child): check results feed the LVS model, whose
// desired state a reconciler keeps on the dataplane.
type checkerRole struct {
	o Options

	mu     sync.Mutex
	cfg    *config.Config
	model  *lvs.Model
	dpName string
	// health remembers when each real server last changed and why.
	health map[rsRef]rsHealth
	// reload hands a new configuration to Run.
	reload chan reloadReq
	// table asks Run for the dataplane's table (the dataplane is only
	// used from Run's goroutine).
	table chan chan dpSnapshot
	conns chan chan connsAnswer

	queue eventQueue
	// mgr runs the current configuration's checkers (under mu).
	mgr *check.Manager
	// mark is the SO_MARK of the checkers' sockets: checker_notrack's
	// once its table is written, else 0 (Run's goroutine only).
	mark uint32
}

type rsRef struct {
	id  lvs.VSID
	key lvs.DestKey
}

type rsHealth struct {
	since  time.Time
	reason string
}

type reloadReq struct {
	cfg  *config.Config
	done chan error
}

// eventQueue passes check events from the checkers (which must not
// block) to the role's loop.
type eventQueue struct {
	mu    sync.Mutex
	items []check.Event
	wake  chan struct{}
}

func (q *eventQueue) push(e check.Event) {
	q.mu.Lock()
	q.items = append(q.items, e)
	q.mu.Unlock()
	select {
	case q.wake <- struct{}{}:
	default:
	}
}

func (q *eventQueue) take() []check.Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// newCheckerRole returns nil when the configuration has no virtual
// servers.
func newCheckerRole(c *config.Config, o Options) (*checkerRole, error) {
	if len(c.VirtualServers) == 0 {
		return nil, nil
	}
	return &checkerRole{o: o, cfg: c, health: map[rsRef]rsHealth{}, reload: make(chan reloadReq), table: make(chan chan dpSnapshot), conns: make(chan chan connsAnswer),
		queue: eventQueue{wake: make(chan struct{}, 1)}}, nil
}

// openDataplane picks the dataplane lvs_dataplane asks for: kernel IPVS,
// nftables, or (auto) IPVS when the kernel has it, else nftables.
func openDataplane(c *config.Config, log *slog.Logger) (lvs.Dataplane, error) {
	switch c.Global.LVSDataplane {
	case "ipvs":
		return ipvs.New()
	case "nftables":
		return nft.Open()
	}
	dp, err := ipvs.New()
	if err == nil {
		return dp, nil
	}
	if !errors.Is(err, ipvs.ErrNoIPVS) {
		return nil, err
	}
	log.Info("The kernel has no IPVS: using the nftables dataplane (lvs_dataplane auto)")
	return nft.Open()
}

// keyMap maps the checkers' keys to the model's real servers.
func keyMap(c *config.Config) map[check.Key][]rsRef {
	m := map[check.Key][]rsRef{}
	ids := lvs.IDs(c.VirtualServers)
	for i, vs := range c.VirtualServers {
		for _, rs := range vs.RealServers {
			k := check.Key{VS: vs.Service, RS: rs.Addr}
			m[k] = append(m[k], rsRef{id: ids[i], key: lvs.RSKey(rs)})
		}
	}
	return m
}

// miscRunner runs MISC_CHECK scripts: as their user, else as
// script_user (keepalived_script when it exists), as keepalived does.
func miscRunner(c *config.Config) check.RunFunc {
	def := scriptRunner(c)
	return func(ctx context.Context, argv []string, user, group string) (int, bool, error) {
		if user == "" {
			user, group = def.User, def.Group
		}
		r := exec.Run(ctx, exec.Cmd{Args: argv, User: user, Group: group, SupplementaryGroups: def.SupplementaryGroups})
		return r.Status, r.Signal != 0, r.Err
	}
}

// Run programs the dataplane and runs the checks until ctx ends; then it
// removes its virtual servers unless -I.
func (cr *checkerRole) Run(ctx context.Context) error {
	log := cr.o.Log
	cr.mu.Lock()
	c := cr.cfg
	cr.mu.Unlock()
	dp, err := openDataplane(c, log)
	if err != nil {
		return fmt.Errorf("LVS dataplane: %w", err)
	}
	cr.mu.Lock()
	cr.dpName = dp.Name()
	cr.mu.Unlock()
	log.Info(fmt.Sprintf("Using the %s dataplane", dp.Name()))
	if err := dp.SetTimeouts(lvs.TimeoutsOf(c.Global.LVSTimeouts)); err != nil {
		log.Warn(fmt.Sprintf("Cannot set the LVS timeouts: %v", err))
	}
	model, evs := lvs.New(c, nil)
	fctx, stopFIFOScripts := context.WithCancel(context.Background())
	fifos, fifoSet := lvsFIFOs(fctx, c, log, scriptRunner(c).Notify)
	n := newNotifier(c, cr.o, fifos)
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		n.Close(cctx)
		cancel()
		fifoSet.close(stopFIFOScripts)
	}()
	cr.setModel(model)
	cr.handle(ctx, n, model, evs, "")
	rec := lvs.NewReconciler(dp)
	want := model.Desired()
	if dp.Name() != "ipvs" {
		// The nftables programming makes garbage by the rule (the
		// netlink messages of thousands of real servers): with the
		// relaxed target, 6,000 of them peaked at 150 MiB instead of
		// 70. The IPVS batch allocates nothing, so the start stays
		// relaxed until the kernel holds the virtual servers.
		cr.o.StartGC.Done()
	}
	if _, err := rec.Start(want, c.Global.LVSFlush); err != nil {
		log.Error(fmt.Sprintf("Cannot program the virtual servers: %v", err))
	}
	cr.o.StartGC.Done()
	keys := keyMap(c)
	cr.notrack(c.Global.CheckerNotrack)
	mctx, stopChecks := context.WithCancel(ctx)
	checksDone := cr.startChecks(mctx, c, nil, nil)
	for {
		select {
		case <-ctx.Done():
			stopChecks()
			<-checksDone
			cr.stop(rec, c)
			cr.notrack(0) // the table goes with the checks
			return nil
		case <-cr.queue.wake:
			for _, e := range cr.queue.take() {
				cr.apply(ctx, n, model, keys[e.Key], e)
			}
			if _, err := rec.SyncChanged(model); err != nil {
				log.Error(fmt.Sprintf("Cannot update the virtual servers: %v", err))
			}
		case answer := <-cr.table:
			answer <- snapshot(dp)
		case answer := <-cr.conns:
			answer <- lvsConns(dp)
		case req := <-cr.reload:
			// Checkers restart on the new configuration from each real
			// server's state (their retry counters start again); the
			// model keeps the servers' state too.
			prev := previousStates(model, keys)
			cr.mu.Lock()
			prevChecks := cr.mgr.Checkers()
			cr.mu.Unlock()
			stopChecks()
			<-checksDone
			cr.queue.take()
			c = req.cfg
			model, evs = lvs.New(c, model)
			cr.setModel(model)
			cr.handle(ctx, n, model, evs, "")
			keys = keyMap(c)
			_, err := rec.Sync(model.Desired())
			if err != nil {
				log.Error(fmt.Sprintf("Cannot update the virtual servers: %v", err))
			}
			cr.notrack(c.Global.CheckerNotrack)
			mctx, stopChecks = context.WithCancel(ctx)
			checksDone = cr.startChecks(mctx, c, prev, prevChecks)
			req.done <- err
		}
	}
}

func (cr *checkerRole) setModel(m *lvs.Model) {
	cr.mu.Lock()
	cr.model = m
	cr.mu.Unlock()
}

// previousStates is each real server's state in the model, by the
// checkers' key, for the checkers of a reloaded configuration.
func previousStates(model *lvs.Model, keys map[check.Key][]rsRef) map[check.Key]bool {
	alive := map[rsRef]bool{}
	for _, vs := range model.Status() {
		for _, rs := range vs.RealServers {
			alive[rsRef{id: vs.ID, key: rs.Key}] = rs.Alive
		}
	}
	prev := map[check.Key]bool{}
	for k, refs := range keys {
		if up, ok := alive[refs[0]]; ok {
			prev[k] = up
		}
	}
	return prev
}

// startChecks runs every checker of c, starting from prev's states (after
// a reload); the channel closes when they stop.
func (cr *checkerRole) startChecks(ctx context.Context, c *config.Config, prev map[check.Key]bool, prevChecks map[check.Key][]check.CheckerStatus) <-chan struct{} {
	mark := cr.mark
	mgr := check.New(c, check.Options{
		Dialer: netdial.Dialer{Mark: mark}, Pinger: ping.Pinger{}, Run: miscRunner(c),
		NewConnector: func() (check.Connector, error) {
			e, err := netdial.NewEngine()
			if err == nil {
				e.Mark = mark
			}
			return e, err
		},
		OnEvent: cr.queue.push, Logger: cr.o.Log,
		Previous:         func(k check.Key) (bool, bool) { up, ok := prev[k]; return up, ok },
		PreviousCheckers: prevChecks,
	})
	cr.mu.Lock()
	cr.mgr = mgr
	cr.mu.Unlock()
	cr.feedTrackFiles(ctx, c, mgr)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Run(ctx); err != nil {
			cr.o.Log.Error(fmt.Sprintf("health checkers: %v", err))
		}
	}()
	return done
}

// feedTrackFiles reads the track_files FILE_CHECKs use (once now, then
// polled every second, as the VRRP trackers do) and hands their values to
// the checkers.
func (cr *checkerRole) feedTrackFiles(ctx context.Context, c *config.Config, mgr *check.Manager) {
	used := map[string]bool{}
	for _, vs := range c.VirtualServers {
		for _, rs := range vs.RealServers {
			for _, fc := range rs.FileCheck {
				used[fc.TrackFile] = true
			}
		}
	}
	out := make(chan track.FileEvent, 16)
	n := 0
	for _, tf := range c.TrackFiles {
		if !used[tf.Name] {
			continue
		}
		f := track.NewFile(tf, os.ReadFile, cr.o.Log)
		mgr.SetTrackFile(tf.Name, f.Value())
		go f.Run(ctx, time.Second, out)
		n++
	}
	if n == 0 {
		return
	}
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case ev := <-out:
				mgr.SetTrackFile(ev.Name, ev.Value)
			}
		}
	}()
}

// apply feeds one check event to the model.
func (cr *checkerRole) apply(ctx context.Context, n *notify.Notifier, model *lvs.Model, refs []rsRef, e check.Event) {
	for _, ref := range refs {
		var evs []lvs.Event
		var err error
		switch e.Kind {
		case check.EventInit, check.EventUp, check.EventDown:
			evs, err = model.SetAlive(ref.id, ref.key, e.Up)
			if e.Kind != check.EventInit {
				cr.mu.Lock()
				cr.health[ref] = rsHealth{since: time.Now(), reason: e.Reason}
				cr.mu.Unlock()
			}
		case check.EventWeight:
			evs, err = model.SetWeight(ref.id, ref.key, e.Weight)
		}
		if err != nil {
			cr.o.Log.Error(err.Error())
			continue
		}
		cr.handle(ctx, n, model, evs, e.Alert)
	}
}

// handle logs the model's decisions and runs what they call for:
// notify_up/notify_down with the LVS FIFO and mail, quorum scripts.
func (cr *checkerRole) handle(ctx context.Context, n *notify.Notifier, model *lvs.Model, evs []lvs.Event, alert string) {
	for _, ev := range evs {
		if ev.Kind == lvs.Log {
			// The up/down and quorum events only carry the state; their
			// log line came as a Log event.
			vs, rs := model.Names(ev.VS, ev.RS)
			attrs := []any{"vs", vs}
			if rs != "" {
				attrs = append(attrs, "rs", rs)
			}
			cr.o.Log.Info(ev.Msg, attrs...)
		}
		switch ev.Kind {
		case lvs.RealServerUp, lvs.RealServerDown:
			vs, rs := names(model, ev)
			n.RealServer(notify.RealServerChange{RS: rs, VS: vs, Up: ev.Kind == lvs.RealServerUp, Script: ev.Script, Mail: alert != "", Message: alert})
		case lvs.QuorumUp, lvs.QuorumDown:
			if ev.Script != nil {
				go scriptRunner(cr.cfg).Notify(ctx, notify.Command{Args: ev.Script.Args, User: ev.Script.User, Group: ev.Script.Group})
			}
		}
	}
}

// names renders an event's virtual and real server as keepalived does.
func names(model *lvs.Model, ev lvs.Event) (vs, rs string) { return model.Names(ev.VS, ev.RS) }

// stop releases the virtual servers at shutdown (keepalived's
// clear_services), unless -I; lvs_flush_on_stop full flushes everything.
func (cr *checkerRole) stop(rec *lvs.Reconciler, c *config.Config) {
	if cr.o.KeepIPVS {
		return
	}
	if err := rec.Stop(c.Global.LVSFlushOnStop == config.LVSFlushFull); err != nil {
		cr.o.Log.Error(fmt.Sprintf("Cannot remove the virtual servers: %v", err))
	}
}

// notrack writes the table that exempts the checkers' connections
// marked mark (checker_notrack) from conntrack, or removes it for 0, and
// sets the mark the next checkers use: 0 when the table could not be
// written, so that they stay tracked rather than marked for nothing.
func (cr *checkerRole) notrack(mark uint32) {
	if mark == 0 && cr.mark == 0 {
		return
	}
	if err := nft.SetNotrack(mark); err != nil {
		cr.o.Log.Error(fmt.Sprintf("checker_notrack: %v - the checkers' connections stay tracked by conntrack", err))
		cr.mark = 0
		return
	}
	if mark != 0 && mark != cr.mark {
		cr.o.Log.Info(fmt.Sprintf("checker_notrack: the checkers' connections (mark 0x%x) bypass conntrack (table inet %s)", mark, nft.NotrackTableName))
	}
	cr.mark = mark
}

// Reload hands the new configuration to Run and waits for it.
func (cr *checkerRole) Reload(ctx context.Context, c *config.Config) error {
	req := reloadReq{cfg: c, done: make(chan error, 1)}
	select {
	case cr.reload <- req:
	case <-ctx.Done():
		return ctx.Err()
	}
	cr.mu.Lock()
	cr.cfg = c
	cr.mu.Unlock()
	select {
	case err := <-req.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Table is the dataplane's table as ipvsadm -Ln --stats renders it.
// dpSnapshot is the dataplane's table, in every layout lvs list prints,
// and its services with their counters (for the metrics).
type dpSnapshot struct {
	view  control.LVSView
	stats []control.LVSService
}

// Dataplane reads the dataplane: its table in every layout keepalivedctl
// lvs list can print, and its services with their counters.
func (cr *checkerRole) Dataplane(ctx context.Context) (control.LVSView, []control.LVSService) {
	answer := make(chan dpSnapshot, 1)
	select {
	case cr.table <- answer:
	case <-ctx.Done():
		return control.LVSView{}, nil
	}
	select {
	case s := <-answer:
		return s.view, s.stats
	case <-ctx.Done():
		return control.LVSView{}, nil
	}
}

// snapshot reads the dataplane's table for the control socket.
func snapshot(dp lvs.Dataplane) dpSnapshot {
	st, err := dp.State()
	if err != nil {
		msg := fmt.Sprintf("cannot read the %s dataplane: %v\n", dp.Name(), err)
		return dpSnapshot{view: control.LVSView{List: msg, Stats: msg, Rate: msg}}
	}
	return dpSnapshot{view: RenderLVS(st), stats: lvsStats(st)}
}

// lvsStats turns the dataplane's state into the control socket's form.
func lvsStats(st []lvs.ServiceState) []control.LVSService {
	counters := func(s lvs.Stats) control.Counters {
		return control.Counters{Conns: s.Conns, InPkts: s.InPkts, OutPkts: s.OutPkts, InBytes: s.InBytes, OutBytes: s.OutBytes}
	}
	out := []control.LVSService{}
	for _, svc := range st {
		k := svc.Key
		s := control.LVSService{Protocol: strings.ToLower(k.Protocol.String()), Addr: k.Addr, Port: k.Port, FWMark: k.FWMark,
			Counters: counters(svc.Stats), Dests: []control.LVSDest{}}
		for _, d := range svc.Dests {
			s.Dests = append(s.Dests, control.LVSDest{Addr: d.Key.Addr, Port: d.Key.Port, Weight: d.Weight,
				ActiveConns: d.ActiveConns, InactiveConns: d.InactiveConns, Counters: counters(d.Stats)})
		}
		out = append(out, s)
	}
	return out
}

// connsAnswer is the dataplane's connections as ipvsadm -Lnc prints
// them, or why they cannot be listed.
type connsAnswer struct {
	text string
	err  error
}

// Conns asks Run for the dataplane's connections.
func (cr *checkerRole) Conns(ctx context.Context) (string, error) {
	answer := make(chan connsAnswer, 1)
	select {
	case cr.conns <- answer:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	select {
	case a := <-answer:
		return a.text, a.err
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

func lvsConns(dp lvs.Dataplane) connsAnswer {
	cl, ok := dp.(lvs.ConnLister)
	if !ok {
		return connsAnswer{err: fmt.Errorf("the %s dataplane cannot list connections", dp.Name())}
	}
	conns, err := cl.Conns()
	if err != nil {
		return connsAnswer{err: fmt.Errorf("cannot read the %s dataplane's connections: %w", dp.Name(), err)}
	}
	var b strings.Builder
	_ = lvs.RenderConns(&b, conns)
	return connsAnswer{text: b.String()}
}

// Status renders the model for the control socket.
func (cr *checkerRole) Status(context.Context) ([]control.VirtualServer, string) {
	cr.mu.Lock()
	defer cr.mu.Unlock()
	if cr.model == nil {
		return nil, cr.dpName
	}
	scheds := map[lvs.VSID]*config.VirtualServer{}
	ids := lvs.IDs(cr.cfg.VirtualServers)
	for i, vs := range cr.cfg.VirtualServers {
		scheds[ids[i]] = vs
	}
	checkers := map[rsRef][]control.Checker{}
	if cr.mgr != nil {
		all := cr.mgr.Checkers()
		for k, refs := range keyMap(cr.cfg) {
			for _, ref := range refs {
				for _, c := range all[k] {
					checkers[ref] = append(checkers[ref], control.Checker{
						Type: c.Kind, Target: c.Target, Up: c.Up, Since: c.Since,
						LastRun: c.LastRun, LastOK: c.LastOK, LastReason: c.LastReason,
						Retry: c.Retry, RetriesLeft: c.RetriesLeft,
					})
				}
			}
		}
	}
	var out []control.VirtualServer
	for _, s := range cr.model.Status() {
		v := control.VirtualServer{Name: s.Name, Quorum: s.QuorumUp, Sorry: s.SorryUp}
		if vs := scheds[s.ID]; vs != nil {
			v.Scheduler, v.Method = vs.Sched, vs.Method.String()
		}
		for _, r := range s.RealServers {
			h := cr.health[rsRef{id: s.ID, key: r.Key}]
			v.RealServers = append(v.RealServers, control.RealServer{Name: r.Name, Up: r.Alive, Weight: int(r.Weight), Since: h.since, Reason: h.reason,
				Checkers: checkers[rsRef{id: s.ID, key: r.Key}]})
		}
		out = append(out, v)
	}
	return out, cr.dpName
}
