package syntax

import (
	"slices"
	"testing"
)

func TestDecomment(t *testing.T) {
	tests := []struct {
		name, in, want string
		unterminated   bool
	}{
		{"empty", "", "", false},
		{"blanks only", " \t ", "", false},
		{"leading and trailing blanks", " \t router_id lb1 \t", "router_id lb1", false},
		{"bang comment line", "! a comment", "", false},
		{"hash comment line", "# a comment", "", false},
		{"indented comment", "   # a comment", "", false},
		{"trailing hash", "router_id lb1   # comment", "router_id lb1", false},
		{"trailing bang", "router_id lb1 ! comment", "router_id lb1", false},
		{"comment without blank", "router_id lb1#comment", "router_id lb1", false},
		{"comment inside a word", "pass#word", "pass", false},
		{"double quotes protect", `kw "a # b ! c" # gone`, `kw "a # b ! c"`, false},
		{"single quotes do not protect", `kw 'a # b'`, `kw 'a`, false},
		{"escaped hash", `kw a\#b`, `kw a#b`, false},
		{"escaped bang", `kw a\!b`, `kw a!b`, false},
		{"escaped hash in quotes kept", `kw "a\#b"`, `kw "a\#b"`, false},
		{"other escapes kept", `kw a\tb \"`, `kw a\tb \"`, false},
		{"escaped backslash then comment", `kw a\\#b`, `kw a\\`, false},
		{"trailing backslash kept", `$X=a \`, `$X=a\`, false},
		{"trailing backslash alone", `\`, `\`, false},
		{"unterminated quote", `kw "abc`, `kw "abc`, true},
		{"quote after comment ignored", `kw # "abc`, `kw`, false},
		{"two quoted strings", `kw "a" "b"`, `kw "a" "b"`, false},
		{"quotes balance across words", `kw a"b c"d`, `kw a"b c"d`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, unterminated := decomment(tc.in)
			if got != tc.want || unterminated != tc.unterminated {
				t.Errorf("decomment(%q) = %q, %v; want %q, %v", tc.in, got, unterminated, tc.want, tc.unterminated)
			}
		})
	}
}

func TestWords(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
		ok   bool
	}{
		{"empty", "", nil, true},
		{"blanks", " \t\f\v ", nil, true},
		{"simple", "router_id lb1", []string{"router_id", "lb1"}, true},
		{"all blank kinds separate", "a\tb\fc\vd\re", []string{"a", "b", "c", "d", "e"}, true},
		{"quoted word keeps blanks", `kw "a b  c" d`, []string{"kw", "a b  c", "d"}, true},
		{"quote inside a word splits", `a"b c"d`, []string{"a", "b c", "d"}, true},
		{"empty quoted word", `kw "" x`, []string{"kw", "", "x"}, true},
		{"no escapes in quotes", `kw "a\"b"`, []string{"kw", `a\`, "b"}, false},
		{"single quotes are plain", `kw 'a b'`, []string{"kw", "'a", "b'"}, true},
		{"unmatched quote", `kw "abc`, []string{"kw"}, false},
		{"unmatched quote after word", `kw x"abc`, []string{"kw", "x"}, false},
		{"braces are words here", "kw { a }", []string{"kw", "{", "a", "}"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := Words(tc.in)
			if !slices.Equal(got, tc.want) || ok != tc.ok {
				t.Errorf("Words(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestSplitBrace(t *testing.T) {
	tests := []struct {
		in, head, rest string
	}{
		{"", "", ""},
		{"router_id lb1", "router_id lb1", ""},
		{"global_defs {", "global_defs", "{"},
		{"global_defs{", "global_defs", "{"},
		{"{", "{", ""},
		{"}", "}", ""},
		{"}}", "}", "}"},
		{"} }", "}", "}"},
		{"{ 10.0.0.1 }", "{", "10.0.0.1 }"},
		{"10.0.0.1 }", "10.0.0.1", "}"},
		{"vi { 10.0.0.1 10.0.0.2 }", "vi", "{ 10.0.0.1 10.0.0.2 }"},
		{`kw "{" x`, `kw "{" x`, ""},
		{`kw "a}b" }`, `kw "a}b"`, "}"},
		{`kw "open { x`, `kw "open { x`, ""},
		{"}  kw  ", "}", "kw"},
	}
	for _, tc := range tests {
		head, rest := splitBrace(tc.in)
		if head != tc.head || rest != tc.rest {
			t.Errorf("splitBrace(%q) = %q, %q; want %q, %q", tc.in, head, rest, tc.head, tc.rest)
		}
	}
}

func TestMaxWordsBoundsWords(t *testing.T) {
	for _, line := range []string{"", " ", "a", " a b ", `a"b c"d`, `"" ""`, `kw "x`, `"a""b"`, "a\tb\fc", `x"`} {
		w, _ := Words(line)
		if n := maxWords(line); n < len(w) {
			t.Errorf("maxWords(%q) = %d, Words gives %d", line, n, len(w))
		}
	}
}
