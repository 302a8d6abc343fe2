package wasi

import (
	"context"
	"encoding/binary"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/tetratelabs/wazero/sys"

	"github.com/wasirun/wasirun/internal/vfs"
)

// testSub is a subscription as a test writes it; encodeSubs lays it out by
// hand, independently of subLayout.
type testSub struct {
	userdata uint64
	tag      uint8
	clockID  uint32
	timeout  uint64
	flags    uint16
	fd       uint32
}

func clockSub(userdata uint64, id uint32, timeout uint64, flags uint16) testSub {
	return testSub{userdata: userdata, tag: eventtypeClock, clockID: id, timeout: timeout, flags: flags}
}

func fdSub(userdata uint64, tag uint8, fd uint32) testSub {
	return testSub{userdata: userdata, tag: tag, fd: fd}
}

// Values in the fields an ABI does not read, so that a decoder reading the
// wrong offsets fails (an unknown clock id or flag is EINVAL).
const (
	garbageIdentifier = 0x0807060504030201
	garbagePrecision  = 0xfffe
)

// encodeSubs lays subs out as module's ABI does: preview 1's subscription is 48
// bytes, clock {id u32 @16, timeout u64 @24, precision u64 @32, flags u16 @40};
// wasi_unstable's 56, clock {identifier u64 @16, id u32 @24, timeout u64 @32,
// precision u64 @40, flags u16 @48}; fd_readwrite {fd u32 @16} in both.
func encodeSubs(module string, subs []testSub) []byte {
	le := binary.LittleEndian
	size := 48
	if module == moduleUnstable {
		size = 56
	}
	out := make([]byte, 0, size*len(subs))
	for _, s := range subs {
		b := make([]byte, size)
		le.PutUint64(b[0:], s.userdata)
		b[8] = s.tag
		switch {
		case s.tag != eventtypeClock:
			le.PutUint32(b[16:], s.fd)
		case module == moduleUnstable:
			le.PutUint64(b[16:], garbageIdentifier)
			le.PutUint32(b[24:], s.clockID)
			le.PutUint64(b[32:], s.timeout)
			le.PutUint64(b[40:], garbagePrecision)
			le.PutUint16(b[48:], s.flags)
		default:
			le.PutUint32(b[16:], s.clockID)
			le.PutUint64(b[24:], s.timeout)
			le.PutUint64(b[32:], garbagePrecision)
			le.PutUint16(b[40:], s.flags)
		}
		out = append(out, b...)
	}
	return out
}

type testEvent struct {
	userdata uint64
	errno    vfs.Errno
	tag      uint8
	nbytes   uint64
	flags    uint16
}

const (
	pollIn      = 1024
	pollOut     = 8192
	pollNevents = 8
)

// poll calls module.poll_oneoff over subs and decodes the events: userdata u64
// @0, error u16 @8, type u8 @10, fd_readwrite {nbytes u64 @16, flags u16 @24},
// 32 bytes each; the padding must be zero.
func (g *guest) poll(module string, subs []testSub) (vfs.Errno, []testEvent) {
	g.t.Helper()
	g.write(pollIn, encodeSubs(module, subs))
	g.write(pollOut, []byte(strings.Repeat("\xff", 32*len(subs)+32)))
	g.putU32(pollNevents, 0xdead)
	errno := g.call(module, "poll_oneoff", pollIn, pollOut, uint64(len(subs)), pollNevents)
	if errno != vfs.ESUCCESS {
		return errno, nil
	}
	n := g.u32(pollNevents)
	if n > uint32(len(subs)) {
		g.t.Fatalf("%d events for %d subscriptions", n, len(subs))
	}
	events := make([]testEvent, n)
	le := binary.LittleEndian
	for i := range events {
		b := g.read(pollOut+32*uint32(i), 32)
		events[i] = testEvent{
			userdata: le.Uint64(b[0:]),
			errno:    vfs.Errno(le.Uint16(b[8:])),
			tag:      b[10],
			nbytes:   le.Uint64(b[16:]),
			flags:    le.Uint16(b[24:]),
		}
		for _, pad := range [][]byte{b[11:16], b[26:32]} {
			for _, c := range pad {
				if c != 0 {
					g.t.Errorf("event %d: padding not zero: % x", i, b)
				}
			}
		}
	}
	if b := g.read(pollOut+32*n, 1); b[0] != 0xff {
		g.t.Errorf("wrote past event %d", n)
	}
	return errno, events
}

