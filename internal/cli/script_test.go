package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
	"github.com/rogpeppe/go-internal/testscript"
)

var updateScripts = flag.Bool("update", false, "rewrite the expected output in testdata/script when a cmp fails")

// TestMain makes the test binary answer to the names keepalived and
// keepalivedctl, so that scripts run the real commands in a process of
// their own.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"keepalived": func() {
			testHooks()
			os.Exit(RunKeepalived(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
		},
		"genhash": func() {
			os.Exit(RunGenhash(context.Background(), "genhash", os.Args[1:], os.Stdout, os.Stderr))
		},
		"keepalivedctl": func() {
			testHooks()
			os.Exit(RunKeepalivedctl(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
		},
	})
}

// testHooks makes the commands' view of the host deterministic: the
// interfaces in $TEST_INTERFACES exist and the host is $TEST_HOSTNAME.
func testHooks() {
	if v, ok := os.LookupEnv("TEST_INTERFACES"); ok {
		set := map[string]bool{}
		for _, name := range strings.Fields(v) {
			set[name] = true
		}
		interfaceExists = func(name string) bool { return set[name] }
	}
	if v, ok := os.LookupEnv("TEST_EUID"); ok {
		uid, _ := strconv.Atoi(v)
		geteuid = func() int { return uid }
	}
	if v, ok := os.LookupEnv("TEST_HOSTNAME"); ok {
		hostname = func() (string, error) { return v, nil }
	}
}

// TestScripts runs testdata/script/*.txtar. Besides testscript's own
// commands they have:
//
//	exits N COMMAND [ARGS...]  run COMMAND and check its exit status is N
//	[known:KEYWORD]            a condition: the configuration parser knows
//	                           the top-level KEYWORD (to skip checks that
//	                           need a section not written yet)
//
// and $EXAMPLE, the path of examples/keepalived.conf.
func TestScripts(t *testing.T) {
	example, err := filepath.Abs("../../examples/keepalived.conf")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		UpdateScripts:       *updateScripts,
		Setup: func(env *testscript.Env) error {
			env.Setenv("TEST_INTERFACES", "lo eth0 eth1")
			env.Setenv("TEST_HOSTNAME", "node1.example.com")
			env.Setenv("EXAMPLE", example)
			return nil
		},
		Cmds:      map[string]func(ts *testscript.TestScript, neg bool, args []string){"exits": cmdExits, "waitfile": cmdWaitfile},
		Condition: knownCondition,
	})
}

// cmdExits is the exits command.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits N command [args...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	got := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], got, want)
	}
}

// cmdWaitfile is "waitfile PATH": wait up to 20 s for PATH to exist (a
// daemon started in the background got ready).
func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: waitfile PATH")
	}
	path := ts.MkAbs(args[0])
	for range 2000 {
		if _, err := os.Stat(path); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	ts.Fatalf("%s did not appear within 20 s", path)
}

// knownCondition evaluates [known:KEYWORD].
func knownCondition(cond string) (bool, error) {
	kw, ok := strings.CutPrefix(cond, "known:")
	if !ok {
		return false, fmt.Errorf("unknown condition %q", cond)
	}
	return keywordKnown(kw), nil
}

// keywordKnown says whether the configuration parser accepts kw as a
// top-level keyword (with a name and a block, as most are).
func keywordKnown(kw string) bool {
	_, diags := config.Parse("probe.conf", []byte(kw+" probe {\n}\n"), config.Options{})
	for _, d := range diags {
		if d.Kind == config.KindUnknown && d.Pos.Line == 1 {
			return false
		}
	}
	return true
}
