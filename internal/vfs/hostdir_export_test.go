package vfs

// NewHostDirOSRoot is NewHostDir with Linux's openat2 path turned off, for the
// tests of package vfs_test: every call goes through os.Root, as where openat2 is
// missing.
func NewHostDirOSRoot(dir string, readOnly bool) (FS, error) {
	fsys, err := NewHostDir(dir, readOnly)
	if err != nil {
		return nil, err
	}
	h := fsys.(*hostDir)
	if err := h.beneath.close(); err != nil {
		h.Close()
		return nil, err
	}
	h.beneath = nil
	return h, nil
}
