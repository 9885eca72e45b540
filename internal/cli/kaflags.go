package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// kaFlags are the settings keepalived's command line gives. The daemon
// settings are kept for the daemon; the configuration test uses the rest.
type kaFlags struct {
	confFile   string // -f, a glob; default DefaultConfigFile
	configTest bool   // -t
	dumpConf   bool   // -d
	configID   string // -i; default the host name up to the first '.'
	allConfig  bool   // -e: a missing configuration file is an error

	vrrpOnly, checkOnly, noBFD, allChildren bool // -P, -C, -B, --all

	logConsole   bool   // -l
	logDetail    int    // -D, given twice for extra detail
	logFacility  string // -S: 0-7, local0-7, user or daemon
	logFile      string // -g; "" without -g, "keepalived.log" for -g alone
	flushLogFile bool   // --flush-log-file
	noSyslog     bool   // -G
	umask        int    // -u; -1 = not given

	releaseVIPs     bool // -X
	dontReleaseVRRP bool // -V
	dontReleaseIPVS bool // -I
	dontRespawn     bool // -R
	dontFork        bool // -n

	pidFile, vrrpPidFile, checkersPidFile, bfdPidFile string // -p, -r, -c, -b

	addressMonitoring bool   // -a
	snmp              bool   // -x
	snmpSocket        string // -A
	namespace         string // -s
	coreDump          bool   // -m or -M
	coreDumpPattern   string // -M; "core" when given without a pattern
	configFD          int    // --config-fd (internal to keepalived's reload); -1 = not given
}

// DefaultConfigFile is the configuration keepalived reads without -f.
const DefaultConfigFile = "/etc/keepalived/keepalived.conf"

func defaultKaFlags() kaFlags {
	return kaFlags{confFile: DefaultConfigFile, umask: -1, configFD: -1}
}

// argKind says whether an option takes a value.
type argKind int

const (
	noArg argKind = iota
	requiredArg
	optionalArg // only as -xVALUE or --long=VALUE, as getopt
)

// kaOption is one option of keepalived's command line (getopt string
// ":vhlndu:DRS:f:p:i:es:mM::g::Gt::PCr:VXac:ITBb:xA:" and the long forms
// of keepalived/core/main.c in 2.2.7).
type kaOption struct {
	long  string
	short byte // 0 for long-only options
	arg   argKind
	apply func(r *kaRun, value string)
}

// noValue is what pflag hands over for an option given without a value.
// A command-line argument cannot contain a NUL byte, so it cannot be typed.
const noValue = "\x00"

// kaOptions lists every option, in the order of keepalived's long_options.
var kaOptions = []kaOption{
	{"use-file", 'f', requiredArg, func(r *kaRun, v string) { r.flags.confFile = v }},
	{"vrrp", 'P', noArg, func(r *kaRun, _ string) { r.flags.vrrpOnly = true }},
	{"check", 'C', noArg, func(r *kaRun, _ string) { r.flags.checkOnly = true }},
	{"no_bfd", 'B', noArg, func(r *kaRun, _ string) { r.flags.noBFD = true }},
	{"all", 0, noArg, func(r *kaRun, _ string) { r.flags.allChildren = true }},
	{"log-console", 'l', noArg, func(r *kaRun, _ string) { r.flags.logConsole = true }},
	{"log-detail", 'D', noArg, func(r *kaRun, _ string) { r.flags.logDetail++ }},
	{"log-facility", 'S', requiredArg, (*kaRun).setFacility},
	{"log-file", 'g', optionalArg, (*kaRun).setLogFile},
	{"all-config", 'e', noArg, func(r *kaRun, _ string) { r.flags.allConfig = true }},
	{"flush-log-file", 0, noArg, func(r *kaRun, _ string) { r.flags.flushLogFile = true }},
	{"no-syslog", 'G', noArg, func(r *kaRun, _ string) { r.flags.noSyslog = true }},
	{"umask", 'u', requiredArg, (*kaRun).setUmask},
	{"release-vips", 'X', noArg, func(r *kaRun, _ string) { r.flags.releaseVIPs = true }},
	{"dont-release-vrrp", 'V', noArg, func(r *kaRun, _ string) { r.flags.dontReleaseVRRP = true }},
	{"dont-release-ipvs", 'I', noArg, func(r *kaRun, _ string) { r.flags.dontReleaseIPVS = true }},
	{"dont-respawn", 'R', noArg, func(r *kaRun, _ string) { r.flags.dontRespawn = true }},
	{"dont-fork", 'n', noArg, func(r *kaRun, _ string) { r.flags.dontFork = true }},
	{"dump-conf", 'd', noArg, func(r *kaRun, _ string) { r.flags.dumpConf = true }},
	{"pid", 'p', requiredArg, func(r *kaRun, v string) { r.flags.pidFile = v }},
	{"vrrp_pid", 'r', requiredArg, func(r *kaRun, v string) { r.flags.vrrpPidFile = v }},
	{"genhash", 'T', noArg, (*kaRun).genhash},
	{"checkers_pid", 'c', requiredArg, func(r *kaRun, v string) { r.flags.checkersPidFile = v }},
	{"address-monitoring", 'a', noArg, func(r *kaRun, _ string) { r.flags.addressMonitoring = true }},
	{"bfd_pid", 'b', requiredArg, func(r *kaRun, v string) { r.flags.bfdPidFile = v }},
	{"snmp", 'x', noArg, func(r *kaRun, _ string) { r.flags.snmp = true }},
	{"snmp-agent-socket", 'A', requiredArg, func(r *kaRun, v string) { r.flags.snmpSocket = v }},
	{"core-dump", 'm', noArg, func(r *kaRun, _ string) { r.flags.coreDump = true }},
	{"core-dump-pattern", 'M', optionalArg, (*kaRun).setCoreDumpPattern},
	{"namespace", 's', requiredArg, func(r *kaRun, v string) { r.flags.namespace = v }},
	{"config-id", 'i', requiredArg, func(r *kaRun, v string) { r.flags.configID = v }},
	{"signum", 0, requiredArg, (*kaRun).signum},
	{"config-test", 't', optionalArg, (*kaRun).setConfigTest},
	{"config-fd", 0, requiredArg, (*kaRun).setConfigFD},
	{"version", 'v', noArg, (*kaRun).version},
	{"help", 'h', noArg, (*kaRun).help},
}

