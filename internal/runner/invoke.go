package runner

import (
	"fmt"
	"math"
	"strconv"

	"github.com/tetratelabs/wazero/api"
)

// parseParams parses the user's arguments as the parameters of the export name.
func parseParams(name string, types []api.ValueType, args []string) ([]uint64, error) {
	if len(args) != len(types) {
		return nil, fmt.Errorf("--invoke %s: the function takes %d arguments, %d given", name, len(types), len(args))
	}
	params := make([]uint64, len(types))
	for i, t := range types {
		v, err := parseValue(t, args[i])
		if err != nil {
			return nil, fmt.Errorf("--invoke %s: argument %d: %q is not %s", name, i+1, args[i], api.ValueTypeName(t))
		}
		params[i] = v
	}
	return params, nil
}

// parseValue parses s as a value of type t, in the encoding api.Function.Call takes.
func parseValue(t api.ValueType, s string) (uint64, error) {
	switch t {
	case api.ValueTypeI32:
		if v, err := strconv.ParseInt(s, 0, 32); err == nil {
			return api.EncodeI32(int32(v)), nil
		}
		v, err := strconv.ParseUint(s, 0, 32)
		return uint64(v), err
	case api.ValueTypeI64:
		if v, err := strconv.ParseInt(s, 0, 64); err == nil {
			return api.EncodeI64(v), nil
		}
		return strconv.ParseUint(s, 0, 64)
	case api.ValueTypeF32:
		v, err := strconv.ParseFloat(s, 32)
		return api.EncodeF32(float32(v)), err
	case api.ValueTypeF64:
		v, err := strconv.ParseFloat(s, 64)
		return api.EncodeF64(v), err
	}
	return 0, fmt.Errorf("unsupported parameter type %s", api.ValueTypeName(t))
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
