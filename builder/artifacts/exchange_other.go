//go:build !linux

package artifacts

import "errors"

// exchange is Linux's renameat2 RENAME_EXCHANGE; elsewhere Publish moves
// the old directory aside first.
func exchange(a, b string) error { return errors.New("no atomic exchange on this system") }
