package cli

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/dbuilder/dbuilder/distros"
)

// packaging is what init found in a source tree.
type packaging struct {
	debian  bool   // debian/control exists
	spec    string // the .spec file used, relative to the tree; "" if none
	name    string // Source: of debian/control, else Name: of the spec
	version string // upstream version from debian/changelog, else the spec's
	notes   []string
}

// detect looks for debian/control (with debian/changelog) and *.spec in dir.
func detect(dir string) (packaging, error) {
	var p packaging
	control, err := os.ReadFile(filepath.Join(dir, "debian", "control"))
	switch {
	case err == nil:
		p.debian = true
		p.name = controlSource(control)
		if p.name == "" {
			p.notes = append(p.notes, "debian/control has no Source: field")
		}
		if log, err := os.ReadFile(filepath.Join(dir, "debian", "changelog")); err == nil {
			p.version = changelogVersion(log)
		}
		if deb, ok := distros.LookupFormat("deb"); ok && deb.DeclaresTests(os.DirFS(dir)) {
			p.notes = append(p.notes, "found DEP-8 tests (debian/tests): dbuilder build runs them against the built packages with autopkgtest, in a testbed that reaches the target's own Docker daemon (test.autopkgtest: auto; docs/package-tests.md)")
		}
	case !errors.Is(err, fs.ErrNotExist):
		return p, err
	}

	specs, err := filepath.Glob(filepath.Join(dir, "*.spec"))
	if err != nil {
		return p, err
	}
	sort.Strings(specs)
	if len(specs) > 0 {
		p.spec = filepath.Base(specs[0])
		if len(specs) > 1 {
			p.notes = append(p.notes, fmt.Sprintf("several .spec files; used %s", p.spec))
		}
		data, err := os.ReadFile(specs[0])
		if err != nil {
			return p, err
		}
		name, version := specTags(data)
		if p.name == "" {
			p.name = name
		} else if name != "" && name != p.name {
			p.notes = append(p.notes, fmt.Sprintf("debian/control says %s, %s says %s; used %s", p.name, p.spec, name, p.name))
		}
		if p.version == "" {
			p.version = version
		}
	}
	return p, nil
}

// controlSource returns the Source: field of debian/control's first paragraph.
func controlSource(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		if strings.TrimSpace(line) == "" {
			break // end of the source paragraph
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(k, "Source") {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

var changelogHead = regexp.MustCompile(`^\S+ \(([^()\s]+)\)`)

// changelogVersion returns the upstream part of the newest entry's version:
// "2:3.4.5~rc1-2ubuntu1" gives "3.4.5~rc1" (no epoch, no Debian revision).
func changelogVersion(data []byte) string {
	first, _, _ := bytes.Cut(data, []byte("\n"))
	m := changelogHead.FindSubmatch(first)
	if m == nil {
		return ""
	}
	v := string(m[1])
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v = v[:i]
	}
	return v
}

// specTags returns the Name: and Version: tags of a spec file. Values that
// use macros are left out: init cannot expand them.
func specTags(data []byte) (name, version string) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if strings.Contains(v, "%") {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "name":
			if name == "" {
				name = v
			}
		case "version":
			if version == "" {
				version = v
			}
		}
	}
	return name, version
}
