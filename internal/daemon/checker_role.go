package daemon

import (
	"context"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/control"
)

// checkerRole runs the virtual servers and their health checks
// (keepalived's checker child).
type checkerRole struct{}

// newCheckerRole returns nil when the configuration has no virtual
// servers.
func newCheckerRole(c *config.Config, o Options) (*checkerRole, error) {
	return nil, nil
}

func (*checkerRole) Run(ctx context.Context) error                      { <-ctx.Done(); return nil }
func (*checkerRole) Reload(ctx context.Context, c *config.Config) error { return nil }
func (*checkerRole) Status(ctx context.Context) ([]control.VirtualServer, string) {
	return nil, ""
}
