package runner

import (
	"errors"
	"strings"

	"github.com/wasirun/wasirun/internal/webc"
)

// guestArgs is the guest's argv as Wasmer builds it: argv[0] is the annotation's
// exec-name, else the command's name; then the annotation's main-args; then the
// user's arguments.
func guestArgs(cmdName string, ann *webc.WasiAnnotation, user []string) []string {
	argv0 := cmdName
	var mainArgs []string
	if ann != nil {
		if ann.ExecName != "" {
			argv0 = ann.ExecName
		}
		mainArgs = ann.MainArgs
	}
	args := make([]string, 0, 1+len(mainArgs)+len(user))
	args = append(args, argv0)
	args = append(args, mainArgs...)
	return append(args, user...)
}

// guestEnv is the guest's environment as Wasmer builds it, later entries winning
// over earlier ones of the same name: the annotation's env ("K=V", or "K" alone for
// an empty value), then the whole host environment when forward is set, then
// extra (the runner's own, such as PWD), then the user's --env entries ("K=V", or
// "K" alone to copy one host variable; a K the host does not have is left out).
// The result keeps the order in which names first appeared.
func guestEnv(ann *webc.WasiAnnotation, host []string, forward bool, extra, user []string) []string {
	var e envList
	if ann != nil {
		for _, kv := range ann.Env {
			k, v, _ := strings.Cut(kv, "=")
			e.set(k, v)
		}
	}
	if forward {
		for _, kv := range host {
			if k, v, ok := strings.Cut(kv, "="); ok && k != "" {
				e.set(k, v)
			}
		}
	}
	for _, kv := range extra {
		k, v, _ := strings.Cut(kv, "=")
		e.set(k, v)
	}
	for _, kv := range user {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			if v, ok = lookupEnv(host, k); !ok {
				continue
			}
		}
		e.set(k, v)
	}
	return e.entries()
}

// CheckEnvEntry reports why one of the user's --env entries ("K=V", or "K" alone)
// cannot name a variable: its name is empty ("=x", and "" itself), or it holds a
// NUL byte, which would cut the entry short where the guest reads it (WASI hands
// the environment over as NUL-terminated strings). It returns nil for a usable
// entry. The caller adds which flag and value it was.
func CheckEnvEntry(kv string) error {
	k, _, _ := strings.Cut(kv, "=")
	switch {
	case k == "":
		return errors.New("the variable name is empty")
	case strings.IndexByte(kv, 0) >= 0:
		return errors.New("it contains a NUL byte")
	}
	return nil
}

// envList is an ordered environment in which a later set replaces the value but
// keeps the first position.
type envList struct {
	keys   []string
	values map[string]string
}

func (e *envList) set(k, v string) {
	if e.values == nil {
		e.values = make(map[string]string)
	}
	if _, ok := e.values[k]; !ok {
		e.keys = append(e.keys, k)
	}
	e.values[k] = v
}

func (e *envList) entries() []string {
	out := make([]string, len(e.keys))
	for i, k := range e.keys {
		out[i] = k + "=" + e.values[k]
	}
	return out
}

// lookupEnv finds key in a KEY=VALUE list; the last entry wins, as in os.Getenv.
func lookupEnv(env []string, key string) (string, bool) {
	for i := len(env) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(env[i], "="); ok && k == key {
			return v, true
		}
	}
	return "", false
}
