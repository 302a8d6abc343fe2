package runner

import (
	"io/fs"
	"slices"

	"github.com/wasirun/wasirun/internal/vfs"
	"github.com/wasirun/wasirun/internal/wasi"
)

// preopens are the directories a guest gets as fds 3, 4, ...: the guest root
// "/" and its working directory ".", in an order and a form that makes absolute
// paths mean the guest root and relative ones the working directory for every
// toolchain.
//
// The toolchains pick a preopen for a path differently:
//
//   - Go's wasip1 runtime joins a relative path to its working directory (PWD)
//     and takes the preopen with the longest name that prefixes the result, the
//     first of equals; "." prefixes no absolute path, so "/" serves every path.
//   - wasi-libc (C, C++, Rust, TinyGo, Zig's libc) knows no working directory:
//     its getcwd() says "/", a relative path is looked up as if it were
//     absolute, and the names "/" and "." both match every path equally, the
//     preopen registered last winning the tie. With "/" then ".", every path,
//     absolute ones included, resolved against the working directory: "/src/a"
//     with the guest in /src opened /src/src/a.
//
// So when the guest does not start at "/", a module that is not Go's gets one
// preopen more for each directory at the top of the guest root ("/bin", "/src",
// ...), named by its absolute path: an absolute path under one of them is
// matched by it (a longer match than "" or "/"), and "." registered last serves
// relative paths. What is left over: an absolute path naming "/" itself or a new
// entry directly under it resolves against the working directory (README,
// "preopens"). A Go module keeps "/" and "." alone, since extra names would meet
// Go's prefix match, which does not stop at a path separator ("/srcfoo" would
// match "/src").
func preopens(root *vfs.MountTable, cwd string, goModule bool) []wasi.Preopen {
	list := []wasi.Preopen{{Name: "/", Path: "/"}}
	if cwd != "/" && !goModule {
		for _, name := range topDirectories(root) {
			list = append(list, wasi.Preopen{Name: "/" + name, Path: "/" + name})
		}
	}
	return append(list, wasi.Preopen{Name: ".", Path: cwd})
}

// topDirectories lists the directories directly under the guest root, sorted.
func topDirectories(root *vfs.MountTable) []string {
	f, errno := root.OpenFile("/", vfs.OFlagRead|vfs.OFlagDirectory, 0)
	if errno != vfs.ESUCCESS {
		return nil
	}
	defer f.Close()
	var (
		names  []string
		buf    [64]vfs.Dirent
		cookie uint64
	)
	for {
		n, errno := f.Readdir(cookie, buf[:])
		if errno != vfs.ESUCCESS || n == 0 {
			break
		}
		for _, d := range buf[:n] {
			cookie = d.Next
			if d.Name == "." || d.Name == ".." {
				continue
			}
			if d.Type&fs.ModeDir != 0 {
				names = append(names, d.Name)
			} else if d.Type&fs.ModeSymlink != 0 {
				// A link at the top (a root layer's "lib -> usr/lib") is followed.
				if st, errno := root.Stat("/" + d.Name); errno == vfs.ESUCCESS && st.Mode.IsDir() {
					names = append(names, d.Name)
				}
			}
		}
	}
	slices.Sort(names)
	return names
}

// isGoModule reports whether a module was built by Go's toolchain, whose linker
// writes a "go:buildid" custom section.
func isGoModule(wasm []byte) bool {
	for off := 8; off < len(wasm); {
		id := wasm[off]
		size, n := uleb(wasm[off+1:])
		if n == 0 {
			return false
		}
		start := off + 1 + n
		end := start + int(size)
		if end > len(wasm) || end < start {
			return false
		}
		if id == 0 {
			nameLen, k := uleb(wasm[start:end])
			if k > 0 && start+k+int(nameLen) <= end && string(wasm[start+k:start+k+int(nameLen)]) == "go:buildid" {
				return true
			}
		}
		off = end
	}
	return false
}

// uleb decodes an unsigned LEB128 number of at most 32 bits; n is 0 when b holds
// none.
func uleb(b []byte) (v uint32, n int) {
	for i := 0; i < len(b) && i < 5; i++ {
		v |= uint32(b[i]&0x7f) << (7 * i)
		if b[i] < 0x80 {
			return v, i + 1
		}
	}
	return 0, 0
}
