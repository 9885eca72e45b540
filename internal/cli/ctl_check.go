package cli

import (
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/keepalived-go/keepalived/internal/control"
)

// checkShowVerb is `keepalivedctl check show`: every real server's health
// checkers.
var checkShowVerb = statusVerbOf("show", "show each real server's health checkers: type, target, state, since, last result, retries left",
	"print the checkers as JSON", writeCheckers, checkersJSON)

// realServerChecks is one real server's checkers in `check show --json`.
type realServerChecks struct {
	VirtualServer string            `json:"virtual_server"`
	RealServer    string            `json:"real_server"`
	Up            bool              `json:"up"`
	Checkers      []control.Checker `json:"checkers"`
}

func checkersJSON(st control.Status) any {
	out := []realServerChecks{}
	for _, vs := range st.VirtualServers {
		for _, rs := range vs.RealServers {
			out = append(out, realServerChecks{VirtualServer: vs.Name, RealServer: rs.Name, Up: rs.Up,
				Checkers: append([]control.Checker{}, rs.Checkers...)})
		}
	}
	return out
}

func writeCheckers(w io.Writer, st control.Status) {
	if len(st.VirtualServers) == 0 {
		fmt.Fprintln(w, "no virtual servers")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "VIRTUAL SERVER\tREAL SERVER\tCHECKER\tTARGET\tSTATE\tSINCE\tLAST CHECK\tRESULT\tRETRIES LEFT")
	for _, vs := range st.VirtualServers {
		for _, rs := range vs.RealServers {
			if len(rs.Checkers) == 0 {
				fmt.Fprintf(tw, "%s\t%s\t-\t\t\t\t\t\t\n", vs.Name, rs.Name)
			}
			for _, c := range rs.Checkers {
				state, last, result := "DOWN", "-", "-"
				if c.Up {
					state = "UP"
				}
				if !c.LastRun.IsZero() {
					last = ago(st.Now, c.LastRun) + " ago"
					result = "ok"
					if !c.LastOK {
						result = "failed: " + c.LastReason
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d/%d\n", vs.Name, rs.Name, c.Type, c.Target, state,
					ago(st.Now, c.Since), last, result, c.RetriesLeft, c.Retry)
			}
		}
	}
	tw.Flush()
}
