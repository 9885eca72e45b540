// Package daemon wires the running keepalived: it reads nothing itself
// (the cli hands it a validated configuration and a way to reload one),
// builds the VRRP and checker roles from the core packages and the
// internal/sys adapters, and handles signals, pid files and reloads.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/notify"
	"github.com/keepalived-go/keepalived/internal/sys/proc"
)

// Version is the version line of the start and stop messages.
const Version = "Keepalived v2.2.7-go"

// Options are the daemon's settings from the command line.
type Options struct {
	// Reload re-reads the configuration (SIGHUP). It logs the problems
	// itself and returns ok false when the configuration cannot run.
	Reload func() (*config.Config, bool)
	// VRRP and Check select the roles (-P, -C); both when neither is set.
	VRRP, Check bool
	// KeepVIPs leaves the virtual addresses in place at stop (-V);
	// KeepIPVS leaves the virtual servers (-I).
	KeepVIPs, KeepIPVS bool
	// PIDFile, VRRPPIDFile and CheckersPIDFile are -p, -r and -c (with
	// keepalived's defaults when empty).
	PIDFile, VRRPPIDFile, CheckersPIDFile string
	// Log is the daemon's logger; LogDetail is -D.
	Log       *slog.Logger
	LogDetail bool
	// CommandLine is logged at start as keepalived does.
	CommandLine string
	// ConfigFile is the main configuration file, for the start message.
	ConfigFile string
	// Child is set in a role process the parent started: it writes its
	// role's pid file only and serves its control socket beside it.
	Child bool
	// MetricsListen, when set, serves Prometheus metrics on /metrics at
	// this address (from KEEPALIVED_GO_METRICS_LISTEN; not in children).
	MetricsListen string
	// StartGC is the collector's start-up setting (NewStartupGC), put back
	// when the checker role has built its first changes (kernel IPVS:
	// once it has made them), else when the roles have started; nil:
	// none.
	StartGC *StartupGC
}

// Default pid files (keepalived's, without use_pid_dir).
const (
	DefaultPIDFile         = "/run/keepalived.pid"
	DefaultVRRPPIDFile     = "/run/vrrp.pid"
	DefaultCheckersPIDFile = "/run/checkers.pid"
)

// resolvePIDFiles fills in the pid files the command line left unset as
// keepalived does: /run/NAME.pid, under /run/keepalived/ with
// use_pid_dir (or net_namespace), and NAME_INSTANCE.pid with instance.
func resolvePIDFiles(o *Options, c *config.Config) {
	dir := "/run/"
	if c.UsePidDir || c.Instance != "" || c.NetNamespace != "" {
		dir = "/run/keepalived/"
	}
	suffix := ""
	if c.Instance != "" {
		suffix = "_" + c.Instance
	}
	o.PIDFile = orDefault(o.PIDFile, dir+"keepalived"+suffix+".pid")
	o.VRRPPIDFile = orDefault(o.VRRPPIDFile, dir+"vrrp"+suffix+".pid")
	o.CheckersPIDFile = orDefault(o.CheckersPIDFile, dir+"checkers"+suffix+".pid")
}

// role is one part of the daemon (VRRP, checkers) run from a
// configuration until its context ends.
type role interface {
	// Run runs until ctx is done, then releases what it holds.
	Run(ctx context.Context) error
	// Reload applies a new configuration; an error leaves the old one
	// running.
	Reload(ctx context.Context, c *config.Config) error
}

