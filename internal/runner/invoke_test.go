package runner

import (
	"math"
	"strconv"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero/api"
)

func TestParseParams(t *testing.T) {
	i32, i64, f32, f64 := api.ValueTypeI32, api.ValueTypeI64, api.ValueTypeF32, api.ValueTypeF64
	tests := []struct {
		name    string
		types   []api.ValueType
		args    []string
		want    []uint64
		wantErr string
	}{
		{"i32 decimal", []api.ValueType{i32}, []string{"42"}, []uint64{42}, ""},
		{"i32 negative", []api.ValueType{i32}, []string{"-1"}, []uint64{0xffffffff}, ""},
		{"i32 hex", []api.ValueType{i32}, []string{"0x10"}, []uint64{16}, ""},
		{"i32 unsigned max", []api.ValueType{i32}, []string{"4294967295"}, []uint64{0xffffffff}, ""},
		{"i32 too big", []api.ValueType{i32}, []string{"4294967296"}, nil, `argument 1: "4294967296" is not i32`},
		{"i64", []api.ValueType{i64}, []string{"-2"}, []uint64{math.MaxUint64 - 1}, ""},
		{"f32", []api.ValueType{f32}, []string{"1.5"}, []uint64{uint64(math.Float32bits(1.5))}, ""},
		{"f64", []api.ValueType{f64}, []string{"-0.25"}, []uint64{math.Float64bits(-0.25)}, ""},
		{"not a number", []api.ValueType{i32, i32}, []string{"1", "two"}, nil, `argument 2: "two" is not i32`},
		{"too few", []api.ValueType{i32, i32}, []string{"1"}, nil, "takes 2 arguments, 1 given"},
		{"too many", nil, []string{"1"}, nil, "takes 0 arguments, 1 given"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseParams("f", tt.types, tt.args)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("param %d = %#x, want %#x", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestFormatValue(t *testing.T) {
	tests := []struct {
		t    api.ValueType
		v    uint64
		want string
	}{
		{api.ValueTypeI32, 0xffffffff, "-1"},
		{api.ValueTypeI32, 7, "7"},
		{api.ValueTypeI64, math.MaxUint64, "-1"},
		{api.ValueTypeF32, uint64(math.Float32bits(0.1)), "0.1"},
		{api.ValueTypeF64, math.Float64bits(2.5), "2.5"},
		{api.ValueTypeF64, math.Float64bits(math.Inf(1)), "+Inf"},
	}
	for _, tt := range tests {
		if got := formatValue(tt.t, tt.v); got != tt.want {
			t.Errorf("formatValue(%s, %#x) = %q, want %q", api.ValueTypeName(tt.t), tt.v, got, tt.want)
		}
	}
}

func TestDefaultCacheDir(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"XDG_CACHE_HOME": "/xdg", "HOME": "/home/u"}, "/xdg/wasirun"},
		{map[string]string{"XDG_CACHE_HOME": "relative", "HOME": "/home/u"}, "/home/u/.cache/wasirun"},
		{map[string]string{"HOME": "/home/u"}, "/home/u/.cache/wasirun"},
		{map[string]string{}, ""},
	}
	for _, tt := range tests {
		if got := DefaultCacheDir(func(k string) string { return tt.env[k] }); got != tt.want {
			t.Errorf("DefaultCacheDir(%v) = %q, want %q", tt.env, got, tt.want)
		}
	}
}

func TestTrapError(t *testing.T) {
	err := trapError(errorString("wasm error: unreachable\nwasm stack trace:\n\t.$0()\n\t.main()"))
	if err.Reason != "unreachable" || len(err.Stack) != 2 || err.Stack[0] != ".$0()" {
		t.Fatalf("parsed %+v", err)
	}
	want := "trap: unreachable\nwasm stack trace:\n\t.$0()\n\t.main()"
	if got := err.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }

func itoa(n int) string { return strconv.Itoa(n) }

func quote(s string) string {
	if len(s) > 400 {
		s = s[:400] + "..."
	}
	return strconv.Quote(s)
}
