// Package wasi implements WASI preview 1 (wasi_snapshot_preview1) and its
// predecessor wasi_unstable (snapshot 0, with its own ABI where the two differ) as
// wazero host modules over the guest filesystem of package vfs.
//
// wazero is only the engine here: the host functions, the fd table with its
// rights, preopens and path resolution against a directory fd are this package's,
// so that every WASI errno reaches the guest (ENOSPC, EXDEV, EROFS, ENOTCAPABLE) and
// the runner can hook each call.
//
// Layout: system.go holds the per-guest state (System) and Config; module.go the
// export tables of both modules; fdtable.go and rights.go the fd table; mem.go the
// guest-memory accessors; the functions are grouped by family (fd.go,
// fd_readdir.go, path.go, args.go, clock.go, random.go, poll.go, proc.go,
// sock.go), the streams 0-2 are stdio.go's, and the wasi_unstable variants are in
// unstable.go.
package wasi
