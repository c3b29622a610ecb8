package release

import "testing"

// tamper changes one byte of a .deb so that it stays a valid, installable
// package of the same size: a digit of the first ar member's mtime, which
// dpkg ignores. A package that still installs is what a release would
// publish.
func tamper(t *testing.T, deb []byte) {
	t.Helper()
	if len(deb) < 36 || string(deb[:8]) != "!<arch>\n" {
		t.Fatal("not an ar archive")
	}
	if deb[24] == '1' {
		deb[24] = '2'
	} else {
		deb[24] = '1'
	}
}
