package release

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"io"
	"os"
	"strings"
)

// A release into a directory that already holds one keeps what was
// published: a file of the same name must hold what the new one holds.
// The repository step changes some files when it signs them (an rpm's
// signature header, a .dsc wrapped in a clear signature), so those are
// compared without what signing changed.

// keptAsPublished says whether a file of an already published version is
// kept without comparing it: .changes and .buildinfo record a build (its
// time and environment), so a rebuild of the same packages makes others;
// the packages they describe are compared.
func keptAsPublished(name string) bool {
	return strings.HasSuffix(name, ".changes") || strings.HasSuffix(name, ".buildinfo")
}

// samePublished says whether the published file old holds what the new,
// unsigned file holds.
func samePublished(old, new string) (bool, error) {
	switch {
	case strings.HasSuffix(new, ".rpm"):
		a, err := rpmBodyHash(old)
		if err != nil {
			return false, err
		}
		b, err := rpmBodyHash(new)
		if err != nil {
			return false, err
		}
		return bytes.Equal(a, b), nil
	case strings.HasSuffix(new, ".dsc"):
		a, err := os.ReadFile(old)
		if err != nil {
			return false, err
		}
		b, err := os.ReadFile(new)
		if err != nil {
			return false, err
		}
		return clearText(a) == clearText(b), nil
	}
	return sameFile(old, new)
}

// rpmBodyHash hashes an rpm from its main header on: what rpmsign leaves
// as it was.
func rpmBodyHash(p string) ([]byte, error) {
	info, err := readRPM(p)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.Seek(info.Body, io.SeekStart); err != nil {
		return nil, err
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// clearText is the text of a clear-signed message (RFC 4880, 7.1) without
// its armor, dash-escaping undone; a text that is not signed is itself.
// Trailing white space is dropped from every line, as signing does.
func clearText(b []byte) string {
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 16<<20)
	signed, inBody := false, false
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), " \t\r")
		switch {
		case !signed && len(lines) == 0 && l == "-----BEGIN PGP SIGNED MESSAGE-----":
			signed = true
			continue
		case signed && !inBody:
			inBody = l == "" // the armor headers (Hash: ...) end at an empty line
			continue
		case signed && l == "-----BEGIN PGP SIGNATURE-----":
			return strings.TrimRight(strings.Join(lines, "\n"), "\n")
		case signed:
			l = strings.TrimPrefix(l, "- ")
		}
		lines = append(lines, l)
	}
	return strings.TrimRight(strings.Join(lines, "\n"), "\n")
}
