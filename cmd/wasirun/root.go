package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// rootOptions hold the persistent flags that every command inherits.
type rootOptions struct {
	// ConfigFile is --config: the TOML config file.
	ConfigFile string
	// LogLevel is --log-level: trace, debug, info, warn or error.
	LogLevel string
	// LogFormat is --log-format: console or json.
	LogFormat string
}

// newCmdRoot returns the wasirun command with every subcommand attached. It is
// built afresh for each run; nothing about it is package-level state.
//
// A new subcommand is a file cmd/wasirun/<name>.go with an XOptions struct and
// newCmdX(f *factory, runF func(*XOptions) error) *cobra.Command, added below with
// AddCommand. It gets for free: its flags filled from WASIRUN_* variables and the
// config file, the logger in cmd.Context() (zerolog.Ctx), usage errors mapped to
// exit code 125 (wrap its Args validator with usageArgs). It must not set
// PersistentPreRun(E): cobra would run it instead of the root's.
func newCmdRoot(f *factory) *cobra.Command {
	return addCompletions(newRoot(f,
		newCmdVersion(f, nil),
		newCmdInspect(f, nil),
		newCmdPackage(f),
		newCmdFs(f),
		newCmdRun(f, nil),
		newCmdCache(f, nil),
	))
}

// commandNames are the names the root's commands answer to, cobra's help and
// completion included (TestCommandNames holds it to newCmdRoot).
var commandNames = []string{"cache", "completion", "fs", "help", "inspect", "package", "run", "version"}

// newCmdRootFor returns the root command for args: when they run a package
// ("run ..." or "PKG ..." naming a file), a root holding only "run", since
// building every command's flags is a measurable part of a start; otherwise the
// whole tree.
func newCmdRootFor(f *factory, args []string) *cobra.Command {
	run := newCmdRun(f, nil)
	lean := newRoot(f, run)
	lean.CompletionOptions.DisableDefaultCmd = true // cobra would build its five commands
	if i := firstWord(lean, run, args, nil); i >= 0 {
		a := args[i]
		if a == "run" {
			return lean
		}
		if !slices.Contains(commandNames, a) && !strings.HasPrefix(a, "__complete") {
			if _, err := os.Stat(a); err == nil {
				return lean
			}
		}
	}
	return newCmdRoot(f)
}

