package testguest

import (
	"bytes"
	"testing"
)

func TestLEB128(t *testing.T) {
	for _, tc := range []struct {
		v    uint32
		want []byte
	}{
		{0, []byte{0}},
		{127, []byte{0x7f}},
		{128, []byte{0x80, 0x01}},
		{624485, []byte{0xe5, 0x8e, 0x26}},
		{1<<32 - 1, []byte{0xff, 0xff, 0xff, 0xff, 0x0f}},
	} {
		if got := appendU32(nil, tc.v); !bytes.Equal(got, tc.want) {
			t.Errorf("appendU32(%d) = % x, want % x", tc.v, got, tc.want)
		}
	}
	for _, tc := range []struct {
		v    int32
		want []byte
	}{
		{0, []byte{0}},
		{2, []byte{2}},
		{63, []byte{0x3f}},
		{64, []byte{0xc0, 0x00}},
		{-1, []byte{0x7f}},
		{-64, []byte{0x40}},
		{-65, []byte{0xbf, 0x7f}},
		{-123456, []byte{0xc0, 0xbb, 0x78}},
		{-1 << 31, []byte{0x80, 0x80, 0x80, 0x80, 0x78}},
	} {
		if got := appendS32(nil, tc.v); !bytes.Equal(got, tc.want) {
			t.Errorf("appendS32(%d) = % x, want % x", tc.v, got, tc.want)
		}
	}
}

func TestCompileBadName(t *testing.T) {
	for _, name := range []string{"", ".", "..", "../probe", "a/b", "nosuch"} {
		if path, skip, err := compile(name); err == nil && skip == "" {
			t.Errorf("compile(%q) = %q, want an error", name, path)
		}
	}
}
