package runner

import (
	"math"
	"slices"
	"strconv"
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
		wantErr string // the whole message
	}{
		{"i32 decimal", []api.ValueType{i32}, []string{"42"}, []uint64{42}, ""},
		{"i32 negative", []api.ValueType{i32}, []string{"-1"}, []uint64{0xffffffff}, ""},
		{"i32 hex", []api.ValueType{i32}, []string{"0x10"}, []uint64{16}, ""},
		{"i32 underscores", []api.ValueType{i32}, []string{"1_000"}, []uint64{1000}, ""},
		{"i32 max", []api.ValueType{i32}, []string{"2147483647"}, []uint64{0x7fffffff}, ""},
		{"i32 min", []api.ValueType{i32}, []string{"-2147483648"}, []uint64{0x80000000}, ""},
		{"i32 above max", []api.ValueType{i32}, []string{"2147483648"}, nil,
			`--invoke f: argument 1: "2147483648" is out of range for i32 (-2147483648 to 2147483647)`},
		{"i32 below min", []api.ValueType{i32}, []string{"-2147483649"}, nil,
			`--invoke f: argument 1: "-2147483649" is out of range for i32 (-2147483648 to 2147483647)`},
		{"i32 does not wrap", []api.ValueType{i32}, []string{"4000000000"}, nil,
			`--invoke f: argument 1: "4000000000" is out of range for i32 (-2147483648 to 2147483647)`},
		{"i32 unsigned max is refused too", []api.ValueType{i32}, []string{"4294967295"}, nil,
			`--invoke f: argument 1: "4294967295" is out of range for i32 (-2147483648 to 2147483647)`},
		{"i32 hex above max", []api.ValueType{i32}, []string{"0xffffffff"}, nil,
			`--invoke f: argument 1: "0xffffffff" is out of range for i32 (-2147483648 to 2147483647)`},
		{"i32 not a whole number", []api.ValueType{i32}, []string{"1.5"}, nil,
			`--invoke f: argument 1: "1.5" is not i32 (a whole number)`},
		{"i64", []api.ValueType{i64}, []string{"-2"}, []uint64{math.MaxUint64 - 1}, ""},
		{"i64 max", []api.ValueType{i64}, []string{"9223372036854775807"}, []uint64{math.MaxInt64}, ""},
		{"i64 min", []api.ValueType{i64}, []string{"-9223372036854775808"}, []uint64{1 << 63}, ""},
		{"i64 does not wrap", []api.ValueType{i64}, []string{"18446744073709551615"}, nil,
			`--invoke f: argument 1: "18446744073709551615" is out of range for i64 (-9223372036854775808 to 9223372036854775807)`},
		{"i64 not a number", []api.ValueType{i64}, []string{""}, nil, `--invoke f: argument 1: "" is not i64 (a whole number)`},
		{"f32", []api.ValueType{f32}, []string{"1.5"}, []uint64{uint64(math.Float32bits(1.5))}, ""},
		{"f32 inf", []api.ValueType{f32}, []string{"-inf"}, []uint64{uint64(math.Float32bits(float32(math.Inf(-1))))}, ""},
		{"f32 hex", []api.ValueType{f32}, []string{"0x1p-2"}, []uint64{uint64(math.Float32bits(0.25))}, ""},
		{"f32 out of range", []api.ValueType{f32}, []string{"1e39"}, nil,
			`--invoke f: argument 1: "1e39" is out of range for f32 (-3.4028235e+38 to 3.4028235e+38)`},
		{"f32 not a number", []api.ValueType{f32}, []string{"1.5x"}, nil, `--invoke f: argument 1: "1.5x" is not f32 (a number)`},
		{"f64", []api.ValueType{f64}, []string{"-0.25"}, []uint64{math.Float64bits(-0.25)}, ""},
		{"f64 fits what f32 does not", []api.ValueType{f64}, []string{"1e39"}, []uint64{math.Float64bits(1e39)}, ""},
		{"f64 out of range", []api.ValueType{f64}, []string{"-1e309"}, nil,
			`--invoke f: argument 1: "-1e309" is out of range for f64 (-1.7976931348623157e+308 to 1.7976931348623157e+308)`},
		{"f64 not a number", []api.ValueType{f64}, []string{"one"}, nil, `--invoke f: argument 1: "one" is not f64 (a number)`},
		{"not a number", []api.ValueType{i32, i32}, []string{"1", "two"}, nil, `--invoke f: argument 2: "two" is not i32 (a whole number)`},
		{"too few", []api.ValueType{i32, i32}, []string{"1"}, nil, "--invoke f: the function takes 2 arguments, 1 given"},
		{"too many", nil, []string{"1"}, nil, "--invoke f: the function takes 0 arguments, 1 given"},
		{"v128", []api.ValueType{i32, valueTypeV128}, []string{"1", "2"}, nil,
			"--invoke f: parameter 2 has type v128: v128 parameters are not supported (only i32, i64, f32 and f64)"},
		{"v128 is named before the count is checked", []api.ValueType{valueTypeV128}, nil, nil,
			"--invoke f: parameter 1 has type v128: v128 parameters are not supported (only i32, i64, f32 and f64)"},
		{"externref", []api.ValueType{api.ValueTypeExternref}, []string{"0"}, nil,
			"--invoke f: parameter 1 has type externref: externref parameters are not supported (only i32, i64, f32 and f64)"},
		{"funcref", []api.ValueType{valueTypeFuncref}, []string{"0"}, nil,
			"--invoke f: parameter 1 has type funcref: funcref parameters are not supported (only i32, i64, f32 and f64)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseParams("f", tt.types, tt.args)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d params, want %d", len(got), len(tt.want))
			}
			for i := range tt.want {
				if got[i] != tt.want[i] {
					t.Errorf("param %d = %#x, want %#x", i, got[i], tt.want[i])
				}
			}
		})
	}
}

func TestParamNaN(t *testing.T) {
	for _, typ := range []api.ValueType{api.ValueTypeF32, api.ValueTypeF64} {
		got, err := parseParams("f", []api.ValueType{typ}, []string{"NaN"})
		if err != nil {
			t.Fatal(err)
		}
		v := math.Float64frombits(got[0])
		if typ == api.ValueTypeF32 {
			v = float64(math.Float32frombits(uint32(got[0])))
		}
		if !math.IsNaN(v) {
			t.Errorf("%s NaN = %#x, not a NaN", api.ValueTypeName(typ), got[0])
		}
	}
}

func TestFormatResults(t *testing.T) {
	tests := []struct {
		name    string
		types   []api.ValueType
		results []uint64
		want    []string
	}{
		{"none", nil, nil, []string{}},
		{"numbers", []api.ValueType{api.ValueTypeI32, api.ValueTypeF64}, []uint64{0xffffffff, math.Float64bits(2.5)}, []string{"-1", "2.5"}},
		{"v128 takes two slots, low half first", []api.ValueType{valueTypeV128, api.ValueTypeI32},
			[]uint64{0x1122334455667788, 0x99aabbccddeeff00, 7}, []string{"0x99aabbccddeeff001122334455667788", "7"}},
		{"missing slots", []api.ValueType{api.ValueTypeI32, valueTypeV128}, []uint64{1, 2}, []string{"1", "?"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatResults(tt.types, tt.results); !slices.Equal(got, tt.want) {
				t.Errorf("got %q, want %q", got, tt.want)
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
