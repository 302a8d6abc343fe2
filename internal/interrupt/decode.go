package interrupt

import (
	"errors"
	"fmt"
)

// This file walks the instructions of a function body. It decodes just enough
// of each instruction (its opcode and the length of its immediates) to find the
// next one: the rewrite copies the bytes it does not change.

// scanBody reads the local declarations and the instructions of the function
// body fn. It returns the offset of the first instruction, the offsets just
// after the block type of every loop (appended to points), and whether the body
// makes a tail call. errOff is the offset of a failure within fn.
func scanBody(fn []byte, points []int) (codeStart int, loops []int, tail bool, errOff int, err error) {
	groups, off, err := readU32(fn, 0)
	if err != nil {
		return 0, nil, false, 0, err
	}
	for range groups {
		_, k, err := readU32(fn, off)
		if err != nil {
			return 0, nil, false, off, err
		}
		if off, err = skipRefType(fn, off+k); err != nil {
			return 0, nil, false, off, err
		}
	}
	codeStart = off
	depth := 1 // the function's own block
	for depth > 0 {
		if off >= len(fn) {
			return 0, nil, false, off, errShort
		}
		op := fn[off]
		at := off
		off++
		// The common cases first: most instructions have no immediate or one
		// LEB128 number, which is skipped without being decoded.
		switch immediates[op] {
		case immNone:
			if op == 0x0b { // end
				depth--
			}
			continue
		case immU32:
			if op == 0x12 || op == 0x15 { // return_call, return_call_ref
				tail = true
			}
			if off = skipLEB(fn, off); off < 0 {
				return 0, nil, false, at, errShort
			}
			continue
		}
		switch op {
		case 0x02, 0x04, 0x06: // block, if, try
			depth++
			off, err = skipBlockType(fn, off)
		case 0x03: // loop
			depth++
			off, err = skipBlockType(fn, off)
			points = append(points, off)
		case 0x1f: // try_table
			depth++
			if off, err = skipBlockType(fn, off); err == nil {
				off, err = skipCatches(fn, off)
			}
		case 0x13: // return_call_indirect
			tail = true
			off, err = skipImmediates(fn, off, op)
		case 0x18: // delegate: ends a legacy try, as end does
			depth--
			off, err = skipU32s(fn, off, 1)
		default:
			off, err = skipImmediates(fn, off, op)
		}
		if err != nil {
			if errors.Is(err, errUnknown) {
				err = fmt.Errorf("%w 0x%02x", errUnknown, op)
			}
			return 0, nil, false, at, err
		}
	}
	if off != len(fn) {
		return 0, nil, false, off, errTrailing
	}
	return codeStart, points, tail, 0, nil
}

var errUnknown = errors.New("unknown instruction")

// Kinds of immediates of the one-byte opcodes.
const (
	immNone    = iota
	immU32     // an index or a depth
	immU32x2   // two indexes
	immMemarg  // alignment, (memory index,) offset
	immS32     // i32.const
	immS64     // i64.const
	immF32     // f32.const
	immF64     // f64.const
	immBrTable // a vector of depths and a default
	immSelect  // a vector of value types
	immHeap    // a heap type
	immBad     // not an instruction
)

// immediates maps each one-byte opcode to the kind of its immediates. Block
// instructions (block, loop, if, try, try_table) and the prefixes 0xfc, 0xfd,
// 0xfe are handled apart.
var immediates = func() [256]uint8 {
	var t [256]uint8
	for i := range t {
		t[i] = immBad
	}
	for _, op := range []byte{0x00, 0x01, 0x05, 0x0a, 0x0b, 0x0f, 0x19, 0x1a, 0x1b, 0xd1, 0xd3, 0xd4} {
		t[op] = immNone
	}
	for op := 0x45; op <= 0xc4; op++ { // numeric instructions
		t[op] = immNone
	}
	for _, op := range []byte{0x07, 0x08, 0x09, 0x0c, 0x0d, 0x10, 0x12, 0x14, 0x15, 0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x3f, 0x40, 0xd2, 0xd5, 0xd6} {
		t[op] = immU32
	}
	t[0x11], t[0x13] = immU32x2, immU32x2 // call_indirect, return_call_indirect
	for op := 0x28; op <= 0x3e; op++ {    // loads and stores
		t[op] = immMemarg
	}
	t[0x0e] = immBrTable
	t[0x1c] = immSelect
	t[0x41], t[0x42], t[0x43], t[0x44] = immS32, immS64, immF32, immF64
	t[0xd0] = immHeap // ref.null
	return t
}()

// skipImmediates skips the immediates of the instruction op, whose opcode
// ended at off.
func skipImmediates(b []byte, off int, op byte) (int, error) {
	switch op {
	case 0xfc:
		return skipPrefixFC(b, off)
	case 0xfd:
		return skipPrefixFD(b, off)
	case 0xfe:
		return skipPrefixFE(b, off)
	}
	return skipKind(b, off, immediates[op])
}

