package syntax

import (
	"slices"
	"testing"
)

func TestParseCommand(t *testing.T) {
	tests := []struct {
		name        string
		line        string
		args        []string
		user, group string
		err         bool
	}{
		{name: "bare command", line: "notify /bin/true", args: []string{"/bin/true"}},
		{name: "double quoted with arguments", line: `notify "/bin/echo a  b"`, args: []string{"/bin/echo", "a", "b"}},
		{name: "single quoted with arguments", line: `notify '/bin/echo a b'`, args: []string{"/bin/echo", "a", "b"}},
		{name: "quotes inside the command", line: `notify "/bin/echo 'x y' z"`, args: []string{"/bin/echo", "x y", "z"}},
		{name: "double quotes inside single", line: `notify '/bin/echo "x y"'`, args: []string{"/bin/echo", "x y"}},
		{name: "quote runs join a word", line: `notify "/bin/echo a'b c'd"`, args: []string{"/bin/echo", "ab cd"}},
		{name: "empty quoted argument", line: `notify "/bin/echo '' x"`, args: []string{"/bin/echo", "", "x"}},
		{name: "tab escape", line: `notify "/bin/echo a\tb"`, args: []string{"/bin/echo", "a\tb"}},
		{name: "simple escapes", line: `notify "/bin/echo \a\b\E\f\n\r\v"`, args: []string{"/bin/echo", "\a\b\x1b\f\n\r\v"}},
		{name: "hex escape", line: `notify "/bin/echo \x41\x4a2"`, args: []string{"/bin/echo", "AJ2"}},
		{name: "hex escape without digits", line: `notify "/bin/echo \xg"`, args: []string{"/bin/echo", "xg"}},
		{name: "octal escape", line: `notify "/bin/echo \101\0101\7"`, args: []string{"/bin/echo", "A\b1\a"}},
		{name: "control escape", line: `notify "/bin/echo \cA\cz"`, args: []string{"/bin/echo", "\x01\x1a"}},
		{name: "escaped quote and blank", line: `notify "/bin/echo \' \ x"`, args: []string{"/bin/echo", "'", " x"}},
		{name: "escaped backslash", line: `notify "/bin/echo a\\b"`, args: []string{"/bin/echo", `a\b`}},
		{name: "user", line: "notify /bin/true nobody", args: []string{"/bin/true"}, user: "nobody"},
		{name: "user and group", line: "notify /bin/true nobody nogroup", args: []string{"/bin/true"}, user: "nobody", group: "nogroup"},
		{name: "user:group", line: "notify /bin/true nobody:nogroup", args: []string{"/bin/true"}, user: "nobody", group: "nogroup"},
		{name: "user :group", line: "notify /bin/true nobody :nogroup", args: []string{"/bin/true"}, user: "nobody", group: "nogroup"},
		{name: "quoted command and user", line: `notify "/bin/x a" nobody`, args: []string{"/bin/x", "a"}, user: "nobody"},
		{name: "extra words", line: "notify /bin/true u g extra", err: true},
		{name: "no command", line: "notify", err: true},
		{name: "empty command", line: `notify ""`, err: true},
		{name: "blank command", line: `notify "  "`, err: true},
		{name: "unterminated quote", line: `notify "/bin/true`, err: true},
		{name: "unterminated inner quote", line: `notify "/bin/echo 'x"`, err: true},
		{name: "backslash at the end", line: `notify "/bin/echo \"`, err: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseCommand(tc.line)
			if tc.err {
				if err == nil {
					t.Errorf("ParseCommand(%q) = %+v, want an error", tc.line, c)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseCommand(%q): %v", tc.line, err)
			}
			if !slices.Equal(c.Args, tc.args) || c.User != tc.user || c.Group != tc.group {
				t.Errorf("ParseCommand(%q) = %q %q %q; want %q %q %q", tc.line, c.Args, c.User, c.Group, tc.args, tc.user, tc.group)
			}
		})
	}
}

func TestCommandString(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"/bin/true"}, "/bin/true"},
		{[]string{"/bin/echo", "a b"}, "/bin/echo 'a b'"},
		{[]string{"/bin/echo", ""}, "/bin/echo ''"},
		{[]string{"/bin/echo", "it's"}, `/bin/echo 'it'\''s'`},
	}
	for _, tc := range tests {
		if got := (Command{Args: tc.args}).String(); got != tc.want {
			t.Errorf("Command%q.String() = %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestNodeAccessors(t *testing.T) {
	n := &Node{Words: []string{"router_id", "a", "b c"}}
	if n.Keyword() != "router_id" || !slices.Equal(n.Args(), []string{"a", "b c"}) || n.String() != "router_id a b c" {
		t.Errorf("Keyword %q Args %q String %q", n.Keyword(), n.Args(), n.String())
	}
	if s := (Pos{}).String(); s != "" {
		t.Errorf("zero Pos renders %q", s)
	}
	if s := (Error{Msg: "m"}).Error(); s != "m" {
		t.Errorf("Error without position renders %q", s)
	}
	if s := (Error{Pos: Pos{File: "f", Line: 3}, Msg: "m"}).Error(); s != "f:3: m" {
		t.Errorf("Error renders %q", s)
	}
}
