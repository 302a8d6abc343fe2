package interrupt

// LEB128 numbers, as the binary format encodes every index, count and constant.

// readU32 decodes an unsigned LEB128 number of at most 32 bits at off and
// returns it and its length in bytes.
func readU32(b []byte, off int) (uint32, int, error) {
	v, n, err := readUnsigned(b, off, 32)
	return uint32(v), n, err
}

// readU64 decodes an unsigned LEB128 number of at most 64 bits at off.
func readU64(b []byte, off int) (uint64, int, error) {
	return readUnsigned(b, off, 64)
}

func readUnsigned(b []byte, off int, bits uint) (uint64, int, error) {
	var v uint64
	for i := 0; ; i++ {
		if off+i >= len(b) {
			return 0, 0, errShort
		}
		c := b[off+i]
		shift := uint(i) * 7
		if shift >= bits {
			return 0, 0, errLEB
		}
		if rest := bits - shift; rest < 7 && c&0x7f>>rest != 0 {
			return 0, 0, errLEB // bits beyond the width
		}
		v |= uint64(c&0x7f) << shift
		if c&0x80 == 0 {
			return v, i + 1, nil
		}
	}
}

// readS64 decodes a signed LEB128 number of at most 64 bits at off (also used
// for the 32- and 33-bit ones: only its length matters to the rewrite, and
// block types are told apart by value).
func readS64(b []byte, off int) (int64, int, error) {
	var v int64
	for i := 0; ; i++ {
		if off+i >= len(b) {
			return 0, 0, errShort
		}
		if i >= 10 {
			return 0, 0, errLEB
		}
		c := b[off+i]
		shift := uint(i) * 7
		v |= int64(c&0x7f) << shift
		if c&0x80 == 0 {
			if shift+7 < 64 && c&0x40 != 0 {
				v |= -1 << (shift + 7)
			}
			return v, i + 1, nil
		}
	}
}

// appendU32 appends v as an unsigned LEB128 number.
func appendU32(b []byte, v uint32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if v == 0 {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// appendS32 appends v as a signed LEB128 number.
func appendS32(b []byte, v int32) []byte {
	for {
		c := byte(v & 0x7f)
		v >>= 7
		if (v == 0 && c&0x40 == 0) || (v == -1 && c&0x40 != 0) {
			return append(b, c)
		}
		b = append(b, c|0x80)
	}
}

// putPaddedU32 writes v into the five bytes of b as an unsigned LEB128 number
// padded to that length.
func putPaddedU32(b []byte, v uint32) {
	for i := range 4 {
		b[i] = byte(v&0x7f) | 0x80
		v >>= 7
	}
	b[4] = byte(v)
}
