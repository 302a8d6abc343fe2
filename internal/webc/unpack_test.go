package webc

import (
	"bytes"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/testfixtures"
)

// utParse writes s as v3 and reads it back.
func utParse(t *testing.T, s *Source) *Container {
	t.Helper()
	c, err := ParseBytes(wtWrite(t, s))
	if err != nil {
		t.Fatalf("ParseBytes: %v", err)
	}
	return c
}

// utHostEntries lists the host directory dir like wtTreeEntries lists a Tree. Host
// modification times are kept only where want has one (the others are the time of
// the unpacking).
func utHostEntries(t *testing.T, dir string, want []wtEntry) []wtEntry {
	t.Helper()
	mt := map[string]bool{}
	for _, e := range want {
		mt[e.Path] = e.MTime > 0
	}
	var out []wtEntry
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		e := wtEntry{Path: filepath.ToSlash(rel), Dir: d.IsDir()}
		if d.Type()&fs.ModeSymlink != 0 {
			t.Errorf("%s is a symbolic link", p)
		}
		if !d.IsDir() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.Data = string(b)
		}
		if mt[e.Path] {
			info, err := d.Info()
			if err != nil {
				return err
			}
			e.MTime = info.ModTime().Unix()
		}
		out = append(out, e)
		return nil
	})
	wtMust(t, err)
	return out
}

func utNames(t *testing.T, dir string) []string {
	t.Helper()
	des, err := os.ReadDir(dir)
	wtMust(t, err)
	var names []string
	for _, de := range des {
		names = append(names, de.Name())
	}
	sort.Strings(names)
	return names
}

func TestUnpackRoundTrip(t *testing.T) {
	s := wtSource(t)
	c := utParse(t, s)
	out := filepath.Join(t.TempDir(), "out", "nested") // created by Unpack
	if err := utUnpack(c, out); err != nil {
		t.Fatalf("Unpack: %v", err)
	}

	if got := utNames(t, out); !reflect.DeepEqual(got, []string{"atoms", "manifest.json", "volumes", "wasmer.toml"}) {
		t.Errorf("top level = %q", got)
	}

	js, err := os.ReadFile(filepath.Join(out, "manifest.json"))
	wtMust(t, err)
	v, err := ToJSONValue(mustRaw(t, c))
	wtMust(t, err)
	want, err := json.MarshalIndent(v, "", "  ")
	wtMust(t, err)
	if !bytes.Equal(js, append(want, '\n')) {
		t.Errorf("manifest.json =\n%s\nwant\n%s", js, want)
	}
	if !strings.HasPrefix(string(js), "{\n  \"atoms\": {") || !strings.HasSuffix(string(js), "}\n") {
		t.Errorf("manifest.json is not indented by 2 with sorted keys and a final newline:\n%s", js)
	}
	var decoded map[string]any
	wtMust(t, json.Unmarshal(js, &decoded))
	if wapm := decoded["package"].(map[string]any)["wapm"].(map[string]any); wapm["name"] != "wasirun/roundtrip" {
		t.Errorf("manifest.json wapm = %v", wapm)
	}

	atomEntries := wtTreeEntries(t, s.Atoms)
	wtCompareEntries(t, "atoms/", utHostEntries(t, filepath.Join(out, "atoms"), atomEntries), atomEntries)

	if got := utNames(t, filepath.Join(out, "volumes")); !reflect.DeepEqual(got, []string{"data", "empty-volume", "metadata", "settings"}) {
		t.Errorf("volumes/ = %q", got)
	}
	for name, tr := range s.Volumes {
		want := wtTreeEntries(t, tr)
		dir := filepath.Join(out, "volumes", strings.TrimPrefix(name, "/"))
		wtCompareEntries(t, "volumes/"+name, utHostEntries(t, dir, want), want)
	}
}

func TestUnpackFixture(t *testing.T) {
	c, err := Open(testfixtures.Path(t, "packages", wtV3Fixture))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer c.Close()
	out := t.TempDir()
	wtMust(t, utUnpack(c, out))
	b, err := os.ReadFile(filepath.Join(out, "volumes", "settings", "config.toml"))
	wtMust(t, err)
	if len(b) != 3139 {
		t.Errorf("config.toml has %d bytes, want 3139", len(b))
	}
	info, err := os.Stat(filepath.Join(out, "volumes", "settings", "config.toml"))
	wtMust(t, err)
	if info.ModTime().Unix() != 1725977743 {
		t.Errorf("config.toml mtime %d, want 1725977743", info.ModTime().Unix())
	}
	if got := utNames(t, filepath.Join(out, "atoms")); len(got) != 0 {
		t.Errorf("atoms/ = %q, want none", got)
	}
}

func TestUnpackRefusesOverwrite(t *testing.T) {
	c := utParse(t, wtSource(t))

	out := t.TempDir()
	wtMust(t, os.WriteFile(filepath.Join(out, "unrelated"), []byte("keep"), 0o644))
	wtMust(t, utUnpack(c, out)) // an existing directory is fine
	if b, _ := os.ReadFile(filepath.Join(out, "unrelated")); string(b) != "keep" {
		t.Error("an unrelated file was changed")
	}

	err := utUnpack(c, out)
	if err == nil || !strings.Contains(err.Error(), "manifest.json already exists") || strings.Contains(err.Error(), "\n") {
		t.Errorf("second Unpack: err = %v, want one line naming manifest.json", err)
	}

	out = t.TempDir()
	wtMust(t, os.MkdirAll(filepath.Join(out, "volumes", "settings"), 0o755))
	wtMust(t, os.WriteFile(filepath.Join(out, "volumes", "settings", "config.toml"), []byte("mine"), 0o644))
	err = utUnpack(c, out)
	if err == nil || !strings.Contains(err.Error(), "volumes/settings/config.toml already exists") {
		t.Errorf("Unpack over an existing file: err = %v, want it named", err)
	}
	if b, _ := os.ReadFile(filepath.Join(out, "volumes", "settings", "config.toml")); string(b) != "mine" {
		t.Error("an existing file was overwritten")
	}
}

