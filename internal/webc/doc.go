// Package webc reads every form of Wasmer package a user has on disk — WebC v1, v2
// and v3 files, legacy wapm .tar.gz tarballs, directories holding a wasmer.toml, and
// bare .wasm modules — into one *Container, and writes WebC v3 files.
//
// A container file is memory-mapped and parsed lazily: Open reads the header, the
// index and the manifest; a volume's directory tree is decoded the first time it is
// used, and a file's bytes are sliced from the mapping when they are read (a file
// of 256 KiB or more is read with pread(2) from the package file instead, which
// leaves none of its pages resident). Every
// length, count and span is checked against the bytes that hold it before anything
// is sliced or allocated; malformed input gives a *FormatError that says what is
// wrong and where.
//
// The byte layout of every version is described in docs/webc.md; section
// numbers in comments refer to that document.
package webc
