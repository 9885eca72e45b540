package daemon

import (
	"context"
	"errors"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// vrrpEnv holds the OS adapters of the VRRP role.
type vrrpEnv struct{}

func openVRRPEnv(ctx context.Context, o Options) (*vrrpEnv, error) {
	return nil, errors.New("VRRP adapters not wired yet")
}

func (e *vrrpEnv) Close()                                                {}
func (e *vrrpEnv) removeStale(c *config.Config)                          {}
func (e *vrrpEnv) deps(o Options) vrrp.Deps                              { return vrrp.Deps{} }
func (e *vrrpEnv) forwardLinkEvents(ctx context.Context, r *vrrp.Router) {}
