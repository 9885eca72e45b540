package daemon

import (
	"testing"

	"github.com/keepalived-go/keepalived/internal/config"
)

func TestResolvePIDFiles(t *testing.T) {
	tests := []struct {
		name                string
		usePidDir           bool
		instance, netns     string
		flags               Options
		main, vrrp, checker string
	}{
		{name: "defaults", main: "/run/keepalived.pid", vrrp: "/run/vrrp.pid", checker: "/run/checkers.pid"},
		{name: "use_pid_dir", usePidDir: true,
			main: "/run/keepalived/keepalived.pid", vrrp: "/run/keepalived/vrrp.pid", checker: "/run/keepalived/checkers.pid"},
		{name: "instance", instance: "web",
			main: "/run/keepalived/keepalived_web.pid", vrrp: "/run/keepalived/vrrp_web.pid", checker: "/run/keepalived/checkers_web.pid"},
		{name: "net_namespace", netns: "blue",
			main: "/run/keepalived/keepalived.pid", vrrp: "/run/keepalived/vrrp.pid", checker: "/run/keepalived/checkers.pid"},
		{name: "command line wins", instance: "web", flags: Options{PIDFile: "/x/k.pid", CheckersPIDFile: "/x/c.pid"},
			main: "/x/k.pid", vrrp: "/run/keepalived/vrrp_web.pid", checker: "/x/c.pid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &config.Config{}
			c.UsePidDir, c.Instance, c.NetNamespace = tt.usePidDir, tt.instance, tt.netns
			o := tt.flags
			resolvePIDFiles(&o, c)
			if o.PIDFile != tt.main || o.VRRPPIDFile != tt.vrrp || o.CheckersPIDFile != tt.checker {
				t.Errorf("got %s %s %s, want %s %s %s", o.PIDFile, o.VRRPPIDFile, o.CheckersPIDFile, tt.main, tt.vrrp, tt.checker)
			}
		})
	}
}
