package wasi

import (
	"context"
	"encoding/binary"
	"io"
	"math"

	"github.com/tetratelabs/wazero/api"

	"github.com/wasirun/wasirun/internal/vfs"
)

// The fd_* functions. Each takes its parameters from the stack in the order of
// wasi_snapshot_preview1 and returns the errno the guest receives; results go
// to guest memory. Rights are checked first (ENOTCAPABLE), then the call is
// handed to the fd's vfs.File, whose errno passes through unchanged.

// Sizes of the preview1 structures written to guest memory.
const (
	fdstatSize   = 24
	filestatSize = 64
	prestatSize  = 8
	iovecSize    = 8
)

// whenceValues maps fd_seek's whence, by its wire value, to io.Seek*: the two
// ABIs number them differently.
type whenceValues [3]int

// preview1Whence is preview 1's numbering: SET, CUR, END.
var preview1Whence = whenceValues{io.SeekStart, io.SeekCurrent, io.SeekEnd}

// fstflags of fd_filestat_set_times and path_filestat_set_times.
const (
	fstflagAtim    uint32 = 1 << 0
	fstflagAtimNow uint32 = 1 << 1
	fstflagMtim    uint32 = 1 << 2
	fstflagMtimNow uint32 = 1 << 3
)

// adviceMax is the largest advice of fd_advise (noreuse).
const adviceMax = 5

// fdflagsAll are the fdflags preview1 defines.
const fdflagsAll = fdflagAppend | fdflagDsync | fdflagNonblock | fdflagRsync | fdflagSync

// file acquires the open file of fd when the fd holds the rights in need and has
// a file: EBADF when fd is not open or has no file, ENOTCAPABLE when a right is
// missing. On success the caller releases it (f.release) when done.
func (s *System) file(fd uint32, need uint64) (*openFile, vfs.Errno) {
	d, errno := s.fds.lookup(fd, need)
	if errno != vfs.ESUCCESS {
		return nil, errno
	}
	if d.ofd.file == nil {
		d.ofd.release()
		return nil, vfs.EBADF
	}
	return d.ofd, vfs.ESUCCESS
}

// seek moves the offset of fd (whence: io.SeekStart, io.SeekCurrent,
// io.SeekEnd) and returns the new offset. A tell (offset 0 from the current
// position) needs rightFdTell or rightFdSeek, any other seek rightFdSeek. A
// stream is ESPIPE and a directory EBADF, as wasmtime answers; an offset that
// would become negative is EINVAL. fd_seek, fd_tell and wasi_unstable's fd_seek
// share it.
func (s *System) seek(fd uint32, offset int64, whence int) (int64, vfs.Errno) {
	d, errno := s.fds.acquire(fd)
	if errno != vfs.ESUCCESS {
		return 0, errno
	}
	f := d.ofd
	defer f.release()
	if f.isStream() {
		return 0, vfs.ESPIPE
	}
	need := rightFdSeek
	if offset == 0 && whence == io.SeekCurrent {
		need = rightFdSeek | rightFdTell // either: fd_seek's right implies fd_tell's
	}
	switch {
	case d.rights&need == 0:
		return 0, vfs.ENOTCAPABLE
	case f.file == nil || f.filetype == filetypeDirectory:
		return 0, vfs.EBADF
	}
	switch whence {
	case io.SeekStart:
		if offset < 0 {
			return 0, vfs.EINVAL
		}
	case io.SeekCurrent, io.SeekEnd:
	default:
		return 0, vfs.EINVAL
	}
	return f.file.Lseek(offset, whence)
}

// fdStat returns the attributes of the file open as fd and its WASI filetype;
// it needs rightFdFilestatGet. fd_filestat_get and wasi_unstable's share it.
func (s *System) fdStat(fd uint32) (vfs.Stat, uint8, vfs.Errno) {
	f, errno := s.file(fd, rightFdFilestatGet)
	if errno != vfs.ESUCCESS {
		return vfs.Stat{}, 0, errno
	}
	defer f.release()
	st, errno := f.file.Stat()
	if errno != vfs.ESUCCESS {
		return vfs.Stat{}, 0, errno
	}
	return st, f.filetype, vfs.ESUCCESS
}

// putFilestat writes st as a preview1 filestat (64 bytes) at ptr.
func putFilestat(m api.Memory, ptr uint32, st *vfs.Stat, filetype uint8) vfs.Errno {
	b, errno := view(m, ptr, filestatSize)
	if errno != vfs.ESUCCESS {
		return errno
	}
	le := binary.LittleEndian
	le.PutUint64(b[0:], st.Dev)
	le.PutUint64(b[8:], st.Ino)
	le.PutUint64(b[16:], uint64(filetype)) // the filetype byte and its padding
	le.PutUint64(b[24:], st.Nlink)
	le.PutUint64(b[32:], uint64(st.Size))
	le.PutUint64(b[40:], uint64(st.Atim))
	le.PutUint64(b[48:], uint64(st.Mtim))
	le.PutUint64(b[56:], uint64(st.Ctim))
	return vfs.ESUCCESS
}

