package runner

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/tetratelabs/wazero/api"
)

// The types api.ValueTypeName calls "unknown": wazero's api names only the four
// number types and externref, but a function definition reports these too (the
// low byte of the type's encoding in the binary format).
const (
	valueTypeV128    api.ValueType = 0x7b
	valueTypeFuncref api.ValueType = 0x70
)

// valueTypeName names t as the WebAssembly text format does.
func valueTypeName(t api.ValueType) string {
	switch t {
	case valueTypeV128:
		return "v128"
	case valueTypeFuncref:
		return "funcref"
	}
	return api.ValueTypeName(t)
}

// parseParams parses the user's arguments as the parameters of the export name.
//
// Integers are read as wasmtime and Wasmer read them, as signed numbers: an i32
// is -2147483648 to 2147483647 and an i64 -9223372036854775808 to
// 9223372036854775807. Go's base prefixes are accepted (0x10, 0o20, 0b1000, and
// _ between digits), but the value must fit the signed range in every base, so
// 0xffffffff is refused for an i32 (write -1): no value is silently wrapped. Floats
// are anything strconv.ParseFloat reads (1.5, -2e-3, 0x1p-2, inf, nan), and must
// fit the type (1e39 is not an f32). Parameters of any other type (v128, funcref,
// externref) cannot be written on a command line and are refused up front.
func parseParams(name string, types []api.ValueType, args []string) ([]uint64, error) {
	for i, t := range types {
		switch t {
		case api.ValueTypeI32, api.ValueTypeI64, api.ValueTypeF32, api.ValueTypeF64:
		default:
			return nil, fmt.Errorf("--invoke %s: parameter %d has type %s: %s parameters are not supported (only i32, i64, f32 and f64)",
				name, i+1, valueTypeName(t), valueTypeName(t))
		}
	}
	if len(args) != len(types) {
		return nil, fmt.Errorf("--invoke %s: the function takes %d arguments, %d given", name, len(types), len(args))
	}
	params := make([]uint64, len(types))
	for i, t := range types {
		v, err := parseValue(t, args[i])
		if err != nil {
			return nil, fmt.Errorf("--invoke %s: argument %d: %q %w", name, i+1, args[i], err)
		}
		params[i] = v
	}
	return params, nil
}

// parseValue parses s as a value of type t, in the encoding api.Function.Call
// takes. Its errors complete a sentence that starts with the quoted argument:
// "is not i32 (a whole number)".
func parseValue(t api.ValueType, s string) (uint64, error) {
	switch t {
	case api.ValueTypeI32:
		v, err := strconv.ParseInt(s, 0, 32)
		if err != nil {
			return 0, numberError(err, "i32", "a whole number", strconv.Itoa(math.MinInt32), strconv.Itoa(math.MaxInt32))
		}
		return api.EncodeI32(int32(v)), nil
	case api.ValueTypeI64:
		v, err := strconv.ParseInt(s, 0, 64)
		if err != nil {
			return 0, numberError(err, "i64", "a whole number", strconv.Itoa(math.MinInt64), strconv.Itoa(math.MaxInt64))
		}
		return api.EncodeI64(v), nil
	case api.ValueTypeF32:
		v, err := strconv.ParseFloat(s, 32)
		if err != nil {
			max := strconv.FormatFloat(math.MaxFloat32, 'g', -1, 32)
			return 0, numberError(err, "f32", "a number", "-"+max, max)
		}
		return api.EncodeF32(float32(v)), nil
	case api.ValueTypeF64:
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			max := strconv.FormatFloat(math.MaxFloat64, 'g', -1, 64)
			return 0, numberError(err, "f64", "a number", "-"+max, max)
		}
		return api.EncodeF64(v), nil
	}
	return 0, fmt.Errorf("cannot be passed: %s parameters are not supported", valueTypeName(t))
}

// numberError turns a strconv error into the end of a sentence about the
// argument: out of the type's range (min to max), or not a number at all.
func numberError(err error, typ, what, min, max string) error {
	if errors.Is(err, strconv.ErrRange) {
		return fmt.Errorf("is out of range for %s (%s to %s)", typ, min, max)
	}
	return fmt.Errorf("is not %s (%s)", typ, what)
}

// formatValue prints a result as the user reads it: integers signed, floats in
// the shortest form that parses back to the same value.
func formatValue(t api.ValueType, v uint64) string {
	switch t {
	case api.ValueTypeI32:
		return strconv.FormatInt(int64(int32(v)), 10)
	case api.ValueTypeI64:
		return strconv.FormatInt(int64(v), 10)
	case api.ValueTypeF32:
		return strconv.FormatFloat(float64(math.Float32frombits(uint32(v))), 'g', -1, 32)
	case api.ValueTypeF64:
		return strconv.FormatFloat(math.Float64frombits(v), 'g', -1, 64)
	}
	return fmt.Sprintf("%#x", v)
}

// formatResults prints the results of a call, one string per result type. wazero
// returns a v128 in two slots (low half, then high half), which come out as one
// 128-bit hexadecimal number; every other type takes one slot (formatValue).
// Slots missing from results print as "?" rather than panic.
func formatResults(types []api.ValueType, results []uint64) []string {
	out := make([]string, 0, len(types))
	slot := func() (uint64, bool) {
		if len(results) == 0 {
			return 0, false
		}
		v := results[0]
		results = results[1:]
		return v, true
	}
	for _, t := range types {
		lo, ok := slot()
		if !ok {
			out = append(out, "?")
			continue
		}
		if t != valueTypeV128 {
			out = append(out, formatValue(t, lo))
			continue
		}
		hi, ok := slot()
		if !ok {
			out = append(out, "?")
			continue
		}
		out = append(out, fmt.Sprintf("0x%016x%016x", hi, lo))
	}
	return out
}
