package main

import (
	"os"
	"path/filepath"
	"slices"
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
			name: "a list in one variable: commas, spaces around items, quotes",
			env:  []string{`WASIRUN_VOLUME=e:/e, "f,g:/f",h:/h`},
			want: map[string]string{"volume": `[e:/e,"f,g:/f",h:/h]`},
		},
		{
			name:   "a list in one string of the config file, as in the environment",
			config: "volume = 'a:/a,\"b,c:/b\"'\n",
			want:   map[string]string{"volume": `[a:/a,"b,c:/b"]`},
		},
		{
			name:   "an array in the config file is taken item by item, commas and all",
			config: "volume = [\"a,b:/a\", \" c:/c\"]\n",
			want:   map[string]string{"volume": `["a,b:/a"," c:/c"]`},
		},
		{
			name: "booleans in words",
			env:  []string{"WASIRUN_VERBOSE=Yes"},
			want: map[string]string{"verbose": "true"},
		},
		{
			name:   "booleans in words in the config file",
			config: "verbose = \"ON\"\n",
			want:   map[string]string{"verbose": "true"},
		},
		{
			name:   "a false word beats a true config",
			env:    []string{"WASIRUN_VERBOSE=off"},
			config: "verbose = true\n",
			want:   map[string]string{"verbose": "false"},
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
			name:   "keys are case-insensitive",
			config: "Log-Level = \"info\"\nCACHE-DIR = \"/cfg\"\n",
			want:   map[string]string{"log-level": "info", "cache-dir": "/cfg"},
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
			name:    "bad boolean in the environment",
			env:     []string{"WASIRUN_VERBOSE=maybe"},
			wantErr: "wasirun: WASIRUN_VERBOSE: invalid value \"maybe\": want true or false (or 1/0, t/f, yes/no, on/off)\n",
		},
		{
			name:    "bad boolean in the config file",
			config:  "verbose = \"sometimes\"\n",
			wantErr: "wasirun: config file $TMP/xdg/wasirun/config.toml: verbose: invalid value \"sometimes\": want true or false (or 1/0, t/f, yes/no, on/off)\n",
		},
		{
			name:    "empty item in a list",
			env:     []string{"WASIRUN_VOLUME=a:/a,,b:/b"},
			wantErr: "wasirun: WASIRUN_VOLUME: invalid value \"a:/a,,b:/b\": item 2 is empty\n",
		},
		{
			name:    "unclosed quote in a list",
			env:     []string{`WASIRUN_VOLUME=a:/a,"b:/b`},
			wantErr: "wasirun: WASIRUN_VOLUME: invalid value \"a:/a,\\\"b:/b\": column 11: extraneous or missing \" in quoted-field\n",
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

// TestConfigIgnoresProcessEnvironment: the WASIRUN_ variables come from the
// environment given to run, never from the process's: viper, which would read
// os.LookupEnv if asked to (AutomaticEnv, BindEnv), is only given values. Not
// parallel: it sets the process's environment.
func TestConfigIgnoresProcessEnvironment(t *testing.T) {
	t.Setenv("WASIRUN_LOG_LEVEL", "loud")
	t.Setenv("WASIRUN_CACHE_DIR", "/process")
	t.Setenv("WASIRUN_CONFIG", filepath.Join(t.TempDir(), "nope.toml"))
	got := map[string]string{}
	_, stderr, code := runTest(t, append(hermeticEnv(t), "WASIRUN_JOBS=3"), probe(got), "probe")
	if code != 0 || stderr != "" {
		t.Fatalf("exit code %d, stderr %q; want 0 and nothing", code, stderr)
	}
	want := map[string]string{"log-level": "warn", "cache-dir": "/default-cache", "jobs": "3"}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s = %q, want %q", k, got[k], w)
		}
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

func TestSplitList(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    []string
		wantErr string
	}{
		{"", nil, ""},
		{"  ", nil, ""},
		{"a", []string{"a"}, ""},
		{"a:/a,b:/b", []string{"a:/a", "b:/b"}, ""},
		{" a , b\t", []string{"a ", "b\t"}, ""}, // as pflag's StringSlice: spaces after an item stay
		{`"PS1=$ ",b`, []string{"PS1=$ ", "b"}, ""},
		{"A=1 2,B= x", []string{"A=1 2", "B= x"}, ""},
		{`"A=x,y",B=2`, []string{"A=x,y", "B=2"}, ""},
		{`"say ""hi""",b`, []string{`say "hi"`, "b"}, ""},
		{`"a",b`, []string{"a", "b"}, ""},
		{"a,", nil, "item 2 is empty"},
		{",a", nil, "item 1 is empty"},
		{"a, ,b", nil, "item 2 is empty"},
		{`"a`, nil, `column 3: extraneous or missing " in quoted-field`},
		{`A="x"`, nil, `column 3: bare " in non-quoted-field`},
		{"a\nb,c", nil, "a line break ends the list (give the items on one line)"},
	}
	for _, tt := range tests {
		got, err := splitList(tt.in)
		if tt.wantErr != "" {
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("splitList(%q) = %q, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("splitList(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestParseBool(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"1", "t", "T", "true", "TRUE", "True", "yes", "YES", "Yes", "on", "On", "ON"} {
		if v, ok := parseBool(s); !v || !ok {
			t.Errorf("parseBool(%q) = %v, %v; want true", s, v, ok)
		}
	}
	for _, s := range []string{"0", "f", "F", "false", "FALSE", "no", "No", "off", "OFF"} {
		if v, ok := parseBool(s); v || !ok {
			t.Errorf("parseBool(%q) = %v, %v; want false", s, v, ok)
		}
	}
	for _, s := range []string{"", "2", "y", "n", "maybe", " yes", "yes "} {
		if _, ok := parseBool(s); ok {
			t.Errorf("parseBool(%q) accepted", s)
		}
	}
}

// TestRunFlagsFromEnvAndConfig fills run's real flags: several --env and --volume
// entries from one variable, a word for --forward-env, arrays in the config file.
func TestRunFlagsFromEnvAndConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    []string
		config string
		want   RunOptions // Env, ForwardEnv, NoCache and Mounts.Volumes are compared
	}{
		{"env and volume lists", []string{`WASIRUN_ENV=A=1,"LIST=x,y", B=2`, "WASIRUN_VOLUME=./a:/a,./b:/b"}, "",
			RunOptions{Env: []string{"A=1", "LIST=x,y", "B=2"}, Mounts: mountFlags{Volumes: []string{"./a:/a", "./b:/b"}}}},
		{"booleans in words", []string{"WASIRUN_FORWARD_ENV=yes", "WASIRUN_NO_CACHE=On"}, "",
			RunOptions{ForwardEnv: true, NoCache: true}},
		{"arrays in the config file", nil, "env = [\"A=1\", \"LIST=x,y\"]\nvolume = [\"./a:/a\"]\nforward-env = \"no\"\n",
			RunOptions{Env: []string{"A=1", "LIST=x,y"}, Mounts: mountFlags{Volumes: []string{"./a:/a"}}}},
		{"keys of other commands are known to a run", nil, "json = true\nverify = true\nlong = true\nno-cache = 1\n",
			RunOptions{NoCache: true}},
		{"a string in the config file is a list too", nil, "env = 'A=1,\"LIST=x,y\"'\n",
			RunOptions{Env: []string{"A=1", "LIST=x,y"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := hermeticEnv(t)
			if tt.config != "" {
				cfg := filepath.Join(t.TempDir(), "c.toml")
				if err := os.WriteFile(cfg, []byte(tt.config), 0o644); err != nil {
					t.Fatal(err)
				}
				env = append(env, "WASIRUN_CONFIG="+cfg)
			}
			var got *RunOptions
			_, stderr, code := runTest(t, append(env, tt.env...), spyOnRun(&got), "run", "pkg.wasm")
			if code != 0 || got == nil {
				t.Fatalf("exit code %d, stderr %q", code, stderr)
			}
			if !slices.Equal(got.Env, tt.want.Env) || got.ForwardEnv != tt.want.ForwardEnv || got.NoCache != tt.want.NoCache ||
				!slices.Equal(got.Mounts.Volumes, tt.want.Mounts.Volumes) {
				t.Errorf("got Env %q, ForwardEnv %v, NoCache %v, Volumes %q; want %q, %v, %v, %q",
					got.Env, got.ForwardEnv, got.NoCache, got.Mounts.Volumes,
					tt.want.Env, tt.want.ForwardEnv, tt.want.NoCache, tt.want.Mounts.Volumes)
			}
		})
	}
}

// TestBrokenDefaultConfig: a default config file with a mistake stops every
// command but those that need no configuration (version, help, completion),
// which warn and go on; a file named with --config stops them all.
func TestBrokenDefaultConfig(t *testing.T) {
	t.Parallel()
	broken := []struct {
		name, content string
		dir           bool   // config.toml is a directory
		wantErr       string // after "config file PATH: "
	}{
		{name: "syntax", content: "this is not toml\n", wantErr: "line 1: toml: expected '=' after key"},
		{name: "unknown key", content: "lg-level = \"info\"\n", wantErr: `unknown key "lg-level"`},
		{name: "bad value", content: "log-level = \"loud\"\njson = true\n",
			wantErr: `log-level: invalid value "loud": want one of trace, debug, info, warn, error`},
		{name: "a directory", dir: true, wantErr: "is a directory"},
	}
	for _, b := range broken {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			xdg := t.TempDir()
			path := filepath.Join(xdg, "wasirun", "config.toml")
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if b.dir {
				if err := os.Mkdir(path, 0o755); err != nil {
					t.Fatal(err)
				}
			} else if err := os.WriteFile(path, []byte(b.content), 0o644); err != nil {
				t.Fatal(err)
			}
			env := []string{"XDG_CONFIG_HOME=" + xdg, "HOME=" + t.TempDir()}
			wantErr := "wasirun: config file " + path + ": " + b.wantErr + "\n"

			for _, args := range [][]string{{"version"}, {"version", "--json"}, {"help"}, {"help", "run"}, {"completion", "bash"}, {"__complete", "ins"}, nil} {
				stdout, stderr, code := runTest(t, env, nil, args...)
				if len(args) == 0 {
					args = []string{""} // for firstWord and the __complete check; the run had no arguments
				}
				if code != 0 || stdout == "" {
					t.Errorf("%q: exit code %d, stdout %d bytes, stderr %q; want 0 and output", args, code, len(stdout), stderr)
					continue
				}
				wantWarn := " WRN config file " + path + ": " + b.wantErr + " (\"" + strings.Join(append([]string{"wasirun"}, commandWord(args)...), " ")
				warning, _, _ := strings.Cut(stderr, "\n") // __complete adds a line of its own
				if !strings.Contains(warning, wantWarn) || !strings.HasSuffix(warning, " goes on without it)") ||
					(args[0] != "__complete" && warning+"\n" != stderr) {
					t.Errorf("%q: stderr %q, want one warning containing %q", args, stderr, wantWarn)
				}
			}
			// What the file says is ignored, or only its bad value: --json is not
			// taken from a file whose log-level is bad only when the whole file was
			// unreadable.
			stdout, _, _ := runTest(t, env, nil, "version")
			if wantJSON := b.name == "bad value"; strings.HasPrefix(stdout, "{") != wantJSON {
				t.Errorf("version printed %q; JSON from the file's good keys: %v", stdout, wantJSON)
			}

			for _, args := range [][]string{{"run", "nosuch.wasm"}, {"inspect", "nosuch.webc"}, {"--config", path, "version"}} {
				stdout, stderr, code := runTest(t, env, nil, args...)
				if code != 125 || stderr != wantErr || stdout != "" {
					t.Errorf("%q: exit code %d, stdout %q, stderr %q; want 125 and %q", args, code, stdout, stderr, wantErr)
				}
			}
		})
	}
}

// commandWord is the command a command line runs: its first word, if any.
func commandWord(args []string) []string {
	if args[0] == "" {
		return nil
	}
	return args[:1]
}

// TestConfigKeysOfOtherCommandsInARun: a run builds a root holding only "run",
// yet the keys of other commands in the config file are not unknown to it.
func TestConfigKeysOfOtherCommandsInARun(t *testing.T) {
	t.Parallel()
	cfg := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(cfg, []byte("json = true\nverify = true\nrecursive = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "nosuch.wasm")
	_, stderr, code := runTest(t, append(hermeticEnv(t), "WASIRUN_CONFIG="+cfg), nil, "run", missing)
	if want := "wasirun: " + missing + ": no such file or directory\n"; code != 125 || stderr != want {
		t.Errorf("exit code %d, stderr %q; want 125, %q", code, stderr, want)
	}
	// A key no command has is still unknown.
	if err := os.WriteFile(cfg, []byte("json = true\njsn = true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = runTest(t, append(hermeticEnv(t), "WASIRUN_CONFIG="+cfg), nil, "run", missing)
	if want := "wasirun: config file " + cfg + ": unknown key \"jsn\"\n"; code != 125 || stderr != want {
		t.Errorf("exit code %d, stderr %q; want 125, %q", code, stderr, want)
	}
}
