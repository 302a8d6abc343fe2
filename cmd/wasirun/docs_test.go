package main

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"

	"github.com/wasirun/wasirun/cmd/wasirun/internal/clidoc"
)

// cliDocsDir is the generated command reference, from this package's directory.
var cliDocsDir = filepath.Join("..", "..", "docs", "cli")

// cliDocs renders the reference of the whole command tree, built for a factory
// with the environment env.
func cliDocs(env []string) map[string][]byte {
	ios, _, _, _ := Test()
	return clidoc.Pages(newCmdRoot(newFactory(ios, env, "")))
}

// TestCLIDocs checks that docs/cli holds the reference of the current command
// tree; with -update (make docs) it rewrites it.
func TestCLIDocs(t *testing.T) {
	pages := cliDocs(nil)
	if *update {
		if err := clidoc.Write(cliDocsDir, pages); err != nil {
			t.Fatal(err)
		}
		return
	}
	diffs, err := clidoc.Diff(cliDocsDir, pages)
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) > 0 {
		t.Errorf("docs/cli is stale (%s): run make docs and commit the result", strings.Join(diffs, ", "))
	}
}

// TestCLIDocsIgnoreTheEnvironment: the pages do not change with the environment
// the factory is given, so that make docs writes the same files on every machine.
func TestCLIDocsIgnoreTheEnvironment(t *testing.T) {
	plain := cliDocs(nil)
	other := cliDocs([]string{
		"HOME=/home/someone", "XDG_CONFIG_HOME=/cfg", "XDG_CACHE_HOME=/cache",
		"WASIRUN_LOG_LEVEL=debug", "WASIRUN_CACHE_DIR=/c", "WASIRUN_FS_MEMORY_LIMIT=1G",
	})
	if len(plain) != len(other) {
		t.Fatalf("%d pages, then %d", len(plain), len(other))
	}
	for name, page := range plain {
		if !bytes.Equal(page, other[name]) {
			t.Errorf("%s changes with the environment", name)
		}
	}
}

// TestCLIDocsCoverTheTree: every command --help lists has a page, and each page
// carries its command's flags.
func TestCLIDocsCoverTheTree(t *testing.T) {
	pages := cliDocs(nil)
	for _, name := range []string{
		"wasirun.md", "wasirun_run.md", "wasirun_inspect.md", "wasirun_version.md",
		"wasirun_fs.md", "wasirun_fs_ls.md", "wasirun_fs_tree.md", "wasirun_fs_cat.md", "wasirun_fs_stat.md",
		"wasirun_package.md", "wasirun_package_build.md", "wasirun_package_unpack.md",
		"wasirun_completion.md", "wasirun_completion_bash.md",
	} {
		if _, ok := pages[name]; !ok {
			t.Errorf("no page %s", name)
		}
	}
	if _, ok := pages["wasirun_help.md"]; ok {
		t.Error("the help command has a page")
	}
	for page, flag := range map[string]string{
		"wasirun_run.md":     "--forward-env",
		"wasirun_fs_ls.md":   "--recursive",
		"wasirun_inspect.md": "--verify",
	} {
		if !bytes.Contains(pages[page], []byte(flag)) {
			t.Errorf("%s does not mention %s", page, flag)
		}
	}
}
