package syntax

import (
	"strings"
	"testing"
)

func TestBlocks(t *testing.T) {
	runLexCases(t, []lexCase{{
		name: "keyword and brace on one line",
		src:  "global_defs {\n  router_id lb1\n}\n",
		want: `
			1: global_defs {
			  2: router_id|lb1
			}
			`,
	}, {
		name: "brace on the next line",
		src:  "global_defs\n{\n  router_id lb1\n}\n",
		want: `
			1: global_defs {
			  3: router_id|lb1
			}
			`,
	}, {
		name: "value block on one line",
		src:  "virtual_ipaddress { 10.0.0.1 }\n",
		want: `
			1: virtual_ipaddress {
			  1: 10.0.0.1
			}
			`,
	}, {
		name: "value block with several values on one line",
		src:  "virtual_ipaddress { 10.0.0.1 10.0.0.2 }\n",
		want: `
			1: virtual_ipaddress {
			  1: 10.0.0.1|10.0.0.2
			}
			`,
	}, {
		name: "double close brace closes two blocks",
		src:  "a {\n b {\n  c\n}}\nd\n",
		want: `
			1: a {
			  2: b {
			    3: c
			  }
			}
			5: d
			`,
	}, {
		name: "everything on one line",
		src:  "a { b { c } } d\n",
		want: `
			1: a {
			  1: b {
			    1: c
			  }
			}
			1: d
			`,
	}, {
		name: "text after a closing brace",
		src:  "a {\n b\n} c\n",
		want: `
			1: a {
			  2: b
			}
			3: c
			`,
	}, {
		name: "quoted braces do not split",
		src:  `kw "{" "}" x` + "\n",
		want: `
			1: kw|{|}|x
			`,
	}, {
		name: "stray closing brace",
		src:  "a {\n}\n}\nb\n",
		want: `
			1: a {
			}
			4: b
			`,
		errs: []string{"keepalived.conf:3: Extra '}' found"},
	}, {
		name: "missing closing brace at end of file",
		src:  "a {\n b {\n  c\n }\n",
		want: `
			1: a {
			  2: b {
			    3: c
			  }
			}
			`,
		errs: []string{"keepalived.conf:1: 'a' block has no closing '}'"},
	}, {
		name: "opening brace without a keyword",
		src:  "{\n b\n}\nc\n",
		want: `
			1: { {
			  2: b
			}
			4: c
			`,
		errs: []string{"keepalived.conf:1: Unexpected '{' - ignoring"},
	}, {
		name: "second opening brace",
		src:  "a {\n{\n b\n}\n}\n",
		want: `
			1: a {
			  2: { {
			    3: b
			  }
			}
			`,
		errs: []string{"keepalived.conf:2: Unexpected '{' - ignoring"},
	}, {
		name: "blank and comment lines between keyword and brace",
		src:  "a\n\n# comment\n{\n b\n}\n",
		want: `
			1: a {
			  5: b
			}
			`,
	}, {
		name: "CRLF line ends",
		src:  "a {\r\n b\r\n}\r\n",
		want: `
			1: a {
			  2: b
			}
			`,
	}, {
		name: "no final newline",
		src:  "a {\n b\n}",
		want: `
			1: a {
			  2: b
			}
			`,
	}})
}

func TestQuotesAndComments(t *testing.T) {
	runLexCases(t, []lexCase{{
		name: "comments anywhere",
		src:  "! header\n# header\na { # open\n b x ! trailing\n} # close\n",
		want: `
			3: a {
			  4: b|x
			}
			`,
	}, {
		name: "quoted words",
		src:  `router_id "my router" x"y z"w` + "\n",
		want: `
			1: router_id|my router|x|y z|w
			`,
	}, {
		name: "quotes protect comment characters",
		src:  `kw "a # b" "c ! d" # gone` + "\n",
		want: `
			1: kw|a # b|c ! d
			`,
	}, {
		name: "escaped comment characters",
		src:  `kw a\#b c\!d "e\#f"` + "\n",
		want: `
			1: kw|a#b|c!d|e\#f
			`,
	}, {
		name: "unterminated quote",
		src:  "kw \"abc\nnext\n",
		want: `
			1: kw
			2: next
			`,
		errs: []string{
			`keepalived.conf:1: Unterminated quote 'kw "abc'`,
			`keepalived.conf:1: Unmatched quote: 'kw "abc'`,
		},
	}, {
		name: "trailing backslash outside a definition is kept",
		src:  `kw a \` + "\n",
		want: `
			1: kw|a\
			`,
	}})
}

func TestLineLimits(t *testing.T) {
	long := "kw " + strings.Repeat("x", 1020) // 1023 bytes: keepalived's buffer is full
	fits := "kw " + strings.Repeat("x", 1019) // 1022 bytes
	runLexCases(t, []lexCase{{
		name: "line too long",
		src:  "a\n" + long + "\nb\n",
		want: `
			1: a
			3: b
			`,
		errs: []string{"keepalived.conf:2: line too long - ignoring"},
	}, {
		name: "longest line that fits",
		src:  fits + "\n",
		want: "1: kw|" + strings.Repeat("x", 1019) + "\n",
	}, {
		name: "embedded NUL",
		src:  "a\nk\x00w\nb\n",
		want: `
			1: a
			3: b
			`,
		errs: []string{"keepalived.conf:2: configuration appears to have embedded NULs - ignoring line"},
	}, {
		name: "substitution too long",
		src:  "$X=" + strings.Repeat("y", 600) + "\nkw $X $X\n",
		want: "",
		errs: []string{"keepalived.conf:2: parameter substitution on line 'kw " + strings.Repeat("y", 600) + " " + strings.Repeat("y", 600) + "' would exceed maximum line length"},
	}})
}