const hour = uint64(time.Hour)

func TestPollClock(t *testing.T) {
	ms := uint64(time.Millisecond)
	tests := []struct {
		name      string
		subs      []testSub
		want      []testEvent
		wantErrno vfs.Errno
		// minWait is the least the call must take; every call takes under a
		// few seconds.
		minWait time.Duration
	}{
		{name: "relative zero", subs: []testSub{clockSub(7, 1, 0, 0)}, want: []testEvent{{userdata: 7}}},
		{name: "relative 30ms", subs: []testSub{clockSub(7, 1, 30*ms, 0)}, want: []testEvent{{userdata: 7}}, minWait: 30 * time.Millisecond},
		{name: "relative realtime 30ms", subs: []testSub{clockSub(7, 0, 30*ms, 0)}, want: []testEvent{{userdata: 7}}, minWait: 30 * time.Millisecond},
		{name: "absolute monotonic", subs: []testSub{clockSub(7, 1, uint64(fakeMono)+30*ms, 1)}, want: []testEvent{{userdata: 7}}, minWait: 30 * time.Millisecond},
		{name: "absolute monotonic past", subs: []testSub{clockSub(7, 1, uint64(fakeMono)-1, 1)}, want: []testEvent{{userdata: 7}}},
		{name: "absolute realtime", subs: []testSub{clockSub(7, 0, uint64(fakeWall)+30*ms, 1)}, want: []testEvent{{userdata: 7}}, minWait: 30 * time.Millisecond},
		{name: "absolute realtime past", subs: []testSub{clockSub(7, 0, uint64(fakeWall)-hour, 1)}, want: []testEvent{{userdata: 7}}},
		{name: "cputime clocks", subs: []testSub{clockSub(2, 2, 0, 0), clockSub(3, 3, 0, 0)}, want: []testEvent{{userdata: 2}, {userdata: 3}}},
		{
			name: "earliest of two fires",
			subs: []testSub{clockSub(1, 1, hour, 0), clockSub(2, 1, 20*ms, 0), clockSub(3, 0, uint64(fakeWall)+hour, 1)},
			want: []testEvent{{userdata: 2}}, minWait: 20 * time.Millisecond,
		},
		{name: "no subscriptions", subs: nil, wantErrno: vfs.EINVAL},
		{name: "unknown clock", subs: []testSub{clockSub(1, 4, 0, 0)}, wantErrno: vfs.EINVAL},
		{name: "unknown flag", subs: []testSub{clockSub(1, 1, 0, 2)}, wantErrno: vfs.EINVAL},
		{name: "unknown type", subs: []testSub{clockSub(1, 1, 0, 0), {userdata: 2, tag: 3}}, wantErrno: vfs.EINVAL},
		{name: "unknown clock after a ready fd", subs: []testSub{fdSub(1, eventtypeFdWrite, 1), clockSub(2, 9, 0, 0)}, wantErrno: vfs.EINVAL},
	}
	for _, module := range []string{modulePreview1, moduleUnstable} {
		for _, tc := range tests {
			t.Run(module+"/"+tc.name, func(t *testing.T) {
				g := newGuest(t, fakeClocks())
				start := time.Now()
				errno, events := g.poll(module, tc.subs)
				took := time.Since(start)
				if errno != tc.wantErrno {
					t.Fatalf("poll_oneoff = %v, want %v", errno, tc.wantErrno)
				}
				if !equalEvents(events, tc.want) {
					t.Errorf("events %+v, want %+v", events, tc.want)
				}
				if took < tc.minWait || took > 5*time.Second {
					t.Errorf("took %v, want at least %v", took, tc.minWait)
				}
			})
		}
	}
}

