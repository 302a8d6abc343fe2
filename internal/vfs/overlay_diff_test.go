package vfs_test

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/vfs/vfstest"
)

// TestOverlayConformance runs the POSIX behaviour table over an overlay of a
// fresh tmpfs on an empty tmpfs lower. Every step matches the host: no ENOSYS
// is allowed. (The steps start from an empty filesystem, so they exercise the
// overlay's own bookkeeping over the upper; copy-up, whiteouts and merged
// listings are TestOverlayDifferential's.)
func TestOverlayConformance(t *testing.T) {
	vfstest.TestWritable(t, func(*testing.T) vfs.FS {
		return vfs.NewOverlay(vfs.Layer{FS: vfs.NewTmpFS(vfs.NewLimiter(64 << 20)), Name: "upper"},
			vfs.Layer{FS: vfs.NewTmpFS(nil), Name: "lower"})
	}, nil)
}

// TestOverlayIOFS checks an overlay of a tmpfs over a tmpfs and a package volume,
// after some whiteouts and copy-ups, with fstest.TestFS.
func TestOverlayIOFS(t *testing.T) {
	upper, lower := vfs.NewTmpFS(nil), vfs.NewTmpFS(nil)
	diffBuild(t, upper, "d /dir 0755\nf /dir/mine 0644 mine")
	diffBuild(t, lower, "d /dir 0755\nf /dir/a.txt 0644 shadow\nd /extra 0700\nf /extra/x 0600 x\nl /extra/l ../dir/a.txt")
	ov := vfs.NewOverlay(vfs.Layer{FS: upper, Name: "upper"},
		vfs.Layer{FS: lower, Name: "tmp"}, vfs.Layer{FS: vfs.NewTreeFS(volumeRoot(t)), Name: "volume:data"})
	diffOK(t, ov.Unlink("/hello.txt"), "unlink")
	diffOK(t, ov.Chmod("/dir/sub/big.bin", 0o600), "chmod")
	diffOK(t, ov.Rmdir("/dir/emptydir"), "rmdir")
	diffOK(t, ov.Mkdir("/dir/emptydir", 0o700), "mkdir")
	diffOK(t, ov.Rename("/dir/sub/deep", "/deep"), "rename")
	if err := fstest.TestFS(vfstest.IOFS(ov), "empty", "dir/a.txt", "dir/mine", "dir/sub/big.bin", "dir/emptydir",
		"deep/z.z", "extra/x", "extra/l"); err != nil {
		t.Fatal(err)
	}
	iofs := vfstest.IOFS(ov)
	for name, want := range map[string]string{"dir/a.txt": "shadow", "extra/l": "shadow", "dir/sub/big.bin": string(bigData), "deep/z.z": "zz"} {
		if got, err := fs.ReadFile(iofs, name); err != nil || string(got) != want {
			t.Errorf("ReadFile(%s) = %d bytes, %v", name, len(got), err)
		}
	}
	for _, name := range []string{"hello.txt", "dir/sub/deep"} {
		if _, err := fs.Stat(iofs, name); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("Stat(%s): %v", name, err)
		}
	}
}

func diffOK(t testing.TB, errno vfs.Errno, what string) {
	t.Helper()
	if errno != vfs.ESUCCESS {
		t.Fatalf("%s: %v", what, errno)
	}
}

// diffBigData is the content of the files written as "@big": 70 KiB that differ
// at every offset, more than one copy-up piece.
var diffBigData = func() []byte {
	b := make([]byte, 70<<10)
	for i := range b {
		b[i] = byte(i*13/7 + i>>8)
	}
	return b
}()

// diffBuild makes the entries of spec in fsys, one per line: "d PATH MODE",
// "f PATH MODE DATA" (the rest of the line; "@big" for diffBigData), "l PATH
// TARGET".
func diffBuild(t testing.TB, fsys vfs.FS, spec string) {
	t.Helper()
	for line := range strings.Lines(spec) {
		f := strings.SplitN(strings.TrimSpace(line), " ", 4)
		if len(f) < 3 {
			continue
		}
		mode, _ := strconv.ParseUint(f[2], 8, 32)
		switch f[0] {
		case "d":
			diffOK(t, fsys.Mkdir(f[1], fs.FileMode(mode)), "mkdir "+f[1])
		case "f":
			data := []byte{}
			if len(f) == 4 {
				data = []byte(f[3])
			}
			if string(data) == "@big" {
				data = diffBigData
			}
			w, errno := fsys.OpenFile(f[1], vfs.OFlagWrite|vfs.OFlagCreate|vfs.OFlagExclusive, fs.FileMode(mode))
			diffOK(t, errno, "create "+f[1])
			_, errno = w.Write(data)
			diffOK(t, errno, "write "+f[1])
			diffOK(t, w.Close(), "close "+f[1])
		case "l":
			diffOK(t, fsys.Symlink(f[2], f[1]), "symlink "+f[1])
		default:
			t.Fatalf("bad spec line %q", line)
		}
	}
}

