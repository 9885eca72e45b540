package config

import (
	"slices"
	"testing"
)

// TestClassify checks kaKinds on messages keepalived 2.2.7 prints for the
// corpus and testdata/diff.
func TestClassify(t *testing.T) {
	tests := []struct {
		msg  string
		kind Kind
	}{
		{"Non-existent interface specified in configuration", ""},
		{"SECURITY VIOLATION - scripts are being executed but script_security not enabled.", KindSecurity},
		{"Unknown keyword 'priorty'", KindUnknown},
		{"Unknown keyword '}'", KindUnknown},
		{"Extra '}' found", KindSyntax},
		{"Unexpected '{' - ignoring", KindSyntax},
		{"There are 1 missing '}'s or extra '{'s", KindSyntax},
		{`Unterminated quote 'router_id "lb1'`, KindSyntax},
		{`Unmatched quote: 'router_id "lb1'`, KindSyntax},
		{"Invalid ~SEQ values '~SEQ(i, 1, 0, 3) probe_$i'", KindSyntax},
		{"~LST specification has too many values '~LST({a}, {1, 2}) probe_$a'", KindSyntax},
		{"Config files missing 'include/none.conf'.", KindInclude},
		{`Some config files missing: "{a,b}.conf".`, KindInclude},
		{"Configuration file 'inc/exe.conf' is not a regular non-executable file - skipping", KindInclude},
		{"Keyword \"vmac_garp_intvl\" is deprecated - please use \"garp_extra_if\"", KindDeprecated},
		{"(VI_1) Specifying lvs_sync_daemon_interface against a vrrp is deprecated.", KindDeprecated},
		{"        Please use global lvs_sync_daemon", KindDeprecated},
		{"nb_get_retry is deprecated - please use 'retry'", KindDeprecated},
		{"WARNING - interface nosuchif0 for vrrp_instance VI_1 doesn't exist", KindInterface},
		{"WARNING - interface eth1 for ip address 192.168.200.17 doesn't exist", KindInterface},
		{"(VI_1) tracked interface eth1 doesn't exist", KindInterface},
		{"vrrp instance VI_1 already defined", KindDuplicate},
		{"(VI_1) track script chk_missing not found, ignoring...", KindReference},
		{"Virtual router VI_MISSING specified in sync group G1 doesn't exist - ignoring", KindReference},
		{"(VI_1) the virtual router id must be set", KindMissing},
		{"routerid name missing - ignoring", KindMissing},
		{"Virtual server [192.0.2.100]:tcp:80: no forwarding method set, setting default NAT", KindMissing},
		{"Virtual server [192.0.2.100]:tcp:80 has no real servers - ignoring", KindMissing},
		{"Rule has no preference specified - setting to 16384. This is probably not what you want.", KindMissing},
		{"(VI_1) State MASTER must match being address owner", KindConflict},
		{"(VI_1) Strict mode does not support authentication. Ignoring.", KindConflict},
		{"(VI_1) Initial state master is incompatible with AH authentication - clearing", KindConflict},
		{"Warning: Virtual server FWM 1: protocol specified for fwmark - protocol will be ignored", KindConflict},
		{"number '300' outside range [1, 255]", KindValue},
		{"invalid number 'abc'", KindValue},
		{"negative number '-1'", KindValue},
		{"number '0.0000001' has too many decimal places", KindValue},
		{"(VI_1) Priority not valid! must be between 1 & 255. Using default 100", KindValue},
		{"(VI_1) unknown state 'MASTR', defaulting to BACKUP", KindValue},
		{"Unknown configuration entry '192.0.2.101/24' for ip address - ignoring", KindValue},
		{"VRRP parsed invalid IP 192.0.2.300/24. skipping IP...", KindValue},
		{"Can't parse vrrp_mcast_group4 [300.1.1.1]. Skipping", KindValue},
		{"Truncating auth_pass to 8 characters", KindValue},
		{"something keepalived never said", kindOther},
	}
	for _, tc := range tests {
		if got := classify(tc.msg); got != tc.kind {
			t.Errorf("classify(%q) = %q, want %q", tc.msg, got, tc.kind)
		}
	}
}

// TestKeepalivedOutput checks how keepalived -t output is read: both line
// forms, unnumbered lines, repeats, included file names.
func TestKeepalivedOutput(t *testing.T) {
	out := "(Line 3) Unknown keyword 'x'\n" +
		"(/etc/keepalived/main.conf: Line 3) Unknown keyword 'x'\n" +
		"(inc/a.conf: Line 2) number '0' outside range [1, 255]\n" +
		"(inc/a.conf: Line 2) (VI_1) Priority not valid! must be between 1 & 255. Using default 100\n" +
		"Non-existent interface specified in configuration\n" +
		"(VI_1) State MASTER must match being address owner\n\n"
	got := kaProblems(out, "main.conf")
	want := map[problem][]string{
		{"main.conf", 3, KindUnknown}:  {"Unknown keyword 'x'"},
		{"a.conf", 2, KindValue}:       {"number '0' outside range [1, 255]", "(VI_1) Priority not valid! must be between 1 & 255. Using default 100"},
		{"main.conf", 0, KindConflict}: {"(VI_1) State MASTER must match being address owner"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for p, msgs := range want {
		if !slices.Equal(got[p], msgs) {
			t.Errorf("%v: got %q, want %q", p, got[p], msgs)
		}
	}
}

// TestCompareProblems checks the matching rules of the differential test.
func TestCompareProblems(t *testing.T) {
	p := func(line int, kind Kind) problem { return problem{"f.conf", line, kind} }
	set := func(ps ...problem) map[problem][]string {
		m := map[problem][]string{}
		for _, x := range ps {
			m[x] = []string{"msg"}
		}
		return m
	}
	tests := []struct {
		name                   string
		ka, required, optional map[problem][]string
		onlyKA, onlyOurs       []problem
	}{
		{name: "same", ka: set(p(3, KindValue)), required: set(p(3, KindValue))},
		{name: "other line", ka: set(p(3, KindValue)), required: set(p(4, KindValue)),
			onlyKA: []problem{p(3, KindValue)}, onlyOurs: []problem{p(4, KindValue)}},
		{name: "other kind", ka: set(p(3, KindValue)), required: set(p(3, KindMissing)),
			onlyKA: []problem{p(3, KindValue)}, onlyOurs: []problem{p(3, KindMissing)}},
		{name: "info may match", ka: set(p(3, KindInclude)), optional: set(p(3, KindInclude))},
		{name: "info need not match", optional: set(p(3, KindUnsupported))},
		{name: "unnumbered matches any line", ka: set(p(0, KindConflict)), required: set(p(7, KindConflict), p(9, KindConflict))},
		{name: "unnumbered needs one of ours", ka: set(p(0, KindConflict)), onlyKA: []problem{p(0, KindConflict)}},
	}
	for _, tc := range tests {
		c := compareProblems("f.conf", tc.ka, tc.required, tc.optional)
		if !slices.Equal(c.onlyKA, tc.onlyKA) || !slices.Equal(c.onlyOurs, tc.onlyOurs) {
			t.Errorf("%s: only keepalived %v, only ours %v; want %v, %v", tc.name, c.onlyKA, c.onlyOurs, tc.onlyKA, tc.onlyOurs)
		}
	}
}
