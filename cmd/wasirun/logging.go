package main

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

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

// logTimeFormat is how a log entry's "time" field is written: RFC 3339 with
// milliseconds and the local offset (2026-05-01T12:34:56.789+02:00). zerolog's
// own Timestamp writes whole seconds (its global TimeFieldFormat), which left the
// console's milliseconds always ".000".
const logTimeFormat = "2006-01-02T15:04:05.000Z07:00"

// consoleTimeFormat is how the console format shows that time.
const consoleTimeFormat = "15:04:05.000"

// durationsWithUnits makes zerolog write every Dur field as a string with its
// unit ("took":"12.345678ms"), as time.Duration's String does, instead of a bare
// number of milliseconds. zerolog keeps this choice in a package variable with no
// per-logger counterpart; it is set once, before wasirun's first logger exists,
// and never changed again, so that call sites write Dur("took", d) and nothing
// else.
var durationsWithUnits sync.Once

// newLogger returns a logger that writes to w at the given level, in the given
// format: "console" (human-readable, coloured only when tty is true) or "json" (one
// object per line). Entries carry the time with milliseconds; durations carry
// their unit. Apart from the duration format (durationsWithUnits) it touches no
// zerolog global.
func newLogger(w io.Writer, tty bool, level, format string) (zerolog.Logger, error) {
	return newLoggerAt(w, tty, level, format, time.Now)
}

// newLoggerAt is newLogger with the clock that stamps each entry.
func newLoggerAt(w io.Writer, tty bool, level, format string, now func() time.Time) (zerolog.Logger, error) {
	lvl, ok := parseLogLevel(level)
	if !ok {
		return zerolog.Nop(), fmt.Errorf("unknown log level %q (want one of %s)", level, strings.Join(logLevelNames(), ", "))
	}
	switch format {
	case "console":
		w = zerolog.ConsoleWriter{Out: w, NoColor: !tty, FormatTimestamp: consoleTimestamp(tty)}
	case "json":
	default:
		return zerolog.Nop(), fmt.Errorf("unknown log format %q (want one of %s)", format, strings.Join(logFormatNames(), ", "))
	}
	durationsWithUnits.Do(func() { zerolog.DurationFieldFormat = zerolog.DurationFormatString })
	return zerolog.New(w).Level(lvl).Hook(timestampHook(now)), nil
}

// timestampHook adds the "time" field to every entry, in logTimeFormat.
type timestampHook func() time.Time

// Run adds the field.
func (now timestampHook) Run(e *zerolog.Event, _ zerolog.Level, _ string) {
	e.Str(zerolog.TimestampFieldName, now().Format(logTimeFormat))
}

// consoleTimestamp shows an entry's time (a string in logTimeFormat) as
// consoleTimeFormat, in the offset it was written with, dark grey on a terminal
// as zerolog's own console does. A value that does not parse is shown as it is.
func consoleTimestamp(color bool) zerolog.Formatter {
	return func(v any) string {
		s := fmt.Sprint(v)
		if t, err := time.Parse(logTimeFormat, s); err == nil {
			s = t.Format(consoleTimeFormat)
		}
		if color {
			s = "\x1b[90m" + s + "\x1b[0m"
		}
		return s
	}
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
