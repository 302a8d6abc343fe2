// Package scripts holds the repository's helper scripts; its tests check .ci/run
// and the links of the Markdown documentation.
package scripts

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// fakes are stand-ins for the commands .ci/run calls. Each logs how it was called
// to $LOG; the environment says how it behaves.
var fakes = map[string]string{
	"go": `echo "go $*" >>"$LOG"
[ "$1" = version ] && echo "go version fake"
exit 0`,
	"make": `echo "make $*" >>"$LOG"
if read -r line; then echo "stdin: $line" >>"$LOG"; fi
exit 0`,
	// Installed unless named in $MISSING; dpkg-query prints nothing for a package
	// it does not know.
	"dpkg-query": `for p; do :; done
case " $MISSING " in *" $p "*) exit 1 ;; esac
printf 'ii '`,
	"apt-get": `echo "apt-get $*" >>"$LOG"
case "$*" in *install*) if [ -n "$APT_FAIL" ]; then echo "E: Unable to locate package wabt"; exit 100; fi ;; esac
exit 0`,
	"id": `echo "${FAKE_UID:-0}"`,
	"sudo": `[ -n "$SUDO_OK" ] || exit 1
[ "$1" = -n ] && shift
echo "sudo $*" >>"$LOG"
exec "$@"`,
	"clang": `echo "clang $*" >>"$LOG"
if [ -n "$CLANG_FAIL" ]; then echo "wasm-ld: error: cannot open crt1.o" >&2; exit 1; fi
exit 0`,
	"wasm-ld":  "exit 0",
	"wat2wasm": "exit 0",
	"wasm-opt": "exit 0",
}

// realTools are the commands .ci/run runs for real.
var realTools = []string{"bash", "env", "mktemp", "cat", "rm", "mkdir", "ln", "dirname", "true"}

