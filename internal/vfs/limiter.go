package vfs

import "sync/atomic"

// Limiter is a memory budget shared by in-memory filesystems: every tmpfs built
// with the same Limiter draws from one count, so that `--fs-memory-limit` bounds
// all of them together. It counts the bytes of file contents that a tmpfs stores:
// a file of size n counts n less its holes (whole 256 KiB chunks no write reached,
// which take no memory); inodes, directory entries, names, symlink targets and the
// index of a file's chunks are not counted. It counts stored lengths, not the
// capacity Go allocates behind them: a chunk may hold up to about twice what it
// counts (four times once a truncation has cut it), and one that follows a full
// chunk up to 256 KiB whatever it counts, as a file written in order allocates each
// chunk once, whole.
//
// A Limiter is safe for concurrent use and takes no lock: Reserve is a
// compare-and-swap loop, so the count never passes the limit, even for a moment.
// A nil *Limiter is unlimited and counts nothing.
type Limiter struct {
	limit int64 // <= 0: unlimited
	used  atomic.Int64
}

// NewLimiter returns a Limiter of limit bytes; limit <= 0 means unlimited (the
// count is still kept, for Used).
func NewLimiter(limit int64) *Limiter {
	if limit < 0 {
		limit = 0
	}
	return &Limiter{limit: limit}
}

// Reserve counts n more bytes, or gives ENOSPC and counts nothing when that would
// pass the limit. n <= 0 reserves nothing.
func (l *Limiter) Reserve(n int64) Errno {
	if l == nil || n <= 0 {
		return ESUCCESS
	}
	if l.limit <= 0 {
		l.used.Add(n)
		return ESUCCESS
	}
	for {
		u := l.used.Load()
		if n > l.limit-u {
			return ENOSPC
		}
		if l.used.CompareAndSwap(u, u+n) {
			return ESUCCESS
		}
	}
}

// reserveUpTo counts as many of n bytes as fit under the limit and returns how
// many it counted (0 when none fit), for a write that stores what fits. A nil
// Limiter grants all n.
func (l *Limiter) reserveUpTo(n int64) int64 {
	if n <= 0 {
		return 0
	}
	if l == nil {
		return n
	}
	if l.limit <= 0 {
		l.used.Add(n)
		return n
	}
	for {
		u := l.used.Load()
		got := min(n, l.limit-u)
		if got <= 0 {
			return 0
		}
		if l.used.CompareAndSwap(u, u+got) {
			return got
		}
	}
}

// Release returns n bytes counted by Reserve. n <= 0 releases nothing.
func (l *Limiter) Release(n int64) {
	if l == nil || n <= 0 {
		return
	}
	l.used.Add(-n)
}

// Used returns the bytes counted now.
func (l *Limiter) Used() int64 {
	if l == nil {
		return 0
	}
	return l.used.Load()
}

// Limit returns the limit in bytes, 0 when unlimited.
func (l *Limiter) Limit() int64 {
	if l == nil {
		return 0
	}
	return l.limit
}
