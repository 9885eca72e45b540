package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/notify"
	"github.com/keepalived-go/keepalived/internal/sys/netlink"
	"github.com/keepalived-go/keepalived/internal/sys/proc"
)

// RoleEnv is the environment variable that makes a re-executed
// keepalived a role child: "vrrp" or "check".
const RoleEnv = "KEEPALIVED_GO_ROLE"

// child is one supervised role process.
type child struct {
	role string // "vrrp" or "check"
	name string // "VRRP" or "Healthcheck", as keepalived's messages
	pid  string // its pid file, whose .ctl is its control socket

	// died runs when the child dies, before it is restarted.
	died func()

	mu  sync.Mutex
	cur *proc.Child
}

func (c *child) current() *proc.Child {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.cur
}

// runParent is keepalived's parent process: it starts a VRRP child and a
// checker child (each this program again, with RoleEnv set), restarts a
// child that dies with a growing delay (1 s, 2 s ... 60 s, back to 1 s
// after a minute of health), forwards signals, answers the control socket
// with what the children say, and on STOP stops them and waits.
func runParent(ctx context.Context, c *config.Config, o Options) error {
	log := o.Log
	sigs := proc.Notify(ctx)
	log.Info("Starting " + Version)
	if o.CommandLine != "" {
		log.Info("Command line: " + o.CommandLine)
	}
	if o.ConfigFile != "" {
		log.Info(fmt.Sprintf("Opening file '%s'.", o.ConfigFile))
	}
	secureScripts(c, log)
	notify.RunStartup(ctx, &c.Global, scriptRunner(c).Notify, log)
	defer notify.RunShutdown(context.Background(), &c.Global, scriptRunner(c).Notify, log)
	mainPID := o.PIDFile
	pf, err := proc.WritePIDFile(mainPID)
	if err != nil {
		return err
	}
	defer pf.Remove()

	pc := &parentControl{o: o, cfg: c, started: time.Now(), reloadReq: make(chan chan error)}
	sctx, stopChildren := context.WithCancel(context.Background())
	// fatal is signalled when a child exits with a permanent error.
	fatal := make(chan struct{}, 1)
	var exitErr error
	var wg sync.WaitGroup
	// ensure starts the children a configuration needs and that do not
	// run yet (at start, and when a reload brings the first instance or
	// virtual server). A child whose section became empty keeps running,
	// idle, as keepalived's do.
	pc.ensure = func(c *config.Config) {
		need := map[string]bool{"vrrp": len(c.Instances) > 0, "check": len(c.VirtualServers) > 0}
		for _, ch := range pc.children {
			delete(need, ch.role)
		}
		for _, role := range []string{"vrrp", "check"} {
			if !need[role] {
				continue
			}
			var ch *child
			if role == "vrrp" {
				ch = &child{role: "vrrp", name: "VRRP", pid: o.VRRPPIDFile,
					died: func() { releaseVIPs(log, pc.config()) }}
			} else {
				ch = &child{role: "check", name: "Healthcheck", pid: o.CheckersPIDFile}
			}
			pc.mu.Lock()
			pc.children = append(pc.children, ch)
			pc.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				if supervise(sctx, log, ch, c.ChildWaitTime.Std()) {
					select {
					case fatal <- struct{}{}:
					default:
					}
				}
			}()
		}
	}
	pc.ensure(c)
	o.StartGC.Done() // the children start on their own
	cctx, stopControl := context.WithCancel(ctx)
	go func() {
		if err := control.Serve(cctx, control.SocketPath(mainPID), pc); err != nil {
			log.Error(err.Error())
		}
	}()
	serveMetrics(cctx, o, c, control.WithChildren(
		control.NewRegistry(pc.ownStatus, "parent", true),
		func() []string {
			pc.mu.Lock()
			defer pc.mu.Unlock()
			var paths []string
			for _, ch := range pc.children {
				if ch.current() != nil {
					paths = append(paths, control.SocketPath(ch.pid))
				}
			}
			return paths
		}))
	log.Info("Startup complete")
	proc.SdNotify("READY=1")
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case answer := <-pc.reloadReq:
			answer <- pc.reload()
		case <-fatal:
			exitErr = errors.New("a child process exited with a permanent error")
			break loop
		case s := <-sigs:
			switch s {
			case proc.Stop:
				break loop
			case proc.Reload:
				_ = pc.reload()
			default:
				if s == proc.Data {
					pc.writeData()
				}
				pc.forward(s)
			}
		}
	}
	log.Info("Stopping")
	proc.SdNotify("STOPPING=1")
	stopControl()
	stopChildren()
	wg.Wait()
	log.Info("Stopped " + Version)
	return exitErr
}

