// Package wasi implements WASI preview 1 (wasi_snapshot_preview1) and its
// predecessor wasi_unstable (snapshot 0, with its own ABI where the two differ) as
// wazero host modules over the guest filesystem of package vfs.
//
// wazero is only the engine here: the host functions, the fd table with its
// rights, preopens and path resolution against a directory fd are this package's,
// so that every WASI errno reaches the guest (ENOSPC, EXDEV, EROFS, ENOTCAPABLE) and
// the runner can hook each call.
//
// The host modules are defined once per wazero runtime (Define); each call finds
// the state of its guest, a System, in the context the guest was called with
// (WithSystem), so one runtime runs any number of guests.
//
// Layout: system.go holds the per-guest state (System), Config, the guest root
// this package needs (Root) and the context lookup; module.go the export tables
// of both modules and Define; fdtable.go (descriptors over shared,
// reference-counted open files) and rights.go the fd table; mem.go the
// guest-memory accessors; the functions are grouped by family (fd.go,
// fd_readdir.go, path.go, args.go, clock.go, random.go, poll.go, proc.go,
// sock.go), the streams 0-2 are stdio.go's, and the wasi_unstable variants are in
// unstable.go.
package wasi