// TestUnpackFileInTheWay: a file where a directory Unpack makes must go is named
// before anything is written; --overwrite replaces it.
func TestUnpackFileInTheWay(t *testing.T) {
	c := utParse(t, wtSource(t))
	out := t.TempDir()
	wtMust(t, os.WriteFile(filepath.Join(out, "atoms"), []byte("mine"), 0o644))
	err := utUnpack(c, out)
	if err == nil || !strings.Contains(err.Error(), "atoms already exists") {
		t.Fatalf("Unpack: err = %v, want atoms named", err)
	}
	if _, err := os.Stat(filepath.Join(out, "manifest.json")); err == nil {
		t.Error("manifest.json was written before the refusal")
	}
	if _, err := Unpack(c, out, UnpackOptions{Overwrite: true}); err != nil {
		t.Fatalf("Unpack --overwrite: %v", err)
	}
	if st, err := os.Stat(filepath.Join(out, "atoms")); err != nil || !st.IsDir() {
		t.Errorf("atoms after --overwrite: %v, %v; want a directory", st, err)
	}
}

func TestUnpackBadVolumeNames(t *testing.T) {
	for _, names := range [][]string{
		{"/"}, {"//"}, {"."}, {".."}, {"/.."}, {"a/../b"}, {"a/./b"}, {"a/.."}, {"a//b"}, {`a\b`},
		{"/x", "x"},  // the same directory
		{"a", "a/b"}, // one inside the other
	} {
		s := &Source{Manifest: &Manifest{}, Volumes: map[string]*Tree{}}
		for _, n := range names {
			tr := NewTree()
			wtMust(t, tr.AddFile("f", []byte("x"), 0))
			s.Volumes[n] = tr
		}
		c, err := s.Container(FormatV3)
		if err != nil {
			t.Logf("%q: refused before Unpack: %v", names, err)
			continue
		}
		out := filepath.Join(t.TempDir(), "out")
		err = utUnpack(c, out)
		if err == nil {
			t.Errorf("%q: no error", names)
			continue
		}
		if strings.Contains(err.Error(), "\n") {
			t.Errorf("%q: multi-line error %q", names, err)
		}
		if _, serr := os.Stat(out); serr == nil {
			t.Errorf("%q: Unpack created %s before refusing", names, out)
		}
	}
	// A volume name with slashes inside is a nested directory.
	s := &Source{Manifest: &Manifest{}, Volumes: map[string]*Tree{"ns/pkg@1.0.0/atom": NewTree()}}
	wtMust(t, s.Volumes["ns/pkg@1.0.0/atom"].AddFile("f", []byte("x"), 0))
	out := t.TempDir()
	wtMust(t, utUnpack(utParse(t, s), out))
	if b, err := os.ReadFile(filepath.Join(out, "volumes", "ns", "pkg@1.0.0", "atom", "f")); err != nil || string(b) != "x" {
		t.Errorf("nested volume: %q, %v", b, err)
	}
}

func TestUnpackStaysInside(t *testing.T) {
	out, outside := t.TempDir(), t.TempDir()
	if err := os.Symlink(outside, filepath.Join(out, "volumes")); err != nil {
		t.Skipf("cannot create a symbolic link: %v", err)
	}
	err := utUnpack(utParse(t, wtSource(t)), out)
	if err == nil {
		t.Error("Unpack followed a symbolic link out of the directory")
	}
	if names := utNames(t, outside); len(names) != 0 {
		t.Errorf("Unpack wrote %q outside its directory", names)
	}
}

// utReaderAt hides bytes.Reader's Bytes method, so the container reads through
// ReadAt as it would from a file that is not mapped.
type utReaderAt struct{ r *bytes.Reader }

func (u utReaderAt) ReadAt(p []byte, off int64) (int, error) { return u.r.ReadAt(p, off) }

func TestUnpackStreamsLargeFiles(t *testing.T) {
	big := make([]byte, 3*unpackSmallFile+123)
	for i := range big {
		big[i] = byte(i % 253)
	}
	tr := NewTree()
	wtMust(t, tr.AddFile("dir/big.bin", big, 1234567890))
	s := &Source{Manifest: &Manifest{}, Volumes: map[string]*Tree{"data": tr}}
	file := wtWrite(t, s)

	c, err := Parse(utReaderAt{bytes.NewReader(file)}, int64(len(file)))
	wtMust(t, err)
	out := t.TempDir()
	wtMust(t, utUnpack(c, out))
	got, err := os.ReadFile(filepath.Join(out, "volumes", "data", "dir", "big.bin"))
	wtMust(t, err)
	if !bytes.Equal(got, big) {
		t.Error("the large file's content differs")
	}

	// A corrupted byte is caught, by the reader or by Unpack, not written silently.
	bad := bytes.Clone(file)
	i := bytes.Index(bad, big[:4096])
	bad[i+len(big)/2] ^= 0xff
	c, err = Parse(utReaderAt{bytes.NewReader(bad)}, int64(len(bad)))
	if err == nil {
		err = utUnpack(c, t.TempDir())
	}
	if !errors.Is(err, ErrChecksum) {
		t.Errorf("corrupted file: err = %v, want ErrChecksum", err)
	}
}

// utUnpack is Unpack with the default options, without its notes.
func utUnpack(c *Container, dir string) error {
	_, err := Unpack(c, dir, UnpackOptions{})
	return err
}
