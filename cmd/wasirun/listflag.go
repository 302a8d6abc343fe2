package main

import (
	"strings"

	"github.com/spf13/pflag"
)

// listValue is a repeatable string flag: each use adds one value, commas
// included, as pflag's StringArray does. It exists because StringArray works out
// its default's text by running an encoding/csv writer over a 4 KiB buffer when
// the flag is declared, which every start of wasirun paid for four flags.
type listValue struct {
	values  *[]string
	changed bool
}

// stringListVar declares a listValue flag storing into p.
func stringListVar(fl *pflag.FlagSet, p *[]string, name, usage string) {
	fl.Var(&listValue{values: p}, name, usage)
}

// String returns the values as pflag's StringArray shows them: "[a,b]".
func (l *listValue) String() string { return "[" + strings.Join(*l.values, ",") + "]" }

// Set adds s; the first use replaces the default.
func (l *listValue) Set(s string) error {
	if !l.changed {
		*l.values = nil
		l.changed = true
	}
	*l.values = append(*l.values, s)
	return nil
}

// Type is StringArray's, so that help and completion treat it alike.
func (l *listValue) Type() string { return "stringArray" }

// Append adds s (pflag.SliceValue).
func (l *listValue) Append(s string) error {
	*l.values = append(*l.values, s)
	return nil
}

// Replace replaces the values with a copy of vals (pflag.SliceValue).
func (l *listValue) Replace(vals []string) error {
	*l.values = append([]string(nil), vals...)
	l.changed = true
	return nil
}

// GetSlice returns the values (pflag.SliceValue).
func (l *listValue) GetSlice() []string { return *l.values }
