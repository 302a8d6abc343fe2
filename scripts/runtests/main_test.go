package main

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/internal/testfixtures"
)

// stream is what go test -json printed for a module m with three packages: a
// failed build (m/b), no test files (m/c), and m/a with a passing test that logs,
// a test skipped for want of a fixture, a test skipped for another reason, and a
// failing subtest.
const stream = `{"ImportPath":"m/b [m/b.test]","Action":"build-output","Output":"# m/b [m/b.test]\n"}
{"ImportPath":"m/b [m/b.test]","Action":"build-output","Output":"b/b.go:2:23: cannot use \"x\" (untyped string constant) as int value in return statement\n"}
{"ImportPath":"m/b [m/b.test]","Action":"build-fail"}
{"Action":"start","Package":"m/a"}
{"Action":"start","Package":"m/b"}
{"Action":"output","Package":"m/b","Output":"FAIL\tm/b [build failed]\n"}
{"Action":"fail","Package":"m/b","Elapsed":0,"FailedBuild":"m/b [m/b.test]"}
{"Action":"start","Package":"m/c"}
{"Action":"output","Package":"m/c","Output":"?   \tm/c\t[no test files]\n"}
{"Action":"skip","Package":"m/c","Elapsed":0}
{"Action":"run","Package":"m/a","Test":"TestOK"}
{"Action":"output","Package":"m/a","Test":"TestOK","Output":"=== RUN   TestOK\n"}
{"Action":"output","Package":"m/a","Test":"TestOK","Output":"    a_test.go:3: hello\n"}
{"Action":"output","Package":"m/a","Test":"TestOK","Output":"--- PASS: TestOK (0.00s)\n"}
{"Action":"pass","Package":"m/a","Test":"TestOK","Elapsed":0}
{"Action":"run","Package":"m/a","Test":"TestFixture"}
{"Action":"output","Package":"m/a","Test":"TestFixture","Output":"=== RUN   TestFixture\n"}
{"Action":"output","Package":"m/a","Test":"TestFixture","Output":"    a_test.go:4: fixture unavailable: the shared fixtures folder /x is absent (WASIRUN_FIXTURES names it)\n"}
{"Action":"output","Package":"m/a","Test":"TestFixture","Output":"--- SKIP: TestFixture (0.00s)\n"}
{"Action":"skip","Package":"m/a","Test":"TestFixture","Elapsed":0}
{"Action":"run","Package":"m/a","Test":"TestShort"}
{"Action":"output","Package":"m/a","Test":"TestShort","Output":"=== RUN   TestShort\n"}
{"Action":"output","Package":"m/a","Test":"TestShort","Output":"    a_test.go:5: skipped with -short\n"}
{"Action":"output","Package":"m/a","Test":"TestShort","Output":"--- SKIP: TestShort (0.00s)\n"}
{"Action":"skip","Package":"m/a","Test":"TestShort","Elapsed":0}
{"Action":"run","Package":"m/a","Test":"TestFail"}
{"Action":"output","Package":"m/a","Test":"TestFail","Output":"=== RUN   TestFail\n"}
{"Action":"run","Package":"m/a","Test":"TestFail/sub"}
{"Action":"output","Package":"m/a","Test":"TestFail/sub","Output":"=== RUN   TestFail/sub\n"}
{"Action":"output","Package":"m/a","Test":"TestFail/sub","Output":"=== PAUSE TestFail/sub\n"}
{"Action":"output","Package":"m/a","Test":"TestFail/sub","Output":"=== CONT  TestFail/sub\n"}
{"Action":"output","Package":"m/a","Test":"TestFail/sub","Output":"    a_test.go:6: boom\n"}
{"Action":"output","Package":"m/a","Test":"TestFail/sub","Output":"--- FAIL: TestFail/sub (0.00s)\n"}
{"Action":"fail","Package":"m/a","Test":"TestFail/sub","Elapsed":0}
{"Action":"run","Package":"m/a","Test":"TestFail/ok"}
{"Action":"output","Package":"m/a","Test":"TestFail/ok","Output":"=== RUN   TestFail/ok\n"}
{"Action":"output","Package":"m/a","Test":"TestFail/ok","Output":"    a_test.go:7: fine\n"}
{"Action":"output","Package":"m/a","Test":"TestFail/ok","Output":"--- PASS: TestFail/ok (0.00s)\n"}
{"Action":"pass","Package":"m/a","Test":"TestFail/ok","Elapsed":0}
{"Action":"output","Package":"m/a","Test":"TestFail","Output":"--- FAIL: TestFail (0.00s)\n"}
{"Action":"fail","Package":"m/a","Test":"TestFail","Elapsed":0}
{"Action":"output","Package":"m/a","Output":"FAIL\n"}
{"Action":"output","Package":"m/a","Output":"FAIL\tm/a\t0.007s\n"}
{"Action":"fail","Package":"m/a","Elapsed":0.008}
{"Action":"start","Package":"m/d"}
{"Action":"run","Package":"m/d","Test":"TestD"}
{"Action":"output","Package":"m/d","Test":"TestD","Output":"=== RUN   TestD\n"}
{"Action":"output","Package":"m/d","Test":"TestD","Output":"--- PASS: TestD (0.00s)\n"}
{"Action":"pass","Package":"m/d","Test":"TestD","Elapsed":0}
{"Action":"output","Package":"m/d","Output":"PASS\n"}
{"Action":"output","Package":"m/d","Output":"ok  \tm/d\t(cached)\n"}
{"Action":"pass","Package":"m/d","Elapsed":0}
`

