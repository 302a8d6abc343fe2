// Command runtests is make test's go test: it runs
//
//	go test -json [ARGS...]
//
// with WASIRUN_FIXTURES_STAMP set to a digest of the shared fixtures folder's
// listing (internal/testfixtures), so that go test's cache reruns the fixture
// tests when fixtures appear, vanish or change; it prints what go test prints
// without -json (each package's summary line, the output of failed tests, build
// errors), then one line naming every test skipped because a fixture is absent,
// and why. It exits with go test's status.
//
// Usage, from the repository root:
//
//	go run ./scripts/runtests [-go GO] [-json FILE] [--] [go test flags] [packages]
//
// -json FILE also writes go test's events to FILE, for a closer look (which tests
// were slow: the "Elapsed" of each "pass" event).
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/wasirun/wasirun/internal/testfixtures"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run runs go test with args and reports to stdout and stderr; it returns the exit
// status.
func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("runtests", flag.ContinueOnError)
	fl.SetOutput(stderr)
	goCmd := fl.String("go", "go", "the go command to run")
	jsonFile := fl.String("json", "", "also write go test's events to `file`")
	if err := fl.Parse(args); err != nil {
		return 2
	}

	stamp := "unknown"
	if dir, err := testfixtures.Locate(); err == nil {
		stamp = testfixtures.Stamp(dir)
	}
	cmd := exec.Command(*goCmd, append([]string{"test", "-json"}, fl.Args()...)...)
	cmd.Env = append(os.Environ(), testfixtures.EnvStamp+"="+stamp)
	cmd.Stderr = stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		fmt.Fprintf(stderr, "runtests: %v\n", err)
		return 1
	}
	var in io.Reader = out
	if *jsonFile != "" {
		f, err := os.Create(*jsonFile)
		if err != nil {
			fmt.Fprintf(stderr, "runtests: %v\n", err)
			return 1
		}
		defer f.Close()
		in = io.TeeReader(out, f)
	}
	// Ctrl-C reaches go test too (same process group): wait for it to stop, and
	// report what it printed by then.
	signal.Notify(make(chan os.Signal, 1), os.Interrupt)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(stderr, "runtests: %v\n", err)
		return 1
	}
	r := newReport(stdout, modulePath())
	readErr := r.read(in)
	waitErr := cmd.Wait()
	r.printSkips()
	if readErr != nil {
		fmt.Fprintf(stderr, "runtests: reading go test -json: %v\n", readErr)
	}

	var exitErr *exec.ExitError
	switch {
	case errors.As(waitErr, &exitErr):
		return exitErr.ExitCode()
	case waitErr != nil:
		fmt.Fprintf(stderr, "runtests: %v\n", waitErr)
		return 1
	case readErr != nil || r.failed:
		return 1
	}
	return 0
}

// modulePath is the path of the main module, whose prefix the report drops from
// package paths ("" when unknown).
func modulePath() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		return bi.Main.Path
	}
	return ""
}

// event is one line of go test -json (cmd/test2json).
type event struct {
	Action     string
	Package    string
	Test       string
	Output     string
	ImportPath string // build-output events
}

// line is one line a package's tests printed, with the test that printed it.
type line struct {
	test, text string
}

// pkgOutput is what one package printed so far.
type pkgOutput struct {
	lines  []line          // tests' lines, in order, framing lines left out
	own    []string        // the package's own lines ("ok ...", "FAIL ...")
	failed map[string]bool // failed tests
}

// skip is a test skipped because a fixture is absent.
type skip struct {
	pkg, test, why string
}

// report turns go test -json events back into go test's usual output.
type report struct {
	w      io.Writer
	module string
	pkgs   map[string]*pkgOutput
	skips  []skip
	failed bool // some test, package or build failed
}

func newReport(w io.Writer, module string) *report {
	return &report{w: w, module: module, pkgs: map[string]*pkgOutput{}}
}

// read handles every event of r.
func (r *report) read(in io.Reader) error {
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			// Not an event: a line go test printed as it is.
			fmt.Fprintln(r.w, sc.Text())
			continue
		}
		r.handle(e)
	}
	return sc.Err()
}

// framing lines are test2json's markers of which test is talking; go test
// without -v does not print them.
var framing = []string{"=== RUN ", "=== PAUSE ", "=== CONT ", "=== NAME "}

// handle takes one event.
func (r *report) handle(e event) {
	switch e.Action {
	case "build-output":
		fmt.Fprint(r.w, e.Output)
		return
	case "build-fail":
		r.failed = true
		return
	}
	p := r.pkgs[e.Package]
	if p == nil {
		p = &pkgOutput{failed: map[string]bool{}}
		r.pkgs[e.Package] = p
	}
	switch {
	case e.Action == "output" && e.Test == "":
		p.own = append(p.own, e.Output)
	case e.Action == "output":
		for _, f := range framing {
			if strings.HasPrefix(e.Output, f) {
				return
			}
		}
		p.lines = append(p.lines, line{e.Test, e.Output})
	case e.Action == "fail" && e.Test != "":
		p.failed[e.Test] = true
	case e.Action == "skip" && e.Test != "":
		for _, l := range p.lines {
			if l.test != e.Test {
				continue
			}
			if _, why, ok := strings.Cut(l.text, testfixtures.Marker); ok {
				r.skips = append(r.skips, skip{r.short(e.Package), e.Test, strings.TrimSpace(why)})
				break
			}
		}
	case (e.Action == "pass" || e.Action == "fail" || e.Action == "skip") && e.Test == "":
		r.endPackage(e.Package, p, e.Action == "fail")
	}
}

// endPackage prints what go test prints for a package: the output of its failed
// tests, then its own lines (its summary) but the bare "PASS".
func (r *report) endPackage(name string, p *pkgOutput, failed bool) {
	if failed {
		r.failed = true
		for _, l := range p.lines {
			if p.failed[l.test] {
				fmt.Fprint(r.w, l.text)
			}
		}
	}
	for _, s := range p.own {
		if s != "PASS\n" {
			fmt.Fprint(r.w, s)
		}
	}
	delete(r.pkgs, name)
}

// short is a package path without the module's prefix.
func (r *report) short(pkg string) string {
	if r.module != "" {
		if rest, ok := strings.CutPrefix(pkg, r.module+"/"); ok {
			return rest
		}
	}
	return pkg
}

// printSkips prints one line naming every test skipped for want of a fixture,
// grouped by why, then by package; nothing when there is none.
func (r *report) printSkips() {
	if len(r.skips) == 0 {
		return
	}
	var whys []string
	byWhy := map[string]map[string][]string{} // why -> package -> tests
	for _, s := range r.skips {
		if byWhy[s.why] == nil {
			byWhy[s.why] = map[string][]string{}
			whys = append(whys, s.why)
		}
		byWhy[s.why][s.pkg] = append(byWhy[s.why][s.pkg], s.test)
	}
	var groups []string
	for _, why := range whys {
		var pkgs []string
		for pkg, tests := range byWhy[why] {
			sort.Strings(tests)
			pkgs = append(pkgs, pkg+" "+strings.Join(tests, ", "))
		}
		sort.Strings(pkgs)
		groups = append(groups, strings.Join(pkgs, "; ")+": "+why)
	}
	fmt.Fprintf(r.w, "skipped %d fixture test(s): %s\n", len(r.skips), strings.Join(groups, "; and "))
}
