package webc

// This file reads the import section of a core WebAssembly module, which is all
// that is needed to tell which host ABI (WASI preview 1, wasi_unstable, WASIX, ...)
// a module expects. It reads the 8-byte header, skips custom and type sections by
// their length, reads the import section with one ReadAt, and stops: the code
// section, usually most of the module, is never read.
//
// Errors are plain one-line errors ("wasm: import section: entry 3: name runs past
// the end of the section"), not *FormatError: the module is one entry of a
// container, and the container reader that calls this wraps the error in its own
// *FormatError (Section "atoms", Entry the atom name), which supplies the where.
//
// Unexported names here carry an "imports" prefix because other files of the
// package own the container and module parsers.

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// ABI classifies the host interface that a module's imports require.
type ABI string

// The ABI classes returned by ClassifyABI.
const (
	// ABIWasi: the module imports wasi_snapshot_preview1 (WASI preview 1), possibly
	// next to other modules such as "env".
	ABIWasi ABI = "wasi"
	// ABIWasiUnstable: the module imports wasi_unstable (WASI snapshot 0).
	ABIWasiUnstable ABI = "wasi_unstable"
	// ABIWasix: the module imports a module whose name starts with "wasix_"
	// (wasix_32v1, wasix_64v1, ...).
	ABIWasix ABI = "wasix"
	// ABINone: the module imports nothing.
	ABINone ABI = "none"
	// ABIOther: the module imports only modules that are none of the above, such as
	// "canonical_abi", or "env" alone.
	ABIOther ABI = "other"
)

// Import is one entry of a module's import section.
type Import struct {
	// Module is the name of the module the import comes from, e.g. "wasi_snapshot_preview1".
	Module string
	// Name is the name of the imported item within Module, e.g. "fd_write".
	Name string
	// Kind is the external kind byte of the import: 0 function, 1 table, 2 memory,
	// 3 global, 4 tag.
	Kind byte
}

const (
	importsMagic = "\x00asm"
	// importsVersion1 is the version field of a core module. A component has the
	// same magic followed by a 2-byte version and the 2-byte layer 1.
	importsVersion1 = "\x01\x00\x00\x00"

	importsSecCustom = 0
	importsSecType   = 1
	importsSecImport = 2

	// importsMinEntry is the smallest encoding of an import: two empty names, the
	// kind byte and a one-byte type index.
	importsMinEntry = 4
)

// importsLEBStatus is the outcome of decoding a LEB128 number.
type importsLEBStatus uint8

const (
	importsLEBOK    importsLEBStatus = iota
	importsLEBShort                  // the bytes end before the number does
	importsLEBBad                    // too many bytes, or bits set beyond the width
)

