package control

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// Handler is what the daemon offers through the socket.
type Handler interface {
	Status(ctx context.Context) Status
	// Reload re-reads the configuration (as SIGHUP does); an error says
	// why the new configuration was refused.
	Reload(ctx context.Context) error
}

// MetricsSource is a Handler that also gives its process's metrics (in
// the Prometheus text format) for the parent's /metrics.
type MetricsSource interface {
	Metrics(ctx context.Context) ([]byte, error)
}

// ConnsHandler is a daemon that can list its dataplane's connections
// (keepalivedctl lvs conns); a Handler may implement it.
type ConnsHandler interface {
	// LVSConns returns the connections as ipvsadm -Lnc prints them.
	LVSConns(ctx context.Context) (string, error)
}

// request is one command on the socket: a JSON object on one line.
type request struct {
	Command string `json:"command"`
}

// response is the answer, one JSON object on one line.
type response struct {
	OK     bool    `json:"ok"`
	Error  string  `json:"error,omitempty"`
	Status *Status `json:"status,omitempty"`
	// Metrics is the text format of the process's metrics.
	Metrics string `json:"metrics,omitempty"`
	Conns   string `json:"conns,omitempty"`
}

// SocketPath is the control socket beside a pid file:
// /run/keepalived.pid → /run/keepalived.ctl.
func SocketPath(pidFile string) string {
	return strings.TrimSuffix(pidFile, ".pid") + ".ctl"
}

// Serve listens on the unix socket path (mode 0600: root only) and
// answers requests until ctx is done. A stale socket file is replaced.
func Serve(ctx context.Context, path string, h Handler) error {
	_ = os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return fmt.Errorf("control socket: %w", err)
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	defer os.Remove(path)
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("control socket: %w", err)
		}
		go serveConn(ctx, c, h)
	}
}

func serveConn(ctx context.Context, c net.Conn, h Handler) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(30 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 4096)).ReadBytes('\n')
	if err != nil && len(line) == 0 {
		return
	}
	var req request
	var resp response
	if err := json.Unmarshal(line, &req); err != nil {
		resp.Error = "bad request: " + err.Error()
	} else {
		switch req.Command {
		case "status":
			s := h.Status(ctx)
			resp.OK, resp.Status = true, &s
		case "reload":
			if err := h.Reload(ctx); err != nil {
				resp.Error = err.Error()
			} else {
				resp.OK = true
			}
		case "metrics":
			ms, ok := h.(MetricsSource)
			if !ok {
				resp.Error = "this process has no metrics"
				break
			}
			if b, err := ms.Metrics(ctx); err != nil {
				resp.Error = err.Error()
			} else {
				resp.OK, resp.Metrics = true, string(b)
			}
		case "lvs_conns":
			ch, ok := h.(ConnsHandler)
			if !ok {
				resp.Error = "this daemon cannot list connections"
				break
			}
			if conns, err := ch.LVSConns(ctx); err != nil {
				resp.Error = err.Error()
			} else {
				resp.OK, resp.Conns = true, conns
			}
		default:
			resp.Error = fmt.Sprintf("unknown command %q", req.Command)
		}
	}
	b, _ := json.Marshal(resp)
	_, _ = c.Write(append(b, '\n'))
}

// UnreachableError is a control socket nobody answers on.
type UnreachableError struct {
	Path string
	Err  error
}

func (e *UnreachableError) Error() string {
	if errors.Is(e.Err, os.ErrNotExist) {
		return fmt.Sprintf("no keepalived-go daemon listens on %s (is it running? see --socket)", e.Path)
	}
	return fmt.Sprintf("cannot reach the daemon on %s: %v", e.Path, e.Err)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Client talks to a daemon's control socket.
type Client struct{ Path string }

func (cl Client) call(ctx context.Context, cmd string) (*response, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", cl.Path)
	if err != nil {
		return nil, &UnreachableError{Path: cl.Path, Err: err}
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	}
	b, _ := json.Marshal(request{Command: cmd})
	if _, err := c.Write(append(b, '\n')); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(c).ReadBytes('\n')
	if err != nil {
		return nil, fmt.Errorf("reading the daemon's answer: %w", err)
	}
	var resp response
	if err := json.Unmarshal(line, &resp); err != nil {
		return nil, fmt.Errorf("bad answer from the daemon: %w", err)
	}
	if !resp.OK {
		return &resp, errors.New(resp.Error)
	}
	return &resp, nil
}

// Status asks for the daemon's status.
func (cl Client) Status(ctx context.Context) (Status, error) {
	r, err := cl.call(ctx, "status")
	if err != nil {
		return Status{}, err
	}
	if r.Status == nil {
		return Status{}, errors.New("the daemon's answer has no status")
	}
	return *r.Status, nil
}

// Reload asks the daemon to reload its configuration.
func (cl Client) Reload(ctx context.Context) error {
	_, err := cl.call(ctx, "reload")
	return err
}

// Metrics asks a daemon's process for its metrics.
func (cl Client) Metrics(ctx context.Context) ([]*dto.MetricFamily, error) {
	r, err := cl.call(ctx, "metrics")
	if err != nil {
		return nil, err
	}
	return ParseText([]byte(r.Metrics))
}

// LVSConns asks for the dataplane's connections, as ipvsadm -Lnc prints
// them.
func (cl Client) LVSConns(ctx context.Context) (string, error) {
	r, err := cl.call(ctx, "lvs_conns")
	if err != nil {
		return "", err
	}
	return r.Conns, nil
}