// The layers of the differential test, and the plain tree they make together.
const (
	diffLower1 = `
d /a 0755
f /a/x 0644 x from lower1
f /a/y 0600 y from lower1
d /a/sub 0700
f /a/sub/d1 0644 d1
d /b 0755
d /b/c 0750
f /b/c/deep 0644 deep
f /clash 0644 a file in lower1
d /l1 0755
f /l1/f 0755 l1f
l /link a/x
l /dang nowhere
f /big 0644 @big
d /m 0755
f /m/m1 0644 m1
f /m/m2 0600 m2
f /m/m3 0644 m3 from lower1
d /e1 0755
d /both 0755
d /p 0755
d /p/q 0755
d /p/q/r 0755
f /p/q/r/s 0644 s
l /p/up ../a
`
	diffLower2 = `
d /a 0711
f /a/y 0644 y from lower2
f /a/z 0640 z from lower2
d /a/sub 0755
f /a/sub/d2 0644 d2
d /b 0700
f /b/e 0644 e
d /b/c 0755
f /b/c/deep2 0644 deep2
d /clash 0755
f /clash/inner 0644 inner
d /l2 0711
d /l2/g 0755
f /l2/g/h 0644 h
l /link2 /b/e
d /m 0700
f /m/m3 0644 m3 from lower2
f /m/m4 0644 m4
d /m/sub 0755
f /m/sub/m5 0644 m5
d /e2 0755
d /both 0700
d /both/inner 0755
d /p 0700
d /p/q 0700
f /p/q/t 0644 t
`
	diffUpper = `
d /a 0755
f /a/w 0644 w from upper
d /u 0755
f /u/f 0644 uf
`
	diffMerged = `
d /a 0755
f /a/w 0644 w from upper
f /a/x 0644 x from lower1
f /a/y 0600 y from lower1
f /a/z 0640 z from lower2
d /a/sub 0700
f /a/sub/d1 0644 d1
f /a/sub/d2 0644 d2
d /b 0755
d /b/c 0750
f /b/c/deep 0644 deep
f /b/c/deep2 0644 deep2
f /b/e 0644 e
f /clash 0644 a file in lower1
d /l1 0755
f /l1/f 0755 l1f
d /l2 0711
d /l2/g 0755
f /l2/g/h 0644 h
l /link a/x
l /dang nowhere
f /big 0644 @big
l /link2 /b/e
d /m 0755
f /m/m1 0644 m1
f /m/m2 0600 m2
f /m/m3 0644 m3 from lower1
f /m/m4 0644 m4
d /m/sub 0755
f /m/sub/m5 0644 m5
d /e1 0755
d /e2 0755
d /both 0755
d /both/inner 0755
d /p 0755
d /p/q 0755
d /p/q/r 0755
f /p/q/r/s 0644 s
f /p/q/t 0644 t
l /p/up ../a
d /u 0755
f /u/f 0644 uf
`
)

// diffEntry is an entry of a tree walked by diffWalk.
type diffEntry struct {
	path string
	mode fs.FileMode
	size int64
}

