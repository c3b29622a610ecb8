package run

import (
	"archive/tar"
	"io"
	"os"
)

func tarFile(w io.Writer, name, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	if err := writeFile(tw, name, 0o644, b); err != nil {
		return err
	}
	return tw.Close()
}
