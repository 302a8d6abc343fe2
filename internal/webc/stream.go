package webc

import (
	"fmt"
	"io"
	"os"
)

// streamLimit is the most Open reads from a path that is not a regular file: a
// pipe (`cat pkg.webc | wasirun run /dev/stdin`), a FIFO, a character device.
// Such input can be neither mapped nor read at an offset, so it is read into
// memory whole, and a bound keeps an endless or mistaken source (/dev/zero)
// from taking all the memory there is. 1 GiB is several times the largest
// package wasirun has been given; a larger one belongs in a file, which is
// mapped instead of read.
const streamLimit = 1 << 30

// openStream reads the package on f, which is not a regular file, into memory
// (at most streamLimit bytes) and parses it. The form is told by the first
// bytes, as for any file; a bare module is named after path, as Open does. f is
// closed.
func openStream(f *os.File, path string) (*Container, error) {
	b, err := readStream(f, path, streamLimit)
	f.Close()
	if err != nil {
		return nil, err
	}
	c, err := parse(byteSlice(b), int64(len(b)), wasmName(path))
	if err != nil {
		return nil, withPath(err, path)
	}
	c.setPath(path)
	return c, nil
}

// readStream reads r to its end, refusing more than limit bytes; errors name
// path.
func readStream(r io.Reader, path string, limit int64) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, unwrapPathError(err))
	}
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("%s: more than %s to read from a pipe or device, the most wasirun holds in memory; save the package to a file and give its path", path, limitText(limit))
	}
	return b, nil
}

// limitText writes a byte count in the largest binary unit that divides it:
// "1 GiB", "64 KiB", "1000 bytes".
func limitText(n int64) string {
	for _, u := range []struct {
		size int64
		name string
	}{{1 << 30, "GiB"}, {1 << 20, "MiB"}, {1 << 10, "KiB"}} {
		if n >= u.size && n%u.size == 0 {
			return fmt.Sprintf("%d %s", n/u.size, u.name)
		}
	}
	return fmt.Sprintf("%d bytes", n)
}