// diffWalk describes the whole tree of fsys, one line per entry in path order
// (type and permission bits; for a file its size, link count and content; for a
// symlink its target), then one line per set of paths that share an inode
// number. On the way it checks that no listing holds a name twice and that each
// Dirent's type and inode number are Lstat's. It lists two entries at a time,
// so that cookies are used.
func diffWalk(fsys vfs.FS) (lines []string, entries []diffEntry, err error) {
	byIno := map[uint64][]string{}
	var walk func(dir string) error
	walk = func(dir string) error {
		f, errno := fsys.OpenFile(dir, vfs.OFlagRead|vfs.OFlagDirectory, 0)
		if errno != vfs.ESUCCESS {
			return fmt.Errorf("open %s: %v", dir, errno)
		}
		var list []vfs.Dirent
		buf := make([]vfs.Dirent, 2)
		for cookie := uint64(0); len(list) < 1000; {
			n, errno := f.Readdir(cookie, buf)
			if errno != vfs.ESUCCESS {
				f.Close()
				return fmt.Errorf("readdir %s: %v", dir, errno)
			}
			list = append(list, buf[:n]...)
			if n < len(buf) {
				break
			}
			cookie = buf[n-1].Next
		}
		f.Close()
		slices.SortFunc(list, func(a, b vfs.Dirent) int { return strings.Compare(a.Name, b.Name) })
		for i, d := range list {
			if i > 0 && list[i-1].Name == d.Name {
				return fmt.Errorf("%s lists %s twice", dir, d.Name)
			}
			p := "/" + d.Name
			if dir != "/" {
				p = dir + "/" + d.Name
			}
			st, errno := fsys.Lstat(p)
			switch {
			case errno != vfs.ESUCCESS:
				return fmt.Errorf("lstat %s (listed): %v", p, errno)
			case st.Mode.Type() != d.Type || st.Ino != d.Ino:
				return fmt.Errorf("%s: Dirent %v ino %x, Lstat %v ino %x", p, d.Type, d.Ino, st.Mode.Type(), st.Ino)
			}
			entries = append(entries, diffEntry{p, st.Mode, st.Size})
			line := fmt.Sprintf("%s %v", p, st.Mode)
			switch {
			case st.Mode.IsDir():
				lines = append(lines, line)
				if err := walk(p); err != nil {
					return err
				}
				continue
			case st.Mode&fs.ModeSymlink != 0:
				target, errno := fsys.Readlink(p)
				line += fmt.Sprintf(" -> %q %v", target, errno)
			default:
				data, err := diffReadFile(fsys, p)
				if err != nil {
					return err
				}
				line += fmt.Sprintf(" size=%d nlink=%d %s", st.Size, st.Nlink, diffShow(data))
			}
			byIno[st.Ino] = append(byIno[st.Ino], p)
			lines = append(lines, line)
		}
		return nil
	}
	if err := walk("/"); err != nil {
		return nil, nil, err
	}
	for _, paths := range byIno {
		if len(paths) > 1 {
			slices.Sort(paths)
			lines = append(lines, "same inode: "+strings.Join(paths, " "))
		}
	}
	slices.Sort(lines[len(lines)-countPrefix(lines, "same inode: "):])
	return lines, entries, nil
}

// countPrefix counts the lines at the end of lines that start with prefix.
func countPrefix(lines []string, prefix string) int {
	n := 0
	for n < len(lines) && strings.HasPrefix(lines[len(lines)-1-n], prefix) {
		n++
	}
	return n
}

// diffReadFile reads a whole file with Read, in odd-sized pieces.
func diffReadFile(fsys vfs.FS, p string) ([]byte, error) {
	f, errno := fsys.OpenFile(p, vfs.OFlagRead, 0)
	if errno != vfs.ESUCCESS {
		return nil, fmt.Errorf("open %s: %v", p, errno)
	}
	defer f.Close()
	var out []byte
	buf := make([]byte, 7000)
	for {
		n, errno := f.Read(buf)
		if errno != vfs.ESUCCESS {
			return nil, fmt.Errorf("read %s: %v", p, errno)
		}
		if n == 0 {
			return out, nil
		}
		out = append(out, buf[:n]...)
	}
}

// diffShow prints file content: quoted when short, else its length and a hash.
func diffShow(data []byte) string {
	if len(data) <= 64 {
		return strconv.Quote(string(data))
	}
	h := uint32(2166136261)
	for _, c := range data {
		h = (h ^ uint32(c)) * 16777619
	}
	return fmt.Sprintf("<%d bytes %08x>", len(data), h)
}

// diffOp is one operation of the differential test, applied alike to the overlay
// and to the reference: do returns its outcome as text, which must match.
type diffOp struct {
	desc string
	do   func(fsys vfs.FS, hs []vfs.File) string
}

// diffNames are the names new paths are made of: some of them are the lowers'.
var diffNames = []string{"a", "b", "c", "x", "y", "z", "w", "sub", "deep", "clash", "n1", "n2", "g"}