func TestReport(t *testing.T) {
	var out bytes.Buffer
	r := newReport(&out, "m")
	if err := r.read(strings.NewReader(stream)); err != nil {
		t.Fatal(err)
	}
	r.printSkips()
	want := `# m/b [m/b.test]
b/b.go:2:23: cannot use "x" (untyped string constant) as int value in return statement
FAIL	m/b [build failed]
?   	m/c	[no test files]
    a_test.go:6: boom
--- FAIL: TestFail/sub (0.00s)
--- FAIL: TestFail (0.00s)
FAIL
FAIL	m/a	0.007s
ok  	m/d	(cached)
skipped 1 fixture test(s): a TestFixture: the shared fixtures folder /x is absent (WASIRUN_FIXTURES names it)
`
	if got := out.String(); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
	if !r.failed {
		t.Error("the report did not notice the failures")
	}
}

func TestReportPassing(t *testing.T) {
	var out bytes.Buffer
	r := newReport(&out, "m")
	passing := stream[strings.Index(stream, `{"Action":"start","Package":"m/d"}`):]
	if err := r.read(strings.NewReader(passing + "go: a line that is no event\n")); err != nil {
		t.Fatal(err)
	}
	r.printSkips()
	if got, want := out.String(), "ok  \tm/d\t(cached)\ngo: a line that is no event\n"; got != want || r.failed {
		t.Errorf("report %q (failed %v), want %q", got, r.failed, want)
	}
}

func TestPrintSkips(t *testing.T) {
	const absent = "the shared fixtures folder /x is absent"
	var out bytes.Buffer
	r := newReport(&out, "m")
	r.skips = []skip{
		{"internal/webc", "TestFixtures", absent},
		{"cmd/wasirun", "TestE2ERunRealPackages", absent},
		{"internal/webc", "TestParseTarGzFixtures/cowsay.tar.gz", "/x/packages/cowsay.tar.gz is absent"},
		{"internal/webc", "TestDependency", absent},
	}
	r.printSkips()
	want := "skipped 4 fixture test(s): cmd/wasirun TestE2ERunRealPackages; internal/webc TestDependency, TestFixtures: " + absent +
		"; and internal/webc TestParseTarGzFixtures/cowsay.tar.gz: /x/packages/cowsay.tar.gz is absent\n"
	if got := out.String(); got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestRun runs a stand-in for go that prints the arguments and the stamp it was
// given as one package's output, then exits with status 3.
func TestRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-in for go is a shell script")
	}
	dir := t.TempDir()
	fake := filepath.Join(dir, "go")
	script := `#!/bin/sh
printf '{"Action":"start","Package":"m/p"}\n'
printf '{"Action":"output","Package":"m/p","Output":"ok  \\tm/p\\t%s %s\\n"}\n' "$WASIRUN_FIXTURES_STAMP" "$*"
printf '{"Action":"pass","Package":"m/p"}\n'
echo "go: on stderr" >&2
exit 3
`
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	fixtures := filepath.Join(dir, "fixtures")
	if err := os.MkdirAll(filepath.Join(fixtures, "packages"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv(testfixtures.EnvDir, fixtures)

	var stdout, stderr bytes.Buffer
	events := filepath.Join(dir, "events.json")
	code := run([]string{"-go", fake, "-json", events, "--", "-count=1", "./..."}, &stdout, &stderr)
	if code != 3 {
		t.Errorf("exit status %d, want go's 3", code)
	}
	if want := "ok  \tm/p\t" + testfixtures.Stamp(fixtures) + " test -json -count=1 ./...\n"; stdout.String() != want {
		t.Errorf("stdout %q, want %q", stdout.String(), want)
	}
	if stderr.String() != "go: on stderr\n" {
		t.Errorf("stderr %q", stderr.String())
	}
	if b, err := os.ReadFile(events); err != nil || bytes.Count(b, []byte("\n")) != 3 || !bytes.HasPrefix(b, []byte(`{"Action":"start","Package":"m/p"}`+"\n")) {
		t.Errorf("-json file: %v\n%s", err, b)
	}

	// A -json file that cannot be created: go test does not start.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"-go", fake, "-json", filepath.Join(dir, "no", "such", "dir")}, &stdout, &stderr); code != 1 ||
		!strings.HasPrefix(stderr.String(), "runtests: open ") || stdout.Len() != 0 {
		t.Errorf("bad -json file: status %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}

	// go that cannot be started: one line, status 1.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"-go", filepath.Join(dir, "nosuchgo")}, &stdout, &stderr); code != 1 ||
		!strings.HasPrefix(stderr.String(), "runtests: ") || strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("missing go: status %d, stderr %q", code, stderr.String())
	}
}
