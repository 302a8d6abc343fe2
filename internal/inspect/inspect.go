// Package inspect describes a package for `wasirun inspect`: what it is, what it
// runs, what it holds and what it mounts, as text for people and JSON for scripts.
package inspect

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"unicode/utf8"

	"github.com/wasirun/wasirun/internal/webc"
)

// Report is the description of one package; its JSON form is the schema documented
// in the README ("wasirun inspect --json").
type Report struct {
	File       string    `json:"file"`
	Format     string    `json:"format"`
	Package    Package   `json:"package"`
	Entrypoint *string   `json:"entrypoint"`
	Commands   []Command `json:"commands"`
	Atoms      []Atom    `json:"atoms"`
	Volumes    []Volume  `json:"volumes"`
	Mounts     []Mount   `json:"mounts"`
	Integrity  Integrity `json:"integrity"`
	// Verified is true when --verify checked the hashes the package carries to
	// check itself (the v1 whole-file checksum; v2/v3 section, file and directory
	// hashes; atom signatures) and every one matched. It is false without
	// --verify, and false for a package that carries no such hashes (a tarball, a
	// directory, a bare module, a v1 file with checksum "none"): nothing vouches
	// for its bytes, whatever --verify did.
	Verified bool `json:"verified"`
	// VerifyNote says, with --verify, why Verified is false: "the tar.gz form
	// carries no hashes". It is absent otherwise.
	VerifyNote string `json:"verify_note,omitempty"`
}

// Package is the package's identity; empty strings when the container does not say.
type Package struct {
	Name        string `json:"name"`
	Version     string `json:"version"`
	Description string `json:"description,omitempty"`
}

// Command is a command with its resolved atom and WASI annotation.
type Command struct {
	Name       string   `json:"name"`
	Runner     string   `json:"runner"`
	Atom       string   `json:"atom"`
	Dependency string   `json:"dependency"`
	MainArgs   []string `json:"main_args"`
	Env        []string `json:"env"`
	ExecName   string   `json:"exec_name"`
}

// Atom is a WebAssembly module of the package.
type Atom struct {
	Name    string   `json:"name"`
	Size    int64    `json:"size"`
	SHA256  string   `json:"sha256"`
	Imports []string `json:"imports"`
	ABI     string   `json:"abi"`
}

// Volume is a named volume of the package.
type Volume struct {
	Name  string `json:"name"`
	Files int    `json:"files"`
	Bytes int64  `json:"bytes"`
}

// Mount is a volume the package asks to mount in the guest.
type Mount struct {
	Volume string `json:"volume"`
	Guest  string `json:"guest"`
	// Path is the directory of the volume that is mounted, when not its root.
	Path string `json:"path,omitempty"`
	// From names the dependency that owns the volume, when not this package.
	From string `json:"from,omitempty"`
}

// Integrity says what the package carries to check itself.
type Integrity struct {
	// Checksum is "none", "sha256" or "sha256-signed" (v1), "sections" (v2, v3), or
	// "" for forms that carry none (tar.gz, dir, wasm).
	Checksum string `json:"checksum"`
	// Signature is "none" or "present, not checked": wasirun keeps v1 signatures but
	// does not check them.
	Signature string `json:"signature"`
}

// Options says how to describe the package.
type Options struct {
	// Verify checks every stored hash first (inspect --verify).
	Verify bool
}

