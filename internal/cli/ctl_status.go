package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/keepalived-go/keepalived/internal/daemon"
	"github.com/spf13/pflag"
)

// defaultSocket is the control socket of a daemon run with keepalived's
// default pid file.
var defaultSocket = control.SocketPath(daemon.DefaultPIDFile)

// socketFlag declares --socket.
func socketFlag(fs *pflag.FlagSet) *string {
	return fs.String("socket", defaultSocket, "the daemon's control `PATH` (beside its pid file: -p /run/x.pid listens on /run/x.ctl)")
}

// fetchStatus asks the daemon for its status, reporting failures.
func fetchStatus(ctx context.Context, cio ctlIO, socket string) (control.Status, bool) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	st, err := control.Client{Path: socket}.Status(ctx)
	if err != nil {
		fmt.Fprintf(cio.stderr, "keepalivedctl: %v\n", err)
		return st, false
	}
	return st, true
}

// statusVerbOf is a verb that asks the daemon for its status and prints
// part of it: as text, or with --json as JSON (jsonOf picks the part).
func statusVerbOf(name, summary, jsonUsage string, text func(io.Writer, control.Status), jsonOf func(control.Status) any) ctlVerb {
	return ctlVerb{
		name:    name,
		summary: summary,
		flags: func(fs *pflag.FlagSet) func(context.Context, ctlIO, []string) int {
			asJSON := fs.Bool("json", false, jsonUsage)
			socket := socketFlag(fs)
			return func(ctx context.Context, cio ctlIO, _ []string) int {
				st, ok := fetchStatus(ctx, cio, *socket)
				if !ok {
					return exitFatal
				}
				if *asJSON {
					return writeJSON(cio, jsonOf(st))
				}
				text(cio.stdout, st)
				return 0
			}
		},
	}
}

var statusVerb = statusVerbOf("", "show the daemon, its VRRP instances and its virtual servers", "print the status as JSON",
	func(w io.Writer, st control.Status) {
		writeDaemonLine(w, st)
		fmt.Fprintln(w)
		writeInstances(w, st)
		if len(st.VirtualServers) > 0 {
			fmt.Fprintln(w)
			writeVirtualServers(w, st)
		}
	},
	func(st control.Status) any { return st })

var vrrpShowVerb = statusVerbOf("show", "show the VRRP instances: state, priority, master, VIPs", "print the instances as JSON",
	writeInstances,
	func(st control.Status) any { return st.Instances })

var reloadVerb = ctlVerb{
	name:    "",
	summary: "make the daemon reload its configuration (as SIGHUP); a configuration with errors is refused and the running one kept",
	flags: func(fs *pflag.FlagSet) func(context.Context, ctlIO, []string) int {
		socket := socketFlag(fs)
		return func(ctx context.Context, cio ctlIO, _ []string) int {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			if err := (control.Client{Path: *socket}).Reload(ctx); err != nil {
				fmt.Fprintf(cio.stderr, "keepalivedctl: reload: %v\n", err)
				return exitFatal
			}
			fmt.Fprintln(cio.stdout, "reloaded")
			return 0
		}
	},
}

func writeJSON(cio ctlIO, v any) int {
	enc := json.NewEncoder(cio.stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		fmt.Fprintf(cio.stderr, "keepalivedctl: %v\n", err)
		return exitFatal
	}
	return 0
}

func writeDaemonLine(w io.Writer, st control.Status) {
	fmt.Fprintf(w, "%s, pid %d, up %s, config %s", st.Version, st.PID, ago(st.Now, st.Started), st.ConfigFile)
	if st.Dataplane != "" {
		fmt.Fprintf(w, ", dataplane %s", st.Dataplane)
	}
	fmt.Fprintln(w)
}

func writeInstances(w io.Writer, st control.Status) {
	if len(st.Instances) == 0 {
		fmt.Fprintln(w, "no VRRP instances")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "INSTANCE\tVRID\tINTERFACE\tSTATE\tPRIORITY\tMASTER\tVIPS\tSINCE")
	for _, in := range st.Instances {
		prio := fmt.Sprint(in.Priority)
		if in.Priority != in.BasePriority {
			prio = fmt.Sprintf("%d (base %d)", in.Priority, in.BasePriority)
		}
		master := "-"
		if in.Master.IsValid() {
			master = in.Master.String()
		}
		state := in.State
		if len(in.Faults) > 0 {
			state += " (" + strings.Join(in.Faults, ", ") + ")"
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", in.Name, in.VRID, in.Interface, state, prio, master, strings.Join(in.VIPs, ","), ago(st.Now, in.Since))
	}
	tw.Flush()
}

func writeVirtualServers(w io.Writer, st control.Status) {
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "VIRTUAL SERVER\tREAL SERVER\tSTATE\tWEIGHT\tCONNS\tSINCE\tREASON")
	for _, vs := range st.VirtualServers {
		head := fmt.Sprintf("%s %s %s", vs.Name, vs.Scheduler, vs.Method)
		if !vs.Quorum {
			head += " (quorum down)"
		}
		if vs.Sorry {
			head += " (sorry server)"
		}
		if len(vs.RealServers) == 0 {
			fmt.Fprintf(tw, "%s\t-\t\t\t\t\t\n", head)
		}
		for i, rs := range vs.RealServers {
			if i > 0 {
				head = ""
			}
			state := "DOWN"
			if rs.Up {
				state = "UP"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%s\n", head, rs.Name, state, rs.Weight, rs.ActiveConns, ago(st.Now, rs.Since), rs.Reason)
		}
	}
	tw.Flush()
}

// ago renders how long before now t was, rounded to the second ("-" when
// unknown).
func ago(now, t time.Time) string {
	if t.IsZero() || now.IsZero() {
		return "-"
	}
	return now.Sub(t).Round(time.Second).String()
}
