package vrrp

import (
	"testing"
	"time"
)

func TestSkewAndMasterDownInterval(t *testing.T) {
	tests := []struct {
		name       string
		version    int
		prio       int
		interval   time.Duration
		adverts    int
		skew, down time.Duration
	}{
		// v2: (256-P)/256 s; 156/256 s = 609375 µs.
		{"v2 priority 100", 2, 100, time.Second, 3, us(609375), us(3609375)},
		{"v2 owner", 2, 255, time.Second, 3, us(3906), us(3003906)},
		{"v2 priority 1", 2, 1, 3 * time.Second, 3, us(996093), us(9996093)},
		{"v2 down_timer_adverts 5", 2, 100, 2 * time.Second, 5, us(609375), us(10609375)},
		// v3: (256-P)*MAI/256, keepalived: (256-P)*cs*625/16 µs.
		{"v3 1s priority 100", 3, 100, time.Second, 3, us(609375), us(3609375)},
		{"v3 50cs priority 100", 3, 100, 500 * time.Millisecond, 3, us(304687), us(1804687)},
		{"v3 10cs priority 254", 3, 254, 100 * time.Millisecond, 3, us(781), us(300781)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params()
			p.Version, p.Priority, p.AdvertInterval, p.DownTimerAdverts = tt.version, tt.prio, tt.interval, tt.adverts
			in := newInstance(t, p)
			if got := in.skew(); got != tt.skew {
				t.Errorf("skew %v, want %v", got, tt.skew)
			}
			if got := in.masterDown(); got != tt.down {
				t.Errorf("master down %v, want %v", got, tt.down)
			}
		})
	}
}

func TestParamsValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*Params)
	}{
		{"version", func(p *Params) { p.Version = 4 }},
		{"priority 0", func(p *Params) { p.Priority = 0 }},
		{"priority 256", func(p *Params) { p.Priority = 256 }},
		{"interval", func(p *Params) { p.AdvertInterval = 0 }},
		{"down_timer_adverts", func(p *Params) { p.DownTimerAdverts = 0 }},
		{"state", func(p *Params) { p.InitialState = StateFault }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := params()
			tt.modify(&p)
			if _, err := NewInstance(p); err == nil {
				t.Error("NewInstance accepted invalid params")
			}
		})
	}
}