// Exit statuses of a child that keepalived's parent does not respawn
// (KEEPALIVED_EXIT_FATAL, _MISSING_PERMISSION, and our
// EXIT_NOTCONFIGURED for a configuration the child cannot read). 2,
// keepalived's KEEPALIVED_EXIT_CONFIG, is also the status of a Go panic,
// so it is respawned like a crash.
var permanentExit = map[int]string{1: "FATAL", 4: "missing permission", 6: "CONFIG"}

// childIdent is keepalived's name of a child in its exit messages.
var childIdent = map[string]string{"vrrp": "Keepalived_vrrp", "check": "Keepalived_healthcheckers"}

// supervise keeps one role child running until ctx ends; it stops when
// the child exits with a permanent error and then returns true. At stop
// a child gets wait (child_wait_time) to exit before SIGKILL.
func supervise(ctx context.Context, log *slog.Logger, ch *child, wait time.Duration) (fatal bool) {
	if wait <= 0 {
		wait = 5 * time.Second
	}
	delay := time.Second
	for {
		started := time.Now()
		p, err := proc.StartChild([]string{RoleEnv + "=" + ch.role}, os.Stdout, os.Stderr)
		if err != nil {
			log.Error(fmt.Sprintf("Unable to start %s child process: %v", ch.name, err))
		} else {
			ch.mu.Lock()
			ch.cur = p
			ch.mu.Unlock()
			log.Info(fmt.Sprintf("Starting %s child process, pid=%d", ch.name, p.Pid()))
			select {
			case <-ctx.Done():
				_ = p.Signal(proc.Stop)
				select {
				case <-p.Done():
				case <-time.After(wait):
					log.Error(fmt.Sprintf("%s process failed to die - forcing termination", childIdent[ch.role]))
					p.Kill()
					<-p.Done()
					proc.RemovePIDFileOf(ch.pid, p.Pid())
				}
				return false
			case <-p.Done():
			}
			if what, ok := permanentExit[p.ExitCode()]; ok {
				log.Error(fmt.Sprintf("%s exited with permanent error %s. Terminating", childIdent[ch.role], what))
				if ch.died != nil {
					ch.died()
				}
				return true
			}
			log.Error(fmt.Sprintf("%s child process(%d) died: Respawning", ch.name, p.Pid()))
			if ch.died != nil {
				ch.died()
			}
		}
		if time.Since(started) > time.Minute {
			delay = time.Second
		}
		if delay > time.Second {
			log.Info(fmt.Sprintf("Restart of %s process delayed %d seconds to limit respawn rate", ch.name, int(delay/time.Second)))
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		delay = min(2*delay, time.Minute)
	}
}

// releaseVIPs removes the virtual addresses of every instance at once
// when the VRRP child dies: keepalived leaves them until the new child
// starts, so two nodes answer for a VIP meanwhile. The new child
// re-adds them if it becomes MASTER again.
func releaseVIPs(log *slog.Logger, c *config.Config) {
	nl, err := netlink.New(netlink.Options{Logger: log})
	if err != nil {
		log.Error(fmt.Sprintf("Cannot remove the dead VRRP child's addresses: %v", err))
		return
	}
	defer nl.Close()
	for _, in := range c.Instances {
		for _, list := range [][]*config.IPAddress{in.VIPs, in.ExcludedVIPs} {
			removed, err := nl.RemoveStale(list, in.Interface)
			if err != nil {
				log.Error(fmt.Sprintf("(%s) cannot remove the dead VRRP child's addresses: %v", in.Name, err))
			}
			for _, p := range removed {
				log.Info(fmt.Sprintf("(%s) removed %s left by the dead VRRP child", in.Name, p))
			}
		}
	}
}

// parentControl answers the parent's control socket.
type parentControl struct {
	o         Options
	started   time.Time
	children  []*child
	reloadReq chan chan error

	mu       sync.Mutex
	reloaded time.Time
	// cfg is the configuration the children run (the last good one).
	cfg *config.Config
	// ensure starts the children cfg needs (main loop only).
	ensure func(*config.Config)
}

func (pc *parentControl) config() *config.Config {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	return pc.cfg
}

// Status merges the children's answers.
func (pc *parentControl) Status(ctx context.Context) control.Status {
	pc.mu.Lock()
	reloaded := pc.reloaded
	children := slices.Clone(pc.children)
	pc.mu.Unlock()
	st := control.Status{Version: Version, Now: time.Now(), PID: os.Getpid(), Started: pc.started, ConfigFile: pc.o.ConfigFile, Reloaded: reloaded,
		Processes: []control.Process{{Role: "parent", PID: os.Getpid(), Goroutines: runtime.NumGoroutine()}}}
	for _, ch := range children {
		cctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		cs, err := control.Client{Path: control.SocketPath(ch.pid)}.Status(cctx)
		cancel()
		if err != nil {
			continue
		}
		st.Instances = append(st.Instances, cs.Instances...)
		st.VirtualServers = append(st.VirtualServers, cs.VirtualServers...)
		if cs.Dataplane != "" {
			st.Dataplane = cs.Dataplane
		}
		st.LVSTable += cs.LVSTable
		st.LVSStats = append(st.LVSStats, cs.LVSStats...)
		st.Processes = append(st.Processes, cs.Processes...)
		st.Scripts = append(st.Scripts, cs.Scripts...)
		st.LVS.List += cs.LVS.List
		st.LVS.Stats += cs.LVS.Stats
		st.LVS.Rate += cs.LVS.Rate
		if cs.LVS.Services != nil {
			st.LVS.Services = cs.LVS.Services
		}
	}
	return st
}

// ownStatus is the parent's own part of the status (its process): the
// children's metrics come from the children.
func (pc *parentControl) ownStatus(context.Context) control.Status {
	return control.Status{Processes: []control.Process{{Role: "parent", PID: os.Getpid(), Goroutines: runtime.NumGoroutine()}}}
}

// LVSConns implements control.ConnsHandler: the checker child's answer.
func (pc *parentControl) LVSConns(ctx context.Context) (string, error) {
	pc.mu.Lock()
	children := slices.Clone(pc.children)
	pc.mu.Unlock()
	err := errors.New("the daemon runs no virtual servers")
	for _, ch := range children {
		cctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		conns, cerr := control.Client{Path: control.SocketPath(ch.pid)}.LVSConns(cctx)
		cancel()
		if cerr == nil {
			return conns, nil
		}
		if !strings.Contains(cerr.Error(), "runs no virtual servers") {
			err = cerr
		}
	}
	return "", err
}

// Reload asks the main loop to reload and waits for the verdict.
func (pc *parentControl) Reload(ctx context.Context) error {
	answer := make(chan error, 1)
	select {
	case pc.reloadReq <- answer:
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-answer:
		return err
	case <-ctx.Done():
		return errors.New("reload still running")
	}
}

// reload validates the new configuration and, when it is good, makes
// the children reload it; a bad one changes nothing.
func (pc *parentControl) reload() error {
	log := pc.o.Log
	log.Info("Reloading ...")
	proc.SdNotify("RELOADING=1")
	defer proc.SdNotify("READY=1")
	if pc.o.Reload == nil {
		return errors.New("reload is not possible: no configuration loader")
	}
	c, ok := pc.o.Reload()
	if !ok {
		err := errors.New("the new configuration has errors (see the log); the running configuration is kept")
		log.Error("Reload failed: " + err.Error())
		return err
	}
	errs := pc.reloadChildren()
	pc.mu.Lock()
	pc.reloaded = time.Now()
	pc.cfg = c
	pc.mu.Unlock()
	pc.ensure(c)
	if err := errors.Join(errs...); err != nil {
		log.Error("Reload failed: " + err.Error())
		return err
	}
	log.Info("Reload complete")
	return nil
}

// childReloadWait bounds how long the parent waits for a child's reload.
const childReloadWait = 30 * time.Second

// reloadChildren makes every running child reload and waits for each
// to finish, through its control socket; a child whose socket does not
// answer (still starting) gets SIGHUP, as keepalived's parent sends.
func (pc *parentControl) reloadChildren() []error {
	var errs []error
	for _, ch := range pc.children {
		p := ch.current()
		if p == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), childReloadWait)
		err := control.Client{Path: control.SocketPath(ch.pid)}.Reload(ctx)
		cancel()
		var unreachable *control.UnreachableError
		switch {
		case errors.As(err, &unreachable):
			_ = p.Signal(proc.Reload)
		case err != nil:
			errs = append(errs, fmt.Errorf("%s child: %w", ch.name, err))
		}
	}
	return errs
}

// writeData writes keepalived_parent.data (SIGUSR1); the children
// write their own files.
func (pc *parentControl) writeData() {
	c := pc.config()
	pids := map[string]int{}
	for _, ch := range pc.children {
		if p := ch.current(); p != nil {
			pids[ch.role] = p.Pid()
		}
	}
	path := roleDataFile(&c.Global, "parent")
	if err := dump(path, func(w io.Writer) { writeParentData(w, pc.o.ConfigFile, pids) }); err != nil {
		pc.o.Log.Error(fmt.Sprintf("Can't open %s (%v)", path, err))
	}
}

// forward passes a signal to every running child.
func (pc *parentControl) forward(s proc.Signal) {
	for _, ch := range pc.children {
		if p := ch.current(); p != nil {
			_ = p.Signal(s)
		}
	}
}
