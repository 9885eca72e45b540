package syntax

import (
	"testing"
	"testing/fstest"
)

// includeFS is the file tree the include tests read; the main file is
// /etc/keepalived/keepalived.conf.
func includeFS() fstest.MapFS {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s), Mode: 0o644} }
	return fstest.MapFS{
		"etc/keepalived/conf.d/b.conf":     file("b1\nb2\n"),
		"etc/keepalived/conf.d/a.conf":     file("a1\n"),
		"etc/keepalived/conf.d/c.txt":      file("c1\n"),
		"etc/keepalived/conf.d/sub/d.conf": file("d1\n"),
		"etc/keepalived/one.conf":          file("one {\n  x\n}\n"),
		"etc/keepalived/two.conf":          file("two\n"),
		"etc/keepalived/nested/outer.conf": file("outer\ninclude inner.conf\nouter_end\n"),
		"etc/keepalived/nested/inner.conf": file("inner ${_PWD}\n"),
		"etc/keepalived/exec.conf":         {Data: []byte("#!/bin/sh\n"), Mode: 0o755},
		"etc/keepalived/self.conf":         file("self\ninclude self.conf\n"),
		"etc/keepalived/loop_a.conf":       file("a\ninclude loop_b.conf\n"),
		"etc/keepalived/loop_b.conf":       file("b\ninclude loop_a.conf\n"),
		"etc/keepalived/open.conf":         file("blk {\n  in_open\n"),
		"etc/keepalived/close.conf":        file("  in_close\n}\n"),
		"etc/keepalived/define.conf":       file("$FROM_INC=inc_value\n"),
		"etc/keepalived/multi.conf":        file("$ML=m1 \\\n"),
		"etc/keepalived/seq.conf":          file("~SEQ(i, 2) s$i\n"),
		"etc/keepalived/check.conf":        file("include_check\n"),
		"etc/keepalived/keepalived.conf":   file("main\ninclude keepalived.conf\n"),
		"etc/other/abs.conf":               file("abs\n"),
	}
}

func TestInclude(t *testing.T) {
	fsys := includeFS()
	runLexCases(t, []lexCase{{
		name: "one file",
		src:  "include two.conf\nmain\n",
		fsys: fsys,
		want: `
			1: two
			2: main
			`,
	}, {
		name: "line numbers and blocks in included files",
		src:  "before\ninclude one.conf\nafter\n",
		fsys: fsys,
		want: `
			1: before
			1: one {
			  2: x
			}
			3: after
			`,
	}, {
		name: "glob in sorted order",
		src:  "include conf.d/*.conf\n",
		fsys: fsys,
		want: `
			1: a1
			1: b1
			2: b2
			`,
	}, {
		name: "glob with ? and classes",
		src:  "include conf.d/[ab].c?nf\n",
		fsys: fsys,
		want: `
			1: a1
			1: b1
			2: b2
			`,
	}, {
		name: "braces in the order written",
		src:  "include {two,one}.conf\n",
		fsys: fsys,
		want: `
			1: two
			1: one {
			  2: x
			}
			`,
	}, {
		name: "braces and glob",
		src:  "include conf.d/{*.txt,sub/*.conf}\n",
		fsys: fsys,
		want: `
			1: c1
			1: d1
			`,
	}, {
		name: "relative to the including file",
		src:  "include nested/outer.conf\n",
		fsys: fsys,
		want: `
			1: outer
			1: inner|/etc/keepalived/nested
			3: outer_end
			`,
	}, {
		name: "absolute path",
		src:  "include /etc/other/abs.conf\n",
		fsys: fsys,
		want: `
			1: abs
			`,
	}, {
		name: "blank or tab after include",
		src:  "include\ttwo.conf\ninclude    two.conf\n",
		fsys: fsys,
		want: `
			1: two
			1: two
			`,
	}, {
		name: "include needs a blank after it",
		src:  "includetwo.conf\ninclude\n",
		fsys: fsys,
		want: `
			1: includetwo.conf
			2: include
			`,
	}, {
		name: "blocks may span files",
		src:  "include open.conf\ninclude close.conf\n",
		fsys: fsys,
		want: `
			1: blk {
			  2: in_open
			  1: in_close
			}
			`,
	}, {
		name: "definitions are global",
		src:  "include define.conf\nkw $FROM_INC\n",
		fsys: fsys,
		want: `
			2: kw|inc_value
			`,
	}, {
		name: "a multi-line definition ends with its file",
		src:  "include multi.conf\nnext\n",
		fsys: fsys,
		want: `
			2: next
			`,
	}, {
		name: "sequence in an included file",
		src:  "include seq.conf\n",
		fsys: fsys,
		want: `
			1: s1
			1: s2
			`,
	}, {
		name: "include built from a definition",
		src:  "$F=two.conf\ninclude $F\n",
		fsys: fsys,
		want: `
			1: two
			`,
	}, {
		name: "include inside a conditional line",
		src:  "@node1 include two.conf\n@node2 include one.conf\n",
		fsys: fsys,
		want: `
			1: two
			`,
	}})
}

