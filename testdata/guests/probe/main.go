//go:build wasip1

// Command probe is the WASI test program of wasirun's tests: one binary with
// sub-commands, built with GOOS=wasip1 GOARCH=wasm by internal/testguest.
//
//	probe args              every os.Args element: "0=<argv0>", "1=...", one a line
//	probe env               os.Environ(), sorted, one a line
//	probe getenv K          the value of K (an error if K is not set)
//	probe cwd               os.Getwd()
//	probe cat PATH...       the files' bytes, concatenated
//	probe ls DIR            the names in DIR, sorted, one a line; directories end in "/"
//	probe stat PATH         "<name> <size> <dir|file|symlink|other> <perm %04o>" (Lstat)
//	probe write PATH TEXT   create or truncate PATH (0644) and write TEXT to it
//	probe append PATH TEXT  append TEXT to PATH, creating it (0644)
//	probe mkdir PATH        os.Mkdir(PATH, 0755)
//	probe rm PATH           os.Remove(PATH)
//	probe rename A B        os.Rename(A, B)
//	probe symlink T LINK    os.Symlink(T, LINK)
//	probe readlink PATH     the link's target
//	probe fill PATH N       write N bytes (N may end in K or M) in 64 KiB chunks; the count
//	probe exit N            os.Exit(N)
//	probe stdin             copy stdin to stdout
//	probe stderr TEXT       TEXT and a newline to stderr
//	probe sleep DURATION    time.Sleep(DURATION), then "slept"
//	probe readall DIR       walk DIR, Lstat every entry and read every regular file:
//	                        "<files> files <bytes> bytes"
//	probe panic             a Go panic (exit code 2)
//	probe spin              "ready" on stderr, then arithmetic forever, no host call
//	probe block-stdin       "ready" on stderr, then read stdin to its end
//	probe flood             "ready" on stderr, then write stdout until a write fails
//
// Every line of output ends in a newline; write, append, mkdir, rm, rename and
// symlink print nothing. A failed operation prints "error: <op> <path>: <errno>" to
// stderr and exits 1, where <op> and <path> are those of the *fs.PathError (a
// rename or symlink, an *os.LinkError, names both paths: "<op> <old> <new>") and
// <errno> is the bare name of the syscall.Errno (ENOENT, ENOSPC, ENOTCAPABLE, ...)
// or the error's text if it has none. A usage error exits 2.
//
// Go's wasip1 port has no permission bits: Lstat reports 0700 for directories and
// 0600 for everything else, whatever the host has.
package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// nargs is the number of arguments each sub-command takes; -1: one or more;
// -2: any.
var nargs = map[string]int{
	"args": -2, "env": 0, "getenv": 1, "cwd": 0, "cat": -1, "ls": 1, "stat": 1,
	"write": 2, "append": 2, "mkdir": 1, "rm": 1, "rename": 2, "symlink": 2,
	"readlink": 1, "fill": 2, "exit": 1, "stdin": 0, "stderr": 1, "sleep": 1,
	"readall": 1, "panic": 0,
	"spin": 0, "block-stdin": 0, "flood": 0,
}

func main() {
	if len(os.Args) < 2 {
		usage("no sub-command")
	}
	cmd, args := os.Args[1], os.Args[2:]
	n, ok := nargs[cmd]
	switch {
	case !ok:
		usage("unknown sub-command " + strconv.Quote(cmd))
	case n >= 0 && len(args) != n, n == -1 && len(args) == 0:
		usage(fmt.Sprintf("%s: wrong number of arguments: %d", cmd, len(args)))
	}
	if err := run(cmd, args); err != nil {
		fmt.Fprintln(os.Stderr, "error: "+describe(cmd, args, err))
		os.Exit(1)
	}
}

func usage(msg string) {
	fmt.Fprintln(os.Stderr, "usage: probe CMD ARGS...: "+msg)
	os.Exit(2)
}

