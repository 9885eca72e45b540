package config

import (
	"fmt"
	"sort"

	"github.com/keepalived-go/keepalived/internal/config/syntax"
)

// Severity says how a problem affects the configuration test's verdict,
// following keepalived's config_err_t.
type Severity int

// Severities, from the mildest.
const (
	// Info is logged only; keepalived prints it but -t still exits 0.
	Info Severity = iota
	// Warning is a questionable or deprecated setting; -t exits 5.
	Warning
	// Error is a setting that was rejected or corrected; -t exits 5.
	Error
	// Fatal means keepalived cannot run this configuration; -t exits 4.
	Fatal
	// Security means scripts are configured without enable_script_security;
	// -t exits 6.
	Security
	// NoConfig means a configuration file that had to be read could not be
	// (an include under include_check or -e); -t exits 6.
	NoConfig
)

var severityNames = [...]string{"info", "warning", "error", "fatal", "security", "noconfig"}

func (s Severity) String() string {
	if int(s) < len(severityNames) {
		return severityNames[s]
	}
	return fmt.Sprintf("Severity(%d)", int(s))
}

// MarshalText renders the severity by name.
func (s Severity) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Kind classifies a problem coarsely, so that problems can be compared with
// keepalived's (which words the same problem in many ways).
type Kind string

// The kinds of problem.
const (
	KindSyntax      Kind = "syntax"      // quotes, braces, line length, preprocessor
	KindInclude     Kind = "include"     // include files
	KindUnknown     Kind = "unknown"     // unknown keyword
	KindValue       Kind = "value"       // a value that is not a number, out of range, or not one of the allowed words
	KindMissing     Kind = "missing"     // a required keyword or argument is absent
	KindReference   Kind = "reference"   // a name that refers to nothing (track_script, group, ...)
	KindDuplicate   Kind = "duplicate"   // the same object defined twice
	KindConflict    Kind = "conflict"    // settings that cannot go together; one was changed
	KindDeprecated  Kind = "deprecated"  // an old spelling that still works
	KindInterface   Kind = "interface"   // a network interface that does not exist
	KindSecurity    Kind = "security"    // script security
	KindUnsupported Kind = "unsupported" // parsed, but keepalived-go does not implement it
)

// Diagnostic is one problem found in the configuration.
type Diagnostic struct {
	Pos      syntax.Pos `json:"-"`
	Severity Severity   `json:"severity"`
	Kind     Kind       `json:"kind"`
	Msg      string     `json:"message"`
}

// String renders the diagnostic as "file:line: message".
func (d Diagnostic) String() string {
	if p := d.Pos.String(); p != "" {
		return p + ": " + d.Msg
	}
	return d.Msg
}

// Diagnostics is the list of problems found in a configuration.
type Diagnostics []Diagnostic

// Sort orders the list by file, line, then the order found (stable).
func (ds Diagnostics) Sort() {
	sort.SliceStable(ds, func(i, j int) bool {
		a, b := ds[i].Pos, ds[j].Pos
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Line < b.Line
	})
}

// Max returns the highest severity in the list (Info for an empty list).
func (ds Diagnostics) Max() Severity {
	m := Info
	for _, d := range ds {
		m = max(m, d.Severity)
	}
	return m
}

// ExitCode is keepalived's -t exit status for these problems. keepalived
// keeps the least severe of the problems it reports (config_err_t is in
// decreasing order of severity), so a security problem always gives 6 (as
// does a required include file that could not be read), any
// ordinary error or warning gives 5, and 4 (cannot run) only when the
// fatal problems are all there is.
func (ds Diagnostics) ExitCode() int {
	var fatal, other, security bool
	for _, d := range ds {
		switch d.Severity {
		case Security, NoConfig:
			security = true
		case Fatal:
			fatal = true
		case Warning, Error:
			other = true
		}
	}
	switch {
	case security:
		return 6
	case other:
		return 5
	case fatal:
		return 4
	}
	return 0
}
