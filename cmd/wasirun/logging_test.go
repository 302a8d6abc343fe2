package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestNewLogger(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, level, format string
		tty                 bool
		wantDebug           bool // a debug message is written
		wantJSON            bool
		wantColor           bool
	}{
		{name: "console warn", level: "warn", format: "console"},
		{name: "console debug", level: "debug", format: "console", wantDebug: true},
		{name: "console on a terminal", level: "trace", format: "console", tty: true, wantDebug: true, wantColor: true},
		{name: "json debug", level: "debug", format: "json", wantDebug: true, wantJSON: true},
		{name: "json on a terminal is still plain", level: "debug", format: "json", tty: true, wantDebug: true, wantJSON: true},
		{name: "json error", level: "error", format: "json"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger, err := newLogger(&buf, tt.tty, tt.level, tt.format)
			if err != nil {
				t.Fatal(err)
			}
			logger.Debug().Str("k", "v").Msg("hello")
			out := buf.String()
			if got := strings.Contains(out, "hello"); got != tt.wantDebug {
				t.Fatalf("debug message written = %v, want %v: %q", got, tt.wantDebug, out)
			}
			if !tt.wantDebug {
				return
			}
			if got := json.Valid(bytes.TrimSpace(buf.Bytes())); got != tt.wantJSON {
				t.Errorf("JSON = %v, want %v: %q", got, tt.wantJSON, out)
			}
			if got := strings.Contains(out, "\x1b["); got != tt.wantColor {
				t.Errorf("colour = %v, want %v: %q", got, tt.wantColor, out)
			}
		})
	}
}

func TestNewLoggerRejects(t *testing.T) {
	t.Parallel()
	if _, err := newLogger(&bytes.Buffer{}, false, "loud", "console"); err == nil ||
		err.Error() != `unknown log level "loud" (want one of trace, debug, info, warn, error)` {
		t.Errorf("level: got %v", err)
	}
	if _, err := newLogger(&bytes.Buffer{}, false, "warn", "xml"); err == nil ||
		err.Error() != `unknown log format "xml" (want one of console, json)` {
		t.Errorf("format: got %v", err)
	}
}

func TestEnumValue(t *testing.T) {
	t.Parallel()
	var s string
	v := newEnumValue(&s, "warn", "level", logLevelNames())
	if s != "warn" || v.String() != "warn" || v.Type() != "level" {
		t.Fatalf("initial: %q %q %q", s, v.String(), v.Type())
	}
	if err := v.Set("DeBuG"); err != nil || s != "debug" {
		t.Errorf("Set(DeBuG): %v, value %q", err, s)
	}
	if err := v.Set("loud"); err == nil || s != "debug" {
		t.Errorf("Set(loud): %v, value %q; want an error and the value kept", err, s)
	}
}

// TestLogsReachStderrAsJSON runs a command with --log-format json --log-level debug
// and checks that the logger from the context writes JSON lines to stderr only.
func TestLogsReachStderrAsJSON(t *testing.T) {
	t.Parallel()
	stdout, stderr, code := runTest(t, hermeticEnv(t), nil, "--log-format", "json", "--log-level", "debug", "version")
	if code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, stderr)
	}
	if !strings.HasPrefix(stdout, "wasirun ") {
		t.Errorf("stdout %q", stdout)
	}
	var entry struct {
		Level, Message, Command string
	}
	line, _, _ := strings.Cut(stderr, "\n")
	if err := json.Unmarshal([]byte(line), &entry); err != nil {
		t.Fatalf("stderr is not JSON lines: %v: %q", err, stderr)
	}
	if entry.Level != "debug" || entry.Message != "starting" || entry.Command != "wasirun version" {
		t.Errorf("log entry %+v", entry)
	}
}

// TestLogFormats holds both formats to their exact text: the time with real
// milliseconds (not ".000"), durations with their unit.
func TestLogFormats(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 5, 1, 12, 34, 56, 789_000_000, time.FixedZone("", 2*60*60))
	now := func() time.Time { return at }
	tests := []struct {
		name, format string
		tty          bool
		want         string
	}{
		{"json", "json", false,
			`{"level":"debug","k":"v","took":"12.345678ms","n":3,"time":"2026-05-01T12:34:56.789+02:00","message":"compiled"}` + "\n"},
		{"console", "console", false, "12:34:56.789 DBG compiled k=v n=3 took=12.345678ms\n"},
		{"console on a terminal", "console", true,
			"\x1b[90m12:34:56.789\x1b[0m DBG compiled \x1b[36mk=\x1b[0mv \x1b[36mn=\x1b[0m3 \x1b[36mtook=\x1b[0m12.345678ms\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logger, err := newLoggerAt(&buf, tt.tty, "debug", tt.format, now)
			if err != nil {
				t.Fatal(err)
			}
			logger.Debug().Str("k", "v").Dur("took", 12345678*time.Nanosecond).Int("n", 3).Msg("compiled")
			if got := buf.String(); got != tt.want {
				t.Errorf("got:\n%q\nwant:\n%q", got, tt.want)
			}
		})
	}
}

// TestLogTimeIsNow: without an injected clock the time is the wall clock's, to
// the millisecond, in the local offset.
func TestLogTimeIsNow(t *testing.T) {
	t.Parallel()
	var buf bytes.Buffer
	logger, err := newLogger(&buf, false, "info", "json")
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().Truncate(time.Millisecond)
	logger.Info().Msg("x")
	after := time.Now()
	var entry struct{ Time string }
	if err := json.Unmarshal(buf.Bytes(), &entry); err != nil {
		t.Fatal(err)
	}
	got, err := time.Parse(logTimeFormat, entry.Time)
	if err != nil {
		t.Fatalf("time %q: %v", entry.Time, err)
	}
	if got.Before(before) || got.After(after) {
		t.Errorf("time %s not between %s and %s", got, before, after)
	}
	if _, off := got.Zone(); off != func() int { _, o := after.Zone(); return o }() {
		t.Errorf("time %q is not in the local offset", entry.Time)
	}
}

func TestConsoleTimestampOfAnUnknownForm(t *testing.T) {
	t.Parallel()
	if got := consoleTimestamp(false)("yesterday"); got != "yesterday" {
		t.Errorf("got %q", got)
	}
}
