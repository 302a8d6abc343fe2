package webc

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"github.com/wasirun/wasirun/internal/testfixtures"
	"io"
	"os"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

// Helpers that hand-assemble modules. They carry a "wm" prefix so that they do not
// collide with the helpers of other test files in this package.

// wmULEB encodes v as unsigned LEB128.
func wmULEB(v uint64) []byte {
	var b []byte
	for {
		c := byte(v & 0x7F)
		v >>= 7
		if v != 0 {
			b = append(b, c|0x80)
			continue
		}
		return append(b, c)
	}
}

// wmCat concatenates byte slices.
func wmCat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// wmSec assembles a section: id, LEB128 size, body.
func wmSec(id byte, body ...[]byte) []byte {
	b := wmCat(body...)
	return wmCat([]byte{id}, wmULEB(uint64(len(b))), b)
}

// wmRawSec assembles a section whose size field is given verbatim.
func wmRawSec(id byte, size []byte, body ...[]byte) []byte {
	return wmCat(append([][]byte{{id}, size}, body...)...)
}

// wmName encodes a length-prefixed name.
func wmName(s string) []byte { return wmCat(wmULEB(uint64(len(s))), []byte(s)) }

// wmImp encodes one import entry with the given kind byte and description bytes.
func wmImp(mod, name string, kind byte, desc ...byte) []byte {
	return wmCat(wmName(mod), wmName(name), []byte{kind}, desc)
}

// wmImports assembles an import section holding entries.
func wmImports(entries ...[]byte) []byte {
	return wmSec(2, wmCat(wmULEB(uint64(len(entries))), wmCat(entries...)))
}

// wmCustom assembles a custom section named name with payload.
func wmCustom(name string, payload []byte) []byte { return wmSec(0, wmName(name), payload) }

// wmTypes is a type section with the single type (i32) -> ().
var wmTypes = wmSec(1, []byte{1, 0x60, 1, 0x7F, 0})

// wmModule prefixes sections with the header of a core module.
func wmModule(secs ...[]byte) []byte {
	return wmCat(append([][]byte{[]byte("\x00asm\x01\x00\x00\x00")}, secs...)...)
}

// wmCode is a function section plus a code section holding one function whose body
// is n bytes of nop followed by end.
func wmCode(n int) [][]byte {
	body := bytes.Repeat([]byte{0x01}, n+2)
	body[0] = 0      // no locals
	body[n+1] = 0x0B // end
	return [][]byte{
		wmSec(3, []byte{1, 0}),
		wmSec(10, []byte{1}, wmULEB(uint64(len(body))), body),
	}
}

