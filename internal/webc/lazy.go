package webc

import (
	"regexp"
	"sync"
)

// lazy is a value made on first use. Declared as a package variable with a
// top-level function for make, it is data the compiler lays out, where
// sync.OnceValue would run (and allocate) when wasirun starts.
type lazy[T any] struct {
	make func() T
	once sync.Once
	v    T
}

// get makes the value the first time and returns it.
func (l *lazy[T]) get() T {
	l.once.Do(func() { l.v = l.make() })
	return l.v
}

// lazyRegexp is a pattern compiled on first use, not when wasirun starts.
type lazyRegexp struct {
	pattern string
	once    sync.Once
	re      *regexp.Regexp
}

// get compiles the pattern the first time and returns it.
func (l *lazyRegexp) get() *regexp.Regexp {
	l.once.Do(func() { l.re = regexp.MustCompile(l.pattern) })
	return l.re
}