// diffGen returns a random operation over the tree whose entries are given.
func diffGen(rng *rand.Rand, entries []diffEntry) diffOp {
	var dirs, files []diffEntry
	dirs = append(dirs, diffEntry{path: "/", mode: fs.ModeDir})
	for _, e := range entries {
		switch {
		case e.mode.IsDir():
			dirs = append(dirs, e)
		case e.mode.IsRegular():
			files = append(files, e)
		}
	}
	pick := func(list []diffEntry) diffEntry {
		if len(list) == 0 {
			return diffEntry{path: "/nothing"}
		}
		return list[rng.IntN(len(list))]
	}
	newPath := func() string {
		d := pick(dirs).path
		if d == "/" {
			d = ""
		}
		return d + "/" + diffNames[rng.IntN(len(diffNames))]
	}
	anyPath := func() string {
		if rng.IntN(3) == 0 || len(entries) == 0 {
			return newPath()
		}
		return pick(entries).path
	}
	filePath := func() diffEntry {
		if rng.IntN(6) == 0 {
			return diffEntry{path: anyPath()}
		}
		return pick(files)
	}
	data := func() string {
		return strings.Repeat(string(rune('A'+rng.IntN(26))), 1+rng.IntN(12))
	}
	perms := []fs.FileMode{0o644, 0o600, 0o755, 0o700, 0o640}
	slot := rng.IntN(4)

	switch k := rng.IntN(100); {
	case k < 12:
		p, d, perm := anyPath(), data(), perms[rng.IntN(len(perms))]
		return diffOp{fmt.Sprintf("create %s %q %#o", p, d, perm), func(fsys vfs.FS, _ []vfs.File) string {
			return diffWrite(fsys, p, vfs.OFlagWrite|vfs.OFlagCreate|vfs.OFlagTruncate, perm, d, -1)
		}}
	case k < 24:
		f, d := filePath(), data()
		off := rng.Int64N(f.size + 4)
		return diffOp{fmt.Sprintf("pwrite %s %q at %d", f.path, d, off), func(fsys vfs.FS, _ []vfs.File) string {
			return diffWrite(fsys, f.path, vfs.OFlagWrite, 0, d, off)
		}}
	case k < 28:
		f, d := filePath(), data()
		return diffOp{fmt.Sprintf("append %s %q", f.path, d), func(fsys vfs.FS, _ []vfs.File) string {
			return diffWrite(fsys, f.path, vfs.OFlagWrite|vfs.OFlagAppend, 0, d, -1)
		}}
	case k < 34:
		f := filePath()
		size := rng.Int64N(f.size + 6)
		return diffOp{fmt.Sprintf("truncate %s %d", f.path, size), func(fsys vfs.FS, _ []vfs.File) string {
			h, errno := fsys.OpenFile(f.path, vfs.OFlagWrite, 0)
			if errno != vfs.ESUCCESS {
				return "open " + errno.String()
			}
			return fmt.Sprintf("%v %v", h.Truncate(size), h.Close())
		}}
	case k < 36:
		f := filePath()
		return diffOp{fmt.Sprintf("open-truncate %s", f.path), func(fsys vfs.FS, _ []vfs.File) string {
			h, errno := fsys.OpenFile(f.path, vfs.OFlagRead|vfs.OFlagTruncate, 0)
			if errno != vfs.ESUCCESS {
				return "open " + errno.String()
			}
			return h.Close().String()
		}}
	case k < 43:
		p := anyPath()
		return diffOp{"unlink " + p, func(fsys vfs.FS, _ []vfs.File) string { return fsys.Unlink(p).String() }}
	case k < 50:
		p, perm := anyPath(), perms[rng.IntN(len(perms))]
		return diffOp{fmt.Sprintf("mkdir %s %#o", p, perm), func(fsys vfs.FS, _ []vfs.File) string { return fsys.Mkdir(p, perm).String() }}
	case k < 55:
		p := pick(dirs).path
		if rng.IntN(4) == 0 {
			p = anyPath()
		}
		return diffOp{"rmdir " + p, func(fsys vfs.FS, _ []vfs.File) string { return fsys.Rmdir(p).String() }}
	case k < 67:
		from := anyPath()
		if rng.IntN(2) == 0 {
			from = pick(dirs).path
		}
		to := anyPath()
		return diffOp{fmt.Sprintf("rename %s %s", from, to), func(fsys vfs.FS, _ []vfs.File) string { return fsys.Rename(from, to).String() }}
	case k < 71:
		p := anyPath()
		target := []string{"a/x", "/b/e", "nowhere", "../a", "sub"}[rng.IntN(5)]
		return diffOp{fmt.Sprintf("symlink %q %s", target, p), func(fsys vfs.FS, _ []vfs.File) string { return fsys.Symlink(target, p).String() }}
	case k < 76:
		p, perm := anyPath(), perms[rng.IntN(len(perms))]
		return diffOp{fmt.Sprintf("chmod %s %#o", p, perm), func(fsys vfs.FS, _ []vfs.File) string { return fsys.Chmod(p, perm).String() }}
	case k < 79:
		from, to := filePath().path, anyPath()
		return diffOp{fmt.Sprintf("link %s %s", from, to), func(fsys vfs.FS, _ []vfs.File) string { return fsys.Link(from, to).String() }}
	case k < 85:
		p := filePath().path
		flag := []vfs.OFlag{vfs.OFlagRead, vfs.OFlagRead | vfs.OFlagWrite, vfs.OFlagWrite | vfs.OFlagAppend}[rng.IntN(3)]
		return diffOp{fmt.Sprintf("handle %d: open %s %v", slot, p, flag), func(fsys vfs.FS, hs []vfs.File) string {
			if hs[slot] != nil {
				hs[slot].Close()
			}
			var errno vfs.Errno
			hs[slot], errno = fsys.OpenFile(p, flag, 0)
			return errno.String()
		}}
	case k < 92:
		d, off := data(), rng.Int64N(20)
		return diffOp{fmt.Sprintf("handle %d: pwrite %q at %d, write", slot, d, off), func(fsys vfs.FS, hs []vfs.File) string {
			if hs[slot] == nil {
				return "no handle"
			}
			n, errno := hs[slot].Pwrite([]byte(d), off)
			m, errno2 := hs[slot].Write([]byte(d))
			return fmt.Sprintf("%d %v %d %v", n, errno, m, errno2)
		}}
	case k < 96:
		return diffOp{fmt.Sprintf("handle %d: stat, pread, read", slot), func(fsys vfs.FS, hs []vfs.File) string {
			if hs[slot] == nil {
				return "no handle"
			}
			st, errno := hs[slot].Stat()
			if st.Mode.IsDir() {
				// A directory's size and link count are the serving layer's, and
				// 1 for a merged one, as in overlayfs (see NewOverlay).
				st.Size, st.Nlink = 0, 0
			}
			buf := make([]byte, 100)
			n, errno2 := hs[slot].Pread(buf, 0)
			m, errno3 := hs[slot].Read(buf[n:])
			return fmt.Sprintf("%v %v size=%d nlink=%d %q %v %v", errno, st.Mode, st.Size, st.Nlink, buf[:n+m], errno2, errno3)
		}}
	case k < 98:
		perm := perms[rng.IntN(len(perms))]
		return diffOp{fmt.Sprintf("handle %d: chmod %#o, truncate 3", slot, perm), func(fsys vfs.FS, hs []vfs.File) string {
			if hs[slot] == nil {
				return "no handle"
			}
			return fmt.Sprintf("%v %v", hs[slot].Chmod(perm), hs[slot].Truncate(3))
		}}
	default:
		return diffOp{fmt.Sprintf("handle %d: close", slot), func(fsys vfs.FS, hs []vfs.File) string {
			if hs[slot] == nil {
				return "no handle"
			}
			errno := hs[slot].Close()
			hs[slot] = nil
			return errno.String()
		}}
	}
}

