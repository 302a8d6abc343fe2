package runner

import (
	"github.com/wasirun/wasirun/internal/wasi"
)

// preopens are the directories a guest gets as fds 3 and 4: the guest root "/"
// and its working directory ".". When the guest does not start at "/", "." comes
// first, so that absolute paths mean the guest root for every toolchain; when it
// does, "/" comes first, because Go takes its working directory from the first
// preopen when PWD is not set (and PWD is set exactly when the guest does not
// start at "/").
//
// The toolchains pick a preopen for a path differently:
//
//   - Go's wasip1 runtime joins a relative path to its working directory (PWD)
//     and takes the preopen with the longest name that prefixes the result;
//     "." prefixes no absolute path, so "/" serves every path, and relative
//     paths mean the working directory.
//   - wasi-libc (C, C++, Rust) has no working directory of its own to learn at
//     start: its getcwd() says "/", a relative path is looked up as if it were
//     absolute, and the names "/" and "." match every path equally, the preopen
//     registered last winning the tie. With "/" registered before ".", every
//     path, absolute ones included, resolved against the working directory:
//     "/src/a" with the guest in /src opened /src/src/a. With "/" last, absolute
//     paths are right, and relative ones resolve from "/", the directory the
//     program's own getcwd() reports.
//
// No order or naming of preopens can give a wasi-libc program both: an extra
// preopen for each directory at the top of the root would send the relative
// path "src/a" to "/src/a" too. README ("preopens") says so.
func preopens(cwd string) []wasi.Preopen {
	if cwd == "/" {
		return []wasi.Preopen{{Name: "/", Path: "/"}, {Name: ".", Path: "/"}}
	}
	return []wasi.Preopen{{Name: ".", Path: cwd}, {Name: "/", Path: "/"}}
}