// ModuleImports reads the imports of the core WebAssembly module of size bytes in r.
//
// It reads only the 8-byte header and the import section: sections before the
// import section (custom sections, id 0, and the type section, id 1) are skipped by
// their length without being read, and reading stops at the first section after
// it, so the cost does not depend on the size of the code. A module without an
// import section has no imports (nil, nil).
//
// Every length and count is checked against the bytes that hold it; a section that
// runs past size is an error, and nothing is read past size. The error for
// malformed input is one line, e.g. "wasm: import section: entry 3: name runs past
// the end of the section", where entries count from 0. A component (or any
// version other than 1) is rejected.
func ModuleImports(r io.ReaderAt, size int64) ([]Import, error) {
	if size < 0 {
		return nil, fmt.Errorf("wasm: negative module size %d", size)
	}
	// One scratch buffer for the header and every section header: a buffer handed
	// to ReadAt, an interface method, escapes to the heap.
	hdr := make([]byte, 8)
	n := int(min(size, int64(len(hdr))))
	if err := importsReadFull(r, hdr[:n], 0); err != nil {
		return nil, fmt.Errorf("wasm: reading header: %w", err)
	}
	m := min(n, len(importsMagic))
	if string(hdr[:m]) != importsMagic[:m] {
		return nil, errors.New("wasm: bad magic")
	}
	if n < len(hdr) {
		return nil, fmt.Errorf("wasm: module is %d bytes, shorter than its 8-byte header", n)
	}
	if string(hdr[4:]) != importsVersion1 {
		return nil, errors.New("wasm: not a core WebAssembly module (component or unknown version)")
	}

	for pos := int64(len(hdr)); pos < size; {
		// A section header is the id byte and a LEB128 u32 of at most 5 bytes.
		sh := hdr[:6]
		hn := int(min(size-pos, int64(len(sh))))
		if err := importsReadFull(r, sh[:hn], pos); err != nil {
			return nil, fmt.Errorf("wasm: reading section header at byte %d: %w", pos, err)
		}
		id := sh[0]
		if id != importsSecCustom && id != importsSecType && id != importsSecImport {
			return nil, nil // past the place where an import section may be
		}
		v, ln, st := importsULEB(sh[1:hn], 32)
		switch st {
		case importsLEBShort:
			return nil, fmt.Errorf("wasm: section %d at byte %d: size runs past the end of the module", id, pos)
		case importsLEBBad:
			return nil, fmt.Errorf("wasm: section %d at byte %d: size is not a valid LEB128 u32", id, pos)
		}
		body := pos + 1 + int64(ln)
		if int64(v) > size-body {
			return nil, fmt.Errorf("wasm: section %d at byte %d runs past the end of the module", id, pos)
		}
		if id != importsSecImport {
			pos = body + int64(v)
			continue
		}
		if uint64(v) > uint64(^uint(0)>>1) {
			return nil, fmt.Errorf("wasm: section %d at byte %d is too large (%d bytes)", id, pos, v)
		}
		buf := make([]byte, int(v))
		if err := importsReadFull(r, buf, body); err != nil {
			return nil, fmt.Errorf("wasm: reading section %d at byte %d: %w", id, pos, err)
		}
		imps, err := importsParseSection(string(buf))
		if err != nil {
			return nil, fmt.Errorf("wasm: import section: %w", err)
		}
		return imps, nil
	}
	return nil, nil
}

// importsReadFull fills p from r at off. A short read is io.ErrUnexpectedEOF:
// the caller asked only for bytes that size says are there.
func importsReadFull(r io.ReaderAt, p []byte, off int64) error {
	n, err := r.ReadAt(p, off)
	if n == len(p) {
		return nil // io.ReaderAt may report io.EOF along with a full read
	}
	if err == nil || err == io.EOF {
		err = io.ErrUnexpectedEOF
	}
	return err
}

// importsParseSection decodes the body of an import section. Names are substrings
// of body, so the entries cost no allocation beyond the returned slice.
func importsParseSection(body string) ([]Import, error) {
	d := importsDecoder{s: body}
	count, err := d.u32("import count", "")
	if err != nil {
		return nil, err
	}
	if rest := len(d.s) - d.off; uint64(count) > uint64(rest/importsMinEntry) {
		return nil, fmt.Errorf("import count %d does not fit in the %d bytes left in the section", count, rest)
	}
	imps := make([]Import, 0, count) // count is at most a quarter of the section size
	for i := range int(count) {
		imp, err := d.entry()
		if err != nil {
			return nil, fmt.Errorf("entry %d: %w", i, err)
		}
		imps = append(imps, imp)
	}
	if rest := len(d.s) - d.off; rest != 0 {
		return nil, fmt.Errorf("bytes left over after the last entry: %d", rest)
	}
	if len(imps) == 0 {
		return nil, nil // as for a module without an import section
	}
	return imps, nil
}

// importsDecoder reads the body of a section; every read is checked against its end.
type importsDecoder struct {
	s   string
	off int
}

// entry decodes one import: module name, name and import description.
func (d *importsDecoder) entry() (Import, error) {
	var imp Import
	var err error
	if imp.Module, err = d.name("module name"); err != nil {
		return imp, err
	}
	if imp.Name, err = d.name("name"); err != nil {
		return imp, err
	}
	if imp.Kind, err = d.byte("import kind", ""); err != nil {
		return imp, err
	}
	switch imp.Kind {
	case 0x00: // func: typeidx
		_, err = d.u32("type index", "")
	case 0x01: // table: reftype limits
		if err = d.refType("table element type"); err == nil {
			err = d.limits("table limits")
		}
	case 0x02: // memory: limits
		err = d.limits("memory limits")
	case 0x03: // global: valtype mut
		if err = d.valType("global type"); err == nil {
			var mut byte
			if mut, err = d.byte("global mutability", ""); err == nil && mut > 1 {
				err = fmt.Errorf("global mutability 0x%02x is neither 0 nor 1", mut)
			}
		}
	case 0x04: // tag: attribute typeidx
		var attr byte
		if attr, err = d.byte("tag attribute", ""); err == nil {
			if attr != 0 {
				err = fmt.Errorf("tag attribute 0x%02x is not 0 (exception)", attr)
			} else {
				_, err = d.u32("tag type index", "")
			}
		}
	default:
		err = fmt.Errorf("unknown import kind 0x%02x", imp.Kind)
	}
	return imp, err
}