// Inspect describes the container c, which was read from file.
//
// Atom hashes come from the container when it stores them (v2, v3) and are computed
// otherwise; an atom's imports come from its import section alone.
func Inspect(c *webc.Container, file string, opts Options) (*Report, error) {
	if opts.Verify {
		if err := c.Verify(); err != nil {
			return nil, err
		}
	}
	r := &Report{
		File:     file,
		Format:   c.Format.String(),
		Package:  Package{Name: c.Package.Name, Version: c.Package.Version, Description: c.Package.Description},
		Commands: []Command{},
		Atoms:    []Atom{},
		Volumes:  []Volume{},
		Mounts:   []Mount{},
	}
	if ep, ok := c.DefaultCommand(); ok {
		r.Entrypoint = &ep
	}
	for _, cmd := range c.Commands() {
		rc := Command{Name: cmd.Name, Runner: cmd.Runner, Atom: cmd.Atom, Dependency: cmd.Dependency, MainArgs: []string{}, Env: []string{}}
		if w := cmd.Wasi; w != nil {
			rc.ExecName = w.ExecName
			if w.MainArgs != nil {
				rc.MainArgs = w.MainArgs
			}
			if w.Env != nil {
				rc.Env = w.Env
			}
		}
		r.Commands = append(r.Commands, rc)
	}
	for _, name := range c.Atoms() {
		a, err := describeAtom(c, name)
		if err != nil {
			return nil, err
		}
		r.Atoms = append(r.Atoms, a)
	}
	for _, v := range c.Volumes() {
		files, size, err := v.Summary()
		if err != nil {
			return nil, err
		}
		r.Volumes = append(r.Volumes, Volume{Name: v.Name(), Files: files, Bytes: size})
	}
	for _, m := range c.Mounts() {
		rm := Mount{Volume: m.VolumeName, Guest: m.Guest, From: m.From}
		if m.Path != "/" {
			rm.Path = m.Path
		}
		r.Mounts = append(r.Mounts, rm)
	}
	in := c.Integrity()
	r.Integrity = Integrity{Checksum: in.Checksum, Signature: "none"}
	if in.SignatureBytes > 0 {
		r.Integrity.Signature = "present, not checked"
	}
	if opts.Verify {
		r.VerifyNote = unverifiable(c, in)
		r.Verified = r.VerifyNote == ""
	}
	return r, nil
}

// unverifiable says why a package that passed Verify is still not verified: it
// carries no hashes of its own, so the check had nothing (or only its atoms'
// signatures, which sit in an unprotected manifest) to compare. It returns ""
// for a package whose hashes cover it.
func unverifiable(c *webc.Container, in webc.Integrity) string {
	switch in.Checksum {
	case "sha256", "sha256-signed", "sections":
		return ""
	case "none":
		signed := 0
		for _, a := range c.Manifest.Atoms {
			if strings.HasPrefix(a.Signature, "sha256:") {
				signed++
			}
		}
		if signed > 0 {
			return fmt.Sprintf("this %s file has no checksum; only its atoms' signatures were checked, and matched", c.Format)
		}
		return fmt.Sprintf("this %s file has no checksum", c.Format)
	}
	return fmt.Sprintf("the %s form carries no hashes", c.Format)
}

func describeAtom(c *webc.Container, name string) (Atom, error) {
	e, _ := c.AtomEntry(name)
	a := Atom{Name: name, Size: e.Size(), Imports: []string{}}
	if sum, ok := e.Hash(); ok {
		a.SHA256 = hex.EncodeToString(sum[:])
	} else {
		h := sha256.New()
		if _, err := io.Copy(h, io.NewSectionReader(e, 0, e.Size())); err != nil {
			return a, fmt.Errorf("atom %q: %w", name, err)
		}
		a.SHA256 = hex.EncodeToString(h.Sum(nil))
	}
	imps, err := webc.ModuleImports(e, e.Size())
	if err != nil {
		// Not a core module we can read: say so rather than fail the whole report.
		a.ABI = string(webc.ABIOther)
		return a, nil
	}
	a.Imports = webc.ImportModules(imps)
	if a.Imports == nil {
		a.Imports = []string{}
	}
	a.ABI = string(webc.ClassifyABI(a.Imports))
	return a, nil
}

