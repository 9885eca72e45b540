package syntax

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
)

func TestConditionalLines(t *testing.T) {
	src := strings.Join([]string{
		"@node1 a1",      // 1 matches
		"@node2 a2",      // 2 other id
		"@^node2 a3",     // 3 inverse, other id
		"@^node1 a4",     // 4 inverse, our id
		"@node1",         // 5 nothing after the id
		"@node1\ta6",     // 6 tab after the id
		"@node1x a7",     // 7 longer id
		"@node a8",       // 8 prefix of the id
		"   @node1 a9",   // 9 leading blanks
		"@node1 @^x a10", // 10 only one condition is applied
		"@ a11",          // 11 empty id
		"@^ a12",         // 12 empty id, inverse
	}, "\n") + "\n"
	runLexCases(t, []lexCase{{
		name: "config id node1",
		src:  src,
		want: `
			1: a1
			3: a3
			6: a6
			9: a9
			10: @^x|a10
			12: a12
			`,
	}, {
		name: "no config id",
		src:  src,
		opts: func(o *Options) { o.ConfigID = "" },
		want: `
			3: a3
			4: a4
			12: a12
			`,
	}})
}

func TestDefinitions(t *testing.T) {
	runLexCases(t, []lexCase{{
		name: "simple use",
		src:  "$A=aa\nx$A\n$A\n${A}x\n$A,y\n$A)\n",
		want: `
			2: xaa
			3: aa
			4: aax
			5: aa,y
			6: aa)
			`,
	}, {
		name: "bare name needs a blank, comma, paren or end after it",
		src:  "$A=aa\n$Ax\n$A-x\n$A.x\n${A}-x\n",
		want: `
			2: $Ax
			3: $A-x
			4: $A.x
			5: aa-x
			`,
	}, {
		name: "undefined names are left as they are",
		src:  "q$UNDEF\nq${UNDEF}\n$\nx $ y\n",
		want: `
			1: q$UNDEF
			2: q$ {
			  2: UNDEF
			}
			3: $
			4: x|$|y
			`,
	}, {
		name: "no blank before the equals sign",
		src:  "$C =spc\n$C\n",
		want: `
			1: $C|=spc
			2: $C
			`,
	}, {
		name: "blanks after the equals sign are skipped",
		src:  "$A=   aa bb  \nkw $A\n",
		want: `
			2: kw|aa|bb
			`,
	}, {
		name: "empty value",
		src:  "$E=\ne${E}f\n",
		want: `
			2: ef
			`,
	}, {
		name: "names may start with an underscore",
		src:  "$_X=under\n${_X}\n",
		want: `
			2: under
			`,
	}, {
		name: "definitions may not start with a digit",
		src:  "$1A=x\n",
		want: `
			1: $1A=x
			`,
	}, {
		name: "late binding",
		src:  "$A=1\n$B=${A}\nkw $B\n$A=2\nkw $B\n",
		want: `
			3: kw|1
			5: kw|2
			`,
	}, {
		name: "used before it is defined",
		src:  "kw $LATE\n$LATE=late\nkw $LATE\n",
		want: `
			1: kw|$LATE
			3: kw|late
			`,
	}, {
		name: "recursive",
		src:  "$A=$B\n$B=$C\n$C=deep\nkw $A\n",
		want: `
			4: kw|deep
			`,
	}, {
		name: "self reference is stopped",
		src:  "$A=x $A\nkw $A\nnext\n",
		want: `
			3: next
			`,
		errs: []string{"keepalived.conf:2: parameter substitution on line '" + "kw " + strings.Repeat("x ", 256) + "$A' does not terminate"},
	}, {
		name: "value with braces opens a block",
		src:  "$VIP=virtual_ipaddress { 10.0.0.1 }\n$VIP\n",
		want: `
			2: virtual_ipaddress {
			  2: 10.0.0.1
			}
			`,
	}, {
		name: "value with a comment character is decommented again",
		src:  "$C=a \\# b\nkw $C\n",
		want: `
			2: kw|a
			`,
	}, {
		name: "definition inside a conditional line",
		src:  "@node1 $A=one\n@node2 $A=two\nkw $A\n",
		want: `
			3: kw|one
			`,
	}})
}

