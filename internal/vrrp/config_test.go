package vrrp

import (
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

func TestParamsFromConfig(t *testing.T) {
	c := &config.VRRPInstance{
		Name: "VI_1", State: "MASTER", VRID: 51, Priority: 150, Version: 3,
		AdvertInt: 50 * config.Millisecond, PreemptDelay: 5 * config.Second,
		DownTimerAdverts: 3, UnicastSrcIP: ourAddr, GarpLowerPrioRepeat: 2,
	}
	p := ParamsFromConfig(c)
	want := Params{
		Name: "VI_1", VRID: 51, Version: 3, Priority: 150,
		AdvertInterval: 50 * time.Millisecond, PreemptDelay: 5 * time.Second,
		InitialState: StateMaster, DownTimerAdverts: 3, Primary: ourAddr,
		GarpLowerPrioRepeat: 2,
	}
	if p != want {
		t.Errorf("params\n%+v\nwant\n%+v", p, want)
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
}
