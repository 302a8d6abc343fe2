package webc

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/testfixtures"
)

// FuzzParse feeds arbitrary bytes to Parse — every container form — and uses
// everything it returns. Errors are fine; a panic, or an error that is not one line,
// is a failure. Seeds: the real packages in the shared fixtures and generated ones.
func FuzzParse(f *testing.F) {
	if matches, _ := globFixtures(); len(matches) > 0 {
		for _, m := range matches {
			// Tarballs have their own target (FuzzParseTarGz); here their megabytes
			// of compressed data would only slow every execution down.
			if strings.HasSuffix(m, ".tar.gz") {
				continue
			}
			if b, err := os.ReadFile(m); err == nil && len(b) < 1<<20 {
				f.Add(b)
			}
		}
	}
	f.Add(sampleV1(f).bytes())
	for _, seed := range fuzzSeeds(f) {
		f.Add(seed)
	}
	f.Add(tinyWasm)
	f.Fuzz(func(t *testing.T, data []byte) {
		// Through the zero-copy path, and through a plain io.ReaderAt.
		c, err := ParseBytes(data)
		exercise(t, c, err)
		c, err = Parse(io.NewSectionReader(bytes.NewReader(data), 0, int64(len(data))), int64(len(data)))
		exercise(t, c, err)
	})
}

// globFixtures returns the real packages in the shared fixtures folder, or an
// error when it is absent: a seed corpus goes without them rather than skip.
func globFixtures() ([]string, error) {
	dir, err := testfixtures.Lookup("packages")
	if err != nil {
		return nil, err
	}
	var out []string
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && !bytes.HasSuffix([]byte(n), []byte(".json")) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out, nil
}

func exercise(t *testing.T, c *Container, err error) {
	t.Helper()
	if err != nil {
		if msg := err.Error(); bytes.ContainsAny([]byte(msg), "\n\r") {
			t.Fatalf("error is not one line: %q", msg)
		}
		return
	}
	buf := make([]byte, 64)
	for _, v := range append([]*Volume{c.AtomsVolume()}, c.Volumes()...) {
		_, _, _ = v.Summary()
		_ = v.Walk(func(p string, e Entry) error {
			if !e.IsDir() {
				_, _ = e.ReadAt(buf, 0)
				_, _ = e.ReadAt(buf, e.Size()-1)
				_, _ = e.Bytes()
			}
			_, _ = v.Lookup(p)
			return nil
		})
	}
	for _, cmd := range c.Commands() {
		_, _ = c.CommandAtom(&cmd)
	}
	_, _ = c.Command("")
	_ = c.Mounts()
	_ = c.Integrity()
	_ = c.Verify()
	if raw, err := c.RawManifest(); err == nil {
		_, _ = ToJSONValue(raw)
	}
}
