// Package interrupt rewrites a WebAssembly module so that a running guest can
// always be stopped, and so that it never keeps the Go runtime from stopping the
// world.
//
// The problem it solves: Go cannot preempt a goroutine while it runs code that
// wazero compiled (the preemption signal finds no Go function at the interrupted
// address and gives up). A guest spinning in a loop with no host call therefore
// holds its thread until the loop ends, and the collector's stop-the-world waits
// for it with every other goroutine already parked: the signal handler and the
// --timeout timer among them. wazero's own remedy, WithCloseOnContextDone, leaves
// compiled code for Go at every loop iteration, which made a tight loop 32 times
// slower here (1.1 s against 35 s for 10^9 iterations).
//
// Instrument adds two globals to the module, a countdown and a stop flag, and puts
// a few instructions at the head of every loop (and at the entry of every function
// that makes tail calls, the one other way code can run forever): the countdown is
// decremented, and every Interval iterations it is reset and the guest makes one
// trip into Go (a memory.grow by 0 pages, which wazero serves in Go and which
// changes nothing), where the runtime can stop or preempt it; then, when the stop
// flag is set, the guest traps (unreachable). The host stops a guest by setting the
// flag, an exported global named ExportName; the guest ends within Interval loop
// iterations of its innermost running loop.
//
// The rewrite keeps every function, global, table and memory index of the module:
// the globals are appended after the module's own, a memory (of 0 pages, which no
// instruction of the module can reach) is added only to a module that has none,
// and the export is appended. A start function, which instantiation would run
// before the host can reach the stop flag, is exported instead
// (StartExportName), for the host to call. DWARF sections are dropped, since the code offsets
// they describe move; the name section is kept.
package interrupt

import (
	"errors"
	"fmt"
	"strings"
)

// ExportName is the name under which the stop flag, a mutable i32 global, is
// exported. Setting it to a non-zero value makes the guest trap within Interval
// iterations of the loop it is in.
const ExportName = "wasirun:interrupt"

// StartExportName is the name under which a module's start function is
// exported instead of being run by instantiation: the host calls it once the
// stop flag can be set, so that a loop in it can be stopped too.
const StartExportName = "wasirun:start"

// Interval is how many loop iterations pass between two trips of the guest into
// Go. A trip costs about 35 ns; at 1 ns an iteration, 2^16 iterations keep the
// trips below 0.1% of a tight loop and bound the wait of a stop or a collection
// to well under a millisecond.
const Interval = 1 << 16

// Section ids of the binary format, in the order the sections must appear
// (the tag section, 13, sits between memory and global).
const (
	secCustom   = 0
	secType     = 1
	secImport   = 2
	secFunction = 3
	secTable    = 4
	secMemory   = 5
	secGlobal   = 6
	secExport   = 7
	secStart    = 8
	secElement  = 9
	secCode     = 10
	secData     = 11
	secDataCnt  = 12
	secTag      = 13
)

// order is the position of each section id in a module; custom sections may
// appear anywhere and have none.
var order = [...]int{
	secType: 1, secImport: 2, secFunction: 3, secTable: 4, secMemory: 5,
	secTag: 6, secGlobal: 7, secExport: 8, secStart: 9, secElement: 10,
	secDataCnt: 11, secCode: 12, secData: 13,
}

// Error is a module Instrument cannot rewrite: malformed, or using an
// instruction it does not know.
type Error struct {
	// Where names the part of the module ("code section: function 12").
	Where string
	// Offset is the byte offset in the module.
	Offset int
	Err    error
}

func (e *Error) Error() string {
	return fmt.Sprintf("wasm: %s: %v (at byte %d)", e.Where, e.Err, e.Offset)
}

func (e *Error) Unwrap() error { return e.Err }

var (
	errShort    = errors.New("unexpected end")
	errLEB      = errors.New("malformed LEB128 number")
	errNotWasm  = errors.New("not a core WebAssembly module (bad magic or version)")
	errOrder    = errors.New("section out of order")
	errTrailing = errors.New("bytes left after the end of the function")
)

// section is one section of the input: its id and its contents.
type section struct {
	id      byte
	start   int // offset of the contents in the module
	content []byte
}

