package testfixtures

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mkfile creates path (and its parents) holding data.
func mkfile(t *testing.T, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLocate(t *testing.T) {
	tmp := t.TempDir()
	mkfile(t, filepath.Join(tmp, "repo", "go.mod"), "module x\n")
	deep := filepath.Join(tmp, "repo", "internal", "pkg")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}
	nomod := filepath.Join(tmp, "nomod")
	if err := os.MkdirAll(nomod, 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, env, wd string
		want          string
		wantErr       string
	}{
		{"env wins", "/srv/fixtures/", deep, "/srv/fixtures", ""},
		{"env relative", "../fixtures", deep, "", `WASIRUN_FIXTURES="../fixtures" is not an absolute path`},
		{"from a package directory", "", deep, filepath.Join(tmp, "shared", "fixtures"), ""},
		{"from the repository root", "", filepath.Join(tmp, "repo"), filepath.Join(tmp, "shared", "fixtures"), ""},
		{"no go.mod", "", nomod, "", "no go.mod in " + nomod + " or above it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no go.mod" {
				for d := tmp; d != filepath.Dir(d); d = filepath.Dir(d) {
					if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
						t.Skipf("%s holds a go.mod, above the temporary directory", d)
					}
				}
			}
			got, err := locate(tt.env, tt.wd)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("locate(%q, %q) = %q, %v; want %q", tt.env, tt.wd, got, err, tt.want)
			}
		})
	}
}

// TestLocateFromThisPackage finds the folder from a real package directory, as
// every fixture test does: two levels below the repository root.
func TestLocateFromThisPackage(t *testing.T) {
	t.Setenv(EnvDir, "")
	want, err := filepath.Abs(filepath.Join("..", "..", "..", "shared", "fixtures"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Locate()
	if err != nil || got != want {
		t.Errorf("Locate() = %q, %v; want %q", got, err, want)
	}
}

func TestLookup(t *testing.T) {
	dir := t.TempDir()
	mkfile(t, filepath.Join(dir, "packages", "a.webc"), "a")
	notDir := filepath.Join(dir, "packages", "a.webc")
	absent := filepath.Join(dir, "absent")
	tests := []struct {
		name    string
		dir     string
		fromEnv bool
		elem    []string
		want    string // the path, or the error's text
	}{
		{"the folder", dir, false, nil, dir},
		{"a file", dir, true, []string{"packages", "a.webc"}, filepath.Join(dir, "packages", "a.webc")},
		{"folder absent", absent, false, []string{"packages"},
			"the shared fixtures folder " + absent + " is absent (the default, shared/fixtures beside the repository; set WASIRUN_FIXTURES to the absolute path of another)"},
		{"folder absent, from the environment", absent, true, nil,
			"the shared fixtures folder " + absent + " is absent (WASIRUN_FIXTURES names it)"},
		{"folder is a file", notDir, true, nil,
			"the shared fixtures folder " + notDir + " is absent (WASIRUN_FIXTURES names it)"},
		{"file absent", dir, true, []string{"packages", "b.webc"},
			filepath.Join(dir, "packages", "b.webc") + " is absent from the shared fixtures folder " + dir + " (WASIRUN_FIXTURES names it)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := lookup(tt.dir, tt.fromEnv, tt.elem...)
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("lookup(%q, %v, %q) = %q\nwant %q", tt.dir, tt.fromEnv, tt.elem, got, tt.want)
			}
		})
	}
}

// fakeTB records how Path and Unavailable stop a test; unlike the real methods,
// its Skip and Fatal return.
type fakeTB struct {
	testing.TB
	skipped, fatal string
}

func (f *fakeTB) Helper()           {}
func (f *fakeTB) Skip(args ...any)  { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatal(args ...any) { f.fatal = fmt.Sprint(args...) }

func TestPath(t *testing.T) {
	dir := t.TempDir()
	mkfile(t, filepath.Join(dir, "packages", "a.webc"), "a")
	absent := filepath.Join(dir, "absent")
	folderAbsent := Marker + "the shared fixtures folder " + absent + " is absent (WASIRUN_FIXTURES names it)"
	tests := []struct {
		name, env, ci string
		elem          []string
		want          string // the path returned
		skip, fatal   string // the messages, "" when not called
	}{
		{"present", dir, "", []string{"packages", "a.webc"}, filepath.Join(dir, "packages", "a.webc"), "", ""},
		{"present under CI", dir, "true", []string{"packages"}, filepath.Join(dir, "packages"), "", ""},
		{"absent: skipped", absent, "", []string{"packages"}, "", folderAbsent, ""},
		{"absent: skipped when CI is not true", absent, "1", nil, "", folderAbsent, ""},
		{"absent under CI: fails", absent, "true", nil, "", "", folderAbsent + " (CI=true: a missing fixture fails the test)"},
		{"one file absent under CI", dir, "true", []string{"x"}, "", "",
			Marker + filepath.Join(dir, "x") + " is absent from the shared fixtures folder " + dir + " (WASIRUN_FIXTURES names it) (CI=true: a missing fixture fails the test)"},
		{"relative WASIRUN_FIXTURES fails", "fixtures", "", nil, "", "", `bad WASIRUN_FIXTURES: WASIRUN_FIXTURES="fixtures" is not an absolute path`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvDir, tt.env)
			t.Setenv("CI", tt.ci)
			ft := &fakeTB{}
			got := Path(ft, tt.elem...)
			if got != tt.want || ft.skipped != tt.skip || ft.fatal != tt.fatal {
				t.Errorf("Path(%q) = %q, skipped %q, fatal %q\nwant %q, skipped %q, fatal %q",
					tt.elem, got, ft.skipped, ft.fatal, tt.want, tt.skip, tt.fatal)
			}
		})
	}
}