// wmValid is a table of well-formed modules; the sections are kept apart so the
// truncation test knows where each one begins.
var wmValid = []struct {
	name string
	secs [][]byte
	want []Import
	abi  ABI
}{
	{name: "header only", abi: ABINone},
	{name: "type section only", secs: [][]byte{wmTypes}, abi: ABINone},
	{name: "no import section, code", secs: append([][]byte{wmTypes}, wmCode(16)...), abi: ABINone},
	{name: "empty import section", secs: [][]byte{wmTypes, wmImports()}, abi: ABINone},
	{
		name: "func",
		secs: [][]byte{wmTypes, wmImports(wmImp("wasi_snapshot_preview1", "proc_exit", 0, 0))},
		want: []Import{{"wasi_snapshot_preview1", "proc_exit", 0}},
		abi:  ABIWasi,
	},
	{
		name: "func with padded type index",
		secs: [][]byte{wmImports(wmImp("m", "f", 0, 0x80, 0x80, 0x80, 0x80, 0x00))},
		want: []Import{{"m", "f", 0}},
		abi:  ABIOther,
	},
	{
		name: "tables",
		secs: [][]byte{wmImports(
			wmImp("env", "funcref", 1, 0x70, 0x00, 0x01),
			wmImp("env", "externref max", 1, 0x6F, 0x01, 0x00, 0x80, 0x01),
			wmImp("env", "table64", 1, 0x70, 0x05, 0x00, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01),
			wmImp("env", "ref null 0", 1, 0x63, 0x00, 0x00, 0x00),
			wmImp("env", "ref func", 1, 0x64, 0x70, 0x00, 0x00),
			wmImp("env", "ref null 64", 1, 0x63, 0xC0, 0x00, 0x00, 0x00),
			wmImp("env", "exnref", 1, 0x69, 0x00, 0x00),
		)},
		want: []Import{
			{"env", "funcref", 1}, {"env", "externref max", 1}, {"env", "table64", 1},
			{"env", "ref null 0", 1}, {"env", "ref func", 1}, {"env", "ref null 64", 1},
			{"env", "exnref", 1},
		},
		abi: ABIOther,
	},
	{
		name: "memories",
		secs: [][]byte{wmImports(
			wmImp("env", "min", 2, 0x00, 0x01),
			wmImp("env", "min max", 2, 0x01, 0x01, 0x80, 0x02),
			wmImp("env", "shared", 2, 0x03, 0x01, 0x10),
			wmImp("env", "shared no max", 2, 0x02, 0x01),
			wmImp("env", "memory64 2^40", 2, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20),
			wmImp("env", "memory64 max", 2, 0x05, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01),
			wmImp("env", "memory64 shared", 2, 0x07, 0x01, 0x02),
			wmImp("env", "memory64 shared no max", 2, 0x06, 0x01),
		)},
		want: []Import{
			{"env", "min", 2}, {"env", "min max", 2}, {"env", "shared", 2}, {"env", "shared no max", 2},
			{"env", "memory64 2^40", 2}, {"env", "memory64 max", 2}, {"env", "memory64 shared", 2},
			{"env", "memory64 shared no max", 2},
		},
		abi: ABIOther,
	},
	{
		name: "globals",
		secs: [][]byte{wmImports(
			wmImp("env", "i32", 3, 0x7F, 0x00),
			wmImp("env", "mut i64", 3, 0x7E, 0x01),
			wmImp("env", "f32", 3, 0x7D, 0x00),
			wmImp("env", "f64", 3, 0x7C, 0x00),
			wmImp("env", "v128", 3, 0x7B, 0x01),
			wmImp("env", "externref", 3, 0x6F, 0x00),
			wmImp("env", "ref null extern", 3, 0x63, 0x6F, 0x01),
		)},
		want: []Import{
			{"env", "i32", 3}, {"env", "mut i64", 3}, {"env", "f32", 3}, {"env", "f64", 3},
			{"env", "v128", 3}, {"env", "externref", 3}, {"env", "ref null extern", 3},
		},
		abi: ABIOther,
	},
	{
		name: "tag",
		secs: [][]byte{wmTypes, wmImports(wmImp("env", "exception", 4, 0x00, 0x00))},
		want: []Import{{"env", "exception", 4}},
		abi:  ABIOther,
	},
	{
		name: "custom sections before and between",
		secs: [][]byte{
			wmCustom("producers", []byte("clang")),
			wmTypes,
			wmCustom("", nil),
			wmImports(
				wmImp("wasi_unstable", "fd_write", 0, 0),
				wmImp("env", "memory", 2, 0x00, 0x02),
			),
			wmCustom("after", []byte("never read")),
		},
		want: []Import{{"wasi_unstable", "fd_write", 0}, {"env", "memory", 2}},
		abi:  ABIWasiUnstable,
	},
	{
		name: "utf-8 names and code after",
		secs: append([][]byte{wmTypes, wmImports(
			wmImp("wasix_32v1", "fd_dup", 0, 0),
			wmImp("wasi_snapshot_preview1", "args_get", 0, 0),
			wmImp("ünïcødé", "名前", 0, 0),
			wmImp("", "", 0, 0),
		)}, wmCode(100)...),
		want: []Import{
			{"wasix_32v1", "fd_dup", 0}, {"wasi_snapshot_preview1", "args_get", 0},
			{"ünïcødé", "名前", 0}, {"", "", 0},
		},
		abi: ABIWasix,
	},
	{
		name: "sections after imports are not read",
		secs: [][]byte{
			wmImports(wmImp("wasi_snapshot_preview1", "fd_write", 0, 0)),
			wmRawSec(10, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0x0F}), // runs past the end
		},
		want: []Import{{"wasi_snapshot_preview1", "fd_write", 0}},
		abi:  ABIWasi,
	},
	{
		name: "garbage after a later section id is not read",
		secs: [][]byte{wmTypes, {3, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80}},
		abi:  ABINone,
	},
}