var (
	kaByLong  = map[string]*kaOption{}
	kaByShort = map[byte]*kaOption{}
)

func init() {
	for i := range kaOptions {
		o := &kaOptions[i]
		kaByLong[o.long] = o
		if o.short != 0 {
			kaByShort[o.short] = o
		}
	}
}

// setFacility checks -S as keepalived does: 0-7, local0-7, user or daemon.
func (r *kaRun) setFacility(v string) {
	n := strings.TrimPrefix(v, "local")
	if u, err := strconv.ParseUint(n, 10, 8); (err == nil && u <= 7) || v == "user" || v == "daemon" {
		r.flags.logFacility = v
		return
	}
	fmt.Fprintf(r.stderr, "Invalid log facility '%s'\n", v)
	r.cmdlineProblem = true
}

func (r *kaRun) setLogFile(v string) {
	if v == "" {
		v = "keepalived.log"
	}
	r.flags.logFile = v
}

// setUmask reads -u as strtoll(3) with base 0 would (022 is octal).
func (r *kaRun) setUmask(v string) {
	n, err := strconv.ParseInt(v, 0, 64)
	if err != nil || n < 0 || n&^0o777 != 0 {
		fmt.Fprintf(r.stderr, "Invalid --umask option %s\n", v)
		return
	}
	r.flags.umask = int(n)
}

func (r *kaRun) setCoreDumpPattern(v string) {
	if v == "" {
		v = "core"
	}
	r.flags.coreDump = true
	r.flags.coreDumpPattern = v
}

func (r *kaRun) setConfigFD(v string) {
	n, err := strconv.Atoi(v)
	if err != nil {
		n = 0 // atoi(3)
	}
	r.flags.configFD = n
}

// signals are the numbers --signum prints (Linux, glibc: SIGRTMIN is 34).
// TDUMP is missing as in Debian's build, which has no THREAD_DUMP.
var signals = map[string]int{
	"STOP":        15, // SIGTERM
	"RELOAD":      1,  // SIGHUP
	"DATA":        10, // SIGUSR1
	"STATS":       12, // SIGUSR2
	"STATS_CLEAR": 63, // SIGRTMAX-1
	"JSON":        36, // SIGRTMIN+2
}

func (r *kaRun) signum(v string) {
	r.stop = func() int {
		n, ok := signals[v]
		if !ok {
			fmt.Fprintf(r.stderr, "Unknown sigfunc %s\n", v)
			return 1
		}
		fmt.Fprintf(r.stdout, "%d\n", n)
		return 0
	}
}

// genhash is -T, which RunKeepalived handles before parsing (see
// genhashMode); it is here for -h and option lookups.
func (r *kaRun) genhash(string) {}

func (r *kaRun) version(string) {
	r.stop = func() int {
		writeVersion(r.stderr)
		return 0
	}
}

func (r *kaRun) help(string) {
	r.stop = func() int {
		io.WriteString(r.stderr, kaUsage)
		return 0
	}
}