// Instrument returns a copy of the module wasm with the loop checks described in
// the package comment. The input is not modified.
func Instrument(wasm []byte) ([]byte, error) {
	if len(wasm) < 8 || string(wasm[:4]) != "\x00asm" || string(wasm[4:8]) != "\x01\x00\x00\x00" {
		return nil, &Error{Where: "header", Err: errNotWasm}
	}
	var (
		sections []section
		last     int
	)
	for off := 8; off < len(wasm); {
		id := wasm[off]
		size, n, err := readU32(wasm, off+1)
		if err != nil {
			return nil, &Error{Where: "section header", Offset: off, Err: err}
		}
		start := off + 1 + n
		if uint64(start)+uint64(size) > uint64(len(wasm)) {
			return nil, &Error{Where: fmt.Sprintf("section %d", id), Offset: off, Err: errShort}
		}
		if id != secCustom {
			if int(id) >= len(order) || order[id] == 0 || order[id] <= last {
				return nil, &Error{Where: fmt.Sprintf("section %d", id), Offset: off, Err: errOrder}
			}
			last = order[id]
		}
		sections = append(sections, section{id: id, start: start, content: wasm[start : start+int(size)]})
		off = start + int(size)
	}

	// The facts the new globals, the memory and the exports depend on.
	var importedGlobals, definedGlobals uint32
	hasMemory := false
	var startFunc []byte // the start function's index as encoded, nil for none
	for _, s := range sections {
		switch s.id {
		case secImport:
			g, mem, err := scanImports(s)
			if err != nil {
				return nil, err
			}
			importedGlobals, hasMemory = g, hasMemory || mem
		case secMemory:
			n, _, err := readU32(s.content, 0)
			if err != nil {
				return nil, &Error{Where: "memory section", Offset: s.start, Err: err}
			}
			hasMemory = hasMemory || n > 0
		case secGlobal:
			n, _, err := readU32(s.content, 0)
			if err != nil {
				return nil, &Error{Where: "global section", Offset: s.start, Err: err}
			}
			definedGlobals = n
		case secStart:
			_, n, err := readU32(s.content, 0)
			if err != nil || n != len(s.content) {
				return nil, &Error{Where: "start section", Offset: s.start, Err: errLEB}
			}
			startFunc = s.content
		case secExport:
			if err := checkExportNames(s); err != nil {
				return nil, err
			}
		}
	}
	counter := importedGlobals + definedGlobals
	stop := counter + 1
	check := checkSequence(counter, stop)

	out := make([]byte, 0, len(wasm)+len(wasm)/16+64)
	out = append(out, wasm[:8]...)
	emitted := map[byte]bool{}
	// exports are the export entries this rewrite adds.
	exports := appendExport(nil, ExportName, 0x03, appendU32(nil, stop))
	added := uint32(1)
	if startFunc != nil {
		exports = appendExport(exports, StartExportName, 0x00, startFunc)
		added++
	}
	// emitUpTo writes the sections this rewrite adds that come before id.
	emitUpTo := func(id byte) {
		pos := 100
		if id != secCustom {
			pos = order[id]
		}
		if !hasMemory && !emitted[secMemory] && pos > order[secMemory] {
			out = appendSection(out, secMemory, []byte{1, 0x00, 0x00}) // one memory of 0 pages
			emitted[secMemory] = true
		}
		if !emitted[secGlobal] && pos > order[secGlobal] {
			out = appendSection(out, secGlobal, appendGlobals(appendU32(nil, 2), nil))
			emitted[secGlobal] = true
		}
		if !emitted[secExport] && pos > order[secExport] {
			out = appendSection(out, secExport, append(appendU32(nil, added), exports...))
			emitted[secExport] = true
		}
	}
	for _, s := range sections {
		if s.id != secCustom {
			emitUpTo(s.id)
		}
		switch s.id {
		case secCustom:
			if isDebugSection(s.content) {
				continue
			}
			out = appendSection(out, s.id, s.content)
		case secGlobal:
			n, k, _ := readU32(s.content, 0)
			out = appendSection(out, secGlobal, appendGlobals(appendU32(nil, n+2), s.content[k:]))
			emitted[secGlobal] = true
		case secMemory:
			if hasMemory {
				out = appendSection(out, s.id, s.content)
			} else { // a memory section of no memory: one of 0 pages in its place
				out = appendSection(out, secMemory, []byte{1, 0x00, 0x00})
			}
			emitted[secMemory] = true
		case secExport:
			n, k, _ := readU32(s.content, 0) // checked by checkExportNames
			content := append(appendU32(nil, n+added), s.content[k:]...)
			out = appendSection(out, secExport, append(content, exports...))
			emitted[secExport] = true
		case secStart:
			// Dropped: the start function is exported instead (StartExportName).
		case secCode:
			// Written in place: the size is patched in once the section is done,
			// in a padded five-byte LEB128 (the format allows it), so that the
			// biggest part of the module is copied once.
			out = append(out, secCode, 0x80, 0x80, 0x80, 0x80, 0x00)
			at := len(out)
			var err error
			if out, err = rewriteCode(out, s, check); err != nil {
				return nil, err
			}
			putPaddedU32(out[at-5:at], uint32(len(out)-at))
		default:
			out = appendSection(out, s.id, s.content)
		}
	}
	emitUpTo(secCustom) // a module that ends before the export section
	return out, nil
}

