//go:build unix

package webc

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestMapFile: a file up to readLimit is read into memory, a larger one mapped;
// either way Bytes and ReadAt give the file's content and Close releases it.
func TestMapFile(t *testing.T) {
	for _, tt := range []struct {
		name     string
		size     int
		wantRead bool
	}{
		{"one byte", 1, true},
		{"at the limit", readLimit, true},
		{"past the limit", readLimit + 1, false},
		{"large", 4 * readLimit, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			content := bytes.Repeat([]byte("wasirun!"), tt.size/8+1)[:tt.size]
			path := filepath.Join(t.TempDir(), "pkg")
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			m, err := mapFile(f, int64(tt.size))
			if err != nil {
				t.Fatal(err)
			}
			if m.read != tt.wantRead {
				t.Errorf("read = %v, want %v", m.read, tt.wantRead)
			}
			if !bytes.Equal(m.Bytes(), content) {
				t.Errorf("Bytes() differs from the file")
			}
			tail := make([]byte, 3)
			if n, err := m.ReadAt(tail, int64(tt.size-3)); tt.size >= 3 && (err != nil || n != 3 || !bytes.Equal(tail, content[tt.size-3:])) {
				t.Errorf("ReadAt(tail) = %d, %v, %q", n, err, tail)
			}
			if err := m.Close(); err != nil {
				t.Errorf("Close: %v", err)
			}
			if m.Bytes() != nil {
				t.Error("Bytes() after Close is not nil")
			}
		})
	}
}
