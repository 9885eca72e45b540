package vrrp

import "github.com/keepalived-go/keepalived/internal/config"

// ParamsFromConfig maps a parsed and validated vrrp_instance onto Params.
// Primary is mcast_src_ip or unicast_src_ip when configured; otherwise it
// is left invalid and the driver sets the interface's primary address.
func ParamsFromConfig(c *config.VRRPInstance) Params {
	p := Params{
		Name:                 c.Name,
		VRID:                 c.VRID,
		Version:              c.Version,
		Priority:             c.Priority,
		AdvertInterval:       c.AdvertInt.Std(),
		NoPreempt:            c.NoPreempt,
		PreemptDelay:         c.PreemptDelay.Std(),
		InitialState:         StateBackup,
		DownTimerAdverts:     c.DownTimerAdverts,
		Primary:              c.MulticastSrcIP,
		LowerPrioNoAdvert:    c.LowerPrioNoAdvert,
		HigherPrioSendAdvert: c.HigherPrioSendAdvert,
		GarpLowerPrioRepeat:  c.GarpLowerPrioRepeat,
	}
	if c.State == "MASTER" {
		p.InitialState = StateMaster
	}
	if c.UnicastSrcIP.IsValid() {
		p.Primary = c.UnicastSrcIP
	}
	return p
}
