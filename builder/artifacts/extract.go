// Package artifacts unpacks what a build container produced into the output
// directory, refusing anything that would land outside it, and publishes it
// atomically.
package artifacts

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Extract unpacks a tar stream (as CopyFromContainer returns it) into dir,
// dropping the first path element (the copied directory's own name). It
// returns the regular files (and hard links) written, relative to dir,
// slash-separated.
//
// Nothing it does can reach outside dir: entries that are absolute or climb
// out with ".." are refused; no entry is created through a symlink (every
// directory above it must be a real one); symlinks whose target is absolute
// or leads out of dir, as written or as the links already there resolve it,
// are refused; and once the whole stream is in, every symlink under dir is
// checked again, since a later link can redirect an earlier one. Devices and
// other special files are refused too. On any error the symlinks it made are
// removed, so even a caller that keeps dir holds no link leading out.
func Extract(r io.Reader, dir string) ([]string, error) {
	var links []string // the symlinks made, relative to dir
	files, err := extractAll(r, dir, &links)
	if err == nil {
		err = recheckLinks(dir, links)
	}
	if err != nil {
		// A caller that keeps dir anyway must not find a link leading out.
		for _, l := range links {
			os.Remove(filepath.Join(dir, filepath.FromSlash(l)))
		}
	}
	return files, err
}

// extractAll creates every entry of the stream in turn, returning the
// regular files and hard links written and adding the symlinks to links.
func extractAll(r io.Reader, dir string, links *[]string) ([]string, error) {
	tr := tar.NewReader(r)
	var files []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return files, nil
		}
		if err != nil {
			return files, fmt.Errorf("artifacts: reading tar: %w", err)
		}
		rel, err := clean(h.Name)
		if err != nil {
			return files, err
		}
		if rel == "" {
			continue // the top directory itself
		}
		if err := extractEntry(dir, rel, h, tr); err != nil {
			return files, err
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeLink:
			files = append(files, rel)
		case tar.TypeSymlink:
			*links = append(*links, rel)
		}
	}
}

// recheckLinks checks the links again in the final tree: each was inside
// when made, but a later one can change where it leads (y -> x/.. made
// before x -> .).
func recheckLinks(dir string, links []string) error {
	for _, l := range links {
		target, err := os.Readlink(filepath.Join(dir, filepath.FromSlash(l)))
		if err != nil {
			return fmt.Errorf("artifacts: %w", err)
		}
		if err := checkLink(dir, l, target); err != nil {
			return err
		}
	}
	return nil
}

// extractEntry creates the one entry h at rel (a clean path inside dir),
// reading a regular file's contents from r.
func extractEntry(dir, rel string, h *tar.Header, r io.Reader) error {
	switch h.Typeflag {
	case tar.TypeDir, tar.TypeReg, tar.TypeSymlink, tar.TypeLink:
	default:
		return fmt.Errorf("artifacts: %q is a special file (type %q); refused", h.Name, h.Typeflag)
	}
	if err := makeParents(dir, rel); err != nil {
		return err
	}
	dst := filepath.Join(dir, filepath.FromSlash(rel))
	switch h.Typeflag {
	case tar.TypeDir:
		return makeDir(dst, rel)
	case tar.TypeReg:
		return writeFile(dst, r, h.FileInfo().Mode().Perm())
	case tar.TypeSymlink:
		if err := checkLink(dir, rel, h.Linkname); err != nil {
			return err
		}
		if err := os.Symlink(h.Linkname, dst); err != nil {
			return fmt.Errorf("artifacts: %w", err)
		}
		return nil
	default: // tar.TypeLink
		return makeHardLink(dir, dst, rel, h)
	}
}

