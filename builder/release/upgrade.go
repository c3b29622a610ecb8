package release

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/dbuilder/dbuilder/builder/plan"
	"github.com/dbuilder/dbuilder/distros"
)

// upgrade is where a target's upgrade test starts: the newest earlier
// version of each of its packages in the previous repository of its
// distro. The verify script installs those from that repository (signed
// by its key), then upgrades to the new packages.
type upgrade struct {
	From  *pubRepo
	Pkgs  []prevPkg
	Files map[string]string // path under the container's prev/ -> host file
	Suite string
}

// prevPkg is one earlier package: its name, its version as the distro's
// package manager writes it, and its file, relative to the repository.
type prevPkg struct{ Name, Version, File string }

// pkgsList is pkgs.txt for the verify script: "NAME VERSION FILE" a line.
func (u *upgrade) pkgsList() []byte {
	var b strings.Builder
	for _, p := range u.Pkgs {
		fmt.Fprintf(&b, "%s %s %s\n", p.Name, p.Version, p.File)
	}
	return []byte(b.String())
}

// describe is "NAME VERSION" for each earlier package, for the log.
func (u *upgrade) describe() string {
	var out []string
	for _, p := range u.Pkgs {
		out = append(out, p.Name+" "+p.Version)
	}
	return strings.Join(out, ", ")
}

// planUpgrade finds the earlier versions of the target's packages (in dir,
// pkgs relative to it) in prev; nil when prev has no repository of the
// distro or none of the packages under another version. It picks the
// newest version whose file is not the new one's; the verify script checks
// with the distro's own comparison that it is older.
func planUpgrade(prev *published, j plan.Job, dir string, pkgs []string) (*upgrade, error) {
	layout := j.Format.Repo()
	rp := prev.find(layout, RepoName(j.Target.Distro))
	if rp == nil {
		return nil, nil
	}
	var have []avail
	var err error
	// The formats' own metadata: Debian's Packages index, rpm headers.
	switch j.Format.Name() {
	case "deb":
		have, err = debAvailable(rp)
	case "rpm":
		have, err = rpmAvailable(rp)
	default:
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	u := &upgrade{From: rp, Suite: rp.Suite, Files: map[string]string{}}
	for _, p := range pkgs {
		if distros.IsSourcePackage(p) {
			continue
		}
		name, arch, err := newPackage(j.Format.Name(), filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			return nil, err
		}
		var best *avail
		for i, a := range have {
			if a.Name != name || a.Arch != arch || path.Base(a.File) == path.Base(p) {
				continue
			}
			if best == nil || a.compare(a.Version, best.Version) > 0 {
				best = &have[i]
			}
		}
		if best != nil {
			u.Pkgs = append(u.Pkgs, prevPkg{Name: best.Name, Version: best.Version, File: best.File})
			u.Files["repo/"+best.File] = filepath.Join(rp.Dir, filepath.FromSlash(best.File))
		}
	}
	if len(u.Pkgs) == 0 {
		return nil, nil
	}
	// The indexes the package manager reads (and checks against the
	// signed Release or repomd.xml); of the pool, only what it installs.
	for _, idx := range []string{"dists", "repodata"} {
		err := filepath.WalkDir(filepath.Join(rp.Dir, idx), func(p string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return err
			}
			rel, _ := filepath.Rel(rp.Dir, p)
			u.Files["repo/"+filepath.ToSlash(rel)] = p
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
	}
	if prev.Signed {
		u.Files[KeyFile] = filepath.Join(prev.Dir, KeyFile)
	}
	return u, nil
}

// avail is one package a published repository holds.
type avail struct {
	Name, Arch, Version string
	File                string // relative to the repository
	compare             func(a, b string) int
}

// debAvailable reads the Packages indexes of an apt repository.
func debAvailable(rp *pubRepo) ([]avail, error) {
	idx, _ := filepath.Glob(filepath.Join(rp.Dir, "dists", rp.Suite, "*", "binary-*", "Packages"))
	var out []avail
	for _, f := range idx {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, st := range stanzas(b) {
			if st["Package"] == "" || st["Filename"] == "" {
				continue
			}
			out = append(out, avail{Name: st["Package"], Arch: st["Architecture"], Version: st["Version"], File: st["Filename"], compare: debCompare})
		}
	}
	return out, nil
}

// rpmAvailable reads the headers of an rpm repository's binary packages.
func rpmAvailable(rp *pubRepo) ([]avail, error) {
	var out []avail
	for _, name := range sortedKeys(rp.Files) {
		f := rp.Files[name]
		if !strings.HasSuffix(name, ".rpm") || strings.HasSuffix(name, ".src.rpm") {
			continue
		}
		info, err := readRPM(f)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(rp.Dir, f)
		out = append(out, avail{Name: info.Name, Arch: info.Arch, Version: info.EVR(), File: filepath.ToSlash(rel), compare: rpmCompare})
	}
	return out, nil
}

// newPackage names a new package and its architecture: a .deb by its file
// name (NAME_VERSION_ARCH.deb, as dpkg-buildpackage names it), an rpm by
// its header.
func newPackage(format, file string) (name, arch string, err error) {
	switch format {
	case "deb":
		parts := strings.Split(strings.TrimSuffix(filepath.Base(file), ".deb"), "_")
		if len(parts) != 3 {
			return "", "", fmt.Errorf("%s: not named NAME_VERSION_ARCH.deb", file)
		}
		return parts[0], parts[2], nil
	case "rpm":
		info, err := readRPM(file)
		return info.Name, info.Arch, err
	}
	return "", "", fmt.Errorf("%s: unknown package format %s", file, format)
}

// stanzas parses a Debian control file (Packages, Sources): paragraphs of
// "Field: value" lines; continuation lines (starting with a space) are
// dropped, release needs none of those fields.
func stanzas(b []byte) []map[string]string {
	var out []map[string]string
	cur := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case strings.TrimSpace(l) == "":
			if len(cur) > 0 {
				out = append(out, cur)
				cur = map[string]string{}
			}
		case l[0] == ' ' || l[0] == '\t':
		default:
			if k, v, ok := strings.Cut(l, ":"); ok {
				cur[k] = strings.TrimSpace(v)
			}
		}
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i]["Package"] < out[j]["Package"] })
	return out
}
