// Package fsprep builds the guest's root filesystem from the user's mounts, the
// package's volumes and the default layout, by the rules of DESIGN.md "The root".
package fsprep

import (
	"errors"
	"fmt"
	"strings"
)

// ErrEscapesRoot is the cause of a guest path whose ".." climbs above "/".
var ErrEscapesRoot = errors.New("parent traversal escapes the virtual root")

// GuestPathError reports a guest mount path that cannot be used.
type GuestPathError struct {
	Path string
	Err  error
}

func (e *GuestPathError) Error() string { return fmt.Sprintf("guest path %q: %v", e.Path, e.Err) }

// Unwrap returns the cause.
func (e *GuestPathError) Unwrap() error { return e.Err }

// NormalizeGuestPath turns a guest mount path as a user or a package writes it into
// a clean absolute path: a relative path is taken from "/" ("data" is "/data", "."
// is "/"), "." components and repeated or trailing slashes vanish, ".." pops one
// component. A ".." that would climb above "/" is an error wrapping ErrEscapesRoot;
// a platform prefix ("C:", `\\server`) is an error too: guests see Unix paths.
func NormalizeGuestPath(p string) (string, error) {
	if p == "" {
		return "", &GuestPathError{Path: p, Err: errors.New("is empty")}
	}
	if hasPlatformPrefix(p) {
		return "", &GuestPathError{Path: p, Err: errors.New("has a platform prefix; guest paths are Unix paths like /data")}
	}
	if strings.IndexByte(p, 0) >= 0 {
		return "", &GuestPathError{Path: p, Err: errors.New("contains a NUL byte")}
	}
	parts := make([]string, 0, strings.Count(p, "/")+1)
	for rest := p; rest != ""; {
		var part string
		part, rest, _ = strings.Cut(rest, "/")
		switch part {
		case "", ".":
		case "..":
			if len(parts) == 0 {
				return "", &GuestPathError{Path: p, Err: ErrEscapesRoot}
			}
			parts = parts[:len(parts)-1]
		default:
			parts = append(parts, part)
		}
	}
	return "/" + strings.Join(parts, "/"), nil
}

// hasPlatformPrefix reports a Windows drive ("C:", "c:\x", "C:/x") or UNC (`\\`)
// prefix.
func hasPlatformPrefix(p string) bool {
	if strings.HasPrefix(p, `\\`) {
		return true
	}
	return len(p) >= 2 && p[1] == ':' && isLetter(p[0])
}

func isLetter(c byte) bool { return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }
