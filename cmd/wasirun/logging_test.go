package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
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
