package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// parseSize reads a size such as 512M, 1MiB, 64KB or 1000: a whole number with an
// optional unit. K, M, G, T and KiB, MiB, GiB, TiB are binary (as Linux tmpfs's
// size= and docker read them); KB, MB, GB, TB are decimal; B or nothing is bytes.
//
// A size of 0 (in any unit) is refused with "must be more than 0": every size
// wasirun reads is a limit, and a limit of 0 would let nothing be written (Linux
// tmpfs reads size=0 as "unlimited" instead, which is worse: a typo would lift
// the bound). The caller puts the flag's name in front.
func parseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	i := 0
	for i < len(t) && t[i] >= '0' && t[i] <= '9' {
		i++
	}
	if i == 0 {
		return 0, fmt.Errorf("size %q: want a number with an optional unit (512M, 1GiB)", s)
	}
	n, err := strconv.ParseInt(t[:i], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: %w", s, err)
	}
	units := map[string]int64{
		"": 1, "B": 1,
		"K": 1 << 10, "KIB": 1 << 10, "KB": 1e3,
		"M": 1 << 20, "MIB": 1 << 20, "MB": 1e6,
		"G": 1 << 30, "GIB": 1 << 30, "GB": 1e9,
		"T": 1 << 40, "TIB": 1 << 40, "TB": 1e12,
	}
	mul, ok := units[strings.ToUpper(strings.TrimSpace(t[i:]))]
	if !ok {
		return 0, fmt.Errorf("size %q: unknown unit %q (want B, K, M, G, T, KiB..TiB or KB..TB)", s, t[i:])
	}
	if n == 0 {
		return 0, errors.New("must be more than 0")
	}
	if mul > (1<<63-1)/n {
		return 0, fmt.Errorf("size %q is too large", s)
	}
	return n * mul, nil
}
