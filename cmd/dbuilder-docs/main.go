// Command dbuilder-docs writes dbuilder's CLI reference from its command
// tree: one markdown page per command into DIR/cli/ and man pages into
// DIR/man/. Run it from the repository root after changing a command or
// a flag:
//
//	go run ./cmd/dbuilder-docs docs
//
// (a test fails while the committed pages differ from what it writes).
// It is a program of its own so that the dbuilder binary does not carry
// the markdown and man page generators.
package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/dbuilder/dbuilder/builder/cli"
)

// manDate is the date the man pages carry: a fixed one, so that the pages
// do not change with the day they were generated on.
var manDate = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func main() {
	dir := "docs"
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := write(dir); err != nil {
		fmt.Fprintln(os.Stderr, "dbuilder-docs:", err)
		os.Exit(1)
	}
}

// write generates DIR/cli/*.md and DIR/man/*.1, replacing what is there.
func write(dir string) error {
	root := cli.Command(io.Discard, io.Discard)
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	noDates(root)
	md, man := filepath.Join(dir, "cli"), filepath.Join(dir, "man")
	for _, d := range []string{md, man} {
		if err := os.RemoveAll(d); err != nil {
			return err
		}
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	if err := doc.GenMarkdownTree(root, md); err != nil {
		return err
	}
	return doc.GenManTree(root, &doc.GenManHeader{Title: "DBUILDER", Section: "1", Date: &manDate, Source: "dbuilder", Manual: "dbuilder manual"}, man)
}

// noDates drops cobra's "Auto generated on DATE" lines from every page.
func noDates(c *cobra.Command) {
	c.DisableAutoGenTag = true
	for _, sub := range c.Commands() {
		noDates(sub)
	}
}
