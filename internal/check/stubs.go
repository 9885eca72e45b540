package check

import (
	"context"

	"github.com/keepalived-go/keepalived/internal/config"
)

func failing(reason string) Prober {
	return ProberFunc(func(context.Context) Result { return Result{Reason: reason, Log: reason} })
}

func (m *Manager) udpProber(vs *config.VirtualServer, c *config.UDPCheck) Prober {
	return failing("todo")
}
func (m *Manager) pingProber(vs *config.VirtualServer, c *config.PingCheck) Prober {
	return failing("todo")
}
