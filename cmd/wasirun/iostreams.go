package main

import (
	"bytes"
	"io"
	"os"
)

// IOStreams are the streams a command reads from and writes to. Commands write only
// to Out (their own output: text, --json, or the guest's stdout) and ErrOut (logs,
// the guest's stderr, error lines); nothing below main touches os.Stdout.
type IOStreams struct {
	// In is the standard input.
	In io.Reader
	// Out is the standard output.
	Out io.Writer
	// ErrOut is the standard error: logs and error messages.
	ErrOut io.Writer
	// ErrTTY reports whether ErrOut is a terminal; logs are coloured only then.
	ErrTTY bool
}

// System returns the process's standard streams.
func System() *IOStreams {
	return &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		ErrTTY: isTerminal(os.Stderr),
	}
}

// Test returns streams backed by buffers, and the buffers: standard input (empty;
// write to it before running), standard output and standard error. ErrTTY is false.
func Test() (ios *IOStreams, in, out, errOut *bytes.Buffer) {
	in, out, errOut = &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// isTerminal reports whether f is a character device, which is how a terminal
// looks to Stat on every platform wasirun builds for. /dev/null is one too, which
// does no harm: nobody sees the colours.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
