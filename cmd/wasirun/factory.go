package main

import (
	"strings"
)

// factory holds what every command needs from the outside world. It is built once
// per run and handed to each newCmdX constructor; commands read the environment
// through it, never through os.Getenv, so tests inject both.
type factory struct {
	// IO are the standard streams.
	IO *IOStreams
	// Env is the environment as given to run ("KEY=value" entries), for commands
	// that forward it (run --forward-env).
	Env []string
	// Build describes this binary; the version command prints it.
	Build func() buildInfo

	// env indexes Env by key.
	env map[string]string
}

// newFactory returns a factory for the given streams and environment. linkVersion
// is the version set with -ldflags -X main.version (may be empty).
func newFactory(io *IOStreams, env []string, linkVersion string) *factory {
	m := make(map[string]string, len(env))
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			continue // not a variable (Windows has "=C:=C:\dir" entries)
		}
		m[k] = v // a later entry wins, as in os/exec
	}
	return &factory{
		IO:    io,
		Env:   env,
		Build: func() buildInfo { return systemBuildInfo(linkVersion) },
		env:   m,
	}
}

// Getenv returns the value of the environment variable key, or "" when it is unset.
func (f *factory) Getenv(key string) string {
	return f.env[key]
}
