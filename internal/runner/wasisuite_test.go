package runner

// The WASI test suite (WebAssembly/wasi-testsuite, prebuilt preview 1 tests) run
// through the runner, as ../shared/fixtures/README.md describes: every X.wasm of
// the assemblyscript, c and rust suites, with X.json's args, env, exit_code, the
// stdout/stderr prefixes and its root directory mapped as the guest's "/".

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/fsprep"
	"github.com/wasirun/wasirun/internal/testfixtures"
	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/webc"
)

// suiteArchive is the suite's file in the shared fixtures folder.
const suiteArchive = "wasi-testsuite-p1.tar.gz"

// suiteMinPass is the floor the issue sets: every test that wazero or Node passes.
const suiteMinPass = 66

// knownSuiteFailures are the tests wasirun does not pass yet, with why. A test
// listed here that passes fails TestWASISuite, so the list stays true.
var knownSuiteFailures = map[string]string{}

// suiteSpec is X.json.
type suiteSpec struct {
	Args     []string          `json:"args"`
	Env      map[string]string `json:"env"`
	ExitCode int               `json:"exit_code"`
	Stdout   *string           `json:"stdout"`
	Stderr   *string           `json:"stderr"`
	Root     string            `json:"root"`
}

func TestWASISuite(t *testing.T) {
	if testing.Short() {
		t.Skip("the WASI test suite: skipped with -short")
	}
	dir := extractSuite(t, testfixtures.Path(t, suiteArchive))
	tests := listSuite(t, dir)
	cache := t.TempDir()
	var (
		mu     sync.Mutex
		failed []string
	)
	t.Run("tests", func(t *testing.T) {
		for _, name := range tests {
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				why := runSuiteTest(t, dir, name, cache)
				if why != "" {
					mu.Lock()
					failed = append(failed, name)
					mu.Unlock()
				}
				known, isKnown := knownSuiteFailures[name]
				switch {
				case why != "" && isKnown:
					t.Skipf("known failure (%s): %s", known, why)
				case why != "":
					t.Error(why)
				case isKnown:
					t.Errorf("passes now: remove it from knownSuiteFailures")
				}
			})
		}
	})
	sort.Strings(failed)
	passed := len(tests) - len(failed)
	t.Logf("WASI test suite: %d of %d passed; not passing: %s", passed, len(tests), strings.Join(failed, ", "))
	if passed < suiteMinPass {
		t.Errorf("%d of %d passed, want at least %d", passed, len(tests), suiteMinPass)
	}
}

// listSuite lists the tests of the extracted suite as "suite/name".
func listSuite(t *testing.T, dir string) []string {
	t.Helper()
	var tests []string
	for _, suite := range []string{"assemblyscript", "c", "rust"} {
		matches, err := filepath.Glob(filepath.Join(dir, "tests", suite, "testsuite", "wasm32-wasip1", "*.wasm"))
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range matches {
			tests = append(tests, suite+"/"+strings.TrimSuffix(filepath.Base(m), ".wasm"))
		}
	}
	sort.Strings(tests)
	if len(tests) == 0 {
		t.Fatal("no tests in the archive")
	}
	return tests
}

// extractSuite unpacks the archive into a temporary directory. The tests share
// it: a directory mapped at "/" is a read-only lower layer of the guest root,
// whose writes land in memory, so no test changes what the next one sees.
func extractSuite(t *testing.T, archive string) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("tar", "xzf", archive, "-C", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("extracting the suite: %v\n%s", err, out)
	}
	return dir
}

// runSuiteTest runs one test and returns why it failed, "" when it passed.
func runSuiteTest(t *testing.T, root, name string, cacheDir string) string {
	suite, test, _ := strings.Cut(name, "/")
	dir := filepath.Join(root, "tests", suite, "testsuite", "wasm32-wasip1")
	var spec suiteSpec
	if b, err := os.ReadFile(filepath.Join(dir, test+".json")); err == nil {
		if err := json.Unmarshal(b, &spec); err != nil {
			t.Fatalf("%s.json: %v", test, err)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	c, err := webc.Open(filepath.Join(dir, test+".wasm"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var env []string
	for k, v := range spec.Env {
		env = append(env, k+"="+v)
	}
	sort.Strings(env)
	opts := Options{
		Args:     spec.Args,
		Env:      env,
		FS:       fsprep.Options{Limiter: vfs.NewLimiter(256 << 20)},
		Timeout:  5 * time.Second,
		CacheDir: cacheDir,
		Stdin:    strings.NewReader(""),
	}
	var stdout, stderr bytes.Buffer
	opts.Stdout, opts.Stderr = &stdout, &stderr
	if spec.Root != "" {
		opts.FS.User = []fsprep.UserMount{{Host: filepath.Join(dir, spec.Root), Guest: "/"}}
	}
	code, err := run(context.Background(), c, opts)
	var why []string
	if code != spec.ExitCode {
		why = append(why, "exit code "+itoa(code)+", want "+itoa(spec.ExitCode))
	}
	if err != nil {
		why = append(why, "error: "+err.Error())
	}
	if spec.Stdout != nil && !strings.HasPrefix(stdout.String(), *spec.Stdout) {
		why = append(why, "stdout "+quote(stdout.String())+", want a prefix "+quote(*spec.Stdout))
	}
	if spec.Stderr != nil && !strings.HasPrefix(stderr.String(), *spec.Stderr) {
		why = append(why, "stderr "+quote(stderr.String())+", want a prefix "+quote(*spec.Stderr))
	}
	if len(why) > 0 && stderr.Len() > 0 && spec.Stderr == nil {
		why = append(why, "stderr: "+quote(stderr.String()))
	}
	return strings.Join(why, "; ")
}
