package syntax

import (
	"strings"
	"testing"
)

func TestSequences(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"end only", "~SEQ(i, 3) s$i", "s1 s2 s3"},
		{"end only, zero", "~SEQ(i, 0) s$i", "s1 s0"},
		{"end only, negative", "~SEQ(i, -2) s$i", "s-1 s-2"},
		{"start and end", "~SEQ(i, 2, 4) s$i", "s2 s3 s4"},
		{"start and end, descending", "~SEQ(i, 4, 2) s$i", "s4 s3 s2"},
		{"start equals end", "~SEQ(i, 5, 5) s$i", "s5"},
		{"start, step and end", "~SEQ(i, 1, 2, 6) s$i", "s1 s3 s5"},
		{"negative step", "~SEQ(i, 6, -2, 1) s$i", "s6 s4 s2"},
		{"negative numbers", "~SEQ(i, -3, 1, -1) s$i", "s-3 s-2 s-1"},
		{"blanks everywhere", "~SEQ (  i ,1,  2 ) s$i", "s1 s2"},
		{"C number prefixes", "~SEQ(i, 0x0a, 012) s$i", "s10"},
		{"hex output", "~SEQx(i, 9, 3, 17) h$i", "h9 hc hf"},
		{"hex output with hex input", "~SEQx(i, 0xfe, 0x101) h$i", "hfe hff h100 h101"},
		{"braced use", "~SEQ(i, 2) a${i}b", "a1b a2b"},
		{"parameter as argument", "$N=2\n~SEQ(i, $N) s$i", "s1 s2"},
		{"nested", "~SEQ(i, 2) ~SEQ(j, 3, 4) n${i}x${j}", "n1x3 n1x4 n2x3 n2x4"},
		{"the variable stays defined", "~SEQ(i, 2) s$i\nafter$i", "s1 s2 after2"},
		{"list of values", "~LST(v, a, b, c) x$v", "xa xb xc"},
		{"list of sets", "~LST({a, b}, {1, 2}, {3, 4}) x${a}y${b}", "x1y2 x3y4"},
		{"list with missing values", "~LST({a, b}, {1}, {3, 4}) x${a}y${b}", "x1y x3y4"},
		{"list with blanks", "~LST( v ,  a ,b ) x$v", "xa xb"},
		{"list nested in a sequence", "~SEQ(i, 2) ~LST(v, a, b) x$i$v", "x$ia x$ib x$ia x$ib"},
		{"list nested in a sequence, braced", "~SEQ(i, 2) ~LST(v, a, b) x${i}${v}", "x1a x1b x2a x2b"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			nodes, errs := ParseBytes(mainFile, []byte(tc.src+"\n"), testOptions(nil))
			if len(errs) > 0 {
				t.Errorf("%s: errors %v", tc.src, renderErrors(errs))
			}
			var got []string
			for _, n := range nodes {
				got = append(got, strings.Join(n.Words, " "))
			}
			if strings.Join(got, " ") != tc.want {
				t.Errorf("%s\ngives %q\nwant  %q", tc.src, strings.Join(got, " "), tc.want)
			}
		})
	}
}