func equalEvents(a, b []testEvent) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestPollFd(t *testing.T) {
	root := vfs.NewMountTable(vfs.NewTmpFS(vfs.NewLimiter(1<<20)), "tmp")
	// open opens /file, holding "hello", at offset 1.
	open := func(t *testing.T) vfs.File {
		f, errno := root.OpenFile("/file", vfs.OFlagRead|vfs.OFlagWrite|vfs.OFlagCreate, 0o644)
		if errno != vfs.ESUCCESS {
			t.Fatal(errno)
		}
		f.Pwrite([]byte("hello"), 0)
		f.Lseek(1, io.SeekStart)
		return f
	}

	tests := []struct {
		name  string
		stdin string
		subs  []testSub
		want  []testEvent
	}{
		{
			name: "streams", stdin: "abc",
			subs: []testSub{clockSub(9, 1, hour, 0), fdSub(1, eventtypeFdRead, 0), fdSub(2, eventtypeFdWrite, 1), fdSub(3, eventtypeFdWrite, 2)},
			want: []testEvent{{userdata: 1, tag: eventtypeFdRead, nbytes: 3}, {userdata: 2, tag: eventtypeFdWrite}, {userdata: 3, tag: eventtypeFdWrite}},
		},
		{
			name: "empty stdin hangs up",
			subs: []testSub{fdSub(1, eventtypeFdRead, 0)},
			want: []testEvent{{userdata: 1, tag: eventtypeFdRead, flags: eventrwflagHangup}},
		},
		{
			name: "bad fd", subs: []testSub{clockSub(9, 1, hour, 0), fdSub(1, eventtypeFdRead, 99), fdSub(2, eventtypeFdWrite, 0xffffffff)},
			want: []testEvent{{userdata: 1, errno: vfs.EBADF, tag: eventtypeFdRead}, {userdata: 2, errno: vfs.EBADF, tag: eventtypeFdWrite}},
		},
		{
			name: "without the right", subs: []testSub{clockSub(9, 1, hour, 0), fdSub(1, eventtypeFdWrite, 5)},
			want: []testEvent{{userdata: 1, errno: vfs.ENOTCAPABLE, tag: eventtypeFdWrite}},
		},
		{
			name: "directory and regular file",
			subs: []testSub{clockSub(9, 1, hour, 0), fdSub(1, eventtypeFdRead, 3), fdSub(2, eventtypeFdRead, 4), fdSub(3, eventtypeFdWrite, 4)},
			want: []testEvent{{userdata: 1, tag: eventtypeFdRead}, {userdata: 2, tag: eventtypeFdRead, nbytes: 4}, {userdata: 3, tag: eventtypeFdWrite}},
		},
	}
	for _, module := range []string{modulePreview1, moduleUnstable} {
		for _, tc := range tests {
			t.Run(module+"/"+tc.name, func(t *testing.T) {
				cfg := fakeClocks()
				cfg.Stdin = strings.NewReader(tc.stdin)
				cfg.Root = root
				cfg.Preopens = []Preopen{{Name: "/", Path: "/"}}
				g := newGuest(t, cfg)
				if fd := g.sys.fds.insert(fileDesc(open(t), filetypeRegularFile, "", "", rightsFileBase)); fd != 4 {
					t.Fatalf("file is fd %d", fd)
				}
				fd := g.sys.fds.insert(fileDesc(open(t), filetypeRegularFile, "", "", rightsFileBase&^rightPollFdReadwrite))
				if fd != 5 {
					t.Fatalf("file is fd %d", fd)
				}
				errno, events := g.poll(module, tc.subs)
				if errno != vfs.ESUCCESS {
					t.Fatalf("poll_oneoff = %v", errno)
				}
				if !equalEvents(events, tc.want) {
					t.Errorf("events %+v, want %+v", events, tc.want)
				}
			})
		}
	}
}

func TestPollFault(t *testing.T) {
	g := newGuest(t, Config{})
	g.write(0, encodeSubs(modulePreview1, []testSub{clockSub(1, 1, 0, 0)}))
	tests := []struct {
		name                string
		in, out, n, nevents uint64
	}{
		{"subscriptions past the end", memSize - 40, 1024, 1, 8},
		{"events past the end", 0, memSize - 16, 1, 8},
		{"nevents past the end", 0, 1024, 1, memSize - 2},
		{"count beyond memory", 0, 1024, 0xffffffff, 8},
		{"count beyond 4 GiB", 0, 1024, 0x10000000, 8},
	}
	for _, tc := range tests {
		if errno := g.p1("poll_oneoff", tc.in, tc.out, tc.n, tc.nevents); errno != vfs.EFAULT {
			t.Errorf("%s: poll_oneoff = %v, want EFAULT", tc.name, errno)
		}
	}
}

