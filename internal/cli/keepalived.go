package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/keepalived-go/keepalived/internal/config"
)

// Exit statuses of keepalived besides -t's (keepalived's lib/scheduler.h).
const (
	exitFatal    = 1 // EXIT_FAILURE: bad command line, or cannot start
	exitNoConfig = 6 // EXIT_NOTCONFIGURED: no configuration file to read
)

// kaRun is one run of the keepalived command.
type kaRun struct {
	stdout, stderr io.Writer
	testLog        *os.File // -t LOGFILE, which then takes stderr's place
	flags          kaFlags

	bad            bool       // an option was rejected: exit 1 after parsing
	cmdlineProblem bool       // a bad option value keepalived -t counts as a configuration problem
	stop           func() int // set by -v, -h, --signum, -T: run it and exit
}

// RunProgram runs keepalived-go's keepalived binary given its whole
// argv: as keepalived, argv[0]'s base name "genhash" makes it genhash.
func RunProgram(ctx context.Context, argv []string, stdout, stderr io.Writer) int {
	if len(argv) > 0 && filepath.Base(argv[0]) == "genhash" {
		return RunGenhash(ctx, argv[0], argv[1:], stdout, stderr)
	}
	return RunKeepalived(ctx, argv[1:], stdout, stderr)
}

// RunKeepalived runs keepalived's command line (args without the program
// name) and returns the exit status. The configuration test (-t), the dump
// (-d), -v, -h and --signum behave as keepalived 2.2.7's; the daemon is not
// implemented yet, so any other run validates the configuration, says so
// and fails.
func RunKeepalived(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if rest, opt, first, ok := genhashMode(args); ok {
		if !first {
			fmt.Fprintf(stderr, "Warning -- `%s` not used as first option, previous options ignored\n", opt)
		}
		return runGenhash(ctx, "keepalived", false, len(args)+1, rest, stdout, stderr)
	}
	r := &kaRun{stdout: stdout, stderr: stderr, flags: defaultKaFlags()}
	defer r.close()
	if code, done := r.parse(args); done {
		return code
	}
	if r.flags.configTest {
		return r.configTest()
	}
	return r.daemon()
}

// configTest is keepalived -t: report the problems, dump with -d, and
// exit with the status keepalived would.
func (r *kaRun) configTest() int {
	cfg, diags, ok := r.load()
	if ok && r.flags.dumpConf {
		if err := config.Dump(r.stdout, cfg); err != nil {
			fmt.Fprintf(r.stderr, "keepalived: dump: %v\n", err)
			return exitFatal
		}
	}
	if r.cmdlineProblem {
		diags = append(diags, cliDiag(config.Warning, config.KindValue, "bad command-line value"))
	}
	return diags.ExitCode()
}

func hasFatal(diags config.Diagnostics) bool {
	for _, d := range diags {
		if d.Severity == config.Fatal {
			return true
		}
	}
	return false
}

// load reads the configuration and prints its problems.
func (r *kaRun) load() (*config.Config, config.Diagnostics, bool) {
	opts := loadOptions(r.flags.configID, r.flags.allConfig)
	cfg, diags, ok := loadConf(r.flags.confFile, opts, r.flags.allConfig)
	for _, d := range diags {
		fmt.Fprintln(r.stderr, d)
	}
	return cfg, diags, ok
}

// setConfigTest is -t[LOGFILE]: test the configuration, writing the
// problems (and everything else keepalived writes to stderr) to LOGFILE,
// opened for appending, when one is given.
func (r *kaRun) setConfigTest(logFile string) {
	r.flags.configTest = true
	if logFile == "" {
		return
	}
	f, err := openTestLog(logFile)
	if err != nil {
		r.stop = func() int {
			fmt.Fprintf(r.stderr, "Unable to open config-test log file %s - %v\n", logFile, err)
			return exitFatal
		}
		return
	}
	r.close()
	r.testLog, r.stderr = f, f
}

// openTestLog opens the -t log file as keepalived does (append, create
// with mode 0644, and not through a symbolic link).
func openTestLog(name string) (*os.File, error) {
	if st, err := os.Lstat(name); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		return nil, errors.New("it is a symbolic link")
	}
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			return nil, pe.Err
		}
		return nil, err
	}
	return f, nil
}

func (r *kaRun) close() {
	if r.testLog != nil {
		r.testLog.Close()
		r.testLog = nil
	}
}
