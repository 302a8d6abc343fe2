package main

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"
)

// Configuration follows carolynvs/stingoftheviper: every flag of the running
// command, its own and inherited, may also be given as an environment variable
// (WASIRUN_ + the flag name in upper case with '-' as '_': --cache-dir is
// WASIRUN_CACHE_DIR) or as a flat key in the TOML config file (cache-dir = "...").
// A value fills a flag only when the user did not set it on the command line, so
// the precedence is flag > environment > config file > default. A new command
// needs nothing to take part: its flags are filled when it runs.
//
// The environment is the one given to run (factory.Getenv), never os.Getenv.
//
// Every value written as one string — an environment variable, or a string in
// the config file — is read by one rule per kind of flag:
//
//   - a list flag (--env, --volume, --mapdir, --dir) takes one line of
//     comma-separated values, read by encoding/csv as pflag's StringSlice reads
//     its values: WASIRUN_VOLUME=./a:/a,./b:/b. An item that holds a comma or
//     begins with a double quote is written in double quotes, a double quote
//     inside them doubled: WASIRUN_ENV='A=1,"LIST=x,y",B=2'. Spaces before an
//     item are dropped, other spaces kept; an empty item is an error; an empty
//     string is an empty list. In the config file an array lists the items with no quoting at all
//     (env = ["LIST=x,y", "B=2"]). On the command line every use of a list flag
//     is one item, commas and all.
//   - a boolean flag takes true or false, 1 or 0, t or f, yes or no, on or off,
//     in any case (WASIRUN_FORWARD_ENV=yes); in the config file also a TOML
//     boolean.
//   - any other flag takes what the flag takes on the command line.
//
// The separator is a comma rather than the path-list separator (":" on Unix,
// which every --volume value holds) or a newline (which no shell or CI file
// writes comfortably); quoting covers the rare value with a comma in it.
//
// The values go through a viper instance made for each run (newViper): the
// config file is its config layer, read with ReadConfig from the file's bytes, and
// each WASIRUN_ variable of a flag is put in with Set, which viper ranks above the
// config file. viper is not left to read the environment itself (AutomaticEnv,
// BindEnv): it would call os.LookupEnv, and the environment is the one given to
// run. SetEnvPrefix and SetEnvKeyReplacer are given envPrefix and envKeyReplacer,
// which envKey uses too, so that viper would name a variable as wasirun does; they
// change nothing while viper reads no variable itself.
//
// What viper costs (issue 10): its package initialisers and those of what it
// brings in run at every start, about 0.5 ms on the project's 2-core machine
// (GODEBUG=inittrace=1, mean of 200 starts): afero's net/http and crypto/tls
// (0.21 ms), gotenv's regular expressions (0.16 ms), YAML (0.08 ms), cast's
// html/template (0.05 ms). viper imports them whatever the config type, and no
// build tag of v1.21.0 leaves them out. The binary grows by 2.3 MB. A run's
// viper instance (the file read, the variables set, the flags filled) costs
// 10-15 µs.

// envPrefix starts every environment variable wasirun reads for a flag, followed
// by '_' (viper's SetEnvPrefix adds it).
const envPrefix = "WASIRUN"

// configEnv names the config file when --config is not given.
const configEnv = envPrefix + "_CONFIG"

// envKeyReplacer turns a flag name into the rest of its variable's name.
var envKeyReplacer = strings.NewReplacer("-", "_")

// envKey returns the environment variable for a flag: cache-dir -> WASIRUN_CACHE_DIR.
func envKey(flagName string) string {
	return strings.ToUpper(envPrefix + "_" + envKeyReplacer.Replace(flagName))
}

// newViper returns the viper instance of one run, empty: no config file, no
// environment.
func newViper() *viper.Viper {
	v := viper.New()
	v.SetEnvPrefix(envPrefix)
	v.SetEnvKeyReplacer(envKeyReplacer)
	v.SetConfigType("toml")
	return v
}

// notConfigurable reports whether a flag is left alone by the environment and the
// config file: --help and --version (which act before any configuration is
// read), --config itself (which WASIRUN_CONFIG replaces), and the other spellings
// of a flag (aliasVar), which would set the same flag twice.
func notConfigurable(fl *pflag.Flag) bool {
	switch fl.Name {
	case "help", "config", "version":
		return true
	}
	_, alias := fl.Annotations[aliasAnnotation]
	return alias
}