// The field being read is named by what and part ("memory limits", " minimum"),
// joined only when an error is built, so that decoding does not allocate.

// short is the error for a field that runs past the end of the section.
func (d *importsDecoder) short(what, part string) error {
	return fmt.Errorf("%s%s runs past the end of the section", what, part)
}

// lebErr is the error for a LEB128 number of type typ that failed to decode.
func (d *importsDecoder) lebErr(what, part string, st importsLEBStatus, typ string) error {
	if st == importsLEBShort {
		return d.short(what, part)
	}
	return fmt.Errorf("%s%s is not a valid LEB128 %s", what, part, typ)
}

func (d *importsDecoder) byte(what, part string) (byte, error) {
	if d.off >= len(d.s) {
		return 0, d.short(what, part)
	}
	c := d.s[d.off]
	d.off++
	return c, nil
}

// uleb reads an unsigned LEB128 number of at most bits bits.
func (d *importsDecoder) uleb(what, part string, bits uint) (uint64, error) {
	v, n, st := importsULEB(d.s[d.off:], bits)
	if st != importsLEBOK {
		return 0, d.lebErr(what, part, st, fmt.Sprintf("u%d", bits))
	}
	d.off += n
	return v, nil
}

func (d *importsDecoder) u32(what, part string) (uint32, error) {
	v, err := d.uleb(what, part, 32)
	return uint32(v), err
}

// name reads a length-prefixed UTF-8 name.
func (d *importsDecoder) name(what string) (string, error) {
	n, err := d.u32(what, " length")
	if err != nil {
		return "", err
	}
	if uint64(n) > uint64(len(d.s)-d.off) {
		return "", d.short(what, "")
	}
	s := d.s[d.off : d.off+int(n)]
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("%s is not valid UTF-8", what)
	}
	d.off += int(n)
	return s, nil
}

// limits reads a table or memory limits: a flags byte (bit 0: a maximum follows,
// bit 1: shared, bit 2: 64-bit addresses, whose bounds are u64), the minimum and
// the optional maximum. Shared and 64-bit are accepted for tables too: this is a
// decoder, not a validator.
func (d *importsDecoder) limits(what string) error {
	flags, err := d.byte(what, " flags")
	if err != nil {
		return err
	}
	if flags > 0x07 {
		return fmt.Errorf("%s flags 0x%02x are not a known limits encoding", what, flags)
	}
	bits := uint(32)
	if flags&0x04 != 0 {
		bits = 64
	}
	if _, err := d.uleb(what, " minimum", bits); err != nil {
		return err
	}
	if flags&0x01 != 0 {
		if _, err := d.uleb(what, " maximum", bits); err != nil {
			return err
		}
	}
	return nil
}

// valType reads a value type: a number type, v128 or a reference type.
func (d *importsDecoder) valType(what string) error {
	if d.off < len(d.s) {
		switch d.s[d.off] {
		case 0x7F, 0x7E, 0x7D, 0x7C, 0x7B: // i32 i64 f32 f64 v128
			d.off++
			return nil
		}
	}
	return d.refType(what)
}

// refType reads a reference type: one of the shorthand bytes (funcref 0x70,
// externref 0x6F and the other abstract heap types of Wasm 3.0, 0x69 to 0x74), or
// 0x63 (ref null ht) / 0x64 (ref ht) followed by a heap type.
func (d *importsDecoder) refType(what string) error {
	c, err := d.byte(what, "")
	if err != nil {
		return err
	}
	switch {
	case importsAbsHeapType(c):
		return nil
	case c == 0x63 || c == 0x64:
		return d.heapType(what)
	}
	return fmt.Errorf("%s 0x%02x is not a reference type", what, c)
}

// importsAbsHeapType reports whether c encodes an abstract heap type (exn 0x69
// through noexn 0x74, including func 0x70 and extern 0x6F).
func importsAbsHeapType(c byte) bool { return c >= 0x69 && c <= 0x74 }

