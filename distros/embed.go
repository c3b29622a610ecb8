package distros

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
)

//go:embed templates/*.tmpl
var templates embed.FS

//go:embed scripts/*.sh
var scripts embed.FS

// CommonTemplate holds the {{define}} blocks every family template uses.
const CommonTemplate = "common.tmpl"

// Template returns the text of templates/NAME (a Family.Template, or CommonTemplate).
func Template(name string) (string, error) {
	b, err := readEmbedded(templates, "templates", name)
	return string(b), err
}

// BuildLibraries and VerifyLibraries are the scripts the build and verify
// scripts source from their own directory: dbuilder copies them next to
// the script it runs.
var (
	BuildLibraries  = []string{"ccache.sh", "eperm.sh"}
	VerifyLibraries = []string{"verify-lib.sh"}
)

// Script returns the build script scripts/NAME (a Family.BuildScript).
func Script(name string) ([]byte, error) {
	return readEmbedded(scripts, "scripts", name)
}

func readEmbedded(fsys embed.FS, dir, name string) ([]byte, error) {
	if name == "" || path.Base(name) != name {
		return nil, fmt.Errorf("no embedded %s file %q", dir, name)
	}
	b, err := fs.ReadFile(fsys, dir+"/"+name)
	if err != nil {
		return nil, fmt.Errorf("no embedded %s file %q", dir, name)
	}
	return b, nil
}
