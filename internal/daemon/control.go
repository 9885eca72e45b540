package daemon

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
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
	// reloadReq asks the main loop to reload; the answer comes back on
	// the channel it carries.
	reloadReq chan chan error
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
	}
	if c.vrrp != nil {
		for _, in := range c.vrrp.Status(ctx) {
			st.Instances = append(st.Instances, instanceDTO(in))
		}
	}
	if c.checker != nil {
		st.VirtualServers, st.Dataplane = c.checker.Status(ctx)
	}
	return st
}

func instanceDTO(in vrrp.InstanceStatus) control.Instance {
	return control.Instance{
		Name: in.Name, VRID: in.VRID, Interface: in.Interface, State: in.State,
		Priority: in.Priority, BasePriority: in.BasePriority, Source: in.Source, Master: in.Master,
		VIPs: in.VIPs, Since: in.Since, RxAdverts: in.RxAdverts, TxAdverts: in.TxAdverts, Drops: in.Drops,
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
