package tamper

import (
	"bytes"
	"testing"
)

func TestDeb(t *testing.T) {
	deb := []byte("!<arch>\ndebian-binary   1700000000  0     0     100644  4         `\n2.0\n")
	orig := bytes.Clone(deb)
	if err := Deb(deb); err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i := range deb {
		if deb[i] != orig[i] {
			changed++
		}
	}
	if len(deb) != len(orig) || changed != 1 {
		t.Errorf("size %d -> %d, %d bytes changed; want the same size and 1 byte", len(orig), len(deb), changed)
	}
	if err := Deb([]byte("not a deb")); err == nil {
		t.Error("a file that is no ar archive was tampered with")
	}
}
