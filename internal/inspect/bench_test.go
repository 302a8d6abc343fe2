package inspect_test

// BenchmarkOpenInspect measures what `wasirun inspect` does with a package, in
// process: webc.Open, inspect.Inspect, Close. The target is that a 200 MiB
// v3 package (a 50 MiB atom, 10,000 files) costs at most 2x a 3 KB one. Run
//
//	go test -run '^$' -bench OpenInspect -benchmem ./internal/inspect
//
// The large run logs (and reports as the "x-small" metric) its time per operation
// divided by that of the small run of the same process; -bench must select both
// (run small first, as the default order does). The generated packages are written
// to the benchmark's temporary directory and removed at its end. Peak RSS needs a
// process of its own: see BenchmarkInspectProcess in cmd/wasirun.
//
// The packages come from internal/webc/webctest, the generator internal/webc's and
// cmd/wasirun's benchmarks share.

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/inspect"
	"github.com/wasirun/wasirun/internal/webc"
	"github.com/wasirun/wasirun/internal/webc/webctest"
)

// The packages of the issue: about 3 KB, and 200 MiB (a 50 MiB atom and 10,000
// files of 15,728 bytes, 150 MiB, in 100 directories).
var benchPackages = []struct {
	name                     string
	atomSize, files, fileLen int
}{
	{"small", 512, 4, 128},
	{"large", 50 << 20, 10_000, (150 << 20) / 10_000},
}

// smallNsPerOp is the time per operation of the last small run, for the large run's
// ratio.
var smallNsPerOp float64

func BenchmarkOpenInspect(b *testing.B) {
	for _, p := range benchPackages {
		b.Run(p.name, func(b *testing.B) {
			s, err := webctest.Source(p.atomSize, p.files, p.fileLen)
			if err != nil {
				b.Fatal(err)
			}
			path := filepath.Join(b.TempDir(), "pkg.webc")
			if err := webctest.Write(path, s); err != nil {
				b.Fatal(err)
			}
			st, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() { // the timer starts here: generating is not measured
				c, err := webc.Open(path)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := inspect.Inspect(c, path, inspect.Options{}); err != nil {
					b.Fatal(err)
				}
				if err := c.Close(); err != nil {
					b.Fatal(err)
				}
			}
			ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
			b.ReportMetric(float64(st.Size()), "pkg-bytes")
			switch p.name {
			case "small":
				smallNsPerOp = ns
			case "large":
				if smallNsPerOp > 0 {
					b.ReportMetric(ns/smallNsPerOp, "x-small")
					b.Logf("%d-byte package: %v per open+inspect, %.1fx the small package's %v (target: at most 2x)",
						st.Size(), time.Duration(ns), ns/smallNsPerOp, time.Duration(smallNsPerOp))
				}
			}
		})
	}
}