func TestSequenceErrors(t *testing.T) {
	tests := []struct {
		src, err string
	}{
		{"~SEQ(i, 0, 0, 3) s$i", "invalid ~SEQ values '~SEQ(i, 0, 0, 3) s$i'"},
		{"~SEQ(i, 3, 1, 0) s$i", "invalid ~SEQ values '~SEQ(i, 3, 1, 0) s$i'"},
		{"~SEQ(i, 0, -1, 3) s$i", "invalid ~SEQ values '~SEQ(i, 0, -1, 3) s$i'"},
		{"~SEQx(i, -1, 2) s$i", "~SEQx is only valid for positive numbers '~SEQx(i, -1, 2) s$i'"},
		{"~SEQ(, 3) s$i", "invalid ~SEQ definition '~SEQ(, 3) s$i'"},
		{"~SEQ(i) s$i", "invalid ~SEQ definition '~SEQ(i) s$i'"},
		{"~SEQ(i, x) s$i", "invalid ~SEQ definition '~SEQ(i, x) s$i'"},
		{"~SEQ(i, 1, 2, 3, 4) s$i", "invalid ~SEQ definition '~SEQ(i, 1, 2, 3, 4) s$i'"},
		{"~SEQ(i, 3 s$i", "~SEQ missing terminating ')' '~SEQ(i, 3 s$i'"},
		{"~SEQ i, 3) s$i", "invalid ~SEQ specification '~SEQ i, 3) s$i'"},
		{"~SEQ(i, 0, 1, 2000000) s$i", "~SEQ produces more than 1048576 lines '~SEQ(i, 0, 1, 2000000) s$i'"},
		{"~LST(v) x$v", "invalid ~LST specification '~LST(v) x$v'"},
		{"~LST(v, a x$v", "invalid ~LST specification '~LST(v, a x$v'"},
		{"~LST v, a) x$v", "invalid ~LST specification '~LST v, a) x$v'"},
		{"~LST({a}, {1, 2}) x$a", "~LST specification has too many values '~LST({a}, {1, 2}) x$a'"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			nodes, errs := ParseBytes(mainFile, []byte("before\n"+tc.src+"\nafter\n"), testOptions(nil))
			want := "keepalived.conf:2: " + tc.err
			if got := renderErrors(errs); len(got) != 1 || got[0] != want {
				t.Errorf("errors %q, want %q", got, want)
			}
			if got := render(nodes); got != "1: before\n3: after\n" {
				t.Errorf("tree:\n%s", got)
			}
		})
	}
}

// Loops are bounded: one ~SEQ may not produce more than maxSeqLines lines,
// checked before any is made, values near the ends of int64 terminate, and
// nested loops stop at maxExpandedLines lines in all.
func TestExpansionLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("makes millions of lines")
	}
	t.Run("int64 ends", func(t *testing.T) {
		nodes, errs := ParseBytes(mainFile, []byte("~SEQ(i, 9223372036854775806, 1, 9223372036854775807) s$i\n~SEQ(i, -9223372036854775807, -9223372036854775808) t$i\n"), testOptions(nil))
		if got, want := render(nodes), "1: s9223372036854775806\n1: s9223372036854775807\n2: t-9223372036854775807\n2: t-9223372036854775808\n"; got != want || len(errs) > 0 {
			t.Errorf("tree:\n%s\nerrors %v", got, errs)
		}
	})
	t.Run("whole int64 range", func(t *testing.T) {
		_, errs := ParseBytes(mainFile, []byte("~SEQ(i, -9223372036854775808, 9223372036854775807) s$i\n"), testOptions(nil))
		if len(errs) != 1 || !strings.Contains(errs[0].Msg, "produces more than") {
			t.Errorf("errors %v", errs)
		}
	})
	t.Run("largest sequence", func(t *testing.T) {
		nodes, errs := ParseBytes(mainFile, []byte("~SEQ(i, 1048576) s\n"), testOptions(nil))
		if len(nodes) != maxSeqLines || len(errs) > 0 {
			t.Errorf("%d nodes, errors %v", len(nodes), errs)
		}
	})
	t.Run("nested", func(t *testing.T) {
		nodes, errs := ParseBytes(mainFile, []byte("~SEQ(i, 2000) ~SEQ(j, 2000) s\nafter\n"), testOptions(nil))
		want := "keepalived.conf:1: configuration expands to more than 2097152 lines - ignoring the rest"
		if got := renderErrors(errs); len(got) != 1 || got[0] != want {
			t.Errorf("errors %q, want %q", got, want)
		}
		if len(nodes) >= maxExpandedLines {
			t.Errorf("%d nodes", len(nodes))
		}
	})
	t.Run("multi-line definition used many times", func(t *testing.T) {
		src := "$ML=a \\\n" + strings.Repeat("b \\\n", 3000) + "c\n" + strings.Repeat("$ML\n", 3000)
		nodes, errs := ParseBytes(mainFile, []byte(src), testOptions(nil))
		if len(errs) != 1 || !strings.Contains(errs[0].Msg, "expands to more than") || len(nodes) >= maxExpandedLines {
			t.Errorf("%d nodes, errors %v", len(nodes), errs)
		}
	})
}
