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
