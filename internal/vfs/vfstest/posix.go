package vfstest

import (
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/wasirun/wasirun/internal/vfs"
)

// TestWritable runs the POSIX behaviour table (Steps) over a writable filesystem.
// Each step runs in a subtest on a fresh filesystem from newFS and, through
// HostOps, on a fresh t.TempDir(); the two transcripts of outcomes (errnos, bytes
// read, listings, types, sizes, and the attributes a step asks for) must be equal
// line by line.
//
// allowENOSYS names the steps in which this filesystem may answer ENOSYS: such a
// step passes when its transcript matches the reference up to the first ENOSYS,
// and the test logs it. Nothing is skipped silently: a listed step that does not
// meet ENOSYS fails (the list is stale), and so does a name that is no step.
func TestWritable(t *testing.T, newFS func(t *testing.T) vfs.FS, allowENOSYS []string) {
	t.Helper()
	testWritable(t, newFS, allowENOSYS, HostOps)
}

// TestWritableResolving is TestWritable for the one filesystem that follows
// symbolic links (the mount table; see vfs.FS): the reference is HostOpsResolving,
// whose Open follows a last symlink as os.OpenFile does, so the symlink step expects
// ENOENT for opening a dangling link instead of ELOOP. The other operations do not
// follow a last link in either reference, so every other step is unchanged.
func TestWritableResolving(t *testing.T, newFS func(t *testing.T) vfs.FS, allowENOSYS []string) {
	t.Helper()
	testWritable(t, newFS, allowENOSYS, HostOpsResolving)
}

func testWritable(t *testing.T, newFS func(t *testing.T) vfs.FS, allowENOSYS []string, host func(dir string) Ops) {
	t.Helper()
	steps := Steps()
	for _, p := range checkAllowList(steps, allowENOSYS) {
		t.Error(p)
	}
	for _, step := range steps {
		allowed := slices.Contains(allowENOSYS, step.Name)
		t.Run(step.Name, func(t *testing.T) {
			got := Record(step, FSOps(newFS(t)))
			want := Record(step, host(t.TempDir()))
			problems, exception := Compare(step, got, want, allowed)
			if exception {
				t.Logf("allowed exception: %s gives ENOSYS (listed in allowENOSYS)\n%s", step.Name, transcripts(got, want, -1))
			}
			for _, p := range problems {
				t.Error(p)
			}
		})
	}
}

// checkAllowList returns a problem for every name in allow that is no step.
func checkAllowList(steps []Step, allow []string) []string {
	var problems []string
	for _, name := range allow {
		if !slices.ContainsFunc(steps, func(s Step) bool { return s.Name == name }) {
			problems = append(problems, fmt.Sprintf("allowENOSYS lists %q, which is no step of TestWritable", name))
		}
	}
	return problems
}

// Compare checks the transcript of the filesystem under test (got) against the
// host reference's (want) for step. With allowENOSYS, got may depart from want at
// its first line that shows ENOSYS (exception reports that it did), but must match
// before it, and must show ENOSYS somewhere. It returns one problem per failure,
// each with both transcripts.
func Compare(step Step, got, want []string, allowENOSYS bool) (problems []string, exception bool) {
	first := -1 // the first line that differs
	for i := range max(len(got), len(want)) {
		if i >= len(got) || i >= len(want) || got[i] != want[i] {
			first = i
			break
		}
	}
	enosys := slices.IndexFunc(got, func(l string) bool { return strings.Contains(l, vfs.ENOSYS.String()) })
	switch {
	case first < 0 && allowENOSYS:
		return []string{fmt.Sprintf("%s: listed in allowENOSYS but matches the host: remove it from the list", step.Name)}, false
	case first < 0:
		return nil, false
	case allowENOSYS && enosys >= 0 && enosys <= first:
		return nil, true
	case allowENOSYS && enosys >= 0:
		return []string{fmt.Sprintf("%s: differs from the host at line %d, before its first ENOSYS (line %d):\n%s",
			step.Name, first+1, enosys+1, transcripts(got, want, first))}, false
	}
	return []string{fmt.Sprintf("%s: differs from the host at line %d:\n%s", step.Name, first+1, transcripts(got, want, first))}, false
}

