package main

import (
	"errors"
	"io"
	"testing"

	"github.com/spf13/cobra"
)

// spyRow is what a flags -> options test row expects besides the options.
type spyRow struct {
	// wantUsage: the arguments are a usage error (exit 125 with the usage line).
	wantUsage bool
	// wantErr: any error (a flag cobra refuses).
	wantErr bool
}

// execSpy builds a command with newCmd over f, runs it on args with a spy in place
// of its run function, and returns the options the command would have run with.
// It reports false, having checked the error, when the row expects one; the caller
// then compares the options only when it reports true.
func execSpy[O any](t *testing.T, f *factory, newCmd func(*factory, func(*O) error) *cobra.Command, args []string, row spyRow) (*O, bool) {
	t.Helper()
	var got *O
	cmd := newCmd(f, func(o *O) error { got = o; return nil })
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	err := cmd.Execute()
	if row.wantUsage || row.wantErr {
		if err == nil {
			t.Fatalf("no error; options %+v", got)
		}
		var ue *usageError
		if row.wantUsage && !errors.As(err, &ue) {
			t.Errorf("error %q (%T) is not a usage error", err, err)
		}
		if got != nil {
			t.Error("the run function was called")
		}
		return nil, false
	}
	if err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("run function not called")
	}
	return got, true
}
