package release

import (
	"fmt"
	"os"
	"path/filepath"
)

// Preflight checks, before anything is built, that a release into
// outputDir can add to what it already holds, and that --previous (when
// given) is a repository: see preflight. Its errors are RepoError.
func Preflight(outputDir, previous string, signed bool) error {
	_, _, err := preflight(outputDir, previous, signed)
	return err
}

// preflight reads DIR/repo (pub, nil when there is none) and the
// repository upgrades start from (prev: --previous's, else pub). A
// published repository keeps its signing state: a signed one takes only
// a signed release (repo.sh checks that the key is the same), an
// unsigned one only an unsigned release, whose packages carry no
// signatures that a signed repository's users would check.
func preflight(outputDir, previous string, signed bool) (pub, prev *published, err error) {
	dir := filepath.Join(outputDir, RepoDir)
	if pub, err = readPublished(dir); err != nil {
		return nil, nil, err
	}
	switch {
	case pub != nil && pub.Signed && !signed:
		return nil, nil, RepoError{fmt.Errorf("%s is signed (%s): a release adds to it and must be signed with the same key (--sign-key FILE or DBUILDER_SIGNING_KEY); or release into another directory", dir, KeyFile)}
	case pub != nil && !pub.Signed && signed:
		return nil, nil, RepoError{fmt.Errorf("%s was published unsigned: its packages carry no signatures, so a signed release cannot add to it; release into another directory (or move %s away) to start a signed repository", dir, dir)}
	}
	prev = pub
	if previous != "" {
		p, err := previousDir(previous)
		if err != nil {
			return nil, nil, err
		}
		if prev, err = readPublished(p); err != nil {
			return nil, nil, err
		}
	}
	return pub, prev, nil
}

// previousDir is the repository directory --previous names: DIR/repo of
// an output directory, or DIR itself.
func previousDir(p string) (string, error) {
	for _, d := range []string{filepath.Join(p, RepoDir), p} {
		if _, err := os.Stat(filepath.Join(d, SumsFile)); err == nil {
			return d, nil
		}
	}
	return "", RepoError{fmt.Errorf("--previous %s: no repository there (neither %s nor %s exists)", p, filepath.Join(p, RepoDir, SumsFile), filepath.Join(p, SumsFile))}
}
