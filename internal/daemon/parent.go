package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
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
	mainPID := orDefault(o.PIDFile, DefaultPIDFile)
	pf, err := proc.WritePIDFile(mainPID)
	if err != nil {
		return err
	}
	defer pf.Remove()

	pc := &parentControl{o: o, cfg: c, started: time.Now(), reloadReq: make(chan chan error)}
	sctx, stopChildren := context.WithCancel(context.Background())
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
				ch = &child{role: "vrrp", name: "VRRP", pid: orDefault(o.VRRPPIDFile, DefaultVRRPPIDFile),
					died: func() { releaseVIPs(log, pc.config()) }}
			} else {
				ch = &child{role: "check", name: "Healthcheck", pid: orDefault(o.CheckersPIDFile, DefaultCheckersPIDFile)}
			}
			pc.mu.Lock()
			pc.children = append(pc.children, ch)
			pc.mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				supervise(sctx, log, ch)
			}()
		}
	}
	pc.ensure(c)
	cctx, stopControl := context.WithCancel(ctx)
	go func() {
		if err := control.Serve(cctx, control.SocketPath(mainPID), pc); err != nil {
			log.Error(err.Error())
		}
	}()
	serveMetrics(cctx, o, c, pc.Status)
	log.Info("Startup complete")
	proc.SdNotify("READY=1")
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case answer := <-pc.reloadReq:
			answer <- pc.reload()
		case s := <-sigs:
			switch s {
			case proc.Stop:
				break loop
			case proc.Reload:
				_ = pc.reload()
			default:
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
	return nil
}

// childStopWait is how long a stopping child may take before SIGKILL
// (keepalived's child_wait_time default).
const childStopWait = 5 * time.Second

// supervise keeps one role child running until ctx ends.
func supervise(ctx context.Context, log *slog.Logger, ch *child) {
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
				case <-time.After(childStopWait):
					log.Error(fmt.Sprintf("%s child process(%d) did not stop in %v: killing it", ch.name, p.Pid(), childStopWait))
					p.Kill()
					<-p.Done()
				}
				return
			case <-p.Done():
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
			return
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
	st := control.Status{Version: Version, Now: time.Now(), PID: os.Getpid(), Started: pc.started, ConfigFile: pc.o.ConfigFile, Reloaded: reloaded}
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
		st.LVS.List += cs.LVS.List
		st.LVS.Stats += cs.LVS.Stats
		st.LVS.Rate += cs.LVS.Rate
		if cs.LVS.Services != nil {
			st.LVS.Services = cs.LVS.Services
		}
	}
	return st
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
	pc.forward(proc.Reload)
	pc.mu.Lock()
	pc.reloaded = time.Now()
	pc.cfg = c
	pc.mu.Unlock()
	pc.ensure(c)
	log.Info("Reload complete")
	return nil
}

// forward passes a signal to every running child.
func (pc *parentControl) forward(s proc.Signal) {
	for _, ch := range pc.children {
		if p := ch.current(); p != nil {
			_ = p.Signal(s)
		}
	}
}
