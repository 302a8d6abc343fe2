package vfs

import (
	"bytes"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The big-file benchmarks write a file of tmpBigSize bytes (500 MiB; set
// WASIRUN_BENCH_MIB to change it) in tmpBigBuf pieces, then read it back in pieces
// of the same size, on a tmpfs and, through os.File, on the host's tmpfs at
// /dev/shm.
const tmpBigBuf = 64 << 10

// tmpBigSize returns the size of the benchmarks' file.
func tmpBigSize(b *testing.B) int64 {
	mib := int64(500)
	if s := os.Getenv("WASIRUN_BENCH_MIB"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			b.Fatalf("WASIRUN_BENCH_MIB=%q: not a positive number", s)
		}
		mib = n
	}
	return mib << 20
}

// tmpBigWrite writes size bytes of buf repeated to a new tmpfs file and returns
// the file, open for reading and writing.
func tmpBigWrite(b *testing.B, fsys FS, size int64, buf []byte) File {
	f, errno := fsys.OpenFile("/big", OFlagRead|OFlagWrite|OFlagCreate|OFlagTruncate, 0o644)
	tmpOK(b, errno, "create")
	for done := int64(0); done < size; done += int64(len(buf)) {
		if n, errno := f.Write(buf); n != len(buf) || errno != 0 {
			b.Fatalf("write at %d: %d %v", done, n, errno)
		}
	}
	return f
}

// tmpBigRead reads size bytes of f back into buf and checks the first piece.
func tmpBigRead(b *testing.B, f File, size int64, buf, want []byte) {
	for off := int64(0); off < size; off += int64(len(buf)) {
		if n, errno := f.Pread(buf, off); n != len(buf) || errno != 0 {
			b.Fatalf("read at %d: %d %v", off, n, errno)
		}
		if off == 0 && !bytes.Equal(buf, want) {
			b.Fatal("read back other bytes than were written")
		}
	}
}

// BenchmarkTmpfsBigFile writes and reads back the big file on a tmpfs and on the
// host's tmpfs, interleaved in each iteration so that both see the same load, and
// reports each one's seconds and the ratio (tmpfs over host) per phase, and the
// load average when it started.
func BenchmarkTmpfsBigFile(b *testing.B) {
	size := tmpBigSize(b)
	dir, err := os.MkdirTemp("/dev/shm", "wasirun-bench-")
	if err != nil {
		b.Skipf("no host tmpfs at /dev/shm: %v", err)
	}
	defer os.RemoveAll(dir)
	if load, err := os.ReadFile("/proc/loadavg"); err == nil {
		b.Logf("load average: %s", strings.TrimSpace(string(load)))
	}
	src := bytes.Repeat([]byte("0123456789abcdef"), tmpBigBuf/16)
	buf := make([]byte, tmpBigBuf)
	var tw, tr, ow, or time.Duration
	b.SetBytes(size)
	for b.Loop() {
		start := time.Now()
		f := tmpBigWrite(b, NewTmpFS(nil), size, src)
		mid := time.Now()
		tmpBigRead(b, f, size, buf, src)
		end := time.Now()
		f.Close()
		tw, tr = tw+mid.Sub(start), tr+end.Sub(mid)

		start = time.Now()
		h, err := os.Create(dir + "/big")
		if err != nil {
			b.Fatal(err)
		}
		for done := int64(0); done < size; done += int64(len(src)) {
			if _, err := h.Write(src); err != nil {
				b.Fatal(err)
			}
		}
		mid = time.Now()
		for off := int64(0); off < size; off += int64(len(buf)) {
			if _, err := h.ReadAt(buf, off); err != nil {
				b.Fatal(err)
			}
		}
		end = time.Now()
		h.Close()
		if err := os.Remove(dir + "/big"); err != nil {
			b.Fatal(err)
		}
		ow, or = ow+mid.Sub(start), or+end.Sub(mid)
		runtime.GC()
	}
	n := float64(b.N)
	b.ReportMetric(tw.Seconds()/n, "tmpfs-write-s/op")
	b.ReportMetric(tr.Seconds()/n, "tmpfs-read-s/op")
	b.ReportMetric(ow.Seconds()/n, "host-write-s/op")
	b.ReportMetric(or.Seconds()/n, "host-read-s/op")
	b.ReportMetric(tw.Seconds()/ow.Seconds(), "write-ratio")
	b.ReportMetric(tr.Seconds()/or.Seconds(), "read-ratio")
	b.ReportMetric((tw+tr).Seconds()/(ow+or).Seconds(), "total-ratio")
}

// BenchmarkTmpfsBigFileMemory writes the big file once per iteration and reports
// the bytes allocated per byte written, and the heap in use while the file is held
// over its size (after a collection, so that it is what the file keeps). Run it
// alone (-run '^$' -bench BigFileMemory) for the peak RSS it logs to mean anything.
func BenchmarkTmpfsBigFileMemory(b *testing.B) {
	size := tmpBigSize(b)
	src := bytes.Repeat([]byte("0123456789abcdef"), tmpBigBuf/16)
	var allocated, held uint64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		f := tmpBigWrite(b, NewTmpFS(nil), size, src)
		runtime.GC()
		runtime.ReadMemStats(&after)
		allocated += after.TotalAlloc - before.TotalAlloc
		held += after.HeapInuse - before.HeapInuse
		f.Close()
		runtime.KeepAlive(f)
	}
	n := float64(b.N)
	b.ReportMetric(float64(allocated)/n/float64(size), "alloc-bytes/byte")
	b.ReportMetric(float64(held)/n/float64(size), "heap-in-use/size")
	if status, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, line := range strings.Split(string(status), "\n") {
			if strings.HasPrefix(line, "VmHWM:") {
				b.Logf("peak RSS of the process: %s", strings.TrimSpace(strings.TrimPrefix(line, "VmHWM:")))
			}
		}
	}
}
