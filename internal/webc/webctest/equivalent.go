package webctest

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/wasirun/wasirun/internal/webc"
)

// Differences lists how got differs from want as packages, one line each; none
// when they are equivalent: what `wasirun package unpack` followed by `wasirun
// package build` must keep. Compared:
//
//   - the identity (name, version, description), the "wapm" annotation's license,
//     repository, homepage and private, and the contents of the readme and the
//     license file (not where they are stored);
//   - the default command, and every command: runner, atom, the dependency that
//     holds it (by its reference, not its alias), the WASI annotation's fields, and
//     every other annotation but "atom";
//   - every atom: its name and the sha256 of its bytes;
//   - every mount: its guest path, and the files and directories under it with
//     their contents (not the volume's name), or, for a dependency's volume, the
//     volume, its path and the dependency's reference;
//   - the dependencies, by reference.
//
// Volume names, volumes that are not mounted and the manifest's bindings are not
// compared.
func Differences(want, got *webc.Container) []string {
	var d []string
	add := func(format string, args ...any) { d = append(d, fmt.Sprintf(format, args...)) }

	if want.Package != got.Package {
		add("package %+v, want %+v", got.Package, want.Package)
	}
	ww, werr := want.Manifest.Wapm()
	gw, gerr := got.Manifest.Wapm()
	if werr != nil || gerr != nil {
		add("wapm annotation: %v, want %v", gerr, werr)
	}
	for _, f := range []struct{ name, want, got string }{
		{"license", ww.License, gw.License},
		{"repository", ww.Repository, gw.Repository},
		{"homepage", ww.Homepage, gw.Homepage},
		{"private", fmt.Sprint(ww.Private), fmt.Sprint(gw.Private)},
		{"readme", refContent(want, ww.Readme), refContent(got, gw.Readme)},
		{"license file", refContent(want, ww.LicenseFile), refContent(got, gw.LicenseFile)},
	} {
		if f.want != f.got {
			add("%s %q, want %q", f.name, f.got, f.want)
		}
	}

	wd, wok := want.DefaultCommand()
	gd, gok := got.DefaultCommand()
	if wd != gd || wok != gok {
		add("default command %q (%v), want %q (%v)", gd, gok, wd, wok)
	}
	wc, gc := commands(want), commands(got)
	for _, name := range union(wc, gc) {
		w, g := wc[name], gc[name]
		if w != g {
			add("command %q:\n   got %s\n  want %s", name, g, w)
		}
	}

	wa, ga := atoms(want), atoms(got)
	for _, name := range union(wa, ga) {
		if wa[name] != ga[name] {
			add("atom %q: sha256 %q, want %q", name, ga[name], wa[name])
		}
	}

	wm, gm := mounts(want), mounts(got)
	for _, guest := range union(wm, gm) {
		if wm[guest] != gm[guest] {
			add("mount %s:\n   got %s\n  want %s", guest, gm[guest], wm[guest])
		}
	}

	wdeps, gdeps := dependencies(want), dependencies(got)
	if !slices.Equal(wdeps, gdeps) {
		add("dependencies %q, want %q", gdeps, wdeps)
	}
	return d
}

// refContent is the content of the file ref names, "" for none and a message
// when it cannot be read.
func refContent(c *webc.Container, ref *webc.FileRef) string {
	if ref == nil {
		return ""
	}
	v, ok := c.Volume(ref.Volume)
	if !ok {
		return "(no volume " + ref.Volume + ")"
	}
	e, err := v.Lookup(ref.Path)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	b, err := e.Bytes()
	if err != nil {
		return "(" + err.Error() + ")"
	}
	return string(b)
}

// commands describes each command as one line.
func commands(c *webc.Container) map[string]string {
	out := map[string]string{}
	for _, cmd := range c.Commands() {
		dep := ""
		if cmd.Dependency != "" {
			dep, _ = c.Manifest.Dependency(cmd.Dependency)
			dep = " in " + dep
		}
		w := webc.WasiAnnotation{}
		if cmd.Wasi != nil {
			w = *cmd.Wasi
		}
		others := map[string]any{}
		for k, raw := range cmd.Spec.Annotations {
			if k == "atom" || k == "wasi" {
				continue
			}
			v, err := webc.ToJSONValue(raw)
			if err != nil {
				v = err.Error()
			}
			others[k] = v
		}
		js, _ := json.Marshal(others) // keys sorted
		out[cmd.Name] = fmt.Sprintf("runner %s, atom %q%s, args %q, env %q, exec-name %q, cwd %q, package %q, mount-atom-in-volume %q, annotations %s",
			cmd.Runner, cmd.Atom, dep, nonNil(w.MainArgs), nonNil(w.Env), w.ExecName, w.Cwd, w.Package, w.MountAtomInVolume, js)
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// atoms maps each atom to the hex sha256 of its bytes.
func atoms(c *webc.Container) map[string]string {
	out := map[string]string{}
	for _, name := range c.Atoms() {
		b, err := c.Atom(name)
		if err != nil {
			out[name] = err.Error()
			continue
		}
		out[name] = fmt.Sprintf("%x", sha256.Sum256(b))
	}
	return out
}

// mounts describes what each mount puts in the guest: a listing of the mounted
// tree, with every file's content.
func mounts(c *webc.Container) map[string]string {
	out := map[string]string{}
	for _, m := range c.Mounts() {
		guest := path.Clean("/" + m.Guest)
		if m.From != "" {
			ref, _ := c.Manifest.Dependency(m.From)
			out[guest] = fmt.Sprintf("volume %q path %s of %s", m.VolumeName, m.Path, ref)
			continue
		}
		e, err := m.Volume.Lookup(m.Path)
		if err != nil {
			out[guest] = err.Error()
			continue
		}
		var b strings.Builder
		listTree(&b, e, "")
		out[guest] = b.String()
	}
	return out
}

func listTree(b *strings.Builder, dir webc.Entry, prefix string) {
	for i := range dir.Len() {
		e := dir.Child(i)
		p := prefix + "/" + e.Name()
		if e.IsDir() {
			fmt.Fprintf(b, "[%s/]", p)
			listTree(b, e, p)
			continue
		}
		data, err := e.Bytes()
		if err != nil {
			fmt.Fprintf(b, "[%s: %v]", p, err)
			continue
		}
		fmt.Fprintf(b, "[%s %d %x]", p, len(data), sha256.Sum256(data))
	}
}

// dependencies lists the references of the dependencies, sorted.
func dependencies(c *webc.Container) []string {
	var out []string
	for alias := range c.Manifest.Use {
		ref, _ := c.Manifest.Dependency(alias)
		out = append(out, ref)
	}
	sort.Strings(out)
	return out
}

// union returns the keys of a and b, sorted.
func union(a, b map[string]string) []string {
	var keys []string
	for k := range a {
		keys = append(keys, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return keys
}
