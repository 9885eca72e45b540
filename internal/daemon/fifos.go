package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/notify"
	"github.com/keepalived-go/keepalived/internal/sys/proc"
)

// fifoSet is the notify FIFOs a role writes and the scripts reading them.
type fifoSet struct {
	open    []*proc.FIFO
	readers []chan struct{}
}

// openFIFO opens one configured FIFO and starts its reader script (the
// *_fifo_script), as keepalived's notify_fifo_open: script first, then
// the FIFO. A FIFO that cannot be used is logged and left out.
func (s *fifoSet) openFIFO(ctx context.Context, log *slog.Logger, run notify.Runner, f *config.FIFO, script *config.Script, kind string) io.Writer {
	if f == nil || f.Path == "" {
		return nil
	}
	if script != nil {
		cmd := notify.FIFOScriptCommand(script, f.Path)
		cmd.Timeout = 0
		done := make(chan struct{})
		s.readers = append(s.readers, done)
		go func() {
			defer close(done)
			r := run(ctx, cmd)
			if ctx.Err() == nil && (r.Err != nil || r.Status != 0) {
				log.Warn(fmt.Sprintf("%snotify_fifo_script %s exited (status %d, %v)", kind, cmd.Args[0], r.Status, r.Err))
			}
		}()
	}
	ff, err := proc.OpenFIFO(f.Path, f.User, f.Group)
	if err != nil {
		log.Error(err.Error())
		return nil
	}
	s.open = append(s.open, ff)
	return ff
}

// close closes the FIFOs (removing those we created), then gives the
// reader scripts a second to read what is left and end on EOF before
// stopScripts kills them.
func (s *fifoSet) close(stopScripts context.CancelFunc) {
	for _, f := range s.open {
		_ = f.Close()
	}
	s.open = nil
	deadline := time.After(time.Second)
	for _, done := range s.readers {
		select {
		case <-done:
		case <-deadline:
		}
	}
	stopScripts()
}

// vrrpFIFOs opens notify_fifo and vrrp_notify_fifo for the VRRP role.
func vrrpFIFOs(ctx context.Context, c *config.Config, log *slog.Logger, run notify.Runner) (notify.FIFOs, *fifoSet) {
	s := &fifoSet{}
	g := &c.Global
	return notify.FIFOs{
		All:  s.openFIFO(ctx, log, run, g.NotifyFIFO, g.NotifyFIFOScript, ""),
		VRRP: s.openFIFO(ctx, log, run, g.VRRPNotifyFIFO, g.VRRPNotifyFIFOScript, "vrrp_"),
	}, s
}

// lvsFIFOs opens notify_fifo and lvs_notify_fifo for the checker role.
func lvsFIFOs(ctx context.Context, c *config.Config, log *slog.Logger, run notify.Runner) (notify.FIFOs, *fifoSet) {
	s := &fifoSet{}
	g := &c.Global
	return notify.FIFOs{
		All: s.openFIFO(ctx, log, run, g.NotifyFIFO, g.NotifyFIFOScript, ""),
		LVS: s.openFIFO(ctx, log, run, g.LVSNotifyFIFO, g.LVSNotifyFIFOScript, "lvs_"),
	}, s
}