// TestPathStopsARealTest runs this test binary again, in a child whose fixtures
// are absent, so that the child's skip is not one of this run's (make test lists
// skipped fixture tests): Path skips the child's test, or fails it with CI=true,
// and the line after Path does not run.
func TestPathStopsARealTest(t *testing.T) {
	if os.Getenv("TESTFIXTURES_CHILD") == "1" {
		Path(t, "packages")
		fmt.Println("Path returned")
		return
	}
	absent := filepath.Join(t.TempDir(), "absent")
	tests := []struct {
		ci, want string
		code     int
	}{
		{"", "--- SKIP: TestPathStopsARealTest", 0},
		{"true", "--- FAIL: TestPathStopsARealTest", 1},
	}
	for _, tt := range tests {
		cmd := exec.Command(os.Args[0], "-test.run=^TestPathStopsARealTest$", "-test.v")
		cmd.Env = append(os.Environ(), "TESTFIXTURES_CHILD=1", EnvDir+"="+absent, "CI="+tt.ci)
		out, err := cmd.CombinedOutput()
		code := 0
		if exitErr, ok := err.(*exec.ExitError); ok {
			code = exitErr.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		s := string(out)
		if code != tt.code || !strings.Contains(s, tt.want) || !strings.Contains(s, Marker) || strings.Contains(s, "Path returned") {
			t.Errorf("CI=%q: exit status %d, want %d and %q; output:\n%s", tt.ci, code, tt.code, tt.want, s)
		}
	}
}

func TestStamp(t *testing.T) {
	dir := t.TempDir()
	fixtures := filepath.Join(dir, "fixtures")
	if got := Stamp(fixtures); got != "absent" {
		t.Errorf("Stamp of an absent folder = %q, want absent", got)
	}
	mkfile(t, filepath.Join(fixtures, "packages", "a.webc"), "a")
	first := Stamp(fixtures)
	if again := Stamp(fixtures); again != first || len(first) != 24 {
		t.Fatalf("Stamp is %q, then %q; want the same 24 hex digits", first, again)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(fixtures, link); err == nil {
		if got := Stamp(link); got != first {
			t.Errorf("Stamp through a symbolic link = %q, want %q", got, first)
		}
	}

	// Each change to the listing gives a new stamp.
	seen := map[string]string{first: "the first listing"}
	changes := []struct {
		what   string
		change func() error
	}{
		{"a file added", func() error {
			return os.WriteFile(filepath.Join(fixtures, "packages", "b.webc"), []byte("b"), 0o644)
		}},
		{"a file grown", func() error {
			return os.WriteFile(filepath.Join(fixtures, "packages", "b.webc"), []byte("bb"), 0o644)
		}},
		{"a file touched", func() error {
			old := time.Date(2001, 2, 3, 4, 5, 6, 0, time.UTC)
			return os.Chtimes(filepath.Join(fixtures, "packages", "a.webc"), old, old)
		}},
		{"a directory added", func() error { return os.Mkdir(filepath.Join(fixtures, "wasix"), 0o755) }},
		{"a file removed", func() error { return os.Remove(filepath.Join(fixtures, "packages", "b.webc")) }},
	}
	for _, c := range changes {
		if err := c.change(); err != nil {
			t.Fatal(err)
		}
		s := Stamp(fixtures)
		if prev, ok := seen[s]; ok {
			t.Errorf("after %s the stamp %q is that of %s", c.what, s, prev)
		}
		seen[s] = c.what
	}
}

func TestLookupReadsTheEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(EnvDir, dir)
	if got, err := Lookup(); err != nil || got != dir {
		t.Errorf("Lookup() = %q, %v; want %q", got, err, dir)
	}
	t.Setenv(EnvDir, "relative")
	if _, err := Lookup(); !errors.Is(err, errBadEnv) {
		t.Errorf("Lookup() with a relative %s: %v, want errBadEnv", EnvDir, err)
	}
}
