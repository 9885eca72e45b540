package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/sys/proc"
	"github.com/keepalived-go/keepalived/internal/track"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// controller answers the control socket from the running roles.
type controller struct {
	o       Options
	started time.Time
	vrrp    *vrrpRole
	checker *checkerRole

	mu       sync.Mutex
	reloaded time.Time
	cfg      *config.Config
	// reloadReq asks the main loop to reload; the answer comes back on
	// the channel it carries.
	reloadReq chan chan error
	// reg is this process's metrics (for the parent's /metrics too).
	reg *prometheus.Registry
}

// Metrics renders this process's metrics for the parent.
func (c *controller) Metrics(context.Context) ([]byte, error) {
	if c.reg == nil {
		return nil, errors.New("metrics are not ready")
	}
	return control.EncodeText(c.reg)
}

func (c *controller) Status(ctx context.Context) control.Status {
	c.mu.Lock()
	reloaded := c.reloaded
	c.mu.Unlock()
	st := control.Status{
		Version:    Version,
		Now:        time.Now(),
		PID:        os.Getpid(),
		Started:    c.started,
		ConfigFile: c.o.ConfigFile,
		Reloaded:   reloaded,
		Processes:  []control.Process{{Role: c.o.roleName(), PID: os.Getpid(), Goroutines: runtime.NumGoroutine()}},
	}
	if c.vrrp != nil {
		for _, in := range c.vrrp.Status(ctx) {
			st.Instances = append(st.Instances, instanceDTO(in))
		}
		scripts := c.vrrp.Scripts()
		for _, name := range slices.Sorted(maps.Keys(scripts)) {
			status := map[track.ScriptState]string{track.ScriptInit: "INIT", track.ScriptOK: "GOOD", track.ScriptFail: "BAD"}[scripts[name]]
			st.Scripts = append(st.Scripts, control.Script{Name: name, Status: status})
		}
	}
	if c.checker != nil {
		st.VirtualServers, st.Dataplane = c.checker.Status(ctx)
		tctx, cancel := context.WithTimeout(ctx, 3*time.Second)
		v, stats := c.checker.Dataplane(tctx)
		st.LVSTable, st.LVS, st.LVSStats = v.Stats, v, stats
		cancel()
	}
	return st
}

// LVSConns implements control.ConnsHandler.
func (c *controller) LVSConns(ctx context.Context) (string, error) {
	if c.checker == nil {
		return "", errors.New("this process runs no virtual servers")
	}
	return c.checker.Conns(ctx)
}

func instanceDTO(in vrrp.InstanceStatus) control.Instance {
	return control.Instance{
		Name: in.Name, VRID: in.VRID, Interface: in.Interface, State: in.State,
		Priority: in.Priority, BasePriority: in.BasePriority, Source: in.Source, Master: in.Master,
		VIPs: in.VIPs, Since: in.Since, RxAdverts: in.RxAdverts, TxAdverts: in.TxAdverts, Drops: in.Drops,
		Transitions: in.Transitions, Stats: &control.VRRPStats{
			AdvertRcvd: in.Stats.AdvertRcvd, AdvertSent: in.Stats.AdvertSent,
			BecomeMaster: in.Stats.BecomeMaster, ReleaseMaster: in.Stats.ReleaseMaster,
			PacketLenErr: in.Stats.PacketLenErr, AdvertIntervalErr: in.Stats.AdvertIntervalErr,
			IPTTLErr: in.Stats.IPTTLErr, InvalidTypeRcvd: in.Stats.InvalidTypeRcvd, AddrListErr: in.Stats.AddrListErr,
			InvalidAuthType: in.Stats.InvalidAuthType, AuthTypeMismatch: in.Stats.AuthTypeMismatch,
			AuthFailure: in.Stats.AuthFailure, PriZeroRcvd: in.Stats.PriZeroRcvd, PriZeroSent: in.Stats.PriZeroSent,
		},
	}
}

// dumpFor writes the dump a signal asks for: keepalived.data (USR1),
// keepalived.stats (USR2, and STATS_CLEAR), keepalived.json (SIGRTMIN+2),
// at the paths global_defs may override.
func (c *controller) dumpFor(ctx context.Context, s proc.Signal) {
	c.mu.Lock()
	g := &c.cfg.Global
	c.mu.Unlock()
	if c.checker != nil && s == proc.Data {
		// The checker's own file, as keepalived's checker child writes
		// keepalived_check.data.
		vss, dp := c.checker.Status(ctx)
		path := roleDataFile(g, "check")
		if err := dump(path, func(w io.Writer) { writeCheckData(w, vss, dp) }); err != nil {
			c.o.Log.Error(fmt.Sprintf("Can't open %s (%v)", path, err))
		}
	}
	if c.vrrp == nil {
		// The VRRP dumps are the VRRP process's: a checker process
		// writing them too would race it with empty files.
		return
	}
	list := c.vrrp.Status(ctx)
	var path string
	var err error
	switch s {
	case proc.Data:
		path = roleDataFile(g, "")
		err = dump(path, func(w io.Writer) { writeData(w, list) })
	case proc.Stats, proc.StatsClear:
		path = orDefault(g.StatsDumpFile, defaultStatsFile)
		err = dump(path, func(w io.Writer) { writeStats(w, list) })
	case proc.JSON:
		path = orDefault(g.JSONDumpFile, defaultJSONFile)
		var b []byte
		if b, err = jsonDump(list, g.JSONVersion); err == nil {
			err = writeFileAtomic(path, b)
		}
	default:
		return
	}
	if err != nil {
		c.o.Log.Error(fmt.Sprintf("Can't open %s (%v)", path, err))
	}
}

// Reload runs a reload on the main loop and waits for its verdict.
func (c *controller) Reload(ctx context.Context) error {
	answer := make(chan error, 1)
	select {
	case c.reloadReq <- answer:
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

// roleName names this process's role in status and metrics.
func (o Options) roleName() string {
	switch {
	case o.VRRP && o.Check:
		return "vrrp+check"
	case o.VRRP:
		return "vrrp"
	case o.Check:
		return "check"
	}
	return "parent"
}