// transcripts prints both transcripts side by side, marking line mark.
func transcripts(got, want []string, mark int) string {
	var b strings.Builder
	for i := range max(len(got), len(want)) {
		g, w := "-", "-"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		sign := "  "
		if i == mark {
			sign = "> "
		}
		fmt.Fprintf(&b, "%s%2d fs:   %s\n%s   host: %s\n", sign, i+1, g, sign, w)
	}
	return b.String()
}

// Step is one POSIX behaviour: a sequence of operations whose outcomes R records.
type Step struct {
	// Name identifies the step in test names and in allowENOSYS lists.
	Name string
	// Alike lists errnos that POSIX allows in place of each other in this step;
	// R records any of them as the same answer ("EEXIST|ENOTEMPTY").
	Alike []vfs.Errno
	// Do performs the operations.
	Do func(r *R)
}

// Record runs step over ops and returns its transcript, one line per operation.
func Record(step Step, ops Ops) []string {
	r := &R{ops: ops, alike: step.Alike}
	step.Do(r)
	return r.lines
}

// Ops are the operations of the steps: those of vfs.FS, with a File cut down to
// OpsFile, and ReadDir. FSOps provides them over a vfs.FS, HostOps over a host
// directory.
type Ops interface {
	Open(path string, flag vfs.OFlag, perm fs.FileMode) (OpsFile, vfs.Errno)
	Lstat(path string) (vfs.Stat, vfs.Errno)
	Mkdir(path string, perm fs.FileMode) vfs.Errno
	Chmod(path string, perm fs.FileMode) vfs.Errno
	Rename(from, to string) vfs.Errno
	Rmdir(path string) vfs.Errno
	Unlink(path string) vfs.Errno
	Link(oldPath, newPath string) vfs.Errno
	Symlink(target, linkPath string) vfs.Errno
	Readlink(path string) (string, vfs.Errno)
	Utimens(path string, atim, mtim int64) vfs.Errno
	// ReadDir lists the directory at path (opened with OFlagDirectory), in any order.
	ReadDir(path string) ([]vfs.Dirent, vfs.Errno)
}

// OpsFile is the part of vfs.File the steps use.
type OpsFile interface {
	Stat() (vfs.Stat, vfs.Errno)
	Read(p []byte) (int, vfs.Errno)
	Pread(p []byte, off int64) (int, vfs.Errno)
	Write(p []byte) (int, vfs.Errno)
	Pwrite(p []byte, off int64) (int, vfs.Errno)
	Lseek(off int64, whence int) (int64, vfs.Errno)
	Truncate(size int64) vfs.Errno
	Close() vfs.Errno
}

// FSOps returns the Ops of a vfs.FS. Its ReadDir reads three entries at a time, so
// that the cookies of File.Readdir are exercised.
func FSOps(fsys vfs.FS) Ops { return fsOps{fsys} }

type fsOps struct{ vfs.FS }

func (o fsOps) Open(path string, flag vfs.OFlag, perm fs.FileMode) (OpsFile, vfs.Errno) {
	f, errno := o.OpenFile(path, flag, perm)
	switch {
	case errno != vfs.ESUCCESS:
		return nil, errno
	case f == nil:
		return nil, vfs.EIO // a bug of the filesystem, shown in the transcript rather than as a panic
	}
	return f, vfs.ESUCCESS
}

// maxEntries bounds a listing, so that a filesystem whose cookies loop fails the
// step instead of hanging it.
const maxEntries = 1 << 12

