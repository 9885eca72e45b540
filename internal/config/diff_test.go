package config

import (
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// The differential test runs the real keepalived ("keepalived -t") and our
// parser on every testdata/diff/*.conf and compares the exit status and the
// set of (file, line, kind) of the problems reported. keepalived words the
// same problem in many ways, so its messages are classified into our Kinds
// by kaKinds; a problem keepalived reports without a line number matches
// any of ours of the same kind.

// kaKinds classifies keepalived's messages, first match wins. Kind ""
// means the line is not a problem of its own (a summary keepalived adds).
var kaKinds = []struct {
	re   *regexp.Regexp
	kind Kind
}{
	{regexp.MustCompile(`^Non-existent interface specified in configuration$`), ""},
	{regexp.MustCompile(`SECURITY VIOLATION`), KindSecurity},
	{regexp.MustCompile(`^Unknown keyword `), KindUnknown},
	{regexp.MustCompile(`Unexpected '\{'|Missing '\{'|Extra '\}' found|missing '\}'s|Unterminated quote|Unmatched quote|line too long|embedded NULs|~SEQ|~LST|^Definition \S+ requires|_RANDOM|[Pp]arameter substitution`), KindSyntax},
	{regexp.MustCompile(`Config files missing|Some config files missing|No config files matched|non-executable file|is a directory - skipping|open problem|Unable to read configuration file|Unable to find configuration file|multiple configuration file`), KindInclude},
	{regexp.MustCompile(`(?i)deprecated|^\s+Please use`), KindDeprecated},
	{regexp.MustCompile(`interface \S+ (for .* )?doesn't exist`), KindInterface},
	{regexp.MustCompile(`(?i)already defined|duplicate|specified more than once`), KindDuplicate},
	{regexp.MustCompile(`(?i)not found|doesn't exist|does not exist|no such|Unable to set default user|Unable to resolve`), KindReference},
	{regexp.MustCompile(`(?i)must be set|is missing|missing a parameter|no .* (set|specified)|has no |required|name missing`), KindMissing},
	{regexp.MustCompile(`(?i)incompatible|must match|does not support|not supported|conflict|cannot|clearing|will be ignored|probably isn't what you want`), KindConflict},
	{regexp.MustCompile(`(?i)invalid|not valid|outside range|out of range|must be (in|between|either|greater)|unknown|too many decimal|truncating|character length|can't parse|is not ipv|skipping|negative`), KindValue},
}

// kindOther marks a keepalived message kaKinds does not know: it matches
// nothing of ours, so that the table gets extended.
const kindOther Kind = "other"

// classify returns the kind of a keepalived message, "" for a summary line.
func classify(msg string) Kind {
	for _, k := range kaKinds {
		if k.re.MatchString(msg) {
			return k.kind
		}
	}
	return kindOther
}

// kaLine matches keepalived's "(FILE: Line N) message" and "(Line N) message".
var kaLine = regexp.MustCompile(`^\((?:(.+): )?Line (\d+)\) (.*)$`)

// problem is one reported problem: the base name of its file, its line (0
// when keepalived gave none) and its kind, with the message for display.
type problem struct {
	File string
	Line int
	Kind Kind
}

// kaProblems reads keepalived -t output. main is the base name of the
// configuration file, given to messages without a file. keepalived's
// processes each print what they find, so lines repeat: the result is a
// set.
func kaProblems(out, main string) map[problem][]string {
	ps := map[problem][]string{}
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, " \r")
		if strings.TrimSpace(line) == "" {
			continue
		}
		p := problem{File: main}
		msg := line
		if m := kaLine.FindStringSubmatch(line); m != nil {
			if m[1] != "" {
				p.File = filepath.Base(m[1])
			}
			p.Line, _ = strconv.Atoi(m[2])
			msg = m[3]
		}
		if p.Kind = classify(msg); p.Kind == "" {
			continue
		}
		if !containsString(ps[p], msg) {
			ps[p] = append(ps[p], msg)
		}
	}
	return ps
}

