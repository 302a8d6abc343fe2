package webc_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/wasirun/wasirun/internal/webc"
	"github.com/wasirun/wasirun/internal/webc/webctest"
)

// bigFileSize is the size of the big file of these tests: well above the size from
// which a file of a mapped package is read with pread(2) rather than from the
// mapping.
const bigFileSize = 16 << 20

// writeBigPackage writes a v3 package whose volume "/data" holds big.bin
// (bigFileSize bytes of webctest.Pattern) and returns its path and that content.
func writeBigPackage(t *testing.T) (string, []byte) {
	t.Helper()
	content := webctest.Pattern(bigFileSize)
	data := webc.NewTree()
	if err := data.AddFile("big.bin", content, 0); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "pkg.webc")
	s := &webc.Source{Manifest: &webc.Manifest{}, Volumes: map[string]*webc.Tree{"/data": data}}
	if err := webctest.Write(path, s); err != nil {
		t.Fatal(err)
	}
	return path, content
}

// bigEntry returns big.bin of the volume "/data" of c.
func bigEntry(t *testing.T, c *webc.Container) webc.Entry {
	t.Helper()
	v, ok := c.Volume("/data")
	if !ok {
		t.Fatal("no volume /data")
	}
	e, err := v.Lookup("big.bin")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// procRSSFile returns the process's resident file-backed memory in bytes (RssFile
// of /proc/self/status).
func procRSSFile(t *testing.T) int64 {
	t.Helper()
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatal(err)
	}
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("RssFile:")); ok {
			fields := bytes.Fields(rest)
			if len(fields) > 0 {
				if kb, err := strconv.ParseInt(string(fields[0]), 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	t.Skip("no RssFile in /proc/self/status")
	return 0
}

// TestReadAtBigFileKeepsNothingResident: reading a big file of a mapped package
// with ReadAt gives its bytes without faulting the mapping's pages in, so the
// process's resident file pages do not grow by the file's size (as they did when
// the bytes were copied from the mapping).
func TestReadAtBigFileKeepsNothingResident(t *testing.T) {
	path, content := writeBigPackage(t)
	c, err := webc.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e := bigEntry(t, c)
	got := make([]byte, 0, len(content))
	buf := make([]byte, 128<<10)
	before := procRSSFile(t)
	for off := int64(0); ; {
		n, err := e.ReadAt(buf, off)
		got = append(got, buf[:n]...)
		off += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("ReadAt at %d: %v", off, err)
		}
	}
	grew := procRSSFile(t) - before
	if !bytes.Equal(got, content) {
		t.Fatal("ReadAt gives other bytes than the file's")
	}
	if grew > bigFileSize/4 {
		t.Errorf("reading a %d MiB file grew the resident file pages by %d MiB, want under %d MiB",
			bigFileSize>>20, grew>>20, bigFileSize>>22)
	}
}

// TestReadAtBigFileCutShort: when the package file is cut short after it was
// opened, ReadAt of a big file gives the bytes that are still there, then
// io.ErrUnexpectedEOF rather than a short read that looks like the end of the file
// (or, from a mapping, a SIGBUS that kills the process); both for a mapped package
// and for one read through an io.ReaderAt.
func TestReadAtBigFileCutShort(t *testing.T) {
	for _, mapped := range []bool{true, false} {
		t.Run("mapped="+strconv.FormatBool(mapped), func(t *testing.T) {
			path, content := writeBigPackage(t)
			var c *webc.Container
			if mapped {
				var err error
				if c, err = webc.Open(path); err != nil {
					t.Fatal(err)
				}
			} else {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				st, err := f.Stat()
				if err != nil {
					t.Fatal(err)
				}
				// A SectionReader exposes no Bytes: Parse reads through it.
				if c, err = webc.Parse(io.NewSectionReader(f, 0, st.Size()), st.Size()); err != nil {
					t.Fatal(err)
				}
			}
			defer c.Close()
			e := bigEntry(t, c)
			if err := e.Volume().Load(); err != nil {
				t.Fatal(err)
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			start := int64(bytes.Index(raw, content[:64]))
			if start < 0 {
				t.Fatal("the file's bytes are not in the package")
			}
			// Cut the package in the middle of the file, on a page boundary.
			cut := (start + bigFileSize/2) &^ 4095
			if err := os.Truncate(path, cut); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, bigFileSize)
			n, err := e.ReadAt(buf, 0)
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("ReadAt of the cut file: err = %v, want io.ErrUnexpectedEOF", err)
			}
			if int64(n) != cut-start || !bytes.Equal(buf[:n], content[:n]) {
				t.Errorf("ReadAt of the cut file gave %d bytes (equal: %v), want the %d that are left",
					n, bytes.Equal(buf[:n], content[:n]), cut-start)
			}
			if n, err := e.ReadAt(buf[:10], bigFileSize-10); n != 0 || !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Errorf("ReadAt past the cut = %d, %v, want 0, io.ErrUnexpectedEOF", n, err)
			}
		})
	}
}

// TestBytesBigFileChecksHash: a big file of a mapped package is still checked
// against its stored hash when read whole with Bytes, though ReadAt reads it from
// the file rather than the mapping; ReadAt itself gives the bytes as they are.
func TestBytesBigFileChecksHash(t *testing.T) {
	path, content := writeBigPackage(t)
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	start := bytes.Index(raw, content[:64])
	if start < 0 {
		t.Fatal("the file's bytes are not in the package")
	}
	const at = bigFileSize - 100
	raw[start+at] ^= 0xff
	if err := os.WriteFile(path, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := webc.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	e := bigEntry(t, c)
	if _, err := e.Bytes(); !errors.Is(err, webc.ErrChecksum) {
		t.Errorf("Bytes of a damaged big file: err = %v, want ErrChecksum", err)
	}
	b := make([]byte, 1)
	if n, err := e.ReadAt(b, at); n != 1 || err != nil || b[0] != content[at]^0xff {
		t.Errorf("ReadAt of the damaged byte = %d, %v, %#x; want 1, nil, %#x", n, err, b[0], content[at]^0xff)
	}
}

// TestVerifyBigFileKeepsNothingResident: checking the hash of a big file of a
// mapped package reads it from the file, as ReadAt does, and leaves none of its
// pages resident; a damaged byte is still found.
func TestVerifyBigFileKeepsNothingResident(t *testing.T) {
	for _, damaged := range []bool{false, true} {
		t.Run("damaged="+strconv.FormatBool(damaged), func(t *testing.T) {
			path, content := writeBigPackage(t)
			if damaged {
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				start := bytes.Index(raw, content[:64])
				if start < 0 {
					t.Fatal("the file's bytes are not in the package")
				}
				raw[start+bigFileSize/3] ^= 1
				if err := os.WriteFile(path, raw, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			c, err := webc.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			e := bigEntry(t, c)
			before := procRSSFile(t)
			err = e.Verify()
			grew := procRSSFile(t) - before
			if damaged != errors.Is(err, webc.ErrChecksum) {
				t.Errorf("Verify: err = %v, want ErrChecksum: %v", err, damaged)
			}
			if grew > bigFileSize/4 {
				t.Errorf("checking a %d MiB file grew the resident file pages by %d MiB, want under %d MiB",
					bigFileSize>>20, grew>>20, bigFileSize>>22)
			}
		})
	}
}
