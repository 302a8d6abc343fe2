package runner

import (
	"slices"
	"testing"

	"github.com/wasirun/wasirun/internal/webc"
)

// The two tests of Wasmer's runner (lib/wasix/src/runners/wasi_common.rs),
// ported: the annotation's main-args come before the user's arguments, and the
// annotation's env before the user's.
func TestMixArgsFromTheWebcAndUser(t *testing.T) {
	ann := &webc.WasiAnnotation{Atom: "some-atom", MainArgs: []string{"hard", "coded", "args"}}
	got := guestArgs("program-name", ann, []string{"extra", "args"})
	want := []string{"program-name", "hard", "coded", "args", "extra", "args"}
	if !slices.Equal(got, want) {
		t.Errorf("args = %q, want %q", got, want)
	}
}

func TestMixEnvVarsFromTheWebcAndUser(t *testing.T) {
	ann := &webc.WasiAnnotation{Atom: "some-atom", Env: []string{"HARD_CODED=env-vars"}}
	got := guestEnv(ann, nil, false, nil, []string{"EXTRA=envs"})
	want := []string{"HARD_CODED=env-vars", "EXTRA=envs"}
	if !slices.Equal(got, want) {
		t.Errorf("env = %q, want %q", got, want)
	}
}

func TestGuestArgs(t *testing.T) {
	tests := []struct {
		name string
		cmd  string
		ann  *webc.WasiAnnotation
		user []string
		want []string
	}{
		{"bare module", "hello", nil, []string{"a"}, []string{"hello", "a"}},
		{"no arguments at all", "hello", nil, nil, []string{"hello"}},
		{"exec-name wins over the command name", "cmd", &webc.WasiAnnotation{ExecName: "python3"}, []string{"-c", "1"}, []string{"python3", "-c", "1"}},
		{"main-args only", "cmd", &webc.WasiAnnotation{MainArgs: []string{"--from-package"}}, nil, []string{"cmd", "--from-package"}},
		{"user arguments are not interpreted", "cmd", nil, []string{"--", "-x", ""}, []string{"cmd", "--", "-x", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := guestArgs(tt.cmd, tt.ann, tt.user); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGuestEnv(t *testing.T) {
	host := []string{"HOME=/root", "PATH=/bin", "SHARED=host", "EMPTY=", "PWD=/work"}
	tests := []struct {
		name    string
		ann     []string
		forward bool
		extra   []string
		user    []string
		want    []string
	}{
		{"nothing", nil, false, nil, nil, []string{}},
		{"the host is not forwarded by default", nil, false, nil, []string{"A=1"}, []string{"A=1"}},
		{"K alone in the annotation is empty", []string{"FLAG"}, false, nil, nil, []string{"FLAG="}},
		{"forwarded host env comes after the annotation and wins", []string{"SHARED=pkg", "PKG=1"}, true, nil, nil,
			[]string{"SHARED=host", "PKG=1", "HOME=/root", "PATH=/bin", "EMPTY=", "PWD=/work"}},
		{"--env wins over everything, keeping the first position", []string{"SHARED=pkg"}, true, nil, []string{"SHARED=user"},
			[]string{"SHARED=user", "HOME=/root", "PATH=/bin", "EMPTY=", "PWD=/work"}},
		{"--env K copies one host variable", nil, false, nil, []string{"HOME", "EMPTY"}, []string{"HOME=/root", "EMPTY="}},
		{"--env K of a variable the host lacks is left out", nil, false, nil, []string{"NOSUCH"}, []string{}},
		{"--env K=V with = in the value", nil, false, nil, []string{"Q=a=b"}, []string{"Q=a=b"}},
		{"the runner's PWD sits between forwarded env and --env", nil, false, []string{"PWD=/home"}, []string{"PWD=/tmp"}, []string{"PWD=/tmp"}},
		{"the runner's PWD beats the host's", nil, true, []string{"PWD=/home"}, nil,
			[]string{"HOME=/root", "PATH=/bin", "SHARED=host", "EMPTY=", "PWD=/home"}},
		{"without a runner PWD the host's passes through", nil, true, nil, nil,
			[]string{"HOME=/root", "PATH=/bin", "SHARED=host", "EMPTY=", "PWD=/work"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var ann *webc.WasiAnnotation
			if tt.ann != nil {
				ann = &webc.WasiAnnotation{Env: tt.ann}
			}
			if got := guestEnv(ann, host, tt.forward, tt.extra, tt.user); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestCheckEnvEntry(t *testing.T) {
	tests := []struct {
		kv      string
		wantErr string
	}{
		{"A=1", ""},
		{"A", ""},
		{"A=", ""},
		{"A==", ""},
		{"A=x,y", ""},
		{" A=1", ""}, // odd, but a name
		{"=x", "the variable name is empty"},
		{"=", "the variable name is empty"},
		{"", "the variable name is empty"},
		{"A=\x00", "it contains a NUL byte"},
		{"A=1\x002", "it contains a NUL byte"},
		{"A\x00B=1", "it contains a NUL byte"},
		{"\x00", "it contains a NUL byte"},
	}
	for _, tt := range tests {
		err := CheckEnvEntry(tt.kv)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.wantErr {
			t.Errorf("CheckEnvEntry(%q) = %q, want %q", tt.kv, got, tt.wantErr)
		}
	}
}
