package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
)

// CompatVersion is the keepalived release whose configuration language and
// command line keepalived-go follows.
const CompatVersion = "2.2.7"

// version is keepalived-go's own version; a release build sets it with
// -ldflags "-X github.com/keepalived-go/keepalived/internal/cli.version=v1.2.3".
var version string

// Version is keepalived-go's version: the one set at link time, else the
// module version go install recorded, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// writeVersion prints -v's text in keepalived's layout, saying plainly
// that this is keepalived-go.
func writeVersion(w io.Writer) {
	fmt.Fprintf(w, "Keepalived v%s-go (keepalived-go %s)\n\n", CompatVersion, Version())
	fmt.Fprintf(w, "keepalived-go is a Go reimplementation of keepalived, compatible with keepalived %s;\n", CompatVersion)
	fmt.Fprintf(w, "it is not Alexandre Cassen's keepalived (https://www.keepalived.org).\n\n")
	fmt.Fprintf(w, "Built with %s for %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
	if k := kernel(); k != "" {
		fmt.Fprintf(w, "Running on %s\n", k)
	}
	if d := distro(); d != "" {
		fmt.Fprintf(w, "Distro: %s\n", d)
	}
}

// kernel is uname's "sysname release version", read from /proc.
func kernel() string {
	var parts []string
	for _, f := range []string{"ostype", "osrelease", "version"} {
		b, err := os.ReadFile("/proc/sys/kernel/" + f)
		if err != nil {
			return ""
		}
		parts = append(parts, strings.TrimSpace(string(b)))
	}
	return strings.Join(parts, " ")
}

// distro is PRETTY_NAME from /etc/os-release, as keepalived reports it.
func distro() string {
	f, err := os.Open("/etc/os-release")
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "PRETTY_NAME="); ok {
			return strings.Trim(v, `"'`)
		}
	}
	return ""
}

// kaUsage is -h's text: keepalived 2.2.7's, option for option (with the
// log-file options of builds configured with --enable-log-file).
const kaUsage = `Usage: keepalived [OPTION...]
  -f, --use-file=FILE          Use the specified configuration file
                                default '` + DefaultConfigFile + `'
  -P, --vrrp                   Only run with VRRP subsystem
  -C, --check                  Only run with Health-checker subsystem
  -B, --no_bfd                 Don't run BFD subsystem
      --all                    Force all child processes to run, even if have no configuration
  -l, --log-console            Log messages to local console
  -D, --log-detail             Detailed log messages
  -S, --log-facility=([0-7]|local[0-7]|user|daemon)
                               Set syslog facility to LOG_LOCAL[0-7], user or daemon (default)
  -g, --log-file=FILE          Also log to FILE (default /tmp/keepalived.log)
      --flush-log-file         Flush log file on write
  -G, --no-syslog              Don't log via syslog
  -u, --umask=MASK             umask for file creation (in numeric form)
  -X, --release-vips           Drop VIP on transition from signal.
  -V, --dont-release-vrrp      Don't remove VRRP VIPs and VROUTEs on daemon stop
  -I, --dont-release-ipvs      Don't remove IPVS topology on daemon stop
  -R, --dont-respawn           Don't respawn child processes
  -n, --dont-fork              Don't fork the daemon process
  -d, --dump-conf              Dump the configuration data
  -p, --pid=FILE               Use specified pidfile for parent process
  -r, --vrrp_pid=FILE          Use specified pidfile for VRRP child process
  -T, --genhash                Enter into genhash utility mode (this should be the first option used).
  -c, --checkers_pid=FILE      Use specified pidfile for checkers child process
  -a, --address-monitoring     Report all address additions/deletions notified via netlink
  -b, --bfd_pid=FILE           Use specified pidfile for BFD child process
  -x, --snmp                   Enable SNMP subsystem
  -A, --snmp-agent-socket=FILE Use the specified socket for master agent
  -s, --namespace=NAME         Run in network namespace NAME (overrides config)
  -m, --core-dump              Produce core dump if terminate abnormally
  -M, --core-dump-pattern=PATN Also set /proc/sys/kernel/core_pattern to PATN (default 'core')
  -e, --all-config             Error if any configuration file missing (same as includet)
  -i, --config-id id           Skip any configuration lines beginning '@' that don't match id
                                or any lines beginning @^ that do match.
                                The config-id defaults to the node name if option not used
      --signum=SIGFUNC         Return signal number for STOP, RELOAD, DATA, STATS, STATS_CLEAR, JSON
  -t, --config-test[=LOG_FILE] Check the configuration for obvious errors, output to
                                stderr by default
  -v, --version                Display the version number
  -h, --help                   Display this help message
`
