//go:build !linux

package vfs

import "os"

// hostBeneath is Linux's openat2 fast path (see hostdir_beneath_linux.go); other
// systems go through os.Root only.
type hostBeneath struct{}

func newHostBeneath(*os.Root) *hostBeneath { return nil }

func (*hostBeneath) close() error { return nil }

func (*hostDir) lstatBeneath(string) (Stat, bool, error) { return Stat{}, false, nil }

func (*hostDir) openBeneath(string, int, uint32) (*os.File, bool, error) { return nil, false, nil }

func (*hostDir) atParentBeneath(string, string, func(int, string) error) (bool, error) {
	return false, nil
}
