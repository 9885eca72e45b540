package syntax

import (
	"io/fs"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"
)

// mainFile is the name test configurations are read as; includes are
// relative to its directory.
const mainFile = "/etc/keepalived/keepalived.conf"

// testOptions are deterministic preprocessor options reading files from
// fsys: config id node1, a fixed environment and a seeded ${_RANDOM}.
func testOptions(fsys fs.FS) Options {
	if fsys == nil {
		fsys = fstest.MapFS{}
	}
	return Options{
		ConfigID: "node1",
		FS:       fsys,
		Getenv:   func(name string) string { return "env-" + name },
		Rand:     rand.New(rand.NewPCG(1, 2)),
	}
}

// lex reads src as mainFile and renders the tree and the errors.
func lex(src string, opts Options) (tree string, errs []string) {
	nodes, es := ParseBytes(mainFile, []byte(src), opts)
	return render(nodes), renderErrors(es)
}

// render prints a tree one node a line: "LINE: word|word", a block's
// lines indented between " {" and "}".
func render(nodes []*Node) string {
	var b strings.Builder
	renderTo(&b, nodes, "")
	return b.String()
}

func renderTo(b *strings.Builder, nodes []*Node, indent string) {
	for _, n := range nodes {
		b.WriteString(indent + strconv.Itoa(n.Pos.Line) + ": " + strings.Join(n.Words, "|"))
		if n.Block {
			b.WriteString(" {\n")
			renderTo(b, n.Children, indent+"  ")
			b.WriteString(indent + "}")
		}
		b.WriteString("\n")
	}
}

// renderErrors prints errors as "W? FILE:LINE: message", FILE relative to
// mainFile's directory and "W" marking warnings.
func renderErrors(errs []Error) []string {
	var out []string
	for _, e := range errs {
		s := strings.ReplaceAll(e.Error(), "/etc/keepalived/", "")
		if e.Warning {
			s = "W " + s
		}
		out = append(out, s)
	}
	return out
}

// trim removes the leading newline and the common indentation of a raw
// string literal holding an expected tree.
func trim(s string) string {
	s = strings.TrimPrefix(s, "\n")
	lines := strings.Split(s, "\n")
	indent := -1
	for _, l := range lines {
		if strings.TrimSpace(l) == "" {
			continue
		}
		n := len(l) - len(strings.TrimLeft(l, "\t"))
		if indent < 0 || n < indent {
			indent = n
		}
	}
	for i, l := range lines {
		if len(l) >= indent && indent > 0 {
			lines[i] = l[indent:]
		}
	}
	return strings.Join(lines, "\n")
}

// lexCase is one table entry of the ParseBytes tests.
type lexCase struct {
	name string
	src  string
	opts func(*Options) // optional changes to testOptions
	fsys fs.FS
	want string   // rendered tree (see render), through trim
	errs []string // rendered errors (see renderErrors)
}

func runLexCases(t *testing.T, cases []lexCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testOptions(tc.fsys)
			if tc.opts != nil {
				tc.opts(&opts)
			}
			tree, errs := lex(tc.src, opts)
			if want := trim(tc.want); tree != want {
				t.Errorf("source:\n%s\ntree:\n%s\nwant:\n%s", tc.src, tree, want)
			}
			if strings.Join(errs, "\n") != strings.Join(tc.errs, "\n") {
				t.Errorf("source:\n%s\nerrors:\n  %s\nwant:\n  %s", tc.src, strings.Join(errs, "\n  "), strings.Join(tc.errs, "\n  "))
			}
		})
	}
}
