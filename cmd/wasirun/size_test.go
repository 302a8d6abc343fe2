package main

import "testing"

func TestParseSize(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
		err  string
	}{
		{"1000", 1000, ""},
		{"512M", 512 << 20, ""},
		{"1MiB", 1 << 20, ""},
		{"1mib", 1 << 20, ""},
		{"64KB", 64000, ""},
		{"2G", 2 << 30, ""},
		{"3 GB", 3e9, ""},
		{"10B", 10, ""},
		{"", 0, `size "": want a number with an optional unit (512M, 1GiB)`},
		{"M", 0, `size "M": want a number`},
		{"5X", 0, `size "5X": unknown unit "X"`},
		{"-1M", 0, `size "-1M": want a number`},
		{"99999999999T", 0, `size "99999999999T" is too large`},
		{"0", 0, "must be more than 0"},
		{"0M", 0, "must be more than 0"},
		{"000 GiB", 0, "must be more than 0"},
		{"1", 1, ""},
	} {
		got, err := parseSize(tt.in)
		if tt.err != "" {
			if err == nil || len(err.Error()) < len(tt.err) || err.Error()[:len(tt.err)] != tt.err {
				t.Errorf("parseSize(%q) = %d, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d", tt.in, got, err, tt.want)
		}
	}
	if machineMemory() < 0 {
		t.Error("negative machine memory")
	}
}

// TestFsMemoryLimitZero: --fs-memory-limit 0 (and WASIRUN_FS_MEMORY_LIMIT=0) is
// refused with one line that names the flag, before any package is opened.
func TestFsMemoryLimitZero(t *testing.T) {
	t.Parallel()
	const want = "wasirun: --fs-memory-limit: must be more than 0\n"
	for _, tt := range []struct {
		name string
		env  []string
		args []string
	}{
		{"run", nil, []string{"run", "--fs-memory-limit", "0", "nosuch.wasm"}},
		{"fs ls", nil, []string{"fs", "ls", "--fs-memory-limit=0K", "nosuch.wasm"}},
		{"environment", []string{"WASIRUN_FS_MEMORY_LIMIT=0"}, []string{"run", "nosuch.wasm"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			stdout, stderr, code := runTest(t, append(hermeticEnv(t), tt.env...), nil, tt.args...)
			if code != 125 || stderr != want || stdout != "" {
				t.Errorf("code %d, stdout %q, stderr %q; want 125, nothing, %q", code, stdout, stderr, want)
			}
		})
	}
}