// heapType reads the heap type of the reference type what, an s33: an abstract
// heap type byte or a type index.
func (d *importsDecoder) heapType(what string) error {
	if d.off < len(d.s) && importsAbsHeapType(d.s[d.off]) {
		d.off++
		return nil
	}
	v, n, st := importsSLEB33(d.s[d.off:])
	if st != importsLEBOK {
		return d.lebErr(what, " heap type", st, "s33")
	}
	if v < 0 {
		return fmt.Errorf("%s heap type %d is neither an abstract heap type nor a type index", what, v)
	}
	d.off += n
	return nil
}

// importsULEB decodes an unsigned LEB128 number of at most bits bits (32 or 64)
// from the start of b, returning the value and the bytes used. The encoding may be
// padded, but not longer than ceil(bits/7) bytes and with no bits set beyond bits.
func importsULEB[T string | []byte](b T, bits uint) (uint64, int, importsLEBStatus) {
	maxLen := int((bits + 6) / 7)
	var v uint64
	for i := range maxLen {
		if i >= len(b) {
			return 0, 0, importsLEBShort
		}
		c := b[i]
		shift := 7 * uint(i)
		if i == maxLen-1 && c>>(bits-shift) != 0 {
			return 0, 0, importsLEBBad // continuation bit or unused bits set
		}
		v |= uint64(c&0x7F) << shift
		if c&0x80 == 0 {
			return v, i + 1, importsLEBOK
		}
	}
	return 0, 0, importsLEBBad // not reached: the last byte ends the loop
}

// importsSLEB33 decodes a signed 33-bit LEB128 number (at most 5 bytes) from the
// start of b.
func importsSLEB33(b string) (int64, int, importsLEBStatus) {
	var v int64
	for i := range 5 {
		if i >= len(b) {
			return 0, 0, importsLEBShort
		}
		c := b[i]
		shift := 7 * uint(i)
		if i == 4 {
			// 5 value bits (the top one is the sign); bits 5 and 6 must repeat the
			// sign and the continuation bit must be clear.
			if top := c & 0x70; c&0x80 != 0 || (top != 0 && top != 0x70) {
				return 0, 0, importsLEBBad
			}
		}
		v |= int64(c&0x7F) << shift
		if c&0x80 == 0 {
			if c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v, i + 1, importsLEBOK
		}
	}
	return 0, 0, importsLEBBad // not reached
}

// ImportModules returns the distinct module names of imps in the order in which
// they first appear, or nil if imps is empty.
func ImportModules(imps []Import) []string {
	var out []string
	var seen map[string]struct{}
	for _, imp := range imps {
		if seen == nil && len(out) < 8 {
			// Few distinct modules is the common case: a scan beats a map.
			found := false
			for _, m := range out {
				if m == imp.Module {
					found = true
					break
				}
			}
			if !found {
				out = append(out, imp.Module)
			}
			continue
		}
		if seen == nil {
			seen = make(map[string]struct{}, 2*len(out))
			for _, m := range out {
				seen[m] = struct{}{}
			}
		}
		if _, ok := seen[imp.Module]; !ok {
			seen[imp.Module] = struct{}{}
			out = append(out, imp.Module)
		}
	}
	return out
}

// ClassifyABI names the host ABI that a module importing from modules needs. The
// rules are checked in order, and the first that matches wins:
//
//  1. any module name starts with "wasix_" (wasix_32v1, wasix_64v1): ABIWasix;
//  2. "wasi_unstable" is present: ABIWasiUnstable;
//  3. "wasi_snapshot_preview1" is present: ABIWasi;
//  4. there are no modules: ABINone;
//  5. otherwise: ABIOther.
//
// Other modules next to a WASI one do not change the class: a module importing
// wasi_snapshot_preview1 and "env" (env.memory is common) is ABIWasi, and
// wasix_32v1 with "env" is ABIWasix. The host must still provide those imports.
func ClassifyABI(modules []string) ABI {
	var unstable, preview1 bool
	for _, m := range modules {
		switch {
		case strings.HasPrefix(m, "wasix_"):
			return ABIWasix
		case m == "wasi_unstable":
			unstable = true
		case m == "wasi_snapshot_preview1":
			preview1 = true
		}
	}
	switch {
	case unstable:
		return ABIWasiUnstable
	case preview1:
		return ABIWasi
	case len(modules) == 0:
		return ABINone
	}
	return ABIOther
}