// diffWrite opens p with flag and perm and writes d, at off with Pwrite or with
// Write when off < 0, and closes it.
func diffWrite(fsys vfs.FS, p string, flag vfs.OFlag, perm fs.FileMode, d string, off int64) string {
	h, errno := fsys.OpenFile(p, flag, perm)
	if errno != vfs.ESUCCESS {
		return "open " + errno.String()
	}
	var n int
	if off < 0 {
		n, errno = h.Write([]byte(d))
	} else {
		n, errno = h.Pwrite([]byte(d), off)
	}
	return fmt.Sprintf("%d %v %v", n, errno, h.Close())
}

// TestOverlayDifferential applies the same random operations to an overlay (a
// tmpfs upper over two read-only tmpfs lowers that overlap) and to a plain tmpfs
// holding the merged tree, and compares, after every step, the outcomes and the
// whole trees: paths, types, modes, sizes, contents, symlink targets, link
// counts and which paths share an inode. The operations create, write at
// offsets, append, truncate (by handle and O_TRUNC), unlink, make and remove
// directories, rename files and directories (the lowers' included, onto
// existing names too), make symlinks and hard links, chmod, and keep handles
// open across steps, writing and reading through them while their files are
// copied up, renamed, replaced or unlinked.
func TestOverlayDifferential(t *testing.T) {
	// Many short runs see more of the lowers than a few long ones, where most
	// of the tree ends up copied up.
	seeds, steps := 40, 150
	if testing.Short() {
		seeds = 5
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			l1 := vfs.NewTmpFS(nil)
			diffBuild(t, l1, diffLower1)
			diffRun(t, seed, steps, vfs.NewReadOnly(l1))
		})
	}
}

