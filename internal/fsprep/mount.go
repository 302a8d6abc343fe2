package fsprep

// UserMount is a host directory the user maps into the guest (--volume, --mapdir,
// --dir).
type UserMount struct {
	// Host is the absolute host path.
	Host string
	// Guest is the guest path as the user wrote it; Prepare normalises it.
	Guest string
	// ReadOnly refuses writes through the mount (EROFS).
	ReadOnly bool
}
