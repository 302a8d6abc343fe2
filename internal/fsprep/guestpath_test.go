package fsprep

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeGuestPath(t *testing.T) {
	tests := []struct {
		in, want string
		err      string
	}{
		{in: "/", want: "/"},
		{in: ".", want: "/"},
		{in: "./", want: "/"},
		{in: "data", want: "/data"},
		{in: "data/", want: "/data"},
		{in: "/data/", want: "/data"},
		{in: "//a//b/", want: "/a/b"},
		{in: "/a/./b/.", want: "/a/b"},
		{in: "/a/b/../c", want: "/a/c"},
		{in: "a/..", want: "/"},
		{in: "/home/../python", want: "/python"},
		{in: "..", err: `guest path "..": parent traversal escapes the virtual root`},
		{in: "../../python", err: `guest path "../../python": parent traversal escapes the virtual root`},
		{in: "/a/../../b", err: `guest path "/a/../../b": parent traversal escapes the virtual root`},
		{in: "C:", err: `guest path "C:": has a platform prefix`},
		{in: `c:\data`, err: `guest path "c:\\data": has a platform prefix`},
		{in: "D:/data", err: `guest path "D:/data": has a platform prefix`},
		{in: `\\server\share`, err: `guest path "\\\\server\\share": has a platform prefix`},
		{in: "", err: `guest path "": is empty`},
		{in: "/a\x00b", err: `contains a NUL byte`},
		{in: "/with:colon", want: "/with:colon"},
	}
	for _, tt := range tests {
		got, err := NormalizeGuestPath(tt.in)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("NormalizeGuestPath(%q) = %q, %v; want error %q", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("NormalizeGuestPath(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := NormalizeGuestPath("../x"); !errors.Is(err, ErrEscapesRoot) {
		t.Errorf("escape error %v is not ErrEscapesRoot", err)
	}
}