// Run runs the daemon with the validated configuration c until ctx is
// done or a STOP signal arrives.
func Run(ctx context.Context, c *config.Config, o Options) error {
	log := o.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
		o.Log = log
	}
	resolvePIDFiles(&o, c)
	defer o.StartGC.Done()
	if !o.VRRP && !o.Check {
		// keepalived's usual layout: a parent supervising a VRRP child
		// and a checker child.
		return runParent(ctx, c, o)
	}
	if !o.Child {
		log.Info("Starting " + Version)
		if o.CommandLine != "" {
			log.Info("Command line: " + o.CommandLine)
		}
		if o.ConfigFile != "" {
			log.Info(fmt.Sprintf("Opening file '%s'.", o.ConfigFile))
		}
	}
	var pids []*proc.PIDFile
	defer func() {
		for _, p := range pids {
			p.Remove()
		}
	}()
	for _, f := range []struct {
		path, def string
		on        bool
	}{{o.PIDFile, DefaultPIDFile, !o.Child}, {o.VRRPPIDFile, DefaultVRRPPIDFile, o.VRRP}, {o.CheckersPIDFile, DefaultCheckersPIDFile, o.Check}} {
		if !f.on {
			continue
		}
		path := f.path
		if path == "" {
			path = f.def
		}
		p, err := proc.WritePIDFile(path)
		if err != nil {
			return err
		}
		pids = append(pids, p)
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Signals are caught from here on: a SIGTERM during start-up is a
	// clean stop, not a kill.
	sigs := proc.Notify(ctx)
	warnScriptUser(c, log)
	warnUnsupported(c, log)
	secureScripts(c, log)
	if !o.Child {
		notify.RunStartup(ctx, &c.Global, scriptRunner(c).Notify, log)
		defer notify.RunShutdown(context.Background(), &c.Global, scriptRunner(c).Notify, log)
	}
	ctl := &controller{o: o, cfg: c, started: time.Now(), reloaded: time.Now(), reloadReq: make(chan chan error)}
	var roles []role
	if o.VRRP {
		r, err := newVRRPRole(c, o)
		if err != nil {
			return err
		}
		ctl.vrrp = r
		roles = append(roles, r)
	}
	if o.Check {
		r, err := newCheckerRole(c, o)
		if err != nil {
			return err
		}
		if r != nil {
			ctl.checker = r
			roles = append(roles, r)
		}
	}
	var wg sync.WaitGroup
	errc := make(chan error, len(roles)+1)
	for _, r := range roles {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := r.Run(ctx); err != nil {
				errc <- err
				cancel()
			}
		}()
	}
	pidFile := orDefault(o.PIDFile, DefaultPIDFile)
	if o.Child && o.VRRP {
		pidFile = orDefault(o.VRRPPIDFile, DefaultVRRPPIDFile)
	} else if o.Child {
		pidFile = orDefault(o.CheckersPIDFile, DefaultCheckersPIDFile)
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := control.Serve(ctx, control.SocketPath(pidFile), ctl); err != nil {
			log.Error(err.Error())
		}
	}()
	ctl.reg = control.NewRegistry(ctl.Status, o.roleName(), !o.Child)
	serveMetrics(ctx, o, c, ctl.reg)
	log.Info("Startup complete")
	if ctl.checker == nil {
		o.StartGC.Done()
	}
	if !o.Child {
		proc.SdNotify("READY=1")
	}
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case answer := <-ctl.reloadReq:
			answer <- reload(ctx, log, o, roles, ctl)
		case s := <-sigs:
			switch s {
			case proc.Stop:
				break loop
			case proc.Reload:
				_ = reload(ctx, log, o, roles, ctl)
			default:
				ctl.dumpFor(ctx, s)
			}
		}
	}
	log.Info("Stopping")
	if !o.Child {
		proc.SdNotify("STOPPING=1")
	}
	cancel()
	wg.Wait()
	log.Info("Stopped " + Version)
	close(errc)
	var errs []error
	for err := range errc {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// reload re-reads the configuration and hands it to every role. A
// configuration that does not validate changes nothing.
func reload(ctx context.Context, log *slog.Logger, o Options, roles []role, ctl *controller) error {
	log.Info("Reloading ...")
	if !o.Child {
		proc.SdNotify("RELOADING=1")
		defer proc.SdNotify("READY=1")
	}
	if o.Reload == nil {
		return errors.New("reload is not possible: no configuration loader")
	}
	c, ok := o.Reload()
	if !ok {
		err := errors.New("the new configuration has errors (see the log); the running configuration is kept")
		log.Error("Reload failed: " + err.Error())
		return err
	}
	secureScripts(c, log)
	for _, r := range roles {
		if err := r.Reload(ctx, c); err != nil {
			log.Error(fmt.Sprintf("Reload failed: %v; keeping the running configuration", err))
			return err
		}
	}
	ctl.mu.Lock()
	ctl.reloaded = time.Now()
	ctl.cfg = c
	ctl.mu.Unlock()
	log.Info("Reload complete")
	return nil
}

// serveMetrics starts the Prometheus endpoint when asked for: global_defs
// metrics_listen (ours), or KEEPALIVED_GO_METRICS_LISTEN, which wins.
func serveMetrics(ctx context.Context, o Options, c *config.Config, g prometheus.Gatherer) {
	if o.MetricsListen == "" && c.Global.MetricsListen.IsValid() {
		o.MetricsListen = c.Global.MetricsListen.String()
	}
	if o.MetricsListen == "" || o.Child {
		return
	}
	go func() {
		if err := control.ServeMetrics(ctx, o.MetricsListen, g); err != nil {
			o.Log.Error(err.Error())
		}
	}()
	o.Log.Info("Serving Prometheus metrics on http://" + o.MetricsListen + "/metrics")
}

// Detached says whether this process is the background copy Daemonize
// started.
func Detached() bool { return proc.Detached() }

// Daemonize starts the daemon again in the background (keepalived
// without -n) and returns its pid; the caller exits.
func Daemonize() (int, error) { return proc.Daemonize() }
