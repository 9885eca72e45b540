package daemon

import "testing"

func TestLogFileName(t *testing.T) {
	for _, tt := range []struct{ name, prog, want string }{
		{"keepalived.log", "", "/tmp/keepalived.log"},
		{"keepalived.log", "vrrp", "/tmp/keepalived_vrrp.log"},
		{"/var/log/ka.log", "check", "/var/log/ka_check.log"},
		{"/var/log/ka", "vrrp", "/var/log/ka_vrrp"},
		{"/var/log.d/ka", "vrrp", "/var/log.d/ka_vrrp"},
	} {
		if got := LogFileName(tt.name, tt.prog); got != tt.want {
			t.Errorf("LogFileName(%q, %q) = %q, want %q", tt.name, tt.prog, got, tt.want)
		}
	}
}
