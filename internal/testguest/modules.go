package testguest

// The hand-assembled modules. Each exports a memory "memory" of one page (64 KiB),
// as a WASI command does, and a function "_start"; each call returns new bytes.

const (
	wasiP1 = "wasi_snapshot_preview1"
	wasix  = "wasix_32v1"
)

// Trap returns a module whose _start executes unreachable: a trap.
func Trap() []byte {
	var m module
	m.exportMemory(1)
	m.exportFunc("_start", m.fn(nil, nil, opUnreachable, opEnd))
	return m.bytes()
}

// BadSignature returns a module importing wasi_snapshot_preview1.fd_write with
// the wrong signature, (i32) -> i32: it cannot be instantiated.
func BadSignature() []byte {
	var m module
	m.importFunc(wasiP1, "fd_write", []byte{i32}, []byte{i32})
	m.exportMemory(1)
	m.exportFunc("_start", m.fn(nil, nil, opEnd))
	return m.bytes()
}

// Recurse returns a module whose _start calls itself until the stack overflows.
func Recurse() []byte {
	var m module
	m.exportMemory(1)
	m.exportFunc("_start", m.fn(nil, nil, opCall, 0, opEnd))
	return m.bytes()
}

// Loop returns a module whose _start loops forever, for timeout tests.
func Loop() []byte {
	var m module
	m.exportMemory(1)
	m.exportFunc("_start", m.fn(nil, nil, opLoop, blockEmpty, opBr, 0, opEnd, opEnd))
	return m.bytes()
}

// Add returns a module for --invoke tests, exporting besides an empty _start:
//
//	add(i32, i32) -> i32         the sum (wrapping)
//	add64(i64, i64) -> i64       the sum (wrapping)
//	div_f64(f64, f64) -> f64     the quotient
//	pair(i32) -> (i32, i32)      (x, x*2)
//	nothing()                    does nothing
func Add() []byte {
	var m module
	m.exportMemory(1)
	m.exportFunc("_start", m.fn(nil, nil, opEnd))
	m.exportFunc("add", m.fn([]byte{i32, i32}, []byte{i32},
		opLocalGet, 0, opLocalGet, 1, opI32Add, opEnd))
	m.exportFunc("add64", m.fn([]byte{i64, i64}, []byte{i64},
		opLocalGet, 0, opLocalGet, 1, opI64Add, opEnd))
	m.exportFunc("div_f64", m.fn([]byte{f64, f64}, []byte{f64},
		opLocalGet, 0, opLocalGet, 1, opF64Div, opEnd))
	m.exportFunc("pair", m.fn([]byte{i32}, []byte{i32, i32},
		opLocalGet, 0, opLocalGet, 0, opI32Const, 2, opI32Mul, opEnd))
	m.exportFunc("nothing", m.fn(nil, nil, opEnd))
	return m.bytes()
}

// Unsupported returns a module importing three functions, env.foo() ->(),
// wasi_snapshot_preview1.fd_write(i32, i32, i32, i32) -> i32 and
// wasix_32v1.fd_dup(i32, i32) -> i32, in that order, with an empty _start that
// calls none of them.
func Unsupported() []byte {
	var m module
	m.importFunc("env", "foo", nil, nil)
	m.importFunc(wasiP1, "fd_write", []byte{i32, i32, i32, i32}, []byte{i32})
	m.importFunc(wasix, "fd_dup", []byte{i32, i32}, []byte{i32})
	m.exportMemory(1)
	m.exportFunc("_start", m.fn(nil, nil, opEnd))
	return m.bytes()
}

// ExitCode returns a module whose _start calls wasi_snapshot_preview1.proc_exit(n).
func ExitCode(n uint32) []byte {
	var m module
	exit := m.importFunc(wasiP1, "proc_exit", []byte{i32}, nil)
	m.exportMemory(1)
	body := appendS32([]byte{opI32Const}, int32(n))
	body = append(body, opCall)
	body = appendU32(body, exit)
	m.exportFunc("_start", m.fn(nil, nil, append(body, opEnd)...))
	return m.bytes()
}

// Hello returns a module whose _start writes "hello\n" to fd 1 with one
// wasi_snapshot_preview1.fd_write and ignores its result: the smallest WASI
// command, for start-up benchmarks. Memory holds the iovec {8, 6} at 0, the text
// at 8, and fd_write's count at 16.
func Hello() []byte {
	var m module
	write := m.importFunc(wasiP1, "fd_write", []byte{i32, i32, i32, i32}, []byte{i32})
	m.exportMemory(1)
	m.dataAt(0, []byte("\x08\x00\x00\x00\x06\x00\x00\x00hello\n"))
	// fd_write(fd 1, iovs 0, iovs_len 1, nwritten 16)
	body := []byte{opI32Const, 1, opI32Const, 0, opI32Const, 1, opI32Const, 16, opCall}
	body = appendU32(body, write)
	m.exportFunc("_start", m.fn(nil, nil, append(body, opDrop, opEnd)...))
	return m.bytes()
}
