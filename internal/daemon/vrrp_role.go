package daemon

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// vrrpRole runs the VRRP instances (keepalived's VRRP child).
type vrrpRole struct {
	o Options

	mu     sync.Mutex
	cfg    *config.Config
	router *vrrp.Router
	// restart asks Run to replace the router with one for cfg.
	restart chan struct{}
}

func newVRRPRole(c *config.Config, o Options) (*vrrpRole, error) {
	return &vrrpRole{o: o, cfg: c, restart: make(chan struct{}, 1)}, nil
}

// Run runs the router until ctx ends, rebuilding it when a reload changed
// the VRRP configuration.
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
		r, err := vrrp.NewRouter(c, env.deps(v.o))
		if err != nil {
			return err
		}
		v.mu.Lock()
		v.router = r
		v.mu.Unlock()
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		go func() { done <- r.Run(rctx) }()
		go env.forwardLinkEvents(rctx, r)
		select {
		case <-ctx.Done():
			cancel()
			return <-done
		case <-v.restart:
			cancel()
			if err := <-done; err != nil {
				return err
			}
		case err := <-done:
			cancel()
			return err
		}
	}
}

// Reload takes a new configuration: the running router applies the
// difference (unchanged instances keep their state and VIPs). Without a
// running router (no instances yet) the role starts one.
func (v *vrrpRole) Reload(ctx context.Context, c *config.Config) error {
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
		return r.Reload(ctx, c)
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
