// Package artifacts unpacks what a build container produced into the output
// directory, refusing anything that would land outside it, and publishes it
// atomically.
package artifacts

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"syscall"
)

// Extract unpacks a tar stream (as CopyFromContainer returns it) into dir,
// dropping the first path element (the copied directory's own name). Entries
// that are absolute, climb out with "..", or are links pointing outside dir
// are refused; devices and other special files are refused too. It returns
// the regular files written, relative to dir.
func Extract(r io.Reader, dir string) ([]string, error) {
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
		dst := filepath.Join(dir, filepath.FromSlash(rel))
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				return files, err
			}
		case tar.TypeReg:
			if err := writeFile(dst, tr, h.FileInfo().Mode().Perm()); err != nil {
				return files, err
			}
			files = append(files, rel)
		case tar.TypeSymlink:
			if err := checkLink(rel, h.Linkname); err != nil {
				return files, err
			}
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				return files, err
			}
			if err := os.Symlink(h.Linkname, dst); err != nil {
				return files, err
			}
		case tar.TypeLink:
			target, err := clean(h.Linkname)
			if err != nil || target == "" {
				return files, fmt.Errorf("artifacts: hard link %q -> %q points outside the output directory; refused", h.Name, h.Linkname)
			}
			if err := os.Link(filepath.Join(dir, filepath.FromSlash(target)), dst); err != nil {
				return files, err
			}
			files = append(files, rel)
		default:
			return files, fmt.Errorf("artifacts: %q is a special file (type %q); refused", h.Name, h.Typeflag)
		}
	}
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

// checkLink refuses symlinks whose target, resolved from the link's own
// directory, is absolute or leaves the output directory.
func checkLink(rel, target string) error {
	if path.IsAbs(target) {
		return fmt.Errorf("artifacts: symlink %q -> %q points outside the output directory; refused", rel, target)
	}
	resolved := path.Join(path.Dir(rel), target)
	if resolved == ".." || strings.HasPrefix(resolved, "../") {
		return fmt.Errorf("artifacts: symlink %q -> %q points outside the output directory; refused", rel, target)
	}
	return nil
}

func writeFile(dst string, r io.Reader, mode os.FileMode) error {
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	// O_EXCL + no symlink following: an earlier entry cannot redirect this one.
	f, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NOFOLLOW, mode|0o200)
	if err != nil {
		return fmt.Errorf("artifacts: %w", err)
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
