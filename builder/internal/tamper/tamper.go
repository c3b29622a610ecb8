// Package tamper changes built packages the way an attacker or a bad disk
// would, for the integrity tests of the result cache and of release.
package tamper

import (
	"errors"
	"os"
)

// Deb changes one byte of a .deb so that it stays a valid, installable
// package of the same size: a digit of the first ar member's mtime, which
// dpkg ignores. A package that still installs is what a release would
// publish, so only the recorded sum can catch it.
func Deb(deb []byte) error {
	if len(deb) < 36 || string(deb[:8]) != "!<arch>\n" {
		return errors.New("not an ar archive")
	}
	if deb[24] == '1' {
		deb[24] = '2'
	} else {
		deb[24] = '1'
	}
	return nil
}

// DebFile tampers with the .deb at path in place (see Deb).
func DebFile(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := Deb(b); err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}
