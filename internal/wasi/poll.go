package wasi

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math"
	"os"
	"time"

	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/sys"

	"github.com/wasirun/wasirun/internal/vfs"
)

// poll_oneoff, shared by both ABIs: they differ only in where a subscription's
// clock fields lie (subLayout). Events are 32 bytes in both.
//
// Semantics: an fd subscription on anything but a host stream is ready at once
// (regular files and directories always are; writes to the streams too; a
// stream over an in-process reader has its input already). A host *os.File
// input is asked with poll(2). A bad fd is an event with error EBADF, an fd
// without FD_POLL_READWRITE one with ENOTCAPABLE; neither fails the call. When
// nothing is ready, the call sleeps until the earliest clock or until the host
// input has data, and ends the guest (as wazero's close-on-context-done does)
// if ctx is done meanwhile.

// Event types, as WASI numbers them.
const (
	eventtypeClock   uint8 = 0
	eventtypeFdRead  uint8 = 1
	eventtypeFdWrite uint8 = 2
)

const (
	// subclockAbstime: the timeout is an absolute time of the clock.
	subclockAbstime uint16 = 1 << 0
	// eventrwflagHangup: the input has ended.
	eventrwflagHangup uint16 = 1 << 0

	eventSize = 32

	// pollSlice bounds each wait on a host stream, so that a done ctx is seen
	// within this time: poll(2) cannot be woken by a context.
	pollSlice = 20 * time.Millisecond
)

// subLayout is where an ABI puts the fields of a subscription: userdata at 0,
// the tag at 8 and the file descriptor at 16 in both, the clock's fields not.
type subLayout struct {
	size                              uint32
	clockID, clockTimeout, clockFlags uint32
}

var (
	// layoutPreview1: subscription_clock {id u32, timeout u64, precision u64,
	// flags u16} at 16; 48 bytes.
	layoutPreview1 = subLayout{size: 48, clockID: 16, clockTimeout: 24, clockFlags: 40}
	// layoutUnstable: snapshot 0's subscription_clock starts with an identifier
	// u64 (typenames.witx of phases/old/snapshot_0), which moves the rest by 8;
	// 56 bytes.
	layoutUnstable = subLayout{size: 56, clockID: 24, clockTimeout: 32, clockFlags: 48}
)

// subscription is one decoded subscription.
type subscription struct {
	userdata uint64
	tag      uint8
	clockID  uint32
	timeout  uint64
	flags    uint16
	fd       uint32
}

// decode reads the subscription at the start of b (at least l.size bytes).
func (l subLayout) decode(b []byte) subscription {
	le := binary.LittleEndian
	sub := subscription{userdata: le.Uint64(b[0:]), tag: b[8]}
	if sub.tag == eventtypeClock {
		sub.clockID = le.Uint32(b[l.clockID:])
		sub.timeout = le.Uint64(b[l.clockTimeout:])
		sub.flags = le.Uint16(b[l.clockFlags:])
	} else {
		sub.fd = le.Uint32(b[16:])
	}
	return sub
}

// pollOneoff is poll_oneoff(in, out, nsubscriptions, result.nevents).
func (s *System) pollOneoff(ctx context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return s.poll(ctx, mod, stack, layoutPreview1)
}

// pollOneoffUnstable is wasi_unstable's poll_oneoff: the same with snapshot 0's
// subscription layout.
func (s *System) pollOneoffUnstable(ctx context.Context, mod api.Module, stack []uint64) vfs.Errno {
	return s.poll(ctx, mod, stack, layoutUnstable)
}

// pollClock holds the clock readings a poll measures its timeouts from.
type pollClock struct {
	mono, wall int64
}

// deadline is when the clock subscription sub fires, on the monotonic clock
// (which the CPU-time clocks also read, see clock.go). An absolute realtime
// timeout is converted once, at the start of the call.
func (c pollClock) deadline(sub subscription) int64 {
	t := int64(min(sub.timeout, math.MaxInt64))
	switch {
	case sub.flags&subclockAbstime == 0:
		return addSat(c.mono, t)
	case sub.clockID == clockRealtime:
		return addSat(c.mono, t-c.wall)
	default:
		return t
	}
}

// addSat is a+b, saturated at the int64 bounds.
func addSat(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	if b < 0 && a < math.MinInt64-b {
		return math.MinInt64
	}
	return a + b
}