func containsString(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// ourProblems splits our diagnostics into those keepalived must also
// report (Warning and above) and Info ones, which it may.
func ourProblems(diags Diagnostics, main string) (required, optional map[problem][]string) {
	required, optional = map[problem][]string{}, map[problem][]string{}
	for _, d := range diags {
		if classify(d.Msg) == "" {
			continue // a summary line both sides leave out (see kaKinds)
		}
		p := problem{File: main, Line: d.Pos.Line, Kind: d.Kind}
		if d.Pos.File != "" {
			p.File = filepath.Base(d.Pos.File)
		}
		set := required
		if d.Severity == Info {
			set = optional
		}
		set[p] = append(set[p], d.Msg)
	}
	return required, optional
}

// knownDiff is an allowed difference: a problem only keepalived
// (Side "keepalived") or only we (Side "ours") report.
type knownDiff struct {
	File   string
	Line   int
	Kind   Kind
	Side   string
	Reason string
}

// diffKnown lists the differences the test accepts. Keep each reason short
// and true.
var diffKnown = []knownDiff{
	{"lang_stray_brace.conf", 5, KindUnknown, "keepalived",
		"keepalived also reads a stray '}' as the unknown keyword '}'; we report it once, as Extra '}'"},
}

func (k knownDiff) matches(file, side string, p problem) bool {
	return k.File == file && k.Side == side && k.Line == p.Line && k.Kind == p.Kind
}

// comparison is the outcome of comparing keepalived's problems with ours.
type comparison struct {
	onlyKA, onlyOurs []problem // unexplained differences
	known            []string  // accepted differences, with reasons
}

// compareProblems matches keepalived's problems (ka) with ours. A numbered
// problem matches the same (file, line, kind) of ours, required or
// optional; an unnumbered one any of ours of its kind. Each of our
// required problems must match one of keepalived's.
func compareProblems(file string, ka, required, optional map[problem][]string) comparison {
	var c comparison
	unnumbered := map[Kind]bool{}
	for p := range ka {
		if p.Line == 0 {
			unnumbered[p.Kind] = true
		}
	}
	ours := func(p problem) bool {
		_, r := required[p]
		_, o := optional[p]
		return r || o
	}
	oursOfKind := func(k Kind) bool {
		for _, set := range []map[problem][]string{required, optional} {
			for p := range set {
				if p.Kind == k {
					return true
				}
			}
		}
		return false
	}
	for p := range ka {
		if p.Line == 0 && oursOfKind(p.Kind) || p.Line != 0 && ours(p) {
			continue
		}
		c.add(file, "keepalived", p, &c.onlyKA)
	}
	for p := range required {
		if _, ok := ka[p]; ok || unnumbered[p.Kind] {
			continue
		}
		c.add(file, "ours", p, &c.onlyOurs)
	}
	sortProblems(c.onlyKA)
	sortProblems(c.onlyOurs)
	return c
}

func (c *comparison) add(file, side string, p problem, list *[]problem) {
	for _, k := range diffKnown {
		if k.matches(file, side, p) {
			c.known = append(c.known, fmt.Sprintf("%s:%d %s only in %s: %s", p.File, p.Line, p.Kind, side, k.Reason))
			return
		}
	}
	*list = append(*list, p)
}

func sortProblems(ps []problem) {
	sort.Slice(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Kind < b.Kind
	})
}

// sideBySide renders both lists of problems by file and line.
func sideBySide(ka, ours map[problem][]string) string {
	var keys []problem
	seen := map[problem]bool{}
	for _, set := range []map[problem][]string{ka, ours} {
		for p := range set {
			if !seen[p] {
				seen[p] = true
				keys = append(keys, p)
			}
		}
	}
	sortProblems(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "  %-28s | %-55s | %s\n", "file:line kind", "keepalived 2.2.7", "keepalived-go")
	for _, p := range keys {
		left, right := strings.Join(ka[p], "; "), strings.Join(ours[p], "; ")
		fmt.Fprintf(&b, "  %-28s | %-55.55s | %s\n", fmt.Sprintf("%s:%d %s", p.File, p.Line, p.Kind), left, right)
	}
	return b.String()
}

// keepalivedBinary finds the real keepalived: the test is skipped without
// it, except in CI (env CI set), where it fails.
func keepalivedBinary(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"keepalived", "/usr/sbin/keepalived"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("keepalived is not installed (the differential test needs keepalived 2.2.7)")
	}
	t.Skip("keepalived is not installed")
	return ""
}

// runKeepalived runs "keepalived -t -f path -l -i node1" and returns its
// exit status and output.
func runKeepalived(t *testing.T, bin, path string) (int, string) {
	t.Helper()
	out, err := exec.Command(bin, "-t", "-f", path, "-l", "-i", "node1").CombinedOutput()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, string(out)
	case errors.As(err, &ee):
		return ee.ExitCode(), string(out)
	}
	t.Fatalf("%s: %v", bin, err)
	return 0, ""
}

// diffOptions parse as keepalived -i node1 does on this host.
func diffOptions() Options {
	return Options{
		ConfigID: "node1",
		InterfaceExists: func(name string) bool {
			_, err := net.InterfaceByName(name)
			return err == nil
		},
		ScriptFound: HostScriptFound,
	}
}

// TestDiffKeepalived compares our verdicts with keepalived 2.2.7's on
// testdata/diff/*.conf.
func TestDiffKeepalived(t *testing.T) {
	bin := keepalivedBinary(t)
	if v, err := exec.Command(bin, "-v").CombinedOutput(); err == nil && !strings.Contains(string(v), "v2.2.7") {
		t.Logf("keepalived is not 2.2.7 (%s): differences may come from the version", strings.SplitN(string(v), "\n", 2)[0])
	}
	files, err := filepath.Glob(filepath.Join("testdata", "diff", "*.conf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/diff configurations (%v)", err)
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(strings.TrimSuffix(name, ".conf"), func(t *testing.T) {
			path, err := filepath.Abs(f)
			if err != nil {
				t.Fatal(err)
			}
			skipUnlessLanded(t, path, "node1")
			rc, out := runKeepalived(t, bin, path)
			ka := kaProblems(out, name)
			_, diags := Load(path, diffOptions())
			required, optional := ourProblems(diags, name)
			c := compareProblems(name, ka, required, optional)
			for _, k := range c.known {
				t.Logf("known difference: %s", k)
			}
			all := map[problem][]string{}
			for _, set := range []map[problem][]string{required, optional} {
				for p, msgs := range set {
					all[p] = append(all[p], msgs...)
				}
			}
			if got := diags.ExitCode(); got != rc || len(c.onlyKA) > 0 || len(c.onlyOurs) > 0 {
				t.Errorf("exit %d, keepalived %d\nonly keepalived: %v\nonly ours: %v\n%s", got, rc, c.onlyKA, c.onlyOurs, sideBySide(ka, all))
			}
		})
	}
}
