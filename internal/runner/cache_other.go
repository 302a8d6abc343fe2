//go:build !unix

package runner

import "os"

// checkWritable reports whether files can be created in the directory dir, by
// creating one and removing it: permission bits say little where there is no
// access(2).
func checkWritable(dir string) error {
	f, err := os.CreateTemp(dir, ".wasirun-probe-*")
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(f.Name())
}