// skipKind skips immediates of the given kind at off.
func skipKind(b []byte, off int, kind uint8) (int, error) {
	switch kind {
	case immNone:
		return off, nil
	case immU32:
		return skipU32s(b, off, 1)
	case immU32x2:
		return skipU32s(b, off, 2)
	case immMemarg:
		return skipMemarg(b, off)
	case immS32:
		_, k, err := readS64(b, off)
		return off + k, err
	case immS64:
		_, k, err := readS64(b, off)
		return off + k, err
	case immF32:
		return skipBytes(b, off, 4)
	case immF64:
		return skipBytes(b, off, 8)
	case immBrTable:
		n, k, err := readU32(b, off)
		if err != nil {
			return off, err
		}
		return skipU32s(b, off+k, uint64(n)+1)
	case immSelect:
		n, k, err := readU32(b, off)
		if err != nil {
			return off, err
		}
		off += k
		for range n {
			if off, err = skipRefType(b, off); err != nil {
				return off, err
			}
		}
		return off, nil
	case immHeap:
		_, k, err := readS64(b, off)
		return off + k, err
	}
	return off, errUnknown
}

// skipBlockType skips a block type: the empty type, a value type, or a type
// index (a signed 33-bit number).
func skipBlockType(b []byte, off int) (int, error) {
	v, k, err := readS64(b, off)
	if err != nil {
		return off, err
	}
	off += k
	if v == -28 || v == -29 { // (ref ht), (ref null ht): a heap type follows
		_, k, err = readS64(b, off)
		off += k
	}
	return off, err
}

// skipCatches skips the catch clauses of try_table.
func skipCatches(b []byte, off int) (int, error) {
	n, k, err := readU32(b, off)
	if err != nil {
		return off, err
	}
	off += k
	for range n {
		if off >= len(b) {
			return off, errShort
		}
		kind := b[off]
		off++
		switch kind {
		case 0x00, 0x01: // catch, catch_ref: tag and label
			off, err = skipU32s(b, off, 2)
		case 0x02, 0x03: // catch_all, catch_all_ref: label
			off, err = skipU32s(b, off, 1)
		default:
			return off, fmt.Errorf("unknown catch clause 0x%02x", kind)
		}
		if err != nil {
			return off, err
		}
	}
	return off, nil
}

// skipPrefixFC skips a saturating truncation, bulk memory or table instruction.
func skipPrefixFC(b []byte, off int) (int, error) {
	sub, k, err := readU32(b, off)
	if err != nil {
		return off, err
	}
	off += k
	switch {
	case sub <= 7: // trunc_sat
		return off, nil
	case sub == 9, sub == 11, sub == 13, sub == 15, sub == 16, sub == 17:
		// data.drop, memory.fill, elem.drop, table.grow, table.size, table.fill
		return skipU32s(b, off, 1)
	case sub == 8, sub == 10, sub == 12, sub == 14:
		// memory.init, memory.copy, table.init, table.copy
		return skipU32s(b, off, 2)
	}
	return off, fmt.Errorf("%w 0xfc %d", errUnknownPrefixed, sub)
}

// skipPrefixFD skips a SIMD instruction (relaxed SIMD included).
func skipPrefixFD(b []byte, off int) (int, error) {
	sub, k, err := readU32(b, off)
	if err != nil {
		return off, err
	}
	off += k
	switch {
	case sub <= 11, sub == 92, sub == 93: // loads and stores
		return skipMemarg(b, off)
	case sub == 12, sub == 13: // v128.const, i8x16.shuffle
		return skipBytes(b, off, 16)
	case sub >= 21 && sub <= 34: // extract_lane, replace_lane
		return skipBytes(b, off, 1)
	case sub >= 84 && sub <= 91: // load_lane, store_lane
		if off, err = skipMemarg(b, off); err != nil {
			return off, err
		}
		return skipBytes(b, off, 1)
	case sub <= 0x113:
		return off, nil
	}
	return off, fmt.Errorf("%w 0xfd %d", errUnknownPrefixed, sub)
}

// skipPrefixFE skips an atomic instruction.
func skipPrefixFE(b []byte, off int) (int, error) {
	sub, k, err := readU32(b, off)
	if err != nil {
		return off, err
	}
	off += k
	switch {
	case sub == 0x03: // atomic.fence
		return skipBytes(b, off, 1)
	case sub <= 0x02, sub >= 0x10 && sub <= 0x4e:
		return skipMemarg(b, off)
	}
	return off, fmt.Errorf("%w 0xfe %d", errUnknownPrefixed, sub)
}

var errUnknownPrefixed = errors.New("unknown instruction")

// skipMemarg skips a memory argument: the alignment (whose bit 6 says a memory
// index follows, as multi-memory encodes it) and the offset.
func skipMemarg(b []byte, off int) (int, error) {
	if off >= len(b) {
		return off, errShort
	}
	withMemory := b[off]&0x40 != 0 // bit 6 is in the first byte of the number
	n := 2
	if withMemory {
		n = 3
	}
	for range n {
		if off = skipLEB(b, off); off < 0 {
			return off, errShort
		}
	}
	return off, nil
}

// skipLEB skips one LEB128 number at off without decoding it, and returns the
// offset after it, or -1 when the bytes end first. (An over-long number is the
// compiler's to refuse: the rewrite only needs to find where it ends.)
func skipLEB(b []byte, off int) int {
	for off < len(b) {
		c := b[off]
		off++
		if c < 0x80 {
			return off
		}
	}
	return -1
}

// skipU32s skips n unsigned LEB128 numbers.
func skipU32s(b []byte, off int, n uint64) (int, error) {
	for range n {
		_, k, err := readU32(b, off)
		if err != nil {
			return off, err
		}
		off += k
	}
	return off, nil
}

// skipBytes skips n bytes.
func skipBytes(b []byte, off, n int) (int, error) {
	if off+n > len(b) {
		return off, errShort
	}
	return off + n, nil
}
