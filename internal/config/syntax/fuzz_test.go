package syntax

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// maxFuzzInput caps the fuzzed configuration size.
const maxFuzzInput = 64 << 10

// fuzzFS holds include targets for the fuzzed main file
// /etc/keepalived/keepalived.conf: plain files, a glob directory, a file
// including itself, one including the main file and an executable.
func fuzzFS() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }
	return fstest.MapFS{
		"etc/keepalived/inc.conf":      file("global_defs {\n  router_id inc\n}\n"),
		"etc/keepalived/conf.d/a.conf": file("$A=from_a\nvrrp_instance VI_$A {\n"),
		"etc/keepalived/conf.d/b.conf": file("}\n~SEQ(i, 3) x$i\n"),
		"etc/keepalived/self.conf":     file("include self.conf\n"),
		"etc/keepalived/main.conf":     file("include keepalived.conf\n"),
		"etc/keepalived/exec.conf":     {Data: []byte("x\n"), Mode: 0o755},
	}
}

// fuzzSeeds adds every corpus and golden configuration of the config
// package, and a few preprocessor lines.
func fuzzSeeds(f *testing.F) {
	var files []string
	for _, pattern := range []string{"../testdata/corpus/*", "../testdata/corpus/*/*", "../testdata/golden/*.conf", "../testdata/golden/include/*", "../testdata/diff/*.conf"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			f.Fatal(err)
		}
		files = append(files, m...)
	}
	for _, name := range files {
		if st, err := os.Stat(name); err != nil || !st.Mode().IsRegular() || strings.HasSuffix(name, ".md") {
			continue
		}
		data, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"include conf.d/*.conf\ninclude {inc,self,main,exec,none}.conf\n",
		"$ML=a \\\n b$i \\\n c\n~SEQ(i, 2) ~LST({v, w}, {1, 2}) $ML\n",
		"@node1 x ${_RANDOM 3 9} ${_ENV X} ${_PWD} ${_INSTANCE} ${_HASH}\n",
		"a { b { c }} } {\n\"unterminated\n",
	} {
		f.Add([]byte(s))
	}
}

// FuzzLex reads arbitrary bytes as a configuration: it must not panic,
// must give the same result twice, and the tree it makes must be bounded
// (maxExpandedLines nodes) with every node at a line of a real file.
func FuzzLex(f *testing.F) {
	fuzzSeeds(f)
	fsys := fuzzFS()
	// Fewer lines keep each input fast; the limit itself is tested by
	// TestExpansionLimits.
	saved := maxExpandedLines
	maxExpandedLines = 1 << 14
	f.Cleanup(func() { maxExpandedLines = saved })
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		defer watchdog(len(data)).Stop()
		nodes, errs := ParseBytes(mainFile, data, testOptions(fsys))
		again, errs2 := ParseBytes(mainFile, data, testOptions(fsys))
		if render(nodes) != render(again) || strings.Join(renderErrors(errs), "\n") != strings.Join(renderErrors(errs2), "\n") {
			t.Fatal("two reads of the same input differ")
		}
		lines := map[string]int{mainFile: bytes.Count(data, []byte("\n")) + 1}
		for name, f := range fsys {
			lines["/"+name] = bytes.Count(f.Data, []byte("\n")) + 1
		}
		count := 0
		var walk func([]*Node)
		walk = func(ns []*Node) {
			for _, n := range ns {
				count++
				if max, ok := lines[n.Pos.File]; !ok || n.Pos.Line < 1 || n.Pos.Line > max {
					t.Fatalf("node %q at %v", n.Words, n.Pos)
				}
				if len(n.Words) == 0 || !n.Block && len(n.Children) > 0 {
					t.Fatalf("malformed node %+v", n)
				}
				walk(n.Children)
			}
		}
		walk(nodes)
		if count > maxExpandedLines {
			t.Fatalf("%d nodes from %d bytes", count, len(data))
		}
		for _, e := range errs {
			if max, ok := lines[e.Pos.File]; !ok || e.Pos.Line < 1 || e.Pos.Line > max {
				t.Fatalf("error %q at %v", e.Msg, e.Pos)
			}
		}
	})
}

// maxFuzzTime is how long one fuzzed input may take (two reads).
const maxFuzzTime = 10 * time.Second

// watchdog crashes the fuzzing process when an input takes longer than
// maxFuzzTime, so that the fuzzer saves it as a failing input (a hang is
// otherwise only seen as the execution rate dropping to zero).
func watchdog(size int) *time.Timer {
	return time.AfterFunc(maxFuzzTime, func() {
		panic(fmt.Sprintf("input of %d bytes took more than %v", size, maxFuzzTime))
	})
}

// FuzzParseCommand checks that script lines never panic and that a
// command that parses has a program to run.
func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{`notify "/bin/echo a\tb \x41 \101 \cA" user group`, `script '/bin/x "y z"' u:g`, `misc_path /bin/true`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		c, err := ParseCommand(line)
		if err == nil && len(c.Args) == 0 {
			t.Fatalf("ParseCommand(%q) = %+v without an error", line, c)
		}
	})
}
