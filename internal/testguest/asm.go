package testguest

import "fmt"

// Value types and instructions of the binary format that the modules use.
const (
	i32 byte = 0x7f
	i64 byte = 0x7e
	f64 byte = 0x7c

	opUnreachable byte = 0x00
	opLoop        byte = 0x03
	opBr          byte = 0x0c
	opEnd         byte = 0x0b
	opCall        byte = 0x10
	opDrop        byte = 0x1a
	opLocalGet    byte = 0x20
	opI32Const    byte = 0x41
	opI32Mul      byte = 0x6c
	opI32Add      byte = 0x6a
	opI64Add      byte = 0x7c
	opF64Div      byte = 0xa3
	blockEmpty    byte = 0x40
)

// module is a small assembler of core modules: function imports, then defined
// functions, at most one memory, exports and active data segments in memory 0.
// Indexes are those of the binary format: imported functions first.
type module struct {
	types   [][]byte // encoded function types, each once
	imports [][]byte // encoded import entries
	funcs   []uint32 // type index of each defined function
	code    [][]byte // encoded body of each defined function
	memory  []byte   // encoded limits, or nil
	exports [][]byte
	data    [][]byte
}

// typ returns the index of the function type params -> results, adding it.
func (m *module) typ(params, results []byte) uint32 {
	t := []byte{0x60}
	t = appendBytes(t, params)
	t = appendBytes(t, results)
	for i, have := range m.types {
		if string(have) == string(t) {
			return uint32(i)
		}
	}
	m.types = append(m.types, t)
	return uint32(len(m.types) - 1)
}

// importFunc imports module.name as a function and returns its index. Imports
// come before every defined function.
func (m *module) importFunc(module, name string, params, results []byte) uint32 {
	if len(m.funcs) > 0 {
		panic("testguest: import after a defined function")
	}
	e := appendName(nil, module)
	e = appendName(e, name)
	e = append(e, 0x00) // a function
	e = appendU32(e, m.typ(params, results))
	m.imports = append(m.imports, e)
	return uint32(len(m.imports) - 1)
}

// fn defines a function with no locals and body (its final end included) and
// returns its index.
func (m *module) fn(params, results []byte, body ...byte) uint32 {
	m.funcs = append(m.funcs, m.typ(params, results))
	b := []byte{0} // no local declarations
	m.code = append(m.code, append(b, body...))
	return uint32(len(m.imports) + len(m.funcs) - 1)
}

// exportFunc exports function idx as name.
func (m *module) exportFunc(name string, idx uint32) {
	e := appendName(nil, name)
	e = append(e, 0x00)
	m.exports = append(m.exports, appendU32(e, idx))
}

// exportMemory defines a memory of pages 64 KiB pages and exports it as "memory".
func (m *module) exportMemory(pages uint32) {
	m.memory = appendU32([]byte{0x00}, pages) // min only
	e := appendName(nil, "memory")
	m.exports = append(m.exports, append(e, 0x02, 0x00))
}

// dataAt adds an active data segment writing b at offset of memory 0.
func (m *module) dataAt(offset uint32, b []byte) {
	d := []byte{0x00, opI32Const}
	d = appendS32(d, int32(offset))
	d = append(d, opEnd)
	m.data = append(m.data, appendBytes(d, b))
}

// bytes encodes the module.
func (m *module) bytes() []byte {
	out := []byte("\x00asm\x01\x00\x00\x00")
	out = appendSection(out, 1, m.types)
	out = appendSection(out, 2, m.imports)
	var funcs [][]byte
	for _, t := range m.funcs {
		funcs = append(funcs, appendU32(nil, t))
	}
	out = appendSection(out, 3, funcs)
	if m.memory != nil {
		out = appendSection(out, 5, [][]byte{m.memory})
	}
	out = appendSection(out, 7, m.exports)
	var code [][]byte
	for _, body := range m.code {
		code = append(code, appendBytes(nil, body))
	}
	out = appendSection(out, 10, code)
	return appendSection(out, 11, m.data)
}

// appendSection appends section id holding the vector entries, unless it is empty.
func appendSection(b []byte, id byte, entries [][]byte) []byte {
	if len(entries) == 0 {
		return b
	}
	body := appendU32(nil, uint32(len(entries)))
	for _, e := range entries {
		body = append(body, e...)
	}
	b = append(b, id)
	return appendBytes(b, body)
}

// appendBytes appends b with its length in front: a vector of bytes.
func appendBytes(dst, b []byte) []byte {
	if uint64(len(b)) > 1<<32-1 {
		panic(fmt.Sprintf("testguest: vector of %d bytes", len(b)))
	}
	return append(appendU32(dst, uint32(len(b))), b...)
}

func appendName(b []byte, s string) []byte { return appendBytes(b, []byte(s)) }

// appendU32 appends v as unsigned LEB128.
func appendU32(b []byte, v uint32) []byte {
	for v >= 0x80 {
		b = append(b, byte(v)|0x80)
		v >>= 7
	}
	return append(b, byte(v))
}

// appendS32 appends v as signed LEB128.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7 // arithmetic: the sign spreads
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}