func TestMultilineDefinitions(t *testing.T) {
	runLexCases(t, []lexCase{{
		name: "alone on a line",
		src:  "$ML=m1 \\\n  m2 \\\n  m3\n$ML\nafter\n",
		want: `
			4: m1
			4: m2
			4: m3
			5: after
			`,
	}, {
		name: "at the end of a line",
		src:  "$ML=m1 \\\n  m2\nz$ML\n",
		want: `
			3: zm1
			3: m2
			`,
	}, {
		name: "not at the end of a line",
		src:  "$ML=m1 \\\n  m2\n$ML x\n${ML}x\n",
		want: `
			3: $ML|x
			4: $ {
			  4: ML
			}
			4: x
			`,
	}, {
		name: "ended by an empty line",
		src:  "$ML=a \\\n b \\\n\nc\n$ML\n",
		want: `
			4: c
			5: a
			5: b
			`,
	}, {
		name: "comment and blank-only lines do not end it",
		src:  "$ML=a \\\n# comment\n   \n b\n$ML\n",
		want: `
			5: a
			5: b
			`,
	}, {
		name: "first line empty",
		src:  "$ML=\\\n a \\\n b\n$ML\n",
		want: `
			4: a
			4: b
			`,
	}, {
		name: "a block",
		src:  "$BLK=vrrp_instance VI_1 { \\\n  state MASTER \\\n}\n$BLK\n",
		want: `
			4: vrrp_instance|VI_1 {
			  4: state|MASTER
			}
			`,
	}, {
		name: "nested multi-line definitions",
		src:  "$IN=i1 \\\n i2\n$OUT=o1 \\\n $IN \\\n o2\n$OUT\n",
		want: `
			6: o1
			6: i1
			6: i2
			6: o2
			`,
	}, {
		name: "multi-line used in a sequence",
		src:  "$ML=a$i \\\n b$i\n~SEQ(i, 2) $ML\n",
		want: `
			3: a1
			3: b1
			3: a2
			3: b2
			`,
	}})
}

func TestPredefinedParameters(t *testing.T) {
	runLexCases(t, []lexCase{{
		name: "_PWD is the directory of the file being read",
		src:  "kw ${_PWD}\n",
		want: `
			1: kw|/etc/keepalived
			`,
	}, {
		name: "_INSTANCE set explicitly",
		src:  "kw ${_INSTANCE}\n",
		opts: func(o *Options) { o.Instance = "inst" },
		want: `
			1: kw|inst
			`,
	}, {
		name: "_ENV",
		src:  "kw ${_ENV HOME}\n",
		want: `
			1: kw|env-HOME
			`,
	}, {
		name: "_RANDOM with equal bounds",
		src:  "kw ${_RANDOM 5 5}\nkw x${_RANDOM 7 7}y\n",
		want: `
			1: kw|5
			2: kw|x7y
			`,
	}, {
		name: "_HASH and _BANG are decommented again",
		src:  "kw1${_HASH}x\n\"kwA${_HASH}x\"\nkw2\\#y\nkw3${_BANG}z\n\"kwB${_BANG}z\"\n",
		want: `
			1: kw1
			2: kwA#x
			3: kw2#y
			4: kw3
			5: kwB!z
			`,
	}, {
		name: "predefined parameters can be redefined",
		src:  "$_PWD=mine\nkw ${_PWD}\n",
		want: `
			2: kw|mine
			`,
	}})
}

func TestRandomRange(t *testing.T) {
	seen := map[int]bool{}
	for seed := range uint64(200) {
		opts := testOptions(nil)
		opts.Rand = rand.New(rand.NewPCG(seed, seed))
		nodes, errs := ParseBytes(mainFile, []byte("a ${_RANDOM}\nb ${_RANDOM 3}\nc ${_RANDOM 10 12}\n"), opts)
		if len(errs) > 0 || len(nodes) != 3 {
			t.Fatalf("seed %d: %d nodes, errors %v", seed, len(nodes), errs)
		}
		for i, r := range [][2]int{{0, 32767}, {0, 3}, {10, 12}} {
			v, err := strconv.Atoi(nodes[i].Words[1])
			if err != nil || v < r[0] || v > r[1] {
				t.Fatalf("seed %d: %s = %q, want a number in [%d, %d]", seed, nodes[i].Words[0], nodes[i].Words[1], r[0], r[1])
			}
			if i == 1 {
				seen[v] = true
			}
		}
	}
	if len(seen) != 4 {
		t.Errorf("${_RANDOM 3} gave %v over 200 seeds, want all of 0..3", seen)
	}
}

