package vfs

// ReadDirAll reads every entry of the open directory d, in the order Readdir gives
// them, batch entries at a time (64 when batch <= 0).
func ReadDirAll(d File, batch int) ([]Dirent, Errno) {
	if batch <= 0 {
		batch = 64
	}
	var out []Dirent
	buf := make([]Dirent, batch)
	for cookie := uint64(0); ; {
		n, errno := d.Readdir(cookie, buf)
		if errno != ESUCCESS {
			return out, errno
		}
		out = append(out, buf[:n]...)
		if n < len(buf) {
			return out, ESUCCESS
		}
		cookie = buf[n-1].Next
	}
}