// defaultConfigPath returns $XDG_CONFIG_HOME/wasirun/config.toml, else
// $HOME/.config/wasirun/config.toml (%USERPROFILE% on Windows when HOME is unset),
// or "" when neither directory is known.
func defaultConfigPath(getenv func(string) string) string {
	// The XDG base directory spec says a relative XDG_CONFIG_HOME is invalid and is
	// to be ignored.
	if dir := getenv("XDG_CONFIG_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "wasirun", "config.toml")
	}
	home := getenv("HOME")
	if home == "" && runtime.GOOS == "windows" {
		home = getenv("USERPROFILE")
	}
	if home == "" {
		return ""
	}
	return filepath.Join(home, ".config", "wasirun", "config.toml")
}

// configPath returns the config file to read and whether the user named it: the
// --config flag, else WASIRUN_CONFIG, else the default location. A named file must
// exist; the default one may be missing. An empty name (--config "") means no file.
func configPath(cmd *cobra.Command, flagValue string, getenv func(string) string) (path string, explicit bool) {
	if cmd.Flags().Changed("config") {
		return flagValue, true
	}
	if p := getenv(configEnv); p != "" {
		return p, true
	}
	return defaultConfigPath(getenv), false
}

// loadConfig reads the TOML config file at path into v. It reads nothing, and
// returns false and no error, when path is "", or when the file is missing and was
// not named explicitly. Errors are one line that names the file.
func loadConfig(v *viper.Viper, path string, explicit bool) (loaded bool, err error) {
	if path == "" {
		return false, nil
	}
	// viper's own ReadInConfig would look the file up through afero and name it
	// in no error; reading it here keeps the messages of a missing file, a
	// directory and a malformed file ours.
	data, err := os.ReadFile(path)
	if err != nil {
		if !explicit && errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		var pathErr *fs.PathError
		if errors.As(err, &pathErr) {
			err = pathErr.Err // the path is in our own prefix
		}
		return false, fmt.Errorf("config file %s: %w", path, err)
	}
	if err := v.ReadConfig(bytes.NewReader(data)); err != nil {
		var decodeErr *toml.DecodeError
		if errors.As(err, &decodeErr) {
			row, _ := decodeErr.Position()
			return false, fmt.Errorf("config file %s: line %d: %s", path, row, oneLine(decodeErr.Error()))
		}
		var parseErr viper.ConfigParseError // "While parsing config: ..."
		if errors.As(err, &parseErr) && parseErr.Unwrap() != nil {
			err = parseErr.Unwrap()
		}
		return false, fmt.Errorf("config file %s: %w", path, err)
	}
	return true, nil
}

