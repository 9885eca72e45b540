package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
)

// checkStatus is sampleStatus with checkers on its real servers: one up,
// one failing after its retries, one with two checkers of which one is
// retrying, and one not yet checked.
func checkStatus() control.Status {
	st := sampleStatus()
	now := st.Now
	vs := &st.VirtualServers[0]
	vs.RealServers[0].Checkers = []control.Checker{{Type: "TCP_CHECK", Target: "[198.51.100.11]:tcp:80", Up: true,
		Since: now.Add(-time.Hour), LastRun: now.Add(-2 * time.Second), LastOK: true, Retry: 1, RetriesLeft: 1}}
	vs.RealServers[1].Checkers = []control.Checker{{Type: "HTTP_GET", Target: "[198.51.100.12]:tcp:80",
		Since: now.Add(-5 * time.Second), LastRun: now.Add(-time.Second), LastReason: "connection refused", Retry: 3, RetriesLeft: 3}}
	st.VirtualServers = append(st.VirtualServers, control.VirtualServer{
		Name: "FWM 5", Scheduler: "rr", Method: "DR", Quorum: true,
		RealServers: []control.RealServer{
			{Name: "[198.51.100.13]:tcp:0", Up: true, Weight: 1, Checkers: []control.Checker{
				{Type: "TCP_CHECK", Target: "[198.51.100.13]:tcp:80", Up: true, Since: now.Add(-10 * time.Minute),
					LastRun: now.Add(-3 * time.Second), LastOK: true, Retry: 2, RetriesLeft: 2},
				{Type: "HTTP_GET", Target: "[198.51.100.13]:tcp:443", Up: true, Since: now.Add(-10 * time.Minute),
					LastRun: now.Add(-500 * time.Millisecond), LastReason: "status 503", Retry: 2, RetriesLeft: 1},
			}},
			{Name: "[198.51.100.14]:tcp:0", Up: true, Weight: 1, Checkers: []control.Checker{
				{Type: "MISC_CHECK", Target: "[198.51.100.14]:tcp:0", Up: true, Since: now, Retry: 0}}},
		},
	})
	return st
}

func TestKeepalivedctlCheckShowGolden(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sock := filepath.Join(t.TempDir(), "k.ctl")
	go control.Serve(ctx, sock, fakeDaemon{st: checkStatus()})
	for range 200 {
		if _, err := os.Stat(sock); err == nil {
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"check_show.txt", []string{"check", "show", "--socket", sock}},
		{"check_show.json", []string{"check", "show", "--json", "--socket", sock}},
	} {
		var out, errb bytes.Buffer
		if code := RunKeepalivedctl(ctx, tc.args, &out, &errb); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, errb.String())
		}
		path := filepath.Join("testdata", "ctl", tc.golden)
		if *updateScripts {
			if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), want) {
			t.Errorf("%v: output differs from %s:\n%s", tc.args, path, out.String())
		}
	}
}
