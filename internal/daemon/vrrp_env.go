package daemon

import (
	"context"
	"errors"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/vrrp"
)

// vrrpEnv holds the OS adapters of the VRRP role (being merged).
type vrrpEnv struct{}

func openVRRPEnv(context.Context, Options) (*vrrpEnv, error) {
	return nil, errors.New("VRRP adapters not wired yet")
}

func (*vrrpEnv) Close()                                                                 {}
func (*vrrpEnv) removeStale(*config.Config)                                             {}
func (*vrrpEnv) deps(Options) vrrp.Deps                                                 { return vrrp.Deps{} }
func (*vrrpEnv) forwardLinkEvents(context.Context, *vrrp.Router, chan<- vrrp.LinkEvent) {}
func (*vrrpEnv) links() vrrp.Links                                                      { return nil }
