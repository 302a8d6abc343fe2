package webc

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/klauspost/compress/gzip"

	"github.com/wasirun/wasirun/internal/testfixtures"
)

// tgEntry is an entry of a test tarball; Type 0 is a regular file.
type tgEntry struct {
	Name     string
	Data     string
	Type     byte
	Linkname string
}

// tgGzip compresses b.
func tgGzip(t testing.TB, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// tgTarGz builds a gzip-compressed tar archive.
func tgTarGz(t testing.TB, entries ...tgEntry) []byte {
	t.Helper()
	return tgGzip(t, tgTar(t, entries...))
}

// tgTar builds a tar archive.
func tgTar(t testing.TB, entries ...tgEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		hdr := &tar.Header{Name: e.Name, Typeflag: e.Type, Linkname: e.Linkname, Mode: 0o644}
		if e.Type == 0 {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(e.Data))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.Data)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

const tgToml = "[package]\nname = \"t/pkg\"\nversion = \"0.1.0\"\n[[module]]\nname = \"app\"\nsource = \"bin/app.wasm\"\n[[command]]\nname = \"app\"\nmodule = \"app\"\n"

// tgValid is a small valid package tarball.
func tgValid(t testing.TB) []byte {
	return tgTarGz(t,
		tgEntry{Name: "./", Type: tar.TypeDir},
		tgEntry{Name: "./wasmer.toml", Data: tgToml},
		tgEntry{Name: "./bin/", Type: tar.TypeDir},
		tgEntry{Name: "./bin/app.wasm", Data: string(wtModule)},
	)
}

func TestParseTarGz(t *testing.T) {
	c, err := ParseBytes(tgValid(t))
	if err != nil {
		t.Fatalf("ParseBytes: %v", err)
	}
	if c.Format != FormatTarGz || c.Package.Name != "t/pkg" || c.Package.Version != "0.1.0" {
		t.Errorf("format %v, package %+v", c.Format, c.Package)
	}
	cmd, err := c.Command("")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.CommandAtom(cmd)
	if err != nil || !bytes.Equal(b, wtModule) {
		t.Errorf("atom %q, %v", b, err)
	}
}

// TestParseTarGzEntries: wapm.toml is the fallback, links that stay inside and
// other special entries are left out, a later entry replaces an earlier one.
func TestParseTarGzEntries(t *testing.T) {
	toml := strings.Replace(tgToml, "[package]", "[package]\nreadme = \"docs/README.md\"", 1)
	tgz := tgTarGz(t,
		tgEntry{Name: "wapm.toml", Data: toml},
		tgEntry{Name: "bin/app.wasm", Data: "old"},
		tgEntry{Name: "bin/app.wasm", Data: string(wtModule)},
		tgEntry{Name: "docs/link.md", Type: tar.TypeSymlink, Linkname: "README.md"},
		tgEntry{Name: "docs/hard.md", Type: tar.TypeLink, Linkname: "docs/README.md"},
		tgEntry{Name: "docs/README.md", Data: "# hi"},
		tgEntry{Name: "dev/null", Type: tar.TypeChar},
		tgEntry{Name: "fifo", Type: tar.TypeFifo},
	)
	c, err := ParseBytes(tgz)
	if err != nil {
		t.Fatalf("ParseBytes: %v", err)
	}
	if b, err := c.Atom("app"); err != nil || !bytes.Equal(b, wtModule) {
		t.Errorf("atom %q, %v", b, err)
	}
	v, ok := c.Volume("metadata")
	if !ok {
		t.Fatal("no metadata volume")
	}
	var paths []string
	_ = v.Walk(func(p string, e Entry) error { paths = append(paths, p); return nil })
	if want := []string{"docs", "docs/README.md"}; !reflect.DeepEqual(paths, want) {
		t.Errorf("metadata volume = %q, want %q", paths, want)
	}
}

func TestParseTarGzErrors(t *testing.T) {
	valid := tgValid(t)
	tests := []struct {
		name  string
		data  []byte
		entry string
		want  string
	}{
		{"parent", tgTarGz(t, tgEntry{Name: "../evil", Data: "x"}), "../evil", "climbs out of the package"},
		{"absolute", tgTarGz(t, tgEntry{Name: "/abs", Data: "x"}), "/abs", "climbs out of the package"},
		{"nested parent", tgTarGz(t, tgEntry{Name: "a/../../x", Data: "x"}), "a/../../x", "climbs out of the package"},
		{"parent dir", tgTarGz(t, tgEntry{Name: "../", Type: tar.TypeDir}), "../", "climbs out of the package"},
		{"symlink out", tgTarGz(t, tgEntry{Name: "a/l", Type: tar.TypeSymlink, Linkname: "../../etc/passwd"}), "a/l", `is a link to "../../etc/passwd", which climbs out of the package`},
		{"absolute symlink", tgTarGz(t, tgEntry{Name: "l", Type: tar.TypeSymlink, Linkname: "/etc/passwd"}), "l", "climbs out of the package"},
		{"hard link out", tgTarGz(t, tgEntry{Name: "a/h", Type: tar.TypeLink, Linkname: "../x"}), "a/h", "climbs out of the package"},
		{"bad name", tgTarGz(t, tgEntry{Name: "a\\b", Data: "x"}), "a\\b", "backslash"},
		{"file and dir", tgTarGz(t, tgEntry{Name: "a", Data: "x"}, tgEntry{Name: "a/b", Data: "y"}), "a/b", "is a file"},
		{"not a tar", tgGzip(t, []byte("hello, this is plain text and not a tar archive at all")), "", "tarball: gzip data is not a tar archive: "},
		{"not a tar block", tgGzip(t, bytes.Repeat([]byte("x"), 1024)), "", "tarball: gzip data is not a tar archive: "},
		{"truncated gzip", valid[:len(valid)/2], "", "gzip data is cut short"},
		{"truncated trailer", valid[:len(valid)-4], "", "gzip data is cut short"},
		{"bad checksum", append(append([]byte(nil), valid[:len(valid)-8]...), 0, 0, 0, 0, valid[len(valid)-4], valid[len(valid)-3], valid[len(valid)-2], valid[len(valid)-1]), "", "gzip data is corrupt"},
		{"truncated tar", tgGzip(t, tgTar(t, tgEntry{Name: "wasmer.toml", Data: strings.Repeat("#", 2000)})[:1024]), "wasmer.toml", "the tar archive is cut short in this entry"},
		{"no manifest", tgTarGz(t, tgEntry{Name: "sub/wasmer.toml", Data: tgToml}), "", "no wasmer.toml or wapm.toml at the root of the archive"},
		{"empty", tgGzip(t, nil), "", "no wasmer.toml or wapm.toml"},
		{"toml error", tgTarGz(t, tgEntry{Name: "wapm.toml", Data: "[package]\nname = 1\n"}), "", "wapm.toml: line 2: package.name: expected a string"},
		{"missing module", tgTarGz(t, tgEntry{Name: "wasmer.toml", Data: tgToml}), "", `wasmer.toml: line 6: module "app": source file "bin/app.wasm" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseBytes(tc.data)
			if err == nil {
				t.Fatalf("no error; commands %v", c.Commands())
			}
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("error %v (%T), want a *FormatError", err, err)
			}
			msg := err.Error()
			if fe.Entry != tc.entry || !strings.Contains(msg, tc.want) {
				t.Errorf("error %q (entry %q), want entry %q and %q", msg, fe.Entry, tc.entry, tc.want)
			}
			if strings.ContainsAny(msg, "\r\n") || strings.HasSuffix(msg, ".") {
				t.Errorf("error %q is not one line without a trailing period", msg)
			}
			if strings.Contains(tc.want, "cut short") && !errors.Is(err, ErrTruncated) {
				t.Errorf("error %q does not match ErrTruncated", msg)
			}
		})
	}
	if _, err := parseTarGz(bytes.NewReader([]byte("not gzip"))); err == nil || !strings.Contains(err.Error(), "tarball: not gzip data") {
		t.Errorf("plain text: %v", err)
	}
}

// TestParseTarGzTooLarge: a header claiming more than the cap is refused before
// anything is read.
func TestParseTarGzTooLarge(t *testing.T) {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	if err := tw.WriteHeader(&tar.Header{Name: "big", Typeflag: tar.TypeReg, Size: maxTarballSize + 1}); err != nil {
		t.Fatal(err)
	}
	_, err := ParseBytes(tgGzip(t, buf.Bytes()))
	if err == nil || !strings.Contains(err.Error(), "exceeds the 4 GiB limit") {
		t.Errorf("error %v, want the size limit", err)
	}
}

// TestTreeFS runs the fs.FS conformance check over the tarball's file view.
func TestTarTreeFS(t *testing.T) {
	tr := NewTree()
	for p, d := range map[string]string{"a.txt": "a", "d/b.txt": "bb", "d/e/c.txt": "ccc"} {
		if err := tr.AddFile(p, []byte(d), 0); err != nil {
			t.Fatal(err)
		}
	}
	if err := tr.AddDir("empty"); err != nil {
		t.Fatal(err)
	}
	if err := fstest.TestFS(treeFS{tr}, "a.txt", "d/b.txt", "d/e/c.txt", "empty"); err != nil {
		t.Fatal(err)
	}
}

// tgFixture is the part of a fixture's expected.json this test reads.
type tgFixture struct {
	Derived json.RawMessage `json:"derived_manifest"`
	Atoms   map[string]struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"atoms"`
	Volumes map[string][]struct {
		Path   string  `json:"path"`
		SHA256 *string `json:"sha256"`
	} `json:"volumes"`
}

// TestParseTarGzFixtures converts the real wapm tarballs and compares the result
// with the reference decoder's derived manifest, atoms and commands.
func TestParseTarGzFixtures(t *testing.T) {
	testfixtures.Path(t, "packages")
	tests := []struct {
		file     string
		commands map[string]string // command -> atom
	}{
		{"cowsay-0.3.0.tar.gz", map[string]string{"cowsay": "cowsay", "cowthink": "cowsay"}},
		{"wit-pack-0.3.0.tar.gz", map[string]string{}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			path := testfixtures.Path(t, "packages", tc.file)
			raw, err := os.ReadFile(testfixtures.Path(t, "packages", tc.file+".expected.json"))
			if err != nil {
				t.Fatal(err)
			}
			var want tgFixture
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			c, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer c.Close()
			if c.Format != FormatTarGz {
				t.Errorf("format %v", c.Format)
			}

			// The manifest and the atoms are compared with the reference in
			// TestFixtures; here, what is particular to the conversion.
			cmds := map[string]string{}
			for _, cmd := range c.Commands() {
				cmds[cmd.Name] = cmd.Atom
				if !cmd.IsWasi() {
					t.Errorf("command %q: runner %q", cmd.Name, cmd.Runner)
				}
				if _, err := c.CommandAtom(&cmd); err != nil {
					t.Errorf("command %q: %v", cmd.Name, err)
				}
			}
			if !reflect.DeepEqual(cmds, tc.commands) {
				t.Errorf("commands %v, want %v", cmds, tc.commands)
			}

			// The metadata volume holds the readme the manifest points at, with the
			// tarball's bytes.
			tarSums := map[string]string{}
			for _, e := range want.Volumes["<tarball>"] {
				if e.SHA256 != nil {
					tarSums[e.Path] = *e.SHA256
				}
			}
			w, err := c.Manifest.Wapm()
			if err != nil {
				t.Fatal(err)
			}
			if w.Readme != nil {
				v, ok := c.Volume(w.Readme.Volume)
				if !ok {
					t.Fatalf("no volume %q", w.Readme.Volume)
				}
				e, err := v.Lookup(w.Readme.Path)
				if err != nil {
					t.Fatalf("readme %s: %v", w.Readme.Path, err)
				}
				b, _ := e.Bytes()
				sum := sha256.Sum256(b)
				if hex.EncodeToString(sum[:]) != tarSums[w.Readme.Path] {
					t.Errorf("readme sha256 %x, want %s", sum, tarSums[w.Readme.Path])
				}
			}
		})
	}
}

func FuzzParseTarGz(f *testing.F) {
	// The real tarballs when the shared fixtures are there; the generated seeds
	// below always.
	for _, name := range []string{"cowsay-0.3.0.tar.gz", "wit-pack-0.3.0.tar.gz"} {
		if path, err := testfixtures.Lookup("packages", name); err == nil {
			if b, err := os.ReadFile(path); err == nil {
				f.Add(b)
			}
		}
	}
	f.Add(tgValid(f))
	f.Add(tgTarGz(f,
		tgEntry{Name: "wasmer.toml", Data: "[[module]]\nname = \"a\"\nsource = \"a.wasm\"\n[fs]\n\"/d\" = \"d\"\n"},
		tgEntry{Name: "a.wasm", Data: string(wtModule)},
		tgEntry{Name: "d/x", Data: "x"},
		tgEntry{Name: "d/l", Type: tar.TypeSymlink, Linkname: "x"},
	))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 || data[0] != 0x1f || data[1] != 0x8b {
			data = tgGzip(t, data) // let the fuzzer reach the tar reader
		}
		c, err := parseTarGz(bytes.NewReader(data))
		if err != nil {
			if msg := err.Error(); strings.ContainsAny(msg, "\r\n") {
				t.Fatalf("error %q is not one line", msg)
			}
			return
		}
		for _, cmd := range c.Commands() {
			_, _ = c.CommandAtom(&cmd)
		}
	})
}
