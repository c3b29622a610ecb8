package release

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/dbuilder/dbuilder/distros"
)

// published is a repository directory as an earlier release left it: the
// output directory's own DIR/repo, which a release adds to, or the one
// --previous names, which upgrades start from.
type published struct {
	Dir    string
	Signed bool   // it has KEY.asc
	Sums   []byte // its SHA256SUMS as read: publishing checks it is unchanged
	Repos  []*pubRepo
}

// pubRepo is one repository of a published directory.
type pubRepo struct {
	Format string // "deb", "rpm"
	Layout distros.Repo
	Name   string // "debian-bookworm"
	Distro string // the registry's distro of that name; "" when none has it
	Suite  string
	Dir    string            // its host directory
	Files  map[string]string // what its Pool directories hold: base name -> host file
}

// RepoError is an output directory or --previous that release cannot
// build on (a repository that does not match its checksums, a key that is
// not the one it was signed with): the user fixes it (exit code 2).
type RepoError struct{ Err error }

func (e RepoError) Error() string { return e.Err.Error() }
func (e RepoError) Unwrap() error { return e.Err }

// readPublished reads the repository directory dir; nil when there is
// none. It must match its SHA256SUMS: a release never builds on files
// that changed since they were published.
func readPublished(dir string) (*published, error) {
	if _, err := os.Lstat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	sums, err := os.ReadFile(filepath.Join(dir, SumsFile))
	if err != nil {
		return nil, RepoError{fmt.Errorf("%s holds no %s: it is not a repository dbuilder published; move it away or release into another directory", dir, SumsFile)}
	}
	if _, err := checkSums(dir); err != nil {
		return nil, RepoError{fmt.Errorf("%s does not match its checksums (%v): a release builds only on what was published; restore it from where it is served, or move it away", dir, err)}
	}
	p := &published{Dir: dir, Sums: sums}
	if _, err := os.Stat(filepath.Join(dir, KeyFile)); err == nil {
		p.Signed = true
	}
	for _, fname := range distros.FormatNames() {
		f, _ := distros.LookupFormat(fname)
		layout := f.Repo()
		entries, err := os.ReadDir(filepath.Join(dir, layout.Dir))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.IsDir() {
				continue
			}
			rp, err := readPubRepo(filepath.Join(dir, layout.Dir, e.Name()), fname, layout)
			if err != nil {
				return nil, RepoError{err}
			}
			p.Repos = append(p.Repos, rp)
		}
	}
	return p, nil
}

func readPubRepo(dir, format string, layout distros.Repo) (*pubRepo, error) {
	name := filepath.Base(dir)
	rp := &pubRepo{Format: format, Layout: layout, Name: name, Dir: dir, Files: map[string]string{}}
	for _, d := range distros.All() {
		if RepoName(d.Name) != name {
			continue
		}
		if fam, ok := distros.FamilyOf(d.Name); ok && fam.Format == format {
			rp.Distro = d.Name
		}
	}
	if layout.Suite {
		suites, _ := os.ReadDir(filepath.Join(dir, "dists"))
		if len(suites) != 1 || !suites[0].IsDir() {
			return nil, fmt.Errorf("%s: expected one suite under dists/, found %d", dir, len(suites))
		}
		rp.Suite = suites[0].Name()
	}
	for _, pool := range layout.Pool {
		entries, err := os.ReadDir(filepath.Join(dir, pool))
		if err != nil {
			continue
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			if prev, dup := rp.Files[e.Name()]; dup {
				return nil, fmt.Errorf("%s: %s is there twice (%s)", dir, e.Name(), prev)
			}
			rp.Files[e.Name()] = filepath.Join(dir, pool, e.Name())
		}
	}
	return rp, nil
}

// find returns the repository of that layout and name, or nil.
func (p *published) find(layout distros.Repo, name string) *pubRepo {
	if p == nil {
		return nil
	}
	for _, rp := range p.Repos {
		if rp.Layout.Dir == layout.Dir && rp.Name == name {
			return rp
		}
	}
	return nil
}

// merge decides what a repository holds after this release: files (base
// name -> new host file) join what rp holds. A file rp already has stays
// as published (the new one is dropped) when it holds the same, or when
// it is a record of the build (keptAsPublished); with other content it is
// refused: a version is released once. It returns what to keep and notes
// on what was dropped; files loses the dropped ones.
func (rp *pubRepo) merge(files map[string]string) (kept map[string]string, notes []string, err error) {
	kept = map[string]string{}
	if rp == nil {
		return kept, nil, nil
	}
	for _, name := range sortedKeys(rp.Files) {
		old := rp.Files[name]
		kept[name] = old
		nf, clash := files[name]
		if !clash {
			continue
		}
		if keptAsPublished(name) {
			notes = append(notes, fmt.Sprintf("%s: the one published earlier is kept", name))
			delete(files, name)
			continue
		}
		same, err := samePublished(old, nf)
		if err != nil {
			return nil, nil, err
		}
		if !same {
			return nil, nil, fmt.Errorf("refused: %s is already published in %s with other content than %s; a version is released once: raise the version (debian/changelog; the spec's Version or Release) to release a change",
				name, rp.Dir, nf)
		}
		notes = append(notes, fmt.Sprintf("%s: already published, identical", name))
		delete(files, name)
	}
	return kept, notes, nil
}

// unchanged says whether the repository directory is still what p read
// (nil p: still absent), right before a release replaces it: another
// release into the same directory meanwhile would otherwise be lost.
func unchanged(dir string, p *published) error {
	sums, err := os.ReadFile(filepath.Join(dir, SumsFile))
	_, statErr := os.Lstat(dir)
	switch {
	case p == nil && errors.Is(statErr, fs.ErrNotExist):
		return nil
	case p != nil && err == nil && bytes.Equal(sums, p.Sums):
		return nil
	}
	return fmt.Errorf("%s changed while this release ran (another release into the same directory?); nothing was published, run the release again", dir)
}

// treeOf lists every file under rp's directory, by slash path relative to
// the repository directory (apt/debian-bookworm/...), for a repository
// this release does not touch and copies as it is.
func (rp *pubRepo) treeOf(repoDir string) (map[string]string, error) {
	out := map[string]string{}
	err := filepath.WalkDir(rp.Dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		if !e.Type().IsRegular() {
			return fmt.Errorf("%s is not a regular file", p)
		}
		rel, err := filepath.Rel(repoDir, p)
		out[filepath.ToSlash(rel)] = p
		return err
	})
	return out, err
}
