package notify

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

func TestRunStartupShutdown(t *testing.T) {
	var got []Command
	run := func(res Result) Runner {
		return func(ctx context.Context, c Command) Result { got = append(got, c); return res }
	}
	g := &config.Global{StartupScript: sc("/start", "x"), StartupScriptTimeout: 10 * config.Second,
		ShutdownScript: sc("/stop"), ShutdownScriptTimeout: 3 * config.Second}
	var logs bytes.Buffer
	RunStartup(context.Background(), g, run(Result{Status: 2}), testLogger(&logs))
	RunShutdown(context.Background(), g, run(Result{TimedOut: true, Status: -1, Signal: 15}), testLogger(&logs))
	RunStartup(context.Background(), &config.Global{}, run(Result{}), nil) // none configured
	if len(got) != 2 || got[0].Timeout != 10*time.Second || got[1].Timeout != 3*time.Second || got[0].Args[1] != "x" {
		t.Fatalf("commands %+v", got)
	}
	for _, want := range []string{"Running startup script /start", "startup script script failed, status 2",
		"Running shutdown script /stop", "shutdown script /stop timed out"} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("logs lack %q:\n%s", want, logs.String())
		}
	}
}
