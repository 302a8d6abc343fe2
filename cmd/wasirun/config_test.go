package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// probe returns a hook that adds a hidden "probe" command with local flags of each
// kind, which records into got the value of every flag it sees (local and
// inherited) and, under "logger", the level of the logger in its context.
func probe(got map[string]string) func(*cobra.Command) {
	return func(root *cobra.Command) {
		cmd := &cobra.Command{
			Use:    "probe",
			Hidden: true,
			Args:   usageArgs(cobra.NoArgs),
			RunE: func(cmd *cobra.Command, _ []string) error {
				cmd.Flags().VisitAll(func(fl *pflag.Flag) { got[fl.Name] = fl.Value.String() })
				got["logger"] = zerolog.Ctx(cmd.Context()).GetLevel().String()
				return nil
			},
		}
		cmd.Flags().String("cache-dir", "/default-cache", "")
		cmd.Flags().StringArray("volume", nil, "")
		cmd.Flags().Bool("verbose", false, "")
		cmd.Flags().Int("jobs", 1, "")
		root.AddCommand(cmd)
	}
}

func TestConfigPrecedence(t *testing.T) {
	t.Parallel()
	// In each case, $TMP is the test's temporary directory; XDG_CONFIG_HOME is
	// $TMP/xdg, so the default config file is $TMP/xdg/wasirun/config.toml.
	const wantLevels = "want one of trace, debug, info, warn, error"
	tests := []struct {
		name     string
		args     []string          // after "probe"
		env      []string          // added to XDG_CONFIG_HOME and HOME
		config   string            // default config file; none when empty
		explicit string            // $TMP/explicit.toml; none when empty
		want     map[string]string // flag (or "logger") -> value
		// wantErr, when set, is the whole of stderr; the exit code must be 125.
		wantErr string
	}{
		{
			name: "defaults",
			want: map[string]string{"log-level": "warn", "logger": "warn", "log-format": "console",
				"cache-dir": "/default-cache", "volume": "[]", "verbose": "false", "jobs": "1"},
		},
		{
			name:   "config file beats default",
			config: "log-level = \"info\"\ncache-dir = \"/cfg\"\njobs = 4\nverbose = true\nvolume = [\"a:/a\", \"b:/b\"]\n",
			want: map[string]string{"log-level": "info", "logger": "info", "cache-dir": "/cfg",
				"jobs": "4", "verbose": "true", "volume": "[a:/a,b:/b]"},
		},
		{
			name: "env WASIRUN_LOG_LEVEL=debug",
			env:  []string{"WASIRUN_LOG_LEVEL=debug"},
			want: map[string]string{"log-level": "debug", "logger": "debug"},
		},
		{
			name: "env of a local flag, with '-' as '_'",
			env:  []string{"WASIRUN_CACHE_DIR=/env", "WASIRUN_VOLUME=e:/e", "WASIRUN_JOBS=8", "WASIRUN_VERBOSE=1"},
			want: map[string]string{"cache-dir": "/env", "volume": "[e:/e]", "jobs": "8", "verbose": "true"},
		},
		{
			name:   "env beats config file",
			env:    []string{"WASIRUN_LOG_LEVEL=debug", "WASIRUN_CACHE_DIR=/env"},
			config: "log-level = \"info\"\ncache-dir = \"/cfg\"\n",
			want:   map[string]string{"log-level": "debug", "logger": "debug", "cache-dir": "/env"},
		},
		{
			name:   "flag beats env and config file",
			args:   []string{"--log-level=error", "--cache-dir", "/flag", "--volume", "f:/f"},
			env:    []string{"WASIRUN_LOG_LEVEL=debug", "WASIRUN_CACHE_DIR=/env", "WASIRUN_VOLUME=e:/e"},
			config: "log-level = \"info\"\ncache-dir = \"/cfg\"\nvolume = [\"c:/c\"]\n",
			want:   map[string]string{"log-level": "error", "logger": "error", "cache-dir": "/flag", "volume": "[f:/f]"},
		},
		{
			name: "flag set to its default still beats env",
			args: []string{"--log-level", "warn"},
			env:  []string{"WASIRUN_LOG_LEVEL=debug"},
			want: map[string]string{"log-level": "warn", "logger": "warn"},
		},
		{
			name:   "empty env variable counts as unset",
			env:    []string{"WASIRUN_LOG_LEVEL="},
			config: "log-level = \"info\"\n",
			want:   map[string]string{"log-level": "info"},
		},
		{
			name: "values are case-insensitive",
			env:  []string{"WASIRUN_LOG_LEVEL=DEBUG", "WASIRUN_LOG_FORMAT=Json"},
			want: map[string]string{"log-level": "debug", "log-format": "json"},
		},
		{
			name:   "key of another command is accepted",
			config: "json = true\n",
			want:   map[string]string{"log-level": "warn"},
		},
		{
			name:     "--config names the file, default file ignored",
			args:     []string{"--config", "$TMP/explicit.toml"},
			config:   "log-level = \"info\"\n",
			explicit: "log-level = \"error\"\n",
			want:     map[string]string{"log-level": "error", "config": "$TMP/explicit.toml"},
		},
		{
			name:     "WASIRUN_CONFIG names the file",
			env:      []string{"WASIRUN_CONFIG=$TMP/explicit.toml"},
			config:   "log-level = \"info\"\n",
			explicit: "log-level = \"error\"\n",
			want:     map[string]string{"log-level": "error"},
		},
		{
			name:     "--config beats WASIRUN_CONFIG",
			args:     []string{"--config=$TMP/explicit.toml"},
			env:      []string{"WASIRUN_CONFIG=$TMP/nope.toml"},
			explicit: "log-level = \"error\"\n",
			want:     map[string]string{"log-level": "error"},
		},
		{
			name:   "--config with an empty name reads no file",
			args:   []string{"--config="},
			config: "log-level = \"info\"\n",
			want:   map[string]string{"log-level": "warn"},
		},
		{
			name: "relative XDG_CONFIG_HOME is ignored for HOME/.config",
			env:  []string{"XDG_CONFIG_HOME=relative", "HOME=$TMP/home"},
			// the file is written below, at $TMP/home/.config/wasirun/config.toml
			want: map[string]string{"log-level": "trace"},
		},
		{
			name:    "missing --config file",
			args:    []string{"--config", "$TMP/nope.toml"},
			wantErr: "wasirun: config file $TMP/nope.toml: no such file or directory\n",
		},
		{
			name:    "missing WASIRUN_CONFIG file",
			env:     []string{"WASIRUN_CONFIG=$TMP/nope.toml"},
			wantErr: "wasirun: config file $TMP/nope.toml: no such file or directory\n",
		},
		{
			name:    "--config is a directory",
			args:    []string{"--config", "$TMP"},
			wantErr: "wasirun: config file $TMP: is a directory\n",
		},
		{
			name:    "malformed config file",
			config:  "log-level = \"info\"\nthis is not toml\n",
			wantErr: "wasirun: config file $TMP/xdg/wasirun/config.toml: line 2: toml: expected '=' after key\n",
		},
		{
			name:    "unknown key",
			config:  "lg-level = \"info\"\n",
			wantErr: "wasirun: config file $TMP/xdg/wasirun/config.toml: unknown key \"lg-level\"\n",
		},
		{
			name:    "unknown keys and tables",
			config:  "zz = 1\nhelp = true\n[run]\nvolume = []\n",
			wantErr: "wasirun: config file $TMP/xdg/wasirun/config.toml: unknown keys \"help\", \"run.volume\", \"zz\"\n",
		},
		{
			name:    "bad value in the config file",
			config:  "log-level = \"loud\"\n",
			wantErr: "wasirun: config file $TMP/xdg/wasirun/config.toml: log-level: invalid value \"loud\": " + wantLevels + "\n",
		},
		{
			name:    "list for a single-valued flag",
			config:  "cache-dir = [\"a\", \"b\"]\n",
			wantErr: "wasirun: config file $TMP/xdg/wasirun/config.toml: cache-dir: want a single value, not a list\n",
		},
		{
			name:    "bad value in the environment",
			env:     []string{"WASIRUN_LOG_LEVEL=loud"},
			wantErr: "wasirun: WASIRUN_LOG_LEVEL: invalid value \"loud\": " + wantLevels + "\n",
		},
		{
			name:    "bad number in the environment",
			env:     []string{"WASIRUN_JOBS=many"},
			wantErr: "wasirun: WASIRUN_JOBS: invalid value \"many\": strconv.ParseInt: parsing \"many\": invalid syntax\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tmp := t.TempDir()
			expand := func(s string) string { return strings.ReplaceAll(s, "$TMP", tmp) }
			write := func(path, content string) {
				t.Helper()
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			if tt.config != "" {
				write(filepath.Join(tmp, "xdg", "wasirun", "config.toml"), tt.config)
			}
			if tt.explicit != "" {
				write(filepath.Join(tmp, "explicit.toml"), tt.explicit)
			}
			write(filepath.Join(tmp, "home", ".config", "wasirun", "config.toml"), "log-level = \"trace\"\n")

			env := []string{"XDG_CONFIG_HOME=" + filepath.Join(tmp, "xdg"), "HOME=" + filepath.Join(tmp, "nohome")}
			for _, kv := range tt.env {
				env = append(env, expand(kv))
			}
			args := []string{"probe"}
			for _, a := range tt.args {
				args = append(args, expand(a))
			}

			got := map[string]string{}
			_, stderr, code := runTest(t, env, probe(got), args...)
			if tt.wantErr != "" {
				if code != 125 || stderr != expand(tt.wantErr) {
					t.Errorf("got code %d, stderr:\n%q\nwant 125 and:\n%q", code, stderr, expand(tt.wantErr))
				}
				return
			}
			// stderr holds debug logs in some cases, but never an error line.
			if code != 0 || strings.Contains(stderr, "wasirun:") {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			for k, want := range tt.want {
				if got[k] != expand(want) {
					t.Errorf("%s = %q, want %q", k, got[k], expand(want))
				}
			}
		})
	}
}

func TestDefaultConfigPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want string
	}{
		{"xdg", map[string]string{"XDG_CONFIG_HOME": "/xdg", "HOME": "/home/u"}, "/xdg/wasirun/config.toml"},
		{"home", map[string]string{"HOME": "/home/u"}, "/home/u/.config/wasirun/config.toml"},
		{"relative xdg", map[string]string{"XDG_CONFIG_HOME": "xdg", "HOME": "/home/u"}, "/home/u/.config/wasirun/config.toml"},
		{"nothing", map[string]string{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := defaultConfigPath(func(k string) string { return tt.env[k] })
			if got != filepath.FromSlash(tt.want) {
				t.Errorf("defaultConfigPath = %q, want %q", got, filepath.FromSlash(tt.want))
			}
		})
	}
}

func TestEnvKey(t *testing.T) {
	t.Parallel()
	for flag, want := range map[string]string{
		"log-level":        "WASIRUN_LOG_LEVEL",
		"cache-dir":        "WASIRUN_CACHE_DIR",
		"json":             "WASIRUN_JSON",
		"fs-memory-limit":  "WASIRUN_FS_MEMORY_LIMIT",
		"forward_env-mixd": "WASIRUN_FORWARD_ENV_MIXD",
	} {
		if got := envKey(flag); got != want {
			t.Errorf("envKey(%q) = %q, want %q", flag, got, want)
		}
	}
}
