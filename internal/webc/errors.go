package webc

import (
	"errors"
	"fmt"
	"strings"
)

// FormatError reports malformed input: a container, a manifest, a wasmer.toml or a
// tarball that wasirun cannot read. Its message is one line that says what is wrong
// and where, for example:
//
//	pkg.webc: volume "atom": entry "/a.txt" runs past the end of the section (at byte 1402)
type FormatError struct {
	// Path is the file the error is about; Open fills it in, Parse leaves it empty.
	Path string
	// Section names the part of the container: "header", "index", "manifest",
	// "atoms", `volume "atom"`, `wasmer.toml`, ...
	Section string
	// Entry is the path or name of the entry inside Section, if any.
	Entry string
	// Offset is the byte offset in the file (or the line in a text file when Line is
	// set); negative when unknown.
	Offset int64
	// Line is the 1-based line of a text input (wasmer.toml); 0 when not a text input.
	Line int
	// Err is the underlying cause.
	Err error
}

// Error formats the error as one line.
func (e *FormatError) Error() string {
	var b strings.Builder
	for _, part := range []string{e.Path, e.Section} {
		if part != "" {
			b.WriteString(part)
			b.WriteString(": ")
		}
	}
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Entry != "" {
		fmt.Fprintf(&b, "entry %q ", e.Entry)
	}
	if e.Err != nil {
		b.WriteString(oneLine(e.Err.Error()))
	} else {
		b.WriteString("malformed")
	}
	if e.Offset >= 0 && e.Line == 0 {
		fmt.Fprintf(&b, " (at byte %d)", e.Offset)
	}
	return b.String()
}

// Unwrap returns the cause.
func (e *FormatError) Unwrap() error { return e.Err }

// oneLine folds a multi-line message (some libraries write several lines) into one.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Sentinel causes, for errors.Is.
var (
	// ErrTruncated: a length or span runs past the end of its enclosing section or file.
	ErrTruncated = errors.New("runs past the end of the section")
	// ErrChecksum: a stored hash does not match the bytes.
	ErrChecksum = errors.New("checksum mismatch")
	// ErrUnknownFormat: the bytes are not any container form wasirun knows.
	ErrUnknownFormat = errors.New("not a WebC package, wapm tarball, wasmer.toml directory or wasm module")
	// ErrNotDir: a path component that must be a directory is a file.
	ErrNotDir = errors.New("not a directory")
)

// formatErr builds a *FormatError with an unknown offset.
func formatErr(section, entry string, err error) *FormatError {
	return &FormatError{Section: section, Entry: entry, Offset: -1, Err: err}
}

// formatErrAt builds a *FormatError at a byte offset.
func formatErrAt(section, entry string, off int64, err error) *FormatError {
	return &FormatError{Section: section, Entry: entry, Offset: off, Err: err}
}

// withPath sets the file path on a *FormatError inside err (if any) and returns err.
func withPath(err error, path string) error {
	var fe *FormatError
	if errors.As(err, &fe) && fe.Path == "" {
		fe.Path = path
	}
	return err
}