func TestModuleImportsValid(t *testing.T) {
	for _, tc := range wmValid {
		t.Run(tc.name, func(t *testing.T) {
			m := wmModule(tc.secs...)
			got, err := ModuleImports(bytes.NewReader(m), int64(len(m)))
			if err != nil {
				t.Fatalf("ModuleImports: %v", err)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("imports:\n got %q\nwant %q", got, tc.want)
			}
			if abi := ClassifyABI(ImportModules(got)); abi != tc.abi {
				t.Errorf("ClassifyABI = %q, want %q", abi, tc.abi)
			}
		})
	}
}

func TestModuleImportsErrors(t *testing.T) {
	huge := []byte{0xFF, 0xFF, 0xFF, 0xFF, 0x0F} // 2^32-1
	imp := wmImp("wasi_snapshot_preview1", "fd_write", 0, 0)
	// entry builds an import section whose second entry (entry 1) is raw.
	entry := func(raw ...byte) []byte {
		return wmModule(wmSec(2, []byte{2}, imp, raw))
	}
	tests := []struct {
		name string
		mod  []byte
		want string
	}{
		{"empty file", nil, "wasm: module is 0 bytes, shorter than its 8-byte header"},
		{"bad magic", []byte("\x00ASM\x01\x00\x00\x00"), "wasm: bad magic"},
		{"elf", []byte("\x7fELF\x02\x01\x01\x00\x00\x00"), "wasm: bad magic"},
		{"short header", []byte("\x00asm\x01\x00"), "wasm: module is 6 bytes, shorter than its 8-byte header"},
		{"component", []byte("\x00asm\x0d\x00\x01\x00"), "wasm: not a core WebAssembly module (component or unknown version)"},
		{"version 2", []byte("\x00asm\x02\x00\x00\x00"), "wasm: not a core WebAssembly module (component or unknown version)"},
		{"section size past eof", wmModule(wmRawSec(2, []byte{10}, []byte{1})), "wasm: section 2 at byte 8 runs past the end of the module"},
		{"custom section past eof", wmModule(wmTypes, wmRawSec(0, huge, []byte("abc"))), "wasm: section 0 at byte 15 runs past the end of the module"},
		{"huge import section size", wmModule(wmRawSec(2, huge)), "wasm: section 2 at byte 8 runs past the end of the module"},
		{"truncated section size", wmModule([]byte{1, 0x80, 0x80}), "wasm: section 1 at byte 8: size runs past the end of the module"},
		{"overlong section size", wmModule(wmRawSec(1, []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00})), "wasm: section 1 at byte 8: size is not a valid LEB128 u32"},
		{"section size over 32 bits", wmModule(wmRawSec(2, []byte{0xFF, 0xFF, 0xFF, 0xFF, 0x1F})), "wasm: section 2 at byte 8: size is not a valid LEB128 u32"},
		{"empty import section", wmModule(wmSec(2)), "wasm: import section: import count runs past the end of the section"},
		{"huge import count", wmModule(wmSec(2, huge, imp)), "wasm: import section: import count 4294967295 does not fit in the 34 bytes left in the section"},
		{"overlong import count", wmModule(wmSec(2, []byte{0x81, 0x80, 0x80, 0x80, 0x80, 0x00}, imp)), "wasm: import section: import count is not a valid LEB128 u32"},
		{"count larger than entries", wmModule(wmSec(2, []byte{3}, imp, imp)), "wasm: import section: entry 2: module name length runs past the end of the section"},
		{"left over bytes", wmModule(wmSec(2, []byte{1}, imp, []byte{0, 0})), "wasm: import section: bytes left over after the last entry: 2"},
		{"left over after count 0", wmModule(wmSec(2, []byte{0, 0})), "wasm: import section: bytes left over after the last entry: 1"},
		{"huge module name length", entry(wmCat(huge, []byte("env"))...), "wasm: import section: entry 1: module name runs past the end of the section"},
		{"huge name length", entry(wmCat(wmName("env"), huge, []byte("abcd"))...), "wasm: import section: entry 1: name runs past the end of the section"},
		{"name past section", entry(wmCat(wmName("env"), []byte{9, 'a', 'b'})...), "wasm: import section: entry 1: name runs past the end of the section"},
		{"overlong name length", entry(wmCat(wmName("env"), []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0x00})...), "wasm: import section: entry 1: name length is not a valid LEB128 u32"},
		{"invalid utf-8 module", entry(wmCat([]byte{2, 0xC3, 0x28}, wmName("f"), []byte{0, 0})...), "wasm: import section: entry 1: module name is not valid UTF-8"},
		{"invalid utf-8 name", entry(wmCat(wmName("env"), []byte{3, 'a', 0xFF, 'b'}, []byte{0, 0})...), "wasm: import section: entry 1: name is not valid UTF-8"},
		{"surrogate in name", entry(wmCat(wmName("env"), []byte{3, 0xED, 0xA0, 0x80}, []byte{0, 0})...), "wasm: import section: entry 1: name is not valid UTF-8"},
		{"missing kind", entry(wmCat(wmName("env"), wmName("f"))...), "wasm: import section: entry 1: import kind runs past the end of the section"},
		{"unknown kind", entry(wmImp("env", "f", 5, 0, 0, 0)...), "wasm: import section: entry 1: unknown import kind 0x05"},
		{"missing type index", entry(wmImp("env", "f", 0)...), "wasm: import section: entry 1: type index runs past the end of the section"},
		{"overlong type index", entry(wmImp("env", "f", 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)...), "wasm: import section: entry 1: type index is not a valid LEB128 u32"},
		{"type index over 32 bits", entry(wmImp("env", "f", 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x10)...), "wasm: import section: entry 1: type index is not a valid LEB128 u32"},
		{"table not a reftype", entry(wmImp("env", "t", 1, 0x7F, 0x00, 0x00)...), "wasm: import section: entry 1: table element type 0x7f is not a reference type"},
		{"table negative heap type", entry(wmImp("env", "t", 1, 0x63, 0x40, 0x00, 0x00)...), "wasm: import section: entry 1: table element type heap type -64 is neither an abstract heap type nor a type index"},
		{"table overlong heap type", entry(wmImp("env", "t", 1, 0x64, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)...), "wasm: import section: entry 1: table element type heap type is not a valid LEB128 s33"},
		{"table missing limits", entry(wmImp("env", "t", 1, 0x70)...), "wasm: import section: entry 1: table limits flags runs past the end of the section"},
		{"table missing max", entry(wmImp("env", "t", 1, 0x70, 0x01, 0x00)...), "wasm: import section: entry 1: table limits maximum runs past the end of the section"},
		{"memory bad flags", entry(wmImp("env", "m", 2, 0x08, 0x00)...), "wasm: import section: entry 1: memory limits flags 0x08 are not a known limits encoding"},
		{"memory missing min", entry(wmImp("env", "m", 2, 0x00)...), "wasm: import section: entry 1: memory limits minimum runs past the end of the section"},
		{"memory32 min over 32 bits", entry(wmImp("env", "m", 2, 0x00, 0x80, 0x80, 0x80, 0x80, 0x10)...), "wasm: import section: entry 1: memory limits minimum is not a valid LEB128 u32"},
		{"memory64 overlong min", entry(wmImp("env", "m", 2, 0x04, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00)...), "wasm: import section: entry 1: memory limits minimum is not a valid LEB128 u64"},
		{"memory64 min over 64 bits", entry(wmImp("env", "m", 2, 0x04, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02)...), "wasm: import section: entry 1: memory limits minimum is not a valid LEB128 u64"},
		{"global bad valtype", entry(wmImp("env", "g", 3, 0x40, 0x00)...), "wasm: import section: entry 1: global type 0x40 is not a reference type"},
		{"global bad mutability", entry(wmImp("env", "g", 3, 0x7F, 0x02)...), "wasm: import section: entry 1: global mutability 0x02 is neither 0 nor 1"},
		{"global missing mutability", entry(wmImp("env", "g", 3, 0x7F)...), "wasm: import section: entry 1: global mutability runs past the end of the section"},
		{"tag bad attribute", entry(wmImp("env", "e", 4, 0x01, 0x00)...), "wasm: import section: entry 1: tag attribute 0x01 is not 0 (exception)"},
		{"tag missing type", entry(wmImp("env", "e", 4, 0x00)...), "wasm: import section: entry 1: tag type index runs past the end of the section"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ModuleImports(bytes.NewReader(tc.mod), int64(len(tc.mod)))
			if err == nil {
				t.Fatalf("ModuleImports = %q, nil; want error %q", got, tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error:\n got %q\nwant %q", err, tc.want)
			}
			if got != nil {
				t.Errorf("imports = %q, want nil with an error", got)
			}
		})
	}
}

