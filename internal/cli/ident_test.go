package cli

import (
	"testing"

	"github.com/keepalived-go/keepalived/internal/config"
)

func TestSyslogIdent(t *testing.T) {
	for _, tt := range []struct {
		base, netns, instance, want string
	}{
		{"Keepalived", "", "", "Keepalived"},
		{"Keepalived", "", "web", "Keepalived_web"},
		{"Keepalived_vrrp", "blue", "", "Keepalived_vrrp_blue"},
		{"Keepalived_healthcheckers", "blue", "web", "Keepalived_healthcheckers_blue_web"},
	} {
		c := &config.Config{}
		c.NetNamespace, c.Instance = tt.netns, tt.instance
		if got := syslogIdent(tt.base, c); got != tt.want {
			t.Errorf("syslogIdent(%q, netns %q, instance %q) = %q, want %q", tt.base, tt.netns, tt.instance, got, tt.want)
		}
	}
}
