package main

import (
	"slices"
	"testing"

	"github.com/spf13/pflag"
)

func TestListValue(t *testing.T) {
	tests := []struct {
		name  string
		start []string
		args  []string
		want  []string
		text  string
	}{
		{"unset", nil, nil, nil, "[]"},
		{"one use", nil, []string{"--env", "A=1"}, []string{"A=1"}, "[A=1]"},
		{"commas kept", nil, []string{"--env", "A=1,2", "--env=B=3"}, []string{"A=1,2", "B=3"}, "[A=1,2,B=3]"},
		{"first use replaces the default", []string{"D=0"}, []string{"--env", "A=1", "--env", "B=2"}, []string{"A=1", "B=2"}, "[A=1,B=2]"},
		{"default kept when unused", []string{"D=0"}, nil, []string{"D=0"}, "[D=0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fl := pflag.NewFlagSet("test", pflag.ContinueOnError)
			values := slices.Clone(tt.start)
			stringListVar(fl, &values, "env", "")
			if err := fl.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(values, tt.want) {
				t.Errorf("values = %q, want %q", values, tt.want)
			}
			f := fl.Lookup("env")
			if got := f.Value.String(); got != tt.text {
				t.Errorf("String() = %q, want %q", got, tt.text)
			}
			if got, want := f.Changed, len(tt.args) > 0; got != want {
				t.Errorf("Changed = %v, want %v", got, want)
			}
		})
	}
}

// TestListValueSlice: the config file sets a list flag through pflag.SliceValue.
func TestListValueSlice(t *testing.T) {
	var values []string
	fl := pflag.NewFlagSet("test", pflag.ContinueOnError)
	stringListVar(fl, &values, "volume", "")
	sv, ok := fl.Lookup("volume").Value.(pflag.SliceValue)
	if !ok {
		t.Fatal("a list flag is not a pflag.SliceValue")
	}
	in := []string{"a:/a", "b:/b"}
	if err := sv.Replace(in); err != nil {
		t.Fatal(err)
	}
	in[0] = "changed"
	if err := sv.Append("c:/c"); err != nil {
		t.Fatal(err)
	}
	if want := []string{"a:/a", "b:/b", "c:/c"}; !slices.Equal(values, want) || !slices.Equal(sv.GetSlice(), want) {
		t.Errorf("values = %q, GetSlice = %q, want %q", values, sv.GetSlice(), want)
	}
	if got := fl.Lookup("volume").Value.Type(); got != "stringArray" {
		t.Errorf("Type() = %q", got)
	}
}
