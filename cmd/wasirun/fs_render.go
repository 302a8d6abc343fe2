package main

// The renderers of "wasirun fs": the text forms of ls, ls -l, tree and stat, and
// the JSON form of ls and stat (schema in the README).

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/wasirun/wasirun/internal/fsprep"
)

// writeJSON prints v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// writeList prints one entry a line: the path, its source and the mount it sits
// under, or with -l its type, mode, size and modification time first.
func writeList(w io.Writer, entries []fsprep.Entry, long bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, e := range entries {
		name := e.Path
		if e.Target != "" {
			name += " -> " + e.Target
		}
		mount := e.Mount
		if note := writesNote(e); note != "" {
			mount += ", " + note
		}
		if long {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t(mount %s)\n", e.Type, e.Mode, e.Size, formatTime(e.Mtime), name, e.Source, mount)
		} else {
			fmt.Fprintf(tw, "%s\t%s\t(mount %s)\n", name, e.Source, mount)
		}
	}
	return tw.Flush()
}

func writeStat(w io.Writer, e fsprep.Entry) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Path:\t%s\n", e.Path)
	fmt.Fprintf(tw, "Type:\t%s\n", e.Type)
	if e.Target != "" {
		fmt.Fprintf(tw, "Target:\t%s\n", e.Target)
	}
	fmt.Fprintf(tw, "Size:\t%d\n", e.Size)
	fmt.Fprintf(tw, "Mode:\t%s\n", e.Mode)
	fmt.Fprintf(tw, "Modified:\t%s\n", formatTime(e.Mtime))
	fmt.Fprintf(tw, "Source:\t%s\n", e.Source)
	fmt.Fprintf(tw, "Mount:\t%s\n", e.Mount)
	fmt.Fprintf(tw, "Writes:\t%s\n", writesText(e))
	return tw.Flush()
}

// writesNote is what ls and tree say after the mount about writes to an entry,
// where they are not what its source suggests: "read-only" when the mount refuses
// them, "copy-on-write" when the entry comes from a host directory or a package
// volume but its changes would stay in memory; "" otherwise (a tmp entry is
// written in memory, a host entry of a read-write mount on the host).
func writesNote(e fsprep.Entry) string {
	switch {
	case e.Writes == fsprep.WritesRefused:
		return "read-only"
	case e.Writes == fsprep.WritesMemory && e.Source != fsprep.SourceTmp:
		return "copy-on-write"
	}
	return ""
}

// writesText says in words, for stat, where a change to the entry goes.
func writesText(e fsprep.Entry) string {
	switch e.Writes {
	case fsprep.WritesHost:
		return "host (changes reach the host directory)"
	case fsprep.WritesRefused:
		return "refused (a read-only mount)"
	case fsprep.WritesMemory:
		if e.Source != fsprep.SourceTmp {
			return "memory (copy-on-write: the source is never changed; changes are gone after the run)"
		}
		return "memory (gone after the run)"
	}
	return e.Writes
}

// writeTree draws the entries (sorted by path, all below top) as a tree.
func writeTree(w io.Writer, top string, entries []fsprep.Entry) error {
	fmt.Fprintln(w, top)
	prefix := strings.TrimSuffix(top, "/") + "/"
	var lastAt []bool // lastAt[d]: the open ancestor at depth d was its parent's last child
	for i, e := range entries {
		rel := strings.TrimPrefix(e.Path, prefix)
		depth := strings.Count(rel, "/")
		name := rel[strings.LastIndexByte(rel, '/')+1:]
		// Whether this entry is the last child of its parent.
		last := true
		for _, later := range entries[i+1:] {
			lr := strings.TrimPrefix(later.Path, prefix)
			if strings.Count(lr, "/") < depth {
				break
			}
			if strings.Count(lr, "/") == depth {
				last = false
				break
			}
		}
		lastAt = append(lastAt[:min(depth, len(lastAt))], last)
		var indent strings.Builder
		for _, l := range lastAt[:depth] {
			if l {
				indent.WriteString("    ")
			} else {
				indent.WriteString("│   ")
			}
		}
		branch := "├── "
		if last {
			branch = "└── "
		}
		if e.Target != "" {
			name += " -> " + e.Target
		}
		source := e.Source
		if note := writesNote(e); note != "" {
			source += ", " + note
		}
		fmt.Fprintf(w, "%s%s%s  [%s]\n", indent.String(), branch, name, source)
	}
	return nil
}

// formatTime prints a time in UTC with nanoseconds; 0 is "-".
func formatTime(ns int64) string {
	if ns == 0 {
		return "-"
	}
	return time.Unix(0, ns).UTC().Format("2006-01-02T15:04:05.000000000Z")
}