// TestOverlayDifferentialHostLower is TestOverlayDifferential with the first
// lower a host directory opened read-only, as a user's mount at "/" is.
func TestOverlayDifferentialHostLower(t *testing.T) {
	seeds := 8
	if testing.Short() {
		seeds = 2
	}
	for seed := range uint64(seeds) {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			dir := t.TempDir()
			w, err := vfs.NewHostDir(dir, false)
			if err != nil {
				t.Fatal(err)
			}
			diffBuild(t, w, diffLower1)
			l1, err := vfs.NewHostDir(dir, true)
			if err != nil {
				t.Fatal(err)
			}
			diffRun(t, seed, 150, l1)
		})
	}
}

// diffRun runs steps random operations of seed over an overlay of a tmpfs upper
// (diffUpper) on lower1, which holds diffLower1, and a read-only tmpfs holding
// diffLower2, and over a tmpfs holding diffMerged, comparing as it goes (see
// TestOverlayDifferential).
func diffRun(t *testing.T, seed uint64, steps int, lower1 vfs.FS) {
	upper, l2, ref := vfs.NewTmpFS(nil), vfs.NewTmpFS(nil), vfs.NewTmpFS(nil)
	diffBuild(t, upper, diffUpper)
	diffBuild(t, l2, diffLower2)
	diffBuild(t, ref, diffMerged)
	ov := vfs.NewOverlay(vfs.Layer{FS: upper, Name: "upper"},
		vfs.Layer{FS: lower1, Name: "lower1"}, vfs.Layer{FS: vfs.NewReadOnly(l2), Name: "lower2"})
	ovHandles, refHandles := make([]vfs.File, 4), make([]vfs.File, 4)
	defer func() {
		for _, h := range append(ovHandles, refHandles...) {
			if h != nil {
				h.Close()
			}
		}
	}()
	rng := rand.New(rand.NewPCG(seed, 0x0e71a7))
	var log []string
	for step := 0; ; step++ {
		want, entries, err := diffWalk(ref)
		if err != nil {
			t.Fatalf("reference after step %d: %v", step, err)
		}
		got, _, err := diffWalk(ov)
		if err != nil {
			t.Fatalf("overlay after step %d: %v\n%s", step, err, diffLog(log))
		}
		if d := diffLines(got, want); d != "" {
			t.Fatalf("trees differ after step %d:\n%s\n%s", step, d, diffLog(log))
		}
		if step == steps {
			return
		}
		op := diffGen(rng, entries)
		gotOut, wantOut := op.do(ov, ovHandles), op.do(ref, refHandles)
		log = append(log, fmt.Sprintf("%3d %s: %s", step+1, op.desc, wantOut))
		if gotOut != wantOut {
			t.Fatalf("step %d, %s: overlay %s, reference %s\n%s", step+1, op.desc, gotOut, wantOut, diffLog(log))
		}
	}
}

// diffLog returns the last operations of a run.
func diffLog(log []string) string {
	return "last operations:\n" + strings.Join(log[max(0, len(log)-25):], "\n")
}

// diffLines returns the lines that only one of got and want has, or "".
func diffLines(got, want []string) string {
	if slices.Equal(got, want) {
		return ""
	}
	var b bytes.Buffer
	for _, l := range got {
		if !slices.Contains(want, l) {
			fmt.Fprintf(&b, "overlay only:   %s\n", l)
		}
	}
	for _, l := range want {
		if !slices.Contains(got, l) {
			fmt.Fprintf(&b, "reference only: %s\n", l)
		}
	}
	if b.Len() == 0 {
		return "same lines in another order"
	}
	return b.String()
}