func TestIncludeProblems(t *testing.T) {
	fsys := includeFS()
	all := func(o *Options) { o.IncludeCheck = IncludeAll }
	runLexCases(t, []lexCase{{
		name: "missing file is a warning",
		src:  "include missing.conf\nmain\n",
		fsys: fsys,
		want: "2: main\n",
		errs: []string{"W keepalived.conf:1: Config files missing 'missing.conf'."},
	}, {
		name: "missing file with -e is an error",
		src:  "include missing.conf\n",
		fsys: fsys,
		opts: all,
		errs: []string{"keepalived.conf:1: Config files missing 'missing.conf'."},
	}, {
		name: "includem makes a missing file an error",
		src:  "includem missing.conf\n",
		fsys: fsys,
		errs: []string{"keepalived.conf:1: Config files missing 'missing.conf'."},
	}, {
		name: "includer does not check missing files",
		src:  "includer missing.conf\n",
		fsys: fsys,
		errs: []string{"W keepalived.conf:1: Config files missing 'missing.conf'."},
	}, {
		name: "unmatched wildcard",
		src:  "include conf.d/*.none\n",
		fsys: fsys,
		errs: []string{"W keepalived.conf:1: No config files matched 'conf.d/*.none'."},
	}, {
		name: "includew makes an unmatched wildcard an error",
		src:  "includew conf.d/*.none\n",
		fsys: fsys,
		errs: []string{"keepalived.conf:1: No config files matched 'conf.d/*.none'."},
	}, {
		name: "missing brace alternative",
		src:  "include {two,none}.conf\n",
		fsys: fsys,
		want: "1: two\n",
		errs: []string{`W keepalived.conf:1: Some config files missing: "{two,none}.conf".`},
	}, {
		name: "includeb makes a missing brace alternative an error",
		src:  "includeb {two,none}.conf\n",
		fsys: fsys,
		errs: []string{`keepalived.conf:1: Some config files missing: "{two,none}.conf".`},
	}, {
		name: "includea checks everything",
		src:  "includea {two,none}.conf\nincludea conf.d/*.none\n",
		fsys: fsys,
		errs: []string{
			`keepalived.conf:1: Some config files missing: "{two,none}.conf".`,
			"keepalived.conf:2: No config files matched 'conf.d/*.none'.",
		},
	}, {
		name: "all brace alternatives missing",
		src:  "include {none1,none2}.conf\n",
		fsys: fsys,
		errs: []string{"W keepalived.conf:1: Config files missing '{none1,none2}.conf'."},
	}, {
		name: "include_check applies to the includes after it",
		src:  "include missing.conf\ninclude check.conf\ninclude missing.conf\n",
		fsys: fsys,
		errs: []string{
			"W keepalived.conf:1: Config files missing 'missing.conf'.",
			"keepalived.conf:3: Config files missing 'missing.conf'.",
		},
		want: "1: include_check\n",
	}, {
		name: "executable file is skipped",
		src:  "include exec.conf\nmain\n",
		fsys: fsys,
		want: "2: main\n",
		errs: []string{"W keepalived.conf:1: Configuration file 'exec.conf' is not a regular non-executable file - skipping"},
	}, {
		name: "directory is skipped",
		src:  "include conf.d/s*\n",
		fsys: fsys,
		errs: []string{"W keepalived.conf:1: Configuration file 'conf.d/sub' is not a regular non-executable file - skipping"},
	}, {
		name: "file including itself",
		src:  "include self.conf\n",
		fsys: fsys,
		want: "1: self\n",
		errs: []string{"self.conf:2: include cycle: 'self.conf' is already being read - skipping"},
	}, {
		name: "include cycle",
		src:  "include loop_a.conf\nmain\n",
		fsys: fsys,
		want: "1: a\n1: b\n2: main\n",
		errs: []string{"loop_b.conf:2: include cycle: 'loop_a.conf' is already being read - skipping"},
	}, {
		name: "main file included again",
		src:  "main\ninclude keepalived.conf\n",
		fsys: fsys,
		want: "1: main\n",
		errs: []string{"keepalived.conf:2: include cycle: 'keepalived.conf' is already being read - skipping"},
	}, {
		name: "include without a file name",
		src:  "include \n",
		fsys: fsys,
		want: "1: include\n",
	}})
}

func TestParseFile(t *testing.T) {
	fsys := includeFS()
	opts := testOptions(fsys)
	nodes, errs := ParseFile("/etc/keepalived/nested/outer.conf", opts)
	if len(errs) > 0 {
		t.Errorf("errors: %v", errs)
	}
	if got, want := render(nodes), "1: outer\n1: inner|/etc/keepalived/nested\n3: outer_end\n"; got != want {
		t.Errorf("tree:\n%s\nwant:\n%s", got, want)
	}
	if len(nodes) == 3 && nodes[1].Pos.File != "/etc/keepalived/nested/inner.conf" {
		t.Errorf("included line at %v", nodes[1].Pos)
	}

	nodes, errs = ParseFile("/etc/keepalived/none.conf", opts)
	if len(nodes) != 0 || len(errs) != 1 || errs[0].Pos != (Pos{}) {
		t.Errorf("missing main file: nodes %v, errors %v", nodes, errs)
	}
}

// glob(3) counts a directory it cannot open as a missing file: keepalived
// then says "Config files missing" (an includem error), not "No config
// files matched".
func TestIncludeMissingDirectory(t *testing.T) {
	fsys := includeFS()
	runLexCases(t, []lexCase{{
		name: "plain include",
		src:  "include nodir/*.conf\n",
		fsys: fsys,
		errs: []string{"W keepalived.conf:1: Config files missing 'nodir/*.conf'."},
	}, {
		name: "includem",
		src:  "includem nodir/*.conf\n",
		fsys: fsys,
		errs: []string{"keepalived.conf:1: Config files missing 'nodir/*.conf'."},
	}, {
		name: "a file is not a directory",
		src:  "include two.conf/*.conf\n",
		fsys: fsys,
		errs: []string{"W keepalived.conf:1: Config files missing 'two.conf/*.conf'."},
	}, {
		name: "with a matching alternative",
		src:  "include {nodir/*.conf,two.conf}\n",
		fsys: fsys,
		want: "1: two\n",
		errs: []string{`W keepalived.conf:1: Some config files missing: "{nodir/*.conf,two.conf}".`},
	}})
}
