package cli

import (
	"context"
	"errors"
	"fmt"
	iofs "io/fs"
	"net/netip"
	"os"

	"github.com/keepalived-go/keepalived/internal/realserver"
	"github.com/keepalived-go/keepalived/internal/sys/netlink"
	"github.com/spf13/pflag"
)

var (
	realserverUpVerb = realserverVerb("up",
		"LVS-DR real server: the VIP on a device, arp_ignore=1, arp_announce=2 (lvs_dr_rs.sh start)",
		realserver.BringUp)
	realserverDownVerb = realserverVerb("down",
		"undo realserver up: remove the VIP, put back the ARP sysctls saved at up",
		realserver.BringDown)
)

// geteuid is the user the command runs as; a variable for tests.
var geteuid = os.Geteuid

// realserverReport is the --json output of realserver up and down.
type realserverReport struct {
	Dev     string       `json:"dev"`
	VIP     netip.Prefix `json:"vip"`
	Changes []string     `json:"changes"`
}

// realserverVerb is realserver up or down: do runs BringUp or BringDown.
func realserverVerb(name, summary string, do func(realserver.System, realserver.Store, string, netip.Prefix) ([]realserver.Change, error)) ctlVerb {
	return ctlVerb{
		name:    name,
		summary: summary,
		flags: func(fs *pflag.FlagSet) func(context.Context, ctlIO, []string) int {
			vip := fs.String("vip", "", "the virtual `IP` (an address, /32 or /128); required")
			dev := fs.String("dev", "lo", "the `DEVICE` the VIP goes on (default lo)")
			dir := fs.String("state-dir", realserver.DefaultDir, "where the saved sysctl values are kept: `DIR`/realserver-DEV.json (default /run/keepalived-go)")
			asJSON := fs.Bool("json", false, "print what changed as JSON")
			return func(_ context.Context, cio ctlIO, args []string) int {
				full := "realserver " + name
				if len(args) > 0 {
					return cio.usageErrorf("%s: unexpected argument %q (the VIP goes in --vip)", full, args[0])
				}
				if *vip == "" {
					return cio.usageErrorf("%s: --vip is required", full)
				}
				p, err := realserver.HostPrefix(*vip)
				if err != nil {
					return cio.usageErrorf("%s: --vip: %v", full, err)
				}
				if geteuid() != 0 {
					fmt.Fprintf(cio.stderr, "keepalivedctl: %s: needs root: it changes the addresses of %s and net.ipv4.conf sysctls\n", full, *dev)
					return exitFatal
				}
				h, err := netlink.New(netlink.Options{})
				if err != nil {
					fmt.Fprintf(cio.stderr, "keepalivedctl: %s: %v\n", full, err)
					return exitFatal
				}
				defer h.Close()
				changes, err := do(h.RealServer(), realserver.Store{Dir: *dir}, *dev, p)
				if err != nil {
					hint := ""
					if errors.Is(err, iofs.ErrPermission) {
						hint = " (addresses and sysctls need root)"
					}
					fmt.Fprintf(cio.stderr, "keepalivedctl: %s: %v%s\n", full, err, hint)
					return exitFatal
				}
				lines := make([]string, 0, len(changes))
				for _, c := range changes {
					lines = append(lines, c.String())
				}
				if *asJSON {
					return writeJSON(cio, realserverReport{Dev: *dev, VIP: p, Changes: lines})
				}
				for _, l := range lines {
					fmt.Fprintln(cio.stdout, l)
				}
				if len(lines) == 0 {
					fmt.Fprintf(cio.stdout, "%s on %s: nothing to change\n", p, *dev)
				}
				return 0
			}
		},
	}
}