func run(cmd string, args []string) error {
	out := os.Stdout
	switch cmd {
	case "args":
		for i, a := range os.Args {
			fmt.Fprintf(out, "%d=%s\n", i, a)
		}
	case "env":
		env := os.Environ()
		sort.Strings(env)
		for _, kv := range env {
			fmt.Fprintln(out, kv)
		}
	case "getenv":
		v, ok := os.LookupEnv(args[0])
		if !ok {
			return errors.New("not set")
		}
		fmt.Fprintln(out, v)
	case "cwd":
		wd, err := os.Getwd()
		if err != nil {
			return err
		}
		fmt.Fprintln(out, wd)
	case "cat":
		for _, name := range args {
			if err := cat(name); err != nil {
				return err
			}
		}
	case "ls":
		ents, err := os.ReadDir(args[0])
		if err != nil {
			return err
		}
		for _, e := range ents { // os.ReadDir sorts by name
			if e.IsDir() {
				fmt.Fprintln(out, e.Name()+"/")
			} else {
				fmt.Fprintln(out, e.Name())
			}
		}
	case "stat":
		fi, err := os.Lstat(args[0])
		if err != nil {
			return err
		}
		kind := "other"
		switch {
		case fi.Mode().IsDir():
			kind = "dir"
		case fi.Mode().IsRegular():
			kind = "file"
		case fi.Mode()&fs.ModeSymlink != 0:
			kind = "symlink"
		}
		fmt.Fprintf(out, "%s %d %s %04o\n", fi.Name(), fi.Size(), kind, fi.Mode().Perm())
	case "write":
		return os.WriteFile(args[0], []byte(args[1]), 0o644)
	case "append":
		f, err := os.OpenFile(args[0], os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return err
		}
		if _, err := f.WriteString(args[1]); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	case "mkdir":
		return os.Mkdir(args[0], 0o755)
	case "rm":
		return os.Remove(args[0])
	case "rename":
		return os.Rename(args[0], args[1])
	case "symlink":
		return os.Symlink(args[0], args[1])
	case "readlink":
		target, err := os.Readlink(args[0])
		if err != nil {
			return err
		}
		fmt.Fprintln(out, target)
	case "fill":
		n, err := parseSize(args[1])
		if err != nil {
			usage("fill: " + err.Error())
		}
		if err := fill(args[0], n); err != nil {
			return err
		}
		fmt.Fprintln(out, n)
	case "exit":
		code, err := strconv.Atoi(args[0])
		if err != nil {
			usage("exit: " + err.Error())
		}
		os.Exit(code)
	case "stdin":
		_, err := io.Copy(out, os.Stdin)
		return err
	case "stderr":
		fmt.Fprintln(os.Stderr, args[0])
	case "sleep":
		d, err := time.ParseDuration(args[0])
		if err != nil {
			usage("sleep: " + err.Error())
		}
		time.Sleep(d)
		fmt.Fprintln(out, "slept")
	case "readall":
		var files, bytes int64
		if err := readAll(args[0], &files, &bytes); err != nil {
			return err
		}
		fmt.Fprintf(out, "%d files %d bytes\n", files, bytes)
	case "panic":
		panic("probe: panic sub-command")
	case "spin":
		// Computes forever without a host call, after saying so on stderr.
		fmt.Fprintln(os.Stderr, "ready")
		spin()
	case "block-stdin":
		// Blocks reading stdin (an idle pipe, a terminal), after saying so.
		fmt.Fprintln(os.Stderr, "ready")
		_, err := io.Copy(io.Discard, os.Stdin)
		return err
	case "flood":
		// Writes to stdout until the write blocks (a pipe nobody reads) or fails.
		fmt.Fprintln(os.Stderr, "ready")
		buf := make([]byte, 64<<10)
		for {
			if _, err := out.Write(buf); err != nil {
				return err
			}
		}
	}
	return nil
}

// spinSink keeps the compiler from dropping spin's loop.
var spinSink uint64

// spin loops forever on arithmetic alone.
func spin() {
	x := uint64(1)
	for i := uint64(0); ; i++ {
		x = x*6364136223846793005 + i
		if x == 0 {
			spinSink = x
		}
	}
}

func cat(name string) error {
	f, err := os.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(os.Stdout, f)
	return err
}

// parseSize parses a byte count with an optional K (KiB) or M (MiB) suffix.
func parseSize(s string) (int64, error) {
	mul := int64(1)
	switch {
	case strings.HasSuffix(s, "K"):
		mul, s = 1<<10, strings.TrimSuffix(s, "K")
	case strings.HasSuffix(s, "M"):
		mul, s = 1<<20, strings.TrimSuffix(s, "M")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return n * mul, nil
}

// fill creates or truncates name and writes n bytes to it in 64 KiB chunks.
func fill(name string, n int64) error {
	f, err := os.Create(name)
	if err != nil {
		return err
	}
	chunk := make([]byte, 64<<10)
	for i := range chunk {
		chunk[i] = byte('a' + i%26)
	}
	for n > 0 {
		w := min(n, int64(len(chunk)))
		if _, err := f.Write(chunk[:w]); err != nil {
			f.Close()
			return err
		}
		n -= w
	}
	return f.Close()
}

// readAll walks dir, Lstat-ing every entry and reading every regular file, each
// through its own WASI calls, and counts the files and their bytes.
func readAll(dir string, files, bytes *int64) error {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range ents {
		name := path.Join(dir, e.Name())
		fi, err := os.Lstat(name)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			if err := readAll(name, files, bytes); err != nil {
				return err
			}
		case fi.Mode().IsRegular():
			n, err := readFile(name)
			if err != nil {
				return err
			}
			*files++
			*bytes += n
		}
	}
	return nil
}

// readBuf is readFile's buffer, reused so that the guest's own allocation and
// garbage collection do not hide the cost of the WASI calls readall measures.
var readBuf = make([]byte, 64<<10)

