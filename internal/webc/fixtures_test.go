package webc

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/testfixtures"
)

// fixturePackages returns the packages in the shared fixtures folder, or stops
// the test (testfixtures.Path).
func fixturePackages(t testing.TB) []string {
	t.Helper()
	dir := testfixtures.Path(t, "packages")
	matches, _ := filepath.Glob(filepath.Join(dir, "*.expected.json"))
	if len(matches) == 0 {
		testfixtures.Unavailable(t, "no real packages (*.expected.json) in %s", dir)
	}
	var pkgs []string
	for _, m := range matches {
		pkgs = append(pkgs, strings.TrimSuffix(m, ".expected.json"))
	}
	return pkgs
}

type expectedEntry struct {
	Kind   string  `json:"kind"`
	Path   string  `json:"path"`
	SHA256 *string `json:"sha256"`
	Size   int64   `json:"size"`
	MTime  *int64  `json:"mtime"`
}

type expectedPackage struct {
	Version  string          `json:"version"`
	Manifest json.RawMessage `json:"manifest"`
	Derived  json.RawMessage `json:"derived_manifest"`
	Atoms    map[string]struct {
		SHA256 string `json:"sha256"`
		Size   int64  `json:"size"`
	} `json:"atoms"`
	Volumes     map[string][]expectedEntry `json:"volumes"`
	VolumeOrder []string                   `json:"volume_order"`
}

// TestFixtures reads every real package and compares it with the reference
// decoder's description: format, manifest, atoms (size, sha256), every volume entry
// (path, kind, size, sha256, v3 mtime), and the commands' atoms.
func TestFixtures(t *testing.T) {
	for _, path := range fixturePackages(t) {
		t.Run(filepath.Base(path), func(t *testing.T) {
			raw, err := os.ReadFile(path + ".expected.json")
			if err != nil {
				t.Fatal(err)
			}
			var want expectedPackage
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatal(err)
			}
			c, err := Open(path)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			defer c.Close()

			wantFormat := map[string]Format{"v1": FormatV1, "v2": FormatV2, "v3": FormatV3, "wapm-targz": FormatTarGz}[want.Version]
			if c.Format != wantFormat {
				t.Errorf("format = %v, want %v", c.Format, wantFormat)
			}
			wantManifest := want.Manifest
			if c.Format == FormatTarGz {
				wantManifest = want.Derived
			}
			got, err := ToJSONValue(mustRaw(t, c))
			if err != nil {
				t.Fatal(err)
			}
			assertJSONEqual(t, "manifest", got, wantManifest)

			var atoms []string
			for name, a := range want.Atoms {
				atoms = append(atoms, name)
				b, err := c.Atom(name)
				if err != nil {
					t.Errorf("atom %q: %v", name, err)
					continue
				}
				sum := sha256.Sum256(b)
				if int64(len(b)) != a.Size || hex.EncodeToString(sum[:]) != a.SHA256 {
					t.Errorf("atom %q: size %d sha256 %x, want %d %s", name, len(b), sum, a.Size, a.SHA256)
				}
			}
			sort.Strings(atoms)
			if got := c.Atoms(); !reflect.DeepEqual(got, atoms) && !(len(got) == 0 && len(atoms) == 0) {
				t.Errorf("atoms = %q, want %q", got, atoms)
			}

			if c.Format != FormatTarGz { // a tarball's volumes are converted, not stored
				var order []string
				for _, v := range c.Volumes() {
					order = append(order, v.Name())
				}
				if want.VolumeOrder != nil && !reflect.DeepEqual(order, want.VolumeOrder) {
					t.Errorf("volume order = %q, want %q", order, want.VolumeOrder)
				}
				for name, entries := range want.Volumes {
					v, ok := c.Volume(name)
					if !ok {
						t.Errorf("no volume %q", name)
						continue
					}
					compareVolume(t, v, entries, c.Format == FormatV3)
				}
				if err := c.Verify(); err != nil {
					t.Errorf("Verify: %v", err)
				}
			}
			for _, cmd := range c.Commands() {
				if cmd.Dependency == "" && cmd.Atom != "" {
					if _, err := c.CommandAtom(&cmd); err != nil {
						t.Errorf("command %q: %v", cmd.Name, err)
					}
				}
			}
		})
	}
}

func compareVolume(t *testing.T, v *Volume, want []expectedEntry, mtimes bool) {
	t.Helper()
	var got []expectedEntry
	err := v.Walk(func(p string, e Entry) error {
		ee := expectedEntry{Path: "/" + p, Kind: e.Kind().String()}
		if !e.IsDir() {
			b, err := e.Bytes()
			if err != nil {
				return err
			}
			s := sha256.Sum256(b)
			h := hex.EncodeToString(s[:])
			ee.SHA256, ee.Size = &h, int64(len(b))
			if mtimes {
				mt := e.ModTime()
				ee.MTime = &mt
			}
		}
		got = append(got, ee)
		return nil
	})
	if err != nil {
		t.Fatalf("volume %q: %v", v.Name(), err)
	}
	sort.Slice(want, func(i, j int) bool { return want[i].Path < want[j].Path })
	gj, _ := json.Marshal(got)
	wj, _ := json.Marshal(want)
	if len(want) == 0 {
		wj = []byte("null")
	}
	if string(gj) != string(wj) {
		t.Errorf("volume %q:\n got %s\nwant %s", v.Name(), gj, wj)
	}
}

func assertJSONEqual(t *testing.T, what string, got any, want json.RawMessage) {
	t.Helper()
	var w any
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatal(err)
	}
	gj, _ := json.Marshal(got)
	var g any
	_ = json.Unmarshal(gj, &g)
	if !reflect.DeepEqual(g, w) {
		wj, _ := json.Marshal(w)
		t.Errorf("%s:\n got %s\nwant %s", what, gj, wj)
	}
}
