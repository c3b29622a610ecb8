package artifacts

import (
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks is how many symlinks one resolution may follow, as in Linux
// (MAXSYMLINKS); a longer chain is an error, as it would be for the kernel.
const maxLinks = 40

var (
	errEscapes      = errors.New("leads outside the output directory")
	errTooManyLinks = errors.New("too many levels of symbolic links")
)

// resolve returns where the slash-separated path rel, taken from root,
// really leads, as a clean slash-separated path relative to root ("." for
// root itself). It follows the symlinks under root component by component,
// as the kernel does, except that ".." above root or an absolute link target
// is reported as errEscapes rather than clamped to root: the output
// directory is renamed and read from elsewhere, so nothing in it may depend
// on what lies above it.
//
// Components that do not exist (or sit below a non-directory) are taken
// lexically: they may still be created, as real directories or as links;
// Extract re-checks every link once the tree is complete.
func resolve(root, rel string) (string, error) {
	return walk(root, rel, 0)
}

// resolveLink is where a symlink at rel with the given target leads (it need
// not exist yet). The link itself counts toward maxLinks, as it does for the
// kernel when something opens it.
func resolveLink(root, rel, target string) (string, error) {
	return walk(root, path.Dir(rel)+"/"+target, 1)
}

// walk resolves rel from root having already followed links symlinks.
func walk(root, rel string, links int) (string, error) {
	cur := ""                       // resolved so far, "" for root; never contains a symlink
	todo := strings.Split(rel, "/") // components still to walk
	for len(todo) > 0 {
		name := todo[0]
		todo = todo[1:]
		switch name {
		case "", ".":
			continue
		case "..":
			// cur holds no symlinks, so its parent is the lexical one.
			if cur == "" {
				return "", errEscapes
			}
			cur = parentOf(cur)
			continue
		}
		next := name
		if cur != "" {
			next = cur + "/" + name
		}
		fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(next)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR) {
			return "", err
		}
		if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			cur = next // a directory, a file, or nothing yet
			continue
		}
		if links++; links > maxLinks {
			return "", errTooManyLinks
		}
		target, err := os.Readlink(filepath.Join(root, filepath.FromSlash(next)))
		if err != nil {
			return "", err
		}
		if strings.HasPrefix(target, "/") {
			return "", errEscapes
		}
		// The target replaces the link, relative to the link's directory (cur).
		todo = append(strings.Split(target, "/"), todo...)
	}
	if cur == "" {
		return ".", nil
	}
	return cur, nil
}

// parentOf is the lexical parent of a clean relative slash path ("" for a
// single component).
func parentOf(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}
