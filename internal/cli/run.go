package cli

import (
	"context"
	"fmt"
	"log/slog"
	"log/syslog"
	"os"
	"strconv"
	"strings"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/keepalived-go/keepalived/internal/daemon"
)

// daemon starts keepalived: it validates the configuration as keepalived
// does before starting (a configuration it cannot run exits with
// EXIT_NOTCONFIGURED), goes to the background unless -n, and runs until
// SIGTERM/SIGINT.
func (r *kaRun) daemon() int {
	startGC := daemon.NewStartupGC()
	defer startGC.Done()
	cfg, diags, ok := r.load()
	if !ok || hasFatal(diags) {
		return exitNoConfig
	}
	if r.flags.dumpConf {
		if err := config.Dump(r.stdout, cfg); err != nil {
			fmt.Fprintf(r.stderr, "keepalived: dump: %v\n", err)
		}
	}
	if !r.flags.dontFork && !daemon.Detached() {
		if _, err := daemon.Daemonize(); err != nil {
			fmt.Fprintf(r.stderr, "keepalived: %v\n", err)
			return exitFatal
		}
		return 0
	}
	child := false
	switch os.Getenv(daemon.RoleEnv) {
	case "vrrp":
		r.flags.vrrpOnly, r.flags.checkOnly, child = true, false, true
	case "check":
		r.flags.vrrpOnly, r.flags.checkOnly, child = false, true, true
	}
	log, ident, err := r.logger(child, cfg)
	if err != nil {
		fmt.Fprintf(r.stderr, "keepalived: %v\n", err)
		return exitFatal
	}
	if !child && (cfg.Instance != "" || cfg.NetNamespace != "") {
		log.Info("Changing syslog ident to " + ident)
	}
	opts := daemon.Options{
		Reload:          func() (*config.Config, bool) { return r.reload(log) },
		VRRP:            r.flags.vrrpOnly,
		Check:           r.flags.checkOnly,
		KeepVIPs:        r.flags.dontReleaseVRRP,
		KeepIPVS:        r.flags.dontReleaseIPVS,
		PIDFile:         r.flags.pidFile,
		VRRPPIDFile:     r.flags.vrrpPidFile,
		CheckersPIDFile: r.flags.checkersPidFile,
		Log:             log,
		LogDetail:       r.flags.logDetail > 0,
		CommandLine:     quoteArgs(os.Args),
		ConfigFile:      r.flags.confFile,
		Child:           child,
		MetricsListen:   os.Getenv("KEEPALIVED_GO_METRICS_LISTEN"),
		StartGC:         startGC,
	}
	if err := daemon.Run(context.Background(), cfg, opts); err != nil {
		log.Error(err.Error())
		return exitFatal
	}
	return 0
}

// reload re-reads the configuration for SIGHUP, logging its problems. Any
// error keeps the running configuration.
func (r *kaRun) reload(log *slog.Logger) (*config.Config, bool) {
	opts := loadOptions(r.flags.configID, r.flags.allConfig)
	cfg, diags, ok := loadConf(r.flags.confFile, opts, r.flags.allConfig)
	bad := !ok
	for _, d := range diags {
		// The script-security warning does not stop a start, so it
		// does not refuse a reload either.
		if d.Severity >= config.Error && d.Severity != config.Security {
			bad = true
			log.Error(d.String())
		} else {
			log.Warn(d.String())
		}
	}
	if cfg != nil {
		if err := writeReloadCheck(cfg.Global.ReloadCheckConfig, diags, bad); err != nil {
			log.Warn(fmt.Sprintf("reload_check_config: %v", err))
		}
	}
	return cfg, !bad
}

// writeReloadCheck writes the reload's configuration check to path
// (global_defs reload_check_config LOGFILE), one FILE:LINE problem per
// line as keepalived -t prints them, then the verdict; nothing for ""
// or /dev/null (the option without a file). The file is replaced at
// each reload, so it always holds the last check.
func writeReloadCheck(path string, diags config.Diagnostics, bad bool) error {
	if path == "" || path == os.DevNull {
		return nil
	}
	var b strings.Builder
	for _, d := range diags {
		b.WriteString(d.String() + "\n")
	}
	if bad {
		b.WriteString("Reload refused: the configuration has errors; the running configuration is kept\n")
	} else {
		b.WriteString("Configuration check passed: reloading\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// logger builds the logger the options ask for: the console with -l,
// syslog unless -G, with -S's facility.
func (r *kaRun) logger(child bool, cfg *config.Config) (*slog.Logger, string, error) {
	o := daemon.LogOptions{
		Syslog:   !r.flags.noSyslog,
		Facility: syslogFacility(r.flags.logFacility),
		Ident:    "Keepalived",
		JSON:     os.Getenv("KEEPALIVED_GO_LOG_FORMAT") == "json",
	}
	if r.flags.vrrpOnly && !r.flags.checkOnly {
		o.Ident = "Keepalived_vrrp"
	} else if r.flags.checkOnly && !r.flags.vrrpOnly {
		o.Ident = "Keepalived_healthcheckers"
	}
	o.Ident = syslogIdent(o.Ident, cfg)
	if r.flags.logConsole {
		o.Console = r.stderr
	}
	if r.flags.logFile != "" {
		prog := ""
		if child && r.flags.vrrpOnly {
			prog = "vrrp"
		} else if child {
			prog = "check"
		}
		path := daemon.LogFileName(r.flags.logFile, prog)
		f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, "", fmt.Errorf("cannot open log file %s: %w", path, err)
		}
		o.File = f
	}
	log, err := daemon.NewLogger(o)
	return log, o.Ident, err
}

// syslogIdent is keepalived's make_syslog_ident: the program's ident,
// then _NETNS with net_namespace and _NAME with instance.
func syslogIdent(base string, cfg *config.Config) string {
	if cfg == nil {
		return base
	}
	if cfg.NetNamespace != "" {
		base += "_" + cfg.NetNamespace
	}
	if cfg.Instance != "" {
		base += "_" + cfg.Instance
	}
	return base
}

// syslogFacility maps -S (0-7, local0-7, user, daemon) to a facility;
// LOG_DAEMON by default.
func syslogFacility(s string) syslog.Priority {
	switch s {
	case "":
		return syslog.LOG_DAEMON
	case "user":
		return syslog.LOG_USER
	case "daemon":
		return syslog.LOG_DAEMON
	}
	n, err := strconv.Atoi(strings.TrimPrefix(s, "local"))
	if err != nil || n < 0 || n > 7 {
		return syslog.LOG_DAEMON
	}
	return syslog.LOG_LOCAL0 + syslog.Priority(n)<<3
}

// quoteArgs renders argv as keepalived's "Command line:" line does.
func quoteArgs(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = "'" + a + "'"
	}
	return strings.Join(q, " ")
}