// checkConfigKeys returns an error naming every key of the config file that is not
// the name of a flag of some command under root, so that a typo does not go
// unnoticed. A key may belong to another command than the one running: one file
// serves them all.
//
// v holds the config file and nothing else yet: its keys are the file's, those of
// a nested table as "table.key" (an empty table has none).
func checkConfigKeys(v *viper.Viper, root *cobra.Command) error {
	known := map[string]bool{}
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		add := func(fl *pflag.Flag) {
			if !notConfigurable(fl) {
				known[strings.ToLower(fl.Name)] = true
			}
		}
		c.Flags().VisitAll(add)
		c.PersistentFlags().VisitAll(add)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	var unknown []string
	for _, k := range v.AllKeys() { // nested tables come out as "table.key": also unknown
		if !known[k] {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	slices.Sort(unknown)
	switch len(unknown) {
	case 0:
		return nil
	case 1:
		return fmt.Errorf("unknown key %s", unknown[0])
	default:
		return fmt.Errorf("unknown keys %s", strings.Join(unknown, ", "))
	}
}

// setEnv puts into v, with Set, the value of every configurable flag of flags
// that the environment (getenv) holds, and returns the names of those flags. An
// empty variable counts as unset.
func setEnv(v *viper.Viper, flags *pflag.FlagSet, getenv func(string) string) (fromEnv map[string]bool) {
	flags.VisitAll(func(fl *pflag.Flag) {
		if fl.Changed || notConfigurable(fl) {
			return
		}
		if val := getenv(envKey(fl.Name)); val != "" {
			if fromEnv == nil {
				fromEnv = map[string]bool{}
			}
			v.Set(fl.Name, val)
			fromEnv[fl.Name] = true
		}
	})
	return fromEnv
}

// fillFlags sets every flag of flags that the user did not set on the command line
// from v: the environment's value (the flags named in fromEnv) or, failing that,
// the config file's (path names it in errors). flags is a command's Flags() after
// parsing, which holds its inherited flags too.
//
// When lenient is set, a value of the config file that a flag refuses is skipped
// instead of stopping everything: the flag keeps its default, and the first such
// error comes back as skipped. A value from the environment is never skipped.
func fillFlags(flags *pflag.FlagSet, v *viper.Viper, fromEnv map[string]bool, path string, lenient bool) (skipped, err error) {
	flags.VisitAll(func(fl *pflag.Flag) { // sorted by name: the first error is always the same
		if err != nil || fl.Changed || notConfigurable(fl) || !v.IsSet(fl.Name) {
			return
		}
		val := v.Get(fl.Name)
		if fromEnv[fl.Name] {
			if e := setFlag(flags, fl, fmt.Sprint(val)); e != nil {
				err = fmt.Errorf("%s: %w", envKey(fl.Name), e)
			}
			return
		}
		if e := setFlagFromConfig(flags, fl, val); e != nil {
			e = fmt.Errorf("config file %s: %s: %w", path, fl.Name, e)
			switch {
			case !lenient:
				err = e
			case skipped == nil:
				skipped = e
			}
		}
	})
	return skipped, err
}

// setFlag sets fl from one string, from the environment or the config file: a
// list flag splits it (splitList), a boolean flag reads it with parseBool, any
// other flag parses it as it parses a command-line value.
func setFlag(flags *pflag.FlagSet, fl *pflag.Flag, val string) error {
	if list, ok := fl.Value.(pflag.SliceValue); ok {
		items, err := splitList(val)
		if err != nil {
			return fmt.Errorf("invalid value %q: %w", val, err)
		}
		return replaceList(fl, list, items)
	}
	if fl.Value.Type() == "bool" {
		b, ok := parseBool(val)
		if !ok {
			return fmt.Errorf("invalid value %q: want true or false (or 1/0, t/f, yes/no, on/off)", val)
		}
		val = strconv.FormatBool(b)
	}
	if err := flags.Set(fl.Name, val); err != nil {
		var invalid *pflag.InvalidValueError
		if errors.As(err, &invalid) {
			return fmt.Errorf("invalid value %q: %w", invalid.GetValue(), invalid.Unwrap())
		}
		return err
	}
	return nil
}

// replaceList sets a list flag to items and marks it set.
func replaceList(fl *pflag.Flag, list pflag.SliceValue, items []string) error {
	if err := list.Replace(items); err != nil {
		return fmt.Errorf("invalid value %q: %w", items, err)
	}
	fl.Changed = true
	return nil
}

// setFlagFromConfig sets fl from a decoded TOML value: an array for a list flag
// (volume = ["a:/a", "b:/b"]), or a string, number or boolean for any flag
// (setFlag reads it as the environment's string).
func setFlagFromConfig(flags *pflag.FlagSet, fl *pflag.Flag, val any) error {
	switch val := val.(type) {
	case []any:
		list, ok := fl.Value.(pflag.SliceValue)
		if !ok {
			return errors.New("want a single value, not a list")
		}
		items := make([]string, len(val))
		for i, item := range val {
			switch item.(type) {
			case []any, map[string]any:
				return errors.New("want a list of values, not of lists or tables")
			}
			items[i] = fmt.Sprint(item)
		}
		return replaceList(fl, list, items)
	case map[string]any:
		return errors.New("want a value, not a table")
	default:
		return setFlag(flags, fl, fmt.Sprint(val))
	}
}

// parseBool reads a boolean written in the environment or the config file:
// strconv.ParseBool's forms, yes/no and on/off, in any case.
func parseBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "1", "t", "true", "yes", "on":
		return true, true
	case "0", "f", "false", "no", "off":
		return false, true
	}
	return false, false
}

// splitList splits a list written as one string (see the comment at the top of
// this file) with encoding/csv. Its errors count items from 1.
func splitList(s string) ([]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	r := csv.NewReader(strings.NewReader(s))
	r.TrimLeadingSpace = true
	items, err := r.Read()
	if err != nil {
		var pe *csv.ParseError
		if errors.As(err, &pe) {
			return nil, fmt.Errorf("column %d: %v", pe.Column, pe.Err)
		}
		return nil, err
	}
	if _, err := r.Read(); err != io.EOF {
		return nil, errors.New("a line break ends the list (give the items on one line)")
	}
	for i, item := range items {
		if strings.TrimSpace(item) == "" {
			return nil, fmt.Errorf("item %d is empty", i+1)
		}
	}
	return items, nil
}
