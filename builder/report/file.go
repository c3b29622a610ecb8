package report

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// writeAtomic writes name in dir through a temporary file and a rename, so
// a reader sees the old file or the new one, never half of one. When that
// fails, the old file (an earlier run's) is removed as well: CI must not
// read it as this run's. The error names the file and says whether a stale
// one is left.
func writeAtomic(dir, name string, data []byte) error {
	p := filepath.Join(dir, name)
	err := replaceFile(dir, name, data)
	if err == nil {
		return nil
	}
	err = fmt.Errorf("writing %s: %w", p, err)
	switch rerr := os.Remove(p); {
	case rerr == nil:
		return fmt.Errorf("%w (the earlier run's %s was removed)", err, name)
	case errors.Is(rerr, fs.ErrNotExist):
		return err
	default:
		return fmt.Errorf("%w; the %s there is an EARLIER run's and could not be removed (%v)", err, name, rerr)
	}
}

// replaceFile puts data in dir/name by a synced temporary file and a rename.
func replaceFile(dir, name string, data []byte) error {
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return err
	}
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o644) // for whoever reads reports, as os.WriteFile would
	}
	if err == nil {
		err = tmp.Sync() // a full disk may only say so here
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
	}
	return err
}
