//go:build darwin || dragonfly || freebsd || netbsd || openbsd

package wasi

import "golang.org/x/sys/unix"

const ioctlReadTermios = unix.TIOCGETA
