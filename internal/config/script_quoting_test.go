package config

import (
	"reflect"
	"slices"
	"testing"
)

// TestScriptQuoting checks end to end that a script keyword's line is read
// as keepalived reads it: the command split with ' and " quoting and
// backslash escapes, then the user and group (see syntax.ParseCommand).
// It runs once the VRRP section (vrrp_script) is merged.
func TestScriptQuoting(t *testing.T) {
	if !sectionLanded("vrrp") {
		t.Skip("needs the vrrp section, not merged in this branch")
	}
	tests := []struct {
		line        string
		args        []string
		user, group string
	}{
		{`script "/bin/echo 'a b' \x41\t"`, []string{"/bin/echo", "a b", "A\t"}, "", ""},
		{`script '/bin/echo "x  y" z' nobody`, []string{"/bin/echo", "x  y", "z"}, "nobody", ""},
		{`script "/bin/echo \101\cA" nobody nogroup`, []string{"/bin/echo", "A\x01"}, "nobody", "nogroup"},
		{`script /bin/true nobody:nogroup`, []string{"/bin/true"}, "nobody", "nogroup"},
	}
	for _, tc := range tests {
		src := "global_defs {\n  enable_script_security\n}\nvrrp_script chk {\n  " + tc.line + "\n}\n" +
			"vrrp_instance VI_1 {\n  interface eth0\n  virtual_router_id 1\n  track_script {\n    chk\n  }\n}\n"
		cfg, diags := Parse("/etc/keepalived/keepalived.conf", []byte(src), Options{})
		scripts := findScripts(reflect.ValueOf(cfg))
		if len(scripts) != 1 {
			t.Errorf("%s: %d scripts in the model; problems:\n%s", tc.line, len(scripts), listDiagnostics(diags))
			continue
		}
		s := scripts[0]
		if !slices.Equal(s.Args, tc.args) || s.User != tc.user || s.Group != tc.group {
			t.Errorf("%s: args %q user %q group %q; want %q %q %q", tc.line, s.Args, s.User, s.Group, tc.args, tc.user, tc.group)
		}
	}
}

var scriptType = reflect.TypeOf(&Script{})

// findScripts returns the scripts anywhere in the model.
func findScripts(v reflect.Value) []*Script {
	var out []*Script
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		if v.Type() == scriptType {
			return []*Script{v.Interface().(*Script)}
		}
		return findScripts(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				out = append(out, findScripts(v.Field(i))...)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			out = append(out, findScripts(v.Index(i))...)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			out = append(out, findScripts(v.MapIndex(k))...)
		}
	}
	return out
}

func TestFindScripts(t *testing.T) {
	a, b := &Script{Args: []string{"a"}}, &Script{Args: []string{"b"}}
	v := struct {
		List []*Script
		Map  map[string]struct{ S *Script }
		Nil  *Script
		p    *Script
	}{List: []*Script{a}, Map: map[string]struct{ S *Script }{"x": {b}}, p: a}
	if got := findScripts(reflect.ValueOf(&v)); len(got) != 2 || got[0] != a || got[1] != b {
		t.Errorf("findScripts = %v", got)
	}
}