func (o fsOps) ReadDir(path string) ([]vfs.Dirent, vfs.Errno) {
	f, errno := o.OpenFile(path, vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != vfs.ESUCCESS {
		return nil, errno
	}
	defer f.Close()
	var out []vfs.Dirent
	var buf [3]vfs.Dirent
	for cookie := uint64(0); len(out) < maxEntries; {
		n, errno := f.Readdir(cookie, buf[:])
		if errno != vfs.ESUCCESS {
			return out, errno
		}
		if n == 0 {
			break
		}
		out = append(out, buf[:n]...)
		cookie = buf[n-1].Next
	}
	return out, vfs.ESUCCESS
}

// R runs the operations of a step and records each outcome as a line of text.
// Its methods keep going after an error, so that both sides run every operation.
type R struct {
	ops   Ops
	alike []vfs.Errno
	lines []string
	files int
}

func (r *R) logf(format string, args ...any) { r.lines = append(r.lines, fmt.Sprintf(format, args...)) }

// e formats an errno, as its class when it is one of the step's Alike errnos.
func (r *R) e(errno vfs.Errno) string {
	if slices.Contains(r.alike, errno) {
		names := make([]string, len(r.alike))
		for i, a := range r.alike {
			names[i] = a.String()
		}
		slices.Sort(names)
		return strings.Join(names, "|")
	}
	return errno.String()
}

// Mkdir records Mkdir's errno.
func (r *R) Mkdir(path string, perm fs.FileMode) {
	r.logf("mkdir %s %#o: %s", path, perm, r.e(r.ops.Mkdir(path, perm)))
}

// Rmdir records Rmdir's errno.
func (r *R) Rmdir(path string) { r.logf("rmdir %s: %s", path, r.e(r.ops.Rmdir(path))) }

// Unlink records Unlink's errno.
func (r *R) Unlink(path string) { r.logf("unlink %s: %s", path, r.e(r.ops.Unlink(path))) }

// Rename records Rename's errno.
func (r *R) Rename(from, to string) {
	r.logf("rename %s %s: %s", from, to, r.e(r.ops.Rename(from, to)))
}

// Link records Link's errno.
func (r *R) Link(oldPath, newPath string) {
	r.logf("link %s %s: %s", oldPath, newPath, r.e(r.ops.Link(oldPath, newPath)))
}

// Symlink records Symlink's errno.
func (r *R) Symlink(target, linkPath string) {
	r.logf("symlink %q %s: %s", target, linkPath, r.e(r.ops.Symlink(target, linkPath)))
}

// Chmod records Chmod's errno.
func (r *R) Chmod(path string, perm fs.FileMode) {
	r.logf("chmod %s %#o: %s", path, perm, r.e(r.ops.Chmod(path, perm)))
}

// Utimens records Utimens's errno.
func (r *R) Utimens(path string, atim, mtim int64) {
	r.logf("utimens %s %s %s: %s", path, timeArg(atim), timeArg(mtim), r.e(r.ops.Utimens(path, atim, mtim)))
}

func timeArg(t int64) string {
	switch t {
	case vfs.UTimeOmit:
		return "omit"
	case vfs.UTimeNow:
		return "now"
	}
	return fmt.Sprint(t)
}

// Readlink records the errno and the target.
func (r *R) Readlink(path string) {
	target, errno := r.ops.Readlink(path)
	r.logf("readlink %s: %s %q", path, r.e(errno), target)
}

// kind formats a Stat's type, with the size of a file or symlink (a directory's
// size differs between filesystems and is left out).
func kind(st vfs.Stat) string {
	switch {
	case st.Mode.IsDir():
		return "dir"
	case st.Mode&fs.ModeSymlink != 0:
		return fmt.Sprintf("symlink size=%d", st.Size)
	case st.Mode.IsRegular():
		return fmt.Sprintf("file size=%d", st.Size)
	}
	return fmt.Sprintf("type=%v", st.Mode.Type())
}

// Lstat records the errno, the type and (for a file or symlink) the size.
func (r *R) Lstat(path string) {
	st, errno := r.ops.Lstat(path)
	if errno != vfs.ESUCCESS {
		r.logf("lstat %s: %s", path, r.e(errno))
		return
	}
	r.logf("lstat %s: %s", path, kind(st))
}

// Perm records the permission bits.
func (r *R) Perm(path string) {
	st, errno := r.ops.Lstat(path)
	r.logf("perm %s: %s %#o", path, r.e(errno), st.Mode.Perm())
}

// Nlink records the number of hard links.
func (r *R) Nlink(path string) {
	st, errno := r.ops.Lstat(path)
	r.logf("nlink %s: %s %d", path, r.e(errno), st.Nlink)
}

// SameFile records whether a and b have the same inode number.
func (r *R) SameFile(a, b string) {
	sa, ea := r.ops.Lstat(a)
	sb, eb := r.ops.Lstat(b)
	r.logf("same file %s %s: %s %s %v", a, b, r.e(ea), r.e(eb), sa.Ino == sb.Ino)
}

// Times records the access and modification times, in nanoseconds.
func (r *R) Times(path string) {
	st, errno := r.ops.Lstat(path)
	r.logf("times %s: %s atim=%d mtim=%d", path, r.e(errno), st.Atim, st.Mtim)
}

// MtimAfter records whether the modification time is later than t.
func (r *R) MtimAfter(path string, t int64) {
	st, errno := r.ops.Lstat(path)
	r.logf("mtim %s after %d: %s %v", path, t, r.e(errno), st.Mtim > t)
}

// MtimNow records whether the modification time is within a minute of now.
func (r *R) MtimNow(path string) {
	st, errno := r.ops.Lstat(path)
	d := time.Since(time.Unix(0, st.Mtim))
	r.logf("mtim %s is now: %s %v", path, r.e(errno), d > -time.Minute && d < time.Minute)
}

// ReadDir records the errno and the listing, sorted, directories marked with "/"
// and symlinks with "@".
func (r *R) ReadDir(path string) {
	list, errno := r.ops.ReadDir(path)
	names := make([]string, 0, len(list))
	for _, d := range list {
		switch {
		case d.Type.IsDir():
			names = append(names, d.Name+"/")
		case d.Type&fs.ModeSymlink != 0:
			names = append(names, d.Name+"@")
		default:
			names = append(names, d.Name)
		}
	}
	slices.Sort(names)
	r.logf("readdir %s: %s %v", path, r.e(errno), names)
}

// WriteFile opens path with flag and perm, writes data and closes it.
func (r *R) WriteFile(path string, flag vfs.OFlag, perm fs.FileMode, data string) {
	f, errno := r.ops.Open(path, flag, perm)
	if errno != vfs.ESUCCESS {
		r.logf("writefile %s %s: open %s", path, flagString(flag), r.e(errno))
		return
	}
	n, werrno := f.Write([]byte(data))
	r.logf("writefile %s %s %q: wrote %d %s, close %s", path, flagString(flag), data, n, r.e(werrno), r.e(f.Close()))
}

// Create writes data to a new file (OFlagWrite|OFlagCreate|OFlagTruncate, 0o644).
func (r *R) Create(path, data string) {
	r.WriteFile(path, vfs.OFlagWrite|vfs.OFlagCreate|vfs.OFlagTruncate, 0o644, data)
}

// ReadFile records the whole content of path, read in 3-byte pieces.
func (r *R) ReadFile(path string) {
	f, errno := r.ops.Open(path, vfs.OFlagRead, 0)
	if errno != vfs.ESUCCESS {
		r.logf("readfile %s: open %s", path, r.e(errno))
		return
	}
	defer f.Close()
	var data []byte
	var buf [3]byte
	for len(data) < 1<<20 {
		n, errno := f.Read(buf[:])
		if errno != vfs.ESUCCESS {
			r.logf("readfile %s: read %s after %q", path, r.e(errno), data)
			return
		}
		if n == 0 {
			break
		}
		data = append(data, buf[:n]...)
	}
	r.logf("readfile %s: %q", path, data)
}

// Open records the errno of opening path (closed at once when it opens).
func (r *R) Open(path string, flag vfs.OFlag) {
	f, errno := r.ops.Open(path, flag, 0o644)
	if errno == vfs.ESUCCESS {
		f.Close()
	}
	r.logf("open %s %s: %s", path, flagString(flag), r.e(errno))
}

// OpenH opens path and returns a handle whose operations are recorded too.
func (r *R) OpenH(path string, flag vfs.OFlag, perm fs.FileMode) *H {
	r.files++
	f, errno := r.ops.Open(path, flag, perm)
	h := &H{r: r, n: r.files, f: f}
	r.logf("open #%d %s %s: %s", h.n, path, flagString(flag), r.e(errno))
	return h
}

// H is an open file of a step.
type H struct {
	r *R
	n int
	f OpsFile // nil when the open failed
}

func (h *H) logf(op string, format string, args ...any) {
	if h.f == nil {
		h.r.logf("#%d %s: not open", h.n, op)
		return
	}
	h.r.logf("#%d %s: "+format, append([]any{h.n, op}, args...)...)
}

// Write records Write's count and errno.
func (h *H) Write(data string) {
	if h.f == nil {
		h.logf("write", "")
		return
	}
	n, errno := h.f.Write([]byte(data))
	h.logf(fmt.Sprintf("write %q", data), "%d %s", n, h.r.e(errno))
}

// Pwrite records Pwrite's count and errno.
func (h *H) Pwrite(data string, off int64) {
	if h.f == nil {
		h.logf("pwrite", "")
		return
	}
	n, errno := h.f.Pwrite([]byte(data), off)
	h.logf(fmt.Sprintf("pwrite %q at %d", data, off), "%d %s", n, h.r.e(errno))
}

// Read records what a Read of up to n bytes returns.
func (h *H) Read(n int) {
	if h.f == nil {
		h.logf("read", "")
		return
	}
	p := make([]byte, n)
	k, errno := h.f.Read(p)
	h.logf(fmt.Sprintf("read %d", n), "%s %q", h.r.e(errno), p[:max(k, 0)])
}

// Pread records what a Pread of up to n bytes at off returns.
func (h *H) Pread(n int, off int64) {
	if h.f == nil {
		h.logf("pread", "")
		return
	}
	p := make([]byte, n)
	k, errno := h.f.Pread(p, off)
	h.logf(fmt.Sprintf("pread %d at %d", n, off), "%s %q", h.r.e(errno), p[:max(k, 0)])
}

// Lseek records the new offset and errno.
func (h *H) Lseek(off int64, whence int) {
	if h.f == nil {
		h.logf("lseek", "")
		return
	}
	pos, errno := h.f.Lseek(off, whence)
	if errno != vfs.ESUCCESS {
		pos = 0 // undefined on error
	}
	h.logf(fmt.Sprintf("lseek %d %s", off, whenceString(whence)), "%d %s", pos, h.r.e(errno))
}

// Truncate records Truncate's errno.
func (h *H) Truncate(size int64) {
	if h.f == nil {
		h.logf("truncate", "")
		return
	}
	h.logf(fmt.Sprintf("truncate %d", size), "%s", h.r.e(h.f.Truncate(size)))
}

// Stat records the errno, the type and the size of the open file.
func (h *H) Stat() {
	if h.f == nil {
		h.logf("fstat", "")
		return
	}
	st, errno := h.f.Stat()
	if errno != vfs.ESUCCESS {
		h.logf("fstat", "%s", h.r.e(errno))
		return
	}
	h.logf("fstat", "%s", kind(st))
}

// Close records Close's errno.
func (h *H) Close() {
	if h.f == nil {
		h.logf("close", "")
		return
	}
	h.logf("close", "%s", h.r.e(h.f.Close()))
}

func whenceString(whence int) string {
	switch whence {
	case io.SeekStart:
		return "start"
	case io.SeekCurrent:
		return "current"
	case io.SeekEnd:
		return "end"
	}
	return fmt.Sprint(whence)
}

var flagNames = []struct {
	f    vfs.OFlag
	name string
}{
	{vfs.OFlagRead, "read"}, {vfs.OFlagWrite, "write"}, {vfs.OFlagAppend, "append"},
	{vfs.OFlagCreate, "create"}, {vfs.OFlagExclusive, "excl"}, {vfs.OFlagTruncate, "trunc"},
	{vfs.OFlagDirectory, "directory"}, {vfs.OFlagNoFollow, "nofollow"}, {vfs.OFlagPath, "path"},
	{vfs.OFlagSync, "sync"}, {vfs.OFlagDsync, "dsync"},
}

func flagString(flag vfs.OFlag) string {
	var parts []string
	for _, f := range flagNames {
		if flag&f.f != 0 {
			parts = append(parts, f.name)
			flag &^= f.f
		}
	}
	if flag != 0 {
		parts = append(parts, fmt.Sprintf("%#x", uint32(flag)))
	}
	if len(parts) == 0 {
		return "0"
	}
	return strings.Join(parts, "|")
}
