package webc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// pipePath returns a path that names the read end of a new pipe (/dev/fd/N), into
// which content is written by a goroutine and then closed; the test skips where
// the system has no /dev/fd.
func pipePath(t *testing.T, content []byte) string {
	t.Helper()
	if _, err := os.Stat("/dev/fd"); err != nil {
		t.Skipf("no /dev/fd to name a pipe by: %v", err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	go func() {
		w.Write(content) // a failed write shows as a short package
		w.Close()
	}()
	return fmt.Sprintf("/dev/fd/%d", r.Fd())
}

// TestOpenPipe opens every form from a pipe, which can be neither mapped nor read
// at an offset, by a name with no extension: the form comes from the bytes.
func TestOpenPipe(t *testing.T) {
	v3 := wtWrite(t, wtSource(t))
	tests := []struct {
		name    string
		content []byte
		want    Format
	}{
		{"bare module", wtModule, FormatWasm},
		{"webc v3", v3, FormatV3},
		{"tar.gz", tgValid(t), FormatTarGz},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := pipePath(t, tt.content)
			c, err := Open(path)
			if err != nil {
				t.Fatalf("Open(%s): %v", path, err)
			}
			defer c.Close()
			if c.Format != tt.want {
				t.Errorf("format %v, want %v", c.Format, tt.want)
			}
			if err := c.Verify(); err != nil {
				t.Errorf("Verify: %v", err)
			}
			switch tt.want {
			case FormatWasm:
				// Named after the file, as any bare module is: /dev/fd/N gives "N".
				name := path[strings.LastIndex(path, "/")+1:]
				wsCheck(t, c, name, wtModule)
			case FormatV3:
				want := utParse(t, wtSource(t))
				if got, w := c.Atoms(), want.Atoms(); !slices.Equal(got, w) {
					t.Errorf("atoms %q, want %q", got, w)
				}
			}
		})
	}
}

// TestOpenPipeErrors: an empty pipe and a malformed one name the path.
func TestOpenPipeErrors(t *testing.T) {
	path := pipePath(t, nil)
	_, err := Open(path)
	if want := path + ": header: the file is empty"; err == nil || err.Error() != want {
		t.Errorf("empty pipe: %v, want %q", err, want)
	}
	path = pipePath(t, []byte("just text"))
	_, err = Open(path)
	if want := path + ": header: unknown magic 6a 75 73 74: not a WebC package, wapm tarball, wasmer.toml directory or wasm module (at byte 0)"; err == nil || err.Error() != want {
		t.Errorf("text on a pipe: %v, want %q", err, want)
	}
}

// TestReadStream checks the bound on what is read from a pipe and its message.
func TestReadStream(t *testing.T) {
	tests := []struct {
		name    string
		size    int
		limit   int64
		wantErr string
	}{
		{"under the limit", 10, 11, ""},
		{"at the limit", 64 << 10, 64 << 10, ""},
		{"one byte past the limit", 64<<10 + 1, 64 << 10, "/dev/stdin: more than 64 KiB to read from a pipe or device, the most wasirun holds in memory; save the package to a file and give its path"},
		{"far past an odd limit", 5000, 1000, "/dev/stdin: more than 1000 bytes to read from a pipe or device, the most wasirun holds in memory; save the package to a file and give its path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			content := bytes.Repeat([]byte{7}, tt.size)
			b, err := readStream(iotest.OneByteReader(bytes.NewReader(content)), "/dev/stdin", tt.limit)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Errorf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !bytes.Equal(b, content) {
				t.Errorf("read %d bytes, %v; want %d", len(b), err, len(content))
			}
		})
	}
	// A read error names the path.
	_, err := readStream(iotest.ErrReader(io.ErrClosedPipe), "/dev/stdin", 10)
	if want := "/dev/stdin: io: read/write on closed pipe"; err == nil || err.Error() != want || !errors.Is(err, io.ErrClosedPipe) {
		t.Errorf("read error: %v, want %q", err, want)
	}
}

func TestLimitText(t *testing.T) {
	for n, want := range map[int64]string{
		1 << 30: "1 GiB", 3 << 20: "3 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes", 1<<30 + 1: "1073741825 bytes", 1536 << 20: "1536 MiB",
	} {
		if got := limitText(n); got != want {
			t.Errorf("limitText(%d) = %q, want %q", n, got, want)
		}
	}
	if got := limitText(streamLimit); got != "1 GiB" {
		t.Errorf("streamLimit is %s, documented as 1 GiB", got)
	}
}