// TestPollCancel: a done context ends a long sleep promptly, and the guest with
// it, as wazero's close-on-context-done would.
func TestPollCancel(t *testing.T) {
	tests := []struct {
		name     string
		stdin    func(t *testing.T) *os.File // nil: a string reader
		subs     []testSub
		ctx      func() (context.Context, context.CancelFunc)
		wantCode uint32
	}{
		{
			name: "cancel", subs: []testSub{clockSub(1, 1, hour, 0)},
			ctx: func() (context.Context, context.CancelFunc) {
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(50*time.Millisecond, cancel)
				return ctx, cancel
			},
			wantCode: sys.ExitCodeContextCanceled,
		},
		{
			name: "deadline", subs: []testSub{clockSub(1, 0, uint64(fakeWall)+hour, 1)},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			},
			wantCode: sys.ExitCodeDeadlineExceeded,
		},
		{
			name: "waiting for stdin", stdin: emptyPipe, subs: []testSub{fdSub(1, eventtypeFdRead, 0)},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 50*time.Millisecond)
			},
			wantCode: sys.ExitCodeDeadlineExceeded,
		},
	}
	for _, module := range []string{modulePreview1, moduleUnstable} {
		for _, tc := range tests {
			t.Run(module+"/"+tc.name, func(t *testing.T) {
				cfg := fakeClocks()
				if tc.stdin != nil {
					cfg.Stdin = tc.stdin(t)
				}
				g := newGuest(t, cfg)
				g.write(pollIn, encodeSubs(module, tc.subs))
				start := time.Now()
				ctx, cancel := tc.ctx()
				defer cancel()
				g.ctx = WithSystem(ctx, g.sys)
				_, err := g.callErr(module, "poll_oneoff", pollIn, pollOut, uint64(len(tc.subs)), pollNevents)
				took := time.Since(start)
				if code := exitCode(t, err); code != tc.wantCode {
					t.Errorf("exit code %#x, want %#x", code, tc.wantCode)
				}
				if took < 50*time.Millisecond || took > 2*time.Second {
					t.Errorf("took %v, want 50ms and a little", took)
				}
			})
		}
	}
}

// emptyPipe is the read end of a pipe with nothing written yet; it skips the
// test where the host cannot tell whether a pipe has input.
func emptyPipe(t *testing.T) *os.File {
	t.Helper()
	r, w := hostPipe(t)
	_ = w
	return r
}

func hostPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	if ready, _ := pollReadable(r, 0); ready {
		t.Skip("this platform cannot poll a host pipe")
	}
	return r, w
}

// TestPollHostStdin: a host input is ready when it has data, and a poll waits
// for it.
func TestPollHostStdin(t *testing.T) {
	for _, module := range []string{modulePreview1, moduleUnstable} {
		t.Run(module, func(t *testing.T) {
			r, w := hostPipe(t)
			cfg := fakeClocks()
			cfg.Stdin = r
			g := newGuest(t, cfg)
			stdinRead := fdSub(1, eventtypeFdRead, 0)

			// Nothing written: the clock fires after its 30ms.
			start := time.Now()
			errno, events := g.poll(module, []testSub{stdinRead, clockSub(2, 1, uint64(30*time.Millisecond), 0)})
			if took := time.Since(start); took < 30*time.Millisecond {
				t.Errorf("took %v", took)
			}
			if errno != vfs.ESUCCESS || !equalEvents(events, []testEvent{{userdata: 2}}) {
				t.Errorf("empty: %v %+v", errno, events)
			}

			// Input arrives while the poll waits with no clock.
			time.AfterFunc(50*time.Millisecond, func() { w.Write([]byte("x")) })
			start = time.Now()
			errno, events = g.poll(module, []testSub{stdinRead})
			if took := time.Since(start); took < 40*time.Millisecond || took > 2*time.Second {
				t.Errorf("took %v", took)
			}
			if errno != vfs.ESUCCESS || !equalEvents(events, []testEvent{{userdata: 1, tag: eventtypeFdRead}}) {
				t.Errorf("data: %v %+v", errno, events)
			}

			// The writer is gone: ready at once.
			w.Close()
			r.Read(make([]byte, 1))
			errno, events = g.poll(module, []testSub{stdinRead, clockSub(2, 1, hour, 0)})
			if errno != vfs.ESUCCESS || len(events) != 1 || events[0].userdata != 1 || events[0].errno != 0 {
				t.Errorf("closed: %v %+v", errno, events)
			}
		})
	}
}