// readFile reads the file at name to its end and returns its length.
func readFile(name string) (int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return 0, err
	}
	var total int64
	for {
		n, err := f.Read(readBuf)
		total += int64(n)
		if err == io.EOF {
			break
		}
		if err != nil {
			f.Close()
			return total, err
		}
	}
	return total, f.Close()
}

// describe formats err as "<op> <path>: <errno>", falling back to the
// sub-command and its arguments when err carries no path.
func describe(cmd string, args []string, err error) string {
	what := strings.Join(append([]string{cmd}, args...), " ")
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		what, err = pe.Op+" "+pe.Path, pe.Err
	case errors.As(err, &le):
		what, err = le.Op+" "+le.Old+" "+le.New, le.Err
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return what + ": " + err.Error()
	}
	if int(errno) < len(errnoNames) && errnoNames[errno] != "" {
		return what + ": " + errnoNames[errno]
	}
	return what + ": errno " + strconv.Itoa(int(errno))
}

// errnoNames names every errno of Go's syscall package for wasip1
// (syscall/tables_wasip1.go).
var errnoNames = [...]string{
	syscall.E2BIG: "E2BIG", syscall.EACCES: "EACCES", syscall.EADDRINUSE: "EADDRINUSE",
	syscall.EADDRNOTAVAIL: "EADDRNOTAVAIL", syscall.EAFNOSUPPORT: "EAFNOSUPPORT",
	syscall.EAGAIN: "EAGAIN", syscall.EALREADY: "EALREADY", syscall.EBADF: "EBADF",
	syscall.EBADMSG: "EBADMSG", syscall.EBUSY: "EBUSY", syscall.ECANCELED: "ECANCELED",
	syscall.ECHILD: "ECHILD", syscall.ECONNABORTED: "ECONNABORTED",
	syscall.ECONNREFUSED: "ECONNREFUSED", syscall.ECONNRESET: "ECONNRESET",
	syscall.EDEADLK: "EDEADLK", syscall.EDESTADDRREQ: "EDESTADDRREQ", syscall.EDOM: "EDOM",
	syscall.EDQUOT: "EDQUOT", syscall.EEXIST: "EEXIST", syscall.EFAULT: "EFAULT",
	syscall.EFBIG: "EFBIG", syscall.EHOSTUNREACH: "EHOSTUNREACH", syscall.EIDRM: "EIDRM",
	syscall.EILSEQ: "EILSEQ", syscall.EINPROGRESS: "EINPROGRESS", syscall.EINTR: "EINTR",
	syscall.EINVAL: "EINVAL", syscall.EIO: "EIO", syscall.EISCONN: "EISCONN",
	syscall.EISDIR: "EISDIR", syscall.ELOOP: "ELOOP", syscall.EMFILE: "EMFILE",
	syscall.EMLINK: "EMLINK", syscall.EMSGSIZE: "EMSGSIZE", syscall.EMULTIHOP: "EMULTIHOP",
	syscall.ENAMETOOLONG: "ENAMETOOLONG", syscall.ENETDOWN: "ENETDOWN",
	syscall.ENETRESET: "ENETRESET", syscall.ENETUNREACH: "ENETUNREACH",
	syscall.ENFILE: "ENFILE", syscall.ENOBUFS: "ENOBUFS", syscall.ENODEV: "ENODEV",
	syscall.ENOENT: "ENOENT", syscall.ENOEXEC: "ENOEXEC", syscall.ENOLCK: "ENOLCK",
	syscall.ENOLINK: "ENOLINK", syscall.ENOMEM: "ENOMEM", syscall.ENOMSG: "ENOMSG",
	syscall.ENOPROTOOPT: "ENOPROTOOPT", syscall.ENOSPC: "ENOSPC", syscall.ENOSYS: "ENOSYS",
	syscall.ENOTCONN: "ENOTCONN", syscall.ENOTDIR: "ENOTDIR", syscall.ENOTEMPTY: "ENOTEMPTY",
	syscall.ENOTRECOVERABLE: "ENOTRECOVERABLE", syscall.ENOTSOCK: "ENOTSOCK",
	syscall.ENOTSUP: "ENOTSUP", syscall.ENOTTY: "ENOTTY", syscall.ENXIO: "ENXIO",
	syscall.EOVERFLOW: "EOVERFLOW", syscall.EOWNERDEAD: "EOWNERDEAD", syscall.EPERM: "EPERM",
	syscall.EPIPE: "EPIPE", syscall.EPROTO: "EPROTO", syscall.EPROTONOSUPPORT: "EPROTONOSUPPORT",
	syscall.EPROTOTYPE: "EPROTOTYPE", syscall.ERANGE: "ERANGE", syscall.EROFS: "EROFS",
	syscall.ESPIPE: "ESPIPE", syscall.ESRCH: "ESRCH", syscall.ESTALE: "ESTALE",
	syscall.ETIMEDOUT: "ETIMEDOUT", syscall.ETXTBSY: "ETXTBSY", syscall.EXDEV: "EXDEV",
	syscall.ENOTCAPABLE: "ENOTCAPABLE", syscall.EBADFD: "EBADFD",
}