// isDebugSection reports whether a custom section is DWARF (".debug_info", ...),
// whose code offsets the rewrite would make wrong.
func isDebugSection(content []byte) bool {
	n, k, err := readU32(content, 0)
	if err != nil || uint64(k)+uint64(n) > uint64(len(content)) {
		return false
	}
	return strings.HasPrefix(string(content[k:k+int(n)]), ".debug_")
}

// scanImports counts the imported globals and reports whether a memory is
// imported.
func scanImports(s section) (globals uint32, memory bool, err error) {
	b := s.content
	fail := func(off int, err error) (uint32, bool, error) {
		return 0, false, &Error{Where: "import section", Offset: s.start + off, Err: err}
	}
	count, off, err := readU32(b, 0)
	if err != nil {
		return fail(0, err)
	}
	for range count {
		for range 2 { // module and name
			n, k, err := readU32(b, off)
			if err != nil {
				return fail(off, err)
			}
			off += k
			if uint64(off)+uint64(n) > uint64(len(b)) {
				return fail(off, errShort)
			}
			off += int(n)
		}
		if off >= len(b) {
			return fail(off, errShort)
		}
		kind := b[off]
		off++
		switch kind {
		case 0x00, 0x04: // function: type index; tag: attribute and type index
			if kind == 0x04 {
				off++
			}
			_, k, err := readU32(b, off)
			if err != nil {
				return fail(off, err)
			}
			off += k
		case 0x01: // table: reference type, limits
			k, err := skipRefType(b, off)
			if err != nil {
				return fail(off, err)
			}
			if off, err = skipLimits(b, k); err != nil {
				return fail(off, err)
			}
		case 0x02: // memory: limits
			memory = true
			if off, err = skipLimits(b, off); err != nil {
				return fail(off, err)
			}
		case 0x03: // global: value type, mutability
			globals++
			k, err := skipRefType(b, off)
			if err != nil {
				return fail(off, err)
			}
			off = k + 1
		default:
			return fail(off-1, fmt.Errorf("unknown import kind 0x%02x", kind))
		}
	}
	return globals, memory, nil
}

// skipLimits skips the limits of a table or memory at off.
func skipLimits(b []byte, off int) (int, error) {
	if off >= len(b) {
		return off, errShort
	}
	flags := b[off]
	off++
	_, k, err := readU64(b, off)
	if err != nil {
		return off, err
	}
	off += k
	if flags&0x01 != 0 { // a maximum follows
		if _, k, err = readU64(b, off); err != nil {
			return off, err
		}
		off += k
	}
	return off, nil
}

// skipRefType skips a value type at off: one byte, or a typed reference
// (0x63, 0x64) and its heap type.
func skipRefType(b []byte, off int) (int, error) {
	if off >= len(b) {
		return off, errShort
	}
	t := b[off]
	off++
	if t == 0x63 || t == 0x64 {
		_, k, err := readS64(b, off)
		if err != nil {
			return off, err
		}
		off += k
	}
	return off, nil
}

// appendGlobals appends, after the encoded count, the module's own global
// entries and then the countdown and the stop flag.
func appendGlobals(out, own []byte) []byte {
	out = append(out, own...)
	// mutable i32 countdown, initialised to 0: the first loop head reads the
	// stop flag, so that a stop set before the guest ran is seen at once
	out = append(out, 0x7f, 0x01, 0x41, 0x00, 0x0b)
	// mutable i32 stop flag, initialised to 0
	return append(out, 0x7f, 0x01, 0x41, 0x00, 0x0b)
}

