package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/keepalived-go/keepalived/internal/control"
	"github.com/spf13/pflag"
)

// lvsListVerb is keepalivedctl lvs list: the dataplane's table as
// ipvsadm -Ln prints it (--stats, --rate: as ipvsadm -Ln --stats,
// --rate), or as JSON.
var lvsListVerb = ctlVerb{
	name:    "list",
	summary: "show the virtual servers as the dataplane holds them, as ipvsadm -Ln prints them",
	flags: func(fs *pflag.FlagSet) func(context.Context, ctlIO, []string) int {
		fs.BoolP("numeric", "n", true, "numeric addresses and ports (always: accepted for ipvsadm's habit)")
		stats := fs.Bool("stats", false, "the counters, as ipvsadm -Ln --stats")
		rate := fs.Bool("rate", false, "the rates, as ipvsadm -Ln --rate")
		asJSON := fs.Bool("json", false, "print the services and their real servers as JSON")
		socket := socketFlag(fs)
		return func(ctx context.Context, cio ctlIO, _ []string) int {
			if n := countTrue(*stats, *rate, *asJSON); n > 1 {
				return cio.usageErrorf("--stats, --rate and --json exclude each other")
			}
			st, ok := fetchStatus(ctx, cio, *socket)
			if !ok {
				return exitFatal
			}
			v := st.LVS
			if v.List == "" && st.LVSTable != "" {
				// A daemon of an older version: its one layout.
				v.List, v.Stats = st.LVSTable, st.LVSTable
			}
			if v.List == "" {
				fmt.Fprintln(cio.stderr, "keepalivedctl: the daemon runs no virtual servers")
				return exitFatal
			}
			switch {
			case *asJSON:
				if v.Services == nil {
					fmt.Fprintln(cio.stderr, "keepalivedctl: the daemon could not read its dataplane")
					return exitFatal
				}
				var b bytes.Buffer
				if err := json.Indent(&b, v.Services, "", "  "); err != nil {
					fmt.Fprintf(cio.stderr, "keepalivedctl: the daemon's table: %v\n", err)
					return exitFatal
				}
				b.WriteByte('\n')
				_, _ = cio.stdout.Write(b.Bytes())
			case *stats:
				fmt.Fprint(cio.stdout, v.Stats)
			case *rate:
				fmt.Fprint(cio.stdout, v.Rate)
			default:
				fmt.Fprint(cio.stdout, v.List)
			}
			return 0
		}
	},
}

func countTrue(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}

// lvsConnsVerb is keepalivedctl lvs conns: the dataplane's connections
// as ipvsadm -Lnc prints them (kernel IPVS: its connection table;
// nftables: the conntrack entries of the NAT services, DR keeping none).
var lvsConnsVerb = ctlVerb{
	name:    "conns",
	summary: "list the connections the dataplane tracks, as ipvsadm -Lnc prints them",
	flags: func(fs *pflag.FlagSet) func(context.Context, ctlIO, []string) int {
		fs.BoolP("numeric", "n", true, "numeric addresses and ports (always: accepted for ipvsadm's habit)")
		socket := socketFlag(fs)
		return func(ctx context.Context, cio ctlIO, _ []string) int {
			ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
			defer cancel()
			conns, err := control.Client{Path: *socket}.LVSConns(ctx)
			if err != nil {
				fmt.Fprintf(cio.stderr, "keepalivedctl: %v\n", err)
				return exitFatal
			}
			fmt.Fprint(cio.stdout, conns)
			return 0
		}
	},
}