// utimes turns the timestamps and fstflags of the set_times functions into the
// values of vfs Utimens: a time and its _NOW flag together are EINVAL, as are
// unknown flags.
func utimes(atim, mtim uint64, fstflags uint32) (int64, int64, vfs.Errno) {
	if fstflags&^(fstflagAtim|fstflagAtimNow|fstflagMtim|fstflagMtimNow) != 0 {
		return 0, 0, vfs.EINVAL
	}
	a, errno := utime(atim, fstflags&fstflagAtim != 0, fstflags&fstflagAtimNow != 0)
	if errno != vfs.ESUCCESS {
		return 0, 0, errno
	}
	m, errno := utime(mtim, fstflags&fstflagMtim != 0, fstflags&fstflagMtimNow != 0)
	return a, m, errno
}

func utime(t uint64, set, now bool) (int64, vfs.Errno) {
	switch {
	case set && now:
		return 0, vfs.EINVAL
	case now:
		return vfs.UTimeNow, vfs.ESUCCESS
	case !set:
		return vfs.UTimeOmit, vfs.ESUCCESS
	case t > math.MaxInt64:
		return 0, vfs.EINVAL
	}
	return int64(t), vfs.ESUCCESS
}

// fd_advise(fd, offset, len, advice): advice is validated and otherwise
// ignored; a filesystem in memory has nothing to prefetch.
func (s *System) fdAdvise(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	fd, advice := uint32(stack[0]), uint32(stack[3])
	if advice > adviceMax {
		return vfs.EINVAL
	}
	f, errno := s.file(fd, rightFdAdvise)
	if errno != vfs.ESUCCESS {
		return errno
	}
	f.release()
	return vfs.ESUCCESS
}

// fd_allocate(fd, offset, len) grows the file to offset+len when it is
// shorter, as posix_fallocate does (the suite's file_allocate expects it; current
// wasmtime answers ENOTSUP instead).
func (s *System) fdAllocate(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	fd, offset, length := uint32(stack[0]), stack[1], stack[2]
	f, errno := s.file(fd, rightFdAllocate)
	if errno != vfs.ESUCCESS {
		return errno
	}
	defer f.release()
	switch {
	case f.filetype == filetypeDirectory:
		return vfs.EISDIR
	case length == 0 || offset > math.MaxInt64 || length > math.MaxInt64:
		return vfs.EINVAL
	case offset+length > math.MaxInt64:
		return vfs.EFBIG
	}
	st, errno := f.file.Stat()
	if errno != vfs.ESUCCESS {
		return errno
	}
	if end := int64(offset + length); end > st.Size {
		return f.file.Truncate(end)
	}
	return vfs.ESUCCESS
}

// fd_close(fd) closes fd; a preopen may be closed too. The file's own close, and
// its errno, wait for the last fd of the file and the last call using it.
func (s *System) fdClose(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	return s.fds.close(uint32(stack[0]))
}

// fd_datasync(fd)
func (s *System) fdDatasync(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	f, errno := s.file(uint32(stack[0]), rightFdDatasync)
	if errno != vfs.ESUCCESS {
		return errno
	}
	defer f.release()
	return f.file.Datasync()
}

// fd_sync(fd)
func (s *System) fdSync(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	f, errno := s.file(uint32(stack[0]), rightFdSync)
	if errno != vfs.ESUCCESS {
		return errno
	}
	defer f.release()
	return f.file.Sync()
}

