package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// matrixText renders the matrix file init writes: the found values, and
// the other keys as commented examples, so the file teaches its format.
func matrixText(p packaging, distros []string) string {
	var found []string
	if p.debian {
		found = append(found, "debian/control")
	}
	if p.spec != "" {
		found = append(found, p.spec)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "# dbuilder matrix for %s: which distros to build and test it on.\n", p.name)
	fmt.Fprintf(&b, "# Written by 'dbuilder init' from %s. See 'dbuilder plan' for the targets.\n", strings.Join(found, " and "))
	fmt.Fprintf(&b, "name: %s\n", yamlString(p.name))
	fmt.Fprintf(&b, "version: %s\n", yamlString(p.version))
	b.WriteString("source: .                     # the package source, relative to this file\n")
	b.WriteString("matrix:\n")
	fmt.Fprintf(&b, "  distro: [%s]\n", strings.Join(distros, ", "))
	b.WriteString(`  # arch: [amd64, arm64]      # each further axis multiplies the targets
# exclude:
#   - {distro: rockylinux:9, arch: arm64}
# build:
#   deps:                       # what the builder image needs beyond the package's own build deps
#     deb: [libfoo-dev]
#     rpm: [libfoo-devel]
# test:
#   docker: true                # the tests get a Docker daemon of their own
#   preload: [mariadb:10.11]    # images copied into that daemon first
#   command: |                  # a shell script, run in the built source tree
#     make check
# timeout: 60m                  # each target's time limit, image to artifacts (none: no limit)
# overrides:                    # later ones win
#   - match: {distro: "fedora:*"}
#     build: {deps: {rpm: [libfoo-devel, gcc-c++]}}
#     timeout: 2h
`)
	return b.String()
}

var plainYAML = regexp.MustCompile(`^[a-z][a-z0-9+.-]*$`)

// yamlString writes s as a YAML string: plain when YAML cannot read it as
// anything else, double-quoted otherwise ("1.10" would be a number).
func yamlString(s string) string {
	switch strings.ToLower(s) {
	case "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~":
	default:
		if plainYAML.MatchString(s) {
			return s
		}
	}
	return fmt.Sprintf("%q", s)
}

// writeFileAtomic writes data to path through a temporary file in the same
// directory and a rename, so that a crash never leaves half a file. Unless
// force is set it refuses to replace an existing file.
func writeFileAtomic(path string, data []byte, force bool) (err error) {
	if !force {
		if _, err := os.Lstat(path); err == nil {
			return fmt.Errorf("%s already exists (use --force to replace it)", path)
		}
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			os.Remove(tmp.Name())
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