// newRoot builds the root command over the given subcommands.
func newRoot(f *factory, subcommands ...*cobra.Command) *cobra.Command {
	opts := &rootOptions{}
	cmd := &cobra.Command{
		Use:   "wasirun",
		Short: "Run WebC/Wasmer packages and WASI modules on wazero",
		Long: `wasirun runs WebC/Wasmer packages (.webc, .wasmer, .tar.gz, a directory with
wasmer.toml) and plain WASI modules on the wazero engine.

Every flag can also be set with an environment variable, WASIRUN_ followed by the
flag name in upper case with '-' as '_' (--log-level is WASIRUN_LOG_LEVEL), or as a
key in the TOML config file (log-level = "debug"). A flag on the command line wins
over the environment, which wins over the config file.

A list flag (--env, --volume, --mapdir, --dir) written as one string takes
several values separated by commas; quote a value that holds a comma:
WASIRUN_ENV='A=1,"B=x,y"'. In the config file, an array needs no quoting:
env = ["A=1", "B=x,y"]. A boolean takes true/false, 1/0, yes/no or on/off.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.ArbitraryArgs,
		// With no arguments: help. "wasirun PKG" reaches "run" through bareRun; an
		// argument that arrives here is a mistyped command.
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return cmd.Help()
			}
			return unknownCommand(cmd, args[0])
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			return persistentPreRun(cmd, f, opts)
		},
	}
	cmd.SetIn(f.IO.In)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{err: err}
	})
	cmd.SuggestionsMinimumDistance = 2

	// --version prints what "wasirun version" prints. runWith acts on it before
	// cobra parses anything (so that no configuration is read, and no other start
	// reads the build info); cobra's own version flag would print through
	// text/template, whose reflection keeps every exported method of the binary
	// alive: 3.7 MB more and a slower start for every run.
	cmd.Flags().Bool("version", false, `print the version, as "wasirun version" does`)

	pf := cmd.PersistentFlags()
	pf.StringVar(&opts.ConfigFile, "config", "",
		"config `file` (default $XDG_CONFIG_HOME/wasirun/config.toml, else ~/.config/wasirun/config.toml)")
	pf.Var(newEnumValue(&opts.LogLevel, "warn", "level", logLevelNames()), "log-level",
		"log level: "+strings.Join(logLevelNames(), ", "))
	pf.Var(newEnumValue(&opts.LogFormat, "console", "format", logFormatNames()), "log-format",
		"log format: "+strings.Join(logFormatNames(), ", "))

	cmd.AddCommand(subcommands...)
	return cmd
}

// addCompletions declares how the shell completes the root's flags. Only the whole
// tree has them: a completion request never gets the lean root (see
// newCmdRootFor), and a run does not pay for them.
func addCompletions(root *cobra.Command) *cobra.Command {
	// Errors here mean a flag name is misspelled: a bug caught by any test.
	mustFlag(root.MarkPersistentFlagFilename("config", "toml"))
	mustFlag(root.RegisterFlagCompletionFunc("log-level",
		cobra.FixedCompletions(logLevelNames(), cobra.ShellCompDirectiveNoFileComp)))
	mustFlag(root.RegisterFlagCompletionFunc("log-format",
		cobra.FixedCompletions(logFormatNames(), cobra.ShellCompDirectiveNoFileComp)))
	return root
}

// persistentPreRun runs before every command: it fills unset flags from the
// environment and the config file (through a viper instance of its own), then puts
// the logger in the command's context.
//
// A default config file (one the user did not name with --config or
// WASIRUN_CONFIG) with a mistake in it is an error naming the file, except for
// the commands that need no configuration (needsNoConfig): they warn on stderr
// and go on without what they could not use, so that "wasirun version", help and
// shell completion keep working while the file is being fixed.
func persistentPreRun(cmd *cobra.Command, f *factory, opts *rootOptions) error {
	path, explicit := configPath(cmd, opts.ConfigFile, f.Getenv)
	lenient := !explicit && needsNoConfig(cmd)
	v := newViper()
	loaded, cfgErr := loadConfig(v, path, explicit)
	if cfgErr == nil && loaded {
		// The root of a run holds only "run" (newCmdRootFor), to which the keys
		// of other commands (json = true) are unknown: the whole tree, built only
		// then, has the last word.
		if err := checkConfigKeys(v, cmd.Root()); err != nil {
			if err = checkConfigKeys(v, newCmdRoot(f)); err != nil {
				cfgErr = fmt.Errorf("config file %s: %w", path, err)
			}
		}
	}
	if cfgErr != nil {
		if !lenient {
			return cfgErr
		}
		v, loaded = newViper(), false // go on with the environment alone
	}
	fromEnv := setEnv(v, cmd.Flags(), f.Getenv)
	skipped, err := fillFlags(cmd.Flags(), v, fromEnv, path, lenient)
	if err != nil {
		return err
	}
	if cfgErr == nil {
		cfgErr = skipped
	}

	color := f.IO.ErrTTY && f.Getenv("NO_COLOR") == "" // https://no-color.org
	logger, err := newLogger(f.IO.ErrOut, color, opts.LogLevel, opts.LogFormat)
	if err != nil {
		return err
	}
	cmd.SetContext(logger.WithContext(cmd.Context()))
	if cfgErr != nil {
		logger.Warn().Msgf("%s (%q goes on without it)", oneLine(cfgErr.Error()), cmd.CommandPath())
	}
	logger.Debug().
		Str("command", cmd.CommandPath()).
		Str("config", path).
		Bool("config_loaded", loaded).
		Msg("starting")
	return nil
}

// needsNoConfig reports whether cmd works the same without the config file:
// version, help, shell completion (the completion scripts and cobra's hidden
// __complete requests), and the bare root, which prints help.
func needsNoConfig(cmd *cobra.Command) bool {
	if !cmd.HasParent() {
		return true
	}
	for cmd.Parent().HasParent() {
		cmd = cmd.Parent()
	}
	switch cmd.Name() {
	case "version", "help", "completion", cobra.ShellCompRequestCmd, cobra.ShellCompNoDescRequestCmd:
		return true
	}
	return false
}

// bareRun turns "wasirun [flags] PKG [ARGS...]" into "wasirun run [flags] PKG
// [ARGS...]": when the first argument that is neither a flag nor a flag's value
// names no command of root, it is a package — unless it is no file and close to a
// command's name, which is a typo that gets cobra's "did you mean" instead.
func bareRun(root *cobra.Command, args []string) []string {
	run, _, err := root.Find([]string{"run"})
	if err != nil || run == root {
		return args
	}
	// cobra adds these two when it executes; they are commands too.
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	i := firstWord(root, run, args, nil)
	if i < 0 {
		return args
	}
	a := args[i]
	for _, c := range root.Commands() {
		if c.Name() == a || c.HasAlias(a) {
			return args
		}
	}
	if strings.HasPrefix(a, "__complete") { // cobra's hidden completion requests
		return args
	}
	if _, err := os.Stat(a); err != nil && len(root.SuggestionsFor(a)) > 0 {
		return args
	}
	// Tell run that the word "run" was not typed: a missing file may then have
	// been meant as a command (missingPackage).
	if run.Annotations == nil {
		run.Annotations = map[string]string{}
	}
	run.Annotations[impliedRun] = "true"
	return append([]string{"run"}, args...)
}

// firstWord walks the flags args starts with, as cobra parses root's persistent
// flags and run's (a flag's value given as the next argument is skipped), and
// returns the index of the first argument that is no flag: a command or a
// package. It returns -1 when "--" or the end comes first, or when each, called
// with every flag argument when not nil, returns false.
func firstWord(root, run *cobra.Command, args []string, each func(flag string) bool) int {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return -1
		case !strings.HasPrefix(a, "-") || a == "-":
			return i
		case each != nil && !each(a):
			return -1
		case takesValue(root, run, a):
			i++
		}
	}
	return -1
}

// takesValue reports whether the flag argument a ("--name", "-n") consumes the next
// argument as its value, among root's persistent flags and run's flags.
func takesValue(root, run *cobra.Command, a string) bool {
	if strings.Contains(a, "=") {
		return false
	}
	var f *pflag.Flag
	if name, ok := strings.CutPrefix(a, "--"); ok {
		f = run.Flags().Lookup(name)
		if f == nil {
			f = root.PersistentFlags().Lookup(name)
		}
	} else if len(a) == 2 {
		f = run.Flags().ShorthandLookup(a[1:])
		if f == nil {
			f = root.PersistentFlags().ShorthandLookup(a[1:])
		}
	}
	return f != nil && f.NoOptDefVal == ""
}

// unknownCommand is the usage error for an argument of the root command that names
// no command, with cobra's suggestions on the same line.
func unknownCommand(cmd *cobra.Command, name string) error {
	msg := fmt.Sprintf("unknown command %q for %q", name, cmd.CommandPath())
	if s := cmd.SuggestionsFor(name); len(s) > 0 {
		msg += fmt.Sprintf("; did you mean %q?", strings.Join(s, `" or "`))
	}
	return &usageError{err: errors.New(msg)}
}

// mustFlag panics on an error from declaring a flag's completion, which can only
// be a misspelled flag name in newCmdRoot.
func mustFlag(err error) {
	if err != nil {
		panic(err)
	}
}

// wantsVersion reports whether args ask the root for --version: the flag
// (--version, --version=BOOL) among the root's flags before the first word that is
// not one (a command, a package).
func wantsVersion(root *cobra.Command, args []string) bool {
	run, _, err := root.Find([]string{"run"})
	if err != nil {
		run = root
	}
	want, known := false, true
	firstWord(root, run, args, func(a string) bool {
		if v, ok := strings.CutPrefix(a, "--version"); ok && (v == "" || v[0] == '=') {
			want = v == ""
			if v != "" {
				want, _ = strconv.ParseBool(v[1:])
			}
			return true
		}
		known = rootFlag(root, a) // an unknown flag: cobra says so
		return known
	})
	return want && known
}

// rootFlag reports whether the flag argument a ("--name", "--name=v", "-n")
// names a flag of root.
func rootFlag(root *cobra.Command, a string) bool {
	if name, ok := strings.CutPrefix(a, "--"); ok {
		name, _, _ = strings.Cut(name, "=")
		return root.Flags().Lookup(name) != nil || root.PersistentFlags().Lookup(name) != nil
	}
	if len(a) < 2 {
		return false
	}
	short := a[1:2]
	return root.Flags().ShorthandLookup(short) != nil || root.PersistentFlags().ShorthandLookup(short) != nil
}
