package webc

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
)

// integrity holds what a container stores to check itself.
type integrity struct {
	// v1: the checksum kind, the stored sha256 (nil for "none") and the signature.
	v1Kind string
	v1Sum  []byte
	v1Sig  []byte
	// v2/v3: every section located through the index.
	sections []*section
}

// Integrity describes the checks a container carries, for `wasirun inspect`.
type Integrity struct {
	// Checksum: "none", "sha256" (v1 whole-file), "sha256-signed" (v1, with an
	// OpenPGP signature that wasirun keeps but does not check), "sections" (v2/v3
	// per-section hashes), or "" for forms that carry none (tarball, dir, wasm).
	Checksum string
	// SignatureBytes is the length of a v1 signature.
	SignatureBytes int
	// Sections is the number of sections with a checksum (v2/v3).
	Sections int
}

// Integrity reports which checks the container carries.
func (c *Container) Integrity() Integrity {
	in := c.integrity
	switch c.Format {
	case FormatV1:
		kind := map[string]string{v1SumNone: "none", v1SumSHA256: "sha256", v1SumSigned: "sha256-signed"}[in.v1Kind]
		return Integrity{Checksum: kind, SignatureBytes: len(in.v1Sig)}
	case FormatV2, FormatV3:
		n := 0
		for _, s := range in.sections {
			if s.inline != nil || s.sumTag == "checksum-sha256" {
				n++
			}
		}
		return Integrity{Checksum: "sections", Sections: n}
	}
	return Integrity{}
}

// Verify checks every hash the container stores: every file and directory hash of
// every volume; each atom against its manifest signature; every v2/v3 section's
// inline and index checksums; the v1 whole-file sha256. It returns the first mismatch.
func (c *Container) Verify() error {
	return withPath(c.verify(), c.path)
}

// verify checks the hashes that name the smallest part first — files and atoms,
// then whole sections, then the whole file — so that a damaged file is named.
func (c *Container) verify() error {
	for _, v := range append([]*Volume{c.atoms}, c.volumes...) {
		if err := v.Verify(); err != nil {
			return err
		}
	}
	for _, name := range c.Atoms() {
		if _, err := c.Atom(name); err != nil {
			return err
		}
	}
	for _, s := range c.integrity.sections {
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(sourceReaderAt{c.src}, s.data, s.dataLen)); err != nil {
			return formatErrAt(s.name, "", s.data, err)
		}
		if err := s.checkSum(h.Sum(nil)); err != nil {
			return err
		}
	}
	if c.integrity.v1Sum != nil {
		return c.verifyV1()
	}
	return nil
}

// verifyV1 checks the v1 whole-file checksum: sha256 of the file with bytes 24..1308
// (checksum area, signature length and signature) taken as zeros (spec 2.1).
func (c *Container) verifyV1() error {
	h := sha256.New()
	r := sourceReaderAt{c.src}
	if _, err := io.Copy(h, io.NewSectionReader(r, 0, v1SumOff)); err != nil {
		return formatErrAt("header", "", 0, err)
	}
	h.Write(make([]byte, v1HeaderSize-v1SumOff))
	if _, err := io.Copy(h, io.NewSectionReader(r, v1HeaderSize, c.src.size-v1HeaderSize)); err != nil {
		return formatErrAt("header", "", v1HeaderSize, err)
	}
	if sum := h.Sum(nil); !bytes.Equal(sum, c.integrity.v1Sum) {
		return formatErrAt("header", "", v1SumOff, fmt.Errorf("the file's sha256 %x does not match the %x stored in its header: %w", sum[:8], c.integrity.v1Sum[:8], ErrChecksum))
	}
	return nil
}

// sourceReaderAt adapts a source to io.ReaderAt.
type sourceReaderAt struct{ s *source }

func (r sourceReaderAt) ReadAt(p []byte, off int64) (int, error) {
	return r.s.readAt(p, off, r.s.size)
}