// poll is poll_oneoff over subscriptions laid out as l.
func (s *System) poll(ctx context.Context, mod api.Module, stack []uint64, l subLayout) vfs.Errno {
	in, out, n, resultNevents := uint32(stack[0]), uint32(stack[1]), uint32(stack[2]), uint32(stack[3])
	if n == 0 {
		return vfs.EINVAL
	}
	mem := mod.Memory()
	inBuf, errno := viewLarge(mem, in, uint64(n)*uint64(l.size))
	if errno != vfs.ESUCCESS {
		return errno
	}
	outBuf, errno := viewLarge(mem, out, uint64(n)*eventSize)
	if errno != vfs.ESUCCESS {
		return errno
	}
	if _, errno := view(mem, resultNevents, 4); errno != vfs.ESUCCESS {
		return errno // before any wait
	}

	// Validate every subscription before any effect, and find the earliest clock.
	clk := pollClock{mono: s.nanotime(), wall: s.walltime()}
	earliest, hasClock := int64(math.MaxInt64), false
	for i := range n {
		sub := l.decode(inBuf[i*l.size:])
		switch sub.tag {
		case eventtypeClock:
			if sub.clockID > clockThreadCputime || sub.flags&^subclockAbstime != 0 {
				return vfs.EINVAL
			}
			earliest, hasClock = min(earliest, clk.deadline(sub)), true
		case eventtypeFdRead, eventtypeFdWrite:
		default:
			return vfs.EINVAL
		}
	}

	// now is the monotonic clock, and at least its reading at the start plus
	// the real time spent here: a clock that does not advance (a fake one in
	// tests) or a coarser one than the timers still reaches the deadlines.
	started := time.Now()
	for {
		now := max(s.nanotime(), addSat(clk.mono, int64(time.Since(started))))
		nevents, wait := s.pollOnce(inBuf, outBuf, n, l, clk, now)
		if nevents > 0 {
			return writeU32(mem, resultNevents, nevents)
		}
		if wait == nil && !hasClock {
			// Not reached: an fd subscription is either an event or a wait.
			return writeU32(mem, resultNevents, 0)
		}
		if ctx.Err() != nil {
			exitOnDone(ctx, mod)
		}
		remaining := time.Duration(math.MaxInt64)
		if hasClock {
			remaining = time.Duration(earliest - now)
		}
		if wait != nil {
			pollReadable(wait, min(remaining, pollSlice))
		} else if !sleep(ctx, remaining) {
			exitOnDone(ctx, mod)
		}
	}
}

// pollOnce writes an event into out for every subscription that is ready at
// now, in subscription order, and returns how many. wait is a host input that
// is not ready yet (the first such), nil when there is none.
func (s *System) pollOnce(in, out []byte, n uint32, l subLayout, clk pollClock, now int64) (nevents uint32, wait *os.File) {
	for i := range n {
		sub := l.decode(in[i*l.size:])
		ev := out[nevents*eventSize : (nevents+1)*eventSize]
		if sub.tag == eventtypeClock {
			if now >= clk.deadline(sub) {
				putEvent(ev, sub.userdata, vfs.ESUCCESS, sub.tag, 0, 0)
				nevents++
			}
			continue
		}
		d, errno := s.fds.lookup(sub.fd, rightPollFdReadwrite)
		if errno != vfs.ESUCCESS {
			putEvent(ev, sub.userdata, errno, sub.tag, 0, 0)
			nevents++
			continue
		}
		ready, nbytes, flags, file := fdReadiness(d.ofd, sub.tag)
		d.ofd.release()
		if !ready {
			if wait == nil {
				wait = file
			}
			continue
		}
		putEvent(ev, sub.userdata, vfs.ESUCCESS, sub.tag, nbytes, flags)
		nevents++
	}
	return nevents, wait
}

// fdReadiness reports whether the open file f is ready for a read or a write
// (tag), with the event's nbytes and flags; when it is not, file is the host
// input to wait on (the runner's, which outlives f).
func fdReadiness(f *openFile, tag uint8) (ready bool, nbytes uint64, flags uint16, file *os.File) {
	if sf, ok := f.file.(*stdioFile); ok {
		if tag == eventtypeFdWrite {
			return true, 0, 0, nil
		}
		ready, nbytes, hangup := sf.available()
		if hangup {
			flags = eventrwflagHangup
		}
		return ready, nbytes, flags, sf.file
	}
	// A regular file is always ready; a read reports the bytes left after the
	// offset, as wasmtime does.
	if tag == eventtypeFdRead && f.filetype == filetypeRegularFile {
		st, errno := f.file.Stat()
		if errno == vfs.ESUCCESS {
			if off, errno := f.file.Lseek(0, io.SeekCurrent); errno == vfs.ESUCCESS && st.Size > off {
				nbytes = uint64(st.Size - off)
			}
		}
	}
	return true, nbytes, 0, nil
}

// putEvent writes one event (32 bytes): userdata u64 @0, error u16 @8, type u8
// @10, fd_readwrite {nbytes u64 @16, flags u16 @24}, the padding zeroed.
func putEvent(b []byte, userdata uint64, errno vfs.Errno, tag uint8, nbytes uint64, flags uint16) {
	le := binary.LittleEndian
	clear(b[:eventSize])
	le.PutUint64(b[0:], userdata)
	le.PutUint16(b[8:], uint16(errno))
	b[10] = tag
	le.PutUint64(b[16:], nbytes)
	le.PutUint16(b[24:], flags)
}

// viewLarge is view for a length computed in 64 bits: beyond 4 GiB it cannot be
// in guest memory.
func viewLarge(mem api.Memory, ptr uint32, n uint64) ([]byte, vfs.Errno) {
	if n > math.MaxUint32 {
		return nil, vfs.EFAULT
	}
	return view(mem, ptr, uint32(n))
}

// sleep waits d, and reports false when ctx is done first.
func sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// exitOnDone ends the guest because ctx is done, the way wazero does for a
// module configured to close when its context is done: the module is closed
// with sys.ExitCodeDeadlineExceeded or sys.ExitCodeContextCanceled and the call
// unwinds with that *sys.ExitError. The runner, which cancelled ctx, maps it to
// its exit code (124 on --timeout, 130/143 on a signal). Returning an errno
// instead would let the guest go on (Go's runtime throws on any error of
// poll_oneoff, printing a fatal error).
func exitOnDone(ctx context.Context, mod api.Module) {
	code := sys.ExitCodeContextCanceled
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		code = sys.ExitCodeDeadlineExceeded
	}
	_ = mod.CloseWithExitCode(ctx, code)
	panic(sys.NewExitError(code))
}
