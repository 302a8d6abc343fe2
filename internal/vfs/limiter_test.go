package vfs

import (
	"sync"
	"testing"
)

func TestLimiter(t *testing.T) {
	type step struct {
		reserve, release int64
		want             Errno
		used             int64
	}
	for _, tt := range []struct {
		name  string
		limit int64
		steps []step
	}{
		{"fits exactly", 10, []step{{reserve: 4, used: 4}, {reserve: 6, used: 10}, {reserve: 1, want: ENOSPC, used: 10}}},
		{"refused leaves count", 10, []step{{reserve: 11, want: ENOSPC}, {reserve: 10, used: 10}}},
		{"release makes room", 10, []step{{reserve: 8, used: 8}, {reserve: 3, want: ENOSPC, used: 8}, {release: 2, used: 6}, {reserve: 3, used: 9}}},
		{"zero and negative are no-ops", 10, []step{{reserve: 0}, {reserve: -5}, {release: -5}, {reserve: 10, used: 10}}},
		{"unlimited counts", 0, []step{{reserve: 1 << 40, used: 1 << 40}, {release: 1 << 40}}},
		{"negative limit is unlimited", -1, []step{{reserve: 1 << 50, used: 1 << 50}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			l := NewLimiter(tt.limit)
			for i, s := range tt.steps {
				if s.reserve != 0 {
					if got := l.Reserve(s.reserve); got != s.want {
						t.Fatalf("step %d: Reserve(%d) = %v, want %v", i, s.reserve, got, s.want)
					}
				} else {
					l.Release(s.release)
				}
				if got := l.Used(); got != s.used {
					t.Fatalf("step %d: Used = %d, want %d", i, got, s.used)
				}
			}
		})
	}
	if got := NewLimiter(-3).Limit(); got != 0 {
		t.Errorf("NewLimiter(-3).Limit() = %d, want 0", got)
	}
	if got := NewLimiter(7).Limit(); got != 7 {
		t.Errorf("NewLimiter(7).Limit() = %d, want 7", got)
	}
}

func TestLimiterNil(t *testing.T) {
	var l *Limiter
	if errno := l.Reserve(1 << 60); errno != ESUCCESS {
		t.Errorf("nil Reserve = %v", errno)
	}
	l.Release(5)
	if l.Used() != 0 || l.Limit() != 0 || l.reserveUpTo(9) != 9 {
		t.Errorf("nil limiter: Used %d Limit %d reserveUpTo %d", l.Used(), l.Limit(), l.reserveUpTo(9))
	}
}

func TestLimiterReserveUpTo(t *testing.T) {
	l := NewLimiter(10)
	for _, tt := range []struct{ n, got, used int64 }{
		{4, 4, 4}, {0, 0, 4}, {-1, 0, 4}, {10, 6, 10}, {1, 0, 10},
	} {
		if got := l.reserveUpTo(tt.n); got != tt.got || l.Used() != tt.used {
			t.Errorf("reserveUpTo(%d) = %d (used %d), want %d (used %d)", tt.n, got, l.Used(), tt.got, tt.used)
		}
	}
	if got := NewLimiter(0).reserveUpTo(1 << 40); got != 1<<40 {
		t.Errorf("unlimited reserveUpTo = %d", got)
	}
}

// TestLimiterHammer has many goroutines reserve and release at once (run it with
// -race): the count never passes the limit, and ends at 0.
func TestLimiterHammer(t *testing.T) {
	const limit, workers, rounds = 1000, 32, 2000
	l := NewLimiter(limit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var over []int64
	for g := range workers {
		wg.Go(func() {
			var held []int64
			for i := range rounds {
				n := int64((g*7+i*13)%97 + 1)
				switch {
				case i%3 == 2 && len(held) > 0:
					l.Release(held[len(held)-1])
					held = held[:len(held)-1]
				case i%5 == 4:
					if got := l.reserveUpTo(n); got > 0 {
						held = append(held, got)
					}
				default:
					if l.Reserve(n) == ESUCCESS {
						held = append(held, n)
					}
				}
				if u := l.Used(); u > limit || u < 0 {
					mu.Lock()
					over = append(over, u)
					mu.Unlock()
				}
			}
			for _, n := range held {
				l.Release(n)
			}
		})
	}
	wg.Wait()
	if len(over) > 0 {
		t.Errorf("Used left [0, %d]: %v", limit, over[:min(len(over), 10)])
	}
	if u := l.Used(); u != 0 {
		t.Errorf("Used at the end = %d, want 0", u)
	}
}
