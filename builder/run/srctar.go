package run

import (
	"archive/tar"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// writeTree writes the tree at dir into tw under prefix, skipping .git and
// the skip directory (the output directory when it sits inside the
// source). Files are read, never changed: builds happen in the container's
// copy, so the user's tree stays as it was.
func writeTree(tw *tar.Writer, dir, prefix, skip string) error {
	return filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		if err != nil {
			return err
		}
		if e.IsDir() && (e.Name() == ".git" || (skip != "" && p == skip)) {
			return filepath.SkipDir
		}
		info, err := e.Info()
		if err != nil {
			return err
		}
		link := ""
		if info.Mode()&fs.ModeSymlink != 0 {
			if link, err = os.Readlink(p); err != nil {
				return err
			}
		} else if !info.Mode().IsRegular() && !info.IsDir() {
			return nil // sockets, fifos: nothing a build needs
		}
		h, err := tar.FileInfoHeader(info, link)
		if err != nil {
			return err
		}
		name := prefix
		if rel != "." {
			name = prefix + "/" + filepath.ToSlash(rel)
		}
		h.Name = name
		h.Uid, h.Gid, h.Uname, h.Gname = 0, 0, "root", "root"
		if info.IsDir() {
			h.Name += "/"
		}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if !info.Mode().IsRegular() {
			return nil
		}
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		_, err = io.Copy(tw, f)
		return err
	})
}

// writeFile adds one generated file.
func writeFile(tw *tar.Writer, name string, mode int64, data []byte) error {
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: mode, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
		return err
	}
	_, err := tw.Write(data)
	return err
}

// within reports whether p lies inside dir.
func within(p, dir string) bool {
	rel, err := filepath.Rel(dir, p)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}

// SourceTar writes the source tree at dir into tw under prefix exactly as
// a build gets it (.git and the output directory left out): release makes
// the source package from the same tree.
func SourceTar(tw *tar.Writer, dir, prefix, outputDir string) error {
	skip := ""
	if out, err := resolvedPath(outputDir); err == nil && within(out, dir) {
		skip = out
	}
	return writeTree(tw, dir, prefix, skip)
}