// WriteText writes the report for people.
func (r *Report) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	name := r.Package.Name
	if name == "" {
		name = "(unnamed)"
	}
	if r.Package.Version != "" {
		name += "@" + r.Package.Version
	}
	fmt.Fprintf(tw, "Package:\t%s\n", name)
	if r.Package.Description != "" {
		fmt.Fprintf(tw, "Description:\t%s\n", r.Package.Description)
	}
	fmt.Fprintf(tw, "File:\t%s\n", r.File)
	fmt.Fprintf(tw, "Format:\t%s\n", r.Format)
	ep := "(none)"
	if r.Entrypoint != nil {
		ep = *r.Entrypoint
	}
	fmt.Fprintf(tw, "Entrypoint:\t%s\n", ep)
	fmt.Fprintf(tw, "Integrity:\t%s\n", r.integrityText())
	tw.Flush()

	// Columns padded by hand, not by the tabwriter: a command's detail lines have
	// fewer cells, which would end the tabwriter's column and misalign the rows
	// after them.
	section(w, "Commands", len(r.Commands))
	atoms := make([]string, len(r.Commands))
	nameW, atomW := 0, 0
	for i, c := range r.Commands {
		atom := c.Atom
		if c.Dependency != "" {
			atom = c.Dependency + ":" + c.Atom
		}
		if atom == "" {
			atom = "(no atom: unsupported runner)"
		}
		atoms[i] = atom
		nameW = max(nameW, utf8.RuneCountInString(c.Name))
		atomW = max(atomW, utf8.RuneCountInString(atom))
	}
	for i, c := range r.Commands {
		fmt.Fprintf(w, "  %-*s  %-*s  %s\n", nameW, c.Name, atomW, atoms[i], c.Runner)
		for _, kv := range [][2]string{{"args", strings.Join(c.MainArgs, " ")}, {"env", strings.Join(c.Env, " ")}, {"argv[0]", c.ExecName}} {
			if kv[1] != "" {
				fmt.Fprintf(w, "  %*s  %s: %s\n", nameW, "", kv[0], kv[1])
			}
		}
	}

	section(w, "Atoms", len(r.Atoms))
	for _, a := range r.Atoms {
		imports := "imports " + strings.Join(a.Imports, ", ")
		if len(a.Imports) == 0 {
			imports = "no imports"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\tsha256:%.16s…\t%s\n", a.Name, humanBytes(a.Size), a.ABI, a.SHA256, imports)
	}
	tw.Flush()

	section(w, "Volumes", len(r.Volumes))
	for _, v := range r.Volumes {
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", v.Name, plural(v.Files, "file"), humanBytes(v.Bytes))
	}
	tw.Flush()

	section(w, "Mounts", len(r.Mounts))
	for _, m := range r.Mounts {
		src := m.Volume
		if m.Path != "" {
			src += ":" + m.Path
		}
		if m.From != "" {
			src = m.From + ":" + src
		}
		fmt.Fprintf(tw, "  %s\t<- volume %s\n", m.Guest, src)
	}
	return tw.Flush()
}

func (r *Report) integrityText() string {
	var s string
	switch r.Integrity.Checksum {
	case "":
		s = "no checksums in this form"
	case "none":
		s = "no checksum"
	case "sections":
		s = "sha256 of every section, file and directory"
	default:
		s = r.Integrity.Checksum + " of the whole file"
	}
	if r.Integrity.Signature != "none" {
		s += "; signature present, not checked"
	}
	switch {
	case r.Verified:
		s += " (verified)"
	case r.VerifyNote != "":
		s += " (not verified: " + r.VerifyNote + ")"
	case r.Integrity.Checksum != "" && r.Integrity.Checksum != "none":
		s += " (not verified: use --verify)"
	}
	return s
}

func section(w io.Writer, title string, n int) {
	if n == 0 {
		fmt.Fprintf(w, "%s: none\n", title)
		return
	}
	fmt.Fprintf(w, "%s:\n", title)
}

// humanBytes formats a size in bytes with binary units.
func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}

// plural formats a count with its noun: "1 file", "2 files".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
