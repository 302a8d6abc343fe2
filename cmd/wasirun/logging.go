package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"
)

// logLevelNames lists the accepted --log-level values, least severe first (the
// order help and completion show).
func logLevelNames() []string { return []string{"trace", "debug", "info", "warn", "error"} }

// parseLogLevel returns zerolog's level for an accepted --log-level value.
func parseLogLevel(name string) (zerolog.Level, bool) {
	switch name {
	case "trace":
		return zerolog.TraceLevel, true
	case "debug":
		return zerolog.DebugLevel, true
	case "info":
		return zerolog.InfoLevel, true
	case "warn":
		return zerolog.WarnLevel, true
	case "error":
		return zerolog.ErrorLevel, true
	}
	return zerolog.NoLevel, false
}

// logFormatNames lists the accepted --log-format values.
func logFormatNames() []string { return []string{"console", "json"} }

// newLogger returns a logger that writes to w at the given level, in the given
// format: "console" (human-readable, coloured only when tty is true) or "json" (one
// object per line). It never touches zerolog's global state.
func newLogger(w io.Writer, tty bool, level, format string) (zerolog.Logger, error) {
	lvl, ok := parseLogLevel(level)
	if !ok {
		return zerolog.Nop(), fmt.Errorf("unknown log level %q (want one of %s)", level, strings.Join(logLevelNames(), ", "))
	}
	switch format {
	case "console":
		w = zerolog.ConsoleWriter{Out: w, NoColor: !tty, TimeFormat: "15:04:05.000"}
	case "json":
	default:
		return zerolog.Nop(), fmt.Errorf("unknown log format %q (want one of %s)", format, strings.Join(logFormatNames(), ", "))
	}
	return zerolog.New(w).Level(lvl).With().Timestamp().Logger(), nil
}

// enumValue is a flag value that accepts one of a fixed list of words, so that a
// bad --log-level is rejected when the flag is parsed (or filled from the
// environment or the config file), with the list in the message.
type enumValue struct {
	value    *string
	allowed  []string
	typeName string
}

// newEnumValue returns an enumValue that stores into p, starting at def.
func newEnumValue(p *string, def, typeName string, allowed []string) *enumValue {
	*p = def
	return &enumValue{value: p, allowed: allowed, typeName: typeName}
}

// String returns the current value.
func (e *enumValue) String() string { return *e.value }

// Set accepts s, in any case, if it is one of the allowed words.
func (e *enumValue) Set(s string) error {
	s = strings.ToLower(s)
	for _, a := range e.allowed {
		if s == a {
			*e.value = s
			return nil
		}
	}
	return fmt.Errorf("want one of %s", strings.Join(e.allowed, ", "))
}

// Type names the value in help ("--log-level level").
func (e *enumValue) Type() string { return e.typeName }