// fd_fdstat_get(fd, buf) writes the fdstat: filetype u8 @0, flags u16 @2,
// rights_base u64 @8, rights_inheriting u64 @16. It needs no right and no file.
func (s *System) fdFdstatGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	d, errno := s.fds.get(uint32(stack[0]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	b, errno := view(mod.Memory(), uint32(stack[1]), fdstatSize)
	if errno != vfs.ESUCCESS {
		return errno
	}
	d.ofd.mu.Lock()
	fdflags := d.ofd.fdflags
	d.ofd.mu.Unlock()
	le := binary.LittleEndian
	le.PutUint64(b[0:], uint64(d.ofd.filetype)|uint64(fdflags)<<16)
	le.PutUint64(b[8:], d.rights)
	le.PutUint64(b[16:], d.inheriting)
	return vfs.ESUCCESS
}

// fd_fdstat_set_flags(fd, flags): APPEND is applied to the file; the others
// (DSYNC, NONBLOCK, RSYNC, SYNC) are recorded, a filesystem in memory having no
// use for them. They are the open file's, shared by every fd of it.
func (s *System) fdFdstatSetFlags(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	fd, flags := uint32(stack[0]), uint32(stack[1])
	if flags&^uint32(fdflagsAll) != 0 {
		return vfs.EINVAL
	}
	f, errno := s.file(fd, rightFdFdstatSetFlags)
	if errno != vfs.ESUCCESS {
		return errno
	}
	defer f.release()
	f.mu.Lock()
	defer f.mu.Unlock()
	ff := uint16(flags)
	if (f.fdflags^ff)&fdflagAppend != 0 && f.filetype != filetypeDirectory {
		if errno := f.file.SetAppend(ff&fdflagAppend != 0); errno != vfs.ESUCCESS {
			return errno
		}
	}
	f.fdflags = ff
	return vfs.ESUCCESS
}

// fd_fdstat_set_rights(fd, base, inheriting) only drops rights: asking for one
// the fd does not hold is ENOTCAPABLE.
func (s *System) fdFdstatSetRights(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	return s.fds.setRights(uint32(stack[0]), stack[1], stack[2])
}

// fd_filestat_get(fd, buf)
func (s *System) fdFilestatGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	st, filetype, errno := s.fdStat(uint32(stack[0]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	return putFilestat(mod.Memory(), uint32(stack[1]), &st, filetype)
}

// fd_filestat_set_size(fd, size)
func (s *System) fdFilestatSetSize(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	fd, size := uint32(stack[0]), stack[1]
	f, errno := s.file(fd, rightFdFilestatSetSize)
	if errno != vfs.ESUCCESS {
		return errno
	}
	defer f.release()
	if size > math.MaxInt64 {
		return vfs.EFBIG
	}
	return f.file.Truncate(int64(size))
}

// fd_filestat_set_times(fd, atim, mtim, fstflags)
func (s *System) fdFilestatSetTimes(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	atim, mtim, errno := utimes(stack[1], stack[2], uint32(stack[3]))
	if errno != vfs.ESUCCESS {
		return errno
	}
	f, errno := s.file(uint32(stack[0]), rightFdFilestatSetTimes)
	if errno != vfs.ESUCCESS {
		return errno
	}
	defer f.release()
	return f.file.Utimens(atim, mtim)
}

// ioOp is what iov does with each buffer.
type ioOp uint8

const (
	opRead ioOp = iota
	opPread
	opWrite
	opPwrite
)

// iov runs op over the iovec array {buf u32, len u32}[n] at iovs, straight
// between guest memory and f (no copy, no allocation), and returns how many bytes
// it moved. It stops at a short transfer; an error after some bytes moved ends
// the call with the count, as readv(2) and writev(2) do.
func iov(m api.Memory, f vfs.File, op ioOp, iovs, n uint32, off int64) (uint32, vfs.Errno) {
	if n > math.MaxUint32/iovecSize {
		return 0, vfs.EINVAL
	}
	vec, errno := view(m, iovs, n*iovecSize)
	if errno != vfs.ESUCCESS {
		return 0, errno
	}
	var total int64
	for i := 0; i+iovecSize <= len(vec); i += iovecSize {
		ptr := binary.LittleEndian.Uint32(vec[i:])
		size := binary.LittleEndian.Uint32(vec[i+4:])
		if room := math.MaxUint32 - total; int64(size) > room {
			size = uint32(room)
		}
		b, errno := view(m, ptr, size)
		if errno != vfs.ESUCCESS {
			if total > 0 {
				break
			}
			return 0, errno
		}
		var k int
		switch op {
		case opRead:
			k, errno = f.Read(b)
		case opPread:
			k, errno = f.Pread(b, off+total)
		case opWrite:
			k, errno = f.Write(b)
		case opPwrite:
			k, errno = f.Pwrite(b, off+total)
		}
		total += int64(k)
		if errno != vfs.ESUCCESS {
			if total > 0 {
				break
			}
			return 0, errno
		}
		if k < len(b) || total == math.MaxUint32 {
			break
		}
	}
	return uint32(total), vfs.ESUCCESS
}

// rw is fd_read, fd_pread, fd_write and fd_pwrite: (fd, iovs, iovs_len[,
// offset], result).
func (s *System) rw(mod api.Module, stack []uint64, op ioOp, need uint64) vfs.Errno {
	fd, iovs, n := uint32(stack[0]), uint32(stack[1]), uint32(stack[2])
	resultPtr := uint32(stack[3])
	var off int64
	if op == opPread || op == opPwrite {
		if stack[3] > math.MaxInt64 {
			return vfs.EINVAL
		}
		off, resultPtr = int64(stack[3]), uint32(stack[4])
	}
	d, errno := s.fds.acquire(fd)
	if errno != vfs.ESUCCESS {
		return errno
	}
	f := d.ofd
	defer f.release()
	switch {
	case (op == opPread || op == opPwrite) && f.isStream():
		return vfs.ESPIPE
	case d.rights&need != need:
		return vfs.ENOTCAPABLE
	case f.file == nil:
		return vfs.EBADF
	}
	m := mod.Memory()
	done, errno := iov(m, f.file, op, iovs, n, off)
	if errno != vfs.ESUCCESS {
		return errno
	}
	return writeU32(m, resultPtr, done)
}

// fd_read(fd, iovs, iovs_len, nread)
func (s *System) fdRead(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return s.rw(mod, stack, opRead, rightFdRead)
}

// fd_pread(fd, iovs, iovs_len, offset, nread): a stream is ESPIPE.
func (s *System) fdPread(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return s.rw(mod, stack, opPread, rightFdRead|rightFdSeek)
}

// fd_write(fd, iovs, iovs_len, nwritten)
func (s *System) fdWrite(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return s.rw(mod, stack, opWrite, rightFdWrite)
}

// fd_pwrite(fd, iovs, iovs_len, offset, nwritten) writes at offset also in
// append mode, as POSIX says (Linux would append; the suite accepts both).
func (s *System) fdPwrite(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return s.rw(mod, stack, opPwrite, rightFdWrite|rightFdSeek)
}

// fd_prestat_get(fd, buf) writes the prestat of a preopen: tag u8 @0 (0, a
// directory), name_len u32 @4. Any other fd is EBADF.
func (s *System) fdPrestatGet(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	d, errno := s.fds.get(uint32(stack[0]))
	switch {
	case errno != vfs.ESUCCESS:
		return errno
	case d.preopen == "":
		return vfs.EBADF
	}
	b, errno := view(mod.Memory(), uint32(stack[1]), prestatSize)
	if errno != vfs.ESUCCESS {
		return errno
	}
	binary.LittleEndian.PutUint32(b[0:], 0)
	binary.LittleEndian.PutUint32(b[4:], uint32(len(d.preopen)))
	return vfs.ESUCCESS
}

// fd_prestat_dir_name(fd, buf, len) writes the preopen's name, not NUL
// terminated; a buffer shorter than the name is ENAMETOOLONG, as wasmtime.
func (s *System) fdPrestatDirName(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	fd, ptr, n := uint32(stack[0]), uint32(stack[1]), uint32(stack[2])
	d, errno := s.fds.get(fd)
	switch {
	case errno != vfs.ESUCCESS:
		return errno
	case d.preopen == "":
		return vfs.EBADF
	case uint64(n) < uint64(len(d.preopen)):
		return vfs.ENAMETOOLONG
	}
	b, errno := view(mod.Memory(), ptr, uint32(len(d.preopen)))
	if errno != vfs.ESUCCESS {
		return errno
	}
	copy(b, d.preopen)
	return vfs.ESUCCESS
}

// fd_renumber(from, to) moves from onto to, releasing what to held; both must
// be open (EBADF).
func (s *System) fdRenumber(_ context.Context, _ api.Module, stack []uint64) vfs.Errno {
	return s.fds.renumber(uint32(stack[0]), uint32(stack[1]))
}

// fd_seek(fd, offset, whence, newoffset)
func (s *System) fdSeek(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return s.fdSeekABI(mod, stack, &preview1Whence)
}

// fdSeekABI is fd_seek with the whence numbering of one ABI.
func (s *System) fdSeekABI(mod api.Module, stack []uint64, whences *whenceValues) vfs.Errno {
	fd, offset, w, resultPtr := uint32(stack[0]), int64(stack[1]), uint32(stack[2]), uint32(stack[3])
	if w >= uint32(len(whences)) {
		return vfs.EINVAL
	}
	pos, errno := s.seek(fd, offset, whences[w])
	if errno != vfs.ESUCCESS {
		return errno
	}
	return writeU64(mod.Memory(), resultPtr, uint64(pos))
}

// fd_tell(fd, offset)
func (s *System) fdTell(_ context.Context, mod api.Module, stack []uint64) vfs.Errno {
	pos, errno := s.seek(uint32(stack[0]), 0, io.SeekCurrent)
	if errno != vfs.ESUCCESS {
		return errno
	}
	return writeU64(mod.Memory(), uint32(stack[1]), uint64(pos))
}
