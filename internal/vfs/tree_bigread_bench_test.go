//go:build linux

package vfs_test

// BenchmarkVolumeBigRead measures reading a big file of a package volume through
// the vfs read path (webc.Open, NewTreeFS, OpenFile, Read to the end) against
// os.File.ReadAt of the same bytes in a plain file, both from the page cache. Run
// it with
//
//	go test -run '^$' -bench VolumeBigRead -benchtime 20x ./internal/vfs
//
// Each iteration opens the package afresh (a fresh mapping, as a new wasirun
// process has) and the plain file afresh, and reads both whole; the two reads
// alternate in order from one iteration to the next, so a change of the machine's
// load touches both. With cache=warm both files are in the page cache; with
// cache=cold both are dropped from it first (posix_fadvise DONTNEED, which needs
// no privilege), so the read goes to the disk and depends on readahead. It reports
// the MB/s of each side, their ratio (vol/os: 1 is read(2)'s speed, more is
// faster), the load average at the end and the largest growth of the process's
// resident file pages while the volume's file was open (rssfile-MiB: what a
// mapping faulted in and kept; read(2) keeps nothing).

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/webc"
	"github.com/wasirun/wasirun/internal/webc/webctest"
)

func BenchmarkVolumeBigRead(b *testing.B) {
	const size = 64 << 20
	dir := b.TempDir()
	content := webctest.Pattern(size)
	data := webc.NewTree()
	if err := data.AddFile("big.bin", content, 0); err != nil {
		b.Fatal(err)
	}
	pkg := filepath.Join(dir, "pkg.webc")
	s := &webc.Source{Manifest: &webc.Manifest{}, Volumes: map[string]*webc.Tree{"/data": data}}
	if err := webctest.Write(pkg, s); err != nil {
		b.Fatal(err)
	}
	plain := filepath.Join(dir, "big.bin")
	if err := os.WriteFile(plain, content, 0o644); err != nil {
		b.Fatal(err)
	}
	for _, cache := range []string{"warm", "cold"} {
		for _, bufSize := range []int{4 << 10, 64 << 10, 1 << 20} {
			b.Run(fmt.Sprintf("cache=%s/buf=%dKiB", cache, bufSize>>10), func(b *testing.B) {
				benchBigRead(b, pkg, plain, content, bufSize, cache == "cold")
			})
		}
	}
}

// benchBigRead is one case of BenchmarkVolumeBigRead.
func benchBigRead(b *testing.B, pkg, plain string, content []byte, bufSize int, cold bool) {
	size := len(content)
	buf := make([]byte, bufSize)
	// One read of each, untimed, so that both files are in the page cache and the
	// check of the volume's bytes is outside the loop.
	if got, _ := readVolumeFile(b, pkg, buf, true); !bytes.Equal(got, content) {
		b.Fatal("the volume's file differs from what was written")
	}
	readPlainFile(b, plain, buf)
	var vol, plainTime time.Duration
	var rss int64
	readVol := func() {
		start := time.Now()
		_, grew := readVolumeFile(b, pkg, buf, false)
		vol += time.Since(start)
		rss = max(rss, grew)
	}
	readOS := func() {
		start := time.Now()
		readPlainFile(b, plain, buf)
		plainTime += time.Since(start)
	}
	i := 0
	for b.Loop() {
		if cold {
			b.StopTimer()
			dropCache(b, pkg)
			dropCache(b, plain)
			b.StartTimer()
		}
		if i%2 == 0 {
			readVol()
			readOS()
		} else {
			readOS()
			readVol()
		}
		i++
	}
	volMBs := float64(size) * float64(i) / vol.Seconds() / 1e6
	osMBs := float64(size) * float64(i) / plainTime.Seconds() / 1e6
	b.ReportMetric(volMBs, "vol-MB/s")
	b.ReportMetric(osMBs, "os-MB/s")
	b.ReportMetric(volMBs/osMBs, "vol/os")
	if load, ok := loadAverage(); ok {
		b.ReportMetric(load, "load1")
	}
	if rss >= 0 {
		b.ReportMetric(float64(rss)/(1<<20), "rssfile-MiB")
	}
}

// dropCache drops the file at path from the page cache (written back first: a
// dirty page is not dropped).
func dropCache(b *testing.B, path string) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := f.Sync(); err != nil {
		b.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		b.Fatal(err)
	}
}

// readVolumeFile opens the package at path, reads /big.bin of its volume /data
// through NewTreeFS into buf until the end, and closes it. With keep it returns
// the bytes read; it also returns how much the process's resident file pages grew
// while the file was open (-1 where unknown).
func readVolumeFile(b *testing.B, path string, buf []byte, keep bool) ([]byte, int64) {
	before := rssFile()
	c, err := webc.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	v, ok := c.Volume("/data")
	if !ok {
		b.Fatal("no /data volume")
	}
	root, err := v.Root()
	if err != nil {
		b.Fatal(err)
	}
	f, errno := vfs.NewTreeFS(root).OpenFile("/big.bin", vfs.OFlagRead, 0)
	if errno != vfs.ESUCCESS {
		b.Fatal(errno)
	}
	defer f.Close()
	var out []byte
	for {
		n, errno := f.Read(buf)
		if errno != vfs.ESUCCESS {
			b.Fatal(errno)
		}
		if n == 0 {
			after := rssFile()
			if before < 0 || after < 0 {
				return out, -1
			}
			return out, after - before
		}
		if keep {
			out = append(out, buf[:n]...)
		}
	}
}

// readPlainFile opens the file at path and reads it with ReadAt into buf until
// the end.
func readPlainFile(b *testing.B, path string, buf []byte) {
	f, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var off int64
	for {
		n, err := f.ReadAt(buf, off)
		off += int64(n)
		if err != nil || n == 0 {
			return
		}
	}
}

// rssFile returns the process's resident file-backed memory in bytes (RssFile of
// /proc/self/status), or -1 where there is no such file.
func rssFile() int64 {
	status, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("RssFile:")); ok {
			fields := bytes.Fields(rest)
			if len(fields) == 0 {
				return -1
			}
			kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
			if err != nil {
				return -1
			}
			return kb << 10
		}
	}
	return -1
}

// loadAverage returns the one-minute load average (/proc/loadavg).
func loadAverage() (float64, bool) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, false
	}
	fields := bytes.Fields(b)
	if len(fields) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(string(fields[0]), 64)
	return v, err == nil
}
