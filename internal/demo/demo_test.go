package demo

import (
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// TestDirectorConfigs: each director's keepalived.conf, for every
// option, loads without a warning and has what the story narrates: a
// sync group with a notify script, PASS authentication, a wrr virtual
// server with HTTP_GET on web1 and TCP_CHECK on web2, the dataplane.
func TestDirectorConfigs(t *testing.T) {
	for _, o := range []Options{{Dataplane: "nftables"}, {Dataplane: "ipvs", NoPreempt: true}} {
		d := &demo{o: o, dir: "/tmp/kgo-demo"}
		for _, dr := range directors {
			conf := d.conf(dr)
			_, diags := config.Parse(dr.name+".conf", []byte(conf), config.Options{})
			if diags.Max() >= config.Warning {
				t.Errorf("%s (%+v): %v\n%s", dr.name, o, diags, conf)
			}
			for _, want := range []string{
				"lvs_dataplane " + o.Dataplane,
				`notify "/tmp/kgo-demo/notify.sh ` + dr.name + `"`,
				"auth_type PASS",
				"lb_algo wrr",
				"real_server 198.51.100.11 80 {\n        weight 1\n        HTTP_GET",
				"real_server 198.51.100.12 80 {\n        weight 1\n        TCP_CHECK",
			} {
				if !strings.Contains(conf, want) {
					t.Errorf("%s (%+v) lacks %q:\n%s", dr.name, o, want, conf)
				}
			}
			if got := strings.Contains(conf, "nopreempt"); got != o.NoPreempt {
				t.Errorf("%s: nopreempt in the configuration %v, want %v", dr.name, got, o.NoPreempt)
			}
		}
	}
}

func TestLimitStretchesOnlyInTheVM(t *testing.T) {
	d := &demo{}
	t.Setenv(inVMEnv, "")
	if got := d.limit(15 * time.Second); got != 15*time.Second {
		t.Errorf("on the host: %v", got)
	}
	t.Setenv(inVMEnv, "1")
	if got := d.limit(15 * time.Second); got != 60*time.Second {
		t.Errorf("in the VM: %v", got)
	}
}