func TestCIRun(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip(".ci/run is a bash script")
	}
	script, err := filepath.Abs(filepath.Join("..", ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      []string
		sysroot  bool     // the sysroot exists already
		without  []string // fakes left out of PATH
		code     int
		log      []string // lines of $LOG, in order (prefixes)
		notInLog []string
		stderr   []string // substrings
		linked   bool     // .ci/run made the sysroot
	}{
		{
			name: "everything installed", sysroot: true,
			log:      []string{"go version", "clang --target=wasm32-wasi --sysroot=$SYSROOT -o", "go mod download", "make test"},
			notInLog: []string{"apt-get", "sudo", "stdin:"},
		},
		{
			name: "missing packages, as root", sysroot: true, env: []string{"MISSING=wabt binaryen"},
			log:    []string{"go version", "apt-get -qq update", "apt-get -qq install -y --no-install-recommends wabt binaryen", "clang", "make test"},
			stderr: []string{".ci/run: installing wabt binaryen\n"},
		},
		{
			name: "missing packages, through sudo", sysroot: true, env: []string{"MISSING=clang", "FAKE_UID=1000", "SUDO_OK=1"},
			log: []string{"go version", "sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq update", "apt-get -qq update",
				"sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends clang", "apt-get -qq install", "clang", "make test"},
		},
		{
			name: "missing packages, not root, no sudo", sysroot: true, env: []string{"MISSING=wabt", "FAKE_UID=1000"},
			code:     1,
			notInLog: []string{"apt-get", "make"},
			stderr:   []string{".ci/run: missing packages: wabt; install them as root: apt-get install -y wabt (not root, and sudo -n is not allowed)\n"},
		},
		{
			name: "apt-get fails", sysroot: true, env: []string{"MISSING=wabt", "APT_FAIL=1"},
			code:     1,
			notInLog: []string{"make"},
			stderr:   []string{"E: Unable to locate package wabt\n", ".ci/run: could not install wabt with apt-get (its output is above)\n"},
		},
		{
			name: "no sysroot: made from the multiarch directories",
			log:  []string{"go version", "clang", "make test"}, linked: true,
			stderr: []string{".ci/run: making $SYSROOT a WASI sysroot: links to $MULTIARCH/include/wasm32-wasi and $MULTIARCH/lib/wasm32-wasi\n"},
		},
		{
			name: "clang cannot link", sysroot: true, env: []string{"CLANG_FAIL=1"},
			code:     1,
			notInLog: []string{"make"},
			stderr: []string{"wasm-ld: error: cannot open crt1.o\n",
				".ci/run: clang cannot build a WASI program with --target=wasm32-wasi --sysroot=$SYSROOT (its output is above); on Debian: apt-get install -y clang lld wasi-libc libclang-rt-14-dev-wasm32 wabt binaryen\n"},
		},
		{
			name: "wat2wasm missing", sysroot: true, without: []string{"wat2wasm"},
			code:   1,
			stderr: []string{".ci/run: wat2wasm is not on PATH; on Debian: apt-get install -y clang lld"},
		},
		{
			name: "no go", sysroot: true, without: []string{"go"},
			code:   1,
			stderr: []string{".ci/run: go is not on PATH; install Go (see go.mod for the version)\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "bin")
			mkdirs(t, bin)
			for name, body := range fakes {
				if !contains(tt.without, name) {
					writeFile(t, filepath.Join(bin, name), "#!/bin/sh\n"+body+"\n", 0o755)
				}
			}
			for _, name := range realTools {
				p, err := exec.LookPath(name)
				if err != nil {
					t.Skipf("%s is not installed", name)
				}
				if err := os.Symlink(p, filepath.Join(bin, name)); err != nil {
					t.Fatal(err)
				}
			}
			sysroot := filepath.Join(dir, "sysroot")
			if tt.sysroot {
				writeFile(t, filepath.Join(sysroot, "lib", "wasm32-wasi", "crt1.o"), "", 0o644)
			}
			multiarch := filepath.Join(dir, "usr")
			mkdirs(t, filepath.Join(multiarch, "include", "wasm32-wasi"))
			writeFile(t, filepath.Join(multiarch, "lib", "wasm32-wasi", "crt1.o"), "", 0o644)
			logPath := filepath.Join(dir, "log")
			writeFile(t, logPath, "", 0o644)

			cmd := exec.Command(script)
			cmd.Env = append([]string{
				"PATH=" + bin, "HOME=" + dir, "LOG=" + logPath,
				"WASIRUN_CI_SYSROOT=" + sysroot, "WASIRUN_CI_MULTIARCH=" + multiarch,
			}, tt.env...)
			cmd.Stdin = strings.NewReader("input nobody should read\n")
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if exitErr, ok := err.(*exec.ExitError); ok {
				code = exitErr.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}

			expand := strings.NewReplacer("$SYSROOT", sysroot, "$MULTIARCH", multiarch).Replace
			b, err := os.ReadFile(logPath)
			if err != nil {
				t.Fatal(err)
			}
			log := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if code != tt.code {
				t.Errorf("exit status %d, want %d; stderr:\n%s", code, tt.code, stderr.String())
			}
			i := 0
			for _, want := range tt.log {
				for i < len(log) && !strings.HasPrefix(log[i], expand(want)) {
					i++
				}
				if i == len(log) {
					t.Errorf("no %q in order in the log:\n%s", expand(want), b)
					break
				}
				i++
			}
			for _, bad := range tt.notInLog {
				if strings.Contains(string(b), bad) {
					t.Errorf("the log mentions %q:\n%s", bad, b)
				}
			}
			for _, want := range tt.stderr {
				if !strings.Contains(stderr.String(), expand(want)) {
					t.Errorf("stderr lacks %q:\n%s", expand(want), stderr.String())
				}
			}
			if tt.linked {
				for _, l := range []string{"include/wasm32-wasi", "lib/wasm32-wasi"} {
					target, err := os.Readlink(filepath.Join(sysroot, l))
					if want := filepath.Join(multiarch, l); err != nil || target != want {
						t.Errorf("%s/%s -> %q, %v; want a link to %s", sysroot, l, target, err, want)
					}
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func mkdirs(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
}

func writeFile(t *testing.T, path, data string, mode os.FileMode) {
	t.Helper()
	mkdirs(t, filepath.Dir(path))
	if err := os.WriteFile(path, []byte(data), mode); err != nil {
		t.Fatal(err)
	}
}