// makeParents makes sure every directory above rel is a real directory,
// creating the missing ones. Writing through a symlink is never allowed, even
// one pointing inside: the chain of links that got it there is what escapes.
func makeParents(dir, rel string) error {
	parts := strings.Split(rel, "/")
	for i := 1; i < len(parts); i++ {
		sub := strings.Join(parts[:i], "/")
		p := filepath.Join(dir, filepath.FromSlash(sub))
		fi, err := os.Lstat(p)
		switch {
		case errors.Is(err, fs.ErrNotExist):
			if err := os.Mkdir(p, 0o755); err != nil {
				return fmt.Errorf("artifacts: %w", err)
			}
		case err != nil:
			return fmt.Errorf("artifacts: %w", err)
		case fi.Mode()&fs.ModeSymlink != 0:
			return fmt.Errorf("artifacts: entry %q would be created through symlink %q; refused", rel, sub)
		case !fi.IsDir():
			return fmt.Errorf("artifacts: entry %q would be created below %q, which is not a directory; refused", rel, sub)
		}
	}
	return nil
}

// makeDir creates a directory entry; one that already exists as a real
// directory is fine (tar streams may repeat them), anything else at its
// place is refused.
func makeDir(dst, rel string) error {
	fi, err := os.Lstat(dst)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := os.Mkdir(dst, 0o755); err != nil {
			return fmt.Errorf("artifacts: %w", err)
		}
		return nil
	case err != nil:
		return fmt.Errorf("artifacts: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0 || !fi.IsDir():
		return fmt.Errorf("artifacts: directory %q already exists as a non-directory; refused", rel)
	}
	return nil
}

// makeHardLink links dst to an earlier regular file inside dir. The target
// must be reached without symlinks: link(2) follows those in the directories
// above it, and a hard link to a file outside dir would publish that file.
func makeHardLink(dir, dst, rel string, h *tar.Header) error {
	target, err := clean(h.Linkname)
	if err != nil || target == "" || !isPlainFile(dir, target) {
		return fmt.Errorf("artifacts: hard link %q -> %q does not name an earlier regular file inside the output directory; refused", rel, h.Linkname)
	}
	if err := os.Link(filepath.Join(dir, filepath.FromSlash(target)), dst); err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	return nil
}

// isPlainFile says whether rel, under dir, is a regular file reached through
// real directories only.
func isPlainFile(dir, rel string) bool {
	parts := strings.Split(rel, "/")
	for i := 1; i <= len(parts); i++ {
		fi, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(strings.Join(parts[:i], "/"))))
		if err != nil {
			return false
		}
		// From Lstat, a symlink is neither a directory nor a regular file.
		if last := i == len(parts); !last && !fi.IsDir() || last && !fi.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// clean strips the top element and checks the rest stays inside.
func clean(name string) (string, error) {
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("artifacts: entry %q is an absolute path; refused", name)
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." {
			return "", fmt.Errorf("artifacts: entry %q climbs out of the output directory; refused", name)
		}
	}
	p := path.Clean(name)
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[i+1:], nil
	}
	return "", nil
}

// checkLink refuses a symlink at rel whose target is absolute or leads out
// of dir: as written (read lexically from the link's directory, as tools
// that clean paths rather than follow links would), and as resolved through
// the links now under dir.
func checkLink(dir, rel, target string) error {
	refuse := func(why string) error {
		return fmt.Errorf("artifacts: symlink %q -> %q: %s; refused", rel, target, why)
	}
	if path.IsAbs(target) {
		return refuse("is absolute")
	}
	if l := path.Join(path.Dir(rel), target); l == ".." || strings.HasPrefix(l, "../") {
		return refuse("points outside the output directory")
	}
	if _, err := resolveLink(dir, rel, target); err != nil {
		return refuse(err.Error())
	}
	return nil
}

// writeFile creates the regular file dst (its parents exist) from r.
func writeFile(dst string, r io.Reader, mode os.FileMode) error {
	// O_EXCL + no symlink following: an earlier entry cannot redirect this one.
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode|0o200)
	if err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("artifacts: writing %s: %w", dst, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	return nil
}
