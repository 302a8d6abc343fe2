//go:build aix || linux || solaris || zos

package wasi

import "golang.org/x/sys/unix"

const ioctlReadTermios = unix.TCGETS
