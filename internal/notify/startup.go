package notify

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

// RunStartup runs global_defs startup_script, if any, and waits for it
// (killed at startup_script_timeout), logging as keepalived's parent
// does. The daemon calls it before starting the children.
func RunStartup(ctx context.Context, g *config.Global, run Runner, log *slog.Logger) {
	startStop(ctx, "startup", g.StartupScript, time.Duration(g.StartupScriptTimeout), run, log)
}

// RunShutdown runs shutdown_script after the children stopped.
func RunShutdown(ctx context.Context, g *config.Global, run Runner, log *slog.Logger) {
	startStop(ctx, "shutdown", g.ShutdownScript, time.Duration(g.ShutdownScriptTimeout), run, log)
}

func startStop(ctx context.Context, kind string, s *config.Script, timeout time.Duration, run Runner, log *slog.Logger) {
	if !runnable(s) {
		return
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	log.Info(fmt.Sprintf("Running %s script %s", kind, s.Args[0]))
	c := command(s)
	c.Timeout = timeout
	r := run(ctx, c)
	switch {
	case r.Err != nil:
		log.Info(fmt.Sprintf("Call of %s script %s failed", kind, s.Args[0]), "err", r.Err)
	case r.TimedOut:
		log.Info(fmt.Sprintf("%s script %s timed out", kind, s.Args[0]))
	case r.Signal == 0 && r.Status != 0:
		// keepalived's wording, "script" twice included.
		log.Info(fmt.Sprintf("%s script script failed, status %d", kind, r.Status))
	default:
		log.Debug(fmt.Sprintf("%s script script succeeded", kind))
	}
}
