package vfs

import "io/fs"

// UnimplementedFS answers ENOSYS to every FS method. Embed it in an implementation
// so that adding a method to FS does not break it.
type UnimplementedFS struct{}

func (UnimplementedFS) OpenFile(string, OFlag, fs.FileMode) (File, Errno) { return nil, ENOSYS }
func (UnimplementedFS) Lstat(string) (Stat, Errno)                        { return Stat{}, ENOSYS }
func (UnimplementedFS) Mkdir(string, fs.FileMode) Errno                   { return ENOSYS }
func (UnimplementedFS) Chmod(string, fs.FileMode) Errno                   { return ENOSYS }
func (UnimplementedFS) Rename(string, string) Errno                       { return ENOSYS }
func (UnimplementedFS) Rmdir(string) Errno                                { return ENOSYS }
func (UnimplementedFS) Unlink(string) Errno                               { return ENOSYS }
func (UnimplementedFS) Link(string, string) Errno                         { return ENOSYS }
func (UnimplementedFS) Symlink(string, string) Errno                      { return ENOSYS }
func (UnimplementedFS) Readlink(string) (string, Errno)                   { return "", ENOSYS }
func (UnimplementedFS) Utimens(string, int64, int64) Errno                { return ENOSYS }

// UnimplementedFile answers ENOSYS to every File method but Close (ESUCCESS).
// Embed it in an implementation so that adding a method to File does not break it.
type UnimplementedFile struct{}

func (UnimplementedFile) Stat() (Stat, Errno)                   { return Stat{}, ENOSYS }
func (UnimplementedFile) Read([]byte) (int, Errno)              { return 0, ENOSYS }
func (UnimplementedFile) Pread([]byte, int64) (int, Errno)      { return 0, ENOSYS }
func (UnimplementedFile) Write([]byte) (int, Errno)             { return 0, ENOSYS }
func (UnimplementedFile) Pwrite([]byte, int64) (int, Errno)     { return 0, ENOSYS }
func (UnimplementedFile) Lseek(int64, int) (int64, Errno)       { return 0, ENOSYS }
func (UnimplementedFile) Readdir(uint64, []Dirent) (int, Errno) { return 0, ENOSYS }
func (UnimplementedFile) Truncate(int64) Errno                  { return ENOSYS }
func (UnimplementedFile) Sync() Errno                           { return ENOSYS }
func (UnimplementedFile) Datasync() Errno                       { return ENOSYS }
func (UnimplementedFile) Utimens(int64, int64) Errno            { return ENOSYS }
func (UnimplementedFile) Chmod(fs.FileMode) Errno               { return ENOSYS }
func (UnimplementedFile) SetAppend(bool) Errno                  { return ENOSYS }
func (UnimplementedFile) Close() Errno                          { return ESUCCESS }
