package vrrp

import (
	"context"

	"github.com/keepalived-go/keepalived/internal/config"
	"net/netip"
	"time"
)

// InstanceStatus is a snapshot of one running instance, for the control
// socket, state dumps and metrics.
type InstanceStatus struct {
	Name      string `json:"name"`
	VRID      int    `json:"vrid"`
	Interface string `json:"interface"`
	Family    int    `json:"family"`
	State     string `json:"state"`
	// Priority is the effective priority, BasePriority the configured one.
	Priority     int `json:"priority"`
	BasePriority int `json:"base_priority"`
	// Source is our advert source address, Master the master we follow
	// (ourselves when MASTER).
	Source    netip.Addr `json:"source,omitzero"`
	Master    netip.Addr `json:"master,omitzero"`
	VIPs      []string   `json:"vips"`
	Since     time.Time  `json:"since,omitzero"`
	RxAdverts uint64     `json:"rx_adverts"`
	TxAdverts uint64     `json:"tx_adverts"`
	// Drops counts the adverts ignored, by reason.
	Drops map[string]uint64 `json:"drops,omitempty"`
	// Stats are keepalived's counters; the rest of the configuration
	// comes with the instance.
	Stats  Stats                `json:"stats"`
	Config *config.VRRPInstance `json:"-"`
	// Transitions counts the instance's state changes.
	Transitions uint64 `json:"transitions"`
}

// Status returns a snapshot of every instance, in configuration order; nil
// when the router is not running.
func (r *Router) Status(ctx context.Context) []InstanceStatus {
	out := make(chan []InstanceStatus, 1)
	if !r.do(ctx, func(time.Time) { out <- r.status() }) {
		return nil
	}
	select {
	case s := <-out:
		return s
	case <-ctx.Done():
		return nil
	}
}

func (r *Router) status() []InstanceStatus {
	var list []InstanceStatus
	for _, m := range r.members {
		s := InstanceStatus{
			Name:         m.cfg.Name,
			VRID:         m.cfg.VRID,
			Interface:    m.ifname,
			Family:       m.cfg.Family,
			State:        m.in.State().String(),
			Priority:     m.in.Priority(),
			BasePriority: m.cfg.Priority,
			Source:       m.src,
			Master:       m.in.Master(),
			Since:        m.lastTransition,
			RxAdverts:    m.stats.AdvertRcvd,
			TxAdverts:    m.stats.AdvertSent,
			Stats:        m.stats,
			Config:       m.cfg,
			Transitions:  m.transitions,
		}
		if m.in.State() == StateMaster {
			s.Master = m.src
		}
		for _, a := range m.cfg.VIPs {
			s.VIPs = append(s.VIPs, a.Addr.String())
		}
		for reason, n := range m.drops {
			if s.Drops == nil {
				s.Drops = map[string]uint64{}
			}
			s.Drops[reason.String()] = n
		}
		list = append(list, s)
	}
	return list
}
