package netlink

import (
	"net/netip"

	"github.com/keepalived-go/keepalived/internal/config"
)

// RealServer is the handle seen as realserver.System: the host setup of
// an LVS-DR real server (keepalivedctl realserver), with plain prefixes
// and sysctls.
type RealServer struct {
	h *Handle
}

// RealServer returns the handle's realserver.System.
func (h *Handle) RealServer() RealServer { return RealServer{h: h} }

// LinkExists says whether the interface exists.
func (r RealServer) LinkExists(dev string) (bool, error) {
	_, err := r.h.link(dev)
	if ErrNoSuchInterface(err) {
		return false, nil
	}
	return err == nil, err
}

// hostAddr is p as an address with keepalived's defaults (IPv6 with
// IFA_F_NODAD).
func hostAddr(p netip.Prefix) *config.IPAddress { return &config.IPAddress{Addr: p} }

// HasAddress says whether p is on dev.
func (r RealServer) HasAddress(p netip.Prefix, dev string) (bool, error) {
	return r.h.HasAddress(hostAddr(p), dev)
}

// AddAddress puts p on dev (already there is success).
func (r RealServer) AddAddress(p netip.Prefix, dev string) error {
	return r.h.AddAddress(hostAddr(p), dev)
}

// DelAddress removes p from dev (not there is success).
func (r RealServer) DelAddress(p netip.Prefix, dev string) error {
	return r.h.DelAddress(hostAddr(p), dev)
}

// IPv4Conf reads net.ipv4.conf.DEV.KEY in the handle's namespace.
func (r RealServer) IPv4Conf(dev, key string) (int, error) {
	var v int
	err := r.h.inNamespace(func() error {
		var err error
		v, err = getSysctl("ipv4", dev, key)
		return err
	})
	return v, err
}

// SetIPv4Conf writes net.ipv4.conf.DEV.KEY in the handle's namespace.
func (r RealServer) SetIPv4Conf(dev, key string, v int) error {
	return r.h.inNamespace(func() error { return setSysctl("ipv4", dev, key, v) })
}
