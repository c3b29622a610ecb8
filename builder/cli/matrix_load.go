package cli

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/dbuilder/dbuilder/builder/matrix"
)

// loadSelected loads the matrix file and picks the targets a --distro
// selector names (all when sel is empty). Every error is a UsageError: the
// user fixes it in the file or on the command line (exit 2).
func loadSelected(file, sel string) (*matrix.Matrix, []matrix.Target, error) {
	m, err := matrix.Load(file)
	if err != nil {
		return nil, nil, UsageError{matrixError(file, err)}
	}
	targets, err := matrix.Select(m.Targets, sel)
	if err != nil {
		return nil, nil, UsageError{fmt.Errorf("--distro %q: %w", sel, err)}
	}
	return m, targets, nil
}

// matrixError words a load failure. Several problems go under a heading so
// that each FILE:LINE:COL starts its own line, where editors pick it up.
func matrixError(file string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("no matrix file %s (write one with 'dbuilder init', or name one with -f FILE)", file)
	}
	if n := len(matrix.Problems(err)); n > 1 {
		return fmt.Errorf("%s has %d problems:\n%w", file, n, err)
	}
	return err
}