func TestModuleImportsNegativeSize(t *testing.T) {
	if _, err := ModuleImports(bytes.NewReader(nil), -1); err == nil {
		t.Fatal("ModuleImports with size -1: no error")
	}
}

// wmReader is an io.ReaderAt over b that records every read and fails the test on
// a read that goes past limit.
type wmReader struct {
	t     testing.TB
	b     []byte
	limit int64
	reads [][2]int64 // offset, length
}

func (r *wmReader) ReadAt(p []byte, off int64) (int, error) {
	r.reads = append(r.reads, [2]int64{off, int64(len(p))})
	if off < 0 || off+int64(len(p)) > r.limit {
		r.t.Errorf("ReadAt(%d bytes, off %d) reads past the size %d", len(p), off, r.limit)
	}
	if off >= int64(len(r.b)) {
		return 0, io.EOF
	}
	n := copy(p, r.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// TestModuleImportsTruncated cuts every valid module at every byte: a cut inside
// the header or inside a section up to and including the import section is an
// error; a cut at a section boundary before the imports is a module without
// imports; a cut after the import section does not matter.
func TestModuleImportsTruncated(t *testing.T) {
	for _, tc := range wmValid {
		t.Run(tc.name, func(t *testing.T) {
			m := wmModule(tc.secs...)
			// Section boundaries, and where the examined part of the module ends.
			starts := []int{8}
			examined := 8
			stopped := false
			for _, s := range tc.secs {
				if !stopped && s[0] > 2 {
					stopped = true // reading stops at the id of this section
				}
				if !stopped {
					examined = starts[len(starts)-1] + len(s)
				}
				if !stopped && s[0] == 2 {
					stopped = true // reading stops after the import section
				}
				starts = append(starts, starts[len(starts)-1]+len(s))
			}
			for n := range len(m) {
				var wantErr bool
				var want []Import
				switch {
				case n < 8:
					wantErr = true
				case n >= examined:
					want = tc.want
				default:
					wantErr = !slices.Contains(starts, n)
				}
				check := func(variant string, r io.ReaderAt, size int64) {
					t.Helper()
					got, err := ModuleImports(r, size)
					if (err != nil) != wantErr {
						t.Fatalf("%s: cut at %d of %d: err = %v, want error: %v", variant, n, len(m), err, wantErr)
					}
					if err == nil && !slices.Equal(got, want) {
						t.Fatalf("%s: cut at %d of %d: imports = %q, want %q", variant, n, len(m), got, want)
					}
					if err != nil && !strings.HasPrefix(err.Error(), "wasm: ") {
						t.Fatalf("%s: cut at %d: error %q lacks the wasm: prefix", variant, n, err)
					}
				}
				check("short file", bytes.NewReader(m[:n]), int64(n))
				// The whole module is readable but size says n: nothing past n is read.
				check("size bound", &wmReader{t: t, b: m, limit: int64(n)}, int64(n))
				// size says more than the reader holds: a read comes up short, which
				// is io.ErrUnexpectedEOF, unless only skipped bytes are missing.
				got, err := ModuleImports(bytes.NewReader(m[:n]), int64(len(m)))
				switch {
				case n < 8 && err == nil:
					t.Fatalf("lying size: cut at %d of %d: no error", n, len(m))
				case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
					t.Fatalf("lying size: cut at %d: error %v is not io.ErrUnexpectedEOF", n, err)
				case err == nil && !slices.Equal(got, tc.want):
					t.Fatalf("lying size: cut at %d: imports = %q, want %q", n, got, tc.want)
				case n < examined && err == nil && slices.Contains(starts, n):
					t.Fatalf("lying size: cut at section boundary %d before %d: no error", n, examined)
				}
			}
		})
	}
}

// TestModuleImportsReads checks which bytes are read: the header, the section
// headers before the imports, and the import section in one ReadAt; never the
// bodies of the skipped sections nor the code.
func TestModuleImportsReads(t *testing.T) {
	custom := wmCustom("name", bytes.Repeat([]byte{0xEE}, 1000))
	imps := wmImports(
		wmImp("wasi_snapshot_preview1", "fd_write", 0, 0),
		wmImp("wasi_snapshot_preview1", "proc_exit", 0, 0),
	)
	code := wmCode(1 << 20)
	m := wmModule(append([][]byte{custom, wmTypes, imps}, code...)...)
	r := &wmReader{t: t, b: m, limit: int64(len(m))}
	got, err := ModuleImports(r, int64(len(m)))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("imports = %q, want 2", got)
	}
	customStart := int64(8)
	typeStart := customStart + int64(len(custom))
	importStart := typeStart + int64(len(wmTypes))
	importEnd := importStart + int64(len(imps))
	bodyLen := int64(len(imps)) - 2 // id byte, one-byte size
	var total int64
	var importReads int
	for _, rd := range r.reads {
		off, n := rd[0], rd[1]
		total += n
		switch {
		case off == 0 && n == 8: // header
		case off == customStart || off == typeStart || off == importStart: // section headers
			if n > 6 {
				t.Errorf("section header read at %d is %d bytes, want at most 6", off, n)
			}
		case off == importStart+2 && n == bodyLen:
			importReads++
		default:
			t.Errorf("unexpected read of %d bytes at %d", n, off)
		}
		if off+n > importEnd {
			t.Errorf("read of %d bytes at %d goes past the import section (ends at %d)", n, off, importEnd)
		}
	}
	if importReads != 1 {
		t.Errorf("import section read %d times, want once", importReads)
	}
	if max := 8 + 3*6 + bodyLen; total > max {
		t.Errorf("read %d bytes in all, want at most %d", total, max)
	}
}

// TestModuleImportsAllocs: the allocations do not depend on the size of the code,
// and stay within the budget: a scratch buffer for the headers, the section buffer,
// its string and the result.
func TestModuleImportsAllocs(t *testing.T) {
	const budget = 4
	var first float64
	for i, codeSize := range []int{0, 4 << 20} {
		m := wmBenchModule(codeSize)
		r := bytes.NewReader(m)
		allocs := testing.AllocsPerRun(20, func() {
			if _, err := ModuleImports(r, int64(len(m))); err != nil {
				t.Fatal(err)
			}
		})
		if allocs > budget {
			t.Errorf("code %d bytes: %v allocations per call, budget %d", codeSize, allocs, budget)
		}
		if i == 0 {
			first = allocs
		} else if allocs != first {
			t.Errorf("code %d bytes: %v allocations, with no code %v", codeSize, allocs, first)
		}
	}
}

func TestImportModules(t *testing.T) {
	imp := func(mods ...string) []Import {
		var out []Import
		for i, m := range mods {
			out = append(out, Import{Module: m, Name: fmt.Sprint(i)})
		}
		return out
	}
	many := make([]string, 0, 40)
	var manyImps []Import
	for i := range 20 {
		many = append(many, fmt.Sprintf("m%d", i))
		manyImps = append(manyImps, imp(fmt.Sprintf("m%d", i), fmt.Sprintf("m%d", i), "m0")...)
	}
	tests := []struct {
		name string
		imps []Import
		want []string
	}{
		{"nil", nil, nil},
		{"one", imp("wasi_unstable"), []string{"wasi_unstable"}},
		{"first-seen order", imp("wasix_32v1", "env", "wasix_32v1", "wasi_snapshot_preview1", "env"),
			[]string{"wasix_32v1", "env", "wasi_snapshot_preview1"}},
		{"empty module name", imp("", "env", ""), []string{"", "env"}},
		{"many modules", manyImps, many},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ImportModules(tc.imps); !slices.Equal(got, tc.want) {
				t.Errorf("ImportModules = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestClassifyABI(t *testing.T) {
	tests := []struct {
		modules []string
		want    ABI
	}{
		{nil, ABINone},
		{[]string{}, ABINone},
		{[]string{"wasi_snapshot_preview1"}, ABIWasi},
		{[]string{"env", "wasi_snapshot_preview1"}, ABIWasi},
		{[]string{"wasi_snapshot_preview1", "canonical_abi"}, ABIWasi},
		{[]string{"wasi_unstable"}, ABIWasiUnstable},
		{[]string{"wasi_snapshot_preview1", "wasi_unstable"}, ABIWasiUnstable},
		{[]string{"env", "wasix_32v1"}, ABIWasix},
		{[]string{"wasix_64v1"}, ABIWasix},
		{[]string{"wasi_snapshot_preview1", "wasi_unstable", "wasix_32v1"}, ABIWasix},
		{[]string{"env"}, ABIOther},
		{[]string{"canonical_abi"}, ABIOther},
		{[]string{"wasix"}, ABIOther},
		{[]string{"wasi_snapshot_preview2"}, ABIOther},
		{[]string{"WASI_UNSTABLE"}, ABIOther},
		{[]string{""}, ABIOther},
	}
	for _, tc := range tests {
		if got := ClassifyABI(tc.modules); got != tc.want {
			t.Errorf("ClassifyABI(%q) = %q, want %q", tc.modules, got, tc.want)
		}
	}
}

// wmTarFile returns the file called name inside the .tar.gz at path.
func wmTarFile(t *testing.T, path, name string) []byte {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			t.Fatalf("%s: no %s in the archive", path, name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimPrefix(h.Name, "./") == name {
			b, err := io.ReadAll(io.LimitReader(tr, 64<<20))
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
	}
}

// TestModuleImportsFixtures reads the modules of real wapm tarballs; the expected
// modules are those of the fixtures' .imports.json files.
func TestModuleImportsFixtures(t *testing.T) {
	tests := []struct {
		archive, module string
		modules         []string
		abi             ABI
	}{
		{"cowsay-0.3.0.tar.gz", "target/wasm32-wasi/release/cowsay.wasm", []string{"wasi_unstable"}, ABIWasiUnstable},
		{"wit-pack-0.3.0.tar.gz", "wit_pack_wasm.wasm", []string{"canonical_abi"}, ABIOther},
	}
	for _, tc := range tests {
		t.Run(tc.archive, func(t *testing.T) {
			path := testfixtures.Path(t, "packages", tc.archive)
			m := wmTarFile(t, path, tc.module)
			r := &wmReader{t: t, b: m, limit: int64(len(m))}
			imps, err := ModuleImports(r, int64(len(m)))
			if err != nil {
				t.Fatalf("%s: %v", tc.module, err)
			}
			if got := ImportModules(imps); !slices.Equal(got, tc.modules) {
				t.Errorf("modules = %q, want %q", got, tc.modules)
			}
			if got := ClassifyABI(ImportModules(imps)); got != tc.abi {
				t.Errorf("ABI = %q, want %q", got, tc.abi)
			}
			var read int64
			for _, rd := range r.reads {
				read += rd[1]
			}
			t.Logf("%s: %d imports, read %d of %d bytes", tc.module, len(imps), read, len(m))
		})
	}
}

func FuzzModuleImports(f *testing.F) {
	for _, tc := range wmValid {
		f.Add(wmModule(tc.secs...))
	}
	f.Add([]byte("\x00asm\x0d\x00\x01\x00"))
	f.Fuzz(func(t *testing.T, data []byte) {
		size := int64(len(data))
		imps, err := ModuleImports(&wmReader{t: t, b: data, limit: size}, size)
		if err != nil {
			if imps != nil {
				t.Errorf("imports %q returned with error %v", imps, err)
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "wasm: ") || strings.ContainsAny(msg, "\r\n") || strings.HasSuffix(msg, ".") {
				t.Errorf("error %q is not one lower-case wasm: line", msg)
			}
			return
		}
		if int64(len(imps))*4 > size {
			t.Errorf("%d imports from %d bytes", len(imps), size)
		}
		for i, imp := range imps {
			if !utf8.ValidString(imp.Module) || !utf8.ValidString(imp.Name) {
				t.Errorf("import %d: invalid UTF-8 %q %q", i, imp.Module, imp.Name)
			}
			if imp.Kind > 4 {
				t.Errorf("import %d: kind %d", i, imp.Kind)
			}
		}
		_ = ClassifyABI(ImportModules(imps))
	})
}

// wmBenchModule is a module shaped like a real WASI program: a type section, 24
// imports, and a code section of codeSize bytes after them.
func wmBenchModule(codeSize int) []byte {
	names := []string{
		"args_get", "args_sizes_get", "environ_get", "environ_sizes_get", "clock_time_get",
		"fd_close", "fd_fdstat_get", "fd_fdstat_set_flags", "fd_filestat_get", "fd_prestat_get",
		"fd_prestat_dir_name", "fd_read", "fd_readdir", "fd_seek", "fd_write", "path_create_directory",
		"path_filestat_get", "path_open", "path_readlink", "path_remove_directory", "path_rename",
		"path_unlink_file", "poll_oneoff", "proc_exit",
	}
	var entries [][]byte
	for _, n := range names {
		entries = append(entries, wmImp("wasi_snapshot_preview1", n, 0, 0))
	}
	secs := [][]byte{wmTypes, wmImports(entries...)}
	if codeSize > 0 {
		secs = append(secs, wmCode(codeSize)...)
	}
	return wmModule(secs...)
}

// BenchmarkModuleImports reads the imports of modules that differ only in the size
// of the code after the import section; ns/op and allocs/op stay the same.
func BenchmarkModuleImports(b *testing.B) {
	for _, codeSize := range []int{0, 1 << 20, 16 << 20} {
		b.Run(fmt.Sprintf("code=%dMiB", codeSize>>20), func(b *testing.B) {
			m := wmBenchModule(codeSize)
			r := bytes.NewReader(m)
			b.ReportAllocs()
			for b.Loop() {
				imps, err := ModuleImports(r, int64(len(m)))
				if err != nil || len(imps) != 24 {
					b.Fatalf("ModuleImports = %d imports, %v", len(imps), err)
				}
			}
		})
	}
}
