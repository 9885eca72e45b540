package daemon

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"log/syslog"
	"strings"
	"sync"
	"time"
)

// LogOptions say where the daemon logs, as keepalived's -l, -S, -G, -D
// and -g options do.
type LogOptions struct {
	// Console receives "TIME: message" lines (-l, --log-console).
	Console io.Writer
	// Syslog sends to the local syslog with Facility (LOG_DAEMON unless
	// -S) and Ident ("Keepalived", "Keepalived_vrrp" ...).
	Syslog   bool
	Facility syslog.Priority
	Ident    string
	// JSON writes slog's JSON lines, every structured field included, to
	// Console instead of keepalived's text.
	JSON bool
	// File receives "Mon Jan 02 15:04:05 2006: message" lines (-g).
	File io.Writer
}

// NewLogger builds the daemon's logger. Log lines carry keepalived's
// wording as the message; structured fields (instance, vrid, vs, rs) are
// kept for the JSON output and dropped from the text lines so that
// operators' greps and scripts see keepalived's exact lines.
func NewLogger(o LogOptions) (*slog.Logger, error) {
	var hs []slog.Handler
	if o.Console != nil {
		if o.JSON {
			hs = append(hs, slog.NewJSONHandler(o.Console, &slog.HandlerOptions{Level: slog.LevelDebug}))
		} else {
			hs = append(hs, &lineHandler{w: o.Console, mu: &sync.Mutex{}, stamp: true})
		}
	}
	if o.File != nil {
		hs = append(hs, &lineHandler{w: o.File, mu: &sync.Mutex{}, stamp: true, fileStamp: true})
	}
	if o.Syslog {
		w, err := syslog.New(o.Facility|syslog.LOG_INFO, o.Ident)
		if err != nil {
			// No syslog daemon (a container): keepalived carries on.
			if o.Console != nil {
				fmt.Fprintf(o.Console, "%s: cannot open syslog: %v\n", stamp(time.Now()), err)
			}
		} else {
			hs = append(hs, &syslogHandler{w: w})
		}
	}
	return slog.New(multiHandler(hs)), nil
}

// stamp formats a time as keepalived's console lines do (strftime %c in
// the C locale).
func stamp(t time.Time) string { return t.Format("Mon Jan _2 15:04:05 2006") }

// lineHandler writes "TIME: message" lines.
type lineHandler struct {
	w     io.Writer
	mu    *sync.Mutex
	stamp bool
	// fileStamp uses the log file's format (strftime "%a %b %d %T %Y").
	fileStamp bool
}

func (h *lineHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *lineHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	msg := strings.TrimRight(r.Message, "\n")
	if h.fileStamp {
		_, err := fmt.Fprintf(h.w, "%s: %s\n", r.Time.Format("Mon Jan 02 15:04:05 2006"), msg)
		return err
	}
	if h.stamp {
		_, err := fmt.Fprintf(h.w, "%s: %s\n", stamp(r.Time), msg)
		return err
	}
	_, err := fmt.Fprintln(h.w, msg)
	return err
}

func (h *lineHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *lineHandler) WithGroup(string) slog.Handler      { return h }

// syslogHandler sends each message to syslog at its level.
type syslogHandler struct{ w *syslog.Writer }

func (h *syslogHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *syslogHandler) Handle(_ context.Context, r slog.Record) error {
	switch {
	case r.Level >= slog.LevelError:
		return h.w.Err(r.Message)
	case r.Level >= slog.LevelWarn:
		return h.w.Warning(r.Message)
	case r.Level >= slog.LevelInfo:
		return h.w.Info(r.Message)
	}
	return h.w.Debug(r.Message)
}

func (h *syslogHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *syslogHandler) WithGroup(string) slog.Handler      { return h }

// multiHandler sends every record to each handler.
type multiHandler []slog.Handler

func (m multiHandler) Enabled(ctx context.Context, l slog.Level) bool {
	for _, h := range m {
		if h.Enabled(ctx, l) {
			return true
		}
	}
	return false
}

func (m multiHandler) Handle(ctx context.Context, r slog.Record) error {
	var first error
	for _, h := range m {
		if err := h.Handle(ctx, r.Clone()); err != nil && first == nil {
			first = err
		}
	}
	return first
}

func (m multiHandler) WithAttrs(as []slog.Attr) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithAttrs(as)
	}
	return out
}

func (m multiHandler) WithGroup(name string) slog.Handler {
	out := make(multiHandler, len(m))
	for i, h := range m {
		out[i] = h.WithGroup(name)
	}
	return out
}

// LogFileName is keepalived's make_file_name: a relative name goes under
// /tmp, and a child's file gets "_vrrp" or "_check" before the extension
// (keepalived.log → keepalived_vrrp.log).
func LogFileName(name, prog string) string {
	if !strings.HasPrefix(name, "/") {
		name = "/tmp/" + name
	}
	if prog == "" {
		return name
	}
	dir, base := name[:strings.LastIndex(name, "/")+1], name[strings.LastIndex(name, "/")+1:]
	if i := strings.LastIndex(base, "."); i >= 0 {
		return dir + base[:i] + "_" + prog + base[i:]
	}
	return dir + base + "_" + prog
}