// keepalived's ${_INSTANCE} is its config id (-i, or the host name).
func TestInstanceDefaultsToConfigID(t *testing.T) {
	runLexCases(t, []lexCase{{
		name: "config id",
		src:  "kw ${_INSTANCE}\n",
		want: "1: kw|node1\n",
	}, {
		name: "no config id",
		src:  "kw x${_INSTANCE}y\n",
		opts: func(o *Options) { o.ConfigID = "" },
		want: "1: kw|xy\n",
	}})
}

// A predefined parameter given arguments it does not accept is reported
// and left as it is, as keepalived's find_definition() does; parameters
// that take no arguments are left as they are silently.
func TestParameterArgumentErrors(t *testing.T) {
	runLexCases(t, []lexCase{{
		name: "sequence repeating a bad reference reports it once",
		src:  "~SEQ(i, 3) kw${_RANDOM x}\n",
		want: `
			1: kw$ {
			  1: _RANDOM|x
			}
			1: kw$ {
			  1: _RANDOM|x
			}
			1: kw$ {
			  1: _RANDOM|x
			}
			`,
		errs: []string{"keepalived.conf:1: definition _RANDOM requires numeric parameters only"},
	}, {
		name: "_RANDOM with non-numeric arguments is left as it is",
		src:  "kw ${_RANDOM a b}\n",
		want: `
			1: kw|$ {
			  1: _RANDOM|a|b
			}
			`,
		errs: []string{"keepalived.conf:1: definition _RANDOM requires numeric parameters only"},
	}, {
		name: "_RANDOM with too many arguments is left as it is",
		src:  "kw ${_RANDOM 1 2 3}\n",
		want: `
			1: kw|$ {
			  1: _RANDOM|1|2|3
			}
			`,
		errs: []string{"keepalived.conf:1: definition _RANDOM requires between 0 and 2 parameters, 3 specified"},
	}, {
		name: "_RANDOM with reversed bounds uses the minimum",
		src:  "kw ${_RANDOM 9 3}\n",
		want: `
			1: kw|9
			`,
		errs: []string{"keepalived.conf:1: ${_RANDOM}: min 9 exceeds max 3, using 9"},
	}, {
		name: "_ENV without a name is left as it is",
		src:  "kw ${_ENV}\n",
		want: `
			1: kw|$ {
			  1: _ENV
			}
			`,
		errs: []string{"keepalived.conf:1: definition _ENV requires between 1 and 1 parameters, 0 specified"},
	}, {
		name: "arguments to parameters that take none",
		src:  "$A=a\nkw ${A x} ${_PWD x} ${_HASH x}\n",
		want: `
			2: kw|$ {
			  2: A|x
			}
			2: $ {
			  2: _PWD|x
			}
			2: $ {
			  2: _HASH|x
			}
			`,
	}})
}

// keepalived 2.2.7 reads a line changed by substitution again from the
// start when it begins with '@' or still holds a '$' (read_line's recheck).
func TestSubstitutionRecheck(t *testing.T) {
	runLexCases(t, []lexCase{{
		name: "a definition can hold a conditional line",
		src:  "$L=@node1 kw yes\n$L\n$M=@node2 kw no\n$M\n",
		want: "2: kw|yes\n",
	}, {
		name: "a definition can start a sequence",
		src:  "$S=~SEQ(i, 2)\n$S s$i\n",
		want: "2: s1\n2: s2\n",
	}, {
		name: "a sequence without references is not read again",
		src:  "$N=~SEQ(i, 2) plain\n$N\n",
		want: "2: ~SEQ(i,|2)|plain\n",
	}, {
		name: "a definition can make a definition",
		src:  "$D=$E=defined\n$D\nkw $E\n",
		want: "3: kw|defined\n",
	}, {
		name: "undefined references stay",
		src:  "$A=a $UNDEF\nkw $A\n",
		want: "2: kw|a|$UNDEF\n",
	}, {
		name: "multi-line value lines are read again",
		src:  "$ML=@node1 m1 \\\n @node2 m2 \\\n m3\n$ML\n",
		want: "4: m1\n4: m3\n",
	}})
}