// appendExport appends an export entry: its name, its kind and its index as
// encoded.
func appendExport(out []byte, name string, kind byte, index []byte) []byte {
	out = appendU32(out, uint32(len(name)))
	out = append(out, name...)
	out = append(out, kind)
	return append(out, index...)
}

// checkExportNames refuses a module that exports one of the names the rewrite
// adds: the second export of a name would make the module invalid.
func checkExportNames(s section) error {
	b := s.content
	count, off, err := readU32(b, 0)
	if err != nil {
		return &Error{Where: "export section", Offset: s.start, Err: err}
	}
	for range count {
		n, k, err := readU32(b, off)
		if err != nil || uint64(off+k)+uint64(n) > uint64(len(b)) {
			return &Error{Where: "export section", Offset: s.start + off, Err: errShort}
		}
		name := string(b[off+k : off+k+int(n)])
		if name == ExportName || name == StartExportName {
			return &Error{Where: "export section", Offset: s.start + off, Err: fmt.Errorf("the module exports %q itself", name)}
		}
		off += k + int(n) + 1 // the name and the kind
		if _, k, err = readU32(b, off); err != nil {
			return &Error{Where: "export section", Offset: s.start + off, Err: err}
		}
		off += k
	}
	return nil
}

// checkSequence is the code put at the head of every loop:
//
//	if (counter == 0) {
//	    counter = Interval
//	    drop(memory.grow(0))      // a trip into Go
//	    if (stop) unreachable
//	} else {
//	    counter = counter - 1
//	}
func checkSequence(counter, stop uint32) []byte {
	var b []byte
	b = append(b, 0x23) // global.get counter
	b = appendU32(b, counter)
	b = append(b, 0x45, 0x04, 0x40) // i32.eqz; if (empty)
	b = append(b, 0x41)             // i32.const Interval
	b = appendS32(b, Interval)
	b = append(b, 0x24) // global.set counter
	b = appendU32(b, counter)
	b = append(b, 0x41, 0x00, 0x40, 0x00, 0x1a) // i32.const 0; memory.grow 0; drop
	b = append(b, 0x23)                         // global.get stop
	b = appendU32(b, stop)
	b = append(b, 0x04, 0x40, 0x00, 0x0b) // if; unreachable; end
	b = append(b, 0x05, 0x23)             // else; global.get counter
	b = appendU32(b, counter)
	b = append(b, 0x41, 0x01, 0x6b, 0x24) // i32.const 1; i32.sub; global.set counter
	b = appendU32(b, counter)
	return append(b, 0x0b) // end
}

// rewriteCode appends to out the contents of the code section s with check
// inserted after the block type of every loop, and at the entry of every
// function that makes a tail call.
func rewriteCode(out []byte, s section, check []byte) ([]byte, error) {
	b := s.content
	count, off, err := readU32(b, 0)
	if err != nil {
		return nil, &Error{Where: "code section", Offset: s.start, Err: err}
	}
	out = appendU32(out, count)
	var points []int
	for i := range count {
		size, k, err := readU32(b, off)
		if err != nil {
			return nil, &Error{Where: fmt.Sprintf("code section: function %d", i), Offset: s.start + off, Err: err}
		}
		off += k
		if uint64(off)+uint64(size) > uint64(len(b)) {
			return nil, &Error{Where: fmt.Sprintf("code section: function %d", i), Offset: s.start + off, Err: errShort}
		}
		fn := b[off : off+int(size)]
		codeStart, loops, tail, errOff, err := scanBody(fn, points[:0])
		if err != nil {
			return nil, &Error{Where: fmt.Sprintf("code section: function %d", i), Offset: s.start + off + errOff, Err: err}
		}
		points = loops
		checks := len(loops)
		if tail {
			checks++
		}
		out = appendU32(out, uint32(len(fn)+checks*len(check)))
		out = append(out, fn[:codeStart]...)
		if tail {
			out = append(out, check...)
		}
		prev := codeStart
		for _, p := range loops {
			out = append(out, fn[prev:p]...)
			out = append(out, check...)
			prev = p
		}
		out = append(out, fn[prev:]...)
		off += int(size)
	}
	if off != len(b) {
		return nil, &Error{Where: "code section", Offset: s.start + off, Err: errTrailing}
	}
	return out, nil
}

// appendSection appends a section: its id, its size and its contents.
func appendSection(out []byte, id byte, content []byte) []byte {
	out = append(out, id)
	out = appendU32(out, uint32(len(content)))
	return append(out, content...)
}
